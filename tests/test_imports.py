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


# ----------------------------------------------------------- the paths before 0.2, for one release

OLD_PATHS = [
    ("motifscope.kernels", "kernels_to_motifs", "motifscope.methods.kernels"),
    ("motifscope.data.deepsea", "read_mat", "motifscope.io.deepsea"),
    ("motifscope.attribution", "deeplift_shap", "motifscope.methods.attribution"),
    ("motifscope.attribution", "score_against_truth", "motifscope.truth.attribution"),
    ("motifscope.temporal", "score_rises_against_truth", "motifscope.truth.temporal"),
    ("motifscope.optimize", "contains_motif", "motifscope.truth.optimize"),
    ("motifscope.rundir", "load_run", "motifscope.runs.directory"),
    ("motifscope.zoo.convert", "import_weights", "motifscope.runs.convert"),
    ("motifscope.neuronmotif._core", "decouple", "motifscope.methods.neuronmotif.neuron"),
    ("motifscope.analysis.truth", "score", "motifscope.truth.scores"),
    ("motifscope.data.packed", "pack", "motifscope.io.pack"),
]


@pytest.mark.parametrize(("old", "name", "new"), OLD_PATHS)
def test_an_old_import_path_works_and_names_the_new_one(old, name, new):
    """``from <old> import <name>`` gives the same object, with a warning naming the new path."""
    code = (
        "import warnings, importlib\n"
        "warnings.simplefilter('error', FutureWarning)\n"
        f"new = getattr(importlib.import_module({new!r}), {name!r})\n"
        "try:\n"
        f"    from {old} import {name} as got\n"
        "except FutureWarning as w:\n"
        "    print('WARNED', w)\n"
        "warnings.simplefilter('ignore')\n"
        f"from {old} import {name} as got\n"
        "print('SAME', got is new)\n"
    )
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       timeout=300)
    assert r.returncode == 0, r.stderr
    # the first warning names the old path, or its moved parent package
    assert "WARNED motifscope." in r.stdout and " has moved to motifscope." in r.stdout, r.stdout
    assert "SAME True" in r.stdout


def test_old_package_attributes_warn_and_forward():
    import warnings

    import motifscope
    import motifscope.data
    import motifscope.zoo
    from motifscope.core.errors import MotifscopeDeprecationWarning
    from motifscope.io.deepsea import read_mat
    from motifscope.runs.convert import export_run

    with pytest.warns(MotifscopeDeprecationWarning, match="motifscope.io.deepsea.read_mat"):
        assert motifscope.data.read_mat is read_mat
    with pytest.warns(MotifscopeDeprecationWarning, match="motifscope.runs.export_run"):
        assert motifscope.zoo.export_run is export_run
    with pytest.warns(MotifscopeDeprecationWarning, match="motifscope.io.meme"):
        assert motifscope.meme.read_meme is motifscope.read_meme
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        with pytest.raises(AttributeError):
            _ = motifscope.no_such_name


def test_every_moved_module_has_a_home():
    """Each entry of the table points at a module that imports."""
    import importlib
    import warnings

    from motifscope.compat import MOVED, MOVED_NAMES

    for old, new in MOVED.items():
        importlib.import_module(new)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            assert importlib.util.find_spec(old) is not None, old
    for old, names in MOVED_NAMES.items():
        for name, home in names.items():
            assert hasattr(importlib.import_module(home), name), (old, name, home)


def test_the_top_level_api_is_curated_and_lazy():
    """``import motifscope`` loads no torch; every name of ``motifscope.API`` resolves."""
    code = ("import sys, motifscope\n"
            "assert 'torch' not in sys.modules, 'import motifscope loaded torch'\n"
            "names = dir(motifscope)\n"
            "for n in motifscope.API: assert n in names, n\n"
            "for n in motifscope.API: getattr(motifscope, n)\n"
            "for p in motifscope.PACKAGES: getattr(motifscope, p)\n"
            "print('ok')\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                       timeout=300)
    assert r.returncode == 0 and "ok" in r.stdout, r.stderr
