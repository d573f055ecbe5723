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

.. rubric:: References

.. [1] Mander AP, Thompson SG. Two-stage designs optimal under the alternative
   hypothesis for phase II cancer clinical trials. Contemp Clin Trials
   2010;31:572-578. doi:10.1016/j.cct.2010.07.008
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from thera_stats._checks import check_choice
from thera_stats.multistage import MultiStageDesign

__all__ = [
    "MT_CRITERIA",
    "DesignChoice",
    "as_multistage",
    "compare_designs",
    "mander_thompson_design",
]

MT_CRITERIA = ("optimal", "minimax", "optimal-p1")
_N_LIMIT = 1000
_EN_DECIMALS = 10


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


def as_multistage(design: Any) -> MultiStageDesign:
    """Any design of the package as a :class:`MultiStageDesign` (the one engine's object).

    Accepts a :class:`MultiStageDesign`, a :class:`DesignChoice`, a
    :class:`~thera_stats.simon.SimonDesign` or a
    :class:`~thera_stats.simon.SingleStageDesign`.
    """
    from thera_stats.simon import SimonDesign, SingleStageDesign

    if isinstance(design, MultiStageDesign):
        return design
    if isinstance(design, DesignChoice):
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
        ``design, looks, n_max, futility, efficacy, alpha, power, en_p0, en_p1,
        pet_p0, pet_p1``: exact type I error and power, expected sample size
        and probability of an early stop under p0 and p1.

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
    for name, d in ms.items():
        oc = d.operating_characteristics([q0, q1])
        eff = [str(e) if e < n else "-" for e, n in zip(d.efficacy, d.sizes, strict=False)]
        rows.append({
            "design": name, "looks": d.n_looks, "n_max": d.n_max,
            "sizes": "/".join(map(str, d.sizes)), "futility": "/".join(map(str, d.futility)),
            "efficacy": "/".join(eff) or "-", "alpha": float(oc.prob_go[0]),
            "power": float(oc.prob_go[1]), "en_p0": float(oc.expected_n[0]),
            "en_p1": float(oc.expected_n[1]), "pet_p0": float(oc.prob_early_stop[0]),
            "pet_p1": float(oc.prob_early_stop[1]),
        })
    return pd.DataFrame(rows)
