"""The multi-stage engine, searches, inference and curtailment against R.

Every value comes from tests/reference/multistage (see its README for each R call, the R
and package versions and the commits built): a base-R brute-force enumeration written from
the definitions (operating characteristics, inference, curtailment), and the R packages
mtdesign 0.1.2 (Mander-Thompson searches) and curtailment 0.2.6 (non-stochastic curtailment).
"""

from __future__ import annotations

import math
from pathlib import Path

import pandas as pd
import pytest

from thera_stats.curtailment import curtailed_operating_characteristics
from thera_stats.design_search import mander_thompson_design
from thera_stats.multistage import MultiStageDesign
from thera_stats.multistage_inference import multistage_outcome_table

FOLDER = Path(__file__).parent / "reference" / "multistage"


def _ints(text: str) -> list[int | None]:
    return [None if v == "NA" else int(v) for v in str(text).split(";")]


@pytest.fixture(scope="module")
def designs() -> dict[str, MultiStageDesign]:
    table = pd.read_csv(FOLDER / "oc_base_r_designs.csv")
    out = {}
    for rec in table.itertuples(index=False):
        sizes = _ints(rec.sizes)
        eff = _ints(rec.efficacy)[:-1] if len(sizes) > 1 else None
        out[rec.design_id] = MultiStageDesign(rec.p0, rec.p1, sizes, _ints(rec.futility), eff)
    return out


def test_mander_thompson_searches_equal_mtdesign() -> None:
    ref = pd.read_csv(FOLDER / "mtdesign_r.csv")
    criteria = {"optimalNull": "optimal", "minimaxNull": "minimax", "optimalAlt": "optimal-p1"}
    checked = 0
    for rec in ref.itertuples(index=False):
        if rec.Criterion not in criteria:
            continue
        got = mander_thompson_design(rec.p0, rec.p1, alpha=rec.Alpha, power=1 - rec.Beta,
                                     criterion=criteria[rec.Criterion])
        d = got.design
        eff = min(d.sizes[0], d.efficacy[0])
        assert (d.sizes[0], d.sizes[1], d.futility[0], eff, d.futility[1]) == (
            rec.nStage1, rec.nTotal, rec.rFutility, rec.rSuccess, rec.rTotal), rec.Criterion
        assert got.actual_alpha == pytest.approx(rec.Type1, abs=1e-12)
        assert got.actual_power == pytest.approx(1 - rec.Type2, abs=1e-12)
        assert got.en_p0 == pytest.approx(rec.AveSizeNull, abs=1e-10)
        assert got.en_p1 == pytest.approx(rec.AveSizeAlt, abs=1e-10)
        checked += 1
    assert checked >= 6


def test_inference_equals_the_base_r_enumeration(designs) -> None:
    ref = pd.read_csv(FOLDER / "inference_base_r.csv", keep_default_na=False)
    checked = 0
    for design_id, rows in ref.groupby("design_id", sort=True):
        d = designs[design_id]
        for ordering in ("stagewise", "mle"):
            tables = {level: multistage_outcome_table(d, ordering=ordering,
                                                      confidence_level=level)
                      for level in (0.90, 0.95)}
            for rec in tables[0.90].itertuples(index=False):
                at = rows[(rows["look"] == rec.look) & (rows["s"] == rec.responses)]

                def value(q: str, order: str = "", tail: str = "", at=at,
                          design_id=design_id) -> float:
                    sel = at[(at["quantity"] == q) & (at["ordering"] == order)
                             & (at["tail"].astype(str) == tail)]
                    assert len(sel) == 1, (design_id, q, order, tail)
                    return float(sel["value"].iat[0])

                assert rec.mle == pytest.approx(value("mle"), abs=1e-12)
                assert rec.umvue == pytest.approx(value("umvue"), abs=1e-10)
                assert rec.bias_adjusted == pytest.approx(value("bias_adjusted"), abs=1e-7)
                assert rec.pvalue == pytest.approx(value("p_exact", ordering), abs=1e-10)
                assert rec.mid_pvalue == pytest.approx(value("p_mid", ordering), abs=1e-10)
                assert rec.median_unbiased == pytest.approx(value("mue", ordering), abs=1e-7)
                for level, tail in ((0.90, "0.05"), (0.95, "0.025")):
                    row = tables[level]
                    hit = row[(row["look"] == rec.look) & (row["responses"] == rec.responses)]
                    assert hit["ci_low"].iat[0] == pytest.approx(
                        value("ci_lower", ordering, tail), abs=1e-7)
                    assert hit["ci_high"].iat[0] == pytest.approx(
                        value("ci_upper", ordering, tail), abs=1e-7)
                checked += 1
    assert checked >= 200


def test_non_stochastic_curtailment_equals_r(designs) -> None:
    ref = pd.read_csv(FOLDER / "curtailment_r.csv", dtype={"value": str})
    rows = ref[ref["quantity"].isin(["nsc_en", "nsc_p_go"]) & ref["design_id"].isin(designs)]
    checked = 0
    for rec in rows.itertuples(index=False):
        oc = curtailed_operating_characteristics(designs[rec.design_id], [rec.p])
        got = oc.expected_n[0] if rec.quantity == "nsc_en" else oc.prob_go[0]
        assert got == pytest.approx(float(rec.value), abs=1e-9), (rec.design_id, rec.quantity)
        checked += 1
    assert checked >= 30


