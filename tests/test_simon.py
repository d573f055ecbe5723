"""Tests of thera_stats.simon: Simon two-stage designs, single-stage designs, the go/no-go rule.

Reference values live in tests/reference/simon/ (README.md there gives the provenance of
each): published designs (Simon 1989 Table 1; clinfun's documented output) and base-R
direct binomial sums.
"""

from __future__ import annotations

import dataclasses
import importlib.util
import json
import math
import re
import warnings
from io import StringIO
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from thera_stats import simon
from thera_stats.simon import (
    Decision,
    SearchBoundWarning,
    SimonDesign,
    design_report,
    final_boundary,
    prob_early_stop,
    prob_go,
    simon_design,
    simon_designs,
    single_stage_design,
    stage1_boundary,
)

REF = Path(__file__).parent / "reference" / "simon"


# ----------------------------------------------------------------------------------------
# Independent closed forms (exact integer-binomial sums, no scipy)
# ----------------------------------------------------------------------------------------


def _pmf(k: int, n: int, p: float) -> float:
    if k < 0 or k > n:
        return 0.0
    return math.comb(n, k) * p**k * (1 - p) ** (n - k)


def _sf(k: int, n: int, p: float) -> float:
    """P(Bin(n, p) > k)."""
    return math.fsum(_pmf(j, n, p) for j in range(max(k + 1, 0), n + 1))


def _go(r1: int, n1: int, r: int, n: int, p: float) -> float:
    return math.fsum(_pmf(x1, n1, p) * _sf(r - x1, n - n1, p) for x1 in range(r1 + 1, n1 + 1))


def _stagewise_p(r1: int, n1: int, n: int, x1: int, xt: int, p0: float) -> float:
    """Stage-wise-ordering p-value (Koyama & Chen 2008) for a trial that continued."""
    return _go(r1, n1, xt - 1, n, p0)


# ----------------------------------------------------------------------------------------
# Published values
# ----------------------------------------------------------------------------------------

PUBLISHED = pd.read_csv(REF / "published.csv")


@pytest.mark.parametrize("row", PUBLISHED.to_dict("records"), ids=lambda r: str(r)[:80])
def test_published_designs(row: dict) -> None:
    # Simon (1989) Table 1 (via kkmann/BinaryTwoStageDesigns) and clinfun's documented output;
    # see tests/reference/simon/README.md.
    n_max = None if pd.isna(row["n_max"]) else int(row["n_max"])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", SearchBoundWarning)  # the n_max = 100 row binds
        d = simon_design(
            row["p0"],
            row["p1"],
            alpha=row["alpha"],
            power=1 - row["beta"],
            criterion=row["criterion"],
            n_max=n_max,
        )
    assert (d.r1, d.n1, d.r, d.n) == (row["r1"], row["n1"], row["r"], row["n"])
    if not pd.isna(row["en_p0"]):
        assert round(d.en_p0, 2) == pytest.approx(row["en_p0"], abs=1e-9)
        assert round(d.pet_p0, 4) == pytest.approx(row["pet_p0"], abs=1e-9)


def test_clinfun_nmax_100_trap_warns() -> None:
    # clinfun::ph2simon(0.2, 0.35, 0.05, 0.05) with its default nmax = 100 prints 11/53, 26/99
    # as "Optimal"; the true optimum has n = 109. We return the restricted design and warn.
    with pytest.warns(SearchBoundWarning, match=r"n_max = 100 binds.*n=109"):
        d = simon_design(0.2, 0.35, alpha=0.05, power=0.95, n_max=100)
    assert (d.r1, d.n1, d.r, d.n) == (11, 53, 26, 99)
    free = simon_design(0.2, 0.35, alpha=0.05, power=0.95)
    assert (free.r1, free.n1, free.r, free.n) == (11, 50, 28, 109)


def test_wrong_lookup_table_design_is_infeasible() -> None:
    # A public lookup table gives 1/13, 10/43 for (0.2, 0.4, 0.05, 0.2): its alpha is 0.217.
    wrong = SimonDesign(p0=0.2, p1=0.4, alpha=0.05, power=0.8, r1=1, n1=13, r=10, n=43)
    assert wrong.actual_alpha > 0.2
    assert not wrong.meets_targets
    d = simon_design(0.2, 0.4, alpha=0.05, power=0.8)
    assert (d.r1, d.n1, d.r, d.n) == (3, 13, 12, 43)


# ----------------------------------------------------------------------------------------
# Independent R brute force over the grid of Simon (1989) Tables 1 and 2
# ----------------------------------------------------------------------------------------

R_TABLES = pd.read_csv(REF / "simon_tables_R.csv")


@pytest.mark.parametrize(
    "row",
    R_TABLES.to_dict("records"),
    ids=lambda r: f"T{r['table']}-{r['p0']}-{r['alpha']}-{r['beta']}-{r['criterion']}",
)
def test_simon_tables_grid_matches_r_bruteforce(row: dict) -> None:
    d = simon_design(
        row["p0"], row["p1"], alpha=row["alpha"], power=1 - row["beta"], criterion=row["criterion"]
    )
    assert (d.r1, d.n1, d.r, d.n) == (row["r1"], row["n1"], row["r"], row["n"])
    assert_allclose(d.en_p0, row["en_p0"], rtol=0, atol=1e-12)
    assert d.meets_targets


def test_optimum_needing_n_110_is_found_without_a_bound() -> None:
    # Simon (1989) Table 2, p0 = 0.3, p1 = 0.45, alpha = 0.05, beta = 0.10: optimum n = 110,
    # beyond clinfun's default nmax = 100.
    d = simon_design(0.3, 0.45, alpha=0.05, power=0.9)
    assert (d.r1, d.n1, d.r, d.n) == (13, 40, 40, 110)
    tab = simon_designs(0.3, 0.45, alpha=0.05, power=0.9)
    assert tab.attrs["n_bound"] >= 110


