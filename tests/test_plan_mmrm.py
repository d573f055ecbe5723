"""The plan's repeated-measures options: ``analysis.mmrm_covariance`` and ``analysis.mmrm_df``."""

from __future__ import annotations

import shutil
from pathlib import Path

import pandas as pd
import pytest

import thera_stats as ts
from thera_stats import plan as plan_module
from thera_stats.mmrm import COVARIANCE_STRUCTURES, DF_METHODS

THERA = ts.synthetic_data_path()


def with_analysis_keys(tmp_path: Path, source: Path, lines: str) -> Path:
    folder = tmp_path / source.name
    shutil.copytree(source, folder)
    plan = folder / "plan.toml"
    plan.write_text(plan.read_text().replace("[analysis]\n", f"[analysis]\n{lines}\n", 1))
    return folder


def test_plan_choices_are_the_models() -> None:
    """The plan lists the model's names without importing it; they must not drift apart."""
    assert set(plan_module.MMRM_COVARIANCES) == set(COVARIANCE_STRUCTURES.values())
    assert plan_module.MMRM_DF_METHODS == DF_METHODS


def test_defaults_are_unstructured_satterthwaite() -> None:
    plan = ts.load_trial(THERA).plan
    assert (plan.mmrm_covariance, plan.mmrm_df) == ("unstructured", "satterthwaite")
    assert "mmrm_df" not in plan.to_dict()["analysis"]


def test_kenward_roger_from_the_plan_reaches_the_tables(tmp_path: Path) -> None:
    folder = with_analysis_keys(tmp_path, THERA,
                                'mmrm_df = "kenward-roger"\nmmrm_covariance = "toeplitz"')
    trial = ts.load_trial(folder)
    assert (trial.plan.mmrm_covariance, trial.plan.mmrm_df) == ("toeplitz", "kenward-roger")
    assert trial.plan.to_dict()["analysis"]["mmrm_df"] == "kenward-roger"
    result = ts.analyze(trial)
    # The same model fitted directly (its KR df and SEs are checked against R mmrm 0.3.16 in
    # tests/test_mmrm_kr.py): the plan's options are passed through unchanged.
    direct = ts.mmrm(_changes(trial),
                     subject="patient_id", day="day", value="change", baseline_day=0,
                     covariates=("baseline",), covariance="toeplitz", df="kenward-roger",
                     confidence_level=trial.plan.score_confidence_level)
    pd.testing.assert_frame_equal(result.lsmeans.reset_index(drop=True),
                                  direct.lsmeans().reset_index(drop=True))
    tables = result.tables()
    assert "Kenward-Roger df" in tables["mmrm_lsmeans"].notes[0]
    assert "toeplitz covariance" in tables["mmrm_lsmeans"].notes[0]
    assert "Kenward-Roger df" in result.memo()


def _changes(trial: ts.Trial) -> pd.DataFrame:
    vas = trial.score.rename(columns={"vas_mm": "value"})
    base = vas[vas["day"] == 0].set_index("patient_id")["value"]
    post = vas[vas["day"] > 0].dropna(subset=["value"]).copy()
    post["baseline"] = post["patient_id"].map(base)
    post["change"] = post["value"] - post["baseline"]
    return post[["patient_id", "day", "change", "baseline"]]


@pytest.mark.parametrize(("line", "needle"), [
    ('mmrm_df = "kr"', "analysis.mmrm_df"),
    ('mmrm_covariance = "banded"', "analysis.mmrm_covariance"),
])
def test_unknown_choice_is_a_plan_error(tmp_path: Path, line: str, needle: str) -> None:
    folder = with_analysis_keys(tmp_path, THERA, line)
    with pytest.raises(ts.DataValidationError) as err:
        ts.load_trial(folder)
    assert needle in str(err.value)
    assert "kenward-roger" in str(err.value) or "toeplitz" in str(err.value)
