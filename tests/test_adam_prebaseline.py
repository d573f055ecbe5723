"""Pre-treatment records of an ADaM BDS dataset are left out with a note; simulate always
gives a trial that can be analysed (at least one primary-day assessment)."""

from __future__ import annotations

import copy
import hashlib
import re
import warnings
from pathlib import Path

import pandas as pd
import pytest

from thera_stats.adam import AdamTables, ExcludedRecordsWarning, read_adam, write_adam
from thera_stats.cli import main
from thera_stats.data import load_trial
from thera_stats.errors import DataValidationError
from thera_stats.simulate import THERA_PLAN, _csv_text, simulate_trial, write_trial

OPTIONS = {"bds": "adqs", "paramcd": "PAINVAS", "value_column": "vas_mm", "baseline_day": 0}
ADSL = "USUBJID,ENRLDT\nP1,2015-02-09\nP2,2015-03-09\n"


def folder(tmp_path: Path, adqs: str) -> Path:
    (tmp_path / "adsl.csv").write_text(ADSL, encoding="utf-8")
    (tmp_path / "adqs.csv").write_text(adqs, encoding="utf-8")
    return tmp_path


def read(path: Path, day_variable: str = "ADY") -> AdamTables:
    """read_adam, with its warnings collected (checked against the notes)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = read_adam(path, day_variable=day_variable, **OPTIONS)
    assert [str(w.message) for w in caught] == tables.notes
    assert all(w.category is ExcludedRecordsWarning for w in caught)
    return tables


def message(tables: AdamTables) -> str:
    return str(DataValidationError(tables.problems, context="ADaM"))


# --------------------------------------------------------------------------- read_adam
def test_screening_record_before_baseline_is_left_out_with_a_note(tmp_path):
    path = folder(tmp_path, (
        "USUBJID,PARAMCD,AVAL,BASE,CHG,ABLFL,ADY,AVISIT\n"
        "P1,PAINVAS,85.0,81.0,,,-2.0,SCREENING\n"
        "P1,PAINVAS,81.0,81.0,,Y,1.0,BASELINE\n"
        "P1,PAINVAS,30.0,81.0,-51.0,,9.0,DAY 8\n"
        "P2,PAINVAS,70,70,,,-9,SCREENING\n"
        "P2,PAINVAS,71,70,,,-3,SCREENING 2\n"
        "P2,PAINVAS,70,70,,Y,-1,BASELINE\n"
        "P2,PAINVAS,40,70,-30,,9,DAY 8\n"))
    tables = read(path)
    assert tables.problems == []
    assert tables.score.to_dict("list") == {
        "patient_id": ["P1", "P1", "P2", "P2"], "day": ["0", "9", "0", "9"],
        "vas_mm": ["81.0", "30.0", "70", "40"]}
    assert tables.score.attrs["lines"] == [3, 4, 7, 8]
    assert tables.notes == [
        "adqs.csv: 3 pre-treatment records (2 patients) left out of the score table, as a "
        "record before the baseline (ADY before the baseline day 0, or AVISIT a screening or "
        "run-in visit) not flagged ABLFL = 'Y' is not an analysis record. P1: line 2 (ADY -2, "
        "AVISIT 'SCREENING'); P2: line 5 (ADY -9, AVISIT 'SCREENING'), line 6 (ADY -3, "
        "AVISIT 'SCREENING 2')"]
    assert repr(tables).endswith("notes=1)")


def test_before_the_baseline_day_without_avisit_or_ablfl(tmp_path):
    path = folder(tmp_path, "USUBJID,PARAMCD,AVAL,ADY\nP1,PAINVAS,90,-5\nP1,PAINVAS,80,0\n"
                            "P1,PAINVAS,40,8\n")
    tables = read(path)
    assert tables.problems == []
    assert tables.score["day"].tolist() == ["0", "8"]
    assert tables.notes[0].endswith("P1: line 2 (ADY -5)")


def test_screening_visit_on_the_baseline_day_or_without_a_day(tmp_path):
    # By visit number the screening visit can share the baseline's number; by ADY it can lack one.
    path = folder(tmp_path, (
        "USUBJID,PARAMCD,AVAL,ABLFL,ADY,AVISITN,AVISIT\n"
        "P1,PAINVAS,90,,,0,Screening\n"
        "P1,PAINVAS,80,Y,1,0,Baseline\n"
        "P1,PAINVAS,40,,9,8,Day 8\n"
        "P2,PAINVAS,75,,-4,-1,RUN-IN\n"
        "P2,PAINVAS,70,Y,1,0,Baseline\n"))
    by_visit = read(path, "AVISITN")
    assert by_visit.problems == []
    assert by_visit.score["day"].tolist() == ["0", "8", "0"]
    assert "2 pre-treatment records (2 patients)" in by_visit.notes[0]
    by_day = read(path)
    assert by_day.problems == []
    assert by_day.score["day"].tolist() == ["0", "9", "0"]
    assert "P1: line 2 (ADY blank, AVISIT 'Screening')" in by_day.notes[0]


def test_flagged_baseline_is_kept_whatever_its_day(tmp_path):
    path = folder(tmp_path, "USUBJID,PARAMCD,AVAL,ABLFL,ADY\nP1,PAINVAS,80,Y,-1\n"
                            "P1,PAINVAS,40,,8\n")
    tables = read(path)
    assert (tables.problems, tables.notes) == ([], [])
    assert tables.score["day"].tolist() == ["0", "8"]


def test_screening_visit_after_the_baseline_day_is_an_error(tmp_path):
    path = folder(tmp_path, "USUBJID,PARAMCD,AVAL,ABLFL,ADY,AVISIT\n"
                            "P1,PAINVAS,80,Y,1,BASELINE\nP1,PAINVAS,40,,5.0,SCREENING\n")
    tables = read(path)
    assert tables.notes == []
    assert ("table adqs.csv, row 3, patient P1, column AVISIT: value 'SCREENING' AVISIT "
            "'SCREENING' is a pre-treatment visit but ADY 5 is after the baseline day 0"
            ) in message(tables)


def test_records_left_out_are_not_checked(tmp_path):
    # A screening record's BASE and CHG are not those of the analysis baseline.
    path = folder(tmp_path, "USUBJID,PARAMCD,AVAL,BASE,CHG,ABLFL,ADY\n"
                            "P1,PAINVAS,90,88,7,,-7\nP1,PAINVAS,80,80,,Y,1\n"
                            "P1,PAINVAS,40,80,-40,,9\n")
    tables = read(path)
    assert tables.problems == []
    assert len(tables.notes) == 1


def test_whole_days_are_written_without_a_decimal_point(tmp_path):
    path = folder(tmp_path, "USUBJID,PARAMCD,AVAL,ABLFL,ADY\nP1,PAINVAS,80,Y,1\n"
                            "P1,PAINVAS,79,,0.0\nP1,PAINVAS,40,,9.0\nP2,PAINVAS,70,Y,1\n"
                            "P2,PAINVAS,40,,8.5\n")
    tables = read(path)
    assert tables.score["day"].tolist() == ["0", "0", "9", "0", "8.5"]
    assert ("table adqs.csv, row 3, patient P1, column ADY: value '0' ADY maps this row to the "
            "baseline day 0") in message(tables)


def test_no_note_when_nothing_is_left_out(tmp_path):
    path = folder(tmp_path, "USUBJID,PARAMCD,AVAL,ABLFL,ADY\nP1,PAINVAS,80,Y,1\n"
                            "P1,PAINVAS,40,,9\n")
    tables = read(path)
    assert tables.notes == []
    assert repr(tables).endswith("files=['adqs.csv', 'adsl.csv'])")


# --------------------------------------------------------------------------- the trial loader
def test_a_trial_with_screening_records_loads_as_without_them(tmp_path):
    trial = simulate_trial(seed=1)
    score = trial.score.drop(columns=["day"]).rename(columns={"assessment_day": "day"})
    plain = tmp_path / "plain"
    write_trial(trial, plain, format="adam")
    with_screening = tmp_path / "screening"
    with_screening.mkdir()
    (with_screening / "plan.toml").write_bytes((plain / "plan.toml").read_bytes())
    paths = write_adam(with_screening, patients=trial.patients, score=score,
                       adverse_events=trial.adverse_events, param="Pain VAS (mm)",
                       study_id="THERA", format="csv", **{**OPTIONS, "paramcd": "VASMM"})
    adqs = next(p for p in paths if p.name == "adqs.csv")
    lines = adqs.read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    header = lines[0].split(",")
    first[header.index("ADY")] = first[header.index("AVISITN")] = "-2.0"
    first[header.index("ABLFL")] = ""
    first[header.index("AVISIT")] = "SCREENING"
    adqs.write_text("\n".join([lines[0], ",".join(first), *lines[1:]]) + "\n", encoding="utf-8")

    # load_trial keeps the note with the trial (summary, memo, analysis.json), not as a warning
    with warnings.catch_warnings():
        warnings.simplefilter("error", ExcludedRecordsWarning)
        loaded = load_trial(with_screening)
    assert len(loaded.notes) == 1
    assert re.search(r"1 pre-treatment record \(1 patient\).*THR-001: line 2 \(ADY -2, "
                     r"AVISIT 'SCREENING'\)", loaded.notes[0])
    assert f"  data note: {loaded.notes[0]}" in loaded.summary()
    from thera_stats.analysis import analyze

    result = analyze(loaded)
    assert "Data note: adqs.csv: 1 pre-treatment record (1 patient) left out" in result.memo()
    assert result.to_dict()["data_notes"] == list(loaded.notes)
    expected = load_trial(plain)
    assert expected.notes == ()
    pd.testing.assert_frame_equal(loaded.score, expected.score)
    assert len(loaded.deviations) == 0


# --------------------------------------------------------------------------- simulate
def digest(trial) -> str:
    text = "".join(_csv_text(t) for t in (trial.patients, trial.score, trial.adverse_events))
    return hashlib.sha256(text.encode()).hexdigest()


@pytest.mark.parametrize("seed", [1, 2, 3, 2026])
def test_simulate_one_patient(seed):
    trial = simulate_trial(seed=seed, n_patients=1)
    assert (trial.score["day"] == 8).any()
    assert not trial.patients["withdrawn"].any()


def test_simulate_keeps_a_primary_day_assessment_when_every_visit_is_missed():
    trial = simulate_trial(seed=0, n_patients=3, missed_visit_rate=1.0)
    days = trial.score.groupby("patient_id")["day"].apply(list).to_dict()
    assert sum(8 in d for d in days.values()) == 1
    first = next(pid for pid in sorted(days) if not trial.patients.set_index(
        "patient_id").loc[pid, "withdrawn"])
    assert days[first] == [0, 8]


def test_simulate_refuses_withdrawing_every_patient():
    with pytest.raises(ValueError, match=r"`withdrawals` \(2\) must lie in \[0, 1\]: withdrawn "
                       r"patients leave on day 3, before the primary endpoint day 8"):
        simulate_trial(n_patients=2, withdrawals=2)
    with pytest.raises(ValueError, match=r"must lie in \[0, 0\]"):
        simulate_trial(n_patients=1, withdrawals=1)


# Digests of simulate_trial before the primary-day rule: draws that already had a day-8
# assessment give the same tables.
@pytest.mark.parametrize(("seed", "n", "options", "expected"), [
    (3, 2, {}, "39b6de28642816050595982e1a5794837ed4ac5372c47918bba9cc8e68476e53"),
    (7, 17, {}, "6a9cc3f992cd6f193bea8c58a5b431f34802fb1b3aa697491b44f379cb1b8828"),
    (11, 4, {"missed_visit_rate": 0.5},
     "0e7bbc9fea49cc905803bd97417c49689de5ed9e3a055ed626e406162aae1099"),
    (5, 30, {"withdrawals": 2}, "4a262c2b70cf22dcd95241c0aab05577d1e141820b11ce41d9ded2d92ebbf179"),
])
def test_simulate_draws_with_a_primary_day_assessment_are_unchanged(seed, n, options, expected):
    assert digest(simulate_trial(seed=seed, n_patients=n, **options)) == expected


def test_simulate_errors_say_the_tables_were_simulated():
    plan = copy.deepcopy(THERA_PLAN)
    plan["endpoint"]["range"] = [0, 50]
    with pytest.raises(DataValidationError, match=r"^simulated trial \(seed 4, 5 patient\(s\); "
                       r"simulate_trial's tables, not a file\)"):
        simulate_trial(seed=4, n_patients=5, plan=plan)


@pytest.mark.parametrize("fmt", ["csv", "adam"])
def test_cli_simulate_one_patient_writes_a_valid_folder(tmp_path, capsys, fmt):
    out = tmp_path / "one"
    assert main(["simulate", "--seed", "1", "--patients", "1", "--format", fmt,
                 "--out", str(out)]) == 0
    assert main(["validate", str(out)]) == 0
    assert "1 patients" in capsys.readouterr().out
