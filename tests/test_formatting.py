"""The one number style (thera_stats.formatting) and its use in the memo and the tables.

Expected strings are closed forms: the rounding of a number whose decimal
expansion is written next to it, R's default quantile (type 7) worked by hand,
and the LaTeX spelling of each special character. The LaTeX tables of both
bundled trials are compiled with pdflatex (skipped without it, failed in CI).
"""

from __future__ import annotations

import math
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import thera_stats as ts
from thera_stats.formatting import (
    LATEX_SPECIAL,
    MINUS,
    decimals_for,
    format_df,
    format_estimate,
    format_interval,
    format_mean_sd,
    format_median_iqr,
    format_min_max,
    format_n_pct,
    format_pvalue,
    latex_escape,
    typeset,
)
from thera_stats.tables import LATEX_PACKAGES, Table, latex_document


@pytest.fixture(scope="module")
def thera() -> ts.GoNoGoAnalysis:
    return ts.analyze(ts.load_trial(ts.synthetic_data_path()))


@pytest.fixture(scope="module")
def nrs() -> ts.GoNoGoAnalysis:
    return ts.analyze(ts.load_trial(ts.synthetic_data_path("nrs")))


# ------------------------------------------------------------------ p-values
@pytest.mark.parametrize(("p", "text"), [
    (0.03618, "0.036"),     # 0.03618 -> 0.036
    (0.0377, "0.038"),
    (0.001, "0.001"),       # the threshold itself is printed
    (0.00099999, "<0.001"),
    (0.0004, "<0.001"),
    (0.0, "<0.001"),        # never a printed 0.000
    (0.9994, "0.999"),
    (0.9996, ">0.999"),     # would round to 1.000, but p < 1
    (1.0, "1.000"),         # exactly 1 (a one-sided test at x = 0)
    (1.0 + 1e-12, "1.000"),  # rounding error of a sum of probabilities
    (float("nan"), "NA"),
])
def test_pvalue(p: float, text: str) -> None:
    assert format_pvalue(p) == text


def test_pvalue_options() -> None:
    assert format_pvalue(0.03618, relation=True) == "= 0.036"
    assert format_pvalue(0.0004, relation=True) == "< 0.001"
    assert format_pvalue(0.99991, relation=True) == "> 0.999"
    assert format_pvalue(0.03618, digits=4) == "0.0362"
    assert format_pvalue(0.00005, digits=4) == "<0.0001"
    assert format_pvalue(float("nan"), missing="-") == "-"


@pytest.mark.parametrize(("p", "match"), [
    (1.5, r"`p` \(1.5\) must be a probability in \[0, 1\]"),
    (-0.01, r"`p` \(-0.01\) must be a probability"),
    (1.001, "must be a probability"),
])
def test_pvalue_out_of_range_is_an_error(p: float, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        format_pvalue(p)


def test_pvalue_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"`p` \('0.03'\) must be a number"):
        format_pvalue("0.03")
    with pytest.raises(TypeError, match="must be a number"):
        format_pvalue(True)
    with pytest.raises(ValueError, match=r"`digits` \(0\) must be a whole number from 1 to 10"):
        format_pvalue(0.5, digits=0)


def _pvalue_key(text: str) -> tuple[float, int]:
    """Order of printed p-values: '<0.001' < '0.001' < ... < '>0.999' < '1.000'."""
    if text.startswith("<"):
        return float(text[1:]), -1
    if text.startswith(">"):
        return float(text[1:]), 1
    return float(text), 0


@given(st.floats(0, 1), st.floats(0, 1), st.integers(2, 5))
def test_printed_pvalues_never_contradict_their_order(p1: float, p2: float,
                                                      digits: int) -> None:
    lo, hi = sorted((p1, p2))
    assert _pvalue_key(format_pvalue(lo, digits=digits)) <= _pvalue_key(
        format_pvalue(hi, digits=digits))


@given(st.floats(0, 1), st.integers(2, 5))
def test_printed_pvalue_is_the_rounded_value_and_never_a_wrong_0_or_1(p: float,
                                                                     digits: int) -> None:
    text = format_pvalue(p, digits=digits)
    floor = 10.0 ** -digits
    if p < floor:
        assert text == "<" + f"{floor:.{digits}f}"
    elif text.startswith(">"):
        assert 1 - floor / 2 <= p < 1
    else:
        assert abs(float(text) - p) <= floor / 2 + 1e-15
        assert float(text) > 0
        assert float(text) < 1 or p == 1


