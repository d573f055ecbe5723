"""Inference after a multi-stage design, against independent references.

- K = 2 (Simon): every on-plan outcome of tests/reference/two_stage/two_stage_reference.csv,
  an independent base-R implementation of Koyama & Chen (2008) and Jung & Kim (2004)
  (R 4.2.2; the call and version are in that file's header).
- K = 3 with efficacy stops: brute-force enumeration of every patient-level response
  sequence (2^n of them), which gives the terminal outcome's probability, its rank under
  the stage-wise ordering written out here from its definition, and the UMVUE as the share
  of sequences reaching the outcome in which patient 1 responded.
- Exact coverage of the intervals is a finite sum over the sample space, >= nominal.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from thera_stats.multistage import MultiStageDesign
from thera_stats.multistage_inference import multistage_inference

REFERENCE = Path(__file__).parent / "reference" / "two_stage" / "two_stage_reference.csv"


def path_to(design: MultiStageDesign, look: int, x: int) -> list[int]:
    """Cumulative counts of one stage-wise path that ends at (look, x)."""
    if look == 1:
        return [x]
    n1, n = design.sizes
    x1 = max(design.futility[0] + 1, x - (n - n1))
    assert x1 <= min(n1, x)
    return [x1, x]


@pytest.fixture(scope="module")
def reference() -> pd.DataFrame:
    ref = pd.read_csv(REFERENCE, comment="#")
    on_plan = (ref["r1"] == ref["r1_used"]) & (ref["n1"] == ref["n1_used"]) & (
        ref["n"] == ref["n_used"])
    return ref[on_plan].reset_index(drop=True)


def test_simon_designs_agree_with_the_independent_r_reference(reference: pd.DataFrame) -> None:
    assert len(reference) > 300
    designs: dict[tuple[float, ...], MultiStageDesign] = {}
    for rec in reference.itertuples(index=False):
        key = (rec.p0, rec.p1, rec.r1, rec.n1, rec.r, rec.n)
        if key not in designs:
            designs[key] = MultiStageDesign(rec.p0, rec.p1, [rec.n1, rec.n], [rec.r1, rec.r])
        d = designs[key]
        res = multistage_inference(d, path_to(d, rec.stage, rec.x), ordering=rec.ordering)
        assert res.pvalue == pytest.approx(rec.pvalue, abs=1e-10)
        assert res.umvue == pytest.approx(rec.umvue, abs=1e-10)
        assert res.median_unbiased == pytest.approx(rec.median_unbiased, abs=1e-7)
        ci90 = res.confidence_interval(0.90)
        assert (ci90.low, ci90.high) == pytest.approx((rec.ci90_low, rec.ci90_high), abs=1e-7)
        ci95 = res.confidence_interval(0.95)
        assert (ci95.low, ci95.high) == pytest.approx((rec.ci95_low, rec.ci95_high), abs=1e-7)
        greater = res.confidence_interval(0.95, alternative="greater")
        assert greater.low == pytest.approx(rec.ci95_greater_low, abs=1e-7)
        assert greater.high == 1.0


# ------------------------------------------------------------------ K = 3, by brute force
THREE = MultiStageDesign(0.2, 0.5, [4, 8, 12], [0, 2, 5], [3, 5])


def enumerate_sequences(design: MultiStageDesign):
    """Every patient-level sequence: its terminal (look, x) and patient 1's response."""
    n = design.n_max
    bounds = [*design.efficacy, design.futility[-1]]
    for seq in itertools.product((0, 1), repeat=n):
        for k, nk in enumerate(design.sizes):
            x = sum(seq[:nk])
            if x <= design.futility[k] or x > bounds[k] or k == design.n_looks - 1:
                yield k + 1, x, seq[0]
                break


def stagewise_key(design: MultiStageDesign, look: int, x: int) -> tuple[int, int]:
    """Larger = more extreme: efficacy stops early > last look > futility stops early."""
    k = design.n_looks
    if look == k:
        return (k, x)
    if x > design.efficacy[look - 1]:
        return (2 * k - look, x)
    return (look, x)


