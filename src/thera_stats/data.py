"""Tidy THERA tables: reading, typing and validating a trial folder.

A trial folder holds three tables and the analysis plan::

    patients.csv         one row per patient
    vas.csv              one row per patient and assessment day (pain VAS, mm)
    adverse_events.csv   one row per adverse event
    plan.toml            the pre-specified analysis plan (see :mod:`thera_stats.plan`)

Parquet files (``patients.parquet`` ...) are read instead of CSV when present
and pyarrow is installed. The data dictionary is in ``docs/data.md``.

Every problem found is collected, and all of them are raised together as one
:class:`~thera_stats.errors.DataValidationError`. Eligibility breaches are
*protocol deviations*: they are listed, never dropped, and do not fail loading.
"""

from __future__ import annotations

import csv
import hashlib
import io
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thera_stats.errors import DataValidationError, format_problems, is_blank, problem
from thera_stats.plan import AnalysisPlan

__all__ = [
    "TABLES",
    "Trial",
    "load_trial",
    "validate_tables",
]

#: Eligibility rules of the registered protocol (NCT02263638).
MIN_AGE_YEARS = 18
REQUIRED_GENOTYPE = "C282Y/C282Y"
MIN_BASELINE_VAS_MM = 40.0  # inclusion requires pain VAS > 40/100 mm
MAX_INJECTIONS = 5

#: The three tables, each with its required columns in file order.
TABLES: dict[str, tuple[str, ...]] = {
    "patients": (
        "patient_id",
        "site",
        "sex",
        "age_years",
        "hfe_genotype",
        "enrolment_date",
        "injections_received",
        "withdrawn",
        "withdrawal_day",
        "withdrawal_reason",
    ),
    "vas": ("patient_id", "day", "vas_mm"),
    "adverse_events": ("patient_id", "day", "term", "grade", "serious", "related"),
}

_TRUE = {"true", "yes", "1", "t", "y"}
_FALSE = {"false", "no", "0", "f", "n"}
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_NUMBER = re.compile(r"^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$")


# --------------------------------------------------------------------------- problems
@dataclass
class _Problems:
    """Accumulates problems; rows are spreadsheet line numbers (header = 1)."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, table: str, rule: str, **where: Any) -> None:
        """Record a problem; ``where`` takes :func:`~thera_stats.errors.problem`'s keywords."""
        self.items.append(problem(table, rule, **where))

    def frame(self) -> pd.DataFrame:
        """The problems by table (plan first), then row; whole-table problems first."""
        rank = {"plan": 0, "patients": 1, "vas": 2, "adverse_events": 3}
        items = sorted(
            self.items,
            key=lambda d: (rank.get(d["table"], 9), -1 if d["row"] is None else d["row"]),
        )
        return DataValidationError(items).problems

    @property
    def has_errors(self) -> bool:
        return any(p["severity"] == "error" for p in self.items)


def _text(value: Any) -> str:
    return "" if is_blank(value) else str(value).strip()


# --------------------------------------------------------------------------- cell parsers
# Each parser returns (typed value, None) or (None, reason).
_Parser = Callable[[Any], tuple[Any, str | None]]


def _parse_int(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool | np.bool_):
        return None, "must be a whole number, not a true/false value"
    if isinstance(value, int | np.integer):
        return int(value), None
    if isinstance(value, float | np.floating):
        if np.isfinite(value) and float(value).is_integer():
            return int(value), None
        return None, "must be a whole number"
    s = _text(value)
    if re.fullmatch(r"[+-]?\d+", s):
        return int(s), None
    if re.fullmatch(r"[+-]?\d+\.0*", s):
        return int(float(s)), None
    if re.fullmatch(r"[+-]?\d+,\d+", s):
        return None, "must be a whole number (a decimal comma was found; use a point)"
    if _NUMBER.fullmatch(s):
        return None, "must be a whole number"
    return None, "must be a whole number (text found where a number is required)"


def _parse_float(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool | np.bool_):
        return None, "must be a number, not a true/false value"
    if isinstance(value, int | float | np.integer | np.floating):
        v = float(value)
        return (v, None) if np.isfinite(v) else (None, "must be a finite number")
    s = _text(value)
    if _NUMBER.fullmatch(s):
        return float(s), None
    if re.fullmatch(r"[+-]?\d+,\d+", s):
        return None, "must be a number with a decimal point (a decimal comma was found)"
    return None, "must be a number (text found where a number is required)"