# ----------------------------------------------------------------------------------------
# Exact operating characteristics: R direct sums and closed forms, to 1e-12
# ----------------------------------------------------------------------------------------

R_OC = pd.read_csv(REF / "oc_R.csv")


@pytest.mark.parametrize("row", R_OC.to_dict("records"), ids=lambda r: f"{r['r1']}-{r['n1']}")
def test_operating_characteristics_match_r(row: dict) -> None:
    d = SimonDesign(
        p0=row["p0"],
        p1=row["p1"],
        alpha=0.05,
        power=0.8,
        r1=int(row["r1"]),
        n1=int(row["n1"]),
        r=int(row["r"]),
        n=int(row["n"]),
    )
    got = [d.actual_alpha, d.actual_power, d.pet_p0, d.pet_p1, d.en_p0, d.en_p1]
    want = [row[k] for k in ("alpha", "power", "pet_p0", "pet_p1", "en_p0", "en_p1")]
    assert_allclose(got, want, rtol=0, atol=1e-12)


@st.composite
def designs(draw: st.DrawFn, max_n: int = 40) -> SimonDesign:
    n = draw(st.integers(2, max_n))
    n1 = draw(st.integers(1, n - 1))
    r1 = draw(st.integers(0, n1 - 1))
    r = draw(st.integers(r1, n - 1))
    p0 = draw(st.floats(0.02, 0.9))
    p1 = draw(st.floats(p0 + 0.01, 0.99))
    return SimonDesign(p0=p0, p1=p1, alpha=0.05, power=0.8, r1=r1, n1=n1, r=r, n=n)


@given(designs())
@settings(max_examples=60)
def test_operating_characteristics_match_closed_form(d: SimonDesign) -> None:
    want_pet0 = 1 - _sf(d.r1, d.n1, d.p0)
    want = [_go(d.r1, d.n1, d.r, d.n, d.p0), _go(d.r1, d.n1, d.r, d.n, d.p1), want_pet0]
    assert_allclose([d.actual_alpha, d.actual_power, d.pet_p0], want, rtol=0, atol=1e-12)
    assert_allclose(d.en_p0, d.n1 + (1 - want_pet0) * (d.n - d.n1), rtol=0, atol=1e-11)


@given(designs(), st.lists(st.floats(0, 1), min_size=2, max_size=6))
def test_operating_characteristics_monotone_in_p(d: SimonDesign, ps: list[float]) -> None:
    p = np.sort(np.asarray(ps))
    oc = d.operating_characteristics(p)
    tol = 1e-12
    assert np.all(np.diff(oc.prob_go) >= -tol)  # more responders: more "go"
    assert np.all(np.diff(oc.pet) <= tol)  # ... and fewer early stops
    assert np.all(np.diff(oc.expected_n) >= -tol * d.n)  # ... so more patients on average
    assert np.all((oc.expected_n >= d.n1 - tol) & (oc.expected_n <= d.n + tol))
    assert np.all(oc.prob_go <= 1 - oc.pet + tol)


def test_operating_characteristics_shapes_and_edges() -> None:
    d = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    oc = d.operating_characteristics(0.2)
    assert isinstance(oc.prob_go, float)
    assert oc.prob_go == pytest.approx(d.actual_alpha, abs=1e-15)
    edge = d.operating_characteristics([0.0, 1.0])
    assert_allclose(edge.prob_go, [0.0, 1.0], atol=1e-15)
    assert_allclose(edge.expected_n, [10.0, 22.0], atol=1e-12)
    frame = d.operating_characteristics(np.linspace(0, 1, 5)).to_frame()
    assert list(frame.columns) == ["p", "pet", "prob_go", "expected_n"]
    assert len(frame) == 5


def test_helpers_broadcast() -> None:
    got = prob_go([2, 3], 10, [7, 8], 22, [[0.2], [0.45]])
    assert np.shape(got) == (2, 2)
    assert got[0, 0] == pytest.approx(_go(2, 10, 7, 22, 0.2), abs=1e-14)
    assert got[1, 1] == pytest.approx(_go(3, 10, 8, 22, 0.45), abs=1e-14)
    assert prob_early_stop(2, 10, 0.2) == pytest.approx(1 - _sf(2, 10, 0.2), abs=1e-15)
    assert prob_go(-1, 5, 2, 5, 0.3) == pytest.approx(_sf(2, 5, 0.3), abs=1e-15)
    assert prob_go(2, 10, 7, 10, 0.2) == pytest.approx(_sf(7, 10, 0.2), abs=1e-15)  # no stage 2


# ----------------------------------------------------------------------------------------
# Search properties, admissible designs, the bound
# ----------------------------------------------------------------------------------------


ADMISSIBLE = pd.read_csv(
    REF / "admissible_clinfun.csv",
    dtype=dict.fromkeys(("en_p0", "pet_p0", "weight_low", "weight_high"), str),  # printed text
)
ADMISSIBLE_SETTINGS = sorted(
    {(r["source"], r["p0"], r["p1"], r["alpha"], r["beta"]) for r in ADMISSIBLE.to_dict("records")}
)


def _agrees_to_printed_digits(got: float, printed: str) -> bool:
    """``got`` rounds to ``printed`` at the number of decimals printed."""
    decimals = len(printed.partition(".")[2])
    return abs(got - float(printed)) <= 0.5 * 10.0**-decimals + 1e-12


def _printed_rows(setting: tuple) -> pd.DataFrame:
    source, p0, p1, alpha, beta = setting
    sel = (
        (ADMISSIBLE["source"] == source)
        & (ADMISSIBLE["p0"] == p0)
        & (ADMISSIBLE["p1"] == p1)
        & (ADMISSIBLE["alpha"] == alpha)
        & (ADMISSIBLE["beta"] == beta)
    )
    return ADMISSIBLE[sel].sort_values("n").reset_index(drop=True)


