"""Mixed model for repeated measures (MMRM) fitted by restricted maximum likelihood.

The model is the one of a SAS ``PROC MIXED`` analysis with a ``REPEATED``
statement and no random effects, or of R ``nlme::gls`` and ``mmrm::mmrm``::

    change_ij = mu + day_j + covariates_i' gamma + e_ij,    e_i ~ N(0, Sigma_i)

for patient ``i`` at post-baseline day ``j``; ``Sigma_i`` is the block of a
``T x T`` covariance matrix ``Sigma`` for the days on which patient ``i`` was
seen, so a patient with missing visits contributes the visits observed (a
likelihood analysis valid when data are missing at random). ``Sigma`` is
unstructured, compound symmetric, first-order autoregressive or Toeplitz, with
common or day-specific variances. The parameters are estimated by maximising
the REML log-likelihood (Newton's method on the analytic gradient and
information); LS means and contrasts come with Satterthwaite or Kenward-Roger
degrees of freedom. :func:`mmrm_select_covariance` compares structures by AIC
or BIC. The methods page ``docs/methods/mmrm.md`` gives the formulas.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import linalg

from thera_stats import _distributions as stats
from thera_stats._checks import check_choice, check_confidence_level
from thera_stats.errors import (
    ConvergenceError,
    DataValidationError,
    TheraStatsError,
    one_line,
    problem,
)
from thera_stats.longtable import check_long_table

__all__ = [
    "COVARIANCE_STRUCTURES",
    "DF_METHODS",
    "MMRMResult",
    "mmrm",
    "mmrm_select_covariance",
]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Accepted ``covariance`` names, each mapped to its canonical name. The short
#: names are SAS's ``TYPE=`` values (UN, CS, CSH, AR(1), ARH(1), TOEP, TOEPH)
#: and R mmrm's (``us``, ``cs``, ``csh``, ``ar1``, ``ar1h``, ``toep``, ``toeph``).
COVARIANCE_STRUCTURES: dict[str, str] = {
    "unstructured": "unstructured",
    "un": "unstructured",
    "us": "unstructured",
    "compound-symmetry": "compound-symmetry",
    "cs": "compound-symmetry",
    "cs-heterogeneous": "cs-heterogeneous",
    "csh": "cs-heterogeneous",
    "ar1": "ar1",
    "ar1-heterogeneous": "ar1-heterogeneous",
    "arh1": "ar1-heterogeneous",
    "ar1h": "ar1-heterogeneous",
    "toeplitz": "toeplitz",
    "toep": "toeplitz",
    "toeplitz-heterogeneous": "toeplitz-heterogeneous",
    "toeph": "toeplitz-heterogeneous",
}

#: Supported ``df`` methods for t statistics and intervals.
DF_METHODS = ("satterthwaite", "kenward-roger", "kenward-roger-linear", "residual")

_CANONICAL = tuple(dict.fromkeys(COVARIANCE_STRUCTURES.values()))
_DF_NAMES = {
    "satterthwaite": "Satterthwaite",
    "kenward-roger": "Kenward-Roger",
    "kenward-roger-linear": "Kenward-Roger (linear)",
    "residual": "residual",
}
_TABLE = "changes"
_LOG_2PI = math.log(2.0 * math.pi)
# Convergence: relative Hessian criterion g' H^-1 g / |loglik| (SAS uses 1e-8).
_REL_HESSIAN_TOL = 1e-10
_MAX_CONDITION = 1e12
_MAX_NEWTON = 200
# Second directional derivatives of an analytic map f by a complex step along
# omega = exp(i pi / 4): Im[f(x + h omega v) + f(x - h omega v)] / h^2 = f''[v, v]
# + O(h^4), with no subtractive cancellation (omega^2 = i).
_OMEGA = complex(math.sqrt(0.5), math.sqrt(0.5))
_H2 = 1e-3


def _n_covariance_parameters(structure: str, n_days: int) -> int:
    """Number of covariance parameters of ``structure`` on ``n_days`` days."""
    t = n_days
    return {
        "unstructured": t * (t + 1) // 2,
        "compound-symmetry": 2,
        "cs-heterogeneous": t + 1,
        "ar1": 2,
        "ar1-heterogeneous": t + 1,
        "toeplitz": t,
        "toeplitz-heterogeneous": 2 * t - 1,
    }[structure]


# --------------------------------------------------------------------------- covariance
# Each structure maps unconstrained parameters theta, shape (batch, q), to a
# stack of covariance matrices (batch, T, T). The maps are analytic and accept
# complex input, so that d Sigma / d theta comes exactly from complex steps, all
# in one batch, and second derivatives from the complex step along omega.


def _unstructured(theta: Any, t: int) -> Any:
    low = np.zeros((theta.shape[0], t, t), dtype=theta.dtype)
    rows, cols = np.tril_indices(t)
    low[:, rows, cols] = theta
    diag = np.arange(t)
    low[:, diag, diag] = np.exp(low[:, diag, diag])
    return low @ np.swapaxes(low, 1, 2)


def _lags(t: int) -> IntArray:
    idx = np.arange(t)
    return np.abs(np.subtract.outer(idx, idx))


def _cs_corr(z: Any, t: int) -> Any:
    lower = -1.0 / (t - 1)
    rho = (lower + (1.0 - lower) / (1.0 + np.exp(-z)))[:, None, None]
    return rho + (1.0 - rho) * np.eye(t)


def _ar1_corr(z: Any, t: int) -> Any:
    rho = np.tanh(z)[:, None, None]
    return rho ** _lags(t)[None, :, :]


def _pacf_to_acf(phi: Any) -> Any:
    """Autocorrelations rho_0..rho_{T-1} from partial autocorrelations (Durbin-Levinson).

    ``phi`` has shape (batch, T - 1) with entries in (-1, 1); the Toeplitz
    matrix of the result is then positive definite (Barndorff-Nielsen and
    Schou 1973). Only arithmetic, so complex steps pass through.
    """
    batch, k_max = phi.shape
    rho = [np.ones(batch, dtype=phi.dtype)]
    coef: list[Any] = []
    for k in range(1, k_max + 1):
        pk = phi[:, k - 1]
        if k == 1:
            rho.append(pk)
            coef = [pk]
            continue
        innovation = 1.0 - sum(coef[j - 1] * rho[j] for j in range(1, k))
        rho.append(pk * innovation + sum(coef[j - 1] * rho[k - j] for j in range(1, k)))
        coef = [coef[j - 1] - pk * coef[k - j - 1] for j in range(1, k)] + [pk]
    return np.stack(rho, axis=1)


def _toeplitz_corr(z: Any, t: int) -> Any:
    acf = _pacf_to_acf(np.tanh(z))
    return acf[:, _lags(t)]


def _homogeneous(corr: Callable[[Any, int], Any], k: int | None) -> Callable[[Any, int], Any]:
    """Sigma = exp(theta_0) * R(theta_1..): a log variance and ``k`` correlation parameters."""

    def build(theta: Any, t: int) -> Any:
        z = theta[:, 1] if k == 1 else theta[:, 1:]
        return np.exp(theta[:, 0])[:, None, None] * corr(z, t)

    return build


def _heterogeneous(corr: Callable[[Any, int], Any], k: int | None) -> Callable[[Any, int], Any]:
    """Sigma = D R D with log standard deviations per day, then correlation parameters."""

    def build(theta: Any, t: int) -> Any:
        sd = np.exp(theta[:, :t])
        z = theta[:, t] if k == 1 else theta[:, t:]
        return sd[:, :, None] * corr(z, t) * sd[:, None, :]

    return build


_BUILDERS: dict[str, Callable[[Any, int], Any]] = {
    "unstructured": _unstructured,
    "compound-symmetry": _homogeneous(_cs_corr, 1),
    "cs-heterogeneous": _heterogeneous(_cs_corr, 1),
    "ar1": _homogeneous(_ar1_corr, 1),
    "ar1-heterogeneous": _heterogeneous(_ar1_corr, 1),
    "toeplitz": _homogeneous(_toeplitz_corr, None),
    "toeplitz-heterogeneous": _heterogeneous(_toeplitz_corr, None),
}


def _acf_to_pacf(acf: FloatArray) -> FloatArray:
    """Partial autocorrelations from autocorrelations rho_1..rho_K (Levinson recursion)."""
    rho = np.concatenate([[1.0], acf])
    out = np.empty(acf.size)
    coef = np.zeros(0)
    for k in range(1, acf.size + 1):
        innovation = 1.0 - float(coef @ rho[1:k])
        pk = (rho[k] - float(coef @ rho[k - 1 : 0 : -1])) / innovation if innovation > 0 else 0.0
        pk = float(np.clip(pk, -0.95, 0.95))
        out[k - 1] = pk
        coef = np.append(coef - pk * coef[::-1], pk)
    return out


def _start_theta(structure: str, s: FloatArray) -> FloatArray:
    """Starting values from a positive-definite moment estimate ``s`` of Sigma."""
    t = s.shape[0]
    sd = np.sqrt(np.diag(s))
    corr = s / np.outer(sd, sd)
    off = corr[~np.eye(t, dtype=bool)]
    if structure == "unstructured":
        low = np.linalg.cholesky(s)
        low[np.diag_indices(t)] = np.log(np.diag(low))
        return np.asarray(low[np.tril_indices(t)], dtype=float)
    z: FloatArray
    if structure in ("compound-symmetry", "cs-heterogeneous"):
        lower = -1.0 / (t - 1)
        rho = float(np.clip(off.mean(), lower + 0.05 * (1 - lower), 0.95))
        frac = (rho - lower) / (1.0 - lower)
        z = np.array([math.log(frac / (1.0 - frac))])
    elif structure in ("ar1", "ar1-heterogeneous"):
        lag1 = np.diag(corr, 1)
        z = np.array([math.atanh(float(np.clip(lag1.mean(), -0.9, 0.9)))])
    else:
        acf = np.array([np.diag(corr, k).mean() for k in range(1, t)])
        z = np.arctanh(_acf_to_pacf(acf))
    if structure in ("compound-symmetry", "ar1", "toeplitz"):
        return np.concatenate([[math.log(float(np.mean(np.diag(s))))], z])
    return np.concatenate([np.log(sd), z])


def _start_thetas(structure: str, s: FloatArray) -> list[FloatArray]:
    """Starting values; for Toeplitz two: lag correlations averaged over the correlation
    matrix and over the covariance matrix (the REML surface can have two maxima)."""
    first = _start_theta(structure, s)
    if not structure.startswith("toeplitz"):
        return [first]
    t = s.shape[0]
    acf = np.array([np.diag(s, k).mean() for k in range(t)])
    z = np.arctanh(_acf_to_pacf(acf[1:] / acf[0]))
    return [first, np.concatenate([first[: first.size - (t - 1)], z])]


def _sigma_and_jacobian(structure: str, theta: FloatArray, t: int) -> tuple[FloatArray, FloatArray]:
    """Sigma(theta) and the exact derivatives d Sigma / d theta_k (complex step)."""
    build = _BUILDERS[structure]
    step = 1e-30
    batch = np.vstack([theta, theta + 1j * step * np.eye(theta.size)])
    out = build(batch, t)
    sigma = np.ascontiguousarray(out[0].real, dtype=float)
    jac = np.ascontiguousarray(out[1:].imag / step, dtype=float)
    return sigma, jac


def _second_directional(
    build: Callable[[Any, int], Any], theta: FloatArray, directions: FloatArray, t: int
) -> FloatArray:
    """``d^2 Sigma [v, v]`` for every row ``v`` of ``directions`` (complex step along omega)."""
    step = _H2 * _OMEGA
    plus = build(theta[None, :] + step * directions, t)
    minus = build(theta[None, :] - step * directions, t)
    return np.asarray((plus + minus).imag / _H2**2, dtype=float)


def _sigma_contraction_hessian(
    structure: str, theta: FloatArray, g_sigma: FloatArray, t: int
) -> FloatArray:
    """Hessian in theta of ``sum_ab G_ab Sigma_ab(theta)`` for a fixed symmetric ``G``."""
    q = theta.size
    if structure == "unstructured":
        # <G, L L'> with L lower triangular, theta the entries of L (log on the diagonal):
        # d^2 / dL_ab dL_cd = 2 G_ac [b == d]; chain rule through exp on the diagonal.
        rows, cols = np.tril_indices(t)
        low = np.zeros((t, t))
        low[rows, cols] = theta
        diag = np.exp(np.diag(low).copy())
        low[np.diag_indices(t)] = diag
        on_diag = rows == cols
        scale = np.where(on_diag, diag[rows], 1.0)
        hess = 2.0 * g_sigma[np.ix_(rows, rows)] * (cols[:, None] == cols[None, :])
        hess *= np.outer(scale, scale)
        first = 2.0 * (g_sigma @ low)[rows, cols]
        hess[np.diag_indices(q)] += np.where(on_diag, first * diag[rows], 0.0)
        return hess
    build = _BUILDERS[structure]
    eye = np.eye(q)
    jj, kk = np.triu_indices(q, 1)
    directions = np.vstack([eye, eye[jj] + eye[kk]])
    second = np.einsum("ab,nab->n", g_sigma, _second_directional(build, theta, directions, t))
    hess = np.diag(second[:q])
    pair = 0.5 * (second[q:] - second[jj] - second[kk])
    hess[jj, kk] = pair
    hess[kk, jj] = pair
    return hess


# R mmrm's parameterisations (src/covariance.h of mmrm 0.3.16): the Kenward-Roger
# adjusted covariance uses second derivatives of Sigma, which depend on the
# parameterisation, so it is computed in R mmrm's to be comparable.
def _cor_from_real(x: Any) -> Any:
    return x / np.sqrt(1.0 + x * x)


def _real_from_cor(r: Any) -> Any:
    return r / np.sqrt(1.0 - r * r)


def _mm_unstructured(theta: Any, t: int) -> Any:
    sd = np.exp(theta[:, :t])
    lam = np.zeros((theta.shape[0], t, t), dtype=theta.dtype)
    lam[:, np.arange(t), np.arange(t)] = 1.0
    rows, cols = np.tril_indices(t, -1)
    lam[:, rows, cols] = theta[:, t:]
    low = sd[:, :, None] * lam
    return low @ np.swapaxes(low, 1, 2)


def _mm_corr(kind: str, z: Any, t: int) -> Any:
    if kind == "cs":
        a = 1.0 / (t - 1)
        rho = ((1.0 + a) / (1.0 + np.exp(-z[:, 0])) - a)[:, None, None]
        return rho + (1.0 - rho) * np.eye(t)
    if kind == "ar1":
        return _cor_from_real(z[:, 0])[:, None, None] ** _lags(t)[None, :, :]
    acf = np.concatenate([np.ones((z.shape[0], 1), dtype=z.dtype), _cor_from_real(z)], axis=1)
    return acf[:, _lags(t)]


def _mm_build(structure: str) -> Callable[[Any, int], Any]:
    if structure == "unstructured":
        return _mm_unstructured
    kind = {"compound": "cs", "cs": "cs", "ar1": "ar1", "toeplitz": "toep"}[
        structure.split("-")[0]
    ]
    if structure.endswith("heterogeneous"):

        def het(theta: Any, t: int) -> Any:
            sd = np.exp(theta[:, :t])
            return sd[:, :, None] * _mm_corr(kind, theta[:, t:], t) * sd[:, None, :]

        return het

    def hom(theta: Any, t: int) -> Any:
        return np.exp(2.0 * theta[:, 0])[:, None, None] * _mm_corr(kind, theta[:, 1:], t)

    return hom


def _mm_theta(structure: str, sigma: FloatArray) -> FloatArray:
    """R mmrm's covariance parameters of ``sigma``."""
    t = sigma.shape[0]
    if structure == "unstructured":
        low = np.linalg.cholesky(sigma)
        sd = np.diag(low)
        rows, cols = np.tril_indices(t, -1)
        return np.concatenate([np.log(sd), low[rows, cols] / sd[rows]])
    sd = np.sqrt(np.diag(sigma))
    corr = sigma / np.outer(sd, sd)
    if structure.startswith(("compound", "cs")):
        a = 1.0 / (t - 1)
        frac = (corr[1, 0] + a) / (1.0 + a)
        z = np.array([math.log(frac / (1.0 - frac))])
    elif structure.startswith("ar1"):
        z = np.array([_real_from_cor(corr[1, 0])])
    else:
        z = _real_from_cor(corr[0, 1:])
    head = np.log(sd) if structure.endswith("heterogeneous") else [math.log(float(sd.mean()))]
    return np.concatenate([head, z])


