"""Influence: which kernels (and which layer units) the model uses, and for which target.

Two unit-level views of a convolution's filters (the first one by default):

* **filter influence** (Basset; :func:`motifscope.methods.influence.filter_influence`): each
  filter's output is replaced by its mean over all sequences and positions and the change
  of every target's predicted probability is averaged over the sequences
  (``influence[k, t] = mean_n p_t(x_n) − p_t^{(-k)}(x_n)``; positive: the filter raises
  the target);
* **layer attribution** (DeepREG; :func:`motifscope.methods.attribution.layer_deeplift`):
  DeepLIFT scores of each target of interest on the filter outputs (reference 0.25), and
  each unit's importance ``Σ_{n,l} |score|`` over the target's positive sequences.

Options (``ctx.options["influence"]``): ``layer`` (a convolution's name; default the
first), ``n`` (sequences for influence: 1000, 200 when quick), ``batch_size`` (256),
``attr_n`` (sequences per target for layer attribution, its positives or the model's top
predictions where it has none: 100, 30 when quick),
``attr_targets`` (targets scored by layer attribution: 8, 3 when quick), ``top`` (kernels
per target shown: 10), ``max_logos`` (gallery size: 24), ``heatmap_filters`` (64) and
``heatmap_targets`` (200): the heatmap shows the filters and targets with the largest
influence.

Kernel motifs and their Tomtom matches are read from the kernels analysis of the same run
(``analyses/kernels/motifs.meme`` and ``tomtom.tsv``) when they are there, otherwise
computed here (DanQ's method on the same sequences). Files: ``influence.tsv`` (one row per
filter, named as in the kernels' MEME file, one column per target), ``influence_squared.tsv``
(mean squared change), ``unit_importance.tsv`` (units × scored targets),
``influence_heatmap.plotly.json``, ``importance_heatmap.plotly.json`` (with two or more
scored targets), ``logos/``. ``Result.data``: ``result``
(:class:`~motifscope.methods.influence.InfluenceResult`), ``table``, ``motifs`` (list of Motif, only
for the first convolution), ``hits`` (Tomtom DataFrame or None), ``importance``
(DataFrame, units × targets), ``layer``, ``selection`` (how layer attribution's sequences
were chosen).
"""

from __future__ import annotations

import numpy as np

from motifscope.analysis.base import Context, Result, describe_selection, finish
from motifscope.analysis.kernels import applies as has_conv
from motifscope.analysis.kernels import resolve_db
from motifscope.core.errors import InputError
from motifscope.io.meme import read_meme
from motifscope.methods.attribution import layer_deeplift, unit_importance
from motifscope.methods.influence import conv_output_site, filter_influence, influence_table
from motifscope.methods.kernels import kernels_to_motifs
from motifscope.methods.tomtom import tomtom
from motifscope.report.blocks import Files, Gallery, GalleryItem, Metrics, Plotly, Table, Text

NAME, TITLE, ORDER = "influence", "Kernel influence", 35
__all__ = ["applies", "clustered_order", "influence_heatmap", "run"]


def applies(model) -> bool:
    """Models whose first layer is a convolution over the one-hot input.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """

    return has_conv(model)


def clustered_order(M) -> np.ndarray:
    """Row order of average-linkage clustering (correlation distance; NaNs as 0).

    Rows whose correlation is undefined (constant rows, or a single column) are at distance
    1 (uncorrelated) from every other row; with one column the rows are ordered by value.

    Parameters
    ----------
    M : numpy.ndarray of shape (R, C)

    Returns
    -------
    numpy.ndarray of shape (R,)
        A permutation of ``range(R)``.
    """
    from scipy.cluster.hierarchy import leaves_list, linkage
    from scipy.spatial.distance import pdist

    M = np.nan_to_num(np.asarray(M, dtype=float))
    if M.shape[0] < 3:
        return np.arange(M.shape[0])
    if M.shape[1] < 2:
        return np.argsort(-M[:, 0], kind="stable")
    with np.errstate(invalid="ignore", divide="ignore"):
        d = pdist(M, metric="correlation")
    return leaves_list(linkage(np.nan_to_num(d, nan=1.0), method="average"))


def influence_heatmap(M, rows, cols, *, title: str = "Filter influence", value: str = "Δp"):
    """A clustered, interactive heatmap of a filters × targets matrix.

    Parameters
    ----------
    M : numpy.ndarray of shape (R, C)
        The values (e.g. mean change of predicted probability).
    rows, cols : sequence of str
        Row (filter) and column (target) labels.
    title : str
        The figure title.
    value : str
        The colour bar's title.

    Returns
    -------
    plotly.graph_objects.Figure
        Rows and columns reordered by :func:`clustered_order`; colour centred on 0.
    """
    import plotly.graph_objects as go

    M = np.asarray(M, dtype=float)
    r, c = clustered_order(M), clustered_order(M.T)
    lim = float(np.nanmax(np.abs(M))) if M.size else 1.0
    fig = go.Figure(go.Heatmap(z=M[r][:, c], x=[cols[j] for j in c], y=[rows[i] for i in r],
                               colorscale="RdBu_r", zmid=0, zmin=-lim, zmax=lim,
                               colorbar={"title": value}))
    fig.update_layout(title=title, height=max(300, 14 * len(r) + 120),
                      xaxis={"title": "target"}, yaxis={"title": "filter"})
    return fig


