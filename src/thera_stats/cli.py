"""The ``thera-stats`` command line.

Exit codes
----------
0
    Success (for ``validate``: the data are valid; protocol deviations alone do
    not fail).
1
    The command could not do its job (an output file exists, a fit failed...).
2
    Invalid data or plan, or a usage error; the message lists every problem.

User errors are printed to standard error as one message, without a traceback.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

from thera_stats.errors import DataValidationError, TheraStatsError

EXIT_OK, EXIT_FAILED, EXIT_INVALID = 0, 1, 2


class _UsageError(Exception):
    pass


def _trial_dir(value: str | None) -> Path:
    from thera_stats.data import synthetic_data_path

    return synthetic_data_path() if value is None else Path(value)


def _cmd_validate(args: argparse.Namespace) -> int:
    from thera_stats.data import load_trial

    trial = load_trial(_trial_dir(args.dir))
    print(trial.validation_report())
    print(trial.summary())
    return EXIT_OK


def _cmd_simulate(args: argparse.Namespace) -> int:
    from thera_stats.simulate import simulate_trial, write_trial

    trial = simulate_trial(seed=args.seed, n_patients=args.patients)
    paths = write_trial(trial, args.out, overwrite=args.overwrite)
    print(f"wrote {len(paths)} files to {args.out}: {', '.join(p.name for p in paths)}")
    print(trial.summary())
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
        description="Read and validate a trial folder (patients, vas, adverse_events, "
        "plan.toml). Exits 0 when valid (deviations are listed but do not fail), 2 when not.",
    )
    p.add_argument("dir", nargs="?", help="trial folder (default: the bundled synthetic trial)")
    p.set_defaults(func=_cmd_validate)

    p = sub.add_parser(
        "simulate",
        help="write a seeded synthetic THERA trial",
        description="Simulate a THERA-like trial and write its CSV tables and plan.toml. "
        "The same seed gives byte-identical files.",
    )
    p.add_argument("--seed", type=int, default=2026, help="random seed (default 2026)")
    p.add_argument("--patients", type=int, default=17, help="patients enrolled (default 17)")
    p.add_argument("--out", required=True, type=Path, help="folder to write (created if needed)")
    p.add_argument("--overwrite", action="store_true", help="replace files already there")
    p.set_defaults(func=_cmd_simulate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; return the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    func: Callable[[argparse.Namespace], int] = args.func
    try:
        return func(args)
    except DataValidationError as err:
        print(str(err), file=sys.stderr)
        return EXIT_INVALID
    except (_UsageError, ValueError) as err:
        print(f"thera-stats {args.command}: error: {err}", file=sys.stderr)
        return EXIT_INVALID
    except (TheraStatsError, FileExistsError, FileNotFoundError, OSError) as err:
        print(f"thera-stats {args.command}: error: {err}", file=sys.stderr)
        return EXIT_FAILED
