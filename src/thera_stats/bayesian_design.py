r"""Bayesian single-arm designs calibrated on exact operating characteristics.

Both families turn a Bayesian stopping rule into counts at each look (see
:mod:`thera_stats.bayesian`) and choose the rule's tuning parameters so that
the **exact** type I error and power, enumerated by the multi-stage recursion
rather than simulated, meet the targets. The design returned is a
:class:`~thera_stats.multistage.MultiStageDesign`.

*Predictive probability*, Lee & Liu [1]_. Continue while the predictive
probability of final success, :math:`\mathrm{PP}`, exceeds :math:`\theta_L`;
at :math:`N` say "go" iff :math:`P(p > p_0 \mid \text{data}) > \theta_T`.
:func:`predictive_design` searches :math:`(N, \theta_T, \theta_L)`.

*BOP2*, Zhou, Lee & Yuan [2]_. At look :math:`n` stop for futility if
:math:`P(p \le p_0 \mid \text{data}) > C(n) = 1 - \lambda (n/N)^\gamma`, i.e.
:math:`P(p > p_0 \mid \text{data}) < \lambda (n/N)^\gamma`; at :math:`N` "go"
iff :math:`P(p > p_0 \mid \text{data}) \ge \lambda`. BOP2-FE (Xu et al. [3]_)
adds an efficacy stop at interim looks if :math:`P(p > p_0 \mid \text{data}) \ge
1 - (1 - \lambda)(n/N)^\eta`. :func:`bop2_design` calibrates
:math:`(\lambda, \gamma)` (and :math:`\eta`) on a grid.

*How the grids are searched exactly.* A rule's bound at look :math:`k` is a
step function of its probability cut-off (the number of counts whose
posterior or predictive probability lies below it), so the whole grid maps
onto a small set of distinct bound vectors. These are enumerated, the vectors
the engine cannot represent are set aside (and counted), and for every
remaining vector the exact :math:`P_{p_0}(\text{go})`,
:math:`P_{p_1}(\text{go})` and :math:`E(N)` follow from the forward recursion
of :mod:`thera_stats.multistage`, run for all vectors at once. Nothing is
simulated, so the design chosen is the best on the grid, not an estimate of it.

.. rubric:: References

.. [1] Lee JJ, Liu DD. A predictive probability design for phase II cancer
   clinical trials. Clin Trials 2008;5:93-106. doi:10.1177/1740774508089279
.. [2] Zhou H, Lee JJ, Yuan Y. BOP2: Bayesian optimal design for phase II
   clinical trials with simple and complex endpoints. Stat Med
   2017;36:3302-3314. doi:10.1002/sim.7338
.. [3] Xu X, Yimer BB, Hashimoto A, Homma G, Takeda K. BOP2-FE: Bayesian
   optimal phase II design with futility and efficacy stopping boundaries.
   J Biopharm Stat 2025. doi:10.1080/10543406.2025.2558142
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd

from thera_stats import _distributions as stats
from thera_stats._checks import check_choice, check_integer_array
from thera_stats.bayesian import BetaPrior, _looks, _prior, _success_count, _unit
from thera_stats.design_search import DesignChoice, _check
from thera_stats.multistage import MultiStageDesign

__all__ = [
    "PREDICTIVE_CRITERIA",
    "BOP2Design",
    "PredictiveDesign",
    "bop2_design",
    "predictive_design",
]

PREDICTIVE_CRITERIA = ("minimax", "optimal")
FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]
_TOL = 1e-12


# =========================================================================== the batch engine
def _batch_oc(sizes: Sequence[int], fut: IntArray, eff: IntArray,
              p: float) -> tuple[FloatArray, FloatArray]:
    """P(go) and E(N) at rate p for D designs at once: the engine's forward recursion.

    ``fut`` has shape (D, K) (the last column is the final bound: "go" iff X_K > a_K),
    ``eff`` shape (D, K - 1) (n_k: no efficacy stop).
    """
    d = fut.shape[0]
    k_last = len(sizes) - 1
    f = np.broadcast_to(stats.binom.pmf(np.arange(sizes[0] + 1), sizes[0], p),
                        (d, sizes[0] + 1)).copy()
    go = np.zeros(d)
    en = np.zeros(d)
    for k, n in enumerate(sizes):
        x = np.arange(n + 1)[None, :]
        if k == k_last:
            go += np.where(x > fut[:, k:k + 1], f, 0.0).sum(axis=1)
            en += n * f.sum(axis=1)
            break
        stop_e = x > eff[:, k:k + 1]
        cont = (x > fut[:, k:k + 1]) & ~stop_e
        go += np.where(stop_e, f, 0.0).sum(axis=1)
        g = np.where(cont, f, 0.0)
        en += n * (f.sum(axis=1) - g.sum(axis=1))
        m = sizes[k + 1] - n
        b = stats.binom.pmf(np.arange(m + 1), m, p)
        nxt = np.zeros((d, sizes[k + 1] + 1))
        for j, bj in enumerate(b):
            nxt[:, j:j + n + 1] += bj * g
        f = nxt
    return go, en


def _valid(sizes: Sequence[int], fut: IntArray, eff: IntArray) -> npt.NDArray[np.bool_]:
    """Which bound vectors MultiStageDesign accepts (its checks, vectorised)."""
    n = np.asarray(sizes)
    k = len(sizes)
    ok = (fut[:, -1] >= 0) & (fut[:, -1] < n[-1])
    if k == 1:
        return np.asarray(ok)
    a, e = fut[:, :-1], eff
    ok &= np.all(a < n[None, :-1], axis=1) & np.all(a < e, axis=1)
    ok &= np.all(np.diff(fut, axis=1) >= 0, axis=1)
    # efficacy bounds must not decrease over the looks that have one
    has = e < n[None, :-1]
    running = np.maximum.accumulate(np.where(has, e, -1), axis=1)
    prev = np.concatenate([np.full((e.shape[0], 1), -1), running[:, :-1]], axis=1)
    ok &= ~np.any(has & (e < prev), axis=1)
    reach = e + np.diff(n)[None, :]
    ok &= np.all(reach > fut[:, 1:], axis=1)
    return np.asarray(ok)


def _design(p0: float, p1: float, sizes: Sequence[int], fut: IntArray,
            eff: IntArray) -> MultiStageDesign:
    e = [int(v) if v < n else None for v, n in zip(eff, sizes, strict=False)]
    return MultiStageDesign(p0, p1, list(sizes), [int(v) for v in fut],
                            e if any(v is not None for v in e) else None)


def _grid(name: str, value: Any, *, low: float, high: float) -> FloatArray:
    arr = np.atleast_1d(np.asarray(value, dtype=float)).ravel()
    if arr.size == 0:
        raise ValueError(f"`{name}` must hold at least one value.")
    bad = ~np.isfinite(arr) | (arr < low) | (arr > high)
    if np.any(bad):
        raise ValueError(f"`{name}` must lie in [{low:g}, {high:g}]; got "
                         f"{arr[bad][0].item()!r}.")
    return arr


# =========================================================================== results
def _frame_row(design: MultiStageDesign) -> dict[str, Any]:
    eff = [str(e) if e < n else "-" for e, n in zip(design.efficacy, design.sizes, strict=False)]
    return {"sizes": "/".join(map(str, design.sizes)),
            "futility": "/".join(map(str, design.futility)), "efficacy": "/".join(eff) or "-"}


@dataclass(frozen=True, slots=True)
class PredictiveDesign:
    r"""A Lee & Liu predictive-probability design (result of :func:`predictive_design`).

    Attributes
    ----------
    design : MultiStageDesign
        The bounds (operating characteristics, decisions and inference come from it).
    theta_t, theta_l : float
        The chosen thresholds (the first grid values giving these bounds).
    theta_t_range, theta_l_range : (float, float)
        The smallest and largest grid values that give the same bounds.
    theta_u : float
        The efficacy threshold (1: no efficacy stop).
    prior : BetaPrior
    criterion : str
    alpha, power : float
        Targets.
    actual_alpha, actual_power, en_p0, en_p1 : float
        Exact :math:`P_{p_0}(\text{go})`, :math:`P_{p_1}(\text{go})` and expected sizes.
    n_designs : int
        Distinct bound vectors evaluated exactly.
    """

    design: MultiStageDesign
    theta_t: float
    theta_l: float
    theta_t_range: tuple[float, float]
    theta_l_range: tuple[float, float]
    theta_u: float
    prior: BetaPrior
    criterion: str
    alpha: float
    power: float
    actual_alpha: float
    actual_power: float
    en_p0: float
    en_p1: float
    n_designs: int

    @property
    def n_max(self) -> int:
        """The maximum sample size N."""
        return self.design.n_max

    def as_choice(self) -> DesignChoice:
        """The same design as a :class:`~thera_stats.design_search.DesignChoice`
        (for :func:`~thera_stats.design_search.compare_designs`)."""
        return DesignChoice(design=self.design, family="predictive", criterion=self.criterion,
                            alpha=self.alpha, power=self.power, actual_alpha=self.actual_alpha,
                            actual_power=self.actual_power, en_p0=self.en_p0, en_p1=self.en_p1)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: N, thresholds, bounds, targets, exact error rates, expected sizes."""
        return pd.DataFrame([{
            "family": "predictive", "criterion": self.criterion, "n_max": self.n_max,
            "theta_t": self.theta_t, "theta_l": self.theta_l, "theta_u": self.theta_u,
            "prior_a": self.prior.a, "prior_b": self.prior.b, **_frame_row(self.design),
            "alpha": self.alpha, "power": self.power, "actual_alpha": self.actual_alpha,
            "actual_power": self.actual_power, "en_p0": self.en_p0, "en_p1": self.en_p1}])

    def summary(self) -> pd.DataFrame:
        """The chosen design look by look: bounds and the exact probabilities of stopping
        at each look under p0 and p1 (:meth:`MultiStageDesign.summary`)."""
        return self.design.summary()

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))

    def __repr__(self) -> str:
        return (f"PredictiveDesign({self.criterion}: N={self.n_max}, theta_T={self.theta_t:g}, "
                f"theta_L={self.theta_l:g}, alpha={self.actual_alpha:.4f}, "
                f"power={self.actual_power:.4f}, EN0={self.en_p0:.2f}, EN1={self.en_p1:.2f})")


