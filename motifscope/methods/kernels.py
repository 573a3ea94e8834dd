"""First-layer convolution kernels → motifs (PPMs) → MEME files.

Three ways to turn the ``K`` kernels of a model's first ``nn.Conv1d`` (weight of shape
``(K, 4, k)``, input channels A, C, G, T) into motifs:

``"danq"`` (default; DanQ issue #9, FactorNet ``visualize.py``)
    For every sequence and kernel take the window at the maximum first-layer activation;
    if that maximum is > 0, add the one-hot ``k``-mer starting there to the kernel's
    counts. At most one site per sequence (per strand) and kernel, no pseudocounts,
    ``PPM = counts / column sums``. Kernels that never fire are dropped (DanQ's authors
    skipped kernels with ``nsites == 0``).
``"basset"`` (Basset ``basset_motifs.py``)
    Per kernel, ``mean`` and ``max`` of the activations over all sequences and valid
    positions (a first pass over the data), then every position whose activation exceeds
    ``act_threshold * (max - mean) + mean`` (a second pass) contributes its ``k``-mer.
    Several sites per sequence are allowed; counts start at ``pseudocount`` (1); kernels
    with fewer than ``min_sites`` (10) sites are dropped.
``"topn"`` (DeepREG's "top 100 sequences")
    Per kernel, the ``top_n`` (100) sequences with the largest maximum activation over
    their valid positions (each strand a candidate with ``both_strands``) each add the
    ``k``-mer at their maximum, if that maximum is > 0. Counts without pseudocounts;
    kernels that never fire are dropped. Ties between sequences go to either.
``"weights"``
    No data: each kernel column is turned into probabilities by a softmax over the four
    bases (``p_b ∝ exp(w_b)``), the exact inverse of a natural-log log-odds kernel
    ``w_b = ln(p_b / 0.25)`` (plus any per-column constant). ``weights_transform="shift"``
    uses ``w_b - min_b w_b`` instead (what several dashboards plot); both ignore the bias.

A ``BatchNorm1d`` right after the convolution (in the same ``nn.Sequential``, as in the
demo cards) is folded into it first (:func:`effective_kernels`): in eval mode it is the
per-kernel affine map ``γ (z - μ) / σ + β``, so the folded weights and bias give the
pre-activation the model actually applies its nonlinearity to, and a kernel with ``γ < 0``
is read with the sign it has in the model.

Activations are ``ReLU(conv1d(x, weight, bias))`` computed **without the layer's
padding**: only valid windows are scanned, so every site is a real ``k``-mer of the input
(with ``padding="same"`` the edge windows would contain zero columns and bias the PPM
towards no base). Since ``ReLU`` is monotone, "maximum activation > 0" is the same as
"maximum pre-activation > 0" at the same position; for another monotone activation
(the exponential of the demo's DeepSEA) the same rule reads "pre-activation > 0".

Both strands (``both_strands=True``, as FactorNet did): the same scan is also run on the
reverse complement ``RC(x)``; the site found there is added *as it reads on the minus
strand* (the window of ``RC(x)``, 5'→3' on that strand). That is the k-mer the kernel
actually saw, in the kernel's own orientation, so both strands' sites align with the
kernel and with each other. Each sequence can then give up to two sites per kernel.

Sites are positioned 5'→3' on the scanned strand, rows A, C, G, T (the input ``X`` is
A, C, G, T by the package convention; an all-zero ``N`` column adds nothing to any base).
The computation is one batched pass (two for ``"basset"``) over ``X``: windows are
gathered with index arithmetic and summed over the batch, with no Python loop over
kernels or sequences, so its cost stays close to one forward pass of the layer.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from motifscope.core.devices import resolve_device
from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.core.validation import as_tensor, check_one_hot
from motifscope.io.meme import write_meme
from motifscope.zoo.layers import batchnorm_affine

__all__ = ["METHODS", "effective_kernels", "first_conv", "kernel_counts", "kernels_to_meme",
           "kernels_to_motifs"]

METHODS = ("danq", "basset", "topn", "weights")

# With "basset", sites are gathered one by one when there are few of them; when their
# windows would hold more numbers than the activation map, the counts are computed as
# a weight-gradient convolution instead (same result, bounded memory).
_GATHER_LIMIT = 1.0


def first_conv(model, layer=None) -> nn.Conv1d:
    """Find the first 1-D convolution of a model.

    Parameters
    ----------
    model : torch.nn.Module
        A zoo model (its ``first_conv`` attribute is used), any module (the first
        ``nn.Conv1d`` in ``model.modules()``), or an ``nn.Conv1d`` itself.
    layer : str, torch.nn.Conv1d or None
        A submodule name (as in ``model.named_modules()``) or the layer itself, to pick
        another convolution.

    Returns
    -------
    torch.nn.Conv1d
        A convolution with 4 input channels, stride 1, dilation 1 and one group.

    Raises
    ------
    InputError
        If no suitable convolution is found.
    """
    if isinstance(layer, nn.Conv1d):
        conv = layer
    elif isinstance(layer, str):
        mods = dict(model.named_modules())
        if layer not in mods:
            raise InputError(
                f"layer {layer!r} is not a submodule of {type(model).__name__}; "
                f"names include {list(mods)[1:6]}"
            )
        conv = mods[layer]
    elif layer is not None:
        raise InputError(
            f"layer must be a submodule name or an nn.Conv1d, got {type(layer).__name__}"
        )
    elif isinstance(model, nn.Conv1d):
        conv = model
    elif isinstance(getattr(model, "first_conv", None), nn.Conv1d):
        conv = model.first_conv
    elif callable(getattr(model, "first_conv", None)) and not isinstance(model, nn.Conv1d):
        conv = model.first_conv()
    else:
        if not isinstance(model, nn.Module):
            raise InputError(f"model must be a torch.nn.Module, got {type(model).__name__}")
        conv = next((m for m in model.modules() if isinstance(m, nn.Conv1d)), None)
        if conv is None:
            raise InputError(f"model {type(model).__name__} has no nn.Conv1d layer")
    if not isinstance(conv, nn.Conv1d):
        raise InputError(f"layer {layer!r} is a {type(conv).__name__}, expected nn.Conv1d")
    if conv.in_channels != 4 or conv.groups != 1:
        raise InputError(
            f"the first convolution has {conv.in_channels} input channels and {conv.groups} "
            "groups; expected 4 channels (A, C, G, T) and 1 group"
        )
    if conv.stride[0] != 1 or conv.dilation[0] != 1:
        raise InputError(
            f"the first convolution has stride {conv.stride[0]} and dilation "
            f"{conv.dilation[0]}; kernels_to_motifs needs stride 1 and dilation 1"
        )
    return conv


def _next_batchnorm(model, conv: nn.Conv1d):
    """The ``BatchNorm1d`` that directly follows ``conv`` in an ``nn.Sequential``, or None."""
    if not isinstance(model, nn.Module) or model is conv:
        return None
    for seq in model.modules():
        if not isinstance(seq, nn.Sequential):
            continue
        kids = list(seq.children())
        for i, m in enumerate(kids[:-1]):
            if m is conv and isinstance(kids[i + 1], nn.BatchNorm1d):
                return kids[i + 1]
    return None


def effective_kernels(model, layer=None) -> tuple[torch.Tensor, torch.Tensor]:
    """First-layer weights and bias with a following BatchNorm folded in.

    Parameters
    ----------
    model : torch.nn.Module
        The model, or its first ``nn.Conv1d`` (see :func:`first_conv`).
    layer : str, torch.nn.Conv1d or None
        Another convolution to use (see :func:`first_conv`).

    Returns
    -------
    W : torch.Tensor of shape (K, 4, k)
        ``weight · γ / σ`` when the convolution is followed by a ``BatchNorm1d`` (eval-mode
        statistics, ``σ = sqrt(running_var + eps)``), else the convolution's weight.
    b : torch.Tensor of shape (K,)
        ``(bias - μ) γ / σ + β``, or the bias (zeros when the layer has none). Both are
        detached copies in the layer's dtype and device.
    """
    conv = first_conv(model, layer)
    W = conv.weight.detach().clone()
    b = torch.zeros(W.shape[0], dtype=W.dtype, device=W.device) if conv.bias is None \
        else conv.bias.detach().clone()
    bn = _next_batchnorm(model, conv)
    if bn is not None and bn.running_mean is not None:
        with torch.no_grad():
            scale, shift = (t.to(W) for t in batchnorm_affine(bn))
        b = b * scale + shift
        W = W * scale[:, None, None]
    return W, b


def _rc(x: torch.Tensor) -> torch.Tensor:
    return x.flip(1).flip(2)


def _batches(X, batch_size, device, dtype, progress, desc):
    from tqdm.auto import tqdm

    N = X.shape[0]
    starts = range(0, N, batch_size)
    for s in tqdm(starts, desc=desc, disable=not progress, leave=False):
        yield as_tensor(X[s : s + batch_size], "X", dtype=dtype).to(device, non_blocking=True)


@torch.no_grad()
def kernel_counts(
    model,
    X,
    *,
    method: str = "danq",
    layer=None,
    both_strands: bool = False,
    batch_size: int = 128,
    device=None,
    act_threshold: float = 0.5,
    top_n: int = 100,
    progress: bool = True,
) -> tuple[np.ndarray, np.ndarray]:
    """Count the sites of every first-layer kernel (no pseudocounts, no filtering).

    Parameters
    ----------
    model : torch.nn.Module
        The model, or its first ``nn.Conv1d`` (see :func:`first_conv`).
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences, A, C, G, T. Batches are converted to the layer's dtype.
    method : {"danq", "basset", "topn"}
        The site definition (see the module notes).
    layer : str, torch.nn.Conv1d or None
        Another convolution to use (see :func:`first_conv`).
    both_strands : bool
        Also scan the reverse complement of every sequence.
    batch_size : int
        Sequences per batch.
    device : str, torch.device or None
        Where to compute (``None``: where the model is); the model is not moved.
    act_threshold : float
        ``"basset"`` only: fraction of (max − mean) above the mean.
    top_n : int
        ``"topn"`` only: sequences (strands) kept per kernel.
    progress : bool
        Show a progress bar.

    Returns
    -------
    counts : numpy.ndarray of shape (K, 4, k)
        Site counts per kernel, base (A, C, G, T) and position, float64.
    nsites : numpy.ndarray of shape (K,)
        Number of sites per kernel, int64.
    """
    if method not in ("danq", "basset", "topn"):
        raise InputError(f"method must be 'danq', 'basset' or 'topn' for counting, got {method!r}")
    W, b = effective_kernels(model, layer)
    check_one_hot(X, "X")
    if batch_size < 1:
        raise InputError(f"batch_size must be >= 1, got {batch_size}")
    device = resolve_device(device, model)
    W, b = W.to(device), b.to(device)
    K, _, k = W.shape
    L = X.shape[2]
    if L < k:
        raise InputError(f"X has length {L} but the kernels are {k} wide; need L >= {k}")
    dtype = W.dtype
    counts = torch.zeros(K, 4, k, dtype=torch.float64, device=device)
    nsites = torch.zeros(K, dtype=torch.int64, device=device)
    ar = torch.arange(k, device=device)

    def strands(xb):
        return (xb, _rc(xb)) if both_strands else (xb,)

    if method == "topn":
        if isinstance(top_n, bool) or not isinstance(top_n, int) or top_n < 1:
            raise InputError(f"top_n must be a positive integer, got {top_n!r}")
        return _topn_counts(X, W, b, top_n, strands, batch_size, device, progress)
    if method == "danq":
        for xb in _batches(X, batch_size, device, dtype, progress, "kernels (danq)"):
            for x in strands(xb):
                B = x.shape[0]
                z = F.conv1d(x, W, b)  # (B, K, P): valid windows only
                zmax, p = z.max(dim=2)  # (B, K)
                fired = zmax > 0
                pos = (p.unsqueeze(-1) + ar).reshape(B, 1, K * k).expand(B, 4, K * k)
                win = x.gather(2, pos).reshape(B, 4, K, k)
                win = win * fired.to(x.dtype)[:, None, :, None]
                counts += win.sum(0).transpose(0, 1).to(torch.float64)
                nsites += fired.sum(0)
        return counts.cpu().numpy(), nsites.cpu().numpy()

    # basset: first pass for per-kernel mean and max of ReLU(conv)
    tot = torch.zeros(K, dtype=torch.float64, device=device)
    mx = torch.zeros(K, dtype=dtype, device=device)
    npos = 0
    for xb in _batches(X, batch_size, device, dtype, progress, "kernels (basset stats)"):
        for x in strands(xb):
            a = torch.relu(F.conv1d(x, W, b))
            tot += a.sum(dim=(0, 2), dtype=torch.float64)
            mx = torch.maximum(mx, a.amax(dim=(0, 2)))
            npos += a.shape[0] * a.shape[2]
    mean = (tot / max(npos, 1)).to(dtype)
    thr = act_threshold * (mx - mean) + mean  # (K,)
    for xb in _batches(X, batch_size, device, dtype, progress, "kernels (basset sites)"):
        for x in strands(xb):
            a = torch.relu(F.conv1d(x, W, b))
            hit = a > thr[None, :, None]  # (B, K, P)
            nsites += hit.sum(dim=(0, 2))
            n_hit = int(hit.sum())
            if n_hit == 0:
                continue
            if n_hit * 4 * k <= _GATHER_LIMIT * hit.numel():
                n, kk, p = hit.nonzero(as_tuple=True)
                U = x.unfold(2, k, 1)  # (B, 4, P, k) view
                win = U[n, :, p, :]  # (S, 4, k)
                counts.index_add_(0, kk, win.to(torch.float64))
            else:
                g = torch.nn.grad.conv1d_weight(x, W.shape, hit.to(dtype))
                counts += g.to(torch.float64)
    return counts.cpu().numpy(), nsites.cpu().numpy()


def _max_windows(x, W, b):
    """Each kernel's maximum pre-activation per sequence and the one-hot window there."""
    B, (K, _, k) = x.shape[0], W.shape
    z = F.conv1d(x, W, b)  # (B, K, P): valid windows only
    zmax, p = z.max(dim=2)  # (B, K)
    pos = (p.unsqueeze(-1) + torch.arange(k, device=x.device)).reshape(B, 1, K * k)
    win = x.gather(2, pos.expand(B, 4, K * k)).reshape(B, 4, K, k).permute(2, 0, 1, 3)
    return zmax.T, win  # (K, B), (K, B, 4, k)


