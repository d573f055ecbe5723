"""Mixed model for repeated measures (MMRM) fitted by restricted maximum likelihood.

The model is the one of a SAS ``PROC MIXED`` analysis with a ``REPEATED``
statement and no random effects, or of R ``nlme::gls``::

    change_ij = mu + day_j + covariates_i' gamma + e_ij,    e_i ~ N(0, Sigma_i)

for patient ``i`` at post-baseline day ``j``; ``Sigma_i`` is the block of a
``T x T`` covariance matrix ``Sigma`` for the days on which patient ``i`` was
seen, so a patient with missing visits contributes the visits observed (a
likelihood analysis valid when data are missing at random). ``Sigma`` is
unstructured, compound symmetric or first-order autoregressive, with common or
day-specific variances. The parameters are estimated by maximising the REML
log-likelihood; LS means and their degrees of freedom follow SAS and emmeans.
The methods page ``docs/methods/mmrm.md`` gives the formulas.
"""

from __future__ import annotations

import math
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import pandas as pd
from scipy import linalg, optimize, stats

from thera_stats._checks import check_choice, check_confidence_level
from thera_stats.errors import ConvergenceError, DataValidationError, problem
from thera_stats.longtable import check_long_table

__all__ = ["COVARIANCE_STRUCTURES", "DF_METHODS", "MMRMResult", "mmrm"]

FloatArray = npt.NDArray[np.float64]
IntArray = npt.NDArray[np.int64]

#: Accepted ``covariance`` names, each mapped to its canonical name. The short
#: names are SAS's ``TYPE=`` values (UN, CS, CSH, AR(1), ARH(1)).
COVARIANCE_STRUCTURES: dict[str, str] = {
    "unstructured": "unstructured",
    "un": "unstructured",
    "compound-symmetry": "compound-symmetry",
    "cs": "compound-symmetry",
    "cs-heterogeneous": "cs-heterogeneous",
    "csh": "cs-heterogeneous",
    "ar1": "ar1",
    "ar1-heterogeneous": "ar1-heterogeneous",
    "arh1": "ar1-heterogeneous",
}

#: Supported ``df`` methods for t statistics and intervals.
DF_METHODS = ("satterthwaite", "residual")

_TABLE = "changes"
_LOG_2PI = math.log(2.0 * math.pi)
# Convergence: relative Hessian criterion g' H^-1 g / |loglik| (SAS uses 1e-8).
_REL_HESSIAN_TOL = 1e-10
_MAX_CONDITION = 1e12


# --------------------------------------------------------------------------- covariance
# Each structure maps unconstrained parameters theta, shape (batch, q), to a
# stack of covariance matrices (batch, T, T). The maps accept complex input so
# that d Sigma / d theta comes exactly from complex steps, all in one batch.


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


def _homogeneous(corr: Callable[[Any, int], Any]) -> Callable[[Any, int], Any]:
    def build(theta: Any, t: int) -> Any:
        return np.exp(theta[:, 0])[:, None, None] * corr(theta[:, 1], t)

    return build


def _heterogeneous(corr: Callable[[Any, int], Any]) -> Callable[[Any, int], Any]:
    def build(theta: Any, t: int) -> Any:
        sd = np.exp(theta[:, :t])
        return sd[:, :, None] * corr(theta[:, t], t) * sd[:, None, :]

    return build


_BUILDERS: dict[str, Callable[[Any, int], Any]] = {
    "unstructured": _unstructured,
    "compound-symmetry": _homogeneous(_cs_corr),
    "cs-heterogeneous": _heterogeneous(_cs_corr),
    "ar1": _homogeneous(_ar1_corr),
    "ar1-heterogeneous": _heterogeneous(_ar1_corr),
}


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
    if structure in ("compound-symmetry", "cs-heterogeneous"):
        lower = -1.0 / (t - 1)
        rho = float(np.clip(off.mean(), lower + 0.05 * (1 - lower), 0.95))
        frac = (rho - lower) / (1.0 - lower)
        z = math.log(frac / (1.0 - frac))
    else:
        lag1 = np.diag(corr, 1)
        z = math.atanh(float(np.clip(lag1.mean(), -0.9, 0.9)))
    if structure in ("compound-symmetry", "ar1"):
        return np.array([math.log(float(np.mean(np.diag(s)))), z])
    return np.append(np.log(sd), z)