@dataclass(frozen=True, slots=True)
class BOP2Design:
    r"""A calibrated BOP2 (or BOP2-FE) design (result of :func:`bop2_design`).

    Attributes
    ----------
    design : MultiStageDesign
        The bounds.
    lambda_, gamma : float
        Futility cut-off :math:`C(n) = 1 - \lambda (n/N)^\gamma` on
        :math:`P(p \le p_0 \mid \text{data})`.
    eta : float or None
        Efficacy cut-off :math:`1 - (1 - \lambda)(n/N)^\eta` on
        :math:`P(p > p_0 \mid \text{data})` (None: futility only).
    prior : BetaPrior
    alpha, power : float
        The type I error bound and the power target (reported, not required:
        BOP2 maximises power).
    actual_alpha, actual_power, en_p0, en_p1 : float
        Exact error rates and expected sizes.
    n_designs, n_excluded : int
        Distinct bound vectors on the grid that the engine accepts (all
        evaluated exactly), and those it rejects (set aside; see
        :func:`bop2_design`).
    """

    design: MultiStageDesign
    lambda_: float
    gamma: float
    eta: float | None
    prior: BetaPrior
    alpha: float
    power: float
    actual_alpha: float
    actual_power: float
    en_p0: float
    en_p1: float
    n_designs: int
    n_excluded: int

    def cutoffs(self) -> pd.DataFrame:
        """One row per look: n, the probability cut-offs and the count bounds."""
        n = np.asarray(self.design.sizes, dtype=float)
        t = n / n[-1]
        fut_cut = self.lambda_ * t ** self.gamma
        out = pd.DataFrame({"look": np.arange(1, len(n) + 1), "n": self.design.sizes,
                            "futility_cutoff": fut_cut,
                            "futility": list(self.design.futility)})
        if self.eta is not None:
            eff = 1.0 - (1.0 - self.lambda_) * t ** self.eta
            out["efficacy_cutoff"] = eff
            bounds = [float(e) if e < m else math.nan
                      for e, m in zip(self.design.efficacy, self.design.sizes, strict=False)]
            out["efficacy"] = [*bounds, float(self.design.futility[-1])]
        return out

    def as_choice(self) -> DesignChoice:
        """The same design as a :class:`~thera_stats.design_search.DesignChoice`."""
        return DesignChoice(design=self.design, family="bop2" if self.eta is None else "bop2-fe",
                            criterion="max-power", alpha=self.alpha, power=self.power,
                            actual_alpha=self.actual_alpha, actual_power=self.actual_power,
                            en_p0=self.en_p0, en_p1=self.en_p1)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: tuning parameters, bounds, exact error rates, expected sizes."""
        return pd.DataFrame([{
            "family": "bop2" if self.eta is None else "bop2-fe", "lambda": self.lambda_,
            "gamma": self.gamma, "eta": self.eta, "prior_a": self.prior.a,
            "prior_b": self.prior.b, **_frame_row(self.design), "alpha": self.alpha,
            "power": self.power, "actual_alpha": self.actual_alpha,
            "actual_power": self.actual_power, "en_p0": self.en_p0, "en_p1": self.en_p1}])

    def summary(self) -> pd.DataFrame:
        """The chosen design look by look: bounds and the exact probabilities of stopping
        at each look under p0 and p1 (:meth:`MultiStageDesign.summary`)."""
        return self.design.summary()

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))

    def __repr__(self) -> str:
        eta = "" if self.eta is None else f", eta={self.eta:g}"
        return (f"BOP2Design(lambda={self.lambda_:g}, gamma={self.gamma:g}{eta}: "
                f"futility={list(self.design.futility)}, alpha={self.actual_alpha:.4f}, "
                f"power={self.actual_power:.4f}, EN0={self.en_p0:.2f}, EN1={self.en_p1:.2f})")


# =========================================================================== predictive design
def _pp_all(n_max: int, s_star: int, a: float, b: float) -> list[FloatArray]:
    """PP(x, n) for n = 0..n_max, x = 0..n, by the martingale recursion
    PP(x, n) = w PP(x + 1, n + 1) + (1 - w) PP(x, n + 1), w = (a + x)/(a + b + n)."""
    out: list[FloatArray] = [np.zeros(0)] * (n_max + 1)
    cur = (np.arange(n_max + 1) >= s_star).astype(float)
    out[n_max] = cur
    for n in range(n_max - 1, -1, -1):
        x = np.arange(n + 1)
        w = (a + x) / (a + b + n)
        cur = w * cur[1:] + (1.0 - w) * cur[:-1]
        out[n] = cur
    return out


def _monitoring_looks(n_max: int, first_look: int, cohort: int) -> list[int]:
    looks = list(range(first_look, n_max, cohort))
    return [*looks, n_max]


def predictive_design(
    p0: float,
    p1: float,
    *,
    alpha: float,
    power: float,
    n_min: int,
    n_max: int,
    prior: Any,
    theta_t_grid: Any = None,
    theta_l_grid: Any = None,
    theta_u: float = 1.0,
    first_look: int = 1,
    cohort: int = 1,
    criterion: str = "minimax",
) -> PredictiveDesign:
    r"""Lee & Liu's predictive-probability design meeting alpha and power exactly.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    alpha : float
        Bound on the exact type I error :math:`P_{p_0}(\text{go})`, in (0, 0.5).
    power : float
        Required exact power :math:`P_{p_1}(\text{go})`.
    n_min, n_max : int
        The range of maximum sample sizes :math:`N` searched.
    prior : (float, float)
        Beta prior ``(a, b)``; Lee & Liu use a prior with mean :math:`p_0`
        worth one patient, ``beta_prior(p0, 1)``.
    theta_t_grid : array_like, optional
        :math:`\theta_T` values; default 0.80, 0.801, ..., 0.999.
    theta_l_grid : array_like, optional
        :math:`\theta_L` values; default 0.001, 0.002, ..., 0.300.
    theta_u : float, optional
        Efficacy threshold; 1 (default): no efficacy stop, as in Lee & Liu's designs.
    first_look, cohort : int, optional
        The rule is applied after ``first_look`` patients and every ``cohort``
        patients after that, and at :math:`N`; the defaults (1, 1) are Lee &
        Liu's continuous monitoring.
    criterion : {"minimax", "optimal"}
        ``"minimax"`` (Lee & Liu): the smallest :math:`N` with a feasible
        design, then the smallest :math:`EN(p_0)`; ``"optimal"``: the smallest
        :math:`EN(p_0)` over all :math:`N`, then the smallest :math:`N`.
        Remaining ties: larger power, then the first :math:`\theta_T`,
        :math:`\theta_L` on the grids.

    Returns
    -------
    PredictiveDesign
        The design, its thresholds (with the grid ranges giving the same
        bounds) and its exact error rates and expected sizes.

    Raises
    ------
    ValueError
        For rates, error rates, grids or sizes out of range (quoted), or when no
        design on the grids with :math:`N \le` ``n_max`` meets both targets.

    Notes
    -----
    For each :math:`N` the bounds depend on :math:`\theta_T` only through the
    final success count :math:`s^*`, and on :math:`\theta_L` through the
    number of counts with :math:`\mathrm{PP} \le \theta_L` at each look, so the
    grids collapse onto few distinct designs; :math:`\mathrm{PP}(x, n)` for all
    :math:`x \le n \le N` comes from the backward martingale recursion of
    :mod:`thera_stats.bayesian`. Each distinct design's error rates are exact
    (module docstring). "Feasible" means :math:`P_{p_0}(\text{go}) \le \alpha`
    and :math:`P_{p_1}(\text{go}) \ge` power; nothing is simulated.

    Examples
    --------
    >>> from thera_stats.bayesian import beta_prior
    >>> from thera_stats.bayesian_design import predictive_design
    >>> best = predictive_design(0.2, 0.4, alpha=0.1, power=0.8, n_min=20, n_max=40,
    ...                          prior=beta_prior(0.2, 1), first_look=10, cohort=5)
    >>> best.n_max, best.design.futility
    (24, (0, 2, 4, 7))
    >>> round(best.actual_alpha, 4), round(best.actual_power, 4)
    (0.088, 0.8044)
    """
    p0f, p1f, a_err, pw = _check(p0, p1, alpha, power)
    pr = _prior(prior)
    crit = check_choice("criterion", criterion, PREDICTIVE_CRITERIA)
    lo = int(check_integer_array("n_min", n_min, minimum=1))
    hi = int(check_integer_array("n_max", n_max, minimum=1))
    if lo > hi:
        raise ValueError(f"`n_min` ({n_min!r}) must not exceed `n_max` ({n_max!r}).")
    first = int(check_integer_array("first_look", first_look, minimum=1))
    step = int(check_integer_array("cohort", cohort, minimum=1))
    tt_grid = _grid("theta_t_grid", np.round(np.arange(0.8, 0.9995, 0.001), 3)
                    if theta_t_grid is None else theta_t_grid, low=0.0, high=1.0)
    tl_grid = _grid("theta_l_grid", np.round(np.arange(0.001, 0.3005, 0.001), 3)
                    if theta_l_grid is None else theta_l_grid, low=0.0, high=1.0)
    tu = _unit("theta_u", theta_u, high_closed=True)
    if np.any(tl_grid >= tu):
        raise ValueError(f"`theta_l_grid` must lie below `theta_u` ({theta_u!r}); got "
                         f"{tl_grid[tl_grid >= tu][0].item()!r}.")
    if np.any((tt_grid <= 0.0) | (tt_grid >= 1.0)):
        raise ValueError("`theta_t_grid` must lie in (0, 1); got "
                         f"{tt_grid[(tt_grid <= 0) | (tt_grid >= 1)][0].item()!r}.")

    best: tuple[Any, ...] | None = None
    n_designs = 0
    for big_n in range(lo, hi + 1):
        looks = _monitoring_looks(big_n, first, step)
        s_post = stats.beta.sf(p0f, pr.a + np.arange(big_n + 1), pr.b + big_n
                               - np.arange(big_n + 1))
        s_of_t = np.searchsorted(s_post, tt_grid, side="right")  # # of s with post <= theta
        rows_f: list[IntArray] = []
        rows_e: list[IntArray] = []
        labels: list[tuple[int, int]] = []
        for s_star in np.unique(s_of_t).tolist():
            if not 1 <= s_star <= big_n:
                continue
            pp = _pp_all(big_n, int(s_star), pr.a, pr.b)
            fut = np.empty((tl_grid.size, len(looks)), dtype=np.int64)
            for k, n in enumerate(looks[:-1]):
                fut[:, k] = np.searchsorted(pp[n], tl_grid, side="right") - 1
            fut[:, -1] = s_star - 1
            eff = np.empty((tl_grid.size, len(looks) - 1), dtype=np.int64)
            for k, n in enumerate(looks[:-1]):
                eff[:, k] = (n if tu == 1.0
                             else np.minimum(np.searchsorted(pp[n], tu, side="left") - 1, n))
            uniq, first_idx = np.unique(np.hstack([fut, eff]), axis=0, return_index=True)
            t_idx = int(np.flatnonzero(s_of_t == s_star)[0])
            for row, li in zip(uniq, first_idx.tolist(), strict=True):
                rows_f.append(row[:len(looks)])
                rows_e.append(row[len(looks):])
                labels.append((t_idx, li))
        if not rows_f:
            continue
        fut_all = np.array(rows_f)
        eff_all = np.array(rows_e, dtype=np.int64).reshape(len(rows_f), len(looks) - 1)
        ok = _valid(looks, fut_all, eff_all)
        n_designs += int(ok.sum())
        if not ok.any():
            continue
        idx = np.flatnonzero(ok)
        go0, en0 = _batch_oc(looks, fut_all[idx], eff_all[idx], p0f)
        keep = go0 <= a_err * (1 + _TOL)
        if not keep.any():
            continue
        idx, go0, en0 = idx[keep], go0[keep], en0[keep]
        go1, en1 = _batch_oc(looks, fut_all[idx], eff_all[idx], p1f)
        keep = go1 >= pw * (1 - _TOL)
        for j in np.flatnonzero(keep).tolist():
            i = int(idx[j])
            t_idx, l_idx = labels[i]
            key = ((big_n if crit == "minimax" else 0), round(float(en0[j]), 10), big_n,
                   -round(float(go1[j]), 12), t_idx, l_idx)
            if best is None or key < best[0]:
                best = (key, big_n, looks, fut_all[i], eff_all[i], float(go0[j]),
                        float(go1[j]), float(en0[j]), float(en1[j]), t_idx, l_idx)
        if crit == "minimax" and best is not None:
            break
    if best is None:
        raise ValueError(
            f"No predictive-probability design with {lo} <= N <= {hi} meets alpha = {a_err:g} "
            f"and power = {pw:g} for p0 = {p0f:g}, p1 = {p1f:g} on the theta grids; raise "
            "`n_max` or widen `theta_t_grid` / `theta_l_grid`.")
    _, big_n, looks, fut, eff, size, pwr, en0_, en1_, t_idx, l_idx = best
    design = _design(p0f, p1f, looks, fut, eff)
    t_rng, l_rng = _threshold_ranges(big_n, looks, fut, eff, tt_grid, tl_grid, tu, p0f, pr)
    return PredictiveDesign(
        design=design, theta_t=float(tt_grid[t_idx]), theta_l=float(tl_grid[l_idx]),
        theta_t_range=t_rng, theta_l_range=l_rng, theta_u=tu, prior=pr, criterion=crit,
        alpha=a_err, power=pw, actual_alpha=size, actual_power=pwr, en_p0=en0_, en_p1=en1_,
        n_designs=n_designs)


def _threshold_ranges(big_n: int, looks: list[int], fut: IntArray, eff: IntArray,
                      tt_grid: FloatArray, tl_grid: FloatArray, tu: float, p0: float,
                      pr: BetaPrior) -> tuple[tuple[float, float], tuple[float, float]]:
    """The grid values of theta_T and theta_L that reproduce the chosen bounds."""
    s_star = int(fut[-1]) + 1
    t_ok = [float(t) for t in tt_grid if _success_count(big_n, p0, float(t), pr.a, pr.b)
            == s_star]
    pp = _pp_all(big_n, s_star, pr.a, pr.b)
    l_ok = []
    for t in tl_grid:
        bounds = [int(np.searchsorted(pp[n], t, side="right")) - 1 for n in looks[:-1]]
        if bounds == [int(v) for v in fut[:-1]]:
            l_ok.append(float(t))
    return (min(t_ok), max(t_ok)), (min(l_ok), max(l_ok))


# =========================================================================== BOP2
def _bop2_bounds(looks: list[int], p0: float, prior: BetaPrior, lam: FloatArray,
                 gam: FloatArray, eta: FloatArray | None) -> tuple[IntArray, IntArray]:
    """BOP2 futility bounds, shape (lambda, gamma, K), and efficacy bounds, shape
    (lambda, eta, K - 1) (n_k: none; without eta one row of n_k per lambda)."""
    big_n = looks[-1]
    k = len(looks)
    frac = np.asarray(looks, dtype=float) / big_n
    post = [stats.beta.sf(p0, prior.a + np.arange(n + 1), prior.b + n - np.arange(n + 1))
            for n in looks]
    # futility: the number of counts with P(p > p0 | x, n) < lambda (n/N)^gamma, minus one
    cf = lam[:, None, None] * frac[None, None, :] ** gam[None, :, None]
    cf[:, :, -1] = lam[:, None]
    fut = np.empty(cf.shape, dtype=np.int64)
    for j in range(k):
        fut[:, :, j] = np.searchsorted(post[j], cf[:, :, j], side="left") - 1
    if eta is None:
        eff = np.broadcast_to(np.asarray(looks[:-1], dtype=np.int64),
                              (lam.size, 1, k - 1)).copy()
        return fut, eff
    # efficacy: one below the first count with P(p > p0 | x, n) >= 1 - (1 - lambda)(n/N)^eta
    cs = 1.0 - (1.0 - lam)[:, None, None] * frac[None, None, :-1] ** eta[None, :, None]
    eff = np.empty(cs.shape, dtype=np.int64)
    for j in range(k - 1):
        eff[:, :, j] = np.minimum(np.searchsorted(post[j], cs[:, :, j], side="left") - 1,
                                  looks[j])
    return fut, eff


def _runs(bounds: IntArray) -> tuple[list[IntArray], list[IntArray]]:
    """Per first index, the rows of ``bounds[i]`` (shape (G, K)) that differ from the row
    before, and their indices (the first grid point of each run)."""
    change = np.ones(bounds.shape[:2], dtype=bool)
    change[:, 1:] = np.any(bounds[:, 1:] != bounds[:, :-1], axis=2)
    rows, labels = [], []
    for i in range(bounds.shape[0]):
        idx = np.flatnonzero(change[i])
        rows.append(bounds[i, idx])
        labels.append(idx)
    return rows, labels


def bop2_design(
    p0: float,
    p1: float,
    *,
    looks: Any,
    alpha: float,
    power: float = 0.8,
    prior: Any = None,
    efficacy: bool = False,
    lambda_grid: Any = None,
    gamma_grid: Any = None,
    eta_grid: Any = None,
) -> BOP2Design:
    r"""BOP2 (or BOP2-FE) calibrated on exact operating characteristics.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    looks : sequence of int
        Cumulative sample sizes of the looks; the last is :math:`N`.
    alpha : float
        Bound on the exact type I error, in (0, 0.5).
    power : float, optional
        Target power, reported against the design (BOP2 maximises power; a
        design below the target is still returned, with its exact power).
    prior : (float, float), optional
        Beta prior; default :math:`\mathrm{Beta}(p_0, 1 - p_0)` (BOP2's choice:
        mean :math:`p_0`, worth one patient).
    efficacy : bool, optional
        False (default): BOP2, futility stops only; True: BOP2-FE, with an
        efficacy stop at interim looks.
    lambda_grid, gamma_grid, eta_grid : array_like, optional
        Grids for :math:`\lambda` (default 0.01, ..., 0.99), :math:`\gamma`
        (default 0, 0.01, ..., 3) and :math:`\eta` (default 0, 0.01, ..., 3).

    Returns
    -------
    BOP2Design
        The calibrated design with its tuning parameters and exact error rates.

    Raises
    ------
    ValueError
        For rates, error rates or grids out of range, looks that do not
        increase, a bad prior, or when no grid point keeps the type I error at
        or below ``alpha``.

    Notes
    -----
    At look :math:`k` with :math:`n_k` patients the futility bound is the
    largest count with :math:`P(p > p_0 \mid x, n_k) < \lambda (n_k/N)^\gamma`
    (``-1``: none) and, for BOP2-FE, the efficacy bound is one below the
    smallest count with :math:`P(p > p_0 \mid x, n_k) \ge 1 - (1 -
    \lambda)(n_k/N)^\eta` (none if no count qualifies). Among the grid points
    whose exact :math:`P_{p_0}(\text{go}) \le \alpha`, the one with the
    largest exact :math:`P_{p_1}(\text{go})` is chosen; ties (to 1e-12): the
    smaller :math:`EN(p_0)`, then the first on the grids (in the order
    :math:`\lambda, \gamma, \eta`).

    Bound vectors the engine rejects are set aside and counted in
    ``n_excluded``: an interim look at which every count stops (the same
    design as one with fewer looks), an efficacy bound that decreases from one
    look to the next (possible for BOP2-FE, whose efficacy cut-off falls as
    :math:`n` grows), or a last look without a "go" count.

    Differences from R BOP2FE (1.0.3): it simulates the error rates and keeps
    grid points with simulated type I error *strictly* below ``t1e``; it
    evaluates counts from 1 up, so its futility bound is never below 0 (a
    trial with no response always stops at an interim look) and its efficacy
    bound never above :math:`n_k` (a trial in which every patient responded
    always stops for efficacy), even when the cut-off says otherwise. Here
    every count, 0 included, follows the cut-off.

    Examples
    --------
    >>> from thera_stats.bayesian_design import bop2_design
    >>> d = bop2_design(0.2, 0.4, looks=[10, 20, 30, 40], alpha=0.1)
    >>> d.design.futility
    (0, 2, 5, 11)
    >>> round(d.actual_alpha, 4), round(d.actual_power, 4)
    (0.0861, 0.9248)
    >>> d.lambda_, d.gamma
    (0.86, 2.15)
    """
    p0f, p1f, a_err, pw = _check(p0, p1, alpha, power)
    lk = _looks(looks)
    pr = BetaPrior(p0f, 1.0 - p0f) if prior is None else _prior(prior)
    lam = np.unique(_grid("lambda_grid", np.round(np.arange(0.01, 0.995, 0.01), 2)
                          if lambda_grid is None else lambda_grid, low=0.0, high=1.0))
    gam = np.unique(_grid("gamma_grid", np.round(np.arange(0.0, 3.005, 0.01), 2)
                          if gamma_grid is None else gamma_grid, low=0.0, high=math.inf))
    eta = (np.unique(_grid("eta_grid", np.round(np.arange(0.0, 3.005, 0.01), 2)
                           if eta_grid is None else eta_grid, low=0.0, high=math.inf))
           if efficacy else np.array([math.nan]))
    k = len(lk)
    fut, eff = _bop2_bounds(lk, p0f, pr, lam, gam, eta if efficacy else None)
    # Distinct (futility, efficacy) vectors, each labelled by its first grid point. For fixed
    # lambda the futility bounds fall as gamma grows and the efficacy bounds rise as eta
    # grows, so equal vectors are neighbours on the (sorted) grids.
    fut_rows, fut_lab = _runs(fut)
    eff_rows, eff_lab = _runs(eff)
    blocks_f: list[IntArray] = []
    blocks_e: list[IntArray] = []
    lab: list[IntArray] = []
    for i in range(lam.size):
        nf, ne = len(fut_rows[i]), len(eff_rows[i])
        blocks_f.append(np.repeat(fut_rows[i], ne, axis=0))
        blocks_e.append(np.tile(eff_rows[i], (nf, 1)))
        lab.append(np.column_stack([np.full(nf * ne, i), np.repeat(fut_lab[i], ne),
                                    np.tile(eff_lab[i], nf)]))
    all_f, all_e, all_lab = np.vstack(blocks_f), np.vstack(blocks_e), np.vstack(lab)
    both = np.hstack([all_f, all_e])
    order = np.lexsort([*all_lab.T[::-1], *both.T[::-1]])
    both, all_lab = both[order], all_lab[order]
    new_row = np.ones(len(both), dtype=bool)
    new_row[1:] = np.any(both[1:] != both[:-1], axis=1)
    fut_u, eff_u = both[new_row, :k], both[new_row, k:]
    lab_u = [tuple(int(v) for v in row) for row in all_lab[new_row]]
    ok = _valid(lk, fut_u, eff_u)
    n_excluded = int((~ok).sum())
    idx = np.flatnonzero(ok)
    go0, en0 = _batch_oc(lk, fut_u[idx], eff_u[idx], p0f)
    keep = go0 <= a_err * (1 + _TOL)
    if not keep.any():
        raise ValueError(f"No BOP2 design on the grids keeps the exact type I error at or below "
                         f"alpha = {a_err:g} (p0 = {p0f:g}, looks {lk}); widen `lambda_grid`.")
    idx, go0, en0 = idx[keep], go0[keep], en0[keep]
    go1, en1 = _batch_oc(lk, fut_u[idx], eff_u[idx], p1f)
    best = max(range(idx.size), key=lambda j: (round(float(go1[j]), 12),
                                               -round(float(en0[j]), 10),
                                               tuple(-v for v in lab_u[int(idx[j])])))
    i = int(idx[best])
    li, gi, hi = lab_u[i]
    design = _design(p0f, p1f, lk, fut_u[i], eff_u[i])
    return BOP2Design(
        design=design, lambda_=float(lam[li]), gamma=float(gam[gi]),
        eta=float(eta[hi]) if efficacy else None, prior=pr, alpha=a_err, power=pw,
        actual_alpha=float(go0[best]), actual_power=float(go1[best]), en_p0=float(en0[best]),
        en_p1=float(en1[best]), n_designs=int(ok.sum()), n_excluded=n_excluded)
