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

from motifscope.analysis._base import Context, Result, finish
from motifscope.report.blocks import Image, Metrics, Table

NAME, TITLE, ORDER = "evaluate", "Test evaluation", 10
__all__ = ["applies", "run", "select_rows"]


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


def select_rows(X, y, n: int | None, strand: str = "auto"):
    """The first ``n`` rows, keeping strand pairs together.

    Parameters
    ----------
    X : torch.Tensor of shape (N, 4, L)
    y : torch.Tensor or numpy.ndarray of shape (N, T)
    n : int or None
        Rows wanted (``None``: all). With the halves layout (reverse complements in the
        second half) the first ``n/2`` rows of each half are kept.
    strand : str
        The strand averaging that will be used.

    Returns
    -------
    tuple
        ``(X, y)`` subsets.
    """
    import torch

    from motifscope.strands import check_strand_pairs

    if n is None or n >= X.shape[0]:
        return X, y
    if strand in ("auto", "halves") and check_strand_pairs(X):
        half, k = X.shape[0] // 2, max(n // 2, 1)
        idx = torch.from_numpy(np.concatenate([np.arange(k), half + np.arange(k)]))
        return X[idx], y[idx]
    return X[:n], y[:n]


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
    from motifscope.errors import InputError
    from motifscope.evaluate import compare_published, evaluate, plot_comparison

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
