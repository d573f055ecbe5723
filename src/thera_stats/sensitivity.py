"""How robust the go/no-go decision is: sensitivity analyses of the binary primary endpoint.

:func:`endpoint_sensitivity` re-runs the primary analysis of a trial with one
choice of the plan changed at a time and lays the results side by side in one
tidy table:

- **missing data**: a missing assessment counted as a non-response (the worst
  case of a single-arm trial), excluded (complete case) or counted as a
  response (the best case), and the **tipping point**: the fewest missing
  patients whose status would have to change for the decision to change;
- **analysis population**: enrolled, treated, per protocol;
- **responder definition** (score endpoints): a grid of relative and absolute
  thresholds around the plan's.

Every row is analysed as :func:`~thera_stats.analysis.analyze` analyses the
primary endpoint: the same per-patient endpoint
(:func:`~thera_stats.analysis.primary_endpoint`), the design's decision rule at
the attained stage sizes and the same design-adjusted inference (two-stage for
Simon designs, multi-stage for the engine's designs, exact binomial for a
single stage). The plan is varied with :func:`dataclasses.replace`, never
modified. ``docs/methods/sensitivity.md`` explains each scenario.
"""

from __future__ import annotations

import dataclasses
import html
import itertools
import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from thera_stats.data import Trial
from thera_stats.decision import _design_decision, _responder_flags, primary_endpoint
from thera_stats.formatting import format_interval, format_pvalue, typeset
from thera_stats.plan import POPULATIONS

__all__ = ["SensitivityResult", "TippingPoint", "endpoint_sensitivity"]

#: Column order of :attr:`SensitivityResult.table`.
COLUMNS = ("analysis", "scenario", "population", "missing", "relative", "absolute", "n",
           "n_missing", "responders", "n_stage1", "responders_stage1", "rate", "estimate",
           "ci_low", "ci_high", "pvalue", "method", "decision", "go", "plan", "note")

_MISSING_SCENARIOS = (
    ("non-responder", "missing = non-responder (worst case)"),
    ("exclude", "complete case (missing excluded)"),
    ("responder", "missing = responder (best case)"),
)
_FAVOURABLE = ("go", "stop for efficacy")
_UNFAVOURABLE = ("no go", "stop for futility")


def _outcome(action: str) -> str:
    """The decision's class: "go", "no go", or the action itself (continue, inconclusive)."""
    if action in _FAVOURABLE:
        return "go"
    if action in _UNFAVOURABLE:
        return "no go"
    return action


@dataclass(frozen=True)
class TippingPoint:
    """The fewest missing patients whose status would have to change to change the decision.

    Attributes
    ----------
    n_missing : int
        Patients of the analysis population without the primary assessment.
    n_changed : int or None
        The fewest of them whose status (responder, non-responder or excluded)
        must differ from the plan's missing rule for the decision to change;
        ``None`` when no assignment of the missing patients changes it.
    changes : dict
        How the ``n_changed`` patients change: ``{"responder": k, ...}``, the
        number newly counted as responders, as non-responders and excluded
        (empty when ``n_changed`` is None).
    decision : str
        The plan's decision (the action of the primary analysis).
    changed_decision : str or None
        The action after the change.
    explanation : str
        One sentence.
    by_stage : dict
        The same changes by stage: ``{stage: {"responder": k, ...}}`` (the
        decision of a staged design depends on where the responders are).
    """

    n_missing: int
    n_changed: int | None
    changes: dict[str, int]
    decision: str
    changed_decision: str | None
    explanation: str
    by_stage: dict[int, dict[str, int]] = dataclasses.field(default_factory=dict, repr=False)

    def __str__(self) -> str:
        return self.explanation


