"""Gradient attributions: saliency, gradient × input and integrated gradients.

All three are our own few-line torch implementations (no captum): one forward and one
backward pass per batch, no parameter gradients, and the model's state restored
afterwards. captum's ``Saliency``/``InputXGradient``/``IntegratedGradients`` give the same
numbers (the tests compare), but cost a wrapper per call and cannot batch the
integration path across sequences the way :func:`integrated_gradients` does.
"""

from __future__ import annotations

import torch

from motifscope.core.errors import InputError
from motifscope.core.validation import as_tensor
from motifscope.methods.attribution.base import (
    AttributionResult,
    as_sequences,
    check_batch_size,
    gauss_legendre,
    prepared_model,
    progress_bar,
    resolve_device,
)
from motifscope.methods.outputs import resolve_target

__all__ = [
    "correct_gradients",
    "gradient_x_input",
    "input_gradients",
    "integrated_gradients",
    "saliency",
]


def correct_gradients(g) -> torch.Tensor:
    """Majdandzic et al. (2023)'s gradient correction: remove the per-position mean over
    the four bases.

    One-hot inputs live on the simplex ``Σ_c x_c = 1``; the component of a gradient along
    ``(1, 1, 1, 1)`` points off it and says nothing about any real sequence, yet it adds
    the same value to all four bases and so to gradient × input. Subtracting the mean over
    the bases keeps only the component within the simplex.

    Parameters
    ----------
    g : torch.Tensor of shape (..., 4, L)
        Gradients (or DeepLIFT multipliers).

    Returns
    -------
    torch.Tensor of shape (..., 4, L)
        ``g − mean_c g``.
    """
    return g - g.mean(-2, keepdim=True)


def input_gradients(model, X, *, target, batch_size: int = 64, device=None,
                    gradient_correction: bool = False, progress: bool = False) -> torch.Tensor:
    """Gradient of the target logit(s) with respect to the one-hot input.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        Sequences, bases A, C, G, T on axis 1.
    target : int, list of int or callable
        Output index, indices whose logits are summed, or ``f(logits (N, T)) -> (N,)``.
    batch_size : int
        Sequences per forward/backward pass.
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    gradient_correction : bool
        Subtract the per-position mean over the four bases (:func:`correct_gradients`).
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), float32, on the CPU
        ``∂ target / ∂ X`` at every base of every position.
    """
    Xt = as_sequences(X)
    bs = check_batch_size(batch_size)
    dev = resolve_device(device, model)
    out = []
    with prepared_model(model, dev), progress_bar(len(Xt), "gradients", progress) as bar:
        fn = None
        for i in range(0, len(Xt), bs):
            x = Xt[i:i + bs].to(dev).requires_grad_(True)
            with torch.enable_grad():
                y = model(x)
                fn = fn or resolve_target(target, _n_outputs(y))
                g = _grad(fn(y), x)
            out.append(g.detach().float().cpu())
            bar.update(len(x))
    g = torch.cat(out)
    return correct_gradients(g) if gradient_correction else g


def _grad(y, x):
    """``∂Σy/∂x``; zeros when ``y`` does not depend differentiably on ``x``."""
    if not y.requires_grad:
        return torch.zeros_like(x)
    return torch.autograd.grad(y.sum(), x)[0]


def _n_outputs(y) -> int:
    return 1 if y.ndim == 1 else int(y[0].numel())


def saliency(model, X, *, target, abs_times_input: bool = False, variant: str = "plain",
             batch_size: int = 64, device=None, random_state=None,
             gradient_correction: bool = False, progress: bool = False) -> torch.Tensor:
    """Saliency map: the gradient of the target logit with respect to the input.

    Backend: ours (one backward pass per batch). Two variants:

    * ``"plain"`` (default): the raw gradient ``∂f/∂x`` at all four bases (Simonyan et al.
      2014); values at unobserved bases say what a substitution would do to first order.
    * ``"demo"`` (or ``abs_times_input=True``): ``|∂f/∂x| ⊙ x``, DeMo Dashboard's saliency
      (Lanchantin et al. 2017): only the observed base is non-zero. DeMo differentiated
      the log-softmax NLL of the true class; motifscope differentiates the target logit
      (the models here are multi-label sigmoid models).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, bases A, C, G, T on axis 1.
    target : int, list of int or callable
        Output index, indices whose logits are summed, or ``f(logits (N, T)) -> (N,)``.
    abs_times_input : bool
        Same as ``variant="demo"``.
    variant : {"plain", "demo"}
        See above.
    batch_size : int
        Sequences per pass.
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    random_state : None
        Unused (deterministic); accepted for the common signature.
    gradient_correction : bool
        Subtract the per-position mean gradient over the four bases first (Majdandzic et
        al. 2023; :func:`correct_gradients`).
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), float32
    """
    if variant not in ("plain", "demo"):
        raise InputError(f"variant must be 'plain' or 'demo', got {variant!r}")
    g = input_gradients(model, X, target=target, batch_size=batch_size, device=device,
                        gradient_correction=gradient_correction, progress=progress)
    if abs_times_input or variant == "demo":
        return g.abs() * as_sequences(X)
    return g


