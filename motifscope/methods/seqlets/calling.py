"""Seqlet calling: the recursive seqlet algorithm, with a false-discovery estimate from controls.

A seqlet is a short span of high attribution. The caller is the *recursive* family of
tangermeme (``tangermeme.seqlet.recursive_seqlets``, itself after the Tomtom/FIMO way of
turning a score into a p-value), reimplemented here:

1. **Null.** The projected attributions ``a`` (``(N, L)``: the value at the observed base)
   are cut into ``n_bins`` equal bins between their minimum and maximum. Treating positions
   as independent draws from that histogram, the distribution of the binned sum of a span
   of length ``k`` is the ``k``-fold convolution of the histogram; its survival function
   ``P(S_k >= s)`` (summed from the top, so small tails are kept) is the span's p-value.
2. **Recursive property.** A span ``[s, s + k)`` is a candidate when *every* span inside it
   of length ``min_len .. k`` (any start) has a p-value below the threshold — the
   "triangle" of tangermeme's docstring. Candidates are ranked within a length by the
   largest p-value over their prefixes (ties: by start).
3. **Greedy calling.** From the longest length to the shortest, candidates are called in
   that order unless they overlap a seqlet already called in the same sequence.

Only positive seqlets are called (high attribution); call ``-a`` for negative ones.

**False discovery.** The p-values rank spans; they are not error rates (attributions are
correlated along the sequence, and the null contains the signal). With ``control``
attributions — the same model and method on dinucleotide shuffles of the sequences, which
keep the composition but destroy motifs — seqlets are called on the control with the same
null at each threshold of a grid (``10^-1 .. 10^-30``, four per decade); every control
seqlet counts as false, so ``FDR(t) = (n_control(t) + 1) · (positions / control positions)
/ n_seqlets(t)``, and seqlets are called at the largest ``t`` with ``FDR(t) <= target_fdr``.
This is the control-based estimate of tangermeme 1.6; TF-MoDISco's own caller (a Laplace
null fitted to window sums, isotonic regression to an FDR) is what :mod:`motifscope.methods.seqlets.modisco`
runs inside modisco-lite.
"""

from __future__ import annotations

import warnings
from typing import NamedTuple

import numba
import numpy as np
import pandas as pd

from motifscope.core.errors import InputError, MotifscopeWarning

__all__ = [
    "FDR_THRESHOLDS",
    "SEQLET_COLUMNS",
    "SeqletNull",
    "recursive_seqlets",
    "seqlet_fdr",
    "seqlet_null",
    "trim_seqlets",
]

#: The thresholds the false-discovery estimate is evaluated at (largest first).
FDR_THRESHOLDS = np.logspace(-1, -30, 117)
#: Columns of a seqlet table (``seq`` is the row of the attribution array).
SEQLET_COLUMNS = ["seq", "start", "end", "attribution", "p_value"]


class SeqletNull(NamedTuple):
    """The null distribution of binned span sums.

    Attributes
    ----------
    xmin : float
        Left edge of the first bin.
    bin_width : float
        Width of each bin.
    n_bins : int
        Number of bins.
    sf : numpy.ndarray of shape (max_len + 1, n_bins · max_len + 1)
        ``sf[k, s] = P(S_k >= s)``, ``S_k`` the binned sum of ``k`` positions.
    """

    xmin: float
    bin_width: float
    n_bins: int
    sf: np.ndarray


def _as_matrix(a, name: str) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.size == 0:
        raise InputError(f"{name} has shape {a.shape}; expected projected attributions (N, L) "
                         f"(sum attr × one-hot over the 4 bases)")
    if not np.isfinite(a).all():
        raise InputError(f"{name} holds NaN or infinite values")
    return np.ascontiguousarray(a)


def _check_lengths(min_len: int, max_len: int) -> None:
    if not (isinstance(min_len, (int, np.integer)) and isinstance(max_len, (int, np.integer))
            and 1 <= min_len <= max_len):
        raise InputError(f"min_len={min_len!r}, max_len={max_len!r}: expected integers "
                         f"1 <= min_len <= max_len")


