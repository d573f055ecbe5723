"""The phase II report: the report notebook executed and exported as one self-contained
HTML file, and printed to PDF.

Needs the ``report`` extra (nbformat, nbclient, nbconvert, ipykernel):
``pip install 'thera-stats[report]'``; the PDF also needs a Chromium-based browser
(Debian/Ubuntu: ``apt-get install chromium``).

The notebook (``notebooks/final_report.ipynb``) lays out the sections; this module
gives it the pieces that make the page a report rather than a notebook: the header,
numbered and captioned figures with alt text, numbered tables, the provenance table,
and, after execution, the table of contents, the page's own style sheet (screen and
A4 print) and a check that nothing is loaded from outside the file.
"""

from __future__ import annotations

import base64
import dataclasses
import datetime as _dt
import html
import os
import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable, Mapping
from html.parser import HTMLParser
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thera_stats.errors import TheraStatsError, one_line
from thera_stats.formatting import format_count

if TYPE_CHECKING:
    from thera_stats.analysis import GoNoGoAnalysis
    from thera_stats.plan import AnalysisPlan
    from thera_stats.tables import Table

__all__ = [
    "BROWSERS",
    "FIGURE_TEXT",
    "ReportItems",
    "deviations_table",
    "external_resources",
    "figure_text",
    "find_browser",
    "header_html",
    "interval_methods_table",
    "keep_together",
    "print_pdf",
    "provenance_table",
    "render_report",
    "report_date",
    "report_notebook_path",
    "safety_tables",
]

REPORT_NOTEBOOK = "final_report.ipynb"
REPORT_HTML = "final_report.html"
REPORT_PDF = "final_report.pdf"
#: Browsers tried, in order, on ``PATH`` when ``THERA_STATS_BROWSER`` is not set.
BROWSERS = ("chromium", "chromium-browser", "google-chrome")
_CONTENTS_MARK = "<!-- thera-stats:contents -->"


