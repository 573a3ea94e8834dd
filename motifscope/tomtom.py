"""Tomtom: how similar is each query motif to each motif of a database?

An implementation of Tomtom (Gupta, Stamatoyannopoulos, Bailey & Noble 2007, *Genome
Biology* 8:R24) with the column scores of the MEME suite's ``-dist pearson`` (its default,
and what DanQ and Basset used) and ``-dist ed`` (Euclidean, the only one memelite has).

The algorithm, per query motif of width ``w``:

1. **Column scores.** Every query column is scored against every column of every target
   motif (both strands): the Pearson correlation of the 4 probabilities (0 when a column
   has no variance, as in the MEME suite), or minus the Euclidean distance.
2. **Complete scores.** Each query column's scores are shifted by their median over all
   target columns (the MEME suite's "complete scores", ``SHIFT_QUANTILE 0.5``), then scaled
   and rounded onto ``n_score_bins`` integer bins. An alignment's score is the sum over
   *all* ``w`` query columns, an unaligned column contributing its median, i.e. 0 after the
   shift. The bins, the median (a binned approximation over ``n_median_bins`` bins) and the
   scale follow memelite 0.5 exactly, so Euclidean p-values agree with memelite's.
3. **Null distribution.** The distribution of each query column's binned score over the
   target columns is the null for that column; convolving the columns of a span gives the
   distribution of the complete score of an alignment that covers that span. For a target
   of width ``t`` the ``w + t - 1`` alignments (every offset, whatever the minimum overlap,
   as in the MEME suite) are taken as independent and the null of the **best** of them is
   their maximum. The p-value of a query-target pair is the probability that this maximum
   reaches the observed best complete score. With both strands the best strand is kept
   and the p-value is ``1 - (1 - p)**2`` (the maximum over both orientations).
4. **E- and q-values.** ``E = p x number of target motifs`` (a motif and its reverse
   complement count once). q-values are Benjamini-Hochberg over the p-values of one query
   against all targets (the MEME suite computes q-values per query; MEME 4 estimated
   pi0 as well, we take pi0 = 1, the conservative choice). p, E and q are clipped to [0, 1]
   (E to [0, inf)).

Offsets follow memelite and the MEME suite: query column ``i`` is aligned with target
column ``i + offset`` (a negative offset means the query starts left of the target). For a
match on the ``"-"`` strand, columns refer to the reverse complement of the target, and
``target_consensus`` is the consensus of that reverse complement, as ``tomtom.txt`` gives it.

The heavy loops run in numba (the same dependency memelite brings), parallel over queries;
the first call in a fresh install compiles them (cached afterwards).
"""

from __future__ import annotations

import math
import os
from pathlib import Path

import numba
import numpy as np
from numba import njit, prange

from motifscope.errors import InputError
from motifscope.motifs import Motif

__all__ = ["tomtom", "resolve_motifs", "DISTANCES"]

DISTANCES = ("pearson", "euclidean")
_DIST_CODE = {"pearson": 0, "euclidean": 1, "ed": 1}

_COLUMNS = [
    "query",
    "query_alt",
    "target",
    "target_name",
    "offset",
    "orientation",
    "overlap",
    "query_consensus",
    "target_consensus",
    "score",
    "p_value",
    "e_value",
    "q_value",
]


