r"""Single-arm multi-stage binary designs: one exact engine for bounds, recursion and outcomes.

Every single-arm design with a binary endpoint and group-sequential looks is
the same object: cumulative stage sizes :math:`n_1 < \dots < n_K`, a futility
bound :math:`a_k` (stop, "no go", if :math:`X_k \le a_k`) and an efficacy bound
:math:`e_k` (stop, "go", if :math:`X_k > e_k`) at each interim look
:math:`k < K`, and at the last look "go" if and only if :math:`X_K > a_K`.
:math:`X_k` is the cumulative number of responses among the first :math:`n_k`
patients. Simon's two-stage design [1]_ is :math:`K = 2` without efficacy stop;
Mander & Thompson [2]_ add :math:`e_1`; Chen's [3]_ and Fleming's [4]_ designs
have :math:`K = 3` or more.

Operating characteristics follow exactly by the forward recursion on the
distribution of :math:`X_k` among the trials still running at look :math:`k`:

.. math::

    f_1(x) = b(x; n_1, p), \qquad
    f_{k+1}(y) = \sum_{a_k < x \le e_k} f_k(x)\, b(y - x;\, n_{k+1} - n_k,\, p),

so that :math:`P(\text{stop for futility at } k) = \sum_{x \le a_k} f_k(x)`,
:math:`P(\text{stop for efficacy at } k) = \sum_{x > e_k} f_k(x)` and the
probability of "go" is the sum of the efficacy stops and
:math:`\sum_{x > a_K} f_K(x)`. The same recursion with binomial coefficients
in place of probabilities counts the stage-wise response sequences that end
at each terminal outcome :math:`(k, x)`, whose probability is then
:math:`c_k(x)\, p^x (1 - p)^{n_k - x}`: the sample space on which exact
inference after the design is built.

.. rubric:: References

.. [1] Simon R. Optimal two-stage designs for phase II clinical trials.
   Control Clin Trials 1989;10:1-10. doi:10.1016/0197-2456(89)90015-9
.. [2] Mander AP, Thompson SG. Two-stage designs optimal under the alternative
   hypothesis for phase II cancer clinical trials. Contemp Clin Trials
   2010;31:572-578. doi:10.1016/j.cct.2010.07.008
.. [3] Chen TT. Optimal three-stage designs for phase II cancer clinical trials.
   Stat Med 1997;16:2701-2711.
.. [4] Fleming TR. One-sample multiple testing procedure for phase II clinical
   trials. Biometrics 1982;38:143-151. doi:10.2307/2530297
.. [5] Sargent DJ, Chan V, Goldberg RM. A three-outcome design for phase II
   clinical trials. Control Clin Trials 2001;22:117-125.
   doi:10.1016/S0197-2456(00)00115-X
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import cached_property
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import stats

from thera_stats._checks import check_closed_unit_array

__all__ = [
    "MultiStageDecision",
    "MultiStageDesign",
    "MultiStageOC",
]

FloatArray = npt.NDArray[np.float64]


# =========================================================================== checks
def _whole(name: str, value: Any) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        if isinstance(value, numbers.Real) and not isinstance(value, bool | np.bool_) and (
                math.isfinite(float(value)) and float(value).is_integer()):
            return int(float(value))
        raise TypeError(f"`{name}` ({value!r}) must be a whole number.")
    return int(value)


def _rate(name: str, value: Any) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` ({value!r}) must be a number strictly between 0 and 1.")
    v = float(value)
    if not 0.0 < v < 1.0:
        raise ValueError(f"`{name}` ({value!r}) must be strictly between 0 and 1.")
    return v


def _sequence(name: str, value: Any) -> list[Any]:
    if isinstance(value, str | bytes) or not isinstance(value, Sequence | np.ndarray):
        raise TypeError(f"`{name}` ({value!r}) must be a sequence, one entry per look.")
    return list(value)


# =========================================================================== results
@dataclass(frozen=True, slots=True)
class MultiStageOC:
    """Exact operating characteristics of a multi-stage design at each true rate ``p``.

    Attributes
    ----------
    p : ndarray
        True response rates, shape ``(m,)``.
    sizes : tuple of int
        Cumulative stage sizes.
    prob_go : ndarray
        P("go"), shape ``(m,)``.
    stop_futility, stop_efficacy : ndarray
        Shape ``(m, K)``: P(the trial ends at look k with "no go" / "go"); the
        last column holds the final decision.
    prob_inconclusive : ndarray
        P(the trial ends "inconclusive"), shape ``(m,)``: zero except for
        three-outcome designs (Sargent), whose last look has a zone between
        "no go" and "go".
    """

    p: FloatArray
    sizes: tuple[int, ...]
    prob_go: FloatArray
    stop_futility: FloatArray
    stop_efficacy: FloatArray
    prob_inconclusive: FloatArray

    @property
    def prob_no_go(self) -> FloatArray:
        """P("no go"), shape ``(m,)``: futility stops and the final "no go"."""
        return np.asarray(self.stop_futility.sum(axis=1))

    @property
    def size_distribution(self) -> FloatArray:
        """P(N = n_k), shape ``(m, K)``: the trial ends at look k."""
        out = self.stop_futility + self.stop_efficacy
        out[:, -1] += self.prob_inconclusive
        return np.asarray(out)

    @property
    def expected_n(self) -> FloatArray:
        """Expected sample size E(N), shape ``(m,)``."""
        return np.asarray(self.size_distribution @ np.asarray(self.sizes, dtype=float))

    @property
    def prob_early_stop(self) -> FloatArray:
        """P(the trial stops before the last look), shape ``(m,)``."""
        return np.asarray(self.size_distribution[:, :-1].sum(axis=1))

    def n_quantile(self, q: float) -> npt.NDArray[np.int64]:
        """The ``q``-quantile of the sample size N at each ``p`` (smallest n_k with
        P(N <= n_k) >= q)."""
        q = float(q)
        if not 0.0 < q <= 1.0:
            raise ValueError(f"`q` ({q!r}) must lie in (0, 1].")
        cum = np.cumsum(self.size_distribution, axis=1)
        idx = np.argmax(cum >= q - 1e-12, axis=1)
        return np.asarray(self.sizes, dtype=np.int64)[idx]

    def to_frame(self) -> pd.DataFrame:
        """One row per ``p``: P(go), P(early stop), E(N), median N, P(no go),
        P(inconclusive) and, per look, the probabilities of stopping for futility
        and for efficacy."""
        out = pd.DataFrame({"p": self.p, "prob_go": self.prob_go,
                            "prob_early_stop": self.prob_early_stop,
                            "expected_n": self.expected_n, "median_n": self.n_quantile(0.5),
                            "prob_no_go": self.prob_no_go,
                            "prob_inconclusive": self.prob_inconclusive})
        for k in range(len(self.sizes)):
            out[f"futility_{k + 1}"] = self.stop_futility[:, k]
            out[f"efficacy_{k + 1}"] = self.stop_efficacy[:, k]
        return out


@dataclass(frozen=True, slots=True)
class MultiStageDecision:
    """What a multi-stage design's rule says for the responses seen so far (on plan).

    Attributes
    ----------
    action : str
        ``"stop for futility"``, ``"stop for efficacy"``, ``"continue"``, ``"go"``,
        ``"no go"`` or (three-outcome designs only) ``"inconclusive"``.
    look : int
        The look (1-based) at which the rule was applied.
    responses : int
        Cumulative responses at that look.
    n : int
        Cumulative patients at that look.
    explanation : str
        One sentence.
    """

    action: str
    look: int
    responses: int
    n: int
    explanation: str

    @property
    def go(self) -> bool:
        """True when the decision is "go" (at the last look or by an efficacy stop)."""
        return self.action in ("go", "stop for efficacy")

    def __str__(self) -> str:
        return self.explanation


# =========================================================================== the design
@dataclass(frozen=True)
class MultiStageDesign:
    r"""A single-arm multi-stage design with a binary endpoint, validated when made.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    sizes : sequence of int
        Cumulative stage sizes :math:`n_1 < \dots < n_K`.
    futility : sequence of int
        :math:`a_1, \dots, a_K`: stop with "no go" at look :math:`k < K` if
        :math:`X_k \le a_k` (``-1``: no futility stop at that look); at the last
        look "go" iff :math:`X_K > a_K`. Non-decreasing.
    efficacy : sequence of int or None, optional
        :math:`e_1, \dots, e_{K-1}` (one per interim look): stop with "go" at
        look :math:`k` if :math:`X_k > e_k`. ``None`` (or an entry ``None``) for
        no efficacy stop, the same as :math:`e_k = n_k`. Non-decreasing over the
        looks that have one, and :math:`a_k < e_k`. A ``K``-th entry
        :math:`e_K` sets the final "go" bound: "go" iff :math:`X_K > e_K`;
        :math:`e_K = a_K` (or ``None``) is the usual two-outcome rule, and
        :math:`a_K < e_K < n_K` makes a **three-outcome** design (Sargent [5]_):
        "inconclusive" when :math:`a_K < X_K \le e_K`.

    Raises
    ------
    ValueError, TypeError
        For sizes that do not increase, bounds out of range, not monotone, a
        futility bound not below the efficacy bound, or a design in which "go"
        (or a later look) cannot be reached; each message quotes the value.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> simon = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> oc = simon.operating_characteristics([0.2, 0.45])
    >>> oc.prob_go.round(4), oc.expected_n.round(2)
    (array([0.0492, 0.8065]), array([13.87, 20.81]))
    >>> mt = MultiStageDesign(0.2, 0.4, sizes=[16, 41], futility=[3, 11], efficacy=[6])
    >>> mt.decide([7])
    MultiStageDecision(action='stop for efficacy', look=1, responses=7, n=16, explanation='Stop for efficacy ("go") at look 1: 7 responses in 16 patients is > the efficacy bound 6.')
    """

    p0: float
    p1: float
    sizes: tuple[int, ...]
    futility: tuple[int, ...]
    efficacy: tuple[int, ...] = field(default=())
    final_go: int = -1

    def __init__(self, p0: Any, p1: Any, sizes: Any, futility: Any,
                 efficacy: Any = None) -> None:
        p0_, p1_ = _rate("p0", p0), _rate("p1", p1)
        if not p0_ < p1_:
            raise ValueError(f"`p1` ({p1!r}) must be greater than `p0` ({p0!r}).")
        n = [_whole(f"sizes[{i}]", v) for i, v in enumerate(_sequence("sizes", sizes))]
        if not n:
            raise ValueError("`sizes` must hold at least one look.")
        if n[0] < 1:
            raise ValueError(f"`sizes[0]` ({n[0]!r}) must be at least 1.")
        for i in range(1, len(n)):
            if n[i] <= n[i - 1]:
                raise ValueError(f"`sizes` ({n!r}) must increase strictly: look {i + 1} has "
                                 f"{n[i]} patients after {n[i - 1]} at look {i}.")
        k = len(n)
        a = [_whole(f"futility[{i}]", v) for i, v in enumerate(_sequence("futility", futility))]
        if len(a) != k:
            raise ValueError(f"`futility` ({a!r}) needs one bound per look ({k}).")
        e_raw = [None] * (k - 1) if efficacy is None else _sequence("efficacy", efficacy)
        final_go = a[-1]
        if len(e_raw) == k:
            last = e_raw[-1]
            if last is not None and not (isinstance(last, float) and math.isnan(last)):
                final_go = _whole(f"efficacy[{k - 1}]", last)
                if not a[-1] <= final_go < n[-1]:
                    raise ValueError(
                        f"`efficacy[{k - 1}]` ({last!r}), the final 'go' bound, must lie "
                        f"between the final futility bound futility[{k - 1}] ({a[-1]!r}; "
                        f"equal: no inconclusive zone) and n_K - 1 = {n[-1] - 1} ('go' must "
                        "be possible).")
            e_raw = e_raw[:-1]
        if len(e_raw) != k - 1:
            raise ValueError(f"`efficacy` ({list(e_raw)!r}) needs one bound per interim look "
                             f"({k - 1}), or None.")
        e = [n[i] if v is None or (isinstance(v, float) and math.isnan(v))
             else _whole(f"efficacy[{i}]", v) for i, v in enumerate(e_raw)]
        self._check_bounds(n, a, e)
        object.__setattr__(self, "p0", p0_)
        object.__setattr__(self, "p1", p1_)
        object.__setattr__(self, "sizes", tuple(n))
        object.__setattr__(self, "futility", tuple(a))
        object.__setattr__(self, "efficacy", tuple(e))
        object.__setattr__(self, "final_go", final_go)

    @staticmethod
    def _check_bounds(n: list[int], a: list[int], e: list[int]) -> None:
        k = len(n)
        for i in range(k):
            lo = -1 if i < k - 1 else 0
            if not lo <= a[i] < n[i]:
                rule = ("between -1 (no futility stop) and n_k - 1" if i < k - 1
                        else "between 0 and n_K - 1 ('go' must be possible, and so must 'no go')")
                raise ValueError(f"`futility[{i}]` ({a[i]!r}) must be {rule} = {n[i] - 1}.")
        for i in range(1, k):
            if a[i] < a[i - 1]:
                raise ValueError(f"`futility` ({a!r}) must not decrease: {a[i]} at look "
                                 f"{i + 1} after {a[i - 1]} at look {i}.")
        for i in range(k - 1):
            if not 0 <= e[i] <= n[i]:
                raise ValueError(f"`efficacy[{i}]` ({e[i]!r}) must be between 0 and n_k = "
                                 f"{n[i]} (n_k: no efficacy stop).")
            if e[i] <= a[i]:
                raise ValueError(f"`futility[{i}]` ({a[i]!r}) must be below `efficacy[{i}]` "
                                 f"({e[i]!r}): no trial could continue after look {i + 1}.")
        stops = [i for i in range(k - 1) if e[i] < n[i]]
        for j, i in enumerate(stops[1:], start=1):
            if e[i] < e[stops[j - 1]]:
                raise ValueError(f"`efficacy` ({e!r}) must not decrease over the looks that have "
                                 f"one: {e[i]} at look {i + 1} after {e[stops[j - 1]]} at look "
                                 f"{stops[j - 1] + 1}.")
        for i in range(k - 1):
            reach = e[i] + n[i + 1] - n[i]  # most responses a continuing trial can have next
            if reach <= a[i + 1]:
                raise ValueError(
                    f"`futility[{i + 1}]` ({a[i + 1]!r}) is at least the largest count a trial "
                    f"continuing after look {i + 1} can reach ({reach}): every such trial would "
                    "stop for futility; the design is degenerate.")

    # ------------------------------------------------------------------ views
    @property
    def n_looks(self) -> int:
        """The number of looks K."""
        return len(self.sizes)

    @property
    def n_max(self) -> int:
        """The largest sample size :math:`n_K`."""
        return self.sizes[-1]

    @property
    def has_efficacy_stop(self) -> bool:
        """True when some interim look can stop the trial with "go"."""
        return any(e < n for e, n in zip(self.efficacy, self.sizes, strict=False))

    @property
    def three_outcome(self) -> bool:
        """True when the last look has an "inconclusive" zone (:math:`a_K < e_K`)."""
        return self.final_go > self.futility[-1]

    def _upper(self, i: int) -> int:
        """Largest count not "go" at look i (0-based): e_k, and at the last look e_K."""
        return self.efficacy[i] if i < self.n_looks - 1 else self.final_go

    def __repr__(self) -> str:
        eff = ["-" if e >= n else str(e) for e, n in zip(self.efficacy, self.sizes, strict=False)]
        if self.three_outcome:
            eff.append(str(self.final_go))
        shown = self.has_efficacy_stop or self.three_outcome
        return (f"MultiStageDesign(p0={self.p0!r}, p1={self.p1!r}, sizes={list(self.sizes)!r}, "
                f"futility={list(self.futility)!r}"
                + (f", efficacy=[{', '.join(eff)}])" if shown else ")"))

    # ------------------------------------------------------------------ the recursion
    def operating_characteristics(self, p: Any) -> MultiStageOC:
        """Exact operating characteristics at each true response rate ``p``.

        Parameters
        ----------
        p : float or array_like
            True response rates in [0, 1].

        Returns
        -------
        MultiStageOC
            P(go), stops for futility and efficacy at each look, E(N) and the
            distribution of N, by the exact recursion of the module docstring.
        """
        pa = np.atleast_1d(check_closed_unit_array("p", p)).astype(float).ravel()
        k = self.n_looks
        fut = np.zeros((len(pa), k))
        eff = np.zeros((len(pa), k))
        f = stats.binom.pmf(np.arange(self.sizes[0] + 1)[None, :], self.sizes[0], pa[:, None])
        for i in range(k):
            a, upper = self.futility[i], self._upper(i)
            fut[:, i] = f[:, : a + 1].sum(axis=1) if a >= 0 else 0.0
            eff[:, i] = f[:, upper + 1:].sum(axis=1)
            if i == k - 1:
                break
            g = f.copy()
            g[:, : a + 1] = 0.0
            g[:, upper + 1:] = 0.0
            m = self.sizes[i + 1] - self.sizes[i]
            b = stats.binom.pmf(np.arange(m + 1)[None, :], m, pa[:, None])
            f = np.stack([np.convolve(g[j], b[j]) for j in range(len(pa))])
        inconclusive = np.zeros(len(pa))
        if self.three_outcome:
            inconclusive = f[:, self.futility[-1] + 1: self.final_go + 1].sum(axis=1)
        return MultiStageOC(p=pa, sizes=self.sizes, prob_go=eff.sum(axis=1),
                            stop_futility=fut, stop_efficacy=eff,
                            prob_inconclusive=inconclusive)

    def _propagate(self, first: list[int]) -> list[list[int]]:
        """Per look, sequences reaching each count x = 0..n_k among the trials still running,
        from stage-1 counts ``first`` (exact integers): the recursion with binomial
        coefficients in place of probabilities."""
        out = [first]
        for i in range(self.n_looks - 1):
            a, upper = self.futility[i], self.efficacy[i]
            c = out[-1]
            m = self.sizes[i + 1] - self.sizes[i]
            binom_m = [math.comb(m, j) for j in range(m + 1)]
            nxt = [0] * (self.sizes[i + 1] + 1)
            for x in range(a + 1, upper + 1):
                cx = c[x]
                if cx:
                    for j, bj in enumerate(binom_m):
                        nxt[x + j] += cx * bj
            out.append(nxt)
        return out

    @cached_property
    def _counts(self) -> tuple[list[list[int]], list[list[int]]]:
        """All sequences, and those in which patient 1 responded (C(n1 - 1, x - 1) at look 1)."""
        n1 = self.sizes[0]
        every = self._propagate([math.comb(n1, x) for x in range(n1 + 1)])
        first = self._propagate([math.comb(n1 - 1, x - 1) if x else 0 for x in range(n1 + 1)])
        return every, first

    def sample_space(self) -> pd.DataFrame:
        """Every terminal outcome with its decision and its number of response sequences.

        Returns
        -------
        DataFrame
            One row per outcome (look ``k``, cumulative responses ``x``) at which
            the trial ends: ``look, n`` (patients), ``x``, ``decision`` ("no go",
            "go" or, in a three-outcome design, "inconclusive"), ``count``
            (Python int) and ``count_first`` (the sequences in which the first
            patient responded): the outcome's probability is
            ``count * p**x * (1 - p)**(n - x)``. Outcomes no trial can reach
            are left out.
        """
        rows: list[dict[str, Any]] = []
        every, first = self._counts
        for i, (c, c1) in enumerate(zip(every, first, strict=True)):
            n = self.sizes[i]
            a, upper = self.futility[i], self._upper(i)
            last = i == self.n_looks - 1
            for x, cx in enumerate(c):
                if cx and (x <= a or x > upper or last):
                    decision = "no go" if x <= a else "go" if x > upper else "inconclusive"
                    rows.append({"look": i + 1, "n": n, "x": x, "decision": decision,
                                 "count": cx, "count_first": c1[x]})
        cols = ["look", "n", "x", "decision", "count", "count_first"]
        out = pd.DataFrame(rows, columns=cols)
        return out.astype({"look": "int64", "n": "int64", "x": "int64", "count": "object",
                           "count_first": "object"})

    def outcome_probabilities(self, p: Any) -> FloatArray:
        """P(each outcome of :meth:`sample_space`) at rate(s) ``p``, shape ``(len(p), outcomes)``.

        Computed on the log scale from the exact counts, so the probabilities
        of a design with hundreds of patients neither overflow nor underflow
        before they are formed.
        """
        pa = np.atleast_1d(check_closed_unit_array("p", p)).astype(float).ravel()
        space = self.sample_space()
        log_count = np.array([_log_int(c) for c in space["count"]])
        x = space["x"].to_numpy(dtype=float)
        n = space["n"].to_numpy(dtype=float)
        with np.errstate(divide="ignore", invalid="ignore"):
            lp = np.log(pa)[:, None]
            lq = np.log1p(-pa)[:, None]
            terms = x[None, :] * lp + (n - x)[None, :] * lq
            # 0 * log(0) = 0 at p = 0 or p = 1.
            terms = np.where((x[None, :] == 0) & (pa[:, None] == 0.0), (n - x)[None, :] * lq,
                             terms)
            terms = np.where((n - x)[None, :] == 0, x[None, :] * lp, terms)
        return np.asarray(np.exp(log_count[None, :] + terms))

    # ------------------------------------------------------------------ decisions
    def decide(self, responses: Any) -> MultiStageDecision:
        """The rule's decision for cumulative responses observed at the looks so far.

        Parameters
        ----------
        responses : int or sequence of int
            Cumulative responses :math:`X_1, X_2, \\dots` at the looks reached
            (one per look, in order; the planned stage sizes). An int is look 1.

        Returns
        -------
        MultiStageDecision
            At the first look whose bound is crossed, the stop; otherwise
            "continue" after an interim look, or "go"/"no go" at the last.

        Raises
        ------
        ValueError
            If the counts decrease, exceed the patients, imply more responses in
            a stage than it has patients, or continue past a look at which the
            rule had already stopped the trial (binding bounds).
        """
        raw = [responses] if isinstance(responses, numbers.Integral) else _sequence(
            "responses", responses)
        xs: list[int] = [_whole(f"responses[{i}]", v) for i, v in enumerate(raw)]
        if not 1 <= len(xs) <= self.n_looks:
            raise ValueError(f"`responses` ({xs!r}) needs between 1 and {self.n_looks} "
                             "cumulative counts, one per look reached.")
        for i, x in enumerate(xs):
            if not 0 <= x <= self.sizes[i]:
                raise ValueError(f"`responses[{i}]` ({x!r}) must be between 0 and the "
                                 f"{self.sizes[i]} patients of look {i + 1}.")
            if i and not 0 <= x - xs[i - 1] <= self.sizes[i] - self.sizes[i - 1]:
                raise ValueError(
                    f"`responses` ({xs!r}): {x - xs[i - 1]} responses between looks {i} and "
                    f"{i + 1}, among {self.sizes[i] - self.sizes[i - 1]} patients.")
        for i, x in enumerate(xs):
            n, a = self.sizes[i], self.futility[i]
            last = i == self.n_looks - 1
            upper = self._upper(i)
            stopped = x <= a or x > upper
            if stopped and not last and i < len(xs) - 1:
                raise ValueError(
                    f"`responses` ({xs!r}): the rule stopped the trial at look {i + 1} "
                    f"({x} of {n}); later counts cannot change a binding decision.")
            if last:
                if a < x <= upper:
                    return MultiStageDecision(
                        "inconclusive", i + 1, x, n,
                        f"Inconclusive: {x} responses in {n} patients lies above the "
                        f'"no go" bound {a} but not above the "go" bound {upper}.')
                action = "go" if x > upper else "no go"
                text = (f"{action.capitalize()}: {x} responses in {n} patients is "
                        f"{'>' if x > upper else '<='} the final boundary "
                        f"{upper if x > upper else a}.")
                return MultiStageDecision(action, i + 1, x, n, text)
            if x <= a:
                return MultiStageDecision(
                    "stop for futility", i + 1, x, n,
                    f'Stop for futility ("no go") at look {i + 1}: {x} responses in {n} '
                    f"patients is <= the futility bound {a}.")
            if x > upper:
                return MultiStageDecision(
                    "stop for efficacy", i + 1, x, n,
                    f'Stop for efficacy ("go") at look {i + 1}: {x} responses in {n} '
                    f"patients is > the efficacy bound {upper}.")
        i = len(xs) - 1
        return MultiStageDecision(
            "continue", i + 1, xs[-1], self.sizes[i],
            f"Continue to look {i + 2}: {xs[-1]} responses in {self.sizes[i]} patients lies "
            f"between the bounds ({self.futility[i]}, {self._upper(i)}].")

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """One row per look: cumulative n, futility and efficacy bound (NaN: none)."""
        eff = [float(e) if e < n else math.nan for e, n in zip(self.efficacy, self.sizes,
                                                              strict=False)]
        return pd.DataFrame({"look": np.arange(1, self.n_looks + 1), "n": list(self.sizes),
                             "futility": list(self.futility),
                             "efficacy": [*eff, float(self.final_go)]})

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def _log_int(c: int) -> float:
    """log of a (possibly huge) Python int (-inf for 0)."""
    if c <= 0:
        return -math.inf
    if c < 2**1000:
        return math.log(c)
    shift = c.bit_length() - 900
    return math.log(c >> shift) + shift * math.log(2.0)
