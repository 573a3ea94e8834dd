"""Score attributions against planted-motif ground truth (simulated data).

For a task, the question is: in sequences that are positive for the task, does the
attribution at the observed base rank the positions of the planted motif instances that
make the task positive above the background positions? The score is the AUROC of that
ranking, pooled over the positive sequences. Positions of planted instances that are
irrelevant to the task are left out (they are neither motif nor background for it).

Besides the pooled AUROC, the literature's per-sequence scores (Koo & Ploenzke 2021,
``tfomics``; Majdandzic et al. 2023): for each positive sequence, *signal* positions are
those of instances making the task positive whose planted PWM column carries more than
``ic_threshold`` (0.01) bits of information (the motif's columns read on the instance's
strand; every instance position when no motifs are given), *noise* positions are those
inside no planted instance. Per sequence: AUROC and AUPR (average precision) of signal vs
noise under the score; and signal-to-noise statistics of ``|score|``: the mean at signal
positions over the mean, the maximum and the mean of the ``top_k`` largest noise values
(infinite when the noise is exactly 0). Each is averaged over the sequences where it is
defined.

The ground truth comes from ``instances.tsv`` written by
:func:`motifscope.data.simulate.simulate` (read it with
:func:`motifscope.data.simulate.read_ground_truth`): columns ``split``, ``seq``,
``start``, ``end`` (0-based, half-open), ``tasks`` (comma-separated task indices whose
clean label the instance makes 1).
"""

from __future__ import annotations

import numpy as np

from motifscope.core.errors import InputError
from motifscope.core.validation import as_tensor, check_one_hot
from motifscope.methods.evaluate import fast_auroc, fast_average_precision

__all__ = ["score_against_truth", "signal_mask", "truth_masks"]


def _tasks_of(value) -> set[int]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return set()
    return {int(t) for t in str(value).split(",") if t.strip() != ""}


def _of_rows(instances, rows):
    """The instances in the scored rows (a Python loop over a whole split's instances
    dominated the scoring of a few sequences)."""
    return instances[instances["seq"].isin(np.asarray(rows))]


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
    df = _of_rows(df, rows)
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


def signal_mask(instances, n: int, length: int, *, task: int, motifs, split: str | None = None,
                rows=None, ic_threshold: float = 0.01) -> np.ndarray:
    """Positions of task-relevant instances whose planted PWM column is informative.

    Parameters
    ----------
    instances : pandas.DataFrame
        The planted instances (``instances.tsv``; ``motif`` and ``strand`` columns used).
    n, length : int
        Sequences scored and their length ``L``.
    task : int
        The task.
    motifs : list of Motif
        The planted motifs (by name); an instance whose motif is missing or whose width
        differs counts with all its positions.
    split : str or None
        Keep only instances of this split.
    rows : array-like of int of shape (n,) or None
        Row of the split file of each scored sequence (default ``0 .. n-1``).
    ic_threshold : float
        Information content (bits) a column needs to count as signal.

    Returns
    -------
    numpy.ndarray of bool, shape (n, L)
    """
    df = instances
    if split is not None and "split" in df.columns:
        df = df[df["split"] == split]
    rows = np.arange(n) if rows is None else np.asarray(rows, dtype=int)
    df = _of_rows(df, rows)
    where = {int(r): i for i, r in enumerate(rows)}
    ic = {m.name: m.information_content() for m in (motifs or [])}
    names = df["motif"] if "motif" in df.columns else [None] * len(df)
    strands = df["strand"] if "strand" in df.columns else ["+"] * len(df)
    out = np.zeros((n, length), bool)
    for seq, start, end, tasks, name, strand in zip(df["seq"], df["start"], df["end"],
                                                    df["tasks"], names, strands):
        i = where.get(int(seq))
        if i is None or task not in _tasks_of(tasks):
            continue
        s, e = int(start), int(end)
        keep = np.ones(e - s, bool)
        if name in ic and len(ic[name]) == e - s:
            col = ic[name] if strand != "-" else ic[name][::-1]
            keep = col > ic_threshold
        pos = np.arange(s, e)[keep]
        pos = pos[(pos >= 0) & (pos < length)]
        out[i, pos] = True
    return out


def _per_sequence(score, signal, noise, top_k: int) -> dict:
    """Per-sequence AUROC/AUPR and signal-to-noise statistics, averaged."""

    au, ap, r_mean, r_max, r_top, sig, nmean, nmax, ntop = ([] for _ in range(9))
    for s, sg, ns in zip(score, signal, noise):
        if not sg.any() or not ns.any():
            continue
        y = np.r_[np.ones(sg.sum()), np.zeros(ns.sum())]
        v = np.r_[s[sg], s[ns]]
        au.append(float(fast_auroc(y, v)[0]))
        ap.append(fast_average_precision(y, v))
        a_sig, a_noise = np.abs(s[sg]).mean(), np.abs(s[ns])
        top = np.sort(a_noise)[::-1][:top_k].mean()
        sig.append(a_sig)
        nmean.append(a_noise.mean())
        nmax.append(a_noise.max())
        ntop.append(top)
        for lst, d in ((r_mean, a_noise.mean()), (r_max, a_noise.max()), (r_top, top)):
            lst.append(a_sig / d if d > 0 else (np.inf if a_sig > 0 else np.nan))

    def m(v):
        return float(np.nanmean(v)) if len(v) and not np.isnan(v).all() else float("nan")

    return {"auroc_per_sequence": m(au), "aupr_per_sequence": m(ap), "signal_mean": m(sig),
            "noise_mean": m(nmean), "noise_max": m(nmax), "noise_topk": m(ntop),
            "snr_mean": m(r_mean), "snr_max": m(r_max), "snr_topk": m(r_top),
            "n_sequences_scored": len(au)}


def score_against_truth(attr, X, instances, *, task: int, split: str | None = None,
                        rows=None, absolute: bool = False, motifs=None,
                        ic_threshold: float = 0.01, top_k: int = 10) -> dict:
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
    motifs : list of Motif or None
        The planted motifs: signal positions of the per-sequence scores are their columns
        above ``ic_threshold`` bits (every instance position when None).
    ic_threshold : float
        Information content (bits) of a signal column (tfomics: 0.01).
    top_k : int
        Noise positions averaged for ``snr_topk``.

    Returns
    -------
    dict
        ``task``, ``auroc`` (pooled; NaN when there is nothing to score), ``n_sequences``
        (positive sequences scored), ``n_motif`` and ``n_background`` (positions); the
        per-sequence means ``auroc_per_sequence``, ``aupr_per_sequence``; ``signal_mean``,
        ``noise_mean``, ``noise_max``, ``noise_topk`` (of ``|score|``) and the means of the
        per-sequence ratios ``snr_mean``, ``snr_max``, ``snr_topk``;
        ``n_sequences_scored``.
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
    signal = motif if motifs is None else signal_mask(instances, n, L, task=task, motifs=motifs,
                                                      split=split, rows=rows,
                                                      ic_threshold=ic_threshold)
    per = _per_sequence(s, signal[positive], bg, int(top_k))
    return {"task": int(task), "auroc": auroc, "n_sequences": int(positive.sum()),
            "n_motif": len(pos), "n_background": len(neg), **per}
