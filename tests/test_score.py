"""Repeated-score analyses (pain VAS data): change from baseline, paired tests against R, responders, AUC, sensitivity.

Reference values come from ``tests/reference/vas/vas_reference.R`` (R 4.2.2), whose
header lists the exact R calls; the CSV inputs there have shuffled rows and missed visits.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from numpy.testing import assert_allclose

from thera_stats.errors import DataValidationError
from thera_stats.score import (
    change_from_baseline,
    missing_data_sensitivity,
    responder_curve,
    responder_flags,
    responder_rates,
    score_auc,
    summarize_change,
    summarize_score,
)

REF = Path(__file__).parent / "reference" / "vas"
# The pain-VAS tables of the reference data: every call names its columns and baseline day.
VAS = {"subject": "patient_id", "day": "day", "value": "vas_mm", "baseline_day": 0}
CHANGES = {**VAS, "value": "change"}
LOWER = {**VAS, "better": "lower"}
NUMERIC_SUMMARY = [
    "n", "mean_change", "sd_change", "median_change", "q1", "q3", "min", "max",
    "mean_change_ci_low", "mean_change_ci_high", "t_statistic", "t_pvalue",
    "wilcoxon_statistic", "wilcoxon_pvalue", "hl_estimate", "hl_ci_low", "hl_ci_high",
    "hl_confidence_level", "walsh_median",
]


def read_vas(name: str) -> pd.DataFrame:
    return pd.read_csv(REF / f"{name}_vas.csv")


def small_vas() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "patient_id": ["P1", "P1", "P1", "P2", "P2", "P3", "P3", "P3"],
            "day": [0, 1, 8, 0, 8, 0, 1, 8],
            "vas_mm": [80.0, 60.0, 40.0, 50.0, 30.0, 70.0, 72.0, 71.0],
        }
    )


# --------------------------------------------------------------------------- R agreement
@pytest.mark.parametrize("name", ["thera_like", "edge_cases"])
def test_summary_agrees_with_r(name: str) -> None:
    py = summarize_change(change_from_baseline(read_vas(name), **VAS), **CHANGES)
    r = pd.read_csv(REF / f"r_summary_{name}.csv")
    assert list(py.columns) == list(r.columns)
    assert py["day"].tolist() == r["day"].tolist()
    assert py["wilcoxon_method"].tolist() == r["wilcoxon_method"].tolist()
    for col in NUMERIC_SUMMARY:
        assert_allclose(py[col].to_numpy(float), r[col].to_numpy(float), rtol=1e-8, atol=1e-8,
                        equal_nan=True, err_msg=col)


def test_reference_data_cover_both_branches_and_quirks() -> None:
    """The stored R output exercises every branch the tests claim to check."""
    r = pd.concat([pd.read_csv(REF / f"r_summary_{n}.csv") for n in ("thera_like", "edge_cases")])
    exact = r[r["wilcoxon_method"] == "exact"]
    normal = r[r["wilcoxon_method"] == "normal"]
    assert (exact["n"] < 10).any()
    assert (exact["n"] == 49).any()
    assert (normal["n"] >= 50).any()  # no ties but n >= 50: normal approximation
    assert (r["hl_confidence_level"] < 0.95).any()  # "requested conf.level not achievable"
    assert normal["hl_ci_low"].notna().sum() >= 5  # root-searched intervals
    edge = read_vas("edge_cases")
    changes = change_from_baseline(edge, **VAS)
    day14 = changes.loc[changes["day"] == 14, "change"]
    assert (day14 == 0).any()
    assert day14.duplicated().any()


def test_pairing_is_by_patient_not_row_order() -> None:
    vas = read_vas("thera_like")
    expected = summarize_change(change_from_baseline(vas, **VAS), **CHANGES)
    for seed in range(3):
        shuffled = vas.sample(frac=1, random_state=seed).reset_index(drop=True)
        again = summarize_change(change_from_baseline(shuffled, **VAS), **CHANGES)
        pd.testing.assert_frame_equal(again, expected)
    # a positional pairing would give a different answer: the table has missed visits
    base = vas[vas["day"] == 0].sort_values("patient_id")["vas_mm"].to_numpy()
    day8 = vas[vas["day"] == 8].sort_values("patient_id")["vas_mm"].to_numpy()
    assert len(day8) < len(base)


def test_hl_estimate_is_rs_estimate_and_walsh_median_is_hodges_lehmann() -> None:
    """``hl_estimate`` is R's root in the normal branch; ``walsh_median`` is the median of
    the Walsh averages (both checked against R in test_summary_agrees_with_r)."""
    changes = change_from_baseline(read_vas("thera_like"), **VAS)
    py = summarize_change(changes, **CHANGES).set_index("day")
    r = pd.read_csv(REF / "r_summary_thera_like.csv").set_index("day")
    # day 3 (normal branch): the R uniroot root differs from the median of the Walsh averages
    assert r.loc[3, "wilcoxon_method"] == "normal"
    assert r.loc[3, "hl_estimate"] == pytest.approx(-16.865344030548592, abs=1e-12)
    assert r.loc[3, "walsh_median"] == -16.5
    assert py.loc[3, "hl_estimate"] == pytest.approx(r.loc[3, "hl_estimate"], rel=1e-12)
    assert py.loc[3, "walsh_median"] == r.loc[3, "walsh_median"]
    # exact branch: R's estimate is the median of the Walsh averages, so the columns agree
    exact = r["wilcoxon_method"] == "exact"
    assert exact.sum() >= 2
    assert_allclose(py.loc[exact, "walsh_median"], r.loc[exact, "hl_estimate"], rtol=1e-12)
    # zeros are dropped before the Walsh averages (as R drops them): an all-zero day is NaN
    edge = pd.read_csv(REF / "r_summary_edge_cases.csv").set_index("day")
    assert math.isnan(edge.loc[7, "walsh_median"])
    assert math.isnan(summarize_change(change_from_baseline(read_vas("edge_cases"), **VAS), **CHANGES)
                      .set_index("day").loc[7, "walsh_median"])


RESPONDER_DEFS = {
    "rel50_and_abs20": {"relative": 0.5, "absolute": 20, "combine": "and"},
    "rel50": {"relative": 0.5, "absolute": None, "combine": "and"},
    "abs20": {"relative": None, "absolute": 20, "combine": "and"},
    "rel30_or_abs20": {"relative": 0.3, "absolute": 20, "combine": "or"},
}


@pytest.mark.parametrize(
    ("label", "missing"), list(itertools.product(RESPONDER_DEFS, ["non-responder", "exclude"]))
)
def test_responder_rates_agree_with_r(label: str, missing: str) -> None:
    r = pd.read_csv(REF / "r_responders_thera_like.csv")
    r = r[(r["definition"] == label) & (r["missing"] == missing)].reset_index(drop=True)
    py = responder_rates(read_vas("thera_like"), **LOWER, missing=missing, **RESPONDER_DEFS[label])
    assert py["day"].tolist() == r["day"].tolist()
    assert py["n"].tolist() == r["n"].tolist()
    assert py["responders"].tolist() == r["responders"].tolist()
    for col in ("proportion", "ci_low", "ci_high"):
        assert_allclose(py[col].to_numpy(float), r[col].to_numpy(float), rtol=1e-8, atol=1e-10)


def test_sensitivity_agrees_with_r() -> None:
    r = pd.read_csv(REF / "r_sensitivity.csv")
    py = missing_data_sensitivity(read_vas("sensitivity"), **VAS, primary_day=8)
    assert py["method"].tolist() == ["observed cases", "LOCF", "BOCF", "MMRM"]
    assert py["n"].tolist() == r["n"].tolist()
    assert py["n_observed"].tolist() == [14] * 4
    single = slice(0, 3)
    for col in ("estimate", "se", "df", "ci_low", "ci_high", "pvalue"):
        assert_allclose(py[col].to_numpy(float)[single], r[col].to_numpy(float)[single],
                        rtol=1e-8, err_msg=col)
    # MMRM row: nlme::gls(corSymm + varIdent, REML) with emmeans, baseline at its mean
    assert abs(py["estimate"].iat[3] - r["estimate"].iat[3]) < 1e-4
    assert py["se"].iat[3] == pytest.approx(r["se"].iat[3], rel=1e-3)
    assert py["ci_low"].iat[3] < py["estimate"].iat[3] < py["ci_high"].iat[3]


# --------------------------------------------------------------------------- change from baseline
def test_change_from_baseline_columns_and_values() -> None:
    vas = small_vas().assign(site="Rennes")
    before = vas.copy(deep=True)
    out = change_from_baseline(vas, **VAS)
    pd.testing.assert_frame_equal(vas, before)  # input untouched
    assert list(out.columns) == ["patient_id", "day", "vas_mm", "baseline", "change",
                                 "pct_change", "site"]
    assert out["patient_id"].tolist() == ["P1"] * 3 + ["P2"] * 2 + ["P3"] * 3
    p1 = out[out["patient_id"] == "P1"]
    assert p1["change"].tolist() == [0.0, -20.0, -40.0]
    assert p1["pct_change"].tolist() == [0.0, -25.0, -50.0]
    assert (out.loc[out["day"] == 0, "change"] == 0).all()


def test_change_from_baseline_custom_column_names() -> None:
    vas = small_vas().rename(columns={"patient_id": "subj", "day": "visit", "vas_mm": "pain"})
    out = change_from_baseline(vas, subject="subj", day="visit", value="pain", baseline_day=0)
    assert list(out.columns)[:6] == ["subj", "visit", "pain", "baseline", "change",
                                     "pct_change"]
    assert out["change"].tolist() == change_from_baseline(small_vas(), **VAS)["change"].tolist()


def test_change_from_baseline_other_baseline_day_and_missing_values() -> None:
    vas = small_vas()
    vas.loc[len(vas)] = ["P2", 1, np.nan]  # a missed visit recorded as an empty cell
    out = change_from_baseline(vas, **{**VAS, "baseline_day": 8})
    assert len(out) == 8  # the NaN row is dropped
    p3 = out[out["patient_id"] == "P3"]
    assert p3["baseline"].tolist() == [71.0] * 3
    assert p3["change"].tolist() == [-1.0, 1.0, 0.0]


def test_change_is_exact_in_decimal_arithmetic() -> None:
    # In binary floating point 45.3 - 20.1 != 30.2 - 5.0; the decimal changes are equal.
    vas = pd.DataFrame({"patient_id": ["A", "A", "B", "B"], "day": [0, 1, 0, 1],
                        "vas_mm": [45.3, 20.1, 30.2, 5.0]})
    assert 20.1 - 45.3 != 5.0 - 30.2
    out = change_from_baseline(vas, **VAS)
    ch = out.loc[out["day"] == 1, "change"].tolist()
    assert ch[0] == ch[1] == -25.2
    # so the rank test sees the tie (R's x - y would not: see docs/methods/vas.md)
    assert summarize_change(out, **CHANGES)["wilcoxon_method"].iat[0] == "normal"


def test_pct_change_with_zero_baseline_is_nan() -> None:
    vas = pd.DataFrame({"patient_id": ["A", "A"], "day": [0, 1], "vas_mm": [0.0, 10.0]})
    out = change_from_baseline(vas, **VAS)
    assert out["change"].tolist() == [0.0, 10.0]
    assert out["pct_change"].isna().all()


@settings(max_examples=60)
@given(
    st.lists(st.integers(0, 1000), min_size=2, max_size=12),
    st.integers(0, 2**32 - 1),
)
def test_change_plus_baseline_recovers_value(tenths: list[int], seed: int) -> None:
    values = [t / 10 for t in tenths]
    vas = pd.DataFrame({"patient_id": ["A"] * len(values), "day": range(len(values)),
                        "vas_mm": values})
    out = change_from_baseline(vas.sample(frac=1, random_state=seed % 1000), **VAS)
    for v, b, c in zip(out["vas_mm"], out["baseline"], out["change"], strict=True):
        assert Fraction(repr(c)) == Fraction(repr(v)) - Fraction(repr(b))


# --------------------------------------------------------------------------- summarize_change
def test_summary_degenerate_days() -> None:
    vas = pd.DataFrame({"patient_id": ["A", "A", "A", "B", "B", "B"], "day": [0, 1, 2] * 2,
                        "vas_mm": [50, 40, 50, 60, 50, 60]})
    out = summarize_change(change_from_baseline(vas, **VAS), **CHANGES)
    d1 = out[out["day"] == 1].iloc[0]  # two equal changes: R's t.test refuses ("constant")
    assert math.isnan(d1["t_pvalue"])
    assert math.isnan(d1["mean_change_ci_low"])
    assert d1["mean_change"] == -10
    assert d1["sd_change"] == 0
    d2 = out[out["day"] == 2].iloc[0]  # all zero: no signed-rank test possible
    assert math.isnan(d2["wilcoxon_pvalue"])
    assert math.isnan(d2["hl_estimate"])
    assert 0 not in out["day"].tolist()


def test_summary_confidence_level_and_columns_stable() -> None:
    changes = change_from_baseline(read_vas("thera_like"), **VAS)
    a = summarize_change(changes, **CHANGES)
    b = summarize_change(changes, **CHANGES, confidence_level=0.9)
    assert list(a.columns) == list(b.columns)
    assert (b["mean_change_ci_high"] - b["mean_change_ci_low"]
            < a["mean_change_ci_high"] - a["mean_change_ci_low"]).all()
    assert (b["hl_confidence_level"] <= 0.9).all()


def test_summary_rejects_duplicates_in_changes() -> None:
    changes = change_from_baseline(small_vas(), **VAS)
    doubled = pd.concat([changes, changes.iloc[[1]]], ignore_index=True)
    with pytest.raises(DataValidationError, match="patient P1 has 2 rows for day 1"):
        summarize_change(doubled, **CHANGES)


# --------------------------------------------------------------------------- responders
def test_responder_boundaries_are_exact() -> None:
    # naive floating point: 42.3 - 22.3 = 19.999999999999996 < 20 and
    # 43.0 - 30.1 = 12.899999999999999 < 0.3 * 43.0 = 12.9
    vas = pd.DataFrame({
        "patient_id": ["A", "A", "B", "B", "C", "C", "D", "D"],
        "day": [0, 8] * 4,
        "vas_mm": [42.3, 22.3, 43.0, 30.1, 60.3, 30.15, 60.3, 30.16],
    })
    assert 42.3 - 22.3 < 20
    assert 43.0 - 30.1 < 0.3 * 43.0
    by_abs = responder_flags(vas, **LOWER, relative=None, absolute=20)
    assert by_abs["responder"].tolist() == [True, False, True, True]
    by_rel = responder_flags(vas, **LOWER, relative=0.3)
    assert by_rel["responder"].tolist() == [True, True, True, True]
    half = responder_flags(vas, **LOWER, relative=0.5)
    assert half["responder"].tolist() == [False, False, True, False]  # C is exactly 50 %
    both = responder_flags(vas, **LOWER, relative=0.5, absolute=20, combine="and")
    assert both["responder"].tolist() == [False, False, True, False]
    either = responder_flags(vas, **LOWER, relative=0.5, absolute=20, combine="or")
    assert either["responder"].tolist() == [True, False, True, True]


def test_responder_flags_grid_and_missing_rules() -> None:
    vas = small_vas()
    flags = responder_flags(vas, **LOWER, relative=0.5)
    assert len(flags) == 6  # 3 patients x days {1, 8}
    p2d1 = flags[(flags["patient_id"] == "P2") & (flags["day"] == 1)].iloc[0]
    assert not p2d1["observed"]
    assert p2d1["responder"] is np.False_
    assert pd.isna(p2d1["vas_mm"])
    assert flags["absolute_met"].isna().all()  # criterion not used
    excl = responder_flags(vas, **LOWER, relative=0.5, missing="exclude")
    assert excl["responder"].isna().sum() == 1
    for col in ("observed", "relative_met", "absolute_met", "responder"):
        assert str(flags[col].dtype) == "boolean"


def test_responder_rates_missing_rules() -> None:
    vas = small_vas()
    nr = responder_rates(vas, **LOWER, relative=0.5)
    ex = responder_rates(vas, **LOWER, relative=0.5, missing="exclude")
    assert nr["n"].tolist() == [3, 3]
    assert ex["n"].tolist() == [2, 3]
    assert nr["responders"].tolist() == ex["responders"].tolist() == [0, 1]
    assert list(nr.columns) == ["day", "n", "responders", "proportion", "ci_low", "ci_high",
                                "definition"]
    assert nr["definition"].iat[0] == "reduction >= 50 %; missing = non-responder"
    assert nr["ci_low"].iat[0] == 0.0  # Clopper-Pearson at x = 0


def test_responder_argument_errors() -> None:
    vas = small_vas()
    with pytest.raises(ValueError, match="At least one"):
        responder_rates(vas, **LOWER, relative=None, absolute=None)
    with pytest.raises(ValueError, match="At least one"):
        responder_rates(vas, **LOWER)  # no default thresholds
    with pytest.raises(ValueError, match=r"`combine` \('both'\) must be one of"):
        responder_rates(vas, **LOWER, relative=0.5, combine="both")
    with pytest.raises(ValueError, match="`missing`"):
        responder_rates(vas, **LOWER, relative=0.5, missing="LOCF")
    with pytest.raises(ValueError, match=r"`relative` \(50\) must lie in \[0, 1\]"):
        responder_rates(vas, **LOWER, relative=50)
    with pytest.raises(TypeError, match="absolute"):
        responder_rates(vas, **LOWER, absolute="20")
    with pytest.raises(ValueError, match=r"`absolute` \(-5\) must be a finite number >= 0"):
        responder_rates(vas, **LOWER, absolute=-5)
    with pytest.raises(ValueError, match=r"`better` \('less'\) must be one of 'lower', 'higher'"):
        responder_flags(vas, **VAS, better="less", relative=0.5)
    with pytest.raises(TypeError, match="better"):
        responder_flags(vas, **VAS, relative=0.5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="better"):
        responder_curve(vas, **VAS)  # type: ignore[call-arg]


vas_tables = st.integers(2, 12).flatmap(
    lambda n: st.tuples(
        st.lists(st.integers(410, 1000), min_size=n, max_size=n),
        st.lists(st.one_of(st.none(), st.integers(0, 1000)), min_size=2 * n, max_size=2 * n),
    )
)


def build_table(spec: tuple[list[int], list[int | None]]) -> pd.DataFrame:
    base, post = spec
    n = len(base)
    rows = [(f"P{i:02d}", 0, b / 10) for i, b in enumerate(base)]
    for k, v in enumerate(post):
        if v is not None:
            rows.append((f"P{k % n:02d}", 1 + k // n, v / 10))
    return pd.DataFrame(rows, columns=["patient_id", "day", "vas_mm"])


@settings(max_examples=80)
@given(vas_tables, st.integers(0, 100), st.integers(0, 100))
def test_responder_proportion_monotone_in_thresholds(spec, r1: int, r2: int) -> None:
    vas = build_table(spec)
    lo, hi = sorted((r1, r2))
    a = responder_rates(vas, **LOWER, relative=lo / 100)
    b = responder_rates(vas, **LOWER, relative=hi / 100)
    assert (b["responders"] <= a["responders"]).all()
    c = responder_rates(vas, **LOWER, relative=None, absolute=lo)
    d = responder_rates(vas, **LOWER, relative=None, absolute=hi)
    assert (d["responders"] <= c["responders"]).all()
    both = responder_rates(vas, **LOWER, relative=lo / 100, absolute=lo)
    either = responder_rates(vas, **LOWER, relative=lo / 100, absolute=lo, combine="or")
    assert (both["responders"] <= a["responders"]).all()
    assert (either["responders"] >= a["responders"]).all()


@settings(max_examples=80)
@given(vas_tables, st.integers(0, 10_000))
def test_shuffling_rows_never_changes_results(spec, seed: int) -> None:
    vas = build_table(spec)
    shuffled = vas.sample(frac=1, random_state=seed).reset_index(drop=True)
    calls = [
        lambda t: responder_rates(t, **LOWER, relative=0.5),
        lambda t: responder_flags(t, **LOWER, relative=0.5),
        lambda t: responder_curve(t, **LOWER),
        lambda t: score_auc(t, **VAS, start_day=0, end_day=5),
    ]
    for func in calls:
        pd.testing.assert_frame_equal(func(vas), func(shuffled))
    pd.testing.assert_frame_equal(
        summarize_change(change_from_baseline(vas, **VAS), **CHANGES),
        summarize_change(change_from_baseline(shuffled, **VAS), **CHANGES),
    )


@settings(max_examples=60)
@given(vas_tables, st.sampled_from(["non-responder", "exclude"]))
def test_responder_curve_matches_rates_at_every_threshold(spec, missing: str) -> None:
    vas = build_table(spec)
    curve = responder_curve(vas, **LOWER, missing=missing)
    for row in curve.itertuples(index=False):
        if 0 <= row.threshold <= 100:
            rates = responder_rates(vas, **LOWER, relative=None, absolute=row.threshold,
                                    missing=missing)
            at = rates[rates["day"] == row.day].iloc[0]
            assert (at["responders"], at["n"]) == (row.responders, row.n)
    rel = responder_curve(vas, **LOWER, scale="relative", missing=missing)
    for row in rel.itertuples(index=False):
        # only thresholds that are short decimals can be passed back exactly as a float
        if 0 <= row.threshold <= 100 and round(row.threshold, 6) == row.threshold:
            relative = float(Fraction(repr(row.threshold)) / 100)
            rates = responder_rates(vas, **LOWER, relative=relative, missing=missing)
            at = rates[rates["day"] == row.day].iloc[0]
            assert at["responders"] == row.responders
    for _, grp in curve.groupby("day"):
        assert grp["threshold"].is_monotonic_increasing
        assert grp["proportion"].is_monotonic_decreasing


def test_responder_curve_relative_and_zero_baseline() -> None:
    vas = pd.DataFrame({"patient_id": ["A", "A", "B", "B"], "day": [0, 1, 0, 1],
                        "vas_mm": [0.0, 0.0, 80.0, 20.0]})
    rel = responder_curve(vas, **LOWER, scale="relative")
    assert rel["threshold"].tolist() == [75.0]
    assert rel["responders"].tolist() == [1]
    assert rel["n"].tolist() == [2]
    with pytest.raises(ValueError, match="scale"):
        responder_curve(vas, **LOWER, scale="percent")


# --------------------------------------------------------------------------- AUC
def auc_table() -> pd.DataFrame:
    return pd.DataFrame({
        "patient_id": ["A"] * 6 + ["B"] * 4 + ["C"] * 3 + ["D"] * 3,
        "day": [0, 1, 2, 3, 4, 5, 0, 2, 4, 8, 0, 1, 2, 0, 1, 5],
        "vas_mm": [60, 60, 60, 60, 60, 60, 80, 60, 40, 40, 50, 40, 30, 70, 50, 50],
    })


def test_auc_trapezoid_and_gap_handling() -> None:
    out = score_auc(auc_table(), **VAS, start_day=0, end_day=5)
    assert list(out.columns) == ["patient_id", "start_day", "end_day", "n_observed",
                                 "auc", "auc_change", "time_weighted_mean",
                                 "gap_handling"]
    a, b, c, d = (out.iloc[i] for i in range(4))
    assert a["auc"] == 300
    assert a["auc_change"] == 0
    assert a["time_weighted_mean"] == 60
    assert a["gap_handling"] == "complete"
    # B: days 1, 3 interpolated; day 5 interpolated between day 4 (40) and day 8 (40)
    assert b["auc"] == pytest.approx(140 + 100 + 40)
    assert b["gap_handling"] == "interpolated"
    assert b["n_observed"] == 3
    # C: withdrew after day 2, nothing after: no AUC unless carried forward
    assert math.isnan(c["auc"])
    assert c["gap_handling"] == "incomplete"
    assert d["auc"] == pytest.approx(60 + 200)
    assert d["gap_handling"] == "interpolated"
    locf = score_auc(auc_table(), **VAS, start_day=0, end_day=5, extrapolate="locf")
    c2 = locf.iloc[2]
    assert c2["auc"] == pytest.approx(45 + 35 + 3 * 30)
    assert c2["gap_handling"] == "carried forward"


def test_auc_window_arguments() -> None:
    out = score_auc(auc_table(), **VAS, start_day=1, end_day=4)
    assert out["auc"].iat[0] == 180
    b = out.iloc[1]  # day 1 interpolated between day 0 (80) and day 2 (60)
    assert b["auc"] == pytest.approx((70 + 60) / 2 + (60 + 40) / 2 * 2)
    with pytest.raises(ValueError, match="after"):
        score_auc(auc_table(), **VAS, start_day=5, end_day=5)
    with pytest.raises(ValueError, match="extrapolate"):
        score_auc(auc_table(), **VAS, start_day=0, end_day=5, extrapolate="linear")
    with pytest.raises(TypeError, match="end_day"):
        score_auc(auc_table(), **VAS, start_day=0, end_day=5.5)  # type: ignore[arg-type]


@given(st.integers(0, 100), st.integers(1, 30))
def test_auc_of_constant_profile(level: int, end: int) -> None:
    vas = pd.DataFrame({"patient_id": ["A"] * 3, "day": [0, end, end + 5],
                        "vas_mm": [float(level)] * 3})
    out = score_auc(vas, **VAS, start_day=0, end_day=end)
    assert out["auc"].iat[0] == pytest.approx(level * end)
    assert out["time_weighted_mean"].iat[0] == pytest.approx(level)


# --------------------------------------------------------------------------- sensitivity
def test_sensitivity_by_hand() -> None:
    vas = pd.DataFrame({"patient_id": list("AAABBBCCDD"),
                        "day": [0, 1, 8, 0, 1, 8, 0, 1, 0, 1],
                        "vas_mm": [80, 60, 40, 70, 50, 35, 60, 50, 65, 60]})
    out = missing_data_sensitivity(vas, **VAS, primary_day=8, include_mmrm=False)
    assert out["method"].tolist() == ["observed cases", "LOCF", "BOCF"]
    assert out["estimate"].tolist() == [-37.5, (-40 - 35 - 10 - 5) / 4, (-40 - 35) / 4]
    assert out["n"].tolist() == [2, 4, 4]
    assert out["n_observed"].tolist() == [2, 2, 2]
    assert out["df"].tolist() == [1.0, 3.0, 3.0]
    with pytest.raises(ValueError, match="primary day"):
        missing_data_sensitivity(vas, **VAS, primary_day=15, include_mmrm=False)
    with pytest.raises(ValueError, match="differ from the baseline"):
        missing_data_sensitivity(vas, **VAS, primary_day=0, include_mmrm=False)


def test_sensitivity_ignores_days_before_a_later_baseline_day() -> None:
    """A screening day before the baseline day is allowed in a VAS table; the MMRM row
    uses only the days after the baseline, as the MMRM itself requires."""
    vas = read_vas("sensitivity")
    shifted = vas.assign(day=vas["day"] + 1)  # baseline on day 1, primary day 9
    screening = vas[vas["day"] == 0].assign(vas_mm=lambda f: f["vas_mm"] + 5.0)  # day 0
    with_screening = pd.concat([shifted, screening], ignore_index=True)
    a = missing_data_sensitivity(shifted, **{**VAS, "baseline_day": 1}, primary_day=9)
    b = missing_data_sensitivity(
        with_screening, **{**VAS, "baseline_day": 1}, primary_day=9
    )
    pd.testing.assert_frame_equal(a, b)
    ref = missing_data_sensitivity(vas, **VAS, primary_day=8).drop(columns="day")
    pd.testing.assert_frame_equal(a.drop(columns="day"), ref, rtol=1e-6)


def test_sensitivity_mmrm_row_is_the_mmrm_lsmean() -> None:
    from thera_stats.mmrm import mmrm

    vas = read_vas("sensitivity")
    out = missing_data_sensitivity(vas, **VAS, primary_day=8, confidence_level=0.9)
    ls = mmrm(change_from_baseline(vas, **VAS), **CHANGES, covariates=("baseline",),
              confidence_level=0.9).lsmeans()
    row = ls[ls["day"] == 8].iloc[0]
    mm = out.iloc[3]
    for col in ("estimate", "se", "df", "ci_low", "ci_high", "pvalue"):
        assert mm[col] == pytest.approx(row[col], rel=1e-12)


# --------------------------------------------------------------------------- validation
def test_validation_lists_every_problem_with_patient_and_day() -> None:
    vas = pd.DataFrame({
        "patient_id": ["P1", "P1", "P1", "P2", "P2", "P3", "P4", "P4", None],
        "day": [0, 1, 1, 0, 3, 2, 0, "x", 1],
        "vas_mm": [70, 120, 60, -3, "12,5", 40, 55, 50, 44],
    })
    before = vas.copy(deep=True)
    with pytest.raises(DataValidationError) as info:
        change_from_baseline(vas, **VAS, value_range=(0, 100), unit="mm")
    pd.testing.assert_frame_equal(vas, before)
    problems = info.value.problems
    msg = str(info.value)
    rules = problems["rule"].tolist()
    assert any("vas_mm must be between 0 and 100 mm (patient P1, day 1)" in r for r in rules)
    assert any("between 0 and 100 mm (patient P2, day 0)" in r for r in rules)
    assert any("must be a number in mm (patient P2, day 3)" in r for r in rules)
    assert sum("patient P1 has 2 rows for day 1" in r for r in rules) == 2
    assert any("patient P3 has no baseline vas_mm (day 0)" in r for r in rules)
    assert any("whole number of days" in r for r in rules)
    assert any("identifier is missing" in r for r in rules)
    assert len(problems) == 8
    over = problems[problems["value"] == "120"].iloc[0]
    assert (over["row"], over["patient_id"], over["column"]) == (3, "P1", "vas_mm")
    assert "row 3, patient P1, column vas_mm: value '120'" in msg
    assert isinstance(info.value, ValueError)


def test_validation_missing_columns_and_empty_table() -> None:
    with pytest.raises(DataValidationError) as info:
        responder_rates(pd.DataFrame({"patient": ["A"], "day": [0]}), **LOWER, relative=0.5)
    assert info.value.problems["column"].tolist() == ["patient_id", "vas_mm"]
    with pytest.raises(DataValidationError, match="no rows"):
        change_from_baseline(small_vas().iloc[0:0], **VAS)
    with pytest.raises(TypeError, match="DataFrame"):
        change_from_baseline([1, 2, 3], **VAS)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="baseline_day"):
        change_from_baseline(small_vas(), **{**VAS, "baseline_day": "0"})
    with pytest.raises(TypeError, match="missing 4 required keyword-only arguments"):
        change_from_baseline(small_vas())  # type: ignore[call-arg]
    with pytest.raises(ValueError, match="'change' is reserved"):
        change_from_baseline(small_vas().rename(columns={"vas_mm": "change"}),
                             **{**VAS, "value": "change"})


def test_validation_negative_day_and_missing_day() -> None:
    vas = pd.DataFrame({"patient_id": ["A", "A", "A"], "day": [0, -1, np.nan],
                        "vas_mm": [50, 40, 30]})
    with pytest.raises(DataValidationError) as info:
        score_auc(vas, **VAS, start_day=0, end_day=5)
    rules = info.value.problems["rule"].tolist()
    assert rules == ["day must not be negative", "day is missing"]


def test_validation_with_pandas_string_columns() -> None:
    """CSV text read by pandas 3 arrives as the string dtype."""
    vas = pd.DataFrame({
        "patient_id": pd.array(["A", "A", "B", "B"], dtype="string"),
        "day": pd.array(["0", "8", "0", "8"], dtype="string"),
        "vas_mm": pd.array(["50", "20", "60", "n/a?"], dtype="string"),
    })
    with pytest.raises(DataValidationError, match="patient B, day 8"):
        change_from_baseline(vas, **VAS)
    ok = change_from_baseline(vas.iloc[:3], **VAS)
    assert ok["change"].tolist() == [0.0, -30.0, 0.0]


def test_no_function_modifies_its_input() -> None:
    vas = read_vas("sensitivity")
    before = vas.copy(deep=True)
    changes = change_from_baseline(vas, **VAS)
    changes_before = changes.copy(deep=True)
    summarize_change(changes, **CHANGES)
    responder_flags(vas, **LOWER, relative=0.5)
    responder_rates(vas, **LOWER, absolute=20)
    responder_curve(vas, **LOWER)
    score_auc(vas, **VAS, start_day=0, end_day=5)
    missing_data_sensitivity(vas, **VAS, primary_day=8, include_mmrm=False)
    pd.testing.assert_frame_equal(vas, before)
    pd.testing.assert_frame_equal(changes, changes_before)


@pytest.mark.parametrize("level", [0.95, 0.90])
def test_summarize_score_matches_r_t_test(level: float) -> None:
    """Reference: tests/reference/vas/r_vas_by_day_thera_like.csv (R 4.2.2, t.test per day)."""
    ref_dir = Path(__file__).parent / "reference" / "vas"
    ref = pd.read_csv(ref_dir / "r_vas_by_day_thera_like.csv", comment="#")
    vas = pd.read_csv(ref_dir / "thera_like_vas.csv")
    out = summarize_score(vas.sample(frac=1.0, random_state=1), **VAS, confidence_level=level)
    tag = "95" if level == 0.95 else "90"
    assert out["day"].tolist() == ref["day"].tolist()
    assert out["n"].tolist() == ref["n"].tolist()
    np.testing.assert_allclose(out["mean"], ref["mean"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(out["sd"], ref["sd"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(out["ci_low"], ref[f"ci_low_{tag}"], rtol=0, atol=1e-10)
    np.testing.assert_allclose(out["ci_high"], ref[f"ci_high_{tag}"], rtol=0, atol=1e-10)
    assert out.attrs["confidence_level"] == level


# --------------------------------------------------------------------------- any scale, either direction
def test_higher_is_better_mirrors_lower_is_better() -> None:
    """A score where higher is better, mirrored (100 - VAS), gives the same responders."""
    vas = read_vas("thera_like")
    mirrored = vas.assign(vas_mm=100 - vas["vas_mm"])
    for kw in ({"relative": None, "absolute": 20}, {"absolute": 10, "relative": None}):
        low = responder_rates(vas, **LOWER, **kw)
        high = responder_rates(mirrored, **{**VAS, "better": "higher"}, **kw)
        pd.testing.assert_frame_equal(low.drop(columns="definition"),
                                      high.drop(columns="definition"))
        assert high["definition"].iat[0].startswith("increase >= ")
    lo_curve = responder_curve(vas, **LOWER)
    hi_curve = responder_curve(mirrored, **{**VAS, "better": "higher"})
    pd.testing.assert_frame_equal(lo_curve, hi_curve)


def test_relative_improvement_uses_absolute_baseline_and_zero_baseline_rule() -> None:
    # Higher is better on a scale centred at 0 (baseline -10 -> -4 is +6, 60 % of |-10|).
    # From a zero baseline a gain is an infinite relative improvement (B, 0 -> 5, meets any
    # relative criterion); no gain is 0/0 (D, 0 -> 0, meets none, not even relative = 0).
    data = pd.DataFrame({"id": ["A", "A", "B", "B", "C", "C", "D", "D"], "t": [0, 4] * 4,
                         "score": [-10.0, -4.0, 0.0, 5.0, 20.0, 50.0, 0.0, 0.0]})
    cols = {"subject": "id", "day": "t", "value": "score", "baseline_day": 0}
    flags = responder_flags(data, **cols, better="higher", relative=0.5)
    assert flags["responder"].tolist() == [True, True, True, False]
    assert flags["relative_met"].tolist() == [True, True, True, False]
    zero = responder_flags(data, **cols, better="higher", relative=0.0)
    assert zero["responder"].tolist() == [True, True, True, False]
    lower = responder_flags(data, **cols, better="lower", relative=0.0)
    assert lower["responder"].tolist() == [False, False, False, False]
    data = data[data["id"] != "D"]
    changes = change_from_baseline(data, **cols)
    assert changes.loc[changes["t"] == 4, "pct_change"].tolist()[0] == 60.0  # 100 * 6 / |-10|
    assert math.isnan(changes.loc[changes["t"] == 4, "pct_change"].tolist()[1])
    assert changes.loc[changes["t"] == 4, "change"].tolist() == [6.0, 5.0, 30.0]
    # relative improvements above 100 % are possible when higher is better
    big = responder_flags(data, **cols, better="higher", relative=1.5)
    assert big["responder"].tolist() == [False, True, True]
    with pytest.raises(ValueError, match=r"must lie in \[0, 1\]"):
        responder_flags(data, **cols, better="lower", relative=1.5)


def test_nrs_scale_with_value_range_and_no_default_range() -> None:
    """No 0-100 check unless asked: an NRS of 0-10 and a score above 100 are both fine."""
    nrs = pd.DataFrame({"sid": ["S1", "S1", "S2", "S2"], "visit": [0, 7, 0, 7],
                        "nrs": [8, 3, 6, 11]})
    cols = {"subject": "sid", "day": "visit", "value": "nrs", "baseline_day": 0}
    assert change_from_baseline(nrs, **cols)["change"].tolist() == [0.0, -5.0, 0.0, 5.0]
    with pytest.raises(DataValidationError, match="nrs must be between 0 and 10 ") as info:
        change_from_baseline(nrs, **cols, value_range=(0, 10))
    assert info.value.problems["row"].tolist() == [5]
    rates = responder_rates(nrs, **cols, better="lower", absolute=2, unit="points")
    assert rates["definition"].iat[0] == "reduction >= 2 points; missing = non-responder"
    big = nrs.assign(nrs=nrs["nrs"] * 30)
    assert summarize_score(big, **cols)["mean"].tolist() == [210.0, 210.0]


def test_required_windows_and_days() -> None:
    vas = small_vas()
    with pytest.raises(TypeError, match="start_day"):
        score_auc(vas, **VAS, end_day=5)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="primary_day"):
        missing_data_sensitivity(vas, **VAS)  # type: ignore[call-arg]
    with pytest.raises(TypeError, match="baseline_day"):
        summarize_score(vas, subject="patient_id", day="day", value="vas_mm")  # type: ignore[call-arg]
    with pytest.raises(DataValidationError, match="has no baseline"):
        summarize_score(vas[vas["day"] != 0], **VAS)


# --------------------------------------------------------------------------- validated once
def test_score_table_gives_the_same_results_as_the_raw_table() -> None:
    """A ScoreTable (validated and its changes derived once) stands in for the raw table."""
    from thera_stats.score import ScoreTable

    vas = read_vas("thera_like")
    table = ScoreTable.from_frame(vas, **VAS)
    pd.testing.assert_frame_equal(table.changes, change_from_baseline(vas, **VAS))
    for fn, kw in [(summarize_score, {}),
                   (responder_flags, {"better": "lower", "relative": 0.5, "absolute": 20}),
                   (responder_rates, {"better": "lower", "relative": 0.5}),
                   (responder_curve, {"better": "lower"}),
                   (score_auc, {"start_day": 0, "end_day": 5}),
                   (missing_data_sensitivity, {"primary_day": 8, "include_mmrm": False})]:
        pd.testing.assert_frame_equal(fn(table, **VAS, **kw), fn(vas, **VAS, **kw))
    cols = {**VAS, "value": "change"}
    pd.testing.assert_frame_equal(summarize_change(table, **cols),
                                  summarize_change(change_from_baseline(vas, **VAS), **cols))


def test_score_table_refuses_other_columns_or_baseline_day() -> None:
    from thera_stats.score import ScoreTable

    table = ScoreTable.from_frame(read_vas("thera_like"), **VAS)
    with pytest.raises(ValueError, match="baseline_day"):
        summarize_score(table, **{**VAS, "baseline_day": 1})
    with pytest.raises(ValueError, match="'change'"):
        summarize_change(table, **VAS)
