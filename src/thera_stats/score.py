"""Repeated-score endpoints: change from baseline, per-day tests, responders, AUC, sensitivity.

The endpoint layer for a score assessed repeatedly on each subject (a pain VAS
in mm, an NRS from 0 to 10, a quality-of-life score, ...). Nothing here knows
the scale or the trial: every function takes a tidy long table (one row per
subject and assessment day) plus the **required** keyword arguments naming its
columns (``subject``, ``day``, ``value``) and the ``baseline_day``, and returns
a **new** DataFrame; the caller's table is never modified. Rows are paired by
subject, never by row order. Optional ``value_range`` and ``unit`` go to the
table validator (:func:`thera_stats.longtable.check_long_table`), which
reports every problem of the table at once.

The functions:

- :func:`change_from_baseline`: baseline, change and percentage change of every
  observed assessment;
- :func:`summarize_score`: the mean score per day with its t interval;
- :func:`summarize_change`: per-day descriptive statistics, paired t interval,
  Wilcoxon signed-rank test with R's pseudo-median estimate and interval, and
  the Hodges-Lehmann estimate (the tests on an array are in
  :mod:`thera_stats.location`);
- :func:`responder_flags`, :func:`responder_rates`, :func:`responder_curve`:
  responder status per subject and day, responder proportions with exact
  Clopper-Pearson intervals, and the cumulative proportion of responders;
  ``better="lower"`` or ``"higher"`` says which direction is improvement;
- :func:`score_auc`: per-subject area under the score curve (trapezoid rule);
- :func:`missing_data_sensitivity`: mean change on the primary day under
  observed cases, LOCF, BOCF and the MMRM.

The methods page ``docs/methods/score.md`` gives the formulas and references.
"""

from __future__ import annotations

import bisect
import functools
import math
import numbers
from dataclasses import dataclass
from fractions import Fraction
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from thera_stats._checks import check_choice, check_confidence_level
from thera_stats.location import one_sample_t, walsh_median, wilcoxon_signed_rank
from thera_stats.longtable import validate_long_table

__all__ = [
    "BASELINE",
    "CHANGE",
    "PCT_CHANGE",
    "ScoreTable",
    "change_from_baseline",
    "missing_data_sensitivity",
    "responder_curve",
    "responder_flags",
    "responder_rates",
    "score_auc",
    "summarize_change",
    "summarize_responders",
    "summarize_score",
]

FloatArray = npt.NDArray[np.float64]

#: Derived columns written by :func:`change_from_baseline` (names never change).
BASELINE = "baseline"
CHANGE = "change"
PCT_CHANGE = "pct_change"

_MISSING_RULES = ("non-responder", "exclude")
_DIRECTIONS = ("lower", "higher")
#: Table names used in validation messages.
_SCORE_TABLE = "score"
_CHANGES_TABLE = "changes"


# =========================================================================== helpers
def _clean(
    frame: Any,
    *,
    table: str,
    subject: str,
    day: str,
    value: str,
    baseline_day: int | None,
    value_range: tuple[float, float] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """The typed long table, or a DataValidationError listing every problem."""
    return validate_long_table(
        frame, table=table, subject=subject, day=day, value=value, value_range=value_range,
        unit=unit, baseline_day=baseline_day,
    )


def _check_day_arg(name: str, value: Any) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, int | np.integer):
        raise TypeError(f"`{name}` ({value!r}) must be an integer day.")
    return int(value)


def _sort_key(values: pd.Series) -> pd.Series:
    """Sort key for subject identifiers of any (possibly mixed) type."""
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
    return _exact_cached(float(x))


@functools.lru_cache(maxsize=65536)
def _exact_cached(x: float) -> Fraction:
    # Scores repeat (integer scales above all): each distinct value is converted once.
    return Fraction(repr(x))


# =========================================================================== change from baseline
def _check_columns(subject: str, day: str, value: str) -> None:
    taken = [c for c in (subject, day, value) if c in (BASELINE, CHANGE, PCT_CHANGE)]
    if taken:
        raise ValueError(
            f"column name {taken[0]!r} is reserved for a derived column "
            f"({BASELINE!r}, {CHANGE!r}, {PCT_CHANGE!r}); rename it before the analysis."
        )


