"""Reading a VCF as a stream of single-allele records.

:func:`read_vcf` reads plain or gzip/bgzip-compressed VCF text line by line (never the
whole file), checks that it is a VCF (a ``##fileformat=VCF`` line or a ``#CHROM`` header
before the first record, at least the five columns CHROM POS ID REF ALT, an integer POS of
at least 0: 0 is a telomere in VCF 4.3) and yields one :class:`VcfRecord` per ALT allele: a multi-allelic record
``A → C,T`` becomes two records with ``allele = 1`` and ``2``. ``POS`` stays **1-based**, as
in the file; the window code converts it.

INFO fields asked for are carried through as text: a field declared ``Number=A`` in the
header gets the value of the record's own allele, a flag is ``1`` when present, a missing
field is ``.``.
"""

from __future__ import annotations

import gzip
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

from motifscope.core.errors import DataFormatError

__all__ = ["VcfRecord", "read_vcf", "vcf_contigs"]


@dataclass(frozen=True)
class VcfRecord:
    """One ALT allele of a VCF record.

    Attributes
    ----------
    chrom : str
        CHROM as written in the VCF.
    pos : int
        POS, 1-based (0: a telomere, allowed by VCF 4.3; the variant scorer rejects it as
        one record).
    id : str
        ID (``.`` when none).
    ref, alt : str
        REF and this ALT allele, upper case.
    allele : int
        Which ALT of the record (1 for the first).
    line : int
        Line number in the file (1-based), for messages and the rejects file.
    info : tuple of str
        The INFO fields asked for, in the order asked.
    """

    chrom: str
    pos: int
    id: str
    ref: str
    alt: str
    allele: int = 1
    line: int = 0
    info: tuple = field(default=())


def _open_text(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return gzip.open(path, "rt", encoding="utf-8", errors="replace")
    return open(path, encoding="utf-8", errors="replace")


def _number_a_fields(header_line: str) -> str | None:
    """The ID of an ``##INFO=<ID=X,Number=A,...>`` line, else None."""
    if not header_line.startswith("##INFO=<"):
        return None
    body = header_line[8:].rstrip(">\n")
    parts = dict(p.split("=", 1) for p in body.split(",") if "=" in p)
    return parts.get("ID") if parts.get("Number") == "A" else None


def _info_values(text: str, fields: tuple, per_allele: set, allele: int) -> tuple:
    if not fields:
        return ()
    found: dict[str, str] = {}
    if text not in (".", ""):
        for item in text.split(";"):
            key, eq, val = item.partition("=")
            found[key] = val if eq else "1"
    out = []
    for f in fields:
        v = found.get(f, ".")
        if f in per_allele and v != ".":
            vals = v.split(",")
            v = vals[allele - 1] if allele - 1 < len(vals) else "."
        out.append(v)
    return tuple(out)


def _header(fh, path: Path) -> tuple[set, int]:
    """Read the header up to ``#CHROM``; returns the Number=A INFO IDs and lines read."""
    per_allele: set = set()
    n = 0
    for line in fh:
        n += 1
        if n == 1 and not line.startswith(("##fileformat=VCF", "#CHROM")):
            first = line.rstrip("\r\n")[:40]
            raise DataFormatError(f"{path}: line 1 is {first!r}; expected a VCF "
                                  f"('##fileformat=VCFv4.x' or a '#CHROM' header line)")
        if line.startswith("#CHROM"):
            cols = line.lstrip("#").split("\t")
            if [c.strip() for c in cols[:5]] != ["CHROM", "POS", "ID", "REF", "ALT"]:
                raise DataFormatError(f"{path}: line {n}: header columns {cols[:5]}; expected "
                                      f"CHROM POS ID REF ALT ... separated by tabs")
            return per_allele, n
        if not line.startswith("##"):
            raise DataFormatError(f"{path}: line {n}: record before the '#CHROM' header line; "
                                  f"expected a VCF header")
        key = _number_a_fields(line)
        if key:
            per_allele.add(key)
    raise DataFormatError(f"{path}: no '#CHROM' header line; expected a VCF")


def _parse(cols: list, path: Path, n: int) -> tuple[str, int, str, str, list]:
    if len(cols) < 5:
        raise DataFormatError(f"{path}: line {n}: {len(cols)} tab-separated columns; expected "
                              f"at least CHROM POS ID REF ALT")
    try:
        pos = int(cols[1])
    except ValueError:
        pos = -1
    if pos < 0:
        raise DataFormatError(f"{path}: line {n}: POS {cols[1]!r}; expected a 1-based position "
                              f"(or 0 for a telomere)")
    return cols[0], pos, cols[2], _allele(cols[3]), [_allele(a) for a in cols[4].split(",")]


_BASES = re.compile(r"^[ACGTNacgtn]+$")


def _allele(text: str) -> str:
    """Bases upper-cased; a symbolic allele (``<DEL>``, ``<INS:ME:ALU>``) or a breakend
    (``G]chr17:198982]``, contig names are case-sensitive) kept as written."""
    return text.upper() if _BASES.match(text) else text


def read_vcf(path, *, info=()) -> Iterator[VcfRecord]:
    """Stream the ALT alleles of a VCF, one :class:`VcfRecord` each.

    Parameters
    ----------
    path : str or os.PathLike
        Plain, gzip or bgzip VCF.
    info : sequence of str
        INFO fields to carry through.

    Returns
    -------
    iterator of VcfRecord
        In file order; alleles of one record in ALT order.

    Raises
    ------
    DataFormatError
        If the file is missing or not a VCF, or a record is malformed (the message names
        the line).
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such VCF file")
    fields = tuple(info)
    try:
        with _open_text(path) as fh:
            per_allele, n = _header(fh, path)
            for line in fh:
                n += 1
                line = line.rstrip("\r\n")
                if not line or line.startswith("#"):
                    continue
                cols = line.split("\t")
                chrom, pos, vid, ref, alts = _parse(cols, path, n)
                text = cols[7] if len(cols) > 7 else "."
                for a, alt in enumerate(alts, 1):
                    yield VcfRecord(chrom, pos, vid, ref, alt, a, n,
                                    _info_values(text, fields, per_allele, a))
    except (OSError, EOFError, UnicodeDecodeError) as e:
        raise DataFormatError(f"{path}: cannot be read as VCF text ({e})") from None


def vcf_contigs(path) -> list[str]:
    """The contigs a VCF header declares (``##contig=<ID=...>``), in order.

    Parameters
    ----------
    path : str or os.PathLike

    Returns
    -------
    list of str
        Empty when the header declares none.
    """
    out = []
    with _open_text(Path(path)) as fh:
        for line in fh:
            if not line.startswith("##"):
                break
            if line.startswith("##contig=<"):
                body = line[10:].rstrip(">\n")
                parts = dict(p.split("=", 1) for p in body.split(",") if "=" in p)
                if "ID" in parts:
                    out.append(parts["ID"])
    return out
