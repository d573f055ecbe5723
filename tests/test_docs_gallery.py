"""The figure gallery (docs/gallery.md) shows every public figure of thera_stats.plotting;
the tables of the own-trial tutorial still fit the template.

A new figure function, or a new figure of the report, cannot be forgotten in the gallery:
each figure function must be called in one of the gallery's executed code cells, every
other public name of the module must at least be mentioned, and every file stem of the
report's figures must be named.
"""

from __future__ import annotations

import csv
import importlib.util
import inspect
import re
from pathlib import Path
from typing import Any

import pytest

from thera_stats import plotting

DOCS = Path(__file__).resolve().parents[1] / "docs"
GALLERY = DOCS / "gallery.md"

pytestmark = pytest.mark.skipif(not GALLERY.exists(), reason="no docs/ next to the tests")

CODE_CELL = re.compile(r"^```\{code-cell\}[^\n]*\n(.*?)^```", re.MULTILINE | re.DOTALL)


def _public_functions() -> dict[str, object]:
    """Functions defined in thera_stats.plotting whose names do not start with "_"."""
    return {name: obj for name, obj in inspect.getmembers(plotting, inspect.isfunction)
            if obj.__module__ == plotting.__name__ and not name.startswith("_")}


def _is_figure_function(obj: object) -> bool:
    """A figure function draws into axes: it takes ``ax`` or ``axes``."""
    parameters = inspect.signature(obj).parameters  # type: ignore[arg-type]
    return "ax" in parameters or "axes" in parameters


def _gallery_code() -> str:
    return "\n".join(CODE_CELL.findall(GALLERY.read_text(encoding="utf-8")))


def test_public_functions_cover_all() -> None:
    # Every name of __all__ is among the functions checked below (which also include a
    # public function that __all__ forgot).
    assert set(plotting.__all__) <= set(_public_functions())


def test_figure_functions_found() -> None:
    figures = {name for name, obj in _public_functions().items() if _is_figure_function(obj)}
    # Sanity of the classification, so the next test cannot pass vacuously.
    assert {"waterfall_plot", "flow_diagram", "sensitivity_plot"} <= figures
    assert "save_figure" not in figures


@pytest.mark.parametrize("name", sorted(_public_functions()))
def test_public_function_in_gallery(name: str) -> None:
    obj = _public_functions()[name]
    if _is_figure_function(obj):
        calls = re.findall(rf"\bplotting\.{name}\(", _gallery_code())
        assert calls, (f"plotting.{name} draws a figure but is not called in any code cell of "
                       f"{GALLERY}: add a section with the call that draws it")
    else:
        text = GALLERY.read_text(encoding="utf-8")
        assert re.search(rf"\b{name}\b", text), f"plotting.{name} is not mentioned in {GALLERY}"


@pytest.mark.parametrize("stem", plotting.REPORT_FIGURES)
def test_report_figure_in_gallery(stem: str) -> None:
    text = GALLERY.read_text(encoding="utf-8")
    assert f"| `{stem}` |" in text, (f"the report figure {stem!r} is missing from the table "
                                     f"of the report's figures in {GALLERY}")


def test_code_cells_are_executed_and_deterministic() -> None:
    text = GALLERY.read_text(encoding="utf-8")
    assert text.startswith("---\nfile_format: mystnb\n"), "the gallery must be a myst-nb page"
    code = _gallery_code()
    # Only bundled data and computed designs: no network, no unseeded randomness.
    for forbidden in ("http://", "https://", "urllib", "requests", "np.random", "random."):
        assert forbidden not in code, f"{forbidden!r} in a gallery code cell"


def test_gallery_is_linked() -> None:
    index = (DOCS / "index.md").read_text(encoding="utf-8")
    assert re.search(r"^gallery$", index, re.MULTILINE), "gallery is not in the toctree"
    api_page = (DOCS / "api" / "thera_stats.plotting.md").read_text(encoding="utf-8")
    assert "gallery" in api_page
    assert ".. plot::" in api_page, "the plotting API page has no example figures"


def test_plot_examples_have_their_own_files() -> None:
    # Without a filename prefix every plot directive of a MyST page writes the same image
    # file (each eval-rst block counts from 1), and the page shows the last figure each time.
    api_page = (DOCS / "api" / "thera_stats.plotting.md").read_text(encoding="utf-8")
    plots = api_page.count(".. plot::")
    prefixes = re.findall(r"^\s+:filename-prefix: (\S+)$", api_page, re.MULTILINE)
    assert len(prefixes) == plots
    assert len(set(prefixes)) == plots


# ------------------------------------------------------------------ the own-trial tutorial
# docs/own_trial.md fills a `thera-stats init` folder with docs/examples/own_trial_tables.py.
# The full page is checked by docs/examples/check_own_trial.py (minutes: it analyses five
# trials); this quick check catches a template or a rule that the tables no longer fit.


def _tutorial_tables() -> Any:
    path = DOCS / "examples" / "own_trial_tables.py"
    spec = importlib.util.spec_from_file_location("own_trial_tables", path)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def _write(folder: Path, tables: dict[str, list[list[object]]]) -> None:
    for stem, rows in tables.items():
        with (folder / f"{stem}.csv").open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(rows)


def test_tutorial_tables_fit_the_template(tmp_path: Path) -> None:
    import thera_stats as ts
    from thera_stats.errors import DataValidationError
    from thera_stats.template import write_template

    write_template(tmp_path)
    plan = tmp_path / "plan.toml"
    text = plan.read_text(encoding="utf-8")
    # The tutorial's edit of the plan: the data cut-off after the last enrolment.
    assert "# data_cutoff = 2025-06-30  " in text
    plan.write_text(text.replace("# data_cutoff = 2025-06-30  ", "data_cutoff = 2025-10-31    "),
                    encoding="utf-8")
    tables = _tutorial_tables().make_tables()
    template_header = (tmp_path / "adverse_events.csv").read_text(encoding="utf-8").strip()
    assert ",".join(map(str, tables["adverse_events"][0])) == template_header
    _write(tmp_path, tables)
    with pytest.raises(DataValidationError) as err:
        ts.load_trial(tmp_path)
    problems = err.value.problems
    # The two typing mistakes the tutorial finds, and the one deviation.
    assert sorted(problems.loc[problems["severity"] == "error", "column"]) == [
        "day", "doses_received"]
    assert (problems["severity"] == "deviation").sum() == 1

    # The tutorial's corrections.
    patients, score = tables["patients"], tables["score"]
    for row in patients:
        if row[0] == "MT-004":
            row[5] = 14
    for row in score:
        if row[0] == "MT-004" and row[1] == 31:
            row[1] = 13
    _write(tmp_path, tables)
    trial = ts.load_trial(tmp_path)
    assert len(trial.patients) == 43
    assert len(trial.deviations) == 1


def test_tutorial_binary_tables_fit_the_template(tmp_path: Path) -> None:
    from thera_stats.template import write_template

    write_template(tmp_path, endpoint="binary")
    tables = _tutorial_tables().make_binary_tables()
    for stem, rows in tables.items():
        header = (tmp_path / f"{stem}.csv").read_text(encoding="utf-8").strip()
        assert ",".join(map(str, rows[0])) == header
