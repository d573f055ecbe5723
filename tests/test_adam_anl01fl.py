"""ANL01FL (Analysis Flag 01) of an ADaM BDS dataset: only the records flagged 'Y' (and the
baseline flagged ABLFL = 'Y') are analysis records; the others are left out with a note."""

from __future__ import annotations

import io
import warnings
from pathlib import Path

import pandas as pd
import pytest

from thera_stats.adam import AdamTables, ExcludedRecordsWarning, read_adam, write_adam, write_xport
from thera_stats.data import load_trial
from thera_stats.errors import DataValidationError
from thera_stats.simulate import score_table_as_recorded, simulate_trial, write_trial

OPTIONS = {"bds": "adqs", "paramcd": "PAINVAS", "value_column": "vas_mm", "baseline_day": 0}
ADSL = "USUBJID,ENRLDT\nP1,2015-02-09\nP2,2015-03-09\n"
HEADER = "USUBJID,PARAMCD,AVAL,BASE,CHG,ABLFL,ADY,AVISIT,ANL01FL\n"
# Two assessments in the DAY 8 window for both patients; the analysis one is flagged.
TWO_PER_VISIT = (
    HEADER
    + "P1,PAINVAS,81,81,,Y,1,BASELINE,Y\n"
    "P1,PAINVAS,30,81,-51,,8,DAY 8,Y\n"
    "P1,PAINVAS,35,81,-46,,9,DAY 8,\n"
    "P2,PAINVAS,70,70,,Y,1,BASELINE,Y\n"
    "P2,PAINVAS,44,70,-26,,7,DAY 8,N\n"
    "P2,PAINVAS,40,70,-30,,8,DAY 8,Y\n"
    "P2,PAINVAS,38,70,-32,,12,UNSCHEDULED,\n"
)


def folder(tmp_path: Path, adqs: str, name: str = "adqs.csv") -> Path:
    (tmp_path / "adsl.csv").write_text(ADSL, encoding="utf-8")
    (tmp_path / name).write_text(adqs, encoding="utf-8")
    return tmp_path


