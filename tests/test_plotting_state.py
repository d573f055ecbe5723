"""Figures leave matplotlib's interactive mode as they found it (Jupyter's inline display)."""

import matplotlib as mpl
import pytest

import thera_stats as ts
from thera_stats import plotting


@pytest.mark.parametrize("mode", [True, False])
def test_figures_keep_interactive_mode(mode: bool) -> None:
    before = mpl.is_interactive()
    try:
        mpl.interactive(mode)
        ax = plotting.operating_characteristics_plot(ts.simon_design(0.2, 0.45, alpha=0.05,
                                                                     power=0.8))
        assert mpl.is_interactive() is mode
        plotting.plt.close(ax.figure)
        result = ts.endpoint_sensitivity(ts.load_trial(ts.synthetic_data_path()))
        axes = plotting.sensitivity_plot(result)
        assert mpl.is_interactive() is mode
        plotting.plt.close(axes[0].figure)
    finally:
        mpl.interactive(before)
