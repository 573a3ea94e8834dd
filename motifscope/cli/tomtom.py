"""``motifscope tomtom``: compare motifs with JASPAR (or any MEME file) and write a TSV."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, finite, out_file

__all__ = ["tomtom_command"]


@app.command("tomtom")
def tomtom_command(
    motifs: Path = typer.Argument(..., help="Query motifs: a motif file in any format read (MEME, JASPAR, TRANSFAC, HOMER, ...)."),
    db: str = typer.Option(
        "jaspar:CORE/vertebrates", "--db",
        help="Targets: 'jaspar[:[RELEASE/]COLLECTION/TAX_GROUP]' or a motif file.",
    ),
    dist: str = typer.Option("pearson", "--dist", help="pearson (MEME default) or euclidean."),
    thresh: float = typer.Option(
        0.5, "--thresh", min=0, callback=finite, help="q-value threshold (E-value with --evalue)."
    ),
    evalue: bool = typer.Option(False, "--evalue", help="Threshold on the E-value."),
    min_overlap: int = typer.Option(5, "--min-overlap", min=1, help="Minimum overlapping columns."),
    out: Path = typer.Option(..., "--out", "-o", callback=out_file, help="Output TSV of matches."),
) -> int:
    """Run Tomtom (Gupta et al. 2007) of MOTIFS against a motif database."""
    from motifscope.core.atomic import atomic_open
    from motifscope.core.errors import ConfigError, InputError
    from motifscope.methods.tomtom import DISTANCES, tomtom

    if dist not in DISTANCES and dist != "ed":
        raise ConfigError(f"--dist must be one of {', '.join(DISTANCES)}; got {dist!r}")
    if not motifs.exists():
        raise InputError(f"{motifs}: no such file")
    if not db.lower().startswith("jaspar") and not Path(db).exists():
        raise InputError(f"--db {db}: no such file (or use 'jaspar:CORE/vertebrates')")
    df = tomtom(motifs, db, dist=dist, thresh=thresh, evalue=evalue, min_overlap=min_overlap)
    with atomic_open(out, "w") as fh:
        df.to_csv(fh, sep="\t", index=False, float_format="%.6g")
    n_q = df["query"].nunique()
    typer.echo(f"{len(df)} matches for {n_q} query motifs written to {out}")
    return 0
