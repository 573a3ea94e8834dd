"""``motifscope kernels``: first-layer kernels of a trained run → MEME file (+ logos)."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.commands import app, check_device, out_dir, out_file

__all__ = ["kernels_cmd", "load_model"]


def load_model(run):
    """Load the model of a run directory (``motifscope.load_run``), defensively.

    \f

    Parameters
    ----------
    run : pathlib.Path
        The run directory.

    Returns
    -------
    torch.nn.Module
        The model in eval mode.
    """
    try:
        from motifscope import load_run
    except (ImportError, AttributeError):
        from motifscope.rundir import load_run
    loaded = load_run(run)
    return getattr(loaded, "model", loaded)


def _parse_targets(text: str) -> list[int]:
    from motifscope.errors import ConfigError

    try:
        out = [int(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError:
        raise ConfigError(
            f"--targets {text!r}: expected comma-separated target indices such as 351,352"
        ) from None
    if not out:
        raise ConfigError("--targets is empty; expected indices such as 351,352")
    return out


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
    method: str = typer.Option("danq", "--method", help="danq, basset or weights."),
    both_strands: bool = typer.Option(
        False, "--both-strands", help="Also scan reverse complements."
    ),
    out: Path | None = typer.Option(
        None, "--out", callback=out_file, help="MEME file to write (default <run>/analyses/kernels/motifs.meme)."
    ),
    logos: Path | None = typer.Option(
        None, "--logos", callback=out_dir, help="Also write one PNG logo per motif here."
    ),
    batch_size: int = typer.Option(128, "--batch-size", min=1, help="Sequences per batch."),
    device: str = typer.Option("cpu", "--device", callback=check_device, help="cpu, cuda or auto."),
) -> None:
    """Convert the first-layer kernels of a trained model into a MEME motif file.

    Parameters
    ----------
    run : pathlib.Path
        Run directory.
    data : pathlib.Path
        DeepSEA-format sequences (``read_mat``).
    n : int
        Number of sequences read from the start of ``data``.
    targets : str or None
        Comma-separated target indices; only sequences positive for any are used.
    method : str
        ``danq``, ``basset`` or ``weights``.
    both_strands : bool
        Also scan reverse complements.
    out : pathlib.Path or None
        Output MEME file.
    logos : pathlib.Path or None
        Folder for logos.
    batch_size : int
        Sequences per batch.
    device : str
        Compute device.
    """
    import torch

    from motifscope.errors import ConfigError, InputError
    from motifscope.kernels import METHODS, kernels_to_motifs
    from motifscope.meme import write_meme

    if method not in METHODS:
        raise ConfigError(f"--method {method!r}: expected one of {', '.join(METHODS)}")
    if n < 1:
        raise ConfigError(f"--n {n}: expected a positive number of sequences")
    if device == "auto":
        device = "cuda" if torch.cuda.is_available() else "cpu"
    model = load_model(run)
    X = None
    if method != "weights" or targets is not None:
        from motifscope._validation import check_model_input
        from motifscope.data.deepsea import read_mat

        X, y = read_mat(data, start=0, stop=n)
        check_model_input(model, X, data)
        if targets is not None:
            idx = _parse_targets(targets)
            if y is None:
                raise InputError(f"{data}: no labels, so --targets cannot select sequences")
            bad = [t for t in idx if not 0 <= t < y.shape[1]]
            if bad:
                raise ConfigError(f"--targets {bad}: the file has targets 0..{y.shape[1] - 1}")
            keep = torch.as_tensor(y)[:, idx].bool().any(1)
            X = X[keep]
            if X.shape[0] == 0:
                raise InputError(
                    f"{data}: none of the first {n} sequences is positive for targets {idx}"
                )
    motifs = kernels_to_motifs(
        model,
        X,
        method=method,
        both_strands=both_strands,
        batch_size=batch_size,
        device=device,
    )
    out = Path(out) if out is not None else Path(run) / "analyses" / "kernels" / "motifs.meme"
    out.parent.mkdir(parents=True, exist_ok=True)
    write_meme(motifs, out, style="danq" if method == "danq" else "meme")
    nseq = 0 if X is None else X.shape[0]
    typer.echo(f"{len(motifs)} motifs from {nseq} sequences ({method}) -> {out}")
    if logos is not None:
        from motifscope.logo import logo_gallery

        paths = logo_gallery(motifs, logos)
        typer.echo(f"{len(paths)} logos -> {logos}")
