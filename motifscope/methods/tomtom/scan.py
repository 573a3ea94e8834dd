"""Tomtom's column scores, best alignments and the per-query driver (numba kernels).

:func:`_run` does everything for all queries in parallel (:func:`_run_serial` on one thread): column scores
(:func:`_score_block`), binning and nulls (:mod:`motifscope.methods.tomtom.null`), the best
alignment per target and strand (:func:`_best_alignment`) and its p-value.
"""

from __future__ import annotations

import math
import types

import numba
import numpy as np
from numba import njit, prange

from motifscope.methods.tomtom.null import (
    _bin_rows4,
    _binned_medians4,
    _min_max,
    _null,
)


@njit(inline="always")
def _neg_dist(qn, a0, a1, a2, a3, y0, y1, y2, y3, yn):
    # -sqrt(|q|^2 + |u|^2 - 2 q.u) with a = 2q, in memelite's order of operations
    z = qn + yn
    z -= a0 * y0
    z -= a1 * y1
    z -= a2 * y2
    z -= a3 * y3
    return -math.sqrt(z) if z > 0 else 0.0


@njit(inline="always")
def _clipped_dot(a0, a1, a2, a3, y0, y1, y2, y3):
    s = a0 * y0 + a1 * y1 + a2 * y2 + a3 * y3
    return min(1.0, max(-1.0, s))


@njit(cache=True)
def _euclid_chunk(Q, Q_norm, c0, c1, c2, c3, U, U_norm, jc, je, h0, h1, h2, h3):
    # -sqrt(|q|^2 + |u|^2 - 2 q.u) of four query columns against targets jc..je-1, in
    # memelite's order of operations; h0..h3 are the rows' slices jc..je-1
    n0 = Q_norm[c0]
    n1 = Q_norm[c1]
    n2 = Q_norm[c2]
    n3 = Q_norm[c3]
    a0, a1, a2, a3 = 2 * Q[0, c0], 2 * Q[1, c0], 2 * Q[2, c0], 2 * Q[3, c0]
    b0, b1, b2, b3 = 2 * Q[0, c1], 2 * Q[1, c1], 2 * Q[2, c1], 2 * Q[3, c1]
    d0, d1, d2, d3 = 2 * Q[0, c2], 2 * Q[1, c2], 2 * Q[2, c2], 2 * Q[3, c2]
    e0, e1, e2, e3 = 2 * Q[0, c3], 2 * Q[1, c3], 2 * Q[2, c3], 2 * Q[3, c3]
    u0 = U[0, jc:je]
    u1 = U[1, jc:je]
    u2 = U[2, jc:je]
    u3 = U[3, jc:je]
    un = U_norm[jc:je]
    for j in range(je - jc):
        y0 = u0[j]
        y1 = u1[j]
        y2 = u2[j]
        y3 = u3[j]
        yn = un[j]
        h0[j] = _neg_dist(n0, a0, a1, a2, a3, y0, y1, y2, y3, yn)
        h1[j] = _neg_dist(n1, b0, b1, b2, b3, y0, y1, y2, y3, yn)
        h2[j] = _neg_dist(n2, d0, d1, d2, d3, y0, y1, y2, y3, yn)
        h3[j] = _neg_dist(n3, e0, e1, e2, e3, y0, y1, y2, y3, yn)


@njit(cache=True)
def _pearson_chunk(Qz, c0, c1, c2, c3, Uz, jc, je, h0, h1, h2, h3):
    # Pearson correlation (dot products of z-scored columns, clipped to [-1, 1]) of four
    # query columns against targets jc..je-1
    a0, a1, a2, a3 = Qz[0, c0], Qz[1, c0], Qz[2, c0], Qz[3, c0]
    b0, b1, b2, b3 = Qz[0, c1], Qz[1, c1], Qz[2, c1], Qz[3, c1]
    d0, d1, d2, d3 = Qz[0, c2], Qz[1, c2], Qz[2, c2], Qz[3, c2]
    e0, e1, e2, e3 = Qz[0, c3], Qz[1, c3], Qz[2, c3], Qz[3, c3]
    u0 = Uz[0, jc:je]
    u1 = Uz[1, jc:je]
    u2 = Uz[2, jc:je]
    u3 = Uz[3, jc:je]
    for j in range(je - jc):
        y0 = u0[j]
        y1 = u1[j]
        y2 = u2[j]
        y3 = u3[j]
        h0[j] = _clipped_dot(a0, a1, a2, a3, y0, y1, y2, y3)
        h1[j] = _clipped_dot(b0, b1, b2, b3, y0, y1, y2, y3)
        h2[j] = _clipped_dot(d0, d1, d2, d3, y0, y1, y2, y3)
        h3[j] = _clipped_dot(e0, e1, e2, e3, y0, y1, y2, y3)


