"""Brent's method for one root of a scalar function, without importing ``scipy.optimize``.

``scipy.optimize`` costs about 0.12 s to import (it pulls in its linear-programming,
global-optimisation and sparse-linear-algebra modules), more than the confidence limits
the go/no-go analysis solves for with it. The limits need only a bracketed scalar root,
so this module holds Brent's (1973) algorithm: inverse quadratic interpolation or the
secant step when it stays well inside the bracket, bisection otherwise, so that the
bracket shrinks at least as fast as bisection's every few steps and the answer is found
with the same guarantee as bisection.

Stopping rule as ``scipy.optimize.brentq``: the half-width of the bracket around the
best point ``b`` is at most ``(xtol + rtol * |b|) / 2``, or ``f(b) == 0``. With the same
tolerances both return a point inside the same final bracket, so the two agree to
``xtol + rtol * |root|`` (``tests/test_roots.py`` checks both against closed forms).

Reference: R. P. Brent, *Algorithms for Minimization without Derivatives*,
Prentice-Hall, 1973, chapter 4 (procedure *zero*).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable

from thera_stats.errors import ConvergenceError

__all__ = ["brent_root"]

_EPS = sys.float_info.epsilon


def brent_root(
    f: Callable[[float], float],
    a: float,
    b: float,
    *,
    xtol: float = 2e-12,
    rtol: float = 4.0 * _EPS,
    maxiter: int = 100,
) -> float:
    """A root of ``f`` in ``[a, b]``, where ``f(a)`` and ``f(b)`` differ in sign.

    Parameters
    ----------
    f : callable
        A function of one float returning a float; continuous on ``[a, b]``.
    a, b : float
        The bracket (either order).
    xtol, rtol : float
        The root is returned once it is known to within ``(xtol + rtol * |x|) / 2``
        (``xtol > 0``, ``rtol >= 4 * machine epsilon``, as ``scipy.optimize.brentq``).
    maxiter : int
        Most evaluations of ``f`` after the two at the ends.

    Returns
    -------
    float
        ``x`` with ``f(x) == 0`` or inside a bracket of half-width at most the tolerance.

    Raises
    ------
    ValueError
        When the ends do not bracket a root, a tolerance is out of range or an end or a
        function value is not finite.
    ConvergenceError
        When ``maxiter`` evaluations do not reach the tolerance.

    Examples
    --------
    >>> round(brent_root(lambda x: x * x - 2.0, 0.0, 2.0), 12)
    1.414213562373
    """
    if not xtol > 0.0:
        raise ValueError(f"xtol must be > 0, got {xtol!r}")
    if not rtol >= 4.0 * _EPS:
        raise ValueError(f"rtol must be >= 4 * machine epsilon ({4.0 * _EPS!r}), got {rtol!r}")
    if not (math.isfinite(a) and math.isfinite(b)):
        raise ValueError(f"the bracket must be finite, got [{a!r}, {b!r}]")
    fa, fb = float(f(a)), float(f(b))
    if not (math.isfinite(fa) and math.isfinite(fb)):
        raise ValueError(f"f is not finite at the bracket's ends: f({a!r}) = {fa!r}, "
                         f"f({b!r}) = {fb!r}")
    if fa == 0.0:
        return float(a)
    if fb == 0.0:
        return float(b)
    if (fa > 0.0) == (fb > 0.0):
        raise ValueError(f"f({a!r}) = {fa!r} and f({b!r}) = {fb!r} have the same sign: "
                         "the interval does not bracket a root")
    # b: best point so far; c: the other end of the bracket [b, c]; a: the previous b.
    c, fc = a, fa
    step = previous_step = b - a
    for _ in range(maxiter + 1):
        if (fb > 0.0) == (fc > 0.0):
            # The last step crossed no root: the bracket is [a, b] again.
            c, fc = a, fa
            step = previous_step = b - a
        if abs(fc) < abs(fb):
            # Keep the point with the smaller |f| as b.
            a, b, c = b, c, b
            fa, fb, fc = fb, fc, fb
        tol = 0.5 * (xtol + rtol * abs(b))
        half = 0.5 * (c - b)
        if fb == 0.0 or abs(half) <= tol:
            return float(b)
        if _ == maxiter:
            break
        if abs(previous_step) >= tol and abs(fa) > abs(fb):
            # Interpolate: secant through (a, b) when a == c, else inverse quadratic.
            s = fb / fa
            if a == c:
                p = 2.0 * half * s
                q = 1.0 - s
            else:
                q, r = fa / fc, fb / fc
                p = s * (2.0 * half * q * (q - r) - (b - a) * (r - 1.0))
                q = (q - 1.0) * (r - 1.0) * (s - 1.0)
            if p > 0.0:
                q = -q
            else:
                p = -p
            # Accept the step only if it lands well inside the bracket and shrinks
            # faster than half the step before last; otherwise bisect.
            if 2.0 * p < min(3.0 * half * q - abs(tol * q), abs(previous_step * q)):
                previous_step, step = step, p / q
            else:
                step = previous_step = half
        else:
            step = previous_step = half
        a, fa = b, fb
        b += step if abs(step) > tol else math.copysign(tol, half)
        fb = float(f(b))
        if not math.isfinite(fb):
            raise ValueError(f"f is not finite at {b!r} (inside the bracket): {fb!r}")
    raise ConvergenceError(
        f"Brent's method did not reach the tolerance in {maxiter} evaluations; the last "
        f"bracket was [{min(b, c)!r}, {max(b, c)!r}]"
    )
