"""Figures. The only module of thera_stats that imports matplotlib.

Every function takes ``ax=None`` (a new figure is made when none is given)
and returns the axes, so figures compose into a report's own layout.
:func:`save_figure` writes PNG and PDF files whose bytes depend only on the
figure (no timestamps, fixed metadata), so the same inputs give identical files.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from pathlib import Path
from types import MappingProxyType
from typing import TYPE_CHECKING, Any

import matplotlib as mpl
import numpy as np
import pandas as pd
from cycler import cycler
from matplotlib import pyplot as plt
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator

if TYPE_CHECKING:
    from thera_stats.analysis import GoNoGoAnalysis
    from thera_stats.bayesian import PredictiveProbability
    from thera_stats.multistage import MultiStageDesign
    from thera_stats.sensitivity import SensitivityResult
    from thera_stats.simon import SimonDesign

__all__ = [
    "coverage_plot",
    "design_comparison_plot",
    "flow_diagram",
    "interval_methods_plot",
    "mean_change_plot",
    "multistage_oc_plot",
    "multistage_path_plot",
    "operating_characteristics_plot",
    "posterior_plot",
    "predictive_plot",
    "report_figures",
    "report_pngs",
    "responder_curve_plot",
    "save_figure",
    "score_trajectories_plot",
    "sensitivity_plot",
    "two_stage_path_plot",
    "use_file_backend",
    "waterfall_plot",
    "write_figures",
]

#: The Okabe & Ito (2008) palette, distinguishable with every common colour-vision
#: deficiency (Okabe, M. & Ito, K., "Color Universal Design", https://jfly.uni-koeln.de/color/).
OKABE_ITO: Mapping[str, str] = MappingProxyType({
    "black": "#000000", "orange": "#e69f00", "sky_blue": "#56b4e9",
    "bluish_green": "#009e73", "yellow": "#f0e442", "blue": "#0072b2",
    "vermillion": "#d55e00", "reddish_purple": "#cc79a7",
})
#: Neutral grey for what carries no meaning of its own (missing values, "other").
GREY = "#999999"
#: Every colour of every figure, by meaning. Opposite meanings (responder and
#: non-responder, "go" and "no go", planned and applied rule) stay at least 30
#: CIE76 units apart under simulated deuteranopia and protanopia (tests/test_palette.py),
#: and are also told apart by hatching, marker shape or line style.
PALETTE: Mapping[str, str] = MappingProxyType({
    "responder": OKABE_ITO["blue"],
    "non_responder": OKABE_ITO["vermillion"],
    "go": OKABE_ITO["blue"],
    "no_go": OKABE_ITO["vermillion"],
    "planned": OKABE_ITO["blue"],
    "applied": OKABE_ITO["bluish_green"],
    "neutral": OKABE_ITO["black"],
    "secondary": OKABE_ITO["orange"],
    "missing": GREY,
})
#: Categorical colours in order, for many curves (designs, interval methods).
CATEGORICAL = tuple(OKABE_ITO[k] for k in ("blue", "vermillion", "bluish_green",
                                            "reddish_purple", "orange", "sky_blue", "black",
                                            "yellow"))
RESPONDER_COLOUR = PALETTE["responder"]
NON_RESPONDER_COLOUR = PALETTE["non_responder"]
MISSING_COLOUR = PALETTE["missing"]
NEUTRAL = PALETTE["neutral"]
#: Hatching that tells responder status without colour (responders are solid).
NON_RESPONDER_HATCH = "///"
MISSING_HATCH = "xx"
#: Resolution of saved PNG files (dots per inch).
SAVE_DPI = 200
STYLE: dict[Any, Any] = {
    "figure.figsize": (7.0, 4.5),
    "figure.dpi": 100,
    "savefig.dpi": SAVE_DPI,
    "hatch.linewidth": 0.8,
    "axes.prop_cycle": cycler(color=list(CATEGORICAL)),
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.labelsize": 10,
    "legend.fontsize": 9,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "svg.hashsalt": "thera_stats",
    "pdf.fonttype": 42,
}


def _axes(ax: Axes | None, figsize: tuple[float, float] | None = None) -> Axes:
    if ax is not None:
        return ax
    with mpl.rc_context(STYLE):
        fig = plt.figure(figsize=figsize or STYLE["figure.figsize"])
        ax = fig.add_subplot()
        # The first figure of a session may load Jupyter's inline backend, which turns
        # interactive mode on; leaving rc_context would turn it off again, and no later
        # figure would display on its own.
        interactive = mpl.is_interactive()
    mpl.interactive(interactive)
    return ax


# ------------------------------------------------------------------ primary endpoint
def waterfall_plot(
    data: pd.DataFrame,
    *,
    value: str = "pct_change",
    responder: str = "responder",
    subject: str = "patient_id",
    threshold: float | None = None,
    day: int | None = None,
    label: str = "the score",
    ax: Axes | None = None,
) -> Axes:
    """Waterfall of per-patient percent change, by responder status.

    Responders are solid bars, non-responders hatched bars of another colour
    (so the status reads in greyscale and with colour-vision deficiency), and a
    patient whose assessment is missing is a hatched grey placeholder of fixed
    height labelled "missing" (its change is unknown). The threshold line is
    labelled at the right edge.

    Parameters
    ----------
    data : DataFrame
        One row per patient with ``subject``, ``value`` (percent change from
        baseline; NaN when the assessment is missing) and ``responder`` (bool).
    threshold : float or None
        Draws a reference line (the relative criterion, for example -50 %).
    day : int, optional
        The assessment day, for the title.
    label : str
        What was measured, for the axis and title (for example "pain VAS").
    """
    ax = _axes(ax)
    d = data.loc[:, [subject, value, responder]].copy()
    d["_missing"] = d[value].isna()
    d = d.sort_values([value, subject], ascending=[False, True], na_position="first")
    observed = d[value].to_numpy(dtype=float)
    finite = observed[np.isfinite(observed)]
    top = max(25.0, float(finite.max()) + 10 if len(finite) else 25.0)
    lo = min(-100.0, float(finite.min()) - 5 if len(finite) else -100.0)
    # A missing patient gets a placeholder of fixed height: its value is unknown.
    placeholder = 0.5 * top
    x = np.arange(len(d))
    for xi, height, miss, resp in zip(x, observed, d["_missing"], d[responder], strict=True):
        if miss:
            ax.bar(xi, placeholder, width=0.8, color="white", edgecolor=MISSING_COLOUR,
                   hatch=MISSING_HATCH, linewidth=1.0)
            ax.text(float(xi), placeholder + 0.02 * (top - lo), "missing", rotation=90,
                    ha="center", va="bottom", fontsize=8, color="0.25")
        elif bool(resp):
            ax.bar(xi, height, width=0.8, color=RESPONDER_COLOUR, edgecolor=RESPONDER_COLOUR)
        else:
            ax.bar(xi, height, width=0.8, color=NON_RESPONDER_COLOUR, edgecolor="white",
                   hatch=NON_RESPONDER_HATCH, linewidth=0.0)
            if abs(height) < 0.01 * (top - lo):  # no change: a stub, so the patient shows
                ax.plot([xi], [0.0], marker="s", markersize=4, color=NON_RESPONDER_COLOUR,
                        linestyle="none")
    ax.axhline(0.0, color="black", linewidth=0.6)
    if threshold is not None:
        ax.axhline(threshold, color="black", linestyle="--", linewidth=0.9)
        shown = f"{threshold:+g}".replace("-", "\N{MINUS SIGN}")
        ax.text(1.0, threshold, f" {shown} %\n responder\n threshold", fontsize=8,
                va="center", ha="left", transform=ax.get_yaxis_transform(), clip_on=False)
    ax.set_xticks(x, d[subject].astype(str).tolist(), rotation=90, fontsize=7)
    ax.set_xlim(-0.7, len(d) - 0.3)
    ax.set_xlabel("Patient")
    ax.set_ylabel(f"Change in {label} from baseline (%)")
    title = f"Per-patient change in {label}"
    ax.set_title(title + (f" on day {day}" if day is not None else ""))
    handles = [Patch(facecolor=RESPONDER_COLOUR, edgecolor=RESPONDER_COLOUR, label="Responder"),
               Patch(facecolor=NON_RESPONDER_COLOUR, edgecolor="white",
                     hatch=NON_RESPONDER_HATCH, label="Non-responder")]
    if d["_missing"].any():
        handles.append(Patch(facecolor="white", edgecolor=MISSING_COLOUR, hatch=MISSING_HATCH,
                             label="Missing (non-responder)"))
    ax.legend(handles=handles, loc="upper right", frameon=False)
    ax.set_ylim(lo, top + 0.35 * (top - lo) if d["_missing"].any() else top)
    return ax


# ------------------------------------------------------------------ the score over time
def score_trajectories_plot(
    table: pd.DataFrame,
    summary: pd.DataFrame,
    *,
    subject: str,
    day: str,
    value: str,
    label: str = "Score",
    value_range: tuple[float, float] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Individual score trajectories with the mean and its interval by day.

    Parameters
    ----------
    table : DataFrame
        Long table, one row per patient and day.
    summary : DataFrame
        One row per day with ``day, mean, ci_low, ci_high`` (the mean score and
        its confidence interval), as :func:`thera_stats.score.summarize_score` gives.
    subject, day, value : str
        Column names of ``table``.
    label : str
        Axis label, with its unit (for example "Pain VAS (mm)").
    value_range : (float, float), optional
        The scale's range, used as the axis limits.
    """
    ax = _axes(ax)
    for _, g in table.sort_values([subject, day]).groupby(subject, sort=True):
        ax.plot(g[day].to_numpy(dtype=float), g[value].to_numpy(dtype=float), color="0.75",
                linewidth=0.8, marker="o", markersize=2)
    s = summary.sort_values("day")
    days = s["day"].to_numpy(dtype=float)
    ax.fill_between(days, s["ci_low"].to_numpy(dtype=float), s["ci_high"].to_numpy(dtype=float),
                    color=NEUTRAL, alpha=0.2, linewidth=0)
    ax.plot(days, s["mean"].to_numpy(dtype=float), color=NEUTRAL, linewidth=2, marker="o")
    level = summary.attrs.get("confidence_level", 0.95)
    handles = [Line2D([], [], color="0.75", marker="o", markersize=2, label="Patient"),
               Line2D([], [], color=NEUTRAL, linewidth=2, marker="o", label="Mean"),
               Patch(color=NEUTRAL, alpha=0.2, label=f"{100 * level:g} % CI of the mean")]
    ax.legend(handles=handles, loc="upper right", frameon=False)
    ax.set_xticks(days, [str(int(d)) for d in days])
    ax.set_xlabel("Day")
    ax.set_ylabel(label)
    if value_range is not None:
        ax.set_ylim(*value_range)
    ax.set_title(f"{label.split(' (')[0]} by patient and day")
    return ax