def report_notebook_path() -> Path:
    """The report notebook: shipped in the package, or in the source tree's ``notebooks/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_notebooks" / REPORT_NOTEBOOK,
                      here.parents[1] / "notebooks" / REPORT_NOTEBOOK):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"the report notebook {REPORT_NOTEBOOK} was not found")


# ------------------------------------------------------------------ the date
def report_date(data_cutoff: _dt.date | None, *,
                environ: Mapping[str, str] | None = None) -> tuple[_dt.date, str]:
    """The date printed on the report, and where it comes from.

    The same inputs must give the same report, so the date is not the clock's
    unless nothing else is known:

    1. ``SOURCE_DATE_EPOCH`` (seconds since 1970-01-01 UTC, the reproducible-builds
       convention) when set: its UTC date;
    2. else the plan's data cut-off: a report describes the data as of that day;
    3. else today's date (UTC), the only case in which a later run differs.

    Parameters
    ----------
    data_cutoff : datetime.date or None
        The plan's ``[analysis] data_cutoff``.
    environ : mapping, optional
        The environment to read ``SOURCE_DATE_EPOCH`` from (default ``os.environ``).

    Returns
    -------
    tuple of (datetime.date, str)
        The date and a few words naming its source.

    Raises
    ------
    TheraStatsError
        If ``SOURCE_DATE_EPOCH`` is set but is not a whole number of seconds.

    Examples
    --------
    >>> import datetime
    >>> report_date(datetime.date(2017, 6, 30), environ={})
    (datetime.date(2017, 6, 30), 'the data cut-off')
    >>> report_date(None, environ={"SOURCE_DATE_EPOCH": "1700000000"})
    (datetime.date(2023, 11, 14), 'SOURCE_DATE_EPOCH')
    """
    env = os.environ if environ is None else environ
    epoch = env.get("SOURCE_DATE_EPOCH", "").strip()
    if epoch:
        if not re.fullmatch(r"\d+", epoch):
            raise TheraStatsError(
                f"SOURCE_DATE_EPOCH ({epoch!r}) must be a whole number of seconds since "
                "1970-01-01 UTC")
        when = _dt.datetime.fromtimestamp(int(epoch), _dt.UTC).date()
        return when, "SOURCE_DATE_EPOCH"
    if data_cutoff is not None:
        return data_cutoff, "the data cut-off"
    return _dt.datetime.now(_dt.UTC).date(), "the date of rendering"


# ------------------------------------------------------------------ figure captions
def _flow_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    from thera_stats.tables import disposition_counts

    c = disposition_counts(a.trial)
    parts = [f"{format_count(c['enrolled'], 'patient')} enrolled"]
    if c["treated"] is not None:
        parts.append(f"{c['treated']} treated with at least one dose")
    if c["withdrawn"] is not None:
        why = "; ".join(f"{reason}: {k}" for reason, k in c["withdrawal_reasons"].items())
        parts.append(f"{c['withdrawn']} withdrawn" + (f" ({why})" if why else ""))
    if c["assessed_primary_day"] is not None:
        parts.append(f"{c['assessed_primary_day']} with the primary assessment"
                     + (f" on day {c['primary_day']}" if a.plan.is_score else ""))
    parts.append(f"{a.n_total} analysed ({a.plan.population} population), "
                 f"{a.responses_total} responders")
    if a.plan.design.type in ("simon", "multistage") and a.n_stage1 < a.n_total:
        parts.append(f"stage 1: {a.responses_stage1} responders of {a.n_stage1}; later "
                     f"stages: {a.responses_total - a.responses_stage1} of "
                     f"{a.n_total - a.n_stage1}")
    caption = (f"Patient flow (CONSORT style): enrolment, treatment, withdrawal, the "
               f"primary assessment and the analysis population, by stage. Decision: "
               f"{a.decision.action}.")
    alt = "Flow diagram of boxes joined by arrows: " + "; ".join(parts) + "."
    return caption, alt


def _oc_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    from thera_stats.formatting import format_estimate

    d = a.plan.design
    dec = a.decision
    if d.type == "multistage":
        what = "multi-stage design"
        applied = getattr(dec, "design", None) is not None
        sizes = ", ".join(map(str, d.to_multistage().sizes))
        rule = (f"the planned looks (at {sizes} patients)"
                + (" and the rule actually applied at the looks made" if applied else ""))
    elif d.type == "single-stage":
        what = "single-stage design"
        r_used = getattr(dec, "r_used", None)
        applied = r_used is not None and a.n_total != d.n
        rule = f"the planned rule (go if more than {d.r} of {d.n} respond)" + (
            f" and the rule actually applied (go if more than {r_used} of {a.n_total})"
            if applied else "")
    else:
        what = "Simon two-stage design"
        applied = not getattr(dec, "on_plan", True) and getattr(dec, "r_used", None) is not None
        rule = (f"the planned rule (stop if at most {d.r1} of {d.n1}, go if more than {d.r} of "
                f"{d.n})" + (f" and the rule actually applied at the attained sizes (go if "
                             f"more than {dec.r_used} of {a.n_total})" if applied else ""))
    observed = a.responses_total / a.n_total if a.n_total else float("nan")
    early = "" if d.type == "single-stage" else " and of stopping early"
    caption = (f"Operating characteristics of the {what}: the probability of a 'go'{early} "
               f"against the true response rate, for {rule}.")
    curves = ("Two S-shaped curves rise from 0 to 1: the probability of a 'go' under the "
              "planned rule (solid) and under the rule actually applied (dash-dot)"
              if applied else "The probability of a 'go' rises in an S-shaped curve from 0 to 1")
    alt = (f"Line chart of probability (0 to 1) against the true response rate (0 to 1). "
           f"{curves}"
           + ("; the probability of stopping early (dashed) falls from 1 to 0. "
              if d.type != "single-stage" else ". ")
           + f"Vertical lines mark p0 = {d.p0:g}, p1 = {d.p1:g} and the observed response rate "
           f"{a.responses_total}/{a.n_total} = {format_estimate(observed, 'proportion')}, "
           f"decision {dec.action}.")
    return caption, alt


def _path_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    d = a.plan.design
    caption = ("Cumulative responders in enrolment order against the design's boundaries "
               "(the stopping boundary of each look and the final 'go' boundary).")
    bounds = (f"the stage-1 boundary (stop if at most {d.r1} of {d.n1}) and the final "
              f"boundary (go if more than {a.decision.r_used} of {a.n_total})"
              if d.type == "simon" and getattr(a.decision, "r_used", None) is not None
              else "the boundary of each look")
    alt = (f"Step chart of the number of responders (vertical) against the number of patients "
           f"enrolled (horizontal), rising to {a.responses_total} responders among "
           f"{format_count(a.n_total, 'patient')}, with markers for {bounds}.")
    return caption, alt


def _waterfall_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    ep = a.plan.endpoint
    e = a.endpoint
    n = len(e)
    missing = int(e["missing"].sum())
    responders = int(e["responder"].sum())
    caption = (f"Per-patient change in {ep.name} from baseline to day {ep.day} (%), sorted; "
               f"responders solid, non-responders hatched, a missing assessment as a "
               f"placeholder bar.")
    threshold = ("" if ep.relative_change is None
                 else f" A dashed line marks the responder threshold of "
                      f"{100 * ep.relative_change:g} % improvement.")
    alt = (f"Waterfall bar chart, one bar per patient ({format_count(n, 'patient')}) of the "
           f"percentage "
           f"change in {ep.name} on day {ep.day}: {responders} responders (solid bars), "
           f"{n - responders - missing} non-responders (hatched bars) and "
           f"{format_count(missing, 'patient')} without the assessment (placeholder bars labelled "
           f"missing).{threshold}")
    return caption, alt


def _score_frame(a: GoNoGoAnalysis, attribute: str) -> Any:
    """A score summary of the analysis (the score figures exist only with a score)."""
    frame = getattr(a, attribute)
    if frame is None:
        raise TheraStatsError(f"the analysis of {a.plan.name} has no {attribute} (the primary "
                              "endpoint is not a score)")
    return frame


def _trajectories_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    from thera_stats.formatting import format_estimate

    ep = a.plan.endpoint
    s = _score_frame(a, "score_summary")
    days = ", ".join(str(int(d)) for d in s["day"])
    caption = (f"{ep.name[0].upper()}{ep.name[1:]} by patient and day: each patient's values "
               f"(grey), the mean and its {100 * a.plan.score_confidence_level:g} % "
               f"confidence interval.")
    first, last = s.iloc[0], s.iloc[-1]
    low = s.loc[s["mean"].idxmin()]

    def value(x: float) -> str:
        return format_estimate(x, ep.unit, with_unit=True)

    alt = (f"Line chart of {ep.name} (vertical) by day (horizontal, days {days}), one grey "
           f"line per patient and the mean in black with a shaded confidence band. The mean "
           f"is {value(first['mean'])} on day {int(first['day'])}, "
           f"{value(low['mean'])} at its lowest on day {int(low['day'])} and "
           f"{value(last['mean'])} on day {int(last['day'])}.")
    return caption, alt


def _mean_change_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    from thera_stats.formatting import format_estimate

    ep = a.plan.endpoint
    mmrm = (" and MMRM least-squares means with their confidence intervals"
            if a.lsmeans is not None else "")
    caption = (f"Mean change in {ep.name} from baseline by day: observed means with paired "
               f"t confidence intervals{mmrm}.")
    c = _score_frame(a, "change_summary")
    big = c.loc[c["mean_change"].abs().idxmax()]
    alt = (f"Dot-and-whisker chart of the mean change in {ep.name} from baseline "
           f"(vertical, zero line marked) on days {', '.join(str(int(x)) for x in c['day'])}"
           f"; observed means{' beside MMRM least-squares means' if mmrm else ''}. The "
           f"largest observed mean change is "
           f"{format_estimate(big['mean_change'], ep.unit, with_unit=True)} on day "
           f"{int(big['day'])}.")
    return caption, alt


def _responder_curve_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    ep = a.plan.endpoint
    caption = (f"Cumulative responder curve on day {ep.day}: the share of patients whose "
               f"{ep.name} improved by at least each amount"
               + (f"; the dashed line marks the responder threshold of "
                  f"{ep.absolute_change:g}{ep.unit_suffix}." if ep.absolute_change is not None
                  else "."))
    alt = (f"Descending step chart of the proportion of patients (vertical, 0 to 1) against "
           f"the improvement in {ep.name} from baseline on day {ep.day} (horizontal)"
           + (f", with a vertical dashed line at {ep.absolute_change:g}{ep.unit_suffix}."
              if ep.absolute_change is not None else "."))
    return caption, alt


def _intervals_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    from thera_stats.formatting import format_estimate

    lvl = f"{100 * a.confidence_level:g} %"
    caption = (f"{lvl} confidence intervals of the response rate "
               f"({a.responses_total}/{a.n_total}) by method, against p0.")
    alt = (f"Horizontal interval chart, one line per interval method (Clopper-Pearson, mid-p, "
           f"Blaker, Sterne, Wilson, Wilson with continuity correction, Jeffreys, "
           f"Agresti-Coull, Wald, likelihood ratio) on the response-rate axis 0 to 1, with "
           f"vertical lines at the observed rate "
           f"{format_estimate(a.responses_total / a.n_total, 'proportion')} and at "
           f"p0 = {a.plan.design.p0:g}.")
    return caption, alt


def _coverage_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    lvl = f"{100 * a.confidence_level:g} %"
    caption = (f"Exact coverage of nominal {lvl} intervals at n = {a.n_total} against the "
               f"true response rate, by method.")
    alt = (f"Line chart of exact coverage probability (vertical) against the true response "
           f"rate (horizontal, 0 to 1), one saw-toothed curve per method (Clopper-Pearson, "
           f"mid-p, Blaker, Wilson, Jeffreys, Wald) and a dashed line at the nominal {lvl}; "
           f"the Wald curve falls furthest below it near 0 and 1.")
    return caption, alt


def _sensitivity_text(a: GoNoGoAnalysis) -> tuple[str, str]:
    grid = a.plan.is_score
    caption = ("Sensitivity of the go/no-go decision"
               + (" to the responder definition (left) and" if grid else "")
               + " to the missing-data rule and the analysis population"
               + (" (right)" if grid else "") + ".")
    heat = ("A heat map of the decision for each combination of relative and absolute "
            "improvement thresholds, each cell giving responders / n and the decision, the "
            "plan's definition outlined; beside it a " if grid else "A ")
    alt = (heat + "forest plot of the design-adjusted response-rate estimate and interval "
           "under each missing-data rule and population, the plan's own analysis as a "
           f"diamond, against a dashed line at p0 = {a.plan.design.p0:g}. The plan's "
           f"analysis decides {a.decision.action}.")
    return caption, alt


#: The caption and alt text of every figure of :func:`thera_stats.plotting.report_figures`,
#: as a function of the analysis; both are plain text.
FIGURE_TEXT: dict[str, Callable[[GoNoGoAnalysis], tuple[str, str]]] = {
    "flow": _flow_text,
    "operating_characteristics": _oc_text,
    "two_stage_path": _path_text,
    "waterfall": _waterfall_text,
    "score_trajectories": _trajectories_text,
    "mean_change": _mean_change_text,
    "responder_curve": _responder_curve_text,
    "interval_methods": _intervals_text,
    "interval_coverage": _coverage_text,
    "sensitivity": _sensitivity_text,
}


def figure_text(name: str, analysis: GoNoGoAnalysis) -> tuple[str, str]:
    """The caption and the alt text of the report figure ``name``.

    Raises
    ------
    KeyError
        If ``name`` has no caption in :data:`FIGURE_TEXT`.
    """
    if name not in FIGURE_TEXT:
        raise KeyError(f"the report figure {name!r} has no caption; add one to "
                       "thera_stats.report.FIGURE_TEXT")
    return FIGURE_TEXT[name](analysis)


# ------------------------------------------------------------------ numbered items
class Html:
    """A piece of HTML that a notebook displays as HTML (and ``str`` gives back)."""

    __slots__ = ("html",)

    def __init__(self, text: str) -> None:
        self.html = text

    def __str__(self) -> str:
        return self.html

    def __repr__(self) -> str:
        return f"Html({len(self.html)} characters)"

    def _repr_html_(self) -> str:
        return self.html


_NUMERIC_CELL = re.compile(r"[^A-Za-z]*(?:\bto\b[^A-Za-z]*)?")
_NBSP = "\u00a0"


def keep_together(frame: Any) -> Any:
    """The cells of a table with the spaces inside a number kept on one line.

    A cell without words (``0.452 (0.325 to 0.607)``, ``13 (76.5 %)``, ``7 / 17``) gets
    no-break spaces, so a narrow column never splits an estimate from its interval;
    text cells are unchanged.

    Examples
    --------
    >>> import pandas as pd
    >>> keep_together(pd.DataFrame({"a": ["0.45 (0.33 to 0.61)", "missing = responder"]}))[
    ...     "a"].tolist()
    ['0.45\xa0(0.33\xa0to\xa00.61)', 'missing = responder']
    """
    def cell(value: Any) -> Any:
        if isinstance(value, str) and " " in value and _NUMERIC_CELL.fullmatch(value):
            return value.replace(" ", _NBSP)
        return value

    return frame.map(cell)


def _png_size(png: bytes) -> tuple[int, int]:
    """Width and height in pixels from a PNG's IHDR chunk."""
    return int.from_bytes(png[16:20], "big"), int.from_bytes(png[20:24], "big")


