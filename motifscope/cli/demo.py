"""``motifscope demo``: the main job on built-in simulated data."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, out_dir


@app.command("demo")
def demo_cmd(
    out: Path = typer.Option(Path("motifscope-demo"), "--out", callback=out_dir, help="Output folder."),
    seed: int = typer.Option(0, "--seed", help="Seed of the simulation, training and analyses."),
    epochs: int = typer.Option(None, "--epochs", min=1, help="Maximum training epochs per model "
                                                      "(default: each model card's)."),
    quick: bool = typer.Option(False, "--quick", help="Tiny configuration (about a minute)."),
    workers: int = typer.Option(None, "--workers", min=1, help="Processes training and analysing "
                                "models side by side (default: one per core, at most 3); each "
                                "step runs single-threaded, so the results do not depend on it."),
):
    """Simulate planted-motif data, train three demo models, run every analysis, write a report."""
    from motifscope.demo.job import run_demo

    res = run_demo(out, seed=seed, epochs=epochs, quick=quick, workers=workers)
    from motifscope.demo.scorecard import format_scorecard

    typer.echo("")
    typer.echo(format_scorecard(res.scorecard))
    typer.echo(f"\ntotal {res.seconds.get('total', 0):.0f} s; report: {res.report.resolve()}")
    if res.failures:
        typer.echo(f"{len(res.failures)} stage(s) failed:", err=True)
        for f in res.failures:
            typer.echo(f"  {f}", err=True)
        raise typer.Exit(1)
