"""Design searches against published designs and an exhaustive brute-force search.

References: Mander & Thompson (2010, Contemp Clin Trials 31:572-578), section 4 example
(p0 = 0.2, p1 = 0.4, alpha = beta = 0.1: stage 1 of 16, stop for futility at <= 3 and for
efficacy at > 6 responses, 'go' if > 11 of 41); and, for small problems, every design with
n <= N enumerated here with direct binomial sums (``math.comb``), ranked by the documented
criteria and tie rules.
"""

from __future__ import annotations

import math

import pytest

from thera_stats.design_search import compare_designs, mander_thompson_design
from thera_stats.simon import simon_design


def test_mander_thompson_published_example() -> None:
    best = mander_thompson_design(0.2, 0.4, alpha=0.1, power=0.9)
    d = best.design
    assert (d.sizes, d.futility, d.efficacy) == ((16, 41), (3, 11), (6,))
    assert best.actual_alpha <= 0.1
    assert best.actual_power >= 0.9
    oc = d.operating_characteristics([0.2, 0.4])
    assert best.actual_alpha == pytest.approx(oc.prob_go[0], abs=1e-12)
    assert best.en_p0 == pytest.approx(oc.expected_n[0], abs=1e-10)
    assert best.en_p1 == pytest.approx(oc.expected_n[1], abs=1e-10)


def test_the_family_contains_simon_so_it_is_never_worse() -> None:
    for p0, p1 in [(0.1, 0.3), (0.2, 0.4), (0.3, 0.5)]:
        mt = mander_thompson_design(p0, p1, alpha=0.05, power=0.8)
        simon = simon_design(p0, p1, alpha=0.05, power=0.8)
        assert mt.en_p0 <= simon.en_p0 + 1e-9
        mm = mander_thompson_design(p0, p1, alpha=0.05, power=0.8, criterion="minimax")
        assert mm.design.n_max <= simon_design(p0, p1, alpha=0.05, power=0.8,
                                               criterion="minimax").n


def b(x: int, n: int, p: float) -> float:
    return math.comb(n, x) * p**x * (1 - p) ** (n - x) if 0 <= x <= n else 0.0


def sf(k: int, n: int, p: float) -> float:
    """P(X > k), X ~ Bin(n, p), a direct sum."""
    return sum(b(x, n, p) for x in range(max(k + 1, 0), n + 1))


def brute_force(p0: float, p1: float, alpha: float, power: float, n_top: int):
    rows = []
    for n in range(2, n_top + 1):
        for n1 in range(1, n):
            m = n - n1
            for a1 in range(-1, n1):
                for e1 in range(a1 + 1, n1 + 1):
                    def go(p: float, r: int, a1=a1, e1=e1, n1=n1, m=m) -> float:
                        return sf(e1, n1, p) + sum(b(x, n1, p) * sf(r - x, m, p)
                                                   for x in range(a1 + 1, e1 + 1))
                    # the smallest r keeping alpha is the most powerful
                    r = next((r for r in range(n) if go(p0, r) <= alpha * (1 + 1e-12)), None)
                    if r is None:
                        continue
                    r = max(r, a1, 0)
                    if r >= e1 + m or go(p1, r) < power * (1 - 1e-12):
                        continue
                    cont = [sf(a1, n1, p) - sf(e1, n1, p) for p in (p0, p1)]
                    rows.append((n1, n, a1, e1, r, n1 + m * cont[0], n1 + m * cont[1]))
    return rows


@pytest.mark.parametrize(("p0", "p1", "alpha", "power"), [(0.2, 0.6, 0.1, 0.8),
                                                          (0.1, 0.5, 0.05, 0.8)])
def test_every_criterion_matches_an_exhaustive_search(p0, p1, alpha, power) -> None:
    rows = brute_force(p0, p1, alpha, power, n_top=24)
    rank = {
        "optimal": lambda t: (round(t[5], 10), t[1], t[0], t[2], t[3]),
        "minimax": lambda t: (t[1], round(t[5], 10), t[0], t[2], t[3]),
        "optimal-p1": lambda t: (round(t[6], 10), t[1], t[0], t[2], t[3]),
    }
    for criterion, key in rank.items():
        want = min(rows, key=key)
        got = mander_thompson_design(p0, p1, alpha=alpha, power=power, criterion=criterion)
        d = got.design
        eff = min(d.sizes[0], d.efficacy[0])
        assert (d.sizes[0], d.sizes[1], d.futility[0], eff, d.futility[1]) == want[:5], criterion
        assert got.en_p0 == pytest.approx(want[5], abs=1e-10)
        assert got.en_p1 == pytest.approx(want[6], abs=1e-10)
        assert got.design.n_max < 24  # the brute force's horizon holds the optimum


