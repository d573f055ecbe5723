"""Off-plan rules: references from R (UnplanSimon, OneArmPhaseTwoStudy), exact alpha checks,
properties and bad input."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from thera_stats.conditional_power import conditional_power
from thera_stats.multistage import MultiStageDesign
from thera_stats.off_plan import (
    RULES,
    compare_off_plan_rules,
    conditional_error,
    conditional_error_bound,
    off_plan_rule,
    redesign_conditional_power,
    stage2_size_for_power,
)
from thera_stats.simon import SimonDesign

REF = Path(__file__).parent / "reference" / "off_plan" / "reference.csv"
THERA = MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7])
VIGNETTE = MultiStageDesign(0.25, 0.45, sizes=[14, 44], futility=[3, 14])
DESIGNS = {
    "thera": THERA,
    "vignette": VIGNETTE,
    "minimax": MultiStageDesign(0.1, 0.3, sizes=[15, 25], futility=[1, 5]),
}


def reference() -> pd.DataFrame:
    return pd.read_csv(REF, dtype={"value": str})


# ------------------------------------------------------------------ R references
def test_conditional_error_matches_getCE() -> None:
    ref = reference().query("kind == 'ce'")
    for row in ref.itertuples():
        got = conditional_error(DESIGNS[row.design], int(row.k))
        assert_allclose(got, float(row.value), rtol=1e-12, atol=1e-15)


def test_stage2_bound_and_power_match_get_r2_flex_and_getCP() -> None:
    ref = reference()
    for row in ref.query("kind == 'r2'").itertuples():
        d = DESIGNS[row.design]
        # get_r2_flex returns -1 when the conditional error is 1 ("Y >= -1": always go)
        assert conditional_error_bound(d, int(row.k), int(row.n2)) == max(int(row.value), 0)
    for row in ref.query("kind == 'cp'").itertuples():
        d = DESIGNS[row.design]
        got = redesign_conditional_power(d, int(row.k), int(row.n2))
        if conditional_error(d, int(row.k)) == 0.0:
            # getCP counts P(Y >= l) <= 0 as "go" only where the binomial tail underflows;
            # with no conditional error left nothing can say go (here: 0 both ways or tiny)
            assert got == 0.0
            continue
        assert_allclose(got, float(row.value), rtol=1e-10, atol=1e-14)


def test_ats_matches_unplansimon() -> None:
    # R: ATS_Design(n1, n, n1_star, n_star, r1, r, p0, p1, alpha), see make_reference.R
    for row in reference().query("kind == 'ats'").itertuples():
        n1, n, n1s, ns, r1, r, p0, p1, alpha = (float(v) for v in row.design.split())
        d = MultiStageDesign(p0, p1, sizes=[int(n1), int(n)], futility=[int(r1), int(r)])
        a, c, spent, t1, pw = row.value.split(";")
        got = off_plan_rule(d, [int(n1s), int(ns)], rule="ats", alpha=alpha)
        assert (got.futility[0], got.final_bound) == (int(a), int(c))
        assert_allclose([got.alpha_target, got.type1_error, got.power],
                        [float(spent), float(t1), float(pw)], atol=5e-4)


def test_ats_vignette_values() -> None:
    got = off_plan_rule(VIGNETTE, [11, 41], rule="ats", alpha=0.1)
    assert (got.futility, got.final_bound) == ((2,), 14)
    assert_allclose([got.type1_error, got.power], [0.0597, 0.8537], atol=5e-5)
    pet0 = 1 - off_plan_rule(VIGNETTE, [11, 11], rule="planned", alpha=0.1).type1_error
    assert pet0 > 0  # the planned rule at a single look is a one-stage test
    from scipy import stats
    assert_allclose(stats.binom.cdf(2, 11, 0.25), 0.4552, atol=5e-5)   # PET0 of r1* = 2


def test_atss_matches_unplansimon() -> None:
    got = off_plan_rule(VIGNETTE, [11, 47], rule="atss", alpha=0.1, power=0.9)
    assert (got.futility, got.final_bound, got.redesigned_n) == ((2,), 15, 47)
    assert_allclose([got.type1_error, got.power], [0.0901, 0.9010], atol=5e-5)
    for row in reference().query("kind == 'atss1'").itertuples():
        p0, p1, n1s, alpha, beta = (float(v) for v in row.design.split())
        a, c, nstar, t1, pw = row.value.split(";")
        # any plan with a different stage-1 size triggers the stage-1 redesign
        plan = MultiStageDesign(p0, p1, sizes=[int(n1s) + 1, int(nstar) + 5],
                                futility=[0, 1])
        got = off_plan_rule(plan, [int(n1s), int(nstar)], rule="atss", alpha=alpha,
                            power=1 - beta)
        assert (got.futility[0], got.final_bound, got.redesigned_n) == (
            int(a), int(c), int(nstar))
        assert_allclose([got.type1_error, got.power], [float(t1), float(pw)], atol=5e-4)


def test_atss_stage2_matches_unplansimon() -> None:
    row = reference().query("kind == 'atss2'").iloc[0]
    a, c, t1, pw = row["value"].split(";")
    # ATSS_Design_Stage2(0.05, 0.20, r1* = 1, n1* = 20, n** = 33, 0.10): the r** search
    plan = MultiStageDesign(0.05, 0.2, sizes=[21, 40], futility=[0, 3])
    got = off_plan_rule(plan, [20, 33], rule="atss", alpha=0.1, power=0.9)
    assert got.redesigned_n == 35
    assert (got.futility[0], got.final_bound) == (int(a), int(c))
    assert_allclose([got.type1_error, got.power], [float(t1), float(pw)], atol=5e-4)


# ------------------------------------------------------------------ THERA
def test_thera_table() -> None:
    t = compare_off_plan_rules(THERA, [4, 7], [10, 17], alpha=0.05)
    assert list(t["rule"]) == list(RULES)
    assert dict(zip(t["rule"], t["decision"], strict=True)) == {
        "attained-size": "go", "planned": "no go", "ats": "no go", "atss": "go",
        "conditional-error": "go"}
    assert set(t.columns) >= {"rule", "assumption", "bounds", "decision", "type1_error",
                              "power"}
    promised = t[t["controls_alpha"]]
    assert (promised["type1_error"] <= 0.05).all()


def test_conditional_error_equals_conditional_power_at_p0() -> None:
    for d in DESIGNS.values():
        for x in range(d.sizes[0] + 1):
            assert_allclose(conditional_error(d, x), conditional_power(d, x, d.sizes[0], d.p0),
                            rtol=1e-12, atol=1e-15)


def test_conditional_error_rule_at_planned_size_is_the_plan() -> None:
    for x in range(3, 11):
        assert conditional_error_bound(THERA, x, 12) == max(7 - x + 1, 0)


def test_stage2_size_for_power() -> None:
    n2 = stage2_size_for_power(THERA, 4, power=0.8)
    assert redesign_conditional_power(THERA, 4, n2) >= 0.8
    assert all(redesign_conditional_power(THERA, 4, s) < 0.8 for s in range(n2))
    # default target: the plan's conditional power, reached at the planned 12 or before
    assert stage2_size_for_power(THERA, 4) <= 12
    with pytest.raises(ValueError, match="conditional error is 0"):
        stage2_size_for_power(THERA, 2)


def test_three_look_conditional_error() -> None:
    d = MultiStageDesign(0.2, 0.4, sizes=[10, 20, 30], futility=[1, 4, 8])
    for x in range(d.sizes[1] + 1):
        assert_allclose(conditional_error(d, x, 20), conditional_power(d, x, 20, d.p0),
                        atol=1e-14)
    assert_allclose(conditional_error(d, 0, 0), d.operating_characteristics(0.2).prob_go[0])


# ------------------------------------------------------------------ exact alpha over a grid
GRID_DESIGNS = [
    (THERA, 0.05),
    (VIGNETTE, 0.1),
    (MultiStageDesign(0.1, 0.3, sizes=[15, 25], futility=[1, 5]), 0.1),
    (MultiStageDesign(0.3, 0.5, sizes=[15, 46], futility=[5, 18]), 0.05),
]


@pytest.mark.parametrize(("design", "alpha"), GRID_DESIGNS)
def test_every_rule_keeps_alpha_where_it_promises(design: MultiStageDesign,
                                                  alpha: float) -> None:
    n1, n = design.sizes
    plan_t1 = float(design.operating_characteristics(design.p0).prob_go[0])
    for n1s in range(max(n1 - 3, 2), n1 + 4):
        for ns in range(max(n - 6, n1s), n + 7, 2):
            for rule in RULES:
                if rule == "conditional-error" and n1s != n1:
                    continue
                got = off_plan_rule(design, [n1s, ns], rule=rule, alpha=alpha,
                                    power=0.8 if rule == "atss" else None)
                if rule == "conditional-error":
                    assert got.type1_error <= plan_t1 * (1 + 1e-12)
                elif got.controls_alpha:
                    assert got.type1_error <= got.alpha_target * (1 + 1e-12) <= alpha * (
                        1 + 1e-12), (rule, n1s, ns)
                assert 0.0 <= got.type1_error <= got.power <= 1.0 + 1e-12


@given(st.sampled_from(range(len(GRID_DESIGNS))), st.integers(0, 40), st.integers(0, 40))
def test_conditional_error_rule_keeps_alpha_for_data_dependent_sizes(
        which: int, seed: int, spread: int) -> None:
    """Any map x1 -> new stage size keeps P_p0(go) <= the plan's type I error."""
    design, _ = GRID_DESIGNS[which]
    n1 = design.sizes[0]
    rng = np.random.default_rng(seed)
    sizes = rng.integers(0, spread + 1, size=n1 + 1)
    from scipy import stats
    f = stats.binom.pmf(np.arange(n1 + 1), n1, design.p0)
    total = 0.0
    for x in range(design.futility[0] + 1, n1 + 1):
        s = int(sizes[x])
        r2 = conditional_error_bound(design, x, s)
        total += f[x] * stats.binom.sf(r2 - 1, s, design.p0)
    plan_t1 = float(design.operating_characteristics(design.p0).prob_go[0])
    assert total <= plan_t1 * (1 + 1e-12)


