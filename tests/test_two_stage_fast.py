"""The vectorised pieces of multi-stage inference against their definitions.

* the UMVCUE, summed on the log scale for every outcome at once, against the exact
  rational value from the design's integer counts (Fractions of big integers);
* the grid tails P_p(T >= t_i) and P_p(T <= t_i), one sorted cumulative sum, against
  the direct sums over the outcomes ranked at least (at most) as extreme.
"""

from __future__ import annotations

import math
from fractions import Fraction

import numpy as np
import pytest
from numpy.testing import assert_allclose

from thera_stats.multistage import MultiStageDesign
from thera_stats.multistage_inference import _space, _umvcue

DESIGNS = [
    MultiStageDesign(0.2, 0.45, sizes=[10, 22], futility=[2, 7]),
    MultiStageDesign(0.3, 0.45, sizes=[45, 100], futility=[13, 37]),
    MultiStageDesign(0.2, 0.4, sizes=[10, 20, 35], futility=[1, 5, 10]),
    MultiStageDesign(0.3, 0.36, sizes=[200, 500], futility=[61, 165]),
]


def _exact_umvcue(design: MultiStageDesign, x: int) -> float:
    k = design.n_looks - 2
    counts = design._counts[0][k]
    m = design.sizes[-1] - design.sizes[-2]
    num = den = 0
    for y, c in enumerate(counts):
        if design.futility[k] < y <= design.efficacy[k] and 0 <= x - y <= m:
            den += c * math.comb(m, x - y)
            if x - y >= 1:
                num += c * math.comb(m - 1, x - y - 1)
    return float(Fraction(num, den))


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: f"{d.sizes}")
def test_umvcue_equals_the_exact_ratio(design: MultiStageDesign) -> None:
    space = design.sample_space()
    looks = space["look"].to_numpy(dtype=np.int64)
    xs = space["x"].to_numpy(dtype=np.int64)
    got = _umvcue(design, looks, xs)
    last = looks == design.n_looks
    expected = [_exact_umvcue(design, int(x)) for x in xs[last]]
    assert_allclose(got[last], expected, rtol=1e-12, atol=0)
    assert np.all(np.isnan(got[~last]))


@pytest.mark.parametrize("design", DESIGNS, ids=lambda d: f"{d.sizes}")
@pytest.mark.parametrize("ordering", ["stagewise", "mle"])
def test_grid_tails_equal_direct_sums(design: MultiStageDesign, ordering: str) -> None:
    space = _space(design, ordering)
    at_least, at_most = space.grid_tails
    prob = space.grid_prob
    for i in range(0, space.x.size, max(1, space.x.size // 25)):
        ge = prob[:, space.rank >= space.rank[i]].sum(axis=1)
        le = prob[:, space.rank <= space.rank[i]].sum(axis=1)
        assert_allclose(at_least[:, i], ge, rtol=1e-12, atol=1e-300)
        assert_allclose(at_most[:, i], le, rtol=1e-12, atol=1e-300)