def _sigma_and_jacobian(structure: str, theta: FloatArray, t: int) -> tuple[FloatArray, FloatArray]:
    """Sigma(theta) and the exact derivatives d Sigma / d theta_k (complex step)."""
    build = _BUILDERS[structure]
    step = 1e-30
    batch = np.vstack([theta, theta + 1j * step * np.eye(theta.size)])
    out = build(batch, t)
    sigma = np.ascontiguousarray(out[0].real, dtype=float)
    jac = np.ascontiguousarray(out[1:].imag / step, dtype=float)
    return sigma, jac


# --------------------------------------------------------------------------- likelihood


@dataclass(frozen=True, slots=True)
class _Group:
    """Patients seen on the same set of visits: responses (n, m), design (n, m, p)."""

    visits: IntArray
    y: FloatArray
    x: FloatArray


@dataclass(frozen=True, slots=True)
class _Fit:
    loglik: float
    beta: FloatArray
    a_matrix: FloatArray  # X' Sigma^-1 X, the inverse of Var(beta-hat)
    grad_sigma: FloatArray  # d loglik / d Sigma (symmetric T x T), or empty
    weighted_x: tuple[FloatArray, ...]  # Sigma_i^-1 X_i per group


class _SingularError(Exception):
    pass


def _reml(sigma: FloatArray, groups: Sequence[_Group], n_obs: int, *, gradient: bool) -> _Fit:
    """REML log-likelihood at ``sigma`` (SAS convention) and its gradient in Sigma."""
    p = groups[0].x.shape[2]
    t = sigma.shape[0]
    a_mat = np.zeros((p, p))
    b_vec = np.zeros(p)
    log_det = 0.0
    cache: list[tuple[FloatArray, FloatArray]] = []
    for g in groups:
        block = sigma[np.ix_(g.visits, g.visits)]
        try:
            chol = linalg.cholesky(block, lower=True, check_finite=False)
        except linalg.LinAlgError:
            raise _SingularError from None
        m = g.visits.size
        inv = linalg.cho_solve((chol, True), np.eye(m), check_finite=False)
        log_det += g.y.shape[0] * 2.0 * float(np.sum(np.log(np.diag(chol))))
        w = np.matmul(inv, g.x)  # (n, m, p)
        wf = w.reshape(-1, p)
        a_mat += g.x.reshape(-1, p).T @ wf
        b_vec += wf.T @ g.y.ravel()
        cache.append((inv, w))
    try:
        chol_a = linalg.cholesky(a_mat, lower=True, check_finite=False)
    except linalg.LinAlgError:
        raise _SingularError from None
    beta = linalg.cho_solve((chol_a, True), b_vec, check_finite=False)
    log_det_a = 2.0 * float(np.sum(np.log(np.diag(chol_a))))
    quad = 0.0
    grad = np.zeros((t, t)) if gradient else np.zeros((0, 0))
    a_inv = linalg.cho_solve((chol_a, True), np.eye(p), check_finite=False) if gradient else None
    for g, (inv, w) in zip(groups, cache, strict=True):
        resid = g.y - g.x @ beta
        u = resid @ inv
        quad += float(np.sum(u * resid))
        if a_inv is not None:
            wa = w @ a_inv
            lever = np.tensordot(wa, w, axes=([0, 2], [0, 2]))
            piece = g.y.shape[0] * inv - u.T @ u - lever
            grad[np.ix_(g.visits, g.visits)] -= 0.5 * piece
    loglik = -0.5 * ((n_obs - p) * _LOG_2PI + log_det + log_det_a + quad)
    return _Fit(loglik, beta, a_mat, grad, tuple(w for _, w in cache))


