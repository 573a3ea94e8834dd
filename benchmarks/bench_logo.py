"""Time motifscope's fast logo renderer against logomaker.

Measures, each as build + render to PNG (Agg, 100 dpi):

- one 100-column and one 26-column logo with :func:`motifscope.plot.logo.plot_logo` and with
  logomaker (through :func:`motifscope.plot.logo.plot_logo_logomaker`, the same picture);
- a gallery of the 320 DanQ kernels (``shared/data/danq/DanQ.meme``, or 320 random
  26-column motifs when the file is missing): :func:`motifscope.plot.logo.logo_gallery` for all
  of them, logomaker for the first ``--lm-gallery`` (default 20) extrapolated to 320.

Usage::

    python benchmarks/bench_logo.py [--repeats 3] [--lm-gallery 20]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import matplotlib

matplotlib.use("Agg")


def _one(fn, M, path):
    import matplotlib.pyplot as plt

    t = time.perf_counter()
    w = M.width if hasattr(M, "width") else M.shape[1]
    fig, ax = plt.subplots(figsize=(0.25 * w + 0.6, 1.4))
    fn(M, ax)
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return time.perf_counter() - t


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--lm-gallery", type=int, default=20)
    a = ap.parse_args(argv)

    import matplotlib.pyplot as plt
    import numpy as np

    from motifscope.core.motifs import Motif
    from motifscope.io.meme import read_meme
    from motifscope.plot.logo import logo_gallery, plot_logo, plot_logo_logomaker

    rng = np.random.default_rng(0)
    ref = Path(__file__).resolve().parents[2] / "shared" / "data" / "danq" / "DanQ.meme"
    if ref.is_file():
        motifs = read_meme(ref)
    else:
        motifs = [Motif(f"M{k}", rng.dirichlet(np.full(4, 0.3), 26).T) for k in range(320)]
    with tempfile.TemporaryDirectory() as d:
        d = Path(d)
        _one(plot_logo, motifs[0], d / "warm.png")  # imports, font cache, glyphs
        _one(plot_logo_logomaker, motifs[0], d / "warm2.png")
        print(f"{'logo':28s} {'motifscope':>11s} {'logomaker':>11s} {'speed-up':>9s}")
        for w in (100, 26):
            M = rng.dirichlet(np.full(4, 0.3), w).T
            ours = min(_one(plot_logo, M, d / "a.png") for _ in range(a.repeats))
            lm = min(_one(plot_logo_logomaker, M, d / "b.png") for _ in range(a.repeats))
            print(f"{w:3d}-column logo (s)          {ours:11.3f} {lm:11.3f} {lm / ours:8.1f}x")
        t = time.perf_counter()
        logo_gallery(motifs, d / "gal", dpi=100, progress=False)
        ours = time.perf_counter() - t
        n = min(a.lm_gallery, len(motifs))
        t = time.perf_counter()
        for m in motifs[:n]:
            _one(plot_logo_logomaker, m, d / "lm.png")
        lm = (time.perf_counter() - t) * len(motifs) / n
        print(
            f"{len(motifs)}-kernel gallery (s)        {ours:11.2f} {lm:11.2f} {lm / ours:8.1f}x"
            f"   (logomaker: {n} logos, extrapolated)"
        )
    plt.close("all")


if __name__ == "__main__":
    main()
