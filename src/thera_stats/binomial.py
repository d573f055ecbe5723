"""Response-rate estimation for a single binomial proportion.

Confidence intervals (:func:`binomial_ci`), exact tests (:func:`binomial_test`),
exact coverage (:func:`interval_coverage`, :func:`compare_intervals`) and a
conjugate Bayesian reading (:func:`beta_posterior`) for ``x`` responders out of
``n`` evaluable patients.

All tail probabilities are regularised incomplete beta functions
(``scipy.special.betainc`` and friends), which stay accurate for ``n`` up to
``10**6`` and beyond; limits without a closed form are found by bracketed root
finding on brackets that are known to contain exactly one root: Chandrupatla's
method (``scipy.optimize.elementwise.find_root``) for arrays of outcomes, Brent's
method (:mod:`thera_stats._roots`) for a single interval.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import (
    betainc,
    betainccinv,
    betaincinv,
    expit,
    gammaln,
    ndtri,
    xlog1py,
    xlogy,
)

from thera_stats import _distributions as stats
from thera_stats._checks import (
    check_alternative,
    check_choice,
    check_closed_unit_array,
    check_confidence_level,
    check_counts,
    check_integer_array,
    check_open_unit,
)
from thera_stats._distributions import (  # the kernels, without scipy.stats's argument handling
    _binom_cdf,
    _binom_pmf,
)
from thera_stats._results import ConfidenceInterval
from thera_stats._roots import brent_root
from thera_stats.errors import ConvergenceError

__all__ = [
    "INTERVAL_METHODS",
    "TWO_SIDED_METHODS",
    "BetaPosterior",
    "BinomialTestResult",
    "IntervalCoverage",
    "beta_posterior",
    "binomial_ci",
    "binomial_test",
    "compare_intervals",
    "interval_coverage",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Interval methods accepted by :func:`binomial_ci`.
INTERVAL_METHODS = (
    "clopper-pearson",
    "mid-p",
    "blaker",
    "sterne",
    "wilson",
    "wilson-cc",
    "jeffreys",
    "agresti-coull",
    "wald",
    "likelihood-ratio",
)

#: Two-sided p-value definitions accepted by :func:`binomial_test`.
TWO_SIDED_METHODS = ("minlike", "central", "blaker")

#: Interval obtained by inverting each two-sided test.
_INVERTS = {"central": "clopper-pearson", "minlike": "sterne", "blaker": "blaker"}

#: Relative tolerance used when comparing probabilities for ties, as in R's
#: ``binom.test`` (``relErr <- 1 + 1e-7``).  The tests and the intervals that
#: invert them use the same value, so they agree.
_REL_ERR = 1.0 + 1e-7

_NUMBER = "{:.4g}"


# ---------------------------------------------------------------------------
# Tail probabilities (vectorised, accurate in both tails)
# ---------------------------------------------------------------------------


def _sf_ge(x: Any, n: Any, p: Any) -> Any:
    """P(X >= x) for X ~ Bin(n, p); 1 for x <= 0, 0 for x > n."""
    x, n, p = np.broadcast_arrays(np.asarray(x, float), np.asarray(n, float), np.asarray(p, float))
    out = np.where(x <= 0, 1.0, 0.0)
    inside = (x >= 1) & (x <= n)
    if np.any(inside):
        out[inside] = betainc(x[inside], n[inside] - x[inside] + 1.0, p[inside])
    return out


def _cdf_le(y: Any, n: Any, p: Any) -> Any:
    """P(X <= y) for X ~ Bin(n, p); 0 for y < 0, 1 for y >= n (integral y)."""
    y, n, p = np.broadcast_arrays(np.asarray(y, float), np.asarray(n, float), np.asarray(p, float))
    with np.errstate(invalid="ignore"):
        out = _binom_cdf(np.clip(y, 0.0, n), n, p)
    return np.where(y < 0, 0.0, np.where(y >= n, 1.0, out))


def _solve(
    f: Callable[..., Any], lo: FloatArray, hi: FloatArray, args: tuple[Any, ...] = ()
) -> FloatArray:
    """Vectorised bracketed root of ``f`` in ``[lo, hi]`` (Chandrupatla)."""
    lo = np.asarray(lo, dtype=float)
    if lo.size == 0:
        return np.empty(lo.shape)
    from scipy.optimize.elementwise import find_root  # bulk limits only: 0.12 s to import

    with np.errstate(divide="ignore", invalid="ignore", over="ignore", under="ignore"):
        res = find_root(f, (lo, hi), args=args)
    if not np.all(res.success):
        bad = np.flatnonzero(~np.asarray(res.success).ravel())[0]
        raise ConvergenceError(
            f"root finding failed (status {np.asarray(res.status).ravel()[bad]}) in a binomial "
            "limit; please report the (x, n, confidence_level) that triggered it."
        )
    return np.asarray(res.x, dtype=float)


# ---------------------------------------------------------------------------
# One-sided lower limits.  Every method is written as a *lower* limit at tail
# probability ``a`` (or normal quantile ``z``); upper limits follow from the
# reflection ``high(x, n) = 1 - low(n - x, n)`` or from a direct formula where
# the reflection would lose relative accuracy for limits near 0.
# ---------------------------------------------------------------------------


def _cp_low(x: IntArray, n: IntArray, a: float) -> FloatArray:
    out = np.zeros(x.shape)
    m = x > 0
    out[m] = betaincinv(x[m], n[m] - x[m] + 1.0, a)
    return out


def _cp_high(x: IntArray, n: IntArray, a: float) -> FloatArray:
    out = np.ones(x.shape)
    m = x < n
    out[m] = betainccinv(x[m] + 1.0, n[m] - x[m], a)
    return out


def _jeffreys_low(x: IntArray, n: IntArray, a: float) -> FloatArray:
    out = np.zeros(x.shape)
    m = x > 0
    out[m] = betaincinv(x[m] + 0.5, n[m] - x[m] + 0.5, a)
    return out


def _jeffreys_high(x: IntArray, n: IntArray, a: float) -> FloatArray:
    out = np.ones(x.shape)
    m = x < n
    out[m] = betainccinv(x[m] + 0.5, n[m] - x[m] + 0.5, a)
    return out


def _midp_upper_tail(p: Any, x: Any, n: Any, a: Any) -> Any:
    # P(X > x) + P(X = x)/2 - a, increasing in p (0 < x < n).
    return 0.5 * (betainc(x, n - x + 1.0, p) + betainc(x + 1.0, n - x, p)) - a


def _midp_lower_tail(p: Any, x: Any, n: Any, a: Any) -> Any:
    # P(X < x) + P(X = x)/2 - a, decreasing in p (0 < x < n).
    return 0.5 * (stats.binom.cdf(x - 1.0, n, p) + stats.binom.cdf(x, n, p)) - a


def _midp_low(x: IntArray, n: IntArray, a: float) -> FloatArray:
    xf, nf = x.astype(float), n.astype(float)
    out = np.empty(x.shape)
    # x = 0: P(X > 0) + P(X = 0)/2 = 1 - (1-p)^n / 2 exceeds a everywhere when a <= 1/2.
    m0 = x == 0
    out[m0] = 0.0 if a <= 0.5 else -np.expm1(np.log(2.0 * (1.0 - a)) / nf[m0])
    # x = n: P(X = n)/2 = p^n / 2.
    mn = x == n
    out[mn] = np.exp(np.log(2.0 * a) / nf[mn]) if a < 0.5 else 1.0
    mi = ~(m0 | mn)
    if np.any(mi):
        xi, ni = xf[mi], nf[mi]
        # The mid-p tail lies between P(X >= x + 1) and P(X >= x): bracket by
        # the two Clopper-Pearson-type quantiles.
        lo = betaincinv(xi, ni - xi + 1.0, a)
        hi = betaincinv(xi + 1.0, ni - xi, a)
        out[mi] = _solve(_midp_upper_tail, lo, hi, (xi, ni, a))
    return out


def _midp_high(x: IntArray, n: IntArray, a: float) -> FloatArray:
    xf, nf = x.astype(float), n.astype(float)
    out = np.empty(x.shape)
    m0 = x == 0
    out[m0] = -np.expm1(np.log(2.0 * a) / nf[m0]) if a < 0.5 else 0.0
    mn = x == n
    out[mn] = 1.0 if a <= 0.5 else np.exp(np.log(2.0 * (1.0 - a)) / nf[mn])
    mi = ~(m0 | mn)
    if np.any(mi):
        xi, ni = xf[mi], nf[mi]
        lo = betainccinv(xi, ni - xi + 1.0, a)
        hi = betainccinv(xi + 1.0, ni - xi, a)
        out[mi] = _solve(_midp_lower_tail, lo, hi, (xi, ni, a))
    return out


def _score_roots(xs: FloatArray, n: FloatArray, z: float) -> tuple[FloatArray, FloatArray]:
    """Both roots of (xs/n - p)^2 = z^2 p (1-p) / n, in a cancellation-free form."""
    z2 = z * z
    a = 2.0 * xs + z2
    b = abs(z) * np.sqrt(z2 + 4.0 * xs * (n - xs) / n)
    denom = n * (a + b)
    safe = np.where(denom > 0, denom, 1.0)
    low = np.where(denom > 0, 2.0 * xs * xs / safe, xs / n)  # = (a - b) / (2 (n + z^2))
    high = (a + b) / (2.0 * (n + z2))
    return low, high


def _wilson(x: IntArray, n: IntArray, z: float, cc: bool) -> tuple[FloatArray, FloatArray]:
    xf, nf = x.astype(float), n.astype(float)
    shift = 0.5 if cc else 0.0
    # Lower limit uses x - 1/2 (continuity correction), upper uses x + 1/2.
    lo_minus, lo_plus = _score_roots(np.maximum(xf - shift, 0.0), nf, z)
    hi_minus, hi_plus = _score_roots(np.minimum(xf + shift, nf), nf, z)
    low = lo_minus if z >= 0 else lo_plus
    high = hi_plus if z >= 0 else hi_minus
    if z >= 0:  # exact values (the formulas give them up to rounding)
        low = np.where(x == 0, 0.0, low)
        high = np.where(x == n, 1.0, high)
    return np.clip(low, 0.0, 1.0), np.clip(high, 0.0, 1.0)


def _wald(x: IntArray, n: IntArray, z: float) -> tuple[FloatArray, FloatArray]:
    phat = x / n
    half = z * np.sqrt(phat * (1.0 - phat) / n)
    return np.clip(phat - half, 0.0, 1.0), np.clip(phat + half, 0.0, 1.0)


def _agresti_coull(x: IntArray, n: IntArray, z: float) -> tuple[FloatArray, FloatArray]:
    z2 = z * z
    ntilde = n + z2
    ptilde = (x + z2 / 2.0) / ntilde
    half = z * np.sqrt(ptilde * (1.0 - ptilde) / ntilde)
    return np.clip(ptilde - half, 0.0, 1.0), np.clip(ptilde + half, 0.0, 1.0)


# Taylor coefficients (-1)^k / k, k = 17 .. 2, of u - log(1 + u), for Horner's rule.
_U_MINUS_LOG1P = tuple((-1.0) ** k / k for k in range(17, 1, -1))


def _u_minus_log1p(u: Any) -> Any:
    """``u - log(1 + u)`` for ``u > -1``, to a few ulps also when ``u`` is tiny.

    The direct difference loses every digit as ``u -> 0`` (both terms are ~u,
    the result ~u^2/2); below ``|u| = 0.1`` the Taylor series to ``u^17`` is
    summed instead (truncation error < 1e-17 relative).
    """
    u = np.asarray(u, dtype=float)
    small = np.abs(u) < 0.1
    series = np.zeros_like(u)
    for c in _U_MINUS_LOG1P:
        series = (series + c) * u
    return np.where(small, series * u, u - np.log1p(np.where(small, 0.0, u)))


def _deviance(x: Any, n: Any, d_over_p: Any, d_over_q: Any) -> Any:
    # With d = p - phat, the binomial deviance 2[l(phat) - l(p)] is
    #   2 [x g(d/phat) + (n - x) g(-d/(1 - phat))],   g(u) = u - log(1 + u) >= 0,
    # because the linear terms -x d/phat + (n - x) d/(1 - phat) cancel exactly.
    # Written this way it has no cancellation, so D(p) = z^2 is solvable for any
    # z^2 > 0, however small (the textbook form is pure rounding noise below
    # z^2 ~ n * 1e-16 and the root finder then fails).
    return 2.0 * (x * _u_minus_log1p(d_over_p) + (n - x) * _u_minus_log1p(-d_over_q))


def _deviance_low(u: Any, x: Any, n: Any, z2: Any) -> Any:
    # Binomial deviance at p = exp(u) minus z^2, for p below x/n.
    s = np.expm1(u - np.log(x / n))  # (p - phat) / phat, in (-1, 0]
    return _deviance(x, n, s, s * (x / (n - x))) - z2


def _deviance_high(w: Any, x: Any, n: Any, z2: Any) -> Any:
    # Binomial deviance at p = 1 - exp(w) minus z^2, for p above x/n.
    t = np.expm1(w - np.log1p(-x / n))  # (q - qhat) / qhat = -(p - phat) / qhat, in (-1, 0]
    return _deviance(x, n, -t * ((n - x) / x), -t) - z2


def _lr_below(x: IntArray, n: IntArray, z2: float) -> FloatArray:
    """Root of D(p) = z2 below x/n (0 where x = 0)."""
    xf, nf = x.astype(float), n.astype(float)
    if z2 == 0.0:  # one-sided level 1/2: the estimate itself
        return xf / nf
    out = np.zeros(x.shape)
    mn = x == n
    out[mn] = np.exp(-z2 / (2.0 * nf[mn]))
    mi = (x > 0) & (x < n)
    if np.any(mi):
        xi, ni = xf[mi], nf[mi]
        # D(p) >= 2 x log(phat / p) - 2 x, so D > z2 at log p = log phat - z2/(2x) - 2.
        top = np.log(xi / ni)
        bottom = top - z2 / (2.0 * xi) - 2.0
        out[mi] = np.exp(_solve(_deviance_low, bottom, top, (xi, ni, z2)))
    return out


def _lr_above(x: IntArray, n: IntArray, z2: float) -> FloatArray:
    """Root of D(p) = z2 above x/n (1 where x = n)."""
    xf, nf = x.astype(float), n.astype(float)
    if z2 == 0.0:
        return xf / nf
    out = np.ones(x.shape)
    m0 = x == 0
    out[m0] = -np.expm1(-z2 / (2.0 * nf[m0]))
    mi = (x > 0) & (x < n)
    if np.any(mi):
        xi, ni = xf[mi], nf[mi]
        top = np.log1p(-xi / ni)  # log(1 - phat)
        bottom = top - z2 / (2.0 * (ni - xi)) - 2.0
        out[mi] = -np.expm1(_solve(_deviance_high, bottom, top, (xi, ni, z2)))
    return out


# --- Blaker and Sterne ------------------------------------------------------
#
# For p below the estimate, the observed count x lies in the upper tail and both
# two-sided p-values take the form
#
#     P(X >= x) + P(X <= y*(p)),
#
# where y*(p) < x is the largest count in the lower tail that is "at least as
# extreme" as x (Blaker: P(X <= y) <= P(X >= x); Sterne: P(X = y) <= P(X = x)).
# y*(p) is non-decreasing in p, so (0, x/n) splits into pieces on which y* is
# constant.  On a piece the p-value is continuous and its derivative
# n [b(x-1; n-1, p) - b(y; n-1, p)] changes sign at most once, from - to +:
# it falls then rises.  At a piece boundary it jumps up.  Hence the infimum of
# the acceptance set {p : p-value >= alpha} is either the start of the first
# piece whose start value reaches alpha, or the single upward crossing of alpha
# inside the first piece whose end value exceeds alpha -- whichever comes first.


def _ystar_blaker(x: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """max{y in [-1, x-1] : P(X <= y) <= relErr * P(X >= x)} by bisection."""
    target = _REL_ERR * _sf_ge(x, n, p)
    lo = np.full(x.shape, -1.0)
    hi = x.copy()  # sentinel: treated as failing
    while True:
        active = hi - lo > 1
        if not np.any(active):
            return lo
        mid = np.floor((lo + hi) / 2.0)
        ok = _cdf_le(mid, n, p) <= target
        lo = np.where(active & ok, mid, lo)
        hi = np.where(active & ~ok, mid, hi)


def _sterne_threshold(y: Any, x: Any, n: Any) -> Any:
    """Smallest p at which P(X = y) <= relErr * P(X = x), for y < x."""
    num = (gammaln(x + 1.0) + gammaln(n - x + 1.0)) - (gammaln(y + 1.0) + gammaln(n - y + 1.0))
    return expit((num - np.log(_REL_ERR)) / (x - y))


def _ystar_sterne(x: FloatArray, n: FloatArray, p: FloatArray) -> FloatArray:
    """max{y in [-1, x-1] : P(X = y) <= relErr * P(X = x)} (threshold is increasing in y)."""
    lo = np.full(x.shape, -1.0)
    hi = x.copy()
    while True:
        active = hi - lo > 1
        if not np.any(active):
            return lo
        mid = np.floor((lo + hi) / 2.0)
        ok = _sterne_threshold(np.where(active, mid, 0.0), x, n) <= p
        lo = np.where(active & ok, mid, lo)
        hi = np.where(active & ~ok, mid, hi)


def _blaker_boundary(p: Any, y: Any, x: Any, n: Any) -> Any:
    # Decreasing in p; zero where y enters the rejection region of Blaker's test.
    return _cdf_le(y, n, p) - _REL_ERR * _sf_ge(x, n, p)


def _piece_pvalue(p: Any, y: Any, x: Any, n: Any, alpha: Any) -> Any:
    return _sf_ge(x, n, p) + _cdf_le(y, n, p) - alpha


@dataclass(frozen=True, slots=True)
class _Pieces:
    """The pieces of (p_lo, p_hi) on which y*(p) is constant, flattened over intervals."""

    xi: FloatArray  # per interval (x >= 1 only)
    ni: FloatArray
    p_hi: FloatArray
    owner: IntArray  # per piece: index of its interval
    y: FloatArray
    x: FloatArray
    n: FloatArray
    starts: FloatArray
    ends: FloatArray
    valid: npt.NDArray[np.bool_]


def _brackets(
    xi: FloatArray, ni: FloatArray, alpha: float, kind: str, *, upper: bool = True
) -> tuple[FloatArray, FloatArray, FloatArray, FloatArray]:
    """p_lo, p_hi and the extreme lower-tail counts y*(p_lo), y*(p_hi) (the last only
    if ``upper``, else NaN)."""
    # Bracket [p_lo, p_hi]: the p-value is below alpha under p_lo and at least
    # P(X >= x) > alpha above p_hi.  Blaker: p-value <= (1 + relErr) P(X >= x).
    # Sterne: every y <= y* has P(X = y) <= relErr P(X = x), so the p-value is at
    # most (1 + relErr x) P(X >= x).
    p_hi = betaincinv(xi, ni - xi + 1.0, alpha)
    shrink = (2.0 + 1e-6) if kind == "blaker" else (xi + 2.0)
    p_lo = betaincinv(xi, ni - xi + 1.0, alpha / shrink)
    ystar = _ystar_blaker if kind == "blaker" else _ystar_sterne
    y_hi = ystar(xi, ni, p_hi) if upper else np.full(xi.shape, np.nan)
    return p_lo, p_hi, ystar(xi, ni, p_lo), y_hi


def _pieces(
    xi: FloatArray,
    ni: FloatArray,
    alpha: float,
    kind: str,
    brackets: tuple[FloatArray, FloatArray, FloatArray, FloatArray] | None = None,
) -> _Pieces:
    m = xi.size
    p_lo, p_hi, y_lo, y_hi = _brackets(xi, ni, alpha, kind) if brackets is None else brackets
    counts = (y_hi - y_lo + 1).astype(np.int64)
    owner = np.repeat(np.arange(m), counts)
    first = np.cumsum(counts) - counts
    k = np.arange(owner.size) - first[owner]
    y = y_lo[owner] + k
    xo, no = xi[owner], ni[owner]
    # Start of piece k (k >= 1): the p at which y enters the extreme set.
    starts = p_lo[owner].copy()
    later = k > 0
    if np.any(later):
        lo_b, hi_b = p_lo[owner][later], p_hi[owner][later]
        if kind == "blaker":
            t = _solve(_blaker_boundary, lo_b, hi_b, (y[later], xo[later], no[later]))
        else:
            t = _sterne_threshold(y[later], xo[later], no[later])
        starts[later] = np.clip(t, lo_b, hi_b)
    last = k == counts[owner] - 1
    ends = np.empty_like(starts)
    ends[last] = p_hi[owner][last]
    ends[~last] = starts[np.flatnonzero(~last) + 1]
    return _Pieces(xi, ni, p_hi, owner, y, xo, no, starts, ends, ends > starts)


_MAX_PIECES = 500_000  # pieces handled at once (memory bound)


def _hull_low_pieces(x: IntArray, n: IntArray, alpha: float, kind: str) -> FloatArray:
    """Infimum of the two-sided Blaker / Sterne confidence set (0 at x = 0): the
    general path, every piece of (p_lo, p_hi) built and evaluated."""
    out = np.zeros(x.shape)
    idx = np.flatnonzero(x > 0)
    if idx.size == 0:
        return out
    xi, ni = x[idx].astype(float), n[idx].astype(float)
    p_lo, p_hi, y_lo, y_hi = _brackets(xi, ni, alpha, kind)
    total = np.cumsum(y_hi - y_lo + 1)
    begin = 0
    while begin < idx.size:
        # Largest run of intervals whose pieces fit the memory bound (at least one).
        base = total[begin - 1] if begin else 0.0
        end = max(begin + 1, int(np.searchsorted(total, base + _MAX_PIECES, side="right")))
        sl = slice(begin, end)
        pc = _pieces(xi[sl], ni[sl], alpha, kind, (p_lo[sl], p_hi[sl], y_lo[sl], y_hi[sl]))
        out[idx[sl]] = _hull_low_of(pc, alpha)
        begin = end
    return out


def _hull_low_of(pc: _Pieces, alpha: float) -> FloatArray:
    y, xo, no, starts, ends = pc.y, pc.x, pc.n, pc.starts, pc.ends
    v_start = _piece_pvalue(starts, y, xo, no, alpha)
    v_end = _piece_pvalue(ends, y, xo, no, alpha)
    at_start = pc.valid & (v_start >= 0)
    crossing = pc.valid & ~at_start & (v_end > 0)
    hit = at_start | crossing
    big = np.iinfo(np.int64).max
    first_hit = np.full(pc.xi.size, big)
    np.minimum.at(first_hit, pc.owner[hit], np.flatnonzero(hit))
    low = pc.p_hi.copy()  # no piece reaches alpha: the set starts just above p_hi
    found = first_hit < big
    j = first_hit[found]
    low[found] = starts[j]
    root = found.copy()
    root[found] = crossing[j]
    if np.any(root):
        jr = first_hit[root]
        # The p-value falls to its minimum, then rises above alpha once before the end.
        pm = np.clip(_piece_minimum(y[jr], xo[jr], no[jr]), starts[jr], ends[jr])
        low[root] = _solve(_piece_pvalue, pm, ends[jr], (y[jr], xo[jr], no[jr], alpha))
    return low


def _piece_minimum(y: FloatArray, x: FloatArray, n: FloatArray) -> FloatArray:
    """Where P(X >= x) + P(X <= y) is smallest: b(x-1; n-1, p) = b(y; n-1, p)."""
    out = np.zeros(y.shape)  # y = -1: increasing; y = x - 1: constant
    m = (y >= 0) & (y < x - 1)
    if np.any(m):
        ym, xm, nm = y[m], x[m], n[m]
        num = (gammaln(xm) + gammaln(nm - xm + 1.0)) - (gammaln(ym + 1.0) + gammaln(nm - ym))
        out[m] = expit(num / (xm - 1.0 - ym))
    return out


# --- The first piece that holds (the fast path) -------------------------------
#
# The general path above builds every piece of (p_lo, p_hi) with its boundary and
# p-values, then keeps the first that holds.  The scan below visits the pieces in
# order from p_lo and stops at the first that holds, which is nearly always the
# first or the second: with y*(p) the p-value is close to 2 P(X >= x), which
# reaches alpha soon after P(X >= x) = alpha / 2, i.e. just above p_lo.  For the
# piece y starting at s:
#
# 1. its end e = t_{y+1}, where y + 1 enters the extreme set (Blaker: a root,
#    found by Halley's method; Sterne: closed form);
# 2. if the p-value rises above alpha before e (P(X >= x) + P(X <= y) > alpha at
#    e), the limit is the upward crossing of alpha on the piece, found by
#    Halley's method between the piece's minimum and e;
# 3. if it reaches alpha where the next piece starts (P(X >= x) + P(X <= y + 1)
#    at e), the limit is e;
# 4. otherwise the scan moves to piece y + 1.
#
# The derivatives are closed forms in binomial probabilities:
# d/dp P(X >= x) = n b(x - 1; n - 1, p), d/dp P(X <= y) = -n b(y; n - 1, p), and
# d/dp b(k; m, p) = b(k; m, p) (k - m p) / (p (1 - p)).

_EPS = float(np.finfo(float).eps)
_SCAN_CHUNK = 100_000  # limits handled at once (memory bound)
_MAX_SCAN = 64  # pieces scanned before an interval is handed to the general path
_WALK = 4  # steps of the walk from the normal-approximation guess of y*(p_lo)


def _log_b(k: Any, m: Any, p: Any) -> Any:
    """log b(k; m, p), the binomial probability, for 0 <= k <= m (float arrays)."""
    return (
        gammaln(m + 1.0) - gammaln(k + 1.0) - gammaln(m - k + 1.0) + xlogy(k, p) + xlog1py(m - k, -p)
    )


def _db(k: Any, m: Any, p: Any) -> tuple[Any, Any]:
    """b(k; m, p) and its derivative in p (0 where k < 0)."""
    b = np.where(k >= 0, np.exp(_log_b(np.maximum(k, 0.0), m, p)), 0.0)
    return b, b * (k - m * p) / (p * (1.0 - p))


def _halley_increasing(
    fun: Callable[[FloatArray, IntArray], tuple[FloatArray, FloatArray, FloatArray]],
    lo: FloatArray,
    hi: FloatArray,
    start: FloatArray,
) -> FloatArray:
    """Root of increasing functions, one per element, known to lie in ``[lo, hi]``.

    ``fun(p, idx)`` returns the values and first two derivatives of the
    functions ``idx`` at ``p``.  Halley steps from ``start``; a step that
    leaves the current bracket is replaced by Newton's, then by bisection, so
    convergence is guaranteed.  Stops after a step below ``1e-9 |p|`` (Halley's
    method converges cubically: the next step would be below the rounding of
    the function) or when the bracket is ``4 eps |p|`` narrow.
    """
    lo, hi, p = lo.copy(), hi.copy(), start.copy()
    out = np.empty(lo.shape)
    idx = np.arange(lo.size)
    for _ in range(200):
        if idx.size == 0:
            return out
        f, d1, d2 = fun(p, idx)
        neg = f < 0
        lo = np.where(neg, p, lo)
        hi = np.where(neg, hi, p)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            newton = np.where(d1 > 0, f / d1, np.nan)  # NaN: no step (not increasing here)
            denom = 1.0 - 0.5 * newton * d2 / d1
            step = np.where((denom > 0.5) & (denom < 2.0), newton / denom, newton)
            step = np.where(((p - step) >= lo) & ((p - step) <= hi), step, newton)
            step = np.where(((p - step) >= lo) & ((p - step) <= hi), step, np.nan)
        small = np.abs(step) <= 1e-9 * np.abs(p)
        new = np.where(np.isnan(step), 0.5 * (lo + hi), p - step)
        done = small | (hi - lo <= 4.0 * _EPS * np.abs(new) + 1e-300) | (f == 0)
        out[idx[done]] = np.where(f[done] == 0, p[done], new[done])
        keep = ~done
        idx, lo, hi, p = idx[keep], lo[keep], hi[keep], new[keep]
    raise ConvergenceError(  # pragma: no cover - bisection alone converges in < 1100 steps
        "root finding failed in a Blaker/Sterne limit; please report the (x, n, "
        "confidence_level) that triggered it."
    )


def _ystar_walk(
    x: FloatArray, n: FloatArray, p: FloatArray, kind: str, target: FloatArray
) -> FloatArray:
    """y*(p) as :func:`_ystar_blaker` / :func:`_ystar_sterne` find it, from a guess.

    The guess (Blaker: the normal quantile of the target; Sterne: the mirror image
    of x about the mean) is corrected by at most ``_WALK`` steps down or up; the
    bisection of the general path finishes what the walk leaves.
    """

    def ok(y: FloatArray, k: IntArray) -> npt.NDArray[np.bool_]:
        if kind == "blaker":
            test = _cdf_le(y, n[k], p[k]) <= target[k]
        else:
            test = _sterne_threshold(np.maximum(y, 0.0), x[k], n[k]) <= p[k]
        return (y < 0) | ((y < x[k]) & test)

    mu = n * p
    if kind == "blaker":
        sd = np.sqrt(mu * (1.0 - p))
        guess = np.floor(mu + sd * ndtri(np.clip(target, 1e-300, 1.0)) - 0.5)
    else:
        guess = np.floor(2.0 * mu - x)
    y = np.clip(guess, -1.0, x - 1.0)
    out = np.full(x.shape, np.nan)
    good = ok(y, np.arange(x.size))
    down = np.flatnonzero(~good)  # y fails: walk down to the first that qualifies
    for _ in range(_WALK):
        if down.size == 0:
            break
        y[down] -= 1.0
        fine = ok(y[down], down)
        out[down[fine]] = y[down[fine]]
        down = down[~fine]
    up = np.flatnonzero(good)  # y qualifies: walk up while y + 1 does
    for _ in range(_WALK):
        if up.size == 0:
            break
        more = ok(y[up] + 1.0, up)
        out[up[~more]] = y[up[~more]]
        up = up[more]
        y[up] += 1.0
    rest = np.flatnonzero(np.isnan(out))
    if rest.size:
        ystar = _ystar_blaker if kind == "blaker" else _ystar_sterne
        out[rest] = ystar(x[rest], n[rest], p[rest])
    return out


def _hull_low_scan(xi: FloatArray, ni: FloatArray, alpha: float, kind: str) -> FloatArray:
    """Infimum of the Blaker / Sterne acceptance set for x >= 1, by the piece scan.

    NaN where the scan did not end within ``_MAX_SCAN`` pieces (the caller then
    takes the general path).
    """
    shrink = (2.0 + 1e-6) if kind == "blaker" else (xi + 2.0)
    p_lo = betaincinv(xi, ni - xi + 1.0, alpha / shrink)
    y = _ystar_walk(xi, ni, p_lo, kind, _REL_ERR * _sf_ge(xi, ni, p_lo))
    out = np.full(xi.shape, np.nan)
    s = p_lo.copy()
    idx = np.arange(xi.size)
    for _ in range(_MAX_SCAN):
        if idx.size == 0:
            break
        x, n, yy, ss, lo_b = xi[idx], ni[idx], y[idx], s[idx], p_lo[idx]
        nxt = yy + 1.0
        # 1. The end of the piece: where y + 1 enters the extreme set (y + 1 < x,
        #    else the piece runs to 1, where the p-value is 1).
        inner = nxt < x
        e = np.ones(x.shape)
        if kind == "sterne":
            e[inner] = _sterne_threshold(nxt[inner], x[inner], n[inner])
        elif np.any(inner):
            xs, ns, ys = x[inner], n[inner], nxt[inner]

            def h(p: FloatArray, k: IntArray, xs: Any = xs, ns: Any = ns, ys: Any = ys) -> Any:
                xk, nk, yk = xs[k], ns[k], ys[k]
                bx, dbx = _db(xk - 1.0, nk - 1.0, p)
                by, dby = _db(yk, nk - 1.0, p)
                val = -_blaker_boundary(p, yk, xk, nk)  # r P(X >= x) - P(X <= y + 1)
                return val, nk * (_REL_ERR * bx + by), nk * (_REL_ERR * dbx + dby)

            e[inner] = _halley_increasing(h, ss[inner], np.ones(int(inner.sum())), ss[inner])
        e = np.maximum(e, lo_b)
        # 2.-3. The p-value just before e (piece y) and at e (piece y + 1).
        s_e = _sf_ge(x, n, e)
        v_end = s_e + _cdf_le(yy, n, e) - alpha
        v_next = s_e + _cdf_le(nxt, n, e) - alpha
        cross = v_end > 0
        if np.any(cross):
            xc, nc, yc = x[cross], n[cross], yy[cross]
            a = np.clip(_piece_minimum(yc, xc, nc), ss[cross], e[cross])

            def g(p: FloatArray, k: IntArray, xs: Any = xc, ns: Any = nc, ys: Any = yc) -> Any:
                xk, nk, yk = xs[k], ns[k], ys[k]
                bx, dbx = _db(xk - 1.0, nk - 1.0, p)
                by, dby = _db(yk, nk - 1.0, p)
                val = _piece_pvalue(p, yk, xk, nk, alpha)
                return val, nk * (bx - by), nk * (dbx - dby)

            root = a.copy()
            which = np.flatnonzero(_piece_pvalue(a, yc, xc, nc, alpha) < 0)
            if which.size:

                def g_sub(p: FloatArray, k: IntArray, w: IntArray = which) -> Any:
                    return g(p, w[k])

                e_w = e[cross][which]
                root[which] = _halley_increasing(g_sub, a[which], e_w, e_w)
            out[idx[cross]] = root
        start = ~cross & (v_next >= 0)
        out[idx[start]] = e[start]
        keep = ~cross & ~start
        idx = idx[keep]
        s[idx] = e[keep]
        y[idx] = nxt[keep]
    return out


def _hull_low(x: IntArray, n: IntArray, alpha: float, kind: str) -> FloatArray:
    """Infimum of the two-sided Blaker / Sterne confidence set (0 at x = 0).

    The piece scan (:func:`_hull_low_scan`) in chunks; the general path
    (:func:`_hull_low_pieces`) for any interval the scan leaves open.
    """
    out = np.zeros(x.shape)
    idx = np.flatnonzero(x > 0)
    for start in range(0, idx.size, _SCAN_CHUNK):
        sl = idx[start : start + _SCAN_CHUNK]
        out[sl] = _hull_low_scan(x[sl].astype(float), n[sl].astype(float), alpha, kind)
    rest = idx[np.isnan(out[idx])]
    if rest.size:
        out[rest] = _hull_low_pieces(x[rest], n[rest], alpha, kind)
    return out


def _lower_side_sets(
    x: IntArray, n: IntArray, alpha: float, kind: str
) -> list[list[tuple[float, float]]]:
    """Accepted p in (0, p_hi] for each x >= 1, as closed segments (vectorised).

    On each piece the p-value falls to its minimum and rises again, so the
    accepted part of a piece is the whole piece, or a segment at its start
    and/or one at its end, delimited by the roots on either side of the minimum.
    """
    pc = _pieces(x.astype(float), n.astype(float), alpha, kind)
    keep = np.flatnonzero(pc.valid)
    own = pc.owner[keep]
    y, xo, no = pc.y[keep], pc.x[keep], pc.n[keep]
    s, e = pc.starts[keep], pc.ends[keep]
    pm = np.clip(_piece_minimum(y, xo, no), s, e)
    v_s = _piece_pvalue(s, y, xo, no, alpha)
    v_e = _piece_pvalue(e, y, xo, no, alpha)
    v_m = _piece_pvalue(pm, y, xo, no, alpha)
    whole = v_m >= 0
    head = ~whole & (v_s >= 0)  # accepted at the start, falls below alpha inside
    tail = ~whole & (v_e > 0)  # rises above alpha again before the piece ends
    r1 = _solve(_piece_pvalue, s[head], pm[head], (y[head], xo[head], no[head], alpha))
    r2 = _solve(_piece_pvalue, pm[tail], e[tail], (y[tail], xo[tail], no[tail], alpha))
    lo = np.concatenate([s[whole], s[head], r2, pc.p_hi])
    hi = np.concatenate([e[whole], r1, e[tail], pc.p_hi])
    who = np.concatenate([own[whole], own[head], own[tail], np.arange(x.size)])
    out: list[list[tuple[float, float]]] = [[] for _ in range(x.size)]
    for i, a, b in zip(who.tolist(), lo.tolist(), hi.tolist(), strict=True):
        out[i].append((a, b))
    return out


def _merge(segments: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[tuple[float, float]] = []
    for lo, hi in sorted(segments):
        if out and lo <= out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], hi))
        else:
            out.append((lo, hi))
    return out


def _confidence_sets(
    x: IntArray, n: IntArray, level: float, kind: str
) -> list[tuple[tuple[float, float], ...]]:
    """Exact two-sided Blaker / Sterne confidence sets as disjoint closed segments."""
    alpha = 1.0 - level
    if alpha > 0.5:
        raise ValueError(
            f"`confidence_level` ({level!r}) must be at least 0.5 for the two-sided "
            f"{kind!r} confidence set."
        )
    # As binomial_ci: compute for x <= n/2 and reflect the others, so that the
    # hull of each set is exactly the interval binomial_ci reports.
    flip = 2 * x > n
    x = np.where(flip, n - x, x)
    low_sides: list[list[tuple[float, float]]] = [[(0.0, 0.0)] for _ in range(x.size)]
    high_sides: list[list[tuple[float, float]]] = [[(1.0, 1.0)] for _ in range(x.size)]
    lo_idx, hi_idx = np.flatnonzero(x > 0), np.flatnonzero(x < n)
    for i, segs in zip(lo_idx, _lower_side_sets(x[lo_idx], n[lo_idx], alpha, kind), strict=True):
        low_sides[i] = segs
    mirrored = _lower_side_sets(n[hi_idx] - x[hi_idx], n[hi_idx], alpha, kind)
    for i, segs in zip(hi_idx, mirrored, strict=True):
        high_sides[i] = [(1.0 - b, 1.0 - a) for a, b in segs]
    out = []
    for low_side, high_side in zip(low_sides, high_sides, strict=True):
        # Between the one-sided Clopper-Pearson bounds at level 1 - alpha every p
        # is accepted: the p-value is at least the smaller observed tail.
        middle = (max(b for _, b in low_side), min(a for a, _ in high_side))
        out.append(tuple(_merge([*low_side, middle, *high_side])))
    # The first and last ends are the limits binomial_ci reports (the same numbers
    # found by its own path, so that they agree to the last bit).
    low, high = _interval_limits(x, n, kind, level, "two-sided")
    sets = []
    for merged, f, lo, hi in zip(out, flip.tolist(), low.tolist(), high.tolist(), strict=True):
        ends = list(merged)
        ends[0], ends[-1] = (lo, ends[0][1]), (ends[-1][0], hi)
        if len(ends) == 1:
            ends = [(lo, hi)]
        sets.append(tuple((1.0 - b, 1.0 - a) for a, b in reversed(ends)) if f else tuple(ends))
    return sets


# ---------------------------------------------------------------------------
# Dispatch
# ---------------------------------------------------------------------------


def _limits(
    x: IntArray, n: IntArray, method: str, level: float, alternative: str
) -> tuple[FloatArray, FloatArray]:
    """Lower and upper limits for flat integer arrays ``x`` and ``n``."""
    two = alternative == "two-sided"
    a = (1.0 - level) / 2.0 if two else 1.0 - level  # tail probability per side
    z = -float(ndtri(a))
    if not two and method in ("blaker", "sterne"):
        method = "clopper-pearson"  # one-sided exact tests coincide
    if method == "clopper-pearson":
        return _cp_low(x, n, a), _cp_high(x, n, a)
    if method == "jeffreys":
        return _jeffreys_low(x, n, a), _jeffreys_high(x, n, a)
    if method == "mid-p":
        return _midp_low(x, n, a), _midp_high(x, n, a)
    if method == "wilson":
        return _wilson(x, n, z, cc=False)
    if method == "wilson-cc":
        return _wilson(x, n, z, cc=True)
    if method == "wald":
        return _wald(x, n, z)
    if method == "agresti-coull":
        return _agresti_coull(x, n, z)
    if method == "likelihood-ratio":
        if z >= 0:
            return _lr_below(x, n, z * z), _lr_above(x, n, z * z)
        return _lr_above(x, n, z * z), _lr_below(x, n, z * z)
    # Two-sided Blaker or Sterne (alpha = 2a).
    alpha = 2.0 * a
    if alpha > 0.5:
        raise ValueError(
            f"`confidence_level` ({level!r}) must be at least 0.5 for the two-sided "
            f"{method!r} interval."
        )
    low = _hull_low(x, n, alpha, method)
    high = 1.0 - _hull_low(n - x, n, alpha, method)
    return low, high


def _symmetric_limits(
    x: IntArray, n: IntArray, method: str, level: float, alternative: str
) -> tuple[FloatArray, FloatArray]:
    """Limits via the reflection ``[L, U](x, n) = [1 - U, 1 - L](n - x, n)``.

    Every method is symmetric under x -> n - x, p -> 1 - p, so the limits are
    computed once per distinct pair (min(x, n - x), n) and reflected for
    x > n/2.  This halves the work for the common case of every x = 0..n
    (coverage, tables), removes repeated pairs, and makes the reflection exact.
    Reflected values are 1 - (a limit on the side of 1/2 nearest 0 or 1), so
    no relative accuracy is lost for limits near 0.
    """
    xc = np.minimum(x, n - x)
    mirrored = xc < x
    if x.size > 1 and n.max() < 2**31:
        key = n * (int(n.max()) + 1) + xc
        _, first, inv = np.unique(key, return_index=True, return_inverse=True)
        low_c, high_c = _limits(xc[first], n[first], method, level, alternative)
        low_c, high_c = low_c[inv], high_c[inv]
    else:
        low_c, high_c = _limits(xc, n, method, level, alternative)
    low = np.where(mirrored, 1.0 - high_c, low_c)
    high = np.where(mirrored, 1.0 - low_c, high_c)
    return low, high


# ---------------------------------------------------------------------------
# Scalar fast paths: one (x, n) with Python floats, scalar special functions and
# Brent's method, for the methods whose limits are roots.  Same equations and
# brackets as the array paths above (and the same answers to ~1e-15); no array
# is built, so one interval costs tens of microseconds instead of milliseconds.
# ---------------------------------------------------------------------------

_SCALAR_METHODS = ("mid-p", "likelihood-ratio", "blaker", "sterne")


def _s_root(f: Callable[[float], float], lo: float, hi: float) -> float | None:
    """Root of ``f`` in ``[lo, hi]`` to 4 ulps relative (None: no sign change)."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if (f_lo > 0.0) == (f_hi > 0.0):
        return None  # rounding at a bracket end: the array path decides
    return brent_root(f, lo, hi, xtol=1e-300, rtol=4.0 * _EPS, maxiter=500)


