"""Date columns in the baseline characteristics table.

An eligibility rule on a date column (``enrolment_date >= 2016-01-01``) makes the column a
baseline characteristic. A date column is summarised as its range, the first and the last
date (YYYY-MM-DD) and the number of patients with a date, in one row; never as one
``n (%)`` category per date ("2015-02-09 00:00:00, n (%)").
"""

from __future__ import annotations

import copy
import dataclasses
import datetime as dt
import shutil
from pathlib import Path

import pandas as pd
import pytest

from thera_stats import load_trial, simulate_trial, synthetic_data_path
from thera_stats.simulate import THERA_PLAN
from thera_stats.tables import baseline_table

SYNTHETIC = synthetic_data_path()
GENOTYPE_RULE = '{ column = "hfe_genotype", op = "==", value = "C282Y/C282Y" }'


def rows_of(table: pd.DataFrame, column: str) -> pd.DataFrame:
    """The rows of a baseline table about ``column``."""
    return table[table["Characteristic"].str.startswith(f"{column}:")]


def expected_range(iso_dates: list[str]) -> str:
    """``first, last (n)`` worked from the dates as written (ISO text sorts as dates)."""
    filled = sorted(d for d in iso_dates if d)
    return f"{filled[0]}, {filled[-1]} ({len(filled)})"


def test_enrolment_date_rule_gives_one_range_row() -> None:
    plan = copy.deepcopy(THERA_PLAN)
    plan["eligibility"]["rules"].append(
        {"column": "enrolment_date", "op": ">=", "value": dt.date(2016, 1, 1)})
    trial = simulate_trial(seed=3, n_patients=8, plan=plan)
    table = baseline_table(trial)
    rows = rows_of(table.frame, "enrolment_date")
    assert len(rows) == 1, table.to_text()
    label, cell = rows.iloc[0]
    assert label == "enrolment_date: first, last (n)"
    dates = [f"{d.year:04d}-{d.month:02d}-{d.day:02d}"
             for d in trial.patients["enrolment_date"].tolist()]
    assert cell == expected_range(dates)
    assert len(dates) == 8
    for text in (table.to_text(), table.to_markdown(), table.to_html(), table.to_latex(),
                 table.to_csv()):
        assert "00:00:00" not in text
        assert text.count("enrolment") == 1  # one row, in every format


def test_a_date_column_typed_by_its_rule_counts_its_filled_cells(tmp_path: Path) -> None:
    folder = tmp_path / "trial"
    shutil.copytree(SYNTHETIC, folder)
    frame = pd.read_csv(folder / "patients.csv", dtype=str, keep_default_na=False)
    consent = frame["enrolment_date"].copy()
    consent.iloc[0] = ""  # not recorded: a deviation, and not counted in n
    consent.iloc[1] = "2014-12-30"
    frame["consent_date"] = consent
    frame.to_csv(folder / "patients.csv", index=False)
    plan = folder / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    assert GENOTYPE_RULE in text
    plan.write_text(text.replace(
        GENOTYPE_RULE, '{ column = "consent_date", op = "<=", value = 2030-01-01 }'),
        encoding="utf-8")
    trial = load_trial(folder)
    rows = rows_of(baseline_table(trial).frame, "consent_date")
    assert len(rows) == 1
    assert rows.iloc[0, 1] == expected_range(consent.tolist())
    assert rows.iloc[0, 1].startswith("2014-12-30, ")
    assert rows.iloc[0, 1].endswith(f"({len(frame) - 1})")


@pytest.mark.parametrize("kind", ["datetime64", "date objects", "all missing"])
def test_any_date_column_is_a_range(kind: str) -> None:
    trial = load_trial(SYNTHETIC)
    plan = dataclasses.replace(trial.plan, eligibility=(
        *trial.plan.eligibility,
        dataclasses.replace(trial.plan.eligibility[0], column="visit_date")))
    p = trial.patients.copy()
    days = [dt.date(2016, 3, 1) + dt.timedelta(days=7 * ((5 * i) % len(p))) for i in range(len(p))]
    if kind == "datetime64":
        p["visit_date"] = pd.to_datetime(days)
        want = expected_range([d.isoformat() for d in days])
    elif kind == "date objects":
        p["visit_date"] = pd.Series(days, dtype=object)
        p.loc[2, "visit_date"] = None
        want = expected_range([d.isoformat() for i, d in enumerate(days) if i != 2])
    else:
        p["visit_date"] = pd.Series([pd.NaT] * len(p), dtype="datetime64[ns]")
        want = "NA"
    before = p.copy()
    table = baseline_table(dataclasses.replace(trial, patients=p, plan=plan))
    rows = rows_of(table.frame, "visit_date")
    assert rows["Characteristic"].tolist() == ["visit_date: first, last (n)"]
    assert rows.iloc[0, 1] == want
    pd.testing.assert_frame_equal(p, before)  # the patients table is not changed
