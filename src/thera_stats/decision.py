"""The primary endpoint per patient and the design's decision on it.

:func:`primary_endpoint` derives each patient's response from the score table
(or the recorded response) by the plan's rule; the design's decision rule is
then applied to the attained stage sizes (on plan, or off plan by the plan's
``off_plan_rule``), with the design-adjusted inference on the rule applied, or
the interim outlook when an interim look continues. :mod:`thera_stats.analysis`
builds the go/no-go analysis on them, and :mod:`thera_stats.sensitivity`
repeats them under other definitions of the endpoint.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pandas as pd

from thera_stats.data import Trial
from thera_stats.formatting import format_count

__all__ = ["InterimOutlook", "SingleStageDecision", "interim_outlook", "primary_endpoint"]


def primary_endpoint(trial: Trial, pop: pd.DataFrame,
                     flags: pd.DataFrame | None = None) -> pd.DataFrame:
    """Each patient of the analysis population with the primary endpoint.

    Columns ``patient_id, order, stage`` (from ``pop``), ``responder`` and
    ``missing``; for a score endpoint also ``baseline``, ``value``,
    ``change``, ``pct_change`` on the endpoint day, taken from ``flags``
    (:func:`thera_stats.score.responder_flags` of the population's score
    table; computed here when not given). With ``missing = "exclude"``
    patients without the assessment are dropped (each keeps the stage of its
    enrolment).
    """
    plan = trial.plan
    ep = plan.endpoint
    keep = ["patient_id", "order", "stage"]
    if plan.is_score:
        if flags is None:
            flags = _responder_flags(trial, _score_table(trial, pop))
        at_day = flags[flags["day"] == ep.day]
        cols = ["patient_id", "baseline", ep.column, "change", "pct_change", "responder",
                "observed"]
        at_day = at_day[cols].rename(columns={ep.column: "value"})
        out = pop[keep].merge(at_day, on="patient_id", how="left")
        out["missing"] = ~out["observed"].fillna(False).astype(bool)
        out = out.drop(columns=["observed"])
    else:
        values = trial.patients.set_index("patient_id")[ep.column]
        out = pop[keep].copy()
        out["responder"] = out["patient_id"].map(values)
        out["missing"] = out["responder"].isna().to_numpy(dtype=bool)
    if ep.missing == "exclude":
        out = out[~out["missing"]].reset_index(drop=True)
    out["responder"] = out["responder"].fillna(False).astype(bool)
    return out.reset_index(drop=True)


def _score_table(trial: Trial, pop: pd.DataFrame) -> Any:
    """The analysis population's score table, validated and its changes derived once."""
    from thera_stats.score import ScoreTable

    assert trial.score is not None
    ep = trial.plan.endpoint
    score = trial.score[trial.score["patient_id"].isin(pop["patient_id"])]
    return ScoreTable.from_frame(
        score[["patient_id", "day", ep.column]].reset_index(drop=True), subject="patient_id",
        day="day", value=ep.column, baseline_day=trial.plan.baseline_day, value_range=ep.range,
        unit=ep.unit)


def _responder_flags(trial: Trial, table: Any) -> pd.DataFrame:
    from thera_stats.score import responder_flags

    plan = trial.plan
    ep = plan.endpoint
    return responder_flags(
        table, relative=ep.relative_change, absolute=ep.absolute_change,
        combine=ep.combine, missing=ep.missing, better=ep.better,
        baseline_day=plan.baseline_day, subject="patient_id", day="day", value=ep.column,
    )


def _design_decision(design: Any, endpoint: pd.DataFrame,
                     confidence_level: float) -> tuple[Any, Any, Any, InterimOutlook | None]:
    """The design's decision and design-adjusted inference for an endpoint frame.

    ``endpoint`` has ``stage`` and ``responder`` (as from :func:`primary_endpoint`);
    returns ``(decision, adjusted, adjusted_interval, interim)`` exactly as
    :func:`analyze` reports them (``adjusted`` None for a single-stage design or an
    interim look that continues).
    """
    stage = endpoint["stage"].to_numpy(dtype=int)
    resp = endpoint["responder"].to_numpy(dtype=bool)
    n_total, n_stage1 = len(endpoint), int((stage == 1).sum())
    x1, x = int(resp[stage == 1].sum()), int(resp.sum())
    adjusted = adjusted_ci = interim = None
    decision: Any
    if design.type == "simon":
        if n_stage1 == 0:
            raise ValueError("no patient of the analysis population is in stage 1")
        simon = design.to_simon()
        more = n_total > n_stage1
        decision = simon.decide(x1, x if more else None, n_stage1=n_stage1,
                                n_total=n_total if more else None, rule=design.off_plan_rule)
        if decision.action == "continue to stage 2":
            interim = interim_outlook(simon, x1, n_stage1, decision.r1_used)
        else:
            adjusted = decision.inference()
            adjusted_ci = adjusted.confidence_interval(confidence_level=confidence_level)
    elif design.type == "multistage":
        decision, adjusted, interim = _multistage_decision(design, endpoint)
        if adjusted is not None:
            adjusted_ci = adjusted.confidence_interval(confidence_level=confidence_level)
    else:
        decision = _single_stage_decision(design.p0, design.alpha, design.r, design.n, x, n_total)
    return decision, adjusted, adjusted_ci, interim