def _s_newton(f: Callable[[float], float], df: Callable[[float], float], lo: float,
              hi: float) -> float | None:
    """Root of an increasing ``f`` in ``[lo, hi]`` by Newton's method kept inside the
    bracket (bisection where a step leaves it), started at the secant point; stops when
    the step is below 2 ulps relative. Brent's method (:func:`_s_root`) where the
    bracket ends do not have the expected signs."""
    f_lo, f_hi = f(lo), f(hi)
    if f_lo == 0.0:
        return lo
    if f_hi == 0.0:
        return hi
    if not (f_lo < 0.0 < f_hi):
        return _s_root(f, lo, hi)
    p = lo - f_lo * (hi - lo) / (f_hi - f_lo)
    for _ in range(100):
        if not lo < p < hi:
            p = 0.5 * (lo + hi)
        fp = f(p)
        if fp == 0.0:
            return p
        if fp < 0.0:
            lo = p
        else:
            hi = p
        d = df(p)
        step = fp / d if d > 0.0 else math.inf
        if abs(step) <= 2.0 * _EPS * p:
            nxt = p - step
            return nxt if lo <= nxt <= hi else p
        if hi - lo <= 2.0 * _EPS * hi:
            return p
        p -= step
    return _s_root(f, lo, hi)  # pragma: no cover - Newton inside a bracket converges