@pytest.mark.parametrize("setting", ADMISSIBLE_SETTINGS, ids=lambda s: f"{s[1]}-{s[2]}-{s[3]}-{s[4]}")
def test_admissible_designs_match_clinfun_printed_output(setting: tuple) -> None:
    # R clinfun::twostage.admissible(ph2simon(p0, p1, alpha, beta)) as printed on its reference
    # page and in its vignette; see tests/reference/simon/README.md. EN(p0) to 5 decimals,
    # PET(p0) to 7, weight range (qLo, qHi) to 3.
    _, p0, p1, alpha, beta = setting
    want = _printed_rows(setting)
    tab = simon_designs(p0, p1, alpha=alpha, power=1 - beta)
    assert len(tab) == len(want)
    for got, row in zip(tab.to_dict("records"), want.to_dict("records"), strict=True):
        assert got["label"] == row["label"].lower()
        assert (got["r1"], got["n1"], got["r"], got["n"]) == (
            row["r1"], row["n1"], row["r"], row["n"]
        )  # fmt: skip
        assert got["admissible"]
        for col in ("en_p0", "pet_p0", "weight_low", "weight_high"):
            assert _agrees_to_printed_digits(got[col], row[col]), (col, got[col], row[col])


@pytest.mark.parametrize("setting", ADMISSIBLE_SETTINGS, ids=lambda s: f"{s[1]}-{s[2]}-{s[3]}-{s[4]}")
def test_admissible_design_for_weight_matches_clinfun_ranges(setting: tuple) -> None:
    # For each printed range [qLo, qHi] (3 decimals, so each true end is within 0.0005 of the
    # printed one), weights strictly inside it must select that design: the midpoint, and
    # 0.0006 inside each printed end (or the end itself at q = 0 and q = 1).
    _, p0, p1, alpha, beta = setting
    for row in _printed_rows(setting).to_dict("records"):
        lo, hi = float(row["weight_low"]), float(row["weight_high"])
        qs = [(lo + hi) / 2, lo if lo == 0 else lo + 6e-4, hi if hi == 1 else hi - 6e-4]
        for q in qs:
            d = simon_design(p0, p1, alpha=alpha, power=1 - beta, criterion="admissible", weight=q)
            assert (d.r1, d.n1, d.r, d.n) == (row["r1"], row["n1"], row["r"], row["n"]), q
            assert _agrees_to_printed_digits(d.en_p0, row["en_p0"])


def test_admissible_table_structure() -> None:
    tab = simon_designs(0.3, 0.45, alpha=0.05, power=0.9)
    want_cols = [
        "label", "r1", "n1", "r", "n", "en_p0", "pet_p0", "en_p1", "pet_p1", "actual_alpha",
        "actual_power", "weight_low", "weight_high", "admissible", "optimal", "minimax",
    ]  # fmt: skip
    assert list(tab.columns) == want_cols
    assert tab["minimax"].sum() == 1
    assert tab["optimal"].sum() == 1
    assert tab.iloc[0]["minimax"]
    assert tab.iloc[-1]["optimal"]
    assert tab["n"].is_monotonic_increasing
    assert tab["en_p0"].is_monotonic_decreasing
    # the weight intervals tile [0, 1]
    assert tab.iloc[0]["weight_high"] == 1.0
    assert tab.iloc[-1]["weight_low"] == 0.0
    assert_allclose(tab["weight_low"].iloc[:-1].to_numpy(), tab["weight_high"].iloc[1:])
    assert (tab["actual_alpha"] <= 0.05).all()
    assert (tab["actual_power"] >= 0.9).all()


@pytest.mark.parametrize("q", [0.0, 0.05, 0.2, 0.5, 0.8, 0.95, 1.0])
def test_admissible_design_minimises_weighted_loss(q: float) -> None:
    tab = simon_designs(0.3, 0.45, alpha=0.05, power=0.9)
    d = simon_design(0.3, 0.45, alpha=0.05, power=0.9, criterion="admissible", weight=q)
    loss = q * tab["n"] + (1 - q) * tab["en_p0"]
    assert q * d.n + (1 - q) * d.en_p0 == pytest.approx(loss.min(), abs=1e-9)
    row = tab[(tab["n"] == d.n) & (tab["n1"] == d.n1)].iloc[0]
    assert row["weight_low"] - 1e-12 <= q <= row["weight_high"] + 1e-12
    assert d.criterion == "admissible"
    assert d.weight == q


def test_admissible_extremes_are_optimal_and_minimax() -> None:
    kw = {"alpha": 0.05, "power": 0.8}
    opt = simon_design(0.2, 0.4, **kw)
    mm = simon_design(0.2, 0.4, criterion="minimax", **kw)
    q0 = simon_design(0.2, 0.4, criterion="admissible", weight=0, **kw)
    q1 = simon_design(0.2, 0.4, criterion="admissible", weight=1, **kw)
    assert (q0.r1, q0.n1, q0.r, q0.n) == (opt.r1, opt.n1, opt.r, opt.n)
    assert (q1.r1, q1.n1, q1.r, q1.n) == (mm.r1, mm.n1, mm.r, mm.n)


def test_en_margin_lists_near_optimal_designs() -> None:
    tab = simon_designs(0.2, 0.4, alpha=0.05, power=0.8, en_margin=1.0)
    best = tab.loc[tab["optimal"], "en_p0"].iloc[0]
    other = tab[~tab["admissible"]]
    assert len(other) >= 1
    assert (other["en_p0"] <= best + 1.0 + 1e-12).all()
    assert other["weight_low"].isna().all()
    assert (tab["actual_alpha"] <= 0.05).all()
    assert (tab["actual_power"] >= 0.8).all()


