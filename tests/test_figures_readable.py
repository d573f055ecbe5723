"""The report figures read without colour: flow counts, hatching, the missing placeholder, dpi."""

from __future__ import annotations

from pathlib import Path

import matplotlib as mpl

mpl.use("Agg")

import matplotlib.image as mpimg
import pytest
from matplotlib import pyplot as plt

import thera_stats as ts
from thera_stats import plotting


@pytest.fixture(scope="module")
def thera() -> ts.GoNoGoAnalysis:
    return ts.analyze(ts.load_trial(ts.synthetic_data_path("thera")))


def _texts(ax: mpl.axes.Axes) -> list[str]:
    return [t.get_text() for t in ax.texts]


def test_flow_diagram_counts_the_patients(thera: ts.GoNoGoAnalysis) -> None:
    ax = plotting.flow_diagram(thera)
    texts = _texts(ax)
    # THERA: 17 enrolled and treated, 1 withdrawn (injection site reaction), 16 assessed
    # on day 8, 17 analysed: stage 1 10 patients (4 responders), stage 2 7 (3, 1 missing).
    assert "Enrolled\nn = 17" in texts
    assert "Treated (at least one dose)\nn = 17" in texts
    assert "Assessed on day 8\nn = 16" in texts
    assert "Analysed (treated population)\nn = 17" in texts
    withdrawn = next(t for t in texts if t.startswith("Withdrawn"))
    assert "n = 1" in withdrawn
    assert "Adverse event: injection site reaction: 1" in withdrawn
    assert "Stage 1\nn = 10\nresponders: 4" in texts
    assert "Stage 2\nn = 7\nresponders: 3\n(missing: 1)" in texts
    stages = [t for t in texts if t.startswith("Stage")]
    assert sum(int(t.split("n = ")[1].split("\n")[0]) for t in stages) == thera.n_total
    plt.close(ax.figure)


def test_flow_diagram_takes_a_trial() -> None:
    trial = ts.load_trial(ts.synthetic_data_path("nrs"))
    ax = plotting.flow_diagram(trial)
    assert "Assessed on day 14\nn = 37" in _texts(ax)
    plt.close(ax.figure)


def test_waterfall_hatches_non_responders_and_shows_missing(thera: ts.GoNoGoAnalysis) -> None:
    ax = plotting.waterfall_plot(thera.endpoint, threshold=-50, day=8, label="pain VAS")
    bars = [p for p in ax.patches if p.get_width() == pytest.approx(0.8)]
    assert len(bars) == len(thera.endpoint)
    hatched = [b for b in bars if b.get_hatch() == plotting.NON_RESPONDER_HATCH]
    missing = [b for b in bars if b.get_hatch() == plotting.MISSING_HATCH]
    solid = [b for b in bars if not b.get_hatch()]
    ep = thera.endpoint
    assert len(solid) == int(ep["responder"].sum())
    assert len(missing) == int(ep["missing"].sum()) == 1
    assert len(hatched) == len(ep) - len(solid) - len(missing)
    # The placeholder is a bar of fixed, visible height, named on the figure.
    lo, hi = ax.get_ylim()
    assert missing[0].get_height() >= 0.05 * (hi - lo)
    assert "missing" in _texts(ax)
    assert any("responder\n threshold" in t for t in _texts(ax))
    plt.close(ax.figure)


def test_report_has_a_flow_figure_and_saves_at_print_resolution(
    thera: ts.GoNoGoAnalysis, tmp_path: Path
) -> None:
    assert "flow" in plotting.REPORT_FIGURES
    assert plotting.SAVE_DPI >= 150
    ax = plotting.flow_diagram(thera)
    fig = ax.figure
    png, pdf = plotting.save_figure(fig, tmp_path / "flow")  # type: ignore[arg-type]
    height, width = mpimg.imread(png).shape[:2]
    w_in, h_in = fig.get_size_inches()
    assert (width, height) == (round(w_in * plotting.SAVE_DPI), round(h_in * plotting.SAVE_DPI))
    again = plotting.save_figure(fig, tmp_path / "again")  # type: ignore[arg-type]
    assert again[0].read_bytes() == png.read_bytes()
    assert again[1].read_bytes() == pdf.read_bytes()
    plt.close(fig)
