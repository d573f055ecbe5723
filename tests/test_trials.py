"""The trial layer end to end (issue 10): any single-arm trial, declared by its plan.

KNEE-NRS is checked against values computed in R from the definitions
(tests/reference/nrs); THERA's 0.1 numbers must not move; the ADaM form, a binary
endpoint, an interim analysis, stage assignment, bad input and ``thera-stats init``
are exercised through the same public API and command line.
"""

from __future__ import annotations

import datetime as dt
import os
import re
import shutil
import tomllib
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

import thera_stats as ts
from thera_stats import AnalysisPlan, DataValidationError, load_trial
from thera_stats.cli import main

THERA = ts.synthetic_data_path("thera")
NRS = ts.synthetic_data_path("nrs")
REFERENCE = Path(__file__).parent / "reference" / "nrs" / "expected.csv"


# ------------------------------------------------------------------ helpers
def copy_trial(name: str, dest: Path) -> Path:
    """A private copy of a bundled trial folder."""
    shutil.copytree(ts.synthetic_data_path(name), dest)
    return dest


def read(folder: Path, table: str) -> pd.DataFrame:
    return pd.read_csv(folder / f"{table}.csv", dtype=str, keep_default_na=False)


def write(folder: Path, table: str, frame: pd.DataFrame) -> None:
    frame.to_csv(folder / f"{table}.csv", index=False)


def edit_plan(folder: Path, old: str, new: str) -> None:
    path = folder / "plan.toml"
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new), encoding="utf-8")


def problems_of(folder: Path, **kwargs: Any) -> DataValidationError:
    with pytest.raises(DataValidationError) as info:
        load_trial(folder, **kwargs)
    return info.value


