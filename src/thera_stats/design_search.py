r"""Searches for single-arm multi-stage designs: each family a way of choosing the bounds.

:func:`mander_thompson_design` finds the two-stage design with a stage-1
futility **and** efficacy stop (Mander & Thompson [1]_) that meets the error
rates exactly and is best by the chosen criterion. The design it returns is a
:class:`~thera_stats.multistage.MultiStageDesign`, so its operating
characteristics, decisions and inference come from the one engine.

*Convention.* Stop with "no go" after :math:`n_1` patients if :math:`X_1 \le
a_1`, with "go" if :math:`X_1 > e_1` (:math:`e_1 = n_1`: no efficacy stop, so
Simon's designs are members of the family); otherwise treat :math:`n - n_1`
more and say "go" iff :math:`X > r`.

*Exactness.* For fixed :math:`(n_1, n, a_1, e_1)` both error rates fall as
:math:`r` grows, and the expected sample sizes do not depend on :math:`r`; so
the best :math:`r` is the smallest with :math:`P_{p_0}(\text{go}) \le \alpha`
(the most powerful), and :math:`(n_1, n, a_1, e_1)` is feasible iff that
:math:`r` reaches the power. For each :math:`(n_1, n)` all :math:`(a_1, e_1,
r)` are evaluated at once from cumulative sums of
:math:`b(x; n_1, p)\,P(X_2 > r - x)`.

*No silent truncation.* Any design's maximum :math:`n` is at least the
randomised UMP test's sample size, so the minimax search starts there and
increases :math:`n`. A design better than the best found so far, :math:`E^*`,
for the expected size :math:`EN(p_j) = n_1 + (n - n_1)\,P_{p_j}(a_1 < X_1 \le
e_1)` has :math:`n_1 < E^*`; the constraints give :math:`P_{p_0}(a_1 < X_1 \le
e_1) \ge P_{p_0}(X_1 > \bar a_1) - \alpha` (:math:`\bar a_1` the largest
:math:`a_1` with :math:`P_{p_1}(X_1 > a_1) \ge` power) and
:math:`P_{p_1}(a_1 < X_1 \le e_1) \ge \text{power} - P_{p_1}(X_1 > \underline
e_1)` (:math:`\underline e_1` the smallest :math:`e_1` with
:math:`P_{p_0}(X_1 > e_1) \le \alpha`), which bound :math:`n - n_1`. Both lower
bounds are positive for every :math:`n_1 < E^*`: otherwise stage 1 alone would
be a feasible single-stage test smaller than :math:`E^*`, which the search
contains. The region so bounded is searched exhaustively.

:func:`three_stage_design` finds Chen's [2]_ three-stage designs: looks after
:math:`n_1 < n_2 < n_3` patients, "no go" at look :math:`k` if :math:`X_k \le
a_k` with :math:`0 \le a_1 < a_2 < a_3` (a futility stop possible at both
interim looks), optionally "go" if :math:`X_k > e_k` at :math:`k = 1, 2`
(:math:`a_k < e_k`, each reachable, :math:`e_1 \le e_2` when both are used),
and "go" at look 3 iff :math:`X_3 > a_3`, with :math:`a_3` below the largest
count a continuing trial can reach. Write :math:`m_k = n_k - n_{k-1}`,
:math:`f_2` for the distribution of :math:`X_2` among the trials that run stage
2, :math:`q_1^{(j)}, q_2^{(j)}` for the probabilities under :math:`p_j` that
stages 2 and 3 are run and :math:`s^{(j)}` for that of an efficacy stop.

*Exactness.* For fixed looks 1-2 and :math:`m_3`, :math:`P_j(\text{go}) =
s^{(j)} + \sum_{a_2 < y \le \bar y} f_2(y)\, P_j(B(m_3) > a_3 - y)` falls with
:math:`a_3` and :math:`EN(p_j) = n_1 + m_2 q_1^{(j)} + m_3 q_2^{(j)}` does not
depend on it, so the best :math:`a_3` is the smallest with :math:`P_0(\text{go})
\le \alpha`, found by bisection in the cumulative sums over :math:`y` of
:math:`f_2(y)\,P(B(m_3) > t - y)`.

*No silent truncation.* (i) Every design has :math:`n_3` at least the UMP
bound, so :math:`m_3 \ge n_{\text{UMP}} - n_2`; the minimax search increases
:math:`n_3` from there and evaluates every design of each :math:`n_3`. (ii) A
design with :math:`EN(p_j) \le E` has :math:`n_1 < E`, :math:`m_2 < (E -
n_1)/q_1^{(j)}` and :math:`m_3 \le (E - n_1 - m_2 q_1^{(j)})/q_2^{(j)}`, and
:math:`q_1^{(j)}, q_2^{(j)} > 0` for every admissible choice of looks 1-2, so
the region is finite. (iii) For fixed looks 1-2, :math:`EN(p_j)` grows
strictly with :math:`m_3`: only the smallest feasible :math:`m_3` of each
choice can be optimal, and its search stops there. (iv) Given that a trial
reaches look 3, the likelihood ratio of its path depends on :math:`X_3` alone,
so the randomised test of the stage-3 trials that rejects for large
:math:`X_3` at the alpha the efficacy stops leave bounds the power of every
stage-3 rule (Neyman-Pearson); more patients never lower it, so a choice of
looks 1-2 whose bound at the largest admissible :math:`m_3` is below the power
is infeasible for every smaller :math:`m_3` and is dropped. The bound
:math:`E` starts at :math:`0.6\,n_{\text{UMP}}` and grows by 20% while no
design has :math:`EN(p_j) \le E`; the first search that finds one has
searched every design that could beat it, and :math:`E` then falls to the best
found. Beyond 1000 patients the search stops with an error, never silently.
Necessary conditions (:math:`P_1(X_1 > a_1) \ge` power, :math:`s^{(0)} \le
\alpha`, :math:`s^{(1)} + q_2^{(1)} \ge` power) discard choices early.

.. rubric:: References

.. [1] Mander AP, Thompson SG. Two-stage designs optimal under the alternative
   hypothesis for phase II cancer clinical trials. Contemp Clin Trials
   2010;31:572-578. doi:10.1016/j.cct.2010.07.008
.. [2] Chen TT. Optimal three-stage designs for phase II cancer clinical trials.
   Stat Med 1997;16:2701-2711.
   doi:10.1002/(SICI)1097-0258(19971215)16:23<2701::AID-SIM704>3.0.CO;2-1
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd

from thera_stats import _distributions as stats
from thera_stats._checks import check_choice
from thera_stats.multistage import MultiStageDesign

__all__ = [
    "MT_CRITERIA",
    "THREE_STAGE_CRITERIA",
    "DesignChoice",
    "as_multistage",
    "compare_designs",
    "mander_thompson_design",
    "three_stage_design",
]

MT_CRITERIA = ("optimal", "minimax", "optimal-p1")
THREE_STAGE_CRITERIA = ("optimal", "minimax", "optimal-p1")
_N_LIMIT = 1000
_EN_DECIMALS = 10
_EN_SLACK = 1e-9  # pruning keeps designs within rounding of the best so far


@dataclass(frozen=True, slots=True)
class DesignChoice:
    """A design found by a search, with the targets it meets and why it was chosen.

    Attributes
    ----------
    design : MultiStageDesign
        The bounds (use it for operating characteristics, decisions, inference).
    family, criterion : str
        How it was found (``"mander-thompson"``, ``"optimal"`` ...).
    alpha, power : float
        The targets.
    actual_alpha, actual_power : float
        Exact :math:`P_{p_0}(\\text{go})` and :math:`P_{p_1}(\\text{go})`.
    en_p0, en_p1 : float
        Expected sample sizes under p0 and p1.
    """

    design: MultiStageDesign
    family: str
    criterion: str
    alpha: float
    power: float
    actual_alpha: float
    actual_power: float
    en_p0: float
    en_p1: float

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: the bounds, the targets, the exact error rates, the expected sizes."""
        d = self.design
        eff = [str(e) if e < n else "-" for e, n in zip(d.efficacy, d.sizes, strict=False)]
        return pd.DataFrame([{
            "family": self.family, "criterion": self.criterion,
            "sizes": "/".join(map(str, d.sizes)), "futility": "/".join(map(str, d.futility)),
            "efficacy": "/".join(eff) or "-", "alpha": self.alpha, "power": self.power,
            "actual_alpha": self.actual_alpha, "actual_power": self.actual_power,
            "en_p0": self.en_p0, "en_p1": self.en_p1,
        }])

    def summary(self) -> pd.DataFrame:
        """The chosen design look by look: bounds and the exact probabilities of stopping
        at each look under p0 and p1 (:meth:`MultiStageDesign.summary`)."""
        return self.design.summary()

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))

    def __repr__(self) -> str:
        d = self.design
        eff = [e if e < n else None for e, n in zip(d.efficacy, d.sizes, strict=False)]
        return (f"DesignChoice({self.family} {self.criterion}: sizes={list(d.sizes)}, "
                f"futility={list(d.futility)}, efficacy={eff}, alpha={self.actual_alpha:.4f}, "
                f"power={self.actual_power:.4f}, EN0={self.en_p0:.2f}, EN1={self.en_p1:.2f})")


