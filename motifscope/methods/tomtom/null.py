"""Tomtom's binning and null distributions (numba kernels).

Column-score ranges and binned medians, the binning of the column scores, and the
null distribution of the best complete score of each query span, built by convolving
the per-column nulls. Called from :mod:`motifscope.methods.tomtom.scan`.
"""

from __future__ import annotations

import math

import numpy as np
from numba import njit

# --------------------------------------------------------------------------- kernels
# Layout, per query of width nq (the scratch arrays are per thread, allocated once per call):
#   G[r, u]      column score of query column r against distinct target column u (float64)
#   gR[u, k]     its bin minus the median bin (int16), query columns reversed and padded to a
#                multiple of four (k = nq4 - 1 - r, nq4 = 4 * ceil(nq / 4)), so that the
#                diagonal sums of an alignment are contiguous vector additions; gP holds the
#                same rows in the order of the target positions
#   f[r, x]      the null of query column r: share of target columns in bin x
# The null of a span of query columns is built by convolving its columns' nulls, one row of
# spans (fixed start) at a time, into buffers that stay zero outside their support.

_PAD = 8  # zero padding on both sides of the convolution buffers


@njit(cache=True)
def _min_max(row, L):
    # (min, max) of row. Values are finite, so the order is free: elementwise into 64 lanes
    # (L[0] and L[1], scratch), which vectorizes where a running min does not.
    lo = L[0]
    hi = L[1]
    lo[:] = 9999999.9
    hi[:] = -9999999.9
    n = row.shape[0]
    n64 = n - n % 64
    for j0 in range(0, n64, 64):
        blk = row[j0:j0 + 64]
        for t in range(64):
            v = blk[t]
            lo[t] = min(lo[t], v)
            hi[t] = max(hi[t], v)
    a = 9999999.9
    b = -9999999.9
    for t in range(64):
        a = min(a, lo[t])
        b = max(b, hi[t])
    for j in range(n64, n):
        a = min(a, row[j])
        b = max(b, row[j])
    return a, b


@njit(cache=True, fastmath={"reassoc", "nnan", "nsz"})
def _sum_in_bin(row, counts, zb, b):
    # sum of row * counts over the elements in bin b (any order of addition)
    s = 0.0
    for j in range(row.shape[0]):
        s += row[j] * counts[j] if zb[j] == b else 0.0
    return s


@njit(cache=True)
def _binned_medians4(G, r0, nr, mins, maxs, counts, n_bins, cnt4, zb4, halfway, meds):
    # memelite's binned median of each of the nr <= 4 rows r0.. of G: bin by value (n_bins
    # bins over the row's range), stop at the bin where the weighted count reaches half, take
    # the mean of the values in that bin; a row without range has its value as median. The
    # four histograms are filled in one sweep over the targets (each count loaded once).
    n = G.shape[1]
    act = np.zeros(4, dtype=np.bool_)
    for i in range(nr):
        r = r0 + i
        lo = mins[r]
        rng = maxs[r] - lo
        meds[r] = lo
        if rng == 0:
            continue
        act[i] = True
        row = G[r]
        z = zb4[i]
        for j in range(n):
            z[j] = int((row[j] - lo) / rng * (n_bins - 1))
        cnt4[i, :n_bins] = 0
    if act[0] and act[1] and act[2] and act[3]:
        c0 = cnt4[0]
        c1 = cnt4[1]
        c2 = cnt4[2]
        c3 = cnt4[3]
        z0 = zb4[0]
        z1 = zb4[1]
        z2 = zb4[2]
        z3 = zb4[3]
        for j in range(n):
            c = counts[j]
            c0[np.uint64(z0[j])] += c
            c1[np.uint64(z1[j])] += c
            c2[np.uint64(z2[j])] += c
            c3[np.uint64(z3[j])] += c
    else:
        for i in range(nr):
            if act[i]:
                ci = cnt4[i]
                z = zb4[i]
                for j in range(n):
                    ci[np.uint64(z[j])] += counts[j]
    for i in range(nr):
        if not act[i]:
            continue
        acc = 0
        for b in range(n_bins):
            cb = cnt4[i, b]
            acc += cb
            if acc >= halfway:
                meds[r0 + i] = _sum_in_bin(G[r0 + i], counts, zb4[i], b) / cb
                break


