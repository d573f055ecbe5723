"""Render the phase II report notebook against a data folder as HTML.

Needs the ``report`` extra (nbformat, nbclient, nbconvert, ipykernel):
``pip install 'thera-stats[report]'``.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

from thera_stats.errors import TheraStatsError

__all__ = ["render_report", "report_notebook_path"]

REPORT_NOTEBOOK = "final_report.ipynb"


def report_notebook_path() -> Path:
    """The report notebook: shipped in the package, or in the source tree's ``notebooks/``."""
    here = Path(__file__).resolve().parent
    for candidate in (here / "_notebooks" / REPORT_NOTEBOOK,
                      here.parents[1] / "notebooks" / REPORT_NOTEBOOK):
        if candidate.exists():
            return candidate
    raise FileNotFoundError(f"the report notebook {REPORT_NOTEBOOK} was not found")


def _stderr_progress(done: int, total: int, label: str) -> None:
    print(f"[{done:>2}/{total}] {label}", file=sys.stderr, flush=True)


def render_report(
    data_dir: str | Path,
    out: str | Path,
    *,
    progress: Callable[[int, int, str], None] | None = _stderr_progress,
    timeout: int = 600,
    overwrite: bool = False,
) -> Path:
    """Execute the report notebook for ``data_dir`` and write ``out/final_report.html``.

    The HTML shows the notebook's text, tables and figures without the code
    cells. Execution records no timings, so the same data give the same file.

    Parameters
    ----------
    data_dir : str or Path
        The trial folder (validated by the notebook's first step).
    out : str or Path
        Output folder (created if needed); never the data folder.
    progress : callable, optional
        Called as ``progress(done, total, label)`` after each cell; ``None``
        for silence. The default prints to standard error.
    timeout : int
        Seconds allowed per cell.

    Returns
    -------
    Path
        The HTML file written.
    """
    try:
        import nbformat
        from jupyter_client.manager import KernelManager
        from nbclient import NotebookClient
        from nbclient.exceptions import CellExecutionError
        from nbconvert import HTMLExporter
    except ImportError as err:
        raise TheraStatsError(
            f"rendering the report needs the 'report' extra ({err.name} is missing): "
            "pip install 'thera-stats[report]'"
        ) from None
    from thera_stats.data import check_output_folder, load_trial

    data_dir = Path(data_dir).resolve()
    out = check_output_folder(out, data_dir, ["final_report.html"], overwrite=overwrite)
    trial = load_trial(data_dir)  # every data problem at once, before a kernel is started
    nb: Any = nbformat.read(report_notebook_path(), as_version=4)
    # Papermill's convention: the parameters cell is followed by the injected values.
    where = next((i for i, c in enumerate(nb.cells)
                  if "parameters" in c.get("metadata", {}).get("tags", [])), -1)
    injected = nbformat.v4.new_code_cell(f"data_dir = {str(data_dir)!r}")
    injected.metadata["tags"] = ["injected-parameters"]
    injected["id"] = "injected-parameters"
    nb.cells.insert(where + 1, injected)

    code_cells = [i for i, c in enumerate(nb.cells) if c.cell_type == "code"]
    # Progress names the report section a cell belongs to, not its code.
    section, sections = "Setup", {}
    for i, c in enumerate(nb.cells):
        if c.cell_type == "markdown" and c.source.lstrip().startswith("#"):
            section = c.source.lstrip().splitlines()[0].lstrip("#").strip()
        sections[i] = section
    with tempfile.TemporaryDirectory() as workdir:
        # A local kernel talks over IPC sockets in the scratch folder: nothing listens
        # on the network, and the kernel has no TCP warning to print.
        manager = KernelManager(kernel_name="python3", transport="ipc",
                                ip=str(Path(workdir) / "kernel"))
        client = NotebookClient(
            nb, km=manager, timeout=timeout, kernel_name="python3", record_timing=False,
            resources={"metadata": {"path": workdir}},
        )
        try:
            with client.setup_kernel():
                for done, index in enumerate(code_cells, start=1):
                    cell = nb.cells[index]
                    try:
                        client.execute_cell(cell, index)
                    except CellExecutionError as err:
                        raise TheraStatsError(
                            f"the report notebook failed at cell {index + 1}: "
                            f"{str(err).strip().splitlines()[-1]}"
                        ) from None
                    if progress is not None:
                        progress(done, len(code_cells), sections[index])
        finally:
            # The client cleans up only a kernel it made itself; this one was lent.
            if client.kc is not None:
                client.kc.stop_channels()
            if manager.has_kernel:
                manager.shutdown_kernel(now=False)
            manager.cleanup_resources()
    exporter = HTMLExporter(exclude_input=True, exclude_input_prompt=True,
                            exclude_output_prompt=True)
    body, _ = exporter.from_notebook_node(
        nb, resources={"metadata": {"name": f"{trial.plan.name} phase II report"}})
    out.mkdir(parents=True, exist_ok=True)
    path = out / "final_report.html"
    path.write_text(body, encoding="utf-8")
    return path
