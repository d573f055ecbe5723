"""Tests of thera_stats.two_stage: inference after a Simon two-stage trial.

Reference values come from independent R implementations written from the
papers' formulas (tests/reference/two_stage/: two_stage_reference.R for the
inference, coverage_reference.R for exact coverage of the exact, naive and
clinfun-equation intervals; R call in each CSV header) and from Simon (1989)
Table 1. Nothing here is compared with earlier
output of this package.
"""

from __future__ import annotations

import dataclasses
import math
import types
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy.optimize import brentq
from scipy.stats import binom, binomtest

from thera_stats import two_stage as ts
from thera_stats._results import ConfidenceInterval
from thera_stats.simon import SimonDesign
from thera_stats.two_stage import exact_coverage, outcome_table, two_stage_inference

REFERENCE = Path(__file__).parent / "reference" / "two_stage" / "two_stage_reference.csv"


def design(p0: float, r1: int, n1: int, r: int, n: int, alpha: float = 0.05) -> SimonDesign:
    return SimonDesign(p0=p0, p1=p0 + 0.2, alpha=alpha, power=0.8, r1=r1, n1=n1, r=r, n=n)


THERA = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)

# Simon (1989) Table 1, alpha = 0.05, beta = 0.20: (p0, r1, n1, r, n, PET(p0) as printed).
SIMON_1989 = {
    "p05_optimal": (0.05, 0, 9, 2, 17, 0.63),
    "p05_minimax": (0.05, 0, 12, 2, 16, 0.54),
    "p10_optimal": (0.10, 1, 10, 5, 29, 0.74),
    "p10_minimax": (0.10, 1, 15, 5, 25, 0.55),
    "p20_optimal": (0.20, 3, 13, 12, 43, 0.75),
    "p20_minimax": (0.20, 4, 18, 10, 33, 0.72),
    "p30_optimal": (0.30, 5, 15, 18, 46, 0.72),
    "p30_minimax": (0.30, 6, 19, 16, 39, 0.67),
}
SIMON_DESIGNS = {k: design(*v[:5]) for k, v in SIMON_1989.items()}

# Every design and attained-size setting whose coverage is asserted.
COVERAGE_CASES = [(name, d, None, None) for name, d in SIMON_DESIGNS.items()] + [
    ("thera_plan", THERA, None, None),
    ("thera_attained_17", THERA, 10, 17),
    ("thera_n1_12_n_20", THERA, 12, 20),
    ("thera_overrun_25", THERA, 10, 25),
    ("thera_n1_8_n_15", THERA, 8, 15),
    ("thera_n1_13_n_20", THERA, 13, 20),  # matched stage-1 boundary r1' = 3
]
P_GRID = np.linspace(0.0, 1.0, 10001)


# ---------------------------------------------------------------------------
# Independent references
# ---------------------------------------------------------------------------


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    return pd.read_csv(REFERENCE, comment="#", skipinitialspace=True)


def test_reference_file_states_its_provenance() -> None:
    head = REFERENCE.read_text().splitlines()[:2]
    assert head[0].startswith("# R version 4.2.2")
    assert "Rscript tests/reference/two_stage/two_stage_reference.R" in head[1]


def _reference_groups(reference: pd.DataFrame) -> list[tuple[SimonDesign, dict, pd.DataFrame]]:
    out = []
    for _, g in reference.groupby(["design", "ordering"], sort=False):
        r0 = g.iloc[0]
        d = SimonDesign(
            p0=float(r0.p0),
            p1=float(r0.p1),
            alpha=0.05,
            power=0.8,
            r1=int(r0.r1),
            n1=int(r0.n1),
            r=int(r0.r),
            n=int(r0.n),
        )
        kw = {"n_stage1": int(r0.n1_used), "n_total": int(r0.n_used), "ordering": r0.ordering}
        out.append((d, kw, g))
    return out


def test_reference_covers_simon_designs_both_orderings_and_attained_sizes(
    reference: pd.DataFrame,
) -> None:
    assert set(reference.ordering) == {"stagewise", "mle"}
    assert {
        f"simon89_{k.replace('_optimal', '_opt').replace('_minimax', '_mm')}" for k in SIMON_1989
    } <= set(reference.design)
    assert (reference.n_used != reference.n).any()
    assert (reference.n1_used != reference.n1).any()
    assert (reference.r1_used != reference.r1).any()  # an attained n1 with a matched r1'