@dataclass(frozen=True, repr=False)
class ScoreTable:
    """A validated long table of a repeated score with its changes from baseline.

    Made once by :meth:`from_frame` (one validation, one change computation),
    it can be passed to every function of this module in place of the raw
    table, with the same column names and baseline day, so an analysis that
    needs many of them validates and derives the changes once.

    Attributes
    ----------
    changes : DataFrame
        The output of :func:`change_from_baseline`: ``subject, day, value,
        baseline, change, pct_change`` and any other columns.
    subject, day, value : str
        Column names of the original table.
    baseline_day : int
        The baseline day.

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.score import ScoreTable, responder_flags
    >>> data = pd.DataFrame({"id": list("AABB"), "t": [0, 8, 0, 8], "nrs": [8, 4, 6, 5]})
    >>> table = ScoreTable.from_frame(data, subject="id", day="t", value="nrs", baseline_day=0)
    >>> table
    ScoreTable(2 subjects, 4 rows, value 'nrs', baseline day 0)
    >>> responder_flags(table, subject="id", day="t", value="nrs", baseline_day=0,
    ...                 better="lower", relative=0.5)["responder"].tolist()
    [True, False]
    """

    changes: pd.DataFrame
    subject: str
    day: str
    value: str
    baseline_day: int

    @classmethod
    def from_frame(
        cls,
        data: pd.DataFrame,
        *,
        subject: str,
        day: str,
        value: str,
        baseline_day: int,
        value_range: tuple[float, float] | None = None,
        unit: str = "",
    ) -> ScoreTable:
        """Validate ``data`` and compute its changes (see :func:`change_from_baseline`)."""
        changes = change_from_baseline(
            data, subject=subject, day=day, value=value, baseline_day=baseline_day,
            value_range=value_range, unit=unit,
        )
        return cls(changes, subject, day, value, int(baseline_day))

    def matching(self, subject: str, day: str, value: str | None,
                 baseline_day: int) -> ScoreTable:
        """Self, if the caller's column names and baseline day are the table's; else an error."""
        given = (subject, day, self.value if value is None else value, baseline_day)
        own = (self.subject, self.day, self.value, self.baseline_day)
        if given != own:
            raise ValueError(
                f"The ScoreTable was made with subject, day, value, baseline_day = {own!r}; "
                f"the call gives {given!r}.")
        return self

    def __repr__(self) -> str:
        return (f"ScoreTable({self.changes[self.subject].nunique()} subjects, "
                f"{len(self.changes)} rows, value {self.value!r}, "
                f"baseline day {self.baseline_day})")


def _changes(
    data: pd.DataFrame | ScoreTable,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    value_range: tuple[float, float] | None,
    unit: str,
) -> pd.DataFrame:
    """The changes from baseline of a raw table, or those a ScoreTable already holds."""
    if isinstance(data, ScoreTable):
        return data.matching(subject, day, value, baseline_day).changes
    return change_from_baseline(data, subject=subject, day=day, value=value,
                                baseline_day=baseline_day, value_range=value_range, unit=unit)


