"""NeuronMotif: decouple neurons of a deeper convolution layer into the motifs (and motif
grammar) they detect, and match them to a motif database.

Options (``ctx.options["neuronmotif"]``): ``layer`` (2), ``neurons`` (``"tasks"``, the
default when the context has labels: for each target of interest the channel contributing
most to it over its 200 first labelled positives, or the model's 200 top predictions where it
has none, :func:`~motifscope.methods.neuronmotif.task_neurons`, at most 12, 2 when quick; an int:
that many of the most strongly connected channels, the default without labels, 3; or a
selection such as ``"0-15"``, ``"1,4,7"``, ``"all"``), ``population`` (200; 100 when quick),
``max_forwards`` (10,000; 3,000 when quick; for both ``None`` means decouple_layer's
default), ``n_jobs`` (1), ``motif_nb`` (``"auto"``), ``resume`` (True).

On three separately trained demo CNNs, 12 task neurons at 10,000 forwards and a population
of 200 matched 11, 11 and 12 of the 12 planted motifs (18-22 s each on one thread); at
5,000 / 150 they matched 9, 9 and 9 (12-14 s). The 3 most strongly connected channels at
25,000 / 300 matched 4.

Files: ``layer<L>/`` as written by :func:`motifscope.methods.neuronmotif.decouple_layer` (one folder
per neuron with its CRM logos, MEME files and ``tomtom.tsv``; the layer's ``summary.tsv`` and
``allppm.npz``). The report page shows every neuron's logos with its best matches.
``Result.data``: ``neurons``, ``summary`` (DataFrame), ``hits`` (the neurons' Tomtom
matches, one DataFrame with a ``neuron`` column, or None), ``layer``, ``selection``.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from motifscope.analysis.base import Context, Result, describe_selection, finish
from motifscope.analysis.kernels import resolve_db
from motifscope.core.errors import InputError
from motifscope.methods.neuronmotif import (
    decouple_layer,
    read_summaries,
    strongest_neurons,
    task_neurons,
)
from motifscope.methods.neuronmotif.stack import ConvStack
from motifscope.report.blocks import Files, Gallery, GalleryItem, Metrics, Table, Text

NAME, TITLE, ORDER = "neuronmotif", "NeuronMotif", 50
#: Finished neurons are kept when a run fails or is interrupted, so that a rerun resumes.
RESUMABLE = True
__all__ = ["applies", "layer_blocks", "run"]


def applies(model) -> bool:
    """Models whose trunk is at least two plain convolution layers (NeuronMotif's CNNs).

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """

    try:
        return len(ConvStack(model).stages) >= 2
    except Exception:
        return False


def layer_blocks(ldir, summaries: list, prefix: str = "") -> list:
    """Report blocks of a decoupled layer, for the report's NeuronMotif page.

    One gallery item per neuron (its CRM logos over the receptive field; the caption gives
    the CRMs and sequences, the subtitle the best database matches; it links the neuron's
    ``crms.meme``), then the layer's ``summary.tsv`` and files.

    Parameters
    ----------
    ldir : str or os.PathLike
        The ``layer{L}`` folder.
    summaries : list of dict
        The neurons' ``done.json`` contents (:func:`read_summaries`).
    prefix : str
        Path of ``ldir`` relative to the section's folder (e.g. ``"layer2/"``).

    Returns
    -------
    list of Block
    """
    ldir = Path(ldir)
    items = []
    for s in summaries:
        d = f"neuron{s['neuron']:04d}"
        if not (ldir / d / "logos.png").exists():
            continue
        best = ", ".join(f"{b['name'] or b['target']} (q={b['q']:.2g})"
                         for b in s["best_matches"][:3])
        items.append(GalleryItem(f"{prefix}{d}/logos.png",
                                 caption=f"neuron {s['neuron']}: {s['n_crms']} CRMs, "
                                         f"{s['n_seqs']} sequences",
                                 subtitle=best or "no database match",
                                 link=f"{prefix}{d}/crms.meme"))
    layer = summaries[0]["layer"] if summaries else "?"
    rf = summaries[0]["rf"] if summaries else "?"
    return [Gallery(items, title=f"Layer {layer}: the CRMs of each neuron (receptive field {rf} bp)"),
            Table(f"{prefix}summary.tsv", title="Neurons", max_rows=200),
            Files([f"{prefix}summary.tsv"] + ([f"{prefix}allppm.npz"]
                                              if (ldir / "allppm.npz").exists() else []))]


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


def _neurons(ctx: Context, layer: int):
    """The ``neurons`` option resolved: task neurons, the strongest channels or a selection,
    and a sentence saying how task neurons' sequences were chosen ("" otherwise)."""

    neurons = ctx.option(NAME, "neurons", "tasks" if ctx.y is not None else 3)
    if neurons == "tasks":
        if ctx.X is None:
            raise InputError("neuronmotif: neurons='tasks' needs sequences to find the neuron "
                             "that contributes most to each target")
        targets = ctx.chosen_targets()[: 2 if ctx.quick else 12]
        chosen = np.zeros((ctx.X.shape[0], ctx.n_outputs()), dtype=np.float32)
        hows = {}
        for t in targets:  # labelled positives, or the model's top predictions
            rows, hows[t] = ctx.labelled_or_top(200, [t])
            chosen[rows, t] = 1
        return task_neurons(ctx.model, layer, ctx.X, chosen, targets), describe_selection(hows)
    if isinstance(neurons, int):
        return strongest_neurons(ctx.model, layer, neurons), ""
    return neurons, ""


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

    layer = int(ctx.option(NAME, "layer", 2))
    neurons, selection = _neurons(ctx, layer)
    out = ctx.output(NAME)
    kw = {}  # None: decouple_layer's own default
    for key, default in (("max_forwards", 3_000 if ctx.quick else 10_000),
                         ("population", 100 if ctx.quick else 200)):
        if ctx.option(NAME, key, default) is not None:
            kw[key] = int(ctx.option(NAME, key, default))
    summary = decouple_layer(
        ctx.model, layer, neurons, out.directory, targets=resolve_db(ctx.motif_db),
        random_state=ctx.seed, n_jobs=int(ctx.option(NAME, "n_jobs", 1)),
        motif_nb=ctx.option(NAME, "motif_nb", "auto"),
        resume=bool(ctx.option(NAME, "resume", True)), progress=False, **kw)
    neurons = [int(c) for c in summary["neuron"]]
    ldir = out.directory / f"layer{layer}"
    out.files.extend(sorted(p for p in ldir.rglob("*") if p.is_file()))
    hits = _hits(ldir, neurons)
    good = set() if hits is None else set(hits.loc[hits["q_value"] < 0.05, "target"])
    blocks = [Text(f"Layer-{layer} neurons {neurons} decoupled into CRM motifs (one row of logos "
                   "per CRM, over the neuron's receptive field); sub-motifs matched with Tomtom "
                   f"(q < 0.05). {selection}".strip()),
              Metrics({"neurons": len(neurons), "CRMs": int(summary["n_crms"].sum()),
                       "database motifs matched": len(good)}),
              *layer_blocks(ldir, read_summaries(ldir, neurons), prefix=f"layer{layer}/")]
    data = {"neurons": neurons, "summary": summary, "hits": hits, "layer": layer,
            "selection": selection}
    return finish(NAME, out, data, title=TITLE, order=ORDER,
                  summary=f"{len(neurons)} layer-{layer} neurons, {len(good)} database motifs matched",
                  blocks=blocks)