def test_outcome_table_matches_independent_r_implementation(reference: pd.DataFrame) -> None:
    for d, kw, g in _reference_groups(reference):
        t90 = outcome_table(d, confidence_level=0.90, **kw)
        t95 = outcome_table(d, confidence_level=0.95, **kw)
        greater = outcome_table(d, confidence_level=0.95, alternative="greater", **kw)
        less = outcome_table(d, confidence_level=0.95, alternative="less", **kw)
        assert t90.attrs["r1"] == g.r1_used.iloc[0]
        assert list(t90.stage) == list(g.stage)
        assert list(t90.responses) == list(g.x)
        assert_allclose(t90.pvalue, g.pvalue, rtol=0, atol=1e-10)
        assert_allclose(t90.umvue, g.umvue, rtol=0, atol=1e-10)
        assert_allclose(t90.median_unbiased, g.median_unbiased, rtol=0, atol=1e-7)
        assert_allclose(t90.ci_low, g.ci90_low, rtol=0, atol=1e-7)
        assert_allclose(t90.ci_high, g.ci90_high, rtol=0, atol=1e-7)
        assert_allclose(t95.ci_low, g.ci95_low, rtol=0, atol=1e-7)
        assert_allclose(t95.ci_high, g.ci95_high, rtol=0, atol=1e-7)
        assert_allclose(greater.ci_low, g.ci95_greater_low, rtol=0, atol=1e-7)
        assert_allclose(greater.ci_high, 1.0)
        assert_allclose(less.ci_high, g.ci95_less_high, rtol=0, atol=1e-7)
        assert_allclose(less.ci_low, 0.0)


def test_single_outcome_inference_matches_independent_r_implementation(
    reference: pd.DataFrame,
) -> None:
    for d, kw, g in _reference_groups(reference):
        for row in g.itertuples(index=False):
            if row.stage == 1:
                res = two_stage_inference(d, row.x, **kw)
            else:
                # any split with x1 > r1 gives the same outcome (M = 2, S = x)
                x1 = min(max(row.r1_used + 1, row.x - (row.n_used - row.n1_used)), row.n1_used)
                res = two_stage_inference(d, x1, row.x, **kw)
            assert res.stage == row.stage
            assert res.pvalue == pytest.approx(row.pvalue, abs=1e-10)
            assert res.umvue == pytest.approx(row.umvue, abs=1e-10)
            assert res.median_unbiased == pytest.approx(row.median_unbiased, abs=1e-7)
            ci = res.confidence_interval(0.90)
            assert (ci.low, ci.high) == pytest.approx((row.ci90_low, row.ci90_high), abs=1e-7)


@pytest.mark.parametrize("name", list(SIMON_1989))
def test_pvalue_of_least_extreme_completion_is_one_minus_published_pet(name: str) -> None:
    # Simon (1989) Table 1 prints PET(p0) to two decimals; under the stage-wise
    # ordering the least extreme completed outcome (x = r1 + 1) has p-value
    # P(X1 > r1) = 1 - PET(p0).
    p0, r1, n1, _r, _n, pet = SIMON_1989[name]
    res = two_stage_inference(SIMON_DESIGNS[name], r1 + 1, r1 + 1)
    assert res.pvalue == pytest.approx(1 - pet, abs=0.005)
    assert res.pvalue == pytest.approx(binom.sf(r1, n1, p0), abs=1e-14)


@pytest.mark.parametrize("name", list(SIMON_1989))
def test_pvalue_by_brute_force_enumeration_of_both_stages(name: str) -> None:
    # A third route: enumerate every (x1, x2) and add the probabilities of the
    # outcomes at least as extreme under the stage-wise ordering.
    p0, r1, n1, _r, n, _ = SIMON_1989[name]
    n2 = n - n1
    joint = np.outer(binom.pmf(np.arange(n1 + 1), n1, p0), binom.pmf(np.arange(n2 + 1), n2, p0))
    x1g, x2g = np.meshgrid(np.arange(n1 + 1), np.arange(n2 + 1), indexing="ij")
    table = outcome_table(SIMON_DESIGNS[name])
    for row in table.itertuples(index=False):
        if row.stage == 1:
            extreme = x1g >= row.responses
        else:
            extreme = (x1g > r1) & (x1g + x2g >= row.responses)
        assert row.pvalue == pytest.approx(joint[extreme].sum(), abs=1e-13)


# ---------------------------------------------------------------------------
# Properties the theory guarantees
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(("name", "d", "n1", "n"), COVERAGE_CASES)
def test_umvue_is_exactly_unbiased_and_mle_is_not(name: str, d, n1, n) -> None:
    table = outcome_table(d, n_stage1=n1, n_total=n)
    space = ts._sample_space(table.attrs["r1"], n1 or d.n1, n or d.n, "stagewise")
    p = np.linspace(0.02, 0.98, 49)
    probs = space.pmf(p)
    assert_allclose(probs.sum(axis=1), 1.0, atol=1e-13)
    assert_allclose(probs @ table.umvue.to_numpy(), p, atol=1e-13)
    assert np.max(np.abs(probs @ table.mle.to_numpy() - p)) > 1e-3


@pytest.mark.parametrize(("name", "d", "n1", "n"), COVERAGE_CASES)
def test_estimates_lie_inside_the_90_percent_interval(name: str, d, n1, n) -> None:
    # Not a theorem (in a toy design with n1 = 1 the UMVUE after x = 1 of 2 is 1,
    # outside the interval), but it holds for every realistic design tested.
    table = outcome_table(d, n_stage1=n1, n_total=n)
    for col in ("umvue", "median_unbiased"):
        assert np.all(table.ci_low <= table[col])
        assert np.all(table[col] <= table.ci_high)


