"""Timing of the multi-stage engine and searches (issue 11 targets).

Run from the repository root::

    .venv/bin/python benchmarks/bench_multistage.py

Prints the wall-clock time of the Mander-Thompson searches for p0 0.2 / p1 0.4 at
alpha 0.05 / power 0.8 (target: under 1 s each) and at alpha = beta = 0.1, the exact
outcome table of designs with n up to 100 (target: under 1 s), and the growth of the
operating characteristics with n. mtdesign 0.1.2 (R) took 850 s and 540 s for the same two
searches on this machine (tests/reference/multistage/mtdesign_r.csv, column `seconds`).
The three-stage (Chen) searches for the same p0 0.2 / p1 0.4, alpha 0.05 / power 0.8 (target:
optimal under 1 s, with and without efficacy stops) are timed too; singlearm 1.0.0 took 10 s
for the futility-only optimum with n restricted to 35..45 (singlearm_des_r.csv).
Nothing is asserted.
"""

from __future__ import annotations

import time

import numpy as np

from thera_stats.design_search import mander_thompson_design, three_stage_design
from thera_stats.multistage import MultiStageDesign
from thera_stats.multistage_inference import multistage_outcome_table


def clock(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    for alpha, power in ((0.05, 0.8), (0.1, 0.9)):
        for criterion in ("optimal", "minimax", "optimal-p1"):
            t = clock(lambda a=alpha, w=power, c=criterion: mander_thompson_design(
                0.2, 0.4, alpha=a, power=w, criterion=c))
            print(f"Mander-Thompson {criterion:>10}, alpha {alpha}, power {power}: {t:.3f} s")
    three_stage()
    for sizes, futility, efficacy in (([10, 22], [2, 7], None),
                                      ([16, 41], [3, 11], [6]),
                                      ([15, 30, 45], [2, 8, 13], [7, 11]),
                                      ([30, 60, 100], [5, 15, 29], [14, 24])):
        d = MultiStageDesign(0.2, 0.4, sizes, futility, efficacy)
        t = clock(lambda d=d: multistage_outcome_table(d), repeat=1)
        print(f"outcome table, sizes {sizes}: {t:.3f} s")
    p = np.linspace(0, 1, 1001)
    for n in (50, 100, 200, 400):
        d = MultiStageDesign(0.2, 0.4, [n // 4, n // 2, n], [n // 20, n // 10, n // 4])
        t = clock(lambda d=d: d.operating_characteristics(p))
        print(f"operating characteristics, 3 looks, n = {n}, 1001 p: {t * 1000:.1f} ms")


def three_stage() -> None:
    """Chen three-stage searches: wall-clock and CPU time (best of three)."""
    for efficacy in (False, True):
        for criterion in ("optimal", "minimax", "optimal-p1"):
            def run(c: str = criterion, e: bool = efficacy) -> None:
                three_stage_design(0.2, 0.4, alpha=0.05, power=0.8, criterion=c, efficacy=e)

            wall = clock(run)
            cpu = float("inf")
            for _ in range(3):
                start = time.process_time()
                run()
                cpu = min(cpu, time.process_time() - start)
            label = "futility+efficacy" if efficacy else "futility only"
            print(f"three-stage {criterion:>10}, {label:>17}: {wall:.3f} s (CPU {cpu:.3f} s)")


if __name__ == "__main__":
    main()
