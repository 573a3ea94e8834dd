"""Static and interactive pictures of attributions.

* :func:`plot_attribution_logo` — a window of attributions as a logo (logomaker), letters
  scaled by their attribution, negative ones drawn below zero; for publication logos of
  a few dozen positions (logomaker takes ~2 s per 100 columns; use
  :func:`motifscope.plot.logo.plot_logo` with ``kind="raw"`` for many logos).
* :func:`plot_attribution_track` — a whole sequence as a filled line (matplotlib), one
  value per position (the sum over bases, i.e. the observed base for projected
  attributions).
* :func:`attribution_track_figure` — the same track as an interactive plotly figure for
  the HTML report: one bar trace per base (A, C, G, T) so the observed base's colour shows,
  hover text with position, base and value.

Inputs follow the package layout: attributions ``(4, L)`` with rows A, C, G, T (or
``(L,)`` per-position values for tracks); logomaker's ``(L, 4)`` DataFrame is built
inside. Functions return the matplotlib ``Axes`` (or plotly ``Figure``) and never show.
"""

from __future__ import annotations

import numpy as np

from motifscope.core.errors import InputError

__all__ = [
    "BASE_COLORS",
    "attribution_track_figure",
    "plot_attribution_logo",
    "plot_attribution_track",
]

#: logomaker's ``classic`` colours for A, C, G, T.
BASE_COLORS = {"A": "#008000", "C": "#0000ff", "G": "#ffa500", "T": "#ff0000"}
_ACGT = "ACGT"


def _np(a) -> np.ndarray:
    if hasattr(a, "detach"):
        a = a.detach().cpu().numpy()
    return np.asarray(a, dtype=float)


def _matrix(attr, name="attr") -> np.ndarray:
    a = _np(attr)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim != 2 or a.shape[0] != 4:
        raise InputError(f"{name} has shape {a.shape}; expected (4, w) with rows A, C, G, T")
    return a


def _track(attr) -> np.ndarray:
    a = _np(attr)
    if a.ndim == 3 and a.shape[0] == 1:
        a = a[0]
    if a.ndim == 2 and a.shape[0] == 4:
        return a.sum(0)
    if a.ndim == 1:
        return a
    raise InputError(f"attr has shape {a.shape}; expected (4, L) or (L,)")


def _bases(seq, L: int) -> list[str] | None:
    if seq is None:
        return None
    if isinstance(seq, str):
        s = seq.upper()
    else:
        m = _matrix(seq, "seq")
        s = "".join(_ACGT[i] if m[i, j] > 0 else "N" for j, i in enumerate(m.argmax(0)))
    if len(s) != L:
        raise InputError(f"seq has length {len(s)} but the attributions have {L} positions")
    return list(s)


def plot_attribution_logo(attr, ax=None, *, start: int = 0, title: str | None = None):
    """Draw a window of attributions as a logo with logomaker.

    Parameters
    ----------
    attr : torch.Tensor or numpy.ndarray of shape (4, w)
        Attributions of a window (rows A, C, G, T), e.g. ``(attr * X)[i, :, a:b]`` for
        the observed bases, or hypothetical contributions.
    ax : matplotlib.axes.Axes or None
        Where to draw; a new figure ``0.25 w + 1`` inches wide when ``None``.
    start : int
        Sequence coordinate of the first column (x tick labels).
    title : str or None
        Axes title.

    Returns
    -------
    matplotlib.axes.Axes
        With one glyph patch per non-zero cell (logomaker ``Glyph`` objects draw
        ``PathPatch`` artists in ``ax.patches``) and a baseline at zero.
    """
    import logomaker
    import pandas as pd

    a = _matrix(attr)
    w = a.shape[1]
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(0.25 * w + 1, 1.8))
    df = pd.DataFrame(a.T, columns=list(_ACGT), index=np.arange(start, start + w))
    logomaker.Logo(df, ax=ax, color_scheme="classic", flip_below=True, baseline_width=0.5)
    ax.set_ylabel("attribution")
    ax.set_xlim(start - 0.5, start + w - 0.5)
    if title:
        ax.set_title(title, parse_math=False)  # names from files are not mathtext
    return ax