def test_mle_can_fall_outside_the_exact_interval() -> None:
    # Simon's optimal design for p0 = 0.2: 4 responses in stage 1 and none of 30
    # more. x/n = 4/43 = 0.093 lies below the 90 % lower limit 0.113, because the
    # trial only continued since stage 1 went well.
    table = outcome_table(SIMON_DESIGNS["p20_optimal"])
    row = table[(table.stage == 2) & (table.responses == 4)].iloc[0]
    assert row.mle < row.ci_low
    assert row.ci_low <= row.umvue <= row.ci_high


@pytest.mark.parametrize(("name", "d", "n1", "n"), COVERAGE_CASES)
def test_umvue_ordering_is_the_stagewise_ordering(name: str, d, n1, n) -> None:
    # Futility-only stopping: every completed outcome has a larger UMVUE than
    # every stop, and the UMVUE increases with x (Jung & Kim 2004).
    table = outcome_table(d, n_stage1=n1, n_total=n)
    assert np.all(np.diff(table.umvue) > 0)


@pytest.mark.parametrize(("name", "d", "n1", "n"), COVERAGE_CASES)
@pytest.mark.parametrize("ordering", ts.ORDERINGS)
@pytest.mark.parametrize(
    ("level", "alternative"),
    [
        (0.90, "two-sided"),
        (0.95, "two-sided"),
        (0.95, "greater"),
        (0.95, "less"),
        (0.80, "greater"),
        (0.80, "less"),
    ],
)
def test_exact_coverage_is_at_least_nominal_everywhere(
    name: str, d, n1, n, ordering: str, level: float, alternative: str
) -> None:
    cover = exact_coverage(
        d,
        P_GRID,
        confidence_level=level,
        alternative=alternative,
        n_stage1=n1,
        n_total=n,
        ordering=ordering,
    )
    assert cover.shape == P_GRID.shape
    assert cover.min() >= level - 1e-12


# Coverage claims (here and in docs/methods/two_stage.md) are checked against
# tests/reference/two_stage/coverage_reference.csv, written by an independent base-R
# script (coverage_reference.R): exact sums over the outcome space on the same p grids,
# naive limits from binom.test, exact limits and clinfun's equation solved with uniroot.
COVERAGE_REFERENCE = REFERENCE.parent / "coverage_reference.csv"
R_ALTERNATIVE = {"two.sided": "two-sided", "greater": "greater", "less": "less"}


@pytest.fixture(scope="module")
def coverage_reference() -> pd.DataFrame:
    return pd.read_csv(COVERAGE_REFERENCE, comment="#", skipinitialspace=True)


def _reference_row(ref: pd.DataFrame, name: str, interval: str, alternative: str) -> pd.Series:
    hit = ref[(ref.setting == name) & (ref.interval == interval) & (ref.alternative == alternative)]
    assert len(hit) == 1, (name, interval, alternative)
    return hit.iloc[0]


def _assert_minimum_matches(cover: np.ndarray, grid: np.ndarray, row: pd.Series) -> None:
    assert row.grid_points == grid.size
    assert (row.grid_from, row.grid_to) == pytest.approx((grid[0], grid[-1]), abs=1e-15)
    k = int(np.argmin(cover))
    assert cover[k] == pytest.approx(row.min_coverage, abs=1e-10)
    assert k == row.argmin_index
    assert grid[k] == pytest.approx(row.argmin_p, abs=1e-10)


def test_coverage_reference_states_its_provenance(coverage_reference: pd.DataFrame) -> None:
    head = COVERAGE_REFERENCE.read_text().splitlines()[:2]
    assert head[0].startswith("# R version 4.2.2")
    assert "Rscript tests/reference/two_stage/coverage_reference.R" in head[1]
    assert set(coverage_reference.setting) == {c[0] for c in COVERAGE_CASES}
    assert set(coverage_reference.interval) == {"naive", "exact", "clinfun"}


@pytest.mark.parametrize(("name", "d", "n1", "n"), COVERAGE_CASES)
def test_coverage_reference_analyses_the_same_sample_space(
    coverage_reference: pd.DataFrame, name: str, d, n1, n
) -> None:
    table = outcome_table(d, n_stage1=n1, n_total=n)
    for row in coverage_reference[coverage_reference.setting == name].itertuples():
        assert (row.r1_used, row.n1_used, row.n_used) == (
            table.attrs["r1"],
            table.attrs["n_stage1"],
            table.attrs["n_total"],
        )
        assert (row.r1, row.n1, row.r, row.n, row.p0) == (d.r1, d.n1, d.r, d.n, d.p0)


@pytest.mark.parametrize(("name", "d", "n1", "n"), COVERAGE_CASES)
def test_exact_interval_minimum_coverage_matches_r(
    coverage_reference: pd.DataFrame, name: str, d, n1, n
) -> None:
    cover = exact_coverage(d, P_GRID, confidence_level=0.90, n_stage1=n1, n_total=n)
    row = _reference_row(coverage_reference, name, "exact", "two.sided")
    _assert_minimum_matches(cover, P_GRID, row)
    assert row.min_coverage >= 0.90
    assert exact_coverage(
        d, 0.9999, confidence_level=0.90, n_stage1=n1, n_total=n
    ) == pytest.approx(row["coverage_at_0.9999"], abs=1e-10)


