"""The one validator of long tables (subject, day, value)."""

from __future__ import annotations

import time

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thera_stats.errors import DataValidationError
from thera_stats.longtable import check_long_table, validate_long_table

COLS = {"table": "vas", "subject": "patient_id", "day": "day", "value": "vas_mm"}


def table(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame(columns)


def rules(problems: list[dict[str, object]]) -> list[object]:
    return [p["rule"] for p in problems]


# --------------------------------------------------------------------------- the rules
def test_valid_table_is_typed_and_missing_values_dropped() -> None:
    frame = table(patient_id=["A", "A", "B", "B"], day=["0", "8", 0.0, 8],
                  vas_mm=["50", None, 60, "  "], site=["x", "y", "z", "w"])
    before = frame.copy(deep=True)
    typed, problems = check_long_table(frame, **COLS, baseline_day=0)
    assert problems == []
    pd.testing.assert_frame_equal(frame, before)  # input untouched
    assert typed["day"].dtype == np.int64
    assert typed["vas_mm"].dtype == np.float64
    assert typed["patient_id"].tolist() == ["A", "B"]
    assert typed["site"].tolist() == ["x", "z"]
    assert typed.index.tolist() == [0, 1]
    pd.testing.assert_frame_equal(validate_long_table(frame, **COLS), typed)


def test_every_rule_with_row_patient_column_and_value() -> None:
    frame = table(
        patient_id=["P1", "P1", "P1", "P2", "P2", "P3", "P4", "P4", None, "P5", "P5"],
        day=[0, 1, 1, 0, 3, 2, 0, "x", 1, -2, True],
        vas_mm=[70, 120, 60, -3, "12,5", 40, np.inf, 50, 44, 10, False],
    )
    _, problems = check_long_table(frame, **COLS, value_range=(0, 100), unit="mm",
                                   baseline_day=0)
    got = [(p["row"], p["patient_id"], p["column"], p["value"], p["rule"]) for p in problems]
    assert got == [
        (3, "P1", "vas_mm", "120", "vas_mm must be between 0 and 100 mm (patient P1, day 1)"),
        (3, "P1", "day", "1", "(patient, day) must be unique: patient P1 has 2 rows for day 1 "
         "(also row(s) 4)"),
        (4, "P1", "day", "1", "(patient, day) must be unique: patient P1 has 2 rows for day 1 "
         "(also row(s) 3)"),
        (5, "P2", "vas_mm", "-3", "vas_mm must be between 0 and 100 mm (patient P2, day 0)"),
        (6, "P2", "vas_mm", "12,5", "vas_mm must be a number in mm (patient P2, day 3); "
         "use a point as decimal mark"),
        (8, "P4", "vas_mm", "inf", "vas_mm must be finite (patient P4, day 0)"),
        (9, "P4", "day", "x", "day must be a whole number of days"),
        (10, None, "patient_id", None, "patient identifier is missing"),
        (11, "P5", "day", "-2", "day must not be negative"),
        (12, "P5", "day", "True", "day must be a whole number of days"),
        (12, "P5", "vas_mm", "False", "vas_mm must be a number in mm (patient P5, an invalid "
         "day); use a point as decimal mark"),
        (None, "P3", "vas_mm", None, "patient P3 has no baseline vas_mm (day 0): change from "
         "baseline cannot be computed"),
        (None, "P5", "vas_mm", None, "patient P5 has no baseline vas_mm (day 0): change from "
         "baseline cannot be computed"),
    ]


def test_generic_messages_name_no_scale_without_a_unit() -> None:
    frame = table(sid=["S1", "S1"], visit=[0, 7], nrs=[7, "seven"])
    _, problems = check_long_table(frame, table="nrs", subject="sid", day="visit", value="nrs",
                                   value_range=(0, 10))
    assert rules(problems) == [
        "nrs must be a number (patient S1, day 7); use a point as decimal mark"
    ]
    for p in problems:
        assert "mm" not in str(p["rule"])
        assert "VAS" not in str(p["rule"])


def test_whole_table_problems() -> None:
    _, problems = check_long_table(table(patient=["A"], day=[0]), **COLS)
    assert [(p["column"], p["rule"]) for p in problems] == [
        ("patient_id", "required column 'patient_id' is missing"),
        ("vas_mm", "required column 'vas_mm' is missing"),
    ]
    typed, problems = check_long_table(table(patient_id=[], day=[], vas_mm=[]), **COLS)
    assert rules(problems) == ["the table has no rows"]
    assert len(typed) == 0
    twice = pd.DataFrame([["A", 0, 1.0, 2.0]], columns=["patient_id", "day", "vas_mm", "vas_mm"])
    assert rules(check_long_table(twice, **COLS)[1]) == [
        "column 'vas_mm' appears 2 times; names must be unique"
    ]


def test_lines_are_the_reported_rows() -> None:
    frame = table(patient_id=["A", "A", "A"], day=[0, 5, 5], vas_mm=[1.0, 2.0, 3.0])
    _, problems = check_long_table(frame, **COLS, lines=[10, 12, 17])
    assert [p["row"] for p in problems] == [12, 17]
    assert problems[0]["rule"].endswith("(also row(s) 17)")
    with pytest.raises(ValueError, match="one line per row"):
        check_long_table(frame, **COLS, lines=[2, 3])


def test_argument_errors_raise_but_data_problems_never_do() -> None:
    frame = table(patient_id=["A"], day=[0], vas_mm=[1.0])
    with pytest.raises(TypeError, match="DataFrame"):
        check_long_table([1, 2], **COLS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="column name"):
        check_long_table(frame, **{**COLS, "value": 3})  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="baseline_day"):
        check_long_table(frame, **COLS, baseline_day=0.0)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="low <= high"):
        check_long_table(frame, **COLS, value_range=(10, 0))
    with pytest.raises(TypeError, match="value_range"):
        check_long_table(frame, **COLS, value_range=(0, "100"))  # type: ignore[arg-type]