def plot_attribution_track(attr, ax=None, *, start: int = 0, title: str | None = None,
                           color_pos: str = "#c0392b", color_neg: str = "#2471a3"):
    """Draw per-position attributions along a whole sequence.

    Parameters
    ----------
    attr : torch.Tensor or numpy.ndarray of shape (4, L) or (L,)
        Attributions; ``(4, L)`` is summed over bases (the observed base's value for
        projected attributions).
    ax : matplotlib.axes.Axes or None
        Where to draw; a new 10 × 1.8-inch figure when ``None``.
    start : int
        Coordinate of the first position.
    title : str or None
        Axes title.
    color_pos, color_neg : str
        Fill colours above and below zero.

    Returns
    -------
    matplotlib.axes.Axes
        With one line (the track, ``gid="track"``) and two filled areas (positive and
        negative parts, ``gid="positive"`` / ``"negative"``) in ``ax.collections``.
    """
    v = _track(attr)
    x = np.arange(start, start + len(v))
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(10, 1.8))
    pos = ax.fill_between(x, 0, np.clip(v, 0, None), color=color_pos, linewidth=0,
                          step="mid")
    pos.set_gid("positive")
    neg = ax.fill_between(x, 0, np.clip(v, None, 0), color=color_neg, linewidth=0,
                          step="mid")
    neg.set_gid("negative")
    (line,) = ax.plot(x, v, color="black", linewidth=0.4, drawstyle="steps-mid")
    line.set_gid("track")
    ax.axhline(0, color="grey", linewidth=0.5)
    ax.set_xlim(x[0] - 0.5, x[-1] + 0.5)
    ax.set_xlabel("position")
    ax.set_ylabel("attribution")
    if title:
        ax.set_title(title, parse_math=False)  # names from files are not mathtext
    return ax


def attribution_track_figure(attr, seq=None, *, start: int = 0, title: str | None = None,
                             height: int = 260):
    """An interactive attribution track (plotly), for the HTML report.

    Parameters
    ----------
    attr : torch.Tensor or numpy.ndarray of shape (4, L) or (L,)
        Attributions (summed over bases per position).
    seq : str, torch.Tensor or numpy.ndarray of shape (4, L), or None
        The sequence; colours each bar by its base and adds it to the hover text. Without
        it, a single grey trace is drawn.
    start : int
        Coordinate of the first position.
    title : str or None
        Figure title.
    height : int
        Figure height in pixels.

    Returns
    -------
    plotly.graph_objects.Figure
        One ``Bar`` trace per base present (named ``A``, ``C``, ``G``, ``T``, ``N``), or a
        single trace named ``attribution`` when ``seq`` is None.
    """
    import plotly.graph_objects as go

    v = _track(attr)
    L = len(v)
    x = np.arange(start, start + L)
    bases = _bases(seq, L)
    fig = go.Figure()
    if bases is None:
        fig.add_trace(go.Bar(x=x, y=v, name="attribution", marker_color="#7f7f7f",
                             hovertemplate="pos %{x}<br>%{y:.4g}<extra></extra>"))
    else:
        arr = np.array(bases)
        for b in "ACGTN":
            sel = arr == b
            if not sel.any():
                continue
            fig.add_trace(go.Bar(
                x=x[sel], y=v[sel], name=b, marker_color=BASE_COLORS.get(b, "#7f7f7f"),
                hovertemplate=f"pos %{{x}} {b}<br>%{{y:.4g}}<extra></extra>"))
    fig.update_layout(title=title, height=height, bargap=0, barmode="overlay",
                      margin={"l": 50, "r": 10, "t": 40 if title else 10, "b": 40},
                      xaxis_title="position", yaxis_title="attribution",
                      legend={"orientation": "h"}, template="simple_white")
    return fig