def test_clinfun_convention_upper_limit_equals_r(designs) -> None:
    """The 'clinfun' upper limit solves P_p(T >= t) = 1 - tail (inference_base_r.R)."""
    from thera_stats.multistage_inference import _path_to as path_to
    from thera_stats.multistage_inference import multistage_inference

    ref = pd.read_csv(FOLDER / "inference_base_r.csv", keep_default_na=False)
    rows = ref[ref["quantity"] == "ci_upper_clinfun"]
    rows = rows[rows["ordering"].isin(["stagewise", "mle"])]
    checked = 0
    for rec in rows.itertuples(index=False):
        d = designs[rec.design_id]
        res = multistage_inference(d, path_to(d, int(rec.look), int(rec.s)),
                                   ordering=rec.ordering)
        level = 1 - 2 * float(rec.tail)
        ci = res.confidence_interval(level, convention="clinfun")
        assert ci.high == pytest.approx(float(rec.value), abs=1e-7)
        assert "clinfun convention" in ci.method
        checked += 1
    assert checked >= 400


def test_clinfun_convention_covers_less_than_nominal() -> None:
    import numpy as np

    from thera_stats.multistage_inference import multistage_coverage

    d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    grid = np.linspace(0.3, 0.7, 401)
    exact = multistage_coverage(d, grid)
    clinfun = multistage_coverage(d, grid, convention="clinfun")
    assert exact.min() >= 0.90 - 1e-12
    assert clinfun.min() < 0.80
    assert np.all(clinfun <= exact + 1e-12)


# ------------------------------------------------------------------ lr / score orderings, UMVCUE
def _by_outcome(designs, ref: pd.DataFrame):
    from thera_stats.multistage_inference import _path_to, multistage_inference

    cache: dict[tuple[str, int, int, str], object] = {}
    for rec in ref.itertuples(index=False):
        ordering = rec.ordering or "stagewise"
        key = (rec.design_id, int(rec.look), int(rec.s), ordering)
        if key not in cache:
            d = designs[rec.design_id]
            cache[key] = multistage_inference(d, _path_to(d, key[1], key[2]), ordering=ordering)
        yield rec, cache[key]


def test_lr_and_score_orderings_equal_the_base_r_definitions(designs) -> None:
    """orderings_base_r.R: every terminal outcome of six designs (K = 2, 2 with efficacy,
    3, 3 with efficacy twice, 4): p-values, MUE, 90/95 % limits and the number of pieces of
    the confidence set, each computed in R from the definitions (grid + bisection)."""
    ref = pd.read_csv(FOLDER / "orderings_base_r.csv", keep_default_na=False)
    ref = ref[ref["ordering"].isin(["lr", "score"])]
    worst: dict[str, float] = {}
    for rec, res in _by_outcome(designs, ref):
        q, value = rec.quantity, float(rec.value)
        if q == "p_exact":
            got = res.pvalue
        elif q == "p_mid":
            got = res.mid_pvalue
        elif q == "mue":
            got = res.median_unbiased
        elif q in ("ci_lower", "ci_upper"):
            ci = res.confidence_interval(1 - 2 * float(rec.tail))
            got = ci.low if q == "ci_lower" else ci.high
        else:
            assert q == "set_pieces"
            got = len(res.confidence_set(1 - 2 * float(rec.tail)))
        worst[q] = max(worst.get(q, 0.0), abs(got - value))
    assert set(worst) == {"p_exact", "p_mid", "mue", "ci_lower", "ci_upper", "set_pieces"}
    assert worst["p_exact"] < 1e-12
    assert worst["p_mid"] < 1e-12
    assert max(worst["mue"], worst["ci_lower"], worst["ci_upper"]) < 1e-8
    assert worst["set_pieces"] == 0
    assert len(ref) >= 4000


def test_umvcue_equals_base_r_and_singlearm(designs) -> None:
    """UMVCUE at the last look: base R (E[stage-K responses / m_K | X_K, reach K] by
    enumeration) for six designs, singlearm's est_gs_umvcue for three K = 2 designs; NaN
    before the last look."""
    from thera_stats.multistage_inference import _path_to, multistage_inference

    base = pd.read_csv(FOLDER / "orderings_base_r.csv", keep_default_na=False)
    base = base[base["quantity"] == "umvcue"]
    other = pd.read_csv(FOLDER / "orderings_singlearm_r.csv")
    extra = {"simon_opt_p01_p03": MultiStageDesign(0.1, 0.3, [10, 29], [1, 5])}
    checked = 0
    for table in (base, other):
        for rec in table.itertuples(index=False):
            d = designs.get(rec.design_id) or extra[rec.design_id]
            res = multistage_inference(d, _path_to(d, int(rec.look), int(rec.s)))
            assert res.umvcue == pytest.approx(float(rec.value), abs=1e-12), rec
            checked += 1
    assert checked >= 240
    d = designs["three_stage_futeff_opt_p01_p03"]
    assert math.isnan(multistage_inference(d, [0]).umvcue)      # futility stop at look 1
    assert math.isnan(multistage_inference(d, [1, 5]).umvcue)   # efficacy stop at look 2
