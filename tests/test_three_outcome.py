"""Sargent's three-outcome designs: PhIIdesign and base-R references, exact rates, searches, errors."""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from thera_stats.three_outcome import (
    ThreeOutcomeChoice,
    sargent_design,
    sargent_two_stage_design,
)

REF = pd.read_csv(Path(__file__).parent / "reference" / "multistage" / "sargent_r.csv")
TARGETS = ["p0", "pa", "alpha", "beta", "eta", "pi"]


def _kw(row: Any) -> dict[str, float]:
    return {"alpha": float(row["alpha"]), "beta": float(row["beta"]), "eta": float(row["eta"]),
            "pi": float(row["pi"])}


def _single_rates(n: int, r: int, s: int, p0: float, p1: float) -> dict[str, float]:
    """Direct binomial sums for the single-stage rule."""
    b0 = stats.binom.pmf(np.arange(n + 1), n, p0)
    b1 = stats.binom.pmf(np.arange(n + 1), n, p1)
    return {"eta": float(b0[: r + 1].sum()), "beta": float(b1[: r + 1].sum()),
            "alpha": float(b0[s:].sum()), "pi": float(b1[s:].sum())}


def _two_stage_tables(n1: int, n: int, p: float) -> tuple[np.ndarray, np.ndarray]:
    """By enumerating (x1, x2): nogo[r1, r] and go[r1, s] (independent of the module's sums)."""
    n2 = n - n1
    joint = np.outer(stats.binom.pmf(np.arange(n1 + 1), n1, p),
                     stats.binom.pmf(np.arange(n2 + 1), n2, p))
    x1 = np.arange(n1 + 1)[:, None] + 0 * np.arange(n2 + 1)[None, :]
    total = x1 + np.arange(n2 + 1)[None, :]
    nogo = np.zeros((n1, n + 1))
    go = np.zeros((n1, n + 1))
    for r1 in range(n1):
        cont = joint * (x1 > r1)
        dist = np.bincount(total.ravel(), weights=cont.ravel(), minlength=n + 1)
        nogo[r1] = joint[: r1 + 1].sum() + np.cumsum(dist)
        go[r1] = np.cumsum(dist[::-1])[::-1]
    return nogo, go


# --------------------------------------------------------------------------- single stage
SINGLE = REF[(REF["stages"] == 1) & (REF["eps"] == 0)]
SETTINGS = SINGLE[TARGETS].drop_duplicates().to_dict("records")


@pytest.mark.parametrize("setting", SETTINGS, ids=lambda s: "-".join(f"{s[k]:g}" for k in TARGETS))
def test_single_stage_equals_phiidesign_and_base_r(setting: dict[str, float]) -> None:
    # R: sargent1stage(..., eps = 0, N_min = 2, N_max = 150) and base_single(...) in sargent_r.R
    rows = SINGLE[(SINGLE[TARGETS] == pd.Series(setting)).all(axis=1)]
    for source in ("PhIIdesign", "base_r"):
        sub = rows[rows["source"] == source]
        got = sargent_design(setting["p0"], setting["pa"], **_kw(setting))
        d = got.design
        assert d.sizes[0] == sub["N"].iloc[0]  # the smallest n
        match = sub[(sub["r"] == d.futility[0]) & (sub["s"] == d.final_go + 1)]
        assert len(match) == 1  # our (r, s) is one of the admissible pairs at that n
        m = match.iloc[0]
        assert_allclose([got.actual_alpha, got.actual_beta, got.actual_eta, got.actual_pi],
                        [m["alpha_act"], m["beta_act"], m["eta_act"], m["pi_act"]], atol=1e-12)


