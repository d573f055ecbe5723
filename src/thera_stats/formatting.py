r"""Numbers as text: the one style of the memo, the tables and the report.

Every number a reader sees passes through this module, in two steps:

1. **Format**: a ``format_*`` function turns a number into *canonical text*,
   plain ASCII with a hyphen-minus for negative numbers (``"-22.8"``,
   ``"<0.001"``, ``"0.388 (0.214 to 0.637)"``). Canonical text is what table
   cells hold, so it can be read back by a program.
2. **Typeset**: :func:`typeset` turns canonical text into the text of one
   output target: ``"text"`` and ``"html"`` get the true minus sign U+2212 and
   ``≥``, ``≤``, ``≠``, ``±`` for ``>=``, ``<=``, ``!=``, ``+/-`` (HTML also
   escaped), ``"latex"`` gets every LaTeX special character escaped so that plain
   pdflatex prints it (:func:`latex_escape`), ``"ascii"`` turns the symbols back.

The style (the house rules, one for each kind of number):

=======================  ===================================================
number                   rule
=======================  ===================================================
p-value                  3 decimals; ``<0.001`` below 0.001; ``>0.999`` above
                         0.999 (a printed ``0.000`` or ``1.000`` would be
                         wrong); exactly 1 prints ``1.000``
proportion (rate)        3 decimals (``unit="proportion"``): response rates,
                         their interval limits, posterior and conditional
                         probabilities
design error rate        4 decimals (``unit="error rate"``): exact type I
                         error and power of a design, read against alpha and
                         the target power
score and other units    1 decimal (``unit="mm"``, ``"years"``, ``""`` for
                         a unitless score such as the NRS, or ``None``)
degrees of freedom       whole df as an integer (``15``); a fractional
                         (Satterthwaite, Kenward-Roger) df with 1 decimal
n (%)                    ``13 (76.5 %)``: percentage of ``n`` with 1 decimal
                         (``<0.1`` and ``>99.9`` instead of a wrong 0.0 or
                         100.0)
interval                 ``est (lo to hi)``: "to" rather than a comma or a
                         dash, which read badly next to negative numbers
mean (SD)                ``64.1 (11.0)``
median (IQR)             ``64.0 (55.0, 72.0)``: median (first quartile, third
                         quartile), quartiles as R's default ``quantile``
                         (type 7, linear interpolation)
min, max                 ``46.0, 86.0``, a row of its own (never in brackets
                         after the median, where it reads as an IQR)
=======================  ===================================================

Percentages are written with a space before the sign (``50 %``), as
everywhere else in the package. A missing value (NaN) formats as ``"NA"``
unless the caller gives another ``missing`` text; impossible values
(a p-value above 1, an interval whose lower limit exceeds its upper, a count
above its total) raise ``ValueError`` naming the value and the rule.

Examples
--------
>>> from thera_stats.formatting import format_interval, format_pvalue, typeset
>>> format_pvalue(0.0362), format_pvalue(0.00002), format_pvalue(0.9999)
('0.036', '<0.001', '>0.999')
>>> cell = format_interval(-22.8125, -34.31, -11.31, unit="mm")
>>> cell
'-22.8 (-34.3 to -11.3)'
>>> typeset(cell)
'−22.8 (−34.3 to −11.3)'
>>> print(typeset("p <0.001, change >= 20 mm", "latex"))
p \textless{}0.001, change $\geq$ 20 mm
"""

from __future__ import annotations

import html
import math
import re
from collections.abc import Iterable
from typing import Any

import numpy as np

__all__ = [
    "LATEX_SPECIAL",
    "MINUS",
    "TARGETS",
    "decimals_for",
    "format_count",
    "format_df",
    "format_estimate",
    "format_interval",
    "format_mean_sd",
    "format_median_iqr",
    "format_min_max",
    "format_n_pct",
    "format_pvalue",
    "latex_escape",
    "typeset",
]

#: The true minus sign (U+2212), for readers.
MINUS = "\u2212"

#: Output targets of :func:`typeset`.
TARGETS = ("text", "html", "latex", "ascii")

#: Decimals by unit; any other unit (a score's, ``"years"``, ``None``) gets
#: :data:`_MEASURE_DECIMALS`.
_UNIT_DECIMALS = {"proportion": 3, "error rate": 4}
_MEASURE_DECIMALS = 1