@dataclass(frozen=True)
class SensitivityResult:
    """The result of :func:`endpoint_sensitivity`.

    Attributes
    ----------
    trial_name : str
    table : DataFrame
        One row per analysis (see :func:`endpoint_sensitivity` for the columns);
        ``analysis`` is ``"primary"``, ``"missing data"``, ``"population"`` or
        ``"responder definition"``.
    tipping_point : TippingPoint
    p0 : float
        The design's null response rate.
    confidence_level : float
        The plan's level of the response-rate intervals.
    plan_thresholds : tuple
        The plan's ``(relative, absolute)`` thresholds (``(None, None)`` for a
        binary endpoint).
    grid_note : str
        Why the threshold grid is empty, when it is (a binary endpoint).
    label, unit, combine : str
        The score's name and unit, and how the two criteria combine (for captions).
    """

    trial_name: str
    table: pd.DataFrame
    tipping_point: TippingPoint
    p0: float
    confidence_level: float
    plan_thresholds: tuple[float | None, float | None]
    grid_note: str = ""
    label: str = ""
    unit: str = ""
    combine: str = "and"

    @property
    def grid(self) -> pd.DataFrame:
        """The responder-definition rows: one per (relative, absolute) threshold pair."""
        g = self.table[self.table["analysis"] == "responder definition"]
        return g.reset_index(drop=True)

    @property
    def notes(self) -> tuple[str, ...]:
        """Why the plan's rule could not decide some rows: one sentence per reason, naming
        the rows (``decision`` "not applicable"; the reason is also in their ``note``).

        Empty when every row was decided. For a table's notes or a memo beside the
        ``decision`` column.
        """
        t = self.table
        na = t[t["decision"] == "not applicable"]
        out = []
        for reason, rows in na.groupby("note", sort=False):
            names = ", ".join(f"'{name}'" for name in rows["scenario"])
            word = "analysis" if len(rows) == 1 else "analyses"
            out.append(f"Not applicable ({len(rows)} {word}: {names}): {reason}.")
        return tuple(out)

    @property
    def primary(self) -> pd.Series:
        """The primary analysis's row (as :func:`~thera_stats.analysis.analyze` reports it)."""
        return self.table.iloc[0]

    def __repr__(self) -> str:
        p = self.primary
        return (f"SensitivityResult(trial={self.trial_name!r}, rows={len(self.table)}, "
                f"primary={p['decision']!r} at {p['responders']}/{p['n']})")

    def summary(self) -> str:
        """The table as readable text: responders / n, estimate, interval, p-value, decision."""
        lvl = f"{100 * self.confidence_level:g} %"
        t = self.table
        lines = [f"{self.trial_name}: sensitivity of the go/no-go decision "
                 f"(p0 = {self.p0:g}; {lvl} design-adjusted intervals)"]
        width = max(len(s) for s in t["scenario"]) if len(t) else 10
        group = None
        for rec in t.itertuples(index=False):
            if rec.analysis != group:
                group = rec.analysis
                lines.append(f"{group}:")
            if rec.n == 0:
                lines.append(f"  {rec.scenario:<{width}}  no patient")
                continue
            est = format_interval(rec.estimate, rec.ci_low, rec.ci_high, unit="proportion")
            p = format_pvalue(rec.pvalue, missing="-")
            if rec.decision == "not applicable":
                lines.append(f"  {rec.scenario:<{width}}  {rec.responders:>3}/{rec.n:<3} "
                             f"not applicable: {rec.note}")
                continue
            lines.append(f"  {rec.scenario:<{width}}  {rec.responders:>3}/{rec.n:<3} "
                         f"est {est}  p {p}  {rec.decision}"
                         + ("  [plan]" if rec.plan else ""))
        if self.grid_note:
            lines.append(self.grid_note)
        lines.append("tipping point:")
        lines.append(f"  {self.tipping_point.explanation}")
        return typeset("\n".join(lines))

    def __str__(self) -> str:
        return self.summary()

    def _repr_html_(self) -> str:
        return "<pre>" + html.escape(self.summary()) + "</pre>"


# ------------------------------------------------------------------ thresholds
def _scale_width(trial: Trial) -> float | None:
    rng = trial.plan.endpoint.range
    return None if rng is None else float(rng[1]) - float(rng[0])