def test_phiidesign_default_eps_breaks_the_constraints() -> None:
    # sargent1stage(p0 = 0.5, pa = 0.65, alpha = 0.1, beta = 0.1, eta = 0.8, pi = 0.8,
    #               eps = 0.005): N = 57, r = 32, s = 34 with beta' = 0.1044 > 0.1.
    row = REF[(REF["source"] == "PhIIdesign") & (REF["p0"] == 0.5) & (REF["alpha"] == 0.1)
              & (REF["eps"] == 0.005)].iloc[0]
    rates = _single_rates(57, 32, 34, 0.5, 0.65)
    assert (row["N"], row["r"], row["s"]) == (57, 32, 34)
    assert_allclose(rates["beta"], row["beta_act"], atol=1e-14)
    assert rates["beta"] > 0.1
    assert sargent_design(0.5, 0.65, alpha=0.1, beta=0.1, eta=0.8, pi=0.8).design.sizes == (58,)


def test_single_stage_exact_rates_by_direct_sums_and_tie_breaks() -> None:
    got = sargent_design(0.3, 0.45, alpha=0.05, beta=0.1, eta=0.8, pi=0.8)
    n, r, s = got.design.sizes[0], got.design.futility[0], got.design.final_go + 1
    rates = _single_rates(n, r, s, 0.3, 0.45)
    assert_allclose([got.actual_alpha, got.actual_beta, got.actual_eta, got.actual_pi],
                    [rates["alpha"], rates["beta"], rates["eta"], rates["pi"]], atol=1e-12)
    assert_allclose(got.inconclusive_p0, 1 - rates["eta"] - rates["alpha"], atol=1e-12)
    # n = 67 admits (23, 27) and (24, 27): the larger r leaves less inconclusive
    assert (n, r, s) == (67, 24, 27)
    other = sargent_design(0.3, 0.45, alpha=0.05, beta=0.1, eta=0.8, pi=0.8,
                           criterion="min-error")
    assert (other.design.futility[0], other.design.final_go + 1) == (23, 27)
    assert isinstance(got, ThreeOutcomeChoice)
    assert got.design.three_outcome
    frame = got.to_frame()
    assert frame.loc[0, "go_above"] == s - 1
    assert "ThreeOutcomeChoice(sargent smallest-n" in repr(got)


def test_single_stage_decisions_from_the_engine() -> None:
    d = sargent_design(0.2, 0.35, alpha=0.1, beta=0.1, eta=0.8, pi=0.8).design
    r, s = d.futility[0], d.final_go + 1
    assert d.decide(r).action == "no go"
    assert d.decide(r + 1).action == "inconclusive"
    assert d.decide(s).action == "go"


# --------------------------------------------------------------------------- two stages
TWO = REF[REF["stages"] == 2]


@pytest.mark.parametrize("setting", TWO[TARGETS].drop_duplicates().to_dict("records"),
                         ids=lambda s: "-".join(f"{s[k]:g}" for k in TARGETS))
def test_two_stage_equals_phiidesign(setting: dict[str, float]) -> None:
    # R: sargent2stage(..., eps = 0, N_min, N_max) in sargent_r.R; rows flagged Optimal / Minimax
    rows = TWO[(TWO[TARGETS] == pd.Series(setting)).all(axis=1)]
    for crit, flag in (("optimal", "Optimal"), ("minimax", "Minimax")):
        ref = rows[rows["flag"].str.contains(flag)]
        got = sargent_two_stage_design(setting["p0"], setting["pa"], criterion=crit,
                                       **_kw(setting))
        d = got.design
        key = (d.sizes[0], d.sizes[1], d.futility[0])
        assert key in set(zip(ref["n1"], ref["N"], ref["r1"], strict=True))
        m = ref[(ref["n1"] == key[0]) & (ref["N"] == key[1]) & (ref["r1"] == key[2])
                & (ref["r"] == d.futility[1]) & (ref["s"] == d.final_go + 1)]
        assert len(m) == 1
        m0 = m.iloc[0]
        assert_allclose(got.en_p0, m0["EN_p0"], atol=1e-10)
        assert_allclose([got.actual_alpha, got.actual_beta, got.actual_eta, got.actual_pi],
                        [m0["alpha_act"], m0["beta_act"], m0["eta_act"], m0["pi_act"]],
                        atol=1e-12)


