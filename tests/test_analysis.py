"""The go/no-go analysis, its outputs and the analyze/figures/design commands."""

from __future__ import annotations

import hashlib
import json
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy.stats import binom

import thera_stats as ts
from thera_stats.cli import main

SYNTHETIC = ts.synthetic_data_path()


@pytest.fixture(scope="module")
def result() -> ts.GoNoGoAnalysis:
    return ts.analyze(ts.load_trial(SYNTHETIC))


def test_primary_endpoint_from_raw_csv(result: ts.GoNoGoAnalysis) -> None:
    """Responders recomputed from the CSV with plain integer arithmetic (the plan's rule)."""
    vas = pd.read_csv(SYNTHETIC / "vas.csv")
    patients = pd.read_csv(SYNTHETIC / "patients.csv").sort_values(
        ["enrolment_date", "patient_id"])
    wide = vas.pivot(index="patient_id", columns="day", values="vas_mm")
    base, day8 = wide[0], wide[8]
    drop = base - day8
    responder = ((2 * drop >= base) & (drop >= 20)).fillna(False)
    order = patients["patient_id"].tolist()
    assert result.n_stage1 == 10
    assert result.n_total == 17
    assert result.responses_stage1 == int(responder.reindex(order[:10]).sum())
    assert result.responses_total == int(responder.reindex(order).sum())
    flags = result.endpoint.set_index("patient_id")["responder"]
    pd.testing.assert_series_equal(flags.reindex(order).astype(bool),
                                   responder.reindex(order).astype(bool), check_names=False)


def test_decision_matches_closed_form(result: ts.GoNoGoAnalysis) -> None:
    """Attained sizes 10 + 7: the final boundary is the smallest r* with
    sum_{x1 > 2} b(x1; 10, 0.2) P(X2 > r* - x1; 7, 0.2) <= 0.05 (direct binomial sums)."""
    def type1(rstar: int) -> float:
        return sum(binom.pmf(x1, 10, 0.2) * binom.sf(rstar - x1, 7, 0.2) for x1 in range(3, 11))

    rstar = next(r for r in range(18) if type1(r) <= 0.05)
    assert rstar == 6
    expected = "go" if result.responses_total > rstar else "no go"
    assert result.decision.action == expected
    assert result.decision.r_used == rstar
    assert result.decision.type1_error == pytest.approx(type1(rstar), abs=1e-12)
    # The stage-wise p-value is P(continue and X >= x) at p0: the same sums.
    x = result.responses_total
    p_closed = sum(binom.pmf(x1, 10, 0.2) * binom.sf(x - 1 - x1, 7, 0.2) for x1 in range(3, 11))
    assert result.adjusted.pvalue == pytest.approx(p_closed, abs=1e-12)
    assert result.go == (result.adjusted.pvalue <= 0.05)


def test_numbers_agree_with_library_functions_one_by_one(result: ts.GoNoGoAnalysis) -> None:
    trial = ts.load_trial(SYNTHETIC)
    plan = trial.plan
    x1, x, n1, n = (result.responses_stage1, result.responses_total, result.n_stage1,
                    result.n_total)
    design = plan.design.to_simon()
    decision = design.decide(x1, x, n_stage1=n1, n_total=n)
    assert decision.action == result.decision.action
    assert decision.explanation == result.decision.explanation
    inf = ts.two_stage_inference(design, x1, x, n_stage1=n1, n_total=n)
    assert inf.pvalue == result.adjusted.pvalue
    assert inf.umvue == result.adjusted.umvue
    ci = inf.confidence_interval(confidence_level=plan.confidence_level)
    assert (ci.low, ci.high) == (result.adjusted_interval.low, result.adjusted_interval.high)
    naive = ts.binomial_test(x, n, plan.design.p0, alternative="greater")
    assert naive.pvalue == result.naive.pvalue
    cp = ts.binomial_ci(x, n, confidence_level=plan.confidence_level)
    assert (cp.low, cp.high) == (result.naive_interval.low, result.naive_interval.high)
    # Clopper-Pearson closed form through the beta quantiles.
    from scipy.stats import beta

    a = (1 - plan.confidence_level) / 2
    assert cp.low == pytest.approx(beta.ppf(a, x, n - x + 1), abs=1e-12)
    assert cp.high == pytest.approx(beta.ppf(1 - a, x + 1, n - x), abs=1e-12)
    cols = {"subject": "patient_id", "day": "day", "baseline_day": 0}
    vas = trial.score[["patient_id", "day", "vas_mm"]]
    changes = ts.change_from_baseline(vas, value="vas_mm", **cols)
    pd.testing.assert_frame_equal(ts.summarize_change(changes, value="change", **cols),
                                  result.change_summary)
    lsm = ts.mmrm(changes[changes["day"] > 0], value="change", covariates=("baseline",),
                  **cols).lsmeans()
    pd.testing.assert_frame_equal(lsm, result.lsmeans)


