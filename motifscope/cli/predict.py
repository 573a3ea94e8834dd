"""``motifscope predict``: predictions of a run on FASTA, DanQ-style HDF5, BED or a region."""

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

__all__ = ["predict_command"]


@app.command("predict")
def predict_command(
    run: Path = typer.Argument(..., help="Run directory (motifscope train --out)."),
    data: Path = typer.Option(None, "--data", "-d",
                              help="FASTA (.fa) or HDF5 with 'testxdata' (N, 4, L), A,G,C,T."),
    out: Path = typer.Option(..., "--out", "-o", callback=out_file, help="preds.h5 (key 'pred') or preds.tsv."),
    bed: Path = BED_OPTION,
    region: str = REGION_OPTION,
    fasta: Path = FASTA_OPTION,
    stride: int = STRIDE_OPTION,
    tracks: Path = typer.Option(None, "--tracks", callback=out_dir,
                                help="Also write one bigWig per target here (--bed/--region)."),
    merge: str = typer.Option("mean", "--merge", help="Overlapping windows in --tracks: 'mean' "
                                                      "or 'centre' (each window's central "
                                                      "--stride bases)."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Prediction batch size."),
    device: str = typer.Option("auto", "--device", callback=check_device, help="cpu, cuda or auto."),
) -> None:
    """Predict sigmoid probabilities (N, T) for every input sequence or genome window."""
    from motifscope.core.errors import InputError
    from motifscope.methods.predict import predict, predict_file, write_predictions
    from motifscope.runs.directory import load_run

    if not str(out).lower().endswith((".h5", ".hdf5", ".tsv", ".txt", ".csv")):
        raise InputError(f"--out {out}: expected a .h5 or .tsv file name")
    if (data is None) == (bed is None and region is None):
        raise InputError("give --data FILE, or --bed FILE / --region chr:start-end with --fasta")
    if data is None and fasta is None:
        raise InputError("--bed / --region need --fasta (the reference genome)")
    if tracks is not None and data is not None:
        raise InputError("--tracks needs genome windows (--bed or --region)")
    model = load_run(run).model
    if data is not None:
        typer.echo(f"wrote {predict_file(model, data, out, batch_size=batch_size, device=device)}")
        return
    from motifscope.io.regions import load_regions

    L = getattr(model, "seq_len", None)
    if L is None:
        raise InputError(f"{run}: the model has no input length; cannot cut genome windows")
    genome, X, table = load_regions(fasta, L, bed=bed, region=region, stride=stride)
    pred = predict(model, X, batch_size=batch_size, device=device)
    typer.echo(f"wrote {write_predictions(pred, out, coords=table)} ({len(table)} windows)")
    if tracks is not None:
        from motifscope.io.tracks import merge_windows, write_bigwig

        centre = stride or max(L // 2, 1)
        for t in range(pred.shape[1]):
            write_bigwig(Path(tracks) / f"t{t}.bw",
                         merge_windows(table, pred[:, t], rule=merge, centre=centre), genome)
        typer.echo(f"wrote {pred.shape[1]} bigWig tracks to {tracks} (overlaps: {merge})")