@given(
    st.sampled_from([0.05, 0.1, 0.2, 0.3, 0.5, 0.7]),
    st.sampled_from([0.2, 0.25, 0.3]),
    st.sampled_from([0.05, 0.1]),
    st.sampled_from([0.8, 0.9]),
)
@settings(max_examples=25)
def test_search_results_are_feasible_and_ordered(
    p0: float, delta: float, alpha: float, power: float
) -> None:
    p1 = min(p0 + delta, 0.95)
    tab = simon_designs(p0, p1, alpha=alpha, power=power)
    opt = tab[tab["optimal"]].iloc[0]
    mm = tab[tab["minimax"]].iloc[0]
    assert opt["en_p0"] <= tab["en_p0"].min() + 1e-12
    assert mm["n"] <= tab["n"].min()
    assert (tab["actual_alpha"] <= alpha).all()
    assert (tab["actual_power"] >= power).all()
    # each design's r is the smallest that meets alpha (so "go" <=> stage-wise p <= alpha)
    for row in tab.itertuples():
        assert row.r == final_boundary(row.r1, row.n1, row.n, p0, alpha)
    # no single-stage-sized design is smaller than the randomised UMP bound allows
    ss = single_stage_design(p0, p1, alpha=alpha, power=power)
    assert mm["n"] <= ss.n + 1 or mm["en_p0"] < ss.n


def test_explicit_n_max_that_does_not_bind_is_silent() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        d = simon_design(0.2, 0.4, alpha=0.05, power=0.8, n_max=60)
        tab = simon_designs(0.2, 0.4, alpha=0.05, power=0.8, n_max=60)
    assert d.n == 43
    assert len(tab) == 3


def test_explicit_n_max_that_binds_warns_for_the_admissible_set() -> None:
    with pytest.warns(SearchBoundWarning, match="admissible set"):
        tab = simon_designs(0.3, 0.45, alpha=0.05, power=0.9, n_max=100)
    assert tab["n"].max() <= 100


def test_n_max_below_every_feasible_design_raises() -> None:
    with pytest.raises(ValueError, match=r"n_max \(30\)"):
        simon_design(0.2, 0.4, alpha=0.05, power=0.8, n_max=30)
    with pytest.raises(ValueError, match=r"n_max \(30\)"):
        simon_design(0.2, 0.4, alpha=0.05, power=0.8, criterion="minimax", n_max=30)
    mm = simon_design(0.2, 0.4, alpha=0.05, power=0.8, criterion="minimax", n_max=33)
    assert mm.n == 33


# ----------------------------------------------------------------------------------------
# Single-stage designs (A'Hern 2001 definition), against base R
# ----------------------------------------------------------------------------------------

R_SINGLE = pd.read_csv(REF / "single_stage_R.csv")


@pytest.mark.parametrize(
    "row", R_SINGLE.to_dict("records"), ids=lambda r: str(list(r.values())[:4])
)
def test_single_stage_matches_r(row: dict) -> None:
    d = single_stage_design(row["p0"], row["p1"], alpha=row["alpha"], power=1 - row["beta"])
    assert (d.n, d.r, d.n_stable, d.r_stable) == (
        row["n"],
        row["r"],
        row["n_stable"],
        row["r_stable"],
    )
    assert_allclose([d.actual_alpha, d.actual_power], [row["actual_alpha"], row["actual_power"]],
                    rtol=0, atol=1e-12)  # fmt: skip


def test_single_stage_saw_tooth() -> None:
    d = single_stage_design(0.05, 0.2, alpha=0.05, power=0.8)
    assert d.n < d.n_stable  # power dips below 0.8 again at n = 29..32
    assert d.actual_power_stable >= 0.8
    assert d.actual_alpha_stable <= 0.05
    frame = d.to_frame()
    assert frame.loc[0, "n_stable"] == d.n_stable


# ----------------------------------------------------------------------------------------
# Decisions on plan
# ----------------------------------------------------------------------------------------

THERA = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)


def test_constructor_from_the_inference_module_keeps_working() -> None:
    d = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    assert d.criterion == "custom"
    assert d.weight is None
    assert d == THERA
    with pytest.raises(dataclasses.FrozenInstanceError):
        d.r = 8  # type: ignore[misc]
    assert dataclasses.replace(d, r=8).actual_alpha < d.actual_alpha


def test_on_plan_decisions_follow_the_planned_rule() -> None:
    d = THERA
    for x1 in range(d.n1 + 1):
        interim = d.decide(x1)
        assert interim.action == ("stop for futility" if x1 <= 2 else "continue to stage 2")
        assert interim.on_plan
        assert interim.rule == "planned"
        for x2 in range(d.n - d.n1 + 1):
            dec = d.decide(x1, x1 + x2)
            want = "stop for futility" if x1 <= 2 else ("go" if x1 + x2 > 7 else "no go")
            assert dec.action == want == dec.planned_action
            if x1 > 2:
                p = _stagewise_p(d.r1, d.n1, d.n, x1, x1 + x2, d.p0)
                assert dec.go == (p <= d.alpha)


def test_decision_explains_itself() -> None:
    dec = THERA.decide(4, 9)
    assert dec.action == "go"
    assert "r = 7" in dec.explanation
    assert str(dec) == dec.explanation
    assert dec.type1_error == pytest.approx(THERA.actual_alpha, abs=1e-15)
    assert dec.power == pytest.approx(THERA.actual_power, abs=1e-15)
    stop = THERA.decide(2, 12)
    assert stop.action == "stop for futility"
    assert "binding" in stop.explanation


