r"""Simon two-stage designs, the exact single-stage design, and the go/no-go rule.

A Simon two-stage design ``(r1, n1, r, n)`` for testing :math:`H_0: p \le p_0`
against :math:`H_1: p \ge p_1` enrols ``n1`` patients, **stops for futility if
the stage-1 responses** :math:`X_1 \le r_1`, otherwise enrols up to ``n`` and
concludes **"go" if the total responses** :math:`X_1 + X_2 > r`. The methods
page ``docs/methods/simon.md`` gives the formulas, the search and its bound,
the admissible designs and the rule applied when a trial ends off plan.

Public names: :class:`SimonDesign`, :func:`simon_design`, :func:`simon_designs`,
:class:`SingleStageDesign`, :func:`single_stage_design`, :class:`Decision`,
:class:`OperatingCharacteristics`, :func:`design_report`,
:class:`SearchBoundWarning` and the exact helpers :func:`prob_early_stop`,
:func:`prob_go` and :func:`final_boundary`.
"""

from __future__ import annotations

import json
import math
import numbers
import warnings
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, cast

import numpy as np
import numpy.typing as npt
import pandas as pd

from thera_stats import _distributions as stats
from thera_stats._checks import (
    check_choice,
    check_closed_unit_array,
    check_integer_array,
    check_open_unit,
)
from thera_stats.formatting import format_count
from thera_stats.multistage import MultiStageDesign
from thera_stats.off_plan import off_plan_rule
from thera_stats.two_stage import TwoStageInference, two_stage_inference

__all__ = [
    "CRITERIA",
    "Decision",
    "OperatingCharacteristics",
    "SearchBoundWarning",
    "SimonDesign",
    "SingleStageDesign",
    "design_report",
    "final_boundary",
    "prob_early_stop",
    "prob_go",
    "simon_design",
    "simon_designs",
    "single_stage_design",
    "stage1_boundary",
]

#: Search criteria accepted by :func:`simon_design`.
CRITERIA = ("optimal", "minimax", "admissible")
_DESIGN_CRITERIA = ("custom", *CRITERIA)

#: Expected sizes equal to this many decimals count as ties (then the smaller n wins).
_EN_DECIMALS = 10
#: Largest total sample size the search will tabulate (memory grows as n**2).
_N_LIMIT = 2000
#: Candidates evaluated per vectorised batch.
_BATCH = 4096


class SearchBoundWarning(UserWarning):
    """An explicit ``n_max`` excluded a design better than the one returned."""


# --------------------------------------------------------------------------------------
# Exact helpers (vectorised, broadcasting)
# --------------------------------------------------------------------------------------


def _as_int(name: str, value: Any, *, minimum: int) -> npt.NDArray[np.int64]:
    return check_integer_array(name, value, minimum=minimum)


def _scalar_or_array(arr: npt.NDArray[np.float64]) -> Any:
    return float(arr) if arr.ndim == 0 else arr


def _rates(name: str, p: Any) -> npt.NDArray[np.float64]:
    """Probabilities in [0, 1]; below 1e-300 treated as 0 (scipy's binomial overflows on
    subnormal p; the change in any probability is below 1e-290)."""
    arr = check_closed_unit_array(name, p)
    return np.where(arr < 1e-300, 0.0, arr)


def prob_early_stop(r1: Any, n1: Any, p: Any) -> Any:
    r"""Probability of stopping for futility after stage 1, :math:`P_p(X_1 \le r_1)`.

    Parameters
    ----------
    r1 : int or array_like of int
        Stage-1 futility boundary (stop if responses <= ``r1``); ``-1`` means
        no futility stop.
    n1 : int or array_like of int
        Stage-1 sample size (>= 0).
    p : float or array_like
        True response rate(s) in [0, 1].

    Returns
    -------
    float or ndarray
        :math:`\sum_{x=0}^{r_1} \binom{n_1}{x} p^x (1-p)^{n_1-x}`, broadcast over
        the arguments; at ``p = p0`` this is Simon's PET(p0) [1]_.

    References
    ----------
    .. [1] Simon R. Optimal two-stage designs for phase II clinical trials.
       Control Clin Trials. 1989;10(1):1-10. doi:10.1016/0197-2456(89)90015-9

    Examples
    --------
    Simon's optimal design 3/13, 12/43 for :math:`p_0 = 0.2`, :math:`p_1 = 0.4`
    (Table 1 of [1]_) stops after stage 1 with probability 0.7473 under
    :math:`p_0` (clinfun's ``ph2simon`` prints the same PET(p0)):

    >>> from thera_stats.simon import prob_early_stop
    >>> round(prob_early_stop(3, 13, 0.2), 4)
    0.7473
    >>> prob_early_stop([2, 3], 10, 0.2).round(4)
    array([0.6778, 0.8791])
    """
    r1a = _as_int("r1", r1, minimum=-1)
    n1a = _as_int("n1", n1, minimum=0)
    pa = _rates("p", p)
    return _scalar_or_array(np.asarray(stats.binom.cdf(r1a, n1a, pa), dtype=float))


def prob_go(r1: Any, n1: Any, r: Any, n: Any, p: Any) -> Any:
    r"""Probability of continuing past stage 1 and then concluding "go".

    Parameters
    ----------
    r1, n1 : int or array_like of int
        Stage-1 boundary and size (continue if :math:`X_1 > r_1`; ``r1 = -1``
        means no futility stop).
    r, n : int or array_like of int
        Final boundary and total size (go if :math:`X_1 + X_2 > r`), with
        ``n >= n1``.
    p : float or array_like
        True response rate(s) in [0, 1].

    Returns
    -------
    float or ndarray
        .. math::

            P_p(X_1 > r_1,\ X_1 + X_2 > r) = \sum_{x_1 = r_1 + 1}^{n_1}
            b(x_1; n_1, p)\, \bar B(r - x_1; n - n_1, p),

        with :math:`X_1 \sim \mathrm{Bin}(n_1, p)`, :math:`X_2 \sim
        \mathrm{Bin}(n - n_1, p)` independent, :math:`b` the binomial pmf and
        :math:`\bar B(k; m, p) = P(\mathrm{Bin}(m, p) > k)` (1 for ``k < 0``).
        At ``p = p0`` this is the type I error, at ``p = p1`` the power, as
        defined by Simon [1]_.

    References
    ----------
    .. [1] Simon R. Optimal two-stage designs for phase II clinical trials.
       Control Clin Trials. 1989;10(1):1-10. doi:10.1016/0197-2456(89)90015-9

    Examples
    --------
    >>> from thera_stats.simon import prob_go
    >>> round(prob_go(3, 13, 12, 43, 0.2), 6)   # Simon (1989) optimal design, alpha
    0.049581
    """
    r1a = _as_int("r1", r1, minimum=-1)
    n1a = _as_int("n1", n1, minimum=0)
    ra = _as_int("r", r, minimum=-1)
    na = _as_int("n", n, minimum=0)
    pa = _rates("p", p)
    r1b, n1b, rb, nb, pb = np.broadcast_arrays(r1a, n1a, ra, na, pa)
    if np.any(nb < n1b):
        i = np.flatnonzero((nb < n1b).ravel())[0]
        raise ValueError(f"`n` ({int(nb.ravel()[i])}) must be >= `n1` ({int(n1b.ravel()[i])}).")
    kmax = int(n1b.max(initial=0))
    x1 = np.arange(kmax + 1)
    shape = (*r1b.shape, 1)
    r1e, n1e, re, ne, pe = (a.reshape(shape) for a in (r1b, n1b, rb, nb, pb))
    pmf = stats.binom.pmf(x1, n1e, pe)
    pmf = np.where((x1 > r1e) & (x1 <= n1e), pmf, 0.0)
    sf = stats.binom.sf(re - x1, ne - n1e, pe)
    out = np.sum(pmf * sf, axis=-1)
    return _scalar_or_array(np.asarray(out, dtype=float))


def final_boundary(r1: Any, n1: Any, n: Any, p0: Any, alpha: Any) -> int:
    r"""Smallest final boundary ``r`` with :math:`P_{p_0}(X_1 > r_1, X_1 + X_2 > r) \le \alpha`.

    This is the boundary used for the attained sample sizes when a trial ends
    off plan (see :meth:`SimonDesign.decide`); "go" iff the total exceeds it,
    which is equivalent to the stage-wise-ordering p-value being <= ``alpha``.

    Parameters
    ----------
    r1 : int
        Stage-1 futility boundary (``-1``: none).
    n1, n : int
        Stage-1 and total sizes, ``0 <= n1 <= n``.
    p0 : float
        Null response rate, strictly between 0 and 1.
    alpha : float
        Type I error bound, strictly between 0 and 1.

    Returns
    -------
    int
        ``r`` in ``[max(r1, -1), n]``; ``r = n`` means "go" is impossible.

    Notes
    -----
    Recomputing the final boundary at the attained sizes addresses the
    planned-versus-attained problem of Green & Dahlberg [2]_; "go" then agrees
    with the stage-wise-ordering p-value of Koyama & Chen [3]_. The methods page
    ``docs/methods/simon.md`` proves the type I error bound. At the planned
    sizes of a design found by :func:`simon_design` this is the design's ``r``
    (Simon [1]_). :meth:`SimonDesign.at_sizes` (the multi-stage engine's
    :meth:`~thera_stats.multistage.MultiStageDesign.at_sizes`) gives the same
    boundary; this closed form is kept as its independent check.

    References
    ----------
    .. [1] Simon R. Optimal two-stage designs for phase II clinical trials.
       Control Clin Trials. 1989;10(1):1-10. doi:10.1016/0197-2456(89)90015-9
    .. [2] Green SJ, Dahlberg S. Planned versus attained design in phase II
       clinical trials. Stat Med. 1992;11(7):853-862. doi:10.1002/sim.4780110703
    .. [3] Koyama T, Chen H. Proper inference from Simon's two-stage designs.
       Stat Med. 2008;27(16):3145-3154. doi:10.1002/sim.3123

    Examples
    --------
    >>> from thera_stats.simon import final_boundary
    >>> final_boundary(3, 13, 43, 0.2, 0.05)   # Simon's optimal 3/13, 12/43: r = 12
    12
    >>> final_boundary(2, 10, 17, 0.2, 0.05)   # THERA, 2/10, 7/22 stopped at 17 patients
    6
    """
    r1i = int(_as_int("r1", r1, minimum=-1))
    n1i = int(_as_int("n1", n1, minimum=0))
    ni = int(_as_int("n", n, minimum=0))
    if ni < n1i:
        raise ValueError(f"`n` ({ni!r}) must be >= `n1` ({n1i!r}).")
    if r1i > n1i:
        raise ValueError(f"`r1` ({r1i!r}) must be <= `n1` ({n1i!r}).")
    return _final_boundary_cached(
        r1i, n1i, ni, _check_prob("p0", p0), _check_prob("alpha", alpha)
    )


