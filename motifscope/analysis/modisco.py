"""TF-MoDISco: patterns of the attributions (modisco-lite, run from Python) beside what the
first layer's kernels and the deep neurons (NeuronMotif) say, all matched to the motif
database — "what the first layer, the deep neurons and the attributions each say".

On request (``motifscope`` runs it where asked; not in the demo: on the demo CNN, 256
sequences × 200 bp took ~2 minutes on one shared CPU core, compilation included).

Inputs: the hypothetical contributions the ``seqlets`` analysis wrote
(``attributions.npz`` in its folder) when present, else DeepLIFT-SHAP
hypothetical contributions of up to ``n`` positives of the targets of interest. The kernel
motifs are ``<run>/analyses/kernels/motifs.meme`` and the neuron motifs every
``<run>/analyses/neuronmotif/layer*/neuron*/dictionary.meme``, when those analyses ran.

Options (``ctx.options["modisco"]``): ``n`` (256), ``n_shuffles`` (20), ``max_seqlets``
(2000), ``n_leiden_runs`` (2), ``target_fdr`` (0.05), ``thresh`` (Tomtom q, 0.05).

Files: ``patterns.meme`` (trimmed PPMs), ``patterns.tsv`` (per pattern: seqlets, best
database match, best kernel, best neuron motif), ``views.tsv`` (per database motif: the
best kernel, neuron motif and pattern matching it, q-values), ``logos/``. ``Result.data``:
``patterns`` (list of Motif), ``patterns_table``, ``views`` (DataFrames).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

from motifscope.analysis.base import Context, Result, finish
from motifscope.analysis.kernels import resolve_db
from motifscope.analysis.seqlets import seqlet_rows
from motifscope.io.meme import read_meme
from motifscope.methods.attribution.export import modisco_attributions
from motifscope.methods.seqlets.modisco import run_modisco
from motifscope.methods.tomtom import tomtom
from motifscope.report.blocks import Files, Gallery, GalleryItem, Table, Text

NAME, TITLE, ORDER = "modisco", "TF-MoDISco, kernels and neurons side by side", 28
__all__ = ["applies", "model_motifs", "run", "views_table"]


def applies(model) -> bool:
    """Every differentiable model (the run needs modisco-lite installed).

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """
    return True


def model_motifs(run_dir) -> dict:
    """The kernel and NeuronMotif motifs a run's analyses wrote.

    Parameters
    ----------
    run_dir : str or pathlib.Path

    Returns
    -------
    dict
        ``{"kernels": [...], "neurons": [...]}`` (lists of Motif, empty when absent);
        neuron motifs are named ``<neuron>/<motif>``.
    """
    from dataclasses import replace

    base = Path(run_dir) / "analyses"
    kern = base / "kernels" / "motifs.meme"
    kernels = list(read_meme(kern)) if kern.is_file() else []
    neurons = []
    for f in sorted(base.glob("neuronmotif/layer*/neuron*/dictionary.meme")):
        neurons += [replace(m, name=f"{f.parent.name}/{m.name}") for m in read_meme(f)]
    return {"kernels": kernels, "neurons": neurons}


def _best(queries, targets, thresh):
    """Best target (and q) of each query: ``{query: (target, target_name, q)}``."""

    if not queries or not targets:
        return {}
    hits = tomtom(queries, targets, dist="pearson", thresh=thresh)
    first = hits.sort_values("q_value", kind="mergesort").drop_duplicates("query")
    return {r.query: (r.target, r.target_name or "", float(r.q_value)) for r in first.itertuples()}


def views_table(db, views: dict, thresh: float = 0.05) -> pd.DataFrame:
    """Per database motif, the best motif of each view that matches it.

    Parameters
    ----------
    db : list of Motif
        The motif database.
    views : dict
        ``{view name: list of Motif}`` (e.g. kernels, neurons, patterns).
    thresh : float
        Tomtom q-value of a match.

    Returns
    -------
    pandas.DataFrame
        ``motif``, ``name`` and, per view, ``<view>`` (best matching motif or empty) and
        ``<view>_q``; only database motifs some view matches, most views first.
    """
    rows = {m.name: {"motif": m.name, "name": m.alt_name or ""} for m in db}
    for view, motifs in views.items():
        for q, (t, _, qv) in _best(motifs, db, thresh).items():
            r = rows[t]
            if f"{view}_q" not in r or qv < r[f"{view}_q"]:
                r[view], r[f"{view}_q"] = q, qv
    cols = ["motif", "name"] + [c for v in views for c in (v, f"{v}_q")]
    df = pd.DataFrame(list(rows.values())).reindex(columns=cols)
    seen = df[list(views)].notna().sum(axis=1)
    df = df[seen > 0].assign(_n=seen[seen > 0]).sort_values("_n", ascending=False, kind="mergesort")
    df = df.drop(columns="_n").astype({v: object for v in views})  # names: "" where none
    return df.fillna({v: "" for v in views}).reset_index(drop=True)


def _inputs(ctx):
    npz = ctx.output_dir("seqlets") / "attributions.npz"
    if npz.is_file():
        z = np.load(npz)
        if "hypothetical" in z.files:
            return z["sequences"], z["hypothetical"], f"{npz.name} of the seqlets analysis"

    rows, how = seqlet_rows(ctx, int(ctx.option(NAME, "n", 256)))
    _, hyp, _ = modisco_attributions(ctx.model, ctx.X[rows], method="deeplift_shap",
                                     target=ctx.chosen_targets(), random_state=ctx.seed,
                                     n_shuffles=int(ctx.option(NAME, "n_shuffles", 20)),
                                     device=ctx.device or "cpu", progress=False)
    return np.asarray(ctx.X[rows]), hyp.numpy(), f"DeepLIFT-SHAP of {how}"


def run(ctx: Context) -> Result:
    """TF-MoDISco patterns, matched to the database, the kernels and the neurons.

    Parameters
    ----------
    ctx : Context
        ``motif_db`` is the database; ``X`` is needed unless the seqlets analysis ran.

    Returns
    -------
    Result
    """
    import os

    X, hyp, source = _inputs(ctx)
    patterns = run_modisco(X, hyp, max_seqlets=int(ctx.option(NAME, "max_seqlets", 2000)),
                           n_leiden_runs=int(ctx.option(NAME, "n_leiden_runs", 2)),
                           target_fdr=float(ctx.option(NAME, "target_fdr", 0.05)))
    thresh = float(ctx.option(NAME, "thresh", 0.05))
    db = resolve_db(ctx.motif_db) or []
    own = model_motifs(ctx.run_dir)
    best = {k: _best(patterns, v, thresh) for k, v in (("database", db), ("kernel", own["kernels"]),
                                                       ("neuron", own["neurons"]))}
    table = pd.DataFrame([{"pattern": p.name, "seqlets": p.nsites, "consensus": p.consensus,
                           **{f"best {k}": " ".join(map(str, best[k].get(p.name, ("",))[:2])).strip()
                              for k in best},
                           **{f"{k} q": best[k].get(p.name, (None, None, np.nan))[2] for k in best}}
                          for p in patterns])
    views = views_table(db, {"kernels": own["kernels"], "neurons": own["neurons"],
                             "patterns": patterns}, thresh) if db else pd.DataFrame()
    out = ctx.output(NAME)
    files = [out.meme(patterns, "patterns.meme").name] if patterns else []
    out.table(table, "patterns.tsv", float_format="%.3g")
    out.table(views, "views.tsv", float_format="%.3g")
    paths = out.logos(patterns) if patterns else []
    sub = {p: f"{v[0]} {v[1]}" for p, v in best["database"].items()}
    blocks = [Text(f"TF-MoDISco (modisco-lite) on {source}: {len(patterns)} patterns. Beside "
                   f"them, {len(own['kernels'])} first-layer kernel motifs and "
                   f"{len(own['neurons'])} NeuronMotif motifs of this run, each matched to the "
                   f"database (Tomtom, Pearson, q < {thresh})."),
              Table("views.tsv", max_rows=60, title="What the first layer, the deep neurons and "
                    "the attributions each say"),
              Table("patterns.tsv", max_rows=40, title="TF-MoDISco patterns")]
    if paths:
        blocks.append(Gallery([GalleryItem(os.path.relpath(pth, out.directory), p.name, sub.get(p.name, ""))
                               for p, pth in zip(patterns, paths)], title="Pattern logos"))
    blocks.append(Files(files + ["patterns.tsv", "views.tsv"]))
    data = {"patterns": patterns, "patterns_table": table, "views": views}
    return finish(NAME, out, data, title=TITLE, order=ORDER,
                  summary=f"{len(patterns)} patterns", blocks=blocks)
