"""The pre-specified analysis plan, read from ``plan.toml``: the plan declares the trial.

The plan fixes, before the data are seen, what the trial is (name, treatment),
its design and decision rule, the primary endpoint (a score measured on a
schedule, or a response recorded directly), who is eligible, the planned course
of treatment, the visit schedule, the analysis population and the confidence
levels. Nothing about a particular trial is written in the code: THERA is one
plan among many. Unknown sections and keys are errors, never ignored, so a
misspelt setting cannot silently fall back to a default. ``docs/data.md``
documents every key; ``thera-stats init DIR`` writes a commented template.

A plan for a score endpoint::

    [trial]
    name = "THERA"
    treatment = "anakinra 100 mg s.c. once daily for 5 days"
    registration = "NCT02263638"          # optional
    note = "..."                          # optional

    [design]
    type = "simon"                        # "simon", "single-stage" or "multistage"
    criterion = "optimal"                 # optimal | minimax | admissible | custom
    p0 = 0.20
    p1 = 0.45
    alpha = 0.05                          # one-sided, in (0, 0.5)
    power = 0.80                          # in (alpha, 1)
    r1 = 2                                # stop after n1 if responses <= r1
    n1 = 10
    r = 7                                 # "go" if total responses > r
    n = 22
    # type = "multistage" (any design of the engine) gives the bounds instead:
    #   family = "bop2"                   # label: three-stage, fleming, sargent, bop2, ...
    #   sizes = [10, 15, 22]              # cumulative patients at each look
    #   futility = [2, 3, 7]              # stop ("no go") if responses <= bound
    #   efficacy = [6, 8]                 # optional: stop ("go") if responses > bound
    #   prior = [0.2, 0.8]                # optional Beta prior (monitor)
    # type = "bop2" or "predictive" is "multistage" with that family.
    off_plan_rule = "attained-size"       # if the trial ends off plan: attained-size (default),
                                          # planned, ats, atss or conditional-error

    [endpoint]
    kind = "score"                        # or "binary" (a true/false column of patients)
    table = "vas"                         # vas.csv: patient_id, day, vas_mm
    column = "vas_mm"
    label = "pain VAS"
    unit = "mm"
    range = [0, 100]
    better = "lower"                      # improvement = baseline - value
    day = 8
    relative_change = 0.50                # improvement >= 50 % of baseline
    absolute_change = 20                  # improvement >= 20 mm
    combine = "and"
    missing = "non-responder"             # or "exclude"

    [eligibility]
    rules = [{ column = "age_years", op = ">=", value = 18 },
             { column = "baseline", op = ">", value = 40 }]

    [treatment]
    column = "injections_received"
    planned = 5

    [schedule]
    days = [0, 1, 2, 3, 4, 5, 8, 15, 30]
    window = 0

    [analysis]
    population = "treated"                # "enrolled" | "treated" | "per-protocol"
    baseline_day = 0
    confidence_level = 0.90
    score_confidence_level = 0.95
"""

from __future__ import annotations

import datetime as _dt
import itertools
import json
import math
import re
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from thera_stats.errors import DataValidationError

if TYPE_CHECKING:
    from thera_stats.multistage import MultiStageDesign
    from thera_stats.simon import SimonDesign

__all__ = [
    "AdamPlan",
    "AnalysisPlan",
    "DesignPlan",
    "EligibilityRule",
    "EndpointPlan",
    "SchedulePlan",
    "TreatmentPlan",
    "TrialInfo",
    "plan_toml_text",
]

DESIGN_TYPES = ("simon", "single-stage", "multistage", "bop2", "predictive")
_FAMILY_NAMES = {"simon": "Simon", "mander-thompson": "Mander-Thompson",
                 "three-stage": "Three-stage", "fleming": "Fleming", "sargent": "Sargent",
                 "bop2": "BOP2", "predictive": "Predictive-probability",
                 "posterior": "Posterior-probability", "custom": "Multi-stage"}
#: The rules a plan may pre-specify for a trial that ends off plan
#: (:data:`thera_stats.off_plan.RULES`).
OFF_PLAN_RULES = ("attained-size", "planned", "ats", "atss", "conditional-error")
#: Labels of the families a ``multistage`` design may name (``family``; provenance only).
DESIGN_FAMILIES = ("simon", "mander-thompson", "three-stage", "fleming", "sargent", "bop2",
                   "predictive", "posterior", "custom")
CRITERIA = ("optimal", "minimax", "admissible", "custom")
POPULATIONS = ("enrolled", "treated", "per-protocol")
COMBINE = ("and", "or")
MISSING = ("non-responder", "exclude")
#: The repeated-measures model's covariance structures and degrees-of-freedom methods a plan
#: may name (``thera_stats.mmrm.COVARIANCE_STRUCTURES`` and ``DF_METHODS``; a test keeps
#: them equal, so reading a plan does not import the model).
MMRM_COVARIANCES = ("unstructured", "compound-symmetry", "cs-heterogeneous", "ar1",
                    "ar1-heterogeneous", "toeplitz", "toeplitz-heterogeneous")
MMRM_DF_METHODS = ("satterthwaite", "kenward-roger", "kenward-roger-linear", "residual")
KINDS = ("score", "binary")
BETTER = ("lower", "higher")
OPS = ("==", "!=", ">", ">=", "<", "<=", "in", "not in")
ADAM_DAYS = ("ADY", "AVISITN")

#: Sections and keys renamed since the first plan format, with the new name.
_RENAMED = {
    "[primary_endpoint]": "[endpoint] (kind, table, column, day, relative_change, "
    "absolute_change, ...)",
    "analysis.vas_confidence_level": "analysis.score_confidence_level",
}


