"""The Bayesian monitoring figures draw what they say they draw (values from the figure's artists)."""

from __future__ import annotations

import matplotlib as mpl

mpl.use("Agg")

import numpy as np
import pytest
from matplotlib import pyplot as plt
from scipy import stats

from thera_stats import plotting
from thera_stats.bayesian import predictive_probability


def test_posterior_plot_draws_the_beta_posterior_and_its_tail() -> None:
    ax = plotting.posterior_plot(16, 23, prior=(0.6, 0.4), p0=0.6, p1=0.8)
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # Lee & Liu (2008): P(p > 0.6 | 16 of 23, Beta(0.6, 0.4)) = 0.8360.
    assert "P(p > p0 | data) = 0.836" in labels
    post = next(line for line in ax.get_lines() if line.get_label().startswith("posterior"))
    x, y = post.get_data()
    np.testing.assert_allclose(y, stats.beta.pdf(x, 16.6, 7.4), rtol=1e-12)
    plt.close(ax.figure)


def test_predictive_plot_bars_are_the_predictive_distribution() -> None:
    res = predictive_probability(16, 23, 40, 0.6, 0.9, prior=(0.6, 0.4))
    ax = plotting.predictive_plot(res)
    heights = np.array([bar.get_height() for bar in ax.patches])
    assert heights.sum() == pytest.approx(1.0, abs=1e-12)
    green = [bar.get_height() for bar in ax.patches
             if mpl.colors.to_hex(bar.get_facecolor()) == plotting.RESPONDER_COLOUR]
    assert sum(green) == pytest.approx(0.5656, abs=5e-5)  # Lee & Liu (2008)
    assert "0.566" in ax.get_title()
    plt.close(ax.figure)


def test_predictive_plot_needs_one_count() -> None:
    res = predictive_probability([1, 2], 5, 10, 0.3, 0.9, prior=(1, 1))
    with pytest.raises(ValueError, match="one \\(x, n\\)"):
        plotting.predictive_plot(res)


def test_posterior_plot_rejects_a_bad_prior() -> None:
    with pytest.raises(ValueError, match="positive"):
        plotting.posterior_plot(1, 5, prior=(0, 1))