def _brute_two_stage(p0: float, p1: float, a: float, b: float, e: float, w: float,
                     n_top: int) -> list[tuple[int, int, int, float, list[tuple[int, int]]]]:
    out = []
    for n in range(3, n_top + 1):
        for n1 in range(1, n):
            nogo0, go0 = _two_stage_tables(n1, n, p0)
            nogo1, go1 = _two_stage_tables(n1, n, p1)
            for r1 in range(n1):
                pairs = [(r, s) for r in range(r1 + 1, min(r1 + n - n1, n - 2) + 1)
                         for s in range(r + 2, n + 1)
                         if nogo1[r1, r] <= b and nogo0[r1, r] >= e and go0[r1, s] <= a
                         and go1[r1, s] >= w]
                if pairs:
                    en0 = n1 + (n - n1) * float(stats.binom.sf(r1, n1, p0))
                    out.append((n1, n, r1, en0, pairs))
    return out


def test_two_stage_searches_equal_brute_force() -> None:
    p0, p1, a, b, e, w = 0.2, 0.4, 0.1, 0.1, 0.8, 0.8
    designs = _brute_two_stage(p0, p1, a, b, e, w, 40)
    opt = min(designs, key=lambda c: (round(c[3], 10), c[1], c[0], c[2]))
    mmx = min(designs, key=lambda c: (c[1], round(c[3], 10), c[0], c[2]))
    for crit, ref in (("optimal", opt), ("minimax", mmx)):
        got = sargent_two_stage_design(p0, p1, alpha=a, beta=b, eta=e, pi=w, criterion=crit)
        d = got.design
        assert (d.sizes[0], d.sizes[1], d.futility[0]) == ref[:3]
        assert_allclose(got.en_p0, ref[3], atol=1e-12)
        assert (d.futility[1], d.final_go + 1) in ref[4]
        # min-inconclusive among the admissible (r, s)
        nogo0, go0 = _two_stage_tables(ref[0], ref[1], p0)
        nogo1, go1 = _two_stage_tables(ref[0], ref[1], p1)
        r1 = ref[2]
        incs = {(r, s): max(1 - nogo0[r1, r] - go0[r1, s], 1 - nogo1[r1, r] - go1[r1, s])
                for r, s in ref[4]}
        best_inc = min(incs.values())
        assert_allclose(incs[(d.futility[1], d.final_go + 1)], best_inc, atol=1e-12)
        assert_allclose(max(got.inconclusive_p0, got.inconclusive_p1), best_inc, atol=1e-12)


def test_two_stage_exact_rates_by_direct_sums() -> None:
    got = sargent_two_stage_design(0.1, 0.3, alpha=0.05, beta=0.1, eta=0.8, pi=0.8)
    d = got.design
    (n1, n), (r1, r), s = d.sizes, d.futility, d.final_go + 1
    for p, nogo, go in ((0.1, got.actual_eta, got.actual_alpha),
                        (0.3, got.actual_beta, got.actual_pi)):
        b1 = stats.binom.pmf(np.arange(n1 + 1), n1, p)
        direct_nogo = b1[: r1 + 1].sum() + sum(
            b1[x] * stats.binom.cdf(r - x, n - n1, p) for x in range(r1 + 1, n1 + 1))
        direct_go = sum(b1[x] * stats.binom.sf(s - x - 1, n - n1, p)
                        for x in range(r1 + 1, n1 + 1))
        assert_allclose([nogo, go], [direct_nogo, direct_go], atol=1e-12)
    assert d.futility[0] < d.futility[1] < d.final_go