@pytest.mark.parametrize(("name", "d", "n1", "n"), COVERAGE_CASES)
@pytest.mark.parametrize(
    ("level", "r_alternative"), [(0.90, "two.sided"), (0.95, "greater"), (0.95, "less")]
)
def test_naive_clopper_pearson_coverage_matches_r(
    coverage_reference: pd.DataFrame, name: str, d, n1, n, level: float, r_alternative: str
) -> None:
    alternative = R_ALTERNATIVE[r_alternative]
    naive = exact_coverage(
        d,
        P_GRID,
        confidence_level=level,
        alternative=alternative,
        n_stage1=n1,
        n_total=n,
        interval="naive",
    )
    row = _reference_row(coverage_reference, name, "naive", r_alternative)
    assert row.confidence_level == level
    _assert_minimum_matches(naive, P_GRID, row)


# Minimum two-sided 90 % coverage (exact interval, naive Clopper-Pearson) as quoted, to four
# decimals, in the table of docs/methods/two_stage.md; checked against the R reference.
DOCS_MIN_COVERAGE = {
    "p05_optimal": (0.9047, 0.9047),
    "p05_minimax": (0.9043, 0.9043),
    "p10_optimal": (0.9004, 0.8824),
    "p10_minimax": (0.9009, 0.8969),
    "p20_optimal": (0.9015, 0.8792),
    "p20_minimax": (0.9030, 0.8904),
    "p30_optimal": (0.9013, 0.8726),
    "p30_minimax": (0.9014, 0.8915),
    "thera_plan": (0.9007, 0.8865),
    "thera_attained_17": (0.9012, 0.8930),
    "thera_n1_12_n_20": (0.9005, 0.8941),
    "thera_overrun_25": (0.9018, 0.8942),
    "thera_n1_8_n_15": (0.9083, 0.8990),
    "thera_n1_13_n_20": (0.9005, 0.9005),
}


def test_naive_clopper_pearson_falls_short_where_the_docs_say(
    coverage_reference: pd.DataFrame,
) -> None:
    for name, (exact_min, naive_min) in DOCS_MIN_COVERAGE.items():
        exact_row = _reference_row(coverage_reference, name, "exact", "two.sided")
        naive_row = _reference_row(coverage_reference, name, "naive", "two.sided")
        assert round(exact_row.min_coverage, 4) == exact_min, name
        assert round(naive_row.min_coverage, 4) == naive_min, name
    # docs/methods/two_stage.md: two-sided 90 % naive coverage falls short of 0.90 in 11
    # of the 14 settings (not for the two Simon designs with r1 = 0, nor for THERA at
    # n1 = 13, n = 20); the naive lower limit alone keeps 95 %, the upper one does not.
    naive = coverage_reference[coverage_reference.interval == "naive"].set_index(
        ["setting", "alternative"]
    )["min_coverage"]
    two = naive.xs("two.sided", level="alternative")
    assert set(two[two < 0.90].index) == {c[0] for c in COVERAGE_CASES} - {
        "p05_optimal",
        "p05_minimax",
        "thera_n1_13_n_20",
    }
    assert (naive.xs("greater", level="alternative") >= 0.95).all()
    assert (naive.xs("less", level="alternative") < 0.95).all()


def _clinfun_style_upper_limits(space: ts._SampleSpace, a: float) -> np.ndarray:
    # clinfun's twostage.inference takes the upper limit where P_p(T >= t) = 1 - a,
    # i.e. P_p(T < t) = a, which leaves the observed outcome out of the tail.
    # Under the stage-wise ordering P_p(T < t_k) = P_p(T <= t_{k-1}).
    highs = np.empty(space.size)
    highs[0] = ts._upper_limit(space, 0, a)  # clinfun returns nothing here; be generous
    for k in range(1, space.size):
        highs[k] = brentq(lambda p, k=k: space.lower_tail(k - 1, p) - a, 0.0, 1.0, xtol=1e-14)
    return highs


@pytest.mark.parametrize(
    ("name", "expected_min"),
    [("thera_plan", 0.739), ("p20_optimal", 0.748), ("p10_optimal", 0.726)],
)
def test_clinfun_style_upper_limit_undercovers(
    coverage_reference: pd.DataFrame, name: str, expected_min: float
) -> None:
    d = THERA if name == "thera_plan" else SIMON_DESIGNS[name]
    space = ts._sample_space(d.r1, d.n1, d.n, "stagewise")
    lows, _ = ts._all_limits(space, 0.90, "two-sided")
    highs = _clinfun_style_upper_limits(space, 0.05)

    def cover(p: np.ndarray) -> np.ndarray:
        probs = space.pmf(p)
        inside = (lows <= p[:, None]) & (p[:, None] <= highs)
        return np.sum(np.where(inside, probs, 0.0), axis=1)

    grid = np.linspace(0.05, 0.95, 9001)
    row = _reference_row(coverage_reference, name, "clinfun", "two.sided")
    _assert_minimum_matches(cover(grid), grid, row)
    assert round(row.min_coverage, 3) == expected_min  # as quoted in the docs
    # a reviewer's run of clinfun's own code for THERA's plan: minimum 0.7395 at p = 0.259
    # (tests/reference/two_stage/README.md); R gives the coverage there as well
    assert cover(np.array([0.259]))[0] == pytest.approx(row["coverage_at_0.259"], abs=1e-10)
    # and near p = 1 the x = n outcome's limit lies below p: coverage tends to 0
    top = cover(np.array([0.9999]))[0]
    assert top == pytest.approx(row["coverage_at_0.9999"], abs=1e-10)
    assert top < 0.5


