"""Timing of thera_stats.mmrm against R mmrm on the same data, in the same run (issue 15).

Run from the repository root::

    .venv/bin/python benchmarks/bench_mmrm.py [--repeat 5] [--no-r] [--kr]

Targets (issue 15): unstructured covariance on 1000 patients x 20 visits under
3 s, 1000 x 8 under 0.5 s, 17 x 8 under 0.05 s, and the ratio to R mmrm
(``mmrm(change ~ day + baseline + us(day | id), reml = TRUE)``, TMB) at most 1.

Each case times a complete ``mmrm(...)`` call (validation, REML fit, observed
information, Satterthwaite and Kenward-Roger ingredients) followed by
``.lsmeans()``. The data are written to a temporary CSV and R fits the same
rows with ``mmrm::mmrm`` (timed inside R with ``system.time`` around the fit
and ``emmeans``-free LS-mean contrasts via ``df_1d``), so R's start-up is not
counted. Nothing is asserted: the figures go into the issue note. Set
``OPENBLAS_NUM_THREADS=1`` on a shared machine: OpenBLAS threads that wait
for busy cores slow small matrix products by an order of magnitude.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import subprocess
import tempfile
import time
from pathlib import Path

import numpy as np
import pandas as pd

from thera_stats.mmrm import mmrm

ROOT = Path(__file__).resolve().parents[1]
SMALL = ROOT / "tests" / "reference" / "mmrm" / "thera_small.csv"
DAYS8 = np.array([1, 2, 3, 4, 5, 8, 15, 30])
COLS = {"subject": "patient_id", "day": "day", "value": "change_mm", "baseline_day": 0}
R_LIB = os.environ.get("THERA_R_LIB", "/tmp/Rlib")

R_SCRIPT = r"""
suppressPackageStartupMessages(library(mmrm, lib.loc = "{lib}"))
args <- commandArgs(trailingOnly = TRUE)
d <- read.csv(args[1])
d <- d[d$day > 0 & !is.na(d$change_mm), ]
d$visit <- factor(d$day, levels = sort(unique(d$day)))
d$id <- factor(d$patient_id)
repeat_n <- as.integer(args[3])
f <- as.formula(paste("change_mm ~ visit + baseline_mm +", args[2], "(visit | id)"))
times <- numeric(repeat_n)
for (k in seq_len(repeat_n)) {{
  times[k] <- system.time({{
    fit <- mmrm(f, data = d, reml = TRUE, method = "{method}")
    b <- coef(fit)
    for (j in seq_len(nlevels(d$visit))) {{
      l <- numeric(length(b)); l[1] <- 1; if (j > 1) l[j] <- 1
      l[length(b)] <- mean(d$baseline_mm)
      df_1d(fit, l)
    }}
  }})[["elapsed"]]
}}
cat(sprintf("%.6f %.6f %.10f", median(times), min(times), -2 * as.numeric(logLik(fit))), "\n")
"""


def simulate(n: int, seed: int, days: np.ndarray = DAYS8, missing: float = 0.08) -> pd.DataFrame:
    """Long change-from-baseline table, n patients x len(days) visits missing at random."""
    rng = np.random.default_rng(seed)
    t = days.size
    base = np.clip(rng.normal(66, 11, n), 20, 100)
    sd = np.linspace(6.0, 13.0, t)
    corr = 0.6 ** np.abs(np.subtract.outer(np.arange(t), np.arange(t)))
    cov = np.outer(sd, sd) * corr + 30.0
    err = rng.multivariate_normal(np.zeros(t), cov, size=n)
    mean = -35.0 * (1.0 - np.exp(-np.arange(1, t + 1) / 3.0))
    change = mean - 0.35 * (base[:, None] - 66) + err
    keep = rng.random(change.shape) >= missing
    keep[:, 0] = True  # every patient has a first visit
    pid, day = np.nonzero(keep)
    return pd.DataFrame(
        {
            "patient_id": [f"S{i:04d}" for i in pid],
            "day": days[day],
            "baseline_mm": base[pid],
            "change_mm": change[pid, day],
        }
    )


def timed(
    data: pd.DataFrame, covariance: str, repeat: int, df: str
) -> tuple[float, float, float, int, float]:
    """Median and minimum wall-clock seconds, median CPU seconds, iterations, -2 loglik."""
    times = []
    cpu = []
    fit = None
    for _ in range(repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        fit = mmrm(data, **COLS, covariates=("baseline_mm",), covariance=covariance, df=df)
        fit.lsmeans()
        times.append(time.perf_counter() - start)
        cpu.append(time.process_time() - start_cpu)
    assert fit is not None
    return (
        statistics.median(times),
        min(times),
        statistics.median(cpu),
        fit.iterations,
        -2.0 * fit.loglik,
    )


def timed_r(data: pd.DataFrame, r_cov: str, repeat: int, df: str) -> tuple[float, float, float]:
    method = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger"}[df]
    with tempfile.TemporaryDirectory() as tmp:
        csv = Path(tmp) / "data.csv"
        script = Path(tmp) / "bench.R"
        data.to_csv(csv, index=False)
        script.write_text(R_SCRIPT.format(lib=R_LIB, method=method))
        out = subprocess.run(
            ["Rscript", str(script), str(csv), r_cov, str(repeat)],
            check=True,
            capture_output=True,
            text=True,
        ).stdout.split()
    return float(out[0]), float(out[1]), float(out[2])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per case (default 5)")
    parser.add_argument("--no-r", action="store_true", help="skip R mmrm")
    parser.add_argument("--kr", action="store_true", help="Kenward-Roger df in both")
    args = parser.parse_args()
    df = "kenward-roger" if args.kr else "satterthwaite"
    use_r = not args.no_r and shutil.which("Rscript") is not None
    if use_r and not (Path(R_LIB) / "mmrm").is_dir():
        print(f"R mmrm not found in {R_LIB} (set THERA_R_LIB); timing Python only")
        use_r = False
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, pandas {pd.__version__}, "
        f"{os.cpu_count()} cpu(s), {platform.machine()}, load average "
        f"{os.getloadavg()[0]:.1f}, OPENBLAS_NUM_THREADS="
        f"{os.environ.get('OPENBLAS_NUM_THREADS', 'unset')}, df={df}"
    )
    days20 = np.array([*range(1, 15), 15, 18, 21, 24, 27, 30])
    cases = [
        ("17 x 8 (reference data, 6 visits missing)", pd.read_csv(SMALL), "unstructured", 0.05),
        ("1000 x 8 (simulated, ~8% missing)", simulate(1000, seed=2024), "unstructured", 0.5),
        ("1000 x 20 (simulated, ~8% missing)", simulate(1000, 2025, days20), "unstructured", 3.0),
        ("1000 x 8", simulate(1000, seed=2024), "toeplitz-heterogeneous", None),
        ("1000 x 8", simulate(1000, seed=2024), "compound-symmetry", None),
        ("1000 x 8", simulate(1000, seed=2024), "ar1-heterogeneous", None),
        ("17 x 8", pd.read_csv(SMALL), "toeplitz", None),
    ]
    r_names = {
        "unstructured": "us",
        "toeplitz-heterogeneous": "toeph",
        "toeplitz": "toep",
        "compound-symmetry": "cs",
        "ar1-heterogeneous": "ar1h",
    }
    mmrm(cases[0][1], **COLS, covariance="ar1")  # warm-up (imports, first-call overheads)
    head = (
        f"{'case':<44} {'covariance':<23} {'median s':>9} {'min s':>8} {'cpu s':>7} "
        f"{'its':>4} {'target':>7}"
    )
    if use_r:
        head += f" {'R median':>9} {'ratio':>6} {'-2ll diff':>10}"
    print(head)
    for label, data, covariance, target in cases:
        med, best, cpu, its, m2ll = timed(data, covariance, args.repeat, df)
        line = f"{label:<44} {covariance:<23} {med:9.3f} {best:8.3f} {cpu:7.3f} {its:4d} "
        line += f"{target:7.2f}" if target else f"{'':>7}"
        if use_r:
            r_med, _, r_m2ll = timed_r(data, r_names[covariance], args.repeat, df)
            line += f" {r_med:9.3f} {med / r_med:6.2f} {m2ll - r_m2ll:10.2e}"
        print(line, flush=True)


if __name__ == "__main__":
    main()
