"""CDISC ADaM folders: reading them as tidy tables, and writing tidy tables as ADaM.

A trial can be given as a CDISC ADaM folder [2]_ instead of tidy tables. The folder
holds ``adsl``, the Basic Data Structure (BDS) dataset of the endpoint (e.g.
``adqs``) and, optionally, ``adae``; each as a SAS transport file (``.xpt``,
XPORT version 5) or as CSV (``.csv``), never both. :func:`read_adam` maps them
to the package's tidy ``patients``, score and ``adverse_events`` tables and
:func:`write_adam` writes tidy tables back as such a folder. The mapping of
every variable is documented in ``docs/adam.md`` and in the functions below.

The tidy tables are returned as text, exactly as a CSV trial folder would be
read (object columns of ``str``; a missing value is ``""``), because typing and
validating them is the trial loader's job. Only the ADaM-level rules are
checked here (missing datasets or variables, the ``PARAMCD``, the baseline
flag, ``CHG = AVAL - BASE``, the Y/N codes); every problem is collected as a
:func:`thera_stats.errors.problem` record naming the file, its physical line,
the patient, the variable and the value. Nothing is raised for bad data.
Records left out on purpose (records of the BDS dataset not flagged as analysis
records by ``ANL01FL``, and pre-treatment records) are named in
:attr:`AdamTables.notes` and issued as an :class:`ExcludedRecordsWarning`.

SAS transport files are written by a small XPORT v5 writer (:func:`write_xport`)
that follows the SAS technical note TS-140 [1]_; pandas reads them
(``pandas.read_sas(path, format="xport")``) but cannot write them.

.. rubric:: References

.. [1] SAS Institute Inc. "The Record Layout of a Data Set in SAS Transport
   (XPORT) Format." Technical Support Document TS-140.
   https://support.sas.com/content/dam/SAS/support/en/technical-papers/record-layout-of-a-sas-version-5-or-6-data-set-in-sas-transport-xport-format.pdf
.. [2] CDISC Analysis Data Model (ADaM) Implementation Guide, version 1.3 (2021).
   https://www.cdisc.org/standards/foundational/adam
"""

from __future__ import annotations

import csv
import io
import math
import re
import struct
import unicodedata
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import Any, NamedTuple

import numpy as np
import pandas as pd

from thera_stats.errors import is_blank, problem

__all__ = [
    "ADAE_NAMES",
    "ADSL_NAMES",
    "XPORT_CREATED",
    "AdamTables",
    "ExcludedRecordsWarning",
    "read_adam",
    "write_adam",
    "write_xport",
]

#: Tidy ``patients`` column -> ADSL variable, as written by :func:`write_adam` and
#: mapped back by :func:`read_adam`. ``withdrawn`` is recoded (true ->
#: ``EOSSTT = "DISCONTINUED"``, false -> ``"COMPLETED"``); ``enrolment_date`` is a
#: SAS date. ``EXNUMDOS`` (number of doses received) and ``HFEGENO`` (HFE
#: genotype) are this package's names for the THERA columns, not CDISC ones.
ADSL_NAMES: dict[str, str] = {
    "patient_id": "USUBJID",
    "site": "SITEID",
    "sex": "SEX",
    "age_years": "AGE",
    "enrolment_date": "ENRLDT",
    "stage": "STAGE",
    "withdrawn": "EOSSTT",
    "withdrawal_reason": "DCSREAS",
    "withdrawal_day": "DCSDY",
    "injections_received": "EXNUMDOS",
    "hfe_genotype": "HFEGENO",
}

#: Tidy ``adverse_events`` column -> ADAE variable (``serious`` and ``related``
#: are written as ``"Y"``/``"N"``; ``led_to_withdrawal`` as the action taken with
#: the study treatment, ``AEACN``: true -> ``"DRUG WITHDRAWN"``, false -> blank).
ADAE_NAMES: dict[str, str] = {
    "patient_id": "USUBJID",
    "day": "ASTDY",
    "term": "AEDECOD",
    "soc": "AEBODSYS",
    "grade": "AETOXGR",
    "serious": "AESER",
    "related": "AEREL",
    "led_to_withdrawal": "AEACN",
}

_LABELS: dict[str, str] = {
    "STUDYID": "Study Identifier",
    "USUBJID": "Unique Subject Identifier",
    "SITEID": "Study Site Identifier",
    "SEX": "Sex",
    "AGE": "Age",
    "ENRLDT": "Date of Enrollment",
    "STAGE": "Stage of Enrollment (two-stage design)",
    "EOSSTT": "End of Study Status",
    "DCSREAS": "Reason for Discontinuation from Study",
    "DCSDY": "Study Day of Discontinuation",
    "EXNUMDOS": "Number of Doses Received",
    "HFEGENO": "HFE Genotype",
    "PARAMCD": "Parameter Code",
    "PARAM": "Parameter",
    "AVAL": "Analysis Value",
    "BASE": "Baseline Value",
    "CHG": "Change from Baseline",
    "ABLFL": "Baseline Record Flag",
    "ADY": "Analysis Relative Day",
    "AVISITN": "Analysis Visit (N)",
    "AVISIT": "Analysis Visit",
    "ASTDY": "Analysis Start Relative Day",
    "AEDECOD": "Dictionary-Derived Term",
    "AEBODSYS": "Body System or Organ Class",
    "AETOXGR": "Standard Toxicity Grade",
    "AESER": "Serious Event",
    "AEREL": "Causality",
    "AEACN": "Action Taken with Study Treatment",
}

# ADSL variables read as numbers (the rest are text) when written from tidy text.
_ADSL_NUMERIC = {"AGE", "STAGE", "DCSDY", "EXNUMDOS"}
_ADSL_TEXT = {"USUBJID", "SITEID", "SEX", "EOSSTT", "DCSREAS", "HFEGENO"}
# Sources of the tidy enrolment date and withdrawal day, in order of preference.
_ENROLMENT_DATES = ("ENRLDT", "RANDDT", "TRTSDT")
_WITHDRAWAL_DAYS = ("DCSDY", "EOSDY")
_ADAE_REQUIRED = ("USUBJID", "ASTDY", "AEDECOD", "AETOXGR", "AESER", "AEREL")
_RELATED_TRUE = {"Y", "RELATED", "PROBABLE", "POSSIBLE"}
_RELATED_FALSE = {"N", "NOT RELATED", "UNLIKELY"}
# AEACN (CDISC codelist ACN): only "DRUG WITHDRAWN" is a withdrawal of the treatment.
_ACTION_WITHDRAWN = "DRUG WITHDRAWN"
_ACTION_OTHER = {"DOSE INCREASED", "DOSE NOT CHANGED", "DOSE RATE REDUCED", "DOSE REDUCED",
                 "DRUG INTERRUPTED", "NOT APPLICABLE", "UNKNOWN", ""}
_DAY_VARIABLES = ("ADY", "AVISITN")
# AVISIT of a visit before the treatment starts (case ignored): SCREENING, SCREENING 2,
# PRE-TREATMENT, PRETREATMENT, RUN-IN ...
_PRE_TREATMENT_VISIT = re.compile(r"^\s*(SCREEN|PRE-?TREATMENT|RUN-?IN)", re.IGNORECASE)
# The analysis flag of the BDS dataset: "Y" marks the records chosen for analysis; "N"
# (ADaMIG: the codelist may be extended from Y to Y, N) or blank marks the others.
_ANALYSIS_FLAG = "ANL01FL"
_ANALYSIS_CODES = {"Y", "N", ""}

_SAS_EPOCH = date(1960, 1, 1)
_DATE9 = re.compile(r"^(\d{2})([A-Za-z]{3})(\d{4})$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_INTEGER = re.compile(r"^[+-]?\d+$")
_SAS_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]{0,7}$")


