"""``monitor``: where an ongoing trial stands, on the bundled trials at several cut-offs.

The counts are checked against the raw CSV files read here with pandas (enrolment
dates, the day-8 VAS rule) and against the final analysis at the data cut-off; the
probabilities against closed forms: the Beta posterior tail, the binomial tail of
the conditional power and the beta-binomial tail of the predictive power when one
analysis is left.
"""

from __future__ import annotations

import datetime as dt
import json

import pandas as pd
import pytest
from scipy import stats

import thera_stats as ts
from thera_stats.cli import main
from thera_stats.monitor import monitor, trial_as_of

THERA = ts.synthetic_data_path("thera")
NRS = ts.synthetic_data_path("nrs")


def raw_thera_responders(as_of: dt.date) -> tuple[int, int, int]:
    """(enrolled, evaluable, responders) from the CSV files: day-8 VAS at least 50 % and
    20 mm below baseline (the THERA plan), missing counted as non-response."""
    patients = pd.read_csv(THERA / "patients.csv", parse_dates=["enrolment_date"])
    vas = pd.read_csv(THERA / "vas.csv")
    patients = patients[patients["enrolment_date"] <= pd.Timestamp(as_of)]
    due = patients["enrolment_date"] + pd.Timedelta(days=8)
    evaluable = patients[due <= pd.Timestamp(as_of)]
    wide = vas.pivot(index="patient_id", columns="day", values="vas_mm")
    base, day8 = wide[0], wide[8]
    drop = base - day8
    responder = (drop >= 0.5 * base) & (drop >= 20)
    x = int(responder.reindex(evaluable["patient_id"]).fillna(False).sum())
    return len(patients), len(evaluable), x


@pytest.mark.parametrize("as_of", [dt.date(2015, 3, 1), dt.date(2015, 12, 1),
                                   dt.date(2016, 9, 1), dt.date(2017, 6, 30)])
def test_counts_at_each_cutoff_match_the_raw_files(as_of: dt.date) -> None:
    status = monitor(ts.load_trial(THERA), as_of=as_of)
    enrolled, evaluable, x = raw_thera_responders(as_of)
    assert (status.enrolled, status.evaluable, status.responses) == (enrolled, evaluable, x)
    assert status.pending == enrolled - evaluable


def test_at_the_data_cutoff_monitor_agrees_with_the_analysis() -> None:
    trial = ts.load_trial(THERA)
    status = monitor(trial)  # default: the plan's data_cutoff
    result = ts.analyze(trial)
    assert status.as_of == trial.plan.data_cutoff
    assert (status.evaluable, status.responses) == (result.n_total, result.responses_total)
    assert status.look_counts == (result.responses_stage1,)


def test_probabilities_are_the_closed_forms_after_look_one() -> None:
    # THERA on 2016-09-01: 5 of 11, look 1 passed (4 of 10 > r1 = 2); "go" iff X > 7 at 22.
    status = monitor(ts.load_trial(THERA), as_of=dt.date(2016, 9, 1))
    assert status.decision is not None
    assert status.decision.action == "continue"
    x, n, m, need = 5, 11, 11, 3
    assert status.posterior_probability == pytest.approx(
        stats.beta.sf(0.2, 0.5 + x, 0.5 + n - x), abs=1e-12)
    cp = status.conditional_power.set_index("scenario")["probability"]
    assert cp["under p1"] == pytest.approx(stats.binom.sf(need - 1, m, 0.45), abs=1e-12)
    assert cp["under p0"] == pytest.approx(stats.binom.sf(need - 1, m, 0.2), abs=1e-12)
    assert cp["under the current estimate"] == pytest.approx(
        stats.binom.sf(need - 1, m, x / n), abs=1e-12)
    assert status.predictive_power == pytest.approx(
        stats.betabinom.sf(need - 1, m, 0.5 + x, 0.5 + n - x), abs=1e-12)
    ahead = status.looks_ahead
    assert ahead["n"].tolist() == [22]
    assert ahead["stop_for_futility_if_at_most"].tolist() == [need - 1]
    assert '"go" needs at least 3 more responses' in str(status)