def _check(p0: Any, p1: Any, alpha: Any, power: Any) -> tuple[float, float, float, float]:
    out = []
    for name, v in (("p0", p0), ("p1", p1), ("alpha", alpha), ("power", power)):
        if isinstance(v, bool) or not isinstance(v, int | float | np.floating):
            raise TypeError(f"`{name}` ({v!r}) must be a number.")
        out.append(float(v))
    p0f, p1f, a, pw = out
    if not 0.0 < p0f < p1f < 1.0:
        raise ValueError(f"need 0 < p0 < p1 < 1; got p0 = {p0!r}, p1 = {p1!r}.")
    if not 0.0 < a < 0.5:
        raise ValueError(f"`alpha` ({alpha!r}) must lie in (0, 0.5): a one-sided type I error.")
    if not a < pw < 1.0:
        raise ValueError(f"`power` ({power!r}) must lie in (alpha, 1) = ({a:g}, 1).")
    return p0f, p1f, a, pw


class _Stage:
    """Binomial tables for one (n1, n): everything the bounds need, as arrays."""

    def __init__(self, n1: int, n: int, p0: float, p1: float) -> None:
        m = n - n1
        x = np.arange(n1 + 1)
        r = np.arange(n)
        self.n1, self.n, self.m = n1, n, m
        self.b = [stats.binom.pmf(x, n1, p) for p in (p0, p1)]
        # U[j][e] = P(X1 > e) for e = -1..n1 (index e + 1).
        self.u = [np.concatenate([[1.0], stats.binom.sf(x, n1, p)]) for p in (p0, p1)]
        # C[j][i, r] = sum_{x < i} b(x) P(X2 > r - x), i = 0..n1+1.
        self.c = []
        for j, p in enumerate((p0, p1)):
            tail = stats.binom.sf(r[None, :] - x[:, None], m, p)  # P(X2 > r - x)
            w = self.b[j][:, None] * tail
            self.c.append(np.vstack([np.zeros((1, n)), np.cumsum(w, axis=0)]))

    def prob_go(self, j: int, a1: npt.NDArray[np.int64], e1: npt.NDArray[np.int64]) -> Any:
        """P_j(go) for every r = 0..n-1, shape a1.shape + (n,)."""
        c = self.c[j]
        return (self.u[j][e1 + 1][..., None] + c[e1 + 1] - c[a1 + 1])