def gradient_x_input(model, X, *, target, batch_size: int = 64, device=None,
                     random_state=None, gradient_correction: bool = False,
                     progress: bool = False) -> torch.Tensor:
    """Gradient × input: ``∂f/∂x ⊙ x`` (non-zero only at the observed base).

    Backend: ours (identical to captum's ``InputXGradient``; one backward pass per batch).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, bases A, C, G, T on axis 1.
    target : int, list of int or callable
        Output index, indices whose logits are summed, or ``f(logits (N, T)) -> (N,)``.
    batch_size : int
        Sequences per pass.
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    random_state : None
        Unused (deterministic); accepted for the common signature.
    gradient_correction : bool
        Subtract the per-position mean gradient over the four bases first (Majdandzic et
        al. 2023; :func:`correct_gradients`).
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), float32
    """
    g = input_gradients(model, X, target=target, batch_size=batch_size, device=device,
                        gradient_correction=gradient_correction, progress=progress)
    return g * as_sequences(X)


def _baselines(baseline, Xt: torch.Tensor) -> torch.Tensor:
    if baseline is None:
        return torch.full_like(Xt, 0.25)
    if isinstance(baseline, (int, float)):
        return torch.full_like(Xt, float(baseline))

    b = as_tensor(baseline, "baseline").detach().cpu()
    if b.shape == Xt.shape[1:]:
        return b.unsqueeze(0).expand_as(Xt)
    if b.shape == Xt.shape:
        return b
    raise InputError(
        f"baseline has shape {tuple(b.shape)}; expected a number, (4, L) = "
        f"{tuple(Xt.shape[1:])} or (N, 4, L) = {tuple(Xt.shape)}"
    )


def integrated_gradients(model, X, *, target, baseline=None, n_steps: int = 50,
                         batch_size: int = 64, device=None, random_state=None,
                         return_delta: bool = False, gradient_correction: bool = False,
                         progress: bool = False):
    """Integrated gradients (Sundararajan et al. 2017) from a baseline to each sequence.

    Backend: ours. ``(x − b) ⊙ ∫₀¹ ∇f(b + α(x − b)) dα``, the integral taken by
    Gauss–Legendre quadrature with ``n_steps`` nodes (captum's default method); path points
    of several sequences share a batch. Agrees with captum's ``IntegratedGradients`` with
    ``method="gausslegendre"`` (tested).

    The attributions are per channel (they are *not* projected on the observed base): at
    a position, the observed base gets ``(1 − b)·ḡ`` and the others ``−b·ḡ``; everything
    sums to ``f(x) − f(b)`` up to the quadrature error (``return_delta``).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, bases A, C, G, T on axis 1.
    target : int, list of int or callable
        Output index, indices whose logits are summed, or ``f(logits (N, T)) -> (N,)``.
    baseline : float, torch.Tensor of shape (4, L) or (N, 4, L), or None
        The baseline; default ``0.25`` at every base (the uniform background).
    n_steps : int
        Quadrature nodes along the path.
    batch_size : int
        Path points (sequence × node) per forward/backward pass.
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    random_state : None
        Unused (deterministic); accepted for the common signature.
    return_delta : bool
        Also return ``f(x) − f(b) − Σ attributions`` per sequence.
    gradient_correction : bool
        Subtract the per-position mean over the bases from the path-averaged gradient
        before multiplying by ``x − b`` (Majdandzic et al. 2023). When the baseline lies
        on the simplex (bases summing to 1, as the default 0.25 does) ``Σ_c (x − b)_c = 0``,
        so each position's total and the completeness are unchanged; only the split over
        the four bases changes.
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), or AttributionResult
        With ``return_delta``, ``(attributions, deltas (N,), baselines (N, 1, 4, L))``.
    """
    Xt = as_sequences(X)
    bs = check_batch_size(batch_size)
    steps = check_batch_size(n_steps, "n_steps")
    B = _baselines(baseline, Xt)
    dev = resolve_device(device, model)
    nodes, weights = gauss_legendre(steps)
    N = len(Xt)
    total = torch.zeros_like(Xt)
    # (sequence, node) pairs, flattened sequence-major, in chunks of batch_size rows
    pairs = torch.stack(torch.meshgrid(torch.arange(N), torch.arange(steps), indexing="ij"),
                        -1).reshape(-1, 2)
    fn = None
    with prepared_model(model, dev), progress_bar(N, "integrated gradients", progress) as bar:
        done = 0
        for i in range(0, len(pairs), bs):
            si, ki = pairs[i:i + bs, 0], pairs[i:i + bs, 1]
            a = nodes[ki].view(-1, 1, 1)
            x = (B[si] + a * (Xt[si] - B[si])).to(dev).requires_grad_(True)
            with torch.enable_grad():
                y = model(x)
                fn = fn or resolve_target(target, _n_outputs(y))
                g = _grad(fn(y), x)
            total.index_add_(0, si, g.detach().float().cpu() * weights[ki].view(-1, 1, 1))
            new_done = int(si[-1]) + (1 if int(ki[-1]) == steps - 1 else 0)
            bar.update(new_done - done)
            done = new_done
        if gradient_correction:
            total = correct_gradients(total)
        attr = (Xt - B) * total
        if not return_delta:
            return attr
        with torch.no_grad():
            fx, fb = [], []
            for i in range(0, N, bs):
                fx.append(fn(model(Xt[i:i + bs].to(dev))).float().cpu())
                fb.append(fn(model(B[i:i + bs].to(dev))).float().cpu())
        deltas = torch.cat(fx) - torch.cat(fb) - attr.sum((1, 2))
    return AttributionResult(attr, deltas, B.unsqueeze(1))