# --------------------------------------------------------------------------- inputs
def resolve_motifs(source, name: str = "motifs") -> list[Motif]:
    """Turn any accepted motif source into a list of :class:`~motifscope.motifs.Motif`.

    Parameters
    ----------
    source : list of Motif, str, os.PathLike, numpy.ndarray or list of numpy.ndarray
        Motifs; a MEME file path; ``"jaspar"`` (newest CORE vertebrates),
        ``"jaspar:CORE/vertebrates"``, ``"jaspar:JASPAR2016/CORE/vertebrates"`` or
        ``"jaspar:2016"`` (resolved offline through :mod:`motifscope.jaspar`); one PPM of
        shape ``(4, w)``; a stack of shape ``(n, 4, w)``; or a list of ``(4, w)`` PPMs
        (named ``motif_0``, ``motif_1``, ...).
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    list of Motif

    Raises
    ------
    InputError
        If the source is empty or a PPM is malformed.
    """
    if isinstance(source, Motif):
        return [source]
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if text.lower() == "jaspar" or text.lower().startswith("jaspar:"):
            motifs = _jaspar_from_spec(text)
        else:
            from motifscope.meme import read_meme

            motifs = read_meme(Path(text))
    elif isinstance(source, np.ndarray) or hasattr(source, "detach"):
        arr = np.asarray(source.detach().cpu().numpy() if hasattr(source, "detach") else source)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise InputError(
                f"{name} has shape {arr.shape} but must have shape (4, w) or (n, 4, w)"
            )
        motifs = [_motif_from_array(a, f"motif_{i}", name, i) for i, a in enumerate(arr)]
    else:
        try:
            items = list(source)
        except TypeError:
            raise InputError(
                f"{name} must be a list of Motif, a MEME path, 'jaspar[:...]' or (4, w) arrays; "
                f"got {type(source).__name__}"
            ) from None
        motifs = []
        for i, m in enumerate(items):
            if isinstance(m, Motif):
                motifs.append(m)
            else:
                a = m.detach().cpu().numpy() if hasattr(m, "detach") else m
                motifs.append(_motif_from_array(a, f"motif_{i}", name, i))
    if len(motifs) == 0:
        raise InputError(f"{name} holds no motifs")
    return motifs


def _motif_from_array(a, label: str, name: str, i: int) -> Motif:
    # Same checks as motifscope._validation.check_ppm, without importing torch.
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != 4 or a.shape[1] < 1:
        raise InputError(f"{name}[{i}] has shape {a.shape} but must have shape (4, w) with w >= 1")
    if not np.isfinite(a).all() or (a < 0).any():
        raise InputError(f"{name}[{i}] must hold finite non-negative probabilities")
    bad = np.abs(a.sum(0) - 1) > 1e-3
    if bad.any():
        j = int(np.argmax(bad))
        raise InputError(f"{name}[{i}] column {j} sums to {a[:, j].sum():.4f}, expected 1")
    return Motif(name=label, ppm=a)


def _jaspar_from_spec(text: str) -> list[Motif]:
    """``jaspar[:[RELEASE/]COLLECTION/TAX_GROUP]`` or ``jaspar:RELEASE``."""
    from motifscope import jaspar

    spec = text.split(":", 1)[1] if ":" in text else ""
    parts = [p for p in spec.split("/") if p]
    release, collection, tax = None, "CORE", "vertebrates"
    if parts and (parts[0].upper().startswith("JASPAR") or parts[0].isdigit()):
        release = parts.pop(0)
    if parts:
        collection = parts.pop(0).upper()
    if parts:
        tax = parts.pop(0)
        if tax.lower() in ("all", "*"):
            tax = None
    if parts:
        raise InputError(
            f"target spec {text!r} must look like 'jaspar', 'jaspar:CORE/vertebrates' or "
            "'jaspar:JASPAR2016/CORE/vertebrates'"
        )
    return jaspar.jaspar_motifs(release=release, collection=collection, tax_group=tax)


def _checked_ppm(m: Motif, name: str) -> np.ndarray:
    P = np.asarray(m.ppm, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] != 4 or P.shape[1] < 1:
        raise InputError(f"{name} motif {m.name!r} has shape {P.shape}; expected (4, w)")
    if not np.isfinite(P).all():
        raise InputError(f"{name} motif {m.name!r} holds non-finite values")
    return P


def _consensus(P: np.ndarray) -> str:
    # MEME's get_cons: the most probable letter of each column.
    return "".join(np.array(list("ACGT"))[P.argmax(0)])


