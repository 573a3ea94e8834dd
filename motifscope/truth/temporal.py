"""Does a temporal score rise where the planted motif is? (temporal scores against the truth)."""

from __future__ import annotations

import numpy as np

from motifscope.core.errors import InputError

__all__ = ["score_rises_against_truth"]


def score_rises_against_truth(scores: np.ndarray, positions: np.ndarray, intervals, *,
                              tolerance: int = 5, window: int = 5) -> dict:
    """Does the forward score rise most inside (or just after) a planted motif?

    The rise at a position is the sustained one: the lowest score over the ``window``
    positions from it on minus the median over the ``window`` positions before it. A
    masked prefix can make a score spike for a position or two and fall back (the model
    meets the edge of the unseen part right after a weak, unplanted match); a
    one-step difference takes that spike for the place the evidence arrives, the
    windowed rise does not. ``window=1`` is the plain one-step difference.

    Parameters
    ----------
    scores : numpy.ndarray of shape (N, P)
        Forward temporal scores.
    positions : numpy.ndarray of shape (P,)
        Their positions.
    intervals : sequence of list of (int, int)
        For each sequence, the planted motif instances that support the target, as
        0-based half-open ``(start, end)`` forward-strand coordinates.
    tolerance : int
        A rise up to this many bases after an instance's end still counts.
    window : int
        Scored positions on each side that are compared (1: one step).

    Returns
    -------
    dict
        ``share`` (fraction of sequences with at least one interval whose rise lies in
        ``[start, end + tolerance)``), ``hits`` (bool per sequence), ``rise_at`` (position
        of the largest increase per sequence).
    """
    S = np.asarray(scores, dtype=np.float64)
    if S.ndim != 2 or S.shape[1] != len(positions):
        raise InputError(f"scores has shape {S.shape}; expected (N, {len(positions)})")
    if len(intervals) != S.shape[0]:
        raise InputError(f"intervals has {len(intervals)} entries; expected {S.shape[0]}")
    if int(window) < 1:
        raise InputError(f"window must be at least 1, got {window}")
    w, P = int(window), S.shape[1]
    diff = np.full(S.shape, -np.inf)
    for k in range(1, P):  # after: positions k..k+w-1, before: k-w..k-1 (clipped)
        diff[:, k] = (S[:, k:min(P, k + w)].min(axis=1)
                      - np.median(S[:, max(0, k - w):k], axis=1))
    at = np.asarray(positions)[np.argmax(diff, axis=1)] if P > 1 else np.asarray(positions)[[0] * len(S)]
    hits = np.array([any(a <= p < b + tolerance for a, b in iv) for p, iv in zip(at, intervals)])
    return {"share": float(hits.mean()) if len(hits) else float("nan"), "hits": hits, "rise_at": at}