def _s_sf(x: float, n: float, p: float) -> float:
    """P(X >= x), scalar (1 <= x <= n)."""
    return float(betainc(x, n - x + 1.0, p))


def _s_cdf(y: float, n: float, p: float) -> float:
    """P(X <= y), scalar."""
    if y < 0.0:
        return 0.0
    if y >= n:
        return 1.0
    return float(_binom_cdf(y, n, p))


def _s_midp_low(x: int, n: int, a: float) -> float | None:
    if x == 0:
        return 0.0 if a <= 0.5 else -math.expm1(math.log(2.0 * (1.0 - a)) / n)
    if x == n:
        return math.exp(math.log(2.0 * a) / n) if a < 0.5 else 1.0
    xf, nf = float(x), float(n)

    def tail(p: float) -> float:
        return 0.5 * (float(betainc(xf, nf - xf + 1.0, p)) + float(betainc(xf + 1.0, nf - xf, p))) - a

    lo = float(betaincinv(xf, nf - xf + 1.0, a))
    hi = float(betaincinv(xf + 1.0, nf - xf, a))
    return _s_newton(tail, _s_midp_slope(xf, nf), lo, hi)


def _s_midp_slope(x: float, n: float) -> Callable[[float], float]:
    r"""d/dp of the mid-p tail :math:`\tfrac12[I_p(x, n - x + 1) + I_p(x + 1, n - x)]`
    (also of the upper one, ``a - (P(X <= x - 1) + P(X <= x)) / 2``): the mean of the two
    beta densities, for 1 <= x <= n - 1."""
    lb1 = math.lgamma(x) + math.lgamma(n - x + 1.0) - math.lgamma(n + 1.0)
    lb2 = math.lgamma(x + 1.0) + math.lgamma(n - x) - math.lgamma(n + 1.0)

    def slope(p: float) -> float:
        if not 0.0 < p < 1.0:
            return 0.0   # no Newton step: the caller bisects
        lp, lq = math.log(p), math.log1p(-p)
        return 0.5 * (math.exp((x - 1.0) * lp + (n - x) * lq - lb1)
                      + math.exp(x * lp + (n - x - 1.0) * lq - lb2))

    return slope


