"""The multi-stage engine: exact operating characteristics, sample space and decisions.

Reference values are independent of the engine: every operating characteristic
is recomputed here by brute-force enumeration of all stage-wise response counts
with ``math.comb`` (a closed-form finite sum), Simon's K = 2 case is compared
with the closed forms of ``thera_stats.simon`` (themselves checked against R in
tests/test_simon.py), and Mander & Thompson's (2010) published example design is
checked against the error rates it was designed for.
"""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from scipy import stats

from thera_stats.multistage import MultiStageDesign
from thera_stats.multistage_inference import multistage_inference
from thera_stats.simon import final_boundary, prob_early_stop, prob_go, stage1_boundary

P_GRID = [0.0, 0.05, 0.2, 0.3, 0.45, 0.5, 0.77, 1.0]

# (p0, p1, sizes, futility, efficacy)
DESIGNS = [
    (0.2, 0.45, [10, 22], [2, 7], None),                 # THERA's Simon optimal design
    (0.2, 0.4, [13, 43], [3, 12], None),                 # Simon (1989) optimal, p0 0.2
    (0.2, 0.4, [16, 41], [3, 11], [6]),                  # Mander & Thompson (2010) section 4
    (0.1, 0.3, [10, 20, 30], [0, 2, 5], None),           # three stages, futility only
    (0.1, 0.3, [10, 20, 30], [0, 2, 5], [4, 6]),         # three stages with efficacy stops
    (0.3, 0.5, [5, 9, 14, 20], [-1, 2, 4, 8], [4, None, 9]),  # K = 4, mixed bounds
    (0.05, 0.25, [12], [1], None),                       # single stage
]


def brute_force(sizes, futility, efficacy, p):
    """P(futility at k), P(efficacy at k) by enumerating every stage-wise count."""
    k = len(sizes)
    eff = [sizes[i] if efficacy is None or efficacy[i] is None else efficacy[i]
           for i in range(k - 1)] + [futility[-1]]
    stage = [sizes[0]] + [sizes[i] - sizes[i - 1] for i in range(1, k)]
    fut_p, eff_p = [0.0] * k, [0.0] * k
    for ys in itertools.product(*[range(m + 1) for m in stage]):
        prob = math.prod(math.comb(m, y) * p**y * (1 - p) ** (m - y) for m, y in zip(stage, ys, strict=False))
        x = 0
        for i, y in enumerate(ys):
            x += y
            if x <= futility[i]:
                fut_p[i] += prob
                break
            if x > eff[i]:
                eff_p[i] += prob
                break
    return fut_p, eff_p


@pytest.mark.parametrize("design", DESIGNS)
def test_operating_characteristics_equal_brute_force_sums(design) -> None:
    p0, p1, sizes, futility, efficacy = design
    d = MultiStageDesign(p0, p1, sizes, futility, efficacy)
    oc = d.operating_characteristics(P_GRID)
    for j, p in enumerate(P_GRID):
        fut, eff = brute_force(sizes, futility, efficacy, p)
        np.testing.assert_allclose(oc.stop_futility[j], fut, atol=1e-12)
        np.testing.assert_allclose(oc.stop_efficacy[j], eff, atol=1e-12)
        assert oc.prob_go[j] == pytest.approx(sum(eff), abs=1e-12)
        en = sum(n * (f + e) for n, f, e in zip(sizes, fut, eff, strict=False))
        assert oc.expected_n[j] == pytest.approx(en, abs=1e-10)
    np.testing.assert_allclose(oc.size_distribution.sum(axis=1), 1.0, atol=1e-12)


@pytest.mark.parametrize(("r1", "n1", "r", "n"), [(2, 10, 7, 22), (3, 13, 12, 43),
                                                   (1, 10, 5, 29), (4, 19, 15, 54)])
def test_simon_is_the_two_stage_case(r1: int, n1: int, r: int, n: int) -> None:
    """K = 2 without efficacy stop is Simon's design: P(go), PET and EN agree."""
    p = np.linspace(0.0, 1.0, 101)
    oc = MultiStageDesign(0.2, 0.4, [n1, n], [r1, r]).operating_characteristics(p)
    np.testing.assert_allclose(oc.prob_go, prob_go(r1, n1, r, n, p), atol=1e-13)
    pet = prob_early_stop(r1, n1, p)
    np.testing.assert_allclose(oc.prob_early_stop, pet, atol=1e-13)
    np.testing.assert_allclose(oc.expected_n, n1 + (1 - pet) * (n - n1), atol=1e-11)


