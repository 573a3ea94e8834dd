"""Every notebook under ``docs/notebooks/`` executes from top to bottom without an error.

The notebooks are stored without outputs; this test runs each one in a fresh Jupyter kernel
(nbclient, the ``python3`` kernel that ipykernel installs) with the working directory set to a
temporary folder, so a notebook that writes files leaves nothing in the checkout. A cell that
raises fails the test and names the notebook and the cell.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))


def test_notebooks_exist_and_are_in_the_docs_nav():
    """The folder holds notebooks and each one is linked from the site's navigation."""
    assert NOTEBOOKS, "docs/notebooks/ holds no notebook"
    nav = (ROOT / "mkdocs.yml").read_text()
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.name}" in nav, f"{nb.name} is not in mkdocs.yml's nav"


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, tmp_path, monkeypatch):
    """Run the notebook in a fresh kernel; any cell error fails the test."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(path, as_version=4)
    assert not any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} is stored with outputs; clear them before committing"
    )
    env = {"MPLBACKEND": "Agg", "MOTIFSCOPE_NOTEBOOK_CI": "1"}
    monkeypatch.setattr(os, "environ", {**os.environ, **env})
    client = nbclient.NotebookClient(
        nb,
        timeout=600,
        kernel_name="python3",
        resources={"metadata": {"path": str(tmp_path)}},
    )
    try:
        client.execute()
    except nbclient.exceptions.CellExecutionError as e:  # pragma: no cover - failure path
        pytest.fail(f"{path.name}: a cell failed:\n{str(e)[:4000]}")


@pytest.mark.slow
def test_progress_bars_are_widgets_in_jupyter(tmp_path):
    """In a Jupyter kernel motifscope's progress bars (``tqdm.auto``) are ipywidgets, not text:
    the cell's output is a widget view and no 'IProgress not found' warning is printed."""
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    code = ("import torch\nfrom motifscope import zoo\nfrom motifscope.methods.predict import predict\n"
            "m = zoo.build('deepsea_demo', seq_len=50, n_targets=2).eval()\n"
            "p = predict(m, torch.zeros(8, 4, 50), batch_size=4, progress=True)")
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    nbclient.NotebookClient(nb, timeout=120, kernel_name="python3",
                            resources={"metadata": {"path": str(tmp_path)}}).execute()
    outputs = nb.cells[0].outputs
    views = [o for o in outputs if "application/vnd.jupyter.widget-view+json" in o.get("data", {})]
    assert views, f"no widget progress bar: {outputs}"
    assert not any("IProgress" in o.get("text", "") for o in outputs)