# --------------------------------------------------------------------------- likelihood


@dataclass(frozen=True, slots=True)
class _Data:
    """Responses padded to the T days, patients sorted by missing-visit pattern.

    ``y`` (n, T) and ``x`` (n, T, p) hold zeros on missed days; ``patterns``
    (K, T) are the distinct sets of days seen, ``pattern`` (n,) each patient's,
    ``starts`` (K,) the first patient of each pattern and ``counts`` (K,) how many.
    """

    y: FloatArray
    x: FloatArray
    patterns: npt.NDArray[np.bool_]
    pattern: IntArray
    starts: IntArray
    counts: FloatArray
    n_obs: int

    @property
    def t(self) -> int:
        return int(self.y.shape[1])

    @property
    def p(self) -> int:
        return int(self.x.shape[2])


@dataclass(frozen=True, slots=True)
class _Fit:
    loglik: float
    beta: FloatArray
    a_matrix: FloatArray  # X' Sigma^-1 X, the inverse of Var(beta-hat)
    a_inv: FloatArray
    grad_sigma: FloatArray  # d loglik / d Sigma (symmetric T x T)
    s_pattern: FloatArray  # Sigma_k^-1 per pattern, zero on the missed days (K, T, T)
    w: FloatArray  # Sigma_i^-1 X_i per patient (n, T, p)
    u: FloatArray  # Sigma_i^-1 r_i per patient (n, T)


class _SingularError(Exception):
    pass


