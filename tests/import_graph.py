"""The import graph of a source tree, built from the syntax of its files (no import runs).

Used by ``tests/test_layers.py``; kept apart so a test can run it on a planted tree.

An edge ``a -> b`` means module ``a`` imports module ``b`` somewhere — at the top or inside
a function: a function-level import is a dependency as much as a top-level one, it only
runs later. ``from p import n`` is an edge to ``p.n`` when that is a module of the tree,
else to ``p``. Importing ``p.q.r`` runs ``p/__init__`` and ``p/q/__init__`` first; those
implicit edges are left out, so a package's ``__init__`` may import its own modules.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Import:
    """One import statement's target, where it stands, and what it takes."""

    source: str
    target: str
    line: int
    in_function: bool
    names: tuple = ()


@dataclass
class Graph:
    """Modules of a tree and their imports of each other."""

    modules: dict[str, Path]
    imports: list[Import] = field(default_factory=list)

    def edges(self) -> dict[str, set[str]]:
        out: dict[str, set[str]] = {m: set() for m in self.modules}
        for i in self.imports:
            if i.target != i.source:
                out[i.source].add(i.target)
        return out


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root.parent).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _in_function(tree: ast.AST) -> set[int]:
    lines = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
            for sub in ast.walk(node):
                if isinstance(sub, (ast.Import, ast.ImportFrom)):
                    lines.add(id(sub))
    return lines


def _absolute(module: str, is_package: bool, node: ast.ImportFrom) -> str:
    if not node.level:
        return node.module or ""
    base = module.split(".")
    base = base if is_package else base[:-1]
    base = base[: len(base) - (node.level - 1)]
    return ".".join(base + ([node.module] if node.module else []))


def build(root: str | Path) -> Graph:
    """The import graph of the package at ``root`` (a folder with an ``__init__.py``)."""
    root = Path(root)
    modules = {module_name(root, p): p for p in sorted(root.rglob("*.py"))}
    g = Graph(modules)
    top = root.name
    for mod, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        inner = _in_function(tree)
        is_pkg = path.name == "__init__.py"
        for node in ast.walk(tree):
            fn = id(node) in inner
            if isinstance(node, ast.Import):
                for a in node.names:
                    if a.name.split(".")[0] == top:
                        g.imports.append(Import(mod, _known(a.name, modules), node.lineno, fn))
            elif isinstance(node, ast.ImportFrom):
                base = _absolute(mod, is_pkg, node)
                if base.split(".")[0] != top:
                    continue
                for a in node.names:
                    sub = f"{base}.{a.name}"
                    target = sub if sub in modules else _known(base, modules)
                    g.imports.append(Import(mod, target, node.lineno, fn, (a.name,)))
    return g


def _known(name: str, modules) -> str:
    while name and name not in modules:
        name = name.rpartition(".")[0]
    return name


def cycles(graph: Graph) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    edges = graph.edges()
    index, low, stack, on, out = {}, {}, [], set(), []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                out.append(sorted(comp))

    for v in sorted(edges):
        if v not in index:
            visit(v)
    return out


def layer_of(module: str) -> str:
    """The layer a module belongs to: its top-level sub-package (``""`` for the root)."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def upward(graph: Graph, allowed: dict[str, set[str]]) -> list[str]:
    """Imports of a layer that ``allowed`` does not list for the importing layer."""
    bad = []
    for i in graph.imports:
        a, b = layer_of(i.source), layer_of(i.target)
        if a == b or b in allowed.get(a, set()):
            continue
        bad.append(f"{i.source}:{i.line} imports {i.target} ({a or 'root'} -> {b or 'root'})")
    return bad


def private_imports(graph: Graph) -> list[str]:
    """``from m import _name`` (or ``import p._m``) where ``m`` is in another package."""
    bad = []
    for i in graph.imports:
        pkg_of = lambda m: m if graph.modules[m].name == "__init__.py" else m.rpartition(".")[0]  # noqa: E731
        if pkg_of(i.target) == pkg_of(i.source) if i.target in graph.modules else True:
            continue
        private = [n for n in i.names if n.startswith("_") and not n.startswith("__")]
        private += [p for p in i.target.split(".") if p.startswith("_") and not p.startswith("__")]
        if private:
            bad.append(f"{i.source}:{i.line} takes {', '.join(private)} from {i.target}")
    return bad
