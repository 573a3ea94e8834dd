"""Seeding first-layer filters with the training data's most enriched k-mers.

Why. A planted or real motif is learned only once some first-layer filter resembles it
well enough for its best-matching position in the positive sequences to be the motif's
instance; until then the global max-pool sends that sequence's gradient elsewhere. In
1000-bp inputs a weak motif's instance is rarely the best match of a random filter, and on
simulations some motifs were *never* learned (task AUROC 0.5 against the planted PWM's
0.76-0.87), while the same motifs were learned at 200 bp (``docs/defaults.md``). Motif
finders face the same search and start from enriched words (MEME's and STREME's seeds); so
does this: before training, part of the first-layer filters are set to the k-mers that
separate each task's positive sequences from its negatives best, and training refines them
like any other filter. The other filters keep their random initialisation.

How.

1. Every k-mer of up to 20,000 training sequences (:func:`training_sample`: runs of rows
   spread over the file) is counted once per sequence, the two strands merged (canonical
   k-mers; windows with an ``N`` are skipped).
2. Per task, a two-proportion z-score compares the share of positive sequences that hold
   the k-mer with the share of negatives that do (only enrichment in positives counts).
3. Seeds are taken round-robin over the tasks (each task's best k-mer, then each task's
   second best, ...; within a round the tasks with the most enriched words first) until ``n_seeds`` filters are seeded, skipping a k-mer that is
   within one mismatch of, or overlaps by ``k - 1`` bases, a seed already taken (either
   strand): one filter per motif, so that weak tasks get one as well.
4. A seed filter holds its k-mer's one-hot code centred in the kernel (``+s`` on the
   k-mer's base, ``-s / 3`` on the others, zero on columns outside the k-mer), scaled to
   the norm of the random filters; its bias is kept.

Counting is vectorised numpy over chunks of 2,000 sequences, each a sparse product into the
per-task counts: 12,000 sequences of 1000 bp and 14 tasks take 8 s, 20,000 and 919 tasks 22 s
(one core), and memory stays flat in the number of sequences and tasks.
"""

from __future__ import annotations

import numpy as np

from motifscope.core.errors import InputError
from motifscope.core.sequence import one_hot_encode
from motifscope.io.deepsea import open_deepsea

__all__ = ["MIN_Z", "SEED_SEQUENCES", "enriched_kmers", "kmer_string", "seed_first_layer",
           "training_sample"]

#: Training sequences whose k-mers are counted (:func:`training_sample`).
SEED_SEQUENCES = 20000

#: Smallest enrichment z-score that seeds a filter. On random sequences with random labels
#: (20,000 × 1000 bp, 200 tasks, 2 % or 25 % positives) the best 7-mer of a task reached
#: z = 3.8-4.0 (median), 4.6-4.8 (99th percentile) and 5.7 at most; planted motifs' best
#: words reach 15-80.
MIN_Z = 6.0

_BASES = "ACGT"


def kmer_string(code: int, k: int) -> str:
    """The k-mer (A,C,G,T) of a base-4 code (first base most significant)."""
    return "".join(_BASES[(int(code) >> (2 * (k - 1 - j))) & 3] for j in range(k))


def _canonical_codes(X, k: int) -> np.ndarray:
    """``(n, L - k + 1)`` canonical k-mer codes of one-hot ``X (n, 4, L)``; ``-1`` where a
    window holds a column that is not one base (``N``)."""
    X = np.asarray(X)
    base = X.argmax(1).astype(np.int64)
    ok = X.sum(1) == 1
    n, L = base.shape
    W = L - k + 1
    fwd = np.zeros((n, W), np.int64)
    rev = np.zeros((n, W), np.int64)
    valid = np.ones((n, W), bool)
    for j in range(k):
        col = base[:, j:j + W]
        fwd = (fwd << 2) | col
        rev |= (3 - col) << (2 * j)
        valid &= ok[:, j:j + W]
    return np.where(valid, np.minimum(fwd, rev), -1)


