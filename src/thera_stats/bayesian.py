r"""Bayesian monitoring of a response rate: posterior and predictive probabilities, and the
stopping boundaries they imply, as exact multi-stage designs.

With a :math:`\mathrm{Beta}(a, b)` prior (worth :math:`a + b` patients: its
effective sample size [3]_; :func:`beta_prior` builds it from a mean and that
size) and :math:`x` responses among :math:`n`
patients the posterior is :math:`\mathrm{Beta}(a + x, b + n - x)` and

.. math::

    \mathrm{PostP}(x, n) = P(p > p_0 \mid x, n) = 1 - I_{p_0}(a + x,\, b + n - x).

The **predictive probability** of Lee & Liu [1]_ looks ahead to the planned
maximum :math:`N`: the :math:`m = N - n` patients still to come respond
:math:`Y` times, where :math:`Y` is beta-binomial,

.. math::

    P(Y = y \mid x, n) = \binom{m}{y}
        \frac{B(a + x + y,\; b + n - x + m - y)}{B(a + x,\; b + n - x)},

and the trial will succeed at the end if the final posterior probability
exceeds :math:`\theta_T`. Because :math:`\mathrm{PostP}(s, N)` increases with
the final count :math:`s`, success means :math:`x + Y \ge s^*`, where
:math:`s^* = \min\{s : \mathrm{PostP}(s, N) > \theta_T\}`, so

.. math::

    \mathrm{PP}(x, n) = P(Y \ge s^* - x \mid x, n)
      = \sum_{y \ge s^* - x} P(Y = y \mid x, n),

and :math:`s^* - x` is the number of further responses needed. The sum is
formed from :math:`\log` terms (``scipy.special.betaln``, ``gammaln``), only
over the upper tail, so small predictive probabilities keep their relative
accuracy.

**Boundaries as designs.** Both probabilities increase with :math:`x`, so each
rule is a count at each look, and :func:`predictive_boundaries` and
:func:`posterior_boundaries` return a :class:`~thera_stats.multistage.MultiStageDesign`
whose operating characteristics, decisions and inference are exact. The counts
follow R phase1b's ``boundsPredprob`` and ``boundsPostprob`` [2]_: the futility
bound is the *largest* count that satisfies the futility rule (``<=`` / ``>=``
comparisons as there), the efficacy bound the *smallest* count that satisfies
the efficacy rule. In the engine's terms (stop "no go" if :math:`X_k \le a_k`,
"go" if :math:`X_k > e_k`) :math:`a_k = x_L` and :math:`e_k = x_U - 1`.

**Monotone by construction.** :math:`\mathrm{PP}(x, n)` is a martingale in
the accruing data: :math:`\mathrm{PP}(x, n) = w\,\mathrm{PP}(x + 1, n + 1) +
(1 - w)\,\mathrm{PP}(x, n + 1)` with :math:`w = (a + x)/(a + b + n)`, so
:math:`\mathrm{PP}(x, n + 1) \le \mathrm{PP}(x, n) \le \mathrm{PP}(x + 1, n + 1)`.
Hence both predictive bounds never decrease from look to look and a trial
continuing past a look can always avoid the next futility stop: the engine's
monotonicity and reachability conditions hold automatically. The posterior
bounds are monotone too (:math:`\mathrm{PostP}(x, n)` falls as :math:`n` grows).
What can happen is a look at which the futility and efficacy regions cover
every count (no trial continues past it) or a last look at which "go" or
"no go" is impossible; both are reported as errors that say which look and
which thresholds to change.

.. rubric:: References

.. [1] Lee JJ, Liu DD. A predictive probability design for phase II cancer
   clinical trials. Clin Trials 2008;5:93-106. doi:10.1177/1740774508089279
.. [2] Sabanes Bove D, Elze M, Pourmohamad T, et al. phase1b: calculations for
   decisions on phase 1b clinical trials. R package version 1.0.0,
   https://github.com/Genentech/phase1b
.. [3] Morita S, Thall PF, Mueller P. Determining the effective sample size of
   a parametric prior. Biometrics 2008;64:595-602.
   doi:10.1111/j.1541-0420.2007.00888.x
"""