def test_median_unbiased_estimate_solves_half_tail() -> None:
    space = ts._sample_space(2, 10, 17, "stagewise")
    table = outcome_table(THERA, n_total=17)
    for k in range(1, space.size):
        assert space.upper_tail(k, table.median_unbiased[k]) == pytest.approx(0.5, abs=1e-13)
    assert table.median_unbiased[0] == 0.0


@pytest.mark.parametrize(("name", "d", "n1", "n"), COVERAGE_CASES)
def test_pvalue_is_a_valid_test_and_matches_the_final_boundary(name: str, d, n1, n) -> None:
    table = outcome_table(d, n_stage1=n1, n_total=n)
    alpha = d.alpha
    # P_p0(p-value <= alpha) <= alpha
    assert table.prob_p0[table.pvalue <= alpha].sum() <= alpha + 1e-15
    completed = table[table.stage == 2]
    r_star = table.attrs["final_boundary"]
    off_plan = table.attrs["off_plan"]
    if off_plan:
        # the off-plan rule "go iff x > r*" is exactly "stage-wise p-value <= alpha"
        assert list(completed.pvalue <= alpha) == list(completed.responses > r_star)
    assert list(completed.decision == "go") == list(completed.responses > r_star)
    assert set(table.decision[table.stage == 1]) <= {"stop for futility"}


@pytest.mark.parametrize("name", list(SIMON_1989))
def test_on_plan_simon_boundary_is_the_smallest_valid_one(name: str) -> None:
    d = SIMON_DESIGNS[name]
    table = outcome_table(d)
    completed = table[table.stage == 2]
    assert list(completed.pvalue <= d.alpha) == list(completed.responses > d.r)


@pytest.mark.parametrize("n1", range(7, 14))
@pytest.mark.parametrize("n", range(14, 27, 3))
def test_off_plan_rule_keeps_type_one_error_for_attained_sizes(n1: int, n: int) -> None:
    table = outcome_table(THERA, n_stage1=n1, n_total=n)
    assert table.prob_p0[table.decision == "go"].sum() <= THERA.alpha + 1e-15


# ---------------------------------------------------------------------------
# Hypothesis properties
# ---------------------------------------------------------------------------


@st.composite
def small_designs(draw: st.DrawFn) -> tuple[SimonDesign, int, int]:
    n1 = draw(st.integers(2, 15))
    r1 = draw(st.integers(0, n1 - 1))
    n = draw(st.integers(n1 + 1, 30))
    r = draw(st.integers(r1, n - 1))
    p0 = draw(st.sampled_from([0.05, 0.1, 0.2, 0.3, 0.5]))
    n1_att = draw(st.integers(max(1, n1 - 3), n1 + 3))
    n_att = draw(st.integers(n1_att, n + 5))
    return design(p0, r1, n1, r, n), n1_att, n_att


@given(small_designs(), st.sampled_from(ts.ORDERINGS))
def test_pvalue_is_monotone_in_the_ordering(case, ordering: str) -> None:
    d, n1, n = case
    table = outcome_table(d, n_stage1=n1, n_total=n, ordering=ordering)
    key = table.responses if ordering == "stagewise" else table.responses / table.patients
    order = np.argsort(key.to_numpy(), kind="stable")
    pv = table.pvalue.to_numpy()[order]
    assert np.all(np.diff(pv) <= 1e-15)
    assert pv[0] == pytest.approx(1.0)
    assert np.all((table.pvalue > 0) & (table.pvalue <= 1 + 1e-15))


@given(
    small_designs(),
    st.sampled_from(ts.ORDERINGS),
    st.floats(0.5, 0.99),
    st.sampled_from(["two-sided", "greater", "less"]),
)
def test_limits_are_ordered_and_in_unit_interval(case, ordering, level, alternative) -> None:
    d, n1, n = case
    table = outcome_table(
        d,
        n_stage1=n1,
        n_total=n,
        ordering=ordering,
        confidence_level=level,
        alternative=alternative,
    )
    assert np.all((table.ci_low >= 0) & (table.ci_high <= 1))
    assert np.all(table.ci_low <= table.ci_high)
    if alternative != "less":
        # the lower limit is below the median-unbiased estimate (a 50 % lower limit)
        assert np.all(table.ci_low <= table.median_unbiased + 1e-12)
    if alternative == "two-sided" and level >= 0.8:
        assert np.all(table.median_unbiased <= table.ci_high + 1e-12)
    assert table.ci_low.iloc[0] == 0.0
    assert table.ci_high.iloc[-1] == 1.0