def seqlet_null(a, *, max_len: int = 25, n_bins: int = 1000) -> SeqletNull | None:
    """The null distribution of span sums of the attributions ``a``.

    Parameters
    ----------
    a : numpy.ndarray or torch.Tensor of shape (N, L)
        Projected attributions.
    max_len : int
        Longest span.
    n_bins : int
        Number of value bins.

    Returns
    -------
    SeqletNull or None
        ``None`` when every value is equal (no span can stand out).
    """
    a = _as_matrix(a, "attributions")
    if n_bins < 2:
        raise InputError(f"n_bins={n_bins!r}: expected at least 2")
    xmin, xmax = float(a.min()), float(a.max())
    if xmax == xmin:
        return None
    width = (xmax - xmin) / (n_bins - 1)
    bins = _bins(a.ravel(), xmin, width, n_bins)
    f = np.bincount(bins, minlength=n_bins).astype(np.float64) / bins.size
    sf = np.zeros((max_len + 1, n_bins * max_len + 1))
    pdf = np.ones(1)
    for k in range(1, max_len + 1):
        pdf = np.convolve(pdf, f)  # direct sum: no FFT round-off in the tails
        sf[k, :pdf.size] = np.cumsum(pdf[::-1])[::-1]
    return SeqletNull(xmin, width, n_bins, sf)


def _bins(v, xmin, width, n_bins):
    return np.clip(np.floor((v - xmin) / width), 0, n_bins - 1).astype(np.int64)


@numba.njit(cache=True)
def _matrices(cb, sf, min_len, max_len):
    """p[k, s]: the largest p-value over prefixes of [s, s+k) of length >= min_len;
    q[k, s]: the largest p-value over every sub-span of length >= min_len (the triangle)."""
    L = cb.shape[0] - 1
    p = np.zeros((max_len + 1, L + 1))
    q = np.zeros((max_len + 1, L + 1))
    for k in range(min_len, max_len + 1):
        for s in range(L - k + 1):
            v = max(sf[k, cb[s + k] - cb[s]], p[k - 1, s])
            p[k, s] = v
            q[k, s] = max(v, q[k - 1, s + 1])
    return p, q


@numba.njit(cache=True)
def _greedy(p, q, L, threshold, min_len, max_len, called, stamp, starts, lens):
    """Call spans from the longest into ``starts``/``lens`` (calling order); returns how many."""
    m_out = 0
    cand = np.empty(L, np.int64)
    for k in range(max_len, min_len - 1, -1):
        n = L - k + 1
        m = 0
        for s in range(max(n, 0)):
            if q[k, s] < threshold:
                cand[m] = s
                m += 1
        if m == 0:
            continue
        cs = cand[:m]
        order = np.argsort(p[k, cs], kind="mergesort")
        for o in order:
            s = cs[o]
            free = True
            for j in range(s, s + k):
                if called[j] == stamp:
                    free = False
                    break
            if free:
                for j in range(s, s + k):
                    called[j] = stamp
                starts[m_out] = s
                lens[m_out] = k
                m_out += 1
    return m_out


@numba.njit(cache=True)
def _grow(a, n):
    b = np.empty(n, a.dtype)
    b[:a.shape[0]] = a
    return b


@numba.njit(cache=True)
def _call_all(a, xmin, width, n_bins, sf, threshold, min_len, max_len, flank):
    N, L = a.shape
    called = np.zeros(L, np.int64)
    starts = np.empty(L, np.int64)
    lens = np.empty(L, np.int64)
    cap = max(16, N)
    o_seq, o_start, o_end = np.empty(cap, np.int64), np.empty(cap, np.int64), np.empty(cap, np.int64)
    o_attr, o_p = np.empty(cap), np.empty(cap)
    n_out = 0
    cb = np.zeros(L + 1, np.int64)
    ca = np.zeros(L + 1)
    for i in range(N):
        for j in range(L):
            b = np.floor((a[i, j] - xmin) / width)
            b = min(max(b, 0), n_bins - 1)
            cb[j + 1] = cb[j] + np.int64(b)
            ca[j + 1] = ca[j] + a[i, j]
        p, q = _matrices(cb, sf, min_len, max_len)
        m = _greedy(p, q, L, threshold, min_len, max_len, called, i + 1, starts, lens)
        if n_out + m > cap:
            cap = 2 * (n_out + m)
            o_seq, o_start, o_end = _grow(o_seq, cap), _grow(o_start, cap), _grow(o_end, cap)
            o_attr, o_p = _grow(o_attr, cap), _grow(o_p, cap)
        for t in range(m):
            s, k = starts[t], lens[t]
            e = min(s + k + flank, L)
            s0 = max(s - flank, 0)
            o_seq[n_out], o_start[n_out], o_end[n_out] = i, s0, e
            o_attr[n_out] = ca[e] - ca[s0]
            o_p[n_out] = sf[k, cb[s + k] - cb[s]]
            n_out += 1
    return o_seq[:n_out], o_start[:n_out], o_end[:n_out], o_attr[:n_out], o_p[:n_out]


