r"""When a single-arm binary trial ends off plan: the published rules, their bounds and errors.

A multi-stage design (:class:`~thera_stats.multistage.MultiStageDesign`) plans
cumulative sizes :math:`n_1 < \dots < n_K` and bounds; the trial reaches
attained sizes :math:`n_1' \le \dots \le n_m'` (:math:`m \le K`). Five rules
say what to conclude, each a function of the attained sizes (and, for the
conditional-error rule, of the count at the last interim look):

``"attained-size"``
    Re-derive every bound at the attained sizes so that
    :math:`P_{p_0}(\text{go}) \le \alpha` (Green & Dahlberg [1]_; the final
    "go" is the stage-wise p-value of Koyama & Chen [2]_ being
    :math:`\le \alpha`): :meth:`MultiStageDesign.at_sizes`.
``"planned"``
    Keep the planned bounds whatever size was reached: interim bounds
    :math:`a_k, e_k` at look :math:`k` (a look the plan could not stop at
    still cannot), and the final "go" bound :math:`r = a_K` of the plan at the
    last look reached, even if that look has fewer (or more) patients than
    :math:`n_K`. No promise on the type I error.
``"ats"``
    Adaptive threshold Simon design of Liu & Pan [3]_ (R UnplanSimon
    ``ATS_Design``), two-stage designs without efficacy stop: :math:`r_1^*`
    makes :math:`P_{p_0}(X_1 \le r_1^* ; n_1^*)` *closest* to the planned
    :math:`P_{p_0}(X_1 \le r_1; n_1)` (a tie goes to the larger bound),
    then :math:`r^*` is the smallest :math:`r \ge r_1^*` with
    :math:`P_{p_0}(X_1 > r_1^*, X > r) \le \alpha(n^*)`, the Lan-DeMets
    O'Brien-Fleming-type spending
    :math:`\alpha(n^*) = \min\{\alpha,\ 2 - 2\Phi(z_{1-\alpha/2} / \sqrt{n^*/n})\}`.
``"atss"``
    Adaptive threshold and sample size Simon design [3]_ (``ATSS_Design_Stage1``
    and ``ATSS_Design_Stage2``): for an attained :math:`n_1^* \ne n_1`, the
    optimal (minimum :math:`E_{p_0}N`) Simon design with first stage
    :math:`n_1^*` meeting :math:`\alpha` and the power :math:`1 - \beta`
    re-sets :math:`r_1^*` and the total :math:`n^*`; at the final analysis
    with :math:`n^{**}` patients, :math:`r^{**}` is the smallest
    :math:`r \ge r_1^*` with :math:`P_{p_0}(X_1 > r_1^*, X > r) \le \alpha`.
    With :math:`n_1^* = n_1` the plan's :math:`r_1` and :math:`n` stay.
``"conditional-error"``
    Englert & Kieser [4]_ (R OneArmPhaseTwoStudy ``getCE``, ``get_r2_flex``,
    ``getCP``), after Müller & Schäfer's conditional-error principle [5]_:
    at the last interim look reached as planned, with :math:`x` responses, the
    planned design's conditional error is
    :math:`A(x) = P_{p_0}(\text{plan says go} \mid X_j = x)`. The new last
    stage, of any size :math:`s`, says "go" iff its responses
    :math:`Y \ge r_2(x)`, the smallest :math:`r_2` with
    :math:`P_{p_0}(Y \ge r_2; s) \le A(x)`. With no interim look reached as
    planned (the trial ended at its first look) :math:`A = P_{p_0}(\text{go})`
    of the plan.

*Assumptions (may the change depend on the data?).* The first four rules fix
their bounds from the attained sizes alone; their type I error is
:math:`P_{p_0}(\text{go})` at those sizes only if the sizes do not depend on
the responses (recruitment, funding or inevaluability ended the trial, not its
results). The conditional-error rule keeps the type I error of the *plan* even
if the new stage size is chosen after seeing the interim count: given
:math:`X_j = x`, its conditional type I error is :math:`\le A(x)` for every
:math:`s`, so :math:`P_{p_0}(\text{go}) \le \sum_x P_{p_0}(X_j = x) A(x)`,
the plan's type I error. The interim looks themselves must be as planned.

*Exact operating characteristics.* For a fixed-bounds rule the forward
recursion of :mod:`thera_stats.multistage` at the attained sizes; for the
conditional-error rule
:math:`P_p(\text{go}) = E_p + \sum_x g_j(x)\, P_p(Y \ge r_2(x); s)`, with
:math:`g_j` the distribution of the count among trials still running at look
:math:`j` and :math:`E_p` the earlier efficacy stops. Finite sums, no
simulation.

*Where UnplanSimon's code departs from its vignette.* The vignette's ATSS
example says the second stage "remains as planned", but ``ATSS_Design_Stage1``
re-sets the total :math:`n^*` by the optimal-design search (the vignette's
own output, 2/11, 15/47, has a stage 2 of 36 patients, not the planned 30).
We follow the code: the re-set stage-2 size is what ATSS is, and it is what
the published numbers are. The code's search stops at :math:`n^* = 100`; we
search up to ``atss_n_max`` (default :math:`\max(100, 3 n_K)`) and say so.

.. rubric:: References

.. [1] Green SJ, Dahlberg S. Planned versus attained design in phase II
   clinical trials. Stat Med 1992;11:853-862. doi:10.1002/sim.4780110703
.. [2] Koyama T, Chen H. Proper inference from Simon's two-stage designs.
   Stat Med 2008;27:3145-3154. doi:10.1002/sim.3123
.. [3] Liu Y, Pan H. Clinical trial design methods for managing under- and
   over-enrollment in Simon's two-stage design. 2024 (submitted); R package
   UnplanSimon 0.1.0.
.. [4] Englert S, Kieser M. Adaptive designs for single-arm phase II trials
   in oncology. Pharm Stat 2012;11:241-249. doi:10.1002/pst.541
.. [5] Müller HH, Schäfer H. Adaptive group sequential designs for clinical
   trials: combining the advantages of adaptive and of classical group
   sequential approaches. Biometrics 2001;57:886-891.
   doi:10.1111/j.0006-341X.2001.00886.x
"""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