@given(small_designs(), st.floats(0.5, 0.9), st.floats(0.01, 0.09))
def test_intervals_nest_by_level(case, level, step) -> None:
    d, n1, n = case
    lo = outcome_table(d, n_stage1=n1, n_total=n, confidence_level=level)
    hi = outcome_table(d, n_stage1=n1, n_total=n, confidence_level=level + step)
    assert np.all(hi.ci_low <= lo.ci_low + 1e-13)
    assert np.all(lo.ci_high <= hi.ci_high + 1e-13)


# ---------------------------------------------------------------------------
# Edge cases
# ---------------------------------------------------------------------------


def test_no_response_at_all() -> None:
    res = two_stage_inference(THERA, 0)
    assert (res.stage, res.mle, res.umvue, res.median_unbiased, res.pvalue) == (1, 0, 0, 0, 1)
    ci = res.confidence_interval(0.90)
    assert ci.low == 0.0
    # upper limit: (1 - p)^10 = 0.05
    assert ci.high == pytest.approx(1 - 0.05 ** (1 / 10), abs=1e-13)
    greater = res.confidence_interval(0.95, "greater")
    assert (greater.low, greater.high) == (0.0, 1.0)


def test_stop_at_stage_one_limits_use_stage_one_only() -> None:
    res = two_stage_inference(THERA, 2)
    assert res.pvalue == pytest.approx(binom.sf(1, 10, 0.2), abs=1e-14)
    ci = res.confidence_interval(0.90)
    # P_p(X1 <= 2) = 0.05 for the upper limit (every completion is more extreme)
    assert binom.cdf(2, 10, ci.high) == pytest.approx(0.05, abs=1e-12)
    assert binom.sf(1, 10, ci.low) == pytest.approx(0.05, abs=1e-12)


def test_all_responses_gives_upper_limit_one() -> None:
    res = two_stage_inference(THERA, 10, 22)
    ci = res.confidence_interval(0.90)
    assert ci.high == 1.0
    assert res.umvue == 1.0
    assert res.mle == 1.0


def test_small_attained_stage_one_without_futility_stop_is_single_stage() -> None:
    # n1' = 2: no r1' >= 0 keeps P_p1(stop) <= planned, so there is no futility
    # stop and the trial is a single-stage binomial: the exact interval is then
    # Clopper-Pearson and the p-value the binomial tail.
    table = outcome_table(THERA, n_stage1=2, n_total=17)
    assert table.attrs["r1"] == -1
    assert set(table.stage) == {2}
    assert list(table.responses) == list(range(18))
    for row in table.itertuples(index=False):
        ref = binomtest(row.responses, 17).proportion_ci(confidence_level=0.90, method="exact")
        assert (row.ci_low, row.ci_high) == pytest.approx((ref.low, ref.high), abs=1e-10)
        assert row.pvalue == pytest.approx(binom.sf(row.responses - 1, 17, 0.2), abs=1e-14)
        assert row.umvue == pytest.approx(row.responses / 17, abs=1e-15)
    res = two_stage_inference(THERA, 0, 3, n_stage1=2, n_total=17)
    assert res.stage == 2


def test_no_stage_two_patients() -> None:
    res = two_stage_inference(THERA, 5, 5, n_stage1=10, n_total=10)
    assert res.umvue == pytest.approx(0.5)
    assert res.pvalue == pytest.approx(binom.sf(4, 10, 0.2), abs=1e-14)


def test_larger_design_is_accurate() -> None:
    d = design(0.3, 13, 45, 37, 110)
    table = outcome_table(d)
    assert len(table) == 111
    space = ts._sample_space(13, 45, 110, "stagewise")
    probs = space.pmf(np.array([0.1, 0.3, 0.6]))
    assert_allclose(probs.sum(axis=1), 1.0, atol=1e-13)
    assert_allclose(probs @ table.umvue.to_numpy(), [0.1, 0.3, 0.6], atol=1e-12)


# ---------------------------------------------------------------------------
# The result object
# ---------------------------------------------------------------------------


def test_thera_attained_sizes_are_reported() -> None:
    res = two_stage_inference(THERA, 3, 7, n_total=17)
    assert res.off_plan
    assert (res.n_stage1, res.n_total, res.n_patients, res.responses) == (10, 17, 17, 7)
    assert "n=17" in res.note
    assert "n=22" in res.note
    assert "r1=2" in res.note
    assert res.final_boundary == 6
    assert res.decision == "go"
    on_plan = two_stage_inference(THERA, 3, 7)
    assert not on_plan.off_plan
    assert on_plan.final_boundary == 7
    assert on_plan.decision == "no go"


def test_result_is_frozen_and_prints() -> None:
    res = two_stage_inference(THERA, 3, 7, n_total=17)
    with pytest.raises(dataclasses.FrozenInstanceError):
        res.pvalue = 0.5  # type: ignore[misc]
    text = repr(res)
    for piece in ("UMVUE", "median-unbiased", "p-value", "90% CI", "completed: 7/17", "go"):
        assert piece in text
    assert "<table" in res._repr_html_()


