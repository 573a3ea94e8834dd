"""From attribution maps to motif instances: seqlets, their motifs, TF-MoDISco.

=====================================  ==============================================
function                               what it does
=====================================  ==============================================
:func:`recursive_seqlets`              call seqlets (recursive algorithm; FDR from controls)
:func:`seqlet_fdr`                     the false-discovery estimate at each threshold
:func:`annotate_seqlets`               best motifs of each seqlet: Tomtom + a FIMO scan
:func:`aggregate_seqlets`              per motif: count, contribution, position, strand
=====================================  ==============================================

The FIMO-style scan itself is :func:`motifscope.fimo.fimo`.
"""

from __future__ import annotations

from motifscope.seqlets.calling import (
    FDR_THRESHOLDS,
    SEQLET_COLUMNS,
    SeqletNull,
    recursive_seqlets,
    seqlet_fdr,
    seqlet_null,
)

__all__ = ["recursive_seqlets", "seqlet_fdr", "seqlet_null", "SeqletNull", "FDR_THRESHOLDS",
           "SEQLET_COLUMNS"]