#: What :func:`latex_escape` writes for each character plain pdflatex would
#: misprint or choke on (OT1 fonts, no extra package).
LATEX_SPECIAL = {
    "\\": r"\textbackslash{}", "&": r"\&", "%": r"\%", "$": r"\$", "#": r"\#", "_": r"\_",
    "{": r"\{", "}": r"\}", "~": r"\textasciitilde{}", "^": r"\textasciicircum{}",
    "<": r"\textless{}", ">": r"\textgreater{}", "|": r"\textbar{}",
    MINUS: "$-$", "≥": r"$\geq$", "≤": r"$\leq$", "≠": r"$\neq$", "±": r"$\pm$",
    "×": r"$\times$", "∞": r"$\infty$", "≈": r"$\approx$", "µ": r"$\mu$", "μ": r"$\mu$",
    "°": r"$^{\circ}$", "·": r"$\cdot$", "–": r"\textendash{}", "—": r"\textemdash{}",
    "…": r"\dots{}", "‘": "`", "’": "'", "“": "``", "”": "''", "\n": " ", "\t": " ",
    "\u00a0": "~",
}

# A hyphen-minus is a minus sign when a number follows it and no letter, digit
# or closing bracket precedes it: "-22.8", "(-34.3", "to -11.3", "[-1, 2]", but
# not "SHA-256", "COVID-19", "2024-01-05" or "10-12".
_MINUS_RE = re.compile(r"(?<![\w.)\]}])-(?=\.?\d)")
_ASCII_SYMBOLS = {">=": "≥", "<=": "≤", "!=": "≠", "+/-": "±"}
_SYMBOL_RE = re.compile("|".join(re.escape(k) for k in _ASCII_SYMBOLS))
_TO_ASCII = {MINUS: "-", **{v: k for k, v in _ASCII_SYMBOLS.items()}}


