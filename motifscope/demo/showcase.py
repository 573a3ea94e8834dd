"""A run at a glance: its headline pictures against a planted truth.

The demo's landing page and the top of each run report show, per model, the pictures that
say whether it learned what was planted, rather than tables of numbers:

- ``planted_matches.png``: each planted motif beside the best-matching first-layer kernel
  and, where NeuronMotif ran, the best-matching decoupled sub-motif (Tomtom q-values in the
  titles; a reverse-strand match is drawn reverse-complemented so the logos line up);
- ``attribution_track.png``: one DeepLIFT-SHAP contribution track with the planted instances
  of its task shaded;
- the temporal-score curve, the optimised inputs' logos and (attention models) the
  query-vector similarity heatmap: the first picture of each of those analyses' sections.

:func:`write` makes these from the :class:`~motifscope.analysis.Result` of each analysis and
writes them as the report section ``analyses/showcase/`` (order 5, before the analyses);
:func:`pictures` reads the list back for the landing page.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np

from motifscope.analysis.base import Output
from motifscope.io.meme import read_meme
from motifscope.methods.tomtom import tomtom
from motifscope.plot.attribution import plot_attribution_track
from motifscope.plot.backend import pyplot
from motifscope.plot.logo import plot_logo
from motifscope.report.blocks import Gallery, GalleryItem

__all__ = ["NAME", "attribution_track_figure", "pictures", "planted_matches_figure", "write"]

NAME, TITLE, ORDER = "showcase", "At a glance", 5

#: Analyses whose own first picture is a headline: analysis → caption.
_OWN = {"temporal": "temporal output scores: the score rises where the model reads the motif",
        "optimize": "class optimisation: the input each task's output wants",
        "similarity": "query-vector similarity of the tasks"}


def _first_image(result) -> str | None:
    """The first image of a result's report section (what the analysis shows first)."""
    for b in result.section.get("blocks", []):
        kind = b.get("type") if isinstance(b, dict) else getattr(b, "type", "")
        path = b.get("path") if isinstance(b, dict) else getattr(b, "path", None)
        if kind == "image" and path and (result.directory / path).is_file():
            return path
    return None


def _best(hits, target):
    """The row of ``hits`` with the smallest q-value for ``target`` (or None)."""
    if hits is None or not len(hits):
        return None
    rows = hits[hits["target"] == target]
    return None if rows.empty else rows.sort_values("q_value").iloc[0]


def _aligned(motif, hit):
    return motif.reverse_complement() if hit["orientation"] == "-" else motif


def planted_matches_figure(planted, kernel_motifs, kernel_hits, nm_motifs=None, nm_hits=None,
                           *, max_rows: int = 6):
    """Planted motifs beside their best-matching kernel and NeuronMotif sub-motif.

    Parameters
    ----------
    planted : list of Motif
        The planted motifs (PPMs ``(4, w)``).
    kernel_motifs : list of Motif
        The first-layer kernels' motifs.
    kernel_hits : pandas.DataFrame or None
        Tomtom of the kernels against ``planted`` (``query``, ``target``, ``orientation``,
        ``q_value``).
    nm_motifs : dict of str to Motif or None
        NeuronMotif sub-motifs by name (a third column when given).
    nm_hits : pandas.DataFrame or None
        Tomtom of the sub-motifs against ``planted``.
    max_rows : int
        Planted motifs shown, best-matched first.

    Returns
    -------
    matplotlib.figure.Figure
    """

    plt = pyplot()

    by_name = {m.name: m for m in kernel_motifs}
    columns = [("planted", None, None), ("best kernel", by_name, kernel_hits)]
    if nm_motifs is not None:
        columns.append(("best NeuronMotif sub-motif", nm_motifs, nm_hits))
    q = [(_best(kernel_hits, m.name)["q_value"] if _best(kernel_hits, m.name) is not None
          else np.inf) for m in planted]
    shown = [planted[i] for i in np.argsort(q, kind="stable")[:max_rows]]
    fig, axes = plt.subplots(len(shown), len(columns), squeeze=False,
                             figsize=(3.3 * len(columns), 1.25 * len(shown) + 0.4))
    for r, m in enumerate(shown):
        for c, (_label, motifs, hits) in enumerate(columns):
            ax = axes[r, c]
            if motifs is None:
                plot_logo(m, ax=ax, title=f"{m.alt_name or m.name}")
                continue
            hit = _best(hits, m.name)
            if hit is None or hit["query"] not in motifs:
                ax.axis("off")
                ax.text(0.5, 0.5, "no match", ha="center", va="center", color="#c0392b")
                continue
            plot_logo(_aligned(motifs[hit["query"]], hit), ax=ax,
                      title=f"{hit['query']}  q = {hit['q_value']:.1g}")
            if hit["q_value"] >= 0.05:
                ax.set_facecolor("#fdecea")
    for c, (label, _, _) in enumerate(columns):
        axes[0, c].annotate(label, (0.5, 1.45), xycoords="axes fraction", ha="center",
                            fontsize=10, fontweight="bold")
    fig.tight_layout()
    return fig