from __future__ import annotations

import math
import numbers
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, NamedTuple

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy.special import betaln, gammaln

from thera_stats import _distributions as stats
from thera_stats._checks import check_integer_array
from thera_stats.multistage import MultiStageDesign

__all__ = [
    "BetaPrior",
    "PredictiveProbability",
    "as_beta_prior",
    "beta_prior",
    "posterior_boundaries",
    "posterior_probability",
    "predictive_boundaries",
    "predictive_probability",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]


# =========================================================================== priors
class BetaPrior(NamedTuple):
    """A Beta(a, b) prior for a response rate; passes wherever ``prior=(a, b)`` is asked.

    Attributes
    ----------
    a, b : float
        Shape parameters (prior "responses" and "non-responses").
    """

    a: float
    b: float

    @property
    def mean(self) -> float:
        """Prior mean a / (a + b)."""
        return self.a / (self.a + self.b)

    @property
    def ess(self) -> float:
        """Effective sample size a + b (Morita, Thall & Mueller, 2008, for the Beta)."""
        return self.a + self.b

    def __repr__(self) -> str:
        return f"BetaPrior(a={self.a:.6g}, b={self.b:.6g}; mean={self.mean:.4g}, ess={self.ess:.4g})"


def beta_prior(mean: float, ess: float) -> BetaPrior:
    r"""The Beta prior with a given mean and effective sample size.

    Parameters
    ----------
    mean : float
        Prior mean of the response rate, strictly between 0 and 1.
    ess : float
        Effective sample size :math:`a + b` (the number of patients the prior
        is worth), positive and finite.

    Returns
    -------
    BetaPrior
        :math:`a = \text{mean}\cdot\text{ess}`, :math:`b = (1 - \text{mean})\cdot\text{ess}`.

    Raises
    ------
    ValueError, TypeError
        For a mean outside (0, 1) or a non-positive or infinite ``ess``, quoting it.

    Notes
    -----
    For a Beta prior the effective sample size of Morita, Thall & Mueller
    (2008) is :math:`a + b`. BOP2 uses :math:`\mathrm{Beta}(p_0, 1 - p_0)`: mean
    :math:`p_0`, worth one patient; Lee & Liu's example uses Beta(0.6, 0.4).

    Examples
    --------
    >>> from thera_stats.bayesian import beta_prior
    >>> beta_prior(0.6, 1)
    BetaPrior(a=0.6, b=0.4; mean=0.6, ess=1)
    >>> a, b = beta_prior(0.2, 10)
    >>> a, b
    (2.0, 8.0)
    """
    m = _number("mean", mean)
    if not 0.0 < m < 1.0:
        raise ValueError(f"`mean` ({mean!r}) must be strictly between 0 and 1: a Beta prior's "
                         "mean is a response rate.")
    e = _number("ess", ess)
    if not (math.isfinite(e) and e > 0.0):
        raise ValueError(f"`ess` ({ess!r}) must be a positive, finite number of patients "
                         "(a + b of the Beta prior).")
    return BetaPrior(m * e, (1.0 - m) * e)