# =========================================================================== result
@dataclass(frozen=True, slots=True)
class AdamTables:
    """The tidy tables read from a CDISC ADaM folder by :func:`read_adam`.

    Attributes
    ----------
    patients : DataFrame or None
        Tidy patients table (object columns of text), or None if ``adsl`` is
        missing or could not be mapped.
    score : DataFrame or None
        ``patient_id``, ``day``, ``<value_column>`` (text), or None if the BDS
        dataset is missing or could not be mapped.
    adverse_events : DataFrame or None
        Tidy adverse-event table (text), or None if there is no ``adae`` file
        (adverse events not collected) or it could not be mapped.
    problems : list of dict
        :func:`thera_stats.errors.problem` records, ``table`` being the file
        name (e.g. ``"adqs.xpt"``) and ``row`` its physical line (header = 1).
    files : dict of str to Path
        Every file read, by file name.
    notes : list of str
        What the reader left out on purpose and why, one sentence per rule and
        dataset (the records of the BDS dataset not flagged ``ANL01FL = "Y"``,
        then its pre-treatment records; each with their number, patients and
        lines); empty when nothing was left out. Each note is also issued as an
        :class:`ExcludedRecordsWarning`.

    Notes
    -----
    Every frame carries ``frame.attrs["file"]`` (the source file name) and
    ``frame.attrs["lines"]`` (for each row, the physical line of its source row:
    in CSV the file line with the header as line 1; in XPT the observation
    number + 1, so that messages read the same).
    """

    patients: pd.DataFrame | None
    score: pd.DataFrame | None
    adverse_events: pd.DataFrame | None
    problems: list[dict[str, Any]] = field(default_factory=list)
    files: dict[str, Path] = field(default_factory=dict)
    notes: list[str] = field(default_factory=list)

    def __repr__(self) -> str:
        def rows(frame: pd.DataFrame | None) -> str:
            return "None" if frame is None else f"<{len(frame)} rows>"

        return (
            f"AdamTables(patients={rows(self.patients)}, score={rows(self.score)}, "
            f"adverse_events={rows(self.adverse_events)}, problems={len(self.problems)}, "
            f"files={sorted(self.files)}" + (f", notes={len(self.notes)})" if self.notes else ")")
        )


class ExcludedRecordsWarning(UserWarning):
    """:func:`read_adam` left records out of a tidy table (see :attr:`AdamTables.notes`)."""


# =========================================================================== cells
def _format_number(value: float) -> str:
    """Text of a number: integers without a decimal point, others as Python's repr."""
    if math.isnan(value):
        return ""
    if value.is_integer() and abs(value) < 1e16:
        return str(int(value))
    return repr(float(value))


def _from_sas_date(days: float) -> str:
    return (_SAS_EPOCH + timedelta(days=int(days))).isoformat()


def _to_sas_date(value: Any) -> float:
    """Days since 1960-01-01 of an ISO date text, date or Timestamp (NaN if blank)."""
    if is_blank(value):
        return math.nan
    if isinstance(value, datetime | pd.Timestamp):
        value = value.date()
    if isinstance(value, date):
        return float((value - _SAS_EPOCH).days)
    text = str(value).strip()
    if not _ISO_DATE.match(text):
        raise ValueError(f"date {text!r} is not an ISO date (YYYY-MM-DD)")
    return float((date.fromisoformat(text) - _SAS_EPOCH).days)


def _to_number(value: Any) -> float:
    """A tidy cell as a float (NaN if blank); raises ValueError if it is not a number."""
    if is_blank(value):
        return math.nan
    if isinstance(value, int | float | np.integer | np.floating) and not isinstance(
            value, bool | np.bool_):
        number = float(value)
    else:
        try:
            number = float(str(value).strip())
        except ValueError:
            raise ValueError(f"value {value!r} is not a number") from None
    if not math.isfinite(number):
        raise ValueError(f"value {value!r} is not a finite number")
    return number


