"""DeepLIFT (Rescale rule) and DeepLIFT-SHAP, our own implementation.

Why not captum: captum 0.9.0's DeepLIFT is silently wrong when a ReLU feeds straight
into a max-pool (captum #1104), which is the block of DeepSEA, DanQ and Basset; its
summation-to-delta errors exceed the output differences there. tangermeme's
``deep_lift_shap`` is correct and is the parity oracle in the tests, but treats LSTMs as
linear and is ~2× slower than this module.

How it works
------------
DeepLIFT replaces, for every nonlinear module, the gradient by a *multiplier* computed
from the module's input and output on the sequence ``x`` and on a reference ``r``:

* elementwise activations (ReLU, sigmoid, tanh, ELU, GELU, ...): the Rescale rule
  ``m = Δout / Δin``, with the ordinary derivative at ``x`` where ``|Δin| < 1e-6``;
* ``MaxPool1d`` / ``AdaptiveMaxPool1d``: each window's change ``Δout`` goes to the argmax
  of ``x`` when ``out(x) ≥ out(r)`` and to the argmax of ``r`` otherwise, and is divided by
  that position's ``Δin`` (the rule tangermeme uses; overlapping windows accumulate);
  the routed change is bounded by ``Δin``, so only positions with ``Δin = 0`` need the
  fallback (the ordinary gradient). Computed at the pooled size (gathers and one
  scatter), not over the whole input;
* modules without a closed-form rule that are treated as one unit — LSTMs (``nn.LSTM``,
  ``nn.GRU``, motifscope's ``BiLSTM`` and ``BiGRU``), DeepATT's ``CategoryAttention`` (softmax over
  positions and bilinear products), ``nn.Softmax``, ``nn.LayerNorm``, ``nn.GLU``: an
  *integrated-gradients rule*: the multiplier is the module's Jacobian averaged along the
  straight path from its reference input to its actual input (``ig_steps`` Gauss–Legendre
  nodes), which satisfies summation-to-delta for that module up to quadrature error.
  ``lstm_rule="linear"`` instead leaves RNNs with their plain gradient at ``x``
  (tangermeme's and captum's behaviour; ~7 % completeness errors on DanQ);
* linear modules (conv, linear, batch norm in eval, padding, dropout in eval,
  reshapes): exact, ordinary autograd.

Schedule (why it is fast). For a chunk of ``b`` sequences with ``R`` references each:
one forward pass over the ``b·R`` references under ``no_grad`` records every hooked
module's input and output; one forward pass over the ``b`` sequences, each repeated
``G`` times (``G`` a divisor of ``R`` near ``64 / b``), builds the graph (the hooked
modules themselves run without graph; their outputs are wrapped in an autograd function
carrying the rule); then ``R / G`` backward passes over that one graph, the ``k``-th
using references ``kG .. kG+G-1`` in every rule. The sequences' forward pass is not
repeated ``R`` times, references get no backward pass, and no parameter gradients are
computed: cost ≈ ``R·(forward + backward) + G·forward`` per sequence versus
``2R·(forward + backward)`` for the concatenated-batch scheme of captum and tangermeme.

Outputs. For each reference the input multipliers ``m`` (4, L) give hypothetical
contributions ``hyp[b, l] = Σ_c m[c, l]·(e_b[c] − r[c, l]) = m[b, l] − Σ_c m[c, l]·r[c, l]``
(the contribution base ``b`` would have at ``l``; what TF-MoDISco wants); they are
averaged over references. Attributions are ``x ⊙ mean(hyp)`` (projected on the observed
base), which sums over the sequence to ``mean_k f(x) − f(r_k)`` — the convention of
tangermeme's ``deep_lift_shap``. All-``N`` columns of ``x`` get zero attribution.
"""

from __future__ import annotations

import contextlib
import warnings

import torch
import torch.nn.functional as F
from torch import nn

from motifscope.core.errors import InputError, MotifscopeWarning
from motifscope.core.sequence import dinucleotide_shuffle
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
from motifscope.methods.attribution.rules import _is_rnn, deeplift_rules
from motifscope.methods.outputs import first_output, resolve_target

__all__ = ["deeplift", "deeplift_rules", "deeplift_shap", "hypothetical_contributions"]

_EPS = 1e-6

def _single(v):
    return v[0] if isinstance(v, (tuple, list)) else v


