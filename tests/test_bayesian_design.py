"""Bayesian designs calibrated on exact operating characteristics: Lee & Liu's predictive
design and BOP2 / BOP2-FE.

References: R BOP2FE 1.0.3 (tests/reference/bayesian/bop2fe_*.R and CSVs; the README's
published simulated operating characteristics), exhaustive evaluation of small grids through the
engine, and direct enumeration.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from thera_stats.bayesian import BetaPrior, beta_prior, predictive_boundaries
from thera_stats.bayesian_design import (
    BOP2Design,
    PredictiveDesign,
    _batch_oc,
    _bop2_bounds,
    _valid,
    bop2_design,
    predictive_design,
)
from thera_stats.design_search import compare_designs
from thera_stats.multistage import MultiStageDesign

REF = Path(__file__).parent / "reference" / "bayesian"
README_LOOKS = [10, 15, 20, 25, 30, 35, 40]
# The README design: futility (stop if X <= f) 1 2 3 5 7 9 11; efficacy (stop if X >= s)
# 6 8 9 10 10 11 12, i.e. e_k = s_k - 1.
README_DESIGN = MultiStageDesign(0.2, 0.4, README_LOOKS, [1, 2, 3, 5, 7, 9, 11],
                                 [5, 7, 8, 9, 9, 10])


def _exact(design: MultiStageDesign) -> dict[tuple[str, str], tuple[float, float]]:
    """(value, per-patient SD) of each quantity BOP2FE simulates, under H0 and H1."""
    oc = design.operating_characteristics([design.p0, design.p1])
    sizes = np.asarray(design.sizes, dtype=float)
    out = {}
    for j, h in enumerate(("H0", "H1")):
        go = oc.prob_go[j]
        fut = oc.stop_futility[j, :-1].sum()
        eff = oc.stop_efficacy[j, :-1].sum()
        en = oc.expected_n[j]
        sd_n = np.sqrt(oc.size_distribution[j] @ sizes**2 - en**2)
        for q, v, sd in (("reject_null", go, np.sqrt(go * (1 - go))),
                         ("early_stop_futility", fut, np.sqrt(fut * (1 - fut))),
                         ("early_stop_efficacy", eff, np.sqrt(eff * (1 - eff))),
                         ("mean_n", en, sd_n)):
            out[(h, q)] = (float(v), float(sd))
    return out


def test_bop2fe_readme_table_within_simulation_error() -> None:
    # BOP2FE README (nsim = 1000): every simulated value within 3 simulation SEs of the exact one.
    ref = pd.read_csv(REF / "bop2fe_readme_oc.csv")
    exact = _exact(README_DESIGN)
    for _, r in ref.iterrows():
        value, sd = exact[(r["hypothesis"], r["quantity"])]
        assert abs(r["value"] - value) <= 3 * sd / np.sqrt(r["nsim"]), r.to_dict()


def test_bop2fe_rerun_within_simulation_error() -> None:
    # BOP2FE's own get_oc_binary, nsim = 20000, on the README design (bop2fe_readme_r.R).
    ref = pd.read_csv(REF / "bop2fe_readme_rerun_r.csv").set_index("what")
    exact = _exact(README_DESIGN)
    names = {"reject": "reject_null", "stop_futility": "early_stop_futility",
             "stop_efficacy": "early_stop_efficacy", "mean_n": "mean_n"}
    for h in ("h0", "h1"):
        for short, q in names.items():
            value, sd = exact[(h.upper(), q)]
            sim = ref.loc[f"{h}_{short}"]
            assert abs(sim["value"] - value) <= 3 * sd / np.sqrt(sim["nsim"]), (h, q)
    # BOP2FE's search on the README grid chose (0.9, 1, 2.1), as the README says.
    assert ref.loc["opt_lambda", "value"] == 0.9
    assert ref.loc["opt_eta", "value"] == 2.1


def test_bop2fe_readme_grid_exact_calibration() -> None:
    # On the README's grid the exact calibration picks eta = 2.0: its exact type I error
    # (0.0986) is within alpha and its exact power (0.8865) beats the README design's (0.8842);
    # BOP2FE's simulated ranking (nsim = 1000) could not tell them apart.
    d = bop2_design(0.2, 0.4, looks=README_LOOKS, alpha=0.1, efficacy=True,
                    lambda_grid=np.linspace(0, 1, 11), gamma_grid=np.linspace(0, 1, 11),
                    eta_grid=np.linspace(0, 3, 31))
    assert (d.lambda_, d.gamma, d.eta) == (0.9, 1.0, 2.0)
    assert d.design.futility == README_DESIGN.futility
    assert d.actual_alpha <= 0.1
    readme = README_DESIGN.operating_characteristics([0.2, 0.4]).prob_go
    assert readme[0] <= 0.1
    assert d.actual_power > readme[1]
    assert round(d.actual_alpha, 4) == 0.0986
    assert round(d.actual_power, 4) == 0.8865


def test_bop2fe_boundaries_match_r() -> None:
    # R: BOP2FE::get_boundary_binary(H0, a1 = H0, b1 = 1 - H0, n, lambda, gamma, eta).
    # BOP2FE scans counts from 1 and pads with 0 (futility) and n_k (efficacy): its futility
    # bound is max(ours, 0) and its efficacy bound (stop if X >= s) min(ours + 1, n_k).
    ref = pd.read_csv(REF / "bop2fe_bounds_r.csv")
    for (looks_txt, p0), g in ref.groupby(["looks", "p0"]):
        looks = [int(v) for v in looks_txt.split(";")]
        k = len(looks)
        prior = BetaPrior(p0, 1 - p0)
        fut_ref = g[g["kind"] == "futility"]
        eff_ref = g[g["kind"] == "efficacy"]
        lam = np.unique(g["lambda"])
        gam = np.unique(fut_ref["param"])
        eta = np.unique(eff_ref["param"])
        fut, eff = _bop2_bounds(looks, p0, prior, lam, gam, eta)
        for _, r in fut_ref.iterrows():
            i, j = np.searchsorted(lam, r["lambda"]), np.searchsorted(gam, r["param"])
            want = [int(v) for v in r["bounds"].split(";")]
            assert np.maximum(fut[i, j], 0).tolist() == want
        for _, r in eff_ref.iterrows():
            i, j = np.searchsorted(lam, r["lambda"]), np.searchsorted(eta, r["param"])
            want = [int(v) for v in r["bounds"].split(";")]
            ours = np.minimum(eff[i, j] + 1, looks[:-1]).tolist()
            assert ours == want[:-1]
            # BOP2FE's final efficacy bound: the first count with P(p > p0) >= lambda
            assert min(int(fut[i, 0, k - 1]) + 1, looks[-1]) == want[-1]


# ----------------------------------------------------------------- BOP2: exactness, optimality
def _grid_brute_force(p0: float, p1: float, looks: list[int], alpha: float, lam: np.ndarray,
                      gam: np.ndarray, eta: np.ndarray | None) -> tuple[float, float]:
    """Best (power, -EN0) over every grid point, each evaluated by the engine itself."""
    prior = BetaPrior(p0, 1 - p0)
    fut, eff = _bop2_bounds(looks, p0, prior, lam, gam, eta)
    best = (-1.0, 0.0)
    for i in range(lam.size):
        for j in range(gam.size):
            for h in range(eff.shape[1]):
                e = [int(v) if v < n else None for v, n in zip(eff[i, h], looks, strict=False)]
                try:
                    d = MultiStageDesign(p0, p1, looks, fut[i, j].tolist(),
                                         e if any(v is not None for v in e) else None)
                except ValueError:
                    continue
                oc = d.operating_characteristics([p0, p1])
                if oc.prob_go[0] <= alpha * (1 + 1e-12):
                    best = max(best, (round(float(oc.prob_go[1]), 12),
                                      -round(float(oc.expected_n[0]), 10)))
    return best


@pytest.mark.parametrize("efficacy", [False, True])
def test_bop2_is_best_on_its_grid(efficacy: bool) -> None:
    looks = [8, 16, 24, 32]
    lam = np.round(np.arange(0.5, 1.0, 0.05), 2)
    gam = np.linspace(0, 2, 9)
    eta = np.linspace(0, 3, 7) if efficacy else None
    d = bop2_design(0.25, 0.45, looks=looks, alpha=0.1, efficacy=efficacy, lambda_grid=lam,
                    gamma_grid=gam, eta_grid=eta)
    power, neg_en = _grid_brute_force(0.25, 0.45, looks, 0.1, lam, gam, eta)
    assert d.actual_power == pytest.approx(power, abs=1e-12)
    assert d.en_p0 == pytest.approx(-neg_en, abs=1e-9)
    oc = d.design.operating_characteristics([0.25, 0.45])
    assert_allclose([d.actual_alpha, d.actual_power], oc.prob_go, rtol=0, atol=1e-12)
    assert_allclose([d.en_p0, d.en_p1], oc.expected_n, rtol=0, atol=1e-10)
    assert d.actual_alpha <= 0.1


@settings(max_examples=25)
@given(st.integers(0, 10_000))
def test_batch_recursion_equals_engine(seed: int) -> None:
    rng = np.random.default_rng(seed)
    looks = np.cumsum(rng.integers(1, 7, size=rng.integers(1, 5))).tolist()
    k = len(looks)
    fut = np.sort(rng.integers(-1, looks[-1], size=(40, k)), axis=1)
    fut = np.minimum(fut, np.asarray(looks) - 1)
    fut[:, -1] = np.maximum(fut[:, -1], 0)
    eff = np.asarray(looks[:-1])[None, :] - rng.integers(0, 4, size=(40, k - 1))
    ok = _valid(looks, fut, eff)
    p = float(rng.uniform(0.05, 0.95))
    go, en = _batch_oc(looks, fut, eff, p)
    for i in range(40):
        e = [int(v) if v < n else None for v, n in zip(eff[i], looks, strict=False)]
        try:
            d = MultiStageDesign(0.1, 0.5, looks, fut[i].tolist(),
                                 e if any(v is not None for v in e) else None)
        except ValueError:
            assert not ok[i]
            continue
        assert ok[i]
        oc = d.operating_characteristics([p])
        assert abs(go[i] - oc.prob_go[0]) < 1e-12
        assert abs(en[i] - oc.expected_n[0]) < 1e-10


def test_bop2_results_and_tables() -> None:
    d = bop2_design(0.2, 0.4, looks=[10, 20, 30, 40], alpha=0.1)
    assert isinstance(d, BOP2Design)
    assert d.eta is None
    assert not d.design.has_efficacy_stop
    cut = d.cutoffs()
    assert_allclose(cut["futility_cutoff"], d.lambda_ * (cut["n"] / 40) ** d.gamma)
    assert d.prior == BetaPrior(0.2, 0.8)
    row = d.to_frame()
    assert row.loc[0, "family"] == "bop2"
    assert "lambda=0.86" in repr(d)
    table = compare_designs({"BOP2": d.as_choice()})
    assert table.loc[0, "alpha"] == pytest.approx(d.actual_alpha, abs=1e-12)
    fe = bop2_design(0.2, 0.4, looks=[10, 20, 30, 40], alpha=0.1, efficacy=True,
                     lambda_grid=[0.85, 0.9], gamma_grid=[0.5, 1], eta_grid=[1, 2])
    assert fe.as_choice().family == "bop2-fe"
    assert "efficacy_cutoff" in fe.cutoffs()


@pytest.mark.parametrize(("kwargs", "exc", "match"), [
    ({"alpha": 0.6}, ValueError, r"`alpha` \(0.6\) must lie in \(0, 0.5\)"),
    ({"looks": [10, 5]}, ValueError, r"`looks` \(\[10, 5\]\) must increase strictly"),
    ({"lambda_grid": [0.5, 1.5]}, ValueError, r"`lambda_grid` must lie in \[0, 1\]; got 1.5"),
    ({"gamma_grid": [-1]}, ValueError, r"`gamma_grid` must lie in \[0, inf\]; got -1.0"),
    ({"prior": (0, 1)}, ValueError, r"the Beta parameter a \(0\)"),
    ({"lambda_grid": [0.01], "gamma_grid": [0]}, ValueError,
     "No BOP2 design on the grids keeps the exact type I error"),
])
def test_bop2_errors(kwargs: dict[str, object], exc: type[Exception], match: str) -> None:
    args: dict[str, object] = {"looks": [10, 20, 30], "alpha": 0.1}
    args.update(kwargs)
    with pytest.raises(exc, match=match):
        bop2_design(0.2, 0.4, **args)  # type: ignore[arg-type]


# ----------------------------------------------------------------- predictive design
def test_predictive_design_meets_targets_exactly_and_is_minimax() -> None:
    prior = beta_prior(0.2, 1)
    tt = np.round(np.arange(0.8, 0.99, 0.01), 2)
    tl = np.round(np.arange(0.005, 0.2, 0.005), 3)
    best = predictive_design(0.2, 0.4, alpha=0.1, power=0.8, n_min=15, n_max=40, prior=prior,
                             theta_t_grid=tt, theta_l_grid=tl, first_look=10, cohort=5)
    assert isinstance(best, PredictiveDesign)
    oc = best.design.operating_characteristics([0.2, 0.4])
    assert_allclose([best.actual_alpha, best.actual_power], oc.prob_go, rtol=0, atol=1e-12)
    assert oc.prob_go[0] <= 0.1
    assert oc.prob_go[1] >= 0.8
    # the same bounds from the public rule with the chosen thresholds
    same = predictive_boundaries(best.design.sizes, 0.2, p1=0.4, theta_t=best.theta_t,
                                 theta_l=best.theta_l, prior=prior)
    assert same.futility == best.design.futility
    lo, hi = best.theta_t_range
    assert lo <= best.theta_t <= hi
    # minimax: no grid point with one patient fewer meets both targets (brute force)
    n = best.n_max - 1
    looks = [*range(10, n, 5), n]
    for t in tt:
        for low in tl:
            try:
                d = predictive_boundaries(looks, 0.2, p1=0.4, theta_t=t, theta_l=low,
                                          prior=prior)
            except ValueError:
                continue
            g = d.operating_characteristics([0.2, 0.4]).prob_go
            assert not (g[0] <= 0.1 and g[1] >= 0.8)


def test_predictive_design_optimal_not_worse_than_minimax() -> None:
    kw = {"alpha": 0.1, "power": 0.8, "n_min": 15, "n_max": 35, "prior": (0.2, 0.8),
          "theta_t_grid": np.round(np.arange(0.8, 0.99, 0.01), 2),
          "theta_l_grid": np.round(np.arange(0.01, 0.2, 0.01), 2), "first_look": 5,
          "cohort": 5}
    mm = predictive_design(0.2, 0.4, criterion="minimax", **kw)  # type: ignore[arg-type]
    op = predictive_design(0.2, 0.4, criterion="optimal", **kw)  # type: ignore[arg-type]
    assert op.en_p0 <= mm.en_p0 + 1e-12
    assert op.n_max >= mm.n_max
    assert op.to_frame().loc[0, "criterion"] == "optimal"
    assert compare_designs({"pp": mm.as_choice()}).loc[0, "n_max"] == mm.n_max


def test_predictive_design_errors() -> None:
    with pytest.raises(ValueError, match=r"`n_min` \(40\) must not exceed `n_max` \(30\)"):
        predictive_design(0.2, 0.4, alpha=0.1, power=0.8, n_min=40, n_max=30, prior=(1, 1))
    with pytest.raises(ValueError, match="No predictive-probability design with 5 <= N <= 8"):
        predictive_design(0.2, 0.4, alpha=0.05, power=0.9, n_min=5, n_max=8, prior=(1, 1))
    with pytest.raises(ValueError, match=r"`criterion` \('best'\) must be one of"):
        predictive_design(0.2, 0.4, alpha=0.1, power=0.8, n_min=5, n_max=8, prior=(1, 1),
                          criterion="best")
    with pytest.raises(ValueError, match=r"`theta_l_grid` must lie below `theta_u` \(0.5\)"):
        predictive_design(0.2, 0.4, alpha=0.1, power=0.8, n_min=5, n_max=8, prior=(1, 1),
                          theta_u=0.5, theta_l_grid=[0.1, 0.6])
    with pytest.raises(ValueError, match=r"need 0 < p0 < p1 < 1; got p0 = 0.4, p1 = 0.2"):
        predictive_design(0.4, 0.2, alpha=0.1, power=0.8, n_min=5, n_max=8, prior=(1, 1))
