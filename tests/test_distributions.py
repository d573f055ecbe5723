"""``thera_stats._distributions`` gives exactly what ``scipy.stats`` gives (the same kernels).

The cores use it to avoid importing scipy.stats (issue 15: start-up); these grids include
the edges of every support (k < 0, k = n, k > n, non-integer k, p = 0 and 1, x = 0 and 1,
q = 0 and 1) and bad parameters (NaN).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_array_equal
from scipy import stats as scipy_stats

from thera_stats import _distributions as ours

K = np.array([-np.inf, -2, -1, -0.5, 0, 0.5, 1, 2, 3.7, 5, 9, 10, 11, 30, np.inf, np.nan])
N = np.array([0, 1, 5, 10, 37, 200])
P = np.array([0.0, 1e-300, 1e-12, 0.05, 0.2, 0.5, 0.999, 1.0])


def grid(*axes: np.ndarray) -> tuple[np.ndarray, ...]:
    return tuple(np.meshgrid(*axes, indexing="ij"))


@pytest.mark.parametrize("method", ["cdf", "sf", "pmf"])
def test_binom_grid(method: str) -> None:
    k, n, p = grid(K, N, P)
    with np.errstate(all="ignore"):
        want = getattr(scipy_stats.binom, method)(k, n, p)
    assert_array_equal(getattr(ours.binom, method)(k, n, p), want)


def test_binom_isf_grid() -> None:
    q, n, p = grid(np.array([0.0, 1e-10, 0.01, 0.05, 0.5, 0.95, 1.0]), N, P)
    with np.errstate(all="ignore"):
        want = scipy_stats.binom.isf(q, n, p)
    assert_array_equal(ours.binom.isf(q, n, p), want)


@given(st.integers(-3, 60), st.integers(0, 60),
       st.floats(0, 1).filter(lambda p: p == 0 or p > 1e-300))  # scipy's own pmf overflows
def test_binom_scalars(k: int, n: int, p: float) -> None:                 # for subnormal p
    for method in ("cdf", "sf", "pmf"):
        got = getattr(ours.binom, method)(k, n, p)
        want = getattr(scipy_stats.binom, method)(k, n, p)
        assert type(got) is type(want)
        assert got == want or (np.isnan(got) and np.isnan(want))


@pytest.mark.parametrize("method", ["cdf", "sf"])
def test_beta_grid(method: str) -> None:
    x, a, b = grid(np.array([-1, 0, 1e-9, 0.2, 0.5, 0.9, 1, 2, np.nan]),
                   np.array([0.5, 1, 7.5, 30]), np.array([0.5, 2, 11.5]))
    assert_array_equal(getattr(ours.beta, method)(x, a, b),
                       getattr(scipy_stats.beta, method)(x, a, b))


def test_betabinom_grid() -> None:
    k, n, a, b = grid(K, N, np.array([0.5, 1.0, 3.2]), np.array([0.5, 4.0]))
    with np.errstate(all="ignore"):
        want = scipy_stats.betabinom.pmf(k, n, a, b)
    np.testing.assert_allclose(ours.betabinom.pmf(k, n, a, b), want, rtol=1e-15, atol=0)


def test_norm_and_t() -> None:
    x = np.array([-np.inf, -40, -3, -1.5, 0, 0.3, 2, 8.5, np.inf, np.nan])
    q = np.array([0, 1e-300, 1e-8, 0.025, 0.5, 0.975, 1 - 1e-12, 1, np.nan])
    for m in ("cdf", "sf"):
        assert_array_equal(getattr(ours.norm, m)(x), getattr(scipy_stats.norm, m)(x))
    for m in ("ppf", "isf"):
        assert_array_equal(getattr(ours.norm, m)(q), getattr(scipy_stats.norm, m)(q))
    for df in (1.0, 2.5, 15.8, 400.0):
        for m in ("cdf", "sf"):
            assert_array_equal(getattr(ours.t, m)(x, df), getattr(scipy_stats.t, m)(x, df))
        assert_array_equal(ours.t.ppf(q, df), scipy_stats.t.ppf(q, df))
    assert type(ours.t.ppf(0.975, 15.8)) is type(scipy_stats.t.ppf(0.975, 15.8))


def test_binom_pmf_where_scipy_overflows() -> None:
    """Near the smallest normal double Boost's pmf overflows (scipy.stats raises
    OverflowError); ours is then the closed form C(n, k) p^k (1 - p)^(n - k)."""
    p = 2.2e-308
    got = ours.binom.pmf(np.arange(5), 4, p)
    assert got[0] == 1.0
    assert got[1] == pytest.approx(4 * p, rel=1e-12)
    assert_array_equal(got[2:], 0.0)


def test_interval_coverage_at_a_tiny_rate() -> None:
    """At p = 2.2e-308 the outcome is x = 0 for sure: coverage 1 and the expected width is
    the width of the x = 0 Clopper-Pearson interval, 1 - (alpha / 2)^(1 / n)."""
    from thera_stats import interval_coverage

    result = interval_coverage(4, 2.2e-308)
    assert result.coverage == 1.0
    assert result.expected_width == pytest.approx(1.0 - 0.025 ** 0.25, rel=1e-12)
