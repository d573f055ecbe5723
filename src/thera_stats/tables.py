"""Report tables: baseline characteristics, disposition, primary endpoint, VAS by day, adverse events.

Each builder returns a :class:`Table`, which renders the same content as plain
text (terminal), HTML (notebooks, ``_repr_html_``), Markdown, LaTeX and CSV.
Rendering needs no optional package.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

if TYPE_CHECKING:
    from thera_stats.data import Trial

__all__ = [
    "Table",
    "adverse_event_counts",
    "adverse_event_table",
    "baseline_table",
    "disposition_table",
]

_FORMATS = ("text", "html", "markdown", "latex", "csv")


@dataclass(frozen=True)
class Table:
    """A titled table of strings that renders in several formats.

    Attributes
    ----------
    title : str
        Caption.
    frame : DataFrame
        The cells, already formatted as text (the numbers a reader sees).
    notes : tuple of str
        Footnotes (abbreviations, methods, population).
    data : DataFrame or None
        The unformatted numbers behind the cells, when they are not the cells
        themselves; ``to_csv`` writes these.
    """

    title: str
    frame: pd.DataFrame
    notes: tuple[str, ...] = ()
    data: pd.DataFrame | None = field(default=None, compare=False)

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

    def to_text(self) -> str:
        header, rows = self._cells()
        widths = [max(len(h), *(len(r[j]) for r in rows)) if rows else len(h)
                  for j, h in enumerate(header)]

        def line(cells: list[str]) -> str:
            first = cells[0].ljust(widths[0])
            rest = [c.rjust(w) for c, w in zip(cells[1:], widths[1:], strict=True)]
            return "  ".join([first, *rest]).rstrip()

        rule = "-" * (sum(widths) + 2 * (len(widths) - 1))
        out = [self.title, rule, line(header), rule, *(line(r) for r in rows), rule]
        out.extend(self.notes)
        return "\n".join(out)

    def to_markdown(self) -> str:
        header, rows = self._cells()

        def esc(s: str) -> str:
            return s.replace("|", "\\|")

        out = [f"**{self.title}**", "", "| " + " | ".join(map(esc, header)) + " |",
               "|" + "|".join([":---"] + ["---:"] * (len(header) - 1)) + "|"]
        out.extend("| " + " | ".join(map(esc, r)) + " |" for r in rows)
        if self.notes:
            out.append("")
            out.extend(f"{n}  " for n in self.notes)
        return "\n".join(out)

    def to_html(self) -> str:
        header, rows = self._cells()
        e = html.escape
        parts = [f'<table class="thera-table">\n<caption>{e(self.title)}</caption>',
                 "<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in header) + "</tr></thead>",
                 "<tbody>"]
        for r in rows:
            cells = [f'<th style="text-align:left">{e(r[0])}</th>'] + [
                f'<td style="text-align:right">{e(c)}</td>' for c in r[1:]
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

    def to_latex(self) -> str:
        header, rows = self._cells()
        out = ["\\begin{table}[ht]", "\\centering", f"\\caption{{{_latex(self.title)}}}",
               "\\begin{tabular}{l" + "r" * (len(header) - 1) + "}", "\\hline",
               " & ".join(_latex(h) for h in header) + " \\\\", "\\hline"]
        out.extend(" & ".join(_latex(c) for c in r) + " \\\\" for r in rows)
        out.append("\\hline")
        out.append("\\end{tabular}")
        for n in self.notes:
            out.append(f"\\par\\footnotesize {_latex(n)}")
        out.append("\\end{table}")
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


_LATEX_SPECIAL = {"&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_", "{": r"\{",
                  "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
                  "\\": r"\textbackslash{}", "≥": r"$\geq$", "≤": r"$\leq$", "±": r"$\pm$"}


def _latex(text: str) -> str:
    return "".join(_LATEX_SPECIAL.get(ch, ch) for ch in text)


# ------------------------------------------------------------------ formatting helpers
def fmt_n_pct(k: int, n: int) -> str:
    """``k (pct %)`` with the percentage of ``n`` to one decimal."""
    return f"{k} ({100 * k / n:.1f} %)" if n else f"{k}"


def fmt_mean_sd(x: pd.Series) -> str:
    x = pd.to_numeric(x, errors="coerce").dropna().astype(float)
    if len(x) == 0:
        return "-"
    sd = f"{x.std(ddof=1):.1f}" if len(x) > 1 else "-"
    return f"{x.mean():.1f} ({sd})"


def fmt_median_range(x: pd.Series) -> str:
    x = pd.to_numeric(x, errors="coerce").dropna().astype(float)
    if len(x) == 0:
        return "-"
    return f"{x.median():g} [{x.min():g}, {x.max():g}]"


# ------------------------------------------------------------------ builders
def baseline_table(trial: Trial) -> Table:
    """Baseline characteristics of the enrolled patients.

    Shows what the patients table holds: age, sex, site, each eligibility
    column (text as counts, numbers as mean and SD) and the endpoint's baseline
    score.

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
    if "age_years" in p.columns:
        rows.append(("Age, years: mean (SD)", fmt_mean_sd(p["age_years"])))
        rows.append(("Age, years: median [min, max]", fmt_median_range(p["age_years"])))
    if "sex" in p.columns:
        rows.append(("Sex: female, n (%)", fmt_n_pct(int((p["sex"] == "F").sum()), n)))
        rows.append(("Sex: male, n (%)", fmt_n_pct(int((p["sex"] == "M").sum()), n)))
    if "site" in p.columns:
        for site, k in p["site"].value_counts().sort_index().items():
            rows.append((f"Site: {site}, n (%)", fmt_n_pct(int(k), n)))
    shown = {"age_years", "sex", "site", "baseline"}
    for rule in plan.eligibility:
        col = rule.column
        if col in shown or col not in p.columns:
            continue
        shown.add(col)
        values = p[col]
        categorical = rule.op in ("==", "!=", "in", "not in")
        if (not categorical and pd.api.types.is_numeric_dtype(values)
                and not pd.api.types.is_bool_dtype(values)):
            rows.append((f"{col}: mean (SD)", fmt_mean_sd(values)))
            rows.append((f"{col}: median [min, max]", fmt_median_range(values)))
        else:
            levels = values.map(lambda v: "missing" if pd.isna(v) else (
                f"{v:g}" if isinstance(v, float) else str(v)))
            for level, k in levels.value_counts().sort_index().items():
                rows.append((f"{col}: {level}, n (%)", fmt_n_pct(int(k), n)))
    notes = ["SD: standard deviation."]
    if plan.is_score:
        ep = plan.endpoint
        base = trial.baseline().reindex(p["patient_id"])
        unit = f", {ep.unit}" if ep.unit else ""
        rows.append((f"Baseline {ep.name}{unit}: mean (SD)", fmt_mean_sd(base)))
        rows.append((f"Baseline {ep.name}{unit}: median [min, max]", fmt_median_range(base)))
    frame = pd.DataFrame(rows, columns=["Characteristic", f"N = {n}"])
    return Table(f"{plan.name}: baseline characteristics (enrolled patients, N = {n})", frame,
                 notes=tuple(notes))


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
        rows.append(("Treated (at least one dose)", fmt_n_pct(c["treated"], n)))
        rows.append((f"Received all {c['planned_doses']} planned doses",
                     fmt_n_pct(c["completed_treatment"], n)))
    if c["withdrawn"] is not None:
        rows.append(("Withdrawn", fmt_n_pct(c["withdrawn"], n)))
        rows.extend((f"  {reason}", str(k)) for reason, k in c["withdrawal_reasons"].items())
    if c["assessed_primary_day"] is not None:
        what = (f"{plan.endpoint.name} assessed on day {c['primary_day']}" if plan.is_score
                else "Primary response recorded")
        rows.append((what[0].upper() + what[1:], fmt_n_pct(c["assessed_primary_day"], n)))
    frame = pd.DataFrame(rows, columns=["Patients", "n (%)"])
    return Table(f"{plan.name}: patient disposition", frame,
                 notes=("Percentages of enrolled patients.",))


