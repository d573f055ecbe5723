"""Speed of thera_stats.binomial against the issue's two targets.

Run:  .venv/bin/python benchmarks/bench_binomial.py [--repeat 5]

1. Clopper-Pearson for every x in 0..n, n = 1..1000 (501,500 intervals) in one vectorised
   call, against statsmodels' ``proportion_confint(method="beta")`` on the same arrays.
2. Blaker and mid-p for every x in 0..n, n = 1..200 (20,300 intervals each): under 5 s in
   total.
3. (issue 15) one mid-p / Blaker / likelihood-ratio interval: under 0.3 ms; exact coverage
   at n = 1000 over 10 001 p: under 20 ms (the coverage, interval_coverage, whose expected
   width is summed only when read, and with it read); compare_intervals at n = 17 and 1000.
4. (issue 15, ``--big``) Blaker for every x, n = 1..2000 (2,003,000 intervals): under 15 s
   and 300 MiB (tracemalloc peak, run in a fresh process).  The issue measured 153 s and
   768 MiB before.

Figures are the best of ``--repeat`` wall-clock runs (the machine may be shared). Nothing
is asserted here; the tests never time anything.
"""

from __future__ import annotations

import argparse
import platform
import subprocess
import sys
import time
import timeit
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy
import statsmodels
from statsmodels.stats.proportion import proportion_confint

from thera_stats.binomial import (
    _all_limits,
    _coverage,
    binomial_ci,
    compare_intervals,
    interval_coverage,
)

BIG = """
import time, tracemalloc
import numpy as np
from thera_stats.binomial import binomial_ci
n = np.repeat(np.arange(1, 2001), np.arange(2, 2002))
x = np.concatenate([np.arange(k + 1) for k in range(1, 2001)])
tracemalloc.start()
t, c = time.perf_counter(), time.process_time()
binomial_ci(x, n, method="blaker")
print(time.perf_counter() - t, time.process_time() - c, tracemalloc.get_traced_memory()[1])
"""


def all_counts(n_max: int) -> tuple[np.ndarray, np.ndarray]:
    n = np.repeat(np.arange(1, n_max + 1), np.arange(2, n_max + 2))
    x = np.concatenate([np.arange(k + 1) for k in range(1, n_max + 1)])
    return x, n


def best_of(repeat: int, func: Callable[[], Any]) -> tuple[float, Any]:
    times = []
    result = None
    for _ in range(repeat):
        start = time.perf_counter()
        result = func()
        times.append(time.perf_counter() - start)
    return min(times), result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--big", action="store_true", help="also run [4] (minutes before)")
    args = parser.parse_args()
    print(
        f"python {platform.python_version()}, numpy {np.__version__}, scipy {scipy.__version__},"
        f" statsmodels {statsmodels.__version__}, {platform.machine()}"
    )

    x, n = all_counts(1000)
    t_ours, ci = best_of(args.repeat, lambda: binomial_ci(x, n))
    t_sm, (sm_low, sm_high) = best_of(
        args.repeat, lambda: proportion_confint(x, n, alpha=0.05, method="beta")
    )
    diff = max(np.nanmax(np.abs(ci.low - sm_low)), np.nanmax(np.abs(ci.high - sm_high)))
    print(f"\n[1] Clopper-Pearson, n = 1..1000, all x: {x.size:,} intervals")
    print(f"    thera_stats binomial_ci                  {t_ours:7.3f} s")
    print(f"    statsmodels proportion_confint('beta')   {t_sm:7.3f} s")
    print(f"    ratio thera_stats / statsmodels          {t_ours / t_sm:7.2f}  (target <= 1)")
    print(f"    max |difference| of the limits           {diff:.1e}")

    # Without the x <-> n - x symmetry of the full grid (the reflection shortcut saves less).
    rng = np.random.default_rng(20240601)
    n_r = rng.integers(1, 1001, size=x.size)
    x_r = np.floor(rng.random(x.size) * (n_r + 1)).astype(np.int64)
    t_ours, _ = best_of(args.repeat, lambda: binomial_ci(x_r, n_r))
    t_sm, _ = best_of(args.repeat, lambda: proportion_confint(x_r, n_r, method="beta"))
    print(
        f"    same size, random (x, n) pairs: thera_stats {t_ours:.3f} s, statsmodels "
        f"{t_sm:.3f} s, ratio {t_ours / t_sm:.2f}"
    )

    x, n = all_counts(200)
    print(f"\n[2] n = 1..200, all x: {x.size:,} intervals per method")
    total = 0.0
    for method in ("blaker", "mid-p"):
        t, _ = best_of(args.repeat, lambda m=method: binomial_ci(x, n, method=m))
        total += t
        print(f"    {method:<8} {t:7.3f} s")
    print(f"    total    {total:7.3f} s  (target < 5 s)")
    for method in ("sterne", "likelihood-ratio", "wilson"):
        t, _ = best_of(args.repeat, lambda m=method: binomial_ci(x, n, method=m))
        print(f"    ({method}: {t:.3f} s)")

    print("\n[3] one interval (best of repeats x 100 calls; wall and CPU), target < 0.3 ms")
    for method in ("mid-p", "blaker", "likelihood-ratio", "sterne", "clopper-pearson"):
        for xi, ni in ((7, 17), (37, 100), (400, 1000)):
            t = min(timeit.repeat(lambda m=method, a=xi, b=ni: binomial_ci(a, b, method=m),
                                  number=100, repeat=args.repeat)) / 100
            cpu = min(timeit.repeat(lambda m=method, a=xi, b=ni: binomial_ci(a, b, method=m),
                                    number=100, repeat=args.repeat,
                                    timer=time.process_time)) / 100
            print(f"    {method:<17} x={xi:<4} n={ni:<5} {1e3 * t:7.3f} ms wall "
                  f"{1e3 * cpu:7.3f} ms CPU")
    grid = np.linspace(0.0, 1.0, 10001)
    print("\n    exact coverage at n = 1000 over 10 001 p (limits computed once), target < 20 ms")
    for method in ("clopper-pearson", "blaker", "mid-p", "wilson"):
        low, high = _all_limits(1000, method, 0.95, "two-sided")
        t_cov, _ = best_of(args.repeat, lambda lo=low, hi=high: _coverage(1000, grid, lo, hi))
        t_all, _ = best_of(args.repeat, lambda m=method: interval_coverage(1000, grid, method=m))
        t_width, _ = best_of(args.repeat, lambda m=method: interval_coverage(
            1000, grid, method=m).expected_width)
        print(f"    {method:<17} coverage {1e3 * t_cov:6.1f} ms; interval_coverage (limits, "
              f"coverage) {1e3 * t_all:6.1f} ms; with the expected width read "
              f"{1e3 * t_width:6.1f} ms")
    for xi, ni in ((7, 17), (400, 1000)):
        t, _ = best_of(max(1, args.repeat // 2), lambda a=xi, b=ni: compare_intervals(a, b))
        print(f"    compare_intervals({xi}, {ni}), all ten methods: {t:.3f} s")

    if args.big:
        out = subprocess.run([sys.executable, "-c", BIG], capture_output=True, text=True,
                             check=True).stdout.split()
        wall, cpu, peak = float(out[0]), float(out[1]), float(out[2]) / 2**20
        print(f"\n[4] Blaker, every x, n = 1..2000 (2,003,000 intervals), fresh process: "
              f"{wall:.1f} s wall, {cpu:.1f} s CPU, tracemalloc peak {peak:.0f} MiB "
              "(target < 15 s, 300 MiB)")


if __name__ == "__main__":
    main()
