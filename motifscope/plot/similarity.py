"""Plots of :mod:`motifscope.methods.similarity` (re-exported there): the query-similarity heatmap
with category bands (matplotlib, plotly) and a target's attention along a sequence."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from motifscope.core.errors import InputError

__all__ = ["plot_attention", "plot_similarity", "similarity_figure"]


def _category_bands(ax, categories, order, axis="both"):
    import matplotlib.patches as mpatches

    cats = np.asarray(categories, dtype=object)[order]
    palette = ["#4c72b0", "#dd8452", "#55a868", "#c44e52", "#8172b3", "#937860", "#da8bc3"]
    names = list(pd.unique(cats))
    start = 0
    T = len(cats)
    for i in range(1, T + 1):
        if i == T or cats[i] != cats[start]:
            col = palette[names.index(cats[start]) % len(palette)]
            ax.add_patch(mpatches.Rectangle((start - 0.5, -0.03 * T - 0.5), i - start, 0.025 * T,
                                            color=col, clip_on=False, transform=ax.transData))
            ax.add_patch(mpatches.Rectangle((-0.03 * T - 0.5, start - 0.5), 0.025 * T, i - start,
                                            color=col, clip_on=False, transform=ax.transData))
            ax.text((start + i) / 2, -0.045 * T, str(cats[start]), ha="center", va="bottom", fontsize=8)
            start = i


def plot_similarity(S, categories=None, *, order=None, ax=None, title=None, cmap="viridis",
                    vmin=None, vmax=None):
    """Static heatmap of a similarity map with category bands on both axes.

    Parameters
    ----------
    S : numpy.ndarray of shape (T, T)
        Similarity map (raw or enhanced).
    categories : sequence of length T or None
        Category of each target, drawn as coloured bands and labels.
    order : numpy.ndarray of shape (T,) or None
        Display order (see :func:`order_targets`).
    ax : matplotlib.axes.Axes or None
        Axes to draw in (a new figure otherwise).
    title : str or None
        Title.
    cmap : str
        Colormap.
    vmin, vmax : float or None
        Colour limits.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    S = np.asarray(S)
    order = np.arange(S.shape[0]) if order is None else np.asarray(order)
    if ax is None:
        _, ax = plt.subplots(figsize=(6.5, 6))
    im = ax.imshow(S[np.ix_(order, order)], cmap=cmap, vmin=vmin, vmax=vmax, interpolation="nearest")
    ax.figure.colorbar(im, ax=ax, fraction=0.046, pad=0.04, label="cosine similarity")
    ax.set_xticks([])
    ax.set_yticks([])
    if categories is not None:
        _category_bands(ax, categories, order)
    if title:
        ax.set_title(title, pad=22 if categories is not None else 6)
    return ax


def similarity_figure(S, labels: Sequence[str] | None = None, *, order=None, title=None,
                      decimals: int = 3):
    """Interactive plotly heatmap; hovering shows both targets' labels and the value.

    Parameters
    ----------
    S : numpy.ndarray of shape (T, T)
        Similarity map.
    labels : sequence of str or None
        One label per target (e.g. "351 K562 | NRSF | None"); indices by default.
    order : numpy.ndarray of shape (T,) or None
        Display order.
    title : str or None
        Title.
    decimals : int
        Values are rounded to keep the embedded JSON small.

    Returns
    -------
    plotly.graph_objects.Figure
    """
    import plotly.graph_objects as go

    S = np.asarray(S)
    T = S.shape[0]
    order = np.arange(T) if order is None else np.asarray(order)
    labels = [str(i) for i in range(T)] if labels is None else [str(x) for x in labels]
    if len(labels) != T:
        raise InputError(f"labels has {len(labels)} entries; expected {T}")
    lab = [f"{i}: {labels[i]}" if not labels[i].startswith(f"{i}") else labels[i] for i in order]
    fig = go.Figure(go.Heatmap(
        z=np.round(S[np.ix_(order, order)], decimals), x=lab, y=lab, colorscale="Viridis",
        hovertemplate="%{y}<br>%{x}<br>similarity %{z}<extra></extra>",
        colorbar={"title": "cosine"},
    ))
    fig.update_layout(title=title, height=720, width=760, xaxis={"showticklabels": False},
                      yaxis={"showticklabels": False, "autorange": "reversed"},
                      margin={"l": 20, "r": 20, "t": 50, "b": 20})
    return fig


def plot_attention(weights, *, ax=None, seq: str | None = None, title=None):
    """Attention weights of one target over the pooled positions, one line per head.

    Parameters
    ----------
    weights : numpy.ndarray of shape (heads, P)
        One sequence's weights for one target (a slice of :func:`attention_maps`).
    ax : matplotlib.axes.Axes or None
        Axes to draw in.
    seq : str or None
        Unused except for the title length hint; kept for API symmetry with other plots.
    title : str or None
        Title.

    Returns
    -------
    matplotlib.axes.Axes
    """
    import matplotlib.pyplot as plt

    W = np.asarray(weights)
    if W.ndim != 2:
        raise InputError(f"weights has shape {W.shape}; expected (heads, positions)")
    if ax is None:
        _, ax = plt.subplots(figsize=(7, 2.4))
    for h in range(W.shape[0]):
        ax.plot(np.arange(W.shape[1]), W[h], label=f"head {h}", lw=1.2)
    ax.set_xlabel("pooled position")
    ax.set_ylabel("attention")
    ax.legend(fontsize=7, ncol=min(4, W.shape[0]), frameon=False)
    if title:
        ax.set_title(title)
    return ax
