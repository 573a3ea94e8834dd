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
