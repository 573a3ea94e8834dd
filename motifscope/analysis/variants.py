"""Variants: effects of a VCF's variants on the targets, and why the top ones score, what
``motifscope variants`` runs (on request; not in the demo).

Options (``ctx.options["variants"]``): ``vcf`` and ``fasta`` (required), ``ref_mismatch``
(``"skip"``), ``info`` (INFO fields carried through, ``()``), ``strand_average`` (True),
``chunk_size`` (512), ``batch_size`` (256), ``explain_top`` (10: the variants with the
largest ``|log2_odds_ratio|`` on any scored target), ``explain`` (IDs or
``CHROM:POS:REF:ALT`` to explain as well), ``method`` (``"deeplift_shap"`` or ``"ism"``),
``n_shuffles`` (20), ``flank`` (20 bases shown each side of the variant), ``motif_pvalue``
(1e-4: a motif is called only when its site is this significant, FIMO's default, in the
reference or the alternative window), ``progress``.
``ctx.targets`` are the targets scored (default all); ``ctx.motif_db`` the motifs matched.

Files (see :mod:`motifscope.methods.variants.run`): ``variants.tsv``, ``rejects.tsv``,
``scores.h5``, ``summary.json``, ``chunks/`` (kept, so a rerun resumes), and for the
explained variants ``explained.tsv`` (one row each: its target, effect and the motif it
breaks or makes), ``motif_changes.tsv`` (the 5 motifs changing most per variant) and
``logos/<k>.png`` (ref, alt and alt - ref attributions around the variant).

``Result.data``: ``scores`` (:class:`motifscope.methods.variants.run.VariantScores`), ``summary``,
``explained`` (DataFrame) and ``attributions`` (``{row: {"ref", "alt", "diff"}}``, (4, L)).
Under torchrun every rank scores its chunks; rank 0 merges and explains, and the other
ranks return a Result with only ``scores``.

This analysis is resumable (``RESUMABLE``): finished chunks survive a failure.
"""

from __future__ import annotations

import heapq
import warnings

import numpy as np
import pandas as pd

from motifscope.analysis.base import Context, Result, finish
from motifscope.core.batch import rank_device
from motifscope.core.errors import ConfigError, MotifscopeWarning
from motifscope.io.genome import Genome, one_hot_sequences
from motifscope.io.jaspar import jaspar_motifs
from motifscope.io.motif_files import read_motifs
from motifscope.methods.variants import score_vcf
from motifscope.methods.variants.explain import attribution_pair, motif_changes
from motifscope.methods.variants.windows import Prepared, window_bounds, window_sequences
from motifscope.plot.attribution import plot_attribution_logo
from motifscope.plot.backend import pyplot
from motifscope.report.blocks import Files, Gallery, GalleryItem, Metrics, Table, Text
from motifscope.runs.directory import target_names

NAME, TITLE, ORDER = "variants", "Variant effects", 27
RESUMABLE = True
__all__ = ["applies", "run", "top_variants"]


def applies(model) -> bool:
    """Models with a fixed input length (``seq_len``), which windows need.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """
    return bool(getattr(model, "seq_len", None))


def top_variants(store, k: int, *, ids=()) -> pd.DataFrame:
    """The ``k`` variants of a score store with the largest ``|log2_odds_ratio|``, plus
    those named in ``ids``, read in blocks (never the whole matrix).

    Parameters
    ----------
    store : str or os.PathLike
        ``scores.h5`` (:func:`motifscope.methods.variants.score_vcf`).
    k : int
        How many of the strongest to take.
    ids : sequence of str
        VCF IDs or ``CHROM:POS:REF:ALT`` keys to include as well.

    Returns
    -------
    pandas.DataFrame
        ``row``, ``chrom``, ``pos``, ``id``, ``ref``, ``alt``, ``column`` (index among the
        scored targets), ``log2_odds_ratio`` and ``diff``, strongest first.
    """
    import h5py

    wanted = set(ids)
    heap: list = []
    picked: dict = {}
    columns = ["row", "chrom", "pos", "id", "ref", "alt", "column", "log2_odds_ratio", "diff"]
    with h5py.File(store, "r") as h5:
        if "log2_odds_ratio" not in h5:       # an empty VCF
            return pd.DataFrame(columns=columns)
        lor, n = h5["log2_odds_ratio"], h5["log2_odds_ratio"].shape[0]
        for s in range(0, n, 4096):
            block = np.abs(lor[s:s + 4096]) if lor.shape[1] else np.zeros((0, 0))
            best = block.max(1) if block.size else np.zeros(len(block))
            for i, b in enumerate(best):
                item = (float(b), -(s + i))
                if len(heap) < k:
                    heapq.heappush(heap, item)
                elif k and item > heap[0]:
                    heapq.heapreplace(heap, item)
            if wanted:
                keys = _keys(h5, s, s + len(block))
                for i, key_set in enumerate(keys):
                    if key_set & wanted:
                        picked[s + i] = float(best[i])
        rows = sorted({-r for _, r in heap} | set(picked))
        out = []
        for r in rows:
            v = h5["log2_odds_ratio"][r]
            j = int(np.argmax(np.abs(v)))
            out.append({"row": r, **{c: _text(h5[c][r]) for c in ("chrom", "id", "ref", "alt")},
                        "pos": int(h5["pos"][r]), "column": j, "log2_odds_ratio": float(v[j]),
                        "diff": float(h5["diff"][r][j])})
    missing = wanted - {k for r in out for k in (r["id"], _key(r))}
    if missing:
        import warnings

        warnings.warn(f"variants to explain not among the scored ones: {sorted(missing)[:5]}",
                      MotifscopeWarning, stacklevel=2)
    df = pd.DataFrame(out, columns=columns)
    order = np.argsort(-np.abs(df["log2_odds_ratio"].to_numpy()), kind="stable")
    return df.iloc[order].reset_index(drop=True)


