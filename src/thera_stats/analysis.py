"""The phase II go/no-go analysis: from a validated trial to the decision on phase III.

:func:`analyze` follows the pre-specified plan: it derives the primary
endpoint per patient from the VAS table, orders the analysis population into
the design's stages by enrolment date, applies the design's decision rule to
the attained stage sizes, and gathers the estimates (naive and
design-adjusted), the pain-VAS analyses and the safety summary into one result
that prints as a memo and serialises to JSON and Markdown with provenance.
"""

from __future__ import annotations

import json
import math
import platform
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from thera_stats.data import Trial, check_output_folder
from thera_stats.tables import (
    Table,
    adverse_event_table,
    baseline_table,
    disposition_counts,
    disposition_table,
    fmt_n_pct,
    frame_table,
)

__all__ = ["GoNoGoAnalysis", "analyze", "provenance"]


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


def _population(trial: Trial) -> pd.DataFrame:
    """The analysis population in enrolment order, with its stage."""
    p = trial.patients
    pop = trial.plan.population
    if pop == "enrolled":
        keep = pd.Series(True, index=p.index)
    elif pop == "treated":
        keep = p["injections_received"] >= 1
    else:  # per-protocol: full course and no protocol deviation
        deviant = set(trial.deviations["patient_id"].dropna())
        keep = (p["injections_received"] == 5) & ~p["patient_id"].isin(deviant)
    out = p.loc[keep.fillna(False).astype(bool), ["patient_id", "site", "enrolment_date"]]
    out = out.sort_values(["enrolment_date", "patient_id"], kind="stable").reset_index(drop=True)
    design = trial.plan.design
    n1 = design.n1 if design.type == "simon" and design.n1 is not None else len(out)
    out["order"] = np.arange(1, len(out) + 1)
    out["stage"] = np.where(out["order"] <= n1, 1, 2)
    return out


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


