"""Tests of thera_stats.mmrm: Kenward-Roger, Toeplitz structures, structure choice, speed-up.

The reference values in tests/reference/mmrm/reference_mmrm_kr.csv come from
``make_reference_kr.R`` (R 4.2.2, mmrm 0.3.16 with TMB 1.9.2; calls and
versions in its header) on three data sets: the synthetic THERA trial
(``data/synthetic/thera/vas.csv``, 17 patients), and the seeded sets of
``make_data.py`` (17 patients with 6 missed visits; 150 patients with dropout
and intermittent gaps).
"""

from __future__ import annotations

from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from thera_stats.errors import DataValidationError
from thera_stats.mmrm import (
    _BUILDERS,
    COVARIANCE_STRUCTURES,
    DF_METHODS,
    MMRMResult,
    _Objective,
    _prepare,
    mmrm,
    mmrm_select_covariance,
)

ROOT = Path(__file__).resolve().parents[1]
REF_DIR = Path(__file__).parent / "reference" / "mmrm"
COLS = {"subject": "patient_id", "day": "day", "value": "change_mm", "baseline_day": 0}
MODEL = {**COLS, "covariates": ("baseline_mm",)}
STRUCTURES = [
    "unstructured",
    "compound-symmetry",
    "cs-heterogeneous",
    "ar1",
    "ar1-heterogeneous",
    "toeplitz",
    "toeplitz-heterogeneous",
]
DATASETS = ["thera", "small", "large"]
KR = ["kenward-roger", "kenward-roger-linear"]


@cache
def load(dataset: str) -> pd.DataFrame:
    if dataset == "thera":
        vas = pd.read_csv(ROOT / "data" / "synthetic" / "thera" / "vas.csv")
        base = vas.loc[vas["day"] == 0, ["patient_id", "vas_mm"]]
        out = vas.merge(base.rename(columns={"vas_mm": "baseline_mm"}), on="patient_id")
        return out.assign(change_mm=out["vas_mm"] - out["baseline_mm"])
    return pd.read_csv(REF_DIR / f"thera_{dataset}.csv")


@cache
def reference() -> pd.DataFrame:
    return pd.read_csv(
        REF_DIR / "reference_mmrm_kr.csv",
        comment="#",
        keep_default_na=False,
        dtype={"value": float, "label": str},
    )


def ref(dataset: str, covariance: str, quantity: str) -> np.ndarray:
    table = reference()
    sel = table[
        (table["dataset"] == dataset)
        & (table["covariance"] == covariance)
        & (table["quantity"] == quantity)
    ]
    assert len(sel) > 0, (dataset, covariance, quantity)
    return sel["value"].to_numpy(dtype=float)


@cache
def fitted(dataset: str, covariance: str) -> MMRMResult:
    return mmrm(load(dataset), **MODEL, covariance=covariance)


CASES = [(d, c) for d in DATASETS for c in STRUCTURES]


# --------------------------------------------------------------------------- agreement with R mmrm
@pytest.mark.parametrize(("dataset", "covariance"), CASES)
def test_fit_matches_r_mmrm(dataset: str, covariance: str) -> None:
    # R: logLik(fit), coef(fit), VarCorr(fit) of mmrm(change ~ visit + baseline + <cov>(visit | id))
    fit = fitted(dataset, covariance)
    assert ref(dataset, covariance, "converged")[0] == 1
    assert fit.n_obs == ref(dataset, "", "n_obs")[0]
    assert fit.n_subjects == ref(dataset, "", "n_subjects")[0]
    assert_allclose(fit.loglik, ref(dataset, covariance, "loglik")[0], rtol=1e-8)
    assert_allclose(fit.coef, ref(dataset, covariance, "coef"), rtol=1e-4, atol=1e-4)
    assert_allclose(fit.sigma.ravel(order="F"), ref(dataset, covariance, "cov"), rtol=1e-4)