# =========================================================================== plan parts
@dataclass(frozen=True, slots=True)
class TrialInfo:
    """What the trial is: its name and treatment, used in every title and caption."""

    name: str
    treatment: str
    registration: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class DesignPlan:
    """The planned design: error rates and the planned decision boundaries.

    For a single-stage design, ``r1`` and ``n1`` are ``None`` and the trial
    concludes "go" when more than ``r`` of ``n`` respond.

    ``type = "multistage"`` is any design of the exact engine
    (:class:`~thera_stats.multistage.MultiStageDesign`): cumulative ``sizes``,
    ``futility`` bounds (stop with "no go" if responses <= the bound; -1: no
    futility stop) and optional interim ``efficacy`` bounds (stop with "go" if
    responses > the bound; ``n_k``: no efficacy stop at that look; a last entry
    above the final futility bound makes a three-outcome design). ``family``
    names how the bounds were chosen (``"bop2"``, ``"three-stage"`` ...) and
    ``prior`` the Beta prior of a Bayesian design; ``r`` and ``n`` are then the
    final futility bound and the largest size.
    """

    type: str
    criterion: str
    p0: float
    p1: float
    alpha: float
    power: float
    r: int
    n: int
    r1: int | None = None
    n1: int | None = None
    sizes: tuple[int, ...] | None = None
    futility: tuple[int, ...] | None = None
    efficacy: tuple[int, ...] | None = None
    family: str = ""
    prior: tuple[float, float] | None = None
    off_plan_rule: str = "attained-size"

    def to_simon(self) -> SimonDesign:
        """The planned boundaries as a :class:`~thera_stats.simon.SimonDesign`."""
        from thera_stats.simon import SimonDesign

        if self.type != "simon" or self.r1 is None or self.n1 is None:
            raise ValueError(f"the planned design is {self.type!r}, not a Simon two-stage design")
        return SimonDesign(
            p0=self.p0, p1=self.p1, alpha=self.alpha, power=self.power,
            r1=self.r1, n1=self.n1, r=self.r, n=self.n, criterion=self.criterion,
        )

    def to_multistage(self) -> MultiStageDesign:
        """The planned boundaries as a :class:`~thera_stats.multistage.MultiStageDesign`
        (one look for a single-stage design, two for Simon's)."""
        from thera_stats.multistage import MultiStageDesign

        if self.type == "multistage":
            assert self.sizes is not None
            assert self.futility is not None
            return MultiStageDesign(self.p0, self.p1, list(self.sizes), list(self.futility),
                                    None if self.efficacy is None else list(self.efficacy))
        if self.type == "simon":
            assert self.r1 is not None
            assert self.n1 is not None
            return MultiStageDesign(self.p0, self.p1, [self.n1, self.n], [self.r1, self.r])
        return MultiStageDesign(self.p0, self.p1, [self.n], [self.r])

    def exact_error_rates(self) -> tuple[float, float]:
        """Exact type I error and power of the planned boundaries (binomial sums)."""
        from thera_stats.simon import prob_go

        if self.type == "multistage":
            go = self.to_multistage().operating_characteristics([self.p0, self.p1]).prob_go
            return float(go[0]), float(go[1])
        if self.type == "simon":
            assert self.r1 is not None
            assert self.n1 is not None
            return (float(prob_go(self.r1, self.n1, self.r, self.n, self.p0)),
                    float(prob_go(self.r1, self.n1, self.r, self.n, self.p1)))
        from scipy.special import bdtrc

        return float(bdtrc(self.r, self.n, self.p0)), float(bdtrc(self.r, self.n, self.p1))

    def describe(self) -> str:
        """The design in one sentence."""
        head = (f"p0 = {self.p0:g}, p1 = {self.p1:g}, one-sided alpha = {self.alpha:g}, "
                f"power = {self.power:g}")
        if self.type == "multistage":
            d = self.to_multistage()
            looks = []
            for k, nk in enumerate(d.sizes[:-1]):
                bits = []
                if d.futility[k] >= 0:
                    bits.append(f"stop for futility if at most {d.futility[k]} respond")
                if d.efficacy[k] < nk:
                    bits.append(f"stop for efficacy if more than {d.efficacy[k]} respond")
                looks.append(f"after {nk} patients " + (" or ".join(bits) if bits
                                                         else "no stop"))
            final = (f"phase III is justified if more than {d.final_go} of {d.n_max} respond"
                     + (f", inconclusive if {d.futility[-1] + 1} to {d.final_go}"
                        if d.three_outcome else ""))
            name = _FAMILY_NAMES.get(self.family, "Multi-stage")
            return (f"{name} design, {d.n_looks} looks, {head}: "
                    + "; ".join([*looks, final]) + ".")
        if self.type == "simon":
            return (f"Simon two-stage design ({self.criterion}), {head}: stop after {self.n1} "
                    f"patients if at most {self.r1} respond; phase III is justified if more "
                    f"than {self.r} of {self.n} respond.")
        return (f"Single-stage design ({self.criterion}), {head}: phase III is justified if "
                f"more than {self.r} of {self.n} respond.")


@dataclass(frozen=True, slots=True)
class EndpointPlan:
    """The primary endpoint: who counts as a responder.

    ``kind = "score"``: a patient responds when the improvement of ``column``
    (in the long table ``table``) from baseline to ``day`` is at least
    ``relative_change`` (a fraction of the baseline value) and/or at least
    ``absolute_change`` (in the score's units), as ``combine`` says;
    improvement is baseline minus value when ``better = "lower"`` and value
    minus baseline when ``better = "higher"``. Boundaries count as response.

    ``kind = "binary"``: the response is recorded directly in the true/false
    column ``column`` of the patients table.
    """

    kind: str
    column: str
    missing: str = "non-responder"
    table: str | None = None
    label: str = ""
    unit: str = ""
    range: tuple[float, float] | None = None
    better: str = "lower"
    day: int | None = None
    relative_change: float | None = None
    absolute_change: float | None = None
    combine: str = "and"

    @property
    def name(self) -> str:
        """The words for the score in reports (``label``, else the column name)."""
        return self.label or self.column

    @property
    def unit_suffix(self) -> str:
        """``" mm"`` for a unit ``mm``; empty without a unit."""
        return f" {self.unit}" if self.unit else ""

    def describe(self) -> str:
        """The responder definition in one sentence."""
        miss = (
            "a missing assessment counts as non-response"
            if self.missing == "non-responder"
            else "patients without the assessment are excluded"
        )
        if self.kind == "binary":
            return f"response recorded in {self.column} (true = responder); {miss}"
        parts = []
        direction = "reduced" if self.better == "lower" else "increased"
        if self.relative_change is not None:
            parts.append(f"at least {100 * self.relative_change:g} %")
        if self.absolute_change is not None:
            parts.append(f"at least {self.absolute_change:g}{self.unit_suffix}")
        crit = f" {self.combine} ".join(parts)
        return f"{self.name} {direction} from baseline by {crit} on day {self.day}; {miss}"