def test_before_the_first_look_the_bounds_ahead_are_listed() -> None:
    status = monitor(ts.load_trial(THERA), as_of=dt.date(2015, 3, 1))
    assert status.decision is None
    assert status.pending == 1  # THR-002, enrolled 2015-02-23: day 8 falls on 2015-03-03
    assert status.looks_ahead["look"].tolist() == [1, 2]
    assert "no look passed yet" in str(status)


def test_a_trial_the_rule_has_ended_reports_the_decision() -> None:
    status = monitor(ts.load_trial(NRS))
    result = ts.analyze(ts.load_trial(NRS))
    assert status.stopped
    assert status.decision is not None
    assert status.decision.go == result.go
    assert status.looks_ahead.empty
    assert status.predictive_power == float(status.decision.go)


def test_the_prior_is_used_and_checked() -> None:
    trial = ts.load_trial(THERA)
    status = monitor(trial, as_of=dt.date(2016, 9, 1), prior=(0.2, 0.8))
    assert status.posterior_probability == pytest.approx(stats.beta.sf(0.2, 5.2, 6.8),
                                                         abs=1e-12)
    with pytest.raises(ValueError, match="positive"):
        monitor(trial, prior=(-1, 1))


def test_trial_as_of_does_not_modify_the_trial() -> None:
    trial = ts.load_trial(THERA)
    before = trial.patients.copy()
    early = trial_as_of(trial, dt.date(2015, 6, 1))
    pd.testing.assert_frame_equal(trial.patients, before)
    assert len(early.patients) == 3
    assert early.score is not None
    start = early.patients.set_index("patient_id")["enrolment_date"]
    when = pd.to_datetime(early.score["patient_id"].map(start)) + pd.to_timedelta(
        early.score["assessment_day"], unit="D")
    assert (when <= pd.Timestamp("2015-06-01")).all()


def test_cli_monitor_text_and_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["monitor", str(THERA), "--as-of", "2016-09-01"]) == 0
    out = capsys.readouterr().out
    assert "Responses: 5 of 11" in out
    assert main(["monitor", str(THERA), "--as-of", "2016-09-01", "--format", "json"]) == 0
    record = json.loads(capsys.readouterr().out)
    assert record["look_counts"] == [4]
    assert record["decision"]["action"] == "continue"


def test_cli_monitor_bad_input(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["monitor", "--as-of", "2016-13-01"])
    assert "YYYY-MM-DD" in capsys.readouterr().err
    assert main(["monitor", "--prior", "0,1"]) == 2
    assert "positive" in capsys.readouterr().err


def test_before_the_first_enrolment_nothing_is_estimated() -> None:
    status = monitor(ts.load_trial(NRS), as_of=dt.date(2015, 12, 1))
    assert (status.enrolled, status.evaluable, status.responses) == (0, 0, 0)
    assert status.conditional_power["scenario"].tolist() == ["under p0", "under p1"]
    # Prior predictive power of the design: the rule's P(go) averaged over Beta(0.5, 0.5).
    from scipy import integrate

    d = status.design
    ref, _ = integrate.quad(lambda p: float(d.operating_characteristics(p).prob_go[0])
                            * stats.beta.pdf(p, 0.5, 0.5), 0, 1, limit=200)
    assert status.predictive_power == pytest.approx(ref, abs=1e-7)


def test_a_futility_bound_already_passed_is_said_so(tmp_path) -> None:
    from thera_stats.multistage import MultiStageDesign

    trial = ts.load_trial(THERA)
    design = MultiStageDesign(0.2, 0.45, [10, 15, 22], [2, 3, 7])
    plan = trial.plan
    import dataclasses

    ms = dataclasses.replace(plan.design, type="multistage", r1=None, n1=None, r=7, n=22,
                             sizes=(10, 15, 22), futility=(2, 3, 7))
    trial = dataclasses.replace(trial, plan=dataclasses.replace(plan, design=ms))
    status = monitor(trial, as_of=dt.date(2016, 9, 1))  # 5 of 11: above look 2's bound 3
    assert status.design == design
    assert "no futility stop possible (already more than 3 responses)" in str(status)
