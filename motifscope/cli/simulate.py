"""``motifscope simulate``: write the simulated DeepSEA-format data set."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, finite, out_dir

__all__ = ["simulate_cmd"]


@app.command("simulate")
def simulate_cmd(
    out: Path = typer.Option(..., "--out", callback=out_dir, help="Output folder."),
    n_train: int = typer.Option(
        20000, "--n-train", min=2, help="Training sequences (both strands; even)."
    ),
    n_valid: int = typer.Option(2000, "--n-valid", min=1, help="Validation sequences."),
    n_test: int = typer.Option(4000, "--n-test", min=2, help="Test sequences (both strands; even)."),
    length: int = typer.Option(1000, "--length", min=1, help="Sequence length in bp."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    gc: float = typer.Option(0.41, "--gc", min=0, max=1, callback=finite, help="GC fraction of the background."),
    motifs: Path | None = typer.Option(
        None, "--motifs", help="MEME file of motifs to plant (default: 12 JASPAR TFs)."
    ),
    p_motif: float = typer.Option(0.25, "--p-motif", min=0, max=1, callback=finite, help="Chance of each motif per sequence."),
    label_noise: float = typer.Option(0.0, "--label-noise", min=0, max=1, callback=finite, help="Label flip probability."),
    min_instance_quantile: float = typer.Option(
        0.0,
        "--min-instance-quantile",
        min=0,
        max=1,
        callback=finite,
        help="Plant only instances scoring at least this quantile of the motif's own "
        "instance scores (0 = plain PPM samples; the demo uses 0.5).",
    ),
) -> None:
    """Simulate sequences with planted JASPAR motifs, in the DeepSEA file layouts.

    \f

    Parameters
    ----------
    out : pathlib.Path
        Output folder.
    n_train, n_valid, n_test : int
        Sequences per split.
    length : int
        Sequence length.
    seed : int
        Random seed.
    gc : float
        Background GC fraction.
    motifs : pathlib.Path or None
        MEME file of motifs to plant.
    p_motif : float
        Probability of each single motif per sequence.
    label_noise : float
        Probability of flipping each label.
    min_instance_quantile : float
        Instance-strength filter (see :class:`~motifscope.data.simulate.SimulationParams`).
    """
    from motifscope.data.simulate import SimulationParams, simulate

    kw = {
        "n_train": n_train,
        "n_valid": n_valid,
        "n_test": n_test,
        "length": length,
        "seed": seed,
        "gc": gc,
        "p_motif": p_motif,
        "label_noise": label_noise,
        "min_instance_quantile": min_instance_quantile,
    }
    if motifs is not None:
        kw["motifs"] = motifs
    res = simulate(out, SimulationParams(), **kw)
    typer.echo(f"simulated {len(res.motifs)} motifs, {len(res.task_names)} tasks, L={length}")
    for key, path in res.files.items():
        typer.echo(f"  {key:9s} {path}")
    for note in res.missing_motifs:
        typer.echo(f"  missing motif: {note}")