def _kernel_motifs(ctx: Context, X, res):
    """The kernels analysis' motifs and Tomtom hits, or the same computed here."""
    import pandas as pd

    kdir = ctx.output_dir("kernels")
    meme, tsv = kdir / "motifs.meme", kdir / "tomtom.tsv"
    if meme.is_file():
        motifs = list(read_meme(meme))
        if {m.name for m in motifs} <= set(res.names):
            hits = pd.read_csv(tsv, sep="\t") if tsv.is_file() else None
            return motifs, hits
    motifs = kernels_to_motifs(ctx.model, X, device=ctx.device or "cpu", progress=False)
    db = resolve_db(ctx.motif_db)
    hits = tomtom(motifs, db, dist="pearson", thresh=0.05) if db and motifs else None
    return motifs, hits


def _labels(hits, db_names):
    """``{kernel name: "best match (q=…)"}``."""
    if hits is None or not len(hits):
        return {}
    best = hits.sort_values("q_value").drop_duplicates("query")
    return {r.query: f"{r.target} {db_names.get(r.target, '')}".strip() + f" (q={r.q_value:.1e})"
            for r in best.itertuples()}


def _importance(ctx: Context, site, targets, n):
    """Layer-DeepLIFT unit importance per target, over the target's positives (or the
    model's top predictions), and a sentence saying which."""
    import pandas as pd

    cols, hows = {}, {}
    for t in targets:
        rows, hows[ctx.name_of(t)] = ctx.labelled_or_top(n, [t])
        if not len(rows):
            continue
        s = layer_deeplift(ctx.model, ctx.X[rows], target=t, layer=site, device=ctx.device,
                           batch_size=16)
        cols[ctx.name_of(t)] = unit_importance(s).numpy()
    return pd.DataFrame(cols), describe_selection(hows)


def _galleries(out, motifs, labels, order_by, names, heads, *, top, what):
    """One gallery per column of ``order_by``: its ``top`` units, best first, with logos."""
    by_name = {m.name: m for m in motifs}
    blocks = []
    for j, head in enumerate(heads):
        best = np.argsort(-order_by[:, j])[:top]
        items = [GalleryItem(f"logos/{names[k]}.png", names[k],
                             f"{what} {order_by[k, j]:.3g}; {labels.get(names[k], 'no match')}")
                 for k in best if names[k] in by_name]
        if items:
            blocks.append(Gallery(items, title=f"{head}: the {len(items)} most influential kernels"
                                  if what == "Δp" else f"{head}: the {len(items)} most important units"))
    return blocks


def run(ctx: Context) -> Result:
    """Filter influence and layer-attribution unit importance, with their report section.

    Parameters
    ----------
    ctx : Context
        ``X`` is needed; ``y`` selects the positives of layer attribution.

    Returns
    -------
    Result
    """

    quick = ctx.quick
    if ctx.X is None:
        raise InputError("the influence analysis needs sequences; none were given")
    layer = ctx.option(NAME, "layer", None)
    X = ctx.X[:int(ctx.option(NAME, "n", 200 if quick else 1000))]
    res = filter_influence(ctx.model, X, layer=layer, device=ctx.device,
                           batch_size=int(ctx.option(NAME, "batch_size", 256)))
    T = res.influence.shape[1]
    tnames = [str(ctx.target_names[t]) if ctx.target_names and t < len(ctx.target_names)
              else f"t{t}" for t in range(T)]
    out = ctx.output(NAME)
    table = influence_table(res, tnames)
    out.table(table, "influence.tsv", float_format="%.6g")
    out.table(influence_table(res, tnames, squared=True), "influence_squared.tsv",
              float_format="%.6g")
    first = layer is None or res.names[0] == "M0"
    motifs, hits = _kernel_motifs(ctx, X, res) if first else ([], None)
    db = resolve_db(ctx.motif_db) if hits is not None else None
    labels = _labels(hits, {m.name: m.alt_name or "" for m in db or []})
    _, site, _ = conv_output_site(ctx.model, layer)
    chosen = ctx.chosen_targets()[:int(ctx.option(NAME, "attr_targets", 3 if quick else 8))]
    imp, selection = _importance(ctx, site, chosen,
                                 int(ctx.option(NAME, "attr_n", 30 if quick else 100)))
    imp.insert(0, "unit", res.names)
    out.table(imp, "unit_importance.tsv", float_format="%.6g")
    blocks = _section(out, ctx, res, tnames, motifs, labels, imp, chosen)
    if selection:
        blocks.insert(-1, Text(f"Unit importance: {selection}"))
    data = {"result": res, "table": table, "motifs": motifs, "hits": hits, "importance": imp,
            "layer": res.layer, "selection": selection}
    top = res.names[int(np.argmax(res.squared.sum(1)))]
    return finish(NAME, out, data, title=TITLE, order=ORDER,
                  summary=f"{len(res.names)} filters of {res.layer} × {T} targets; most "
                          f"influential {top} {labels.get(top, '')}".strip(), blocks=blocks)


