"""Run directories: the unit a user keeps and shares — a model, its card, its analyses.

==================================  =======================================================
module                              holds
==================================  =======================================================
:mod:`~motifscope.runs.directory`   ``load_run`` / ``Run``, the files of a run
                                    (``config.toml``, ``model.pt``, ``metrics.json``,
                                    ``history.csv``) and their writers
:mod:`~motifscope.runs.convert`     published weights in (Kipoi DeepSEA, Beluga, Basset,
                                    Selene, DanQ's Keras files), plain state dicts out
==================================  =======================================================

May import: :mod:`motifscope.core`, :mod:`motifscope.io`, :mod:`motifscope.data` and
:mod:`motifscope.zoo`.
"""

from __future__ import annotations

from motifscope.runs.convert import export_run, import_weights
from motifscope.runs.directory import Run, load_run, target_names

__all__ = ["Run", "export_run", "import_weights", "load_run", "target_names"]
