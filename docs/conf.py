"""Sphinx configuration for the thera_stats documentation.

Build from the repository root, in an environment with the package and its
``docs`` extra installed::

    docs/build.sh            # sphinx-build -W --keep-going -b html docs docs/_build/html

Pages that depend on code or files still being written are tolerated while they
are missing: an API page whose module does not exist yet is left out, and
``optional-toctree`` entries whose documents are absent are dropped (both are
logged). Set ``THERA_DOCS_STRICT=1`` to turn every such omission into a warning,
which fails a ``-W`` build.

Notebooks under ``notebooks/`` at the repository root are rendered through the
``docs/notebooks`` symbolic link and executed at every build (myst-nb), with the
notebook folder as working directory, exactly as when run in Jupyter.
``THERA_DOCS_NB_EXECUTION`` overrides the execution mode (``force`` by default;
``cache`` re-uses outputs while a notebook is unchanged, ``off`` skips
execution).
"""

from __future__ import annotations

import importlib
import importlib.util
import inspect
import os
import pkgutil
from pathlib import Path
from typing import Any

from docutils.statemachine import StringList
from sphinx.application import Sphinx
from sphinx.directives.other import TocTree
from sphinx.util import docname_join, logging
from sphinx.util.matching import patfilter

try:
    import thera_stats
except ImportError as err:  # pragma: no cover - a configuration error, not a doc problem
    raise RuntimeError(
        "thera_stats is not importable: install the package with its docs extra "
        "(pip install -e '.[docs]') before building the documentation"
    ) from err

logger = logging.getLogger("thera_docs")

DOCS = Path(__file__).resolve().parent
ROOT = DOCS.parent
STRICT = os.environ.get("THERA_DOCS_STRICT", "") not in ("", "0")

# -- Project -----------------------------------------------------------------

project = "thera_stats"
author = "thera_stats developers"
copyright = "thera_stats developers"  # no year: the same sources build the same pages
release = version = thera_stats.__version__

# -- General -----------------------------------------------------------------

extensions = [
    "sphinx.ext.autodoc",
    "sphinx.ext.autosummary",
    "sphinx.ext.extlinks",
    "sphinx.ext.mathjax",
    "matplotlib.sphinxext.plot_directive",
    "numpydoc",
    "myst_nb",
]

root_doc = "index"
exclude_patterns = [
    "_build",
    "**.ipynb_checkpoints",
    # Only the notebooks themselves are pages; anything else under notebooks/
    # (READMEs, helper folders, outputs) is not part of the site.
    "notebooks/*/**",
    "notebooks/**.md",
    "notebooks/**.rst",
]
nitpicky = False
suppress_warnings = [
    # A rich output without a renderer (a progress widget, say) is skipped.
    "mystnb.unknown_mime_type",
]

# -- Math, offline -------------------------------------------------------------
# MathJax is copied into the site (_static/mathjax) from the sphinx-mathjax-offline
# package (the docs extra) instead of loaded from a CDN, so formulas render with the
# network off; build.sh fails the build when a page loads anything from another host.
# The package's own Sphinx extension does the same at build end but does not declare
# itself safe for parallel builds (a warning under -W -j), so its files are used directly.
_mathjax_spec = importlib.util.find_spec("sphinx-mathjax-offline")
if _mathjax_spec is None or _mathjax_spec.origin is None:  # pragma: no cover
    raise RuntimeError("sphinx-mathjax-offline is not installed: pip install -e '.[docs]'")
MATHJAX_STATIC = Path(_mathjax_spec.origin).parent / "static"  # holds mathjax/
mathjax_path = "mathjax/tex-chtml.js"

# :doi:`10.2307/2533558` in docstrings and pages links to https://doi.org/...
extlinks = {"doi": ("https://doi.org/%s", "doi:%s")}

# -- API modules ---------------------------------------------------------------
# One page per module: docs/api/<module>.md. A page whose module does not exist
# yet is excluded; a public module without a page is a warning.

API_DIR = DOCS / "api"
API_PAGES = sorted(p.stem for p in API_DIR.glob("thera_stats*.md"))


def _module_exists(name: str) -> bool:
    try:
        return importlib.util.find_spec(name) is not None
    except ModuleNotFoundError:
        return False


MISSING_MODULES = [name for name in API_PAGES if not _module_exists(name)]
exclude_patterns += [f"api/{name}.md" for name in MISSING_MODULES]

# -- autodoc / autosummary / numpydoc ----------------------------------------

