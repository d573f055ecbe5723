"""Inference after a Simon two-stage trial: estimates, p-values and exact intervals.

After a two-stage trial the naive proportion ``x / n`` is biased and its
Clopper-Pearson interval ignores the early-stopping rule. This module reports,
for the outcome actually observed (stopped after stage 1 with ``x1`` responses,
or completed with ``x`` responses in total):

* the maximum likelihood estimate ``x / n``;
* the UMVUE of Jung & Kim (2004);
* a median-unbiased estimate (Koyama & Chen 2008);
* the exact one-sided p-value against ``p0`` under an ordering of the outcomes;
* the exact confidence interval that inverts that ordering, whose coverage is
  at least the nominal level at every true response rate.

It is the two-stage view of :mod:`thera_stats.multistage_inference`: the design
says what its rule is and decides (:meth:`thera_stats.simon.SimonDesign.decide`,
:meth:`~thera_stats.simon.SimonDesign.at_sizes`, the :math:`K = 2` case of
:class:`~thera_stats.multistage.MultiStageDesign`), and every number here is
:func:`~thera_stats.multistage_inference.multistage_inference` on the rule that
was applied. This module never imports the design module: it takes any design
with that interface, so the two do not depend on each other in a circle.

Everything is computed on the sample space of the stage sizes actually
attained, so a trial that under- or over-ran its plan (THERA stopped at 17
patients of a planned 22) gets answers for what was done.

Notation
--------
Stage 1 has ``n1`` patients and ``X1 ~ Bin(n1, p)`` responses; the trial stops
for futility if ``X1 <= r1``. Otherwise ``n2 = n - n1`` more patients give
``X2 ~ Bin(n2, p)`` and ``X = X1 + X2``. An outcome is ``(stage, responses)``:
``(1, x1)`` with ``x1 <= r1`` or ``(2, x)`` with ``x > r1``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import xlog1py, xlogy

from thera_stats._checks import (
    check_alternative,
    check_choice,
    check_closed_unit_array,
    check_confidence_level,
    check_integer_array,
)
from thera_stats._results import ConfidenceInterval
from thera_stats.multistage import MultiStageDesign
from thera_stats.multistage_inference import (
    MultiStageInference,
    _space,
    multistage_inference,
    multistage_outcome_table,
)

__all__ = [
    "ORDERINGS",
    "TwoStageInference",
    "exact_coverage",
    "outcome_table",
    "two_stage_inference",
]

ORDERINGS = ("stagewise", "mle")
INTERVALS = ("exact", "naive")

_ORDERING_NAMES = {
    "stagewise": "stage-wise ordering",
    "mle": "sample-proportion (MLE) ordering",
}

FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------
# The design (any object with SimonDesign's interface) and argument checks
# --------------------------------------------------------------------------


class _TwoStageDesign(Protocol):
    """What this module needs of a design: :class:`thera_stats.simon.SimonDesign`."""

    alpha: float

    @property
    def multistage(self) -> MultiStageDesign: ...

    def decide(self, responses_stage1: int, responses_total: int | None = None, *,
               n_stage1: int | None = None, n_total: int | None = None) -> Any: ...

    def at_sizes(self, n_stage1: int | None = None,
                 n_total: int | None = None) -> MultiStageDesign: ...


@dataclass(frozen=True, slots=True)
class _Plan:
    design: _TwoStageDesign
    p0: float
    alpha: float
    r1: int
    n1: int
    r: int
    n: int


def _count(name: str, value: Any, *, minimum: int = 0) -> int:
    """A single whole number >= ``minimum``; the message quotes the value as given."""
    if np.ndim(value) != 0:
        raise TypeError(f"`{name}` ({value!r}) must be a single whole number.")
    shown = value.item() if isinstance(value, np.generic) else value
    if isinstance(shown, float) and math.isfinite(shown) and shown != round(shown):
        raise ValueError(f"`{name}` ({shown!r}) must be a whole number.")
    number = int(check_integer_array(name, value, minimum=-(2**62)))
    if number < minimum:
        raise ValueError(f"`{name}` ({shown!r}) must be >= {minimum}.")
    return number


def _plan(design: Any) -> _Plan:
    """The plan of a Simon design: its engine form must be two stages, futility only."""
    engine = getattr(design, "multistage", None)
    if not (
        isinstance(engine, MultiStageDesign)
        and engine.n_looks == 2
        and not engine.has_efficacy_stop
        and not engine.three_outcome
        and callable(getattr(design, "decide", None))
        and callable(getattr(design, "at_sizes", None))
    ):
        raise TypeError(
            f"`design` ({design!r}) must be a SimonDesign (see thera_stats.simon_design, or "
            "SimonDesign(p0=..., p1=..., alpha=..., power=..., r1=..., n1=..., r=..., n=...))."
        )
    # The design checked every field when it was made.
    return _Plan(design=design, p0=engine.p0, alpha=float(design.alpha),
                 r1=engine.futility[0], n1=engine.sizes[0], r=engine.futility[1],
                 n=engine.sizes[1])


def _sizes(plan: _Plan, n_stage1: Any, n_total: Any) -> tuple[int, int]:
    """The stage sizes analysed: attained ones where given, else the plan's."""
    n1 = plan.n1 if n_stage1 is None else _count("n_stage1", n_stage1, minimum=1)
    n = plan.n if n_total is None else _count("n_total", n_total, minimum=1)
    if n < n1:
        which = "`n_total`" if n_total is not None else "the planned n"
        raise ValueError(f"{which} ({n}) must be at least `n_stage1` ({n1}).")
    return n1, n