def test_validate_raises_with_every_problem_and_the_table_context() -> None:
    frame = table(patient_id=["A", "A", "B"], day=[0, 0, 1.5], vas_mm=[1.0, 2.0, 3.0])
    with pytest.raises(DataValidationError, match=r"^vas table: 3 error\(s\)") as info:
        validate_long_table(frame, **COLS)
    assert info.value.problems["row"].tolist() == [2, 3, 4]
    assert isinstance(info.value, ValueError)


def test_pandas_string_and_nullable_dtypes() -> None:
    frame = table(
        patient_id=pd.array(["A", "A", "B", None], dtype="string"),
        day=pd.array([0, 8, 0, 8], dtype="Int64"),
        vas_mm=pd.array(["50", "20", "n/a?", "1"], dtype="string"),
    )
    typed, problems = check_long_table(frame, **COLS)
    assert rules(problems) == [
        "vas_mm must be a number (patient B, day 0); use a point as decimal mark",
        "patient identifier is missing",
    ]
    assert typed["vas_mm"].tolist() == [50.0, 20.0]


def test_a_large_table_validates_quickly() -> None:
    n = 100_000
    rng = np.random.default_rng(1)
    frame = pd.DataFrame({
        "patient_id": [f"P{i // 10:05d}" for i in range(n)],
        "day": np.tile(np.arange(10), n // 10),
        "vas_mm": rng.uniform(0, 100, n).round(1),
    })
    start = time.perf_counter()
    typed, problems = check_long_table(frame, **COLS, value_range=(0, 100), baseline_day=0)
    assert time.perf_counter() - start < 2.0
    assert problems == []
    assert len(typed) == n
    text = frame.astype(str)  # as read from CSV without types
    text.loc[::1000, "vas_mm"] = "x"
    start = time.perf_counter()
    _, problems = check_long_table(text, **COLS, baseline_day=0)
    assert time.perf_counter() - start < 2.0
    assert len(problems) == 100


# --------------------------------------------------------------------------- properties
cells = st.one_of(
    st.none(), st.booleans(), st.integers(-(2**70), 2**70), st.floats(allow_nan=True),
    st.text(max_size=4), st.sampled_from(["", " ", "1", "0", "2.5", "-1", "nan", "inf"]),
)


@st.composite
def frames(draw: st.DrawFn) -> pd.DataFrame:
    n = draw(st.integers(0, 12))
    columns = draw(st.lists(st.sampled_from(["patient_id", "day", "vas_mm", "other"]),
                            min_size=0, max_size=4, unique=True))
    data = {c: draw(st.lists(cells, min_size=n, max_size=n)) for c in columns}
    frame = pd.DataFrame(data, columns=columns, index=range(n))
    return frame.astype({c: draw(st.sampled_from([object, "string", object]))
                         for c in columns
                         if draw(st.booleans()) and all(isinstance(v, str) or v is None
                                                        for v in data[c])})


@settings(max_examples=300)
@given(frames(), st.one_of(st.none(), st.integers(0, 3)),
       st.one_of(st.none(), st.just((0.0, 100.0))))
def test_never_raises_on_arbitrary_frames(frame: pd.DataFrame, baseline_day: int | None,
                                          value_range: tuple[float, float] | None) -> None:
    typed, problems = check_long_table(frame, **COLS, baseline_day=baseline_day,
                                       value_range=value_range, unit="mm")
    for p in problems:
        assert set(p) == {"table", "row", "patient_id", "column", "value", "rule", "severity"}
        assert p["row"] is None or 2 <= p["row"] <= len(frame) + 1
    if not problems:
        assert typed["day"].dtype == np.int64
        assert typed["vas_mm"].dtype == np.float64
        assert np.isfinite(typed["vas_mm"]).all()
        assert not typed.duplicated(["patient_id", "day"]).any()
    # the error raised by validate_long_table carries the same problems
    if problems:
        with pytest.raises(DataValidationError) as info:
            validate_long_table(frame, **COLS, baseline_day=baseline_day,
                                value_range=value_range, unit="mm")
        assert len(info.value.problems) == len(problems)


@given(st.lists(st.tuples(st.sampled_from(["A", "B", "C"]), st.integers(0, 3)),
                min_size=1, max_size=30),
       st.permutations(range(30)))
def test_duplicates_are_always_reported_on_every_row(keys: list[tuple[str, int]],
                                                     perm: list[int]) -> None:
    frame = pd.DataFrame(keys, columns=["patient_id", "day"]).assign(vas_mm=1.0)
    lines = [p + 2 for p in perm[: len(frame)]]
    _, problems = check_long_table(frame, **COLS, lines=lines)
    dup_rows = {lines[i] for i in np.flatnonzero(frame.duplicated(keep=False))}
    reported = {p["row"] for p in problems if "must be unique" in p["rule"]}
    assert reported == dup_rows
    assert len(problems) == len(dup_rows)
    for p in problems:
        k = int(frame.groupby(["patient_id", "day"]).size()[(p["patient_id"], int(p["value"]))])
        assert f"has {k} rows for day {p['value']}" in p["rule"]
