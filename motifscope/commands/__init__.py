"""Command-line verbs.

Each module of this package defines the verbs of one analysis with ``@app.command()``
(or ``@data_app.command()`` for ``motifscope data ...``). :func:`load_all` imports every
module, so adding a verb never means editing a shared list. Command functions parse
arguments, make one library call and write files; heavy imports stay inside them so
``motifscope --help`` is quick.
"""

from __future__ import annotations

import importlib
import pkgutil

import typer

__all__ = ["app", "data_app", "load_all"]

app = typer.Typer(
    name="motifscope",
    help="Train the published DeepSEA-dataset models and explain what they learned.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
data_app = typer.Typer(help="Convert and inspect data files.", no_args_is_help=True)
app.add_typer(data_app, name="data")

_loaded = False


def load_all() -> None:
    """Import every command module once so that its verbs register on :data:`app`."""
    global _loaded
    if _loaded:
        return
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    _loaded = True
