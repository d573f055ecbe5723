"""Safety tables: the overview and adverse events by system organ class and preferred term.

The counts are checked against a small trial counted by hand (every expected
number below is read off the event list in ``EVENTS``), and by properties that
hold for any adverse-event table.
"""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path

import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st

from thera_stats import AnalysisPlan, DataValidationError, load_trial, synthetic_data_path
from thera_stats.adam import read_adam, write_adam
from thera_stats.data import Trial
from thera_stats.safety import (
    NOT_COLLECTED,
    SOC_NOT_RECORDED,
    adverse_event_summary,
    safety_tables,
)

NERV, GI = "Nervous system disorders", "Gastrointestinal disorders"
GEN, INF = "General disorders and administration site conditions", "Infections and infestations"

PLAN = AnalysisPlan.from_dict({
    "trial": {"name": "MINI", "treatment": "drug X"},
    "design": {"type": "single-stage", "criterion": "optimal", "p0": 0.2, "p1": 0.4,
               "alpha": 0.05, "power": 0.8, "r": 11, "n": 35},
    "endpoint": {"kind": "binary", "column": "response"},
    "treatment": {"column": "doses", "planned": 3},
    "analysis": {"population": "enrolled", "data_cutoff": "2024-12-31"},
})

#: Six patients; P5 received no dose, so the safety population is N = 5.
PATIENTS = pd.DataFrame({
    "patient_id": ["P1", "P2", "P3", "P4", "P5", "P6"],
    "enrolment_date": ["2024-01-08", "2024-01-15", "2024-01-22", "2024-01-29", "2024-02-05",
                       "2024-02-12"],
    "doses": [3, 3, 2, 3, 0, 3],
    "withdrawn": [False, False, True, False, False, True],
    "withdrawal_day": [None, None, 2, None, None, 3],
    "withdrawal_reason": ["", "", "Adverse event", "", "", "Death"],
    "response": [True, False, False, True, False, False],
})
#: patient, day, term, soc, grade, serious, related, led_to_withdrawal
EVENTS = [
    ("P1", 1, "Headache", NERV, 1, False, True, False),
    ("P1", 2, "Headache", NERV, 2, False, True, False),  # P1's second headache
    ("P1", 2, "Nausea", GI, 1, False, False, False),
    ("P2", 1, "Nausea", GI, 3, True, True, False),
    ("P3", 2, "Injection site reaction", GEN, 2, False, True, True),
    ("P4", 5, "Dizziness", NERV, 1, False, False, False),
    ("P5", 1, "Headache", NERV, 1, False, False, False),  # no dose: not counted
    ("P6", 3, "Pneumonia", INF, 5, True, False, False),
]
AE_COLUMNS = ["patient_id", "day", "term", "soc", "grade", "serious", "related",
              "led_to_withdrawal"]


def events(rows=EVENTS, drop: tuple[str, ...] = ()) -> pd.DataFrame:
    return pd.DataFrame(rows, columns=AE_COLUMNS).drop(columns=list(drop))


def mini(adverse_events: pd.DataFrame | None) -> Trial:
    return Trial.from_frames(PATIENTS, None, adverse_events, PLAN)


def counts(summary: pd.DataFrame, level: str, **where: str) -> tuple:
    rows = summary[summary["level"] == level]
    for column, value in where.items():
        rows = rows[rows[column] == value]
    assert len(rows) == 1, rows
    r = rows.iloc[0]
    return (r["patients"], r["events"], r["patients_max_grade_1_2"],
            r["patients_max_grade_3_or_higher"])


# --------------------------------------------------------------------------- hand-counted
def test_overview_counts_by_hand() -> None:
    s = adverse_event_summary(mini(events()))
    o = s[s["level"] == "overview"].set_index("category")
    # (patients, events) counted in EVENTS among P1, P2, P3, P4, P6 (P5 had no dose).
    expected = {"any": (5, 7), "serious": (2, 2), "related": (3, 4),
                "grade_3_or_higher": (2, 2), "led_to_withdrawal": (1, 1), "fatal": (1, 1)}
    for key, (k, e) in expected.items():
        assert (o.loc[key, "patients"], o.loc[key, "events"]) == (k, e), key
        assert o.loc[key, "denominator"] == 5
        assert o.loc[key, "percent"] == pytest.approx(100 * k / 5)
    assert list(o.index) == list(expected)