@given(st.integers(1, 25), st.integers(0, 25))
def test_attained_size_rule_bounded_by_alpha(n1s: int, extra: int) -> None:
    got = off_plan_rule(THERA, [n1s, n1s + extra], rule="attained-size", alpha=0.05)
    assert got.type1_error <= 0.05


# ------------------------------------------------------------------ engine and Simon
def test_decide_rule_on_the_engine() -> None:
    dec = THERA.decide([4, 7], [10, 17], alpha=0.05, rule="planned")
    assert dec.action == "no go"
    assert not dec.on_plan
    assert dec.design is not None
    dec = THERA.decide([4, 7], [10, 17], alpha=0.05, rule="conditional-error")
    assert dec.action == "go"
    assert dec.design is None
    assert "conditional-error" in dec.explanation
    assert THERA.decide([3, 7], alpha=0.05, rule="ats").action == "no go"   # on plan
    assert THERA.decide([2], [10, 17], alpha=0.05, rule="ats").action == "stop for futility"


def test_simon_decide_passes_the_rule() -> None:
    d = SimonDesign(p0=0.2, p1=0.45, alpha=0.05, power=0.8, r1=2, n1=10, r=7, n=22)
    dec = d.decide(4, 7, n_total=17, rule="planned")
    assert (dec.action, dec.rule, dec.r_used) == ("no go", "planned", 7)
    dec = d.decide(4, 7, n_total=17, rule="conditional-error")
    assert (dec.action, dec.r_used) == ("go", 6)
    assert dec.type1_error is not None
    assert dec.type1_error <= 0.05
    assert d.decide(4, 7, n_total=17).action == "go"
    with pytest.raises(ValueError, match="must be one of"):
        d.decide(4, 7, n_total=17, rule="green-dahlberg")