class _Call:
    """One call of a hooked module during the sequences' forward pass."""

    __slots__ = ("_grad_x", "_idx_x", "inp", "k", "out", "site")

    def __init__(self, site, k, inp, out):
        self.site, self.k, self.inp, self.out = site, k, inp, out
        self._grad_x = None
        self._idx_x = None

    def ref(self):
        """The current group of references' input and output, row-aligned with ``x``'s."""
        rin, rout = self.site.ref[self.k]
        return self.site.engine.group(rin), self.site.engine.group(rout)

    def local_grad(self, g):
        """Ordinary vector–Jacobian product at ``x`` (the fallback)."""
        if type(self.site.module) is nn.ReLU:  # closed form: no second pass through the module
            return (self.inp > 0).to(g.dtype).mul_(g)
        z = self.inp.detach().requires_grad_(True)
        with torch.enable_grad(), self.site.engine.paused():
            y = first_output(self.site.module(z))
            if not y.requires_grad:  # e.g. a step function: zero derivative
                return torch.zeros_like(z)
            (gz,) = torch.autograd.grad(y, z, g)
        return gz

    def backward(self, g):
        rule = self.site.rule
        if rule == "rescale":
            return self._rescale(g)
        if rule == "maxpool":
            return self._maxpool(g)
        return self._ig(g)

    def _rescale(self, g):
        rin, rout = self.ref()
        din = self.inp - rin
        m = self.out - rout
        small = din.abs() < _EPS
        if bool(small.any()):
            if self._grad_x is None:  # elementwise: derivative = VJP with ones
                self._grad_x = self.local_grad(torch.ones_like(self.out))
            din.masked_fill_(small, 1.0)
            m = torch.where(small, self._grad_x, m.div_(din))
        else:
            m.div_(din)
        return m.mul_(g)

    def _pool(self, z):
        mod = self.site.module
        k, st = _single(getattr(mod, "kernel_size", 0)), _single(getattr(mod, "stride", 0))
        if (isinstance(mod, nn.MaxPool1d) and k == st and _single(mod.padding) == 0
                and _single(mod.dilation) == 1 and not mod.ceil_mode and z.ndim == 3):
            # non-overlapping windows: argmax over a reshaped view (max_pool1d with
            # indices goes through the 2-D kernel and is ~10x slower); first max wins,
            # as in max_pool1d
            n_out = z.shape[2] // k
            arg = z[:, :, :n_out * k].reshape(z.shape[0], z.shape[1], n_out, k).argmax(-1)
            return None, arg + torch.arange(0, n_out * k, k, device=z.device)
        if isinstance(mod, nn.AdaptiveMaxPool1d):
            return F.adaptive_max_pool1d(z, mod.output_size, return_indices=True)
        return F.max_pool1d(z, mod.kernel_size, mod.stride, mod.padding, mod.dilation,
                            ceil_mode=mod.ceil_mode, return_indices=True)

    def _maxpool(self, g):
        # Work at the pooled size: each window's change goes to one position (the argmax
        # of x if out(x) >= out(r), else of r) and is divided by that position's change;
        # positions that do not change take the ordinary gradient (g at x's argmax).
        site, eng = self.site, self.site.engine
        rin, rout = self.ref()
        if self._idx_x is None:
            self._idx_x = self._pool(self.inp)[1]
        ix = self._idx_x
        ir = eng.group(site.ref_idx[self.k])
        xout = self.out
        idx = torch.where(xout >= rout, ix, ir)
        b, c = self.inp.shape[:2]
        xin_f = self.inp.reshape(b, c, -1)
        rin_f = rin.reshape(b, c, -1)
        fl = (b, c, -1)
        idx, ixf = idx.reshape(fl), ix.reshape(fl)
        din_at = xin_f.gather(2, idx) - rin_f.gather(2, idx)
        v = (g * (xout - rout)).reshape(fl)
        zero = din_at == 0
        val = v / din_at.masked_fill(zero, 1.0)
        val.masked_fill_(zero, 0.0)
        din_ix = xin_f.gather(2, ixf) - rin_f.gather(2, ixf)
        fb = g.reshape(fl) * (din_ix == 0)
        m = torch.zeros(b, c, xin_f.shape[2], dtype=g.dtype, device=g.device)
        m.scatter_add_(2, torch.cat([idx, ixf], 2), torch.cat([val, fb], 2))
        return m.view_as(self.inp)

    def _ig(self, g):
        eng = self.site.engine
        rin, _ = self.ref()
        z, z0 = self.inp, rin
        K = eng.ig_steps
        nodes, weights = gauss_legendre(K, dtype=z.dtype, device=z.device)
        ones = (1,) * z.ndim
        path = (z0.unsqueeze(0) + nodes.view(K, *ones) * (z - z0).unsqueeze(0))
        path = path.reshape(K * z.shape[0], *z.shape[1:]).detach().requires_grad_(True)
        gw = (weights.view(K, *((1,) * g.ndim)) * g.unsqueeze(0)).reshape(K * g.shape[0],
                                                                          *g.shape[1:])
        with torch.enable_grad(), eng.paused():
            y = first_output(self.site.module(path))
            (gp,) = torch.autograd.grad(y, path, gw)
        return gp.view(K, *z.shape).sum(0)


