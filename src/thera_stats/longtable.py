"""The one validator of long tables: one row per subject and assessment day.

A long table holds repeated assessments of a score (pain VAS in mm, an NRS from
0 to 10, a change from baseline, ...): a subject column, an integer day column
and a numeric value column. Every module that reads such a table validates it
here, so each rule is written once and reported in one wording:

- the three columns are present (each once) and the table has rows;
- the subject identifier is not blank;
- the day is present, a whole number and not negative;
- the value is a finite number (a missing value is a missed assessment, not an
  error), optionally inside ``value_range``;
- (subject, day) is unique; every row of a duplicate is reported, naming the
  other rows;
- optionally, every subject has a non-missing value on ``baseline_day``.

:func:`check_long_table` returns the typed copy and the list of problems and
never raises for a problem in the data; :func:`validate_long_table` raises one
:class:`~thera_stats.errors.DataValidationError` listing every problem.
Rows are checked with vectorised pandas/numpy operations; only the problems
found are formatted one by one.
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from thera_stats.errors import DataValidationError, problem

__all__ = ["check_long_table", "validate_long_table"]

BoolArray = npt.NDArray[np.bool_]
FloatArray = npt.NDArray[np.float64]

#: Days beyond this are not plausible assessment days (and would not fit an int64 safely).
_MAX_DAY = 2.0**53
#: At most this many other rows are named in a duplicate message.
_MAX_OTHERS = 5


# =========================================================================== cell helpers
def _blank_mask(s: pd.Series) -> BoolArray:
    """Cells that are missing: None, NaN, NA, NaT or only white space (vectorised ``is_blank``)."""
    missing = np.array(s.isna().to_numpy(), dtype=bool)
    if s.dtype == object or isinstance(s.dtype, pd.StringDtype):
        text = [isinstance(v, str) and not v.strip() for v in s.astype(object).tolist()]
        missing |= np.array(text, dtype=bool)
    return missing


def _bool_mask(s: pd.Series) -> BoolArray:
    """Cells holding a boolean, which is never accepted as a number."""
    if pd.api.types.is_bool_dtype(s.dtype):
        return ~np.asarray(s.isna().to_numpy(), dtype=bool)
    if s.dtype == object:
        return np.array([isinstance(v, bool | np.bool_) for v in s.tolist()], dtype=bool)
    return np.zeros(len(s), dtype=bool)


def _scalar_float(v: Any) -> float:
    if isinstance(v, bool | np.bool_):
        return np.nan
    if isinstance(v, numbers.Real):
        return float(v)
    if isinstance(v, str):
        try:
            return float(v.strip())
        except ValueError:
            return np.nan
    return np.nan


def _to_float(s: pd.Series) -> FloatArray:
    """Numbers as floats; text that is not a number, and anything else, is NaN."""
    if s.dtype.kind in "mM" or isinstance(s.dtype, pd.DatetimeTZDtype | pd.PeriodDtype):
        return np.full(len(s), np.nan)
    try:
        num = pd.to_numeric(s, errors="coerce")
        if num.dtype.kind not in "iufb":
            raise TypeError
        return np.asarray(num.to_numpy(dtype=float, na_value=np.nan), dtype=float)
    except (TypeError, ValueError, OverflowError):
        return np.array([_scalar_float(v) for v in s.astype(object).tolist()], dtype=float)


def _fmt_day(d: float) -> str:
    return f"{d:g}"


def _keys(s: pd.Series) -> npt.NDArray[np.int64]:
    """Integer codes of the subject identifiers (equal identifiers, equal codes)."""
    try:
        codes, _ = pd.factorize(s.astype(object), use_na_sentinel=True)
    except TypeError:  # unhashable cells (lists, dicts): compare their text
        codes, _ = pd.factorize(s.astype(object).map(repr), use_na_sentinel=True)
    return np.asarray(codes, dtype=np.int64)


# =========================================================================== arguments
def _check_arguments(
    frame: Any,
    table: Any,
    subject: Any,
    day: Any,
    value: Any,
    value_range: Any,
    unit: Any,
    baseline_day: Any,
    lines: Any,
) -> tuple[tuple[float, float] | None, int | None, npt.NDArray[np.int64]]:
    if not isinstance(table, str):
        raise TypeError(f"`table` ({table!r}) must be a table name (str).")
    if not isinstance(frame, pd.DataFrame):
        raise TypeError(f"`{table}` must be a pandas DataFrame; got {type(frame).__name__}.")
    for name, col in (("subject", subject), ("day", day), ("value", value)):
        if not isinstance(col, str):
            raise TypeError(f"`{name}` ({col!r}) must be a column name (str).")
    if not isinstance(unit, str):
        raise TypeError(f"`unit` ({unit!r}) must be a string ('' for no unit).")
    bounds: tuple[float, float] | None = None
    if value_range is not None:
        try:
            lo, hi = value_range
        except (TypeError, ValueError):
            raise TypeError(
                f"`value_range` ({value_range!r}) must be a pair (low, high) or None."
            ) from None
        for v in (lo, hi):
            if isinstance(v, bool | np.bool_) or not isinstance(v, numbers.Real):
                raise TypeError(f"`value_range` ({value_range!r}) must hold two numbers.")
        if not (float(lo) <= float(hi)):
            raise ValueError(f"`value_range` ({value_range!r}) must have low <= high.")
        bounds = (float(lo), float(hi))
    base: int | None = None
    if baseline_day is not None:
        if isinstance(baseline_day, bool | np.bool_) or not isinstance(
            baseline_day, int | np.integer
        ):
            raise TypeError(f"`baseline_day` ({baseline_day!r}) must be an integer day or None.")
        base = int(baseline_day)
    n = len(frame)
    if lines is None:
        line_no = np.arange(n, dtype=np.int64) + 2
    else:
        if isinstance(lines, str | bytes):
            raise TypeError(f"`lines` must be a sequence of line numbers; got {lines!r}.")
        line_no = np.asarray(lines)
        if line_no.ndim != 1 or not (
            line_no.size == 0 or np.issubdtype(line_no.dtype, np.integer)
        ):
            raise TypeError("`lines` must be a flat sequence of integer line numbers.")
        if line_no.size != n:
            raise ValueError(
                f"`lines` has {line_no.size} entries; the table has {n} rows (one line per row)."
            )
        line_no = line_no.astype(np.int64)
    return bounds, base, line_no


# =========================================================================== the validator
def check_long_table(
    frame: pd.DataFrame,
    *,
    table: str,
    subject: str,
    day: str,
    value: str,
    value_range: tuple[float, float] | None = None,
    unit: str = "",
    baseline_day: int | None = None,
    lines: Sequence[int] | None = None,
) -> tuple[pd.DataFrame, list[dict[str, Any]]]:
    """Check a long table (one row per subject and day); return a typed copy and its problems.

    Parameters
    ----------
    frame : DataFrame
        The table; it is not modified.
    table : str
        Name of the table in the problem records (``"vas"``, ``"changes"``, ...).
    subject, day, value : str
        Column names of the subject identifier, the assessment day and the value.
    value_range : (float, float), optional
        Closed interval the values must lie in (for example ``(0, 100)`` for a
        VAS in mm); no range check by default.
    unit : str, default ""
        Unit of the values, used in messages only (``"mm"``: "must be a number
        in mm", "must be between 0 and 100 mm").
    baseline_day : int, optional
        When given, every subject needs a non-missing value on this day.
    lines : sequence of int, optional
        The physical file line of each row, reported as the problem's ``row``;
        by default row ``i`` is line ``i + 2`` (header = line 1), the CSV line
        when the table was read from a file in order.

    Returns
    -------
    typed : DataFrame
        A copy with ``day`` as int64 and ``value`` as float, without the rows
        whose value is missing (missed assessments), index reset; every other
        column unchanged. When there are problems it holds only the rows free
        of a row-level problem (useful for inspection, not for analysis); when
        a required column is missing or the table is empty it has no rows.
    problems : list of dict
        One record per problem, built by :func:`thera_stats.errors.problem`
        (``table, row, patient_id, column, value, rule, severity``), in row
        order; ``row`` is the file line (``None`` for a problem of the whole
        table or of a subject, such as a missing baseline). Empty when the
        table is valid.

    Raises
    ------
    TypeError
        ``frame`` is not a DataFrame, or an argument has the wrong type (a
        column name that is not a string, say). Problems in the data never
        raise.
    ValueError
        ``value_range`` with low > high, or ``lines`` of the wrong length.

    See Also
    --------
    validate_long_table : the same checks, raising on any problem.

    Notes
    -----
    A value cell that is empty (None, NaN, NA or white space) is a missed
    assessment: not an error, and its row is dropped from the typed copy. A
    boolean is never a number or a day. Text is accepted when it spells a
    number (``"12.5"``, as read from a CSV file), not with a decimal comma.
    A duplicate (subject, day) is reported on every one of its rows (up to
    five other rows are named in each message); rows whose subject or day is
    itself invalid take no part in the duplicate and baseline checks.

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.longtable import check_long_table
    >>> vas = pd.DataFrame({"patient_id": ["A", "A", "B", "B"], "day": [0, 8, 0, 0],
    ...                     "vas_mm": [50, None, 60, 120]})
    >>> typed, problems = check_long_table(vas, table="vas", subject="patient_id", day="day",
    ...                                    value="vas_mm", value_range=(0, 100), unit="mm")
    >>> for p in problems:
    ...     print(p["row"], p["rule"])
    4 (patient, day) must be unique: patient B has 2 rows for day 0 (also row(s) 5)
    5 vas_mm must be between 0 and 100 mm (patient B, day 0)
    5 (patient, day) must be unique: patient B has 2 rows for day 0 (also row(s) 4)
    """
    bounds, base, line_no = _check_arguments(
        frame, table, subject, day, value, value_range, unit, baseline_day, lines
    )
    empty = frame.iloc[0:0].copy()
    problems: list[dict[str, Any]] = []
    for col in dict.fromkeys((subject, day, value)):
        count = int(np.sum(frame.columns == col))
        if count == 0:
            problems.append(problem(table, f"required column {col!r} is missing", column=col))
        elif count > 1:
            problems.append(
                problem(table, f"column {col!r} appears {count} times; names must be unique",
                        column=col)
            )
    if problems:
        return empty, problems
    n = len(frame)
    if n == 0:
        return empty, [problem(table, "the table has no rows")]

    pid_s = frame[subject]
    day_s = frame[day]
    val_s = frame[value]
    pids = pid_s.astype(object).to_numpy()
    raw_days = day_s.astype(object).to_numpy()
    raw_vals = val_s.astype(object).to_numpy()

    # ---- subject
    blank_pid = _blank_mask(pid_s)
    # ---- day: missing / not a whole number / negative
    days = _to_float(day_s)
    blank_day = _blank_mask(day_s)
    with np.errstate(invalid="ignore"):
        whole = np.isfinite(days) & (days == np.round(days)) & (np.abs(days) <= _MAX_DAY)
    bad_whole = ~blank_day & (_bool_mask(day_s) | ~whole)
    negative = ~blank_day & ~bad_whole & (days < 0)
    day_ok = ~blank_day & ~bad_whole & ~negative
    # ---- value: missing is fine; not a number / not finite / out of range
    vals = _to_float(val_s)
    blank_val = _blank_mask(val_s)
    not_number = ~blank_val & (_bool_mask(val_s) | np.isnan(vals))
    infinite = ~blank_val & ~not_number & np.isinf(vals)
    out_of_range = np.zeros(n, dtype=bool)
    if bounds is not None:
        with np.errstate(invalid="ignore"):
            out_of_range = (
                ~blank_val & ~not_number & ~infinite & ((vals < bounds[0]) | (vals > bounds[1]))
            )
    value_ok = ~(not_number | infinite | out_of_range)

    # Each record is (row position, order within the row, problem); sorted at the end.
    found: list[tuple[int, int, dict[str, Any]]] = []

    def where(i: int) -> str:
        return "this row" if blank_pid[i] else f"patient {pids[i]}"

    def on_day(i: int) -> str:
        return f"day {_fmt_day(days[i])}" if day_ok[i] else "an invalid day"

    for i in np.flatnonzero(blank_pid).tolist():
        found.append((i, 0, problem(table, "patient identifier is missing", row=int(line_no[i]),
                                    column=subject)))
    for i in np.flatnonzero(blank_day).tolist():
        found.append((i, 1, problem(table, "day is missing", row=int(line_no[i]),
                                    patient_id=pids[i], column=day)))
    for i in np.flatnonzero(bad_whole).tolist():
        found.append((i, 1, problem(table, "day must be a whole number of days",
                                    row=int(line_no[i]), patient_id=pids[i], column=day,
                                    value=raw_days[i])))
    for i in np.flatnonzero(negative).tolist():
        found.append((i, 1, problem(table, "day must not be negative", row=int(line_no[i]),
                                    patient_id=pids[i], column=day, value=raw_days[i])))
    in_unit = f" in {unit}" if unit else ""
    for i in np.flatnonzero(not_number).tolist():
        found.append((i, 2, problem(
            table, f"{value} must be a number{in_unit} ({where(i)}, {on_day(i)}); "
            "use a point as decimal mark",
            row=int(line_no[i]), patient_id=pids[i], column=value, value=raw_vals[i])))
    for i in np.flatnonzero(infinite).tolist():
        found.append((i, 2, problem(
            table, f"{value} must be finite ({where(i)}, {on_day(i)})", row=int(line_no[i]),
            patient_id=pids[i], column=value, value=raw_vals[i])))
    if bounds is not None:
        span = f"between {bounds[0]:g} and {bounds[1]:g}{' ' + unit if unit else ''}"
        for i in np.flatnonzero(out_of_range).tolist():
            found.append((i, 2, problem(
                table, f"{value} must be {span} ({where(i)}, {on_day(i)})",
                row=int(line_no[i]), patient_id=pids[i], column=value, value=raw_vals[i])))

    # ---- duplicate (subject, day), among rows whose subject and day are valid
    usable = day_ok & ~blank_pid
    codes = _keys(pid_s)
    int_days = np.where(usable, days, 0).astype(np.int64)
    idx = np.flatnonzero(usable)
    if idx.size:
        keyed = pd.DataFrame({"s": codes[idx], "d": int_days[idx]})
        dup = keyed.duplicated(keep=False).to_numpy(dtype=bool)
        if dup.any():
            rows = idx[dup]
            group = keyed.loc[dup].groupby(["s", "d"], sort=False).ngroup().to_numpy()
            order = np.argsort(group, kind="stable")
            bounds_at = np.flatnonzero(np.diff(group[order])) + 1
            for members in np.split(rows[order], bounds_at):
                member_lines = line_no[members].tolist()
                k = len(member_lines)
                head = member_lines[: _MAX_OTHERS + 1]
                more = f" and {k - 1 - _MAX_OTHERS} more" if k - 1 > _MAX_OTHERS else ""
                for j, i in enumerate(members.tolist()):
                    others = [str(r) for jj, r in enumerate(head) if jj != j][:_MAX_OTHERS]
                    shown = ", ".join(others) + more
                    found.append((i, 3, problem(
                        table, f"(patient, day) must be unique: patient {pids[i]} has {k} rows "
                        f"for day {_fmt_day(days[i])} (also row(s) {shown})",
                        row=int(line_no[i]), patient_id=pids[i], column=day,
                        value=_fmt_day(days[i]))))

    found.sort(key=lambda rec: (rec[0], rec[1]))
    problems = [rec[2] for rec in found]

    # ---- baseline: every subject (first appearance order) needs a value on baseline_day
    if base is not None:
        named = ~blank_pid
        has_base = np.zeros(int(codes.max()) + 1 if codes.size else 0, dtype=bool)
        on_base = usable & (int_days == base) & ~blank_val
        has_base[codes[on_base]] = True
        first = np.flatnonzero(named)
        _, first_pos = np.unique(codes[first], return_index=True)
        for i in np.sort(first[first_pos]).tolist():
            if not has_base[codes[i]]:
                problems.append(problem(
                    table, f"patient {pids[i]} has no baseline {value} (day {base}): "
                    "change from baseline cannot be computed",
                    patient_id=pids[i], column=value))

    keep = ~blank_pid & day_ok & value_ok & ~blank_val
    out = frame.loc[keep].copy()
    out[day] = days[keep].astype(np.int64)
    out[value] = vals[keep]
    return out.reset_index(drop=True), problems


def validate_long_table(
    frame: pd.DataFrame,
    *,
    table: str,
    subject: str,
    day: str,
    value: str,
    value_range: tuple[float, float] | None = None,
    unit: str = "",
    baseline_day: int | None = None,
    lines: Sequence[int] | None = None,
) -> pd.DataFrame:
    """Check a long table and return its typed copy, or raise listing every problem.

    Parameters
    ----------
    frame, table, subject, day, value, value_range, unit, baseline_day, lines
        As in :func:`check_long_table`.

    Returns
    -------
    DataFrame
        The typed copy of :func:`check_long_table` (``day`` int64, ``value``
        float, rows with a missing value dropped, index reset).

    Raises
    ------
    DataValidationError
        With every problem of the table (context ``"<table> table"``).
    TypeError, ValueError
        As in :func:`check_long_table`, for bad arguments.

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.longtable import validate_long_table
    >>> nrs = pd.DataFrame({"subject": ["S1", "S1", "S2"], "day": [0, 7, 0.5],
    ...                     "nrs": [7, 3, 11]})
    >>> validate_long_table(nrs, table="nrs", subject="subject", day="day", value="nrs",
    ...                     value_range=(0, 10))
    Traceback (most recent call last):
    ...
    thera_stats.errors.DataValidationError: nrs table: 2 error(s):
      - [ERROR] table nrs, row 4, patient S2, column day: value '0.5' day must be a whole number of days
      - [ERROR] table nrs, row 4, patient S2, column nrs: value '11' nrs must be between 0 and 10 (patient S2, an invalid day)
    """
    typed, problems = check_long_table(
        frame, table=table, subject=subject, day=day, value=value, value_range=value_range,
        unit=unit, baseline_day=baseline_day, lines=lines,
    )
    if problems:
        raise DataValidationError(problems, context=f"{table} table")
    return typed