import numpy as np
import numpy.typing as npt
import pandas as pd

from thera_stats import _distributions as stats

__all__ = [
    "RULES",
    "RULE_ASSUMPTIONS",
    "OffPlanRule",
    "compare_off_plan_rules",
    "conditional_error",
    "conditional_error_bound",
    "off_plan_rule",
    "redesign_conditional_power",
    "stage2_size_for_power",
]

FloatArray = npt.NDArray[np.float64]

RULES: tuple[str, ...] = ("attained-size", "planned", "ats", "atss", "conditional-error")
"""The off-plan rules, in the order of :func:`compare_off_plan_rules`."""

RULE_ASSUMPTIONS: dict[str, str] = {
    "attained-size": "sizes independent of the responses; type I error <= alpha at any "
                     "attained sizes",
    "planned": "none: planned bounds at the attained sizes; no type I error promise off plan",
    "ats": "sizes independent of the responses; type I error <= the spent alpha(n*) <= alpha",
    "atss": "stage-1 size independent of the responses; stage 2 re-set by the design "
            "search; type I error <= alpha",
    "conditional-error": "interim looks as planned; the new stage size may depend on the "
                         "data; type I error <= the plan's",
}
"""One line per rule: may the change depend on the data, and what it promises."""

_PROMISES = {"attained-size": True, "planned": False, "ats": True, "atss": True,
             "conditional-error": True}
_TOL = 1.0 + 1e-12


class _Design(Protocol):
    """What the rules read of a design (a :class:`~thera_stats.multistage.MultiStageDesign`)."""

    p0: float
    p1: float
    sizes: tuple[int, ...]
    futility: tuple[int, ...]
    efficacy: tuple[int, ...]
    final_go: int

    def at_sizes(self, sizes: Any, *, alpha: Any = None) -> Any: ...

    def decide(self, responses: Any, sizes: Any = None, *, alpha: Any = None,
               rule: str = "attained-size", power: Any = None) -> Any: ...


# =========================================================================== checks
def _check_design(design: Any) -> _Design:
    for name in ("p0", "p1", "sizes", "futility", "efficacy", "final_go", "at_sizes"):
        if not hasattr(design, name):
            raise TypeError(f"`design` must be a MultiStageDesign (it has no `{name}`); got "
                            f"{type(design).__name__} (thera_stats.as_multistage converts "
                            "the package's designs).")
    return design


def _check_rule(rule: Any) -> str:
    if rule not in RULES:
        raise ValueError(f"`rule` ({rule!r}) must be one of {', '.join(map(repr, RULES))}.")
    return str(rule)


def _int(name: str, value: Any, minimum: int | None = None) -> int:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Integral):
        raise TypeError(f"`{name}` ({value!r}) must be a whole number.")
    v = int(value)
    if minimum is not None and v < minimum:
        raise ValueError(f"`{name}` ({value!r}) must be at least {minimum}.")
    return v


def _prob(name: str, value: Any) -> float:
    if isinstance(value, bool | np.bool_) or not isinstance(value, numbers.Real):
        raise TypeError(f"`{name}` ({value!r}) must be a number strictly between 0 and 1.")
    v = float(value)
    if not 0.0 < v < 1.0:
        raise ValueError(f"`{name}` ({value!r}) must be strictly between 0 and 1.")
    return v


def _check_sizes(design: _Design, sizes: Any) -> tuple[int, ...]:
    if sizes is None:
        return tuple(design.sizes)
    if isinstance(sizes, str | bytes) or not hasattr(sizes, "__len__"):
        raise TypeError(f"`sizes` ({sizes!r}) must be a sequence of cumulative sizes.")
    n = tuple(_int(f"sizes[{i}]", v) for i, v in enumerate(sizes))
    k = len(design.sizes)
    if not 1 <= len(n) <= k:
        raise ValueError(f"`sizes` ({list(n)!r}) needs between 1 and {k} cumulative sizes, "
                         "one per look run.")
    if n[0] < 1:
        raise ValueError(f"`sizes[0]` ({n[0]!r}) must be at least 1.")
    for i in range(1, len(n)):
        if n[i] < n[i - 1]:
            raise ValueError(f"`sizes` ({list(n)!r}) must not decrease.")
    return n


