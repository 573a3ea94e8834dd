"""One shape for every analysis of a trained model.

Each analysis is one module of this package exposing

- ``NAME`` (its folder under ``<run>/analyses/``), ``TITLE`` and ``ORDER`` (report position);
- ``applies(model) -> bool``: whether it makes sense for this model;
- optionally ``RESUMABLE = True``: its finished pieces survive a failure (otherwise
  :func:`run` removes what a failing call wrote);
- ``run(ctx: Context) -> Result``: compute, write its files atomically and its typed report
  section, return what it computed.

The CLI verbs, ``motifscope demo``, ``motifscope report`` and the notebooks all call these
modules, so an analysis is written once. Scoring against a planted truth is separate
(:mod:`motifscope.truth.scores`): a function of a result and the truth.

========================  ===========================================================
module                    what it runs
========================  ===========================================================
``evaluate``              per-target AUROC/AUPR (and the published comparison at 919)
``kernels``               first-layer kernels → MEME motifs → logos → Tomtom
``influence``             filter influence (Basset) and layer-DeepLIFT unit importance
``attribution``           attribution maps of positive sequences, an example plot
``seqlets``               seqlets of the attributions, annotated with known motifs
``temporal``              temporal output scores of the most important target
``optimize``            class optimisation of each target of interest
``similarity``            DeepATT's query-vector similarity (attention models only)
``neuronmotif``           NeuronMotif decoupling of layer-2 neurons (plain CNNs only)
``attribute``             attributions for TF-MoDISco (``motifscope attribute``; not in the demo)
``variants``              variant effects of a VCF, explained (``motifscope variants``; not in the demo)
``modisco``               TF-MoDISco patterns beside kernels and neurons (on request)
========================  ===========================================================

May import: every layer below it — :mod:`motifscope.core`, :mod:`~motifscope.io`,
:mod:`~motifscope.data`, :mod:`~motifscope.zoo`, :mod:`~motifscope.runs`,
:mod:`~motifscope.plot`, :mod:`~motifscope.methods` — and :mod:`motifscope.report` for its
sections; not :mod:`motifscope.truth`, :mod:`~motifscope.train`, :mod:`~motifscope.demo` or
:mod:`~motifscope.cli`.
"""

from __future__ import annotations

import importlib

from motifscope.analysis.base import Context, Output, Result, context_for
from motifscope.core.errors import ConfigError
from motifscope.runs.directory import cleanup_on_failure

__all__ = ["ANALYSES", "ON_REQUEST", "Context", "Output", "Result", "applicable", "context_for", "get", "run"]

#: Every analysis, in the order the demo runs them.
ANALYSES = ("evaluate", "kernels", "influence", "attribution", "seqlets", "temporal", "optimize",
            "similarity", "neuronmotif")
#: Analyses run on request only (``attribute``: the TF-MoDISco export; ``modisco``: TF-MoDISco
#: itself, minutes on a CPU; ``variants``: variant effects of a VCF).
ON_REQUEST = ("attribute", "modisco", "variants")


def get(name: str):
    """The module of analysis ``name``.

    Parameters
    ----------
    name : str
        One of :data:`ANALYSES` or :data:`ON_REQUEST`.

    Returns
    -------
    module
        With ``NAME``, ``TITLE``, ``ORDER``, ``applies`` and ``run``.
    """

    if name not in ANALYSES + ON_REQUEST:
        raise ConfigError(f"analysis {name!r}: expected one of {', '.join(ANALYSES + ON_REQUEST)}")
    return importlib.import_module(f"motifscope.analysis.{name}")


def applicable(model, names=ANALYSES) -> list[str]:
    """The analyses among ``names`` that apply to ``model``.

    Parameters
    ----------
    model : torch.nn.Module
    names : sequence of str

    Returns
    -------
    list of str
    """
    return [n for n in names if get(n).applies(model)]


def run(name: str, ctx: Context) -> Result:
    """Run analysis ``name`` on ``ctx`` (``get(name).run(ctx)``).

    If the analysis fails (or is interrupted) half-way, the files and folders it created in
    this call are removed (:func:`motifscope.runs.directory.cleanup_on_failure`), unless the module
    sets ``RESUMABLE = True`` (its finished pieces are kept so that a rerun resumes).

    Parameters
    ----------
    name : str
    ctx : Context

    Returns
    -------
    Result
    """

    module = get(name)
    if getattr(module, "RESUMABLE", False):
        return module.run(ctx)
    with cleanup_on_failure(ctx.output_dir(name)):
        return module.run(ctx)