def _parse_bool(value: Any) -> tuple[Any, str | None]:
    if isinstance(value, bool | np.bool_):
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


# Per table: column -> (parser, required non-empty). withdrawal fields are checked
# together with `withdrawn` because their emptiness rule depends on it.
_COLUMN_RULES: dict[str, dict[str, tuple[_Parser, bool]]] = {
    "patients": {
        "patient_id": (_parse_text, True),
        "site": (_parse_text, True),
        "sex": (_parse_sex, True),
        "age_years": (_parse_int, True),
        "hfe_genotype": (_parse_text, True),
        "enrolment_date": (_parse_date, True),
        "injections_received": (_parse_int, True),
        "withdrawn": (_parse_bool, True),
        "withdrawal_day": (_parse_int, False),
        "withdrawal_reason": (_parse_text, False),
    },
    "vas": {
        "patient_id": (_parse_text, True),
        "day": (_parse_int, True),
        "vas_mm": (_parse_float, True),
    },
    "adverse_events": {
        "patient_id": (_parse_text, True),
        "day": (_parse_int, True),
        "term": (_parse_text, True),
        "grade": (_parse_int, True),
        "serious": (_parse_bool, True),
        "related": (_parse_bool, True),
    },
}

_DTYPES: dict[str, str] = {
    "patient_id": "string",
    "site": "string",
    "sex": "string",
    "age_years": "Int64",
    "hfe_genotype": "string",
    "enrolment_date": "datetime64[ns]",
    "injections_received": "Int64",
    "withdrawn": "boolean",
    "withdrawal_day": "Int64",
    "withdrawal_reason": "string",
    "day": "Int64",
    "vas_mm": "Float64",
    "term": "string",
    "grade": "Int64",
    "serious": "boolean",
    "related": "boolean",
}


# --------------------------------------------------------------------------- typing
def _type_table(name: str, raw: pd.DataFrame | None, problems: _Problems) -> pd.DataFrame | None:
    """Parse the required columns of one table; return a typed copy or None if unusable."""
    if raw is None:  # unreadable file, already reported
        return None
    if raw.shape[1] == 0:
        problems.add(name, "the table is empty: it has no header line")
        return None
    missing = [c for c in TABLES[name] if c not in raw.columns]
    for col in missing:
        problems.add(name, "required column is missing", column=col)
    dup_cols = raw.columns[raw.columns.duplicated()].unique()
    for col in dup_cols:
        problems.add(name, "column name appears more than once", column=str(col))
    if len(raw) == 0 and name != "adverse_events":
        problems.add(name, "the table has no rows")
    if missing or len(dup_cols):
        return None

    typed = raw.copy()
    ids = raw["patient_id"].map(_text)
    for col, (parser, required) in _COLUMN_RULES[name].items():
        values: list[Any] = []
        for i, cell in enumerate(raw[col].tolist()):
            if is_blank(cell):
                if required:
                    problems.add(
                        name, "value is required", row=i + 2, patient_id=ids.iat[i], column=col,
                        value="",
                    )
                values.append(None)
                continue
            parsed, reason = parser(cell)
            if reason is not None:
                problems.add(
                    name, reason, row=i + 2, patient_id=ids.iat[i], column=col, value=cell
                )
            values.append(parsed)
        typed[col] = pd.Series(values, index=raw.index, dtype="object")
        dtype = _DTYPES[col]
        if dtype == "datetime64[ns]":
            typed[col] = pd.to_datetime(typed[col])
        else:
            typed[col] = typed[col].astype(dtype)
    return typed


