"""Reading, typing and validating a trial folder, as its plan declares it.

A trial folder holds the analysis plan and the tables it names::

    plan.toml               the pre-specified plan (see :mod:`thera_stats.plan`)
    patients.csv            one row per patient
    <endpoint.table>.csv    score endpoints: one row per patient and assessment day
    adverse_events.csv      optional: one row per adverse event

Each table may be Parquet instead of CSV (``patients.parquet`` ...; needs
pyarrow), never both. A folder whose plan has an ``[adam]`` section holds CDISC
ADaM datasets instead (``adsl``, the BDS dataset, optional ``adae``; see
:mod:`thera_stats.adam`), mapped to the same tables. ``docs/data.md`` is the
data dictionary.

Every problem found is collected, and all of them are raised together as one
:class:`~thera_stats.errors.DataValidationError`, each naming its file, the
physical line, the patient, the column, the value and the rule. Eligibility
breaches, assessments after withdrawal and similar are *protocol deviations*:
listed, never dropped, and they do not fail loading.
"""

from __future__ import annotations

import csv
import datetime as _dt
import hashlib
import io
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thera_stats.errors import (
    DataValidationError,
    TrialFolderError,
    format_problems,
    is_blank,
    problem,
)
from thera_stats.formatting import format_count
from thera_stats.plan import AnalysisPlan, EligibilityRule

__all__ = [
    "PATIENT_COLUMNS",
    "Trial",
    "load_trial",
    "synthetic_data_path",
    "validate_tables",
]

