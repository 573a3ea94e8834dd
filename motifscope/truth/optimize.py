"""Does an optimised input hold the planted motif? (class optimisation against the truth).

:func:`motif_match_score` scores the best window of a PPM with a motif's log-odds;
:func:`contains_motif` compares that with the motif's own sampled instances.
"""

from __future__ import annotations

import numpy as np

from motifscope.core.motifs import Motif

__all__ = ["contains_motif", "motif_match_score"]


def motif_match_score(ppm, motif: Motif, *, both_strands: bool = True, hard: bool = True) -> float:
    """Best log-odds of ``motif`` over all windows of ``ppm``.

    With ``hard`` (default) the PPM is first turned into its most likely sequence (one
    base per column), which is then scored like a planted instance: ``Σ_j w_j[b_j]`` with
    the motif's PWM ``w`` (log2 odds vs a uniform background). Without it, each window
    scores ``Σ_j p_j · w_j``, the log-odds a sequence drawn from the window would have on
    average. The maximum over windows (and strands) is returned.

    Parameters
    ----------
    ppm : numpy.ndarray of shape (4, L)
        A PPM (e.g. an optimised input).
    motif : Motif
        The motif to look for.
    both_strands : bool
        Also scan the reverse complement of the motif.
    hard : bool
        Score the PPM's most likely sequence instead of the expectation.

    Returns
    -------
    float
    """
    A = np.asarray(ppm, dtype=np.float64)
    if hard:
        A = np.eye(4)[A.argmax(0)].T
    out = -np.inf
    for m in ([motif, motif.reverse_complement()] if both_strands else [motif]):
        W = m.pwm()
        w = W.shape[1]
        if A.shape[1] < w:
            continue
        win = np.lib.stride_tricks.sliding_window_view(A, w, axis=1)  # (4, L-w+1, w)
        out = max(out, float(np.einsum("bpj,bj->p", win, W).max()))
    return out


def contains_motif(ppm, motif: Motif, *, n_samples: int = 200, random_state=0) -> tuple[bool, float, float]:
    """Does ``ppm`` contain ``motif``? Compared with the motif's own sampled instances.

    Parameters
    ----------
    ppm : numpy.ndarray of shape (4, L)
        A PPM.
    motif : Motif
        The planted motif.
    n_samples : int
        Instances sampled from the motif to set the bar.
    random_state : int or None
        Seed.

    Returns
    -------
    tuple of (bool, float, float)
        Whether :func:`motif_match_score` reaches the median log-odds of instances sampled
        from the motif, the score, and that median.
    """
    rng = np.random.default_rng(random_state)
    P = motif.ppm
    W = motif.pwm()
    idx = np.stack([rng.choice(4, size=n_samples, p=P[:, j]) for j in range(P.shape[1])], axis=1)
    inst = W[idx, np.arange(P.shape[1])[None, :]].sum(1)
    bar = float(np.median(inst))
    s = motif_match_score(ppm, motif)
    return bool(s >= bar), s, bar