def _best_for(stage: _Stage, alpha: float, power: float) -> list[tuple[Any, ...]]:
    """Feasible (a1, e1, r, alpha, power, EN0, EN1) of one (n1, n), each with its best r."""
    n1, n, m = stage.n1, stage.n, stage.m
    a1, e1 = np.meshgrid(np.arange(-1, n1), np.arange(0, n1 + 1), indexing="ij")
    ok = e1 > a1
    a1, e1 = a1[ok], e1[ok]
    go0 = stage.prob_go(0, a1, e1)
    # Smallest r with P0(go) <= alpha: the count of r whose size exceeds alpha (decreasing in r).
    r = (go0 > alpha * (1 + 1e-12)).sum(axis=1)
    feasible = r < n
    r = np.minimum(r, n - 1)
    size = np.take_along_axis(go0, r[:, None], axis=1)[:, 0]
    pw = np.take_along_axis(stage.prob_go(1, a1, e1), r[:, None], axis=1)[:, 0]
    r_eff = np.maximum(r, np.maximum(a1, 0))
    feasible &= (pw >= power * (1 - 1e-12)) & (r_eff < e1 + m)
    out = []
    for i in np.flatnonzero(feasible).tolist():
        cont0 = stage.u[0][a1[i] + 1] - stage.u[0][e1[i] + 1]
        cont1 = stage.u[1][a1[i] + 1] - stage.u[1][e1[i] + 1]
        out.append((int(a1[i]), int(e1[i]), int(r_eff[i]), float(size[i]), float(pw[i]),
                    n1 + m * float(cont0), n1 + m * float(cont1)))
    return out


def _ump_lower_bound(p0: float, p1: float, alpha: float, power: float) -> int:
    from thera_stats.simon import _Search  # the randomised-UMP bound, written once there

    return int(_Search(p0, p1, alpha, power)._ump_lower_bound())


def mander_thompson_design(
    p0: float,
    p1: float,
    *,
    alpha: float = 0.05,
    power: float = 0.80,
    criterion: str = "optimal",
) -> DesignChoice:
    r"""The best two-stage design with a stage-1 futility and efficacy stop.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    alpha : float
        Bound on the exact type I error, in (0, 0.5).
    power : float
        Required exact power, in (alpha, 1).
    criterion : {"optimal", "minimax", "optimal-p1"}
        ``"optimal"``: smallest :math:`EN(p_0)`; ``"minimax"``: smallest
        :math:`n`, then smallest :math:`EN(p_0)`; ``"optimal-p1"``: smallest
        :math:`EN(p_1)` (Mander & Thompson's design optimal under the
        alternative). Ties: smaller :math:`n`, then :math:`n_1`, :math:`a_1`,
        :math:`e_1`.

    Returns
    -------
    DesignChoice
        The design (a :class:`MultiStageDesign`) with its exact error rates and
        expected sizes.

    Raises
    ------
    ValueError
        For rates or error rates out of range (quoted), or when no design has
        at most 1000 patients.

    Notes
    -----
    The module docstring proves that the region searched contains the optimum.

    Examples
    --------
    >>> from thera_stats.design_search import mander_thompson_design
    >>> best = mander_thompson_design(0.2, 0.4, alpha=0.1, power=0.9)
    >>> best.design.sizes, best.design.futility, best.design.efficacy
    ((16, 41), (3, 11), (6,))
    """
    p0f, p1f, a, pw = _check(p0, p1, alpha, power)
    crit = check_choice("criterion", criterion, MT_CRITERIA)
    j = 1 if crit == "optimal-p1" else 0
    n_lo = _ump_lower_bound(p0f, p1f, a, pw)
    cache: dict[tuple[int, int], list[tuple[Any, ...]]] = {}

    def feasible(n1: int, n: int) -> list[tuple[Any, ...]]:
        if (n1, n) not in cache:
            cache[(n1, n)] = _best_for(_Stage(n1, n, p0f, p1f), a, pw)
        return cache[(n1, n)]

    def key(c: tuple[Any, ...]) -> tuple[Any, ...]:
        n1, n, (a1, e1, _r, _s, _p, en0, en1) = c
        en = (en0, en1)[j] if crit != "minimax" else en0
        return (n if crit == "minimax" else 0, round(en, _EN_DECIMALS), n, n1, a1, e1)

    # Minimax: the smallest n with a feasible design.
    minimax: list[tuple[Any, ...]] = []
    n = n_lo
    while not minimax:
        if n > _N_LIMIT:
            raise ValueError(f"No Mander-Thompson design with at most {_N_LIMIT} patients meets "
                             f"alpha = {a:g} and power = {pw:g} for p0 = {p0f:g}, p1 = {p1f:g}.")
        minimax = [(n1, n, f) for n1 in range(1, n) for f in feasible(n1, n)]
        n += 1
    best = min(minimax, key=key)
    if crit != "minimax":
        best = _search_region(best, j, a, pw, p0f, p1f, n_lo, feasible, key)
    return _choice(best, p0f, p1f, a, pw, crit)