def _to_flag(value: Any, true: str, false: str) -> str:
    """A tidy boolean cell (bool or true/false text) as one of two codes ('' if blank)."""
    if is_blank(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return true if value else false
    text = str(value).strip().lower()
    if text in {"true", "1", "yes", "y", "t"}:
        return true
    if text in {"false", "0", "no", "n", "f"}:
        return false
    raise ValueError(f"value {value!r} is not true or false")


def _to_text(value: Any) -> str:
    """A tidy cell as text: strings as they are, numbers without a needless ``.0``."""
    if isinstance(value, str):
        return value
    if is_blank(value):
        return ""
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    if isinstance(value, float | np.floating):
        return _format_number(float(value))
    return str(value)


# =========================================================================== XPORT writer
#: Creation and modification stamp written into every XPORT header. A constant (the
#: Unix epoch, in SAS's ``ddMMMyy:hh:mm:ss`` form) so that the same tables always
#: give byte-identical files; the data's provenance is their SHA-256, not this stamp.
XPORT_CREATED = "01JAN70:00:00:00"
_XPORT_SAS_VERSION = "9.4"
_XPORT_OS = "thera"
_XPORT_MAX_CHAR = 200  # longest character variable XPORT v5 allows
_IBM_MIN = 16.0**-65  # smallest normalized IBM 370 double (about 5.4e-79); not written
# pandas reads an IBM zero (eight zero bytes) as 16**-65 (pandas issue #50670); as this
# writer never writes 16**-65 itself, read_adam maps that value back to zero.
_PANDAS_ZERO = _IBM_MIN
_IBM_MAX = 16.0**63  # IBM 370 doubles are smaller than this (about 7.2e75)
_SAS_MISSING = b"." + bytes(7)


class _Variable(NamedTuple):
    """One XPORT variable: values are floats (NaN = missing) or text."""

    name: str
    label: str
    numeric: bool
    values: Sequence[Any]
    format: str = ""
    format_length: int = 0


def _ibm_double(value: float) -> bytes:
    """An IEEE 754 double as an 8-byte IBM System/370 double (TS-140, see the module references).

    The IBM form is a sign bit, a 7-bit base-16 exponent in excess-64 notation,
    and a 56-bit fraction ``f`` with ``1/16 <= f < 1``: ``x = ±f * 16**(e - 64)``.
    The fraction holds 53 to 56 significant bits, so every double with
    ``16**-65 < |x| < 16**63`` converts exactly (``16**-65`` itself is refused:
    pandas reads a zero as that value, see :func:`read_adam`). NaN is written as SAS's missing
    value ``.`` (``0x2E`` then seven zero bytes) and zero (either sign) as eight
    zero bytes; infinite or out-of-range values raise ValueError.

    Examples
    --------
    >>> _ibm_double(1.0).hex(), _ibm_double(-118.625).hex()
    ('4110000000000000', 'c276a00000000000')
    """
    if math.isnan(value):
        return _SAS_MISSING
    if value == 0.0:
        return bytes(8)
    magnitude = abs(value)
    if not _IBM_MIN < magnitude < _IBM_MAX:
        raise ValueError(
            f"value {value!r} is outside the range of IBM 370 floating point used by SAS "
            f"transport files ({_IBM_MIN:.3g} < |x| < {_IBM_MAX:.3g})"
        )
    mantissa, exponent2 = math.frexp(magnitude)  # magnitude = mantissa * 2**exponent2
    exponent16 = -(-exponent2 // 4)  # ceil(exponent2 / 4)
    fraction = math.ldexp(mantissa, exponent2 - 4 * exponent16)  # in [1/16, 1), exact
    bits = int(math.ldexp(fraction, 56))  # exact: at most 53 significant bits
    first = (0x80 if value < 0 else 0) | (exponent16 + 64)
    return bytes([first]) + bits.to_bytes(7, "big")


def _header(kind: str, numbers: str = "0" * 30) -> bytes:
    """An 80-byte ``HEADER RECORD*******<kind> HEADER RECORD!!!!!!!<numbers>`` record."""
    return _card(f"HEADER RECORD*******{kind:<8}HEADER RECORD!!!!!!!{numbers}")


def _card(text: str | bytes) -> bytes:
    data = text.encode("ascii") if isinstance(text, str) else text
    if len(data) > 80:
        raise ValueError(f"XPORT record longer than 80 bytes: {data!r}")
    return data.ljust(80, b" ")


def _pad80(data: bytes) -> bytes:
    return data + b" " * (-len(data) % 80)


def _xport_bytes(dataset: str, label: str, variables: Sequence[_Variable]) -> bytes:
    """The bytes of a one-member SAS XPORT v5 file (layout of TS-140, see the module references).

    The file is: the library header record and two records naming SAS, the
    version, the operating system and the creation/modification stamps; the
    member header, the descriptor header and two member records (data set
    name, label and type); the NAMESTR header with the number of variables and
    one 140-byte NAMESTR record per variable (type, length, number, name, label,
    format, position in the observation); the OBS header; then the observations,
    numbers as 8-byte IBM doubles and text blank-padded to the variable length.
    Each section is padded with blanks to a multiple of 80 bytes.
    """
    if not _SAS_NAME.match(dataset):
        raise ValueError(f"data set name {dataset!r} must be a SAS name of at most 8 characters")
    if len(label) > 40 or not label.isascii():
        raise ValueError(f"data set label {label!r} must be ASCII of at most 40 characters")
    nobs = len(variables[0].values) if variables else 0
    encoded: list[list[bytes]] = []
    lengths: list[int] = []
    seen: set[str] = set()
    for var in variables:
        if not _SAS_NAME.match(var.name):
            raise ValueError(f"variable name {var.name!r} must be a SAS name of at most 8 characters")
        if var.name.upper() in seen:
            raise ValueError(f"variable name {var.name!r} is used twice")
        seen.add(var.name.upper())
        if len(var.label) > 40 or not var.label.isascii():
            raise ValueError(f"label {var.label!r} of {var.name} must be ASCII, at most 40 characters")
        if len(var.values) != nobs:
            raise ValueError(f"variable {var.name} has {len(var.values)} values, expected {nobs}")
        if var.numeric:
            encoded.append([_ibm_double(float(v)) for v in var.values])
            lengths.append(8)
        else:
            cells = [_to_text(v).encode("utf-8") for v in var.values]
            width = max([1, *map(len, cells)])
            if width > _XPORT_MAX_CHAR:
                raise ValueError(
                    f"variable {var.name} has a value of {width} bytes; XPORT v5 allows at most "
                    f"{_XPORT_MAX_CHAR}"
                )
            encoded.append(cells)
            lengths.append(width)
    # pandas guesses the number of observations of records of at most 80 bytes from
    # blank 8-byte words in the last record, which can miscount a record ending in blanks.
    # Widening the widest text variable so that a record is longer than 80 bytes avoids it.
    text_columns = [i for i, var in enumerate(variables) if not var.numeric]
    if 0 < sum(lengths) <= 80 and text_columns:
        widest = max(text_columns, key=lambda i: lengths[i])
        lengths[widest] += 81 - sum(lengths)

    stamp = XPORT_CREATED
    out = [
        _header("LIBRARY"),
        _card(f"{'SAS':<8}{'SAS':<8}{'SASLIB':<8}{_XPORT_SAS_VERSION:<8}{_XPORT_OS:<8}"
              f"{'':<24}{stamp}"),
        _card(stamp),
        _header("MEMBER", "0" * 17 + "16" + "0" * 8 + "140"),
        _header("DSCRPTR"),
        _card(f"{'SAS':<8}{dataset.upper():<8}{'SASDATA':<8}{_XPORT_SAS_VERSION:<8}"
              f"{_XPORT_OS:<8}{'':<24}{stamp}"),
        _card(f"{stamp}{'':<16}{label:<40}{'':<8}"),
        _header("NAMESTR", f"000000{len(variables):04d}" + "0" * 20),
    ]
    namestrs = b""
    position = 0
    for number, (var, length) in enumerate(zip(variables, lengths, strict=True), start=1):
        namestrs += struct.pack(
            ">hhhh8s40s8shhh2s8shhl52s",
            1 if var.numeric else 2,  # ntype: 1 numeric, 2 character
            0,  # nhfun: hash of the name, always 0
            length,  # nlng: bytes in an observation
            number,  # nvar0: variable number
            var.name.upper().encode("ascii").ljust(8),
            var.label.encode("ascii").ljust(40),
            var.format.encode("ascii").ljust(8),  # nform
            var.format_length,  # nfl
            0,  # nfd: decimals
            0,  # nfj: justification (0 = left)
            b"\0\0",  # nfill
            b" " * 8,  # niform: informat name
            0,  # nifl
            0,  # nifd
            position,  # npos: offset of the value in the observation
            b"\0" * 52,  # rest
        )
        position += length
    out.append(_pad80(namestrs))
    out.append(_header("OBS"))
    rows = bytearray()
    for i in range(nobs):
        for cells, var, length in zip(encoded, variables, lengths, strict=True):
            cell = cells[i]
            rows += cell if var.numeric else cell.ljust(length, b" ")
    out.append(_pad80(bytes(rows)))
    return b"".join(out)


def write_xport(
    path: str | Path,
    frame: pd.DataFrame,
    *,
    dataset: str,
    label: str = "",
    labels: Mapping[str, str] | None = None,
    formats: Mapping[str, str] | None = None,
) -> Path:
    """Write a DataFrame as a SAS transport (XPORT version 5) file.

    Parameters
    ----------
    path : str or Path
        The file to write (replaced if it exists).
    frame : DataFrame
        Numeric columns (int or float, not bool) become numeric variables
        (NaN = missing); all others become character variables, their cells
        written as text (blank = missing) in UTF-8.
    dataset : str
        Data set name, a SAS name of at most 8 characters (e.g. ``"ADSL"``).
    label : str, optional
        Data set label, ASCII of at most 40 characters.
    labels : mapping of str to str, optional
        Variable labels (ASCII, at most 40 characters); default: no label.
    formats : mapping of str to str, optional
        SAS display formats of numeric variables, e.g. ``{"ENRLDT": "DATE9."}``.

    Returns
    -------
    Path
        The file written.

    Raises
    ------
    ValueError
        If a name is not a SAS name of at most 8 characters, a label is too long,
        a number is infinite or outside the IBM 370 range (about 5.4e-79 to
        7.2e75 in magnitude, zero excepted) or a text value is longer than 200 bytes.

    Notes
    -----
    The layout is that of SAS technical note TS-140 (see the module references). Numbers are stored as
    IBM System/370 doubles: zero and every double of magnitude strictly between
    ``16**-65`` and ``16**63`` are stored exactly. ``pandas.read_sas`` reads a
    zero back as ``16**-65`` (about 5.4e-79; pandas issue #50670). Character values are blank-padded, so trailing
    blanks are not kept (as in SAS). The header's creation date is the constant
    :data:`XPORT_CREATED`, so the same frame always gives the same bytes.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> frame = pd.DataFrame({"USUBJID": ["A-1", "A-2"], "AVAL": [45.3, float("nan")]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     path = write_xport(f"{tmp}/adqs.xpt", frame, dataset="ADQS")
    ...     pd.read_sas(path, format="xport", encoding="utf-8")
      USUBJID  AVAL
    0     A-1  45.3
    1     A-2   NaN
    """
    labels = labels or {}
    variables = []
    for name in frame.columns:
        column = frame[name]
        numeric = pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column)
        fmt = (formats or {}).get(name, "")
        match = re.match(r"^([A-Za-z$_]*?)(\d*)\.?$", fmt)
        if fmt and not match:
            raise ValueError(f"format {fmt!r} of {name} is not a SAS format such as 'DATE9.'")
        variables.append(
            _Variable(
                str(name),
                labels.get(name, ""),
                numeric,
                [float(v) for v in column] if numeric else list(column),
                format=match.group(1).upper() if match else "",
                format_length=int(match.group(2)) if match and match.group(2) else 0,
            )
        )
    target = Path(path)
    target.write_bytes(_xport_bytes(dataset, label, variables))
    return target


# =========================================================================== writing ADaM
class _Column(NamedTuple):
    """One ADaM variable to write: kind is "num", "date" (SAS date) or "char"."""

    name: str
    label: str
    kind: str
    values: list[Any]


def _variable_name(column: str, taken: Iterable[str]) -> str:
    name = re.sub(r"[^A-Za-z0-9_]", "", _ascii(column)).upper()[:8]
    if not name or name[0].isdigit():
        name = ("X" + name)[:8]
    if name in set(taken):
        raise ValueError(
            f"column {column!r} would be written as {name}, a variable name already used; "
            "rename the column"
        )
    return name


def _ascii(text: str) -> str:
    """Text for a label (ASCII only in XPORT v5): accents dropped, other characters as '?'."""
    plain = unicodedata.normalize("NFKD", text).encode("ascii", "ignore").decode("ascii")
    return "".join(ch for ch in plain if ch.isprintable()) if plain else "?" * bool(text)


def _is_canonical_number(text: str) -> bool:
    try:
        number = float(text)
    except ValueError:
        return False
    return math.isfinite(number) and _format_number(number) == text


def _passthrough(column: str, series: pd.Series, taken: list[str]) -> _Column:
    """A tidy column with no ADaM meaning: a number if every cell is one, else text."""
    name = _variable_name(column, taken)
    if pd.api.types.is_numeric_dtype(series) and not pd.api.types.is_bool_dtype(series):
        return _Column(name, _ascii(column)[:40], "num", [_to_number(v) for v in series])
    cells = [_to_text(v) for v in series]
    filled = [c for c in cells if c != ""]
    if filled and all(_is_canonical_number(c) for c in filled):
        return _Column(name, _ascii(column)[:40], "num", [_to_number(c) for c in cells])
    return _Column(name, _ascii(column)[:40], "char", cells)


def _convert(table: str, column: str, values: Iterable[Any], how: Any) -> list[Any]:
    out = []
    for i, value in enumerate(values):
        try:
            out.append(how(value))
        except ValueError as err:
            raise ValueError(f"{table}: column {column!r}, row {i + 1}: {err}") from None
    return out


def _require(table: str, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise ValueError(f"{table} table lacks the column(s) {', '.join(missing)}")


def _adsl_columns(patients: pd.DataFrame, study_id: str) -> list[_Column]:
    _require("patients", patients, ["patient_id"])
    n = len(patients)
    columns = [_Column("STUDYID", _LABELS["STUDYID"], "char", [study_id] * n)]
    for col in patients.columns:
        name = ADSL_NAMES.get(str(col))
        series = patients[col]
        if name is None:
            columns.append(_passthrough(str(col), series, [c.name for c in columns]))
        elif name == "ENRLDT":
            columns.append(_Column(name, _LABELS[name], "date",
                                   _convert("patients", col, series, _to_sas_date)))
        elif name == "EOSSTT":
            columns.append(_Column(name, _LABELS[name], "char", _convert(
                "patients", col, series, lambda v: _to_flag(v, "DISCONTINUED", "COMPLETED"))))
        elif name in _ADSL_NUMERIC:
            columns.append(_Column(name, _LABELS[name], "num",
                                   _convert("patients", col, series, _to_number)))
        else:
            columns.append(_Column(name, _LABELS[name], "char", [_to_text(v) for v in series]))
    return columns


def _bds_columns(
    score: pd.DataFrame, *, study_id: str, paramcd: str, param: str, value_column: str,
    baseline_day: int,
) -> list[_Column]:
    _require("score", score, ["patient_id", "day", value_column])
    ids = [_to_text(v) for v in score["patient_id"]]
    days = _convert("score", "day", score["day"], _to_number)
    # A typed table (thera_stats.data) holds the scheduled day in ``day`` and the
    # recorded one in ``assessment_day``: ADY is the recorded day, AVISITN the scheduled.
    recorded = (_convert("score", "assessment_day", score["assessment_day"], _to_number)
                if "assessment_day" in score.columns else list(days))
    values = _convert("score", value_column, score[value_column], _to_number)
    base: dict[str, float] = {}
    for pid, day, value in zip(ids, days, values, strict=True):
        if day == baseline_day:
            if pid in base:
                raise ValueError(f"score table: patient {pid} has two rows on day {baseline_day}")
            base[pid] = value
    bases = [base.get(pid, math.nan) for pid in ids]
    change = [v - b if d > baseline_day else math.nan
              for v, b, d in zip(values, bases, days, strict=True)]
    n = len(ids)
    visit = ["BASELINE" if d == baseline_day else ("" if math.isnan(d) else f"DAY {_format_number(d)}")
             for d in days]
    return [
        _Column("STUDYID", _LABELS["STUDYID"], "char", [study_id] * n),
        _Column("USUBJID", _LABELS["USUBJID"], "char", ids),
        _Column("PARAMCD", _LABELS["PARAMCD"], "char", [paramcd] * n),
        _Column("PARAM", _LABELS["PARAM"], "char", [param] * n),
        _Column("AVAL", _LABELS["AVAL"], "num", values),
        _Column("BASE", _LABELS["BASE"], "num", bases),
        _Column("CHG", _LABELS["CHG"], "num", change),
        _Column("ABLFL", _LABELS["ABLFL"], "char", ["Y" if d == baseline_day else "" for d in days]),
        _Column("ADY", _LABELS["ADY"], "num", recorded),
        _Column("AVISITN", _LABELS["AVISITN"], "num", days),
        _Column("AVISIT", _LABELS["AVISIT"], "char", visit),
    ]


def _adae_columns(adverse_events: pd.DataFrame, study_id: str) -> list[_Column]:
    _require("adverse_events", adverse_events,
             ["patient_id", "day", "term", "grade", "serious", "related"])
    n = len(adverse_events)
    columns = [_Column("STUDYID", _LABELS["STUDYID"], "char", [study_id] * n)]
    for col in adverse_events.columns:
        name = ADAE_NAMES.get(str(col))
        series = adverse_events[col]
        if name is None:
            columns.append(_passthrough(str(col), series, [c.name for c in columns]))
        elif name == "ASTDY":
            columns.append(_Column(name, _LABELS[name], "num",
                                   _convert("adverse_events", col, series, _to_number)))
        elif name == "AETOXGR":  # character in SDTM/ADaM ("1" .. "5")
            grades = _convert("adverse_events", col, series, _to_number)
            columns.append(_Column(name, _LABELS[name], "char", [_format_number(g) for g in grades]))
        elif name in {"AESER", "AEREL"}:
            columns.append(_Column(name, _LABELS[name], "char", _convert(
                "adverse_events", col, series, lambda v: _to_flag(v, "Y", "N"))))
        elif name == "AEACN":
            columns.append(_Column(name, _LABELS[name], "char", _convert(
                "adverse_events", col, series, lambda v: _to_flag(v, _ACTION_WITHDRAWN, ""))))
        else:
            columns.append(_Column(name, _LABELS[name], "char", [_to_text(v) for v in series]))
    return columns


def _write_dataset(folder: Path, stem: str, label: str, columns: list[_Column], fmt: str) -> Path:
    path = folder / f"{stem}.{fmt}"
    if fmt == "xpt":
        variables = [
            _Variable(c.name, c.label, c.kind != "char", c.values,
                      format="DATE" if c.kind == "date" else "",
                      format_length=9 if c.kind == "date" else 0)
            for c in columns
        ]
        path.write_bytes(_xport_bytes(stem.upper(), label, variables))
        return path
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    writer.writerow([c.name for c in columns])
    cells = []
    for c in columns:
        if c.kind == "num":
            cells.append([_format_number(v) for v in c.values])
        elif c.kind == "date":
            cells.append(["" if math.isnan(v) else _from_sas_date(v) for v in c.values])
        else:
            cells.append([_to_text(v) for v in c.values])
    writer.writerows(zip(*cells, strict=True))
    path.write_bytes(buffer.getvalue().encode("utf-8"))
    return path


def write_adam(
    folder: str | Path,
    *,
    patients: pd.DataFrame,
    score: pd.DataFrame | None,
    adverse_events: pd.DataFrame | None,
    bds: str,
    paramcd: str,
    param: str,
    value_column: str,
    baseline_day: int,
    study_id: str,
    format: str = "xpt",
) -> list[Path]:
    """Write tidy trial tables as a CDISC ADaM folder (``adsl``, the BDS, ``adae``).

    Parameters
    ----------
    folder : str or Path
        Output folder, created if needed; files of the same names are replaced.
    patients : DataFrame
        Tidy patients table (text as read from CSV, or typed values).
    score : DataFrame or None
        Tidy score table (``patient_id``, ``day``, ``value_column``); None writes
        no BDS dataset.
    adverse_events : DataFrame or None
        Tidy adverse-event table; None writes no ``adae`` (not collected).
    bds : str
        File stem and data set name of the BDS dataset, e.g. ``"adqs"``.
    paramcd, param : str
        ``PARAMCD`` (at most 8 characters) and ``PARAM`` of the score rows.
    value_column : str
        Score column of ``score`` written as ``AVAL``.
    baseline_day : int
        Day of the baseline row (``ABLFL = "Y"``, ``BASE``; ``CHG`` after it).
    study_id : str
        ``STUDYID`` of every row.
    format : {"xpt", "csv"}, optional
        SAS transport v5 files (default) or CSV.

    Returns
    -------
    list of Path
        The files written: ``adsl``, the BDS, then ``adae``.

    Raises
    ------
    ValueError
        If an argument is invalid, a required column is missing, a cell cannot
        be written (a non-number in a numeric variable, a date that is not ISO),
        or the folder already holds the other format of a file to write.

    Notes
    -----
    The variables written are listed in ``docs/adam.md``. ADSL: ``STUDYID``,
    then one variable per tidy column in the table's order, named by
    :data:`ADSL_NAMES` (other columns upper-cased and cut to 8 characters,
    numeric when every value is a number). BDS: ``STUDYID USUBJID PARAMCD PARAM
    AVAL BASE CHG ABLFL ADY AVISITN AVISIT`` in the score table's row order, with
    ``ADY = AVISITN = day`` (``ADY = assessment_day`` when the table has that column, as
    a typed table whose ``day`` is the scheduled day does), ``BASE`` the patient's ``AVAL`` on ``baseline_day``
    and ``CHG = AVAL - BASE`` on later days. ADAE: ``STUDYID`` then
    :data:`ADAE_NAMES`. Dates are SAS dates (format ``DATE9.``) in XPT and ISO
    text in CSV. The output is byte-identical for the same input.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> patients = pd.DataFrame({"patient_id": ["P1"], "enrolment_date": ["2015-02-09"]})
    >>> score = pd.DataFrame({"patient_id": ["P1", "P1"], "day": [0, 8], "vas_mm": [81, 30]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     paths = write_adam(tmp, patients=patients, score=score, adverse_events=None,
    ...                        bds="adqs", paramcd="PAINVAS", param="Pain VAS (mm)",
    ...                        value_column="vas_mm", baseline_day=0, study_id="THERA")
    ...     [p.name for p in paths], pd.read_sas(paths[1], encoding="utf-8")["CHG"].tolist()
    (['adsl.xpt', 'adqs.xpt'], [nan, -51.0])
    """
    if format not in {"xpt", "csv"}:
        raise ValueError(f"format ({format!r}) must be 'xpt' or 'csv'")
    if not _SAS_NAME.match(bds):
        raise ValueError(f"bds ({bds!r}) must be a SAS name of at most 8 characters, e.g. 'adqs'")
    if not paramcd or len(paramcd) > 8:
        raise ValueError(f"paramcd ({paramcd!r}) must have 1 to 8 characters")
    if not study_id:
        raise ValueError("study_id must not be empty")
    target = Path(folder)
    stems = ["adsl"] + ([bds.lower()] if score is not None else [])
    stems += ["adae"] if adverse_events is not None else []
    other = "csv" if format == "xpt" else "xpt"
    clash = [f"{stem}.{other}" for stem in stems if (target / f"{stem}.{other}").exists()]
    if clash:
        raise ValueError(
            f"{target} already holds {', '.join(clash)}; writing the {format} form beside it "
            "would give both forms of a dataset (remove it or choose another folder)"
        )
    datasets = [("adsl", "Subject-Level Analysis Dataset", _adsl_columns(patients, study_id))]
    if score is not None:
        datasets.append((bds.lower(), _ascii(f"{param} Analysis Dataset")[:40], _bds_columns(
            score, study_id=study_id, paramcd=paramcd, param=param,
            value_column=value_column, baseline_day=baseline_day)))
    if adverse_events is not None:
        datasets.append(("adae", "Adverse Events Analysis Dataset",
                         _adae_columns(adverse_events, study_id)))
    target.mkdir(parents=True, exist_ok=True)
    return [_write_dataset(target, stem, label, cols, format) for stem, label, cols in datasets]


# =========================================================================== reading ADaM
class _Dataset(NamedTuple):
    """A dataset as read: upper-cased variable names, cells as str or float, lines."""

    file: str
    frame: pd.DataFrame
    lines: list[int]
    xpt: bool


def _find(folder: Path, stem: str, problems: list[dict[str, Any]], missing: str | None
          ) -> Path | None:
    """The file ``<stem>.xpt`` or ``<stem>.csv`` (any case).

    Both forms present is a problem; so is none when ``missing`` (the rule's
    wording) is given.
    """
    found = sorted(
        p for p in folder.iterdir()
        if p.is_file() and p.suffix.lower() in {".xpt", ".csv"} and p.stem.lower() == stem.lower()
    )
    if len(found) > 1:
        names = " and ".join(p.name for p in found)
        problems.append(problem(
            found[0].name, f"the folder holds both {names}; keep one form of the {stem} dataset"))
        return None
    if not found and missing is not None:
        stem = stem.lower()
        problems.append(problem(f"{stem}.xpt", f"{missing} ({stem}.xpt or {stem}.csv) is missing "
                                f"from {folder}"))
    return found[0] if found else None


def _read_xpt(path: Path, problems: list[dict[str, Any]]) -> pd.DataFrame | None:
    frame = None
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for encoding in ("utf-8", "latin-1"):
            try:
                with pd.read_sas(path, format="xport", encoding=encoding, iterator=True) as reader:
                    # pandas raises StopIteration on reading a data set without observations
                    nobs = int(getattr(reader, "nobs", 0))
                    columns = list(getattr(reader, "columns", []))
                    frame = reader.read() if nobs else pd.DataFrame(columns=columns, dtype=object)
                break
            except UnicodeDecodeError:
                continue
            except (ValueError, TypeError, KeyError, IndexError, OSError, struct.error) as err:
                problems.append(problem(
                    path.name, f"could not be read as a SAS transport (XPORT v5) file: {err}"))
                return None
    for warning in caught:
        problems.append(problem(path.name, f"SAS transport file: {warning.message}"))
    assert frame is not None  # latin-1 decodes every byte
    return frame


def _read_csv(path: Path, problems: list[dict[str, Any]]) -> tuple[pd.DataFrame, list[int]] | None:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as err:
        problems.append(problem(path.name, f"is not UTF-8 text ({err.reason} at byte {err.start})"))
        return None
    reader = csv.reader(io.StringIO(text), skipinitialspace=True)
    rows: list[list[str]] = []
    lines: list[int] = []
    start = 1
    try:
        for record in reader:
            if record:
                rows.append(record)
                lines.append(start)
            start = reader.line_num + 1
    except csv.Error as err:
        problems.append(problem(path.name, f"is not valid CSV: {err}", row=reader.line_num))
        return None
    if not rows:
        problems.append(problem(path.name, "is empty (no header line)"))
        return None
    header, body, lines = rows[0], rows[1:], lines[1:]
    bad = False
    names = [h.strip().upper() for h in header]
    ids = names.index("USUBJID") if "USUBJID" in names else None
    for record, line in zip(body, lines, strict=True):
        if len(record) != len(header):
            pid = record[ids] if ids is not None and ids < len(record) else None
            problems.append(problem(
                path.name, f"row has {len(record)} fields but the header has {len(header)}",
                row=line, patient_id=pid))
            bad = True
    if bad:
        return None
    return pd.DataFrame(body, columns=header, dtype=object), lines


def _read_dataset(
    folder: Path, stem: str, problems: list[dict[str, Any]], files: dict[str, Path],
    missing: str | None,
) -> _Dataset | None:
    path = _find(folder, stem, problems, missing)
    if path is None:
        return None
    files[path.name] = path
    xpt = path.suffix.lower() == ".xpt"
    if xpt:
        frame = _read_xpt(path, problems)
        if frame is None:
            return None
        lines = list(range(2, len(frame) + 2))
    else:
        read = _read_csv(path, problems)
        if read is None:
            return None
        frame, lines = read
    names = [str(c).strip().upper() for c in frame.columns]
    if len(set(names)) != len(names):
        twice = sorted({n for n in names if names.count(n) > 1})
        problems.append(problem(path.name, f"variable(s) {', '.join(twice)} appear twice"))
        return None
    frame.columns = names
    cells = {
        name: [v if isinstance(v, str) else _xpt_cell(v) for v in frame[name].tolist()]
        for name in names
    }
    out = pd.DataFrame(cells, columns=names, dtype=object) if names else pd.DataFrame()
    return _Dataset(path.name, out, lines, xpt)


def _xpt_cell(value: Any) -> Any:
    """A numeric XPT cell as float (NaN for missing); bytes decoded.

    pandas reads a zero as ``16**-65`` (pandas issue #50670), mapped back to 0 here.
    """
    if isinstance(value, bytes):
        return value.decode("utf-8", errors="replace").rstrip()
    if value is None:
        return ""
    number = float(value)
    return 0.0 if abs(number) == _PANDAS_ZERO else number


def _number_text(value: Any) -> str:
    """Tidy text of a cell: a float formatted, text kept as it is."""
    return _format_number(value) if isinstance(value, float) else str(value)


def _date_text(value: Any) -> str:
    """Tidy ISO text of a date cell: a SAS date number, ISO text or DATE9 text."""
    if isinstance(value, float):
        return "" if math.isnan(value) else _from_sas_date(value)
    text = str(value).strip()
    match = _DATE9.match(text)
    if match:
        try:
            return datetime.strptime(text.upper(), "%d%b%Y").date().isoformat()
        except ValueError:
            return str(value)
    if _INTEGER.match(text):
        return _from_sas_date(float(text))
    return str(value)


def _number(value: Any) -> float | None:
    """A cell as a number (None if blank or not a number)."""
    if isinstance(value, float):
        return None if math.isnan(value) else value
    try:
        number = float(str(value).strip())
    except ValueError:
        return None
    return number if math.isfinite(number) else None


def _missing(data: _Dataset, names: Sequence[str], problems: list[dict[str, Any]], why: str) -> bool:
    absent = [n for n in names if n not in data.frame.columns]
    for name in absent:
        problems.append(problem(data.file, f"required ADaM variable {name} is missing{why}",
                                column=name))
    return bool(absent)


def _tidy(columns: dict[str, list[str]], data: _Dataset, lines: list[int]) -> pd.DataFrame:
    frame = pd.DataFrame({k: pd.Series(v, dtype=object) for k, v in columns.items()},
                         columns=list(columns))
    frame.attrs["file"] = data.file
    frame.attrs["lines"] = list(lines)
    return frame


def _date_problems(data: _Dataset, name: str, problems: list[dict[str, Any]]) -> None:
    if not data.xpt:
        return
    for value, line, pid in zip(data.frame[name], data.lines, _ids(data), strict=True):
        if isinstance(value, float) and not math.isnan(value) and not value.is_integer():
            problems.append(problem(
                data.file, "a SAS date must be a whole number of days since 1960-01-01",
                row=line, patient_id=pid, column=name, value=value))


def _ids(data: _Dataset) -> list[str]:
    if "USUBJID" not in data.frame.columns:
        return [""] * len(data.frame)
    return [_number_text(v) for v in data.frame["USUBJID"]]


def _map_adsl(data: _Dataset, problems: list[dict[str, Any]]) -> pd.DataFrame | None:
    cols = list(data.frame.columns)
    if _missing(data, ["USUBJID"], problems, ""):
        return None
    enrol = next((n for n in _ENROLMENT_DATES if n in cols), None)
    if enrol is None and "STAGE" not in cols:
        problems.append(problem(
            data.file, "required ADaM variable ENRLDT is missing (and there is no RANDDT, "
            "TRTSDT or STAGE to place patients in the stages)", column="ENRLDT"))
        return None
    withdrawal = next((n for n in _WITHDRAWAL_DAYS if n in cols), None)
    tidy_of = {adam: tidy for tidy, adam in ADSL_NAMES.items()
               if adam not in {"ENRLDT", "DCSDY"}}
    if enrol is not None:
        tidy_of[enrol] = "enrolment_date"
    if withdrawal is not None:
        tidy_of[withdrawal] = "withdrawal_day"
    out: dict[str, list[str]] = {}
    for name in cols:
        if name == "STUDYID":
            continue
        values = data.frame[name].tolist()
        tidy = tidy_of.get(name, name)
        if tidy in out:  # e.g. an ADSL with both a tidy-named and an ADaM-named column
            problems.append(problem(data.file, f"variable {name} maps to the tidy column "
                                    f"{tidy!r}, which another variable already fills",
                                    column=name))
            continue
        if name == "EOSSTT":
            out[tidy] = [_eos_withdrawn(v) for v in values]
        elif name == enrol or name.endswith("DT"):
            _date_problems(data, name, problems)
            out[tidy] = [_date_text(v) for v in values]
        else:
            out[tidy] = [_number_text(v) for v in values]
    return _tidy(out, data, data.lines)


def _eos_withdrawn(value: Any) -> str:
    text = _number_text(value).strip().upper()
    if text == "":
        return ""
    return "true" if text == "DISCONTINUED" else "false"


def _day_text(value: Any) -> str:
    """Tidy text of a day cell: a whole number without a decimal point (CSV ``-2.0`` -> ``-2``)."""
    number = _number(value)
    if number is not None and number.is_integer():
        return _format_number(number)
    return _number_text(value)


def _pre_treatment(
    data: _Dataset, keep: list[int], flags: dict[int, bool], day_variable: str,
    baseline_day: int, problems: list[dict[str, Any]],
) -> tuple[list[int], list[int]]:
    """Split the endpoint's rows into analysis rows and pre-treatment rows left out.

    A row not flagged ``ABLFL = "Y"`` is a pre-treatment record when its day is
    before the baseline day, or when its ``AVISIT`` names a screening or run-in
    visit and its day is blank or not after the baseline day. A screening visit
    after the baseline day contradicts itself and is a problem.
    """
    frame, ids = data.frame, _ids(data)
    kept: list[int] = []
    left_out: list[int] = []
    for i in keep:
        if flags.get(i):
            kept.append(i)
            continue
        raw = frame[day_variable].iloc[i]
        day = _number(raw)
        visit = _number_text(frame["AVISIT"].iloc[i]).strip() if "AVISIT" in frame else ""
        screening = bool(_PRE_TREATMENT_VISIT.match(visit))
        blank = day is None and _number_text(raw).strip() == ""
        before = day is not None and day < baseline_day
        if before or (screening and (blank or (day is not None and day <= baseline_day))):
            left_out.append(i)
            continue
        if screening and day is not None:
            problems.append(problem(
                data.file, f"AVISIT {visit!r} is a pre-treatment visit but {day_variable} "
                f"{_day_text(raw)} is after the baseline day {baseline_day}",
                row=data.lines[i], patient_id=ids[i], column="AVISIT", value=visit))
        kept.append(i)
    return kept, left_out


def _listing(data: _Dataset, rows: list[int], day_variable: str, *,
             aval: bool = False) -> tuple[int, int, str]:
    """How many rows, of how many patients, and each patient's lines with their values."""
    frame, ids = data.frame, _ids(data)
    by_patient: dict[str, list[str]] = {}
    for i in rows:
        what = f"{day_variable} {_day_text(frame[day_variable].iloc[i]) or 'blank'}"
        if "AVISIT" in frame:
            visit = _number_text(frame["AVISIT"].iloc[i]).strip()
            what += f", AVISIT {visit!r}" if visit else ""
        if aval:
            what += f", AVAL {_number_text(frame['AVAL'].iloc[i]).strip() or 'blank'}"
        by_patient.setdefault(ids[i], []).append(f"line {data.lines[i]} ({what})")
    listed = "; ".join(f"{pid}: {', '.join(items)}" for pid, items in by_patient.items())
    return len(rows), len(by_patient), listed


def _records(n: int, k: int, what: str) -> str:
    """``"3 <what> records (2 patients)"``, singular where it should be."""
    return f"{n} {what} record{'s' if n != 1 else ''} ({k} patient{'s' if k != 1 else ''})"


def _pre_treatment_note(data: _Dataset, left_out: list[int], day_variable: str,
                        baseline_day: int) -> str:
    """One sentence naming the pre-treatment records left out: how many, whose, why."""
    n, k, listed = _listing(data, left_out, day_variable)
    return (
        f"{data.file}: {_records(n, k, 'pre-treatment')} left out of the score table, as a "
        f"record before the baseline ({day_variable} before the baseline day {baseline_day}, "
        f"or AVISIT a screening or run-in visit) not flagged ABLFL = 'Y' is not an analysis "
        f"record. {listed}"
    )


def _analysis_records(
    data: _Dataset, keep: list[int], flags: dict[int, bool], paramcd: str,
    problems: list[dict[str, Any]],
) -> tuple[list[int], list[int]] | None:
    """Split the endpoint's observed rows by the analysis flag ``ANL01FL``.

    Without an ``ANL01FL`` variable every row is an analysis record. With it, the
    analysis records are the rows flagged ``ANL01FL = "Y"`` and the baseline rows
    flagged ``ABLFL = "Y"`` (whatever their ``ANL01FL``); rows flagged ``"N"`` or
    blank are left out (returned second). ``ANL01FL`` other than ``"Y"``, ``"N"``
    or blank is a problem (the row is neither kept nor listed). When no row other
    than the flagged baselines is flagged ``"Y"``, there are no analysis records:
    one problem naming the file, the variable and the rule, and None is returned.
    """
    frame = data.frame
    if _ANALYSIS_FLAG not in frame.columns:
        return keep, []
    ids = _ids(data)
    codes: dict[int, str] = {}
    for i in keep:
        raw = frame[_ANALYSIS_FLAG].iloc[i]
        codes[i] = _number_text(raw).strip().upper()
        if codes[i] not in _ANALYSIS_CODES:
            problems.append(problem(
                data.file, f"{_ANALYSIS_FLAG} must be 'Y' (an analysis record), 'N' or blank "
                "(not an analysis record)", row=data.lines[i], patient_id=ids[i],
                column=_ANALYSIS_FLAG, value=raw))
    candidates = [i for i in keep if not flags.get(i)]
    if candidates and not any(codes[i] == "Y" for i in candidates):
        problems.append(problem(
            data.file, _no_analysis_records(data, candidates, codes, paramcd, flags),
            column=_ANALYSIS_FLAG))
        return None
    kept = [i for i in keep if flags.get(i) or codes[i] == "Y"]
    left_out = [i for i in candidates if codes[i] in {"", "N"}]
    return kept, left_out


def _no_analysis_records(data: _Dataset, candidates: list[int], codes: dict[int, str],
                         paramcd: str, flags: dict[int, bool]) -> str:
    """The rule broken when ANL01FL is present but flags no record of the endpoint."""
    frame = data.frame
    counts = {code: sum(codes[i] == code for i in candidates) for code in ("", "N")}
    found = [f"{'blank' if code == '' else repr(code)} on {count}"
             for code, count in counts.items() if count]
    other = len(candidates) - sum(counts.values())
    found += [f"another value on {other}"] if other else []
    baseline = " other than the baselines flagged ABLFL = 'Y'" if flags else ""
    # Where 'Y' is set instead, if anywhere: derived rows of the endpoint, other parameters.
    param = [_number_text(v).strip() for v in frame["PARAMCD"]]
    flagged = [_number_text(v).strip().upper() == "Y" for v in frame[_ANALYSIS_FLAG]]
    derived = ([_number_text(v).strip() != "" for v in frame["DTYPE"]]
               if "DTYPE" in frame.columns else [False] * len(frame))
    n_derived = sum(f and d and p == paramcd
                    for f, d, p in zip(flagged, derived, param, strict=True))
    where = []
    if n_derived:
        where.append(f"on {n_derived} derived record{'s' if n_derived != 1 else ''} of "
                     "the endpoint (DTYPE not blank, not read)")
    others = sorted({p for p, f in zip(param, flagged, strict=True) if f and p != paramcd})
    if others:
        where.append(f"on PARAMCD {', '.join(map(repr, others))}")
    said = f"; 'Y' is set only {' and '.join(where)}" if where else ""
    return (
        f"no analysis records: {_ANALYSIS_FLAG} is present but is 'Y' on none of the "
        f"{len(candidates)} observed records of PARAMCD {paramcd!r}{baseline} "
        f"({', '.join(found)}){said}, and only the records flagged {_ANALYSIS_FLAG} = 'Y' "
        f"are analysis records; flag the analysis records 'Y', or leave {_ANALYSIS_FLAG} "
        "out of the dataset when every record is analysed"
    )


def _not_analysed_note(data: _Dataset, left_out: list[int], day_variable: str,
                       paramcd: str, baseline_flag: bool) -> str:
    """One sentence naming the records not flagged ANL01FL = 'Y': how many, whose, why."""
    n, k, listed = _listing(data, left_out, day_variable, aval=True)
    nor = " (nor ABLFL = 'Y')" if baseline_flag else ""
    return (
        f"{data.file}: {_records(n, k, 'non-analysis')} left out of the score table, as a "
        f"record of PARAMCD {paramcd!r} not flagged {_ANALYSIS_FLAG} = 'Y'{nor} is not an "
        f"analysis record. {listed}"
    )


def _map_bds(
    data: _Dataset, problems: list[dict[str, Any]], notes: list[str], *, paramcd: str,
    day_variable: str, value_column: str, baseline_day: int,
) -> pd.DataFrame | None:
    if _missing(data, ["USUBJID", "PARAMCD", "AVAL", day_variable], problems, ""):
        return None
    frame = data.frame
    codes = [_number_text(v).strip() for v in frame["PARAMCD"]]
    keep = [i for i, code in enumerate(codes) if code == paramcd]
    if "DTYPE" in frame.columns:  # derived rows (LOCF, averages ...) are not observations
        keep = [i for i in keep if _number_text(frame["DTYPE"].iloc[i]).strip() == ""]
    if not keep:
        present = sorted({c for c in codes if c})
        problems.append(problem(
            data.file, f"no rows with PARAMCD {paramcd!r}; the PARAMCDs present are: "
            f"{', '.join(present) if present else 'none'}", column="PARAMCD", value=paramcd))
        return None
    ids = _ids(data)
    flags = {}
    if "ABLFL" in frame.columns:
        for i in keep:
            flag = _number_text(frame["ABLFL"].iloc[i]).strip().upper()
            if flag not in {"", "Y"}:
                problems.append(problem(data.file, "ABLFL must be 'Y' or blank", row=data.lines[i],
                                        patient_id=ids[i], column="ABLFL",
                                        value=frame["ABLFL"].iloc[i]))
            flags[i] = flag == "Y"
    # Records not flagged ANL01FL = "Y" (other than the flagged baseline) are not analysis
    # records; they are left out before any further check.
    split = _analysis_records(data, keep, flags, paramcd, problems)
    if split is None:
        return None
    keep, not_analysed = split
    if not_analysed:
        notes.append(_not_analysed_note(data, not_analysed, day_variable, paramcd,
                                        "ABLFL" in frame.columns))
    # Pre-treatment records (screening, before the baseline) are not analysis records.
    keep, left_out = _pre_treatment(data, keep, flags, day_variable, baseline_day, problems)
    if left_out:
        notes.append(_pre_treatment_note(data, left_out, day_variable, baseline_day))
    lines = [data.lines[i] for i in keep]
    day_cells = {}
    for i in keep:
        raw = frame[day_variable].iloc[i]
        day_cells[i] = str(baseline_day) if flags.get(i) else _day_text(raw)
    _check_baseline_flags(data, keep, flags, day_cells, day_variable, baseline_day, problems)
    _check_change(data, keep, flags, day_cells, baseline_day, problems)
    out = {
        "patient_id": [ids[i] for i in keep],
        "day": [day_cells[i] for i in keep],
        value_column: [_number_text(frame["AVAL"].iloc[i]) for i in keep],
    }
    return _tidy(out, data, lines)


def _check_baseline_flags(
    data: _Dataset, keep: list[int], flags: dict[int, bool], days: dict[int, str],
    day_variable: str, baseline_day: int, problems: list[dict[str, Any]],
) -> None:
    """ABLFL: one flagged row per patient; no unflagged row on the baseline day."""
    if not flags:
        return
    ids = _ids(data)
    first: dict[str, int] = {}
    for i in keep:
        if flags[i]:
            if ids[i] in first:
                problems.append(problem(
                    data.file, f"a second ABLFL = 'Y' row for this patient (the first is line "
                    f"{data.lines[first[ids[i]]]})", row=data.lines[i], patient_id=ids[i],
                    column="ABLFL", value="Y"))
            else:
                first[ids[i]] = i
    for i in keep:
        if flags[i] or _number(days[i]) != baseline_day:
            continue
        raw = data.frame[day_variable].iloc[i]
        if ids[i] in first:
            rule = (f"{day_variable} maps this row to the baseline day {baseline_day}, which the "
                    f"ABLFL = 'Y' row on line {data.lines[first[ids[i]]]} already takes")
        else:
            rule = (f"row on the baseline day {baseline_day} is not flagged ABLFL = 'Y' and the "
                    "patient has no ABLFL = 'Y' row")
        problems.append(problem(data.file, rule, row=data.lines[i], patient_id=ids[i],
                                column=day_variable, value=_day_text(raw)))


def _check_change(
    data: _Dataset, keep: list[int], flags: dict[int, bool], days: dict[int, str],
    baseline_day: int, problems: list[dict[str, Any]],
) -> None:
    """CHG == AVAL - BASE on post-baseline rows, BASE == the baseline row's AVAL."""
    frame = data.frame
    if "BASE" not in frame.columns:
        return
    ids = _ids(data)
    baseline_aval: dict[str, tuple[float | None, int]] = {}
    for i in keep:
        if flags.get(i) or (not flags and _number(days[i]) == baseline_day):
            baseline_aval.setdefault(ids[i], (_number(frame["AVAL"].iloc[i]), data.lines[i]))
    for i in keep:
        aval, base = _number(frame["AVAL"].iloc[i]), _number(frame["BASE"].iloc[i])
        where: dict[str, Any] = {"row": data.lines[i], "patient_id": ids[i]}
        ref, ref_line = baseline_aval.get(ids[i], (None, 0))
        if base is not None and ref is not None and not _close(base, ref):
            problems.append(problem(
                data.file, f"BASE differs from AVAL = {_format_number(ref)} of the baseline row "
                f"on line {ref_line}", column="BASE", value=frame["BASE"].iloc[i], **where))
        day = _number(days[i])
        if "CHG" not in frame.columns or flags.get(i) or day is None or day <= baseline_day:
            continue
        raw = frame["CHG"].iloc[i]
        chg = _number(raw)
        if chg is None and _number_text(raw).strip() != "":
            problems.append(problem(data.file, "CHG is not a number", column="CHG",
                                    value=raw, **where))
        elif chg is not None and aval is not None and base is not None and not _close(
                chg, aval - base):
            problems.append(problem(
                data.file, f"CHG != AVAL - BASE on a post-baseline row (AVAL = "
                f"{_format_number(aval)}, BASE = {_format_number(base)}, so CHG should be "
                f"{_format_number(aval - base)})", column="CHG", value=raw, **where))


def _close(a: float, b: float) -> bool:
    """Equal up to 1e-8 relative to the larger magnitude (or 1e-8 absolute near 0)."""
    return abs(a - b) <= 1e-8 * max(1.0, abs(a), abs(b))


def _map_adae(data: _Dataset, problems: list[dict[str, Any]]) -> pd.DataFrame | None:
    if _missing(data, _ADAE_REQUIRED, problems, ""):
        return None
    tidy_of = {adam: tidy for tidy, adam in ADAE_NAMES.items()}
    ids = _ids(data)
    out: dict[str, list[str]] = {}
    for name in data.frame.columns:
        if name == "STUDYID":
            continue
        values = data.frame[name].tolist()
        tidy = tidy_of.get(name, name)
        if name in {"AESER", "AEREL"}:
            accepted = ({"Y"}, {"N"}) if name == "AESER" else (_RELATED_TRUE, _RELATED_FALSE)
            cells = []
            for value, line, pid in zip(values, data.lines, ids, strict=True):
                text = _number_text(value).strip().upper()
                if text in accepted[0]:
                    cells.append("true")
                elif text in accepted[1]:
                    cells.append("false")
                else:
                    cells.append("")
                    if text:
                        codes = ", ".join(sorted(accepted[0] | accepted[1]))
                        problems.append(problem(
                            data.file, f"{name} must be one of {codes}", row=line,
                            patient_id=pid, column=name, value=value))
            out[tidy] = cells
        elif name == "AEACN":
            out[tidy] = _withdrawal_cells(data, values, ids, problems)
        elif name.endswith("DT"):
            _date_problems(data, name, problems)
            out[tidy] = [_date_text(v) for v in values]
        else:
            out[tidy] = [_number_text(v) for v in values]
    return _tidy(out, data, data.lines)


def _withdrawal_cells(data: _Dataset, values: list[Any], ids: list[str],
                      problems: list[dict[str, Any]]) -> list[str]:
    """AEACN as the tidy ``led_to_withdrawal``: "DRUG WITHDRAWN" -> true, another code -> false."""
    cells = []
    for value, line, pid in zip(values, data.lines, ids, strict=True):
        text = _number_text(value).strip().upper()
        if text == _ACTION_WITHDRAWN:
            cells.append("true")
        elif text in _ACTION_OTHER:
            cells.append("false")
        else:
            cells.append("")
            codes = ", ".join(sorted({_ACTION_WITHDRAWN, *_ACTION_OTHER} - {""}))
            problems.append(problem(
                data.file, f"AEACN must be one of {codes} (CDISC codelist ACN) or blank",
                row=line, patient_id=pid, column="AEACN", value=value))
    return cells


def read_adam(
    folder: str | Path,
    *,
    bds: str,
    paramcd: str,
    day_variable: str,
    value_column: str,
    baseline_day: int,
) -> AdamTables:
    """Read a CDISC ADaM folder as the package's tidy tables (text, not yet typed).

    Parameters
    ----------
    folder : str or Path
        Folder holding ``adsl``, ``<bds>`` and optionally ``adae``, each as
        ``.xpt`` (SAS transport v5) or ``.csv`` (file names in any case).
    bds : str
        File stem of the BDS dataset, e.g. ``"adqs"``.
    paramcd : str
        ``PARAMCD`` of the endpoint's rows.
    day_variable : {"ADY", "AVISITN"}
        BDS variable giving the tidy ``day``.
    value_column : str
        Name of the tidy score column (``AVAL``).
    baseline_day : int
        Tidy day of the row flagged ``ABLFL = "Y"``.

    Returns
    -------
    AdamTables
        The tidy ``patients``, score and ``adverse_events`` tables (None where
        a dataset is absent or cannot be mapped), every ADaM-level problem, the
        files read and the notes on records left out.

    Raises
    ------
    ValueError
        If ``day_variable`` is not ``"ADY"`` or ``"AVISITN"``. Problems of the data
        are never raised; they are returned in ``problems``.

    Warns
    -----
    ExcludedRecordsWarning
        Once per note of :attr:`AdamTables.notes`, when non-analysis or
        pre-treatment records were left out of the score table.

    Notes
    -----
    ADSL -> patients: ``USUBJID`` -> ``patient_id``, ``SITEID`` -> ``site``,
    ``SEX`` -> ``sex``, ``AGE`` -> ``age_years``, ``ENRLDT`` (else ``RANDDT``,
    else ``TRTSDT``) -> ``enrolment_date``, ``STAGE`` -> ``stage``, ``EOSSTT`` ->
    ``withdrawn`` (``"DISCONTINUED"`` -> ``"true"``, another value ->
    ``"false"``), ``DCSREAS`` -> ``withdrawal_reason``, ``DCSDY`` (else ``EOSDY``)
    -> ``withdrawal_day``, and the other names of :data:`ADSL_NAMES` back to
    their tidy names. ``STUDYID`` is dropped; every other variable is kept
    under its own name. Variables ending in ``DT`` are dates.

    BDS -> score: the rows with ``PARAMCD == paramcd`` and a blank ``DTYPE``
    (derived rows are not observations); ``USUBJID`` -> ``patient_id``,
    ``day_variable`` -> ``day`` (a whole number without a decimal point, ``-2``
    for a CSV ``-2.0``) except that a row with ``ABLFL = "Y"`` gets
    ``baseline_day``, ``AVAL`` -> ``value_column``. When the dataset has an
    ``ANL01FL`` variable (Analysis Flag 01), only the rows flagged
    ``ANL01FL = "Y"`` and the baseline rows flagged ``ABLFL = "Y"`` (whatever
    their ``ANL01FL``) are analysis records; the rows flagged ``"N"`` or blank
    (a second assessment in a visit window, an unscheduled visit) are left out,
    with a note, and not checked further. ``ANL01FL`` other than ``"Y"``,
    ``"N"`` or blank is a problem, and so is an ``ANL01FL`` that flags none
    of the endpoint's observed rows other than the flagged baselines (no
    analysis records; the score table is then None). Derived rows (``DTYPE``)
    are not read whatever their ``ANL01FL``. Among the analysis records,
    pre-treatment records are left out, with a note: a row not flagged
    ``ABLFL = "Y"`` whose day is before ``baseline_day``, or whose ``AVISIT``
    names a screening or run-in visit (``SCREENING``, ``PRE-TREATMENT``,
    ``RUN-IN``, any case) and whose day is blank or not after ``baseline_day``.
    Checked on the rows kept: one ``ABLFL = "Y"`` row per patient and no other
    row on the baseline day; ``BASE`` equal to the baseline ``AVAL``;
    ``CHG == AVAL - BASE`` on rows after the baseline day (to 1e-8 relative);
    no screening ``AVISIT`` after the baseline day.

    ADAE -> adverse events: :data:`ADAE_NAMES` reversed; ``AESER`` ``"Y"``/``"N"``
    and ``AEREL`` ``"Y"``, ``"RELATED"``, ``"PROBABLE"``, ``"POSSIBLE"`` (true) or
    ``"N"``, ``"NOT RELATED"``, ``"UNLIKELY"`` (false) -> ``"true"``/``"false"``;
    ``AEBODSYS`` -> ``soc``; ``AEACN`` -> ``led_to_withdrawal``: ``"DRUG WITHDRAWN"``
    -> ``"true"``, any other code of the CDISC codelist ACN or a blank ->
    ``"false"`` (the event is counted as leading to withdrawal only when the
    treatment was withdrawn). Without ``AEACN`` the tidy table has no
    ``led_to_withdrawal`` column (not recorded).

    Cells are text: XPT numbers are written without a trailing ``.0`` when
    whole, SAS dates (days since 1960-01-01) become ISO dates, a missing value
    is ``""``; CSV cells are kept as written, except dates in SAS ``DATE9``
    form (``09FEB2015``) or as day numbers, which become ISO dates.

    Examples
    --------
    >>> import tempfile, pandas as pd
    >>> patients = pd.DataFrame({"patient_id": ["P1"], "enrolment_date": ["2015-02-09"]})
    >>> score = pd.DataFrame({"patient_id": ["P1", "P1"], "day": [0, 8], "vas_mm": [81, 30]})
    >>> with tempfile.TemporaryDirectory() as tmp:
    ...     _ = write_adam(tmp, patients=patients, score=score, adverse_events=None,
    ...                    bds="adqs", paramcd="PAINVAS", param="Pain VAS (mm)",
    ...                    value_column="vas_mm", baseline_day=0, study_id="THERA")
    ...     tables = read_adam(tmp, bds="adqs", paramcd="PAINVAS", day_variable="ADY",
    ...                        value_column="vas_mm", baseline_day=0)
    >>> tables.score
      patient_id day vas_mm
    0         P1   0     81
    1         P1   8     30
    >>> tables.score.attrs["file"], tables.score.attrs["lines"], tables.problems
    ('adqs.xpt', [2, 3], [])
    """
    if day_variable not in _DAY_VARIABLES:
        raise ValueError(f"day_variable ({day_variable!r}) must be 'ADY' or 'AVISITN'")
    root = Path(folder)
    problems: list[dict[str, Any]] = []
    files: dict[str, Path] = {}
    notes: list[str] = []
    if not root.is_dir():
        problems.append(problem(str(root), "the ADaM folder does not exist"))
        return AdamTables(None, None, None, problems, files, [])

    patients = score = adverse_events = None
    adsl = _read_dataset(root, "adsl", problems, files, "dataset adsl")
    if adsl is not None:
        patients = _map_adsl(adsl, problems)
    bds_data = _read_dataset(root, bds, problems, files, f"BDS dataset {bds}")
    if bds_data is not None:
        score = _map_bds(bds_data, problems, notes, paramcd=paramcd,
                         day_variable=day_variable, value_column=value_column,
                         baseline_day=baseline_day)
    adae = _read_dataset(root, "adae", problems, files, None)
    if adae is not None:
        adverse_events = _map_adae(adae, problems)
    for note in notes:
        warnings.warn(note, ExcludedRecordsWarning, stacklevel=2)
    return AdamTables(patients, score, adverse_events, problems, files, notes)
