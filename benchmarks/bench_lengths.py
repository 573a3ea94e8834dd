"""The default model beyond the demo: planted-motif simulations at several lengths.

For each length (200, 500, 1000 bp by default) it simulates data with twelve JASPAR motifs
*other than the demo's* (:data:`MOTIFS`), a GC content other than the demo's (0.42), plain
PPM samples as instances (no score filter), trains ``motifscope train``'s default model
(``deepsea_demo``, its card's recipe, early stopping on the validation loss) and scores, on the
test split:

* the presence-task test AUROC and the planted PWMs' own AUROC (the oracle);
* kernel recovery (planted motifs matched by a first-layer kernel, Tomtom q < 0.05);
* DeepLIFT-SHAP truth (pooled AUROC of planted-instance positions against background).

Recipes were chosen on the demo's validation figures; nothing here was tuned on these
simulations. Writes ``lengths.tsv`` into ``--out`` and prints it as markdown.

Usage::

    python benchmarks/bench_lengths.py [--lengths 200 500 1000] [--n-train 12000] [--out DIR]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

__all__ = ["MOTIFS", "main", "one_length"]

#: Twelve CORE vertebrate TFs, none of them among the demo's (KOO_EDDY_TFS).
MOTIFS = ("CTCF", "GATA1", "FOXA1", "HNF4A", "SPI1", "REST", "TEAD1", "SOX2", "NRF1", "IRF1",
          "USF1", "RUNX1")


def one_length(out: Path, length: int, *, n_train: int, gc: float, seed: int) -> dict:
    """Simulate, train the default model and score it at one length.

    Parameters
    ----------
    out : pathlib.Path
        Working folder (``sim<length>/`` and ``run<length>/`` are written there).
    length : int
        Sequence length.
    n_train : int
        Training sequences, both strands counted.
    gc : float
        Background GC content.
    seed : int
        Seed of the simulation and the training.

    Returns
    -------
    dict
        One table row.
    """
    from motifscope import analysis, load_run
    from motifscope.analysis.truth import PlantedTruth, score
    from motifscope.data.deepsea import read_mat
    from motifscope.data.simulate import simulate
    from motifscope.train import train_run

    sim, run = out / f"sim{length}", out / f"run{length}"
    simulate(sim, motifs=list(MOTIFS), length=length, n_train=n_train, n_valid=1000,
             n_test=2000, gc=gc, seed=seed)
    t0 = time.perf_counter()
    train_run("deepsea_demo", sim, run, seed=seed, progress=False, device="cpu")
    seconds = time.perf_counter() - t0
    truth = PlantedTruth.from_simulation(sim, split="test")
    X, y = read_mat(sim / "test.mat")
    half = X.shape[0] // 2
    presence = truth.kind("presence")
    model = load_run(run).model.eval()
    ctx = analysis.Context(run, model, X, np.asarray(y), targets=presence, motif_db=truth.motifs,
                           seed=seed, device="cpu",
                           options={"attribution": {"methods": ["deeplift_shap"], "n": 12}})
    row = {"length": length, "gc": gc, "train sequences": n_train, "train s": round(seconds)}
    row.update(score(analysis.run("evaluate", ctx), truth, ctx)[0])
    fwd = analysis.Context(run, model, X[:half], np.asarray(y[:half]), targets=presence,
                           motif_db=truth.motifs, seed=seed, device="cpu", options=ctx.options)
    for name in ("kernels", "attribution"):
        row.update(score(analysis.run(name, fwd), truth, fwd)[0])
    return row


def main(argv=None) -> None:
    """Command-line entry point (see the module docstring)."""
    import pandas as pd

    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--lengths", type=int, nargs="+", default=[200, 500, 1000])
    ap.add_argument("--n-train", type=int, default=12000)
    ap.add_argument("--gc", type=float, default=0.42)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--out", type=Path, default=Path("bench-lengths"))
    a = ap.parse_args(argv)
    a.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for L in a.lengths:
        rows.append(one_length(a.out, L, n_train=a.n_train, gc=a.gc, seed=a.seed))
        df = pd.DataFrame(rows)
        df.to_csv(a.out / "lengths.tsv", sep="\t", index=False)
        print(df.to_string(index=False, float_format=lambda v: f"{v:.3f}"), flush=True)


if __name__ == "__main__":
    main()
