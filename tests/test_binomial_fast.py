"""The fast paths of thera_stats.binomial against the general paths and the definitions.

* Blaker / Sterne: the piece scan that stops at the first piece that holds
  (:func:`_hull_low_scan`) against the general path that builds every piece
  (:func:`_hull_low_pieces`), exhaustively for n <= 60 and on random (x, n) up to 10**5;
* the scalar paths (one interval, no arrays) against the vectorised ones;
* exact coverage from the run of covering outcomes against the direct finite sum
  over every outcome, and the windowed expected width against the full sum.

The reference values themselves (R, published tables) are checked in test_binomial.py;
here the fast paths must reproduce the general ones to rounding (1e-12).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from thera_stats.binomial import (
    INTERVAL_METHODS,
    _all_limits,
    _coverage,
    _expected_width,
    _hull_low,
    _hull_low_pieces,
    _hull_low_scan,
    _s_hull_low,
    _scalar_limits,
    _symmetric_limits,
    _weighted,
    binomial_ci,
    interval_coverage,
)

TOL = 1e-12


def _every_x(n_max: int) -> tuple[np.ndarray, np.ndarray]:
    n = np.repeat(np.arange(1, n_max + 1), np.arange(1, n_max + 1))
    x = np.concatenate([np.arange(1, k + 1) for k in range(1, n_max + 1)])
    return x, n


@pytest.mark.parametrize("kind", ["blaker", "sterne"])
@pytest.mark.parametrize("level", [0.5, 0.8, 0.9, 0.95, 0.99, 0.999])
def test_scan_equals_general_path_exhaustively(kind: str, level: float) -> None:
    x, n = _every_x(60)
    alpha = 1.0 - level
    fast = _hull_low_scan(x.astype(float), n.astype(float), alpha, kind)
    assert not np.any(np.isnan(fast))  # the scan always ends within its piece budget
    assert_allclose(fast, _hull_low_pieces(x, n, alpha, kind), rtol=TOL, atol=TOL)


@pytest.mark.parametrize("kind", ["blaker", "sterne"])
def test_scan_equals_general_path_at_random_sizes(kind: str) -> None:
    rng = np.random.default_rng(15)
    n = rng.integers(61, 10**5, size=150)
    x = 1 + np.floor(rng.random(n.size) * n).astype(np.int64)
    for alpha in (0.05, 0.1):
        assert_allclose(
            _hull_low(x, n, alpha, kind), _hull_low_pieces(x, n, alpha, kind), rtol=TOL, atol=TOL
        )


@pytest.mark.parametrize("method", ["mid-p", "likelihood-ratio", "blaker", "sterne"])
@pytest.mark.parametrize("alternative", ["two-sided", "greater", "less"])
def test_scalar_path_equals_array_path(method: str, alternative: str) -> None:
    rng = np.random.default_rng(3)
    pairs = [(x, n) for n in range(1, 61) for x in range(n + 1)]
    pairs += [(int(rng.integers(0, n + 1)), int(n)) for n in rng.integers(61, 10**6, 40)]
    x = np.array([p[0] for p in pairs])
    n = np.array([p[1] for p in pairs])
    for level in (0.9, 0.95, 0.999):
        low, high = _symmetric_limits(x, n, method, level, alternative)  # vectorised
        for i, (xi, ni) in enumerate(pairs):
            ci = binomial_ci(xi, ni, method=method, confidence_level=level, alternative=alternative)
            lo = low[i] if alternative != "less" else 0.0
            hi = high[i] if alternative != "greater" else 1.0
            assert ci.low == pytest.approx(lo, rel=TOL, abs=TOL), (xi, ni, level)
            assert ci.high == pytest.approx(hi, rel=TOL, abs=TOL), (xi, ni, level)


def test_scalar_path_leaves_blaker_sterne_below_level_one_half_to_the_array_path() -> None:
    assert _scalar_limits(3, 10, "blaker", 0.3, "two-sided") is None
    with pytest.raises(ValueError, match=r"at least 0\.5"):
        binomial_ci(3, 10, confidence_level=0.3, method="sterne")


def test_small_arrays_and_scalars_give_the_same_floats() -> None:
    # Arrays of a few intervals take the scalar path element by element.
    for method in ("mid-p", "likelihood-ratio", "blaker", "sterne"):
        arr = binomial_ci(np.arange(31), 30, method=method)
        for x in range(31):
            one = binomial_ci(x, 30, method=method)
            assert arr.low[x] == one.low
            assert arr.high[x] == one.high


@given(
    st.integers(min_value=1, max_value=5000).flatmap(
        lambda n: st.tuples(st.integers(min_value=1, max_value=n), st.just(n))
    ),
    st.sampled_from([0.8, 0.9, 0.95, 0.99]),
    st.sampled_from(["blaker", "sterne"]),
)
def test_scan_limit_is_where_the_pvalue_first_reaches_alpha(
    xn: tuple[int, int], level: float, kind: str
) -> None:
    # The definition: the infimum of {p : p-value(p) >= alpha}.  Just below the limit
    # the test rejects; at the limit (or just above it) it accepts.
    from thera_stats.binomial import _pvalues

    x, n = xn
    low = float(_hull_low(np.array([x]), np.array([n]), 1.0 - level, kind)[0])
    two = "minlike" if kind == "sterne" else "blaker"
    below = low * (1 - 1e-9) - 1e-12
    if below > 0:
        assert float(_pvalues(x, n, below, "two-sided", two)[0]) < 1.0 - level
    above = low * (1 + 1e-9) + 1e-12
    assert float(_pvalues(x, n, min(above, 1 - 1e-12), "two-sided", two)[0]) >= (
        1.0 - level
    ) * (1 - 1e-6)


@pytest.mark.parametrize("method", INTERVAL_METHODS)
@pytest.mark.parametrize("n", [1, 2, 3, 7, 17, 60, 301, 1000])
def test_coverage_run_equals_direct_sum(method: str, n: int) -> None:
    low, high = _all_limits(n, method, 0.95, "two-sided")
    grid = np.concatenate([np.linspace(0.0, 1.0, 2001), low, high])
    grid = grid[(grid >= 0) & (grid <= 1)]
    for mode in ("closed", "left", "right"):
        direct = _weighted(n, grid, low, high, mode)[0]
        assert_allclose(_coverage(n, grid, low, high, mode), direct, rtol=0, atol=1e-13)
    assert_allclose(
        _expected_width(n, grid, low, high), _weighted(n, grid, low, high)[1], rtol=0, atol=1e-13
    )


def test_coverage_handles_limits_that_decrease_by_rounding() -> None:
    # Not a run: outcome 1's lower limit is below outcome 0's; the p between them are
    # summed directly.
    low = np.array([0.0, 0.2, 0.19999999, 0.5])
    high = np.array([0.4, 0.6, 0.8, 1.0])
    p = np.array([0.1, 0.199999995, 0.25, 0.45, 0.7])
    assert_allclose(_coverage(3, p, low, high), _weighted(3, p, low, high)[0], atol=1e-15)


@given(
    st.integers(min_value=1, max_value=400),
    st.sampled_from(INTERVAL_METHODS),
    # (scipy's binomial pmf, used by the direct sum, overflows at subnormal p)
    st.lists(
        st.floats(min_value=0.0, max_value=1.0).filter(lambda v: v == 0 or v > 1e-300),
        min_size=1,
        max_size=20,
    ),
)
def test_coverage_is_a_probability_and_matches_the_sum(n: int, method: str, p: list[float]) -> None:
    low, high = _all_limits(n, method, 0.9, "two-sided")
    pa = np.array(p)
    cov = _coverage(n, pa, low, high)
    assert np.all((cov >= 0) & (cov <= 1))
    assert_allclose(cov, _weighted(n, pa, low, high)[0], rtol=0, atol=1e-13)


@pytest.mark.parametrize("method", ["clopper-pearson", "blaker", "mid-p", "wilson"])
def test_interval_coverage_equals_the_finite_sums(method: str) -> None:
    """Coverage and the (lazily summed) expected width against the definitions, each
    term C(n, x) p^x (1 - p)^(n - x) from math.comb."""
    n = 23
    ps = [0.0, 0.013, 0.2, 0.37, 0.5, 0.81, 1.0]
    cov = interval_coverage(n, ps, method=method)
    ci = binomial_ci(np.arange(n + 1), n, method=method)
    low, high = np.asarray(ci.low), np.asarray(ci.high)
    for i, p in enumerate(ps):
        pmf = [math.comb(n, x) * p**x * (1 - p) ** (n - x) for x in range(n + 1)]
        want_cov = math.fsum(b for b, lo, hi in zip(pmf, low, high, strict=True) if lo <= p <= hi)
        want_width = math.fsum(b * (hi - lo) for b, lo, hi in zip(pmf, low, high, strict=True))
        assert cov.coverage[i] == pytest.approx(want_cov, rel=1e-12, abs=1e-15)
        assert cov.expected_width[i] == pytest.approx(want_width, rel=1e-12, abs=1e-15)
    single = interval_coverage(n, 0.37, method=method)
    assert single.expected_width == pytest.approx(cov.expected_width[3], rel=1e-14)
    assert isinstance(single.expected_width, float)


@pytest.mark.parametrize("kind", ["blaker", "sterne"])
def test_scalar_scan_with_skipped_pieces_equals_general_path(kind: str) -> None:
    """The scalar scan (Sterne: whole runs of pieces skipped by the bound
    P_e(X >= x) + P_s(X <= y + k) < alpha) against every piece built and evaluated."""
    rng = np.random.default_rng(151)
    n = np.concatenate([rng.integers(61, 2 * 10**4, size=60), [1000, 1000, 10**4, 10**5]])
    x = np.concatenate([1 + np.floor(rng.random(60) * n[:60]).astype(np.int64),
                        [400, 37, 4000, 50_001]])
    for alpha in (0.01, 0.05, 0.1):
        general = _hull_low_pieces(x, n, alpha, kind)
        for xi, ni, want in zip(x.tolist(), n.tolist(), general, strict=True):
            got = _s_hull_low(xi, ni, alpha, kind)
            assert got is not None, (xi, ni, alpha)
            assert got == pytest.approx(want, rel=TOL, abs=TOL), (xi, ni, alpha)


@pytest.mark.parametrize(("x", "n", "match"), [
    (5, 3, r"`x` \(5\) must not exceed `n` \(3\)"),
    (-1, 3, r"`x` must be >= 0; got -1"),
    (0, 0, r"`n` must be >= 1; got 0"),
])
def test_scalar_fast_path_leaves_bad_counts_to_the_checks(x: int, n: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        binomial_ci(x, n, method="blaker")


def test_scalar_fast_path_accepts_only_plain_ints() -> None:
    with pytest.raises(TypeError, match="must be an integer"):
        binomial_ci(True, 3, method="mid-p")
    assert binomial_ci(np.int64(7), 17, method="mid-p") == binomial_ci(7, 17, method="mid-p")
    assert binomial_ci(7.0, 17, method="sterne") == binomial_ci(7, 17, method="sterne")


@pytest.mark.parametrize("n", [1, 2, 5, 17, 40])
def test_scalar_midp_limits_solve_the_defining_equation(n: int) -> None:
    """Newton's root (scalar mid-p): at the lower limit P(X > x) + P(X = x) / 2 equals
    alpha / 2, at the upper one P(X < x) + P(X = x) / 2 does; sums of math.comb terms."""
    a = 0.025
    for x in range(n + 1):
        ci = binomial_ci(x, n, method="mid-p")
        for p, upper in ((ci.low, True), (ci.high, False)):
            if p in (0.0, 1.0):
                continue
            pmf = [math.comb(n, y) * p**y * (1 - p) ** (n - y) for y in range(n + 1)]
            beyond = pmf[x + 1:] if upper else pmf[:x]
            assert math.fsum(beyond) + pmf[x] / 2 == pytest.approx(a, rel=1e-11)