def _s_midp_high(x: int, n: int, a: float) -> float | None:
    if x == 0:
        return -math.expm1(math.log(2.0 * a) / n) if a < 0.5 else 0.0
    if x == n:
        return 1.0 if a <= 0.5 else math.exp(math.log(2.0 * (1.0 - a)) / n)
    xf, nf = float(x), float(n)

    def tail(p: float) -> float:  # decreasing: solve its negative
        return a - 0.5 * (_s_cdf(xf - 1.0, nf, p) + _s_cdf(xf, nf, p))

    lo = float(betainccinv(xf, nf - xf + 1.0, a))
    hi = float(betainccinv(xf + 1.0, nf - xf, a))
    return _s_newton(tail, _s_midp_slope(xf, nf), lo, hi)


def _s_u_minus_log1p(u: float) -> float:
    """Scalar :func:`_u_minus_log1p`."""
    if abs(u) < 0.1:
        series = 0.0
        for c in _U_MINUS_LOG1P:
            series = (series + c) * u
        return series * u
    return u - math.log1p(u)


def _s_lr_below(x: int, n: int, z2: float) -> float | None:
    if z2 == 0.0:
        return x / n
    if x == 0:
        return 0.0
    if x == n:
        return math.exp(-z2 / (2.0 * n))
    xf, nf = float(x), float(n)
    log_phat, odds = math.log(xf / nf), xf / (nf - xf)

    def dev(u: float) -> float:
        s = math.expm1(u - log_phat)
        return 2.0 * (xf * _s_u_minus_log1p(s) + (nf - xf) * _s_u_minus_log1p(-s * odds)) - z2

    root = _s_root(dev, log_phat - z2 / (2.0 * xf) - 2.0, log_phat)
    return None if root is None else math.exp(root)


def _s_lr_above(x: int, n: int, z2: float) -> float | None:
    if z2 == 0.0:
        return x / n
    if x == n:
        return 1.0
    if x == 0:
        return -math.expm1(-z2 / (2.0 * n))
    xf, nf = float(x), float(n)
    log_qhat, odds = math.log1p(-xf / nf), (nf - xf) / xf

    def dev(w: float) -> float:
        t = math.expm1(w - log_qhat)
        return 2.0 * (xf * _s_u_minus_log1p(-t * odds) + (nf - xf) * _s_u_minus_log1p(t)) - z2

    root = _s_root(dev, log_qhat - z2 / (2.0 * (nf - xf)) - 2.0, log_qhat)
    return None if root is None else -math.expm1(root)


def _s_ystar(x: float, n: float, p: float, kind: str) -> float:
    """Scalar :func:`_ystar_blaker` / :func:`_ystar_sterne` (same bisection)."""
    target = _REL_ERR * _s_sf(x, n, p)
    lo, hi = -1.0, x
    while hi - lo > 1:
        mid = math.floor((lo + hi) / 2.0)
        if kind == "blaker":
            ok = _s_cdf(mid, n, p) <= target
        else:
            ok = float(_sterne_threshold(mid, x, n)) <= p
        lo, hi = (mid, hi) if ok else (lo, mid)
    return lo


def _s_piece_minimum(y: float, x: float, n: float) -> float:
    """Scalar :func:`_piece_minimum`."""
    if y < 0 or y >= x - 1:
        return 0.0
    num = (gammaln(x) + gammaln(n - x + 1.0)) - (gammaln(y + 1.0) + gammaln(n - y))
    return float(expit(num / (x - 1.0 - y)))


