"""motifscope: train the published DeepSEA-dataset models and explain what they learned.

The names a notebook needs are here, imported on first use (``import motifscope`` stays
light)::

    import motifscope as ms
    run = ms.load_run("runs/danq")
    X = ms.one_hot_encode(["ACGT..."])
    attr = ms.deeplift_shap(run.model, X, target=0)
    ms.plot_logo(ms.kernels_to_motifs(run.model, X)[0])

Everything else lives in the layer that owns it (``docs/architecture.md``):

=====================  ====================================================================
package                holds
=====================  ====================================================================
:mod:`.core`           errors, one-hot sequences, the ``Motif`` type, atomic files, devices
:mod:`.io`             file formats: MEME, JASPAR, FASTA, genome, BED, VCF, bigWig, DeepSEA
:mod:`.data`           datasets for training and the planted-motif simulator
:mod:`.zoo`            the architectures and their model cards
:mod:`.runs`           run directories, published weights in and out
:mod:`.train`          training recipes, checkpoints, resume, DDP
:mod:`.methods`        attribution, kernels, Tomtom, FIMO, seqlets, temporal scores, class
                       optimisation, NeuronMotif, similarity, influence, variants
:mod:`.plot`           logos, attribution tracks, heatmaps
:mod:`.truth`          every score against planted truth
:mod:`.analysis`       one module per analysis of a run: context → method → files
:mod:`.report`         static HTML of a run directory
:mod:`.demo`           ``motifscope demo``
:mod:`.cli`            the ``motifscope`` command line
=====================  ====================================================================

May import: :mod:`motifscope.compat` at import time; everything else on first use.
"""

from __future__ import annotations

import importlib

from motifscope import compat

__version__ = "0.1.0"

#: The curated API: name -> the module that holds it.
API: dict[str, str] = {
    "load_run": "motifscope.runs.directory",
    "Run": "motifscope.runs.directory",
    "import_weights": "motifscope.runs.convert",
    "export_run": "motifscope.runs.convert",
    "one_hot_encode": "motifscope.core.sequence",
    "decode": "motifscope.core.sequence",
    "reverse_complement": "motifscope.core.sequence",
    "dinucleotide_shuffle": "motifscope.core.sequence",
    "Motif": "motifscope.core.motifs",
    "MotifscopeError": "motifscope.core.errors",
    "read_meme": "motifscope.io.meme",
    "write_meme": "motifscope.io.meme",
    "jaspar_motifs": "motifscope.io.jaspar",
    "read_fasta": "motifscope.io.fasta",
    "fasta_to_one_hot": "motifscope.io.fasta",
    "read_mat": "motifscope.io.deepsea",
    "Genome": "motifscope.io.genome",
    "simulate": "motifscope.data.simulate",
    "train_run": "motifscope.train",
    "saliency": "motifscope.methods.attribution",
    "gradient_x_input": "motifscope.methods.attribution",
    "integrated_gradients": "motifscope.methods.attribution",
    "deeplift": "motifscope.methods.attribution",
    "deeplift_shap": "motifscope.methods.attribution",
    "ism": "motifscope.methods.attribution",
    "kernels_to_motifs": "motifscope.methods.kernels",
    "kernels_to_meme": "motifscope.methods.kernels",
    "filter_influence": "motifscope.methods.influence",
    "temporal_scores": "motifscope.methods.temporal",
    "optimize_input": "motifscope.methods.optimize",
    "decouple": "motifscope.methods.neuronmotif",
    "query_vectors": "motifscope.methods.similarity",
    "cosine_similarity": "motifscope.methods.similarity",
    "attention_maps": "motifscope.methods.similarity",
    "recursive_seqlets": "motifscope.methods.seqlets",
    "seqlets_from_attributions": "motifscope.methods.seqlets",
    "annotate_seqlets": "motifscope.methods.seqlets",
    "score_vcf": "motifscope.methods.variants",
    "plot_logo": "motifscope.plot.logo",
    "render_report": "motifscope.report",
    "run_demo": "motifscope.demo",
}

#: The layers, imported on first use as ``motifscope.<name>``.
PACKAGES = ("core", "io", "data", "zoo", "runs", "train", "methods", "plot", "truth",
            "analysis", "report", "demo", "cli")

__all__ = ["API", "PACKAGES", "__version__", *sorted(API), *PACKAGES]

compat.install()


def __getattr__(name: str):
    if name in API:
        value = getattr(importlib.import_module(API[name]), name)
    elif name in PACKAGES:
        value = importlib.import_module(f"motifscope.{name}")
    elif f"motifscope.{name}" in compat.MOVED:  # a module of the layout before 0.2
        return compat.moved_attribute("motifscope", name, f"motifscope.{name}")
    else:
        raise AttributeError(f"module 'motifscope' has no attribute {name!r}")
    if name in API:
        globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(API) | set(PACKAGES))