@dataclass(frozen=True, slots=True)
class EligibilityRule:
    """One eligibility criterion: ``column op value`` must hold.

    ``column = "baseline"`` means the endpoint's baseline value. ``value`` is a
    number, text, true/false or a date (a tuple of them for ``in`` and
    ``not in``); ``>``, ``>=``, ``<`` and ``<=`` compare numbers or dates. Whether
    the values fit the column's type (one kind, the column's) is checked when a
    trial is loaded, against the data.
    """

    column: str
    op: str
    value: Any

    @property
    def values(self) -> tuple[Any, ...]:
        """The rule's values: the list of ``in`` and ``not in``, else the one value."""
        return self.value if isinstance(self.value, tuple) else (self.value,)

    @property
    def kinds(self) -> tuple[str, ...]:
        """The kinds of the rule's values, each once: ``"number"``, ``"text"``,
        ``"true/false"`` or ``"date"`` (more than one: a list that mixes kinds, which no
        column can match; loading a trial reports it against the column's type)."""
        return tuple(dict.fromkeys(_value_kind(x) for x in self.values))

    @property
    def kind(self) -> str:
        """The kind of the rule's (first) value: ``"number"``, ``"text"``, ``"true/false"``
        or ``"date"``."""
        return self.kinds[0]

    def holds(self, x: Any) -> bool:
        """Whether the value ``x`` meets the criterion.

        A timestamp (``datetime``, ``pandas.Timestamp``) is compared with a date
        rule by its calendar date.

        Raises
        ------
        TypeError
            If ``x`` cannot be compared with the rule's value (text against a
            number for ``<``, ...), naming the rule and the value.
        """
        v = self.value
        if isinstance(x, _dt.datetime) and self.kind == "date":
            x = x.date()
        if self.op == "in":
            return bool(x in v)
        if self.op == "not in":
            return bool(x not in v)
        try:
            return bool({
                "==": lambda: x == v, "!=": lambda: x != v, ">": lambda: x > v,
                ">=": lambda: x >= v, "<": lambda: x < v, "<=": lambda: x <= v,
            }[self.op]())
        except TypeError:
            raise TypeError(f"eligibility rule {self.describe()} cannot be checked for the "
                            f"value {x!r}: {self.op!r} compares {self.kind} values"
                            ) from None

    def value_text(self) -> str:
        """The value as written in the plan: ``18``, ``"F"``, ``[2, 3]``, ``2015-01-01``."""
        v = self.value
        return (f"[{', '.join(_fmt_value(x) for x in v)}]" if isinstance(v, tuple)
                else _fmt_value(v))

    def describe(self) -> str:
        """``age_years >= 18``, ``kl_grade in [2, 3]``."""
        return f"{self.column} {self.op} {self.value_text()}"


def _value_kind(value: Any) -> str:
    """The kind of an eligibility value: ``"true/false"``, ``"number"``, ``"date"`` or
    ``"text"`` (anything else)."""
    if isinstance(value, bool):
        return "true/false"
    if isinstance(value, int | float):
        return "number"
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return "date"
    return "text"


@dataclass(frozen=True, slots=True)
class TreatmentPlan:
    """The planned course: ``column`` counts the doses received, ``planned`` of them."""

    column: str
    planned: int


@dataclass(frozen=True, slots=True)
class SchedulePlan:
    """Scheduled assessment days, each with a +/- window in days."""

    days: tuple[int, ...]
    windows: tuple[int, ...]

    def visit(self, day: int) -> int | None:
        """The scheduled day whose window holds ``day``, or None (unscheduled)."""
        for d, w in zip(self.days, self.windows, strict=True):
            if d - w <= day <= d + w:
                return d
        return None

    def describe(self) -> str:
        days = ", ".join(map(str, self.days))
        if not any(self.windows):
            return f"days {days} (no window)"
        if len(set(self.windows)) == 1:
            return f"days {days} (+/- {self.windows[0]} days)"
        return "days " + ", ".join(
            f"{d} (+/- {w})" for d, w in zip(self.days, self.windows, strict=True))


@dataclass(frozen=True, slots=True)
class AdamPlan:
    """Where the endpoint lives in a CDISC ADaM folder."""

    bds: str
    paramcd: str
    day: str = "ADY"