class _RuleFn(torch.autograd.Function):
    """Identity on the module's (precomputed) output whose backward applies the rule."""

    @staticmethod
    def forward(ctx, inp, call):
        ctx.call = call
        # an alias, not a copy: nothing writes into module outputs (prepared_model turns
        # in-place activations off) and the rule only reads call.out
        return call.out.detach()

    @staticmethod
    def backward(ctx, g):
        return ctx.call.backward(g), None


class _Site:
    """A hooked module: its rule and the activations recorded in the current chunk."""

    def __init__(self, engine, module, rule):
        self.engine, self.module, self.rule = engine, module, rule
        self.ref: list = []
        self.ref_idx: list = []
        self.calls: list = []
        self._grad_prev: list = []

    def pre_hook(self, module, args):
        if self.engine.phase == "x":
            self._grad_prev.append(torch.is_grad_enabled())
            torch.set_grad_enabled(False)  # the rule replaces the module's own graph

    def hook(self, module, args, output):
        phase = self.engine.phase
        if phase == "off":
            return None
        inp = args[0] if args else None
        out = first_output(output)
        if not isinstance(inp, torch.Tensor):
            raise InputError(
                f"module {type(module).__name__} has a DeepLIFT rule but was called without "
                f"a tensor input; give it the 'linear' rule through rules="
            )
        if phase == "ref":
            self.ref.append((inp.detach(), out.detach()))
            if self.rule == "maxpool":
                self.ref_idx.append(_Call(self, 0, inp.detach(), None)._pool(inp.detach())[1])
            return None
        torch.set_grad_enabled(self._grad_prev.pop())
        call = _Call(self, len(self.calls), inp.detach(), out.detach())
        self.calls.append(call)
        if not inp.requires_grad:
            return None
        new = _RuleFn.apply(inp, call)
        if isinstance(output, tuple):
            return (new,) + tuple(output[1:])
        if isinstance(output, list):
            return [new] + list(output[1:])
        return new

    def reset(self):
        self.ref.clear()
        self.ref_idx.clear()
        self.calls.clear()
        self._grad_prev.clear()


class _Engine:
    def __init__(self, model, rule_map, ig_steps):
        self.model = model
        self.ig_steps = int(ig_steps)
        self.phase = "off"
        self.r = 0
        self.R = 1
        self.G = 1
        mods = dict(model.named_modules())
        self.sites = [_Site(self, mods[n], rule) for n, rule in rule_map.items()]
        self._handles = []

    @contextlib.contextmanager
    def hooked(self):
        try:
            for s in self.sites:
                self._handles.append(s.module.register_forward_pre_hook(s.pre_hook))
                self._handles.append(s.module.register_forward_hook(s.hook))
            yield self
        finally:
            for h in self._handles:
                h.remove()
            self._handles.clear()
            self.reset()
            self.phase = "off"

    def group(self, t):
        """Rows of the current reference group from a tensor of all ``b·R`` reference rows.

        Sequence ``i`` of the chunk is repeated ``G`` times in the sequences' pass (rows
        ``i·G .. i·G+G-1``); they meet references ``r .. r+G-1`` of sequence ``i``. The
        references' pass runs group-major (group, sequence, member), so a group is one
        contiguous block of rows: a view, not a copy.
        """
        n = t.shape[0] // (self.R // self.G)
        k = self.r // self.G
        return t[k * n:(k + 1) * n]

    @contextlib.contextmanager
    def paused(self):
        prev = self.phase
        self.phase = "off"
        try:
            yield
        finally:
            self.phase = prev

    def reset(self):
        for s in self.sites:
            s.reset()


