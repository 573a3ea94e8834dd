"""Score attributions against planted-motif ground truth (simulated data).

For a task, the question is: in sequences that are positive for the task, does the
attribution at the observed base rank the positions of the planted motif instances that
make the task positive above the background positions? The score is the AUROC of that
ranking, pooled over the positive sequences. Positions of planted instances that are
irrelevant to the task are left out (they are neither motif nor background for it).

The ground truth comes from ``instances.tsv`` written by
:func:`motifscope.data.simulate.simulate` (read it with
:func:`motifscope.data.simulate.read_ground_truth`): columns ``split``, ``seq``,
``start``, ``end`` (0-based, half-open), ``tasks`` (comma-separated task indices whose
clean label the instance makes 1).
"""

from __future__ import annotations

import numpy as np

from motifscope._validation import as_tensor, check_one_hot
from motifscope.errors import InputError

__all__ = ["score_against_truth", "truth_masks"]


def _tasks_of(value) -> set[int]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return set()
    return {int(t) for t in str(value).split(",") if t.strip() != ""}


def truth_masks(instances, n: int, length: int, *, task: int, split: str | None = None,
                rows=None) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Per-position ground truth for one task.

    Parameters
    ----------
    instances : pandas.DataFrame
        The planted instances (``instances.tsv``).
    n : int
        Number of sequences scored.
    length : int
        Sequence length ``L``.
    task : int
        The task (label column).
    split : str or None
        Keep only instances of this split (``"train"``, ``"valid"``, ``"test"``).
    rows : array-like of int of shape (n,) or None
        Row of the split file each scored sequence is (default ``0 .. n-1``).

    Returns
    -------
    motif : numpy.ndarray of bool, shape (n, L)
        Positions inside an instance that makes ``task`` positive.
    background : numpy.ndarray of bool, shape (n, L)
        Positions inside no planted instance.
    positive : numpy.ndarray of bool, shape (n,)
        Sequences holding at least one instance that makes ``task`` positive.
    """
    needed = {"seq", "start", "end", "tasks"}
    missing = needed - set(instances.columns)
    if missing:
        raise InputError(f"instances lacks columns {sorted(missing)}; expected instances.tsv")
    df = instances
    if split is not None and "split" in df.columns:
        df = df[df["split"] == split]
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=int)
    if rows.shape != (n,):
        raise InputError(f"rows has shape {rows.shape}; expected ({n},)")
    where = {int(r): i for i, r in enumerate(rows)}
    motif = np.zeros((n, length), bool)
    any_inst = np.zeros((n, length), bool)
    for seq, start, end, tasks in zip(df["seq"], df["start"], df["end"], df["tasks"]):
        i = where.get(int(seq))
        if i is None:
            continue
        s, e = max(int(start), 0), min(int(end), length)
        any_inst[i, s:e] = True
        if task in _tasks_of(tasks):
            motif[i, s:e] = True
    return motif, ~any_inst, motif.any(1)


def score_against_truth(attr, X, instances, *, task: int, split: str | None = None,
                        rows=None, absolute: bool = False) -> dict:
    """AUROC of planted-motif positions vs background under the attribution.

    Parameters
    ----------
    attr : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        Attributions for ``task`` (any method).
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        The one-hot sequences; the score of a position is ``Σ_c attr·X`` (the value at
        the observed base).
    instances : pandas.DataFrame
        Planted instances (``instances.tsv``).
    task : int
        The task the attributions explain.
    split : str or None
        Split the sequences come from (filters ``instances``).
    rows : array-like of int of shape (N,) or None
        Row of the split file of each sequence (default ``0 .. N-1``).
    absolute : bool
        Rank by ``|score|`` instead of the signed score.

    Returns
    -------
    dict
        ``task``, ``auroc`` (NaN when there is nothing to score), ``n_sequences``
        (positive sequences scored), ``n_motif`` and ``n_background`` (positions).
    """
    from sklearn.metrics import roc_auc_score

    A = as_tensor(attr, "attr").detach().cpu()
    Xt = as_tensor(X, "X").detach().cpu()
    check_one_hot(A, "attr")
    check_one_hot(Xt, "X")
    if A.shape != Xt.shape:
        raise InputError(f"attr has shape {tuple(A.shape)} but X has {tuple(Xt.shape)}")
    n, _, L = Xt.shape
    score = (A * Xt).sum(1).numpy()
    if absolute:
        score = np.abs(score)
    motif, background, positive = truth_masks(instances, n, L, task=task, split=split,
                                              rows=rows)
    m = motif[positive]
    bg = background[positive]
    s = score[positive]
    pos, neg = s[m], s[bg]
    auroc = float("nan")
    if len(pos) and len(neg):
        y = np.r_[np.ones(len(pos)), np.zeros(len(neg))]
        auroc = float(roc_auc_score(y, np.r_[pos, neg]))
    return {"task": int(task), "auroc": auroc, "n_sequences": int(positive.sum()),
            "n_motif": int(len(pos)), "n_background": int(len(neg))}