def mean_change_plot(
    summary: pd.DataFrame,
    lsmeans: pd.DataFrame | None = None,
    *,
    baseline_day: int = 0,
    label: str = "Change from baseline",
    ax: Axes | None = None,
) -> Axes:
    """Mean change from baseline by day: paired-t intervals and MMRM LS means side by side.

    Parameters
    ----------
    summary : DataFrame
        From :func:`thera_stats.score.summarize_change` (``day, mean_change,
        mean_change_ci_low, mean_change_ci_high``).
    lsmeans : DataFrame, optional
        From ``mmrm(...).lsmeans()`` (``day, estimate, ci_low, ci_high``).
    baseline_day : int
        The baseline day (left out: its change is 0 by definition).
    label : str
        Axis label (for example "Change in pain VAS from baseline (mm)").
    """
    ax = _axes(ax)
    s = summary[summary["day"] != baseline_day].sort_values("day")
    days = s["day"].to_numpy()
    pos = {d: i for i, d in enumerate(days)}
    shift = 0.15 if lsmeans is not None else 0.0
    xs = np.array([pos[d] for d in days], dtype=float) - shift
    m = s["mean_change"].to_numpy(dtype=float)
    ax.errorbar(xs, m, yerr=[m - s["mean_change_ci_low"].to_numpy(dtype=float),
                             s["mean_change_ci_high"].to_numpy(dtype=float) - m],
                fmt="o", color=NEUTRAL, capsize=3, label="Observed mean (paired t CI)")
    if lsmeans is not None:
        lm = lsmeans[lsmeans["day"].isin(days)].sort_values("day")
        xl = np.array([pos[d] for d in lm["day"]], dtype=float) + shift
        e = lm["estimate"].to_numpy(dtype=float)
        ax.errorbar(xl, e, yerr=[e - lm["ci_low"].to_numpy(dtype=float),
                                 lm["ci_high"].to_numpy(dtype=float) - e],
                    fmt="s", color=PALETTE["secondary"], capsize=3, label="MMRM LS mean (CI)")
    ax.axhline(0.0, color="black", linewidth=0.6)
    ax.set_xticks(np.arange(len(days)), [str(int(d)) for d in days])
    ax.set_xlabel("Day")
    ax.set_ylabel(label)
    ax.set_title("Mean " + label[0].lower() + label[1:].split(" (")[0])
    ax.legend(loc="lower left", frameon=False)
    return ax


