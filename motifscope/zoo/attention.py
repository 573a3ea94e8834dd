"""DeepATT's category attention and category dense layers: one learned query and one small
dense map per target."""

from __future__ import annotations

import math

import torch
from torch import nn

from motifscope.core.errors import ConfigError

__all__ = ["CategoryAttention", "CategoryDense"]


class CategoryAttention(nn.Module):
    """DeepATT's category multi-head attention: one learned query per target.

    The query input is the identity ``I_T``, so the queries are
    ``Q = I·W_q + b_q = W_q.weight.T + b_q`` (``(T, dims)``), the same for every sample.
    Keys and values are linear maps of the BiLSTM output; per head, softmax over
    positions of ``q·k / sqrt(depth)``; the heads are concatenated and mapped by a final
    ``Linear(dims, dims)``. No mask, residual or layer norm (as in DeepATT).

    Parameters
    ----------
    n_targets : int
        Number of targets ``T`` (queries).
    key_size : int
        Channels of the attended sequence.
    dims : int
        Model dimension (``heads × depth``).
    heads : int
        Number of heads.

    Attributes
    ----------
    store_weights : bool
        When true, each forward pass stores its attention weights in ``last_weights``.
    last_weights : torch.Tensor of shape (N, heads, T, positions) or None
        The softmax weights of the last forward pass made with ``store_weights`` set
        (detached).
    """

    def __init__(self, n_targets: int, key_size: int, dims: int = 400, heads: int = 4):
        super().__init__()
        if dims % heads:
            raise ConfigError(f"attention dims ({dims}) must be divisible by heads ({heads})")
        self.n_targets, self.dims, self.heads = int(n_targets), int(dims), int(heads)
        self.depth = self.dims // self.heads
        self.wq = nn.Linear(self.n_targets, self.dims)
        self.wk = nn.Linear(int(key_size), self.dims)
        self.wv = nn.Linear(int(key_size), self.dims)
        self.dense = nn.Linear(self.dims, self.dims)
        self.store_weights = False
        self.last_weights: torch.Tensor | None = None

    def queries(self) -> torch.Tensor:
        """The query vectors ``W_q.weight.T + b_q``.

        Returns
        -------
        torch.Tensor of shape (T, dims)
            Row ``i`` is the query of target ``i`` (heads are consecutive slices of
            ``depth`` columns).
        """
        return self.wq.weight.t() + self.wq.bias

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Attend from every target's query over the sequence positions.

        Parameters
        ----------
        x : torch.Tensor of shape (N, P, key_size)
            The attended sequence (BiLSTM output).

        Returns
        -------
        torch.Tensor of shape (N, T, dims)
            One context vector per target.
        """
        N, P, _ = x.shape
        h, d = self.heads, self.depth
        q = self.queries().reshape(self.n_targets, h, d).permute(1, 0, 2)  # (h, T, d)
        k = self.wk(x).reshape(N, P, h, d).permute(0, 2, 1, 3)  # (N, h, P, d)
        v = self.wv(x).reshape(N, P, h, d).permute(0, 2, 1, 3)
        logits = torch.einsum("htd,nhpd->nhtp", q, k) / math.sqrt(d)
        w = torch.softmax(logits, dim=-1)
        if self.store_weights:
            self.last_weights = w.detach()
        ctx = torch.einsum("nhtp,nhpd->nhtd", w, v)  # (N, h, T, d)
        ctx = ctx.permute(0, 2, 1, 3).reshape(N, self.n_targets, self.dims)
        return self.dense(ctx)


class CategoryDense(nn.Module):
    """A separate ``in_features → 1`` linear map for each of ``T`` targets.

    ``out[n, j] = Σ_c x[n, j, c] · weight[j, c] + bias[j]`` (DeepATT-Plus' last layer).
    Initialised as Keras' glorot-uniform on the 4-D kernel ``[1, T, C, 1]``: fan-in
    ``C·T``, fan-out ``T``, limit ``sqrt(6 / (C·T + T))`` (≈ 0.00804 for 919 × 100);
    zero bias.

    Parameters
    ----------
    n_targets : int
        ``T``.
    in_features : int
        ``C``.
    """

    def __init__(self, n_targets: int, in_features: int):
        super().__init__()
        self.weight = nn.Parameter(torch.empty(int(n_targets), int(in_features)))
        self.bias = nn.Parameter(torch.zeros(int(n_targets)))
        self.reset_parameters()

    @torch.no_grad()
    def reset_parameters(self) -> None:
        """Keras' glorot-uniform on the 4-D kernel (see the class docstring)."""
        T, C = self.weight.shape
        limit = math.sqrt(6.0 / (C * T + T))
        self.weight.uniform_(-limit, limit)
        self.bias.zero_()

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Apply each target's map.

        Parameters
        ----------
        x : torch.Tensor of shape (N, T, C)

        Returns
        -------
        torch.Tensor of shape (N, T)
        """
        return torch.einsum("ntc,tc->nt", x, self.weight) + self.bias