def run_cli(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(args)
    out, err = capsys.readouterr()
    return code, out, err


def files_under(folder: Path) -> list[Path]:
    return sorted(p for p in folder.rglob("*") if p.is_file()) if folder.exists() else []


def assert_problem(err: DataValidationError, *, table: str, rule: str, row: int | None = None,
                   patient: str | None = None, column: str | None = None,
                   value: str | None = None) -> None:
    """One problem with these coordinates, and the message names each of them."""
    p = err.problems
    hit = p[(p["table"] == table) & p["rule"].str.contains(rule, regex=False)]
    if column is not None:
        hit = hit[hit["column"] == column]
    assert len(hit) == 1, f"expected one {table} problem '{rule}' in\n{p.to_string()}"
    rec = hit.iloc[0]
    message = str(err)
    assert f"table {table}" in message
    if row is not None:
        assert rec["row"] == row
        assert f"row {row}" in message
    if patient is not None:
        assert rec["patient_id"] == patient
        assert f"patient {patient}" in message
    if column is not None:
        assert f"column {column}" in message
    if value is not None:
        assert rec["value"] == value
        assert f"value {value!r}" in message


# ------------------------------------------------------------------ KNEE-NRS against R
@pytest.fixture(scope="module")
def nrs_result() -> ts.GoNoGoAnalysis:
    return ts.analyze(load_trial(NRS))


@pytest.fixture(scope="module")
def expected() -> pd.DataFrame:
    return pd.read_csv(REFERENCE, comment="#", dtype=str, keep_default_na=False)


def ref(expected: pd.DataFrame, quantity: str, *, patient: str = "", day: str = "") -> str:
    """The base-R value of a quantity (the first row: base R, before any clinfun row)."""
    rows = expected[(expected["quantity"] == quantity) & (expected["patient_id"] == patient)
                    & (expected["day"] == day)]
    assert len(rows) >= 1, quantity
    return str(rows["value"].iat[0])


def reff(expected: pd.DataFrame, quantity: str, **kw: str) -> float:
    return float(ref(expected, quantity, **kw))


def test_nrs_per_patient_endpoint(nrs_result: ts.GoNoGoAnalysis,
                                  expected: pd.DataFrame) -> None:
    ep = nrs_result.endpoint.set_index("patient_id")
    score = nrs_result.trial.score
    assert score is not None
    at14 = score[score["day"] == 14].set_index("patient_id")["assessment_day"]
    baseline = nrs_result.trial.baseline()
    ids = sorted(expected.loc[expected["quantity"] == "responder", "patient_id"])
    assert len(ids) == 39
    assert sorted(ep.index) == ids
    for pid in ids:
        row = ep.loc[pid]
        assert int(row["stage"]) == int(ref(expected, "stage", patient=pid)), pid
        assert baseline[pid] == reff(expected, "baseline", patient=pid), pid
        assert bool(row["responder"]) is (ref(expected, "responder", patient=pid) == "true"), pid
        value = ref(expected, "endpoint_value", patient=pid)
        if value == "":
            assert bool(row["missing"]), pid
            assert pd.isna(row["value"]), pid
            assert pid not in at14.index
            continue
        assert not bool(row["missing"]), pid
        assert row["baseline"] == baseline[pid], pid
        assert row["value"] == float(value), pid
        assert at14[pid] == int(ref(expected, "endpoint_day", patient=pid)), pid
        improvement = reff(expected, "improvement", patient=pid)
        assert -row["change"] == pytest.approx(improvement, abs=1e-12), pid
        assert -row["pct_change"] / 100 == pytest.approx(
            reff(expected, "relative_improvement", patient=pid), abs=1e-12), pid


def test_nrs_counts_and_decision(nrs_result: ts.GoNoGoAnalysis,
                                 expected: pd.DataFrame) -> None:
    r = nrs_result
    assert r.n_stage1 == int(ref(expected, "n_stage1"))
    assert r.n_total - r.n_stage1 == int(ref(expected, "n_stage2"))
    assert r.responses_stage1 == int(ref(expected, "x1"))
    assert r.responses_total == int(ref(expected, "x"))
    assert r.responses_total - r.responses_stage1 == int(ref(expected, "x2"))
    assert r.decision.action == ref(expected, "decision") == "go"
    assert r.go
    assert not r.is_interim
    c = r.to_dict()["disposition"]
    assert c["enrolled"] == int(ref(expected, "n_enrolled"))
    assert c["treated"] == int(ref(expected, "n_treated"))
    assert c["completed_treatment"] == int(ref(expected, "n_full_course"))
    assert c["withdrawn"] == int(ref(expected, "n_withdrawn"))
    assert c["assessed_primary_day"] == int(ref(expected, "n_endpoint_assessed"))
    d = r.plan.design
    assert (d.r1, d.n1, d.r, d.n) == tuple(
        int(ref(expected, f"design_{k}")) for k in ("r1", "n1", "r", "n"))
    assert (d.r1, d.n1, d.r, d.n) == tuple(
        int(ref(expected, f"minimax_{k}")) for k in ("r1", "n1", "r", "n"))
    assert r.plan.notes == ()  # 6/19, 16/39 is the minimax design the plan states


def test_nrs_design_operating_characteristics(nrs_result: ts.GoNoGoAnalysis,
                                              expected: pd.DataFrame) -> None:
    s = nrs_result.plan.design.to_simon()
    assert s.actual_alpha == pytest.approx(reff(expected, "design_alpha_exact"), abs=1e-8)
    assert s.actual_power == pytest.approx(reff(expected, "design_power_exact"), abs=1e-8)
    assert s.pet_p0 == pytest.approx(reff(expected, "design_pet_p0"), abs=1e-8)
    assert s.en_p0 == pytest.approx(reff(expected, "design_en_p0"), abs=1e-8)
    assert s.pet_p1 == pytest.approx(reff(expected, "design_pet_p1"), abs=1e-8)
    assert s.en_p1 == pytest.approx(reff(expected, "design_en_p1"), abs=1e-8)


def test_nrs_estimates(nrs_result: ts.GoNoGoAnalysis, expected: pd.DataFrame) -> None:
    r = nrs_result
    assert r.naive.estimate == pytest.approx(reff(expected, "response_rate"), abs=1e-12)
    assert r.naive.pvalue == pytest.approx(reff(expected, "binomial_pvalue_greater"), abs=1e-8)
    assert r.naive_interval.low == pytest.approx(reff(expected, "clopper_pearson_low"),
                                                 abs=1e-6)
    assert r.naive_interval.high == pytest.approx(reff(expected, "clopper_pearson_high"),
                                                  abs=1e-6)
    a = r.adjusted
    assert a.pvalue == pytest.approx(reff(expected, "two_stage_pvalue"), abs=1e-8)
    assert a.umvue == pytest.approx(reff(expected, "two_stage_umvue"), abs=1e-8)
    assert a.median_unbiased == pytest.approx(reff(expected, "two_stage_median_unbiased"),
                                              abs=1e-6)
    assert r.adjusted_interval.low == pytest.approx(reff(expected, "two_stage_ci_low"), abs=1e-6)
    assert r.adjusted_interval.high == pytest.approx(reff(expected, "two_stage_ci_high"),
                                                     abs=1e-6)
    assert r.adjusted_interval.confidence_level == 0.90
    # clinfun's limits sit on a 1e-4 grid; the lower one is the first grid point above ours.
    assert 0 < reff(expected, "two_stage_ci_low_clinfun") - r.adjusted_interval.low <= 1e-4


@pytest.mark.parametrize("day", ["7", "14", "28"])
def test_nrs_change_by_day(nrs_result: ts.GoNoGoAnalysis, expected: pd.DataFrame,
                           day: str) -> None:
    cs = nrs_result.change_summary
    assert cs is not None
    row = cs[cs["day"] == int(day)].iloc[0]
    assert int(row["n"]) == int(ref(expected, "change_n", day=day))
    for ours, theirs in [("mean_change", "change_mean"), ("sd_change", "change_sd"),
                         ("mean_change_ci_low", "change_t_low"),
                         ("mean_change_ci_high", "change_t_high"),
                         ("wilcoxon_statistic", "change_wilcoxon_v")]:
        assert row[ours] == pytest.approx(reff(expected, theirs, day=day), abs=1e-8), ours
    for ours, theirs in [("t_pvalue", "change_t_pvalue"),
                         ("wilcoxon_pvalue", "change_wilcoxon_pvalue")]:
        assert row[ours] == pytest.approx(reff(expected, theirs, day=day), rel=1e-8,
                                          abs=1e-12), ours


def test_nrs_deviations(nrs_result: ts.GoNoGoAnalysis, expected: pd.DataFrame) -> None:
    dev = nrs_result.trial.deviations
    assert len(dev) == int(ref(expected, "n_protocol_deviations")) == 1
    rows = expected[expected["quantity"] == "protocol_deviation"]
    assert dev["patient_id"].tolist() == rows["patient_id"].tolist() == ["KNR-031"]
    assert rows["value"].iat[0] in dev["rule"].iat[0]
    assert dev["value"].iat[0] == "4"
    assert dev["table"].iat[0] == "patients.csv"


_FOREIGN = [re.compile(r"\bTHERA\b"), re.compile("anakinra", re.IGNORECASE),
            re.compile(r"\bVAS\b"), re.compile(r"\bmm\b")]


def assert_no_thera_words(text: str, where: str) -> None:
    for pattern in _FOREIGN:
        m = pattern.search(text)
        assert m is None, (f"{where}: {pattern.pattern!r} found: "
                           f"...{text[max(m.start() - 60, 0):m.end() + 60]}...")


def test_nrs_commands_and_words(nrs_result: ts.GoNoGoAnalysis, tmp_path: Path,
                                capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run_cli(["validate", str(NRS)], capsys)
    assert code == 0
    assert "KNR-031" in out
    assert_no_thera_words(out, "validate")
    assert_no_thera_words(nrs_result.memo(), "memo")
    assert "KNEE-NRS" in nrs_result.memo()
    code, out, _ = run_cli(["analyze", str(NRS), "--out", str(tmp_path / "a")], capsys)
    assert code == 0
    assert_no_thera_words(out, "analyze output")
    texts = [tmp_path / "a" / "analysis.md", *sorted((tmp_path / "a" / "tables").iterdir())]
    assert len(texts) > 10
    for path in texts:
        if path.suffix == ".docx":  # the same tables in Word: tests/test_docx_tables.py
            continue
        assert_no_thera_words(path.read_text(encoding="utf-8"), str(path))
    code, out, _ = run_cli(["figures", str(NRS), "--out", str(tmp_path / "f")], capsys)
    assert code == 0
    pngs = sorted((tmp_path / "f").glob("*.png"))
    assert pngs
    assert len(pngs) == len(list((tmp_path / "f").glob("*.pdf")))


def test_nrs_report(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("nbconvert")
    code, _out, err = run_cli(["report", str(NRS), "--out", str(tmp_path), "--quiet"], capsys)
    assert code == 0, err
    html = (tmp_path / "final_report.html").read_text(encoding="utf-8")
    assert "KNEE-NRS" in html
    # Only the words of the rendered page (not the CSS/JS of the template).
    body = re.sub(r"<(style|script)\b.*?</\1>", " ", html, flags=re.DOTALL | re.IGNORECASE)
    assert_no_thera_words(re.sub(r"<[^>]+>", " ", body), "report HTML")


# ------------------------------------------------------------------ THERA unchanged
@pytest.fixture(scope="module")
def thera_result() -> ts.GoNoGoAnalysis:
    return ts.analyze(load_trial(THERA))


def _stagewise_pvalue(x: int, r1: int, n1: int, n: int, p0: float) -> float:
    """P_p0(X1 > r1, X1 + X2 >= x) by direct binomial sums."""
    return float(sum(binom.pmf(x1, n1, p0) * binom.sf(x - 1 - x1, n - n1, p0)
                     for x1 in range(r1 + 1, n1 + 1)))


def test_thera_numbers_unchanged(thera_result: ts.GoNoGoAnalysis) -> None:
    r = thera_result
    assert (r.responses_stage1, r.n_stage1) == (4, 10)
    assert (r.responses_total, r.n_total) == (7, 17)
    assert r.decision.action == "go"
    assert r.decision.r_used == 6
    p = _stagewise_pvalue(7, 2, 10, 17, 0.2)
    assert round(p, 4) == 0.0362
    assert r.adjusted.pvalue == pytest.approx(p, abs=1e-12)
    assert round(r.adjusted.pvalue, 4) == 0.0362
    assert round(r.adjusted.umvue, 3) == 0.424
    assert round(r.adjusted_interval.low, 3) == 0.214
    assert round(r.adjusted_interval.high, 3) == 0.637
    assert r.adjusted_interval.confidence_level == 0.90
    assert "0.0362" in r.decision.explanation
    assert "THERA" in r.memo()
    assert "anakinra" in r.memo()


# ------------------------------------------------------------------ THERA as ADaM
def _numbers(result: ts.GoNoGoAnalysis) -> dict[str, Any]:
    d = result.to_dict()
    d.pop("provenance")
    return d


def test_thera_adam_xpt_from_simulate(thera_result: ts.GoNoGoAnalysis, tmp_path: Path,
                                      capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "adam"
    code, _, err = run_cli(["simulate", "--seed", "2026", "--format", "adam", "--out",
                            str(out)], capsys)
    assert code == 0, err
    assert {"adsl.xpt", "adqs.xpt", "adae.xpt", "plan.toml"} <= {p.name for p in out.iterdir()}
    trial = load_trial(out)
    assert trial.plan.adam is not None
    result = ts.analyze(trial)
    assert result.decision.action == thera_result.decision.action == "go"
    assert _numbers(result) == _numbers(thera_result)


def test_thera_adam_through_every_command(tmp_path: Path,
                                          capsys: pytest.CaptureFixture[str]) -> None:
    """The ADaM form runs through validate, analyze, figures and report like the CSV form."""
    pytest.importorskip("nbclient")
    adam = tmp_path / "adam"
    code, _out, err = run_cli(["simulate", "--seed", "2026", "--format", "adam", "--out",
                               str(adam)], capsys)
    assert code == 0, err
    code, out, err = run_cli(["validate", str(adam)], capsys)
    assert code == 0, err
    assert "valid" in out
    code, out, err = run_cli(["analyze", str(adam)], capsys)
    assert code == 0, err
    assert "GO: phase III is justified" in out
    code, _out, err = run_cli(["figures", str(adam), "--out", str(tmp_path / "f")], capsys)
    assert code == 0, err
    assert (tmp_path / "f" / "waterfall.png").is_file()
    code, _out, err = run_cli(["report", str(adam), "--out", str(tmp_path / "r"), "--quiet"],
                              capsys)
    assert code == 0, err
    html = (tmp_path / "r" / "final_report.html").read_text(encoding="utf-8")
    assert "adsl.xpt" in html  # provenance names the ADaM files


def test_thera_adam_csv_from_write_adam(thera_result: ts.GoNoGoAnalysis,
                                        tmp_path: Path) -> None:
    from thera_stats.adam import write_adam
    from thera_stats.plan import plan_toml_text
    from thera_stats.simulate import adam_plan

    plan = AnalysisPlan.from_toml(THERA / "plan.toml")
    # The tidy tables as text, as read from the CSV files.
    paths = write_adam(tmp_path, patients=read(THERA, "patients"), score=read(THERA, "vas"),
                       adverse_events=read(THERA, "adverse_events"), bds="adqs",
                       paramcd="VASMM", param="pain VAS", value_column="vas_mm",
                       baseline_day=0, study_id="THERA", format="csv")
    assert [p.name for p in paths] == ["adsl.csv", "adqs.csv", "adae.csv"]
    (tmp_path / "plan.toml").write_text(plan_toml_text(adam_plan(plan)), encoding="utf-8")
    result = ts.analyze(load_trial(tmp_path))
    assert _numbers(result) == _numbers(thera_result)


# ------------------------------------------------------------------ a binary endpoint
BINARY_PLAN = """\
[trial]
name = "ORR-1"
treatment = "study drug 10 mg orally once daily"

[design]
type = "single-stage"
criterion = "optimal"
p0 = 0.2
p1 = 0.4
alpha = 0.05
power = 0.8
r = 11
n = 35

[endpoint]
kind = "binary"
column = "response"
missing = "{missing}"

[analysis]
population = "enrolled"
data_cutoff = "2024-12-31"
confidence_level = 0.9
"""
#: 35 patients: 14 responders, 18 non-responders, 3 blanks (missing response).
_BINARY_RESPONSES = ["true"] * 14 + ["false"] * 18 + [""] * 3


def make_binary_trial(folder: Path, *, missing: str = "non-responder") -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "plan.toml").write_text(BINARY_PLAN.format(missing=missing), encoding="utf-8")
    rng = np.random.default_rng(7)
    responses = list(rng.permutation(_BINARY_RESPONSES))
    start = dt.date(2024, 1, 8)
    patients = pd.DataFrame({
        "patient_id": [f"P{i:03d}" for i in range(1, 36)],
        "enrolment_date": [(start + dt.timedelta(days=5 * i)).isoformat() for i in range(35)],
        "response": responses,
    })
    write(folder, "patients", patients)
    return folder


def single_stage_boundary(n: int, p0: float, alpha: float) -> int:
    """Smallest r with P(Bin(n, p0) > r) <= alpha."""
    return next(r for r in range(n + 1) if binom.sf(r, n, p0) <= alpha)


def test_binary_trial_validates_and_analyzes(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = make_binary_trial(tmp_path / "orr")
    code, out, err = run_cli(["validate", str(folder)], capsys)
    assert code == 0, err
    assert "adverse events: not collected" in out
    assert "14 of 35, 3 missing" in out
    trial = load_trial(folder)
    assert trial.score is None
    assert trial.adverse_events is None
    result = ts.analyze(trial)
    assert (result.responses_total, result.n_total) == (14, 35)
    assert result.adjusted is None
    assert result.interim is None
    assert result.change_summary is None
    r_planned = single_stage_boundary(35, 0.2, 0.05)
    assert r_planned == 11
    assert result.decision.action == ("go" if r_planned < 14 else "no go") == "go"
    assert result.naive.pvalue == pytest.approx(binom.sf(13, 35, 0.2), abs=1e-12)
    assert int(result.endpoint["missing"].sum()) == 3
    memo = result.memo()
    assert "ORR-1" in memo
    assert "not collected" in memo
    code, out, err = run_cli(["analyze", str(folder), "--out", str(tmp_path / "out")], capsys)
    assert code == 0, err
    assert (tmp_path / "out" / "analysis.json").is_file()


def test_binary_missing_exclude_changes_n(tmp_path: Path) -> None:
    result = ts.analyze(load_trial(make_binary_trial(tmp_path / "orr", missing="exclude")))
    assert (result.responses_total, result.n_total) == (14, 32)
    r_used = single_stage_boundary(32, 0.2, 0.05)
    assert result.decision.r_used == r_used
    assert result.decision.action == ("go" if r_used < 14 else "no go")
    assert result.decision.type1_error == pytest.approx(binom.sf(r_used, 32, 0.2), abs=1e-12)
    assert result.naive.pvalue == pytest.approx(binom.sf(13, 32, 0.2), abs=1e-12)
    assert not result.endpoint["missing"].any()


def test_binary_decision_no_go_closed_form(tmp_path: Path) -> None:
    folder = make_binary_trial(tmp_path / "orr")
    p = read(folder, "patients")
    flip = p.index[p["response"] == "true"][:4]  # 10 responders: 10 <= 11
    p.loc[flip, "response"] = "false"
    write(folder, "patients", p)
    result = ts.analyze(load_trial(folder))
    assert result.responses_total == 10
    assert result.decision.action == "no go"
    assert binom.sf(11, 35, 0.2) <= 0.05 < binom.sf(10, 35, 0.2)


def test_binary_response_must_be_true_false(tmp_path: Path) -> None:
    folder = make_binary_trial(tmp_path / "orr")
    p = read(folder, "patients")
    p.loc[4, "response"] = "maybe"
    write(folder, "patients", p)
    err = problems_of(folder)
    assert_problem(err, table="patients.csv", rule="must be true or false", row=6,
                   patient="P005", column="response", value="maybe")


# ------------------------------------------------------------------ interim analysis
@pytest.fixture(scope="module")
def interim_folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """THERA's first ten patients (stage 1 exactly, 4 responders > r1 = 2)."""
    folder = copy_trial("thera", tmp_path_factory.mktemp("interim") / "thera10")
    p = read(folder, "patients").sort_values("enrolment_date", kind="stable")
    keep = set(p["patient_id"].head(10))
    write(folder, "patients", p[p["patient_id"].isin(keep)])
    for table in ("vas", "adverse_events"):
        t = read(folder, table)
        write(folder, table, t[t["patient_id"].isin(keep)])
    return folder


def test_interim_analysis(interim_folder: Path, tmp_path: Path,
                          capsys: pytest.CaptureFixture[str]) -> None:
    result = ts.analyze(load_trial(interim_folder))
    assert (result.responses_stage1, result.n_stage1, result.n_total) == (4, 10, 10)
    assert result.is_interim
    assert result.decision.action == "continue to stage 2"
    assert result.adjusted is None
    outlook = result.interim
    assert outlook is not None
    assert (outlook.n_stage2, outlook.r_final, outlook.needed) == (12, 7, 4)
    cp = outlook.conditional_power.set_index("scenario")["probability"]
    # P(Bin(n - n1, p) >= r - x1 + 1) = P(Bin(12, p) > 3)
    for scenario, p in [("under p0", 0.2), ("under p1", 0.45),
                        ("under the current estimate x1/n1", 0.4)]:
        assert cp[scenario] == pytest.approx(binom.sf(4 - 1, 12, p), abs=1e-12)
    memo = result.memo()
    assert "interim analysis" in memo
    assert "Interim: what stage 2 must show" in memo
    assert "at least 4 responses among 12 patients" in memo
    assert "interim" in result.tables()
    code, out, err = run_cli(["analyze", str(interim_folder), "--out", str(tmp_path / "a")],
                             capsys)
    assert code == 0, err
    assert "CONTINUE TO STAGE 2" in out
    assert (tmp_path / "a" / "tables" / "interim.csv").is_file()
    from thera_stats.plotting import use_file_backend, write_figures

    use_file_backend()
    paths = write_figures(result, tmp_path / "f")  # what 'thera-stats figures' writes
    assert any(p.suffix == ".png" for p in paths)
    assert all(p.is_file() for p in paths)


def test_interim_report(interim_folder: Path, tmp_path: Path,
                        capsys: pytest.CaptureFixture[str]) -> None:
    """The report of an interim analysis says what stage 2 must show."""
    pytest.importorskip("nbclient")
    code, _out, err = run_cli(["report", str(interim_folder), "--out", str(tmp_path), "--quiet"],
                              capsys)
    assert code == 0, err
    text = re.sub(r"<[^>]+>", " ", (tmp_path / "final_report.html").read_text(encoding="utf-8"))
    assert "THERA phase II: interim analysis" in text
    assert "at least 4 responses among 12 patients" in text
    assert "probability of a final" in text


def test_interim_futility_stop(interim_folder: Path, tmp_path: Path) -> None:
    """x1 <= r1 after exactly n1 patients: stop for futility, not an interim analysis."""
    folder = tmp_path / "stop"
    shutil.copytree(interim_folder, folder)
    v = read(folder, "vas")
    base = v[v["day"] == "0"].set_index("patient_id")["vas_mm"]
    day8 = v["day"] == "8"
    v.loc[day8, "vas_mm"] = v.loc[day8, "patient_id"].map(base)  # no change: no responder
    write(folder, "vas", v)
    result = ts.analyze(load_trial(folder))
    assert (result.responses_stage1, result.n_stage1) == (0, 10)
    assert result.decision.action == "stop for futility"
    assert not result.is_interim


# ------------------------------------------------------------------ stage assignment
def test_explicit_stage_column_wins_over_dates(tmp_path: Path) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    p = read(folder, "patients")
    order = p.sort_values("enrolment_date", kind="stable")["patient_id"].tolist()
    # The seven latest enrolled and the three earliest form stage 1.
    stage1 = set(order[-7:] + order[:3])
    p["stage"] = ["1" if pid in stage1 else "2" for pid in p["patient_id"]]
    write(folder, "patients", p)
    trial = load_trial(folder)
    pop = trial.population().set_index("patient_id")
    assert {pid for pid in pop.index if pop.loc[pid, "stage"] == 1} == stage1
    result = ts.analyze(trial)
    assert result.n_stage1 == 10
    responders = set(result.endpoint.loc[result.endpoint["responder"], "patient_id"])
    assert result.responses_stage1 == len(responders & stage1)


def test_stage_column_without_dates(tmp_path: Path) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    p = read(folder, "patients")
    order = p.sort_values("enrolment_date", kind="stable")["patient_id"].tolist()
    p["stage"] = ["1" if order.index(pid) < 10 else "2" for pid in p["patient_id"]]
    write(folder, "patients", p.drop(columns=["enrolment_date"]))
    result = ts.analyze(load_trial(folder))
    assert (result.responses_stage1, result.n_stage1, result.responses_total) == (4, 10, 7)


def _tie(folder: Path, i: int, j: int) -> None:
    """Give the j-th enrolled patient (0-based) the i-th's enrolment date."""
    p = read(folder, "patients")
    order = p.sort_values("enrolment_date", kind="stable").index
    p.loc[order[j], "enrolment_date"] = p.loc[order[i], "enrolment_date"]
    write(folder, "patients", p)


def test_tied_dates_at_the_stage_boundary_need_a_stage_column(tmp_path: Path) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    _tie(folder, 9, 10)  # the 10th and 11th enrolled share a date; n1 = 10
    err = problems_of(folder)
    p = err.problems
    hit = p[p["rule"].str.contains("add a 'stage' column", regex=False)]
    assert len(hit) == 1
    assert hit["table"].iat[0] in ("patients", "patients.csv")
    assert hit["column"].iat[0] == "enrolment_date"
    message = str(err)
    assert "stage 1 (10 patients) ends" in message
    assert "column enrolment_date" in message
    assert "add a 'stage' column" in message


def test_tied_dates_away_from_the_boundary_are_fine(tmp_path: Path) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    _tie(folder, 2, 3)
    _tie(folder, 12, 13)
    trial = load_trial(folder)
    assert (trial.population()["stage"] == 1).sum() == 10


# ------------------------------------------------------------------ bad input
def assert_cli_refuses(args: list[str], capsys: pytest.CaptureFixture[str],
                       *needles: str, out_dir: Path | None = None) -> str:
    code, out, err = run_cli(args, capsys)
    assert code == 2, (out, err)
    assert "Traceback" not in err
    for needle in needles:
        assert needle in err, (needle, err)
    if out_dir is not None:
        assert files_under(out_dir) == []
    return err


def test_integer_beyond_int64(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    p = read(folder, "patients")
    p.loc[2, "age_years"] = "99999999999999999999"
    write(folder, "patients", p)
    err = problems_of(folder)
    assert_problem(err, table="patients.csv", rule="too large", row=4, patient="THR-003",
                   column="age_years", value="99999999999999999999")
    out_dir = tmp_path / "out"
    assert_cli_refuses(["analyze", str(folder), "--out", str(out_dir)], capsys,
                       "patients.csv", "row 4", "THR-003", "age_years", "99999999999999999999",
                       out_dir=out_dir)


@pytest.mark.parametrize("command", ["validate", "analyze"])
def test_symlink_loop_as_trial_folder(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      command: str) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    os.symlink(a, b)
    os.symlink(b, a)
    with pytest.raises(ts.TheraStatsError, match="symbolic-link loop"):
        load_trial(a)
    assert_cli_refuses([command, str(a)], capsys, "symbolic-link loop", str(a))


@pytest.mark.parametrize("command", ["analyze", "figures"])
def test_symlink_loop_with_out(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                               command: str) -> None:
    a, b = tmp_path / "a", tmp_path / "b"
    os.symlink(a, b)
    os.symlink(b, a)
    out_dir = tmp_path / "out"
    assert_cli_refuses([command, str(a), "--out", str(out_dir)], capsys,
                       "symbolic-link loop", out_dir=out_dir)


def test_csv_and_parquet_of_one_table(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    pytest.importorskip("pyarrow")
    folder = copy_trial("thera", tmp_path / "t")
    pd.read_csv(folder / "patients.csv").to_parquet(folder / "patients.parquet")
    err = problems_of(folder)
    assert_problem(err, table="patients", rule="both patients.csv and patients.parquet")
    assert_cli_refuses(["validate", str(folder)], capsys, "patients.csv", "patients.parquet")


def test_enrolment_after_the_data_cutoff(tmp_path: Path,
                                         capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    p = read(folder, "patients")
    p.loc[2, "enrolment_date"] = "2017-07-01"
    write(folder, "patients", p)
    err = problems_of(folder)
    assert_problem(err, table="patients.csv", rule="after the data cut-off 2017-06-30",
                   row=4, patient="THR-003", column="enrolment_date", value="2017-07-01")
    assert "analysis.data_cutoff" in str(err)
    out_dir = tmp_path / "out"
    assert_cli_refuses(["analyze", str(folder), "--out", str(out_dir)], capsys,
                       "2017-07-01", "THR-003", out_dir=out_dir)


def test_enrolment_in_the_future_without_cutoff(tmp_path: Path) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    edit_plan(folder, 'data_cutoff = "2017-06-30"\n', "")
    p = read(folder, "patients")
    p.loc[2, "enrolment_date"] = "2020-01-02"
    write(folder, "patients", p)
    err = problems_of(folder, today=dt.date(2020, 1, 1))
    assert_problem(err, table="patients.csv", rule="in the future", row=4, patient="THR-003",
                   column="enrolment_date", value="2020-01-02")
    assert "2020-01-01" in str(err)
    assert "analysis.data_cutoff" in str(err)
    load_trial(folder, today=dt.date(2020, 1, 2))  # on the day itself: fine
    future = (dt.date.today() + dt.timedelta(days=400)).isoformat()
    p.loc[2, "enrolment_date"] = future
    write(folder, "patients", p)
    assert_problem(problems_of(folder), table="patients.csv", rule="in the future",
                   column="enrolment_date", value=future)


def test_unscheduled_day(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """THERA's day 30 typed 300."""
    folder = copy_trial("thera", tmp_path / "t")
    v = read(folder, "vas")
    i = v.index[(v["patient_id"] == "THR-001") & (v["day"] == "30")][0]
    v.loc[i, "day"] = "300"
    write(folder, "vas", v)
    err = problems_of(folder)
    assert_problem(err, table="vas.csv", rule="day 300 is outside every scheduled window",
                   row=int(i) + 2, patient="THR-001", column="day", value="300")
    assert_cli_refuses(["validate", str(folder)], capsys, "vas.csv", f"row {int(i) + 2}",
                       "THR-001", "300")


def test_endpoint_day_absent_from_the_data(tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    v = read(folder, "vas")
    write(folder, "vas", v[v["day"] != "8"])
    err = problems_of(folder)
    assert_problem(err, table="vas.csv", rule="no patient has an assessment on the endpoint "
                   "day 8", column="day", value="8")
    assert_cli_refuses(["validate", str(folder)], capsys, "endpoint day 8", "endpoint.day")


@pytest.mark.parametrize("command", [
    ["analyze", str(THERA)], ["figures", str(THERA)], ["report", str(THERA)],
    ["simulate"]])
def test_out_that_is_a_file(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                            command: list[str]) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("keep me\n", encoding="utf-8")
    code, out, err = run_cli([*command, "--out", str(target)], capsys)
    assert code == 2
    assert out == ""
    assert "is an existing file" in err
    assert str(target) in err
    assert target.read_text(encoding="utf-8") == "keep me\n"


def test_init_on_a_file_names_the_folder_argument(tmp_path: Path,
                                                  capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "taken.txt"
    target.write_text("x", encoding="utf-8")
    code, out, err = run_cli(["init", str(target)], capsys)
    assert code == 2
    assert out == ""
    assert "--out" not in err


def test_blank_lines_keep_physical_line_numbers(tmp_path: Path) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    lines = (folder / "vas.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(5, "")  # a blank line 6
    lines.insert(8, "")  # and line 9
    # Physical line 12 now holds the 9th data row; break its value.
    pid, day, _ = lines[11].split(",")
    lines[11] = f"{pid},{day},abc"
    (folder / "vas.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = problems_of(folder)
    assert_problem(err, table="vas.csv", rule="must be a number", row=12, patient=pid,
                   column="vas_mm", value="abc")

    folder = copy_trial("thera", tmp_path / "t2")
    lines = (folder / "patients.csv").read_text(encoding="utf-8").splitlines()
    lines.insert(3, "")
    lines[6] = lines[6].replace(",M,", ",X,").replace(",F,", ",X,")
    pid = lines[6].split(",")[0]
    (folder / "patients.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    err = problems_of(folder)
    assert_problem(err, table="patients.csv", rule="must be F or M", row=7, patient=pid,
                   column="sex", value="X")


def test_assessments_after_withdrawal_are_deviations(tmp_path: Path) -> None:
    folder = copy_trial("thera", tmp_path / "t")
    p = read(folder, "patients")
    assert p.loc[p["patient_id"] == "THR-012", "withdrawal_day"].tolist() == ["3"]
    v = read(folder, "vas")
    assert set(v.loc[v["patient_id"] == "THR-012", "day"].astype(int)) <= {0, 1, 2, 3}
    extra = pd.DataFrame({"patient_id": ["THR-012", "THR-012"], "day": ["5", "8"],
                          "vas_mm": ["60", "55"]})
    write(folder, "vas", pd.concat([v, extra], ignore_index=True))
    trial = load_trial(folder)
    dev = trial.deviations
    hits = dev[dev["rule"].str.contains("after the patient's withdrawal on day 3")]
    assert hits["patient_id"].tolist() == ["THR-012", "THR-012"]
    assert hits["table"].tolist() == ["vas.csv", "vas.csv"]
    assert hits["row"].tolist() == [len(v) + 2, len(v) + 3]
    assert hits["value"].tolist() == ["5", "8"]
    assert "withdrawal on day 3" in trial.validation_report()


def _big_thera(folder: Path, n_patients: int) -> pd.DataFrame:
    """A THERA-plan folder with n_patients x 9 scheduled assessments."""
    folder.mkdir()
    shutil.copy(THERA / "plan.toml", folder / "plan.toml")
    ids = [f"P{i:06d}" for i in range(n_patients)]
    start = dt.date(2010, 1, 1)
    patients = pd.DataFrame({
        "patient_id": ids,
        "age_years": 50,
        "hfe_genotype": "C282Y/C282Y",
        "enrolment_date": [(start + dt.timedelta(days=i // 10)).isoformat()
                           for i in range(n_patients)],
        "injections_received": 5,
    })
    write(folder, "patients", patients)
    days = [0, 1, 2, 3, 4, 5, 8, 15, 30]
    rng = np.random.default_rng(1)
    vas = pd.DataFrame({
        "patient_id": np.repeat(ids, len(days)),
        "day": np.tile(days, n_patients),
        "vas_mm": np.where(np.tile(days, n_patients) == 0, 80,
                           rng.integers(0, 101, n_patients * len(days))),
    })
    write(folder, "vas", vas)
    return vas


def test_large_score_tables(tmp_path: Path) -> None:
    n = 11_112  # 100 008 assessments
    vas = _big_thera(tmp_path / "ok", n)
    assert len(vas) >= 100_000
    trial = load_trial(tmp_path / "ok")
    assert trial.score is not None
    assert len(trial.score) == len(vas)
    assert len(trial.patients) == n

    bad = tmp_path / "bad"
    shutil.copytree(tmp_path / "ok", bad)
    v = vas.copy()
    v.loc[v["day"] == 15, "day"] = 16  # 11 112 unscheduled days
    write(bad, "vas", v)
    err = problems_of(bad)
    message = str(err)
    listed = [line for line in message.splitlines() if line.startswith("  - [")]
    assert 1 <= len(listed) <= 201
    assert len(message.splitlines()) <= 205
    assert len(message) < 100_000
    assert "day 16 is outside every scheduled window" in message
    assert "11112" in message  # the full count is given
    first = err.problems[err.problems["rule"].str.contains("day 16")].iloc[0]
    assert first["row"] == 9  # P000000's day 15 row: header + 7 rows before it


# ------------------------------------------------------------------ thera-stats init
_INIT_PATIENTS = [
    # patient_id, site, sex, age, date, doses, withdrawn, wd_day, wd_reason
    ("N-01", "Leeds", "F", "54", "2024-02-01", "14", "false", "", ""),
    ("N-02", "Leeds", "M", "61", "2024-02-09", "14", "false", "", ""),
    ("N-03", "York", "F", "47", "2024-02-20", "14", "false", "", ""),
    ("N-04", "York", "M", "70", "2024-03-02", "10", "true", "10", "moved away"),
    ("N-05", "Leeds", "F", "38", "2024-03-15", "14", "false", "", ""),
]


def _fill_patients(folder: Path, extra: list[str] | None = None) -> None:
    header = (folder / "patients.csv").read_text(encoding="utf-8").strip()
    rows = [",".join(rec) + ("," + extra[i] if extra else "")
            for i, rec in enumerate(_INIT_PATIENTS)]
    (folder / "patients.csv").write_text("\n".join([header, *rows]) + "\n", encoding="utf-8")


@pytest.mark.parametrize("endpoint", ["score", "binary"])
def test_init_writes_a_valid_template(tmp_path: Path, capsys: pytest.CaptureFixture[str],
                                      endpoint: str) -> None:
    folder = tmp_path / "new"
    args = ["init", str(folder)] + (["--endpoint", "binary"] if endpoint == "binary" else [])
    code, out, err = run_cli(args, capsys)
    assert code == 0, err
    names = {p.name for p in folder.iterdir()}
    tables = {"patients.csv", "adverse_events.csv"} | (
        {"score.csv"} if endpoint == "score" else set())
    assert names == {"plan.toml"} | tables
    for name in tables:
        lines = (folder / name).read_text(encoding="utf-8").splitlines()
        assert len(lines) == 1, name
        assert "patient_id" in lines[0], name
    plan = AnalysisPlan.from_toml(folder / "plan.toml")
    assert plan.endpoint.kind == endpoint
    assert plan.notes == ()
    # Header-only tables: validate names the empty ones and exits 2.
    code, out, err = run_cli(["validate", str(folder)], capsys)
    assert code == 2
    assert out == ""
    assert "patients.csv" in err
    assert "the table has no rows" in err
    if endpoint == "score":
        assert "score.csv" in err
    assert "adverse_events.csv" not in err  # header-only is "none reported"
    # A second init does not overwrite.
    code, _, err = run_cli(args, capsys)
    assert code == 1
    assert "--overwrite" in err


def test_init_score_folder_filled_in_by_hand(tmp_path: Path,
                                            capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "new"
    assert main(["init", str(folder)]) == 0
    _fill_patients(folder)
    score_rows = ["patient_id,day,pain_nrs"]
    values = {"N-01": (8, 6, 3, 3), "N-02": (6, 5, 5, 4), "N-03": (7, 4, 2, None),
              "N-04": (9, 8, None, None), "N-05": (5, 5, 3, 2)}
    for pid, vals in values.items():
        for day, value in zip((0, 6, 15, 27), vals, strict=True):
            if value is not None:
                score_rows.append(f"{pid},{day},{value}")
    (folder / "score.csv").write_text("\n".join(score_rows) + "\n", encoding="utf-8")
    with (folder / "adverse_events.csv").open("a", encoding="utf-8") as fh:
        fh.write("N-02,3,Nausea,Gastrointestinal disorders,1,false,true,false\n")
    code, out, err = run_cli(["validate", str(folder)], capsys)
    assert code == 0, err
    assert "protocol deviations: 0" in out  # age >= 18 and baseline >= 4 hold
    trial = load_trial(folder)
    assert len(trial.deviations) == 0
    result = ts.analyze(trial)
    # 30 % and 2 points on day 14 (window +/- 2): N-01 (8 -> 3), N-03 (7 -> 2), N-05 (5 -> 3).
    assert set(result.endpoint.loc[result.endpoint["responder"], "patient_id"]) == {
        "N-01", "N-03", "N-05"}
    assert result.n_total == 5
    assert "MY-TRIAL" in result.memo()
    code, out, err = run_cli(["analyze", str(folder)], capsys)
    assert code == 0, err


def test_init_binary_folder_filled_in_by_hand(tmp_path: Path,
                                             capsys: pytest.CaptureFixture[str]) -> None:
    folder = tmp_path / "new"
    assert main(["init", str(folder), "--endpoint", "binary"]) == 0
    _fill_patients(folder, ["true", "false", "true", "", "false"])
    code, out, err = run_cli(["validate", str(folder)], capsys)
    assert code == 0, err
    result = ts.analyze(load_trial(folder))
    assert (result.responses_total, result.n_total) == (2, 5)
    code, out, err = run_cli(["analyze", str(folder)], capsys)
    assert code == 0, err
    assert "MY-TRIAL" in out


def test_template_plans_load() -> None:
    from thera_stats.template import plan_template

    for endpoint in ("score", "binary"):
        plan = AnalysisPlan.from_dict(tomllib.loads(plan_template(endpoint)))
        assert plan.endpoint.kind == endpoint
        assert plan.design.to_simon().meets_targets
    with pytest.raises(ValueError, match="must be 'score' or 'binary'"):
        plan_template("continuous")



# ------------------------------------------------------------------ other plan choices
def _flipped_nrs(folder: Path) -> Path:
    """KNEE-NRS on a reversed scale (10 - NRS) where higher is better."""
    copy_trial("nrs", folder)
    v = read(folder, "pain")
    v["nrs"] = (10 - v["nrs"].astype(int)).astype(str)
    write(folder, "pain", v)
    edit_plan(folder, 'better = "lower"', 'better = "higher"')
    edit_plan(folder, '{ column = "baseline", op = ">=", value = 4 }',
              '{ column = "baseline", op = "<=", value = 6 }')
    return folder


def _responders_from_csv(folder: Path) -> pd.Series:
    """better = "higher", 30 % and 2 points on day 14 +/- 2, in integers from the CSV."""
    v = pd.read_csv(folder / "pain.csv")
    base = v[v["day"] == 0].set_index("patient_id")["nrs"]
    end = v[(v["day"] - 14).abs() <= 2].set_index("patient_id")["nrs"]
    imp = end.reindex(base.index) - base
    return ((10 * imp >= 3 * base) & (imp >= 2)).fillna(False).astype(bool)


def test_better_higher_from_raw_csv(tmp_path: Path) -> None:
    from thera_stats.analysis import primary_endpoint

    folder = _flipped_nrs(tmp_path / "hi")
    trial = load_trial(folder)
    assert trial.plan.endpoint.better == "higher"
    assert "increased from baseline" in trial.plan.endpoint.describe()
    got = primary_endpoint(trial, trial.population()).set_index("patient_id")["responder"]
    want = _responders_from_csv(folder)
    assert len(got) == len(want) == 39
    assert {str(k): bool(x) for k, x in got.items()} == {str(k): bool(x)
                                                         for k, x in want.items()}
    assert 0 < int(want.sum()) < 39
    # KNR-031 still breaches kl_grade; the reversed baseline rule holds for everyone else.
    assert trial.deviations["patient_id"].tolist() == ["KNR-031"]


def test_better_higher_from_a_zero_baseline(tmp_path: Path) -> None:
    from thera_stats.analysis import primary_endpoint

    folder = _flipped_nrs(tmp_path / "hi")
    v = read(folder, "pain")
    first = v.index[(v["patient_id"] == "KNR-001") & (v["day"] == "0")][0]
    v.loc[first, "nrs"] = "0"  # KNR-001: 0 at baseline, 7 on day 13
    write(folder, "pain", v)
    trial = load_trial(folder)
    got = primary_endpoint(trial, trial.population()).set_index("patient_id")["responder"]
    assert _responders_from_csv(folder)["KNR-001"]
    assert got["KNR-001"]


def test_per_protocol_population(tmp_path: Path) -> None:
    folder = copy_trial("nrs", tmp_path / "pp")
    edit_plan(folder, 'population = "treated"', 'population = "per-protocol"')
    trial = load_trial(folder)
    pop = set(trial.population()["patient_id"])
    p = read(folder, "patients")
    full = set(p.loc[p["doses_received"] == "14", "patient_id"])
    assert pop == full - {"KNR-031"}
    assert len(pop) == 39 - 2 - 1