@pytest.mark.parametrize(("dataset", "covariance"), CASES)
@pytest.mark.parametrize("df_method", ["satterthwaite", *KR])
def test_lsmean_se_and_df_match_r_mmrm(dataset: str, covariance: str, df_method: str) -> None:
    # R: df_1d(fit, l) with l = intercept + day dummy + mean(baseline) for method = "Satterthwaite",
    # "Kenward-Roger" and "Kenward-Roger-Linear".
    ls = fitted(dataset, covariance).lsmeans(df_method=df_method)
    assert_allclose(ls["se"], ref(dataset, covariance, f"lsmean_se_{df_method}"), rtol=1e-4)
    assert_allclose(ls["df"], ref(dataset, covariance, f"lsmean_df_{df_method}"), rtol=1e-4)


@pytest.mark.parametrize(("dataset", "covariance"), CASES)
@pytest.mark.parametrize("df_method", KR)
def test_coefficient_and_contrast_kr_match_r_mmrm(
    dataset: str, covariance: str, df_method: str
) -> None:
    # R: df_1d(fit, e_k) for every coefficient; df_1d of the last day's dummy.
    fit = fitted(dataset, covariance)
    p = fit.coef.size
    fe = fit.contrast(np.eye(p), df_method=df_method)
    assert_allclose(fe["se"], ref(dataset, covariance, f"coef_se_{df_method}"), rtol=1e-4)
    assert_allclose(fe["df"], ref(dataset, covariance, f"coef_df_{df_method}"), rtol=1e-4)
    last = fit.contrast({f"day[{fit.days[-1]}]": 1.0}, df_method=df_method)
    assert_allclose(last["se"], ref(dataset, covariance, f"last_vs_first_se_{df_method}"), rtol=1e-4)
    assert_allclose(last["df"], ref(dataset, covariance, f"last_vs_first_df_{df_method}"), rtol=1e-4)


def test_kenward_roger_as_the_fit_default() -> None:
    data = load("thera")
    kr = mmrm(data, **MODEL, df="kenward-roger")
    sat = fitted("thera", "unstructured")
    assert kr.df_method == "kenward-roger"
    pd.testing.assert_frame_equal(kr.lsmeans(), sat.lsmeans(df_method="kenward-roger"))
    fe = kr.fixed_effects
    assert_allclose(fe["se"], np.sqrt(np.diag(kr.coef_cov_kr)), rtol=1e-12)
    assert "Kenward-Roger df" in repr(kr)
    with pytest.raises(ValueError, match=r"`df_method` \('kr'\) must be one of 'satterthwaite'"):
        kr.lsmeans(df_method="kr")


# --------------------------------------------------------------------------- theory
def complete_data(seed: int = 3, n: int = 12, days: tuple[int, ...] = (1, 2, 3, 5)) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    rows = [
        (f"Q{i}", d, -4.0 * k + rng.normal(0, 5)) for i in range(n) for k, d in enumerate(days)
    ]
    return pd.DataFrame(rows, columns=["patient_id", "day", "change_mm"])


def test_linear_kr_is_exact_for_complete_unstructured_data() -> None:
    # Complete data, saturated day means, unstructured Sigma: the LS means are the daily
    # means whatever Sigma is, so their variance s^2/n needs no adjustment (Kackar-Harville
    # term 0, and Var(beta-hat) is linear in Sigma); the KR df are the exact n - 1.
    data = complete_data()
    fit = mmrm(data, **COLS)
    ls = fit.lsmeans(df_method="kenward-roger-linear")
    sd = data.groupby("day")["change_mm"].std(ddof=1).to_numpy()
    assert_allclose(ls["se"], sd / np.sqrt(12), rtol=1e-8)
    assert_allclose(ls["df"], 11, rtol=1e-8)
    assert_allclose(fit.coef_cov_kr_linear, fit.coef_cov, rtol=1e-8, atol=1e-12)


def test_one_dimensional_kr_df_equal_satterthwaite() -> None:
    # With one contrast row A1 = A2 and Kenward-Roger's m reduces to 2 / A1, Satterthwaite's
    # df with the unadjusted covariance (as R mmrm computes both).
    fit = fitted("large", "toeplitz-heterogeneous")
    assert_allclose(
        fit.lsmeans(df_method="kenward-roger")["df"],
        fit.lsmeans(df_method="satterthwaite")["df"],
        rtol=1e-10,
    )


