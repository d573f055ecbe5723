"""The exceptions raised by thera_stats.

Every user-facing error derives from :class:`TheraStatsError`, so a caller can
catch the package's errors without catching programming mistakes.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:  # imported where used, so the command line starts without them
    import pandas as pd

__all__ = [
    "ConvergenceError",
    "DataValidationError",
    "TheraStatsError",
    "TrialFolderError",
    "is_blank",
    "problem",
]

PROBLEM_COLUMNS = ("table", "row", "patient_id", "column", "value", "rule", "severity")


class TheraStatsError(Exception):
    """Base class of the errors raised by thera_stats."""


class DataValidationError(TheraStatsError, ValueError):
    """One or more tables broke the data rules; every problem is listed at once.

    Parameters
    ----------
    problems : DataFrame or sequence of dict
        One row per problem with the columns ``table``, ``row`` (1-based line
        number in the file, header = line 1, or ``None`` for a whole-table
        problem), ``patient_id``, ``column``, ``value``, ``rule`` and
        ``severity`` (``"error"`` or ``"deviation"``).
    context : str, optional
        What was being validated, put at the head of the message.
    """

    def __init__(
        self,
        problems: pd.DataFrame | Sequence[dict[str, Any]],
        context: str = "data",
    ) -> None:
        import pandas as pd

        frame = pd.DataFrame(list(problems) if not isinstance(problems, pd.DataFrame) else problems)
        for col in PROBLEM_COLUMNS:
            if col not in frame.columns:
                frame[col] = "error" if col == "severity" else None
        frame["row"] = frame["row"].astype("Int64")
        self.problems: pd.DataFrame = frame.loc[:, list(PROBLEM_COLUMNS)].reset_index(drop=True)
        self.context = context
        super().__init__(format_problems(self.problems, context))


class TrialFolderError(TheraStatsError, FileNotFoundError):
    """A trial folder does not exist, is not a folder or is a symbolic-link loop."""


class ConvergenceError(TheraStatsError, RuntimeError):
    """An iterative fit did not converge; no numbers are returned."""


def one_line(err: BaseException) -> str:
    """An error's message on one line: a problem list ("context: 2 error(s):" then one line
    per problem) becomes "context: 2 error(s): first; second", so a table cell or a memo
    sentence that can hold one line keeps the reason and not only the count."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    if not lines:
        return type(err).__name__
    head, rest = lines[0], [line.removeprefix("- ") for line in lines[1:]]
    return " ".join([head, "; ".join(rest)]) if rest else head


def is_blank(value: Any) -> bool:
    """Whether a cell is missing: None, NaN, NA, NaT or only white space."""
    import numpy as np
    import pandas as pd

    if value is None or value is pd.NA or value is pd.NaT:
        return True
    if isinstance(value, float | np.floating) and math.isnan(float(value)):
        return True
    return isinstance(value, str) and value.strip() == ""


def problem(
    table: str,
    rule: str,
    *,
    row: int | None = None,
    patient_id: Any = None,
    column: str | None = None,
    value: Any = None,
    severity: str = "error",
) -> dict[str, Any]:
    """One problem record for :class:`DataValidationError` (``row``: spreadsheet row)."""
    import numpy as np

    if is_blank(value):
        text = None
    elif isinstance(value, float | np.floating) and float(value).is_integer():
        text = str(int(value))
    else:
        text = str(value)
    return {
        "table": table,
        "row": row,
        "patient_id": None if is_blank(patient_id) else str(patient_id),
        "column": column,
        "value": text,
        "rule": rule,
        "severity": severity,
    }


def _cell(value: Any) -> str:
    import pandas as pd

    if value is None or value is pd.NA or (isinstance(value, float) and pd.isna(value)):
        return ""
    return str(value)


#: At most this many problems are written into an error message; all of them stay in
#: :attr:`DataValidationError.problems`.
MAX_LISTED = 200


def format_problems(problems: pd.DataFrame, context: str = "data") -> str:
    """Render a problem table as one readable, line-per-problem message.

    At most :data:`MAX_LISTED` problems are written out; the rest are counted.
    """
    errors = int((problems["severity"] == "error").sum()) if len(problems) else 0
    deviations = len(problems) - errors
    head = f"{context}: {errors} error(s)"
    if deviations:
        head += f" and {deviations} protocol deviation(s)"
    lines = [head + ":"]
    for rec in problems.head(MAX_LISTED).itertuples(index=False):
        where = [f"table {rec.table}"]
        if _cell(rec.row):
            where.append(f"row {_cell(rec.row)}")
        if _cell(rec.patient_id):
            where.append(f"patient {_cell(rec.patient_id)}")
        if _cell(rec.column):
            where.append(f"column {_cell(rec.column)}")
        value = f" value {_cell(rec.value)!r}" if _cell(rec.value) else ""
        tag = "DEVIATION" if rec.severity == "deviation" else "ERROR"
        lines.append(f"  - [{tag}] {', '.join(where)}:{value} {rec.rule}")
    if len(problems) > MAX_LISTED:
        lines.append(f"  ... and {len(problems) - MAX_LISTED} more (all are in the error's "
                     "`problems` table)")
    return "\n".join(lines)
