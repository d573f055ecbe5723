"""Loading and validating trial folders, the plan file, simulation and the CLI basics."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

from thera_stats import (
    AnalysisPlan,
    DataValidationError,
    load_trial,
    simulate_trial,
    synthetic_data_path,
    write_trial,
)
from thera_stats.cli import main
from thera_stats.data import sha256_file

SYNTHETIC = synthetic_data_path()


@pytest.fixture
def trial_dir(tmp_path: Path) -> Path:
    """A private copy of the synthetic trial to plant problems in."""
    dest = tmp_path / "trial"
    shutil.copytree(SYNTHETIC, dest)
    return dest


def edit_csv(folder: Path, table: str, edits: dict[tuple[int, str], str]) -> None:
    """Set cells: key (spreadsheet row, with the header as row 1; column) -> raw text."""
    path = folder / f"{table}.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    for (row, column), text in edits.items():
        frame.loc[row - 2, column] = text
    frame.to_csv(path, index=False)


def problems_of(folder: Path) -> pd.DataFrame:
    with pytest.raises(DataValidationError) as info:
        load_trial(folder)
    return info.value.problems


def assert_one(problems: pd.DataFrame, *, table: str, column: str, rule: str, row=None,
               patient=None) -> None:
    hit = problems[
        (problems["table"] == table)
        & (problems["column"] == column)
        & problems["rule"].str.contains(rule, regex=False)
    ]
    assert len(hit) == 1, f"expected one {table}.{column} '{rule}' problem in\n{problems}"
    if row is not None:
        assert hit["row"].iat[0] == row
    if patient is not None:
        assert hit["patient_id"].iat[0] == patient


# ---------------------------------------------------------------- the bundled data
def test_synthetic_trial_is_valid_and_shows_the_thera_story() -> None:
    trial = load_trial(SYNTHETIC)
    assert len(trial.patients) == 17
    assert set(trial.patients["site"]) == {"Rennes", "Paris", "Lille"}
    assert sorted(trial.score["day"].unique()) == [0, 1, 2, 3, 4, 5, 8, 15, 30]
    assert (trial.score.loc[trial.score["day"] == 0, "vas_mm"] > 40).all()
    assert int(trial.patients["withdrawn"].sum()) == 1
    assert trial.adverse_events["term"].str.contains("Injection site").any()
    # A few visits missed: fewer rows than the schedule.
    assert len(trial.score) < 17 * 9
    # Stage 1 complete (10 patients), stage 2 not (17 of the planned 22).
    assert trial.plan.design.n1 < len(trial.patients) < trial.plan.design.n
    assert len(trial.deviations) == 0
    assert set(trial.files) == {"patients.csv", "vas.csv", "adverse_events.csv", "plan.toml"}


def test_typed_columns() -> None:
    trial = load_trial(SYNTHETIC)
    p, v, a = trial.patients, trial.score, trial.adverse_events
    assert str(p["age_years"].dtype) == "Int64"
    assert str(p["withdrawn"].dtype) == "boolean"
    assert p["enrolment_date"].dtype.kind == "M"
    assert str(v["vas_mm"].dtype) == "float64"
    assert str(v["day"].dtype) == "int64"
    assert (v["day"] == v["assessment_day"]).all()  # no windows in THERA's schedule
    assert str(a["serious"].dtype) == "boolean"


# ---------------------------------------------------------------- one fixture per rule
def test_missing_required_column(trial_dir: Path) -> None:
    path = trial_dir / "vas.csv"
    pd.read_csv(path, dtype=str).drop(columns="vas_mm").to_csv(path, index=False)
    assert_one(problems_of(trial_dir), table="vas.csv", column="vas_mm", rule="required column")


def test_text_in_numeric_column(trial_dir: Path) -> None:
    edit_csv(trial_dir, "vas", {(5, "vas_mm"): "n/a"})
    probs = problems_of(trial_dir)
    assert_one(probs, table="vas.csv", column="vas_mm", rule="must be a number in mm", row=5,
               patient="THR-001")
    assert probs["value"].iat[0] == "n/a"


def test_decimal_comma(trial_dir: Path) -> None:
    edit_csv(trial_dir, "vas", {(6, "vas_mm"): "55,5"})
    assert_one(problems_of(trial_dir), table="vas.csv", column="vas_mm", rule="decimal mark",
               row=6, patient="THR-001")


def test_decimal_comma_in_integer_column(trial_dir: Path) -> None:
    edit_csv(trial_dir, "patients", {(3, "age_years"): "50,5"})
    assert_one(problems_of(trial_dir), table="patients.csv", column="age_years",
               rule="decimal comma", row=3, patient="THR-002")


def test_duplicate_patient_id(trial_dir: Path) -> None:
    edit_csv(trial_dir, "patients", {(4, "patient_id"): "THR-002"})
    probs = problems_of(trial_dir)
    dup = probs[probs["rule"].str.contains("unique")]
    assert sorted(dup["row"].tolist()) == [3, 4]
    assert set(dup["patient_id"]) == {"THR-002"}


def test_duplicate_patient_day(trial_dir: Path) -> None:
    edit_csv(trial_dir, "vas", {(3, "day"): "0"})  # THR-001 day 1 becomes a second day 0
    probs = problems_of(trial_dir)
    dup = probs[probs["rule"].str.contains("must be unique")]
    assert sorted(dup["row"].tolist()) == [2, 3]
    assert set(dup["patient_id"]) == {"THR-001"}


def test_vas_out_of_range(trial_dir: Path) -> None:
    edit_csv(trial_dir, "vas", {(4, "vas_mm"): "120"})
    assert_one(problems_of(trial_dir), table="vas.csv", column="vas_mm", rule="between 0 and 100",
               row=4, patient="THR-001")


def test_vas_in_centimetres_gets_a_hint(trial_dir: Path) -> None:
    path = trial_dir / "vas.csv"
    frame = pd.read_csv(path)
    frame["vas_mm"] = frame["vas_mm"] / 10
    frame.to_csv(path, index=False)
    probs = problems_of(trial_dir)
    assert_one(probs, table="vas.csv", column="vas_mm", rule="centimetres")


def test_negative_and_fractional_days(trial_dir: Path) -> None:
    edit_csv(trial_dir, "vas", {(4, "day"): "-2", (5, "day"): "3.5"})
    probs = problems_of(trial_dir)
    assert_one(probs, table="vas.csv", column="day", rule="negative", row=4, patient="THR-001")
    assert_one(probs, table="vas.csv", column="day", rule="whole number", row=5, patient="THR-001")


def test_unknown_patient_in_vas_and_adverse_events(trial_dir: Path) -> None:
    edit_csv(trial_dir, "vas", {(4, "patient_id"): "THR-999"})
    edit_csv(trial_dir, "adverse_events", {(2, "patient_id"): "XYZ"})
    probs = problems_of(trial_dir)
    assert_one(probs, table="vas.csv", column="patient_id", rule="not in the patients table", row=4,
               patient="THR-999")
    assert_one(probs, table="adverse_events.csv", column="patient_id",
               rule="not in the patients table", row=2, patient="XYZ")


def test_patient_without_baseline(trial_dir: Path) -> None:
    path = trial_dir / "vas.csv"
    frame = pd.read_csv(path, dtype=str)
    frame = frame[~((frame["patient_id"] == "THR-005") & (frame["day"] == "0"))]
    frame.to_csv(path, index=False)
    assert_one(problems_of(trial_dir), table="vas.csv", column="vas_mm", rule="no baseline",
               patient="THR-005")


def test_injections_out_of_range(trial_dir: Path) -> None:
    edit_csv(trial_dir, "patients", {(2, "injections_received"): "7"})
    assert_one(problems_of(trial_dir), table="patients.csv", column="injections_received",
               rule="between 0 and the planned 5", row=2, patient="THR-001")


def test_withdrawal_fields_inconsistent(trial_dir: Path) -> None:
    edit_csv(trial_dir, "patients", {(2, "withdrawal_day"): "4", (3, "withdrawn"): "true"})
    probs = problems_of(trial_dir)
    assert_one(probs, table="patients.csv", column="withdrawal_day",
               rule="empty when withdrawn is false", row=2, patient="THR-001")
    assert_one(probs, table="patients.csv", column="withdrawal_reason",
               rule="required when withdrawn is true", row=3, patient="THR-002")


def test_bad_sex_boolean_date_grade(trial_dir: Path) -> None:
    edit_csv(trial_dir, "patients", {(2, "sex"): "X", (3, "enrolment_date"): "12/03/2015",
                                     (4, "withdrawn"): "maybe"})
    edit_csv(trial_dir, "adverse_events", {(2, "grade"): "6", (3, "serious"): "oui"})
    probs = problems_of(trial_dir)
    assert_one(probs, table="patients.csv", column="sex", rule="F or M", row=2)
    assert_one(probs, table="patients.csv", column="enrolment_date", rule="ISO date", row=3)
    assert_one(probs, table="patients.csv", column="withdrawn", rule="true or false", row=4)
    assert_one(probs, table="adverse_events.csv", column="grade", rule="between 1 and 5", row=2)
    assert_one(probs, table="adverse_events.csv", column="serious", rule="true or false", row=3)


def test_empty_tables(trial_dir: Path) -> None:
    (trial_dir / "vas.csv").write_text("")
    (trial_dir / "patients.csv").write_text(
        (SYNTHETIC / "patients.csv").read_text().splitlines()[0] + "\n"
    )
    probs = problems_of(trial_dir)
    assert probs["rule"].str.contains("no header").any()
    assert probs["rule"].str.contains("no rows").any()


def test_missing_file(trial_dir: Path) -> None:
    (trial_dir / "vas.csv").unlink()
    probs = problems_of(trial_dir)
    assert probs["rule"].str.contains("file vas.csv (or vas.parquet) is missing",
                                      regex=False).any()


def test_adverse_events_are_optional(trial_dir: Path) -> None:
    (trial_dir / "adverse_events.csv").unlink()
    trial = load_trial(trial_dir)
    assert trial.adverse_events is None
    assert "adverse events: not collected" in trial.summary()


def test_header_only_adverse_events_is_allowed(trial_dir: Path) -> None:
    (trial_dir / "adverse_events.csv").write_text(
        "patient_id,day,term,grade,serious,related\n"
    )
    assert len(load_trial(trial_dir).adverse_events) == 0


def test_eligibility_breaches_are_deviations_not_errors(trial_dir: Path) -> None:
    edit_csv(trial_dir, "patients", {(2, "age_years"): "16", (3, "hfe_genotype"): "C282Y/H63D"})
    edit_csv(trial_dir, "vas", {(2, "vas_mm"): "35"})
    trial = load_trial(trial_dir)  # loads: deviations do not fail
    dev = trial.deviations
    assert len(dev) == 3
    assert set(dev["severity"]) == {"deviation"}
    assert set(dev["column"]) == {"age_years", "hfe_genotype", "vas_mm"}
    assert dev["rule"].str.contains("hfe_genotype == \"C282Y/C282Y\"", regex=False).any()
    assert dev["rule"].str.contains("baseline pain VAS > 40 mm", regex=False).any()
    assert len(trial.patients) == 17  # never silently dropped
    assert "eligibility" in trial.validation_report()


def test_extra_columns_pass_through(trial_dir: Path) -> None:
    path = trial_dir / "patients.csv"
    frame = pd.read_csv(path, dtype=str, keep_default_na=False)
    frame["bmi"] = "27.1"
    frame.to_csv(path, index=False)
    assert "bmi" in load_trial(trial_dir).patients.columns


# ---------------------------------------------------------------- every problem at once
def test_multi_problem_folder_reports_everything_and_changes_nothing(trial_dir: Path) -> None:
    edit_csv(trial_dir, "vas", {(4, "vas_mm"): "n/a", (5, "vas_mm"): "140", (6, "day"): "-1",
                                (7, "patient_id"): "GHOST"})
    edit_csv(trial_dir, "patients", {(2, "injections_received"): "9", (3, "age_years"): "abc"})
    edit_csv(trial_dir, "adverse_events", {(2, "grade"): "0"})
    before = {p.name: sha256_file(p) for p in trial_dir.iterdir()}
    with pytest.raises(DataValidationError) as info:
        load_trial(trial_dir)
    after = {p.name: sha256_file(p) for p in trial_dir.iterdir()}
    assert before == after
    err = info.value
    assert isinstance(err, ValueError)
    errors = err.problems[err.problems["severity"] == "error"]
    assert len(errors) == 7
    message = str(err)
    for needle in ("'n/a'", "'140'", "'-1'", "GHOST", "injections_received", "'abc'",
                   "grade", "vas.csv", "patients.csv", "adverse_events.csv"):
        assert needle in message
    assert "row 4" in message
    assert "patient THR-001" in message
    assert list(err.problems.columns) == [
        "table", "row", "patient_id", "column", "value", "rule", "severity"
    ]


def test_caller_frames_are_not_modified() -> None:
    trial = load_trial(SYNTHETIC)
    raw = {name: pd.read_csv(SYNTHETIC / f"{name}.csv", dtype=str, keep_default_na=False)
           for name in ("patients", "vas", "adverse_events")}
    raw["vas"].attrs = {}
    copies = {k: v.copy() for k, v in raw.items()}
    type(trial).from_frames(raw["patients"], raw["vas"], raw["adverse_events"], trial.plan)
    for name, frame in raw.items():
        pd.testing.assert_frame_equal(frame, copies[name])


# ---------------------------------------------------------------- plan file
def test_plan_unknown_and_missing_keys_are_named(trial_dir: Path) -> None:
    text = (trial_dir / "plan.toml").read_text()
    text = text.replace("power = 0.8", "powr = 0.8").replace("day = 8", "day = 8\ncolour = 1")
    (trial_dir / "plan.toml").write_text(text)
    probs = problems_of(trial_dir)
    cols = set(probs["column"].dropna())
    assert {"design.powr", "design.power", "endpoint.colour"} <= cols
    assert probs["rule"].str.contains("unknown key").sum() == 2


def test_plan_values_checked() -> None:
    raw = {
        "trial": {"name": "X"},
        "design": {"type": "simon", "p0": 0.5, "p1": 0.3, "alpha": 1.5, "power": 0.8,
                   "r1": 5, "n1": 4, "r": 3, "n": 20},
        "endpoint": {"kind": "score", "table": "s", "column": "v", "day": 0, "combine": "xor"},
        "schedule": {"days": [0, 7]},
        "analysis": {"population": "everyone"},
        "extra": {},
    }
    with pytest.raises(DataValidationError) as info:
        AnalysisPlan.from_dict(raw)
    cols = set(info.value.problems["column"])
    assert {"trial.treatment", "design.p1", "design.alpha", "design.n1", "design.r",
            "endpoint", "endpoint.day", "endpoint.combine", "analysis.population",
            "[extra]"} <= cols


def test_plan_round_trip(tmp_path: Path) -> None:
    plan = load_trial(SYNTHETIC).plan
    assert AnalysisPlan.from_dict(plan.to_dict()) == plan
    simon = plan.design.to_simon()
    assert (simon.r1, simon.n1, simon.r, simon.n) == (2, 10, 7, 22)


def test_plan_not_toml(trial_dir: Path) -> None:
    (trial_dir / "plan.toml").write_text("[design\n")
    probs = problems_of(trial_dir)
    assert probs["rule"].str.contains("not valid TOML").any()


# ---------------------------------------------------------------- simulation
def test_simulate_write_load_round_trip(tmp_path: Path) -> None:
    trial = simulate_trial(seed=7)
    write_trial(trial, tmp_path / "a")
    loaded = load_trial(tmp_path / "a")
    for name in ("patients", "score", "adverse_events"):
        pd.testing.assert_frame_equal(
            getattr(loaded, name).reset_index(drop=True),
            getattr(trial, name).reset_index(drop=True),
            check_dtype=False,
        )
    assert loaded.plan == trial.plan


def test_same_seed_byte_identical_and_bundled_data_reproducible(tmp_path: Path) -> None:
    assert main(["simulate", "--seed", "2026", "--out", str(tmp_path / "a")]) == 0
    assert main(["simulate", "--seed", "2026", "--out", str(tmp_path / "b")]) == 0
    for name in ("patients.csv", "vas.csv", "adverse_events.csv", "plan.toml"):
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
        # the committed synthetic data are exactly what the documented command makes
        assert (tmp_path / "a" / name).read_bytes() == (SYNTHETIC / name).read_bytes()


def test_write_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--out", str(tmp_path)]) == 0
    assert main(["simulate", "--out", str(tmp_path)]) == 1
    assert "already holds" in capsys.readouterr().err
    with pytest.raises(FileExistsError, match="inside the data folder"):
        write_trial(load_trial(tmp_path), tmp_path, overwrite=True)


def test_simulate_rejects_bad_arguments() -> None:
    with pytest.raises(ValueError, match="n_patients"):
        simulate_trial(n_patients=0)
    with pytest.raises(ValueError, match="response_rate"):
        simulate_trial(response_rate=1.5)


# ---------------------------------------------------------------- CLI
def test_cli_validate_exit_codes(trial_dir: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["validate", str(SYNTHETIC)]) == 0
    assert "valid" in capsys.readouterr().out
    assert main(["validate"]) == 0  # the bundled trial
    capsys.readouterr()
    edit_csv(trial_dir, "vas", {(4, "vas_mm"): "n/a"})
    edit_csv(trial_dir, "patients", {(2, "sex"): "Q"})
    assert main(["validate", str(trial_dir)]) == 2
    err = capsys.readouterr().err
    assert "'n/a'" in err
    assert "'Q'" in err
    assert "Traceback" not in err


def test_cli_missing_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    assert main(["validate", str(tmp_path / "nope")]) == 2
    assert "does not exist" in capsys.readouterr().err


def test_cli_help_on_every_subcommand(capsys: pytest.CaptureFixture[str]) -> None:
    from thera_stats.cli import build_parser

    sub = next(a for a in build_parser()._actions if a.dest == "command")
    for name in sub.choices:  # type: ignore[union-attr]
        with pytest.raises(SystemExit) as info:
            main([name, "--help"])
        assert info.value.code == 0
        assert "usage: thera-stats" in capsys.readouterr().out


def test_row_with_extra_field_is_one_clear_problem(trial_dir: Path) -> None:
    path = trial_dir / "vas.csv"
    lines = path.read_text().splitlines()
    lines[1] += ",5"  # one field too many on spreadsheet row 2
    lines[3] = "THR-001,2,7,4"  # an unquoted decimal comma on row 4
    path.write_text("\n".join(lines) + "\n")
    probs = problems_of(trial_dir)
    vas = probs[probs["table"] == "vas.csv"]
    assert vas["row"].tolist() == [2, 4]
    assert vas["rule"].str.contains("4 fields but the header has 3").all()
    assert set(vas["patient_id"]) == {"THR-001"}


def test_semicolon_separated_file_gets_a_hint(trial_dir: Path) -> None:
    path = trial_dir / "vas.csv"
    path.write_text(path.read_text().replace(",", ";"))
    probs = problems_of(trial_dir)
    assert probs["rule"].str.contains("semicolon-separated").any()


def test_missing_file_does_not_hide_other_tables_problems(trial_dir: Path) -> None:
    (trial_dir / "vas.csv").unlink()
    edit_csv(trial_dir, "patients", {(3, "injections_received"): "9"})
    probs = problems_of(trial_dir)
    assert probs["rule"].str.contains("vas.csv (or vas.parquet) is missing", regex=False).any()
    assert_one(probs, table="patients.csv", column="injections_received", rule="between 0 and",
               row=3, patient="THR-002")


def test_problems_are_listed_by_table_then_row(trial_dir: Path) -> None:
    edit_csv(trial_dir, "vas", {(9, "vas_mm"): "n/a", (3, "vas_mm"): "abc"})
    edit_csv(trial_dir, "patients", {(5, "sex"): "X"})
    probs = problems_of(trial_dir)
    assert probs["table"].tolist() == ["patients.csv", "vas.csv", "vas.csv"]
    assert probs["row"].tolist() == [5, 3, 9]


def test_parquet_tables_are_read_and_validated_like_csv(trial_dir: Path) -> None:
    pytest.importorskip("pyarrow")
    from thera_stats.simulate import score_table_as_recorded

    trial = load_trial(SYNTHETIC)
    tables = {"patients": trial.patients, "vas": score_table_as_recorded(trial),
              "adverse_events": trial.adverse_events}
    for name, frame in tables.items():
        frame.to_parquet(trial_dir / f"{name}.parquet")
        (trial_dir / f"{name}.csv").unlink()
    loaded = load_trial(trial_dir)
    for name in ("patients", "score", "adverse_events"):
        pd.testing.assert_frame_equal(getattr(loaded, name), getattr(trial, name),
                                      check_dtype=False)
    assert "vas.parquet" in loaded.files
    vas = tables["vas"].copy()
    vas.loc[3, "vas_mm"] = 120.0
    vas.to_parquet(trial_dir / "vas.parquet")
    assert_one(problems_of(trial_dir), table="vas.parquet", column="vas_mm",
               rule="between 0 and 100", row=5, patient="THR-001")


def test_csv_and_parquet_of_one_table_is_an_error(trial_dir: Path) -> None:
    pytest.importorskip("pyarrow")
    pd.read_csv(trial_dir / "patients.csv", dtype=str).to_parquet(trial_dir / "patients.parquet")
    probs = problems_of(trial_dir)
    hit = probs[probs["rule"].str.contains("both patients.csv and patients.parquet")]
    assert len(hit) == 1
