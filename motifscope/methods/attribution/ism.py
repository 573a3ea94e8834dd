"""In-silico saturation mutagenesis (ISM).

Backend: ours. Every single-base substitution of every sequence is scored by a forward
pass (``3·L`` mutants per sequence, batched ``batch_size`` at a time, under ``no_grad``);
the result is the change in the target logit, ``f(mutant) − f(x)``, at the substituted
base and 0 at the observed base. tangermeme's ``saturation_mutagenesis`` gives the same
numbers; its fastISM path (recomputing only the affected window in conv layers) is not
implemented here.
"""

from __future__ import annotations

import torch

from motifscope.methods.attribution.base import (
    as_sequences,
    check_batch_size,
    prepared_model,
    progress_bar,
    resolve_device,
)
from motifscope.methods.outputs import resolve_target

__all__ = ["ism"]


def ism(model, X, *, target, centered: bool = False, batch_size: int = 256, device=None,
        random_state=None, progress: bool = False) -> torch.Tensor:
    """Effect of every single-base substitution on the target logit.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, bases A, C, G, T on axis 1. At an all-zero (``N``) column all
        four bases are substituted.
    target : int, list of int, callable or "all"
        Output index, indices whose logits are summed, or ``f(logits (N, T)) -> (N,)``;
        ``"all"``: every output at once (the mutants are the same for all of them).
    centered : bool
        Subtract each position's mean over the four bases, so that the observed base
        holds minus the average effect of substituting it (the usual per-position ISM
        importance; use this to compare with other methods at the observed base).
    batch_size : int
        Mutants per forward pass.
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    random_state : None
        Unused (deterministic); accepted for the common signature.
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), float32
        ``out[n, b, l] = f(x_n with base b at l) − f(x_n)``; 0 at the observed base
        (before centring). With ``target="all"``, shape ``(N, T, 4, L)``.
    """
    Xt = as_sequences(X)
    bs = check_batch_size(batch_size)
    dev = resolve_device(device, model)
    N, _, L = Xt.shape
    every = isinstance(target, str) and target == "all"
    out = None
    fn = None
    with prepared_model(model, dev), torch.no_grad(), progress_bar(N, "ism", progress) as bar:
        for n in range(N):
            x = Xt[n].to(dev)
            y0 = model(x.unsqueeze(0))
            if fn is None:
                T = 1 if y0.ndim == 1 else int(y0[0].numel())
                fn = (lambda y: y.reshape(len(y), -1)) if every else resolve_target(target, T)
                out = torch.zeros(N, T, 4, L) if every else torch.zeros(N, 4, L)
            f0 = fn(y0)[0]
            base_idx, pos_idx = torch.nonzero(Xt[n] == 0, as_tuple=True)  # substitutions
            for i in range(0, len(pos_idx), bs):
                b, pos = base_idx[i:i + bs].to(dev), pos_idx[i:i + bs].to(dev)
                k = len(b)
                xm = x.unsqueeze(0).repeat(k, 1, 1)
                rows = torch.arange(k, device=dev)
                xm[rows, :, pos] = 0.0
                xm[rows, b, pos] = 1.0
                d = (fn(model(xm)) - f0).float().cpu()
                if every:
                    out[n, :, b.cpu(), pos.cpu()] = d.T
                else:
                    out[n, b.cpu(), pos.cpu()] = d
            bar.update(1)
    if out is None:
        out = torch.zeros(N, 4, L)
    if centered:
        out = out - out.mean(-2, keepdim=True)
    return out
