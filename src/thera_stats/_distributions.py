"""The few ``scipy.stats`` distribution methods the numeric cores use, without importing it.

``scipy.stats`` costs 0.6-0.8 s to import, more than most analyses take. Its binomial,
beta, beta-binomial, normal and Student t methods are thin wrappers around kernels of
:mod:`scipy.special` (the Boost binomial ufuncs, ``betainc``, ``ndtr``, ``stdtr``, ...).
This module calls the same kernels with the same support and argument handling as the
``scipy.stats`` public methods (``rv_discrete.cdf``, ``.sf``, ``.pmf``, ``.isf`` and
``rv_continuous.cdf``, ``.sf``, ``.ppf``, ``.isf``), so every number is the one
``scipy.stats`` gives; ``tests/test_distributions.py`` checks that on grids that include
the edges of the support.

Use it as ``from thera_stats import _distributions as stats`` and call
``stats.binom.cdf(k, n, p)`` as with scipy.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
from scipy import special

try:  # the Boost kernels scipy.stats.binom calls (private names; scipy >= 1.13)
    from scipy.special._ufuncs import _binom_cdf, _binom_isf, _binom_pmf, _binom_sf
except ImportError:  # pragma: no cover - a scipy without them: scipy.stats itself (slower start)
    def _binom_cdf(k: Any, n: Any, p: Any) -> Any:
        from scipy import stats

        return stats.binom.cdf(k, n, p)

    def _binom_sf(k: Any, n: Any, p: Any) -> Any:
        from scipy import stats

        return stats.binom.sf(k, n, p)

    def _binom_pmf(k: Any, n: Any, p: Any) -> Any:
        from scipy import stats

        return stats.binom.pmf(k, n, p)

    def _binom_isf(q: Any, n: Any, p: Any) -> Any:
        from scipy import stats

        return stats.binom.isf(q, n, p)

__all__ = ["beta", "betabinom", "binom", "norm", "t"]


def _out(values: np.ndarray) -> Any:
    return values[()] if values.ndim == 0 else values


def _apply(kernel: Callable[..., Any], cond: np.ndarray, args: tuple[np.ndarray, ...],
           output: np.ndarray) -> None:
    """``output[cond] = kernel(*args[cond])``: the kernel sees only the arguments it is for."""
    if np.any(cond):
        picked = [np.broadcast_to(a, cond.shape)[cond] for a in args]
        output[cond] = kernel(*picked)


def _isintegral(x: np.ndarray) -> np.ndarray:
    return np.asarray(x == np.round(x))


def _pmf_kernel(k: np.ndarray, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """Boost's binomial pmf; where it overflows (p near the smallest normal double, where
    scipy.stats raises OverflowError), the pmf in log space instead: it is then 0 or 1 to
    double precision, and ``exp(log C(n, k) + k log p + (n - k) log(1 - p))`` gets it."""
    try:
        return np.clip(_binom_pmf(k, n, p), 0, 1)
    except OverflowError:
        with np.errstate(divide="ignore", invalid="ignore", under="ignore"):
            log_pmf = (special.gammaln(n + 1) - special.gammaln(k + 1) - special.gammaln(n - k + 1)
                       + special.xlogy(k, p) + special.xlog1py(n - k, -p))
        return np.clip(np.exp(log_pmf), 0, 1)


class _Binom:
    """``scipy.stats.binom``: ``cdf``, ``sf``, ``pmf``, ``isf`` (support 0..n)."""

    @staticmethod
    def _args(k: Any, n: Any, p: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        k, n, p = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (k, n, p)))
        ok = (n >= 0) & _isintegral(n) & (p >= 0) & (p <= 1)
        return k, n, p, ok

    def cdf(self, k: Any, n: Any, p: Any) -> Any:
        k, n, p, ok = self._args(k, n, p)
        out = np.zeros(k.shape)
        out[(k >= n) & ok] = 1.0
        out[~ok | np.isnan(k)] = np.nan
        cond = ok & (k >= 0) & (k < n) & np.isfinite(k)
        _apply(lambda kk, nn, pp: np.clip(_binom_cdf(np.floor(kk), nn, pp), 0, 1),
               cond, (k, n, p), out)
        return _out(out)

    def sf(self, k: Any, n: Any, p: Any) -> Any:
        k, n, p, ok = self._args(k, n, p)
        out = np.zeros(k.shape)
        out[(k < 0) & ok] = 1.0
        out[~ok | np.isnan(k)] = np.nan
        cond = ok & (k >= 0) & (k < n) & np.isfinite(k)
        _apply(lambda kk, nn, pp: np.clip(_binom_sf(np.floor(kk), nn, pp), 0, 1),
               cond, (k, n, p), out)
        return _out(out)

    def pmf(self, k: Any, n: Any, p: Any) -> Any:
        k, n, p, ok = self._args(k, n, p)
        out = np.zeros(k.shape)
        out[~ok | np.isnan(k)] = np.nan
        cond = ok & (k >= 0) & (k <= n) & (np.floor(k) == k)
        _apply(_pmf_kernel, cond, (k, n, p), out)
        return _out(out)

    def isf(self, q: Any, n: Any, p: Any) -> Any:
        q, n, p, ok = self._args(q, n, p)
        out = np.full(q.shape, np.nan)
        out[(q == 1) & ok] = -1.0
        out[(q == 0) & ok] = n[(q == 0) & ok]
        _apply(_binom_isf, ok & (q > 0) & (q < 1), (q, n, p), out)
        return _out(out)


class _Beta:
    """``scipy.stats.beta``: ``cdf`` and ``sf`` (support [0, 1])."""

    @staticmethod
    def _args(x: Any, a: Any, b: Any) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        x, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (x, a, b)))
        return x, a, b, (a > 0) & (b > 0)

    def cdf(self, x: Any, a: Any, b: Any) -> Any:
        x, a, b, ok = self._args(x, a, b)
        out = np.zeros(x.shape)
        out[(x >= 1) & ok] = 1.0
        out[~ok | np.isnan(x)] = np.nan
        _apply(lambda xx, aa, bb: special.betainc(aa, bb, xx), ok & (x > 0) & (x < 1),
               (x, a, b), out)
        return _out(out)

    def sf(self, x: Any, a: Any, b: Any) -> Any:
        x, a, b, ok = self._args(x, a, b)
        out = np.zeros(x.shape)
        out[(x <= 0) & ok] = 1.0
        out[~ok | np.isnan(x)] = np.nan
        _apply(lambda xx, aa, bb: special.betaincc(aa, bb, xx), ok & (x > 0) & (x < 1),
               (x, a, b), out)
        return _out(out)


class _BetaBinom:
    """``scipy.stats.betabinom``: ``pmf`` (support 0..n)."""

    def pmf(self, k: Any, n: Any, a: Any, b: Any) -> Any:
        k, n, a, b = np.broadcast_arrays(*(np.asarray(v, dtype=float) for v in (k, n, a, b)))
        ok = (n >= 0) & _isintegral(n) & (a > 0) & (b > 0)
        out = np.zeros(k.shape)
        out[~ok | np.isnan(k)] = np.nan

        def kernel(kk: np.ndarray, nn: np.ndarray, aa: np.ndarray, bb: np.ndarray) -> Any:
            kk = np.floor(kk)
            combiln = -np.log(nn + 1) - special.betaln(nn - kk + 1, kk + 1)
            return np.clip(np.exp(combiln + special.betaln(kk + aa, nn - kk + bb)
                                  - special.betaln(aa, bb)), 0, 1)

        _apply(kernel, ok & (k >= 0) & (k <= n) & (np.floor(k) == k), (k, n, a, b), out)
        return _out(out)


class _Norm:
    """``scipy.stats.norm`` (standard): ``cdf``, ``sf``, ``ppf``, ``isf``."""

    def cdf(self, x: Any) -> Any:
        return _out(np.asarray(special.ndtr(np.asarray(x, dtype=float))))

    def sf(self, x: Any) -> Any:
        return _out(np.asarray(special.ndtr(-np.asarray(x, dtype=float))))

    def ppf(self, q: Any) -> Any:
        q = np.asarray(q, dtype=float)
        out = np.full(q.shape, np.nan)
        out[q == 0] = -np.inf
        out[q == 1] = np.inf
        _apply(special.ndtri, (q > 0) & (q < 1), (q,), out)
        return _out(out)

    def isf(self, q: Any) -> Any:
        q = np.asarray(q, dtype=float)
        out = np.full(q.shape, np.nan)
        out[q == 0] = np.inf
        out[q == 1] = -np.inf
        _apply(lambda qq: -special.ndtri(qq), (q > 0) & (q < 1), (q,), out)
        return _out(out)


class _T:
    """``scipy.stats.t``: ``cdf``, ``sf``, ``ppf`` (df > 0)."""

    def cdf(self, x: Any, df: Any) -> Any:
        x, df = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=float))
        out = np.full(x.shape, np.nan)
        _apply(lambda xx, dd: special.stdtr(dd, xx), (df > 0) & ~np.isnan(x), (x, df), out)
        return _out(out)

    def sf(self, x: Any, df: Any) -> Any:
        x, df = np.broadcast_arrays(np.asarray(x, dtype=float), np.asarray(df, dtype=float))
        out = np.full(x.shape, np.nan)
        _apply(lambda xx, dd: special.stdtr(dd, -xx), (df > 0) & ~np.isnan(x), (x, df), out)
        return _out(out)

    def ppf(self, q: Any, df: Any) -> Any:
        q, df = np.broadcast_arrays(np.asarray(q, dtype=float), np.asarray(df, dtype=float))
        ok = df > 0
        out = np.full(q.shape, np.nan)
        out[(q == 0) & ok] = -np.inf
        out[(q == 1) & ok] = np.inf
        _apply(lambda qq, dd: special.stdtrit(dd, qq), ok & (q > 0) & (q < 1), (q, df), out)
        return _out(out)


binom = _Binom()
beta = _Beta()
betabinom = _BetaBinom()
norm = _Norm()
t = _T()