def _search_region(best: tuple[Any, ...], j: int, alpha: float, power: float, p0: float,
                   p1: float, n_lo: int, feasible: Any, key: Any) -> tuple[Any, ...]:
    """Exhaustive search of the provably sufficient region (module docstring)."""
    def bound(n1: int, e_star: float) -> int:
        x = np.arange(n1 + 1)
        if j == 0:
            sf1 = stats.binom.sf(np.arange(-1, n1), n1, p1)
            a_bar = int(np.flatnonzero(sf1 >= power * (1 - 1e-12))[-1]) - 1
            low = float(stats.binom.sf(a_bar, n1, p0)) - alpha
        else:
            sf0 = stats.binom.sf(x, n1, p0)
            ok = np.flatnonzero(sf0 <= alpha * (1 + 1e-12))
            e_low = int(ok[0]) if ok.size else n1
            low = power - float(stats.binom.sf(e_low, n1, p1))
        if low <= 0:  # stage 1 alone is a feasible test: n1 >= the single-stage size
            return n1 + 1
        return n1 + math.floor((e_star - n1) / low + 1e-9)

    e_star = best[2][5 + j]
    n1 = 1
    while n1 < e_star:
        top = bound(n1, e_star)
        for n in range(max(n1 + 1, n_lo), min(top, _N_LIMIT) + 1):
            for f in feasible(n1, n):
                cand = (n1, n, f)
                if key(cand) < key(best):
                    best = cand
                    e_star = best[2][5 + j]
        n1 += 1
    return best


def _choice(best: tuple[Any, ...], p0: float, p1: float, alpha: float, power: float,
            criterion: str) -> DesignChoice:
    n1, n, (a1, e1, r, size, pw, en0, en1) = best
    design = MultiStageDesign(p0, p1, [n1, n], [a1, r], [e1] if e1 < n1 else None)
    return DesignChoice(design=design, family="mander-thompson", criterion=criterion,
                        alpha=alpha, power=power, actual_alpha=size, actual_power=pw,
                        en_p0=en0, en_p1=en1)


# =========================================================================== three stages
class _Candidate(NamedTuple):
    """One feasible three-stage design (``e_k = n_k``: no efficacy stop at look k)."""

    n1: int
    n2: int
    n3: int
    a1: int
    e1: int
    a2: int
    e2: int
    a3: int
    size: float
    power: float
    en_p0: float
    en_p1: float


class _BinomialTables:
    """``pmf[j][m, x]`` = b(x; m, p_j) and ``sf[j][m, t + 1]`` = P(B(m, p_j) > t), t >= -1."""

    def __init__(self, p0: float, p1: float) -> None:
        self.p = (p0, p1)
        self.size = -1
        self.pmf: list[npt.NDArray[np.float64]] = []
        self.sf: list[npt.NDArray[np.float64]] = []

    def ensure(self, size: int) -> None:
        if size <= self.size:
            return
        size = max(size, 2 * self.size, 64)
        m = np.arange(size + 1)[:, None]
        k = np.arange(size + 1)[None, :]
        self.pmf = [stats.binom.pmf(k, m, p) for p in self.p]
        self.sf = []
        for p in self.p:
            sf = np.ones((size + 1, size + 2))
            sf[:, 1:] = stats.binom.sf(k, m, p)
            self.sf.append(sf)
        self.size = size


@dataclass(frozen=True, slots=True)
class _Looks12:
    """Every admissible choice of (a1, e1, a2, e2) for one (n1, n2), one row each.

    ``q[j]`` = P_j(X1 in (a1, e1]) (stage 2 is run), ``q2[j]`` = P_j(stage 3 is run),
    ``stop_go[j]`` = P_j(efficacy stop at look 1 or 2), ``f2[j][u]`` = P_j(X2 = y, stage 2 run)
    for the row's stage-1 choice ``u = cfg[row]``; ``top`` = the largest X2 that continues.
    """

    n1: int
    n2: int
    cfg: npt.NDArray[np.int64]
    a1: npt.NDArray[np.int64]
    e1: npt.NDArray[np.int64]
    a2: npt.NDArray[np.int64]
    e2: npt.NDArray[np.int64]
    top: npt.NDArray[np.int64]
    q1: npt.NDArray[np.float64]
    q2: npt.NDArray[np.float64]
    stop_go: npt.NDArray[np.float64]
    f2: tuple[npt.NDArray[np.float64], npt.NDArray[np.float64]]

    def __len__(self) -> int:
        return int(self.a2.size)