def _check_thresholds(name: str, values: Any, upper: float | None, what: str) -> list[float]:
    if isinstance(values, str) or not isinstance(values, Sequence | np.ndarray):
        raise TypeError(f"`{name}` ({values!r}) must be a sequence of numbers.")
    out: list[float] = []
    for v in values:
        if isinstance(v, bool | np.bool_) or not isinstance(v, int | float | np.number):
            raise TypeError(f"`{name}` entry ({v!r}) must be a number.")
        f = float(v)
        if not math.isfinite(f) or f < 0 or (upper is not None and f > upper):
            bound = f"[0, {upper:g}]" if upper is not None else "[0, inf)"
            raise ValueError(f"`{name}` entry ({v!r}) is outside the scale: it must lie in "
                             f"{bound} ({what}).")
        out.append(f)
    if not out:
        raise ValueError(f"`{name}` ({values!r}) is empty: give at least one threshold.")
    return sorted(set(out))


def _default_grid(plan_value: float | None, step: float, upper: float | None) -> list[float]:
    if plan_value is None:
        return []
    values = [round(plan_value + k * step, 10) for k in (-2, -1, 0, 1, 2)]
    return [v for v in values if v >= 0 and (upper is None or v <= upper)]


def _grid_axes(trial: Trial, relative: Any, absolute: Any
               ) -> tuple[list[float | None], list[float | None]]:
    """The relative and absolute thresholds of the grid (``[None]`` for a criterion not used)."""
    ep = trial.plan.endpoint
    rel_upper = 1.0 if ep.better == "lower" else None
    width = _scale_width(trial)
    if relative is None:
        rels: list[float] = _default_grid(ep.relative_change, 0.1, rel_upper)
    else:
        rels = _check_thresholds("relative", relative, rel_upper,
                                 "a fraction of the baseline: 0.5 = 50 %")
    if absolute is None:
        step = width / 20 if width else max((ep.absolute_change or 0) / 4, 1.0)
        if trial.score is not None and step < 1 and bool(
                np.all(np.mod(trial.score[ep.column].dropna().to_numpy(dtype=float), 1) == 0)):
            step = 1.0  # integer scores: finer steps repeat the same responders
        abss: list[float] = _default_grid(ep.absolute_change, step, width)
    else:
        abss = _check_thresholds("absolute", absolute, width,
                                 f"an improvement in {ep.unit or 'the units of the score'} "
                                 f"on a scale of width {width:g}" if width is not None
                                 else "an improvement in the units of the score")
    rel_axis: list[float | None] = [*rels] if rels else [None]
    abs_axis: list[float | None] = [*abss] if abss else [None]
    return rel_axis, abs_axis


# ------------------------------------------------------------------ rows
#: What :func:`~thera_stats.decision._design_decision` returns: decision, adjusted
#: inference, its interval, interim outlook.
_Decided = tuple[Any, Any, Any, Any]


@dataclass(frozen=True)
class _NotApplicable:
    """A variant the plan's rule cannot decide, with the rule's own reason.

    The rule refused the variant's counts or sizes (for example the conditional-error
    rule when stage 1 is not as planned); the error is kept so that the primary
    analysis, which must be decidable, re-raises it.
    """

    error: ValueError

    @property
    def reason(self) -> str:
        lines = [line.strip() for line in str(self.error).splitlines() if line.strip()]
        text = " ".join(lines) or type(self.error).__name__
        return text.rstrip(".")