# =========================================================================== the result
@dataclass(frozen=True, slots=True)
class OffPlanRule:
    r"""One off-plan rule at attained sizes: its bounds and exact error rates.

    Attributes
    ----------
    rule : str
        One of :data:`RULES`.
    assumption : str
        May the change depend on the data, and what the rule promises.
    sizes : tuple of int
        Attained cumulative sizes at which the rule is applied (for ``"atss"``
        at an interim decision, the re-set total is in :attr:`redesigned_n`).
    futility, efficacy : tuple of int
        Interim futility and efficacy bounds (stop "no go" if :math:`X_k \le
        a_k`, "go" if :math:`X_k > e_k`; :math:`e_k = n_k`: no efficacy stop).
    final_bound : int or None
        Final "go" bound: "go" iff :math:`X_m >` it. For ``"conditional-error"``
        the bound at the observed interim count (None if not given).
    final_bounds : tuple of (int, int)
        ``"conditional-error"`` only: ``(x, bound)`` for every count ``x`` still
        running at the last interim look.
    type1_error, power : float
        Exact :math:`P_{p_0}(\text{go})` and :math:`P_{p_1}(\text{go})` of the
        rule at the attained sizes (sizes fixed in advance of the data).
    alpha : float
        The bound given to the rule (``alpha``); ``alpha_target`` what it
        spends (ATS: :math:`\alpha(n^*)`; conditional error: the plan's type I
        error).
    alpha_target : float
    controls_alpha : bool
        Whether the rule promises ``type1_error <= alpha``.
    redesigned_n : int or None
        ``"atss"``: the total size :math:`n^*` its stage-1 redesign sets.
    note : str
        What was done, in one sentence.
    """

    rule: str
    assumption: str
    sizes: tuple[int, ...]
    futility: tuple[int, ...]
    efficacy: tuple[int, ...]
    final_bound: int | None
    final_bounds: tuple[tuple[int, int], ...]
    type1_error: float
    power: float
    alpha: float
    alpha_target: float
    controls_alpha: bool
    redesigned_n: int | None
    note: str

    @property
    def bounds(self) -> str:
        """The bounds used, as text: ``"futility [2], final > 6"``."""
        parts = [f"futility {list(self.futility)}"]
        eff = ["-" if e >= n else str(e) for e, n in zip(self.efficacy, self.sizes,
                                                         strict=False)]
        if any(v != "-" for v in eff):
            parts.append(f"efficacy [{', '.join(eff)}]")
        if self.final_bound is not None:
            parts.append(f"final > {self.final_bound}")
        elif self.final_bounds:
            parts.append("final > " + ", ".join(f"{c} (x={x})" for x, c in self.final_bounds))
        return ", ".join(parts)

    def to_frame(self) -> pd.DataFrame:
        """One tidy row: rule, sizes, bounds, exact type I error and power."""
        return pd.DataFrame({
            "rule": [self.rule], "assumption": [self.assumption],
            "sizes": [list(self.sizes)], "bounds": [self.bounds],
            "type1_error": [self.type1_error], "power": [self.power],
            "alpha_target": [self.alpha_target], "controls_alpha": [self.controls_alpha],
            "redesigned_n": [self.redesigned_n], "note": [self.note]})

    def summary(self) -> pd.DataFrame:
        """The rule as a table (:meth:`to_frame`)."""
        return self.to_frame()

    def _repr_html_(self) -> str:
        return str(self.to_frame().to_html(index=False))


# =========================================================================== recursions
def _pmf(m: int, p: float) -> FloatArray:
    return np.asarray(stats.binom.pmf(np.arange(m + 1), m, p), dtype=float)


def _sf_ge(r: npt.NDArray[np.int64], m: int, p: float) -> FloatArray:
    """P(Bin(m, p) >= r) for each r."""
    return np.asarray(stats.binom.sf(r - 1, m, p), dtype=float)


def _forward(sizes: tuple[int, ...], fut: tuple[int, ...], eff: tuple[int, ...], upto: int,
             p: float) -> tuple[FloatArray, float, float]:
    """Counts among trials still running after interim looks ``0..upto-1`` (0-based), the
    probability of an efficacy stop and of a futility stop there. ``upto = 0``: the point
    mass at 0 before look 1."""
    g = np.ones(1)
    prev = 0
    go = stop = 0.0
    for k in range(upto):
        f = np.convolve(g, _pmf(sizes[k] - prev, p))
        a, e = fut[k], eff[k]
        stop += float(f[: a + 1].sum()) if a >= 0 else 0.0
        go += float(f[e + 1:].sum())
        g = f.copy()
        g[: max(a + 1, 0)] = 0.0
        g[e + 1:] = 0.0
        prev = sizes[k]
    return g, go, stop


