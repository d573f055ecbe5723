"""The one-sample location core: t summary, Wilcoxon signed-rank test, Hodges-Lehmann median.

R references: ``tests/reference/vas/r_summary_*.csv`` (``t.test`` and
``wilcox.test(conf.int = TRUE)`` per day, R 4.2.2; calls in
``tests/reference/vas/vas_reference.R``), applied here directly to the arrays of
changes, without the score layer.
"""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given
from hypothesis import strategies as st
from numpy.testing import assert_allclose
from scipy import stats

from thera_stats.location import (
    OneSampleTResult,
    SignedRankResult,
    one_sample_t,
    walsh_median,
    wilcoxon_signed_rank,
)

REF = Path(__file__).parent / "reference" / "vas"


def changes_by_day(name: str) -> dict[int, np.ndarray]:
    """Changes from baseline per post-baseline day, paired by patient with a plain merge."""
    vas = pd.read_csv(REF / f"{name}_vas.csv")
    base = vas[vas["day"] == 0].rename(columns={"vas_mm": "base"})[["patient_id", "base"]]
    post = vas[vas["day"] != 0].merge(base, on="patient_id", validate="many_to_one")
    post = post.dropna(subset=["vas_mm"])
    # half-millimetre data: the binary difference is exact (see the reference README)
    post["change"] = post["vas_mm"] - post["base"]
    return {int(d): g["change"].to_numpy(float) for d, g in post.groupby("day")}


@pytest.mark.parametrize("name", ["thera_like", "edge_cases"])
def test_t_wilcoxon_and_walsh_median_agree_with_r(name: str) -> None:
    r = pd.read_csv(REF / f"r_summary_{name}.csv").set_index("day")
    for d, x in changes_by_day(name).items():
        ref = r.loc[d]
        t = one_sample_t(x)
        w = wilcoxon_signed_rank(x)
        assert t.n == ref["n"]
        got = [t.estimate, t.confidence_interval.low, t.confidence_interval.high, t.statistic,
               t.pvalue, w.statistic, w.pvalue, w.estimate, w.confidence_interval.low,
               w.confidence_interval.high, w.confidence_interval.confidence_level,
               walsh_median(x)]
        want = ref[["mean_change", "mean_change_ci_low", "mean_change_ci_high", "t_statistic",
                    "t_pvalue", "wilcoxon_statistic", "wilcoxon_pvalue", "hl_estimate",
                    "hl_ci_low", "hl_ci_high", "hl_confidence_level", "walsh_median"]]
        assert_allclose(np.asarray(got, float), want.to_numpy(float), rtol=1e-8, atol=1e-8,
                        equal_nan=True, err_msg=f"day {d}")
        assert w.method == ref["wilcoxon_method"]


# --------------------------------------------------------------------------- t
def test_one_sample_t_result_and_degenerate_cases() -> None:
    res = one_sample_t([-31.5, -12, -40, 3, -22, -8.5, -27], confidence_level=0.9)
    assert isinstance(res, OneSampleTResult)
    ref = stats.ttest_1samp([-31.5, -12, -40, 3, -22, -8.5, -27], 0.0)
    assert res.statistic == pytest.approx(ref.statistic, rel=1e-12)
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    ci = ref.confidence_interval(confidence_level=0.9)
    assert res.confidence_interval.low == pytest.approx(ci.low, rel=1e-12)
    assert res.confidence_interval.high == pytest.approx(ci.high, rel=1e-12)
    assert res.confidence_interval.confidence_level == 0.9
    assert (res.n, res.df) == (7, 6.0)
    assert list(res.to_frame().columns) == ["n", "estimate", "sd", "se", "df", "statistic",
                                            "pvalue", "ci_low", "ci_high", "confidence_level"]
    with pytest.raises(AttributeError):
        res.pvalue = 0.5  # type: ignore[misc]
    one = one_sample_t([4.0, np.nan])
    assert (one.n, one.estimate) == (1, 4.0)
    assert np.isnan([one.sd, one.pvalue, one.df]).all()
    const = one_sample_t([-10.0, -10.0, -10.0])  # R: "data are essentially constant"
    assert (const.estimate, const.sd, const.se, const.df) == (-10.0, 0.0, 0.0, 2.0)
    assert np.isnan([const.statistic, const.confidence_interval.low]).all()
    empty = one_sample_t([])
    assert empty.n == 0
    assert math.isnan(empty.estimate)