@dataclass
class _Analyser:
    """Decisions and inference for endpoint frames, cached by the per-stage counts."""

    trial: Trial
    cache: dict[tuple[tuple[int, int], ...], _Decided | _NotApplicable] = dataclasses.field(
        default_factory=dict)

    def decide(self, endpoint: pd.DataFrame, *, strict: bool = False
               ) -> _Decided | _NotApplicable | None:
        """The rule's decision for an endpoint frame; None without a patient (in stage 1).

        A variant the rule cannot decide is :class:`_NotApplicable`, unless ``strict``
        (the primary analysis), which raises the rule's error as the analysis does.
        """
        stage = endpoint["stage"].to_numpy(dtype=int)
        resp = endpoint["responder"].to_numpy(dtype=bool)
        design = self.trial.plan.design
        if len(endpoint) == 0 or (design.type == "simon" and not (stage == 1).any()):
            return None
        key = tuple((int((stage == s).sum()), int(resp[stage == s].sum()))
                    for s in range(1, int(stage.max()) + 1))
        if key not in self.cache:
            level = self.trial.plan.confidence_level
            try:
                self.cache[key] = _design_decision(design, endpoint, level)
            except ValueError as err:
                if strict:
                    raise
                self.cache[key] = _NotApplicable(err)
        got = self.cache[key]
        if strict and isinstance(got, _NotApplicable):
            raise got.error
        return got

    def row(self, endpoint: pd.DataFrame, n_missing: int, *, strict: bool = False,
            **labels: Any) -> dict[str, Any]:
        from thera_stats.binomial import binomial_ci, binomial_test

        plan = self.trial.plan
        stage = endpoint["stage"].to_numpy(dtype=int)
        resp = endpoint["responder"].to_numpy(dtype=bool)
        n, x = len(endpoint), int(resp.sum())
        out: dict[str, Any] = {**labels, "n": n, "n_missing": n_missing, "responders": x,
                               "n_stage1": int((stage == 1).sum()),
                               "responders_stage1": int(resp[stage == 1].sum()),
                               "rate": x / n if n else math.nan, "note": ""}
        got = self.decide(endpoint, strict=strict)
        if got is None or isinstance(got, _NotApplicable):
            out.update(estimate=math.nan, ci_low=math.nan, ci_high=math.nan, pvalue=math.nan,
                       method="", go=False)
            if got is None:
                out["decision"] = "not analysable: no patient" + (" in stage 1" if n else "")
            else:
                out.update(decision="not applicable", note=got.reason)
            return out
        decision, adjusted, adjusted_ci, _interim = got
        looks = int(stage.max()) if n else 0
        if plan.design.type == "multistage" and getattr(decision, "look", looks) < looks:
            later = n - int((stage <= decision.look).sum())
            # A binding stop at an earlier look: the later patients do not count.
            out["note"] = ((f"{decision.explanation} " if not decision.on_plan else "")
                           + f"The rule stopped the trial at look {decision.look} "
                           f"({decision.responses} of {decision.n}); the stop is binding, so "
                           f"the {later} later "
                           + ("patient does" if later == 1 else "patients do")
                           + " not change the decision.")
        if adjusted is not None:
            kind = "two-stage" if plan.design.type == "simon" else "multi-stage"
            out.update(estimate=float(adjusted.median_unbiased), ci_low=float(adjusted_ci.low),
                       ci_high=float(adjusted_ci.high), pvalue=float(adjusted.pvalue),
                       method=f"{kind} median-unbiased, exact ({adjusted.ordering})")
        else:
            ci = binomial_ci(x, n, confidence_level=plan.confidence_level,
                             method="clopper-pearson")
            test = binomial_test(x, n, plan.design.p0, alternative="greater")
            out.update(estimate=x / n, ci_low=float(ci.low), ci_high=float(ci.high),
                       pvalue=float(test.pvalue),
                       method="exact binomial (Clopper-Pearson)" if plan.design.type
                       not in ("simon", "multistage") else
                       "exact binomial (Clopper-Pearson; interim, no design-adjusted "
                       "inference)")
        out.update(decision=decision.action, go=decision.action in _FAVOURABLE)
        return out


def _with_missing(endpoint: pd.DataFrame, rule: str) -> pd.DataFrame:
    """The endpoint frame (missing counted as non-responders) under another missing rule."""
    if rule == "exclude":
        return endpoint[~endpoint["missing"]].reset_index(drop=True)
    if rule == "responder":
        out = endpoint.copy()
        out["responder"] = out["responder"] | out["missing"]
        return out
    return endpoint