# --------------------------------------------------------------------------
# The sample space of the rule applied, in two-stage terms
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _SampleSpace:
    """All outcomes of the two-stage rule ``design`` (a K = 2 MultiStageDesign, the plan
    or the rule at attained sizes) under an ordering: the engine's sample space, whose
    outcomes run from the stops at stage 1 (``x1 = 0 .. r1``) to the completions
    (``x = r1 + 1 .. n``).

    ``stage``, ``x`` (responses) and ``m`` (patients) describe outcome ``k``; its
    probability is ``exp(logc[k]) p**x (1-p)**(m-x)``.
    """

    design: MultiStageDesign
    ordering: str

    @cached_property
    def _engine(self) -> Any:
        return _space(self.design, self.ordering)

    @property
    def r1(self) -> int:
        return self.design.futility[0]

    @property
    def n1(self) -> int:
        return self.design.sizes[0]

    @property
    def n(self) -> int:
        return self.design.sizes[1]

    @property
    def stage(self) -> npt.NDArray[np.int64]:
        return np.asarray(self._engine.look)

    @property
    def x(self) -> npt.NDArray[np.int64]:
        return np.asarray(self._engine.x)

    @property
    def m(self) -> npt.NDArray[np.int64]:
        return np.asarray(self._engine.n)

    @property
    def logc(self) -> FloatArray:
        return np.asarray(self._engine.logc)

    @property
    def umvue(self) -> FloatArray:
        return np.asarray(self._engine.umvue)

    @property
    def decision(self) -> list[str]:
        """The rule's decision at each outcome: "stop for futility", "go" or "no go"."""
        return ["stop for futility" if s == 1 else d
                for s, d in zip(self.stage.tolist(), self._engine.decision, strict=True)]

    @property
    def size(self) -> int:
        return int(self.x.size)

    def index(self, stage: int, x: int) -> int:
        hit = np.flatnonzero((self.stage == stage) & (self.x == x))
        return int(hit[0])

    def pmf(self, p: Any) -> FloatArray:
        """Outcome probabilities, shape ``p.shape + (K,)``."""
        pp = np.asarray(p, dtype=float)[..., None]
        logpmf = self.logc + xlogy(self.x, pp) + xlog1py(self.m - self.x, -pp)
        return np.asarray(np.exp(logpmf), dtype=float)

    def upper_tail(self, k: int, p: float) -> float:
        """``P_p(T >= t_k)``."""
        return float(self._engine.tail(float(p), k, "G"))

    def lower_tail(self, k: int, p: float) -> float:
        """``P_p(T <= t_k)``."""
        return float(self._engine.tail(float(p), k, "H"))

    def pvalue(self, k: int) -> float:
        """The engine's p-value ``P_p0(T >= t_k)`` (exactly 1 for a least extreme outcome)."""
        return float(self.inference(k).pvalue)

    def path(self, k: int) -> list[int]:
        """Cumulative responses of one trial ending at outcome ``k``."""
        x = int(self.x[k])
        if self.stage[k] == 1:
            return [x]
        return [max(self.r1 + 1, x - (self.n - self.n1)), x]

    def inference(self, k: int) -> MultiStageInference:
        """The engine's inference for outcome ``k`` (computed once)."""
        cache: dict[int, MultiStageInference] = self.__dict__.setdefault("_results", {})
        if k not in cache:
            cache[k] = multistage_inference(self.design, self.path(k), ordering=self.ordering)
        return cache[k]


