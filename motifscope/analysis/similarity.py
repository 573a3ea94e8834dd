"""Query-vector similarity of DeepATT's category attention: the ``(T, T)`` cosine
similarity of the trained target queries next to untrained ones, with permutation tests of
within- vs between-group similarity.

Options (``ctx.options["similarity"]``): ``categories`` (one per target; DeepSEA's three at
919 targets), ``groups`` (extra groupings, name → label per target), ``pair_masks`` (name →
boolean ``(T, T)``), ``head`` (``"all"`` or a head index), ``order`` (``"category"`` or
``"cluster"``), ``n_permutations`` (2000; 300 when quick). With 919 targets the labels and
groupings default to DeepSEA's (cell type, assay, treatment; TF same factor / same cell type).

Files: ``similarity.npy``, ``random_similarity.npy``, ``order.npy``, ``statistics.tsv``,
``similarity.png``, ``similarity.plotly.json``. ``Result.data``: ``similarity`` and
``random_similarity`` ``(T, T)``, ``statistics`` (DataFrame, trained and random rows).
"""

from __future__ import annotations

import io

import numpy as np

from motifscope.analysis.base import Context, Result, finish
from motifscope.core.atomic import atomic_write_bytes
from motifscope.core.errors import InputError
from motifscope.data.targets import targets
from motifscope.methods.similarity import (
    cosine_similarity,
    deepsea_categories,
    order_targets,
    plot_similarity,
    query_vectors,
    random_queries,
    sigmoid_enhance,
    similarity_figure,
    similarity_statistics,
)
from motifscope.plot.backend import pyplot
from motifscope.report.blocks import Files, Image, Plotly, Table, Text

NAME, TITLE, ORDER = "similarity", "Query-vector similarity", 60
__all__ = ["applies", "run"]


def applies(model) -> bool:
    """Models with a category attention (DeepATT, DeepATT-Plus).

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """
    return hasattr(model, "attention") and hasattr(model.attention, "queries")


def _maps_figure(S, R, categories, idx):
    plt = pyplot()

    fig, axes = plt.subplots(1, 3, figsize=(18, 6))
    plot_similarity(R, categories, order=idx, ax=axes[0], title="random queries (control)", vmin=-1, vmax=1)
    plot_similarity(S, categories, order=idx, ax=axes[1], title="trained queries", vmin=-1, vmax=1)
    plot_similarity(sigmoid_enhance(S), categories, order=idx, ax=axes[2],
                    title="trained, sigmoid-enhanced", vmin=0, vmax=1)
    fig.tight_layout()
    return fig


def _deepsea_labels():
    """Labels of DeepSEA's 919 targets and the TF groupings (same factor, same cell type)."""

    t = targets()
    names = [f"{c} | {a} | {tr}" for c, a, tr in zip(t["cell_type"], t["assay"], t["treatment"])]
    tf = t["category"].to_numpy() == "TF"
    return names, {"TF: same factor": [a if f else None for a, f in zip(t["assay"], tf)],
                   "TF: same cell type": [c if f else None for c, f in zip(t["cell_type"], tf)]}


def _npy(out, name, a):
    buf = io.BytesIO()
    np.save(buf, a)

    atomic_write_bytes(out.directory / name, buf.getvalue())
    out.files.append(out.directory / name)


def run(ctx: Context) -> Result:
    """Query vectors → similarity maps, statistics, figures.

    Parameters
    ----------
    ctx : Context
        Sequences are not needed; ``target_names`` label the hovers.

    Returns
    -------
    Result
    """

    head = ctx.option(NAME, "head", "all")
    Q = query_vectors(ctx.model, per_head=head != "all")
    if head != "all":
        if not 0 <= int(head) < Q.shape[0]:
            raise InputError(f"head must be 'all' or 0..{Q.shape[0] - 1}, got {head!r}")
        Q = Q[int(head)]
    T = Q.shape[0]
    categories = ctx.option(NAME, "categories")
    if categories is None and T == 919:
        categories = deepsea_categories()
    groups_opt = ctx.option(NAME, "groups")
    names = ctx.target_names
    if T == 919 and (groups_opt is None or names is None):
        d_names, d_groups = _deepsea_labels()
        groups_opt = d_groups if groups_opt is None else groups_opt
        names = d_names if names is None else names
    S = cosine_similarity(Q)
    R = cosine_similarity(random_queries(Q.shape, random_state=ctx.seed))
    groups = ({"category": list(categories)} if categories is not None else {}) \
        | dict(groups_opt or {})
    stats = similarity_statistics(S, R, groups=groups, pair_masks=ctx.option(NAME, "pair_masks"),
                                  n_permutations=int(ctx.option(NAME, "n_permutations",
                                                                300 if ctx.quick else 2000)),
                                  random_state=ctx.seed)
    idx = order_targets(S, categories, method=ctx.option(NAME, "order", "category"))
    out = ctx.output(NAME)
    for name, a in (("similarity.npy", S), ("random_similarity.npy", R), ("order.npy", idx)):
        _npy(out, name, a)
    out.table(stats, "statistics.tsv")
    out.figure(_maps_figure(S, R, categories, idx), "similarity.png", dpi=110)
    labels = names and [f"{t} {n}" for t, n in enumerate(names)]
    out.text(similarity_figure(S, labels, order=idx, title="Cosine similarity of the query "
                                                             "vectors").to_json(), "similarity.plotly.json")
    summary = ""
    if not stats.empty:
        t = stats[stats["queries"] == "trained"].iloc[0]
        summary = (f"{t['grouping']}: within {t['within']:.3f} vs between {t['between']:.3f} "
                   f"(p = {t['p_value']:.3g})")
    blocks = [Text("Cosine similarity of the learned target queries of the category attention "
                   "(W_q + b_q), next to untrained queries with the same initialisation. The "
                   "enhanced map applies a sigmoid centred on the mean off-diagonal similarity "
                   "with slope 2/sd."),
              Image("similarity.png", caption="random vs trained queries"),
              Plotly("similarity.plotly.json"),
              Table("statistics.tsv", title="Within vs between groups",
                    caption="p: one-sided permutation test relabelling targets at random"),
              Files(["similarity.npy", "random_similarity.npy", "statistics.tsv"])]
    return finish(NAME, out, {"similarity": S, "random_similarity": R, "statistics": stats},
                  title=TITLE, order=ORDER, summary=summary, blocks=blocks)
