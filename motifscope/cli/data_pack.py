"""``motifscope data pack``: convert a DeepSEA split into a packed directory."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import data_app, out_dir

__all__ = ["pack_command"]


@data_app.command("pack")
def pack_command(
    src: Path = typer.Argument(..., help="train.mat / valid.mat / test.mat (v7.3 or v5) or HDF5."),
    out: Path = typer.Option(..., "--out", "-o", callback=out_dir, help="Directory to create."),
    split: str = typer.Option(None, "--split", help="Variable prefix: train, valid or test "
                              "(detected when omitted)."),  # fmt: skip
    format: str = typer.Option("uint8", "--format", help="uint8 (one base per byte) or 2bit "
                               "(four bases per byte plus an N mask)."),  # fmt: skip
    chunk: int = typer.Option(65536, "--chunk", min=1, help="Rows converted per step."),
    force: bool = typer.Option(False, "--force", help="Replace an existing output directory."),
) -> None:
    """Convert a DeepSEA split into a compact memory-mapped directory (streamed, atomic)."""
    import time

    from motifscope.io.pack import pack
    from motifscope.io.packed import PackedFile

    t0 = time.perf_counter()
    pack(src, out, split=split, encoding=format, chunk=chunk, overwrite=force)
    p = PackedFile(out)
    size = sum(e["bytes"] for e in p.manifest["files"].values())
    typer.echo(
        f"packed {p.n} sequences x {p.length} bp, {p.n_targets} labels ({p.encoding}) into {out} "
        f"({size / 1e6:.1f} MB, {time.perf_counter() - t0:.1f} s)"
    )