def test_mander_thompson_published_example_meets_its_targets() -> None:
    """Mander & Thompson (2010), p0 0.2, p1 0.4, alpha = beta = 0.1: stage 1 of 16 patients,
    stop for futility at <= 3 and for efficacy at > 6 responses; 'go' if > 11 of 41."""
    d = MultiStageDesign(0.2, 0.4, [16, 41], [3, 11], [6])
    oc = d.operating_characteristics([0.2, 0.4])
    assert oc.prob_go[0] <= 0.1
    assert oc.prob_go[1] >= 0.9
    # The efficacy stop is P(X1 >= 7), X1 ~ Bin(16, p): a closed form.
    for j, p in enumerate([0.2, 0.4]):
        tail = sum(math.comb(16, x) * p**x * (1 - p) ** (16 - x) for x in range(7, 17))
        assert oc.stop_efficacy[j, 0] == pytest.approx(tail, abs=1e-14)


def test_sample_size_quantiles_and_frame() -> None:
    d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    oc = d.operating_characteristics([0.05, 0.2, 0.45])
    # P(N = 10) = PET: 0.988 at 0.05, 0.678 at 0.2, 0.0996 at 0.45.
    assert oc.n_quantile(0.5).tolist() == [10, 10, 22]
    assert oc.n_quantile(0.9).tolist() == [10, 22, 22]
    frame = oc.to_frame()
    assert list(frame.columns[:5]) == ["p", "prob_go", "prob_early_stop", "expected_n",
                                       "median_n"]
    with pytest.raises(ValueError, match="`q`"):
        oc.n_quantile(0)


@pytest.mark.parametrize("design", DESIGNS)
def test_sample_space_counts_the_stagewise_sequences(design) -> None:
    p0, p1, sizes, futility, efficacy = design
    d = MultiStageDesign(p0, p1, sizes, futility, efficacy)
    space = d.sample_space()
    probs = d.outcome_probabilities([0.13, 0.5])
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-12)
    oc = d.operating_characteristics([0.13, 0.5])
    go = (space["decision"] == "go").to_numpy()
    np.testing.assert_allclose(probs[:, go].sum(axis=1), oc.prob_go, atol=1e-12)
    # Every terminal outcome is reachable and decided by the bounds.
    for rec in space.itertuples(index=False):
        assert rec.count > 0
        assert (rec.decision == "go") == (rec.x > ((*d.efficacy, d.futility[-1]))[rec.look - 1])


def test_sample_space_of_simon_counts_by_hand() -> None:
    """2/10, 7/22: stage-1 stops have C(10, x) sequences; a final count x after stage 1
    continuing has sum over x1 = 3..min(10, x) of C(10, x1) C(12, x - x1)."""
    space = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7]).sample_space()
    first = space[space["look"] == 1]
    assert first["x"].tolist() == [0, 1, 2]
    assert first["count"].tolist() == [math.comb(10, x) for x in range(3)]
    second = space[space["look"] == 2].set_index("x")["count"]
    for x in range(3, 23):
        assert second[x] == sum(math.comb(10, x1) * math.comb(12, x - x1)
                                for x1 in range(3, min(10, x) + 1))


def test_outcome_probabilities_stay_finite_for_large_designs() -> None:
    d = MultiStageDesign(0.3, 0.45, [90, 200, 400], [28, 70, 140])
    probs = d.outcome_probabilities([0.001, 0.3, 0.999])
    assert np.all(np.isfinite(probs))
    np.testing.assert_allclose(probs.sum(axis=1), 1.0, atol=1e-10)


# ------------------------------------------------------------------ decisions
def test_decisions_on_plan() -> None:
    d = MultiStageDesign(0.1, 0.3, [10, 20, 30], [0, 2, 5], [4, 6])
    assert d.decide(0).action == "stop for futility"
    assert d.decide([5]).action == "stop for efficacy"
    assert d.decide([5]).go
    assert d.decide([2]).action == "continue"
    assert d.decide([2, 7]).action == "stop for efficacy"
    assert d.decide([2, 4, 6]).action == "go"
    assert d.decide([2, 4, 5]).action == "no go"
    assert not d.decide([2, 4, 5]).go
    assert "futility bound 2" in d.decide([1, 2]).explanation


