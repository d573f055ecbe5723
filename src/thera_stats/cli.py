"""The ``thera-stats`` command line.

Exit codes
----------
0
    Success (for ``validate``: the data are valid; protocol deviations alone do
    not fail).
1
    The command could not do its job (an output file exists, a fit failed, a
    ``validate-install`` check failed...).
2
    Invalid data or plan, or a usage error; the message lists every problem.

User errors are printed to standard error as one message, without a traceback.
"""

from __future__ import annotations

import argparse
import datetime as _dt
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from thera_stats.errors import DataValidationError, TheraStatsError, TrialFolderError

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


class _UsageError(Exception):
    pass


def _trial_dir(value: str | None) -> Path:
    """The trial folder (checked: it exists, is a folder, is no symbolic-link loop)."""
    from thera_stats.data import check_trial_folder, synthetic_data_path

    return synthetic_data_path() if value is None else check_trial_folder(value)


def _cmd_validate(args: argparse.Namespace) -> int:
    from thera_stats.data import load_trial

    trial = load_trial(_trial_dir(args.dir))
    print(trial.validation_report())
    print(trial.summary())
    return EXIT_OK


def _cmd_simulate(args: argparse.Namespace) -> int:
    from thera_stats.simulate import simulate_trial, write_trial

    if args.patients < 1:
        raise _UsageError(f"--patients ({args.patients}) must be at least 1")
    _check_out(args.out)
    trial = simulate_trial(seed=args.seed, n_patients=args.patients)
    paths = write_trial(trial, args.out, overwrite=args.overwrite, format=args.format)
    print(f"wrote {len(paths)} files to {args.out}: {', '.join(p.name for p in paths)}")
    print(trial.summary())
    return EXIT_OK


_FAMILY_CRITERIA = {
    "simon": ("optimal", "minimax", "admissible", "single-stage"),
    "mander-thompson": ("optimal", "minimax", "optimal-p1"),
    "three-stage": ("optimal", "minimax", "optimal-p1"),
    "fleming": (),
    "sargent": (),
    "sargent-two-stage": ("optimal", "minimax"),
}