@dataclass(frozen=True)
class GoNoGoAnalysis:
    """The result of :func:`analyze`: the decision, its evidence and provenance.

    Attributes
    ----------
    trial : Trial
        The validated input.
    endpoint : DataFrame
        One row per patient of the analysis population: ``patient_id, order,
        stage, baseline_mm, value_mm, change_mm, pct_change, responder,
        missing``.
    n_stage1, n_total, responses_stage1, responses_total : int
        Attained stage sizes and responders.
    decision : Decision
        The design's decision for the attained sizes, with its explanation.
    naive : BinomialTestResult
        Exact binomial test of x/n against p0, ignoring the design.
    adjusted : TwoStageInference or None
        Design-adjusted inference (Simon designs).
    confidence_level : float
        The plan's confidence level, used for every interval.
    vas_summary, change_summary, responder_rates, responder_curve, lsmeans, sensitivity, auc
        The pain-VAS analyses (DataFrames).
    mmrm : MMRMResult or None
        The repeated-measures fit (``None`` with ``mmrm_error`` set if it failed).
    provenance : dict
        Package version, plan and input-file SHA-256.
    """

    trial: Trial
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
    vas_summary: pd.DataFrame
    change_summary: pd.DataFrame
    responder_rates: pd.DataFrame
    responder_curve: pd.DataFrame
    mmrm: Any
    mmrm_error: str | None
    lsmeans: pd.DataFrame | None
    sensitivity: pd.DataFrame | None
    auc: pd.DataFrame
    provenance: dict[str, Any] = field(default_factory=dict)

    # ------------------------------------------------------------------ views
    @property
    def plan(self) -> Any:
        return self.trial.plan

    @property
    def go(self) -> bool:
        """True when the decision is "go" (phase III justified)."""
        return bool(self.decision.action == "go")

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
            rows.append({"method": "two-stage MLE (x/n)", "estimate": self.adjusted.mle,
                         "pvalue": np.nan, "ci_low": np.nan, "ci_high": np.nan})
            rows.append({"method": "two-stage UMVUE", "estimate": self.adjusted.umvue,
                         "pvalue": np.nan, "ci_low": np.nan, "ci_high": np.nan})
            rows.append({"method": f"two-stage median-unbiased, exact ({self.adjusted.ordering})",
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
        """Every report table, keyed by a file-friendly name."""
        lvl = f"{100 * self.confidence_level:g} %"
        vlvl = f"{100 * self.plan.vas_confidence_level:g} %"
        est = self.estimates().rename(columns={"ci_low": f"{lvl} CI low",
                                               "ci_high": f"{lvl} CI high"})
        change = self.change_summary
        day_rows = change[change["day"] != self.plan.baseline_day]
        vas_cols = ["day", "n", "mean_change", "sd_change", "mean_change_ci_low",
                    "mean_change_ci_high", "median_change", "t_pvalue", "wilcoxon_pvalue",
                    "walsh_median", "hl_ci_low", "hl_ci_high"]
        out = {
            "baseline": baseline_table(self.trial),
            "disposition": disposition_table(self.trial),
            "primary_endpoint": self.primary_endpoint_table(),
            "estimates": frame_table(
                f"Response rate: estimates, one-sided p-values against p0 = "
                f"{self.plan.design.p0:g} and {lvl} intervals", est, digits=4,
                notes=("The naive analysis ignores the two-stage design; the two-stage rows "
                       "condition on the attained stage sizes.",)),
            "vas_by_day": frame_table(
                "Change in pain VAS from baseline by day (mm)", day_rows[vas_cols], digits=3,
                notes=(f"Negative change means less pain. CI: {vlvl} paired t; HL: "
                       "Hodges-Lehmann estimate (median of the Walsh averages) with its signed-rank "
                       "interval.",)),
            "responders_by_day": frame_table(
                "Responders by day (primary definition, exact Clopper-Pearson intervals)",
                self.responder_rates, digits=3),
            "adverse_events": adverse_event_table(self.trial),
        }
        if self.lsmeans is not None:
            out["mmrm_lsmeans"] = frame_table(
                "MMRM least-squares mean change from baseline by day (mm)", self.lsmeans,
                digits=3, notes=(f"REML, {self.mmrm.covariance} covariance, Satterthwaite "
                                 "df; baseline VAS set to its mean.",))
        if self.sensitivity is not None:
            out["missing_data_sensitivity"] = frame_table(
                f"Mean change on day {self.plan.endpoint.day} under missing-data approaches",
                self.sensitivity, digits=3)
        return out

    def primary_endpoint_table(self) -> Table:
        e = self.endpoint
        lvl = f"{100 * self.confidence_level:g} %"
        rows = [
            ("Analysis population", f"{self.plan.population}: {self.n_total} patients"),
            ("Stage 1", f"{self.responses_stage1} / {self.n_stage1} responders "
                        f"(planned: stop if <= {self.plan.design.r1} of {self.plan.design.n1})"
             if self.plan.design.type == "simon" else "single stage"),
            ("Total", f"{self.responses_total} / {self.n_total} responders"),
            ("Missing primary assessment", f"{int(e['missing'].sum())} (counted as "
             f"{'non-responders' if self.plan.endpoint.missing == 'non-responder' else 'excluded'})"),
            ("Response rate (naive)", f"{self.naive.estimate:.3f}, {lvl} CI "
             f"{self.naive_interval.low:.3f} to {self.naive_interval.high:.3f}"),
        ]
        if self.adjusted is not None:
            ci = self.adjusted_interval
            rows.append(("Response rate (two-stage adjusted)",
                         f"UMVUE {self.adjusted.umvue:.3f}; median-unbiased "
                         f"{self.adjusted.median_unbiased:.3f}, {lvl} CI {ci.low:.3f} to "
                         f"{ci.high:.3f}"))
            rows.append(("One-sided p-value against p0", f"{self.adjusted.pvalue:.4f} "
                         f"(stage-wise ordering; naive {self.naive.pvalue:.4f})"))
        else:
            rows.append(("One-sided p-value against p0", f"{self.naive.pvalue:.4f}"))
        rows.append(("Decision", self.decision.action.upper()))
        frame = pd.DataFrame(rows, columns=["Primary endpoint", "Result"])
        return Table(f"Primary endpoint: {self.plan.endpoint.describe()}", frame,
                     notes=(self.decision.explanation,))

    # ------------------------------------------------------------------ outputs
    def to_dict(self) -> dict[str, Any]:
        """Every number of the analysis as plain JSON-ready values."""
        d = self.decision
        out: dict[str, Any] = {
            "provenance": self.provenance,
            "decision": {"action": d.action, "explanation": d.explanation,
                         "rule": getattr(d, "rule", None),
                         "planned_rule_says": getattr(d, "planned_action", None)},
            "disposition": disposition_counts(self.trial),
            "stages": {"n_stage1": self.n_stage1, "n_total": self.n_total,
                       "responses_stage1": self.responses_stage1,
                       "responses_total": self.responses_total,
                       "planned_n1": self.plan.design.n1, "planned_n": self.plan.design.n},
            "confidence_level": self.confidence_level,
            "estimates": self.estimates(),
            "endpoint": self.endpoint,
            "change_summary": self.change_summary,
            "responder_rates": self.responder_rates,
            "lsmeans": self.lsmeans,
            "mmrm_error": self.mmrm_error,
            "missing_data_sensitivity": self.sensitivity,
            "adverse_events": adverse_event_table(self.trial).data,
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

    def write(self, folder: str | Path, *, overwrite: bool = False) -> list[Path]:
        """Write ``analysis.json``, ``analysis.md`` and every table into ``folder``.

        Each table goes to ``tables/<name>.csv`` (the numbers) and ``.md``,
        ``.tex``, ``.html``, ``.txt`` (as displayed). The bytes depend only on
        the inputs. Refuses to write into the trial's data folder, and over an
        earlier analysis unless ``overwrite`` (whose stale tables are then removed).
        """
        folder = check_output_folder(folder, self.trial.source,
                                     ["analysis.json", "analysis.md", "tables"],
                                     overwrite=overwrite)
        if (folder / "tables").is_dir():
            for old in (folder / "tables").iterdir():
                if old.suffix in (".csv", ".md", ".tex", ".html", ".txt", ".json"):
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
        return list(texts)

    def __str__(self) -> str:
        return self.memo()


def _memo(a: GoNoGoAnalysis, *, markdown: bool) -> str:
    plan, design = a.plan, a.plan.design
    lvl = f"{100 * a.confidence_level:g} %"
    h1 = (lambda s: f"# {s}") if markdown else (lambda s: f"{s}\n{'=' * len(s)}")
    h2 = (lambda s: f"\n## {s}") if markdown else (lambda s: f"\n{s}\n{'-' * len(s)}")
    lines = [h1(f"{plan.name} phase II: go/no-go analysis for phase III")]
    if plan.note:
        lines.append(f"\nNote: {plan.note}")
    lines.append(h2("Decision"))
    verdict = {"go": "phase III is justified", "no go": "phase III is not justified",
               "stop for futility": "stopped for futility; phase III is not justified",
               "continue to stage 2": "interim: continue to stage 2"}.get(a.decision.action, "")
    bold = "**" if markdown else ""
    lines.append(f"{bold}{a.decision.action.upper()}{bold}: {verdict}.")
    lines.append("")
    lines.append(a.decision.explanation)
    lines.append(h2("Design and primary endpoint"))
    if design.type == "simon":
        lines.append(
            f"Simon two-stage design ({design.criterion}), p0 = {design.p0:g}, p1 = {design.p1:g}, "
            f"one-sided alpha = {design.alpha:g}, power = {design.power:g}: stop after "
            f"{design.n1} patients if at most {design.r1} respond; phase III is justified if more "
            f"than {design.r} of {design.n} respond.")
    else:
        lines.append(f"Single-stage design, p0 = {design.p0:g}, p1 = {design.p1:g}: 'go' if more "
                     f"than {design.r} of {design.n} respond.")
    lines.append(f"Responder: {plan.endpoint.describe()}.")
    c = disposition_counts(a.trial)
    lines.append(h2("Patients"))
    lines.append(
        f"Enrolled {c['enrolled']}, treated {c['treated']}, full course {c['completed_treatment']}, "
        f"withdrawn {c['withdrawn']}; VAS assessed on day {c['primary_day']}: "
        f"{c['assessed_primary_day']}. Analysis population ({plan.population}): {a.n_total} "
        f"patients, {a.n_stage1} in stage 1"
        + (f" and {a.n_total - a.n_stage1} in stage 2 (planned {design.n - design.n1})."
           if design.type == "simon" else "."))
    lines.append(h2("Response rate"))
    lines.append(f"Responders: {a.responses_stage1} of {a.n_stage1} in stage 1; "
                 f"{a.responses_total} of {a.n_total} in all.")
    est = a.estimates()
    for rec in est.itertuples(index=False):
        bits = [f"{rec.estimate:.3f}"]
        if not np.isnan(rec.ci_low):
            bits.append(f"{lvl} interval {rec.ci_low:.3f} to {rec.ci_high:.3f}")
        if not np.isnan(rec.pvalue):
            bits.append(f"one-sided p = {rec.pvalue:.4f}")
        lines.append(f"{'- ' if markdown else '  '}{rec.method}: {', '.join(bits)}")
    lines.append(f"{'- ' if markdown else '  '}Bayesian posterior probability that the response "
                 f"rate exceeds p0 = {design.p0:g}: {a.posterior.prob_greater(design.p0):.3f}")
    lines.append(h2("Pain VAS"))
    vlvl = f"{100 * plan.vas_confidence_level:g} %"
    day = plan.endpoint.day
    row = a.change_summary[a.change_summary["day"] == day]
    if len(row):
        r = row.iloc[0]
        lines.append(
            f"Day {day}: mean change {r['mean_change']:.1f} mm ({vlvl} CI {r['mean_change_ci_low']:.1f}"
            f" to {r['mean_change_ci_high']:.1f}; paired t p = {r['t_pvalue']:.4g}; Wilcoxon p = "
            f"{r['wilcoxon_pvalue']:.4g}) in {int(r['n'])} patients.")
    if a.lsmeans is not None:
        lm = a.lsmeans[a.lsmeans["day"] == day]
        if len(lm):
            r = lm.iloc[0]
            lines.append(f"MMRM LS mean change on day {day}: {r['estimate']:.1f} mm ({vlvl} CI "
                         f"{r['ci_low']:.1f} to {r['ci_high']:.1f}; Satterthwaite df "
                         f"{r['df']:.1f}).")
    elif a.mmrm_error:
        lines.append(f"MMRM: not reported ({a.mmrm_error}).")
    lines.append(h2("Safety"))
    ae = a.trial.adverse_events
    n = c["enrolled"]
    lines.append(
        f"{len(ae)} adverse events in {fmt_n_pct(ae['patient_id'].nunique(), n)} patients; "
        f"{int(ae['serious'].sum())} serious; {int(ae['related'].sum())} judged related.")
    if len(a.trial.deviations):
        lines.append(h2("Protocol deviations"))
        for rec in a.trial.deviations.itertuples(index=False):
            lines.append(f"{'- ' if markdown else '  '}patient {rec.patient_id}: {rec.rule} "
                         f"(value {rec.value})")
    if markdown:
        lines.append(h2("Tables"))
        for table in a.tables().values():
            lines.append("")
            lines.append(table.to_markdown())
    lines.append(h2("Provenance"))
    prov = a.provenance
    lines.append(f"thera_stats {prov['version']}; data folder {prov['data_folder']}; inputs (SHA-256):")
    for name, digest in prov["input_sha256"].items():
        lines.append(f"{'- ' if markdown else '  '}{name}: {digest}")
    if markdown:
        from thera_stats.simulate import plan_toml_text

        lines.extend(["", "The analysis plan applied:", "", "```toml",
                      plan_toml_text(a.plan).rstrip(), "```"])
    return "\n".join(lines) + "\n"


def analyze(trial: Trial, *, mmrm_covariance: str = "unstructured") -> GoNoGoAnalysis:
    """Run the pre-specified go/no-go analysis on a validated trial.

    Parameters
    ----------
    trial : Trial
        From :func:`thera_stats.load_trial` (plan included).
    mmrm_covariance : str
        Covariance structure of the repeated-measures model.

    Returns
    -------
    GoNoGoAnalysis

    Notes
    -----
    Patients of the analysis population are ordered by enrolment date (then
    patient id); the first ``n1`` form stage 1, the rest stage 2. The decision
    applies the design's rule to these attained sizes (see
    :meth:`thera_stats.simon.SimonDesign.decide`), and the design-adjusted
    inference conditions on the same sizes.

    Examples
    --------
    >>> from thera_stats import analyze, load_trial, synthetic_data_path
    >>> result = analyze(load_trial(synthetic_data_path()))
    >>> result.n_stage1, result.n_total, result.responses_total
    (10, 17, 7)
    """
    from thera_stats.binomial import beta_posterior, binomial_ci, binomial_test
    from thera_stats.errors import TheraStatsError
    from thera_stats.mmrm import mmrm
    from thera_stats.vas import (
        change_from_baseline,
        missing_data_sensitivity,
        responder_curve,
        responder_flags,
        responder_rates,
        summarize_change,
        summarize_vas,
        vas_auc,
    )

    plan = trial.plan
    ep = plan.endpoint
    lvl = plan.confidence_level
    base_day = plan.baseline_day
    pop = _population(trial)
    vas = trial.vas[trial.vas["patient_id"].isin(pop["patient_id"])].copy()
    vas["vas_mm"] = vas["vas_mm"].astype(float)
    vas["day"] = vas["day"].astype(int)
    vas["patient_id"] = vas["patient_id"].astype(str)

    flags = responder_flags(
        vas, relative=ep.relative_reduction, absolute_mm=ep.absolute_reduction_mm,
        combine=ep.combine, missing=ep.missing, baseline_day=base_day,
    )
    primary = flags[flags["day"] == ep.day].set_index("patient_id")
    endpoint = pop.merge(primary.reset_index(), on="patient_id", how="left")
    endpoint["missing"] = ~endpoint["observed"].fillna(False).astype(bool)
    if ep.missing == "exclude":
        endpoint = endpoint[~endpoint["missing"]].reset_index(drop=True)
        endpoint["order"] = np.arange(1, len(endpoint) + 1)
        n1_plan = plan.design.n1 if plan.design.type == "simon" else len(endpoint)
        endpoint["stage"] = np.where(endpoint["order"] <= (n1_plan or 0), 1, 2)
    endpoint["responder"] = endpoint["responder"].fillna(False).astype(bool)
    n_total = len(endpoint)
    n_stage1 = int((endpoint["stage"] == 1).sum())
    x1 = int(endpoint.loc[endpoint["stage"] == 1, "responder"].sum())
    x = int(endpoint["responder"].sum())

    design = plan.design
    naive = binomial_test(x, n_total, design.p0, alternative="greater")
    naive_ci = binomial_ci(x, n_total, confidence_level=lvl, method="clopper-pearson")
    posterior = beta_posterior(x, n_total, prior=(0.5, 0.5), credible_level=lvl, p0=design.p0)
    adjusted = adjusted_ci = None
    decision: Any
    if design.type == "simon":
        simon = design.to_simon()
        decision = simon.decide(x1, x if n_total > n_stage1 else None, n_stage1=n_stage1,
                                n_total=n_total if n_total > n_stage1 else None)
        adjusted = decision.inference()
        adjusted_ci = adjusted.confidence_interval(confidence_level=lvl)
    else:
        decision = _single_stage_decision(design.p0, design.alpha, design.r, design.n, x, n_total)

    vas_level = plan.vas_confidence_level
    changes = change_from_baseline(vas, baseline_day=base_day)
    change_summary = summarize_change(changes, confidence_level=vas_level, baseline_day=base_day)
    vas_summary = summarize_vas(vas, confidence_level=vas_level)
    rates = responder_rates(
        vas, relative=ep.relative_reduction, absolute_mm=ep.absolute_reduction_mm,
        combine=ep.combine, missing=ep.missing, confidence_level=lvl, baseline_day=base_day,
    )
    curve = responder_curve(vas[vas["day"].isin([base_day, ep.day])], missing=ep.missing,
                            baseline_day=base_day)
    auc = vas_auc(vas, baseline_day=base_day)
    fit = lsm = sens = None
    fit_error = None
    try:
        fit = mmrm(changes, covariance=mmrm_covariance, confidence_level=vas_level,
                   baseline_day=base_day)
        lsm = fit.lsmeans()
        sens = missing_data_sensitivity(vas, primary_day=ep.day, baseline_day=base_day,
                                        covariance=mmrm_covariance,
                                        confidence_level=vas_level)
    except TheraStatsError as err:
        fit_error = str(err).splitlines()[0]
    return GoNoGoAnalysis(
        trial=trial, endpoint=endpoint, n_stage1=n_stage1, n_total=n_total,
        responses_stage1=x1, responses_total=x, decision=decision, naive=naive,
        naive_interval=naive_ci, adjusted=adjusted, adjusted_interval=adjusted_ci,
        posterior=posterior, confidence_level=lvl, vas_summary=vas_summary,
        change_summary=change_summary, responder_rates=rates, responder_curve=curve,
        mmrm=fit, mmrm_error=fit_error, lsmeans=lsm, sensitivity=sens, auc=auc,
        provenance=provenance(trial),
    )


@dataclass(frozen=True)
class SingleStageDecision:
    """The decision of a single-stage design: "go" iff responses > ``r_used``."""

    action: str
    explanation: str
    rule: str
    planned_action: str
    r_used: int
    type1_error: float

    def inference(self) -> None:
        return None


def _single_stage_decision(
    p0: float, alpha: float, r: int, n: int, x: int, n_total: int
) -> SingleStageDecision:
    """Smallest boundary with exact type I error <= alpha at the attained size."""
    from scipy.stats import binom

    r_used = r
    rule = "planned boundary"
    if n_total != n:
        r_used = next(k for k in range(n_total + 1) if binom.sf(k, n_total, p0) <= alpha)
        rule = "boundary recomputed for the attained size so that the type I error <= alpha"
    action = "go" if x > r_used else "no go"
    planned = "go" if x > r else "no go"
    t1 = float(binom.sf(r_used, n_total, p0))
    text = (f"{action.capitalize()}: {x} of {n_total} responses is "
            f"{'>' if action == 'go' else '<='} the boundary {r_used} ({rule}; exact type I "
            f"error {t1:.4f}).")
    if n_total != n:
        text += f" The planned rule ('go' if > {r} of {n}) would have said '{planned}'."
    return SingleStageDecision(action, text, rule, planned, r_used, t1)
