"""``motifscope export``: a run's model → a plain PyTorch state dict plus a TOML card."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, out_file

__all__ = ["export_command"]


@app.command("export")
def export_command(
    run: Path = typer.Argument(..., help="Run directory (trained or imported)."),
    out: Path = typer.Option(..., "--out", "-o", callback=out_file,
                             help="State-dict file to write (.pt); the card goes to <out>.toml."),
) -> None:
    """Export a run's model as a state dict and card that others can load or import.

    Parameters
    ----------
    run : pathlib.Path
        Run directory.
    out : pathlib.Path
        Output ``.pt`` file.
    """
    from motifscope.runs.convert import export_run

    weights, card = export_run(run, out)
    typer.echo(f"wrote {weights} and {card}")