# --------------------------------------------------------------------------- kernels
@njit(cache=True, inline="always")
def _median(row, w, lo, hi, n_bins, cnt, sm, halfway):
    # memelite's binned median: bin by value, stop at the bin where the weighted
    # count reaches half, return the mean of the values in that bin.
    rng = hi - lo
    if rng == 0:
        return lo
    cnt[:] = 0
    sm[:] = 0.0
    for j in range(row.shape[0]):
        z = int((row[j] - lo) / rng * (n_bins - 1))
        cnt[z] += w[j]
        sm[z] += row[j] * w[j]
    c = 0.0
    for b in range(n_bins):
        c += cnt[b]
        if c >= halfway:
            return sm[b] / cnt[b]
    return lo

@njit(cache=True, parallel=True)
def _run(Q, Q_norm, Qz, q_starts, q_lens, U, U_norm, Uz, u_counts, t_cols, t_starts,
         t_lens, t_widx, widths, n_fwd, both, dist, min_overlap, n_bins, n_median_bins,
         out_p, out_score, out_raw, out_off, out_ov, out_strand):
    n_u = U.shape[1]
    n_t = t_lens.shape[0]
    n_w = widths.shape[0]
    total = 0.0
    for j in range(n_u):
        total += u_counts[j]
    halfway = total / 2
    wts = np.empty(n_u)
    for j in range(n_u):
        wts[j] = u_counts[j] / total
    for qi in prange(q_lens.shape[0]):
        nq = q_lens[qi]
        q0 = q_starts[qi]
        G = np.empty((nq, n_u))
        meds = np.empty(nq)
        mins = np.empty(nq)
        maxs = np.empty(nq)
        cnt = np.empty(n_median_bins)
        sm = np.empty(n_median_bins)
        # 1. column scores, their range and median
        for r in range(nq):
            c = q0 + r
            if dist == 1:
                xn = Q_norm[c]
                x0 = 2 * Q[0, c]
                x1 = 2 * Q[1, c]
                x2 = 2 * Q[2, c]
                x3 = 2 * Q[3, c]
                for j in range(n_u):
                    z = xn + U_norm[j]
                    z -= x0 * U[0, j]
                    z -= x1 * U[1, j]
                    z -= x2 * U[2, j]
                    z -= x3 * U[3, j]
                    G[r, j] = -math.sqrt(z) if z > 0 else 0.0
            else:
                a0 = Qz[0, c]
                a1 = Qz[1, c]
                a2 = Qz[2, c]
                a3 = Qz[3, c]
                for j in range(n_u):
                    s = a0 * Uz[0, j] + a1 * Uz[1, j] + a2 * Uz[2, j] + a3 * Uz[3, j]
                    G[r, j] = min(1.0, max(-1.0, s))
            lo = 9999999.9
            hi = -9999999.9
            for j in range(n_u):
                v = G[r, j]
                if v < lo:
                    lo = v
                if v > hi:
                    hi = v
            mins[r] = lo
            maxs[r] = hi
            meds[r] = _median(G[r], u_counts, lo, hi, n_median_bins, cnt, sm, halfway)
        # 2. shift by the median, scale onto integer bins (memelite's scheme)
        z_min = 9999999.9
        z_max = -9999999.9
        for r in range(nq):
            z_min = min(z_min, mins[r] - meds[r])
            z_max = max(z_max, maxs[r] - meds[r])
        i_min = math.floor(z_min)
        span = z_max - i_min
        bin_scale = math.floor(n_bins / span) if span > 0 else n_bins
        if bin_scale < 1:
            bin_scale = 1
        off = -i_min * bin_scale
        gam = np.empty((nq, n_u), dtype=np.int32)
        f = np.zeros((nq, n_bins + 1))
        f_lo = np.empty(nq, dtype=np.int64)
        f_hi = np.empty(nq, dtype=np.int64)
        for r in range(nq):
            m = meds[r] + i_min
            for j in range(n_u):
                x = int(math.floor((G[r, j] - m) * bin_scale + 0.5))
                if x < 0:
                    x = 0
                elif x > n_bins:
                    x = n_bins
                gam[r, j] = x - off
                f[r, x] += wts[j]
            f_lo[r] = n_bins
            f_hi[r] = 0
            for b in range(n_bins + 1):
                if f[r, b] != 0:
                    if b < f_lo[r]:
                        f_lo[r] = b
                    f_hi[r] = b
        # 3. null: survival of the best of all alignments, per target width
        n_len = nq * n_bins + 2
        S = np.zeros((n_w, n_len))
        cur = np.zeros(n_len)
        nxt = np.zeros(n_len)
        sv = np.zeros(n_len)
        for i in range(nq):
            cur[:] = 0.0
            lo = f_lo[i]
            hi = f_hi[i]
            for b in range(lo, hi + 1):
                cur[b] = f[i, b]
            for j in range(i, nq):
                if j > i:
                    flo = f_lo[j]
                    fhi = f_hi[j]
                    for b in range(lo + flo, hi + fhi + 1):
                        nxt[b] = 0.0
                    for k in range(lo, hi + 1):
                        a = cur[k]
                        if a == 0.0:
                            continue
                        for b in range(flo, fhi + 1):
                            nxt[k + b] += a * f[j, b]
                    for b in range(lo, hi + 1):
                        cur[b] = 0.0
                    lo = lo + flo
                    hi = hi + fhi
                    for b in range(lo, hi + 1):
                        cur[b] = nxt[b]
                m = j - i + 1
                c = off * (nq - m)
                # survival of this span's complete score: P(X >= s)
                acc = 0.0
                for b in range(hi, lo - 1, -1):
                    acc += cur[b]
                    sv[c + b] = min(acc, 1.0)
                s_lo = c + lo
                s_hi = c + hi
                for wi in range(n_w):
                    t = widths[wi]
                    mult = 0
                    if m == t and t <= nq:
                        mult = 1
                    elif m == nq and t > nq:
                        mult = t - nq + 1
                    elif m < t and m < nq and (i == 0 or j == nq - 1):
                        mult = 1
                    if mult == 0:
                        continue
                    Sw = S[wi]
                    for b in range(0, s_lo):
                        Sw[b] = 1.0
                    if mult == 1:
                        for b in range(s_lo, s_hi + 1):
                            Sw[b] = Sw[b] + sv[b] - Sw[b] * sv[b]
                    else:
                        for b in range(s_lo, s_hi + 1):
                            x = sv[b]
                            px = 1.0 if x >= 1.0 else -math.expm1(mult * math.log1p(-x))
                            Sw[b] = Sw[b] + px - Sw[b] * px
        # 4. best alignment of every target (and strand), its p-value
        for ti in range(n_t):
            t = t_lens[ti]
            t0 = t_starts[ti]
            mo = min(min_overlap, nq, t)
            best = -(1 << 40)
            best_o = 0
            best_ov = 0
            for o in range(-(nq - 1), t):
                a = max(0, -o)
                b = min(nq, t - o)
                ov = b - a
                if ov < mo:
                    continue
                s = nq * off
                for cc in range(a, b):
                    s += gam[cc, t_cols[t0 + cc + o]]
                if s > best or (s == best and ov > best_ov):
                    best = s
                    best_o = o
                    best_ov = ov
            if best <= 0:
                p = 1.0
            elif best >= n_len:
                p = 0.0
            else:
                p = S[t_widx[ti], best]
            p = min(max(p, 0.0), 1.0)
            raw = 0.0
            a = max(0, -best_o)
            for cc in range(a, a + best_ov):
                raw += G[cc, t_cols[t0 + cc + best_o]]
            k = ti % n_fwd
            strand = ti // n_fwd
            if strand == 0:
                out_p[qi, k] = p
                out_score[qi, k] = best
                out_raw[qi, k] = raw
                out_off[qi, k] = best_o
                out_ov[qi, k] = best_ov
                out_strand[qi, k] = 0
            else:
                pf = out_p[qi, k]
                pm = min(pf, p)
                out_p[qi, k] = pm * (2 - pm)
                if best > out_score[qi, k]:
                    out_score[qi, k] = best
                    out_raw[qi, k] = raw
                    out_off[qi, k] = best_o
                    out_ov[qi, k] = best_ov
                    out_strand[qi, k] = 1
    return 0


