"""``motifscope optimize``: class optimisation of a target (DeMo Dashboard)."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, check_target, finite, out_dir, positive

__all__ = ["optimize_cmd"]


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
    check_target(ctx, target)
    res = analysis.run("optimize", ctx)
    typer.echo(f"target {target}: logit {res.data['results'][0].score:.3f}; wrote {res.directory}")