class ReportItems:
    """Numbers the report's figures and tables in the order the notebook shows them.

    Parameters
    ----------
    analysis : GoNoGoAnalysis
        From :func:`thera_stats.analyze`.

    Notes
    -----
    The figures are those of :func:`thera_stats.plotting.report_figures`, drawn in
    its style and saved as PNG by :func:`thera_stats.plotting.save_figure`: the
    image in the report is byte for byte the file ``thera-stats figures`` writes.
    """

    def __init__(self, analysis: GoNoGoAnalysis) -> None:
        from thera_stats import plotting

        self.analysis = analysis
        self.figures = 0
        self.tables = 0
        self._png: dict[str, bytes] = plotting.report_pngs(analysis)

    @property
    def figure_names(self) -> tuple[str, ...]:
        """The figures this analysis has (a binary endpoint has no score figures)."""
        return tuple(self._png)

    def png(self, name: str) -> bytes:
        """The PNG bytes of figure ``name``."""
        return self._png[name]

    def figure(self, name: str) -> Html | None:
        """The next numbered figure as ``<figure>`` HTML; ``None`` if the analysis lacks it."""
        if name not in self._png:
            return None
        from thera_stats.formatting import typeset
        from thera_stats.plotting import SAVE_DPI

        caption, alt = (typeset(t) for t in figure_text(name, self.analysis))
        self.figures += 1
        k = self.figures
        png = self._png[name]
        width, height = (round(px * 96 / SAVE_DPI) for px in _png_size(png))
        data = base64.b64encode(png).decode("ascii")
        return Html(
            f'<figure class="report-figure" id="figure-{k}">\n'
            f'<img alt="{html.escape(alt)}" width="{width}" height="{height}" '
            f'src="data:image/png;base64,{data}">\n'
            f'<figcaption><span class="item-label">Figure {k}.</span> '
            f"{html.escape(caption)}</figcaption>\n</figure>")

    def table(self, table: Table | None, *, css_class: str = "") -> Html | None:
        """The next numbered table: its caption becomes ``Table k. <title>``.

        ``None`` (a table the analysis lacks) gives ``None`` and takes no number;
        ``css_class`` is added to the wrapping ``div`` (the page styles ``provenance``).
        """
        if table is None:
            return None
        self.tables += 1
        k = self.tables
        label = f"Table {k}."
        body = dataclasses.replace(table, title=f"{label} {table.title}",
                                   frame=keep_together(table.frame)).to_html()
        body = body.replace(f"<caption>{label} ",
                            f'<caption><span class="item-label">{label}</span> ', 1)
        classes = " ".join(["report-table", *css_class.split()])
        return Html(f'<div class="{classes}" id="table-{k}">\n{body}\n</div>')