_TRUE = {"true", "yes", "1", "t", "y"}
_FALSE = {"false", "no", "0", "f", "n"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")
_INT64_MAX = 2**63 - 1


# --------------------------------------------------------------------------- problems
@dataclass
class _Problems:
    """Accumulates problems; rows are physical file lines (header = line 1)."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, table: str, rule: str, **where: Any) -> None:
        """Record a problem; ``where`` takes :func:`~thera_stats.errors.problem`'s keywords."""
        self.items.append(problem(table, rule, **where))

    def extend(self, items: Sequence[dict[str, Any]]) -> None:
        self.items.extend(items)

    def frame(self, order: Sequence[str] = ()) -> pd.DataFrame:
        """The problems by table (plan first, then ``order``), then row."""
        rank = {name: i for i, name in enumerate(["plan", "folder", *order])}
        items = sorted(
            self.items,
            key=lambda d: (rank.get(str(d["table"]).split(".")[0], 99),
                           -1 if d["row"] is None or pd.isna(d["row"]) else int(d["row"])),
        )
        return DataValidationError(items).problems

    @property
    def has_errors(self) -> bool:
        return any(p.get("severity", "error") == "error" for p in self.items)


def _text(value: Any) -> str:
    return "" if is_blank(value) else str(value).strip()


# --------------------------------------------------------------------------- cell parsers
# Each parser returns (typed value, None) or (None, reason).
_Parser = Callable[[Any], tuple[Any, str | None]]


def _parse_int(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool | np.bool_):
        return None, "must be a whole number, not a true/false value"
    if isinstance(value, int | np.integer):
        out = int(value)
    elif isinstance(value, float | np.floating):
        if not (np.isfinite(value) and float(value).is_integer()):
            return None, "must be a whole number"
        out = int(value)
    else:
        s = _text(value)
        if re.fullmatch(r"[+-]?\d+", s):
            out = int(s)
        elif re.fullmatch(r"[+-]?\d+\.0*", s):
            out = int(s.split(".")[0])
        elif re.fullmatch(r"[+-]?\d+,\d+", s):
            return None, "must be a whole number (a decimal comma was found; use a point)"
        elif _NUMBER.fullmatch(s):
            return None, "must be a whole number"
        else:
            return None, "must be a whole number (text found where a number is required)"
    if abs(out) > _INT64_MAX:
        return None, "is too large: whole numbers must lie within +/- 9223372036854775807"
    return out, None


def _parse_float(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool | np.bool_):
        return None, "must be a number, not a true/false value"
    if isinstance(value, int | float | np.integer | np.floating):
        try:
            v = float(value)
        except OverflowError:
            return None, "must be a finite number"
        return (v, None) if np.isfinite(v) else (None, "must be a finite number")
    s = _text(value)
    if _NUMBER.fullmatch(s):
        v = float(s)
        return (v, None) if np.isfinite(v) else (None, "must be a finite number")
    if re.fullmatch(r"[+-]?\d+,\d+", s):
        return None, "must be a number with a decimal point (a decimal comma was found)"
    return None, "must be a number (text found where a number is required)"


def _parse_bool(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool | np.bool_):
        return bool(value), None
    if isinstance(value, int | np.integer) and int(value) in (0, 1):
        return bool(value), None
    s = _text(value).lower()
    if s in _TRUE:
        return True, None
    if s in _FALSE:
        return False, None
    return None, "must be true or false"


def _parse_date(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, pd.Timestamp):
        return value.normalize(), None
    if isinstance(value, _dt.date):
        return pd.Timestamp(value), None
    s = _text(value)
    if _ISO_DATE.fullmatch(s):
        try:
            return pd.Timestamp(s), None
        except ValueError:
            pass
    return None, "must be an ISO date YYYY-MM-DD that exists"


def _parse_text(value: Any) -> tuple[Any, str | None]:
    return _text(value), None


def _parse_sex(value: Any) -> tuple[Any, str | None]:
    s = _text(value)
    return (s, None) if s in {"F", "M"} else (None, "must be F or M")


_DTYPES: dict[_Parser, str] = {
    _parse_int: "Int64",
    _parse_float: "Float64",
    _parse_bool: "boolean",
    _parse_date: "datetime64[ns]",
    _parse_text: "string",
    _parse_sex: "string",
}

#: Columns of the patients table with a fixed meaning: (parser, required).
#: ``enrolment_date`` is required unless a ``stage`` column is given.
PATIENT_COLUMNS: dict[str, tuple[_Parser, bool]] = {
    "patient_id": (_parse_text, True),
    "enrolment_date": (_parse_date, True),
    "stage": (_parse_int, True),
    "site": (_parse_text, False),
    "sex": (_parse_sex, False),
    "age_years": (_parse_int, False),
    "withdrawn": (_parse_bool, True),
    "withdrawal_day": (_parse_int, False),
    "withdrawal_reason": (_parse_text, False),
}

#: Columns of the adverse-event table: (parser, required).
AE_COLUMNS: dict[str, tuple[_Parser, bool]] = {
    "patient_id": (_parse_text, True),
    "day": (_parse_int, True),
    "term": (_parse_text, True),
    "grade": (_parse_int, True),
    "serious": (_parse_bool, True),
    "related": (_parse_bool, True),
}
#: Optional columns of the adverse-event table, typed when present: (parser, required).
#: ``soc`` is the system organ class (a blank cell: not recorded for that event);
#: ``led_to_withdrawal`` says whether the study treatment was withdrawn (stopped for
#: good) because of the event, and must be filled in every row when the column is there.
AE_OPTIONAL_COLUMNS: dict[str, tuple[_Parser, bool]] = {
    "soc": (_parse_text, False),
    "led_to_withdrawal": (_parse_bool, True),
}


def _rule_parser(rule: EligibilityRule) -> _Parser:
    """How an eligibility column is typed: by the kind of the rule's value."""
    return {"true/false": _parse_bool, "number": _parse_float,
            "date": _parse_date}.get(rule.kind, _parse_text)


#: What a column typed by a parser holds: (the kind of eligibility value it compares with,
#: the words for its values).
_COLUMN_KINDS: dict[_Parser, tuple[str, str]] = {
    _parse_int: ("number", "whole numbers"),
    _parse_float: ("number", "numbers"),
    _parse_bool: ("true/false", "true/false values"),
    _parse_date: ("date", "dates (YYYY-MM-DD)"),
    _parse_text: ("text", "text"),
    _parse_sex: ("text", "text (F or M)"),
}
#: How to write a rule's value for a column of each kind.
_WRITE = {"number": "write numbers without quotes",
          "true/false": "write true or false without quotes",
          "date": "write dates as YYYY-MM-DD without quotes",
          "text": "write text in quotes"}
_KIND_WORDS = {"number": ("number", "numbers"), "text": ("text", "text values"),
               "true/false": ("value", "values"), "date": ("date", "dates")}
_MIXED_WORDS = {"number": "numbers", "text": "text", "true/false": "true/false values",
                "date": "dates"}
_ORDERING = (">", ">=", "<", "<=")


def _fixed_columns(plan: AnalysisPlan) -> dict[str, _Parser]:
    """The patients columns whose type does not depend on the eligibility rules."""
    fixed = {name: parser for name, (parser, _) in PATIENT_COLUMNS.items()}
    if plan.treatment is not None:
        fixed[plan.treatment.column] = _parse_int
    if plan.endpoint.kind == "binary":
        fixed[plan.endpoint.column] = _parse_bool
    return fixed


def _value_phrase(rule: EligibilityRule) -> str:
    """``the number 2``, ``the texts ["a", "b"]``, ``the date 2015-01-01``, ``true``."""
    one, many = _KIND_WORDS[rule.kind]
    if rule.kind == "true/false" and not isinstance(rule.value, tuple):
        return rule.value_text()
    return f"the {many if isinstance(rule.value, tuple) else one} {rule.value_text()}"


def _rule_problem(rule: EligibilityRule, kind: str, parser: _Parser | None = None
                  ) -> tuple[str | None, EligibilityRule]:
    """Why a rule cannot be checked against a column holding values of ``kind`` (None: it
    can), and the rule to evaluate (a text ``"YYYY-MM-DD"`` on a date column as the date).

    The reason continues "column ... holds ...," (``parser``: the column's own parser, for
    the whole-number and F-or-M checks).
    """
    kinds = rule.kinds
    if kind == "date" and "text" in kinds:
        dates = [_parse_date(x)[0] for x in rule.values]
        if all(d is not None for d in dates):
            days = tuple(d.date() for d in dates)
            return None, EligibilityRule(rule.column, rule.op,
                                         days if isinstance(rule.value, tuple) else days[0])
    if len(kinds) > 1:
        mixed = " and ".join(_MIXED_WORDS[k] for k in kinds)
        return (f"but the rule's values {rule.value_text()} mix {mixed}: a column holds one "
                f"kind of value; {_WRITE[kind]}"), rule
    if rule.kind != kind:
        if rule.op in _ORDERING and kind in ("text", "true/false"):
            return (f"but the rule compares it with {_value_phrase(rule)} using {rule.op!r}: "
                    f"{'text' if kind == 'text' else 'true/false values'} cannot be ordered; "
                    f"use ==, !=, in or not in and {_WRITE[kind]}"), rule
        return f"but the rule compares it with {_value_phrase(rule)}; {_WRITE[kind]}", rule
    if parser is _parse_int and rule.op not in _ORDERING:
        odd = [x for x in rule.values if not float(x).is_integer()]
        if odd:
            return (f"and {', '.join(f'{x:g}' for x in odd)} is not a whole number: "
                    f"{rule.op!r} can never match it"), rule
    if parser is _parse_sex:
        odd = [x for x in rule.values if x not in ("F", "M")]
        if odd:
            return (f"and {', '.join(f'{x!r}' for x in odd)} is neither: {rule.op!r} can "
                    "never match it; write \"F\" or \"M\""), rule
    return None, rule


def _data_kind(cells: Sequence[Any]) -> tuple[str, str]:
    """What a column's filled cells hold: (kind, words), numbers first, then true/false
    values, dates and text."""
    for parser, kind in ((_parse_float, "number"), (_parse_bool, "true/false"),
                         (_parse_date, "date")):
        if all(parser(c)[1] is None for c in cells):
            return kind, _COLUMN_KINDS[parser][1]
    return "text", "text"


@dataclass(frozen=True)
class _RuleChecks:
    """The eligibility rules to evaluate, each as (the rule in the plan, the rule to
    evaluate), and the rule-typed columns read as text because their rules cannot be
    checked."""

    rules: list[tuple[EligibilityRule, EligibilityRule]]
    as_text: dict[str, _Parser]


def _rule_typed_problems(rules: Sequence[EligibilityRule], idx: Sequence[int],
                         column: pd.Series, table: str) -> dict[int, str]:
    """Why the rules ``idx`` on a column typed by its rules cannot be checked, by index: a
    list that mixes kinds, a kind no filled cell fits, rules that disagree on the kind."""
    cells = [c for c in column.tolist() if not is_blank(c)]
    col = rules[idx[0]].column

    def holds() -> tuple[str, str]:
        """'column ... holds ...' and how to write a value for it (found when needed)."""
        if not cells:
            return f"column {col} of {table}", ""
        kind, words = _data_kind(cells)
        return (f"column {col} of {table} holds {words} (for example {_text(cells[0])!r})",
                f"; {_WRITE[kind]}")

    reasons: dict[int, str] = {}
    ruled: list[int] = []
    for i in idx:
        rule = rules[i]
        parser = _rule_parser(rule)
        if len(rule.kinds) > 1:
            where, write = holds()
            mixed = " and ".join(_MIXED_WORDS[k] for k in rule.kinds)
            reasons[i] = (f"cannot be checked: {where}, but the rule's values "
                          f"{rule.value_text()} mix {mixed}: a column holds one kind of "
                          f"value{write}")
        elif cells and all(parser(c)[1] is not None for c in cells):
            where, write = holds()
            if rule.kind == "date":  # the rule is right; the cells are dates written otherwise
                write = f"; write the dates of {col} as YYYY-MM-DD (e.g. 2015-02-09)"
            reasons[i] = (f"cannot be checked: {where}, but the rule compares it with "
                          f"{_value_phrase(rule)}: no patient's value fits the rule{write}")
        else:
            ruled.append(i)
    # The column's kind: its first rule's, unless that is text and another rule's (numbers,
    # dates ...) fits the cells too.
    kinds = [rules[i].kind for i in ruled]
    main = next((k for k in kinds if k != "text"), kinds[0]) if kinds else ""
    first = next((i for i in ruled if rules[i].kind == main), None)
    for i in ruled:
        if rules[i].kind != main and first is not None:
            reasons[i] = (f"cannot be checked: {holds()[0]}, but the rule compares it with "
                          f"{_value_phrase(rules[i])} and eligibility.rules[{first + 1}] "
                          f"({rules[first].describe()}) with {_MIXED_WORDS[main]}: a column "
                          "holds one kind of value")
    return reasons


def _check_rule_types(plan: AnalysisPlan, raw: pd.DataFrame, src: _Source,
                      problems: _Problems, plan_table: str) -> _RuleChecks:
    """Each eligibility rule against the type of its column.

    A column of fixed meaning (``sex``, ``enrolment_date``, the dose count, the baseline
    score ...) has its own type; another column is typed by its rules' values (numbers,
    text, true/false or dates), so its rules must agree with each other and with its cells
    (a rule that no filled cell fits is one type mismatch, not an error in every row). A
    rule that does not fit its column is an error of the plan, named by its index, and is
    not evaluated.
    """
    fixed = _fixed_columns(plan)
    ep = plan.endpoint
    by_column: dict[str, list[int]] = {}
    for i, rule in enumerate(plan.eligibility):
        by_column.setdefault(rule.column, []).append(i)
    reasons: dict[int, str] = {}
    evaluated = list(plan.eligibility)
    as_text: dict[str, _Parser] = {}
    for col, idx in by_column.items():
        if col == "baseline" or col in fixed:
            parser = None if col == "baseline" else fixed[col]
            kind, words = _COLUMN_KINDS[parser] if parser else ("number", "numbers")
            where = (f"the baseline {ep.name} (column {ep.column} of the {ep.table} table)"
                     if parser is None else f"column {col} of {src.name}")
            for i in idx:
                reason, evaluated[i] = _rule_problem(plan.eligibility[i], kind, parser)
                if reason is not None:
                    reasons[i] = f"cannot be checked: {where} holds {words}, {reason}"
            continue
        if col not in raw.columns or raw.columns.tolist().count(col) > 1:
            continue  # reported by the typing of the table
        reasons.update(_rule_typed_problems(plan.eligibility, idx, raw[col], src.name))
        if any(i in reasons for i in idx):
            as_text[col] = _parse_text  # no error per cell; its rules are not evaluated
    rules: list[tuple[EligibilityRule, EligibilityRule]] = []
    for i, rule in enumerate(plan.eligibility):
        if i in reasons:
            problems.add(plan_table, reasons[i], column=f"eligibility.rules[{i + 1}]",
                         value=rule.describe())
        elif rule.column not in as_text:
            rules.append((rule, evaluated[i]))
    return _RuleChecks(rules, as_text)


# --------------------------------------------------------------------------- the table spec
@dataclass(frozen=True)
class _Source:
    """Where a raw table came from: the file name and each row's physical line."""

    name: str
    lines: Sequence[int]


def _source(name: str, raw: pd.DataFrame) -> _Source:
    lines = raw.attrs.get("lines")
    file = raw.attrs.get("file", name)
    if lines is None or len(lines) != len(raw):
        lines = list(range(2, len(raw) + 2))
    return _Source(str(file), [int(x) for x in lines])


def _patient_rules(plan: AnalysisPlan, columns: Sequence[str],
                   as_text: Mapping[str, _Parser] | None = None,
                   ) -> dict[str, tuple[_Parser, bool]]:
    """Which patients columns are typed, and how, for this plan and these columns
    (``as_text``: rule-typed columns read as text instead, see :func:`_check_rule_types`)."""
    rules: dict[str, tuple[_Parser, bool]] = {}
    for name, spec in PATIENT_COLUMNS.items():
        if name == "patient_id" or name in columns:
            rules[name] = spec
    if "stage" not in columns:
        rules["enrolment_date"] = PATIENT_COLUMNS["enrolment_date"]
    for rule in plan.eligibility:
        if rule.column in PATIENT_COLUMNS:
            rules.setdefault(rule.column, PATIENT_COLUMNS[rule.column])
        elif rule.column != "baseline":
            rules[rule.column] = ((as_text or {}).get(rule.column, _rule_parser(rule)), False)
    if plan.treatment is not None:
        rules[plan.treatment.column] = (_parse_int, True)
    if plan.endpoint.kind == "binary":
        rules[plan.endpoint.column] = (_parse_bool, False)
    return rules


# --------------------------------------------------------------------------- typing
def _type_table(
    src: _Source, raw: pd.DataFrame, rules: Mapping[str, tuple[_Parser, bool]],
    problems: _Problems, *, allow_empty: bool = False,
) -> pd.DataFrame | None:
    """Parse the ruled columns of one table; return a typed copy or None if unusable."""
    if raw.shape[1] == 0:
        problems.add(src.name, "the table is empty: it has no header line")
        return None
    missing = [c for c in rules if c not in raw.columns]
    for col in missing:
        problems.add(src.name, "required column is missing", column=col)
    dup_cols = raw.columns[raw.columns.duplicated()].unique()
    for col in dup_cols:
        problems.add(src.name, "column name appears more than once", column=str(col))
    if len(raw) == 0 and not allow_empty:
        problems.add(src.name, "the table has no rows")
    if missing or len(dup_cols):
        return None

    typed = raw.copy()
    ids = raw["patient_id"].map(_text).tolist() if "patient_id" in raw.columns else [""] * len(raw)
    for col, (parser, required) in rules.items():
        values: list[Any] = []
        for i, cell in enumerate(raw[col].tolist()):
            if is_blank(cell):
                if required:
                    problems.add(src.name, "value is required", row=src.lines[i],
                                 patient_id=ids[i], column=col, value="")
                values.append(None)
                continue
            parsed, reason = parser(cell)
            if reason is not None:
                problems.add(src.name, reason, row=src.lines[i], patient_id=ids[i], column=col,
                             value=cell)
            values.append(parsed)
        series = pd.Series(values, index=raw.index, dtype="object")
        dtype = _DTYPES[parser]
        typed[col] = pd.to_datetime(series) if dtype.startswith("datetime") else series.astype(
            dtype)
    return typed


# --------------------------------------------------------------------------- rules
def _check_patients(p: pd.DataFrame, plan: AnalysisPlan, today: _dt.date,
                    problems: _Problems, src: _Source, raw: pd.DataFrame,
                    checks: _RuleChecks) -> None:
    ids = p["patient_id"]
    for j in np.flatnonzero((ids.duplicated(keep=False) & (ids != "")).to_numpy(dtype=bool)).tolist():
        problems.add(src.name, "patient_id must be unique (it appears more than once)",
                     row=src.lines[j], patient_id=ids.iat[j], column="patient_id",
                     value=ids.iat[j])
    cols = set(p.columns)
    treat = plan.treatment
    cutoff = plan.data_cutoff
    limit = pd.Timestamp(cutoff if cutoff is not None else today)
    limit_text = (f"after the data cut-off {cutoff.isoformat()} (analysis.data_cutoff)"
                  if cutoff is not None else f"in the future (after today, {today.isoformat()}; "
                  "set analysis.data_cutoff to the cut-off date)")
    for i, rec in enumerate(p.to_dict("records")):
        row, pid = src.lines[i], rec["patient_id"]

        def add(rule: str, column: str, value: Any, severity: str = "error",
                row: int = row, pid: Any = pid) -> None:
            problems.add(src.name, rule, row=row, patient_id=pid, column=column, value=value,
                         severity=severity)

        if "enrolment_date" in cols and not pd.isna(rec["enrolment_date"]) and (
                rec["enrolment_date"] > limit):
            add(f"enrolment date is {limit_text}", "enrolment_date",
                rec["enrolment_date"].strftime("%Y-%m-%d"))
        n_stages = len(_interim_sizes(plan)) + 1
        if "stage" in cols and not pd.isna(rec["stage"]) and rec["stage"] not in range(
                1, n_stages + 1):
            if n_stages == 1:
                add("a single-stage design has only stage 1", "stage", rec["stage"])
            else:
                add(f"stage must be {', '.join(map(str, range(1, n_stages)))} or {n_stages}",
                    "stage", rec["stage"])
        if "age_years" in cols and not pd.isna(rec["age_years"]) and rec["age_years"] < 0:
            add("must not be negative", "age_years", rec["age_years"])
        if treat is not None and not pd.isna(rec[treat.column]):
            doses = rec[treat.column]
            if not 0 <= doses <= treat.planned:
                add(f"doses received must be between 0 and the planned {treat.planned} "
                    "(treatment.planned)", treat.column, doses)
        if "withdrawn" in cols:
            _check_withdrawal(rec, cols, add)
        for rule, evaluated in checks.rules:
            if rule.column == "baseline":
                continue
            value = rec[rule.column]
            if value is None or pd.isna(value) or value == "":
                if is_blank(raw[rule.column].iat[i]):
                    add(f"eligibility: {rule.describe()} cannot be checked (not recorded)",
                        rule.column, "", "deviation")
                # else: the value is there but invalid, an error of its own already.
            elif not evaluated.holds(value):
                add(f"eligibility: {rule.describe()}", rule.column, _shown(value), "deviation")


def _shown(value: Any) -> Any:
    """A typed cell as the table has it: a date as YYYY-MM-DD, true/false in lower case."""
    if isinstance(value, _dt.date):
        return f"{value:%Y-%m-%d}"
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return value


def _check_withdrawal(rec: dict[str, Any], cols: set[str],
                      add: Callable[..., None]) -> None:
    withdrawn = None if pd.isna(rec["withdrawn"]) else bool(rec["withdrawn"])
    day = rec.get("withdrawal_day")
    reason = rec.get("withdrawal_reason")
    has_day = "withdrawal_day" in cols and not pd.isna(day)
    has_reason = "withdrawal_reason" in cols and not pd.isna(reason) and reason != ""
    if has_day and day is not None and day < 0:
        add("must not be negative", "withdrawal_day", day)
    if withdrawn is True:
        if not has_day:
            add("is required when withdrawn is true", "withdrawal_day", "")
        if not has_reason:
            add("is required when withdrawn is true", "withdrawal_reason", "")
    elif withdrawn is False:
        if has_day:
            add("must be empty when withdrawn is false", "withdrawal_day", day)
        if has_reason:
            add("must be empty when withdrawn is false", "withdrawal_reason", reason)


def _check_unknown_patients(t: pd.DataFrame, known: set[str], problems: _Problems,
                            src: _Source) -> None:
    if "patient_id" not in t.columns:
        return
    ids = [_text(x) for x in t["patient_id"].tolist()]
    for i in [i for i, pid in enumerate(ids) if pid and pid not in known]:
        pid = ids[i]
        problems.add(src.name, "patient is not in the patients table", row=src.lines[i],
                     patient_id=pid, column="patient_id", value=pid)


def _type_score(raw: pd.DataFrame, plan: AnalysisPlan, problems: _Problems,
                src: _Source) -> tuple[pd.DataFrame | None, _Source]:
    """Type the score table (one long-table validator) and map days to scheduled visits.

    Returns the typed table (None if unusable) and the source lines of its rows.
    """
    from thera_stats.longtable import check_long_table

    ep = plan.endpoint
    assert ep.table is not None
    assert plan.schedule is not None
    if raw.shape[1] == 0:
        problems.add(src.name, "the table is empty: it has no header line")
        return None, src
    typed, found = check_long_table(
        raw, table=src.name, subject="patient_id", day="day", value=ep.column,
        value_range=ep.range, unit=ep.unit, baseline_day=None, lines=src.lines,
    )
    problems.extend(found)
    if found:
        return None, src
    lines = _kept_lines(raw, ep.column, src)
    kept = _Source(src.name, lines)
    values = typed[ep.column].to_numpy(dtype=float)
    if ep.range is not None and len(values) >= 3 and ep.range[1] >= 50 and (
            0 < values.max() <= ep.range[1] / 10):
        problems.add(src.name, f"every value is <= {ep.range[1] / 10:g}, a tenth of the "
                     f"range's top ({ep.range[1]:g}{ep.unit_suffix}): the column looks recorded "
                     "in a unit ten times larger (centimetres for millimetres?)",
                     column=ep.column, value=f"max {values.max():g}")
        return None, kept
    typed = typed.copy()
    typed["patient_id"] = typed["patient_id"].map(_text)
    # Visits: the scheduled day whose window holds each assessment day.
    schedule = plan.schedule
    day_values = typed["day"].to_numpy(dtype=np.int64)
    visit = np.full(len(typed), -1, dtype=np.int64)
    for d, w in zip(schedule.days, schedule.windows, strict=True):
        visit[(day_values >= d - w) & (day_values <= d + w)] = d
    bad = np.flatnonzero(visit < 0)
    for i in bad[:200]:
        problems.add(src.name, f"day {day_values[i]} is outside every scheduled window "
                     f"({schedule.describe()}): a mistyped day?", row=lines[i],
                     patient_id=typed["patient_id"].iat[i], column="day", value=day_values[i])
    if len(bad) > 200:
        problems.add(src.name, f"and {len(bad) - 200} more rows with unscheduled days "
                     f"({len(bad)} in all)", column="day")
    if len(bad):
        return None, kept
    keyed = pd.DataFrame({"pid": typed["patient_id"], "visit": visit})
    twice = np.flatnonzero(keyed.duplicated(keep=False).to_numpy())
    for i in twice:
        problems.add(src.name, f"two assessments in the window of scheduled day {visit[i]} "
                     f"for this patient (this one on day {day_values[i]})", row=lines[i],
                     patient_id=typed["patient_id"].iat[i], column="day", value=day_values[i])
    if len(twice):
        return None, kept
    out = pd.DataFrame({
        "patient_id": typed["patient_id"].astype("string"),
        "day": visit,
        "assessment_day": day_values,
        ep.column: typed[ep.column].astype(float),
    })
    extra = [c for c in typed.columns if c not in ("patient_id", "day", ep.column)]
    for c in extra:
        out[c] = typed[c].to_numpy()
    return out, kept


def _kept_lines(raw: pd.DataFrame, value: str, src: _Source) -> list[int]:
    """Physical lines of the rows the long-table validator keeps (value not blank)."""
    keep = ~raw[value].map(is_blank).to_numpy(dtype=bool)
    return [line for line, k in zip(src.lines, keep, strict=True) if k]


def _check_score(s: pd.DataFrame, p: pd.DataFrame, plan: AnalysisPlan,
                 problems: _Problems, src: _Source, rules: Sequence[EligibilityRule]) -> None:
    """Baseline present; baseline eligibility (``rules``: those on the baseline that can be
    checked); assessments after withdrawal."""
    ep = plan.endpoint
    base_day = plan.baseline_day
    base = s[s["day"] == base_day]
    base_value = dict(zip(base["patient_id"], base[ep.column], strict=True))
    base_line = dict(zip(base["patient_id"],
                         [src.lines[i] for i in np.flatnonzero(s["day"] == base_day).tolist()],
                         strict=True))
    if not (s["day"] == ep.day).any():
        problems.add(src.name, f"no patient has an assessment on the endpoint day {ep.day} "
                     f"(endpoint.day; scheduled {plan.schedule.describe() if plan.schedule else ''}"
                     "): the primary endpoint cannot be computed", column="day", value=ep.day)
    assessed = set(s["patient_id"])
    for pid in p["patient_id"].tolist():
        if is_blank(pid):
            continue
        if pid not in assessed:
            problems.add(src.name, f"patient has no {ep.name} assessment at all: the primary "
                         "endpoint is missing", patient_id=pid, column=ep.column, value="",
                         severity="deviation")
            continue
        if pid not in base_value:
            problems.add(src.name, f"patient has no baseline {ep.name} (day {base_day}): "
                         "change from baseline cannot be computed", patient_id=pid,
                         column=ep.column, value="")
            continue
        for rule in rules:
            if not rule.holds(base_value[pid]):
                problems.add(src.name, f"eligibility: baseline {ep.name} {rule.op} "
                             f"{rule.value_text()}{ep.unit_suffix}", row=base_line[pid],
                             patient_id=pid, column=ep.column, value=base_value[pid],
                             severity="deviation")
    if "withdrawal_day" in p.columns:
        wd = dict(zip(p["patient_id"], p["withdrawal_day"], strict=True))
        for i, (pid, day) in enumerate(zip(s["patient_id"], s["assessment_day"], strict=True)):
            w = wd.get(pid)
            if w is not None and not pd.isna(w) and day > w:
                problems.add(src.name, f"assessment on day {day}, after the patient's "
                             f"withdrawal on day {w}", row=src.lines[i], patient_id=pid,
                             column="day", value=day, severity="deviation")


def _check_adverse_events(a: pd.DataFrame, problems: _Problems, src: _Source) -> None:
    for i, (pid, day, grade) in enumerate(zip(a["patient_id"], a["day"], a["grade"],
                                              strict=True)):
        if not pd.isna(day) and day < 0:
            problems.add(src.name, "day must not be negative (day 0 is the first dose's day)",
                         row=src.lines[i], patient_id=pid, column="day", value=day)
        if not pd.isna(grade) and not 1 <= grade <= 5:
            problems.add(src.name, "grade must be between 1 and 5 (CTCAE)", row=src.lines[i],
                         patient_id=pid, column="grade", value=grade)


def _check_withdrawal_events(a: pd.DataFrame, p: pd.DataFrame, plan: AnalysisPlan,
                             problems: _Problems, src: _Source) -> None:
    """An event that led to the treatment's withdrawal must fit the patients table.

    It cannot begin after the patient's withdrawal from the trial, and the
    treatment of a patient who received every planned dose was not withdrawn.
    """
    withdrawal = (dict(zip(p["patient_id"], p["withdrawal_day"], strict=True))
                  if "withdrawal_day" in p.columns else {})
    treat = plan.treatment
    doses = dict(zip(p["patient_id"], p[treat.column], strict=True)) if treat else {}
    for i, (pid, day, flag) in enumerate(zip(a["patient_id"], a["day"], a["led_to_withdrawal"],
                                             strict=True)):
        if pd.isna(flag) or not flag:
            continue
        w = withdrawal.get(pid)
        if w is not None and not pd.isna(w) and not pd.isna(day) and day > w:
            problems.add(src.name, f"led_to_withdrawal is true but the event began on day {day}, "
                         f"after the patient's withdrawal on day {w} (patients.withdrawal_day): "
                         "it cannot have led to it", row=src.lines[i], patient_id=pid,
                         column="led_to_withdrawal", value="true")
        received = doses.get(pid)
        if treat is not None and received is not None and not pd.isna(received) and (
                received >= treat.planned):
            problems.add(src.name, f"led_to_withdrawal is true but the patient received every "
                         f"planned dose ({treat.column} = {received}, treatment.planned = "
                         f"{treat.planned}): the treatment was not withdrawn",
                         row=src.lines[i], patient_id=pid, column="led_to_withdrawal",
                         value="true")


def _check_stages(p: pd.DataFrame, deviations: pd.DataFrame, plan: AnalysisPlan,
                  problems: _Problems, table: str = "patients") -> None:
    """Stage membership must not depend on how ties in enrolment dates are broken."""
    looks = _interim_sizes(plan)
    if not looks or "stage" in p.columns:
        return
    pop = population(p, deviations, plan)
    dates = pop["enrolment_date"].tolist()
    for k, nk in enumerate(looks, start=1):
        if len(pop) <= nk:
            return
        last1, first2 = dates[nk - 1], dates[nk]
        if last1 == first2:
            tied = pop.loc[pop["enrolment_date"] == last1, "patient_id"].tolist()
            problems.add(
                table, f"patients {', '.join(map(str, tied))} were all enrolled on "
                f"{last1:%Y-%m-%d}, where stage {k} ({nk} patients{' in all' if k > 1 else ''}) "
                f"ends: the stage "
                "of each cannot be decided from the dates; add a 'stage' column (1, 2, ...) "
                "to the patients table", column="enrolment_date", value=f"{last1:%Y-%m-%d}")


# --------------------------------------------------------------------------- populations
def population(patients: pd.DataFrame, deviations: pd.DataFrame,
               plan: AnalysisPlan) -> pd.DataFrame:
    """The analysis population in enrolment order, with each patient's order and stage.

    ``enrolled``: every patient; ``treated``: at least one dose (everyone when the
    plan has no ``[treatment]``); ``per-protocol``: every planned dose and no
    protocol deviation. Stages come from the ``stage`` column when there is one,
    else from the enrolment order: the first ``n1`` patients form stage 1.
    """
    p = patients
    keep = pd.Series(True, index=p.index)
    treat = plan.treatment
    if plan.population in ("treated", "per-protocol") and treat is not None:
        keep &= (p[treat.column] >= 1).fillna(False).astype(bool)
    if plan.population == "per-protocol":
        if treat is not None:
            keep &= (p[treat.column] == treat.planned).fillna(False).astype(bool)
        deviant = set(deviations["patient_id"].dropna()) if len(deviations) else set()
        keep &= ~p["patient_id"].isin(list(deviant))
    cols = ["patient_id", *[c for c in ("site", "enrolment_date", "stage") if c in p.columns]]
    out = p.loc[keep.to_numpy(dtype=bool), cols].copy()
    sort = [c for c in ("stage", "enrolment_date") if c in out.columns]
    out = out.sort_values(sort, kind="stable").reset_index(drop=True)
    out["order"] = np.arange(1, len(out) + 1)
    if "stage" in p.columns:
        out["stage"] = out["stage"].astype(int)
    else:
        # Stage k holds the patients between the planned looks k - 1 and k.
        out["stage"] = 1 + np.searchsorted(np.asarray(_interim_sizes(plan), dtype=np.int64),
                                           out["order"].to_numpy(), side="left")
    return out


def _interim_sizes(plan: AnalysisPlan) -> list[int]:
    """Planned cumulative sizes of the interim looks (stage boundaries by enrolment)."""
    d = plan.design
    if d.type == "simon" and d.n1 is not None:
        return [d.n1]
    if d.type == "multistage" and d.sizes is not None:
        return list(d.sizes[:-1])
    return []


# --------------------------------------------------------------------------- validation
def _plain(raw: pd.DataFrame) -> tuple[pd.DataFrame, _Source]:
    """The raw table without attributes, and where its rows came from.

    pandas deep-copies ``attrs`` on every operation; the source lines are kept
    aside so that a 100 000-row table is not copied with each step.
    """
    src = _source("table", raw)
    if raw.attrs:
        raw = raw.copy(deep=False)
        raw.attrs = {}
    return raw, src


def _validate(raws: Mapping[str, pd.DataFrame | None], plan: AnalysisPlan,
              problems: _Problems, today: _dt.date,
              plan_table: str = "plan") -> dict[str, pd.DataFrame | None]:
    """Type every table that could be read and check every rule that can be checked
    (``plan_table``: the plan's file, named by problems of the plan found in the data)."""
    typed: dict[str, pd.DataFrame | None] = {"patients": None, "score": None,
                                             "adverse_events": None}
    names = {"patients": "patients", "score": plan.endpoint.table or "score",
             "adverse_events": "adverse_events"}
    plain: dict[str, tuple[pd.DataFrame, _Source]] = {}
    for key, raw in raws.items():
        if raw is not None:
            frame, src = _plain(raw)
            if src.name == "table":
                src = _Source(names[key], src.lines)
            plain[key] = (frame, src)
    p = None
    checks = _RuleChecks([], {})
    if "patients" in plain:
        raw_p, src_p = plain["patients"]
        checks = _check_rule_types(plan, raw_p, src_p, problems, plan_table)
        p = _type_table(src_p, raw_p, _patient_rules(plan, list(raw_p.columns), checks.as_text),
                        problems)
        typed["patients"] = p
        if p is not None:
            _check_patients(p, plan, today, problems, src_p, raw_p, checks)
    known = set() if p is None else {x for x in p["patient_id"].tolist() if not is_blank(x)}
    if plan.is_score and "score" in plain:
        raw_s, src_s = plain["score"]
        s, kept = _type_score(raw_s, plan, problems, src_s)
        typed["score"] = s
        if p is not None:
            _check_unknown_patients(raw_s, known, problems, src_s)
        if s is not None and p is not None:
            _check_score(s, p, plan, problems, kept,
                         [r for r, _ in checks.rules if r.column == "baseline"])
    if "adverse_events" in plain:
        raw_a, src_a = plain["adverse_events"]
        present = {k: v for k, v in AE_OPTIONAL_COLUMNS.items() if k in raw_a.columns}
        a = _type_table(src_a, raw_a, {**AE_COLUMNS, **present}, problems, allow_empty=True)
        typed["adverse_events"] = a
        if p is not None:
            _check_unknown_patients(raw_a, known, problems, src_a)
        if a is not None:
            _check_adverse_events(a, problems, src_a)
            if p is not None and "led_to_withdrawal" in a.columns:
                _check_withdrawal_events(a, p, plan, problems, src_a)
    if p is not None and plan.endpoint.kind == "binary" and plan.endpoint.column in p.columns \
            and len(p) and p[plan.endpoint.column].isna().all():
        problems.add(plain["patients"][1].name, "no patient has a recorded response: the "
                     "primary endpoint cannot be computed", column=plan.endpoint.column)
    if p is not None and not problems.has_errors:
        _check_stages(p, _deviations(problems), plan, problems, plain["patients"][1].name)
        _check_population(p, _deviations(problems), plan, problems, plain["patients"][1].name)
    return typed


def _check_population(p: pd.DataFrame, deviations: pd.DataFrame, plan: AnalysisPlan,
                      problems: _Problems, table: str) -> None:
    """The plan's analysis population must hold at least one patient."""
    if len(p) == 0 or len(population(p, deviations, plan)) > 0:
        return
    treat = plan.treatment
    if plan.population == "treated" and treat is not None:
        who, column = f"at least one dose ({treat.column} >= 1)", treat.column
    elif plan.population == "per-protocol" and treat is not None:
        who = (f"every planned dose ({treat.column} = {treat.planned}) and no protocol "
               "deviation")
        column = treat.column
    elif plan.population == "per-protocol":
        who, column = "no protocol deviation", None
    else:  # pragma: no cover - 'enrolled' (and 'treated' without a course) is every patient
        who, column = "any patient", None
    problems.add(table, f"the analysis population ({plan.population}: {who}) is empty: none "
                 f"of the {format_count(len(p), 'patient')} qualifies, so there is nothing to "
                 "analyse", column=column)


def _deviations(problems: _Problems) -> pd.DataFrame:
    frame = problems.frame()
    return frame[frame["severity"] == "deviation"].reset_index(drop=True)


def validate_tables(
    patients: pd.DataFrame,
    score: pd.DataFrame | None = None,
    adverse_events: pd.DataFrame | None = None,
    *,
    plan: AnalysisPlan,
    today: _dt.date | None = None,
) -> tuple[dict[str, pd.DataFrame | None], pd.DataFrame]:
    """Type and validate a trial's tables against its plan.

    Parameters
    ----------
    patients : DataFrame
        One row per patient (any dtypes; text cells are parsed).
    score : DataFrame, optional
        The long table of the score endpoint (required when the plan's
        endpoint is a score).
    adverse_events : DataFrame, optional
        One row per adverse event; ``None`` when not collected.
    plan : AnalysisPlan
        Declares the columns, eligibility, course, schedule and design.
    today : datetime.date, optional
        The date enrolment may not pass when the plan has no ``data_cutoff``
        (default: today).

    Returns
    -------
    tables : dict of DataFrame or None
        Typed copies keyed ``"patients"``, ``"score"``, ``"adverse_events"``;
        extra columns pass through. The caller's frames are not modified.
    deviations : DataFrame
        The protocol deviations found (columns of
        :attr:`DataValidationError.problems`).

    Raises
    ------
    DataValidationError
        If any rule is broken; its ``problems`` lists every error and deviation.
    """
    problems = _Problems()
    if plan.is_score and score is None:
        problems.add(plan.endpoint.table or "score",
                     f"the score table {plan.endpoint.table!r} is required by the plan")
    typed = _validate({"patients": patients, "score": score,
                       "adverse_events": adverse_events}, plan, problems,
                      today or _dt.date.today())
    frame = problems.frame(_table_order(plan))
    if problems.has_errors or typed["patients"] is None or (
            plan.is_score and typed["score"] is None):
        raise DataValidationError(frame, context="trial tables")
    return typed, frame[frame["severity"] == "deviation"].reset_index(drop=True)


def _table_order(plan: AnalysisPlan) -> list[str]:
    return ["patients", "adsl", plan.endpoint.table or "score",
            plan.adam.bds if plan.adam else "", "adverse_events", "adae"]


# --------------------------------------------------------------------------- files
def _read_csv(path: Path, table: str, problems: _Problems) -> pd.DataFrame | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        problems.add(path.name, f"{path.name} is not UTF-8 text ({err.reason} at byte {err.start})")
        return None
    except OSError as err:
        problems.add(path.name, f"{path.name} cannot be read: {err.strerror}")
        return None
    # Parsed by hand rather than by pandas: a row with one field too many would make
    # pandas take the first column as an index and shift every cell of the table.
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    for r in reader:
        if r:
            rows.append(r)
            lines.append(reader.line_num)
    if not rows:
        return pd.DataFrame()
    header, body, lines = rows[0], rows[1:], lines[1:]
    if len(header) == 1 and ";" in header[0]:
        problems.add(path.name, f"{path.name} looks semicolon-separated; save it as comma-"
                     "separated CSV (with a decimal point)", row=1, value=header[0][:60])
        return None
    wrong = [(line, len(r), r) for line, r in zip(lines, body, strict=True)
             if len(r) != len(header)]
    for line, count, r in wrong[:200]:
        problems.add(path.name, f"row has {count} fields but the header has {len(header)} (a "
                     "stray comma, or an unquoted decimal comma?)", row=line, patient_id=r[0])
    if wrong:
        return None
    frame = pd.DataFrame(body, columns=header, dtype=object)
    frame.attrs = {"file": path.name, "lines": lines}
    return frame


def _read_table(folder: Path, name: str, problems: _Problems, *,
                required: bool) -> tuple[pd.DataFrame | None, Path | None]:
    """One table from CSV or Parquet: (frame or None, the file read or None)."""
    parquet, path = folder / f"{name}.parquet", folder / f"{name}.csv"
    if parquet.exists() and path.exists():
        problems.add(name, f"both {path.name} and {parquet.name} are in {folder}: keep one "
                     "source per table (remove or rename the other)")
        return None, None
    if parquet.exists():
        try:
            frame = pd.read_parquet(parquet)
        except ImportError:
            problems.add(parquet.name, f"{parquet.name} needs pyarrow; install it or provide "
                         f"{path.name}")
            return None, parquet
        except Exception as err:  # noqa: BLE001 - any reader failure is a data problem
            problems.add(parquet.name, f"{parquet.name} is not a readable Parquet file ({err})")
            return None, parquet
        frame.attrs = {"file": parquet.name, "lines": list(range(2, len(frame) + 2))}
        return frame, parquet
    if not path.exists():
        if required:
            problems.add(name, f"file {path.name} (or {parquet.name}) is missing from {folder}")
        return None, None
    return _read_csv(path, name, problems), path


def sha256_file(path: Path) -> str:
    """SHA-256 hex digest of a file's bytes."""
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 16), b""):
            digest.update(block)
    return digest.hexdigest()