@dataclass(frozen=True, slots=True)
class AnalysisPlan:
    """A validated analysis plan (see the module docstring and ``docs/data.md``).

    Attributes
    ----------
    trial : TrialInfo
    design : DesignPlan
    endpoint : EndpointPlan
    eligibility : tuple of EligibilityRule
    treatment : TreatmentPlan or None
    schedule : SchedulePlan or None
        Required for a score endpoint.
    population : str
    baseline_day : int
    data_cutoff : datetime.date or None
    confidence_level, score_confidence_level : float
    auc_days : tuple of int or None
    mmrm_covariance, mmrm_df : str
        The repeated-measures model's covariance structure (default
        ``"unstructured"``) and degrees of freedom for its LS means
        (``"satterthwaite"``, or ``"kenward-roger"`` as small trials' reviewers
        often expect).
    adam : AdamPlan or None
        Set when the trial folder holds CDISC ADaM datasets.
    notes : tuple of str
        Remarks found when the plan was read (for example boundaries that meet
        the targets but are not the stated criterion's design).

    Examples
    --------
    >>> from thera_stats import AnalysisPlan, synthetic_data_path
    >>> plan = AnalysisPlan.from_toml(synthetic_data_path() / "plan.toml")
    >>> plan.design.r1, plan.design.n1, plan.design.r, plan.design.n
    (2, 10, 7, 22)
    >>> plan.endpoint.describe()
    'pain VAS reduced from baseline by at least 50 % and at least 20 mm on day 8; a missing assessment counts as non-response'
    """

    trial: TrialInfo
    design: DesignPlan
    endpoint: EndpointPlan
    eligibility: tuple[EligibilityRule, ...] = ()
    treatment: TreatmentPlan | None = None
    schedule: SchedulePlan | None = None
    population: str = "treated"
    baseline_day: int = 0
    data_cutoff: _dt.date | None = None
    confidence_level: float = 0.90
    score_confidence_level: float = 0.95
    auc_days: tuple[int, int] | None = None
    mmrm_covariance: str = "unstructured"
    mmrm_df: str = "satterthwaite"
    adam: AdamPlan | None = None
    notes: tuple[str, ...] = field(default=(), compare=False)

    @property
    def name(self) -> str:
        """The trial's name."""
        return self.trial.name

    @property
    def is_score(self) -> bool:
        return self.endpoint.kind == "score"

    @classmethod
    def from_toml(cls, path: str | Path) -> AnalysisPlan:
        """Read and validate a ``plan.toml`` file.

        Raises
        ------
        DataValidationError
            Listing every problem (unknown or missing keys, wrong types, values
            out of range, boundaries that contradict the design's error rates)
            with its ``section.key``.
        """
        path = Path(path)
        context = f"analysis plan {path}"
        data = path.read_bytes()
        if data.startswith((b"\xff\xfe", b"\xfe\xff")):
            raise DataValidationError(
                [{"table": "plan", "rule": f"{path.name} is UTF-16 text; save it as UTF-8"}],
                context=context,
            )
        try:
            # A byte-order mark (Notepad's and Excel's "UTF-8 with BOM") is not TOML: it is
            # skipped when reading, and the file is left as it is.
            raw = tomllib.loads(data.removeprefix(b"\xef\xbb\xbf").decode("utf-8"))
        except tomllib.TOMLDecodeError as err:
            raise DataValidationError(
                [{"table": "plan", "rule": f"{path.name} is not valid TOML: {err}"}],
                context=context,
            ) from None
        except UnicodeDecodeError as err:
            raise DataValidationError(
                [{"table": "plan", "rule": f"{path.name} is not UTF-8 text ({err.reason} at "
                  f"byte {err.start})"}],
                context=context,
            ) from None
        return cls.from_dict(raw, context=context)

    @classmethod
    def from_dict(cls, raw: dict[str, Any], *, context: str = "analysis plan") -> AnalysisPlan:
        """Validate a plan given as nested dictionaries (the parsed TOML)."""
        checker = _PlanChecker(raw)
        plan = checker.build()
        if checker.problems or plan is None:
            raise DataValidationError(checker.problems, context=context)
        return plan

    def to_dict(self) -> dict[str, Any]:
        """The plan as nested dictionaries in the file's layout (for provenance)."""
        t = self.trial
        trial: dict[str, Any] = {"name": t.name, "treatment": t.treatment}
        if t.registration:
            trial["registration"] = t.registration
        if t.note:
            trial["note"] = t.note
        d = self.design
        design: dict[str, Any] = {"type": d.type, "criterion": d.criterion, "p0": d.p0,
                                  "p1": d.p1, "alpha": d.alpha, "power": d.power}
        if d.off_plan_rule != "attained-size":
            design["off_plan_rule"] = d.off_plan_rule
        if d.type == "multistage":
            if d.family:
                design["family"] = d.family
            assert d.sizes is not None
            assert d.futility is not None
            design.update(sizes=list(d.sizes), futility=list(d.futility))
            if d.efficacy is not None:
                design["efficacy"] = list(d.efficacy)
            if d.prior is not None:
                design["prior"] = list(d.prior)
        else:
            if d.type == "simon":
                design.update(r1=d.r1, n1=d.n1)
            design.update(r=d.r, n=d.n)
        e = self.endpoint
        endpoint: dict[str, Any] = {"kind": e.kind}
        if e.kind == "score":
            endpoint["table"] = e.table
        endpoint["column"] = e.column
        if e.kind == "score":
            if e.label:
                endpoint["label"] = e.label
            if e.unit:
                endpoint["unit"] = e.unit
            if e.range is not None:
                endpoint["range"] = list(e.range)
            endpoint["better"] = e.better
            endpoint["day"] = e.day
            if e.relative_change is not None:
                endpoint["relative_change"] = e.relative_change
            if e.absolute_change is not None:
                endpoint["absolute_change"] = e.absolute_change
            endpoint["combine"] = e.combine
        endpoint["missing"] = e.missing
        out: dict[str, Any] = {"trial": trial, "design": design, "endpoint": endpoint}
        if self.eligibility:
            # Dates as "YYYY-MM-DD" (JSON has no date), read back as dates on a date column.
            out["eligibility"] = {"rules": [
                {"column": r.column, "op": r.op,
                 "value": [_plain_value(x) for x in r.value] if isinstance(r.value, tuple)
                 else _plain_value(r.value)}
                for r in self.eligibility]}
        if self.treatment is not None:
            out["treatment"] = {"column": self.treatment.column,
                                "planned": self.treatment.planned}
        if self.schedule is not None:
            w = self.schedule.windows
            out["schedule"] = {"days": list(self.schedule.days),
                               "window": w[0] if len(set(w)) == 1 else list(w)}
        analysis: dict[str, Any] = {"population": self.population,
                                    "baseline_day": self.baseline_day}
        if self.data_cutoff is not None:
            analysis["data_cutoff"] = self.data_cutoff.isoformat()
        analysis["confidence_level"] = self.confidence_level
        if self.is_score:
            analysis["score_confidence_level"] = self.score_confidence_level
        if self.auc_days is not None:
            analysis["auc_days"] = list(self.auc_days)
        if self.is_score and self.mmrm_covariance != "unstructured":
            analysis["mmrm_covariance"] = self.mmrm_covariance
        if self.is_score and self.mmrm_df != "satterthwaite":
            analysis["mmrm_df"] = self.mmrm_df
        out["analysis"] = analysis
        if self.adam is not None:
            out["adam"] = {"bds": self.adam.bds, "paramcd": self.adam.paramcd,
                           "day": self.adam.day}
        return out

    def describe(self) -> str:
        """The plan in a few plain lines (trial, design, endpoint, population)."""
        lines = [f"{self.trial.name}: {self.trial.treatment}", self.design.describe(),
                 f"Responder: {self.endpoint.describe()}.",
                 f"Analysis population: {self.population}."]
        if self.eligibility:
            lines.append("Eligibility: " + "; ".join(r.describe() for r in self.eligibility)
                         + ".")
        if self.schedule is not None:
            lines.append(f"Schedule: {self.schedule.describe()}.")
        return "\n".join(lines)


def _plain_value(v: Any) -> Any:
    return v.isoformat() if _value_kind(v) == "date" else v