def test_explanations_use_singular_and_plural() -> None:
    one = SimonDesign(p0=0.05, p1=0.25, alpha=0.05, power=0.8, r1=0, n1=9, r=2, n=17)
    texts = {
        "interim stop": one.decide(0).explanation,
        "interim go on": one.decide(1).explanation,
        "final": one.decide(1, 1).explanation,
        "final stop": one.decide(0, 0).explanation,
        "off-plan interim": one.decide(1, n_stage1=1).explanation,
        "off-plan final": one.decide(1, 3, n_stage1=1, n_total=5).explanation,
    }
    assert "0 responses in 9 stage-1 patients" in texts["interim stop"]
    assert "1 response in 9 stage-1 patients" in texts["interim go on"]
    assert "1 response in 17 patients" in texts["final"]
    assert "0 responses in 9 stage-1 patients" in texts["final stop"]
    assert "1 response in 1 stage-1 patient (planned 9)" in texts["off-plan interim"]
    assert "3 responses with 1 stage-1 patient (planned 9)" in texts["off-plan final"]
    for text in texts.values():  # no "1 responses", "1 patients", "1 stage-1 patients"
        assert re.search(r"(?<![\w-])1 (stage-[12] )?(responses|patients)\b", text) is None, text
    with pytest.raises(ValueError, match=r"implies 1 stage-2 response among 0 stage-2 patients"):
        one.decide(1, 2, n_total=9)


# ----------------------------------------------------------------------------------------
# Decisions off plan
# ----------------------------------------------------------------------------------------

R_OFF = pd.read_csv(REF / "offplan_R.csv")


@pytest.mark.parametrize("row", R_OFF.to_dict("records"), ids=lambda r: f"n={r['n']}")
def test_attained_size_boundary_matches_r(row: dict) -> None:
    assert final_boundary(2, 10, int(row["n"]), 0.2, 0.05) == row["r_star"]
    n = int(row["n"])
    if n == 22:  # on plan: the planned design's boundary
        assert row["r_star"] == THERA.r
        return
    dec = THERA.decide(5, min(row["r_star"] + 1, n), n_total=n)
    assert dec.rule == "attained-size boundary"
    assert dec.r_used == row["r_star"]
    assert_allclose(dec.type1_error, row["type1"], rtol=0, atol=1e-12)


def test_thera_stopped_at_17_of_22() -> None:
    dec = THERA.decide(3, 7, n_total=17)
    assert (dec.n_stage1, dec.n_total, dec.planned_n1, dec.planned_n) == (10, 17, 10, 22)
    assert dec.action == "go"
    assert dec.planned_action == "no go"
    assert dec.r1_used == 2
    assert dec.r_used == 6
    assert "planned 22" in dec.explanation
    assert "would have said 'no go'" in dec.explanation
    assert dec.type1_error <= 0.05
    assert_allclose(dec.type1_error, _go(2, 10, 6, 17, 0.2), rtol=0, atol=1e-14)


def _rule_type1_error(d: SimonDesign, n1a: int, na: int) -> float:
    """Exact P0("go") of decide() at attained sizes, by enumerating every outcome."""
    total = 0.0
    for x1 in range(n1a + 1):
        w1 = _pmf(x1, n1a, d.p0)
        for x2 in range(na - n1a + 1):
            if d.decide(x1, x1 + x2, n_stage1=n1a, n_total=na).go:
                total += w1 * _pmf(x2, na - n1a, d.p0)
    return total


SMALL_DESIGNS = [
    THERA,
    SimonDesign(p0=0.05, p1=0.25, alpha=0.05, power=0.8, r1=0, n1=9, r=2, n=17),
    SimonDesign(p0=0.1, p1=0.3, alpha=0.05, power=0.8, r1=1, n1=10, r=5, n=29),
    SimonDesign(p0=0.3, p1=0.5, alpha=0.1, power=0.9, r1=4, n1=11, r=9, n=21),
]


@pytest.mark.parametrize("d", SMALL_DESIGNS, ids=lambda d: f"{d.r1}/{d.n1},{d.r}/{d.n}")
def test_off_plan_rule_keeps_alpha_exhaustively(d: SimonDesign) -> None:
    # every attained (n1', n') with n1' within 3 of plan and n' from n1' to plan + 5
    worst = 0.0
    for n1a in range(max(1, d.n1 - 3), d.n1 + 4):
        for na in range(n1a, d.n + 6):
            t1 = _rule_type1_error(d, n1a, na)
            assert t1 <= d.alpha + 1e-12, (n1a, na, t1)
            worst = max(worst, t1)
            if (n1a, na) == (d.n1, d.n):
                assert t1 == pytest.approx(d.actual_alpha, abs=1e-12)
    assert worst > 0


@given(designs(max_n=24), st.integers(-3, 3), st.integers(-8, 5))
@settings(max_examples=40)
def test_off_plan_rule_keeps_alpha_for_random_designs(d: SimonDesign, dn1: int, dn: int) -> None:
    n1a = max(1, d.n1 + dn1)
    na = max(n1a, d.n + dn)
    t1 = _rule_type1_error(d, n1a, na)
    if (n1a, na) == (d.n1, d.n):
        assert t1 == pytest.approx(d.actual_alpha, abs=1e-12)  # the plan, as designed
    else:
        assert t1 <= d.alpha + 1e-12


@given(designs(max_n=30), st.integers(-3, 3), st.integers(-8, 5), st.data())
@settings(max_examples=60)
def test_off_plan_go_iff_stagewise_p_value_at_most_alpha(
    d: SimonDesign, dn1: int, dn: int, data: st.DataObject
) -> None:
    n1a = max(1, d.n1 + dn1)
    na = max(n1a, d.n + dn)
    if (n1a, na) == (d.n1, d.n):
        na += 1
    x1 = data.draw(st.integers(0, n1a))
    x2 = data.draw(st.integers(0, na - n1a))
    dec = d.decide(x1, x1 + x2, n_stage1=n1a, n_total=na)
    if x1 <= dec.r1_used:
        assert dec.action == "stop for futility"
    else:
        p = _stagewise_p(dec.r1_used, n1a, na, x1, x1 + x2, d.p0)
        assert dec.go == (p <= d.alpha + 1e-13)


