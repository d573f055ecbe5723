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

__all__ = ["DATA_DIR", "ValidationReport", "environment", "validate_install"]

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


def _binomial_intervals(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.binomial import binomial_ci

    keys = ["method", "confidence_level", "alternative"]
    for (method, level, alternative), g in frames[0].groupby(keys, sort=False):
        ci = binomial_ci(g["x"].to_numpy(), g["n"].to_numpy(), confidence_level=float(level),
                         method=str(method), alternative=str(alternative))
        yield _cmp("low", g["low"], ci.low)
        yield _cmp("high", g["high"], ci.high)


def _binomial_exact_sets(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.binomial import binomial_ci

    # The reported interval is the hull of the (possibly gapped) confidence set.
    hull = frames[0].groupby(["method", "confidence_level", "n", "x"], sort=False).agg(
        low=("low", "min"), high=("high", "max")).reset_index()
    for (method, level), g in hull.groupby(["method", "confidence_level"], sort=False):
        ci = binomial_ci(g["x"].to_numpy(), g["n"].to_numpy(), confidence_level=float(level),
                         method=str(method))
        yield _cmp("low", g["low"], ci.low)
        yield _cmp("high", g["high"], ci.high)


_BINOMIAL_TESTS = {"greater": ("greater", "minlike"), "less": ("less", "minlike"),
                   "central": ("two-sided", "central"), "minlike": ("two-sided", "minlike"),
                   "blaker": ("two-sided", "blaker")}


def _binomial_pvalues(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.binomial import binomial_test

    rows = frames[0].iloc[::int(spec["every"])]
    for column, (alternative, two_sided) in _BINOMIAL_TESTS.items():
        got = [binomial_test(int(r.x), int(r.n), float(r.p0), alternative=alternative,
                             two_sided=two_sided) for r in rows.itertuples(index=False)]
        yield _cmp(column, rows[column], [res.pvalue for res in got])
        yield _cmp(f"midp_{column}", rows[f"midp_{column}"], [res.midp_pvalue for res in got])


def _binomial_coverage(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.binomial import compare_intervals, interval_coverage

    ref = frames[0]
    grid = ref[ref["p"].astype(str) != "min"]
    for (method, n), g in grid.groupby(["method", "n"], sort=False):
        cov = interval_coverage(int(n), g["p"].astype(float).to_numpy(), method=str(method))
        yield _cmp("coverage", g["coverage"], cov.coverage)
        yield _cmp("expected_width", g["expected_width"], cov.expected_width)
    # rows with p = "min": minimum coverage over 0 < p < 1 and mean coverage (in the width column)
    for r in ref[ref["p"].astype(str) == "min"].itertuples(index=False):
        table = compare_intervals(0, int(r.n), methods=[str(r.method)])
        yield _cmp("min_coverage", r.coverage, table["min_coverage"].iloc[0])
        yield _cmp("mean_coverage", r.expected_width, table["mean_coverage"].iloc[0])


def _nullable_ints(text: object) -> list[int | None]:
    return [None if v == "NA" else int(v) for v in str(text).split(";")]


def _engine_designs(frame: pd.DataFrame) -> dict[str, Any]:
    """The designs of ``oc_base_r_designs.csv`` as ``MultiStageDesign`` objects."""
    from thera_stats.multistage import MultiStageDesign

    out: dict[str, Any] = {}
    for rec in frame.itertuples(index=False):
        sizes = _nullable_ints(rec.sizes)
        efficacy = _nullable_ints(rec.efficacy)[:-1] if len(sizes) > 1 else None
        out[str(rec.design_id)] = MultiStageDesign(rec.p0, rec.p1, sizes,
                                                   _nullable_ints(rec.futility), efficacy)
    return out


def _multistage_oc(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    values, designs = frames[0], _engine_designs(frames[1])
    for design_id, rows in values.groupby("design_id", sort=False):
        d = designs[str(design_id)]
        ps = sorted(rows["p"].unique())
        oc = d.operating_characteristics(ps)
        sizes = np.asarray(d.sizes, dtype=float)
        for j, p in enumerate(ps):
            at = rows[rows["p"] == p]

            def want(q: str, at: pd.DataFrame = at) -> pd.DataFrame:
                return at[at["quantity"] == q].sort_values("look")

            sd = float(np.sqrt(oc.size_distribution[j] @ (sizes - oc.expected_n[j]) ** 2))
            got = {"p_go": oc.prob_go[j], "p_nogo": 1.0 - oc.prob_go[j],
                   "en": oc.expected_n[j], "p_early_stop": oc.prob_early_stop[j], "sd_n": sd}
            for q, value in got.items():
                yield _cmp(q, want(q)["value"], value)
            per_look = {"p_stop_futility": oc.stop_futility[j], "p_stop_efficacy":
                        oc.stop_efficacy[j], "p_n": oc.size_distribution[j]}
            for q, value in per_look.items():
                w = want(q)
                yield _cmp(q, w["value"], np.asarray(value)[w["look"].astype(int) - 1])


def _multistage_inference(spec: dict[str, Any],
                          frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.multistage_inference import _path_to, multistage_inference

    ref, designs = frames[0], _engine_designs(frames[1])
    tails = ref["tail"].map(lambda v: "" if pd.isna(v) else f"{v:g}")
    orders = ref["ordering"].fillna("").astype(str)
    # (design, look, s) -> {(quantity, ordering, tail): value}
    table: dict[tuple[str, int, int], dict[tuple[str, str, str], float]] = {}
    for key in zip(ref["design_id"].astype(str), ref["look"].astype(int), ref["s"].astype(int),
                   ref["quantity"].astype(str), orders, tails, ref["value"].astype(float),
                   strict=True):
        table.setdefault(key[:3], {})[key[3:6]] = key[6]
    for (design_id, look, s), at in table.items():
        d = designs[design_id]
        path = _path_to(d, look, s)
        for i, ordering in enumerate(spec["orderings"]):
            res = multistage_inference(d, path, ordering=ordering)
            got = {("p_exact", ordering, ""): res.pvalue, ("p_mid", ordering, ""): res.mid_pvalue,
                   ("mue", ordering, ""): res.median_unbiased}
            if i == 0:  # estimates that do not depend on the ordering
                got |= {("mle", "", ""): res.mle, ("umvue", "", ""): res.umvue,
                        ("bias_adjusted", "", ""): res.bias_adjusted}
            for tail in ("0.05", "0.025"):
                level = 1 - 2 * float(tail)
                ci = res.confidence_interval(level)
                got[("ci_lower", ordering, tail)] = ci.low
                got[("ci_upper", ordering, tail)] = ci.high
                got[("ci_upper_clinfun", ordering, tail)] = res.confidence_interval(
                    level, convention="clinfun").high
            for key, value in got.items():
                yield _cmp(key[0], at[key], value)


def _multistage_orderings(spec: dict[str, Any],
                          frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.multistage_inference import _path_to, multistage_inference

    ref, designs = frames[0], _engine_designs(frames[1])
    ref = ref.assign(ordering=ref["ordering"].fillna("").astype(str))
    cache: dict[tuple[str, int, int, str], Any] = {}
    intervals: dict[tuple[int, float], Any] = {}

    def result(design_id: str, look: int, s: int, ordering: str) -> Any:
        key = (design_id, look, s, ordering)
        if key not in cache:
            d = designs[design_id]
            cache[key] = multistage_inference(d, _path_to(d, look, s), ordering=ordering)
        return cache[key]

    for rec in ref.itertuples(index=False):
        q, ordering = str(rec.quantity), str(rec.ordering) or "stagewise"
        res = result(str(rec.design_id), int(rec.look), int(rec.s), ordering)
        if q == "umvcue":
            got = res.umvcue
        elif q == "p_exact":
            got = res.pvalue
        elif q == "p_mid":
            got = res.mid_pvalue
        elif q == "mue":
            got = res.median_unbiased
        elif q in ("ci_lower", "ci_upper"):
            key = (id(res), float(rec.tail))
            if key not in intervals:
                intervals[key] = res.confidence_interval(1 - 2 * float(rec.tail))
            got = intervals[key].low if q == "ci_lower" else intervals[key].high
        elif q == "set_pieces":
            got = len(res.confidence_set(1 - 2 * float(rec.tail)))
        else:
            raise ValueError(f"unknown quantity {q!r} in the orderings reference")
        yield _cmp(q, float(rec.value), got)


def _clinfun(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.multistage import MultiStageDesign
    from thera_stats.multistage_inference import _path_to, multistage_inference
    from thera_stats.simon import simon_design

    ref = frames[0]
    ref = ref.assign(value=pd.to_numeric(ref["value"], errors="coerce"))
    simon = ref[ref["call"].str.startswith("ph2simon")]
    for (call, label), g in simon.groupby(["call", "design"], sort=False):
        p0, p1, alpha, beta = (float(v) for v in re.findall(r"[\d.]+", str(call))[1:])
        criterion = "minimax" if str(label).startswith("Minimax") else "optimal"
        s = simon_design(p0, p1, alpha=alpha, power=1 - beta, criterion=criterion)
        v = g.set_index("quantity")["value"]
        for col in ("r1", "n1", "r", "n"):
            yield _cmp(col, v[col], getattr(s, col))
        yield _cmp("en_p0", v["EN(p0)"], s.en_p0)
        yield _cmp("pet_p0", v["PET(p0)"], s.pet_p0)
    # twostage.inference(x, r1, n1, n, pu): the final bound r does not enter the stage-wise
    # inference, so it is taken from the designs these outcomes come from (spec["final_bound"]).
    inference = ref[ref["call"].str.startswith("twostage.inference")]
    for (call, x), g in inference.groupby(["call", "x"], sort=False):
        args = dict(re.findall(r"(\w+) = ([\d.]+)", str(call)))
        r1, n1, n, pu = int(args["r1"]), int(args["n1"]), int(args["n"]), float(args["pu"])
        final = int(spec["final_bound"][f"{r1}/{n1}, {n}"])
        d = MultiStageDesign(pu, min(pu + 0.2, 0.99), [n1, n], [r1, final])
        res = multistage_inference(d, _path_to(d, 1 if x <= r1 else 2, int(x)))
        v = g.set_index("quantity")["value"]
        yield _cmp("umvue", v["pumvue"], res.umvue)
        yield _cmp("pvalue", v["p.value"], res.pvalue)
        if np.isnan(v["5% LCL"]):
            continue  # clinfun returns NA for both limits at x = 0
        # clinfun scans p = 0, 1e-4, 2e-4, ...: its LCL is the first grid point above the exact
        # limit, its UCL the last one below; ours are read off the same grid.
        low = res.confidence_interval(0.90).low
        high = res.confidence_interval(0.90, convention="clinfun").high
        yield _cmp("ci90_low", v["5% LCL"], (np.floor(low * 1e4) + 1) / 1e4)
        yield _cmp("ci90_high_clinfun", v["95% UCL"], (np.ceil(high * 1e4) - 1) / 1e4)


def _curtailment(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.curtailment import curtailed_operating_characteristics

    ref, designs = frames[0], _engine_designs(frames[1])
    ref = ref[ref["design_id"].isin(designs)]
    names = {"nsc_en": "nsc_en", "nsc_p_go": "nsc_p_go", "nsc_alpha": "nsc_p_go",
             "nsc_power": "nsc_p_go"}
    for rec in ref[ref["quantity"].isin(names)].itertuples(index=False):
        oc = curtailed_operating_characteristics(designs[str(rec.design_id)], [float(rec.p)])
        got = oc.expected_n[0] if rec.quantity == "nsc_en" else oc.prob_go[0]
        yield _cmp(names[str(rec.quantity)], float(rec.value), got)


def _thera_vas_change() -> pd.DataFrame:
    """The bundled THERA trial's VAS as the R script reads it: change from the day-0 VAS."""
    from thera_stats.data import synthetic_data_path

    vas = pd.read_csv(synthetic_data_path("thera") / "vas.csv")
    base = vas.loc[vas["day"] == 0, ["patient_id", "vas_mm"]]
    out = vas.merge(base.rename(columns={"vas_mm": "baseline_mm"}), on="patient_id",
                    validate="many_to_one")
    return out.assign(change_mm=out["vas_mm"] - out["baseline_mm"])


def _mmrm_datasets(frames: list[pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {"thera": _thera_vas_change(), "small": frames[1], "large": frames[2]}


_MMRM_MODEL: dict[str, Any] = {"subject": "patient_id", "day": "day", "value": "change_mm",
                               "baseline_day": 0, "covariates": ("baseline_mm",)}


def _mmrm_kr(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.mmrm import mmrm

    ref = frames[0]
    data = _mmrm_datasets(frames)
    fitted = ref[ref["covariance"].fillna("") != ""]
    for (dataset, covariance), g in fitted.groupby(["dataset", "covariance"], sort=False):
        fit = mmrm(data[str(dataset)], **_MMRM_MODEL, covariance=str(covariance))

        def want(quantity: str, g: pd.DataFrame = g) -> pd.Series:
            return g.loc[g["quantity"] == quantity, "value"].astype(float)

        yield _cmp("converged", want("converged"), 1.0)
        yield _cmp("loglik", want("loglik"), fit.loglik)
        yield _cmp("coef", want("coef"), fit.coef)
        yield _cmp("cov", want("cov"), np.asarray(fit.sigma).ravel(order="F"))
        for method in ("satterthwaite", "kenward-roger", "kenward-roger-linear"):
            ls = fit.lsmeans(df_method=method)
            fe = fit.contrast(np.eye(fit.coef.size), df_method=method)
            last = fit.contrast({f"day[{fit.days[-1]}]": 1.0}, df_method=method)
            for what, table in (("lsmean", ls), ("coef", fe), ("last_vs_first", last)):
                yield _cmp(f"{what}_se", want(f"{what}_se_{method}"), table["se"])
                yield _cmp(f"{what}_df", want(f"{what}_df_{method}"), table["df"])


def _mmrm_toeplitz(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.mmrm import mmrm

    ref = frames[0]
    data = _mmrm_datasets(frames)
    for (dataset, covariance), g in ref.groupby(["dataset", "covariance"], sort=False):
        fit = mmrm(data[str(dataset)], **_MMRM_MODEL, covariance=str(covariance))

        def want(quantity: str, g: pd.DataFrame = g) -> pd.Series:
            return g.loc[g["quantity"] == quantity, "value"].astype(float)

        yield _cmp("loglik", want("loglik"), fit.loglik)
        yield _cmp("coef", want("coef"), fit.coef)
        yield _cmp("cov", want("cov"), np.asarray(fit.sigma).ravel(order="F"))


def _trial_nrs(spec: dict[str, Any], frames: list[pd.DataFrame]) -> Iterator[_Comparison]:
    from thera_stats.analysis import analyze
    from thera_stats.data import load_trial, synthetic_data_path

    ref = frames[0].fillna("").astype(str)
    # The first row of a quantity is base R's; a second one (clinfun) means the same.
    ref = ref.drop_duplicates(["quantity", "patient_id", "day"], keep="first")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        r = analyze(load_trial(synthetic_data_path("nrs")))
    scalar = ref[(ref["patient_id"] == "") & (ref["day"] == "")].set_index("quantity")["value"]

    def want(q: str) -> float:
        return float(scalar[q])

    d = r.plan.design
    simon = d.to_simon()
    counts = r.to_dict()["disposition"]
    got = {
        "design_r1": d.r1, "design_n1": d.n1, "design_r": d.r, "design_n": d.n,
        "n_enrolled": counts["enrolled"], "n_treated": counts["treated"],
        "n_full_course": counts["completed_treatment"], "n_withdrawn": counts["withdrawn"],
        "n_endpoint_assessed": counts["assessed_primary_day"],
        "n_stage1": r.n_stage1, "n_stage2": r.n_total - r.n_stage1,
        "x1": r.responses_stage1, "x2": r.responses_total - r.responses_stage1,
        "x": r.responses_total, "n_protocol_deviations": len(r.trial.deviations),
    }
    for q, value in got.items():
        yield _cmp(q, want(q), value)
    yield _cmp("decision", 1.0, float(r.decision.action == scalar["decision"]))
    real = {
        "design_alpha_exact": simon.actual_alpha, "design_power_exact": simon.actual_power,
        "design_pet_p0": simon.pet_p0, "design_en_p0": simon.en_p0,
        "design_pet_p1": simon.pet_p1, "design_en_p1": simon.en_p1,
        "response_rate": r.naive.estimate, "binomial_pvalue_greater": r.naive.pvalue,
        "clopper_pearson_low": r.naive_interval.low,
        "clopper_pearson_high": r.naive_interval.high,
        "two_stage_pvalue": r.adjusted.pvalue, "two_stage_umvue": r.adjusted.umvue,
        "two_stage_median_unbiased": r.adjusted.median_unbiased,
        "two_stage_ci_low": r.adjusted_interval.low,
        "two_stage_ci_high": r.adjusted_interval.high,
    }
    for q, value in real.items():
        yield _cmp(q, want(q), value)
    # per patient
    patients = ref[ref["patient_id"] != ""]
    ep = r.endpoint.set_index("patient_id")
    baseline = r.trial.baseline()

    def per_patient(q: str) -> pd.Series:
        return patients[patients["quantity"] == q].set_index("patient_id")["value"]

    ids = list(per_patient("responder").index)
    yield _cmp("patients", len(ids), len(ep))
    e = ep.loc[ids]
    yield _cmp("stage", per_patient("stage").astype(float), e["stage"].astype(float))
    yield _cmp("baseline", per_patient("baseline").astype(float),
               [baseline[pid] for pid in ids])
    yield _cmp("responder", (per_patient("responder") == "true").astype(float),
               e["responder"].astype(bool).astype(float))
    value = pd.to_numeric(per_patient("endpoint_value").replace("", np.nan))
    yield _cmp("endpoint_value", value, e["value"].astype(float))
    improvement = pd.to_numeric(per_patient("improvement").replace("", np.nan))
    yield _cmp("improvement", improvement, -e["change"].astype(float))
    relative = pd.to_numeric(per_patient("relative_improvement").replace("", np.nan))
    yield _cmp("relative_improvement", relative, -e["pct_change"].astype(float) / 100)
    # change from baseline by scheduled day
    days = ref[ref["day"] != ""]
    if r.change_summary is None:
        raise ValueError("the NRS analysis has no change-from-baseline summary")
    cs = r.change_summary.set_index("day")
    names = {"change_n": "n", "change_mean": "mean_change", "change_sd": "sd_change",
             "change_t_low": "mean_change_ci_low", "change_t_high": "mean_change_ci_high",
             "change_t_pvalue": "t_pvalue", "change_wilcoxon_v": "wilcoxon_statistic",
             "change_wilcoxon_pvalue": "wilcoxon_pvalue"}
    for q, ours in names.items():
        rows = days[days["quantity"] == q]
        yield _cmp(q, rows["value"].astype(float),
                   cs.loc[rows["day"].astype(float).astype(int), ours].astype(float))


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
    "binomial-exact-intervals": _binomial_intervals,
    "binomial-independent-intervals": _binomial_intervals,
    "binomial-blaker-sterne": _binomial_exact_sets,
    "binomial-exact-tests": _binomial_pvalues,
    "binomial-coverage": _binomial_coverage,
    "multistage-operating-characteristics": _multistage_oc,
    "multistage-inference": _multistage_inference,
    "multistage-orderings": _multistage_orderings,
    "simon-clinfun": _clinfun,
    "curtailment-non-stochastic": _curtailment,
    "mmrm-kenward-roger": _mmrm_kr,
    "mmrm-toeplitz-nlme": _mmrm_toeplitz,
    "trial-nrs": _trial_nrs,
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
        compared = {c.column for c in comparisons}
        if compared != set(spec["columns"]):
            raise ValueError(f"the manifest lists columns {sorted(set(spec['columns']))} but "
                             f"{sorted(compared)} were compared")
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


def environment() -> dict[str, str]:
    """Python, the operating system and every installed requirement of thera-stats.

    Returns
    -------
    dict of str to str
        ``thera-stats`` (version), ``installed at``, ``Python``, ``Operating system``,
        ``Date and time (UTC)`` and one ``dependency NAME`` entry per installed runtime
        requirement, followed recursively (version strings). The validation report and
        the analysis report's provenance table print it.
    """
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


def _trial_hashes(files: list[str]) -> dict[str, str]:
    """SHA-256 of the bundled synthetic-trial files some checks analyse (``trial_files``)."""
    from thera_stats.data import bundled_examples

    examples = bundled_examples()
    out = {}
    for f in files:
        name, _, rest = f.partition("/")
        path = examples[name] / rest if name in examples else None
        out[f"bundled trial {f}"] = (hashlib.sha256(path.read_bytes()).hexdigest()
                                     if path is not None and path.is_file() else "missing")
    return out


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
table.checks td:nth-child(2) {{ overflow-wrap: normal; min-width: 9em; }}
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
    Typical use (under a minute; 24 checks, about 175 000 values)::

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
    trial_files = [f for spec in manifest["checks"] for f in spec.get("trial_files", [])]
    hashes = {**_hashes(folder, list(dict.fromkeys(files))),
              **_trial_hashes(list(dict.fromkeys(trial_files)))}
    report = ValidationReport(pd.DataFrame(rows), environment(), hashes, seconds)
    if out is not None:
        report.write(out, overwrite=overwrite)
    return report
