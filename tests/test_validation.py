"""The installation validation: shipped reference vectors, the report and the CLI command."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pandas as pd
import pytest

from thera_stats import validation
from thera_stats.cli import main
from thera_stats.validation import REPORT_NAME, ValidationReport, validate_install

REFERENCE = Path(__file__).parent / "reference"
MANIFEST = json.loads((validation.DATA_DIR / "manifest.json").read_text(encoding="utf-8"))
AREAS = {"binomial", "simon", "two_stage", "multistage", "curtailment", "bayesian", "off_plan",
         "mmrm", "vas", "trial"}


@pytest.fixture(scope="module")
def report() -> ValidationReport:
    return validate_install()


def shipped_files() -> list[str]:
    return sorted({f for spec in MANIFEST["checks"] for f in spec["files"]})


@pytest.mark.parametrize("name", shipped_files())
def test_shipped_copies_equal_tests_reference(name: str) -> None:
    assert (validation.DATA_DIR / name).read_bytes() == (REFERENCE / name).read_bytes(), (
        f"src/thera_stats/validation_data/{name} differs from tests/reference/{name}; copy it")


def test_manifest_lists_every_shipped_file_and_each_check_has_a_runner() -> None:
    on_disk = sorted(str(p.relative_to(validation.DATA_DIR)).replace("\\", "/")
                     for p in validation.DATA_DIR.rglob("*")
                     if p.is_file() and p.name != "manifest.json")
    assert on_disk == shipped_files()
    ids = [spec["id"] for spec in MANIFEST["checks"]]
    assert len(ids) == len(set(ids))
    assert set(ids) == set(validation._RUNNERS)
    for spec in MANIFEST["checks"]:
        assert spec["source"]
        assert spec["function"].startswith("thera_stats.")
        assert set(spec.get("exact", [])) <= set(spec["columns"])
    assert {spec["area"] for spec in MANIFEST["checks"]} == AREAS


def test_every_check_passes(report: ValidationReport) -> None:
    assert report.passed, report.summary()
    checks = report.checks
    assert list(checks["check"]) == [spec["id"] for spec in MANIFEST["checks"]]
    assert (checks["values"] > 0).all()
    assert (checks["failures"] == 0).all()
    assert (checks["error"] == "").all()
    assert checks["values"].sum() > 1000
    assert set(checks["area"]) == AREAS


def test_summary_has_one_line_per_area_and_a_verdict(report: ValidationReport) -> None:
    lines = report.summary().splitlines()
    assert len(lines) == len(AREAS) + 1
    assert all(line.startswith("PASS ") for line in lines[:-1])
    n = len(MANIFEST["checks"])
    assert lines[-1].startswith(f"PASSED: {n} of {n} checks")
    assert "PASSED" in repr(report)


def test_environment_lists_python_os_and_every_dependency(report: ValidationReport) -> None:
    env = report.environment
    for key in ("thera-stats", "Python", "Operating system"):
        assert env[key]
    for dep in ("numpy", "scipy", "pandas", "statsmodels", "matplotlib"):
        assert re.fullmatch(r"\d+\..+", env[f"dependency {dep}"]), dep


def test_html_is_self_contained(report: ValidationReport) -> None:
    page = report.to_html()
    assert "<script" not in page.lower()
    assert not re.search(r"""(src|href)\s*=\s*["']?\s*(https?:)?//""", page, re.IGNORECASE)
    assert "@import" not in page
    assert "http" not in page
    for spec in MANIFEST["checks"]:
        assert spec["id"] in page
    assert "PASSED" in page
    assert "Reviewed by" in page
    assert page.count("<h2>") >= 4


def corrupted_copy(tmp_path: Path, *, keep: set[str]) -> Path:
    """A copy of the shipped vectors whose manifest holds only the checks in ``keep``."""
    folder = tmp_path / "vectors"
    shutil.copytree(validation.DATA_DIR, folder)
    manifest = dict(MANIFEST, checks=[s for s in MANIFEST["checks"] if s["id"] in keep])
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    return folder