def test_off_plan_stage1_boundary_matches_power_loss() -> None:
    # n1' != n1: largest r1' with P_p1(X1' <= r1') <= P_p1(X1 <= r1)
    d = THERA
    planned = 1 - _sf(d.r1, d.n1, d.p1)
    for n1a in (6, 8, 12, 15):
        dec = d.decide(0, n_stage1=n1a)
        r1a = dec.r1_used
        assert dec.rule == "attained-size boundary"
        assert not dec.on_plan
        if r1a >= 0:
            assert 1 - _sf(r1a, n1a, d.p1) <= planned + 1e-12
        assert 1 - _sf(r1a + 1, n1a, d.p1) > planned
    assert d.decide(0, n_stage1=2).r1_used == -1  # too few patients: no futility stop
    assert d.decide(0, n_stage1=2).action == "continue to stage 2"


def test_decision_inference_without_final_data_raises() -> None:
    with pytest.raises(ValueError, match="continues to stage 2"):
        THERA.decide(5).inference()


@pytest.mark.skipif(
    importlib.util.find_spec("thera_stats.two_stage") is None,
    reason="thera_stats.two_stage (issue 5) is not in the package yet",
)
def test_decisions_agree_with_two_stage_p_values() -> None:
    from thera_stats.two_stage import two_stage_inference

    for n_total in (17, 20, 22, 24):
        for x1 in range(3, 11):
            for x2 in range(0, n_total - 10 + 1, 2):
                dec = THERA.decide(x1, x1 + x2, n_total=n_total)
                res = two_stage_inference(THERA, x1, x1 + x2, n_stage1=10, n_total=n_total)
                p = getattr(res, "p_value", getattr(res, "pvalue", None))
                assert p is not None, "two_stage_inference result has no p_value attribute"
                if n_total == 22:  # on plan the planned r = 7 is the smallest valid boundary
                    assert THERA.r == final_boundary(2, 10, 22, 0.2, 0.05)
                assert dec.go == (p <= THERA.alpha), (x1, x2, n_total, p)
                via = dec.inference()
                assert getattr(via, "p_value", getattr(via, "pvalue", None)) == p


# ----------------------------------------------------------------------------------------
# Reports
# ----------------------------------------------------------------------------------------


def test_design_report_formats() -> None:
    text = design_report(THERA)
    assert "stop for futility if responses <= r1 = 2" in text
    assert "go if total responses > r = 7" in text
    assert "0.8065" in text
    frame = pd.read_csv(StringIO(design_report(THERA, format="csv")))
    assert frame.loc[0, "n"] == 22
    assert frame.loc[0, "actual_alpha"] == pytest.approx(THERA.actual_alpha, abs=1e-15)
    obj = json.loads(design_report(THERA, format="json"))
    assert obj["r1"] == 2
    assert obj["en_p0"] == pytest.approx(THERA.en_p0)
    ss = single_stage_design(0.2, 0.45, alpha=0.05, power=0.8)
    assert "Every n >=" in design_report(ss)
    assert json.loads(design_report(ss, format="json"))["n"] == ss.n
    assert THERA.to_frame().shape == (1, 16)
    assert "<table" in THERA._repr_html_()


# ----------------------------------------------------------------------------------------
# Bad input: clear errors quoting the value
# ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("kwargs", "exc", "match"),
    [
        ({"p0": 0.5, "p1": 0.4}, ValueError, r"`p0` \(0.5\) must be smaller than `p1` \(0.4\)"),
        ({"p0": 0.0, "p1": 0.4}, ValueError, r"`p0` \(0.0\)"),
        ({"p0": 0.2, "p1": 0.4, "alpha": 1.5}, ValueError, r"`alpha` \(1.5\)"),
        ({"p0": 0.2, "p1": 0.4, "power": "high"}, TypeError, r"`power` \('high'\)"),
        ({"p0": 0.1, "p1": 0.3, "alpha": "0.05"}, TypeError, r"`alpha` \('0.05'\) must be a number"),
        ({"p0": 0.1, "p1": 0.3, "power": "0.8"}, TypeError, r"`power` \('0.8'\) must be a number"),
        ({"p0": "0.1", "p1": 0.3}, TypeError, r"`p0` \('0.1'\) must be a number"),
        ({"p0": 0.1, "p1": "0.3"}, TypeError, r"`p1` \('0.3'\) must be a number"),
        ({"p0": 0.1, "p1": 0.3, "alpha": b"0.05"}, TypeError, r"`alpha` \(b'0.05'\)"),
        ({"p0": 0.1, "p1": 0.3, "alpha": True}, TypeError, r"`alpha` \(True\)"),
        (
            {"p0": 0.2, "p1": 0.4, "criterion": "admissible", "weight": "0.5"},
            TypeError,
            r"`weight` \('0.5'\) must be a number",
        ),
        ({"p0": 0.2, "p1": 0.4, "criterion": "best"}, ValueError, r"`criterion` \('best'\)"),
        ({"p0": 0.2, "p1": 0.4, "criterion": "admissible"}, ValueError, "needs `weight`"),
        ({"p0": 0.2, "p1": 0.4, "criterion": "admissible", "weight": 2}, ValueError, r"\(2\)"),
        ({"p0": 0.2, "p1": 0.4, "weight": 0.5}, ValueError, r"`weight` \(0.5\) applies only"),
        ({"p0": 0.2, "p1": 0.4, "n_max": 1}, ValueError, r"`n_max` \(1\)"),
        ({"p0": 0.2, "p1": 0.4, "n_max": 2.5}, TypeError, r"`n_max` \(2.5\)"),
    ],
)
def test_simon_design_bad_input(kwargs: dict, exc: type, match: str) -> None:
    with pytest.raises(exc, match=match):
        simon_design(**kwargs)


