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
        "bayesian", "bayesian_design", "fleming", "three_outcome", "conditional_power",
        "curtailment", "off_plan", "location", "mmrm", "longtable", "errors", "formatting",
        "_distributions", "_roots",
        "_checks", "_results"}
ENDPOINT = {"score"}
TRIAL = {"plan", "data", "adam", "analysis", "tables", "plotting", "report", "simulate",
         "template", "monitor", "sensitivity", "decision", "validation", "safety", "docx_tables",
         "cli",
         "__init__", "__main__"}


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


def import_graph() -> dict[str, set[str]]:
    """Each module and the thera_stats modules it imports (lazy imports included)."""
    return {p.stem: imported_modules(p) - {p.stem} for p in SRC.glob("*.py")}


def cycles_through(graph: dict[str, set[str]], start: str) -> list[list[str]]:
    """Every simple import cycle through ``start`` (depth-first search)."""
    out: list[list[str]] = []

    def walk(path: list[str]) -> None:
        for nxt in sorted(graph.get(path[-1], ())):
            if nxt == start:
                out.append([*path, start])
            elif nxt not in path:
                walk([*path, nxt])

    walk([start])
    return out


# The design, the multi-stage engine and the inference modules: decisions live in the
# design, inference takes the design's outcome, and no two of them import each other.
DESIGN_AND_INFERENCE = ["simon", "two_stage", "multistage", "multistage_inference", "off_plan"]


@pytest.mark.parametrize("module", DESIGN_AND_INFERENCE)
def test_no_import_cycle_through_the_design_and_inference_modules(module: str) -> None:
    assert cycles_through(import_graph(), module) == []


def test_import_directions_between_design_engine_and_inference() -> None:
    graph = import_graph()
    assert not graph["multistage"] & {"simon", "two_stage", "multistage_inference"}
    assert not graph["multistage_inference"] & {"simon", "two_stage"}
    # the off-plan rules read a design through its attributes: the engine imports them
    # (off_plan imports only the leaf _distributions, which imports no thera_stats module)
    assert not graph["off_plan"] - {"_distributions"}
    assert not graph["_distributions"]
    assert "simon" not in graph["two_stage"]  # two_stage takes any design with its interface
    assert {"multistage", "multistage_inference"} <= graph["two_stage"]


def test_cycle_finder_finds_a_cycle() -> None:
    assert cycles_through({"a": {"b"}, "b": {"c"}, "c": {"a"}}, "a") == [["a", "b", "c", "a"]]
    assert cycles_through({"a": {"b"}, "b": set()}, "a") == []