# --------------------------------------------------------------------------- rules
def _check_patients(p: pd.DataFrame, problems: _Problems) -> None:
    for i, rec in enumerate(p.itertuples(index=False)):
        row, pid = i + 2, rec.patient_id
        inj = rec.injections_received
        if not pd.isna(inj) and not 0 <= inj <= MAX_INJECTIONS:
            problems.add(
                "patients", f"must be between 0 and {MAX_INJECTIONS} (one 100 mg injection "
                "a day for five days)", row=row, patient_id=pid, column="injections_received",
                value=inj,
            )
        if not pd.isna(rec.age_years) and rec.age_years < 0:
            problems.add(
                "patients", "must not be negative", row=row, patient_id=pid,
                column="age_years", value=rec.age_years,
            )
        if not pd.isna(rec.withdrawal_day) and rec.withdrawal_day < 0:
            problems.add(
                "patients", "must not be negative", row=row, patient_id=pid,
                column="withdrawal_day", value=rec.withdrawal_day,
            )
        withdrawn = None if pd.isna(rec.withdrawn) else bool(rec.withdrawn)
        has_day = not pd.isna(rec.withdrawal_day)
        has_reason = not pd.isna(rec.withdrawal_reason) and rec.withdrawal_reason != ""
        if withdrawn is True:
            if not has_day:
                problems.add(
                    "patients", "is required when withdrawn is true", row=row, patient_id=pid,
                    column="withdrawal_day", value="",
                )
            if not has_reason:
                problems.add(
                    "patients", "is required when withdrawn is true", row=row, patient_id=pid,
                    column="withdrawal_reason", value="",
                )
        elif withdrawn is False:
            if has_day:
                problems.add(
                    "patients", "must be empty when withdrawn is false", row=row,
                    patient_id=pid, column="withdrawal_day", value=rec.withdrawal_day,
                )
            if has_reason:
                problems.add(
                    "patients", "must be empty when withdrawn is false", row=row,
                    patient_id=pid, column="withdrawal_reason", value=rec.withdrawal_reason,
                )
        # Eligibility breaches are protocol deviations: listed, never dropped.
        if not pd.isna(rec.age_years) and 0 <= rec.age_years < MIN_AGE_YEARS:
            problems.add(
                "patients", f"eligibility: age must be >= {MIN_AGE_YEARS} years", row=row,
                patient_id=pid, column="age_years", value=rec.age_years, severity="deviation",
            )
        if not pd.isna(rec.hfe_genotype) and rec.hfe_genotype not in ("", REQUIRED_GENOTYPE):
            problems.add(
                "patients", f"eligibility: HFE genotype must be {REQUIRED_GENOTYPE}", row=row,
                patient_id=pid, column="hfe_genotype", value=rec.hfe_genotype,
                severity="deviation",
            )
    ids = p["patient_id"]
    dup = ids.duplicated(keep=False) & ids.notna() & (ids != "")
    for j in np.flatnonzero(dup.to_numpy()):
        problems.add(
            "patients", "patient_id must be unique (it appears more than once)", row=int(j) + 2,
            patient_id=ids.iat[j], column="patient_id", value=ids.iat[j],
        )


def _check_unknown_patients(
    name: str, t: pd.DataFrame, known: set[str], problems: _Problems
) -> None:
    for i, pid in enumerate(t["patient_id"].tolist()):
        if not is_blank(pid) and pid not in known:
            problems.add(
                name, "patient is not in patients.csv", row=i + 2, patient_id=pid,
                column="patient_id", value=pid,
            )


def _check_days(name: str, t: pd.DataFrame, problems: _Problems) -> None:
    for i, (pid, day) in enumerate(zip(t["patient_id"], t["day"], strict=True)):
        if not pd.isna(day) and day < 0:
            problems.add(
                name, "day must not be negative (day 0 is baseline)", row=i + 2, patient_id=pid,
                column="day", value=day,
            )


