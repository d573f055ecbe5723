"""Pain visual analogue scale (VAS) analyses: change from baseline, paired tests, responders.

Every function takes a tidy long table (one row per patient and assessment day)
plus the names of its columns, and returns a **new** DataFrame; the caller's
table is never modified. Rows are paired by patient, never by row order.

The functions:

- :func:`change_from_baseline`: baseline, change and percentage change of every
  observed assessment;
- :func:`summarize_change`: per-day descriptive statistics, paired t interval,
  Wilcoxon signed-rank test with R's pseudo-median estimate and interval, as R
  computes them, and the Hodges-Lehmann estimate (median of the Walsh averages)
  (:func:`wilcoxon_signed_rank` is the test on an array);
- :func:`responder_flags`, :func:`responder_rates`, :func:`responder_curve`:
  responder status per patient and day, responder proportions with exact
  Clopper-Pearson intervals, and the cumulative proportion of responders;
- :func:`vas_auc`: per-patient area under the VAS curve (trapezoid rule);
- :func:`missing_data_sensitivity`: mean change on the primary day under
  observed cases, LOCF, BOCF and the MMRM.

The methods page ``docs/methods/vas.md`` gives the formulas and references.
"""

from __future__ import annotations

import bisect
import math
import numbers
from collections.abc import Callable
from dataclasses import dataclass
from fractions import Fraction
from typing import Any, NoReturn

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from thera_stats._checks import check_choice, check_confidence_level
from thera_stats._results import ConfidenceInterval
from thera_stats.errors import DataValidationError, is_blank, problem

__all__ = [
    "SignedRankResult",
    "change_from_baseline",
    "missing_data_sensitivity",
    "responder_curve",
    "responder_flags",
    "responder_rates",
    "summarize_change",
    "summarize_vas",
    "vas_auc",
    "wilcoxon_signed_rank",
]

FloatArray = npt.NDArray[np.float64]

#: Derived columns written by :func:`change_from_baseline` (names never change).
BASELINE = "baseline_mm"
CHANGE = "change_mm"
PCT_CHANGE = "pct_change"

_MISSING_RULES = ("non-responder", "exclude")
_DBL_EPS = float(np.finfo(float).eps)
_DBL_MAX = float(np.finfo(float).max)


# =========================================================================== validation
def _raise(problems: list[dict[str, Any]], table: str) -> NoReturn:
    raise DataValidationError(problems, context=f"{table} table")


def _fmt_day(day: Any) -> str:
    try:
        f = float(day)
    except (TypeError, ValueError):
        return str(day)
    return f"{f:g}"


def _clean_long_table(
    frame: Any,
    *,
    table: str,
    subject: str,
    day: str,
    value: str,
    vas_range: bool,
    baseline_day: int | None,
) -> pd.DataFrame:
    """Check a long (patient, day, value) table; return a typed copy or raise.

    Every problem is collected before raising one :class:`DataValidationError`.
    Rows are reported as spreadsheet line numbers (header = line 1), which are
    the CSV line numbers when the table was read from a file in order. A missing
    value (NaN) is a missed assessment, not an error; such rows are dropped from
    the returned copy.
    """
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`{table}` must be a pandas DataFrame; got {type(frame).__name__}.")
    for name, col in (("subject", subject), ("day", day), ("value", value)):
        if not isinstance(col, str):
            raise TypeError(f"`{name}` ({col!r}) must be a column name (str).")
    problems: list[dict[str, Any]] = []
    absent = [c for c in dict.fromkeys((subject, day, value)) if c not in frame.columns]
    for col in absent:
        problems.append(
            problem(table, f"required column {col!r} is missing", column=col)
        )
    if absent:
        _raise(problems, table)
    if len(frame) == 0:
        _raise([problem(table, "the table has no rows")], table)

    pids = frame[subject].tolist()
    raw_days = frame[day].tolist()
    raw_vals = frame[value].tolist()
    days = pd.to_numeric(frame[day], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    vals = pd.to_numeric(frame[value], errors="coerce").to_numpy(dtype=float, na_value=np.nan)
    day_ok = np.zeros(len(frame), dtype=bool)
    unit = "mm" if vas_range else ""
    for i, (pid, d_raw, v_raw) in enumerate(zip(pids, raw_days, raw_vals, strict=True)):
        row = i + 2
        if is_blank(pid):
            problems.append(
                problem(table, "patient identifier is missing", row=row, column=subject)
            )
        d = days[i]
        where = f"patient {pid}" if not is_blank(pid) else "this row"
        if is_blank(d_raw):
            problems.append(
                problem(table, "day is missing", row=row, patient_id=pid, column=day)
            )
        elif isinstance(d_raw, bool | np.bool_) or not math.isfinite(d) or d != round(d):
            problems.append(
                problem(
                    table, "day must be a whole number of days", row=row, patient_id=pid,
                    column=day, value=d_raw,
                )
            )
        elif d < 0:
            problems.append(
                problem(
                    table, "day must not be negative (day 0 is baseline)", row=row,
                    patient_id=pid, column=day, value=d_raw,
                )
            )
        else:
            day_ok[i] = True
        on_day = f"day {_fmt_day(d)}" if day_ok[i] else "an invalid day"
        v = vals[i]
        if is_blank(v_raw):
            continue
        if isinstance(v_raw, bool | np.bool_) or math.isnan(v):
            problems.append(
                problem(
                    table, f"{value} must be a number{' in ' + unit if unit else ''} "
                    f"({where}, {on_day}); use a point as decimal mark",
                    row=row, patient_id=pid, column=value, value=v_raw,
                )
            )
        elif not math.isfinite(v):
            problems.append(
                problem(
                    table, f"{value} must be finite ({where}, {on_day})", row=row,
                    patient_id=pid, column=value, value=v_raw,
                )
            )
        elif vas_range and not (0.0 <= v <= 100.0):
            problems.append(
                problem(
                    table, f"pain VAS must be between 0 and 100 mm ({where}, {on_day})",
                    row=row, patient_id=pid, column=value, value=v_raw,
                )
            )

    keyed = pd.DataFrame({"pid": pids, "day": days})
    usable = day_ok & ~keyed["pid"].map(is_blank).to_numpy(dtype=bool)
    dup = keyed.duplicated(keep=False).to_numpy(dtype=bool) & usable
    if dup.any():
        groups: dict[tuple[Any, float], list[int]] = {}
        for j in np.flatnonzero(dup).tolist():
            groups.setdefault((pids[j], days[j]), []).append(j + 2)
        for (pid, d), rows in groups.items():
            for row in rows:
                others = ", ".join(str(r) for r in rows if r != row)
                problems.append(
                    problem(
                        table, f"(patient, day) must be unique: patient {pid} has "
                        f"{len(rows)} rows for day {_fmt_day(d)} (also row(s) {others})",
                        row=row, patient_id=pid, column=day, value=_fmt_day(d),
                    )
                )

    if baseline_day is not None:
        has_base: set[Any] = set()
        for i, pid in enumerate(pids):
            if usable[i] and days[i] == baseline_day and not is_blank(raw_vals[i]):
                has_base.add(pid)
        seen: set[Any] = set()
        for pid in pids:
            if is_blank(pid) or pid in seen:
                continue
            seen.add(pid)
            if pid not in has_base:
                problems.append(
                    problem(
                        table, f"patient {pid} has no baseline VAS (day {baseline_day}): "
                        "change from baseline cannot be computed", patient_id=pid,
                        column=value,
                    )
                )

    if problems:
        _raise(problems, table)

    out = frame.copy()
    out[day] = days.astype(np.int64)
    out[value] = vals
    return out.loc[~np.isnan(vals)].reset_index(drop=True)


def _check_day_arg(name: str, value: Any) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"`{name}` ({value!r}) must be an integer day.")
    return int(value)


