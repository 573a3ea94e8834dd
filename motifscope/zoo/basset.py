"""Basset (Kelley et al. 2016) as NeuronMotif retrained it in Keras.

600-bp input, three convolutions with batch norm (300 × 19, 200 × 11, 200 × 7), max-pools
3, 4, 4, two dense layers of 1,000 units with dropout 0.3, and 164 outputs (DNase
accessibility in 164 cell types). Layer order per block: conv → BN → ReLU → pool, as in
``wzthu/NeuronMotif`` ``demos/Basset/Basset/modeldef.py``. The published Torch7 model
(Kipoi ``Basset``) also has a batch norm after each dense layer and Torch7's BN eps
1e-5 (``head_batchnorm=True, bn_eps=1e-5``, set by :mod:`motifscope.runs.convert`).
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

__all__ = ["Basset"]


@register("basset")
class Basset(ZooModel):
    """Basset: conv/BN/ReLU/pool blocks, dense layers, one logit per cell type.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Input length (600).
    n_targets : int
        Number of outputs (164).
    conv_channels : sequence of int
        Filters per convolution (300, 200, 200).
    kernel_size : sequence of int
        Widths (19, 11, 7).
    pools : sequence of int
        Max-pool size = stride after each block (3, 4, 4).
    hidden : sequence of int
        Units of the dense layers (1000, 1000).
    dropout : float
        Dropout after each dense layer's ReLU (0.3).
    bn_eps : float
        ``eps`` of every batch norm: Keras' 1e-3 (NeuronMotif's retraining, the default)
        or Torch7's 1e-5 (the published Basset, as converted by Kipoi).
    head_batchnorm : bool
        A ``BatchNorm1d`` between each dense layer and its ReLU, as in the published
        Torch7 Basset (NeuronMotif's Keras retraining has none).
    init : {"keras", "torch"}
        Keras initialisation or PyTorch's default.
    width : float
        Multiplier on every layer's channels and units.
    l2, activity_l1, max_norm : float
        Penalties (none used).
    """

    def __init__(self, name: str = "basset", seq_len: int = 600, n_targets: int = 164, *,
                 conv_channels=(300, 200, 200), kernel_size=(19, 11, 7), pools=(3, 4, 4),
                 hidden=(1000, 1000), dropout: float = 0.3, bn_eps: float = KERAS_BN_EPS,
                 head_batchnorm: bool = False, init: str = "keras",
                 width: float = 1.0, l2: float = 0.0, activity_l1: float = 0.0,
                 max_norm: float | None = None):
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
            layers += [nn.Conv1d(c_in, c, k),
                       nn.BatchNorm1d(c, eps=float(bn_eps), momentum=KERAS_BN_MOMENTUM),
                       nn.ReLU()]
            if p > 1:
                layers.append(nn.MaxPool1d(p, p))
            c_in = c
        self.features = nn.Sequential(*layers)
        self.feature_len = length
        head: list[nn.Module] = []
        f_in = length * c_in
        for u in [hidden] if isinstance(hidden, int) else list(hidden):
            u = scale_width(u, width)
            head.append(nn.Linear(f_in, u))
            if head_batchnorm:
                head.append(nn.BatchNorm1d(u, eps=float(bn_eps), momentum=KERAS_BN_MOMENTUM))
            head += [nn.ReLU(), nn.Dropout(dropout)]
            f_in = u
        self.head = nn.Sequential(*head)
        self.out = nn.Linear(f_in, self.n_targets)
        if init == "keras":
            keras_init_(self)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x).transpose(1, 2).flatten(1)  # time-major, as Keras
        h = self.head(h)
        self._record_activity(h)
        return self.out(h)
