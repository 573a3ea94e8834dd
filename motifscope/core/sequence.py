"""Sequences as one-hot tensors.

Vocabulary used everywhere in motifscope:

- **one-hot** : ``torch.float32`` tensor of shape ``(N, 4, L)``; axis 1 holds the bases in
  the order **A, C, G, T** (the order of MEME, JASPAR, tangermeme and memelite). An
  all-zero column is an unknown base ``N``; every IUPAC ambiguity code (R, Y, S, W, K, M,
  B, D, H, V) and ``N`` itself encode to an all-zero column.
- **DeepSEA order** : the DeepSEA bundle (``train.mat``, ``valid.mat``, ``test.mat``) and
  DanQ's ``example.h5`` store the bases as **A, G, C, T**. :func:`acgt_from_agct` and
  :func:`agct_from_acgt` convert (the permutation ``[0, 2, 1, 3]`` is its own inverse);
  only :mod:`motifscope.data` calls them.
- **base indices** : ``uint8`` arrays of shape ``(N, L)`` with 0..3 = A, C, G, T and 4 = N,
  the compact form used by packed files and NeuronMotif archives.

Because both ACGT and AGCT are closed under complement reversal (A↔T and C↔G mirror each
other), the reverse complement of a one-hot tensor in either order is the tensor flipped
on both the base and the position axes.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import torch

from motifscope.core.errors import InputError

__all__ = [
    "ALPHABET",
    "DEEPSEA_ALPHABET",
    "acgt_from_agct",
    "agct_from_acgt",
    "decode",
    "dinucleotide_shuffle",
    "from_indices",
    "one_hot_encode",
    "reverse_complement",
    "to_indices",
]

ALPHABET = "ACGT"
DEEPSEA_ALPHABET = "AGCT"
_AGCT_PERM = (0, 2, 1, 3)

# byte -> base index (0..3), 4 for N / IUPAC ambiguity codes, 255 for invalid characters
_LUT = np.full(256, 255, dtype=np.uint8)
for _i, _b in enumerate(ALPHABET):
    _LUT[ord(_b)] = _i
    _LUT[ord(_b.lower())] = _i
for _b in "NRYSWKMBDHVnryswkmbdhvU":
    _LUT[ord(_b)] = 4
_LUT[ord("U")] = 3
_LUT[ord("u")] = 3


def to_indices(seqs: str | Sequence[str]) -> np.ndarray:
    """Encode sequences as base indices.

    Parameters
    ----------
    seqs : str or sequence of str
        DNA sequences of equal length. Upper or lower case; ``U`` is read as ``T``; ``N``
        and the IUPAC ambiguity codes become index 4.

    Returns
    -------
    numpy.ndarray of shape (N, L), dtype uint8
        0, 1, 2, 3 for A, C, G, T and 4 for N.

    Raises
    ------
    InputError
        If the sequences differ in length or hold a character that is not a base.
    """
    if isinstance(seqs, str):
        seqs = [seqs]
    seqs = list(seqs)
    if not seqs:
        raise InputError("seqs is empty; expected at least one sequence")
    if not all(isinstance(s, str) for s in seqs):
        raise InputError("seqs must be a str or a sequence of str")
    lengths = {len(s) for s in seqs}
    if len(lengths) != 1:
        raise InputError(
            f"seqs have different lengths {sorted(lengths)[:5]}; one-hot encoding needs equal "
            "lengths (use motifscope.io.fasta to crop or pad)"
        )
    try:
        raw = np.frombuffer("".join(seqs).encode("ascii"), dtype=np.uint8)
    except UnicodeEncodeError as e:
        raise InputError(f"seqs hold a non-ASCII character at offset {e.start}") from None
    idx = _LUT[raw]
    if (idx == 255).any():
        pos = int(np.argmax(idx == 255))
        n, j = divmod(pos, lengths.pop())
        raise InputError(
            f"sequence {n} has the character {chr(raw[pos])!r} at position {j}; "
            "expected A, C, G, T, N or an IUPAC code"
        )
    return idx.reshape(len(seqs), -1)


def from_indices(idx) -> torch.Tensor:
    """One-hot encode base indices.

    Parameters
    ----------
    idx : numpy.ndarray or torch.Tensor of shape (N, L)
        Base indices 0..3 (A, C, G, T); 4 (or any value > 3) is N.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), dtype float32
    """
    t = idx if isinstance(idx, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(idx))
    if t.ndim != 2:
        raise InputError(f"idx has shape {tuple(t.shape)}; expected (N, L)")
    if t.dtype == torch.bool or t.is_floating_point():
        t = t.long()
    bases = torch.arange(4, dtype=t.dtype, device=t.device).view(1, 4, 1)
    return (t.unsqueeze(1) == bases).to(torch.float32)


def one_hot_encode(seqs: str | Sequence[str]) -> torch.Tensor:
    """One-hot encode DNA sequences in the order A, C, G, T.

    Parameters
    ----------
    seqs : str or sequence of str
        One sequence or several of equal length; case-insensitive. ``N`` and the IUPAC
        ambiguity codes (R, Y, S, W, K, M, B, D, H, V) become all-zero columns; ``U`` is
        read as ``T``.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), dtype float32
        ``N`` is 1 for a single string.

    Raises
    ------
    InputError
        If the lengths differ or a character is not a nucleotide code.

    Examples
    --------
    >>> one_hot_encode("GATA")[0]
    tensor([[0., 1., 0., 1.],
            [0., 0., 0., 0.],
            [1., 0., 0., 0.],
            [0., 0., 1., 0.]])
    """
    return from_indices(to_indices(seqs))


def _to_numpy(X):
    return X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)


def decode(X) -> list[str]:
    """Turn one-hot sequences back into strings.

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, bases A, C, G, T on axis 1. Soft values (e.g. a PPM) decode
        to the most likely base.

    Returns
    -------
    list of str
        One string per sequence; an all-zero column decodes to ``N``.
    """
    a = _to_numpy(X)
    if a.ndim == 2:
        a = a[None]
    if a.ndim != 3 or a.shape[1] != 4:
        raise InputError(f"X has shape {tuple(a.shape)} but must have shape (N, 4, L)")
    letters = np.frombuffer(b"ACGTN", dtype=np.uint8)
    idx = a.argmax(axis=1)
    idx[a.max(axis=1) <= 0] = 4
    return [letters[row].tobytes().decode() for row in idx]


def reverse_complement(X):
    """Reverse complement one-hot sequences.

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences in A, C, G, T order (A, G, C, T works too: both orders are
        closed under complement reversal).

    Returns
    -------
    torch.Tensor or numpy.ndarray of shape (N, 4, L)
        Same type as ``X``: the base and position axes flipped.

    Raises
    ------
    InputError
        If ``X`` is not 3-D with 4 channels on axis 1 (a 2-D ``(4, L)`` matrix must be
        passed as ``X[None]``; this avoids silently flipping the wrong axes).
    """
    shape = tuple(X.shape)
    if len(shape) != 3 or shape[1] != 4:
        raise InputError(
            f"X has shape {shape} but reverse_complement needs (N, 4, L); pass a single "
            "(4, L) matrix as X[None]"
        )
    if isinstance(X, torch.Tensor):
        return torch.flip(X, dims=(1, 2))
    return np.ascontiguousarray(np.asarray(X)[:, ::-1, ::-1])


def acgt_from_agct(X, axis: int = 1):
    """Reorder the base axis from DeepSEA's A, G, C, T to A, C, G, T.

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray
        Array whose ``axis`` has length 4 in the order A, G, C, T.
    axis : int
        The base axis (1 for ``(N, 4, L)``).

    Returns
    -------
    torch.Tensor or numpy.ndarray
        Same type and shape, bases in the order A, C, G, T.
    """
    if X.shape[axis] != 4:
        raise InputError(f"X has {X.shape[axis]} entries on axis {axis}; expected 4 bases")
    if isinstance(X, torch.Tensor):
        return X.index_select(axis, torch.tensor(_AGCT_PERM, device=X.device))
    return np.take(X, _AGCT_PERM, axis=axis)


def agct_from_acgt(X, axis: int = 1):
    """Reorder the base axis from A, C, G, T to DeepSEA's A, G, C, T.

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray
        Array whose ``axis`` has length 4 in the order A, C, G, T.
    axis : int
        The base axis (1 for ``(N, 4, L)``).

    Returns
    -------
    torch.Tensor or numpy.ndarray
        Same type and shape, bases in the order A, G, C, T.
    """
    # the permutation swaps C and G, so it is its own inverse
    return acgt_from_agct(X, axis=axis)


def _shuffle_one(sym: np.ndarray, n_sym: int, rng: np.random.Generator) -> np.ndarray:
    """Altschul–Erickson dinucleotide shuffle of one symbol string (Eulerian walk)."""
    L = sym.shape[0]
    if L < 3:
        return sym.copy()
    src, dst = sym[:-1], sym[1:]
    last = int(sym[-1])
    # successors of every vertex, in sequence order
    order = np.argsort(src, kind="stable")
    succ_sorted = dst[order]
    counts = np.bincount(src, minlength=n_sym)
    starts = np.concatenate([[0], np.cumsum(counts)])
    present = [v for v in range(n_sym) if counts[v] > 0]
    while True:
        # choose, for every vertex but the final one, its last exit edge at random
        last_edge = {}
        for v in present:
            if v == last:
                continue
            k = int(rng.integers(counts[v]))
            last_edge[v] = k
        # the chosen last edges must form a tree rooted at `last`
        ok = True
        for v in present:
            seen = set()
            u = v
            while u != last:
                if u in seen:
                    ok = False
                    break
                seen.add(u)
                u = int(succ_sorted[starts[u] + last_edge[u]])
            if not ok:
                break
        if ok:
            break
    lists = []
    for v in range(n_sym):
        s = succ_sorted[starts[v] : starts[v + 1]].copy()
        if v in last_edge and s.size:
            k = last_edge[v]
            keep = np.concatenate([s[:k], s[k + 1 :]])
            rng.shuffle(keep)
            s = np.concatenate([keep, s[k : k + 1]])
        elif s.size:
            rng.shuffle(s)
        lists.append(s.tolist())
    ptr = [0] * n_sym
    out = np.empty(L, dtype=sym.dtype)
    u = int(sym[0])
    out[0] = u
    for i in range(1, L):
        nxt = lists[u][ptr[u]]
        ptr[u] += 1
        out[i] = nxt
        u = nxt
    return out


def dinucleotide_shuffle(X, *, n: int = 20, random_state: int | np.random.Generator | None = None):
    """Shuffle sequences while preserving their dinucleotide counts exactly.

    The Altschul & Erickson (1985) algorithm: a random Eulerian walk over the graph whose
    edges are the sequence's dinucleotides, so every shuffle has exactly the same first
    base, last base and count of each of the 16 dinucleotides (25 with ``N``, which is
    treated as a fifth symbol and stays paired with its neighbours' counts).

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L), or str
        One-hot sequences (A, C, G, T) or a single DNA string.
    n : int
        Shuffles per sequence.
    random_state : int, numpy.random.Generator or None
        Seed for reproducible shuffles.

    Returns
    -------
    torch.Tensor of shape (N, n, 4, L), dtype float32, or list of str
        For one-hot input, ``n`` shuffles of every sequence; for a string, ``n`` strings.
    """
    if n < 1:
        raise InputError(f"n must be >= 1, got {n}")
    rng = random_state if isinstance(random_state, np.random.Generator) else np.random.default_rng(random_state)
    if isinstance(X, str):
        sym = to_indices(X)[0]
        shuffled = np.stack([_shuffle_one(sym, 5, rng) for _ in range(n)])
        return decode(from_indices(shuffled))
    a = _to_numpy(X)
    if a.ndim != 3 or a.shape[1] != 4:
        raise InputError(f"X has shape {tuple(a.shape)} but must have shape (N, 4, L)")
    sym = a.argmax(axis=1).astype(np.uint8)
    sym[a.max(axis=1) <= 0] = 4
    out = np.empty((a.shape[0], n, a.shape[2]), dtype=np.uint8)
    for i in range(a.shape[0]):
        for j in range(n):
            out[i, j] = _shuffle_one(sym[i], 5, rng)
    return from_indices(out.reshape(-1, a.shape[2])).reshape(a.shape[0], n, 4, a.shape[2])
