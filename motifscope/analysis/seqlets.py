"""Seqlets: attribution maps → seqlets → their best-matching known motifs → per-motif counts,
what ``motifscope seqlets`` and the demo run.

Sequences: the first ``n`` rows positive for any target of interest, or, where the labels are
missing or have no positive, the ``n`` the model scores highest (all rows when there are no
more than ``n``); attributions of the targets' summed logits by ``method``. Seqlets are called by the
recursive algorithm (:mod:`motifscope.methods.seqlets.calling`) at an estimated false-discovery rate
from ``controls`` dinucleotide shuffles per sequence (``controls=0``: at the p-value
``threshold``), trimmed of flanks without positive attribution, annotated by Tomtom (the
seqlet's sequence against ``ctx.motif_db``) and a FIMO scan of its best matches.

Options (``ctx.options["seqlets"]``): ``method`` (``"deeplift_shap"``), ``n`` (256; 64 when
quick), ``n_shuffles`` (DeepLIFT-SHAP references: 20; 5 when quick), ``controls`` (1),
``target_fdr`` (0.1), ``threshold`` (0.01), ``min_len`` (4), ``max_len`` (25), ``n_best``
(3), ``q_threshold`` (0.05), ``gradient_correction`` (False), ``rows`` (row numbers of the
data file, stored), ``names`` (sequence names: the ``chrom`` column; FASTA input sets them).

Files: ``seqlets.tsv`` (BED-like, header: ``chrom start end name score strand`` then
``seq``, ``seq_start``, ``seq_end``, ``p_value``, ``motif``, ``motif_name``, ``tomtom_p``,
``tomtom_q``, ``orientation``, ``fimo_start``, ``fimo_score``, ``fimo_p``, ``annotated``,
``best_motifs``), ``seqlets.bed`` (BED6, no header), ``motifs.tsv`` (per motif: count, mean
contribution, positions, strands), ``fdr.tsv`` (with controls), ``attributions.npz``
(``sequences``, ``attributions``, ``hypothetical`` for DeepLIFT methods, ``rows``,
``target``), ``positions.png``. ``Result.data``: ``seqlets`` (DataFrame), ``motifs``
(DataFrame or None), ``fdr``, ``threshold``, ``rows``, ``targets``, ``X``, ``attributions``,
``hypothetical``, ``selection`` (how the sequences were chosen).
"""

from __future__ import annotations

import numpy as np

from motifscope.analysis.base import Context, Result, finish
from motifscope.analysis.kernels import resolve_db
from motifscope.core.errors import InputError
from motifscope.methods.attribution.export import modisco_attributions
from motifscope.methods.seqlets import control_attributions, seqlet_bed, seqlets_from_attributions
from motifscope.plot.backend import pyplot
from motifscope.report.blocks import Files, Image, Metrics, Table, Text

NAME, TITLE, ORDER = "seqlets", "Seqlets and their motifs", 27
__all__ = ["applies", "run", "seqlet_rows"]


def applies(model) -> bool:
    """Every differentiable model.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """
    return True


def seqlet_rows(ctx: Context, n: int) -> tuple[np.ndarray, str]:
    """Rows analysed: the first ``n`` positive for any chosen target, or the ``n`` the model
    scores highest where there are no labels or no positives (:meth:`Context.labelled_or_top`).

    Parameters
    ----------
    ctx : Context
    n : int

    Returns
    -------
    tuple
        ``(rows, how)``: row indices and a sentence saying how they were chosen.
    """

    if ctx.X is None:
        raise InputError("the seqlets analysis needs sequences; none were given")
    return ctx.labelled_or_top(n)


def _positions_figure(motifs, length):
    plt = pyplot()

    top = motifs.head(8)
    fig, ax = plt.subplots(figsize=(8, 3.2))
    for r in top.itertuples():
        h = np.array(r.positions.split(","), dtype=float)
        centres = (np.arange(len(h)) + 0.5) * length / len(h)
        ax.plot(centres, h, marker="o", label=f"{r.motif_name or r.motif} ({r.n_seqlets})")
    ax.set_xlabel("seqlet centre (position in the sequence)")
    ax.set_ylabel("seqlets")
    ax.set_xlim(0, length)
    if len(top):
        ax.legend(fontsize=7, ncol=2)
    fig.tight_layout()
    return fig


def _attributions(ctx, X, method, targets, kw):
    attr, hyp, _ = modisco_attributions(
        ctx.model, X, method=method, target=targets, n_shuffles=kw["n_shuffles"],
        random_state=ctx.seed, device=ctx.device or "cpu",
        gradient_correction=kw["gradient_correction"], progress=False)
    return attr, hyp


def _method_kwargs(method, n_shuffles, gradient_correction):
    kw = {"n_shuffles": n_shuffles} if method == "deeplift_shap" else {}
    if gradient_correction and method != "ism":
        kw["gradient_correction"] = True
    if method == "ism":
        kw["centered"] = True
    return kw


