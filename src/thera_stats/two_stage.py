"""Inference after a Simon two-stage trial: estimates, p-values and exact intervals.

After a two-stage trial the naive proportion ``x / n`` is biased and its
Clopper-Pearson interval ignores the early-stopping rule. This module computes,
for the outcome actually observed (stopped after stage 1 with ``x1`` responses,
or completed with ``x`` responses in total):

* the maximum likelihood estimate ``x / n``;
* the UMVUE of Jung & Kim (2004);
* a median-unbiased estimate (Koyama & Chen 2008);
* the exact one-sided p-value against ``p0`` under an ordering of the outcomes;
* the exact confidence interval that inverts that ordering, whose coverage is
  at least the nominal level at every true response rate.

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
from fractions import Fraction
from functools import lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import brentq
from scipy.special import xlog1py, xlogy

from thera_stats._checks import (
    check_alternative,
    check_choice,
    check_closed_unit_array,
    check_confidence_level,
    check_integer_array,
)
from thera_stats._results import ConfidenceInterval
from thera_stats.simon import final_boundary

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

# Bracketing grid for the root finder: dense near 0 and 1, where limits of
# extreme outcomes lie. The roots themselves are found by Brent's method.
_GRID = 0.5 * (1.0 - np.cos(np.pi * np.linspace(0.0, 1.0, 2049)))
_XTOL = 1e-14

FloatArray = npt.NDArray[np.float64]


# --------------------------------------------------------------------------
# Design and argument checks
# --------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class _Plan:
    p0: float
    p1: float
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
    from thera_stats.simon import SimonDesign

    if not isinstance(design, SimonDesign):
        raise TypeError(
            f"`design` ({design!r}) must be a SimonDesign (see thera_stats.simon_design, or "
            "SimonDesign(p0=..., p1=..., alpha=..., power=..., r1=..., n1=..., r=..., n=...))."
        )
    # SimonDesign checked every field when it was made.
    return _Plan(p0=design.p0, p1=design.p1, alpha=design.alpha, r1=design.r1, n1=design.n1,
                 r=design.r, n=design.n)


@dataclass(frozen=True, slots=True)
class _Sizes:
    """Stage sizes analysed and the stage-1 boundary in force at that stage-1 size."""

    n1: int
    n: int
    r1: int

    def on_plan(self, plan: _Plan) -> bool:
        return (self.n1, self.n) == (plan.n1, plan.n)


def _stage1_boundary(plan: _Plan, n1: int) -> int:
    """Stage-1 futility boundary for an attained stage-1 size ``n1``.

    The planned ``r1`` when ``n1`` is as planned; otherwise the largest ``r1'``
    with ``P_p1(X1' <= r1') <= P_p1(X1 <= r1)`` (``-1``: no futility stop), the
    rule of :meth:`thera_stats.simon.SimonDesign.decide`, so that the sample
    space analysed is that of the rule actually applied at the interim.
    """
    from thera_stats.simon import stage1_boundary

    return stage1_boundary(plan.r1, plan.n1, n1, plan.p1)


def _sizes(plan: _Plan, n_stage1: Any, n_total: Any) -> _Sizes:
    n1 = plan.n1 if n_stage1 is None else _count("n_stage1", n_stage1, minimum=1)
    n = plan.n if n_total is None else _count("n_total", n_total, minimum=1)
    if n < n1:
        which = "`n_total`" if n_total is not None else "the planned n"
        raise ValueError(f"{which} ({n}) must be at least `n_stage1` ({n1}).")
    return _Sizes(n1=n1, n=n, r1=_stage1_boundary(plan, n1))


# --------------------------------------------------------------------------
# The sample space of a two-stage design at given stage sizes
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class _SampleSpace:
    """All outcomes of a two-stage trial with stage sizes ``n1`` and ``n``.

    ``stage``, ``x`` (responses) and ``m`` (patients) describe outcome ``k``;
    its probability is ``exp(logc[k]) p**x (1-p)**(m-x)``. ``rank`` is the
    dense rank of the outcome under the ordering (higher = more extreme,
    i.e. more evidence of a large p); ``order``/``starts`` group the outcomes
    by rank for tail sums.
    """

    r1: int
    n1: int
    n: int
    ordering: str
    stage: npt.NDArray[np.int64]
    x: npt.NDArray[np.int64]
    m: npt.NDArray[np.int64]
    logc: FloatArray
    umvue: FloatArray
    rank: npt.NDArray[np.int64]
    order: npt.NDArray[np.int64]
    starts: npt.NDArray[np.int64]
    grid_upper: FloatArray = field(repr=False)
    grid_lower: FloatArray = field(repr=False)

    @property
    def size(self) -> int:
        return int(self.x.size)

    def index(self, stage: int, x: int) -> int:
        hit = np.flatnonzero((self.stage == stage) & (self.x == x))
        return int(hit[0])

    def pmf(self, p: FloatArray) -> FloatArray:
        """Outcome probabilities, shape ``p.shape + (K,)``."""
        pp = np.asarray(p, dtype=float)[..., None]
        logpmf = self.logc + xlogy(self.x, pp) + xlog1py(self.m - self.x, -pp)
        return np.asarray(np.exp(logpmf), dtype=float)

    def tails(self, p: FloatArray) -> tuple[FloatArray, FloatArray]:
        """``P_p(T >= t_k)`` and ``P_p(T <= t_k)`` for every outcome, each summed directly."""
        probs = self.pmf(p)[..., self.order]
        grouped = np.add.reduceat(probs, self.starts, axis=-1)
        upper = np.flip(np.cumsum(np.flip(grouped, axis=-1), axis=-1), axis=-1)
        lower = np.cumsum(grouped, axis=-1)
        return upper[..., self.rank], lower[..., self.rank]

    def upper_tail(self, k: int, p: float) -> float:
        return float(self.tails(np.asarray(p))[0][k])

    def lower_tail(self, k: int, p: float) -> float:
        return float(self.tails(np.asarray(p))[1][k])


def _log_int(value: int) -> float:
    return math.log(value) if value > 0 else -math.inf


@lru_cache(maxsize=64)
def _sample_space(r1: int, n1: int, n: int, ordering: str) -> _SampleSpace:
    n2 = n - n1
    stage: list[int] = []
    xs: list[int] = []
    ms: list[int] = []
    logc: list[float] = []
    umvue: list[float] = []
    for x1 in range(min(r1, n1) + 1):
        stage.append(1)
        xs.append(x1)
        ms.append(n1)
        logc.append(_log_int(math.comb(n1, x1)))
        umvue.append(x1 / n1)
    if n1 > r1:
        for x in range(r1 + 1, n + 1):
            lo, hi = max(r1 + 1, x - n2), min(x, n1)
            count = sum(math.comb(n1, j) * math.comb(n2, x - j) for j in range(lo, hi + 1))
            # Jung & Kim (2004): E[X1 / n1 | M = 2, S = x], exact in integers.
            num = sum(
                math.comb(n1 - 1, j - 1) * math.comb(n2, x - j) for j in range(max(lo, 1), hi + 1)
            )
            stage.append(2)
            xs.append(x)
            ms.append(n)
            logc.append(_log_int(count))
            umvue.append(num / count)
    x_arr = np.array(xs, dtype=np.int64)
    m_arr = np.array(ms, dtype=np.int64)
    if ordering == "stagewise":
        # Stopped outcomes all have x <= r1 < any completed x, so ordering by
        # stage and then by responses is ordering by the response count.
        keys: list[Any] = list(xs)
    else:
        keys = [Fraction(x, m) for x, m in zip(xs, ms, strict=True)]
    distinct = sorted(set(keys))
    rank_of = {key: i for i, key in enumerate(distinct)}
    rank = np.array([rank_of[key] for key in keys], dtype=np.int64)
    order = np.argsort(rank, kind="stable").astype(np.int64)
    starts = np.flatnonzero(np.r_[True, np.diff(rank[order]) != 0]).astype(np.int64)
    space = _SampleSpace(
        r1=r1,
        n1=n1,
        n=n,
        ordering=ordering,
        stage=np.array(stage, dtype=np.int64),
        x=x_arr,
        m=m_arr,
        logc=np.array(logc, dtype=float),
        umvue=np.array(umvue, dtype=float),
        rank=rank,
        order=order,
        starts=starts,
        grid_upper=np.empty((0, 0)),
        grid_lower=np.empty((0, 0)),
    )
    up, low = space.tails(_GRID)
    object.__setattr__(space, "grid_upper", up)
    object.__setattr__(space, "grid_lower", low)
    for arr in (space.stage, space.x, space.m, space.logc, space.umvue, up, low):
        arr.setflags(write=False)
    return space


def _space_for(sizes: _Sizes, ordering: str) -> _SampleSpace:
    return _sample_space(sizes.r1, sizes.n1, sizes.n, ordering)


# --------------------------------------------------------------------------
# Inverting the ordering: confidence limits and the median-unbiased estimate
# --------------------------------------------------------------------------


def _lower_limit(space: _SampleSpace, k: int, a: float) -> float:
    """``inf {p : P_p(T >= t_k) > a}``: the root of ``P_p(T >= t_k) = a``.

    Under the stage-wise ordering ``P_p(T >= t)`` increases with ``p`` (the
    event is increasing in ``(X1, X2)``), so the root is unique. Under other
    orderings the first crossing is taken, which keeps the coverage.
    """
    vals = space.grid_upper[:, k] - a
    above = np.flatnonzero(vals > 0.0)
    if above.size == 0:  # pragma: no cover - P_1(T >= t) = 1 > a for every t
        return 1.0
    j = int(above[0])
    if j == 0:
        return 0.0
    lo, hi = float(_GRID[j - 1]), float(_GRID[j])
    root = brentq(lambda p: space.upper_tail(k, p) - a, lo, hi, xtol=_XTOL, maxiter=200)
    return float(root)


def _upper_limit(space: _SampleSpace, k: int, a: float) -> float:
    """``sup {p : P_p(T <= t_k) > a}``: the root of ``P_p(T <= t_k) = a``."""
    vals = space.grid_lower[:, k] - a
    above = np.flatnonzero(vals > 0.0)
    if above.size == 0:  # pragma: no cover - P_0(T <= t) = 1 > a for every t
        return 0.0
    j = int(above[-1])
    if j == _GRID.size - 1:
        return 1.0
    lo, hi = float(_GRID[j]), float(_GRID[j + 1])
    root = brentq(lambda p: space.lower_tail(k, p) - a, lo, hi, xtol=_XTOL, maxiter=200)
    return float(root)


def _tail_levels(confidence_level: float, alternative: str) -> tuple[float | None, float | None]:
    """Tail probabilities for the lower and upper limits (``None``: limit is 0 or 1)."""
    if alternative == "two-sided":
        a = (1.0 - confidence_level) / 2.0
        return a, a
    if alternative == "greater":
        return 1.0 - confidence_level, None
    return None, 1.0 - confidence_level


def _limits(
    space: _SampleSpace, k: int, confidence_level: float, alternative: str
) -> tuple[float, float]:
    a_low, a_high = _tail_levels(confidence_level, alternative)
    low = 0.0 if a_low is None else _lower_limit(space, k, a_low)
    high = 1.0 if a_high is None else _upper_limit(space, k, a_high)
    return low, high


def _all_limits(
    space: _SampleSpace, confidence_level: float, alternative: str
) -> tuple[FloatArray, FloatArray]:
    lows = np.empty(space.size)
    highs = np.empty(space.size)
    for k in range(space.size):
        lows[k], highs[k] = _limits(space, k, confidence_level, alternative)
    return lows, highs


def _median_unbiased(space: _SampleSpace, k: int) -> float:
    return _lower_limit(space, k, 0.5)


def _naive_limits(x: Any, m: Any, confidence_level: float, alternative: str) -> tuple[Any, Any]:
    """Clopper-Pearson limits of ``x / m`` ignoring the design."""
    from thera_stats.binomial import binomial_ci  # lazy: keeps the import graph flat

    ci = binomial_ci(
        x, m, confidence_level=confidence_level, method="clopper-pearson", alternative=alternative
    )
    return ci.low, ci.high


# --------------------------------------------------------------------------
# Decisions
# --------------------------------------------------------------------------


def _final_boundary(plan: _Plan, sizes: _Sizes) -> int:
    """The ``r`` of "go iff x > r": the planned one on plan, else the smallest
    ``r*`` with ``P_p0(X1 > r1, X > r*) <= alpha`` at the attained sizes
    (:func:`thera_stats.simon.final_boundary`, the rule of ``SimonDesign.decide``)."""
    if sizes.on_plan(plan):
        return plan.r
    return int(final_boundary(sizes.r1, sizes.n1, sizes.n, plan.p0, plan.alpha))


def _decision(stage: int, x: int, boundary: int) -> str:
    if stage == 1:
        return "stop for futility"
    return "go" if x > boundary else "no go"


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
    _space: _SampleSpace = field(repr=False, compare=False)

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
        k = self._space.index(self.stage, self.responses)
        low, high = _limits(self._space, k, level, alt)
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
    r1 = _stage1_boundary(plan, n1)
    x1 = _count("responses_stage1", responses_stage1)
    if x1 > n1:
        raise ValueError(f"`responses_stage1` ({x1}) must not exceed `n_stage1` ({n1}).")
    given_total = None if n_total is None else _count("n_total", n_total, minimum=1)
    if x1 <= r1:
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
        if given_total is not None and given_total > n1:
            sizes = _sizes(plan, n1, given_total)
        else:
            sizes = _Sizes(n1=n1, n=n1 + plan.n - plan.n1, r1=r1)
    else:
        if responses_total is None:
            raise ValueError(
                f"`responses_stage1` ({x1}) > r1 ({r1}): the trial went on to stage 2, "
                "so `responses_total` (responses among all patients) is required."
            )
        sizes = _sizes(plan, n1, n_total)
        x = _count("responses_total", responses_total)
        n2 = sizes.n - n1
        if not x1 <= x <= x1 + n2:
            raise ValueError(
                f"`responses_total` ({x}) must lie between `responses_stage1` ({x1}) and "
                f"`responses_stage1` + {n2} stage-2 patients ({x1 + n2})."
            )
        stage = 2

    n = sizes.n
    off_plan = not sizes.on_plan(plan)
    space = _space_for(sizes, ordering)
    k = space.index(stage, x)
    boundary = _final_boundary(plan, sizes)
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
    pvalue = float(space.tails(np.asarray(plan.p0))[0][k])
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
        umvue=float(space.umvue[k]),
        median_unbiased=_median_unbiased(space, k),
        pvalue=pvalue,
        final_boundary=None if stage == 1 else boundary,
        decision=_decision(stage, x, boundary),
        _space=space,
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
    design : SimonDesign
        The planned design.
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
    plan = _plan(design)
    ordering = check_choice("ordering", ordering, ORDERINGS)
    level = check_confidence_level(confidence_level)
    alt = check_alternative(alternative)
    sizes = _sizes(plan, n_stage1, n_total)
    space = _space_for(sizes, ordering)
    lows, highs = _all_limits(space, level, alt)
    boundary = _final_boundary(plan, sizes)
    upper_p0 = space.tails(np.asarray(plan.p0))[0]
    table = pd.DataFrame(
        {
            "stage": space.stage.copy(),
            "responses": space.x.copy(),
            "patients": space.m.copy(),
            "decision": [
                _decision(int(s), int(x), boundary)
                for s, x in zip(space.stage, space.x, strict=True)
            ],
            "mle": space.x / space.m,
            "umvue": space.umvue.copy(),
            "median_unbiased": [_median_unbiased(space, k) for k in range(space.size)],
            "pvalue": upper_p0,
            "ci_low": lows,
            "ci_high": highs,
            "prob_p0": space.pmf(np.asarray(plan.p0)),
        }
    )
    table.attrs.update(
        confidence_level=level,
        alternative=alt,
        ordering=ordering,
        n_stage1=sizes.n1,
        n_total=sizes.n,
        r1=sizes.r1,
        final_boundary=boundary,
        off_plan=not sizes.on_plan(plan),
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
    sizes = _sizes(plan, n_stage1, n_total)
    pa = check_closed_unit_array("p", p)
    space = _space_for(sizes, ordering)
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