class _Endpoints:
    """Per-patient endpoint frames of one trial for any population and thresholds.

    Each population's frame comes from :func:`~thera_stats.analysis.primary_endpoint`
    with the plan's responder definition (missing counted as non-responders), as the
    analysis derives it. Other thresholds re-apply the responder rule of
    :func:`thera_stats.score.responder_flags` to the frame's baseline and endpoint-day
    values, exactly (values and thresholds as the decimals they display as, compared
    as fractions); at the plan's thresholds the two are checked to agree.
    """

    def __init__(self, trial: Trial) -> None:
        from thera_stats.score import ScoreTable

        self.trial = trial
        self.frames: dict[str, pd.DataFrame] = {}
        self.exact: dict[str, tuple[list[Any], list[Any]]] = {}
        plan = trial.plan
        self.table: Any = None
        if plan.is_score:
            assert trial.score is not None
            ep = plan.endpoint
            score = trial.score[trial.score["day"].isin([plan.baseline_day, ep.day])]
            # Validated once for every patient; only the baseline and endpoint days matter.
            self.table = ScoreTable.from_frame(
                score[["patient_id", "day", ep.column]].reset_index(drop=True),
                subject="patient_id", day="day", value=ep.column,
                baseline_day=plan.baseline_day, value_range=ep.range, unit=ep.unit)

    def frame(self, population: str) -> pd.DataFrame:
        """All patients of a population, the plan's definition, missing = non-responder."""
        if population not in self.frames:
            from thera_stats.score import ScoreTable

            plan = self.trial.plan
            ep = dataclasses.replace(plan.endpoint, missing="non-responder")
            trial = dataclasses.replace(self.trial, plan=dataclasses.replace(
                plan, endpoint=ep, population=population))
            pop = trial.population()
            flags = None
            if self.table is not None:
                ch = self.table.changes
                sub = ScoreTable(
                    ch[ch["patient_id"].isin(pop["patient_id"])].reset_index(drop=True),
                    self.table.subject, self.table.day, self.table.value,
                    self.table.baseline_day)
                flags = _responder_flags(trial, sub)
            self.frames[population] = primary_endpoint(trial, pop, flags)
        return self.frames[population]

    def with_thresholds(self, population: str, relative: float | None,
                        absolute: float | None) -> pd.DataFrame:
        """The population's frame with the responders of other thresholds."""
        base = self.frame(population)
        if population not in self.exact:
            from fractions import Fraction

            def exact(v: Any) -> Any:
                return None if pd.isna(v) else Fraction(repr(float(v)))

            self.exact[population] = ([exact(v) for v in base["baseline"]],
                                      [exact(v) for v in base["value"]])
            ep = self.trial.plan.endpoint
            check = self._responders(population, ep.relative_change, ep.absolute_change)
            if check != base["responder"].to_numpy(dtype=bool).tolist():
                raise RuntimeError("internal error: the threshold grid's responder rule "
                                   "disagrees with the analysis at the plan's thresholds")
        out = base.copy()
        out["responder"] = self._responders(population, relative, absolute)
        return out

    def _responders(self, population: str, relative: float | None,
                    absolute: float | None) -> list[bool]:
        from fractions import Fraction

        ep = self.trial.plan.endpoint
        rel = None if relative is None else Fraction(repr(float(relative)))
        abs_ = None if absolute is None else Fraction(repr(float(absolute)))
        out = []
        for b, v in zip(*self.exact[population], strict=True):
            if b is None or v is None:
                out.append(False)  # not observed: a non-responder here (missing column)
                continue
            gain = b - v if ep.better == "lower" else v - b
            met = []
            if rel is not None:
                met.append(gain >= rel * abs(b) if b != 0 else gain > 0)
            if abs_ is not None:
                met.append(gain >= abs_)
            out.append(all(met) if ep.combine == "and" else any(met))
        return out


