"""A plan may name any design of the engine (``[design] type = "multistage"``).

THERA's data under a BOP2-style three-look plan: the plan is checked, the stages are
the planned looks, the decision is the design's (off plan at 17 of 22), the
design-adjusted p-value and the interim outlook are checked against direct
enumeration of the stage-wise outcomes, and a multi-stage plan with Simon's bounds
gives Simon's numbers.
"""

from __future__ import annotations

import datetime as dt
import itertools
import shutil
import tomllib
from pathlib import Path

import pandas as pd
import pytest
from scipy import stats

import thera_stats as ts
from thera_stats.cli import main
from thera_stats.errors import DataValidationError
from thera_stats.monitor import monitor

THERA = ts.synthetic_data_path("thera")
SIMON_BLOCK = """type = "simon"
criterion = "optimal"
p0 = 0.2
p1 = 0.45
alpha = 0.05
power = 0.8
r1 = 2
n1 = 10
r = 7
n = 22
"""


def trial_with_design(folder: Path, design: str) -> Path:
    shutil.copytree(THERA, folder)
    path = folder / "plan.toml"
    text = path.read_text(encoding="utf-8")
    assert SIMON_BLOCK in text
    path.write_text(text.replace(SIMON_BLOCK, design), encoding="utf-8")
    return folder


BOP2 = """type = "multistage"
family = "bop2"
p0 = 0.2
p1 = 0.45
alpha = 0.05
power = 0.8
sizes = [10, 15, 22]
futility = [2, 3, 7]
prior = [0.2, 0.8]
"""


def prob_go_paths(sizes: list[int], futility: list[int], final: int, p: float) -> float:
    """P(go) by enumerating every stage-wise outcome (y_1, ..., y_K): futility stops only."""
    steps = [sizes[0]] + [b - a for a, b in itertools.pairwise(sizes)]
    total = 0.0
    for ys in itertools.product(*[range(m + 1) for m in steps]):
        prob, x, alive = 1.0, 0, True
        for k, (m, y) in enumerate(zip(steps, ys, strict=True)):
            prob *= stats.binom.pmf(y, m, p)
            x += y
            if k < len(steps) - 1 and x <= futility[k]:
                alive = False
                break
        if alive and x > final:
            total += prob
    return total


def test_bop2_plan_validates_describes_and_round_trips(tmp_path: Path) -> None:
    folder = trial_with_design(tmp_path / "t", BOP2)
    trial = ts.load_trial(folder)
    d = trial.plan.design
    assert (d.type, d.family, d.sizes, d.futility, d.prior) == (
        "multistage", "bop2", (10, 15, 22), (2, 3, 7), (0.2, 0.8))
    assert (d.r, d.n) == (7, 22)
    assert d.describe().startswith("BOP2 design, 3 looks")
    alpha, power = d.exact_error_rates()
    assert alpha == pytest.approx(prob_go_paths([10, 15, 22], [2, 3], 7, 0.2), abs=1e-12)
    assert power == pytest.approx(prob_go_paths([10, 15, 22], [2, 3], 7, 0.45), abs=1e-12)
    again = ts.AnalysisPlan.from_dict(tomllib.loads(ts.plan_toml_text(trial.plan)))
    assert again.design == d
    pop = trial.population()
    assert pop.groupby("stage").size().tolist() == [10, 5, 2]


def test_off_plan_decision_and_p_value_against_enumeration(tmp_path: Path) -> None:
    result = ts.analyze(ts.load_trial(trial_with_design(tmp_path / "t", BOP2)))
    dec = result.decision
    assert not dec.on_plan
    assert dec.design.sizes == (10, 15, 17)
    final = dec.design.futility[-1]
    # The final bound at 17 patients: the smallest keeping P_p0(go) <= alpha.
    assert prob_go_paths([10, 15, 17], [2, 3], final, 0.2) <= 0.05
    assert prob_go_paths([10, 15, 17], [2, 3], final - 1, 0.2) > 0.05
    assert result.go == (final < 7)
    # Stage-wise p-value of 7 of 17 after 4/10, 7/15: outcomes at the last look with
    # at least 7 responses (no efficacy stop exists).
    assert result.adjusted.pvalue == pytest.approx(
        prob_go_paths([10, 15, 17], [2, 3], 6, 0.2), abs=1e-12)
    memo = result.memo()
    assert "BOP2 design, 3 looks" in memo
    assert "look 1: 4 / 10; look 2: 7 / 15; look 3: 7 / 17" in memo
    assert "multi-stage median-unbiased" in memo


def test_interim_analysis_after_a_complete_look(tmp_path: Path) -> None:
    folder = trial_with_design(tmp_path / "t", BOP2)
    patients = pd.read_csv(folder / "patients.csv")
    keep = patients.iloc[:15]
    keep.to_csv(folder / "patients.csv", index=False)
    for name in ("vas", "adverse_events"):
        t = pd.read_csv(folder / f"{name}.csv")
        t[t["patient_id"].isin(keep["patient_id"])].to_csv(folder / f"{name}.csv", index=False)
    result = ts.analyze(ts.load_trial(folder))
    assert result.decision.action == "continue"
    assert result.is_interim
    out = result.interim
    assert (out.responses_stage1, out.n_stage1, out.n_stage2) == (7, 15, 7)
    cp = out.conditional_power.set_index("scenario")["probability"]
    # One analysis left: P(Bin(7, p) >= 7 - 7 + 1).
    assert cp["under p1"] == pytest.approx(stats.binom.sf(0, 7, 0.45), abs=1e-12)


