"""``thera_stats._roots.brent_root``: Brent's method, checked against closed-form roots.

The confidence limits of the multi-stage inference and the scalar binomial limits solve
for a bracketed root with it instead of ``scipy.optimize.brentq`` (issue 15: start-up).
References here are closed forms (sqrt(2), pi, ln 2, the Dottie number from its defining
equation, polynomial roots chosen in advance) and, for the stopping rule, the guarantee
both implementations give: the answer lies within ``xtol + rtol * |root|`` of the root.
"""

from __future__ import annotations

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from thera_stats._roots import brent_root
from thera_stats.errors import ConvergenceError

EPS = 2.0**-52


@pytest.mark.parametrize(
    ("f", "a", "b", "root"),
    [
        (lambda x: x * x - 2.0, 0.0, 2.0, math.sqrt(2.0)),
        (lambda x: x * x - 2.0, 2.0, 0.0, math.sqrt(2.0)),          # ends in either order
        (math.sin, 3.0, 4.0, math.pi),
        (lambda x: math.exp(x) - 2.0, -5.0, 5.0, math.log(2.0)),
        (lambda x: (x - 0.3) ** 3, 0.0, 1.0, 0.3),                   # flat triple root
        (lambda x: x**9, -1.0, 0.5, 0.0),                            # very flat at 0
        (lambda x: 1.0 if x >= 0.123 else -1.0, 0.0, 1.0, 0.123),    # a step: bisection only
        (lambda x: math.atan(x - 1e-3), -1e6, 1e6, 1e-3),           # a wide bracket
    ],
)
def test_closed_form_roots(f, a: float, b: float, root: float) -> None:
    xtol = 1e-14  # flat roots take 120-140 evaluations, as with scipy.optimize.brentq
    got = brent_root(f, a, b, xtol=xtol, maxiter=500)
    assert abs(got - root) <= xtol + 4.0 * EPS * abs(root) + 1e-15


def test_dottie_number() -> None:
    # the fixed point of cos: x = cos x, to the last ulps (rtol at its minimum)
    got = brent_root(lambda x: math.cos(x) - x, 0.0, 1.0, xtol=1e-300)
    assert got == pytest.approx(0.7390851332151607, rel=8 * EPS, abs=0)
    assert abs(math.cos(got) - got) <= 4 * EPS


def test_root_at_an_end_is_returned_as_is() -> None:
    assert brent_root(lambda x: x - 1.0, 1.0, 3.0) == 1.0
    assert brent_root(lambda x: x - 3.0, 1.0, 3.0) == 3.0


def test_probability_scale_tolerance_like_the_limits() -> None:
    # a binomial-type limit near 0 (the tolerance the scalar binomial limits use)
    target = 1e-9
    got = brent_root(lambda p: (1.0 - p) ** 20 - (1.0 - target) ** 20, 0.0, 0.5,
                     xtol=1e-300, rtol=4.0 * EPS, maxiter=500)
    assert got == pytest.approx(target, rel=1e-12)


@given(
    roots=st.lists(st.floats(-10.0, 10.0, allow_nan=False), min_size=1, max_size=4),
    pick=st.integers(0, 3),
    width=st.floats(1e-6, 5.0),
    shift=st.floats(0.0, 1.0),
)
def test_polynomial_roots(roots: list[float], pick: int, width: float, shift: float) -> None:
    """A bracket around one simple root of a product of linear factors: found within tol."""
    roots = sorted(set(roots))
    root = roots[pick % len(roots)]
    others = [r for r in roots if r != root]
    gap = min((abs(r - root) for r in others), default=10.0)
    half = min(width, 0.49 * gap)
    if half < 1e-6:
        return
    a = root - half * (1.0 - 0.9 * shift)
    b = root + half * (0.1 + 0.9 * shift)

    def f(x: float) -> float:
        out = 1.0
        for r in roots:
            out *= x - r
        return out

    xtol = 1e-12
    got = brent_root(f, a, b, xtol=xtol)
    assert min(a, b) <= got <= max(a, b)
    assert abs(got - root) <= xtol + 4.0 * EPS * abs(root) + 1e-13


def test_no_sign_change_is_a_clear_error() -> None:
    with pytest.raises(ValueError, match="same sign"):
        brent_root(lambda x: x * x + 1.0, -1.0, 1.0)


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [({"xtol": 0.0}, "xtol"), ({"rtol": 1e-17}, "rtol")],
)
def test_bad_tolerances(kwargs: dict[str, float], match: str) -> None:
    with pytest.raises(ValueError, match=match):
        brent_root(lambda x: x, -1.0, 1.0, **kwargs)


def test_non_finite_values_are_refused() -> None:
    with pytest.raises(ValueError, match="finite"):
        brent_root(lambda x: x, -math.inf, 1.0)
    with pytest.raises(ValueError, match="not finite"):
        brent_root(lambda x: math.nan if x > 0 else -1.0, -1.0, 1.0)
    with pytest.raises(ValueError, match="inside the bracket"):
        brent_root(lambda x: -1.0 if x < -0.5 else (1.0 if x > 0.5 else math.nan), -1.0, 1.0)


def test_too_few_evaluations_is_a_convergence_error() -> None:
    with pytest.raises(ConvergenceError, match="3 evaluations"):
        brent_root(lambda x: 1.0 if x >= 0.123 else -1.0, 0.0, 1.0, xtol=1e-15, maxiter=3)
