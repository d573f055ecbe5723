"""Small and unfinished trials: what the memo says when the data are few.

Found by a robustness review on trials other than the bundled ones: a stage 1 with
2 of its 10 patients, a repeated-measures model that cannot be fitted on 5 patients, a
three-stage interim look and counts of one.
"""

from __future__ import annotations

import dataclasses
import math

import pytest

import thera_stats as ts
from thera_stats.decision import InterimOutlook
from thera_stats.errors import DataValidationError, one_line
from thera_stats.formatting import format_count


def test_one_line_keeps_every_problem() -> None:
    err = DataValidationError(
        [{"table": "score", "column": "day", "value": "-2", "rule": "day must not be negative"},
         {"table": "score", "column": "value", "value": "x", "rule": "must be a number"}],
        context="score table")
    line = one_line(err)
    assert "\n" not in line
    assert line.startswith("score table: 2 error(s):")
    assert "day must not be negative" in line
    assert "must be a number" in line
    assert one_line(ValueError("plain")) == "plain"


def test_mmrm_not_fitted_says_why() -> None:
    # 5 patients, 8 post-baseline days: an unstructured covariance has 8 * 9 / 2 = 36
    # parameters and needs at least days + 1 = 9 patients.
    analysis = ts.analyze(ts.simulate_trial(seed=3, n_patients=5))
    assert analysis.mmrm_error is not None
    assert "needs at least 9 patients" in analysis.mmrm_error
    assert "needs at least 9 patients" in analysis.memo()


def test_incomplete_stage1_is_not_called_passed() -> None:
    # Planned stage 1: r1 = 2 of n1 = 10 under p1 = 0.45, so the planned chance of
    # stopping an active treatment is P(Bin(10, 0.45) <= 2) = 0.0996. With 2 patients even
    # 0 responses has P(Bin(2, 0.45) = 0) = 0.3025 > 0.0996: no futility stop, r1' = -1.
    p_planned = sum(math.comb(10, k) * 0.45**k * 0.55 ** (10 - k) for k in range(3))
    assert p_planned == pytest.approx(0.0996, abs=1e-4)
    assert p_planned < 0.55**2
    design = ts.simon_design(0.2, 0.45, alpha=0.05, power=0.8)
    decision = design.decide(0, None, n_stage1=2)
    assert decision.action == "continue to stage 2"
    assert decision.r1_used == -1
    assert "no number of responses stops the trial for futility" in decision.explanation
    assert "Stage 1 is incomplete (2 of 10 patients)" in decision.explanation
    assert "more than the stage-1 boundary" not in decision.explanation

    memo = ts.analyze(ts.simulate_trial(seed=3, n_patients=2)).memo()
    assert "stage 1 is incomplete (2 of 10 patients); the trial goes on" in memo
    assert "stage 1 passed" not in memo


def test_complete_stage1_still_passes() -> None:
    design = ts.simon_design(0.2, 0.45, alpha=0.05, power=0.8)
    decision = design.decide(4, None, n_stage1=10)
    assert decision.action == "continue to stage 2"
    assert "4 responses in 10 stage-1 patients, more than the futility boundary r1 = 2" in (
        decision.explanation)
    assert "incomplete" not in decision.explanation


@pytest.mark.parametrize(("look", "n_looks", "rest", "given"), [
    (1, 2, "stage 2", "given stage 1"),
    (1, 3, "looks 2 to 3", "given look 1"),
    (2, 3, "look 3", "given look 2"),
    (2, 5, "looks 3 to 5", "given look 2"),
])
def test_interim_outlook_names_what_is_left(look: int, n_looks: int, rest: str,
                                            given: str) -> None:
    import pandas as pd

    cp = pd.DataFrame([{"scenario": "under p0", "p": 0.2, "probability": 0.1}])
    outlook = InterimOutlook(2, 7, 20, 8, 1, cp, look, n_looks)
    assert outlook.rest == rest
    text = outlook.describe()
    assert text.startswith(f"{rest.capitalize()} must show at least 1 response among 20 patients")
    assert given in text


def test_singular_counts() -> None:
    assert format_count(1, "patient") == "1 patient"
    assert format_count(0, "patient") == "0 patients"
    decision = ts.simon_design(0.2, 0.45, alpha=0.05, power=0.8).decide(1, None, n_stage1=10)
    assert "1 response in 10 stage-1 patients" in decision.explanation


def test_report_cell_error_is_one_clean_line() -> None:
    from types import SimpleNamespace

    from thera_stats.report import _cell_error

    err = SimpleNamespace(ename="DataValidationError",
                          evalue="trial: 2 error(s):\n  - \x1b[31mfirst\x1b[39m\n  - second")
    assert _cell_error(err) == "DataValidationError: trial: 2 error(s): first; second"


@pytest.mark.parametrize("population", ["treated", "per-protocol"])
def test_an_empty_analysis_population_is_a_load_error(population: str) -> None:
    """Nobody received a dose: refused when the trial is loaded, naming the patients table,
    the course column and the population's rule (it failed later as an empty score table)."""
    trial = ts.simulate_trial(seed=1)
    patients = trial.patients.copy()
    column = trial.plan.treatment.column
    patients[column] = 0
    plan = dataclasses.replace(trial.plan, population=population)
    with pytest.raises(DataValidationError) as caught:
        ts.Trial.from_frames(patients, trial.score, trial.adverse_events, plan)
    problems = caught.value.problems
    empty = problems[problems["rule"].str.contains("analysis population", regex=False)]
    assert len(empty) == 1
    assert empty["column"].iat[0] == column
    assert f"the analysis population ({population}: " in empty["rule"].iat[0]
    assert "none of the 17 patients qualifies" in empty["rule"].iat[0]
