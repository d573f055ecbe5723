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
  tails);
- ``"lr"`` (likelihood ratio; Jennison & Turnbull [4]_ section 8.4, Rosner &
  Tsiatis [5]_): by the signed root of the likelihood-ratio statistic against
  the tested rate :math:`p`,
  :math:`R_p(t) = \operatorname{sign}(x - n_k p)\,
  \{2[\ell(x/n_k) - \ell(p)]\}^{1/2}` with
  :math:`\ell(q) = x \log q + (n_k - x) \log(1 - q)`;
- ``"score"``: by the score statistic :math:`U_p(t) = x - n_k p` (the
  efficient score :math:`(x - n_k p)/\{p(1-p)\}` times a positive constant).

The last two orderings depend on the tested rate: the p-value orders the
outcomes at :math:`p_0`, and each candidate :math:`p` of an interval or of the
median-unbiased estimate is tested with the ordering at that :math:`p`
(statistics within :math:`10^{-9}` tie; the ordering at :math:`p = 0` or 1 is
its limit). Their tail probabilities then jump where the statistic of another
outcome crosses the observed one and need not be monotone in :math:`p`, so the
limits below are an infimum and a supremum, and the set of rates that neither
one-sided test rejects (:meth:`MultiStageInference.confidence_set`) can be a
union of intervals.

With :math:`T \succeq t` meaning "at least as extreme as the observed
outcome":

- the one-sided p-value against :math:`p_0` is :math:`P_{p_0}(T \succeq t)`;
  the mid-p-value counts the observed rank with weight 1/2;
- the exact :math:`1 - \alpha` limits are
  :math:`\inf\{p : P_{p}(T \succeq t) > \alpha/2\}` (lower) and
  :math:`\sup\{p : P_{p}(T \preceq t) > \alpha/2\}` (upper), the roots of
  :math:`P_{p}(T \succeq t) = \alpha/2` and :math:`P_{p}(T \preceq t) = \alpha/2`
  for the stage-wise and MLE orderings, whose tails are monotone in :math:`p`;
- the median-unbiased estimate is :math:`\inf\{p : P_{p}(T \succeq t) > 1/2\}`;
- the UMVUE is :math:`E(Y_1 \mid T = t)` for the first patient's response
  :math:`Y_1` (Rao-Blackwell; Jung & Kim 2004): the number of sequences
  reaching :math:`t` in which the first patient responded over :math:`c_k(x)`
  [1]_;
- the bias-adjusted estimate (Whitehead [3]_) solves
  :math:`E_{\tilde p}(X / N) = x / n_k`;
- the UMVCUE (Pepe et al. [6]_, Koopmeiners et al. [7]_), for an outcome at the
  last look :math:`K`, is :math:`E(Y_j \mid X_K = x, \text{reach } K)` for a
  patient :math:`j` of the last stage: the number of sequences reaching
  :math:`(K, x)` in which that patient responded over :math:`c_K(x)`,
  :math:`\sum_y c^{+}_{K-1}(y)\binom{m_K - 1}{x - y - 1} \big/
  \sum_y c^{+}_{K-1}(y)\binom{m_K}{x - y}` with :math:`c^{+}_{K-1}(y)` the
  sequences continuing after look :math:`K-1` with :math:`y` responses and
  :math:`m_K = n_K - n_{K-1}`. Given that the trial reached look :math:`K`,
  its mean is :math:`p` exactly. It is NaN for a trial that stopped earlier:
  given a stop at an interim look no unbiased estimator exists in general
  (with :math:`a_1 = 0` the only futility outcome at look 1 is :math:`x = 0`,
  and a constant cannot have mean :math:`p` for every :math:`p`). For
  :math:`K = 1` it is :math:`x / n`.

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
.. [5] Rosner GL, Tsiatis AA. Exact confidence intervals following a group
   sequential trial: a comparison of methods. Biometrika 1988;75:723-729.
   doi:10.1093/biomet/75.4.723
