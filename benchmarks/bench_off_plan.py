"""Time every off-plan rule for one attained outcome (target: under 50 ms).

    .venv/bin/python benchmarks/bench_off_plan.py
"""

from __future__ import annotations

import time

from thera_stats import multistage, off_plan
from thera_stats.multistage import MultiStageDesign
from thera_stats.off_plan import compare_off_plan_rules, stage2_size_for_power


def best_of(f: object, repeat: int = 5) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        f()  # type: ignore[operator]
        times.append(time.perf_counter() - start)
    return min(times)


def main() -> None:
    cases = [
        ("THERA 2/10, 7/22 at [10, 17]", (0.2, 0.45, [10, 22], [2, 7]), [4, 7], [10, 17], 0.05),
        ("vignette 3/14, 14/44 at [11, 41]", (0.25, 0.45, [14, 44], [3, 14]), [4, 12], [11, 41],
         0.1),
        ("THERA at [8, 20] (ATSS redesign)", (0.2, 0.45, [10, 22], [2, 7]), [3, 8], [8, 20], 0.05),
    ]
    for name, (p0, p1, sizes, fut), x, attained, alpha in cases:
        def first(p0: float = p0, p1: float = p1, sizes: list[int] = sizes,
                  fut: list[int] = fut, x: list[int] = x, attained: list[int] = attained,
                  alpha: float = alpha) -> None:
            for cache in (off_plan._ats, off_plan._atss_stage1, multistage._adapted):
                cache.cache_clear()   # nothing cached
            d = MultiStageDesign(p0, p1, sizes=sizes, futility=fut)
            compare_off_plan_rules(d, x, attained, alpha=alpha, power=0.8)
        print(f"{name}: all rules {1e3 * best_of(first):.1f} ms (uncached)")
    d = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    print(f"stage2_size_for_power(THERA, 4): "
          f"{1e3 * best_of(lambda: stage2_size_for_power(d, 4, power=0.8)):.1f} ms")


if __name__ == "__main__":
    main()
