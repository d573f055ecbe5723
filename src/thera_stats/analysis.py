"""The phase II go/no-go analysis: from a validated trial to the decision on phase III.

:func:`analyze` follows the pre-specified plan: it derives the primary
endpoint per patient (from the score table, or the recorded response), orders
the analysis population into the design's stages, applies the design's
decision rule to the attained stage sizes, and gathers the estimates (naive
and design-adjusted), the score analyses and the safety summary into one
result that prints as a memo and serialises to JSON and Markdown with
provenance. After a stage 1 that continues, it is the interim analysis.
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thera_stats.data import Trial, check_output_folder
from thera_stats.decision import (
    InterimOutlook,
    _design_decision,
    _responder_flags,
    _score_table,
    interim_outlook,
    primary_endpoint,
)
from thera_stats.formatting import (
    format_count,
    format_df,
    format_estimate,
    format_interval,
    format_n_pct,
    format_pvalue,
    typeset,
)
from thera_stats.safety import adverse_event_summary, safety_tables
from thera_stats.sensitivity import endpoint_sensitivity
from thera_stats.tables import (
    Table,
    baseline_table,
    disposition_counts,
    disposition_table,
    frame_table,
)

__all__ = ["GoNoGoAnalysis", "InterimOutlook", "analyze", "interim_outlook",
           "primary_endpoint", "provenance"]


def provenance(trial: Trial) -> dict[str, Any]:
    """What made an output: package version, the plan, and a SHA-256 of every input file.

    No timestamps and no absolute paths, so the same inputs give the same record
    on any machine.
    """
    from thera_stats import __version__

    return {
        "package": "thera_stats",
        "version": __version__,
        "data_folder": None if trial.source is None else Path(trial.source).name,
        "input_sha256": dict(trial.files),
        "plan": trial.plan.to_dict(),
        "python": platform.python_version(),
        "numpy": np.__version__,
        "pandas": pd.__version__,
    }


def _clean(value: Any) -> Any:
    """JSON-safe plain Python values (NaN becomes null)."""
    if isinstance(value, Mapping):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if isinstance(value, pd.DataFrame):
        return [_clean(r) for r in value.to_dict("records")]
    if isinstance(value, pd.Timestamp):
        return value.strftime("%Y-%m-%d")
    if isinstance(value, np.generic):
        value = value.item()
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, float) and not math.isfinite(value):
        return None
    return value


_VERDICT = {"go": "phase III is justified", "no go": "phase III is not justified",
            "stop for futility": "stopped for futility; phase III is not justified",
            "stop for efficacy": "stopped early for efficacy; phase III is justified",
            "inconclusive": "inconclusive; the design leaves the decision open",
            "continue to stage 2": "stage 1 passed; the trial goes on to stage 2",
            "continue": "the interim look passed; the trial goes on"}


@dataclass(frozen=True)
class GoNoGoAnalysis:
    """The result of :func:`analyze`: the decision, its evidence and provenance.

    Attributes
    ----------
    trial : Trial
        The validated input.
    population : DataFrame
        The analysis population with ``order`` and ``stage``.
    endpoint : DataFrame
        One row per analysed patient: ``patient_id, order, stage, responder,
        missing`` (score endpoints also ``baseline, value, change,
        pct_change`` on the endpoint day).
    n_stage1, n_total, responses_stage1, responses_total : int
        Attained stage sizes and responders.
    decision : Decision
        The design's decision for the attained sizes, with its explanation.
    naive : BinomialTestResult
        Exact binomial test of x/n against p0, ignoring the design.
    adjusted : TwoStageInference or None
        Design-adjusted inference (Simon designs, final analysis).
    interim : InterimOutlook or None
        Conditional power and what the rest of the trial must show, when an interim
        look continues.
    confidence_level : float
        The plan's confidence level of the response-rate intervals.
    score_table, changes, score_summary, change_summary, responder_rates, responder_curve, auc
        The score analyses (DataFrames; ``None`` for a binary endpoint).
    mmrm : MMRMResult or None
        The repeated-measures fit (``None`` with ``mmrm_error`` set if it failed).
    lsmeans, sensitivity : DataFrame or None
        LS means by day, and the mean change on the endpoint day under
        missing-data approaches (observed cases, LOCF, BOCF, MMRM).
    provenance : dict
        Package version, plan and input-file SHA-256.
    """

    trial: Trial
    population: pd.DataFrame
    endpoint: pd.DataFrame
    n_stage1: int
    n_total: int
    responses_stage1: int
    responses_total: int
    decision: Any
    naive: Any
    naive_interval: Any
    adjusted: Any
    adjusted_interval: Any
    posterior: Any
    confidence_level: float
    interim: InterimOutlook | None = None
    score_table: pd.DataFrame | None = None
    changes: pd.DataFrame | None = None
    score_summary: pd.DataFrame | None = None
    change_summary: pd.DataFrame | None = None
    responder_rates: pd.DataFrame | None = None
    responder_curve: pd.DataFrame | None = None
    auc: pd.DataFrame | None = None
    mmrm: Any = None
    mmrm_error: str | None = None
    lsmeans: pd.DataFrame | None = None
    sensitivity: pd.DataFrame | None = None
    off_plan_rules: pd.DataFrame | None = None
    robustness: Any = None
    provenance: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def plan(self) -> Any:
        return self.trial.plan

    @property
    def go(self) -> bool:
        """True when the decision is "go" (phase III justified)."""
        return bool(self.decision.action in ("go", "stop for efficacy"))

    @property
    def is_interim(self) -> bool:
        """True when stage 1 continues: this is the interim analysis."""
        return self.interim is not None

    def __repr__(self) -> str:
        return (f"GoNoGoAnalysis(trial={self.plan.name!r}, action={self.decision.action!r}, "
                f"responses={self.responses_total}/{self.n_total})")

    def estimates(self) -> pd.DataFrame:
        """Point estimates, p-values and intervals side by side (one row per method)."""
        lvl = self.confidence_level
        rows = [{
            "method": "naive x/n, exact binomial (Clopper-Pearson)",
            "estimate": self.naive.estimate,
            "pvalue": self.naive.pvalue,
            "ci_low": self.naive_interval.low,
            "ci_high": self.naive_interval.high,
        }]
        if self.adjusted is not None:
            ci = self.adjusted_interval
            kind = "two-stage" if self.plan.design.type == "simon" else "multi-stage"
            rows.append({"method": f"{kind} MLE (x/n)", "estimate": self.adjusted.mle,
                         "pvalue": np.nan, "ci_low": np.nan, "ci_high": np.nan})
            rows.append({"method": f"{kind} UMVUE", "estimate": self.adjusted.umvue,
                         "pvalue": np.nan, "ci_low": np.nan, "ci_high": np.nan})
            rows.append({"method": f"{kind} median-unbiased, exact ({self.adjusted.ordering})",
                         "estimate": self.adjusted.median_unbiased,
                         "pvalue": self.adjusted.pvalue, "ci_low": ci.low, "ci_high": ci.high})
        post = self.posterior
        rows.append({"method": "Bayesian, Jeffreys Beta(1/2, 1/2) prior (posterior mean)",
                     "estimate": post.mean, "pvalue": np.nan,
                     "ci_low": post.low, "ci_high": post.high})
        frame = pd.DataFrame(rows)
        frame.attrs["confidence_level"] = lvl
        return frame

    def tables(self) -> dict[str, Table]:
        """Every report table, keyed by a file-friendly name (also each table's label).

        Numbers follow :mod:`thera_stats.formatting`: response rates with 3
        decimals, design error rates with 4, score values with 1 (the plan's
        unit), whole df as integers, p-values with 3 decimals or ``<0.001``,
        each estimate with its interval as ``est (lo to hi)``.
        """
        plan = self.plan
        ep = plan.endpoint
        lvl = f"{100 * self.confidence_level:g} %"
        ci = f"Estimate ({lvl} CI)"
        kind = "two-stage" if plan.design.type == "simon" else "multi-stage"
        note = (f"The naive analysis ignores the {kind} design; the {kind} rows "
                "condition on the attained stage sizes.") if self.adjusted is not None else (
                "Exact binomial analysis of the responders.")
        rate_ci = {"estimate": ("ci_low", "ci_high", ci)}
        out = {
            "baseline": baseline_table(self.trial),
            "disposition": disposition_table(self.trial),
            "primary_endpoint": self.primary_endpoint_table(),
            "estimates": frame_table(
                f"{plan.name}: response rate, estimates, one-sided p-values against p0 = "
                f"{plan.design.p0:g} and {lvl} intervals", self.estimates(), notes=(note,),
                unit="proportion", intervals=rate_ci),
        }
        if self.off_plan_rules is not None:
            rules = self.off_plan_rules[["rule", "pre_specified", "sizes", "bounds", "decision",
                                         "type1_error", "power", "assumption"]].copy()
            na = self.off_plan_rules[self.off_plan_rules["decision"] == "not applicable"]
            why = tuple(f"{rec.rule}: not applicable ({rec.note})."
                        for rec in na.itertuples(index=False) if rec.note)
            rules["sizes"] = rules["sizes"].map(lambda v: "/".join(map(str, v)))
            out["off_plan_rules"] = frame_table(
                f"{plan.name}: the trial ended off plan; what every published rule decides at "
                "the attained sizes (exact type I error and power at those sizes)", rules,
                unit="error rate",
                notes=(f"Pre-specified rule: {plan.design.off_plan_rule}.", *why))
        if self.robustness is not None:
            rob = self.robustness.table
            keep = rob[rob["analysis"] != "responder definition"]
            cols = ["analysis", "scenario", "responders", "n", "estimate", "ci_low", "ci_high",
                    "pvalue", "decision"]
            out["robustness"] = frame_table(
                f"{plan.name}: robustness of the decision (missing data, populations)",
                keep[cols], notes=(self.robustness.tipping_point.explanation,
                                   *self.robustness.notes),
                unit="proportion", intervals=rate_ci)
        if self.interim is not None:
            out["interim"] = frame_table(
                f"{plan.name} interim analysis: probability of a final 'go' given stage 1",
                self.interim.conditional_power, unit="proportion",
                notes=(self.interim.describe(),))
        if plan.is_score and self.change_summary is not None:
            vlvl = f"{100 * plan.score_confidence_level:g} %"
            unit = f" ({ep.unit})" if ep.unit else ""
            score = ep.unit  # the score's unit decides its decimals ("" or "mm": 1)
            change = self.change_summary
            day_rows = change[change["day"] != plan.baseline_day]
            vas_cols = ["day", "n", "mean_change", "sd_change", "mean_change_ci_low",
                        "mean_change_ci_high", "median_change", "t_pvalue", "wilcoxon_pvalue",
                        "walsh_median", "hl_ci_low", "hl_ci_high"]
            better = "less" if ep.better == "lower" else "more"
            out["score_by_day"] = frame_table(
                f"{plan.name}: change in {ep.name} from baseline by day{unit}",
                day_rows[vas_cols], unit=score, intervals={
                    "mean_change": ("mean_change_ci_low", "mean_change_ci_high",
                                    f"Mean change ({vlvl} CI)"),
                    "walsh_median": ("hl_ci_low", "hl_ci_high", f"HL estimate ({vlvl} CI)")},
                notes=(f"Change = value minus baseline; {ep.better} is better. CI: {vlvl} "
                       "paired t; HL: Hodges-Lehmann estimate (median of the Walsh averages) with "
                       f"its signed-rank interval. A {('negative' if better == 'less' else 'positive')} "
                       "change is an improvement. p-values two-sided.",))
            rates = self.responder_rates
            assert rates is not None
            definitions = rates["definition"].unique()
            shown = rates.drop(columns="definition") if len(definitions) == 1 else rates
            out["responders_by_day"] = frame_table(
                f"{plan.name}: responders by day (primary definition, exact Clopper-Pearson "
                "intervals)", shown, unit="proportion",
                intervals={"proportion": ("ci_low", "ci_high", f"Proportion ({lvl} CI)")},
                notes=(f"Responder: {definitions[0]}.",) if len(definitions) == 1 else ())
            out["responders_by_day"] = replace(out["responders_by_day"],
                                               data=rates.reset_index(drop=True))
            if self.lsmeans is not None:
                out["mmrm_lsmeans"] = frame_table(
                    f"{plan.name}: MMRM least-squares mean change from baseline by day{unit}",
                    self.lsmeans, unit=score,
                    intervals={"estimate": ("ci_low", "ci_high", f"Estimate ({vlvl} CI)")},
                    notes=(f"REML, {self.mmrm.covariance} covariance, "
                           f"{_DF_LABELS.get(self.mmrm.df_method, self.mmrm.df_method)} df; "
                           f"baseline {ep.name} set to its mean.",))
            if self.sensitivity is not None:
                out["missing_data_sensitivity"] = frame_table(
                    f"{plan.name}: mean change in {ep.name} on day {ep.day} under missing-data "
                    f"approaches{unit}", self.sensitivity, unit=score,
                    intervals={"estimate": ("ci_low", "ci_high", f"Estimate ({vlvl} CI)")})
        safety = safety_tables(self.trial)
        out["safety_overview"] = safety["overview"]
        out["adverse_events"] = safety["by_soc_pt"]
        return {name: replace(table, label=f"{plan.name}-{name}") for name, table in out.items()}

    def primary_endpoint_table(self) -> Table:
        e = self.endpoint
        plan, design = self.plan, self.plan.design
        lvl = f"{100 * self.confidence_level:g} %"
        rows = [
            ("Analysis population",
             f"{plan.population}: {format_count(self.n_total, 'patient')}"),
            ("Looks" if design.type == "multistage" else "Stage 1",
             f"{self.responses_stage1} / {self.n_stage1} responders "
                        f"(planned: stop if <= {design.r1} of {design.n1})"
             if design.type == "simon" else self._looks_text() if design.type == "multistage"
             else "single stage"),
            ("Total", f"{self.responses_total} / {self.n_total} responders"),
            ("Missing primary assessment", f"{int(e['missing'].sum())} (counted as "
             f"{'non-responders' if plan.endpoint.missing == 'non-responder' else 'excluded'})"),
            ("Response rate (naive)", format_interval(
                self.naive.estimate, self.naive_interval.low, self.naive_interval.high,
                unit="proportion", label=f"{lvl} CI")),
        ]
        if self.adjusted is not None:
            ci = self.adjusted_interval
            rows.append(("Response rate (two-stage adjusted)" if design.type == "simon"
                         else "Response rate (design-adjusted)",
                         f"UMVUE {format_estimate(self.adjusted.umvue, 'proportion')}; "
                         "median-unbiased " + format_interval(
                             self.adjusted.median_unbiased, ci.low, ci.high, unit="proportion",
                             label=f"{lvl} CI")))
            rows.append(("One-sided p-value against p0", f"{format_pvalue(self.adjusted.pvalue)} "
                         f"(stage-wise ordering; naive {format_pvalue(self.naive.pvalue)})"))
        else:
            rows.append(("One-sided p-value against p0", format_pvalue(self.naive.pvalue)))
        if self.interim is not None:
            rows.append((f"What {self.interim.rest} must show",
                         f"at least {format_count(self.interim.needed, 'response')} "
                         f"among {format_count(self.interim.n_stage2, 'patient')}"))
        rows.append(("Decision", self.decision.action.upper()))
        frame = pd.DataFrame(rows, columns=["Primary endpoint", "Result"])
        return Table(f"{plan.name} primary endpoint: {plan.endpoint.describe()}", frame,
                     notes=(self.decision.explanation,), label="primary_endpoint")

    # ------------------------------------------------------------------ outputs
    def _looks_text(self) -> str:
        """Responders per stage of a multi-stage design, cumulative."""
        e = self.endpoint
        parts = []
        for k in sorted(e["stage"].unique()):
            upto = e[e["stage"] <= k]
            parts.append(f"look {k}: {int(upto['responder'].sum())} / {len(upto)}")
        return "; ".join(parts) + " responders (cumulative)"

    def to_dict(self) -> dict[str, Any]:
        """Every number of the analysis as plain JSON-ready values."""
        d = self.decision
        design = self.plan.design
        out: dict[str, Any] = {
            "provenance": self.provenance,
            "trial": {"name": self.plan.name, "treatment": self.plan.trial.treatment,
                      "registration": self.plan.trial.registration or None},
            "decision": {"action": d.action, "explanation": d.explanation,
                         "rule": getattr(d, "rule", None),
                         "planned_rule_says": getattr(d, "planned_action", None)},
            "plan_notes": list(self.plan.notes),
            "data_notes": list(self.trial.notes),
            "disposition": disposition_counts(self.trial),
            "stages": {"n_stage1": self.n_stage1, "n_total": self.n_total,
                       "responses_stage1": self.responses_stage1,
                       "responses_total": self.responses_total,
                       "planned_n1": design.n1, "planned_n": design.n},
            "confidence_level": self.confidence_level,
            "estimates": self.estimates(),
            "interim": None if self.interim is None else {
                "needed": self.interim.needed, "n_stage2": self.interim.n_stage2,
                "r_final": self.interim.r_final, "rest": self.interim.rest,
                "conditional_power": self.interim.conditional_power},
            "endpoint": self.endpoint,
            "change_summary": self.change_summary,
            "responder_rates": self.responder_rates,
            "lsmeans": self.lsmeans,
            "mmrm_error": self.mmrm_error,
            "missing_data_sensitivity": self.sensitivity,
            "off_plan_rules": self.off_plan_rules,
            "robustness": None if self.robustness is None else {
                "table": self.robustness.table,
                "tipping_point": self.robustness.tipping_point.explanation},
            "adverse_events": None if self.trial.adverse_events is None
            else adverse_event_summary(self.trial),
            "protocol_deviations": self.trial.deviations,
        }
        return _clean(out)

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2, sort_keys=False, allow_nan=False) + "\n"

    def memo(self) -> str:
        """The readable decision memo (plain text)."""
        return _memo(self, markdown=False)

    def to_markdown(self) -> str:
        """The memo and every table as Markdown, with provenance at the end."""
        return _memo(self, markdown=True)

    def write(self, folder: str | Path, *, overwrite: bool = False,
              docx: bool | None = None) -> list[Path]:
        """Write ``analysis.json``, ``analysis.md`` and every table into ``folder``.

        Each table goes to ``tables/<name>.csv`` (the numbers) and ``.md``,
        ``.tex``, ``.html``, ``.txt`` (as displayed); all of them also go, numbered
        and captioned, into one Word document ``tables/tables.docx`` for a clinical
        study report (:func:`thera_stats.docx_tables.tables_to_docx`). ``docx=None``
        writes it when python-docx is installed (the ``report`` extra), ``True``
        requires it. The bytes depend only on the inputs (and ``SOURCE_DATE_EPOCH``
        for the Word file's date). Refuses to write into the trial's data folder,
        and over an earlier analysis unless ``overwrite`` (whose stale tables are
        then removed).
        """
        if docx is None:
            import importlib.util

            docx = importlib.util.find_spec("docx") is not None
        folder = check_output_folder(folder, self.trial.source,
                                     ["analysis.json", "analysis.md", "tables"],
                                     overwrite=overwrite)
        if (folder / "tables").is_dir():
            for old in (folder / "tables").iterdir():
                if old.suffix in (".csv", ".md", ".tex", ".html", ".txt", ".json", ".docx"):
                    old.unlink()
        (folder / "tables").mkdir(parents=True, exist_ok=True)
        texts = {folder / "analysis.json": self.to_json(), folder / "analysis.md": self.to_markdown()}
        stamp = json.dumps(self.provenance, sort_keys=True, separators=(",", ":"))
        footers = {"markdown": f"\n<!-- provenance: {stamp} -->\n",
                   "html": f"\n<!-- provenance: {stamp} -->\n",
                   "latex": f"\n% provenance: {stamp}\n", "text": f"\nProvenance: {stamp}\n"}
        for name, table in self.tables().items():
            for suffix, fmt in (("csv", "csv"), ("md", "markdown"), ("tex", "latex"),
                                ("html", "html"), ("txt", "text")):
                texts[folder / "tables" / f"{name}.{suffix}"] = table.render(fmt) + footers.get(
                    fmt, "")
        # CSV has no comment syntax: its provenance sits beside it.
        texts[folder / "tables" / "provenance.json"] = json.dumps(
            self.provenance, indent=2, sort_keys=True) + "\n"
        for path, text in texts.items():
            path.write_text(text, encoding="utf-8")
        paths = list(texts)
        if docx:
            from thera_stats.docx_tables import tables_to_docx

            paths.append(tables_to_docx(
                self.tables(), folder / "tables" / "tables.docx",
                title=f"{self.plan.name}: report tables", overwrite=True,
                data_dir=self.trial.source))
        return paths

    def __str__(self) -> str:
        return self.memo()


#: How the tables and the memo name the repeated-measures model's df methods.
_DF_LABELS = {"satterthwaite": "Satterthwaite", "kenward-roger": "Kenward-Roger",
              "kenward-roger-linear": "Kenward-Roger (linear)", "residual": "residual"}


def _p(p: float) -> str:
    """``= 0.036``, ``< 0.001`` or ``> 0.999``: the package's p-value style after "p"."""
    return format_pvalue(p, relation=True)


def _count(k: int, noun: str) -> str:
    return f"{k} {noun}{'' if k == 1 else 's'}"


def _memo(a: GoNoGoAnalysis, *, markdown: bool) -> str:
    plan, design, ep = a.plan, a.plan.design, a.plan.endpoint
    lvl = f"{100 * a.confidence_level:g} %"
    item = "- " if markdown else "  "
    h1 = (lambda s: f"# {s}") if markdown else (lambda s: f"{s}\n{'=' * len(s)}")
    h2 = (lambda s: f"\n## {s}") if markdown else (lambda s: f"\n{s}\n{'-' * len(s)}")
    kind = "interim analysis" if a.is_interim else "go/no-go analysis for phase III"
    lines = [h1(f"{plan.name} phase II: {kind}")]
    lines.append(f"\nTreatment: {plan.trial.treatment}."
                 + (f" Registration: {plan.trial.registration}." if plan.trial.registration
                    else ""))
    if plan.trial.note:
        lines.append(f"\nNote: {plan.trial.note}")
    lines.append(h2("Decision"))
    bold = "**" if markdown else ""
    verdict = _VERDICT.get(a.decision.action, "")
    n1a, n1 = (getattr(a.decision, name, None) for name in ("n_stage1", "planned_n1"))
    if a.decision.action == "continue to stage 2" and n1a is not None and n1 is not None \
            and n1a < n1:
        verdict = f"stage 1 is incomplete ({n1a} of {n1} patients); the trial goes on"
    lines.append(f"{bold}{a.decision.action.upper()}{bold}: {verdict}.")
    lines.append("")
    lines.append(a.decision.explanation)
    if a.interim is not None:
        lines.append(h2(f"Interim: what {a.interim.rest} must show"))
        lines.append(a.interim.describe())
    lines.append(h2("Design and primary endpoint"))
    lines.append(design.describe())
    for note in plan.notes:
        lines.append(f"Plan note: {note}")
    lines.append(f"Responder: {ep.describe()}.")
    c = disposition_counts(a.trial)
    lines.append(h2("Patients"))
    flow = f"Enrolled {c['enrolled']}"
    if c.get("treated") is not None:
        flow += f", treated {c['treated']}, full course {c['completed_treatment']}"
    if c.get("withdrawn") is not None:
        flow += f", withdrawn {c['withdrawn']}"
    if c.get("assessed_primary_day") is not None:
        flow += (f"; {ep.name} assessed on day {c['primary_day']}: {c['assessed_primary_day']}"
                 if plan.is_score else f"; response recorded: {c['assessed_primary_day']}")
    stage_text = (f", {a.n_stage1} in stage 1 and {a.n_total - a.n_stage1} in stage 2 "
                  f"(planned {design.n1} and {design.n - (design.n1 or 0)})"
                  if design.type == "simon" else
                  f" (planned looks at {', '.join(map(str, design.sizes or ()))})"
                  if design.type == "multistage" else "")
    lines.append(f"{flow}. Analysis population ({plan.population}): "
                 f"{format_count(a.n_total, 'patient')}"
                 f"{stage_text}.")
    for note in a.trial.notes:
        lines.append(f"Data note: {note}")
    lines.append(h2("Response rate"))
    lines.append(f"Responders: {a.responses_stage1} of {a.n_stage1} in stage 1; "
                 f"{a.responses_total} of {a.n_total} in all."
                 if design.type == "simon" else
                 f"Responders: {a._looks_text()}."
                 if design.type == "multistage" else
                 f"Responders: {a.responses_total} of {a.n_total}.")
    for rec in a.estimates().itertuples(index=False):
        text = format_interval(rec.estimate, rec.ci_low, rec.ci_high, unit="proportion",
                               label=f"{lvl} interval")
        if not np.isnan(rec.pvalue):
            text += f", one-sided p {_p(rec.pvalue)}"
        lines.append(f"{item}{rec.method}: {text}")
    prob = format_estimate(a.posterior.prob_greater(design.p0), "proportion")
    lines.append(f"{item}Bayesian posterior probability that the response "
                 f"rate exceeds p0 = {design.p0:g}: {prob}")
    if plan.is_score and a.change_summary is not None:
        lines.append(h2(ep.name[0].upper() + ep.name[1:]))
        vlvl = f"{100 * plan.score_confidence_level:g} %"
        u = ep.unit_suffix

        def change(est: float, lo: float, hi: float) -> str:
            # the unit after the estimate: "-22.8 mm (95 % CI -34.3 to -11.3"
            return (f"{format_estimate(est, ep.unit)}{u} ("
                    f"{format_interval(None, lo, hi, unit=ep.unit, label=f'{vlvl} CI')}")

        row = a.change_summary[a.change_summary["day"] == ep.day]
        if len(row):
            r = row.iloc[0]
            lines.append(
                f"Day {ep.day}: mean change "
                f"{change(r['mean_change'], r['mean_change_ci_low'], r['mean_change_ci_high'])}"
                f"; paired t p {_p(r['t_pvalue'])}; Wilcoxon p {_p(r['wilcoxon_pvalue'])}) in "
                f"{int(r['n'])} patients.")
        if a.lsmeans is not None:
            lm = a.lsmeans[a.lsmeans["day"] == ep.day]
            if len(lm):
                r = lm.iloc[0]
                lines.append(f"MMRM LS mean change on day {ep.day}: "
                             f"{change(r['estimate'], r['ci_low'], r['ci_high'])}; "
                             f"{_DF_LABELS.get(a.mmrm.df_method, a.mmrm.df_method)} df "
                             f"{format_df(r['df'])}).")
        elif a.mmrm_error:
            lines.append(f"MMRM: not reported ({a.mmrm_error}).")
    if a.off_plan_rules is not None or a.robustness is not None:
        lines.append(h2("Robustness of the decision"))
    if a.off_plan_rules is not None:
        lines.append(f"The trial ended off plan; the plan pre-specifies the "
                     f"{design.off_plan_rule} rule. What every published rule decides at the "
                     "attained sizes (exact type I error and power there):")
        for rec in a.off_plan_rules.itertuples(index=False):
            err = ("" if not np.isfinite(rec.type1_error) else
                   f" (type I error {format_estimate(rec.type1_error, 'error rate')}, "
                   f"power {format_estimate(rec.power, 'error rate')})")
            mark = " [pre-specified]" if rec.pre_specified else ""
            why = f" ({rec.note})" if rec.decision == "not applicable" and rec.note else ""
            lines.append(f"{item}{rec.rule}: {rec.decision}{err}{mark}{why}")
    if a.robustness is not None:
        rob = a.robustness.table
        decided = rob[rob["decision"] != "not applicable"]
        left_out = len(rob) - len(decided)
        lines.append(f"Primary endpoint, other analyses: the decision is "
                     f"{'go' if a.go else 'no go'} in "
                     f"{int((decided['go'] == a.go).sum())} of {len(decided)} analyses "
                     "(missing data, populations, responder thresholds)"
                     + (f"; {format_count(left_out, 'analysis', 'analyses')} the rule cannot "
                        "decide" if left_out else "") + ".")
        for rec in rob[rob["analysis"].isin(["missing data", "population"])].itertuples(
                index=False):
            lines.append(f"{item}{rec.scenario}: {rec.responders}/{rec.n}, {rec.decision}")
        lines.extend(a.robustness.notes)
        lines.append(a.robustness.tipping_point.explanation)
    lines.append(h2("Safety"))
    if a.trial.adverse_events is None:
        lines.append("Adverse events: not collected in this data set.")
    else:
        ov = adverse_event_summary(a.trial)
        ov = ov[ov["level"] == "overview"].set_index("category")
        n_safety = int(ov.loc["any", "denominator"])

        def events(category: str, label: str) -> str:
            if pd.isna(ov.loc[category, "patients"]):
                return f"{label}: not recorded"
            k, e = int(ov.loc[category, "patients"]), int(ov.loc[category, "events"])
            return f"{label}, {format_n_pct(k, n_safety)} with {_count(e, 'event')}"

        lines.append(
            f"Safety population: {_count(n_safety, 'patient')}. Patients with "
            + "; ".join(events(c, label) for c, label in (
                ("any", "any adverse event"), ("serious", "a serious one"),
                ("related", "one judged related to the study treatment"),
                ("grade_3_or_higher", "one of grade >= 3"),
                ("led_to_withdrawal", "one leading to withdrawal of treatment")))
            + ".")
    if len(a.trial.deviations):
        lines.append(h2("Protocol deviations"))
        for rec in a.trial.deviations.itertuples(index=False):
            lines.append(f"{item}patient {rec.patient_id}: {rec.rule} (value {rec.value})")
    # Prose for readers: true minus signs, >= and <= as symbols (the tables typeset
    # themselves; the plan below is TOML and stays as written).
    lines = [typeset(line) for line in lines]
    if markdown:
        lines.append(h2("Tables"))
        for table in a.tables().values():
            lines.append("")
            lines.append(table.to_markdown())
    lines.append(h2("Provenance"))
    prov = a.provenance
    lines.append(f"thera_stats {prov['version']}; data folder {prov['data_folder']}; inputs (SHA-256):")
    for name, digest in prov["input_sha256"].items():
        lines.append(f"{item}{name}: {digest}")
    if markdown:
        from thera_stats.plan import plan_toml_text

        lines.extend(["", "The analysis plan applied:", "", "```toml",
                      plan_toml_text(a.plan).rstrip(), "```"])
    return "\n".join(lines) + "\n"


def analyze(trial: Trial, *, mmrm_covariance: str | None = None,
            mmrm_df: str | None = None) -> GoNoGoAnalysis:
    """Run the pre-specified go/no-go analysis on a validated trial.

    Parameters
    ----------
    trial : Trial
        From :func:`thera_stats.load_trial` (plan included).
    mmrm_covariance, mmrm_df : str, optional
        Covariance structure and degrees-of-freedom method of the
        repeated-measures model (score endpoints); by default the plan's
        ``analysis.mmrm_covariance`` and ``analysis.mmrm_df`` (unstructured,
        Satterthwaite when the plan names none).

    Returns
    -------
    GoNoGoAnalysis

    Notes
    -----
    Patients of the analysis population are ordered into stages (the
    ``stage`` column if given, else the first ``n1`` by enrolment date). The
    decision applies the design's rule to the attained stage sizes (see
    :meth:`thera_stats.simon.SimonDesign.decide`) and the design-adjusted
    inference conditions on the same sizes. When stage 1 is complete and the
    rule says "continue", the result is the interim analysis (see
    :class:`InterimOutlook`).

    Examples
    --------
    >>> from thera_stats import analyze, load_trial, synthetic_data_path
    >>> result = analyze(load_trial(synthetic_data_path()))
    >>> result.n_stage1, result.n_total, result.responses_total
    (10, 17, 7)
    """
    from thera_stats.binomial import beta_posterior, binomial_ci, binomial_test

    plan = trial.plan
    lvl = plan.confidence_level
    pop = trial.population()
    table = _score_table(trial, pop) if plan.is_score else None
    flags = _responder_flags(trial, table) if table is not None else None
    endpoint = primary_endpoint(trial, pop, flags)
    n_total = len(endpoint)
    if n_total == 0:
        raise ValueError(f"the analysis population ({plan.population}) has no patient with the "
                         "primary endpoint: nothing to analyse")
    n_stage1 = int((endpoint["stage"] == 1).sum())
    x1 = int(endpoint.loc[endpoint["stage"] == 1, "responder"].sum())
    x = int(endpoint["responder"].sum())

    design = plan.design
    naive = binomial_test(x, n_total, design.p0, alternative="greater")
    naive_ci = binomial_ci(x, n_total, confidence_level=lvl, method="clopper-pearson")
    posterior = beta_posterior(x, n_total, prior=(0.5, 0.5), credible_level=lvl, p0=design.p0)
    decision, adjusted, adjusted_ci, interim = _design_decision(design, endpoint, lvl)
    score = ({} if table is None or flags is None
             else _score_analyses(
                 trial, table, flags, mmrm_covariance or plan.mmrm_covariance,
                 mmrm_df or plan.mmrm_df))
    return GoNoGoAnalysis(
        trial=trial, population=pop, endpoint=endpoint, n_stage1=n_stage1, n_total=n_total,
        responses_stage1=x1, responses_total=x, decision=decision, naive=naive,
        naive_interval=naive_ci, adjusted=adjusted, adjusted_interval=adjusted_ci,
        posterior=posterior, confidence_level=lvl, interim=interim,
        off_plan_rules=None if interim is not None else _off_plan_rules(design, endpoint),
        robustness=None if interim is not None else endpoint_sensitivity(trial),
        provenance=provenance(trial), **score,
    )


def _off_plan_rules(design: Any, endpoint: pd.DataFrame) -> pd.DataFrame | None:
    """Every published off-plan rule for the trial's outcome, when it ended off plan."""
    if design.type == "single-stage":
        return None
    from thera_stats.off_plan import compare_off_plan_rules

    ms = design.to_multistage()
    stages = endpoint["stage"].to_numpy(dtype=int)
    flags = endpoint["responder"].to_numpy(dtype=bool)
    last = int(stages.max())
    sizes = [int((stages <= i).sum()) for i in range(1, last + 1)]
    counts = [int(flags[stages <= i].sum()) for i in range(1, last + 1)]
    # The trial stopped at a look on plan (futility or efficacy) or ran to its end on plan.
    if list(ms.sizes[: len(sizes)]) == sizes and (
            len(sizes) == ms.n_looks or ms.decide(counts).action != "continue"):
        return None
    table = compare_off_plan_rules(ms, counts, sizes, alpha=design.alpha, power=design.power)
    table.insert(1, "pre_specified", table["rule"] == design.off_plan_rule)
    return table


def _score_analyses(trial: Trial, table: Any, flags: pd.DataFrame,
                    covariance: str, df_method: str) -> dict[str, Any]:
    """The score endpoint's analyses, each computed once from the validated table.

    ``table`` is the population's :class:`~thera_stats.score.ScoreTable`: the
    table is validated and its changes derived once, and every function below
    reads them from it.
    """
    from thera_stats.errors import TheraStatsError, one_line
    from thera_stats.mmrm import mmrm
    from thera_stats.score import (
        missing_data_sensitivity,
        responder_curve,
        score_auc,
        summarize_change,
        summarize_responders,
        summarize_score,
    )

    plan = trial.plan
    ep = plan.endpoint
    assert ep.day is not None
    base_day = plan.baseline_day
    level = plan.score_confidence_level
    cols: dict[str, Any] = {"subject": "patient_id", "day": "day", "value": ep.column,
                            "baseline_day": base_day}
    changes = table.changes
    change_cols = {**cols, "value": "change"}
    curve = responder_curve(table, missing=ep.missing, better=ep.better, **cols)
    out: dict[str, Any] = {
        "score_table": changes[["patient_id", "day", ep.column]],
        "changes": changes,
        "change_summary": summarize_change(table, confidence_level=level, **change_cols),
        "score_summary": summarize_score(table, confidence_level=level, **cols),
        "responder_rates": summarize_responders(
            flags, day="day", confidence_level=plan.confidence_level,
            definition=ep.describe().split(" on day ")[0]),
        "responder_curve": curve[curve["day"] == ep.day].reset_index(drop=True),
    }
    start, end = plan.auc_days if plan.auc_days is not None else (base_day, ep.day)
    out["auc"] = score_auc(table, start_day=start, end_day=end, **cols)
    sens = missing_data_sensitivity(table, primary_day=ep.day, confidence_level=level,
                                    include_mmrm=False, **cols)
    fit = lsm = None
    fit_error = None
    try:
        post = changes[changes["day"] > base_day]
        fit = mmrm(post, covariates=("baseline",), covariance=covariance, df=df_method,
                   confidence_level=level, **change_cols)
        lsm = fit.lsmeans()
    except TheraStatsError as err:
        fit_error = one_line(err)
    if lsm is not None:
        row = lsm[lsm["day"] == ep.day]
        if len(row) == 1:
            r = row.iloc[0]
            mmrm_row = pd.DataFrame([{
                "method": "MMRM", "day": ep.day, "n": int(post["patient_id"].nunique()),
                "n_observed": int(sens["n_observed"].iat[0]), "estimate": float(r["estimate"]),
                "se": float(r["se"]), "df": float(r["df"]), "ci_low": float(r["ci_low"]),
                "ci_high": float(r["ci_high"]), "pvalue": float(r["pvalue"])}])
            sens = pd.concat([sens, mmrm_row.astype(sens.dtypes.to_dict())],
                             ignore_index=True)
    out.update(mmrm=fit, mmrm_error=fit_error, lsmeans=lsm, sensitivity=sens)
    return out
