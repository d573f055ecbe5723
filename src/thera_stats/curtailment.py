r"""Curtailment of a multi-stage design: stop enrolling once the decision is (nearly) certain.

A design's rule is applied at its looks; curtailment looks after every patient.
With :math:`y` responses among the first :math:`j` patients, let
:math:`\mathrm{CP}_p(j, y)` be the conditional probability, under the true rate
:math:`p`, that the design's rule ends in "go" if the trial goes on as planned.

- **Non-stochastic curtailment** [1]_ stops as soon as the rule's decision is
  certain: "no go" when no continuation can reach "go"
  (:math:`\mathrm{CP} = 0`), "go" when every continuation does
  (:math:`\mathrm{CP} = 1`). It never changes the decision, so the type I error
  and the power are those of the design; only the sample size falls.
- **Stochastic curtailment** [2]_ also stops for futility when
  :math:`\mathrm{CP}_{p_1}(j, y) \le \gamma_f` (even the target rate makes
  "go" unlikely) and for efficacy when :math:`\mathrm{CP}_{p_0}(j, y) \ge
  \gamma_e` (even the uninteresting rate makes "go" likely). It changes the
  decision for some outcomes: the type I error can rise (efficacy stops) and
  the power fall (futility stops); both are computed exactly here.

For a three-outcome design (Sargent) the final outcome can also be
"inconclusive"; non-stochastic curtailment stops as soon as any of the three is
certain, and a stochastic futility stop counts as "no go".

Certainty is decided by integer logic on the rule (a continuation reaching the
other decision exists or not), never by comparing a float with 0 or 1. The
operating characteristics follow by a forward recursion over (patients,
responses) among the trials still enrolling, for every :math:`p` at once.

.. rubric:: References

.. [1] Kunz CU, Kieser M. Curtailment in single-arm two-stage phase II oncology
   trials. Biom J 2012;54:445-456. doi:10.1002/bimj.201100228
.. [2] Law M, Grayling MJ, Mander AP. A stochastically curtailed single-arm
   phase II trial design for binary outcomes. J Biopharm Stat 2022;32:1-15.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pandas as pd

from thera_stats._checks import check_closed_unit_array
from thera_stats.multistage import MultiStageDesign

__all__ = ["CurtailedOC", "curtailed_operating_characteristics"]

FloatArray = npt.NDArray[np.float64]
_NO_GO, _OPEN, _GO, _INCONCLUSIVE = -1, 0, 1, 2


@dataclass(frozen=True, slots=True)
class CurtailedOC:
    """Exact operating characteristics of a curtailed design at each ``p``.

    Attributes
    ----------
    p : ndarray
        True response rates.
    prob_go : ndarray
        P("go") with curtailment (equal to the design's for non-stochastic
        curtailment).
    prob_go_design : ndarray
        P("go") of the design without curtailment.
    prob_inconclusive : ndarray
        P("inconclusive") with curtailment (zero unless the design has three
        outcomes).
    expected_n : ndarray
        Expected number of patients enrolled with curtailment.
    expected_n_design : ndarray
        Expected sample size of the design without curtailment.
    futility_threshold, efficacy_threshold : float
        :math:`\\gamma_f` and :math:`\\gamma_e` (0 and 1: non-stochastic).
    """

    p: FloatArray
    prob_go: FloatArray
    prob_go_design: FloatArray
    prob_inconclusive: FloatArray
    expected_n: FloatArray
    expected_n_design: FloatArray
    futility_threshold: float
    efficacy_threshold: float

    def to_frame(self) -> pd.DataFrame:
        return pd.DataFrame({"p": self.p, "prob_go": self.prob_go,
                             "prob_go_design": self.prob_go_design,
                             "prob_inconclusive": self.prob_inconclusive,
                             "expected_n": self.expected_n,
                             "expected_n_design": self.expected_n_design})

    def summary(self) -> pd.DataFrame:
        """The result as a table (:meth:`to_frame`)."""
        return self.to_frame()

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def _certain(design: MultiStageDesign) -> list[npt.NDArray[np.int8]]:
    """For every j = 0..n and y = 0..j: -1 "no go" certain, +1 "go" certain, 2
    "inconclusive" certain (three-outcome designs), 0 open.

    Backwards from the last patient: at a look the rule decides when a bound is
    crossed; elsewhere a state is certain when both next states agree."""
    n = design.n_max
    looks = {nk: i for i, nk in enumerate(design.sizes)}
    k = design.n_looks
    state: list[npt.NDArray[np.int8]] = [np.zeros(0, dtype=np.int8)] * (n + 1)
    for j in range(n, -1, -1):
        y = np.arange(j + 1)
        if j == n:
            s = np.where(y > design.final_go, _GO,
                         np.where(y > design.futility[-1], _INCONCLUSIVE, _NO_GO)).astype(np.int8)
        else:
            nxt = state[j + 1]
            s = np.where(nxt[:-1] == nxt[1:], nxt[:-1], _OPEN).astype(np.int8)
            if j in looks and looks[j] < k - 1:
                i = looks[j]
                s = np.where(y <= design.futility[i], _NO_GO,
                             np.where(y > design.efficacy[i], _GO, s)).astype(np.int8)
        state[j] = s
    return state


def _conditional_go(design: MultiStageDesign, p: FloatArray,
                    certain: list[npt.NDArray[np.int8]]) -> list[FloatArray]:
    """CP_p(j, y) for every state, shape (len(p), j + 1), backwards."""
    n = design.n_max
    cp: list[FloatArray] = [np.zeros((len(p), 0))] * (n + 1)
    for j in range(n, -1, -1):
        c = certain[j]
        if j == n:
            v = np.broadcast_to((c == _GO).astype(float), (len(p), j + 1)).copy()
        else:
            nxt = cp[j + 1]
            v = (1.0 - p)[:, None] * nxt[:, :-1] + p[:, None] * nxt[:, 1:]
            v[:, c == _GO] = 1.0
            v[:, (c == _NO_GO) | (c == _INCONCLUSIVE)] = 0.0
        cp[j] = v
    return cp


def curtailed_operating_characteristics(
    design: MultiStageDesign,
    p: object,
    *,
    futility_threshold: float = 0.0,
    efficacy_threshold: float = 1.0,
) -> CurtailedOC:
    """Exact operating characteristics of a design curtailed patient by patient.

    Parameters
    ----------
    design : MultiStageDesign
        The design whose rule is curtailed.
    p : float or array_like
        True response rates in [0, 1].
    futility_threshold : float, default 0.0
        :math:`\\gamma_f`: stop for futility when the conditional probability of
        "go" under ``design.p1`` is at most this. 0: only when "no go" is certain.
    efficacy_threshold : float, default 1.0
        :math:`\\gamma_e`: stop for efficacy when the conditional probability of
        "go" under ``design.p0`` is at least this. 1: only when "go" is certain.

    Returns
    -------
    CurtailedOC
        Curtailed and uncurtailed P(go) and expected sizes.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.curtailment import curtailed_operating_characteristics
    >>> d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    >>> oc = curtailed_operating_characteristics(d, [0.2, 0.45])
    >>> oc.prob_go.round(4), oc.prob_go_design.round(4)
    (array([0.0492, 0.8065]), array([0.0492, 0.8065]))
    >>> oc.expected_n.round(2), oc.expected_n_design.round(2)
    (array([12.59, 15.95]), array([13.87, 20.81]))
    """
    if not isinstance(design, MultiStageDesign):
        raise TypeError(f"`design` must be a MultiStageDesign; got {type(design).__name__}.")
    gf, ge = float(futility_threshold), float(efficacy_threshold)
    if not 0.0 <= gf < 1.0:
        raise ValueError(f"`futility_threshold` ({futility_threshold!r}) must lie in [0, 1).")
    if not 0.0 < ge <= 1.0:
        raise ValueError(f"`efficacy_threshold` ({efficacy_threshold!r}) must lie in (0, 1].")
    pa = np.atleast_1d(check_closed_unit_array("p", p)).astype(float).ravel()
    certain = _certain(design)
    n = design.n_max
    stop_f = [c == _NO_GO for c in certain]
    stop_e = [c == _GO for c in certain]
    stop_i = [c == _INCONCLUSIVE for c in certain]
    if gf > 0.0 or ge < 1.0:
        cp1 = _conditional_go(design, np.array([design.p1]), certain) if gf > 0 else None
        cp0 = _conditional_go(design, np.array([design.p0]), certain) if ge < 1 else None
        for j in range(n + 1):
            if cp1 is not None:
                stop_f[j] = stop_f[j] | ((cp1[j][0] <= gf) & ~stop_e[j] & ~stop_i[j])
            if cp0 is not None:
                stop_e[j] = stop_e[j] | ((cp0[j][0] >= ge) & ~stop_f[j] & ~stop_i[j])
    # Forward: mass of trials still enrolling with y responses after j patients.
    mass = np.ones((len(pa), 1))
    prob_go = np.zeros(len(pa))
    prob_inconclusive = np.zeros(len(pa))
    expected = np.zeros(len(pa))
    for j in range(n + 1):
        f, e, i = stop_f[j], stop_e[j], stop_i[j]
        prob_go += mass[:, e].sum(axis=1)
        prob_inconclusive += mass[:, i].sum(axis=1)
        expected += j * mass[:, f | e | i].sum(axis=1)
        mass = np.where((f | e | i)[None, :], 0.0, mass)
        if j == n:
            break
        nxt = np.zeros((len(pa), j + 2))
        nxt[:, :-1] += mass * (1.0 - pa)[:, None]
        nxt[:, 1:] += mass * pa[:, None]
        mass = nxt
    base = design.operating_characteristics(pa)
    return CurtailedOC(p=pa, prob_go=prob_go, prob_go_design=base.prob_go,
                       prob_inconclusive=prob_inconclusive, expected_n=expected,
                       expected_n_design=base.expected_n, futility_threshold=gf,
                       efficacy_threshold=ge)