def adverse_event_counts(trial: Trial) -> dict[str, int] | None:
    """Events and patients with any, serious and related events (None if not collected)."""
    a = trial.adverse_events
    if a is None:
        return None
    serious = a[a["serious"].fillna(False).astype(bool)]
    related = a[a["related"].fillna(False).astype(bool)]
    return {"events": len(a), "patients": int(a["patient_id"].nunique()),
            "serious": len(serious), "serious_patients": int(serious["patient_id"].nunique()),
            "related": len(related), "related_patients": int(related["patient_id"].nunique())}


def adverse_event_table(trial: Trial) -> Table:
    """Adverse events by term and CTCAE grade: events, and patients with at least one.

    Grouped by system organ class when the table has a ``soc`` column. When the
    trial's adverse events were not collected the table says so.

    Examples
    --------
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> from thera_stats.tables import adverse_event_table
    >>> t = adverse_event_table(load_trial(synthetic_data_path()))
    >>> list(t.frame.columns)
    ['Term', 'Grade 1', 'Grade 2', 'Grade 3', 'Grade 4', 'Grade 5', 'Events', 'Patients, n (%)', 'Serious, events (patients)', 'Related, events (patients)']
    """
    plan = trial.plan
    a = trial.adverse_events
    n = len(trial.patients)
    if a is None:
        frame = pd.DataFrame({"Adverse events": ["Not collected in this data set"]})
        return Table(f"{plan.name}: adverse events", frame,
                     notes=("The trial folder has no adverse-event table.",),
                     data=pd.DataFrame(columns=["term", "events", "patients"]))
    grades = [1, 2, 3, 4, 5]

    def record(label: str, g: pd.DataFrame, soc: str | None = None) -> dict[str, Any]:
        counts = g["grade"].value_counts()
        ser = g[g["serious"].fillna(False).astype(bool)]
        rel = g[g["related"].fillna(False).astype(bool)]
        rec: dict[str, Any] = {"soc": soc} if "soc" in a.columns else {}
        rec.update({
            "term": label, **{f"grade_{k}": int(counts.get(k, 0)) for k in grades},
            "events": len(g), "patients": int(g["patient_id"].nunique()),
            "serious": len(ser), "serious_patients": int(ser["patient_id"].nunique()),
            "related": len(rel), "related_patients": int(rel["patient_id"].nunique()),
        })
        return rec

    def by_term(g: pd.DataFrame, soc: str | None = None) -> list[dict[str, Any]]:
        groups = sorted(g.groupby("term", sort=True), key=lambda kv: (-len(kv[1]), kv[0]))
        return [record(str(term), sub, soc) for term, sub in groups]

    records: list[dict[str, Any]] = []
    if "soc" in a.columns:
        socs = sorted(a.groupby(a["soc"].fillna("(not coded)"), sort=True),
                      key=lambda kv: (-len(kv[1]), kv[0]))
        for soc, g in socs:
            records.append(record(str(soc), g, str(soc)))
            for r in by_term(g, str(soc)):
                r["term"] = f"  {r['term']}"
                records.append(r)
    else:
        records.extend(by_term(a))
    records.append(record("Any adverse event", a, "" if "soc" in a.columns else None))
    data = pd.DataFrame.from_records(records)
    frame = pd.DataFrame({
        "Term": data["term"],
        **{f"Grade {k}": data[f"grade_{k}"].astype(str) for k in grades},
        "Events": data["events"].astype(str),
        "Patients, n (%)": [fmt_n_pct(int(k), n) for k in data["patients"]],
        "Serious, events (patients)": [f"{e} ({k})" for e, k in
                                       zip(data["serious"], data["serious_patients"],
                                           strict=True)],
        "Related, events (patients)": [f"{e} ({k})" for e, k in
                                       zip(data["related"], data["related_patients"],
                                           strict=True)],
    })
    soc_note = " Grouped by system organ class: each class row totals the indented terms beneath it." if (
        "soc" in a.columns) else ""
    return Table(
        f"{plan.name}: adverse events by term and grade (N = {n})", frame,
        notes=("Grades: CTCAE. Events are counted each time; patients once per row. Related: "
               f"judged related to {plan.trial.treatment}." + soc_note,),
        data=data,
    )


