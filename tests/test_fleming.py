"""Fleming's (1982) procedure: published boundaries, exact error rates, corner cases, errors."""

from __future__ import annotations

import itertools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from thera_stats.design_search import DesignChoice, compare_designs
from thera_stats.fleming import fleming_boundaries, fleming_design

REF = Path(__file__).parent / "reference" / "multistage"


def _ints(text: str) -> list[float]:
    return [math.nan if v == "NA" else float(v) for v in str(text).split(";")]


def _brute_force(sizes: list[int], fut: list[int], eff: list[int], final: int,
                 p: float) -> tuple[float, float]:
    """P(go) and E(N) by enumerating every stage-wise outcome (no recursion)."""
    m = np.diff([0, *sizes])
    pmf = [stats.binom.pmf(np.arange(mk + 1), mk, p).tolist() for mk in m]
    go = en = 0.0
    for ys in itertools.product(*[range(mk + 1) for mk in m]):
        prob = math.prod(f[y] for f, y in zip(pmf, ys, strict=True))
        x = 0
        for k, y in enumerate(ys):
            x += y
            if k == len(ys) - 1:
                go += prob * (x > final)
                en += prob * sizes[k]
            elif x <= fut[k] or x > eff[k]:
                go += prob * (x > eff[k])
                en += prob * sizes[k]
                break
    return go, en


# --------------------------------------------------------------------------- reference rows
REF_ROWS = pd.read_csv(REF / "fleming_r.csv", dtype=str)
BASE_R = REF_ROWS[REF_ROWS["source"] == "base_r"].to_dict("records")


@pytest.mark.parametrize("row", BASE_R, ids=[r["id"] for r in BASE_R])
def test_boundaries_and_exact_oc_equal_base_r(row: dict[str, str]) -> None:
    # R: fleming_bounds(...) and brute-force enumeration in fleming_r.R (call in the CSV).
    p0, p1, alpha = float(row["p0"]), float(row["p1"]), float(row["alpha"])
    sizes = [int(v) for v in _ints(row["sizes"])]
    b = fleming_boundaries(p0, alpha=alpha, sizes=sizes)
    assert list(b.rejection) == _ints(row["rejection"])
    assert list(b.acceptance) == _ints(row["acceptance"])
    assert_allclose(b.p_tilde, float(row["p_tilde"]), rtol=1e-14)
    choice = fleming_design(p0, p1, alpha=alpha, sizes=sizes)
    d = choice.design
    assert list(d.futility) == _ints(row["futility"])
    eff = _ints(row["efficacy"])
    assert [float(e) if e < n else math.nan for e, n in zip(d.efficacy, d.sizes, strict=False)] \
        == pytest.approx(eff[:-1], nan_ok=True)
    assert d.final_go == eff[-1]
    assert not d.three_outcome
    assert_allclose(choice.actual_alpha, float(row["p_go_p0"]), atol=1e-12)
    assert_allclose(choice.actual_power, float(row["p_go_p1"]), atol=1e-12)
    assert_allclose(d.operating_characteristics(b.p_tilde).prob_go[0],
                    float(row["p_go_ptilde"]), atol=1e-12)
    assert_allclose([choice.en_p0, choice.en_p1], [float(row["en_p0"]), float(row["en_p1"])],
                    atol=1e-10)


def test_published_worked_example() -> None:
    # fleming1982_published.csv: p0 0.2, alpha 0.05, n = 15, 25 -> a = 3, 8 and r = 7, 9.
    pub = pd.read_csv(REF / "fleming1982_published.csv").iloc[0]
    b = fleming_boundaries(float(pub["p0"]), alpha=float(pub["alpha"]),
                           sizes=[int(v) for v in _ints(pub["sizes"])])
    assert list(b.acceptance) == _ints(pub["acceptance"])
    assert list(b.rejection) == _ints(pub["rejection"])


def test_exact_error_rates_by_direct_binomial_sums() -> None:
    # two looks: P(go) = P(X1 >= r1) + sum_{a1 < x < r1} b(x; n1) P(X2 >= r2 - x)
    choice = fleming_design(0.3, 0.5, alpha=0.05, sizes=[20, 35])
    b = fleming_boundaries(0.3, alpha=0.05, sizes=[20, 35])
    (a1, _), (r1, r2) = b.acceptance, b.rejection
    for p, got in ((0.3, choice.actual_alpha), (0.5, choice.actual_power)):
        direct = float(stats.binom.sf(r1 - 1, 20, p)) + sum(
            float(stats.binom.pmf(x, 20, p) * stats.binom.sf(r2 - x - 1, 15, p))
            for x in range(a1 + 1, r1))
        assert_allclose(got, direct, atol=1e-12)
    assert isinstance(choice, DesignChoice)
    assert math.isnan(choice.power)
    assert choice.family == "fleming"
    assert choice.criterion == "fleming-1982"
    assert choice.alpha == 0.05


