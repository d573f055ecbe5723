"""One-sample location: the t summary, the Wilcoxon signed-rank test and the Hodges-Lehmann median.

The statistical core under :mod:`thera_stats.score`: functions of one array of
numbers (paired differences, changes from baseline), with no notion of
patients, days or columns.

- :func:`one_sample_t`: mean, standard deviation and R's ``t.test(x)``
  interval and p-value;
- :func:`wilcoxon_signed_rank`: R's ``wilcox.test(x, conf.int = TRUE)``, the
  exact and normal branches with R's pseudo-median estimate and interval;
- :func:`walsh_median`: the Hodges-Lehmann estimate, the median of the Walsh
  averages.

The methods page ``docs/methods/score.md`` gives the formulas and references.
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from thera_stats import _distributions as stats
from thera_stats._checks import check_confidence_level
from thera_stats._results import ConfidenceInterval

__all__ = [
    "OneSampleTResult",
    "SignedRankResult",
    "one_sample_t",
    "walsh_median",
    "wilcoxon_signed_rank",
]

FloatArray = npt.NDArray[np.float64]

_DBL_EPS = float(np.finfo(float).eps)
_DBL_MAX = float(np.finfo(float).max)


# =========================================================================== input
def _float_values(name: str, x: Any) -> FloatArray:
    """``x`` as a flat float array, or a TypeError naming ``name`` and quoting the bad values.

    Real numbers (not booleans) are accepted; None, NaN and ``pd.NA`` become NaN
    (missing). Anything else, such as a string, even ``"1.5"``, is an error.
    """
    if isinstance(x, str | bytes):
        raise TypeError(f"`{name}` must be an array of numbers; got the string {x!r}.")
    dtype = getattr(x, "dtype", None)
    if isinstance(x, np.ndarray | pd.Series | pd.Index) and isinstance(dtype, np.dtype) and (
        dtype.kind in "iuf"
    ):
        return np.asarray(x, dtype=float).ravel()
    try:
        flat = np.asarray(x, dtype=object).ravel()
    except (TypeError, ValueError) as err:  # e.g. a ragged nested sequence
        raise TypeError(
            f"`{name}` must be a flat array of numbers; got {type(x).__name__} {x!r} ({err})."
        ) from None
    out = np.empty(flat.size, dtype=float)
    bad: list[str] = []
    for i, v in enumerate(flat.tolist()):
        if v is None or v is pd.NA:
            out[i] = math.nan
        elif isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
            bad.append(f"{v!r} ({type(v).__name__}) at position {i}")
        else:
            out[i] = float(v)
    if bad:
        shown = "; ".join(bad[:5]) + (f"; and {len(bad) - 5} more" if len(bad) > 5 else "")
        raise TypeError(
            f"`{name}` must contain only numbers (NaN or None for a missing value); "
            f"got {shown}."
        )
    return out



def _finite_values(name: str, x: Any) -> FloatArray:
    """``x`` as a flat float array without missing values; infinite values are an error."""
    arr = _float_values(name, x)
    infinite = np.flatnonzero(np.isinf(arr))
    if infinite.size:
        shown = ", ".join(f"{float(arr[i])!r} at position {i}" for i in infinite[:5].tolist())
        raise ValueError(f"`{name}` must be finite; got {shown}.")
    return arr[~np.isnan(arr)]


# =========================================================================== signed-rank test
@dataclass(frozen=True, slots=True)
class SignedRankResult:
    """Result of :func:`wilcoxon_signed_rank`.

    Attributes
    ----------
    statistic : float
        V, the sum of the ranks of the positive values (R's ``V``).
    pvalue : float
        Two-sided p-value.
    method : str
        ``"exact"`` (permutation distribution) or ``"normal"`` (normal
        approximation with continuity and tie corrections).
    estimate : float
        R's ``(pseudo)median`` estimate: in the exact branch the median of the
        Walsh averages (the Hodges-Lehmann estimate); in the normal branch the
        root of the standardized statistic without continuity correction,
        which need not equal the median of the Walsh averages.
    confidence_interval : ConfidenceInterval
        Interval for the pseudo-median; its ``confidence_level`` is the level
        actually used, lower than requested when that is not achievable.
    n : int
        Number of non-zero values used.
    n_zeros : int
        Number of zeros dropped.
    """

    statistic: float
    pvalue: float
    method: str
    estimate: float
    confidence_interval: ConfidenceInterval
    n: int
    n_zeros: int

    def to_frame(self) -> pd.DataFrame:
        """A one-row tidy table of the result."""
        ci = self.confidence_interval
        return pd.DataFrame(
            {
                "n": [self.n], "n_zeros": [self.n_zeros], "statistic": [self.statistic],
                "pvalue": [self.pvalue], "method": [self.method], "estimate": [self.estimate],
                "ci_low": [ci.low], "ci_high": [ci.high],
                "confidence_level": [ci.confidence_level],
            }
        )


def _signrank_counts(n: int) -> FloatArray:
    """Number of sign assignments giving each value 0..n(n+1)/2 of V.

    Held in doubles, as R does: exact integers while they stay below 2**53 (n < 50
    and beyond), correctly rounded counts otherwise.
    """
    counts = np.zeros(n * (n + 1) // 2 + 1, dtype=np.float64)
    counts[0] = 1
    for k in range(1, n + 1):
        counts[k:] = counts[k:] + counts[:-k]
    return counts


def _psignrank_lower(q: int, counts: FloatArray, n: int) -> float:
    """P(V <= q), summed in floating point in the same order as R's ``psignrank``."""
    total = n * (n + 1) / 2
    if q < 0:
        return 0.0
    if q >= total:
        return 1.0
    f = math.exp(-n * math.log(2.0))
    p = 0.0
    if q <= total / 2:
        for i in range(q + 1):
            p += float(counts[i]) * f
        return p
    for i in range(int(total - q)):
        p += float(counts[i]) * f
    return 1.0 - p


def _qsignrank(prob: float, counts: FloatArray, n: int) -> int:
    """Smallest q with P(V <= q) >= prob (R's ``qsignrank`` for prob <= 0.5)."""
    f = math.exp(-n * math.log(2.0))
    target = prob - 10 * _DBL_EPS
    p = 0.0
    q = 0
    while True:
        p += float(counts[q]) * f
        if p >= target:
            return q
        q += 1


def _signif(x: float, digits: int) -> float:
    """R's ``signif`` (decimal exponent from the binary exponent, round half to even)."""
    if x == 0 or not math.isfinite(x):
        return x
    sign = -1.0 if x < 0 else 1.0
    x = abs(x)
    logb = math.frexp(x)[1] - 1
    l10x = math.log10(2.0) * (0.5 + logb)
    e10 = digits - 1 - math.floor(l10x)
    if e10 > 0:
        p10 = 10.0**e10
        return sign * (round(x * p10) / p10)
    p10 = 10.0 ** (-e10)
    return sign * (round(x / p10) * p10)


def _r_median(x: FloatArray) -> float:
    s = np.sort(x)
    m = len(s)
    if m % 2:
        return float(s[m // 2])
    return float((s[m // 2 - 1] + s[m // 2]) / 2)


def _div(num: float, den: float) -> float:
    """IEEE division without numpy warnings (x/0 -> +-inf, 0/0 -> nan)."""
    if den != 0:
        return num / den
    if num == 0 or math.isnan(num):
        return math.nan
    return math.copysign(math.inf, num) * (1.0 if math.copysign(1.0, den) > 0 else -1.0)


def _average_ranks(a: FloatArray) -> FloatArray:
    """Ranks 1..n of ``a``, ties given their average rank (``scipy.stats.rankdata``'s default).

    Written out because the root searches of the signed-rank interval rank the
    data hundreds of times, and ``rankdata``'s checks cost more than the ranking.
    """
    n = a.size
    if n == 0:
        return np.empty(0)
    order = np.argsort(a, kind="mergesort")
    ordered = a[order]
    first = np.empty(n, dtype=bool)
    first[0] = True
    np.not_equal(ordered[1:], ordered[:-1], out=first[1:])
    starts = np.flatnonzero(first)
    ends = np.append(starts[1:], n)
    ranks = np.empty(n)
    ranks[order] = ((starts + ends + 1) / 2.0)[np.cumsum(first) - 1]
    return ranks


def _sigma(n: int, ranks: FloatArray) -> float:
    _, ties = np.unique(ranks, return_counts=True)
    ties_f = ties.astype(float)
    var = (n * (n + 1) * (2 * n + 1)) / 24 - float(np.sum(ties_f**3 - ties_f)) / 48
    return math.sqrt(var) if var > 0 else 0.0


def _standardized_v(d: float, x: FloatArray, correct: bool, shift: float = 0.0) -> float:
    """R's internal ``W(d)`` minus ``shift``: the standardized signed-rank statistic of ``x - d``.

    The root searches of the normal branch look for ``W(d) = shift``, ``shift``
    being a normal quantile for the interval and 0 for the estimate.
    """
    xd = x - d
    xd = xd[xd != 0]
    nx = len(xd)
    ranks = _average_ranks(np.abs(xd))
    zd = float(np.sum(ranks[xd > 0])) - nx * (nx + 1) / 4
    sigma = _sigma(nx, ranks)
    correction = (math.copysign(0.5, zd) if zd != 0 else 0.0) if correct else 0.0
    return _div(zd - correction, sigma) - shift


def _clip_to_double(v: float) -> float:
    """``v`` with an infinite value replaced by the largest double (as R's ``uniroot``)."""
    if math.isfinite(v):
        return v
    return -_DBL_MAX if v == -math.inf else _DBL_MAX


def _zeroin(
    f: Callable[..., float],
    lower: float,
    upper: float,
    f_lower: float,
    f_upper: float,
    tol: float,
    args: tuple[Any, ...] = (),
    maxiter: int = 1000,
) -> float:
    """Root of ``f(t, *args)`` in ``[lower, upper]`` by Brent's method, as R's ``uniroot``.

    Bisection safeguarded by linear (secant) or inverse quadratic interpolation
    (Brent 1973; Forsythe, Malcolm and Moler 1977). ``b`` is the best estimate,
    ``a`` the previous one and ``c`` the point bracketing the root with ``b``.
    Reproducing R's iterates matters because the signed-rank statistic is a step
    function: its "root" is only determined to within ``tol``.
    """
    a, b, fa, fb = lower, upper, f_lower, f_upper
    if fa == 0.0:
        return a
    if fb == 0.0:
        return b
    c, fc = a, fa
    for _ in range(maxiter + 1):
        previous = b - a
        if abs(fc) < abs(fb):
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol_act = 2 * _DBL_EPS * abs(b) + tol / 2
        step = (c - b) / 2
        if abs(step) <= tol_act or fb == 0.0:
            return b
        if abs(previous) >= tol_act and abs(fa) > abs(fb):
            cb = c - b
            if a == c:
                t1 = fb / fa
                p = cb * t1
                q = 1.0 - t1
            else:
                qa = fa / fc
                t1 = fb / fc
                t2 = fb / fa
                p = t2 * (cb * qa * (qa - t1) - (b - a) * (t1 - 1.0))
                q = (qa - 1.0) * (t1 - 1.0) * (t2 - 1.0)
            if p > 0:
                q = -q
            else:
                p = -p
            if p < (0.75 * cb * q - abs(tol_act * q) / 2) and p < abs(previous * q / 2):
                step = p / q
        if abs(step) < tol_act:
            step = tol_act if step > 0 else -tol_act
        a, fa = b, fb
        b += step
        fb = _clip_to_double(f(b, *args))
        if (fb > 0 and fc > 0) or (fb < 0 and fc < 0):
            c, fc = a, fa
    return b


def wilcoxon_signed_rank(
    x: Any,
    *,
    confidence_level: float = 0.95,
    exact: bool | None = None,
    correct: bool = True,
    tol_root: float = 1e-4,
) -> SignedRankResult:
    """Wilcoxon signed-rank test of a zero (pseudo-)median, with R's estimate and interval.

    Reproduces R's ``wilcox.test(x, conf.int = TRUE)`` (equivalently
    ``wilcox.test(after, before, paired = TRUE, conf.int = TRUE)`` on
    ``x = after - before``), two-sided, including its choices of branch,
    corrections and interval.

    Parameters
    ----------
    x : array_like
        Paired differences (real numbers). Missing values (NaN, None,
        ``pd.NA``) are dropped; zeros are dropped before ranking (Wilcoxon's
        convention, as in R).
    confidence_level : float, default 0.95
        Level of the interval for the pseudo-median.
    exact : bool, optional
        Use the exact permutation distribution. By default (``None``) it is used
        when fewer than 50 non-zero values remain; it is never used when there
        are ties or zeros.
    correct : bool, default True
        Continuity correction of the normal approximation.
    tol_root : float, default 1e-4
        Tolerance of the root search of the normal-approximation interval and
        estimate (R's ``tol.root``).

    Returns
    -------
    SignedRankResult

    See Also
    --------
    walsh_median : the Hodges-Lehmann estimate.
    one_sample_t : the t test of the same hypothesis on the mean.

    Raises
    ------
    TypeError
        ``x`` holds something other than real numbers (a string, even
        ``"1.5"``, or a boolean); the message names ``x`` and quotes each bad
        value with its position.
    ValueError
        ``x`` holds an infinite value (quoted) or no non-missing value, or an
        option is invalid.

    Notes
    -----
    With :math:`n` non-zero differences, ranks :math:`R_i` of :math:`|x_i|` and
    :math:`V = \\sum_{x_i > 0} R_i`, the exact branch uses the permutation
    distribution of :math:`V`; the two-sided p-value doubles the smaller tail.
    The interval is :math:`[W_{(k)}, W_{(M + 1 - k)}]` from the ordered Walsh
    averages :math:`W = (x_i + x_j)/2,\\ i \\le j`, :math:`M = n(n+1)/2`,
    :math:`k` the :math:`\\alpha/2` quantile of :math:`V` (at least 1), and
    the estimate is their median [2]_ [3]_.

    The normal branch uses
    :math:`z = (V - n(n+1)/4 - \\tfrac12\\operatorname{sign}) / \\sigma`,
    :math:`\\sigma^2 = n(n+1)(2n+1)/24 - \\sum (t^3 - t)/48` over tie groups
    :math:`t`. Its interval is found, as in R, by a root search of the
    standardized statistic of :math:`x - d` over :math:`d` (with the continuity
    correction), and the estimate by a root search without it; both search the
    non-zero values only. That root is R's ``(pseudo)median``; it need not be
    the Hodges-Lehmann estimate (the median of the Walsh averages),
    :func:`walsh_median`. See the methods page for the quirks this reproduces.

    The function is a thin wrapper: ``_wilcoxon_check`` validates and types the
    arguments, ``_wilcoxon_core`` picks the branch, and ``_wilcoxon_exact`` and
    ``_wilcoxon_normal`` compute it.

    References
    ----------
    .. [1] Wilcoxon F. Individual comparisons by ranking methods. Biometrics
       Bulletin 1945;1:80-83. doi:10.2307/3001968
    .. [2] Hodges JL, Lehmann EL. Estimates of location based on rank tests.
       Ann Math Stat 1963;34:598-611. doi:10.1214/aoms/1177704172
    .. [3] Bauer DF. Constructing confidence sets using rank statistics.
       J Am Stat Assoc 1972;67:687-690. doi:10.1080/01621459.1972.10481279

    Examples
    --------
    >>> from thera_stats.location import wilcoxon_signed_rank
    >>> res = wilcoxon_signed_rank([-31.5, -12, -40, 3, -22, -8.5, -27])
    >>> res.method, res.statistic, round(res.pvalue, 6)
    ('exact', 1.0, 0.03125)
    >>> res.estimate, res.confidence_interval.low, res.confidence_interval.high
    (-19.75, -33.5, -4.5)
    """
    arr, conf, exact, correct, tol = _wilcoxon_check(x, confidence_level, exact, correct, tol_root)
    return _wilcoxon_core(arr, conf, exact, correct, tol)


def _wilcoxon_check(
    x: Any, confidence_level: Any, exact: Any, correct: Any, tol_root: Any
) -> tuple[FloatArray, float, bool | None, bool, float]:
    """Validate the arguments of :func:`wilcoxon_signed_rank`; return them typed, NaN dropped."""
    conf = check_confidence_level(confidence_level)
    if exact is not None and not isinstance(exact, bool | np.bool_):
        raise TypeError(f"`exact` ({exact!r}) must be True, False or None.")
    if not isinstance(correct, bool | np.bool_):
        raise TypeError(f"`correct` ({correct!r}) must be True or False.")
    arr = _finite_values("x", x)
    if arr.size == 0:
        raise ValueError("`x` has no non-missing values.")
    if isinstance(tol_root, bool | np.bool_) or not (
        isinstance(tol_root, float | int) and tol_root > 0
    ):
        raise ValueError(f"`tol_root` ({tol_root!r}) must be a positive number.")
    return arr, conf, None if exact is None else bool(exact), bool(correct), float(tol_root)


def _wilcoxon_core(
    arr: FloatArray, conf: float, exact: bool | None, correct: bool, tol: float
) -> SignedRankResult:
    """The test on a clean array (finite, no NaN, at least one value): picks the branch."""
    nonzero = arr[arr != 0]
    n_zeros = int(arr.size - nonzero.size)
    n = int(nonzero.size)
    use_exact = (n < 50) if exact is None else exact
    ranks = _average_ranks(np.abs(nonzero))
    v = float(np.sum(ranks[nonzero > 0]))
    ties = len(np.unique(ranks)) != n
    if use_exact and not ties and n_zeros == 0:
        return _wilcoxon_exact(nonzero, v, conf)
    return _wilcoxon_normal(nonzero, n_zeros, ranks, v, conf, correct, tol)


def _wilcoxon_exact(nonzero: FloatArray, v: float, conf: float) -> SignedRankResult:
    """Exact branch: permutation distribution of V, interval from the ordered Walsh averages."""
    n = int(nonzero.size)
    alpha = 1 - conf
    counts = _signrank_counts(n)
    vi = round(v)
    total = n * (n + 1) // 2
    if v > n * (n + 1) / 4:
        tail = float(np.sum(counts[vi:])) / 2.0**n  # P(V >= v)
    else:
        tail = float(np.sum(counts[: vi + 1])) / 2.0**n  # P(V <= v)
    pvalue = min(2 * tail, 1.0)
    walsh = _walsh_averages(nonzero)
    qu = _qsignrank(alpha / 2, counts, n)
    if qu == 0:
        qu = 1
    ql = total - qu
    achieved = 2 * _psignrank_lower(qu - 1, counts, n)
    level = conf
    if achieved - alpha > alpha / 2:
        level = 1 - _signif(achieved, 2)
    ci = ConfidenceInterval(
        float(walsh[qu - 1]), float(walsh[ql]), method="exact signed-rank inversion",
        confidence_level=level,
    )
    return SignedRankResult(v, pvalue, "exact", _r_median(walsh), ci, n, 0)


def _wilcoxon_normal(
    nonzero: FloatArray,
    n_zeros: int,
    ranks: FloatArray,
    v: float,
    conf: float,
    correct: bool,
    tol: float,
) -> SignedRankResult:
    """Normal approximation with tie and continuity corrections; R's root-searched interval."""
    n = int(nonzero.size)
    alpha = 1 - conf
    sigma = _sigma(n, ranks)
    z = v - n * (n + 1) / 4
    correction = (math.copysign(0.5, z) if z != 0 else 0.0) if correct else 0.0
    zc = _div(z - correction, sigma)
    pvalue = (
        2 * min(float(stats.norm.cdf(zc)), float(stats.norm.sf(zc)))
        if not math.isnan(zc) else math.nan
    )
    method_ci = "normal signed-rank inversion"
    if n == 0:
        ci = ConfidenceInterval(math.nan, math.nan, method=method_ci, confidence_level=0.0)
        return SignedRankResult(v, pvalue, "normal", math.nan, ci, n, n_zeros)
    lo_x, hi_x = float(nonzero.min()), float(nonzero.max())
    w_lo = _standardized_v(lo_x, nonzero, correct)
    w_hi = _standardized_v(hi_x, nonzero, correct) if math.isfinite(w_lo) else math.nan
    if not math.isfinite(w_hi):
        ci = ConfidenceInterval(math.nan, math.nan, method=method_ci, confidence_level=0.0)
        return SignedRankResult(v, pvalue, "normal", (lo_x + hi_x) / 2, ci, n, n_zeros)

    # Widen alpha until the interval's quantiles are inside [W(max), W(min)], as R does.
    a = alpha
    while w_lo - stats.norm.isf(a / 2) < 0 or w_hi - stats.norm.ppf(a / 2) > 0:
        a *= 2
    level = conf
    if a >= 1 or 1 - conf < a * 0.75:
        level = 1 - min(1.0, a)
    if a < 1:
        low, high = (
            _zeroin(_standardized_v, lo_x, hi_x, w_lo - zq, w_hi - zq, tol,
                    args=(nonzero, correct, zq))
            for zq in (float(stats.norm.isf(a / 2)), float(stats.norm.ppf(a / 2)))
        )
    else:
        low = high = _r_median(nonzero)
    ci = ConfidenceInterval(low, high, method=method_ci, confidence_level=level)
    estimate = _zeroin(
        _standardized_v, lo_x, hi_x, _standardized_v(lo_x, nonzero, False),
        _standardized_v(hi_x, nonzero, False), tol, args=(nonzero, False),
    )
    return SignedRankResult(v, pvalue, "normal", estimate, ci, n, n_zeros)


# =========================================================================== Hodges-Lehmann
def _walsh_averages(x: FloatArray) -> FloatArray:
    """The sorted Walsh averages ``(x_i + x_j) / 2``, ``i <= j``."""
    n = len(x)
    walsh = np.add.outer(x, x)[np.triu_indices(n)]
    return np.sort(walsh) / 2


def _walsh_median_core(x: FloatArray) -> float:
    nonzero = x[x != 0]
    if len(nonzero) == 0:
        return math.nan
    return _r_median(_walsh_averages(nonzero))


def walsh_median(x: Any) -> float:
    """Hodges-Lehmann estimate: the median of the Walsh averages of the non-zero values.

    Parameters
    ----------
    x : array_like
        Real numbers, typically paired differences. Missing values (NaN, None,
        ``pd.NA``) are dropped, and so are zeros (see Notes).

    Returns
    -------
    float
        The median of :math:`(x_i + x_j)/2,\\ i \\le j`, over the non-zero
        values; NaN when no non-zero value remains.

    Raises
    ------
    TypeError
        ``x`` holds something other than real numbers (quoted with its position).
    ValueError
        ``x`` holds an infinite value.

    Notes
    -----
    This is the estimate that inverts the signed-rank test [1]_, and R's
    ``wilcox.test(x, conf.int = TRUE)`` estimate in the exact branch. Zeros
    are dropped first, as the signed-rank test drops them before ranking, so
    this equals :attr:`SignedRankResult.estimate` whenever the exact branch is
    used. In the normal branch R reports instead a root of the standardized
    statistic, which can differ (see :func:`wilcoxon_signed_rank`).

    References
    ----------
    .. [1] Hodges JL, Lehmann EL. Estimates of location based on rank tests.
       Ann Math Stat 1963;34:598-611. doi:10.1214/aoms/1177704172

    Examples
    --------
    >>> from thera_stats.location import walsh_median
    >>> walsh_median([-31.5, -12, -40, 3, -22, -8.5, -27])
    -19.75
    >>> walsh_median([0.0, 0.0])
    nan
    """
    return _walsh_median_core(_finite_values("x", x))


# =========================================================================== t
@dataclass(frozen=True, slots=True)
class OneSampleTResult:
    """Result of :func:`one_sample_t`.

    Attributes
    ----------
    estimate : float
        The mean (NaN without values).
    sd : float
        Sample standard deviation (``n - 1`` denominator; NaN when ``n < 2``).
    se : float
        Standard error ``sd / sqrt(n)`` (NaN when ``n < 2``; 0 for constant data).
    n : int
        Number of non-missing values.
    df : float
        Degrees of freedom ``n - 1`` (NaN when ``n < 2``).
    statistic : float
        :math:`t = \\bar x / (s / \\sqrt n)` for the null mean 0.
    pvalue : float
        Two-sided p-value.
    confidence_interval : ConfidenceInterval
        Two-sided t interval of the mean.

    ``statistic``, ``pvalue`` and the interval are NaN when ``n < 2`` or the
    data are (essentially) constant, where R's ``t.test`` stops with an error.
    """

    estimate: float
    sd: float
    se: float
    n: int
    df: float
    statistic: float
    pvalue: float
    confidence_interval: ConfidenceInterval

    def to_frame(self) -> pd.DataFrame:
        """A one-row tidy table of the result."""
        ci = self.confidence_interval
        return pd.DataFrame(
            {
                "n": [self.n], "estimate": [self.estimate], "sd": [self.sd], "se": [self.se],
                "df": [self.df], "statistic": [self.statistic], "pvalue": [self.pvalue],
                "ci_low": [ci.low], "ci_high": [ci.high],
                "confidence_level": [ci.confidence_level],
            }
        )


def _t_core(x: FloatArray, conf: float) -> OneSampleTResult:
    """The t summary of a clean, sorted array (finite, no NaN), as R's ``t.test``."""
    n = len(x)
    nan_ci = ConfidenceInterval(math.nan, math.nan, method="t", confidence_level=conf)
    mean = float(np.mean(x)) if n else math.nan
    if n < 2:
        return OneSampleTResult(mean, math.nan, math.nan, n, math.nan, math.nan, math.nan, nan_ci)
    var = float(np.var(x, ddof=1))
    se = math.sqrt(var / n)
    df = n - 1
    if se < 10 * _DBL_EPS * abs(mean) or se == 0:
        return OneSampleTResult(mean, math.sqrt(var), se, n, float(df), math.nan, math.nan, nan_ci)
    t = mean / se
    pvalue = float(2 * stats.t.cdf(-abs(t), df))
    q = float(stats.t.ppf(1 - (1 - conf) / 2, df))
    ci = ConfidenceInterval((t - q) * se, (t + q) * se, method="t", confidence_level=conf)
    return OneSampleTResult(mean, math.sqrt(var), se, n, float(df), t, pvalue, ci)


def one_sample_t(x: Any, *, confidence_level: float = 0.95) -> OneSampleTResult:
    """One-sample t test of a zero mean with its confidence interval, as R's ``t.test(x)``.

    Parameters
    ----------
    x : array_like
        Real numbers (paired differences for a paired t test). Missing values
        (NaN, None, ``pd.NA``) are dropped.
    confidence_level : float, default 0.95
        Level of the two-sided interval.

    Returns
    -------
    OneSampleTResult
        ``estimate, sd, se, n, df, statistic, pvalue, confidence_interval``;
        the test quantities are NaN with fewer than two values or constant
        data (see Notes).

    Raises
    ------
    TypeError
        ``x`` holds something other than real numbers.
    ValueError
        ``x`` holds an infinite value, or ``confidence_level`` is not in (0, 1).

    Notes
    -----
    With mean :math:`\\bar x`, standard deviation :math:`s` and
    :math:`se = s/\\sqrt n`, :math:`t = \\bar x / se` on :math:`n - 1`
    degrees of freedom, the p-value is :math:`2 F_{n-1}(-|t|)` and the interval
    :math:`(t \\mp t_{1-\\alpha/2,\\,n-1})\\, se` [1]_, computed as R does. The
    values are sorted first, so the result does not depend on their order.
    When :math:`se < 10\\,\\varepsilon\\,|\\bar x|` (or 0) R stops with "data
    are essentially constant"; here ``statistic``, ``pvalue`` and the interval
    are NaN instead.

    References
    ----------
    .. [1] Student. The probable error of a mean. Biometrika 1908;6:1-25.
       doi:10.1093/biomet/6.1.1

    Examples
    --------
    >>> from thera_stats.location import one_sample_t
    >>> res = one_sample_t([-31.5, -12, -40, 3, -22, -8.5, -27])
    >>> round(res.estimate, 4), res.n, round(res.pvalue, 6)
    (-19.7143, 7, 0.012367)
    >>> ci = res.confidence_interval
    >>> round(ci.low, 4), round(ci.high, 4)
    (-33.3795, -6.049)
    """
    conf = check_confidence_level(confidence_level)
    return _t_core(np.sort(_finite_values("x", x)), conf)