@pytest.mark.parametrize(("responses", "match"), [
    ([0, 3], "stopped the trial at look 1"),
    ([2, 1], "-1 responses between looks 1 and 2"),
    ([11], "between 0 and the 10 patients"),
    ([2, 3, 4, 5], "between 1 and 3"),
    ([], "between 1 and 3"),
])
def test_decisions_refuse_impossible_or_unbinding_counts(responses, match) -> None:
    d = MultiStageDesign(0.1, 0.3, [10, 20, 30], [0, 2, 5], [4, 6])
    with pytest.raises(ValueError, match=match):
        d.decide(responses)


# ------------------------------------------------------------------ bad designs
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"sizes": [10, 10], "futility": [1, 3]}, "must increase strictly"),
    ({"sizes": [10, 20], "futility": [3, 2]}, "must not decrease"),
    ({"sizes": [10, 20], "futility": [3, 8], "efficacy": [3]}, "must be below `efficacy"),
    ({"sizes": [10, 20], "futility": [3, 8], "efficacy": [11]}, "between 0 and n_k"),
    ({"sizes": [10, 20, 30], "futility": [1, 3, 8], "efficacy": [6, 5]}, "must not decrease"),
    ({"sizes": [10, 20], "futility": [2, 20]}, "between 0 and n_K - 1"),
    ({"sizes": [10, 20], "futility": [2, 13], "efficacy": [3]}, "degenerate"),
    ({"sizes": [10, 20], "futility": [2]}, "one bound per look"),
    ({"sizes": [10, 20], "futility": [2, 7], "efficacy": [5, 6]}, "the final 'go' bound"),
    ({"sizes": [0, 20], "futility": [-1, 7]}, "at least 1"),
    ({"sizes": [10.5, 20], "futility": [2, 7]}, "whole number"),
    ({"sizes": "10,20", "futility": [2, 7]}, "sequence"),
])
def test_bad_designs_are_clear_errors(kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        MultiStageDesign(0.2, 0.4, **kwargs)


def test_rates_are_checked() -> None:
    with pytest.raises(ValueError, match="greater than `p0`"):
        MultiStageDesign(0.4, 0.2, [10, 20], [2, 7])
    with pytest.raises(ValueError, match="strictly between 0 and 1"):
        MultiStageDesign(0.0, 0.2, [10, 20], [2, 7])
    with pytest.raises(TypeError, match="strictly between 0 and 1"):
        MultiStageDesign("0.1", 0.2, [10, 20], [2, 7])


# ------------------------------------------------------------------ properties
@st.composite
def designs(draw):
    k = draw(st.integers(1, 4))
    steps = draw(st.lists(st.integers(1, 8), min_size=k, max_size=k))
    sizes = list(itertools.accumulate(steps))
    futility, efficacy = [], []
    low = -1
    for i, n in enumerate(sizes):
        last = i == k - 1
        a = draw(st.integers(max(low, 0 if last else -1), n - 1))
        futility.append(a)
        low = a
        if not last:
            efficacy.append(draw(st.one_of(st.none(), st.integers(a + 1, n))))
    try:
        return MultiStageDesign(0.2, 0.4, sizes, futility, efficacy or None)
    except ValueError:
        assume(False)
        raise


@given(designs(), st.floats(0.0, 1.0))
def test_probabilities_of_every_outcome_sum_to_one(design, p) -> None:
    oc = design.operating_characteristics(p)
    assert oc.size_distribution.sum() == pytest.approx(1.0, abs=1e-12)
    assert 0.0 <= oc.prob_go[0] <= 1.0 + 1e-12
    if 0.0 < p < 1.0:
        assert design.outcome_probabilities(p).sum() == pytest.approx(1.0, abs=1e-12)


@given(designs())
def test_prob_go_rises_with_p(design) -> None:
    p = np.linspace(0.0, 1.0, 41)
    assert np.all(np.diff(design.operating_characteristics(p).prob_go) >= -1e-12)


# ------------------------------------------------------------------ the base-R reference
def test_operating_characteristics_equal_the_base_r_enumeration() -> None:
    """tests/reference/multistage/oc_base_r.csv: 13 designs (K = 1..4), brute-force base R
    enumeration of every stage-wise outcome (R call and version in that folder's README)."""
    from pathlib import Path

    import pandas as pd

    folder = Path(__file__).parent / "reference" / "multistage"
    designs = pd.read_csv(folder / "oc_base_r_designs.csv")
    values = pd.read_csv(folder / "oc_base_r.csv")
    checked = 0
    for rec in designs.itertuples(index=False):
        def ints(text: str) -> list[int | None]:
            return [None if v == "NA" else int(v) for v in str(text).split(";")]

        eff = ints(rec.efficacy)[:-1] if ";" in str(rec.sizes) else None
        d = MultiStageDesign(rec.p0, rec.p1, ints(rec.sizes), ints(rec.futility), eff)
        rows = values[values["design_id"] == rec.design_id]
        ps = sorted(rows["p"].unique())
        oc = d.operating_characteristics(ps)
        for j, p in enumerate(ps):
            at = rows[rows["p"] == p]

            def one(q: str, look: float | None = None, at=at) -> float:
                sel = at[at["quantity"] == q]
                if look is not None:
                    sel = sel[sel["look"] == look]
                return float(sel["value"].iat[0])

            assert oc.prob_go[j] == pytest.approx(one("p_go"), abs=1e-12)
            assert oc.expected_n[j] == pytest.approx(one("en"), abs=1e-10)
            assert oc.prob_early_stop[j] == pytest.approx(one("p_early_stop"), abs=1e-12)
            dev = np.asarray(d.sizes, float) - oc.expected_n[j]
            sd = math.sqrt(float(oc.size_distribution[j] @ dev**2))
            assert sd == pytest.approx(one("sd_n"), abs=1e-9)
            for k in range(d.n_looks):
                assert oc.stop_futility[j, k] == pytest.approx(
                    one("p_stop_futility", k + 1), abs=1e-12)
                assert oc.stop_efficacy[j, k] == pytest.approx(
                    one("p_stop_efficacy", k + 1), abs=1e-12)
                assert oc.size_distribution[j, k] == pytest.approx(one("p_n", k + 1), abs=1e-12)
            checked += 1
    assert checked >= 90


# ---------------------------------------------------------------- three outcomes (Sargent)
def _brute_three_outcome(n1: int, n: int, a1: int, a2: int, e2: int, p: float
                         ) -> tuple[float, float, float]:
    """P(no go), P(inconclusive), P(go) by summing b(y1) b(y2) over every stage-wise outcome."""
    nogo = inc = go = 0.0
    for y1 in range(n1 + 1):
        p1 = stats.binom.pmf(y1, n1, p)
        if y1 <= a1:
            nogo += p1
            continue
        for y2 in range(n - n1 + 1):
            pr = p1 * stats.binom.pmf(y2, n - n1, p)
            x = y1 + y2
            if x <= a2:
                nogo += pr
            elif x <= e2:
                inc += pr
            else:
                go += pr
    return nogo, inc, go


@pytest.mark.parametrize("p", [0.0, 0.15, 0.3, 0.45, 1.0])
def test_three_outcome_design_matches_direct_binomial_sums(p: float) -> None:
    d = MultiStageDesign(0.2, 0.4, sizes=[12, 30], futility=[2, 8], efficacy=[None, 11])
    assert d.three_outcome
    assert d.final_go == 11
    oc = d.operating_characteristics(p)
    nogo, inc, go = _brute_three_outcome(12, 30, 2, 8, 11, p)
    assert oc.prob_no_go[0] == pytest.approx(nogo, abs=1e-12)
    assert oc.prob_inconclusive[0] == pytest.approx(inc, abs=1e-12)
    assert oc.prob_go[0] == pytest.approx(go, abs=1e-12)
    assert oc.size_distribution.sum() == pytest.approx(1.0, abs=1e-12)
    space = d.sample_space()
    probs = d.outcome_probabilities(p)[0]
    by = {k: probs[(space["decision"] == k).to_numpy()].sum()
          for k in ("no go", "inconclusive", "go")}
    assert by["inconclusive"] == pytest.approx(inc, abs=1e-12)
    assert by["go"] == pytest.approx(go, abs=1e-12)


def test_three_outcome_decisions_and_bad_final_bound() -> None:
    d = MultiStageDesign(0.2, 0.4, sizes=[25], futility=[5], efficacy=[8])
    assert [d.decide(x).action for x in (5, 6, 8, 9)] == ["no go", "inconclusive",
                                                         "inconclusive", "go"]
    assert not d.decide(7).go
    assert "efficacy=[8]" in repr(d)
    assert d.to_frame()["efficacy"].tolist() == [8.0]
    two = MultiStageDesign(0.2, 0.4, sizes=[25], futility=[5], efficacy=[5])
    assert not two.three_outcome
    assert two.operating_characteristics(0.3).prob_inconclusive[0] == 0
    with pytest.raises(ValueError, match="final 'go' bound"):
        MultiStageDesign(0.2, 0.4, sizes=[25], futility=[5], efficacy=[25])


# ----------------------------------------------------------------------------------------
# The rule at attained sizes (at_sizes, decide(sizes=)): issue 11
# ----------------------------------------------------------------------------------------

PLANS = [d for d in DESIGNS if len(d[2]) > 1]


def _type1(design: MultiStageDesign) -> float:
    """P_p0(go) of a (two-outcome) design by enumerating every stage-wise count."""
    eff = [e if e < n else None for e, n in zip(design.efficacy, design.sizes, strict=False)]
    _, go = brute_force(list(design.sizes), list(design.futility), eff, design.p0)
    return sum(go)


def test_at_sizes_on_plan_is_the_plan_and_off_plan_needs_alpha() -> None:
    d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    assert d.at_sizes([10, 22]) is d
    assert d.at_sizes((10, 22), alpha=0.05) is d
    assert d.decide([3, 7], sizes=[10, 22]).on_plan
    with pytest.raises(ValueError, match=r"sizes` \(\[10, 17\]\) differ from the plan.*alpha"):
        d.at_sizes([10, 17])
    with pytest.raises(ValueError, match=r"`alpha` \(1.5\)"):
        d.at_sizes([10, 17], alpha=1.5)
    with pytest.raises(ValueError, match=r"must not decrease"):
        d.at_sizes([12, 11], alpha=0.05)
    with pytest.raises(ValueError, match=r"between 1 and 2"):
        d.at_sizes([5, 10, 15], alpha=0.05)
    with pytest.raises(ValueError, match=r"`sizes\[0\]` \(0\)"):
        d.at_sizes([0, 10], alpha=0.05)
    with pytest.raises(TypeError, match=r"`sizes\[1\]` \('x'\)"):
        d.at_sizes([10, "x"], alpha=0.05)


def test_at_sizes_of_a_simon_design_is_simons_off_plan_rule() -> None:
    """K = 2 without efficacy stop: stage-1 bound = stage1_boundary, final bound =
    final_boundary (the closed forms of thera_stats.simon), in 2000 random cases."""
    rng = np.random.default_rng(11)
    for _ in range(400):
        n = int(rng.integers(2, 60))
        n1 = int(rng.integers(1, n))
        r1 = int(rng.integers(0, n1))
        r = int(rng.integers(r1, n))
        p0 = float(rng.choice([0.05, 0.1, 0.2, 0.3, 0.5, round(rng.uniform(0.01, 0.9), 3)]))
        p1 = min(0.99, p0 + float(rng.choice([0.1, 0.2, round(rng.uniform(0.01, 0.3), 3)])))
        alpha = float(rng.choice([0.025, 0.05, 0.1, round(rng.uniform(0.01, 0.3), 3)]))
        d = MultiStageDesign(p0, p1, [n1, n], [r1, r])
        for _ in range(5):
            n1a = max(1, n1 + int(rng.integers(-5, 6)))
            na = max(n1a, n + int(rng.integers(-10, 9)))
            got = d.at_sizes([n1a, na], alpha=alpha).futility
            if (n1a, na) == (n1, n):
                assert got == (r1, r)
            else:
                r1a = stage1_boundary(r1, n1, n1a, p1)
                assert got == (r1a, final_boundary(r1a, n1a, na, p0, alpha)), (d, n1a, na)


@pytest.mark.parametrize("plan", PLANS)
def test_at_sizes_keeps_alpha_and_the_planned_stopping_chances(plan) -> None:
    """Every attained size vector near the plan (also ending a look early): P_p0(go) of
    the adapted rule <= alpha by enumeration; futility bounds the largest, efficacy bounds
    the smallest, whose cumulative stopping chance under p1 (p0) is within the plan's."""
    p0, p1, sizes, futility, efficacy = plan
    d = MultiStageDesign(p0, p1, sizes, futility, efficacy)
    alpha = 0.1
    plan_oc = d.operating_characteristics([p0, p1])
    fut_plan = np.cumsum(plan_oc.stop_futility[1])
    eff_plan = np.cumsum(plan_oc.stop_efficacy[0])
    rng = np.random.default_rng(5)
    for _ in range(25):
        m = int(rng.integers(1, len(sizes) + 1))
        att = [max(1, s + int(rng.integers(-3, 4))) for s in sizes[:m]]
        att = list(np.maximum.accumulate(att))
        if tuple(att) == tuple(sizes):
            continue
        ad = d.at_sizes(att, alpha=alpha)
        assert ad.sizes == tuple(att)
        assert _type1(ad) <= alpha + 1e-12
        oc = ad.operating_characteristics([p0, p1])
        assert oc.prob_go[0] == pytest.approx(_type1(ad), abs=1e-12)
        same = True
        for k in range(m - 1):
            same = same and att[k] == sizes[k]
            if same:
                assert (ad.futility[k], ad.efficacy[k]) == (futility[k], d.efficacy[k])
                continue
            assert oc.stop_futility[1, : k + 1].sum() <= fut_plan[k] * (1 + 1e-12) + 1e-15
            assert oc.stop_efficacy[0, : k + 1].sum() <= eff_plan[k] * (1 + 1e-12) + 1e-15
            if d.efficacy[k] >= sizes[k]:
                assert ad.efficacy[k] == att[k]  # no efficacy stop where the plan has none


def _path(design: MultiStageDesign, x: int) -> list[int]:
    """Cumulative counts of one trial continuing to the last look and ending with x."""
    bands = [range(a + 1, min(e, n) + 1) for a, e, n in
             zip(design.futility[:-1], design.efficacy, design.sizes, strict=False)]
    for head in itertools.product(*bands):
        path = [*head, x]
        steps = np.diff([0, *path])
        stage = np.diff([0, *design.sizes])
        if np.all(steps >= 0) and np.all(steps <= stage):
            return [int(v) for v in path]
    raise AssertionError(f"no path to {x}")  # pragma: no cover


def test_at_sizes_final_bound_is_the_smallest_level_alpha_one() -> None:
    """Go at the final look iff the stage-wise p-value <= alpha (efficacy stops and all)."""
    d = MultiStageDesign(0.1, 0.3, [10, 20, 30], [0, 2, 5], [4, 6])
    for att in ([10, 18, 26], [12, 20, 35], [8, 21], [9, 9, 14]):
        ad = d.at_sizes(att, alpha=0.05)
        space = ad.sample_space()
        last = space[space["look"] == ad.n_looks]
        for x in last["x"]:
            res = multistage_inference(ad, _path(ad, int(x)))
            assert (res.decision == "go") == (res.pvalue <= 0.05), (att, x)
        lower = MultiStageDesign._from_bounds(ad.p0, ad.p1, ad.sizes,
                                              [*ad.futility[:-1], ad.futility[-1] - 1],
                                              ad.efficacy, ad.futility[-1] - 1)
        if ad.futility[-1] - 1 >= max(ad.futility[-2], 0):
            assert lower.operating_characteristics(0.1).prob_go[0] > 0.05


def test_decide_off_plan_and_inference_on_the_adapted_design() -> None:
    plan = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    dec = plan.decide([3, 7], sizes=[10, 17], alpha=0.05)
    assert (dec.action, dec.on_plan, dec.design.futility) == ("go", False, (2, 6))
    assert "planned [10, 22]" in dec.explanation
    res = multistage_inference(dec.design, [3, 7])
    assert res.pvalue <= 0.05
    assert res.pvalue == pytest.approx(dec.design.operating_characteristics(0.2).prob_go[0],
                                       abs=1e-14)
    interim = plan.decide([3], sizes=[13, 22], alpha=0.05)
    assert interim.action == "stop for futility"   # r1' = 3 for 13 patients
    assert interim.design.futility[0] == stage1_boundary(2, 10, 13, 0.45) == 3
    assert plan.decide([3, 7]).on_plan


def test_at_sizes_for_a_trial_that_ended_early_and_a_stage_without_patients() -> None:
    d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    single = d.at_sizes([7], alpha=0.05)             # stopped during stage 1
    assert single.sizes == (7,)
    assert single.futility == (final_boundary(-1, 7, 7, 0.2, 0.05),)
    zero = d.at_sizes([10, 10], alpha=0.05)          # no stage-2 patient
    assert zero.futility == (2, final_boundary(2, 10, 10, 0.2, 0.05))
    assert zero.futility == (2, 4)
    assert [zero.decide([x, x]).action for x in (4, 5)] == ["no go", "go"]
    tiny = MultiStageDesign(0.5, 0.7, [4, 6], [1, 4]).at_sizes([2, 3], alpha=0.05)
    assert tiny.futility[-1] == 3                     # "go" is impossible with 3 patients
    assert tiny.operating_characteristics(0.99).prob_go[0] == 0.0
    assert tiny.decide([2, 3]).action == "no go"


def test_at_sizes_of_a_three_outcome_plan() -> None:
    d = MultiStageDesign(0.2, 0.4, sizes=[12, 30], futility=[2, 8], efficacy=[None, 11])
    ad = d.at_sizes([12, 26], alpha=0.05)
    assert ad.three_outcome or ad.futility[-1] == ad.final_go
    oc = ad.operating_characteristics([0.2, 0.4])
    assert oc.prob_go[0] <= 0.05
    assert ad.futility[-1] <= ad.final_go
    assert oc.prob_no_go[1] <= d.operating_characteristics(0.4).prob_no_go[0] * (1 + 1e-12)
    assert ad.decide([5, 10]).action in ("no go", "inconclusive", "go")


def test_operating_characteristics_at_subnormal_rates_sum_to_one() -> None:
    d = MultiStageDesign(0.5, 0.75, [19, 20], [0, 0])
    oc = d.operating_characteristics([2.4e-265, 1e-300, 1e-40])
    np.testing.assert_allclose(oc.size_distribution.sum(axis=1), 1.0, rtol=0, atol=1e-15)
    assert np.all(oc.expected_n >= 19)


def test_every_result_prints_alike() -> None:
    """A short repr, a summary() table and an HTML table for notebooks (issue 11)."""
    import pandas as pd

    import thera_stats as ts

    d = MultiStageDesign(0.2, 0.4, [10, 20, 30], [1, 4, 9], [5, 8])
    results = [
        d, d.operating_characteristics([0.2, 0.4]),
        ts.multistage_inference(d, [3, 9]),
        ts.mander_thompson_design(0.2, 0.4, alpha=0.1, power=0.9),
        ts.fleming_design(0.2, 0.4, alpha=0.05, sizes=[15, 30]),
        ts.fleming_boundaries(0.2, alpha=0.05, sizes=[15, 30]),
        ts.sargent_design(0.2, 0.4, alpha=0.05, beta=0.2, eta=0.8, pi=0.8),
        ts.bop2_design(0.2, 0.4, looks=[10, 20, 30], alpha=0.05),
        ts.curtailed_operating_characteristics(d, [0.2, 0.4]),
        ts.predictive_probability(3, 10, 30, 0.2, 0.9, prior=(1, 1)),
    ]
    for res in results:
        assert len(repr(res)) < 400, type(res).__name__
        assert isinstance(res.summary(), pd.DataFrame), type(res).__name__
        assert "<table" in res._repr_html_(), type(res).__name__


def test_design_summary_is_the_exact_stopping_distribution() -> None:
    d = MultiStageDesign(0.2, 0.4, [6, 12, 18], [1, 4, 7], [4, 8])
    table = d.summary()
    for name, p in (("p0", 0.2), ("p1", 0.4)):
        fut, eff = brute_force([6, 12, 18], [1, 4, 7], [4, 8], p)
        np.testing.assert_allclose(table[f"futility_{name}"], fut, atol=1e-12)
        np.testing.assert_allclose(table[f"efficacy_{name}"], eff, atol=1e-12)
