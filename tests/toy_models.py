"""Tiny models for tests, whose behaviour can be worked out by hand or by symmetry.

Importable by any test module (``from toy_models import ...``; ``tests/`` is on the path
when pytest runs with rootdir at the repository root) and by benchmarks.
"""

from __future__ import annotations

import torch
from torch import nn

__all__ = [
    "FunctionalReLU",
    "HandConvPool",
    "LSTMOut",
    "LinearModel",
    "SmallDanQ",
    "SmallDeepSEA",
    "StrandSymmetric",
    "Transpose",
    "random_one_hot",
]


def random_one_hot(n: int, length: int, seed: int = 0) -> torch.Tensor:
    """Random one-hot sequences, float32 of shape (n, 4, length)."""
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    return nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()


class Transpose(nn.Module):
    """(N, C, L) <-> (N, L, C)."""

    def forward(self, x):
        return x.transpose(1, 2)


class LSTMOut(nn.Module):
    """A bidirectional ``nn.LSTM`` returning only its output sequence (N, L, 2H)."""

    def __init__(self, c: int, h: int):
        super().__init__()
        self.lstm = nn.LSTM(c, h, batch_first=True, bidirectional=True)

    def forward(self, x):
        return self.lstm(x)[0]


class HandConvPool(nn.Sequential):
    """Conv1d(4→1, k=2, hand weights) → ReLU → MaxPool1d(2) → Flatten → Linear(hand).

    For a length-5 input the conv gives 4 values, the pool 2, the linear ``2·p0 − p1``.
    Conv weight: A at offset 0 scores +1, C at offset 1 scores +2, G anywhere −1;
    bias −0.5.
    """

    def __init__(self):
        conv = nn.Conv1d(4, 1, 2)
        lin = nn.Linear(2, 1)
        with torch.no_grad():
            conv.weight.copy_(torch.tensor([[[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0], [0.0, 0.0]]]))
            conv.bias.fill_(-0.5)
            lin.weight.copy_(torch.tensor([[2.0, -1.0]]))
            lin.bias.fill_(0.25)
        super().__init__(conv, nn.ReLU(), nn.MaxPool1d(2), nn.Flatten(), lin)


class SmallDeepSEA(nn.Sequential):
    """DeepSEA's block structure at toy size: (conv-ReLU-pool) ×2, conv-ReLU, dense-ReLU, dense."""

    def __init__(self, length: int = 100, n_targets: int = 3, c: int = 8, k: int = 5,
                 seed: int = 0, inplace: bool = False):
        torch.manual_seed(seed)
        l1 = (length - k + 1) // 4
        l2 = (l1 - k + 1) // 4
        l3 = l2 - k + 1
        super().__init__(
            nn.Conv1d(4, c, k), nn.ReLU(inplace=inplace), nn.MaxPool1d(4, 4),
            nn.Conv1d(c, c, k), nn.ReLU(), nn.MaxPool1d(4, 4),
            nn.Conv1d(c, c, k), nn.ReLU(),
            nn.Flatten(), nn.Linear(c * l3, 16), nn.ReLU(), nn.Linear(16, n_targets),
        )


class SmallDanQ(nn.Sequential):
    """DanQ at toy size: conv-ReLU-pool, BiLSTM (an ``nn.LSTM`` inside a wrapper), dense."""

    def __init__(self, length: int = 60, n_targets: int = 3, c: int = 6, h: int = 5,
                 seed: int = 0):
        torch.manual_seed(seed)
        p = (length - 5) // 4
        super().__init__(
            nn.Conv1d(4, c, 6), nn.ReLU(), nn.MaxPool1d(4, 4), Transpose(), LSTMOut(c, h),
            nn.Flatten(), nn.Linear(p * 2 * h, 12), nn.ReLU(), nn.Linear(12, n_targets),
        )


class StrandSymmetric(nn.Module):
    """Strand-symmetric model: f(reverse_complement(x)) == f(x) exactly.

    Kernels come in reverse-complement pairs (channel ``j + c`` is channel ``j`` flipped on
    both axes) with equal biases, then ReLU, a global max-pool and a linear layer with equal
    weights for both members of a pair.
    """

    def __init__(self, c: int = 4, k: int = 5, n_targets: int = 2, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        w = torch.randn(c, 4, k)
        b = torch.randn(c) * 0.1
        self.conv = nn.Conv1d(4, 2 * c, k)
        lw = torch.randn(n_targets, c)
        self.linear = nn.Linear(2 * c, n_targets)
        with torch.no_grad():
            self.conv.weight.copy_(torch.cat([w, w.flip(1, 2)]))
            self.conv.bias.copy_(torch.cat([b, b]))
            self.linear.weight.copy_(torch.cat([lw, lw], 1))
        self.relu = nn.ReLU()
        self.pool = nn.AdaptiveMaxPool1d(1)

    def forward(self, x):
        return self.linear(self.pool(self.relu(self.conv(x))).squeeze(-1))


class LinearModel(nn.Module):
    """``f(x) = Σ W ⊙ x + b`` for a fixed ``W`` of shape (T, 4, L): gradients are ``W``."""

    def __init__(self, length: int = 10, n_targets: int = 2, seed: int = 0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.W = nn.Parameter(torch.randn(n_targets, 4, length, generator=g))
        self.b = nn.Parameter(torch.randn(n_targets, generator=g))

    def forward(self, x):
        return torch.einsum("ncl,tcl->nt", x, self.W) + self.b


class FunctionalReLU(nn.Module):
    """Conv → functional ``torch.relu`` → dense: DeepLIFT cannot see the ReLU."""

    def __init__(self, length: int = 20, seed: int = 0):
        super().__init__()
        torch.manual_seed(seed)
        self.conv = nn.Conv1d(4, 4, 3)
        self.lin = nn.Linear(4 * (length - 2), 1)

    def forward(self, x):
        return self.lin(torch.relu(self.conv(x)).flatten(1))
