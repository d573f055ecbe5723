"""Fill the tables of the made-up trials of docs/own_trial.md.

Usage (after ``thera-stats init mytrial`` or ``thera-stats init mybinary --endpoint binary``)::

    python docs/examples/own_trial_tables.py mytrial
    python docs/examples/own_trial_tables.py mybinary --binary

KNEE-PILOT (the default) writes ``patients.csv``, ``score.csv`` and ``adverse_events.csv`` into the folder, as a data
capture system would export them: 43 patients, the pain NRS on days 0, 7, 14 and 28 (each
recorded within +/- 2 days), a few missing assessments, one withdrawal, one patient aged 17
(an eligibility breach) and two typing mistakes for the tutorial to find (15 doses of a
planned 14 and a day-14 visit typed as day 31, both of patient MT-004). The same seed gives
the same bytes. SKIN-PILOT (``--binary``) writes ``patients.csv`` with a ``response`` column
for 25 patients (one response missing) and a header-only ``adverse_events.csv`` (no adverse
event reported). The numbers are illustrative, not real data.
"""

from __future__ import annotations

import argparse
import csv
import datetime as dt
from pathlib import Path

import numpy as np

SITES = ("York", "Leeds")
TERMS = (
    ("Nausea", "Gastrointestinal disorders"),
    ("Headache", "Nervous system disorders"),
    ("Dizziness", "Nervous system disorders"),
    ("Rash", "Skin and subcutaneous tissue disorders"),
    ("Diarrhoea", "Gastrointestinal disorders"),
)


def make_tables(seed: int = 14) -> dict[str, list[list[object]]]:
    """The rows of the three tables, headers first."""
    rng = np.random.default_rng(seed)
    n = 43
    patients: list[list[object]] = [[
        "patient_id", "site", "sex", "age_years", "enrolment_date", "doses_received",
        "withdrawn", "withdrawal_day", "withdrawal_reason"]]
    score: list[list[object]] = [["patient_id", "day", "pain_nrs"]]
    events: list[list[object]] = [["patient_id", "day", "term", "soc", "grade", "serious",
                                   "related", "led_to_withdrawal"]]
    enrolled = dt.date(2025, 1, 9)
    withdrawn_patient = 27  # withdraws on day 10: no day-14 or day-28 assessment
    for i in range(1, n + 1):
        pid = f"MT-{i:03d}"
        if i > 1:
            enrolled += dt.timedelta(days=int(rng.integers(3, 9)))
        age = 17 if i == 7 else int(rng.integers(35, 80))
        withdrawn = i == withdrawn_patient
        doses = 15 if i == 4 else (9 if withdrawn else 14)
        patients.append([pid, SITES[int(rng.integers(0, 2))], "MF"[int(rng.integers(0, 2))],
                         age, enrolled.isoformat(), doses, str(withdrawn).lower(),
                         10 if withdrawn else "", "adverse event: nausea" if withdrawn else ""])
        baseline = int(rng.integers(5, 10))
        responds = rng.random() < 0.5
        share = rng.uniform(0.4, 0.75) if responds else rng.uniform(0.0, 0.25)
        planned = {0: 0.0, 7: 0.6 * share, 14: share, 28: 0.8 * share}
        for day, improvement in planned.items():
            if withdrawn and day >= 14:
                continue
            if day > 0 and i in (12, 33) and day == 14:  # missed visits
                continue
            if day == 28 and i == 40:
                continue
            recorded = day if day == 0 else day + int(rng.integers(-2, 3))
            if i == 4 and day == 14:
                recorded = 31  # a typing mistake: day 13 typed as 31
            value = int(np.clip(round(baseline * (1 - improvement) + rng.normal(0, 0.4)), 0, 10))
            score.append([pid, recorded, baseline if day == 0 else value])
        if rng.random() < 0.25 or withdrawn:
            term, soc = TERMS[0] if withdrawn else TERMS[int(rng.integers(0, len(TERMS)))]
            grade = 2 if withdrawn else int(rng.choice([1, 1, 1, 2, 3]))
            events.append([pid, 9 if withdrawn else int(rng.integers(1, 15)), term, soc, grade,
                           "false", str(bool(rng.random() < 0.8)).lower(),
                           str(withdrawn).lower()])
    return {"patients": patients, "score": score, "adverse_events": events}


def make_binary_tables(seed: int = 14) -> dict[str, list[list[object]]]:
    """SKIN-PILOT: 25 patients whose response is recorded directly."""
    rng = np.random.default_rng(seed)
    patients: list[list[object]] = [[
        "patient_id", "site", "sex", "age_years", "enrolment_date", "doses_received",
        "withdrawn", "withdrawal_day", "withdrawal_reason", "response"]]
    enrolled = dt.date(2025, 3, 8)
    for i in range(1, 26):
        if i > 1:
            enrolled += dt.timedelta(days=int(rng.integers(2, 9)))
        response = "" if i == 17 else str(bool(rng.random() < 0.35)).lower()
        patients.append([f"SP-{i:02d}", "Oxford", "MF"[int(rng.integers(0, 2))],
                         int(rng.integers(25, 70)), enrolled.isoformat(), 14, "false", "", "",
                         response])
    events: list[list[object]] = [["patient_id", "day", "term", "soc", "grade", "serious",
                                   "related", "led_to_withdrawal"]]
    return {"patients": patients, "adverse_events": events}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("folder", type=Path, help="a trial folder made by thera-stats init")
    parser.add_argument("--binary", action="store_true", help="SKIN-PILOT, a binary endpoint")
    parser.add_argument("--seed", type=int, default=14)
    args = parser.parse_args()
    tables = make_binary_tables(args.seed) if args.binary else make_tables(args.seed)
    for stem, rows in tables.items():
        with (args.folder / f"{stem}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)
    print(f"wrote {', '.join(f'{stem}.csv' for stem in tables)} to {args.folder}")


if __name__ == "__main__":
    main()
