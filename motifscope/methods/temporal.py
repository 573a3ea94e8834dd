"""Temporal output scores (DeMo Dashboard): what the model says after seeing a prefix.

For a sequence ``x`` of length ``L`` and a target ``t``, the **forward score** at position
``i`` is the model's output for ``t`` when it has seen only bases ``0 … i`` (the prefix of
length ``i + 1``); the **backward score** at ``i`` is its output when it has seen only bases
``i … L−1`` (the suffix). Plotted under the sequence, a jump in the forward score marks the
base where the evidence for the target is complete, e.g. the end of a motif.

How the unseen part is handled depends on the model:

- **Truncation** (DeMo's own RNN and CNN-RNN, which average over time and accept any
  length; any model with ``variable_length = True``): the model runs on the prefix or
  suffix alone, exactly as DeMo's ``temporal_output_values.lua`` does. A prefix too short
  for the model's kernels scores NaN.
- **Masking** (fixed-length models: DeepSEA's and DanQ's flatten→dense, DeepATT's
  attention over a fixed number of positions): the model sees a full-length input in
  which the unseen part is replaced by a reference: all-zero columns (``N``, the
  default), the uniform background 0.25, or the same positions of dinucleotide shuffles
  of the sequence (``"shuffle"``, the mean score over the shuffles). Zeros mean "no base
  here" (what the model sees at padding), 0.25 "an average base"; both are inputs a model
  trained on whole sequences never saw, and some score them as confidently positive (a
  trained DanQ gives an all-``N`` input p = 1.00), so that the forward curve starts at 1
  and cannot rise. Shuffles ask "what if the rest were background of the same
  composition", an input like those the model was trained on. None is what DeMo did,
  because DeMo's models could not be given a fixed-length input; the score curves are
  comparable in shape, not in value.

Prefixes are batched: the ``L / step`` masked copies of a sequence go through the model in
batches of ``batch_size``. For DeMo's RNN models in truncation mode the forward LSTM is
causal, so one pass over the whole sequence gives its contribution to every prefix
(cumulative mean); only the backward direction is re-run per prefix, and the mirror
image for suffixes (``DeMoRNN.prefix_scores`` / ``suffix_scores`` in
:mod:`motifscope.zoo.demo_models`, used automatically when present).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from motifscope.core.devices import model_on
from motifscope.core.errors import InputError
from motifscope.core.sequence import dinucleotide_shuffle
from motifscope.core.validation import as_tensor, check_one_hot
from motifscope.methods.outputs import resolve_target

__all__ = [
    "TemporalScores",
    "plot_temporal",
    "temporal_figure",
    "temporal_scores",
]


@dataclass
class TemporalScores:
    """Temporal output scores of a batch of sequences.

    Attributes
    ----------
    forward : numpy.ndarray of shape (N, L // step) or None
        Score after seeing the prefix ending at each sampled position.
    backward : numpy.ndarray of shape (N, L // step) or None
        Score after seeing the suffix starting at each sampled position.
    positions : numpy.ndarray of shape (L // step,)
        The sampled positions (0-based): prefix ``0 … p`` / suffix ``p … L−1``.
    full : numpy.ndarray of shape (N,)
        Score on the whole sequence.
    mode : str
        ``"truncate"`` or ``"mask"``.
    reference : str or None
        The reference used for masking.
    output : str
        ``"probability"`` (sigmoid of the logit) or ``"logit"``.
    """

    forward: np.ndarray | None
    backward: np.ndarray | None
    positions: np.ndarray
    full: np.ndarray
    mode: str
    reference: str | None
    output: str

    def __getitem__(self, key):
        return getattr(self, key)


def _fills(X, reference: str, n_shuffles: int, random_state) -> torch.Tensor:
    """What masking puts in the unseen part: ``(N, S, 4, L)``, S fills per sequence."""
    if reference in ("zeros", "N", "n"):
        return torch.zeros_like(X)[:, None]
    if reference in ("background", "uniform", "0.25"):
        return torch.full_like(X, 0.25)[:, None]
    if reference == "shuffle":
        if int(n_shuffles) < 1:
            raise InputError(f"n_shuffles must be at least 1, got {n_shuffles}")
        return dinucleotide_shuffle(X, n=int(n_shuffles), random_state=random_state).to(X.dtype)
    raise InputError(f"reference must be 'zeros', 'background' or 'shuffle', got {reference!r}")


def _masked(model, x, P, direction, fills, fn, post, batch_size) -> np.ndarray:
    """Scores of one sequence ``x (4, L)`` with everything past (forward) or before
    (backward) each position of ``P`` taken from each fill ``(S, 4, L)``; the mean over
    the fills, ``(len(P),)``."""
    L = x.shape[-1]
    ar = torch.arange(L, device=x.device)
    total = torch.zeros(len(P))
    for f in fills.to(x.device):
        vals = []
        for a in range(0, len(P), batch_size):
            Pb = torch.as_tensor(P[a : a + batch_size], device=x.device)
            seen = (ar[None, :] <= Pb[:, None]) if direction == "forward" else (ar[None, :] >= Pb[:, None])
            xb = torch.where(seen[:, None, :], x[None], f[None])
            vals.append(post(fn(model(xb))).float().cpu())
        total += torch.cat(vals)
    return (total / fills.shape[0]).numpy()


@torch.no_grad()
def temporal_scores(model, X, *, target, direction: str = "forward", step: int = 1,
                    reference: str = "zeros", mode: str = "auto", output: str = "probability",
                    batch_size: int = 256, device=None, n_shuffles: int = 8,
                    random_state: int | np.random.Generator | None = 0) -> TemporalScores:
    """Temporal output scores, DeMo-style, for any model mapping ``(N, 4, L)`` to logits.

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` one-hot sequences to logits ``(N, T)``.
    X : torch.Tensor of shape (N, 4, L)
        One-hot sequences, A, C, G, T.
    target : int, list of int or callable
        Output to follow: an index, indices whose logits are summed, or a function
        ``(N, T) logits -> (N,)``.
    direction : {"forward", "backward", "both"}
        Prefixes, suffixes or both.
    step : int
        Sample every ``step``-th position (``L // step`` scores per direction).
    reference : {"zeros", "background", "shuffle"}
        What replaces the unseen part in masking mode: ``N`` columns, 0.25, or the same
        positions of ``n_shuffles`` dinucleotide shuffles of the sequence (the score is
        the mean over the shuffles).
    mode : {"auto", "truncate", "mask"}
        ``auto`` truncates when the model has ``variable_length = True`` and masks
        otherwise.
    output : {"probability", "logit"}
        Report ``sigmoid(logit)`` (as DeMo's p(pos)) or the logit.
    batch_size : int
        Masked copies per forward pass.
    device : str or torch.device
        Where to run; the model's device and training mode are restored afterwards.
    n_shuffles : int
        Shuffles averaged over with ``reference="shuffle"``.
    random_state : int, numpy.random.Generator or None
        Seed of the shuffles.

    Returns
    -------
    TemporalScores
        ``forward`` / ``backward`` arrays of shape ``(N, L // step)``.
    """
    check_one_hot(X)
    X = as_tensor(X)
    if direction not in ("forward", "backward", "both"):
        raise InputError(f"direction must be 'forward', 'backward' or 'both', got {direction!r}")
    if step < 1:
        raise InputError(f"step must be >= 1, got {step}")
    if output not in ("probability", "logit"):
        raise InputError(f"output must be 'probability' or 'logit', got {output!r}")
    if mode == "auto":
        mode = "truncate" if getattr(model, "variable_length", False) else "mask"
    if mode not in ("truncate", "mask"):
        raise InputError(f"mode must be 'auto', 'truncate' or 'mask', got {mode!r}")
    fn = resolve_target(target)
    N, _, L = X.shape
    fills = _fills(X, reference, n_shuffles, random_state) if mode == "mask" else None
    pos = np.arange(step - 1, L, step)  # prefix end / suffix start positions
    if direction in ("backward", "both"):
        pos_b = np.arange(0, L, step)[: len(pos)]
    post = torch.sigmoid if output == "probability" else (lambda z: z)
    with model_on(model, device) as dev, torch.no_grad():
        full = post(fn(model(X.to(dev)))).float().cpu().numpy()
        res = {}
        for d in (("forward", "backward") if direction == "both" else (direction,)):
            P = pos if d == "forward" else pos_b
            out = np.empty((N, len(P)), dtype=np.float32)
            fast = None
            if mode == "truncate":  # causal shortcuts of DeMo's RNNs (see the module docstring)
                fast = getattr(model, "prefix_scores" if d == "forward" else "suffix_scores", None)
            for n in range(N):
                x = X[n].to(dev)
                if fast is not None:
                    z = fast(x[None], positions=P)  # (len(P), T) logits
                    out[n] = post(fn(z)).float().cpu().numpy()
                    continue
                vals = []
                if mode == "truncate":
                    for p in P:
                        xi = x[:, : p + 1] if d == "forward" else x[:, p:]
                        try:
                            vals.append(post(fn(model(xi[None]))).float().cpu())
                        except RuntimeError:  # too short for the model's kernels
                            vals.append(torch.full((1,), float("nan")))
                    out[n] = torch.cat(vals).numpy()
                else:
                    out[n] = _masked(model, x, P, d, fills[n], fn, post, batch_size)
            res[d] = out
    return TemporalScores(res.get("forward"), res.get("backward"), pos, full, mode,
                          reference if mode == "mask" else None, output)


def plot_temporal(scores: TemporalScores, index: int = 0, *, seq: str | None = None, ax=None,
                  title: str | None = None, cmap: str = "RdBu_r"):
    """DeMo-style heatmap rows (forward, backward) over the sequence.

    Parameters
    ----------
    scores : TemporalScores
        Output of :func:`temporal_scores`.
    index : int
        Which sequence.
    seq : str or None
        The sequence's bases, shown under the rows when it has at most 150 positions.
    ax : matplotlib.axes.Axes or None
        Axes to draw in.
    title : str or None
        Title.
    cmap : str
        Colormap; probabilities use the fixed range 0–1 with 0.5 in the middle as in DeMo.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    rows, names = [], []
    for name in ("forward", "backward"):
        a = getattr(scores, name)
        if a is not None:
            rows.append(a[index])
            names.append(name)
    M = np.vstack(rows)
    if ax is None:
        _, ax = plt.subplots(figsize=(min(16, 2 + M.shape[1] / 12), 0.6 + 0.45 * len(rows)))
    kw = {"vmin": 0, "vmax": 1} if scores.output == "probability" else {}
    im = ax.imshow(M, aspect="auto", cmap=cmap, interpolation="nearest", **kw)
    ax.set_yticks(range(len(names)), names)
    pos = scores.positions
    if seq is not None and len(pos) <= 150:
        ax.set_xticks(range(len(pos)), [seq[p] for p in pos], fontsize=6, family="monospace")
    else:
        ticks = np.linspace(0, len(pos) - 1, min(len(pos), 11)).astype(int)
        ax.set_xticks(ticks, [str(pos[t]) for t in ticks])
        ax.set_xlabel("position")
    ax.figure.colorbar(im, ax=ax, fraction=0.02, pad=0.01,
                       label="p(target)" if scores.output == "probability" else "logit")
    if title:
        ax.set_title(title, parse_math=False)  # names from files are not mathtext
    return ax


def temporal_figure(scores: TemporalScores, index: int = 0, *, seq: str | None = None,
                    title: str | None = None):
    """Interactive plotly version of :func:`plot_temporal` (hover: position, base, score).

    Parameters
    ----------
    scores : TemporalScores
        Output of :func:`temporal_scores`.
    index : int
        Which sequence.
    seq : str or None
        The bases, shown on hover.
    title : str or None
        Title.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    names = [n for n in ("forward", "backward") if getattr(scores, n) is not None]
    M = np.vstack([getattr(scores, n)[index] for n in names])
    pos = scores.positions
    bases = [seq[p] if seq else "" for p in pos]
    text = [[f"position {p} {b}" for p, b in zip(pos, bases)] for _ in names]
    kw = {"zmin": 0, "zmax": 1} if scores.output == "probability" else {}
    fig = go.Figure(go.Heatmap(z=np.round(M, 4), x=pos, y=names, text=text, colorscale="RdBu",
                               reversescale=True, hovertemplate="%{text}<br>%{y}: %{z}<extra></extra>", **kw))
    fig.update_layout(title=title, height=220, margin={"l": 70, "r": 20, "t": 40, "b": 30},
                      xaxis_title="position")
    return fig