def change_from_baseline(
    data: pd.DataFrame,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    value_range: tuple[float, float] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """Change of a repeated score from each subject's baseline.

    Parameters
    ----------
    data : DataFrame
        Long table, one row per subject and assessment day. A missing value
        (NaN) is a missed assessment and is dropped.
    subject, day, value : str
        Column names of the subject identifier, the (integer) day and the score.
    baseline_day : int
        The day whose value is the baseline; every subject needs one.
    value_range : (float, float), optional
        Allowed range of the score (for example ``(0, 100)`` for a VAS in mm);
        values outside are errors. No range check by default.
    unit : str, default ""
        Unit of the score, for messages (``"mm"``).

    Returns
    -------
    DataFrame
        The observed rows, sorted by subject and day, with the columns
        ``subject``, ``day``, ``value``, ``baseline``, ``change`` (value -
        baseline, signed: negative is a decrease whatever the direction of
        improvement) and ``pct_change`` (``100 * change / |baseline|``; NaN
        when the baseline is 0), followed by any other columns of ``data``
        (an existing ``baseline``, ``change`` or ``pct_change`` column is
        replaced). The baseline-day rows are kept (change 0).

    Raises
    ------
    DataValidationError
        Listing every problem at once (see
        :func:`thera_stats.longtable.check_long_table`): missing columns, a
        value that is not a finite number or is outside ``value_range``, a
        missing, negative or fractional day, a duplicate (subject, day) and a
        subject without a baseline value.
    ValueError
        ``subject``, ``day`` or ``value`` is one of the derived column names.

    Notes
    -----
    Each row is matched to its baseline by subject identifier, never by row
    position. Values are taken as the decimals they display as (``45.3`` is
    453/10), so the change is the correctly rounded exact difference: two
    changes that are equal in decimal arithmetic are equal floats, and ties are
    recognised by the rank tests.

    The percentage is taken of :math:`|b|` so that its sign is the sign of
    the change also for a negative baseline (possible on scales centred at 0);
    for a positive baseline it is the usual ``100 * change / baseline``.

    The change is reported both in units and as a percentage of baseline
    because the clinical importance of a change in pain intensity is judged on
    both scales: about 30 % (or 2 points on a 0-10 scale) marks a moderately
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
    >>> from thera_stats.score import change_from_baseline
    >>> vas = pd.DataFrame({"patient_id": ["B", "A", "A", "B"], "day": [8, 0, 8, 0],
    ...                     "vas_mm": [35.0, 80.0, 40.0, 70.0]})
    >>> change_from_baseline(vas, subject="patient_id", day="day", value="vas_mm",
    ...                      baseline_day=0)
      patient_id  day  vas_mm  baseline  change  pct_change
    0          A    0    80.0      80.0     0.0         0.0
    1          A    8    40.0      80.0   -40.0       -50.0
    2          B    0    70.0      70.0     0.0         0.0
    3          B    8    35.0      70.0   -35.0       -50.0
    """
    baseline_day = _check_day_arg("baseline_day", baseline_day)
    _check_columns(subject, day, value)
    clean = _clean(
        data, table=_SCORE_TABLE, subject=subject, day=day, value=value,
        baseline_day=baseline_day, value_range=value_range, unit=unit,
    )
    clean = clean.drop(columns=[c for c in (BASELINE, CHANGE, PCT_CHANGE) if c in clean.columns])
    base = clean.loc[clean[day] == baseline_day, [subject, value]]
    base_of = dict(zip(base[subject].tolist(), base[value].tolist(), strict=True))
    baseline = clean[subject].map(base_of).to_numpy(dtype=float)
    change = np.empty(len(clean))
    pct = np.empty(len(clean))
    for i, (v, b) in enumerate(zip(clean[value].to_numpy(dtype=float), baseline, strict=True)):
        diff = _exact(v) - _exact(b)
        change[i] = float(diff)
        pct[i] = float(100 * diff / abs(_exact(b))) if b != 0 else np.nan
    out = clean.loc[:, [subject, day, value]].copy()
    out[BASELINE] = baseline
    out[CHANGE] = change
    out[PCT_CHANGE] = pct
    rest = [c for c in clean.columns if c not in out.columns]
    out = pd.concat([out, clean.loc[:, rest]], axis=1)
    return _sorted(out, subject, day)


# =========================================================================== per-day summary
def summarize_score(
    data: pd.DataFrame | ScoreTable,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    confidence_level: float = 0.95,
    value_range: tuple[float, float] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """Mean score by day, baseline included, with its one-sample t interval.

    Parameters
    ----------
    data : DataFrame
        Long table, one row per subject and assessment day (missing values
        are missed assessments and are dropped).
    subject, day, value : str
        Column names.
    baseline_day : int
        The baseline day; every subject needs a value on it (the table rule
        shared by every function of this module).
    confidence_level : float, default 0.95
        Level of the t interval of each day's mean.
    value_range, unit
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        One row per day: ``day, n, mean, sd, ci_low, ci_high``, the interval
        being R's ``t.test(x)$conf.int`` [1]_ (NaN with fewer than two values or
        no spread; see :func:`thera_stats.location.one_sample_t`).
        ``attrs["confidence_level"]`` holds the level.

    References
    ----------
    .. [1] Student. The probable error of a mean. Biometrika 1908;6:1-25.
       doi:10.1093/biomet/6.1.1

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.score import summarize_score
    >>> vas = pd.DataFrame({"patient_id": list("ABCD"), "day": 0, "vas_mm": [60, 70, 80, 90]})
    >>> summarize_score(vas, subject="patient_id", day="day", value="vas_mm",
    ...                 baseline_day=0).round(2)
       day  n  mean    sd  ci_low  ci_high
    0    0  4  75.0  12.91   54.46    95.54
    """
    conf = check_confidence_level(confidence_level)
    baseline_day = _check_day_arg("baseline_day", baseline_day)
    if isinstance(data, ScoreTable):
        clean = data.matching(subject, day, value, baseline_day).changes
    else:
        clean = _clean(
            data, table=_SCORE_TABLE, subject=subject, day=day, value=value,
            baseline_day=baseline_day, value_range=value_range, unit=unit,
        )
    rows = []
    for d in sorted(clean[day].unique().tolist()):
        x = clean.loc[clean[day] == d, value].to_numpy(dtype=float)
        t = one_sample_t(x, confidence_level=conf)
        rows.append({
            "day": int(d), "n": len(x), "mean": float(np.mean(x)),
            "sd": float(np.std(x, ddof=1)) if len(x) > 1 else math.nan,
            "ci_low": t.confidence_interval.low, "ci_high": t.confidence_interval.high,
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
    changes: pd.DataFrame | ScoreTable,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    confidence_level: float = 0.95,
) -> pd.DataFrame:
    """Per-day summary of change from baseline with paired t and Wilcoxon signed-rank tests.

    Parameters
    ----------
    changes : DataFrame
        Output of :func:`change_from_baseline` (or any long table with one
        change per subject and day).
    subject, day, value : str
        Column names of the subject identifier, the day and the change (with
        the output of :func:`change_from_baseline`, ``value="change"``).
    baseline_day : int
        Rows of this day (change 0 by construction) are left out.
    confidence_level : float, default 0.95
        Level of the t interval of the mean and of the signed-rank interval of
        the pseudo-median.

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
        (subject, day).

    Notes
    -----
    The t quantities are NaN when a day has fewer than two changes or they are
    all equal (R's ``t.test`` stops there) [1]_. The Wilcoxon columns follow
    :func:`thera_stats.location.wilcoxon_signed_rank` [2]_: exact when there are fewer than 50 non-zero
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
    -16.865 mm, where the median of the Walsh averages is -16.5 mm).
    ``walsh_median`` is the Hodges-Lehmann estimate itself
    (:func:`thera_stats.location.walsh_median`), the median of the Walsh
    averages, computed in both branches from the non-zero changes (zeros
    dropped as R drops them before ranking); it equals ``hl_estimate`` in the
    exact branch and is NaN when every change is zero.

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
    >>> from thera_stats.score import change_from_baseline, summarize_change
    >>> vas = pd.DataFrame({
    ...     "patient_id": list("ABCDEFG") * 2,
    ...     "day": [0] * 7 + [8] * 7,
    ...     "vas_mm": [72, 65, 80, 58, 91, 60, 77, 40.5, 53, 40, 61, 69, 51.5, 50]})
    >>> cols = {"subject": "patient_id", "day": "day", "baseline_day": 0}
    >>> changes = change_from_baseline(vas, value="vas_mm", **cols)
    >>> out = summarize_change(changes, value="change", **cols)
    >>> out[["day", "n", "mean_change", "wilcoxon_method", "wilcoxon_pvalue"]]
       day  n  mean_change wilcoxon_method  wilcoxon_pvalue
    0    8  7   -19.714286           exact          0.03125
    """
    conf = check_confidence_level(confidence_level)
    baseline_day = _check_day_arg("baseline_day", baseline_day)
    if isinstance(changes, ScoreTable):
        if value != CHANGE:
            raise ValueError(f"`value` ({value!r}) must be {CHANGE!r} for a ScoreTable: its "
                             "changes are in that column.")
        clean = changes.matching(subject, day, None, baseline_day).changes
    else:
        clean = _clean(
            changes, table=_CHANGES_TABLE, subject=subject, day=day, value=value,
            baseline_day=None,
        )
    clean = clean.loc[clean[day] != baseline_day]
    rows = []
    for d in sorted(clean[day].unique().tolist()):
        x = np.sort(clean.loc[clean[day] == d, value].to_numpy(dtype=float))
        n = len(x)
        t = one_sample_t(x, confidence_level=conf)
        w = wilcoxon_signed_rank(x, confidence_level=conf)
        q1, med, q3 = np.percentile(x, [25, 50, 75])
        rows.append(
            {
                "day": int(d), "n": n, "mean_change": float(np.mean(x)),
                "sd_change": float(np.std(x, ddof=1)) if n > 1 else math.nan,
                "median_change": float(med), "q1": float(q1), "q3": float(q3),
                "min": float(x[0]), "max": float(x[-1]),
                "mean_change_ci_low": t.confidence_interval.low,
                "mean_change_ci_high": t.confidence_interval.high,
                "t_statistic": t.statistic, "t_pvalue": t.pvalue,
                "wilcoxon_statistic": w.statistic, "wilcoxon_pvalue": w.pvalue,
                "wilcoxon_method": w.method, "hl_estimate": w.estimate,
                "hl_ci_low": w.confidence_interval.low, "hl_ci_high": w.confidence_interval.high,
                "hl_confidence_level": w.confidence_interval.confidence_level,
                "walsh_median": walsh_median(x),
            }
        )
    out = pd.DataFrame(rows, columns=_SUMMARY_COLUMNS)
    return out.astype({"day": "int64", "n": "int64", "wilcoxon_method": "str"})


# =========================================================================== responders
def _check_better(better: Any) -> str:
    return check_choice("better", better, _DIRECTIONS)


def _check_threshold(name: str, value: Any, upper: float | None) -> Fraction | None:
    if value is None:
        return None
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` ({value!r}) must be a number or None.")
    v = float(value)
    if upper is not None and not (0.0 <= v <= upper):
        raise ValueError(
            f"`{name}` ({value!r}) must lie in [0, {upper:g}]"
            + (" (a fraction of the baseline: 0.5 = 50 %)." if name == "relative" else ".")
        )
    if not (math.isfinite(v) and v >= 0.0):
        raise ValueError(f"`{name}` ({value!r}) must be a finite number >= 0.")
    return _exact(v)


def _thresholds(
    relative: Any, absolute: Any, better: str
) -> tuple[Fraction | None, Fraction | None]:
    """The responder thresholds as exact fractions; a relative reduction cannot exceed 100 %."""
    rel = _check_threshold("relative", relative, 1.0 if better == "lower" else None)
    absolute_ = _check_threshold("absolute", absolute, None)
    if rel is None and absolute_ is None:
        raise ValueError("At least one of `relative` and `absolute` must be given.")
    return rel, absolute_


def _improvement(baseline: float, value: float, better: str) -> Fraction:
    """Improvement from baseline, exact: ``b - v`` when lower is better, ``v - b`` otherwise."""
    gain = _exact(baseline) - _exact(value)
    return gain if better == "lower" else -gain


def _definition(
    rel: Fraction | None,
    absolute: Fraction | None,
    combine: str,
    missing: str,
    better: str,
    unit: str,
) -> str:
    word = "reduction" if better == "lower" else "increase"
    parts = []
    if rel is not None:
        parts.append(f"{word} >= {float(rel * 100):g} %")
    if absolute is not None:
        parts.append(f"{word} >= {float(absolute):g}" + (f" {unit}" if unit else ""))
    joined = f" {combine} ".join(parts)
    return f"{joined}; missing = {missing}"


_FLAG_COLUMNS = ("observed", "relative_met", "absolute_met", "responder")


def responder_flags(
    data: pd.DataFrame | ScoreTable,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    better: str,
    relative: float | None = None,
    absolute: float | None = None,
    combine: str = "and",
    missing: str = "non-responder",
    value_range: tuple[float, float] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """Responder status of every subject on every post-baseline day.

    Parameters
    ----------
    data : DataFrame
        Long table of the score (see :func:`change_from_baseline`).
    subject, day, value, baseline_day
        As in :func:`change_from_baseline`.
    better : {"lower", "higher"}
        Direction of improvement: ``"lower"`` for a pain or symptom score
        (improvement = baseline - value), ``"higher"`` for a function or
        quality-of-life score (improvement = value - baseline). Required.
    relative : float or None, default None
        Required relative improvement, as a fraction of ``|baseline|`` (0.5 =
        50 %); at most 1 when ``better="lower"``. ``None`` drops this criterion.
    absolute : float or None, default None
        Required absolute improvement, in the units of the score (>= 0);
        ``None`` drops this criterion. At least one of the two is needed.
    combine : {"and", "or"}, default "and"
        How the two criteria combine when both are given.
    missing : {"non-responder", "exclude"}, default "non-responder"
        A subject without a value on a day is a non-responder, or is left out
        of that day (``responder`` is then missing, <NA>).
    value_range, unit
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        One row per subject and post-baseline day (every day on which anyone
        was assessed), sorted, with ``subject, day, value, baseline, change,
        pct_change`` (NaN when not observed) and the nullable boolean flags
        ``observed, relative_met, absolute_met, responder`` (a criterion that
        is not used, or a day not observed, gives <NA>).

    Notes
    -----
    With improvement :math:`g = b - v` (lower is better) or :math:`g = v - b`
    (higher is better) for baseline :math:`b` and value :math:`v`, the
    criteria are :math:`g \\ge r\\,|b|` and :math:`g \\ge a`. From a zero
    baseline the relative improvement :math:`g / |b|` is :math:`+\\infty` when
    :math:`g > 0`, which meets any relative criterion, and undefined (0/0) when
    :math:`g = 0`, which meets none (not even ``relative=0``): a patient
    without pain at baseline and none later has not responded. An improvement exactly on the boundary counts as
    response. The comparison is exact: values and thresholds are taken as the
    decimals they display as (``0.3`` is 3/10) and compared as rational
    numbers, with no floating-point rounding.

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
    >>> from thera_stats.score import responder_flags
    >>> vas = pd.DataFrame({"patient_id": ["A", "A", "B", "B"], "day": [0, 8, 0, 8],
    ...                     "vas_mm": [60.3, 30.15, 45.0, 30.0]})
    >>> flags = responder_flags(vas, subject="patient_id", day="day", value="vas_mm",
    ...                         baseline_day=0, better="lower", relative=0.5, absolute=20)
    >>> flags[["patient_id", "responder"]]
      patient_id  responder
    0          A       True
    1          B      False
    """
    better = _check_better(better)
    rel, absolute_ = _thresholds(relative, absolute, better)
    check_choice("combine", combine, ("and", "or"))
    check_choice("missing", missing, _MISSING_RULES)
    changes = _changes(
        data, subject=subject, day=day, value=value, baseline_day=baseline_day,
        value_range=value_range, unit=unit,
    )
    return _flags_from_changes(
        changes, rel, absolute_, combine, missing, better, baseline_day, subject, day, value
    )


def _flags_from_changes(
    changes: pd.DataFrame,
    rel: Fraction | None,
    absolute: Fraction | None,
    combine: str,
    missing: str,
    better: str,
    baseline_day: int,
    subject: str,
    day: str,
    value: str,
) -> pd.DataFrame:
    keep = [subject, day, value, BASELINE, CHANGE, PCT_CHANGE]
    post = changes.loc[changes[day] != baseline_day, keep]
    subjects = changes[subject].drop_duplicates().tolist()
    days = sorted(post[day].unique().tolist())
    grid = pd.DataFrame(
        {subject: np.repeat(np.array(subjects, dtype=object), len(days)),
         day: np.tile(np.array(days, dtype=np.int64), len(subjects))}
    )
    if len(grid):
        grid[subject] = grid[subject].astype(changes[subject].dtype)
    out = grid.merge(post, on=[subject, day], how="left", validate="one_to_one")
    observed = out[value].notna().to_numpy(dtype=bool)
    n = len(out)
    rel_met: list[Any] = [pd.NA] * n
    abs_met: list[Any] = [pd.NA] * n
    resp: list[Any] = [pd.NA if missing == "exclude" else False] * n
    base_values = out[BASELINE].tolist()
    values = out[value].tolist()
    for i in np.flatnonzero(observed).tolist():
        b = _exact(base_values[i])
        gain = _improvement(base_values[i], values[i], better)
        # From a zero baseline any gain is an infinite relative improvement; no gain, 0/0.
        r_ok = None if rel is None else bool(gain >= rel * abs(b) if b != 0 else gain > 0)
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
    data: pd.DataFrame | ScoreTable,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    better: str,
    relative: float | None = None,
    absolute: float | None = None,
    combine: str = "and",
    missing: str = "non-responder",
    confidence_level: float = 0.95,
    value_range: tuple[float, float] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """Proportion of responders on each post-baseline day with exact (Clopper-Pearson) intervals.

    Parameters
    ----------
    data : DataFrame
        Long table of the score (see :func:`change_from_baseline`).
    subject, day, value, baseline_day
        As in :func:`change_from_baseline`.
    better, relative, absolute, combine, missing
        The responder definition, as in :func:`responder_flags`.
    confidence_level : float, default 0.95
        Level of the two-sided Clopper-Pearson interval.
    value_range, unit
        As in :func:`change_from_baseline`; ``unit`` also labels the absolute
        threshold in ``definition``.

    Returns
    -------
    DataFrame
        One row per post-baseline day: ``day, n, responders, proportion,
        ci_low, ci_high, definition``. With ``missing="non-responder"``, ``n``
        is every subject in the table; with ``"exclude"``, the subjects
        assessed that day. ``definition`` spells the rule, for example
        ``"reduction >= 50 % and reduction >= 20 mm; missing = non-responder"``.

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
    >>> from thera_stats.score import responder_rates
    >>> vas = pd.DataFrame({"patient_id": list("ABCD") * 2, "day": [0] * 4 + [8] * 4,
    ...                     "vas_mm": [80, 60, 70, 50, 40, 45, 20, 25]})
    >>> rates = responder_rates(vas, subject="patient_id", day="day", value="vas_mm",
    ...                         baseline_day=0, better="lower", relative=0.5)
    >>> rates[["day", "n", "responders", "proportion"]]
       day  n  responders  proportion
    0    8  4           3        0.75
    """
    conf = check_confidence_level(confidence_level)
    flags = responder_flags(
        data, subject=subject, day=day, value=value, baseline_day=baseline_day, better=better,
        relative=relative, absolute=absolute, combine=combine, missing=missing,
        value_range=value_range, unit=unit,
    )
    rel, absolute_ = _thresholds(relative, absolute, better)
    definition = _definition(rel, absolute_, combine, missing, better, unit)
    return summarize_responders(flags, day=day, confidence_level=conf, definition=definition)


def summarize_responders(
    flags: pd.DataFrame, *, day: str, confidence_level: float = 0.95, definition: str = "",
) -> pd.DataFrame:
    """Responder proportions by day from :func:`responder_flags` output.

    The table of :func:`responder_rates`, for flags already computed (so an
    analysis that needs both derives the flags once). Patients whose flag is
    <NA> (not assessed, ``missing="exclude"``) are left out of ``n``.

    Parameters
    ----------
    flags : DataFrame
        From :func:`responder_flags` (columns ``day`` and ``responder``).
    day : str
        Name of the day column.
    confidence_level : float
        Level of the exact (Clopper-Pearson) intervals.
    definition : str
        Text put in the ``definition`` column.

    Returns
    -------
    DataFrame
        ``day, n, responders, proportion, ci_low, ci_high, definition``.

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.score import responder_flags, summarize_responders
    >>> data = pd.DataFrame({"id": list("ABCD") * 2, "t": [0] * 4 + [8] * 4,
    ...                      "nrs": [8, 6, 7, 5, 4, 5, 2, 3]})
    >>> flags = responder_flags(data, subject="id", day="t", value="nrs", baseline_day=0,
    ...                         better="lower", relative=0.5)
    >>> summarize_responders(flags, day="t")[["day", "n", "responders"]]
       day  n  responders
    0    8  4           2
    """
    from thera_stats.binomial import binomial_ci

    conf = check_confidence_level(confidence_level)

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
    data: pd.DataFrame | ScoreTable,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    better: str,
    scale: str = "absolute",
    missing: str = "non-responder",
    value_range: tuple[float, float] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """Cumulative proportion of responders: subjects improved by at least c, for every c.

    Parameters
    ----------
    data : DataFrame
        Long table of the score (see :func:`change_from_baseline`).
    subject, day, value, baseline_day
        As in :func:`change_from_baseline`.
    better : {"lower", "higher"}
        Direction of improvement, as in :func:`responder_flags`. Required.
    scale : {"absolute", "relative"}, default "absolute"
        Improvement in the units of the score, or as a percentage of
        ``|baseline|``.
    missing : {"non-responder", "exclude"}, default "non-responder"
        Whether subjects not assessed on a day are in the denominator.
    value_range, unit
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        For each post-baseline day, one row per distinct observed improvement
        ``threshold`` (ascending; units or %): ``day, threshold, n, responders,
        proportion``, where ``responders`` counts subjects improved by at
        least ``threshold``. The curve is a step function: for any c between
        two consecutive thresholds the proportion is that of the larger one;
        above the largest it is 0 and at or below the smallest it is the
        proportion observed.

    Notes
    -----
    Improvements are compared exactly (rational arithmetic), so a subject
    exactly on a threshold counts. With the relative scale, a subject with a
    baseline of 0 is left out of the curve (its relative improvement is 0/0 or
    infinite; :func:`responder_flags` defines how it meets a relative criterion).

    References
    ----------
    .. [1] Farrar JT, Dworkin RH, Max MB. Use of the cumulative proportion of
       responders analysis graph to present pain data over a range of cut-off
       points. J Pain Symptom Manage 2006;31:369-377.
       doi:10.1016/j.jpainsymman.2005.08.018

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.score import responder_curve
    >>> vas = pd.DataFrame({"patient_id": list("ABC") * 2, "day": [0] * 3 + [8] * 3,
    ...                     "vas_mm": [80, 60, 70, 40, 60, 50]})
    >>> responder_curve(vas, subject="patient_id", day="day", value="vas_mm", baseline_day=0,
    ...                 better="lower")
       day  threshold  n  responders  proportion
    0    8        0.0  3           3    1.000000
    1    8       20.0  3           2    0.666667
    2    8       40.0  3           1    0.333333
    """
    better = _check_better(better)
    check_choice("scale", scale, ("absolute", "relative"))
    check_choice("missing", missing, _MISSING_RULES)
    changes = _changes(
        data, subject=subject, day=day, value=value, baseline_day=baseline_day,
        value_range=value_range, unit=unit,
    )
    n_subjects = changes[subject].nunique()
    post = changes.loc[changes[day] != baseline_day]
    rows = []
    for d in sorted(post[day].unique().tolist()):
        at = post.loc[post[day] == d]
        gains: list[Fraction] = []
        for b, v in zip(at[BASELINE].tolist(), at[value].tolist(), strict=True):
            gain = _improvement(b, v, better)
            if scale == "relative":
                if b == 0:
                    continue
                gain = 100 * gain / abs(_exact(b))
            gains.append(gain)
        n = n_subjects if missing == "non-responder" else len(at)
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


def score_auc(
    data: pd.DataFrame | ScoreTable,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    start_day: int,
    end_day: int,
    extrapolate: str = "none",
    value_range: tuple[float, float] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """Per-subject area under the score curve over a window of days (trapezoid rule).

    Parameters
    ----------
    data : DataFrame
        Long table of the score (see :func:`change_from_baseline`).
    subject, day, value, baseline_day
        As in :func:`change_from_baseline`.
    start_day, end_day : int
        The window (required; for example the days of a course of treatment).
    extrapolate : {"none", "locf"}, default "none"
        When a subject has no observation on or after ``end_day`` (for example
        after withdrawal): leave the AUC missing (``"none"``), or carry the
        last observation forward to ``end_day`` (``"locf"``).
    value_range, unit
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        One row per subject: ``subject, start_day, end_day, n_observed``
        (assessments inside the window), ``auc`` (units x days),
        ``auc_change`` (area under the change from baseline, ``auc -
        baseline * (end_day - start_day)``; negative means lower values),
        ``time_weighted_mean`` (the AUC divided by the window length) and
        ``gap_handling``: ``"complete"`` (every day
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
    >>> from thera_stats.score import score_auc
    >>> vas = pd.DataFrame({"patient_id": ["A"] * 4, "day": [0, 1, 3, 5],
    ...                     "vas_mm": [80, 60, 40, 40]})
    >>> auc = score_auc(vas, subject="patient_id", day="day", value="vas_mm", baseline_day=0,
    ...                 start_day=0, end_day=5)
    >>> auc[["patient_id", "auc", "time_weighted_mean", "gap_handling"]]
      patient_id    auc  time_weighted_mean gap_handling
    0          A  250.0                50.0     complete
    """
    start_day = _check_day_arg("start_day", start_day)
    end_day = _check_day_arg("end_day", end_day)
    if end_day <= start_day:
        raise ValueError(f"`end_day` ({end_day!r}) must be after `start_day` ({start_day!r}).")
    check_choice("extrapolate", extrapolate, ("none", "locf"))
    changes = _changes(
        data, subject=subject, day=day, value=value, baseline_day=baseline_day,
        value_range=value_range, unit=unit,
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
             "n_observed": int(inside.sum()), "auc": auc,
             "auc_change": auc - base * length, "time_weighted_mean": auc / length,
             "gap_handling": status}
        )
    cols = [subject, "start_day", "end_day", "n_observed", "auc", "auc_change",
            "time_weighted_mean", "gap_handling"]
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
    t = one_sample_t(x, confidence_level=conf)
    return {
        "method": method, "day": d, "n": t.n, "n_observed": n_obs, "estimate": t.estimate,
        "se": t.se, "df": t.df, "ci_low": t.confidence_interval.low,
        "ci_high": t.confidence_interval.high, "pvalue": t.pvalue,
    }


def missing_data_sensitivity(
    data: pd.DataFrame | ScoreTable,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    primary_day: int,
    confidence_level: float = 0.95,
    covariance: str = "unstructured",
    include_mmrm: bool = True,
    value_range: tuple[float, float] | None = None,
    unit: str = "",
) -> pd.DataFrame:
    """Mean change from baseline on the primary day under four ways of handling missing values.

    Parameters
    ----------
    data : DataFrame
        Long table of the score (see :func:`change_from_baseline`).
    subject, day, value, baseline_day
        As in :func:`change_from_baseline`.
    primary_day : int
        The day of the primary endpoint (required).
    confidence_level : float, default 0.95
        Level of the intervals.
    covariance : str, default "unstructured"
        Covariance structure of the MMRM (see :func:`thera_stats.mmrm.mmrm`).
    include_mmrm : bool, default True
        Fit the MMRM row (it raises :class:`~thera_stats.errors.ConvergenceError`
        if the model does not converge).
    value_range, unit
        As in :func:`change_from_baseline`.

    Returns
    -------
    DataFrame
        One row per method, ``method`` in ``"observed cases"``, ``"LOCF"``,
        ``"BOCF"`` and ``"MMRM"``, with ``day, n`` (subjects in the analysis),
        ``n_observed`` (assessed on the primary day), ``estimate`` (mean change,
        in the units of the score), ``se, df, ci_low, ci_high, pvalue``
        (one-sample t for the first three; for the last the least-squares mean
        of an MMRM of the change on day with the baseline as covariate, at the
        mean baseline, Satterthwaite df).

    Notes
    -----
    *Observed cases* uses the subjects assessed on the primary day. *LOCF*
    replaces a missing primary-day value by the subject's last value before it
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
    >>> from thera_stats.score import missing_data_sensitivity
    >>> vas = pd.DataFrame({"patient_id": list("AAABBBCCDD"),
    ...                     "day": [0, 1, 8, 0, 1, 8, 0, 1, 0, 1],
    ...                     "vas_mm": [80, 60, 40, 70, 50, 35, 60, 50, 65, 60]})
    >>> out = missing_data_sensitivity(vas, subject="patient_id", day="day", value="vas_mm",
    ...                                baseline_day=0, primary_day=8, include_mmrm=False)
    >>> out[["method", "n", "n_observed", "estimate"]]
               method  n  n_observed  estimate
    0  observed cases  2           2    -37.50
    1            LOCF  4           2    -22.50
    2            BOCF  4           2    -18.75
    """
    primary_day = _check_day_arg("primary_day", primary_day)
    conf = check_confidence_level(confidence_level)
    changes = _changes(
        data, subject=subject, day=day, value=value, baseline_day=baseline_day,
        value_range=value_range, unit=unit,
    )
    if primary_day == baseline_day:
        raise ValueError(f"`primary_day` ({primary_day!r}) must differ from the baseline day.")
    if not (changes[day] == primary_day).any():
        raise ValueError(f"No subject was assessed on the primary day ({primary_day!r}).")
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

        # Days before the baseline day (allowed in a score table, e.g. screening) are
        # not responses; the MMRM rejects them, so only later days are passed.
        fit = mmrm(
            changes.loc[changes[day] >= baseline_day], subject=subject, day=day, value=CHANGE,
            baseline_day=baseline_day, covariates=(BASELINE,), covariance=covariance,
            df="satterthwaite", confidence_level=conf,
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