class _Objective:
    """Negative REML log-likelihood in theta, with its gradient, for scipy."""

    def __init__(self, structure: str, groups: Sequence[_Group], n_obs: int, t: int) -> None:
        self.structure = structure
        self.groups = groups
        self.n_obs = n_obs
        self.t = t

    def value_and_grad(self, theta: FloatArray) -> tuple[float, FloatArray]:
        # Far out in theta, exp() may overflow; the point is then rejected as non-finite.
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            sigma, jac = _sigma_and_jacobian(self.structure, theta, self.t)
            if not (np.all(np.isfinite(sigma)) and np.all(np.isfinite(jac))):
                return math.inf, np.zeros_like(theta)
            try:
                fit = _reml(sigma, self.groups, self.n_obs, gradient=True)
            except _SingularError:
                return math.inf, np.zeros_like(theta)
            grad = np.einsum("ab,kab->k", fit.grad_sigma, jac)
        if not (math.isfinite(fit.loglik) and np.all(np.isfinite(grad))):
            return math.inf, np.zeros_like(theta)
        return -fit.loglik, -grad

    def hessian(self, theta: FloatArray, *, central: bool = True) -> FloatArray:
        """Hessian of the negative log-likelihood by differences of the analytic gradient.

        Central differences (error ~1e-10 relative) unless ``central`` is false:
        forward differences, half the cost, good enough for a preconditioner.
        """
        q = theta.size
        out = np.empty((q, q))
        g0 = None if central else self.value_and_grad(theta)[1]
        for k in range(q):
            h = (1e-5 if central else 1e-6) * max(1.0, abs(float(theta[k])))
            up = theta.copy()
            up[k] += h
            if g0 is None:
                down = theta.copy()
                down[k] -= h
                out[k] = (self.value_and_grad(up)[1] - self.value_and_grad(down)[1]) / (2.0 * h)
            else:
                out[k] = (self.value_and_grad(up)[1] - g0) / h
        return 0.5 * (out + out.T)


def _moment_start(groups: Sequence[_Group], t: int) -> FloatArray:
    """Pairwise moment estimate of Sigma from OLS residuals, made positive definite."""
    p = groups[0].x.shape[2]
    xs = np.concatenate([g.x.reshape(-1, p) for g in groups])
    ys = np.concatenate([g.y.ravel() for g in groups])
    beta = np.linalg.lstsq(xs, ys, rcond=None)[0]
    sums = np.zeros((t, t))
    counts = np.zeros((t, t))
    for g in groups:
        r = g.y - g.x @ beta
        ix = np.ix_(g.visits, g.visits)
        sums[ix] += r.T @ r
        counts[ix] += r.shape[0]
    pooled = float(np.sum(np.diag(sums)) / max(np.sum(np.diag(counts)), 1.0))
    pooled = pooled if pooled > 0 else 1.0
    s = np.where(counts > 1, sums / np.maximum(counts, 1.0), 0.0)
    diag = np.diag(s).copy()
    diag[~(diag > 0)] = pooled
    s[np.diag_indices(t)] = diag
    vals, vecs = np.linalg.eigh(0.5 * (s + s.T))
    vals = np.maximum(vals, 0.05 * float(np.mean(diag)))
    out: FloatArray = (vecs * vals) @ vecs.T
    return 0.5 * (out + out.T)


