"""Data in and out, one module per format; the public names are importable from here.

================================  ==========================================================
module                            holds
================================  ==========================================================
:mod:`motifscope.data.deepsea`    DeepSEA ``.mat`` (v7.3 / v5) and HDF5 files: ``read_mat``,
                                  ``open_deepsea``, ``DeepSEAFile``
:mod:`motifscope.data.stream`     ``DeepSEADataset``, the streaming training dataset
:mod:`motifscope.data.packed`     ``pack`` / ``PackedFile``: the memory-mapped packed layout
:mod:`motifscope.data.basset`     Basset's HDF5 splits
:mod:`motifscope.data.fasta`      FASTA and BED readers
:mod:`motifscope.data.targets`    the 919 DeepSEA target names and categories
:mod:`motifscope.data.simulate`   planted-motif simulations with their ground truth
:mod:`motifscope.data.tfbs`       DeMo's one-motif 101-bp task
================================  ==========================================================

``simulate`` and ``targets`` are module names as well as function names, so they are
imported from their modules (``from motifscope.data.simulate import simulate``): exposing the
function here would be shadowed by the submodule once it is imported.

The names are resolved on first use, so ``import motifscope.data`` stays cheap and no
format module imports another through this package.
"""

from __future__ import annotations

import importlib

_PUBLIC = {
    "read_mat": "deepsea",
    "open_deepsea": "deepsea",
    "DeepSEAFile": "deepsea",
    "DeepSEADataset": "stream",
    "pack": "packed",
    "PackedFile": "packed",
    "is_packed": "packed",
    "read_basset": "basset",
    "basset_splits": "basset",
    "iter_fasta": "fasta",
    "read_fasta": "fasta",
    "fasta_to_one_hot": "fasta",
    "read_bed": "fasta",
    "read_ground_truth": "simulate",
    "simulate_tfbs": "tfbs",
}

__all__ = sorted(_PUBLIC)


def __getattr__(name: str):
    mod = _PUBLIC.get(name)
    if mod is None:
        raise AttributeError(f"module 'motifscope.data' has no attribute {name!r}")
    return getattr(importlib.import_module(f"motifscope.data.{mod}"), name)


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(_PUBLIC))
