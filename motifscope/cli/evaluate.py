"""``motifscope evaluate``: per-target AUROC/AUPR of a run on a labelled DeepSEA file."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, check_device, out_dir

__all__ = ["evaluate_command"]


@app.command("evaluate")
def evaluate_command(
    run: Path = typer.Argument(..., help="Run directory (motifscope train --out)."),
    data: Path = typer.Option(..., "--data", "-d", help="Labelled file, e.g. test.mat."),
    out: Path = typer.Option(None, "--out", "-o", callback=out_dir,
                             help="Output folder (default RUN/analyses/evaluate)."),
    n: int = typer.Option(None, "--n", min=1, help="Use only N rows (strand pairs kept together)."),
    strand: str = typer.Option("auto", "--strand",
                               help="Strand averaging: auto, halves, rc or none."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Prediction batch size."),
    device: str = typer.Option("auto", "--device", callback=check_device, help="cpu, cuda or auto."),
) -> None:
    """Per-target AUROC/AUPR (CSV + JSON); with 919 targets also the published comparison."""
    from motifscope.core.errors import ConfigError

    if strand not in ("auto", "halves", "rc", "none"):
        raise ConfigError(f"--strand {strand!r}: expected auto, halves, rc or none")
    from motifscope import analysis

    ctx = analysis.context_for(run, data, n=n, device=device, evaluate_layout=True,
                               out={"evaluate": out}, options={"evaluate": {
                                   "strand": strand, "batch_size": batch_size, "data": str(data)}})
    s = analysis.run("evaluate", ctx).data["summary"]
    typer.echo(f"AUROC {s['av_auroc']:.4f}  AUPR {s['av_aupr']:.4f}  over {s['n_scored']}/"
               f"{s['n_targets']} targets ({s['strand_average']}); wrote {s['files']['summary']}")