def _maximise(
    obj: _Objective, theta0: FloatArray, label: str
) -> tuple[FloatArray, FloatArray, int]:
    """Quasi-Newton ascent then Newton polishing; returns theta, -Hessian, iterations."""
    scale = float(obj.n_obs)

    def scaled(theta: FloatArray) -> tuple[float, FloatArray]:
        f, g = obj.value_and_grad(theta)
        return f / scale, g / scale

    # The numerical Hessian at the start, when positive definite, seeds BFGS's
    # inverse-Hessian approximation: far fewer iterations for the unstructured model.
    options: dict[str, Any] = {"gtol": 1e-7, "maxiter": 5000}
    start_info = obj.hessian(theta0, central=False) / scale
    if np.all(np.isfinite(start_info)):
        vals, vecs = np.linalg.eigh(start_info)
        if vals.min() > 1e-10 * vals.max():
            options["hess_inv0"] = _sym((vecs / vals) @ vecs.T)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        res = optimize.minimize(scaled, theta0, jac=True, method="BFGS", options=options)
    theta = np.asarray(res.x, dtype=float)
    iterations = int(res.nit)
    f, g = obj.value_and_grad(theta)
    if not math.isfinite(f):
        raise ConvergenceError(
            f"{label}: the optimiser left the region of positive-definite covariance matrices."
        )
    info = obj.hessian(theta)
    # Newton steps make the optimum precise (the BFGS stop leaves ~1e-7 in the
    # gradient); they stop once the Newton decrement is at rounding level or
    # no step along the Newton direction lowers the objective. The Hessian is
    # recomputed only after a step that was not already tiny.
    for _ in range(20):
        try:
            step = linalg.solve(info, g, assume_a="pos")
        except (linalg.LinAlgError, ValueError):
            break
        decrement = float(g @ step)
        if not decrement > 1e-20 * max(1.0, abs(f)):
            break
        length = 1.0
        while length > 1e-6:
            cand = theta - length * step
            f_new, g_new = obj.value_and_grad(cand)
            if f_new <= f:
                break
            length *= 0.5
        else:
            break
        theta, f, g = cand, f_new, g_new
        iterations += 1
        if decrement > 1e-8 * max(1.0, abs(f)):
            info = obj.hessian(theta)
    return theta, info, iterations


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
) -> tuple[list[_Group], tuple[Any, ...], FloatArray, int, int]:
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
    starts = np.searchsorted(codes, np.arange(n_sub))
    sizes = np.diff(np.append(starts, codes.size))
    seen = np.zeros((n_sub, t), dtype=bool)
    seen[codes, visit] = True
    patterns, pattern_of = np.unique(seen, axis=0, return_inverse=True)
    groups: list[_Group] = []
    for k in range(patterns.shape[0]):
        members = np.flatnonzero(pattern_of.ravel() == k)
        m = int(sizes[members[0]])
        rows = starts[members][:, None] + np.arange(m)[None, :]
        groups.append(_Group(visit[rows[0]].astype(np.int64), yv[rows], x[rows]))
    day_labels: tuple[Any, ...] = tuple(int(d) for d in levels)
    means = x[:, t:].mean(axis=0)
    return groups, day_labels, means, idx.size, n_sub


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
    ``to_frame()`` (a one-row summary); ``aic``, ``residual_df`` and
    ``n_cov_params`` are derived numbers. ``repr`` prints the fit, the fixed
    effects and the LS means.

    Attributes
    ----------
    covariance : str
        Canonical name of the covariance structure (see ``COVARIANCE_STRUCTURES``).
    df_method : str
        ``"satterthwaite"`` or ``"residual"``.
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
        ``theta_cov`` it gives the Satterthwaite degrees of freedom.
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
    def residual_df(self) -> int:
        """``n_obs - p``, the degrees of freedom of ``df="residual"``."""
        return self.n_obs - self.coef.size

    def _df(self, weights: FloatArray) -> FloatArray:
        """Degrees of freedom for the rows of ``weights`` (k, p)."""
        if self.df_method == "residual":
            return np.full(weights.shape[0], float(self.residual_df))
        var = np.einsum("kp,pq,kq->k", weights, self.coef_cov, weights)
        grad = np.einsum("kp,jpq,kq->kj", weights, self.coef_cov_jacobian, weights)
        var_var = np.einsum("kj,jl,kl->k", grad, self.theta_cov, grad)
        with np.errstate(divide="ignore", invalid="ignore"):
            df = 2.0 * var**2 / var_var
        return np.where(var_var > 0, df, np.inf)

    def _estimate(self, weights: FloatArray, confidence_level: float | None) -> pd.DataFrame:
        level = (
            self.confidence_level
            if confidence_level is None
            else check_confidence_level(confidence_level)
        )
        est = weights @ self.coef
        se = np.sqrt(np.einsum("kp,pq,kq->k", weights, self.coef_cov, weights))
        df = self._df(weights)
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

    def lsmeans(self, *, confidence_level: float | None = None) -> pd.DataFrame:
        """LS means (estimated marginal means) of the response per day.

        The covariates are set to ``covariate_means``, their means over the
        analysed rows, as SAS ``LSMEANS`` and R ``emmeans`` do.

        Parameters
        ----------
        confidence_level : float, optional
            Level of the intervals; the result's ``confidence_level`` by default.

        Returns
        -------
        DataFrame
            One row per day: ``day, estimate, se, df, ci_low, ci_high, pvalue``
            (two-sided t test of a zero mean change).
        """
        table = self._estimate(self._lsmean_weights(), confidence_level)
        table.insert(0, "day", list(self.days))
        return table.loc[:, ["day", "estimate", "se", "df", "ci_low", "ci_high", "pvalue"]]

    def contrast(self, weights: Any, *, confidence_level: float | None = None) -> pd.DataFrame:
        """Linear combinations ``weights @ coef`` with t tests and intervals.

        Parameters
        ----------
        weights : array_like or dict
            Shape ``(p,)`` or ``(k, p)`` on the fixed effects in the order of
            ``terms``, or a dict mapping term names to weights (one contrast).
        confidence_level : float, optional
            Level of the intervals; the result's ``confidence_level`` by default.

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
        return self._estimate(w, confidence_level)

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
        df_name = "Satterthwaite" if self.df_method == "satterthwaite" else "residual"
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
        correlation with a variance per day), ``"ar1"`` or
        ``"ar1-heterogeneous"`` (``"arh1"``).
    df : {"satterthwaite", "residual"}
        Denominator degrees of freedom for tests and intervals: Satterthwaite's
        approximation per estimate (SAS ``DDFM=SATTERTHWAITE``, emmeans
        ``mode = "satterthwaite"``) or ``n_obs - p`` for every estimate (SAS
        ``DDFM=RESIDUAL``, the df of ``summary(gls)``). SAS's between-within
        and Kenward-Roger methods are not supported.
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
        is listed with its row, patient and day.
    ConvergenceError
        The REML maximisation did not reach a proper maximum (non-positive-
        definite Hessian or covariance matrix, or a failed criterion), for
        example an unstructured covariance with too few patients.
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

    The maximisation is BFGS on the analytic gradient followed by Newton steps
    on the Hessian (central differences of the gradient); the fit is accepted
    when the relative Hessian criterion ``g'H^{-1}g / |l_R|`` is below 1e-10 and
    the Hessian and ``Sigma`` are positive definite. The Satterthwaite degrees
    of freedom of an estimate ``c'beta`` are ``2 v^2 / (g' C g)`` with ``v =
    c'(X'Sigma^{-1}X)^{-1}c``, ``g = dv/dtheta`` (exact) and ``C`` the inverse
    observed information of the covariance parameters ([3]_, [4]_).

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
    base = int(baseline_day)

    groups, days, means, n_obs, n_sub = _prepare(
        changes, covariates=covs, subject=subject, day=day, value=value, baseline_day=base
    )
    t = len(days)
    label = f"MMRM with {structure} covariance"
    obj = _Objective(structure, groups, n_obs, t)
    theta0 = _start_theta(structure, _moment_start(groups, t))
    theta, info, iterations = _maximise(obj, theta0, label)

    sigma, jac = _sigma_and_jacobian(structure, theta, t)
    try:
        fit = _reml(sigma, groups, n_obs, gradient=True)
    except _SingularError:
        raise ConvergenceError(
            f"{label} did not converge: the estimated covariance matrix is singular."
        ) from None
    grad = -np.einsum("ab,kab->k", fit.grad_sigma, jac)
    criterion = _check_convergence(label, sigma, info, grad, fit.loglik, iterations, days)

    a_inv = _sym(np.linalg.inv(fit.a_matrix))
    # d A / d theta_k = -sum_i W_i' dSigma_i W_i, so d A^-1 / d theta_k = A^-1 (sum W' dS W) A^-1.
    da = np.zeros((theta.size, a_inv.shape[0], a_inv.shape[0]))
    for g, w in zip(groups, fit.weighted_x, strict=True):
        dsub = jac[:, g.visits[:, None], g.visits[None, :]]
        da += np.einsum("nap,kab,nbq->kpq", w, dsub, w, optimize=True)
    dv = np.einsum("pr,krs,sq->kpq", a_inv, da, a_inv, optimize=True)
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
        theta_cov=_frozen(_sym(np.linalg.inv(info))),
        coef_cov_jacobian=_frozen(dv),
        loglik=float(fit.loglik),
        n_subjects=n_sub,
        n_obs=n_obs,
        iterations=iterations,
        convergence_criterion=criterion,
    )