def _sort_key(values: pd.Series) -> pd.Series:
    """Sort key for patient identifiers of any (possibly mixed) type."""
    try:
        sorted(values.dropna().unique().tolist())
    except TypeError:
        return values.astype(str)
    return values


def _sorted(frame: pd.DataFrame, subject: str, day: str) -> pd.DataFrame:
    return (
        frame.sort_values(
            [subject, day], kind="stable", key=lambda s: _sort_key(s) if s.name == subject else s
        )
        .reset_index(drop=True)
    )


def _exact(x: float) -> Fraction:
    """The decimal number a float displays as (``45.3`` -> ``453/10``), as a Fraction."""
    return Fraction(repr(float(x)))


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


# =========================================================================== change from baseline
def change_from_baseline(
    vas: pd.DataFrame,
    *,
    baseline_day: int = 0,
    subject: str = "patient_id",
    day: str = "day",
    value: str = "vas_mm",
) -> pd.DataFrame:
    """Change of pain VAS from each patient's baseline.

    Parameters
    ----------
    vas : DataFrame
        Long table, one row per patient and assessment day. A missing value
        (NaN) is a missed assessment and is dropped.
    baseline_day : int, default 0
        The day whose value is the baseline.
    subject, day, value : str
        Column names of the patient identifier, the day and the VAS (mm).

    Returns
    -------
    DataFrame
        The observed rows, sorted by patient and day, with the columns
        ``subject``, ``day``, ``value``, ``baseline_mm``, ``change_mm``
        (value - baseline; negative means less pain) and ``pct_change``
        (100 * change / baseline; NaN when the baseline is 0), followed by any
        other columns of ``vas``. The baseline-day rows are kept (change 0).

    Raises
    ------
    DataValidationError
        Listing every problem at once: missing columns, VAS outside 0-100 mm
        or not a number, a missing, negative or fractional day, a duplicate
        (patient, day) and a patient without a baseline value.

    Notes
    -----
    Each row is matched to its baseline by patient identifier, never by row
    position. Values are taken as the decimals they display as (``45.3`` is
    453/10), so the change is the correctly rounded exact difference: two
    changes that are equal in decimal arithmetic are equal floats, and ties are
    recognised by the rank tests.

    The change is reported both in mm and as a percentage of baseline because
    the clinical importance of a reduction in pain intensity is judged on both
    scales: about 30 % (or 2 points on a 0-10 scale) marks a moderately
    important and 50 % a substantial improvement [1]_ [2]_.

    References
    ----------
    .. [1] Farrar JT, Young JP Jr, LaMoreaux L, Werth JL, Poole RM. Clinical
       importance of changes in chronic pain intensity measured on an 11-point
       numerical pain rating scale. Pain 2001;94:149-158.
       doi:10.1016/S0304-3959(01)00349-9
    .. [2] Dworkin RH, Turk DC, Wyrwich KW, et al. Interpreting the clinical
       importance of treatment outcomes in chronic pain clinical trials: IMMPACT
       recommendations. J Pain 2008;9:105-121. doi:10.1016/j.jpain.2007.09.005

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.vas import change_from_baseline
    >>> vas = pd.DataFrame({"patient_id": ["B", "A", "A", "B"], "day": [8, 0, 8, 0],
    ...                     "vas_mm": [35.0, 80.0, 40.0, 70.0]})
    >>> change_from_baseline(vas)
      patient_id  day  vas_mm  baseline_mm  change_mm  pct_change
    0          A    0    80.0         80.0        0.0    0.000000
    1          A    8    40.0         80.0      -40.0  -50.000000
    2          B    0    70.0         70.0        0.0    0.000000
    3          B    8    35.0         70.0      -35.0  -50.000000
    """
    baseline_day = _check_day_arg("baseline_day", baseline_day)
    clean = _clean_long_table(
        vas, table="vas", subject=subject, day=day, value=value, vas_range=True,
        baseline_day=baseline_day,
    )
    derived = [c for c in (BASELINE, CHANGE, PCT_CHANGE) if c not in (subject, day, value)]
    clean = clean.drop(columns=[c for c in derived if c in clean.columns])
    base = clean.loc[clean[day] == baseline_day, [subject, value]]
    base_of = dict(zip(base[subject].tolist(), base[value].tolist(), strict=True))
    baseline = clean[subject].map(base_of).to_numpy(dtype=float)
    change = np.empty(len(clean))
    pct = np.empty(len(clean))
    for i, (v, b) in enumerate(zip(clean[value].to_numpy(dtype=float), baseline, strict=True)):
        diff = _exact(v) - _exact(b)
        change[i] = float(diff)
        pct[i] = float(100 * diff / _exact(b)) if b != 0 else np.nan
    out = clean.loc[:, [subject, day, value]].copy()
    out[BASELINE] = baseline
    out[CHANGE] = change
    out[PCT_CHANGE] = pct
    rest = [c for c in clean.columns if c not in out.columns]
    out = pd.concat([out, clean.loc[:, rest]], axis=1)
    return _sorted(out, subject, day)


# =========================================================================== signed-rank core
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


def _sigma(n: int, ranks: FloatArray) -> float:
    _, ties = np.unique(ranks, return_counts=True)
    ties_f = ties.astype(float)
    var = (n * (n + 1) * (2 * n + 1)) / 24 - float(np.sum(ties_f**3 - ties_f)) / 48
    return math.sqrt(var) if var > 0 else 0.0


