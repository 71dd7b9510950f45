"""The quick-start notebook (docs/notebooks/quickstart.ipynb) runs from top to bottom in a
Jupyter kernel on this interpreter, as a user's would: it loads a scenario, runs it, shows
its figure inline and runs a small experiment. A renamed public name, table column or
option, or a library import that switches matplotlib's backend away from the inline one
(so the figure is not shown), fails here."""

from __future__ import annotations

import json
import sys

import nbformat
from nbclient import NotebookClient

from tests.conftest import ROOT

NOTEBOOK = ROOT / "docs" / "notebooks" / "quickstart.ipynb"


def outputs(cell) -> list[dict]:
    return [o for o in cell.get("outputs", []) if "data" in o]


def test_quickstart_notebook_runs_and_shows_its_figure(tmp_path, monkeypatch):
    nb = nbformat.read(NOTEBOOK, as_version=4)
    nb.cells.append(nbformat.v4.new_code_cell("import sys; print(sys.executable)"))
    # a kernel on this interpreter (the project's .venv), whatever kernels the user installed
    spec = tmp_path / "kernels" / "flowsim-test"
    spec.mkdir(parents=True)
    (spec / "kernel.json").write_text(json.dumps({
        "argv": [sys.executable, "-m", "ipykernel_launcher", "-f", "{connection_file}"],
        "display_name": "flowsim (tests)", "language": "python"}))
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path))
    monkeypatch.delenv("MPLBACKEND", raising=False)      # the kernel chooses inline itself
    client = NotebookClient(nb, kernel_name="flowsim-test", timeout=600,
                            resources={"metadata": {"path": str(NOTEBOOK.parent)}})
    client.execute()            # raises CellExecutionError, naming the cell, if any cell fails

    *code, interpreter = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert interpreter.outputs[0]["text"].strip() == sys.executable
    shown = [o for cell in code for o in outputs(cell)]
    assert any("image/png" in o["data"] for o in shown), "the figure was not shown inline"
    headline = next(o["data"]["text/plain"] for cell in code if "headline" in cell.source
                    for o in outputs(cell))
    assert "TOTAL" in headline and "delivered" in headline
    summary = outputs(code[-2])[0]["data"]["text/plain"]
    for option in ("baseline", "secure-est-stockpiles", "border-posts"):
        assert option in summary
    assert "kept" in summary


def test_quickstart_notebook_is_stored_without_outputs():
    """The notebook in the repository carries no outputs: numbers and figures come from
    running it (here, or in the reader's Jupyter), never from a stale stored run."""
    nb = nbformat.read(NOTEBOOK, as_version=4)
    code = [cell for cell in nb.cells if cell.cell_type == "code"]
    assert code
    for cell in code:
        assert not cell.outputs and cell.execution_count is None, cell.source[:60]
