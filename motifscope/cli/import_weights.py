"""``motifscope import``: a published weight file → a run directory."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, out_dir

__all__ = ["import_command"]


@app.command("import")
def import_command(
    fmt: str = typer.Argument(..., metavar="FORMAT",
                              help="kipoi-deepsea, kipoi-beluga, kipoi-basset, selene-deepsea, "
                                   "keras-danq, keras-danq-jaspar or motifscope."),
    weights: Path = typer.Argument(..., help="The published weight file (.pth or .hdf5)."),
    out: Path = typer.Option(..., "--out", "-o", callback=out_dir, help="Run directory to create."),
    targets: Path | None = typer.Option(
        None, "--targets", help="Target names, one a line (default: DeepSEA's 919 for "
                                "919-output models)."),
    seq_len: int | None = typer.Option(None, "--seq-len",
                                       help="Input length, if not the published one."),
    base_order: str | None = typer.Option(
        None, "--base-order", help="Override the format's base order: ACGT or AGCT."),
    lstm_backward: str = typer.Option(
        "aligned", "--lstm-backward",
        help="DanQ only: backward LSTM outputs 'aligned' to forward time or 'reversed'."),
) -> None:
    """Import published pretrained weights as a run directory every analysis accepts.

    Parameters
    ----------
    fmt : str
        Weight format.
    weights : pathlib.Path
        Weight file.
    out : pathlib.Path
        Run directory to create (must not exist or be empty).
    targets : pathlib.Path or None
        Target names file.
    seq_len : int or None
        Input length.
    base_order : str or None
        Base order override.
    lstm_backward : str
        DanQ backward-output reading.
    """
    from motifscope.runs.convert import import_weights

    run = import_weights(fmt, weights, out, targets=targets, seq_len=seq_len,
                         base_order=base_order, lstm_backward=lstm_backward)
    typer.echo(f"imported {weights} ({fmt}) -> {run}")
