"""Per-target evaluation as DeepATT and DanQ report it.

:func:`evaluate` predicts a test set, averages forward and reverse-complement predictions,
and scores each target with ``sklearn.metrics.roc_auc_score`` (AUROC) and
``average_precision_score`` (AUPR, step-wise average precision). A target whose labels are
all 0 or all 1 gets NaN and is skipped by the averages (``nanmean``): on the DeepSEA test
set that is target 598 (K562 BRF1), so the averages run over 918 targets.

Strand averaging (``strand_average``):

- ``"halves"``: the second half of the rows is the reverse complement of the first half, in
  the same order (DeepSEA's test.mat). Predictions of the two halves are averaged and labels
  come from the first half: ``pred = (p[:n/2] + p[n/2:]) / 2``.
- ``"rc"``: predict ``reverse_complement(X)`` as well and average with ``X``'s predictions.
- ``"auto"`` (or ``True``): ``"halves"`` when the rows are laid out that way (checked on a
  few pairs), else ``"rc"``.
- ``None`` (or ``False``): no averaging.
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_write_bytes
from motifscope.core.errors import InputError
from motifscope.core.sequence import reverse_complement
from motifscope.data.strands import check_strand_pairs
from motifscope.data.targets import targets
from motifscope.methods.predict import predict
from motifscope.plot.backend import pyplot

__all__ = [
    "METRIC_COLUMNS",
    "compare_published",
    "evaluate",
    "fast_auroc",
    "plot_comparison",
    "summarize",
]

METRIC_COLUMNS = ["target", "n", "n_pos", "auroc", "aupr"]


def fast_auroc(y_true: np.ndarray, y_score: np.ndarray) -> np.ndarray:
    """AUROC of every column at once (Mann-Whitney U with average ranks for ties).

    Equal to ``sklearn.metrics.roc_auc_score`` column by column, but vectorised: used for
    the per-epoch validation AUROC.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n, T)
        Labels in {0, 1}.
    y_score : numpy.ndarray of shape (n, T)
        Scores (probabilities or logits).

    Returns
    -------
    numpy.ndarray of shape (T,)
        AUROC per column; NaN where a column has no positives or no negatives.
    """
    from scipy.stats import rankdata

    y_true = np.asarray(y_true) > 0.5
    y_score = np.asarray(y_score, dtype=np.float64)
    if y_true.ndim == 1:
        y_true, y_score = y_true[:, None], y_score[:, None]
    ranks = rankdata(y_score, axis=0)
    n_pos = y_true.sum(0).astype(np.float64)
    n_neg = y_true.shape[0] - n_pos
    with np.errstate(invalid="ignore", divide="ignore"):
        u = (ranks * y_true).sum(0) - n_pos * (n_pos + 1) / 2
        auc = u / (n_pos * n_neg)
    auc[(n_pos == 0) | (n_neg == 0)] = np.nan
    return auc


def fast_average_precision(y_true: np.ndarray, y_score: np.ndarray) -> float:
    """Average precision of one ranking, equal to ``sklearn.metrics.average_precision_score``.

    ``AP = Σ_k (R_k − R_{k−1}) P_k`` over the distinct scores from the highest down (tied
    scores form one threshold), without sklearn's per-call input validation, which costs
    more than the sum itself on the few hundred positions of one sequence.

    Parameters
    ----------
    y_true : numpy.ndarray of shape (n,)
        Labels in {0, 1}.
    y_score : numpy.ndarray of shape (n,)
        Scores.

    Returns
    -------
    float
        NaN when there is no positive.
    """
    y = np.asarray(y_true).ravel() > 0.5
    v = np.asarray(y_score, dtype=np.float64).ravel()
    n_pos = int(y.sum())
    if n_pos == 0:
        return float("nan")
    o = np.argsort(-v, kind="mergesort")
    v, y = v[o], y[o]
    last = np.r_[np.flatnonzero(np.diff(v)), len(v) - 1]  # the end of each tied block
    tp = np.cumsum(y)[last].astype(np.float64)
    precision = tp / (last + 1)
    recall_step = np.diff(np.r_[0.0, tp]) / n_pos
    return float((recall_step * precision).sum())


def _normalise_strand(strand_average) -> str | None:
    if strand_average is True:
        return "auto"
    if strand_average is False or strand_average is None:
        return None
    s = str(strand_average).lower()
    if s in ("none", "no", "off", "false"):
        return None
    if s not in ("auto", "halves", "rc"):
        raise InputError(
            f"strand_average must be 'auto', 'halves', 'rc' or None, got {strand_average!r}"
        )
    return s


def _score(y: np.ndarray, pred: np.ndarray):
    import pandas as pd
    from sklearn.metrics import average_precision_score, roc_auc_score

    y = np.asarray(y) > 0.5
    n, T = y.shape
    n_pos = y.sum(0)
    auroc = np.full(T, np.nan)
    aupr = np.full(T, np.nan)
    for t in range(T):
        if 0 < n_pos[t] < n:
            auroc[t] = roc_auc_score(y[:, t], pred[:, t])
            aupr[t] = average_precision_score(y[:, t], pred[:, t])
    return pd.DataFrame(
        {"target": np.arange(T), "n": n, "n_pos": n_pos.astype(int), "auroc": auroc, "aupr": aupr}
    )


def evaluate(
    model,
    X,
    y,
    *,
    strand_average="auto",
    batch_size: int = 256,
    device: str | None = None,
    progress: bool = False,
):
    """Score a model per target on a labelled set.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(B, T)`` for input ``(B, 4, L)``.
    X : torch.Tensor or numpy.ndarray of shape (n, 4, L)
        One-hot sequences, A, C, G, T.
    y : torch.Tensor or numpy.ndarray of shape (n, T)
        Labels in {0, 1}.
    strand_average : {"auto", "halves", "rc", None} or bool
        How forward and reverse-complement predictions are averaged (module docstring).
        With ``"halves"``, ``n`` must be even and labels come from the first half.
    batch_size : int
        Prediction batch size.
    device : str or None
        Device for prediction; None keeps the model's device.
    progress : bool
        Show a progress bar.

    Returns
    -------
    pandas.DataFrame
        One row per target: ``target`` (index), ``n`` (scored rows), ``n_pos``, ``auroc``,
        ``aupr`` (NaN where labels are all 0 or all 1). ``df.attrs`` holds ``strand_average``
        (the mode used) and the summary of :func:`summarize`.

    Raises
    ------
    InputError
        On mismatched shapes (also labels whose columns are not the model's outputs:
        a 13-label file against 919 outputs), or ``"halves"`` with an odd number of rows.
    """

    y = y.numpy() if hasattr(y, "numpy") else np.asarray(y)
    if X.ndim != 3 or X.shape[1] != 4:
        raise InputError(f"X has shape {tuple(X.shape)}; expected (n, 4, L)")
    if y.ndim != 2 or y.shape[0] != X.shape[0]:
        raise InputError(f"y has shape {y.shape}; expected ({X.shape[0]}, n_targets)")
    mode = _normalise_strand(strand_average)
    if mode == "auto":
        mode = "halves" if check_strand_pairs(X) else "rc"
    T = getattr(model, "n_targets", None)
    if T is not None and int(T) != y.shape[1]:  # label t would be scored against output t
        raise InputError(f"the labels have {y.shape[1]} targets and the model {int(T)} outputs; "
                         f"expected one label column per output (a file made for this model)")
    pred = predict(model, X, batch_size=batch_size, device=device, progress=progress)
    if pred.shape[1] != y.shape[1]:
        raise InputError(f"the labels have {y.shape[1]} targets and the model {pred.shape[1]} "
                         f"outputs; expected one label column per output")
    if mode == "halves":
        if X.shape[0] % 2:
            raise InputError(
                f"strand_average='halves' needs an even number of rows, got {X.shape[0]}"
            )
        half = X.shape[0] // 2
        pred = (pred[:half] + pred[half:]) / 2
        y = y[:half]
    elif mode == "rc":
        pred = (pred + predict(model, reverse_complement(X), batch_size=batch_size,
                               device=device, progress=progress)) / 2
    df = _score(y, pred)
    df.attrs["strand_average"] = mode or "none"
    df.attrs.update(summarize(df))
    return df


def summarize(df) -> dict:
    """Average per-target metrics, skipping targets without both classes.

    Parameters
    ----------
    df : pandas.DataFrame
        The output of :func:`evaluate`.

    Returns
    -------
    dict
        ``av_auroc``, ``av_aupr`` (nanmean), ``n_targets``, ``n_scored`` and ``skipped``
        (list of target indices with NaN metrics).
    """
    au = df["auroc"].to_numpy(dtype=float)
    ap = df["aupr"].to_numpy(dtype=float)
    ok = np.isfinite(au)
    return {
        "av_auroc": float(np.mean(au[ok])) if ok.any() else math.nan,
        "av_aupr": float(np.mean(ap[ok])) if ok.any() else math.nan,
        "n_targets": len(df),
        "n_scored": int(ok.sum()),
        "skipped": [int(t) for t in df["target"].to_numpy()[~ok]],
    }


def compare_published(df):
    """Join per-target metrics with the published DeepSEA, DanQ and DanQ-JASPAR numbers.

    Parameters
    ----------
    df : pandas.DataFrame
        The output of :func:`evaluate` for a 919-target model.

    Returns
    -------
    pandas.DataFrame
        919 rows: ``target``, the target's description columns from
        :func:`motifscope.data.targets.targets`, ours (``auroc``, ``aupr``) and the
        published ``*_auroc`` / ``*_aupr`` columns.

    Raises
    ------
    InputError
        If ``df`` does not have 919 targets.
    """

    if len(df) != 919:
        raise InputError(f"published numbers exist for the 919 DeepSEA targets, got {len(df)}")
    tab = targets().reset_index(drop=True)
    ours = df[["target", "n_pos", "auroc", "aupr"]].reset_index(drop=True)
    keep = [c for c in tab.columns if c not in ours.columns]
    return ours.join(tab[keep])


def _category_column(tab) -> str | None:
    for c in ("category", "kind", "assay", "type"):
        if c in tab.columns:
            return c
    return None


def plot_comparison(comp, path: str | os.PathLike, *, metric: str = "auroc") -> Path:
    """Scatter plot, ours vs published per target, one panel per published model.

    Parameters
    ----------
    comp : pandas.DataFrame
        The output of :func:`compare_published`.
    path : str or os.PathLike
        Output PNG (written atomically).
    metric : {"auroc", "aupr"}
        Which metric to plot.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import io

    plt = pyplot()

    refs = [c for c in ("deepsea", "danq", "danqjaspar") if f"{c}_{metric}" in comp.columns]
    labels = {"deepsea": "DeepSEA", "danq": "DanQ", "danqjaspar": "DanQ-JASPAR"}
    cat_col = _category_column(comp)
    if cat_col is None:
        cats = np.where(comp["target"] < 125, "DNase",
                        np.where(comp["target"] < 815, "TF", "Histone"))
    else:
        cats = comp[cat_col].astype(str).to_numpy()
    fig, axes = plt.subplots(1, max(len(refs), 1), figsize=(4.2 * max(len(refs), 1), 4.2),
                             squeeze=False)
    ours = comp[metric].to_numpy(dtype=float)
    for ax, ref in zip(axes[0], refs):
        pub = comp[f"{ref}_{metric}"].to_numpy(dtype=float)
        for cat in sorted(set(cats)):
            m = (cats == cat) & np.isfinite(ours) & np.isfinite(pub)
            ax.scatter(pub[m], ours[m], s=6, alpha=0.6, label=f"{cat} ({int(m.sum())})")
        lo = np.nanmin(np.concatenate([pub, ours])) if np.isfinite(ours).any() else 0.5
        lo = min(lo, 0.5 if metric == "auroc" else 0.0)
        ax.plot([lo, 1], [lo, 1], color="grey", lw=0.8)
        ax.set_xlabel(f"published {labels[ref]} {metric.upper()}")
        ax.set_ylabel(f"ours {metric.upper()}")
        ok = np.isfinite(ours) & np.isfinite(pub)
        ax.set_title(f"vs {labels[ref]}: mean {np.mean(ours[ok]):.4f} / {np.mean(pub[ok]):.4f}"
                     if ok.any() else f"vs {labels[ref]}", fontsize=9)
        ax.legend(fontsize=7, markerscale=2)
    fig.tight_layout()
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=120)
    plt.close(fig)
    return atomic_write_bytes(path, buf.getvalue())