def hypothetical_contributions(multipliers, references) -> torch.Tensor:
    """Hypothetical contributions from DeepLIFT multipliers and a reference.

    ``hyp[..., b, l] = Σ_c m[..., c, l]·(e_b[c] − r[..., c, l]) = m[..., b, l] −
    Σ_c m[..., c, l]·r[..., c, l]``: the contribution base ``b`` would make at position
    ``l`` had it been there (the input TF-MoDISco expects). Multiply by the one-hot
    sequence to get the actual (projected) contributions.

    Parameters
    ----------
    multipliers : torch.Tensor of shape (..., 4, L)
        Multipliers (DeepLIFT) or gradients.
    references : torch.Tensor of shape (..., 4, L)
        The reference(s), broadcastable against ``multipliers``.

    Returns
    -------
    torch.Tensor of shape (..., 4, L)
    """
    m = as_tensor(multipliers, "multipliers")
    r = as_tensor(references, "references").to(m.device)
    if m.ndim < 2 or m.shape[-2] != 4:
        raise InputError(f"multipliers has shape {tuple(m.shape)}; expected (..., 4, L)")
    if r.ndim < 2 or r.shape[-2] != 4 or r.shape[-1] != m.shape[-1]:
        raise InputError(
            f"references has shape {tuple(r.shape)}; expected (..., 4, {m.shape[-1]})"
        )
    return m - (m * r).sum(-2, keepdim=True)


def _as_references(references, Xt: torch.Tensor) -> torch.Tensor:
    N, _, L = Xt.shape
    if references is None:
        return torch.full((N, 1, 4, L), 0.25)
    if isinstance(references, (int, float)):
        return torch.full((N, 1, 4, L), float(references))
    ref = as_tensor(references, "references").detach().cpu()
    if ref.ndim == 3 and tuple(ref.shape) == (N, 4, L):
        return ref.unsqueeze(1)
    if ref.ndim == 4 and ref.shape[0] == N and tuple(ref.shape[2:]) == (4, L) and ref.shape[1] > 0:
        return ref
    raise InputError(
        f"references has shape {tuple(ref.shape)}; expected (N, 4, L) = {(N, 4, L)} or "
        f"(N, R, 4, L) = ({N}, R, 4, {L})"
    )


