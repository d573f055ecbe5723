"""Generate the synthetic KNEE-NRS trial folder (patients.csv, pain.csv).

KNEE-NRS is a fictional single-arm phase II trial of zelvoprine (a fictional drug)
40 mg orally once daily for 14 days in adults with painful knee osteoarthritis.
Pain is scored on a 0-10 numerical rating scale (NRS) on days 0, 7, 14 and 28,
each visit within +/- 2 days of its scheduled day. Nothing here is real data.

Run from anywhere (numpy only)::

    python data/synthetic/nrs/generate.py

The random stream is seeded, so every run rewrites byte-identical files.
``plan.toml`` and ``README.md`` are written by hand and not touched here.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np

SEED = 20250327
HERE = Path(__file__).resolve().parent

N_PATIENTS = 39  # the Simon minimax design's planned n (r1/n1 = 6/19, r/n = 16/39)
SITES = ("Leeds", "Bristol")
FIRST_ENROLMENT = dt.date(2024, 3, 4)
PLANNED_DOSES = 14
SCHEDULE = (0, 7, 14, 28)
# Visit-day offsets from the scheduled day (-2..+2) and their probabilities.
OFFSETS = np.array([-2, -1, 0, 1, 2])
OFFSET_P = np.array([0.06, 0.16, 0.56, 0.14, 0.08])

# Scripted events, by enrolment order (0-based), so that the folder always shows them.
WITHDRAWN = {22: (9, 9, "withdrew consent")}  # index: (doses, withdrawal_day, reason)
MISSED_DOSES = {11: 11}  # index: doses received (< planned), still followed up
KL_DEVIATION = 30  # enrolled with Kellgren-Lawrence grade 4 (eligibility requires 2 or 3)
MISSED_VISITS = {(5, 7), (14, 28), (27, 14), (33, 7)}  # (index, scheduled day) not attended


def _clip_nrs(x: float) -> int:
    return int(min(10, max(0, round(x))))


def generate(seed: int = SEED) -> tuple[list[list[str]], list[list[str]]]:
    """Return the rows (header first) of patients.csv and pain.csv."""
    rng = np.random.default_rng(seed)

    # Enrolment: distinct dates, 2 to 13 days apart, sites alternating at random.
    gaps = rng.integers(2, 14, size=N_PATIENTS - 1)
    days_from_first = np.concatenate([[0], np.cumsum(gaps)])
    dates = [FIRST_ENROLMENT + dt.timedelta(days=int(d)) for d in days_from_first]
    site_idx = rng.choice(2, size=N_PATIENTS, p=[0.55, 0.45])
    sex = rng.choice(["F", "M"], size=N_PATIENTS, p=[0.62, 0.38])
    age = np.clip(np.round(rng.normal(64, 8.5, size=N_PATIENTS)), 42, 85).astype(int)
    kl = rng.choice([2, 3], size=N_PATIENTS, p=[0.45, 0.55])
    kl[KL_DEVIATION] = 4

    # Baseline NRS 4..9 (eligibility: baseline >= 4).
    baseline = rng.choice(np.arange(4, 10), size=N_PATIENTS, p=[0.10, 0.18, 0.24, 0.24, 0.16, 0.08])
    # Per-patient fraction of baseline pain relieved at day 14 (the drug's full effect),
    # a mixture of patients who benefit and patients who do not.
    benefits = rng.random(N_PATIENTS) < 0.5
    frac14 = np.where(
        benefits, rng.normal(0.50, 0.13, N_PATIENTS), rng.normal(0.12, 0.12, N_PATIENTS)
    )
    noise = rng.normal(0.0, 0.6, size=(N_PATIENTS, len(SCHEDULE)))
    offsets = rng.choice(OFFSETS, size=(N_PATIENTS, len(SCHEDULE)), p=OFFSET_P)

    patients = [
        [
            "patient_id",
            "site",
            "sex",
            "age_years",
            "kl_grade",
            "enrolment_date",
            "doses_received",
            "withdrawn",
            "withdrawal_day",
            "withdrawal_reason",
        ]
    ]
    pain = [["patient_id", "day", "nrs"]]
    for i in range(N_PATIENTS):
        pid = f"KNR-{i + 1:03d}"
        doses, wd_day, reason = PLANNED_DOSES, None, ""
        if i in WITHDRAWN:
            doses, wd_day, reason = WITHDRAWN[i]
        elif i in MISSED_DOSES:
            doses = MISSED_DOSES[i]
        patients.append(
            [
                pid,
                SITES[site_idx[i]],
                str(sex[i]),
                str(age[i]),
                str(kl[i]),
                dates[i].isoformat(),
                str(doses),
                "true" if wd_day is not None else "false",
                "" if wd_day is None else str(wd_day),
                reason,
            ]
        )
        # Effect over time: about 60 % of the day-14 effect at day 7, fading to 70 % by
        # day 28 (treatment stopped at day 14); fewer doses, smaller effect.
        dose_share = doses / PLANNED_DOSES
        effect = {
            0: 0.0,
            7: 0.6 * frac14[i],
            14: frac14[i] * dose_share,
            28: 0.7 * frac14[i] * dose_share,
        }
        for j, sday in enumerate(SCHEDULE):
            day = sday if sday == 0 else sday + int(offsets[i, j])
            if (i, sday) in MISSED_VISITS:
                continue
            if wd_day is not None and day > wd_day:
                continue
            value = (
                baseline[i]
                if sday == 0
                else _clip_nrs(baseline[i] * (1.0 - effect[sday]) + noise[i, j])
            )
            pain.append([pid, str(day), str(value)])
    return patients, pain


def _write(path: Path, rows: list[list[str]]) -> None:
    path.write_text("".join(",".join(r) + "\n" for r in rows), encoding="utf-8", newline="")


def main() -> None:
    patients, pain = generate()
    _write(HERE / "patients.csv", patients)
    _write(HERE / "pain.csv", pain)


if __name__ == "__main__":
    main()
