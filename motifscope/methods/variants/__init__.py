"""Variant effects: score a VCF against a reference genome and explain the top variants.

The package is split by concept:

- :mod:`motifscope.io.vcf`: the VCF as a stream of single-allele records;
- :mod:`motifscope.methods.variants.windows`: the window convention, indel re-filling, rejects and
  the REF-mismatch policies;
- :mod:`motifscope.methods.variants.score`: ref/alt probabilities, difference, log2 odds ratio;
- :mod:`motifscope.methods.variants.run`: the whole VCF, chunked, resumable, sharded over ranks;
- :mod:`motifscope.methods.variants.explain`: ref-vs-alt attributions and the motif a variant
  breaks or makes, with FIMO-style p-values.

``motifscope variants RUN --vcf ... --fasta ... --out DIR`` runs
:mod:`motifscope.analysis.variants`, which calls these.

May import: :mod:`motifscope.core`, :mod:`~motifscope.io` and the methods it chains
(:mod:`~motifscope.methods.predict`, :mod:`~motifscope.methods.attribution`,
:mod:`~motifscope.methods.fimo`).
"""

from motifscope.io.vcf import VcfRecord, read_vcf
from motifscope.methods.variants.run import VariantScores, score_vcf
from motifscope.methods.variants.windows import POLICIES, window_bounds

__all__ = ["POLICIES", "VariantScores", "VcfRecord", "read_vcf", "score_vcf", "window_bounds"]