#: Display headers for the column names of the package's result tables.
HEADERS = {
    "day": "Day", "n": "n", "mean_change": "Mean change", "sd_change": "SD",
    "mean_change_ci_low": "CI low", "mean_change_ci_high": "CI high",
    "median_change": "Median", "t_pvalue": "t p-value", "wilcoxon_pvalue": "Wilcoxon p-value",
    "hl_estimate": "R pseudomedian", "walsh_median": "HL estimate", "hl_ci_low": "HL CI low", "hl_ci_high": "HL CI high",
    "estimate": "Estimate", "se": "SE", "df": "df", "ci_low": "CI low", "ci_high": "CI high",
    "pvalue": "p-value", "responders": "Responders", "proportion": "Proportion",
    "method": "Method", "definition": "Definition",
}


def format_pvalue(p: float) -> str:
    """``<0.001`` below one in a thousand, else three decimals."""
    return "<0.001" if p < 0.001 else f"{p:.3f}"


def frame_table(title: str, data: pd.DataFrame, *, digits: int = 2,
                notes: tuple[str, ...] = ()) -> Table:
    """A Table from a numeric DataFrame: numbers rounded and p-values as ``<0.001`` for
    display only (``to_csv`` keeps every digit), headers from :data:`HEADERS`."""
    def cell(v: Any, column: str) -> str:
        if v is None or (isinstance(v, float) and np.isnan(v)) or v is pd.NA:
            return ""
        if isinstance(v, float | np.floating):
            if "pvalue" in column or column.startswith("p-value"):
                return format_pvalue(float(v))
            return f"{float(v):.{digits}f}"
        return str(v)

    frame = pd.DataFrame({HEADERS.get(str(c), str(c)): [cell(v, str(c)) for v in data[c].tolist()]
                          for c in data.columns})
    return Table(title, frame, notes=notes, data=data.reset_index(drop=True))
