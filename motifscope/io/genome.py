"""A reference genome: random access to a FASTA file by contig and 0-based half-open interval.

:class:`Genome` wraps :class:`pysam.FastaFile` (htslib's faidx), which reads plain FASTA
and bgzip-compressed FASTA (``.fa.gz`` with its ``.fai`` and ``.gzi`` indexes). A missing
``.fai`` of a plain or bgzipped file is built on open (``build_index=True``, the default;
for bgzip htslib also writes the ``.gzi``); a file compressed with plain ``gzip`` cannot be
indexed and is refused with a line that says to recompress it with ``bgzip``.

Coordinates are **0-based, half-open** (BED's convention): ``fetch("chr1", 10, 20)`` is the
ten bases ``chr1[10:20]``, i.e. 1-based positions 11..20. A VCF's 1-based ``POS`` is
``POS - 1`` here. Intervals reaching before 0 or beyond the contig's end are padded with
``N`` (all-zero one-hot columns), so a window always has the length asked for.

Contig names are reconciled once (:meth:`Genome.resolve`): ``chr1`` ↔ ``1``, ``chrX`` ↔
``X``, ``chrM`` ↔ ``MT`` ↔ ``M``, matched exactly first, then with the ``chr`` prefix added
or removed.

Why pysam: one htslib dependency reads plain and bgzipped FASTA (and builds their indexes);
a 1 kb window costs about 50 µs with or without bgzip and holds nothing but the window in
memory. pyfaidx fetches as fast (measured: 20,400 vs 20,100 windows/s,
``benchmarks/bench_variants.py --readers``) but reads bgzip only through Biopython.
"""

from __future__ import annotations

import gzip
from pathlib import Path

import numpy as np

from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.sequence import from_indices

__all__ = ["Genome", "bgzip_name", "contig_aliases", "one_hot_sequences"]

#: Mitochondrial names that denote the same contig.
_MITO = ("chrM", "chrMT", "MT", "M")


def contig_aliases(name: str) -> list[str]:
    """Names that denote the same contig as ``name``, most likely first.

    Parameters
    ----------
    name : str
        A contig name as a VCF, BED file or FASTA spells it.

    Returns
    -------
    list of str
        ``name`` itself, then the name with ``chr`` removed or added (``chr1`` ↔ ``1``),
        and for the mitochondrion every spelling of :data:`_MITO`.
    """
    out = [name]
    if name in _MITO:
        out += [m for m in _MITO if m != name]
    elif name.startswith("chr"):
        out.append(name[3:])
    else:
        out.append("chr" + name)
    return out


def _is_plain_gzip(path: Path) -> bool:
    """A gzip file that is not BGZF (no ``BC`` extra field in its first block header)."""
    with open(path, "rb") as fh:
        head = fh.read(18)
    if head[:2] != b"\x1f\x8b":
        return False
    flags = head[3]
    return not (flags & 4 and head[12:14] == b"BC")


def bgzip_name(name: str) -> str:
    """A new file name for the bgzip copy of a plain-gzip FASTA ``name``: never ``name``
    itself (``gunzip -c x.fa.gz | bgzip > x.fa.gz`` truncates the file it reads).

    Parameters
    ----------
    name : str
        E.g. ``hg38.fa.gz``.

    Returns
    -------
    str
        E.g. ``hg38.bgzf.fa.gz``.
    """
    for suffix in (".fa.gz", ".fasta.gz", ".fna.gz", ".gz"):
        if name.endswith(suffix) and len(name) > len(suffix):
            return name[: -len(suffix)] + ".bgzf" + suffix
    return name + ".bgzf.gz"