@pytest.mark.parametrize(
    ("changes", "match"),
    [
        ({"r1": 10}, r"`r1` \(10\) must be smaller than `n1` \(10\)"),
        ({"n1": 22}, r"`n1` \(22\) must be smaller than `n` \(22\)"),
        ({"r": 1}, r"`r` \(1\) must satisfy"),
        ({"r": 22}, r"`r` \(22\) must satisfy"),
        ({"r1": -1}, r"`r1` \(-1\) must be >= 0"),
        ({"n": True}, r"`n` \(True\) must be an integer"),
        ({"criterion": "Optimal"}, r"`criterion` \('Optimal'\)"),
        ({"weight": -0.1}, r"`weight` \(-0.1\)"),
        ({"p1": 0.1}, r"`p0` \(0.2\) must be smaller than `p1` \(0.1\)"),
    ],
)
def test_simon_design_constructor_validates(changes: dict, match: str) -> None:
    kw = {"p0": 0.2, "p1": 0.45, "alpha": 0.05, "power": 0.8, "r1": 2, "n1": 10, "r": 7, "n": 22}
    kw.update(changes)
    with pytest.raises((ValueError, TypeError), match=match):
        SimonDesign(**kw)


@pytest.mark.parametrize(
    ("args", "kwargs", "match"),
    [
        ((11,), {}, r"`responses_stage1` \(11\) must not exceed the stage-1 size \(10\)"),
        ((3, 2), {}, r"`responses_total` \(2\) must be >= `responses_stage1` \(3\)"),
        ((3, 20), {"n_total": 17}, r"`responses_total` \(20\) implies 17 stage-2 responses"),
        ((3, 5), {"n_total": 8}, r"`n_total` \(8\) must be >= the stage-1 size \(10\)"),
        ((3,), {"n_total": 17}, r"`n_total` \(17\) given without `responses_total`"),
        ((-1,), {}, r"`responses_stage1` \(-1\) must be >= 0"),
        ((3,), {"n_stage1": 0}, r"`n_stage1` \(0\) must be >= 1"),
    ],
)
def test_decide_bad_input(args: tuple, kwargs: dict, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        THERA.decide(*args, **kwargs)


@pytest.mark.parametrize(
    ("call", "match"),
    [
        (lambda: simon_designs(0.1, 0.3, alpha="0.05"), r"`alpha` \('0.05'\)"),
        (lambda: simon_designs(0.1, 0.3, power="0.8"), r"`power` \('0.8'\)"),
        (lambda: simon_designs(0.1, 0.3, en_margin="1"), r"`en_margin` \('1'\)"),
        (lambda: single_stage_design("0.1", 0.3), r"`p0` \('0.1'\)"),
        (lambda: single_stage_design(0.1, 0.3, alpha="0.05"), r"`alpha` \('0.05'\)"),
        (lambda: single_stage_design(0.1, 0.3, power="0.8"), r"`power` \('0.8'\)"),
        (lambda: final_boundary(3, 13, 43, "0.2", 0.05), r"`p0` \('0.2'\)"),
        (lambda: final_boundary(3, 13, 43, 0.2, "0.05"), r"`alpha` \('0.05'\)"),
        (lambda: stage1_boundary(2, 10, 12, "0.45"), r"`p1` \('0.45'\)"),
        (
            lambda: SimonDesign(p0=0.2, p1=0.45, alpha="0.05", power=0.8, r1=2, n1=10, r=7, n=22),
            r"`alpha` \('0.05'\)",
        ),
        (
            lambda: SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power="0.8", r1=2, n1=10, r=7, n=22),
            r"`power` \('0.8'\)",
        ),
    ],
)
def test_probabilities_given_as_strings_raise_type_error(call: Any, match: str) -> None:
    # float("0.05") would parse; a string must not be accepted silently.
    with pytest.raises(TypeError, match=match):
        call()


def test_numpy_scalars_are_accepted_as_probabilities() -> None:
    d = simon_design(np.float64(0.2), np.float32(0.4), alpha=np.asarray(0.05), power=0.8)
    assert (d.r1, d.n1, d.r, d.n) == (3, 13, 12, 43)
    assert final_boundary(np.int64(3), 13, 43, np.float64(0.2), 0.05) == 12


def test_other_bad_input() -> None:
    with pytest.raises(ValueError, match=r"`format` \('xml'\)"):
        design_report(THERA, format="xml")
    with pytest.raises(TypeError, match=r"`design` \(dict\)"):
        design_report({}, format="table")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"`en_margin` \(-1\)"):
        simon_designs(0.2, 0.4, en_margin=-1)
    with pytest.raises(ValueError, match=r"`p` must lie in \[0, 1\]; got .*1\.5"):
        THERA.operating_characteristics([0.2, 1.5])
    with pytest.raises(ValueError, match=r"`n` \(5\) must be >= `n1` \(10\)"):
        prob_go(2, 10, 3, 5, 0.2)
    with pytest.raises(ValueError, match=r"`p1` \(0.2\)"):
        single_stage_design(0.2, 0.2)


def test_public_names() -> None:
    for name in simon.__all__:
        assert hasattr(simon, name)
    assert issubclass(SearchBoundWarning, UserWarning)
    assert Decision.__dataclass_params__.frozen  # type: ignore[attr-defined]


def test_ahern_2001_printed_example() -> None:
    """A'Hern (2001) single-stage design as quoted by Khan, Sarker & Hackshaw (2012),
    Br J Cancer 107:1801-1809 (PMC3504941): p0 = 0.10, p1 = 0.20, alpha = 0.05, power = 0.80
    needs n = 78 patients and at least 13 responses (r = 12), exact alpha 4.53 %, power 80.81 %
    (the paper truncates 80.818 %)."""
    d = single_stage_design(0.10, 0.20, alpha=0.05, power=0.80)
    assert (d.n, d.r) == (78, 12)
    assert round(100 * d.actual_alpha, 2) == 4.53
    assert int(10000 * d.actual_power) / 100 == 80.81


