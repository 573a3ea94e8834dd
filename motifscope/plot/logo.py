"""Sequence logos: a fast renderer for galleries, and logomaker for single logos.

:func:`plot_logo` draws each letter as a filled matplotlib path. The four glyph outlines
(A, C, G, T in bold sans-serif, from :class:`matplotlib.textpath.TextPath`) are built once,
normalised to the unit box exactly as logomaker's ``Glyph`` does (horizontal stretch
capped by the width of ``E``, the glyph centred in a 0.95-wide slot), then placed with
one affine transform per cell. Letters stack by height with the largest on top; negative
values (attribution maps) stack downwards from zero, the largest farthest away, and are
drawn upside down, as logomaker does with ``flip_below=True``. Colours are logomaker's
``classic`` scheme, so the picture matches :func:`plot_logo_logomaker` while costing a
small fraction of its time (logomaker builds a ``TextPath`` and a pandas cell per glyph).

:func:`logo_gallery` writes one image per motif, reusing a single figure.

Heights (``kind``):

- ``"information"``: ``p_b × IC`` with ``IC = sum_b p_b log2(p_b / q_b)`` bits; y from 0 to 2;
- ``"probability"``: ``p_b``; y from 0 to 1;
- ``"raw"``: the matrix values as given (e.g. attributions × one-hot), any sign.

Matrices are ``(4, w)``, rows A, C, G, T (the package convention); logomaker's DataFrame
is ``(w, 4)``: transposed only inside :func:`plot_logo_logomaker`.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_path
from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif

__all__ = ["COLORS", "logo_gallery", "logo_heights", "plot_logo", "plot_logo_logomaker",
           "plot_match"]

#: logomaker's ``classic`` colours.
COLORS = {"A": (0.0, 0.5, 0.0), "C": (0.0, 0.0, 1.0), "G": (1.0, 0.65, 0.0), "T": (1.0, 0.0, 0.0)}
_LETTERS = "ACGT"
_WIDTH = 0.95  # logomaker's glyph width
_GLYPHS: dict | None = None
_KINDS = ("information", "probability", "raw")


def _glyphs():
    """Unit-box glyph paths ``{letter: (upright, flipped)}``, built once."""
    global _GLYPHS
    if _GLYPHS is None:
        from matplotlib.font_manager import FontProperties
        from matplotlib.path import Path as MPath
        from matplotlib.textpath import TextPath
        from matplotlib.transforms import Affine2D

        prop = FontProperties(family="sans", weight="bold")
        e_width = TextPath((0, 0), "E", size=1, prop=prop).get_extents().width
        out = {}
        for c in _LETTERS:
            tp = TextPath((0, 0), c, size=1, prop=prop)
            tp = MPath(tp.vertices.copy(), tp.codes.copy())
            bb = tp.get_extents()
            hs = min(1.0 / bb.width, 1.0 / e_width)  # never stretch more than "E"
            shift = (1.0 - hs * bb.width) / 2.0
            unit = Affine2D().translate(-bb.xmin, -bb.ymin).scale(hs, 1.0 / bb.height)
            unit = unit.translate(shift, 0).transform_path(tp)
            flipped = Affine2D().scale(1, -1).translate(0, 1).transform_path(unit)
            out[c] = (unit, flipped)
        _GLYPHS = out
    return _GLYPHS


def _as_matrix(matrix, kind: str, background=None) -> tuple[np.ndarray, np.ndarray]:
    """Return ``(values (4, w), heights (4, w))`` for ``kind``."""
    if kind not in _KINDS:
        raise InputError(f"kind must be one of {_KINDS}, got {kind!r}")
    if isinstance(matrix, Motif):
        M = matrix.ppm
    else:
        try:
            import torch

            if isinstance(matrix, torch.Tensor):
                matrix = matrix.detach().cpu().numpy()
        except ImportError:  # pragma: no cover
            pass
        M = np.asarray(matrix, dtype=np.float64)
    if M.ndim != 2 or M.shape[0] != 4 or M.shape[1] < 1:
        raise InputError(f"logo matrix has shape {M.shape}, expected (4, w) with rows A, C, G, T")
    if not np.isfinite(M).all():
        raise InputError("logo matrix holds non-finite values")
    if kind == "raw":
        return M, M
    if (M < 0).any():
        raise InputError(f"kind={kind!r} needs non-negative probabilities; use kind='raw'")
    s = M.sum(0, keepdims=True)
    P = np.where(s > 0, M / np.where(s > 0, s, 1), 0.25)
    if kind == "probability":
        return P, P
    m = Motif("logo", P)
    return P, P * m.information_content(background)[None, :]


def logo_heights(matrix, kind: str = "information", background=None) -> np.ndarray:
    """Glyph heights of a logo.

    Parameters
    ----------
    matrix : Motif or array-like of shape (4, w)
        A motif, a PPM/counts matrix (rows A, C, G, T), or any matrix for ``"raw"``.
    kind : {"information", "probability", "raw"}
        What the heights show (see the module notes).
    background : array-like of shape (4,) or None
        Background for the information content; uniform by default.

    Returns
    -------
    numpy.ndarray of shape (4, w)
    """
    return _as_matrix(matrix, kind, background)[1]


def _ylim(H, kind):
    if kind == "information":
        return (0.0, 2.0)
    if kind == "probability":
        return (0.0, 1.0)
    lo = min(0.0, float(np.where(H < 0, H, 0).sum(0).min()))
    hi = max(0.0, float(np.where(H > 0, H, 0).sum(0).max()))
    if lo == hi:
        hi = 1.0
    return lo, hi


def _style(ax, w, kind, H, title):
    ax.set_xlim(-_WIDTH / 2, w - 1 + _WIDTH / 2)
    ax.set_ylim(*_ylim(H, kind))
    step = 1 if w <= 30 else int(np.ceil(w / 20))
    ticks = list(range(0, w, step))
    ax.set_xticks(ticks)
    ax.set_xticklabels([str(t + 1) for t in ticks], fontsize=7)
    ax.tick_params(axis="y", labelsize=7)
    ax.set_ylabel(
        {"information": "bits", "probability": "probability", "raw": ""}[kind], fontsize=8
    )
    for s in ("top", "right"):
        ax.spines[s].set_visible(False)
    if kind == "raw":
        ax.axhline(0, color="black", linewidth=0.5, zorder=-1)
    if title is not None:
        ax.set_title(title, fontsize=9, parse_math=False)


def _cells(H):
    """Yield ``(letter, position, floor, height, flipped)`` for every nonzero cell,
    stacked like logomaker's ``big_on_top``."""
    w = H.shape[1]
    order = np.argsort(H, axis=0, kind="stable")  # ascending per column
    Hs = np.take_along_axis(H, order, axis=0)
    neg = np.where(Hs < 0, Hs, 0.0)
    floor0 = neg.sum(0)
    floors = floor0[None, :] + np.vstack([np.zeros((1, w)), np.cumsum(np.abs(Hs), 0)[:-1]])
    for r in range(4):
        for j in range(w):
            v = Hs[r, j]
            if v != 0:
                yield _LETTERS[order[r, j]], j, floors[r, j], abs(v), v < 0