class _ThreeStageSearch:
    """Exact evaluation of three-stage designs and the proof-bounded searches (module docstring)."""

    def __init__(self, p0: float, p1: float, alpha: float, power: float, efficacy: bool) -> None:
        self.p0, self.p1, self.alpha, self.power, self.efficacy = p0, p1, alpha, power, efficacy
        self.alpha_tol = alpha * (1 + 1e-12)
        self.power_tol = power * (1 - 1e-12)
        self.n_lo = max(_ump_lower_bound(p0, p1, alpha, power), 3)
        self.tab = _BinomialTables(p0, p1)
        self.tab.ensure(3 * self.n_lo + 16)
        self._stage1: dict[int, tuple[npt.NDArray[np.int64], ...]] = {}

    # ------------------------------------------------------------------ the looks 1 and 2
    def stage1(self, n1: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
        """(a1, e1) that can belong to a feasible design: P1(X1 > a1) >= power (go needs
        X1 > a1) and P0(X1 > e1) <= alpha (an efficacy stop says go)."""
        if n1 not in self._stage1:
            self.tab.ensure(n1 + 1)
            u0, u1 = (self.tab.sf[j][n1, : n1 + 2] for j in (0, 1))  # u[a + 1] = P(X1 > a)
            a1 = np.arange(n1)
            a1 = a1[u1[a1 + 1] >= self.power_tol]
            if self.efficacy:
                aa, ee = np.meshgrid(a1, np.arange(n1 + 1), indexing="ij")
                ok = (ee > aa) & (u0[ee + 1] <= self.alpha_tol)
                a1, e1 = aa[ok], ee[ok]
            else:
                e1 = np.full(a1.size, n1)
            self._stage1[n1] = (a1.astype(np.int64), e1.astype(np.int64))
        a1, e1 = self._stage1[n1]
        return a1, e1

    def looks12(self, n1: int, n2: int, a1: npt.NDArray[np.int64],
                e1: npt.NDArray[np.int64]) -> _Looks12:
        """All (a2, e2) for the stage-1 choices (a1, e1), with the stage-2 distributions."""
        tab = self.tab
        tab.ensure(n2 + 1)
        m2 = n2 - n1
        x = np.arange(n1 + 1)
        d = np.arange(n2 + 1)[None, :] - x[:, None]
        inside = (d >= 0) & (d <= m2)
        live = (x[None, :] > a1[:, None]) & (x[None, :] <= e1[:, None])
        f2, cum = [], []
        for j in (0, 1):
            toeplitz = np.where(inside, tab.pmf[j][m2][np.clip(d, 0, m2)], 0.0)
            f = np.where(live, tab.pmf[j][n1, : n1 + 1][None, :], 0.0) @ toeplitz
            f2.append(f)
            cum.append(np.concatenate([np.zeros((f.shape[0], 1)), np.cumsum(f, axis=1)], axis=1))
        u = [tab.sf[j][n1, : n1 + 2] for j in (0, 1)]
        # a1 < a2 < e1 + m2 (stage 2 can stop for futility and can continue); e2 > a2, and a
        # genuine efficacy bound is reachable (e2 < e1 + m2) and not below e1.
        a2 = np.arange(n2)[None, :, None]
        e2 = (np.arange(n2 + 1) if self.efficacy else np.array([n2]))[None, None, :]
        a1_, e1_ = a1[:, None, None], e1[:, None, None]
        ok = (a2 > a1_) & (a2 < e1_ + m2) & (e2 > a2)
        ok &= (e2 == n2) | ((e2 < e1_ + m2) & ((e1_ == n1) | (e2 >= e1_)))
        cfg, a2i, e2i = np.nonzero(np.broadcast_to(ok, (a1.size, n2, e2.shape[2])))
        a2v = a2i.astype(np.int64)
        e2v = e2.ravel()[e2i].astype(np.int64)
        top = np.where(e2v < n2, e2v, e1[cfg] + m2)
        q1 = np.stack([u[j][a1[cfg] + 1] - u[j][e1[cfg] + 1] for j in (0, 1)])
        q2 = np.stack([cum[j][cfg, top + 1] - cum[j][cfg, a2v + 1] for j in (0, 1)])
        stop_go = np.stack([u[j][e1[cfg] + 1] + cum[j][cfg, n2 + 1] - cum[j][cfg, top + 1]
                            for j in (0, 1)])
        # Necessary for feasibility: P0(go) >= the efficacy stops; P1(go) <= those + P1(stage 3).
        keep = (stop_go[0] <= self.alpha_tol) & (stop_go[1] + q2[1] >= self.power_tol)
        return _Looks12(n1=n1, n2=n2, cfg=cfg[keep], a1=a1[cfg[keep]], e1=e1[cfg[keep]],
                        a2=a2v[keep], e2=e2v[keep], top=top[keep], q1=q1[:, keep],
                        q2=q2[:, keep], stop_go=stop_go[:, keep], f2=(f2[0], f2[1]))

    # ------------------------------------------------------------------ look 3
    def _tails(self, rows: _Looks12, j: int, used: npt.NDArray[np.int64],
               m3s: npt.NDArray[np.int64], y0: int, y1: int,
               width: int) -> npt.NDArray[np.float64]:
        """``cum[u, m, k, t - y0]`` = sum over y0 <= y < y0 + k of P_j(X2 = y, stage 2 run)
        P_j(B(m3s[m]) > t - y), for t = y0 .. width - 1: the probability of "go" at look 3 of
        the trials continuing with a2 < X2 <= top is cum[.., top + 1 - y0, t] - cum[..,
        a2 + 1 - y0, t]. Only y in (min a2, max top] can continue and only a3 > min a2 is
        admissible, so the table starts at y0 = min a2 + 1."""
        self.tab.ensure(width + 1)
        y = np.arange(y0, y1 + 1)
        t = np.arange(y0, width)
        shift = np.clip(t[None, None, :] - y[None, :, None], -1, m3s[:, None, None]) + 1
        w = (rows.f2[j][used][:, None, y0 : y1 + 1, None]
             * self.tab.sf[j][m3s[:, None, None], shift][None])
        cum = np.zeros((used.size, m3s.size, y.size + 1, t.size))
        np.cumsum(w, axis=2, out=cum[:, :, 1:])
        return cum

    def evaluate(self, rows: _Looks12, idx: npt.NDArray[np.int64],
                 m3s: npt.NDArray[np.int64]) -> tuple[npt.NDArray[Any], ...]:
        """For rows ``idx`` and each stage-3 size in ``m3s`` (increasing): the smallest a3
        with P0(go) <= alpha, whether it is admissible and meets the power, and the exact
        P0(go) and P1(go); arrays of shape (len(idx), len(m3s))."""
        width = rows.n2 + int(m3s[-1])  # a3 = 0 .. n3 - 1
        used, which = np.unique(rows.cfg[idx], return_inverse=True)
        a2, top = rows.a2[idx], rows.top[idx]
        y0, y1 = int(a2.min()) + 1, int(top.max())
        y = np.arange(y0, y1 + 1)
        cum0 = self._tails(rows, 0, used, m3s, y0, y1, width)
        g, mm = which[:, None], np.arange(m3s.size)[None, :]
        hi_k, lo_k = (top + 1 - y0)[:, None], (a2 + 1 - y0)[:, None]
        base0 = rows.stop_go[0][idx][:, None]
        # Bisection for the smallest a3 in (a2, top + m3) with P0(go) <= alpha (P0(go) falls
        # as a3 grows); a3 = top + m3 (stage 3 could never say go) marks "none".
        lo = np.broadcast_to(a2[:, None] + 1, (idx.size, m3s.size)).copy()
        hi = top[:, None] + m3s[None, :]
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) // 2
            ti = mid - y0
            size = base0 + cum0[g, mm, hi_k, ti] - cum0[g, mm, lo_k, ti]
            good = size <= self.alpha_tol
            hi = np.where(active & good, mid, hi)
            lo = np.where(active & ~good, mid + 1, lo)
        a3 = lo
        ok = a3 < top[:, None] + m3s[None, :]
        ti = np.minimum(a3, width - 1) - y0
        size = base0 + cum0[g, mm, hi_k, ti] - cum0[g, mm, lo_k, ti]
        power = np.zeros(a3.shape)
        r, m = np.nonzero(ok)
        if r.size:
            cont = (y[None, :] > a2[r][:, None]) & (y[None, :] <= top[r][:, None])
            k = np.clip(a3[r, m][:, None] - y[None, :], -1, m3s[m][:, None]) + 1
            f1 = rows.f2[1][rows.cfg[idx][r]][:, y0 : y1 + 1]
            power[r, m] = rows.stop_go[1][idx][r] + np.sum(
                np.where(cont, f1 * self.tab.sf[1][m3s[m][:, None], k], 0.0), axis=1)
            ok[r, m] = power[r, m] >= self.power_tol
        return a3, ok, size, power

    def np_power(self, rows: _Looks12, idx: npt.NDArray[np.int64],
                 m3: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
        """An upper bound on P1(go) over every design with these looks 1 and 2 and a stage 3
        of at most ``m3`` patients (one per row): the randomised Neyman-Pearson test of the
        stage-3 trials at the alpha the efficacy stops leave. Given that a trial reaches
        look 3 its likelihood ratio depends on X3 alone, so that test rejects for large X3;
        more patients never lower its power, so the bound holds for every smaller m3."""
        a2, top = rows.a2[idx], rows.top[idx]
        y0, y1 = int(a2.min()) + 1, int(top.max())
        used, which = np.unique(rows.cfg[idx], return_inverse=True)
        m3u, mi = np.unique(m3, return_inverse=True)
        width = y1 + int(m3u[-1]) + 1
        cum = [self._tails(rows, j, used, m3u, y0, y1, width) for j in (0, 1)]
        base = [rows.stop_go[j][idx] for j in (0, 1)]
        hi_k, lo_k = top + 1 - y0, a2 + 1 - y0

        def go(j: int, t: npt.NDArray[np.int64]) -> npt.NDArray[np.float64]:
            ti = np.clip(t, y0, width - 1) - y0
            out = base[j] + cum[j][which, mi, hi_k, ti] - cum[j][which, mi, lo_k, ti]
            # a3 <= a2: every continuing trial says go at look 3.
            return np.asarray(np.where(t < y0, base[j] + rows.q2[j][idx], out))

        lo, hi = a2 + 1, top + m3  # P0(go) at a3 = top + m3 is the efficacy stops alone
        while True:
            active = lo < hi
            if not active.any():
                break
            mid = (lo + hi) // 2
            good = go(0, mid) <= self.alpha
            hi = np.where(active & good, mid, hi)
            lo = np.where(active & ~good, mid + 1, lo)
        s_at, s_below = go(0, lo), go(0, lo - 1)
        p_at, p_below = go(1, lo), go(1, lo - 1)
        atom = s_below - s_at
        gamma = np.clip(np.where(atom > 0, (self.alpha - s_at) / np.where(atom > 0, atom, 1.0),
                                 0.0), 0.0, 1.0)
        bound = p_at + gamma * (p_below - p_at)
        every = base[0] + rows.q2[0][idx] <= self.alpha  # stage 3 may say go to all
        return np.where(every, base[1] + rows.q2[1][idx], bound)

    def _candidates(self, rows: _Looks12, idx: npt.NDArray[np.int64],
                    m3: npt.NDArray[np.int64], a3: npt.NDArray[np.int64],
                    size: npt.NDArray[np.float64],
                    power: npt.NDArray[np.float64]) -> list[_Candidate]:
        n1, n2 = rows.n1, rows.n2
        out = []
        for i, row in enumerate(idx.tolist()):
            en = [n1 + (n2 - n1) * float(rows.q1[j][row]) + int(m3[i]) * float(rows.q2[j][row])
                  for j in (0, 1)]
            out.append(_Candidate(n1, n2, n2 + int(m3[i]), int(rows.a1[row]), int(rows.e1[row]),
                                  int(rows.a2[row]), int(rows.e2[row]), int(a3[i]),
                                  float(size[i]), float(power[i]), en[0], en[1]))
        return out

    # ------------------------------------------------------------------ the searches
    def minimax(self) -> _Candidate:
        """The smallest n3 with a feasible design (n3 upward from the UMP bound, every design
        of each n3 evaluated); among those the smallest EN(p0)."""
        for n3 in range(self.n_lo, _N_LIMIT + 1):
            found: list[_Candidate] = []
            bound = math.inf  # only a smaller EN(p0) can beat a design of the same n3
            for n1 in range(1, n3 - 1):
                a1, e1 = self.stage1(n1)
                if not a1.size:
                    continue
                for n2 in range(n1 + 1, n3):
                    rows = self.looks12(n1, n2, a1, e1)
                    en0 = n1 + (n2 - n1) * rows.q1[0] + (n3 - n2) * rows.q2[0]
                    idx = np.flatnonzero(en0 <= bound)
                    if not idx.size:
                        continue
                    a3, ok, size, power = self.evaluate(rows, idx, np.array([n3 - n2]))
                    hit = np.flatnonzero(ok[:, 0])
                    found += self._candidates(rows, idx[hit], np.full(hit.size, n3 - n2),
                                              a3[hit, 0], size[hit, 0], power[hit, 0])
                    if found:
                        bound = min(c.en_p0 for c in found) + _EN_SLACK
            if found:
                return min(found, key=lambda c: _three_stage_key(c, "minimax"))
        raise ValueError(self._too_large())

    def optimal(self, criterion: str) -> _Candidate:
        """The smallest EN(p0) (or EN(p1)): bounded searches with a growing cap."""
        cap = 0.6 * self.n_lo
        while True:
            best = self._below(criterion, cap)
            if best is not None:
                return best
            cap *= 1.2

    def _below(self, criterion: str, cap: float) -> _Candidate | None:
        """The best design with EN_j <= cap, or None: exhaustive within the bounds."""
        j = 1 if criterion == "optimal-p1" else 0
        best: _Candidate | None = None
        limit = cap + _EN_SLACK
        n1 = 1
        while n1 < limit:
            a1, e1 = self.stage1(n1)
            n2 = n1 + 1
            while a1.size:
                if n2 > _N_LIMIT:
                    raise ValueError(self._too_large())
                u = [self.tab.sf[i][n1, : n1 + 2] for i in (0, 1)]
                alive = n1 + (n2 - n1) * (u[j][a1 + 1] - u[j][e1 + 1]) < limit
                if not alive.any():
                    break  # EN_j >= n1 + m2 q1 grows with m2
                rows = self.looks12(n1, n2, a1[alive], e1[alive])
                base = n1 + (n2 - n1) * rows.q1[j]
                q2 = rows.q2[j]
                m3 = max(1, self.n_lo - n2)  # n3 >= the UMP bound
                idx = np.flatnonzero(base + m3 * q2 <= limit)
                if idx.size:
                    reach = np.minimum(np.floor((limit - base[idx]) / q2[idx]), _N_LIMIT - n2)
                    idx = idx[self.np_power(rows, idx, reach.astype(np.int64))
                              >= self.power_tol * (1 - 1e-9)]
                step = 8
                while idx.size:
                    reach = np.floor((limit - base[idx]) / q2[idx]).astype(np.int64)
                    hi = min(int(reach.max()), m3 + step - 1)
                    if n2 + hi > _N_LIMIT:
                        raise ValueError(self._too_large())
                    m3s = np.arange(m3, hi + 1)
                    a3, ok, size, power = self.evaluate(rows, idx, m3s)
                    ok &= m3s[None, :] <= reach[:, None]
                    # EN_j grows with m3: a row's first feasible m3 is its best.
                    hit = np.flatnonzero(ok.any(axis=1))
                    if hit.size:
                        first = ok[hit].argmax(axis=1)
                        new = self._candidates(rows, idx[hit], m3s[first], a3[hit, first],
                                               size[hit, first], power[hit, first])
                        if best is not None:
                            new.append(best)
                        best = min(new, key=lambda c: _three_stage_key(c, criterion))
                        limit = min(limit, (best.en_p1 if j else best.en_p0) + _EN_SLACK)
                    idx = idx[~ok.any(axis=1)]
                    m3 = hi + 1
                    idx = idx[base[idx] + m3 * q2[idx] <= limit]
                    step *= 2
                n2 += 1
            n1 += 1
        return best

    def _too_large(self) -> str:
        return (f"No three-stage design with at most {_N_LIMIT} patients could be proven best "
                f"for p0 = {self.p0:g}, p1 = {self.p1:g}, alpha = {self.alpha:g}, power = "
                f"{self.power:g}: the rates are too close.")


def _three_stage_key(c: _Candidate, criterion: str) -> tuple[Any, ...]:
    en = c.en_p1 if criterion == "optimal-p1" else c.en_p0
    return (c.n3 if criterion == "minimax" else 0, round(en, _EN_DECIMALS), c.n3, c.n1, c.n2,
            c.a1, c.a2, c.e1, c.e2)


def three_stage_design(
    p0: float,
    p1: float,
    *,
    alpha: float = 0.05,
    power: float = 0.80,
    criterion: str = "optimal",
    efficacy: bool = False,
) -> DesignChoice:
    r"""The best three-stage design (Chen 1997), optionally with efficacy stops.

    Looks after :math:`n_1 < n_2 < n_3` patients. At look :math:`k = 1, 2`
    stop with "no go" if :math:`X_k \le a_k` (:math:`0 \le a_1 < a_2`: a
    futility stop that can happen at both interim looks, as in Chen's designs)
    and, with ``efficacy=True``, with "go" if :math:`X_k > e_k`; at the last
    look "go" iff :math:`X_3 > a_3` (:math:`a_3 > a_2`).

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    alpha : float
        Bound on the exact type I error :math:`P_{p_0}(\text{go})`, in (0, 0.5).
    power : float
        Required exact power :math:`P_{p_1}(\text{go})`, in (alpha, 1).
    criterion : {"optimal", "minimax", "optimal-p1"}
        ``"optimal"``: smallest :math:`EN(p_0)`; ``"minimax"``: smallest
        :math:`n_3`, then smallest :math:`EN(p_0)`; ``"optimal-p1"``: smallest
        :math:`EN(p_1)`. Ties (expected sizes equal to 10 decimals): smaller
        :math:`n_3`, then :math:`n_1`, :math:`n_2`, :math:`a_1`, :math:`a_2`,
        :math:`e_1`, :math:`e_2`; :math:`a_3` is always the smallest bound that
        keeps alpha (the most powerful).
    efficacy : bool
        Also search the efficacy bounds :math:`e_1, e_2`. Each is optional (the
        family contains every futility-only design), reachable, above its
        futility bound, and :math:`e_1 \le e_2` when both are used.

    Returns
    -------
    DesignChoice
        ``family="three-stage"``; ``.design`` is a :class:`MultiStageDesign`
        with three looks; exact error rates and expected sizes.

    Raises
    ------
    ValueError
        For rates or error rates out of range (quoted), an unknown criterion, or
        when the proven search region needs more than 1000 patients.
    TypeError
        For a non-numeric rate or a non-boolean ``efficacy``.

    Notes
    -----
    The error rates are exact binomial sums over the stage-wise distribution of
    the trials still running. The module docstring proves that the region
    searched contains the optimum (no bound on :math:`n` is guessed).

    Examples
    --------
    >>> from thera_stats.design_search import three_stage_design
    >>> best = three_stage_design(0.1, 0.3, alpha=0.05, power=0.8)
    >>> best.design.sizes, best.design.futility
    ((6, 17, 29), (0, 2, 5))
    >>> round(best.en_p0, 4), round(best.actual_alpha, 4), round(best.actual_power, 4)
    (13.4414, 0.0469, 0.8016)
    """
    p0f, p1f, a, pw = _check(p0, p1, alpha, power)
    crit = check_choice("criterion", criterion, THREE_STAGE_CRITERIA)
    if not isinstance(efficacy, bool | np.bool_):
        raise TypeError(f"`efficacy` ({efficacy!r}) must be True or False.")
    search = _ThreeStageSearch(p0f, p1f, a, pw, bool(efficacy))
    best = search.minimax() if crit == "minimax" else search.optimal(crit)
    eff = None
    if efficacy:
        eff = [best.e1 if best.e1 < best.n1 else None, best.e2 if best.e2 < best.n2 else None]
    design = MultiStageDesign(p0f, p1f, [best.n1, best.n2, best.n3], [best.a1, best.a2, best.a3],
                              eff)
    return DesignChoice(design=design, family="three-stage", criterion=crit, alpha=a, power=pw,
                        actual_alpha=best.size, actual_power=best.power, en_p0=best.en_p0,
                        en_p1=best.en_p1)


def as_multistage(design: Any) -> MultiStageDesign:
    """Any design of the package as a :class:`MultiStageDesign` (the one engine's object).

    Accepts a :class:`MultiStageDesign`, a :class:`~thera_stats.simon.SimonDesign`,
    a :class:`~thera_stats.simon.SingleStageDesign`, or any search result that
    holds one as ``.design`` (:class:`DesignChoice`, Sargent's
    :class:`~thera_stats.three_outcome.ThreeOutcomeChoice`, the Bayesian
    :class:`~thera_stats.bayesian_design.BOP2Design` and
    :class:`~thera_stats.bayesian_design.PredictiveDesign`).
    """
    from thera_stats.simon import SimonDesign, SingleStageDesign

    if isinstance(design, MultiStageDesign):
        return design
    if isinstance(getattr(design, "design", None), MultiStageDesign):
        return design.design
    if isinstance(design, SimonDesign):
        return MultiStageDesign(design.p0, design.p1, [design.n1, design.n],
                                [design.r1, design.r])
    if isinstance(design, SingleStageDesign):
        return MultiStageDesign(design.p0, design.p1, [design.n], [design.r])
    raise TypeError(f"cannot read {type(design).__name__} as a multi-stage design.")


def compare_designs(designs: Any, *, p0: float | None = None,
                    p1: float | None = None) -> pd.DataFrame:
    """Several designs of the same hypotheses side by side, one tidy row each.

    Parameters
    ----------
    designs : mapping of name to design
        Designs as :func:`as_multistage` accepts them.
    p0, p1 : float, optional
        The rates to evaluate at (default: the first design's).

    Returns
    -------
    DataFrame
        ``design, looks, n_max, sizes, futility, efficacy, alpha, power,
        en_p0, en_p1, pet_p0, pet_p1``: exact type I error and power, expected
        sample size and probability of an early stop under p0 and p1; when a
        design has three outcomes (Sargent) also ``inconclusive_p0,
        inconclusive_p1``, and its final "go" bound closes ``efficacy``.

    Examples
    --------
    >>> from thera_stats.design_search import compare_designs, mander_thompson_design
    >>> from thera_stats.simon import simon_design
    >>> table = compare_designs({
    ...     "Simon optimal": simon_design(0.2, 0.4, alpha=0.1, power=0.9),
    ...     "Mander-Thompson optimal": mander_thompson_design(0.2, 0.4, alpha=0.1, power=0.9)})
    >>> table[["design", "n_max", "en_p0"]].round(2)
                        design  n_max  en_p0
    0            Simon optimal     37  26.02
    1  Mander-Thompson optimal     41  25.38
    """
    if not hasattr(designs, "items") or not len(designs):
        raise ValueError("`designs` must be a non-empty mapping of name to design.")
    ms = {str(name): as_multistage(d) for name, d in designs.items()}
    first = next(iter(ms.values()))
    q0 = first.p0 if p0 is None else float(p0)
    q1 = first.p1 if p1 is None else float(p1)
    rows = []
    three = any(d.three_outcome for d in ms.values())
    for name, d in ms.items():
        oc = d.operating_characteristics([q0, q1])
        eff = [str(e) if e < n else "-" for e, n in zip(d.efficacy, d.sizes, strict=False)]
        if d.three_outcome:
            eff.append(str(d.final_go))
        rows.append({
            "design": name, "looks": d.n_looks, "n_max": d.n_max,
            "sizes": "/".join(map(str, d.sizes)), "futility": "/".join(map(str, d.futility)),
            "efficacy": "/".join(eff) or "-", "alpha": float(oc.prob_go[0]),
            "power": float(oc.prob_go[1]), "en_p0": float(oc.expected_n[0]),
            "en_p1": float(oc.expected_n[1]), "pet_p0": float(oc.prob_early_stop[0]),
            "pet_p1": float(oc.prob_early_stop[1]),
        } | ({"inconclusive_p0": float(oc.prob_inconclusive[0]),
              "inconclusive_p1": float(oc.prob_inconclusive[1])} if three else {}))
    return pd.DataFrame(rows)
