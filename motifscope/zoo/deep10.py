"""NeuronMotif's ten-layer CNNs: BD-10 (Basset data) and DD-10 (DeepSEA data).

Ten convolutions (kernel 7 then 3 × 9), each followed by batch norm and ReLU, with a
max-pool of 2 after every second convolution, as in ``wzthu/NeuronMotif``
(``NeuronMotif/modeldef.py`` for BD-10, ``demos/DeepSEA/DD-10/modeldef.py`` for DD-10):

* ``bd10``: 600 bp; 128,128,160,160,256,256,384,384,512,512 filters; no pool after the
  last convolution; flatten → dropout 0.2 → dense 768 → BN → ReLU → dense 164 → BN
  (the logits are the batch-normalised output);
* ``dd10``: 1000 bp; 128,128,160,160,256,320,512,640,1024,1280 filters; pool after the
  last convolution; flatten → dense 925 → BN → ReLU → dropout 0.2 → dense 919.

(NeuronMotif's receptive-field tables list a pool of 2 after layer 10 for both; it only
matters for the receptive field of the dense layer, and the trained BD-10 has none.)
"""

from __future__ import annotations

import torch
from torch import nn

from motifscope.core.errors import ConfigError
from motifscope.zoo.layers import (
    KERAS_BN_EPS,
    KERAS_BN_MOMENTUM,
    ZooModel,
    keras_init_,
    per_layer,
    pool_out_len,
    scale_width,
)
from motifscope.zoo.registry import register

__all__ = ["Deep10"]


def _bn(c: int) -> nn.BatchNorm1d:
    return nn.BatchNorm1d(c, eps=KERAS_BN_EPS, momentum=KERAS_BN_MOMENTUM)


@register("bd10")
@register("dd10")
class Deep10(ZooModel):
    """A deep conv/BN/ReLU stack with pools, a batch-normalised dense layer and outputs.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Input length (BD-10: 600, DD-10: 1000).
    n_targets : int
        Number of outputs (164, 919).
    conv_channels : sequence of int
        Filters of each convolution.
    kernel_size : int or sequence of int
        Widths (7, 3, 3, ...).
    pools : sequence of int
        Max-pool size = stride after each block; 1 = none.
    hidden : int
        Units of the dense layer (768, 925).
    dropout : float
        Dropout rate (0.2).
    dropout_before_dense : bool
        ``True`` (BD-10): dropout on the flattened features; ``False`` (DD-10): after the
        dense layer's ReLU.
    output_bn : bool
        Batch-normalise the output layer (BD-10).
    init : {"keras", "torch"}
        Keras initialisation or PyTorch's default.
    width : float
        Multiplier on every layer's channels and units.
    l2, activity_l1, max_norm : float
        Penalties (none used).
    """

    def __init__(self, name: str = "bd10", seq_len: int = 600, n_targets: int = 164, *,
                 conv_channels=(128, 128, 160, 160, 256, 256, 384, 384, 512, 512),
                 kernel_size=(7, 3, 3, 3, 3, 3, 3, 3, 3, 3),
                 pools=(1, 2, 1, 2, 1, 2, 1, 2, 1, 1), hidden: int = 768,
                 dropout: float = 0.2, dropout_before_dense: bool = True,
                 output_bn: bool = True, init: str = "keras", width: float = 1.0,
                 l2: float = 0.0, activity_l1: float = 0.0, max_norm: float | None = None):
        super().__init__(name, seq_len, n_targets, l2=l2, activity_l1=activity_l1,
                         max_norm=max_norm)
        if init not in ("torch", "keras"):
            raise ConfigError(f"init must be 'torch' or 'keras', got {init!r}")
        n = len(conv_channels)
        kernels = per_layer(kernel_size, n, "kernel_size")
        pools = per_layer(pools, n, "pools")
        layers: list[nn.Module] = []
        length, c_in = self.seq_len, 4
        for c, k, p in zip(conv_channels, kernels, pools):
            c = scale_width(c, width)
            length = pool_out_len(length - k + 1, p)
            if length < 1:
                raise ConfigError(f"model '{name}': seq_len={seq_len} is too short")
            layers += [nn.Conv1d(c_in, c, k), _bn(c), nn.ReLU()]
            if p > 1:
                layers.append(nn.MaxPool1d(p, p))
            c_in = c
        self.features = nn.Sequential(*layers)
        self.feature_len = length
        h = scale_width(hidden, width)
        self.dropout_before_dense = bool(dropout_before_dense)
        self.drop = nn.Dropout(dropout)
        self.dense = nn.Linear(length * c_in, h)
        self.dense_bn = _bn(h)
        self.dense_act = nn.ReLU()
        self.out = nn.Linear(h, self.n_targets)
        self.out_bn = _bn(self.n_targets) if output_bn else None
        if init == "keras":
            keras_init_(self)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x).transpose(1, 2).flatten(1)  # time-major, as Keras
        if self.dropout_before_dense:
            h = self.drop(h)
        h = self.dense_act(self.dense_bn(self.dense(h)))
        if not self.dropout_before_dense:
            h = self.drop(h)
        self._record_activity(h)
        out = self.out(h)
        return self.out_bn(out) if self.out_bn is not None else out
