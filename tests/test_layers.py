"""The three layers a reader sees in the file list: imports only go downwards.

Core modules take counts, arrays or long tables with caller-given column names and
import nothing of the endpoint or trial layers; the endpoint layer imports no trial
module. Checked on the source (every ``import`` and ``from ... import``, lazy
imports inside functions included).
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

import thera_stats

SRC = Path(thera_stats.__file__).parent
CORE = {"binomial", "simon", "two_stage", "multistage", "multistage_inference", "design_search",
        "bayesian", "bayesian_design",
        "curtailment", "location", "mmrm", "longtable", "errors",
        "_checks", "_results"}
ENDPOINT = {"score"}
TRIAL = {"plan", "data", "adam", "analysis", "tables", "plotting", "report", "simulate",
         "template", "cli", "__init__", "__main__"}


def imported_modules(path: Path) -> set[str]:
    """The thera_stats modules a source file imports (anywhere in the file)."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith(
                "thera_stats"):
            parts = node.module.split(".")
            if len(parts) > 1:
                out.add(parts[1])
            else:
                out.update(alias.name for alias in node.names)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                parts = alias.name.split(".")
                if parts[0] == "thera_stats" and len(parts) > 1:
                    out.add(parts[1])
    return out


def test_every_module_has_a_layer() -> None:
    modules = {p.stem for p in SRC.glob("*.py")}
    assert modules == CORE | ENDPOINT | TRIAL


@pytest.mark.parametrize("module", sorted(CORE))
def test_core_imports_no_endpoint_or_trial_module(module: str) -> None:
    assert not imported_modules(SRC / f"{module}.py") & (ENDPOINT | TRIAL)


@pytest.mark.parametrize("module", sorted(ENDPOINT))
def test_endpoint_imports_no_trial_module(module: str) -> None:
    assert not imported_modules(SRC / f"{module}.py") & TRIAL


def test_core_and_endpoint_carry_no_trial_words() -> None:
    """No THERA column name, unit or protocol day as a default in the general modules."""
    for module in sorted(CORE | ENDPOINT):
        tree = ast.parse((SRC / f"{module}.py").read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef) and not (
                    node.name.startswith("_")):
                defaults = [*node.args.defaults, *(d for d in node.args.kw_defaults if d)]
                for d in defaults:
                    if isinstance(d, ast.Constant) and isinstance(d.value, str):
                        assert d.value not in {"vas_mm", "baseline_mm", "change_mm",
                                               "patient_id", "day"}, (module, node.name)
