"""Timing of thera_stats.two_stage (issue 5: ``outcome_table`` under 1 s for n up to 100).

Run from the repository root::

    .venv/bin/python benchmarks/bench_two_stage.py [--repeat 5]

For designs with total size n = 22 (THERA), 43, 100 and 200 it prints the
median and minimum wall-clock time of

* ``outcome_table(design)`` from a cold cache (sample space built, every
  outcome's UMVUE, median-unbiased estimate, p-value and 90 % limits found);
* ``two_stage_inference(...)`` plus its interval for one outcome (cold cache);
* ``exact_coverage(design, p)`` on a 10 001-point grid of p (cold cache);
* (issue 15) ``two_stage_inference(...)`` plus its interval at n = 500 in a fresh
  process (modules imported, nothing computed yet), target < 50 ms.

Since issue 11 the numbers come from the multi-stage engine
(:func:`thera_stats.multistage_inference.multistage_inference` on the design's
rule); "cold" means its caches (sample spaces, rules at attained sizes) are
cleared and the design is made afresh inside each timed call.

Nothing is asserted: the figures go into the issue note.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

import numpy as np

from thera_stats import two_stage
from thera_stats.multistage import _adapted
from thera_stats.multistage_inference import _space
from thera_stats.simon import SimonDesign

DESIGNS = {
    # (p0, p1, r1, n1, r, n)
    "THERA 2/10, 7/22": (0.20, 0.45, 2, 10, 7, 22),
    "Simon p0=0.2 optimal 3/13, 12/43": (0.20, 0.40, 3, 13, 12, 43),
    "p0=0.3 13/45, 37/100": (0.30, 0.45, 13, 45, 37, 100),
    "p0=0.3 30/90, 70/200": (0.30, 0.40, 30, 90, 70, 200),
    "p0=0.3 61/200, 165/500": (0.30, 0.36, 61, 200, 165, 500),
}

COLD = """
import time
from thera_stats import two_stage
from thera_stats.simon import SimonDesign
d = SimonDesign(p0=0.3, p1=0.36, alpha=0.05, power=0.8, r1=61, n1=200, r=165, n=500)
t, c = time.perf_counter(), time.process_time()
two_stage.two_stage_inference(d, 62, 166).confidence_interval()
print(time.perf_counter() - t, time.process_time() - c)
"""


def timed(func: Callable[[], object], repeat: int) -> tuple[float, float]:
    times = []
    for _ in range(repeat):
        _space.cache_clear()
        _adapted.cache_clear()
        start = time.perf_counter()
        func()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    print(f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} cores")
    grid = np.linspace(0.0, 1.0, 10001)
    header = f"{'design':36s} {'what':28s} {'median s':>9s} {'min s':>9s}"
    print(header)
    print("-" * len(header))
    for name, (p0, p1, r1, n1, r, n) in DESIGNS.items():
        kw = {"p0": p0, "p1": p1, "alpha": 0.05, "power": 0.8, "r1": r1, "n1": n1, "r": r, "n": n}
        x = r + 1
        jobs: dict[str, Callable[[], object]] = {
            "outcome_table": lambda kw=kw: two_stage.outcome_table(SimonDesign(**kw)),
            "inference + interval": lambda kw=kw, x=x, r1=r1: two_stage.two_stage_inference(
                SimonDesign(**kw), r1 + 1, x
            ).confidence_interval(),
            "exact_coverage (10001 p)": lambda kw=kw: two_stage.exact_coverage(
                SimonDesign(**kw), grid
            ),
        }
        for what, job in jobs.items():
            med, best = timed(job, args.repeat)
            print(f"{name:36s} {what:28s} {med:9.4f} {best:9.4f}")
    runs = [subprocess.run([sys.executable, "-c", COLD], capture_output=True, text=True,
                           check=True).stdout.split() for _ in range(args.repeat)]
    wall = [float(r[0]) for r in runs]
    cpu = [float(r[1]) for r in runs]
    print(f"\nn = 500, inference + interval in a fresh process: wall median "
          f"{1e3 * statistics.median(wall):.1f} ms, min {1e3 * min(wall):.1f} ms; CPU median "
          f"{1e3 * statistics.median(cpu):.1f} ms, min {1e3 * min(cpu):.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