@lru_cache(maxsize=4096)
def _final_boundary_cached(r1: int, n1: int, n: int, p0: float, alpha: float) -> int:
    rs = np.arange(max(r1, -1), n + 1)
    a = np.asarray(prob_go(r1, n1, rs, n, p0))
    ok = np.flatnonzero(a <= alpha)
    return int(rs[ok[0]])  # r = n always qualifies (probability 0)


# --------------------------------------------------------------------------------------
# Result types
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OperatingCharacteristics:
    """Operating characteristics of a design at true response rate(s) ``p``.

    ``pet`` is the probability of early (futility) stop, ``prob_go`` the
    probability of concluding "go" and ``expected_n`` the expected number of
    patients. Floats for scalar ``p``, arrays otherwise.
    """

    p: Any
    pet: Any
    prob_go: Any
    expected_n: Any

    def to_frame(self) -> pd.DataFrame:
        """One row per value of ``p``."""
        return pd.DataFrame(
            {
                "p": np.atleast_1d(self.p),
                "pet": np.atleast_1d(self.pet),
                "prob_go": np.atleast_1d(self.prob_go),
                "expected_n": np.atleast_1d(self.expected_n),
            }
        )


def _check_int(name: str, value: Any, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        if isinstance(value, (float, np.floating)) and float(value).is_integer():
            value = int(value)
        else:
            raise TypeError(f"`{name}` ({value!r}) must be an integer.")
    v = int(value)
    if v < minimum:
        raise ValueError(f"`{name}` ({v!r}) must be >= {minimum}.")
    return v


def _is_real(value: Any) -> bool:
    """A real number: int, float, Fraction, numpy scalar or 0-d numeric array; not a bool
    or a string (``float()`` would parse ``"0.05"`` silently)."""
    if isinstance(value, (bool, np.bool_)):
        return False
    if isinstance(value, numbers.Real):
        return True
    return (
        isinstance(value, np.ndarray)
        and value.ndim == 0
        and (np.issubdtype(value.dtype, np.integer) or np.issubdtype(value.dtype, np.floating))
    )


def _check_prob(name: str, value: Any) -> float:
    """A real number strictly between 0 and 1; strings and bools raise ``TypeError``."""
    if not _is_real(value):
        raise TypeError(f"`{name}` ({value!r}) must be a number strictly between 0 and 1.")
    return check_open_unit(name, value)


def _check_error_rates(alpha: Any, power: Any) -> tuple[float, float]:
    """A design's error rates: ``0 < alpha < 0.5`` and ``alpha < power < 1``, each message
    quoting the value (a one-sided type I error of 0.5 or more, or a power not above it,
    makes a search return a degenerate design that "goes" on almost any data)."""
    a = _check_prob("alpha", alpha)
    if not a < 0.5:
        raise ValueError(
            f"`alpha` ({alpha!r}) must be below 0.5: it is a one-sided type I error (0.05 or "
            "0.1 are usual); at 0.5 or more a design may conclude 'go' on no evidence."
        )
    pw = _check_prob("power", power)
    if not pw > a:
        raise ValueError(
            f"`power` ({power!r}) must exceed `alpha` ({alpha!r}): no design is needed for a "
            "power the type I error already gives (0.8 or 0.9 are usual)."
        )
    return a, pw


def _check_weight(value: Any) -> float:
    """The admissible-design weight ``q``: a real number in [0, 1]."""
    if not _is_real(value):
        raise TypeError(f"`weight` ({value!r}) must be a number in [0, 1].")
    q = float(value)
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"`weight` ({value!r}) must lie in [0, 1].")
    return q


def _check_rates(p0: Any, p1: Any) -> tuple[float, float]:
    p0f = _check_prob("p0", p0)
    p1f = _check_prob("p1", p1)
    if not p0f < p1f:
        raise ValueError(f"`p0` ({p0!r}) must be smaller than `p1` ({p1!r}).")
    return p0f, p1f


