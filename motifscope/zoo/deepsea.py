"""DeepSEA (Zhou & Troyanskaya 2015) and its replications.

Three convolutions with max-pools after the first two, a hidden dense layer and one
output per target. One class covers:

* ``deepsea``: the original Torch7 model (valid convolutions 320/480/960, k = 8,
  1000 → 993 → 248 → 241 → 60 → 53, flatten 53 × 960; 52,843,119 parameters);
* ``deepsea_deepatt``: DeepATT's TF2 replication (TF ``padding="same"`` convolutions and
  pools: 1000 → 250 → 63, flatten 63 × 960; 61,723,119 parameters) with MaxNorm 0.9,
  L2 5e-7 and activity L1 1e-8 on the hidden layer;
* ``deepsea_nm``: NeuronMotif's Keras retraining (the original layout, L2 1e-6, MaxNorm
  0.9, activity L1 1e-8 on the output);
* ``deepsea_demo``: a small variant for simulated 200-bp data;
* ``beluga``: Zhou et al. 2018's successor (Kipoi ``DeepSEA/beluga``): six convolutions
  320, 320, 480, 480, 640, 640 (k = 8, two per block, max-pool 4 after the first two
  blocks), dense 2003, 2002 outputs, 2,000-bp input (149,536,251 parameters).

The flatten before the hidden layer is time-major (index ``t · channels + c``), as in
Keras. Torch7's ``nn.Reshape`` (and so Kipoi's converted DeepSEA, Beluga and Basset, and
Selene) flattens channel-major (``c · length + t``): published Torch7 weights do *not*
port unchanged; :mod:`motifscope.runs.convert` reorders the first dense layer's columns.
"""

from __future__ import annotations

import torch
from torch import nn

from motifscope.core.errors import ConfigError
from motifscope.zoo.layers import (
    ZooModel,
    conv_relu,
    keras_init_,
    make_activation,
    per_layer,
    pool_out_len,
    scale_width,
    tf_same_conv_pad,
    tf_same_pool_pad,
)
from motifscope.zoo.registry import register

__all__ = ["DeepSEA"]


