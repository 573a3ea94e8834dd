"""``motifscope kernels``: first-layer kernels of a trained run → MEME file (+ logos)."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, check_device, out_dir, out_file

__all__ = ["kernels_cmd"]


@app.command("kernels")
def kernels_cmd(
    run: Path = typer.Argument(..., help="Run directory (written by motifscope train)."),
    data: Path = typer.Option(..., "--data", help="DeepSEA-format file of example sequences."),
    n: int = typer.Option(10000, "--n", min=1, help="Read the first N sequences of --data."),
    targets: str | None = typer.Option(
        None,
        "--targets",
        help="Keep sequences positive for any of these targets (e.g. 351 = K562 NRSF).",
    ),
    method: str = typer.Option("danq", "--method", help="danq, basset, topn or weights."),
    top_n: int = typer.Option(
        100, "--top-n", min=1,
        help="topn: build each kernel's PPM from its N most activating sequences (DeepREG).",
    ),
    both_strands: bool = typer.Option(
        False, "--both-strands", help="Also scan reverse complements."
    ),
    out: Path | None = typer.Option(
        None, "--out", callback=out_file, help="MEME file to write (default <run>/analyses/kernels/motifs.meme)."
    ),
    logos: Path | None = typer.Option(
        None, "--logos", callback=out_dir, help="Also write one PNG logo per motif here."
    ),
    db: str | None = typer.Option(
        None, "--db", help="Also match the motifs with Tomtom: a motif file (any format read) or 'jaspar'."
    ),
    batch_size: int = typer.Option(128, "--batch-size", min=1, help="Sequences per batch."),
    device: str = typer.Option("cpu", "--device", callback=check_device, help="cpu, cuda or auto."),
) -> None:
    """Convert the first-layer kernels of a trained model into a MEME motif file.

    Writes the MEME file, logos of the kernels (the best-matching ones with --db), Tomtom
    matches (with --db) and the run's report section.
    """
    from motifscope import analysis
    from motifscope.core.errors import ConfigError
    from motifscope.data.targets import parse_targets
    from motifscope.methods.kernels import METHODS
    from motifscope.runs.directory import target_names

    if method not in METHODS:
        raise ConfigError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    if n < 1:
        raise ConfigError(f"--n {n}: expected a positive number of sequences")
    opts = {"method": method, "both_strands": both_strands, "n": n, "batch_size": batch_size,
            "top_n": top_n}
    if out is not None:
        opts["meme"] = Path(out).name
    if logos is not None:
        opts.update(logos_dir=str(Path(logos).resolve()), max_logos=10**9)
    ctx = analysis.context_for(
        run, None if method == "weights" and targets is None else data, n=n, device=device,
        targets=None if targets is None else parse_targets(targets, names=target_names(run)), motif_db=db,
        out={"kernels": None if out is None else Path(out).parent}, options={"kernels": opts})
    if targets is not None and ctx.y is None:
        from motifscope.core.errors import InputError

        raise InputError(f"{data}: no labels, so --targets cannot select sequences")
    res = analysis.run("kernels", ctx)
    typer.echo(f"{len(res.data['motifs'])} motifs from {res.data['n_sequences']} sequences "
               f"({method}) -> {res.directory / opts.get('meme', 'motifs.meme')}")
    typer.echo(f"sequences: {res.data['selection']}")
    if res.data["hits"] is not None:
        typer.echo(f"{res.data['hits']['query'].nunique()} motifs match {db} (Tomtom)")
