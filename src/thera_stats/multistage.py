r"""Single-arm multi-stage binary designs: one exact engine for bounds, recursion and outcomes.

Every single-arm design with a binary endpoint and group-sequential looks is
the same object: cumulative stage sizes :math:`n_1 < \dots < n_K`, a futility
bound :math:`a_k` (stop, "no go", if :math:`X_k \le a_k`) and an efficacy bound
:math:`e_k` (stop, "go", if :math:`X_k > e_k`) at each interim look
:math:`k < K`, and at the last look "go" if and only if :math:`X_K > a_K`.
:math:`X_k` is the cumulative number of responses among the first :math:`n_k`
patients. Simon's two-stage design [1]_ is :math:`K = 2` without efficacy stop;
Mander & Thompson [2]_ add :math:`e_1`; Chen's [3]_ and Fleming's [4]_ designs
have :math:`K = 3` or more; Sargent's three-outcome designs [5]_ leave an
"inconclusive" zone between the final "no go" and "go" bounds.

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
from functools import cached_property, lru_cache
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import gammaln, xlog1py, xlogy

from thera_stats import _distributions as stats
from thera_stats._checks import check_closed_unit_array
from thera_stats.formatting import format_count
from thera_stats.off_plan import off_plan_rule

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


def _sizes(value: Any) -> list[int]:
    """Cumulative look sizes: whole numbers >= 1, strictly increasing."""
    n = [_whole(f"sizes[{i}]", v) for i, v in enumerate(_sequence("sizes", value))]
    if not n:
        raise ValueError("`sizes` must hold at least one look.")
    if n[0] < 1:
        raise ValueError(f"`sizes[0]` ({n[0]!r}) must be at least 1.")
    for i in range(1, len(n)):
        if n[i] <= n[i - 1]:
            raise ValueError(f"`sizes` ({n!r}) must increase strictly (cumulative sizes): look "
                             f"{i + 1} has {n[i]} patients after {n[i - 1]} at look {i}.")
    return n


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

    def summary(self) -> pd.DataFrame:
        """The operating characteristics as a table (:meth:`to_frame`)."""
        return self.to_frame()

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


@dataclass(frozen=True, slots=True)
class MultiStageDecision:
    """What a multi-stage design's rule says for the responses seen so far.

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
    design : MultiStageDesign or None
        The design whose rule was applied: the plan, or off plan the design
        adapted to the attained sizes (:meth:`MultiStageDesign.at_sizes`); pass
        it to :func:`~thera_stats.multistage_inference.multistage_inference`.
    on_plan : bool
        Whether the planned rule was applied (attained sizes as planned).
    """

    action: str
    look: int
    responses: int
    n: int
    explanation: str
    design: MultiStageDesign | None = field(default=None, repr=False, compare=False)
    on_plan: bool = field(default=True, repr=False)

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
        :math:`a_K < e_K < n_K` makes a **three-outcome** design (Sargent et al. 2001):
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
    MultiStageDecision(action='stop for efficacy', look=1, responses=7, n=16, explanation='Stop for efficacy ("go") at look 1: 7 responses in 16 patients, more than the efficacy bound 6.')
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
        n = _sizes(sizes)
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
        f = _stage_pmf(self.sizes[0], pa)
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
            b = _stage_pmf(m, pa)
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

    @cached_property
    def _log_counts(self) -> tuple[list[FloatArray], list[FloatArray]]:
        """:attr:`_counts` on the log scale (-inf where no sequence leads), computed in
        floating point: log-binomial rows from ``gammaln`` and a log-sum-exp convolution
        per stage (relative error of each count about 1e-13). Used where only probabilities
        or ratios of counts are needed; :meth:`sample_space` keeps the exact integers."""
        n1 = self.sizes[0]
        row = _log_comb_row(n1)
        first = np.full(n1 + 1, -np.inf)
        first[1:] = _log_comb_row(n1 - 1)
        every_out, first_out = [row], [first]
        for i in range(self.n_looks - 1):
            lo, hi = self.futility[i] + 1, self.efficacy[i]
            b = _log_comb_row(self.sizes[i + 1] - self.sizes[i])
            every_out.append(_log_convolve(every_out[-1], lo, hi, b))
            first_out.append(_log_convolve(first_out[-1], lo, hi, b))
        return every_out, first_out

    @cached_property
    def _log_outcomes(self) -> _Outcomes:
        """The rows of :meth:`sample_space` as arrays, with log counts from
        :attr:`_log_counts` (no Python-integer arithmetic)."""
        every, first = self._log_counts
        parts: list[tuple[int, npt.NDArray[np.int64], FloatArray, FloatArray]] = []
        for i, (c, c1) in enumerate(zip(every, first, strict=True)):
            a, upper = self.futility[i], self._upper(i)
            x = np.arange(c.size)
            keep = np.isfinite(c)
            if i < self.n_looks - 1:
                keep &= (x <= a) | (x > upper)
            parts.append((i + 1, x[keep], c[keep], c1[keep]))
        look = np.concatenate([np.full(xs.size, k, dtype=np.int64) for k, xs, _, _ in parts])
        xs = np.concatenate([p[1] for p in parts]).astype(np.int64)
        n = np.asarray(self.sizes, dtype=np.int64)[look - 1]
        a_at = np.asarray(self.futility, dtype=np.int64)[look - 1]
        up_at = np.asarray([self._upper(i) for i in range(self.n_looks)], dtype=np.int64)[look - 1]
        decision = np.where(xs <= a_at, "no go", np.where(xs > up_at, "go", "inconclusive"))
        return _Outcomes(look, n, xs, decision.astype(object),
                         np.concatenate([p[2] for p in parts]),
                         np.concatenate([p[3] for p in parts]))

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
        cols: dict[str, list[Any]] = {k: [] for k in ("look", "n", "x", "decision", "count",
                                                      "count_first")}
        every, first = self._counts
        for i, (c, c1) in enumerate(zip(every, first, strict=True)):
            n = self.sizes[i]
            a, upper = self.futility[i], self._upper(i)
            last = i == self.n_looks - 1
            for x, cx in enumerate(c):
                if cx and (x <= a or x > upper or last):
                    decision = "no go" if x <= a else "go" if x > upper else "inconclusive"
                    for key, value in zip(cols, (i + 1, n, x, decision, cx, c1[x]),
                                          strict=True):
                        cols[key].append(value)
        data: dict[str, Any] = {key: np.array(cols[key], dtype=np.int64)
                                for key in ("look", "n", "x")}
        data["decision"] = np.array(cols["decision"], dtype=object)
        for key in ("count", "count_first"):   # exact Python ints
            arr = np.empty(len(cols[key]), dtype=object)
            arr[:] = cols[key]
            data[key] = arr
        return pd.DataFrame(data)

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

    # ------------------------------------------------------------------ attained sizes
    @classmethod
    def _from_bounds(cls, p0: float, p1: float, sizes: Sequence[int], futility: Sequence[int],
                     efficacy: Sequence[int], final_go: int) -> MultiStageDesign:
        """A design from bounds derived from a checked plan (:meth:`at_sizes`), without the
        constructor's checks: it may have a stage without patients or a final bound n_K
        ("go" impossible), which a plan may not but an attained trial can."""
        out = object.__new__(cls)
        for name, value in (("p0", float(p0)), ("p1", float(p1)),
                            ("sizes", tuple(int(v) for v in sizes)),
                            ("futility", tuple(int(v) for v in futility)),
                            ("efficacy", tuple(int(v) for v in efficacy)),
                            ("final_go", int(final_go))):
            object.__setattr__(out, name, value)
        return out

    def at_sizes(self, sizes: Any, *, alpha: Any = None) -> MultiStageDesign:
        r"""The design adapted to attained cumulative sizes: the rule for a trial off plan.

        Parameters
        ----------
        sizes : sequence of int
            Attained cumulative sizes :math:`n_1' \le \dots \le n_m'` of the looks
            as they were (or will be) run, :math:`1 \le m \le K`; look :math:`k`
            is the plan's look :math:`k` and look :math:`m` is the final analysis.
            A stage without patients (:math:`n_k' = n_{k-1}'`) is allowed.
            ``m < K``: the trial ended (e.g. for poor recruitment) before its
            planned last look.
        alpha : float
            Bound on the type I error of the adapted rule, strictly between 0
            and 1. Needed whenever ``sizes`` differ from the plan.

        Returns
        -------
        MultiStageDesign
            The plan itself if ``sizes`` equal the planned sizes; otherwise a
            design with the attained sizes and the bounds below.

        Raises
        ------
        TypeError, ValueError
            For sizes that are not whole numbers, decrease, start below 1 or
            number more than the plan's looks, and for a missing or bad
            ``alpha``; each message quotes the value.

        Notes
        -----
        With :math:`F_k` the plan's probability under :math:`p_1` of stopping
        for futility at or before look :math:`k` and :math:`E_k` its
        probability under :math:`p_0` of stopping for efficacy at or before
        look :math:`k`, the bounds are found look by look, each at the attained
        sizes and given the bounds already found:

        1. Interim look :math:`k < m` whose size and earlier sizes are as
           planned: the planned bounds :math:`a_k, e_k`.
        2. Other interim look: futility bound :math:`a_k'` the largest
           :math:`a` with :math:`P_{p_1}(\text{stop for futility at or before
           } k) \le F_k` (an active treatment is stopped no more often than
           planned; ``-1``, no stop, if none qualifies); efficacy bound
           :math:`e_k'` the smallest :math:`e` with :math:`P_{p_0}(\text{stop
           for efficacy at or before } k) \le E_k` (no more type I error spent
           by look :math:`k` than planned). A look at which the plan cannot
           stop for futility (:math:`a_k = a_{k-1}`, :math:`a_0 = -1`) or for
           efficacy (:math:`e_k = n_k`) cannot here either. At look 1 this is
           :func:`thera_stats.simon.stage1_boundary` (and its efficacy twin).
        3. Final look :math:`m`: "go" bound the smallest :math:`r \ge
           \max(a_{m-1}', 0)` with :math:`P_{p_0}(\text{go}) \le \alpha`
           at the attained sizes (interim efficacy stops included), so that
           "go" is exactly "stage-wise-ordering p-value :math:`\le \alpha`";
           :math:`r = n_m'` ("go" impossible) if none is lower. For a plan
           with three outcomes the final "no go" bound is the largest
           :math:`a \le r` with :math:`P_{p_1}(\text{no go}) \le` the plan's.

        Probabilities are compared with a relative tolerance of
        :math:`10^{-12}` (futility, efficacy) and exactly (:math:`\alpha`).

        *Assumption.* The attained sizes do not depend on the responses
        (recruitment, funding or calendar ended the trial, not its results).
        Given the sizes the bounds are constants, so the type I error of the
        adapted rule is :math:`P_{p_0}(\text{go}) \le \alpha` by step 3
        whatever the sizes, and averaging over any distribution of sizes
        independent of the responses keeps the bound. If the interim efficacy
        stops alone spend more than :math:`\alpha` (a plan that does not keep
        its own :math:`\alpha`), the final look never says "go" and the
        bound cannot be met. For :math:`K = 2` without efficacy stop this is
        the off-plan rule of :meth:`thera_stats.simon.SimonDesign.decide`
        (Green & Dahlberg's [6]_ planned-versus-attained problem; Koyama &
        Chen's [7]_ stage-wise p-value).

        References
        ----------
        .. [6] Green SJ, Dahlberg S. Planned versus attained design in phase II
           clinical trials. Stat Med 1992;11:853-862. doi:10.1002/sim.4780110703
        .. [7] Koyama T, Chen H. Proper inference from Simon's two-stage designs.
           Stat Med 2008;27:3145-3154. doi:10.1002/sim.3123

        Examples
        --------
        THERA's plan 2/10, 7/22 stopped for poor recruitment at 17 patients:
        the final bound becomes 6.

        >>> from thera_stats.multistage import MultiStageDesign
        >>> plan = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
        >>> plan.at_sizes([10, 17], alpha=0.05)
        MultiStageDesign(p0=0.2, p1=0.45, sizes=[10, 17], futility=[2, 6])
        >>> plan.at_sizes([15, 22], alpha=0.05).futility   # stage 1 over-ran
        (3, 8)
        """
        raw = _sequence("sizes", sizes)
        n = [_whole(f"sizes[{i}]", v) for i, v in enumerate(raw)]
        if not 1 <= len(n) <= self.n_looks:
            raise ValueError(f"`sizes` ({n!r}) needs between 1 and {self.n_looks} cumulative "
                             "sizes, one per look run (at most the plan's looks).")
        if n[0] < 1:
            raise ValueError(f"`sizes[0]` ({n[0]!r}) must be at least 1.")
        for i in range(1, len(n)):
            if n[i] < n[i - 1]:
                raise ValueError(f"`sizes` ({n!r}) must not decrease: look {i + 1} has "
                                 f"{n[i]} patients after {n[i - 1]} at look {i}.")
        if tuple(n) == self.sizes:
            return self
        if alpha is None:
            raise ValueError(f"`sizes` ({n!r}) differ from the plan ({list(self.sizes)!r}): "
                             "the rule at the attained sizes needs `alpha`, the bound on its "
                             "type I error.")
        return _adapted(self, tuple(n), _rate("alpha", alpha))

    @cached_property
    def _oc01(self) -> MultiStageOC:
        """Operating characteristics at p0 and p1 (computed once per design)."""
        return self.operating_characteristics([self.p0, self.p1])

    def _adapted(self, n: tuple[int, ...], alpha: float) -> MultiStageDesign:
        """The bounds of :meth:`at_sizes` (arguments checked there)."""
        p0, p1 = self.p0, self.p1
        m = len(n)
        plan_oc = self._oc01
        fut_target = np.cumsum(plan_oc.stop_futility[1])   # F_k
        eff_target = np.cumsum(plan_oc.stop_efficacy[0])   # E_k
        tol = 1.0 + 1e-12
        fut: list[int] = []
        eff: list[int] = []
        final_go = -1
        g0 = g1 = np.ones(1)   # continuing trials' counts before look 1: X_0 = 0
        spent_f1 = spent_e0 = 0.0
        prev_n, prev_a, same = 0, -1, True
        for k in range(m):
            nk, step = n[k], n[k] - prev_n
            same = same and nk == self.sizes[k]
            if k == 0:
                f0 = stats.binom.pmf(np.arange(nk + 1), nk, p0)
                f1 = stats.binom.pmf(np.arange(nk + 1), nk, p1)
            else:
                f0 = np.convolve(g0, stats.binom.pmf(np.arange(step + 1), step, p0))
                f1 = np.convolve(g1, stats.binom.pmf(np.arange(step + 1), step, p1))
            if k == m - 1:
                r = self._final_go_bound(g0, prev_a, nk, step, spent_e0, alpha)
                a = r
                if self.three_outcome:
                    total = float(plan_oc.prob_no_go[1])
                    ok = np.flatnonzero(spent_f1 + np.cumsum(f1) <= total * tol)
                    a = min(max(int(ok[-1]) if ok.size else -1, prev_a), r)
                fut.append(a)
                final_go = r
                break
            if same:
                a, e = self.futility[k], self.efficacy[k]
            else:
                a, e = self._interim_bounds(k, nk, f0, f1, spent_f1, spent_e0, prev_a,
                                            float(fut_target[k]), float(eff_target[k]), tol)
            fut.append(a)
            eff.append(e)
            spent_f1 += float(f1[: a + 1].sum()) if a >= 0 else 0.0
            spent_e0 += float(f0[e + 1:].sum())
            g0, g1 = f0.copy(), f1.copy()
            for g in (g0, g1):
                g[: a + 1] = 0.0
                g[e + 1:] = 0.0
            prev_n, prev_a = nk, a
        return MultiStageDesign._from_bounds(p0, p1, n, fut, eff, final_go)

    def _interim_bounds(self, k: int, nk: int, f0: FloatArray, f1: FloatArray, spent_f1: float,
                        spent_e0: float, prev_a: int, fut_target: float, eff_target: float,
                        tol: float) -> tuple[int, int]:
        """Futility and efficacy bounds at an off-plan interim look k (0-based)."""
        plan_prev = self.futility[k - 1] if k else -1
        if self.futility[k] <= plan_prev:          # the plan cannot stop for futility here
            a = prev_a
        else:
            if k == 0:   # as thera_stats.simon.stage1_boundary, to the last bit
                target = float(stats.binom.cdf(self.futility[0], self.sizes[0], self.p1))
                cum = stats.binom.cdf(np.arange(nk + 1), nk, self.p1)
            else:
                target, cum = fut_target, spent_f1 + np.cumsum(f1)
            ok = np.flatnonzero(cum <= target * tol)
            a = max(int(ok[-1]) if ok.size else -1, prev_a)
        if self.efficacy[k] >= self.sizes[k]:      # the plan cannot stop for efficacy here
            return a, nk
        above = np.concatenate([np.cumsum(f0[::-1])[::-1][1:], [0.0]])   # P(X_k > e)
        ok = np.flatnonzero(spent_e0 + above <= eff_target * tol)
        e = int(ok[0]) if ok.size else nk
        return a, min(max(e, a + 1), nk)

    def _final_go_bound(self, g0: FloatArray, prev_a: int, nk: int, step: int,
                        spent_e0: float, alpha: float) -> int:
        """Smallest r >= max(prev_a, 0) with P_p0(go) <= alpha at the final look (n_k
        patients, ``step`` of them in the last stage; ``g0`` the continuing trials'
        counts at the look before). For K = 2 the sum is the one of
        :func:`thera_stats.simon.prob_go`, term by term."""
        rs = np.arange(max(prev_a, 0), nk + 1)
        x = np.arange(g0.size)
        sf = stats.binom.sf(rs[:, None] - x[None, :], step, self.p0)
        go = np.sum(g0[None, :] * sf, axis=-1)
        if spent_e0:
            go = go + spent_e0
        ok = np.flatnonzero(go <= alpha)
        return int(rs[ok[0]]) if ok.size else nk

    # ------------------------------------------------------------------ decisions
    def decide(self, responses: Any, sizes: Any = None, *, alpha: Any = None,
               rule: str = "attained-size", power: Any = None) -> MultiStageDecision:
        """The rule's decision for cumulative responses observed at the looks so far.

        Parameters
        ----------
        responses : int or sequence of int
            Cumulative responses :math:`X_1, X_2, \\dots` at the looks reached
            (one per look, in order). An int is look 1.
        sizes : sequence of int, optional
            Attained cumulative sizes of the looks as run, when they differ from
            the plan (see :meth:`at_sizes`; the last one is the final analysis,
            so for an interim decision give the sizes still planned after it).
            Default: the planned sizes.
        alpha : float, optional
            Type I error bound of the rule at attained sizes; needed when
            ``sizes`` differ from the plan.
        rule : str, optional
            The off-plan rule (:data:`thera_stats.off_plan.RULES`):
            ``"attained-size"`` (default, :meth:`at_sizes`), ``"planned"``,
            ``"ats"``, ``"atss"`` or ``"conditional-error"``; see
            :mod:`thera_stats.off_plan` for each rule's assumption and
            :func:`~thera_stats.off_plan.off_plan_rule` for its exact type I
            error and power. On plan every rule is the plan.
        power : float, optional
            ``"atss"`` only: the power its redesign must keep (default the
            plan's exact power at ``p1``).

        Returns
        -------
        MultiStageDecision
            At the first look whose bound is crossed, the stop; otherwise
            "continue" after an interim look, or "go"/"no go" at the last. Its
            ``design`` is the design whose rule was applied (the plan, or
            off plan the design with the rule's bounds at the attained sizes;
            None for ``"conditional-error"``, whose final bound depends on the
            interim count).

        Raises
        ------
        ValueError
            If the counts decrease, exceed the patients, imply more responses in
            a stage than it has patients, or continue past a look at which the
            rule had already stopped the trial (binding bounds); for sizes
            :meth:`at_sizes` refuses.

        Examples
        --------
        >>> from thera_stats.multistage import MultiStageDesign
        >>> plan = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
        >>> plan.decide([3, 7]).action
        'no go'
        >>> off = plan.decide([3, 7], sizes=[10, 17], alpha=0.05)
        >>> off.action, off.on_plan, off.design.futility
        ('go', False, (2, 6))
        """
        if rule != "attained-size" and sizes is not None:
            return self._decide_rule(responses, sizes, alpha, rule, power)
        if rule != "attained-size":
            off_plan_rule(self, None, rule=rule, alpha=0.05)   # checks the rule's name
        design = self if sizes is None else self.at_sizes(sizes, alpha=alpha)
        dec = design._decide(responses)
        if design is self:
            return MultiStageDecision(dec.action, dec.look, dec.responses, dec.n,
                                      dec.explanation, self, True)
        eff = ["-" if e >= m else str(e) for e, m in zip(design.efficacy, design.sizes,
                                                         strict=False)]
        text = (f"{dec.explanation} Off plan: bounds for the attained sizes "
                f"{list(design.sizes)} (planned {list(self.sizes)}) are futility "
                f"{list(design.futility)}"
                + (f", efficacy [{', '.join(eff)}]" if design.has_efficacy_stop else "")
                + (f", final 'go' above {design.final_go}" if design.three_outcome else "")
                + ".")
        return MultiStageDecision(dec.action, dec.look, dec.responses, dec.n, text, design,
                                  False)

    def _decide_rule(self, responses: Any, sizes: Any, alpha: Any, rule: str, power: Any
                     ) -> MultiStageDecision:
        """:meth:`decide` with an off-plan rule other than the attained-size one."""
        if alpha is None:
            raise ValueError(f"rule {rule!r} at attained sizes needs `alpha`, the plan's "
                             "type I error bound.")
        info = off_plan_rule(self, sizes, rule=rule, alpha=alpha, power=power,
                             responses=responses)
        if info.sizes == self.sizes:
            return self.decide(responses)
        final = info.final_bound
        if final is None:    # conditional error: the interim count is not known yet
            final = info.sizes[-1]
        design = MultiStageDesign._from_bounds(
            self.p0, self.p1, info.sizes, [*info.futility, min(final, info.sizes[-1])],
            info.efficacy, min(final, info.sizes[-1]))
        dec = design._decide(responses)
        text = (f"{dec.explanation} Off plan, rule '{rule}' at the attained sizes "
                f"{list(info.sizes)} (planned {list(self.sizes)}): {info.bounds}; exact type I "
                f"error {info.type1_error:.4f}, power {info.power:.4f}. {info.note}")
        return MultiStageDecision(dec.action, dec.look, dec.responses, dec.n, text,
                                  None if rule == "conditional-error" else design, False)

    def _decide(self, responses: Any) -> MultiStageDecision:
        """The rule of this design for cumulative responses (see :meth:`decide`)."""
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
                        f"Inconclusive: {format_count(x, 'response')} in {n} patients, above the "
                        f'"no go" bound {a} but not above the "go" bound {upper}.')
                action = "go" if x > upper else "no go"
                text = (f"{action.capitalize()}: {format_count(x, 'response')} in {n} patients, "
                        f"{'more than' if x > upper else 'at most'} the final boundary "
                        f"{upper if x > upper else a}.")
                return MultiStageDecision(action, i + 1, x, n, text)
            if x <= a:
                return MultiStageDecision(
                    "stop for futility", i + 1, x, n,
                    f'Stop for futility ("no go") at look {i + 1}: '
                    f'{format_count(x, "response")} in {n} '
                    f"patients, at most the futility bound {a}.")
            if x > upper:
                return MultiStageDecision(
                    "stop for efficacy", i + 1, x, n,
                    f'Stop for efficacy ("go") at look {i + 1}: '
                    f'{format_count(x, "response")} in {n} '
                    f"patients, more than the efficacy bound {upper}.")
        i = len(xs) - 1
        return MultiStageDecision(
            "continue", i + 1, xs[-1], self.sizes[i],
            f"Continue to look {i + 2}: {format_count(xs[-1], 'response')} in "
            f"{self.sizes[i]} patients, "
            + (f"more than the futility bound {self.futility[i]}."
               if self._upper(i) >= self.sizes[i] else
               f"between the bounds ({self.futility[i]}, {self._upper(i)}]."))

    # ------------------------------------------------------------------ tables
    def to_frame(self) -> pd.DataFrame:
        """One row per look: cumulative n, futility and efficacy bound (NaN: none)."""
        eff = [float(e) if e < n else math.nan for e, n in zip(self.efficacy, self.sizes,
                                                              strict=False)]
        return pd.DataFrame({"look": np.arange(1, self.n_looks + 1), "n": list(self.sizes),
                             "futility": list(self.futility),
                             "efficacy": [*eff, float(self.final_go)]})

    def summary(self) -> pd.DataFrame:
        """One row per look: cumulative n, the bounds, and the exact probabilities of
        stopping there for futility and for efficacy under p0 and under p1 (at the last
        look: the final "no go" and "go"); P(inconclusive) for a three-outcome design."""
        out = self.to_frame()
        oc = self.operating_characteristics([self.p0, self.p1])
        for j, name in ((0, "p0"), (1, "p1")):
            out[f"futility_{name}"] = oc.stop_futility[j]
            out[f"efficacy_{name}"] = oc.stop_efficacy[j]
        if self.three_outcome:
            out["inconclusive_p0"] = [0.0] * (self.n_looks - 1) + [oc.prob_inconclusive[0]]
            out["inconclusive_p1"] = [0.0] * (self.n_looks - 1) + [oc.prob_inconclusive[1]]
        return out

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


@dataclass(frozen=True)
class _Outcomes:
    """Terminal outcomes as arrays (internal): look (1-based), patients, responses,
    decision, log count of sequences and of those in which patient 1 responded."""

    look: npt.NDArray[np.int64]
    n: npt.NDArray[np.int64]
    x: npt.NDArray[np.int64]
    decision: npt.NDArray[np.object_]
    logc: FloatArray
    logc_first: FloatArray


def _log_comb_row(m: int) -> FloatArray:
    """log C(m, j) for j = 0..m (``gammaln``; C(m, 0) = C(m, m) = 1 exactly)."""
    j = np.arange(m + 1, dtype=float)
    out = np.asarray(gammaln(m + 1.0) - gammaln(j + 1.0) - gammaln(m - j + 1.0))
    out[0] = out[-1] = 0.0
    return out


def _log_convolve(log_c: FloatArray, lo: int, hi: int, log_b: FloatArray) -> FloatArray:
    r"""log of :math:`\sum_{y=lo}^{hi} e^{\text{log\_c}[y]}\, e^{\text{log\_b}[x - y]}`
    for x = 0..len(log_c) + len(log_b) - 2 (-inf where no term exists): the stage recursion
    on the log scale, one log-sum-exp per x over a (band, x) array."""
    size = log_c.size + log_b.size - 1
    ys = np.arange(max(lo, 0), min(hi, log_c.size - 1) + 1)
    ys = ys[np.isfinite(log_c[ys])]
    if ys.size == 0:
        return np.full(size, -np.inf)
    m1 = log_b.size
    terms = np.full((ys.size, size), -np.inf)
    rows = np.arange(ys.size)[:, None]
    terms[rows, ys[:, None] + np.arange(m1)[None, :]] = log_c[ys][:, None] + log_b[None, :]
    top = terms.max(axis=0)
    shift = np.where(np.isfinite(top), top, 0.0)
    with np.errstate(divide="ignore"):
        return np.asarray(np.log(np.exp(terms - shift).sum(axis=0)) + shift)


def _stage_pmf(m: int, p: FloatArray) -> FloatArray:
    """b(x; m, p) for x = 0..m at each rate, shape ``(len(p), m + 1)``. SciPy's pmf
    except for rates below 1e-30, where it loses accuracy (``1 - b(0; 19, 1e-300)`` comes
    out 9e-14): there ``exp(log C(m, x) + x log p + (m - x) log(1 - p))``, exact at x = 0."""
    x = np.arange(m + 1)[None, :]
    out = np.asarray(stats.binom.pmf(x, m, p[:, None]), dtype=float)
    tiny = (p > 0.0) & (p < 1e-30)
    if tiny.any():
        pt = p[tiny][:, None]
        log = (gammaln(m + 1) - gammaln(x + 1) - gammaln(m - x + 1) + xlogy(x, pt)
               + xlog1py(m - x, -pt))
        out[tiny] = np.exp(log)
    return out


@lru_cache(maxsize=1024)
def _adapted(design: MultiStageDesign, sizes: tuple[int, ...], alpha: float) -> MultiStageDesign:
    """:meth:`MultiStageDesign.at_sizes`, computed once per design, sizes and alpha."""
    return design._adapted(sizes, alpha)


def _log_int(c: int) -> float:
    """log of a (possibly huge) Python int (-inf for 0)."""
    if c <= 0:
        return -math.inf
    if c < 2**1000:
        return math.log(c)
    shift = c.bit_length() - 900
    return math.log(c >> shift) + shift * math.log(2.0)