def _key(r: dict) -> str:
    return f"{r['chrom']}:{r['pos']}:{r['ref']}:{r['alt']}"


def _text(v) -> str:
    return v.decode() if isinstance(v, bytes) else str(v)


def _keys(h5, a: int, b: int) -> list:
    cols = [[_text(x) for x in h5[c][a:b]] for c in ("chrom", "id", "ref", "alt")]
    pos = h5["pos"][a:b]
    return [{i, f"{c}:{p}:{r}:{al}"} for c, i, r, al, p in zip(*cols, pos)]


def _motifs(db):
    if db is None or (isinstance(db, str) and db.lower() == "none"):
        return []
    if isinstance(db, (list, tuple)):
        return list(db)
    if str(db).lower() == "jaspar":
        return jaspar_motifs()

    return read_motifs(db)


def _explain_one(ctx, genome, row, scores, motifs, out, k: int) -> tuple[dict, pd.DataFrame]:
    """Attributions and motif changes of one variant; writes its logo figure."""

    L = int(ctx.model.seq_len)
    contig = genome.resolve(row["chrom"])
    p = int(row["pos"]) - 1
    v = Prepared(contig, p, row["ref"], row["alt"], len(row["ref"]), "")
    ref_s, alt_s = window_sequences(genome, v, L)
    X = one_hot_sequences([ref_s, alt_s])
    target = scores.targets[int(row["column"])]
    attr = attribution_pair(ctx.model, X[0], X[1], target=target,
                            method=ctx.option(NAME, "method", "deeplift_shap"),
                            n_shuffles=int(ctx.option(NAME, "n_shuffles", 20)),
                            random_state=ctx.seed, device=ctx.device)
    vi = p - window_bounds(p, v.span, L)[0]
    changes = motif_changes(motifs, X[0].numpy(), X[1].numpy(), vi, len(v.ref), len(v.alt))
    flank = int(ctx.option(NAME, "flank", 20))
    a, b = max(0, vi - flank), min(L, vi + max(len(v.ref), len(v.alt)) + flank)
    local = float(attr["diff"][:, a:b].sum())
    _logo_figure(attr, a, b, vi, f"{row['chrom']}:{row['pos']} {row['ref']}>{row['alt']}",
                 out, f"logos/{k}.png")
    called = changes[np.minimum(changes["ref_pvalue"], changes["alt_pvalue"])
                     < float(ctx.option(NAME, "motif_pvalue", 1e-4))] if len(changes) else changes
    top = called.iloc[0] if len(called) else None
    info = {"variant": f"{row['chrom']}:{row['pos']}:{row['ref']}:{row['alt']}",
            "id": row["id"], "target": scores.target_names[int(row["column"])],
            "log2_odds_ratio": row["log2_odds_ratio"], "diff": row["diff"],
            "attribution_change": local,
            "motif": None if top is None else top["motif"],
            "motif_name": None if top is None else top["name"],
            "change": None if top is None else top["change"],
            "delta_score": None if top is None else float(top["delta"]),
            "ref_pvalue": None if top is None else float(top["ref_pvalue"]),
            "alt_pvalue": None if top is None else float(top["alt_pvalue"]),
            "logo": f"logos/{k}.png"}
    changes.insert(0, "variant", info["variant"])
    return {**info, "_attr": attr}, changes.head(5)