@dataclass(frozen=True)
class Trial:
    """A validated trial: typed tables, the analysis plan and where they came from.

    Attributes
    ----------
    patients : DataFrame
        Typed patients table (see ``docs/data.md``).
    score : DataFrame or None
        The score endpoint's long table: ``patient_id``, ``day`` (the
        scheduled day), ``assessment_day`` (the recorded day) and the plan's
        value column. ``None`` for a binary endpoint.
    adverse_events : DataFrame or None
        ``None`` when the trial folder has no adverse-event table (not collected).
    plan : AnalysisPlan
        The pre-specified analysis plan.
    deviations : DataFrame
        Protocol deviations found at validation.
    source : Path or None
        The folder the trial was read from.
    files : dict
        File name -> SHA-256 of every input file read, for provenance.
    notes : tuple of str
        What reading the data left out and why (for CDISC ADaM input, records before
        the baseline that are not analysis records; :attr:`AdamTables.notes
        <thera_stats.adam.AdamTables.notes>`). Empty for tidy tables.
    """

    patients: pd.DataFrame
    score: pd.DataFrame | None
    adverse_events: pd.DataFrame | None
    plan: AnalysisPlan
    deviations: pd.DataFrame
    source: Path | None = None
    files: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()

    @classmethod
    def from_frames(
        cls,
        patients: pd.DataFrame,
        score: pd.DataFrame | None,
        adverse_events: pd.DataFrame | None,
        plan: AnalysisPlan,
        *,
        today: _dt.date | None = None,
    ) -> Trial:
        """Validate in-memory tables (the caller's frames are not modified)."""
        tables, deviations = validate_tables(patients, score, adverse_events, plan=plan,
                                             today=today)
        assert tables["patients"] is not None
        return cls(patients=tables["patients"], score=tables["score"],
                   adverse_events=tables["adverse_events"], plan=plan, deviations=deviations)

    def population(self) -> pd.DataFrame:
        """The plan's analysis population with order and stage (see :func:`population`)."""
        return population(self.patients, self.deviations, self.plan)

    def baseline(self) -> pd.Series:
        """Each patient's baseline score (indexed by patient id; score endpoints only)."""
        if self.score is None:
            return pd.Series(dtype=float)
        s = self.score[self.score["day"] == self.plan.baseline_day]
        return s.set_index("patient_id")[self.plan.endpoint.column].astype(float)

    def summary(self) -> str:
        """A short plain-text description of the trial's data."""
        p, plan = self.patients, self.plan
        head = f"Trial {plan.name}: {len(p)} patients"
        if "site" in p.columns:
            head += " (" + ", ".join(f"{s} {k}" for s, k in
                                     p["site"].value_counts().sort_index().items()) + ")"
        lines = [head, f"  treatment: {plan.trial.treatment}"]
        if "enrolment_date" in p.columns and p["enrolment_date"].notna().any():
            lines.append(f"  enrolment {p['enrolment_date'].min():%Y-%m-%d} to "
                         f"{p['enrolment_date'].max():%Y-%m-%d}")
        if "withdrawn" in p.columns:
            lines.append(f"  withdrawn: {int(p['withdrawn'].fillna(False).sum())}")
        if self.score is not None and plan.schedule is not None:
            expected = len(p) * len(plan.schedule.days)
            lines.append(f"  {plan.endpoint.name} assessments: {len(self.score)} of {expected} "
                         f"scheduled ({plan.schedule.describe()})")
        if plan.endpoint.kind == "binary":
            col = p[plan.endpoint.column]
            lines.append(f"  response ({plan.endpoint.column}): {int(col.fillna(False).sum())} "
                         f"of {len(p)}, {int(col.isna().sum())} missing")
        ae = self.adverse_events
        if ae is None:
            lines.append("  adverse events: not collected")
        else:
            lines.append(f"  adverse events: {len(ae)} ({int(ae['serious'].sum())} serious) in "
                         f"{ae['patient_id'].nunique()} patients")
        lines.append(f"  protocol deviations: {len(self.deviations)}")
        for note in plan.notes:
            lines.append(f"  plan note: {note}")
        for note in self.notes:
            lines.append(f"  data note: {note}")
        return "\n".join(lines)

    def validation_report(self) -> str:
        """The validation verdict with every protocol deviation listed."""
        head = f"{self.source or 'trial'}: valid"
        if len(self.deviations) == 0:
            return head + " (no protocol deviations)."
        return head + "; " + format_problems(self.deviations, "protocol deviations").split(
            ": ", 1
        )[1]


