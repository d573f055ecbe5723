r"""Three-outcome designs (Sargent, Chan & Goldberg 2001): "go", "no go" or "inconclusive".

Sargent et al. [1]_ let a single-arm phase II trial end in one of three ways:
reject :math:`H_0: p = p_0` ("go"), reject :math:`H_A: p = p_1` ("no go"), or
reject neither ("inconclusive", left to clinical judgement). With :math:`X`
responses among :math:`n` patients and integers :math:`0 \le r`,
:math:`r + 2 \le s \le n`:

- "no go" if :math:`X \le r`, "go" if :math:`X \ge s`, "inconclusive" if
  :math:`r < X < s`.

Four exact binomial conditions define an admissible design:

.. math::

    \eta' = P_{p_0}(X \le r) \ge \eta, \qquad
    \beta' = P_{p_1}(X \le r) \le \beta, \qquad
    \alpha' = P_{p_0}(X \ge s) \le \alpha, \qquad
    \pi' = P_{p_1}(X \ge s) \ge \pi,

so :math:`\lambda = 1 - \eta - \alpha` and :math:`\delta = 1 - \beta - \pi` are the
largest allowed probabilities of an inconclusive result under :math:`p_0` and
:math:`p_1` (hence :math:`\eta + \alpha \le 1` and :math:`\pi + \beta \le 1`).

The two-stage version (Sargent et al., section 3) adds a futility look after
:math:`n_1` patients: stop with "no go" if :math:`X_1 \le r_1`, otherwise treat
:math:`n_2 = n - n_1` more and apply the three-outcome rule to the total
:math:`X`, with :math:`\eta' = P_{p_0}(X_1 \le r_1) + P_{p_0}(X_1 > r_1, X \le r)`,
:math:`\beta'` the same at :math:`p_1`, :math:`\alpha' = P_{p_0}(X_1 > r_1, X \ge s)`
and :math:`\pi'` the same at :math:`p_1`. Parameters: :math:`0 \le r_1 < n_1`,
:math:`r_1 < r \le r_1 + n_2` (a larger :math:`r` would make every continuing
trial end "no go"; such designs are dominated by raising :math:`r_1`),
:math:`r + 2 \le s \le n`.

Designs are returned as :class:`~thera_stats.multistage.MultiStageDesign`
(``MultiStageDesign(p0, p1, [n], [r], efficacy=[s - 1])``, and
``[n1, n], [r1, r], efficacy=[None, s - 1]`` for two stages), so every
operating characteristic, decision and the sample space come from the one
exact engine.

*Searches.* Single stage: :math:`n = 2, 3, \dots` in turn; for each :math:`n`
the conditions are monotone (:math:`P(X \le r)` rises with :math:`r`,
:math:`P(X \ge s)` falls with :math:`s`), so the admissible :math:`r` and
:math:`s` form intervals :math:`[r_{lo}, r_{hi}]` and :math:`[s_{lo}, s_{hi}]`,
and a design exists iff both are non-empty and :math:`r_{lo} + 2 \le s_{hi}`.
The first such :math:`n` is the smallest. Two stages, for each
:math:`(n_1, n, r_1)` the same holds for :math:`r` (through :math:`\eta', \beta'`)
and :math:`s` (through :math:`\alpha', \pi'`), evaluated at once for all
:math:`(r_1, r)` and :math:`(r_1, s)` from cumulative sums of
:math:`b(x_1; n_1, p) P(X_2 \le r - x_1)` and :math:`b(x_1; n_1, p) P(X_2 \ge s - x_1)`.
The minimax design is found at the first :math:`n` that has an admissible
design. For the optimal design (smallest :math:`EN(p_0) = n_1 + n_2 P_{p_0}(X_1 > r_1)`),
let :math:`E^*` be the best so far: a better design has :math:`n_1 < E^*`, and
since :math:`\pi \le \pi' \le P_{p_1}(X_1 > r_1)` its :math:`r_1` is at most
:math:`\bar r_1(n_1)`, the largest with :math:`P_{p_1}(X_1 > r_1) \ge \pi`, so
:math:`P_{p_0}(X_1 > r_1) \ge \ell(n_1) = P_{p_0}(X_1 > \bar r_1) > 0` and
:math:`n_2 \le (E^* - n_1)/\ell(n_1)`. That region is searched exhaustively; if
it reaches beyond ``n_max`` the search raises an error instead of truncating.

*Choice among admissible designs* (ties): single stage, the smallest :math:`n`;
two stages, by the criterion (below). Then, among the admissible :math:`(r, s)`
of the chosen :math:`n` (or :math:`(n_1, n, r_1)`): ``"min-inconclusive"``
(default) takes the smallest :math:`\max\{P_{p_0}(\text{inconclusive}),
P_{p_1}(\text{inconclusive})\}`, then the smallest :math:`\alpha' + \beta'`;
``"min-error"`` the smallest :math:`\alpha' + \beta'`, then the smaller maximal
inconclusive probability; last, the smaller :math:`r`, then :math:`s`.

.. rubric:: References

.. [1] Sargent DJ, Chan V, Goldberg RM. A three-outcome design for phase II
   clinical trials. Control Clin Trials 2001;22:117-125.
   doi:10.1016/S0197-2456(00)00115-X
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
from thera_stats.multistage import MultiStageDesign, _whole

__all__ = [
    "SARGENT_CHOICES",
    "SARGENT_CRITERIA",
    "ThreeOutcomeChoice",
    "sargent_design",
    "sargent_two_stage_design",
]

SARGENT_CHOICES = ("min-inconclusive", "min-error")
SARGENT_CRITERIA = ("optimal", "minimax")
_REL = 1e-12  # relative slack for the error-rate comparisons (floating-point sums)
_EN_DECIMALS = 10

FloatArray = npt.NDArray[np.float64]


@dataclass(frozen=True, slots=True)
class ThreeOutcomeChoice:
    """A three-outcome design found by a search, its targets and its exact error rates.

    Attributes
    ----------
    design : MultiStageDesign
        The bounds (operating characteristics, decisions, sample space).
    family, criterion, choice : str
        ``"sargent"`` or ``"sargent-two-stage"``; ``"smallest-n"``,
        ``"optimal"`` or ``"minimax"``; the rule among the admissible (r, s).
    alpha, beta, eta, pi : float
        The targets.
    actual_alpha, actual_beta, actual_eta, actual_pi : float
        Exact :math:`P_{p_0}(\\text{go})`, :math:`P_{p_1}(\\text{no go})`,
        :math:`P_{p_0}(\\text{no go})`, :math:`P_{p_1}(\\text{go})`.
    inconclusive_p0, inconclusive_p1 : float
        Exact P(inconclusive) under p0 and p1.
    en_p0, en_p1 : float
        Expected sample sizes.
    """

    design: MultiStageDesign
    family: str
    criterion: str
    choice: str
    alpha: float
    beta: float
    eta: float
    pi: float
    actual_alpha: float
    actual_beta: float
    actual_eta: float
    actual_pi: float
    inconclusive_p0: float
    inconclusive_p1: float
    en_p0: float
    en_p1: float

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: the bounds, the targets, the exact error rates, the expected sizes."""
        d = self.design
        return pd.DataFrame([{
            "family": self.family, "criterion": self.criterion,
            "sizes": "/".join(map(str, d.sizes)), "futility": "/".join(map(str, d.futility)),
            "go_above": d.final_go, "alpha": self.alpha, "beta": self.beta, "eta": self.eta,
            "pi": self.pi, "actual_alpha": self.actual_alpha, "actual_beta": self.actual_beta,
            "actual_eta": self.actual_eta, "actual_pi": self.actual_pi,
            "inconclusive_p0": self.inconclusive_p0, "inconclusive_p1": self.inconclusive_p1,
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
        return (f"ThreeOutcomeChoice({self.family} {self.criterion}: sizes={list(d.sizes)}, "
                f"no go if X <= {list(d.futility)}, go if X >= {d.final_go + 1}, "
                f"alpha={self.actual_alpha:.4f}, beta={self.actual_beta:.4f}, "
                f"eta={self.actual_eta:.4f}, pi={self.actual_pi:.4f}, EN0={self.en_p0:.2f})")


# =========================================================================== checks
def _check(p0: Any, p1: Any, alpha: Any, beta: Any, eta: Any, pi: Any,
           n_max: Any) -> tuple[float, float, float, float, float, float, int]:
    vals = []
    for name, v in (("p0", p0), ("p1", p1), ("alpha", alpha), ("beta", beta), ("eta", eta),
                    ("pi", pi)):
        if isinstance(v, bool) or not isinstance(v, int | float | np.floating):
            raise TypeError(f"`{name}` ({v!r}) must be a number.")
        vals.append(float(v))
    p0f, p1f, a, b, e, w = vals
    if not 0.0 < p0f < p1f < 1.0:
        raise ValueError(f"need 0 < p0 < p1 < 1; got p0 = {p0!r}, p1 = {p1!r}.")
    if not 0.0 < a < 0.5:
        raise ValueError(f"`alpha` ({alpha!r}) must lie in (0, 0.5): P(go | p0).")
    if not 0.0 < b < 0.5:
        raise ValueError(f"`beta` ({beta!r}) must lie in (0, 0.5): P(no go | p1).")
    if not 0.0 < e < 1.0:
        raise ValueError(f"`eta` ({eta!r}) must lie in (0, 1): P(no go | p0).")
    if not 0.0 < w < 1.0:
        raise ValueError(f"`pi` ({pi!r}) must lie in (0, 1): P(go | p1).")
    if e + a > 1.0:
        raise ValueError(f"`eta` + `alpha` ({eta!r} + {alpha!r}) must not exceed 1: they are "
                         "the probabilities of two disjoint outcomes under p0.")
    if w + b > 1.0:
        raise ValueError(f"`pi` + `beta` ({pi!r} + {beta!r}) must not exceed 1: they are "
                         "the probabilities of two disjoint outcomes under p1.")
    nm = _whole("n_max", n_max)
    if nm < 3:
        raise ValueError(f"`n_max` ({n_max!r}) must be at least 3.")
    return p0f, p1f, a, b, e, w, nm


class _Pick(NamedTuple):
    """An admissible (r, s) with its tie-break keys."""

    r: int
    s: int
    max_inconclusive: float
    errors: float


def _pick(nogo0: FloatArray, nogo1: FloatArray, go0: FloatArray, go1: FloatArray,
          r_range: tuple[int, int], s_range: tuple[int, int], choice: str) -> _Pick:
    """The best admissible (r, s) by the choice rule; nogo_j indexed by r, go_j by s."""
    best: _Pick | None = None
    best_key: tuple[Any, ...] = ()
    for r in range(r_range[0], r_range[1] + 1):
        for s in range(max(s_range[0], r + 2), s_range[1] + 1):
            inc = max(1.0 - nogo0[r] - go0[s], 1.0 - nogo1[r] - go1[s])
            err = float(go0[s] + nogo1[r])
            pick = _Pick(r, s, round(float(inc), 12), round(err, 12))
            key = ((pick.max_inconclusive, pick.errors) if choice == "min-inconclusive"
                   else (pick.errors, pick.max_inconclusive)) + (r, s)
            if best is None or key < best_key:
                best, best_key = pick, key
    assert best is not None  # the caller checked that the ranges admit a pair
    return best


def _interval(ok: npt.NDArray[np.bool_]) -> tuple[int, int] | None:
    idx = np.flatnonzero(ok)
    return (int(idx[0]), int(idx[-1])) if idx.size else None


# =========================================================================== one stage
def sargent_design(
    p0: float,
    p1: float,
    *,
    alpha: float,
    beta: float,
    eta: float,
    pi: float,
    criterion: str = "min-inconclusive",
    n_max: int = 1000,
) -> ThreeOutcomeChoice:
    r"""Sargent's single-stage three-outcome design with the fewest patients.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    alpha : float
        Bound on :math:`P_{p_0}(X \ge s)` ("go" under p0), in (0, 0.5).
    beta : float
        Bound on :math:`P_{p_1}(X \le r)` ("no go" under p1), in (0, 0.5).
    eta : float
        Required :math:`P_{p_0}(X \le r)`, in (0, 1), with ``eta + alpha <= 1``.
    pi : float
        Required :math:`P_{p_1}(X \ge s)`, in (0, 1), with ``pi + beta <= 1``.
    criterion : {"min-inconclusive", "min-error"}
        How to choose among the admissible (r, s) at the smallest n (module
        docstring): least maximal probability of an inconclusive result, or
        least :math:`\alpha' + \beta'`.
    n_max : int
        Largest n tried; an error if no design has at most ``n_max`` patients.

    Returns
    -------
    ThreeOutcomeChoice
        ``design`` is ``MultiStageDesign(p0, p1, [n], [r], efficacy=[s - 1])``
        ("no go" if X <= r, "go" if X >= s) with its exact error rates.

    Raises
    ------
    ValueError, TypeError
        For rates, error rates or ``criterion`` out of range (each quoted), or
        when no design has at most ``n_max`` patients.

    Examples
    --------
    >>> from thera_stats.three_outcome import sargent_design
    >>> d = sargent_design(0.2, 0.35, alpha=0.1, beta=0.1, eta=0.8, pi=0.8)
    >>> d.design.sizes, d.design.futility, d.design.final_go + 1
    ((45,), (11,), 13)
    """
    p0f, p1f, a, b, e, w, nm = _check(p0, p1, alpha, beta, eta, pi, n_max)
    choice = check_choice("criterion", criterion, SARGENT_CHOICES)
    for n in range(2, nm + 1):
        x = np.arange(n + 1)
        nogo0, nogo1 = stats.binom.cdf(x, n, p0f), stats.binom.cdf(x, n, p1f)
        go0 = np.concatenate([[1.0], stats.binom.sf(x[:-1], n, p0f)])  # P(X >= s), s = 0..n
        go1 = np.concatenate([[1.0], stats.binom.sf(x[:-1], n, p1f)])
        ok_r = (x <= n - 2) & (nogo1 <= b * (1 + _REL)) & (nogo0 >= e * (1 - _REL))
        ok_s = (x >= 2) & (go0 <= a * (1 + _REL)) & (go1 >= w * (1 - _REL))
        r_rng, s_rng = _interval(ok_r), _interval(ok_s)
        if r_rng is None or s_rng is None or r_rng[0] + 2 > s_rng[1]:
            continue
        pick = _pick(nogo0, nogo1, go0, go1, r_rng, s_rng, choice)
        design = MultiStageDesign(p0f, p1f, [n], [pick.r], efficacy=[pick.s - 1])
        return _result(design, "sargent", "smallest-n", choice, a, b, e, w)
    raise ValueError(
        f"No single-stage three-outcome design with at most n_max = {nm} patients meets "
        f"alpha = {a:g}, beta = {b:g}, eta = {e:g}, pi = {w:g} for p0 = {p0f:g}, p1 = {p1f:g}; "
        "raise `n_max` or relax the targets.")


def _result(design: MultiStageDesign, family: str, criterion: str, choice: str, a: float,
            b: float, e: float, w: float) -> ThreeOutcomeChoice:
    oc = design.operating_characteristics([design.p0, design.p1])
    no_go = oc.prob_no_go
    return ThreeOutcomeChoice(
        design=design, family=family, criterion=criterion, choice=choice, alpha=a, beta=b,
        eta=e, pi=w, actual_alpha=float(oc.prob_go[0]), actual_beta=float(no_go[1]),
        actual_eta=float(no_go[0]), actual_pi=float(oc.prob_go[1]),
        inconclusive_p0=float(oc.prob_inconclusive[0]),
        inconclusive_p1=float(oc.prob_inconclusive[1]),
        en_p0=float(oc.expected_n[0]), en_p1=float(oc.expected_n[1]))


# =========================================================================== two stages
class _Tables:
    """For one (n1, n): P(no go) for every (r1, r) and P(go) for every (r1, s), at p0 and p1."""

    def __init__(self, n1: int, n: int, p0: float, p1: float) -> None:
        n2 = n - n1
        x = np.arange(n1 + 1)
        t = np.arange(n + 1)[None, :] - x[:, None]  # r - x1 (or s - x1)
        self.nogo: list[FloatArray] = []
        self.go: list[FloatArray] = []
        self.cont: list[FloatArray] = []
        r1 = np.arange(n1)
        for p in (p0, p1):
            b1 = stats.binom.pmf(x, n1, p)
            f1 = stats.binom.cdf(r1, n1, p)
            w_le = b1[:, None] * stats.binom.cdf(t, n2, p)          # P(X1 = x, X2 <= r - x)
            w_ge = b1[:, None] * stats.binom.sf(t - 1, n2, p)       # P(X1 = x, X2 >= s - x)
            c_le = np.vstack([np.zeros((1, n + 1)), np.cumsum(w_le, axis=0)])
            c_ge = np.vstack([np.zeros((1, n + 1)), np.cumsum(w_ge, axis=0)])
            # rows r1 = 0..n1-1: sum over x1 = r1+1..n1
            self.nogo.append(f1[:, None] + c_le[n1 + 1][None, :] - c_le[r1 + 1])
            self.go.append(c_ge[n1 + 1][None, :] - c_ge[r1 + 1])
            self.cont.append(1.0 - f1)
        self.n1, self.n, self.n2 = n1, n, n2


class _Cand(NamedTuple):
    """An admissible (n1, n, r1) with the admissible ranges of r and s."""

    n1: int
    n: int
    r1: int
    en0: float
    r_range: tuple[int, int]
    s_range: tuple[int, int]


def _admissible(tab: _Tables, a: float, b: float, e: float, w: float) -> list[_Cand]:
    n1, n, n2 = tab.n1, tab.n, tab.n2
    r1 = np.arange(n1)[:, None]
    grid = np.arange(n + 1)[None, :]
    ok_r = ((grid > r1) & (grid <= np.minimum(r1 + n2, n - 2))
            & (tab.nogo[1] <= b * (1 + _REL)) & (tab.nogo[0] >= e * (1 - _REL)))
    ok_s = (grid >= r1 + 3) & (tab.go[0] <= a * (1 + _REL)) & (tab.go[1] >= w * (1 - _REL))
    out = []
    for i in np.flatnonzero(ok_r.any(axis=1) & ok_s.any(axis=1)).tolist():
        r_rng, s_rng = _interval(ok_r[i]), _interval(ok_s[i])
        assert r_rng is not None
        assert s_rng is not None
        if r_rng[0] + 2 <= s_rng[1]:
            en0 = n1 + n2 * float(tab.cont[0][i])
            out.append(_Cand(n1, n, i, en0, r_rng, s_rng))
    return out


def sargent_two_stage_design(
    p0: float,
    p1: float,
    *,
    alpha: float,
    beta: float,
    eta: float,
    pi: float,
    criterion: str = "optimal",
    choice: str = "min-inconclusive",
    n_max: int = 300,
) -> ThreeOutcomeChoice:
    r"""Sargent's two-stage three-outcome design: a futility stop, then three outcomes.

    Parameters
    ----------
    p0, p1, alpha, beta, eta, pi : float
        As in :func:`sargent_design`, for the two-stage error rates of the
        module docstring.
    criterion : {"optimal", "minimax"}
        ``"optimal"``: smallest :math:`EN(p_0)`, then smaller :math:`n`;
        ``"minimax"``: smallest :math:`n`, then smallest :math:`EN(p_0)`
        (PhIIdesign's definitions). Further ties: smaller :math:`n_1`, then
        :math:`r_1`.
    choice : {"min-inconclusive", "min-error"}
        The rule among the admissible :math:`(r, s)` of the chosen
        :math:`(n_1, n, r_1)` (module docstring).
    n_max : int
        Largest total size allowed. If the minimax design needs more, or the
        region that provably contains the optimal design reaches beyond
        ``n_max``, the search raises an error (no silent truncation).

    Returns
    -------
    ThreeOutcomeChoice
        ``design`` is ``MultiStageDesign(p0, p1, [n1, n], [r1, r],
        efficacy=[None, s - 1])``.

    Raises
    ------
    ValueError, TypeError
        For inputs out of range (quoted), or when ``n_max`` is too small for
        the search (see above).

    Examples
    --------
    >>> from thera_stats.three_outcome import sargent_two_stage_design
    >>> d = sargent_two_stage_design(0.2, 0.4, alpha=0.1, beta=0.1, eta=0.8, pi=0.8,
    ...                              criterion="minimax")
    >>> d.design.sizes, d.design.futility, d.design.final_go + 1
    ((16, 24), (2, 6), 8)
    """
    p0f, p1f, a, b, e, w, nm = _check(p0, p1, alpha, beta, eta, pi, n_max)
    crit = check_choice("criterion", criterion, SARGENT_CRITERIA)
    pick_rule = check_choice("choice", choice, SARGENT_CHOICES)
    cache: dict[tuple[int, int], tuple[_Tables, list[_Cand]]] = {}

    def admissible(n1: int, n: int) -> list[_Cand]:
        if (n1, n) not in cache:
            tab = _Tables(n1, n, p0f, p1f)
            cache[(n1, n)] = (tab, _admissible(tab, a, b, e, w))
        return cache[(n1, n)][1]

    def key(c: _Cand) -> tuple[Any, ...]:
        en = round(c.en0, _EN_DECIMALS)
        return (c.n, en, c.n1, c.r1) if crit == "minimax" else (en, c.n, c.n1, c.r1)

    found: list[_Cand] = []
    n = 3
    while not found:
        if n > nm:
            raise ValueError(
                f"No two-stage three-outcome design with at most n_max = {nm} patients meets "
                f"alpha = {a:g}, beta = {b:g}, eta = {e:g}, pi = {w:g} for p0 = {p0f:g}, "
                f"p1 = {p1f:g}; raise `n_max` or relax the targets.")
        found = [c for n1 in range(1, n) for c in admissible(n1, n)]
        n += 1
    best = min(found, key=key)
    if crit == "optimal":
        best = _optimal_region(best, nm, p0f, p1f, w, admissible, key)
    tab = cache[(best.n1, best.n)][0]
    pick = _pick(tab.nogo[0][best.r1], tab.nogo[1][best.r1], tab.go[0][best.r1],
                 tab.go[1][best.r1], best.r_range, best.s_range, pick_rule)
    design = MultiStageDesign(p0f, p1f, [best.n1, best.n], [best.r1, pick.r],
                              efficacy=[None, pick.s - 1])
    return _result(design, "sargent-two-stage", crit, pick_rule, a, b, e, w)


def _optimal_region(best: _Cand, n_max: int, p0: float, p1: float, pi: float,
                    admissible: Any, key: Any) -> _Cand:
    """Exhaustive search of the region that provably holds the optimal design."""
    n_min = best.n  # the minimax n: no smaller n has an admissible design
    n1 = 1
    while n1 < best.en0 + 1e-9:
        x = np.arange(n1)
        ok = np.flatnonzero(stats.binom.sf(x, n1, p1) >= pi * (1 - _REL))
        if ok.size:
            ell = float(stats.binom.sf(int(ok[-1]), n1, p0))
            top = n1 + math.floor((best.en0 - n1) / ell + 1e-9)
            if top > n_max:
                raise ValueError(
                    f"The region that holds the optimal design reaches n = {top} (for "
                    f"n1 = {n1}) beyond n_max = {n_max}; raise `n_max` so that the search is "
                    "complete.")
            for n in range(max(n1 + 1, n_min), top + 1):
                for c in admissible(n1, n):
                    if key(c) < key(best):
                        best = c
        n1 += 1
    return best