autodoc_default_options = {
    "members": True,
    "member-order": "bysource",
    "show-inheritance": True,
}
autodoc_typehints = "none"  # numpydoc sections give the types; signatures stay readable
autodoc_preserve_defaults = True
autosummary_generate = False  # tables only; every object is documented on its module page
autosummary_imported_members = False

numpydoc_show_class_members = False
numpydoc_show_inherited_class_members = False
numpydoc_class_members_toctree = False
numpydoc_attributes_as_param_list = True
numpydoc_xref_param_type = False
numpydoc_validation_checks: set[str] = set()

# -- MyST / myst-nb -------------------------------------------------------------

myst_enable_extensions = ["dollarmath", "amsmath", "colon_fence", "deflist"]
myst_heading_anchors = 3
myst_dmath_double_inline = True

nb_execution_mode = os.environ.get("THERA_DOCS_NB_EXECUTION", "force")
nb_execution_timeout = 900  # seconds per cell
nb_execution_raise_on_error = False  # a failing notebook is a warning with its traceback,
nb_execution_show_tb = True  # which fails the -W build
nb_execution_in_temp = False  # run in notebooks/, as Jupyter does
nb_kernel_rgx_aliases = {".*": "python3"}  # whatever kernel a notebook names, use this env's
nb_merge_streams = True
# Kernels inherit this environment: a CI-wide MPLBACKEND=Agg would keep figures out
# of the pages, so leave the choice to ipykernel (its inline backend).
os.environ.pop("MPLBACKEND", None)

# -- Plots (matplotlib's plot directive: the examples of the plotting API page) -----

plot_include_source = True
plot_html_show_source_link = False
plot_html_show_formats = False
plot_formats = [("png", 110)]
plot_pre_code = ""  # every example imports what it uses
# Saved with a tight bounding box, so long tick labels (interval method names) are not cut.
plot_rcparams = {"savefig.bbox": "tight"}
plot_apply_rcparams = True

# -- HTML ----------------------------------------------------------------------

html_theme = "pydata_sphinx_theme"
html_title = f"thera_stats {release}"
html_theme_options: dict[str, Any] = {
    "navigation_with_keys": False,
    "show_toc_level": 2,
    "navbar_align": "left",
}
html_last_updated_fmt: str | None = None
html_copy_source = False
html_static_path = ["_static", str(MATHJAX_STATIC)]
html_css_files = ["thera.css"]  # wide tables and formulas scroll inside the page
html_show_sourcelink = False


# -- Local directive: optional-toctree -----------------------------------------


class OptionalTocTree(TocTree):
    """A ``toctree`` that leaves out entries whose documents do not exist (yet).

    A literal entry is kept when its document exists; a glob entry (with
    ``:glob:``) when it matches a document not already listed. Dropped entries
    are logged, and are warnings when ``THERA_DOCS_STRICT`` is set.
    """

    def run(self) -> list[Any]:
        env = self.env
        here = env.docname
        remaining = set(env.found_docs) - {here}
        glob = "glob" in self.options
        kept, source = [], []
        for offset, entry in enumerate(self.content):
            text = entry.strip()
            if not text:
                continue
            target = text.rsplit("<", 1)[1].rstrip(">").strip() if text.endswith(">") else text
            docname = docname_join(here, target)
            if glob and any(c in target for c in "*?["):
                matches = set(patfilter(remaining, docname))
                remaining -= matches
                if not matches:
                    # A catch-all glob with nothing left to catch is not a missing page.
                    continue
                ok = True
            else:
                ok = docname in remaining
                remaining.discard(docname)
            if ok:
                kept.append(entry)
                source.append(self.content.items[offset])
            else:
                _omitted(f"{here}: toctree entry {text!r} left out (no such document yet)")
        self.content = StringList(kept, items=source)
        return super().run()


def _omitted(message: str) -> None:
    if STRICT:
        logger.warning(message)
    else:
        logger.info(message)


# -- Generated content ----------------------------------------------------------
# Pages may contain a MyST comment line "% thera-docs: <what>", replaced at read
# time with Markdown generated from the installed package.


