"""The model zoo: published DeepSEA-dataset architectures, built from model cards.

>>> from motifscope import zoo
>>> model = zoo.build("danq", seq_len=200, n_targets=15, width=0.25)
>>> zoo.card("danq")["expected_parameters"]
46926479

Every model takes one-hot sequences ``(N, 4, seq_len)`` (float32, bases A,C,G,T) and
returns logits ``(N, n_targets)``. Each has ``name``, ``seq_len`` and ``n_targets``
attributes, ``first_conv`` (the first ``nn.Conv1d``), ``conv_stack()`` (the ordered
modules from the input to the last convolution block's output), ``predict(X)`` (sigmoid
probabilities, eval mode, no gradients), ``penalty()`` and ``apply_constraints()`` (the
card's L2/activity-L1 penalties and MaxNorm constraint). DeepATT models add
``query_vectors()`` and ``attention.last_weights``.

Names (see :func:`names`): ``basset``, ``bd10``, ``beluga``, ``danq``, ``danq_demo``, ``danq_jaspar``,
``dd10``, ``deepatt``, ``deepatt_demo``, ``deepatt_plus``, ``deepsea``, ``deepsea_deepatt``,
``deepsea_default`` (the default of ``motifscope train``), ``deepsea_demo``, ``deepsea_nm``, ``demo_cnn``, ``demo_cnnrnn``, ``demo_rnn``, ``kmer_lr``,
``motif_scanner`` (DeepREG's one-convolution baseline).

DeMo Dashboard's ``demo_rnn`` and ``demo_cnnrnn`` accept any input length (mean over
time; ``variable_length = True``) and offer ``prefix_scores`` / ``suffix_scores`` for
temporal scores; ``demo_rnn`` has no convolution, so its ``conv_stack()`` is empty and it
has no ``first_conv``.

Published weights (Kipoi DeepSEA, Beluga and Basset, Selene's DeepSEA, DanQ's Keras
files) become run directories with :func:`motifscope.runs.import_weights`;
:func:`motifscope.runs.export_run` writes any run as a plain state dict plus card.

The cards are the repository's top-level ``models/<name>.toml`` (shipped inside the wheel
as ``motifscope/zoo/cards/``). May import: :mod:`motifscope.core` and :mod:`motifscope.io`.
"""

from __future__ import annotations

from motifscope import compat

# Importing the families registers them.
from motifscope.zoo import basset, danq, deep10, deepatt, deepsea, demo_models, kmer_lr, scanner  # noqa: F401
from motifscope.zoo.attention import CategoryAttention, CategoryDense
from motifscope.zoo.layers import BiLSTM, ZooModel
from motifscope.zoo.registry import DEFAULT_MODEL, build, card, model_class, names, register

__all__ = [
    "DEFAULT_MODEL",
    "BiLSTM",
    "CategoryAttention",
    "CategoryDense",
    "ZooModel",
    "build",
    "card",
    "model_class",
    "names",
    "register",
]


def __getattr__(name: str):
    # import_weights / export_run lived here before 0.2; they write run directories, a layer
    # above the zoo, so they moved to motifscope.runs.
    if name in ("import_weights", "export_run"):
        return compat.moved_attribute("motifscope.zoo", name, "motifscope.runs")
    raise AttributeError(f"module 'motifscope.zoo' has no attribute {name!r}")