def _glyph_paths(H, shift: int = 0):
    """``[(letter, position, Path)]`` in data coordinates, one per nonzero cell; column
    ``j`` is drawn at ``x = j + shift``."""
    from matplotlib.path import Path as MPath

    G = _glyphs()
    out = []
    for c, j, floor, h, flip in _cells(H):
        unit = G[c][1 if flip else 0]
        v = unit.vertices * (_WIDTH, h) + (j + shift - _WIDTH / 2, floor)
        out.append((c, j, MPath(v, unit.codes)))
    return out


def _add(ax, patch):
    # add_artist, not add_patch: the limits are set explicitly, and add_patch's
    # data-limit update (Bezier extents of every glyph) dominates the drawing time
    patch.set_transform(ax.transData)
    patch.set_clip_path(ax.patch)
    ax.add_artist(patch)


def _title_of(matrix, title):
    if title is None and isinstance(matrix, Motif):
        title = matrix.name + (f" {matrix.alt_name}" if matrix.alt_name else "")
    return title


def plot_logo(
    matrix, ax=None, *, kind: str = "information", title: str | None = None, background=None,
    compound: bool = False,
):
    """Draw a sequence logo quickly (one path patch per nonzero cell).

    Parameters
    ----------
    matrix : Motif or array-like of shape (4, w)
        A motif, a PPM or counts (rows A, C, G, T), or, with ``kind="raw"``, any matrix
        such as attributions (negative values are drawn below zero, upside down).
    ax : matplotlib.axes.Axes or None
        Where to draw; a new figure of width ``0.25 w + 0.6`` inches when ``None``.
    kind : {"information", "probability", "raw"}
        What the letter heights show (see the module notes).
    title : str or None
        Axes title; for a :class:`Motif`, ``None`` means its name and alt name.
    background : array-like of shape (4,) or None
        Background for the information content; uniform by default.
    compound : bool
        Draw one compound path per letter (gid ``"<letter>"``) instead of one patch per
        cell: the same picture, much faster for figures with many logos.

    Returns
    -------
    matplotlib.axes.Axes
        The axes; each glyph is a ``PathPatch`` in ``ax.patches`` with gid
        ``"<letter>:<position>"`` (``compound=False``).
    """
    _, H = _as_matrix(matrix, kind, background)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(0.25 * H.shape[1] + 0.6, 1.4))
    if compound:
        _draw_compound(ax, H)
    else:
        _draw(ax, H)
    _style(ax, H.shape[1], kind, H, _title_of(matrix, title))
    return ax


