"""Pictures: sequence logos, attribution logos and tracks, similarity heatmaps.

====================================  ======================================================
module                                pictures
====================================  ======================================================
:mod:`~motifscope.plot.backend`       ``pyplot()``: Agg when headless, the user's backend
                                      in a notebook
:mod:`~motifscope.plot.logo`          sequence logos: a fast gallery renderer, logomaker
:mod:`~motifscope.plot.attribution`   attribution logos and tracks (matplotlib, plotly)
:mod:`~motifscope.plot.similarity`    DeepATT's query-similarity heatmap, attention maps
====================================  ======================================================

Functions return a matplotlib ``Axes`` / ``Figure`` or a plotly ``Figure`` and never show.

May import: :mod:`motifscope.core`.
"""

from __future__ import annotations

from motifscope.plot.attribution import (
    BASE_COLORS,
    attribution_track_figure,
    plot_attribution_logo,
    plot_attribution_track,
)
from motifscope.plot.backend import pyplot
from motifscope.plot.logo import logo_gallery, plot_logo, plot_logo_logomaker, plot_match

__all__ = [
    "BASE_COLORS",
    "attribution_track_figure",
    "logo_gallery",
    "plot_attribution_logo",
    "plot_attribution_track",
    "plot_logo",
    "plot_logo_logomaker",
    "plot_match",
    "pyplot",
]
