"""Timing of ``thera-stats monitor`` (issue 12 target: under 1 s beyond start-up).

Run from the repository root::

    .venv/bin/python benchmarks/bench_monitor.py

Measures, on the bundled trials: loading a trial folder, ``monitor`` at several cut-offs
(the monitoring itself, after loading), the whole command in a fresh interpreter (start-up
included) and the start-up alone (``import thera_stats``). Also conditional and predictive
power for a design of 200 patients. Nothing is asserted.
"""

from __future__ import annotations

import subprocess
import sys
import time

from thera_stats import load_trial, synthetic_data_path
from thera_stats.conditional_power import conditional_power, predictive_power
from thera_stats.monitor import monitor
from thera_stats.multistage import MultiStageDesign


def clock(fn, repeat: int = 3) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    for name in ("thera", "nrs"):
        path = synthetic_data_path(name)
        t = clock(lambda path=path: load_trial(path))
        print(f"load_trial({name}): {t:.3f} s")
        trial = load_trial(path)
        dates = trial.patients["enrolment_date"].sort_values().tolist()
        middle = dates[len(dates) // 2]
        middle = middle.date() if hasattr(middle, "date") else middle
        for day in (middle, None):
            t = clock(lambda day=day, trial=trial: monitor(trial, as_of=day))
            print(f"  monitor({name}, as_of={day}): {t * 1000:.0f} ms")
    design = MultiStageDesign(0.2, 0.35, [50, 100, 150, 200], [8, 22, 37, 52], [20, 32, 44])
    t = clock(lambda: conditional_power(design, 10, 40, [0.2, 0.35]))
    print(f"conditional_power, 4 looks to 200, after 40: {t * 1000:.1f} ms")
    t = clock(lambda: predictive_power(design, 10, 40, prior=(0.5, 0.5)))
    print(f"predictive_power, same: {t * 1000:.1f} ms")
    for args, label in (([sys.executable, "-c", "import thera_stats"], "import thera_stats"),
                        ([sys.executable, "-m", "thera_stats", "monitor", "--as-of",
                          "2016-09-01"], "thera-stats monitor (fresh interpreter)")):
        t = clock(lambda args=args: subprocess.run(args, check=True, capture_output=True))
        print(f"{label}: {t:.2f} s")


if __name__ == "__main__":
    main()