# ------------------------------------------------------------------ header and tables
_REGISTRIES = (
    (re.compile(r"NCT\d{8}"), "https://clinicaltrials.gov/study/{}"),
    (re.compile(r"ISRCTN\d{8}"), "https://www.isrctn.com/{}"),
)


def _registration_html(registration: str) -> str:
    for pattern, url in _REGISTRIES:
        if pattern.fullmatch(registration):
            return f'<a href="{url.format(registration)}">{html.escape(registration)}</a>'
    return html.escape(registration) if registration else "none given in the plan"


def header_html(analysis: GoNoGoAnalysis, date: _dt.date, date_source: str) -> Html:
    """The report's header: title, trial, registration, cut-off, date, version, decision."""
    from thera_stats import __version__
    from thera_stats.formatting import typeset

    a = analysis
    plan = a.plan
    e = html.escape
    kind = "interim analysis" if a.is_interim else "go/no-go analysis for phase III"
    cutoff = (plan.data_cutoff.isoformat() if plan.data_cutoff is not None
              else "not set in the plan")
    rows = [
        ("Trial", f"{e(plan.name)}: {e(plan.trial.treatment)}"),
        ("Registration", _registration_html(plan.trial.registration)),
        ("Data cut-off", cutoff),
        ("Report date", f"{date.isoformat()} ({e(date_source)})"),
        ("Software", f"thera-stats {e(__version__)}"),
        ("Decision", f"<strong>{e(a.decision.action.upper())}</strong>"),
    ]
    meta = "\n".join(f"<tr><th>{k}</th><td>{v}</td></tr>" for k, v in rows)
    note = f'\n<p class="note">{e(plan.trial.note)}</p>' if plan.trial.note else ""
    return Html(
        f'<header class="report-header">\n<h1>{e(plan.name)} phase II: {kind}</h1>\n'
        f'<table class="report-meta">\n{meta}\n</table>{note}\n'
        f'<p class="summary">{typeset(a.decision.explanation, "html")}</p>\n'
        '<p class="origin">Regenerated from the patient-level data and the pre-specified '
        "analysis plan (<code>plan.toml</code>); every number comes from "
        "<code>thera_stats.analyze</code>.</p>\n"
        f'<nav class="contents" aria-label="Contents">{_CONTENTS_MARK}</nav>\n</header>')


def interval_methods_table(analysis: GoNoGoAnalysis) -> Table:
    """The response rate's interval under every method, with the exact minimum coverage."""
    from thera_stats.binomial import compare_intervals
    from thera_stats.tables import frame_table

    a = analysis
    ci = compare_intervals(a.responses_total, a.n_total, confidence_level=a.confidence_level)
    data = ci[["method", "low", "high", "width", "min_coverage"]].rename(
        columns={"low": "ci_low", "high": "ci_high", "width": "Width",
                 "min_coverage": "Minimum coverage"})
    return frame_table(
        f"{a.plan.name}: {100 * a.confidence_level:g} % intervals of the response rate "
        f"({a.responses_total}/{a.n_total}) by method", data, unit="proportion",
        units={"Minimum coverage": "error rate"},
        notes=("Minimum coverage: the smallest exact coverage over true rates at this n "
               "(a finite sum over all outcomes).",))


