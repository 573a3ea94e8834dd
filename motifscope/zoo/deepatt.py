"""DeepATT and DeepATT-Plus (Li et al. 2021, ``jiawei6636/Bioinfor-DeepATT``).

Convolution 1024 × 30, max-pool 15, BiLSTM 512, then a *category attention*: one learned
query per target attends over the 64 pooled positions (4 heads × 100 dimensions), and a
position-wise dense layer 400 → 100 (ReLU) shared across targets. The last layer is

* ``deepatt``: a shared dense 100 → 1 (7,808,057 parameters with Keras' LSTM);
* ``deepatt_plus``: a separate 100 → 1 map per target (7,900,775);
* ``deepatt_demo``: a small variant for simulated 200-bp data.

``model.query_vectors()`` gives the learned queries (``W_q + b_q``, ``(T, 400)``) that
DeepATT's target-similarity figure is built on; set ``model.attention.store_weights =
True`` to keep each forward pass' attention weights in ``model.attention.last_weights``.
"""

from __future__ import annotations

import torch
from torch import nn

from motifscope.core.errors import ConfigError
from motifscope.zoo.attention import CategoryAttention, CategoryDense
from motifscope.zoo.layers import (
    BiLSTM,
    ZooModel,
    conv_relu,
    keras_init_,
    pool_out_len,
    scale_width,
)
from motifscope.zoo.registry import register

__all__ = ["DeepATT"]


@register("deepatt")
@register("deepatt_plus")
@register("deepatt_demo")
class DeepATT(ZooModel):
    """DeepATT: CNN, BiLSTM, category attention and category dense layers.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Input length.
    n_targets : int
        Number of outputs (and of attention queries).
    conv_channels : int
        Filters of the convolution (1024).
    kernel_size : int
        Kernel width (30).
    pool : int
        Max-pool size = stride (15).
    lstm_units : int
        Units per direction (512).
    attention_dims : int
        Attention model dimension (400).
    heads : int
        Attention heads (4; depth = dims / heads = 100).
    category_hidden : int
        Units of the shared position-wise dense layer (100).
    per_target_output : bool
        ``False``: shared ``Linear(category_hidden, 1)`` (DeepATT); ``True``: one map per
        target (:class:`~motifscope.zoo.attention.CategoryDense`, DeepATT-Plus).
    dropout : sequence of two floats or float
        Dropout after the pool and after the attention (0.2, 0.2).
    batchnorm : bool
        Insert a ``BatchNorm1d`` between the convolution and its ReLU (not in the
        published model; it lets the small demo models learn weak motifs within a few
        epochs).
    first_activation : {"relu", "exp"}
        Activation of the convolution; ``"exp"`` is Koo & Ploenzke's (2021) exponential
        (not in the published models; deepatt_demo uses it, see its card).
    lstm_bias : {"keras", "torch"}
        Single Keras bias per gate set (default) or PyTorch's two.
    init : {"keras", "torch"}
        Keras initialisation or PyTorch's default.
    width : float
        Multiplier on every layer's channels and units (attention dims stay a multiple
        of ``heads``).
    l2, activity_l1, max_norm : float
        Penalties (none are used by DeepATT).
    """

    def __init__(self, name: str = "deepatt", seq_len: int = 1000, n_targets: int = 919, *,
                 conv_channels: int = 1024, kernel_size: int = 30, pool: int = 15,
                 lstm_units: int = 512, attention_dims: int = 400, heads: int = 4,
                 category_hidden: int = 100, per_target_output: bool = False,
                 dropout=(0.2, 0.2), batchnorm: bool = False,
                 first_activation: str = "relu", lstm_bias: str = "keras", init: str = "keras",
                 width: float = 1.0, l2: float = 0.0, activity_l1: float = 0.0,
                 max_norm: float | None = None):
        super().__init__(name, seq_len, n_targets, l2=l2, activity_l1=activity_l1,
                         max_norm=max_norm)
        if init not in ("torch", "keras"):
            raise ConfigError(f"init must be 'torch' or 'keras', got {init!r}")
        d1, d2 = (dropout, dropout) if isinstance(dropout, (int, float)) else dropout
        c = scale_width(conv_channels, width)
        h_lstm = scale_width(lstm_units, width)
        dims = scale_width(attention_dims, width, multiple=heads)
        ch = scale_width(category_hidden, width)
        length = pool_out_len(self.seq_len - kernel_size + 1, pool)
        if self.seq_len - kernel_size + 1 < 1 or length < 1:
            raise ConfigError(f"model '{name}': seq_len={seq_len} is too short")
        self.features = nn.Sequential(
            *conv_relu(4, c, kernel_size, batchnorm, first_activation), nn.MaxPool1d(pool, pool), nn.Dropout(d1))
        self.feature_len = length
        self.bilstm = BiLSTM(c, h_lstm, lstm_bias=lstm_bias)
        self.attention = CategoryAttention(self.n_targets, 2 * h_lstm, dims, heads)
        self.attention_dropout = nn.Dropout(d2)
        self.category_dense = nn.Linear(dims, ch)
        self.category_act = nn.ReLU()
        self.per_target_output = bool(per_target_output)
        if self.per_target_output:
            self.out = CategoryDense(self.n_targets, ch)
        else:
            self.out = nn.Linear(ch, 1)
        if init == "keras":
            keras_init_(self)  # CategoryDense keeps its own (Keras 4-D glorot) init

    def query_vectors(self) -> torch.Tensor:
        """The learned target queries ``W_q.weight.T + b_q`` (input-independent).

        Returns
        -------
        torch.Tensor of shape (n_targets, attention_dims)
            Row ``i`` is target ``i``'s query (detached copy).
        """
        return self.attention.queries().detach().clone()

    def _logits(self, x: torch.Tensor) -> torch.Tensor:
        h = self.features(x).transpose(1, 2)  # (N, P, C)
        h = self.bilstm(h)  # (N, P, 2H)
        h = self.attention_dropout(self.attention(h))  # (N, T, dims)
        h = self.category_act(self.category_dense(h))  # (N, T, hidden)
        self._record_activity(h)
        out = self.out(h)
        return out if self.per_target_output else out.squeeze(-1)
