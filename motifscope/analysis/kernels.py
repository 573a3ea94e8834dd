"""Kernels: each first-layer kernel as a motif (DanQ's procedure by default), written as
MEME, drawn as logos and matched to a motif database with Tomtom.

Options (``ctx.options["kernels"]``): ``method`` (``"danq"``, ``"basset"``, ``"topn"`` or
``"weights"``), ``top_n`` (``"topn"``: most activating sequences per kernel, 100),
``both_strands`` (False), ``n`` (sequences scanned: 2000, 300 when quick), ``batch_size``
(128), ``logos`` (True), ``max_logos`` (24), ``thresh`` (Tomtom q-value, 0.05), ``dist``
(``"pearson"``), ``meme`` (file name, ``motifs.meme``), ``logos_dir`` (``logos``; may be an
absolute path).

Sequences: the rows of ``ctx.X`` positive for any of the targets of interest (all rows
without labels). Files: ``motifs.meme``, ``tomtom.tsv`` (when ``ctx.motif_db`` is set),
``logos/``. ``Result.data``: ``motifs`` (list of Motif, PPMs ``(4, k)``), ``hits``
(Tomtom DataFrame or None), ``n_sequences``, ``selection`` (how the sequences were
chosen: labelled positives, or the model's top predictions where there are no labels or
no positives).
"""

from __future__ import annotations

import os

from motifscope.analysis.base import Context, Result, finish
from motifscope.io.jaspar import jaspar_motifs
from motifscope.io.motif_files import read_motifs
from motifscope.methods.kernels import first_conv, kernels_to_motifs
from motifscope.methods.tomtom import tomtom
from motifscope.report.blocks import Files, Gallery, GalleryItem, Metrics, Table, Text

NAME, TITLE, ORDER = "kernels", "Kernel motifs", 30
__all__ = ["applies", "resolve_db", "run"]


def applies(model) -> bool:
    """Models whose first layer is a convolution over the one-hot input.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """

    try:
        first_conv(model)
    except Exception:
        return False
    return True


def resolve_db(db):
    """A Tomtom database from ``ctx.motif_db``: motifs, a MEME path, ``"jaspar"`` or None.

    Parameters
    ----------
    db : list of Motif, str, os.PathLike or None
        ``"none"`` (any case), like ``None``, means no matching.

    Returns
    -------
    list of Motif or None
    """
    if db is None or (isinstance(db, str) and db.lower() == "none"):
        return None
    if isinstance(db, str) and db.lower().startswith("jaspar"):
        return jaspar_motifs(collection="CORE", tax_group="vertebrates")
    if isinstance(db, (list, tuple)):
        return list(db)

    return list(read_motifs(db))


def _sequences(ctx: Context, n: int):
    """``(X, how)``: the sequences the kernels are read on, and how they were chosen."""
    if ctx.X is None:
        return None, "no sequences (kernel weights only)"
    rows, how = ctx.labelled_or_top(n)
    return ctx.X[rows], how


def _gallery(motifs, hits, names, out, max_logos, folder):
    best = hits.sort_values("p_value").drop_duplicates("query").head(max_logos) \
        if hits is not None and len(hits) else None
    show = [m for m in motifs if best is not None and m.name in set(best["query"])] \
        or motifs[:max_logos]
    paths = out.logos(show, folder)
    sub = {} if best is None else {
        r.query: f"{r.target} {names.get(r.target, '')} (q={r.q_value:.1e})"
        for r in best.itertuples()}
    return Gallery([GalleryItem(os.path.relpath(p, out.directory), m.name, sub.get(m.name, ""))
                    for m, p in zip(show, paths)])


def run(ctx: Context) -> Result:
    """Kernels → motifs → MEME → logos → Tomtom.

    Parameters
    ----------
    ctx : Context
        ``X`` is needed unless ``method="weights"``.

    Returns
    -------
    Result
    """

    method = ctx.option(NAME, "method", "danq")
    X, how = (None, "no sequences (kernel weights only)") if method == "weights" else \
        _sequences(ctx, int(ctx.option(NAME, "n", 300 if ctx.quick else 2000)))
    motifs = kernels_to_motifs(ctx.model, X, method=method,
                               both_strands=bool(ctx.option(NAME, "both_strands", False)),
                               batch_size=int(ctx.option(NAME, "batch_size", 128)),
                               top_n=int(ctx.option(NAME, "top_n", 100)),
                               device=ctx.device or "cpu", progress=False)
    out = ctx.output(NAME)
    meme = ctx.option(NAME, "meme", "motifs.meme")
    out.meme(motifs, meme, style="danq" if method == "danq" else "meme")
    db = resolve_db(ctx.motif_db)
    hits = None
    thresh = float(ctx.option(NAME, "thresh", 0.05))
    blocks = []
    if db is not None and motifs:
        hits = tomtom(motifs, db, dist=ctx.option(NAME, "dist", "pearson"), thresh=thresh)
        out.table(hits, "tomtom.tsv", float_format="%.6g")
    matched = 0 if hits is None else hits["query"].nunique()
    blocks.append(Metrics({"kernels with sites": len(motifs),
                           "sequences scanned": 0 if X is None else int(X.shape[0]),
                           **({} if hits is None else {f"kernels matched (q < {thresh})": matched})}))
    if ctx.option(NAME, "logos", True) and motifs:
        names = {m.name: m.alt_name or "" for m in db or []}
        blocks.append(_gallery(motifs, hits, names, out, int(ctx.option(NAME, "max_logos", 24)),
                               str(ctx.option(NAME, "logos_dir", "logos"))))
    if hits is not None:
        blocks.append(Table("tomtom.tsv", max_rows=40, title="Tomtom matches of the kernels"))
    blocks += [Text(f"First-layer kernels as motifs ({method} method); each PPM counts the "
                    "k-mers at the kernel's maximum activation."),
               Text(f"Sequences: {how}."),
               Files([meme] + (["tomtom.tsv"] if hits is not None else []))]
    data = {"motifs": motifs, "hits": hits, "n_sequences": 0 if X is None else int(X.shape[0]),
            "selection": how}
    summary = f"{len(motifs)} kernel motifs" + ("" if hits is None else f", {matched} matched")
    return finish(NAME, out, data, title=TITLE, order=ORDER, summary=summary, blocks=blocks)
