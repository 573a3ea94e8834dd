"""``motifscope decouple``: NeuronMotif decoupling of the conv neurons of one layer."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, out_dir

__all__ = ["decouple_cmd"]


@app.command("decouple")
def decouple_cmd(
    run: Path = typer.Argument(..., help="Run directory (written by motifscope train)."),
    layer: int = typer.Option(..., "--layer", min=1, help="Conv layer, counted from 1."),
    neurons: str = typer.Option("all", "--neurons", help="Channels: 'all', '0-15' or '1,4,7'."),
    motif_nb: str = typer.Option(
        "auto", "--motif-nb", help="'auto' or an integer: k = pool size ** motif_nb per level."
    ),
    jobs: int = typer.Option(1, "--jobs", min=1, help="Neurons decoupled in parallel (processes)."),
    seed: int = typer.Option(0, "--seed", help="Random seed (neuron c uses seed + c)."),
    db: str = typer.Option(
        "jaspar", "--db", help="Motif database for Tomtom: 'jaspar', a motif file (any format read) or 'none'."
    ),
    out: Path | None = typer.Option(
        None, "--out", callback=out_dir, help="Output folder (default <run>/analyses/neuronmotif)."
    ),
    population: int | None = typer.Option(None, "--population", min=1, help="GA population."),
    no_resume: bool = typer.Option(False, "--no-resume", help="Recompute finished neurons."),
) -> None:
    """Decouple conv neurons into CRM motifs, sub-motifs, JASPAR matches and a report page.

    \f

    Parameters
    ----------
    run : pathlib.Path
        Run directory.
    layer : int
        Conv layer (1-based).
    neurons : str
        Channel selection.
    motif_nb : str
        ``auto`` or an integer >= 0.
    jobs : int
        Worker processes.
    seed : int
        Base random seed.
    db : str
        ``jaspar``, a MEME file or ``none``.
    out : pathlib.Path or None
        Output folder.
    population : int or None
        GA population (default: budget-limited, see ``default_population``).
    no_resume : bool
        Recompute neurons that already have ``done.json``.
    """
    from motifscope import analysis
    from motifscope.core.errors import ConfigError

    if motif_nb != "auto":
        try:
            motif_nb = int(motif_nb)
        except ValueError:
            raise ConfigError(f"--motif-nb {motif_nb!r}: expected 'auto' or an integer") from None
        if motif_nb < 0:
            raise ConfigError(f"--motif-nb {motif_nb}: must be >= 0")
    if jobs < 1:
        raise ConfigError(f"--jobs {jobs}: must be >= 1")
    targets = None if db.lower() == "none" else db
    if targets not in (None, "jaspar") and not Path(targets).is_file():
        raise ConfigError(f"--db {db}: no such motif file (or use 'jaspar' / 'none')")
    ctx = analysis.context_for(run, seed=seed, motif_db=targets, out={"neuronmotif": out},
                               options={"neuronmotif": {
                                   "layer": layer, "neurons": neurons, "motif_nb": motif_nb,
                                   "n_jobs": jobs, "resume": not no_resume,
                                   "population": population, "max_forwards": None}})
    res = analysis.run("neuronmotif", ctx)
    df = res.data["summary"]
    typer.echo(f"decoupled {len(df)} neurons of layer {layer}: {int(df['n_crms'].sum())} CRMs "
               f"in {res.directory}; `motifscope report {run}` shows them")