def deviations_table(analysis: GoNoGoAnalysis) -> Table | None:
    """The protocol deviations found by validation, or ``None`` when there are none."""
    from thera_stats.tables import Table

    dev = analysis.trial.deviations
    if dev is None or len(dev) == 0:
        return None
    frame = dev.astype("string").fillna("").reset_index(drop=True)
    frame.columns = [str(c).replace("_", " ").capitalize() for c in frame.columns]
    return Table(f"{analysis.plan.name}: protocol deviations", frame,
                 notes=("Deviations are listed, never dropped: the patients stay in the "
                        "populations the plan defines.",))


def safety_tables(analysis: GoNoGoAnalysis) -> list[Table]:
    """The safety tables: overview, then by system organ class and preferred term.

    The analysis's own tables (``safety_overview`` and ``adverse_events`` of
    :meth:`GoNoGoAnalysis.tables`, made by :func:`thera_stats.safety.safety_tables`).
    No table (an empty list) when the trial has no adverse-event table: the report
    says so in one sentence.
    """
    if analysis.trial.adverse_events is None:
        return []
    tables = analysis.tables()
    return [tables[k] for k in ("safety_overview", "adverse_events") if k in tables]


def _environment() -> dict[str, str]:
    from thera_stats.validation import environment

    env = environment()
    env.pop("Date and time (UTC)", None)  # the report's date is in its header
    return env


def _cell_error(err: Any) -> str:
    """The error a notebook cell raised, on one line and without terminal colour codes."""
    name, value = getattr(err, "ename", ""), getattr(err, "evalue", "")
    text = f"{name}: {value}" if name else str(err).strip().splitlines()[-1]
    text = re.sub(r"\x1b\[[0-9;]*[A-Za-z]", "", text)
    return one_line(Exception(text))


def provenance_table(analysis: GoNoGoAnalysis) -> Table:
    """Software, environment and every input file with its SHA-256, as one table.

    Returns
    -------
    Table
        Rows ``Item, Value``: the package version and where it is installed, Python,
        the operating system, every dependency's version, the data folder and each
        input file (the plan among them) with its SHA-256 digest.
    """
    import pandas as pd

    from thera_stats.tables import Table

    a = analysis
    env = _environment()
    rows: list[tuple[str, str]] = []
    for key, value in env.items():
        if key.startswith("dependency "):
            rows.append((f"Dependency {key.removeprefix('dependency ')}", value))
        elif key == "thera-stats":
            rows.append(("Package thera-stats", value))
        else:
            rows.append((key[0].upper() + key[1:], value))
    prov = a.provenance
    folder = a.trial.source.name if a.trial.source is not None else ""
    rows.append(("Data folder", str(prov.get("data_folder", folder))))
    for name, digest in sorted(prov.get("input_sha256", {}).items()):
        what = "Plan file" if name == "plan.toml" else "Input file"
        rows.append((f"{what} {name}", f"SHA-256 {digest}"))
    frame = pd.DataFrame(rows, columns=["Item", "Value"])
    return Table(f"{a.plan.name}: provenance (software, environment and input files)", frame,
                 notes=('The SHA-256 digests are those of result.provenance["input_sha256"]; '
                        "sha256sum on the files gives the same.",))