def responder_curve_plot(
    curve: pd.DataFrame,
    *,
    threshold: str = "threshold",
    proportion: str = "proportion",
    marks: Sequence[float] = (),
    xlabel: str = "Improvement from baseline of at least",
    day: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative responder curve: the share of patients improved by at least c, for every c."""
    ax = _axes(ax)
    c = curve.sort_values(threshold)
    ax.step(c[threshold].to_numpy(dtype=float), c[proportion].to_numpy(dtype=float),
            where="post", color=NEUTRAL, linewidth=1.8)
    for mark in marks:
        ax.axvline(mark, color="black", linestyle="--", linewidth=0.8)
        ax.text(mark, 0.98, f"responder threshold {mark:g} ", rotation=90, fontsize=8,
                ha="right", va="top", transform=ax.get_xaxis_transform())
    ax.set_ylim(0, 1.02)
    ax.set_xlabel(xlabel)
    ax.set_ylabel("Proportion of patients")
    ax.set_title("Cumulative responder curve" + (f", day {day}" if day is not None else ""))
    return ax


# ------------------------------------------------------------------ design
#: Okabe-Ito colours (distinguishable with colour-vision deficiency), for design comparisons.
DESIGN_COLOURS = CATEGORICAL


def design_comparison_plot(
    designs: Any,
    *,
    ax: Axes | None = None,
) -> Axes:
    """Expected sample size against the true response rate for several designs.

    Each design is a curve of :math:`E(N)` over :math:`p` (its maximum ``n`` as a
    dotted line of the same colour), with p0 and p1 marked; the legend gives
    each design's exact type I error and power. Designs are given as a mapping of
    name to anything :func:`thera_stats.design_search.as_multistage` accepts.
    """
    from thera_stats.design_search import as_multistage

    ax = _axes(ax)
    items = [(str(name), as_multistage(d)) for name, d in designs.items()]
    p = np.linspace(0.0, 1.0, 201)
    first = items[0][1]
    for i, (name, d) in enumerate(items):
        colour = DESIGN_COLOURS[i % len(DESIGN_COLOURS)]
        oc = d.operating_characteristics(p)
        at = d.operating_characteristics([d.p0, d.p1])
        style = ("-", "--", "-.", ":")[(i // len(DESIGN_COLOURS) + i) % 4]
        ax.plot(p, oc.expected_n, color=colour, linestyle=style, linewidth=1.8,
                label=f"{name}: n max {d.n_max}, alpha {at.prob_go[0]:.3f}, "
                      f"power {at.prob_go[1]:.3f}")
        ax.axhline(d.n_max, color=colour, linestyle=":", linewidth=0.8)
    for value, label in ((first.p0, "p0"), (first.p1, "p1")):
        ax.axvline(value, color="0.5", linewidth=0.8)
        ax.text(value, 0.02, f" {label}", transform=ax.get_xaxis_transform(), fontsize=8,
                color="0.3")
    ax.set_xlim(0, 1)
    ax.set_ylim(0, None)
    ax.set_xlabel("True response rate")
    ax.set_ylabel("Expected sample size")
    ax.set_title("Designs compared: expected sample size (dotted: maximum n)")
    # Below the axes: with several designs a legend inside would hide the curves.
    ax.legend(loc="upper center", bbox_to_anchor=(0.5, -0.14), ncol=2 if len(items) > 3 else 1,
              frameon=False, fontsize=8)
    return ax


# ------------------------------------------------------------------ Bayesian monitoring
def posterior_plot(
    x: int,
    n: int,
    *,
    prior: Any,
    p0: float | None = None,
    p1: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Prior, likelihood and posterior density of a response rate after ``x`` of ``n``.

    The likelihood is drawn normalised (the Beta(x + 1, n - x + 1) density);
    with ``p0`` the posterior area above it is shaded and its probability,
    :func:`thera_stats.bayesian.posterior_probability`, is in the legend.
    """
    from scipy import stats

    from thera_stats.bayesian import as_beta_prior, posterior_probability

    a, b = as_beta_prior(prior)
    x, n = int(x), int(n)
    ax = _axes(ax)
    grid = np.linspace(0.0, 1.0, 501)
    with np.errstate(divide="ignore", invalid="ignore"):
        ax.plot(grid, stats.beta.pdf(grid, a, b), linestyle="--", color=MISSING_COLOUR,
                label=f"prior Beta({a:g}, {b:g})")
        ax.plot(grid, stats.beta.pdf(grid, x + 1, n - x + 1), linestyle=":", color=NEUTRAL,
                label=f"likelihood ({x} of {n}), normalised")
        post = stats.beta.pdf(grid, a + x, b + n - x)
    ax.plot(grid, post, color=RESPONDER_COLOUR, linewidth=1.8,
            label=f"posterior Beta({a + x:g}, {b + n - x:g})")
    if p0 is not None:
        prob = float(posterior_probability(x, n, p0, prior=(a, b)))
        ax.fill_between(grid, post, where=grid > p0, color=RESPONDER_COLOUR, alpha=0.2,
                        label=f"P(p > p0 | data) = {prob:.3f}")
    for value, name, style in ((p0, "p0", "-"), (p1, "p1", "--")):
        if value is not None:
            ax.axvline(value, color="black", linestyle=style, linewidth=0.8,
                       label=f"{name} = {value:g}")
    ax.set_xlim(0, 1)
    # A U-shaped prior is unbounded at 0 and 1: scale to the posterior, not to the prior.
    ax.set_ylim(0, 1.15 * float(np.nanmax(post[np.isfinite(post)])))
    ax.set_xlabel("Response rate")
    ax.set_ylabel("Density")
    ax.set_title(f"Posterior after {x} responses in {n} patients")
    ax.legend(frameon=False, fontsize=8)
    return ax


def predictive_plot(result: PredictiveProbability, *, ax: Axes | None = None) -> Axes:
    """The predictive distribution of the final number of responses (Lee & Liu).

    ``result`` is one :func:`thera_stats.bayesian.predictive_probability` at a
    single (x, n). Bars of final counts that would succeed are green, the others
    red; the dashed line sits below the smallest successful count.
    """
    if np.ndim(result.x) or np.ndim(result.n):
        raise ValueError("predictive_plot draws one (x, n); got arrays. Compute "
                         "predictive_probability at a single count.")
    dist = result.distribution()
    ax = _axes(ax)
    success = dist["success"].to_numpy(dtype=bool)
    ax.bar(dist["final"][success], dist["probability"][success], color=RESPONDER_COLOUR,
           width=0.8)
    ax.bar(dist["final"][~success], dist["probability"][~success], color=NON_RESPONDER_COLOUR,
           edgecolor="white", hatch=NON_RESPONDER_HATCH, linewidth=0.0, width=0.8)
    ax.axvline(result.success_count - 0.5, color="black", linestyle="--", linewidth=0.8)
    ax.text(result.success_count - 0.5, 0.98, f" success needs {result.success_count} or more",
            fontsize=8, va="top", ha="left", transform=ax.get_xaxis_transform())
    ax.set_title(f"{int(result.x)} of {int(result.n)} so far, N = {result.n_max}: predictive "
                 f"probability {float(result.probability):.3f}")
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Final number of responses")
    ax.set_ylabel("Predictive probability")
    ax.legend(handles=[Patch(color=RESPONDER_COLOUR, label="success at the end"),
                       Patch(facecolor=NON_RESPONDER_COLOUR, edgecolor="white",
                             hatch=NON_RESPONDER_HATCH, label="no success")],
              frameon=False, fontsize=8)
    return ax


def operating_characteristics_plot(
    design: SimonDesign,
    *,
    observed: float | None = None,
    decision: str | None = None,
    attained: tuple[int, int, int, int] | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Probability of "go" and of early stopping against the true response rate.

    Parameters
    ----------
    design : SimonDesign
        The planned design; p0 and p1 are marked with its exact alpha and power.
    observed : float, optional
        An observed response rate to mark, with the ``decision`` in the legend.
    attained : (r1, n1, r, n), optional
        The rule applied to attained stage sizes when the trial ended off plan;
        its probability of "go" is drawn too, since that rule made the decision.
    """
    from thera_stats.simon import prob_go

    ax = _axes(ax)
    p = np.linspace(0.0, 1.0, 201)
    oc = design.operating_characteristics(p)
    ax.plot(p, np.asarray(oc.prob_go, dtype=float), color=PALETTE["planned"], linewidth=2,
            label=f'P("go"), planned {design.r1}/{design.n1}, {design.r}/{design.n}')
    ax.plot(p, np.asarray(oc.pet, dtype=float), color=PALETTE["no_go"], linewidth=1.5,
            linestyle="--", label="P(stop after stage 1), planned")
    if attained is not None:
        r1a, n1a, ra, na = attained
        ax.plot(p, np.asarray(prob_go(r1a, n1a, ra, na, p), dtype=float),
                color=PALETTE["applied"],
                linewidth=2, linestyle="-.",
                label=f'P("go"), attained {max(r1a, -1)}/{n1a}, {ra}/{na}')
    return _oc_frame(ax, (design.p0, design.p1), (design.actual_alpha, design.actual_power),
                     observed, decision, "Operating characteristics of the two-stage design")


def _oc_frame(ax: Axes, rates: tuple[float, float], errors: tuple[float, float],
              observed: float | None, decision: str | None, title: str) -> Axes:
    """The common frame of the operating-characteristics figures: p0 and p1 with the exact
    alpha and power, the observed rate, axes, title and legend."""
    (p0, p1), (alpha, power) = rates, errors
    ax.axvline(p0, color="0.5", linewidth=0.8, linestyle=":",
               label=f"p0 = {p0:g} (alpha {alpha:.3f})")
    ax.axvline(p1, color="0.3", linewidth=0.8, linestyle=":",
               label=f"p1 = {p1:g} (power {power:.3f})")
    if observed is not None:
        ax.axvline(observed, color=NEUTRAL, linewidth=1.5,
                   label=f"observed {observed:.2f}" + (f": {decision}" if decision else ""))
    _label_vlines(ax, {"p0": p0, "p1": p1})
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    ax.set_xlabel("True response rate")
    ax.set_ylabel("Probability")
    ax.set_title(title)
    ax.legend(loc="center right", frameon=False, fontsize=8)
    return ax


def _label_vlines(ax: Axes, lines: Mapping[str, float]) -> None:
    """Name vertical reference lines at the foot of the axes (the legend gives their values)."""
    for name, x in lines.items():
        ax.text(x, 0.02, f" {name}", transform=ax.get_xaxis_transform(), fontsize=8,
                color="0.2", ha="left", va="bottom")


def multistage_oc_plot(
    design: MultiStageDesign,
    *,
    applied: MultiStageDesign | None = None,
    observed: float | None = None,
    decision: str | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Probability of "go", of an early stop and (three outcomes) of "inconclusive"
    against the true response rate, for any design of the engine.

    ``applied`` is the rule actually applied when the trial ended off plan
    (:meth:`MultiStageDesign.at_sizes`); its P("go") is drawn too.
    """
    ax = _axes(ax)
    p = np.linspace(0.0, 1.0, 201)
    oc = design.operating_characteristics(p)
    at = design.operating_characteristics([design.p0, design.p1])
    sizes = ", ".join(map(str, design.sizes))
    ax.plot(p, oc.prob_go, color=PALETTE["planned"], linewidth=2,
            label=f'P("go"), planned ({"n = " if design.n_looks == 1 else "looks at "}{sizes})')
    if design.n_looks > 1:
        ax.plot(p, oc.prob_early_stop, color=PALETTE["no_go"], linewidth=1.5, linestyle="--",
                label="P(stop before the last look), planned")
    if design.three_outcome:
        ax.plot(p, oc.prob_inconclusive, color=MISSING_COLOUR, linewidth=1.5, linestyle=":",
                label="P(inconclusive), planned")
    if applied is not None and applied != design:
        ax.plot(p, applied.operating_characteristics(p).prob_go, color=PALETTE["applied"],
                linewidth=2,
                linestyle="-.",
                label=f'P("go"), rule applied ({"n = " if applied.n_looks == 1 else "looks at "}'
                      f'{", ".join(map(str, applied.sizes))})')
    return _oc_frame(ax, (design.p0, design.p1), (float(at.prob_go[0]), float(at.prob_go[1])),
                     observed, decision,
                     "Operating characteristics of the single-stage design" if design.n_looks == 1
                     else f"Operating characteristics of the {design.n_looks}-look design")


def multistage_path_plot(
    design: MultiStageDesign,
    cumulative: Sequence[int],
    *,
    applied: MultiStageDesign | None = None,
    stop: int | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative responders against patients with a multi-stage design's bounds.

    Futility bounds are drawn as downward triangles (stop if at or below), efficacy
    and final "go" bounds as upward triangles (more than the bound); ``applied`` adds
    the bounds of the rule applied off plan. ``stop`` is the number of patients at
    which the rule ended the trial; later patients are drawn as not counted.
    """
    ax = _axes(ax)
    cum = np.asarray(cumulative, dtype=int)
    k = np.arange(1, len(cum) + 1)
    shown = len(cum) if stop is None else min(len(cum), stop)
    ax.step(np.r_[0, k[:shown]], np.r_[0, cum[:shown]], where="post", color=NEUTRAL,
            linewidth=2, label="Observed responders")
    if shown < len(cum):
        ax.step(k[shown - 1:], cum[shown - 1:], where="post", color="0.7", linewidth=1.2,
                linestyle="--", label="After the stop (not counted)")

    def marks(d: MultiStageDesign) -> tuple[set[tuple[int, int]], set[tuple[int, int]]]:
        """(futility, go) marks: (n, bound). The final look's shared bound is a "go" mark;
        a three-outcome design's final "no go" bound is a futility mark."""
        last = d.n_looks - 1
        fut = {(n, a) for i, (n, a) in enumerate(zip(d.sizes, d.futility, strict=True))
               if a >= 0 and (i < last or d.three_outcome)}
        go = {(n, e) for n, e in zip(d.sizes[:-1], d.efficacy, strict=False) if e < n}
        go.add((d.n_max, d.final_go))
        return fut, go

    def draw(fut: set[tuple[int, int]], go: set[tuple[int, int]], colours: tuple[str, str],
             what: str) -> None:
        for points, marker, colour, text in ((fut, "v", colours[0], "stop (no go) if at or below"),
                                             (go, "^", colours[1], '"go" if above')):
            if points:
                xs, ys = zip(*sorted(points), strict=True)
                ax.plot(xs, [y + 0.5 for y in ys], marker=marker, color=colour, markersize=8,
                        linestyle="none", label=f"{what}: {text}")

    planned = marks(design)
    draw(*planned, (NON_RESPONDER_COLOUR, RESPONDER_COLOUR), "Planned")
    if applied is not None and applied != design:
        # Only the bounds the off-plan rule changed (the others are the plan's).
        fut, go = marks(applied)
        draw(fut - planned[0], go - planned[1], (PALETTE["applied"], PALETTE["applied"]),
             "Rule applied")
    for n in design.sizes[:-1]:
        ax.axvline(n, color="0.6", linewidth=0.8, linestyle=":")
    ax.set_xlim(0, max(design.n_max, len(cum)) + 1)
    ax.set_ylim(0, max(design.final_go + 2, int(np.max(cum, initial=0)) + 2))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Patients enrolled")
    ax.set_ylabel("Cumulative responders")
    ax.set_title("Design bounds and the observed path")
    ax.legend(loc="upper left", frameon=False, fontsize=8)
    return ax


def two_stage_path_plot(
    design: SimonDesign,
    cumulative: Sequence[int],
    *,
    final_boundary: int | None = None,
    stopped: bool = False,
    ax: Axes | None = None,
) -> Axes:
    """Cumulative responders against patients, with the design's boundaries.

    Parameters
    ----------
    cumulative : sequence of int
        Cumulative responders after each patient, in enrolment order.
    final_boundary : int, optional
        The final boundary used for the attained sample size (when the trial
        ended off plan); "go" needs more responders than this.
    stopped : bool
        The trial stopped for futility after stage 1: no stage-2 boundary is
        drawn, and patients beyond stage 1 are shown as not counted.
    """
    ax = _axes(ax)
    k = np.arange(1, len(cumulative) + 1)
    cum = np.asarray(cumulative)
    shown = min(len(cum), design.n1) if stopped else len(cum)
    ax.step(np.r_[0, k[:shown]], np.r_[0, cum[:shown]], where="post", color=NEUTRAL,
            linewidth=2, label="Observed responders")
    if stopped and len(cum) > shown:
        ax.step(k[shown - 1:], cum[shown - 1:], where="post", color="0.7", linewidth=1.2,
                linestyle="--", label="After the futility stop (not counted)")
    ax.plot([design.n1], [design.r1 + 0.5], marker="v", color=NON_RESPONDER_COLOUR,
            markersize=9, linestyle="none",
            label=f"Stage 1: stop if <= {design.r1} of {design.n1}")
    ax.plot([design.n], [design.r + 0.5], marker="^", color=RESPONDER_COLOUR, markersize=9,
            linestyle="none", label=f'Planned: "go" if > {design.r} of {design.n}')
    if final_boundary is not None and len(cumulative) != design.n and not stopped:
        ax.plot([len(cumulative)], [final_boundary + 0.5], marker="^",
                color=PALETTE["applied"],
                markersize=9, linestyle="none",
                label=f'Attained: "go" if > {final_boundary} of {len(cumulative)}')
    ax.axvline(design.n1, color="0.6", linewidth=0.8, linestyle=":")
    ax.set_xlim(0, max(design.n, len(cumulative)) + 1)
    ax.set_ylim(0, max(design.r + 2, int(np.max(cumulative, initial=0)) + 2))
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))
    ax.yaxis.set_major_locator(MaxNLocator(integer=True))
    ax.set_xlabel("Patients enrolled")
    ax.set_ylabel("Cumulative responders")
    ax.set_title("Two-stage boundaries and the observed path")
    ax.legend(loc="upper left", frameon=False)
    return ax


# ------------------------------------------------------------------ intervals
def interval_methods_plot(
    intervals: pd.DataFrame,
    *,
    estimate: float | None = None,
    p0: float | None = None,
    ax: Axes | None = None,
) -> Axes:
    """Confidence intervals of the response rate by method (one row per method)."""
    ax = _axes(ax)
    d = intervals.reset_index(drop=True)
    y = np.arange(len(d))[::-1]
    ax.hlines(y, d["low"].to_numpy(dtype=float), d["high"].to_numpy(dtype=float),
              color=NEUTRAL, linewidth=2.5)
    ax.plot(d["low"], y, "|", color=NEUTRAL, markersize=10)
    ax.plot(d["high"], y, "|", color=NEUTRAL, markersize=10)
    if estimate is not None:
        ax.axvline(estimate, color="black", linewidth=0.8, label=f"x/n = {estimate:.3f}")
    if p0 is not None:
        ax.axvline(p0, color=NON_RESPONDER_COLOUR, linestyle="--", linewidth=0.8,
                   label=f"p0 = {p0:g}")
    ax.set_yticks(y, d["method"].astype(str).tolist())
    ax.set_xlim(0, 1)
    ax.set_xlabel("Response rate")
    level = ""
    if "confidence_level" in d.columns and len(d):
        level = f"{100 * float(d['confidence_level'].iloc[0]):g} % "
    ax.set_title(f"{level}Confidence intervals of the response rate by method".capitalize())
    if estimate is not None or p0 is not None:
        ax.legend(loc="lower right", frameon=False)
    return ax


def coverage_plot(
    coverage: pd.DataFrame,
    *,
    confidence_level: float,
    ax: Axes | None = None,
) -> Axes:
    """Exact coverage probability of interval methods against the true p.

    ``coverage`` is long: ``method, p, coverage``.
    """
    ax = _axes(ax)
    for i, (method, g) in enumerate(coverage.groupby("method", sort=False)):
        ax.plot(g["p"].to_numpy(dtype=float), g["coverage"].to_numpy(dtype=float),
                linewidth=1.0, label=str(method), color=CATEGORICAL[i % len(CATEGORICAL)],
                linestyle=("-", "--", "-.", ":")[i % 4])
    ax.axhline(confidence_level, color="black", linestyle="--", linewidth=1.2,
               label=f"nominal {100 * confidence_level:g} %")
    ax.set_xlim(0, 1)
    ax.set_ylim(max(0.0, confidence_level - 0.25), 1.0)
    ax.set_xlabel("True response rate p")
    ax.set_ylabel("Exact coverage probability")
    ax.set_title(f"Exact coverage of {100 * confidence_level:g} % intervals")
    ax.legend(loc="lower center", ncols=3, frameon=False, fontsize=8)
    return ax


# ------------------------------------------------------------------ sensitivity
def _tint(colour: str, share: float) -> str:
    """``colour`` mixed with white (``share`` of the colour kept)."""
    r, g, b = (share * c + (1.0 - share) for c in mpl.colors.to_rgb(colour))
    return str(mpl.colors.to_hex((r, g, b)))


_DECISION_FILL = {"go": _tint(PALETTE["go"], 0.35), "no go": _tint(PALETTE["no_go"], 0.35)}
_OTHER_FILL = _tint(GREY, 0.35)
_DECISION_LINE = {"go": PALETTE["go"], "no go": PALETTE["no_go"]}
_SHORT_ACTION = {"stop for futility": "futility\nstop", "stop for efficacy": "efficacy\nstop",
                 "continue to stage 2": "continue", "inconclusive": "incon-\nclusive"}


def _decision_class(action: str) -> str:
    if action in ("go", "stop for efficacy"):
        return "go"
    if action in ("no go", "stop for futility"):
        return "no go"
    return "other"


def _sensitivity_grid(result: SensitivityResult, ax: Axes) -> Axes:
    """Heat map of the decision at each (relative, absolute) responder threshold."""
    g = result.grid
    rels = sorted(g["relative"].dropna().unique().tolist()) or [np.nan]
    abss = sorted(g["absolute"].dropna().unique().tolist()) or [np.nan]

    def where(values: list[float], v: float) -> int:
        return 0 if np.isnan(v) else values.index(v)

    fill = np.zeros((len(abss), len(rels), 3))
    for rec in g.itertuples(index=False):
        i, j = where(abss, rec.absolute), where(rels, rec.relative)
        colour = _DECISION_FILL.get(_decision_class(rec.decision), _OTHER_FILL)
        fill[i, j] = mpl.colors.to_rgb(colour)
        text = f"{rec.responders}/{rec.n}\n{_SHORT_ACTION.get(rec.decision, rec.decision)}"
        ax.text(j, i, text, ha="center", va="center", fontsize=7.5, linespacing=1.3)
    ax.imshow(fill, origin="lower", aspect="auto")
    ax.set_xticks(range(len(rels)), ["not used" if np.isnan(r) else f"{100 * r:g} %"
                                     for r in rels])
    unit = f" {result.unit}" if result.unit else ""
    ax.set_yticks(range(len(abss)), ["not used" if np.isnan(a) else f"{a:g}{unit}"
                                     for a in abss])
    ax.set_xticks(np.arange(len(rels) + 1) - 0.5, minor=True)
    ax.set_yticks(np.arange(len(abss) + 1) - 0.5, minor=True)
    ax.grid(which="minor", color="white", linewidth=1.5)
    ax.tick_params(which="minor", length=0)
    for side in ("top", "right", "bottom", "left"):
        ax.spines[side].set_visible(False)
    name = result.label or "the score"
    ax.set_xlabel(f"Relative improvement in {name} of at least")
    ax.set_ylabel(f"Absolute improvement of at least ({result.combine})")
    plan_rel, plan_abs = result.plan_thresholds
    prel = np.nan if plan_rel is None else plan_rel
    pabs = np.nan if plan_abs is None else plan_abs
    if (np.isnan(prel) or prel in rels) and (np.isnan(pabs) or pabs in abss):
        from matplotlib.patches import Rectangle

        ax.add_patch(Rectangle((where(rels, prel) - 0.5, where(abss, pabs) - 0.5), 1, 1,
                               fill=False, edgecolor="black", linewidth=2.2))
    ax.set_title("Responder definition: decision at each threshold\n"
                 "(responders / n; plan's definition outlined)")
    return ax


def _sensitivity_forest(result: SensitivityResult, ax: Axes) -> Axes:
    """Estimates and design-adjusted intervals of the missing-data and population rows."""
    t = result.table
    d = t[(t["analysis"] != "responder definition") & (t["n"] > 0)].reset_index(drop=True)
    y = np.arange(len(d))[::-1].astype(float)
    for yi, rec in zip(y, d.itertuples(index=False), strict=True):
        colour = _DECISION_LINE.get(_decision_class(rec.decision), MISSING_COLOUR)
        if not np.isnan(rec.ci_low):
            ax.hlines(yi, rec.ci_low, rec.ci_high, color=colour, linewidth=2.2)
        ax.plot([rec.estimate], [yi], marker="D" if rec.plan else "o", color=colour,
                markersize=8 if rec.plan else 6, markeredgecolor="black" if rec.plan else colour,
                linestyle="none")
        ax.text(1.02, yi, f"{rec.responders}/{rec.n}  {rec.decision}", va="center",
                fontsize=8, transform=ax.get_yaxis_transform(), clip_on=False)
    groups = d["analysis"].tolist()
    for k in range(1, len(d)):
        if groups[k] != groups[k - 1]:
            ax.axhline(y[k] + 0.5, color="0.8", linewidth=0.8)
    ax.axvline(result.p0, color="black", linestyle="--", linewidth=0.8,
               label=f"p0 = {result.p0:g}")
    ax.set_yticks(y, d["scenario"].astype(str).tolist(), fontsize=8)
    ax.set_ylim(-0.6, len(d) - 0.4)
    ax.set_xlim(0, 1)
    ax.set_xlabel(f"Response rate: estimate and {100 * result.confidence_level:g} % "
                  "design-adjusted interval")
    tp = result.tipping_point
    word = "patient" if tp.n_missing == 1 else "patients"
    if tp.n_changed is None:
        tip = f"none ({tp.n_missing} missing {word})"
    else:
        how = ", ".join(f"{k} {'excluded' if s == 'exclude' else 'as ' + s}"
                        + ("s" if k > 1 and s != "exclude" else "")
                        for s, k in tp.changes.items())
        tip = (f"{tp.n_changed} of {tp.n_missing} missing ({how}) would give "
               f"'{tp.changed_decision}'")
    ax.set_title(f"Missing data and analysis population\n(tipping point: {tip})")
    handles = [Line2D([], [], color=RESPONDER_COLOUR, marker="o", label="go"),
               Line2D([], [], color=NON_RESPONDER_COLOUR, marker="o", label="no go / stop"),
               Line2D([], [], color="black", marker="D", linestyle="none",
                      label="plan's analysis"),
               Line2D([], [], color="black", linestyle="--", label=f"p0 = {result.p0:g}")]
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, -0.13), ncols=4,
              frameon=False, fontsize=8)
    return ax


