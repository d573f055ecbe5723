"""Timing of the Bayesian probabilities and designs (issue 12 targets).

Run from the repository root::

    .venv/bin/python benchmarks/bench_bayesian.py

Targets: ``predictive_probability`` vectorised over all x for n_max = 200 under 50 ms; a full
BOP2 calibration with looks every 5 patients to N = 60 under 5 s. The peers' figures come from
``Rscript benchmarks/peer_bayesian_r.R`` (R phase1b ``predprob``, one x per call; BOP2FE's
calibration by simulation). Nothing is asserted.
"""

from __future__ import annotations

import time

import numpy as np

from thera_stats.bayesian import predictive_probability
from thera_stats.bayesian_design import bop2_design, predictive_design


def clock(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    t = clock(lambda: predictive_probability(np.arange(101), 100, 200, 0.3, 0.9,
                                             prior=(0.3, 0.7)))
    print(f"predictive_probability, x = 0..100 at n = 100, n_max = 200: {t * 1000:.1f} ms")
    t = clock(lambda: predictive_probability(np.arange(200), 199, 200, 0.3, 0.9,
                                             prior=(0.3, 0.7)))
    print(f"predictive_probability, x = 0..199 at n = 199, n_max = 200: {t * 1000:.1f} ms")

    def table() -> None:
        for n in range(201):
            predictive_probability(np.arange(n + 1), n, 200, 0.3, 0.9, prior=(0.3, 0.7))

    t = clock(table, repeat=1)
    print(f"predictive_probability, every (x, n) with n <= 200 (201 calls): {t * 1000:.0f} ms")
    looks = list(range(5, 61, 5))
    for efficacy in (False, True):
        t = clock(lambda e=efficacy: bop2_design(0.2, 0.4, looks=looks, alpha=0.1,
                                                 efficacy=e), repeat=1)
        label = "BOP2-FE (lambda x gamma x eta = 99 x 301 x 301)" if efficacy else (
            "BOP2 (lambda x gamma = 99 x 301)")
        print(f"{label}, looks every 5 to 60: {t:.2f} s")
    t = clock(lambda: bop2_design(0.2, 0.4, looks=looks, alpha=0.1, efficacy=True,
                                  lambda_grid=np.linspace(0, 1, 11),
                                  gamma_grid=np.linspace(0, 1, 11),
                                  eta_grid=np.linspace(0, 3, 31)), repeat=1)
    print(f"BOP2-FE on BOP2FE's README grid (11 x 11 x 31), looks every 5 to 60: {t:.2f} s")
    t = clock(lambda: predictive_design(0.2, 0.4, alpha=0.1, power=0.9, n_min=20, n_max=60,
                                        prior=(0.2, 0.8)), repeat=1)
    print(f"predictive_design, continuous monitoring, N = 20..60 (minimax N = 36): {t:.2f} s")


if __name__ == "__main__":
    main()
