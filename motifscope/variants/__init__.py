"""Variant effects: score a VCF against a reference genome and explain the top variants.

The package is split by concept:

- :mod:`motifscope.variants.vcf`: the VCF as a stream of single-allele records;
- :mod:`motifscope.variants.windows`: the window convention, indel re-filling, rejects and
  the REF-mismatch policies;
- :mod:`motifscope.variants.score`: ref/alt probabilities, difference, log2 odds ratio;
- :mod:`motifscope.variants.run`: the whole VCF, chunked, resumable, sharded over ranks;
- :mod:`motifscope.variants.explain`: ref-vs-alt attributions and the motif a variant
  breaks or makes, with FIMO-style p-values.

``motifscope variants RUN --vcf ... --fasta ... --out DIR`` runs
:mod:`motifscope.analysis.variants`, which calls these.
"""

from motifscope.variants.run import VariantScores, score_vcf
from motifscope.variants.vcf import VcfRecord, read_vcf
from motifscope.variants.windows import POLICIES, window_bounds

__all__ = ["POLICIES", "VariantScores", "VcfRecord", "read_vcf", "score_vcf", "window_bounds"]