def sensitivity_plot(
    result: SensitivityResult,
    *,
    axes: Sequence[Axes] | None = None,
) -> tuple[Axes, ...]:
    """The sensitivity of the go/no-go decision: threshold heat map and forest panel.

    Parameters
    ----------
    result : SensitivityResult
        From :func:`thera_stats.sensitivity.endpoint_sensitivity`.
    axes : sequence of Axes, optional
        Where to draw: two axes (heat map, forest) for a score endpoint, one
        (forest) for a binary endpoint, whose grid is empty. A new figure by default.

    Returns
    -------
    tuple of Axes
        ``(heat map, forest)``, or ``(forest,)`` without a threshold grid.

    Notes
    -----
    The heat map colours each responder definition by the decision the design's
    rule gives at the attained sizes (green "go", red "no go" or a futility
    stop, grey otherwise) and writes responders / n in each cell; the plan's
    definition is outlined. The forest panel shows, for each missing-data
    and population scenario, the design-adjusted estimate and interval (the
    plan's own analysis as a diamond) against p0.
    """
    has_grid = len(result.grid) > 0
    if axes is None:
        with mpl.rc_context(STYLE):
            if has_grid:
                fig, pair = plt.subplots(1, 2, figsize=(13.5, 5.6),
                                         gridspec_kw={"width_ratios": [1.0, 1.1]})
                axes = list(pair)
            else:
                fig, one = plt.subplots(figsize=(8.0, 5.0))
                axes = [one]
            fig.suptitle(f"{result.trial_name}: sensitivity of the go/no-go decision",
                         fontsize=12)
            interactive = mpl.is_interactive()  # as in _axes
        mpl.interactive(interactive)
    need = 2 if has_grid else 1
    if len(axes) != need:
        raise ValueError(f"`axes` has {len(axes)} axes; this result needs {need} "
                         f"({'heat map and forest' if has_grid else 'forest only'}).")
    if has_grid:
        return _sensitivity_grid(result, axes[0]), _sensitivity_forest(result, axes[1])
    return (_sensitivity_forest(result, axes[0]),)


