"""FASTA files: read records and turn them into fixed-length one-hot tensors.

A FASTA file is a series of records, each a header line starting with ``>`` followed by
one or more sequence lines. Plain and gzip-compressed files (detected by their magic
bytes, whatever the name) are read line by line, so :func:`iter_fasta` streams files of
any size. Blank lines are ignored; ``\\r\\n`` line endings are accepted. Sequence
characters may be A, C, G, T, U, N or an IUPAC ambiguity code, in either case; anything
else (digits, ``-``, ``*``, spaces inside a line) is an error.

:func:`fasta_to_one_hot` crops or pads every sequence to one length around its centre,
the convention of Basset's ``dna_one_hot``: when the difference is odd, the extra base
is removed from (or the extra ``N`` added to) the **right** end.
"""

from __future__ import annotations

import gzip
import io
import re
import zlib
from collections.abc import Iterator
from pathlib import Path

import numpy as np

from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.sequence import from_indices, to_indices

__all__ = ["center_indices", "fasta_to_one_hot", "iter_fasta", "read_bed", "read_fasta"]

_VALID = re.compile(r"[ACGTUNRYSWKMBDHVacgtunryswkmbdhv]*")


def _open_text(path: Path):
    with open(path, "rb") as fh:
        magic = fh.read(2)
    if magic == b"\x1f\x8b":
        return io.TextIOWrapper(gzip.open(path, "rb"), encoding="utf-8-sig")
    return open(path, encoding="utf-8-sig")


def iter_fasta(path) -> Iterator[tuple[str, str]]:
    """Yield the records of a FASTA file one at a time.

    Parameters
    ----------
    path : str or os.PathLike
        A FASTA file, plain or gzip-compressed.

    Yields
    ------
    tuple of (str, str)
        The record's name (the header's first word, as pyfaidx and pysam take it; the rest
        of the line is a description) and the sequence (lines joined, case kept).

    Raises
    ------
    DataFormatError
        If the file is missing, text appears before the first ``>``, a record has no
        sequence, or a sequence holds an invalid character; the message names the file
        and the line.
    """
    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such FASTA file")
    name = None
    name_line = 0
    parts: list[str] = []
    try:
        fh = _open_text(path)
    except OSError as e:
        raise DataFormatError(f"{path}: cannot be read ({e})") from None
    lineno = 0
    with fh:
        try:
            for lineno, raw in enumerate(fh, start=1):
                line = raw.strip()
                if not line:
                    continue
                if line.startswith(">"):
                    if name is not None:
                        if not parts:
                            raise DataFormatError(
                                f"{path}, line {name_line}: record {name!r} has an empty sequence"
                            )
                        yield name, "".join(parts)
                    words = line[1:].split(maxsplit=1)  # the name is the first word
                    if not words:
                        raise DataFormatError(f"{path}, line {lineno}: a header without a name; "
                                              f"expected '>name' (then an optional description)")
                    name, name_line, parts = words[0], lineno, []
                    continue
                if name is None:
                    raise DataFormatError(
                        f"{path}, line {lineno}: expected a header line starting with '>', "
                        f"found {line[:20]!r}"
                    )
                if line.startswith(";"):  # old-style comment line
                    continue
                m = _VALID.match(line)
                if m.end() != len(line):
                    bad = line[m.end()]
                    raise DataFormatError(
                        f"{path}, line {lineno}, column {m.end() + 1}: invalid sequence character "
                        f"{bad!r} in record {name!r}; expected A, C, G, T, N or an IUPAC code"
                    )
                parts.append(line)
        except UnicodeDecodeError as e:
            raise DataFormatError(
                f"{path}, line {lineno + 1}: not UTF-8 text (byte {e.object[e.start:e.start + 1]!r}); "
                f"expected a FASTA text file"
            ) from None
        except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
            raise DataFormatError(f"{path}: corrupt or truncated gzip data ({e})") from None
    if name is None:
        raise DataFormatError(f"{path}: no FASTA record (no line starts with '>')")
    if not parts:
        raise DataFormatError(f"{path}, line {name_line}: record {name!r} has an empty sequence")
    yield name, "".join(parts)


def read_fasta(path) -> tuple[list[str], list[str]]:
    """Read every record of a FASTA file.

    Parameters
    ----------
    path : str or os.PathLike
        A FASTA file, plain or gzip-compressed.

    Returns
    -------
    names : list of str
        Headers without ``>``.
    seqs : list of str
        Sequences, multi-line records joined.

    Raises
    ------
    DataFormatError
        See :func:`iter_fasta`.
    """
    names, seqs = [], []
    for n, s in iter_fasta(path):
        names.append(n)
        seqs.append(s)
    return names, seqs


