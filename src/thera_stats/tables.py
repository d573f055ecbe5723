r"""Report tables: baseline characteristics, disposition, primary endpoint and score by day (adverse events: :mod:`thera_stats.safety`).

Each builder returns a :class:`Table`, which renders the same content as plain
text (terminal), HTML (notebooks, ``_repr_html_``), Markdown, LaTeX and CSV.
Rendering needs no optional package. The cells hold canonical text made by
:mod:`thera_stats.formatting` (the package's one number style); each renderer
typesets it for its readers: the true minus sign and ``≥``/``≤`` in text,
Markdown and HTML, every special character escaped in LaTeX.

The LaTeX is a ``table`` float (caption above, ``\label``) holding a
``tabularx`` as wide as the text, with ``booktabs`` rules, in ``\small``
(``\footnotesize`` from eight columns on); long text wraps inside its column.
It needs ``\usepackage{booktabs}`` and ``\usepackage{tabularx}`` in the
preamble (:data:`LATEX_PACKAGES`; both ship with every TeX distribution,
tabularx in the LaTeX ``tools`` bundle), and compiles with plain pdflatex and
its default fonts. :func:`latex_document` wraps tables into a complete
document.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from thera_stats.formatting import (
    format_df,
    format_estimate,
    format_interval,
    format_mean_sd,
    format_median_iqr,
    format_min_max,
    format_n_pct,
    format_pvalue,
    typeset,
)

if TYPE_CHECKING:
    from thera_stats.data import Trial

__all__ = [
    "LATEX_PACKAGES",
    "Table",
    "baseline_table",
    "disposition_table",
    "latex_document",
]

_FORMATS = ("text", "html", "markdown", "latex", "csv")

#: The LaTeX packages :meth:`Table.to_latex` needs in the document's preamble.
LATEX_PACKAGES = ("booktabs", "tabularx")

# A column is set as numbers (right-aligned) when every non-empty cell starts like
# a number ("-22.8", "<0.001", "13 (76.5 %)", "0.388 (0.214 to 0.637)") and is short.
_NUMERIC_CELL = re.compile(r"^[<>]?-?(\d|\.\d|inf|NA$)")


def _numeric_column(cells: list[str]) -> bool:
    filled = [c for c in cells if c.strip()]
    return bool(filled) and all(_NUMERIC_CELL.match(c) and len(c) <= 28 for c in filled)


#: Text columns up to this many characters keep their width in LaTeX; longer ones wrap.
_LATEX_SHORT = 24
#: A LaTeX table of at most this many characters a line keeps its natural width.
_LATEX_NARROW = 60


def _wrap(text: str, width: int) -> list[str]:
    """Words of ``text`` in lines of at most ``width`` characters (a longer word alone)."""
    lines: list[str] = []
    for word in text.split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _indent(cell: str, target: str) -> tuple[int, str]:
    """Leading spaces (an indented row label) as a level, and the rest typeset."""
    body = cell.lstrip(" ")
    return (len(cell) - len(body)) // 2, typeset(body, target)


@dataclass(frozen=True)
class Table:
    """A titled table of strings that renders in several formats.

    Attributes
    ----------
    title : str
        Caption.
    frame : DataFrame
        The cells, already formatted as canonical text (the numbers a reader
        sees, with an ASCII minus; see :mod:`thera_stats.formatting`).
    notes : tuple of str
        Footnotes (abbreviations, methods, population).
    data : DataFrame or None
        The unformatted numbers behind the cells, when they are not the cells
        themselves; ``to_csv`` writes these.
    label : str
        Name for cross-references (LaTeX ``\\label{tab:<label>}``); empty: made
        from the title.
    """

    title: str
    frame: pd.DataFrame
    notes: tuple[str, ...] = ()
    data: pd.DataFrame | None = field(default=None, compare=False)
    label: str = ""

    def render(self, format: str = "text") -> str:
        """Render as ``"text"``, ``"html"``, ``"markdown"``, ``"latex"`` or ``"csv"``."""
        if format not in _FORMATS:
            raise ValueError(f"`format` ({format!r}) must be one of {', '.join(map(repr, _FORMATS))}.")
        return {
            "text": self.to_text,
            "html": self.to_html,
            "markdown": self.to_markdown,
            "latex": self.to_latex,
            "csv": self.to_csv,
        }[format]()

    # -- renderers ---------------------------------------------------------------
    def _cells(self) -> tuple[list[str], list[list[str]]]:
        header = [str(c) for c in self.frame.columns]
        rows = [["" if pd.isna(v) else str(v) for v in rec] for rec in self.frame.itertuples(index=False)]
        return header, rows

    def _numeric(self) -> list[bool]:
        """Which columns hold numbers (right-aligned); the first never does."""
        header, rows = self._cells()
        return [j > 0 and _numeric_column([r[j] for r in rows]) for j in range(len(header))]

    def to_text(self) -> str:
        """Plain text for a terminal: aligned columns, true minus signs, ``≥`` and ``≤``."""
        header, rows = self._cells()
        header = [typeset(h) for h in header]
        rows = [[typeset(c) for c in r] for r in rows]
        widths = [max(len(h), *(len(r[j]) for r in rows)) if rows else len(h)
                  for j, h in enumerate(header)]

        def line(cells: list[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
            return "  ".join([first, *rest]).rstrip()

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [typeset(self.title), rule, line(header), rule, *(line(r) for r in rows), rule]
        out.extend(typeset(n) for n in self.notes)
        return "\n".join(out)

    def to_markdown(self) -> str:
        """A Markdown (GFM) table with the title in bold above and the notes below."""
        header, rows = self._cells()
        numeric = self._numeric()

        def esc(s: str) -> str:
            return typeset(s).replace("|", "\\|")

        out = [f"**{esc(self.title)}**", "", "| " + " | ".join(map(esc, header)) + " |",
               "|" + "|".join("---:" if num else ":---" for num in numeric) + "|"]
        out.extend("| " + " | ".join(map(esc, r)) + " |" for r in rows)
        if self.notes:
            out.append("")
            out.extend(f"{esc(n)}  " for n in self.notes)
        return "\n".join(out)

    def to_html(self) -> str:
        """An HTML table (caption, header, body, notes in the footer), escaped."""
        header, rows = self._cells()
        numeric = self._numeric()

        def e(s: str) -> str:
            return typeset(s, "html")

        def align(j: int) -> str:
            return "right" if numeric[j] else "left"

        parts = [f'<table class="thera-table">\n<caption>{e(self.title)}</caption>',
                 "<thead><tr>" + "".join(f'<th style="text-align:{align(j)}">{e(h)}</th>'
                                         for j, h in enumerate(header)) + "</tr></thead>",
                 "<tbody>"]
        for r in rows:
            level, first = _indent(r[0], "html")
            pad = f";padding-left:{1.5 * level:g}em" if level else ""
            cells = [f'<th style="text-align:left{pad}">{first}</th>'] + [
                f'<td style="text-align:{align(j)}">{e(c)}</td>'
                for j, c in enumerate(r[1:], start=1)
            ]
            parts.append("<tr>" + "".join(cells) + "</tr>")
        parts.append("</tbody>")
        if self.notes:
            parts.append(
                f'<tfoot><tr><td colspan="{len(header)}">'
                + "<br>".join(e(n) for n in self.notes) + "</td></tr></tfoot>"
            )
        parts.append("</table>")
        return "\n".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def latex_label(self) -> str:
        """``tab:<label>``: the label, or the title made safe for ``\\label``."""
        name = self.label or self.title
        return "tab:" + (re.sub(r"[^a-z0-9]+", "-", name.lower()).strip("-") or "table")

    def to_latex(self) -> str:
        r"""A LaTeX ``table`` float that fits the text width and compiles with plain pdflatex.

        Needs ``\usepackage{booktabs}`` and ``\usepackage{tabularx}``
        (:data:`LATEX_PACKAGES`). Number columns are right-aligned and never
        break; long headers above them break into lines. A table narrow
        enough (about 60 characters a line) is a plain ``tabular`` at its
        natural width; a wider table is exactly ``\linewidth`` wide: a
        ``tabularx`` whose long text columns (``X``, ragged right, sharing the
        width in proportion to their length) wrap, or, when no column holds
        long text, a ``tabular*`` that spreads the columns. Every character is
        escaped (:func:`thera_stats.formatting.latex_escape`).
        """
        header, rows = self._cells()
        numeric = self._numeric()
        ncol = len(header)
        longest = [max((len(r[j]) for r in rows), default=0) for j in range(ncol)]
        heads = [[header[j]] if len(header[j]) <= longest[j] else _wrap(header[j], max(
            longest[j], 4)) for j in range(ncol)]
        width = sum(max(longest[j], *map(len, heads[j])) + 2 for j in range(ncol))
        wraps = [not numeric[j] and longest[j] > _LATEX_SHORT for j in range(ncol)]
        if width <= _LATEX_NARROW:
            env, wraps = "tabular", [False] * ncol
            begin = r"\begin{tabular}{@{}"
        elif any(wraps):
            env, begin = "tabularx", r"\begin{tabularx}{\linewidth}{@{}"
        else:
            env, begin = "tabular*", r"\begin{tabular*}{\linewidth}{@{\extracolsep{\fill}}"
        weights = {j: min(longest[j], 40) for j in range(ncol) if wraps[j]}
        specs = []
        for j in range(ncol):
            if wraps[j]:
                share = len(weights) * weights[j] / sum(weights.values())
                specs.append(f">{{\\raggedright\\arraybackslash\\hsize={share:.3f}\\hsize}}X")
            else:
                specs.append("r" if numeric[j] else "l")

        def head(j: int) -> str:
            if wraps[j] or len(heads[j]) == 1:
                return typeset(header[j], "latex")
            align = "r" if numeric[j] else "l"
            return (f"\\begin{{tabular}}[b]{{@{{}}{align}@{{}}}}"
                    + r" \\ ".join(typeset(x, "latex") for x in heads[j]) + r"\end{tabular}")

        def row(cells: list[str]) -> str:
            out = []
            for c in cells:
                level, body = _indent(c, "latex")
                out.append("\\quad " * level + body)
            return " & ".join(out) + r" \\"

        size = r"\footnotesize" if ncol >= 8 else r"\small"
        out = [r"\begin{table}[htbp]", r"\centering", size, r"\setlength{\tabcolsep}{4pt}",
               f"\\caption{{{typeset(self.title, 'latex')}}}", f"\\label{{{self.latex_label()}}}",
               begin + "".join(specs) + "@{}}", r"\toprule",
               " & ".join(head(j) for j in range(ncol)) + r" \\", r"\midrule"]
        out.extend(row(r) for r in rows)
        out.extend([r"\bottomrule", f"\\end{{{env}}}"])
        if self.notes:
            out.append(r"\par\smallskip")
            out.append(r"{\footnotesize\raggedright "
                       + r"\par ".join(typeset(n, "latex") for n in self.notes) + r"\par}")
        out.append(r"\end{table}")
        return "\n".join(out)

    def to_csv(self, path: str | Path | None = None) -> str:
        """CSV text of the numbers (``data`` when given, else the cells); written to ``path`` too."""
        frame = self.data if self.data is not None else self.frame
        text = frame.to_csv(index=False, lineterminator="\n")
        if path is not None:
            Path(path).write_text(text, encoding="utf-8")
        return text

    def __str__(self) -> str:
        return self.to_text()


def latex_document(tables: Iterable[Table], *, title: str | None = None) -> str:
    r"""A complete LaTeX document holding ``tables``, one per page region.

    The preamble loads :data:`LATEX_PACKAGES`; the document compiles with plain
    ``pdflatex`` (article class, default fonts, A4 paper with 2.5 cm margins
    via the page dimensions, no further package).
    """
    parts = [r"\documentclass[a4paper]{article}",
             *(f"\\usepackage{{{p}}}" for p in LATEX_PACKAGES),
             # A4 with 2.5 cm margins, set by hand (no geometry package needed)
             r"\setlength{\textwidth}{16cm}", r"\setlength{\oddsidemargin}{-0.04cm}",
             r"\setlength{\evensidemargin}{-0.04cm}", r"\setlength{\textheight}{24cm}",
             r"\setlength{\topmargin}{-1.04cm}", r"\begin{document}"]
    if title:
        parts.append(f"\\section*{{{typeset(title, 'latex')}}}")
    for table in tables:
        parts.extend([table.to_latex(), r"\clearpage"])
    parts.append(r"\end{document}")
    return "\n".join(parts) + "\n"


# ------------------------------------------------------------------ builders
def baseline_table(trial: Trial) -> Table:
    """Baseline characteristics of the enrolled patients.

    Shows what the patients table holds: age, sex, site, each eligibility
    column (text as counts, numbers as mean and SD, dates as their range: the
    first and last date, YYYY-MM-DD, and the number of patients with a date)
    and the endpoint's baseline score.

    Examples
    --------
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> from thera_stats.tables import baseline_table
    >>> print(baseline_table(load_trial(synthetic_data_path())).to_text())  # doctest: +ELLIPSIS
    THERA: baseline characteristics (enrolled patients, N = 17)
    ...
    """
    p = trial.patients
    plan = trial.plan
    n = len(p)
    rows: list[tuple[str, str]] = []

    def numbers(label: str, values: Any, unit: str | None) -> None:
        rows.append((f"{label}: mean (SD)", format_mean_sd(values, unit=unit)))
        rows.append((f"{label}: median (IQR)", format_median_iqr(values, unit=unit)))
        rows.append((f"{label}: min, max", format_min_max(values, unit=unit)))

    if "age_years" in p.columns:
        numbers("Age, years", pd.to_numeric(p["age_years"], errors="coerce"), "years")
    if "sex" in p.columns:
        rows.append(("Sex: female, n (%)", format_n_pct(int((p["sex"] == "F").sum()), n)))
        rows.append(("Sex: male, n (%)", format_n_pct(int((p["sex"] == "M").sum()), n)))
    if "site" in p.columns:
        for site, k in p["site"].value_counts().sort_index().items():
            rows.append((f"Site: {site}, n (%)", format_n_pct(int(k), n)))
    shown = {"age_years", "sex", "site", "baseline"}
    for rule in plan.eligibility:
        col = rule.column
        if col in shown or col not in p.columns:
            continue
        shown.add(col)
        values = p[col]
        categorical = rule.op in ("==", "!=", "in", "not in")
        if _is_dates(values):
            rows.append((f"{col}: first, last (n)", _date_range(values)))
        elif (not categorical and pd.api.types.is_numeric_dtype(values)
                and not pd.api.types.is_bool_dtype(values)):
            numbers(col, values, None)
        else:
            levels = values.map(lambda v: "missing" if pd.isna(v) else (
                f"{v:g}" if isinstance(v, float) else str(v)))
            for level, k in levels.value_counts().sort_index().items():
                rows.append((f"{col}: {level}, n (%)", format_n_pct(int(k), n)))
    notes = ["SD: standard deviation. IQR: interquartile range, shown as (first quartile, third "
             "quartile); quartiles as R's default quantile (type 7)."]
    if plan.is_score:
        ep = plan.endpoint
        base = trial.baseline().reindex(p["patient_id"])
        unit = f", {ep.unit}" if ep.unit else ""
        numbers(f"Baseline {ep.name}{unit}", base, ep.unit)
    frame = pd.DataFrame(rows, columns=["Characteristic", f"N = {n}"])
    return Table(f"{plan.name}: baseline characteristics (enrolled patients, N = {n})", frame,
                 notes=tuple(notes), label="baseline")


def _is_dates(values: pd.Series) -> bool:
    """Whether a column holds dates: a datetime dtype, or only dates and datetimes."""
    if pd.api.types.is_datetime64_any_dtype(values):
        return True
    if values.dtype != object:
        return False
    filled = values.dropna()
    return len(filled) > 0 and all(isinstance(v, _dt.date) for v in filled)


def _date_range(values: pd.Series) -> str:
    """``first, last (n)`` of a date column: YYYY-MM-DD of the earliest and latest date and
    the number of patients with a date (``NA`` when none has one)."""
    days = pd.to_datetime(values.dropna())
    if len(days) == 0:
        return "NA"
    return f"{days.min():%Y-%m-%d}, {days.max():%Y-%m-%d} ({len(days)})"


def disposition_counts(trial: Trial) -> dict[str, Any]:
    """Patient flow: enrolled, treated, completed, withdrawn, assessed on the endpoint day.

    A count is ``None`` when the data cannot tell it (no ``[treatment]`` in the
    plan, no ``withdrawn`` column).
    """
    p = trial.patients
    plan = trial.plan
    treat = plan.treatment
    out: dict[str, Any] = {"enrolled": len(p), "treated": None, "completed_treatment": None,
                           "planned_doses": None, "withdrawn": None, "withdrawal_reasons": {},
                           "assessed_primary_day": None, "primary_day": plan.endpoint.day}
    if treat is not None:
        doses = p[treat.column]
        out["treated"] = int((doses >= 1).fillna(False).sum())
        out["completed_treatment"] = int((doses == treat.planned).fillna(False).sum())
        out["planned_doses"] = treat.planned
    if "withdrawn" in p.columns:
        gone = p["withdrawn"].fillna(False).astype(bool)
        out["withdrawn"] = int(gone.sum())
        if "withdrawal_reason" in p.columns:
            out["withdrawal_reasons"] = p.loc[gone, "withdrawal_reason"].value_counts(
            ).sort_index().to_dict()
    if plan.is_score and trial.score is not None:
        s = trial.score
        assessed = set(s.loc[s["day"] == plan.endpoint.day, "patient_id"])
        out["assessed_primary_day"] = int(p["patient_id"].isin(list(assessed)).sum())
    elif plan.endpoint.kind == "binary":
        out["assessed_primary_day"] = int(p[plan.endpoint.column].notna().sum())
    return out


def disposition_table(trial: Trial) -> Table:
    """Disposition: how many patients were enrolled, treated, withdrawn and assessed."""
    c = disposition_counts(trial)
    plan = trial.plan
    n = c["enrolled"]
    rows = [("Enrolled", f"{n}")]
    if c["treated"] is not None:
        rows.append(("Treated (at least one dose)", format_n_pct(c["treated"], n)))
        rows.append((f"Received all {c['planned_doses']} planned doses",
                     format_n_pct(c["completed_treatment"], n)))
    if c["withdrawn"] is not None:
        rows.append(("Withdrawn", format_n_pct(c["withdrawn"], n)))
        rows.extend((f"  {reason}", str(k)) for reason, k in c["withdrawal_reasons"].items())
    if c["assessed_primary_day"] is not None:
        what = (f"{plan.endpoint.name} assessed on day {c['primary_day']}" if plan.is_score
                else "Primary response recorded")
        rows.append((what[0].upper() + what[1:], format_n_pct(c["assessed_primary_day"], n)))
    frame = pd.DataFrame(rows, columns=["Patients", "n (%)"])
    return Table(f"{plan.name}: patient disposition", frame,
                 notes=("Percentages of enrolled patients.",), label="disposition")


#: Display headers for the column names of the package's result tables.
HEADERS = {
    "day": "Day", "n": "n", "mean_change": "Mean change", "sd_change": "SD",
    "mean_change_ci_low": "CI low", "mean_change_ci_high": "CI high",
    "median_change": "Median", "t_pvalue": "t p-value", "wilcoxon_pvalue": "Wilcoxon p-value",
    "hl_estimate": "R pseudomedian", "walsh_median": "HL estimate", "hl_ci_low": "HL CI low", "hl_ci_high": "HL CI high",
    "estimate": "Estimate", "se": "SE", "df": "df", "ci_low": "CI low", "ci_high": "CI high",
    "pvalue": "p-value", "responders": "Responders", "proportion": "Proportion",
    "method": "Method", "definition": "Definition", "n_observed": "n observed",
    "analysis": "Analysis", "scenario": "Scenario", "decision": "Decision", "rule": "Rule",
    "pre_specified": "Pre-specified", "sizes": "Sizes", "bounds": "Bounds",
    "type1_error": "Type I error", "power": "Power", "assumption": "Assumption",
    "p": "p", "probability": "Probability",
}

#: Columns of whole numbers: a float there (a count read as float) prints without decimals.
_COUNTS = {"day", "n", "n_observed", "n_missing", "responders", "n_stage1",
           "responders_stage1", "events", "patients"}


def frame_table(title: str, data: pd.DataFrame, *, unit: str | None = None,
                units: Mapping[str, str | None] | None = None,
                intervals: Mapping[str, tuple[str, str, str]] | None = None,
                notes: tuple[str, ...] = (), label: str = "") -> Table:
    """A Table from a numeric DataFrame, every number in the house style.

    p-value columns (names containing ``pvalue``) by
    :func:`~thera_stats.formatting.format_pvalue`, ``df`` by
    :func:`~thera_stats.formatting.format_df`, counts as integers, booleans as
    yes/no, every other number by
    :func:`~thera_stats.formatting.format_estimate` with the decimals of its
    unit. ``to_csv`` keeps every digit of ``data``; headers come from
    :data:`HEADERS`.

    Parameters
    ----------
    title : str
        Caption.
    data : DataFrame
        The numbers, one column per quantity.
    unit : str, optional
        The unit of the estimates (``"proportion"``, ``"error rate"``, a
        score's unit such as ``"mm"``); decides their decimals.
    units : mapping, optional
        Other units for named columns.
    intervals : mapping, optional
        ``{estimate: (low, high, header)}``: the three columns become one,
        named ``header``, holding ``est (lo to hi)``.
    notes : tuple of str
        Footnotes.
    label : str
        The table's label.
    """
    units = dict(units or {})
    intervals = dict(intervals or {})
    merged = {c for lo_hi in intervals.values() for c in lo_hi[:2]}

    def cell(v: Any, column: str) -> str:
        if v is None or v is pd.NA or (isinstance(v, float | np.floating) and np.isnan(v)):
            return ""
        if isinstance(v, bool | np.bool_):
            return "yes" if v else "no"
        if isinstance(v, int | np.integer):
            return str(int(v))
        if isinstance(v, float | np.floating):
            if "pvalue" in column or column.startswith("p-value"):
                return format_pvalue(float(v))
            if column == "df":
                return format_df(float(v))
            if column in _COUNTS and float(v).is_integer():
                return str(int(v))
            return format_estimate(float(v), units.get(column, unit))
        return str(v)

    columns: dict[str, list[str]] = {}
    for c in data.columns:
        name = str(c)
        if name in merged:
            continue
        if name in intervals:
            lo, hi, header = intervals[name]
            columns[header] = [
                "" if pd.isna(e) else format_interval(e, l_, h_, unit=units.get(name, unit))
                for e, l_, h_ in zip(data[c].tolist(), data[lo].tolist(), data[hi].tolist(),
                                     strict=True)]
        else:
            columns[HEADERS.get(name, name)] = [cell(v, name) for v in data[c].tolist()]
    return Table(title, pd.DataFrame(columns), notes=notes, data=data.reset_index(drop=True),
                 label=label)