def test_a_corrupted_value_fails_and_the_cli_exits_1(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = corrupted_copy(tmp_path, keep={"simon-operating-characteristics",
                                            "fleming-boundaries"})
    oc = folder / "simon" / "oc_R.csv"
    frame = pd.read_csv(oc)
    frame.loc[2, "en_p0"] += 1e-6
    frame.to_csv(oc, index=False)
    monkeypatch.setattr(validation, "DATA_DIR", folder)
    assert main(["validate-install", "--out", str(tmp_path / "out")]) == 1
    out = capsys.readouterr().out
    assert "FAIL  simon" in out
    assert "PASS  multistage" in out
    assert "FAILED: 1 of 2 checks" in out
    page = (tmp_path / "out" / REPORT_NAME).read_text(encoding="utf-8")
    assert "FAILED" in page
    assert 'class="bad"' in page


def test_a_tightened_tolerance_fails(tmp_path: Path) -> None:
    folder = corrupted_copy(tmp_path, keep={"vas-location-tests"})
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["checks"][0].update(atol=0.0, rtol=0.0)
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = validate_install(data_dir=folder)
    assert not report.passed
    assert report.checks.loc[0, "failures"] > 0


def test_a_check_that_cannot_run_is_a_failure_not_a_crash(tmp_path: Path) -> None:
    folder = corrupted_copy(tmp_path, keep={"bayesian-predictive-probability"})
    (folder / "bayesian" / "predprob_r.csv").write_text("x,n\n1,2\n", encoding="utf-8")
    report = validate_install(data_dir=folder)
    assert not report.passed
    assert "KeyError" in report.checks.loc[0, "error"]


def test_cli_prints_summary_only_without_out(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    monkeypatch.setattr(validation, "DATA_DIR",
                        corrupted_copy(tmp_path, keep={"fleming-boundaries"}))
    monkeypatch.chdir(tmp_path)
    assert main(["validate-install"]) == 0
    out = capsys.readouterr().out
    assert out.splitlines()[0].startswith("PASS  multistage")
    assert "wrote" not in out
    assert not list(tmp_path.glob("*.html"))


def test_cli_refuses_to_overwrite_or_write_into_the_vectors(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
        capsys: pytest.CaptureFixture[str]) -> None:
    folder = corrupted_copy(tmp_path, keep={"fleming-boundaries"})
    monkeypatch.setattr(validation, "DATA_DIR", folder)
    out = tmp_path / "out"
    assert main(["validate-install", "--out", str(out)]) == 0
    assert (out / REPORT_NAME).exists()
    assert main(["validate-install", "--out", str(out)]) == 1
    assert "--overwrite" in capsys.readouterr().err
    assert main(["validate-install", "--out", str(out), "--overwrite"]) == 0
    assert main(["validate-install", "--out", str(folder / "sub")]) == 1
    assert "outputs never go into the inputs" in capsys.readouterr().err
    assert not (folder / "sub").exists()
    (tmp_path / "file").write_text("x", encoding="utf-8")
    assert main(["validate-install", "--out", str(tmp_path / "file")]) == 2


def test_every_area_of_the_package_has_a_check() -> None:
    # The areas issue 14 item 5 names, each with the check that covers it.
    wanted = {
        "exact intervals": "binomial-exact-intervals", "mid-p and likelihood-ratio":
        "binomial-independent-intervals", "Blaker and Sterne": "binomial-blaker-sterne",
        "exact tests": "binomial-exact-tests", "coverage": "binomial-coverage",
        "Simon": "simon-design-search", "Simon (clinfun)": "simon-clinfun",
        "two-stage inference": "two-stage-inference",
        "multi-stage inference": "multistage-inference",
        "lr and score orderings": "multistage-orderings",
        "OC of the engine": "multistage-operating-characteristics",
        "curtailment": "curtailment-non-stochastic", "Fleming": "fleming-boundaries",
        "Mander-Thompson": "mander-thompson-search",
        "Bayesian": "bayesian-predictive-probability", "off plan": "off-plan-conditional-error",
        "MMRM Satterthwaite": "mmrm-nlme-emmeans", "MMRM Kenward-Roger": "mmrm-kenward-roger",
        "MMRM Toeplitz": "mmrm-toeplitz-nlme", "location tests": "vas-location-tests",
        "whole trial": "trial-nrs",
    }
    ids = {spec["id"] for spec in MANIFEST["checks"]}
    assert set(wanted.values()) <= ids, set(wanted.values()) - ids


def test_subsampled_checks_say_so_in_their_source() -> None:
    sampled = [spec for spec in MANIFEST["checks"] if "every" in spec]
    assert sampled
    for spec in sampled:
        assert f"every {spec['every']}th row" in spec["source"], spec["id"]


def test_bundled_trial_files_are_hashed(report: ValidationReport) -> None:
    import hashlib

    from thera_stats.data import synthetic_data_path

    trial_files = {f for spec in MANIFEST["checks"] for f in spec.get("trial_files", [])}
    assert {"thera/vas.csv", "nrs/plan.toml", "nrs/pain.csv"} <= trial_files
    for f in trial_files:
        name, _, rest = f.partition("/")
        digest = hashlib.sha256((synthetic_data_path(name) / rest).read_bytes()).hexdigest()
        assert report.file_hashes[f"bundled trial {f}"] == digest
    assert "bundled trial nrs/pain.csv" in report.to_html()


def test_a_manifest_column_that_is_not_compared_fails(tmp_path: Path) -> None:
    folder = corrupted_copy(tmp_path, keep={"fleming-boundaries"})
    manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
    manifest["checks"][0]["columns"].append("p_go_p2")
    (folder / "manifest.json").write_text(json.dumps(manifest), encoding="utf-8")
    report = validate_install(data_dir=folder)
    assert not report.passed
    assert "p_go_p2" in report.checks.loc[0, "error"]


def test_a_corrupted_value_in_a_gzip_file_fails(tmp_path: Path) -> None:
    folder = corrupted_copy(tmp_path, keep={"binomial-blaker-sterne"})
    path = folder / "binomial" / "exact_sets.csv.gz"
    frame = pd.read_csv(path, comment="#")
    frame.loc[100, "high"] += 1e-9
    frame.to_csv(path, index=False)  # gzip, from the name
    report = validate_install(data_dir=folder)
    assert not report.passed
    assert report.checks.loc[0, "failures"] == 1
    assert report.checks.loc[0, "values"] == 15120


def test_the_whole_trial_check_fails_on_another_decision(tmp_path: Path) -> None:
    folder = corrupted_copy(tmp_path, keep={"trial-nrs"})
    path = folder / "nrs" / "expected.csv"
    frame = pd.read_csv(path, comment="#", dtype=str, keep_default_na=False)
    frame.loc[frame["quantity"] == "decision", "value"] = "no-go"
    frame.to_csv(path, index=False)
    report = validate_install(data_dir=folder)
    assert not report.passed
    assert report.checks.loc[0, "failures"] == 1


def test_the_docs_list_every_check() -> None:
    text = (Path(__file__).parents[1] / "docs" / "validation.md").read_text(encoding="utf-8")
    for spec in MANIFEST["checks"]:
        assert f"`{spec['id']}`" in text, spec["id"]