@njit(cache=True)
def _bin_rows4(G, nq, nq4, g, meds, bin_scale, n_bins, off, counts, total, zb4, h4, f, gR64):
    # Bin the rows r = nq4 - 1 - 4g - i (i = 0..3; r >= nq is padding, binned as 0) of the
    # scores, each shifted by its median: their histograms f[r] and, packed four int16 per
    # uint64, their columns of gR (bin - off). One sweep over the
    # targets in chunks of 64.
    n_u = G.shape[1]
    h4[:, :n_bins + 1] = 0
    rows = np.empty(4, dtype=np.int64)
    valid = np.empty(4, dtype=np.bool_)
    for i in range(4):
        rows[i] = nq4 - 1 - 4 * g - i
        valid[i] = rows[i] < nq
    for j0 in range(0, n_u, 64):
        nb = min(64, n_u - j0)
        for i in range(4):
            z = zb4[i]
            if valid[i]:
                r = rows[i]
                m = meds[r]
                gr = G[r, j0:j0 + nb]
                for jj in range(nb):
                    x = math.floor((gr[jj] - m) * bin_scale + 0.5)
                    z[jj] = min(max(x, 0), n_bins)
            else:
                for jj in range(nb):
                    z[jj] = off
        c = counts[j0:j0 + nb]
        for i in range(4):
            if valid[i]:
                h = h4[i]
                z = zb4[i]
                for jj in range(nb):
                    h[np.uint64(z[jj])] += c[jj]
        z0 = zb4[0]
        z1 = zb4[1]
        z2 = zb4[2]
        z3 = zb4[3]
        dst = gR64[j0:j0 + nb, g]
        for jj in range(nb):
            dst[jj] = (np.uint64(np.uint16(z0[jj] - off))
                       | (np.uint64(np.uint16(z1[jj] - off)) << np.uint64(16))
                       | (np.uint64(np.uint16(z2[jj] - off)) << np.uint64(32))
                       | (np.uint64(np.uint16(z3[jj] - off)) << np.uint64(48)))
    for i in range(4):
        if valid[i]:
            fr = f[rows[i]]
            fr[:] = 0.0
            for x in range(n_bins + 1):
                fr[x] = h4[i, x] / total


@njit(cache=True, fastmath={"contract"})
def _convolve(cur, lo, hi, fr, flo, fhi, out):
    # out[q] += sum_b fr[b] * cur[q - b] for the supports cur[lo..hi], fr[flo..fhi]; all
    # indices shifted by _PAD. cur is zero outside [lo, hi] (and fr beyond fhi up to fhi + 7),
    # so eight terms per pass can read past either end, and out stays zero outside
    # [lo + flo, hi + fhi] (zeros are added there). Unsigned indices spare numba's
    # negative-index checks, so the loop vectorizes.
    n = hi - lo + 8
    for b0 in range(flo, fhi + 1, 8):
        c0 = fr[b0]
        c1 = fr[b0 + 1]
        c2 = fr[b0 + 2]
        c3 = fr[b0 + 3]
        c4 = fr[b0 + 4]
        c5 = fr[b0 + 5]
        c6 = fr[b0 + 6]
        c7 = fr[b0 + 7]
        ob = np.uint64(_PAD + lo + b0)
        ab = np.uint64(_PAD + lo)
        for k in range(n):
            kk = np.uint64(k)
            a = ab + kk
            o = ob + kk
            out[o] = (out[o] + c0 * cur[a] + c1 * cur[a - np.uint64(1)]
                      + c2 * cur[a - np.uint64(2)] + c3 * cur[a - np.uint64(3)]
                      + c4 * cur[a - np.uint64(4)] + c5 * cur[a - np.uint64(5)]
                      + c6 * cur[a - np.uint64(6)] + c7 * cur[a - np.uint64(7)])


@njit(cache=True)
def _survival(pdf, sv):
    # sv[b] = min(1, sum(pdf[b:])), summed from the top for relative precision in the tail.
    # The window is cut in four parts whose sums run as independent chains; the totals of
    # the parts above are then added to each part.
    n = pdf.shape[0]
    q = n // 4
    if q < 16:
        acc = 0.0
        for b in range(n - 1, -1, -1):
            acc += pdf[b]
            sv[b] = min(acc, 1.0)
        return
    r = n - 4 * q
    a3 = 0.0
    for b in range(n - 1, n - 1 - r, -1):
        a3 += pdf[b]
        sv[b] = a3
    p0 = pdf[0:q]
    p1 = pdf[q:2 * q]
    p2 = pdf[2 * q:3 * q]
    p3 = pdf[3 * q:4 * q]
    s0 = sv[0:q]
    s1 = sv[q:2 * q]
    s2 = sv[2 * q:3 * q]
    s3 = sv[3 * q:4 * q]
    a0 = 0.0
    a1 = 0.0
    a2 = 0.0
    for k in range(q - 1, -1, -1):
        a0 += p0[k]
        a1 += p1[k]
        a2 += p2[k]
        a3 += p3[k]
        s0[k] = a0
        s1[k] = a1
        s2[k] = a2
        s3[k] = a3
    t2 = a3
    t1 = a2 + t2
    t0 = a1 + t1
    for k in range(q):
        s0[k] = min(s0[k] + t0, 1.0)
        s1[k] = min(s1[k] + t1, 1.0)
        s2[k] = min(s2[k] + t2, 1.0)
    for b in range(3 * q, n):
        sv[b] = min(sv[b], 1.0)