def _reml(sigma: FloatArray, data: _Data) -> _Fit:
    """REML log-likelihood at ``sigma`` (SAS convention) and its gradient in Sigma.

    Every pattern's block is completed to a T x T matrix with the identity on
    the missed days (zero covariance with the seen ones), so one batched
    Cholesky factorisation serves all patterns; the inverse is then masked.
    """
    t, p = data.t, data.p
    keep = data.patterns[:, :, None] & data.patterns[:, None, :]
    filled = np.where(keep, sigma[None, :, :], 0.0)
    missed = ~data.patterns
    filled[:, np.arange(t), np.arange(t)] += missed
    try:
        chol = np.linalg.cholesky(filled)
    except np.linalg.LinAlgError:
        raise _SingularError from None
    log_det = 2.0 * float(data.counts @ np.log(np.diagonal(chol, axis1=1, axis2=2)).sum(axis=1))
    s_pat = np.where(keep, np.linalg.inv(filled), 0.0)
    s_pat = 0.5 * (s_pat + np.swapaxes(s_pat, 1, 2))
    s_pt = s_pat[data.pattern]
    w = s_pt @ data.x  # (n, T, p)
    a_mat = data.x.reshape(-1, p).T @ w.reshape(-1, p)
    a_mat = 0.5 * (a_mat + a_mat.T)
    b_vec = w.reshape(-1, p).T @ data.y.ravel()
    try:
        chol_a = linalg.cholesky(a_mat, lower=True, check_finite=False)
    except (linalg.LinAlgError, ValueError):
        raise _SingularError from None
    beta = linalg.cho_solve((chol_a, True), b_vec, check_finite=False)
    a_inv = linalg.cho_solve((chol_a, True), np.eye(p), check_finite=False)
    a_inv = 0.5 * (a_inv + a_inv.T)
    log_det_a = 2.0 * float(np.sum(np.log(np.diag(chol_a))))
    resid = data.y - data.x @ beta
    u = (s_pt @ resid[:, :, None])[:, :, 0]
    quad = float(np.sum(u * resid))
    loglik = -0.5 * ((data.n_obs - p) * _LOG_2PI + log_det + log_det_a + quad)
    # d loglik / d Sigma = -1/2 sum_i (S_i - u_i u_i' - W_i A^-1 W_i')
    wa = w @ a_inv
    wt = np.swapaxes(w, 0, 1).reshape(t, -1)
    lever = np.swapaxes(wa, 0, 1).reshape(t, -1) @ wt.T
    grad = -0.5 * (np.tensordot(data.counts, s_pat, axes=1) - u.T @ u - lever)
    grad = 0.5 * (grad + grad.T)
    return _Fit(loglik, beta, a_mat, a_inv, grad, s_pat, w, u)


def _kron_sum(left: FloatArray, right: FloatArray) -> FloatArray:
    """``sum_n left_n (x) right_n`` as a (T, T, T, T) array indexed [a, b, c, d] = L_ab R_cd."""
    n, t = left.shape[0], left.shape[1]
    return (left.reshape(n, -1).T @ right.reshape(n, -1)).reshape(t, t, t, t)


def _w_outer(w: FloatArray) -> FloatArray:
    """``M[a, b, p, q] = sum_i W_i[a, p] W_i[b, q]`` (T, T, p, p)."""
    n, t, p = w.shape
    flat = np.transpose(w, (1, 2, 0)).reshape(t * p, n)
    return (flat @ flat.T).reshape(t, p, t, p).transpose(0, 2, 1, 3)


def _information(
    fit: _Fit, data: _Data, jac: FloatArray, *, observed: bool, hess_sigma: FloatArray | None
) -> tuple[FloatArray, FloatArray]:
    """Information on theta (expected, or observed with the Sigma-Hessian term).

    Returns the information and ``B_k = sum_i W_i' dSigma_k W_i`` (q, p, p).
    With ``V_k`` the derivative of the block-diagonal covariance of all
    responses and ``P = V^-1 - V^-1 X A^-1 X' V^-1``, the expected information
    is ``1/2 tr(P V_j P V_k)``; the observed one (minus the Hessian of the
    REML log-likelihood) is ``y'P V_j P V_k P y - 1/2 tr(P V_j P V_k) -
    <G, d^2 Sigma / d theta_j d theta_k>``.
    """
    q, t, _ = jac.shape
    jflat = jac.reshape(q, t * t)
    s_pat, w, u, a_inv = fit.s_pattern, fit.w, fit.u, fit.a_inv
    # tr(S D_j S D_k) summed over patients: sum_k n_k S_k (x) S_k (a symmetric product).
    s_w = (s_pat * np.sqrt(data.counts)[:, None, None]).reshape(-1, t * t)
    e1 = (s_w.T @ s_w).reshape(t, t, t, t)  # [a, b, c, d] = sum n S_ab S_cd
    # tr(S D_j S D_k) = sum S_da D_j,ab S_bc D_k,cd -> pair (a,b) with (c,d) via S_bc S_da.
    t1 = jflat @ e1.transpose(1, 2, 3, 0).reshape(t * t, t * t) @ jflat.T
    # tr(H_i D_j S_i D_k) with H_i = W_i A^-1 W_i', summed by pattern.
    wa = w @ a_inv
    h = wa @ np.swapaxes(w, 1, 2)
    h_pat = np.add.reduceat(h, data.starts, axis=0)
    e2 = _kron_sum(h_pat, s_pat)  # [a, b, c, d] = sum H_ab S_cd
    t2 = jflat @ e2.transpose(1, 2, 3, 0).reshape(t * t, t * t) @ jflat.T
    m_tensor = _w_outer(w)
    b_mats = (jflat @ m_tensor.reshape(t * t, -1)).reshape(q, *a_inv.shape)
    c_mats = a_inv @ b_mats
    t3 = c_mats.reshape(q, -1) @ np.swapaxes(c_mats, 1, 2).reshape(q, -1).T
    trace = t1 - t2 - t2.T + t3  # tr(P V_j P V_k)
    if not observed:
        info = 0.5 * trace
    else:
        # y'P V_k P V_j P y = sum_i u_i' D_k S_i D_j u_i - c_k' A^-1 c_j.
        uu = u[:, :, None] * u[:, None, :]
        e3 = _kron_sum(uu, s_pat[data.pattern])  # [a, d, b, c] = u_a u_d S_bc
        t4 = jflat @ e3.transpose(0, 2, 3, 1).reshape(t * t, t * t) @ jflat.T
        n = u.shape[0]
        n_tensor = (w.reshape(n, -1).T @ u).reshape(t, -1, t).transpose(0, 2, 1)  # [a, b, p]
        c_vec = jflat @ n_tensor.reshape(t * t, -1)
        t5 = c_vec @ a_inv @ c_vec.T
        info = (t4 - t5) - 0.5 * trace
        if hess_sigma is not None:
            info = info - hess_sigma
    return 0.5 * (info + info.T), b_mats


class _Objective:
    """Negative REML log-likelihood in theta, with its gradient and information."""

    def __init__(self, structure: str, data: _Data) -> None:
        self.structure = structure
        self.data = data
        self.t = data.t

    def evaluate(self, theta: FloatArray) -> tuple[float, FloatArray, _Fit | None, FloatArray]:
        """``-loglik``, its gradient, the fit and d Sigma / d theta (inf if not positive definite)."""
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            sigma, jac = _sigma_and_jacobian(self.structure, theta, self.t)
            if not (np.all(np.isfinite(sigma)) and np.all(np.isfinite(jac))):
                return math.inf, np.zeros_like(theta), None, jac
            try:
                fit = _reml(sigma, self.data)
            except _SingularError:
                return math.inf, np.zeros_like(theta), None, jac
            grad = jac.reshape(theta.size, -1) @ fit.grad_sigma.ravel()
        if not (math.isfinite(fit.loglik) and np.all(np.isfinite(grad))):
            return math.inf, np.zeros_like(theta), None, jac
        return -fit.loglik, -grad, fit, jac

    def information(
        self, theta: FloatArray, fit: _Fit, jac: FloatArray, *, observed: bool
    ) -> tuple[FloatArray, FloatArray]:
        hess_sigma = (
            _sigma_contraction_hessian(self.structure, theta, fit.grad_sigma, self.t)
            if observed
            else None
        )
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            return _information(fit, self.data, jac, observed=observed, hess_sigma=hess_sigma)


def _moment_start(data: _Data) -> FloatArray:
    """Pairwise moment estimate of Sigma from OLS residuals, made positive definite."""
    t, p = data.t, data.p
    seen = data.patterns[data.pattern]
    xs = data.x[seen]
    ys = data.y[seen]
    beta = np.linalg.lstsq(xs, ys, rcond=None)[0]
    r = np.where(seen, data.y - data.x @ beta, 0.0)
    sums = r.T @ r
    counts = seen.T.astype(float) @ seen.astype(float)
    pooled = float(np.sum(np.diag(sums)) / max(np.sum(np.diag(counts)), 1.0))
    pooled = pooled if pooled > 0 else 1.0
    s = np.where(counts > 1, sums / np.maximum(counts, 1.0), 0.0)
    diag = np.diag(s).copy()
    diag[~(diag > 0)] = pooled
    s[np.diag_indices(t)] = diag
    vals, vecs = np.linalg.eigh(0.5 * (s + s.T))
    vals = np.maximum(vals, 0.05 * float(np.mean(diag)))
    out: FloatArray = (vecs * vals) @ vecs.T
    del p
    return 0.5 * (out + out.T)


def _newton_direction(info: FloatArray, grad: FloatArray) -> FloatArray | None:
    try:
        chol = linalg.cho_factor(info, lower=True, check_finite=True)
    except (linalg.LinAlgError, ValueError):
        return None
    return np.asarray(linalg.cho_solve(chol, grad), dtype=float)


@dataclass(frozen=True, slots=True)
class _Optimum:
    theta: FloatArray
    iterations: int
    fit: _Fit
    jac: FloatArray
    grad: FloatArray  # of -loglik
    info: FloatArray  # observed information
    b_mats: FloatArray


