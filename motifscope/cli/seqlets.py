"""``motifscope seqlets``: attributions of a trained run → seqlets annotated with known motifs
(the ``seqlets`` analysis, :mod:`motifscope.analysis.seqlets`)."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import (
    BED_OPTION,
    FASTA_OPTION,
    REGION_OPTION,
    STRIDE_OPTION,
    app,
    check_device,
    out_dir,
)

__all__ = ["seqlets_cmd"]

_METHODS = ("saliency", "gradient_x_input", "integrated_gradients", "deeplift", "deeplift_shap",
            "ism")


@app.command("seqlets")
def seqlets_cmd(
    run: Path = typer.Argument(..., help="Run directory (written by motifscope train)."),
    data: Path = typer.Option(None, "--data", help="DeepSEA-format .mat/.h5 or FASTA file."),
    bed: Path = BED_OPTION,
    region: str = REGION_OPTION,
    fasta: Path = FASTA_OPTION,
    stride: int = STRIDE_OPTION,
    target: str = typer.Option(..., "--target",
                               help="Output index, or comma-separated indices (logits summed)."),
    method: str = typer.Option("deeplift_shap", "--method", help=", ".join(_METHODS) + "."),
    motifs: str = typer.Option("jaspar", "--motifs",
                               help="Motif file to annotate with (any format read), 'jaspar' (CORE vertebrates) or 'none'."),
    n: int = typer.Option(1000, "--n", min=1, help="Read the first N sequences of --data."),
    controls: int = typer.Option(1, "--controls", min=0,
                                 help="Dinucleotide shuffles per sequence for the FDR (0: p-value threshold)."),
    target_fdr: float = typer.Option(0.1, "--fdr", help="Estimated false-discovery rate to call at."),
    threshold: float = typer.Option(0.01, "--threshold", help="p-value threshold when --controls 0."),
    n_shuffles: int = typer.Option(20, "--n-shuffles", min=1, help="deeplift_shap references."),
    gradient_correction: bool = typer.Option(False, "--gradient-correction",
                                             help="Majdandzic et al.'s correction of gradients."),
    modisco: bool = typer.Option(False, "--modisco",
                                 help="Also run TF-MoDISco (modisco-lite; minutes) and compare its "
                                 "patterns with the run's kernel and NeuronMotif motifs."),
    seed: int = typer.Option(0, "--seed", help="Seed of the shuffles."),
    device: str = typer.Option("cpu", "--device", callback=check_device, help="cpu, cuda or auto."),
    out: Path | None = typer.Option(None, "--out", callback=out_dir,
                                       help="Output folder (default <run>/analyses/seqlets)."),
) -> None:
    """Call seqlets in the attributions of a trained model and annotate them with known motifs.

    Writes seqlets.tsv (BED-like: sequence, start, end, name, score, strand, best motifs,
    Tomtom and FIMO p-values), seqlets.bed, motifs.tsv (per motif: count, mean contribution,
    positions, strands), fdr.tsv, attributions.npz and the run's report section.
    \f

    Parameters
    ----------
    run : pathlib.Path
        Run directory.
    data : pathlib.Path or None
        Sequences (DeepSEA layout or FASTA).
    bed, region, fasta, stride : optional
        Genome windows instead of ``data`` (seqlets then in genome coordinates).
    target : str
        Index or comma-separated indices.
    method : str
        Attribution method.
    motifs : str
        Motif database.
    n : int
        Sequences read.
    controls : int
        Shuffles per sequence for the FDR estimate.
    target_fdr, threshold : float
        The FDR to call at, or the p-value threshold without controls.
    n_shuffles : int
        DeepLIFT-SHAP references.
    gradient_correction : bool
        Correct gradients (gradient-based methods).
    modisco : bool
        Also run the ``modisco`` analysis.
    seed : int
        Seed.
    device : str
        Compute device.
    out : pathlib.Path or None
        Output folder.
    """
    from motifscope import analysis
    from motifscope.core.errors import ConfigError

    if method not in _METHODS:
        raise ConfigError(f"--method {method!r}: expected one of {', '.join(_METHODS)}")
    if not 0 < target_fdr <= 1:
        raise ConfigError(f"--fdr {target_fdr}: expected a rate in (0, 1]")
    if not 0 < threshold <= 1:
        raise ConfigError(f"--threshold {threshold}: expected a p-value in (0, 1]")
    db = None if motifs.lower() == "none" else motifs
    if modisco:
        from motifscope.methods.seqlets.modisco import modisco_available

        if not modisco_available():
            raise ConfigError("--modisco needs modisco-lite: pip install modisco-lite")
        if method not in ("deeplift", "deeplift_shap"):
            raise ConfigError(f"--modisco needs hypothetical contributions: use --method "
                              f"deeplift_shap (got {method})")
    opts = {"method": method, "n": n, "controls": controls, "target_fdr": target_fdr,
            "threshold": threshold, "n_shuffles": n_shuffles,
            "gradient_correction": gradient_correction}
    from motifscope.data.targets import parse_targets
    from motifscope.runs.directory import target_names

    if data is None and bed is None and region is None:
        raise ConfigError("give --data FILE, or --bed FILE / --region chr:start-end with --fasta")
    ctx = analysis.context_for(run, data, n=n, seed=seed, device=device, motif_db=db,
                               bed=bed, region=region, fasta=fasta, stride=stride,
                               targets=parse_targets(target, option="--target",
                                                     names=target_names(run)),
                               options={"seqlets": opts},
                               out={"seqlets": None if out is None else Path(out)})
    ctx.chosen_targets()  # the target range is checked before any work
    if ctx.y is not None:  # every sequence read is explained, positive or not
        ctx.y = None
    res = analysis.run("seqlets", ctx)
    s = res.data["seqlets"]
    n_ann = int(s["annotated"].sum()) if "annotated" in s else 0
    typer.echo(f"{len(s)} seqlets in {len(res.data['rows'])} sequences ({n_ann} annotated) "
               f"-> {res.directory / 'seqlets.tsv'}")
    typer.echo(f"sequences: {res.data['selection']}")
    if modisco:
        if out is not None:
            ctx.out["modisco"] = Path(out) / "modisco"
        m = analysis.run("modisco", ctx)
        typer.echo(f"{len(m.data['patterns'])} TF-MoDISco patterns -> {m.directory / 'views.tsv'}")
