"""Attribution of a target to the units of an intermediate layer (DeepREG's "regulator" layer).

For a module ``layer`` of the model with output ``a(x)`` of shape ``(C, L')`` per
sequence (a convolution, its activation, a pool: any module whose output is one tensor):

* :func:`layer_deeplift`: DeepLIFT with the same rules as :func:`~motifscope.methods.attribution.deeplift`
  (Rescale for activations, the max-pool rule, the integrated-gradients rule for LSTMs
  and GRUs), but the multipliers are taken at the layer's output instead of the input:
  ``score[c, l] = mean_r m_r[c, l]·(a(x)[c, l] − a(r_k)[c, l])``, with ``m_r`` the
  multiplier of the target with respect to ``a`` against reference ``r_k``. The rules
  above the layer satisfy summation-to-delta, so ``Σ_{c,l} score = mean_k f(x) − f(r_k)``
  (the deltas are returned with ``return_delta``);
* :func:`layer_gradient_x_activation`: ``a(x) ⊙ ∂f/∂a(x)`` (plain autograd);
* :func:`unit_importance`: DeepREG's ranking, ``Σ_{n,l} |score[n, c, l]|`` per unit ``c``.

Pass the activation's name (e.g. ``features.1`` after the first convolution of a zoo
model) for post-activation units; :func:`motifscope.methods.influence.conv_output_site` finds it.
"""

from __future__ import annotations

import torch

from motifscope.core.errors import InputError
from motifscope.methods.attribution.base import (
    AttributionResult,
    as_sequences,
    check_batch_size,
    prepared_model,
    progress_bar,
    resolve_device,
)
from motifscope.methods.attribution.deeplift import _as_references, _Engine, _group_size
from motifscope.methods.attribution.rules import deeplift_rules
from motifscope.methods.outputs import first_output, resolve_target

__all__ = ["layer_deeplift", "layer_gradient_x_activation", "unit_importance"]


def _layer_module(model, layer):
    if isinstance(layer, torch.nn.Module):
        if not any(m is layer for m in model.modules()):
            raise InputError(f"layer {type(layer).__name__} is not part of the model")
        return layer
    mods = dict(model.named_modules())
    if not isinstance(layer, str) or layer not in mods or layer == "":
        raise InputError(f"layer {layer!r} is not a submodule of {type(model).__name__}; "
                         f"names include {list(mods)[1:8]}")
    return mods[layer]


class _Recorder:
    """Forward hook keeping the layer's output in the phases that matter."""

    def __init__(self, engine):
        self.engine = engine
        self.ref, self.x = None, None

    def __call__(self, _m, _a, out):
        out = first_output(out)
        phase = self.engine.phase if self.engine is not None else "x"
        if phase == "ref":
            self.ref = out.detach()
        elif phase == "x":
            self.x = out


def layer_deeplift(model, X, *, target, layer, references=None, batch_size: int = 16,
                   device=None, random_state=None, lstm_rule: str = "ig", ig_steps: int = 8,
                   rules: dict | None = None, return_delta: bool = False,
                   progress: bool = False):
    """DeepLIFT scores of a target on the units of ``layer``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, A, C, G, T.
    target : int, list of int or callable
        As in :func:`~motifscope.methods.attribution.deeplift`.
    layer : str or torch.nn.Module
        The module (qualified name or instance) whose output units are scored; it must
        not sit inside a module handled as one unit (an LSTM).
    references : float, torch.Tensor of shape (N, 4, L) or (N, R, 4, L), or None
        As in :func:`~motifscope.methods.attribution.deeplift` (default 0.25 at every base).
    batch_size : int
        Sequences per chunk.
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    random_state : None
        Unused (deterministic); accepted for the common signature.
    lstm_rule : {"ig", "linear"}
        Rule for recurrent modules above the layer.
    ig_steps : int
        Gauss–Legendre nodes of every integrated-gradients rule.
    rules : dict or None
        Rule overrides (see :func:`~motifscope.methods.attribution.deeplift_rules`).
    return_delta : bool
        Also return the summation-to-delta errors.
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, C, L'), float32, or AttributionResult
        With ``return_delta``: ``(scores, deltas (N, R), references (N, R, 4, L))``,
        ``deltas = f(x) − f(r) − Σ m·(a(x) − a(r))``.
    """

    Xt = as_sequences(X)
    refs = _as_references(references, Xt)
    bs = check_batch_size(batch_size)
    module = _layer_module(model, layer)
    dev = resolve_device(device, model)
    N, R, _, _L = refs.shape
    engine = _Engine(model, deeplift_rules(model, lstm_rule=lstm_rule, rules=rules),
                     check_batch_size(ig_steps, "ig_steps"))
    engine.R = R
    rec = _Recorder(engine)
    chunks, deltas, fn = [], torch.zeros(N, R), None
    with prepared_model(model, dev), engine.hooked(), progress_bar(N, "layer deeplift", progress) as bar:
        handle = module.register_forward_hook(rec)  # after the rule hooks: sees their output
        try:
            for i in range(0, N, bs):
                x, rf = Xt[i:i + bs].to(dev), refs[i:i + bs].to(dev)
                scores, d, fn = _layer_chunk(model, engine, rec, x, rf, target, fn, layer)
                chunks.append(scores)
                deltas[i:i + x.shape[0]] = d
                bar.update(x.shape[0])
        finally:
            handle.remove()
    scores = torch.cat(chunks)
    return AttributionResult(scores, deltas, refs) if return_delta else scores