.. [6] Pepe MS, Feng Z, Longton G, Koopmeiners J. Conditional estimation of
   sensitivity and specificity from a phase 2 biomarker study allowing early
   termination for futility. Stat Med 2009;28:762-779. doi:10.1002/sim.3506
.. [7] Koopmeiners JS, Feng Z, Pepe MS. Conditional estimation after a two-stage
   diagnostic biomarker study that allows early termination for futility.
   Stat Med 2012;31:420-435. doi:10.1002/sim.4430
"""

from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import xlog1py, xlogy

from thera_stats._checks import check_choice, check_confidence_level
from thera_stats._results import ConfidenceInterval
from thera_stats._roots import brent_root
from thera_stats.multistage import MultiStageDesign, _log_comb_row, _log_convolve

__all__ = [
    "MultiStageInference",
    "multistage_coverage",
    "multistage_inference",
    "multistage_outcome_table",
]

FloatArray = npt.NDArray[np.float64]
ORDERINGS = ("stagewise", "mle", "lr", "score")
# Root-finding grids (cosine-spaced, dense near 0 and 1). The tails of the stage-wise and
# MLE orderings are monotone in p, so the grid only brackets their roots (Brent's method
# finds them to 1e-14): 129 points serve. The likelihood-ratio and score orderings jump
# where the ordering changes and bracket on the fine grid.
_GRID = 0.5 * (1.0 - np.cos(np.pi * np.linspace(0.0, 1.0, 129)))
_FINE_GRID = 0.5 * (1.0 - np.cos(np.pi * np.linspace(0.0, 1.0, 1025)))
_XTOL = 1e-14
_TIE = 1e-9        # statistics of the "lr" and "score" orderings closer than this tie
_P_CLIP = 1e-9     # the "lr"/"score" ordering at p < _P_CLIP is the one at _P_CLIP
_BESIDE = 1e-8     # "just beside" a rate at which the "lr"/"score" ordering changes


# =========================================================================== the sample space
def _statistic(kind: str, x: Any, n: Any, p: Any) -> FloatArray:
    """The likelihood-ratio or score statistic of each outcome (counts ``x`` of ``n``, as
    floats or ints) against ``p`` (scalar, an array like ``x``, or a column of rates: then
    shape ``(len(p), outcomes)``). Larger = more evidence of a larger rate. The ordering at
    p = 0 (1) is its limit as p -> 0+ (1-): rates are clipped to ``[_P_CLIP, 1 - _P_CLIP]``,
    below which neither ordering changes any more."""
    if np.ndim(p) == 0:
        pc: Any = min(max(float(p), _P_CLIP), 1.0 - _P_CLIP)
    else:
        pc = np.clip(np.asarray(p, dtype=float), _P_CLIP, 1.0 - _P_CLIP)
    diff = x - n * pc
    if kind == "score":
        return np.asarray(diff, dtype=float)
    # signed root of 2 [l(x/n) - l(p)], l(q) = x log q + (n - x) log(1 - q), written with
    # log1p so that it is accurate (to ~1e-16 sqrt(n)) also next to the MLE
    dev = 2.0 * (xlog1py(x, diff / (n * pc)) + xlog1py(n - x, -diff / (n * (1.0 - pc))))
    root = np.sign(diff) * np.sqrt(np.maximum(dev, 0.0))
    return np.asarray(np.where(np.abs(diff) <= 1e-12 * n, 0.0, root))


@dataclass(frozen=True)
class _Space:
    """Terminal outcomes of a design under an ordering (internal, arrays read-only).

    ``kind`` is ``""`` for an ordering that does not depend on the rate (``rank`` orders
    the outcomes at every p), or ``"lr"``/``"score"``: the outcomes are then ordered at
    each p by :func:`_statistic` against that p, equal within ``_TIE``, and ``rank`` is
    the ordering at p0 (the one of the p-value)."""

    look: npt.NDArray[np.int64]
    n: npt.NDArray[np.int64]
    x: npt.NDArray[np.int64]
    logc: FloatArray
    umvue: FloatArray
    rank: npt.NDArray[np.int64]   # larger = more extreme; equal ranks tie
    umvcue: FloatArray = field(default_factory=lambda: np.empty(0))
    kind: str = ""
    decision: tuple[str, ...] = ()
    _points: dict[int, tuple[FloatArray, FloatArray, FloatArray]] = field(
        default_factory=dict, repr=False, compare=False)

    @cached_property
    def xf(self) -> FloatArray:
        return self.x.astype(float)

    @cached_property
    def nf(self) -> FloatArray:
        return self.n.astype(float)

    @property
    def grid(self) -> FloatArray:
        return _GRID if not self.kind else _FINE_GRID

    def logpmf(self, p: float) -> FloatArray:
        return np.asarray(self.logc + xlogy(self.x, p) + xlog1py(self.n - self.x, -p))

    def members(self, p: float, i: int) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.bool_]]:
        """Masks of the outcomes at least as extreme as t_i (``T >= t_i``) and at most as
        extreme (``T <= t_i``) under the ordering at p."""
        if not self.kind:
            return self.rank >= self.rank[i], self.rank <= self.rank[i]
        s = _statistic(self.kind, self.xf, self.nf, p)
        return s >= s[i] - _TIE, s <= s[i] + _TIE

    def tails(self, p: float, i: int) -> tuple[float, float, float]:
        """``P_p(T > t_i)``, ``P_p(T = t_i)`` (same rank), ``P_p(T < t_i)``, each summed
        (under the ordering at p for the likelihood-ratio and score orderings)."""
        prob = np.exp(self.logpmf(p))
        at_least, at_most = self.members(p, i)
        tie = at_least & at_most
        return (float(prob[at_least & ~tie].sum()), float(prob[tie].sum()),
                float(prob[at_most & ~tie].sum()))

    def tail(self, p: float, i: int, which: str) -> float:
        """``P_p(T >= t_i)`` (``which="G"``) or ``P_p(T <= t_i)`` (``"H"``)."""
        at_least, at_most = self.members(p, i)
        return float(np.exp(self.logpmf(p))[at_least if which == "G" else at_most].sum())

    @cached_property
    def grid_prob(self) -> FloatArray:
        """P_p(T = t_i) on the root-finding grid, shape ``(grid, outcomes)``."""
        g = self.grid[:, None]
        return np.asarray(np.exp(self.logc[None, :] + xlogy(self.x[None, :], g)
                                 + xlog1py((self.n - self.x)[None, :], -g)))

    @cached_property
    def grid_means(self) -> FloatArray:
        """E_p(X / N) on ``_GRID`` (the bias-adjusted estimate's root finding)."""
        if self.grid is _GRID:
            prob = self.grid_prob
        else:
            g = _GRID[:, None]
            prob = np.exp(self.logc[None, :] + xlogy(self.x[None, :], g)
                          + xlog1py((self.n - self.x)[None, :], -g))
        return np.asarray(prob @ (self.x / self.n))

    @cached_property
    def grid_stats(self) -> FloatArray:
        """The ordering's statistic of every outcome on the grid ("lr", "score" only)."""
        return _statistic(self.kind, self.xf, self.nf, self.grid[:, None])

    def points(self, i: int) -> tuple[FloatArray, FloatArray, FloatArray]:
        """Rates at which to bracket the edges of ``{p : P_p(T >= t_i) > a}`` and
        ``{p : P_p(T <= t_i) > a}``, with both tails there: the grid and, for the
        likelihood-ratio and score orderings, every rate at which the statistic of
        another outcome crosses that of t_i (the tails jump there), just before it, at it
        (a tie, counted in both tails) and just after it. Without these a set piece
        between a jump and the next grid point could be missed."""
        at_least, at_most = self.grid_tails
        if not self.kind:
            return self.grid, at_least[:, i], at_most[:, i]
        if i in self._points:
            return self._points[i]
        grid = self.grid
        diff = self.grid_stats - self.grid_stats[:, [i]]
        g, j = np.nonzero((diff[1:] > 0.0) != (diff[:-1] > 0.0))
        if self.kind == "score":   # x_j - n_j p = x_i - n_i p
            with np.errstate(divide="ignore", invalid="ignore"):
                cross = (self.x[j] - self.x[i]) / (self.n[j] - self.n[i])
        else:
            cross = self._crossings(i, j, grid[g], grid[g + 1], diff[g, j], diff[g + 1, j])
        extra = np.concatenate([cross - _BESIDE, cross, cross + _BESIDE])
        extra = extra[(extra > 0.0) & (extra < 1.0)]
        stats = _statistic(self.kind, self.xf, self.nf, extra[:, None])
        prob = np.exp(self.logc[None, :] + xlogy(self.x[None, :], extra[:, None])
                      + xlog1py((self.n - self.x)[None, :], -extra[:, None]))
        ext_g = (prob * (stats >= stats[:, [i]] - _TIE)).sum(axis=1)
        ext_h = (prob * (stats <= stats[:, [i]] + _TIE)).sum(axis=1)
        p_all = np.concatenate([grid, extra])
        order = np.argsort(p_all, kind="stable")
        out = (p_all[order], np.concatenate([at_least[:, i], ext_g])[order],
               np.concatenate([at_most[:, i], ext_h])[order])
        self._points[i] = out
        return out

    def _crossings(self, i: int, j: npt.NDArray[np.intp], lo: FloatArray, hi: FloatArray,
                   d_lo: FloatArray, d_hi: FloatArray) -> FloatArray:
        """The rate in each ``[lo, hi]`` at which the "lr" statistics of outcomes j and i are
        equal (one sign change of their difference ``d``): every crossing at once, by 8
        bisections and then regula falsi (the difference is smooth in p)."""
        xs = np.concatenate([self.xf[j], np.full(len(j), self.xf[i])])
        ns = np.concatenate([self.nf[j], np.full(len(j), self.nf[i])])
        m = len(j)

        def d(p: FloatArray) -> FloatArray:
            st = _statistic(self.kind, xs, ns, np.concatenate([p, p]))
            return np.asarray(st[:m] - st[m:])

        for it in range(12):
            mid = (0.5 * (lo + hi) if it < 8 else
                   np.clip(lo - d_lo * (hi - lo) / np.where(d_hi != d_lo, d_hi - d_lo, 1.0),
                           lo, hi))
            d_mid = d(mid)
            left = (d_mid > 0.0) == (d_lo > 0.0)
            lo, d_lo = np.where(left, mid, lo), np.where(left, d_mid, d_lo)
            hi, d_hi = np.where(left, hi, mid), np.where(left, d_hi, d_mid)
        return np.asarray(np.clip(
            lo - d_lo * (hi - lo) / np.where(d_hi != d_lo, d_hi - d_lo, 1.0), lo, hi))

    @cached_property
    def grid_tails(self) -> tuple[FloatArray, FloatArray]:
        """``P_p(T >= t_i)`` and ``P_p(T <= t_i)`` for every outcome i on the root-finding
        grid, shape ``(grid, outcomes)``: one pass brackets every root."""
        prob = self.grid_prob
        if not self.kind:
            # Sort the outcomes by rank; each tail is a cumulative sum up to the edge of
            # the outcome's group of tied ranks (from the top for P(T >= t), so that
            # small upper tails keep their relative accuracy).
            order = np.argsort(self.rank, kind="stable")
            ranked = self.rank[order]
            p_sorted = prob[:, order]
            from_top = np.flip(np.cumsum(np.flip(p_sorted, axis=1), axis=1), axis=1)
            from_bottom = np.cumsum(p_sorted, axis=1)
            first = np.searchsorted(ranked, self.rank, side="left")
            last = np.searchsorted(ranked, self.rank, side="right") - 1
            return from_top[:, first], from_bottom[:, last]
        stats = self.grid_stats
        order = np.argsort(stats, axis=1, kind="stable")
        s_sorted = np.take_along_axis(stats, order, axis=1)
        p_sorted = np.take_along_axis(prob, order, axis=1)
        cum = np.concatenate([np.zeros((len(self.grid), 1)), np.cumsum(p_sorted, axis=1)],
                             axis=1)
        at_least = np.empty_like(prob)
        at_most = np.empty_like(prob)
        for g in range(len(self.grid)):   # pairwise ties within _TIE, as in `members`
            first = np.searchsorted(s_sorted[g], s_sorted[g] - _TIE, side="left")
            last = np.searchsorted(s_sorted[g], s_sorted[g] + _TIE, side="right")
            at_least[g, order[g]] = cum[g, -1] - cum[g, first]
            at_most[g, order[g]] = cum[g, last]
        return at_least, at_most


def _continuing_log_counts(design: MultiStageDesign) -> FloatArray:
    """log of the stage-wise response sequences that reach the last look with each count
    y at look K - 1 (-inf outside the continuation band), from the design's log-scale
    counts."""
    k = design.n_looks - 2
    counts = design._log_counts[0][k]
    fut, eff = design.futility[k], design.efficacy[k]
    y = np.arange(counts.size)
    return np.where((y > fut) & (y <= eff), counts, -np.inf)


def _umvcue(design: MultiStageDesign, looks: npt.NDArray[np.int64],
            xs: npt.NDArray[np.int64]) -> FloatArray:
    r"""UMVCUE given that the trial reached the last look: for an outcome (K, x),
    :math:`E(Y_j \mid X_K = x, \text{reach } K)` for a patient j of the last stage; NaN for
    an earlier stop (module docstring). Both sums over the count y at look K - 1 are
    log-scale convolutions of the continuing counts with a binomial-coefficient row
    (C(m, x - y) and C(m - 1, x - 1 - y)), formed once for every x."""
    big_k = design.n_looks
    out = np.full(len(xs), np.nan)
    if big_k == 1:
        last = looks == 1
        out[last] = xs[last] / design.sizes[0]
        return out
    log_cont = _continuing_log_counts(design)
    m = design.sizes[-1] - design.sizes[-2]
    at_last = np.flatnonzero(looks == big_k)
    size = design.sizes[-1] + 1
    k = design.n_looks - 2
    lo, hi = design.futility[k] + 1, design.efficacy[k]
    log_den = _log_convolve(log_cont, lo, hi, _log_comb_row(m))
    log_num = np.full(size, -np.inf)
    if m >= 1:   # x - 1 - y = j  ->  shifted by one
        log_num[1:] = _log_convolve(log_cont, lo, hi, _log_comb_row(m - 1))
    x = xs[at_last]
    with np.errstate(invalid="ignore"):
        out[at_last] = np.exp(log_num[x] - log_den[x])
    return out


def _rank_of(keys: list[Any]) -> npt.NDArray[np.int64]:
    distinct = sorted(set(keys))
    rank_of = {key: r for r, key in enumerate(distinct)}
    return np.array([rank_of[key] for key in keys], dtype=np.int64)


@lru_cache(maxsize=32)
def _space(design: MultiStageDesign, ordering: str) -> _Space:
    space = design._log_outcomes
    k = design.n_looks
    looks, xs, ns = space.look, space.x, space.n
    umvue = np.exp(space.logc_first - space.logc)
    go = space.decision == "go"
    kind = ""
    if ordering == "stagewise":
        # Group: futility stop at look k -> k; last look -> K; efficacy stop at look k -> 2K - k.
        group = np.where(looks == k, k, np.where(go, 2 * k - looks, looks))
        rank = _rank_of(list(zip(group.tolist(), xs.tolist(), strict=True)))
    elif ordering == "mle":
        rank = _rank_of([Fraction(int(x), int(n)) for x, n in zip(xs, ns, strict=True)])
    else:  # "lr", "score": the ordering at p0 (ties within _TIE chained)
        kind = ordering
        stat = _statistic(kind, xs.astype(float), ns.astype(float), design.p0)
        order = np.argsort(stat, kind="stable")
        step = np.concatenate([[0], np.diff(stat[order]) > _TIE]).astype(np.int64)
        rank = np.empty(len(xs), dtype=np.int64)
        rank[order] = np.cumsum(step)
    out = _Space(looks, ns, xs, space.logc.copy(), umvue, rank, _umvcue(design, looks, xs),
                 kind, tuple(space.decision.tolist()))
    for arr in (out.look, out.n, out.x, out.logc, out.umvue, out.rank, out.umvcue):
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
    fa, fb = fn(lo) - target, fn(hi) - target
    if fa == 0.0:
        return lo
    if fb == 0.0:
        return hi
    if (fa > 0.0) == (fb > 0.0):
        # The grid values and the direct evaluation differ by rounding at a bracket end
        # (the crossing is at that end, e.g. E_p(X/N) = p exactly): return that end.
        return lo if (fa > 0.0) == increasing else hi
    return brent_root(lambda p: fn(p) - target, lo, hi, xtol=_XTOL, maxiter=200)


def _edge(space: _Space, i: int, which: str, target: float) -> float:
    r"""``inf{p : P_p(T >= t_i) > target}`` (``which="G"``) or
    ``sup{p : P_p(T <= t_i) > target}`` (``"H"``), each tail under the ordering at p.

    Bracketed on the grid, augmented for the likelihood-ratio and score orderings by
    the rates at which the ordering of t_i changes (:meth:`_Space.points`; first / last
    point inside the set); inside the bracket,
    bisection until the ordering of t_i against the other outcomes is the same at both
    ends (only the likelihood-ratio and score orderings change with p), then Brent's
    method on the tail with that fixed membership (continuous in p)."""
    grid, at_least, at_most = space.points(i)
    values = at_least if which == "G" else at_most
    inside = np.flatnonzero(values > target)
    if which == "G":
        if inside.size == 0:
            return 1.0
        j = int(inside[0])
        if j == 0:
            return 0.0
        lo, hi, in_at_hi = float(grid[j - 1]), float(grid[j]), True
    else:
        if inside.size == 0:
            return 0.0
        j = int(inside[-1])
        if j == grid.size - 1:
            return 1.0
        lo, hi, in_at_hi = float(grid[j]), float(grid[j + 1]), False
    pick = 0 if which == "G" else 1
    mask_lo, mask_hi = space.members(lo, i)[pick], space.members(hi, i)[pick]
    while not np.array_equal(mask_lo, mask_hi):
        mid = 0.5 * (lo + hi)
        if not lo < mid < hi:
            return hi if in_at_hi else lo
        mask_mid = space.members(mid, i)[pick]
        inside_mid = float(np.exp(space.logpmf(mid))[mask_mid].sum()) > target
        if inside_mid == in_at_hi:
            hi, mask_hi = mid, mask_mid
        else:
            lo, mask_lo = mid, mask_mid

    def fixed(p: float) -> float:
        return float(np.exp(space.logpmf(p))[mask_lo].sum()) - target

    f_lo, f_hi = fixed(lo), fixed(hi)
    if (f_lo > 0.0) == (f_hi > 0.0):   # rounding at a grid point: the edge is there
        return hi if in_at_hi else lo
    return brent_root(fixed, lo, hi, xtol=_XTOL, maxiter=200)


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
        What the design's rule decided there ("go", "no go" or, for a
        three-outcome design, "inconclusive").
    ordering : str
        ``"stagewise"``, ``"mle"``, ``"lr"`` or ``"score"``.
    pvalue, mid_pvalue : float
        One-sided :math:`P_{p_0}(T \\succeq t)` and its mid-p version (for the
        ``"lr"`` and ``"score"`` orderings, the ordering at :math:`p_0`).
    mle, umvue, median_unbiased, bias_adjusted : float
        Estimates of the response rate.
    umvcue : float
        The UMVCUE given that the trial reached its last look; NaN for a trial
        that stopped at an earlier look (module docstring).
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
    umvcue: float
    _space: _Space = field(repr=False, compare=False)
    _index: int = field(repr=False, compare=False)

    def confidence_interval(self, confidence_level: float = 0.95, *,
                            alternative: str = "two-sided",
                            convention: str = "exact") -> ConfidenceInterval:
        r"""The interval that inverts the ordering's tail probabilities.

        ``convention="exact"`` (default): the lower limit is
        :math:`\inf\{p : P_p(T \succeq t) > \alpha/2\}` and the upper limit
        :math:`\sup\{p : P_p(T \preceq t) > \alpha/2\}`; ``"greater"`` gives
        ``[low, 1]`` with :math:`\alpha` in the one tail, ``"less"`` gives
        ``[0, high]``. For the stage-wise and MLE orderings the tails are monotone
        in :math:`p` and the limits solve :math:`P_p(T \succeq t) = \alpha/2` and
        :math:`P_p(T \preceq t) = \alpha/2`. For ``"lr"`` and ``"score"`` the
        ordering changes with :math:`p` (each :math:`p` is tested with its own
        ordering), the set of :math:`p` that neither one-sided test rejects
        (:meth:`confidence_set`) need not be an interval; this interval contains
        it (every rate the lower test accepts is at least ``low``, every rate the
        upper test accepts at most ``high``). Either way its exact coverage is at
        least the level (:func:`multistage_coverage`).

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
        low = 0.0 if alt == "less" else _edge(self._space, self._index, "G", a)
        if alt == "greater":
            high = 1.0
        elif conv == "exact":
            high = _edge(self._space, self._index, "H", a)
        else:
            high = _edge(self._space, self._index, "G", 1.0 - a)
        method = (f"exact ({self.ordering} ordering)" if conv == "exact" else
                  f"clinfun convention, upper limit at the next outcome ({self.ordering} "
                  "ordering; coverage below nominal)")
        return ConfidenceInterval(low, high, method=method, confidence_level=level,
                                  alternative=alt)

    def confidence_set(self, confidence_level: float = 0.95) -> tuple[tuple[float, float], ...]:
        r"""The rates neither one-sided test rejects, as disjoint intervals.

        :math:`\{p : P_p(T \succeq t) > \alpha/2 \text{ and } P_p(T \preceq t) > \alpha/2\}`
        with each :math:`p` tested under its own ordering: one interval (equal to
        :meth:`confidence_interval`) for the stage-wise and MLE orderings, possibly
        several for ``"lr"`` and ``"score"``. Found on the root-finding grid (4097
        points for these orderings) with each end refined by bisection to
        :math:`10^{-13}`, so a piece narrower than the grid spacing can be missed.
        """
        level = check_confidence_level(confidence_level)
        a = (1.0 - level) / 2
        space, i = self._space, self._index
        grid, at_least, at_most = space.points(i)
        inside = (at_least > a) & (at_most > a)

        def accepted(p: float) -> bool:
            return space.tail(p, i, "G") > a and space.tail(p, i, "H") > a

        def boundary(out: float, into: float) -> float:
            while abs(into - out) > 1e-13:
                mid = 0.5 * (out + into)
                if accepted(mid):
                    into = mid
                else:
                    out = mid
            return into

        pieces: list[tuple[float, float]] = []
        j = 0
        while j < grid.size:
            if not inside[j]:
                j += 1
                continue
            start = j
            while j + 1 < grid.size and inside[j + 1]:
                j += 1
            lo = 0.0 if start == 0 else boundary(float(grid[start - 1]), float(grid[start]))
            hi = 1.0 if j == grid.size - 1 else boundary(float(grid[j + 1]), float(grid[j]))
            pieces.append((lo, hi))
            j += 1
        return tuple(pieces)

    def to_frame(self, confidence_level: float = 0.95) -> pd.DataFrame:
        """One tidy row: the outcome, the p-values, the estimates and the interval."""
        ci = self.confidence_interval(confidence_level)
        return pd.DataFrame([{
            "look": self.look, "n": self.n, "responses": self.responses,
            "decision": self.decision, "ordering": self.ordering, "pvalue": self.pvalue,
            "mid_pvalue": self.mid_pvalue, "mle": self.mle, "umvue": self.umvue,
            "umvcue": self.umvcue, "median_unbiased": self.median_unbiased,
            "bias_adjusted": self.bias_adjusted, "ci_low": ci.low, "ci_high": ci.high,
            "confidence_level": confidence_level,
        }])

    def __repr__(self) -> str:
        return (f"MultiStageInference(look={self.look}, responses={self.responses}/{self.n}, "
                f"decision={self.decision!r}, pvalue={self.pvalue:.4g}, "
                f"umvue={self.umvue:.4g}, ordering={self.ordering!r})")

    def summary(self) -> pd.DataFrame:
        """The result as a table (:meth:`to_frame`)."""
        return self.to_frame()

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
    ordering : {"stagewise", "mle", "lr", "score"}
        How outcomes are ranked (module docstring). ``"lr"`` and ``"score"``
        rank them by a statistic against the tested rate: the p-value uses the
        ordering at ``p0``, each candidate rate of an interval its own.

    Returns
    -------
    MultiStageInference

    Raises
    ------
    ValueError
        If the rule says the trial continues (no terminal outcome yet), for an
        unknown ordering, or for counts :meth:`MultiStageDesign.decide` refuses.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.multistage_inference import multistage_inference
    >>> d = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> res = multistage_inference(d, [4, 9])
    >>> res.decision, round(res.pvalue, 4), round(res.umvue, 4), round(res.umvcue, 4)
    ('go', 0.0188, 0.429, 0.3925)
    >>> ci = res.confidence_interval(0.90)
    >>> round(ci.low, 4), round(ci.high, 4)
    (0.2354, 0.6095)
    >>> score = multistage_inference(d, [4, 9], ordering="score")
    >>> ci = score.confidence_interval(0.90)
    >>> round(score.pvalue, 4), round(ci.low, 4), round(ci.high, 4)
    (0.0188, 0.2354, 0.5995)
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
    # The least extreme outcome: every outcome is at least as extreme, so the p-value is
    # exactly 1 (the summed probabilities can round just below it).
    pvalue = 1.0 if space.rank[i] == space.rank.min() else min(above + tie, 1.0)
    mle = dec.responses / dec.n

    def mean_mle(p: float) -> float:
        return float(np.exp(space.logpmf(p)) @ (space.x / space.n))

    median = _edge(space, i, "G", 0.5)
    bias_adj = (_root(mean_mle, space.grid_means, mle, increasing=True)
                if 0 < dec.responses < dec.n else mle)
    return MultiStageInference(
        design=design, look=dec.look, n=dec.n, responses=dec.responses,
        decision=space.decision[i], ordering=order, pvalue=pvalue,
        mid_pvalue=min(above + 0.5 * tie, 1.0), mle=mle, umvue=float(space.umvue[i]),
        median_unbiased=median, bias_adjusted=bias_adj, umvcue=float(space.umvcue[i]),
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
            "umvue": res.umvue, "umvcue": res.umvcue, "median_unbiased": res.median_unbiased,
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