def _fixed_oc(sizes: tuple[int, ...], fut: tuple[int, ...], eff: tuple[int, ...],
              final: int, p: float) -> float:
    """P(go) of a fixed-bounds rule (interim bounds ``fut``, ``eff``; final "go" iff > final)."""
    m = len(sizes)
    g, go, _ = _forward(sizes, fut, eff, m - 1, p)
    step = sizes[-1] - (sizes[-2] if m > 1 else 0)
    x = np.arange(g.size)
    return go + float(np.dot(g, _sf_ge(final - x + 1, step, p)))


def _plan_values(design: _Design, j: int, p: float) -> FloatArray:
    """P_p(the plan says go | X = x at look j), x = 0..n_j, by backward recursion; j = 0
    is before look 1 (x = 0 only). At look j: 0 at or below its futility bound, 1 above its
    efficacy bound. At p0 the conditional error A(x), at p1 the conditional power."""
    sizes = design.sizes
    k = len(sizes)
    v = (np.arange(sizes[-1] + 1) > design.final_go).astype(float)
    for i in range(k - 2, j - 2, -1):   # v: value at look i + 1 (0-based); step back to i
        cur = sizes[i] if i >= 0 else 0
        step = sizes[i + 1] - cur
        win = np.lib.stride_tricks.sliding_window_view(v, step + 1)[: cur + 1]
        v = win @ _pmf(step, p)
        if i >= 0:
            v[: design.futility[i] + 1] = 0.0
            v[design.efficacy[i] + 1:] = 1.0
    return np.asarray(np.clip(v, 0.0, 1.0))


def _plan_ce(design: _Design, j: int) -> FloatArray:
    """A(x) = P_p0(the plan says go | X = x at look j)."""
    return _plan_values(design, j, design.p0)


def _r2(ce: FloatArray, step: int, p0: float) -> npt.NDArray[np.int64]:
    """Smallest r2 in 0..step+1 with P_p0(Bin(step) >= r2) <= ce (get_r2_flex), per ce."""
    tail = _sf_ge(np.arange(step + 2), step, p0)          # decreasing in r2
    tail[-1] = 0.0
    ok = tail[None, :] <= np.asarray(ce)[:, None] * _TOL
    return np.asarray(np.argmax(ok, axis=1), dtype=np.int64)


# =========================================================================== ATS / ATSS
def _require_simon(design: _Design, rule: str, sizes: tuple[int, ...]) -> None:
    if len(design.sizes) != 2 or design.efficacy[0] < design.sizes[0] or (
            design.final_go != design.futility[-1]):
        raise ValueError(f"rule {rule!r} (UnplanSimon) needs a two-stage design without "
                         f"efficacy stop and two outcomes (Simon's); this design has sizes "
                         f"{list(design.sizes)}, futility {list(design.futility)}. Use "
                         "'attained-size' or 'conditional-error'.")
    if len(sizes) != 2:
        raise ValueError(f"rule {rule!r} needs both attained sizes [n1*, n*]; got "
                         f"{list(sizes)!r}.")


def _type1_two_stage(a: int, n1: int, n: int, p: float) -> FloatArray:
    """P(X1 > a, X > c) for c = 0..n (two-stage, no efficacy stop)."""
    f = _pmf(n1, p)
    f[: a + 1] = 0.0
    tot = np.convolve(f, _pmf(n - n1, p))                     # P(X1 > a, X = t)
    above = np.concatenate([np.cumsum(tot[::-1])[::-1][1:], [0.0]])  # P(.., X > c)
    return np.asarray(above)


@lru_cache(maxsize=256)
def _ats(p0: float, n1: int, n: int, r1: int, n1s: int, ns: int, alpha: float
         ) -> tuple[int, int, float]:
    pet = float(stats.binom.cdf(r1, n1, p0))
    cum = np.concatenate([[0.0], stats.binom.cdf(np.arange(n1s + 1), n1s, p0), [1.0]])
    m = int(np.argmax(cum >= pet)) - 1 if (cum >= pet).any() else n1s + 1   # smallest m
    lower = float(cum[m]) if m >= 0 else 0.0               # cd(m - 1)
    upper = float(cum[m + 1]) if m + 1 < cum.size else 1.0
    a = m - 1 if abs(lower - pet) < abs(upper - pet) else m
    z = stats.norm.ppf(1.0 - alpha / 2.0)
    spent = min(float(2.0 - 2.0 * stats.norm.cdf(z / math.sqrt(ns / n))), alpha)
    t1 = _type1_two_stage(a, n1s, ns, p0)
    cs = np.arange(max(a, 0), ns + 1)
    ok = np.flatnonzero(t1[cs] <= spent)
    c = int(cs[ok[0]]) if ok.size else ns
    return a, c, spent


