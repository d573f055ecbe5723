"""Argument checks shared by the computational modules.

Each check raises ``ValueError`` (or ``TypeError``) whose message quotes the
offending value, in the style of scipy.stats.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np
import numpy.typing as npt

ALTERNATIVES = ("two-sided", "greater", "less")


def check_choice(name: str, value: Any, allowed: Iterable[str]) -> str:
    """Return ``value`` if it is one of ``allowed``, else raise naming the list."""
    allowed = tuple(allowed)
    if not isinstance(value, str) or value not in allowed:
        raise ValueError(f"`{name}` ({value!r}) must be one of {', '.join(map(repr, allowed))}.")
    return value


def check_alternative(value: Any) -> str:
    return check_choice("alternative", value, ALTERNATIVES)


def check_open_unit(name: str, value: Any) -> float:
    """A scalar strictly between 0 and 1 (a probability such as p0 or a level)."""
    try:
        v = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` ({value!r}) must be a number strictly between 0 and 1.") from None
    if not (0.0 < v < 1.0):
        raise ValueError(f"`{name}` ({value!r}) must be strictly between 0 and 1.")
    return v


def check_confidence_level(value: Any) -> float:
    return check_open_unit("confidence_level", value)


def check_closed_unit_array(name: str, value: Any) -> npt.NDArray[np.float64]:
    """An array of probabilities in [0, 1] (true response rates, say)."""
    try:
        arr = np.asarray(value, dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` ({value!r}) must be a number or an array of numbers.") from None
    bad = ~((arr >= 0.0) & (arr <= 1.0))
    if np.any(bad):
        raise ValueError(f"`{name}` must lie in [0, 1]; got {arr[bad].ravel()[0].item()!r}.")
    return arr


def check_integer_array(name: str, value: Any, *, minimum: int = 0) -> npt.NDArray[np.int64]:
    """Whole numbers (as ints or integral floats) no smaller than ``minimum``."""
    arr = np.asarray(value)
    if arr.dtype == bool or not (
        np.issubdtype(arr.dtype, np.integer) or np.issubdtype(arr.dtype, np.floating)
    ):
        raise TypeError(f"`{name}` ({value!r}) must be an integer or an array of integers.")
    if np.issubdtype(arr.dtype, np.floating):
        finite = np.isfinite(arr)
        if not np.all(finite) or np.any(arr != np.round(arr)):
            bad = arr[~finite | (arr != np.round(np.where(finite, arr, 0)))].ravel()[0]
            raise ValueError(f"`{name}` must be whole numbers; got {bad.item()!r}.")
    # Beyond int64 the conversion would wrap around to a wrong (negative) count.
    if np.issubdtype(arr.dtype, np.floating) and np.any(np.abs(arr) >= 2.0**62):
        big = arr[np.abs(arr) >= 2.0**62].ravel()[0].item()
        raise ValueError(f"`{name}` ({big!r}) is too large; counts must be below 2**62.")
    out = arr.astype(np.int64)
    if np.any(out < minimum):
        low = out[out < minimum].ravel()[0].item()
        raise ValueError(f"`{name}` must be >= {minimum}; got {low!r}.")
    return out


def check_counts(x: Any, n: Any) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.int64]]:
    """Successes ``x`` and trials ``n``: integers with 0 <= x <= n and n >= 1, broadcast."""
    xa = check_integer_array("x", x, minimum=0)
    na = check_integer_array("n", n, minimum=1)
    try:
        xb, nb = np.broadcast_arrays(xa, na)
    except ValueError:
        raise ValueError(f"`x` (shape {xa.shape}) and `n` (shape {na.shape}) do not broadcast.") from None
    if np.any(xb > nb):
        i = np.flatnonzero((xb > nb).ravel())[0]
        raise ValueError(
            f"`x` ({xb.ravel()[i].item()!r}) must not exceed `n` ({nb.ravel()[i].item()!r})."
        )
    return xb, nb
