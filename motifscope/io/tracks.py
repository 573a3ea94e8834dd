"""Tracks out: values of genome windows as bigWig or bedGraph, overlaps merged by a stated rule.

A window ``[start, end)`` carries either one value (a prediction: it covers the whole window)
or one value per base (an attribution: ``values[i, j]`` is base ``start + j``; a ``-``-strand
window's values are flipped back to the forward strand first). Where windows overlap:

- ``rule="mean"``: every base takes the mean of the windows that cover it;
- ``rule="centre"``: each window contributes only its central ``centre`` bases
  (``[start + (L - centre) // 2, ... + centre)``), and where those still overlap, their mean.
  With windows tiled every ``stride`` bases and ``centre=stride`` each base is covered once,
  by the window it is most central in.

Bases no window covers are absent from the track (not zero). Consecutive bases with the
same value become one bigWig/bedGraph entry. Chromosome names are written as the reference
FASTA spells them, so the track loads over the same genome in IGV or the UCSC browser.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_open, atomic_path
from motifscope.core.errors import InputError

__all__ = ["attribution_tracks", "merge_windows", "write_bedgraph", "write_bigwig"]


def _per_base(table, values):
    v = np.asarray(values, dtype=np.float64)
    L = (table["end"] - table["start"]).to_numpy()
    if v.ndim == 1:
        v = [np.full(n, x) for n, x in zip(L, v)]
    elif v.ndim == 2 and v.shape[1] == L.max() == L.min():
        v = [row[::-1] if s == "-" else row for row, s in zip(v, table["strand"])]
    else:
        raise InputError(f"values of shape {v.shape}: expected one per window ({len(table)},) "
                         f"or one per base ({len(table)}, {int(L.max())})")
    return v


def merge_windows(table, values, *, rule: str = "mean", centre: int | None = None) -> dict:
    """Per-base values of overlapping windows, merged.

    Parameters
    ----------
    table : pandas.DataFrame
        ``chrom``, ``start``, ``end`` and ``strand`` of each window (as
        :func:`motifscope.io.regions.windows` returns).
    values : numpy.ndarray of shape (N,) or (N, L)
        One value per window, or one per base.
    rule : {"mean", "centre"}
        How overlaps are merged (see the module notes).
    centre : int or None
        Bases each window contributes with ``rule="centre"``.

    Returns
    -------
    dict of str to (numpy.ndarray, numpy.ndarray, numpy.ndarray)
        Per chromosome: entry ``starts``, ``ends`` and ``values`` (sorted, non-overlapping).
    """
    if rule not in ("mean", "centre"):
        raise InputError(f"--merge {rule!r}: expected 'mean' or 'centre'")
    if rule == "centre" and (centre is None or centre < 1):
        raise InputError(f"centre={centre!r}: rule 'centre' needs the bases each window keeps")
    per = _per_base(table, values)
    out = {}
    for chrom in dict.fromkeys(table["chrom"]):
        pos, val = [], []
        for i in np.flatnonzero(table["chrom"].to_numpy() == chrom):
            s, n = int(table["start"].iloc[i]), len(per[i])
            lo, hi = (0, n) if rule == "mean" else ((n - centre) // 2, (n - centre) // 2 + centre)
            lo, hi = max(lo, 0), min(hi, n)
            pos.append(np.arange(s + lo, s + hi))
            val.append(per[i][lo:hi])
        pos, val = np.concatenate(pos), np.concatenate(val)
        keep = pos >= 0  # N-padding before the contig's start is not a base
        uniq, inv = np.unique(pos[keep], return_inverse=True)
        mean = np.bincount(inv, val[keep]) / np.bincount(inv)
        out[chrom] = _runs(uniq, mean)
    return out


def _runs(pos, val):
    """Collapse consecutive positions with equal values into [start, end) entries."""
    if not len(pos):
        return np.zeros(0, np.int64), np.zeros(0, np.int64), np.zeros(0)
    brk = np.flatnonzero((np.diff(pos) != 1) | (np.diff(val) != 0)) + 1
    starts = np.concatenate([[0], brk])
    ends = np.concatenate([brk, [len(pos)]])
    return pos[starts], pos[ends - 1] + 1, val[starts]


def _ordered(tracks: dict, genome):
    """Entries under the FASTA's contig names, in its order, clipped to the contig."""
    real = {}
    for chrom in tracks:
        real[chrom] = genome.resolve(chrom)
        if real[chrom] is None:
            raise InputError(f"contig {chrom!r} is not in {genome.path}; a track must be "
                             f"written over the genome its windows came from")
    for chrom in sorted(tracks, key=lambda c: genome.contigs.index(real[c])):
        size = genome.length(chrom)
        s, e, v = tracks[chrom]
        ok = s < size
        yield real[chrom], s[ok], np.minimum(e[ok], size), v[ok]