def _standardized_v(x: FloatArray, d: float, correct: bool) -> float:
    """R's internal ``W(d)``: the standardized signed-rank statistic of ``x - d``."""
    xd = x - d
    xd = xd[xd != 0]
    nx = len(xd)
    ranks = stats.rankdata(np.abs(xd))
    zd = float(np.sum(ranks[xd > 0])) - nx * (nx + 1) / 4
    sigma = _sigma(nx, ranks)
    correction = (math.copysign(0.5, zd) if zd != 0 else 0.0) if correct else 0.0
    return _div(zd - correction, sigma)


def _zeroin(
    f: Callable[[float], float],
    lower: float,
    upper: float,
    f_lower: float,
    f_upper: float,
    tol: float,
    maxiter: int = 1000,
) -> float:
    """Root of ``f`` in ``[lower, upper]`` by Brent's method, step for step as R's ``uniroot``.

    Bisection safeguarded by linear (secant) or inverse quadratic interpolation
    (Brent 1973; Forsythe, Malcolm and Moler 1977). ``b`` is the best estimate,
    ``a`` the previous one and ``c`` the point bracketing the root with ``b``.
    Reproducing R's iterates matters because the signed-rank statistic is a step
    function: its "root" is only determined to within ``tol``.
    """

    def g(t: float) -> float:
        v = f(t)
        if math.isfinite(v):
            return v
        return -_DBL_MAX if v == -math.inf else _DBL_MAX

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
        fb = g(b)
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
    the Hodges-Lehmann estimate (the median of the Walsh averages), which
    :func:`summarize_change` reports separately as ``walsh_median``. See the
    methods page for the quirks this reproduces.

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
    >>> from thera_stats.vas import wilcoxon_signed_rank
    >>> res = wilcoxon_signed_rank([-31.5, -12, -40, 3, -22, -8.5, -27])
    >>> res.method, res.statistic, round(res.pvalue, 6)
    ('exact', 1.0, 0.03125)
    >>> res.estimate, res.confidence_interval.low, res.confidence_interval.high
    (-19.75, -33.5, -4.5)
    """
    conf = check_confidence_level(confidence_level)
    if exact is not None and not isinstance(exact, bool | np.bool_):
        raise TypeError(f"`exact` ({exact!r}) must be True, False or None.")
    arr = _float_values("x", x)
    infinite = np.flatnonzero(np.isinf(arr))
    if infinite.size:
        shown = ", ".join(f"{float(arr[i])!r} at position {i}" for i in infinite[:5].tolist())
        raise ValueError(f"`x` must be finite; got {shown}.")
    arr = arr[~np.isnan(arr)]
    if arr.size == 0:
        raise ValueError("`x` has no non-missing values.")
    if not (isinstance(tol_root, float | int) and tol_root > 0):
        raise ValueError(f"`tol_root` ({tol_root!r}) must be a positive number.")
    nonzero = arr[arr != 0]
    n_zeros = int(arr.size - nonzero.size)
    n = int(nonzero.size)
    use_exact = (n < 50) if exact is None else bool(exact)
    ranks = stats.rankdata(np.abs(nonzero))
    v = float(np.sum(ranks[nonzero > 0]))
    ties = len(np.unique(ranks)) != n
    alpha = 1 - conf

    if use_exact and not ties and n_zeros == 0:
        counts = _signrank_counts(n)
        vi = round(v)
        total = n * (n + 1) // 2
        if v > n * (n + 1) / 4:
            tail = float(np.sum(counts[vi:])) / 2.0**n  # P(V >= v)
        else:
            tail = float(np.sum(counts[: vi + 1])) / 2.0**n  # P(V <= v)
        pvalue = min(2 * tail, 1.0)
        walsh = np.add.outer(nonzero, nonzero)[np.triu_indices(n)]
        walsh = np.sort(walsh) / 2
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
        return SignedRankResult(v, pvalue, "exact", _r_median(walsh), ci, n, n_zeros)

    # ---- normal approximation with tie and continuity corrections
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

    def w_corr(d: float) -> float:
        return _standardized_v(nonzero, d, correct)

    w_lo = w_corr(lo_x)
    w_hi = w_corr(hi_x) if math.isfinite(w_lo) else math.nan
    if not math.isfinite(w_hi):
        ci = ConfidenceInterval(math.nan, math.nan, method=method_ci, confidence_level=0.0)
        return SignedRankResult(v, pvalue, "normal", (lo_x + hi_x) / 2, ci, n, n_zeros)

    a = alpha
    while True:
        if w_lo - stats.norm.isf(a / 2) < 0 or w_hi - stats.norm.ppf(a / 2) > 0:
            a *= 2
        else:
            break
    level = conf
    if a >= 1 or 1 - conf < a * 0.75:
        level = 1 - min(1.0, a)
    if a < 1:
        bounds = []
        for zq in (float(stats.norm.isf(a / 2)), float(stats.norm.ppf(a / 2))):

            def shifted(d: float, zq: float = zq) -> float:
                return w_corr(d) - zq

            bounds.append(_zeroin(shifted, lo_x, hi_x, w_lo - zq, w_hi - zq, float(tol_root)))
        low, high = bounds
    else:
        low = high = _r_median(nonzero)
    ci = ConfidenceInterval(low, high, method=method_ci, confidence_level=level)

    def w_plain(d: float) -> float:
        return _standardized_v(nonzero, d, False)

    estimate = _zeroin(w_plain, lo_x, hi_x, w_plain(lo_x), w_plain(hi_x), float(tol_root))
    return SignedRankResult(v, pvalue, "normal", estimate, ci, n, n_zeros)


def _walsh_median(x: FloatArray) -> float:
    """Median of the Walsh averages of the non-zero values of ``x`` (NaN if there are none)."""
    nonzero = x[x != 0]
    n = len(nonzero)
    if n == 0:
        return math.nan
    walsh = np.add.outer(nonzero, nonzero)[np.triu_indices(n)] / 2
    return _r_median(walsh)


def _t_summary(x: FloatArray, conf: float) -> tuple[float, float, float, float]:
    """One-sample t: (ci_low, ci_high, t, pvalue) as R's ``t.test``; NaN when undefined."""
    n = len(x)
    if n < 2:
        return (math.nan,) * 4
    mean = float(np.mean(x))
    se = math.sqrt(float(np.var(x, ddof=1)) / n)
    if se < 10 * _DBL_EPS * abs(mean) or se == 0:
        return (math.nan,) * 4
    t = mean / se
    df = n - 1
    pvalue = float(2 * stats.t.cdf(-abs(t), df))
    q = float(stats.t.ppf(1 - (1 - conf) / 2, df))
    return (t - q) * se, (t + q) * se, t, pvalue