def _presence_chunks(X, k: int, chunk: int = 2000):
    """Yield ``(rows, P)`` per chunk of sequences: ``P`` a sparse ``(len(rows), 4**k)`` 0/1
    matrix, 1 where the sequence holds the canonical k-mer."""
    from scipy import sparse

    K = 4 ** k
    for s in range(0, len(X), chunk):
        codes = _canonical_codes(X[s:s + chunk], k)
        n = codes.shape[0]
        r = np.repeat(np.arange(n, dtype=np.int64), codes.shape[1])
        c = codes.ravel()
        keep = c >= 0
        pairs = np.unique(r[keep] * K + c[keep])
        P = sparse.csr_matrix((np.ones(len(pairs), np.float32),
                               ((pairs // K).astype(np.int32), (pairs % K).astype(np.int32))),
                              shape=(n, K))
        yield slice(s, s + n), P


def enriched_kmers(X, y, *, k: int = 7, top: int = 20, min_z: float = MIN_Z,
                   max_sequences: int | None = SEED_SEQUENCES) -> list[list[tuple[str, float]]]:
    """Each task's k-mers ranked by enrichment in its positive sequences.

    Parameters
    ----------
    X : array-like of shape (n, 4, L)
        One-hot sequences, bases A,C,G,T (all-zero columns are ``N``).
    y : array-like of shape (n, T)
        0/1 labels (other values, e.g. NaN for missing, count as neither).
    k : int
        Word length (1 to 12).
    top : int
        At most this many k-mers per task.
    min_z : float
        Smallest two-proportion z-score kept.
    max_sequences : int or None
        Use only the first rows (counting is linear in them).

    Returns
    -------
    list of list of (str, float)
        Per task, ``(k-mer, z)`` in decreasing z; the k-mer is the canonical strand's
        (the smaller code of the two). Tasks with fewer than 5 positives or negatives get
        an empty list.
    """
    if not 1 <= int(k) <= 12:
        raise InputError(f"k = {k!r}; expected 1 to 12")
    X = np.asarray(X[:max_sequences] if max_sequences else X)
    y = np.asarray(y[:len(X)], dtype=np.float64)
    if X.ndim != 3 or X.shape[1] != 4 or y.ndim != 2 or len(y) != len(X):
        raise InputError(f"X {X.shape} and y {y.shape}: expected (n, 4, L) and (n, T)")
    if X.shape[2] < k:
        return [[] for _ in range(y.shape[1])]
    pos, neg = (y == 1).astype(np.float32), (y == 0).astype(np.float32)
    a = np.zeros((y.shape[1], 4 ** k), np.float32)  # positives holding each k-mer, per task
    b = np.zeros_like(a)
    for rows, P in _presence_chunks(X, k):  # memory flat in the number of sequences
        a += (P.T @ pos[rows]).T
        b += (P.T @ neg[rows]).T
    n1, n0 = pos.sum(0)[:, None], neg.sum(0)[:, None]
    out = []
    for t0 in range(0, y.shape[1], 64):  # z in blocks of tasks: memory flat in T
        sl = slice(t0, t0 + 64)
        z = _two_proportion_z(a[sl], b[sl], n1[sl], n0[sl])
        for i, zt in enumerate(z):
            if n1[t0 + i, 0] < 5 or n0[t0 + i, 0] < 5:
                out.append([])
                continue
            best = np.argsort(-zt)[:top]
            out.append([(kmer_string(c, k), float(zt[c])) for c in best if zt[c] >= min_z])
    return out


def _two_proportion_z(a, b, n1, n0):
    """z of ``a / n1 - b / n0`` with the pooled proportion; ``-inf`` where ``a < 5``."""
    with np.errstate(divide="ignore", invalid="ignore"):
        p = (a + b) / (n1 + n0)
        z = (a / n1 - b / n0) / np.sqrt(p * (1 - p) * (1 / n1 + 1 / n0))
    return np.where(np.isfinite(z) & (a >= 5), z, -np.inf)


def training_sample(path, n: int = SEED_SEQUENCES, blocks: int = 20):
    """Up to ``n`` rows of a training file, in ``blocks`` runs spread evenly over it.

    Training files are often ordered (by chromosome, by position, by label), so the first
    rows alone may hold few positives of some tasks; evenly spaced runs of rows cost about
    as little to read from HDF5 and packed files.

    Parameters
    ----------
    path : str or os.PathLike
        A DeepSEA-format training file or packed directory
        (:func:`motifscope.io.deepsea.open_deepsea`).
    n : int
        Rows wanted; the whole file when it has no more.
    blocks : int
        Number of runs of ``n // blocks`` rows.

    Returns
    -------
    X : numpy.ndarray of shape (m, 4, L), uint8
        One-hot rows, bases A,C,G,T; ``m = min(n, rows in the file)`` (rounded down to
        a multiple of ``blocks``).
    y : numpy.ndarray of shape (m, T)
        Their labels.
    """

    f = open_deepsea(path)
    try:
        if f.n <= n:
            parts = [f.read(0, f.n)]
        else:
            size = max(1, n // blocks)
            starts = np.linspace(0, f.n - size, blocks).astype(np.int64)
            parts = [f.read(int(s), int(s) + size) for s in starts]
    finally:
        f.close()
    X = np.concatenate([np.asarray(p[0], dtype=np.uint8) for p in parts])
    y = np.concatenate([np.asarray(p[1]) for p in parts])
    return X, y


def _revcomp(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


def _similar(a: str, b: str) -> bool:
    """Within one mismatch, or overlapping by ``k - 1`` bases, on either strand."""
    for c in (b, _revcomp(b)):
        if sum(x != y for x, y in zip(a, c)) <= 1 or a[1:] == c[:-1] or a[:-1] == c[1:]:
            return True
    return False


def _pick(ranked: list[list[tuple[str, float]]], n_seeds: int) -> list[tuple[str, int, float]]:
    """Round-robin over tasks: ``(k-mer, task, z)`` seeds, no two similar.

    Each round gives every task its best k-mer not similar to a seed already taken, the
    tasks in decreasing order of their best z (so that with more tasks than seeds, the
    most clearly enriched words win, whatever the task order)."""
    order = sorted((t for t in range(len(ranked)) if ranked[t]), key=lambda t: -ranked[t][0][1])
    chosen: list[tuple[str, int, float]] = []
    cursor = [0] * len(ranked)
    while len(chosen) < n_seeds:
        progressed = False
        for t in order:
            words = ranked[t]
            while cursor[t] < len(words) and len(chosen) < n_seeds:
                word, z = words[cursor[t]]
                cursor[t] += 1
                if not any(_similar(word, c[0]) for c in chosen):
                    chosen.append((word, t, z))
                    progressed = True
                    break
        if not progressed:
            break
    return chosen


def seed_first_layer(model, X, y, *, fraction: float = 0.5, k: int = 7,
                     max_sequences: int | None = SEED_SEQUENCES, min_z: float = MIN_Z) -> list[dict]:
    """Set part of ``model``'s first-layer filters to the tasks' most enriched k-mers.

    Parameters
    ----------
    model : motifscope.zoo.layers.ZooModel
        A freshly built model (its ``first_conv`` weight is ``(F, 4, w)``, A,C,G,T).
    X : array-like of shape (n, 4, L)
        Training sequences, one-hot A,C,G,T.
    y : array-like of shape (n, T)
        Their 0/1 labels.
    fraction : float
        At most this share of the ``F`` filters is seeded (0 to 1); filters ``0 .. s-1``.
    k : int
        Word length; clipped to the kernel width ``w``.
    max_sequences : int or None
        Count k-mers in the first rows only.
    min_z : float
        A k-mer must reach this enrichment z-score to seed a filter.

    Returns
    -------
    list of dict
        One per seeded filter: ``filter``, ``kmer``, ``task`` and ``z``.
    """
    import torch

    if not 0 <= fraction <= 1:
        raise InputError(f"seed fraction = {fraction!r}; expected 0 to 1")
    name = getattr(model, "name", type(model).__name__)
    try:
        conv = model.first_conv
    except AttributeError:
        raise InputError(f"model {name!r} has no first convolution to seed "
                         "(seed_filters needs one)") from None
    if not isinstance(conv.weight, torch.nn.Parameter):
        raise InputError(f"model {name!r}: its first convolution is fixed, not learned; "
                         "seed_filters needs a learned one")
    F, C, w = conv.weight.shape
    if C != 4:
        raise InputError(f"first convolution takes {C} channels; seeding expects 4 (A,C,G,T)")
    k = min(int(k), w)
    n_seeds = int(fraction * F)
    if n_seeds == 0:
        return []
    ranked = enriched_kmers(X, y, k=k, max_sequences=max_sequences, min_z=min_z)
    seeds = _pick(ranked, n_seeds)
    with torch.no_grad():
        W = conv.weight
        norm = float(W.flatten(1).norm(dim=1).mean())
        off = (w - k) // 2
        for f, (word, _t, _z) in enumerate(seeds):
            code = one_hot_encode(word)[0]  # (4, k): 1 on the word's base
            filt = torch.zeros(4, w, dtype=W.dtype)
            filt[:, off:off + k] = code - (1 - code) / 3
            W[f] = (filt * (norm / filt.norm())).to(W.device)
    return [{"filter": f, "kmer": s[0], "task": s[1], "z": round(s[2], 2)}
            for f, s in enumerate(seeds)]