def _int_list(text: str) -> list[int]:
    try:
        values = [int(v) for v in text.replace(";", ",").split(",") if v.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not a comma-separated list of whole numbers, such as 15,30") from None
    if not values:
        raise argparse.ArgumentTypeError("give at least one cumulative size, such as 15,30")
    return values


def _family_design(args: argparse.Namespace) -> object:
    """The design of a family other than Simon's, found by the engine's searches."""
    fam = args.family
    allowed = _FAMILY_CRITERIA[fam]
    given = {"--weight": args.weight, "--n-max": args.n_max}
    if fam in ("fleming", "sargent"):
        if args.criterion_given:
            raise _UsageError(f"--family {fam} takes no --criterion")
    elif args.criterion not in allowed:
        raise _UsageError(f"--family {fam} takes --criterion {', '.join(allowed[:-1])} or "
                          f"{allowed[-1]}; got {args.criterion}")
    for flag, value in given.items():
        if value is not None:
            raise _UsageError(f"{flag} is for --family simon")
    if args.sizes is not None and fam != "fleming":
        raise _UsageError("--sizes is for --family fleming")
    if args.efficacy and fam != "three-stage":
        raise _UsageError("--efficacy is for --family three-stage")
    if (args.eta is not None or args.pi is not None) and not fam.startswith("sargent"):
        raise _UsageError("--eta and --pi are for --family sargent")
    if fam == "mander-thompson":
        from thera_stats.design_search import mander_thompson_design

        return mander_thompson_design(args.p0, args.p1, alpha=args.alpha, power=args.power,
                                      criterion=args.criterion)
    if fam == "three-stage":
        from thera_stats.design_search import three_stage_design

        return three_stage_design(args.p0, args.p1, alpha=args.alpha, power=args.power,
                                  criterion=args.criterion, efficacy=args.efficacy)
    if fam == "fleming":
        from thera_stats.fleming import fleming_design

        if args.sizes is None:
            raise _UsageError("--family fleming needs --sizes, the cumulative sizes at the "
                              "looks, such as 15,30")
        return fleming_design(args.p0, args.p1, alpha=args.alpha, sizes=args.sizes)
    from thera_stats.three_outcome import sargent_design, sargent_two_stage_design

    if args.eta is None or args.pi is None:
        raise _UsageError(f"--family {fam} needs --eta (least P(no go) at p0) and --pi "
                          "(least P(go) at p1)")
    if fam == "sargent":
        return sargent_design(args.p0, args.p1, alpha=args.alpha, beta=1.0 - args.power,
                              eta=args.eta, pi=args.pi)
    return sargent_two_stage_design(args.p0, args.p1, alpha=args.alpha, beta=1.0 - args.power,
                                    eta=args.eta, pi=args.pi, criterion=args.criterion)


def _cmd_design(args: argparse.Namespace) -> int:
    from thera_stats.simon import design_report, simon_design, single_stage_design

    args.criterion_given = args.criterion is not None
    args.criterion = args.criterion or "optimal"
    if args.family != "simon":
        import json

        choice = _family_design(args)
        frame = choice.to_frame()  # type: ignore[attr-defined]
        if args.format == "json":
            print(json.dumps(frame.to_dict("records")[0], indent=2, default=str))
        elif args.format == "csv":
            print(frame.to_csv(index=False), end="")
        else:
            print(repr(choice))
            oc = choice.design.operating_characteristics([args.p0, args.p1])  # type: ignore[attr-defined]
            print(oc.to_frame().round(4).to_string(index=False))
        return EXIT_OK
    if args.criterion == "optimal-p1":
        raise _UsageError("--criterion optimal-p1 needs --family mander-thompson or three-stage")
    if args.sizes is not None or args.efficacy or args.eta is not None or args.pi is not None:
        raise _UsageError("--sizes, --efficacy, --eta and --pi are for the other families")
    if args.criterion == "single-stage":
        design: object = single_stage_design(args.p0, args.p1, alpha=args.alpha, power=args.power)
    else:
        design = simon_design(
            args.p0, args.p1, alpha=args.alpha, power=args.power, criterion=args.criterion,
            n_max=args.n_max, weight=args.weight,
        )
    print(design_report(design, format=args.format))  # type: ignore[arg-type]
    return EXIT_OK


def _cmd_analyze(args: argparse.Namespace) -> int:
    from thera_stats.analysis import analyze
    from thera_stats.data import check_output_folder, load_trial

    data_dir = _trial_dir(args.dir)
    if args.out is not None:
        _check_out(args.out)
        check_output_folder(args.out, data_dir, ["analysis.json", "analysis.md", "tables"],
                            overwrite=args.overwrite)
    result = analyze(load_trial(data_dir))
    print(result.memo(), end="")
    if args.out is not None:
        paths = result.write(args.out, overwrite=args.overwrite)
        word = ", and all in tables/tables.docx" if any(p.suffix == ".docx" for p in paths) else (
            "; install the 'report' extra for the Word tables")
        print(f"\nwrote {len(paths)} files to {args.out}: analysis.json, analysis.md and "
              f"tables/ (CSV, Markdown, LaTeX, HTML, text{word})")
    return EXIT_OK


def _date(text: str) -> _dt.date:
    try:
        return _dt.date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a date as YYYY-MM-DD") from None


def _prior_pair(text: str) -> tuple[float, float]:
    try:
        a, b = (float(v) for v in text.replace(";", ",").split(","))
    except ValueError:
        raise argparse.ArgumentTypeError(
            f"{text!r} is not two numbers a,b (the Beta prior), such as 0.5,0.5") from None
    return a, b


def _cmd_monitor(args: argparse.Namespace) -> int:
    from thera_stats.data import load_trial
    from thera_stats.monitor import monitor

    data_dir = _trial_dir(args.dir)
    status = monitor(load_trial(data_dir), as_of=args.as_of, prior=args.prior)
    print(status.to_json() if args.format == "json" else str(status))
    return EXIT_OK


def _cmd_figures(args: argparse.Namespace) -> int:
    from thera_stats.analysis import analyze
    from thera_stats.data import check_output_folder, load_trial
    from thera_stats.plotting import use_file_backend, write_figures

    use_file_backend()
    data_dir = _trial_dir(args.dir)
    _check_out(args.out)
    check_output_folder(args.out, data_dir)
    paths = write_figures(analyze(load_trial(data_dir)), args.out, overwrite=args.overwrite)
    print(f"wrote {len(paths)} files to {args.out}:")
    for path in paths:
        print(f"  {path.name}")
    return EXIT_OK


def _cmd_report(args: argparse.Namespace) -> int:
    from thera_stats.report import render_report

    _check_out(args.out)
    path = render_report(
        _trial_dir(args.dir), args.out, overwrite=args.overwrite, pdf=args.pdf,
        progress=None if args.quiet else lambda done, total, label: print(
            f"[{done:>2}/{total}] {label}", file=sys.stderr, flush=True),
    )
    print(f"wrote {path}")
    if args.pdf:
        print(f"wrote {path.with_suffix('.pdf')}")
    return EXIT_OK


def _cmd_validate_install(args: argparse.Namespace) -> int:
    from thera_stats import validation
    from thera_stats.data import check_output_folder

    if args.out is not None:
        _check_out(args.out)
        check_output_folder(args.out, validation.DATA_DIR, [validation.REPORT_NAME],
                            overwrite=args.overwrite)
    report = validation.validate_install(args.out, overwrite=args.overwrite)
    print(report.summary())
    if args.out is not None:
        print(f"wrote {args.out / validation.REPORT_NAME}")
    return EXIT_OK if report.passed else EXIT_FAILED


def _check_out(out: Path, what: str = "--out") -> None:
    """An output folder that is an existing file is a usage error, found before anything
    is printed."""
    if out.exists() and not out.is_dir():
        raise _UsageError(f"{what} {out} is an existing file; give a folder")


def _cmd_init(args: argparse.Namespace) -> int:
    from thera_stats.template import write_template

    _check_out(args.dir, "DIR")
    paths = write_template(args.dir, endpoint=args.endpoint, overwrite=args.overwrite)
    print(f"wrote {len(paths)} files to {args.dir}: {', '.join(p.name for p in paths)}")
    print("Next: fill in plan.toml and the tables, then run "
          f"'thera-stats validate {args.dir}' (see docs/own_trial.md).")
    return EXIT_OK


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="thera-stats",
        description="Single-arm phase II trial statistics: from design to the phase III "
        "go/no-go decision.",
        epilog="Exit codes: 0 success; 1 the command failed; 2 invalid data, plan or usage.",
    )
    from thera_stats import __version__

    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    sub.required = True

    p = sub.add_parser(
        "validate",
        help="check a trial folder and list every problem",
        description="Read and validate a trial folder (plan.toml and the tables it names, or "
        "CDISC ADaM datasets). Exits 0 when valid (deviations are listed but do not fail), 2 "
        "when not.",
    )
    p.add_argument("dir", nargs="?", help="trial folder (default: the bundled synthetic trial)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "init",
        help="write a commented template plan and empty tables for a new trial",
        description="Start a new trial folder: a commented plan.toml to fill in and empty "
        "tables with their headers. Existing files are not replaced without --overwrite.",
    )
    p.add_argument("dir", type=Path, help="the new trial folder (created if needed)")
    p.add_argument("--endpoint", default="score", choices=["score", "binary"],
                   help="the primary endpoint: a score measured on a schedule (default) or a "
                   "response recorded directly")
    p.add_argument("--overwrite", action="store_true", help="replace files already there")
    p.set_defaults(func=_cmd_init)

    p = sub.add_parser(
        "simulate",
        help="write a seeded synthetic THERA trial",
        description="Simulate a THERA-like trial and write its tables and plan.toml: tidy CSV, "
        "or CDISC ADaM (SAS transport files) with --format adam. The same seed gives "
        "byte-identical files.",
    )
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--patients", type=int, default=17, help="patients enrolled (default 17)")
    p.add_argument("--out", required=True, type=Path, help="folder to write (created if needed)")
    p.add_argument("--format", default="csv", choices=["csv", "adam"],
                   help="tidy CSV tables (default) or CDISC ADaM datasets (.xpt)")
    p.add_argument("--overwrite", action="store_true", help="replace files already there")
    p.set_defaults(func=_cmd_simulate)

    p = sub.add_parser(
        "design",
        help="find a phase II design (Simon, Mander-Thompson, three-stage, Fleming, Sargent)",
        description="Print a phase II design and its exact operating characteristics. "
        "Simon's convention: stop after n1 patients if responses <= r1; 'go' if total > r. "
        "The other families print their bounds per look (futility: stop with 'no go' if "
        "responses <= the bound; efficacy: stop with 'go' if responses > the bound) and the "
        "exact operating characteristics at p0 and p1.",
    )
    p.add_argument("--p0", type=float, required=True, help="uninteresting response rate")
    p.add_argument("--p1", type=float, required=True, help="target response rate")
    p.add_argument("--alpha", type=float, default=0.05, help="one-sided type I error (0.05)")
    p.add_argument("--power", type=float, default=0.80, help="power at p1 (0.80)")
    p.add_argument(
        "--criterion", default=None,
        choices=["optimal", "minimax", "admissible", "single-stage", "optimal-p1"],
        help="design criterion (default optimal; optimal-p1: smallest EN under p1, "
        "Mander-Thompson and three-stage; admissible and single-stage: Simon)",
    )
    p.add_argument("--family", default="simon", choices=list(_FAMILY_CRITERIA),
                   help="design family: Simon two-stage (default); Mander-Thompson (a stage-1 "
                   "efficacy stop as well); three-stage (Chen); fleming (Fleming's boundaries "
                   "at --sizes); sargent, sargent-two-stage (three outcomes: go, inconclusive, no "
                   "go; beta = 1 - --power)")
    p.add_argument("--efficacy", action="store_true",
                   help="three-stage: efficacy stops at looks 1 and 2 as well")
    p.add_argument("--sizes", type=_int_list, default=None,
                   help="fleming: cumulative sizes at the looks, such as 15,30")
    p.add_argument("--eta", type=float, default=None,
                   help='sargent: least P("no go") when p = p0')
    p.add_argument("--pi", type=float, default=None,
                   help='sargent: least P("go") when p = p1')
    p.add_argument("--weight", type=float, default=None,
                   help="admissible designs: weight q of n in q*n + (1-q)*EN(p0)")
    p.add_argument("--n-max", type=int, default=None,
                   help="largest total n searched (default: widened until provably optimal)")
    p.add_argument("--format", default="table", choices=["table", "csv", "json"],
                   help="output format (default table)")
    p.set_defaults(func=_cmd_design)

    p = sub.add_parser(
        "analyze",
        help="the go/no-go analysis of a trial folder",
        description="Run the pre-specified go/no-go analysis and print the decision memo. "
        "With --out, also write analysis.json, analysis.md and every table (tables/*.csv, "
        ".md, .tex, .html, .txt) there.",
    )
    p.add_argument("dir", nargs="?", help="trial folder (default: the bundled synthetic trial)")
    p.add_argument("--out", type=Path, default=None,
                   help="folder for analysis.json, analysis.md and tables/")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier analysis there")
    p.set_defaults(func=_cmd_analyze)

    p = sub.add_parser(
        "monitor",
        help="where an ongoing trial stands: the rule so far and the chances ahead",
        description="Read the trial folder as of a date (patients enrolled and assessments "
        "made by then; a patient whose endpoint day has not come is pending) and print the "
        "design's decision at the looks passed, the posterior probability that the response "
        "rate exceeds p0, the predictive power (posterior-predictive probability of a final "
        "'go'), the conditional power under p0, p1 and the current estimate, and the bounds "
        "at the looks ahead.",
    )
    p.add_argument("dir", nargs="?", help="trial folder (default: the bundled synthetic trial)")
    p.add_argument("--as-of", type=_date, default=None,
                   help="read the data as of this date, YYYY-MM-DD (default: the plan's "
                   "data_cutoff, else today)")
    p.add_argument("--prior", type=_prior_pair, default=None,
                   help="Beta prior a,b of the response rate (default 0.5,0.5, Jeffreys)")
    p.add_argument("--format", default="text", choices=["text", "json"],
                   help="output format (default text)")
    p.set_defaults(func=_cmd_monitor)

    p = sub.add_parser(
        "figures",
        help="regenerate every figure as PNG and PDF",
        description="Run the analysis and write every report figure as PNG and PDF. The same "
        "inputs give byte-identical files; the data folder is never written to.",
    )
    p.add_argument("dir", nargs="?", help="trial folder (default: the bundled synthetic trial)")
    p.add_argument("--out", type=Path, required=True, help="folder for the figures")
    p.add_argument("--overwrite", action="store_true", help="replace earlier figures there")
    p.set_defaults(func=_cmd_figures)

    p = sub.add_parser(
        "report",
        help="render the phase II report as self-contained HTML (and PDF)",
        description="Execute notebooks/final_report.ipynb against a trial folder and write "
        "final_report.html to --out: one file with numbered tables and figures, a table of "
        "contents and no code cells, that loads nothing from the network. Progress goes to "
        "standard error. The report is dated by SOURCE_DATE_EPOCH if set, else by the "
        "plan's data cut-off, so the same inputs give the same file. "
        "Needs the report extra: pip install 'thera-stats[report]'.",
    )
    p.add_argument("dir", nargs="?", help="trial folder (default: the bundled synthetic trial)")
    p.add_argument("--out", type=Path, required=True, help="folder for final_report.html")
    p.add_argument("--pdf", action="store_true",
                   help="also print final_report.pdf (A4) with headless Chromium: "
                   "THERA_STATS_BROWSER, else chromium, chromium-browser or google-chrome "
                   "on PATH (Debian/Ubuntu: apt-get install chromium)")
    p.add_argument("--quiet", action="store_true", help="no progress messages")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier report there")
    p.set_defaults(func=_cmd_report)

    p = sub.add_parser(
        "validate-install",
        help="check the installed package against its shipped reference values",
        description="Recompute the reference values shipped with the package (R and "
        "published) with the installed thera-stats and print one line per area and a verdict. "
        "With --out, also write validation_report.html (environment, every check with its "
        "source, tolerance and worst difference) for an installation/operational "
        "qualification record. Exits 1 if any check fails.",
    )
    p.add_argument("--out", type=Path, default=None,
                   help="folder for validation_report.html (created if needed)")
    p.add_argument("--overwrite", action="store_true", help="replace an earlier report there")
    p.set_defaults(func=_cmd_validate_install)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    # Text holds the true minus sign and >= as symbols: on a terminal or file whose
    # encoding lacks them, print a stand-in character rather than fail.
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = (getattr(stream, "encoding", None) or "").lower().replace("-", "")
        if reconfigure is not None and encoding != "utf8":
            reconfigure(errors="replace")
    try:
        return func(args)
    except BrokenPipeError:
        # The reader went away (``thera-stats design ... | head``): not an error of ours.
        # Point stdout at devnull so the interpreter's final flush does not fail again.
        import os

        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK
    except DataValidationError as err:
        print(str(err), file=sys.stderr)
        return EXIT_INVALID
    except (_UsageError, ValueError, TrialFolderError) as err:
        print(f"thera-stats {args.command}: error: {err}", file=sys.stderr)
        return EXIT_INVALID
    except (TheraStatsError, FileExistsError, FileNotFoundError, OSError) as err:
        print(f"thera-stats {args.command}: error: {err}", file=sys.stderr)
        return EXIT_FAILED