@pytest.mark.parametrize("covariance", STRUCTURES)
def test_analytic_information_matches_finite_differences(covariance: str) -> None:
    # The observed information is minus the Hessian of the REML log-likelihood: compare it
    # with central differences of the analytic gradient at a point away from the maximum.
    data, *_ = _prepare(
        load("small"), covariates=("baseline_mm",), subject="patient_id", day="day",
        value="change_mm", baseline_day=0,
    )
    obj = _Objective(covariance, data)
    theta = np.asarray(fitted("small", covariance).theta) * 0.97 + 0.01
    _, _, fit, jac = obj.evaluate(theta)
    assert fit is not None
    observed, _ = obj.information(theta, fit, jac, observed=True)
    numeric = np.empty_like(observed)
    for k in range(theta.size):
        h = 1e-5 * max(1.0, abs(theta[k]))
        up, down = theta.copy(), theta.copy()
        up[k] += h
        down[k] -= h
        numeric[k] = (obj.evaluate(up)[1] - obj.evaluate(down)[1]) / (2 * h)
    assert_allclose(observed, 0.5 * (numeric + numeric.T), rtol=1e-5, atol=1e-6 * abs(observed).max())
    # the expected information is the mean of the observed one: symmetric positive definite
    expected, _ = obj.information(theta, fit, jac, observed=False)
    assert np.linalg.eigvalsh(expected).min() > 0


def test_toeplitz_structures_nest() -> None:
    # AR(1) and compound symmetry are Toeplitz; every Toeplitz is heterogeneous Toeplitz;
    # every structure is unstructured: the REML log-likelihoods are ordered accordingly.
    ll = {c: fitted("large", c).loglik for c in STRUCTURES}
    tol = 1e-7
    assert ll["toeplitz"] >= max(ll["ar1"], ll["compound-symmetry"]) - tol
    assert ll["toeplitz-heterogeneous"] >= ll["toeplitz"] - tol
    assert ll["toeplitz-heterogeneous"] >= ll["ar1-heterogeneous"] - tol
    assert ll["unstructured"] >= ll["toeplitz-heterogeneous"] - tol
    toep = fitted("large", "toeplitz").sigma
    assert_allclose(np.diag(toep), toep[0, 0], rtol=1e-12)
    for lag in range(1, 8):
        assert_allclose(np.diag(toep, lag), toep[0, lag], rtol=1e-12)


@settings(max_examples=25)
@given(
    z=st.lists(st.floats(-4, 4), min_size=5, max_size=5),
    sd=st.lists(st.floats(-2, 2), min_size=6, max_size=6),
)
def test_toeplitz_parameters_always_give_a_covariance_matrix(
    z: list[float], sd: list[float]
) -> None:
    # Partial autocorrelations tanh(z) in (-1, 1) map to a positive-definite Toeplitz matrix.
    sigma = _BUILDERS["toeplitz-heterogeneous"](np.array([sd + z]), 6)[0]
    assert np.linalg.eigvalsh(sigma).min() > 0
    corr = sigma / np.sqrt(np.outer(np.diag(sigma), np.diag(sigma)))
    for lag in range(1, 6):
        assert_allclose(np.diag(corr, lag), corr[0, lag], rtol=1e-9, atol=1e-12)


# --------------------------------------------------------------------------- bad input
def test_too_few_patients_for_unstructured_20_days() -> None:
    days = tuple(range(1, 21))
    data = complete_data(n=15, days=days)
    with pytest.raises(DataValidationError, match="too few patients") as err:
        mmrm(data, **COLS)
    rule = err.value.problems["rule"].iloc[0]
    assert "an unstructured covariance on 20 days has 210 parameters" in rule
    assert "needs at least 21 patients (days + 1); the data have 15" in rule
    assert "'toeplitz-heterogeneous' (39 parameters)" in rule
    # the suggested structure is estimable on the same data
    fit = mmrm(data, **COLS, covariance="toeplitz-heterogeneous")
    assert np.all(np.isfinite(fit.lsmeans()["se"]))


def test_unknown_structure_and_df_method_list_the_valid_ones() -> None:
    data = load("small")
    with pytest.raises(ValueError, match=r"`covariance` \('toeplitz2'\) must be one of") as err:
        mmrm(data, **MODEL, covariance="toeplitz2")
    for name in COVARIANCE_STRUCTURES:
        assert repr(name) in str(err.value)
    with pytest.raises(ValueError, match=r"`df` \('kr'\) must be one of") as err:
        mmrm(data, **MODEL, df="kr")
    for name in DF_METHODS:
        assert repr(name) in str(err.value)


