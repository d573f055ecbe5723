"""Timing of thera_stats.simon (issue 4: design search speed).

Run from the repository root::

    .venv/bin/python benchmarks/bench_simon.py [--repeat 5]

Prints the median and minimum wall-clock time of

1. ``simon_design`` (optimal, minimax) for p0 = 0.2, p1 = 0.4, alpha = 0.05,
   power = 0.8 (target: under 0.1 s);
2. the same plus the admissible set (``simon_designs``) for p0 = 0.3, p1 = 0.45,
   alpha = 0.05, power = 0.9, whose optimum needs n = 110 (target: under 1 s);
3. growth with the largest n searched: unrestricted searches (``n_max=None``)
   of problems whose proof-based bound N* on n is about 50, 100, 200 and 400,
   and a fixed problem searched with explicit ``n_max`` = 50, 100, 200, 400.

Every call builds its tables from scratch (nothing is cached between calls).
Nothing is asserted: the figures go into the issue note.
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import time
import warnings
from collections.abc import Callable
from typing import Any

from thera_stats.simon import SearchBoundWarning, simon_design, simon_designs


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    times, out = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times), min(times), out


def line(label: str, med: float, best: float, extra: str = "") -> None:
    print(f"  {label:<58} median {med * 1e3:8.1f} ms   min {best * 1e3:8.1f} ms  {extra}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    rep = args.repeat
    print(f"python {platform.python_version()}, {platform.machine()}, {os.cpu_count()} cpus")

    print("\n1. p0 = 0.2, p1 = 0.4, alpha = 0.05, power = 0.8 (target < 100 ms)")
    kw = {"alpha": 0.05, "power": 0.8}
    for crit in ("optimal", "minimax"):
        med, best, d = timed(lambda c=crit: simon_design(0.2, 0.4, criterion=c, **kw), rep)
        line(f"simon_design(criterion={crit!r})", med, best, f"{d.r1}/{d.n1}, {d.r}/{d.n}")
    med, best, tab = timed(lambda: simon_designs(0.2, 0.4, **kw), rep)
    line("simon_designs (admissible set)", med, best, f"{len(tab)} designs")

    print("\n2. p0 = 0.3, p1 = 0.45, alpha = 0.05, power = 0.9 (target < 1 s)")
    kw = {"alpha": 0.05, "power": 0.9}
    for crit in ("optimal", "minimax"):
        med, best, d = timed(lambda c=crit: simon_design(0.3, 0.45, criterion=c, **kw), rep)
        line(f"simon_design(criterion={crit!r})", med, best, f"{d.r1}/{d.n1}, {d.r}/{d.n}")
    med, best, d = timed(
        lambda: simon_design(0.3, 0.45, criterion="admissible", weight=0.5, **kw), rep
    )
    line("simon_design(criterion='admissible', weight=0.5)", med, best, f"n = {d.n}")
    med, best, tab = timed(lambda: simon_designs(0.3, 0.45, **kw), rep)
    line("simon_designs (admissible set)", med, best, f"{len(tab)} designs")

    print("\n3a. growth with the largest n searched, n_max=None (simon_designs)")
    problems = [
        (0.2, 0.4, 0.05, 0.8),  # N* ~ 50
        (0.1, 0.25, 0.05, 0.9),  # N* ~ 100
        (0.3, 0.45, 0.05, 0.9),  # N* ~ 200
        (0.3, 0.38, 0.05, 0.8),  # N* ~ 400
    ]
    for p0, p1, a, pw in problems:
        med, best, tab = timed(lambda p=(p0, p1, a, pw): simon_designs(
            p[0], p[1], alpha=p[2], power=p[3]), max(1, rep // 2))  # fmt: skip
        opt = tab[tab["optimal"]].iloc[0]
        line(
            f"p0={p0}, p1={p1}, alpha={a}, power={pw}",
            med,
            best,
            f"N* = {tab.attrs['n_bound']}, optimal n = {opt['n']}",
        )

    print("\n3b. fixed problem p0 = 0.3, p1 = 0.4, alpha = 0.05, power = 0.8, explicit n_max")
    for n_max in (50, 100, 200, 400):

        def run(n_max: int = n_max) -> Any:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", SearchBoundWarning)
                try:
                    return simon_design(0.3, 0.4, alpha=0.05, power=0.8, n_max=n_max)
                except ValueError:
                    return None

        med, best, d = timed(run, max(1, rep // 2))
        what = "no feasible design (ValueError)" if d is None else f"n = {d.n}"
        line(f"simon_design(n_max={n_max})", med, best, what)


if __name__ == "__main__":
    main()