@njit(cache=True)
def _score_block(Q, Q_norm, Qz, q0, nq, r0, U, U_norm, Uz, dist, G, mins, maxs):
    # G[r] = column scores of query column q0 + r against every distinct target column, for
    # the four rows r0..r0+3 (clipped to nq; a repeated row is computed twice), in one sweep
    # over the targets in chunks of 512; mins/maxs[r] their range, taken per chunk while it
    # is in cache.
    n_u = U.shape[1]
    rows = (r0, min(r0 + 1, nq - 1), min(r0 + 2, nq - 1), min(r0 + 3, nq - 1))
    g0, g1, g2, g3 = G[rows[0]], G[rows[1]], G[rows[2]], G[rows[3]]
    c0, c1, c2, c3 = q0 + rows[0], q0 + rows[1], q0 + rows[2], q0 + rows[3]
    L = np.empty((2, 64))
    lo = np.full(4, 9999999.9)
    hi = np.full(4, -9999999.9)
    for jc in range(0, n_u, 512):
        je = min(jc + 512, n_u)
        h0, h1, h2, h3 = g0[jc:je], g1[jc:je], g2[jc:je], g3[jc:je]
        if dist == 1:
            _euclid_chunk(Q, Q_norm, c0, c1, c2, c3, U, U_norm, jc, je, h0, h1, h2, h3)
        else:
            _pearson_chunk(Qz, c0, c1, c2, c3, Uz, jc, je, h0, h1, h2, h3)
        for i, h in enumerate((h0, h1, h2, h3)):
            a, b = _min_max(h, L)
            lo[i] = min(lo[i], a)
            hi[i] = max(hi[i], b)
    for i in range(4):
        mins[rows[i]] = lo[i]
        maxs[rows[i]] = hi[i]


@njit(cache=True)
def _best_alignment(gP, t0, t, nq, pad, min_overlap, D):
    # Best alignment of the query (gP rows t0..t0+t-1: the target's columns) with a target of
    # width t: (sum of binned scores minus the median bin, offset, overlap). Ties go to the
    # larger overlap, then to the smaller offset. Offset o aligns query column r with target
    # column r + o; its sum is D[o + nq - 1].
    nd = nq + t - 1
    # four partial sums in turn, so that consecutive rows, whose ranges overlap, do not wait
    # on each other's stores
    D0 = D[0, :nd]
    D1 = D[1, :nd]
    D2 = D[2, :nd]
    D3 = D[3, :nd]
    D0[:] = 0
    D1[:] = 0
    D2[:] = 0
    D3[:] = 0
    for p in range(t):
        row = gP[t0 + p, pad:pad + nq]
        dst = D[p & 3, p:p + nq]
        for k in range(nq):
            dst[k] += row[k]
    for d in range(nd):
        D0[d] = D0[d] + D1[d] + D2[d] + D3[d]
    # offsets with at least mo columns overlapping: o in [mo - nq, t - mo]
    mo = min(min_overlap, nq, t)
    d_lo = mo - 1
    d_hi = t - mo + nq - 1
    Dv = D0[d_lo:d_hi + 1]
    mx = Dv[0]
    for d in range(Dv.shape[0]):
        mx = max(mx, Dv[d])
    best_o = 0
    best_ov = -1
    for d in range(Dv.shape[0]):
        if Dv[d] == mx:
            o = d + d_lo - (nq - 1)
            ov = min(nq, t - o) - max(0, -o)
            if ov > best_ov:
                best_o = o
                best_ov = ov
    return np.int64(mx), best_o, best_ov


@njit(cache=True)
def _permute(row, o):
    # row[:] = row[o]
    tmp = row[o]
    row[:] = tmp