def _topn_counts(X, W, b, top_n, strands, batch_size, device, progress):
    """Streaming top-``top_n`` by maximum activation, per kernel (``method="topn"``)."""
    K, _, k = W.shape
    best = torch.full((K, 0), -torch.inf, dtype=W.dtype, device=device)
    wins = torch.zeros(K, 0, 4, k, dtype=W.dtype, device=device)
    for xb in _batches(X, batch_size, device, W.dtype, progress, "kernels (topn)"):
        for x in strands(xb):
            zmax, win = _max_windows(x, W, b)
            best, wins = torch.cat([best, zmax], 1), torch.cat([wins, win], 1)
            if best.shape[1] > top_n:
                best, idx = best.topk(top_n, dim=1)
                wins = wins.gather(1, idx[:, :, None, None].expand(K, top_n, 4, k))
    fired = best > 0
    counts = (wins * fired[:, :, None, None].to(wins.dtype)).sum(1).to(torch.float64)
    return counts.cpu().numpy(), fired.sum(1).cpu().numpy().astype(np.int64)


def _names(name_format, k):
    name, alt = name_format
    return name.format(k=k), (alt.format(k=k) if alt else None)


def kernels_to_motifs(
    model,
    X=None,
    *,
    method: str = "danq",
    layer=None,
    both_strands: bool = False,
    batch_size: int = 128,
    device=None,
    act_threshold: float = 0.5,
    top_n: int = 100,
    min_sites: int | None = None,
    pseudocount: float | None = None,
    weights_transform: str = "softmax",
    name_format: tuple = ("M{k}", "O{k}"),
    progress: bool = True,
) -> list[Motif]:
    """Turn a model's first-layer kernels into motifs.

    Parameters
    ----------
    model : torch.nn.Module
        A zoo model (``model.first_conv``), any module (its first ``nn.Conv1d``) or an
        ``nn.Conv1d``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L) or None
        One-hot example sequences, A, C, G, T (not needed for ``method="weights"``).
        DanQ's authors used the test sequences positive for NRSF.
    method : {"danq", "basset", "topn", "weights"}
        How sites are chosen (see the module notes).
    layer : str, torch.nn.Conv1d or None
        Another convolution to use (see :func:`first_conv`).
    both_strands : bool
        Also scan the reverse complement; its sites are added as they read on the minus
        strand (FactorNet).
    batch_size : int
        Sequences per batch.
    device : str, torch.device or None
        Where to compute (``None``: where the model is).
    act_threshold : float
        ``"basset"``: a site's activation must exceed
        ``act_threshold * (max - mean) + mean`` of its kernel.
    top_n : int
        ``"topn"``: the number of most activating sequences per kernel (DeepREG: 100).
    min_sites : int or None
        Kernels with fewer sites are dropped; default 1 for ``"danq"`` and ``"topn"``
        (kernels that never fire), 10 for ``"basset"``.
    pseudocount : float or None
        Added to every count; default 0 for ``"danq"`` and ``"topn"``, 1 for ``"basset"``.
    weights_transform : {"softmax", "shift"}
        ``"weights"`` only: per-position softmax of the kernel, or kernel minus its
        column minimum.
    name_format : tuple of (str, str or None)
        Formats of the name and alternative name, with ``{k}`` the kernel index;
        DanQ's files use ``("M{k}", "O{k}")``.
    progress : bool
        Show a progress bar.

    Returns
    -------
    list of Motif
        One motif per kept kernel, in kernel order, with PPMs of shape ``(4, k)``,
        ``counts`` (without pseudocounts) and ``nsites`` (``None`` for ``"weights"``),
        and ``meta`` holding ``kernel`` (the index), ``method`` and ``bias``.

    Examples
    --------
    >>> motifs = kernels_to_motifs(model, X_test[:10000])  # doctest: +SKIP
    >>> write_meme(motifs, "kernels.meme", style="danq")  # doctest: +SKIP
    """
    if method not in METHODS:
        raise InputError(f"method must be one of {METHODS}, got {method!r}")
    if weights_transform not in ("softmax", "shift"):
        raise InputError(
            f"weights_transform must be 'softmax' or 'shift', got {weights_transform!r}"
        )
    if not (isinstance(name_format, (tuple, list)) and len(name_format) == 2):
        raise InputError(f"name_format must be a (name, alt_name) pair, got {name_format!r}")
    W, bias = effective_kernels(model, layer)
    W = W.cpu().double()
    bias = bias.cpu().double().numpy()
    source = f"{type(model).__name__} first convolution ({method})"
    if method == "weights":
        if weights_transform == "softmax":
            P = torch.softmax(W, dim=1).numpy()
        else:
            P = (W - W.min(dim=1, keepdim=True).values).numpy()
        out = []
        for k in range(P.shape[0]):
            name, alt = _names(name_format, k)
            meta = {"kernel": k, "method": method, "bias": float(bias[k])}
            out.append(Motif(name=name, ppm=P[k], alt_name=alt, source=source, meta=meta))
        return out
    if X is None:
        raise InputError(f"method {method!r} needs example sequences X of shape (N, 4, L)")
    if method in ("danq", "topn"):
        min_sites = 1 if min_sites is None else min_sites
        pseudocount = 0.0 if pseudocount is None else pseudocount
    else:
        min_sites = 10 if min_sites is None else min_sites
        pseudocount = 1.0 if pseudocount is None else pseudocount
    if pseudocount < 0:
        raise InputError(f"pseudocount must be >= 0, got {pseudocount}")
    counts, nsites = kernel_counts(
        model,
        X,
        method=method,
        layer=layer,
        both_strands=both_strands,
        batch_size=batch_size,
        device=device,
        act_threshold=act_threshold,
        top_n=top_n,
        progress=progress,
    )
    out = []
    for k in np.flatnonzero(nsites >= min_sites):
        name, alt = _names(name_format, int(k))
        meta = {
            "kernel": int(k),
            "method": method,
            "bias": float(bias[k]),
            "both_strands": both_strands,
        }
        out.append(
            Motif.from_counts(
                name,
                counts[k],
                pseudocount=pseudocount,
                alt_name=alt,
                nsites=int(nsites[k]),
                source=source,
                meta=meta,
            )
        )
    return out


def kernels_to_meme(model, X, path, *, method: str = "danq", **kwargs) -> list[Motif]:
    """Convert kernels to motifs and write them as a MEME file.

    ``method="danq"`` writes DanQ's exact header (``MEME version 4.9.0``, ``E= 1337.0e-6``
    placeholder); the other methods write a plain MEME version 4 file.

    Parameters
    ----------
    model : torch.nn.Module
        See :func:`kernels_to_motifs`.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L) or None
        Example sequences, A, C, G, T.
    path : str or os.PathLike
        The MEME file to write (atomically).
    method : {"danq", "basset", "topn", "weights"}
        See :func:`kernels_to_motifs`.
    **kwargs
        Passed to :func:`kernels_to_motifs`.

    Returns
    -------
    list of Motif
        The motifs written.
    """

    motifs = kernels_to_motifs(model, X, method=method, **kwargs)
    write_meme(motifs, Path(os.fspath(path)), style="danq" if method == "danq" else "meme")
    return motifs