def _layer_chunk(model, engine, rec, x, rf, target, fn, layer):
    """One chunk of :func:`layer_deeplift`: references' pass, sequences' pass, R/G backward
    passes; returns the chunk's scores ``(b, C, L')``, deltas ``(b, R)`` and the target fn."""

    b, (R, _, L) = x.shape[0], rf.shape[1:]
    engine.reset()
    G = _group_size(R, b, None)
    engine.G = G
    engine.phase = "ref"
    with torch.no_grad():
        rows = rf.reshape(b, R // G, G, 4, L).transpose(0, 1).reshape(b * R, 4, L)
        yr = model(rows)
        fn = fn or resolve_target(target, int(yr[0].numel()))
        fr = fn(yr).float().view(R // G, b, G).transpose(0, 1).reshape(b, R)
    a_ref = rec.ref
    engine.phase = "x"
    xg = x.repeat_interleave(G, 0).requires_grad_(True)
    with torch.enable_grad():
        y = fn(model(xg))
    engine.phase = "off"
    a_x = rec.x
    if a_x is None or not a_x.requires_grad:
        raise InputError(f"layer {layer!r} is not on the differentiable path to the output "
                         "(inside a module handled as one unit?)")
    fx = y.detach().float().view(b, G)[:, :1]
    acc = torch.zeros(b, *a_x.shape[1:], dtype=torch.float32, device=x.device)
    deltas = torch.zeros(b, R)
    for r in range(0, R, G):
        engine.r = r
        (m,) = torch.autograd.grad(y.sum(), a_x, retain_graph=r + G < R)
        c = (m * (a_x.detach() - engine.group(a_ref))).view(b, G, *a_x.shape[1:])
        acc += c.sum(1).float()
        deltas[:, r:r + G] = (fx - fr[:, r:r + G] - c.flatten(2).sum(2).float()).cpu()
    engine.reset()
    return (acc / R).cpu(), deltas, fn


def layer_gradient_x_activation(model, X, *, target, layer, batch_size: int = 64,
                                device=None, random_state=None, progress: bool = False):
    """Gradient × activation of a target on the units of ``layer``.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, A, C, G, T.
    target : int, list of int or callable
        As in :func:`~motifscope.methods.attribution.deeplift`.
    layer : str or torch.nn.Module
        The module whose output units are scored.
    batch_size : int
        Sequences per batch.
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    random_state : None
        Unused (deterministic); accepted for the common signature.
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, C, L'), float32
        ``a(x) ⊙ ∂f/∂a`` at every sequence.
    """
    Xt = as_sequences(X)
    bs = check_batch_size(batch_size)
    module = _layer_module(model, layer)
    dev = resolve_device(device, model)
    rec = _Recorder(None)
    out, fn = [], None
    with prepared_model(model, dev), progress_bar(Xt.shape[0], "layer grad x act", progress) as bar:
        handle = module.register_forward_hook(rec)
        try:
            for i in range(0, Xt.shape[0], bs):
                x = Xt[i:i + bs].to(dev).requires_grad_(True)
                with torch.enable_grad():
                    logits = model(x)
                    fn = fn or resolve_target(target, int(logits[0].numel()))
                    (g,) = torch.autograd.grad(fn(logits).sum(), rec.x)
                out.append((g * rec.x.detach()).float().cpu())
                bar.update(x.shape[0])
        finally:
            handle.remove()
    return torch.cat(out)


def unit_importance(scores) -> torch.Tensor:
    """DeepREG's unit ranking: the sum of absolute scores over sequences and positions.

    Parameters
    ----------
    scores : torch.Tensor of shape (N, C, L') or (N, C)
        Layer attributions.

    Returns
    -------
    torch.Tensor of shape (C,)
        ``Σ_{n,l} |scores[n, c, l]|``.
    """
    s = torch.as_tensor(scores)
    if s.ndim not in (2, 3):
        raise InputError(f"scores has shape {tuple(s.shape)}; expected (N, C, L') or (N, C)")
    return s.abs().sum(0) if s.ndim == 2 else s.abs().sum((0, 2))
