r"""Fleming's (1982) one-sample multiple testing procedure, with its exact operating characteristics.

Fleming [1]_ gives closed-form boundaries for a single-arm trial with a binary
endpoint and :math:`K \ge 1` planned looks at cumulative sizes
:math:`n_1 < \dots < n_K = N`. With :math:`z = z_{1-\alpha}` and
:math:`[x]^*` the integer nearest to :math:`x`,

.. math::

    r_k = \bigl[n_k p_0 + z \sqrt{N p_0 (1 - p_0)}\bigr]^* + 1, \qquad
    a_k = \bigl[n_k \tilde p_A - z \sqrt{N \tilde p_A (1 - \tilde p_A)}\bigr]^*,

    \tilde p_A = \frac{\bigl(\sqrt{N p_0} + z \sqrt{1 - p_0}\bigr)^2}{N + z^2}.

At look :math:`k` the trial rejects :math:`H_0: p \le p_0` ("go", stop for
efficacy) if :math:`X_k \ge r_k` and accepts it ("no go", stop for futility) if
:math:`X_k \le a_k`, where :math:`X_k` is the number of responses among the
first :math:`n_k` patients; otherwise it continues. :math:`\tilde p_A` is the
response rate at which the single-stage normal-approximation test of size
:math:`\alpha` with :math:`N` patients has power :math:`1 - \alpha`: it solves
:math:`N \tilde p_A - z\sqrt{N \tilde p_A(1 - \tilde p_A)} = N p_0 +
z\sqrt{N p_0(1 - p_0)}`, so that at the last look the two boundaries meet,
:math:`a_K = r_K - 1`, and the final decision is the single-stage test. The
target rate :math:`p_1` does **not** enter the boundaries (only :math:`p_0`,
:math:`\alpha` and the sizes do); the design's power is evaluated at it.

*Exactness.* The boundaries rest on the normal approximation, so their true
error rates differ from :math:`\alpha`. :func:`fleming_design` returns the design
as a :class:`~thera_stats.multistage.MultiStageDesign` with the bounds
:math:`a_k` (futility) and :math:`e_k = r_k - 1` (efficacy, "go" if
:math:`X_k > e_k`) and reports its **exact** type I error
:math:`P_{p_0}(\text{go})`, power :math:`P_{p_1}(\text{go})` and expected sizes,
all by the engine's exact recursion.

*Corner cases* (rules; the published numbers are kept in
:class:`FlemingBoundaries`):

- :math:`r_k > n_k` at an interim look: no efficacy stop there
  (:math:`e_k = n_k`); :math:`a_k < 0`: no futility stop there (:math:`a_k = -1`).
- An interim look whose bounds leave no count to continue with
  (:math:`\max(a_k + 1, 0) > \min(r_k - 1, n_k)`): every trial would stop there
  and the later looks could not be reached; this is an error.
- The last look: "go" iff :math:`X_K \ge r_K`, "no go" otherwise. The formula's
  :math:`a_K` equals :math:`r_K - 1` whenever :math:`\sqrt{N\tilde p_A(1-\tilde
  p_A)} = \sqrt{N p_0 (1-p_0)} + z(1 - p_0 - \tilde p_A)` has a non-negative
  right side (all practical designs); otherwise (tiny :math:`N`, :math:`p_0`
  near 1) the final boundary is :math:`r_K - 1`, which keeps the size-:math:`\alpha`
  test, and :attr:`FlemingBoundaries.final_adjusted` is true.
- :math:`r_K > N`: "go" is impossible; an error (the sample is too small for
  :math:`\alpha`).
- Rounding: :math:`[x]^* = \lfloor x + 1/2 \rfloor`. Exact halves need
  :math:`z\sqrt{N p_0(1-p_0)}` to be a half-integer, which does not happen for
  the usual :math:`\alpha` (R's ``round`` would round such a tie to even).

.. rubric:: References

.. [1] Fleming TR. One-sample multiple testing procedure for phase II clinical
   trials. Biometrics 1982;38:143-151. doi:10.2307/2530297
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from thera_stats import _distributions as stats
from thera_stats.design_search import DesignChoice
from thera_stats.multistage import MultiStageDesign, _sizes

__all__ = [
    "FlemingBoundaries",
    "fleming_boundaries",
    "fleming_design",
]


@dataclass(frozen=True, slots=True)
class FlemingBoundaries:
    r"""Fleming's published boundaries for given looks, before any corner-case rule.

    Attributes
    ----------
    sizes : tuple of int
        Cumulative sizes :math:`n_1 < \dots < n_K = N`.
    p0, alpha : float
        The uninteresting rate and the nominal one-sided level.
    p_tilde : float
        :math:`\tilde p_A`, the rate at which the single-stage test of size
        :math:`\alpha` with :math:`N` patients has (approximate) power :math:`1 - \alpha`.
    rejection : tuple of int
        :math:`r_k`: reject :math:`H_0` ("go") if :math:`X_k \ge r_k` (may exceed :math:`n_k`).
    acceptance : tuple of int
        :math:`a_k`: accept :math:`H_0` ("no go") if :math:`X_k \le a_k` (may be negative).
    final_adjusted : bool
        True when the formula's :math:`a_K` differs from :math:`r_K - 1` (the final
        boundary used is :math:`r_K - 1`).
    """

    sizes: tuple[int, ...]
    p0: float
    alpha: float
    p_tilde: float
    rejection: tuple[int, ...]
    acceptance: tuple[int, ...]
    final_adjusted: bool

    def to_frame(self) -> pd.DataFrame:
        """One row per look: ``look, n, acceptance, rejection`` as published."""
        return pd.DataFrame({"look": np.arange(1, len(self.sizes) + 1), "n": list(self.sizes),
                             "acceptance": list(self.acceptance),
                             "rejection": list(self.rejection)})

    def summary(self) -> pd.DataFrame:
        """The result as a table (:meth:`to_frame`)."""
        return self.to_frame()

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


def _check_inputs(p0: Any, alpha: Any, sizes: Any) -> tuple[float, float, list[int]]:
    for name, v in (("p0", p0), ("alpha", alpha)):
        if isinstance(v, bool) or not isinstance(v, int | float | np.floating):
            raise TypeError(f"`{name}` ({v!r}) must be a number.")
    p0f, a = float(p0), float(alpha)
    if not 0.0 < p0f < 1.0:
        raise ValueError(f"`p0` ({p0!r}) must lie strictly between 0 and 1.")
    if not 0.0 < a < 0.5:
        raise ValueError(f"`alpha` ({alpha!r}) must lie in (0, 0.5): a one-sided type I error.")
    return p0f, a, _sizes(sizes)


def _nearest(x: float) -> int:
    return math.floor(x + 0.5)


def fleming_boundaries(p0: float, *, alpha: float, sizes: Any) -> FlemingBoundaries:
    r"""Fleming's (1982) acceptance and rejection boundaries for given looks.

    Parameters
    ----------
    p0 : float
        Uninteresting response rate, in (0, 1).
    alpha : float
        Nominal one-sided level, in (0, 0.5).
    sizes : sequence of int
        Cumulative sizes :math:`n_1 < \dots < n_K` (:math:`K \ge 1`).

    Returns
    -------
    FlemingBoundaries
        :math:`r_k`, :math:`a_k` and :math:`\tilde p_A` by the formulas of the
        module docstring, unclipped.

    Examples
    --------
    >>> from thera_stats.fleming import fleming_boundaries
    >>> b = fleming_boundaries(0.2, alpha=0.05, sizes=[15, 25])
    >>> b.acceptance, b.rejection, round(b.p_tilde, 4)
    ((3, 8), (7, 9), 0.4961)
    """
    p0f, a, n = _check_inputs(p0, alpha, sizes)
    z = float(stats.norm.isf(a))
    big_n = n[-1]
    p_tilde = (math.sqrt(big_n * p0f) + z * math.sqrt(1.0 - p0f)) ** 2 / (big_n + z * z)
    c0 = z * math.sqrt(big_n * p0f * (1.0 - p0f))
    ca = z * math.sqrt(big_n * p_tilde * max(1.0 - p_tilde, 0.0))
    rej = tuple(_nearest(nk * p0f + c0) + 1 for nk in n)
    acc = tuple(_nearest(nk * p_tilde - ca) for nk in n)
    return FlemingBoundaries(sizes=tuple(n), p0=p0f, alpha=a, p_tilde=p_tilde, rejection=rej,
                             acceptance=acc, final_adjusted=acc[-1] != rej[-1] - 1)


def fleming_design(p0: float, p1: float, *, alpha: float, sizes: Any) -> DesignChoice:
    r"""Fleming's (1982) multi-stage design for given looks, with its exact error rates.

    Parameters
    ----------
    p0, p1 : float
        Uninteresting and target response rates, ``0 < p0 < p1 < 1``. Only
        ``p0`` enters the boundaries; the power is evaluated at ``p1``.
    alpha : float
        Nominal one-sided level of Fleming's normal approximation, in (0, 0.5).
    sizes : sequence of int
        Cumulative sizes :math:`n_1 < \dots < n_K` (:math:`K \ge 1`; ``[N]`` is
        Fleming's single-stage test).

    Returns
    -------
    DesignChoice
        ``family="fleming"``, ``criterion="fleming-1982"``; ``design`` holds
        the bounds (futility :math:`a_k`, efficacy :math:`r_k - 1`, final
        "go" iff :math:`X_K \ge r_K`); ``alpha`` is the nominal level and
        ``power`` is NaN (power is not an input of Fleming's procedure);
        ``actual_alpha`` and ``actual_power`` are the **exact**
        :math:`P_{p_0}(\text{go})` and :math:`P_{p_1}(\text{go})`, which may
        exceed or fall short of the nominal values.

    Raises
    ------
    ValueError
        For rates, levels or sizes out of range (quoted); when the last look
        cannot reach "go" (:math:`r_K > n_K`); when an interim look leaves no
        count to continue with (every trial would stop there).

    See Also
    --------
    fleming_boundaries : the published boundaries before the corner-case rules.

    Notes
    -----
    Formulas, rules for out-of-range bounds and references: module docstring.

    Examples
    --------
    >>> from thera_stats.fleming import fleming_design
    >>> d = fleming_design(0.2, 0.4, alpha=0.05, sizes=[15, 25])
    >>> d.design.futility, d.design.efficacy, d.design.final_go
    ((3, 8), (6,), 8)
    >>> round(d.actual_alpha, 4), round(d.actual_power, 4)
    (0.0505, 0.7236)
    """
    for name, v in (("p1", p1),):
        if isinstance(v, bool) or not isinstance(v, int | float | np.floating):
            raise TypeError(f"`{name}` ({v!r}) must be a number.")
    bounds = fleming_boundaries(p0, alpha=alpha, sizes=sizes)
    p0f, p1f = bounds.p0, float(p1)
    if not p0f < p1f < 1.0:
        raise ValueError(f"need 0 < p0 < p1 < 1; got p0 = {p0!r}, p1 = {p1!r}.")
    n = list(bounds.sizes)
    k = len(n)
    r_final = bounds.rejection[-1]
    if r_final > n[-1]:
        raise ValueError(
            f"Fleming's final rejection bound r_K = {r_final} exceeds the {n[-1]} patients of "
            f"the last look: 'go' is impossible at alpha = {bounds.alpha:g} and p0 = {p0f:g}; "
            "use more patients or a larger alpha.")
    futility: list[int] = []
    efficacy: list[int] = []
    for i in range(k - 1):
        a_i = max(bounds.acceptance[i], -1)
        e_i = min(bounds.rejection[i] - 1, n[i])
        if max(a_i + 1, 0) > e_i:
            raise ValueError(
                f"At look {i + 1} ({n[i]} patients) Fleming's bounds accept H0 if X <= "
                f"{bounds.acceptance[i]} and reject it if X >= {bounds.rejection[i]}: no count "
                "continues, so the later looks can never be reached; drop or move this look.")
        futility.append(a_i)
        efficacy.append(e_i)
    futility.append(r_final - 1)
    design = MultiStageDesign(p0f, p1f, n, futility, efficacy if k > 1 else None)
    oc = design.operating_characteristics([p0f, p1f])
    return DesignChoice(design=design, family="fleming", criterion="fleming-1982",
                        alpha=bounds.alpha, power=math.nan,
                        actual_alpha=float(oc.prob_go[0]), actual_power=float(oc.prob_go[1]),
                        en_p0=float(oc.expected_n[0]), en_p1=float(oc.expected_n[1]))