def center_indices(seq_len: int, length: int) -> tuple[int, int]:
    """Where a sequence goes in a centred window.

    Parameters
    ----------
    seq_len : int
        Length of the sequence.
    length : int
        Length of the window.

    Returns
    -------
    tuple of (int, int)
        ``(src_start, dst_start)``: copy ``min(seq_len, length)`` bases from
        ``seq[src_start:]`` to ``window[dst_start:]``. The odd base (cropped or padded)
        goes to the right end.
    """
    if seq_len >= length:
        return (seq_len - length) // 2, 0
    return 0, (length - seq_len) // 2


def fasta_to_one_hot(path, *, length: int, mode: str = "center", progress: bool = False):
    """One-hot encode a FASTA file at a fixed length.

    Parameters
    ----------
    path : str or os.PathLike
        A FASTA file, plain or gzip-compressed.
    length : int
        Output length ``L``.
    mode : {"center", "strict"}
        ``"center"``: centre-crop longer sequences and pad shorter ones with ``N``
        (all-zero columns) on both sides; when the difference is odd the extra base is
        cropped from, or the extra ``N`` added at, the right end. ``"strict"``: every
        sequence must have exactly ``length`` bases.
    progress : bool
        Show a progress bar (records read).

    Returns
    -------
    names : list of str
        Headers, in file order.
    X : torch.Tensor of shape (N, 4, length)
        float32, bases A, C, G, T; ambiguity codes and padding are all-zero columns.

    Raises
    ------
    DataFormatError
        For a malformed file, or (``"strict"``) a sequence of another length.
    InputError
        If ``length`` or ``mode`` is invalid.
    """
    from tqdm.auto import tqdm

    if isinstance(length, bool) or not isinstance(length, (int, np.integer)) or length < 1:
        raise InputError(f"length must be a positive integer, got {length!r}")
    if mode not in ("center", "strict"):
        raise InputError(f"mode must be 'center' or 'strict', got {mode!r}")
    names: list[str] = []
    rows: list[np.ndarray] = []
    for name, seq in tqdm(iter_fasta(path), desc="FASTA", unit="seq", disable=not progress):
        if mode == "strict" and len(seq) != length:
            raise DataFormatError(
                f"{path}: record {name!r} has {len(seq)} bases, expected {length} (mode='strict')"
            )
        row = np.full(length, 4, dtype=np.uint8)
        src, dst = center_indices(len(seq), length)
        n = min(len(seq), length)
        row[dst : dst + n] = to_indices(seq[src : src + n])[0]
        names.append(name)
        rows.append(row)
    return names, from_indices(np.stack(rows))


def read_bed(path):
    """Read the first columns of a BED file.

    Parameters
    ----------
    path : str or os.PathLike
        A BED file (tab-separated; ``#``, ``track`` and ``browser`` lines skipped).

    Returns
    -------
    pandas.DataFrame
        Columns ``chrom``, ``start``, ``end`` (0-based, half-open), plus ``name`` and
        ``strand`` when present.

    Raises
    ------
    DataFormatError
        If a line has fewer than 3 fields, or start/end are not integers with
        ``0 <= start <= end``; the message names the file and the line.
    """
    import pandas as pd

    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such BED file")
    recs = []
    try:
        fh = _open_text(path)
        lines = list(fh)
        fh.close()
    except UnicodeDecodeError as e:
        raise DataFormatError(f"{path}: not UTF-8 text (at byte {e.start}); expected a BED file") from None
    except (EOFError, gzip.BadGzipFile, zlib.error, OSError) as e:
        raise DataFormatError(f"{path}: cannot be read ({e})") from None
    for lineno, raw in enumerate(lines, start=1):
        line = raw.rstrip("\r\n")
        if not line.strip() or line.startswith(("#", "track", "browser")):
            continue
        f = line.split("\t")
        if len(f) < 3:
            raise DataFormatError(
                f"{path}, line {lineno}: {len(f)} tab-separated fields, expected at least 3"
            )
        try:
            start, end = int(f[1]), int(f[2])
        except ValueError:
            raise DataFormatError(
                f"{path}, line {lineno}: start/end {f[1]!r}, {f[2]!r} are not integers"
            ) from None
        if not 0 <= start <= end:
            raise DataFormatError(
                f"{path}, line {lineno}: need 0 <= start <= end, got {start}, {end}"
            )
        recs.append(
            (f[0], start, end, f[3] if len(f) > 3 else None, f[5] if len(f) > 5 else None)
        )
    df = pd.DataFrame(recs, columns=["chrom", "start", "end", "name", "strand"])
    return df.dropna(axis=1, how="all") if len(df) else df[["chrom", "start", "end"]]
