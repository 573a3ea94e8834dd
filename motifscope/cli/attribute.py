"""``motifscope attribute``: attributions of a trained run on sequences of a data file, written
for TF-MoDISco (see :mod:`motifscope.methods.attribution.export` for the two files).
"""

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
    out_file,
)

__all__ = ["attribute_cmd"]

_METHODS = ("saliency", "saliency_demo", "gradient_x_input", "integrated_gradients",
            "deeplift", "deeplift_shap", "ism")


def _regions(model, data, bed, region, fasta, stride, tracks, merge):
    """Genome windows (and the track options) when --bed/--region is given, else None."""
    from motifscope.core.errors import InputError

    if (data is None) == (bed is None and region is None):
        raise InputError("give --data FILE, or --bed FILE / --region chr:start-end with --fasta")
    if data is not None:
        if tracks is not None:
            raise InputError("--tracks needs genome windows (--bed or --region)")
        return None
    if fasta is None:
        raise InputError("--bed / --region need --fasta (the reference genome)")
    L = getattr(model, "seq_len", None)
    if L is None:
        raise InputError("the model has no input length; cannot cut genome windows")
    from motifscope.io.regions import load_regions

    genome, X, table = load_regions(fasta, L, bed=bed, region=region, stride=stride)
    return {"X": X, "coords": table, "genome": genome, "tracks": tracks, "merge": merge,
            "centre": stride or max(L // 2, 1)}


@app.command("attribute")
def attribute_cmd(
    run: Path = typer.Argument(..., help="Run directory (written by motifscope train)."),
    data: Path = typer.Option(None, "--data", help="DeepSEA-format .mat/.h5 or FASTA file of sequences."),
    bed: Path = BED_OPTION,
    region: str = REGION_OPTION,
    fasta: Path = FASTA_OPTION,
    stride: int = STRIDE_OPTION,
    tracks: Path = typer.Option(None, "--tracks", callback=out_dir,
                                help="Also write bigWig tracks of the contributions here "
                                     "(--bed/--region)."),
    merge: str = typer.Option("mean", "--merge", help="Overlapping windows in --tracks: 'mean' "
                                                      "or 'centre'."),
    method: str = typer.Option("deeplift_shap", "--method", help=", ".join(_METHODS) + "."),
    target: str = typer.Option(..., "--target",
                               help="Output index, range (0-4) or name, or several comma-separated (logits summed)."),
    n: int = typer.Option(1000, "--n", min=1, help="Number of sequences, from --start."),
    start: int = typer.Option(0, "--start", min=0, help="First row of --data."),
    batch_size: int | None = typer.Option(None, "--batch-size", min=1,
                                             help="Batch size (default: the method's)."),
    n_shuffles: int = typer.Option(20, "--n-shuffles", min=1,
                                   help="deeplift_shap references per sequence."),
    seed: int = typer.Option(0, "--seed", help="Seed of the dinucleotide shuffles."),
    lstm_rule: str = typer.Option("ig", "--lstm-rule",
                                  help="DeepLIFT rule for LSTMs: ig or linear."),
    device: str = typer.Option("cpu", "--device", callback=check_device, help="cpu, cuda or auto."),
    out: Path | None = typer.Option(
        None, "--out", callback=out_file, help="Output .npz (default <run>/analyses/attribute/<method>.npz)."),
) -> None:
    """Compute attributions of a trained model and write them for TF-MoDISco.

    Writes OUT (arr_0 = hypothetical contributions or attributions) and OUT.ohe.npz
    (arr_0 = sequences): run `modisco motifs -s OUT.ohe.npz -a OUT -n 2000` on them.
    \f

    Parameters
    ----------
    run : pathlib.Path
        Run directory.
    data : pathlib.Path or None
        DeepSEA-format sequences.
    bed, region, fasta, stride : optional
        Genome windows instead of ``data``.
    tracks : pathlib.Path or None
        Folder of bigWig contribution tracks.
    merge : str
        Overlap rule of the tracks.
    method : str
        Attribution method.
    target : str
        Index or comma-separated indices.
    n, start : int
        Rows ``start .. start+n`` of ``data``.
    batch_size : int or None
        Batch size.
    n_shuffles, seed : int
        DeepLIFT-SHAP references and their seed.
    lstm_rule : str
        ``ig`` or ``linear``.
    device : str
        Compute device.
    out : pathlib.Path or None
        Output file.
    """
    import numpy as np

    from motifscope import analysis, load_run
    from motifscope.analysis.base import read_sequences
    from motifscope.core.errors import ConfigError
    from motifscope.core.validation import check_model_input

    if method not in _METHODS:
        raise ConfigError(f"--method {method!r}: expected one of {', '.join(_METHODS)}")
    if n < 1 or start < 0:
        raise ConfigError(f"--n {n} / --start {start}: expected n >= 1 and start >= 0")
    if lstm_rule not in ("ig", "linear"):
        raise ConfigError(f"--lstm-rule {lstm_rule!r}: expected ig or linear")
    if batch_size is not None and batch_size < 1:
        raise ConfigError(f"--batch-size {batch_size}: expected a positive integer")
    from motifscope.data.targets import parse_targets
    from motifscope.runs.directory import target_names

    model = load_run(run).model
    tgt = parse_targets(target, option="--target", names=target_names(run),
                        n_targets=getattr(model, "n_targets", None))
    regions = _regions(model, data, bed, region, fasta, stride, tracks, merge)
    if regions is None:  # a DeepSEA-layout file (rows as stored) or FASTA
        X, _, _ = read_sequences(data, seq_len=getattr(model, "seq_len", None), start=start,
                                 n=n, as_stored=True)
        check_model_input(model, X, data)
    else:
        X = regions.pop("X")[start:start + n]
        regions["coords"] = regions["coords"].iloc[start:start + n].reset_index(drop=True)
    if X.shape[0] == 0:
        raise ConfigError(f"{data or bed or region}: no rows from --start {start}")
    ctx = analysis.Context(Path(run), model, X, targets=tgt, seed=seed, device=device,
                           out={"attribute": None if out is None else Path(out).parent},
                           options={"attribute": {
                               "method": method, "batch_size": batch_size,
                               "n_shuffles": n_shuffles, "lstm_rule": lstm_rule,
                               "rows": np.arange(start, start + X.shape[0]), **(regions or {}),
                               **({} if out is None else {"file": Path(out).name})}})
    res = analysis.run("attribute", ctx).data
    msg = (f"wrote {res['path']} and {res['ohe']}: {X.shape[0]} sequences, {method}, "
           f"target {target}")
    if res["delta"] is not None:
        msg += f", mean |summation-to-delta error| {res['delta']:.2e}"
    typer.echo(msg)