def _zscore_columns(P: np.ndarray) -> np.ndarray:
    """Columns centred on their mean and scaled to unit norm (0 where constant)."""
    C = P - P.mean(0, keepdims=True)
    n = np.sqrt((C**2).sum(0))
    out = np.zeros_like(C)
    ok = n > 1e-12
    out[:, ok] = C[:, ok] / n[ok]
    return np.ascontiguousarray(out)


def _bh(p: np.ndarray) -> np.ndarray:
    """Benjamini-Hochberg q-values of each row of ``p`` (shape ``(n_queries, n_targets)``)."""
    n = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    ps = np.take_along_axis(p, order, axis=1)
    q = ps * n / np.arange(1, n + 1)
    q = np.minimum.accumulate(q[:, ::-1], axis=1)[:, ::-1]
    out = np.empty_like(q)
    np.put_along_axis(out, order, np.minimum(q, 1.0), axis=1)
    return out


def _tomtom_arrays(Qs, Ts, *, dist, min_overlap, both_strands, n_score_bins, n_median_bins,
                   n_target_bins, n_jobs):
    """Run the kernel; arrays of shape (n_queries, n_targets): p, score, raw, offset,
    overlap, strand (0 = +, 1 = -)."""

    Q = np.ascontiguousarray(np.concatenate(Qs, axis=1))
    q_lens = np.array([q.shape[1] for q in Qs], dtype=np.int64)
    q_starts = np.concatenate([[0], np.cumsum(q_lens)[:-1]]).astype(np.int64)
    Tall = list(Ts) + ([T[::-1, ::-1] for T in Ts] if both_strands else [])
    T = np.concatenate(Tall, axis=1)
    t_lens = np.array([t.shape[1] for t in Tall], dtype=np.int64)
    t_starts = np.concatenate([[0], np.cumsum(t_lens)[:-1]]).astype(np.int64)
    T_norm = (T**2).sum(axis=0)
    if n_target_bins is not None:
        # memelite's approximate hashing: target columns whose binned values agree are merged
        # and represented by their first occurrence.
        t_min = T.min(axis=-1, keepdims=True)
        t_max = T.max(axis=-1, keepdims=True)
        t_max[t_max == t_min] = t_min[t_max == t_min] + 1
        ints = np.around((T - t_min) / (t_max - t_min) * (n_target_bins - 1))
        key = ints.T.dot(n_target_bins ** np.arange(len(T))[:, None]).ravel()
        _, idx, inv, counts = np.unique(key, return_index=True, return_inverse=True,
                                        return_counts=True)
    else:
        _, idx, inv, counts = np.unique(np.ascontiguousarray(T.T), axis=0, return_index=True,
                                        return_inverse=True, return_counts=True)
    inv = np.asarray(inv).ravel().astype(np.int64)
    U = np.ascontiguousarray(T[:, idx])
    U_norm = np.ascontiguousarray(T_norm[idx])
    Q_norm = (Q**2).sum(axis=0)
    widths = np.unique(t_lens)
    t_widx = np.searchsorted(widths, t_lens).astype(np.int64)
    n_fwd = len(Ts)
    shape = (len(Qs), n_fwd)
    out = [np.zeros(shape), np.zeros(shape, dtype=np.int64), np.zeros(shape),
           np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64),
           np.zeros(shape, dtype=np.int64)]
    old = numba.get_num_threads()
    if n_jobs is not None and n_jobs > 0:
        numba.set_num_threads(min(int(n_jobs), numba.config.NUMBA_NUM_THREADS))
    try:
        _run(Q, Q_norm, _zscore_columns(Q), q_starts, q_lens, U, U_norm, _zscore_columns(U),
            counts.astype(np.float64), inv, t_starts, t_lens, t_widx, widths.astype(np.int64),
            n_fwd, int(both_strands), _DIST_CODE[dist], int(min_overlap), int(n_score_bins),
            int(n_median_bins), *out)
    finally:
        numba.set_num_threads(old)
    return out


