"""FIMO-style motif scanning: log-odds scores with exact p-values from the score distribution.

As the MEME suite's FIMO (Grant, Bailey & Noble 2011) and memelite's ``fimo`` do:

1. **Log-odds.** ``W[c, j] = log2(ppm[c, j] + eps) − log2(bg[c])`` (bits; ``eps = 1e-4`` and a
   uniform background as in memelite).
2. **Integer scores.** ``W`` is divided by ``bin_size`` (0.1 bit) and rounded; a window's
   score is the sum of its columns' entries at the observed bases (an ``N`` adds 0).
3. **Exact null.** Under the background (independent positions), the distribution of the
   integer score is the convolution of the columns' distributions — exact on the integer
   grid, no sampling; its survival function, summed from the top, is the p-value
   ``P(S >= s)``.

The ``score`` reported is the unrounded log-odds sum (bits); the ``p_value`` is that of the
window's integer score. memelite instead looks up ``int(score / bin_size)`` of the
unrounded sum in the same table (a difference of at most ``w / 2`` bins; the tests compare
both ways). Both strands are scanned (the ``-`` strand with the reverse-complement matrix;
``start`` is always on the forward strand).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.io.motif_files import read_motifs

__all__ = ["fimo", "log_odds", "pvalue", "pvalue_table", "scan_scores"]

_COLUMNS = ["motif", "motif_alt", "seq", "start", "end", "strand", "score", "p_value"]


def log_odds(ppm, *, eps: float = 1e-4, background=None) -> np.ndarray:
    """The log-odds matrix FIMO scans with.

    Parameters
    ----------
    ppm : numpy.ndarray of shape (4, w)
        Probabilities, rows A, C, G, T.
    eps : float
        Pseudocount added before the log.
    background : array-like of shape (4,) or None
        Base frequencies (uniform by default).

    Returns
    -------
    numpy.ndarray of shape (4, w)
        ``log2(ppm + eps) − log2(bg)`` in bits.
    """
    bg = _background(background)
    return np.log2(np.asarray(ppm, float) + eps) - np.log2(bg)[:, None]


def _background(background) -> np.ndarray:
    bg = np.full(4, 0.25) if background is None else np.asarray(background, float)
    if bg.shape != (4,) or (bg <= 0).any() or abs(bg.sum() - 1) > 1e-6:
        raise InputError(f"background={background!r}: expected 4 positive frequencies summing to 1")
    return bg


def pvalue_table(W, *, bin_size: float = 0.1, background=None) -> tuple[int, np.ndarray]:
    """The exact survival function of a matrix's integer scores.

    Parameters
    ----------
    W : numpy.ndarray of shape (4, w)
        Log-odds matrix (bits).
    bin_size : float
        Score resolution (bits per integer step).
    background : array-like of shape (4,) or None
        Base probabilities of the null (uniform by default).

    Returns
    -------
    (int, numpy.ndarray)
        ``lo``, the smallest integer score, and ``sf`` of shape ``(hi − lo + 1,)`` with
        ``sf[s − lo] = P(S >= s)``.
    """
    bg = _background(background)
    ints = np.round(np.asarray(W, float) / bin_size).astype(np.int64)
    lo = int(ints.min(0).sum())
    pdf = np.ones(1)
    for j in range(ints.shape[1]):
        col = ints[:, j] - ints[:, j].min()
        f = np.zeros(int(col.max()) + 1)
        np.add.at(f, col, bg)
        pdf = np.convolve(pdf, f)
    return lo, np.cumsum(pdf[::-1])[::-1]


def pvalue(score, table, bin_size: float = 0.1):
    """memelite's p-value of an unrounded score: ``sf[int(score / bin_size) - lo]``, clipped.

    Parameters
    ----------
    score : float or numpy.ndarray
        PWM scores.
    table : tuple of (int, numpy.ndarray)
        :func:`pvalue_table`.
    bin_size : float
        The table's bin width.

    Returns
    -------
    float or numpy.ndarray
    """
    lo, sf = table
    k = np.trunc(np.asarray(score, dtype=np.float64) / bin_size).astype(np.int64) - lo
    out = np.where(k >= len(sf), 0.0, sf[np.clip(k, 0, len(sf) - 1)])
    out = np.where(k < 0, 1.0, out)
    return out if out.ndim else float(out)


def scan_scores(X, W, *, bin_size: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Scores of every window of every sequence, forward strand, with one matrix.

    Parameters
    ----------
    X : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        One-hot sequences.
    W : numpy.ndarray of shape (4, w)
        Log-odds matrix.
    bin_size : float
        Score resolution of the integer scores.

    Returns
    -------
    (numpy.ndarray, numpy.ndarray) of shape (N, L − w + 1)
        The log-odds sums (bits) and the integer scores.
    """
    import torch

    Xt = torch.as_tensor(np.asarray(X.detach().cpu() if hasattr(X, "detach") else X), dtype=torch.float64)
    W = np.asarray(W, float)
    ints = np.round(W / bin_size)
    conv = torch.nn.functional.conv1d
    score = conv(Xt, torch.as_tensor(W)[None])[:, 0].numpy()
    iscore = np.rint(conv(Xt, torch.as_tensor(ints)[None])[:, 0].numpy()).astype(np.int64)
    return score, iscore