@dataclass(frozen=True)
class InterimOutlook:
    r"""Where a two-stage trial stands after stage 1 when the rule says "continue".

    Attributes
    ----------
    responses_stage1, n_stage1 : int
        Stage-1 data.
    n_stage2 : int
        Planned stage-2 patients (planned total minus the attained stage 1).
    r_final : int
        Final boundary: "go" if the total exceeds it (the planned ``r`` on plan;
        recomputed at the attained stage-1 size otherwise).
    needed : int
        Stage-2 responses needed for a final "go": ``r_final - x1 + 1``.
    conditional_power : DataFrame
        ``scenario, p, probability``: the probability of a final "go" given
        stage 1, :math:`P(X_2 \ge \text{needed})`, :math:`X_2 \sim
        \mathrm{Bin}(n_2, p)`, under p0, p1 and the current estimate x1/n1.
    look, n_looks : int
        The interim look just passed and the number of looks of the design (1 and 2 for
        a two-stage design).
    """

    responses_stage1: int
    n_stage1: int
    n_stage2: int
    r_final: int
    needed: int
    conditional_power: pd.DataFrame
    look: int = 1
    n_looks: int = 2

    @property
    def rest(self) -> str:
        """What is left of the trial: "stage 2", "look 3" or "looks 2 to 3"."""
        if self.n_looks == 2:
            return "stage 2"
        if self.look == self.n_looks - 1:
            return f"look {self.n_looks}"
        return f"looks {self.look + 1} to {self.n_looks}"

    def describe(self) -> str:
        cp = self.conditional_power
        parts = [f"{rec.scenario} (p = {rec.p:.3g}): {rec.probability:.3f}"
                 for rec in cp.itertuples(index=False)]
        return (f"{self.rest.capitalize()} must show at least "
                f"{format_count(self.needed, 'response')} among "
                f"{format_count(self.n_stage2, 'patient')} (more than {self.r_final} in all). "
                f"Probability of a "
                f"final 'go' given {'stage 1' if self.n_looks == 2 else f'look {self.look}'} "
                f"(conditional power): {'; '.join(parts)}.")


def interim_outlook(design: Any, x1: int, n1: int, r1_used: int) -> InterimOutlook:
    """Conditional power of a Simon design after a stage 1 that continues.

    The final boundary is the design's ``r`` at the planned stage-1 size, else
    :func:`thera_stats.simon.final_boundary` at the attained stage-1 size and the
    planned total (the rule :meth:`SimonDesign.decide` will apply).
    """
    from scipy.special import bdtrc

    from thera_stats.simon import final_boundary

    n2 = design.n - n1
    r_final = design.r if n1 == design.n1 else final_boundary(r1_used, n1, design.n, design.p0,
                                                               design.alpha)
    needed = max(r_final - x1 + 1, 0)
    rows = []
    for scenario, p in (("under p0", design.p0), ("under p1", design.p1),
                        ("under the current estimate x1/n1", x1 / n1)):
        prob = 1.0 if needed == 0 else (0.0 if needed > n2 else float(bdtrc(needed - 1, n2, p)))
        rows.append({"scenario": scenario, "p": float(p), "probability": prob})
    return InterimOutlook(x1, n1, n2, int(r_final), int(needed), pd.DataFrame(rows))