def _draw_compound(ax, H) -> list:
    """Draw ``H`` as one compound path per letter (the same picture as :func:`_draw` with 4
    artists instead of one per cell, so many logos draw in a fraction of the time)."""
    from matplotlib.patches import PathPatch
    from matplotlib.path import Path as MPath

    paths, patches = _glyph_paths(H), []
    for c in _LETTERS:
        mine = [p for cc, _, p in paths if cc == c]
        if mine:
            patch = PathPatch(MPath.make_compound_path(*mine), facecolor=COLORS[c],
                              edgecolor="none", linewidth=0.0)
            patch.set_gid(c)
            _add(ax, patch)
            patches.append(patch)
    return patches


def _draw(ax, H, shift: int = 0):
    from matplotlib.patches import PathPatch

    for c, j, path in _glyph_paths(H, shift):
        patch = PathPatch(path, facecolor=COLORS[c], edgecolor="none", linewidth=0.0)
        patch.set_gid(f"{c}:{j}")
        _add(ax, patch)


def plot_match(query, target, offset: int, orientation: str = "+", *, axes=None,
               kind: str = "information", background=None):
    """Draw a Tomtom match: the query's logo above the target's, columns aligned.

    Parameters
    ----------
    query, target : Motif
        The two motifs (``target`` as stored in the database, not reverse-complemented).
    offset : int
        Tomtom's offset: query column ``i`` aligns with target column ``i + offset``
        (the ``offset`` column of :func:`motifscope.methods.tomtom.tomtom`).
    orientation : {"+", "-"}
        ``"-"`` draws the reverse complement of ``target``, the strand that matched.
    axes : sequence of two matplotlib Axes or None
        Where to draw the query and the target; a new two-row figure when ``None``.
    kind : {"information", "probability"}
        What the letter heights show.
    background : array-like of shape (4,) or None
        Background for the information content; uniform by default.

    Returns
    -------
    tuple of matplotlib.axes.Axes
        ``(query_axes, target_axes)``; both span the union of the two motifs, query
        column 0 at ``x = 0``, and every glyph's gid is ``"<letter>:<column>"`` of its
        own motif.
    """
    for name, m in (("query", query), ("target", target)):
        if not isinstance(m, Motif):
            raise InputError(f"{name} is a {type(m).__name__}, expected a Motif")
    if orientation not in ("+", "-"):
        raise InputError(f"orientation must be '+' or '-', got {orientation!r}")
    if kind == "raw":
        raise InputError("plot_match draws motifs: kind must be 'information' or "
                         "'probability', got 'raw'")
    shown = target.reverse_complement() if orientation == "-" else target
    offset = int(offset)
    wq, wt = query.ppm.shape[1], shown.ppm.shape[1]
    lo, hi = min(0, -offset), max(wq, wt - offset) - 1
    if axes is None:
        import matplotlib.pyplot as plt

        _, axes = plt.subplots(2, 1, figsize=(0.25 * (hi - lo + 1) + 0.6, 2.8), sharex=True)
    titles = (_title_of(query, None),
              _title_of(target, None) + (" (reverse complement)" if orientation == "-" else ""))
    for ax, m, shift, title in ((axes[0], query, 0, titles[0]),
                                (axes[1], shown, -offset, titles[1])):
        _, H = _as_matrix(m, kind, background)
        _draw(ax, H, shift)
        _style(ax, H.shape[1], kind, H, title)
        ax.set_xlim(lo - _WIDTH / 2, hi + _WIDTH / 2)
        ax.set_xticks(range(lo, hi + 1, 1 if hi - lo < 30 else int(np.ceil((hi - lo) / 20))))
        ax.set_xticklabels([str(t) for t in ax.get_xticks().astype(int)], fontsize=7)
    return axes[0], axes[1]