def _sample_space(r1: int, n1: int, n: int, ordering: str) -> _SampleSpace:
    """The sample space of stage sizes ``n1 <= n`` with stage-1 bound ``r1``
    (``-1``: no futility stop). The rates and the final bound play no part in it
    (nor in the stage-wise and MLE orderings)."""
    rule = MultiStageDesign._from_bounds(0.5, 0.5, [n1, n], [r1, max(r1, 0)], [n1], max(r1, 0))
    return _SampleSpace(rule, ordering)


# --------------------------------------------------------------------------
# Limits and the median-unbiased estimate: the engine's, by outcome
# --------------------------------------------------------------------------


def _lower_limit(space: _SampleSpace, k: int, a: float) -> float:
    """``inf {p : P_p(T >= t_k) > a}``."""
    ci = space.inference(k).confidence_interval(1.0 - a, alternative="greater")
    return float(ci.low)


def _upper_limit(space: _SampleSpace, k: int, a: float) -> float:
    """``sup {p : P_p(T <= t_k) > a}``."""
    ci = space.inference(k).confidence_interval(1.0 - a, alternative="less")
    return float(ci.high)


def _limits(
    space: _SampleSpace, k: int, confidence_level: float, alternative: str
) -> tuple[float, float]:
    ci = space.inference(k).confidence_interval(confidence_level, alternative=alternative)
    return float(ci.low), float(ci.high)


def _all_limits(
    space: _SampleSpace, confidence_level: float, alternative: str
) -> tuple[FloatArray, FloatArray]:
    lows = np.empty(space.size)
    highs = np.empty(space.size)
    for k in range(space.size):
        lows[k], highs[k] = _limits(space, k, confidence_level, alternative)
    return lows, highs


def _median_unbiased(space: _SampleSpace, k: int) -> float:
    return float(space.inference(k).median_unbiased)


def _naive_limits(x: Any, m: Any, confidence_level: float, alternative: str) -> tuple[Any, Any]:
    """Clopper-Pearson limits of ``x / m`` ignoring the design."""
    from thera_stats.binomial import binomial_ci  # lazy: keeps the import graph flat

    ci = binomial_ci(
        x, m, confidence_level=confidence_level, method="clopper-pearson", alternative=alternative
    )
    return ci.low, ci.high


