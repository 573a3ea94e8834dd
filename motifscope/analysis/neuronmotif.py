"""NeuronMotif: decouple the strongest neurons of a deeper convolution layer into the motifs
(and motif grammar) they detect, and match them to a motif database.

Options (``ctx.options["neuronmotif"]``): ``layer`` (2), ``neurons`` (how many of the most
strongly connected channels: 3; 2 when quick), ``population`` (300; 200 when quick),
``max_forwards`` (25,000; 10,000 when quick), ``n_jobs`` (1).

Files: ``layer<L>/`` as written by :func:`motifscope.neuronmotif.decouple_layer` (one folder
per neuron with ``tomtom.tsv``, ``summary.tsv``, ``gallery.html``), ``summary.tsv``.
``Result.data``: ``neurons``, ``summary`` (DataFrame), ``hits`` (the neurons' Tomtom
matches, one DataFrame with a ``neuron`` column, or None), ``layer``.
"""

from __future__ import annotations

from motifscope.analysis._base import Context, Result, finish
from motifscope.report.blocks import Link, Metrics, Table, Text

NAME, TITLE, ORDER = "neuronmotif", "NeuronMotif", 50
__all__ = ["applies", "run"]


def applies(model) -> bool:
    """Models whose trunk is at least two plain convolution layers (NeuronMotif's CNNs)."""
    from motifscope.neuronmotif._stack import ConvStack

    try:
        return len(ConvStack(model).stages) >= 2
    except Exception:
        return False


def _hits(ldir, neurons):
    import pandas as pd

    tabs = []
    for c in neurons:
        f = ldir / f"neuron{c:04d}" / "tomtom.tsv"
        if f.exists() and f.stat().st_size:
            tab = pd.read_csv(f, sep="\t")
            if len(tab):
                tabs.append(tab.assign(neuron=c))
    return pd.concat(tabs, ignore_index=True) if tabs else None


def run(ctx: Context) -> Result:
    """Decouple the ``neurons`` most strongly connected channels of ``layer``.

    Parameters
    ----------
    ctx : Context
        ``motif_db`` is the Tomtom database of the sub-motifs.

    Returns
    -------
    Result
    """
    from motifscope.analysis.kernels import resolve_db
    from motifscope.neuronmotif import decouple_layer, strongest_neurons

    layer = int(ctx.option(NAME, "layer", 2))
    neurons = strongest_neurons(ctx.model, layer, int(ctx.option(NAME, "neurons", 2 if ctx.quick else 3)))
    out = ctx.output(NAME)
    summary = decouple_layer(
        ctx.model, layer, neurons, out.directory, targets=resolve_db(ctx.motif_db),
        random_state=ctx.seed, n_jobs=int(ctx.option(NAME, "n_jobs", 1)),
        population=int(ctx.option(NAME, "population", 200 if ctx.quick else 300)),
        max_forwards=int(ctx.option(NAME, "max_forwards", 10_000 if ctx.quick else 25_000)),
        progress=False)
    out.table(summary, "summary.tsv")
    hits = _hits(out.directory / f"layer{layer}", neurons)
    good = set() if hits is None else set(hits.loc[hits["q_value"] < 0.05, "target"])
    blocks = [Text(f"Layer-{layer} neurons {neurons} decoupled into CRM motifs; sub-motifs matched "
                   "with Tomtom (q < 0.05)."),
              Metrics({"neurons": len(neurons), "database motifs matched": len(good)}),
              Table("summary.tsv")]
    if (out.directory / f"layer{layer}" / "gallery.html").exists():
        blocks.append(Link(f"layer{layer}/gallery.html", text=f"open the layer-{layer} gallery",
                           copy_dir=f"layer{layer}"))
    data = {"neurons": neurons, "summary": summary, "hits": hits, "layer": layer}
    return finish(NAME, out, data, title=TITLE, order=ORDER,
                  summary=f"{len(neurons)} layer-{layer} neurons, {len(good)} database motifs matched",
                  blocks=blocks)