def test_soc_pt_counts_and_order_by_hand() -> None:
    s = adverse_event_summary(mini(events()))
    rows = s[s["level"] != "overview"]
    # Classes by patients (2, 2, 1, 1), then events (3 before 2), then alphabetically.
    assert rows[["level", "soc", "term"]].fillna("").values.tolist() == [
        ["total", "", ""],
        ["soc", NERV, ""], ["term", NERV, "Headache"], ["term", NERV, "Dizziness"],
        ["soc", GI, ""], ["term", GI, "Nausea"],
        ["soc", GEN, ""], ["term", GEN, "Injection site reaction"],
        ["soc", INF, ""], ["term", INF, "Pneumonia"],
    ]
    # (patients, events, max grade 1-2, max grade >= 3)
    assert counts(s, "total") == (5, 7, 3, 2)  # max grades: P1 2, P2 3, P3 2, P4 1, P6 5
    assert counts(s, "soc", soc=NERV) == (2, 3, 2, 0)
    assert counts(s, "term", term="Headache") == (1, 2, 1, 0)  # P1 twice counts once
    assert counts(s, "term", term="Dizziness") == (1, 1, 1, 0)
    assert counts(s, "soc", soc=GI) == (2, 2, 1, 1)
    assert counts(s, "term", term="Nausea") == (2, 2, 1, 1)
    assert counts(s, "soc", soc=INF) == (1, 1, 0, 1)


def test_formatted_tables() -> None:
    tables = safety_tables(mini(events()))
    assert set(tables) == {"overview", "by_soc_pt"}
    overview = tables["overview"]
    assert "N = 5" in overview.title
    assert overview.frame.values.tolist() == [
        ["Any adverse event", "5 (100.0 %)", "7"],
        ["Any serious adverse event", "2 (40.0 %)", "2"],
        ["Any treatment-related adverse event", "3 (60.0 %)", "4"],
        ["Any adverse event of grade >= 3", "2 (40.0 %)", "2"],
        ["Any adverse event leading to withdrawal of treatment", "1 (20.0 %)", "1"],
        ["Any fatal adverse event (grade 5)", "1 (20.0 %)", "1"],
    ]
    notes = " ".join(overview.notes)
    assert "the 5 of 6 patients who received at least one dose (doses >= 1)" in notes
    assert "1 adverse event(s) of patients who received no dose are not counted" in notes
    soc = tables["by_soc_pt"]
    assert soc.frame.iloc[:4].values.tolist() == [
        ["Any adverse event", "5 (100.0 %)", "7", "3 (60.0 %)", "2 (40.0 %)"],
        [NERV, "2 (40.0 %)", "3", "2 (40.0 %)", "0 (0.0 %)"],
        ["\u00a0" * 4 + "Headache", "1 (20.0 %)", "2", "1 (20.0 %)", "0 (0.0 %)"],
        ["\u00a0" * 4 + "Dizziness", "1 (20.0 %)", "1", "1 (20.0 %)", "0 (0.0 %)"],
    ]
    # The CSV export holds the unformatted counts.
    assert soc.to_csv().splitlines()[0].startswith("level,category,soc,term,patients,events")
    for fmt in ("text", "html", "markdown", "latex"):
        assert "Headache" in soc.render(fmt)


def test_the_bundled_thera_trial() -> None:
    # From data/synthetic/thera/adverse_events.csv: 17 events in 14 of the 17 treated
    # patients; 13 injection-site reactions; THR-012's reaction led to the withdrawal.
    s = adverse_event_summary(load_trial(synthetic_data_path()))
    assert counts(s, "total") == (14, 17, 13, 1)
    assert counts(s, "term", term="Injection site reaction") == (13, 13, 13, 0)
    o = s[s["level"] == "overview"].set_index("category")
    assert (o.loc["led_to_withdrawal", "patients"], o.loc["serious", "patients"]) == (1, 1)
    assert s.loc[s["level"] == "soc", "soc"].iloc[0] == GEN


# --------------------------------------------------------------------------- not recorded
def test_soc_not_recorded_groups_every_term() -> None:
    tables = safety_tables(mini(events(drop=("soc",))))
    s = tables["by_soc_pt"].data
    assert s.loc[s["level"] == "soc", "soc"].tolist() == [SOC_NOT_RECORDED]
    assert counts(s, "soc", soc=SOC_NOT_RECORDED) == (5, 7, 3, 2)
    assert "no MedDRA coding is guessed" in " ".join(tables["by_soc_pt"].notes)


def test_blank_soc_cells_go_last_under_soc_not_recorded() -> None:
    rows = [r if r[2] != "Dizziness" else (*r[:3], "", *r[4:]) for r in EVENTS]
    tables = safety_tables(mini(events(rows)))
    s = tables["by_soc_pt"].data
    assert s.loc[s["level"] == "soc", "soc"].tolist()[-1] == SOC_NOT_RECORDED
    assert counts(s, "soc", soc=SOC_NOT_RECORDED) == (1, 1, 1, 0)
    assert counts(s, "soc", soc=NERV) == (1, 2, 1, 0)
    assert "1 event(s) without a system organ class" in " ".join(tables["by_soc_pt"].notes)


