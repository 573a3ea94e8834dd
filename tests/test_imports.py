"""Every module of the package imports on its own in a fresh interpreter.

An import cycle (module A imports B at top level, B imports A) only shows when the first
module imported is the one in the middle of the cycle; the test suite itself imports
modules in one fixed order and so hides it. Each module here is imported first, alone, in
its own ``python -c`` process.
"""

from __future__ import annotations

import pkgutil
import subprocess
import sys
from pathlib import Path

import pytest

import motifscope

ROOT = Path(motifscope.__file__).resolve().parents[1]


def _modules() -> list[str]:
    return sorted(
        m.name for m in pkgutil.walk_packages(motifscope.__path__, prefix="motifscope.")
    )


def test_every_module_imports_first_in_a_fresh_interpreter():
    """Each module is imported first into a package state with no motifscope module loaded.

    One child interpreter imports the third-party libraries once; before each module it
    drops every ``motifscope`` entry from ``sys.modules``, which for cycles inside the
    package is the same as a new interpreter (and 50 times faster than one per module).
    """
    mods = [m for m in _modules() if m != "motifscope.__main__"]  # __main__ runs the CLI
    assert "motifscope.data.stream" in mods and len(mods) > 40
    script = (
        "import importlib, sys, traceback\n"
        "bad = []\n"
        "for m in sys.argv[1:]:\n"
        "    for k in [k for k in sys.modules if k.split('.')[0] == 'motifscope']:\n"
        "        del sys.modules[k]\n"
        "    try:\n"
        "        importlib.import_module(m)\n"
        "    except Exception as e:\n"
        "        bad.append(f'{m}: {type(e).__name__}: {e}')\n"
        "print('\\n'.join(bad))\n"
        "sys.exit(1 if bad else 0)\n"
    )
    r = subprocess.run([sys.executable, "-c", script, *mods], capture_output=True, text=True,
                       cwd=ROOT, timeout=600)
    assert r.returncode == 0, f"modules that fail to import first:\n{r.stdout}{r.stderr}"


def test_main_module_runs_the_cli():
    """``python -m motifscope --help`` works from a fresh interpreter."""
    r = subprocess.run([sys.executable, "-m", "motifscope", "--help"], capture_output=True,
                       text=True, cwd=ROOT, timeout=300)
    assert r.returncode == 0 and "demo" in r.stdout, r.stderr


@pytest.mark.parametrize(("package", "name"), [
    ("motifscope.data", "DeepSEADataset"), ("motifscope.data", "read_ground_truth"),
    ("motifscope.data", "simulate_tfbs"), ("motifscope.runs", "load_run"),
    ("motifscope.runs", "import_weights"), ("motifscope.truth", "score"),
    ("motifscope.plot", "plot_logo"), ("motifscope.demo", "run_demo"),
])
def test_public_names_of_the_packages(package, name):
    """Each package exposes its public names in ``__all__``."""
    import importlib

    mod = importlib.import_module(package)
    assert callable(getattr(mod, name))
    assert name in mod.__all__


def test_public_data_names_do_not_shadow_modules():
    """A name equal to a submodule's name would turn into the module once imported."""
    import importlib
    import pkgutil

    data = importlib.import_module("motifscope.data")
    modules = {m.name for m in pkgutil.iter_modules(data.__path__)}
    assert not modules & set(data.__all__)
