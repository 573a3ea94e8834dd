"""``motifscope similarity``: DeepATT query-vector similarity map and statistics."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, out_dir


@app.command("similarity")
def similarity_cmd(
    run: Path = typer.Argument(..., help="Run directory of a trained DeepATT-family model."),
    out: Path = typer.Option(None, "--out", callback=out_dir, help="Output directory [default: RUN/analyses/similarity]."),
    head: str = typer.Option("all", "--head", help="'all' or a head index 0..3."),
    order: str = typer.Option("category", "--order", help="'category' or 'cluster'."),
    permutations: int = typer.Option(1000, "--permutations", min=0, help="Permutations per p-value."),
    seed: int = typer.Option(0, "--seed", help="Seed of the permutations and the random control."),
):
    """Cosine similarity of DeepATT's target query vectors vs random queries."""
    from motifscope import analysis
    from motifscope.core.errors import InputError

    if order not in ("category", "cluster"):
        raise InputError(f"--order must be 'category' or 'cluster', got {order!r}")
    if head != "all" and not head.isdigit():
        raise InputError(f"--head must be 'all' or a head index, got {head!r}")
    ctx = analysis.context_for(run, seed=seed, out={"similarity": out}, options={"similarity": {
        "head": head if head == "all" else int(head), "order": order,
        "n_permutations": permutations}})
    if not analysis.get("similarity").applies(ctx.model):
        raise InputError(f"{run}: the model has no category attention (DeepATT, DeepATT-Plus)")
    res = analysis.run("similarity", ctx)
    if not res.data["statistics"].empty:
        typer.echo(res.data["statistics"].to_string(index=False))
    typer.echo(f"wrote {res.directory}")
