"""Argument checks shared by the computational modules: clear errors quoting the value."""

import numpy as np
import pytest

import thera_stats as ts


@pytest.mark.parametrize(
    ("call", "error", "match"),
    [
        (lambda: ts.binomial_ci(5, 1e20), ValueError, r"`n` \(1e\+20\) is too large"),
        (lambda: ts.binomial_ci(5, 4), ValueError, r"`x` \(5\) must not exceed `n` \(4\)"),
        (lambda: ts.binomial_ci(2.5, 4), ValueError, r"whole numbers; got 2\.5"),
        (lambda: ts.binomial_ci(-1, 4), ValueError, r"must be >= 0; got -1"),
        (lambda: ts.binomial_ci("3", 4), TypeError, r"`x` \('3'\)"),
        (lambda: ts.binomial_ci(True, 4), TypeError, r"`x` \(True\)"),
        (lambda: ts.interval_coverage(10, "a"), TypeError, r"`p` \('a'\) must be a number"),
        (lambda: ts.interval_coverage(10, [0.2, 1.5]), ValueError, r"\[0, 1\]; got 1\.5"),
        (lambda: ts.binomial_ci(3, 10, confidence_level=1.0), ValueError, "confidence_level"),
        (lambda: ts.binomial_ci(3, 10, method="plate of shrimp"), ValueError,
         "'plate of shrimp'.*clopper-pearson"),
    ],
)
def test_errors_quote_the_bad_value(call, error, match) -> None:
    with pytest.raises(error, match=match):
        call()


def test_large_counts_still_work() -> None:
    ci = ts.binomial_ci(np.array([0, 10**6]), 10**6)
    assert ci.low[0] == 0.0
    assert ci.high[1] == 1.0
