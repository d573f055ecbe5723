"""Timing of the decision's sensitivity table (issue 13 target: THERA under 1 s).

Run from the repository root::

    .venv/bin/python benchmarks/bench_sensitivity.py

Measures, on the bundled trials (loaded once), ``endpoint_sensitivity``: the primary
analysis, four missing-data rows with the tipping point, three populations and the 5 x 5
responder-threshold grid, each with the design's decision and design-adjusted inference.
Also a finer 21 x 21 grid, and the figure. Nothing is asserted.
"""

from __future__ import annotations

import time

import matplotlib
import numpy as np

from thera_stats import load_trial, synthetic_data_path
from thera_stats.sensitivity import endpoint_sensitivity

matplotlib.use("Agg")


def clock(fn, repeat: int = 5) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        best = min(best, time.perf_counter() - start)
    return best


def main() -> None:
    from matplotlib import pyplot as plt

    from thera_stats.plotting import sensitivity_plot

    for name in ("thera", "nrs"):
        trial = load_trial(synthetic_data_path(name))
        endpoint_sensitivity(trial)  # warm the imports
        t = clock(lambda trial=trial: endpoint_sensitivity(trial))
        print(f"endpoint_sensitivity({name}), 5 x 5 grid: {t:.3f} s (best of 5)")
        ep = trial.plan.endpoint
        width = ep.range[1] - ep.range[0]
        rel = np.round(np.linspace(0.0, 1.0, 21), 2).tolist()
        ab = np.round(np.linspace(0.0, width / 2, 21), 2).tolist()
        t = clock(lambda trial=trial, rel=rel, ab=ab: endpoint_sensitivity(
            trial, relative=rel, absolute=ab),
                  repeat=2)
        print(f"endpoint_sensitivity({name}), 21 x 21 grid: {t:.3f} s (best of 2)")
        result = endpoint_sensitivity(trial)

        def draw(result=result) -> None:
            fig = sensitivity_plot(result)[0].figure
            fig.canvas.draw()
            plt.close(fig)

        print(f"sensitivity_plot({name}), drawn: {clock(draw, repeat=2):.3f} s")


if __name__ == "__main__":
    main()
