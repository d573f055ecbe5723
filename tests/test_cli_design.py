"""The ``design`` command for every design family (issue 11).

The numbers themselves are checked against references in the families' own test
modules; here the command must reach each family, print its exact operating
characteristics, and refuse options that belong to another family with exit 2.
"""

from __future__ import annotations

import json

import pytest

from thera_stats.cli import main

BASE = ["design", "--p0", "0.2", "--p1", "0.4"]


@pytest.mark.parametrize("extra", [
    ["--family", "mander-thompson"],
    ["--family", "mander-thompson", "--criterion", "optimal-p1"],
    ["--family", "three-stage"],
    ["--family", "three-stage", "--criterion", "minimax"],
    ["--family", "fleming", "--sizes", "15,30"],
    ["--family", "fleming", "--sizes", "10;20;30"],
    ["--family", "sargent", "--eta", "0.8", "--pi", "0.8"],
    ["--family", "sargent-two-stage", "--eta", "0.8", "--pi", "0.8", "--criterion", "minimax"],
])
def test_each_family_prints_its_design_and_exact_error_rates(
        extra: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, *extra]) == 0
    out = capsys.readouterr().out
    assert "prob_go" in out
    assert "expected_n" in out


@pytest.mark.parametrize("fmt", ["json", "csv"])
def test_family_design_as_json_and_csv(fmt: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, "--family", "fleming", "--sizes", "15,30", "--format", fmt]) == 0
    out = capsys.readouterr().out
    if fmt == "json":
        record = json.loads(out)
        assert record["family"] == "fleming"
        assert record["sizes"] == "15/30"
    else:
        assert out.splitlines()[0].startswith("family,")


@pytest.mark.parametrize(("extra", "message"), [
    (["--family", "fleming"], "needs --sizes"),
    (["--family", "fleming", "--sizes", "15,30", "--criterion", "minimax"], "no --criterion"),
    (["--family", "sargent"], "needs --eta"),
    (["--family", "three-stage", "--criterion", "admissible"], "optimal, minimax or optimal-p1"),
    (["--family", "mander-thompson", "--weight", "0.5"], "--weight is for --family simon"),
    (["--family", "mander-thompson", "--sizes", "10,20"], "--sizes is for --family fleming"),
    (["--family", "fleming", "--sizes", "15,30", "--efficacy"], "--efficacy is for"),
    (["--sizes", "10,20"], "for the other families"),
    (["--criterion", "optimal-p1"], "needs --family"),
    (["--family", "fleming", "--sizes", "30,15"], "increase"),
])
def test_options_of_another_family_are_usage_errors(
        extra: list[str], message: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main([*BASE, *extra]) == 2
    assert message in capsys.readouterr().err


def test_sizes_must_be_whole_numbers(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*BASE, "--family", "fleming", "--sizes", "15,x"])
    assert exc.value.code == 2
    assert "comma-separated list of whole numbers" in capsys.readouterr().err
