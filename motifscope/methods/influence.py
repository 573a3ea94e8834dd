"""Filter influence (Basset, Kelley et al. 2016): what a model loses when one filter is silenced.

Definition
----------
For a convolution ``conv`` (by default the model's first ``nn.Conv1d``) the *filter
output* is the output of the activation that follows it (``conv → [BatchNorm1d] →
activation``: the ReLU or exp output, before any pooling), ``A`` of shape ``(N, K, L')``.
Filter ``k`` is *nullified* by replacing its whole output map ``A[:, k, :]`` with one
number, its mean ``μ_k`` over **all sequences and all positions** of the data passed in
(Basset's "set the filter's output to its mean activation"), and running the rest of
the model unchanged. With ``p_t(x) = σ(logit_t(x))`` and ``p_t^{(-k)}(x)`` the prediction
with filter ``k`` nullified,

* ``influence[k, t] = mean_n ( p_t(x_n) − p_t^{(-k)}(x_n) )``: the mean change of the
  predicted probability (positive: filter ``k`` raises target ``t``; Basset's per-target
  influence, sign chosen so that a filter that drives a target has positive influence);
* ``squared[k, t] = mean_n ( p_t(x_n) − p_t^{(-k)}(x_n) )²``: the mean squared change
  (Basset's sign-free influence); ``squared.sum(1)`` ranks filters overall.

When the convolution has no activation after it in its ``nn.Sequential`` the filter
output is the convolution's own output.

Batched schedule (``method="batched"``)
---------------------------------------
The naive way (``method="naive"``) runs the whole model once per filter. Here, per chunk
of ``b`` sequences, the part of the model below the nullified layer runs once per group
of ``G`` filters, and the ``G`` ablated copies go through the rest of the model stacked
along the batch dimension (``G·b`` rows per pass). When the filter output reaches the
next convolution through channelwise modules only (pooling, padding, dropout, batch
norm: DeepSEA's and Basset's blocks), that convolution is not recomputed either: it is
linear, so nullifying channel ``k`` adds ``conv_k(P̄_k − P_k)`` (one input channel, no
bias) to its output, where ``P`` is its input and ``P̄_k`` what the channelwise modules
make of the constant map ``μ_k``. The rest of the model must use the input only through
the nullified layer (true of every zoo model); otherwise an :class:`InputError` says so.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from motifscope.core.devices import model_on
from motifscope.core.errors import InputError
from motifscope.methods.attribution.base import as_sequences, check_batch_size, progress_bar
from motifscope.methods.attribution.rules import ELEMENTWISE
from motifscope.methods.kernels import first_conv

__all__ = ["InfluenceResult", "conv_output_site", "filter_influence", "influence_table"]

_CHANNELWISE = (nn.MaxPool1d, nn.AvgPool1d, nn.Dropout, nn.ConstantPad1d, nn.BatchNorm1d,
                nn.Identity)


@dataclass
class InfluenceResult:
    """Filter influence of one convolution on every target.

    Attributes
    ----------
    influence : numpy.ndarray of shape (K, T)
        Mean change of the predicted probability, ``mean_n (p − p^{(-k)})``.
    squared : numpy.ndarray of shape (K, T)
        Mean squared change, ``mean_n (p − p^{(-k)})²``.
    means : numpy.ndarray of shape (K,)
        ``μ_k``, each filter output's mean over sequences and positions.
    baseline : numpy.ndarray of shape (T,)
        Mean predicted probability without nullification.
    layer : str
        The convolution's qualified name.
    site : str
        The module whose output is nullified (its activation, or the convolution).
    names : list of str
        A name per filter (``M{k}`` for the first convolution, as in the kernels' MEME
        file; ``<layer>_{k}`` otherwise).
    n_sequences : int
        Sequences used.
    """

    influence: np.ndarray
    squared: np.ndarray
    means: np.ndarray
    baseline: np.ndarray
    layer: str
    site: str
    names: list = field(default_factory=list)
    n_sequences: int = 0


# ----------------------------------------------------------------------------- locating


def _module_names(model):
    return {id(m): n for n, m in model.named_modules()}


def _parent_of(model, name):
    parent = model
    *path, key = name.split(".")
    for p in path:
        parent = getattr(parent, p)
    return parent, key


def _find_conv(model, layer):
    if layer is None:
        conv = first_conv(model)
    elif isinstance(layer, str):
        mods = dict(model.named_modules())
        if layer not in mods:
            convs = [n for n, m in model.named_modules() if isinstance(m, nn.Conv1d)]
            raise InputError(f"layer {layer!r} is not a submodule of {type(model).__name__}; "
                             f"its convolutions are {convs}")
        conv = mods[layer]
    elif isinstance(layer, nn.Module):
        conv = layer
    else:
        raise InputError(f"layer must be a module name or an nn.Conv1d, got {type(layer).__name__}")
    if not isinstance(conv, nn.Conv1d):
        raise InputError(f"layer {layer!r} is a {type(conv).__name__}; expected an nn.Conv1d")
    return conv


def conv_output_site(model, layer=None) -> tuple[str, str, list[str]]:
    """Where a convolution's filter output is read and nullified.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    layer : str, torch.nn.Conv1d or None
        The convolution (a qualified name or the module); ``None``: the first one.

    Returns
    -------
    conv_name : str
        The convolution's qualified name.
    site_name : str
        The module whose output is the filter output: the elementwise activation after
        the convolution (past an optional ``BatchNorm1d``) in its ``nn.Sequential``, or
        the convolution itself.
    after : list of str
        Qualified names of the modules that follow the site in the same
        ``nn.Sequential``, in order.
    """

    conv = _find_conv(model, layer)
    names = _module_names(model)
    if id(conv) not in names:
        raise InputError(f"layer {layer!r} is not part of {type(model).__name__}")
    cname = names[id(conv)]
    for seq in model.modules():
        if not isinstance(seq, nn.Sequential):
            continue
        kids = list(seq.children())
        if not any(k is conv for k in kids):
            continue
        i = next(j for j, k in enumerate(kids) if k is conv)
        j = i + 1
        if j < len(kids) and isinstance(kids[j], nn.BatchNorm1d):
            j += 1
        site = j if j < len(kids) and isinstance(kids[j], ELEMENTWISE) else i
        return cname, names[id(kids[site])], [names[id(k)] for k in kids[site + 1:]]
    return cname, cname, []


def _fast_path(model, after):
    """The next convolution reached through channelwise modules only, or None."""
    mods = dict(model.named_modules())
    chain = []
    for n in after:
        m = mods[n]
        if isinstance(m, _CHANNELWISE):
            chain.append(m)
            continue
        ok = (isinstance(m, nn.Conv1d) and m.groups == 1 and m.padding_mode == "zeros")
        return (n, chain) if ok else None
    return None


# ----------------------------------------------------------------------------- ablation


class _Swap(nn.Module):
    """Stands in for a module during the batched pass: computes the ablated stack."""

    def __init__(self, fn):
        super().__init__()
        self.fn = fn

    def forward(self, x):
        return self.fn(x)


@contextlib.contextmanager
def _swapped(model, name, fn):
    parent, key = _parent_of(model, name)
    old = parent._modules[key]
    parent._modules[key] = _Swap(fn)
    try:
        yield
    finally:
        parent._modules[key] = old


def _stack_site(site, means, group):
    """Generic path: the site's output repeated per filter of ``group``, filter ``k`` := μ_k."""

    def fn(z):
        a = site(z)
        b = a.shape[0]
        out = a.repeat(len(group), *([1] * (a.ndim - 1)))
        for j, k in enumerate(group):
            out[j * b:(j + 1) * b, k] = means[k]
        return out

    return fn


