"""The one device resolver and the one model-state context.

Every function that runs a model takes ``device`` with one meaning:

- ``None``: wherever the model's parameters already are (the CPU for a model without any);
- ``"auto"``: CUDA when available, else the CPU;
- anything :class:`torch.device` accepts (``"cpu"``, ``"cuda"``, ``"cuda:1"``).

and runs it inside :func:`model_on`, which puts the model in eval mode on that device and
restores, on exit, its device, every module's training flag and every parameter's
``requires_grad``, whatever happens in between. A model handed to motifscope comes back as
it was given.
"""

from __future__ import annotations

import contextlib

from motifscope.core.errors import InputError

__all__ = ["model_device", "model_on", "resolve_device"]


def model_device(model):
    """The device of ``model``'s first parameter (the CPU for a model without any).

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    torch.device
    """
    import torch

    p = next(iter(model.parameters()), None) if model is not None else None
    return p.device if p is not None else torch.device("cpu")


def resolve_device(device=None, model=None):
    """Turn ``None | "auto" | "cpu" | "cuda" | "cuda:1" | torch.device`` into a device.

    Parameters
    ----------
    device : str, torch.device or None
        See the module notes; ``None`` means ``model``'s device.
    model : torch.nn.Module or None
        The model ``None`` refers to.

    Returns
    -------
    torch.device

    Raises
    ------
    InputError
        For a string torch does not understand, or CUDA asked for where there is none.
    """
    import torch

    if device is None:
        return model_device(model)
    if isinstance(device, str) and device == "auto":
        return torch.device("cuda" if torch.cuda.is_available() else "cpu")
    try:
        dev = torch.device(device)
    except (RuntimeError, TypeError) as e:
        raise InputError(f"device {device!r} is not a valid torch device: {e}") from None
    if dev.type == "cuda" and not torch.cuda.is_available():
        raise InputError(f"device {device!r} was asked for but CUDA is not available here")
    return dev


@contextlib.contextmanager
def model_on(model, device=None, *, freeze: bool = True):
    """Run ``model`` in eval mode on ``device``; restore its state afterwards.

    Parameters
    ----------
    model : torch.nn.Module
    device : str, torch.device or None
        Resolved by :func:`resolve_device` (``None``: where the model is).
    freeze : bool
        Turn off ``requires_grad`` of every parameter inside the block (gradients with
        respect to the input only).

    Yields
    ------
    torch.device
        The device the model is on inside the block.
    """
    from torch import nn

    if not isinstance(model, nn.Module):
        raise InputError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    dev = resolve_device(device, model)
    modes = [(m, m.training) for m in model.modules()]
    params = list(model.parameters())
    req = [p.requires_grad for p in params]
    old = model_device(model)
    try:
        model.eval()
        if freeze:
            for p in params:
                p.requires_grad_(False)
        if params and old != dev:
            model.to(dev)
        yield dev
    finally:
        if params and old != dev:
            model.to(old)
        for p, r in zip(params, req):
            p.requires_grad_(r)
        for m, t in modes:
            m.training = t