def _s_sterne_skip(y: float, s: float, x: float, n: float, alpha: float,
                   p_lo: float) -> tuple[float, float, bool]:
    r"""Skip Sterne pieces on which the p-value stays below ``alpha`` (galloping).

    Pieces y, ..., y + k - 1 span :math:`[s, e]`, :math:`e` the threshold at which
    y + k enters the acceptance region's complement; on them the p-value
    :math:`P(X \ge x) + P(X \le y')` (y' <= y + k - 1), and the value where the next
    piece starts, are at most :math:`P_e(X \ge x) + P_s(X \le y + k)` (the upper
    tail increases in p, the lower one decreases). Where that bound is below
    ``alpha`` no limit lies in those pieces and the scan resumes at piece y + k from
    s = e, exactly where the piece-by-piece scan would have arrived (same floats).
    k doubles from 2 while the bound holds, then halves. Returns the new ``(y, s)``
    and whether any piece was skipped.
    """
    step, grow, skipped = 2.0, True, False
    while step >= 2.0:
        last = y + step
        if last < x:
            e = max(float(_sterne_threshold(last, x, n)), p_lo)
            if _s_sf(x, n, e) + _s_cdf(last, n, s) < alpha:
                y, s, skipped = last, e, True
                if grow:
                    step *= 2.0
                continue
        grow = False
        step = math.floor(step / 2.0)
    return y, s, skipped


def _s_slope(x: float, n: float, c: float, y: float, sign: float) -> Callable[[float], float]:
    r"""d/dp of :math:`c\,P(X \ge x) - \text{sign}\,P(X \le y)`, X ~ Bin(n, p):
    :math:`n[c\,b(x - 1; n - 1, p) + \text{sign}\,b(y; n - 1, p)]` (the second term is 0
    for y < 0 or y >= n), for 1 <= x <= n."""
    lg = math.lgamma(n)
    lx = lg - math.lgamma(x) - math.lgamma(n - x + 1.0)
    has_y = 0.0 <= y < n
    ly = lg - math.lgamma(y + 1.0) - math.lgamma(n - y) if has_y else 0.0

    def slope(p: float) -> float:
        if not 0.0 < p < 1.0:
            return 0.0   # no Newton step: the caller bisects
        lp, lq = math.log(p), math.log1p(-p)
        out = c * math.exp(lx + (x - 1.0) * lp + (n - x) * lq)
        if has_y:
            out += sign * math.exp(ly + y * lp + (n - 1.0 - y) * lq)
        return n * out

    return slope


def _s_hull_low(x: int, n: int, alpha: float, kind: str) -> float | None:
    """Scalar :func:`_hull_low_scan` (None: left to the array path)."""
    if x == 0:
        return 0.0
    xf, nf = float(x), float(n)
    shrink = (2.0 + 1e-6) if kind == "blaker" else (xf + 2.0)
    p_lo = float(betaincinv(xf, nf - xf + 1.0, alpha / shrink))
    y = _s_ystar(xf, nf, p_lo, kind)
    s = p_lo
    skipping = kind == "sterne"
    for _ in range(_MAX_SCAN):
        if skipping:
            y, s, skipping = _s_sterne_skip(y, s, xf, nf, alpha, p_lo)
        nxt = y + 1.0
        if nxt >= xf:
            e: float | None = 1.0
        elif kind == "sterne":
            e = float(_sterne_threshold(nxt, xf, nf))
        else:

            def boundary(p: float, y1: float = nxt) -> float:
                return _REL_ERR * _s_sf(xf, nf, p) - _s_cdf(y1, nf, p)

            e = _s_newton(boundary, _s_slope(xf, nf, _REL_ERR, nxt, 1.0), s, 1.0)
        if e is None:
            return None
        e = max(e, p_lo)
        s_e = _s_sf(xf, nf, e)
        if s_e + _s_cdf(y, nf, e) - alpha > 0:  # crosses alpha on this piece
            a = min(max(_s_piece_minimum(y, xf, nf), s), e)

            def g(p: float, y: float = y) -> float:
                return _s_sf(xf, nf, p) + _s_cdf(y, nf, p) - alpha

            return a if g(a) >= 0 else _s_newton(g, _s_slope(xf, nf, 1.0, y, -1.0), a, e)
        if s_e + _s_cdf(nxt, nf, e) - alpha >= 0:  # holds where the next piece starts
            return e
        s, y = e, nxt
    return None  # pragma: no cover - the general path takes over


def _scalar_limits(
    x: int, n: int, method: str, level: float, alternative: str
) -> tuple[float, float] | None:
    """Limits of one interval with ``x <= n / 2`` without arrays (None: use the array
    path).  Covers the methods whose limits are roots (:data:`_SCALAR_METHODS`); the
    caller reflects ``x > n / 2`` as :func:`_symmetric_limits` does.
    """
    two = alternative == "two-sided"
    a = (1.0 - level) / 2.0 if two else 1.0 - level
    xc = x
    low: float | None
    high: float | None
    if method == "mid-p":
        low, high = _s_midp_low(xc, n, a), _s_midp_high(xc, n, a)
    elif method == "likelihood-ratio":
        z = -float(ndtri(a))
        below, above = _s_lr_below(xc, n, z * z), _s_lr_above(xc, n, z * z)
        low, high = (below, above) if z >= 0 else (above, below)
    else:  # two-sided Blaker or Sterne (one-sided ones are Clopper-Pearson)
        if not two or 2.0 * a > 0.5:
            return None
        low = _s_hull_low(xc, n, 2.0 * a, method)
        upper = _s_hull_low(n - xc, n, 2.0 * a, method)
        high = None if upper is None else 1.0 - upper
    if low is None or high is None:
        return None
    return low, high


_SMALL = 64  # arrays up to this size take the scalar path, element by element


def _interval_limits(
    x: IntArray, n: IntArray, method: str, level: float, alternative: str
) -> tuple[FloatArray, FloatArray]:
    """Limits for flat arrays: the scalar path for a few intervals of a root-finding
    method (:data:`_SCALAR_METHODS`), the vectorised one otherwise.

    The choice depends on the size only, so an interval computed alone and the
    same interval inside a small array are the same floats.
    """
    if method not in _SCALAR_METHODS or x.size > _SMALL:
        return _symmetric_limits(x, n, method, level, alternative)
    low, high = np.empty(x.size), np.empty(x.size)
    left: list[int] = []
    done: dict[tuple[int, int], tuple[float, float]] = {}
    for i, (xi, ni) in enumerate(zip(x.tolist(), n.tolist(), strict=True)):
        key = (min(xi, ni - xi), ni)
        if key not in done:
            lim = _scalar_limits(key[0], ni, method, level, alternative)
            if lim is None:
                left.append(i)
                continue
            done[key] = lim
        lo, hi = done[key]
        low[i], high[i] = (1.0 - hi, 1.0 - lo) if key[0] < xi else (lo, hi)
    if left:
        rest = np.array(left)
        low[rest], high[rest] = _symmetric_limits(x[rest], n[rest], method, level, alternative)
    return low, high


def _as_output(arr: FloatArray, shape: tuple[int, ...]) -> Any:
    return float(arr.reshape(())) if shape == () else arr.reshape(shape)


def binomial_ci(
    x: Any,
    n: Any,
    *,
    confidence_level: float = 0.95,
    method: str = "clopper-pearson",
    alternative: str = "two-sided",
) -> ConfidenceInterval:
    r"""Confidence interval for a binomial proportion.

    Parameters
    ----------
    x : int or array_like of int
        Number of successes (responders), ``0 <= x <= n``.
    n : int or array_like of int
        Number of trials (evaluable patients), ``n >= 1``. Broadcast with `x`.
    confidence_level : float, optional
        Confidence level in (0, 1); the one-sided level when `alternative` is
        one-sided. Default 0.95.
    method : str, optional
        One of ``"clopper-pearson"`` (default), ``"mid-p"``, ``"blaker"``,
        ``"sterne"``, ``"wilson"``, ``"wilson-cc"``, ``"jeffreys"``,
        ``"agresti-coull"``, ``"wald"``, ``"likelihood-ratio"``. See Notes.
    alternative : {"two-sided", "greater", "less"}, optional
        ``"greater"`` gives a lower confidence bound ``[low, 1]``; ``"less"``
        gives an upper bound ``[0, high]`` (the scipy convention: the
        alternative hypothesis that the interval supports).

    Returns
    -------
    ConfidenceInterval
        ``low`` and ``high`` are floats for scalar input and arrays of the
        broadcast shape otherwise; always within [0, 1].

    Raises
    ------
    ValueError
        If ``x`` or ``n`` are not whole numbers with ``0 <= x <= n`` and
        ``n >= 1``, if `confidence_level` is not in (0, 1), or if `method` or
        `alternative` is not one of the allowed names (the message lists them).
        The two-sided Blaker and Sterne intervals need ``confidence_level >= 0.5``.

    See Also
    --------
    binomial_test : exact tests whose inversion gives the exact intervals.
    compare_intervals : every method side by side with its exact coverage.

    Notes
    -----
    Write :math:`\hat p = x/n`, :math:`a = (1 - \gamma)/2` for a two-sided
    interval at level :math:`\gamma` (:math:`a = 1 - \gamma` for a one-sided
    bound), :math:`z = \Phi^{-1}(1 - a)`, and :math:`I_p(\cdot, \cdot)` for the
    regularised incomplete beta function, so that
    :math:`P(X \ge x) = I_p(x, n - x + 1)`.

    ``"clopper-pearson"`` [1]_ inverts the two one-sided exact tests:
    :math:`L = I^{-1}_{a}(x, n - x + 1)`, :math:`U = I^{-1}_{1-a}(x + 1, n - x)`,
    with :math:`L = 0` at :math:`x = 0` and :math:`U = 1` at :math:`x = n`.

    ``"mid-p"`` [2]_ solves :math:`P(X > x) + \tfrac12 P(X = x) = a` for
    :math:`L` and :math:`P(X < x) + \tfrac12 P(X = x) = a` for :math:`U`; at
    :math:`x = 0`, :math:`L = 0` and :math:`U = 1 - (2a)^{1/n}`; at
    :math:`x = n`, :math:`L = (2a)^{1/n}` and :math:`U = 1`.

    ``"blaker"`` [3]_ inverts Blaker's test (see :func:`binomial_test`), whose
    p-value is the probability of outcomes whose smaller tail probability is no
    larger than the observed one. ``"sterne"`` [4]_ inverts the "minlike" test of
    R's ``binom.test``, whose p-value sums the probabilities of outcomes no more
    likely than the observed one. For both, the set of accepted :math:`p` is not
    always an interval; the limits returned are its infimum and supremum (its
    convex hull), computed exactly (not on a grid) from the piecewise structure
    of the p-value; :meth:`BinomialTestResult.confidence_set` gives the set
    itself, gaps included. Blaker's interval always lies inside Clopper-Pearson's
    [3]_; Sterne's need not. Both need ``confidence_level >= 0.5`` two-sided. For
    one-sided alternatives both reduce to the one-sided Clopper-Pearson bound (the
    one-sided exact test is the same for all three).

    ``"wilson"`` [5]_: the roots of :math:`(\hat p - p)^2 = z^2 p(1-p)/n`,

    .. math:: \frac{2x + z^2 \mp z\sqrt{z^2 + 4x(n-x)/n}}{2(n + z^2)},

    evaluated without cancellation. ``"wilson-cc"`` [2]_ (Newcombe's method 4)
    replaces :math:`x` by :math:`x - \tfrac12` in the lower and
    :math:`x + \tfrac12` in the upper limit, with :math:`L = 0` at :math:`x = 0`
    and :math:`U = 1` at :math:`x = n`.

    ``"jeffreys"`` [6]_: equal-tailed quantiles of
    :math:`\mathrm{Beta}(x + \tfrac12, n - x + \tfrac12)`, with :math:`L = 0` at
    :math:`x = 0` and :math:`U = 1` at :math:`x = n` (Brown, Cai and DasGupta's
    modification; not the highest-density interval).

    ``"agresti-coull"`` [7]_: :math:`\tilde n = n + z^2`,
    :math:`\tilde p = (x + z^2/2)/\tilde n`,
    :math:`\tilde p \pm z\sqrt{\tilde p(1 - \tilde p)/\tilde n}`, clipped to [0, 1].

    ``"wald"``: :math:`\hat p \pm z\sqrt{\hat p(1-\hat p)/n}`, clipped to [0, 1];
    degenerate (zero width) at :math:`x = 0` and :math:`x = n`. Shown for
    comparison only.

    ``"likelihood-ratio"`` [2]_: :math:`\{p : 2[\ell(\hat p) - \ell(p)] \le z^2\}`
    with :math:`\ell(p) = x\log p + (n-x)\log(1-p)`; at :math:`x = 0`,
    :math:`U = 1 - e^{-z^2/(2n)}`. The deviance is evaluated as
    :math:`2[x\,g(d/\hat p) + (n-x)\,g(-d/(1-\hat p))]` with
    :math:`d = p - \hat p` and :math:`g(u) = u - \log(1+u)` (the linear terms
    cancel exactly), so the limits stay accurate however close the level is to 0.

    Every method satisfies :math:`[L, U](x, n) = [1 - U, 1 - L](n - x, n)`;
    limits are computed once per distinct pair :math:`(\min(x, n - x), n)` and
    reflected, so the identity holds exactly. One-sided bounds use the same
    formulas with tail :math:`a = 1 - \gamma` on the requested side (so a
    ``"greater"`` bound at level :math:`\gamma` equals the lower limit of the
    two-sided interval at level :math:`2\gamma - 1` for every method except
    Blaker and Sterne). Absolute accuracy is :math:`10^{-14}` or better for every
    method and every :math:`n` up to :math:`10^6` and beyond; limits near 0
    keep a relative accuracy of about :math:`10^{-10}`, except Blaker and Sterne
    upper limits, which come from :math:`1 - L(n - x)`.

    References
    ----------
    .. [1] Clopper, C. J. and Pearson, E. S. (1934). The use of confidence or
       fiducial limits illustrated in the case of the binomial. Biometrika 26,
       404-413. https://doi.org/10.1093/biomet/26.4.404
    .. [2] Newcombe, R. G. (1998). Two-sided confidence intervals for the
       single proportion: comparison of seven methods. Statistics in Medicine
       17, 857-872.
       https://doi.org/10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E
    .. [3] Blaker, H. (2000). Confidence curves and improved exact confidence
       intervals for discrete distributions. Canadian Journal of Statistics 28,
       783-798. https://doi.org/10.2307/3315916
    .. [4] Sterne, T. E. (1954). Some remarks on confidence or fiducial limits.
       Biometrika 41, 275-278. https://doi.org/10.1093/biomet/41.1-2.275
    .. [5] Wilson, E. B. (1927). Probable inference, the law of succession, and
       statistical inference. JASA 22, 209-212.
       https://doi.org/10.1080/01621459.1927.10502953
    .. [6] Brown, L. D., Cai, T. T. and DasGupta, A. (2001). Interval
       estimation for a binomial proportion. Statistical Science 16, 101-133.
       https://doi.org/10.1214/ss/1009213286
    .. [7] Agresti, A. and Coull, B. A. (1998). Approximate is better than
       "exact" for interval estimation of binomial proportions. The American
       Statistician 52, 119-126. https://doi.org/10.1080/00031305.1998.10480550

    Examples
    --------
    >>> from thera_stats.binomial import binomial_ci
    >>> ci = binomial_ci(7, 17)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.1844, 0.6708)
    >>> ci = binomial_ci(0, 17, method="jeffreys")
    >>> ci.low, round(ci.high, 4)
    (0.0, 0.1355)
    >>> binomial_ci([0, 7, 17], 17, method="blaker").low.round(4)
    array([0.    , 0.1891, 0.8109])
    >>> round(binomial_ci(7, 17, alternative="greater").low, 4)
    0.2119
    """
    level = check_confidence_level(confidence_level)
    check_choice("method", method, INTERVAL_METHODS)
    check_alternative(alternative)
    if (method in _SCALAR_METHODS and type(x) is int and type(n) is int
            and 0 <= x <= n and n >= 1):
        # One valid interval given as Python ints: the scalar path without arrays
        # (anything else, errors included, goes through check_counts).
        lim = _scalar_limits(min(x, n - x), n, method, level, alternative)
        if lim is not None:
            lo, hi = (1.0 - lim[1], 1.0 - lim[0]) if 2 * x > n else lim
            if alternative == "greater":
                hi = 1.0
            elif alternative == "less":
                lo = 0.0
            return ConfidenceInterval(low=lo, high=hi, method=method, confidence_level=level,
                                      alternative=alternative)
    xa, na = check_counts(x, n)
    shape = xa.shape
    low, high = _interval_limits(xa.ravel(), na.ravel(), method, level, alternative)
    if alternative == "greater":
        high = np.ones_like(low)
    elif alternative == "less":
        low = np.zeros_like(high)
    return ConfidenceInterval(
        low=_as_output(low, shape),
        high=_as_output(high, shape),
        method=method,
        confidence_level=level,
        alternative=alternative,
    )