class Genome:
    """A FASTA reference genome with random access (0-based half-open intervals).

    Parameters
    ----------
    path : str or os.PathLike
        Plain FASTA or bgzip-compressed FASTA.
    build_index : bool
        Build a missing ``.fai`` (and ``.gzi``) next to the file; otherwise a missing index
        is an error.

    Raises
    ------
    DataFormatError
        If the file is missing, is plain gzip, is not FASTA, or has no index and
        ``build_index`` is False.
    """

    def __init__(self, path, *, build_index: bool = True):
        import pysam

        self.path = Path(path)
        if not self.path.is_file():
            raise DataFormatError(f"{self.path}: no such FASTA file")
        if _is_plain_gzip(self.path):
            raise DataFormatError(
                f"{self.path}: compressed with plain gzip, which cannot be indexed; expected "
                f"plain FASTA or bgzip (recompress into a new file: gunzip -c "
                f"{self.path.name} | bgzip -c > {bgzip_name(self.path.name)})")
        fai = Path(str(self.path) + ".fai")
        if not fai.is_file() and not build_index:
            raise DataFormatError(f"{self.path}: no index {fai.name}; expected a faidx index "
                                  f"(samtools faidx {self.path.name})")
        self._check_fasta_head()
        try:
            self._fa = pysam.FastaFile(str(self.path))
        except (OSError, ValueError) as e:
            raise DataFormatError(f"{self.path}: cannot be opened as an indexed FASTA ({e}); "
                                  f"expected plain or bgzipped FASTA") from None
        self.lengths = dict(zip(self._fa.references, self._fa.lengths))
        self._alias: dict[str, str | None] = {}

    def _check_fasta_head(self) -> None:
        with open(self.path, "rb") as fh:
            magic = fh.read(2)
        opener = gzip.open if magic == b"\x1f\x8b" else open
        with opener(self.path, "rb") as fh:
            first = fh.read(1)
        if first != b">":
            raise DataFormatError(f"{self.path}: does not start with '>'; expected a FASTA file")

    def __repr__(self) -> str:
        return f"Genome({str(self.path)!r}, {len(self.lengths)} contigs)"

    @property
    def contigs(self) -> list[str]:
        """The FASTA's contig names, in file order."""
        return list(self.lengths)

    def resolve(self, name: str) -> str | None:
        """The FASTA's name for contig ``name`` (``chr1`` ↔ ``1``), or None if it has none.

        Parameters
        ----------
        name : str
            A contig name from another file.

        Returns
        -------
        str or None
        """
        if name not in self._alias:
            self._alias[name] = next((a for a in contig_aliases(name) if a in self.lengths),
                                     None)
        return self._alias[name]

    def length(self, name: str) -> int:
        """The length of contig ``name`` (any spelling :meth:`resolve` accepts).

        Parameters
        ----------
        name : str

        Returns
        -------
        int

        Raises
        ------
        InputError
            If the FASTA has no such contig.
        """
        return self.lengths[self._require(name)]

    def _require(self, name: str) -> str:
        real = self.resolve(name)
        if real is None:
            shown = ", ".join(self.contigs[:5]) + (" ..." if len(self.lengths) > 5 else "")
            raise InputError(f"{self.path}: no contig {name!r} (nor {contig_aliases(name)[1:]}); "
                             f"the FASTA has {shown}")
        return real

    def fetch(self, chrom: str, start: int, end: int) -> str:
        """Bases ``[start, end)`` of ``chrom`` (0-based, half-open), upper case, ``N``-padded.

        Parameters
        ----------
        chrom : str
            Contig name (reconciled with :meth:`resolve`).
        start, end : int
            0-based half-open interval; may reach before 0 or beyond the contig's end, where
            ``N`` fills in.

        Returns
        -------
        str
            Exactly ``end - start`` characters.
        """
        if end < start:
            raise InputError(f"interval {chrom}:{start}-{end}: end is before start")
        real = self._require(chrom)
        n = self.lengths[real]
        lo, hi = max(start, 0), min(end, n)
        core = self._fa.fetch(real, lo, hi).upper() if hi > lo else ""
        return "N" * (min(lo, end) - start) + core + "N" * (end - max(hi, start))

    def one_hot(self, chrom: str, start: int, end: int):
        """One-hot ``(4, end - start)`` float32 of :meth:`fetch` (A, C, G, T; N all zero).

        Parameters
        ----------
        chrom : str
        start, end : int
            As in :meth:`fetch`.

        Returns
        -------
        torch.Tensor of shape (4, end - start)
        """
        return one_hot_sequences([self.fetch(chrom, start, end)])[0]

    def close(self) -> None:
        """Close the file."""
        self._fa.close()

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __getstate__(self):  # reopen in worker processes instead of pickling htslib handles
        return {"path": str(self.path)}

    def __setstate__(self, state):
        self.__init__(state["path"], build_index=False)


def one_hot_sequences(seqs) -> torch.Tensor:  # noqa: F821
    """One-hot encode equal-length upper-case sequences quickly (A, C, G, T; others all zero).

    Parameters
    ----------
    seqs : sequence of str
        Sequences of one length ``L`` (``A``, ``C``, ``G``, ``T``, anything else is N).

    Returns
    -------
    torch.Tensor of shape (N, 4, L), float32
    """
    import torch

    if not seqs:
        return torch.zeros((0, 4, 0))
    L = len(seqs[0])
    if any(len(s) != L for s in seqs):
        raise InputError(f"sequences of lengths {sorted({len(s) for s in seqs})[:4]}; "
                         "expected one length")
    raw = np.frombuffer("".join(seqs).encode("ascii", "replace"), dtype=np.uint8)
    return from_indices(_INDEX[raw].reshape(len(seqs), L))


_INDEX = np.full(256, 4, dtype=np.uint8)
for _i, _b in enumerate("ACGT"):
    _INDEX[ord(_b)] = _i
    _INDEX[ord(_b.lower())] = _i
