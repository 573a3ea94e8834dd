"""Datasets and the simulator: what training reads, and planted-motif data with its truth.

===================================  ======================================================
module                               holds
===================================  ======================================================
:mod:`~motifscope.data.stream`       ``DeepSEADataset``, the streaming training dataset
:mod:`~motifscope.data.strands`      the two strands of DeepSEA-layout data: pairs, averages
:mod:`~motifscope.data.targets`      the 919 DeepSEA target names and categories
:mod:`~motifscope.data.simulate`     planted-motif simulations with their ground truth
:mod:`~motifscope.data.sim_motifs`   which motifs a simulation plants
:mod:`~motifscope.data.sampling`     instance placement and PPM draws of the simulator
:mod:`~motifscope.data.tfbs`         DeMo's one-motif 101-bp task
:mod:`~motifscope.data.make_targets` builds the bundled ``targets.tsv`` (run once, by hand)
===================================  ======================================================

The file formats these read are in :mod:`motifscope.io`. ``simulate`` and ``targets`` are
module names as well as function names, so they are imported from their modules
(``from motifscope.data.simulate import simulate``).

May import: :mod:`motifscope.core` and :mod:`motifscope.io`.
"""

from __future__ import annotations

from motifscope import compat
from motifscope.data.simulate import read_ground_truth
from motifscope.data.stream import DeepSEADataset
from motifscope.data.tfbs import simulate_tfbs

__all__ = ["DeepSEADataset", "read_ground_truth", "simulate_tfbs"]

# Names this package re-exported before 0.2, when it also held the file formats.
_MOVED = {
    "read_mat": "motifscope.io.deepsea",
    "open_deepsea": "motifscope.io.deepsea",
    "DeepSEAFile": "motifscope.io.deepsea",
    "pack": "motifscope.io.pack",
    "PackedFile": "motifscope.io.packed",
    "is_packed": "motifscope.io.packed",
    "read_basset": "motifscope.io.basset",
    "basset_splits": "motifscope.io.basset",
    "iter_fasta": "motifscope.io.fasta",
    "read_fasta": "motifscope.io.fasta",
    "fasta_to_one_hot": "motifscope.io.fasta",
    "read_bed": "motifscope.io.fasta",
}


def __getattr__(name: str):
    if name in _MOVED:
        return compat.moved_attribute("motifscope.data", name, _MOVED[name])
    if f"motifscope.data.{name}" in compat.MOVED:
        return compat.moved_attribute("motifscope.data", name, f"motifscope.data.{name}")
    raise AttributeError(f"module 'motifscope.data' has no attribute {name!r}")