# ---------------------------------------------------------------------------
# Exact tests
# ---------------------------------------------------------------------------


def _pvalues(
    x: Any, n: int, p0: Any, alternative: str, two_sided: str
) -> tuple[FloatArray, FloatArray]:
    """Exact and mid-p p-values of the test of p = p0 (``x`` and ``p0`` broadcast, ``n`` fixed).

    Two-sided definitions: ``"central"`` doubles the smaller tail (capped at
    1); ``"minlike"`` follows R's ``binom.test`` exactly (outcomes no more
    likely than the observed one, with the relative tolerance ``1 + 1e-7``);
    ``"blaker"`` sums the outcomes whose smaller tail probability is no larger
    than the observed one (same tolerance).  The mid-p value is Lancaster's:
    the p-value minus half the probability of the outcomes that tie with the
    observed one under the test statistic.
    """
    xb, pb = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(p0, dtype=float))
    shape = xb.shape
    xs, ps = xb.ravel(), pb.ravel()
    binom = stats.binom
    d = binom.pmf(xs, n, ps)
    upper = binom.sf(xs - 1, n, ps)  # P(X >= x)
    lower = binom.cdf(xs, n, ps)  # P(X <= x)
    if alternative == "greater":
        return upper.reshape(shape), (binom.sf(xs, n, ps) + 0.5 * d).reshape(shape)
    if alternative == "less":
        return lower.reshape(shape), (binom.cdf(xs - 1, n, ps) + 0.5 * d).reshape(shape)
    if two_sided == "central":
        upper_mid = binom.sf(xs, n, ps) + 0.5 * d
        lower_mid = binom.cdf(xs - 1, n, ps) + 0.5 * d
        return (
            np.minimum(1.0, 2.0 * np.minimum(upper, lower)).reshape(shape),
            np.minimum(1.0, 2.0 * np.minimum(upper_mid, lower_mid)).reshape(shape),
        )
    y = np.arange(n + 1, dtype=float)
    pv = np.empty(xs.size)
    midp = np.empty(xs.size)
    step = max(1, 1_000_000 // (n + 1))  # keep the (pair, y) tables small
    for start in range(0, xs.size, step):
        sl = slice(start, start + step)
        xx, pp, dd = xs[sl], ps[sl], d[sl]
        # Tables over y depend on p0 only: compute them once per distinct p0.
        uniq, inv = np.unique(pp, return_inverse=True)
        pmf = binom.pmf(y, n, uniq[:, None])[inv]
        if two_sided == "minlike":
            m = n * pp
            extreme = pmf <= dd[:, None] * _REL_ERR
            below = np.sum(extreme & (y <= np.floor(m)[:, None]), axis=1)
            above = np.sum(extreme & (y >= np.ceil(m)[:, None]), axis=1)
            val = np.where(
                xx < m,
                binom.cdf(xx, n, pp) + binom.sf(n - above, n, pp),
                binom.cdf(below - 1, n, pp) + binom.sf(xx - 1, n, pp),
            )
            val = np.where(xx == m, 1.0, np.minimum(1.0, val))
            tie = extreme & (pmf * _REL_ERR >= dd[:, None])
        else:  # blaker
            cdf = binom.cdf(y, n, uniq[:, None])[inv]
            sf = binom.sf(y - 1, n, uniq[:, None])[inv]
            gamma = np.minimum(cdf, sf)
            gx = np.minimum(lower[sl], upper[sl])[:, None]
            t = gx * _REL_ERR
            y1 = np.sum(cdf <= t, axis=1) - 1  # last y with P(X <= y) <= t
            y2 = n + 1 - np.sum(sf <= t, axis=1)  # first y with P(X >= y) <= t
            val = np.where(y1 + 1 >= y2, 1.0, binom.cdf(y1, n, pp) + binom.sf(y2 - 1, n, pp))
            val = np.minimum(1.0, val)
            tie = (gamma <= t) & (gamma * _REL_ERR >= gx)
        pv[sl] = val
        midp[sl] = val - 0.5 * np.sum(np.where(tie, pmf, 0.0), axis=1)
    return pv.reshape(shape), midp.reshape(shape)


@dataclass(frozen=True, slots=True)
class BinomialTestResult:
    """Result of :func:`binomial_test`.

    Attributes
    ----------
    x, n : int
        Successes and trials.
    p0 : float
        Hypothesised proportion.
    alternative : str
        ``"greater"``, ``"less"`` or ``"two-sided"``.
    two_sided : str
        Two-sided p-value definition (used only when `alternative` is
        ``"two-sided"``): ``"minlike"``, ``"central"`` or ``"blaker"``.
    estimate : float
        ``x / n``.
    pvalue : float
        Exact p-value.
    midp_pvalue : float
        Mid-p value (Lancaster): the p-value minus half the probability of the
        outcomes that tie with the observed one.
    """

    x: int
    n: int
    p0: float
    alternative: str
    two_sided: str
    estimate: float
    pvalue: float
    midp_pvalue: float

    @property
    def interval_method(self) -> str:
        """The interval that inverts this test (the default of :meth:`confidence_interval`)."""
        if self.alternative != "two-sided":
            return "clopper-pearson"
        return _INVERTS[self.two_sided]

    def confidence_interval(
        self, confidence_level: float = 0.95, method: str | None = None
    ) -> ConfidenceInterval:
        """Confidence interval with the same `alternative` as the test.

        Parameters
        ----------
        confidence_level : float, optional
            Level in (0, 1), default 0.95.
        method : str, optional
            Any :data:`INTERVAL_METHODS` name. The default (``None``) is the
            interval that inverts this test -- Clopper-Pearson for
            ``"central"`` and one-sided tests, Sterne for ``"minlike"``, Blaker
            for ``"blaker"`` -- so that ``pvalue < 1 - confidence_level``
            exactly when ``p0`` lies outside the interval (for Blaker and
            Sterne: outside the acceptance set, whose hull is reported).

        Returns
        -------
        ConfidenceInterval
        """
        return binomial_ci(
            self.x,
            self.n,
            confidence_level=confidence_level,
            method=self.interval_method if method is None else method,
            alternative=self.alternative,
        )

    def confidence_set(self, confidence_level: float = 0.95) -> tuple[tuple[float, float], ...]:
        """Every ``p0`` this test does not reject, as disjoint closed segments.

        For one-sided and ``"central"`` tests this is the single
        Clopper-Pearson interval. For ``"minlike"`` (Sterne) and ``"blaker"``
        it can have gaps: a ``p0`` inside the hull returned by
        :meth:`confidence_interval` may still be rejected. ``pvalue < 1 -
        confidence_level`` holds exactly when ``p0`` lies outside these segments.

        Examples
        --------
        >>> from thera_stats.binomial import binomial_test
        >>> res = binomial_test(1, 30, 0.5, alternative="two-sided")
        >>> [(round(lo, 4), round(hi, 4)) for lo, hi in res.confidence_set(0.95)]
        [(0.0017, 0.1632), (0.1751, 0.1772)]
        """
        level = check_confidence_level(confidence_level)
        if self.alternative == "two-sided" and self.two_sided != "central":
            sets = _confidence_sets(
                np.array([self.x]), np.array([self.n]), level, _INVERTS[self.two_sided]
            )
            return sets[0]
        ci = self.confidence_interval(level)
        return ((float(ci.low), float(ci.high)),)

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table of the test."""
        return pd.DataFrame(
            {
                "x": [self.x],
                "n": [self.n],
                "p0": [self.p0],
                "alternative": [self.alternative],
                "two_sided": [self.two_sided],
                "estimate": [self.estimate],
                "pvalue": [self.pvalue],
                "midp_pvalue": [self.midp_pvalue],
            }
        )

    def __repr__(self) -> str:
        sided = f", two_sided={self.two_sided!r}" if self.alternative == "two-sided" else ""
        return (
            f"BinomialTestResult(x={self.x}, n={self.n}, p0={self.p0!r}, "
            f"alternative={self.alternative!r}{sided}, estimate={_NUMBER.format(self.estimate)}, "
            f"pvalue={_NUMBER.format(self.pvalue)}, midp_pvalue={_NUMBER.format(self.midp_pvalue)})"
        )

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def _scalar_count(name: str, value: Any, minimum: int) -> int:
    arr = check_integer_array(name, value, minimum=minimum)
    if arr.ndim != 0:
        raise ValueError(f"`{name}` must be a single integer; got an array of shape {arr.shape}.")
    return int(arr)


def binomial_test(
    x: int,
    n: int,
    p0: float,
    *,
    alternative: str = "greater",
    two_sided: str = "minlike",
) -> BinomialTestResult:
    r"""Exact test of a binomial proportion ``H0: p = p0``.

    Parameters
    ----------
    x : int
        Number of successes, ``0 <= x <= n``.
    n : int
        Number of trials, ``n >= 1``.
    p0 : float
        Hypothesised proportion in (0, 1).
    alternative : {"greater", "less", "two-sided"}, optional
        Alternative hypothesis. Default ``"greater"`` (the phase II question:
        is the response rate above ``p0``?).
    two_sided : {"minlike", "central", "blaker"}, optional
        Definition of the two-sided p-value (ignored for one-sided tests).
        Default ``"minlike"``, as R's ``binom.test``.

    Returns
    -------
    BinomialTestResult
        With ``estimate``, ``pvalue``, ``midp_pvalue`` and
        ``confidence_interval()``.

    Raises
    ------
    ValueError
        Invalid counts, ``p0`` outside (0, 1), or an unknown `alternative` or
        `two_sided` (the message lists the allowed names).

    See Also
    --------
    binomial_ci

    Notes
    -----
    With :math:`X \sim \mathrm{Bin}(n, p_0)` and :math:`f(y) = P(X = y)`:

    * ``"greater"``: :math:`P(X \ge x)`; ``"less"``: :math:`P(X \le x)`.
    * ``"central"``: :math:`\min\{1, 2\min[P(X \le x), P(X \ge x)]\}`.
    * ``"minlike"``: :math:`\sum_{y: f(y) \le f(x)} f(y)`, as in R's
      ``binom.test`` (including its relative tolerance :math:`10^{-7}` for ties).
    * ``"blaker"`` [1]_: with :math:`\gamma(y) = \min[P(X \le y), P(X \ge y)]`,
      :math:`\sum_{y: \gamma(y) \le \gamma(x)} f(y)` (same tolerance).

    The mid-p value [2]_ subtracts half the probability of the outcomes tying
    with :math:`x` under the test statistic (:math:`\tfrac12 f(x)` for the
    one-sided tests; twice the smaller one-sided mid-p, capped at 1, for
    ``"central"``).

    Each test has an interval that inverts it (one-sided and central:
    Clopper-Pearson; minlike: Sterne; Blaker: Blaker), which
    :meth:`BinomialTestResult.confidence_interval` returns by default, so the
    p-value and the interval never contradict each other. For ``"minlike"``
    and ``"blaker"`` the set of accepted ``p0`` can have gaps; the interval
    reported is its hull.

    References
    ----------
    .. [1] Blaker, H. (2000). Confidence curves and improved exact confidence
       intervals for discrete distributions. Canadian Journal of Statistics 28,
       783-798. https://doi.org/10.2307/3315916
    .. [2] Lancaster, H. O. (1961). Significance tests in discrete
       distributions. JASA 56, 223-234.
       https://doi.org/10.1080/01621459.1961.10482105

    Examples
    --------
    >>> from thera_stats.binomial import binomial_test
    >>> res = binomial_test(7, 17, 0.2)
    >>> round(res.pvalue, 5), round(res.midp_pvalue, 5)
    (0.03766, 0.0243)
    >>> ci = res.confidence_interval(0.95)
    >>> round(ci.low, 4), ci.high
    (0.2119, 1.0)
    >>> round(binomial_test(7, 17, 0.2, alternative="two-sided").pvalue, 5)
    0.06018
    """
    xi = _scalar_count("x", x, 0)
    ni = _scalar_count("n", n, 1)
    if xi > ni:
        raise ValueError(f"`x` ({xi!r}) must not exceed `n` ({ni!r}).")
    p = check_open_unit("p0", p0)
    check_alternative(alternative)
    check_choice("two_sided", two_sided, TWO_SIDED_METHODS)
    pv, midp = _pvalues(xi, ni, p, alternative, two_sided)
    return BinomialTestResult(
        x=xi,
        n=ni,
        p0=p,
        alternative=alternative,
        two_sided=two_sided,
        estimate=xi / ni,
        pvalue=float(pv),
        midp_pvalue=float(midp),
    )


# ---------------------------------------------------------------------------
# Exact coverage
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class IntervalCoverage:
    """Exact coverage and expected width of an interval method at true ``p``.

    Attributes
    ----------
    n : int
        Number of trials.
    p : float or ndarray
        True proportion(s).
    coverage : float or ndarray
        :math:`\\sum_x P(X = x) \\, 1[L(x) \\le p \\le U(x)]`.
    expected_width : float or ndarray
        :math:`\\sum_x P(X = x) [U(x) - L(x)]`, computed when first read (it costs
        several times the coverage) and kept.
    method, confidence_level, alternative
        As passed to :func:`binomial_ci`.
    """

    n: int
    p: Any
    coverage: Any
    method: str
    confidence_level: float
    alternative: str
    _low: FloatArray = field(repr=False, compare=False)
    _high: FloatArray = field(repr=False, compare=False)
    _cache: dict[str, Any] = field(default_factory=dict, repr=False, compare=False)

    @property
    def expected_width(self) -> Any:
        """Expected width at each ``p`` (float for scalar ``p``), computed once on demand."""
        if "width" not in self._cache:
            pa = np.asarray(self.p, dtype=float)
            width = _expected_width(self.n, pa.ravel(), self._low, self._high)
            self._cache["width"] = _as_output(width, pa.shape)
        return self._cache["width"]

    def to_frame(self) -> pd.DataFrame:
        """Tidy table, one row per true ``p``."""
        p = np.atleast_1d(self.p)
        return pd.DataFrame(
            {
                "method": self.method,
                "n": self.n,
                "confidence_level": self.confidence_level,
                "alternative": self.alternative,
                "p": p,
                "coverage": np.atleast_1d(self.coverage),
                "expected_width": np.atleast_1d(self.expected_width),
            }
        )

    def __repr__(self) -> str:
        if np.ndim(self.p) == 0:
            body = (
                f"p={self.p!r}, coverage={_NUMBER.format(self.coverage)}, "
                f"expected_width={_NUMBER.format(self.expected_width)}"
            )
        else:
            cov = np.asarray(self.coverage)
            body = f"p=<{np.size(self.p)} values>, coverage in [{cov.min():.4g}, {cov.max():.4g}]"
        return (
            f"IntervalCoverage(method={self.method!r}, n={self.n}, "
            f"confidence_level={self.confidence_level!r}, alternative={self.alternative!r}, {body})"
        )

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def _all_limits(
    n: int, method: str, level: float, alternative: str
) -> tuple[FloatArray, FloatArray]:
    xs = np.arange(n + 1, dtype=np.int64)
    ci = binomial_ci(xs, n, confidence_level=level, method=method, alternative=alternative)
    return np.asarray(ci.low, dtype=float), np.asarray(ci.high, dtype=float)


def _weighted(
    n: int, p: FloatArray, low: FloatArray, high: FloatArray, mode: str = "closed"
) -> tuple[FloatArray, FloatArray]:
    """Coverage (with the given boundary rule) and expected width at each ``p``."""
    y = np.arange(n + 1, dtype=float)
    cov = np.empty(p.size)
    width = np.empty(p.size)
    step = max(1, 2_000_000 // (n + 1))
    for start in range(0, p.size, step):
        pp = p[start : start + step, None]
        pmf = stats.binom.pmf(y, n, pp)
        if mode == "left":  # limit as p increases to pp
            inside = (low < pp) & (pp <= high)
        elif mode == "right":  # limit as p decreases to pp
            inside = (low <= pp) & (pp < high)
        else:
            inside = (low <= pp) & (pp <= high)
        cov[start : start + step] = np.sum(np.where(inside, pmf, 0.0), axis=1)
        width[start : start + step] = pmf @ (high - low)
    return cov, width


def _coverage_direct(
    n: int, p: FloatArray, low: FloatArray, high: FloatArray, mode: str = "closed"
) -> FloatArray:
    """Coverage at each ``p`` as the finite sum over every outcome (the general path)."""
    return _weighted(n, p, low, high, mode)[0]


def _coverage(
    n: int, p: FloatArray, low: FloatArray, high: FloatArray, mode: str = "closed"
) -> FloatArray:
    """Coverage at each ``p`` from the run of covering outcomes (two tails per p).

    With ``low`` and ``high`` non-decreasing in x the outcomes whose interval
    covers p are the run ``x_lo(p) <= x <= x_hi(p)``, ``x_hi`` the last x with
    ``low(x) <= p`` and ``x_lo`` the first with ``high(x) >= p`` (strict
    inequalities for the one-sided limits ``mode="left"`` / ``"right"``), so the
    coverage is ``1 - P(X < x_lo) - P(X > x_hi)``.  Where rounding makes a limit
    decrease by an ulp the run may miss an outcome for p between the two
    values; those p are summed directly.
    """
    x_hi = np.searchsorted(low, p, side="left" if mode == "left" else "right") - 1
    x_lo = np.searchsorted(high, p, side="right" if mode == "right" else "left")
    xl, xh = x_lo.astype(float), x_hi.astype(float)
    cov = 1.0 - _cdf_le(xl - 1.0, float(n), p) - _sf_ge(xh + 1.0, float(n), p)
    cov = np.where(x_lo <= x_hi, np.clip(cov, 0.0, 1.0), 0.0)
    odd = np.zeros(p.shape, dtype=bool)
    for lim in (low, high):
        for i in np.flatnonzero(np.diff(lim) < 0):  # not a run near these p
            odd |= (p >= lim[i + 1]) & (p <= lim[i])
    if np.any(odd):
        cov[odd] = _coverage_direct(n, p[odd], low, high, mode)
    return np.asarray(cov, dtype=float)


def _expected_width(n: int, p: FloatArray, low: FloatArray, high: FloatArray) -> FloatArray:
    r"""Expected width :math:`\sum_x b(x; n, p) [U(x) - L(x)]` at each ``p``.

    Only the outcomes within the Hoeffding bound :math:`|x - np| \le h`,
    :math:`h = \sqrt{n \log(10^{19}) / 2}`, are summed (the rest carry
    probability below :math:`2 \cdot 10^{-19}`); their probabilities come from
    the log of the one at the mode by the ratios
    :math:`b(x + 1)/b(x) = \frac{n - x}{x + 1} \frac{p}{1 - p}`.
    """
    width = high - low
    half = math.ceil(math.sqrt(n * math.log(1e19) / 2.0)) + 1
    k = 2 * half + 1
    inner = (p > 0.0) & (p < 1.0)
    out = np.where(p <= 0.0, width[0], width[-1])
    if k >= n + 1 or not np.any(inner):
        if np.any(inner):
            out[inner] = _weighted(n, p[inner], low, high)[1]
        return np.asarray(out, dtype=float)
    pi = p[inner]
    start = np.clip(np.floor(n * pi).astype(np.int64) - half, 0, n + 1 - k)
    xs = np.arange(n + 1, dtype=float)
    log_ratio = np.log((n - xs[:-1]) / (xs[:-1] + 1.0))  # log b(x+1)/b(x) without the p part
    result = np.empty(pi.size)
    step = max(1, 4_000_000 // k)
    for lo in range(0, pi.size, step):
        sl = slice(lo, lo + step)
        pp, a = pi[sl], start[sl]
        cols = a[:, None] + np.arange(k - 1)
        logs = log_ratio[cols] + (np.log(pp) - np.log1p(-pp))[:, None]
        # Anchored at the mode (never underflows): log b(a + j) = log b(m) + c_j - c_{m-a}.
        mode = np.clip(np.floor((n + 1) * pp).astype(np.int64), a, a + k - 1)
        cum = np.concatenate([np.zeros((pp.size, 1)), np.cumsum(logs, axis=1)], axis=1)
        anchor = np.log(_binom_pmf(mode.astype(float), float(n), pp))
        anchor = anchor - np.take_along_axis(cum, (mode - a)[:, None], axis=1)[:, 0]
        pmf = np.exp(cum + anchor[:, None])
        result[sl] = np.sum(pmf * width[a[:, None] + np.arange(k)], axis=1)
    out[inner] = result
    return np.asarray(out, dtype=float)

def interval_coverage(
    n: int,
    p: Any,
    *,
    method: str = "clopper-pearson",
    confidence_level: float = 0.95,
    alternative: str = "two-sided",
) -> IntervalCoverage:
    r"""Exact coverage probability and expected width of an interval method.

    Parameters
    ----------
    n : int
        Number of trials.
    p : float or array_like
        True proportion(s) in [0, 1].
    method, confidence_level, alternative
        As in :func:`binomial_ci`.

    Returns
    -------
    IntervalCoverage
        ``coverage`` and ``expected_width`` (floats for scalar `p`, arrays
        otherwise; the width is summed only when first read) and ``.to_frame()``.

    Notes
    -----
    Finite sums over the :math:`n + 1` possible outcomes, no simulation:

    .. math::

        C(p) = \sum_{x=0}^{n} \binom{n}{x} p^x (1-p)^{n-x}\,
               1[L(x) \le p \le U(x)], \qquad
        W(p) = \sum_{x=0}^{n} \binom{n}{x} p^x (1-p)^{n-x}\, [U(x) - L(x)].

    For Blaker and Sterne the hull of the confidence set is used. Coverage
    as a function of :math:`p` is discontinuous at every limit and, for
    approximate methods, oscillates far below the nominal level at some
    :math:`p` even for large :math:`n` [1]_.

    References
    ----------
    .. [1] Brown, L. D., Cai, T. T. and DasGupta, A. (2001). Interval
       estimation for a binomial proportion. Statistical Science 16(2),
       101-133. https://doi.org/10.1214/ss/1009213286

    Examples
    --------
    >>> from thera_stats.binomial import interval_coverage
    >>> cov = interval_coverage(17, [0.2, 0.5])
    >>> cov.coverage.round(4)
    array([0.9665, 0.951 ])
    >>> round(interval_coverage(17, 0.2, method="wald").coverage, 4)
    0.8708
    """
    ni = _scalar_count("n", n, 1)
    level = check_confidence_level(confidence_level)
    check_choice("method", method, INTERVAL_METHODS)
    check_alternative(alternative)
    pa = check_closed_unit_array("p", p)
    low, high = _all_limits(ni, method, level, alternative)
    cov = _coverage(ni, pa.ravel(), low, high)
    return IntervalCoverage(
        n=ni,
        p=_as_output(pa.ravel(), pa.shape),
        coverage=_as_output(cov, pa.shape),
        method=method,
        confidence_level=level,
        alternative=alternative,
        _low=low,
        _high=high,
    )


def _min_coverage(n: int, low: FloatArray, high: FloatArray, grid: int = 2001) -> float:
    """Infimum of the coverage over 0 < p < 1.

    Between consecutive interval limits the set of covering outcomes is
    fixed, and when it is a run of consecutive counts (true whenever both
    limits increase with x) the coverage is unimodal there, so its infimum is
    one of the one-sided limits at the interval limits; a uniform grid guards
    the other cases.
    """
    points = np.unique(np.concatenate([low, high, [0.0, 1.0]]))
    points = points[(points >= 0.0) & (points <= 1.0)]
    inner = points[(points > 0.0) & (points < 1.0)]
    values = [
        _coverage(n, points[points < 1.0], low, high, "right"),
        _coverage(n, points[points > 0.0], low, high, "left"),
        _coverage(n, inner, low, high, "closed"),
        _coverage(n, np.linspace(0.0, 1.0, grid)[1:-1], low, high, "closed"),
    ]
    return float(min(v.min() for v in values if v.size))


def _mean_coverage(n: int, low: FloatArray, high: FloatArray) -> float:
    # The integral over p of P(X = x) on [L, U] is (I_U - I_L) / (n + 1).
    xs = np.arange(n + 1, dtype=float)
    a, b = xs + 1.0, n - xs + 1.0
    return float(np.sum(betainc(a, b, high) - betainc(a, b, low)) / (n + 1))


def compare_intervals(
    x: int,
    n: int,
    *,
    confidence_level: float = 0.95,
    methods: Sequence[str] | None = None,
    alternative: str = "two-sided",
) -> pd.DataFrame:
    r"""Every interval method side by side, with its exact coverage for this ``n``.

    Parameters
    ----------
    x, n : int
        Successes and trials.
    confidence_level : float, optional
        Default 0.95.
    methods : sequence of str, optional
        Interval methods to compare (default: all of :data:`INTERVAL_METHODS`).
    alternative : {"two-sided", "greater", "less"}, optional

    Returns
    -------
    DataFrame
        One row per method with columns ``method``, ``x``, ``n``,
        ``confidence_level``, ``alternative``, ``estimate``, ``low``, ``high``,
        ``width``, ``min_coverage`` (infimum over :math:`0 < p < 1` of the exact
        coverage) and ``mean_coverage`` (average over :math:`p \sim U(0, 1)`).

    Notes
    -----
    The mean coverage has the closed form
    :math:`\frac{1}{n+1}\sum_x [I_{U(x)}(x+1, n-x+1) - I_{L(x)}(x+1, n-x+1)]`.
    The minimum coverage is evaluated at every discontinuity of the coverage
    function (each interval limit, approached from both sides) and on a
    uniform grid; the cost grows as :math:`n^2`. Minimum and mean coverage are
    the two summaries used by Brown, Cai and DasGupta [1]_ and Newcombe [2]_
    to compare binomial intervals.

    References
    ----------
    .. [1] Brown, L. D., Cai, T. T. and DasGupta, A. (2001). Interval
       estimation for a binomial proportion. Statistical Science 16(2),
       101-133. https://doi.org/10.1214/ss/1009213286
    .. [2] Newcombe, R. G. (1998). Two-sided confidence intervals for the
       single proportion: comparison of seven methods. Statistics in Medicine
       17, 857-872.
       https://doi.org/10.1002/(SICI)1097-0258(19980430)17:8<857::AID-SIM777>3.0.CO;2-E

    Examples
    --------
    >>> from thera_stats.binomial import compare_intervals
    >>> tab = compare_intervals(7, 17, methods=["clopper-pearson", "wilson"])
    >>> tab[["method", "low", "high", "min_coverage"]].round(4)
                method     low    high  min_coverage
    0  clopper-pearson  0.1844  0.6708        0.9510
    1           wilson  0.2161  0.6399        0.8363
    """
    xi = _scalar_count("x", x, 0)
    ni = _scalar_count("n", n, 1)
    if xi > ni:
        raise ValueError(f"`x` ({xi!r}) must not exceed `n` ({ni!r}).")
    level = check_confidence_level(confidence_level)
    check_alternative(alternative)
    chosen = INTERVAL_METHODS if methods is None else tuple(methods)
    if isinstance(methods, str):
        raise TypeError(f"`methods` ({methods!r}) must be a sequence of method names.")
    rows = []
    for method in chosen:
        check_choice("method", method, INTERVAL_METHODS)
        low, high = _all_limits(ni, method, level, alternative)
        rows.append(
            {
                "method": method,
                "x": xi,
                "n": ni,
                "confidence_level": level,
                "alternative": alternative,
                "estimate": xi / ni,
                "low": low[xi],
                "high": high[xi],
                "width": high[xi] - low[xi],
                "min_coverage": _min_coverage(ni, low, high),
                "mean_coverage": _mean_coverage(ni, low, high),
            }
        )
    return pd.DataFrame(rows)


# ---------------------------------------------------------------------------
# Bayesian reading
# ---------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class BetaPosterior:
    """Beta posterior of a response rate (result of :func:`beta_posterior`).

    Attributes
    ----------
    x, n : int
        Data.
    prior_a, prior_b : float
        Beta prior parameters.
    a, b : float
        Posterior parameters ``prior_a + x`` and ``prior_b + n - x``.
    mean : float
        Posterior mean ``a / (a + b)``.
    low, high : float
        Equal-tailed credible interval at `credible_level`.
    credible_level : float
    p0 : float or None
        Threshold passed to :func:`beta_posterior`, if any.
    prob_greater_p0 : float or None
        ``P(p > p0 | data)`` when `p0` was given.
    """

    x: int
    n: int
    prior_a: float
    prior_b: float
    a: float
    b: float
    mean: float
    low: float
    high: float
    credible_level: float
    p0: float | None = None
    prob_greater_p0: float | None = None

    def prob_greater(self, p0: Any) -> Any:
        """Posterior probability that the response rate exceeds ``p0`` (vectorised)."""
        arr = check_closed_unit_array("p0", p0)
        out = stats.beta.sf(arr, self.a, self.b)
        return float(out) if np.ndim(out) == 0 else out

    def interval(self, credible_level: float = 0.95) -> ConfidenceInterval:
        """Equal-tailed credible interval at another level."""
        level = check_open_unit("credible_level", credible_level)
        low, high = _beta_interval(self.a, self.b, level)
        return ConfidenceInterval(
            low=low,
            high=high,
            method="beta-posterior",
            confidence_level=level,
            alternative="two-sided",
        )

    def to_frame(self) -> pd.DataFrame:
        """One-row tidy table."""
        return pd.DataFrame(
            {
                "x": [self.x],
                "n": [self.n],
                "prior_a": [self.prior_a],
                "prior_b": [self.prior_b],
                "a": [self.a],
                "b": [self.b],
                "mean": [self.mean],
                "low": [self.low],
                "high": [self.high],
                "credible_level": [self.credible_level],
                "p0": [self.p0],
                "prob_greater_p0": [self.prob_greater_p0],
            }
        )

    def __repr__(self) -> str:
        tail = (
            ""
            if self.p0 is None or self.prob_greater_p0 is None
            else f", P(p > {self.p0!r})={_NUMBER.format(self.prob_greater_p0)}"
        )
        return (
            f"BetaPosterior(x={self.x}, n={self.n}, prior=({self.prior_a!r}, {self.prior_b!r}), "
            f"mean={_NUMBER.format(self.mean)}, {self.credible_level:.0%} interval="
            f"[{_NUMBER.format(self.low)}, {_NUMBER.format(self.high)}]{tail})"
        )

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def _beta_interval(a: float, b: float, level: float) -> tuple[float, float]:
    tail = (1.0 - level) / 2.0
    return float(betaincinv(a, b, tail)), float(betainccinv(a, b, tail))


def beta_posterior(
    x: int,
    n: int,
    *,
    prior: tuple[float, float] = (0.5, 0.5),
    credible_level: float = 0.95,
    p0: float | None = None,
) -> BetaPosterior:
    r"""Conjugate Beta posterior for the response rate.

    Parameters
    ----------
    x, n : int
        Responders and evaluable patients.
    prior : (float, float), optional
        Beta prior parameters ``(a, b)``, both positive. Default ``(0.5, 0.5)``
        (Jeffreys); ``(1, 1)`` is the uniform prior.
    credible_level : float, optional
        Level of the equal-tailed credible interval. Default 0.95.
    p0 : float, optional
        If given, ``P(p > p0 | data)`` is stored as ``prob_greater_p0``. Any
        other threshold is available afterwards from ``.prob_greater(p0)``.

    Returns
    -------
    BetaPosterior

    Notes
    -----
    With prior :math:`\mathrm{Beta}(a_0, b_0)` the posterior is
    :math:`\mathrm{Beta}(a_0 + x, b_0 + n - x)` [1]_. Its mean is
    :math:`(a_0 + x)/(a_0 + b_0 + n)`; the credible interval has
    :math:`(1 - \gamma)/2` posterior probability in each tail, and
    :math:`P(p > p_0) = 1 - I_{p_0}(a_0 + x, b_0 + n - x)`. With the Jeffreys
    prior the credible interval equals the ``"jeffreys"`` confidence interval
    of :func:`binomial_ci` except at :math:`x = 0` and :math:`x = n`, where
    the latter is set to 0 and 1.

    References
    ----------
    .. [1] Gelman, A. et al. (2013). Bayesian Data Analysis, 3rd ed., section
       2.4. Chapman & Hall/CRC. https://doi.org/10.1201/b16018

    Examples
    --------
    >>> from thera_stats.binomial import beta_posterior
    >>> post = beta_posterior(7, 17, prior=(1, 1), p0=0.2)
    >>> round(post.mean, 4), round(post.low, 4), round(post.high, 4)
    (0.4211, 0.2153, 0.6425)
    >>> round(post.prob_greater_p0, 4)
    0.9837
    """
    xi = _scalar_count("x", x, 0)
    ni = _scalar_count("n", n, 1)
    if xi > ni:
        raise ValueError(f"`x` ({xi!r}) must not exceed `n` ({ni!r}).")
    try:
        pa, pb = (float(v) for v in prior)
    except (TypeError, ValueError):
        raise TypeError(f"`prior` ({prior!r}) must be a pair of positive numbers (a, b).") from None
    if not (np.isfinite(pa) and np.isfinite(pb) and pa > 0 and pb > 0):
        raise ValueError(f"`prior` ({prior!r}) must be a pair of positive, finite numbers.")
    level = check_open_unit("credible_level", credible_level)
    a, b = pa + xi, pb + ni - xi
    low, high = _beta_interval(a, b, level)
    prob = None
    threshold = None
    if p0 is not None:
        threshold = check_open_unit("p0", p0)
        prob = float(stats.beta.sf(threshold, a, b))
    return BetaPosterior(
        x=xi,
        n=ni,
        prior_a=pa,
        prior_b=pb,
        a=a,
        b=b,
        mean=a / (a + b),
        low=low,
        high=high,
        credible_level=level,
        p0=threshold,
        prob_greater_p0=prob,
    )
