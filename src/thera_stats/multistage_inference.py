r"""Exact inference after a single-arm multi-stage design: p-values, estimators, intervals.

A trial run under a :class:`~thera_stats.multistage.MultiStageDesign` ends at a
terminal outcome :math:`t = (k, x)`: the look :math:`k` at which the rule
stopped it and the cumulative responses :math:`x` among :math:`n_k` patients.
The design's sample space (every terminal outcome with its exact number of
stage-wise response sequences :math:`c_k(x)`) gives each outcome the
probability :math:`c_k(x)\,p^x(1-p)^{n_k-x}`, and inference orders the
outcomes:

- ``"stagewise"`` (Fairbanks & Madsen; Jennison & Turnbull [4]_; Koyama & Chen
  [2]_ for Simon's design): an efficacy stop at an earlier look is more extreme than
  any later outcome; outcomes at the last look rank by :math:`x`; a futility
  stop at an earlier look is less extreme than any later outcome; within a
  look, more responses are more extreme;
- ``"mle"``: by the sample proportion :math:`x / n_k` (ties count in both
  tails).

With :math:`T \succeq t` meaning "at least as extreme as the observed
outcome":

- the one-sided p-value against :math:`p_0` is :math:`P_{p_0}(T \succeq t)`;
  the mid-p-value counts the observed rank with weight 1/2;
- the exact :math:`1 - \alpha` limits solve
  :math:`P_{p}(T \succeq t) = \alpha/2` (lower) and
  :math:`P_{p}(T \preceq t) = \alpha/2` (upper);
- the median-unbiased estimate solves :math:`P_{p}(T \succeq t) = 1/2`;
- the UMVUE is :math:`E(Y_1 \mid T = t)` for the first patient's response
  :math:`Y_1` (Rao-Blackwell; Jung & Kim 2004): the number of sequences
  reaching :math:`t` in which the first patient responded over :math:`c_k(x)`
  [1]_;
- the bias-adjusted estimate (Whitehead [3]_) solves
  :math:`E_{\tilde p}(X / N) = x / n_k`.

For Simon's designs (:math:`K = 2`, no efficacy stop) these are the quantities
of :mod:`thera_stats.two_stage` at the planned sizes, and the tests check they
agree with its independent R reference.

.. rubric:: References

.. [1] Jung SH, Kim KM. On the estimation of the binomial probability in
   multistage clinical trials. Stat Med 2004;23:881-896. doi:10.1002/sim.1653
.. [2] Koyama T, Chen H. Proper inference from Simon's two-stage designs.
   Stat Med 2008;27:3145-3154. doi:10.1002/sim.3123
.. [3] Whitehead J. On the bias of maximum likelihood estimation following a
   sequential test. Biometrika 1986;73:573-581. doi:10.1093/biomet/73.3.573
.. [4] Jennison C, Turnbull BW. Group Sequential Methods with Applications to
   Clinical Trials. Chapman & Hall/CRC; 2000 (chapter 8).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.optimize import brentq
from scipy.special import xlog1py, xlogy

from thera_stats._checks import check_choice, check_confidence_level
from thera_stats._results import ConfidenceInterval
from thera_stats.multistage import MultiStageDesign, _log_int

__all__ = [
    "MultiStageInference",
    "multistage_coverage",
    "multistage_inference",
    "multistage_outcome_table",
]

FloatArray = npt.NDArray[np.float64]
ORDERINGS = ("stagewise", "mle")
_GRID = 0.5 * (1.0 - np.cos(np.pi * np.linspace(0.0, 1.0, 1025)))
_XTOL = 1e-14


# =========================================================================== the sample space
@dataclass(frozen=True)
class _Space:
    """Terminal outcomes of a design under an ordering (internal, arrays read-only)."""

    look: npt.NDArray[np.int64]
    n: npt.NDArray[np.int64]
    x: npt.NDArray[np.int64]
    logc: FloatArray
    umvue: FloatArray
    rank: npt.NDArray[np.int64]   # larger = more extreme; equal ranks tie

    def logpmf(self, p: float) -> FloatArray:
        return np.asarray(self.logc + xlogy(self.x, p) + xlog1py(self.n - self.x, -p))

    def tails(self, p: float, i: int) -> tuple[float, float, float]:
        """``P_p(T > t_i)``, ``P_p(T = t_i)`` (same rank), ``P_p(T < t_i)``, each summed."""
        prob = np.exp(self.logpmf(p))
        r = self.rank[i]
        return (float(prob[self.rank > r].sum()), float(prob[self.rank == r].sum()),
                float(prob[self.rank < r].sum()))

    @cached_property
    def grid_tails(self) -> tuple[FloatArray, FloatArray]:
        """``P_p(T >= t_i)`` and ``P_p(T <= t_i)`` for every outcome i on the root-finding
        grid, shape ``(grid, outcomes)``: one pass brackets every root."""
        logpmf = (self.logc[None, :] + xlogy(self.x[None, :], _GRID[:, None])
                  + xlog1py((self.n - self.x)[None, :], -_GRID[:, None]))
        prob = np.exp(logpmf)
        ranks = np.unique(self.rank)
        by_rank = np.stack([prob[:, self.rank == r].sum(axis=1) for r in ranks], axis=1)
        at_least = np.flip(np.cumsum(np.flip(by_rank, axis=1), axis=1), axis=1)
        at_most = np.cumsum(by_rank, axis=1)
        pos = np.searchsorted(ranks, self.rank)
        return at_least[:, pos], at_most[:, pos]


@lru_cache(maxsize=32)
def _space(design: MultiStageDesign, ordering: str) -> _Space:
    space = design.sample_space()
    k = design.n_looks
    looks = space["look"].to_numpy(dtype=np.int64)
    xs = space["x"].to_numpy(dtype=np.int64)
    ns = space["n"].to_numpy(dtype=np.int64)
    counts = space["count"].tolist()
    umvue = np.array([c1 / c for c1, c in zip(space["count_first"], counts, strict=True)])
    go = (space["decision"] == "go").to_numpy()
    if ordering == "stagewise":
        # Group: futility stop at look k -> k; last look -> K; efficacy stop at look k -> 2K - k.
        group = np.where(looks == k, k, np.where(go, 2 * k - looks, looks))
        keys: list[Any] = list(zip(group.tolist(), xs.tolist(), strict=True))
    else:
        keys = [Fraction(int(x), int(n)) for x, n in zip(xs, ns, strict=True)]
    distinct = sorted(set(keys))
    rank_of = {key: r for r, key in enumerate(distinct)}
    rank = np.array([rank_of[key] for key in keys], dtype=np.int64)
    logc = np.array([_log_int(c) for c in counts])
    out = _Space(looks, ns, xs, logc, umvue, rank)
    for arr in (out.look, out.n, out.x, out.logc, out.umvue, out.rank):
        arr.setflags(write=False)
    return out


def _root(fn: Any, on_grid: FloatArray, target: float, *, increasing: bool) -> float:
    """The p in [0, 1] where a monotone tail probability ``fn`` (``on_grid`` at the grid
    points) crosses ``target``: bracketed on the grid, then solved by Brent's method."""
    values = on_grid - target
    if increasing:
        above = np.flatnonzero(values > 0.0)
        if above.size == 0:
            return 1.0
        j = int(above[0])
        if j == 0:
            return 0.0
        lo, hi = float(_GRID[j - 1]), float(_GRID[j])
    else:
        above = np.flatnonzero(values > 0.0)
        if above.size == 0:
            return 0.0
        j = int(above[-1])
        if j == _GRID.size - 1:
            return 1.0
        lo, hi = float(_GRID[j]), float(_GRID[j + 1])
    return float(brentq(lambda p: fn(p) - target, lo, hi, xtol=_XTOL, maxiter=200))


