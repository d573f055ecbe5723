"""Timing of thera_stats.mmrm (issue 6: unstructured MMRM < 1 s on 17 x 8, < 10 s on 1000 x 8).

Run from the repository root::

    .venv/bin/python benchmarks/bench_mmrm.py [--repeat 5]

Prints the median and minimum wall-clock time of a complete ``mmrm(...)`` call
(validation, REML fit, Hessian and Satterthwaite ingredients) followed by
``.lsmeans()``, for each covariance structure, on the 17-patient reference data
set and on simulated data with 1000 patients. Nothing is asserted: the figures
go into the issue note.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from thera_stats.mmrm import mmrm

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "reference" / "mmrm" / "thera_small.csv"
DAYS = np.array([1, 2, 3, 4, 5, 8, 15, 30])
STRUCTURES = ("unstructured", "cs-heterogeneous", "compound-symmetry", "ar1", "ar1-heterogeneous")


def simulate(n: int, seed: int, missing: float = 0.08) -> pd.DataFrame:
    """Long change-from-baseline table, n patients x 8 days, visits missing at random."""
    rng = np.random.default_rng(seed)
    base = np.clip(rng.normal(66, 11, n), 20, 100)
    sd = np.linspace(6.0, 13.0, DAYS.size)
    corr = 0.6 ** np.abs(np.subtract.outer(np.arange(DAYS.size), np.arange(DAYS.size)))
    cov = np.outer(sd, sd) * corr + 30.0
    err = rng.multivariate_normal(np.zeros(DAYS.size), cov, size=n)
    mean = np.array([-8, -15, -21, -25, -28, -31, -34, -30], dtype=float)
    change = mean - 0.35 * (base[:, None] - 66) + err
    keep = rng.random(change.shape) >= missing
    pid, day = np.nonzero(keep)
    return pd.DataFrame(
        {
            "patient_id": [f"S{i:04d}" for i in pid],
            "day": DAYS[day],
            "baseline_mm": base[pid],
            "change_mm": change[pid, day],
        }
    )


def timed(data: pd.DataFrame, covariance: str, repeat: int) -> tuple[float, float, int]:
    times = []
    iterations = 0
    for _ in range(repeat):
        start = time.perf_counter()
        fit = mmrm(data, covariance=covariance)
        fit.lsmeans()
        times.append(time.perf_counter() - start)
        iterations = fit.iterations
    return statistics.median(times), min(times), iterations


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (default 5)")
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} cpu(s), {platform.machine()}"
    )
    cases = [
        ("17 patients x 8 days (reference data, 6 visits missing)", pd.read_csv(SMALL)),
        ("1000 patients x 8 days (simulated, ~8% visits missing)", simulate(1000, seed=2024)),
    ]
    mmrm(cases[0][1], covariance="ar1")  # warm-up (imports, first-call overheads)
    for label, data in cases:
        print(f"\n{label}: {data['patient_id'].nunique()} patients, {len(data)} rows")
        print(f"  {'covariance':<20} {'median s':>9} {'min s':>8} {'iterations':>11}")
        for covariance in STRUCTURES:
            med, best, its = timed(data, covariance, args.repeat)
            print(f"  {covariance:<20} {med:9.3f} {best:8.3f} {its:11d}")


if __name__ == "__main__":
    main()