@pytest.mark.parametrize(("kwargs", "match"), [
    ({"alpha": 0.6}, r"\(0, 0.5\)"),
    ({"alpha": 0.05, "power": 0.04}, r"\(alpha, 1\)"),
    ({"criterion": "admissible"}, "'admissible'"),
    ({"alpha": "0.05"}, "must be a number"),
])
def test_bad_arguments(kwargs, match) -> None:
    with pytest.raises((ValueError, TypeError), match=match):
        mander_thompson_design(0.2, 0.4, **kwargs)


def test_p1_not_above_p0() -> None:
    with pytest.raises(ValueError, match="p0 < p1"):
        mander_thompson_design(0.4, 0.2)


def test_cli_design_mander_thompson(capsys: pytest.CaptureFixture[str]) -> None:
    import json

    from thera_stats.cli import main

    assert main(["design", "--p0", "0.2", "--p1", "0.4", "--alpha", "0.1", "--power", "0.9",
                 "--family", "mander-thompson", "--format", "json"]) == 0
    row = json.loads(capsys.readouterr().out)
    assert (row["sizes"], row["futility"], row["efficacy"]) == ("16/41", "3/11", "6")
    assert main(["design", "--p0", "0.2", "--p1", "0.4", "--family", "mander-thompson",
                 "--criterion", "optimal-p1"]) == 0
    assert "optimal-p1" in capsys.readouterr().out
    assert main(["design", "--p0", "0.2", "--p1", "0.4", "--criterion", "optimal-p1"]) == 2
    assert "mander-thompson" in capsys.readouterr().err


def test_compare_designs_table_and_figure() -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from thera_stats import plotting
    from thera_stats.design_search import compare_designs
    from thera_stats.simon import single_stage_design

    designs = {"Simon": simon_design(0.2, 0.4, alpha=0.05, power=0.8),
               "MT": mander_thompson_design(0.2, 0.4, alpha=0.05, power=0.8),
               "single": single_stage_design(0.2, 0.4, alpha=0.05, power=0.8)}
    table = compare_designs(designs)
    assert table["design"].tolist() == ["Simon", "MT", "single"]
    simon = designs["Simon"]
    row = table.iloc[0]
    assert (row["alpha"], row["power"]) == pytest.approx((simon.actual_alpha, simon.actual_power),
                                                          abs=1e-12)
    assert row["en_p0"] == pytest.approx(simon.en_p0, abs=1e-10)
    assert row["pet_p0"] == pytest.approx(simon.pet_p0, abs=1e-12)
    single = designs["single"]
    assert table.iloc[2]["en_p0"] == pytest.approx(single.n, abs=1e-12)
    assert table.iloc[2]["alpha"] == pytest.approx(single.actual_alpha, abs=1e-12)
    _, ax = plt.subplots()
    assert plotting.design_comparison_plot(designs, ax=ax) is ax
    assert len(ax.get_legend().get_texts()) == 3
    plt.close("all")
    with pytest.raises(ValueError, match="non-empty mapping"):
        compare_designs({})
    with pytest.raises(TypeError, match="cannot read str"):
        compare_designs({"x": "3/13, 12/43"})


def test_compare_designs_takes_every_family_and_shows_the_inconclusive_zone() -> None:
    from thera_stats.bayesian_design import bop2_design
    from thera_stats.fleming import fleming_design
    from thera_stats.three_outcome import sargent_design

    p0, p1 = 0.2, 0.45
    sargent = sargent_design(p0, p1, alpha=0.05, beta=0.2, eta=0.8, pi=0.8)
    table = compare_designs({
        "Simon": simon_design(p0, p1, alpha=0.05, power=0.8),
        "Fleming": fleming_design(p0, p1, alpha=0.05, sizes=[11, 22]),
        "Sargent": sargent,
        "BOP2": bop2_design(p0, p1, looks=[10, 15, 22], alpha=0.05, power=0.8),
    })
    assert table["design"].tolist() == ["Simon", "Fleming", "Sargent", "BOP2"]
    d = sargent.design
    row = table.iloc[2]
    # P(inconclusive) by a direct binomial sum over the zone a_K < X <= e_K.
    from scipy import stats
    zone = range(d.futility[-1] + 1, d.final_go + 1)
    for col, p in (("inconclusive_p0", p0), ("inconclusive_p1", p1)):
        assert row[col] == pytest.approx(sum(stats.binom.pmf(x, d.n_max, p) for x in zone),
                                         abs=1e-12)
    assert table.loc[0, "inconclusive_p0"] == 0.0
    assert row["efficacy"] == str(d.final_go)