def _motif_list(motifs):
    if isinstance(motifs, Motif):
        return [motifs]
    if isinstance(motifs, (str,)) or hasattr(motifs, "__fspath__"):
        return list(read_motifs(motifs))
    out = list(motifs)
    if not out or not all(isinstance(m, Motif) for m in out):
        raise InputError("motifs: expected a Motif, a list of Motif or a motif file")
    return out


def fimo(motifs, X, *, threshold: float = 1e-4, bin_size: float = 0.1, eps: float = 1e-4,
         background=None, both_strands: bool = True, names=None) -> pd.DataFrame:
    """Motif instances with p-values: every window below ``threshold``, both strands.

    Parameters
    ----------
    motifs : Motif, list of Motif, str or os.PathLike
        The motifs (a MEME file is read).
    X : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        One-hot sequences (A, C, G, T).
    threshold : float
        Report windows with ``p_value <= threshold`` (``1`` reports every window).
    bin_size : float
        Score resolution (bits).
    eps : float
        Pseudocount of the log-odds.
    background : array-like of shape (4,) or None
        Background frequencies (uniform by default).
    both_strands : bool
        Also scan the reverse complement of each motif (strand ``-``).
    names : list of str or None
        Sequence names for the ``seq`` column (default: row indices).

    Returns
    -------
    pandas.DataFrame
        ``motif``, ``motif_alt``, ``seq``, ``start``, ``end`` (0-based, half-open),
        ``strand``, ``score`` (bits), ``p_value``; motifs in input order, then by sequence and
        start.
    """
    if hasattr(X, "detach"):
        X = X.detach().cpu().numpy()
    X = np.asarray(X)
    if X.ndim != 3 or X.shape[1] != 4:
        raise InputError(f"X has shape {X.shape}; expected one-hot (N, 4, L)")
    if not 0 < threshold <= 1:
        raise InputError(f"threshold={threshold!r}: expected a p-value in (0, 1]")
    parts = []
    for k, m in enumerate(_motif_list(motifs)):
        if m.width > X.shape[2]:
            continue
        for strand, P in (("+", m.ppm), ("-", m.ppm[::-1, ::-1]))[: 2 if both_strands else 1]:
            W = log_odds(P, eps=eps, background=background)
            lo, sf = pvalue_table(W, bin_size=bin_size, background=background)
            score, iscore = scan_scores(X, W, bin_size=bin_size)
            p = sf[np.clip(iscore - lo, 0, len(sf) - 1)]
            seq, start = np.nonzero(p <= threshold)
            parts.append(pd.DataFrame({
                "_k": k, "motif": m.name, "motif_alt": m.alt_name or "", "seq": seq, "start": start,
                "end": start + m.width, "strand": strand, "score": score[seq, start],
                "p_value": p[seq, start]}))
    if not parts:
        return pd.DataFrame(columns=_COLUMNS)
    df = pd.concat(parts, ignore_index=True)
    if names is not None:
        df["seq"] = np.asarray(names, dtype=object)[df["seq"].to_numpy()]
    return df.sort_values(["_k", "seq", "start", "strand"], kind="mergesort",
                          ignore_index=True)[_COLUMNS]
