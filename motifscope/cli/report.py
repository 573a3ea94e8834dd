"""``motifscope report``: render a run directory as a static HTML site."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, out_dir


@app.command("report")
def report_cmd(
    run: Path = typer.Argument(..., help="Run directory (with analyses/*/section.json)."),
    out: Path = typer.Option(None, "--out", callback=out_dir, help="Output folder [default: RUN/report]."),
    title: str = typer.Option(None, "--title", help="Page title [default: the run's name]."),
):
    """Render the run's model card, training curves, metrics and every analysis as HTML."""
    from motifscope.report import render_report

    index = render_report(run, out, title=title)
    typer.echo(f"wrote {index}")