@dataclass(frozen=True, slots=True)
class SimonDesign:
    r"""A Simon two-stage design: stop after ``n1`` if responses <= ``r1``; go if total > ``r``.

    Construct it directly (every argument is validated) or with
    :func:`simon_design`. The exact operating characteristics are computed on
    construction.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    alpha, power : float
        Targets for the type I error and the power, ``0 < alpha < 0.5`` and
        ``alpha < power < 1``.
    r1, n1, r, n : int
        Boundaries and sizes, ``0 <= r1 < n1 < n`` and ``r1 <= r < n``.
    criterion : str
        How the design was chosen: ``"custom"`` (default), ``"optimal"``,
        ``"minimax"`` or ``"admissible"``.
    weight : float or None
        The weight ``q`` of an admissible design (``None`` otherwise).

    Attributes
    ----------
    actual_alpha, actual_power : float
        :math:`P_{p}(X_1 > r_1, X_1 + X_2 > r)` at ``p0`` and ``p1``.
    pet_p0, pet_p1 : float
        Probability of early termination :math:`P_p(X_1 \le r_1)`.
    en_p0, en_p1 : float
        Expected sample size :math:`n_1 + (1 - \mathrm{PET}(p))(n - n_1)`.
    multistage : MultiStageDesign
        The same design in the multi-stage engine (sizes ``[n1, n]``,
        futility bounds ``[r1, r]``, no efficacy stop), which computes its
        operating characteristics, decisions and sample space.

    Notes
    -----
    The design meets its targets (:attr:`meets_targets`) if ``actual_alpha <=
    alpha`` and ``actual_power >= power``; a custom design need not.
    A Simon design is the :math:`K = 2` case without efficacy stop of
    :class:`~thera_stats.multistage.MultiStageDesign`; the attributes above
    are that engine's exact recursion at ``p0`` and ``p1``.

    Examples
    --------
    >>> from thera_stats import simon
    >>> d = simon.SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    >>> round(d.actual_alpha, 4), round(d.actual_power, 4), round(d.en_p0, 2)
    (0.0492, 0.8065, 13.87)
    >>> d.decide(4, 9, n_total=17).action
    'go'
    """

    p0: float
    p1: float
    alpha: float
    power: float
    r1: int
    n1: int
    r: int
    n: int
    criterion: str = "custom"
    weight: float | None = None
    actual_alpha: float = field(init=False, repr=False, compare=False)
    actual_power: float = field(init=False, repr=False, compare=False)
    pet_p0: float = field(init=False, repr=False, compare=False)
    pet_p1: float = field(init=False, repr=False, compare=False)
    en_p0: float = field(init=False, repr=False, compare=False)
    en_p1: float = field(init=False, repr=False, compare=False)
    multistage: MultiStageDesign = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        p0, p1 = _check_rates(self.p0, self.p1)
        alpha, power = _check_error_rates(self.alpha, self.power)
        r1 = _check_int("r1", self.r1, minimum=0)
        n1 = _check_int("n1", self.n1, minimum=1)
        r = _check_int("r", self.r, minimum=0)
        n = _check_int("n", self.n, minimum=2)
        if not r1 < n1:
            raise ValueError(f"`r1` ({r1!r}) must be smaller than `n1` ({n1!r}).")
        if not n1 < n:
            raise ValueError(f"`n1` ({n1!r}) must be smaller than `n` ({n!r}).")
        if not r1 <= r < n:
            raise ValueError(f"`r` ({r!r}) must satisfy r1 <= r < n (r1 = {r1!r}, n = {n!r}).")
        criterion = check_choice("criterion", self.criterion, _DESIGN_CRITERIA)
        weight = None if self.weight is None else _check_weight(self.weight)
        values = {
            "p0": p0,
            "p1": p1,
            "alpha": alpha,
            "power": power,
            "r1": r1,
            "n1": n1,
            "r": r,
            "n": n,
            "criterion": criterion,
            "weight": weight,
        }
        for key, value in values.items():
            object.__setattr__(self, key, value)
        engine = MultiStageDesign(p0, p1, sizes=[n1, n], futility=[r1, r])
        object.__setattr__(self, "multistage", engine)
        oc = engine._oc01
        pet, go, en = oc.prob_early_stop, oc.prob_go, oc.expected_n
        for key, value in (
            ("actual_alpha", go[0]),
            ("actual_power", go[1]),
            ("pet_p0", pet[0]),
            ("pet_p1", pet[1]),
            ("en_p0", en[0]),
            ("en_p1", en[1]),
        ):
            object.__setattr__(self, key, float(value))

    # -- derived ------------------------------------------------------------------
    @property
    def meets_targets(self) -> bool:
        """``actual_alpha <= alpha`` and ``actual_power >= power``."""
        return self.actual_alpha <= self.alpha and self.actual_power >= self.power

    @property
    def beta(self) -> float:
        """Target type II error, ``1 - power``."""
        return 1.0 - self.power

    def operating_characteristics(self, p: Any) -> OperatingCharacteristics:
        r"""Probability of early stop, of "go", and expected size at rate(s) ``p``.

        Parameters
        ----------
        p : float or array_like
            True response rate(s) in [0, 1].

        Returns
        -------
        OperatingCharacteristics
            ``pet`` :math:`= P_p(X_1 \le r_1)`, ``prob_go`` :math:`= P_p(X_1 > r_1,
            X_1 + X_2 > r)` and ``expected_n`` :math:`= n_1 + (1 - \mathrm{pet})(n - n_1)`.

        Examples
        --------
        >>> from thera_stats.simon import SimonDesign
        >>> d = SimonDesign(p0=0.2, p1=0.4, alpha=0.05, power=0.8, r1=3, n1=13, r=12, n=43)
        >>> oc = d.operating_characteristics([0.2, 0.4])
        >>> oc.prob_go.round(4)
        array([0.0496, 0.8002])
        """
        pa = check_closed_unit_array("p", p)
        # the engine's recursion at each rate (subnormal rates as 0, as in prob_go)
        oc = self.multistage.operating_characteristics(np.where(pa < 1e-300, 0.0, pa).ravel())

        def conv(values: Any) -> Any:
            return _scalar_or_array(np.asarray(values, dtype=float).reshape(pa.shape))

        return OperatingCharacteristics(
            p=conv(pa),
            pet=conv(oc.prob_early_stop),
            prob_go=conv(oc.prob_go),
            expected_n=conv(oc.expected_n),
        )

    def to_frame(self) -> pd.DataFrame:
        """The design and its operating characteristics as a one-row table."""
        return pd.DataFrame([self._record()])

    def _record(self) -> dict[str, Any]:
        return {
            "criterion": self.criterion,
            "p0": self.p0,
            "p1": self.p1,
            "alpha": self.alpha,
            "power": self.power,
            "r1": self.r1,
            "n1": self.n1,
            "r": self.r,
            "n": self.n,
            "actual_alpha": self.actual_alpha,
            "actual_power": self.actual_power,
            "pet_p0": self.pet_p0,
            "pet_p1": self.pet_p1,
            "en_p0": self.en_p0,
            "en_p1": self.en_p1,
            "weight": self.weight,
        }

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))

    # -- decisions ------------------------------------------------------------------
    def decide(
        self,
        responses_stage1: int,
        responses_total: int | None = None,
        *,
        n_stage1: int | None = None,
        n_total: int | None = None,
        rule: str = "attained-size",
    ) -> Decision:
        r"""The go/no-go decision for observed responses, on plan or off plan.

        Parameters
        ----------
        responses_stage1 : int
            Responses among the stage-1 patients.
        responses_total : int, optional
            Responses among all patients (stage 1 + stage 2). Omit it for the
            interim decision.
        n_stage1 : int, optional
            Attained stage-1 size (default: the planned ``n1``).
        n_total : int, optional
            Attained total size (default: the planned ``n``); ``n_total >=
            n_stage1``.
        rule : str, optional
            The off-plan rule (:data:`thera_stats.off_plan.RULES`): the default
            ``"attained-size"`` (below), ``"planned"``, ``"ats"``, ``"atss"``
            (its redesign keeps this design's ``power``) or
            ``"conditional-error"``; see :mod:`thera_stats.off_plan`. Passed to
            :meth:`MultiStageDesign.decide
            <thera_stats.multistage.MultiStageDesign.decide>`; ``r1_used``,
            ``r_used``, ``type1_error`` and ``power`` are then the rule's, and
            ``multistage`` is None for ``"conditional-error"``.

        Returns
        -------
        Decision
            ``action`` is ``"stop for futility"``, ``"continue to stage 2"``,
            ``"go"`` or ``"no go"``, with the sentence explaining it, the rule
            used and what the planned rule would have said.

        Notes
        -----
        *On plan* (attained sizes equal the plan) the planned rule is applied
        as is. *Off plan* (under- or over-running in either stage):

        1. Stage-1 boundary: ``r1`` if ``n_stage1 == n1``; otherwise the largest
           :math:`r_1'` with :math:`P_{p_1}(X_1' \le r_1') \le P_{p_1}(X_1 \le r_1)`
           (the chance of stopping an active treatment is no larger than
           planned; :math:`r_1' = -1`, no futility stop, if none).
        2. Final boundary: :math:`r^*` = :func:`final_boundary` at the attained
           sizes, the smallest ``r`` with :math:`P_{p_0}(X_1' > r_1', X_1' +
           X_2' > r) \le \alpha`, :math:`X_1' \sim \mathrm{Bin}(n_1', p_0)`,
           :math:`X_2' \sim \mathrm{Bin}(n' - n_1', p_0)`. Go iff the total
           exceeds :math:`r^*`.

        This is :meth:`MultiStageDesign.at_sizes
        <thera_stats.multistage.MultiStageDesign.at_sizes>` of :attr:`multistage`
        at ``[n_stage1, n_total]`` with this design's ``alpha`` (:meth:`at_sizes`
        returns it); the decision is that design's rule, and the ``Decision``
        carries it as ``multistage`` for inference.

        If the attained sizes do not depend on the responses (recruitment, not
        results, ended the trial), the type I error of the rule is that
        probability, <= ``alpha`` by construction, whatever the sizes. "Go"
        happens exactly when the stage-wise-ordering p-value (Koyama & Chen
        2008) at the attained sizes is <= ``alpha``. The futility boundary is
        binding: stage-2 responses after a stage-1 stop do not change the
        decision.

        Examples
        --------
        >>> from thera_stats.simon import SimonDesign
        >>> d = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
        >>> d.decide(3).action
        'continue to stage 2'
        >>> dec = d.decide(3, 7, n_total=17)   # stopped early at 17 of 22 patients
        >>> dec.action, dec.r_used, dec.planned_action
        ('go', 6, 'no go')
        """
        rule_name = rule
        if rule_name != "attained-size":
            off_plan_rule(self.multistage, None, rule=rule_name, alpha=self.alpha)  # the name
        x1 = _check_int("responses_stage1", responses_stage1, minimum=0)
        n1a = self.n1 if n_stage1 is None else _check_int("n_stage1", n_stage1, minimum=1)
        if x1 > n1a:
            raise ValueError(
                f"`responses_stage1` ({x1!r}) must not exceed the stage-1 size ({n1a!r})."
            )
        planned_stage1 = "stop for futility" if x1 <= self.r1 else "continue to stage 2"
        if responses_total is None:
            if n_total is not None:
                raise ValueError(
                    f"`n_total` ({n_total!r}) given without `responses_total`; pass both."
                )
            # the stage-1 rule depends on n_stage1 only; the total is still the plan's
            if rule_name != "attained-size":
                return _rule_decision(self, x1, None, n1a, max(self.n, n1a), rule_name)
            adapted = self.multistage.at_sizes([n1a, max(self.n, n1a)], alpha=self.alpha)
            return _interim_decision(self, x1, n1a, adapted, planned_stage1)
        xt = _check_int("responses_total", responses_total, minimum=0)
        na = self.n if n_total is None else _check_int("n_total", n_total, minimum=1)
        if na < n1a:
            which = "`n_total`" if n_total is not None else "the planned total n"
            raise ValueError(f"{which} ({na!r}) must be >= the stage-1 size ({n1a!r}).")
        if xt < x1:
            raise ValueError(f"`responses_total` ({xt!r}) must be >= `responses_stage1` ({x1!r}).")
        if xt - x1 > na - n1a:
            raise ValueError(
                f"`responses_total` ({xt!r}) implies {format_count(xt - x1, 'stage-2 response')} "
                f"among {format_count(na - n1a, 'stage-2 patient')}."
            )
        if rule_name != "attained-size":
            return _rule_decision(self, x1, xt, n1a, na, rule_name)
        adapted = self.multistage.at_sizes([n1a, na], alpha=self.alpha)
        return _final_decision(self, x1, xt, n1a, na, adapted)

    def at_sizes(
        self, n_stage1: int | None = None, n_total: int | None = None
    ) -> MultiStageDesign:
        r"""The rule for attained stage sizes, as a :class:`~thera_stats.multistage.MultiStageDesign`.

        Parameters
        ----------
        n_stage1, n_total : int, optional
            Attained stage-1 and total sizes (defaults: the planned ``n1`` and
            ``n``), ``1 <= n_stage1 <= n_total``.

        Returns
        -------
        MultiStageDesign
            :attr:`multistage` itself on plan; off plan the design with sizes
            ``[n_stage1, n_total]``, stage-1 bound :func:`stage1_boundary` and
            final bound :func:`final_boundary` (the rule of :meth:`decide`).
            Exact inference after the trial is
            :func:`~thera_stats.multistage_inference.multistage_inference` on it
            (which :func:`~thera_stats.two_stage.two_stage_inference` reports).

        Examples
        --------
        >>> from thera_stats.simon import SimonDesign
        >>> d = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
        >>> d.at_sizes(n_total=17)
        MultiStageDesign(p0=0.2, p1=0.45, sizes=[10, 17], futility=[2, 6])
        """
        n1a = self.n1 if n_stage1 is None else _check_int("n_stage1", n_stage1, minimum=1)
        na = self.n if n_total is None else _check_int("n_total", n_total, minimum=1)
        if na < n1a:
            which = "`n_total`" if n_total is not None else "the planned total n"
            raise ValueError(f"{which} ({na!r}) must be >= the stage-1 size ({n1a!r}).")
        return self.multistage.at_sizes([n1a, na], alpha=self.alpha)


