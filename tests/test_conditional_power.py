"""Conditional and predictive power part-way through a multi-stage design.

References: closed forms (binomial and beta-binomial tails for a single final
analysis), Lee & Liu (2008)'s worked example, brute-force enumeration of every
continuation of a three-look design with efficacy stops, and the predictive power
as the numerical integral of the conditional power over the Beta posterior.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy import integrate, stats

from thera_stats.bayesian import predictive_probability
from thera_stats.conditional_power import conditional_power, predictive_power
from thera_stats.multistage import MultiStageDesign

THREE_LOOKS = MultiStageDesign(0.2, 0.5, [4, 8, 12], [0, 2, 5], [3, 5])
SIMON = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])


def brute(design: MultiStageDesign, x: int, n: int, p: float) -> float:
    """Sum over every future response sequence, applying the rule look by look."""
    total = 0.0
    rest = design.n_max - n
    for seq in itertools.product((0, 1), repeat=rest):
        weight = float(np.prod([p if s else 1 - p for s in seq]))
        y = x
        go = None
        for j, s in enumerate(seq, start=n + 1):
            y += s
            if j in design.sizes:
                k = design.sizes.index(j)
                if j == design.n_max:
                    go = y > design.final_go
                elif y <= design.futility[k]:
                    go = False
                elif y > design.efficacy[k]:
                    go = True
                if go is not None:
                    break
        total += weight * bool(go)
    return total


@pytest.mark.parametrize(("x", "n"), [(0, 0), (1, 3), (2, 4), (3, 6), (4, 9), (5, 11)])
@pytest.mark.parametrize("p", [0.0, 0.15, 0.4, 0.8, 1.0])
def test_conditional_power_equals_enumeration_of_every_continuation(x: int, n: int,
                                                                   p: float) -> None:
    assert conditional_power(THREE_LOOKS, x, n, p) == pytest.approx(
        brute(THREE_LOOKS, x, n, p), abs=1e-12)


def test_conditional_power_is_a_binomial_tail_for_a_single_final_analysis() -> None:
    # Simon 2/10, 7/22 after 4 of 10: "go" iff at least 4 more responses in 12.
    p = np.array([0.2, 0.45, 0.4])
    np.testing.assert_allclose(conditional_power(SIMON, 4, 10, p),
                               stats.binom.sf(3, 12, p), rtol=0, atol=1e-14)
    assert conditional_power(SIMON, 2, 10, 0.9) == 0.0  # the rule stops at look 1
    assert conditional_power(SIMON, 8, 22, 0.0) == 1.0
    assert conditional_power(SIMON, 7, 22, 1.0) == 0.0


def test_predictive_power_reproduces_lee_and_liu() -> None:
    # Lee & Liu (2008), section 2: 16 of 23, N = 40, p0 = 0.6, theta_T = 0.9,
    # Beta(0.6, 0.4): predictive probability 0.5656 (final "go" iff X > 27).
    d = MultiStageDesign(0.6, 0.8, [40], [27])
    value = predictive_power(d, 16, 23, prior=(0.6, 0.4))
    assert round(value, 4) == 0.5656
    ref = predictive_probability(16, 23, 40, 0.6, 0.9, prior=(0.6, 0.4))
    assert value == pytest.approx(float(ref.probability), abs=1e-12)


@pytest.mark.parametrize(("x", "n"), [(0, 0), (1, 4), (3, 8), (4, 10)])
@pytest.mark.parametrize("prior", [(1.0, 1.0), (0.2, 0.8), (0.5, 0.5)])
def test_predictive_power_integrates_conditional_power_over_the_posterior(
        x: int, n: int, prior: tuple[float, float]) -> None:
    a, b = prior
    post = stats.beta(a + x, b + n - x)
    design = THREE_LOOKS if n <= 8 else SIMON

    def f(p: float) -> float:
        return float(conditional_power(design, x, n, p)) * float(post.pdf(p))

    # CP is a polynomial in p: the integral converges to near machine precision.
    ref, _err = integrate.quad(f, 0, 1, epsabs=1e-13, epsrel=1e-13, limit=200)
    assert predictive_power(design, x, n, prior=prior) == pytest.approx(ref, abs=1e-9)


@given(x=st.integers(0, 12), n=st.integers(0, 12), p=st.floats(0, 1))
def test_conditional_power_is_a_probability_and_rises_with_x(x: int, n: int, p: float) -> None:
    x = min(x, n)
    v = conditional_power(THREE_LOOKS, x, n, p)
    assert 0.0 <= v <= 1.0
    if x < n:
        assert conditional_power(THREE_LOOKS, x + 1, n, p) >= v - 1e-12


def test_three_outcome_inconclusive_is_not_go() -> None:
    d = MultiStageDesign(0.2, 0.4, [25], [5], efficacy=[8])
    assert conditional_power(d, 0, 0, 0.3) == pytest.approx(stats.binom.sf(8, 25, 0.3),
                                                            abs=1e-14)


@pytest.mark.parametrize(("kwargs", "message"), [
    ({"x": 3, "n": 2}, "between 0 and n = 2"),
    ({"x": 0, "n": 23}, "between 0 and the design's 22"),
    ({"x": 1.5, "n": 4}, "whole number"),
])
def test_bad_state_is_a_clear_error(kwargs: dict[str, object], message: str) -> None:
    with pytest.raises((ValueError, TypeError), match=message):
        conditional_power(SIMON, p=0.3, **kwargs)  # type: ignore[arg-type]


def test_bad_design_or_prior_is_a_clear_error() -> None:
    with pytest.raises(TypeError, match="as_multistage"):
        conditional_power("simon", 1, 2, 0.3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="positive"):
        predictive_power(SIMON, 1, 2, prior=(0, 1))