# ------------------------------------------------------------------ estimates and df
def test_decimals_by_unit() -> None:
    assert decimals_for("proportion") == 3
    assert decimals_for("error rate") == 4
    assert decimals_for("mm") == decimals_for("") == decimals_for(None) == 1
    assert decimals_for("years") == 1
    with pytest.raises(TypeError, match="`unit` "):
        decimals_for(3)  # type: ignore[arg-type]


@pytest.mark.parametrize(("args", "kwargs", "text"), [
    ((0.41176,), {"unit": "proportion"}, "0.412"),         # 7/17 = 0.41176...
    ((-22.8125,), {"unit": "mm"}, "-22.8"),                # -365/16
    ((-22.8125,), {"unit": "mm", "with_unit": True}, "-22.8 mm"),
    ((-1.8378,), {"unit": ""}, "-1.8"),                    # a unitless NRS
    ((0.036218,), {"unit": "error rate"}, "0.0362"),
    ((0.036218,), {"unit": "error rate", "with_unit": True}, "0.0362"),
    ((-0.04,), {"unit": "mm"}, "0.0"),                     # no negative zero
    ((-0.0,), {"decimals": 2}, "0.00"),
    ((57.4118,), {}, "57.4"),
    ((2.5,), {"decimals": 0}, "2"),                        # round half to even
    ((float("nan"),), {"unit": "mm"}, "NA"),
    ((float("inf"),), {}, "inf"),
])
def test_estimate(args: tuple[float], kwargs: dict[str, object], text: str) -> None:
    assert format_estimate(*args, **kwargs) == text  # type: ignore[arg-type]


def test_estimate_bad_arguments() -> None:
    with pytest.raises(TypeError, match=r"`value` \('x'\) must be a number"):
        format_estimate("x")
    with pytest.raises(ValueError, match=r"`decimals` \(-1\) must be a whole number"):
        format_estimate(1.0, decimals=-1)


@pytest.mark.parametrize(("df", "text"), [
    (15.0, "15"), (16, "16"), (np.float64(15.0), "15"), (15.7703, "15.8"),
    (14.8441, "14.8"), (15.9999999, "16"), (2.25, "2.2"), (float("nan"), "NA"),
])
def test_df(df: float, text: str) -> None:
    assert format_df(df) == text


@pytest.mark.parametrize("df", [0, -3.0, math.inf])
def test_df_must_be_positive_and_finite(df: float) -> None:
    with pytest.raises(ValueError, match=r"`df` \(.*\) must be a finite number > 0"):
        format_df(df)


# ------------------------------------------------------------------ intervals
def test_interval() -> None:
    assert format_interval(0.3882, 0.2137, 0.6373, unit="proportion") == "0.388 (0.214 to 0.637)"
    assert format_interval(-24.021, -35.387, -12.656, unit="mm") == "-24.0 (-35.4 to -12.7)"
    assert (format_interval(0.41176, 0.2119, 0.6360, unit="proportion", label="90 % CI")
            == "0.412 (90 % CI 0.212 to 0.636)")
    assert format_interval(None, 0.2119, 0.6360, unit="proportion") == "0.212 to 0.636"
    nan = float("nan")
    assert format_interval(0.4238, nan, nan, unit="proportion") == "0.424"  # no interval
    assert format_interval(None, nan, nan) == "NA"
    assert format_interval(0.2, 0.1, math.inf, unit="proportion") == "0.200 (0.100 to inf)"
    assert format_interval(0.5, 0.5, 0.5, decimals=2) == "0.50 (0.50 to 0.50)"


def test_interval_errors_name_the_limits() -> None:
    with pytest.raises(ValueError, match=r"\(0.6, 0.2\): the lower limit must not exceed"):
        format_interval(0.4, 0.6, 0.2)
    with pytest.raises(ValueError, match="one is missing and not the other"):
        format_interval(0.4, 0.2, float("nan"))


_INTERVAL = re.compile(r"^(-?\d+\.\d+) \((-?\d+\.\d+) to (-?\d+\.\d+)\)$")


@given(st.lists(st.floats(-1e4, 1e4), min_size=3, max_size=3), st.integers(1, 4))
def test_interval_text_parses_back(values: list[float], decimals: int) -> None:
    lo, est, hi = sorted(values)
    text = format_interval(est, lo, hi, decimals=decimals)
    m = _INTERVAL.match(text)
    assert m is not None, text
    half = 0.5 * 10.0 ** -decimals + 1e-9
    for got, want in zip(map(float, m.groups()), (est, lo, hi), strict=True):
        assert abs(got - want) <= half
    assert float(m.group(2)) <= float(m.group(1)) <= float(m.group(3))
    # typeset for readers and back: the same text
    shown = typeset(text)
    assert "-" not in shown
    assert typeset(shown, "ascii") == text


