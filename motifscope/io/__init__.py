"""File formats: the files users have, read and written the way the field's tools do.

==================================  ========================================================
module                              format
==================================  ========================================================
:mod:`~motifscope.io.meme`          MEME minimal motif files (read any version, write v4)
:mod:`~motifscope.io.jaspar`        the JASPAR database offline (pyjaspar), DanQ's JASPAR 2016
:mod:`~motifscope.io.fasta`         FASTA records → fixed-length one-hot tensors
:mod:`~motifscope.io.genome`        a reference genome: random access by contig and interval
:mod:`~motifscope.io.regions`       BED / narrowPeak intervals and tiled regions as windows
:mod:`~motifscope.io.vcf`           VCF records as a stream of single-allele variants
:mod:`~motifscope.io.tracks`        bigWig and bedGraph tracks out
:mod:`~motifscope.io.deepsea`       the DeepSEA bundle (``.mat`` v5 / v7.3, HDF5)
:mod:`~motifscope.io.packed`        motifscope's memory-mapped packed DeepSEA splits
:mod:`~motifscope.io.basset`        Basset's HDF5 splits
==================================  ========================================================

Conversion between A,G,C,T (DeepSEA) and A,C,G,T happens in these readers and nowhere else.

May import: :mod:`motifscope.core`.
"""
