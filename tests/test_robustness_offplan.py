"""Robustness of ``monitor`` and of the decision's sensitivity analysis off plan.

Reviewer cases 01-04: ``monitor`` when an outcome is already certain (the final "go"
reached before the last look, a futility stop certain, "go" no longer possible), and
the robustness re-analysis (:func:`~thera_stats.sensitivity.endpoint_sensitivity`) of
a trial whose variant populations the plan's rule cannot decide directly: a binding
stop at look 1 of a Mander-Thompson design at an attained size other than the plan's,
and the conditional-error rule with stage 1 not as planned. Each trial is a small
binary-endpoint folder written here from ``thera-stats init --endpoint binary``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import pytest

import thera_stats as ts
from thera_stats.cli import main
from thera_stats.monitor import _ahead_text, monitor
from thera_stats.multistage import MultiStageDesign
from thera_stats.multistage_inference import multistage_inference
from thera_stats.sensitivity import endpoint_sensitivity
from thera_stats.template import write_template

SIMON = "r1 = 3\nn1 = 13\nr = 12\nn = 43\n"   # the binary template's design lines
HEADER = ("patient_id,site,sex,age_years,enrolment_date,doses_received,withdrawn,"
          "withdrawal_day,withdrawal_reason,response")


def binary_trial(folder: Path, responses: str, *, design: str | None = None,
                 missing: str = "non-responder") -> Path:
    """A binary-endpoint trial folder: one patient per character of ``responses``
    ("1" responds, "0" does not, "." missing), enrolled a day apart from 2025-03-01.
    ``design`` replaces the template's Simon design lines."""
    write_template(folder, endpoint="binary")
    plan = folder / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    text = text.replace("# data_cutoff = 2025-06-30  ", "data_cutoff = 2025-10-31    ")
    if design is not None:
        assert SIMON in text
        text = text.replace(SIMON, design)
        if "type =" in design:   # the design replaces the template's Simon design
            text = "\n".join(line for line in text.splitlines()
                             if not line.startswith(('type = "simon"', "criterion ="))) + "\n"
    assert 'missing = "non-responder"' in text
    text = text.replace('missing = "non-responder"', f'missing = "{missing}"')
    plan.write_text(text, encoding="utf-8")
    cell = {"1": "true", "0": "false", ".": ""}
    day0 = dt.date(2025, 3, 1)
    rows = [HEADER] + [
        f"P{i + 1:02d},A,F,50,{(day0 + dt.timedelta(days=i)).isoformat()},14,false,,,{cell[c]}"
        for i, c in enumerate(responses)]
    (folder / "patients.csv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return folder


# ------------------------------------------------------------------ monitor (cases 01, 02)
def test_monitor_says_the_final_go_is_already_reached(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # Case 02: 25 of 25 respond, more than r = 12 of 43: "go" is certain at look 2.
    folder = binary_trial(tmp_path / "t", "1" * 25)
    assert main(["monitor", str(folder)]) == 0
    out = capsys.readouterr().out
    assert ('Ahead, final analysis at 43 patients (18 to go): the final "go" is already '
            "reached: 25 responses, more than the final boundary 12") in out
    assert main(["monitor", str(folder), "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    (last,) = record["looks_ahead"]
    assert (last["look"], last["efficacy"], last["stop_for_futility_if_at_most"]) == (2, 12, None)
    assert record["responses"] > last["efficacy"]       # the JSON says the same
    assert record["predictive_power"] == 1.0


def test_monitor_before_the_first_look_with_go_already_reached(tmp_path: Path) -> None:
    # No look passed yet (25 of a first look at 30), every bound ahead already passed.
    design = 'type = "multistage"\nsizes = [30, 43]\nfutility = [2, 13]\n'
    status = monitor(ts.load_trial(binary_trial(tmp_path / "t", "1" * 25, design=design)))
    assert status.decision is None
    text = str(status)
    assert "Rule: no look passed yet" in text
    assert ("Ahead, look 1 at 30 patients (5 to go): no futility stop possible (already "
            "more than 2 responses)") in text
    assert 'the final "go" is already reached: 25 responses, more than the final boundary 13' \
        in text


def test_monitor_futility_stop_certain(tmp_path: Path) -> None:
    status = monitor(ts.load_trial(binary_trial(tmp_path / "t", "0" * 12)))
    text = str(status)
    assert ("Ahead, look 1 at 13 patients (1 to go): a stop for futility is certain: even "
            "1 more response leaves at most the futility bound 3") in text
    assert '"go" needs at least 13 more responses' in text


def test_monitor_go_no_longer_possible(tmp_path: Path) -> None:
    design = 'type = "multistage"\nsizes = [13, 43]\nfutility = [-1, 13]\n'
    status = monitor(ts.load_trial(binary_trial(tmp_path / "t", "0" * 35, design=design)))
    assert status.decision is not None
    assert status.decision.action == "continue"
    assert ('Ahead, final analysis at 43 patients (8 to go): "go" is no longer possible: it '
            "needs more than 13 responses, at least 14 more responses, and only 8 patients "
            "are to go") in str(status)


def test_monitor_after_the_last_look_reports_the_decision(tmp_path: Path) -> None:
    status = monitor(ts.load_trial(binary_trial(tmp_path / "t", "1" * 45)))
    assert status.stopped
    assert status.decision is not None
    assert status.decision.action == "go"
    assert status.looks_ahead.empty
    assert "Ahead" not in str(status)


THREE_STAGE = MultiStageDesign(0.2, 0.4, sizes=[10, 20, 30], futility=[1, 4, 9],
                               efficacy=[6, 8])
THREE_OUTCOME = MultiStageDesign(0.2, 0.4, sizes=[10, 30], futility=[1, 8],
                                 efficacy=[None, 10])


@pytest.mark.parametrize(("design", "look", "x", "to_go", "expected"), [
    (THREE_STAGE, 2, 9, 5, "no futility stop possible (already more than 4 responses); a stop "
                           "for efficacy is certain (already more than 8 responses)"),
    (THREE_STAGE, 2, 2, 3, "stop for futility if at most 2 more responses; no stop for "
                           "efficacy possible (it needs at least 7 more responses, only 3 "
                           "patients are to go)"),
    (THREE_STAGE, 2, 3, 6, "stop for futility if at most 1 more response; stop for efficacy "
                           "if at least 6 more responses"),
    (THREE_OUTCOME, 2, 9, 5, '"go" needs at least 2 more responses; "no go" is no longer '
                             "possible (already more than 8 responses)"),
    (THREE_OUTCOME, 2, 5, 10, '"go" needs at least 6 more responses; "no go" if at most 3 '
                              "more responses"),
    (THREE_OUTCOME, 2, 11, 4, 'the final "go" is already reached: 11 responses, more than '
                              "the final boundary 10, whatever the 4 patients to go show"),
])
def test_every_look_ahead_has_a_sentence(design: MultiStageDesign, look: int, x: int,
                                         to_go: int, expected: str) -> None:
    assert _ahead_text(design, look, x, to_go) == expected


# ------------------------------------------------------------------ sensitivity (case 03)
# Mander-Thompson's optimal design for p0 = 0.2, p1 = 0.4 (thera-stats design --family
# mander-thompson): stop at 13 patients for futility if at most 3 respond, for efficacy if
# more than 7 do.
MANDER_THOMPSON = ('type = "multistage"\nfamily = "mander-thompson"\nsizes = [13, 43]\n'
                   "futility = [3, 12]\nefficacy = [7]\n")
# Look 1 (13 patients): 8 responses, 1 missing; the trial went on to 25 patients.
STOPPED_AT_LOOK_1 = "1111.11110000" + "101000100.00"


def test_a_variant_past_a_binding_stop_is_decided_at_that_stop(tmp_path: Path) -> None:
    trial = ts.load_trial(binary_trial(tmp_path / "t", STOPPED_AT_LOOK_1,
                                       design=MANDER_THOMPSON))
    result = ts.analyze(trial)            # raised "later counts cannot change ..." before
    assert result.decision.action == "stop for efficacy"
    assert result.robustness is not None
    table = result.robustness.table.set_index("scenario")
    row = table.loc["complete case (missing excluded)"]
    # Missing excluded: 8 of 12 at look 1, more than the look-1 efficacy bound of the rule
    # at the attained sizes [12, 23]: the trial stops there, as the primary analysis does.
    assert (row["n"], row["n_stage1"], row["responders_stage1"]) == (23, 12, 8)
    assert row["decision"] == "stop for efficacy"
    assert bool(row["go"])
    rule = trial.plan.design.to_multistage().at_sizes([12, 23], alpha=trial.plan.design.alpha)
    assert rule.efficacy[0] < 8
    ref = multistage_inference(rule, [8])
    assert row["estimate"] == pytest.approx(float(ref.median_unbiased), abs=1e-12)
    assert row["pvalue"] == pytest.approx(float(ref.pvalue), abs=1e-12)
    assert "the stop is binding, so the 11 later patients do not change" in row["note"]
    assert "attained sizes [12, 23]" in row["note"]
    assert result.robustness.notes == ()


def test_cli_analyze_of_a_trial_past_a_binding_stop(
        tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = binary_trial(tmp_path / "t", STOPPED_AT_LOOK_1, design=MANDER_THOMPSON)
    assert main(["analyze", str(folder)]) == 0
    out = capsys.readouterr().out
    assert "complete case (missing excluded): 11/23, stop for efficacy" in out


# ------------------------------------------------------------------ sensitivity (case 04)
CONDITIONAL_ERROR = SIMON + 'off_plan_rule = "conditional-error"\n'
# Stage 1 (13 patients): 6 responses, one missing; 30 patients when the trial stopped.
ENDED_AT_30 = "1101.10010100" + "10010001000100100"


def test_a_variant_the_rule_cannot_decide_is_not_applicable(tmp_path: Path) -> None:
    trial = ts.load_trial(binary_trial(tmp_path / "t", ENDED_AT_30, design=CONDITIONAL_ERROR))
    result = ts.analyze(trial)            # raised "needs the interim looks ..." before
    assert result.decision.action == "go"
    sens = result.robustness
    assert sens is not None
    table = sens.table.set_index("scenario")
    row = table.loc["complete case (missing excluded)"]
    assert (row["n"], row["n_stage1"]) == (29, 12)
    assert row["decision"] == "not applicable"
    assert not row["go"]
    assert all(math.isnan(row[c]) for c in ("estimate", "ci_low", "ci_high", "pvalue"))
    assert "rule 'conditional-error' needs the interim looks" in row["note"]
    assert "attained [12, 29], planned [13, 43]" in row["note"]
    (note,) = sens.notes
    assert note.startswith("Not applicable (1 analysis: 'complete case (missing excluded)'): "
                           "rule 'conditional-error'")
    summary = sens.summary()
    assert "not applicable: rule 'conditional-error' needs the interim looks" in summary
    # The tipping point leaves out the assignments the rule cannot decide, and says so.
    assert sens.tipping_point.n_changed is None
    assert "Left out: 1 assignment of the missing patient that the plan's rule cannot " \
        "decide (rule 'conditional-error'" in sens.tipping_point.explanation
    # The primary row is the analysis's own.
    assert sens.primary["decision"] == "go"
    assert sens.primary["note"] == ""


def test_the_figure_shows_a_row_that_is_not_applicable(tmp_path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from thera_stats.plotting import sensitivity_plot

    trial = ts.load_trial(binary_trial(tmp_path / "t", ENDED_AT_30, design=CONDITIONAL_ERROR))
    (ax,) = sensitivity_plot(endpoint_sensitivity(trial))
    labels = [t.get_text() for t in ax.texts]
    assert any(t.endswith("/29  not applicable") for t in labels)
    plt.close(ax.figure)


def test_the_primary_analysis_the_rule_cannot_decide_still_raises(tmp_path: Path) -> None:
    # Missing excluded is the plan's own rule here: stage 1 has 12 of the planned 13, and
    # the conditional-error rule cannot decide the primary analysis: that is an error.
    trial = ts.load_trial(binary_trial(tmp_path / "t", ENDED_AT_30, design=CONDITIONAL_ERROR,
                                       missing="exclude"))
    with pytest.raises(ValueError, match="rule 'conditional-error' needs the interim looks"):
        endpoint_sensitivity(trial)
    with pytest.raises(ValueError, match="rule 'conditional-error' needs the interim looks"):
        ts.analyze(trial)


# ------------------------------------------------------------------ primary analysis past a binding stop
def test_the_primary_analysis_past_an_off_plan_binding_stop(tmp_path: Path) -> None:
    """With missing excluded the primary analysis itself has look 1 at 12 patients (planned
    13): the rule at the attained sizes [12, 23] stops for efficacy there, and the decision
    and inference are those of a trial that stopped at look 1 (they raised "later counts
    cannot change a binding decision" before)."""
    trial = ts.load_trial(binary_trial(tmp_path / "t", STOPPED_AT_LOOK_1,
                                       design=MANDER_THOMPSON, missing="exclude"))
    result = ts.analyze(trial)
    assert result.decision.action == "stop for efficacy"
    assert result.decision.look == 1
    rule = trial.plan.design.to_multistage().at_sizes([12, 23], alpha=trial.plan.design.alpha)
    ref = multistage_inference(rule, [8])
    assert result.adjusted is not None
    assert float(result.adjusted.pvalue) == pytest.approx(float(ref.pvalue), abs=1e-12)
    # every off-plan rule: the two that apply decide at the binding stop, the others say why
    rules = result.off_plan_rules.set_index("rule")
    assert rules.loc["attained-size", "decision"] == "stop for efficacy"
    assert rules.loc["planned", "decision"] == "stop for efficacy"
    assert rules.loc["ats", "decision"] == "not applicable"
    memo = result.memo()
    assert "ats: not applicable (rule 'ats' (UnplanSimon) needs a two-stage design" in memo
