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


def _resolve_ppms(source, name: str, kind: str):
    """(names, alt names, PPMs) of a motif source, as :func:`resolve_motifs` and
    :class:`~motifscope.motifs.Motif` give them. Plain arrays (a list of ``(4, w)`` arrays or
    an ``(n, 4, w)`` stack) are checked and normalised all at once rather than through one
    Motif each; anything else, or arrays that fail a check, go through
    :func:`resolve_motifs`, which raises the error."""
    arrays = None
    if isinstance(source, np.ndarray) and source.ndim == 3:
        arrays = list(source)
    elif isinstance(source, (list, tuple)) and len(source) > 0 \
            and all(type(a) is np.ndarray and a.ndim == 2 for a in source):
        arrays = source
    if arrays is not None and len(arrays) > 0 \
            and all(a.shape[0] == 4 and a.shape[1] >= 1 for a in arrays):
        A = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays], axis=1)
        s = A.sum(0)
        if np.isfinite(A).all() and not (A < 0).any() and not (np.abs(s - 1) > 1e-3).any():
            # Motif's normalisation, column by column as there
            s = A.sum(0, keepdims=True)
            P = np.where(s > 0, A / np.where(s > 0, s, 1), 0.25)
            cuts = np.cumsum([a.shape[1] for a in arrays])[:-1]
            return ([f"motif_{i}" for i in range(len(arrays))], [None] * len(arrays),
                    np.split(P, cuts, axis=1))
    ms = resolve_motifs(source, name)
    return ([m.name for m in ms], [m.alt_name for m in ms],
            [_checked_ppm(m, kind) for m in ms])


def _consensus(P: np.ndarray) -> str:
    # MEME's get_cons: the most probable letter of each column.
    return "".join(np.array(list("ACGT"))[P.argmax(0)])


