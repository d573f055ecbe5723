"""Three-stage designs (Chen 1997) against singlearm, an exhaustive enumeration and exact sums.

References: ``tests/reference/multistage/singlearm_des_r.csv`` (singlearm 1.0.0 ``des_gs``,
R 4.2.2; the calls are in the CSV) for the three-stage rows; for small problems, every
three-stage design with n3 <= N enumerated here with plain loops and ``math.comb``, ranked by
the documented criteria and tie rules. Chen's printed tables were not available (see the
README section "Three-stage designs").
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from thera_stats.design_search import THREE_STAGE_CRITERIA, three_stage_design

REF = Path(__file__).parent / "reference" / "multistage"


def b(x: int, n: int, p: float) -> float:
    return math.comb(n, x) * p**x * (1 - p) ** (n - x) if 0 <= x <= n else 0.0


def sf(k: int, n: int, p: float) -> float:
    """P(X > k), X ~ Bin(n, p), a direct sum."""
    return sum(b(x, n, p) for x in range(max(k + 1, 0), n + 1))


def path_sums(sizes, futility, efficacy, p: float) -> tuple[float, float]:
    """P(go) and E(N) by summing over every stage-wise count (x1, x2, x3)."""
    n1, n2, n3 = sizes
    a1, a2, a3 = futility
    e1, e2 = efficacy
    go = en = 0.0
    for x1 in range(n1 + 1):
        p1 = b(x1, n1, p)
        if x1 <= a1 or x1 > e1:
            go += p1 * (x1 > e1)
            en += p1 * n1
            continue
        for d2 in range(n2 - n1 + 1):
            p2 = p1 * b(d2, n2 - n1, p)
            x2 = x1 + d2
            if x2 <= a2 or x2 > e2:
                go += p2 * (x2 > e2)
                en += p2 * n2
                continue
            for d3 in range(n3 - n2 + 1):
                p3 = p2 * b(d3, n3 - n2, p)
                go += p3 * (x2 + d3 > a3)
                en += p3 * n3
    return go, en


def check_exact(choice) -> None:
    d = choice.design
    go0, en0 = path_sums(d.sizes, d.futility, d.efficacy, d.p0)
    go1, en1 = path_sums(d.sizes, d.futility, d.efficacy, d.p1)
    assert choice.actual_alpha == pytest.approx(go0, abs=1e-12)
    assert choice.actual_power == pytest.approx(go1, abs=1e-12)
    assert choice.en_p0 == pytest.approx(en0, abs=1e-10)
    assert choice.en_p1 == pytest.approx(en1, abs=1e-10)
    assert go0 <= choice.alpha * (1 + 1e-12)
    assert go1 >= choice.power * (1 - 1e-12)
    assert 0 <= d.futility[0] < d.futility[1] < d.futility[2]


# ------------------------------------------------------------------------------ singlearm
def singlearm_rows():
    with open(REF / "singlearm_des_r.csv", newline="") as fh:
        return [r for r in csv.DictReader(fh) if r["J"] == "3"]


@pytest.mark.parametrize("row", singlearm_rows(), ids=lambda r: r["setting"])
def test_singlearm_des_gs_three_stage(row) -> None:
    call = row["call"]
    p0 = float(call.split("pi0 = ")[1].split(",")[0])
    p1 = float(call.split("pi1 = ")[1].split(",")[0])
    criterion = "minimax" if "minimax" in call else "optimal"
    efficacy = "efficacy = TRUE" in call
    got = three_stage_design(p0, p1, alpha=0.05, power=0.8, criterion=criterion,
                             efficacy=efficacy)
    d = got.design
    assert "/".join(map(str, d.sizes)) == row["sizes"].replace(";", "/")
    assert "/".join(map(str, d.futility)) == row["futility"].replace(";", "/")
    if efficacy:
        assert [*d.efficacy, d.futility[-1]] == [int(v) for v in row["efficacy"].split(";")]
    assert got.actual_alpha == pytest.approx(float(row["alpha"]), abs=1e-12)
    assert got.actual_power == pytest.approx(float(row["power"]), abs=1e-12)
    assert got.en_p0 == pytest.approx(float(row["en_p0"]), abs=1e-10)
    assert got.en_p1 == pytest.approx(float(row["en_p1"]), abs=1e-10)
    check_exact(got)


# ------------------------------------------------------------------------------ brute force
def brute_force(p0: float, p1: float, alpha: float, power: float, n_top: int, efficacy: bool):
    """Every three-stage design with n3 <= n_top, each with its most powerful a3."""
    rows = []
    for n1 in range(1, n_top - 1):
        for n2 in range(n1 + 1, n_top):
            m2 = n2 - n1
            for a1 in range(n1):
                for e1 in range(a1 + 1, n1 + 1) if efficacy else [n1]:
                    # f2[j][y]: P(X2 = y and stage 2 is run)
                    f2 = [[0.0] * (n2 + 1), [0.0] * (n2 + 1)]
                    for j, p in enumerate((p0, p1)):
                        for x in range(a1 + 1, e1 + 1):
                            for d in range(m2 + 1):
                                f2[j][x + d] += b(x, n1, p) * b(d, m2, p)
                    q1 = [sf(a1, n1, p) - sf(e1, n1, p) for p in (p0, p1)]
                    for a2 in range(a1 + 1, min(e1 + m2, n2)):
                        e2s = [n2]
                        if efficacy:
                            low = e1 if e1 < n1 else 0
                            e2s = [*range(max(a2 + 1, low), e1 + m2), n2]
                        for e2 in e2s:
                            top = e2 if e2 < n2 else e1 + m2
                            stop = [sf(e1, n1, p) + sum(f2[j][top + 1:])
                                    for j, p in enumerate((p0, p1))]
                            q2 = [sum(f2[j][a2 + 1:top + 1]) for j in (0, 1)]
                            for n3 in range(n2 + 1, n_top + 1):
                                m3 = n3 - n2

                                def go(j: int, a3: int, m3=m3, top=top, a2=a2, stop=stop,
                                       f2=f2) -> float:
                                    p = (p0, p1)[j]
                                    return stop[j] + sum(f2[j][y] * sf(a3 - y, m3, p)
                                                         for y in range(a2 + 1, top + 1))

                                a3 = next((a for a in range(a2 + 1, top + m3)
                                           if go(0, a) <= alpha * (1 + 1e-12)), None)
                                if a3 is None or go(1, a3) < power * (1 - 1e-12):
                                    continue
                                en = [n1 + m2 * q1[j] + m3 * q2[j] for j in (0, 1)]
                                rows.append((n1, n2, n3, a1, e1, a2, e2, a3, en[0], en[1]))
    return rows


RANK = {
    "optimal": lambda t: (round(t[8], 10), t[2], t[0], t[1], t[3], t[5], t[4], t[6]),
    "minimax": lambda t: (t[2], round(t[8], 10), t[0], t[1], t[3], t[5], t[4], t[6]),
    "optimal-p1": lambda t: (round(t[9], 10), t[2], t[0], t[1], t[3], t[5], t[4], t[6]),
}


@pytest.mark.parametrize(("p0", "p1", "alpha", "power", "efficacy", "n_top"), [
    (0.3, 0.6, 0.1, 0.8, False, 16),
    (0.2, 0.6, 0.1, 0.8, True, 14),
])
def test_every_criterion_matches_an_exhaustive_search(p0, p1, alpha, power, efficacy,
                                                      n_top) -> None:
    rows = brute_force(p0, p1, alpha, power, n_top, efficacy)
    for criterion in THREE_STAGE_CRITERIA:
        want = min(rows, key=RANK[criterion])
        got = three_stage_design(p0, p1, alpha=alpha, power=power, criterion=criterion,
                                 efficacy=efficacy)
        d = got.design
        e1, e2 = d.efficacy
        assert (*d.sizes, d.futility[0], e1, d.futility[1], e2, d.futility[2]) == want[:8], \
            criterion
        assert got.en_p0 == pytest.approx(want[8], abs=1e-10)
        assert got.en_p1 == pytest.approx(want[9], abs=1e-10)
        assert d.n_max < n_top  # the enumeration's horizon holds the optimum
        check_exact(got)


def test_an_optimum_far_beyond_the_minimax_size_is_found() -> None:
    # With efficacy stops the optimum's third stage is rarely reached under p0, so EN(p0)
    # barely grows with n3: the optimal n3 is twice the minimax one. A search bounded by a
    # guessed n would miss it.
    opt = three_stage_design(0.2, 0.6, alpha=0.1, power=0.8, efficacy=True)
    mm = three_stage_design(0.2, 0.6, alpha=0.1, power=0.8, efficacy=True, criterion="minimax")
    assert (opt.design.n_max, mm.design.n_max) == (13, 6)
    assert opt.en_p0 < mm.en_p0


# ------------------------------------------------------------------------------ properties
@settings(max_examples=25)
@given(p0=st.floats(0.05, 0.45), delta=st.floats(0.3, 0.45), alpha=st.floats(0.05, 0.2),
       power=st.floats(0.7, 0.9))
def test_designs_are_feasible_exact_and_ordered(p0, delta, alpha, power) -> None:
    p1 = p0 + delta
    opt = three_stage_design(p0, p1, alpha=alpha, power=power)
    opt_eff = three_stage_design(p0, p1, alpha=alpha, power=power, efficacy=True)
    mm = three_stage_design(p0, p1, alpha=alpha, power=power, criterion="minimax")
    for choice in (opt, opt_eff, mm):
        check_exact(choice)
    assert mm.design.n_max <= opt.design.n_max
    assert opt.en_p0 <= mm.en_p0 + 1e-9
    # the efficacy family contains every futility-only design
    assert opt_eff.en_p0 <= opt.en_p0 + 1e-9


# ------------------------------------------------------------------------------ the result
def test_result_object() -> None:
    got = three_stage_design(0.2, 0.4, alpha=0.05, power=0.8)
    assert got.family == "three-stage"
    assert got.criterion == "optimal"
    assert got.design.n_looks == 3
    assert not got.design.has_efficacy_stop
    row = got.to_frame().iloc[0]
    assert (row["sizes"], row["futility"], row["efficacy"]) == ("8/22/38", "1/5/11", "-/-")
    assert "three-stage optimal" in repr(got)
    check_exact(got)


def test_efficacy_design_is_a_multistage_design() -> None:
    got = three_stage_design(0.2, 0.4, alpha=0.05, power=0.8, efficacy=True)
    d = got.design
    assert (d.sizes, d.futility, d.efficacy) == ((8, 21, 42), (1, 5, 12), (5, 8))
    assert got.en_p0 == pytest.approx(18.175508618670285, abs=1e-10)
    assert got.en_p0 < three_stage_design(0.2, 0.4, alpha=0.05, power=0.8).en_p0
    oc = d.operating_characteristics([0.2, 0.4])
    assert got.actual_alpha == pytest.approx(oc.prob_go[0], abs=1e-12)
    assert got.en_p1 == pytest.approx(oc.expected_n[1], abs=1e-10)
    check_exact(got)


# ------------------------------------------------------------------------------ errors
@pytest.mark.parametrize(("kwargs", "match"), [
    ({"alpha": 0.6}, r"`alpha` \(0.6\) must lie in \(0, 0.5\)"),
    ({"alpha": 0.0}, r"`alpha` \(0.0\)"),
    ({"alpha": 0.05, "power": 0.04}, r"`power` \(0.04\) must lie in \(alpha, 1\)"),
    ({"power": 1.0}, r"`power` \(1.0\)"),
    ({"criterion": "admissible"}, "'admissible'"),
    ({"alpha": "0.05"}, "must be a number"),
    ({"efficacy": "yes"}, r"`efficacy` \('yes'\) must be True or False"),
])
def test_bad_arguments(kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        three_stage_design(0.2, 0.4, **kwargs)


@pytest.mark.parametrize(("p0", "p1"), [(0.4, 0.2), (0.3, 0.3)])
def test_p1_not_above_p0(p0, p1) -> None:
    with pytest.raises(ValueError, match=rf"p0 = {p0}, p1 = {p1}"):
        three_stage_design(p0, p1)