# --------------------------------------------------------------------------
# The result
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TwoStageInference:
    """Inference for the outcome of a two-stage trial; see :func:`two_stage_inference`.

    Attributes
    ----------
    design : SimonDesign
        The planned design (``r1`` and ``p0`` are used as planned).
    stage : int
        1 if the trial stopped for futility after stage 1, 2 if it completed.
    responses_stage1, responses_total : int
        Responses in stage 1 and in all patients (equal when ``stage == 1``).
    n_stage1, n_total : int
        The stage sizes used (attained, or planned when not given).
    off_plan : bool
        Whether ``(n_stage1, n_total)`` differ from the planned ``(n1, n)``.
    note : str
        One sentence on which sizes were used and why.
    ordering : str
        Ordering of the sample space used by ``pvalue``, ``median_unbiased``
        and :meth:`confidence_interval`.
    mle, umvue, median_unbiased : float
        Point estimates: ``x / n``, the UMVUE and the median-unbiased estimate.
    pvalue : float
        Exact one-sided p-value of ``H0: p <= p0`` under ``ordering``.
    final_boundary : int or None
        ``r`` of the rule "go iff x > r" applied (``None`` after a stop at stage 1).
    decision : str
        ``"stop for futility"``, ``"go"`` or ``"no go"``.
    """

    design: Any
    stage: int
    responses_stage1: int
    responses_total: int
    n_stage1: int
    n_total: int
    off_plan: bool
    note: str
    ordering: str
    mle: float
    umvue: float
    median_unbiased: float
    pvalue: float
    final_boundary: int | None
    decision: str
    _result: MultiStageInference = field(repr=False, compare=False)

    @property
    def responses(self) -> int:
        """Responses observed (``x1`` after a stop at stage 1, else ``x``)."""
        return self.responses_total

    @property
    def n_patients(self) -> int:
        """Patients observed (``n_stage1`` after a stop at stage 1, else ``n_total``)."""
        return self.n_stage1 if self.stage == 1 else self.n_total

    def confidence_interval(
        self, confidence_level: float = 0.90, alternative: str = "two-sided"
    ) -> ConfidenceInterval:
        """Exact confidence interval inverting the ordering of the sample space.

        The lower limit solves ``P_p(T >= t) = a`` and the upper limit
        ``P_p(T <= t) = a``, with ``a = (1 - confidence_level) / 2`` for a
        two-sided interval and ``a = 1 - confidence_level`` for one side
        (``"greater"`` gives ``[low, 1]``, ``"less"`` gives ``[0, high]``).
        The limit is 0 (or 1) for the least (or most) extreme outcome.
        """
        level = check_confidence_level(confidence_level)
        alt = check_alternative(alternative)
        ci = self._result.confidence_interval(level, alternative=alt)
        low, high = float(ci.low), float(ci.high)
        return ConfidenceInterval(
            low=low,
            high=high,
            method=f"two-stage exact ({_ORDERING_NAMES[self.ordering]})",
            confidence_level=level,
            alternative=alt,
        )

    def naive_confidence_interval(
        self, confidence_level: float = 0.90, alternative: str = "two-sided"
    ) -> ConfidenceInterval:
        """Clopper-Pearson interval of ``x / n`` that ignores the design (for comparison)."""
        level = check_confidence_level(confidence_level)
        alt = check_alternative(alternative)
        low, high = _naive_limits(self.responses, self.n_patients, level, alt)
        return ConfidenceInterval(
            low=float(low),
            high=float(high),
            method="clopper-pearson (ignores the design)",
            confidence_level=level,
            alternative=alt,
        )

    def to_frame(
        self, confidence_level: float = 0.90, alternative: str = "two-sided"
    ) -> pd.DataFrame:
        """A one-row tidy table of the result with the interval at the given level."""
        ci = self.confidence_interval(confidence_level, alternative)
        row = {
            "stage": self.stage,
            "responses_stage1": self.responses_stage1,
            "responses_total": self.responses_total,
            "n_stage1": self.n_stage1,
            "n_total": self.n_total,
            "off_plan": self.off_plan,
            "p0": float(self.design.p0),
            "ordering": self.ordering,
            "mle": self.mle,
            "umvue": self.umvue,
            "median_unbiased": self.median_unbiased,
            "pvalue": self.pvalue,
            "ci_low": ci.low,
            "ci_high": ci.high,
            "confidence_level": ci.confidence_level,
            "alternative": ci.alternative,
            "decision": self.decision,
        }
        return pd.DataFrame([row])

    def _lines(self) -> list[str]:
        d = self.design
        ci = self.confidence_interval()
        if self.stage == 1:
            outcome = f"stopped after stage 1: {self.responses_stage1}/{self.n_stage1} responses"
        else:
            outcome = (
                f"completed: {self.responses_total}/{self.n_total} responses "
                f"({self.responses_stage1}/{self.n_stage1} in stage 1)"
            )
        return [
            f"Two-stage inference (design r1={d.r1}/n1={d.n1}, r={d.r}/n={d.n}, p0={d.p0:g})",
            f"  outcome         : {outcome}",
            f"  sizes           : {self.note}",
            f"  decision        : {self.decision}",
            f"  MLE             : {self.mle:.4f}",
            f"  UMVUE           : {self.umvue:.4f}",
            f"  median-unbiased : {self.median_unbiased:.4f}",
            f"  p-value         : {self.pvalue:.4g} (H0: p <= {d.p0:g}; {self.ordering} ordering)",
            f"  90% CI          : [{ci.low:.4f}, {ci.high:.4f}] (two-sided, exact)",
        ]

    def __repr__(self) -> str:
        return "\n".join(self._lines())

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


# --------------------------------------------------------------------------
# Public functions
# --------------------------------------------------------------------------


