"""DanQ's baseline: logistic regression on z-scored k-mer counts.

Every 1- to 5-mer is counted in the input (4 + 16 + 64 + 256 + 1024 = 1,364 features),
the counts are standardised with fixed ``mean`` / ``std`` buffers (set them from data with
:meth:`KmerLR.fit_standardizer`) and one linear layer maps them to the targets.

The counting is a frozen convolution: kernel ``j`` is the one-hot matrix of k-mer ``j``
(left-aligned in a width-``max_k`` kernel, zero elsewhere) with bias ``-(k - 0.5)``, so
its output is positive exactly where the window spells the k-mer; windows that contain
an ``N`` (all-zero column) or run past the end never count.
"""

from __future__ import annotations

import itertools

import torch
from torch import nn

from motifscope.core.errors import ConfigError, InputError
from motifscope.core.validation import as_tensor
from motifscope.zoo.layers import ZooModel
from motifscope.zoo.registry import register

__all__ = ["KmerLR", "kmer_names"]


def kmer_names(k_min: int = 1, k_max: int = 5) -> list[str]:
    """The k-mers in feature order: by length, then lexicographically in A,C,G,T.

    Parameters
    ----------
    k_min, k_max : int
        Shortest and longest k.

    Returns
    -------
    list of str
        ``4 + 16 + ... + 4**k_max`` names for ``k_min = 1``.
    """
    return ["".join(t) for k in range(k_min, k_max + 1) for t in itertools.product("ACGT", repeat=k)]


class _Threshold(nn.Module):
    """``(x > 0)`` as float: 1 where the k-mer matches (no gradient flows)."""

    deeplift_rule = "rescale"  # motifscope.methods.attribution: secant rule on the step

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return (x > 0).to(x.dtype)


@register("kmer_lr")
class KmerLR(ZooModel):
    """Logistic regression on standardised 1…``k_max``-mer counts.

    Parameters
    ----------
    name : str
        Zoo name.
    seq_len : int
        Input length.
    n_targets : int
        Number of outputs.
    k_min, k_max : int
        Range of k (1, 5).
    width : float
        Accepted for interface compatibility; must be 1 (the model has no width).
    l2, activity_l1, max_norm : float
        Penalties (``l2`` applies to the linear layer).

    Attributes
    ----------
    mean, std : torch.Tensor of shape (n_features,)
        Standardisation buffers (default 0 and 1).
    """

    def __init__(self, name: str = "kmer_lr", seq_len: int = 1000, n_targets: int = 919, *,
                 k_min: int = 1, k_max: int = 5, width: float = 1.0, l2: float = 0.0,
                 activity_l1: float = 0.0, max_norm: float | None = None):
        super().__init__(name, seq_len, n_targets, l2=l2, activity_l1=activity_l1,
                         max_norm=max_norm)
        if not 1 <= k_min <= k_max:
            raise ConfigError(f"need 1 <= k_min <= k_max, got k_min={k_min}, k_max={k_max}")
        if width != 1.0:
            raise ConfigError("model 'kmer_lr' has no width to scale (width must be 1)")
        self.k_min, self.k_max = int(k_min), int(k_max)
        self.kmers = kmer_names(self.k_min, self.k_max)
        n_feat = len(self.kmers)
        conv = nn.Conv1d(4, n_feat, self.k_max)
        weight = torch.zeros(n_feat, 4, self.k_max)
        bias = torch.zeros(n_feat)
        index = {b: i for i, b in enumerate("ACGT")}
        for j, kmer in enumerate(self.kmers):
            for pos, b in enumerate(kmer):
                weight[j, index[b], pos] = 1.0
            bias[j] = -(len(kmer) - 0.5)
        # Frozen: buffers, not parameters (the count conv is fixed, not learned).
        del conv._parameters["weight"], conv._parameters["bias"]
        conv.register_buffer("weight", weight)
        conv.register_buffer("bias", bias)
        self.features = nn.Sequential(nn.ConstantPad1d((0, self.k_max - 1), 0.0), conv)
        self.match = _Threshold()
        self.register_buffer("mean", torch.zeros(n_feat))
        self.register_buffer("std", torch.ones(n_feat))
        self.linear = nn.Linear(n_feat, self.n_targets)
        nn.init.zeros_(self.linear.weight)
        nn.init.zeros_(self.linear.bias)

    def _kernels(self):
        yield self.linear.weight

    def counts(self, x: torch.Tensor) -> torch.Tensor:
        """Raw k-mer counts.

        Parameters
        ----------
        x : torch.Tensor of shape (N, 4, seq_len)

        Returns
        -------
        torch.Tensor of shape (N, n_features)
            Occurrences of each k-mer (in :attr:`kmers` order) on the given strand.
        """
        self.check_input(x)
        return self.match(self.features(x)).sum(-1)

    @torch.no_grad()
    def fit_standardizer(self, X, batch_size: int = 512) -> KmerLR:
        """Set ``mean`` and ``std`` to the k-mer count statistics of ``X``.

        Parameters
        ----------
        X : torch.Tensor or numpy.ndarray of shape (N, 4, seq_len)
            Training sequences.
        batch_size : int
            Sequences per batch.

        Returns
        -------
        KmerLR
            ``self``. Features with zero variance get ``std = 1``.
        """
        X = as_tensor(X, "X")
        self.check_input(X)
        if X.shape[0] < 1:
            raise InputError("X has no sequences to fit the standardiser on")
        dev = self.mean.device
        c = torch.cat([self.counts(X[i:i + batch_size].to(dev)).double()
                       for i in range(0, X.shape[0], batch_size)])
        mean, std = c.mean(0), c.std(0, unbiased=False)
        std = torch.where(std > 0, std, torch.ones_like(std))
        self.mean.copy_(mean.to(self.mean.dtype))
        self.std.copy_(std.to(self.std.dtype))
        return self

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        """Logits.

        Parameters
        ----------
        x : torch.Tensor of shape (N, 4, seq_len)

        Returns
        -------
        torch.Tensor of shape (N, n_targets)
        """
        z = (self.counts(x) - self.mean) / self.std
        return self.linear(z)