@pytest.fixture(scope="module")
def brute() -> dict[tuple[int, int], tuple[int, int]]:
    """(look, x) -> (sequences of the n_k patients enrolled, those with patient 1 responding).

    Each 12-patient sequence stands for its prefix of the patients actually enrolled, so an
    outcome at look k is counted 2**(n - n_k) times over; the division undoes that."""
    out: dict[tuple[int, int], list[int]] = {}
    for look, x, y1 in enumerate_sequences(THREE):
        cell = out.setdefault((look, x), [0, 0])
        cell[0] += 1
        cell[1] += y1
    spare = {k + 1: 2 ** (THREE.n_max - n) for k, n in enumerate(THREE.sizes)}
    return {key: (c // spare[key[0]], c1 // spare[key[0]]) for key, (c, c1) in out.items()}


def brute_pvalue(brute, look: int, x: int, p: float) -> float:
    key = stagewise_key(THREE, look, x)
    return sum(c * p**xx * (1 - p) ** (THREE.sizes[lk - 1] - xx)
               for (lk, xx), (c, _) in brute.items() if stagewise_key(THREE, lk, xx) >= key)


def test_three_stage_sample_space_matches_enumeration(brute) -> None:
    space = THREE.sample_space()
    got = {(r.look, r.x): r.count for r in space.itertuples(index=False)}
    assert got == {key: c for key, (c, _) in brute.items()}


def test_three_stage_inference_matches_enumeration(brute) -> None:
    for (look, x), (count, first) in sorted(brute.items()):
        n = THREE.sizes[look - 1]
        path = [x] if look == 1 else None
        if path is None:
            # one path: stay between the bounds at every earlier look
            path = []
            for k in range(look - 1):
                lo, hi = THREE.futility[k] + 1, THREE.efficacy[k]
                need = x - (n - THREE.sizes[k])
                path.append(max(lo, min(hi, max(lo, need))))
            path.append(x)
        res = multistage_inference(THREE, path)
        assert (res.look, res.responses) == (look, x)
        assert res.umvue == pytest.approx(first / count, abs=1e-13)
        assert res.pvalue == pytest.approx(brute_pvalue(brute, look, x, THREE.p0), abs=1e-13)


@pytest.mark.parametrize("design", [
    MultiStageDesign(0.2, 0.45, [10, 22], [2, 7]),
    MultiStageDesign(0.2, 0.4, [16, 41], [3, 11], [6]),
    THREE,
])
@pytest.mark.parametrize("ordering", ["stagewise", "mle", "lr", "score"])
def test_exact_coverage_is_at_least_nominal(design: MultiStageDesign, ordering: str) -> None:
    """sum_t P_p(t) 1{low(t) <= p <= high(t)} >= 0.90 on a grid and beside every limit."""
    space = design.sample_space()
    limits = []
    for rec in space.itertuples(index=False):
        path = _path(design, rec.look, rec.x)
        ci = multistage_inference(design, path, ordering=ordering).confidence_interval(0.90)
        limits.append((ci.low, ci.high))
    low = np.array([lo for lo, _ in limits])
    high = np.array([hi for _, hi in limits])
    beside = np.concatenate([low - 1e-9, low + 1e-9, high - 1e-9, high + 1e-9])
    grid = np.concatenate([np.linspace(0.001, 0.999, 999), beside[(beside > 0) & (beside < 1)]])
    probs = design.outcome_probabilities(grid)
    covered = (low[None, :] <= grid[:, None]) & (grid[:, None] <= high[None, :])
    coverage = (probs * covered).sum(axis=1)
    assert coverage.min() >= 0.90 - 1e-9


def _path(design: MultiStageDesign, look: int, x: int) -> list[int]:
    """A stage-wise path of cumulative counts ending at (look, x)."""
    if look == 1:
        return [x]
    n = design.sizes[look - 1]
    path: list[int] = []
    prev = 0
    for k in range(look - 1):
        lo, hi = design.futility[k] + 1, design.efficacy[k]
        # enough responses so that x stays reachable, within the continuation band
        need = x - (n - design.sizes[k])
        cand = min(hi, max(lo, need, prev))
        cand = min(cand, prev + design.sizes[k] - (design.sizes[k - 1] if k else 0))
        path.append(cand)
        prev = cand
    path.append(x)
    return path


def test_estimators_and_pvalues_are_consistent() -> None:
    d = MultiStageDesign(0.2, 0.4, [16, 41], [3, 11], [6])
    res = multistage_inference(d, [8])  # an efficacy stop at look 1
    assert res.decision == "go"
    # The most extreme outcomes are the efficacy stops: P(T >= t) = P(X1 >= 8), X1 ~ Bin(16, .2).
    tail = sum(math.comb(16, x) * 0.2**x * 0.8 ** (16 - x) for x in range(8, 17))
    assert res.pvalue == pytest.approx(tail, abs=1e-14)
    assert res.mid_pvalue < res.pvalue
    assert 0 < res.bias_adjusted < res.mle
    assert res.umvue == pytest.approx(8 / 16, abs=1e-14)  # stage 1 only: x1 / n1
    assert "decision='go'" in repr(res)
    frame = res.to_frame(0.9)
    assert frame.loc[0, "ci_low"] < frame.loc[0, "median_unbiased"] < frame.loc[0, "ci_high"]


def test_bad_requests_are_clear_errors() -> None:
    d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    with pytest.raises(ValueError, match="continues after look 1"):
        multistage_inference(d, [5])
    with pytest.raises(ValueError, match=r"`ordering` \('LR'\) must be one of 'stagewise', 'mle', "
                       r"'lr', 'score'"):
        multistage_inference(d, [2], ordering="LR")
    with pytest.raises(TypeError, match="MultiStageDesign"):
        multistage_inference("2/10, 7/22", [2])


def test_outcome_table_of_a_simon_design_equals_two_stage() -> None:
    """The K = 2 table equals thera_stats.two_stage.outcome_table (R-referenced in
    tests/test_two_stage.py), outcome by outcome."""
    from thera_stats.multistage_inference import multistage_outcome_table
    from thera_stats.simon import SimonDesign
    from thera_stats.two_stage import outcome_table

    simon = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    ours = multistage_outcome_table(MultiStageDesign(0.2, 0.45, [10, 22], [2, 7]))
    theirs = outcome_table(simon)
    assert len(ours) == len(theirs) == 23
    np.testing.assert_array_equal(ours["responses"], theirs["responses"])
    np.testing.assert_array_equal(ours["look"], theirs["stage"])
    for a, b in [("pvalue", "pvalue"), ("umvue", "umvue"), ("probability_p0", "prob_p0")]:
        np.testing.assert_allclose(ours[a], theirs[b], atol=1e-12)
    for a, b in [("median_unbiased", "median_unbiased"), ("ci_low", "ci_low"),
                 ("ci_high", "ci_high")]:
        np.testing.assert_allclose(ours[a], theirs[b], atol=1e-9)


def test_outcome_table_of_a_design_with_efficacy_stops() -> None:
    from thera_stats.multistage_inference import multistage_outcome_table

    d = MultiStageDesign(0.2, 0.4, [16, 41], [3, 11], [6])
    table = multistage_outcome_table(d, confidence_level=0.95)
    assert table["probability_p0"].sum() == pytest.approx(1.0, abs=1e-12)
    assert table["probability_p1"].sum() == pytest.approx(1.0, abs=1e-12)
    # rows run from the least to the most extreme: p-values fall, the last rows are look-1
    # efficacy stops
    assert np.all(np.diff(table["pvalue"]) <= 1e-15)
    assert table.iloc[-1][["look", "responses", "decision"]].tolist() == [1, 16, "go"]
    go = table["decision"] == "go"
    assert table.loc[go, "probability_p0"].sum() == pytest.approx(
        d.operating_characteristics(0.2).prob_go[0], abs=1e-12)


# ------------------------------------------------------------------ lr / score orderings, UMVCUE
def brute_statistic(kind: str, n: int, x: int, p: Fraction) -> float | Fraction:
    """Score x - n p (exact, so exact ties stay ties) or signed root LR, from the definitions."""
    if kind == "score":
        return x - n * p
    if Fraction(x, n) == p:
        return 0.0
    q = x / n
    pf = float(p)
    ll = (x * math.log(q) if x else 0.0) + ((n - x) * math.log(1 - q) if x < n else 0.0)
    l0 = x * math.log(pf) + (n - x) * math.log(1 - pf)
    return math.copysign(math.sqrt(2 * (ll - l0)), x - n * pf)


@pytest.mark.parametrize("kind", ["lr", "score"])
def test_lr_and_score_pvalues_match_the_enumeration(brute, kind: str) -> None:
    """P_p0(stat(T) >= stat(t)) over all 2^12 patient sequences, statistic against p0 = 1/5."""
    p0 = Fraction(1, 5)
    stats = {key: brute_statistic(kind, THREE.sizes[key[0] - 1], key[1], p0) for key in brute}
    for (look, x) in brute:
        res = multistage_inference(THREE, _path(THREE, look, x), ordering=kind)
        mine = stats[(look, x)]
        tail = sum(c * 0.2**xx * 0.8 ** (THREE.sizes[lk - 1] - xx)
                   for (lk, xx), (c, _) in brute.items()
                   if stats[(lk, xx)] > mine or abs(stats[(lk, xx)] - mine) <= 1e-12)
        assert res.pvalue == pytest.approx(tail, abs=1e-13), (look, x)


def test_score_ties_are_exact_ties() -> None:
    """x - n p0 is 0 for 2/10 (look 1) and 3/15 (look 2) at p0 = 0.2: they share one p-value,
    although 3 - 15 * 0.2 is -4.4e-16 in floating point."""
    d = MultiStageDesign(0.2, 0.4, [10, 15], [2, 3])
    a = multistage_inference(d, [2], ordering="score")
    at15 = multistage_inference(d, [3, 3], ordering="score")   # (look 2, 3 of 15): no go
    assert (at15.look, at15.responses) == (2, 3)
    assert a.pvalue == pytest.approx(at15.pvalue, abs=1e-15)
    assert a.mid_pvalue == pytest.approx(at15.mid_pvalue, abs=1e-15)


@pytest.mark.parametrize("design", [
    MultiStageDesign(0.2, 0.45, [10, 22], [2, 7]),
    MultiStageDesign(0.2, 0.4, [16, 41], [3, 11], [6]),
    THREE,
    MultiStageDesign(0.2, 0.4, [8, 16, 24, 32], [0, 3, 5, 9], [4, 7, 9]),
    MultiStageDesign(0.2, 0.4, [25], [7]),
])
def test_umvcue_is_unbiased_given_the_last_look(design: MultiStageDesign) -> None:
    """sum over last-look outcomes of P_p(t) UMVCUE(t) / P_p(reach K) = p; NaN elsewhere."""
    from thera_stats.multistage_inference import _space

    space = _space(design, "stagewise")
    last = space.look == design.n_looks
    assert np.all(np.isnan(space.umvcue[~last]))
    assert np.all((space.umvcue[last] >= 0) & (space.umvcue[last] <= 1))
    for p in (0.05, 0.3, 0.5, 0.8):
        prob = np.exp(space.logpmf(p))
        mean = (prob[last] * space.umvcue[last]).sum() / prob[last].sum()
        assert mean == pytest.approx(p, abs=1e-12)


def test_lr_and_score_confidence_sets_need_not_be_intervals() -> None:
    """Simon 3/13, 12/43, x = 1 of 13 at look 1 under the score ordering: the 95 % set of
    p that neither one-sided test rejects has four pieces (orderings_base_r.csv agrees); the
    interval reported spans all of them, and the stage-wise ordering's set is one interval."""
    d = MultiStageDesign(0.2, 0.4, [13, 43], [3, 12])
    res = multistage_inference(d, [1], ordering="score")
    pieces = res.confidence_set(0.95)
    assert len(pieces) == 4
    ci = res.confidence_interval(0.95)
    assert ci.low == pytest.approx(pieces[0][0], abs=1e-12)
    assert ci.high == pytest.approx(pieces[-1][1], abs=1e-12)
    assert all(a < b < c for (a, b), (c, _) in itertools.pairwise(pieces))
    stagewise = multistage_inference(d, [1])
    (only,) = stagewise.confidence_set(0.95)
    ci = stagewise.confidence_interval(0.95)
    assert only == pytest.approx((ci.low, ci.high), abs=1e-12)


def test_orderings_share_the_estimators_and_the_table_has_umvcue() -> None:
    from thera_stats.multistage_inference import multistage_outcome_table

    d = MultiStageDesign(0.2, 0.4, [16, 41], [3, 11], [6])
    tables = {o: multistage_outcome_table(d, ordering=o) for o in ("stagewise", "lr", "score")}
    for o in ("lr", "score"):
        t = tables[o].sort_values(["look", "responses"]).reset_index(drop=True)
        ref = tables["stagewise"].sort_values(["look", "responses"]).reset_index(drop=True)
        for col in ("mle", "umvue", "umvcue", "bias_adjusted", "probability_p0"):
            np.testing.assert_allclose(t[col], ref[col], atol=1e-14)
        # rows run along the ordering at p0: p-values never increase
        assert np.all(np.diff(tables[o]["pvalue"]) <= 1e-15)
    assert tables["lr"]["umvcue"].notna().sum() == (tables["lr"]["look"] == 2).sum()


# ------------------------------------------------------------------ properties
@st.composite
def small_designs(draw: st.DrawFn) -> MultiStageDesign:
    k = draw(st.integers(1, 3))
    steps = draw(st.lists(st.integers(2, 7), min_size=k, max_size=k))
    sizes = list(itertools.accumulate(steps))
    fut, eff = [], []
    for i, n in enumerate(sizes):
        lo = max(fut[-1] if fut else -1, -1 if i < k - 1 else 0)
        fut.append(draw(st.integers(lo, n - 1)))
        if i < k - 1:
            eff.append(draw(st.integers(fut[-1] + 1, n)))
    p0 = draw(st.sampled_from([0.1, 0.2, 0.3]))
    try:
        return MultiStageDesign(p0, p0 + 0.2, sizes, fut, eff or None)
    except ValueError:
        assume(False)
        raise


@settings(max_examples=40)
@given(design=small_designs(), ordering=st.sampled_from(["stagewise", "mle", "lr", "score"]),
       level=st.sampled_from([0.8, 0.9, 0.95]))
def test_properties_of_any_design_and_ordering(design: MultiStageDesign, ordering: str,
                                               level: float) -> None:
    from thera_stats.multistage_inference import _path_to, _space

    space = _space(design, ordering)
    results = [multistage_inference(design, _path_to(design, int(lk), int(x)), ordering=ordering)
               for lk, x in zip(space.look, space.x, strict=True)]
    # p-values fall (weakly) along the ordering at p0, and tie exactly within a rank
    by_rank = sorted(results, key=lambda r: space.rank[r._index])
    for a, b in itertools.pairwise(by_rank):
        if space.rank[a._index] == space.rank[b._index]:
            assert a.pvalue == pytest.approx(b.pvalue, abs=1e-14)
        else:
            assert a.pvalue >= b.pvalue - 1e-14
    for r in results:
        assert 0.0 <= r.mid_pvalue <= r.pvalue <= 1.0 + 1e-12
        ci = r.confidence_interval(level)
        assert 0.0 <= ci.low <= r.median_unbiased <= ci.high <= 1.0
        one = r.confidence_interval(level, alternative="greater")
        assert one.low >= ci.low - 1e-12
        pieces = r.confidence_set(level)
        if pieces:
            assert ci.low <= pieces[0][0] + 1e-9
            assert pieces[-1][1] <= ci.high + 1e-9
        if r.look == design.n_looks:
            assert 0.0 <= r.umvcue <= 1.0
        else:
            assert math.isnan(r.umvcue)
    lows = np.array([r.confidence_interval(level).low for r in results])
    highs = np.array([r.confidence_interval(level).high for r in results])
    grid = np.concatenate([np.linspace(0.01, 0.99, 99), lows[lows > 1e-6] - 1e-9,
                           highs[highs < 1 - 1e-6] + 1e-9])
    probs = design.outcome_probabilities(grid)
    cover = (probs * ((lows[None, :] <= grid[:, None]) & (grid[:, None] <= highs[None, :]))).sum(1)
    assert cover.min() >= level - 1e-9


def test_bias_adjusted_when_the_mle_is_unbiased_and_on_the_grid() -> None:
    # Single stage (and K = 2 without a futility stop): E_p(X/N) = p, so the
    # bias-adjusted estimate is x/n itself, here exactly on the bracketing grid.
    single = multistage_inference(MultiStageDesign(0.2, 0.4, [8], [3]), [4])
    assert single.bias_adjusted == pytest.approx(0.5, abs=1e-12)
    no_stop = multistage_inference(MultiStageDesign(0.2, 0.4, [10, 20], [-1, 6]), [5, 10])
    assert no_stop.bias_adjusted == pytest.approx(0.5, abs=1e-12)


def test_least_extreme_outcome_has_p_value_exactly_one() -> None:
    d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    res = multistage_inference(d, [0])
    assert res.pvalue == 1.0
    assert res.mid_pvalue == pytest.approx(1.0 - 0.5 * 0.8**10, abs=1e-12)