def _consensi(Ps) -> list[str]:
    """:func:`_consensus` of each PPM in ``Ps``, all at once."""
    if len(Ps) == 0:
        return []
    idx = np.concatenate(Ps, axis=1).argmax(0)
    text = np.frombuffer(b"ACGT", dtype="S1")[idx].tobytes().decode("ascii")
    ends = np.cumsum([P.shape[1] for P in Ps])
    return [text[e - P.shape[1]:e] for e, P in zip(ends.tolist(), Ps)]


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
def _score_block(Q, Q_norm, Qz, q0, nq, r0, U, U_norm, Uz, dist, G, mins, maxs):
    # G[r] = column scores of query column q0 + r against every distinct target column, for
    # the four rows r0..r0+3 (clipped to nq; a repeated row is computed twice), in one sweep
    # over the targets; mins/maxs[r] their range, taken per chunk while it is in cache.
    n_u = U.shape[1]
    r1 = min(r0 + 1, nq - 1)
    r2 = min(r0 + 2, nq - 1)
    r3 = min(r0 + 3, nq - 1)
    g0 = G[r0]
    g1 = G[r1]
    g2 = G[r2]
    g3 = G[r3]
    c0 = q0 + r0
    c1 = q0 + r1
    c2 = q0 + r2
    c3 = q0 + r3
    L = np.empty((2, 64))
    lo0 = lo1 = lo2 = lo3 = 9999999.9
    hi0 = hi1 = hi2 = hi3 = -9999999.9
    for jc in range(0, n_u, 512):
        je = min(jc + 512, n_u)
        if dist == 1:
            # -sqrt(|q|^2 + |u|^2 - 2 q.u), in memelite's order of operations
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
            h0 = g0[jc:je]
            h1 = g1[jc:je]
            h2 = g2[jc:je]
            h3 = g3[jc:je]
            for j in range(je - jc):
                y0 = u0[j]
                y1 = u1[j]
                y2 = u2[j]
                y3 = u3[j]
                yn = un[j]
                z = n0 + yn
                z -= a0 * y0
                z -= a1 * y1
                z -= a2 * y2
                z -= a3 * y3
                h0[j] = -math.sqrt(z) if z > 0 else 0.0
                z = n1 + yn
                z -= b0 * y0
                z -= b1 * y1
                z -= b2 * y2
                z -= b3 * y3
                h1[j] = -math.sqrt(z) if z > 0 else 0.0
                z = n2 + yn
                z -= d0 * y0
                z -= d1 * y1
                z -= d2 * y2
                z -= d3 * y3
                h2[j] = -math.sqrt(z) if z > 0 else 0.0
                z = n3 + yn
                z -= e0 * y0
                z -= e1 * y1
                z -= e2 * y2
                z -= e3 * y3
                h3[j] = -math.sqrt(z) if z > 0 else 0.0
        else:
            a0, a1, a2, a3 = Qz[0, c0], Qz[1, c0], Qz[2, c0], Qz[3, c0]
            b0, b1, b2, b3 = Qz[0, c1], Qz[1, c1], Qz[2, c1], Qz[3, c1]
            d0, d1, d2, d3 = Qz[0, c2], Qz[1, c2], Qz[2, c2], Qz[3, c2]
            e0, e1, e2, e3 = Qz[0, c3], Qz[1, c3], Qz[2, c3], Qz[3, c3]
            u0 = Uz[0, jc:je]
            u1 = Uz[1, jc:je]
            u2 = Uz[2, jc:je]
            u3 = Uz[3, jc:je]
            h0 = g0[jc:je]
            h1 = g1[jc:je]
            h2 = g2[jc:je]
            h3 = g3[jc:je]
            for j in range(je - jc):
                y0 = u0[j]
                y1 = u1[j]
                y2 = u2[j]
                y3 = u3[j]
                s = a0 * y0 + a1 * y1 + a2 * y2 + a3 * y3
                h0[j] = min(1.0, max(-1.0, s))
                s = b0 * y0 + b1 * y1 + b2 * y2 + b3 * y3
                h1[j] = min(1.0, max(-1.0, s))
                s = d0 * y0 + d1 * y1 + d2 * y2 + d3 * y3
                h2[j] = min(1.0, max(-1.0, s))
                s = e0 * y0 + e1 * y1 + e2 * y2 + e3 * y3
                h3[j] = min(1.0, max(-1.0, s))
        lo, hi = _min_max(g0[jc:je], L)
        lo0 = min(lo0, lo)
        hi0 = max(hi0, hi)
        lo, hi = _min_max(g1[jc:je], L)
        lo1 = min(lo1, lo)
        hi1 = max(hi1, hi)
        lo, hi = _min_max(g2[jc:je], L)
        lo2 = min(lo2, lo)
        hi2 = max(hi2, hi)
        lo, hi = _min_max(g3[jc:je], L)
        lo3 = min(lo3, lo)
        hi3 = max(hi3, hi)
    mins[r0] = lo0
    maxs[r0] = hi0
    mins[r1] = lo1
    maxs[r1] = hi1
    mins[r2] = lo2
    maxs[r2] = hi2
    mins[r3] = lo3
    maxs[r3] = hi3


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
            lo[t] = v if v < lo[t] else lo[t]
            hi[t] = v if v > hi[t] else hi[t]
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
                    x = int(math.floor((gr[jj] - m) * bin_scale + 0.5))
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
def _null(f, f_lo, f_hi, nq, n_bins, off, widths, wi_of_len, cur, nxt, sv, I, I_one, I_hi,
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


@njit(cache=True, parallel=True)
def _run(Q, Q_norm, Qz, q_starts, q_lens, U, U_norm, Uz, u_counts, t_cols, Tp, Tp_norm, Tzp,
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
        f_lo = np.empty(nq, dtype=np.int64)
        f_hi = np.empty(nq, dtype=np.int64)
        nq4 = (nq + 3) // 4 * 4
        shifted = np.empty(nq)
        for r in range(nq):
            shifted[r] = meds[r] + i_min
        for g in range(nq4 // 4):
            _bin_rows4(G, nq, nq4, g, shifted, bin_scale, n_bins, off, u_counts, total, zb4s[tid],
                       cnt, f, gR64s[tid])
        for r in range(nq):
            fr = f[r]
            f_lo[r] = n_bins
            f_hi[r] = 0
            for b in range(n_bins + 1):
                if fr[b] != 0:
                    if b < f_lo[r]:
                        f_lo[r] = b
                    f_hi[r] = b
        # 3. null: survival of the best of all alignments, per target width
        I = Is[tid]
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
            _run(Q, Q_norm, _zscore_columns(Q), q_starts, q_lens, U, U_norm, Uz,
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