def two_stage_inference(
    design: Any,
    responses_stage1: int,
    responses_total: int | None = None,
    *,
    n_stage1: int | None = None,
    n_total: int | None = None,
    ordering: str = "stagewise",
) -> TwoStageInference:
    """Estimates, p-value and exact interval after a Simon two-stage trial.

    Parameters
    ----------
    design : SimonDesign
        The planned design: stop after ``n1`` patients if at most ``r1``
        respond, else enrol to ``n`` and go if more than ``r`` respond.
    responses_stage1 : int
        Responses ``x1`` among the stage-1 patients.
    responses_total : int, optional
        Responses ``x`` among all patients. Leave out (``None``) when the
        trial stopped after stage 1 (``x1 <= r1``); required otherwise.
    n_stage1, n_total : int, optional
        Stage-1 and total sizes actually attained, when they differ from the
        plan. The sample space is then that of a two-stage design with these
        sizes, treated as fixed in advance (the analysis conditions on them),
        and the stage-1 boundary in force: the planned ``r1`` if ``n_stage1``
        is as planned, otherwise the ``r1'`` of
        :meth:`~thera_stats.simon.SimonDesign.decide` (largest ``r1'`` with
        ``P_p1(X1' <= r1') <= P_p1(X1 <= r1)``). After a stop at stage 1,
        ``n_total`` only matters for the ``"mle"`` ordering; by default stage 2
        keeps its planned size.
    ordering : {"stagewise", "mle"}
        How outcomes are ranked from least to most extreme for the p-value,
        the median-unbiased estimate and the interval. ``"stagewise"``
        (default; Fairbanks & Madsen 1982, Koyama & Chen 2008): every stop at
        stage 1 is less extreme than every completed trial, and within a stage
        more responses are more extreme. ``"mle"``: ranked by ``x / n``.

    Returns
    -------
    TwoStageInference
        With ``mle``, ``umvue``, ``median_unbiased``, ``pvalue``, the decision
        and :meth:`~TwoStageInference.confidence_interval`.

    Raises
    ------
    ValueError
        If a count is out of range, if ``responses_total`` is missing after a
        trial that went on to stage 2, or given after one that stopped.
    TypeError
        If ``design`` is not a design or a count is not a whole number.

    See Also
    --------
    outcome_table : The same quantities for every possible outcome.
    exact_coverage : Coverage of the interval procedure at each true ``p``.

    Notes
    -----
    With ``T`` the outcome and ``t`` the one observed, under the stage-wise
    ordering the p-value is ``P_p0(X1 >= x1)`` after a stop at stage 1 and

    .. math:: P_{p_0}(X_1 > r_1,\\ X_1 + X_2 \\ge x)
              = \\sum_{j > r_1} b(j; n_1, p_0)\\, P(X_2 \\ge x - j)

    after a completed trial: "p-value <= alpha" is exactly the decision rule
    "go iff x > r*" with ``r*`` the smallest boundary keeping the type I error
    of the attained sizes at or below alpha. The UMVUE [2]_ is ``x1 / n1``
    after a stop and

    .. math:: \\hat p = \\frac{\\sum_j \\binom{n_1-1}{j-1}\\binom{n_2}{x-j}}
                              {\\sum_j \\binom{n_1}{j}\\binom{n_2}{x-j}},
              \\quad \\max(r_1+1, x-n_2) \\le j \\le \\min(x, n_1),

    after a completed trial. The median-unbiased estimate solves
    ``P_p(T >= t) = 1/2`` (0 for the outcome ``x1 = 0``) [1]_. The lower
    confidence limit solves ``P_p(T >= t) = a`` and the upper one
    ``P_p(T <= t) = a`` (root finding to 1e-14), so the coverage is at least
    the nominal level for every ``p``. (R's clinfun solves
    ``P_p(T >= t) = 1 - a`` for the upper limit, i.e. ``P_p(T < t) = a``,
    which leaves out the observed outcome and undercovers.)

    References
    ----------
    .. [1] Koyama T, Chen H (2008). Proper inference from Simon's two-stage
       designs. Statistics in Medicine 27(16):3145-3154. doi:10.1002/sim.3123
    .. [2] Jung S-H, Kim KM (2004). On the estimation of the binomial
       probability in multistage clinical trials. Statistics in Medicine
       23(6):881-896. doi:10.1002/sim.1653

    Examples
    --------
    THERA's plan (stop after 10 if at most 2 respond; go if more than 7 of
    22 respond) and a trial that stopped for poor recruitment at 17 patients:

    >>> from thera_stats.simon import SimonDesign
    >>> from thera_stats.two_stage import two_stage_inference
    >>> plan = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    >>> res = two_stage_inference(plan, 3, 7, n_total=17)
    >>> res.off_plan, res.final_boundary, res.decision
    (True, 6, 'go')
    >>> round(res.mle, 4), round(res.umvue, 4), round(res.pvalue, 4)
    (0.4118, 0.4238, 0.0362)
    >>> ci = res.confidence_interval(0.90)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.2137, 0.6373)
    """
    plan = _plan(design)
    ordering = check_choice("ordering", ordering, ORDERINGS)
    # Stage 1 first: its attained size alone fixes r1 (it may over-run the planned n).
    n1 = plan.n1 if n_stage1 is None else _count("n_stage1", n_stage1, minimum=1)
    x1 = _count("responses_stage1", responses_stage1)
    if x1 > n1:
        raise ValueError(f"`responses_stage1` ({x1}) must not exceed `n_stage1` ({n1}).")
    # The design decides; the analysis follows the rule it applied.
    interim = plan.design.decide(x1, n_stage1=n1)
    r1 = int(interim.r1_used)
    given_total = None if n_total is None else _count("n_total", n_total, minimum=1)
    if interim.action == "stop for futility":
        if responses_total is not None and _count("responses_total", responses_total) != x1:
            raise ValueError(
                f"`responses_stage1` ({x1}) <= r1 ({r1}): the design stops for futility "
                f"after stage 1, so `responses_total` ({responses_total!r}) has no place in its "
                "sample space; leave it out (None)."
            )
        stage, x = 1, x1
        # Stage 2 never happened: its size is the planned one unless a larger
        # (hypothetical) total is given. Only the "mle" ordering depends on it.
        if given_total is not None and given_total < n1:
            raise ValueError(f"`n_total` ({given_total}) must be at least `n_stage1` ({n1}).")
        n = given_total if given_total is not None and given_total > n1 else n1 + plan.n - plan.n1
        decision = plan.design.decide(x1, x1, n_stage1=n1, n_total=n)
    else:
        if responses_total is None:
            raise ValueError(
                f"`responses_stage1` ({x1}) > r1 ({r1}): the trial went on to stage 2, "
                "so `responses_total` (responses among all patients) is required."
            )
        _, n = _sizes(plan, n1, n_total)
        x = _count("responses_total", responses_total)
        n2 = n - n1
        if not x1 <= x <= x1 + n2:
            raise ValueError(
                f"`responses_total` ({x}) must lie between `responses_stage1` ({x1}) and "
                f"`responses_stage1` + {n2} stage-2 patients ({x1 + n2})."
            )
        stage = 2
        decision = plan.design.decide(x1, x, n_stage1=n1, n_total=n)

    rule: MultiStageDesign = decision.multistage  # the plan, or the rule at these sizes
    off_plan = (n1, n) != (plan.n1, plan.n)
    boundary = rule.futility[1]
    space = _SampleSpace(rule, ordering)
    k = space.index(stage, x)
    result = space.inference(k)
    if off_plan:
        r1_text = (
            f"the planned r1={r1}"
            if r1 == plan.r1
            else f"the stage-1 boundary r1'={r1} for n1={n1} (planned r1={plan.r1})"
        )
        note = (
            f"attained sizes n1={n1}, n={n} differ from the plan (n1={plan.n1}, n={plan.n}); "
            f"the sample space, estimates, p-value and interval are those of the attained "
            f"sizes with {r1_text}, conditioning on the sizes"
            + (
                f"; go iff x > {boundary} keeps the type I error <= {plan.alpha:g}"
                if stage == 2
                else ""
            )
            + "."
        )
    else:
        note = f"as planned (n1={n1}, n={n})."
    return TwoStageInference(
        design=design,
        stage=stage,
        responses_stage1=x1,
        responses_total=x,
        n_stage1=n1,
        n_total=n,
        off_plan=off_plan,
        note=note,
        ordering=ordering,
        mle=x / (n1 if stage == 1 else n),
        umvue=float(result.umvue),
        median_unbiased=float(result.median_unbiased),
        pvalue=space.pvalue(k),
        final_boundary=None if stage == 1 else boundary,
        decision=str(decision.action),
        _result=result,
    )


