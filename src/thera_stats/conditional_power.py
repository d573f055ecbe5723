r"""Conditional and predictive power of a multi-stage design part-way through the trial.

With :math:`y` responses among the first :math:`j` patients of a trial that the
design's rule has not stopped, let :math:`V(j, y)` be the probability that the
rule ends in "go". Backwards from the last patient, patient by patient:

.. math::

    V(n_K, y) = [y > e_K], \qquad
    V(j, y) = q(j, y)\, V(j + 1, y + 1) + (1 - q(j, y))\, V(j + 1, y),

and at an interim look :math:`n_k` (:math:`j = n_k < n_K`) the rule decides:
:math:`V = 0` if :math:`y \le a_k`, :math:`V = 1` if :math:`y > e_k`. Here
:math:`e_K` is the final "go" bound (:math:`a_K` unless the design has three
outcomes, whose inconclusive zone counts as not "go").

- **Conditional power** [1]_ takes a fixed true rate, :math:`q(j, y) = p`.
- **Predictive power** [2]_ averages the conditional power over the posterior
  of :math:`p` after :math:`y` of :math:`j` under a Beta(:math:`a, b`) prior.
  The next patient responds with posterior-predictive probability
  :math:`q(j, y) = (a + y) / (a + b + j)` (the Pólya urn), so the same recursion
  gives it exactly, with no integral to approximate. For a single final
  analysis with "go" iff the posterior probability of :math:`p > p_0` exceeds
  :math:`\theta_T`, it is Lee & Liu's predictive probability [3]_.

Both condition on the rule not having stopped the trial before: the caller
checks the looks already passed (:meth:`MultiStageDesign.decide`).

.. rubric:: References

.. [1] Lan KKG, Simon R, Halperin M. Stochastically curtailed tests in
   long-term clinical trials. Commun Stat C Sequential Anal 1982;1:207-219.
.. [2] Spiegelhalter DJ, Freedman LS, Blackburn PR. Monitoring clinical trials:
   conditional or predictive power? Control Clin Trials 1986;7:8-17.
.. [3] Lee JJ, Liu DD. A predictive probability design for phase II cancer
   clinical trials. Clin Trials 2008;5:93-106. doi:10.1177/1740774508089279
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np
import numpy.typing as npt

from thera_stats._checks import check_closed_unit_array
from thera_stats.bayesian import as_beta_prior
from thera_stats.multistage import MultiStageDesign

__all__ = ["conditional_power", "predictive_power"]

FloatArray = npt.NDArray[np.float64]


def _state(design: Any, x: Any, n: Any) -> tuple[int, int]:
    if not isinstance(design, MultiStageDesign):
        raise TypeError(f"`design` must be a MultiStageDesign; got {type(design).__name__} "
                        "(thera_stats.as_multistage converts the package's designs).")
    for name, v in (("x", x), ("n", n)):
        if isinstance(v, bool) or not isinstance(v, numbers.Integral):
            raise TypeError(f"`{name}` ({v!r}) must be a whole number.")
    xi, ni = int(x), int(n)
    if not 0 <= ni <= design.n_max:
        raise ValueError(f"`n` ({ni}) must be between 0 and the design's {design.n_max} "
                         "patients.")
    if not 0 <= xi <= ni:
        raise ValueError(f"`x` ({xi}) must be between 0 and n = {ni}.")
    return xi, ni


def _backward(design: MultiStageDesign, x: int, n: int, q: Any) -> FloatArray:
    """V(n, x) for each column of rates: ``q(j, y)`` returns an array (len(y), m)."""
    looks = {nk: i for i, nk in enumerate(design.sizes)}
    last = design.n_max
    y = np.arange(last + 1)
    v = (y > design.final_go).astype(float)[:, None]
    for j in range(last, n, -1):
        # v holds V(j, 0..j); step to V(j - 1, 0..j - 1).
        qj = q(j - 1, y[:j])
        v = qj * v[1: j + 1] + (1.0 - qj) * v[:j]
        i = looks.get(j - 1)
        if i is not None and j - 1 < last:
            v[: design.futility[i] + 1] = 0.0
            v[design.efficacy[i] + 1:] = 1.0
    if n in looks and n < last:  # the rule decides at this very look
        i = looks[n]
        if x <= design.futility[i]:
            return np.zeros(v.shape[1])
        if x > design.efficacy[i]:
            return np.ones(v.shape[1])
    return np.asarray(v[x])


def conditional_power(design: MultiStageDesign, x: int, n: int, p: Any) -> Any:
    """P(the design's rule ends "go" | x responses among the first n patients), at rate p.

    Parameters
    ----------
    design : MultiStageDesign
        The design whose rule is followed to its end.
    x, n : int
        Responses so far among the first ``n`` patients (``0 <= n <= n_K``); the
        rule has not stopped the trial at a look before ``n``.
    p : float or array_like
        True response rate(s) in [0, 1].

    Returns
    -------
    float or ndarray
        The conditional power at each ``p`` (a float for a scalar ``p``). At a
        look whose bound the count crosses, 0 or 1: the rule has decided.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.conditional_power import conditional_power
    >>> simon = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> round(conditional_power(simon, 4, 10, 0.45), 4)  # P(Bin(12, 0.45) >= 4)
    0.8655
    """
    xi, ni = _state(design, x, n)
    pa = check_closed_unit_array("p", p)
    flat = np.atleast_1d(pa).astype(float).ravel()
    out = _backward(design, xi, ni, lambda j, y: np.broadcast_to(flat, (len(y), len(flat))))
    out = np.clip(out, 0.0, 1.0)
    return float(out[0]) if np.ndim(pa) == 0 else out.reshape(np.shape(pa))


def predictive_power(design: MultiStageDesign, x: int, n: int, *, prior: Any) -> float:
    """Posterior-predictive P(the design's rule ends "go") after x responses among n patients.

    Parameters
    ----------
    design : MultiStageDesign
        The design whose rule is followed to its end.
    x, n : int
        Responses so far among the first ``n`` patients; the rule has not
        stopped the trial at a look before ``n``.
    prior : (a, b) or BetaPrior
        Beta prior of the response rate.

    Returns
    -------
    float
        The conditional power averaged over the posterior Beta(a + x, b + n - x),
        computed exactly by the Pólya-urn recursion of the module docstring.

    Examples
    --------
    Lee & Liu (2008): prior Beta(0.6, 0.4), p0 = 0.6, theta_T = 0.9, N = 40;
    the final rule "posterior P(p > 0.6) > 0.9" is "go" iff X > 27.

    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.conditional_power import predictive_power
    >>> d = MultiStageDesign(0.6, 0.8, sizes=[40], futility=[27])
    >>> round(predictive_power(d, 16, 23, prior=(0.6, 0.4)), 4)
    0.5656
    """
    xi, ni = _state(design, x, n)
    a, b = as_beta_prior(prior)

    def urn(j: int, y: Any) -> Any:
        return ((a + y) / (a + b + j))[:, None]

    return float(np.clip(_backward(design, xi, ni, urn)[0], 0.0, 1.0))
