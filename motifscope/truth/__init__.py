"""Scoring against planted truth: every figure of the scorecard, defined once.

===================================  =====================================================
module                               scores
===================================  =====================================================
:mod:`~motifscope.truth.scores`      :func:`score` of any analysis result against a
                                     :class:`PlantedTruth` (one scorer per analysis)
:mod:`~motifscope.truth.attribution` attribution maps against planted motif positions
:mod:`~motifscope.truth.temporal`    temporal scores rising inside a planted motif
:mod:`~motifscope.truth.optimize`    optimised inputs holding the planted motif
===================================  =====================================================

A method never scores itself: these functions read a method's output (or an analysis'
``Result.data``) beside the truth a simulation wrote (``instances.tsv``, ``tasks.tsv``,
``motifs.meme``).

May import: :mod:`motifscope.core`, :mod:`motifscope.io`, :mod:`motifscope.data`,
:mod:`motifscope.zoo`, :mod:`motifscope.runs` and :mod:`motifscope.methods`.
"""

from __future__ import annotations

from motifscope.truth.attribution import score_against_truth, signal_mask, truth_masks
from motifscope.truth.optimize import contains_motif, motif_match_score
from motifscope.truth.scores import PlantedTruth, influence_matches, score, seqlet_truth
from motifscope.truth.temporal import score_rises_against_truth

__all__ = [
    "PlantedTruth",
    "contains_motif",
    "influence_matches",
    "motif_match_score",
    "score",
    "score_against_truth",
    "score_rises_against_truth",
    "seqlet_truth",
    "signal_mask",
    "truth_masks",
]
