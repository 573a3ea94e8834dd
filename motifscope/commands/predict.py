"""``motifscope predict``: predictions of a run on FASTA or DanQ-style HDF5 input."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.commands import app, check_device, out_file

__all__ = ["predict_command"]


@app.command("predict")
def predict_command(
    run: Path = typer.Argument(..., help="Run directory (motifscope train --out)."),
    data: Path = typer.Option(..., "--data", "-d",
                              help="FASTA (.fa) or HDF5 with 'testxdata' (N, 4, L), A,G,C,T."),
    out: Path = typer.Option(..., "--out", "-o", callback=out_file, help="preds.h5 (key 'pred') or preds.tsv."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Prediction batch size."),
    device: str = typer.Option("auto", "--device", callback=check_device, help="cpu, cuda or auto."),
) -> None:
    """Predict sigmoid probabilities (N, T) for every input sequence."""
    from motifscope.errors import InputError
    from motifscope.predict import predict_file
    from motifscope.rundir import load_run

    if not str(out).lower().endswith((".h5", ".hdf5", ".tsv", ".txt", ".csv")):
        raise InputError(f"--out {out}: expected a .h5 or .tsv file name")
    model = load_run(run).model
    path = predict_file(model, data, out, batch_size=batch_size, device=device)
    typer.echo(f"wrote {path}")
