"""The analysis plan (``plan.toml``): every key and rule of the 0.2 format (issue 10).

Every error names its ``section.key``, quotes the value and all problems of a plan are
listed at once. Exact error rates are recomputed here from binomial sums, not taken
from the package.
"""

from __future__ import annotations

import copy
import datetime as dt
import shutil
import tomllib
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.stats import binom

from thera_stats import AnalysisPlan, DataValidationError, synthetic_data_path
from thera_stats.cli import main
from thera_stats.plan import EligibilityRule, plan_toml_text

THERA = synthetic_data_path("thera")
NRS = synthetic_data_path("nrs")
THERA_RAW: dict[str, Any] = tomllib.loads((THERA / "plan.toml").read_text(encoding="utf-8"))

MINIMAL_BINARY: dict[str, Any] = {
    "trial": {"name": "MINI-B", "treatment": "drug X 10 mg"},
    # 11/35 is the optimal single-stage design for p0 = 0.2, p1 = 0.4 (checked below).
    "design": {"type": "single-stage", "p0": 0.2, "p1": 0.4, "alpha": 0.05, "power": 0.8,
               "r": 11, "n": 35},
    "endpoint": {"kind": "binary", "column": "response"},
}
MINIMAL_SCORE: dict[str, Any] = {
    "trial": {"name": "MINI-S", "treatment": "drug Y"},
    "design": {"type": "simon", "p0": 0.2, "p1": 0.45, "alpha": 0.05, "power": 0.8,
               "r1": 2, "n1": 10, "r": 7, "n": 22},
    "endpoint": {"kind": "score", "table": "pain", "column": "nrs", "day": 14,
                 "relative_change": 0.3},
    "schedule": {"days": [0, 14]},
}


# ------------------------------------------------------------------ helpers
def edited(raw: dict[str, Any], **sections: dict[str, Any]) -> dict[str, Any]:
    """A deep copy of ``raw`` with keys set (value ``None`` deletes the key)."""
    out = copy.deepcopy(raw)
    for section, keys in sections.items():
        sec = out.setdefault(section, {})
        for key, value in keys.items():
            if value is None:
                sec.pop(key, None)
            else:
                sec[key] = value
    return out


def thera(**sections: dict[str, Any]) -> dict[str, Any]:
    return edited(THERA_RAW, **sections)


def plan_error(raw: dict[str, Any]) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        AnalysisPlan.from_dict(raw)
    return info.value


def assert_problem(err: DataValidationError, key: str, rule: str,
                   value: str | None = None) -> None:
    """Exactly one problem names ``key`` with ``rule`` in its text; the message quotes it."""
    p = err.problems
    hit = p[(p["column"] == key) & p["rule"].str.contains(rule, regex=False)]
    assert len(hit) == 1, f"expected one {key!r} problem '{rule}' in\n{p.to_string()}"
    assert (hit["table"] == "plan").all()
    message = str(err)
    assert f"column {key}" in message
    if value is not None:
        assert hit["value"].iat[0] == value
        assert f"value {value!r}" in message


def two_stage_rates(r1: int, n1: int, r: int, n: int, p: float) -> float:
    """P_p(X1 > r1, X1 + X2 > r): sum over x1 > r1 of b(x1; n1, p) P(X2 > r - x1; n - n1, p)."""
    return float(sum(binom.pmf(x1, n1, p) * binom.sf(r - x1, n - n1, p)
                     for x1 in range(r1 + 1, n1 + 1)))


# ------------------------------------------------------------------ minimal plans
def test_minimal_binary_plan_loads_with_documented_defaults() -> None:
    plan = AnalysisPlan.from_dict(copy.deepcopy(MINIMAL_BINARY))
    assert plan.name == "MINI-B"
    assert plan.trial.treatment == "drug X 10 mg"
    assert plan.design.type == "single-stage"
    assert plan.design.r1 is None
    assert plan.design.n1 is None
    assert plan.design.criterion == "custom"
    assert plan.endpoint.kind == "binary"
    assert plan.endpoint.column == "response"
    assert plan.endpoint.missing == "non-responder"
    assert not plan.is_score
    assert plan.schedule is None
    assert plan.treatment is None
    assert plan.eligibility == ()
    assert plan.population == "treated"
    assert plan.confidence_level == 0.90
    assert plan.data_cutoff is None
    assert plan.adam is None
    assert plan.notes == ()
    # 11/35 really meets alpha and power at p0 = 0.2, p1 = 0.4 (binomial tails).
    assert binom.sf(11, 35, 0.2) <= 0.05
    assert binom.sf(11, 35, 0.4) >= 0.8