# --------------------------------------------------------------------------- errors
@pytest.mark.parametrize(("kwargs", "pattern"), [
    ({"alpha": 0.5}, r"`alpha` \(0\.5\)"),
    ({"alpha": 0.0}, r"`alpha` \(0\.0\)"),
    ({"beta": 0.6}, r"`beta` \(0\.6\)"),
    ({"eta": 1.0}, r"`eta` \(1\.0\)"),
    ({"pi": 0.0}, r"`pi` \(0\.0\)"),
    ({"eta": 0.95, "alpha": 0.1}, r"`eta` \+ `alpha` \(0\.95 \+ 0\.1\)"),
    ({"pi": 0.95, "beta": 0.1}, r"`pi` \+ `beta` \(0\.95 \+ 0\.1\)"),
    ({"p0": 0.4}, r"p0 = 0\.4, p1 = 0\.4"),
    ({"n_max": 2}, r"`n_max` \(2\)"),
    ({"criterion": "best"}, r"`criterion` \('best'\)"),
])
def test_errors_quote_the_value(kwargs: dict[str, Any], pattern: str) -> None:
    args = {"p0": 0.2, "p1": 0.4, "alpha": 0.1, "beta": 0.1, "eta": 0.8, "pi": 0.8} | kwargs
    with pytest.raises(ValueError, match=pattern):
        sargent_design(**args)
    if "criterion" not in kwargs:
        with pytest.raises(ValueError, match=pattern):
            sargent_two_stage_design(**args)


def test_type_errors_and_n_max() -> None:
    with pytest.raises(TypeError, match=r"`beta` \('x'\)"):
        sargent_design(0.2, 0.4, alpha=0.1, beta="x", eta=0.8, pi=0.8)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"n_max = 20 patients"):
        sargent_design(0.2, 0.35, alpha=0.1, beta=0.1, eta=0.8, pi=0.8, n_max=20)
    with pytest.raises(ValueError, match=r"n_max = 15 patients"):
        sargent_two_stage_design(0.2, 0.4, alpha=0.1, beta=0.1, eta=0.8, pi=0.8, n_max=15)
    with pytest.raises(ValueError, match=r"beyond n_max = 26"):
        sargent_two_stage_design(0.2, 0.4, alpha=0.1, beta=0.1, eta=0.8, pi=0.8, n_max=26)
    with pytest.raises(ValueError, match=r"`choice` \('x'\)"):
        sargent_two_stage_design(0.2, 0.4, alpha=0.1, beta=0.1, eta=0.8, pi=0.8, choice="x")


# --------------------------------------------------------------------------- property
@settings(max_examples=60)
@given(p0=st.floats(0.05, 0.6), delta=st.floats(0.15, 0.35), alpha=st.floats(0.05, 0.2),
       beta=st.floats(0.05, 0.2), eta=st.floats(0.5, 0.8), pi=st.floats(0.5, 0.8))
def test_property_single_stage_is_admissible_and_smallest(p0: float, delta: float, alpha: float,
                                                          beta: float, eta: float,
                                                          pi: float) -> None:
    p1 = min(p0 + delta, 0.95)
    got = sargent_design(p0, p1, alpha=alpha, beta=beta, eta=eta, pi=pi)
    n, r, s = got.design.sizes[0], got.design.futility[0], got.design.final_go + 1
    rates = _single_rates(n, r, s, p0, p1)
    tol = 1e-12
    assert rates["alpha"] <= alpha + tol
    assert rates["beta"] <= beta + tol
    assert rates["eta"] >= eta - tol
    assert rates["pi"] >= pi - tol
    assert s >= r + 2
    assert_allclose(got.actual_alpha + got.actual_eta + got.inconclusive_p0, 1.0, atol=1e-12)
    # no smaller n admits a design (direct check of every (r, s))
    for m in range(max(2, n - 3), n):
        x = np.arange(m + 1)
        c0, c1 = stats.binom.cdf(x, m, p0), stats.binom.cdf(x, m, p1)
        for rr in range(m - 1):
            if c1[rr] > beta + tol or c0[rr] < eta - tol:
                continue
            for ss in range(rr + 2, m + 1):
                assert not (1 - (c0[ss - 1]) <= alpha + tol and 1 - c1[ss - 1] >= pi - tol)
    assert not math.isnan(got.en_p0)