# =========================================================================== the result
@dataclass(frozen=True)
class MultiStageInference:
    """Inference after a multi-stage design for one terminal outcome.

    Attributes
    ----------
    design : MultiStageDesign
    look, n, responses : int
        The terminal outcome: the look at which the rule stopped the trial, its
        patients and cumulative responses.
    decision : str
        What the design's rule decided there ("go" or "no go").
    ordering : str
        ``"stagewise"`` or ``"mle"``.
    pvalue, mid_pvalue : float
        One-sided :math:`P_{p_0}(T \\succeq t)` and its mid-p version.
    mle, umvue, median_unbiased, bias_adjusted : float
        Estimates of the response rate.
    """

    design: MultiStageDesign
    look: int
    n: int
    responses: int
    decision: str
    ordering: str
    pvalue: float
    mid_pvalue: float
    mle: float
    umvue: float
    median_unbiased: float
    bias_adjusted: float
    _space: _Space = field(repr=False, compare=False)
    _index: int = field(repr=False, compare=False)

    def _upper_tail(self, p: float) -> float:
        above, tie, _ = self._space.tails(p, self._index)
        return above + tie

    def _lower_tail(self, p: float) -> float:
        _, tie, below = self._space.tails(p, self._index)
        return below + tie

    def confidence_interval(self, confidence_level: float = 0.95, *,
                            alternative: str = "two-sided",
                            convention: str = "exact") -> ConfidenceInterval:
        r"""The interval that inverts the ordering's tail probabilities.

        ``convention="exact"`` (default): two-sided limits solve
        :math:`P_p(T \succeq t) = \alpha/2` and :math:`P_p(T \preceq t) = \alpha/2`;
        ``"greater"`` gives ``[low, 1]`` with :math:`\alpha` in the one tail,
        ``"less"`` gives ``[0, high]``. Its exact coverage is at least the
        level (:func:`multistage_coverage`).

        ``convention="clinfun"``: the upper limit solves
        :math:`P_p(T \succeq t) = 1 - \alpha/2` instead, the equation of R
        clinfun's ``twostage.inference`` (also PhIIdesign and UnplanSimon): it
        reads the conventional upper limit at the next less extreme outcome
        (for a Clopper-Pearson interval, at :math:`x - 1`), so the interval is
        shorter and its exact coverage falls below the level. Labelled as
        such; for comparison with those programs, not for reporting.
        """
        level = check_confidence_level(confidence_level)
        alt = check_choice("alternative", alternative, ("two-sided", "greater", "less"))
        conv = check_choice("convention", convention, ("exact", "clinfun"))
        a = 1.0 - level if alt != "two-sided" else (1.0 - level) / 2
        at_least, at_most = self._space.grid_tails
        low = 0.0 if alt == "less" else _root(self._upper_tail, at_least[:, self._index], a,
                                              increasing=True)
        if alt == "greater":
            high = 1.0
        elif conv == "exact":
            high = _root(self._lower_tail, at_most[:, self._index], a, increasing=False)
        else:
            high = _root(self._upper_tail, at_least[:, self._index], 1.0 - a, increasing=True)
        method = (f"exact ({self.ordering} ordering)" if conv == "exact" else
                  f"clinfun convention, upper limit at the next outcome ({self.ordering} "
                  "ordering; coverage below nominal)")
        return ConfidenceInterval(low, high, method=method, confidence_level=level,
                                  alternative=alt)

    def to_frame(self, confidence_level: float = 0.95) -> pd.DataFrame:
        """One tidy row: the outcome, the p-values, the estimates and the interval."""
        ci = self.confidence_interval(confidence_level)
        return pd.DataFrame([{
            "look": self.look, "n": self.n, "responses": self.responses,
            "decision": self.decision, "ordering": self.ordering, "pvalue": self.pvalue,
            "mid_pvalue": self.mid_pvalue, "mle": self.mle, "umvue": self.umvue,
            "median_unbiased": self.median_unbiased, "bias_adjusted": self.bias_adjusted,
            "ci_low": ci.low, "ci_high": ci.high, "confidence_level": confidence_level,
        }])

    def __repr__(self) -> str:
        return (f"MultiStageInference(look={self.look}, responses={self.responses}/{self.n}, "
                f"decision={self.decision!r}, pvalue={self.pvalue:.4g}, "
                f"umvue={self.umvue:.4g}, ordering={self.ordering!r})")

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def multistage_inference(design: MultiStageDesign, responses: Any, *,
                         ordering: str = "stagewise") -> MultiStageInference:
    """Exact inference for the outcome a multi-stage trial ended at.

    Parameters
    ----------
    design : MultiStageDesign
        The design the trial followed.
    responses : int or sequence of int
        Cumulative responses at each look reached (as for
        :meth:`MultiStageDesign.decide`); the design's rule says where the trial
        ended, and that outcome is analysed.
    ordering : {"stagewise", "mle"}
        How outcomes are ranked (module docstring).

    Returns
    -------
    MultiStageInference

    Raises
    ------
    ValueError
        If the rule says the trial continues (no terminal outcome yet), or for
        counts :meth:`MultiStageDesign.decide` refuses.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign, _log_int
    >>> from thera_stats.multistage_inference import multistage_inference
    >>> d = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> res = multistage_inference(d, [4, 9])
    >>> res.decision, round(res.pvalue, 4), round(res.umvue, 4)
    ('go', 0.0188, 0.429)
    >>> ci = res.confidence_interval(0.90)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.2354, 0.6095)
    """
    if not isinstance(design, MultiStageDesign):
        raise TypeError(f"`design` must be a MultiStageDesign; got {type(design).__name__}.")
    order = check_choice("ordering", ordering, ORDERINGS)
    dec = design.decide(responses)
    if dec.action == "continue":
        raise ValueError(f"The rule says the trial continues after look {dec.look}; inference "
                         "needs the outcome at which it ended.")
    space = _space(design, order)
    hit = np.flatnonzero((space.look == dec.look) & (space.x == dec.responses))
    i = int(hit[0])
    above, tie, _ = space.tails(design.p0, i)
    decision = "go" if dec.go else "no go"
    mle = dec.responses / dec.n

    def upper(p: float) -> float:
        a, t, _ = space.tails(p, i)
        return a + t

    def mean_mle(p: float) -> float:
        return float(np.exp(space.logpmf(p)) @ (space.x / space.n))

    median = _root(upper, space.grid_tails[0][:, i], 0.5, increasing=True)
    means = np.exp(space.logc[None, :] + xlogy(space.x[None, :], _GRID[:, None])
                   + xlog1py((space.n - space.x)[None, :], -_GRID[:, None])) @ (space.x / space.n)
    bias_adj = (_root(mean_mle, means, mle, increasing=True) if 0 < dec.responses < dec.n
                else mle)
    return MultiStageInference(
        design=design, look=dec.look, n=dec.n, responses=dec.responses, decision=decision,
        ordering=order, pvalue=above + tie, mid_pvalue=above + 0.5 * tie, mle=mle,
        umvue=float(space.umvue[i]), median_unbiased=median, bias_adjusted=bias_adj,
        _space=space, _index=i,
    )