def stage1_boundary(r1: int, n1: int, n1a: int, p1: float) -> int:
    r"""Stage-1 futility boundary for an attained stage-1 size ``n1a``.

    The planned ``r1`` when ``n1a == n1``; otherwise the largest :math:`r_1'`
    with :math:`P_{p_1}(X_1' \le r_1') \le P_{p_1}(X_1 \le r_1)`, where
    :math:`X_1 \sim \mathrm{Bin}(n_1, p_1)` and :math:`X_1' \sim
    \mathrm{Bin}(n_1', p_1)`: an active treatment is stopped no more often than
    the plan allowed. This is step 1 of the off-plan rule of
    :meth:`SimonDesign.decide` (the trial that does not reach its planned size
    is the problem studied by Green & Dahlberg [2]_).

    Parameters
    ----------
    r1 : int
        Planned stage-1 futility boundary (stop if responses <= ``r1``;
        ``-1``: no futility stop).
    n1 : int
        Planned stage-1 size (>= 1), with ``r1 <= n1``.
    n1a : int
        Attained stage-1 size (>= 0).
    p1 : float
        Target response rate, strictly between 0 and 1.

    Returns
    -------
    int
        The boundary :math:`r_1'` for ``n1a`` patients, in ``[-1, n1a]``;
        ``-1`` means no futility stop (even 0 responses would stop an active
        treatment more often than planned).

    Raises
    ------
    TypeError, ValueError
        Non-integer sizes, ``r1 > n1``, or ``p1`` not a number in (0, 1); the
        message quotes the value.

    References
    ----------
    .. [1] Simon R. Optimal two-stage designs for phase II clinical trials.
       Control Clin Trials. 1989;10(1):1-10. doi:10.1016/0197-2456(89)90015-9
    .. [2] Green SJ, Dahlberg S. Planned versus attained design in phase II
       clinical trials. Stat Med. 1992;11(7):853-862. doi:10.1002/sim.4780110703

    Examples
    --------
    THERA's plan 2/10, 7/22 with :math:`p_1 = 0.45`: 2 or fewer responses of 10
    stop; with 15 stage-1 patients 3 or fewer stop, with 6 patients 0 responses
    stop, and with 2 patients there is no futility stop.

    >>> from thera_stats.simon import stage1_boundary
    >>> stage1_boundary(2, 10, 10, 0.45), stage1_boundary(2, 10, 15, 0.45)
    (2, 3)
    >>> stage1_boundary(2, 10, 6, 0.45), stage1_boundary(2, 10, 2, 0.45)
    (0, -1)
    """
    r1 = _check_int("r1", r1, minimum=-1)
    n1 = _check_int("n1", n1, minimum=1)
    n1a = _check_int("n1a", n1a, minimum=0)
    p1 = _check_prob("p1", p1)
    if r1 > n1:
        raise ValueError(f"`r1` ({r1!r}) must be <= `n1` ({n1!r}).")
    if n1a == n1:
        return r1
    target = float(stats.binom.cdf(r1, n1, p1))
    cdf = stats.binom.cdf(np.arange(n1a + 1), n1a, p1)
    ok = np.flatnonzero(cdf <= target * (1.0 + 1e-12))
    return int(ok[-1]) if ok.size else -1


@dataclass(frozen=True, slots=True)
class Decision:
    """The go/no-go decision returned by :meth:`SimonDesign.decide`.

    Attributes
    ----------
    action : str
        ``"stop for futility"``, ``"continue to stage 2"``, ``"go"`` or ``"no go"``.
    explanation : str
        One or two sentences explaining the action.
    rule : str
        ``"planned"`` or ``"attained-size boundary"`` (off plan).
    on_plan : bool
        Whether the attained sizes equal the plan.
    responses_stage1, responses_total : int or None
        The data the decision used.
    n_stage1, n_total : int or None
        Attained sizes (``n_total`` None at the interim).
    planned_n1, planned_n : int
        The design's sizes.
    r1_used, r_used : int or None
        Boundaries applied (``r_used`` None at the interim).
    planned_action : str
        What the planned rule ``(r1, r)`` would have said for these counts
        (not a valid level-alpha rule off plan).
    type1_error, power : float or None
        Exact type I error and power of the rule used at the attained sizes.
    design : SimonDesign
        The design.
    multistage : MultiStageDesign or None
        The rule applied, as a multi-stage design: ``design.multistage`` on
        plan, :meth:`SimonDesign.at_sizes` off plan (at the interim, the
        attained stage-1 size and the planned total).
    """

    action: str
    explanation: str
    rule: str
    on_plan: bool
    responses_stage1: int
    responses_total: int | None
    n_stage1: int
    n_total: int | None
    planned_n1: int
    planned_n: int
    r1_used: int
    r_used: int | None
    planned_action: str
    type1_error: float | None
    power: float | None
    design: SimonDesign = field(repr=False)
    multistage: MultiStageDesign | None = field(default=None, repr=False, compare=False)

    def __str__(self) -> str:
        return self.explanation

    @property
    def go(self) -> bool:
        """True if the action is ``"go"``."""
        return self.action == "go"

    def inference(self) -> TwoStageInference:
        """Exact two-stage inference (p-value, estimate, interval) for these data.

        :func:`thera_stats.two_stage.two_stage_inference` with the design, the
        responses and the attained sizes. After a stop for futility only stage
        1 is passed: the binding stop ends the sample space there, even if more
        patients were treated.

        Raises
        ------
        ValueError
            At the interim when the trial continues (no final data yet).
        """
        if self.action == "continue to stage 2":
            raise ValueError(
                "The trial continues to stage 2; inference needs the final data "
                "(call decide() with responses_total)."
            )
        if self.action == "stop for futility":
            # The binding futility stop ends the sample space at stage 1, whatever
            # was collected after it.
            return two_stage_inference(
                self.design, self.responses_stage1, None, n_stage1=self.n_stage1
            )
        return two_stage_inference(
            self.design, self.responses_stage1, self.responses_total,
            n_stage1=self.n_stage1, n_total=self.n_total,
        )


def _sizes_phrase(d: SimonDesign, n1a: int, na: int | None) -> str:
    s1 = format_count(n1a, "stage-1 patient") + ("" if n1a == d.n1 else f" (planned {d.n1})")
    if na is None:
        return s1
    return s1 + f" and {na} in total" + ("" if na == d.n else f" (planned {d.n})")


def _interim_decision(
    d: SimonDesign, x1: int, n1a: int, rule: MultiStageDesign, planned_stage1: str
) -> Decision:
    on_plan = n1a == d.n1
    r1a = rule.futility[0]
    engine = rule.decide([x1]).action  # "stop for futility" or "continue"
    action = "stop for futility" if engine == "stop for futility" else "continue to stage 2"
    cmp = "at most" if x1 <= r1a else "more than"
    if on_plan:
        text = (
            f"{action.capitalize()}: {format_count(x1, 'response')} in "
            f"{format_count(n1a, 'stage-1 patient')}, {cmp} the futility boundary r1 = {r1a} of "
            f"the planned design."
        )
    elif r1a < 0:
        # No count can stop for futility at this size without stopping an active
        # treatment more often than planned: the rule continues whatever the data.
        text = (
            f"{action.capitalize()}: {format_count(x1, 'response')} in "
            f"{_sizes_phrase(d, n1a, None)}; "
            f"with so few stage-1 patients no number of responses stops the trial for "
            f"futility while keeping the planned chance of stopping an active treatment "
            f"(attained-size boundary r1' = {r1a}), so the rule continues; the planned "
            f"boundary r1 = {d.r1} would say '{planned_stage1}'."
        )
    else:
        text = (
            f"{action.capitalize()}: {format_count(x1, 'response')} in "
            f"{_sizes_phrase(d, n1a, None)}, "
            f"{cmp} "
            f"the stage-1 boundary r1' = {r1a} for the attained size (chosen so that an active "
            f"treatment is stopped no more often than planned); the planned boundary "
            f"r1 = {d.r1} would say '{planned_stage1}'."
        )
    if n1a < d.n1:
        text += (f" Stage 1 is incomplete ({n1a} of {d.n1} patients): while recruitment goes "
                 f"on, the planned interim look is at {d.n1} patients.")
    return Decision(
        action=action,
        explanation=text,
        rule="planned" if on_plan else "attained-size boundary",
        on_plan=on_plan,
        responses_stage1=x1,
        responses_total=None,
        n_stage1=n1a,
        n_total=None,
        planned_n1=d.n1,
        planned_n=d.n,
        r1_used=r1a,
        r_used=None,
        planned_action=planned_stage1,
        type1_error=None,
        power=None,
        design=d,
        multistage=rule,
    )


def _final_decision(
    d: SimonDesign, x1: int, xt: int, n1a: int, na: int, design: MultiStageDesign
) -> Decision:
    on_plan = n1a == d.n1 and na == d.n
    planned = "stop for futility" if x1 <= d.r1 else ("go" if xt > d.r else "no go")
    r1a, r_used = design.futility
    t1, pw = (float(v) for v in design._oc01.prob_go)
    rule = "planned" if on_plan else "attained-size boundary"
    where = _sizes_phrase(d, n1a, na)
    # the futility stop is binding: the engine's rule ends the trial at stage 1
    stage1 = design.decide([x1]).action
    if stage1 == "stop for futility":
        action = "stop for futility"
        text = (
            f"Stop for futility: {format_count(x1, 'response')} in "
            f"{format_count(n1a, 'stage-1 patient')}, "
            f"at most the futility boundary r1{'' if n1a == d.n1 else chr(39)} = {r1a}; the "
            f"futility rule is binding, so later responses do not change the decision."
        )
    else:
        action = design.decide([x1, xt]).action  # "go" or "no go"
        cmp = "more than" if action == "go" else "at most"
        if on_plan:
            text = (
                f"{action.capitalize()}: {format_count(xt, 'response')} in "
                f"{format_count(na, 'patient')}, "
                f"{cmp} the final boundary r = {r_used} of the planned design (type I "
                f"error {t1:.4f}, power {pw:.4f})."
            )
        else:
            text = (
                f"{action.capitalize()}: {format_count(xt, 'response')} with {where}, {cmp} the "
                f"boundary "
                f"r* = {r_used} recomputed for the attained sizes so that the type I error "
                f"stays <= {d.alpha:g} (exactly {t1:.4f}; power {pw:.4f} at p1 = {d.p1:g})."
            )
    if not on_plan:
        text += f" The planned rule (r1 = {d.r1}, r = {d.r}) would have said '{planned}'."
    return Decision(
        action=action,
        explanation=text,
        rule=rule,
        on_plan=on_plan,
        responses_stage1=x1,
        responses_total=xt,
        n_stage1=n1a,
        n_total=na,
        planned_n1=d.n1,
        planned_n=d.n,
        r1_used=r1a,
        r_used=r_used,
        planned_action=planned,
        type1_error=t1,
        power=pw,
        design=d,
        multistage=design,
    )


