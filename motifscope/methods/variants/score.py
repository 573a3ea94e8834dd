"""Scores of a variant: reference and alternative probabilities and how they differ.

For each variant and target ``t`` (the model's logit ``z_t``, sigmoid ``σ``):

- ``ref_prob`` = ``(σ(z_t(ref)) + σ(z_t(rc(ref)))) / 2``: the probability of the reference
  window averaged over both strands (``rc``: reverse complement), as DeepSEA averages the
  forward and reverse-complement predictions; with ``strand_average=False`` only the
  forward strand;
- ``alt_prob``: the same for the alternative window;
- ``diff`` = ``alt_prob - ref_prob``;
- ``log2_odds_ratio`` = ``log2(alt_prob / (1 - alt_prob)) - log2(ref_prob / (1 - ref_prob))``,
  with probabilities clipped to ``[1e-7, 1 - 1e-7]``: DeepSEA's "effect (log2)" on its web
  server (kipoi's ``DeepSEA_effect`` is a different score, ``|Δlogit| · |Δp|``).

One forward pass covers ``4 · n`` windows (ref, alt and their reverse complements).
"""

from __future__ import annotations

import numpy as np

from motifscope.methods.predict import predict

__all__ = ["EPS", "SCORES", "effect_scores", "score_windows"]

#: Probabilities are clipped to [EPS, 1 - EPS] before taking odds.
EPS = 1e-7
#: The scores per target, in the order of the output columns.
SCORES = ("ref_prob", "alt_prob", "diff", "log2_odds_ratio")


def effect_scores(ref_prob, alt_prob) -> dict:
    """The four scores from reference and alternative probabilities.

    Parameters
    ----------
    ref_prob, alt_prob : numpy.ndarray of shape (n, T)
        Probabilities of the reference and alternative windows.

    Returns
    -------
    dict of numpy.ndarray of shape (n, T), float32
        Keys :data:`SCORES`.
    """
    r = np.clip(np.asarray(ref_prob, dtype=np.float64), EPS, 1 - EPS)
    a = np.clip(np.asarray(alt_prob, dtype=np.float64), EPS, 1 - EPS)
    lor = (np.log2(a) - np.log2(1 - a)) - (np.log2(r) - np.log2(1 - r))
    return {"ref_prob": np.asarray(ref_prob, dtype=np.float32),
            "alt_prob": np.asarray(alt_prob, dtype=np.float32),
            "diff": (np.asarray(alt_prob, np.float64) - np.asarray(ref_prob, np.float64)
                     ).astype(np.float32),
            "log2_odds_ratio": lor.astype(np.float32)}


def score_windows(model, X_ref, X_alt, *, targets=None, strand_average: bool = True,
                  batch_size: int = 256, device=None) -> dict:
    """Score reference and alternative windows.

    Parameters
    ----------
    model : torch.nn.Module
        Logits ``(B, T)`` for ``(B, 4, L)``.
    X_ref, X_alt : torch.Tensor of shape (n, 4, L)
        One-hot windows (A, C, G, T).
    targets : sequence of int or None
        Columns kept (default all).
    strand_average : bool
        Average each probability with the reverse complement's.
    batch_size : int
        Windows per forward pass.
    device : str or None
        Where to run (None: the model's).

    Returns
    -------
    dict of numpy.ndarray of shape (n, len(targets)), float32
        Keys :data:`SCORES`.
    """
    import torch

    n = X_ref.shape[0]
    parts = [X_ref, X_alt]
    if strand_average:
        parts += [torch.flip(X_ref, (1, 2)), torch.flip(X_alt, (1, 2))]
    p = predict(model, torch.cat(parts), batch_size=batch_size, device=device)
    if targets is not None:
        p = p[:, list(targets)]
    p = p.astype(np.float64)
    ref, alt = p[:n], p[n:2 * n]
    if strand_average:
        ref, alt = (ref + p[2 * n:3 * n]) / 2, (alt + p[3 * n:]) / 2
    return effect_scores(ref.astype(np.float32), alt.astype(np.float32))