def _number(name: str, value: Any) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` ({value!r}) must be a number.")
    return float(value)


def _prior(prior: Any) -> BetaPrior:
    if isinstance(prior, str | bytes) or not isinstance(prior, Sequence | np.ndarray):
        raise TypeError(f"`prior` ({prior!r}) must be a pair (a, b) of positive numbers, "
                        "e.g. (1, 1) or beta_prior(mean, ess).")
    vals = list(prior)
    if len(vals) != 2:
        raise ValueError(f"`prior` ({prior!r}) must be a pair (a, b); got {len(vals)} values.")
    a, b = (_number(f"prior[{i}]", v) for i, v in enumerate(vals))
    for name, v, raw in (("a", a, vals[0]), ("b", b, vals[1])):
        if not (math.isfinite(v) and v > 0.0):
            raise ValueError(f"`prior` ({tuple(vals)!r}): the Beta parameter {name} ({raw!r}) "
                             "must be positive and finite.")
    return BetaPrior(a, b)


def as_beta_prior(prior: Any) -> BetaPrior:
    """A prior given as a pair ``(a, b)`` (or a :class:`BetaPrior`) checked and named.

    Raises
    ------
    TypeError, ValueError
        Unless ``prior`` is two positive, finite numbers; the message quotes it.

    Examples
    --------
    >>> from thera_stats.bayesian import as_beta_prior
    >>> as_beta_prior((0.6, 0.4))
    BetaPrior(a=0.6, b=0.4; mean=0.6, ess=1)
    """
    return _prior(prior)


def _unit(name: str, value: Any, *, low_closed: bool = False, high_closed: bool = False) -> float:
    v = _number(name, value)
    ok = (v >= 0.0 if low_closed else v > 0.0) and (v <= 1.0 if high_closed else v < 1.0)
    if not ok:
        interval = f"{'[' if low_closed else '('}0, 1{']' if high_closed else ')'}"
        raise ValueError(f"`{name}` ({value!r}) must lie in {interval}.")
    return v


def _counts(x: Any, n: Any) -> tuple[IntArray, IntArray]:
    xa = check_integer_array("x", x, minimum=0)
    na = check_integer_array("n", n, minimum=0)
    try:
        xb, nb = np.broadcast_arrays(xa, na)
    except ValueError:
        raise ValueError(f"`x` (shape {xa.shape}) and `n` (shape {na.shape}) do not "
                         "broadcast.") from None
    if np.any(xb > nb):
        i = int(np.flatnonzero((xb > nb).ravel())[0])
        raise ValueError(f"`x` ({xb.ravel()[i].item()!r}) must not exceed `n` "
                         f"({nb.ravel()[i].item()!r}): more responses than patients.")
    return xb, nb


def _out(arr: Any) -> Any:
    return arr.item() if np.ndim(arr) == 0 else arr


# =========================================================================== probabilities
def posterior_probability(x: Any, n: Any, p0: float, *, prior: Any) -> Any:
    r"""Posterior probability that the response rate exceeds ``p0``.

    Parameters
    ----------
    x, n : int or array_like of int
        Responses and patients (broadcast together), ``0 <= x <= n``; ``n = 0``
        gives the prior probability.
    p0 : float
        Threshold rate, strictly between 0 and 1.
    prior : (float, float)
        Beta prior ``(a, b)`` (a :class:`BetaPrior` or a pair), both positive.
        No default: the prior is part of the design.

    Returns
    -------
    float or ndarray
        :math:`P(p > p_0 \mid x, n) = 1 - I_{p_0}(a + x, b + n - x)`, shaped
        like the broadcast ``x`` and ``n``.

    Raises
    ------
    ValueError, TypeError
        For ``x > n``, negative or non-integer counts, ``p0`` outside (0, 1) or
        a prior with a non-positive parameter, each quoted.

    See Also
    --------
    thera_stats.binomial.beta_posterior : the whole posterior of one count.

    Examples
    --------
    Lee & Liu's (2008) example: 16 responses of 23, Beta(0.6, 0.4), p0 = 0.6.

    >>> from thera_stats.bayesian import posterior_probability
    >>> round(posterior_probability(16, 23, 0.6, prior=(0.6, 0.4)), 4)
    0.836
    >>> posterior_probability([2, 5, 8], 20, 0.2, prior=(1, 1)).round(4)
    array([0.1787, 0.7693, 0.9856])
    """
    xa, na = _counts(x, n)
    p = _unit("p0", p0)
    a, b = _prior(prior)
    return _out(stats.beta.sf(p, a + xa, b + na - xa))


def _success_count(n_max: int, p0: float, theta_t: float, a: float, b: float) -> int:
    """Smallest final count s with PostP(s, n_max) > theta_t (n_max + 1 if none)."""
    s = np.arange(n_max + 1)
    post = stats.beta.sf(p0, a + s, b + n_max - s)
    hit = np.flatnonzero(post > theta_t)
    return int(hit[0]) if hit.size else n_max + 1


def _upper_tail(needed: IntArray, m: IntArray, alpha: Any, beta: Any) -> FloatArray:
    """P(Y >= needed) for Y ~ BetaBinomial(m, alpha, beta), elementwise, from log terms."""
    needed, m, alpha, beta = np.broadcast_arrays(needed, m, alpha, beta)
    out = np.where(needed <= 0, 1.0, 0.0)
    todo = (needed > 0) & (needed <= m)
    if np.any(todo):
        nd, mm, al, be = needed[todo], m[todo], alpha[todo], beta[todo]
        y = np.arange(int(mm.max()) + 1)[None, :]
        mc, alc, bec = mm[:, None], al[:, None], be[:, None]
        keep = (y >= nd[:, None]) & (y <= mc)
        yy = np.where(keep, y, 0)
        logp = (gammaln(mc + 1) - gammaln(yy + 1) - gammaln(mc - yy + 1)
                + betaln(alc + yy, bec + mc - yy) - betaln(alc, bec))
        out[todo] = np.where(keep, np.exp(logp), 0.0).sum(axis=1)
    return np.asarray(np.minimum(out, 1.0))


@dataclass(frozen=True, slots=True)
class PredictiveProbability:
    r"""Lee & Liu's predictive probability of success (result of :func:`predictive_probability`).

    Attributes
    ----------
    x, n : int or ndarray
        Responses and patients so far.
    n_max : int
        Planned maximum sample size.
    p0, theta_t : float
        Success at the end means :math:`P(p > p_0 \mid \text{final data}) > \theta_T`.
    prior : BetaPrior
    probability : float or ndarray
        The predictive probability of success.
    responses_needed : int or ndarray
        Responses still needed among the ``n_max - n`` patients to come
        (0: success is already certain; more than ``n_max - n``: no longer possible).
    success_count : int
        The smallest final count that succeeds, :math:`s^*` (``n_max + 1`` if none does).
    posterior : float or ndarray
        The current :math:`P(p > p_0 \mid x, n)`.
    """

    x: Any
    n: Any
    n_max: int
    p0: float
    theta_t: float
    prior: BetaPrior
    probability: Any
    responses_needed: Any
    success_count: int
    posterior: Any

    def distribution(self) -> pd.DataFrame:
        """The predictive distribution of the final count (one scalar ``x``, ``n`` only).

        Returns
        -------
        DataFrame
            One row per number ``y`` of future responses: ``y``, ``final``
            (``x + y``), ``probability`` (beta-binomial), ``final_posterior``
            and ``success``; the predictive probability is the sum of
            ``probability`` over the successful rows.
        """
        if np.ndim(self.x) or np.ndim(self.n):
            raise ValueError("`distribution()` needs one (x, n); this result holds arrays: "
                             "call predictive_probability with scalar x and n.")
        x, n = int(self.x), int(self.n)
        m = self.n_max - n
        y = np.arange(m + 1)
        al, be = self.prior.a + x, self.prior.b + n - x
        prob = stats.betabinom.pmf(y, m, al, be)
        final = x + y
        post = stats.beta.sf(self.p0, self.prior.a + final, self.prior.b + self.n_max - final)
        return pd.DataFrame({"y": y, "final": final, "probability": prob,
                             "final_posterior": post, "success": final >= self.success_count})

    def to_frame(self) -> pd.DataFrame:
        """One row per (x, n): ``x, n, n_max, posterior, responses_needed, probability``."""
        x, n = np.broadcast_arrays(np.asarray(self.x), np.asarray(self.n))
        return pd.DataFrame({
            "x": x.ravel(), "n": n.ravel(), "n_max": self.n_max,
            "posterior": np.broadcast_to(self.posterior, x.shape).ravel(),
            "responses_needed": np.broadcast_to(self.responses_needed, x.shape).ravel(),
            "probability": np.broadcast_to(self.probability, x.shape).ravel()})

    def summary(self) -> pd.DataFrame:
        """The result as a table (:meth:`to_frame`)."""
        return self.to_frame()

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))

    def __repr__(self) -> str:
        if np.ndim(self.probability) == 0:
            return (f"PredictiveProbability(x={self.x}, n={self.n}, n_max={self.n_max}: "
                    f"PP={self.probability:.4f}, {self.responses_needed} more responses needed "
                    f"(success iff final count >= {self.success_count}), "
                    f"posterior={self.posterior:.4f})")
        return (f"PredictiveProbability({np.size(self.probability)} values, n_max="
                f"{self.n_max}, success iff final count >= {self.success_count})")


def predictive_probability(x: Any, n: Any, n_max: int, p0: float, theta_t: float, *,
                           prior: Any) -> PredictiveProbability:
    r"""Lee & Liu's predictive probability that the trial succeeds at ``n_max``.

    Parameters
    ----------
    x, n : int or array_like of int
        Responses and patients so far (broadcast together), ``0 <= x <= n <= n_max``.
    n_max : int
        Planned maximum sample size.
    p0 : float
        Uninteresting response rate.
    theta_t : float
        Success at the end: :math:`P(p > p_0 \mid \text{final data}) > \theta_T`.
    prior : (float, float)
        Beta prior ``(a, b)``; no default.

    Returns
    -------
    PredictiveProbability
        ``probability`` (shaped like ``x`` and ``n``), ``responses_needed``,
        ``success_count`` and the current ``posterior``.

    Raises
    ------
    ValueError, TypeError
        For counts out of order (``x > n`` or ``n > n_max``), thresholds outside
        (0, 1) or a bad prior, each quoted.

    Notes
    -----
    :math:`\mathrm{PP} = \sum_{y \ge s^* - x} P(Y = y \mid x, n)` with the
    beta-binomial :math:`P(Y = y)` of the module docstring; the strict
    :math:`> \theta_T` is phase1b's ``predprob`` (ph2bye's ``PredP`` counts a
    final posterior equal to :math:`\theta_T` as success; the two differ only
    on an exact tie).

    Examples
    --------
    Lee & Liu (2008), section 2: Beta(0.6, 0.4), p0 = 0.6, theta_T = 0.9, 16 of 23, N = 40.

    >>> from thera_stats.bayesian import predictive_probability
    >>> pp = predictive_probability(16, 23, 40, 0.6, 0.9, prior=(0.6, 0.4))
    >>> round(pp.probability, 4), pp.responses_needed, pp.success_count
    (0.5656, 12, 28)
    >>> predictive_probability([14, 16, 18], 23, 40, 0.6, 0.9, prior=(0.6, 0.4)).probability.round(4)
    array([0.1096, 0.5656, 0.9382])
    """
    xa, na = _counts(x, n)
    nm = int(check_integer_array("n_max", n_max, minimum=1))
    if np.ndim(n_max):
        raise TypeError(f"`n_max` ({n_max!r}) must be one whole number.")
    if np.any(na > nm):
        bad = na[na > nm].ravel()[0].item()
        raise ValueError(f"`n` ({bad!r}) must not exceed `n_max` ({nm!r}).")
    p = _unit("p0", p0)
    tt = _unit("theta_t", theta_t)
    pr = _prior(prior)
    s_star = _success_count(nm, p, tt, pr.a, pr.b)
    needed = s_star - xa
    prob = _upper_tail(needed, nm - na, pr.a + xa, pr.b + na - xa)
    post = stats.beta.sf(p, pr.a + xa, pr.b + na - xa)
    return PredictiveProbability(
        x=_out(xa), n=_out(na), n_max=nm, p0=p, theta_t=tt, prior=pr, probability=_out(prob),
        responses_needed=_out(np.maximum(needed, 0)), success_count=s_star,
        posterior=_out(post))


# =========================================================================== boundaries
def _looks(looks: Any) -> list[int]:
    if isinstance(looks, str | bytes) or not isinstance(looks, Sequence | np.ndarray):
        raise TypeError(f"`looks` ({looks!r}) must be a sequence of cumulative sample sizes.")
    arr = check_integer_array("looks", list(looks), minimum=1)
    out = [int(v) for v in np.atleast_1d(arr)]
    if not out:
        raise ValueError("`looks` must hold at least one look.")
    for i in range(1, len(out)):
        if out[i] <= out[i - 1]:
            raise ValueError(f"`looks` ({out!r}) must increase strictly: look {i + 1} has "
                             f"{out[i]} patients after {out[i - 1]} at look {i}.")
    return out


def _pp_table(looks: Sequence[int], p0: float, theta_t: float, a: float,
              b: float) -> tuple[list[FloatArray], int]:
    """PP(x, n_k) for x = 0..n_k at each look, and s*."""
    n_max = looks[-1]
    s_star = _success_count(n_max, p0, theta_t, a, b)
    out = []
    for n in looks:
        x = np.arange(n + 1)
        out.append(_upper_tail(s_star - x, np.full_like(x, n_max - n), a + x, b + n - x))
    return out, s_star


def _first_at_least(values: FloatArray, level: float) -> int | None:
    hit = np.flatnonzero(values >= level)
    return int(hit[0]) if hit.size else None


def _last_at_most(values: FloatArray, level: float) -> int | None:
    hit = np.flatnonzero(values <= level)
    return int(hit[-1]) if hit.size else None


def _predictive_bounds(looks: list[int], p0: float, theta_t: float, theta_l: float,
                       theta_u: float, a: float, b: float) -> tuple[list[int | None],
                                                                    list[int | None]]:
    """phase1b boundsPredprob's xL (largest x with PP <= theta_l) and xU (smallest x with
    PP >= theta_u; none at interim looks when theta_u = 1), per look; None where none."""
    table, _ = _pp_table(looks, p0, theta_t, a, b)
    x_low: list[int | None] = []
    x_up: list[int | None] = []
    for k, pp in enumerate(table):
        up = _first_at_least(pp, theta_u)
        if theta_u == 1.0 and k < len(looks) - 1:
            up = None
        # phase1b stops scanning at xU: xL is searched among x < xU and x = xU.
        low = _last_at_most(pp if up is None else pp[: up + 1], theta_l)
        x_low.append(low)
        x_up.append(up)
    return x_low, x_up


def _as_design(looks: list[int], x_low: list[int | None], x_up: list[int | None], p0: float,
               p1: float, rule: str, change: str) -> MultiStageDesign:
    """Translate per-look (xL, xU) into the engine's (a_k, e_k), explaining what it rejects."""
    k_last = len(looks) - 1
    fut: list[int] = []
    eff: list[int | None] = []
    for k, (n, lo, up) in enumerate(zip(looks, x_low, x_up, strict=True)):
        a = -1 if lo is None else lo
        e = None if up is None else up - 1
        if e is not None and a > e:  # both rules hold at x_U: efficacy takes precedence
            a = e
        if k < k_last:
            if a >= n:
                raise ValueError(
                    f"{rule}: at look {k + 1} ({n} patients) every count, even {n} of {n}, "
                    f"stops the trial for futility. Drop that look or {change}.")
            if e is not None and a >= e:
                raise ValueError(
                    f"{rule}: at look {k + 1} ({n} patients) the futility region x <= {a} and "
                    f"the efficacy region x >= {e + 1} cover every count, so no trial "
                    f"continues past it. Drop the later looks or {change}.")
            fut.append(a)
            eff.append(e)
            continue
        if up is None or up > n:
            raise ValueError(f"{rule}: at the last look ({n} patients) no count gives 'go'; "
                             f"{change}.")
        if a < 0:
            raise ValueError(f"{rule}: at the last look ({n} patients) no count gives "
                             f"'no go' (even 0 responses passes); {change}.")
        fut.append(a)
        eff.append(e if e is not None and e > a else None)
    efficacy = eff if any(v is not None for v in eff) else None
    return MultiStageDesign(p0, p1, looks, fut, efficacy)


def predictive_boundaries(looks: Any, p0: float, *, p1: float, theta_t: float,
                          theta_l: float, theta_u: float = 1.0,
                          prior: Any) -> MultiStageDesign:
    r"""Lee & Liu's predictive-probability stopping rule as an exact multi-stage design.

    Parameters
    ----------
    looks : sequence of int
        Cumulative sample sizes at which the rule is applied; the last is
        :math:`N` (``n_max``).
    p0 : float
        Uninteresting response rate.
    p1 : float
        Target rate (carried by the design for its operating characteristics;
        it does not enter the rule).
    theta_t : float
        Success at the end: :math:`P(p > p_0 \mid \text{data}_N) > \theta_T`, in (0, 1).
    theta_l : float
        Futility: stop ("no go") at a look if :math:`\mathrm{PP} \le \theta_L`, in [0, 1).
    theta_u : float, optional
        Efficacy: stop ("go") at an interim look if :math:`\mathrm{PP} \ge \theta_U`;
        the default 1 means no efficacy stop (as phase1b, which drops the
        efficacy bound at interim looks when ``phiU = 1``). In (theta_l, 1].
    prior : (float, float)
        Beta prior ``(a, b)``; no default.

    Returns
    -------
    MultiStageDesign
        Futility bound :math:`a_k = x_L` (largest count with
        :math:`\mathrm{PP} \le \theta_L`, ``-1`` if none), efficacy bound
        :math:`e_k = x_U - 1` (:math:`x_U` the smallest count with
        :math:`\mathrm{PP} \ge \theta_U`); at the last look
        :math:`\mathrm{PP} \in \{0, 1\}` and "go" iff :math:`X_N \ge s^*`.

    Raises
    ------
    ValueError
        For thresholds out of range or in the wrong order, looks that do not
        increase, a bad prior, a look at which every count stops the trial
        (the message names it), or a last look at which "go" is impossible.

    Notes
    -----
    The counts are those of phase1b's ``boundsPredprob(looks, p0=p0, tT=theta_t,
    phiL=theta_l, phiU=theta_u, parE=prior)``: its ``xL`` is :math:`a_k`, its
    ``xU`` is :math:`e_k + 1`. Lee & Liu state the rules with strict
    inequalities (:math:`\mathrm{PP} < \theta_L`, :math:`> \theta_U`); the two
    differ only when a predictive probability equals a threshold exactly. The
    bounds never decrease (the module docstring shows why), so the engine
    accepts them whenever some trial continues past every interim look.

    Examples
    --------
    >>> from thera_stats.bayesian import predictive_boundaries
    >>> d = predictive_boundaries([10, 20, 30, 40], 0.2, p1=0.4, theta_t=0.8,
    ...                           theta_l=0.1, theta_u=0.9, prior=(1, 1))
    >>> d.futility, d.efficacy
    ((0, 2, 5, 9), (3, 6, 8))
    >>> d.operating_characteristics([0.2, 0.4]).prob_go.round(4)
    array([0.3083, 0.9791])
    """
    lk = _looks(looks)
    p = _unit("p0", p0)
    tt = _unit("theta_t", theta_t)
    tl = _unit("theta_l", theta_l, low_closed=True)
    tu = _unit("theta_u", theta_u, high_closed=True)
    if not tl < tu:
        raise ValueError(f"`theta_l` ({theta_l!r}) must be below `theta_u` ({theta_u!r}): "
                         "futility below efficacy.")
    pr = _prior(prior)
    x_low, x_up = _predictive_bounds(lk, p, tt, tl, tu, pr.a, pr.b)
    return _as_design(lk, x_low, x_up, p, p1, "predictive_boundaries",
                      "raise theta_u or lower theta_l, or change theta_t")


def _posterior_bounds(looks: list[int], p0: float, p_eff: float, t_l: float, t_u: float,
                      a: float, b: float) -> tuple[list[int | None], list[int | None]]:
    """phase1b boundsPostprob's xL (largest x with P(p < p0) >= t_l) and xU (smallest x with
    P(p > p_eff) >= t_u), per look."""
    x_low: list[int | None] = []
    x_up: list[int | None] = []
    for n in looks:
        x = np.arange(n + 1)
        up = _first_at_least(stats.beta.sf(p_eff, a + x, b + n - x), t_u)
        below = stats.beta.cdf(p0, a + x, b + n - x)
        cand = np.flatnonzero(below[: (n if up is None else up) + 1] >= t_l)
        x_low.append(int(cand[-1]) if cand.size else None)
        x_up.append(up)
    return x_low, x_up


def posterior_boundaries(looks: Any, p0: float, *, p1: float, t_l: float, t_u: float,
                         prior: Any, p_efficacy: float | None = None) -> MultiStageDesign:
    r"""Posterior-probability stopping rules (Thall & Simon style) as an exact design.

    Parameters
    ----------
    looks : sequence of int
        Cumulative sample sizes of the looks.
    p0 : float
        Uninteresting response rate (the futility rule's threshold).
    p1 : float
        Target rate, carried by the design for its operating characteristics.
    t_l : float
        Futility: "no go" at a look if :math:`P(p < p_0 \mid x, n) \ge t_L`, in (0, 1].
    t_u : float
        Efficacy: "go" at a look if :math:`P(p > p_E \mid x, n) \ge t_U`, in (0, 1].
    prior : (float, float)
        Beta prior ``(a, b)``; no default.
    p_efficacy : float, optional
        :math:`p_E`, the rate in the efficacy rule; default ``p0`` (as phase1b's
        ``boundsPostprob``, whose argument ``p1`` it is).

    Returns
    -------
    MultiStageDesign
        :math:`a_k = x_L`, :math:`e_k = x_U - 1`. At the last look "no go" iff
        :math:`X_K \le x_L` and "go" iff :math:`X_K \ge x_U`; when
        :math:`x_U > x_L + 1` the counts between are "inconclusive" (a
        three-outcome design: phase1b's "gray zone").

    Raises
    ------
    ValueError
        For thresholds or rates out of range, looks that do not increase, a bad
        prior, an interim look at which every count stops the trial, or a last
        look with no "go" (or no "no go") count; each message names the look.

    Notes
    -----
    The counts are those of phase1b's ``boundsPostprob(looks, p0=p0, p1=p_efficacy,
    tL=t_l, tU=t_u, parE=prior)``. Where both rules hold for the same count,
    efficacy wins (as in phase1b's ``ocPostprob``, which checks futility first
    and lets efficacy override), so :math:`a_k = \min(x_L, x_U - 1)`.

    Examples
    --------
    >>> from thera_stats.bayesian import posterior_boundaries
    >>> d = posterior_boundaries([10, 20, 30], 0.2, p1=0.4, t_l=0.8, t_u=0.95, prior=(1, 1))
    >>> d.futility, d.efficacy, d.final_go
    ((0, 2, 3), (4, 6), 9)
    >>> d.decide([2, 5, 6]).action
    'inconclusive'
    """
    lk = _looks(looks)
    p = _unit("p0", p0)
    pe = p if p_efficacy is None else _unit("p_efficacy", p_efficacy)
    tl = _unit("t_l", t_l, high_closed=True)
    tu = _unit("t_u", t_u, high_closed=True)
    pr = _prior(prior)
    x_low, x_up = _posterior_bounds(lk, p, pe, tl, tu, pr.a, pr.b)
    return _as_design(lk, x_low, x_up, p, p1, "posterior_boundaries",
                      "change t_l or t_u")
