"""Build the documentation site with the notebooks' outputs: what their readers should see.

The notebooks are stored without outputs (``docs/notebooks/*.ipynb``). This script runs each
one from top to bottom in a fresh Jupyter kernel, with a temporary folder as its working
directory (so the run directories and files a notebook writes go there, never into the
checkout or the site), puts the executed copies into a temporary copy of ``docs/`` and builds
that with ``mkdocs build --strict``: the notebook pages then show every table, log line and
figure the code produced.

Usage::

    python tools/build_docs.py [--site-dir site] [--quick]

``--quick`` sets ``MOTIFSCOPE_NOTEBOOK_CI=1``, the notebooks' small settings (what the tests
use). ``tests/test_notebooks.py`` calls :func:`execute_notebook` and :func:`build_site`.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = sorted((ROOT / "docs" / "notebooks").glob("*.ipynb"))


def execute_notebook(path, workdir, *, quick: bool = True, timeout: int = 600):
    """Run a notebook in a fresh ``python3`` kernel with ``workdir`` as its folder.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.ipynb`` file (read, never written).
    workdir : str or os.PathLike
        The kernel's working directory (created); whatever the notebook writes lands here.
    quick : bool
        Set ``MOTIFSCOPE_NOTEBOOK_CI=1`` (the notebooks' small settings).
    timeout : int
        Seconds a cell may take.

    Returns
    -------
    nbformat.NotebookNode
        The notebook with its outputs.

    Raises
    ------
    nbclient.exceptions.CellExecutionError
        If a cell raises (the message names the cell).
    """
    import nbclient
    import nbformat

    nb = nbformat.read(path, as_version=4)
    Path(workdir).mkdir(parents=True, exist_ok=True)
    env = {"MPLBACKEND": "Agg", **({"MOTIFSCOPE_NOTEBOOK_CI": "1"} if quick else {})}
    saved = {k: os.environ.get(k) for k in env}
    os.environ.update(env)  # the kernel inherits this process's environment
    try:
        nbclient.NotebookClient(nb, timeout=timeout, kernel_name="python3",
                                resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        for k, v in saved.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return nb


def build_site(site_dir, executed: dict, *, strict: bool = True) -> subprocess.CompletedProcess:
    """Build the site from a copy of ``docs/`` whose notebooks are ``executed``.

    Parameters
    ----------
    site_dir : str or os.PathLike
        Where the site goes.
    executed : dict
        ``{notebook file name: executed NotebookNode}``; notebooks not in it are shown as
        stored (without outputs).
    strict : bool
        ``mkdocs build --strict`` (warnings fail the build).

    Returns
    -------
    subprocess.CompletedProcess
        The mkdocs run (``returncode``, ``stdout``, ``stderr``).
    """
    import nbformat

    with tempfile.TemporaryDirectory(prefix="motifscope-docs-") as tmp:
        tmp = Path(tmp)
        shutil.copytree(ROOT / "docs", tmp / "docs")
        shutil.copy(ROOT / "mkdocs.yml", tmp / "mkdocs.yml")
        for name, nb in executed.items():
            nbformat.write(nb, tmp / "docs" / "notebooks" / name)
        exe = shutil.which("mkdocs")
        cmd = [exe] if exe else [sys.executable, "-m", "mkdocs"]
        return subprocess.run(
            [*cmd, "build", *(["--strict"] if strict else []), "-q", "-f",
             str(tmp / "mkdocs.yml"), "--site-dir", str(Path(site_dir).resolve())],
            cwd=ROOT, capture_output=True, text=True, timeout=900,
            env={**os.environ, "NO_MKDOCS_2_WARNING": "1"})


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--site-dir", type=Path, default=ROOT / "site")
    ap.add_argument("--quick", action="store_true", help="the notebooks' small settings")
    a = ap.parse_args(argv)
    executed = {}
    with tempfile.TemporaryDirectory(prefix="motifscope-notebooks-") as work:
        for nb in NOTEBOOKS:
            print(f"executing {nb.name}", flush=True)
            executed[nb.name] = execute_notebook(nb, Path(work) / nb.stem, quick=a.quick)
    proc = build_site(a.site_dir, executed)
    sys.stdout.write(proc.stdout)
    sys.stderr.write(proc.stderr)
    if proc.returncode == 0:
        print(f"wrote {a.site_dir / 'index.html'}")
    return proc.returncode


if __name__ == "__main__":
    sys.exit(main())
