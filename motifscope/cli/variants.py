"""``motifscope variants``: score a VCF's variants with a trained run against a reference
genome and explain the strongest (:mod:`motifscope.analysis.variants`)."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, check_device, out_dir

__all__ = ["variants_cmd"]


def _split(text: str | None) -> list[str]:
    return [t for t in (text or "").replace(" ", "").split(",") if t]


@app.command("variants")
def variants_cmd(
    run: Path = typer.Argument(..., help="Run directory (trained or imported)."),
    vcf: Path = typer.Option(..., "--vcf", help="VCF, plain or gzipped (1-based POS)."),
    fasta: Path = typer.Option(..., "--fasta", help="Reference genome FASTA, plain or bgzip."),
    out: Path = typer.Option(..., "--out", callback=out_dir, help="Output folder."),
    targets: str | None = typer.Option(None, "--targets",
                                          help="Comma-separated output indices (default all)."),
    ref_mismatch: str = typer.Option("skip", "--ref-mismatch",
                                     help="skip, use-genome, use-vcf or swap-if-alt-matches."),
    info: str | None = typer.Option(None, "--info", help="INFO fields to carry, e.g. AF,DP."),
    explain_top: int = typer.Option(10, "--explain-top", min=0,
                                    help="Explain the K variants of largest |log2 OR|."),
    explain: str | None = typer.Option(None, "--explain",
                                          help="IDs or CHROM:POS:REF:ALT to explain too."),
    db: str = typer.Option("jaspar", "--db", help="Motifs: jaspar, a motif file (any format read), or none."),
    method: str = typer.Option("deeplift_shap", "--method", help="deeplift_shap or ism."),
    single_strand: bool = typer.Option(False, "--single-strand",
                                       help="Forward strand only (default: both averaged)."),
    chunk_size: int = typer.Option(512, "--chunk-size", min=1,
                                   help="Variants per chunk (resume and shard unit)."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Windows per forward pass."),
    seed: int = typer.Option(0, "--seed", help="Seed of the DeepLIFT-SHAP shuffles."),
    device: str = typer.Option("cpu", "--device", callback=check_device, help="cpu, cuda or auto."),
) -> None:
    """Score every variant of a VCF (ref/alt probability, difference, log2 odds ratio per
    target) and explain the strongest with attributions and the motif they change.

    Writes OUT/variants.tsv, OUT/rejects.tsv, OUT/scores.h5, OUT/summary.json and the
    explanations; a rerun resumes from OUT/chunks. Under torchrun the ranks share the chunks.
    \f

    Parameters
    ----------
    run : pathlib.Path
        Run directory.
    vcf, fasta : pathlib.Path
        Variants and reference genome.
    out : pathlib.Path
        Output folder.
    targets : str or None
        Comma-separated output indices.
    ref_mismatch : str
        REF policy.
    info : str or None
        INFO fields.
    explain_top : int
        Variants explained.
    explain : str or None
        More variants to explain.
    db : str
        Motif database.
    method : str
        Attribution method of the explanations.
    single_strand : bool
        No strand averaging.
    chunk_size, batch_size : int
        Chunk and batch sizes.
    seed : int
        Seed.
    device : str
        Compute device.
    """
    from motifscope import analysis
    from motifscope.core.batch import world
    from motifscope.core.errors import ConfigError
    from motifscope.data.targets import parse_targets
    from motifscope.runs.directory import target_names

    if method not in ("deeplift_shap", "ism"):
        raise ConfigError(f"--method {method!r}: expected deeplift_shap or ism")
    motif_db = None if db.lower() == "none" else db
    ctx = analysis.context_for(run, seed=seed, device=device, motif_db=motif_db,
                               targets=None if not targets else parse_targets(targets, names=target_names(run)), out={"variants": out},
                               options={"variants": {
                                   "vcf": vcf, "fasta": fasta, "ref_mismatch": ref_mismatch,
                                   "info": _split(info), "explain_top": explain_top,
                                   "explain": _split(explain), "method": method,
                                   "strand_average": not single_strand, "chunk_size": chunk_size,
                                   "batch_size": batch_size, "progress": True}})
    res = analysis.run("variants", ctx)
    if world()[0] != 0:
        return
    s = res.data["summary"]
    rej = ", ".join(f"{k} {v}" for k, v in s["rejected"].items()) or "none"
    typer.echo(f"wrote {out}/variants.tsv: {s['scored']} of {s['records']} variants scored "
               f"({s['ref_mismatches']} REF mismatches; rejected: {rej}); "
               f"{len(res.data['explained'])} explained")