@njit(cache=True)
def _bin_query(G, nq, nq4, mins, maxs, meds, n_bins, u_counts, total, zb4, cnt, f, gR64, f_lo,
               f_hi):
    """Shift each query column's scores by their median and scale them onto integer bins
    (memelite's scheme): the binned score rows into ``gR64``, their histograms into ``f``
    and each histogram's first and last non-empty bin into ``f_lo`` / ``f_hi``. Returns
    the offset of bin 0."""
    z_min = 9999999.9
    z_max = -9999999.9
    for r in range(nq):
        z_min = min(z_min, mins[r] - meds[r])
        z_max = max(z_max, maxs[r] - meds[r])
    i_min = math.floor(z_min)
    span = z_max - i_min
    bin_scale = math.floor(n_bins / span) if span > 0 else n_bins
    bin_scale = max(bin_scale, 1)
    off = -i_min * bin_scale
    shifted = np.empty(nq)
    for r in range(nq):
        shifted[r] = meds[r] + i_min
    for g in range(nq4 // 4):
        _bin_rows4(G, nq, nq4, g, shifted, bin_scale, n_bins, off, u_counts, total, zb4, cnt, f,
                   gR64)
    for r in range(nq):
        fr = f[r]
        f_lo[r] = n_bins
        f_hi[r] = 0
        for b in range(n_bins + 1):
            if fr[b] != 0:
                f_lo[r] = min(f_lo[r], b)
                f_hi[r] = b
    return off


@njit(cache=True)
def _raw_score(Q, Q_norm, Qz, Tp, Tp_norm, Tzp, q0, t0, best_o, best_ov, dist):
    """The unbinned score of the alignment at offset ``best_o`` over ``best_ov`` columns:
    minus the summed Euclidean distances (``dist == 1``) or the summed clipped Pearson
    correlations of the overlapping columns."""
    raw = 0.0
    a = max(0, -best_o)
    for cc in range(a, a + best_ov):
        c = q0 + cc
        pos = t0 + cc + best_o
        if dist == 1:
            z = Q_norm[c] + Tp_norm[pos]
            z -= 2 * Q[0, c] * Tp[pos, 0]
            z -= 2 * Q[1, c] * Tp[pos, 1]
            z -= 2 * Q[2, c] * Tp[pos, 2]
            z -= 2 * Q[3, c] * Tp[pos, 3]
            raw += -math.sqrt(z) if z > 0 else 0.0
        else:
            x = (Qz[0, c] * Tzp[pos, 0] + Qz[1, c] * Tzp[pos, 1]
                 + Qz[2, c] * Tzp[pos, 2] + Qz[3, c] * Tzp[pos, 3])
            raw += min(1.0, max(-1.0, x))
    return raw


@njit(cache=True)
def _store(qi, k, strand, p, best, raw, best_o, best_ov, out_p, out_score, out_raw, out_off,
           out_ov, out_strand):
    """Record target ``k``'s alignment on ``strand``; the reverse strand (seen second)
    combines the two p-values as ``1 - (1 - p_min)^2`` and keeps the better alignment."""
    if strand == 0:
        out_p[qi, k] = p
        out_score[qi, k] = best
        out_raw[qi, k] = raw
        out_off[qi, k] = best_o
        out_ov[qi, k] = best_ov
        out_strand[qi, k] = 0
        return
    pm = min(out_p[qi, k], p)
    out_p[qi, k] = pm * (2 - pm)
    if best > out_score[qi, k]:
        out_score[qi, k] = best
        out_raw[qi, k] = raw
        out_off[qi, k] = best_o
        out_ov[qi, k] = best_ov
        out_strand[qi, k] = 1


def _run_impl(Q, Q_norm, Qz, q_starts, q_lens, U, U_norm, Uz, u_counts, t_cols, Tp, Tp_norm, Tzp,
         t_starts,
         t_lens, t_widx, widths, n_fwd, dist, min_overlap, n_bins, n_median_bins,
         Gs, gRs, zbs, cnts, fs, curs, nxts, svs, Is, I_ones, I_his, PSs, PS_ones, PS_his, Rs,
         Ds, gPs, zb4s, gR64s, sort_rows, order, out_p, out_score, out_raw, out_off, out_ov,
         out_strand):
    n_u = U.shape[1]
    n_t = t_lens.shape[0]
    n_w = widths.shape[0]
    total = 0
    for j in range(n_u):
        total += u_counts[j]
    halfway = total / 2
    wi_of_len = np.full(max(q_lens.max(), widths.max()) + 1, -1, dtype=np.int64)
    for wi in range(n_w):
        wi_of_len[widths[wi]] = wi
    for qi in prange(q_lens.shape[0]):
        tid = numba.get_thread_id()
        nq = q_lens[qi]
        q0 = q_starts[qi]
        G = Gs[tid]
        gR = gRs[tid]
        zb = zbs[tid]
        cnt = cnts[tid]
        f = fs[tid]
        D = Ds[tid]
        meds = np.empty(nq)
        mins = np.empty(nq)
        maxs = np.empty(nq)
        # 1. column scores, their range and median
        for r0 in range(0, nq, 4):
            _score_block(Q, Q_norm, Qz, q0, nq, r0, U, U_norm, Uz, dist, G, mins, maxs)
            _binned_medians4(G, r0, min(4, nq - r0), mins, maxs, u_counts, n_median_bins, cnt,
                             zb, halfway, meds)
        # 2. shift by the median, scale onto integer bins (memelite's scheme)
        nq4 = (nq + 3) // 4 * 4
        f_lo = np.empty(nq, dtype=np.int64)
        f_hi = np.empty(nq, dtype=np.int64)
        off = _bin_query(G, nq, nq4, mins, maxs, meds, n_bins, u_counts, total, zb4s[tid], cnt,
                         f, gR64s[tid], f_lo, f_hi)
        # 3. null: survival of the best of all alignments, per target width
        I = Is[tid]  # noqa: E741 - the null's notation
        I_one = I_ones[tid]
        _null(f, f_lo, f_hi, nq, n_bins, off, widths, wi_of_len, curs[tid], nxts[tid],
              svs[tid], I, I_one, I_his[tid], PSs[tid], PS_ones[tid], PS_his[tid], Rs[tid])
        n_len = nq * n_bins + 1
        # 4. best alignment of every target (and strand), its p-value. D[o + nq - 1] is the
        # sum of the binned scores (minus the median bin) of the alignment at offset o.
        gP = gPs[tid]
        for pos in range(t_cols.shape[0]):
            src = gR[t_cols[pos]]
            dst = gP[pos]
            for k in range(nq4):
                dst[k] = src[k]
        for ti in range(n_t):
            t = t_lens[ti]
            t0 = t_starts[ti]
            best, best_o, best_ov = _best_alignment(gP, t0, t, nq, nq4 - nq, min_overlap, D)
            best += nq * off
            wi = t_widx[ti]
            if best <= 0 or best < I_one[wi]:
                p = 1.0
            elif best >= n_len:
                p = 0.0
            else:
                p = I[wi, best]
            p = min(max(p, 0.0), 1.0)
            raw = _raw_score(Q, Q_norm, Qz, Tp, Tp_norm, Tzp, q0, t0, best_o, best_ov, dist)
            _store(qi, ti % n_fwd, ti // n_fwd, p, best, raw, best_o, best_ov, out_p, out_score,
                   out_raw, out_off, out_ov, out_strand)
        if sort_rows:
            # this query's targets by increasing p-value (stable: ties by target index)
            o = np.argsort(out_p[qi], kind="mergesort")
            order[qi] = o
            _permute(out_p[qi], o)
            _permute(out_score[qi], o)
            _permute(out_raw[qi], o)
            _permute(out_off[qi], o)
            _permute(out_ov[qi], o)
            _permute(out_strand[qi], o)
    return 0


def _renamed(fn, name):
    """``fn`` under another name: numba's on-disk cache is keyed by the function's
    qualified name, not by its compile flags, so the serial and parallel compilations of
    one body need two names or they would load each other's machine code."""
    g = types.FunctionType(fn.__code__.replace(co_name=name, co_qualname=name), fn.__globals__,
                           name)
    g.__qualname__ = name
    return g


#: All queries, one per thread (``prange``).
_run = njit(cache=True, parallel=True)(_renamed(_run_impl, "_run"))
#: The same on one thread: compiles in 14 s where the parallel form takes 22 s (the demo's
#: single-threaded workers pay that once per install).
_run_serial = njit(cache=True)(_renamed(_run_impl, "_run_serial"))