def test_minimal_score_plan_loads_with_documented_defaults() -> None:
    plan = AnalysisPlan.from_dict(copy.deepcopy(MINIMAL_SCORE))
    assert plan.is_score
    ep = plan.endpoint
    assert (ep.table, ep.column, ep.day, ep.relative_change) == ("pain", "nrs", 14, 0.3)
    assert ep.absolute_change is None
    assert (ep.better, ep.combine, ep.missing, ep.unit, ep.range) == (
        "lower", "and", "non-responder", "", None)
    assert ep.name == "nrs"  # no label: the column
    assert plan.schedule is not None
    assert plan.schedule.days == (0, 14)
    assert plan.schedule.windows == (0, 0)
    assert plan.baseline_day == 0
    assert plan.score_confidence_level == 0.95
    assert (plan.design.r1, plan.design.n1, plan.design.r, plan.design.n) == (2, 10, 7, 22)


@pytest.mark.parametrize("name", ["thera", "nrs"])
def test_bundled_plans_load(name: str) -> None:
    plan = AnalysisPlan.from_toml(synthetic_data_path(name) / "plan.toml")
    assert plan.notes == ()
    assert plan.is_score


def test_thera_plan_reads_every_section() -> None:
    plan = AnalysisPlan.from_toml(THERA / "plan.toml")
    assert plan.trial.registration == "NCT02263638"
    assert plan.trial.note.startswith("Illustrative")
    assert plan.treatment is not None
    assert (plan.treatment.column, plan.treatment.planned) == ("injections_received", 5)
    assert [r.describe() for r in plan.eligibility] == [
        "age_years >= 18", 'hfe_genotype == "C282Y/C282Y"', "baseline > 40"]
    assert plan.data_cutoff == dt.date(2017, 6, 30)
    assert plan.auc_days == (0, 5)
    assert plan.endpoint.unit_suffix == " mm"


def test_nrs_plan_describes_without_unit() -> None:
    plan = AnalysisPlan.from_toml(NRS / "plan.toml")
    assert plan.endpoint.unit == ""
    assert plan.endpoint.unit_suffix == ""
    text = plan.endpoint.describe()
    assert "mm" not in text.split()
    assert "at least 30 % and at least 2 on day 14" in text
    assert plan.schedule is not None
    assert plan.schedule.describe() == (
        "days 0, 7, 14, 28 (+/- 2 days)")


# ------------------------------------------------------------------ sections and keys
def test_trial_treatment_is_required() -> None:
    err = plan_error(thera(trial={"treatment": None}))
    assert_problem(err, "trial.treatment", "required key is missing")


def test_required_sections() -> None:
    raw = copy.deepcopy(THERA_RAW)
    del raw["trial"], raw["design"]
    err = plan_error(raw)
    assert_problem(err, "[trial]", "required section is missing")
    assert_problem(err, "[design]", "required section is missing")


@pytest.mark.parametrize("key", ["name", "treatment"])
def test_trial_name_and_treatment_must_not_be_blank(key: str) -> None:
    plan_error(thera(trial={key: "  "}))


def test_unknown_section_and_key() -> None:
    raw = thera(trial={"sponsor": "ACME"}, design={"alfa": 0.05})
    raw["extras"] = {"x": 1}
    err = plan_error(raw)
    assert_problem(err, "[extras]", "unknown section (check the spelling)")
    assert_problem(err, "trial.sponsor", "unknown key (check the spelling)", "ACME")
    assert_problem(err, "design.alfa", "unknown key", "0.05")
    assert len(err.problems) == 3


def test_renamed_section_and_key_get_a_hint() -> None:
    raw = thera(analysis={"vas_confidence_level": 0.95})
    raw["primary_endpoint"] = {"day": 8}
    err = plan_error(raw)
    assert_problem(err, "[primary_endpoint]", "renamed [endpoint]")
    assert_problem(err, "analysis.vas_confidence_level",
                   "renamed analysis.score_confidence_level", "0.95")


@pytest.mark.parametrize(("section", "key", "value", "rule"), [
    ("design", "type", "three-stage", "must be one of 'simon', 'single-stage'"),
    ("design", "criterion", "best", "must be one of 'optimal'"),
    ("design", "p0", 1.2, "strictly between 0 and 1"),
    ("design", "n", 22.5, "must be a whole number"),
    ("design", "r", True, "must be a whole number"),
    ("endpoint", "kind", "continuous", "must be one of 'score', 'binary'"),
    ("endpoint", "better", "down", "must be one of 'lower', 'higher'"),
    ("endpoint", "combine", "xor", "must be one of 'and', 'or'"),
    ("endpoint", "missing", "impute", "must be one of 'non-responder', 'exclude'"),
    ("endpoint", "range", [100, 0], "must be [low, high]"),
    ("endpoint", "relative_change", 50, "at most 1 (100 %) when lower is better"),
    ("endpoint", "relative_change", -0.5, "must be a positive number"),
    ("endpoint", "absolute_change", -20, "must be a positive number"),
    ("endpoint", "column", " ", "must be a non-empty name"),
    ("treatment", "planned", 0, "must be a whole number >= 1"),
    ("analysis", "population", "itt", "must be one of 'enrolled'"),
    ("analysis", "data_cutoff", "31/12/2016", "must be a date YYYY-MM-DD"),
    ("analysis", "confidence_level", 90, "strictly between 0 and 1"),
    ("analysis", "auc_days", [5, 0], "must be [start, end]"),
    ("schedule", "window", -1, "must be a whole number of days >= 0"),
])
def test_key_types_are_checked(section: str, key: str, value: Any, rule: str) -> None:
    err = plan_error(thera(**{section: {key: value}}))
    assert_problem(err, f"{section}.{key}", rule)
    assert f"column {section}.{key}" in str(err)