def _joint_tails(n1: int, n: int, p: float, pmf1: FloatArray) -> FloatArray:
    """T[i, c] = P(X1 > i, X > c) for i = -1..n1 (row i + 1) and c = 0..n."""
    b = _pmf(n - n1, p)
    x1 = np.arange(n1 + 1)[:, None]
    t = np.arange(n + 1)[None, :]
    idx = t - x1
    joint = np.where((idx >= 0) & (idx <= n - n1), b[np.clip(idx, 0, n - n1)], 0.0)
    joint = joint * pmf1[:, None]                               # P(X1 = x1, X = t)
    above_t = np.cumsum(joint[:, ::-1], axis=1)[:, ::-1]         # P(X1 = x1, X >= t)
    above_t = np.concatenate([above_t[:, 1:], np.zeros((n1 + 1, 1))], axis=1)  # X > c
    above_x = np.cumsum(above_t[::-1], axis=0)[::-1]             # X1 >= x1
    return np.asarray(above_x)                                   # row r = P(X1 > r - 1, ..)


@lru_cache(maxsize=256)
def _atss_stage1(p0: float, p1: float, n1s: int, alpha: float, beta: float, n_max: int
                 ) -> tuple[int, int, int]:
    cdf1 = stats.binom.cdf(np.arange(n1s + 1), n1s, p1)
    ok = np.flatnonzero(cdf1 <= beta)
    u = int(ok[-1]) if ok.size else -1
    best = math.inf
    out: tuple[int, int, int] | None = None
    pet0 = stats.binom.cdf(np.arange(n1s + 1), n1s, p0)
    f0, f1 = _pmf(n1s, p0), _pmf(n1s, p1)
    for n in range(n1s + 1, n_max + 1):
        if u < 0 or n1s + (1.0 - pet0[u]) * (n - n1s) >= best:
            break   # E_p0(N) grows with n at every r1 <= u: no better design beyond
        t0 = t1 = None
        for i in range(u + 1):
            en = n1s + (1.0 - pet0[i]) * (n - n1s)
            if not en < best:
                continue
            if t0 is None:
                t0 = _joint_tails(n1s, n, p0, f0)
                t1 = _joint_tails(n1s, n, p1, f1)
            assert t1 is not None
            row0 = t0[i + 1] if i + 1 <= n1s else np.zeros(n + 1)
            c_ok = np.flatnonzero(row0[i:] <= alpha)
            if not c_ok.size:
                continue
            c = i + int(c_ok[0])
            if i + 1 <= n1s and t1[i + 1][c] >= 1.0 - beta:
                best, out = en, (i, c, n)
    if out is None:
        raise ValueError(f"rule 'atss': no two-stage design with first stage {n1s} and at "
                         f"most {n_max} patients meets alpha {alpha:g} and power "
                         f"{1 - beta:g}; raise `atss_n_max` or use another rule.")
    return out