# ------------------------------------------------------------------ the page
_CSS = """\
:root { --ink: #1a1a1a; --muted: #555; --rule: #bbb; --band: #f3f3f3; --accent: #0072B2; }
html { font-family: "DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif;
  color: var(--ink); line-height: 1.45; }
body { margin: 0; }
main { max-width: 60rem; margin: 0 auto; padding: 1.5rem 2rem 3rem; }
h1 { font-size: 1.7rem; margin: 0 0 .8rem; }
h2 { font-size: 1.35rem; margin: 2.2rem 0 .6rem; border-bottom: 1px solid var(--rule);
  padding-bottom: .2rem; }
h3 { font-size: 1.1rem; margin: 1.6rem 0 .5rem; }
a { color: var(--accent); }
.anchor-link { display: none; }
code { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace; font-size: .9em;
  background: var(--band); padding: 0 .2em; }
.report-header { border-bottom: 2px solid var(--ink); padding-bottom: 1rem; }
.report-meta { border-collapse: collapse; margin: .5rem 0 .8rem; }
.report-meta th { text-align: left; padding: .15rem 1.2rem .15rem 0; font-weight: 600;
  vertical-align: top; white-space: nowrap; }
.report-meta td { padding: .15rem 0; }
.report-header .note { font-style: italic; color: var(--muted); }
.report-header .summary { border-left: 4px solid var(--accent); padding: .3rem .8rem;
  background: var(--band); }
.report-header .origin { color: var(--muted); font-size: .9rem; }
nav.contents { display: grid; grid-template-columns: minmax(15rem, 1fr) 1.7fr;
  column-gap: 2.5rem; font-size: .92rem; }
nav.contents h2 { grid-column: 1 / -1; font-size: 1.05rem; border: 0; margin: .8rem 0 .3rem; }
nav.contents h3 { font-size: .95rem; margin: 0 0 .3rem; }
nav.contents ul { list-style: none; margin: 0 0 .8rem; padding-left: 0; }
nav.contents ul ul { margin: 0; padding-left: 1.2rem; }
nav.contents .lists li { padding-left: 1.5rem; text-indent: -1.5rem; }
.report-figure { margin: 1.2rem 0 1.6rem; }
.report-figure img { display: block; max-width: 100%; height: auto; }
figcaption, .report-table caption { font-size: .92rem; text-align: left;
  color: var(--ink); }
figcaption { margin-top: .4rem; max-width: 44rem; }
.item-label { font-weight: 700; }
.report-table { margin: 1.2rem 0 1.6rem; overflow-x: auto; }
table.thera-table { border-collapse: collapse; font-size: .88rem;
  font-variant-numeric: tabular-nums; }
table.thera-table caption { caption-side: top; padding-bottom: .4rem; }
table.thera-table thead th { border-top: 1.5px solid var(--ink);
  border-bottom: 1px solid var(--ink); padding: .3rem .6rem; text-align: right;
  vertical-align: bottom; }
table.thera-table thead th:first-child { text-align: left; }
table.thera-table tbody th, table.thera-table tbody td { padding: .2rem .6rem;
  vertical-align: top; font-weight: normal; }
table.thera-table tbody tr:nth-child(even) { background: var(--band); }
table.thera-table tbody tr:last-child > * { border-bottom: 1.5px solid var(--ink); }
table.thera-table tfoot td { font-size: .82rem; color: var(--muted); padding: .3rem .6rem;
  text-align: left; }
.provenance thead th { text-align: left !important; }
.provenance tbody td { font-family: "DejaVu Sans Mono", "Liberation Mono", monospace;
  font-size: .8rem; text-align: left !important; overflow-wrap: anywhere; }
.jp-RenderedHTMLCommon p, .text_cell_render p { max-width: 48rem; }
@page { size: A4; margin: 16mm 14mm 18mm 14mm;
  @bottom-left { content: "@@RUNNING@@"; font-size: 7.5pt; color: #555; }
  @bottom-right { content: "Page " counter(page) " of " counter(pages); font-size: 7.5pt;
    color: #555; } }
@media print {
  html { font-size: 9.5pt; }
  main { max-width: none; padding: 0; }
  h2 { break-after: avoid; margin-top: 1.4rem; }
  h3 { break-after: avoid; }
  p { orphans: 3; widows: 3; }
  nav.contents { font-size: .85rem; }
  .report-figure { break-inside: avoid; }
  .report-figure img { max-height: 215mm; width: auto; }
  .report-table { overflow: visible; break-inside: avoid; }
  table.thera-table { font-size: .85rem; }
  table.thera-table thead { display: table-header-group; }
  table.thera-table tr { break-inside: avoid; }
  table.thera-table caption { break-after: avoid; }
  .report-header .summary { background: none; }
  table.thera-table tbody tr:nth-child(even) { background: #f3f3f3;
    print-color-adjust: exact; -webkit-print-color-adjust: exact; }
  .report-meta a[href]::after { content: " (" attr(href) ")"; color: #555;
    font-size: .85em; }
}
"""

_HEADING = re.compile(r'<h([23]) id="([^"]+)">(.*?)(?:<a class="anchor-link"[^>]*>[^<]*</a>)?'
                      r"</h\1>", re.DOTALL)
_FIGCAPTION = re.compile(r'<figure class="report-figure" id="(figure-\d+)">.*?<figcaption>'
                         r'<span class="item-label">(Figure \d+)\.</span> (.*?)</figcaption>',
                         re.DOTALL)
_TABCAPTION = re.compile(r'<div class="report-table[^"]*" id="(table-\d+)">\s*<table[^>]*>\s*'
                         r'<caption><span class="item-label">(Table \d+)\.</span> (.*?)'
                         r"</caption>", re.DOTALL)


def _contents(body: str, name: str) -> str:
    """The table of contents: sections, then the lists of figures and of tables.

    The lists give each caption's first sentence without the trial's name in front.
    """
    sections: list[tuple[str, str, list[tuple[str, str]]]] = []
    for level, anchor, text in _HEADING.findall(body):
        text = re.sub(r"<[^>]+>", "", text).strip()  # already HTML: only tags go
        if level == "2" or not sections:
            sections.append((anchor, text, []))
        else:
            sections[-1][2].append((anchor, text))
    parts = ['<h2 id="contents">Contents</h2>', "<ul>"]
    for anchor, text, subs in sections:
        inner = "".join(f'<li><a href="#{a}">{t}</a></li>' for a, t in subs)
        parts.append(f'<li><a href="#{anchor}">{text}</a>'
                     + (f"<ul>{inner}</ul>" if inner else "") + "</li>")
    parts.append("</ul>")
    parts.append('<div class="lists">')
    for title, items in (("Figures", _FIGCAPTION.findall(body)),
                         ("Tables", _TABCAPTION.findall(body))):
        if items:
            parts.append(f"<h3>{title}</h3><ul>")
            parts.extend(f'<li><a href="#{anchor}">{label}.</a> '
                         f"{_short(text.removeprefix(html.escape(name) + ': '))}</li>"
                         for anchor, label, text in items)
            parts.append("</ul>")
    parts.append("</div>")
    return "\n".join(parts)


def _short(text: str, limit: int = 90) -> str:
    """A caption cut to its first sentence (and at most ``limit`` characters)."""
    plain = html.unescape(re.sub(r"<[^>]+>", "", text)).strip()
    first = re.split(r"(?<=[a-z0-9)])[.:;] ", plain, maxsplit=1)[0].rstrip(".")
    if len(first) > limit:
        first = first[:limit].rsplit(" ", 1)[0] + " …"
    return html.escape(first[:1].upper() + first[1:])


def _page(body: str, name: str, date: _dt.date) -> str:
    """The whole page: the notebook's body with its contents, in our own style sheet."""
    running = f"{name} phase II report, {date.isoformat()}"
    # A CSS string: quotes and backslashes escaped, and no "<" that could close the style.
    css = _CSS.replace("@@RUNNING@@", running.replace("\\", "\\\\").replace('"', '\\"')
                       .replace("<", "\\3c ").replace("\n", " "))
    title = f"{name} phase II report"
    body = body.replace(_CONTENTS_MARK, _contents(body, name), 1)
    return ("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
            '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
            f'<meta name="generator" content="thera-stats">\n<title>{html.escape(title)}</title>\n'
            f"<style>\n{css}</style>\n</head>\n<body>\n<main>\n{body.strip()}\n</main>\n"
            "</body>\n</html>\n")