def _maximise(obj: _Objective, theta0: FloatArray, label: str) -> _Optimum:
    """Fisher scoring, then Newton-Raphson with the observed information near the maximum.

    Each step is halved until the REML log-likelihood increases. Scoring (the
    expected information is positive definite everywhere) is robust far from
    the maximum; Newton's quadratic convergence then brings the relative
    Newton decrement ``g' I^-1 g / |l|`` to rounding level.
    """
    theta = theta0
    f, g, fit, jac = obj.evaluate(theta)
    if fit is None:
        raise ConvergenceError(f"{label}: the starting covariance matrix is not positive definite.")
    iterations = 0
    observed = False
    info = b_mats = None
    for _ in range(_MAX_NEWTON):
        info, b_mats = obj.information(theta, fit, jac, observed=observed)
        step = _newton_direction(info, g)
        if step is None and observed:
            step = _newton_direction(obj.information(theta, fit, jac, observed=False)[0], g)
        if step is None:
            break
        decrement = float(g @ step)
        scale = max(1.0, abs(f))
        if not decrement > 1e-20 * scale:
            break
        if decrement < 1e-6 * scale:
            observed = True
        # Keep a step within a few units in theta (exp() of the log variances).
        length = min(1.0, 3.0 / max(float(np.max(np.abs(step))), 1e-300))
        accepted = False
        while length > 1e-10:
            cand = theta - length * step
            f_new, g_new, fit_new, jac_new = obj.evaluate(cand)
            if fit_new is not None and f_new <= f:
                accepted = True
                break
            length *= 0.5
        if not accepted:
            break
        assert fit_new is not None
        theta, f, g, fit, jac = cand, f_new, g_new, fit_new, jac_new
        iterations += 1
        info = None
    if info is None or not observed:
        info, b_mats = obj.information(theta, fit, jac, observed=True)
    assert b_mats is not None
    return _Optimum(theta, iterations, fit, jac, g, info, b_mats)


def _check_convergence(
    label: str,
    sigma: FloatArray,
    info: FloatArray,
    grad: FloatArray,
    loglik: float,
    iterations: int,
    days: tuple[Any, ...],
) -> float:
    """Raise ConvergenceError unless the fit is a proper interior maximum; return the criterion."""
    hint = (
        "Check the data (enough patients per day, no constant day) or use a covariance "
        "structure with fewer parameters."
    )
    variances = np.diag(sigma)
    eig_sigma = np.linalg.eigvalsh(sigma)
    cond_sigma = eig_sigma.max() / eig_sigma.min() if eig_sigma.min() > 0 else math.inf
    if not (np.all(np.isfinite(sigma)) and cond_sigma < _MAX_CONDITION):
        low = int(np.argmin(variances))
        where = (
            f"; the variance on day {_fmt_day(days[low])} tends to zero"
            if variances[low] < 1e-8 * variances.max()
            else ""
        )
        raise ConvergenceError(
            f"{label} did not converge to an interior solution: the estimated covariance "
            f"matrix is (nearly) singular (condition number {cond_sigma:.3g}{where}). {hint}"
        )
    eig_info = np.linalg.eigvalsh(info) if np.all(np.isfinite(info)) else np.array([np.nan])
    if not eig_info.min() > 0:
        raise ConvergenceError(
            f"{label} did not converge: the Hessian of the REML log-likelihood is not negative "
            f"definite at the final estimate (smallest eigenvalue of the information "
            f"{eig_info.min():.3g}), so it is not a proper maximum. {hint}"
        )
    criterion = float(grad @ linalg.solve(info, grad, assume_a="pos")) / max(1.0, abs(loglik))
    if not criterion < _REL_HESSIAN_TOL:
        raise ConvergenceError(
            f"{label} did not converge after {iterations} iterations: relative Hessian "
            f"criterion g'H^-1g/|loglik| = {criterion:.3g} (needs < {_REL_HESSIAN_TOL:g}). {hint}"
        )
    if eig_info.max() / eig_info.min() > _MAX_CONDITION:
        raise ConvergenceError(
            f"{label} did not converge to an interior solution: the REML information matrix is "
            f"nearly singular (condition number {eig_info.max() / eig_info.min():.3g}), so a "
            f"covariance parameter is at a boundary. {hint}"
        )
    return criterion


# --------------------------------------------------------------------------- validation


def _problem(
    row: int | None, pid: Any, column: str | None, value: Any, rule: str
) -> dict[str, Any]:
    return problem(_TABLE, rule, row=row, patient_id=pid, column=column, value=value)


def _fmt_day(value: Any) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _as_float(raw: pd.Series) -> FloatArray:
    """Numbers as floats; anything that is not a number is NaN."""
    try:
        coerced = pd.to_numeric(raw, errors="coerce")
    except (TypeError, ValueError):
        return np.full(len(raw), np.nan)
    if coerced.dtype.kind not in "iuf":
        return np.full(len(raw), np.nan)
    return np.asarray(coerced.to_numpy(dtype=float, na_value=np.nan), dtype=float)


def _numeric(
    frame: pd.DataFrame,
    column: str,
    ids: npt.NDArray[Any],
    days: npt.NDArray[Any],
    problems: list[dict[str, Any]],
    *,
    allow_missing: bool,
    check: npt.NDArray[np.bool_] | None = None,
) -> FloatArray:
    raw = frame[column]
    values = _as_float(raw)
    missing = np.asarray(raw.isna().to_numpy(), dtype=bool)
    rows = np.ones(len(values), dtype=bool) if check is None else check
    bad_text = np.isnan(values) & ~missing & rows
    bad_inf = np.isinf(values) & rows
    bad_missing = missing & rows & (not allow_missing)
    for i in np.flatnonzero(bad_text | bad_inf | bad_missing):
        where = f" (day {_fmt_day(days[i])})" if column != "day" else ""
        if bad_missing[i]:
            rule = f"value is required{where}"
            value = None
        elif bad_inf[i]:
            rule = f"must be a finite number{where}"
            value = raw.iat[i]
        else:
            rule = f"must be a number{where}"
            value = raw.iat[i]
        problems.append(_problem(int(i) + 2, ids[i], column, value, rule))
    return values


def _prepare(
    changes: Any,
    *,
    covariates: tuple[str, ...],
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
) -> tuple[_Data, tuple[Any, ...], FloatArray, int, int]:
    """Validate the long table and arrange it by missing-visit pattern.

    The (subject, day, value) rules are those of every long table
    (:func:`thera_stats.longtable.check_long_table`); the MMRM adds its own:
    no day before the baseline day, and a finite value of every covariate on
    every analysed row. All problems are listed together, in row order.
    """
    typed, problems = check_long_table(changes, table=_TABLE, subject=subject, day=day, value=value)
    absent = [c for c in dict.fromkeys(covariates) if c not in changes.columns]
    problems.extend(
        _problem(None, None, c, None, f"required column {c!r} is missing") for c in absent
    )
    if problems and any(p["row"] is None for p in problems):
        raise DataValidationError(problems, context="mmrm input")

    ids = changes[subject].to_numpy(dtype=object)
    raw_days = changes[day].to_numpy(dtype=object)
    with np.errstate(invalid="ignore"):
        day_values = _as_float(changes[day])
        valid_day = (
            np.isfinite(day_values) & (day_values == np.round(day_values)) & (day_values >= 0)
        )
    for i in np.flatnonzero(valid_day & (day_values < baseline_day)):
        problems.append(
            _problem(
                int(i) + 2,
                ids[i],
                day,
                raw_days[i],
                f"day {_fmt_day(raw_days[i])} of patient {ids[i]} is before the baseline day "
                f"{_fmt_day(baseline_day)}; a mistyped day? (rows on the baseline day are "
                "skipped, earlier rows are not allowed)",
            )
        )
    post = valid_day & (day_values > baseline_day)
    observed = post & np.isfinite(_as_float(changes[value]))
    for c in covariates:
        _numeric(changes, c, ids, raw_days, problems, allow_missing=False, check=observed)
    if not problems and not observed.any():
        problems.append(
            _problem(
                None,
                None,
                value,
                None,
                f"no observed response after the baseline day {baseline_day}",
            )
        )
    if problems:
        problems.sort(key=lambda p: math.inf if p["row"] is None else p["row"])
        raise DataValidationError(problems, context="mmrm input")

    analysed = typed.loc[typed[day] > baseline_day]
    day_values = analysed[day].to_numpy(dtype=float)
    y = analysed[value].to_numpy(dtype=float)
    ids = analysed[subject].to_numpy(dtype=object)
    xcov = (
        np.column_stack([_as_float(analysed[c]) for c in covariates])
        if covariates
        else np.zeros((len(analysed), 0))
    )
    observed = np.ones(len(analysed), dtype=bool)
    idx = np.flatnonzero(observed)
    levels = np.unique(day_values[idx])
    if levels.size < 2:
        raise DataValidationError(
            [
                _problem(
                    None,
                    None,
                    day,
                    None,
                    "an MMRM needs responses on at least two post-baseline days; found "
                    f"{levels.size}",
                )
            ],
            context="mmrm input",
        )
    visit = np.searchsorted(levels, day_values[idx])
    codes, _ = pd.factorize(pd.Series(ids[idx], dtype=object))
    t = levels.size
    p = t + len(covariates)
    x = np.zeros((idx.size, p))
    x[:, 0] = 1.0
    x[visit > 0, visit[visit > 0]] = 1.0
    x[:, t:] = xcov[idx]
    yv = y[idx]
    if np.linalg.matrix_rank(x) < p:
        raise DataValidationError(
            [
                _problem(
                    None,
                    None,
                    ", ".join(covariates),
                    None,
                    "the covariates are constant or collinear with the days; the fixed "
                    "effects cannot be estimated",
                )
            ],
            context="mmrm input",
        )
    order = np.lexsort((visit, codes))
    codes, visit, x, yv = codes[order], visit[order], x[order], yv[order]
    n_sub = int(codes.max()) + 1
    seen = np.zeros((n_sub, t), dtype=bool)
    seen[codes, visit] = True
    y_pad = np.zeros((n_sub, t))
    y_pad[codes, visit] = yv
    x_pad = np.zeros((n_sub, t, p))
    x_pad[codes, visit] = x
    patterns, pattern_of = np.unique(seen, axis=0, return_inverse=True)
    pattern_of = np.asarray(pattern_of, dtype=np.int64).ravel()
    by_pattern = np.argsort(pattern_of, kind="stable")
    pattern_of = pattern_of[by_pattern]
    k = patterns.shape[0]
    data = _Data(
        y=y_pad[by_pattern],
        x=x_pad[by_pattern],
        patterns=patterns,
        pattern=pattern_of,
        starts=np.searchsorted(pattern_of, np.arange(k)).astype(np.int64),
        counts=np.bincount(pattern_of, minlength=k).astype(float),
        n_obs=int(idx.size),
    )
    day_labels: tuple[Any, ...] = tuple(int(d) for d in levels)
    means = x[:, t:].mean(axis=0)
    return data, day_labels, means, idx.size, n_sub


