"""Command-line verbs.

Each module of this package defines the verbs of one analysis with ``@app.command()``
(or ``@data_app.command()`` for ``motifscope data ...``). :func:`load_all` imports every
module, so adding a verb never means editing a shared list. Command functions parse
arguments, make one library call and write files; heavy imports stay inside them so
``motifscope --help`` is quick.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re

import typer

__all__ = ["app", "data_app", "load_all", "help_summary"]

app = typer.Typer(
    name="motifscope",
    help="Train the published DeepSEA-dataset models and explain what they learned.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


@app.callback()
def _global_options(
    trust_code: bool = typer.Option(
        False, "--trust-code",
        help="Allow a run directory's config.toml to name a [model] factory: this RUNS CODE "
        "FROM THE RUN DIRECTORY. Only for runs you trust. May also follow the verb.",
    ),
    debug: bool = typer.Option(False, "--debug", help="Show the traceback of an internal error."),
) -> None:
    """Options of every verb (``motifscope.cli.main`` reads them wherever they stand)."""


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
    for group in [app, *(g.typer_instance for g in app.registered_groups)]:
        for cmd in group.registered_commands:
            if cmd.help is None and cmd.callback is not None:
                cmd.help = help_summary(cmd.callback.__doc__)
    _loaded = True


_SECTION = re.compile(r"^\s*-{3,}\s*$")


def help_summary(doc: str | None) -> str:
    """The part of a numpydoc docstring that ``--help`` shows: everything before the first
    section (``Parameters``, ``Returns``, ...), whose options typer lists on its own.

    Parameters
    ----------
    doc : str or None
        A command function's docstring.

    Returns
    -------
    str
        The summary paragraphs, blank-line separated as written.
    """
    lines = inspect.cleandoc(doc or "").splitlines()
    for i in range(1, len(lines)):
        if _SECTION.match(lines[i]) and lines[i - 1].strip():
            lines = lines[: i - 1]
            break
    return "\n".join(lines).strip()
