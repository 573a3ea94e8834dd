"""From attribution maps to motif instances: seqlets, their motifs, TF-MoDISco.

=====================================  ==============================================
function                               what it does
=====================================  ==============================================
:func:`recursive_seqlets`              call seqlets (recursive algorithm; FDR from controls)
:func:`seqlet_fdr`                     the false-discovery estimate at each threshold
:func:`trim_seqlets`                   drop flanks that contribute nothing
:func:`annotate_seqlets`               best motifs of each seqlet: Tomtom + a FIMO scan
:func:`aggregate_seqlets`              per motif: count, contribution, position, strand
:func:`seqlet_bed`                     the BED-like table (sequence or genome coordinates)
:func:`seqlets_from_attributions`      all of the above in one call
:func:`control_attributions`           dinucleotide-shuffle controls for the FDR
=====================================  ==============================================

The FIMO-style scan itself is :func:`motifscope.methods.fimo.fimo`.

May import: :mod:`motifscope.core`, :mod:`~motifscope.io` and the methods it chains
(:mod:`~motifscope.methods.attribution`, :mod:`~motifscope.methods.tomtom`,
:mod:`~motifscope.methods.fimo`).
"""

from __future__ import annotations

from motifscope.methods.seqlets.annotate import (
    BED_COLUMNS,
    aggregate_seqlets,
    annotate_seqlets,
    seqlet_bed,
)
from motifscope.methods.seqlets.calling import (
    FDR_THRESHOLDS,
    SEQLET_COLUMNS,
    SeqletNull,
    recursive_seqlets,
    seqlet_fdr,
    seqlet_null,
    trim_seqlets,
)
from motifscope.methods.seqlets.pipeline import (
    SeqletResult,
    control_attributions,
    projected,
    seqlets_from_attributions,
)

__all__ = [
    "BED_COLUMNS",
    "FDR_THRESHOLDS",
    "SEQLET_COLUMNS",
    "SeqletNull",
    "SeqletResult",
    "aggregate_seqlets",
    "annotate_seqlets",
    "control_attributions",
    "projected",
    "recursive_seqlets",
    "seqlet_bed",
    "seqlet_fdr",
    "seqlet_null",
    "seqlets_from_attributions",
    "trim_seqlets",
]
