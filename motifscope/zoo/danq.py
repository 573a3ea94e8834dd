"""DanQ and DanQ-JASPAR (Quang & Xie 2016).

One convolution, a max-pool, a bidirectional LSTM, a hidden dense layer and one output
per target:

* ``danq``: conv 320 × 26, pool 13, BiLSTM 320, dense 925 (46,926,479 parameters with
  Keras' single-bias LSTM; +2,560 with ``lstm_bias="torch"``);
* ``danq_jaspar``: conv 1024 × 30, pool 15, BiLSTM 512 (67,892,175; +4,096), with 525 of
  the kernels initialised from the 519 JASPAR 2016 CORE vertebrate PFMs plus 6 reverse
  complements (:func:`jaspar_init_`);
* ``danq_demo``: a small variant for simulated 200-bp data.
"""

from __future__ import annotations

import warnings

import numpy as np
import torch
from torch import nn

from motifscope.core.errors import ConfigError, MotifscopeWarning
from motifscope.io.jaspar import danq_jaspar2016
from motifscope.zoo.layers import (
    ZooModel,
    bidirectional_rnn,
    conv_relu,
    keras_init_,
    pool_out_len,
    scale_width,
)
from motifscope.zoo.registry import register

__all__ = ["JASPAR_RC_INDICES", "DanQ", "jaspar_init_"]

#: Indices of the JASPAR 2016 motifs whose reverse complements DanQ-JASPAR appends.
JASPAR_RC_INDICES = (19, 97, 98, 99, 100, 101)


def _danq_jaspar_motifs():
    """The 519 JASPAR 2016 PFMs in DanQ's order, as ``Motif`` objects (A,C,G,T)."""
    return danq_jaspar2016()


def jaspar_init_(conv: nn.Conv1d, motifs=None, *, orientation: str = "original",
                 random_state=None) -> list[tuple[int, int]]:
    """Initialise the first kernels of ``conv`` from JASPAR PFMs, as DanQ-JASPAR did.

    The 519 PFMs plus the reverse complements of entries 19, 97–101 (525 motifs) are
    written, motif ``i`` into kernel ``i``: ``PFM − 0.25`` (4 × w, A,C,G,T) at a random
    offset ``start`` drawn uniformly from ``3 … k − 3 − w`` inclusive, and the kernel's
    bias is drawn from U(−1, 0). The rest of each kernel and all other kernels keep
    their initialisation.

    Parameters
    ----------
    conv : torch.nn.Conv1d
        The first convolution, weight ``(out, 4, k)`` with ``out >= 525``.
    motifs : list of Motif, optional
        The PFMs to use (default: the 519 JASPAR 2016 motifs DanQ used, then the 6 RCs).
        When given, they are used as is (no reverse complements appended).
    orientation : {"original", "deepatt"}
        ``"original"`` writes each motif in its JASPAR orientation, which is what the
        Theano original scanned (Theano flipped kernels; PyTorch cross-correlates).
        ``"deepatt"`` reverses the positions as DeepATT's TF2 port did.
    random_state : int or numpy.random.Generator, optional
        Seed for the offsets and biases.

    Returns
    -------
    list of (int, int)
        ``(kernel index, start)`` for each written motif.
    """
    if orientation not in ("original", "deepatt"):
        raise ConfigError(
            f"jaspar_orientation must be 'original' or 'deepatt', got {orientation!r}")
    rng = np.random.default_rng(random_state)
    if motifs is None:
        pfms = [np.asarray(m.ppm, dtype=np.float64) for m in _danq_jaspar_motifs()]
        pfms += [pfms[i][::-1, ::-1].copy() for i in JASPAR_RC_INDICES]
    else:
        pfms = [np.asarray(getattr(m, "ppm", m), dtype=np.float64) for m in motifs]
    out, _, k = conv.weight.shape
    if len(pfms) > out:
        warnings.warn(f"only the first {out} of {len(pfms)} JASPAR motifs fit in {out} kernels",
                      MotifscopeWarning, stacklevel=2)
        pfms = pfms[:out]
    placed = []
    for i, pfm in enumerate(pfms):
        w = pfm.shape[1]
        if w + 6 > k:
            raise ConfigError(f"motif {i} (width {w}) does not fit in a kernel of width {k}")
        start = int(rng.integers(3, k - 3 - w + 1))
        m = pfm[:, ::-1] if orientation == "deepatt" else pfm
        with torch.no_grad():
            conv.weight[i, :, start:start + w] = torch.as_tensor(m - 0.25,
                                                                 dtype=conv.weight.dtype)
            conv.bias[i] = float(rng.uniform(-1.0, 0.0))
        placed.append((i, start))
    return placed