def _stack_conv(conv, pbar, group):
    """Fast path: the next convolution's output plus each filter's one-channel change."""
    idx = torch.as_tensor(group, device=pbar.device)
    w = conv.weight[:, idx].transpose(0, 1).reshape(len(group) * conv.out_channels, 1, -1)

    def fn(p):
        z = conv(p)  # (b, C2, L2)
        d = pbar[idx].unsqueeze(0) - p[:, idx]  # (b, G, Lp)
        dz = F.conv1d(d, w, None, conv.stride, conv.padding, conv.dilation, groups=len(group))
        dz = dz.view(p.shape[0], len(group), conv.out_channels, -1).transpose(0, 1)
        return (z.unsqueeze(0) + dz).reshape(-1, *z.shape[1:])

    return fn


# ----------------------------------------------------------------------------- passes


@torch.no_grad()
def _means_and_baseline(model, X, site_mod, batch_size, dev):
    """One pass: μ_k of the site's output and the baseline probabilities."""
    tot, count, probs = None, 0, []
    state = {}

    def hook(_m, _a, out):
        state["a"] = out

    h = site_mod.register_forward_hook(hook)
    try:
        for s in range(0, X.shape[0], batch_size):
            probs.append(torch.sigmoid(model(X[s:s + batch_size].to(dev))).double().cpu())
            a = state.pop("a")
            tot = a.sum((0, 2), dtype=torch.float64) if tot is None \
                else tot + a.sum((0, 2), dtype=torch.float64)
            count += a.shape[0] * a.shape[2]
    finally:
        h.remove()
    return (tot / count).to(a.dtype), torch.cat(probs)


