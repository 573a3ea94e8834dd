"""Genome regions in: BED intervals and tiled regions as model-length windows.

Conventions (stated once, tested in ``tests/test_regions.py``):

- **BED** lines are 0-based half-open (``chrom start end [name score strand ...]``); BED3,
  BED6 and ENCODE narrowPeak (10 columns, the 10th the summit's offset from ``start``, ``-1``
  for none) are read; ``track``/``browser``/``#`` lines and blank lines are skipped.
- **Resizing** to the model's length ``L``: the window is centred on the summit
  (narrowPeak with a summit) or on the interval's midpoint ``(start + end) // 2``; it is
  ``[c - L // 2, c - L // 2 + L)``, so the centre base sits at index ``L // 2``.
- **Strand**: a ``-`` interval gives the reverse complement of its window (the model reads
  it in the feature's orientation); ``+`` or ``.`` the forward strand.
- **Chromosome ends**: bases before 0 or past the contig's end are ``N`` (all-zero columns),
  so every window has length ``L`` (:meth:`motifscope.io.genome.Genome.fetch`).
- **Regions** ``chr:start-end`` are written as the UCSC browser shows them: 1-based and
  inclusive, commas allowed (``chr1:1,001-2,000`` is the 0-based ``[1000, 2000)``).
  :func:`tile` cuts such a region into windows of length ``L`` every ``stride`` bases from
  its start, the last one reaching past the end if needed.

Every window keeps its coordinates (``chrom``, ``start``, ``end``, ``strand``, ``name``),
which travel with each output row.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from motifscope.core.errors import DataFormatError, InputError, MotifscopeWarning
from motifscope.core.sequence import reverse_complement
from motifscope.io.genome import Genome

__all__ = ["Interval", "load_regions", "parse_region", "read_bed", "resize", "tile", "windows"]


@dataclass(frozen=True)
class Interval:
    """A genome interval, 0-based half-open.

    Attributes
    ----------
    chrom : str
    start, end : int
    name : str
    strand : str
        ``+``, ``-`` or ``.``.
    summit : int or None
        Offset of the peak summit from ``start`` (narrowPeak), if any.
    line : int or None
        Line of the BED file it came from (for messages).
    """

    chrom: str
    start: int
    end: int
    name: str = "."
    strand: str = "."
    summit: int | None = None
    line: int | None = None


def _parse_bed_line(path, k: int, fields: list[str]) -> Interval:
    where = f"{path}: line {k}"
    if len(fields) < 3:
        raise DataFormatError(f"{where}: {len(fields)} column(s); expected BED (chrom, start, "
                              f"end, ...) separated by tabs")
    try:
        start, end = int(fields[1]), int(fields[2])
    except ValueError:
        raise DataFormatError(f"{where}: start/end {fields[1]!r}, {fields[2]!r} are not "
                              f"integers") from None
    if start < 0 or end < start:
        raise DataFormatError(f"{where}: interval {start}-{end}; expected 0 <= start <= end "
                              f"(0-based half-open)")
    strand = fields[5] if len(fields) > 5 else "."
    if strand not in ("+", "-", "."):
        raise DataFormatError(f"{where}: strand {strand!r}; expected +, - or .")
    summit = None
    if len(fields) == 10:  # narrowPeak; in BED12 (and gappedPeak) column 10 is blockCount
        try:
            summit = int(fields[9])
        except ValueError:
            raise DataFormatError(f"{where}: narrowPeak summit {fields[9]!r} is not an "
                                  f"integer") from None
        if summit < 0:
            summit = None
        elif summit >= max(end - start, 1):
            raise DataFormatError(f"{where}: summit offset {summit} lies outside the peak "
                                  f"({end - start} bp)")
    name = fields[3] if len(fields) > 3 and fields[3] else f"{fields[0]}:{start}-{end}"
    return Interval(fields[0], start, end, name, strand, summit, k)


def read_bed(path) -> list[Interval]:
    """Read BED3 to BED12, narrowPeak and broadPeak intervals.

    Only a line of exactly 10 columns is read as narrowPeak, whose 10th column is the
    summit's offset (the window is centred there); BED12 (genes, transcripts) and
    gappedPeak hold ``blockCount`` in that column and are centred on the interval's
    midpoint, like every other layout.

    Parameters
    ----------
    path : str or os.PathLike
        A BED file (plain or gzip).

    Returns
    -------
    list of Interval

    Raises
    ------
    DataFormatError
        On a malformed line (the file and line are named).
    """
    import gzip

    path = Path(path)
    if not path.is_file():
        raise InputError(f"{path}: no such BED file")
    opener = gzip.open if path.suffix == ".gz" else open
    out = []
    try:
        with opener(path, "rt", encoding="utf-8") as fh:
            for k, raw in enumerate(fh, 1):
                line = raw.rstrip("\r\n")
                if not line.strip() or line.startswith(("#", "track", "browser")):
                    continue
                out.append(_parse_bed_line(path, k, line.split("\t")))
    except (UnicodeDecodeError, OSError, EOFError) as e:
        raise DataFormatError(f"{path}: not a readable text BED file ({e})") from None
    if not out:
        raise DataFormatError(f"{path}: holds no intervals; expected BED lines")
    return out


_REGION = re.compile(r"^\s*([^:\s]+):([\d,]+)-([\d,]+)\s*$")


def parse_region(text: str) -> Interval:
    """``chr1:1,001-2,000`` (1-based, inclusive, as the UCSC browser shows it) → Interval.

    Parameters
    ----------
    text : str

    Returns
    -------
    Interval
        0-based half-open (``chr1``, 1000, 2000).
    """
    m = _REGION.match(str(text))
    if m is None:
        raise InputError(f"--region {text!r}: expected chrom:start-end, e.g. chr1:1001-2000")
    start, end = int(m.group(2).replace(",", "")), int(m.group(3).replace(",", ""))
    if start < 1 or end < start:
        raise InputError(f"--region {text!r}: expected 1 <= start <= end (1-based, inclusive)")
    return Interval(m.group(1), start - 1, end, name=str(text).strip())


def resize(interval: Interval, length: int) -> Interval:
    """The window of ``length`` centred on the summit (or the midpoint).

    Parameters
    ----------
    interval : Interval
    length : int
        The model's input length ``L``.

    Returns
    -------
    Interval
        ``[c - L // 2, c - L // 2 + L)``, with the name, strand and line kept.
    """
    c = (interval.start + interval.summit if interval.summit is not None
         else (interval.start + interval.end) // 2)
    s = c - int(length) // 2
    return Interval(interval.chrom, s, s + int(length), interval.name, interval.strand, None,
                    interval.line)


def tile(region: Interval, length: int, stride: int) -> list[Interval]:
    """Windows of ``length`` every ``stride`` bases from the region's start.

    Parameters
    ----------
    region : Interval
    length, stride : int
        Window length and step (``stride <= length`` to leave no gaps).

    Returns
    -------
    list of Interval
        The last window is the first whose end reaches the region's end.
    """
    if stride < 1 or length < 1:
        raise InputError(f"--stride {stride}: expected a positive step and window length")
    out, s = [], region.start
    while True:
        out.append(Interval(region.chrom, s, s + length, f"{region.chrom}:{s}-{s + length}",
                            region.strand))
        if s + length >= region.end:
            return out
        s += stride


def windows(genome, intervals, length: int | None = None, *, source=None):
    """One-hot windows of ``intervals`` from ``genome`` and their coordinates.

    Parameters
    ----------
    genome : motifscope.io.genome.Genome
    intervals : list of Interval
    length : int or None
        Resize each interval to this length (:func:`resize`); ``None`` keeps them (they
        must then all have the same length).
    source : str or None
        The file the intervals came from, named in messages.

    Returns
    -------
    X : torch.Tensor of shape (N, 4, L)
        Reverse-complemented for ``-`` intervals.
    table : pandas.DataFrame
        ``chrom``, ``start``, ``end``, ``strand``, ``name`` of each window (``chrom`` as the
        intervals spell it).
    """
    import torch

    wins = [resize(iv, length) if length is not None else iv for iv in intervals]
    if len({w.end - w.start for w in wins}) > 1:
        raise InputError(f"{source or 'intervals'}: intervals of different lengths; give the "
                         f"model's length to resize them")
    X = torch.empty((len(wins), 4, wins[0].end - wins[0].start) if wins else (0, 4, 0))
    for i, w in enumerate(wins):
        if genome.resolve(w.chrom) is None:
            at = f"{source}: line {w.line}: " if source and w.line else ""
            raise InputError(f"{at}contig {w.chrom!r} is not in {genome.path}; expected one of "
                             f"{', '.join(genome.contigs[:5])}")
        x = genome.one_hot(w.chrom, w.start, w.end)
        X[i] = reverse_complement(x[None])[0] if w.strand == "-" else x
    table = pd.DataFrame({"chrom": [w.chrom for w in wins], "start": [w.start for w in wins],
                          "end": [w.end for w in wins], "strand": [w.strand for w in wins],
                          "name": [w.name for w in wins]})
    return X, table


def load_regions(fasta, length: int, *, bed=None, region=None, stride: int | None = None):
    """Windows of a BED file or a tiled region, read from a reference FASTA.

    Parameters
    ----------
    fasta : str or os.PathLike
        The reference genome (plain or bgzipped FASTA; indexed on open).
    length : int
        The model's input length ``L``.
    bed : str or os.PathLike or None
        Intervals, each resized to ``length`` (:func:`resize`). Intervals that start at or
        beyond the end of their contig are skipped with one warning (bedtools does the
        same); a window that runs over a contig's end is padded with ``N``.
    region : str or None
        ``chr:start-end`` (1-based, inclusive), tiled every ``stride`` bases (:func:`tile`).
        An end beyond the contig's is cut to it (with a warning); a region whose windows
        would take more than :data:`MAX_WINDOW_BYTES` is refused.
    stride : int or None
        Tiling step (default ``length // 2``).

    Returns
    -------
    genome : motifscope.io.genome.Genome
    X : torch.Tensor of shape (N, 4, L)
    table : pandas.DataFrame
        The windows' coordinates (``chrom``, ``start``, ``end``, ``strand``, ``name``).
    """

    if (bed is None) == (region is None):
        raise InputError("give exactly one of --bed and --region (with --fasta)")
    genome = Genome(fasta)
    if bed is not None:
        X, table = windows(genome, _on_contigs(genome, read_bed(bed), bed), length, source=bed)
    else:
        step = stride or max(length // 2, 1)
        iv = _region_on_contig(genome, parse_region(region))
        n = max(1, -(-(iv.end - iv.start - length) // step) + 1)
        if n * 4 * length * 4 > MAX_WINDOW_BYTES:
            raise InputError(f"--region {region}: {n:,} windows of {length} bp every {step} bp "
                             f"need {n * 16 * length / 2**30:.1f} GiB; expected at most "
                             f"{MAX_WINDOW_BYTES / 2**30:.0f} GiB: give a smaller region or a "
                             f"larger --stride")
        X, table = windows(genome, tile(iv, length, step))
    return genome, X, table


#: The most memory the windows of one ``--region`` may take (float32 one-hot).
MAX_WINDOW_BYTES = 2 * 2**30


def _region_on_contig(genome, iv: Interval) -> Interval:
    """``iv`` with its end clipped to its contig's (with a warning); refused when the
    contig is not in the genome or the region starts after its end."""
    name = genome.resolve(iv.chrom)
    if name is None:
        raise InputError(f"--region {iv.name}: contig {iv.chrom!r} is not in {genome.path}; "
                         f"expected one of {', '.join(genome.contigs[:5])}")
    size = genome.length(name)
    if iv.start >= size:
        raise InputError(f"--region {iv.name}: starts after the end of {iv.chrom} "
                         f"({size:,} bp)")
    if iv.end > size:
        warnings.warn(f"--region {iv.name}: {iv.chrom} is {size:,} bp long; the region is cut "
                      f"to {iv.chrom}:{iv.start + 1}-{size}", MotifscopeWarning, stacklevel=3)
        iv = Interval(iv.chrom, iv.start, size, iv.name, iv.strand, iv.summit, iv.line)
    return iv


def _on_contigs(genome, intervals: list, source) -> list:
    """The intervals that lie on their contig; those that start at or after its end are left
    out with one warning (as bedtools does). An unknown contig is left to :func:`windows`."""
    kept, beyond = [], []
    for iv in intervals:
        name = genome.resolve(iv.chrom)
        if name is not None and iv.start >= genome.length(name):
            beyond.append(iv)
        else:
            kept.append(iv)
    if beyond:
        first = beyond[0]
        warnings.warn(f"{source}: {len(beyond)} interval(s) start beyond the end of their "
                      f"contig and were skipped (first: line {first.line}, "
                      f"{first.chrom}:{first.start}-{first.end})", MotifscopeWarning, stacklevel=3)
    if not kept:
        raise InputError(f"{source}: every interval starts beyond the end of its contig; "
                         f"expected intervals on {genome.path}")
    return kept