def _rule_decision(
    d: SimonDesign, x1: int, xt: int | None, n1a: int, na: int, rule: str
) -> Decision:
    """:meth:`SimonDesign.decide` with an off-plan rule of :mod:`thera_stats.off_plan`."""
    on_plan = n1a == d.n1 and (xt is None or na == d.n)
    planned_stage1 = "stop for futility" if x1 <= d.r1 else "continue to stage 2"
    if xt is None:
        planned = planned_stage1
    else:
        planned = "stop for futility" if x1 <= d.r1 else ("go" if xt > d.r else "no go")
    info = off_plan_rule(d.multistage, [n1a, na], rule=rule, alpha=d.alpha, power=d.power,
                         responses=[x1])
    r1a = info.futility[0]
    counts = [x1] if (xt is None or x1 <= r1a) else [x1, xt]
    dec = d.multistage.decide(counts, [n1a, na], alpha=d.alpha, rule=rule, power=d.power)
    action = {"continue": "continue to stage 2"}.get(dec.action, dec.action)
    text = dec.explanation
    if x1 <= r1a and xt is not None:
        text += " The futility rule is binding, so later responses do not change the decision."
    if not on_plan:
        text += f" The planned rule (r1 = {d.r1}, r = {d.r}) would have said '{planned}'."
    return Decision(
        action=action,
        explanation=text,
        rule="planned" if on_plan else rule,
        on_plan=on_plan,
        responses_stage1=x1,
        responses_total=xt,
        n_stage1=n1a,
        n_total=None if xt is None else na,
        planned_n1=d.n1,
        planned_n=d.n,
        r1_used=r1a,
        r_used=None if xt is None else info.final_bound,
        planned_action=planned,
        type1_error=None if xt is None else info.type1_error,
        power=None if xt is None else info.power,
        design=d,
        multistage=dec.design,
    )


# --------------------------------------------------------------------------------------
# The search
# --------------------------------------------------------------------------------------


class _Tables:
    """Binomial pmf and survival tables at p0 and p1, grown on demand."""

    def __init__(self, p0: float, p1: float) -> None:
        self.p = (p0, p1)
        self.size = -1
        self.pmf: tuple[npt.NDArray[np.float64], ...] = ()
        self.sf: tuple[npt.NDArray[np.float64], ...] = ()

    def ensure(self, size: int) -> None:
        if size <= self.size:
            return
        if size > _N_LIMIT:
            raise ValueError(
                f"The search needs sample sizes up to {size}, beyond the supported "
                f"{_N_LIMIT}; p0 and p1 are too close for a Simon design."
            )
        size = min(max(size, 2 * self.size, 64), _N_LIMIT)
        m = np.arange(size + 1)[:, None]
        k = np.arange(size + 1)[None, :]
        pmfs, sfs = [], []
        for p in self.p:
            pmfs.append(stats.binom.pmf(k, m, p))
            # sf[m, j] = P(Bin(m, p) > j - 1), j = 0 .. size + 1 (so j = 0 is k = -1).
            sf = np.ones((size + 1, size + 2))
            sf[:, 1:] = stats.binom.sf(k, m, p)
            sfs.append(sf)
        self.pmf, self.sf, self.size = tuple(pmfs), tuple(sfs), size


@dataclass
class _Candidates:
    n1: npt.NDArray[np.int64]
    r1: npt.NDArray[np.int64]
    n: npt.NDArray[np.int64]

    def __len__(self) -> int:
        return int(self.n.size)

    def take(self, idx: Any) -> _Candidates:
        return _Candidates(self.n1[idx], self.r1[idx], self.n[idx])


class _Search:
    """Exact evaluation of candidate designs and the searches built on it."""

    def __init__(self, p0: float, p1: float, alpha: float, power: float) -> None:
        self.p0, self.p1, self.alpha, self.power = p0, p1, alpha, power
        self.tab = _Tables(p0, p1)
        self.n_lb = self._ump_lower_bound()
        self.tab.ensure(2 * self.n_lb + 10)

    # Lower bound: a two-stage test on n patients is a test of the sufficient
    # statistic X = X1 + X2; its power cannot exceed the randomised UMP test's.
    def _ump_lower_bound(self) -> int:
        n = 1
        while True:
            ns = np.arange(n, 2 * n + 64)
            if ns[-1] > _N_LIMIT:
                raise ValueError(
                    f"Even the most powerful test needs more than {_N_LIMIT} patients for "
                    f"p0 = {self.p0:g}, p1 = {self.p1:g}, alpha = {self.alpha:g}, "
                    f"power = {self.power:g}."
                )
            k = stats.binom.isf(self.alpha, ns, self.p0).astype(int)  # P0(X > k) <= alpha
            k = np.maximum(k, 0)
            # make k the smallest integer with P0(X > k) <= alpha (isf is a generalised inverse)
            for _ in range(3):
                back = (k > 0) & (stats.binom.sf(k - 1, ns, self.p0) <= self.alpha)
                k = np.where(back, k - 1, k)
                k = np.where(stats.binom.sf(k, ns, self.p0) > self.alpha, k + 1, k)
            tail0 = stats.binom.sf(k, ns, self.p0)
            atom0 = stats.binom.pmf(k, ns, self.p0)
            gamma = np.where(atom0 > 0, (self.alpha - tail0) / np.where(atom0 > 0, atom0, 1), 0)
            pw = stats.binom.sf(k, ns, self.p1) + gamma * stats.binom.pmf(k, ns, self.p1)
            ok = np.flatnonzero(pw >= self.power * (1 - 1e-12))
            if ok.size:
                return max(int(ns[ok[0]]), 2)
            n = int(ns[-1]) + 1

    def r1_max(self, n1: npt.NDArray[np.int64]) -> npt.NDArray[np.int64]:
        """Largest r1 < n1 with P1(X1 > r1) >= power (-1 if none): power <= P1(X1 > r1)."""
        self.tab.ensure(int(n1.max(initial=0)) + 1)
        sf1 = self.tab.sf[1]
        j = np.arange(1, sf1.shape[1])  # column j is r1 = j - 1
        ok = sf1[n1][:, j] >= self.power * (1 - 1e-12)
        ok &= (j - 1)[None, :] < n1[:, None]
        return ok.sum(axis=1).astype(np.int64) - 1

    def q0(self, n1: Any, r1: Any) -> Any:
        """P0(X1 > r1): probability of continuing under p0."""
        return self.tab.sf[0][n1, np.asarray(r1) + 1]

    def evaluate(self, c: _Candidates) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        """Smallest r with alpha(r) <= alpha for each candidate, and its feasibility."""
        out_r = np.empty(len(c), dtype=np.int64)
        out_ok = np.empty(len(c), dtype=bool)
        order = np.argsort(c.n1, kind="stable")  # batches of similar n1: less padding
        for start in range(0, len(c), _BATCH):
            idx = order[start : start + _BATCH]
            r, ok = self._evaluate_batch(c.take(idx))
            out_r[idx], out_ok[idx] = r, ok
        return out_r, out_ok

    def _evaluate_batch(
        self, c: _Candidates
    ) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.bool_]]:
        tab = self.tab
        tab.ensure(int(c.n.max()) + 1)
        top = tab.size
        # Bracket the smallest r with alpha(r) <= alpha, where alpha(r) = P0(X1 > r1, X > r)
        # with X = X1 + X2 (alpha decreases in r and is constant for r <= r1):
        #   alpha(r) <= P0(X > r), so r_alpha <= smallest r with P0(X > r) <= alpha;
        #   alpha(r) >= P0(X > r) - P0(X1 <= r1), so r_alpha >= smallest r with
        #   P0(X > r) <= alpha + PET0.
        # Power at r_alpha is at most P1(X > lower bracket): candidates failing that are out.
        tot0 = tab.sf[0][c.n]  # column j <-> P0(X > j - 1)
        pet0 = 1.0 - self.q0(c.n1, c.r1)
        r_hi = (tot0 > self.alpha).sum(axis=1) - 1
        r_lo = (tot0 > (self.alpha + pet0)[:, None]).sum(axis=1) - 1
        lo = np.maximum(c.r1, r_lo)
        hi = np.maximum(c.r1, r_hi)
        r = lo.copy()
        ok = np.zeros(len(c), dtype=bool)
        keep = np.flatnonzero(tab.sf[1][c.n, lo + 1] >= self.power)
        if not keep.size:
            return r, ok
        c = c.take(keep)
        lo, hi = lo[keep], hi[keep]
        kmax = int(c.n1.max())
        x = np.arange(kmax + 1)[None, :]
        live = x > c.r1[:, None]
        w0 = np.where(live, tab.pmf[0][c.n1[:, None], x], 0.0)
        n2 = (c.n - c.n1)[:, None]
        active = np.flatnonzero(lo < hi)
        while active.size:
            mid = (lo[active] + hi[active]) // 2
            j = np.clip(mid[:, None] - x, -1, top) + 1
            a = np.sum(w0[active] * tab.sf[0][n2[active], j], axis=1)
            good = a <= self.alpha
            hi[active] = np.where(good, mid, hi[active])
            lo[active] = np.where(good, lo[active], mid + 1)
            active = active[lo[active] < hi[active]]
        w1 = np.where(live, tab.pmf[1][c.n1[:, None], x], 0.0)
        j = np.clip(lo[:, None] - x, -1, top) + 1
        pw = np.sum(w1 * tab.sf[1][n2, j], axis=1)
        r[keep] = lo
        ok[keep] = (lo < c.n) & (pw >= self.power)
        return r, ok

    # -- minimax ---------------------------------------------------------------------
    def all_for_n(self, n: int) -> _Candidates:
        n1 = np.arange(1, n)
        rmax = self.r1_max(n1)
        counts = np.maximum(rmax + 1, 0)
        n1r = np.repeat(n1, counts)
        starts = np.cumsum(counts) - counts
        r1 = np.arange(counts.sum()) - np.repeat(starts, counts)
        return _Candidates(n1r.astype(np.int64), r1.astype(np.int64), np.full(n1r.size, n))

    def minimax(self, n_max: int | None) -> tuple[int, int, int, int, float] | None:
        n = self.n_lb
        while n_max is None or n <= n_max:
            if n > _N_LIMIT:
                raise ValueError(
                    f"No feasible design with n <= {_N_LIMIT} for p0 = {self.p0:g}, "
                    f"p1 = {self.p1:g}."
                )
            c = self.all_for_n(n)
            if len(c):
                r, ok = self.evaluate(c)
                if ok.any():
                    f = np.flatnonzero(ok)
                    en = c.n1[f] + self.q0(c.n1[f], c.r1[f]) * (n - c.n1[f])
                    key = np.lexsort((c.r1[f], c.n1[f], np.round(en, _EN_DECIMALS)))
                    i = f[key[0]]
                    return (int(c.r1[i]), int(c.n1[i]), int(r[i]), n, float(en[key[0]]))
            n += 1
        return None

    # -- candidates below an expected-size bound --------------------------------------
    def candidates_below(
        self, en_bound: float, n_lo: int, n_hi: int | None
    ) -> tuple[_Candidates, npt.NDArray[np.float64], int]:
        """All (n1, r1, n) with n_lo <= n (<= n_hi), r1 <= r1_max(n1), EN(p0) <= en_bound.

        Returns the candidates, their EN(p0) and the largest n the bound allows
        (``N* = max n1 + (en_bound - n1) / P0(X1 > r1_max(n1))``).
        """
        n1_top = max(math.floor(en_bound), 1)
        self.tab.ensure(n1_top + 1)
        n1 = np.arange(1, n1_top + 1)
        rmax = self.r1_max(n1)
        keep = rmax >= 0
        n1, rmax = n1[keep], rmax[keep]
        counts = rmax + 1
        n1r = np.repeat(n1, counts)
        starts = np.cumsum(counts) - counts
        r1 = (np.arange(counts.sum()) - np.repeat(starts, counts)).astype(np.int64)
        q = self.q0(n1r, r1)
        # EN = n1 + q (n - n1) <= bound  <=>  n <= n1 + (bound - n1) / q
        with np.errstate(divide="ignore"):
            n_top = np.floor(n1r + (en_bound - n1r) / q + 1e-9)
        n_top = np.where(np.isfinite(n_top), n_top, _N_LIMIT + 1).astype(np.int64)
        n_bound = int(n_top.max(initial=0))
        if n_hi is not None:
            n_top = np.minimum(n_top, n_hi)
        n_first = np.maximum(n1r + 1, n_lo)
        cnt = np.maximum(n_top - n_first + 1, 0)
        if cnt.sum() and int((n_first + cnt - 1).max()) > _N_LIMIT:
            raise ValueError(
                f"The search bound reaches n = {int((n_first + cnt - 1).max())}, beyond the "
                f"supported {_N_LIMIT}; pass an explicit n_max."
            )
        rep_n1 = np.repeat(n1r, cnt)
        rep_r1 = np.repeat(r1, cnt)
        offs = np.arange(cnt.sum()) - np.repeat(np.cumsum(cnt) - cnt, cnt)
        rep_n = np.repeat(n_first, cnt) + offs
        c = _Candidates(rep_n1.astype(np.int64), rep_r1, rep_n.astype(np.int64))
        en = c.n1 + self.q0(c.n1, c.r1) * (c.n - c.n1)
        sel = en <= en_bound + 1e-9
        return c.take(sel), en[sel], n_bound

    def pareto(
        self, minimax: tuple[int, int, int, int, float], n_hi: int | None, *, stop_at_first: bool
    ) -> tuple[list[tuple[int, int, int, int, float]], int]:
        """Designs with the smallest EN(p0) for each n on the (n, EN) Pareto front.

        Sweeps the candidates with EN(p0) below the minimax design's in
        increasing EN order; a feasible candidate with a smaller n than every
        design already found joins the front. Returns the front (optimal first,
        minimax last) and the bound N*.
        """
        nm, enm = minimax[3], minimax[4]
        c, en, n_bound = self.candidates_below(enm, nm + 1, n_hi)
        keep = np.round(en, _EN_DECIMALS) < round(enm, _EN_DECIMALS)  # ties go to smaller n
        c, en = c.take(keep), en[keep]
        front: list[tuple[int, int, int, int, float]] = []
        if len(c):
            order = np.lexsort((c.r1, c.n1, c.n, np.round(en, _EN_DECIMALS)))
            c, en = c.take(order), en[order]
            n_front = np.iinfo(np.int64).max
            pos = 0
            while pos < len(c):
                block = np.arange(pos, min(pos + _BATCH, len(c)))
                block = block[(c.n[block] < n_front) & (c.n[block] > nm)]
                pos += _BATCH
                if not block.size:
                    continue
                r, ok = self.evaluate(c.take(block))
                for i in np.flatnonzero(ok):
                    k = block[i]
                    if c.n[k] < n_front:
                        front.append(
                            (int(c.r1[k]), int(c.n1[k]), int(r[i]), int(c.n[k]), float(en[k]))
                        )
                        n_front = int(c.n[k])
                        if stop_at_first:
                            break
                if stop_at_first and front:
                    break
                if n_front <= nm + 1:
                    break
        front.append(minimax)
        return front, n_bound