def test_single_stage_is_the_normal_approximation_test() -> None:
    n, p0, alpha = 40, 0.2, 0.05
    choice = fleming_design(p0, 0.4, alpha=alpha, sizes=[n])
    r = math.floor(n * p0 + stats.norm.isf(alpha) * math.sqrt(n * p0 * (1 - p0)) + 0.5) + 1
    assert choice.design.futility == (r - 1,)
    assert_allclose(choice.actual_alpha, stats.binom.sf(r - 1, n, p0), atol=1e-14)


def test_corner_rules_no_stop_where_bounds_fall_outside() -> None:
    # r_1 = 4 > n_1 = 3: no efficacy stop at look 1; a_1 = -3 < 0: no futility stop.
    b = fleming_boundaries(0.1, alpha=0.05, sizes=[3, 30])
    assert b.rejection[0] > 3
    assert b.acceptance[0] < 0
    d = fleming_design(0.1, 0.3, alpha=0.05, sizes=[3, 30]).design
    assert d.futility[0] == -1
    assert d.efficacy[0] == 3
    assert not d.has_efficacy_stop


def test_final_adjusted_flag_for_degenerate_p_tilde() -> None:
    # p0 near 1 with a tiny N: the formula's a_K is not r_K - 1; the final bound is r_K - 1.
    b = fleming_boundaries(0.9, alpha=0.054, sizes=[9])
    assert b.final_adjusted
    assert b.acceptance[-1] != b.rejection[-1] - 1
    assert not fleming_boundaries(0.2, alpha=0.05, sizes=[15, 25]).final_adjusted


def test_errors_quote_the_value() -> None:
    with pytest.raises(ValueError, match=r"`alpha` \(0\.5\)"):
        fleming_design(0.2, 0.4, alpha=0.5, sizes=[20])
    with pytest.raises(ValueError, match=r"`alpha` \(0\)"):
        fleming_design(0.2, 0.4, alpha=0, sizes=[20])
    with pytest.raises(ValueError, match=r"p0 = 0\.4, p1 = 0\.2"):
        fleming_design(0.4, 0.2, alpha=0.05, sizes=[20])
    with pytest.raises(ValueError, match=r"`p0` \(1\.2\)"):
        fleming_boundaries(1.2, alpha=0.05, sizes=[20])
    with pytest.raises(TypeError, match=r"`alpha` \('x'\)"):
        fleming_design(0.2, 0.4, alpha="x", sizes=[20])
    with pytest.raises(ValueError, match=r"increase strictly"):
        fleming_design(0.2, 0.4, alpha=0.05, sizes=[20, 20])
    with pytest.raises(ValueError, match=r"at least one look"):
        fleming_design(0.2, 0.4, alpha=0.05, sizes=[])
    with pytest.raises(TypeError, match=r"`sizes`"):
        fleming_design(0.2, 0.4, alpha=0.05, sizes=25)
    with pytest.raises(ValueError, match=r"r_K = 5 exceeds the 3 patients"):
        fleming_design(0.5, 0.6, alpha=0.01, sizes=[3])
    with pytest.raises(ValueError, match=r"At look 1 \(24 patients\).*no count continues"):
        fleming_design(0.2, 0.4, alpha=0.05, sizes=[24, 25])


def test_compare_designs_accepts_it() -> None:
    table = compare_designs({"Fleming": fleming_design(0.2, 0.4, alpha=0.05, sizes=[15, 25])})
    assert table.loc[0, "sizes"] == "15/25"
    assert_allclose(table.loc[0, "alpha"], 0.050535291732577176, atol=1e-14)


@given(p0=st.floats(0.05, 0.7), alpha=st.floats(0.01, 0.2),
       steps=st.lists(st.integers(2, 9), min_size=1, max_size=3))
def test_property_bounds_and_exact_oc(p0: float, alpha: float, steps: list[int]) -> None:
    sizes = list(np.cumsum(steps).astype(int).tolist())
    b = fleming_boundaries(p0, alpha=alpha, sizes=sizes)
    # rejection and acceptance bounds never decrease; at interim looks a_k < r_k
    assert list(b.rejection) == sorted(b.rejection)
    assert list(b.acceptance) == sorted(b.acceptance)
    assert all(a < r for a, r in zip(b.acceptance, b.rejection, strict=True))
    if b.p_tilde <= 1 - p0:  # the identity behind a_K = r_K - 1 holds
        assert not b.final_adjusted
    try:
        choice = fleming_design(p0, min(p0 + 0.2, 0.99), alpha=alpha, sizes=sizes)
    except ValueError as err:
        msg = str(err)
        assert "exceeds the" in msg or "no count continues" in msg or "degenerate" in msg
        return
    d = choice.design
    k = len(sizes)
    assert d.final_go == b.rejection[-1] - 1
    for i in range(k - 1):
        assert d.futility[i] == max(b.acceptance[i], -1)
        assert d.efficacy[i] == min(b.rejection[i] - 1, sizes[i])
    for p, got_go, got_en in ((d.p0, choice.actual_alpha, choice.en_p0),
                              (d.p1, choice.actual_power, choice.en_p1)):
        go, en = _brute_force(sizes, list(d.futility), list(d.efficacy), d.final_go, p)
        assert_allclose(got_go, go, atol=1e-12)
        assert_allclose(got_en, en, atol=1e-10)
