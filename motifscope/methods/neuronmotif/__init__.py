"""NeuronMotif: decouple convolutional neurons at any depth into motifs and their syntax.

A port of NeuronMotif (Wei et al., PNAS 2023; ``wzthu/NeuronMotif``) for PyTorch models
on CPU. For conv layer ``L`` and channel ``c`` the neuron is the pre-activation output of
the valid-padded sub-network whose input is the receptive field ``RF(L)``:

1. **sampling** (:func:`sample_neuron`): all ``4**RF`` sequences when ``RF < 11``,
   otherwise a genetic algorithm with gradient-guided mutation, elitism, shifted elites
   and crossover, seeded with layer ``L-1`` motifs; sequences are stored as uint8 base
   indices;
2. **demixing** (:func:`decouple`): hierarchical activation-weighted k-means on the
   pre-activation maps of conv ``L-1`` down to conv 1, ``k = pool ** motif_nb`` per level,
   giving one CRM (shift ID) per cluster with an activation-binned PPM, its max activation
   M, its consensus activation C and C/M;
3. **reporting** (:func:`slice_motifs`, :func:`build_syntax`, :func:`decouple_layer`):
   sub-motifs sliced by information content, Tomtom matches against JASPAR, a motif
   dictionary with spacing rules, MEME/TSV files and a per-layer HTML gallery.

Differences from the original are listed in ``docs/neuronmotif.md`` and in the
docstrings (smaller default GA population, random projection of wide feature maps, a
stricter automatic ``motif_nb`` rule, information content in bits, core-only seeding).

May import: :mod:`motifscope.core`, :mod:`~motifscope.io`, :mod:`~motifscope.zoo`,
:mod:`~motifscope.plot` and :mod:`motifscope.methods.tomtom`.
"""

from motifscope.methods.neuronmotif.demixing import column_ic
from motifscope.methods.neuronmotif.files import write_neuron
from motifscope.methods.neuronmotif.layer import (
    decouple_layer,
    parse_neurons,
    read_summaries,
    strongest_neurons,
    task_neurons,
)
from motifscope.methods.neuronmotif.neuron import (
    NeuronResult,
    decouple,
    default_population,
    layer_motifs_by_enumeration,
    sample_neuron,
)
from motifscope.methods.neuronmotif.stack import ConvStack, receptive_field
from motifscope.methods.neuronmotif.syntax import Syntax, build_syntax, segments, slice_motifs

__all__ = [
    "ConvStack",
    "NeuronResult",
    "Syntax",
    "build_syntax",
    "column_ic",
    "decouple",
    "decouple_layer",
    "default_population",
    "layer_motifs_by_enumeration",
    "parse_neurons",
    "read_summaries",
    "receptive_field",
    "sample_neuron",
    "segments",
    "slice_motifs",
    "strongest_neurons",
    "task_neurons",
    "write_neuron",
]