# ------------------------------------------------------------------ counts and summaries
@pytest.mark.parametrize(("k", "n", "text"), [
    (13, 17, "13 (76.5 %)"),     # 1300/17 = 76.47...
    (17, 17, "17 (100.0 %)"),
    (0, 17, "0 (0.0 %)"),
    (1, 17, "1 (5.9 %)"),        # 100/17 = 5.88...
    (1, 3000, "1 (<0.1 %)"),     # 0.033 %: not a printed 0.0
    (2999, 3000, "2999 (>99.9 %)"),  # 99.967 %: not a printed 100.0
    (0, 0, "0"),
    (np.int64(4), 17.0, "4 (23.5 %)"),
])
def test_n_pct(k: int, n: int, text: str) -> None:
    assert format_n_pct(k, n) == text


@pytest.mark.parametrize(("k", "n", "match"), [
    (18, 17, r"`k` \(18\) must not exceed `n` \(17\)"),
    (-1, 17, r"`k` \(-1\) must be a whole number >= 0"),
    (1.5, 17, r"`k` \(1.5\) must be a whole number"),
])
def test_n_pct_errors(k: float, n: int, match: str) -> None:
    with pytest.raises(ValueError, match=match):
        format_n_pct(k, n)


@given(st.integers(0, 5000), st.integers(1, 5000))
def test_n_pct_parses_back(k: int, n: int) -> None:
    assume(k <= n)
    m = re.fullmatch(r"(\d+) \(([<>]?)(\d+\.\d) %\)", format_n_pct(k, n))
    assert m is not None
    assert int(m.group(1)) == k
    pct, op = float(m.group(3)), m.group(2)
    exact = 100 * k / n
    if op == "<":
        assert 0 < exact < 0.1
    elif op == ">":
        assert 99.9 < exact < 100
    else:
        assert abs(pct - exact) <= 0.05 + 1e-9


def test_mean_sd() -> None:
    # mean 67; SD = sqrt((21^2 + 3^2 + 5^2 + 19^2) / 3) = sqrt(836 / 3) = 16.693
    assert format_mean_sd([46, 64, 72, 86], unit="mm") == "67.0 (16.7)"
    assert format_mean_sd([46, 64, np.nan, 72, None, 86]) == "67.0 (16.7)"  # missing dropped
    assert format_mean_sd([5]) == "5.0 (NA)"
    assert format_mean_sd([], missing="-") == "-"
    assert format_mean_sd([0.5, 0.25], unit="proportion") == "0.375 (0.177)"
    with pytest.raises(TypeError, match="`values` must be numbers"):
        format_mean_sd(["a", "b"])
    with pytest.raises(ValueError, match="`values` must be finite"):
        format_mean_sd([1.0, math.inf])


def test_median_iqr_is_r_type_7() -> None:
    # R: quantile(1:10) -> 25 %: 3.25, 50 %: 5.5, 75 %: 7.75 (h = (n - 1) p + 1)
    assert format_median_iqr(range(1, 11), decimals=2) == "5.50 (3.25, 7.75)"
    # R: quantile(c(1, 2, 3, 4, 10)) -> 2, 3, 4
    assert format_median_iqr([10, 1, 3, 2, 4]) == "3.0 (2.0, 4.0)"
    # R: quantile(c(46, 64, 72, 86)) -> 59.5, 68, 75.5
    assert format_median_iqr([46, 64, 72, 86], unit="mm") == "68.0 (59.5, 75.5)"
    assert format_median_iqr([7]) == "7.0 (7.0, 7.0)"
    assert format_median_iqr([np.nan]) == "NA"


def test_min_max() -> None:
    assert format_min_max([64, 46, 86], unit="mm") == "46.0, 86.0"
    assert format_min_max([-3.26, 1.0], decimals=2) == "-3.26, 1.00"
    assert format_min_max([]) == "NA"


# ------------------------------------------------------------------ targets
@pytest.mark.parametrize(("text", "latex"), [
    ("<0.001", r"\textless{}0.001"),
    ("a & b", r"a \& b"),
    ("50 %", r"50 \%"),
    ("$5", r"\$5"),
    ("#3", r"\#3"),
    ("hfe_genotype", r"hfe\_genotype"),
    ("{x}", r"\{x\}"),
    ("~", r"\textasciitilde{}"),
    ("^", r"\textasciicircum{}"),
    ("a\\b", r"a\textbackslash{}b"),
    ("> 6", r"\textgreater{} 6"),
    ("a|b", r"a\textbar{}b"),
    (f"{MINUS}22.8", "$-$22.8"),
    ("≥ 20 ≤ 30 ± 1", r"$\geq$ 20 $\leq$ 30 $\pm$ 1"),
    ("a--b", "a-{}-b"),      # not an en dash
    ("per-protocol", "per-protocol"),
])
def test_latex_escape(text: str, latex: str) -> None:
    assert latex_escape(text) == latex