def read(path: Path, day_variable: str = "ADY", **options: object) -> AdamTables:
    """read_adam, with its warnings collected (checked against the notes)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        tables = read_adam(path, day_variable=day_variable, **{**OPTIONS, **options})
    assert [str(w.message) for w in caught] == tables.notes
    assert all(w.category is ExcludedRecordsWarning for w in caught)
    return tables


def message(tables: AdamTables) -> str:
    return str(DataValidationError(tables.problems, context="ADaM"))


# --------------------------------------------------------------------------- read_adam
def test_duplicate_visit_rows_are_resolved_by_anl01fl(tmp_path):
    tables = read(folder(tmp_path, TWO_PER_VISIT))
    assert tables.problems == []
    assert tables.score.to_dict("list") == {
        "patient_id": ["P1", "P1", "P2", "P2"], "day": ["0", "8", "0", "8"],
        "vas_mm": ["81", "30", "70", "40"]}
    assert tables.score.attrs["lines"] == [2, 3, 5, 7]
    # by visit number too: without the flag both DAY 8 rows would share day 8
    by_visit = TWO_PER_VISIT.replace("AVISIT,", "AVISITN,AVISIT,").replace(
        ",DAY 8,", ",8,DAY 8,").replace(",BASELINE,", ",0,BASELINE,").replace(
        ",UNSCHEDULED,", ",,UNSCHEDULED,")
    tables = read(folder(tmp_path, by_visit), "AVISITN")
    assert tables.problems == []
    assert tables.score["vas_mm"].tolist() == ["81", "30", "70", "40"]


def test_note_names_the_records_left_out(tmp_path):
    tables = read(folder(tmp_path, TWO_PER_VISIT))
    assert tables.notes == [
        "adqs.csv: 3 non-analysis records (2 patients) left out of the score table, as a "
        "record of PARAMCD 'PAINVAS' not flagged ANL01FL = 'Y' (nor ABLFL = 'Y') is not an "
        "analysis record. P1: line 4 (ADY 9, AVISIT 'DAY 8', AVAL 35); P2: line 6 (ADY 7, "
        "AVISIT 'DAY 8', AVAL 44), line 8 (ADY 12, AVISIT 'UNSCHEDULED', AVAL 38)"]
    assert repr(tables).endswith("notes=1)")


def test_variable_name_in_any_case_and_one_record(tmp_path):
    adqs = ("usubjid,paramcd,aval,ablfl,ady,Anl01fl\nP1,PAINVAS,81,Y,1,\n"
            "P1,PAINVAS,30,,8,y\nP1,PAINVAS,,,8,\n")
    tables = read(folder(tmp_path, adqs))
    assert tables.problems == []
    assert tables.score["vas_mm"].tolist() == ["81", "30"]
    assert tables.notes == [
        "adqs.csv: 1 non-analysis record (1 patient) left out of the score table, as a record "
        "of PARAMCD 'PAINVAS' not flagged ANL01FL = 'Y' (nor ABLFL = 'Y') is not an analysis "
        "record. P1: line 4 (ADY 8, AVAL blank)"]


def test_baseline_is_kept_whatever_its_anl01fl(tmp_path):
    # The flagged baseline is kept although ANL01FL is blank; a repeated pre-dose
    # measurement on the same day, not flagged, is left out instead of clashing with it.
    adqs = (HEADER + "P1,PAINVAS,81,81,,Y,1,BASELINE,\n"
            "P1,PAINVAS,84,,,,1,BASELINE,\n"
            "P1,PAINVAS,30,81,-51,,8,DAY 8,Y\n"
            "P2,PAINVAS,70,70,,Y,1,BASELINE,N\n"
            "P2,PAINVAS,40,70,-30,,8,DAY 8,Y\n")
    tables = read(folder(tmp_path, adqs))
    assert tables.problems == []
    assert tables.score.to_dict("list") == {
        "patient_id": ["P1", "P1", "P2", "P2"], "day": ["0", "8", "0", "8"],
        "vas_mm": ["81", "30", "70", "40"]}
    assert "P1: line 3 (ADY 1, AVISIT 'BASELINE', AVAL 84)" in tables.notes[0]


def test_records_left_out_are_not_checked(tmp_path):
    # Blank AVAL, a wrong CHG, a second baseline-day row, a screening AVISIT after the
    # baseline: none of it matters on a record that is not analysed.
    adqs = (HEADER + "P1,PAINVAS,81,81,,Y,1,BASELINE,Y\n"
            "P1,PAINVAS,,81,,,8,DAY 8,\n"
            "P1,PAINVAS,33,81,-99,,9,DAY 8,\n"
            "P1,PAINVAS,80,80,,,0,BASELINE,\n"
            "P1,PAINVAS,82,81,,,5,SCREENING,\n"
            "P1,PAINVAS,30,81,-51,,8,DAY 8,Y\n")
    tables = read(folder(tmp_path, adqs))
    assert tables.problems == []
    assert tables.score["vas_mm"].tolist() == ["81", "30"]
    assert tables.notes[0].startswith("adqs.csv: 4 non-analysis records (1 patient)")


def test_flag_that_marks_nothing_is_an_error(tmp_path):
    blank = TWO_PER_VISIT.replace(",Y\n", ",\n").replace(",N\n", ",\n")
    tables = read(folder(tmp_path, blank))
    assert tables.score is None
    assert tables.notes == []
    assert message(tables) == (
        "ADaM: 1 error(s):\n  - [ERROR] table adqs.csv, column ANL01FL: no analysis records: "
        "ANL01FL is present but is 'Y' on none of the 5 observed records of PARAMCD 'PAINVAS' "
        "other than the baselines flagged ABLFL = 'Y' (blank on 5), and only the records "
        "flagged ANL01FL = 'Y' are analysis records; flag the analysis records 'Y', or leave "
        "ANL01FL out of the dataset when every record is analysed")
    # 'Y' on the baselines only (kept anyway) does not make any other record an analysis one
    baselines = TWO_PER_VISIT.replace(",DAY 8,Y\n", ",DAY 8,\n")
    assert "is 'Y' on none of the 5 observed records" in message(read(folder(tmp_path,
                                                                                baselines)))


def test_flag_only_elsewhere_is_named_in_the_error(tmp_path):
    adqs = ("USUBJID,PARAMCD,AVAL,ADY,DTYPE,ANL01FL\n"
            "P1,PAINVAS,81,0,,\nP1,PAINVAS,30,8,,N\nP1,PAINVAS,30,15,LOCF,Y\n"
            "P1,OTHER,3,8,,Y\nP1,ZED,3,8,,Y\n")
    text = message(read(folder(tmp_path, adqs)))
    assert ("ANL01FL is present but is 'Y' on none of the 2 observed records of PARAMCD "
            "'PAINVAS' (blank on 1, 'N' on 1); 'Y' is set only on 1 derived record of the "
            "endpoint (DTYPE not blank, not read) and on PARAMCD 'OTHER', 'ZED', "
            "and only the records flagged ANL01FL = 'Y' are analysis records") in text


def test_flag_values_other_than_y_n_or_blank(tmp_path):
    adqs = TWO_PER_VISIT.replace("P1,PAINVAS,35,81,-46,,9,DAY 8,\n",
                                 "P1,PAINVAS,35,81,-46,,9,DAY 8,YES\n")
    tables = read(folder(tmp_path, adqs))
    assert ("table adqs.csv, row 4, patient P1, column ANL01FL: value 'YES' ANL01FL must be "
            "'Y' (an analysis record), 'N' or blank (not an analysis record)") in message(tables)
    assert len(tables.problems) == 1


def test_derived_rows_are_not_read_whatever_their_flag(tmp_path):
    # LOCF rows flagged for analysis stay out: the plan's missing-data rule replaces them.
    adqs = ("USUBJID,PARAMCD,AVAL,ABLFL,ADY,DTYPE,ANL01FL\n"
            "P1,PAINVAS,81,Y,1,,Y\nP1,PAINVAS,30,,8,,Y\nP1,PAINVAS,30,,15,LOCF,Y\n"
            "P1,PAINVAS,31,,15,,\n")
    tables = read(folder(tmp_path, adqs))
    assert tables.problems == []
    assert tables.score["day"].tolist() == ["0", "8"]
    assert tables.notes[0].endswith("P1: line 5 (ADY 15, AVAL 31)")


def test_pre_treatment_rule_applies_to_the_analysis_records(tmp_path):
    # An unflagged screening record is a non-analysis record (one note); a screening record
    # flagged ANL01FL = 'Y' is still before the baseline (the pre-treatment note).
    adqs = (HEADER + "P1,PAINVAS,85,81,,,-2,SCREENING,\n"
            "P1,PAINVAS,81,81,,Y,1,BASELINE,Y\n"
            "P1,PAINVAS,30,81,-51,,8,DAY 8,Y\n"
            "P2,PAINVAS,75,70,,,-9,SCREENING,Y\n"
            "P2,PAINVAS,70,70,,Y,1,BASELINE,Y\n"
            "P2,PAINVAS,40,70,-30,,8,DAY 8,Y\n")
    tables = read(folder(tmp_path, adqs))
    assert tables.problems == []
    assert tables.score["vas_mm"].tolist() == ["81", "30", "70", "40"]
    assert len(tables.notes) == 2
    assert tables.notes[0].startswith("adqs.csv: 1 non-analysis record (1 patient)")
    assert tables.notes[0].endswith("P1: line 2 (ADY -2, AVISIT 'SCREENING', AVAL 85)")
    assert tables.notes[1].startswith("adqs.csv: 1 pre-treatment record (1 patient)")
    assert tables.notes[1].endswith("P2: line 5 (ADY -9, AVISIT 'SCREENING')")


def test_without_anl01fl_every_record_is_read(tmp_path):
    adqs = "USUBJID,PARAMCD,AVAL,ABLFL,ADY\nP1,PAINVAS,81,Y,1\nP1,PAINVAS,30,,8\n"
    tables = read(folder(tmp_path, adqs))
    assert (tables.problems, tables.notes) == ([], [])
    assert tables.score["vas_mm"].tolist() == ["81", "30"]


def test_xpt_flag(tmp_path):
    frame = pd.read_csv(io.StringIO(TWO_PER_VISIT), dtype=object,
                        keep_default_na=False)
    for name in ("AVAL", "BASE", "CHG", "ADY"):
        frame[name] = pd.to_numeric(frame[name].replace("", None)).astype(float)
    (tmp_path / "adsl.csv").write_text(ADSL, encoding="utf-8")
    write_xport(tmp_path / "adqs.xpt", frame, dataset="ADQS")
    tables = read(tmp_path)
    assert tables.problems == []
    assert tables.score["vas_mm"].tolist() == ["81", "30", "70", "40"]
    assert tables.notes[0].startswith("adqs.xpt: 3 non-analysis records (2 patients)")


# --------------------------------------------------------------------------- the trial loader
def test_a_trial_with_non_analysis_records_loads_as_without_them(tmp_path):
    trial = simulate_trial(seed=1)
    plan = trial.plan
    plain = tmp_path / "plain"
    write_trial(trial, plain, format="adam")
    # the same BDS dataset as CSV, beside the XPT ADSL and ADAE written by write_trial
    flagged = tmp_path / "flagged"
    flagged.mkdir()
    for name in ("plan.toml", "adsl.xpt", "adae.xpt"):
        (flagged / name).write_bytes((plain / name).read_bytes())
    as_csv = tmp_path / "csv"
    write_adam(as_csv, patients=trial.patients, score=score_table_as_recorded(trial),
               adverse_events=trial.adverse_events, bds="adqs", paramcd="VASMM",
               param=plan.endpoint.name, value_column=plan.endpoint.column,
               baseline_day=plan.baseline_day, study_id=plan.name, format="csv")
    header, *rows = (as_csv / "adqs.csv").read_text(encoding="utf-8").splitlines()
    names = header.split(",")
    col = {name: k for k, name in enumerate(names)}
    out = [header + ",ANL01FL"]
    added = 0
    for row in rows:
        cells = row.split(",")
        baseline = cells[col["ABLFL"]] == "Y"
        out.append(row + ("," if baseline else ",Y"))  # the baseline keeps a blank flag
        visit = cells[col["AVISIT"]]
        if visit == "DAY 8":  # a second, later assessment in the window, not analysed
            later = list(cells)
            later[col["ADY"]] = "9"
            later[col["AVAL"]] = str(int(cells[col["AVAL"]]) + 7)
            later[col["CHG"]] = ""
            out.append(",".join(later) + ",")
            added += 1
        elif visit == "DAY 3":  # an unscheduled visit with no value, not analysed
            unscheduled = list(cells)
            unscheduled[col["ADY"]] = unscheduled[col["AVISITN"]] = "6"
            unscheduled[col["AVISIT"]] = "UNSCHEDULED"
            unscheduled[col["AVAL"]] = unscheduled[col["CHG"]] = ""
            out.append(",".join(unscheduled) + ",")
            added += 1
    (flagged / "adqs.csv").write_text("\n".join(out) + "\n", encoding="utf-8")
    assert added > 10

    with warnings.catch_warnings():
        warnings.simplefilter("error", ExcludedRecordsWarning)
        loaded = load_trial(flagged)
    expected = load_trial(plain)
    assert expected.notes == ()
    pd.testing.assert_frame_equal(loaded.score, expected.score)
    pd.testing.assert_frame_equal(loaded.patients, expected.patients)
    assert len(loaded.deviations) == len(expected.deviations)
    assert len(loaded.notes) == 1
    assert loaded.notes[0].startswith(f"adqs.csv: {added} non-analysis records (")
    assert f"  data note: {loaded.notes[0]}" in loaded.summary()


def test_a_trial_whose_flag_marks_nothing_is_refused(tmp_path):
    trial = simulate_trial(seed=2, n_patients=3)
    plan = trial.plan
    plain = tmp_path / "plain"
    write_trial(trial, plain, format="adam")
    path = tmp_path / "blank"
    path.mkdir()
    (path / "plan.toml").write_bytes((plain / "plan.toml").read_bytes())
    write_adam(path, patients=trial.patients, score=score_table_as_recorded(trial),
               adverse_events=trial.adverse_events, bds="adqs", paramcd="VASMM",
               param=plan.endpoint.name, value_column=plan.endpoint.column,
               baseline_day=plan.baseline_day, study_id=plan.name, format="csv")
    adqs = path / "adqs.csv"
    header, *rows = adqs.read_text(encoding="utf-8").splitlines()
    adqs.write_text("\n".join([header + ",ANL01FL", *(r + "," for r in rows)]) + "\n",
                    encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"table adqs\.csv, column ANL01FL: no "
                       r"analysis records: ANL01FL is present but is 'Y' on none of the \d+ "
                       r"observed records of PARAMCD 'VASMM'"):
        load_trial(path)
