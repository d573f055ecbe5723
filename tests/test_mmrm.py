"""Tests of thera_stats.mmrm against R (nlme::gls + emmeans) and against theory.

The reference values in tests/reference/mmrm/reference_mmrm.csv come from
``make_reference.R`` (R 4.2.2, nlme 3.1-162, emmeans 1.8.4-1; calls in its
header) fitted to the seeded synthetic data written by ``make_data.py``.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose, assert_array_equal
from scipy import stats

from thera_stats.errors import ConvergenceError, DataValidationError
from thera_stats.mmrm import COVARIANCE_STRUCTURES, MMRMResult, mmrm

REF_DIR = Path(__file__).parent / "reference" / "mmrm"
# The reference tables: every call names its columns, baseline day and covariate.
COLS = {"subject": "patient_id", "day": "day", "value": "change_mm", "baseline_day": 0}
MODEL = {**COLS, "covariates": ("baseline_mm",)}
STRUCTURES = ["unstructured", "compound-symmetry", "cs-heterogeneous", "ar1", "ar1-heterogeneous"]
DATASETS = ["small", "large"]


@cache
def load(dataset: str) -> pd.DataFrame:
    return pd.read_csv(REF_DIR / f"thera_{dataset}.csv")


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(
        REF_DIR / "reference_mmrm.csv", comment="#", keep_default_na=False, dtype={"value": float}
    )


def ref_values(dataset: str, covariance: str, quantity: str) -> np.ndarray:
    ref = reference()
    sel = ref[
        (ref["dataset"] == dataset)
        & (ref["covariance"] == covariance)
        & (ref["quantity"] == quantity)
    ]
    assert len(sel) > 0, (dataset, covariance, quantity)
    return sel["value"].to_numpy(dtype=float)


@cache
def fitted(dataset: str, covariance: str) -> MMRMResult:
    return mmrm(load(dataset), **MODEL, covariance=covariance)


CASES = [(d, c) for d in DATASETS for c in STRUCTURES]


# --------------------------------------------------------------------------- agreement with R
@pytest.mark.parametrize(("dataset", "covariance"), CASES)
def test_reml_loglik_matches_nlme(dataset: str, covariance: str) -> None:
    # R: logLik(gls(..., method = "REML")); nlme's constant is the SAS one.
    fit = fitted(dataset, covariance)
    assert_allclose(fit.loglik, ref_values(dataset, covariance, "loglik_nlme")[0], rtol=1e-9)


@pytest.mark.parametrize(("dataset", "covariance"), CASES)
def test_lsmeans_match_emmeans(dataset: str, covariance: str) -> None:
    # R: summary(emmeans(ref_grid(fit, mode = "satterthwaite", data = d), ~ day))
    ls = fitted(dataset, covariance).lsmeans()
    assert list(ls.columns) == ["day", "estimate", "se", "df", "ci_low", "ci_high", "pvalue"]
    assert_array_equal(ls["day"], [1, 2, 3, 4, 5, 8, 15, 30])
    assert_allclose(ls["estimate"], ref_values(dataset, covariance, "lsmean"), rtol=0, atol=1e-4)
    assert_allclose(ls["se"], ref_values(dataset, covariance, "lsmean_se"), rtol=1e-4)


@pytest.mark.parametrize(("dataset", "covariance"), CASES)
def test_satterthwaite_df_match_r(dataset: str, covariance: str) -> None:
    # Against emmeans' df with nlme's apVar recomputed by numDeriv::hessian (see the
    # reference header); emmeans' own df rest on nlme's fdHess apVar, off by up to ~20 %.
    fit = fitted(dataset, covariance)
    ls = fit.lsmeans()
    assert_allclose(ls["df"], ref_values(dataset, covariance, "lsmean_df_hessian"), rtol=2e-4)
    assert_allclose(ls["df"], ref_values(dataset, covariance, "lsmean_df"), rtol=0.25)
    assert_allclose(
        fit.fixed_effects["df"], ref_values(dataset, covariance, "coef_df_hessian"), rtol=2e-4
    )
    low = ref_values(dataset, covariance, "lsmean_ci_low_hessian")
    high = ref_values(dataset, covariance, "lsmean_ci_high_hessian")
    assert_allclose(ls["ci_low"], low, rtol=0, atol=1e-3)
    assert_allclose(ls["ci_high"], high, rtol=0, atol=1e-3)
    assert_allclose(ls["pvalue"], ref_values(dataset, covariance, "lsmean_p_hessian"), rtol=1e-2)


@pytest.mark.parametrize(("dataset", "covariance"), CASES)
def test_fixed_effects_and_covariance_match_gls(dataset: str, covariance: str) -> None:
    # R: summary(fit)$tTable and getVarCov(fit, individual = <a complete patient>)
    fit = fitted(dataset, covariance)
    fe = fit.fixed_effects
    assert list(fe.columns) == ["term", "estimate", "se", "df", "t", "pvalue"]
    assert list(fe["term"]) == [
        "intercept",
        *(f"day[{d}]" for d in (2, 3, 4, 5, 8, 15, 30)),
        "baseline_mm",
    ]
    assert_allclose(fe["estimate"], ref_values(dataset, covariance, "coef"), rtol=0, atol=1e-3)
    assert_allclose(fe["se"], ref_values(dataset, covariance, "coef_se"), rtol=1e-4)
    assert_allclose(fit.sigma.ravel(), ref_values(dataset, covariance, "cov"), rtol=2e-4)
    n_obs = ref_values(dataset, "", "n_obs")[0]
    assert fit.n_obs == n_obs
    assert fit.n_subjects == ref_values(dataset, "", "n_subjects")[0]


@pytest.mark.parametrize(("dataset", "covariance"), CASES)
def test_contrasts_match_emmeans(dataset: str, covariance: str) -> None:
    # R: contrast(emmeans(...), method = "trt.vs.ctrl", adjust = "none")
    fit = fitted(dataset, covariance)
    weights = fit.lsmean_weights().to_numpy()
    ct = fit.contrast(weights[1:] - weights[0])

    def ref(quantity: str) -> np.ndarray:
        return ref_values(dataset, covariance, quantity)

    assert_allclose(ct["estimate"], ref("contrast_vs_first"), rtol=0, atol=1e-4)
    assert_allclose(ct["se"], ref("contrast_vs_first_se"), rtol=1e-4)
    assert_allclose(ct["df"], ref("contrast_vs_first_df_hessian"), rtol=2e-4)
    assert_allclose(ct["pvalue"], ref("contrast_vs_first_p_hessian"), rtol=1e-2, atol=1e-12)


def test_residual_df_is_n_minus_p() -> None:
    fit = mmrm(load("small"), **MODEL, df="residual")
    n_obs = int(ref_values("small", "", "n_obs")[0])
    assert fit.residual_df == n_obs - 9
    assert_allclose(fit.lsmeans()["df"], n_obs - 9)
    assert_allclose(fit.fixed_effects["df"], n_obs - 9)
    sat = fitted("small", "unstructured")
    assert_allclose(fit.lsmeans()["se"], sat.lsmeans()["se"], rtol=1e-12)


# --------------------------------------------------------------------------- theory
def complete_data(seed: int = 3, n: int = 12) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    days = [1, 2, 3, 5]
    base = rng.normal(60, 10, n)
    rows = [
        (f"Q{i}", d, base[i], -4.0 * k - 0.2 * (base[i] - 60) + rng.normal(0, 5))
        for i in range(n)
        for k, d in enumerate(days)
    ]
    return pd.DataFrame(rows, columns=["patient_id", "day", "baseline_mm", "change_mm"])


def test_complete_data_without_covariates_gives_day_means() -> None:
    # With complete data and a saturated mean model the GLS estimate is the sample
    # mean of each day, its variance s^2/n, and the Satterthwaite df exactly n - 1.
    data = complete_data()
    fit = mmrm(data, **COLS)
    ls = fit.lsmeans()
    by_day = data.groupby("day")["change_mm"]
    assert_allclose(ls["estimate"], by_day.mean(), rtol=1e-10)
    assert_allclose(ls["se"], by_day.std(ddof=1) / np.sqrt(12), rtol=1e-6)
    assert_allclose(ls["df"], 11, rtol=1e-6)
    t = stats.t.ppf(0.975, 11)
    assert_allclose(ls["ci_low"], ls["estimate"] - t * ls["se"], rtol=1e-6)


def test_complete_data_day_effects_have_n_minus_1_df() -> None:
    # Differences between days do not involve the baseline (common slope): their
    # Satterthwaite df are those of a paired comparison, n - 1.
    fit = mmrm(complete_data(), **MODEL)
    assert_allclose(fit.fixed_effects["df"].iloc[1:4], 11, rtol=1e-6)


# --------------------------------------------------------------------------- the data surface
def test_input_is_not_modified_and_layout_does_not_matter() -> None:
    data = load("small")
    before = data.copy(deep=True)
    fit = mmrm(data, **MODEL)
    pd.testing.assert_frame_equal(data, before)
    ref = fit.lsmeans()
    # Rows shuffled, patients renamed, baseline rows dropped: the same fit.
    rng = np.random.default_rng(0)
    other = data[data["day"] != 0].sample(frac=1.0, random_state=rng).reset_index(drop=True)
    other["patient_id"] = "X-" + other["patient_id"].str[::-1]
    again = mmrm(other, **MODEL).lsmeans()
    assert_allclose(again.drop(columns="day"), ref.drop(columns="day"), rtol=1e-6, atol=1e-8)


def test_missing_response_rows_are_missed_visits() -> None:
    data = load("small")
    full = mmrm(data, **MODEL).lsmeans()
    extra = pd.DataFrame(
        {
            "patient_id": ["P004"],
            "day": [3],
            "vas_mm": [np.nan],
            "baseline_mm": [55.0],
            "change_mm": [np.nan],
            "pct_change": [np.nan],
        }
    )
    with_nan = pd.concat([data, extra], ignore_index=True)
    assert_allclose(
        mmrm(with_nan, **MODEL).lsmeans().drop(columns="day"), full.drop(columns="day"), rtol=1e-8
    )


def test_missing_columns_are_listed() -> None:
    data = load("small").drop(columns=["baseline_mm", "change_mm"])
    with pytest.raises(DataValidationError, match=r"required column '\w+' is missing") as err:
        mmrm(data, **MODEL)
    assert sorted(err.value.problems["column"]) == ["baseline_mm", "change_mm"]


def test_every_bad_value_is_listed_with_patient_and_day() -> None:
    data = load("small").astype({"change_mm": object, "baseline_mm": float})
    data.loc[3, "change_mm"] = "abc"  # P001 day 3
    data.loc[12, "baseline_mm"] = np.inf  # P002 day 3
    data.loc[20, "baseline_mm"] = np.nan  # P003 day 2
    dup = data.iloc[[30]]  # P004 repeated
    data = pd.concat([data, dup], ignore_index=True)
    with pytest.raises(DataValidationError) as err:
        mmrm(data, **MODEL)
    problems = err.value.problems
    assert len(problems) == 5
    rec = problems.set_index("row")
    assert rec.loc[5, "patient_id"] == "P001"
    # the response column: the long-table rules (thera_stats.longtable)
    assert rec.loc[5, "rule"] == (
        "change_mm must be a number (patient P001, day 3); use a point as decimal mark"
    )
    # the covariates: the MMRM's own rules, on the analysed rows
    assert rec.loc[14, "rule"] == "must be a finite number (day 3)"
    assert rec.loc[22, "rule"] == "value is required (day 2)"
    assert list(problems["row"]) == sorted(problems["row"])  # listed in row order
    dups = problems[problems["rule"].str.startswith("(patient, day) must be unique")]
    assert list(dups["row"]) == [32, len(data) + 1]
    day = data.loc[30, "day"]
    assert dups["rule"].iloc[0] == (
        f"(patient, day) must be unique: patient P004 has 2 rows for day {day} "
        f"(also row(s) {len(data) + 1})"
    )
    assert "patient P004" in str(err.value)


def test_days_before_the_baseline_are_errors_naming_patient_row_and_day() -> None:
    data = load("small").astype({"change_mm": float})
    data.loc[3, "day"] = -3  # P001: day 3 mistyped as -3
    data.loc[12, "day"] = -1  # P002
    with pytest.raises(DataValidationError) as err:
        mmrm(data, **MODEL)
    problems = err.value.problems
    assert list(problems["row"]) == [5, 14]
    assert list(problems["patient_id"]) == ["P001", "P002"]
    assert list(problems["column"]) == ["day", "day"]
    assert list(problems["value"]) == ["-3", "-1"]
    # a negative day breaks the long-table rule (reported once, not also as "before baseline")
    assert list(problems["rule"]) == ["day must not be negative"] * 2
    assert "patient P002" in str(err.value)
    # listed together with the other problems of the table
    data.loc[20, "change_mm"] = np.inf
    with pytest.raises(DataValidationError) as err:
        mmrm(data, **MODEL)
    assert len(err.value.problems) == 3
    # rows on the baseline day are still skipped; with a later baseline day, earlier
    # days are errors and the baseline-day rows are skipped
    later = load("small").assign(day=lambda f: f["day"] + 1)
    assert_allclose(
        mmrm(later, **{**MODEL, "baseline_day": 1}).lsmeans().drop(columns="day"),
        mmrm(load("small"), **MODEL).lsmeans().drop(columns="day"),
        rtol=1e-8,
    )
    with pytest.raises(DataValidationError, match="before the baseline day 2") as err:
        mmrm(later, **{**MODEL, "baseline_day": 2})
    assert (err.value.problems["value"] == "1").all()
    assert err.value.problems["rule"].iloc[0].startswith(
        "day 1 of patient P001 is before the baseline day 2; a mistyped day?"
    )
    assert err.value.problems["patient_id"].nunique() == load("small")["patient_id"].nunique()


def test_too_few_days_and_collinear_covariates_are_errors() -> None:
    data = load("small")
    with pytest.raises(DataValidationError, match="at least two post-baseline days"):
        mmrm(data[data["day"].isin([0, 1])], **MODEL)
    const = data.assign(baseline_mm=50.0)
    with pytest.raises(DataValidationError, match="constant or collinear"):
        mmrm(const, **MODEL)


def test_bad_options() -> None:
    data = load("small")
    with pytest.raises(ValueError, match=r"`covariance` \('spatial-power'\) must be one of .*'toeplitz'"):
        mmrm(data, **MODEL, covariance="spatial-power")
    with pytest.raises(
        ValueError, match=r"`df` \('between-within'\) must be one of .*'kenward-roger-linear'"
    ):
        mmrm(data, **MODEL, df="between-within")
    with pytest.raises(ValueError, match="confidence_level"):
        mmrm(data, **MODEL, confidence_level=1.5)
    with pytest.raises(TypeError, match="DataFrame"):
        mmrm(data.to_numpy(), **MODEL)
    with pytest.raises(ValueError, match="also the subject, day or value column"):
        mmrm(data, **{**MODEL, "covariates": ("day",)})
    with pytest.raises(TypeError, match="baseline_day"):
        mmrm(data, **{**MODEL, "baseline_day": 0.5})
    with pytest.raises(TypeError, match="required keyword-only arguments"):
        mmrm(data)  # type: ignore[call-arg]


def test_no_covariates_by_default_and_fractional_days_are_errors() -> None:
    data = load("small")
    plain = mmrm(data, **COLS)
    assert plain.covariates == ()
    assert "baseline_mm" not in plain.terms
    odd = data.astype({"day": float})
    odd.loc[5, "day"] = 2.5
    with pytest.raises(DataValidationError, match="whole number of days") as err:
        mmrm(odd, **MODEL)
    assert err.value.problems["row"].tolist() == [7]


def test_sas_aliases() -> None:
    assert COVARIANCE_STRUCTURES["csh"] == "cs-heterogeneous"
    a = mmrm(load("small"), **MODEL, covariance="arh1")
    b = fitted("small", "ar1-heterogeneous")
    assert a.covariance == "ar1-heterogeneous"
    assert_allclose(a.coef, b.coef, rtol=1e-12)


# --------------------------------------------------------------------------- convergence
def test_unstructured_with_too_few_patients_raises() -> None:
    data = load("small")
    few = data[data["patient_id"].isin(["P001", "P002", "P003", "P005", "P006"])]
    # 36 parameters, 5 patients: a clear error before fitting, naming structures that fit.
    with pytest.raises(DataValidationError, match="too few patients") as err:
        mmrm(few, **MODEL)
    rule = err.value.problems["rule"].iloc[0]
    assert "needs at least 9 patients" in rule
    assert "the data have 5" in rule
    assert "'toeplitz-heterogeneous' (15 parameters)" in rule
    assert "'compound-symmetry' (2 parameters)" in rule
    # A structure with fewer parameters is estimable on the same data.
    assert np.all(np.isfinite(mmrm(few, **MODEL, covariance="cs").lsmeans()["se"]))


def test_constant_day_raises_and_names_the_day() -> None:
    data = load("small").copy()
    data.loc[data["day"] == 2, "change_mm"] = -5.0
    with pytest.raises(ConvergenceError, match="variance on day 2 tends to zero"):
        mmrm(data, **MODEL, covariance="cs-heterogeneous")


# --------------------------------------------------------------------------- the result object
def test_result_is_frozen_and_tables_are_fresh() -> None:
    fit = fitted("small", "compound-symmetry")
    with pytest.raises(dataclasses.FrozenInstanceError):
        fit.loglik = 0.0  # type: ignore[misc]
    with pytest.raises(ValueError, match="read-only"):
        fit.coef[0] = 1.0
    ls = fit.lsmeans()
    ls.loc[0, "estimate"] = 999.0
    assert fit.lsmeans().loc[0, "estimate"] != 999.0


def test_confidence_level_and_contrast_forms() -> None:
    fit = fitted("small", "ar1")
    wide, narrow = fit.lsmeans(), fit.lsmeans(confidence_level=0.8)
    assert np.all(narrow["ci_high"] - narrow["ci_low"] < wide["ci_high"] - wide["ci_low"])
    q = stats.t.ppf(0.9, narrow["df"])
    assert_allclose(narrow["ci_high"], narrow["estimate"] + q * narrow["se"], rtol=1e-12)
    by_name = fit.contrast({"day[8]": 1.0})
    by_array = fit.contrast(np.eye(fit.coef.size)[5])
    pd.testing.assert_frame_equal(by_name, by_array)
    assert_allclose(by_name["estimate"], fit.fixed_effects["estimate"].iloc[5])
    with pytest.raises(ValueError, match="unknown terms"):
        fit.contrast({"day[9]": 1.0})
    with pytest.raises(ValueError, match="9 columns"):
        fit.contrast([1.0, 2.0])


def test_to_frame_and_repr() -> None:
    fit = fitted("small", "unstructured")
    frame = fit.to_frame()
    assert frame.shape[0] == 1
    assert frame.loc[0, "n_subjects"] == 17
    assert frame.loc[0, "n_cov_params"] == 36
    assert_allclose(frame.loc[0, "aic"], -2 * fit.loglik + 72)
    text = repr(fit)
    assert "unstructured covariance, Satterthwaite df" in text
    assert "LS means at baseline_mm = " in text
    assert "day[30]" in text
    assert "<table" in fit._repr_html_()
    corr = fit.correlation_matrix
    assert_allclose(np.diag(corr), 1.0)
    assert list(fit.covariance_matrix.index) == [1, 2, 3, 4, 5, 8, 15, 30]


@settings(max_examples=15)
@given(
    missing=st.lists(
        st.tuples(st.integers(0, 16), st.sampled_from([1, 2, 3, 4, 5, 8, 15, 30])),
        max_size=25,
    ),
    covariance=st.sampled_from(["compound-symmetry", "ar1", "cs-heterogeneous"]),
)
def test_any_missing_pattern_gives_numbers_or_a_convergence_error(
    missing: list[tuple[int, int]], covariance: str
) -> None:
    data = load("small")
    ids = sorted(data["patient_id"].unique())
    drop = {(ids[i], d) for i, d in missing}
    keep = [(p, d) not in drop for p, d in zip(data["patient_id"], data["day"], strict=True)]
    try:
        fit = mmrm(data[keep], **MODEL, covariance=covariance)
    except ConvergenceError:
        return
    ls = fit.lsmeans()
    assert np.all(np.isfinite(ls.drop(columns="day").to_numpy()))
    assert np.all(ls["se"] > 0)
    assert np.all((ls["df"] > 0) & (ls["df"] <= fit.n_obs))
    assert np.all((ls["ci_low"] < ls["estimate"]) & (ls["estimate"] < ls["ci_high"]))
