"""Reference and alternative windows of a model's input length around a variant.

**The window convention.** A VCF record has a 1-based ``POS``; its REF allele covers the
0-based half-open interval ``[p, p + len(REF))`` with ``p = POS - 1``. The window's anchor
is the middle base of REF, ``c = p + len(REF) // 2`` (for an SNV, ``c = p``), and the
window of length ``L`` is

    ``[c - L // 2, c - L // 2 + L)``  (0-based, half-open),

so the anchor sits at index ``L // 2`` of the window: the exact centre for odd ``L``, the
first base of the right half for even ``L`` (a DeepSEA window of 1,000 bp has the SNV at
index 500, the 501st base). Selene's ``center = pos + len(ref) // 2`` applied to the 1-based
``pos`` as a 0-based coordinate places the window one base to the right (the SNV at index
``L // 2 - 1`` for odd and even ``L``); motifscope uses the 0-based ``p``.

**Re-filling indels.** Both windows keep the same left flank ``[start, p)`` and length ``L``:
the allele is written at ``p`` and the reference **after** REF follows it. A deletion (ALT
shorter than REF) therefore pulls in ``len(REF) - len(ALT)`` more downstream reference bases
at the right end; an insertion pushes the right end out, which is trimmed. The variant's
start stays at the same index in both windows, ``p - start``.

**Rejects** (never silently dropped; :data:`REASONS`): the contig is not in the FASTA, an
allele is symbolic (``<DEL>``, ``*``, ``.``) or holds a base other than A, C, G, T, an
allele is longer than half the window, or the window (with the downstream bases a deletion
needs) would cross a chromosome end.

**REF against the genome** (:data:`POLICIES`): ``skip`` rejects a mismatch (reason
``ref_mismatch``); ``use-genome`` scores the genome's bases as REF; ``use-vcf`` writes the
VCF's REF into the reference window; ``swap-if-alt-matches`` swaps REF and ALT when the genome
carries ALT (a record written on the other allele) and rejects it otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from motifscope.core.errors import ConfigError

__all__ = ["POLICIES", "REASONS", "Prepared", "check_ref", "prepare", "window_bounds",
           "window_sequences"]

POLICIES = ("skip", "use-genome", "use-vcf", "swap-if-alt-matches")
#: Why a variant is not scored (the ``reason`` column of ``rejects.tsv``).
REASONS = {
    "missing_contig": "the FASTA has no such contig (nor its chr/no-chr alias)",
    "symbolic_allele": "REF or ALT is symbolic or holds a base other than A, C, G, T",
    "allele_too_long": "REF or ALT is longer than half the window",
    "chromosome_end": "the window crosses a chromosome end",
    "ref_mismatch": "REF differs from the genome (policy skip, or ALT not in the genome)",
    "telomere": "POS 0: a telomere, before the first base (VCF 4.3), has no window",
}
_BASES = re.compile(r"^[ACGT]+$")


@dataclass(frozen=True)
class Prepared:
    """A variant ready for its windows.

    Attributes
    ----------
    contig : str
        The FASTA's name of the contig.
    p : int
        0-based start of REF.
    ref, alt : str
        The alleles scored (after the REF policy).
    span : int
        Genome bases the alleles replace (``len(ref)``).
    ref_check : str
        ``match``, ``use-genome``, ``use-vcf`` or ``swapped``.
    """

    contig: str
    p: int
    ref: str
    alt: str
    span: int
    ref_check: str


def window_bounds(p: int, ref_len: int, length: int) -> tuple[int, int]:
    """The window ``[start, end)`` (0-based, half-open) of a REF at 0-based ``p``.

    Parameters
    ----------
    p : int
        0-based start of REF (VCF ``POS - 1``).
    ref_len : int
        Length of REF.
    length : int
        The model's input length ``L``.

    Returns
    -------
    tuple of int
        ``(c - L // 2, c - L // 2 + L)`` with ``c = p + ref_len // 2``.
    """
    start = p + ref_len // 2 - length // 2
    return start, start + length


def check_ref(genome, contig: str, p: int, ref: str, alt: str, policy: str):
    """Apply the REF policy: ``(ref, alt, ref_check)`` to score, or None to reject.

    Parameters
    ----------
    genome : motifscope.io.genome.Genome
    contig : str
        The FASTA's contig name.
    p : int
        0-based start of REF.
    ref, alt : str
        The VCF's alleles.
    policy : str
        One of :data:`POLICIES`.

    Returns
    -------
    tuple of (str, str, str) or None
    """
    if policy not in POLICIES:
        raise ConfigError(f"ref-mismatch policy {policy!r}: expected one of {', '.join(POLICIES)}")
    observed = genome.fetch(contig, p, p + len(ref))
    if observed == ref:
        return ref, alt, "match"
    if policy == "use-genome":
        return (observed, alt, "use-genome") if _BASES.match(observed) else None
    if policy == "use-vcf":
        return ref, alt, "use-vcf"
    if policy == "swap-if-alt-matches" and genome.fetch(contig, p, p + len(alt)) == alt:
        return alt, ref, "swapped"
    return None


def prepare(genome, record, length: int, policy: str = "skip"):
    """Check a record against the genome: a :class:`Prepared` variant, or a reject reason.

    Parameters
    ----------
    genome : motifscope.io.genome.Genome
    record : motifscope.io.vcf.VcfRecord
    length : int
        The model's input length ``L``.
    policy : str
        The REF policy (:data:`POLICIES`).

    Returns
    -------
    Prepared or str
        A key of :data:`REASONS` when the variant cannot be scored.
    """
    contig = genome.resolve(record.chrom)
    if contig is None:
        return "missing_contig"
    if record.pos < 1:
        return "telomere"
    if not (_BASES.match(record.ref) and _BASES.match(record.alt)):
        return "symbolic_allele"
    if max(len(record.ref), len(record.alt)) > length // 2:
        return "allele_too_long"
    p = record.pos - 1
    n = genome.lengths[contig]
    if p + len(record.ref) > n:
        return "chromosome_end"
    checked = check_ref(genome, contig, p, record.ref, record.alt, policy)
    if checked is None:
        return "ref_mismatch"
    ref, alt, status = checked
    start, end = window_bounds(p, len(ref), length)
    extra = max(0, len(ref) - min(len(ref), len(alt)))
    if start < 0 or end + extra > n:
        return "chromosome_end"
    return Prepared(contig, p, ref, alt, len(ref), status)


def window_sequences(genome, v: Prepared, length: int) -> tuple[str, str]:
    """The reference and alternative windows of a prepared variant (strings of length L).

    Parameters
    ----------
    genome : motifscope.io.genome.Genome
    v : Prepared
    length : int
        The model's input length ``L``.

    Returns
    -------
    tuple of str
        ``(ref_window, alt_window)``: ``left + allele + downstream reference``, cut to ``L``,
        with ``left = genome[start:p]``.
    """
    start, _end = window_bounds(v.p, v.span, length)
    left = genome.fetch(v.contig, start, v.p)
    need = max(0, length - len(left) - min(len(v.ref), len(v.alt)))
    right = genome.fetch(v.contig, v.p + v.span, v.p + v.span + need)
    return ((left + v.ref + right)[:length], (left + v.alt + right)[:length])
