"""Evaluation: per-target AUROC and AUPR of the model on labelled sequences; with DeepSEA's
919 targets also the comparison with the published DeepSEA, DanQ and DanQ-JASPAR.

Options (``ctx.options["evaluate"]``): ``strand`` (``"auto"``, ``"halves"``, ``"rc"`` or
``"none"``; how forward and reverse-complement predictions are averaged), ``batch_size``
(256), ``progress`` (False), ``data`` (the file name recorded in the summary).

Files: ``per_target.csv``, ``summary.json``; at 919 targets ``comparison.csv`` and
``comparison.png``. ``Result.data``: ``per_target`` (DataFrame, one row per target) and
``summary`` (dict: ``av_auroc``, ``av_aupr``, ``n_scored``, ``n_targets``, ``strand_average``,
``n``...).
"""

from __future__ import annotations

import numpy as np

from motifscope.analysis.base import Context, Result, finish
from motifscope.core.errors import InputError
from motifscope.methods.evaluate import compare_published, evaluate, plot_comparison
from motifscope.report.blocks import Image, Metrics, Table

NAME, TITLE, ORDER = "evaluate", "Test evaluation", 10
__all__ = ["applies", "run"]


def applies(model) -> bool:
    """Every model can be evaluated (given labels).

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """
    return True


def _published(comp) -> dict:
    pub = {}
    for ref in ("deepsea", "danq", "danqjaspar"):
        col = f"{ref}_auroc"
        if col in comp.columns:
            ok = np.isfinite(comp["auroc"].to_numpy(float)) & np.isfinite(comp[col].to_numpy(float))
            pub[ref] = {"av_auroc": float(comp[col][ok].mean()),
                        "av_aupr": float(comp[f"{ref}_aupr"][ok].mean())
                        if f"{ref}_aupr" in comp.columns else None,
                        "n_targets": int(ok.sum())}
    return pub


def run(ctx: Context) -> Result:
    """Evaluate ``ctx.model`` on ``ctx.X``, ``ctx.y`` (all rows, both strands).

    Parameters
    ----------
    ctx : Context
        Needs ``X (N, 4, L)`` and ``y (N, T)``.

    Returns
    -------
    Result
    """

    data = ctx.option(NAME, "data", "the data")
    if ctx.X is None or ctx.y is None:
        raise InputError(f"{data}: holds no labels; evaluation needs a labelled file such as "
                         f"test.mat (sequences and their 0/1 targets)")
    strand = ctx.option(NAME, "strand", "auto")
    df = evaluate(ctx.model, ctx.X, ctx.y, strand_average=None if strand == "none" else strand,
                  batch_size=int(ctx.option(NAME, "batch_size", 256)),
                  device=ctx.device or str(next(ctx.model.parameters()).device),
                  progress=bool(ctx.option(NAME, "progress", False)))
    if not df.attrs.get("n_scored"):
        raise InputError(f"{data}: none of the {df.attrs.get('n_targets', ctx.y.shape[1])} "
                         f"targets has both positive and negative labels in the "
                         f"{ctx.X.shape[0]} rows used; expected rows of both classes")
    out = ctx.output(NAME)
    out.table(df, "per_target.csv")
    summary = dict(df.attrs)
    summary.update(run=str(ctx.run_dir), data=str(ctx.option(NAME, "data", "")),
                   n=int(ctx.X.shape[0]))
    blocks = [Metrics({"mean AUROC": summary.get("av_auroc"), "mean AUPR": summary.get("av_aupr"),
                       "targets scored": summary.get("n_scored"), "sequences": summary["n"]})]
    if len(df) == 919:
        comp = compare_published(df)
        out.table(comp, "comparison.csv")
        plot_comparison(comp, out.directory / "comparison.png")
        out.files.append(out.directory / "comparison.png")
        summary["published"] = _published(comp)
        blocks += [Image("comparison.png", caption="per-target AUROC: this run vs the published "
                                                   "DeepSEA, DanQ and DanQ-JASPAR"),
                   Metrics({f"{k} AUROC": v["av_auroc"] for k, v in summary["published"].items()},
                           title="Published means over the same targets")]
    blocks.append(Table("per_target.csv", max_rows=100))
    summary["files"] = {p.stem: str(p) for p in out.files} | {"summary": str(out.directory / "summary.json")}
    out.json(summary, "summary.json")
    return finish(NAME, out, {"per_target": df, "summary": summary}, title=TITLE, order=ORDER,
                  summary=f"mean AUROC {summary.get('av_auroc', float('nan')):.3f}", blocks=blocks)