def check_trial_folder(path: str | Path) -> Path:
    folder = Path(path)
    try:
        folder.resolve(strict=True)
    except RuntimeError:  # pragma: no cover - Python < 3.13 raises this for loops
        raise TrialFolderError(f"trial folder {str(folder)!r} is a symbolic-link loop") from None
    except FileNotFoundError:
        raise TrialFolderError(f"trial folder {str(folder)!r} does not exist") from None
    except OSError as err:
        if err.errno == 40:  # ELOOP
            raise TrialFolderError(
                f"trial folder {str(folder)!r} is a symbolic-link loop") from None
        raise TrialFolderError(f"trial folder {str(folder)!r} cannot be read: "
                               f"{err.strerror}") from None
    if not folder.is_dir():
        raise TrialFolderError(f"trial folder {str(folder)!r} is not a folder")
    if not os.access(folder, os.R_OK | os.X_OK):
        raise TrialFolderError(f"trial folder {str(folder)!r} cannot be read (permissions)")
    return folder


def load_trial(path: str | Path, *, today: _dt.date | None = None) -> Trial:
    """Read, type and validate a trial folder, as its ``plan.toml`` declares it.

    Parameters
    ----------
    path : str or Path
        A folder holding ``plan.toml`` and the tables it names (CSV or Parquet),
        or CDISC ADaM datasets when the plan has an ``[adam]`` section.
    today : datetime.date, optional
        Enrolment after this date is an error when the plan gives no
        ``data_cutoff`` (default: today).

    Returns
    -------
    Trial
        The validated tables and plan. Input files are only read.

    Raises
    ------
    DataValidationError
        Listing every problem in the plan and the tables at once (file, row,
        patient, column, value and the rule broken).
    TrialFolderError
        If ``path`` does not exist, is not a folder or is a symbolic-link loop.

    Examples
    --------
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> trial = load_trial(synthetic_data_path())
    >>> len(trial.patients), trial.plan.design.n
    (17, 22)
    """
    folder = check_trial_folder(path)
    problems = _Problems()
    plan: AnalysisPlan | None = None
    plan_path = folder / "plan.toml"
    files: dict[str, str] = {}
    if not plan_path.is_file():
        problems.add("plan", f"file plan.toml is missing from {folder}")
    else:
        files["plan.toml"] = sha256_file(plan_path)
        try:
            plan = AnalysisPlan.from_toml(plan_path)
        except DataValidationError as err:
            # the plan's problems name its file, as the checks against the tables do
            records = err.problems.to_dict("records")
            for rec in records:
                if rec.get("table") == "plan":
                    rec["table"] = plan_path.name
            problems.items.extend(records)
    if plan is None:
        raise DataValidationError(problems.frame(), context=f"trial folder {folder}")
    raws: dict[str, pd.DataFrame | None] = {}
    notes: list[str] = []
    if plan.adam is not None:
        raws = _read_adam(folder, plan, problems, files, notes)
    else:
        for key, name, required in (("patients", "patients", True),
                                    ("score", plan.endpoint.table, plan.is_score),
                                    ("adverse_events", "adverse_events", False)):
            if name is None or (key == "score" and not plan.is_score):
                continue
            frame, file = _read_table(folder, name, problems, required=required)
            raws[key] = frame
            if file is not None and file.exists():
                files[file.name] = sha256_file(file)
    typed = _validate(raws, plan, problems, today or _dt.date.today(), plan_path.name)
    frame = problems.frame(_table_order(plan))
    p = typed["patients"]
    if problems.has_errors or p is None or (plan.is_score and typed["score"] is None):
        raise DataValidationError(frame, context=f"trial folder {folder}")
    deviations = frame[frame["severity"] == "deviation"].reset_index(drop=True)
    return Trial(
        patients=p, score=typed["score"], adverse_events=typed["adverse_events"], plan=plan,
        deviations=deviations, source=folder, files=dict(sorted(files.items())),
        notes=tuple(notes),
    )