# --------------------------------------------------------------------------- public API
def tomtom(
    queries,
    targets="jaspar",
    *,
    dist: str = "pearson",
    min_overlap: int = 5,
    thresh: float | None = 0.5,
    evalue: bool = False,
    both_strands: bool = True,
    n_score_bins: int = 100,
    n_median_bins: int = 1000,
    n_target_bins: int | None = None,
    n_jobs: int | None = None,
):
    """Compare query motifs with target motifs, as the MEME suite's ``tomtom`` does.

    Parameters
    ----------
    queries : list of Motif, str, os.PathLike, numpy.ndarray or list of numpy.ndarray
        Query motifs: Motif objects, a MEME file, one PPM of shape ``(4, w)``, a stack of
        shape ``(n, 4, w)`` or a list of ``(4, w)`` PPMs (rows A, C, G, T).
    targets : same as ``queries``, or str
        The database. Besides the forms above, ``"jaspar"`` (newest CORE vertebrates that
        pyjaspar ships), ``"jaspar:CORE/vertebrates"``,
        ``"jaspar:JASPAR2016/CORE/vertebrates"`` (resolved offline by
        :func:`motifscope.jaspar.jaspar_motifs`). MEME: the target database argument(s).
    dist : {"pearson", "euclidean"}
        Column score: Pearson correlation (MEME ``-dist pearson``, its default) or minus the
        Euclidean distance (MEME ``-dist ed``; memelite's only score). ``"ed"`` is accepted.
    min_overlap : int
        Only alignments in which at least this many columns overlap are scanned, unless a
        motif is narrower, in which case its width is the minimum (MEME ``-min-overlap``,
        whose own default is 1; DanQ used 5). As in the MEME suite, the null distribution
        still covers every offset.
    thresh : float or None
        Keep matches with q-value <= ``thresh`` (MEME ``-thresh``, default 0.5), or with
        E-value <= ``thresh`` when ``evalue`` is true. ``None`` keeps every query-target
        pair.
    evalue : bool
        Threshold on the E-value instead of the q-value (MEME ``-evalue``).
    both_strands : bool
        Also compare each query with the reverse complement of every target (MEME always
        does; memelite's ``reverse_complement=True``).
    n_score_bins : int
        Integer bins of the scaled column scores (MEME's ``BINS``, memelite's
        ``n_score_bins``; 100 in both).
    n_median_bins : int
        Bins of the binned median approximation (memelite's ``n_median_bins``).
    n_target_bins : int or None
        ``None`` (default) scores every distinct target column exactly; an integer merges
        target columns whose values agree after binning into that many bins, as memelite
        does by default (100) to save time.
    n_jobs : int or None
        Threads for the numba loop over queries; ``None`` uses numba's default.

    Returns
    -------
    pandas.DataFrame
        One row per reported query-target pair, queries in input order and, within a query,
        by increasing p-value. Columns: ``query`` (name), ``query_alt``, ``target`` (ID),
        ``target_name`` (alt name, e.g. the TF), ``offset`` (query column ``i`` aligns with
        target column ``i + offset``), ``orientation`` (``"+"``, or ``"-"`` when the reverse
        complement of the target matched; ties go to ``"+"``), ``overlap`` (aligned
        columns), ``query_consensus``, ``target_consensus`` (of the matched strand),
        ``score`` (sum of the raw column scores over the aligned columns), ``p_value``,
        ``e_value`` (p x number of targets), ``q_value`` (Benjamini-Hochberg per query).

    Raises
    ------
    InputError
        For an unknown ``dist``, a bad ``min_overlap``/``thresh`` or a malformed motif.

    Notes
    -----
    p-values depend on the target set, because the null of each query column is built from
    the target columns; the MEME suite warns below 50 target motifs.

    Examples
    --------
    >>> db = "jaspar:CORE/vertebrates"
    >>> hits = tomtom("kernels.meme", db, evalue=True, thresh=0.01)  # doctest: +SKIP
    """
    import pandas as pd

    if dist not in _DIST_CODE:
        raise InputError(f"dist must be one of {', '.join(DISTANCES)}; got {dist!r}")
    dist = "euclidean" if dist == "ed" else dist
    if isinstance(min_overlap, bool) or not isinstance(min_overlap, (int, np.integer)) \
            or min_overlap < 1:
        raise InputError(f"min_overlap must be an integer >= 1; got {min_overlap!r}")
    if thresh is not None and (not np.isfinite(thresh) or thresh < 0):
        raise InputError(f"thresh must be a non-negative number or None; got {thresh!r}")
    if int(n_score_bins) < 2 or int(n_median_bins) < 2:
        raise InputError("n_score_bins and n_median_bins must be at least 2")

    qm = resolve_motifs(queries, "queries")
    tm = resolve_motifs(targets, "targets")
    Qs = [_checked_ppm(m, "query") for m in qm]
    Ts = [_checked_ppm(m, "target") for m in tm]
    if max(q.shape[1] for q in Qs) * int(n_score_bins) > 2**30:
        raise InputError("query motifs are too wide for n_score_bins")

    p, _, raw, off, ov, strand = _tomtom_arrays(
        Qs, Ts, dist=dist, min_overlap=int(min_overlap), both_strands=both_strands,
        n_score_bins=int(n_score_bins), n_median_bins=int(n_median_bins),
        n_target_bins=n_target_bins, n_jobs=n_jobs,
    )
    p = np.clip(p, 0.0, 1.0)
    e = p * len(Ts)
    q = _bh(p)
    if thresh is None:
        keep = np.ones_like(p, dtype=bool)
    else:
        keep = (e <= thresh) if evalue else (q <= thresh)
    qi, ti = np.nonzero(keep)
    order = np.lexsort((ti, p[qi, ti], qi))
    qi, ti = qi[order], ti[order]

    q_cons = [_consensus(P) for P in Qs]
    t_cons = {}

    def tcons(t, s):
        key = (t, s)
        if key not in t_cons:
            t_cons[key] = _consensus(Ts[t][::-1, ::-1] if s else Ts[t])
        return t_cons[key]

    st = strand[qi, ti]
    df = pd.DataFrame(
        {
            "query": [qm[i].name for i in qi],
            "query_alt": [qm[i].alt_name for i in qi],
            "target": [tm[t].name for t in ti],
            "target_name": [tm[t].alt_name for t in ti],
            "offset": off[qi, ti].astype(np.int64),
            "orientation": np.where(st == 1, "-", "+"),
            "overlap": ov[qi, ti].astype(np.int64),
            "query_consensus": [q_cons[i] for i in qi],
            "target_consensus": [tcons(t, s) for t, s in zip(ti, st)],
            "score": raw[qi, ti],
            "p_value": p[qi, ti],
            "e_value": e[qi, ti],
            "q_value": q[qi, ti],
        },
        columns=_COLUMNS,
    )
    df.attrs.update(
        dist=dist, min_overlap=int(min_overlap), thresh=thresh, evalue=bool(evalue),
        both_strands=bool(both_strands), n_queries=len(Qs), n_targets=len(Ts),
    )
    return df.reset_index(drop=True)