@register("danq")
@register("danq_jaspar")
@register("danq_demo")
class DanQ(ZooModel):
    """DanQ: convolution, max-pool, BiLSTM, dense, one logit per target.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Input length.
    n_targets : int
        Number of outputs.
    conv_channels : int
        Filters of the convolution (published: 320; DanQ-JASPAR 1024).
    kernel_size : int
        Kernel width (26; 30).
    pool : int
        Max-pool size = stride (13; 15).
    lstm_units : int
        Units per direction (320; 512).
    hidden : int
        Units of the hidden dense layer (925).
    dropout : sequence of two floats or float
        Dropout after the pool and after the BiLSTM (0.2, 0.5).
    batchnorm : bool
        Insert a ``BatchNorm1d`` between the convolution and its ReLU (not in the
        published model; it lets the small demo models learn weak motifs within a few
        epochs).
    first_activation : {"relu", "exp"}
        Activation of the convolution; ``"exp"`` is Koo & Ploenzke's (2021) exponential
        (not in the published models; deepatt_demo uses it, see its card).
    lstm_bias : {"keras", "torch"}
        Single Keras bias per gate set (default) or PyTorch's two.
    lstm_gates : {"sigmoid", "hard_sigmoid"}
        LSTM gate activation: the logistic function (TF2 Keras, the default) or Keras
        0.x's ``hard_sigmoid``, which the published DanQ weights were trained with (see
        :class:`~motifscope.zoo.layers.BiLSTM`).
    lstm_backward : {"aligned", "reversed"}
        Time order of the backward LSTM's outputs before the flatten (see
        :class:`~motifscope.zoo.layers.BiLSTM`; the published code cannot settle which
        one DanQ's modified ``seya`` ``Bidirectional`` used).
    rnn : {"lstm", "gru"}
        The recurrent cell: DanQ's LSTM, or a GRU (:class:`~motifscope.zoo.layers.BiGRU`,
        DeepREG's comparison; the LSTM options must keep their defaults). The layer is
        ``self.bilstm`` either way.
    jaspar_init : bool
        Initialise kernels from JASPAR 2016 (DanQ-JASPAR).
    jaspar_orientation : {"original", "deepatt"}
        See :func:`jaspar_init_`.
    jaspar_seed : int, optional
        Seed of the JASPAR offsets and biases (``None``: from torch's generator, so
        ``torch.manual_seed`` makes the whole build reproducible).
    init : {"keras", "torch"}
        Keras initialisation (glorot-uniform, zero biases) or PyTorch's default.
    width : float
        Multiplier on every layer's channels and units.
    l2, activity_l1, max_norm : float
        Penalties (none are used by DanQ).
    """

    def __init__(self, name: str = "danq", seq_len: int = 1000, n_targets: int = 919, *,
                 conv_channels: int = 320, kernel_size: int = 26, pool: int = 13,
                 lstm_units: int = 320, hidden: int = 925, dropout=(0.2, 0.5),
                 batchnorm: bool = False, first_activation: str = "relu",
                 lstm_bias: str = "keras",
                 lstm_gates: str = "sigmoid", lstm_backward: str = "aligned",
                 rnn: str = "lstm", jaspar_init: bool = False,
                 jaspar_orientation: str = "original", jaspar_seed: int | None = None,
                 init: str = "keras", width: float = 1.0, l2: float = 0.0,
                 activity_l1: float = 0.0, max_norm: float | None = None):
        super().__init__(name, seq_len, n_targets, l2=l2, activity_l1=activity_l1,
                         max_norm=max_norm)
        if init not in ("torch", "keras"):
            raise ConfigError(f"init must be 'torch' or 'keras', got {init!r}")
        d1, d2 = (dropout, dropout) if isinstance(dropout, (int, float)) else dropout
        c = scale_width(conv_channels, width)
        h_lstm = scale_width(lstm_units, width)
        length = pool_out_len(self.seq_len - kernel_size + 1, pool)
        if self.seq_len - kernel_size + 1 < 1 or length < 1:
            raise ConfigError(f"model '{name}': seq_len={seq_len} is too short")
        self.features = nn.Sequential(
            *conv_relu(4, c, kernel_size, batchnorm, first_activation), nn.MaxPool1d(pool, pool), nn.Dropout(d1))
        self.feature_len = length
        self.bilstm = bidirectional_rnn(rnn, c, h_lstm, lstm_bias=lstm_bias, gates=lstm_gates,
                                        backward=lstm_backward)
        self.lstm_dropout = nn.Dropout(d2)
        h = scale_width(hidden, width)
        self.dense = nn.Linear(length * 2 * h_lstm, h)
        self.dense_act = nn.ReLU()
        self.out = nn.Linear(h, self.n_targets)
        if init == "keras":
            keras_init_(self)
        self.jaspar_placements: list[tuple[int, int]] = []
        if jaspar_init and not self.first_conv.weight.is_meta:
            seed = jaspar_seed
            if seed is None:
                seed = int(torch.randint(0, 2**31 - 1, (1,)).item())
            self.jaspar_placements = jaspar_init_(
                self.first_conv, orientation=jaspar_orientation, random_state=seed)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x).transpose(1, 2)  # (N, L', C)
        h = self.lstm_dropout(self.bilstm(h))  # (N, L', 2H)
        h = self.dense_act(self.dense(h.flatten(1)))
        self._record_activity(h)
        return self.out(h)