# ------------------------------------------------------------------ self-containment
_LOADING = {"script": ("src",), "link": ("href",), "img": ("src", "srcset"),
            "iframe": ("src",), "frame": ("src",), "embed": ("src",), "object": ("data",),
            "source": ("src", "srcset"), "video": ("src", "poster"), "audio": ("src",),
            "track": ("src",), "input": ("src",), "image": ("href", "xlink:href"),
            "use": ("href", "xlink:href")}
_CSS_URL = re.compile(r"""url\(\s*(['"]?)(.*?)\1\s*\)|@import\s+(['"])(.*?)\3""",
                      re.IGNORECASE | re.DOTALL)


def _is_inline(url: str) -> bool:
    url = url.strip()
    return url.lower().startswith("data:") or url.startswith("#") or url == ""


class _Resources(HTMLParser):
    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.found: list[str] = []
        self._in_style = False

    def _css(self, text: str) -> None:
        for m in _CSS_URL.finditer(text):
            url = m.group(2) if m.group(2) is not None else m.group(4)
            if not _is_inline(url):
                self.found.append(url)

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        names = _LOADING.get(tag, ())
        for key, value in attrs:
            if value is None:
                continue
            if key in names:
                # srcset: "url 1x, url 2x" (a data: URI has a comma but no space after it)
                urls = [u.split()[0] for u in re.split(r",\s+", value) if u.strip()] \
                    if key == "srcset" else [value]
                self.found.extend(u for u in urls if not _is_inline(u))
            elif key == "style":
                self._css(value)
        self._in_style = tag == "style"

    def handle_endtag(self, tag: str) -> None:
        self._in_style = False

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self._css(data)


def external_resources(page: str) -> list[str]:
    """Every resource a browser would load from outside the HTML text itself.

    Scripts, style sheets, images, frames and media with a ``src``/``href``/``data``
    that is not a ``data:`` URI, and ``url()``/``@import`` in style sheets and
    ``style`` attributes. Hyperlinks (``<a href>``) are not loads and are not listed.

    Examples
    --------
    >>> external_resources('<script src="https://cdn.example/x.js"></script><a href="https://x">x</a>')
    ['https://cdn.example/x.js']
    >>> external_resources('<style>@import "https://f.example/a.css";</style>')
    ['https://f.example/a.css']
    >>> external_resources('<img src="data:image/png;base64,AAAA" alt="">')
    []
    """
    parser = _Resources()
    parser.feed(page)
    parser.close()
    return parser.found


# ------------------------------------------------------------------ PDF
def find_browser(environ: Mapping[str, str] | None = None) -> str:
    """The Chromium-based browser that prints the PDF.

    ``THERA_STATS_BROWSER`` (a path or a command name) when set, else the first of
    :data:`BROWSERS` on ``PATH``.

    Raises
    ------
    TheraStatsError
        If ``THERA_STATS_BROWSER`` names no executable, or no browser is found.
    """
    env = os.environ if environ is None else environ
    given = env.get("THERA_STATS_BROWSER", "").strip()
    if given:
        found = shutil.which(given)
        if found is None:
            raise TheraStatsError(
                f"THERA_STATS_BROWSER ({given!r}) is not an executable file or a command on "
                "PATH; point it at a Chromium-based browser (chromium, google-chrome)")
        return found
    for name in BROWSERS:
        found = shutil.which(name)
        if found is not None:
            return found
    raise TheraStatsError(
        "printing the report as PDF needs a Chromium-based browser, and none of "
        f"{', '.join(BROWSERS)} is on PATH: install one (Debian/Ubuntu: "
        "apt-get install chromium) or set THERA_STATS_BROWSER to its path")


def print_pdf(html_path: str | Path, pdf_path: str | Path, *, browser: str | None = None,
              timeout: float = 180) -> Path:
    """Print an HTML file to PDF (A4, the page's print style) with headless Chromium.

    The browser runs with a fresh profile, every host name unresolvable (nothing is
    fetched from the network) and no header or footer of its own; the page numbers
    come from the report's print style sheet.

    Parameters
    ----------
    html_path, pdf_path : str or Path
        The page to print and the PDF to write (replaced if it exists).
    browser : str, optional
        The browser executable (default: :func:`find_browser`).
    timeout : float
        Seconds allowed for printing.

    Returns
    -------
    Path
        ``pdf_path``.

    Raises
    ------
    TheraStatsError
        If no browser is found, or it fails, times out or writes no PDF.
    """
    exe = browser or find_browser()
    html_path = Path(html_path).resolve()
    pdf_path = Path(pdf_path).resolve()
    with tempfile.TemporaryDirectory() as profile:
        partial = Path(profile) / "print.pdf"
        command = [exe, "--headless", "--no-sandbox", "--disable-gpu",
                   "--disable-dev-shm-usage", "--disable-background-networking",
                   "--disable-component-update", "--disable-sync", "--disable-extensions",
                   "--no-first-run", "--no-default-browser-check",
                   "--host-resolver-rules=MAP * ~NOTFOUND", f"--user-data-dir={profile}/user",
                   "--no-pdf-header-footer", f"--print-to-pdf={partial}",
                   html_path.as_uri()]
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=timeout,
                                  check=False, stdin=subprocess.DEVNULL)
        except subprocess.TimeoutExpired:
            raise TheraStatsError(f"{exe} did not print {html_path.name} within "
                                  f"{timeout:g} s") from None
        except OSError as err:
            raise TheraStatsError(f"{exe} could not be started: {err}") from None
        if not partial.is_file() or not partial.read_bytes().startswith(b"%PDF-"):
            lines = [ln for ln in done.stderr.splitlines() if ln.strip()]
            raise TheraStatsError(
                f"{exe} wrote no PDF of {html_path.name} (exit code {done.returncode})"
                + (f": {lines[-1].strip()}" if lines else ""))
        pdf_path.parent.mkdir(parents=True, exist_ok=True)
        shutil.move(str(partial), pdf_path)
    return pdf_path