def outcome_table(
    design: Any,
    *,
    confidence_level: float = 0.90,
    alternative: str = "two-sided",
    n_stage1: int | None = None,
    n_total: int | None = None,
    ordering: str = "stagewise",
) -> pd.DataFrame:
    """Every possible outcome of a two-stage trial with its decision and inference.

    One row per outcome, from least to most responses: stopped after stage 1
    with ``x1 = 0 .. r1`` responses, then completed with ``x = r1+1 .. n``.
    This is the table a statistical analysis plan can pre-specify.

    Parameters
    ----------
    design : SimonDesign, MultiStageDesign or a search result holding one
        The planned design. Any design other than Simon's gets the engine's
        table, :func:`~thera_stats.multistage_inference.multistage_outcome_table`
        (two-sided intervals; its own columns).
    confidence_level : float
        Level of the interval (the one-sided level when ``alternative`` is
        one-sided). Default 0.90, matching a one-sided alpha of 0.05.
    alternative : {"two-sided", "greater", "less"}
    n_stage1, n_total : int, optional
        Attained stage sizes, as in :func:`two_stage_inference`.
    ordering : {"stagewise", "mle"}

    Returns
    -------
    DataFrame
        Columns ``stage``, ``responses`` (``x1`` or ``x``), ``patients``,
        ``decision``, ``mle``, ``umvue``, ``median_unbiased``, ``pvalue``,
        ``ci_low``, ``ci_high`` and ``prob_p0`` (the outcome's probability
        under ``p0``). The level, alternative, ordering and sizes are in
        ``DataFrame.attrs``.

    See Also
    --------
    two_stage_inference : The same quantities for the outcome observed.

    Notes
    -----
    The p-value, median-unbiased estimate and limits invert the chosen
    ordering of the outcomes as in :func:`two_stage_inference` (Koyama & Chen
    [1]_); the UMVUE is that of Jung & Kim [2]_.

    References
    ----------
    .. [1] Koyama T, Chen H (2008). Proper inference from Simon's two-stage
       designs. Statistics in Medicine 27(16):3145-3154. doi:10.1002/sim.3123
    .. [2] Jung S-H, Kim KM (2004). On the estimation of the binomial
       probability in multistage clinical trials. Statistics in Medicine
       23(6):881-896. doi:10.1002/sim.1653

    Examples
    --------
    >>> from thera_stats.simon import SimonDesign
    >>> from thera_stats.two_stage import outcome_table
    >>> plan = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    >>> table = outcome_table(plan)
    >>> len(table), int((table["decision"] == "go").sum())
    (23, 15)
    >>> print(table[table.responses.between(7, 8)].iloc[:, :10].round(4).to_string(index=False))
     stage  responses  patients decision    mle  umvue  median_unbiased  pvalue  ci_low  ci_high
         2          7        22    no go 0.3182 0.3701           0.3198  0.1054  0.1688   0.5420
         2          8        22       go 0.3636 0.3973           0.3546  0.0492  0.2006   0.5727
    """
    engine = design if isinstance(design, MultiStageDesign) else getattr(design, "design", None)
    if isinstance(engine, MultiStageDesign):
        # Any other design of the engine: its own outcome table.
        if n_stage1 is not None or n_total is not None:
            raise ValueError("`n_stage1`/`n_total` are the attained sizes of a Simon design; "
                             "for a MultiStageDesign pass design.at_sizes(sizes, alpha=...).")
        if check_alternative(alternative) != "two-sided":
            raise ValueError(f"`alternative` ({alternative!r}): the outcome table of a "
                             "MultiStageDesign gives two-sided intervals.")
        return multistage_outcome_table(engine, ordering=ordering,
                                        confidence_level=confidence_level)
    plan = _plan(design)
    ordering = check_choice("ordering", ordering, ORDERINGS)
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    n1, n = _sizes(plan, n_stage1, n_total)
    space = _SampleSpace(plan.design.at_sizes(n1, n), ordering)
    lows, highs = _all_limits(space, level, alt)
    table = pd.DataFrame(
        {
            "stage": space.stage.copy(),
            "responses": space.x.copy(),
            "patients": space.m.copy(),
            "decision": space.decision,
            "mle": space.x / space.m,
            "umvue": space.umvue.copy(),
            "median_unbiased": [_median_unbiased(space, k) for k in range(space.size)],
            "pvalue": [space.pvalue(k) for k in range(space.size)],
            "ci_low": lows,
            "ci_high": highs,
            "prob_p0": space.pmf(np.asarray(plan.p0)),
        }
    )
    table.attrs.update(
        confidence_level=level,
        alternative=alt,
        ordering=ordering,
        n_stage1=n1,
        n_total=n,
        r1=space.r1,
        final_boundary=space.design.futility[1],
        off_plan=(n1, n) != (plan.n1, plan.n),
    )
    return table