_DECODE = {v: k for k, v in LATEX_SPECIAL.items() if k not in "\n\t\u00a0‘’“”"}
_DECODE["-{}"] = "-"
_TOKENS = re.compile("|".join(re.escape(t) for t in sorted(_DECODE, key=len, reverse=True))
                     + r"|.", re.DOTALL)
_SPECIAL = set("&%$#_{}~^\\<>|") | {MINUS, "≥", "≤", "±", "≠"}


@given(st.text(alphabet=st.sampled_from(sorted(_SPECIAL) + list("ab -0.1'`\"é")),
               max_size=40))
def test_latex_escape_leaves_no_bare_special_character(text: str) -> None:
    out = latex_escape(text)
    tokens = _TOKENS.findall(out)
    # every special character of the output sits inside an escape sequence ...
    assert not [t for t in tokens if t in _SPECIAL]
    assert "--" not in out
    # ... and reading the escapes back gives the input
    assert "".join(_DECODE.get(t, t) for t in tokens) == text


def test_typeset_targets() -> None:
    text = "mean change -22.8 mm (95 % CI -34.3 to -11.3), >= 20 mm, p <0.001"
    shown = typeset(text)
    assert shown == (f"mean change {MINUS}22.8 mm (95 % CI {MINUS}34.3 to {MINUS}11.3), "
                     "≥ 20 mm, p <0.001")
    assert typeset(text, "html") == shown.replace("<", "&lt;")
    assert typeset(text, "latex") == latex_escape(shown)
    assert typeset(shown, "ascii") == text
    # hyphens that are not minus signs stay
    for word in ("SHA-256", "COVID-19", "2024-01-05", "days 10-12", "x-1", "per-protocol"):
        assert typeset(word) == word
    assert typeset("[-1, 2]") == f"[{MINUS}1, 2]"
    assert typeset("-.5") == f"{MINUS}.5"
    with pytest.raises(ValueError, match=r"`target` \('pdf'\) must be one of"):
        typeset("x", "pdf")


# ------------------------------------------------------------------ tables and memo
def test_table_renderers_typeset_the_cells() -> None:
    import pandas as pd

    t = Table("Change & p_value", pd.DataFrame({"Day": ["8"], "Change": ["-22.8 (-34.3 to -11.3)"],
                                                "p": ["<0.001"]}),
              notes=("Responder: >= 50 %.",), label="change")
    assert f"{MINUS}22.8 ({MINUS}34.3 to {MINUS}11.3)" in t.to_text()
    assert "≥ 50 %" in t.to_text()
    html = t.to_html()
    assert f"{MINUS}22.8" in html
    assert "&lt;0.001" in html
    assert "≥ 50 %" in html
    assert "Change &amp; p_value" in html
    md = t.to_markdown()
    assert f"| 8 | {MINUS}22.8 ({MINUS}34.3 to {MINUS}11.3) | <0.001 |" in md
    tex = t.to_latex()
    for part in (r"\toprule", r"\midrule", r"\bottomrule", r"\caption{Change \& p\_value}",
                 r"\label{tab:change}", r"$-$22.8 ($-$34.3 to $-$11.3)", r"\textless{}0.001",
                 r"$\geq$ 50 \%"):
        assert part in tex, part
    assert t.to_csv().splitlines()[1] == "8,-22.8 (-34.3 to -11.3),<0.001"  # canonical ASCII
    assert LATEX_PACKAGES == ("booktabs", "tabularx")


def test_baseline_rows_median_iqr_and_min_max_separately(thera: ts.GoNoGoAnalysis) -> None:
    frame = thera.tables()["baseline"].frame.set_index("Characteristic").iloc[:, 0]
    age = thera.trial.patients["age_years"].to_numpy(dtype=float)
    q1, med, q3 = np.quantile(age, [0.25, 0.5, 0.75])  # type 7, as R's default
    assert frame["Age, years: median (IQR)"] == f"{med:.1f} ({q1:.1f}, {q3:.1f})"
    assert frame["Age, years: min, max"] == f"{age.min():.1f}, {age.max():.1f}"
    assert not any("[" in v for v in frame)
    assert "IQR: interquartile range" in thera.tables()["baseline"].notes[0]