def _fmt_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return f"{v:g}"
    if isinstance(v, str):
        return f'"{v}"'
    return str(v)


# =========================================================================== writing
def _toml_value(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, str):
        # A JSON string is a valid TOML basic string (control characters as \uXXXX).
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    if isinstance(value, dict):
        return "{ " + ", ".join(f"{k} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, _dt.date) and not isinstance(value, _dt.datetime):
        return value.isoformat()  # a TOML local date
    raise TypeError(f"cannot write {value!r} to TOML")


def plan_toml_text(plan: AnalysisPlan | dict[str, Any]) -> str:
    """The plan as ``plan.toml`` text (sections in the documented order)."""
    d = plan.to_dict() if isinstance(plan, AnalysisPlan) else plan
    if isinstance(plan, AnalysisPlan) and plan.eligibility:
        # TOML has dates: a rule's dates are written as dates (to_dict gives text, for JSON).
        d["eligibility"]["rules"] = [
            {**written, "value": _plain_list(rule.value)}
            for written, rule in zip(d["eligibility"]["rules"], plan.eligibility, strict=True)]
    out: list[str] = []
    for section, keys in d.items():
        if out:
            out.append("")
        out.append(f"[{section}]")
        for key, value in keys.items():
            if key == "rules" and isinstance(value, list):
                out.append("rules = [")
                out.extend(f"  {_toml_value(rule)}," for rule in value)
                out.append("]")
            else:
                out.append(f"{key} = {_toml_value(value)}")
    return "\n".join(out) + "\n"


# =========================================================================== checking
# Schema: section -> key -> (kind, required). Kinds: str, prob, int, number, choice tuple,
# "range", "days", "window", "date", "rules", "pair".
_SCHEMA: dict[str, dict[str, tuple[Any, bool]]] = {
    "trial": {"name": ("name", True), "treatment": ("name", True), "registration": (str, False),
              "note": (str, False)},
    "design": {
        "type": (DESIGN_TYPES, True),
        "criterion": (CRITERIA, False),
        "p0": ("prob", True),
        "p1": ("prob", True),
        "alpha": ("prob", True),
        "power": ("prob", True),
        "r1": (int, False),
        "n1": (int, False),
        "r": (int, False),
        "n": (int, False),
        "family": (DESIGN_FAMILIES, False),
        "sizes": ("ints", False),
        "futility": ("bounds", False),
        "efficacy": ("bounds", False),
        "prior": ("prior", False),
        "off_plan_rule": (OFF_PLAN_RULES, False),
    },
    "endpoint": {
        "kind": (KINDS, True),
        "table": ("name", False),
        "column": ("name", True),
        "label": (str, False),
        "unit": (str, False),
        "range": ("range", False),
        "better": (BETTER, False),
        "day": (int, False),
        "relative_change": ("number", False),
        "absolute_change": ("number", False),
        "combine": (COMBINE, False),
        "missing": (MISSING, False),
    },
    "eligibility": {"rules": ("rules", True)},
    "treatment": {"column": ("name", True), "planned": ("positive", True)},
    "schedule": {"days": ("days", True), "window": ("window", False)},
    "analysis": {
        "population": (POPULATIONS, False),
        "baseline_day": (int, False),
        "data_cutoff": ("date", False),
        "confidence_level": ("prob", False),
        "score_confidence_level": ("prob", False),
        "auc_days": ("pair", False),
        "mmrm_covariance": (MMRM_COVARIANCES, False),
        "mmrm_df": (MMRM_DF_METHODS, False),
    },
    "adam": {"bds": ("name", True), "paramcd": ("name", True), "day": (ADAM_DAYS, False)},
}
_REQUIRED_SECTIONS = ("trial", "design", "endpoint")
_SCORE_ONLY = ("table", "label", "unit", "range", "better", "day", "relative_change",
               "absolute_change", "combine")


def _is_number(value: Any) -> bool:
    return (not isinstance(value, bool) and isinstance(value, int | float)
            and math.isfinite(value))


_ISO_DATE_TEXT = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date(value: Any) -> _dt.date | None:
    """The date a text ``YYYY-MM-DD`` names, or None (not such a text, or no such day)."""
    if not isinstance(value, str) or not _ISO_DATE_TEXT.fullmatch(value.strip()):
        return None
    try:
        return _dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


def _is_rule_value(value: Any) -> bool:
    """A number, text, true/false or a date (a TOML date, without a time of day)."""
    return isinstance(value, str | bool) or _is_number(value) or _value_kind(value) == "date"


def _plain_list(value: Any) -> Any:
    """A rule value as the file has it (a tuple as a list)."""
    return list(value) if isinstance(value, tuple) else value


class _PlanChecker:
    def __init__(self, raw: dict[str, Any]) -> None:
        self.raw = raw
        self.problems: list[dict[str, Any]] = []
        self.notes: list[str] = []

    def add(self, key: str, value: Any, rule: str) -> None:
        text = None if value is None else (
            _toml_value(value) if isinstance(value, list | dict) else str(value))
        self.problems.append({"table": "plan", "column": key, "value": text, "rule": rule})

    # ------------------------------------------------------------------ key types
    def _typed(self, full: str, kind: Any, value: Any) -> tuple[bool, Any]:
        """(ok, converted value); records the problem when not ok."""
        if isinstance(kind, tuple):
            if not isinstance(value, str) or value not in kind:
                self.add(full, value, f"must be one of {', '.join(map(repr, kind))}")
                return False, None
            return True, value
        if kind is str:
            if not isinstance(value, str):
                self.add(full, value, "must be text")
                return False, None
            return True, value
        if kind == "name":
            if not isinstance(value, str) or not value.strip():
                self.add(full, value, "must be a non-empty name")
                return False, None
            return True, value.strip()
        if kind is int:
            if isinstance(value, bool) or not isinstance(value, int) or value < 0:
                self.add(full, value, "must be a whole number >= 0")
                return False, None
            return True, value
        if kind == "positive":
            if isinstance(value, bool) or not isinstance(value, int) or value < 1:
                self.add(full, value, "must be a whole number >= 1")
                return False, None
            return True, value
        if kind == "prob":
            if not _is_number(value) or not 0 < value < 1:
                self.add(full, value, "must be a number strictly between 0 and 1")
                return False, None
            return True, float(value)
        if kind == "number":
            if not _is_number(value) or value <= 0:
                self.add(full, value, "must be a positive number")
                return False, None
            return True, float(value)
        if kind == "range":
            if (not isinstance(value, list) or len(value) != 2
                    or not all(_is_number(v) for v in value) or not value[0] < value[1]):
                self.add(full, value, "must be [low, high] with two numbers, low < high")
                return False, None
            return True, (float(value[0]), float(value[1]))
        if kind == "pair":
            if (not isinstance(value, list) or len(value) != 2
                    or any(isinstance(v, bool) or not isinstance(v, int) for v in value)
                    or not 0 <= value[0] < value[1]):
                self.add(full, value, "must be [start, end], two whole-number days, start < end")
                return False, None
            return True, (value[0], value[1])
        if kind in ("ints", "bounds"):
            low = 1 if kind == "ints" else -1
            if (not isinstance(value, list) or not value
                    or any(isinstance(v, bool) or not isinstance(v, int) or v < low
                           for v in value)):
                self.add(full, value, f"must be a list of whole numbers >= {low}")
                return False, None
            return True, tuple(value)
        if kind == "prior":
            if (not isinstance(value, list) or len(value) != 2
                    or not all(_is_number(v) and v > 0 for v in value)):
                self.add(full, value, "must be [a, b], the Beta prior's two positive numbers")
                return False, None
            return True, (float(value[0]), float(value[1]))
        if kind == "days":
            if (not isinstance(value, list) or not value
                    or any(isinstance(v, bool) or not isinstance(v, int) or v < 0
                           for v in value)
                    or any(b <= a for a, b in itertools.pairwise(value))):
                self.add(full, value, "must be a list of whole-number days >= 0 in increasing "
                         "order, without repeats")
                return False, None
            return True, tuple(value)
        if kind == "window":
            ok_int = not isinstance(value, bool) and isinstance(value, int) and value >= 0
            ok_list = isinstance(value, list) and all(
                not isinstance(v, bool) and isinstance(v, int) and v >= 0 for v in value)
            if not (ok_int or ok_list):
                self.add(full, value, "must be a whole number of days >= 0, or a list of them "
                         "(one per scheduled day)")
                return False, None
            return True, value
        if kind == "date":
            if isinstance(value, _dt.datetime):
                return True, value.date()
            if isinstance(value, _dt.date):
                return True, value
            if isinstance(value, str):
                try:
                    return True, _dt.date.fromisoformat(value.strip())
                except ValueError:
                    pass
            self.add(full, value, "must be a date YYYY-MM-DD")
            return False, None
        if kind == "rules":
            return self._rules(full, value)
        raise AssertionError(kind)  # pragma: no cover

    def _rules(self, full: str, value: Any) -> tuple[bool, Any]:
        if not isinstance(value, list):
            self.add(full, value, "must be a list of { column, op, value } rules")
            return False, None
        rules: list[EligibilityRule] = []
        ok = True
        for i, rule in enumerate(value, start=1):
            where = f"{full}[{i}]"
            if not isinstance(rule, dict):
                self.add(where, rule, "must be a table { column = ..., op = ..., value = ... }")
                ok = False
                continue
            extra = sorted(set(rule) - {"column", "op", "value"})
            for key in extra:
                self.add(f"{where}.{key}", rule[key], "unknown key (a rule has column, op, value)")
            missing = [k for k in ("column", "op", "value") if k not in rule]
            for key in missing:
                self.add(f"{where}.{key}", None, "required key is missing")
            if extra or missing:
                ok = False
                continue
            column, op, v = rule["column"], rule["op"], rule["value"]
            good = True
            if not isinstance(column, str) or not column.strip():
                self.add(f"{where}.column", column, "must be a column name")
                good = False
            if op not in OPS:
                self.add(f"{where}.op", op, f"must be one of {', '.join(map(repr, OPS))}")
                good = False
            elif op in ("in", "not in"):
                if not isinstance(v, list) or not v or not all(_is_rule_value(x) for x in v):
                    self.add(f"{where}.value", v, f"must be a non-empty list for {op!r} of "
                             "numbers, texts, true/false values or dates (YYYY-MM-DD)")
                    good = False
                else:
                    v = tuple(v)
            elif not _is_rule_value(v):
                self.add(f"{where}.value", v, "must be a number, text, true/false or a date "
                         "(YYYY-MM-DD, without a time of day)")
                good = False
            elif op in (">", ">=", "<", "<="):
                # "2015-01-01" as text is the date, as for analysis.data_cutoff.
                v = _iso_date(v) or v
                if not (_is_number(v) or _value_kind(v) == "date"):
                    self.add(f"{where}.value", v, f"must be a number for {op!r}, or a date "
                             "(YYYY-MM-DD): text and true/false values have no order")
                    good = False
            if good:
                rules.append(EligibilityRule(column=column.strip(), op=op, value=v))
            ok = ok and good
        return ok, tuple(rules)

    def section(self, name: str) -> dict[str, Any] | None:
        if name not in self.raw:
            if name in _REQUIRED_SECTIONS:
                self.add(f"[{name}]", None, "required section is missing")
            return None
        sec = self.raw[name]
        if not isinstance(sec, dict):
            self.add(f"[{name}]", sec, "must be a table of settings")
            return {}
        out: dict[str, Any] = {}
        for key, (kind, required) in _SCHEMA[name].items():
            full = f"{name}.{key}"
            if key not in sec:
                if required:
                    self.add(full, None, "required key is missing")
                continue
            ok, value = self._typed(full, kind, sec[key])
            if ok:
                out[key] = value
        for key in sec:
            if key not in _SCHEMA[name]:
                full = f"{name}.{key}"
                hint = _RENAMED.get(full)
                self.add(full, sec[key], f"unknown key: renamed {hint}" if hint
                         else "unknown key (check the spelling)")
        return out

    # ------------------------------------------------------------------ build
    def build(self) -> AnalysisPlan | None:
        for key in self.raw:
            if key not in _SCHEMA:
                hint = _RENAMED.get(f"[{key}]")
                self.add(f"[{key}]", None, f"unknown section: renamed {hint}" if hint
                         else "unknown section (check the spelling)")
        trial = self.section("trial")
        design = self.section("design")
        endpoint = self.section("endpoint")
        eligibility = self.section("eligibility")
        treatment = self.section("treatment")
        schedule = self.section("schedule")
        analysis = self.section("analysis") or {}
        adam = self.section("adam")
        if trial is None or design is None or endpoint is None:
            return None
        if design.get("type") in ("bop2", "predictive"):
            # A Bayesian design is a multi-stage design of its family.
            if "family" in design and design["family"] != design["type"]:
                self.add("design.family", design["family"],
                         f"contradicts type = {design['type']!r}")
            design = {**design, "family": design["type"], "type": "multistage"}
        self._check_design(design)
        self._check_endpoint(endpoint, analysis, schedule)
        sched = self._check_schedule(schedule, endpoint, analysis)
        self._check_analysis(analysis, endpoint)
        rules = () if eligibility is None else eligibility.get("rules", ())
        for rule in rules:
            if rule.column == "baseline" and endpoint.get("kind") != "score":
                self.add("eligibility.rules", rule.describe(),
                         "column 'baseline' (the endpoint's baseline value) needs a score endpoint")
        design_ok = not any(str(p["column"]).startswith(("design", "[design]"))
                            for p in self.problems)
        if design_ok and design.get("type") in DESIGN_TYPES:
            self._check_error_rates(design)
        if self.problems:
            return None
        kind = endpoint["kind"]
        ep = EndpointPlan(
            kind=kind, column=endpoint["column"],
            missing=endpoint.get("missing", "non-responder"),
            table=endpoint.get("table"), label=endpoint.get("label", ""),
            unit=endpoint.get("unit", ""), range=endpoint.get("range"),
            better=endpoint.get("better", "lower"), day=endpoint.get("day"),
            relative_change=endpoint.get("relative_change"),
            absolute_change=endpoint.get("absolute_change"),
            combine=endpoint.get("combine", "and"),
        )
        return AnalysisPlan(
            trial=TrialInfo(name=trial["name"], treatment=trial["treatment"],
                            registration=trial.get("registration", ""),
                            note=trial.get("note", "")),
            design=_design_plan(design),
            endpoint=ep,
            eligibility=rules,
            treatment=None if treatment is None else TreatmentPlan(**treatment),
            schedule=sched,
            population=analysis.get("population", "treated"),
            baseline_day=analysis.get("baseline_day", 0),
            data_cutoff=analysis.get("data_cutoff"),
            confidence_level=analysis.get("confidence_level", 0.90),
            score_confidence_level=analysis.get("score_confidence_level", 0.95),
            auc_days=analysis.get("auc_days"),
            mmrm_covariance=analysis.get("mmrm_covariance", "unstructured"),
            mmrm_df=analysis.get("mmrm_df", "satterthwaite"),
            adam=None if adam is None else AdamPlan(**adam),
            notes=tuple(self.notes),
        )

    def _check_design(self, d: dict[str, Any]) -> None:
        if {"p0", "p1"} <= d.keys() and d["p1"] <= d["p0"]:
            self.add("design.p1", d["p1"], f"must be greater than design.p0 ({d['p0']!r})")
        if "alpha" in d and not d["alpha"] < 0.5:
            self.add("design.alpha", d["alpha"], "must be in (0, 0.5): a one-sided type I error")
        if {"alpha", "power"} <= d.keys() and not d["power"] > d["alpha"]:
            self.add("design.power", d["power"],
                     f"must be in (alpha, 1) = ({d['alpha']:g}, 1)")
        engine_keys = ("sizes", "futility", "efficacy", "family", "prior")
        if d.get("type") in ("simon", "single-stage"):
            for key in ("r", "n"):
                if key not in d:
                    self.add(f"design.{key}", None, f"required for type = {d['type']!r}")
            for key in engine_keys:
                if key in d:
                    self.add(f"design.{key}", d[key], 'only for type = "multistage"')
        if d.get("type") == "multistage":
            for key in ("r1", "n1", "r", "n"):
                if key in d:
                    self.add(f"design.{key}", d[key], 'not used by type = "multistage" '
                             "(give sizes, futility and efficacy)")
            for key in ("sizes", "futility"):
                if key not in d:
                    self.add(f"design.{key}", None, 'required for type = "multistage"')
            if {"sizes", "futility", "p0", "p1"} <= d.keys() and d["p0"] < d["p1"]:
                from thera_stats.multistage import MultiStageDesign

                try:
                    MultiStageDesign(d["p0"], d["p1"], list(d["sizes"]), list(d["futility"]),
                                     None if d.get("efficacy") is None else list(d["efficacy"]))
                except (TypeError, ValueError) as err:
                    self.add("design", _engine_bounds_text(d), str(err))
        if d.get("type") == "single-stage" and d.get("off_plan_rule") in (
                "ats", "atss", "conditional-error"):
            self.add("design.off_plan_rule", d["off_plan_rule"],
                     "needs an interim look; a single-stage design takes \"attained-size\" "
                     "or \"planned\"")
        if d.get("type") == "simon":
            for key in ("r1", "n1"):
                if key not in d:
                    self.add(f"design.{key}", None, "required for a Simon two-stage design")
            if {"r1", "n1", "r", "n"} <= d.keys():
                r1, n1, r, n = d["r1"], d["n1"], d["r"], d["n"]
                if not (r1 < n1 < n):
                    self.add("design.n1", n1, f"need r1 < n1 < n (r1={r1}, n1={n1}, n={n})")
                if not (r1 <= r < n):
                    self.add("design.r", r, f"need r1 <= r < n (r1={r1}, r={r}, n={n})")
        elif d.get("type") == "single-stage":
            for key in ("r1", "n1"):
                if key in d:
                    self.add(f"design.{key}", d[key], "not used by a single-stage design")
            if {"r", "n"} <= d.keys() and d["r"] >= d["n"]:
                self.add("design.r", d["r"], f"must be less than design.n ({d['n']})")
            if d.get("n") == 0:
                self.add("design.n", 0, "must be at least 1")

    def _check_error_rates(self, d: dict[str, Any]) -> None:
        """Boundaries against p0/p1/alpha/power: the plan must agree with itself."""
        plan = _design_plan(d)
        size, power = plan.exact_error_rates()
        # A relative tolerance of 1e-9 absorbs rounding in the sums only.
        before = len(self.problems)
        if size > d["alpha"] * (1 + 1e-9):
            self.add("design", _boundaries(plan),
                     f"the boundaries' exact type I error at p0 = {plan.p0:g} is {size:.4f}, "
                     f"above design.alpha = {plan.alpha:g}")
        if power < d["power"] * (1 - 1e-9):
            self.add("design", _boundaries(plan),
                     f"the boundaries' exact power at p1 = {plan.p1:g} is {power:.4f}, below "
                     f"design.power = {plan.power:g}")
        if (len(self.problems) > before or plan.criterion not in ("optimal", "minimax")
                or plan.type == "multistage"):
            return
        reference = _criterion_design(plan)
        if reference is not None and reference != (plan.r1, plan.n1, plan.r, plan.n):
            r1, n1, r, n = reference
            want = (f"{r1}/{n1}, {r}/{n}" if plan.type == "simon" else f"{r}/{n}")
            self.notes.append(
                f"The planned boundaries ({_boundaries(plan)}) meet alpha and power "
                f"(exact {size:.4f} and {power:.4f}) but are not the {plan.criterion} "
                f"design for these targets ({want}).")

    def _check_endpoint(self, e: dict[str, Any], a: dict[str, Any],
                        schedule: dict[str, Any] | None) -> None:
        kind = e.get("kind")
        raw = self.raw.get("endpoint", {})
        if kind == "binary":
            for key in _SCORE_ONLY:
                if key in e:
                    self.add(f"endpoint.{key}", raw.get(key), "only for kind = \"score\"")
            return
        if kind != "score":
            return
        for key in ("table", "day"):
            if key not in e:
                self.add(f"endpoint.{key}", None, "required for kind = \"score\"")
        if "relative_change" not in e and "absolute_change" not in e:
            self.add("endpoint", None, "give relative_change, absolute_change or both")
        if schedule is None:
            self.add("[schedule]", None, "required for kind = \"score\" (the scheduled days)")
        base = a.get("baseline_day", 0)
        if "day" in e and e["day"] <= base:
            self.add("endpoint.day", e["day"], f"must be after the baseline day ({base})")
        if e.get("relative_change", 0) > 1 and e.get("better", "lower") == "lower":
            self.add("endpoint.relative_change", raw.get("relative_change"),
                     "must be at most 1 (100 %) when lower is better: an improvement cannot "
                     "exceed the baseline value")
        if "range" in e and "absolute_change" in e:
            lo, hi = e["range"]
            if e["absolute_change"] > hi - lo:
                self.add("endpoint.absolute_change", raw.get("absolute_change"),
                         f"is larger than the whole range [{lo:g}, {hi:g}]")
        if "table" in e and e["table"] in ("patients", "adverse_events", "plan"):
            self.add("endpoint.table", e["table"], "must name the score's own long table")

    def _check_schedule(self, s: dict[str, Any] | None, e: dict[str, Any],
                        a: dict[str, Any]) -> SchedulePlan | None:
        if s is None or "days" not in s:
            return None
        days: tuple[int, ...] = s["days"]
        w = s.get("window", 0)
        if isinstance(w, list):
            if len(w) != len(days):
                self.add("schedule.window", w, f"has {len(w)} windows for {len(days)} "
                         "scheduled days")
                return None
            windows = tuple(w)
        else:
            windows = (w,) * len(days)
        for i in range(len(days) - 1):
            if days[i] + windows[i] >= days[i + 1] - windows[i + 1]:
                self.add("schedule.window", s.get("window", 0),
                         f"the windows of days {days[i]} and {days[i + 1]} overlap: an "
                         "assessment must belong to one scheduled day")
                break
        base = a.get("baseline_day", 0)
        if base not in days:
            self.add("analysis.baseline_day", base, "must be one of schedule.days")
        if "day" in e and e["day"] not in days:
            self.add("endpoint.day", e["day"], "must be one of schedule.days")
        auc = a.get("auc_days")
        if auc is not None:
            for d in auc:
                if d not in days:
                    self.add("analysis.auc_days", list(auc), f"day {d} is not in schedule.days")
        return SchedulePlan(days=days, windows=windows)

    def _check_analysis(self, a: dict[str, Any], e: dict[str, Any]) -> None:
        if e.get("kind") == "binary":
            raw = self.raw.get("analysis", {})
            for key in ("score_confidence_level", "auc_days", "mmrm_covariance", "mmrm_df"):
                if key in a:
                    self.add(f"analysis.{key}", raw.get(key), "only for a score endpoint")


def _engine_bounds_text(d: dict[str, Any]) -> str:
    return ", ".join(f"{k} = {list(d[k])}" for k in ("sizes", "futility", "efficacy") if k in d)


def _design_plan(d: dict[str, Any]) -> DesignPlan:
    """The checked ``[design]`` section as a :class:`DesignPlan` (``r``, ``n`` derived for a
    multi-stage design: its final futility bound and largest size)."""
    values = {k: v for k, v in d.items() if k != "criterion"}
    if d.get("type") == "multistage":
        values.update(r=d["futility"][-1], n=d["sizes"][-1])
    return DesignPlan(criterion=d.get("criterion", "custom"), **values)


def _boundaries(plan: DesignPlan) -> str:
    if plan.type == "multistage":
        return (f"sizes {list(plan.sizes or ())}, futility {list(plan.futility or ())}"
                + (f", efficacy {list(plan.efficacy)}" if plan.efficacy is not None else ""))
    if plan.type == "simon":
        return f"r1/n1 = {plan.r1}/{plan.n1}, r/n = {plan.r}/{plan.n}"
    return f"r/n = {plan.r}/{plan.n}"


def _criterion_design(plan: DesignPlan) -> tuple[int | None, int | None, int, int] | None:
    """The stated criterion's design for the plan's targets, or None if it cannot be found."""
    import warnings

    from thera_stats.errors import TheraStatsError
    from thera_stats.simon import simon_design, single_stage_design

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if plan.type == "simon":
                s = simon_design(plan.p0, plan.p1, alpha=plan.alpha, power=plan.power,
                                 criterion=plan.criterion)
                return s.r1, s.n1, s.r, s.n
            # One stage: the smallest n is both the optimal and the minimax design.
            ss = single_stage_design(plan.p0, plan.p1, alpha=plan.alpha, power=plan.power)
            return None, None, ss.r, ss.n
    except (ValueError, TheraStatsError):
        return None
