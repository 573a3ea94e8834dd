"""DeepATT's category attention: query vectors, their similarity, attention maps.

DeepATT feeds the identity matrix ``I_T`` through the query projection of its category
attention, so the query of target ``i`` is row ``i`` of ``Q = W_q.weight.T + b_q``: a learned
``(T, 400)`` matrix, the same for every input, split into 4 heads of 100 dimensions. The
DeepATT paper plots the cosine similarity of the 919 trained query vectors (DNase 0–124,
TF 125–814, histone 815–918), "enhanced" by a sigmoid, next to that of untrained (random)
queries, where only the diagonal is lit.

This module computes

- :func:`query_vectors`: ``(T, D)`` or per head ``(H, T, D / H)``;
- :func:`cosine_similarity` and :func:`sigmoid_enhance` (the enhancement's centre and slope
  are parameters; the paper does not state them);
- :func:`random_queries`: the control, queries with the same shape and initialisation
  (Keras glorot-uniform weight, zero bias) but no training;
- :func:`group_statistics` and :func:`pair_statistics`: mean similarity within vs between
  groups (categories, the same factor across cell types, the same cell type across factors)
  with permutation p-values, so "subtle correlations" become numbers;
- :func:`order_targets`: by category, or hierarchical clustering within category;
- :func:`attention_maps`: where each target's query attends along the sequence;
- plots: :func:`plot_similarity` (matplotlib, category bands) and
  :func:`similarity_figure` (plotly, hover shows both targets).

The whole analysis on a run (files, report section) is :mod:`motifscope.analysis.similarity`.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import torch

from motifscope.core.devices import model_on
from motifscope.core.errors import InputError
from motifscope.core.validation import as_tensor, check_one_hot
from motifscope.plot.similarity import plot_attention, plot_similarity, similarity_figure

__all__ = [
    "attention_maps",
    "cosine_similarity",
    "deepsea_categories",
    "group_statistics",
    "order_targets",
    "pair_statistics",
    "plot_attention",
    "plot_similarity",
    "query_vectors",
    "random_queries",
    "sigmoid_enhance",
    "similarity_statistics",
    "similarity_figure",
]

DEEPSEA_CATEGORIES = (("DNase", 0, 125), ("TF", 125, 815), ("Histone", 815, 919))


def _attention(model):
    att = getattr(model, "attention", None)
    if att is None or not hasattr(att, "queries"):
        raise InputError(
            f"model {getattr(model, 'name', type(model).__name__)!r} has no category attention; "
            "query vectors exist only for DeepATT models (deepatt, deepatt_plus, deepatt_demo)"
        )
    return att


def query_vectors(model, *, per_head: bool = False) -> np.ndarray:
    """The learned query vector of every target.

    Parameters
    ----------
    model : torch.nn.Module
        A DeepATT-family model (its ``attention`` module has ``queries()``, ``heads``).
    per_head : bool
        Split the ``D`` dimensions into the attention heads.

    Returns
    -------
    numpy.ndarray of shape (T, D) or (H, T, D / H), float64
        ``W_q.weight.T + b_q``; with ``per_head``, head ``h`` is columns
        ``h·D/H … (h+1)·D/H − 1``, exactly as the attention splits them.
    """
    att = _attention(model)
    with torch.no_grad():
        Q = att.queries().detach().cpu().double().numpy()
    if per_head:
        H = int(att.heads)
        T, D = Q.shape
        return Q.reshape(T, H, D // H).transpose(1, 0, 2).copy()
    return Q


def cosine_similarity(Q) -> np.ndarray:
    """Cosine similarity between every pair of rows.

    Parameters
    ----------
    Q : numpy.ndarray of shape (T, D) or (H, T, d)
        Query vectors (per head for a 3-D array).

    Returns
    -------
    numpy.ndarray of shape (T, T) or (H, T, T)
        ``S[i, j] = q_i · q_j / (|q_i| |q_j|)``; a zero vector has similarity 0 with
        everything (and 1 with itself).
    """
    Q = np.asarray(Q, dtype=np.float64)
    if Q.ndim not in (2, 3):
        raise InputError(f"Q has shape {Q.shape}; expected (T, D) or (H, T, d)")
    n = np.linalg.norm(Q, axis=-1, keepdims=True)
    U = np.divide(Q, n, out=np.zeros_like(Q), where=n > 0)
    S = U @ np.swapaxes(U, -1, -2)
    S = np.clip(S, -1.0, 1.0)
    idx = np.arange(Q.shape[-2])
    S[..., idx, idx] = 1.0
    return S


def sigmoid_enhance(S, *, center: float | None = None, slope: float | None = None) -> np.ndarray:
    """Contrast-enhance a similarity map with a sigmoid, as DeepATT's figure does.

    ``E = 1 / (1 + exp(−slope · (S − center)))``. The DeepATT paper names the sigmoid but
    not its parameters; the defaults here are data-driven and stated: ``center`` = the mean
    off-diagonal similarity and ``slope`` = ``2 / sd`` of the off-diagonal similarities, so
    one standard deviation above the mean maps to 0.88 and one below to 0.12.

    Parameters
    ----------
    S : numpy.ndarray of shape (T, T) or (H, T, T)
        A similarity map.
    center : float or None
        Value mapped to 0.5.
    slope : float or None
        Steepness.

    Returns
    -------
    numpy.ndarray of the same shape, values in (0, 1)
    """
    S = np.asarray(S, dtype=np.float64)
    T = S.shape[-1]
    off = S[..., ~np.eye(T, dtype=bool)]
    if center is None:
        center = float(off.mean())
    if slope is None:
        sd = float(off.std())
        slope = 2.0 / sd if sd > 0 else 1.0
    return 1.0 / (1.0 + np.exp(-slope * (S - center)))


def random_queries(shape_or_model, *, random_state=None) -> np.ndarray:
    """Untrained query vectors: the "no valid correlation" control of the DeepATT paper.

    Parameters
    ----------
    shape_or_model : tuple of int or torch.nn.Module
        ``(T, D)``, or a DeepATT model whose query shape is copied.
    random_state : int, numpy.random.Generator or None
        Seed.

    Returns
    -------
    numpy.ndarray of shape (T, D)
        Keras glorot-uniform weights (limit ``sqrt(6 / (T + D))``, the initialisation of
        DeepATT's ``Dense(400)`` on the 919-wide identity) plus the zero initial bias.
    """
    if isinstance(shape_or_model, torch.nn.Module):
        T, D = query_vectors(shape_or_model).shape
    else:
        T, D = (int(v) for v in shape_or_model)
    rng = np.random.default_rng(random_state)
    limit = math.sqrt(6.0 / (T + D))
    return rng.uniform(-limit, limit, size=(T, D))


def deepsea_categories(n_targets: int = 919) -> np.ndarray:
    """Category of each DeepSEA target: DNase 0–124, TF 125–814, histone 815–918.

    Parameters
    ----------
    n_targets : int
        Must be 919.

    Returns
    -------
    numpy.ndarray of shape (919,), dtype object
    """
    if n_targets != 919:
        raise InputError(f"DeepSEA categories need 919 targets, got {n_targets}")
    out = np.empty(919, dtype=object)
    for name, a, b in DEEPSEA_CATEGORIES:
        out[a:b] = name
    return out


def _offdiag_mean(S, mask):
    return float(S[mask].mean()) if mask.any() else float("nan")


def pair_statistics(S, mask, *, n_permutations: int = 1000, random_state=None) -> dict:
    """Mean similarity of the marked pairs vs all other pairs, with a permutation p-value.

    The null hypothesis is that the marks are unrelated to the similarity: targets are
    relabelled at random (``S[p][:, p]`` for a random permutation ``p``), which keeps the
    structure of both the map and the marked pairs.

    Parameters
    ----------
    S : numpy.ndarray of shape (T, T)
        A symmetric similarity map.
    mask : numpy.ndarray of shape (T, T), bool
        Marked pairs (only the off-diagonal part is used; symmetrised).
    n_permutations : int
        Number of random relabellings.
    random_state : int, numpy.random.Generator or None
        Seed.

    Returns
    -------
    dict
        ``marked``, ``other`` (mean similarities), ``difference``, ``p_value`` (one-sided,
        ``(1 + #{perm ≥ observed}) / (1 + n_permutations)``), ``n_marked`` (pairs), ``n_other``.
    """
    S = np.asarray(S, dtype=np.float64)
    T = S.shape[0]
    if S.shape != (T, T):
        raise InputError(f"S has shape {S.shape}; expected a square (T, T) map")
    mask = np.asarray(mask, dtype=bool)
    if mask.shape != S.shape:
        raise InputError(f"mask has shape {mask.shape}; expected {S.shape}")
    off = ~np.eye(T, dtype=bool)
    m = (mask | mask.T) & off
    o = off & ~m
    obs_in, obs_out = _offdiag_mean(S, m), _offdiag_mean(S, o)
    obs = obs_in - obs_out
    rng = np.random.default_rng(random_state)
    hits = 0
    n_m, n_o = m.sum(), o.sum()
    total = S[off].sum()
    for _ in range(int(n_permutations)):
        p = rng.permutation(T)
        sin = S[np.ix_(p, p)][m].sum()
        d = sin / n_m - (total - sin) / n_o
        hits += d >= obs - 1e-12
    return {
        "marked": obs_in,
        "other": obs_out,
        "difference": obs,
        "p_value": float((1 + hits) / (1 + int(n_permutations))),
        "n_marked": int(n_m // 2),
        "n_other": int(n_o // 2),
    }


def group_statistics(S, groups: dict, *, n_permutations: int = 1000, random_state=None,
                     subset=None) -> pd.DataFrame:
    """Within-group vs between-group similarity for one or more groupings.

    Parameters
    ----------
    S : numpy.ndarray of shape (T, T)
        A similarity map.
    groups : dict of str to sequence of length T
        Each grouping labels every target (e.g. ``{"category": ..., "factor": ...,
        "cell type": ...}``); ``None``/NaN labels take no part.
    n_permutations : int
        Random relabellings per grouping.
    random_state : int or None
        Seed.
    subset : sequence of int or None
        Restrict every statistic to these targets (e.g. the TF targets 125–814).

    Returns
    -------
    pandas.DataFrame
        One row per grouping: ``within``, ``between``, ``difference``, ``p_value``,
        ``n_within_pairs``, ``n_between_pairs``, ``n_targets``.
    """
    S = np.asarray(S, dtype=np.float64)
    idx = np.arange(S.shape[0]) if subset is None else np.asarray(subset)
    rows = []
    for name, labels in groups.items():
        lab = pd.Series(np.asarray(labels, dtype=object)[idx])
        keep = lab.notna().to_numpy() & (lab.astype(str) != "None").to_numpy()
        sub = idx[keep]
        codes = pd.factorize(lab[keep])[0]
        Ssub = S[np.ix_(sub, sub)]
        mask = codes[:, None] == codes[None, :]
        st = pair_statistics(Ssub, mask, n_permutations=n_permutations, random_state=random_state)
        rows.append({
            "grouping": name,
            "within": st["marked"],
            "between": st["other"],
            "difference": st["difference"],
            "p_value": st["p_value"],
            "n_within_pairs": st["n_marked"],
            "n_between_pairs": st["n_other"],
            "n_targets": len(sub),
        })
    return pd.DataFrame(rows)


def similarity_statistics(S, R, *, groups=None, pair_masks=None, n_permutations: int = 1000,
                          random_state: int = 0) -> pd.DataFrame:
    """Within- vs between-group similarity of trained ``S`` and random ``R`` queries.

    Parameters
    ----------
    S, R : numpy.ndarray of shape (T, T)
        Cosine similarities of the trained and of random queries.
    groups : dict of str to sequence or None
        Groupings (a label per target) for :func:`group_statistics`.
    pair_masks : dict of str to numpy.ndarray of shape (T, T) or None
        Pair sets for :func:`pair_statistics`.
    n_permutations : int
    random_state : int

    Returns
    -------
    pandas.DataFrame
        ``queries`` (trained/random), ``grouping``, ``within``, ``between``, ``difference``,
        ``p_value`` and pair counts.
    """
    rows = []
    for which, M in (("trained", S), ("random", R)):
        if groups:
            df = group_statistics(M, groups, n_permutations=n_permutations, random_state=random_state)
            df.insert(0, "queries", which)
            rows.append(df)
        for name, mask in (pair_masks or {}).items():
            st = pair_statistics(M, mask, n_permutations=n_permutations, random_state=random_state)
            rows.append(pd.DataFrame([{
                "queries": which, "grouping": name, "within": st["marked"], "between": st["other"],
                "difference": st["difference"], "p_value": st["p_value"],
                "n_within_pairs": st["n_marked"], "n_between_pairs": st["n_other"],
                "n_targets": M.shape[0]}]))
    return pd.concat(rows, ignore_index=True) if rows else pd.DataFrame()


def order_targets(S, categories=None, *, method: str = "category") -> np.ndarray:
    """An order of the targets for display.

    Parameters
    ----------
    S : numpy.ndarray of shape (T, T)
        Similarity map.
    categories : sequence of length T or None
        Category of each target; categories keep their first-appearance order.
    method : {"category", "cluster"}
        ``category``: index order within each category; ``cluster``: average-linkage
        hierarchical clustering on ``1 − S`` within each category (or over all targets
        without categories), leaves in dendrogram order.

    Returns
    -------
    numpy.ndarray of shape (T,), int
        A permutation of ``0 … T−1``.
    """
    if method not in ("category", "cluster"):
        raise InputError(f"method must be 'category' or 'cluster', got {method!r}")
    S = np.asarray(S, dtype=np.float64)
    T = S.shape[0]
    cats = np.zeros(T, dtype=int) if categories is None else pd.factorize(np.asarray(categories, dtype=object))[0]
    order = []
    for c in pd.unique(cats):
        members = np.flatnonzero(cats == c)
        if method == "cluster" and len(members) > 2:
            from scipy.cluster.hierarchy import leaves_list, linkage
            from scipy.spatial.distance import squareform

            D = 1.0 - S[np.ix_(members, members)]
            D = (D + D.T) / 2
            np.fill_diagonal(D, 0.0)
            Z = linkage(squareform(np.clip(D, 0, None), checks=False), method="average")
            members = members[leaves_list(Z)]
        order.extend(members.tolist())
    return np.asarray(order)


@torch.no_grad()
def attention_maps(model, X, *, targets=None, batch_size: int = 64, device=None) -> np.ndarray:
    """Attention weights of each target's query over the sequence positions.

    Parameters
    ----------
    model : torch.nn.Module
        A DeepATT-family model.
    X : torch.Tensor of shape (N, 4, L)
        One-hot sequences, A, C, G, T.
    targets : int, sequence of int or None
        Targets to keep (all by default).
    batch_size : int
        Sequences per forward pass.
    device : str or torch.device
        Where to run.

    Returns
    -------
    numpy.ndarray of shape (N, T', heads, P), float32
        Softmax weights over the ``P`` pooled positions (each row sums to 1). Pooled
        position ``p`` covers input bases ``p·pool … p·pool + pool + k − 2`` where ``k`` is
        the first convolution's width.
    """

    att = _attention(model)
    check_one_hot(X)
    X = as_tensor(X)
    sel = None if targets is None else np.atleast_1d(np.asarray(targets, dtype=int))
    att.store_weights = True
    out = []
    try:
        with model_on(model, device) as dev, torch.no_grad():
            for i in range(0, X.shape[0], batch_size):
                model(X[i : i + batch_size].to(dev))
                w = att.last_weights.permute(0, 2, 1, 3)  # (n, heads, T, P) -> (n, T, heads, P)
                if sel is not None:
                    w = w[:, torch.as_tensor(sel)]
                out.append(w.float().cpu().numpy())
    finally:
        att.store_weights = False
        att.last_weights = None
    return np.concatenate(out, axis=0)
