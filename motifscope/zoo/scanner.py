"""DeepREG's single-convolution "motif scanner": one convolution, a global max-pool, one linear layer.

DeepREG compares such shallow models, whose every kernel is directly a motif detector
(its maximum over the sequence is the only thing the output sees), with deeper ones.
``motif_scanner``: ``Conv1d(4 → K, 19)`` (valid) → ReLU → global max over positions →
``Linear(K → T)``; with the card's 320 kernels and 919 targets that is
``(19·4·320 + 320) + (320·919 + 919) = 319,639`` parameters.

The global max-pool sits outside ``features`` (``conv_stack()`` ends at the ReLU), so the
kernels, attribution, influence and NeuronMotif code see an ordinary first convolution.
"""

from __future__ import annotations

import torch
from torch import nn

from motifscope.core.errors import ConfigError
from motifscope.zoo.layers import ZooModel, conv_relu, keras_init_, make_activation, scale_width
from motifscope.zoo.registry import register

__all__ = ["MotifScanner"]


@register("motif_scanner")
class MotifScanner(ZooModel):
    """One convolution, ReLU, global max-pool, one linear layer (DeepREG's motif scanner).

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Input length.
    n_targets : int
        Number of outputs.
    conv_channels : int
        Kernels of the convolution (card: 320).
    kernel_size : int
        Kernel width (card: 19).
    activation : {"relu", "exp"}
        Activation of the convolution.
    batchnorm : bool
        Insert a ``BatchNorm1d`` between the convolution and its activation.
    init : {"torch", "keras"}
        PyTorch default initialisation, or Keras' (glorot-uniform, zero biases).
    width : float
        Multiplier on the number of kernels.
    l2, activity_l1, max_norm : float
        Penalties (see :class:`~motifscope.zoo.layers.ZooModel`).

    Notes
    -----
    Input ``(N, 4, seq_len)`` float32, bases A,C,G,T; output logits ``(N, n_targets)``.
    """

    def __init__(self, name: str = "motif_scanner", seq_len: int = 1000, n_targets: int = 919,
                 *, conv_channels: int = 320, kernel_size: int = 19, activation: str = "relu",
                 batchnorm: bool = False, init: str = "torch", width: float = 1.0,
                 l2: float = 0.0, activity_l1: float = 0.0, max_norm: float | None = None):
        super().__init__(name, seq_len, n_targets, l2=l2, activity_l1=activity_l1,
                         max_norm=max_norm)
        if init not in ("torch", "keras"):
            raise ConfigError(f"init must be 'torch' or 'keras', got {init!r}")
        if self.seq_len < kernel_size:
            raise ConfigError(f"model '{name}': seq_len={seq_len} is shorter than the "
                              f"kernel ({kernel_size})")
        make_activation(activation)  # checks the name
        c = scale_width(conv_channels, width)
        self.features = nn.Sequential(*conv_relu(4, c, int(kernel_size), batchnorm, activation))
        self.feature_len = self.seq_len - int(kernel_size) + 1
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.out = nn.Linear(c, self.n_targets)
        if init == "keras":
            keras_init_(self)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        h = self.pool(self.features(x)).squeeze(-1)  # (N, K)
        self._record_activity(h)
        return self.out(h)
