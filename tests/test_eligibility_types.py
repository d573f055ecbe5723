"""Eligibility rules against the types of their columns, and plan files with a byte-order mark.

A rule whose value is not of its column's type (``sex < 2`` on the F/M column, ``enrolment_date
>= 2015``, ``sex in [1, 2]``, a list mixing numbers and text, a number against a text column) is
one clear error of the plan, named by its index and listed with every other problem, never a
traceback, a deviation for every patient or an error in every row. Dates compare with TOML dates.
"""

from __future__ import annotations

import datetime as dt
import json
import shutil
import tomllib
from pathlib import Path

import pandas as pd
import pytest

from thera_stats import (
    AnalysisPlan,
    DataValidationError,
    EligibilityRule,
    load_trial,
    plan_toml_text,
    synthetic_data_path,
)
from thera_stats.data import sha256_file, validate_tables

SYNTHETIC = synthetic_data_path()
GENOTYPE_RULE = '{ column = "hfe_genotype", op = "==", value = "C282Y/C282Y" }'


@pytest.fixture
def trial_dir(tmp_path: Path) -> Path:
    dest = tmp_path / "trial"
    shutil.copytree(SYNTHETIC, dest)
    return dest


def with_rule(folder: Path, *rules: str) -> Path:
    """Replace the plan's genotype rule by ``rules`` (TOML inline tables)."""
    path = folder / "plan.toml"
    text = path.read_text(encoding="utf-8")
    assert GENOTYPE_RULE in text
    path.write_text(text.replace(GENOTYPE_RULE, ", ".join(rules)), encoding="utf-8")
    return folder