def multistage_outcome_table(design: MultiStageDesign, *, ordering: str = "stagewise",
                             confidence_level: float = 0.90) -> pd.DataFrame:
    """Every terminal outcome of a design with its decision, estimates, p-value and interval.

    Parameters
    ----------
    design : MultiStageDesign
        The design.
    ordering : {"stagewise", "mle"}
        The ordering of the outcomes (module docstring).
    confidence_level : float
        Level of the two-sided exact interval.

    Returns
    -------
    DataFrame
        One row per outcome, from the least to the most extreme: ``look, n,
        responses, decision, probability_p0, probability_p1, pvalue, mid_pvalue,
        mle, umvue, median_unbiased, bias_adjusted, ci_low, ci_high``.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign, _log_int
    >>> from thera_stats.multistage_inference import multistage_outcome_table
    >>> table = multistage_outcome_table(MultiStageDesign(0.2, 0.45, [10, 22], [2, 7]))
    >>> len(table), table["decision"].value_counts().to_dict()
    (23, {'go': 15, 'no go': 8})
    """
    level = check_confidence_level(confidence_level)
    space = design.sample_space()
    probs = design.outcome_probabilities([design.p0, design.p1])
    rows = []
    for i, rec in enumerate(space.itertuples(index=False)):
        path = _path_to(design, int(rec.look), int(rec.x))
        res = multistage_inference(design, path, ordering=ordering)
        ci = res.confidence_interval(level)
        rows.append({
            "look": res.look, "n": res.n, "responses": res.responses, "decision": res.decision,
            "probability_p0": float(probs[0, i]), "probability_p1": float(probs[1, i]),
            "pvalue": res.pvalue, "mid_pvalue": res.mid_pvalue, "mle": res.mle,
            "umvue": res.umvue, "median_unbiased": res.median_unbiased,
            "bias_adjusted": res.bias_adjusted, "ci_low": ci.low, "ci_high": ci.high,
            "_rank": int(res._space.rank[res._index]),
        })
    out = pd.DataFrame(rows).sort_values(["_rank", "look"], kind="stable")
    out = out.drop(columns="_rank").reset_index(drop=True)
    out.attrs["confidence_level"] = level
    return out


