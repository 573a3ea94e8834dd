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

Layout: this module holds the API and the table; ``_inputs`` turns motif sources into
PPMs, ``_scan`` holds the column-score and alignment kernels with the per-query driver,
and ``_null`` the binning and null-distribution kernels.

May import: :mod:`motifscope.core` and :mod:`motifscope.io`.
"""

from __future__ import annotations

import numba
import numpy as np

from motifscope.core.errors import InputError
from motifscope.methods.tomtom.inputs import _consensi, _resolve_ppms, resolve_motifs
from motifscope.methods.tomtom.null import _PAD
from motifscope.methods.tomtom.scan import _run, _run_serial

__all__ = ["DISTANCES", "compile_kernels", "resolve_motifs", "tomtom"]

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


def _zscore_columns(P: np.ndarray) -> np.ndarray:
    """Columns centred on their mean and scaled to unit norm (0 where constant)."""
    C = P - P.mean(0, keepdims=True)
    n = np.sqrt((C**2).sum(0))
    out = np.zeros_like(C)
    ok = n > 1e-12
    out[:, ok] = C[:, ok] / n[ok]
    return np.ascontiguousarray(out)


def _bh(p: np.ndarray, return_sorted: bool = False):
    """Benjamini-Hochberg q-values of each row of ``p`` (shape ``(n_queries, n_targets)``);
    with ``return_sorted`` also the stable argsort of each row and p and q in that order."""
    n = p.shape[1]
    order = np.argsort(p, axis=1, kind="stable")
    ps = np.take_along_axis(p, order, axis=1)
    q = ps * n / np.arange(1, n + 1)
    qs = np.minimum(np.minimum.accumulate(q[:, ::-1], axis=1)[:, ::-1], 1.0)
    out = np.empty_like(qs)
    np.put_along_axis(out, order, qs, axis=1)
    return (out, order, ps, qs) if return_sorted else out


def _tomtom_arrays(Qs, Ts, *, dist, min_overlap, both_strands, n_score_bins, n_median_bins,
                   n_target_bins, n_jobs, sort_rows=False):
    """Run the kernel; arrays of shape (n_queries, n_targets): p, score, raw, offset,
    overlap, strand (0 = +, 1 = -). With ``sort_rows`` each query's row is in the order of
    increasing p-value (ties by target index), and that order (the target indices) follows
    as a seventh array."""

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
        # distinct columns (what np.unique(T.T, axis=0) gives, by a stable lexsort)
        perm = np.lexsort(T[::-1])
        Ts_ = T[:, perm]
        new = np.empty(T.shape[1], dtype=bool)
        new[0] = True
        new[1:] = (Ts_[:, 1:] != Ts_[:, :-1]).any(axis=0)
        idx = perm[new]
        grp = np.cumsum(new) - 1
        inv = np.empty(T.shape[1], dtype=np.int64)
        inv[perm] = grp
        counts = np.diff(np.append(np.flatnonzero(new), T.shape[1]))
    inv = np.asarray(inv).ravel().astype(np.int64)
    U = np.ascontiguousarray(T[:, idx])
    U_norm = np.ascontiguousarray(T_norm[idx])
    Q_norm = (Q**2).sum(axis=0)
    widths = np.unique(t_lens).astype(np.int64)
    t_widx = np.searchsorted(widths, t_lens).astype(np.int64)
    n_fwd = len(Ts)
    shape = (len(Qs), n_fwd)
    out = [np.zeros(shape), np.zeros(shape, dtype=np.int64), np.zeros(shape),
           np.zeros(shape, dtype=np.int64), np.zeros(shape, dtype=np.int64),
           np.zeros(shape, dtype=np.int64)]
    order = np.zeros(shape if sort_rows else (0, 0), dtype=np.int64)
    old = numba.get_num_threads()
    if n_jobs is not None and n_jobs > 0:
        numba.set_num_threads(min(int(n_jobs), numba.config.NUMBA_NUM_THREADS))
    try:
        # per-thread scratch, allocated here once (numpy asks for huge pages on big arrays)
        n_thr = numba.get_num_threads()
        nq_max = int(q_lens.max())
        nq_max4 = (nq_max + 3) // 4 * 4
        gR = np.zeros((n_thr, U.shape[1], nq_max4), dtype=np.int16)
        n_u = U.shape[1]
        n_len = nq_max * n_score_bins + 1
        n_buf = n_len + 2 * _PAD + 16
        n_w = len(widths)
        scratch = (
            np.empty((n_thr, nq_max, n_u)),                        # G
            gR,                                                    # gR
            np.empty((n_thr, 4, n_u), dtype=np.int32),             # zb
            np.empty((n_thr, 4, max(n_median_bins, n_score_bins + 1)), dtype=np.int32),  # cnt
            np.zeros((n_thr, nq_max, n_score_bins + 1 + _PAD)),    # f
            np.zeros((n_thr, n_buf)),                              # cur
            np.zeros((n_thr, n_buf)),                              # nxt
            np.empty((n_thr, n_len)),                              # sv
            np.empty((n_thr, n_w, n_len)),                         # I
            np.empty((n_thr, n_w), dtype=np.int64),                # I_one
            np.empty((n_thr, n_w), dtype=np.int64),                # I_hi
            np.empty((n_thr, 2, nq_max, n_len)),                   # PS
            np.empty((n_thr, 2, nq_max), dtype=np.int64),          # PS_one
            np.empty((n_thr, 2, nq_max), dtype=np.int64),          # PS_hi
            np.empty((n_thr, n_len)),                              # R
            np.empty((n_thr, 4, nq_max + int(t_lens.max())), dtype=np.int32),  # D
            np.empty((n_thr, len(inv), nq_max4), dtype=np.int16),  # gP
            np.empty((n_thr, 4, 64), dtype=np.int32),              # zb4
            gR.view(np.uint64),                                    # gR64, the same memory
        )
        # hand out one query at a time: their costs differ
        chunk = numba.set_parallel_chunksize(1 if n_thr > 1 else 0)
        try:
            Uz = _zscore_columns(U)
            run = _run if n_thr > 1 else _run_serial
            run(Q, Q_norm, _zscore_columns(Q), q_starts, q_lens, U, U_norm, Uz,
                 counts.astype(np.int32), inv, np.ascontiguousarray(U[:, inv].T),
                 np.ascontiguousarray(U_norm[inv]), np.ascontiguousarray(Uz[:, inv].T), t_starts, t_lens, t_widx, widths, n_fwd,
                 _DIST_CODE[dist], int(min_overlap), int(n_score_bins), int(n_median_bins),
                 *scratch, bool(sort_rows), order, *out)
        finally:
            numba.set_parallel_chunksize(chunk)
    finally:
        numba.set_num_threads(old)
    return out + [order] if sort_rows else out


# --------------------------------------------------------------------------- public API
def compile_kernels(threads: int = 1) -> None:
    """Compile (and cache on disk) the numba kernels for ``threads`` threads now.

    The first Tomtom call after an install compiles them (14 s for one thread, 22 s for
    several); a caller that knows a comparison will follow can pay that while it waits on
    something else. The demo does it in a thread while its workers train.

    Parameters
    ----------
    threads : int
        1: the serial kernel; more: the parallel one.
    """
    rng = np.random.default_rng(0)
    q = rng.dirichlet(np.ones(4), size=8).T
    t = [rng.dirichlet(np.ones(4), size=w).T for w in (6, 10)]
    tomtom([q], t, n_jobs=int(threads), thresh=None)


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
        :func:`motifscope.io.jaspar.jaspar_motifs`). MEME: the target database argument(s).
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

    q_names, q_alts, Qs = _resolve_ppms(queries, "queries", "query")
    t_names, t_alts, Ts = _resolve_ppms(targets, "targets", "target")
    if max(q.shape[1] for q in Qs) * int(n_score_bins) > 2**30:
        raise InputError("query motifs are too wide for n_score_bins")

    # each query's row comes sorted by increasing p-value (ties by target index), with the
    # target indices in `order`: the rows of the table in their final order
    ps, _, raw, off, ov, strand, order = _tomtom_arrays(
        Qs, Ts, dist=dist, min_overlap=int(min_overlap), both_strands=both_strands,
        n_score_bins=int(n_score_bins), n_median_bins=int(n_median_bins),
        n_target_bins=n_target_bins, n_jobs=n_jobs, sort_rows=True,
    )
    ps = np.clip(ps, 0.0, 1.0)
    n_q, n_t = ps.shape
    es = ps * n_t
    # Benjamini-Hochberg per query, on the sorted p-values (in place: these arrays are large)
    qs = np.multiply(ps, n_t)
    qs /= np.arange(1, n_t + 1)
    rev = qs[:, ::-1]
    np.minimum.accumulate(rev, axis=1, out=rev)
    np.minimum(qs, 1.0, out=qs)
    if thresh is None:
        keep = None
    else:
        keep = ((es <= thresh) if evalue else (qs <= thresh)).ravel()

    def rows(a):
        # a (n_queries, n_targets), already in the order of the rows, flattened and filtered
        a = a.ravel()
        return a if keep is None else a[keep]

    qi = np.repeat(np.arange(n_q), n_t)
    ti = order.ravel()
    if keep is not None:
        qi = qi[keep]
        ti = ti[keep]
    st = rows(strand)
    # consensus of every target strand (index t, or n_t + t for the reverse complement)
    t_cons = _consensi(list(Ts) + [T[::-1, ::-1] for T in Ts])
    tkey = ti + n_t * st

    def col(values, idx):
        # values[idx] with the dtype pandas infers for the list of values, without a Python
        # loop over the rows
        if len(idx) == 0:
            return [values[i] for i in idx]
        return pd.Series(values).array.take(np.asarray(idx, dtype=np.intp))

    df = pd.DataFrame(
        {
            "query": col(q_names, qi),
            "query_alt": col(q_alts, qi),
            "target": col(t_names, ti),
            "target_name": col(t_alts, ti),
            "offset": rows(off).astype(np.int64, copy=False),
            "orientation": col(["+", "-"], st) if len(st) else np.where(st == 1, "-", "+"),
            "overlap": rows(ov).astype(np.int64, copy=False),
            "query_consensus": col(_consensi(Qs), qi),
            "target_consensus": col(t_cons, tkey),
            "score": rows(raw),
            "p_value": rows(ps),
            "e_value": rows(es),
            "q_value": rows(qs),
        },
        columns=_COLUMNS,
        copy=False,
    )
    df.attrs.update(
        dist=dist, min_overlap=int(min_overlap), thresh=thresh, evalue=bool(evalue),
        both_strands=bool(both_strands), n_queries=len(Qs), n_targets=len(Ts),
    )
    return df.reset_index(drop=True)