# =========================================================================== per-day summary
def summarize_vas(
    vas: pd.DataFrame,
    *,
    confidence_level: float = 0.95,
    subject: str = "patient_id",
    day: str = "day",
    value: str = "vas_mm",
) -> pd.DataFrame:
    """Mean pain VAS by day, baseline included, with its one-sample t interval.

    Parameters
    ----------
    vas : DataFrame
        Long VAS table, one row per patient and assessment day (missing
        values are missed assessments and are dropped).
    confidence_level : float, default 0.95
        Level of the t interval of each day's mean.
    subject, day, value : str
        Column names.

    Returns
    -------
    DataFrame
        One row per day: ``day, n, mean, sd, ci_low, ci_high``, the interval
        being R's ``t.test(x)$conf.int`` [1]_ (NaN with fewer than two values or
        no spread). ``attrs["confidence_level"]`` holds the level.

    References
    ----------
    .. [1] Student. The probable error of a mean. Biometrika 1908;6:1-25.
       doi:10.1093/biomet/6.1.1

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.vas import summarize_vas
    >>> vas = pd.DataFrame({"patient_id": list("ABCD"), "day": 0, "vas_mm": [60, 70, 80, 90]})
    >>> summarize_vas(vas).round(2)
       day  n  mean    sd  ci_low  ci_high
    0    0  4  75.0  12.91   54.46    95.54
    """
    conf = check_confidence_level(confidence_level)
    clean = _clean_long_table(
        vas, table="vas", subject=subject, day=day, value=value, vas_range=True,
        baseline_day=None,
    )
    rows = []
    for d in sorted(clean[day].unique().tolist()):
        x = clean.loc[clean[day] == d, value].to_numpy(dtype=float)
        low, high, _, _ = _t_summary(x, conf)
        rows.append({
            "day": int(d), "n": len(x), "mean": float(np.mean(x)),
            "sd": float(np.std(x, ddof=1)) if len(x) > 1 else math.nan,
            "ci_low": low, "ci_high": high,
        })
    out = pd.DataFrame(rows, columns=["day", "n", "mean", "sd", "ci_low", "ci_high"])
    out.attrs["confidence_level"] = conf
    return out


_SUMMARY_COLUMNS = [
    "day", "n", "mean_change", "sd_change", "median_change", "q1", "q3", "min", "max",
    "mean_change_ci_low", "mean_change_ci_high", "t_statistic", "t_pvalue",
    "wilcoxon_statistic", "wilcoxon_pvalue", "wilcoxon_method", "hl_estimate", "hl_ci_low",
    "hl_ci_high", "hl_confidence_level", "walsh_median",
]


def summarize_change(
    changes: pd.DataFrame,
    *,
    confidence_level: float = 0.95,
    baseline_day: int = 0,
    subject: str = "patient_id",
    day: str = "day",
    value: str = CHANGE,
) -> pd.DataFrame:
    """Per-day summary of change from baseline with paired t and Wilcoxon signed-rank tests.

    Parameters
    ----------
    changes : DataFrame
        Output of :func:`change_from_baseline` (or any long table with one
        change per patient and day).
    confidence_level : float, default 0.95
        Level of the t interval of the mean and of the signed-rank interval of
        the pseudo-median.
    baseline_day : int, default 0
        Rows of this day (change 0 by construction) are left out.
    subject, day, value : str
        Column names of the patient identifier, the day and the change (mm).

    Returns
    -------
    DataFrame
        One row per post-baseline day with ``day, n, mean_change, sd_change,
        median_change, q1, q3, min, max`` (quartiles by linear interpolation,
        R's type 7), ``mean_change_ci_low, mean_change_ci_high, t_statistic,
        t_pvalue`` (paired t, i.e. one-sample t on the changes),
        ``wilcoxon_statistic`` (V), ``wilcoxon_pvalue``, ``wilcoxon_method``
        (``"exact"`` or ``"normal"``), ``hl_estimate`` (R's pseudo-median
        estimate, see Notes), ``hl_ci_low, hl_ci_high`` and
        ``hl_confidence_level`` (R's signed-rank interval of the pseudo-median
        and its level, lower than asked when the requested level cannot be
        attained, as R does), and ``walsh_median`` (the Hodges-Lehmann
        estimate: the median of the Walsh averages of the non-zero changes).

    Raises
    ------
    DataValidationError
        Missing columns, non-numeric changes, invalid days or a duplicate
        (patient, day).

    Notes
    -----
    The t quantities are NaN when a day has fewer than two changes or they are
    all equal (R's ``t.test`` stops there) [1]_. The Wilcoxon columns follow
    :func:`wilcoxon_signed_rank` [2]_: exact when there are fewer than 50 non-zero
    changes and neither ties nor zeros, otherwise the normal approximation with
    continuity and tie corrections.

    ``hl_estimate`` is exactly what R's ``wilcox.test(conf.int = TRUE)``
    reports as ``(pseudo)median``, which is **not always** the Hodges-Lehmann
    estimate [3]_: in the exact branch it is the median of the Walsh averages
    :math:`(x_i + x_j)/2,\\ i \\le j`, of the non-zero changes; in the normal
    branch it is the root, found by R's ``uniroot`` (``tol.root = 1e-4``), of
    the standardized signed-rank statistic of :math:`x - d` *without*
    continuity correction, a step function of :math:`d`, so it can lie anywhere
    on a flat stretch (day 3 of ``tests/reference/vas/thera_like_vas.csv``:
    -16.865 mm, where the median of the Walsh averages is -16.5 mm). ``walsh_median`` is the Hodges-Lehmann estimate itself, the
    median of the Walsh averages, computed in both branches from the non-zero
    changes (zeros dropped as R drops them before ranking); it equals
    ``hl_estimate`` in the exact branch and is NaN when every change is zero.

    References
    ----------
    .. [1] Student. The probable error of a mean. Biometrika 1908;6:1-25.
       doi:10.1093/biomet/6.1.1
    .. [2] Hollander M, Wolfe DA, Chicken E. Nonparametric Statistical Methods,
       3rd ed. Wiley; 2014. doi:10.1002/9781119196037
    .. [3] Hodges JL, Lehmann EL. Estimates of location based on rank tests.
       Ann Math Stat 1963;34:598-611. doi:10.1214/aoms/1177704172

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.vas import change_from_baseline, summarize_change
    >>> vas = pd.DataFrame({
    ...     "patient_id": list("ABCDEFG") * 2,
    ...     "day": [0] * 7 + [8] * 7,
    ...     "vas_mm": [72, 65, 80, 58, 91, 60, 77, 40.5, 53, 40, 61, 69, 51.5, 50]})
    >>> out = summarize_change(change_from_baseline(vas))
    >>> out[["day", "n", "mean_change", "wilcoxon_method", "wilcoxon_pvalue"]]
       day  n  mean_change wilcoxon_method  wilcoxon_pvalue
    0    8  7   -19.714286           exact          0.03125
    """
    conf = check_confidence_level(confidence_level)
    baseline_day = _check_day_arg("baseline_day", baseline_day)
    clean = _clean_long_table(
        changes, table="changes", subject=subject, day=day, value=value, vas_range=False,
        baseline_day=None,
    )
    clean = clean.loc[clean[day] != baseline_day]
    rows = []
    for d in sorted(clean[day].unique().tolist()):
        x = np.sort(clean.loc[clean[day] == d, value].to_numpy(dtype=float))
        n = len(x)
        ci_low, ci_high, t, t_p = _t_summary(x, conf)
        w = wilcoxon_signed_rank(x, confidence_level=conf)
        q1, med, q3 = np.percentile(x, [25, 50, 75])
        rows.append(
            {
                "day": int(d), "n": n, "mean_change": float(np.mean(x)),
                "sd_change": float(np.std(x, ddof=1)) if n > 1 else math.nan,
                "median_change": float(med), "q1": float(q1), "q3": float(q3),
                "min": float(x[0]), "max": float(x[-1]),
                "mean_change_ci_low": ci_low, "mean_change_ci_high": ci_high,
                "t_statistic": t, "t_pvalue": t_p,
                "wilcoxon_statistic": w.statistic, "wilcoxon_pvalue": w.pvalue,
                "wilcoxon_method": w.method, "hl_estimate": w.estimate,
                "hl_ci_low": w.confidence_interval.low, "hl_ci_high": w.confidence_interval.high,
                "hl_confidence_level": w.confidence_interval.confidence_level,
                "walsh_median": _walsh_median(x),
            }
        )
    out = pd.DataFrame(rows, columns=_SUMMARY_COLUMNS)
    return out.astype({"day": "int64", "n": "int64", "wilcoxon_method": "str"})