def _check_vas(
    v: pd.DataFrame,
    patients: pd.DataFrame | None,
    baseline_day: int,
    problems: _Problems,
) -> None:
    _check_days("vas", v, problems)
    values = v["vas_mm"]
    out = values.notna() & ((values < 0) | (values > 100))
    for i in np.flatnonzero(out.to_numpy(dtype=bool)):
        problems.add(
            "vas", "pain VAS must be between 0 and 100 mm", row=int(i) + 2,
            patient_id=v["patient_id"].iat[i], column="vas_mm", value=values.iat[i],
        )
    observed = values.dropna()
    if len(observed) >= 3 and observed.max() <= 10 and observed.max() > 0:
        problems.add(
            "vas", "every value is <= 10: the column looks like centimetres; VAS must be "
            "recorded in millimetres (multiply by 10)", column="vas_mm",
            value=f"max {observed.max():g}",
        )
    key = v[["patient_id", "day"]]
    dup = key.duplicated(keep=False) & key.notna().all(axis=1)
    for i in np.flatnonzero(dup.to_numpy()):
        problems.add(
            "vas", "(patient_id, day) must be unique: this patient has two VAS rows for day "
            f"{v['day'].iat[i]}", row=int(i) + 2, patient_id=v["patient_id"].iat[i],
            column="day", value=v["day"].iat[i],
        )
    if patients is None:
        return
    base = v[(v["day"] == baseline_day) & v["vas_mm"].notna()]
    base_by_patient = dict(zip(base["patient_id"], base["vas_mm"], strict=True))
    for pid in patients["patient_id"].tolist():
        if is_blank(pid):
            continue
        if pid not in base_by_patient:
            problems.add(
                "vas", f"patient has no baseline VAS (day {baseline_day})", row=None,
                patient_id=pid, column="vas_mm", value="",
            )
        elif base_by_patient[pid] <= MIN_BASELINE_VAS_MM:
            row = int(np.flatnonzero((v["patient_id"] == pid) & (v["day"] == baseline_day))[0])
            problems.add(
                "vas", f"eligibility: baseline pain VAS must be > {MIN_BASELINE_VAS_MM:g} mm",
                row=row + 2, patient_id=pid, column="vas_mm", value=base_by_patient[pid],
                severity="deviation",
            )


def _check_adverse_events(a: pd.DataFrame, problems: _Problems) -> None:
    _check_days("adverse_events", a, problems)
    for i, (pid, grade) in enumerate(zip(a["patient_id"], a["grade"], strict=True)):
        if not pd.isna(grade) and not 1 <= grade <= 5:
            problems.add(
                "adverse_events", "grade must be between 1 and 5 (CTCAE)", row=i + 2,
                patient_id=pid, column="grade", value=grade,
            )


def validate_tables(
    patients: pd.DataFrame,
    vas: pd.DataFrame,
    adverse_events: pd.DataFrame,
    *,
    baseline_day: int = 0,
) -> tuple[dict[str, pd.DataFrame], pd.DataFrame]:
    """Type and validate the three THERA tables.

    Parameters
    ----------
    patients, vas, adverse_events : DataFrame
        The raw tables (any dtypes; text cells are parsed). They are not modified.
    baseline_day : int, optional
        The day whose VAS is the baseline (default 0).

    Returns
    -------
    tables : dict of DataFrame
        Typed copies keyed ``"patients"``, ``"vas"``, ``"adverse_events"``; extra
        columns are passed through unchanged.
    deviations : DataFrame
        The protocol deviations found (same columns as
        :attr:`DataValidationError.problems`); empty when there are none.

    Raises
    ------
    DataValidationError
        If any rule is broken. Its ``problems`` lists every error *and* every
        deviation found, one row each.

    Examples
    --------
    >>> import pandas as pd
    >>> from thera_stats.data import validate_tables
    >>> patients = pd.DataFrame({
    ...     "patient_id": ["P01"], "site": ["Rennes"], "sex": ["F"], "age_years": ["54"],
    ...     "hfe_genotype": ["C282Y/C282Y"], "enrolment_date": ["2015-02-10"],
    ...     "injections_received": ["5"], "withdrawn": ["false"],
    ...     "withdrawal_day": [""], "withdrawal_reason": [""]})
    >>> vas = pd.DataFrame({"patient_id": ["P01", "P01"], "day": [0, 8], "vas_mm": ["n/a", 30]})
    >>> aes = pd.DataFrame(columns=["patient_id", "day", "term", "grade", "serious", "related"])
    >>> try:
    ...     validate_tables(patients, vas, aes)
    ... except ValueError as err:
    ...     print(err)
    trial tables: 2 error(s):
      - [ERROR] table vas, patient P01, column vas_mm: patient has no baseline VAS (day 0)
      - [ERROR] table vas, row 2, patient P01, column vas_mm: value 'n/a' must be a number (text found where a number is required)
    """
    problems = _Problems()
    raws = {"patients": patients, "vas": vas, "adverse_events": adverse_events}
    typed = _check_tables(raws, baseline_day, problems)
    frame = problems.frame()
    p, v, a = typed["patients"], typed["vas"], typed["adverse_events"]
    if problems.has_errors or p is None or v is None or a is None:
        raise DataValidationError(frame, context="trial tables")
    deviations = frame[frame["severity"] == "deviation"].reset_index(drop=True)
    return {"patients": p, "vas": v, "adverse_events": a}, deviations