# ------------------------------------------------------------------ patient flow
def _flow_counts(a: GoNoGoAnalysis) -> dict[str, Any]:
    """Counts of the flow diagram, from the analysis and its trial."""
    from thera_stats.tables import disposition_counts

    c = dict(disposition_counts(a.trial))
    ep = a.endpoint
    stages = []
    for stage, g in ep.groupby("stage", sort=True):
        stages.append({"stage": int(stage), "n": len(g),
                       "responders": int(g["responder"].astype(bool).sum()),
                       "missing": int(g["missing"].astype(bool).sum())})
    c.update(analysed=int(a.n_total), missing_analysed=int(ep["missing"].astype(bool).sum()),
             stages=stages, population=a.plan.population, action=a.decision.action)
    return c


def flow_diagram(trial_or_analysis: Any, *, ax: Axes | None = None) -> Axes:
    """CONSORT-style patient flow: enrolled, treated, withdrawn, assessed, analysed, by stage.

    Parameters
    ----------
    trial_or_analysis : GoNoGoAnalysis or Trial
        An analysis from :func:`thera_stats.analyze`, or a trial (which is analysed).
    ax : Axes, optional
        Where to draw; a new figure by default.

    Returns
    -------
    Axes
        The axes, with the boxes as text artists (axis lines hidden).

    Notes
    -----
    The main column follows the patients enrolled, treated (at least one dose),
    assessed on the primary endpoint day and analysed; the side boxes give those
    not treated, those withdrawn (with their reasons) and those without the
    primary assessment (counted as non-responders). The last row splits the
    analysed patients by stage with their responders. Counts the data cannot
    tell (no treatment section in the plan, no withdrawal column) are left out.
    See Schulz, Altman & Moher (2010), CONSORT 2010 statement,
    https://doi.org/10.1136/bmj.c332.
    """
    a = trial_or_analysis
    if not hasattr(a, "endpoint") or not hasattr(a, "trial"):
        from thera_stats.analysis import analyze

        a = analyze(a)
    c = _flow_counts(a)
    plan = a.plan
    ax = _axes(ax, figsize=(8.0, 6.4))
    ax.set_axis_off()
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1)
    box = {"boxstyle": "square,pad=0.6", "facecolor": "white", "edgecolor": "black",
           "linewidth": 0.9}
    side_box = {**box, "facecolor": _tint(GREY, 0.15)}
    n = c["enrolled"]

    def put(x: float, y: float, text: str, style: dict[str, Any]) -> Any:
        return ax.text(x, y, text, ha="center", va="center", fontsize=9, bbox=style,
                       linespacing=1.4, wrap=False)

    def arrow(start: Any, end: Any) -> None:
        ax.annotate("", xy=(0.5, 0.5), xycoords=end, xytext=(0.5, 0.5), textcoords=start,
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.9,
                                "shrinkA": 0, "shrinkB": 0,
                                "patchA": start.get_bbox_patch(),
                                "patchB": end.get_bbox_patch()})

    def branch(upper: Any, y: float, side: Any) -> None:
        # From the trunk between two main boxes, across to a side box.
        ax.annotate("", xy=(0.5, 0.5), xycoords=side, xytext=(x_main, y),
                    textcoords="data",
                    arrowprops={"arrowstyle": "-|>", "color": "black", "linewidth": 0.9,
                                "shrinkA": 0, "shrinkB": 0,
                                "patchB": side.get_bbox_patch()})

    x_main, x_side = 0.32, 0.76
    main: list[tuple[str, Any]] = [("enrolled", f"Enrolled\nn = {n}")]
    sides: list[tuple[str, str]] = []
    if c["treated"] is not None:
        main.append(("treated", f"Treated (at least one dose)\nn = {c['treated']}"))
        sides.append(("enrolled", f"Not treated\nn = {n - c['treated']}"))
    if c["assessed_primary_day"] is not None:
        what = (f"Assessed on day {c['primary_day']}" if plan.is_score
                else "Primary response recorded")
        main.append(("assessed", f"{what}\nn = {c['assessed_primary_day']}"))
        lines = [f"Withdrawn\nn = {c['withdrawn']}"] if c["withdrawn"] is not None else []
        lines.extend(f"  {reason}: {k}" for reason, k in c["withdrawal_reasons"].items())
        not_assessed = n - c["assessed_primary_day"]
        lines.append(f"Not assessed on day {c['primary_day']}: {not_assessed}"
                     if plan.is_score else f"Response not recorded: {not_assessed}")
        sides.append((main[-2][0], "\n".join(lines)))
    elif c["withdrawn"] is not None:
        lines = [f"Withdrawn\nn = {c['withdrawn']}"]
        lines.extend(f"  {reason}: {k}" for reason, k in c["withdrawal_reasons"].items())
        sides.append((main[-1][0], "\n".join(lines)))
    main.append(("analysed", f"Analysed ({c['population']} population)\nn = {c['analysed']}"))
    notes = []
    if n - c["analysed"]:
        notes.append(f"Not in the {c['population']} population: {n - c['analysed']}")
    if c["missing_analysed"]:
        notes.append(f"Missing primary assessment,\ncounted as non-responder: "
                     f"{c['missing_analysed']}")
    if notes:
        sides.append((main[-2][0], "\n".join(notes)) if n - c["analysed"] else
                     ("analysed", "\n".join(notes)))

    stages = c["stages"]
    top, bottom = 0.94, 0.26
    ys = np.linspace(top, bottom, len(main)) if len(main) > 1 else np.array([top])
    boxes = {key: put(x_main, float(y), text, box) for (key, text), y in
             zip(main, ys, strict=True)}
    keys = [key for key, _ in main]
    for k in range(1, len(main)):
        arrow(boxes[keys[k - 1]], boxes[keys[k]])
    for after, text in sides:
        i = keys.index(after)
        # Between this box and the next, or beside the last box.
        y = float(0.5 * (ys[i] + ys[i + 1])) if i + 1 < len(keys) else float(ys[i])
        side = ax.text(x_side, y, text, ha="center", va="center", fontsize=8.5, bbox=side_box,
                       linespacing=1.35, multialignment="left")
        if i + 1 < len(keys):
            branch(boxes[after], y, side)
        else:
            arrow(boxes[after], side)
    if len(stages) > 0:
        half = min(0.2, 0.12 * (len(stages) - 1))
        xs = np.linspace(x_main - half, x_main + half, len(stages))
        for xs_i, st in zip(xs, stages, strict=True):
            text = (f"Stage {st['stage']}\nn = {st['n']}\n"
                    f"responders: {st['responders']}")
            if st["missing"]:
                text += f"\n(missing: {st['missing']})"
            stage_box = put(float(xs_i), 0.07, text, box)
            arrow(boxes["analysed"], stage_box)
    ax.set_title(f"{plan.name}: patient flow (decision: {c['action']})")
    return ax


