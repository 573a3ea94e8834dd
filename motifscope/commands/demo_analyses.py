"""``motifscope temporal`` and ``motifscope optimize`` (DeMo Dashboard analyses)."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.commands import app, finite, out_dir, positive


def _check_target(ctx, target: int) -> None:
    """``--target`` names an output of the model (checked before any work)."""
    from motifscope.errors import InputError

    T = getattr(ctx.model, "n_targets", None)
    if T is None and ctx.y is not None:
        T = ctx.y.shape[1]
    if T is not None and not 0 <= target < T:
        raise InputError(f"--target {target} is out of range; the model has {T} targets "
                         f"(0..{T - 1})")


@app.command("temporal")
def temporal_cmd(
    run: Path = typer.Argument(..., help="Run directory."),
    data: Path = typer.Option(..., "--data", help="DeepSEA-layout .mat/.h5 file or FASTA."),
    target: int = typer.Option(..., "--target", min=0, help="Target index."),
    n: int = typer.Option(20, "--n", min=1, help="Number of sequences (positives for the target first)."),
    step: int = typer.Option(1, "--step", min=1, help="Score every STEP-th position."),
    reference: str = typer.Option("zeros", "--reference", help="'zeros' (N) or 'background' (0.25)."),
    out: Path = typer.Option(None, "--out", callback=out_dir, help="Output directory [default: RUN/analyses/temporal]."),
):
    """Temporal output scores: the target's score after each prefix and suffix."""
    from motifscope import analysis

    ctx = analysis.context_for(run, data, n=max(n * 50, 2000), targets=[target],
                               out={"temporal": out}, options={"temporal": {
                                   "target": target, "n": n, "step": step, "reference": reference}})
    _check_target(ctx, target)
    res = analysis.run("temporal", ctx)
    typer.echo(f"wrote {res.directory}")


@app.command("optimize")
def optimize_cmd(
    run: Path = typer.Argument(..., help="Run directory."),
    target: int = typer.Option(..., "--target", min=0, help="Target index."),
    steps: int = typer.Option(1000, "--steps", min=1, help="Optimiser steps (DeMo: 1000)."),
    restarts: int = typer.Option(4, "--restarts", min=1, help="Independent starts (best kept)."),
    parametrization: str = typer.Option("sequence", "--parametrization", help="'sequence' (straight-through one-hot input), 'softmax' or DeMo's 'raw'."),
    lr: float = typer.Option(0.05, "--lr", callback=positive, help="Learning rate (DeMo: 0.05)."),
    l2: float = typer.Option(0.009, "--l2", min=0, callback=finite, help="L2 weight λ (DeMo: 0.009)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    out: Path = typer.Option(None, "--out", callback=out_dir, help="Output directory [default: RUN/analyses/optimize]."),
):
    """Class optimisation: the input that maximises a target, as a PPM, logo and MEME."""
    from motifscope import analysis

    ctx = analysis.context_for(run, targets=[target], seed=seed, out={"optimize": out},
                               options={"optimize": {"steps": steps, "restarts": restarts,
                                                     "parametrization": parametrization,
                                                     "lr": lr, "l2": l2,
                                                     "stem": f"target_{target}"}})
    _check_target(ctx, target)
    res = analysis.run("optimize", ctx)
    typer.echo(f"target {target}: logit {res.data['results'][0].score:.3f}; wrote {res.directory}")