@njit(cache=True)
def _fold(A, a_one, sv, s_lo, s_hi):
    # A := P(max(X, Y) >= s) = A + sv - A sv, for survivals A (1 below a_one) and sv (1 below
    # s_lo, 0 above s_hi). Returns A's new "1 below" bound.
    e = max(a_one, s_lo)
    if s_hi >= e:
        A1 = A[e:s_hi + 1]
        sv1 = sv[e:s_hi + 1]
        for s in range(s_hi + 1 - e):
            a = A1[s]
            x = sv1[s]
            A1[s] = a + x - a * x
    return e


@njit(cache=True)
def _fold_pow(A, a_one, sv, s_lo, s_hi, mult):
    # _fold with sv replaced by the survival of the best of `mult` independent copies.
    e = max(a_one, s_lo)
    for s in range(e, s_hi + 1):
        x = sv[s]
        px = 1.0 if x >= 1.0 else -math.expm1(mult * math.log1p(-x))
        a = A[s]
        A[s] = a + px - a * px
    return e


@njit(cache=True)
def _null(f, f_lo, f_hi, nq, n_bins, off, widths, wi_of_len, cur, nxt, sv, I, I_one, I_hi,  # noqa: E741
          PS, PS_one, PS_hi, R):
    # Survival S_t(s) = P(best complete score over the nq + t - 1 alignments with a target of
    # width t >= s), into I[wi] (1 below I_one[wi]), for every width t = widths[wi].
    n_w = widths.shape[0]
    n_len = nq * n_bins + 1
    for wi in range(n_w):
        I[wi, :n_len] = 0.0
        I_one[wi] = 0
        I_hi[wi] = 0
    n_wide = 0
    for wi in range(n_w):
        if widths[wi] > nq:
            n_wide += 1
    for i in range(nq):
        lo = f_lo[i]
        hi = f_hi[i]
        cur[_PAD + lo:_PAD + hi + 1] = f[i, lo:hi + 1]
        for j in range(i, nq):
            if j > i:
                flo = f_lo[j]
                fhi = f_hi[j]
                _convolve(cur, lo, hi, f[j], flo, fhi, nxt)
                cur[_PAD + lo:_PAD + hi + 1] = 0.0
                cur, nxt = nxt, cur
                lo += flo
                hi += fhi
            m = j - i + 1
            wi = wi_of_len[m]
            pre = i == 0 and m < nq
            suf = j == nq - 1 and m < nq
            full = m == nq
            if wi < 0 and not pre and not suf and not (full and n_wide > 0):
                continue
            c = off * (nq - m)
            s_lo = c + lo
            s_hi = c + hi
            _survival(cur[_PAD + lo:_PAD + hi + 1], sv[c + lo:c + hi + 1])
            if wi >= 0:
                I_one[wi] = _fold(I[wi], I_one[wi], sv, s_lo, s_hi)
                I_hi[wi] = max(I_hi[wi], s_hi)
            if full:
                for w2 in range(n_w):
                    t = widths[w2]
                    if t > nq:
                        I_one[w2] = _fold_pow(I[w2], I_one[w2], sv, s_lo, s_hi, t - nq + 1)
                        I_hi[w2] = max(I_hi[w2], s_hi)
            if pre or suf:
                side = 0 if pre else 1
                PS[side, m, s_lo:s_hi + 1] = sv[s_lo:s_hi + 1]
                PS_one[side, m] = s_lo
                PS_hi[side, m] = s_hi
        cur[_PAD + lo:_PAD + hi + 1] = 0.0
    # overhanging alignments: a target of width t also meets the prefixes and suffixes of
    # the query of every length k < min(t, nq); R folds those of length <= k
    R[:n_len] = 0.0
    r_one = 0
    r_hi = 0
    for k in range(1, nq):
        for side in range(2):
            r_one = _fold(R, r_one, PS[side, k], PS_one[side, k], PS_hi[side, k])
            r_hi = max(r_hi, PS_hi[side, k])
        for wi in range(n_w):
            if min(widths[wi], nq) - 1 == k:
                I_one[wi] = _fold(I[wi], I_one[wi], R, r_one, r_hi)
                I_hi[wi] = max(I_hi[wi], r_hi)