# ------------------------------------------------------------------ files
def save_figure(
    fig: Figure,
    stem: str | Path,
    *,
    provenance: Mapping[str, Any] | None = None,
    formats: Sequence[str] = ("png", "pdf"),
) -> list[Path]:
    """Write ``stem.png`` and ``stem.pdf`` with fixed metadata and no timestamps.

    ``provenance`` (package version, plan, input hashes) is stored as JSON in
    the PNG ``Description`` text chunk and the PDF ``Subject`` field.
    """
    stem = Path(stem)
    note = json.dumps(dict(provenance or {}), sort_keys=True, separators=(",", ":"))
    paths = []
    for fmt in formats:
        path = stem.with_suffix(f".{fmt}")
        if fmt == "png":
            meta: dict[str, Any] = {"Software": None, "Description": note}
        elif fmt == "pdf":
            meta = {"Creator": None, "Producer": None, "CreationDate": None, "Subject": note}
        else:
            raise ValueError(f"`formats` entry ({fmt!r}) must be 'png' or 'pdf'.")
        with mpl.rc_context(STYLE):
            fig.savefig(path, format=fmt, metadata=meta, dpi=SAVE_DPI)
        paths.append(path)
    return paths


# ------------------------------------------------------------------ the report's figures
COVERAGE_METHODS = ("clopper-pearson", "mid-p", "blaker", "wilson", "jeffreys", "wald")