# =========================================================================== the rules
def off_plan_rule(design: Any, sizes: Any = None, *, rule: str, alpha: Any,
                  power: Any = None, responses: Any = None,
                  atss_n_max: int | None = None) -> OffPlanRule:
    r"""An off-plan rule at attained sizes: its bounds, exact type I error and power.

    Parameters
    ----------
    design : MultiStageDesign
        The planned design.
    sizes : sequence of int, optional
        Attained cumulative sizes :math:`n_1' \le \dots \le n_m'`, :math:`m \le
        K` (default: the plan's). Look :math:`m` is the final analysis.
    rule : str
        One of :data:`RULES` (module docstring).
    alpha : float
        The type I error bound of the plan (strictly between 0 and 1).
    power : float, optional
        ``"atss"`` only: the power its redesign must reach (UnplanSimon's
        :math:`1 - \beta`); default the plan's exact power at ``p1``.
    responses : int or sequence of int, optional
        Cumulative responses at the looks; ``"conditional-error"`` reads the
        count at the last interim look (:math:`m - 1`) to give its final bound.
    atss_n_max : int, optional
        Largest total the ``"atss"`` redesign considers (default
        :math:`\max(100, 3 n_K)`; UnplanSimon's code uses 100).

    Returns
    -------
    OffPlanRule

    Raises
    ------
    ValueError
        For an unknown rule (the message lists :data:`RULES`), sizes the rule
        cannot handle (ATS and ATSS: a Simon two-stage design and both sizes;
        conditional error: every interim look before the last one reached as
        planned), or an ATSS redesign that does not exist.

    Notes
    -----
    On plan (``sizes`` equal the planned sizes) every rule applies the plan.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.off_plan import off_plan_rule
    >>> plan = MultiStageDesign(0.25, 0.45, sizes=[14, 44], futility=[3, 14])
    >>> ats = off_plan_rule(plan, [11, 41], rule="ats", alpha=0.1)
    >>> ats.futility, ats.final_bound, round(ats.type1_error, 4), round(ats.power, 4)
    ((2,), 14, 0.0597, 0.8537)
    """
    d = _check_design(design)
    rule = _check_rule(rule)
    alpha_ = _prob("alpha", alpha)
    n = _check_sizes(d, sizes)
    m, k = len(n), len(d.sizes)
    p0, p1 = d.p0, d.p1
    plan_fut, plan_eff = tuple(d.futility), tuple(d.efficacy)
    assumption = RULE_ASSUMPTIONS[rule]

    def fixed(fut: tuple[int, ...], eff: tuple[int, ...], final: int, sz: tuple[int, ...],
              target: float, note: str, redesigned: int | None = None) -> OffPlanRule:
        t1 = _fixed_oc(sz, fut, eff, final, p0)
        pw = _fixed_oc(sz, fut, eff, final, p1)
        return OffPlanRule(rule, assumption, sz, fut, eff, final, (), t1, pw, alpha_, target,
                           _PROMISES[rule], redesigned, note)

    if n == tuple(d.sizes):
        return fixed(plan_fut[:-1], plan_eff, d.final_go, n, alpha_,
                     "On plan: the planned bounds.")
    if rule == "attained-size":
        ad = d.at_sizes(list(n), alpha=alpha_)
        return fixed(tuple(ad.futility[:-1]), tuple(ad.efficacy), int(ad.final_go), n,
                     alpha_, "Bounds re-derived at the attained sizes so that "
                     "P_p0(go) <= alpha (Green & Dahlberg; Koyama & Chen).")
    if rule == "planned":
        eff = tuple(n[i] if plan_eff[i] >= d.sizes[i] else plan_eff[i] for i in range(m - 1))
        return fixed(plan_fut[: m - 1], eff, d.final_go, n, alpha_,
                     f"Planned bounds at the attained sizes: interim {list(plan_fut[: m - 1])},"
                     f" final 'go' above r = {d.final_go} as planned for {d.sizes[-1]} "
                     f"patients, applied at {n[-1]}.")
    if rule == "ats":
        _require_simon(d, rule, n)
        a, c, spent = _ats(p0, d.sizes[0], d.sizes[1], plan_fut[0], n[0], n[1], alpha_)
        return fixed((a,), (n[0],), c, n, spent,
                     f"r1* = {a} keeps P_p0(stop at stage 1) closest to the plan's; r* = {c} "
                     f"smallest with P_p0(go) <= alpha(n*) = {spent:.4f} (UnplanSimon "
                     "ATS_Design).")
    if rule == "atss":
        _require_simon(d, rule, n)
        if n[0] == d.sizes[0]:
            a, n_star = plan_fut[0], d.sizes[1]
            how = f"stage 1 as planned: r1 = {a}, n* = {n_star}"
        else:
            pw = _fixed_oc(d.sizes, plan_fut[:-1], plan_eff, d.final_go, p1) if (
                power is None) else _prob("power", power)
            n_max = max(100, 3 * d.sizes[-1]) if atss_n_max is None else _int(
                "atss_n_max", atss_n_max, minimum=n[0] + 1)
            a, _, n_star = _atss_stage1(p0, p1, n[0], alpha_, 1.0 - pw, n_max)
            how = (f"optimal redesign for n1* = {n[0]} (power {pw:.4f}): r1* = {a}, "
                   f"n* = {n_star}")
        t0 = _type1_two_stage(a, n[0], n[1], p0)
        cs = np.arange(max(a, 0), n[1] + 1)
        ok = np.flatnonzero(t0[cs] <= alpha_)
        c = int(cs[ok[0]]) if ok.size else n[1]
        return fixed((a,), (n[0],), c, n, alpha_,
                     f"ATSS {how}; at n = {n[1]} the final bound {c} is the smallest with "
                     "P_p0(go) <= alpha (UnplanSimon ATSS_Design_Stage1/Stage2).",
                     redesigned=n_star)
    # conditional error
    j = m - 1                                   # looks 1..j (1-based) ran as planned
    if n[:j] != tuple(d.sizes[:j]):
        raise ValueError(f"rule 'conditional-error' needs the interim looks before the last "
                         f"one reached as planned: attained {list(n)}, planned "
                         f"{list(d.sizes)} (the look sizes {list(n[:j])} differ from "
                         f"{list(d.sizes[:j])}).")
    if j == k:   # pragma: no cover - m <= k and sizes differ, so j < k
        raise ValueError(f"`sizes` ({list(n)!r}) has more looks than the plan.")
    ce = _plan_ce(d, j)
    cur = d.sizes[j - 1] if j else 0
    step = n[-1] - cur
    r2 = _r2(ce, step, p0)
    fut, eff = plan_fut[:j], plan_eff[:j]
    xs = np.arange(ce.size)
    running = [(int(x), int(x + r2[x] - 1)) for x in xs
               if (j == 0 or fut[-1] < x <= eff[-1])]
    oc = []
    for p in (p0, p1):
        g, go, _ = _forward(d.sizes, fut, eff, j, p)
        oc.append(go + float(np.dot(g, _sf_ge(r2[: g.size], step, p))))
    plan_t1 = _fixed_oc(d.sizes, plan_fut[:-1], plan_eff, d.final_go, p0)
    x_obs: int | None = None
    if responses is not None:
        raw = [responses] if isinstance(responses, numbers.Integral) else list(responses)
        if len(raw) >= j and j:
            x_obs = _int(f"responses[{j - 1}]", raw[j - 1], minimum=0)
        elif j == 0:
            x_obs = 0
    final = None
    if x_obs is not None and x_obs < ce.size:
        final = int(x_obs + r2[x_obs] - 1)
    where = f"look {j} ({cur} patients)" if j else "the start"
    return OffPlanRule(rule, assumption, n, fut, eff, final, tuple(running), oc[0], oc[1],
                       alpha_, plan_t1, True, None,
                       f"Conditional error of the plan at {where} kept for a last stage of "
                       f"{step} patients (Englert & Kieser; getCE, get_r2_flex).")