def test_memo_json_markdown_and_provenance(result: ts.GoNoGoAnalysis, tmp_path: Path) -> None:
    memo = result.memo()
    assert result.decision.action.upper() in memo
    assert "7 of 17" in memo
    paths = result.write(tmp_path)
    assert (tmp_path / "tables" / "adverse_events.tex").exists()
    assert (tmp_path / "tables" / "primary_endpoint.csv").exists()
    assert len(paths) == 3 + 5 * len(result.tables()) + 1  # + tables/tables.docx
    for path in paths[2:]:
        if path.suffix in (".md", ".tex", ".html", ".txt", ".json"):
            assert "input_sha256" in path.read_text(), path.name
    assert "[design]" in paths[1].read_text()  # the plan, in analysis.md
    data = json.loads(paths[0].read_text())
    assert data["decision"]["action"] == result.decision.action
    assert data["stages"] == {"n_stage1": 10, "n_total": 17, "responses_stage1":
                              result.responses_stage1, "responses_total":
                              result.responses_total, "planned_n1": 10, "planned_n": 22}
    for name, digest in data["provenance"]["input_sha256"].items():
        assert hashlib.sha256((SYNTHETIC / name).read_bytes()).hexdigest() == digest
    assert data["provenance"]["version"] == ts.__version__
    assert data["provenance"]["plan"]["design"]["n"] == 22
    md = paths[1].read_text()
    assert "## Decision" in md
    assert "| System organ class / Preferred term |" in md
    assert "SHA-256" in md
    # Deterministic: written twice, the same bytes.
    again = result.write(tmp_path / "again")
    assert [p.read_bytes() for p in paths] == [p.read_bytes() for p in again]


def test_tables_render_in_every_format(result: ts.GoNoGoAnalysis, tmp_path: Path) -> None:
    tables = result.tables()
    assert {"baseline", "disposition", "primary_endpoint", "score_by_day", "adverse_events",
            "estimates"} <= tables.keys()
    for name, table in tables.items():
        for fmt in ("text", "html", "markdown", "latex", "csv"):
            assert table.render(fmt)
        table.to_csv(tmp_path / f"{name}.csv")
        assert pd.read_csv(tmp_path / f"{name}.csv").shape[0] == len(table.frame)
    with pytest.raises(ValueError, match="'docx'"):
        tables["baseline"].render("docx")


def test_population_and_missing_rules(tmp_path: Path) -> None:
    dest = tmp_path / "trial"
    shutil.copytree(SYNTHETIC, dest)
    plan = (dest / "plan.toml").read_text().replace('missing = "non-responder"',
                                                     'missing = "exclude"')
    (dest / "plan.toml").write_text(plan)
    res = ts.analyze(ts.load_trial(dest))
    # one patient has no day-8 VAS: excluded from the denominator
    assert res.n_total == 16
    assert not res.endpoint["missing"].any()


# ------------------------------------------------------------------ command line
def test_cli_analyze_default_prints_memo(capsys: pytest.CaptureFixture[str],
                                         result: ts.GoNoGoAnalysis) -> None:
    assert main(["analyze"]) == 0
    out = capsys.readouterr().out
    assert out == result.memo()