def _hull(front: list[tuple[int, int, int, int, float]]) -> list[tuple[int, float, float]]:
    """Indices into ``front`` (sorted by n) of the admissible designs with weight ranges.

    Returns ``(index, weight_low, weight_high)``: design minimises ``q n + (1 - q) EN``
    for ``q`` in ``[weight_low, weight_high]`` (ties go to the smaller n).
    """
    pts = sorted(range(len(front)), key=lambda i: front[i][3])  # ascending n
    hull: list[int] = []
    for i in pts:
        while len(hull) >= 2:
            a, b = front[hull[-2]], front[hull[-1]]
            c = front[i]
            # remove b if it is not strictly below the segment a-c
            cross = (b[3] - a[3]) * (c[4] - a[4]) - (b[4] - a[4]) * (c[3] - a[3])
            if cross <= 1e-12 * max(1.0, abs(a[4])):
                hull.pop()
            else:
                break
        hull.append(i)
    out = []
    for j, i in enumerate(hull):
        # breakpoints with neighbours: q* = (E_a - E_b) / ((E_a - E_b) + (n_b - n_a))
        def q_between(a: int, b: int) -> float:
            da = front[a][4] - front[b][4]
            return da / (da + (front[b][3] - front[a][3]))

        high = 1.0 if j == 0 else q_between(hull[j - 1], i)
        low = 0.0 if j == len(hull) - 1 else q_between(i, hull[j + 1])
        out.append((i, low, high))
    return out


def _check_search_args(
    p0: Any, p1: Any, alpha: Any, power: Any, n_max: Any
) -> tuple[float, float, float, float, int | None]:
    p0f, p1f = _check_rates(p0, p1)
    a, pw = _check_error_rates(alpha, power)
    nm = None if n_max is None else _check_int("n_max", n_max, minimum=2)
    if nm is not None and nm > _N_LIMIT:
        raise ValueError(f"`n_max` ({n_max!r}) must be <= {_N_LIMIT}.")
    return p0f, p1f, a, pw, nm


def _make(
    t: tuple[int, int, int, int, float],
    p: tuple[float, float, float, float],
    crit: str,
    weight: float | None = None,
) -> SimonDesign:
    r1, n1, r, n, _ = t
    return SimonDesign(
        p0=p[0],
        p1=p[1],
        alpha=p[2],
        power=p[3],
        r1=r1,
        n1=n1,
        r=r,
        n=n,
        criterion=crit,
        weight=weight,
    )


def _frontier(
    p0: float, p1: float, alpha: float, power: float, n_max: int | None, *, need_front: bool
) -> tuple[_Search, tuple[int, int, int, int, float], list[tuple[int, int, int, int, float]], int]:
    s = _Search(p0, p1, alpha, power)
    mm = s.minimax(n_max)
    if mm is None:
        raise ValueError(
            f"No design meets alpha = {alpha:g} and power = {power:g} with n <= n_max "
            f"({n_max!r}); the smallest possible n is at least {s.n_lb}. Increase n_max or "
            f"pass n_max=None."
        )
    front, n_bound = s.pareto(mm, n_max, stop_at_first=not need_front)
    return s, mm, front, n_bound


def _warn_if_binding(
    s: _Search,
    front: list[tuple[int, int, int, int, float]],
    n_max: int | None,
    mm: tuple[int, int, int, int, float],
    what: str,
) -> None:
    """With an explicit n_max, look beyond it for a design with smaller EN(p0)."""
    if n_max is None:
        return
    best_en = front[0][4]
    c, en, _ = s.candidates_below(best_en, n_max + 1, _N_LIMIT)
    if not len(c):
        return
    sel = en < best_en - 1e-9
    c, en = c.take(sel), en[sel]
    order = np.lexsort((c.r1, c.n1, c.n, np.round(en, _EN_DECIMALS)))
    c, en = c.take(order), en[order]
    for start in range(0, len(c), _BATCH):
        blk = np.arange(start, min(start + _BATCH, len(c)))
        r, ok = s.evaluate(c.take(blk))
        if ok.any():
            i = int(np.flatnonzero(ok)[0])
            k = blk[i]
            warnings.warn(
                f"n_max = {n_max} binds: the {what} changes without it; the design "
                f"r1={int(c.r1[k])}, n1={int(c.n1[k])}, r={int(r[i])}, n={int(c.n[k])} has "
                f"EN(p0) = {float(en[k]):.4f} < {best_en:.4f}. Pass n_max=None for the "
                f"unrestricted search.",
                SearchBoundWarning,
                stacklevel=3,
            )
            return


