"""motifscope: train the published DeepSEA-dataset models and explain what they learned.

Import from the submodules (``motifscope.sequence``, ``motifscope.data.deepsea``,
``motifscope.zoo``, ``motifscope.attribution``, ...). :func:`load_run` is re-exported here
lazily so ``import motifscope`` stays light.
"""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "load_run"]


def __getattr__(name):
    if name == "load_run":
        from motifscope.rundir import load_run

        return load_run
    raise AttributeError(f"module 'motifscope' has no attribute {name!r}")