# ------------------------------------------------------------------ checks
def _real(name: str, value: Any) -> float:
    """``value`` as a float (NaN allowed), or a TypeError naming it."""
    if isinstance(value, bool | np.bool_ | str | bytes):
        raise TypeError(f"`{name}` ({value!r}) must be a number.")
    try:
        return float(value)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` ({value!r}) must be a number.") from None


def _decimals(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or not (
            0 <= int(value) <= 15):
        raise ValueError(f"`decimals` ({value!r}) must be a whole number from 0 to 15.")
    return int(value)


def _count(name: str, value: Any) -> int:
    v = _real(name, value)
    if not math.isfinite(v) or v != math.floor(v) or v < 0:
        raise ValueError(f"`{name}` ({value!r}) must be a whole number >= 0.")
    return int(v)


def _values(name: str, values: Any) -> np.ndarray[Any, np.dtype[np.float64]]:
    """A 1-d float array of the non-missing values (NaN and None dropped)."""
    try:
        arr = np.asarray(
            [np.nan if v is None else v for v in np.asarray(values, dtype=object).ravel()],
            dtype=float)
    except (TypeError, ValueError):
        raise TypeError(f"`{name}` must be numbers; got {values!r}.") from None
    if np.isinf(arr).any():
        raise ValueError(f"`{name}` must be finite; got {arr[np.isinf(arr)][0]!r}.")
    return arr[~np.isnan(arr)]


# ------------------------------------------------------------------ numbers
def decimals_for(unit: str | None) -> int:
    """The number of decimals of a value in ``unit`` (the house rule).

    ``"proportion"``: 3; ``"error rate"``: 4; any other unit (a score's unit
    such as ``"mm"``, ``""`` for a unitless score, ``"years"``) or ``None``: 1.

    Examples
    --------
    >>> decimals_for("proportion"), decimals_for("error rate"), decimals_for("mm")
    (3, 4, 1)
    """
    if unit is not None and not isinstance(unit, str):
        raise TypeError(f"`unit` ({unit!r}) must be a string or None.")
    return _UNIT_DECIMALS.get(unit or "", _MEASURE_DECIMALS)


def _number(v: float, decimals: int) -> str:
    """Fixed decimals, ASCII minus, no negative zero; infinity as ``inf``."""
    if math.isinf(v):
        return "inf" if v > 0 else "-inf"
    text = f"{v:.{decimals}f}"
    if text.startswith("-") and not text.strip("-0."):
        text = text[1:]  # -0.0 and -0.04 rounded are zero: no sign
    return text


def format_estimate(value: Any, unit: str | None = None, decimals: int | None = None, *,
                    with_unit: bool = False, missing: str = "NA") -> str:
    """A point estimate with the decimals its unit calls for.

    Parameters
    ----------
    value : float
        The number; NaN gives ``missing``.
    unit : str, optional
        Decides the decimals (see :func:`decimals_for`): ``"proportion"`` 3,
        ``"error rate"`` 4, a score's unit (``"mm"``), ``""`` or ``None`` 1.
    decimals : int, optional
        Overrides the unit's decimals.
    with_unit : bool
        Append the unit (``"-22.8 mm"``); ``"proportion"``, ``"error rate"``
        and empty units are not appended.
    missing : str
        Text for a missing value.

    Returns
    -------
    str
        Canonical text (ASCII minus; see :func:`typeset`).

    Examples
    --------
    >>> format_estimate(0.41176, "proportion"), format_estimate(-22.8125, "mm", with_unit=True)
    ('0.412', '-22.8 mm')
    >>> format_estimate(0.036218, "error rate"), format_estimate(-0.04, "mm")
    ('0.0362', '0.0')
    """
    v = _real("value", value)
    if math.isnan(v):
        return missing
    d = decimals_for(unit) if decimals is None else _decimals(decimals)
    text = _number(v, d)
    if with_unit and unit and unit not in _UNIT_DECIMALS:
        text += f" {unit}"
    return text


def format_pvalue(p: Any, *, digits: int = 3, relation: bool = False,
                  missing: str = "NA") -> str:
    """A p-value in the one style of the package.

    ``digits`` decimals (3); below ``10**-digits`` it prints ``<0.001``, and a
    p-value below 1 that would round to ``1.000`` prints ``>0.999``: no p-value
    prints as a wrong 0 or 1.

    Parameters
    ----------
    p : float
        A probability in [0, 1] (a rounding error of at most 1e-9 beyond 1 is
        taken as 1); NaN gives ``missing``.
    digits : int
        Decimals, 1 to 10. Every output of the package uses the default 3.
    relation : bool
        Prefix the relation for running text: ``"= 0.036"``, ``"< 0.001"``,
        ``"> 0.999"`` (written after "p").
    missing : str
        Text for a missing p-value.

    Returns
    -------
    str

    Raises
    ------
    ValueError
        ``p`` outside [0, 1].

    Notes
    -----
    Rounding is monotone, so the printed values never contradict the order of
    the p-values: if :math:`p_1 \\le p_2` the first never prints larger.
    ``<0.001`` is the threshold most journals ask for (the AMA and ICMJE
    style: exact p-values to 3 decimals, "<0.001" below).

    Examples
    --------
    >>> format_pvalue(0.03618), format_pvalue(0.0004), format_pvalue(1.0)
    ('0.036', '<0.001', '1.000')
    >>> "p " + format_pvalue(0.0004, relation=True)
    'p < 0.001'
    """
    v = _real("p", p)
    if math.isnan(v):
        return missing
    if isinstance(digits, bool) or not isinstance(digits, int | np.integer) or not (
            1 <= int(digits) <= 10):
        raise ValueError(f"`digits` ({digits!r}) must be a whole number from 1 to 10.")
    digits = int(digits)
    if not -1e-12 <= v <= 1 + 1e-9:
        raise ValueError(f"`p` ({p!r}) must be a probability in [0, 1].")
    v = min(max(v, 0.0), 1.0)
    floor = 10.0 ** -digits
    if v < floor:
        op, text = "<", f"{floor:.{digits}f}"
    else:
        op, text = "=", f"{v:.{digits}f}"
        if v < 1.0 and float(text) >= 1.0:
            op, text = ">", f"{1 - floor:.{digits}f}"
    if relation:
        return f"{op} {text}"
    return text if op == "=" else op + text


def format_df(df: Any) -> str:
    """Degrees of freedom: a whole df as an integer, a fractional df with one decimal.

    Examples
    --------
    >>> format_df(15.0), format_df(15.7703), format_df(16)
    ('15', '15.8', '16')

    A df within 1e-6 of a whole number is taken as whole.
    """
    v = _real("df", df)
    if math.isnan(v):
        return "NA"
    if not math.isfinite(v) or v <= 0:
        raise ValueError(f"`df` ({df!r}) must be a finite number > 0.")
    if abs(v - round(v)) < 1e-6:
        return str(round(v))
    return f"{v:.1f}"


def format_interval(est: Any, lo: Any, hi: Any, *, unit: str | None = None,
                    decimals: int | None = None, label: str | None = None,
                    missing: str = "NA") -> str:
    """An estimate and its interval as ``est (lo to hi)``.

    Parameters
    ----------
    est : float or None
        The point estimate; ``None`` gives the interval alone, ``lo to hi``.
    lo, hi : float
        The limits, ``lo <= hi``; both NaN gives the estimate alone (a method
        without an interval). Infinite limits (one-sided intervals) print
        ``-inf`` and ``inf``.
    unit, decimals : optional
        As :func:`format_estimate`; the limits get the estimate's decimals.
    label : str, optional
        Put in the parentheses before the limits: ``"90 % CI"`` gives
        ``0.412 (90 % CI 0.212 to 0.636)``.
    missing : str
        Text for a missing estimate.

    Raises
    ------
    ValueError
        ``lo > hi``, or one limit missing and not the other.

    Examples
    --------
    >>> format_interval(0.3882, 0.2137, 0.6373, unit="proportion")
    '0.388 (0.214 to 0.637)'
    >>> format_interval(-24.02, -35.39, -12.66, unit="mm", label="95 % CI")
    '-24.0 (95 % CI -35.4 to -12.7)'
    >>> format_interval(None, 0.2119, 0.6360, unit="proportion")
    '0.212 to 0.636'
    """
    low, high = _real("lo", lo), _real("hi", hi)
    if math.isnan(low) != math.isnan(high):
        raise ValueError(f"interval limits ({lo!r}, {hi!r}): one is missing and not the other.")
    if low > high:
        raise ValueError(f"interval limits ({lo!r}, {hi!r}): the lower limit must not exceed "
                         "the upper.")
    d = decimals_for(unit) if decimals is None else _decimals(decimals)
    limits = None if math.isnan(low) else f"{_number(low, d)} to {_number(high, d)}"
    if label and limits is not None:
        limits = f"{label} {limits}"
    if est is None:
        return missing if limits is None else limits
    point = format_estimate(est, unit, d, missing=missing)
    return point if limits is None else f"{point} ({limits})"


def format_count(k: Any, noun: str, plural: str | None = None) -> str:
    """A count with its noun, singular for exactly 1: ``1 patient``, ``0 patients``.

    ``plural`` defaults to the noun with an ``s``.

    Examples
    --------
    >>> format_count(1, "patient"), format_count(17, "patient"), format_count(0, "response")
    ('1 patient', '17 patients', '0 responses')
    >>> format_count(2, "stage-1 patient"), format_count(3, "analysis", "analyses")
    ('2 stage-1 patients', '3 analyses')
    """
    kk = _count("k", k)
    return f"{kk} {noun if kk == 1 else (plural or noun + 's')}"


def format_n_pct(k: Any, n: Any, *, decimals: int = 1) -> str:
    """A count and its percentage of ``n``: ``13 (76.5 %)``.

    ``n = 0`` prints the count alone. A percentage that would round to 0.0
    (``k > 0``) or 100.0 (``k < n``) prints ``<0.1`` or ``>99.9``.

    Examples
    --------
    >>> format_n_pct(13, 17), format_n_pct(17, 17), format_n_pct(1, 3000)
    ('13 (76.5 %)', '17 (100.0 %)', '1 (<0.1 %)')
    """
    kk, nn = _count("k", k), _count("n", n)
    if kk > nn:
        raise ValueError(f"`k` ({k!r}) must not exceed `n` ({n!r}).")
    d = _decimals(decimals)
    if nn == 0:
        return f"{kk}"
    text = f"{100 * kk / nn:.{d}f}"
    step = 10.0 ** -d
    if kk > 0 and float(text) == 0:
        text = f"<{step:.{d}f}"
    elif kk < nn and float(text) >= 100:
        text = f">{100 - step:.{d}f}"
    return f"{kk} ({text} %)"


def format_mean_sd(values: Iterable[Any], *, unit: str | None = None,
                   decimals: int | None = None, missing: str = "NA") -> str:
    """``mean (SD)`` of the non-missing values (SD with n - 1; ``NA`` for one value).

    Examples
    --------
    >>> format_mean_sd([46, 64, 72, 86], unit="mm")
    '67.0 (16.7)'
    """
    x = _values("values", values)
    if len(x) == 0:
        return missing
    d = decimals_for(unit) if decimals is None else _decimals(decimals)
    sd = _number(float(np.std(x, ddof=1)), d) if len(x) > 1 else "NA"
    return f"{_number(float(np.mean(x)), d)} ({sd})"


def format_median_iqr(values: Iterable[Any], *, unit: str | None = None,
                      decimals: int | None = None, missing: str = "NA") -> str:
    """``median (Q1, Q3)``: the median and the interquartile range's ends.

    Quartiles by linear interpolation between order statistics (R's default
    ``quantile(x, type = 7)``); missing values are dropped. Label the row
    "median (IQR)".

    Examples
    --------
    >>> format_median_iqr([1, 2, 3, 4, 10])
    '3.0 (2.0, 4.0)'
    """
    x = _values("values", values)
    if len(x) == 0:
        return missing
    d = decimals_for(unit) if decimals is None else _decimals(decimals)
    q1, med, q3 = np.quantile(x, [0.25, 0.5, 0.75])
    return f"{_number(float(med), d)} ({_number(float(q1), d)}, {_number(float(q3), d)})"


def format_min_max(values: Iterable[Any], *, unit: str | None = None,
                   decimals: int | None = None, missing: str = "NA") -> str:
    """``min, max`` of the non-missing values (a row of its own; label it "min, max").

    Examples
    --------
    >>> format_min_max([46, 64, 86], unit="mm")
    '46.0, 86.0'
    """
    x = _values("values", values)
    if len(x) == 0:
        return missing
    d = decimals_for(unit) if decimals is None else _decimals(decimals)
    return f"{_number(float(x.min()), d)}, {_number(float(x.max()), d)}"


# ------------------------------------------------------------------ targets
def latex_escape(text: str) -> str:
    r"""Text that plain pdflatex prints as written (no package needed).

    Escapes ``& % $ # _ { } ~ ^ \`` and ``< > |`` (which the default OT1 fonts
    print as ``¡ ¿ —``), writes the true minus U+2212, ``≥ ≤ ≠ ± × ∞ ≈ µ °
    ·`` in math mode, the dashes and quotes as LaTeX spells them, and breaks
    ``--`` so that it is not set as a dash.

    Examples
    --------
    >>> print(latex_escape("<0.001 & 50 % of C282Y_C282Y"))
    \textless{}0.001 \& 50 \% of C282Y\_C282Y
    >>> print(latex_escape("−22.8 ≥ 20"))
    $-$22.8 $\geq$ 20
    """
    if not isinstance(text, str):
        raise TypeError(f"`text` ({text!r}) must be a string.")
    out = []
    for i, ch in enumerate(text):
        if ch == "-" and text[i + 1: i + 2] == "-":
            out.append("-{}")  # "--" would be set as an en dash
        else:
            out.append(LATEX_SPECIAL.get(ch, ch))
    return "".join(out)


def typeset(text: str, target: str = "text") -> str:
    """Canonical text as a reader of ``target`` should see it.

    Parameters
    ----------
    text : str
        Canonical text (from the ``format_*`` functions, or any prose).
    target : {"text", "html", "latex", "ascii"}
        ``"text"``: a hyphen-minus before a number becomes the true minus
        U+2212 and ``>=``, ``<=``, ``!=``, ``+/-`` become ``≥ ≤ ≠ ±``.
        ``"html"``: the same, then HTML-escaped. ``"latex"``: the same, then
        :func:`latex_escape`. ``"ascii"``: the reverse of ``"text"``.

    Examples
    --------
    >>> typeset("mean change -22.8 mm, at least 50 % and >= 20 mm; SHA-256")
    'mean change −22.8 mm, at least 50 % and ≥ 20 mm; SHA-256'
    >>> typeset("p <0.001", "html")
    'p &lt;0.001'
    >>> typeset("−1.5 ≤ x", "ascii")
    '-1.5 <= x'
    """
    if not isinstance(text, str):
        raise TypeError(f"`text` ({text!r}) must be a string.")
    if target not in TARGETS:
        raise ValueError(f"`target` ({target!r}) must be one of {', '.join(map(repr, TARGETS))}.")
    if target == "ascii":
        return "".join(_TO_ASCII.get(ch, ch) for ch in text)
    out = _SYMBOL_RE.sub(lambda m: _ASCII_SYMBOLS[m.group(0)], _MINUS_RE.sub(MINUS, text))
    if target == "html":
        return html.escape(out, quote=False)
    if target == "latex":
        return latex_escape(out)
    return out