def test_withdrawal_not_recorded_is_said_not_derived() -> None:
    tables = safety_tables(mini(events(drop=("led_to_withdrawal",))))
    row = tables["overview"].frame.iloc[4].tolist()
    assert row == ["Any adverse event leading to withdrawal of treatment", "not recorded",
                   "not recorded"]
    data = tables["overview"].data.set_index("category")
    assert pd.isna(data.loc["led_to_withdrawal", "patients"])
    assert "was not recorded" in " ".join(tables["overview"].notes)


def test_no_adverse_event_file() -> None:
    trial = mini(None)
    assert len(adverse_event_summary(trial)) == 0
    for table in safety_tables(trial).values():
        assert table.frame.values.tolist() == [[NOT_COLLECTED]]
        assert "Adverse events were not collected." in table.to_text()


def test_header_only_table_means_none_reported() -> None:
    tables = safety_tables(mini(events([])))
    assert tables["overview"].frame["Patients, n (%)"].tolist() == ["0 (0.0 %)"] * 6
    assert tables["by_soc_pt"].frame.iloc[:, 0].tolist() == ["Any adverse event"]
    assert "No adverse event was reported." in tables["by_soc_pt"].notes


def test_without_a_treatment_section_everyone_is_in_the_safety_population() -> None:
    plan = AnalysisPlan.from_dict({k: v for k, v in PLAN.to_dict().items() if k != "treatment"})
    trial = Trial.from_frames(PATIENTS, None, events(), plan)
    s = adverse_event_summary(trial)
    assert counts(s, "total")[:2] == (6, 8)
    assert (s["denominator"] == 6).all()
    assert "no [treatment] section" in safety_tables(trial)["overview"].notes[0]


# --------------------------------------------------------------------------- bad input
@pytest.fixture
def trial_dir(tmp_path: Path) -> Path:
    dest = tmp_path / "trial"
    shutil.copytree(synthetic_data_path(), dest)
    return dest


def set_cells(folder: Path, edits: dict[tuple[int, str], str]) -> None:
    """Set cells of adverse_events.csv: (file line, header = 1; column) -> text."""
    path = folder / "adverse_events.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for (line, column), text in edits.items():
        frame.loc[line - 2, column] = text
    frame.to_csv(path, index=False)


def problems(folder: Path) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as info:
        load_trial(folder)
    return info.value.problems


def one(p: pd.DataFrame, line: int, rule: str) -> pd.Series:
    hit = p[(p["row"] == line) & p["rule"].str.contains(rule, regex=False)]
    assert len(hit) == 1, p
    return hit.iloc[0]


def test_bad_withdrawal_flags_are_all_reported_with_file_line_patient_column_value(
        trial_dir: Path) -> None:
    # Line 2: THR-001 (5 doses, not withdrawn); line 4: THR-002; line 14: THR-012 (withdrawn
    # on day 3 after 3 doses); line 15: THR-014.
    set_cells(trial_dir, {(2, "led_to_withdrawal"): "maybe", (4, "led_to_withdrawal"): "",
                          (14, "day"): "5", (15, "led_to_withdrawal"): "true"})
    p = problems(trial_dir)
    assert (p["table"] == "adverse_events.csv").all()
    assert len(p) == 4
    bad = one(p, 2, "must be true or false")
    assert (bad["patient_id"], bad["column"], bad["value"]) == (
        "THR-001", "led_to_withdrawal", "maybe")
    assert one(p, 4, "value is required")["column"] == "led_to_withdrawal"
    late = one(p, 14, "after the patient's withdrawal on day 3")
    assert (late["patient_id"], late["column"]) == ("THR-012", "led_to_withdrawal")
    assert "began on day 5" in late["rule"]
    done = one(p, 15, "received every planned dose (injections_received = 5")
    assert done["patient_id"] == "THR-014"
    assert "led_to_withdrawal" in str(DataValidationError(p))


def test_bundled_flag_is_consistent_with_the_patients_table() -> None:
    trial = load_trial(synthetic_data_path())
    flagged = trial.adverse_events[trial.adverse_events["led_to_withdrawal"].astype(bool)]
    assert flagged["patient_id"].tolist() == ["THR-012"]
    patient = trial.patients.set_index("patient_id").loc["THR-012"]
    assert bool(patient["withdrawn"])
    assert "Adverse event" in patient["withdrawal_reason"]
    assert int(flagged["day"].iloc[0]) <= int(patient["withdrawal_day"])


# --------------------------------------------------------------------------- ADaM
ADAM = {"bds": "adqs", "paramcd": "PAINVAS", "value_column": "vas_mm", "baseline_day": 0}