def _logo_figure(attr, a, b, vi, title, out, name) -> None:
    plt = pyplot()

    fig, axes = plt.subplots(3, 1, figsize=(0.22 * (b - a) + 1.5, 5), sharex=True)
    for ax, key, label in zip(axes, ("ref", "alt", "diff"), ("ref", "alt", "alt - ref")):
        with warnings.catch_warnings():  # an all-zero row (no effect) is not a problem
            warnings.simplefilter("ignore", UserWarning)
            plot_attribution_logo(attr[key][:, a:b], ax, start=a - vi, title=f"{title}: {label}")
        ax.axvline(-0.5, color="grey", lw=0.5)
    axes[-1].set_xlabel("position relative to the variant")
    fig.tight_layout()
    out.figure(fig, name)


def run(ctx: Context) -> Result:
    """Score ``ctx.options["variants"]["vcf"]`` and explain the strongest variants.

    Parameters
    ----------
    ctx : Context
        Needs options ``vcf`` and ``fasta``.

    Returns
    -------
    Result
    """

    vcf, fasta = ctx.option(NAME, "vcf"), ctx.option(NAME, "fasta")
    if vcf is None or fasta is None:
        raise ConfigError("variants needs options vcf and fasta")
    out = ctx.output(NAME)
    genome = Genome(fasta)
    scores = score_vcf(ctx.model, vcf, genome, out.directory, targets=ctx.targets,
                       target_names=ctx.target_names or target_names(ctx.run_dir),
                       ref_mismatch=ctx.option(NAME, "ref_mismatch", "skip"),
                       info=tuple(ctx.option(NAME, "info", ())),
                       strand_average=bool(ctx.option(NAME, "strand_average", True)),
                       chunk_size=int(ctx.option(NAME, "chunk_size", 512)),
                       batch_size=int(ctx.option(NAME, "batch_size", 256)),
                       device=rank_device(ctx.device),
                       progress=bool(ctx.option(NAME, "progress", False)))
    if not scores.merged:
        return Result(NAME, out.directory, [], {"scores": scores}, {})
    out.files += [scores.tsv, scores.rejects, scores.store, scores.summary_path]
    top = top_variants(scores.store, int(ctx.option(NAME, "explain_top", 10)),
                       ids=tuple(ctx.option(NAME, "explain", ())))
    motifs = _motifs(ctx.motif_db)
    explained, changes, attrs = [], [], {}
    for k, row in enumerate(top.to_dict("records")):
        info, ch = _explain_one(ctx, genome, row, scores, motifs, out, k)
        attrs[int(row["row"])] = info.pop("_attr")
        explained.append(info)
        changes.append(ch)
    explained = pd.DataFrame(explained)
    out.table(explained, "explained.tsv")
    out.table(pd.concat(changes) if changes else pd.DataFrame(), "motif_changes.tsv")
    blocks = _blocks(scores, explained)
    s = scores.summary
    return finish(NAME, out, {"scores": scores, "summary": s, "explained": explained,
                              "attributions": attrs}, title=TITLE, order=ORDER,
                  summary=f"{s['scored']} variants scored, {sum(s['rejected'].values())} "
                          f"rejected, {len(explained)} explained", blocks=blocks)


def _blocks(scores, explained: pd.DataFrame) -> list:
    s = scores.summary
    text = ("Scores per target: ref_prob and alt_prob (sigmoid, averaged over both strands), "
            "diff = alt_prob - ref_prob and log2_odds_ratio = log2(odds(alt) / odds(ref)), "
            "DeepSEA's effect. The full results stay next to the run and are not copied into "
            "the report (they grow with the VCF): variants.tsv (one row per scored variant), "
            "scores.h5 (the variant × target matrices) and rejects.tsv (every variant not "
            "scored, with its reason).")
    items = []
    for r in explained.to_dict("records"):
        motif = ("no motif" if r["motif"] is None else
                 f"{r['change']} of {r['motif_name']} ({r['motif']}, "
                 f"Δscore {r['delta_score']:+.2f}, p {r['ref_pvalue']:.2g} → "
                 f"{r['alt_pvalue']:.2g})")
        items.append(GalleryItem(image=r["logo"], caption=f"{r['variant']} {r['target']}: "
                                 f"log2 OR {r['log2_odds_ratio']:+.2f}",
                                 subtitle=motif))
    metrics = {"records": s["records"], "scored": s["scored"],
               "rejected": sum(s["rejected"].values()), "REF mismatches": s["ref_mismatches"],
               **{f"rejected: {k}": v for k, v in s["rejected"].items()}}
    blocks = [Text(text), Metrics(metrics, title="Variants")]
    if len(explained):
        blocks += [Table("explained.tsv", title="Top variants and the motif each changes"),
                   Gallery(items, title="Attributions around the variants (ref, alt, alt - ref)")]
    return blocks + [Files(["summary.json", "explained.tsv", "motif_changes.tsv"])]