def test_one_sample_t_argument_errors() -> None:
    with pytest.raises(ValueError, match="confidence_level"):
        one_sample_t([1.0, 2.0], confidence_level=95)
    with pytest.raises(TypeError, match=r"`x` .* got 'a' \(str\) at position 1"):
        one_sample_t([1.0, "a"])
    with pytest.raises(ValueError, match=r"`x` must be finite; got inf at position 0"):
        one_sample_t([np.inf, 1.0])


@given(st.lists(st.integers(-1000, 1000), min_size=2, max_size=40), st.integers(0, 10_000))
def test_one_sample_t_order_invariant_and_matches_scipy(x: list[int], seed: int) -> None:
    a = one_sample_t(x)
    b = one_sample_t(np.random.default_rng(seed).permutation(x))
    assert a.to_frame().equals(b.to_frame())
    if len(set(x)) > 1:
        ref = stats.ttest_1samp(x, 0.0)
        assert a.pvalue == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-300)


# --------------------------------------------------------------------------- Hodges-Lehmann
def test_walsh_median_drops_zeros_and_missing_values() -> None:
    assert walsh_median([1.0, 3.0]) == 2.0  # Walsh averages 1, 2, 3
    assert walsh_median([0.0, 1.0, 3.0, None]) == 2.0
    assert math.isnan(walsh_median([0, 0]))
    with pytest.raises(TypeError, match="True"):
        walsh_median([1.0, True])


@given(st.lists(st.integers(-50, 50), min_size=1, max_size=30))
def test_walsh_median_is_equivariant(x: list[int]) -> None:
    m = walsh_median(x)
    assert_allclose(walsh_median([2 * v for v in x]), 2 * m, equal_nan=True)
    assert_allclose(walsh_median([-v for v in x]), -m, equal_nan=True)


# --------------------------------------------------------------------------- signed-rank test
def test_wilcoxon_result_object() -> None:
    res = wilcoxon_signed_rank([-31.5, -12, -40, 3, -22, -8.5, -27, 0, np.nan])
    assert isinstance(res, SignedRankResult)
    assert res.method == "normal"  # a zero forces the normal approximation, as in R
    assert res.n == 7
    assert res.n_zeros == 1
    frame = res.to_frame()
    assert list(frame.columns) == ["n", "n_zeros", "statistic", "pvalue", "method", "estimate",
                                   "ci_low", "ci_high", "confidence_level"]
    with pytest.raises(AttributeError):
        res.pvalue = 0.5  # type: ignore[misc]


def test_wilcoxon_argument_errors() -> None:
    with pytest.raises(ValueError, match="confidence_level"):
        wilcoxon_signed_rank([1.0, 2.0], confidence_level=1.5)
    with pytest.raises(ValueError, match="no non-missing"):
        wilcoxon_signed_rank([np.nan])
    with pytest.raises(ValueError, match="finite"):
        wilcoxon_signed_rank([1.0, np.inf])
    with pytest.raises(TypeError, match="exact"):
        wilcoxon_signed_rank([1.0, 2.0], exact="yes")  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("x", "message"),
    [
        ([1, "a"], r"`x` must contain only numbers .* got 'a' \(str\) at position 1"),
        ([1.0, "1.5", -2.0], r"`x` .* got '1\.5' \(str\) at position 1"),
        ([1.0, True], r"`x` .* got True \(bool\) at position 1"),
        (["a", "b", 3.0], r"got 'a' \(str\) at position 0; 'b' \(str\) at position 1\."),
        ("abc", r"`x` must be an array of numbers; got the string 'abc'"),
    ],
)
def test_wilcoxon_non_numeric_input_names_x_and_quotes_value(x: object, message: str) -> None:
    with pytest.raises(TypeError, match=message):
        wilcoxon_signed_rank(x)