# =========================================================================== responders
def _check_threshold(name: str, value: Any, upper: float) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` ({value!r}) must be a number or None.")
    v = float(value)
    if not (0.0 <= v <= upper):
        raise ValueError(f"`{name}` ({value!r}) must lie in [0, {upper:g}].")
    return _exact(v)


def _definition(rel: Fraction | None, absolute: Fraction | None, combine: str, missing: str) -> str:
    parts = []
    if rel is not None:
        parts.append(f"reduction >= {float(rel * 100):g} %")
    if absolute is not None:
        parts.append(f"reduction >= {float(absolute):g} mm")
    joined = f" {combine} ".join(parts)
    return f"{joined}; missing = {missing}"


_FLAG_COLUMNS = ("observed", "relative_met", "absolute_met", "responder")


def responder_flags(
    vas: pd.DataFrame,
    *,
    relative: float | None = 0.5,
    absolute_mm: float | None = None,
    combine: str = "and",
    missing: str = "non-responder",
    baseline_day: int = 0,
    subject: str = "patient_id",
    day: str = "day",
    value: str = "vas_mm",
) -> pd.DataFrame:
    """Responder status of every patient on every post-baseline day.

    Parameters
    ----------
    vas : DataFrame
        Long VAS table (see :func:`change_from_baseline`).
    relative : float or None, default 0.5
        Required relative reduction from baseline, as a fraction (0.5 = 50 %);
        ``None`` drops this criterion.
    absolute_mm : float or None, default None
        Required absolute reduction in mm; ``None`` drops this criterion.
    combine : {"and", "or"}, default "and"
        How the two criteria combine when both are given.
    missing : {"non-responder", "exclude"}, default "non-responder"
        A patient without a value on a day is a non-responder, or is left out
        of that day (``responder`` is then missing, <NA>).
    baseline_day, subject, day, value
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        One row per patient and post-baseline day (every day on which anyone
        was assessed), sorted, with ``subject, day, value, baseline_mm,
        change_mm, pct_change`` (NaN when not observed) and the nullable
        boolean flags ``observed, relative_met, absolute_met, responder``
        (a criterion that is not used, or a day not observed, gives <NA>).

    Notes
    -----
    A reduction exactly on the boundary counts as response. The comparison
    is exact: VAS values and thresholds are taken as the decimals they display
    as (``0.3`` is 3/10) and compared as rational numbers, i.e.
    ``baseline - value >= relative * baseline`` and
    ``baseline - value >= absolute_mm``, with no floating-point rounding. A
    baseline of 0 mm cannot fulfil a relative criterion.

    Responder definitions by a relative reduction of pain intensity (30 % for a
    moderately important, 50 % for a substantial improvement), optionally
    combined with an absolute reduction, follow [1]_ and the IMMPACT
    recommendations [2]_; the thresholds are the caller's choice.

    References
    ----------
    .. [1] Farrar JT, Young JP Jr, LaMoreaux L, Werth JL, Poole RM. Clinical
       importance of changes in chronic pain intensity measured on an 11-point
       numerical pain rating scale. Pain 2001;94:149-158.
       doi:10.1016/S0304-3959(01)00349-9
    .. [2] Dworkin RH, Turk DC, Wyrwich KW, et al. Interpreting the clinical
       importance of treatment outcomes in chronic pain clinical trials: IMMPACT
       recommendations. J Pain 2008;9:105-121. doi:10.1016/j.jpain.2007.09.005

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.vas import responder_flags
    >>> vas = pd.DataFrame({"patient_id": ["A", "A", "B", "B"], "day": [0, 8, 0, 8],
    ...                     "vas_mm": [60.3, 30.15, 45.0, 30.0]})
    >>> responder_flags(vas, relative=0.5, absolute_mm=20)[["patient_id", "responder"]]
      patient_id  responder
    0          A       True
    1          B      False
    """
    rel = _check_threshold("relative", relative, 1.0)
    absolute = _check_threshold("absolute_mm", absolute_mm, 100.0)
    if rel is None and absolute is None:
        raise ValueError("At least one of `relative` and `absolute_mm` must be given.")
    check_choice("combine", combine, ("and", "or"))
    check_choice("missing", missing, _MISSING_RULES)
    changes = change_from_baseline(
        vas, baseline_day=baseline_day, subject=subject, day=day, value=value
    )
    return _flags_from_changes(
        changes, rel, absolute, combine, missing, baseline_day, subject, day, value
    )


def _flags_from_changes(
    changes: pd.DataFrame,
    rel: Fraction | None,
    absolute: Fraction | None,
    combine: str,
    missing: str,
    baseline_day: int,
    subject: str,
    day: str,
    value: str,
) -> pd.DataFrame:
    keep = [subject, day, value, BASELINE, CHANGE, PCT_CHANGE]
    post = changes.loc[changes[day] != baseline_day, keep]
    patients = changes[subject].drop_duplicates().tolist()
    days = sorted(post[day].unique().tolist())
    grid = pd.DataFrame(
        {subject: np.repeat(np.array(patients, dtype=object), len(days)),
         day: np.tile(np.array(days, dtype=np.int64), len(patients))}
    )
    if len(grid):
        grid[subject] = grid[subject].astype(changes[subject].dtype)
    out = grid.merge(post, on=[subject, day], how="left", validate="one_to_one")
    observed = out[value].notna().to_numpy(dtype=bool)
    n = len(out)
    rel_met: list[Any] = [pd.NA] * n
    abs_met: list[Any] = [pd.NA] * n
    resp: list[Any] = [pd.NA if missing == "exclude" else False] * n
    for i in np.flatnonzero(observed):
        b = _exact(out[BASELINE].iat[i])
        gain = b - _exact(out[value].iat[i])
        r_ok = None if rel is None else bool(b > 0 and gain >= rel * b)
        a_ok = None if absolute is None else bool(gain >= absolute)
        met = [m for m in (r_ok, a_ok) if m is not None]
        resp[i] = all(met) if combine == "and" else any(met)
        rel_met[i] = pd.NA if r_ok is None else r_ok
        abs_met[i] = pd.NA if a_ok is None else a_ok
    out["observed"] = pd.array(observed, dtype="boolean")
    out["relative_met"] = pd.array(rel_met, dtype="boolean")
    out["absolute_met"] = pd.array(abs_met, dtype="boolean")
    out["responder"] = pd.array(resp, dtype="boolean")
    out[day] = out[day].astype("int64")
    return _sorted(out, subject, day)


def responder_rates(
    vas: pd.DataFrame,
    *,
    relative: float | None = 0.5,
    absolute_mm: float | None = None,
    combine: str = "and",
    missing: str = "non-responder",
    confidence_level: float = 0.95,
    baseline_day: int = 0,
    subject: str = "patient_id",
    day: str = "day",
    value: str = "vas_mm",
) -> pd.DataFrame:
    """Proportion of responders on each post-baseline day with exact (Clopper-Pearson) intervals.

    Parameters
    ----------
    vas : DataFrame
        Long VAS table (see :func:`change_from_baseline`).
    relative, absolute_mm, combine, missing
        The responder definition, as in :func:`responder_flags`.
    confidence_level : float, default 0.95
        Level of the two-sided Clopper-Pearson interval.
    baseline_day, subject, day, value
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        One row per post-baseline day: ``day, n, responders, proportion,
        ci_low, ci_high, definition``. With ``missing="non-responder"``, ``n``
        is every patient in the table; with ``"exclude"``, the patients
        assessed that day.

    See Also
    --------
    thera_stats.binomial.binomial_ci : the interval used.

    References
    ----------
    .. [1] Clopper CJ, Pearson ES. The use of confidence or fiducial limits
       illustrated in the case of the binomial. Biometrika 1934;26:404-413.
       doi:10.1093/biomet/26.4.404
    .. [2] Dworkin RH, Turk DC, Wyrwich KW, et al. Interpreting the clinical
       importance of treatment outcomes in chronic pain clinical trials: IMMPACT
       recommendations. J Pain 2008;9:105-121. doi:10.1016/j.jpain.2007.09.005

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.vas import responder_rates
    >>> vas = pd.DataFrame({"patient_id": list("ABCD") * 2, "day": [0] * 4 + [8] * 4,
    ...                     "vas_mm": [80, 60, 70, 50, 40, 45, 20, 25]})
    >>> responder_rates(vas, relative=0.5)[["day", "n", "responders", "proportion"]]
       day  n  responders  proportion
    0    8  4           3        0.75
    """
    conf = check_confidence_level(confidence_level)
    flags = responder_flags(
        vas, relative=relative, absolute_mm=absolute_mm, combine=combine, missing=missing,
        baseline_day=baseline_day, subject=subject, day=day, value=value,
    )
    definition = _definition(
        _check_threshold("relative", relative, 1.0),
        _check_threshold("absolute_mm", absolute_mm, 100.0), combine, missing,
    )
    return _rates_from_flags(flags, day, conf, definition)


def _rates_from_flags(
    flags: pd.DataFrame, day: str, conf: float, definition: str
) -> pd.DataFrame:
    from thera_stats.binomial import binomial_ci

    rows = []
    for d in sorted(flags[day].unique().tolist()):
        r = flags.loc[flags[day] == d, "responder"].dropna()
        n = len(r)
        x = int(r.sum())
        if n:
            ci = binomial_ci(x, n, confidence_level=conf, method="clopper-pearson")
            low, high = float(ci.low), float(ci.high)
        else:
            low = high = math.nan
        rows.append(
            {"day": int(d), "n": n, "responders": x, "proportion": x / n if n else math.nan,
             "ci_low": low, "ci_high": high, "definition": definition}
        )
    cols = ["day", "n", "responders", "proportion", "ci_low", "ci_high", "definition"]
    out = pd.DataFrame(rows, columns=cols)
    return out.astype({"day": "int64", "n": "int64", "responders": "int64", "definition": "str"})


def responder_curve(
    vas: pd.DataFrame,
    *,
    scale: str = "absolute",
    missing: str = "non-responder",
    baseline_day: int = 0,
    subject: str = "patient_id",
    day: str = "day",
    value: str = "vas_mm",
) -> pd.DataFrame:
    """Cumulative proportion of responders: patients improved by at least c, for every c.

    Parameters
    ----------
    vas : DataFrame
        Long VAS table (see :func:`change_from_baseline`).
    scale : {"absolute", "relative"}, default "absolute"
        Improvement (baseline - value) in mm, or as a percentage of baseline.
    missing : {"non-responder", "exclude"}, default "non-responder"
        Whether patients not assessed on a day are in the denominator.
    baseline_day, subject, day, value
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        For each post-baseline day, one row per distinct observed improvement
        ``threshold`` (ascending; mm or %): ``day, threshold, n, responders,
        proportion``, where ``responders`` counts patients improved by at
        least ``threshold``. The curve is a step function: for any c between
        two consecutive thresholds the proportion is that of the larger one;
        above the largest it is 0 and at or below the smallest it is the
        proportion observed.

    Notes
    -----
    Improvements are compared exactly (rational arithmetic), so a patient
    exactly on a threshold counts. With the relative scale, a patient with a
    baseline of 0 mm has no defined improvement and never reaches a
    threshold.

    References
    ----------
    .. [1] Farrar JT, Dworkin RH, Max MB. Use of the cumulative proportion of
       responders analysis graph to present pain data over a range of cut-off
       points. J Pain Symptom Manage 2006;31:369-377.
       doi:10.1016/j.jpainsymman.2005.08.018

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.vas import responder_curve
    >>> vas = pd.DataFrame({"patient_id": list("ABC") * 2, "day": [0] * 3 + [8] * 3,
    ...                     "vas_mm": [80, 60, 70, 40, 60, 50]})
    >>> responder_curve(vas)
       day  threshold  n  responders  proportion
    0    8        0.0  3           3    1.000000
    1    8       20.0  3           2    0.666667
    2    8       40.0  3           1    0.333333
    """
    check_choice("scale", scale, ("absolute", "relative"))
    check_choice("missing", missing, _MISSING_RULES)
    changes = change_from_baseline(
        vas, baseline_day=baseline_day, subject=subject, day=day, value=value
    )
    n_patients = changes[subject].nunique()
    post = changes.loc[changes[day] != baseline_day]
    rows = []
    for d in sorted(post[day].unique().tolist()):
        at = post.loc[post[day] == d]
        gains: list[Fraction] = []
        for b, v in zip(at[BASELINE].tolist(), at[value].tolist(), strict=True):
            gain = _exact(b) - _exact(v)
            if scale == "relative":
                if b == 0:
                    continue
                gain = 100 * gain / _exact(b)
            gains.append(gain)
        n = n_patients if missing == "non-responder" else len(at)
        ordered = sorted(gains)
        for c in sorted(set(gains)):
            reached = len(ordered) - bisect.bisect_left(ordered, c)
            rows.append(
                {"day": int(d), "threshold": float(c), "n": n, "responders": reached,
                 "proportion": reached / n}
            )
    out = pd.DataFrame(rows, columns=["day", "threshold", "n", "responders", "proportion"])
    return out.astype({"day": "int64", "threshold": "float64", "n": "int64",
                       "responders": "int64", "proportion": "float64"})


# =========================================================================== AUC
def _interpolate(days: FloatArray, vals: FloatArray, at: float) -> float:
    """Linear interpolation at ``at`` between the nearest observations on either side."""
    below = days < at
    above = days > at
    if not below.any() or not above.any():
        return math.nan
    d0, v0 = days[below][-1], vals[below][-1]
    d1, v1 = days[above][0], vals[above][0]
    return float(v0 + (v1 - v0) * (at - d0) / (d1 - d0))


def vas_auc(
    vas: pd.DataFrame,
    *,
    start_day: int = 0,
    end_day: int = 5,
    extrapolate: str = "none",
    baseline_day: int = 0,
    subject: str = "patient_id",
    day: str = "day",
    value: str = "vas_mm",
) -> pd.DataFrame:
    """Per-patient area under the pain-VAS curve over a window of days (trapezoid rule).

    Parameters
    ----------
    vas : DataFrame
        Long VAS table (see :func:`change_from_baseline`).
    start_day, end_day : int, default 0 and 5
        The window. The default covers baseline to day 5, the five-day course
        of injections in THERA.
    extrapolate : {"none", "locf"}, default "none"
        When a patient has no observation on or after ``end_day`` (for example
        after withdrawal): leave the AUC missing (``"none"``), or carry the
        last observation forward to ``end_day`` (``"locf"``).
    baseline_day, subject, day, value
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        One row per patient: ``subject, start_day, end_day, n_observed``
        (assessments inside the window), ``auc_mm_days`` (mm x days),
        ``auc_change_mm_days`` (area under the change from baseline; negative
        means less pain), ``mean_vas_mm`` (time-weighted mean, the AUC divided
        by the window length) and ``gap_handling``: ``"complete"`` (every day
        assessed by anyone in the window was assessed), ``"interpolated"``,
        ``"carried forward"`` or ``"incomplete"`` (AUC missing).

    Notes
    -----
    Observed points are joined by straight lines: a missed visit inside the
    window is linearly interpolated from its neighbours, which is what the
    trapezoid rule over the observed days does. When ``start_day`` or
    ``end_day`` itself was not assessed, its value is interpolated linearly
    from the nearest observations on each side (which may lie outside the
    window). Nothing is extrapolated backwards, and forwards only with
    ``extrapolate="locf"``.

    References
    ----------
    .. [1] Matthews JNS, Altman DG, Campbell MJ, Royston P. Analysis of serial
       measurements in medical research. BMJ 1990;300:230-235.
       doi:10.1136/bmj.300.6719.230

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.vas import vas_auc
    >>> vas = pd.DataFrame({"patient_id": ["A"] * 4, "day": [0, 1, 3, 5],
    ...                     "vas_mm": [80, 60, 40, 40]})
    >>> vas_auc(vas)[["patient_id", "auc_mm_days", "mean_vas_mm", "gap_handling"]]
      patient_id  auc_mm_days  mean_vas_mm gap_handling
    0          A        250.0         50.0     complete
    """
    start_day = _check_day_arg("start_day", start_day)
    end_day = _check_day_arg("end_day", end_day)
    if end_day <= start_day:
        raise ValueError(f"`end_day` ({end_day!r}) must be after `start_day` ({start_day!r}).")
    check_choice("extrapolate", extrapolate, ("none", "locf"))
    changes = change_from_baseline(
        vas, baseline_day=baseline_day, subject=subject, day=day, value=value
    )
    in_window = changes[day].between(start_day, end_day)
    schedule = set(changes.loc[in_window, day].tolist())
    rows = []
    for pid, grp in changes.groupby(subject, sort=False):
        days = grp[day].to_numpy(dtype=float)
        vals = grp[value].to_numpy(dtype=float)
        base = float(grp[BASELINE].iat[0])
        inside = (days >= start_day) & (days <= end_day)
        status = "complete" if schedule <= set(days[inside].tolist()) else "interpolated"
        t = days[inside].tolist()
        y = vals[inside].tolist()
        for edge in (start_day, end_day):
            if edge in t:
                continue
            v = _interpolate(days, vals, float(edge))
            if math.isnan(v) and edge == end_day and extrapolate == "locf" and (days < edge).any():
                v = float(vals[days < edge][-1])
                status = "carried forward"
            elif math.isnan(v):
                status = "incomplete"
            elif status == "complete":
                status = "interpolated"
            t.append(float(edge))
            y.append(v)
        order = np.argsort(t)
        tt = np.asarray(t, dtype=float)[order]
        yy = np.asarray(y, dtype=float)[order]
        if status == "incomplete":
            auc = math.nan
        else:
            auc = float(np.sum((tt[1:] - tt[:-1]) * (yy[1:] + yy[:-1]) / 2))
        length = end_day - start_day
        rows.append(
            {subject: pid, "start_day": start_day, "end_day": end_day,
             "n_observed": int(inside.sum()), "auc_mm_days": auc,
             "auc_change_mm_days": auc - base * length, "mean_vas_mm": auc / length,
             "gap_handling": status}
        )
    cols = [subject, "start_day", "end_day", "n_observed", "auc_mm_days", "auc_change_mm_days",
            "mean_vas_mm", "gap_handling"]
    out = pd.DataFrame(rows, columns=cols)
    out[subject] = out[subject].astype(changes[subject].dtype)
    out = out.astype({"start_day": "int64", "end_day": "int64", "n_observed": "int64",
                      "gap_handling": "str"})
    return out.sort_values(subject, kind="stable", key=_sort_key).reset_index(drop=True)


# =========================================================================== sensitivity
_SENSITIVITY_COLUMNS = [
    "method", "day", "n", "n_observed", "estimate", "se", "df", "ci_low", "ci_high", "pvalue",
]


def _mean_change_row(method: str, d: int, x: FloatArray, n_obs: int, conf: float) -> dict[str, Any]:
    n = len(x)
    low, high, _, p = _t_summary(np.sort(x), conf)
    se = math.sqrt(float(np.var(x, ddof=1)) / n) if n > 1 else math.nan
    return {
        "method": method, "day": d, "n": n, "n_observed": n_obs,
        "estimate": float(np.mean(x)) if n else math.nan, "se": se,
        "df": float(n - 1) if n > 1 else math.nan, "ci_low": low, "ci_high": high, "pvalue": p,
    }


def missing_data_sensitivity(
    vas: pd.DataFrame,
    *,
    primary_day: int = 8,
    confidence_level: float = 0.95,
    covariance: str = "unstructured",
    include_mmrm: bool = True,
    baseline_day: int = 0,
    subject: str = "patient_id",
    day: str = "day",
    value: str = "vas_mm",
) -> pd.DataFrame:
    """Mean change from baseline on the primary day under four ways of handling missing values.

    Parameters
    ----------
    vas : DataFrame
        Long VAS table (see :func:`change_from_baseline`).
    primary_day : int, default 8
        The day of the primary endpoint.
    confidence_level : float, default 0.95
        Level of the intervals.
    covariance : str, default "unstructured"
        Covariance structure of the MMRM (see :func:`thera_stats.mmrm.mmrm`).
    include_mmrm : bool, default True
        Fit the MMRM row (it raises :class:`~thera_stats.ConvergenceError` if
        the model does not converge).
    baseline_day, subject, day, value
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        One row per method, ``method`` in ``"observed cases"``, ``"LOCF"``,
        ``"BOCF"`` and ``"MMRM"``, with ``day, n`` (patients in the analysis),
        ``n_observed`` (assessed on the primary day), ``estimate`` (mean change,
        mm), ``se, df, ci_low, ci_high, pvalue`` (one-sample t for the first
        three; the MMRM least-squares mean, baseline at its mean, for the last).

    Notes
    -----
    *Observed cases* uses the patients assessed on the primary day. *LOCF*
    replaces a missing primary-day value by the patient's last value before it
    (the baseline if there is none), *BOCF* by the baseline (change 0). Both
    single imputations understate uncertainty; the MMRM uses every observed
    value under missing at random [1]_ [2]_.

    References
    ----------
    .. [1] National Research Council. The Prevention and Treatment of Missing
       Data in Clinical Trials. National Academies Press; 2010. doi:10.17226/12955
    .. [2] Mallinckrodt CH, Lane PW, Schnell D, Peng Y, Mancuso JP. Recommendations
       for the primary analysis of continuous endpoints in longitudinal clinical
       trials. Drug Inf J 2008;42:303-319. doi:10.1177/009286150804200402

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.vas import missing_data_sensitivity
    >>> vas = pd.DataFrame({"patient_id": list("AAABBBCCDD"),
    ...                     "day": [0, 1, 8, 0, 1, 8, 0, 1, 0, 1],
    ...                     "vas_mm": [80, 60, 40, 70, 50, 35, 60, 50, 65, 60]})
    >>> out = missing_data_sensitivity(vas, include_mmrm=False)
    >>> out[["method", "n", "n_observed", "estimate"]]
               method  n  n_observed  estimate
    0  observed cases  2           2    -37.50
    1            LOCF  4           2    -22.50
    2            BOCF  4           2    -18.75
    """
    primary_day = _check_day_arg("primary_day", primary_day)
    conf = check_confidence_level(confidence_level)
    changes = change_from_baseline(
        vas, baseline_day=baseline_day, subject=subject, day=day, value=value
    )
    if primary_day == baseline_day:
        raise ValueError(f"`primary_day` ({primary_day!r}) must differ from the baseline day.")
    if not (changes[day] == primary_day).any():
        raise ValueError(f"No patient was assessed on the primary day ({primary_day!r}).")
    observed_at = changes.loc[changes[day] == primary_day]
    n_obs = len(observed_at)
    locf: list[float] = []
    bocf: list[float] = []
    for _, grp in changes.groupby(subject, sort=False):
        before = grp.loc[grp[day] <= primary_day].sort_values(day)
        last = float(before[CHANGE].iat[-1]) if len(before) else 0.0
        has_primary = bool((grp[day] == primary_day).any())
        locf.append(last)
        bocf.append(last if has_primary else 0.0)
    rows = [
        _mean_change_row("observed cases", primary_day,
                         observed_at[CHANGE].to_numpy(dtype=float), n_obs, conf),
        _mean_change_row("LOCF", primary_day, np.asarray(locf), n_obs, conf),
        _mean_change_row("BOCF", primary_day, np.asarray(bocf), n_obs, conf),
    ]
    if include_mmrm:
        from thera_stats.mmrm import mmrm

        # Days before the baseline day (allowed in a VAS table, e.g. screening) are
        # not responses; the MMRM rejects them, so only later days are passed.
        fit = mmrm(
            changes.loc[changes[day] >= baseline_day], covariates=(BASELINE,),
            covariance=covariance, df="satterthwaite",
            confidence_level=conf, subject=subject, day=day, value=CHANGE,
            baseline_day=baseline_day,
        )
        ls = fit.lsmeans()
        row = ls.loc[ls["day"] == primary_day]
        if len(row) != 1:
            raise ValueError(f"The MMRM gave no least-squares mean for day {primary_day!r}.")
        post = changes.loc[changes[day] > baseline_day]
        rows.append(
            {"method": "MMRM", "day": primary_day, "n": int(post[subject].nunique()),
             "n_observed": n_obs, "estimate": float(row["estimate"].iat[0]),
             "se": float(row["se"].iat[0]), "df": float(row["df"].iat[0]),
             "ci_low": float(row["ci_low"].iat[0]), "ci_high": float(row["ci_high"].iat[0]),
             "pvalue": float(row["pvalue"].iat[0])}
        )
    out = pd.DataFrame(rows, columns=_SENSITIVITY_COLUMNS)
    return out.astype({"method": "str", "day": "int64", "n": "int64", "n_observed": "int64"})
