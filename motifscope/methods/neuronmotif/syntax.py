"""Stage C: sub-motif slicing, the motif dictionary and spacing rules (syntax trees).

Information content is in **bits** everywhere (the original mixes bits and "2 - H in
nats"); its nats threshold ``2 - H > 1`` is restated as ``IC > 0.557`` bits.
Motif comparison inside a neuron uses the mean column Pearson correlation at the best
ungapped offset, in-process, instead of one Tomtom subprocess per pair.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from motifscope.core.motifs import Motif
from motifscope.methods.neuronmotif.demixing import column_ic

__all__ = ["NATS_IC_IN_BITS", "Syntax", "build_syntax", "segments", "slice_motifs"]

NATS_IC_IN_BITS = 0.557  # the original's "2 - H_nats > 1" expressed as bits of IC


def _smooth(ppm: np.ndarray, n: int, pseudo: float) -> np.ndarray:
    return (ppm * n + pseudo * 0.25) / (n + pseudo)


def _runs(mask: np.ndarray) -> list[tuple[int, int]]:
    out, start = [], None
    for i, m in enumerate(list(mask) + [False]):
        if m and start is None:
            start = i
        elif not m and start is not None:
            out.append((start, i))
            start = None
    return out


def slice_motifs(motifs: list, *, pseudo: float = 80, min_ic: float = NATS_IC_IN_BITS,
                 left: int = 3, right: int = 2, min_len: int = 9,
                 min_informative: int = 3) -> list:
    """Cut CRMs into informative sub-motifs for database lookup (NeuronMotif ``tochen.py``).

    Parameters
    ----------
    motifs : list of Motif
        CRMs (``nsites`` is the pseudo-count weight of the data).
    pseudo : float
        Uniform pseudo-sequences added before computing the information content.
    min_ic : float
        Bits of information that make a column informative.
    left, right : int
        Flanks added to each informative run.
    min_len : int
        Shortest kept slice (the whole CRM when it is narrower).
    min_informative : int
        CRMs with fewer informative columns are skipped.

    Returns
    -------
    list of Motif
        Unsmoothed slices named ``{crm}_{start:03d}_{end:03d}``; ``meta`` has ``crm``,
        ``start`` and ``end``.
    """
    out = []
    for m in motifs:
        n = m.nsites or 1
        ic = column_ic(_smooth(m.ppm, n, pseudo))
        mask = ic > min_ic
        if mask.sum() < min_informative:
            continue
        ext = np.zeros_like(mask)
        for a, b in _runs(mask):
            ext[max(0, a - left): min(len(mask), b + right)] = True
        for a, b in _runs(ext):
            if b - a >= min(min_len, len(mask)):
                out.append(Motif(name=f"{m.name}_{a:03d}_{b:03d}", ppm=m.ppm[:, a:b],
                                 alt_name=m.alt_name, nsites=m.nsites, source=m.source,
                                 meta={**m.meta, "crm": m.name, "start": a, "end": b}))
    return out


def segments(motif: Motif, *, pseudo: float = 30, min_ic: float = 1.0,
             min_len: int = 4) -> list[tuple[int, int]]:
    """Informative segments of a CRM (runs of columns above ``min_ic`` bits).

    Parameters
    ----------
    motif : Motif
    pseudo : float
        Uniform pseudo-sequences added first.
    min_ic : float
        Bits per column.
    min_len : int

    Returns
    -------
    list of (start, end)
    """
    ic = column_ic(_smooth(motif.ppm, motif.nsites or 1, pseudo))
    return [(a, b) for a, b in _runs(ic > min_ic) if b - a >= min_len]


def _colcorr(P: np.ndarray, Q: np.ndarray) -> np.ndarray:
    # per-column Pearson correlation of two (4, w) matrices; uniform columns give 0
    a = P - P.mean(0)
    b = Q - Q.mean(0)
    den = np.sqrt((a * a).sum(0) * (b * b).sum(0))
    return np.where(den > 1e-12, (a * b).sum(0) / np.where(den > 1e-12, den, 1), 0.0)


def _scan(entry: np.ndarray, target: np.ndarray):
    """Similarity of ``entry`` placed at every offset fully inside ``target``."""
    w, W = entry.shape[1], target.shape[1]
    return np.array([_colcorr(entry, target[:, o: o + w]).mean() for o in range(W - w + 1)])


def _tile(entries: list, target: np.ndarray, min_sim: float):
    """Greedy non-overlapping placements of dictionary entries on ``target``."""
    cands = []
    for j, e in enumerate(entries):
        if e.shape[1] > target.shape[1]:
            continue
        s = _scan(e, target)
        for o in np.flatnonzero(s >= min_sim):
            cands.append((float(s[o]), e.shape[1], j, int(o)))
    cands.sort(key=lambda t: (-t[0], -t[1], t[2], t[3]))
    used = np.zeros(target.shape[1], bool)
    hits = []
    for s, w, j, o in cands:
        if not used[o: o + w].any():
            used[o: o + w] = True
            hits.append((j, o, o + w, s))
    return sorted(hits, key=lambda h: h[1]), used


@dataclass
class Syntax:
    """Motif dictionary and spacing rules of one neuron.

    Attributes
    ----------
    dictionary : list of Motif
        Distinct sub-motifs, named ``{neuron}_D{j}``.
    occurrences : pandas.DataFrame
        One row per dictionary motif found in a CRM: ``crm``, ``motif``, ``start``,
        ``end``, ``similarity``.
    rules : list of dict
        One per motif combination: ``motifs`` (ordered names), ``crms``, ``gaps``
        (per adjacent pair: ``min``, ``max``, ``values``) and ``tree`` (text such as
        ``"D0 - Gap range 0~2 bp - D1"``).
    """

    dictionary: list
    occurrences: object
    rules: list = field(default_factory=list)


def _gap_label(lo: int, hi: int) -> str:
    return f"Gap size {lo} bp" if lo == hi else f"Gap range {lo}~{hi} bp"


def build_syntax(motifs: list, *, prefix: str = "", min_sim: float = 0.8,
                 seg_ic: float = 1.0, min_len: int = 4, cover: float = 0.8) -> Syntax:
    """Motif dictionary and spacing syntax of a neuron's CRMs (NeuronMotif §4.2).

    Segments (runs of informative columns) are taken shortest first; a segment that the
    current dictionary already tiles (>= ``cover`` of its columns, each placement with
    mean column correlation >= ``min_sim``) is explained, otherwise it becomes a new
    entry. Composite segments (two motifs with no gap) are therefore explained by their
    parts. Each CRM is then tiled with the dictionary, CRMs with the same ordered motif
    list form a combination, and adjacent pairs are merged into a binary tree by the
    smallest spacing range.

    Parameters
    ----------
    motifs : list of Motif
        The CRMs of one neuron.
    prefix : str
        Prefix of dictionary names (e.g. ``"L3N7"``).
    min_sim : float
        Mean column Pearson correlation of a match.
    seg_ic : float
        Bits per column of a segment.
    min_len : int
        Shortest segment.
    cover : float
        Fraction of a segment's columns that must be tiled to count as explained.

    Returns
    -------
    Syntax
    """
    import pandas as pd

    segs = []
    for i, m in enumerate(motifs):
        for a, b in segments(m, min_ic=seg_ic, min_len=min_len):
            ic = column_ic(m.ppm[:, a:b]).mean()
            segs.append((b - a, -ic, i, a, b))
    segs.sort()
    entries: list[np.ndarray] = []
    for _, _, i, a, b in segs:
        P = motifs[i].ppm[:, a:b]
        _, used = _tile(entries, P, min_sim)
        if used.mean() < cover:
            entries.append(P)
    names = [f"{prefix}_D{j}" if prefix else f"D{j}" for j in range(len(entries))]
    dictionary = [Motif(name=n, ppm=P, alt_name="".join("ACGT"[k] for k in P.argmax(0)))
                  for n, P in zip(names, entries)]
    rows, combos = [], {}
    for m in motifs:
        hits, _ = _tile(entries, m.ppm, min_sim)
        ic = column_ic(m.ppm)
        hits = [h for h in hits if ic[h[1]: h[2]].mean() >= seg_ic * 0.8]
        for j, a, b, s in hits:
            rows.append({"crm": m.name, "motif": names[j], "start": a, "end": b,
                         "similarity": s})
        key = tuple(names[j] for j, *_ in hits)
        if key:
            combos.setdefault(key, []).append([(a, b) for _, a, b, _ in hits])
    occ = pd.DataFrame(rows, columns=["crm", "motif", "start", "end", "similarity"])
    rules = []
    for key, places in combos.items():
        gaps = []
        for p in range(len(key) - 1):
            v = np.array([pl[p + 1][0] - pl[p][1] for pl in places])
            close = np.abs(v - v.mean()) <= 4
            if close.mean() > 0.8:
                v = v[close]
            gaps.append({"min": int(v.min()), "max": int(v.max()), "values": v.tolist()})
        nodes = [str(k) for k in key]
        g = [dict(x) for x in gaps]
        while len(nodes) > 1:
            p = min(range(len(g)), key=lambda i: (g[i]["max"] - g[i]["min"],
                                                  np.mean(g[i]["values"]), i))
            merged = f"{nodes[p]} - {_gap_label(g[p]['min'], g[p]['max'])} - {nodes[p + 1]}"
            nodes[p: p + 2] = [f"({merged})" if len(nodes) > 2 else merged]
            del g[p]
        rules.append({"motifs": list(key), "crms": len(places), "gaps": gaps,
                      "tree": nodes[0]})
    rules.sort(key=lambda r: -r["crms"])
    return Syntax(dictionary, occ, rules)
