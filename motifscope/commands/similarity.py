"""``motifscope similarity``: DeepATT query-vector similarity map and statistics."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.commands import app, out_dir


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
    from motifscope import load_run
    from motifscope.errors import InputError
    from motifscope.similarity import similarity_analysis

    if order not in ("category", "cluster"):
        raise InputError(f"--order must be 'category' or 'cluster', got {order!r}")
    if head != "all" and not head.isdigit():
        raise InputError(f"--head must be 'all' or a head index, got {head!r}")
    r = load_run(run)
    model = getattr(r, "model", r)
    labels = categories = None
    groups = {}
    if getattr(model, "n_targets", None) == 919:
        from motifscope.data.targets import targets

        t = targets()
        labels = [f"{i} {c} | {a} | {tr}" for i, c, a, tr in zip(t.index, t["cell_type"], t["assay"], t["treatment"])]
        tf = t["category"].to_numpy() == "TF"
        groups = {
            "TF: same factor": [a if f else None for a, f in zip(t["assay"], tf)],
            "TF: same cell type": [c if f else None for c, f in zip(t["cell_type"], tf)],
        }
    out = out or Path(run) / "analyses" / "similarity"
    from motifscope.rundir import cleanup_on_failure

    with cleanup_on_failure(out):  # a failure half-way removes what this call wrote
        res = similarity_analysis(model, out, labels=labels, categories=categories,
                                  groups=groups, head=head if head == "all" else int(head),
                                  order=order, n_permutations=permutations, random_state=seed)
    if not res["statistics"].empty:
        typer.echo(res["statistics"].to_string(index=False))
    typer.echo(f"wrote {out}")