def attribution_track_figure(attr, x, intervals, *, title: str = ""):
    """A contribution track with the planted instances shaded.

    Parameters
    ----------
    attr : numpy.ndarray of shape (4, L)
        Attributions of one sequence.
    x : numpy.ndarray of shape (4, L)
        Its one-hot sequence (the contribution is ``attr * x`` summed over bases).
    intervals : list of (int, int)
        Planted instances, 0-based half-open.
    title : str
        Axes title.

    Returns
    -------
    matplotlib.figure.Figure
    """

    plt = pyplot()

    fig, ax = plt.subplots(figsize=(12, 2.2))
    for k, (a, b) in enumerate(intervals):
        ax.axvspan(a - 0.5, b - 0.5, color="#f5b041", alpha=0.35, linewidth=0,
                   label="planted instance" if k == 0 else None)
    plot_attribution_track(np.asarray(attr) * np.asarray(x), ax=ax, title=title)
    if intervals:
        ax.legend(loc="upper right", fontsize=8, frameon=False)
    fig.tight_layout()
    return fig


def _neuronmotif_motifs(result):
    ldir = result.directory / f"layer{result.data['layer']}"
    motifs = {}
    for c in result.data["neurons"]:
        f = ldir / f"neuron{c:04d}" / "submotifs.meme"
        if f.exists():
            motifs.update({m.name: m for m in read_meme(f)})
    return motifs


def _match_picture(out, truth, results) -> GalleryItem | None:
    kern = results.get("kernels")
    if kern is None or not kern.data.get("motifs"):
        return None
    khits = tomtom(kern.data["motifs"], truth.motifs, dist="pearson", thresh=1.0)
    nm = results.get("neuronmotif")
    nm_motifs = nm_hits = None
    if nm is not None:
        nm_motifs = _neuronmotif_motifs(nm)
        nm_hits = nm.data["hits"]
        if nm_hits is not None:
            nm_hits = nm_hits[nm_hits["target"].isin({m.name for m in truth.motifs})]
    out.figure(planted_matches_figure(truth.motifs, kern.data["motifs"], khits, nm_motifs,
                                      nm_hits), "planted_matches.png")
    return GalleryItem("planted_matches.png", caption="planted motifs and what the model learned",
                       subtitle="kernel and NeuronMotif matches (red: q ≥ 0.05)")


def _track_picture(out, truth, results) -> GalleryItem | None:
    att = results.get("attribution")
    if att is None or not att.data.get("maps"):
        return None
    maps = att.data["maps"]
    key = next((k for k in maps if k[0] == "deeplift_shap"), next(iter(maps)))
    rows, attr = maps[key]
    r = int(rows[0])
    x = np.asarray(att.data["X"][r])
    out.figure(attribution_track_figure(np.asarray(attr[0]), x, truth.intervals(r, key[1]),
                                        title=f"{key[0]}, task {key[1]}, sequence {r}"),
               "attribution_track.png")
    return GalleryItem("attribution_track.png", caption=f"{key[0]} contributions",
                       subtitle="shaded: the planted instances")


def write(run_dir, truth, results: dict):
    """Draw a run's headline pictures and write them as its first report section.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        The run directory (pictures go to ``<run>/analyses/showcase/``).
    truth : motifscope.truth.scores.PlantedTruth
        What was planted.
    results : dict of str to Result
        The analyses that ran, by name (missing ones are left out).

    Returns
    -------
    list of pathlib.Path
        The pictures, in the order shown.
    """
    import shutil

    out = Output(Path(run_dir) / "analyses" / NAME)
    items = [it for it in (_match_picture(out, truth, results),
                           _track_picture(out, truth, results)) if it is not None]
    for name, caption in _OWN.items():
        res = results.get(name)
        file = None if res is None else _first_image(res)
        if file is not None:
            shutil.copyfile(res.directory / file, out.directory / f"{name}.png")
            out.files.append(out.directory / f"{name}.png")
            items.append(GalleryItem(f"{name}.png", caption=caption))
    out.section(title=TITLE, order=ORDER, summary=f"{len(items)} pictures",
                blocks=[Gallery(items, title="What the model learned, against what was planted")])
    return [out.directory / it.image for it in items]


def pictures(run_dir) -> list[tuple[Path, str]]:
    """The headline pictures :func:`write` made, with their captions.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        The run directory.

    Returns
    -------
    list of (pathlib.Path, str)
        Empty when :func:`write` has not run.
    """
    folder = Path(run_dir) / "analyses" / NAME
    try:
        section = json.loads((folder / "section.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return []
    out = []
    for block in section.get("blocks", []):
        for item in block.get("items", []) if isinstance(block, dict) else []:
            if isinstance(item, dict) and (folder / str(item.get("image", ""))).is_file():
                out.append((folder / item["image"], str(item.get("caption", ""))))
    return out
