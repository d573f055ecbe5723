"""Speed of thera_stats.binomial against the issue's two targets.

Run:  .venv/bin/python benchmarks/bench_binomial.py [--repeat 5]

1. Clopper-Pearson for every x in 0..n, n = 1..1000 (501,500 intervals) in one vectorised
   call, against statsmodels' ``proportion_confint(method="beta")`` on the same arrays.
2. Blaker and mid-p for every x in 0..n, n = 1..200 (20,300 intervals each): under 5 s in
   total.

Figures are the best of ``--repeat`` wall-clock runs (the machine may be shared). Nothing
is asserted here; the tests never time anything.
"""

from __future__ import annotations

import argparse
import platform
import time
from collections.abc import Callable
from typing import Any

import numpy as np
import scipy
import statsmodels
from statsmodels.stats.proportion import proportion_confint

from thera_stats.binomial import binomial_ci


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


if __name__ == "__main__":
    main()