def test_aliases_of_r_mmrm_and_sas() -> None:
    assert COVARIANCE_STRUCTURES["toep"] == "toeplitz"
    assert COVARIANCE_STRUCTURES["toeph"] == "toeplitz-heterogeneous"
    assert COVARIANCE_STRUCTURES["us"] == "unstructured"
    assert COVARIANCE_STRUCTURES["ar1h"] == "ar1-heterogeneous"


# --------------------------------------------------------------------------- structure choice
def test_select_covariance_table() -> None:
    table = mmrm_select_covariance(load("large"), **MODEL, criterion="bic")
    assert list(table.columns) == [
        "structure", "parameters", "converged", "loglik", "aic", "bic", "delta", "selected", "note",
    ]
    assert sorted(table["structure"]) == sorted(STRUCTURES)
    assert table["converged"].all()
    assert table["selected"].tolist() == [True] + [False] * 6
    assert list(table["bic"]) == sorted(table["bic"])
    assert table["delta"].iloc[0] == 0.0
    for row in table.itertuples():
        fit = fitted("large", row.structure)
        assert_allclose(row.loglik, fit.loglik, rtol=1e-12)
        assert_allclose(row.aic, -2 * fit.loglik + 2 * row.parameters, rtol=1e-12)
        assert_allclose(row.bic, -2 * fit.loglik + row.parameters * np.log(150), rtol=1e-12)
        assert row.parameters == fit.n_cov_params


def test_select_covariance_reports_structures_it_cannot_fit() -> None:
    data = complete_data(n=6, days=(1, 2, 3, 4, 5, 6, 7, 8))
    table = mmrm_select_covariance(data, **COLS, candidates=["un", "ar1", "cs", "ar1"])
    assert list(table["structure"])[-1] == "unstructured"
    last = table.iloc[-1]
    assert not last["converged"]
    assert np.isnan(last["aic"])
    assert last["note"].startswith("not estimable: an unstructured covariance on 8 days")
    assert len(table) == 3  # the duplicate candidate is fitted once
    with pytest.raises(ValueError, match=r"`criterion` \('aicc'\) must be one of 'aic', 'bic'"):
        mmrm_select_covariance(data, **COLS, criterion="aicc")
    with pytest.raises(ValueError, match=r"`candidates` \('spline'\) must be one of"):
        mmrm_select_covariance(data, **COLS, candidates=["spline"])
    with pytest.raises(ValueError, match="empty"):
        mmrm_select_covariance(data, **COLS, candidates=[])


# --------------------------------------------------------------------------- Toeplitz against nlme
@cache
def nlme_reference() -> pd.DataFrame:
    return pd.read_csv(
        REF_DIR / "reference_toeplitz_nlme.csv", comment="#", keep_default_na=False,
        dtype={"value": float, "label": str},
    )


@pytest.mark.parametrize("dataset", DATASETS)
@pytest.mark.parametrize("covariance", ["toeplitz", "toeplitz-heterogeneous"])
def test_toeplitz_matches_nlme_corarma(dataset: str, covariance: str) -> None:
    # R: gls(change ~ factor(day) + baseline, correlation = corARMA(form = ~ visit | id, p = 7)
    # [, weights = varIdent(form = ~ 1 | visit)], method = "REML"): a Toeplitz correlation on 8
    # visits is that of an AR(7) process. On THERA the homogeneous Toeplitz likelihood has two
    # maxima (-417.65 and -411.93); nlme and thera_stats both find the higher one.
    table = nlme_reference()
    sel = table[(table["dataset"] == dataset) & (table["covariance"] == covariance)]

    def value(quantity: str) -> np.ndarray:
        return sel.loc[sel["quantity"] == quantity, "value"].to_numpy(dtype=float)

    fit = fitted(dataset, covariance)
    assert_allclose(fit.loglik, value("loglik")[0], rtol=1e-9)
    assert_allclose(fit.coef, value("coef"), rtol=0, atol=2e-4)
    assert_allclose(fit.sigma.ravel(order="F"), value("cov"), rtol=1e-4)