@numba.njit(cache=True)
def _count_all(a, xmin, width, n_bins, sf, thresholds, min_len, max_len):
    """Seqlets per threshold (thresholds largest first); a sequence with none at one
    threshold has none at the stricter ones."""
    N, L = a.shape
    counts = np.zeros(thresholds.shape[0], np.int64)
    called = np.zeros(L, np.int64)
    starts = np.empty(L, np.int64)
    lens = np.empty(L, np.int64)
    cb = np.zeros(L + 1, np.int64)
    stamp = 0
    for i in range(N):
        for j in range(L):
            b = np.floor((a[i, j] - xmin) / width)
            b = min(max(b, 0), n_bins - 1)
            cb[j + 1] = cb[j] + np.int64(b)
        p, q = _matrices(cb, sf, min_len, max_len)
        for t in range(thresholds.shape[0]):
            stamp += 1
            m = _greedy(p, q, L, thresholds[t], min_len, max_len, called, stamp, starts, lens)
            counts[t] += m
            if m == 0:
                break
    return counts


def _table(fields) -> pd.DataFrame:
    dtypes = [np.int64, np.int64, np.int64, np.float64, np.float64]
    df = pd.DataFrame({c: np.asarray(v, dtype=d) for c, v, d in zip(SEQLET_COLUMNS, fields, dtypes)})
    return df.sort_values("p_value", kind="mergesort").reset_index(drop=True)


def seqlet_fdr(a, control, *, null: SeqletNull | None = None, min_len: int = 4, max_len: int = 25,
               n_bins: int = 1000, thresholds=None) -> pd.DataFrame:
    """Estimated false-discovery rate of recursive seqlet calls at each threshold.

    Parameters
    ----------
    a : numpy.ndarray or torch.Tensor of shape (N, L)
        Projected attributions of the sequences.
    control : numpy.ndarray or torch.Tensor of shape (M, L')
        Projected attributions of control sequences (dinucleotide shuffles), same model,
        target and method.
    null : SeqletNull or None
        The null of ``a`` (computed when None).
    min_len, max_len, n_bins : int
        As in :func:`recursive_seqlets`.
    thresholds : array-like of float or None
        Default :data:`FDR_THRESHOLDS`.

    Returns
    -------
    pandas.DataFrame
        One row per threshold, largest first: ``threshold``, ``n_seqlets``,
        ``n_control_seqlets``, ``fdr`` (NaN where no seqlet is called on ``a``).
    """
    a = _as_matrix(a, "attributions")
    c = _as_matrix(control, "control")
    _check_lengths(min_len, max_len)
    t = np.sort(np.asarray(FDR_THRESHOLDS if thresholds is None else thresholds, float))[::-1]
    null = null or seqlet_null(a, max_len=max_len, n_bins=n_bins)
    if null is None:
        n = nc = np.zeros(len(t), np.int64)
    else:
        args = (null.xmin, null.bin_width, null.n_bins, null.sf, np.ascontiguousarray(t), min_len, max_len)
        n, nc = _count_all(a, *args), _count_all(c, *args)
    scale = a.size / c.size
    with np.errstate(divide="ignore", invalid="ignore"):
        fdr = np.where(n > 0, (nc + 1) * scale / np.maximum(n, 1), np.nan)
    return pd.DataFrame({"threshold": t, "n_seqlets": n, "n_control_seqlets": nc, "fdr": fdr})


