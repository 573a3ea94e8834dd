"""The typer application of ``motifscope`` and the options its verbs share.

Each other module of :mod:`motifscope.cli` defines the verbs of one analysis with ``@app.command()``
(or ``@data_app.command()`` for ``motifscope data ...``). :func:`motifscope.cli.load_all` imports every
module, so adding a verb never means editing a shared list. Command functions parse
arguments, make one library call and write files; heavy imports stay inside them so
``motifscope --help`` is quick.
"""

from __future__ import annotations

import inspect
import re

import typer

__all__ = [
    "BED_OPTION",
    "FASTA_OPTION",
    "REGION_OPTION",
    "STRIDE_OPTION",
    "app",
    "check_device",
    "check_target",
    "data_app",
    "finite",
    "help_summary",
    "out_dir",
    "out_file",
    "positive",
]

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

#: Genome-window options shared by predict, attribute and seqlets (one definition, one help).
BED_OPTION = typer.Option(None, "--bed", help="BED3/BED6/narrowPeak intervals (with --fasta), "
                                              "each resized to the model's length.")
REGION_OPTION = typer.Option(None, "--region", help="chr:start-end (1-based, inclusive) tiled "
                                                    "every --stride bases (with --fasta).")
FASTA_OPTION = typer.Option(None, "--fasta", help="Reference genome for --bed / --region.")
STRIDE_OPTION = typer.Option(None, "--stride", min=1, help="Tiling step of --region "
                                                           "(default: half the model's length).")


def finite(value):
    """Option callback: refuse ``nan`` and ``inf`` (click's ranges let ``nan`` through).

    Parameters
    ----------
    value : float or None
        The parsed option value.

    Returns
    -------
    float or None
        ``value``.
    """
    import math

    if value is not None and not math.isfinite(value):
        raise typer.BadParameter(f"{value!r} is not a finite number")
    return value


def positive(value):
    """Option callback: a finite number greater than 0 (a learning rate, a step size).

    Parameters
    ----------
    value : float or None
        The parsed option value.

    Returns
    -------
    float or None
        ``value``.
    """
    finite(value)
    if value is not None and not value > 0:
        raise typer.BadParameter(f"{value!r} is not greater than 0")
    return value


def _check_out(param, value, directory: bool):
    from motifscope.core.errors import InputError
    from motifscope.core.validation import check_output

    if value is not None:
        try:
            check_output(value, "", directory=directory)
        except InputError as e:
            raise typer.BadParameter(str(e).strip()) from None
    return value


def out_file(param: typer.CallbackParam, value):
    """Option callback: ``value`` is a file that can be written (checked before the work).

    Parameters
    ----------
    param : typer.CallbackParam
        The option (named in the message).
    value : pathlib.Path or None
        The parsed option value.

    Returns
    -------
    pathlib.Path or None
        ``value``.
    """
    return _check_out(param, value, False)


def out_dir(param: typer.CallbackParam, value):
    """Option callback: ``value`` is a folder that can be created or written into.

    Parameters
    ----------
    param : typer.CallbackParam
        The option (named in the message).
    value : pathlib.Path or None
        The parsed option value.

    Returns
    -------
    pathlib.Path or None
        ``value``.
    """
    return _check_out(param, value, True)


def check_device(value):
    """Option callback for ``--device``: ``cpu``, ``auto``, or a device present here
    (``cuda``, ``cuda:N``, ``mps``), checked before any work starts.

    Parameters
    ----------
    value : str or None
        The parsed option value.

    Returns
    -------
    str or None
        ``value``.
    """
    if value is None or value in ("cpu", "auto"):
        return value
    m = re.fullmatch(r"(cuda|mps)(?::(\d+))?", str(value))
    if m is None:
        raise typer.BadParameter(f"{value!r}: expected cpu, auto, cuda, cuda:N or mps")
    import torch

    if m.group(1) == "mps":
        if not (getattr(torch.backends, "mps", None) and torch.backends.mps.is_available()):
            raise typer.BadParameter(f"{value!r}: MPS is not available here; use cpu or auto")
        return value
    if not torch.cuda.is_available():
        raise typer.BadParameter(f"{value!r}: CUDA is not available here; use cpu or auto")
    if m.group(2) is not None and int(m.group(2)) >= torch.cuda.device_count():
        raise typer.BadParameter(
            f"{value!r}: this machine has {torch.cuda.device_count()} CUDA device(s), "
            f"cuda:0..cuda:{torch.cuda.device_count() - 1}"
        )
    return value


def check_target(ctx, target: int) -> None:
    """``--target`` names an output of the model (checked before any work).

    Parameters
    ----------
    ctx : motifscope.analysis.Context
        The context the verb built (its model, and its labels where the model does not say
        how many targets it has).
    target : int
        The ``--target`` value.

    Raises
    ------
    InputError
        If the model has no output ``target``.
    """
    from motifscope.core.errors import InputError

    T = getattr(ctx.model, "n_targets", None)
    if T is None and ctx.y is not None:
        T = ctx.y.shape[1]
    if T is not None and not 0 <= target < T:
        raise InputError(f"--target {target} is out of range; the model has {T} targets "
                         f"(0..{T - 1})")


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