def _read_adam(folder: Path, plan: AnalysisPlan, problems: _Problems,
               files: dict[str, str], notes: list[str]) -> dict[str, pd.DataFrame | None]:
    import warnings

    from thera_stats.adam import ExcludedRecordsWarning, read_adam

    assert plan.adam is not None
    with warnings.catch_warnings():
        # The notes travel with the trial (Trial.notes: summary, memo, analysis.json).
        warnings.simplefilter("ignore", ExcludedRecordsWarning)
        got = read_adam(folder, bds=plan.adam.bds, paramcd=plan.adam.paramcd,
                        day_variable=plan.adam.day, value_column=plan.endpoint.column,
                        baseline_day=plan.baseline_day)
    notes.extend(got.notes)
    problems.extend(got.problems)
    for name, path in got.files.items():
        files[name] = sha256_file(Path(path))
    return {"patients": got.patients, "score": got.score if plan.is_score else None,
            "adverse_events": got.adverse_events}


def check_output_folder(
    out: str | Path,
    data_dir: str | Path | None,
    targets: Sequence[str] = (),
    *,
    overwrite: bool = False,
) -> Path:
    """Refuse an output folder that is a file, is (or lies inside) the data folder, or,
    unless ``overwrite``, already holds any of ``targets``.

    Raises
    ------
    FileExistsError
        Naming the folder and the files in the way.
    """
    out = Path(out)
    if out.exists() and not out.is_dir():
        raise FileExistsError(f"--out {out} is an existing file, not a folder")
    if data_dir is not None:
        data = Path(data_dir).resolve()
        if out.resolve() == data or out.resolve().is_relative_to(data):
            raise FileExistsError(
                f"{out} is inside the data folder {data_dir}; outputs never go into the inputs"
            )
    existing = [t for t in targets if (out / t).exists()]
    if existing and not overwrite:
        raise FileExistsError(
            f"{out} already holds {', '.join(existing)}; choose a new folder or pass --overwrite"
        )
    return out


def bundled_examples() -> dict[str, Path]:
    """The bundled synthetic trials by name (``thera``, ``nrs``, ...)."""
    here = Path(__file__).resolve()
    out: dict[str, Path] = {}
    for base in (here.parent / "_data", here.parents[2] / "data" / "synthetic"):
        if base.is_dir():
            for sub in sorted(base.iterdir()):
                if (sub / "plan.toml").exists() and sub.name not in out:
                    out[sub.name] = sub
    return out


def synthetic_data_path(name: str = "thera") -> Path:
    """The folder of a bundled synthetic trial (default: THERA).

    The data are illustrative (made by seeded generators); the registered
    protocol's outcome definitions are not public.
    """
    examples = bundled_examples()
    if name not in examples:
        raise FileNotFoundError(
            f"no bundled example {name!r}; available: {', '.join(examples) or 'none'}")
    return examples[name]