def _cli_help() -> str:
    """``thera-stats --help`` and the help of every subcommand, as Markdown."""
    import argparse

    from thera_stats.cli import build_parser

    saved = {k: os.environ.get(k) for k in ("COLUMNS", "NO_COLOR", "PYTHON_COLORS")}
    os.environ.update(COLUMNS="88", NO_COLOR="1", PYTHON_COLORS="0")
    try:
        parser = build_parser()
        subcommands: dict[str, argparse.ArgumentParser] = {}
        for action in parser._actions:
            if isinstance(action, argparse._SubParsersAction):
                subcommands.update(action.choices)
        parts = ["## `thera-stats`", "", "```text", parser.format_help().rstrip(), "```", ""]
        for name in sorted(subcommands):
            parts += [f"## `thera-stats {name}`", "", "```text"]
            parts += [subcommands[name].format_help().rstrip(), "```", ""]
        return "\n".join(parts)
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v


def _documented_on_module_page(obj: Any, name: str) -> str | None:
    """The module whose API page documents ``obj``, or None."""
    modname = getattr(obj, "__module__", None)
    if not modname or not modname.startswith("thera_stats.") or modname not in API_PAGES:
        return None
    if any(part.startswith("_") for part in modname.split(".")):
        return None
    if getattr(obj, "__qualname__", name) != name:
        return None
    module = importlib.import_module(modname)
    public = getattr(module, "__all__", None)
    if public is not None and name not in public:
        return None
    return modname


def _public_api() -> str:
    """A table of ``thera_stats.__all__``, plus autodoc of names no module page covers."""
    rows, here = [], []
    for name in thera_stats.__all__:
        obj = getattr(thera_stats, name)
        if not (inspect.isclass(obj) or inspect.isfunction(obj)):
            continue  # __version__ and other data
        modname = _documented_on_module_page(obj, name)
        # Relative to the page's current module, thera_stats (autosummary insists).
        if modname is None:
            rows.append(f"~{name}")
            here.append((name, obj))
        else:
            rows.append(f"~{modname.removeprefix('thera_stats.')}.{name}")
    # autodoc's directives produce reStructuredText, so they go in eval-rst blocks.
    parts = ["```{eval-rst}", ".. autosummary::", "", *(f"   {r}" for r in rows), "```", ""]
    if here:
        parts += ["## Defined in the top-level namespace", "", "```{eval-rst}"]
        for name, obj in here:
            kind = "autoclass" if inspect.isclass(obj) else "autofunction"
            parts += [f".. {kind}:: thera_stats.{name}", ""]
        parts += ["```", ""]
    return "\n".join(parts)


GENERATORS = {"cli-help": _cli_help, "public-api": _public_api}


#: Page titles of notebooks that have none of their own: the report notebook starts at its
#: section headings, because the report's header (trial, dates, version) is made by code.
NOTEBOOK_TITLES = {
    "notebooks/final_report": "The report notebook (thera-stats report)",
}


def _notebook_title(docname: str, source: list[str]) -> None:
    """Give a notebook page a title (a first markdown cell "# ...") when it has none."""
    import json

    try:
        nb = json.loads(source[0])
    except ValueError:
        return
    cells = nb.get("cells", [])
    first = next((c for c in cells if c.get("cell_type") == "markdown"), None)
    text = "".join(first["source"]) if first else ""
    if text.lstrip().startswith("# "):
        return
    title = NOTEBOOK_TITLES.get(docname, Path(docname).name.replace("_", " ").capitalize())
    cells.insert(0, {"cell_type": "markdown", "id": "thera-docs-title", "metadata": {},
                     "source": [f"# {title}"]})
    source[0] = json.dumps(nb)


def _on_source_read(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname.startswith("notebooks/") and source[0].lstrip().startswith("{"):
        _notebook_title(docname, source)
        return
    marker = "% thera-docs: "
    if marker not in source[0]:
        return
    lines = []
    for line in source[0].splitlines():
        if line.startswith(marker):
            what = line[len(marker) :].strip()
            lines.append(GENERATORS[what]())
        else:
            lines.append(line)
    source[0] = "\n".join(lines) + "\n"


def _on_builder_inited(app: Sphinx) -> None:
    for name in MISSING_MODULES:
        _omitted(f"API page api/{name} left out: module {name} does not exist yet")
    public = {"thera_stats"} | {
        f"thera_stats.{m.name}"
        for m in pkgutil.iter_modules(thera_stats.__path__)
        if not m.name.startswith("_")
    }
    for name in sorted(public - set(API_PAGES)):
        logger.warning(f"module {name} has no API page: add docs/api/{name}.md and list it")


def setup(app: Sphinx) -> dict[str, Any]:
    app.add_directive("optional-toctree", OptionalTocTree)
    app.connect("source-read", _on_source_read)
    app.connect("builder-inited", _on_builder_inited)
    return {"parallel_read_safe": True, "parallel_write_safe": True}