def test_every_problem_is_listed_at_once() -> None:
    raw = thera(trial={"sponsor": "x"}, design={"p1": 0.1, "alpha": 0.7},
                endpoint={"better": "down", "range": [0, 10]},
                analysis={"population": "all", "confidence_level": 2})
    err = plan_error(raw)
    keys = set(err.problems["column"])
    assert {"trial.sponsor", "design.p1", "design.alpha", "endpoint.better",
            "endpoint.absolute_change", "analysis.population",
            "analysis.confidence_level"} <= keys
    assert "error(s)" in str(err)
    assert str(err).startswith("analysis plan")


def test_design_error_rates_are_reported_with_other_problems() -> None:
    err = plan_error(thera(trial={"sponsor": "x"}, design={"r1": 0, "n1": 5, "r": 2}))
    assert set(err.problems["column"]) == {"trial.sponsor", "design"}


def test_plan_file_not_toml_and_not_utf8(tmp_path: Path) -> None:
    bad = tmp_path / "plan.toml"
    bad.write_text("[trial\nname = 1\n", encoding="utf-8")
    with pytest.raises(DataValidationError, match=r"plan\.toml is not valid TOML"):
        AnalysisPlan.from_toml(bad)
    bad.write_bytes(b'[trial]\nname = "\xff"\n')
    with pytest.raises(DataValidationError, match="not UTF-8"):
        AnalysisPlan.from_toml(bad)


# ------------------------------------------------------------------ item 4: the design agrees
def test_two_stage_boundaries_above_alpha_quote_the_exact_type_i_error() -> None:
    size = float(sum(binom.pmf(x1, 5, 0.2) * binom.sf(2 - x1, 17, 0.2) for x1 in range(1, 6)))
    assert size == pytest.approx(two_stage_rates(0, 5, 2, 22, 0.2), abs=1e-15)
    err = plan_error(thera(design={"r1": 0, "n1": 5, "r": 2, "n": 22}))
    assert_problem(err, "design", "exact type I error", "r1/n1 = 0/5, r/n = 2/22")
    message = str(err)
    assert f"{size:.4f}" in message
    assert "design.alpha = 0.05" in message
    assert "p0 = 0.2" in message


def test_two_stage_power_below_target_quotes_both() -> None:
    power = two_stage_rates(2, 10, 9, 22, 0.45)
    assert power < 0.8
    err = plan_error(thera(design={"r": 9}))
    assert_problem(err, "design", "exact power", "r1/n1 = 2/10, r/n = 9/22")
    assert f"{power:.4f}" in str(err)
    assert "design.power = 0.8" in str(err)


def test_exact_error_rates_match_binomial_sums() -> None:
    plan = AnalysisPlan.from_toml(THERA / "plan.toml")
    size, power = plan.design.exact_error_rates()
    assert size == pytest.approx(two_stage_rates(2, 10, 7, 22, 0.2), abs=1e-14)
    assert power == pytest.approx(two_stage_rates(2, 10, 7, 22, 0.45), abs=1e-14)
    single = AnalysisPlan.from_dict(copy.deepcopy(MINIMAL_BINARY)).design
    s_size, s_power = single.exact_error_rates()
    assert s_size == pytest.approx(binom.sf(11, 35, 0.2), abs=1e-14)
    assert s_power == pytest.approx(binom.sf(11, 35, 0.4), abs=1e-14)


def test_not_the_criterions_design_is_a_note() -> None:
    # THERA's 2/10, 7/22 is Simon's optimal design; the minimax design is 2/13, 7/21.
    plan = AnalysisPlan.from_dict(thera(design={"criterion": "minimax"}))
    assert len(plan.notes) == 1
    note = plan.notes[0]
    assert "not the minimax design" in note
    assert "r1/n1 = 2/10, r/n = 7/22" in note
    assert "2/13, 7/21" in note
    size = two_stage_rates(2, 10, 7, 22, 0.2)
    assert f"{size:.4f}" in note
    # Notes do not make plans differ.
    assert plan == AnalysisPlan.from_dict(thera(design={"criterion": "minimax"}))


