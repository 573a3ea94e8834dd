"""``motifscope influence``: filter influence (Basset) and layer-DeepLIFT unit importance of a run."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, check_device, out_dir

__all__ = ["influence_command"]


@app.command("influence")
def influence_command(
    run: Path = typer.Argument(..., help="Run directory (motifscope train --out)."),
    data: Path = typer.Option(..., "--data", "-d", help="DeepSEA-format file or FASTA of sequences."),
    layer: str | None = typer.Option(
        None, "--layer", help="Convolution whose filters are nullified (default: the first)."),
    n: int = typer.Option(1000, "--n", min=1, help="Use the first N sequences."),
    out: Path = typer.Option(None, "--out", "-o", callback=out_dir,
                             help="Output folder (default RUN/analyses/influence)."),
    db: str | None = typer.Option(
        None, "--db", help="Match kernel motifs with Tomtom: a motif file, 'jaspar' or 'none' "
        "(default: reuse RUN/analyses/kernels/tomtom.tsv when present)."),
    batch_size: int = typer.Option(256, "--batch-size", min=1,
                                   help="Rows (ablated copies x sequences) per forward pass."),
    device: str = typer.Option("cpu", "--device", callback=check_device, help="cpu, cuda or auto."),
) -> None:
    """Which filters the model uses for which target: influence.tsv (filters x targets).

    Each filter's output is replaced by its mean over all sequences and positions and the
    mean change of every target's predicted probability is written, one row per filter
    named as in the kernels' MEME file; also the mean squared change, layer-DeepLIFT unit
    importance and the report section (clustered heatmap, kernel galleries).
    """
    from motifscope import analysis

    ctx = analysis.context_for(run, data, n=n, device=device, motif_db=db,
                               out={"influence": out},
                               options={"influence": {"layer": layer, "n": n,
                                                      "batch_size": batch_size}})
    res = analysis.run("influence", ctx)
    r = res.data["result"]
    typer.echo(f"{len(r.names)} filters of {r.layer} x {r.influence.shape[1]} targets over "
               f"{r.n_sequences} sequences -> {res.directory / 'influence.tsv'}")
    if res.data["selection"]:
        typer.echo(f"unit importance: {res.data['selection']}")
