"""The floating-point (log-scale) counts of a multi-stage design against their definitions.

:attr:`MultiStageDesign._log_counts` and ``_log_outcomes`` replace Python big-integer
loops in the inference path. Here they are checked against

* a brute-force enumeration of the stage-wise response counts (y_1, ..., y_K) of small
  designs, each path weighted by prod C(m_k, y_k) (``math.comb``), exhaustively over many
  small designs (hypothesis) -- independent of the stage recursion;
* the exact integers of :meth:`MultiStageDesign.sample_space` (exact ratios with
  ``fractions.Fraction`` for the UMVUE) on designs with up to 500 patients, where
  ``log`` of the big integers is formed exactly by bit shifts.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal

from thera_stats.multistage import MultiStageDesign, _log_comb_row, _log_convolve, _log_int
from thera_stats.multistage_inference import _space

DESIGNS = [
    MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7]),
    MultiStageDesign(0.2, 0.4, sizes=[10, 20, 35], futility=[1, 5, 10]),
    MultiStageDesign(0.2, 0.4, sizes=[10, 20, 35], futility=[1, 5, 10], efficacy=[6, 11, 14]),
    MultiStageDesign(0.3, 0.45, sizes=[45, 100], futility=[13, 37]),
    MultiStageDesign(0.3, 0.36, sizes=[200, 500], futility=[61, 165]),
]


def _brute_force(design: MultiStageDesign) -> dict[tuple[int, int], tuple[int, int]]:
    """(look, x) -> (sequences, sequences with patient 1 responding), by enumerating the
    responses (y_1, ..., y_K) of every stage: a path stopping at look k has prod_{l <= k}
    C(m_l, y_l) orders (counted once, with y_l = 0 after k); C(m_1 - 1, y_1 - 1) of the
    C(m_1, y_1) orders of stage 1 start with a response (patient 1)."""
    sizes = design.sizes
    stages = [sizes[0]] + [b - a for a, b in itertools.pairwise(sizes)]
    out: dict[tuple[int, int], tuple[int, int]] = {}
    for ys in itertools.product(*(range(m + 1) for m in stages)):
        x = 0
        later = 1
        for k, (y, m) in enumerate(zip(ys, stages, strict=True)):
            x += y
            if k:
                later *= math.comb(m, y)
            if k == design.n_looks - 1 or x <= design.futility[k] or x > design.efficacy[k]:
                if any(ys[k + 1:]):
                    break   # this stopped path is counted with zeros after look k
                every, first = out.get((k + 1, x), (0, 0))
                c1 = math.comb(stages[0] - 1, ys[0] - 1) if ys[0] else 0
                out[(k + 1, x)] = (every + math.comb(stages[0], ys[0]) * later,
                                   first + c1 * later)
                break
    return out


def _check_against_brute_force(design: MultiStageDesign) -> None:
    expected = _brute_force(design)
    got = design._log_outcomes
    keys = list(zip(got.look.tolist(), got.x.tolist(), strict=True))
    assert sorted(keys) == sorted(expected)
    assert_array_equal(got.n, np.asarray(design.sizes)[got.look - 1])
    want = np.array([math.log(expected[key][0]) for key in keys])
    assert_allclose(got.logc, want, rtol=1e-13, atol=1e-13)
    firsts = [expected[key][1] for key in keys]
    want_first = np.array([math.log(c) if c else -math.inf for c in firsts])
    assert_array_equal(np.isfinite(got.logc_first), np.isfinite(want_first))
    finite = np.isfinite(want_first)
    assert_allclose(got.logc_first[finite], want_first[finite], rtol=1e-13, atol=1e-13)


@pytest.mark.parametrize("design", DESIGNS[:3], ids=lambda d: f"{d.sizes}")
def test_log_counts_equal_brute_force(design: MultiStageDesign) -> None:
    _check_against_brute_force(design)


@st.composite
def small_designs(draw: st.DrawFn) -> MultiStageDesign:
    k = draw(st.integers(1, 3))
    sizes = list(itertools.accumulate(draw(st.lists(st.integers(1, 6), min_size=k,
                                                    max_size=k))))
    futility = [draw(st.integers(-1 if i < k - 1 else 0, n - 1)) for i, n in enumerate(sizes)]
    efficacy = [draw(st.integers(0, n)) for n in sizes[:-1]]
    try:
        return MultiStageDesign(0.2, 0.4, sizes=sorted(sizes), futility=sorted(futility),
                                efficacy=efficacy)
    except ValueError:
        assume(False)
        raise


@given(small_designs())
def test_log_counts_equal_brute_force_on_small_designs(design: MultiStageDesign) -> None:
    _check_against_brute_force(design)


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: f"{d.sizes}")
def test_log_outcomes_equal_exact_sample_space(design: MultiStageDesign) -> None:
    space = design.sample_space()
    got = design._log_outcomes
    assert_array_equal(got.look, space["look"].to_numpy())
    assert_array_equal(got.x, space["x"].to_numpy())
    assert_array_equal(got.n, space["n"].to_numpy())
    assert got.decision.tolist() == space["decision"].tolist()
    want = np.array([_log_int(c) for c in space["count"]])
    assert_allclose(got.logc, want, rtol=1e-13)
    ratio = [float(Fraction(c1, c)) for c1, c in zip(space["count_first"], space["count"],
                                                      strict=True)]
    assert_allclose(_space(design, "stagewise").umvue, ratio, rtol=1e-12, atol=0)


def test_log_convolve_equals_direct_sum() -> None:
    rng = np.random.default_rng(1)
    c = [int(v) for v in rng.integers(1, 10**6, size=30)]
    c[4] = 0
    m = 17
    log_c = np.array([math.log(v) if v else -math.inf for v in c])
    got = _log_convolve(log_c, 3, 25, _log_comb_row(m))
    for x in range(len(c) + m):
        direct = sum(c[y] * math.comb(m, x - y) for y in range(3, 26) if 0 <= x - y <= m)
        assert got[x] == pytest.approx(math.log(direct) if direct else -math.inf, rel=1e-14)


def test_log_comb_row_equals_math_comb() -> None:
    for m in (0, 1, 7, 100, 1000):
        assert_allclose(_log_comb_row(m), [math.log(math.comb(m, j)) for j in range(m + 1)],
                        rtol=1e-13, atol=1e-12)