def test_confidence_interval_type_and_fields() -> None:
    res = two_stage_inference(THERA, 3, 7, n_total=17)
    ci = res.confidence_interval(confidence_level=0.95, alternative="less")
    assert isinstance(ci, ConfidenceInterval)
    assert ci.low == 0.0
    assert 0 < ci.high < 1
    assert ci.confidence_level == 0.95
    assert ci.alternative == "less"
    assert "stage-wise" in ci.method
    mle_ci = two_stage_inference(THERA, 3, 7, n_total=17, ordering="mle").confidence_interval()
    assert "MLE" in mle_ci.method


def test_naive_interval_is_clopper_pearson_of_x_over_n() -> None:
    res = two_stage_inference(THERA, 3, 7, n_total=17)
    ci = res.naive_confidence_interval(0.90)
    ref = binomtest(7, 17).proportion_ci(confidence_level=0.90, method="exact")
    assert (ci.low, ci.high) == pytest.approx((ref.low, ref.high), abs=1e-10)
    stopped = two_stage_inference(THERA, 0).naive_confidence_interval(0.95, "less")
    assert stopped.low == 0.0
    assert stopped.high == pytest.approx(1 - 0.05 ** (1 / 10), abs=1e-10)


def test_to_frame_is_one_tidy_row() -> None:
    res = two_stage_inference(THERA, 3, 7, n_total=17)
    frame = res.to_frame()
    assert frame.shape[0] == 1
    assert list(frame.columns[:5]) == [
        "stage",
        "responses_stage1",
        "responses_total",
        "n_stage1",
        "n_total",
    ]
    assert frame.loc[0, "ci_low"] == res.confidence_interval().low
    assert frame.loc[0, "off_plan"]
    assert list(res.to_frame(0.95).columns) == list(frame.columns)


def test_outcome_table_columns_and_attrs() -> None:
    table = outcome_table(THERA, n_total=17)
    assert list(table.columns) == [
        "stage",
        "responses",
        "patients",
        "decision",
        "mle",
        "umvue",
        "median_unbiased",
        "pvalue",
        "ci_low",
        "ci_high",
        "prob_p0",
    ]
    assert table.attrs["off_plan"]
    assert table.attrs["final_boundary"] == 6
    assert table.prob_p0.sum() == pytest.approx(1.0, abs=1e-14)


def test_exact_coverage_shapes() -> None:
    assert isinstance(exact_coverage(THERA, 0.3), float)
    grid = np.array([[0.0, 0.5], [0.9, 1.0]])
    cover = exact_coverage(THERA, grid)
    assert cover.shape == (2, 2)
    assert cover[0, 0] == pytest.approx(1.0)
    assert cover[1, 1] == pytest.approx(1.0)


def test_mle_ordering_differs_from_stagewise_for_low_completions() -> None:
    sw = outcome_table(THERA)
    mle = outcome_table(THERA, ordering="mle")
    # (2, 3) has x/n = 0.136 < 0.2 = (1, 2): the MLE ordering ranks it lower
    assert mle.pvalue[3] > mle.pvalue[2]
    assert sw.pvalue[3] < sw.pvalue[2]
    assert_allclose(mle.pvalue[5:], sw.pvalue[5:], atol=1e-15)


# ---------------------------------------------------------------------------
# Bad input
# ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("args", "kwargs", "error", "match"),
    [
        ((THERA, 3), {}, ValueError, r"responses_stage1` \(3\) > r1 \(2\).*responses_total"),
        ((THERA, 1, 5), {}, ValueError, r"responses_stage1` \(1\) <= r1 \(2\).*\(5\)"),
        ((THERA, 11, 12), {}, ValueError, r"responses_stage1` \(11\) must not exceed.*\(10\)"),
        ((THERA, 3, 2), {}, ValueError, r"responses_total` \(2\) must lie between"),
        ((THERA, 3, 20), {"n_total": 17}, ValueError, r"responses_total` \(20\).*\(10\)"),
        ((THERA, -1), {}, ValueError, r"responses_stage1` \(-1\) must be >= 0"),
        ((THERA, 2.5), {}, ValueError, r"responses_stage1` \(2.5\) must be a whole number"),
        ((THERA, "3"), {}, TypeError, r"responses_stage1` \('3'\)"),
        ((THERA, 3, 7), {"n_total": 9}, ValueError, r"n_total` \(9\) must be at least"),
        ((THERA, 3, 7), {"n_stage1": 0}, ValueError, r"n_stage1` \(0\) must be >= 1"),
        ((THERA, 12, 14), {"n_stage1": 30}, ValueError, r"planned n \(22\) must be at least"),
        ((THERA, 3, 7), {"ordering": "lr"}, ValueError, r"ordering` \('lr'\) must be one of"),
        (("design", 3, 7), {}, TypeError, r"design` \('design'\) must be a SimonDesign"),
    ],
)
def test_bad_input_is_named_with_its_value(args, kwargs, error, match) -> None:
    with pytest.raises(error, match=match):
        two_stage_inference(*args, **kwargs)