def recursive_seqlets(a, *, threshold: float = 0.01, control=None, target_fdr: float = 0.1,
                      min_len: int = 4, max_len: int = 25, flank: int = 0, n_bins: int = 1000,
                      return_fdr: bool = False):
    """Call seqlets in projected attributions with the recursive algorithm.

    Parameters
    ----------
    a : numpy.ndarray or torch.Tensor of shape (N, L)
        Projected attributions (``(attr * X).sum(1)``).
    threshold : float
        The p-value every span inside a seqlet must be below (a ranking cutoff, not an
        error rate; ignored with ``control``).
    control : numpy.ndarray or torch.Tensor of shape (M, L') or None
        Control attributions; when given, the threshold is the largest reaching
        ``target_fdr`` (module docstring).
    target_fdr : float
        The estimated false-discovery rate to call at (with ``control``).
    min_len, max_len : int
        Shortest and longest seqlet (before ``flank``).
    flank : int
        Positions added on both sides after calling (clipped to the sequence); the
        attribution column sums the flanked span.
    n_bins : int
        Value bins of the null.
    return_fdr : bool
        Also return the FDR table of :func:`seqlet_fdr` (needs ``control``).

    Returns
    -------
    pandas.DataFrame or (pandas.DataFrame, pandas.DataFrame)
        Columns ``seq``, ``start``, ``end`` (0-based, half-open), ``attribution``,
        ``p_value`` (the span's own p-value), by increasing p-value; with ``return_fdr``
        also the FDR table.
    """
    a = _as_matrix(a, "attributions")
    _check_lengths(min_len, max_len)
    if return_fdr and control is None:
        raise InputError("return_fdr=True needs control attributions (control=)")
    if control is None and not (threshold <= 1):
        raise InputError(f"threshold={threshold!r}: expected a p-value of at most 1")
    null = seqlet_null(a, max_len=max_len, n_bins=n_bins)
    fdr = None
    if control is not None:
        if not 0 < target_fdr <= 1:
            raise InputError(f"target_fdr={target_fdr!r}: expected a rate in (0, 1]")
        fdr = seqlet_fdr(a, control, null=null, min_len=min_len, max_len=max_len, n_bins=n_bins)
        ok = fdr["fdr"] <= target_fdr
        threshold = float(fdr.loc[ok, "threshold"].max()) if ok.any() else None
        if threshold is None:
            best = fdr["fdr"].min()
            why = (f"lowest {best:.3g}" if np.isfinite(best) else
                   "no seqlet is called on the sequences at any threshold")
            warnings.warn(f"no seqlet threshold reaches an estimated FDR of {target_fdr} ({why}); "
                          "no seqlets called", MotifscopeWarning, stacklevel=2)
    if null is None or threshold is None:
        table = _table([[]] * 5)
    else:
        table = _table(_call_all(a, null.xmin, null.bin_width, null.n_bins, null.sf,
                                 float(threshold), min_len, max_len, int(flank)))
    table.attrs["threshold"] = threshold
    return (table, fdr) if return_fdr else table


def trim_seqlets(seqlets, a, *, min_value: float = 0.0) -> pd.DataFrame:
    """Drop flanking positions whose attribution is at most ``min_value``.

    The recursive property lets a seqlet reach up to ``min_len − 1`` positions past the
    signal (a short span that is mostly signal is still significant), so a called seqlet
    can carry a few zero-contribution flanks; trimming them leaves the span that
    contributes. A seqlet keeps at least one position; ``attribution`` is re-summed and
    ``p_value`` kept.

    Parameters
    ----------
    seqlets : pandas.DataFrame
        A seqlet table (``seq``, ``start``, ``end``, ``attribution``, ...).
    a : numpy.ndarray or torch.Tensor of shape (N, L)
        The projected attributions the seqlets were called on.
    min_value : float
        Flanking positions with attribution at most this are removed.

    Returns
    -------
    pandas.DataFrame
        A copy with trimmed ``start``/``end``/``attribution``.
    """
    a = _as_matrix(a, "attributions")
    out = seqlets.copy()
    starts, ends, sums = [], [], []
    for i, s, e in zip(out["seq"].to_numpy(), out["start"].to_numpy(), out["end"].to_numpy()):
        v = a[i, s:e]
        keep = np.flatnonzero(v > min_value)
        lo, hi = (int(keep[0]), int(keep[-1]) + 1) if keep.size else (0, e - s)
        starts.append(s + lo)
        ends.append(s + hi)
        sums.append(float(v[lo:hi].sum()))
    out["start"], out["end"], out["attribution"] = np.asarray(starts, np.int64), \
        np.asarray(ends, np.int64), np.asarray(sums)
    return out