def edit_patients(folder: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells of patients.csv: (spreadsheet row, header = 1; column) -> text."""
    path = folder / "patients.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for (row, column), text in edits.items():
        frame.loc[row - 2, column] = text
    frame.to_csv(path, index=False)


def problems_of(folder: Path) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as info:
        load_trial(folder)
    return info.value.problems


def the_rule_error(problems: pd.DataFrame, index: int) -> pd.Series:
    hit = problems[problems["column"] == f"eligibility.rules[{index}]"]
    assert len(hit) == 1, problems.to_string()
    row = hit.iloc[0]
    assert row["table"] == "plan.toml"
    assert row["severity"] == "error"
    return row


def patients() -> pd.DataFrame:
    return pd.read_csv(SYNTHETIC / "patients.csv", dtype=str, keep_default_na=False)


# ------------------------------------------------------------------ case 05: ordering operators
def test_ordering_rule_on_text_column_is_one_plan_error_with_the_others(trial_dir: Path) -> None:
    with_rule(trial_dir, '{ column = "sex", op = "<", value = 2 }')
    edit_patients(trial_dir, {(3, "age_years"): "forty"})
    problems = problems_of(trial_dir)  # a DataValidationError, not a TypeError
    row = the_rule_error(problems, 2)
    assert row["value"] == "sex < 2"
    for words in ("column sex of patients.csv", "text (F or M)", "'<'", "the number 2"):
        assert words in row["rule"]
    # Listed together with the tables' own problems, and no deviation for the broken rule.
    assert ((problems["column"] == "age_years") & (problems["row"] == 3)).any()
    assert not (problems["column"] == "sex").any()


def test_number_against_a_date_column(trial_dir: Path) -> None:
    with_rule(trial_dir, '{ column = "enrolment_date", op = ">=", value = 2015 }')
    row = the_rule_error(problems_of(trial_dir), 2)
    assert row["value"] == "enrolment_date >= 2015"
    assert "holds dates" in row["rule"]
    assert "the number 2015" in row["rule"]


@pytest.mark.parametrize("value", ["2015-06-01", '"2015-06-01"'])
def test_dates_compare_with_toml_dates(trial_dir: Path, value: str) -> None:
    with_rule(trial_dir, f'{{ column = "enrolment_date", op = ">=", value = {value} }}')
    trial = load_trial(trial_dir)
    early = patients().loc[lambda f: f["enrolment_date"] < "2015-06-01", "patient_id"]
    assert len(early) > 0
    dev = trial.deviations
    assert sorted(dev["patient_id"]) == sorted(early)
    assert set(dev["rule"]) == {"eligibility: enrolment_date >= 2015-06-01"}
    assert set(dev["value"]) == set(patients().set_index("patient_id").loc[
        list(early), "enrolment_date"])  # shown as YYYY-MM-DD, as in the file


def test_dates_in_a_list_and_in_a_column_of_the_trial(trial_dir: Path) -> None:
    first = patients()["enrolment_date"].iat[0]
    frame = patients()
    frame["consent_date"] = frame["enrolment_date"]
    frame.loc[1, "consent_date"] = "2015-02-30"  # no such day: an error in its row
    frame.to_csv(trial_dir / "patients.csv", index=False)
    with_rule(trial_dir, f'{{ column = "enrolment_date", op = "not in", value = [{first}] }}',
              '{ column = "consent_date", op = "<=", value = 2030-01-01 }')
    problems = problems_of(trial_dir)
    assert len(problems) == 2, problems.to_string()
    bad = problems[problems["severity"] == "error"].iloc[0]
    assert (bad["column"], bad["row"]) == ("consent_date", 3)
    dev = problems[problems["severity"] == "deviation"].iloc[0]
    assert dev["rule"] == f"eligibility: enrolment_date not in [{first}]"
    assert "not recorded" not in " ".join(problems["rule"])


# ------------------------------------------------------------------ case 09: type mismatches
def test_numbers_against_the_sex_column_are_one_error_not_a_deviation_each(
        trial_dir: Path) -> None:
    with_rule(trial_dir, '{ column = "sex", op = "in", value = [1, 2] }')
    problems = problems_of(trial_dir)
    assert len(problems) == 1, problems.to_string()
    row = the_rule_error(problems, 2)
    assert row["value"] == "sex in [1, 2]"
    assert "text (F or M)" in row["rule"]
    assert "the numbers [1, 2]" in row["rule"]


def test_a_list_mixing_kinds_is_one_error_naming_the_columns_type(trial_dir: Path) -> None:
    with_rule(trial_dir, '{ column = "hfe_genotype", op = "in", value = [1, "C282Y/C282Y"] }')
    problems = problems_of(trial_dir)
    assert len(problems) == 1, problems.to_string()  # not 17 errors and 17 deviations
    row = the_rule_error(problems, 2)
    assert row["value"] == 'hfe_genotype in [1, "C282Y/C282Y"]'
    assert "column hfe_genotype of patients.csv holds text" in row["rule"]
    assert "mix numbers and text" in row["rule"]
    assert "not recorded" not in row["rule"]


def test_a_number_against_a_column_of_text_is_one_error(trial_dir: Path) -> None:
    with_rule(trial_dir, '{ column = "hfe_genotype", op = "==", value = 1 }')
    problems = problems_of(trial_dir)
    assert len(problems) == 1, problems.to_string()
    row = the_rule_error(problems, 2)
    assert "holds text (for example 'C282Y/C282Y')" in row["rule"]
    assert "the number 1" in row["rule"]


def test_a_decimal_in_a_whole_number_column_is_not_called_not_recorded(
        trial_dir: Path) -> None:
    edit_patients(trial_dir, {(2, "age_years"): "60.5"})
    problems = problems_of(trial_dir)
    assert len(problems) == 1, problems.to_string()
    assert problems["rule"].iat[0] == "must be a whole number"
    assert problems["value"].iat[0] == "60.5"


@pytest.mark.parametrize(("rule", "words"), [
    ('{ column = "age_years", op = "==", value = 60.5 }', "60.5 is not a whole number"),
    ('{ column = "sex", op = "==", value = "female" }', "'female' is neither"),
    ('{ column = "withdrawn", op = "==", value = 0 }', "holds true/false values"),
    ('{ column = "injections_received", op = "in", value = ["5"] }', "holds whole numbers"),
    ('{ column = "baseline", op = "==", value = "high" }', "holds numbers"),
])
def test_values_that_can_never_match_their_column(trial_dir: Path, rule: str,
                                                  words: str) -> None:
    with_rule(trial_dir, rule)
    problems = problems_of(trial_dir)
    assert len(problems) == 1, problems.to_string()
    assert words in the_rule_error(problems, 2)["rule"]


def test_rules_on_one_column_must_agree(trial_dir: Path) -> None:
    frame = patients()
    frame["kl_grade"] = ["2", "3"] * (len(frame) // 2) + ["2"] * (len(frame) % 2)
    frame.to_csv(trial_dir / "patients.csv", index=False)
    with_rule(trial_dir, '{ column = "kl_grade", op = ">=", value = 2 }',
              '{ column = "kl_grade", op = "!=", value = "IV" }')
    problems = problems_of(trial_dir)
    assert len(problems) == 1, problems.to_string()
    row = the_rule_error(problems, 3)
    assert "eligibility.rules[2] (kl_grade >= 2) with numbers" in row["rule"]


def test_a_list_on_the_baseline_is_reported_not_a_traceback(trial_dir: Path) -> None:
    path = trial_dir / "plan.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('{ column = "baseline", op = ">", value = 40 }',
                                 '{ column = "baseline", op = "not in", value = [0, 100] }'),
                    encoding="utf-8")
    trial = load_trial(trial_dir)
    assert len(trial.deviations) == 0
    path.write_text(text.replace('{ column = "baseline", op = ">", value = 40 }',
                                 '{ column = "baseline", op = "in", value = [0, 100] }'),
                    encoding="utf-8")
    dev = load_trial(trial_dir).deviations
    assert len(dev) == len(patients())
    assert set(dev["rule"]) == {"eligibility: baseline pain VAS in [0, 100] mm"}


def test_in_memory_tables_name_the_plan() -> None:
    plan = AnalysisPlan.from_dict({**tomllib.loads((SYNTHETIC / "plan.toml").read_text()),
                                   "eligibility": {"rules": [
                                       {"column": "sex", "op": ">=", "value": 1}]}})
    raw = patients()
    before = raw.copy()
    with pytest.raises(DataValidationError) as info:
        validate_tables(raw, pd.read_csv(SYNTHETIC / "vas.csv", dtype=str), plan=plan)
    row = info.value.problems.iloc[0]
    assert (row["table"], row["column"]) == ("plan", "eligibility.rules[1]")
    pd.testing.assert_frame_equal(raw, before)  # input data are never modified


# ------------------------------------------------------------------ the plan's rule values
def base_raw() -> dict:
    return tomllib.loads((SYNTHETIC / "plan.toml").read_text())


def with_rules(*rules: dict) -> dict:
    raw = base_raw()
    raw["eligibility"] = {"rules": list(rules)}
    return raw


def test_plan_reads_dates_and_writes_them_back() -> None:
    plan = AnalysisPlan.from_dict(with_rules(
        {"column": "enrolment_date", "op": ">=", "value": dt.date(2015, 1, 1)},
        {"column": "enrolment_date", "op": "<", "value": "2019-01-01"},
        {"column": "visit_date", "op": "in", "value": [dt.date(2015, 3, 1)]}))
    a, b, c = plan.eligibility
    assert a == EligibilityRule("enrolment_date", ">=", dt.date(2015, 1, 1))
    assert b.value == dt.date(2019, 1, 1)  # text YYYY-MM-DD with an order: the date
    assert (a.kind, c.kinds) == ("date", ("date",))
    assert a.describe() == "enrolment_date >= 2015-01-01"
    text = plan_toml_text(plan)
    assert '{ column = "enrolment_date", op = ">=", value = 2015-01-01 }' in text
    assert AnalysisPlan.from_dict(tomllib.loads(text)) == plan
    json.dumps(plan.to_dict())  # the provenance record stays JSON
    assert AnalysisPlan.from_dict(plan.to_dict()).eligibility[:2] == plan.eligibility[:2]


@pytest.mark.parametrize(("value", "words"), [
    (dt.datetime(2015, 1, 1, 10, 0), "without a time of day"),
    ("soon", "must be a number for '>=', or a date"),
    ("2015-02-30", "must be a number for '>=', or a date"),
])
def test_plan_rejects_values_without_an_order(value: object, words: str) -> None:
    with pytest.raises(DataValidationError) as info:
        AnalysisPlan.from_dict(with_rules({"column": "enrolment_date", "op": ">=",
                                           "value": value}))
    p = info.value.problems
    assert p["column"].tolist() == ["eligibility.rules[1].value"]
    assert words in p["rule"].iat[0]


def test_rule_holds_for_timestamps_and_explains_a_bad_comparison() -> None:
    rule = EligibilityRule("enrolment_date", ">=", dt.date(2015, 6, 1))
    assert rule.holds(pd.Timestamp("2015-06-01"))
    assert not rule.holds(pd.Timestamp("2015-05-31"))
    with pytest.raises(TypeError, match=r"sex < 2 cannot be checked for the value 'F'"):
        EligibilityRule("sex", "<", 2).holds("F")


# ------------------------------------------------------------------ case 08: byte-order mark
def test_plan_with_a_byte_order_mark_is_read_and_left_unchanged(trial_dir: Path) -> None:
    path = trial_dir / "plan.toml"
    path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    before = sha256_file(path)
    trial = load_trial(trial_dir)
    assert trial.plan == AnalysisPlan.from_toml(SYNTHETIC / "plan.toml")
    assert sha256_file(path) == before
    assert trial.files["plan.toml"] == before


def test_plan_saved_as_utf16_says_so(trial_dir: Path) -> None:
    path = trial_dir / "plan.toml"
    path.write_bytes(path.read_text(encoding="utf-8").encode("utf-16"))
    problems = problems_of(trial_dir)
    assert problems["rule"].tolist() == ["plan.toml is UTF-16 text; save it as UTF-8"]


def test_dates_written_otherwise_under_a_date_rule_say_how_to_write_them(
        trial_dir: Path) -> None:
    path = trial_dir / "patients.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["consent_date"] = "09/02/2015"
    frame.to_csv(path, index=False)
    with_rule(trial_dir, '{ column = "consent_date", op = "<=", value = 2017-06-30 }')
    row = the_rule_error(problems_of(trial_dir), 2)
    assert row["rule"].endswith(
        "no patient's value fits the rule; write the dates of consent_date as YYYY-MM-DD "
        "(e.g. 2015-02-09)")


def test_problems_found_reading_the_plan_name_its_file(trial_dir: Path) -> None:
    path = trial_dir / "plan.toml"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace("[analysis]\n", "[analysis]\npopulaton = \"treated\"\n", 1),
                    encoding="utf-8")
    problems = problems_of(trial_dir)
    hit = problems[problems["column"] == "analysis.populaton"]
    assert hit["table"].tolist() == ["plan.toml"]
