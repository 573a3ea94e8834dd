"""``motifscope upgrade``: rewrite an older run directory's config.toml in the current format."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app

__all__ = ["upgrade_cmd"]


@app.command("upgrade")
def upgrade_cmd(
    run: Path = typer.Argument(..., help="Run directory written by an earlier version."),
):
    """Store the run's architecture in its config.toml, so later card edits never touch it.

    The old file is kept as config.v1.toml. A run that is already current is left as it is.
    """
    from motifscope.runs.directory import RUN_FORMAT, read_config, upgrade_run

    kept = upgrade_run(run)
    if kept is None:
        typer.echo(f"{run}: already in run-directory format {RUN_FORMAT}; nothing to do")
        return
    model = read_config(run)["model"]
    how = (f"rebuilt from the card as it was until {model['rebuilt_from']['replaced']}"
           if "rebuilt_from" in model else "from the current card")
    typer.echo(f"{run}: config.toml in format {RUN_FORMAT} ({how}); the old one is {kept.name}")