def exact_coverage(
    design: Any,
    p: Any,
    *,
    confidence_level: float = 0.90,
    alternative: str = "two-sided",
    n_stage1: int | None = None,
    n_total: int | None = None,
    ordering: str = "stagewise",
    interval: str = "exact",
) -> Any:
    """Exact coverage probability of an interval procedure at true response rates ``p``.

    The coverage at ``p`` is ``sum_t P_p(T = t) 1{low(t) <= p <= high(t)}``,
    a finite sum over every outcome of the design (or of the attained sizes).

    Parameters
    ----------
    design : SimonDesign
        The planned design.
    p : float or array_like
        True response rates in [0, 1]; the result has the same shape.
    confidence_level : float
        Nominal level (one-sided level for a one-sided ``alternative``).
    alternative : {"two-sided", "greater", "less"}
    n_stage1, n_total : int, optional
        Attained stage sizes, as in :func:`two_stage_inference`.
    ordering : {"stagewise", "mle"}
        Ordering whose inversion gives the ``"exact"`` interval.
    interval : {"exact", "naive"}
        ``"exact"``: this module's interval. ``"naive"``: Clopper-Pearson on
        ``x / n`` ignoring the design, for comparison.

    Returns
    -------
    float or ndarray
        Coverage probability at each ``p``.

    Notes
    -----
    The ``"exact"`` interval inverts the ordering (Koyama & Chen [1]_), so its
    coverage is at least the nominal level at every ``p``; the ``"naive"``
    one ignores that stage 2 is reached only when ``X1 > r1`` and can fall
    short. As a function of ``p`` the coverage is piecewise smooth with a jump
    at every limit, so its minimum over a grid of ``p`` is an upper bound on
    the infimum; Brown, Cai & DasGupta [2]_ discuss the single-stage case.

    References
    ----------
    .. [1] Koyama T, Chen H (2008). Proper inference from Simon's two-stage
       designs. Statistics in Medicine 27(16):3145-3154. doi:10.1002/sim.3123
    .. [2] Brown LD, Cai TT, DasGupta A (2001). Interval estimation for a
       binomial proportion. Statistical Science 16(2):101-133.
       doi:10.1214/ss/1009213286

    Examples
    --------
    >>> import numpy as np
    >>> from thera_stats.simon import SimonDesign
    >>> from thera_stats.two_stage import exact_coverage
    >>> plan = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    >>> cover = exact_coverage(plan, np.linspace(0.001, 0.999, 999), confidence_level=0.9)
    >>> bool(cover.min() >= 0.9)
    True
    """
    plan = _plan(design)
    ordering = check_choice("ordering", ordering, ORDERINGS)
    interval = check_choice("interval", interval, INTERVALS)
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    n1, n = _sizes(plan, n_stage1, n_total)
    pa = check_closed_unit_array("p", p)
    space = _SampleSpace(plan.design.at_sizes(n1, n), ordering)
    if interval == "exact":
        lows, highs = _all_limits(space, level, alt)
    else:
        lows, highs = (
            np.asarray(v, dtype=float) for v in _naive_limits(space.x, space.m, level, alt)
        )
    probs = space.pmf(pa)
    covered = (lows <= pa[..., None]) & (pa[..., None] <= highs)
    cover = np.sum(np.where(covered, probs, 0.0), axis=-1)
    return float(cover) if cover.ndim == 0 else cover
