"""Attributions → seqlets → annotated seqlets → per-motif summary, in one call.

:func:`seqlets_from_attributions` is what the ``seqlets`` analysis, the benchmark and the
notebook run; :func:`control_attributions` makes the dinucleotide-shuffled controls whose
seqlets estimate the false-discovery rate.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from motifscope.core.errors import InputError
from motifscope.core.sequence import dinucleotide_shuffle
from motifscope.methods.attribution import attribute
from motifscope.methods.seqlets.annotate import aggregate_seqlets, annotate_seqlets
from motifscope.methods.seqlets.calling import recursive_seqlets, trim_seqlets

__all__ = ["SeqletResult", "control_attributions", "projected", "seqlets_from_attributions"]


class SeqletResult(NamedTuple):
    """What :func:`seqlets_from_attributions` returns.

    Attributes
    ----------
    seqlets : pandas.DataFrame
        Annotated seqlets (:func:`motifscope.methods.seqlets.annotate_seqlets`), by p-value.
    motifs : pandas.DataFrame or None
        Per-motif summary (:func:`motifscope.methods.seqlets.aggregate_seqlets`); None without a
        database.
    fdr : pandas.DataFrame or None
        The false-discovery table (with controls).
    threshold : float or None
        The p-value threshold the seqlets were called at.
    """

    seqlets: object
    motifs: object
    fdr: object
    threshold: float | None


def projected(attr, X) -> np.ndarray:
    """``Σ_c attr·X``: the attribution of the observed base, ``(N, L)``.

    Parameters
    ----------
    attr : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        Attributions (projected or hypothetical).
    X : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        One-hot sequences.

    Returns
    -------
    numpy.ndarray of shape (N, L), float64
    """
    a = np.asarray(attr.detach().cpu() if hasattr(attr, "detach") else attr, dtype=np.float64)
    x = np.asarray(X.detach().cpu() if hasattr(X, "detach") else X, dtype=np.float64)
    if a.shape != x.shape or a.ndim != 3 or a.shape[1] != 4:
        raise InputError(f"attributions {a.shape} and sequences {x.shape}: expected equal (N, 4, L)")
    return (a * x).sum(1)


def control_attributions(model, X, *, method: str, target, n_controls: int = 1,
                         random_state: int = 0, attribution_kwargs: dict | None = None,
                         device=None, progress: bool = False) -> np.ndarray:
    """Projected attributions of dinucleotide shuffles of ``X`` (the FDR control).

    Parameters
    ----------
    model : torch.nn.Module
    X : torch.Tensor of shape (N, 4, L)
        One-hot sequences.
    method : str
        A key of :data:`motifscope.methods.attribution.METHODS`.
    target : int or list of int
        What the attributions of ``X`` explain.
    n_controls : int
        Shuffles per sequence.
    random_state : int
        Seed of the shuffles (the method's own seed is ``random_state + 1``).
    attribution_kwargs : dict or None
        The other arguments given to the method for ``X``.
    device : str, torch.device or None
        Where to run the model (``None``: where it is).
    progress : bool

    Returns
    -------
    numpy.ndarray of shape (N · n_controls, L)
    """
    import torch

    Xt = torch.as_tensor(np.asarray(X.detach().cpu() if hasattr(X, "detach") else X), dtype=torch.float32)
    C = dinucleotide_shuffle(Xt, n=int(n_controls), random_state=random_state).float()
    C = C.reshape(-1, 4, Xt.shape[-1])
    kw = dict(attribution_kwargs or {})
    if method == "deeplift_shap":
        kw["random_state"] = random_state + 1
    res = attribute(model, C, method=method, target=target, device=device, progress=progress, **kw)
    res = res.attributions if hasattr(res, "attributions") else res
    return projected(res, C)


def seqlets_from_attributions(attr, X, *, control=None, motifs="jaspar", threshold: float = 0.01,
                              target_fdr: float = 0.1, min_len: int = 4, max_len: int = 25,
                              trim: bool = True, n_best: int = 3,
                              q_threshold: float = 0.05) -> SeqletResult:
    """Call seqlets, annotate them with a motif database, summarise per motif.

    Parameters
    ----------
    attr : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        Attributions (hypothetical ones are projected on ``X``).
    X : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        One-hot sequences.
    control : numpy.ndarray of shape (M, L) or None
        Projected control attributions (:func:`control_attributions`): seqlets are then
        called at ``target_fdr``; otherwise at the p-value ``threshold``.
    motifs : list of Motif, str, os.PathLike or None
        The database (``"jaspar"``: JASPAR CORE vertebrates); None skips annotation.
    threshold, target_fdr : float
        See :func:`motifscope.methods.seqlets.recursive_seqlets`.
    min_len, max_len : int
        Seqlet lengths.
    trim : bool
        Drop flanking positions without positive attribution
        (:func:`motifscope.methods.seqlets.trim_seqlets`).
    n_best : int
        Tomtom matches kept per seqlet.
    q_threshold : float
        Tomtom q-value for a seqlet to count as annotated.

    Returns
    -------
    SeqletResult
    """

    a = projected(attr, X)
    kw = {"min_len": min_len, "max_len": max_len}
    if control is not None:
        table, fdr = recursive_seqlets(a, control=control, target_fdr=target_fdr, return_fdr=True, **kw)
    else:
        table, fdr = recursive_seqlets(a, threshold=threshold, **kw), None
    thr = table.attrs.get("threshold")
    if trim:
        table = trim_seqlets(table, a)
    if motifs is None:
        return SeqletResult(table, None, fdr, thr)
    ann = annotate_seqlets(table, X, motifs, n_best=n_best, q_threshold=q_threshold)
    agg = aggregate_seqlets(ann, int(a.shape[1]))
    return SeqletResult(ann, agg, fdr, thr)
