"""The figures' colours stay apart for readers with red-green colour-vision deficiency.

Colours of opposite meaning (responder / non-responder, "go" / "no go",
planned / applied rule) are simulated as a deuteranope and a protanope see them,
with the matrices of Machado, Oliveira & Fernandes (2009) [1]_ at severity 1.0,
applied to linear sRGB as in that paper. The simulated colours are compared
by the CIE76 colour difference (Euclidean distance in CIELAB, D65 white) [2]_.
A CIE76 difference of about 2.3 is just noticeable; 20 or more is a clearly
different colour, which is what a legend must rely on.

References
----------
.. [1] Machado, G. M., Oliveira, M. M. & Fernandes, L. A. F. (2009). A
   physiologically-based model for simulation of color vision deficiency. IEEE
   Transactions on Visualization and Computer Graphics 15(6), 1291-1298.
   https://doi.org/10.1109/TVCG.2009.113 (matrices for severity 1.0 from the
   authors' table, https://www.inf.ufrgs.br/~oliveira/pubs_files/CVD_Simulation/CVD_Simulation.html)
.. [2] IEC 61966-2-1:1999 (sRGB transfer function and primaries); CIE 15:2004
   (CIELAB and the CIE76 difference).
"""

from __future__ import annotations

import itertools

import numpy as np
import numpy.typing as npt
import pytest
from matplotlib.colors import to_rgb

from thera_stats import plotting

#: Machado et al. (2009), severity 1.0; rows map linear (R, G, B) to simulated linear RGB.
MACHADO = {
    "protanopia": np.array([[0.152286, 1.052583, -0.204868],
                            [0.114503, 0.786281, 0.099216],
                            [-0.003882, -0.048116, 1.051998]]),
    "deuteranopia": np.array([[0.367322, 0.860646, -0.227968],
                              [0.280085, 0.672501, 0.047413],
                              [-0.011820, 0.042940, 0.968881]]),
}
#: Linear sRGB to CIE XYZ (D65), IEC 61966-2-1.
SRGB_TO_XYZ = np.array([[0.4124564, 0.3575761, 0.1804375],
                        [0.2126729, 0.7151522, 0.0721750],
                        [0.0193339, 0.1191920, 0.9503041]])
D65 = np.array([0.95047, 1.0, 1.08883])

FloatArray = npt.NDArray[np.float64]


def srgb_to_linear(rgb: npt.ArrayLike) -> FloatArray:
    c = np.asarray(rgb, dtype=float)
    return np.where(c <= 0.04045, c / 12.92, ((c + 0.055) / 1.055) ** 2.4)


def linear_to_srgb(lin: npt.ArrayLike) -> FloatArray:
    c = np.clip(np.asarray(lin, dtype=float), 0.0, 1.0)
    return np.where(c <= 0.0031308, 12.92 * c, 1.055 * c ** (1 / 2.4) - 0.055)


def simulate(rgb: npt.ArrayLike, deficiency: str) -> FloatArray:
    """sRGB in [0, 1] (shape (..., 3)) as seen with ``deficiency``, in sRGB."""
    lin = srgb_to_linear(rgb)
    return linear_to_srgb(lin @ MACHADO[deficiency].T)


def srgb_to_lab(rgb: npt.ArrayLike) -> FloatArray:
    xyz = srgb_to_linear(rgb) @ SRGB_TO_XYZ.T / D65
    eps, kappa = 216 / 24389, 24389 / 27
    f = np.where(xyz > eps, np.cbrt(xyz), (kappa * xyz + 16) / 116)
    return np.stack([116 * f[..., 1] - 16, 500 * (f[..., 0] - f[..., 1]),
                     200 * (f[..., 1] - f[..., 2])], axis=-1)


def delta_e76(a: str, b: str, deficiency: str | None = None) -> float:
    ra, rb = np.array(to_rgb(a)), np.array(to_rgb(b))
    if deficiency is not None:
        ra, rb = simulate(ra, deficiency), simulate(rb, deficiency)
    return float(np.linalg.norm(srgb_to_lab(ra) - srgb_to_lab(rb)))


# ------------------------------------------------------------------ the conversions
def test_lab_of_known_colours() -> None:
    # CIELAB of sRGB primaries (D65), e.g. Lindbloom's calculator / colour-science.
    np.testing.assert_allclose(srgb_to_lab([1.0, 1.0, 1.0]), [100.0, 0.0, 0.0], atol=1e-3)
    np.testing.assert_allclose(srgb_to_lab([1.0, 0.0, 0.0]), [53.24, 80.09, 67.20], atol=0.02)
    np.testing.assert_allclose(srgb_to_lab([0.0, 0.0, 1.0]), [32.30, 79.19, -107.86], atol=0.02)


def test_simulation_keeps_greys_and_merges_red_and_green() -> None:
    for deficiency in MACHADO:
        # Each matrix row sums to 1: neutral greys are unchanged.
        np.testing.assert_allclose(simulate([0.5, 0.5, 0.5], deficiency), 0.5, atol=1e-4)
        # The old palette: red #b2182b and green #1b7837 become hard to tell apart.
        assert delta_e76("#b2182b", "#1b7837", deficiency) < 0.5 * delta_e76("#b2182b", "#1b7837")


# ------------------------------------------------------------------ the palette
OPPOSITES = [("responder", "non_responder"), ("go", "no_go"), ("planned", "applied")]
MIN_DELTA_E = 30.0


@pytest.mark.parametrize("deficiency", [None, *MACHADO])
@pytest.mark.parametrize(("first", "second"), OPPOSITES)
def test_opposite_meanings_stay_apart(first: str, second: str, deficiency: str | None) -> None:
    a, b = plotting.PALETTE[first], plotting.PALETTE[second]
    assert delta_e76(a, b, deficiency) >= MIN_DELTA_E, (first, second, deficiency)


def test_palette_is_okabe_ito_plus_grey() -> None:
    allowed = {*plotting.OKABE_ITO.values(), plotting.GREY}
    assert set(plotting.PALETTE.values()) <= allowed
    assert plotting.PALETTE["responder"] == plotting.RESPONDER_COLOUR
    assert plotting.PALETTE["non_responder"] == plotting.NON_RESPONDER_COLOUR


def test_every_colour_of_meaning_differs_from_the_missing_grey() -> None:
    for key, deficiency in itertools.product(("responder", "non_responder"), MACHADO):
        assert delta_e76(plotting.PALETTE[key], plotting.PALETTE["missing"], deficiency) >= 15
