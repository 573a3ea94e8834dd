"""The layout is the architecture: an import graph built from the source, checked.

Every module belongs to a layer, its top-level folder (``motifscope/<layer>/``). A layer
may import the layers :data:`ALLOWED` lists for it and nothing above; no import cycle,
however it is written (top level or inside a function); no import of another package's
private names; internal imports at the top of the module, except in the command line,
whose verbs import their library inside the command so that ``motifscope --help`` does not
load torch, numba and matplotlib (measured in ``docs/architecture.md``). Each check is
shown failing on a planted tree.
"""

from __future__ import annotations

import ast
import textwrap
from pathlib import Path

import import_graph as ig
import pytest

import motifscope

ROOT = Path(motifscope.__file__).resolve().parent

_BELOW_METHODS = {"core", "io", "data", "zoo", "runs", "plot"}
#: layer -> the layers it may import ("" is the root package: ``__version__``, ``compat``).
ALLOWED: dict[str, set[str]] = {
    "": {"core", "compat"},
    "compat": {"core"},
    "__main__": {"cli"},
    "core": set(),
    "io": {"", "core"},
    "data": {"", "core", "io", "compat"},
    "zoo": {"", "core", "io", "compat"},
    "runs": {"", "core", "io", "data", "zoo"},
    "plot": {"", "core"},
    "methods": {""} | _BELOW_METHODS,
    "truth": {"", "methods"} | _BELOW_METHODS,
    "report": {"", "core", "io", "runs", "plot"},
    "analysis": {"", "methods", "report"} | _BELOW_METHODS,
    "train": {"", "methods", "analysis", "report"} | _BELOW_METHODS,
    "demo": {"", "methods", "analysis", "report", "train", "truth"} | _BELOW_METHODS,
    "cli": {"", "methods", "analysis", "report", "train", "truth", "demo"} | _BELOW_METHODS,
}
#: Folders whose modules may import motifscope inside functions (the CLI's start-up time).
LAZY_ALLOWED = ("motifscope.cli",)


@pytest.fixture(scope="module")
def graph():
    return ig.build(ROOT)


def test_every_folder_is_a_layer_with_a_docstring_saying_what_it_may_import():
    layers = {p.parent.name for p in ROOT.glob("*/__init__.py")}
    assert layers == set(ALLOWED) - {"", "compat", "__main__"}
    for init in sorted(ROOT.rglob("__init__.py")):
        doc = ast.get_docstring(ast.parse(init.read_text())) or ""
        assert "May import" in doc, f"{init.relative_to(ROOT)}: say what lives there and what it may import"


def test_no_import_cycle(graph):
    assert ig.cycles(graph) == []


def test_no_layer_imports_a_layer_above_it(graph):
    assert ig.upward(graph, ALLOWED) == []


def test_no_import_of_another_packages_private_names(graph):
    assert ig.private_imports(graph) == []


def test_internal_imports_are_at_module_level(graph):
    lazy = [f"{i.source}:{i.line} imports {i.target}" for i in graph.imports
            if i.in_function and not i.source.startswith(LAZY_ALLOWED)]
    assert lazy == []


def test_no_verb_imports_another_verb(graph):
    cross = [f"{i.source} -> {i.target}" for i in graph.imports
             if i.source.startswith("motifscope.cli.") and i.target.startswith("motifscope.cli.")
             and i.target != "motifscope.cli.app"]
    assert cross == []


# ----------------------------------------------------------------- the checks can fail


def _tree(tmp_path, files: dict[str, str]) -> Path:
    root = tmp_path / "pkg"
    for name, text in files.items():
        p = root / name
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(textwrap.dedent(text))
    return root


def test_a_planted_cycle_is_found_even_inside_a_function(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/a.py": "from pkg.core.b import x\n",
        "core/b.py": "def x():\n    from pkg.core import a\n    return a\n",
    })
    assert ig.cycles(ig.build(root)) == [["pkg.core.a", "pkg.core.b"]]


def test_a_planted_upward_import_is_found(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "core/__init__.py": "",
        "core/seq.py": "def f():\n    from pkg.report import render\n    return render\n",
        "report/__init__.py": "def render():\n    pass\n",
    })
    bad = ig.upward(ig.build(root), ALLOWED)
    assert bad == ["pkg.core.seq:2 imports pkg.report (core -> report)"]


def test_a_planted_private_import_is_found(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "io/__init__.py": "",
        "io/fmt.py": "_CHECK = 1\n",
        "data/__init__.py": "",
        "data/reader.py": "from pkg.io.fmt import _CHECK\n",
        "data/same.py": "from pkg.data.reader import _LOCAL\n",
    })
    assert ig.private_imports(ig.build(root)) == ["pkg.data.reader:1 takes _CHECK from pkg.io.fmt"]


def test_the_graph_resolves_submodules_and_relative_imports(tmp_path):
    root = _tree(tmp_path, {
        "__init__.py": "",
        "io/__init__.py": "",
        "io/meme.py": "",
        "io/other.py": "from . import meme\nfrom .meme import x\nimport pkg.io.meme as m\n",
    })
    g = ig.build(root)
    assert g.edges()["pkg.io.other"] == {"pkg.io.meme"}


def test_the_command_line_starts_without_the_library():
    """``motifscope --help`` must not pay for torch (the reason ``cli/`` imports lazily)."""
    import subprocess
    import sys

    code = ("import sys, motifscope.cli\n"
            "motifscope.cli.load_all()\n"
            "print(sorted(m for m in ('torch', 'numba', 'matplotlib', 'pandas') "
            "if m in sys.modules))\n")
    r = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert r.returncode == 0, r.stderr
    assert r.stdout.strip() == "[]"