def test_wilcoxon_missing_and_infinite_values() -> None:
    with pytest.raises(ValueError, match=r"`x` must be finite; got -inf at position 2"):
        wilcoxon_signed_rank([1.0, 2.0, -np.inf])
    # None and pd.NA are missing values, as NaN is
    a = wilcoxon_signed_rank([-3.0, None, 1.5, pd.NA, -7.0, -2.0])
    b = wilcoxon_signed_rank(np.array([-3.0, 1.5, -7.0, -2.0]))
    assert a.to_frame().equals(b.to_frame())
    c = wilcoxon_signed_rank(pd.Series([-3, pd.NA, 1, -7, -2], dtype="Int64"))
    assert c.n == 4


distinct_changes = st.lists(
    st.integers(-400, 400).filter(lambda v: v != 0), min_size=1, max_size=25, unique_by=abs
).map(lambda xs: [x / 4 for x in xs])


@given(distinct_changes)
def test_exact_branch_matches_scipy_and_walsh_median(x: list[float]) -> None:
    res = wilcoxon_signed_rank(x)
    assert res.method == "exact"
    ref = stats.wilcoxon(x, method="exact")
    assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-12)
    arr = np.asarray(x)
    walsh = np.sort((arr[:, None] + arr[None, :])[np.triu_indices(len(arr))] / 2)
    assert res.estimate == pytest.approx(float(np.median(walsh)), abs=1e-12)
    ci = res.confidence_interval
    assert walsh[0] <= ci.low <= res.estimate <= ci.high <= walsh[-1]
    assert ci.low in walsh
    assert ci.high in walsh


tied_changes = st.lists(st.integers(-12, 12), min_size=3, max_size=40).filter(
    lambda xs: any(v != 0 for v in xs) and (0 in xs or len({abs(v) for v in xs if v}) <
                                           len([v for v in xs if v]))
)


@given(tied_changes)
def test_normal_branch_matches_scipy(x: list[int]) -> None:
    res = wilcoxon_signed_rank(x)
    assert res.method == "normal"
    ref = stats.wilcoxon(x, zero_method="wilcox", correction=True, method="approx")
    if math.isnan(res.pvalue):
        assert math.isnan(ref.pvalue)
    else:
        assert res.pvalue == pytest.approx(ref.pvalue, rel=1e-9, abs=1e-15)


@given(st.lists(st.integers(-50, 50), min_size=2, max_size=30), st.integers(0, 10_000))
def test_wilcoxon_order_invariant(x: list[int], seed: int) -> None:
    rng = np.random.default_rng(seed)
    a, b = wilcoxon_signed_rank(x), wilcoxon_signed_rank(rng.permutation(x))
    assert a.to_frame().equals(b.to_frame())




def test_wilcoxon_continuity_correction_option() -> None:
    x = [-3, -3, 1, -7, -2, 5, -4, -4]  # ties: normal branch
    with_cc = wilcoxon_signed_rank(x)
    without = wilcoxon_signed_rank(x, correct=False)
    ref = stats.wilcoxon(x, correction=False, method="approx")
    assert without.pvalue == pytest.approx(ref.pvalue, rel=1e-9)
    assert with_cc.pvalue > without.pvalue
    with pytest.raises(TypeError, match="correct"):
        wilcoxon_signed_rank(x, correct="yes")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="tol_root"):
        wilcoxon_signed_rank(x, tol_root=0)


@given(st.lists(st.integers(-5, 5), max_size=40), st.sampled_from([1.0, 0.5, 0.1]))
def test_average_ranks_are_scipys(values: list[int], scale: float) -> None:
    """The signed-rank searches' ranking is ``scipy.stats.rankdata`` (average ties)."""
    from thera_stats.location import _average_ranks

    a = np.asarray(values, dtype=float) * scale
    np.testing.assert_array_equal(_average_ranks(a), stats.rankdata(a))