def run(ctx: Context) -> Result:
    """Seqlets of the targets of interest (summed) in up to ``n`` sequences, annotated.

    Parameters
    ----------
    ctx : Context
        Needs ``X``; ``y`` selects the positives; ``motif_db`` annotates (None: no annotation).

    Returns
    -------
    Result
    """

    def opt(k, d=None):
        return ctx.option(NAME, k, d)
    method = opt("method", "deeplift_shap")
    rows, selection = seqlet_rows(ctx, int(opt("n", 64 if ctx.quick else 256)))
    targets = ctx.chosen_targets()
    X = ctx.X[rows]
    kw = {"n_shuffles": int(opt("n_shuffles", 5 if ctx.quick else 20)),
          "gradient_correction": bool(opt("gradient_correction", False))}
    attr, hyp = _attributions(ctx, X, method, targets, kw)
    n_controls = int(opt("controls", 1))
    control = None
    if n_controls > 0:
        control = control_attributions(
            ctx.model, X, method=method, target=targets if len(targets) > 1 else targets[0],
            n_controls=n_controls, random_state=ctx.seed, device=ctx.device or "cpu",
            attribution_kwargs=_method_kwargs(method, kw["n_shuffles"], kw["gradient_correction"]))
    db = resolve_db(ctx.motif_db)
    res = seqlets_from_attributions(
        attr, X, control=control, motifs=db, threshold=float(opt("threshold", 0.01)),
        target_fdr=float(opt("target_fdr", 0.1)), min_len=int(opt("min_len", 4)),
        max_len=int(opt("max_len", 25)), n_best=int(opt("n_best", 3)),
        q_threshold=float(opt("q_threshold", 0.05)))
    names = opt("names", ctx.options.get("names"))
    file_rows = rows if opt("rows") is None else np.asarray(opt("rows"))[rows]
    out = ctx.output(NAME)
    coords = ctx.options.get("coords")
    bed = seqlet_bed(res.seqlets, names=None if names is None else [names[int(r)] for r in rows],
                     regions=None if coords is None else coords.iloc[rows])
    return _write(ctx, out, res, bed,
                  {"method": method, "rows": rows, "file_rows": file_rows, "targets": targets,
                   "X": X, "attr": attr, "hyp": hyp, "controls": n_controls,
                   "selection": selection})


def _write(ctx, out, res, bed, info) -> Result:
    """Files, report section and Result of :func:`run`."""
    L = int(info["X"].shape[-1])
    out.table(bed, "seqlets.tsv", sep="\t", float_format="%.6g")
    out.table(bed.iloc[:, :6], "seqlets.bed", sep="\t", header=False, float_format="%.6g")
    files = ["seqlets.tsv", "seqlets.bed"]
    arrays = {"sequences": np.asarray(info["X"], np.float32),
              "attributions": np.asarray(info["attr"], np.float32),
              "rows": info["file_rows"], "target": np.asarray(info["targets"])}
    if info["hyp"] is not None:
        arrays["hypothetical"] = np.asarray(info["hyp"], np.float32)
    out.npz("attributions.npz", **arrays)
    files.append("attributions.npz")
    if res.fdr is not None:
        out.table(res.fdr, "fdr.tsv", float_format="%.6g")
        files.append("fdr.tsv")
    how = (f"at an estimated FDR of {ctx.option(NAME, 'target_fdr', 0.1)} from "
           f"{info['controls']} dinucleotide shuffle(s) per sequence" if res.fdr is not None
           else "at a p-value threshold")
    n_ann = int(res.seqlets["annotated"].sum()) if "annotated" in res.seqlets else 0
    blocks = [Text(f"{info['method']} attributions of target(s) "
                   f"{', '.join(map(ctx.name_of, info['targets'][:6]))}"
                   f"{' …' if len(info['targets']) > 6 else ''} (logits summed) for "
                   f"{len(info['rows'])} sequences; seqlets called by the recursive algorithm "
                   f"{how}, threshold p < {res.threshold if res.threshold is not None else 'none'}, "
                   "then annotated by Tomtom and a FIMO scan of the best matches. "
                   f"Sequences: {info['selection']}."),
              Metrics({"sequences": len(info["rows"]), "seqlets": len(res.seqlets),
                       "annotated (q ≤ 0.05)": n_ann,
                       "threshold": res.threshold if res.threshold is not None else float("nan")})]
    if res.motifs is not None:
        out.table(res.motifs, "motifs.tsv", float_format="%.6g")
        out.figure(_positions_figure(res.motifs, L), "positions.png")
        files += ["motifs.tsv", "positions.png"]
        blocks += [Table("motifs.tsv", max_rows=30, title="Seqlets per motif"),
                   Image("positions.png", caption="where the seqlets of the most frequent motifs lie")]
    blocks += [Table("seqlets.tsv", max_rows=30, title="Seqlets (strongest first)"), Files(files)]
    data = {"seqlets": res.seqlets, "motifs": res.motifs, "fdr": res.fdr, "threshold": res.threshold,
            "rows": info["rows"], "targets": info["targets"], "X": info["X"],
            "attributions": info["attr"], "hypothetical": info["hyp"],
            "selection": info["selection"]}
    return finish(NAME, out, data, title=TITLE, order=ORDER,
                  summary=f"{len(res.seqlets)} seqlets, {n_ann} annotated", blocks=blocks)