def report_figures(analysis: GoNoGoAnalysis) -> dict[str, Figure]:
    """Every figure of the phase II report, keyed by file stem."""
    from thera_stats.binomial import compare_intervals, interval_coverage

    a = analysis
    plan = a.plan
    lvl = a.confidence_level
    figs: dict[str, Figure] = {}

    ep = plan.endpoint
    if plan.is_score:
        unit = f" ({ep.unit})" if ep.unit else ""
        sign = -1.0 if ep.better == "lower" else 1.0
        ax = waterfall_plot(a.endpoint, day=ep.day, label=ep.name,
                            threshold=None if ep.relative_change is None
                            else sign * 100 * ep.relative_change)
        figs["waterfall"] = ax.figure  # type: ignore[assignment]

        ax = score_trajectories_plot(
            a.score_table, a.score_summary, subject="patient_id", day="day", value=ep.column,
            label=f"{ep.name[0].upper()}{ep.name[1:]}{unit}", value_range=ep.range)
        figs["score_trajectories"] = ax.figure  # type: ignore[assignment]

        ax = mean_change_plot(a.change_summary, a.lsmeans, baseline_day=plan.baseline_day,
                              label=f"Change in {ep.name} from baseline{unit}")
        figs["mean_change"] = ax.figure  # type: ignore[assignment]

        marks = [] if ep.absolute_change is None else [ep.absolute_change]
        ax = responder_curve_plot(a.responder_curve, marks=marks, day=ep.day,
                                  xlabel=f"Improvement in {ep.name} from baseline of at "
                                  f"least{unit}")
        figs["responder_curve"] = ax.figure  # type: ignore[assignment]

    if plan.design.type == "simon":
        design = plan.design.to_simon()
        dec = a.decision
        attained = None if dec.on_plan or dec.r_used is None else (
            dec.r1_used, dec.n_stage1, dec.r_used, dec.n_total)
        stopped = dec.action == "stop for futility"
        ax = operating_characteristics_plot(
            design, observed=(a.responses_stage1 / a.n_stage1 if stopped
                              else a.responses_total / a.n_total),
            decision=dec.action, attained=attained)
        figs["operating_characteristics"] = ax.figure  # type: ignore[assignment]
        cumulative = np.cumsum(a.endpoint.sort_values("order")["responder"].to_numpy(dtype=int))
        ax = two_stage_path_plot(design, cumulative.tolist(), final_boundary=dec.r_used,
                                 stopped=stopped)
        figs["two_stage_path"] = ax.figure  # type: ignore[assignment]

    elif plan.design.type == "single-stage":
        from thera_stats.multistage import MultiStageDesign

        dec = a.decision
        r_used = getattr(dec, "r_used", None)
        applied_1 = (MultiStageDesign(plan.design.p0, plan.design.p1, [a.n_total], [r_used])
                     if r_used is not None and a.n_total != plan.design.n else None)
        ax = multistage_oc_plot(plan.design.to_multistage(), applied=applied_1,
                                observed=a.responses_total / a.n_total if a.n_total else None,
                                decision=dec.action)
        figs["operating_characteristics"] = ax.figure  # type: ignore[assignment]
    elif plan.design.type == "multistage":
        design_ms = plan.design.to_multistage()
        dec = a.decision
        applied = getattr(dec, "design", None)
        stop_n = None if dec.action == "continue" else dec.n
        ax = multistage_oc_plot(design_ms, applied=applied,
                                observed=dec.responses / dec.n, decision=dec.action)
        figs["operating_characteristics"] = ax.figure  # type: ignore[assignment]
        cumulative = np.cumsum(a.endpoint.sort_values("order")["responder"].to_numpy(dtype=int))
        ax = multistage_path_plot(design_ms, cumulative.tolist(), applied=applied, stop=stop_n)
        figs["two_stage_path"] = ax.figure  # type: ignore[assignment]

    ci = compare_intervals(a.responses_total, a.n_total, confidence_level=lvl)
    ax = interval_methods_plot(ci, estimate=a.responses_total / a.n_total, p0=plan.design.p0)
    figs["interval_methods"] = ax.figure  # type: ignore[assignment]

    p = np.linspace(0.001, 0.999, 999)
    long = pd.concat([
        pd.DataFrame({"method": m, "p": p,
                      "coverage": interval_coverage(a.n_total, p, method=m,
                                                    confidence_level=lvl).coverage})
        for m in COVERAGE_METHODS
    ])
    ax = coverage_plot(long, confidence_level=lvl)
    ax.set_title(f"Exact coverage of {100 * lvl:g} % intervals, n = {a.n_total}")
    figs["interval_coverage"] = ax.figure  # type: ignore[assignment]

    from thera_stats.sensitivity import endpoint_sensitivity

    figs["sensitivity"] = sensitivity_plot(endpoint_sensitivity(a.trial))[0].figure  # type: ignore[assignment]
    figs["flow"] = flow_diagram(a).figure  # type: ignore[assignment]
    for fig in figs.values():
        fig.tight_layout()
    return figs