@register("deepsea")
@register("deepsea_deepatt")
@register("deepsea_nm")
@register("deepsea_demo")
@register("deepsea_default")
@register("beluga")
class DeepSEA(ZooModel):
    """DeepSEA-style CNN: conv blocks, a hidden dense layer, one logit per target.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Input length.
    n_targets : int
        Number of outputs.
    conv_channels : sequence of int
        Filters of each convolution (published: 320, 480, 960).
    kernel_size : int or sequence of int
        Width of each convolution (published: 8).
    pools : sequence of int
        Max-pool size (= stride) after each convolution; 1 = no pool, 0 = one pool over all
        the remaining positions (global max-pool, whatever ``seq_len``; published: 4, 4, 1).
    dropout : float or sequence of float
        Dropout after each convolution block (published: 0.2, 0.2, 0.5).
    hidden : int
        Units of the hidden dense layer (published: 925).
    padding : {"valid", "same"}
        ``"same"`` reproduces TensorFlow's SAME convolutions and pools (DeepATT).
    activity_on : {"hidden", "logits"}
        Which activations the activity-L1 penalty applies to.
    batchnorm : bool
        Insert a ``BatchNorm1d`` between each convolution and its ReLU (not in the
        published models; it lets the small demo models learn weak motifs within a few
        epochs).
    first_activation : {"relu", "exp"}
        Activation of the first convolution; ``"exp"`` is Koo & Ploenzke's (2021)
        exponential, which gives sharper first-layer motifs and cleaner attributions
        (not in the published models).
    activation : {"relu", "threshold"}
        Activation of every convolution (except the first when ``first_activation`` is
        not ``"relu"``) and of the hidden layer; ``"threshold"`` is Torch7's
        ``Threshold(0, 1e-6)`` of the published DeepSEA (imported Kipoi weights use it).
    init : {"torch", "keras"}
        PyTorch default initialisation, or Keras' (glorot-uniform, zero biases).
    width : float
        Multiplier on every layer's channels and units.
    l2, activity_l1, max_norm : float
        Penalties (see :class:`~motifscope.zoo.layers.ZooModel`).

    Notes
    -----
    Input ``(N, 4, seq_len)`` float32, bases A,C,G,T; output logits ``(N, n_targets)``.
    """

    def __init__(self, name: str = "deepsea", seq_len: int = 1000, n_targets: int = 919, *,
                 conv_channels=(320, 480, 960), kernel_size=8, pools=(4, 4, 1),
                 dropout=(0.2, 0.2, 0.5), hidden: int = 925, padding: str = "valid",
                 activity_on: str = "hidden", batchnorm: bool = False,
                 first_activation: str = "relu", activation: str = "relu",
                 init: str = "torch",
                 width: float = 1.0,
                 l2: float = 0.0, activity_l1: float = 0.0, max_norm: float | None = None):
        super().__init__(name, seq_len, n_targets, l2=l2, activity_l1=activity_l1,
                         max_norm=max_norm)
        if padding not in ("valid", "same"):
            raise ConfigError(f"padding must be 'valid' or 'same', got {padding!r}")
        if activity_on not in ("hidden", "logits"):
            raise ConfigError(f"activity_on must be 'hidden' or 'logits', got {activity_on!r}")
        if init not in ("torch", "keras"):
            raise ConfigError(f"init must be 'torch' or 'keras', got {init!r}")
        if activation not in ("relu", "threshold"):
            raise ConfigError(f"activation must be 'relu' or 'threshold', got {activation!r}")
        first = activation if first_activation == "relu" else first_activation
        n = len(conv_channels)
        kernels = per_layer(kernel_size, n, "kernel_size")
        pools = per_layer(pools, n, "pools")
        drops = per_layer(dropout, n, "dropout")
        self.activity_on = activity_on
        layers: list[nn.Module] = []
        length, c_in = self.seq_len, 4
        for i, (c, k, p, d) in enumerate(zip(conv_channels, kernels, pools, drops)):
            c = scale_width(c, width)
            if padding == "same":
                layers.append(tf_same_conv_pad(k))
            else:
                length = length - k + 1
            if length < 1:
                raise ConfigError(
                    f"model '{name}': seq_len={seq_len} is too short for conv {i + 1} (k={k})"
                )
            layers += conv_relu(c_in, c, k, batchnorm, first if i == 0 else activation)
            if p < 0:
                raise ConfigError(f"model '{name}': pools must be >= 0 (0: global), got {p}")
            if p == 0:  # global: a plain MaxPool1d over what is left, so every rule applies
                p = length
            if p > 1:
                if padding == "same":
                    # Zero padding equals TF's ignored (-inf) cells here: the pool's input
                    # is a ReLU output (>= 0), and zeros keep attribution finite.
                    pad = tf_same_pool_pad(length, p, value=0.0)
                    if pad is not None:
                        layers.append(pad)
                        length += sum(pad.padding)
                layers.append(nn.MaxPool1d(p, p))
                length = pool_out_len(length, p)
            if d > 0:
                layers.append(nn.Dropout(d))
            if length < 1:
                raise ConfigError(f"model '{name}': seq_len={seq_len} is too short")
            c_in = c
        self.features = nn.Sequential(*layers)
        self.feature_len = length
        h = scale_width(hidden, width)
        self.dense = nn.Linear(length * c_in, h)
        self.dense_act = make_activation(activation)
        self.out = nn.Linear(h, self.n_targets)
        if init == "keras":
            keras_init_(self)

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x)
        h = h.transpose(1, 2).flatten(1)  # time-major, as Keras/Torch7
        h = self.dense_act(self.dense(h))
        if self.activity_on == "hidden":
            self._record_activity(h)
        out = self.out(h)
        if self.activity_on == "logits":
            self._record_activity(out)
        return out
