"""Curtailment against a brute-force enumeration of every patient-level response sequence.

For a small design (12 patients) each of the 2**12 sequences is followed patient by patient:
the decision a continuation can still reach is found by enumerating the continuations, the
conditional probability of 'go' by summing their probabilities, and the curtailed trial's
stopping time and decision are read off. Probabilities are sums of p**y (1 - p)**(n - y).
"""

from __future__ import annotations

import itertools
from functools import cache

import numpy as np
import pytest

from thera_stats.curtailment import curtailed_operating_characteristics
from thera_stats.multistage import MultiStageDesign

DESIGNS = [
    MultiStageDesign(0.2, 0.5, [4, 8, 12], [0, 2, 5], [3, 5]),
    MultiStageDesign(0.2, 0.45, [5, 12], [0, 4]),
    MultiStageDesign(0.3, 0.6, [12], [5]),
]


def rule(design: MultiStageDesign, seq: tuple[int, ...]) -> tuple[str, int] | None:
    """The design's own decision and stopping size for a full sequence."""
    bounds = [*design.efficacy, design.futility[-1]]
    for k, nk in enumerate(design.sizes):
        if len(seq) < nk:
            return None
        x = sum(seq[:nk])
        if x <= design.futility[k]:
            return "no go", nk
        if x > bounds[k]:
            return "go", nk
    raise AssertionError


def brute(design: MultiStageDesign, p: float, gf: float, ge: float) -> tuple[float, float]:
    n = design.n_max

    @cache
    def cp(prefix: tuple[int, ...], q: float) -> float:
        """P_q(design says go | the first len(prefix) responses), over every continuation."""
        if len(prefix) == n:
            return 1.0 if rule(design, prefix)[0] == "go" else 0.0
        return (1 - q) * cp((*prefix, 0), q) + q * cp((*prefix, 1), q)

    @cache
    def outcomes(prefix: tuple[int, ...]) -> frozenset[str]:
        if len(prefix) == n:
            return frozenset({rule(design, prefix)[0]})
        return outcomes((*prefix, 0)) | outcomes((*prefix, 1))

    prob_go = expected = 0.0
    for seq in itertools.product((0, 1), repeat=n):
        y = sum(seq)
        weight = p**y * (1 - p) ** (n - y)
        for j in range(n + 1):
            prefix = seq[:j]
            reach = outcomes(prefix)
            own = rule(design, seq)
            if own[1] == j:  # the design's own look decides
                decision, stop = own
                break
            if reach == {"no go"} or (gf > 0 and "go" in reach and cp(prefix, design.p1) <= gf):
                decision, stop = "no go", j
                break
            if reach == {"go"} or (ge < 1 and "no go" in reach and cp(prefix, design.p0) >= ge):
                decision, stop = "go", j
                break
        prob_go += weight * (decision == "go")
        expected += weight * stop
    return prob_go, expected


@pytest.mark.parametrize("design", DESIGNS)
@pytest.mark.parametrize(("gf", "ge"), [(0.0, 1.0), (0.15, 0.9)])
def test_curtailed_operating_characteristics_equal_brute_force(design, gf, ge) -> None:
    ps = [0.2, 0.45]
    oc = curtailed_operating_characteristics(design, ps, futility_threshold=gf,
                                             efficacy_threshold=ge)
    for j, p in enumerate(ps):
        go, en = brute(design, p, gf, ge)
        assert oc.prob_go[j] == pytest.approx(go, abs=1e-12)
        assert oc.expected_n[j] == pytest.approx(en, abs=1e-10)


def test_non_stochastic_curtailment_keeps_alpha_and_power() -> None:
    d = MultiStageDesign(0.2, 0.4, [16, 41], [3, 11], [6])  # Mander & Thompson (2010)
    p = np.linspace(0, 1, 51)
    oc = curtailed_operating_characteristics(d, p)
    np.testing.assert_allclose(oc.prob_go, oc.prob_go_design, atol=1e-12)
    assert np.all(oc.expected_n <= oc.expected_n_design + 1e-12)
    assert oc.to_frame().shape == (51, 6)


def test_stochastic_curtailment_changes_error_rates_as_stated() -> None:
    d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    oc = curtailed_operating_characteristics(d, [0.2, 0.45], futility_threshold=0.2)
    assert oc.prob_go[1] < oc.prob_go_design[1]  # futility stops cost power
    assert oc.prob_go[0] <= oc.prob_go_design[0]
    oc = curtailed_operating_characteristics(d, [0.2, 0.45], efficacy_threshold=0.5)
    assert oc.prob_go[0] >= oc.prob_go_design[0]  # efficacy stops can raise alpha


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"futility_threshold": 1.0}, r"\[0, 1\)"),
    ({"efficacy_threshold": 0.0}, r"\(0, 1\]"),
])
def test_bad_thresholds(kwargs, match) -> None:
    d = MultiStageDesign(0.2, 0.45, [10, 22], [2, 7])
    with pytest.raises(ValueError, match=match):
        curtailed_operating_characteristics(d, 0.2, **kwargs)
    with pytest.raises(TypeError, match="MultiStageDesign"):
        curtailed_operating_characteristics("2/10", 0.2)


# ---------------------------------------------------------------- three outcomes (Sargent)
def rule3(design: MultiStageDesign, seq: tuple[int, ...]) -> tuple[str, int]:
    """Decision and stopping size of a full sequence under a three-outcome design's rule."""
    for k, nk in enumerate(design.sizes):
        x = sum(seq[:nk])
        if x <= design.futility[k]:
            return "no go", nk
        if k < design.n_looks - 1 and x > design.efficacy[k]:
            return "go", nk
    return ("go" if x > design.final_go else "inconclusive"), design.n_max


@pytest.mark.parametrize("design", [
    MultiStageDesign(0.2, 0.5, [12], [3], [6]),
    MultiStageDesign(0.2, 0.5, [5, 12], [0, 4], [None, 6]),
])
@pytest.mark.parametrize("p", [0.1, 0.35, 0.7])
def test_non_stochastic_curtailment_of_a_three_outcome_design(design: MultiStageDesign,
                                                              p: float) -> None:
    n = design.n_max

    @cache
    def outcomes(prefix: tuple[int, ...]) -> frozenset[str]:
        if len(prefix) == n:
            return frozenset({rule3(design, prefix)[0]})
        return outcomes((*prefix, 0)) | outcomes((*prefix, 1))

    go = inconclusive = expected = 0.0
    for seq in itertools.product((0, 1), repeat=n):
        y = sum(seq)
        weight = p**y * (1 - p) ** (n - y)
        decision, stop = rule3(design, seq)
        stop = min(stop, next(j for j in range(n + 1) if len(outcomes(seq[:j])) == 1))
        go += weight * (decision == "go")
        inconclusive += weight * (decision == "inconclusive")
        expected += weight * stop
    oc = curtailed_operating_characteristics(design, p)
    assert oc.prob_go[0] == pytest.approx(go, abs=1e-12)
    assert oc.prob_inconclusive[0] == pytest.approx(inconclusive, abs=1e-12)
    assert oc.expected_n[0] == pytest.approx(expected, abs=1e-10)
    base = design.operating_characteristics(p)
    assert oc.prob_inconclusive[0] == pytest.approx(base.prob_inconclusive[0], abs=1e-12)
