"""Which known motif is each seqlet, on which strand, and what the motifs add up to.

:func:`annotate_seqlets` compares each seqlet's sequence (its one-hot columns as a PPM)
with a motif database by our Tomtom (Pearson, both strands, as tangermeme's
``annotate_seqlets`` does with memelite's Euclidean Tomtom), keeps the ``n_best`` matches,
then scans the seqlet with each of them FIMO-style (:func:`motifscope.methods.fimo.fimo`'s scores
and exact p-values): the windows scanned are those that overlap the seqlet by at least
half of the shorter of the two. The seqlet's ``strand`` is the strand of the best FIMO
window of its best Tomtom match (``.`` when nothing matches).

:func:`aggregate_seqlets` summarises per motif: number of seqlets, mean contribution,
positional distribution (mean, SD and a histogram of seqlet centres over the sequence)
and orientation (+/- counts). :func:`seqlet_bed` writes the BED-like table.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.methods.fimo import log_odds, pvalue_table
from motifscope.methods.tomtom import resolve_motifs, tomtom

__all__ = ["BED_COLUMNS", "aggregate_seqlets", "annotate_seqlets", "seqlet_bed"]

#: Leading columns of the seqlet table written by :func:`seqlet_bed` (BED6).
BED_COLUMNS = ["chrom", "start", "end", "name", "score", "strand"]


def _one_hot(X) -> np.ndarray:
    X = X.detach().cpu().numpy() if hasattr(X, "detach") else np.asarray(X)
    if X.ndim != 3 or X.shape[1] != 4:
        raise InputError(f"X has shape {X.shape}; expected one-hot (N, 4, L)")
    return X


def _check_table(seqlets, X) -> None:
    missing = {"seq", "start", "end"} - set(seqlets.columns)
    if missing:
        raise InputError(f"seqlets lacks columns {sorted(missing)}; expected a seqlet table")
    if len(seqlets) and (seqlets["seq"].max() >= X.shape[0] or seqlets["start"].min() < 0
                         or seqlets["end"].max() > X.shape[2]):
        raise InputError(f"seqlets fall outside X of shape {X.shape}")


def _tomtom_best(seqlets, X, motifs, n_best, dist):
    """Per seqlet, the ``n_best`` Tomtom matches (a DataFrame indexed by seqlet row)."""

    queries = [Motif(f"s{i}", X[s, :, a:b]) for i, (s, a, b) in
               enumerate(zip(seqlets["seq"], seqlets["start"], seqlets["end"]))]
    hits = tomtom(queries, motifs, dist=dist, thresh=None, min_overlap=4)
    # with thresh=None every (query, target) pair is reported, queries in input order and
    # each query's rows by increasing p-value: the n_best of query i start at i * n_targets
    n_t, k = len(motifs), min(n_best, len(motifs))
    take = (np.arange(len(queries))[:, None] * n_t + np.arange(k)[None]).ravel()
    best = hits.iloc[take].reset_index(drop=True)
    best["row"] = np.repeat(np.arange(len(queries)), k)
    return best


def _base_index(X) -> np.ndarray:
    """``(N, L)`` base indices 0..3, and 4 for an all-zero (``N``) column."""
    idx = X.argmax(1)
    return np.where(X.max(1) > 0, idx, 4)


def _window_scores(idx, seq, a, b, P, eps):
    """Scores and p-values of the windows of ``P`` overlapping each seqlet ``[a, b)``
    by at least half of the shorter of the two; ``(starts, score, p)`` each ``(rows, M)``."""

    w, L = P.shape[1], idx.shape[1]
    W = log_odds(P, eps=eps)
    lo, sf = pvalue_table(W)
    Wx = np.vstack([W, np.zeros((1, w))])  # row 4: N contributes 0
    Wi = np.vstack([np.round(W / 0.1), np.zeros((1, w))]).astype(np.int64)
    M = int((b - a).max()) + w - 1
    starts = (a - w + 1)[:, None] + np.arange(M)[None]
    ok = (starts >= 0) & (starts <= L - w)
    ov = np.minimum(starts + w, b[:, None]) - np.maximum(starts, a[:, None])
    ok &= ov >= np.ceil(np.minimum(w, b - a) / 2)[:, None]
    pos = np.clip(starts, 0, L - w)[:, :, None] + np.arange(w)
    bases = idx[seq[:, None, None], pos]  # (rows, M, w)
    cols = np.arange(w)
    score = Wx[bases, cols].sum(-1)
    p = sf[np.clip(Wi[bases, cols].sum(-1) - lo, 0, len(sf) - 1)]
    return starts, score, np.where(ok, p, np.inf)


def _fimo_windows(X, seqlets, hits, by_name, eps):
    """Best FIMO window of each (seqlet, motif) pair in ``hits``."""
    idx = _base_index(X)
    out = []
    for name, grp in hits.groupby("target", sort=False):
        m = by_name[name]
        if m.width > X.shape[2]:
            continue
        rows = grp["row"].to_numpy()
        seq = seqlets["seq"].to_numpy()[rows]
        a, b = seqlets["start"].to_numpy()[rows], seqlets["end"].to_numpy()[rows]
        best_p = np.full(len(rows), np.inf)
        best = np.zeros((len(rows), 3))  # start, strand (0 +, 1 -), score
        for k, P in enumerate((m.ppm, m.ppm[::-1, ::-1])):
            starts, score, p = _window_scores(idx, seq, a, b, P, eps)
            j = p.argmin(1)
            r = np.arange(len(rows))
            better = p[r, j] < best_p
            best_p = np.where(better, p[r, j], best_p)
            best[better] = np.c_[starts[r, j], np.full(len(j), k), score[r, j]][better]
        out.append(pd.DataFrame({"row": rows, "target": name, "fimo_start": best[:, 0].astype(int),
                                 "fimo_strand": np.where(best[:, 1] == 1, "-", "+"),
                                 "fimo_score": best[:, 2], "fimo_p": best_p}))
    return pd.concat(out, ignore_index=True) if out else pd.DataFrame(
        columns=["row", "target", "fimo_start", "fimo_strand", "fimo_score", "fimo_p"])


def annotate_seqlets(seqlets, X, motifs="jaspar", *, n_best: int = 3, dist: str = "pearson",
                     q_threshold: float = 0.05, eps: float = 1e-4) -> pd.DataFrame:
    """Best-matching motifs of each seqlet (Tomtom), with a FIMO-style scan of the seqlet.

    Parameters
    ----------
    seqlets : pandas.DataFrame
        A seqlet table (``seq``, ``start``, ``end``, ...), e.g. from
        :func:`motifscope.methods.seqlets.recursive_seqlets`.
    X : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        The one-hot sequences the seqlets were called on.
    motifs : list of Motif, str or os.PathLike
        The database: motifs, a MEME file or ``"jaspar"`` (JASPAR CORE vertebrates, offline).
    n_best : int
        Tomtom matches kept per seqlet (each scanned with FIMO).
    dist : {"pearson", "euclidean"}
        Tomtom's column score.
    q_threshold : float
        A seqlet is ``annotated`` when its best match has Tomtom q-value at most this.
    eps : float
        Pseudocount of FIMO's log-odds.

    Returns
    -------
    pandas.DataFrame
        The seqlet table plus ``motif`` (ID of the best match), ``motif_name``,
        ``tomtom_p``, ``tomtom_q``, ``orientation`` (Tomtom's), ``strand`` (FIMO's, of the
        best match), ``fimo_start``, ``fimo_score`` (bits), ``fimo_p``, ``annotated`` and
        ``best_motifs`` (``ID:name:q`` of the ``n_best`` matches, ``;``-separated).
    """

    X = _one_hot(X)
    _check_table(seqlets, X)
    if not isinstance(n_best, (int, np.integer)) or n_best < 1:
        raise InputError(f"n_best={n_best!r}: expected a positive integer")
    out = seqlets.reset_index(drop=True).copy()
    db = resolve_motifs(motifs, "motifs")
    cols = {"motif": "", "motif_name": "", "tomtom_p": np.nan, "tomtom_q": np.nan,
            "orientation": ".", "strand": ".", "fimo_start": -1, "fimo_score": np.nan,
            "fimo_p": np.nan, "annotated": False, "best_motifs": ""}
    for c, v in cols.items():
        out[c] = v
    if out.empty:
        return out
    hits = _tomtom_best(out, X, db, n_best, dist)
    fimo = _fimo_windows(X, out, hits, {m.name: m for m in db}, eps)
    hits = hits.merge(fimo, on=["row", "target"], how="left")
    first = hits.groupby("row", sort=False).head(1).set_index("row")
    r = first.index.to_numpy()
    out.loc[r, "motif"] = first["target"].to_numpy()
    out.loc[r, "motif_name"] = first["target_name"].fillna("").to_numpy()
    for c, src in (("tomtom_p", "p_value"), ("tomtom_q", "q_value"), ("orientation", "orientation"),
                   ("strand", "fimo_strand"), ("fimo_start", "fimo_start"),
                   ("fimo_score", "fimo_score"), ("fimo_p", "fimo_p")):
        out.loc[r, c] = first[src].to_numpy()
    out["annotated"] = out["tomtom_q"] <= q_threshold
    label = hits["target"] + ":" + hits["target_name"].fillna("") + ":" + hits["q_value"].map("{:.2g}".format)
    out.loc[r, "best_motifs"] = label.groupby(hits["row"], sort=False).agg(";".join).loc[r].to_numpy()
    out["fimo_start"] = out["fimo_start"].astype(int)
    return out


def aggregate_seqlets(annotated, length: int, *, n_bins: int = 10, annotated_only: bool = True) -> pd.DataFrame:
    """Per motif: how many seqlets, how much they contribute, where and on which strand.

    Parameters
    ----------
    annotated : pandas.DataFrame
        The output of :func:`annotate_seqlets`.
    length : int
        Sequence length ``L`` (for the positional histogram).
    n_bins : int
        Bins of the positional histogram of seqlet centres.
    annotated_only : bool
        Count only seqlets whose best match passed the q-value threshold.

    Returns
    -------
    pandas.DataFrame
        One row per motif, by decreasing count: ``motif``, ``motif_name``, ``n_seqlets``,
        ``mean_attribution``, ``total_attribution``, ``mean_center``, ``sd_center``,
        ``n_plus``, ``n_minus``, ``share_plus``, ``positions`` (histogram counts,
        comma-separated, ``n_bins`` equal bins over ``0..L``), ``median_fimo_p``.
    """
    if "motif" not in annotated.columns:
        raise InputError("annotated lacks the motif column; run annotate_seqlets first")
    df = annotated[annotated["annotated"]] if annotated_only else annotated[annotated["motif"] != ""]
    edges = np.linspace(0, length, n_bins + 1)
    rows = []
    for (motif, name), g in df.groupby(["motif", "motif_name"], sort=False):
        centre = (g["start"] + g["end"]) / 2
        plus, minus = int((g["strand"] == "+").sum()), int((g["strand"] == "-").sum())
        rows.append({"motif": motif, "motif_name": name, "n_seqlets": len(g),
                     "mean_attribution": float(g["attribution"].mean()),
                     "total_attribution": float(g["attribution"].sum()),
                     "mean_center": float(centre.mean()), "sd_center": float(centre.std(ddof=0)),
                     "n_plus": plus, "n_minus": minus,
                     "share_plus": plus / (plus + minus) if plus + minus else np.nan,
                     "positions": ",".join(map(str, np.histogram(centre, edges)[0])),
                     "median_fimo_p": float(g["fimo_p"].median())})
    cols = ["motif", "motif_name", "n_seqlets", "mean_attribution", "total_attribution",
            "mean_center", "sd_center", "n_plus", "n_minus", "share_plus", "positions",
            "median_fimo_p"]
    out = pd.DataFrame(rows, columns=cols)
    return out.sort_values(["n_seqlets", "total_attribution"], ascending=False, ignore_index=True)


def seqlet_bed(annotated, *, names=None, regions=None) -> pd.DataFrame:
    """The seqlet table as BED6 plus the annotation columns.

    Parameters
    ----------
    annotated : pandas.DataFrame
        Seqlets (annotated or not), ``seq`` the row of the sequences.
    names : list of str or None
        Sequence names for ``chrom`` when there are no regions (default ``seq<row>``).
    regions : pandas.DataFrame or None
        Genome coordinates of each sequence row: ``chrom``, ``start`` (0-based) and
        optionally ``strand``; seqlets are then written in genome coordinates (a ``-``
        window's positions counted from its end, strands swapped) and the window
        coordinates kept as ``seq_start``/``seq_end``.

    Returns
    -------
    pandas.DataFrame
        ``chrom``, ``start``, ``end``, ``name``, ``score`` (attribution), ``strand``, then
        ``seq``, ``seq_start``, ``seq_end`` and the other columns.
    """
    df = annotated.reset_index(drop=True)
    seq = df["seq"].to_numpy()
    strand = df["strand"].to_numpy() if "strand" in df.columns else np.full(len(df), ".")
    s, e = df["start"].to_numpy(), df["end"].to_numpy()
    if regions is None:
        chrom = (np.asarray(names, dtype=object)[seq] if names is not None
                 else np.array([f"seq{int(i)}" for i in seq], dtype=object))
        gs, ge = s, e
    else:
        reg = regions.reset_index(drop=True)
        chrom = reg["chrom"].to_numpy()[seq]
        off = reg["start"].to_numpy()[seq]
        minus = (reg["strand"].to_numpy()[seq] == "-") if "strand" in reg.columns else np.zeros(len(df), bool)
        length = (reg["end"].to_numpy()[seq] - off) if "end" in reg.columns else None
        if minus.any() and length is None:
            raise InputError("regions with '-' strand windows need an end column")
        gs = np.where(minus, off + (length - e if length is not None else 0), off + s)
        ge = np.where(minus, off + (length - s if length is not None else 0), off + e)
        flip = {"+": "-", "-": "+", ".": "."}
        strand = np.where(minus, [flip.get(x, ".") for x in strand], strand)
    bed = pd.DataFrame({"chrom": chrom, "start": gs, "end": ge,
                        "name": [f"seqlet{i}" for i in range(len(df))],
                        "score": df["attribution"].to_numpy() if "attribution" in df.columns else 0.0,
                        "strand": strand, "seq": seq, "seq_start": s, "seq_end": e})
    rest = df.drop(columns=[c for c in ("seq", "start", "end", "strand") if c in df.columns])
    return pd.concat([bed, rest], axis=1)