def plot_logo_logomaker(
    matrix, ax=None, *, kind: str = "information", title: str | None = None, background=None
):
    """Draw a publication logo with logomaker (slow; same picture as :func:`plot_logo`).

    Parameters
    ----------
    matrix : Motif or array-like of shape (4, w)
        As in :func:`plot_logo`.
    ax : matplotlib.axes.Axes or None
        Where to draw; a new figure when ``None``.
    kind : {"information", "probability", "raw"}
        What the letter heights show.
    title : str or None
        Axes title; for a :class:`Motif`, ``None`` means its name.
    background : array-like of shape (4,) or None
        Background for the information content; uniform by default.

    Returns
    -------
    logomaker.Logo
        The logo object (its axes is ``.ax``).
    """
    import logomaker
    import pandas as pd

    _, H = _as_matrix(matrix, kind, background)
    if ax is None:
        import matplotlib.pyplot as plt

        _, ax = plt.subplots(figsize=(0.25 * H.shape[1] + 0.6, 1.4))
    title = _title_of(matrix, title)
    df = pd.DataFrame(H.T, columns=list(_LETTERS))
    logo = logomaker.Logo(df, ax=ax, color_scheme="classic", font_name="sans", baseline_width=0.0)
    _style(ax, H.shape[1], kind, H, title)
    return logo


def _safe(name: str) -> str:
    return re.sub(r"[^A-Za-z0-9._+-]+", "_", name).strip("._") or "motif"


def logo_gallery(
    motifs,
    out_dir,
    *,
    kind: str = "information",
    fmt: str = "png",
    dpi: int = 100,
    height: float = 1.4,
    background=None,
    progress: bool = True,
) -> list[Path]:
    """Write one logo image per motif, reusing a single figure.

    Parameters
    ----------
    motifs : iterable of Motif
        The motifs (e.g. from :func:`motifscope.methods.kernels.kernels_to_motifs`).
    out_dir : str or os.PathLike
        Folder for the images (created if missing). Files are named after the motifs
        (``<name>.<fmt>``, unsafe characters replaced; repeated names get ``_<i>``) and
        written atomically.
    kind : {"information", "probability", "raw"}
        What the letter heights show.
    fmt : str
        Image format understood by matplotlib (``"png"``, ``"svg"``, ``"pdf"``).
    dpi : int
        Resolution of raster images.
    height : float
        Figure height in inches; the width is ``0.25 w + 0.6`` inches.
    background : array-like of shape (4,) or None
        Background for the information content.
    progress : bool
        Show a progress bar.

    Returns
    -------
    list of pathlib.Path
        The files written, in motif order.
    """
    import matplotlib
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    from tqdm.auto import tqdm

    motifs = list(motifs)
    for i, m in enumerate(motifs):
        if not isinstance(m, Motif):
            raise InputError(f"motifs[{i}] is a {type(m).__name__}, expected a Motif")
    if not re.fullmatch(r"[a-z0-9]+", fmt):
        raise InputError(f"fmt must be an image format such as 'png', got {fmt!r}")
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    fig = Figure(figsize=(4, height))
    FigureCanvasAgg(fig)
    ax = fig.add_axes((0.12, 0.2, 0.85, 0.65))
    written, seen = [], {}
    styled = None  # (width, ylim) the axes are currently styled for
    glyphs: list = []
    with matplotlib.rc_context({"svg.hashsalt": "motifscope"}):
        for m in tqdm(motifs, desc="logos", disable=not progress, leave=False):
            _, H = _as_matrix(m, kind, background)
            key = (m.width, _ylim(H, kind))
            if key != styled:
                ax.cla()
                fig.set_size_inches(0.25 * m.width + 0.6, height)
                _style(ax, m.width, kind, H, None)
                styled = key
            else:
                for p in glyphs:
                    p.remove()
            glyphs = _draw_compound(ax, H)
            ax.set_title(_title_of(m, None), fontsize=9, parse_math=False)
            stem = _safe(m.name)
            n = seen.get(stem, 0)
            seen[stem] = n + 1
            if n:
                stem = f"{stem}_{n}"
            path = out / f"{stem}.{fmt}"
            with atomic_path(path) as tmp:
                fig.savefig(tmp, format=fmt, dpi=dpi)
            written.append(path)
    return written