# ------------------------------------------------------------------ rendering
def _stderr_progress(done: int, total: int, label: str) -> None:
    print(f"[{done:>2}/{total}] {label}", file=sys.stderr, flush=True)


def render_report(
    data_dir: str | Path,
    out: str | Path,
    *,
    pdf: bool = False,
    date: _dt.date | None = None,
    progress: Callable[[int, int, str], None] | None = _stderr_progress,
    timeout: int = 600,
    overwrite: bool = False,
) -> Path:
    """Execute the report notebook for ``data_dir`` and write ``out/final_report.html``.

    The HTML is one self-contained file: the notebook's text, numbered tables and
    figures (PNG inside the file) without the code cells, a table of contents,
    and its own style sheet for screen and A4 print; nothing is loaded from the
    network. Execution records no timings, so the same data and date give the
    same bytes.

    Parameters
    ----------
    data_dir : str or Path
        The trial folder (validated before the notebook starts).
    out : str or Path
        Output folder (created if needed); never the data folder.
    pdf : bool
        Also print ``final_report.pdf`` with headless Chromium (see
        :func:`print_pdf`); the browser is looked for before anything is run.
    date : datetime.date, optional
        The report date; by default :func:`report_date` (``SOURCE_DATE_EPOCH``,
        else the data cut-off, else today).
    progress : callable, optional
        Called as ``progress(done, total, label)`` after each cell; ``None``
        for silence. The default prints to standard error.
    timeout : int
        Seconds allowed per cell.
    overwrite : bool
        Replace an earlier report in ``out``.

    Returns
    -------
    Path
        The HTML file written (the PDF, if asked for, is beside it).

    Raises
    ------
    TheraStatsError
        If the report extra or (with ``pdf``) the browser is missing, a notebook cell
        fails, or the page would load anything from outside the file.
    DataValidationError
        If the trial folder is invalid (every problem at once).
    """
    try:
        import nbformat
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from nbconvert import HTMLExporter
    except ImportError as err:
        raise TheraStatsError(
            f"rendering the report needs the 'report' extra ({err.name} is missing): "
            "pip install 'thera-stats[report]'"
        ) from None
    from thera_stats.data import check_output_folder, load_trial

    browser = find_browser() if pdf else None
    data_dir = Path(data_dir).resolve()
    names = [REPORT_HTML, *([REPORT_PDF] if pdf else [])]
    out = check_output_folder(out, data_dir, names, overwrite=overwrite)
    trial = load_trial(data_dir)  # every data problem at once, before a kernel is started
    plan: AnalysisPlan = trial.plan
    when, source = (date, "given") if date is not None else report_date(plan.data_cutoff)
    nb: Any = nbformat.read(report_notebook_path(), as_version=4)
    # Papermill's convention: the parameters cell is followed by the injected values.
    where = next((i for i, c in enumerate(nb.cells)
                  if "parameters" in c.get("metadata", {}).get("tags", [])), -1)
    injected = nbformat.v4.new_code_cell(
        f"data_dir = {str(data_dir)!r}\nreport_date = {when.isoformat()!r}\n"
        f"report_date_source = {source!r}")
    injected.metadata["tags"] = ["injected-parameters"]
    injected["id"] = "injected-parameters"
    nb.cells.insert(where + 1, injected)

    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    # Progress names the report section a cell belongs to, not its code.
    section, sections = "Setup", {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == "markdown" and c.source.lstrip().startswith("#"):
            section = c.source.lstrip().splitlines()[0].lstrip("#").strip()
        sections[i] = section
    with tempfile.TemporaryDirectory() as workdir:
        # A local kernel talks over IPC sockets in the scratch folder: nothing listens
        # on the network, and the kernel has no TCP warning to print.
        manager = KernelManager(kernel_name="python3", transport="ipc",
                                ip=str(Path(workdir) / "kernel"))
        client = NotebookClient(
            nb, km=manager, timeout=timeout, kernel_name="python3", record_timing=False,
            resources={"metadata": {"path": workdir}},
        )
        try:
            with client.setup_kernel():
                for done, index in enumerate(code_cells, start=1):
                    cell = nb.cells[index]
                    try:
                        client.execute_cell(cell, index)
                    except CellExecutionError as err:
                        raise TheraStatsError(
                            f"the report notebook failed at cell {index + 1} "
                            f"({sections[index]}): {_cell_error(err)}"
                        ) from None
                    if progress is not None:
                        progress(done, len(code_cells), sections[index])
        finally:
            # The client cleans up only a kernel it made itself; this one was lent.
            if client.kc is not None:
                client.kc.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=False)
            manager.cleanup_resources()
    # The "basic" template is the notebook's body only: no require.js, MathJax or web
    # fonts from a CDN; the page around it is ours.
    exporter = HTMLExporter(template_name="basic", exclude_input=True,
                            exclude_input_prompt=True, exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(nb)
    page = _page(body, plan.name, when)
    loads = external_resources(page)
    if loads:
        raise TheraStatsError(
            "the report would load from outside the file (it must render offline): "
            + ", ".join(sorted(set(loads))[:5]))
    out.mkdir(parents=True, exist_ok=True)
    path = out / REPORT_HTML
    path.write_text(page, encoding="utf-8")
    if browser is not None:
        print_pdf(path, out / REPORT_PDF, browser=browser)
    return path
