"""The one way motifscope gets ``matplotlib.pyplot``: Agg on a headless machine, the
user's backend where ``pyplot`` is already loaded (a notebook's inline figures keep working).
"""

from __future__ import annotations

import sys

__all__ = ["pyplot"]


def pyplot():
    """``matplotlib.pyplot`` for writing figure files, without taking over a session's backend.

    Analyses save their figures to files and close them. On a headless machine (no
    ``pyplot`` imported yet) the non-interactive Agg backend is selected before the first
    import, so no display is needed; where ``pyplot`` is already loaded — a Jupyter kernel
    with the inline backend, an interactive session — the user's backend is left as it is,
    so the notebook's own figures still render inline.

    Returns
    -------
    module
        ``matplotlib.pyplot``.
    """
    import matplotlib

    if "matplotlib.pyplot" not in sys.modules:
        matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    return plt
