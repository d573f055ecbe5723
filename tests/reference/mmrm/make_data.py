"""Generate the seeded synthetic VAS data used as MMRM reference input.

Run from the repository root::

    .venv/bin/python tests/reference/mmrm/make_data.py

It writes ``thera_small.csv`` (17 patients) and ``thera_large.csv`` (150
patients) in the layout of ``thera_stats.vas.change_from_baseline``: one row
per patient and day (baseline day 0 included) with ``patient_id, day, vas_mm,
baseline_mm, change_mm, pct_change``; missing visits are absent rows. The
numbers are invented (no trial data) and only serve to compare thera_stats
with R; ``make_reference.R`` then fits the R models to these files.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
DAYS = np.array([1, 2, 3, 4, 5, 8, 15, 30])
MEAN_CHANGE = np.array([-8.0, -15.0, -21.0, -25.0, -28.0, -31.0, -34.0, -30.0])


def simulate(n: int, seed: int, prefix: str) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    baseline = np.clip(np.round(rng.normal(66.0, 11.0, n)), 35, 100)
    t = len(DAYS)
    # Heterogeneous AR(1)-like errors plus a patient effect: nothing in the
    # models fitted later has exactly this covariance.
    sd = np.linspace(6.0, 13.0, t)
    corr = 0.65 ** np.abs(np.subtract.outer(np.arange(t), np.arange(t)))
    cov = np.outer(sd, sd) * corr + 36.0
    noise = rng.multivariate_normal(np.zeros(t), cov, size=n)
    change = MEAN_CHANGE + (-0.35) * (baseline[:, None] - 66.0) + noise
    vas = np.clip(np.round(baseline[:, None] + change), 0, 100)
    rows = []
    for i in range(n):
        pid = f"{prefix}{i + 1:03d}"
        rows.append((pid, 0, baseline[i]))
        rows.extend((pid, int(d), vas[i, j]) for j, d in enumerate(DAYS))
    out = pd.DataFrame(rows, columns=["patient_id", "day", "vas_mm"])
    out["baseline_mm"] = out.groupby("patient_id")["vas_mm"].transform("first")
    out["change_mm"] = out["vas_mm"] - out["baseline_mm"]
    out["pct_change"] = 100.0 * out["change_mm"] / out["baseline_mm"]
    return out


def drop_visits(frame: pd.DataFrame, missing: list[tuple[str, int]]) -> pd.DataFrame:
    key = list(zip(frame["patient_id"], frame["day"], strict=True))
    keep = [k not in set(missing) for k in key]
    return frame.loc[keep].reset_index(drop=True)


def main() -> None:
    small = simulate(17, seed=20240611, prefix="P")
    small = drop_visits(
        small,
        [("P004", 3), ("P009", 4), ("P009", 5), ("P012", 15), ("P012", 30), ("P016", 30)],
    )
    small.to_csv(HERE / "thera_small.csv", index=False, float_format="%.10g")

    large = simulate(150, seed=20240612, prefix="L")
    rng = np.random.default_rng(20240613)
    missing: list[tuple[str, int]] = []
    for pid in large["patient_id"].unique():
        if rng.random() < 0.15:  # dropout after a random visit
            last = rng.integers(2, len(DAYS))
            missing.extend((pid, int(d)) for d in DAYS[last:])
        missing.extend((pid, int(d)) for d in DAYS if rng.random() < 0.05)
    large = drop_visits(large, missing)
    large.to_csv(HERE / "thera_large.csv", index=False, float_format="%.10g")


if __name__ == "__main__":
    main()