def _check_tables(
    raws: Mapping[str, pd.DataFrame | None], baseline_day: int, problems: _Problems
) -> dict[str, pd.DataFrame | None]:
    """Type every table that could be read and check every rule that can be checked."""
    typed = {name: _type_table(name, raws[name], problems) for name in TABLES}
    p, v, a = typed["patients"], typed["vas"], typed["adverse_events"]
    if p is not None:
        _check_patients(p, problems)
    known = set() if p is None else {x for x in p["patient_id"].tolist() if not is_blank(x)}
    if v is not None:
        if p is not None:
            _check_unknown_patients("vas", v, known, problems)
        _check_vas(v, p, baseline_day, problems)
    if a is not None:
        if p is not None:
            _check_unknown_patients("adverse_events", a, known, problems)
        _check_adverse_events(a, problems)
    return typed


# --------------------------------------------------------------------------- files
def _read_table(folder: Path, name: str, problems: _Problems) -> tuple[pd.DataFrame, Path] | None:
    parquet, path = folder / f"{name}.parquet", folder / f"{name}.csv"
    if parquet.exists():
        try:
            frame = pd.read_parquet(parquet)
        except ImportError:
            problems.add(name, f"{parquet.name} needs pyarrow; install it or provide {path.name}")
            return None
        return frame, parquet
    if not path.exists():
        problems.add(name, f"file {path.name} is missing from {folder}")
        return None
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        problems.add(name, f"{path.name} is not UTF-8 text ({err.reason} at byte {err.start})")
        return None
    # Parsed by hand rather than by pandas: a row with one field too many would make
    # pandas take the first column as an index and shift every cell of the table.
    rows = [r for r in csv.reader(io.StringIO(text), skipinitialspace=True) if r]
    if not rows:
        return pd.DataFrame(), path
    header, body = rows[0], rows[1:]
    if len(header) == 1 and ";" in header[0]:
        problems.add(name, f"{path.name} looks semicolon-separated; save it as comma-separated "
                     "CSV (with a decimal point)", row=1, value=header[0][:60])
        return None
    wrong = [(i + 2, len(r)) for i, r in enumerate(body) if len(r) != len(header)]
    for row, count in wrong:
        problems.add(
            name, f"row has {count} fields but the header has {len(header)} (a stray comma, or "
            "an unquoted decimal comma?)", row=row, patient_id=body[row - 2][0],
        )
    if wrong:
        return None
    return pd.DataFrame(body, columns=header, dtype=object), path


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
    patients, vas, adverse_events : DataFrame
        Typed copies of the tables (see ``docs/data.md``).
    plan : AnalysisPlan
        The pre-specified analysis plan.
    deviations : DataFrame
        Protocol deviations found at validation (eligibility breaches).
    source : Path or None
        The folder the trial was read from.
    files : dict
        File name -> SHA-256 of every input file read, for provenance.
    """

    patients: pd.DataFrame
    vas: pd.DataFrame
    adverse_events: pd.DataFrame
    plan: AnalysisPlan
    deviations: pd.DataFrame
    source: Path | None = None
    files: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def from_frames(
        cls,
        patients: pd.DataFrame,
        vas: pd.DataFrame,
        adverse_events: pd.DataFrame,
        plan: AnalysisPlan,
    ) -> Trial:
        """Validate in-memory tables (the caller's frames are not modified)."""
        tables, deviations = validate_tables(
            patients, vas, adverse_events, baseline_day=plan.baseline_day
        )
        return cls(plan=plan, deviations=deviations, **tables)

    def summary(self) -> str:
        """A short plain-text description of the trial's data."""
        p = self.patients
        sites = ", ".join(f"{s} {k}" for s, k in p["site"].value_counts().sort_index().items())
        days = sorted(int(d) for d in self.vas["day"].dropna().unique())
        n_visits = len(self.vas)
        expected = len(p) * len(days)
        lines = [
            f"Trial {self.plan.name}: {len(p)} patients ({sites})",
            (
                f"  enrolment {p['enrolment_date'].min():%Y-%m-%d} to "
                f"{p['enrolment_date'].max():%Y-%m-%d}; withdrawn: {int(p['withdrawn'].sum())}"
            ),
            (
                f"  VAS assessments: {n_visits} of {expected} scheduled "
                f"(days {', '.join(map(str, days))})"
            ),
            (
                f"  adverse events: {len(self.adverse_events)} "
                f"({int(self.adverse_events['serious'].sum())} serious) in "
                f"{self.adverse_events['patient_id'].nunique()} patients"
            ),
            f"  protocol deviations: {len(self.deviations)}",
        ]
        return "\n".join(lines)

    def validation_report(self) -> str:
        """The validation verdict with every protocol deviation listed."""
        head = f"{self.source or 'trial'}: valid"
        if len(self.deviations) == 0:
            return head + " (no protocol deviations)."
        return head + "; " + format_problems(self.deviations, "protocol deviations").split(
            ": ", 1
        )[1]


def load_trial(path: str | Path) -> Trial:
    """Read, type and validate a trial folder.

    Parameters
    ----------
    path : str or Path
        A folder holding ``patients``, ``vas`` and ``adverse_events`` tables
        (CSV, or Parquet when pyarrow is installed) and ``plan.toml``.

    Returns
    -------
    Trial
        The validated tables and plan. Input files are only read.

    Raises
    ------
    DataValidationError
        Listing every problem in the tables and the plan at once (table, row,
        patient, column, value and the rule broken).
    FileNotFoundError
        If ``path`` is not a folder.

    Examples
    --------
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> trial = load_trial(synthetic_data_path())
    >>> len(trial.patients), trial.plan.design.n
    (17, 22)
    """
    folder = Path(path)
    if not folder.is_dir():
        raise FileNotFoundError(f"trial folder {str(folder)!r} does not exist or is not a folder")
    problems = _Problems()
    plan: AnalysisPlan | None = None
    plan_path = folder / "plan.toml"
    if not plan_path.exists():
        problems.add("plan", f"file plan.toml is missing from {folder}")
    else:
        try:
            plan = AnalysisPlan.from_toml(plan_path)
        except DataValidationError as err:
            problems.items.extend(err.problems.to_dict("records"))
    read = {name: _read_table(folder, name, problems) for name in TABLES}
    files = {r[1].name: sha256_file(r[1]) for r in read.values() if r is not None}
    if plan is not None:
        files["plan.toml"] = sha256_file(plan_path)
    raws = {name: None if r is None else r[0] for name, r in read.items()}
    typed = _check_tables(raws, plan.baseline_day if plan is not None else 0, problems)
    frame = problems.frame()
    p, v, a = typed["patients"], typed["vas"], typed["adverse_events"]
    if problems.has_errors or plan is None or p is None or v is None or a is None:
        raise DataValidationError(frame, context=f"trial folder {folder}")
    deviations = frame[frame["severity"] == "deviation"].reset_index(drop=True)
    return Trial(
        patients=p, vas=v, adverse_events=a, plan=plan, deviations=deviations, source=folder,
        files=dict(sorted(files.items())),
    )


def check_output_folder(
    out: str | Path,
    data_dir: str | Path | None,
    targets: Sequence[str] = (),
    *,
    overwrite: bool = False,
) -> Path:
    """Refuse an output folder that is, or lies inside, the data folder; and,
    unless ``overwrite``, one that already holds any of ``targets``.

    Raises
    ------
    FileExistsError
        Naming the folder and the files in the way.
    """
    out = Path(out)
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


def synthetic_data_path() -> Path:
    """The folder of the bundled synthetic THERA trial.

    The data are illustrative (made by :func:`thera_stats.simulate_trial`); the
    registered protocol's outcome definitions are not public.
    """
    here = Path(__file__).resolve()
    for base in (here.parent / "_data" / "thera", here.parents[2] / "data" / "synthetic" / "thera"):
        if (base / "plan.toml").exists():
            return base
    raise FileNotFoundError("the bundled synthetic THERA data were not found")