def simon_design(
    p0: float,
    p1: float,
    *,
    alpha: float = 0.05,
    power: float = 0.80,
    criterion: str = "optimal",
    n_max: int | None = None,
    weight: float | None = None,
) -> SimonDesign:
    r"""The optimal, minimax or admissible Simon two-stage design.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    alpha : float, default 0.05
        Bound on the type I error :math:`P_{p_0}(\text{go})`.
    power : float, default 0.80
        Required power :math:`P_{p_1}(\text{go})`.
    criterion : {"optimal", "minimax", "admissible"}
        ``"optimal"``: smallest :math:`EN(p_0)`; ``"minimax"``: smallest ``n``,
        then smallest :math:`EN(p_0)`; ``"admissible"``: smallest
        :math:`q\,n + (1 - q)\,EN(p_0)` for ``weight`` :math:`q` (Jung et al. 2004).
    n_max : int, optional
        Largest total sample size allowed. By default (``None``) the search
        region is bounded by a proof, not a guess (see Notes). An explicit
        ``n_max`` that excludes a better design triggers a
        :class:`SearchBoundWarning`; an ``n_max`` below every feasible design
        raises ``ValueError``.
    weight : float, optional
        :math:`q \in [0, 1]`, required for (and only for) ``"admissible"``.

    Returns
    -------
    SimonDesign
        With the exact ``actual_alpha``, ``actual_power``, ``pet_p0``, ``pet_p1``,
        ``en_p0`` and ``en_p1``.

    Raises
    ------
    ValueError
        Bad arguments (the message quotes the value), among them ``alpha``
        outside (0, 0.5) or ``power <= alpha``, or no feasible design within
        ``n_max``.

    Notes
    -----
    *Convention.* Stop for futility if :math:`X_1 \le r_1`; "go" if
    :math:`X_1 + X_2 > r`.

    *Feasibility.* A design is feasible if ``actual_alpha <= alpha`` and
    ``actual_power >= power`` (exact binomial sums, compared in double
    precision). For each ``(n1, r1, n)`` the final boundary is the smallest
    ``r`` with ``actual_alpha <= alpha`` -- the one with the highest power; so
    ``(n1, r1, n)`` is feasible iff that ``r`` reaches the power, and on plan
    "go" coincides with "stage-wise p-value <= alpha".

    *Ties.* Expected sizes equal to 10 decimals tie; ties go to the smaller
    ``n``, then the smaller ``n1``, then the smaller ``r1``.

    *Search region.* No design with fewer than the randomised UMP test's
    sample size is feasible. The minimax design is found by increasing ``n``
    from there. Every design with :math:`EN(p_0)` below the minimax design's
    :math:`E_{mm}` satisfies :math:`n_1 < E_{mm}` (as :math:`EN > n_1`),
    :math:`P_{p_1}(X_1 > r_1) \ge` ``power`` (the power cannot exceed it) and
    :math:`n \le n_1 + (E_{mm} - n_1)/P_{p_0}(X_1 > r_1)`; this finite set is
    searched exhaustively in increasing :math:`EN(p_0)`, so the optimum is
    provably inside it.

    References
    ----------
    .. [1] Simon R. Optimal two-stage designs for phase II clinical trials.
       Control Clin Trials. 1989;10(1):1-10. doi:10.1016/0197-2456(89)90015-9
    .. [2] Jung SH, Lee T, Kim K, George SL. Admissible two-stage designs for
       phase II cancer clinical trials. Stat Med. 2004;23(4):561-569.
       doi:10.1002/sim.1600

    Examples
    --------
    >>> from thera_stats.simon import simon_design
    >>> d = simon_design(0.2, 0.4, alpha=0.05, power=0.8)
    >>> d.r1, d.n1, d.r, d.n, round(d.en_p0, 1), round(d.pet_p0, 2)
    (3, 13, 12, 43, 20.6, 0.75)
    >>> m = simon_design(0.2, 0.4, alpha=0.05, power=0.8, criterion="minimax")
    >>> m.r1, m.n1, m.r, m.n
    (4, 18, 10, 33)
    """
    p0f, p1f, a, pw, nm = _check_search_args(p0, p1, alpha, power, n_max)
    crit = check_choice("criterion", criterion, CRITERIA)
    q: float | None = None
    if crit == "admissible":
        if weight is None:
            raise ValueError("criterion='admissible' needs `weight` (q in [0, 1]).")
        q = _check_weight(weight)
    elif weight is not None:
        raise ValueError(
            f"`weight` ({weight!r}) applies only to criterion='admissible', not {crit!r}."
        )
    params = (p0f, p1f, a, pw)
    if crit == "minimax":
        s = _Search(*params)
        mm = s.minimax(nm)
        if mm is None:
            raise ValueError(
                f"No design meets alpha = {a:g} and power = {pw:g} with n <= n_max "
                f"({n_max!r}); increase n_max or pass n_max=None."
            )
        return _make(mm, params, "minimax")
    s, mm, front, _ = _frontier(*params, nm, need_front=crit == "admissible")
    if crit == "optimal":
        _warn_if_binding(s, front, nm, mm, "optimal design")
        return _make(front[0], params, "optimal")
    _warn_if_binding(s, front, nm, mm, "admissible set")
    hull = _hull(front)
    qv = cast(float, q)  # set above for criterion="admissible"
    # choose the hull design minimising q n + (1 - q) EN; ties to the smaller n
    losses = [(qv * front[i][3] + (1 - qv) * front[i][4], front[i][3], i) for i, _, _ in hull]
    best = min(losses, key=lambda t: (round(t[0], _EN_DECIMALS), t[1]))
    return _make(front[best[2]], params, "admissible", qv)


def simon_designs(
    p0: float,
    p1: float,
    *,
    alpha: float = 0.05,
    power: float = 0.80,
    n_max: int | None = None,
    en_margin: float | None = None,
) -> pd.DataFrame:
    r"""The admissible Simon designs, from minimax to optimal, as a tidy table.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    alpha, power : float, default 0.05 and 0.80
        Bound on the type I error and required power, as in :func:`simon_design`.
    n_max : int, optional
        Largest total sample size allowed, as in :func:`simon_design` (default:
        the proof-based bound).
    en_margin : float, optional
        Also list every feasible ``(r1, n1, r, n)`` (with the smallest feasible
        ``r``) whose :math:`EN(p_0)` is within ``en_margin`` of the optimum.

    Returns
    -------
    pandas.DataFrame
        One row per design, sorted by ``n`` then ``en_p0``, with columns
        ``label, r1, n1, r, n, en_p0, pet_p0, en_p1, pet_p1, actual_alpha,
        actual_power, weight_low, weight_high, admissible, optimal, minimax``.
        An admissible design minimises :math:`q\,n + (1-q)\,EN(p_0)` for
        :math:`q \in` [``weight_low``, ``weight_high``] (Jung et al. 2004);
        other rows have NaN weights. ``attrs["n_bound"]`` is the largest ``n``
        the proof-based search region allowed.

    Raises
    ------
    TypeError, ValueError
        As in :func:`simon_design`; also a bad ``en_margin``.

    Notes
    -----
    The optimal and minimax designs are Simon's [1]_. The admissible designs are
    the vertices of the lower convex hull of the Pareto front of :math:`(n,
    EN(p_0))` (Jung et al. [2]_); consecutive vertices :math:`a` (smaller
    ``n``) and :math:`b` swap at :math:`q^* = (E_a - E_b)/\{(E_a - E_b) + (n_b
    - n_a)\}`, which gives ``weight_low`` and ``weight_high``. The search region
    is that of :func:`simon_design`.

    References
    ----------
    .. [1] Simon R. Optimal two-stage designs for phase II clinical trials.
       Control Clin Trials. 1989;10(1):1-10. doi:10.1016/0197-2456(89)90015-9
    .. [2] Jung SH, Lee T, Kim K, George SL. Admissible two-stage designs for
       phase II cancer clinical trials. Stat Med. 2004;23(4):561-569.
       doi:10.1002/sim.1600

    Examples
    --------
    >>> from thera_stats.simon import simon_designs
    >>> tab = simon_designs(0.2, 0.4, alpha=0.1, power=0.9)
    >>> tab[["label", "r1", "n1", "r", "n"]].to_string(index=False)
    '  label  r1  n1  r  n\nminimax   3  19 10 36\noptimal   3  17 10 37'

    For :math:`p_0 = 0.5`, :math:`p_1 = 0.7`, alpha 0.05, power 0.9, the
    admissible design 12/23, 34/57 sits between the minimax and optimal designs
    (as printed by R's ``clinfun::twostage.admissible``):

    >>> tab = simon_designs(0.5, 0.7, alpha=0.05, power=0.9)
    >>> tab[["r1", "n1", "r", "n"]].to_numpy().tolist()
    [[14, 27, 32, 53], [12, 23, 34, 57], [13, 24, 36, 61]]
    >>> tab[["weight_low", "weight_high"]].round(3).to_numpy().tolist()
    [[0.285, 1.0], [0.112, 0.285], [0.0, 0.112]]
    """
    p0f, p1f, a, pw, nm = _check_search_args(p0, p1, alpha, power, n_max)
    margin = None
    if en_margin is not None:
        if not _is_real(en_margin):
            raise TypeError(f"`en_margin` ({en_margin!r}) must be a finite number >= 0.")
        margin = float(en_margin)
        if not (margin >= 0 and math.isfinite(margin)):
            raise ValueError(f"`en_margin` ({en_margin!r}) must be a finite number >= 0.")
    params = (p0f, p1f, a, pw)
    s, mm, front, n_bound = _frontier(*params, nm, need_front=True)
    _warn_if_binding(s, front, nm, mm, "admissible set")
    hull = _hull(front)
    rows: dict[tuple[int, int, int, int], dict[str, Any]] = {}
    for i, lo, hi in hull:
        t = front[i]
        rows[t[:4]] = {"weight_low": lo, "weight_high": hi, "admissible": True}
    if margin is not None:
        best = front[0][4]
        c, _, _ = s.candidates_below(best + margin, s.n_lb, nm)
        if len(c):
            r, ok = s.evaluate(c)
            for k in np.flatnonzero(ok):
                key = (int(c.r1[k]), int(c.n1[k]), int(r[k]), int(c.n[k]))
                rows.setdefault(
                    key, {"weight_low": np.nan, "weight_high": np.nan, "admissible": False}
                )
    opt_key, mm_key = front[0][:4], mm[:4]
    records = []
    for key, extra in rows.items():
        d = SimonDesign(p0=p0f, p1=p1f, alpha=a, power=pw, r1=key[0], n1=key[1], r=key[2], n=key[3])
        is_opt, is_mm = key == opt_key, key == mm_key
        label = (
            "minimax and optimal"
            if is_opt and is_mm
            else "optimal"
            if is_opt
            else "minimax"
            if is_mm
            else "admissible"
            if extra["admissible"]
            else "other"
        )
        records.append(
            {
                "label": label,
                "r1": d.r1,
                "n1": d.n1,
                "r": d.r,
                "n": d.n,
                "en_p0": d.en_p0,
                "pet_p0": d.pet_p0,
                "en_p1": d.en_p1,
                "pet_p1": d.pet_p1,
                "actual_alpha": d.actual_alpha,
                "actual_power": d.actual_power,
                "weight_low": extra["weight_low"],
                "weight_high": extra["weight_high"],
                "admissible": extra["admissible"],
                "optimal": is_opt,
                "minimax": is_mm,
            }
        )
    out = pd.DataFrame.from_records(records)
    out = out.sort_values(["n", "en_p0", "n1", "r1"], kind="stable").reset_index(drop=True)
    out.attrs["n_bound"] = n_bound
    return out