def write_bigwig(path, tracks: dict, genome) -> Path:
    """Write merged tracks as a bigWig file (pyBigWig), atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.bw``.
    tracks : dict
        As :func:`merge_windows` returns.
    genome : motifscope.io.genome.Genome
        The reference (its contig names and lengths make the header).

    Returns
    -------
    pathlib.Path
    """
    import pyBigWig

    path = Path(path)
    with atomic_path(path) as tmp:
        bw = pyBigWig.open(str(tmp), "w")
        try:
            bw.addHeader([(c, int(genome.lengths[c])) for c in genome.contigs])
            for real, s, e, v in _ordered(tracks, genome):
                if len(s):
                    bw.addEntries([real] * len(s), s.tolist(), ends=e.tolist(),
                                  values=v.astype(float).tolist())
        finally:
            bw.close()
    return path


def write_bedgraph(path, tracks: dict, genome, *, name: str = "motifscope") -> Path:
    """Write merged tracks as bedGraph text, atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination ``.bedGraph``.
    tracks : dict
        As :func:`merge_windows` returns.
    genome : motifscope.io.genome.Genome
        The reference (contig names and order).
    name : str
        The track line's name.

    Returns
    -------
    pathlib.Path
    """

    path = Path(path)
    with atomic_open(path) as fh:
        fh.write(f'track type=bedGraph name="{name}"\n')
        for real, s, e, v in _ordered(tracks, genome):
            for a, b, x in zip(s.tolist(), e.tolist(), v.tolist()):
                fh.write(f"{real}\t{a}\t{b}\t{x:.6g}\n")
    return path


def attribution_tracks(out_dir, table, X, attributions, genome, *, hypothetical=None,
                       rule: str = "mean", centre: int | None = None) -> list[Path]:
    """Per-base attribution tracks of genome windows as bigWig files.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Folder of the tracks.
    table : pandas.DataFrame
        The windows' coordinates (``chrom``, ``start``, ``end``, ``strand``).
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        The windows' one-hot sequences, in the orientation the model read them.
    attributions : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        Attributions in the same orientation.
    genome : motifscope.io.genome.Genome
        The reference the windows came from.
    hypothetical : torch.Tensor or numpy.ndarray of shape (N, 4, L) or None
        Hypothetical contributions (DeepLIFT methods): one track per base.
    rule, centre
        Overlap merging (:func:`merge_windows`).

    Returns
    -------
    list of pathlib.Path
        ``contribution.bw`` (the observed base's attribution, summed over bases of
        ``attributions * X``) and, with ``hypothetical``, ``hypothetical_A.bw`` ...
        ``hypothetical_T.bw``, all on the forward strand (a ``-`` window's bases are
        complemented and its positions reversed).
    """
    def arr(a):
        return np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=np.float64)

    out_dir = Path(out_dir)
    contrib = (arr(attributions) * arr(X)).sum(1)
    paths = [write_bigwig(out_dir / "contribution.bw",
                          merge_windows(table, contrib, rule=rule, centre=centre), genome)]
    if hypothetical is not None:
        H = arr(hypothetical).copy()
        minus = table["strand"].to_numpy() == "-"
        H[minus] = H[minus][:, ::-1]  # A<->T, C<->G: the forward strand's bases
        for b, base in enumerate("ACGT"):
            paths.append(write_bigwig(out_dir / f"hypothetical_{base}.bw",
                                      merge_windows(table, H[:, b], rule=rule, centre=centre),
                                      genome))
    return paths