def _group_size(R: int, b: int, ref_group) -> int:
    """References per backward pass: a divisor of ``R`` near ``64 / b`` (or as asked)."""
    want = ref_group if ref_group is not None else max(1, -(-64 // b))
    want = max(1, min(R, int(want)))
    return max(d for d in range(1, want + 1) if R % d == 0)


def _run(model, Xt, refs, *, target, batch_size, device, lstm_rule, ig_steps, rules,
         hypothetical, return_delta, warn_threshold, progress, desc, ref_group=None,
         gradient_correction=False):
    bs = check_batch_size(batch_size)
    ig_steps = check_batch_size(ig_steps, "ig_steps")
    dev = resolve_device(device, model)
    N, R, _, L = refs.shape
    hyp_sum = torch.zeros(N, 4, L)
    deltas = torch.zeros(N, R)
    dy = torch.zeros(N, R)
    rule_map = deeplift_rules(model, lstm_rule=lstm_rule, rules=rules)
    engine = _Engine(model, rule_map, ig_steps)
    engine.R = R
    fn = None
    with prepared_model(model, dev), engine.hooked(), progress_bar(N, desc, progress) as bar:
        for i in range(0, N, bs):
            x = Xt[i:i + bs].to(dev)
            b = x.shape[0]
            rf = refs[i:i + bs].to(dev)
            engine.reset()
            # each sequence is repeated G times so that one backward pass serves G
            # references (bigger GEMMs and LSTM steps; G forward rows instead of 1)
            G = _group_size(R, b, ref_group)
            engine.G = G
            engine.phase = "ref"
            with torch.no_grad():
                # group-major rows: (R/G groups, b sequences, G members), see group()
                rows = rf.reshape(b, R // G, G, 4, L).transpose(0, 1).reshape(b * R, 4, L)
                yr = model(rows)
                fn = fn or resolve_target(target, 1 if yr.ndim == 1 else int(yr[0].numel()))
                fr = fn(yr).float().view(R // G, b, G).transpose(0, 1).reshape(b, R)
            del yr, rows
            engine.phase = "x"
            xg = x.repeat_interleave(G, 0).requires_grad_(True)
            with torch.enable_grad():
                y = fn(model(xg))
            engine.phase = "off"
            fx = y.detach().float().view(b, G)[:, :1]
            for r in range(0, R, G):
                engine.r = r
                if y.requires_grad:
                    (m,) = torch.autograd.grad(y.sum(), xg, retain_graph=r + G < R)
                else:  # the output does not depend differentiably on the input
                    m = torch.zeros_like(xg)
                m = m.view(b, G, 4, L)
                if gradient_correction:  # Majdandzic et al. 2023 on the multipliers
                    m = m - m.mean(2, keepdim=True)
                ref_g = rf[:, r:r + G]
                hyp = m - (m * ref_g).sum(2, keepdim=True)
                hyp_sum[i:i + b] += hyp.sum(1).float().cpu()
                contrib = (m * (x.unsqueeze(1) - ref_g)).sum((2, 3)).float()
                deltas[i:i + b, r:r + G] = (fx - fr[:, r:r + G] - contrib).cpu()
                dy[i:i + b, r:r + G] = (fx - fr[:, r:r + G]).cpu()
            del y, xg
            engine.reset()
            bar.update(b)
    hyp_mean = hyp_sum / R
    attr = hyp_mean if hypothetical else hyp_mean * Xt
    scale = dy.abs().mean().clamp_min(1e-12)
    rel = float(deltas.abs().mean() / scale)
    if warn_threshold is not None and rel > warn_threshold:
        approx = [n for n, r in rule_map.items() if r == "ig"]
        for n, m in model.named_modules():  # RNNs left linear, not their inner modules
            if _is_rnn(m) and n not in rule_map and not any(n.startswith(a + ".") for a in approx):
                approx.append(n)
        why = (f"the modules without an exact rule ({', '.join(approx[:3])}) are handled by "
               f"the integrated-gradients rule with ig_steps={ig_steps} or left linear "
               f"(lstm_rule='linear'); more ig_steps lower the error" if approx else
               "a nonlinear operation without a DeepLIFT rule (a functional call or an "
               "unregistered module) is being treated as linear; see deeplift_rules() and "
               "rules=")
        warnings.warn(
            f"DeepLIFT summation-to-delta errors are {rel:.2%} of the output differences "
            f"(mean |delta| {float(deltas.abs().mean()):.3g}): {why}",
            MotifscopeWarning,
            stacklevel=3,
        )
    if return_delta:
        return AttributionResult(attr, deltas, refs)
    return attr


def deeplift(model, X, *, target, references=None, hypothetical: bool = False,
             batch_size: int = 16, device=None, random_state=None, lstm_rule: str = "ig",
             ig_steps: int = 8, rules: dict | None = None, return_delta: bool = False,
             warn_threshold: float | None = 1e-3, gradient_correction: bool = False,
             progress: bool = False):
    """DeepLIFT with the Rescale rule against one or several references per sequence.

    Backend: ours (see the module docstring for the rules and the schedule); captum
    0.9.0 is wrong for ReLU→MaxPool blocks (captum #1104). Results agree with
    tangermeme's ``deep_lift_shap`` given the same references (tested to 1e-4) and
    satisfy summation-to-delta on ReLU/max-pool/linear models to float precision.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``; each nonlinearity should be its own
        module instance (functional calls are treated as linear and show up in the
        deltas).
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, bases A, C, G, T on axis 1.
    target : int, list of int or callable
        Output index, indices whose logits are summed, or ``f(logits (N, T)) -> (N,)``
        (a nonlinear callable is linearised at ``x``).
    references : float, torch.Tensor of shape (N, 4, L) or (N, R, 4, L), or None
        One reference per sequence, or ``R`` references averaged. Default ``0.25`` at
        every base (the uniform background).
    hypothetical : bool
        Return hypothetical contributions (all four bases) instead of the projection on
        the observed base.
    batch_size : int
        Sequences per chunk; a chunk runs ``batch_size × R`` reference rows at once.
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    random_state : None
        Unused (deterministic); accepted for the common signature.
    lstm_rule : {"ig", "linear"}
        Rule for LSTMs: integrated gradients over the module (exact to ~1e-7) or the
        plain gradient (as captum and tangermeme do).
    ig_steps : int
        Gauss–Legendre nodes of every integrated-gradients rule.
    rules : dict or None
        Per-type or per-name rule overrides (see :func:`deeplift_rules`).
    return_delta : bool
        Return an :class:`AttributionResult` with the per-reference deltas.
    warn_threshold : float or None
        Warn (``MotifscopeWarning``) when the mean |delta| exceeds this fraction of the
        mean |f(x) − f(r)|.
    gradient_correction : bool
        Subtract the per-position mean over the bases from the input multipliers
        (Majdandzic et al. 2023). Hypothetical contributions ``m_b − Σ_c m_c r_c`` (and
        so the attributions and deltas) are unchanged by it whenever every reference
        column sums to 1 (one-hot shuffles, the 0.25 background): it only matters for
        off-simplex references such as all zeros, where it also breaks summation-to-delta.
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), float32, or AttributionResult
        With ``return_delta``: ``(attributions, deltas (N, R), references (N, R, 4, L))``
        where ``deltas = f(x) − f(r) − Σ_{c,l} m·(x − r)``.
    """
    Xt = as_sequences(X)
    refs = _as_references(references, Xt)
    return _run(model, Xt, refs, target=target, batch_size=batch_size, device=device,
                lstm_rule=lstm_rule, ig_steps=ig_steps, rules=rules,
                hypothetical=hypothetical, return_delta=return_delta,
                warn_threshold=warn_threshold, progress=progress, desc="deeplift",
                gradient_correction=gradient_correction)


def deeplift_shap(model, X, *, target, n_shuffles: int = 20, references=None,
                  hypothetical: bool = False, batch_size: int = 16, device=None,
                  random_state=None, lstm_rule: str = "ig", ig_steps: int = 8,
                  rules: dict | None = None, return_delta: bool = False,
                  warn_threshold: float | None = 1e-3, gradient_correction: bool = False,
                  progress: bool = False):
    """DeepLIFT-SHAP: DeepLIFT averaged over dinucleotide-shuffled references.

    Backend: ours (:func:`deeplift` with ``n_shuffles`` references per sequence made by
    :func:`motifscope.core.sequence.dinucleotide_shuffle`). ``hypothetical=True`` gives the
    hypothetical contributions TF-MoDISco reads; the default projects them on the
    observed base (tangermeme's convention).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, bases A, C, G, T on axis 1.
    target : int, list of int or callable
        Output index, indices whose logits are summed, or ``f(logits (N, T)) -> (N,)``.
    n_shuffles : int
        References per sequence (ignored when ``references`` is given).
    references : torch.Tensor of shape (N, R, 4, L) or None
        Your own references instead of shuffles.
    hypothetical : bool
        Return hypothetical contributions instead of the projected attributions.
    batch_size : int
        Sequences per chunk (each with its ``R`` references).
    device : str, torch.device or None
        ``None`` keeps the model's device; ``"auto"`` uses CUDA when present.
    random_state : int, numpy.random.Generator or None
        Seed of the shuffles.
    lstm_rule : {"ig", "linear"}
        Rule for LSTMs (see :func:`deeplift`).
    ig_steps : int
        Gauss–Legendre nodes of every integrated-gradients rule.
    rules : dict or None
        Per-type or per-name rule overrides (see :func:`deeplift_rules`).
    return_delta : bool
        Return an :class:`AttributionResult` with deltas ``(N, R)`` and the references.
    warn_threshold : float or None
        Warn when the mean |delta| exceeds this fraction of the mean |f(x) − f(r)|.
    gradient_correction : bool
        Subtract the per-position mean over the bases from the input multipliers
        (Majdandzic et al. 2023). Hypothetical contributions ``m_b − Σ_c m_c r_c`` (and
        so the attributions and deltas) are unchanged by it whenever every reference
        column sums to 1 (one-hot shuffles, the 0.25 background): it only matters for
        off-simplex references such as all zeros, where it also breaks summation-to-delta.
    progress : bool
        Show a progress bar.

    Returns
    -------
    torch.Tensor of shape (N, 4, L), float32, or AttributionResult
    """
    Xt = as_sequences(X)
    if references is None:
        n = check_batch_size(n_shuffles, "n_shuffles")
        refs = dinucleotide_shuffle(Xt, n=n, random_state=random_state).float()
    else:
        refs = _as_references(references, Xt)
    return _run(model, Xt, refs, target=target, batch_size=batch_size, device=device,
                lstm_rule=lstm_rule, ig_steps=ig_steps, rules=rules,
                hypothetical=hypothetical, return_delta=return_delta,
                warn_threshold=warn_threshold, progress=progress, desc="deeplift-shap",
                gradient_correction=gradient_correction)