# --------------------------------------------------------------------------- result


def _sym(a: npt.NDArray[Any]) -> FloatArray:
    """The symmetric part of ``a`` (exactly symmetric in floating point)."""
    return np.asarray(0.5 * (a + a.T), dtype=float)


def _frozen(a: Any) -> FloatArray:
    out = np.array(a, dtype=float)
    out.flags.writeable = False
    return out


@dataclass(frozen=True, slots=True, repr=False, eq=False)
class MMRMResult:
    """A fitted MMRM: fixed effects, covariance estimate and LS means.

    Built by :func:`mmrm`; the arrays are read-only and the tables are new
    DataFrames on every access: ``fixed_effects`` (``term, estimate, se, df,
    t, pvalue``), ``covariance_matrix`` and ``correlation_matrix`` (labelled by
    day), ``lsmeans()``, ``contrast(weights)``, ``lsmean_weights()`` and
    ``to_frame()`` (a one-row summary); ``aic``, ``bic``, ``residual_df`` and
    ``n_cov_params`` are derived numbers. ``repr`` prints the fit, the fixed
    effects and the LS means.

    Attributes
    ----------
    covariance : str
        Canonical name of the covariance structure (see ``COVARIANCE_STRUCTURES``).
    df_method : str
        One of ``DF_METHODS``: the default of the tables (each of
        :meth:`lsmeans` and :meth:`contrast` can ask for another).
    confidence_level : float
        Default level of the intervals of :meth:`lsmeans` and :meth:`contrast`.
    days : tuple
        The post-baseline days analysed (the levels of the day factor), sorted.
    terms : tuple of str
        Names of the fixed effects: ``"intercept"``, ``"day[d]"`` for every day
        but the first (treatment coding, first day as reference, as R's
        ``factor(day)``), then the covariates.
    covariates : tuple of str
        Covariate column names.
    covariate_means : ndarray
        Covariate means over the analysed rows (the LS-mean reference values).
    coef, coef_cov : ndarray
        REML/GLS estimates of the fixed effects and their estimated covariance
        ``(X' Sigma^-1 X)^-1``.
    sigma : ndarray
        The estimated ``T x T`` covariance matrix of the responses (days in
        the order of ``days``).
    theta, theta_cov : ndarray
        Unconstrained covariance parameters and their asymptotic covariance,
        the inverse of the observed information (negative Hessian of the REML
        log-likelihood).
    coef_cov_jacobian : ndarray
        ``d coef_cov / d theta_k``, shape ``(len(theta), p, p)``; with
        ``theta_cov`` it gives the Satterthwaite and Kenward-Roger degrees of
        freedom.
    coef_cov_kr, coef_cov_kr_linear : ndarray
        Kenward-Roger adjusted covariance of ``coef`` (R mmrm ``method =
        "Kenward-Roger"``, second derivatives of ``Sigma`` in R mmrm's
        parameterisation) and its linear variant (``"Kenward-Roger-Linear"``,
        SAS ``DDFM=KR(LINEAR)``, no second-derivative term).
    loglik : float
        Maximised REML log-likelihood, with the constant of SAS PROC MIXED and
        R ``nlme`` (see Notes of :func:`mmrm`).
    n_subjects, n_obs : int
        Patients and observations (patient-days) analysed.
    iterations : int
        Optimiser iterations used.
    convergence_criterion : float
        Relative Hessian criterion ``g' H^-1 g / |loglik|`` at the solution.
    """

    covariance: str
    df_method: str
    confidence_level: float
    days: tuple[Any, ...]
    terms: tuple[str, ...]
    covariates: tuple[str, ...]
    covariate_means: FloatArray
    coef: FloatArray
    coef_cov: FloatArray
    sigma: FloatArray
    theta: FloatArray
    theta_cov: FloatArray
    coef_cov_jacobian: FloatArray
    coef_cov_kr: FloatArray
    coef_cov_kr_linear: FloatArray
    loglik: float
    n_subjects: int
    n_obs: int
    iterations: int
    convergence_criterion: float

    # ----------------------------------------------------------------- derived numbers
    @property
    def n_cov_params(self) -> int:
        """Number of covariance parameters."""
        return int(self.theta.size)

    @property
    def aic(self) -> float:
        """REML AIC as SAS reports it: ``-2 loglik + 2 * n_cov_params``."""
        return -2.0 * self.loglik + 2.0 * self.n_cov_params

    @property
    def bic(self) -> float:
        """REML BIC as SAS and R mmrm report it: ``-2 loglik + n_cov_params * log(n_subjects)``."""
        return -2.0 * self.loglik + self.n_cov_params * math.log(self.n_subjects)

    @property
    def residual_df(self) -> int:
        """``n_obs - p``, the degrees of freedom of ``df="residual"``."""
        return self.n_obs - self.coef.size

    def _df(self, weights: FloatArray, method: str) -> FloatArray:
        """Degrees of freedom for the rows of ``weights`` (k, p)."""
        if method == "residual":
            return np.full(weights.shape[0], float(self.residual_df))
        if method.startswith("kenward-roger"):
            return _kr_df_rows(weights, self.coef_cov, self.coef_cov_jacobian, self.theta_cov)
        var = np.einsum("kp,pq,kq->k", weights, self.coef_cov, weights)
        grad = np.einsum("kp,jpq,kq->kj", weights, self.coef_cov_jacobian, weights)
        var_var = np.einsum("kj,jl,kl->k", grad, self.theta_cov, grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            df = 2.0 * var**2 / var_var
        return np.where(var_var > 0, df, np.inf)

    def _cov(self, method: str) -> FloatArray:
        if method == "kenward-roger":
            return self.coef_cov_kr
        if method == "kenward-roger-linear":
            return self.coef_cov_kr_linear
        return self.coef_cov

    def _estimate(
        self, weights: FloatArray, confidence_level: float | None, df_method: str | None = None
    ) -> pd.DataFrame:
        level = (
            self.confidence_level
            if confidence_level is None
            else check_confidence_level(confidence_level)
        )
        method = self.df_method if df_method is None else check_choice(
            "df_method", df_method, DF_METHODS
        )
        est = weights @ self.coef
        se = np.sqrt(np.einsum("kp,pq,kq->k", weights, self._cov(method), weights))
        df = self._df(weights, method)
        q = stats.t.ppf(0.5 + level / 2.0, df)
        tval = est / se
        return pd.DataFrame(
            {
                "estimate": est,
                "se": se,
                "df": df,
                "ci_low": est - q * se,
                "ci_high": est + q * se,
                "t": tval,
                "pvalue": 2.0 * stats.t.sf(np.abs(tval), df),
            }
        )

    def _lsmean_weights(self) -> FloatArray:
        t = len(self.days)
        w = np.zeros((t, self.coef.size))
        w[:, 0] = 1.0
        w[np.arange(1, t), np.arange(1, t)] = 1.0
        w[:, t:] = self.covariate_means
        return w

    # ----------------------------------------------------------------- tables
    @property
    def fixed_effects(self) -> pd.DataFrame:
        """Fixed effects: ``term, estimate, se, df, t, pvalue`` (two-sided, H0: 0)."""
        table = self._estimate(np.eye(self.coef.size), None)
        table.insert(0, "term", list(self.terms))
        return table.loc[:, ["term", "estimate", "se", "df", "t", "pvalue"]]

    @property
    def covariance_matrix(self) -> pd.DataFrame:
        """The estimated covariance of the responses, rows and columns labelled by day."""
        return pd.DataFrame(np.array(self.sigma), index=list(self.days), columns=list(self.days))

    @property
    def correlation_matrix(self) -> pd.DataFrame:
        """The estimated correlation of the responses between days."""
        sd = np.sqrt(np.diag(self.sigma))
        corr = self.sigma / np.outer(sd, sd)
        return pd.DataFrame(corr, index=list(self.days), columns=list(self.days))

    def lsmeans(
        self, *, confidence_level: float | None = None, df_method: str | None = None
    ) -> pd.DataFrame:
        """LS means (estimated marginal means) of the response per day.

        The covariates are set to ``covariate_means``, their means over the
        analysed rows, as SAS ``LSMEANS`` and R ``emmeans`` do.

        Parameters
        ----------
        confidence_level : float, optional
            Level of the intervals; the result's ``confidence_level`` by default.
        df_method : str, optional
            One of ``DF_METHODS``; the result's ``df_method`` by default. The
            Kenward-Roger methods also use the adjusted standard errors.

        Returns
        -------
        DataFrame
            One row per day: ``day, estimate, se, df, ci_low, ci_high, pvalue``
            (two-sided t test of a zero mean change).
        """
        table = self._estimate(self._lsmean_weights(), confidence_level, df_method)
        table.insert(0, "day", list(self.days))
        return table.loc[:, ["day", "estimate", "se", "df", "ci_low", "ci_high", "pvalue"]]

    def contrast(
        self,
        weights: Any,
        *,
        confidence_level: float | None = None,
        df_method: str | None = None,
    ) -> pd.DataFrame:
        """Linear combinations ``weights @ coef`` with t tests and intervals.

        Parameters
        ----------
        weights : array_like or dict
            Shape ``(p,)`` or ``(k, p)`` on the fixed effects in the order of
            ``terms``, or a dict mapping term names to weights (one contrast).
        confidence_level : float, optional
            Level of the intervals; the result's ``confidence_level`` by default.
        df_method : str, optional
            One of ``DF_METHODS``; the result's ``df_method`` by default.

        Returns
        -------
        DataFrame
            ``estimate, se, df, ci_low, ci_high, t, pvalue``, one row per contrast.

        Examples
        --------
        The day-8 minus day-1 difference of LS means is the ``day[8]`` effect:
        ``result.contrast({"day[8]": 1.0})``. Differences between LS means can
        be built from :meth:`lsmean_weights`.
        """
        if isinstance(weights, dict):
            unknown = [k for k in weights if k not in self.terms]
            if unknown:
                raise ValueError(
                    f"`weights` names unknown terms {unknown!r}; the terms are {list(self.terms)!r}."
                )
            w = np.array([[float(weights.get(term, 0.0)) for term in self.terms]])
        else:
            w = np.atleast_2d(np.asarray(weights, dtype=float))
        if w.ndim != 2 or w.shape[1] != self.coef.size:
            raise ValueError(
                f"`weights` must have {self.coef.size} columns (one per term); got shape {w.shape}."
            )
        return self._estimate(w, confidence_level, df_method)

    def lsmean_weights(self) -> pd.DataFrame:
        """The rows ``L`` with LS means ``L @ coef``, one per day (columns = terms)."""
        return pd.DataFrame(self._lsmean_weights(), index=list(self.days), columns=list(self.terms))

    def to_frame(self) -> pd.DataFrame:
        """A one-row summary of the fit."""
        return pd.DataFrame(
            {
                "covariance": [self.covariance],
                "df_method": [self.df_method],
                "n_subjects": [self.n_subjects],
                "n_obs": [self.n_obs],
                "n_fixed": [self.coef.size],
                "n_cov_params": [self.n_cov_params],
                "reml_loglik": [self.loglik],
                "aic": [self.aic],
                "iterations": [self.iterations],
            }
        )

    def _header(self) -> str:
        df_name = _DF_NAMES[self.df_method]
        cov = ", ".join(
            f"{c} = {m:.4g}" for c, m in zip(self.covariates, self.covariate_means, strict=True)
        )
        return (
            f"MMRM (REML), {self.covariance} covariance, {df_name} df\n"
            f"{self.n_subjects} patients, {self.n_obs} observations on {len(self.days)} days; "
            f"REML log-likelihood {self.loglik:.4f}\n"
            + (f"LS means at {cov}" if cov else "LS means")
        )

    def __repr__(self) -> str:
        fmt = {"pvalue": "{:.4g}".format}
        fe = self.fixed_effects.to_string(index=False, float_format="{:.4f}".format, formatters=fmt)
        ls = self.lsmeans().to_string(index=False, float_format="{:.4f}".format, formatters=fmt)
        return f"{self._header()}\n\nFixed effects:\n{fe}\n\nLS means:\n{ls}"

    def _repr_html_(self) -> str:
        head = "<br>".join(self._header().splitlines())
        return (
            f"<p>{head}</p><h4>Fixed effects</h4>{self.fixed_effects.to_html(index=False)}"
            f"<h4>LS means</h4>{self.lsmeans().to_html(index=False)}"
        )


# --------------------------------------------------------------------------- entry point


def mmrm(
    changes: pd.DataFrame,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    covariates: Sequence[str] = (),
    covariance: str = "unstructured",
    df: str = "satterthwaite",
    confidence_level: float = 0.95,
) -> MMRMResult:
    """Fit a mixed model for repeated measures (MMRM) by REML.

    The model is ``value ~ factor(day) + covariates`` on the post-baseline
    days with a patient-level covariance matrix of the chosen structure and no
    random effects: SAS ``PROC MIXED`` with ``REPEATED day / SUBJECT=patient
    TYPE=...`` and ``METHOD=REML``, or R ``nlme::gls`` with a ``corStruct``.

    Parameters
    ----------
    changes : DataFrame
        Long table, one row per patient and (integer, non-negative) day, such
        as the output of ``thera_stats.score.change_from_baseline``; it is
        validated by :func:`thera_stats.longtable.check_long_table`. Rows with
        ``day == baseline_day`` are not responses and are skipped (the baseline
        enters as a covariate if you name it); a row with ``day <
        baseline_day`` is an error (most likely a mistyped day). Rows with a
        missing response are missed visits. It is not modified.
    subject, day, value : str
        Column names of the patient identifier, the assessment day and the
        response (all required; there are no default names).
    baseline_day : int
        The baseline day; only later days are responses. Required.
    covariates : sequence of str, default ()
        Numeric columns entering the model linearly, for example the baseline
        value (``"baseline"`` in the output of ``change_from_baseline``);
        none by default.
    covariance : str
        ``"unstructured"`` (SAS ``UN``; ``"un"``), ``"compound-symmetry"``
        (``"cs"``), ``"cs-heterogeneous"`` (``"csh"``: compound-symmetric
        correlation with a variance per day), ``"ar1"``,
        ``"ar1-heterogeneous"`` (``"arh1"``), ``"toeplitz"`` (``"toep"``: a
        correlation per lag) or ``"toeplitz-heterogeneous"`` (``"toeph"``); R
        mmrm's names ``"us"`` and ``"ar1h"`` are accepted too.
    df : {"satterthwaite", "kenward-roger", "kenward-roger-linear", "residual"}
        Default degrees of freedom of the tables (each table method takes
        ``df_method=`` to ask for another): Satterthwaite's approximation per
        estimate (SAS ``DDFM=SATTERTHWAITE``, emmeans ``mode =
        "satterthwaite"``), Kenward-Roger (SAS ``DDFM=KR``, R mmrm ``method =
        "Kenward-Roger"``: adjusted standard errors and KR df) or its linear
        variant (R mmrm ``vcov = "Kenward-Roger-Linear"``, SAS
        ``DDFM=KR(LINEAR)``), or ``n_obs - p`` for every estimate (SAS
        ``DDFM=RESIDUAL``, the df of ``summary(gls)``). SAS's between-within
        method is not supported.
    confidence_level : float
        Default level of the LS-mean and contrast intervals.

    Returns
    -------
    MMRMResult
        Fixed effects, covariance estimate, REML log-likelihood and the
        :meth:`~MMRMResult.lsmeans` table.

    Raises
    ------
    DataValidationError
        Missing columns, non-numeric or infinite values, a missing covariate on
        an analysed row, a missing patient or day, a negative or fractional
        day, a day before the baseline day, duplicate patient-day rows, fewer
        than two post-baseline days or a rank-deficient design; every problem
        is listed with its row, patient and day. Also too few patients for the
        covariance structure (an unstructured ``T x T`` matrix needs ``T + 1``
        patients): the message names the structures that can be estimated.
    ConvergenceError
        The REML maximisation did not reach a proper maximum (non-positive-
        definite Hessian or covariance matrix, or a failed criterion), for
        example a day on which every patient has the same value.
    ValueError
        Unknown ``covariance`` or ``df``, or a bad ``confidence_level``.
    TypeError
        ``changes`` is not a DataFrame, a column name is not a string or
        ``baseline_day`` is not an integer.

    Notes
    -----
    With ``y_i`` the ``m_i`` observed responses of patient ``i``, ``X_i`` their
    design rows and ``Sigma_i`` the matching block of ``Sigma``, ``N = sum
    m_i`` and ``p`` fixed effects, the REML log-likelihood maximised is

    .. math::

        \\ell_R = -\\tfrac12 \\Big[(N - p)\\log 2\\pi + \\sum_i \\log|\\Sigma_i|
        + \\log\\Big|\\sum_i X_i'\\Sigma_i^{-1}X_i\\Big|
        + \\sum_i r_i'\\Sigma_i^{-1} r_i\\Big],\\qquad r_i = y_i - X_i\\hat\\beta,

    with the constant of SAS PROC MIXED ([2]_): ``-2 loglik`` is SAS's ``-2 Res
    Log Likelihood``, and R ``logLik(gls(..., method = "REML"))`` gives the same
    number (no ``log|X'X|/2`` term; checked against nlme 3.1-162 to 1e-10).

    The unstructured ``Sigma`` is parameterised as ``L L'`` with ``L`` lower
    triangular with log-diagonal; the other structures use log variances and a
    logistic (compound symmetry, ``rho > -1/(T-1)``) or tanh (AR(1)) map of the
    correlation. The AR(1) correlation is ``rho^|j-k|`` in the *visit index*
    (rank of the day among the post-baseline days), not in days: the unequal
    spacing of days 1-5, 8, 15, 30 is ignored, as in ``corAR1(form = ~ visit |
    id)`` and SAS ``TYPE=AR(1)``.

    The maximisation is Fisher scoring on the analytic gradient and expected
    information, then Newton-Raphson on the analytic observed information,
    with all patients processed as stacked arrays (Toeplitz fits start twice
    and keep the higher maximum); the fit is accepted
    when the relative Hessian criterion ``g'H^{-1}g / |l_R|`` is below 1e-10 and
    the Hessian and ``Sigma`` are positive definite. The Satterthwaite degrees
    of freedom of an estimate ``c'beta`` are ``2 v^2 / (g' C g)`` with ``v =
    c'(X'Sigma^{-1}X)^{-1}c``, ``g = dv/dtheta`` (exact) and ``C`` the inverse
    observed information of the covariance parameters ([3]_). Kenward-Roger
    ([4]_) adjusts ``(X'Sigma^{-1}X)^{-1}`` for the uncertainty of the
    covariance parameters (second derivatives of ``Sigma`` in R mmrm's
    parameterisation; the linear variant drops them) and, for one contrast
    row, has the Satterthwaite df, as in R mmrm.

    References
    ----------
    .. [1] Mallinckrodt CH, Lane PW, Schnell D, Peng Y, Mancuso JP (2008).
       Recommendations for the primary analysis of continuous endpoints in
       longitudinal clinical trials. Drug Inf J 42:303-319.
       :doi:`10.1177/009286150804200402`
    .. [2] SAS Institute. SAS/STAT User's Guide: The MIXED Procedure.
    .. [3] Satterthwaite FE (1946). An approximate distribution of estimates of
       variance components. Biometrics Bulletin 2:110-114. :doi:`10.2307/3002019`
    .. [4] Kenward MG, Roger JH (1997). Small sample inference for fixed effects
       from restricted maximum likelihood. Biometrics 53:983-997.
       :doi:`10.2307/2533558`

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from thera_stats.mmrm import mmrm
    >>> rng = np.random.default_rng(7)
    >>> days = [1, 2, 3, 4, 5, 8, 15, 30]
    >>> base = rng.normal(65, 10, 17)
    >>> rows = [(f"P{i:02d}", d, base[i], -3 * k - 0.3 * (base[i] - 65) + rng.normal(0, 6))
    ...         for i in range(17) for k, d in enumerate(days)]
    >>> changes = pd.DataFrame(rows, columns=["patient_id", "day", "baseline", "change"])
    >>> fit = mmrm(changes, subject="patient_id", day="day", value="change", baseline_day=0,
    ...            covariates=["baseline"])  # unstructured covariance, Satterthwaite df
    >>> fit.lsmeans().loc[:, ["day", "estimate", "se", "df"]].round(2)
       day  estimate    se     df
    0    1      0.33  1.10  15.98
    1    2     -2.95  1.75  15.90
    2    3     -8.00  1.41  15.97
    3    4     -9.10  1.20  15.84
    4    5    -13.49  1.13  15.82
    5    8    -15.23  1.33  15.93
    6   15    -16.44  1.51  15.81
    7   30    -23.28  0.98  15.97
    >>> round(fit.loglik, 3)
    -391.343
    """
    structure = COVARIANCE_STRUCTURES[check_choice("covariance", covariance, COVARIANCE_STRUCTURES)]
    df_method = check_choice("df", df, DF_METHODS)
    level = check_confidence_level(confidence_level)
    covs, base = _check_columns(covariates, subject, day, value, baseline_day)
    data, days, means, _, n_sub = _prepare(
        changes, covariates=covs, subject=subject, day=day, value=value, baseline_day=base
    )
    _check_estimable(structure, data, n_sub, days, subject)
    return _fit(structure, data, days, means, n_sub, covs, day, df_method, level)


def _check_columns(
    covariates: Sequence[str], subject: str, day: str, value: str, baseline_day: Any
) -> tuple[tuple[str, ...], int]:
    if isinstance(covariates, str):
        covariates = (covariates,)
    covs = tuple(covariates)
    for c in covs:
        if not isinstance(c, str):
            raise TypeError(f"`covariates` must be column names; got {c!r}.")
        if c in (subject, day, value):
            raise ValueError(f"covariate {c!r} is also the subject, day or value column.")
    if isinstance(baseline_day, bool | np.bool_) or not isinstance(baseline_day, int | np.integer):
        raise TypeError(f"`baseline_day` ({baseline_day!r}) must be an integer day.")
    return covs, int(baseline_day)


def _estimable_reason(structure: str, data: _Data, n_sub: int) -> str | None:
    """Why ``structure`` cannot be estimated from these data, or None."""
    t = data.t
    q = _n_covariance_parameters(structure, t)
    if structure == "unstructured" and n_sub < t + 1:
        return (
            f"an unstructured covariance on {t} days has {q} parameters and needs at least "
            f"{t + 1} patients (days + 1); the data have {n_sub}"
        )
    if data.n_obs - data.p < q:
        return (
            f"the {structure} covariance on {t} days has {q} parameters, more than the "
            f"{data.n_obs - data.p} residual degrees of freedom ({data.n_obs} observations - "
            f"{data.p} fixed effects)"
        )
    return None


def _check_estimable(
    structure: str, data: _Data, n_sub: int, days: tuple[Any, ...], subject: str
) -> None:
    """Too few patients for the structure: an error that names structures that fit."""
    reason = _estimable_reason(structure, data, n_sub)
    if reason is None:
        return
    simpler = sorted(
        (
            (_n_covariance_parameters(s, data.t), s)
            for s in _CANONICAL
            if s != structure and _estimable_reason(s, data, n_sub) is None
        ),
        reverse=True,
    )
    names = ", ".join(f"{s!r} ({q} parameters)" for q, s in simpler)
    advice = f"; use a structure with fewer parameters: {names}" if simpler else ""
    raise DataValidationError(
        [_problem(None, None, subject, None, f"too few patients for the model: {reason}{advice}")],
        context="mmrm input",
    )


def _fit(
    structure: str,
    data: _Data,
    days: tuple[Any, ...],
    means: FloatArray,
    n_sub: int,
    covs: tuple[str, ...],
    day: str,
    df_method: str,
    level: float,
) -> MMRMResult:
    """REML fit of validated data, with the Satterthwaite and Kenward-Roger ingredients."""
    label = f"MMRM with {structure} covariance"
    obj = _Objective(structure, data)
    opt: _Optimum | None = None
    failure: ConvergenceError | None = None
    for theta0 in _start_thetas(structure, _moment_start(data)):
        try:
            cand = _maximise(obj, theta0, label)
        except ConvergenceError as err:
            failure = err
            continue
        if opt is None or cand.fit.loglik > opt.fit.loglik:
            opt = cand
    if opt is None:
        assert failure is not None
        raise failure
    theta, fit = opt.theta, opt.fit
    sigma = _BUILDERS[structure](theta[None, :], data.t)[0].real
    criterion = _check_convergence(
        label, sigma, opt.info, opt.grad, fit.loglik, opt.iterations, days
    )
    info, b_mats, jac, iterations = opt.info, opt.b_mats, opt.jac, opt.iterations
    a_inv = fit.a_inv
    theta_cov = _sym(np.linalg.inv(info))
    # d A^-1 / d theta_k = A^-1 (sum_i W_i' dSigma_k W_i) A^-1.
    dv = a_inv @ b_mats @ a_inv
    kr, kr_linear = _kenward_roger(structure, sigma, jac, data, fit, theta_cov, b_mats)
    terms = ("intercept", *(f"{day}[{_fmt_day(d)}]" for d in days[1:]), *covs)
    return MMRMResult(
        covariance=structure,
        df_method=df_method,
        confidence_level=level,
        days=days,
        terms=terms,
        covariates=covs,
        covariate_means=_frozen(means),
        coef=_frozen(fit.beta),
        coef_cov=_frozen(a_inv),
        sigma=_frozen(sigma),
        theta=_frozen(theta),
        theta_cov=_frozen(theta_cov),
        coef_cov_jacobian=_frozen(dv),
        coef_cov_kr=_frozen(kr),
        coef_cov_kr_linear=_frozen(kr_linear),
        loglik=float(fit.loglik),
        n_subjects=n_sub,
        n_obs=data.n_obs,
        iterations=iterations,
        convergence_criterion=criterion,
    )


# --------------------------------------------------------------------------- Kenward-Roger


def _kenward_roger(
    structure: str,
    sigma: FloatArray,
    jac: FloatArray,
    data: _Data,
    fit: _Fit,
    theta_cov: FloatArray,
    b_mats: FloatArray,
) -> tuple[FloatArray, FloatArray]:
    """Kenward-Roger adjusted covariance of beta-hat, full and linear.

    ``Phi_A = Phi + 2 Phi [sum_hj W_hj (Q_hj - P_h Phi P_j - R_hj / 4)] Phi``
    with ``P_h = X' dV^-1/dtheta_h X = -B_h``, ``Q_hj = X' dV^-1_h V dV^-1_j X``
    and ``R_hj = X' V^-1 d^2V/dtheta_h dtheta_j V^-1 X`` (Kenward and Roger
    1997). The first two sums do not depend on the parameterisation and are
    computed in ``theta``; ``R`` does, and is computed in R mmrm's.
    """
    q, t, _ = jac.shape
    phi = fit.a_inv
    jflat = jac.reshape(q, t * t)
    # sum_hj W_hj Q_hj = sum_i W_i' Z_k(i) W_i, Z_k = sum_hj W_hj D_h S_k D_j.
    fm = (jflat.T @ theta_cov @ jflat).reshape(t, t, t, t)  # [a, c, d, b]
    z = (fit.s_pattern.reshape(-1, t * t) @ fm.transpose(1, 2, 0, 3).reshape(t * t, t * t))
    z = z.reshape(-1, t, t)
    zw = z[data.pattern] @ fit.w
    p = phi.shape[0]
    q_sum = fit.w.reshape(-1, p).T @ zw.reshape(-1, p)
    wb = np.tensordot(theta_cov, b_mats, axes=1)
    p_sum = np.swapaxes(b_mats @ phi, 0, 1).reshape(p, -1) @ wb.reshape(-1, p)
    inner = q_sum - p_sum
    linear = phi + 2.0 * phi @ inner @ phi
    # R term: sum_hj W_hj d^2 Sigma / dtheta_h dtheta_j in R mmrm's parameterisation.
    build = _mm_build(structure)
    theta_m = _mm_theta(structure, sigma)
    step = 1e-30
    out = build(theta_m[None, :] + 1j * step * np.eye(q), t)
    jac_m = out.imag.reshape(q, t * t) / step
    to_m = np.linalg.lstsq(jflat.T, jac_m.T, rcond=None)[0]  # d theta / d theta_m
    inv_to_m = np.linalg.inv(to_m)
    w_m = _sym(inv_to_m @ theta_cov @ inv_to_m.T)
    vals, vecs = np.linalg.eigh(w_m)
    d2 = np.tensordot(vals, _second_directional(build, theta_m, vecs.T, t), axes=1)
    r_sum = (d2.ravel() @ _w_outer(fit.w).reshape(t * t, -1)).reshape(p, p)
    full = phi + 2.0 * phi @ (inner - 0.25 * r_sum) @ phi
    return _sym(full), _sym(linear)


def _kr_df_rows(
    weights: FloatArray, phi: FloatArray, dphi: FloatArray, w_cov: FloatArray
) -> FloatArray:
    """Kenward-Roger degrees of freedom of each row ``l`` of ``weights`` (one-dimensional tests).

    With ``c = 1`` contrast row, ``M = l l' / (l' Phi l)`` and ``Phi P_h Phi =
    -d Phi / d theta_h``, ``A1 = A2 = t' W t`` for ``t_h = l' Phi P_h Phi l /
    (l' Phi l)``; the rest follows Kenward and Roger (1997) as R mmrm's
    ``h_kr_df``.
    """
    return np.array([_kr_df(row[None, :], phi, dphi, w_cov) for row in weights])


def _kr_df(l_mat: FloatArray, phi: FloatArray, dphi: FloatArray, w_cov: FloatArray) -> float:
    """Kenward-Roger denominator df ``m`` for the test of ``L beta`` (``L``: c x p)."""
    c = l_mat.shape[0]
    m_mat = l_mat.T @ np.linalg.solve(l_mat @ phi @ l_mat.T, l_mat)
    g = np.einsum("pq,hqr->hpr", m_mat, dphi)  # M Phi P_h Phi up to sign (cancels)
    tr = np.einsum("hpp->h", g)
    a1 = float(tr @ w_cov @ tr)
    a2 = float(np.einsum("hj,hpq,jqp->", w_cov, g, g))
    if not a2 > 0:
        return math.inf
    b = (a1 + 6.0 * a2) / (2.0 * c)
    e_star = 1.0 / (1.0 - a2 / c)
    gg = ((c + 1) * a1 - (c + 4) * a2) / ((c + 2) * a2)
    denom = 3 * c + 2 - 2 * gg
    c1, c2, c3 = gg / denom, (c - gg) / denom, (c + 2 - gg) / denom
    v_star = 2.0 / c * (1.0 + c1 * b) / (1.0 - c2 * b) ** 2 / (1.0 - c3 * b)
    rho = v_star / (2.0 * e_star**2)
    return 4.0 + (c + 2) / (c * rho - 1.0)


# --------------------------------------------------------------------------- structure choice


def mmrm_select_covariance(
    changes: pd.DataFrame,
    *,
    subject: str,
    day: str,
    value: str,
    baseline_day: int,
    covariates: Sequence[str] = (),
    candidates: Sequence[str] | None = None,
    criterion: str = "aic",
) -> pd.DataFrame:
    """Fit the MMRM with several covariance structures and rank them by AIC or BIC.

    The data are validated once; every candidate is then fitted by REML as
    :func:`mmrm` does. A structure the data cannot support (too few patients)
    or that does not converge gets a row with ``converged`` false, a ``note``
    and no numbers; it is never ranked.

    Parameters
    ----------
    changes : DataFrame
        Long table as for :func:`mmrm`.
    subject, day, value : str
        Column names of the patient identifier, the day and the response.
    baseline_day : int
        The baseline day; only later days are responses.
    covariates : sequence of str, default ()
        Numeric covariate columns (the same fixed effects for every candidate,
        as REML likelihoods are comparable only then).
    candidates : sequence of str, optional
        Structures to compare (names or aliases of ``COVARIANCE_STRUCTURES``);
        all seven by default.
    criterion : {"aic", "bic"}
        The ranking: REML AIC ``-2 loglik + 2 q`` or BIC ``-2 loglik + q log
        n_subjects`` (SAS and R mmrm), ``q`` covariance parameters.

    Returns
    -------
    DataFrame
        One row per candidate, best first: ``structure, parameters, converged,
        loglik, aic, bic, delta`` (criterion minus the best one's),
        ``selected`` (true on the best row) and ``note``.

    Raises
    ------
    DataValidationError
        The data break a rule of :func:`mmrm` (listed row by row).
    ValueError
        Unknown structure or criterion, or no candidates.

    Notes
    -----
    REML log-likelihoods of models with the same fixed effects can be compared,
    so the criteria rank covariance structures, not mean models. A smaller AIC
    or BIC is better; a difference below about 2 is not a meaningful
    preference.

    Examples
    --------
    >>> import numpy as np, pandas as pd
    >>> from thera_stats.mmrm import mmrm_select_covariance
    >>> rng = np.random.default_rng(1)
    >>> days = [1, 2, 3, 4]
    >>> rows = [(f"P{i}", d, -2.0 * k + e)
    ...         for i in range(30)
    ...         for k, (d, e) in enumerate(zip(days, rng.multivariate_normal(
    ...             [0, 0, 0, 0], 9 * 0.6 ** np.abs(np.subtract.outer(range(4), range(4))))))]
    >>> table = mmrm_select_covariance(
    ...     pd.DataFrame(rows, columns=["id", "day", "change"]), subject="id", day="day",
    ...     value="change", baseline_day=0, candidates=["ar1", "cs", "un"])
    >>> list(table.columns)
    ['structure', 'parameters', 'converged', 'loglik', 'aic', 'bic', 'delta', 'selected', 'note']
    >>> table["structure"].iloc[0]
    'ar1'
    """
    crit = check_choice("criterion", criterion, ("aic", "bic"))
    if candidates is None:
        names = _CANONICAL
    else:
        if isinstance(candidates, str):
            candidates = (candidates,)
        names = tuple(
            dict.fromkeys(
                COVARIANCE_STRUCTURES[check_choice("candidates", c, COVARIANCE_STRUCTURES)]
                for c in candidates
            )
        )
        if not names:
            raise ValueError("`candidates` is empty; name at least one covariance structure.")
    covs, base = _check_columns(covariates, subject, day, value, baseline_day)
    data, days, means, _, n_sub = _prepare(
        changes, covariates=covs, subject=subject, day=day, value=value, baseline_day=base
    )
    rows = []
    for structure in names:
        q = _n_covariance_parameters(structure, data.t)
        row: dict[str, Any] = {
            "structure": structure,
            "parameters": q,
            "converged": False,
            "loglik": math.nan,
            "aic": math.nan,
            "bic": math.nan,
            "note": "",
        }
        reason = _estimable_reason(structure, data, n_sub)
        if reason is not None:
            row["note"] = f"not estimable: {reason}"
        else:
            try:
                fit = _fit(structure, data, days, means, n_sub, covs, day, "satterthwaite", 0.95)
            except TheraStatsError as err:
                row["note"] = one_line(err)
            else:
                row.update(converged=True, loglik=fit.loglik, aic=fit.aic, bic=fit.bic)
        rows.append(row)
    table = pd.DataFrame(rows)
    table["delta"] = table[crit] - table[crit].min()
    table = table.sort_values(crit, kind="stable", na_position="last").reset_index(drop=True)
    table["selected"] = False
    if table["converged"].any():
        table.loc[0, "selected"] = True
    columns = ["structure", "parameters", "converged", "loglik", "aic", "bic", "delta"]
    return table.loc[:, [*columns, "selected", "note"]]