@pytest.mark.parametrize(
    ("fields", "match"),
    [
        ({"r1": 10}, r"`r1` \(10\) must be smaller than `n1` \(10\)"),
        ({"n1": 22}, r"`n1` \(22\) must be smaller than `n` \(22\)"),
        ({"r": 1}, r"`r` \(1\) must satisfy"),
        ({"p0": 1.2}, r"`p0` \(1.2\) must be strictly between 0 and 1"),
    ],
)
def test_bad_design_is_named_with_its_value(fields, match) -> None:
    """A design is checked once, when it is made; inference takes only SimonDesign."""
    plain = {f.name: getattr(THERA, f.name) for f in dataclasses.fields(THERA) if f.init}
    with pytest.raises(ValueError, match=match):
        SimonDesign(**{**plain, **fields})
    with pytest.raises(TypeError, match="must be a SimonDesign"):
        outcome_table(types.SimpleNamespace(**{**plain, **fields}))


def test_bad_coverage_arguments() -> None:
    with pytest.raises(ValueError, match=r"`p` must lie in \[0, 1\]; got .*1\.5"):
        exact_coverage(THERA, [0.2, 1.5])
    with pytest.raises(ValueError, match=r"interval` \('wald'\) must be one of"):
        exact_coverage(THERA, 0.2, interval="wald")
    with pytest.raises(ValueError, match=r"confidence_level` \(90\) must be strictly"):
        exact_coverage(THERA, 0.2, confidence_level=90)
    with pytest.raises(ValueError, match=r"alternative` \('larger'\) must be one of"):
        two_stage_inference(THERA, 0).confidence_interval(alternative="larger")


def test_module_exports() -> None:
    assert set(ts.__all__) >= {
        "TwoStageInference",
        "exact_coverage",
        "outcome_table",
        "two_stage_inference",
    }
    assert math.isfinite(two_stage_inference(THERA, 0).confidence_interval().high)


# ---------------------------------------------------------------------------
# Agreement with SimonDesign.decide (the design module's off-plan rule)
# ---------------------------------------------------------------------------


@pytest.mark.parametrize("n1", [8, 9, 10, 11, 13])
@pytest.mark.parametrize("n", [15, 17, 22, 25])
def test_decision_and_sizes_agree_with_simon_decide(n1: int, n: int) -> None:
    table = outcome_table(THERA, n_stage1=n1, n_total=n)
    r1_used = table.attrs["r1"]
    for x1 in range(n1 + 1):
        dec = THERA.decide(x1, x1, n_stage1=n1, n_total=n)
        assert dec.r1_used == r1_used
        totals = [x1] if x1 <= r1_used else range(x1, x1 + n - n1 + 1)
        for x in totals:
            dec = THERA.decide(x1, x, n_stage1=n1, n_total=n)
            res = dec.inference()
            assert res.decision == dec.action
            if dec.action != "stop for futility":
                assert res.final_boundary == dec.r_used
                # go iff the stage-wise p-value at the attained sizes <= alpha
                assert (res.pvalue <= THERA.alpha) == dec.go
                assert (res.n_stage1, res.n_total) == (n1, n)


def test_decide_inference_after_a_planned_futility_stop_is_on_plan() -> None:
    res = THERA.decide(1, 1).inference()
    assert res.stage == 1
    assert not res.off_plan
    assert (res.n_stage1, res.n_total) == (10, 22)
    assert res.pvalue == pytest.approx(binom.sf(0, 10, 0.2), abs=1e-14)


def test_attained_stage_one_size_uses_the_matched_boundary() -> None:
    res = two_stage_inference(THERA, 5, 8, n_stage1=13, n_total=20)
    assert res.off_plan
    r1_used = outcome_table(THERA, n_stage1=13, n_total=20).attrs["r1"]
    assert r1_used != THERA.r1
    assert f"r1'={r1_used}" in res.note
    assert THERA.decide(5, 8, n_stage1=13, n_total=20).r1_used == r1_used


def test_stage1_overrunning_the_planned_total_and_futility_with_stage2_data() -> None:
    """Review findings: over-running stage 1 beyond the planned n works, and a stop for
    futility offers its inference even when stage-2 data were collected."""
    from thera_stats.simon import SimonDesign

    small = SimonDesign(p0=0.05, p1=0.25, alpha=0.05, power=0.8, r1=0, n1=12, r=2, n=16)
    decision = small.decide(2, 4, n_stage1=17, n_total=20)
    res = decision.inference()
    assert (res.n_stage1, res.n_total) == (17, 20)
    assert res.decision == decision.action
    thera = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    stop = thera.decide(2, 9, n_total=17)
    assert stop.action == "stop for futility"
    inf = stop.inference()
    assert (inf.stage, inf.responses_total, inf.n_stage1) == (1, 2, 10)
    with pytest.raises(ValueError, match="n_total"):
        two_stage_inference(thera, 1, n_stage1=10, n_total=8)


def test_outcome_table_of_any_engine_design_is_the_engines() -> None:
    from thera_stats.multistage import MultiStageDesign
    from thera_stats.multistage_inference import multistage_outcome_table

    d = MultiStageDesign(0.2, 0.4, [8, 16, 30], [1, 4, 9], [4, 7])
    pd.testing.assert_frame_equal(outcome_table(d), multistage_outcome_table(d))
    with pytest.raises(ValueError, match="at_sizes"):
        outcome_table(d, n_stage1=8)
    with pytest.raises(ValueError, match="two-sided"):
        outcome_table(d, alternative="greater")