# ----------------------------------------------------------------------------------------
# The engine (issue 11): SimonDesign is MultiStageDesign's K = 2 case, numbers unchanged
# ----------------------------------------------------------------------------------------


def _closed_form_decision(d: SimonDesign, x1: int, xt: int | None, n1a: int, na: int) -> tuple:
    """The off-plan rule written out with the closed forms (stage1_boundary, final_boundary,
    prob_go): action, boundaries, type I error and power, as decide() computed them before
    the engine took over."""
    r1a = stage1_boundary(d.r1, d.n1, n1a, d.p1)
    if xt is None:
        return ("stop for futility" if x1 <= r1a else "continue to stage 2", r1a, None)
    on_plan = (n1a, na) == (d.n1, d.n)
    r = d.r if on_plan else final_boundary(r1a, n1a, na, d.p0, d.alpha)
    action = "stop for futility" if x1 <= r1a else ("go" if xt > r else "no go")
    t1, pw = (float(v) for v in prob_go(r1a, n1a, r, na, [d.p0, d.p1]))
    return (action, r1a, r, t1, pw)


def test_decide_equals_the_closed_form_rule_in_many_cases() -> None:
    rng = np.random.default_rng(2024)
    for _ in range(150):
        n = int(rng.integers(2, 45))
        n1 = int(rng.integers(1, n))
        r1 = int(rng.integers(0, n1))
        r = int(rng.integers(r1, n))
        p0 = float(rng.choice([0.05, 0.1, 0.2, 0.3, 0.5, round(rng.uniform(0.02, 0.8), 3)]))
        p1 = min(0.99, p0 + float(rng.choice([0.1, 0.2, round(rng.uniform(0.02, 0.3), 3)])))
        alpha = float(rng.choice([0.025, 0.05, 0.1, round(rng.uniform(0.01, 0.3), 3)]))
        d = SimonDesign(p0=p0, p1=p1, alpha=alpha, power=0.8, r1=r1, n1=n1, r=r, n=n)
        assert_allclose([d.actual_alpha, d.actual_power, d.pet_p0],
                        [prob_go(r1, n1, r, n, p0), prob_go(r1, n1, r, n, p1),
                         prob_early_stop(r1, n1, p0)], rtol=0, atol=1e-14)
        for _ in range(6):
            n1a = max(1, n1 + int(rng.integers(-4, 5)))
            na = max(n1a, n + int(rng.integers(-8, 7)))
            x1 = int(rng.integers(0, n1a + 1))
            xt = x1 + int(rng.integers(0, na - n1a + 1))
            interim = d.decide(x1, n_stage1=n1a)
            assert (interim.action, interim.r1_used, interim.r_used) == _closed_form_decision(
                d, x1, None, n1a, na)
            dec = d.decide(x1, xt, n_stage1=n1a, n_total=na)
            want = _closed_form_decision(d, x1, xt, n1a, na)
            assert (dec.action, dec.r1_used, dec.r_used) == want[:3]
            assert_allclose([dec.type1_error, dec.power], want[3:], rtol=0, atol=1e-14)
            assert dec.multistage == d.at_sizes(n1a, na)
            assert dec.multistage.futility == (dec.r1_used, dec.r_used)


def test_simon_design_is_the_engine_two_stage_case() -> None:
    ms = THERA.multistage
    assert (ms.sizes, ms.futility, ms.has_efficacy_stop) == ((10, 22), (2, 7), False)
    assert THERA.at_sizes() is ms
    assert THERA.decide(4, 9).multistage is ms
    assert THERA.at_sizes(n_total=17).futility == (2, 6)
    oc = THERA.operating_characteristics([[0.2, 0.45]])
    assert oc.prob_go.shape == (1, 2)
    assert_allclose(oc.prob_go[0], [THERA.actual_alpha, THERA.actual_power], atol=1e-15)
    with pytest.raises(ValueError, match=r"`n_total` \(8\) must be >= the stage-1 size \(10\)"):
        THERA.at_sizes(n_total=8)


def test_decision_inference_is_the_engine_inference_on_the_rule_applied() -> None:
    from thera_stats.multistage_inference import multistage_inference

    dec = THERA.decide(3, 7, n_total=17)
    res = dec.inference()
    engine = multistage_inference(dec.multistage, [3, 7])
    assert res.pvalue == engine.pvalue
    assert res.median_unbiased == engine.median_unbiased
    assert res.confidence_interval(0.9).high == engine.confidence_interval(0.9).high


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        ({"alpha": 0.6}, r"`alpha` \(0.6\) must be below 0.5"),
        ({"alpha": 0.5}, r"`alpha` \(0.5\) must be below 0.5"),
        ({"alpha": 0.0}, r"`alpha` \(0.0\) must be strictly between 0 and 1"),
        ({"alpha": 0.05, "power": 0.04}, r"`power` \(0.04\) must exceed `alpha` \(0.05\)"),
        ({"alpha": 0.2, "power": 0.2}, r"`power` \(0.2\) must exceed `alpha` \(0.2\)"),
        ({"power": 1.0}, r"`power` \(1.0\) must be strictly between 0 and 1"),
    ],
)
def test_degenerate_error_rates_are_clear_errors(kwargs: dict, match: str) -> None:
    """simon_design(0.2, 0.4, alpha=0.6) used to return a degenerate design (0/4, 0/5)."""
    with pytest.raises(ValueError, match=match):
        simon_design(0.2, 0.4, **kwargs)
    with pytest.raises(ValueError, match=match):
        simon_designs(0.2, 0.4, **kwargs)
    with pytest.raises(ValueError, match=match):
        single_stage_design(0.2, 0.4, **kwargs)
    full = {"alpha": 0.05, "power": 0.8, **kwargs}
    with pytest.raises(ValueError, match=match):
        SimonDesign(p0=0.2, p1=0.4, r1=3, n1=13, r=12, n=43, **full)
