"""``motifscope temporal``: temporal output scores of a target (DeMo Dashboard)."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, check_target, out_dir

__all__ = ["temporal_cmd"]


@app.command("temporal")
def temporal_cmd(
    run: Path = typer.Argument(..., help="Run directory."),
    data: Path = typer.Option(..., "--data", help="DeepSEA-layout .mat/.h5 file or FASTA."),
    target: int = typer.Option(..., "--target", min=0, help="Target index."),
    n: int = typer.Option(20, "--n", min=1, help="Number of sequences (positives for the target first)."),
    step: int = typer.Option(1, "--step", min=1, help="Score every STEP-th position."),
    reference: str = typer.Option(
        "shuffle", "--reference",
        help="What the model sees in the unseen part: 'shuffle' (the same positions of "
             "dinucleotide shuffles of the sequence), 'zeros' (N) or 'background' (0.25)."),
    out: Path = typer.Option(None, "--out", callback=out_dir, help="Output directory [default: RUN/analyses/temporal]."),
):
    """Temporal output scores: the target's score after each prefix and suffix."""
    from motifscope import analysis

    ctx = analysis.context_for(run, data, n=max(n * 50, 2000), targets=[target],
                               out={"temporal": out}, options={"temporal": {
                                   "target": target, "n": n, "step": step, "reference": reference}})
    check_target(ctx, target)
    res = analysis.run("temporal", ctx)
    typer.echo(f"sequences: {res.data['selection']}")
    typer.echo(f"wrote {res.directory}")