def endpoint_sensitivity(
    trial: Trial,
    *,
    relative: Sequence[float] | None = None,
    absolute: Sequence[float] | None = None,
) -> SensitivityResult:
    r"""Sensitivity of the go/no-go decision to the analysis of the binary primary endpoint.

    Parameters
    ----------
    trial : Trial
        A validated trial (:func:`thera_stats.load_trial`), plan included.
    relative, absolute : sequence of float, optional
        The responder thresholds of the grid (score endpoints). Default: the
        plan's relative threshold +/- 0.1 and 0.2, and its absolute threshold
        +/- one and two steps of 1/20 of the scale's width (at least 1 for a
        score recorded in whole numbers), both kept inside the scale. A
        criterion the plan does not use stays unused.

    Returns
    -------
    SensitivityResult
        ``table`` has one row per analysis with the columns ``analysis,
        scenario, population, missing, relative, absolute`` (what was varied),
        ``n, n_missing, responders, n_stage1, responders_stage1, rate`` (the
        data; ``rate`` = responders / n), ``estimate, ci_low, ci_high, pvalue,
        method`` (the design-adjusted inference the analysis reports: the
        median-unbiased estimate with its exact interval and stage-wise
        p-value for a two- or multi-stage design, x/n with the Clopper-Pearson
        interval and the exact binomial p-value for a single stage),
        ``decision`` (the design's action at the attained sizes; ``"not
        applicable"`` when the plan's rule cannot decide the row), ``go``,
        ``plan`` (the row is the plan's own analysis) and ``note`` (why a row
        is not applicable, or that the rule stopped at an earlier look than the
        data reach; empty otherwise). The first row is the primary analysis,
        identical to :func:`~thera_stats.analysis.analyze`.

    Raises
    ------
    ValueError
        A threshold outside the scale (a relative threshold outside [0, 1] for
        a score where lower is better, a negative absolute threshold or one
        wider than the scale), or thresholds given for a binary endpoint; and
        the rule's own error when it cannot decide the primary analysis (as
        :func:`~thera_stats.analysis.analyze` raises it).

    Notes
    -----
    Each scenario changes one choice of the plan. The decision is the design's
    rule at the attained stage sizes (:meth:`SimonDesign.decide
    <thera_stats.simon.SimonDesign.decide>` recomputes the final boundary at
    those sizes), so a scenario that changes the number of patients also
    changes the boundary.

    A scenario can give sizes at which the plan's rule cannot be applied. Its
    row is kept: a multi-stage rule whose bound at an earlier look (at that
    look's attained size, so with the off-plan rule's bound) the count
    crossed stopped the trial there, bindingly, so the row has the rule's
    decision at that look and the inference of a trial that stopped there, as
    the primary analysis has when a planned look stops it; any other refusal
    (for example the conditional-error rule, which needs the interim looks as
    planned, when a scenario removes a stage-1 patient) gives ``decision``
    "not applicable", no estimate and the rule's reason in ``note``
    (:attr:`SensitivityResult.notes` collects the reasons). The primary
    analysis is never "not applicable": its error is raised.

    The tipping point (:class:`TippingPoint`) gives each of the :math:`m`
    missing patients one of three statuses (responder, non-responder,
    excluded) and finds, by enumerating the counts of each status per stage,
    the fewest patients whose status must differ from the plan's rule for the
    decision to change ("go" against "no go"); see [1]_ and [2]_. Statuses
    under which the plan's rule cannot decide are left out of the search,
    and the explanation says so.

    References
    ----------
    .. [1] Permutt T. A taxonomy of estimands for regulatory clinical trials
       with discontinuations. Stat Med 2016;35:2865-2875. doi:10.1002/sim.6841
    .. [2] European Medicines Agency. Guideline on missing data in confirmatory
       clinical trials. EMA/CPMP/EWP/1776/99 Rev. 1, 2010.

    Examples
    --------
    >>> from thera_stats import load_trial, synthetic_data_path
    >>> from thera_stats.sensitivity import endpoint_sensitivity
    >>> result = endpoint_sensitivity(load_trial(synthetic_data_path()))
    >>> p = result.primary
    >>> int(p["responders"]), int(p["n"]), p["decision"]
    (7, 17, 'go')
    >>> len(result.grid)
    25
    >>> print(result.tipping_point)
    The decision (go) holds whatever the status of the 1 missing patient: counted as
    responders, as non-responders or excluded.
    """
    plan = trial.plan
    ep = plan.endpoint
    grid_note = ""
    if plan.is_score:
        rels, abss = _grid_axes(trial, relative, absolute)
    else:
        if relative is not None or absolute is not None:
            raise ValueError(f"thresholds (relative={relative!r}, absolute={absolute!r}) were "
                             f"given, but the endpoint {ep.column!r} is binary: the response "
                             "is recorded, there is no threshold to vary.")
        rels, abss = [], []
        grid_note = (f"Binary endpoint ({ep.column}): the response is recorded directly, so "
                     "there is no responder threshold to vary; the grid is empty.")
    ends = _Endpoints(trial)
    an = _Analyser(trial)
    rows: list[dict[str, Any]] = []
    plan_rel, plan_abs = ep.relative_change, ep.absolute_change

    def labels(analysis: str, scenario: str, population: str, missing: str,
               rel: float | None, abs_: float | None) -> dict[str, Any]:
        return {"analysis": analysis, "scenario": scenario, "population": population,
                "missing": missing, "relative": np.nan if rel is None else rel,
                "absolute": np.nan if abs_ is None else abs_,
                "plan": (population == plan.population and missing == ep.missing
                         and rel == plan_rel and abs_ == plan_abs)}

    base = ends.frame(plan.population)

    def n_miss(frame: pd.DataFrame) -> int:
        return int(frame["missing"].sum())

    primary = _with_missing(base, ep.missing)
    rows.append(an.row(primary, n_miss(base), strict=True, **labels(
        "primary", f"primary analysis ({plan.population}, missing = {ep.missing})",
        plan.population, ep.missing, plan_rel, plan_abs)))
    for rule, scenario in _MISSING_SCENARIOS:
        rows.append(an.row(_with_missing(base, rule), n_miss(base), **labels(
            "missing data", scenario, plan.population, rule, plan_rel, plan_abs)))
    tipping = _tipping_point(base, ep.missing, rows[0]["decision"], an)
    if tipping.n_changed is not None:
        rows.append(an.row(_assign(base, tipping.by_stage, ep.missing), n_miss(base), **labels(
            "missing data", f"tipping point: {_changes_text(tipping.changes, ep.missing)}",
            plan.population, "tipping point", plan_rel, plan_abs)))
    for population in POPULATIONS:
        frame = ends.frame(population)
        rows.append(an.row(_with_missing(frame, ep.missing), n_miss(frame), **labels(
            "population", population, population, ep.missing, plan_rel, plan_abs)))
    for abs_ in abss:
        for rel in rels:
            frame = ends.with_thresholds(plan.population, rel, abs_)
            rows.append(an.row(_with_missing(frame, ep.missing), n_miss(frame), **labels(
                "responder definition", _threshold_text(rel, abs_, ep.combine, ep.unit),
                plan.population, ep.missing, rel, abs_)))
    table = pd.DataFrame(rows).reindex(columns=list(COLUMNS))
    table = table.astype({"n": "int64", "n_missing": "int64", "responders": "int64",
                          "n_stage1": "int64", "responders_stage1": "int64",
                          "relative": "float64", "absolute": "float64", "go": "bool",
                          "plan": "bool"})
    return SensitivityResult(
        trial_name=plan.name, table=table, tipping_point=tipping, p0=plan.design.p0,
        confidence_level=plan.confidence_level, plan_thresholds=(plan_rel, plan_abs),
        grid_note=grid_note, label=ep.name, unit=ep.unit, combine=ep.combine)


