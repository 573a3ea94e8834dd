"""The :class:`Motif` type: a named position probability matrix.

Vocabulary (the same as in ``docs/conventions.md``):

- **PPM** (position probability matrix): ``numpy.ndarray`` of shape ``(4, w)``; rows are
  A, C, G, T, columns positions 5'→3'; every column sums to 1. This channel-first layout
  is the one of sequences ``(N, 4, L)``, tangermeme and memelite. MEME text and logomaker
  DataFrames are ``(w, 4)``: transpose only there.
- **counts** (PFM): the same shape, site counts per base and position.
- **PWM** (log-odds): ``log2(PPM / background)``, shape ``(4, w)``.
- **information content** of a column: ``sum_b p_b log2(p_b / q_b)`` bits (2 bits at most
  for a uniform background ``q``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace

import numpy as np

from motifscope.core.errors import InputError

__all__ = ["UNIFORM", "Motif", "unused_name"]

UNIFORM = np.full(4, 0.25)


def _background(bg) -> np.ndarray:
    q = UNIFORM if bg is None else np.asarray(bg, dtype=float)
    if q.shape != (4,) or (q <= 0).any():
        raise InputError(f"background must be 4 positive frequencies (A, C, G, T), got {bg!r}")
    return q / q.sum()


_NOT_IN_NAME = re.compile(r"[\s\x00-\x1f\x7f-\x9f]+")
_NOT_IN_ALT = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]+")


def _clean_names(name, alt_name):
    """``name`` as one word and ``alt_name`` as one line (see :class:`Motif`)."""
    clean = _NOT_IN_NAME.sub("_", str(name).strip()) if name is not None else ""
    if not clean:
        raise InputError(f"motif name {name!r}: expected a non-empty identifier")
    if alt_name is not None:
        alt_name = " ".join(_NOT_IN_ALT.sub(" ", str(alt_name)).split()) or None
    return clean, alt_name


def unused_name(name: str, taken) -> str:
    """``name``, or ``name_2``, ``name_3``, ... : the first not in ``taken``.

    Every table, logo and Tomtom match is keyed by the motif's name, so a reader keeps a
    repeated name as the next free one (with a warning of its own).

    Parameters
    ----------
    name : str
    taken : container of str
        The names already used.

    Returns
    -------
    str
    """
    if name not in taken:
        return name
    k = 2
    while f"{name}_{k}" in taken:
        k += 1
    return f"{name}_{k}"


@dataclass(eq=False)
class Motif:
    """A named motif.

    Parameters
    ----------
    name : str
        Identifier (the first word of a MEME ``MOTIF`` line, a JASPAR matrix ID, ...). It
        is one word: runs of whitespace and control characters become ``_`` (a tab or a
        newline in a name would corrupt every MEME file and table it is written to).
    ppm : numpy.ndarray of shape (4, w)
        Position probability matrix, rows A, C, G, T. Columns are renormalised to sum
        to 1; an all-zero column becomes uniform.
    alt_name : str or None
        Second name (the rest of a MEME ``MOTIF`` line, a JASPAR TF name, ...); control
        characters and line breaks become spaces.
    nsites : int or None
        Number of sites the PPM was estimated from.
    counts : numpy.ndarray of shape (4, w) or None
        Site counts, when known.
    evalue : float or None
        The E-value a motif finder reported (MEME's ``E=``).
    source : str or None
        Where the motif came from (file, database release, model layer).
    url : str or None
        A link to the motif's page.
    meta : dict
        Free-form extra fields (e.g. a JASPAR TF class, a kernel index).
    """

    name: str
    ppm: np.ndarray
    alt_name: str | None = None
    nsites: int | None = None
    counts: np.ndarray | None = None
    evalue: float | None = None
    source: str | None = None
    url: str | None = None
    meta: dict = field(default_factory=dict)

    def __post_init__(self):
        self.name, self.alt_name = _clean_names(self.name, self.alt_name)
        P = np.array(self.ppm, dtype=np.float64)
        if P.ndim != 2 or P.shape[0] != 4 or P.shape[1] < 1:
            raise InputError(
                f"motif {self.name!r}: ppm has shape {P.shape}, expected (4, w) with rows A,C,G,T"
            )
        if not np.isfinite(P).all() or (P < 0).any():
            raise InputError(f"motif {self.name!r}: ppm holds negative or non-finite values")
        s = P.sum(0, keepdims=True)
        P = np.where(s > 0, P / np.where(s > 0, s, 1), 0.25)
        self.ppm = P
        if self.counts is not None:
            C = np.asarray(self.counts, dtype=np.float64)
            if C.shape != P.shape:
                raise InputError(
                    f"motif {self.name!r}: counts have shape {C.shape}, ppm has {P.shape}"
                )
            self.counts = C

    @classmethod
    def from_counts(cls, name: str, counts, *, pseudocount: float = 0.0, **kwargs) -> Motif:
        """Build a motif from site counts.

        Parameters
        ----------
        name : str
            The motif's name.
        counts : numpy.ndarray of shape (4, w)
            Counts of A, C, G, T per position.
        pseudocount : float
            Added to every count before normalising (0 keeps the raw frequencies).
        **kwargs
            Other :class:`Motif` fields. ``nsites`` defaults to the largest column sum.

        Returns
        -------
        Motif
        """
        C = np.asarray(counts, dtype=np.float64)
        kwargs.setdefault("nsites", round(C.sum(0).max()) if C.size else 0)
        return cls(name=name, ppm=C + pseudocount, counts=C, **kwargs)

    @property
    def width(self) -> int:
        """Number of positions ``w``."""
        return int(self.ppm.shape[1])

    def __len__(self) -> int:
        return self.width

    def __repr__(self) -> str:
        alt = f" {self.alt_name}" if self.alt_name else ""
        return f"Motif({self.name}{alt}, w={self.width}, consensus={self.consensus})"

    def information_content(self, background=None) -> np.ndarray:
        """Information content of each position in bits.

        Parameters
        ----------
        background : array-like of shape (4,) or None
            Base frequencies A, C, G, T; uniform by default.

        Returns
        -------
        numpy.ndarray of shape (w,)
        """
        q = _background(background)[:, None]
        P = self.ppm
        with np.errstate(divide="ignore", invalid="ignore"):
            t = np.where(P > 0, P * np.log2(P / q), 0.0)
        return t.sum(0)

    def pwm(self, background=None, pseudocount: float = 1e-3) -> np.ndarray:
        """Log-odds matrix ``log2((PPM + eps) / background)``.

        Parameters
        ----------
        background : array-like of shape (4,) or None
            Base frequencies; uniform by default.
        pseudocount : float
            Added to the probabilities before the log (then renormalised).

        Returns
        -------
        numpy.ndarray of shape (4, w)
        """
        q = _background(background)[:, None]
        P = self.ppm + pseudocount
        P = P / P.sum(0, keepdims=True)
        with np.errstate(divide="ignore"):
            return np.log2(P / q)

    @property
    def consensus(self) -> str:
        """Most likely base per position (upper case); ``N`` where no base exceeds 0.5
        and the column is close to uniform (information below 0.25 bits)."""
        ic = self.information_content()
        letters = np.array(list("ACGT"))[self.ppm.argmax(0)]
        letters = np.where(ic < 0.25, "N", letters)
        return "".join(letters)

    def reverse_complement(self) -> Motif:
        """The motif on the other strand (both axes flipped).

        Returns
        -------
        Motif
        """
        return replace(
            self,
            ppm=self.ppm[::-1, ::-1].copy(),
            counts=None if self.counts is None else self.counts[::-1, ::-1].copy(),
            meta=dict(self.meta),
        )

    def trim(self, min_ic: float = 0.2, background=None) -> Motif:
        """Drop uninformative flanking positions.

        Parameters
        ----------
        min_ic : float
            Flanking columns with information content below this (bits) are removed;
            inner columns are kept. A motif with no informative column keeps its single
            most informative column.
        background : array-like of shape (4,) or None
            Base frequencies; uniform by default.

        Returns
        -------
        Motif
            A copy with ``meta['trim_offset']`` = the number of columns removed on the left.
        """
        ic = self.information_content(background)
        keep = np.flatnonzero(ic >= min_ic)
        if keep.size == 0:
            lo = hi = int(ic.argmax())
        else:
            lo, hi = int(keep[0]), int(keep[-1])
        meta = dict(self.meta)
        meta["trim_offset"] = meta.get("trim_offset", 0) + lo
        return replace(
            self,
            ppm=self.ppm[:, lo : hi + 1].copy(),
            counts=None if self.counts is None else self.counts[:, lo : hi + 1].copy(),
            meta=meta,
        )
