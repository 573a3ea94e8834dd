"""The conv/pool trunk of a model, truncated at any conv layer, with valid padding.

A :class:`ConvStack` reads the ordered conv(+BN)/activation/max-pool modules of a model
(``model.conv_stack()`` for zoo models, the leaf modules of any other ``nn.Module``) and
evaluates, for an input of length ``RF(L)``, the **pre-activation** output of conv layer
``L`` (after its BatchNorm when one directly follows the convolution), exactly as the
original NeuronMotif sub-models do. Padding modules and conv ``padding`` are ignored
(valid padding); dropout is the identity (eval mode).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from motifscope.core.errors import InputError
from motifscope.core.sequence import from_indices
from motifscope.zoo.layers import Exp, batchnorm_affine

__all__ = ["ConvStack", "receptive_field"]

_ELEMENTWISE = (
    nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Sigmoid, nn.Tanh, nn.Softplus,
    nn.Identity, nn.Dropout, nn.BatchNorm1d, nn.PReLU, nn.ReLU6, nn.Hardtanh, nn.Threshold, Exp,
)
_PADS = (nn.ConstantPad1d, nn.ZeroPad1d, nn.ReflectionPad1d, nn.ReplicationPad1d)
_MONOTONE_FIRST = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.ReLU6, Exp)  # commute with max-pool


def receptive_field(kernels, pools) -> list[int]:
    """Receptive field of every conv layer (valid padding, pool stride = pool size).

    Parameters
    ----------
    kernels : sequence of int of length n
        Kernel size of each conv layer, input first.
    pools : sequence of int of length n
        Max-pool size right after each conv layer (1 when there is none).

    Returns
    -------
    list of int of length n
        ``RF[l]`` for conv layer ``l + 1``: ``RF_0 = k_0`` and
        ``RF_l = RF_{l-1} + (p_{l-1} - 1) S_{l-1} + (k_l - 1) S_{l-1} p_{l-1}`` with
        ``S_l = p_0 ... p_{l-1}`` (the recursion of NeuronMotif's ``getRF``).
    """
    kernels, pools = list(kernels), list(pools)
    if len(kernels) != len(pools):
        raise InputError(f"kernels ({len(kernels)}) and pools ({len(pools)}) differ in length")
    out, rf, stride = [], 0, 1
    for i, k in enumerate(kernels):
        if i == 0:
            rf = k
        else:
            p = pools[i - 1]
            rf = rf + (p - 1) * stride + (k - 1) * stride * p
            stride *= p
        out.append(int(rf))
    return out


@dataclass
class _Stage:
    conv: nn.Conv1d
    bn: nn.BatchNorm1d | None = None
    ops: list = field(default_factory=list)  # modules or ("pool", p), in order
    pool: int = 1


class ConvStack:
    """Truncatable conv trunk of a model.

    Parameters
    ----------
    model : torch.nn.Module
        A zoo model (its ``conv_stack()`` is used), an ``nn.Sequential`` or any module
        whose leaf modules, in registration order, start with Conv1d / BatchNorm1d /
        activation / MaxPool1d / padding / dropout layers. Parsing stops at the first other
        module (``Linear``, ``Flatten``, ``LSTM``, ...). The model is not modified; its
        parameters are read as they are at call time (put it in eval mode first).

    Attributes
    ----------
    kernels, pools, channels : list of int
        Kernel size, max-pool size after it (1 if none) and output channels per conv layer.
    rf : list of int
        Receptive field per conv layer (1-based layer ``L`` is ``rf[L - 1]``).
    """

    def __init__(self, model: nn.Module):
        if isinstance(model, ConvStack):
            self.stages = model.stages
        else:
            self.stages = self._parse(model)
        if not self.stages:
            raise InputError("model has no Conv1d layer to decouple")
        if self.stages[0].conv.in_channels != 4:
            raise InputError(
                f"the first Conv1d has {self.stages[0].conv.in_channels} input channels; "
                "expected 4 (one-hot A, C, G, T)"
            )
        self.kernels = [s.conv.kernel_size[0] for s in self.stages]
        self.pools = [s.pool for s in self.stages]
        self.channels = [s.conv.out_channels for s in self.stages]
        self.rf = receptive_field(self.kernels, self.pools)

    # ---- parsing -----------------------------------------------------------------------
    @staticmethod
    def _leaves(model: nn.Module) -> list[nn.Module]:
        if hasattr(model, "conv_stack") and callable(model.conv_stack):
            mods = list(model.conv_stack())
        else:
            mods = [model] if len(list(model.children())) == 0 else list(model.children())
        out = []
        for m in mods:
            kids = list(m.children())
            if kids and not isinstance(m, (nn.Conv1d, nn.BatchNorm1d, nn.MaxPool1d)):
                out += ConvStack._leaves(nn.Sequential(*kids))
            else:
                out.append(m)
        return out

    @staticmethod
    def _parse(model: nn.Module) -> list[_Stage]:
        stages: list[_Stage] = []
        for m in ConvStack._leaves(model):
            if isinstance(m, nn.Conv1d):
                if m.stride[0] != 1 or m.dilation[0] != 1 or m.groups != 1:
                    raise InputError(
                        f"Conv1d {m} has stride {m.stride[0]} / dilation {m.dilation[0]} / groups "
                        f"{m.groups}; NeuronMotif supports 1 / 1 / 1 only"
                    )
                stages.append(_Stage(conv=m))
            elif not stages:
                if isinstance(m, (*_PADS, nn.Dropout, nn.Identity)):
                    continue
                break
            elif isinstance(m, nn.MaxPool1d):
                k = m.kernel_size if isinstance(m.kernel_size, int) else m.kernel_size[0]
                s = m.stride if isinstance(m.stride, int) else (m.stride or (k,))[0]
                pad = m.padding if isinstance(m.padding, int) else m.padding[0]
                dil = m.dilation if isinstance(m.dilation, int) else m.dilation[0]
                if s != k or pad != 0 or dil != 1:
                    raise InputError(
                        f"MaxPool1d {m}: NeuronMotif needs stride == kernel_size, no padding "
                        "and no dilation"
                    )
                st = stages[-1]
                if st.pool != 1:
                    raise InputError("two max-pools follow the same convolution")
                st.pool = int(k)
                st.ops.append(("pool", int(k)))
            elif isinstance(m, _PADS):
                continue  # valid padding: the receptive-field input has no pads
            elif isinstance(m, nn.BatchNorm1d) and stages[-1].bn is None and not stages[-1].ops:
                stages[-1].bn = m
            elif isinstance(m, _ELEMENTWISE):
                stages[-1].ops.append(m)
            else:
                break
        # a ReLU right before a pool commutes with it: pool first (4x less work)
        for st in stages:
            ops = st.ops
            for i in range(len(ops) - 1):
                if isinstance(ops[i], _MONOTONE_FIRST) and isinstance(ops[i + 1], tuple):
                    ops[i], ops[i + 1] = ops[i + 1], ops[i]
        return stages

    # ---- geometry ----------------------------------------------------------------------
    @property
    def n_layers(self) -> int:
        """Number of conv layers."""
        return len(self.stages)

    def check_layer(self, layer: int) -> None:
        """Raise :class:`InputError` unless ``1 <= layer <= n_layers``."""
        if not isinstance(layer, (int, np.integer)) or not 1 <= layer <= self.n_layers:
            raise InputError(
                f"layer must be an integer in 1..{self.n_layers} (conv layers counted from 1), "
                f"got {layer!r}"
            )

    def stride(self, layer: int) -> int:
        """Input stride of conv ``layer``'s output: the product of the pools below it."""
        return int(np.prod(self.pools[: layer - 1])) if layer > 1 else 1

    def pool_below(self, layer: int) -> int:
        """Size of the max-pool between conv ``layer - 1`` and conv ``layer`` (1 if none)."""
        return self.pools[layer - 2] if layer > 1 else 1

    def map_length(self, level: int, length: int) -> int:
        """Output length of conv ``level`` for an input of ``length`` bases."""
        for i in range(level):
            length = length - self.kernels[i] + 1
            if i < level - 1:
                length //= self.pools[i]
        return length

    def macs_per_sequence(self, layer: int) -> int:
        """Multiply-accumulates of one neuron's sub-network on one ``RF``-long input."""
        length, total = self.rf[layer - 1], 0
        for i in range(layer):
            st = self.stages[i]
            length = length - self.kernels[i] + 1
            c_out = 1 if i == layer - 1 else st.conv.out_channels
            total += length * c_out * st.conv.in_channels * self.kernels[i]
            length //= self.pools[i]
        return int(total)

    # ---- evaluation --------------------------------------------------------------------
    @staticmethod
    def _conv(st: _Stage, x: torch.Tensor, channels=None) -> torch.Tensor:
        w, b = st.conv.weight, st.conv.bias
        if channels is not None:
            w = w[channels]
            b = None if b is None else b[channels]
        x = F.conv1d(x, w, b)
        if st.bn is not None:
            scale, shift = batchnorm_affine(st.bn, channels)
            x = x * scale[:, None] + shift[:, None]
        return x

    @staticmethod
    def _ops(st: _Stage, x: torch.Tensor) -> torch.Tensor:
        # eval-mode semantics whatever the module's training flag
        for op in st.ops:
            if isinstance(op, tuple):
                x = F.max_pool1d(x, op[1], op[1])
            elif isinstance(op, (nn.Dropout, nn.Identity)):
                continue
            elif isinstance(op, nn.BatchNorm1d):
                x = F.batch_norm(x, op.running_mean, op.running_var, op.weight, op.bias,
                                 False, 0.0, op.eps)
            else:
                x = op(x)
        return x

    def forward(self, x: torch.Tensor, layer: int, channels=None) -> torch.Tensor:
        """Pre-activation output of conv ``layer`` (1-based).

        Parameters
        ----------
        x : torch.Tensor of shape (N, 4, length)
            One-hot input (A, C, G, T).
        layer : int
            Conv layer counted from 1.
        channels : int, slice, sequence of int or None
            Output channels of conv ``layer`` to compute (all when None). A subset makes the
            last convolution proportionally cheaper.

        Returns
        -------
        torch.Tensor of shape (N, n_channels, T)
        """
        if isinstance(channels, (int, np.integer)):
            channels = [int(channels)]
        for st in self.stages[: layer - 1]:
            x = self._ops(st, self._conv(st, x))
        return self._conv(self.stages[layer - 1], x, channels)

    def neuron(self, x: torch.Tensor, layer: int, neuron: int) -> torch.Tensor:
        """Neuron value for inputs of length ``rf[layer - 1]``.

        Parameters
        ----------
        x : torch.Tensor of shape (N, 4, RF)
        layer, neuron : int

        Returns
        -------
        torch.Tensor of shape (N,)
        """
        return self.forward(x, layer, [neuron])[:, 0, 0]

    @torch.no_grad()
    def evaluate(self, seqs: np.ndarray, layer: int, neuron: int,
                 batch_size: int = 1024) -> np.ndarray:
        """Neuron value of uint8 base-index sequences.

        Parameters
        ----------
        seqs : numpy.ndarray of shape (N, RF), uint8
        layer, neuron : int
        batch_size : int

        Returns
        -------
        numpy.ndarray of shape (N,), float32
        """
        out = np.empty(len(seqs), dtype=np.float32)
        for i in range(0, len(seqs), batch_size):
            x = from_indices(seqs[i: i + batch_size])
            out[i: i + batch_size] = self.neuron(x, layer, neuron).numpy()
        return out