def test_cli_analyze_out(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["analyze", str(SYNTHETIC), "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "analysis.json").exists()
    assert (tmp_path / "o" / "analysis.md").exists()
    capsys.readouterr()
    assert main(["analyze", str(SYNTHETIC), "--out", str(SYNTHETIC)]) == 1
    assert "data folder" in capsys.readouterr().err
    assert main(["analyze", str(SYNTHETIC), "--out", str(SYNTHETIC / "results")]) == 1
    assert not (SYNTHETIC / "results").exists()
    # a second run needs --overwrite, which removes tables the new run does not make
    assert main(["analyze", str(SYNTHETIC), "--out", str(tmp_path / "o")]) == 1
    assert "--overwrite" in capsys.readouterr().err
    stale = tmp_path / "o" / "tables" / "old_table.csv"
    stale.write_text("x\n")
    assert main(["analyze", str(SYNTHETIC), "--out", str(tmp_path / "o"), "--overwrite"]) == 0
    assert not stale.exists()


def test_cli_figures_identical_twice_and_never_into_data(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["figures", "--out", str(tmp_path / "a")]) == 0
    assert main(["figures", str(SYNTHETIC), "--out", str(tmp_path / "b")]) == 0
    a = sorted(p.name for p in (tmp_path / "a").iterdir())
    assert len(a) == 20
    assert {Path(n).suffix for n in a} == {".png", ".pdf"}
    for name in a:
        assert (tmp_path / "a" / name).read_bytes() == (tmp_path / "b" / name).read_bytes()
    png = (tmp_path / "a" / "waterfall.png").read_bytes()
    assert b"input_sha256" in png  # provenance in the PNG text chunk
    capsys.readouterr()
    before = sorted(p.name for p in SYNTHETIC.iterdir())
    assert main(["figures", str(SYNTHETIC), "--out", str(SYNTHETIC)]) == 1
    assert main(["figures", str(SYNTHETIC), "--out", str(SYNTHETIC / "figs")]) == 1
    assert sorted(p.name for p in SYNTHETIC.iterdir()) == before
    assert main(["figures", "--out", str(tmp_path / "a")]) == 1
    assert main(["figures", "--out", str(tmp_path / "a"), "--overwrite"]) == 0


def test_cli_design_formats(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["design", "--p0", "0.2", "--p1", "0.45", "--format", "json"]) == 0
    data = json.loads(capsys.readouterr().out)
    flat = json.dumps(data)
    for key in ('"r1": 2', '"n1": 10', '"r": 7', '"n": 22'):
        assert key in flat
    assert main(["design", "--p0", "0.2", "--p1", "0.45", "--format", "csv"]) == 0
    assert capsys.readouterr().out.count("\n") >= 2
    assert main(["design", "--p0", "0.5", "--p1", "0.3"]) == 2
    assert "p1" in capsys.readouterr().err


def test_matplotlib_only_in_plotting() -> None:
    src = Path(ts.__file__).parent
    for path in src.glob("*.py"):
        if path.name == "plotting.py":
            continue
        text = path.read_text()
        assert "import matplotlib" not in text, path.name
        assert "from matplotlib" not in text, path.name


def test_plot_functions_take_and_return_axes(result: ts.GoNoGoAnalysis) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from matplotlib import pyplot as plt

    from thera_stats import plotting

    _, ax = plt.subplots()
    assert plotting.waterfall_plot(result.endpoint, ax=ax) is ax
    _, ax2 = plt.subplots()
    out = plotting.operating_characteristics_plot(result.plan.design.to_simon(), ax=ax2)
    assert out is ax2
    y = out.get_lines()[0].get_ydata()
    assert np.all(np.diff(y) >= -1e-12)  # P(go) rises with p
    plt.close("all")


def test_cli_report_html_without_code(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "--out", str(tmp_path / "a")]) == 0
    captured = capsys.readouterr()
    assert "wrote" in captured.out
    assert "/" in captured.err  # progress lines "[ k/N] ..."
    html = (tmp_path / "a" / "final_report.html").read_text()  # same bytes: test_report.py
    assert "import thera_stats" not in html  # code cells are left out
    assert "Decision on phase III" in html
    assert "input_sha256" in html  # provenance
    assert main(["report", str(SYNTHETIC), "--out", str(SYNTHETIC)]) == 1
    assert main(["report", "--out", str(tmp_path / "a")]) == 1  # exists: needs --overwrite
    capsys.readouterr()
    bad = tmp_path / "bad"
    shutil.copytree(SYNTHETIC, bad)
    (bad / "vas.csv").write_text((bad / "vas.csv").read_text().replace("THR-001,0,81", "THR-001,0,n/a"))
    (bad / "patients.csv").write_text((bad / "patients.csv").read_text().replace(",M,45,", ",Q,45,"))
    assert main(["report", str(bad), "--out", str(tmp_path / "c")]) == 2
    err = capsys.readouterr().err
    assert "'n/a'" in err
    assert "'Q'" in err
    assert not (tmp_path / "c" / "final_report.html").exists()


def test_plan_levels_reach_every_interval(tmp_path: Path) -> None:
    dest = tmp_path / "trial"
    shutil.copytree(SYNTHETIC, dest)
    text = (dest / "plan.toml").read_text()
    text = text.replace("confidence_level = 0.9\n", "confidence_level = 0.8\n")
    text = text.replace("score_confidence_level = 0.95", "score_confidence_level = 0.9")
    (dest / "plan.toml").write_text(text)
    res = ts.analyze(ts.load_trial(dest))
    assert res.confidence_level == 0.8
    assert res.adjusted_interval.confidence_level == 0.8
    cols = {"subject": "patient_id", "day": "day", "baseline_day": 0}
    changes = ts.change_from_baseline(res.trial.score[["patient_id", "day", "vas_mm"]],
                                      value="vas_mm", **cols)
    expected = ts.summarize_change(changes, confidence_level=0.9, value="change", **cols)
    pd.testing.assert_frame_equal(res.change_summary, expected)
    assert "90 % CI" in res.memo()


@pytest.mark.parametrize(("n_patients", "expected"), [(17, "stop for futility"), (8, None)])
def test_futility_and_short_trials_analyse_and_plot(
    n_patients: int, expected: str | None, tmp_path: Path
) -> None:
    import matplotlib

    matplotlib.use("Agg")
    from thera_stats.plotting import write_figures

    trial = ts.simulate_trial(seed=3, n_patients=n_patients, response_rate=0.0, withdrawals=0)
    res = ts.analyze(trial)
    assert res.responses_stage1 <= 2
    if expected is not None:
        assert res.decision.action == expected
        assert res.adjusted.stage == 1
    assert res.n_total == n_patients
    assert "Decision" in res.memo()
    assert len(write_figures(res, tmp_path / "figs")) == 20
    res.write(tmp_path / "out")