# ------------------------------------------------------------------ bad input
def test_unknown_rule_lists_the_rules() -> None:
    with pytest.raises(ValueError, match=r"'nope'.*'attained-size', 'planned'"):
        off_plan_rule(THERA, [10, 17], rule="nope", alpha=0.05)
    with pytest.raises(ValueError, match="must be one of"):
        THERA.decide([4, 7], [10, 17], alpha=0.05, rule="nope")
    with pytest.raises(ValueError, match="must be one of"):
        THERA.decide([4, 7], alpha=0.05, rule="nope")


def test_impossible_sizes() -> None:
    with pytest.raises(ValueError, match="interim looks before the last one reached as planned"):
        off_plan_rule(THERA, [8, 17], rule="conditional-error", alpha=0.05)
    three = MultiStageDesign(0.2, 0.4, sizes=[10, 20, 30], futility=[1, 4, 8])
    with pytest.raises(ValueError, match="two-stage design without efficacy stop"):
        off_plan_rule(three, [10, 20, 25], rule="ats", alpha=0.05)
    with pytest.raises(ValueError, match="both attained sizes"):
        off_plan_rule(THERA, [9], rule="atss", alpha=0.05)
    with pytest.raises(ValueError, match="must not decrease"):
        off_plan_rule(THERA, [10, 9], rule="planned", alpha=0.05)
    with pytest.raises(ValueError, match="planned interim look size"):
        conditional_error(THERA, 3, 9)
    with pytest.raises(ValueError, match="between 0 and the 10 patients"):
        conditional_error(THERA, 11)
    with pytest.raises(TypeError, match="must be a MultiStageDesign"):
        conditional_error("2/10", 3)
    with pytest.raises(ValueError, match="needs `alpha`"):
        THERA.decide([4, 7], [10, 17], rule="planned")
    t = compare_off_plan_rules(three, [3, 6, 9], [10, 20, 25], alpha=0.05)
    assert (t.set_index("rule").loc[["ats", "atss"], "decision"] == "not applicable").all()