def _threshold_text(rel: float | None, abs_: float | None, combine: str, unit: str) -> str:
    parts = []
    if rel is not None:
        parts.append(f">= {100 * rel:g} %")
    if abs_ is not None:
        parts.append(f">= {abs_:g}{' ' + unit if unit else ''}")
    return f" {combine} ".join(parts)


# ------------------------------------------------------------------ tipping point
_STATUSES = ("responder", "non-responder", "exclude")


def _changes_text(changes: dict[str, int], rule: str) -> str:
    """``1 as a responder and 2 excluded (instead of non-responders)``."""
    was = "non-responders" if rule == "non-responder" else "excluded"
    bits = []
    for status, k in changes.items():
        if k:
            noun = status if k == 1 else status + "s"
            bits.append(f"{k} excluded" if status == "exclude"
                        else f"{k} as {'a ' + noun if k == 1 else noun}")
    return f"{' and '.join(bits)} (instead of {was})"


def _assign(base: pd.DataFrame, per_stage: dict[int, dict[str, int]], rule: str) -> pd.DataFrame:
    """Missing patients of each stage: the first k as given (by enrolment order), the rest
    by the plan's rule."""
    out = base.copy()
    keep = np.ones(len(out), dtype=bool)
    resp = out["responder"].to_numpy(dtype=bool).copy()
    for stage in sorted(set(out.loc[out["missing"], "stage"])):
        idx = np.flatnonzero((out["missing"] & (out["stage"] == stage)).to_numpy())
        counts = per_stage.get(int(stage), {})
        statuses: list[str] = []
        for s in _STATUSES:
            statuses += [s] * counts.get(s, 0)
        statuses += ["exclude" if rule == "exclude" else "non-responder"] * (
            len(idx) - len(statuses))
        for i, s in zip(idx, statuses, strict=True):
            resp[i] = s == "responder"
            keep[i] = s != "exclude"
    out["responder"] = resp
    return out[keep].reset_index(drop=True)


