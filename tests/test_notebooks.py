"""Every notebook under ``docs/notebooks/`` executes from top to bottom, and the docs site shows
what it produced.

The notebooks are stored without outputs; each one runs in a fresh Jupyter kernel (nbclient,
the ``python3`` kernel that ipykernel installs) with a temporary folder as its working
directory (``tools/build_docs.py``), so a notebook that writes files leaves nothing in the
checkout or the site. A cell that raises fails the test and names the notebook and the cell.
The executed notebooks are then built into the site (``mkdocs build --strict``) and every
notebook page is opened in headless Chromium: each shows all the figures its notebook drew.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"


def _tool():
    spec = importlib.util.spec_from_file_location("build_docs", ROOT / "tools" / "build_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.fixture(scope="module")
def executed(tmp_path_factory):
    """Each notebook executed once per test session: ``run(path)`` → executed notebook."""
    pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    tool, cache = _tool(), {}

    def run(path):
        if path.name not in cache:
            try:
                cache[path.name] = tool.execute_notebook(path, tmp_path_factory.mktemp(path.stem))
            except nbclient.exceptions.CellExecutionError as e:  # pragma: no cover
                cache[path.name] = e
        got = cache[path.name]
        if isinstance(got, Exception):  # pragma: no cover - failure path
            pytest.fail(f"{path.name}: a cell failed:\n{str(got)[:4000]}")
        return got

    return run


def test_notebooks_exist_and_are_in_the_docs_nav():
    """The folder holds notebooks and each one is linked from the site's navigation."""
    assert NOTEBOOKS, "docs/notebooks/ holds no notebook"
    nav = (ROOT / "mkdocs.yml").read_text()
    for nb in NOTEBOOKS:
        assert f"notebooks/{nb.name}" in nav, f"{nb.name} is not in mkdocs.yml's nav"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebooks_are_stored_without_outputs(path):
    import json

    cells = json.loads(path.read_text())["cells"]
    assert not any(c.get("outputs") for c in cells if c["cell_type"] == "code"), (
        f"{path.name} is stored with outputs; clear them before committing")


@pytest.mark.slow
@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_executes(path, executed):
    """Run the notebook in a fresh kernel; any cell error fails the test."""
    nb = executed(path)
    assert any(c.get("outputs") for c in nb.cells if c.cell_type == "code"), (
        f"{path.name} ran but printed and drew nothing")


def _images(nb) -> int:
    """The figures a notebook drew (PNG, JPEG or SVG outputs)."""
    return sum(1 for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", [])
               if {"image/png", "image/jpeg", "image/svg+xml"} & set(o.get("data", {})))


def _mkdocs_available() -> bool:
    return all(importlib.util.find_spec(m) is not None
               for m in ("mkdocs", "mkdocstrings", "material", "mkdocs_jupyter"))


@pytest.mark.slow
@pytest.mark.browser
@pytest.mark.skipif(not _mkdocs_available(), reason="the docs extra is not installed")
def test_the_docs_site_shows_what_the_notebooks_show(executed, tmp_path):
    """Built strict from the executed notebooks, every notebook page shows every figure its
    notebook drew, loaded, with no console error; no file a notebook wrote is in the site."""
    if not os.path.exists(CHROMIUM):
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    pytest.importorskip("playwright.sync_api")
    from playwright.sync_api import sync_playwright

    done = {p.name: executed(p) for p in NOTEBOOKS}
    site = tmp_path / "site"
    proc = _tool().build_site(site, done)
    assert proc.returncode == 0, f"mkdocs build --strict failed:\n{proc.stdout}\n{proc.stderr}"
    written = [p for p in site.rglob("*") if p.suffix in (".pt", ".toml", ".h5", ".npz", ".mat",
                                                            ".meme", ".tsv", ".bed", ".bw")]
    assert not written, f"files the notebooks wrote reached the site: {written[:5]}"
    want = {name: _images(nb) for name, nb in done.items()}
    assert sum(want.values()) >= len(NOTEBOOKS), want  # the notebooks do draw
    shots = tmp_path / "screenshots"
    shots.mkdir()
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[
            "--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
            "--disable-background-networking", "--disable-component-update"])
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        for name, n in want.items():
            errors = []
            page.on("pageerror", lambda e, errors=errors: errors.append(str(e)))
            page.goto((site / "notebooks" / Path(name).stem / "index.html").as_uri())
            page.wait_for_load_state("load")
            page.wait_for_function("Array.from(document.images).every(i => i.complete)",
                                   timeout=20_000)
            shown = page.evaluate("Array.from(document.querySelectorAll('.jp-OutputArea img, "
                                  ".jp-RenderedImage img, .jp-RenderedSVG svg'))"
                                  ".filter(i => i.tagName === 'svg' || i.naturalWidth > 0).length")
            assert shown >= n, f"{name}: the page shows {shown} of the {n} figures it drew"
            page.screenshot(path=str(shots / f"{Path(name).stem}.png"), full_page=True)
            assert not errors, f"{name}: page errors {errors}"
        browser.close()


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