def test_memo_and_tables_say_the_same_numbers(thera: ts.GoNoGoAnalysis) -> None:
    memo = thera.memo()
    tables = thera.tables()
    p = format_pvalue(thera.adjusted.pvalue)
    assert f"one-sided p = {p}" in memo
    est = tables["estimates"].frame
    assert p in est["p-value"].tolist()
    assert tables["primary_endpoint"].frame["Result"].str.startswith(p).any()
    ci = thera.adjusted_interval
    interval = format_interval(thera.adjusted.median_unbiased, ci.low, ci.high,
                               unit="proportion")
    assert interval in est["Estimate (90 % CI)"].tolist()
    assert typeset(interval.replace(" (", " (90 % interval ")) in memo
    # the score endpoint on day 8, in mm with 1 decimal, and the MMRM df
    day8 = tables["score_by_day"].frame.set_index("Day").loc["8"]
    assert typeset(day8["Mean change (95 % CI)"].split(" (")[0] + " mm") in memo
    lsm = tables["mmrm_lsmeans"].frame.set_index("Day").loc["8"]
    assert f"Satterthwaite df {lsm['df']})" in memo
    assert re.fullmatch(r"\d+\.\d", lsm["df"])  # fractional Satterthwaite df, 1 decimal
    sens = tables["missing_data_sensitivity"].frame.set_index("Method")
    assert sens.loc["observed cases", "df"] == "15"  # a whole df: no "15.000"
    # one p-value style everywhere: 3 decimals or <0.001
    for table in tables.values():
        for col in table.frame.columns:
            if "p-value" in col:
                for v in table.frame[col]:
                    assert v == "" or re.fullmatch(r"<0\.001|>0\.999|[01]\.\d{3}", v), v
    assert not re.search(r"p [=<] 0\.\d{4}", memo)


def test_readers_see_true_minus_signs(thera: ts.GoNoGoAnalysis) -> None:
    memo = thera.memo()
    assert f"mean change {MINUS}22.8 mm" in memo
    assert not re.search(r"(?<![\w-])-\d", memo)
    html = thera.tables()["score_by_day"].to_html()
    assert f"{MINUS}22.8" in html
    assert not re.search(r">-\d", html)
    assert "≤" in thera.tables()["primary_endpoint"].to_text()  # "stop if <= 2 of 10"
    assert "<=" not in thera.tables()["primary_endpoint"].to_html()


def test_nrs_scores_have_one_decimal(nrs: ts.GoNoGoAnalysis) -> None:
    frame = nrs.tables()["score_by_day"].frame
    for v in frame["Mean change (95 % CI)"]:
        assert re.fullmatch(r"-\d+\.\d \(-\d+\.\d to -?\d+\.\d\)", v), v


# ------------------------------------------------------------------ LaTeX with pdflatex
def _require(name: str) -> str:
    """tests/conftest.py's require_tool (conftest is loaded under its own name in importlib mode)."""
    import sys

    for module in list(sys.modules.values()):
        if getattr(module, "__file__", None) == str(Path(__file__).with_name("conftest.py")):
            return str(module.require_tool(name))
    raise AssertionError("tests/conftest.py is not loaded")


def test_every_latex_table_compiles_with_pdflatex(thera: ts.GoNoGoAnalysis,
                                                  nrs: ts.GoNoGoAnalysis,
                                                  tmp_path: Path) -> None:
    pdflatex = _require("pdflatex")
    tables = [*thera.tables().values(), *nrs.tables().values()]
    doc = latex_document(tables)
    assert doc.count(r"\begin{table}") == len(tables)
    (tmp_path / "tables.tex").write_text(doc, encoding="utf-8")
    run = subprocess.run([pdflatex, "-interaction=nonstopmode", "-halt-on-error", "tables.tex"],
                         cwd=tmp_path, capture_output=True, text=True, timeout=300, check=False)
    log = (tmp_path / "tables.log").read_text(encoding="latin-1")
    assert run.returncode == 0, log[-3000:]
    assert (tmp_path / "tables.pdf").stat().st_size > 1000
    assert "Overfull \\hbox" not in log  # every table fits the page
    assert "multiply defined" not in log  # labels name the trial
    if shutil.which("pdftotext") is None:
        return
    text = subprocess.run(["pdftotext", "-layout", "tables.pdf", "-"], cwd=tmp_path,
                          capture_output=True, text=True, check=True).stdout
    assert "<0.001" in text
    assert "¡" not in text  # what "<" prints as in the OT1 font when not escaped
    assert "¿" not in text
    assert "≤ 2 of 10" in text  # "stop if <= 2 of 10"
    assert f"{MINUS}22.8 ({MINUS}34.3 to {MINUS}11.3)" in text
    assert "13 (76.5 %)" in text
