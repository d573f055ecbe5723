"""Loading, validating and analysing trial folders of growing size (issue 10).

Run from the repository root::

    .venv/bin/python benchmarks/bench_trial.py [--sizes 1000 10000 100000] [--analyze-max 20000]

For score tables of about each size (THERA-like synthetic trials written to a
scratch folder) it prints the wall-clock time and the peak Python memory
(tracemalloc) of

* ``load_trial`` on a valid folder;
* ``load_trial`` on a folder whose score table has a mistyped day on every row
  (all outside the schedule's windows), which must be refused quickly with a
  bounded message;
* ``analyze`` on the valid folder (up to ``--analyze-max`` rows).

The issue's bar: a score table of 100 000 rows is analysed within the memory of
a laptop or refused quickly by the schedule check, never exhausting memory.
Nothing is asserted: the figures go into the issue note.
"""

from __future__ import annotations

import argparse
import platform
import shutil
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pandas as pd

import thera_stats as ts


def measure(fn: Callable[[], Any]) -> tuple[float, float, Any]:
    """(seconds, peak MiB of Python allocations, result or exception)."""
    tracemalloc.start()
    start = time.perf_counter()
    try:
        out: Any = fn()
    except Exception as err:  # noqa: BLE001 - a refusal is a result here
        out = err
    seconds = time.perf_counter() - start
    peak = tracemalloc.get_traced_memory()[1] / 2**20
    tracemalloc.stop()
    return seconds, peak, out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", type=int, nargs="+", default=[1000, 10000, 100000])
    parser.add_argument("--analyze-max", type=int, default=20000,
                        help="analyse folders up to this many score rows")
    args = parser.parse_args()
    print(f"Python {platform.python_version()}, pandas {pd.__version__}, "
          f"thera_stats {ts.__version__}")
    print(f"{'rows':>8} {'patients':>8} {'load s':>8} {'MiB':>7} {'refuse s':>9} {'MiB':>7} "
          f"{'listed':>7} {'analyze s':>10} {'MiB':>7}")
    with tempfile.TemporaryDirectory() as tmp:
        for size in args.sizes:
            n_patients = max(17, round(size / 8.7))  # about 8.7 assessments per patient
            trial = ts.simulate_trial(seed=1, n_patients=n_patients)
            good = Path(tmp) / f"good{size}"
            ts.write_trial(trial, good)
            rows = len(trial.score) if trial.score is not None else 0
            t_load, m_load, loaded = measure(lambda good=good: ts.load_trial(good))
            bad = Path(tmp) / f"bad{size}"
            shutil.copytree(good, bad)
            vas = pd.read_csv(bad / "vas.csv", dtype=str, keep_default_na=False)
            vas["day"] = vas["day"] + "00"  # 8 -> 800: outside every window
            vas.to_csv(bad / "vas.csv", index=False)
            t_bad, m_bad, err = measure(lambda bad=bad: ts.load_trial(bad))
            listed = (str(err).count("\n  - ")
                      if isinstance(err, ts.DataValidationError) else "?")
            if rows <= args.analyze_max and isinstance(loaded, ts.Trial):
                t_an, m_an, _ = measure(lambda loaded=loaded: ts.analyze(loaded))
                an = f"{t_an:10.2f} {m_an:7.0f}"
            else:
                an = f"{'-':>10} {'-':>7}"
            print(f"{rows:>8} {n_patients:>8} {t_load:8.2f} {m_load:7.0f} {t_bad:9.2f} "
                  f"{m_bad:7.0f} {listed!s:>7} {an}")


if __name__ == "__main__":
    main()