def _section(out, ctx, res, tnames, motifs, labels, imp, chosen):
    """Metrics, the ordered gallery, the clustered heatmap, per-target galleries."""
    top_n = int(ctx.option(NAME, "top", 10))
    overall = res.squared.sum(1)
    order = np.argsort(-overall)
    by_name = {m.name: m for m in motifs}
    show = [res.names[k] for k in order if res.names[k] in by_name]
    show = show[:int(ctx.option(NAME, "max_logos", 24))]
    chosen_cols = [t for t in chosen if t < len(tnames)]
    need = set(show)
    for t in chosen_cols:
        need |= {res.names[k] for k in np.argsort(-res.influence[:, t])[:top_n]}
    for c in imp.columns[1:]:
        need |= {res.names[k] for k in np.argsort(-imp[c].to_numpy())[:top_n]}
    if need & set(by_name):
        out.logos([by_name[n] for n in sorted(need & set(by_name))], "logos")
    blocks = [Metrics({"filters": len(res.names), "targets": len(tnames),
                       "sequences": res.n_sequences, "layer": res.layer,
                       "nullified output": res.site})]
    items = []
    for name in show:
        k = res.names.index(name)
        t3 = ", ".join(tnames[t] for t in np.argsort(-res.influence[k])[:3])
        items.append(GalleryItem(f"logos/{name}.png", name,
                                 f"{labels.get(name, 'no Tomtom match')}; raises {t3}"))
    if items:
        blocks.append(Gallery(items, title="Kernels by influence (Σ_t mean Δp²), with their "
                                           "Tomtom match and three most influenced targets"))
    rows = order[:int(ctx.option(NAME, "heatmap_filters", 64))]
    cols = np.argsort(-np.abs(res.influence).max(0))[:int(ctx.option(NAME, "heatmap_targets", 200))]
    fig = influence_heatmap(res.influence[np.ix_(rows, cols)],
                            [f"{res.names[k]} {labels.get(res.names[k], '').split(' (q')[0]}"
                             for k in rows], [tnames[t] for t in cols])
    out.text(fig.to_json(), "influence_heatmap.plotly.json")
    blocks.append(Plotly("influence_heatmap.plotly.json", title="Filters × targets influence "
                         "(clustered)", caption=f"The {len(rows)} most influential filters and "
                         f"the {len(cols)} most influenced targets; Δp = mean change of the "
                         "predicted probability when the filter is nullified."))
    if imp.shape[1] > 1:
        fig = influence_heatmap(imp.iloc[:, 1:].to_numpy(), [f"{n} {labels.get(n, '').split(' (q')[0]}"
                                                            for n in res.names],
                                list(imp.columns[1:]), title="Layer-DeepLIFT unit importance",
                                value="Σ|score|")
        out.text(fig.to_json(), "importance_heatmap.plotly.json")
        blocks.append(Plotly("importance_heatmap.plotly.json", title="Units × targets importance "
                             "(clustered)", caption="Σ over each target's positive sequences and "
                             "positions of |DeepLIFT score| at the filter outputs."))
    if motifs:
        blocks += _galleries(out, motifs, labels, res.influence[:, chosen_cols], res.names,
                             [tnames[t] for t in chosen_cols], top=top_n, what="Δp")
        blocks += _galleries(out, motifs, labels, imp.iloc[:, 1:].to_numpy(), res.names,
                             list(imp.columns[1:]), top=top_n, what="Σ|DeepLIFT|")
    blocks += [Table("unit_importance.tsv", max_rows=20, title="Layer-DeepLIFT unit importance"),
               Text("Influence: each filter's output (after its activation) is replaced by its "
                    "mean over all sequences and positions; Δp is the mean change of the "
                    "predicted probability (positive: the filter raises the target). Unit "
                    "importance: Σ over positive sequences and positions of |DeepLIFT score| "
                    "at the filter outputs (reference 0.25)."),
               Files(["influence.tsv", "influence_squared.tsv", "unit_importance.tsv"])]
    return blocks