@pytest.mark.parametrize("fmt", ["xpt", "csv"])
def test_adam_round_trip_of_soc_and_withdrawal(tmp_path: Path, fmt: str) -> None:
    trial = mini(events())
    write_adam(tmp_path, patients=trial.patients, score=None,
               adverse_events=trial.adverse_events, param="x", study_id="MINI", format=fmt,
               **ADAM)
    back = read_adam(tmp_path, day_variable="ADY", **ADAM).adverse_events
    assert back["soc"].tolist() == [r[3] for r in EVENTS]
    assert back["led_to_withdrawal"].tolist() == ["true" if r[7] else "false" for r in EVENTS]
    raw = (pd.read_sas(tmp_path / "adae.xpt", format="xport", encoding="utf-8") if fmt == "xpt"
           else pd.read_csv(tmp_path / "adae.csv", keep_default_na=False))
    assert raw["AEACN"].tolist()[4] == "DRUG WITHDRAWN"
    assert set(raw["AEACN"].tolist()) == {"DRUG WITHDRAWN", ""}
    assert raw["AEBODSYS"].tolist()[0] == NERV


def test_adam_action_codes(tmp_path: Path) -> None:
    (tmp_path / "adae.csv").write_text(
        "USUBJID,ASTDY,AEDECOD,AEBODSYS,AETOXGR,AESER,AEREL,AEACN\n"
        "P1,1,A,Skin,1,N,N,DRUG WITHDRAWN\nP1,2,B,Skin,1,N,N,dose reduced\n"
        "P1,3,C,,1,N,N,DRUG INTERRUPTED\nP1,4,D,,1,N,N,\nP1,5,E,,1,N,N,NOT APPLICABLE\n"
        "P1,6,F,,1,N,N,STOPPED\n", encoding="utf-8")
    tables = read_adam(tmp_path, day_variable="ADY", **ADAM)
    assert tables.adverse_events["led_to_withdrawal"].tolist() == [
        "true", "false", "false", "false", "false", ""]
    bad = [p for p in tables.problems if p["column"] == "AEACN"]
    assert len(bad) == 1
    assert (bad[0]["table"], bad[0]["row"], bad[0]["patient_id"], bad[0]["value"]) == (
        "adae.csv", 7, "P1", "STOPPED")
    assert "AEACN must be one of" in bad[0]["rule"]
    assert "DRUG WITHDRAWN" in bad[0]["rule"]


# --------------------------------------------------------------------------- properties
_ae_rows = st.lists(
    st.tuples(st.sampled_from(["P1", "P2", "P3", "P4", "P5", "P6"]),
              st.sampled_from(["Headache", "Nausea", "Rash", "Cough"]),
              st.sampled_from([NERV, GI, "", "Skin and subcutaneous tissue disorders"]),
              st.integers(1, 5), st.booleans(), st.booleans()),
    max_size=25,
)


VALID = mini(None)


@given(_ae_rows)
def test_nesting_and_percentages(rows: list[tuple]) -> None:
    frame = pd.DataFrame(
        [(pid, 1, term, soc or None, grade, grade >= 4, rel, False)
         for pid, term, soc, grade, _, rel in rows], columns=AE_COLUMNS)
    # Typed as the loader types them (validating each example would only slow the test).
    typed = frame.astype({"patient_id": "string", "day": "Int64", "term": "string",
                          "soc": "string", "grade": "Int64", "serious": "boolean",
                          "related": "boolean", "led_to_withdrawal": "boolean"})
    s = adverse_event_summary(replace(VALID, adverse_events=typed))
    n = 5
    assert (s["denominator"] == n).all()
    filled = s["patients"].notna()
    assert (s.loc[filled, "percent"] == 100 * s.loc[filled, "patients"] / n).all()
    any_ae = int(s.loc[s["level"] == "total", "patients"].iloc[0])
    overview = s[s["level"] == "overview"].set_index("category")
    assert overview.loc["any", "patients"] == any_ae
    assert (overview["patients"] <= any_ae).all()
    grades = s[s["level"] != "overview"]
    assert (grades["patients_max_grade_1_2"] + grades["patients_max_grade_3_or_higher"]
            == grades["patients"]).all()
    for soc in s.loc[s["level"] == "soc", "soc"]:
        soc_row = s[(s["level"] == "soc") & (s["soc"] == soc)].iloc[0]
        terms = s[(s["level"] == "term") & (s["soc"] == soc)]
        assert any_ae >= soc_row["patients"] >= terms["patients"].max()
        assert soc_row["events"] == terms["events"].sum()
        assert soc_row["patients"] <= terms["patients"].sum()
    assert s.loc[s["level"] == "soc", "events"].sum() == overview.loc["any", "events"]