def _check_rows(logits, rows, where):
    if logits.shape[0] != rows:
        raise InputError(f"the model above {where} does not depend on the input through it "
                         f"only ({logits.shape[0]} output rows for {rows} ablated copies); "
                         "use method='naive'")


@torch.no_grad()
def _naive(model, X, site_mod, means, p0, batch_size, dev, bar):
    K, T = means.shape[0], p0.shape[1]
    acc, acc2 = torch.zeros(K, T, dtype=torch.float64), torch.zeros(K, T, dtype=torch.float64)
    for k in range(K):
        def hook(_m, _a, out, k=k):
            out = out.clone()
            out[:, k] = means[k]
            return out

        h = site_mod.register_forward_hook(hook)
        try:
            for s in range(0, X.shape[0], batch_size):
                p = torch.sigmoid(model(X[s:s + batch_size].to(dev))).double().cpu()
                d = p0[s:s + batch_size] - p
                acc[k] += d.sum(0)
                acc2[k] += (d * d).sum(0)
        finally:
            h.remove()
        bar.update(1)
    return acc, acc2


@torch.no_grad()
def _batched(model, X, names, means, p0, batch_size, dev, bar):
    mods = dict(model.named_modules())
    site_name, after = names
    K, T = means.shape[0], p0.shape[1]
    G = min(K, max(1, batch_size // 8))
    b = max(1, batch_size // G)
    fast = _fast_path(model, after)
    pbar = None
    if fast is not None:
        L_site = _site_length(model, mods[site_name], X[:1].to(dev))
        pbar = means.view(1, K, 1).expand(1, K, L_site)
        for m in fast[1]:
            pbar = m(pbar)
        pbar = pbar[0]
    acc, acc2 = torch.zeros(K, T, dtype=torch.float64), torch.zeros(K, T, dtype=torch.float64)
    for g0 in range(0, K, G):
        group = list(range(g0, min(K, g0 + G)))
        if fast is None:
            swap = (site_name, _stack_site(mods[site_name], means, group))
        else:
            swap = (fast[0], _stack_conv(mods[fast[0]], pbar, group))
        with _swapped(model, *swap):
            for s in range(0, X.shape[0], b):
                x = X[s:s + b].to(dev)
                logits = model(x)
                _check_rows(logits, len(group) * x.shape[0], swap[0])
                p = torch.sigmoid(logits).double().cpu().view(len(group), x.shape[0], T)
                d = p0[s:s + b].unsqueeze(0) - p
                acc[g0:g0 + len(group)] += d.sum(1)
                acc2[g0:g0 + len(group)] += (d * d).sum(1)
        bar.update(len(group))
    return acc, acc2


def _site_length(model, site_mod, x):
    state = {}

    def hook(_m, _a, out):
        state["L"] = out.shape[-1]

    h = site_mod.register_forward_hook(hook)
    try:
        model(x)
    finally:
        h.remove()
    return state["L"]


def filter_influence(model, X, *, layer=None, method: str = "batched", batch_size: int = 256,
                     device=None, progress: bool = False) -> InfluenceResult:
    """Influence of every filter of a convolution on every target (Basset's nullification).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, A, C, G, T; ``μ_k`` is taken over all of them.
    layer : str, torch.nn.Conv1d or None
        The convolution whose filters are nullified (default: the first).
    method : {"batched", "naive"}
        The batched schedule (see the module notes) or one full pass per filter (the
        reference it is tested and benchmarked against).
    batch_size : int
        Rows per forward pass (batched: ablated copies × sequences).
    device : str, torch.device or None
        ``None``: where the model is; ``"auto"``: CUDA when available.
    progress : bool
        Show a progress bar over filters.

    Returns
    -------
    InfluenceResult
        ``influence`` and ``squared`` of shape ``(K, T)``, ``means (K,)``,
        ``baseline (T,)``.

    Examples
    --------
    >>> res = filter_influence(model, X[:1000])  # doctest: +SKIP
    >>> res.influence.shape  # doctest: +SKIP
    (320, 919)
    """

    if method not in ("batched", "naive"):
        raise InputError(f"method must be 'batched' or 'naive', got {method!r}")
    bs = check_batch_size(batch_size)
    Xt = as_sequences(X)
    cname, site_name, after = conv_output_site(model, layer)
    site_mod = dict(model.named_modules())[site_name]
    first = layer is None or cname == _module_names(model).get(id(_find_conv(model, None)))
    with model_on(model, device) as dev:
        means, p0 = _means_and_baseline(model, Xt, site_mod, bs, dev)
        K = int(means.shape[0])
        with progress_bar(K, "filter influence", progress) as bar:
            if method == "naive":
                acc, acc2 = _naive(model, Xt, site_mod, means, p0, bs, dev, bar)
            else:
                acc, acc2 = _batched(model, Xt, (site_name, after), means, p0, bs, dev, bar)
    N = Xt.shape[0]
    names = [f"M{k}" if first else f"{cname}_{k}" for k in range(K)]
    return InfluenceResult(influence=(acc / N).numpy(), squared=(acc2 / N).numpy(),
                           means=means.double().cpu().numpy(), baseline=p0.mean(0).numpy(),
                           layer=cname, site=site_name, names=names, n_sequences=int(N))


def influence_table(result: InfluenceResult, target_names=None, *, squared: bool = False):
    """The filters × targets matrix as a table (what ``influence.tsv`` holds).

    Parameters
    ----------
    result : InfluenceResult
        From :func:`filter_influence`.
    target_names : sequence of str or None
        Column names (default ``t0``, ``t1``, ...).
    squared : bool
        Tabulate the mean squared change instead of the mean change.

    Returns
    -------
    pandas.DataFrame
        One row per filter (column ``filter``, named as in the kernels' MEME file) and
        one column per target.
    """
    import pandas as pd

    M = result.squared if squared else result.influence
    T = M.shape[1]
    cols = list(target_names) if target_names is not None else [f"t{t}" for t in range(T)]
    if len(cols) != T:
        raise InputError(f"target_names has {len(cols)} names for {T} targets")
    df = pd.DataFrame(M, columns=cols)
    df.insert(0, "filter", result.names)
    return df