# --------------------------------------------------------------------------------------
# Single-stage design (A'Hern 2001)
# --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SingleStageDesign:
    r"""An exact single-stage design: treat ``n`` patients, "go" if responses > ``r``.

    Attributes
    ----------
    p0, p1, alpha, power : float
        The inputs.
    n, r : int
        The smallest ``n`` whose level-``alpha`` test (``r`` the smallest
        boundary with :math:`P_{p_0}(X > r) \le \alpha`) reaches the power.
    actual_alpha, actual_power : float
        Exact :math:`P_{p_0}(X > r)` and :math:`P_{p_1}(X > r)`.
    n_stable, r_stable : int
        The smallest ``n`` from which **every** larger ``n`` also reaches the
        power (power is saw-toothed in ``n``), and its boundary.
    actual_alpha_stable, actual_power_stable : float
        Exact error rates of ``(n_stable, r_stable)``.

    Notes
    -----
    A'Hern (2001) tabulates the number of responses needed to reject,
    ``r + 1`` here (responses >= ``r + 1`` means "go").
    """

    p0: float
    p1: float
    alpha: float
    power: float
    n: int
    r: int
    actual_alpha: float
    actual_power: float
    n_stable: int
    r_stable: int
    actual_alpha_stable: float
    actual_power_stable: float

    def to_frame(self) -> pd.DataFrame:
        """The design as a one-row table."""
        return pd.DataFrame([{k: getattr(self, k) for k in self.__dataclass_fields__}])

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def _kl(a: float, b: float) -> float:
    """Kullback-Leibler divergence between Bernoulli(a) and Bernoulli(b)."""
    out = 0.0
    if a > 0:
        out += a * math.log(a / b)
    if a < 1:
        out += (1 - a) * math.log((1 - a) / (1 - b))
    return out


def single_stage_design(
    p0: float, p1: float, *, alpha: float = 0.05, power: float = 0.80
) -> SingleStageDesign:
    r"""The exact single-stage phase II design (A'Hern 2001).

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``.
    alpha : float, default 0.05
        Bound on :math:`P_{p_0}(X > r)`.
    power : float, default 0.80
        Required :math:`P_{p_1}(X > r)`.

    Returns
    -------
    SingleStageDesign
        Both the smallest ``n`` reaching the power and the smallest ``n`` from
        which every larger ``n`` reaches it.

    Notes
    -----
    For each ``n`` the boundary :math:`r(n)` is the smallest ``r`` with
    :math:`P_{p_0}(X > r) \le \alpha` and the power is :math:`P_{p_1}(X > r(n))`.
    To certify "every larger n", take :math:`c \in (p_0, p_1)`. By the Chernoff
    bound :math:`P_{p_0}(X \ge nc) \le e^{-n D(c\|p_0)}` and
    :math:`P_{p_1}(X < nc) \le e^{-n D(c\|p_1)}` (:math:`D` the Bernoulli
    Kullback-Leibler divergence), so for all
    :math:`n \ge N_c = \max\{\ln(1/\alpha)/D(c\|p_0),\ \ln(1/(1-\text{power}))/D(c\|p_1)\}`
    we have :math:`r(n) < nc` and power :math:`\ge 1 - e^{-nD(c\|p_1)} \ge`
    ``power``. Below :math:`N_c` every ``n`` is checked exactly.

    References
    ----------
    .. [1] A'Hern RP. Sample size tables for exact single-stage phase II
       designs. Stat Med. 2001;20(6):859-866. doi:10.1002/sim.721

    Examples
    --------
    >>> from thera_stats.simon import single_stage_design
    >>> d = single_stage_design(0.05, 0.2, alpha=0.05, power=0.8)
    >>> d.n, d.r, d.n_stable
    (27, 3, 33)
    """
    p0f, p1f = _check_rates(p0, p1)
    a, pw = _check_error_rates(alpha, power)
    cs = np.linspace(p0f, p1f, 201)[1:-1]
    bounds = [max(math.log(1 / a) / _kl(c, p0f), math.log(1 / (1 - pw)) / _kl(c, p1f)) for c in cs]
    n_cert = math.ceil(min(bounds))
    if n_cert > 100_000:
        raise ValueError(f"p0 ({p0!r}) and p1 ({p1!r}) are too close for a single-stage design.")
    ns = np.arange(1, n_cert + 1)
    r = np.asarray(stats.binom.isf(a, ns, p0f), dtype=np.int64)
    r = np.clip(r, -1, ns)
    for _ in range(3):  # make r the smallest integer with sf <= alpha
        back = (r >= 0) & (stats.binom.sf(r - 1, ns, p0f) <= a)
        r = np.where(back, r - 1, r)
        fwd = stats.binom.sf(r, ns, p0f) > a
        r = np.where(fwd, r + 1, r)
    pwr = stats.binom.sf(r, ns, p1f)
    ok = pwr >= pw
    if not ok.any():  # pragma: no cover - the Chernoff bound guarantees n_cert works
        raise RuntimeError("single-stage search failed")
    i_first = int(np.flatnonzero(ok)[0])
    bad = np.flatnonzero(~ok)
    i_stable = int(bad[-1] + 1) if bad.size else 0
    if i_stable >= ns.size:  # pragma: no cover - guarded by the bound
        raise RuntimeError("single-stage certification failed")

    def rates(i: int) -> tuple[float, float]:
        return (float(stats.binom.sf(r[i], ns[i], p0f)), float(stats.binom.sf(r[i], ns[i], p1f)))

    a1, w1 = rates(i_first)
    a2, w2 = rates(i_stable)
    return SingleStageDesign(
        p0=p0f,
        p1=p1f,
        alpha=a,
        power=pw,
        n=int(ns[i_first]),
        r=int(r[i_first]),
        actual_alpha=a1,
        actual_power=w1,
        n_stable=int(ns[i_stable]),
        r_stable=int(r[i_stable]),
        actual_alpha_stable=a2,
        actual_power_stable=w2,
    )


# --------------------------------------------------------------------------------------
# Report
# --------------------------------------------------------------------------------------


def design_report(design: SimonDesign | SingleStageDesign, *, format: str = "table") -> str:
    """The design, its boundaries and operating characteristics as text.

    Parameters
    ----------
    design : SimonDesign or SingleStageDesign
        The design to report.
    format : {"table", "csv", "json"}
        ``"table"``: a readable block of text; ``"csv"``: a header and one row;
        ``"json"``: one object.

    Returns
    -------
    str
        The text; ``"table"`` and ``"csv"`` end with a newline.

    Raises
    ------
    TypeError
        If ``design`` is neither a :class:`SimonDesign` nor a
        :class:`SingleStageDesign`.
    ValueError
        For an unknown ``format`` (the message quotes it).

    Notes
    -----
    The two-stage report states the rule in Simon's convention [1]_ (stop if
    stage-1 responses <= ``r1``, "go" if total > ``r``) with the exact PET,
    probability of "go" and expected size at ``p0`` and ``p1``; the weight of
    an admissible design is Jung et al.'s ``q`` [2]_. The single-stage report
    also gives A'Hern's number of responses needed, ``r + 1`` [3]_.

    References
    ----------
    .. [1] Simon R. Optimal two-stage designs for phase II clinical trials.
       Control Clin Trials. 1989;10(1):1-10. doi:10.1016/0197-2456(89)90015-9
    .. [2] Jung SH, Lee T, Kim K, George SL. Admissible two-stage designs for
       phase II cancer clinical trials. Stat Med. 2004;23(4):561-569.
       doi:10.1002/sim.1600
    .. [3] A'Hern RP. Sample size tables for exact single-stage phase II
       designs. Stat Med. 2001;20(6):859-866. doi:10.1002/sim.721

    Examples
    --------
    >>> from thera_stats.simon import SimonDesign, design_report
    >>> d = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    >>> print(design_report(d).splitlines()[2])
    Stage 1: treat n1 = 10; stop for futility if responses <= r1 = 2
    """
    fmt = check_choice("format", format, ("table", "csv", "json"))
    if isinstance(design, SimonDesign):
        rec = design._record()
    elif isinstance(design, SingleStageDesign):
        rec = {k: getattr(design, k) for k in design.__dataclass_fields__}
    else:
        raise TypeError(
            f"`design` ({type(design).__name__}) must be a SimonDesign or SingleStageDesign."
        )
    if fmt == "json":
        return json.dumps(rec, indent=2)
    if fmt == "csv":
        return str(pd.DataFrame([rec]).to_csv(index=False, lineterminator="\n"))
    d = design
    head = f"p0 = {d.p0:g}, p1 = {d.p1:g}, alpha = {d.alpha:g}, power = {d.power:g}"
    if isinstance(d, SingleStageDesign):
        lines = [
            "Exact single-stage design (A'Hern 2001)",
            head,
            f"Treat n = {d.n}; go if responses > r = {d.r} (at least {d.r + 1})",
            f"  type I error {d.actual_alpha:.4f}, power {d.actual_power:.4f}",
            (
                f"Every n >= {d.n_stable} reaches the power; at n = {d.n_stable}: go if "
                f"responses > {d.r_stable} (type I error {d.actual_alpha_stable:.4f}, power "
                f"{d.actual_power_stable:.4f})"
            ),
        ]
        return "\n".join(lines) + "\n"
    title = f"Simon two-stage design ({d.criterion}" + (
        f", weight q = {d.weight:g})" if d.weight is not None else ")"
    )
    lines = [
        title,
        head,
        f"Stage 1: treat n1 = {d.n1}; stop for futility if responses <= r1 = {d.r1}",
        f"Stage 2: treat up to n = {d.n}; go if total responses > r = {d.r}",
        "",
        f"{'':34}{'p = p0':>10}{'p = p1':>10}",
        f"{'probability of early stop':34}{d.pet_p0:10.4f}{d.pet_p1:10.4f}",
        f"{'probability of go':34}{d.actual_alpha:10.4f}{d.actual_power:10.4f}",
        f"{'expected sample size':34}{d.en_p0:10.2f}{d.en_p1:10.2f}",
        (
            f"meets targets (alpha <= {d.alpha:g}, power >= {d.power:g}): "
            f"{'yes' if d.meets_targets else 'no'}"
        ),
    ]
    return "\n".join(lines) + "\n"