def test_simon_bounds_as_a_multistage_plan_give_simons_numbers(tmp_path: Path) -> None:
    ms = SIMON_BLOCK.replace('type = "simon"', 'type = "multistage"').replace(
        'criterion = "optimal"\n', "").replace("r1 = 2\nn1 = 10\nr = 7\nn = 22\n",
                                                 "sizes = [10, 22]\nfutility = [2, 7]\n")
    a = ts.analyze(ts.load_trial(trial_with_design(tmp_path / "ms", ms)))
    b = ts.analyze(ts.load_trial(THERA))
    assert a.go == b.go
    assert a.adjusted.pvalue == pytest.approx(b.adjusted.pvalue, abs=1e-12)
    assert a.adjusted.umvue == pytest.approx(b.adjusted.umvue, abs=1e-12)
    ca, cb = a.adjusted_interval, b.adjusted_interval
    assert (ca.low, ca.high) == pytest.approx((cb.low, cb.high), abs=1e-9)


def test_monitor_uses_the_plans_prior(tmp_path: Path) -> None:
    trial = ts.load_trial(trial_with_design(tmp_path / "t", BOP2))
    status = monitor(trial, as_of=dt.date(2016, 9, 1))
    assert (status.prior.a, status.prior.b) == (0.2, 0.8)
    assert status.posterior_probability == pytest.approx(
        stats.beta.sf(0.2, 0.2 + 5, 0.8 + 6), abs=1e-12)


def test_figures_and_report_follow_a_multistage_plan(tmp_path: Path,
                                                     capsys: pytest.CaptureFixture[str]) -> None:
    folder = trial_with_design(tmp_path / "t", BOP2)
    assert main(["figures", str(folder), "--out", str(tmp_path / "fig")]) == 0
    names = {p.name for p in (tmp_path / "fig").iterdir()}
    assert {"operating_characteristics.png", "two_stage_path.png"} <= names
    capsys.readouterr()


@pytest.mark.parametrize(("design", "message"), [
    (BOP2.replace("sizes = [10, 15, 22]\n", ""), "design.sizes"),
    (BOP2.replace("futility = [2, 3, 7]", "futility = [2, 1, 7]"), "must not decrease"),
    (BOP2.replace("futility = [2, 3, 7]", "futility = [2, 3, 4]"), "exact type I error"),
    (BOP2 + "r = 7\n", 'not used by type = "multistage"'),
    (BOP2.replace("prior = [0.2, 0.8]", "prior = [0, 1]"), "two positive numbers"),
    (BOP2.replace("sizes = [10, 15, 22]", "sizes = [10, 0, 22]"), ">= 1"),
    (SIMON_BLOCK + "sizes = [10, 22]\n", 'only for type = "multistage"'),
])
def test_bad_multistage_plans_are_listed(tmp_path: Path, design: str, message: str) -> None:
    folder = trial_with_design(tmp_path / "t", design)
    with pytest.raises(DataValidationError, match=message.replace("(", r"\(")):
        ts.load_trial(folder)


def test_type_bop2_is_a_multistage_design_of_that_family(tmp_path: Path) -> None:
    design = BOP2.replace('type = "multistage"\nfamily = "bop2"\n', 'type = "bop2"\n')
    trial = ts.load_trial(trial_with_design(tmp_path / "t", design))
    assert (trial.plan.design.type, trial.plan.design.family) == ("multistage", "bop2")
    bad = BOP2.replace('type = "multistage"\nfamily = "bop2"\n',
                       'type = "predictive"\nfamily = "bop2"\n')
    with pytest.raises(DataValidationError, match="contradicts"):
        ts.load_trial(trial_with_design(tmp_path / "u", bad))


def test_the_pre_specified_off_plan_rule_decides(tmp_path: Path) -> None:
    # THERA (4/10, then 7/17 of a planned 2/10, 7/22): the planned rule says "no go",
    # the attained-size rule "go" (final bound 6 at 17: P_p0(go) <= alpha, checked by
    # enumeration in test_off_plan_decision_and_p_value_against_enumeration).
    planned = SIMON_BLOCK + 'off_plan_rule = "planned"\n'
    result = ts.analyze(ts.load_trial(trial_with_design(tmp_path / "t", planned)))
    assert result.decision.action == "no go"
    rules = result.off_plan_rules.set_index("rule")
    assert rules.loc["planned", "pre_specified"]
    assert rules.loc["attained-size", "decision"] == "go"
    # The planned rule at 17: P_p0(X1 > 2, X > 7) for n1 = 10, n = 17, by enumeration.
    assert rules.loc["planned", "type1_error"] == pytest.approx(
        prob_go_paths([10, 17], [2], 7, 0.2), abs=1e-12)
    memo = result.memo()
    assert "Robustness of the decision" in memo
    assert "the plan pre-specifies the planned rule" in memo
    assert "planned: no go" in memo
    assert "off_plan_rules" in result.tables()


def test_on_plan_trials_have_no_off_plan_table() -> None:
    result = ts.analyze(ts.load_trial(ts.synthetic_data_path("nrs")))
    assert result.off_plan_rules is None
    assert result.robustness is not None


def test_single_stage_plans_refuse_interim_rules(tmp_path: Path) -> None:
    single = ('type = "single-stage"\ncriterion = "custom"\np0 = 0.2\np1 = 0.45\nalpha = 0.05\n'
              'power = 0.8\nr = 7\nn = 22\noff_plan_rule = "ats"\n')
    with pytest.raises(DataValidationError, match="needs an interim look"):
        ts.load_trial(trial_with_design(tmp_path / "t", single))
