"""The main job, ``motifscope demo``: simulated data → three models → every analysis → a report.

================================  =========================================================
module                            holds
================================  =========================================================
:mod:`~motifscope.demo.job`       :func:`run_demo`, :func:`analyse_run`: the stages
:mod:`~motifscope.demo.workers`   the worker pool that trains and analyses models side by
                                  side with fixed threads
:mod:`~motifscope.demo.showcase`  a run's headline pictures against the planted truth
:mod:`~motifscope.demo.scorecard` the scorecard for people: rounded, beside its oracle and
                                  floor
================================  =========================================================

May import: every package but :mod:`motifscope.cli`.
"""

from __future__ import annotations

from motifscope.demo.job import DEMO_MODELS, DemoResult, analyse_run, run_demo

__all__ = ["DEMO_MODELS", "DemoResult", "analyse_run", "run_demo"]