def test_custom_and_admissible_criteria_give_no_note() -> None:
    for criterion in ("custom", "admissible"):
        assert AnalysisPlan.from_dict(thera(design={"criterion": criterion})).notes == ()


def test_validate_prints_the_plan_note(tmp_path: Path,
                                       capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "thera"
    shutil.copytree(THERA, folder)
    path = folder / "plan.toml"
    path.write_text(path.read_text(encoding="utf-8").replace(
        'criterion = "optimal"', 'criterion = "minimax"'), encoding="utf-8")
    assert main(["validate", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "not the minimax design" in out
    assert "2/13, 7/21" in out


@pytest.mark.parametrize("alpha", [0.5, 0.7])
def test_alpha_must_be_below_one_half(alpha: float) -> None:
    err = plan_error(thera(design={"alpha": alpha}))
    assert_problem(err, "design.alpha", "must be in (0, 0.5)", str(alpha))


@pytest.mark.parametrize("alpha", [0, -0.1, 1.0])
def test_alpha_must_be_positive(alpha: float) -> None:
    err = plan_error(thera(design={"alpha": alpha}))
    assert_problem(err, "design.alpha", "strictly between 0 and 1", str(alpha))


@pytest.mark.parametrize("power", [0.05, 0.03])
def test_power_must_exceed_alpha(power: float) -> None:
    err = plan_error(thera(design={"power": power}))
    assert_problem(err, "design.power", "must be in (alpha, 1) = (0.05, 1)", str(power))


def test_p1_must_exceed_p0() -> None:
    err = plan_error(thera(design={"p1": 0.2}))
    assert_problem(err, "design.p1", "must be greater than design.p0", "0.2")


def test_simon_boundaries_need_r1_n1_and_order() -> None:
    err = plan_error(thera(design={"r1": None, "n1": None}))
    assert_problem(err, "design.r1", "required for a Simon two-stage design")
    assert_problem(err, "design.n1", "required for a Simon two-stage design")
    err = plan_error(thera(design={"n1": 25}))
    assert_problem(err, "design.n1", "need r1 < n1 < n", "25")
    err = plan_error(thera(design={"r": 1}))
    assert_problem(err, "design.r", "need r1 <= r < n", "1")


def test_single_stage_above_alpha_closed_form() -> None:
    size = float(binom.sf(5, 35, 0.2))  # P(X > 5), X ~ Bin(35, 0.2)
    err = plan_error(edited(MINIMAL_BINARY, design={"r": 5}))
    assert_problem(err, "design", "exact type I error", "r/n = 5/35")
    assert f"{size:.4f}" in str(err)
    assert "design.alpha = 0.05" in str(err)


def test_single_stage_power_below_target_closed_form() -> None:
    power = float(binom.sf(14, 35, 0.4))
    err = plan_error(edited(MINIMAL_BINARY, design={"r": 14}))
    assert_problem(err, "design", "exact power", "r/n = 14/35")
    assert f"{power:.4f}" in str(err)
    assert "design.power = 0.8" in str(err)


def test_single_stage_rejects_stage_one_keys_and_r_not_below_n() -> None:
    err = plan_error(edited(MINIMAL_BINARY, design={"r1": 2, "n1": 10}))
    assert_problem(err, "design.r1", "not used by a single-stage design", "2")
    assert_problem(err, "design.n1", "not used by a single-stage design", "10")
    err = plan_error(edited(MINIMAL_BINARY, design={"r": 35}))
    assert_problem(err, "design.r", "must be less than design.n", "35")


def test_single_stage_not_the_optimal_design_is_a_note() -> None:
    plan = AnalysisPlan.from_dict(edited(MINIMAL_BINARY, design={
        "criterion": "optimal", "r": 12, "n": 38}))
    assert binom.sf(12, 38, 0.2) <= 0.05
    assert binom.sf(12, 38, 0.4) >= 0.8
    assert len(plan.notes) == 1
    assert "not the optimal design" in plan.notes[0]
    assert "(11/35)" in plan.notes[0]
    assert AnalysisPlan.from_dict(edited(MINIMAL_BINARY, design={
        "criterion": "optimal"})).notes == ()


def test_single_stage_not_the_minimax_design_is_a_note() -> None:
    plan = AnalysisPlan.from_dict(edited(MINIMAL_BINARY, design={
        "criterion": "minimax", "r": 12, "n": 38}))
    assert len(plan.notes) == 1


# ------------------------------------------------------------------ eligibility
@pytest.mark.parametrize(("op", "value", "x", "holds"), [
    ("==", "C282Y/C282Y", "C282Y/C282Y", True),
    ("==", "C282Y/C282Y", "C282Y/H63D", False),
    ("!=", "F", "M", True),
    ("!=", "F", "F", False),
    (">", 40, 40.5, True),
    (">", 40, 40, False),
    (">=", 18, 18, True),
    (">=", 18, 17.9, False),
    ("<", 80, 79, True),
    ("<", 80, 80, False),
    ("<=", 80, 80, True),
    ("<=", 80, 81, False),
    ("in", [2, 3], 3, True),
    ("in", [2, 3], 4, False),
    ("not in", ["X", "Y"], "Z", True),
    ("not in", ["X", "Y"], "X", False),
])
def test_eligibility_every_op(op: str, value: Any, x: Any, holds: bool) -> None:
    raw = thera(eligibility={"rules": [{"column": "c", "op": op, "value": value}]})
    plan = AnalysisPlan.from_dict(raw)
    (rule,) = plan.eligibility
    assert rule == EligibilityRule("c", op, tuple(value) if isinstance(value, list) else value)
    assert rule.holds(x) is holds


def test_eligibility_rules_are_checked_each_with_its_index() -> None:
    err = plan_error(thera(eligibility={"rules": [
        {"column": "a", "op": "=>", "value": 1},
        {"column": "b", "op": "in", "value": 3},
        {"column": "c", "op": ">", "value": "x"},
        {"column": "d", "op": "==", "value": 1, "colour": 2},
        {"column": "e", "op": "not in", "value": []},
        {"column": "f", "op": "<="},
        {"column": "g", "op": ">=", "value": True},
    ]}))
    assert_problem(err, "eligibility.rules[1].op", "must be one of '=='", "=>")
    assert_problem(err, "eligibility.rules[2].value", "must be a non-empty list for 'in'", "3")
    assert_problem(err, "eligibility.rules[3].value", "must be a number for '>'", "x")
    assert_problem(err, "eligibility.rules[4].colour", "unknown key", "2")
    assert_problem(err, "eligibility.rules[5].value", "non-empty list for 'not in'", "[]")
    assert_problem(err, "eligibility.rules[6].value", "required key is missing")
    assert_problem(err, "eligibility.rules[7].value", "must be a number for '>='", "True")
    assert len(err.problems) == 7


def test_eligibility_rules_must_be_a_list_of_tables() -> None:
    err = plan_error(thera(eligibility={"rules": {"column": "a"}}))
    assert_problem(err, "eligibility.rules", "must be a list")
    err = plan_error(thera(eligibility={"rules": ["age >= 18"]}))
    assert_problem(err, "eligibility.rules[1]", "must be a table", "age >= 18")


def test_baseline_rule_needs_a_score_endpoint() -> None:
    raw = edited(MINIMAL_BINARY, eligibility={"rules": [
        {"column": "baseline", "op": ">", "value": 40}]})
    err = plan_error(raw)
    assert_problem(err, "eligibility.rules", "needs a score endpoint", "baseline > 40")


# ------------------------------------------------------------------ schedule
@pytest.mark.parametrize("days", [[0, 2, 1], [0, 8, 8], [], [0, -1], [0, 1.5], "0, 8"])
def test_schedule_days_must_increase(days: Any) -> None:
    err = plan_error(thera(schedule={"days": days}))
    assert_problem(err, "schedule.days", "in increasing order")


def test_schedule_window_int_or_list() -> None:
    windows = [0, 0, 0, 0, 0, 0, 2, 3, 5]
    plan = AnalysisPlan.from_dict(thera(schedule={"window": windows}))
    assert plan.schedule is not None
    assert plan.schedule.windows == tuple(windows)
    assert plan.schedule.visit(10) == 8
    assert plan.schedule.visit(6) == 8
    assert plan.schedule.visit(11) is None
    assert plan.schedule.visit(12) == 15
    assert plan.schedule.visit(35) == 30
    nrs = AnalysisPlan.from_toml(NRS / "plan.toml")
    assert nrs.schedule is not None
    assert nrs.schedule.windows == (2, 2, 2, 2)


def test_schedule_window_list_length_must_match() -> None:
    err = plan_error(thera(schedule={"window": [0, 1]}))
    assert_problem(err, "schedule.window", "has 2 windows for 9 scheduled days", "[0, 1]")


@pytest.mark.parametrize(("window", "pair"), [
    (1, "days 0 and 1"),                              # 0+1 >= 1-1
    ([0, 0, 0, 0, 0, 1, 2, 3, 3], "days 4 and 5"),    # 4 >= 5-1
    ([0, 0, 0, 0, 0, 0, 2, 5, 5], "days 8 and 15"),   # 10 >= 10: day 10 in both
])
def test_overlapping_windows(window: Any, pair: str) -> None:
    err = plan_error(thera(schedule={"window": window}))
    assert_problem(err, "schedule.window", f"the windows of {pair} overlap")


def test_touching_but_disjoint_windows_are_fine() -> None:
    # day 8 +/- 2 is 6..10 and day 15 +/- 4 is 11..19: adjacent, not overlapping.
    plan = AnalysisPlan.from_dict(thera(schedule={"window": [0, 0, 0, 0, 0, 0, 2, 4, 5]}))
    assert plan.schedule is not None
    assert plan.schedule.visit(11) == 15


def test_baseline_and_endpoint_days_must_be_scheduled() -> None:
    err = plan_error(thera(analysis={"baseline_day": 7}, endpoint={"day": 9}))
    assert_problem(err, "analysis.baseline_day", "must be one of schedule.days", "7")
    assert_problem(err, "endpoint.day", "must be one of schedule.days", "9")


def test_endpoint_day_after_baseline() -> None:
    err = plan_error(thera(analysis={"baseline_day": 8}))
    assert_problem(err, "endpoint.day", "must be after the baseline day (8)", "8")


def test_auc_days_must_be_scheduled() -> None:
    err = plan_error(thera(analysis={"auc_days": [0, 6]}))
    assert_problem(err, "analysis.auc_days", "day 6 is not in schedule.days", "[0, 6]")


# ------------------------------------------------------------------ endpoint
def test_score_endpoint_requirements() -> None:
    raw = thera(endpoint={"table": None, "day": None, "relative_change": None,
                          "absolute_change": None})
    del raw["schedule"]
    raw["analysis"].pop("auc_days")
    err = plan_error(raw)
    assert_problem(err, "endpoint.table", "required for kind = \"score\"")
    assert_problem(err, "endpoint.day", "required for kind = \"score\"")
    assert_problem(err, "endpoint", "give relative_change, absolute_change or both")
    assert_problem(err, "[schedule]", "required for kind = \"score\"")


@pytest.mark.parametrize(("rel", "abs_"), [(0.5, None), (None, 20)])
def test_one_threshold_is_enough(rel: float | None, abs_: float | None) -> None:
    plan = AnalysisPlan.from_dict(thera(endpoint={"relative_change": rel,
                                                  "absolute_change": abs_}))
    assert plan.endpoint.relative_change == rel
    assert plan.endpoint.absolute_change == abs_


def test_binary_endpoint_rejects_score_only_keys() -> None:
    raw = edited(MINIMAL_BINARY, endpoint={
        "table": "vas", "label": "VAS", "unit": "mm", "range": [0, 100], "better": "lower",
        "day": 8, "relative_change": 0.5, "absolute_change": 20, "combine": "and"},
        analysis={"score_confidence_level": 0.95})
    err = plan_error(raw)
    for key in ("table", "label", "unit", "range", "better", "day", "relative_change",
                "absolute_change", "combine"):
        assert_problem(err, f"endpoint.{key}", 'only for kind = "score"')
    assert_problem(err, "analysis.score_confidence_level", "only for a score endpoint")
    assert len(err.problems) == 10


def test_errors_quote_the_value_as_written() -> None:
    raw = edited(MINIMAL_BINARY, endpoint={"range": [0, 100]}, analysis={"auc_days": [0, 5]})
    err = plan_error(raw)
    assert_problem(err, "endpoint.range", 'only for kind = "score"', "[0, 100]")
    assert_problem(err, "analysis.auc_days", "only for a score endpoint", "[0, 5]")


def test_absolute_change_larger_than_range() -> None:
    err = plan_error(thera(endpoint={"absolute_change": 120}))
    assert_problem(err, "endpoint.absolute_change", "larger than the whole range [0, 100]")
    assert "120" in str(err)
    # Exactly the width of the range is still possible.
    AnalysisPlan.from_dict(thera(endpoint={"absolute_change": 100}))


def test_score_table_must_not_be_another_table() -> None:
    err = plan_error(thera(endpoint={"table": "patients"}))
    assert_problem(err, "endpoint.table", "must name the score's own long table", "patients")


def test_adam_section() -> None:
    plan = AnalysisPlan.from_dict(thera(adam={"bds": "adqs", "paramcd": "PAINVAS"}))
    assert plan.adam is not None
    assert plan.adam.day == "ADY"
    err = plan_error(thera(adam={"bds": "adqs", "paramcd": "PAINVAS", "day": "VISITNUM"}))
    assert_problem(err, "adam.day", "must be one of 'ADY', 'AVISITN'", "VISITNUM")
    err = plan_error(thera(adam={"bds": "adqs"}))
    assert_problem(err, "adam.paramcd", "required key is missing")


def test_data_cutoff_accepts_toml_date_and_text() -> None:
    a = AnalysisPlan.from_dict(thera(analysis={"data_cutoff": dt.date(2017, 6, 30)}))
    b = AnalysisPlan.from_dict(thera(analysis={"data_cutoff": "2017-06-30"}))
    assert a.data_cutoff == b.data_cutoff == dt.date(2017, 6, 30)
    c = AnalysisPlan.from_dict(tomllib.loads(
        plan_toml_text(THERA_RAW).replace('"2017-06-30"', "2017-06-30")))
    assert c == a


# ------------------------------------------------------------------ round trips
@pytest.mark.parametrize("name", ["thera", "nrs"])
def test_bundled_plans_round_trip(name: str) -> None:
    plan = AnalysisPlan.from_toml(synthetic_data_path(name) / "plan.toml")
    assert AnalysisPlan.from_dict(plan.to_dict()) == plan
    text = plan_toml_text(plan)
    assert AnalysisPlan.from_dict(tomllib.loads(text)) == plan
    assert plan_toml_text(AnalysisPlan.from_dict(tomllib.loads(text))) == text


def test_minimal_plans_round_trip() -> None:
    for raw in (MINIMAL_BINARY, MINIMAL_SCORE):
        plan = AnalysisPlan.from_dict(copy.deepcopy(raw))
        assert AnalysisPlan.from_dict(plan.to_dict()) == plan
        assert AnalysisPlan.from_dict(tomllib.loads(plan_toml_text(plan))) == plan


def test_round_trip_of_text_with_a_line_break() -> None:
    plan = AnalysisPlan.from_dict(thera(trial={"note": "first line\nsecond line"}))
    assert AnalysisPlan.from_dict(tomllib.loads(plan_toml_text(plan))) == plan


# Designs that meet their targets (checked with binomial sums in the property test).
_DESIGNS = [
    {"type": "simon", "p0": 0.2, "p1": 0.45, "alpha": 0.05, "power": 0.8,
     "r1": 2, "n1": 10, "r": 7, "n": 22},
    {"type": "simon", "p0": 0.3, "p1": 0.5, "alpha": 0.05, "power": 0.8,
     "r1": 6, "n1": 19, "r": 16, "n": 39},
    {"type": "single-stage", "p0": 0.2, "p1": 0.4, "alpha": 0.05, "power": 0.8,
     "r": 11, "n": 35},
]
_safe_text = st.text(
    st.characters(blacklist_categories=("Cs", "Cc")), min_size=1, max_size=20,
).filter(lambda s: s.strip() != "")
_names = st.from_regex(r"[a-z][a-z0-9_]{0,11}", fullmatch=True)
_rule_values = st.one_of(st.integers(-5, 200), _safe_text, st.booleans(),
                         st.floats(-10, 10, allow_nan=False).filter(lambda v: v != 0))


@st.composite
def _rules(draw: st.DrawFn, *, score: bool) -> list[dict[str, Any]]:
    out = []
    for _ in range(draw(st.integers(0, 3))):
        op = draw(st.sampled_from(["==", "!=", ">", ">=", "<", "<=", "in", "not in"]))
        column = "baseline" if score and draw(st.booleans()) else draw(_names)
        if op in ("in", "not in"):
            value: Any = draw(st.lists(st.one_of(st.integers(0, 9), _safe_text),
                                       min_size=1, max_size=3))
        elif op in ("==", "!="):
            value = draw(_rule_values)
        else:
            value = draw(st.one_of(st.integers(-5, 200), st.floats(-50, 50)))
        out.append({"column": column, "op": op, "value": value})
    return out


@st.composite
def valid_plans(draw: st.DrawFn) -> dict[str, Any]:
    design = dict(draw(st.sampled_from(_DESIGNS)))
    design["criterion"] = draw(st.sampled_from(["custom", "admissible"]))
    raw: dict[str, Any] = {
        "trial": {"name": draw(_safe_text), "treatment": draw(_safe_text)},
        "design": design,
    }
    if draw(st.booleans()):
        raw["trial"]["registration"] = draw(_safe_text)
    if draw(st.booleans()):
        raw["trial"]["note"] = draw(_safe_text)
    score = draw(st.booleans())
    analysis: dict[str, Any] = {
        "population": draw(st.sampled_from(["enrolled", "treated", "per-protocol"])),
        "confidence_level": draw(st.sampled_from([0.8, 0.9, 0.95])),
    }
    if draw(st.booleans()):
        analysis["data_cutoff"] = draw(st.dates(dt.date(2000, 1, 1),
                                                dt.date(2030, 12, 31))).isoformat()
    if score:
        gaps = draw(st.lists(st.integers(1, 10), min_size=1, max_size=6))
        start = draw(st.integers(0, 3))
        days = [start]
        for g in gaps:
            days.append(days[-1] + g)
        # Windows small enough never to overlap: at most (gap - 1) // 2 on either side.
        limits = [min(([(gaps[i - 1] - 1) // 2] if i else []) + ([(gaps[i] - 1) // 2]
                                                                  if i < len(gaps) else []))
                  for i in range(len(days))]
        window: Any = (draw(st.integers(0, min(limits))) if draw(st.booleans()) else
                       [draw(st.integers(0, lim)) for lim in limits])
        low = draw(st.integers(-10, 10))
        high = low + draw(st.integers(1, 100))
        endpoint: dict[str, Any] = {
            "kind": "score", "table": draw(_names.filter(
                lambda s: s not in ("patients", "adverse_events", "plan"))),
            "column": draw(_names), "label": draw(_safe_text),
            "range": [low, high], "better": draw(st.sampled_from(["lower", "higher"])),
            "day": draw(st.sampled_from(days[1:])),
            "combine": draw(st.sampled_from(["and", "or"])),
            "missing": draw(st.sampled_from(["non-responder", "exclude"])),
        }
        if draw(st.booleans()):
            endpoint["unit"] = draw(_safe_text)
        which = draw(st.sampled_from(["rel", "abs", "both"]))
        if which in ("rel", "both"):
            endpoint["relative_change"] = draw(st.floats(0.01, 0.99))
        if which in ("abs", "both"):
            endpoint["absolute_change"] = draw(st.floats(0.5, float(high - low)))
        raw["endpoint"] = endpoint
        raw["schedule"] = {"days": days, "window": window}
        analysis["baseline_day"] = days[0]
        analysis["score_confidence_level"] = draw(st.sampled_from([0.9, 0.95]))
        if draw(st.booleans()):
            pair = sorted(draw(st.lists(st.sampled_from(days), min_size=2, max_size=2,
                                        unique=True)))
            analysis["auc_days"] = pair
    else:
        raw["endpoint"] = {"kind": "binary", "column": draw(_names),
                           "missing": draw(st.sampled_from(["non-responder", "exclude"]))}
    rules = draw(_rules(score=score))
    if rules:
        raw["eligibility"] = {"rules": rules}
    if draw(st.booleans()):
        raw["treatment"] = {"column": draw(_names), "planned": draw(st.integers(1, 30))}
    raw["analysis"] = analysis
    if score and draw(st.booleans()):
        raw["adam"] = {"bds": "adqs", "paramcd": "SCORE",
                       "day": draw(st.sampled_from(["ADY", "AVISITN"]))}
    return raw


@settings(max_examples=60)  # the deterministic profile otherwise; ~3 s
@given(valid_plans())
def test_generated_plans_round_trip(raw: dict[str, Any]) -> None:
    plan = AnalysisPlan.from_dict(copy.deepcopy(raw))
    d = plan.design
    size, power = d.exact_error_rates()
    if d.type == "simon":
        assert d.r1 is not None
        assert d.n1 is not None
        assert size == pytest.approx(two_stage_rates(d.r1, d.n1, d.r, d.n, d.p0), abs=1e-12)
    assert size <= d.alpha
    assert power >= d.power
    again = AnalysisPlan.from_dict(plan.to_dict())
    assert again == plan
    text = plan_toml_text(plan)
    parsed = AnalysisPlan.from_dict(tomllib.loads(text))
    assert parsed == plan
    assert plan_toml_text(parsed) == text
    assert plan_toml_text(plan.to_dict()) == text


# ------------------------------------------------------------------ plan and data together
def _thera_frames() -> tuple[pd.DataFrame, pd.DataFrame]:
    patients = pd.read_csv(THERA / "patients.csv", dtype=str, keep_default_na=False)
    vas = pd.read_csv(THERA / "vas.csv", dtype=str, keep_default_na=False)
    return patients, vas


def test_eligibility_on_a_plan_column_missing_from_the_table() -> None:
    from thera_stats import Trial

    plan = AnalysisPlan.from_dict(thera(eligibility={"rules": [
        {"column": "ecog", "op": "<=", "value": 1}]}))
    patients, vas = _thera_frames()
    with pytest.raises(DataValidationError) as info:
        Trial.from_frames(patients, vas, None, plan)
    p = info.value.problems
    assert ((p["column"] == "ecog") & p["rule"].str.contains("required column is missing")).any()


def test_eligibility_on_a_missing_standard_column() -> None:
    from thera_stats import Trial

    plan = AnalysisPlan.from_dict(thera(eligibility={"rules": [
        {"column": "sex", "op": "==", "value": "F"}]}))
    patients, vas = _thera_frames()
    with pytest.raises(DataValidationError, match="sex"):
        Trial.from_frames(patients.drop(columns=["sex"]), vas, None, plan)