def _path_to(design: MultiStageDesign, look: int, x: int) -> list[int]:
    """Cumulative counts of one path of the design that ends at (look, x)."""
    path: list[int] = []
    prev = 0
    for k in range(look - 1):
        lo, hi = design.futility[k] + 1, design.efficacy[k]
        stage = design.sizes[k] - (design.sizes[k - 1] if k else 0)
        # as few responses as the band allows while x stays reachable by look `look`
        need = x - (design.sizes[look - 1] - design.sizes[k])
        cand = max(lo, need, prev)
        if not (cand <= hi and cand <= prev + stage):  # pragma: no cover - outcome unreachable
            raise ValueError(f"outcome (look {look}, {x} responses) is not reachable")
        path.append(cand)
        prev = cand
    path.append(x)
    return path


def multistage_coverage(design: MultiStageDesign, p: Any, *, ordering: str = "stagewise",
                        confidence_level: float = 0.90, convention: str = "exact") -> FloatArray:
    r"""Exact coverage of the two-sided interval at each true rate ``p``.

    :math:`\sum_t P_p(T = t)\,1\{\text{low}(t) \le p \le \text{high}(t)\}` over
    every terminal outcome of the design: a finite sum, not a simulation.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign, _log_int
    >>> from thera_stats.multistage_inference import multistage_coverage
    >>> d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    >>> grid = [0.3 + i / 1000 for i in range(401)]          # p from 0.3 to 0.7
    >>> round(float(multistage_coverage(d, grid).min()), 3)
    0.901
    >>> round(float(multistage_coverage(d, grid, convention="clinfun").min()), 3)
    0.775
    """
    from thera_stats._checks import check_closed_unit_array

    pa = np.atleast_1d(check_closed_unit_array("p", p)).astype(float).ravel()
    space = design.sample_space()
    low = np.empty(len(space))
    high = np.empty(len(space))
    for i, rec in enumerate(space.itertuples(index=False)):
        res = multistage_inference(design, _path_to(design, int(rec.look), int(rec.x)),
                                   ordering=ordering)
        ci = res.confidence_interval(confidence_level, convention=convention)
        low[i], high[i] = ci.low, ci.high
    probs = design.outcome_probabilities(pa)
    covered = (low[None, :] <= pa[:, None]) & (pa[:, None] <= high[None, :])
    return np.asarray((probs * covered).sum(axis=1))

