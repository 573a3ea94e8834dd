"""Plumbing shared by every attribution method: devices, model state, batches.

Which output a method explains (``target``) is resolved by
:func:`motifscope.methods.outputs.resolve_target`, as in every other method.

Every public method of :mod:`motifscope.methods.attribution` takes ``(model, X, *, target, ...)``
and goes through the helpers here, so that the calling convention, the validation
messages and the restoration of the model's state are the same everywhere.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator
from typing import NamedTuple

import numpy as np
import torch
from torch import nn

from motifscope.core.devices import model_on
from motifscope.core.devices import resolve_device as resolve
from motifscope.core.errors import InputError
from motifscope.core.validation import as_tensor, check_one_hot

__all__ = [
    "AttributionResult",
    "as_sequences",
    "check_batch_size",
    "prepared_model",
    "progress_bar",
    "resolve_device",
]


class AttributionResult(NamedTuple):
    """Attributions together with their completeness check.

    Attributes
    ----------
    attributions : torch.Tensor of shape (N, 4, L)
        The attributions the method returns without ``return_delta``.
    deltas : torch.Tensor of shape (N,) or (N, R)
        ``f(x) − f(reference) − Σ contributions`` for every sequence (and reference):
        the summation-to-delta error. Zero for an exact method.
    references : torch.Tensor of shape (N, R, 4, L) or None
        The references (or baselines) used, where the method has any.
    """

    attributions: torch.Tensor
    deltas: torch.Tensor
    references: torch.Tensor | None = None


def resolve_device(device, model: nn.Module) -> torch.device:
    """The device to run on: :func:`motifscope.core.devices.resolve_device` (``None``: the
    model's device; ``"auto"``: CUDA when available)."""

    return resolve(device, model)


def _has_rnn(model: nn.Module) -> bool:
    return any(isinstance(m, nn.RNNBase) for m in model.modules())


@contextlib.contextmanager
def prepared_model(model: nn.Module, device: torch.device) -> Iterator[nn.Module]:
    """Put ``model`` in the state attribution needs, and restore it afterwards.

    Inside the block the model is in eval mode, on ``device``, with no parameter
    gradients and with every ``inplace`` activation switched to out-of-place (hooks need
    to see distinct inputs and outputs). On exit each module's training flag, every
    parameter's ``requires_grad``, the ``inplace`` flags, the device and the global
    grad mode are restored; cuDNN stays off inside the block for models with RNNs on
    CUDA (cuDNN refuses RNN backward passes in eval mode).

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    device : torch.device
        Where to run.

    Yields
    ------
    torch.nn.Module
        The same model object.
    """

    if not isinstance(model, nn.Module):
        raise InputError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    inplace = [m for m in model.modules() if getattr(m, "inplace", None) is True]
    grad_mode = torch.is_grad_enabled()
    cudnn = (torch.backends.cudnn.flags(enabled=False)
             if device.type == "cuda" and _has_rnn(model) else contextlib.nullcontext())
    try:
        with model_on(model, device):
            for m in inplace:
                m.inplace = False
            with cudnn:
                yield model
    finally:
        torch.set_grad_enabled(grad_mode)
        for m in inplace:
            m.inplace = True


def as_sequences(X, name: str = "X") -> torch.Tensor:
    """Validate one-hot-like input ``(N, 4, L)`` and return it as a float32 CPU tensor.

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        Sequences (bases A, C, G, T on axis 1).
    name : str
        The argument's name, for error messages.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), float32, on the CPU
    """
    Xt = as_tensor(X, name).detach()
    check_one_hot(Xt, name)
    if Xt.shape[0] == 0:
        raise InputError(f"{name} holds no sequences (shape {tuple(Xt.shape)})")
    return Xt.cpu()


def check_batch_size(batch_size, name: str = "batch_size") -> int:
    """Return ``batch_size`` as a positive int or raise :class:`InputError`."""
    try:
        b = int(batch_size)
    except (TypeError, ValueError):
        raise InputError(f"{name} must be a positive integer, got {batch_size!r}") from None
    if b < 1 or b != batch_size:
        raise InputError(f"{name} must be a positive integer, got {batch_size!r}")
    return b


def progress_bar(total: int, desc: str, enabled: bool):
    """A ``tqdm.auto`` bar (terminals and notebooks), or a no-op when disabled."""
    if not enabled:
        return contextlib.nullcontext(_NullBar())
    from tqdm.auto import tqdm

    return tqdm(total=total, desc=desc, unit="seq")


class _NullBar:
    def update(self, n=1):
        pass


def gauss_legendre(n: int, dtype=torch.float32, device=None) -> tuple[torch.Tensor, torch.Tensor]:
    """Gauss–Legendre nodes and weights on ``[0, 1]``.

    Parameters
    ----------
    n : int
        Number of nodes.

    Returns
    -------
    nodes, weights : torch.Tensor of shape (n,)
        ``∫₀¹ f ≈ Σ weights · f(nodes)``; the weights sum to 1.
    """
    x, w = np.polynomial.legendre.leggauss(int(n))
    return (torch.tensor((x + 1) / 2, dtype=dtype, device=device),
            torch.tensor(w / 2, dtype=dtype, device=device))