def _tipping_point(base: pd.DataFrame, rule: str, decision: str,
                   an: _Analyser) -> TippingPoint:
    missing = base[base["missing"]]
    m = len(missing)
    plan_status = "exclude" if rule == "exclude" else "non-responder"
    stages = sorted(int(s) for s in set(missing["stage"]))
    per_stage_options = []
    for s in stages:
        ms = int((missing["stage"] == s).sum())
        opts = [{"responder": a, "non-responder": b, "exclude": ms - a - b}
                for a in range(ms + 1) for b in range(ms + 1 - a)]
        per_stage_options.append(opts)
    best: tuple[int, int, dict[int, dict[str, int]], str] | None = None
    refused: list[tuple[int, str]] = []   # (changes, reason) the rule cannot decide
    for combo in itertools.product(*per_stage_options):
        changed = sum(c[s] for c in combo for s in _STATUSES if s != plan_status)
        if changed == 0 or (best is not None and changed > best[0]):
            continue
        excluded_changes = 0 if plan_status == "exclude" else sum(c["exclude"] for c in combo)
        per_stage = dict(zip(stages, combo, strict=True))
        got = an.decide(_assign(base, per_stage, rule))
        if isinstance(got, _NotApplicable):
            # The rule cannot decide these counts: no evidence either way, not a change.
            refused.append((changed, got.reason))
            continue
        action = "not analysable" if got is None else got[0].action
        if _outcome(action) == _outcome(decision):
            continue
        # Fewest changes first; then changes of responder status rather than exclusions.
        if best is None or (changed, excluded_changes) < best[:2]:
            best = (changed, excluded_changes, per_stage, action)
    word = "patient" if m == 1 else "patients"
    skipped = [reason for k, reason in refused if best is None or k <= best[0]]
    note = ""
    if skipped:
        n_skip = len(skipped)
        note = (f" Left out: {n_skip} assignment{'' if n_skip == 1 else 's'} of the missing "
                f"{word} that the plan's rule cannot decide ({skipped[0]}).")
    if best is None:
        if m == 0:
            text = ("No patient of the analysis population misses the primary assessment: "
                    "there is nothing to tip.")
        elif skipped:
            text = (f"The decision ({decision}) holds whatever the status of the {m} missing "
                    f"{word} (counted as responders, as non-responders or excluded), wherever "
                    f"the plan's rule can decide.{note}")
        else:
            text = (f"The decision ({decision}) holds whatever the status of the {m} missing "
                    f"{word}: counted as responders, as non-responders or excluded.")
        return TippingPoint(m, None, {}, decision, None, text)
    changed, _, per_stage, action = best
    totals = {s: sum(c[s] for c in per_stage.values()) for s in _STATUSES if s != plan_status}
    totals = {s: k for s, k in totals.items() if k}
    text = (f"The decision changes from '{decision}' to '{action}' when {changed} of the {m} "
            f"missing {word} {'is' if changed == 1 else 'are'} counted differently: "
            f"{_changes_text(totals, rule)}.{note}")
    by_stage = {s: kept for s, c in per_stage.items()
                if (kept := {k: v for k, v in c.items() if k != plan_status and v})}
    return TippingPoint(m, changed, totals, decision, action, text, by_stage)