# =========================================================================== conditional error
def _look(design: _Design, n1: Any) -> int:
    """The number of looks passed: j with sizes[j - 1] == n1 (0 for n1 = 0)."""
    if n1 is None:
        return 1
    v = _int("n1", n1, minimum=0)
    if v == 0:
        return 0
    interim = list(design.sizes[:-1])
    if v not in interim:
        raise ValueError(f"`n1` ({v!r}) must be 0 or a planned interim look size "
                         f"{interim}: the conditional error is defined where the plan looks.")
    return interim.index(v) + 1


def _check_x(design: _Design, x1: Any, j: int) -> int:
    x = _int("x1", x1, minimum=0)
    n = design.sizes[j - 1] if j else 0
    if x > n:
        raise ValueError(f"`x1` ({x!r}) must be between 0 and the {n} patients of the look.")
    return x


def conditional_error(design: Any, x1: Any, n1: Any = None) -> float:
    r"""The planned design's conditional type I error after ``x1`` responses in ``n1`` patients.

    Parameters
    ----------
    design : MultiStageDesign
        The planned design.
    x1 : int
        Responses among the first ``n1`` patients.
    n1 : int, optional
        A planned interim look size (default the first look), or 0 (before the
        trial: the plan's type I error).

    Returns
    -------
    float
        :math:`A(x_1) = P_{p_0}(\text{the plan says go} \mid X_{n_1} = x_1)`;
        0 at or below the look's futility bound, 1 above its efficacy bound.
        For Simon's design, R OneArmPhaseTwoStudy ``getCE(design, k)``.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.off_plan import conditional_error
    >>> plan = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> round(conditional_error(plan, 4), 6)     # P(Bin(12, 0.2) > 3)
    0.205431
    """
    d = _check_design(design)
    j = _look(d, n1)
    x = _check_x(d, x1, j)
    return float(_plan_ce(d, j)[x])


def conditional_error_bound(design: Any, x1: Any, n2: Any, n1: Any = None) -> int:
    r"""Responses needed in a new last stage of ``n2`` patients to keep the conditional error.

    The smallest :math:`r_2` with :math:`P_{p_0}(\mathrm{Bin}(n_2, p_0) \ge
    r_2) \le A(x_1)` (:func:`conditional_error`): "go" iff the new stage has
    at least :math:`r_2` responses, i.e. the cumulative count exceeds
    :math:`x_1 + r_2 - 1`. :math:`n_2 + 1` means "go" is impossible. R
    OneArmPhaseTwoStudy ``get_r2_flex(ce, p0, n2)``.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.off_plan import conditional_error_bound
    >>> plan = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> conditional_error_bound(plan, 4, 12), conditional_error_bound(plan, 4, 7)
    (4, 3)
    """
    d = _check_design(design)
    j = _look(d, n1)
    x = _check_x(d, x1, j)
    s = _int("n2", n2, minimum=0)
    return int(_r2(_plan_ce(d, j)[x: x + 1], s, d.p0)[0])


def redesign_conditional_power(design: Any, x1: Any, n2: Any, n1: Any = None, *,
                               p: Any = None) -> float:
    r"""Conditional power of the conditional-error rule with a new last stage of ``n2``.

    :math:`P_p(\mathrm{Bin}(n_2, p) \ge r_2)`, :math:`r_2` of
    :func:`conditional_error_bound`; ``p`` defaults to the design's ``p1``.
    R OneArmPhaseTwoStudy ``getCP(n2, p1, design, k, mode = 0)``.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.off_plan import redesign_conditional_power
    >>> plan = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> round(redesign_conditional_power(plan, 4, 12), 4)   # as planned
    0.8655
    """
    d = _check_design(design)
    r2 = conditional_error_bound(d, x1, n2, n1)
    pp = d.p1 if p is None else _prob("p", p)
    return float(_sf_ge(np.array([r2]), int(n2), pp)[0])


