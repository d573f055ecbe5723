"""Installation and operational qualification: run the shipped reference vectors.

``validate_install()`` recomputes a representative subset of the package's reference values
(R and published; copies of ``tests/reference/`` shipped in the wheel under
``thera_stats/validation_data/``) with the *installed* package and reports, for every check,
its source, tolerance, worst difference and pass/fail, together with the environment
(Python, operating system, every dependency version). ``thera-stats validate-install`` is the
command-line form; ``ValidationReport.to_html()`` is a self-contained record (inline CSS, no
script, no external resource) to file with an IQ/OQ protocol.

A value passes when ``|computed - reference| <= atol + rtol * |reference|`` (numpy's
``assert_allclose`` rule; both missing counts as equal); columns listed as exact (design
sizes, boundaries) must match exactly.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import html
import importlib.metadata as _md
import json
import platform
import re
import sys
import time
import warnings
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

__all__ = ["DATA_DIR", "ValidationReport", "validate_install"]

#: The shipped reference vectors and their manifest.
DATA_DIR = Path(__file__).resolve().parent / "validation_data"

REPORT_NAME = "validation_report.html"


@dataclass(frozen=True, slots=True)
class _Comparison:
    column: str
    expected: np.ndarray
    computed: np.ndarray


Runner = Callable[[dict[str, Any], list[pd.DataFrame]], Iterator[_Comparison]]


def _cmp(column: str, expected: Any, computed: Any) -> _Comparison:
    return _Comparison(column, np.asarray(expected, dtype=float).ravel(),
                       np.asarray(computed, dtype=float).ravel())


def _ints(text: object) -> list[int]:
    return [int(v) for v in str(text).split(";")]


# ------------------------------------------------------------------------------ runners
def _binomial_large_n(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.binomial import binomial_ci

    for method, g in frames[0].groupby("method", sort=False):
        ci = binomial_ci(g["x"].to_numpy(), g["n"].to_numpy(), method=str(method))
        yield _cmp("low", g["low"], ci.low)
        yield _cmp("high", g["high"], ci.high)


def _simon_oc(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.simon import SimonDesign

    for row in frames[0].to_dict("records"):
        d = SimonDesign(p0=row["p0"], p1=row["p1"], alpha=0.05, power=0.8, r1=int(row["r1"]),
                        n1=int(row["n1"]), r=int(row["r"]), n=int(row["n"]))
        got = {"alpha": d.actual_alpha, "power": d.actual_power, "pet_p0": d.pet_p0,
               "pet_p1": d.pet_p1, "en_p0": d.en_p0, "en_p1": d.en_p1}
        for col, value in got.items():
            yield _cmp(col, row[col], value)


def _simon_search(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.simon import simon_design

    for row in frames[0].to_dict("records"):
        d = simon_design(row["p0"], row["p1"], alpha=row["alpha"], power=1 - row["beta"],
                         criterion=row["criterion"])
        for col in ("r1", "n1", "r", "n", "en_p0"):
            yield _cmp(col, row[col], getattr(d, col))


def _two_stage(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.simon import SimonDesign
    from thera_stats.two_stage import outcome_table

    for _, g in frames[0].groupby(["design", "ordering"], sort=False):
        r0 = g.iloc[0]
        d = SimonDesign(p0=float(r0.p0), p1=float(r0.p1), alpha=0.05, power=0.8, r1=int(r0.r1),
                        n1=int(r0.n1), r=int(r0.r), n=int(r0.n))
        kw = {"n_stage1": int(r0.n1_used), "n_total": int(r0.n_used), "ordering": r0.ordering}
        t90 = outcome_table(d, confidence_level=0.90, **kw)
        t95 = outcome_table(d, confidence_level=0.95, **kw)
        for col in ("pvalue", "umvue", "median_unbiased"):
            yield _cmp(col, g[col], t90[col])
        yield _cmp("ci90_low", g["ci90_low"], t90["ci_low"])
        yield _cmp("ci90_high", g["ci90_high"], t90["ci_high"])
        yield _cmp("ci95_low", g["ci95_low"], t95["ci_low"])
        yield _cmp("ci95_high", g["ci95_high"], t95["ci_high"])


def _fleming(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.fleming import fleming_boundaries, fleming_design

    ref = frames[0]
    for row in ref[ref["source"] == "base_r"].to_dict("records"):
        p0, p1, alpha = float(row["p0"]), float(row["p1"]), float(row["alpha"])
        sizes = _ints(row["sizes"])
        b = fleming_boundaries(p0, alpha=alpha, sizes=sizes)
        yield _cmp("rejection", _ints(row["rejection"]), list(b.rejection))
        yield _cmp("acceptance", _ints(row["acceptance"]), list(b.acceptance))
        yield _cmp("p_tilde", row["p_tilde"], b.p_tilde)
        choice = fleming_design(p0, p1, alpha=alpha, sizes=sizes)
        yield _cmp("p_go_p0", row["p_go_p0"], choice.actual_alpha)
        yield _cmp("p_go_p1", row["p_go_p1"], choice.actual_power)


def _mander_thompson(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.design_search import mander_thompson_design

    criteria = {"optimalNull": "optimal", "minimaxNull": "minimax", "optimalAlt": "optimal-p1"}
    for rec in frames[0].to_dict("records"):
        if rec["Criterion"] not in criteria:
            continue
        got = mander_thompson_design(rec["p0"], rec["p1"], alpha=rec["Alpha"],
                                     power=1 - rec["Beta"], criterion=criteria[rec["Criterion"]])
        d = got.design
        values = {"nStage1": d.sizes[0], "nTotal": d.sizes[1], "rFutility": d.futility[0],
                  "rSuccess": min(d.sizes[0], d.efficacy[0]), "rTotal": d.futility[1],
                  "Type1": got.actual_alpha, "Type2": 1 - got.actual_power,
                  "AveSizeNull": got.en_p0, "AveSizeAlt": got.en_p1}
        for col, value in values.items():
            yield _cmp(col, rec[col], value)


def _predprob(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.bayesian import predictive_probability

    keys = ["n", "n_max", "p0", "theta_t", "a", "b"]
    for (n, n_max, p0, tt, a, b), g in frames[0].groupby(keys, sort=False):
        pp = predictive_probability(g["x"].to_numpy(), int(n), int(n_max), p0, tt, prior=(a, b))
        yield _cmp("predprob", g["predprob"], pp.probability)
        yield _cmp("postprob", g["postprob"], pp.posterior)


def _bounds_postprob(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.bayesian import posterior_boundaries

    for _, g in frames[0].groupby("case", sort=False):
        r = g.iloc[0]
        d = posterior_boundaries(_ints(r["looks_all"]), r["p0"], p1=0.5, t_l=r["t_l"],
                                 t_u=r["t_u"], prior=(r["a"], r["b"]),
                                 p_efficacy=r["p_efficacy"])
        xl, xu = g["xL"].astype(int).tolist(), g["xU"].astype(int).tolist()
        # phase1b's xL/xU: stop for futility if X <= xL, for efficacy if X >= xU.
        yield _cmp("xL", [min(lo, up - 1) for lo, up in zip(xl, xu, strict=True)],
                   list(d.futility))
        yield _cmp("xU", [u - 1 for u in xu[:-1]] + [max(xu[-1] - 1, d.futility[-1])],
                   [*d.efficacy, d.final_go])


def _off_plan(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.multistage import MultiStageDesign
    from thera_stats.off_plan import (
        conditional_error,
        conditional_error_bound,
        redesign_conditional_power,
    )

    designs = {name: MultiStageDesign(d["p0"], d["p1"], sizes=d["sizes"], futility=d["futility"])
               for name, d in spec["designs"].items()}
    ref = frames[0]
    for row in ref[ref["kind"] == "ce"].itertuples():
        yield _cmp("ce", float(row.value), conditional_error(designs[row.design], int(row.k)))
    for row in ref[ref["kind"] == "r2"].itertuples():
        # get_r2_flex returns -1 when the conditional error is 1 (always go); we return 0.
        got = conditional_error_bound(designs[row.design], int(row.k), int(row.n2))
        yield _cmp("r2", max(int(row.value), 0), got)
    for row in ref[ref["kind"] == "cp"].itertuples():
        d = designs[row.design]
        if conditional_error(d, int(row.k)) == 0.0:
            continue  # getCP's "go" where a binomial tail underflows; see tests/test_off_plan.py
        yield _cmp("cp", float(row.value), redesign_conditional_power(d, int(row.k), int(row.n2)))


def _mmrm(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.mmrm import mmrm

    ref, data = frames
    ref = ref[ref["dataset"] == "small"]
    for covariance, g in ref.groupby("covariance", sort=False):
        fit = mmrm(data, subject="patient_id", day="day", value="change_mm", baseline_day=0,
                   covariates=("baseline_mm",), covariance=str(covariance))
        ls = fit.lsmeans()

        def want(quantity: str, g: pd.DataFrame = g) -> pd.Series:
            return g.loc[g["quantity"] == quantity, "value"].astype(float)

        yield _cmp("loglik_nlme", want("loglik_nlme"), fit.loglik)
        yield _cmp("lsmean", want("lsmean"), ls["estimate"])
        yield _cmp("lsmean_se", want("lsmean_se"), ls["se"])
        yield _cmp("lsmean_df_hessian", want("lsmean_df_hessian"), ls["df"])


def _vas(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.location import one_sample_t, walsh_median, wilcoxon_signed_rank

    summary, vas = frames
    base = vas[vas["day"] == 0].rename(columns={"vas_mm": "base"})[["patient_id", "base"]]
    post = vas[vas["day"] != 0].merge(base, on="patient_id", validate="many_to_one")
    post = post.dropna(subset=["vas_mm"])
    post["change"] = post["vas_mm"] - post["base"]
    ref = summary.set_index("day")
    for day, g in post.groupby("day"):
        x = g["change"].to_numpy(float)
        want = ref.loc[day]
        t = one_sample_t(x)
        w = wilcoxon_signed_rank(x)
        got = {"mean_change": t.estimate, "mean_change_ci_low": t.confidence_interval.low,
               "mean_change_ci_high": t.confidence_interval.high, "t_statistic": t.statistic,
               "t_pvalue": t.pvalue, "wilcoxon_statistic": w.statistic,
               "wilcoxon_pvalue": w.pvalue, "hl_estimate": w.estimate,
               "hl_ci_low": w.confidence_interval.low, "hl_ci_high": w.confidence_interval.high,
               "walsh_median": walsh_median(x)}
        for col, value in got.items():
            yield _cmp(col, want[col], value)


_RUNNERS: dict[str, Runner] = {
    "binomial-large-n": _binomial_large_n,
    "simon-operating-characteristics": _simon_oc,
    "simon-design-search": _simon_search,
    "two-stage-inference": _two_stage,
    "fleming-boundaries": _fleming,
    "mander-thompson-search": _mander_thompson,
    "bayesian-predictive-probability": _predprob,
    "bayesian-posterior-boundaries": _bounds_postprob,
    "off-plan-conditional-error": _off_plan,
    "mmrm-nlme-emmeans": _mmrm,
    "vas-location-tests": _vas,
}


# ------------------------------------------------------------------------------ checking
def _read(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, comment="#", skipinitialspace=True, keep_default_na=True)


def _tolerance(spec: dict[str, Any], column: str) -> tuple[float, float]:
    tol = spec.get("tolerances", {}).get(column, spec)
    return float(tol["atol"]), float(tol["rtol"])


def _run_check(spec: dict[str, Any], data_dir: Path) -> dict[str, Any]:
    start = time.perf_counter()
    exact = set(spec.get("exact", []))
    values = failures = 0
    worst = used = 0.0
    error = ""
    try:
        frames = [_read(data_dir / f) for f in spec["files"]]
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # e.g. a search bound noted by simon_design
            comparisons = list(_RUNNERS[spec["id"]](spec, frames))
        for c in comparisons:
            if c.expected.shape != c.computed.shape:
                raise ValueError(f"column {c.column}: {c.expected.size} reference values, "
                                 f"{c.computed.size} computed")
            atol, rtol = (0.0, 0.0) if c.column in exact else _tolerance(spec, c.column)
            both_nan = np.isnan(c.expected) & np.isnan(c.computed)
            diff = np.where(both_nan, 0.0, np.abs(c.computed - c.expected))
            diff = np.where(np.isnan(diff), np.inf, diff)
            allowed = atol + rtol * np.abs(np.nan_to_num(c.expected))
            bad = diff > allowed
            values += c.expected.size
            failures += int(bad.sum())
            if diff.size:
                worst = max(worst, float(diff.max()))
                with np.errstate(divide="ignore", invalid="ignore"):
                    share = np.where(diff == 0, 0.0, diff / allowed)
                used = max(used, float(share.max()))
        if values == 0:
            raise ValueError("no reference values were compared")
    except Exception as err:  # noqa: BLE001 -- a check that cannot run is a failed check
        error = f"{type(err).__name__}: {err}"
    tol = f"atol {spec['atol']:g}, rtol {spec['rtol']:g}"
    if spec.get("tolerances"):
        tol += "; " + "; ".join(f"{k}: atol {v['atol']:g}, rtol {v['rtol']:g}"
                                for k, v in spec["tolerances"].items())
    if exact:
        tol += f"; exact: {', '.join(sorted(exact))}"
    return {
        "area": spec["area"], "check": spec["id"], "files": ", ".join(spec["files"]),
        "source": spec["source"], "function": spec["function"],
        "columns": ", ".join(spec["columns"]), "tolerance": tol, "values": values,
        "failures": failures, "worst_difference": worst, "tolerance_used": used,
        "passed": not error and failures == 0, "error": error,
        "seconds": time.perf_counter() - start,
    }


def _environment() -> dict[str, str]:
    """Python, the operating system and every installed requirement of thera-stats."""
    from thera_stats import __version__

    env = {
        "thera-stats": __version__,
        "installed at": str(Path(__file__).resolve().parent),
        "Python": f"{platform.python_version()} ({platform.python_implementation()}, "
                  f"{sys.executable})",
        "Operating system": f"{platform.platform()} ({platform.machine()})",
        "Date and time (UTC)": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M:%S"),
    }
    seen: dict[str, str] = {}
    todo = ["thera-stats"]
    while todo:
        name = todo.pop()
        try:
            requires = _md.requires(name) or []
        except _md.PackageNotFoundError:
            continue
        for req in requires:
            if "extra ==" in req:
                continue
            dep = re.split(r"[\s;<>=!~\[(]", req, maxsplit=1)[0]
            key = dep.lower().replace("_", "-")
            if key in seen:
                continue
            try:
                seen[key] = _md.version(dep)
            except _md.PackageNotFoundError:
                if ";" not in req:  # a requirement for another platform is not missing
                    seen[key] = "not installed"
                continue
            todo.append(dep)
    for key in sorted(seen):
        env[f"dependency {key}"] = seen[key]
    return env


def _hashes(data_dir: Path, files: list[str]) -> dict[str, str]:
    return {f: hashlib.sha256((data_dir / f).read_bytes()).hexdigest() for f in files}


@dataclass(frozen=True, slots=True)
class ValidationReport:
    """The outcome of :func:`validate_install`.

    Attributes
    ----------
    checks : pandas.DataFrame
        One row per check: ``area``, ``check``, ``files``, ``source``, ``function``,
        ``columns``, ``tolerance``, ``values`` (numbers compared), ``failures``,
        ``worst_difference`` (largest absolute difference), ``tolerance_used`` (largest
        difference as a share of the value's allowed difference; above 1 fails), ``passed``,
        ``error``,
        ``seconds``.
    environment : dict
        Python, operating system, thera-stats and every dependency version.
    file_hashes : dict
        SHA-256 of every reference file used.
    seconds : float
        Run time of all checks.
    """

    checks: pd.DataFrame
    environment: dict[str, str]
    file_hashes: dict[str, str] = field(default_factory=dict)
    seconds: float = 0.0

    @property
    def passed(self) -> bool:
        """Whether every check passed."""
        return bool(self.checks["passed"].all())

    def __repr__(self) -> str:
        verdict = "PASSED" if self.passed else "FAILED"
        return (f"ValidationReport({verdict}: {int(self.checks['passed'].sum())}/"
                f"{len(self.checks)} checks, {int(self.checks['values'].sum())} values)")

    def group_lines(self) -> list[str]:
        """One line per area: checks, values compared, worst difference and the largest share
        of a tolerance used, PASS/FAIL."""
        out = []
        for area, g in self.checks.groupby("area", sort=False):
            ok = bool(g["passed"].all())
            out.append(f"{'PASS' if ok else 'FAIL'}  {area:<11} {len(g)} check(s), "
                       f"{int(g['values'].sum()):>5} values, worst |difference| "
                       f"{g['worst_difference'].max():.2e} "
                       f"({g['tolerance_used'].max():.0%} of tolerance)"
                       + ("" if ok else f", {int(g['failures'].sum())} outside tolerance"
                          + "".join(f"; {e}" for e in g["error"] if e)))
        return out

    def summary(self) -> str:
        """The per-area lines and a verdict line."""
        c = self.checks
        verdict = (f"{'PASSED' if self.passed else 'FAILED'}: {int(c['passed'].sum())} of "
                   f"{len(c)} checks, {int(c['values'].sum())} reference values, "
                   f"{self.seconds:.1f} s (thera-stats {self.environment['thera-stats']}, "
                   f"Python {platform.python_version()})")
        return "\n".join([*self.group_lines(), verdict])

    def to_html(self) -> str:
        """A self-contained HTML record: inline CSS, no script, no external resource."""
        e = html.escape
        c = self.checks
        verdict = "PASSED" if self.passed else "FAILED"
        env_rows = "".join(f"<tr><th>{e(k)}</th><td>{e(v)}</td></tr>"
                           for k, v in self.environment.items())
        check_rows = "".join(
            f"<tr class=\"{'ok' if r.passed else 'bad'}\"><td>{e(r.area)}</td>"
            f"<td>{e(r.check)}</td><td>{e(r.source)}</td><td><code>{e(r.function)}</code></td>"
            f"<td>{e(r.columns)}</td><td>{e(r.tolerance)}</td><td>{r.values}</td>"
            f"<td>{r.worst_difference:.3e}</td><td>{r.tolerance_used:.3g}</td>"
            f"<td>{r.failures}</td>"
            f"<td>{'PASS' if r.passed else 'FAIL'}{'<br>' + e(r.error) if r.error else ''}</td>"
            "</tr>" for r in c.itertuples())
        hash_rows = "".join(f"<tr><td>{e(k)}</td><td><code>{v}</code></td></tr>"
                            for k, v in self.file_hashes.items())
        groups = "".join(f"<li><code>{e(line)}</code></li>" for line in self.group_lines())
        env = self.environment
        return f"""<!DOCTYPE html>
<html lang="en"><head><meta charset="utf-8">
<title>thera-stats installation validation: {verdict}</title>
<style>
body {{ font-family: sans-serif; margin: 2em; color: #222; max-width: 80em; }}
table {{ border-collapse: collapse; margin: 0.5em 0 1.5em; font-size: 0.9em; }}
th, td {{ border: 1px solid #bbb; padding: 0.25em 0.5em; text-align: left;
  vertical-align: top; }}
tr.bad td {{ background: #fde0dc; }}
table.checks {{ width: 100%; font-size: 0.8em; }}
table.checks td {{ overflow-wrap: anywhere; }}
table.checks td:first-child {{ white-space: nowrap; overflow-wrap: normal; }}
table.checks code {{ font-size: 0.95em; }}
.verdict {{ font-size: 1.4em; font-weight: bold; padding: 0.4em 0.8em; display: inline-block;
  border: 2px solid #222; }}
.signature td {{ height: 2.2em; min-width: 14em; }}
</style></head><body>
<h1>thera-stats installation / operational qualification</h1>
<p class="verdict">{verdict}: {int(c['passed'].sum())} of {len(c)} checks,
{int(c['values'].sum())} reference values compared</p>
<h2>1. Summary</h2>
<p>thera-stats {e(env['thera-stats'])} installed at <code>{e(env['installed at'])}</code> was run
on {e(env['Date and time (UTC)'])} UTC against reference values from R and from publications
shipped with the package. A value passes when |computed &minus; reference| &le;
atol + rtol &times; |reference|; design sizes and boundaries must match exactly. Run time
{self.seconds:.1f} s.</p>
<ul>{groups}</ul>
<h2>2. Environment</h2>
<table>{env_rows}</table>
<h2>3. Checks</h2>
<table class="checks"><tr><th>Area</th><th>Check</th><th>Source</th><th>Function</th><th>Compared</th>
<th>Tolerance</th><th>Values</th><th>Worst |difference|</th>
<th>Share of tolerance used</th><th>Outside tolerance</th>
<th>Result</th></tr>{check_rows}</table>
<h2>4. Reference files (SHA-256)</h2>
<table><tr><th>File</th><th>SHA-256</th></tr>{hash_rows}</table>
<h2>5. Record</h2>
<p>Attach this file to the installation/operational qualification record of the system on which
it was produced.</p>
<table class="signature"><tr><th>Performed by</th><td></td><th>Date</th><td></td></tr>
<tr><th>Reviewed by</th><td></td><th>Date</th><td></td></tr></table>
</body></html>
"""

    def _repr_html_(self) -> str:
        return self.to_html()

    def write(self, out: str | Path, *, overwrite: bool = False) -> Path:
        """Write ``validation_report.html`` into the folder ``out`` (created if needed).

        Raises
        ------
        FileExistsError
            If the report exists there and ``overwrite`` is false.
        """
        folder = Path(out)
        path = folder / REPORT_NAME
        if path.exists() and not overwrite:
            raise FileExistsError(f"{path} exists; choose a new folder or pass --overwrite")
        folder.mkdir(parents=True, exist_ok=True)
        path.write_text(self.to_html(), encoding="utf-8")
        return path


def validate_install(out: str | Path | None = None, *, overwrite: bool = False,
                     data_dir: str | Path | None = None) -> ValidationReport:
    """Recompute the shipped reference vectors with the installed package.

    Parameters
    ----------
    out : str or Path, optional
        A folder to write ``validation_report.html`` into; nothing is written without it.
    overwrite : bool, default False
        Replace an earlier report in ``out``.
    data_dir : str or Path, optional
        The folder of reference vectors and ``manifest.json`` (default: the copies shipped
        in the package, :data:`DATA_DIR`).

    Returns
    -------
    ValidationReport
        ``.passed``, ``.checks`` (one row per check), ``.summary()``, ``.to_html()``.

    Raises
    ------
    FileExistsError
        If ``out`` holds a report already and ``overwrite`` is false (checked before running).

    Notes
    -----
    Typical use (about ten seconds)::

        report = validate_install("iq_oq")
        print(report.summary())
        assert report.passed
    """
    folder = Path(data_dir) if data_dir is not None else DATA_DIR
    if out is not None and (Path(out) / REPORT_NAME).exists() and not overwrite:
        raise FileExistsError(f"{Path(out) / REPORT_NAME} exists; choose a new folder or pass "
                              "--overwrite")
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    start = time.perf_counter()
    rows = [_run_check(spec, folder) for spec in manifest["checks"]]
    seconds = time.perf_counter() - start
    files = [f for spec in manifest["checks"] for f in spec["files"]]
    report = ValidationReport(pd.DataFrame(rows), _environment(),
                              _hashes(folder, list(dict.fromkeys(files))), seconds)
    if out is not None:
        report.write(out, overwrite=overwrite)
    return report