def _multistage_decision(plan_design: Any, endpoint: pd.DataFrame) -> tuple[Any, Any, Any]:
    """Decision, design-adjusted inference and interim outlook of a multi-stage plan.

    Patients are in looks by their ``stage`` (the first n_1 by enrolment, then the next
    n_2 - n_1, ...). As for Simon's design, data of stage 1 only, or up to a later
    interim look L < K whose planned size is reached exactly, give an interim
    analysis: the rule at look L with the later looks as planned. Otherwise the trial
    has ended: the final analysis is at the attained sizes, with the design's own
    off-plan rule (:meth:`~thera_stats.multistage.MultiStageDesign.at_sizes`) when
    they differ from the plan.
    """
    from thera_stats.multistage_inference import multistage_inference

    design = plan_design.to_multistage()
    stages = endpoint["stage"].to_numpy(dtype=int)
    flags = endpoint["responder"].to_numpy(dtype=bool)
    last = int(stages.max())
    k = design.n_looks
    if last > k:
        raise ValueError(f"patients are in stage {last}, but the design has {k} looks")
    sizes = [int((stages <= i).sum()) for i in range(1, last + 1)]
    counts = [int(flags[stages <= i].sum()) for i in range(1, last + 1)]
    # A planned interim look whose bound the count crossed ended the trial there (as
    # Simon's rule ignores stage 2 after a stop at stage 1): later data do not count.
    for i in range(last - 1):
        if sizes[i] == design.sizes[i] and (
                counts[i] <= design.futility[i] or counts[i] > design.efficacy[i]):
            last, sizes, counts = i + 1, sizes[: i + 1], counts[: i + 1]
            break
    else:
        stopped = _off_plan_stop(design, plan_design, sizes, counts)
        if stopped is not None:
            return stopped
    interim = last < k and (last == 1 or sizes[-1] == design.sizes[last - 1])
    if interim:
        sizes += [max(nk, sizes[-1] + i + 1) for i, nk in enumerate(design.sizes[last:])]
    on_plan = list(design.sizes[: len(sizes)]) == sizes
    if on_plan:
        decision = design.decide(counts)
    else:
        decision = design.decide(counts, sizes, alpha=plan_design.alpha,
                                 rule=plan_design.off_plan_rule, power=plan_design.power)
    # The rule applied; a data-dependent rule (conditional error) has no fixed final bound,
    # so its trial's outcomes are ordered on the attained-size design (same looks and
    # interim bounds: the stage-wise ordering does not involve the final bound).
    rule = decision.design or (design if on_plan else design.at_sizes(
        sizes, alpha=plan_design.alpha))
    if decision.action == "continue":
        x, n = counts[-1], sizes[last - 1]
        return decision, None, _engine_outlook(rule, x, n, decision.look)
    return decision, multistage_inference(rule, counts[: decision.look]), None


def _off_plan_stop(design: Any, plan_design: Any, sizes: list[int],
                   counts: list[int]) -> tuple[Any, Any, None] | None:
    """Decision and inference when the rule at the attained sizes stopped at an earlier look.

    An interim look reached at another size than planned has the off-plan rule's bounds
    there; a count beyond them stopped the trial at that look (the stop is binding: later
    patients do not change the decision). None when no earlier look stops, or when the
    data reach no later look.
    """
    from thera_stats.multistage_inference import multistage_inference

    last = len(sizes)
    full = list(sizes)
    if last < design.n_looks and sizes[-1] == design.sizes[last - 1]:
        full += [max(nk, sizes[-1] + i + 1) for i, nk in enumerate(design.sizes[last:])]
    if list(design.sizes[: len(full)]) == full:
        return None
    for look in range(1, last):
        try:
            decision = design.decide(counts[:look], full, alpha=plan_design.alpha,
                                     rule=plan_design.off_plan_rule, power=plan_design.power)
        except ValueError:
            return None  # the rule cannot decide at this look; the final analysis will say why
        if decision.action == "continue":
            continue
        rule = decision.design or design.at_sizes(full, alpha=plan_design.alpha)
        return decision, multistage_inference(rule, counts[:look]), None
    return None


def _engine_outlook(design: Any, x: int, n: int, look: int) -> InterimOutlook:
    """Conditional power of any design of the engine after interim look ``look`` continues."""
    from thera_stats.conditional_power import conditional_power

    remaining = design.n_max - n
    needed = max(design.final_go - x + 1, 0)
    rows = [{"scenario": scenario, "p": float(p),
             "probability": float(conditional_power(design, x, n, p))}
            for scenario, p in (("under p0", design.p0), ("under p1", design.p1),
                                ("under the current estimate", x / n))]
    return InterimOutlook(x, n, remaining, int(design.final_go), int(needed),
                          pd.DataFrame(rows), look, design.n_looks)


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
    from thera_stats._distributions import binom

    r_used = r
    rule = "planned boundary"
    if n_total != n:
        r_used = next(k for k in range(n_total + 1) if binom.sf(k, n_total, p0) <= alpha)
        rule = "boundary recomputed for the attained size so that the type I error <= alpha"
    action = "go" if x > r_used else "no go"
    planned = "go" if x > r else "no go"
    t1 = float(binom.sf(r_used, n_total, p0))
    text = (f"{action.capitalize()}: {format_count(x, 'response')} in "
            f"{format_count(n_total, 'patient')}, "
            f"{'more than' if action == 'go' else 'at most'} the boundary {r_used} "
            f"({rule}; exact type I "
            f"error {t1:.4f}).")
    if n_total != n:
        text += f" The planned rule ('go' if > {r} of {n}) would have said '{planned}'."
    return SingleStageDecision(action, text, rule, planned, r_used, t1)