def stage2_size_for_power(design: Any, x1: Any, n1: Any = None, *, power: Any = None,
                          p: Any = None, n2_max: Any = None) -> int:
    r"""The smallest new last-stage size whose conditional power reaches ``power``.

    The conditional-error rule keeps the type I error for any new size, even
    one chosen now from ``x1``; this is the size a DSMB would ask for (R
    OneArmPhaseTwoStudy ``getN2``, which starts at 1; here 0 is allowed).

    Parameters
    ----------
    design : MultiStageDesign
    x1 : int
        Responses at the interim look ``n1`` (default the first look).
    n1 : int, optional
    power : float, optional
        Target conditional power; default the plan's own conditional power
        :math:`P_{p_1}(\text{go} \mid x_1)` (what the planned rest of the trial
        would give).
    p : float, optional
        Rate at which the power is computed (default ``p1``).
    n2_max : int, optional
        Largest size searched (default :math:`10 n_K`).

    Returns
    -------
    int

    Raises
    ------
    ValueError
        If the conditional error is 0 (the plan already said "no go") or no
        size up to ``n2_max`` reaches the target; the message says so.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.off_plan import stage2_size_for_power
    >>> plan = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> stage2_size_for_power(plan, 4, power=0.8)
    11
    """
    d = _check_design(design)
    j = _look(d, n1)
    x = _check_x(d, x1, j)
    pp = d.p1 if p is None else _prob("p", p)
    ce = float(_plan_ce(d, j)[x])
    target = float(_plan_values(d, j, d.p1)[x]) if power is None else _prob("power", power)
    if ce >= 1.0:
        return 0
    if ce <= 0.0:
        raise ValueError(f"`x1` ({x}) is at or below the look's futility bound: the "
                         "conditional error is 0 and no new stage can say 'go'.")
    top = 10 * d.sizes[-1] if n2_max is None else _int("n2_max", n2_max, minimum=0)
    sizes = np.arange(top + 1)
    for s in sizes:
        r2 = int(_r2(np.array([ce]), int(s), d.p0)[0])
        if float(_sf_ge(np.array([r2]), int(s), pp)[0]) >= target * (1 - 1e-12):
            return int(s)
    raise ValueError(f"No last stage of up to {top} patients reaches conditional power "
                     f"{target:.4f} at p = {pp:g} after {x} responses; raise `n2_max`.")


# =========================================================================== comparison
def _decide(design: Any, responses: Any, sizes: Any, **rule: Any) -> Any:
    """The rule's decision for the looks reached; when an earlier look already stopped
    the trial under this rule (its bound there crossed), the decision at that look: the
    stop is binding, so later counts do not change it."""
    try:
        return design.decide(responses, sizes, **rule)
    except ValueError:
        counts = [responses] if isinstance(responses, numbers.Integral) else list(responses)
        for look in range(1, len(counts)):
            try:
                dec = design.decide(counts[:look], sizes, **rule)
            except ValueError:
                break
            if dec.action != "continue":
                return dec
        raise


def compare_off_plan_rules(design: Any, responses: Any, sizes: Any, *, alpha: Any,
                           power: Any = None, rules: Any = None) -> pd.DataFrame:
    """Every off-plan rule for one outcome, as one tidy table.

    Parameters
    ----------
    design : MultiStageDesign
        The planned design.
    responses : int or sequence of int
        Cumulative responses at the looks reached.
    sizes : sequence of int
        Attained cumulative sizes.
    alpha : float
        The plan's type I error bound.
    power : float, optional
        ATSS's power target (see :func:`off_plan_rule`).
    rules : sequence of str, optional
        Default :data:`RULES`.

    Returns
    -------
    DataFrame
        One row per rule: ``rule, assumption, controls_alpha, sizes, bounds,
        decision, go, type1_error, power, alpha_target, note``. A rule that
        cannot be applied at these sizes has decision ``"not applicable"``,
        NaN error rates and the reason in ``note``.

    Examples
    --------
    >>> from thera_stats.multistage import MultiStageDesign
    >>> from thera_stats.off_plan import compare_off_plan_rules
    >>> plan = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
    >>> t = compare_off_plan_rules(plan, [4, 7], [10, 17], alpha=0.05)
    >>> t[["rule", "decision"]].to_string(index=False)
    '             rule decision\\n    attained-size       go\\n          planned    no go\\n              ats    no go\\n             atss       go\\nconditional-error       go'
    """
    d = _check_design(design)
    chosen = RULES if rules is None else tuple(_check_rule(r) for r in rules)
    rows: list[dict[str, Any]] = []
    for rule in chosen:
        try:
            info = off_plan_rule(d, sizes, rule=rule, alpha=alpha, power=power,
                                 responses=responses)
            dec = _decide(d, responses, sizes, alpha=alpha, rule=rule, power=power)
        except ValueError as err:
            rows.append({"rule": rule, "assumption": RULE_ASSUMPTIONS[rule],
                         "controls_alpha": _PROMISES[rule], "sizes": list(sizes),
                         "bounds": "", "decision": "not applicable", "go": False,
                         "type1_error": math.nan, "power": math.nan,
                         "alpha_target": math.nan, "note": str(err)})
            continue
        rows.append({"rule": rule, "assumption": info.assumption,
                     "controls_alpha": info.controls_alpha, "sizes": list(info.sizes),
                     "bounds": info.bounds, "decision": dec.action, "go": bool(dec.go),
                     "type1_error": info.type1_error, "power": info.power,
                     "alpha_target": info.alpha_target, "note": info.note})
    return pd.DataFrame(rows)