REPORT_FIGURES = ("waterfall", "score_trajectories", "mean_change", "responder_curve",
                  "operating_characteristics", "two_stage_path", "interval_methods",
                  "interval_coverage", "sensitivity", "flow")


def use_file_backend() -> None:
    """Draw without a screen (Agg): for command-line and batch runs that only save files."""
    plt.switch_backend("Agg")


def write_figures(
    analysis: GoNoGoAnalysis, folder: str | Path, *, overwrite: bool = False
) -> list[Path]:
    """Write every report figure as PNG and PDF into ``folder``; returns the paths.

    The same analysis gives byte-identical files. Refuses to write into the
    trial's own data folder, and over earlier figures unless ``overwrite``.
    """
    from thera_stats.data import check_output_folder

    names = [f"{stem}.{ext}" for stem in REPORT_FIGURES for ext in ("png", "pdf")]
    # The figures a binary endpoint or a single-stage design lack are simply absent.
    folder = check_output_folder(folder, analysis.trial.source, names, overwrite=overwrite)
    for name in names:  # no figure of an earlier run survives next to the new ones
        (folder / name).unlink(missing_ok=True)
    folder.mkdir(parents=True, exist_ok=True)
    paths: list[Path] = []
    with mpl.rc_context(STYLE):
        figs = report_figures(analysis)
    for stem, fig in figs.items():
        paths.extend(save_figure(fig, folder / stem, provenance=analysis.provenance))
        plt.close(fig)
    return paths


def report_pngs(analysis: GoNoGoAnalysis) -> dict[str, bytes]:
    """Every report figure as PNG bytes, byte for byte the files ``thera-stats figures`` writes.

    For documents that embed the images (the HTML report): the figures of
    :func:`report_figures` drawn in :data:`STYLE` and saved by :func:`save_figure`
    with the analysis's provenance, then closed.
    """
    import tempfile

    with mpl.rc_context(STYLE):
        figs = report_figures(analysis)
    out: dict[str, bytes] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name, fig in figs.items():
            (path,) = save_figure(fig, Path(tmp) / name, provenance=analysis.provenance,
                                  formats=("png",))
            out[name] = path.read_bytes()
            plt.close(fig)
    return out
