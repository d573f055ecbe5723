"""Posterior and predictive probabilities, priors and the boundaries they imply.

References: R phase1b 1.0.0 (tests/reference/bayesian/phase1b_r.R and its CSVs), Lee & Liu
(2008)'s worked example, and exact rational arithmetic for integer priors.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from thera_stats.bayesian import (
    BetaPrior,
    beta_prior,
    posterior_boundaries,
    posterior_probability,
    predictive_boundaries,
    predictive_probability,
)
from thera_stats.bayesian_design import _pp_all
from thera_stats.binomial import beta_posterior
from thera_stats.multistage import MultiStageDesign

REF = Path(__file__).parent / "reference" / "bayesian"


# ----------------------------------------------------------------- exact rational references
def _beta_fn(i: int, j: int) -> Fraction:
    return Fraction(math.factorial(i - 1) * math.factorial(j - 1), math.factorial(i + j - 1))


def exact_posterior(x: int, n: int, p0: Fraction, a: int, b: int) -> Fraction:
    """P(p > p0) for Beta(a + x, b + n - x) with integer parameters: a binomial cdf,
    I_p0(alpha, beta) = P(Bin(alpha + beta - 1, p0) >= alpha)."""
    al, be = a + x, b + n - x
    m = al + be - 1
    return sum((math.comb(m, j) * p0**j * (1 - p0) ** (m - j) for j in range(al)), Fraction(0))


def exact_predictive(x: int, n: int, n_max: int, p0: Fraction, theta: Fraction, a: int,
                     b: int) -> Fraction:
    m = n_max - n
    total = Fraction(0)
    for y in range(m + 1):
        if exact_posterior(x + y, n_max, p0, a, b) > theta:
            total += (math.comb(m, y) * _beta_fn(a + x + y, b + n - x + m - y)
                      / _beta_fn(a + x, b + n - x))
    return total


# ----------------------------------------------------------------- Lee & Liu (2008)
def test_lee_liu_worked_example() -> None:
    # Lee & Liu (2008), section 2.2: Beta(0.6, 0.4), p0 = 0.6, theta_T = 0.9, 16 of 23, Nmax 40.
    pp = predictive_probability(16, 23, 40, 0.6, 0.9, prior=(0.6, 0.4))
    assert round(pp.probability, 4) == 0.5656
    assert round(pp.posterior, 4) == 0.8360
    assert round(posterior_probability(16, 23, 0.6, prior=(0.6, 0.4)), 4) == 0.8360
    # 17 more patients; success needs >= 28 of 40 (P(p > 0.6 | 27/40) <= 0.9 < P(.. | 28/40)).
    assert pp.success_count == 28
    assert pp.responses_needed == 12
    post = posterior_probability([27, 28], 40, 0.6, prior=(0.6, 0.4))
    assert post[0] <= 0.9 < post[1]


def test_phase1b_predprob_and_postprob() -> None:
    # R: phase1b::predprob(x, n, Nmax, p, thetaT, parE)$result and postprob(x, n, p, parE)
    ref = pd.read_csv(REF / "predprob_r.csv")
    for (n, n_max, p0, tt, a, b), g in ref.groupby(["n", "n_max", "p0", "theta_t", "a", "b"]):
        pp = predictive_probability(g["x"].to_numpy(), int(n), int(n_max), p0, tt, prior=(a, b))
        assert_allclose(pp.probability, g["predprob"], rtol=0, atol=1e-12)
        assert_allclose(pp.posterior, g["postprob"], rtol=0, atol=1e-12)
        assert_allclose(posterior_probability(g["x"].to_numpy(), int(n), p0, prior=(a, b)),
                        g["postprob"], rtol=0, atol=1e-12)


def test_ph2bye_predp() -> None:
    # ph2bye 0.1.4 PredPCpp(x, n, nmax, a, b, p0, theta_t) (its C++ compiled by sourceCpp).
    # ph2bye counts a final posterior >= theta_t as success, phase1b (and we) > theta_t; the
    # stored cases have no exact tie, so the two agree.
    ref = pd.read_csv(REF / "ph2bye_predp_r.csv")
    for (n, n_max, a, b, p0, tt), g in ref.groupby(["n", "n_max", "a", "b", "p0", "theta_t"]):
        pp = predictive_probability(g["x"].to_numpy(), int(n), int(n_max), p0, tt, prior=(a, b))
        assert_allclose(pp.probability, g["predp"], rtol=0, atol=1e-12)


# ----------------------------------------------------------------- closed forms
@given(st.integers(1, 4), st.integers(1, 4), st.integers(1, 9), st.integers(1, 12),
       st.data())
def test_posterior_and_predictive_closed_forms(a: int, b: int, p0_tenths: int, n_max: int,
                                                data: st.DataObject) -> None:
    n = data.draw(st.integers(0, n_max))
    x = data.draw(st.integers(0, n))
    p0 = Fraction(p0_tenths, 10)
    theta = Fraction(data.draw(st.integers(50, 99)), 100)
    post = posterior_probability(x, n, float(p0), prior=(a, b))
    assert abs(post - float(exact_posterior(x, n, p0, a, b))) < 1e-12
    pp = predictive_probability(x, n, n_max, float(p0), float(theta), prior=(a, b))
    exact = exact_predictive(x, n, n_max, p0, theta, a, b)
    assert abs(pp.probability - float(exact)) < 1e-12


def test_beta_binomial_distribution_sums() -> None:
    pp = predictive_probability(7, 20, 45, 0.3, 0.85, prior=(0.3, 0.7))
    dist = pp.distribution()
    assert_allclose(dist["probability"].sum(), 1.0, atol=1e-13)
    assert_allclose(dist.loc[dist["success"], "probability"].sum(), pp.probability, atol=1e-13)
    assert_allclose(dist["probability"],
                    stats.betabinom.pmf(np.arange(26), 25, 7.3, 13.7), atol=1e-14)
    first = int(dist.loc[dist["success"], "final"].min())
    assert first == pp.success_count == 7 + pp.responses_needed
    assert (dist.loc[dist["success"], "final_posterior"] > 0.85).all()
    assert (dist.loc[~dist["success"], "final_posterior"] <= 0.85).all()


def test_small_predictive_probabilities_keep_relative_accuracy() -> None:
    # A tail of ~1e-14: summed from the tail (1 - cdf would keep no correct digit).
    pp = predictive_probability(0, 60, 200, 0.3, 0.9, prior=(1, 1))
    m = 140
    needed = pp.responses_needed
    log_terms = [stats.betabinom.logpmf(y, m, 1, 61) for y in range(needed, m + 1)]
    ref = math.fsum(math.exp(t) for t in log_terms)
    assert 0 < ref < 1e-12
    assert_allclose(pp.probability, ref, rtol=1e-10)


@given(st.integers(1, 30), st.data())
def test_predictive_probability_is_a_martingale(n_max: int, data: st.DataObject) -> None:
    n = data.draw(st.integers(0, n_max - 1))
    x = data.draw(st.integers(0, n))
    a = data.draw(st.floats(0.2, 5))
    b = data.draw(st.floats(0.2, 5))
    p0 = data.draw(st.floats(0.05, 0.9))
    tt = data.draw(st.floats(0.5, 0.99))
    now = predictive_probability(x, n, n_max, p0, tt, prior=(a, b)).probability
    nxt = predictive_probability([x, x + 1], n + 1, n_max, p0, tt, prior=(a, b)).probability
    w = (a + x) / (a + b + n)
    assert abs(now - (w * nxt[1] + (1 - w) * nxt[0])) < 1e-12
    assert nxt[0] <= now + 1e-15 <= nxt[1] + 2e-15


def test_backward_recursion_equals_direct_sums() -> None:
    a, b, p0, tt, n_max = 0.6, 0.4, 0.6, 0.9, 60
    s_star = predictive_probability(0, 0, n_max, p0, tt, prior=(a, b)).success_count
    table = _pp_all(n_max, s_star, a, b)
    for n in range(n_max + 1):
        direct = predictive_probability(np.arange(n + 1), n, n_max, p0, tt, prior=(a, b))
        assert_allclose(table[n], direct.probability, rtol=0, atol=1e-12)


def test_certain_and_impossible_success() -> None:
    pp = predictive_probability([0, 10, 30], 30, 40, 0.2, 0.9, prior=(1, 1))
    assert pp.probability[0] == 0.0  # 0 of 30: even 10 of 10 more cannot reach s*
    assert pp.responses_needed[0] > 10
    assert pp.probability[2] == 1.0  # already above s*
    assert pp.responses_needed[2] == 0
    at_end = predictive_probability(np.arange(41), 40, 40, 0.2, 0.9, prior=(1, 1))
    assert set(np.unique(at_end.probability)) == {0.0, 1.0}


def test_posterior_matches_beta_posterior() -> None:
    post = beta_posterior(7, 17, prior=(1, 1), p0=0.2)
    assert posterior_probability(7, 17, 0.2, prior=(1, 1)) == pytest.approx(
        post.prob_greater_p0, abs=1e-15)
    assert posterior_probability(0, 0, 0.3, prior=(2, 3)) == pytest.approx(
        stats.beta.sf(0.3, 2, 3), abs=1e-15)


def test_vectorised_shapes_and_frame() -> None:
    x = np.arange(11)[:, None]
    n = np.array([10, 15, 20])[None, :]
    post = posterior_probability(x, n, 0.2, prior=(1, 1))
    assert post.shape == (11, 3)
    pp = predictive_probability(np.arange(21), 20, 40, 0.2, 0.8, prior=(1, 1))
    assert pp.probability.shape == (21,)
    assert np.all(np.diff(pp.probability) >= 0)
    frame = pp.to_frame()
    assert list(frame.columns) == ["x", "n", "n_max", "posterior", "responses_needed",
                                   "probability"]
    assert len(frame) == 21
    assert "21 values" in repr(pp)
    with pytest.raises(ValueError, match="needs one"):
        pp.distribution()


# ----------------------------------------------------------------- priors
def test_beta_prior() -> None:
    prior = beta_prior(0.6, 1)
    assert prior == BetaPrior(0.6, 0.4)
    assert prior.mean == pytest.approx(0.6)
    assert prior.ess == pytest.approx(1.0)
    a, b = beta_prior(0.25, 8)
    assert (a, b) == (2.0, 6.0)
    # passes wherever prior=(a, b) is asked
    assert posterior_probability(3, 10, 0.2, prior=beta_prior(0.25, 8)) == pytest.approx(
        posterior_probability(3, 10, 0.2, prior=(2, 6)), abs=1e-15)


@pytest.mark.parametrize(("mean", "ess", "match"), [
    (0.0, 1, r"`mean` \(0.0\) must be strictly between 0 and 1"),
    (1.2, 1, r"`mean` \(1.2\)"),
    (0.3, 0, r"`ess` \(0\) must be a positive, finite"),
    (0.3, -2.5, r"`ess` \(-2.5\)"),
    (0.3, math.inf, r"`ess` \(inf\)"),
])
def test_beta_prior_errors(mean: float, ess: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        beta_prior(mean, ess)


def test_beta_prior_type_errors() -> None:
    with pytest.raises(TypeError, match=r"`mean` \('0.3'\) must be a number"):
        beta_prior("0.3", 1)  # type: ignore[arg-type]


@pytest.mark.parametrize(("call", "exc", "match"), [
    (lambda: posterior_probability(3, 10, 0.2, prior=(0, 1)), ValueError,
     r"the Beta parameter a \(0\) must be positive"),
    (lambda: posterior_probability(3, 10, 0.2, prior=(1, -2)), ValueError,
     r"the Beta parameter b \(-2\)"),
    (lambda: posterior_probability(3, 10, 0.2, prior=(1, 2, 3)), ValueError, "a pair"),
    (lambda: posterior_probability(3, 10, 0.2, prior="flat"), TypeError, r"\('flat'\)"),
    (lambda: posterior_probability(11, 10, 0.2, prior=(1, 1)), ValueError,
     r"`x` \(11\) must not exceed `n` \(10\): more responses than patients"),
    (lambda: posterior_probability(-1, 10, 0.2, prior=(1, 1)), ValueError, ">= 0; got -1"),
    (lambda: posterior_probability(3, 10, 1.0, prior=(1, 1)), ValueError,
     r"`p0` \(1.0\) must lie in \(0, 1\)"),
    (lambda: predictive_probability(3, 41, 40, 0.2, 0.9, prior=(1, 1)), ValueError,
     r"`n` \(41\) must not exceed `n_max` \(40\)"),
    (lambda: predictive_probability(3, 10, 40, 0.2, 1.5, prior=(1, 1)), ValueError,
     r"`theta_t` \(1.5\)"),
    (lambda: predictive_probability(3, 10, 40, 0.2, 0.9, prior=(np.nan, 1)), ValueError,
     r"\(nan\) must be positive and finite"),
])
def test_probability_errors_quote_the_value(call, exc, match) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(exc, match=match):
        call()


# ----------------------------------------------------------------- boundaries vs phase1b
def _split(text: str) -> list[int]:
    return [int(v) for v in str(text).split(";")]


def test_predictive_boundaries_match_phase1b() -> None:
    # R: phase1b::boundsPredprob(looks, p0=, tT=, phiL=, phiU=, parE=); its rule applied with
    # predprob where boundsPredprob 1.0.0 itself fails (phiU = 1), see the README.
    ref = pd.read_csv(REF / "bounds_predprob_r.csv")
    for _, g in ref.groupby("case"):
        r = g.iloc[0]
        looks = _split(r["looks_all"])
        d = predictive_boundaries(looks, r["p0"], p1=min(r["p0"] + 0.2, 0.95),
                                  theta_t=r["theta_t"], theta_l=r["theta_l"],
                                  theta_u=r["theta_u"], prior=(r["a"], r["b"]))
        xl = g["xL"].fillna(-1).astype(int).tolist()
        xu = [n if pd.isna(v) else int(v) - 1 for v, n in zip(g["xU"], looks, strict=True)]
        assert list(d.futility) == xl
        assert list(d.efficacy) == xu[:-1]
        assert d.final_go == xu[-1] == xl[-1]  # last look: "go" iff X > xL = xU - 1


def test_posterior_boundaries_match_phase1b() -> None:
    # R: phase1b::boundsPostprob(looks, p0=, p1=, tL=, tU=, parE=)
    ref = pd.read_csv(REF / "bounds_postprob_r.csv")
    for _, g in ref.groupby("case"):
        r = g.iloc[0]
        looks = _split(r["looks_all"])
        d = posterior_boundaries(looks, r["p0"], p1=0.5, t_l=r["t_l"], t_u=r["t_u"],
                                 prior=(r["a"], r["b"]), p_efficacy=r["p_efficacy"])
        xl, xu = g["xL"].astype(int).tolist(), g["xU"].astype(int).tolist()
        assert list(d.futility) == [min(lo, up - 1) for lo, up in zip(xl, xu, strict=True)]
        assert list(d.efficacy) == [u - 1 for u in xu[:-1]]
        assert d.final_go == max(xu[-1] - 1, d.futility[-1])


def test_posterior_boundaries_three_outcome_gray_zone() -> None:
    d = posterior_boundaries([10, 20, 30], 0.2, p1=0.4, t_l=0.8, t_u=0.95, prior=(1, 1))
    assert d.three_outcome
    assert (d.futility[-1], d.final_go) == (3, 9)
    assert d.decide([2, 5, 6]).action == "inconclusive"
    oc = d.operating_characteristics([0.2])
    assert_allclose(oc.prob_go + oc.prob_no_go + oc.prob_inconclusive, 1.0, atol=1e-14)


# ----------------------------------------------------------------- exact OC by enumeration
def _enumerate_go(design: MultiStageDesign, p: float) -> float:
    """P(go) by summing over every sequence of stage-wise counts (no recursion)."""
    sizes = design.sizes
    steps = [sizes[0], *np.diff(sizes).tolist()]
    total = 0.0
    for counts in itertools.product(*(range(m + 1) for m in steps)):
        prob, x = 1.0, 0
        for k, (m, y) in enumerate(zip(steps, counts, strict=True)):
            prob *= math.comb(m, y) * p**y * (1 - p) ** (m - y)
            x += y
            if k == len(sizes) - 1:
                total += prob * (x > design.final_go)
                break
            if x <= design.futility[k]:
                break
            if x > design.efficacy[k]:
                # later stages sum to one: add the whole branch once, at its first count tuple
                if all(c == 0 for c in counts[k + 1:]):
                    total += prob
                break
    return total


@pytest.mark.parametrize("p", [0.15, 0.2, 0.35, 0.5])
def test_boundary_designs_oc_match_enumeration(p: float) -> None:
    pred = predictive_boundaries([4, 8, 12, 16], 0.2, p1=0.4, theta_t=0.85, theta_l=0.1,
                                 theta_u=0.95, prior=(0.2, 0.8))
    post = posterior_boundaries([5, 10, 15], 0.2, p1=0.4, t_l=0.7, t_u=0.9, prior=(1, 1),
                                p_efficacy=0.25)
    for d in (pred, post):
        oc = d.operating_characteristics([p])
        assert abs(oc.prob_go[0] - _enumerate_go(d, p)) < 1e-12


# ----------------------------------------------------------------- boundary errors
def test_predictive_boundaries_monotone_property() -> None:
    looks = list(range(5, 61, 5))
    for tl, tu in [(0.01, 1.0), (0.05, 0.9), (0.2, 0.8)]:
        d = predictive_boundaries(looks, 0.3, p1=0.5, theta_t=0.9, theta_l=tl, theta_u=tu,
                                  prior=(0.3, 0.7))
        assert np.all(np.diff(d.futility) >= 0)


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"theta_l": 0.5, "theta_u": 0.4}, r"`theta_l` \(0.5\) must be below `theta_u` \(0.4\)"),
    ({"theta_l": -0.1}, r"`theta_l` \(-0.1\) must lie in \[0, 1\)"),
    ({"theta_u": 1.2}, r"`theta_u` \(1.2\) must lie in \(0, 1\]"),
    ({"theta_t": 0.0}, r"`theta_t` \(0.0\) must lie in \(0, 1\)"),
    ({"looks": [10, 10, 20]}, r"`looks` \(\[10, 10, 20\]\) must increase strictly"),
    ({"looks": [10, 20], "theta_l": 0.45, "theta_u": 0.5},
     r"at look 1 \(10 patients\) the futility region x <= \d+ and the efficacy region"),
    ({"looks": [3, 5], "theta_t": 0.99999}, r"at look 1 \(3 patients\) every count, even 3 of 3"),
    ({"looks": [5], "theta_t": 0.99999}, "at the last look .* no count gives 'go'"),
])
def test_predictive_boundaries_errors(kwargs: dict[str, object], match: str) -> None:
    args: dict[str, object] = {"looks": [10, 20, 30], "theta_t": 0.9, "theta_l": 0.05,
                               "theta_u": 1.0, "prior": (1, 1)}
    args.update(kwargs)
    with pytest.raises(ValueError, match=match):
        predictive_boundaries(args.pop("looks"), 0.2, p1=0.4, **args)  # type: ignore[arg-type]


def test_posterior_boundaries_errors() -> None:
    with pytest.raises(ValueError, match=r"at look 1 \(10 patients\) the futility region"):
        posterior_boundaries([10, 20], 0.3, p1=0.5, t_l=0.3, t_u=0.3, prior=(1, 1))
    with pytest.raises(ValueError, match=r"last look .* no count gives 'go'"):
        posterior_boundaries([10, 20], 0.3, p1=0.5, t_l=0.5, t_u=1.0, prior=(1, 1))
    with pytest.raises(ValueError, match=r"`t_l` \(0.0\) must lie in \(0, 1\]"):
        posterior_boundaries([10, 20], 0.3, p1=0.5, t_l=0.0, t_u=0.9, prior=(1, 1))
    with pytest.raises(ValueError, match=r"`p_efficacy` \(1.5\)"):
        posterior_boundaries([10, 20], 0.3, p1=0.5, t_l=0.8, t_u=0.9, prior=(1, 1),
                             p_efficacy=1.5)
