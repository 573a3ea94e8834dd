"""The default model beyond the demo: planted-motif simulations at several lengths.

For each length (200, 500, 1000 bp by default) it simulates data with twelve JASPAR motifs
*other than the demo's* (:data:`MOTIFS`), a GC content other than the demo's (0.42), plain
PPM samples as instances (no score filter), trains ``motifscope train``'s default model
(:data:`motifscope.zoo.DEFAULT_MODEL`, its card's recipe, early stopping on the validation
loss) and scores:

* the presence-task AUROC and the planted PWMs' own AUROC (the oracle), on the validation
  and on the test split;
* kernel recovery (planted motifs matched by a first-layer kernel, Tomtom q < 0.05);
* DeepLIFT-SHAP truth (pooled AUROC of planted-instance positions against background).

The default card was chosen on the *validation* figures of ``--tuning`` simulations: a third
motif set (:data:`TUNING_MOTIFS`, neither the demo's nor :data:`MOTIFS`), GC 0.46 and 0.55,
12 and 8 motifs. Nothing was tuned on :data:`MOTIFS` simulations. ``--model`` and ``--set``
train another card or variant (``--set hidden=64``), as the tuning did. Writes
``lengths.tsv`` into ``--out`` and prints it.

Usage::

    python benchmarks/bench_lengths.py [--lengths 200 500 1000] [--n-train 12000] [--out DIR]
    python benchmarks/bench_lengths.py --tuning --gc 0.46 --seed 3 --set pools=[4,0]
"""

from __future__ import annotations

import argparse
import shutil
import time
from pathlib import Path

import numpy as np

__all__ = ["MOTIFS", "TUNING_MOTIFS", "main", "one_length"]

#: Twelve CORE vertebrate TFs, none of them among the demo's (KOO_EDDY_TFS).
MOTIFS = ("CTCF", "GATA1", "FOXA1", "HNF4A", "SPI1", "REST", "TEAD1", "SOX2", "NRF1", "IRF1",
          "USF1", "RUNX1")

#: Twelve more, in neither set: the default card was chosen on these (validation split).
TUNING_MOTIFS = ("ELK1", "NFYA", "ESR1", "PAX5", "TP53", "ZNF263", "EGR1", "HNF1A", "POU5F1",
                 "NR2F2", "KLF4", "TCF7L2")


def one_length(out: Path, length: int, *, n_train: int, gc: float, seed: int,
               motifs=MOTIFS, model: str | None = None, overrides: dict | None = None,
               test: bool = True) -> dict:
    """Simulate, train the default model (or ``model``) and score it at one length.

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
    motifs : sequence of str
        Planted JASPAR TFs.
    model : str or None
        Zoo name or card; ``None``: :data:`motifscope.zoo.DEFAULT_MODEL`.
    overrides : dict or None
        Model and training overrides (``--set``), as ``motifscope train`` takes them.
    test : bool
        Also score the test split (AUROC, kernels, DeepLIFT-SHAP); ``False`` when choosing.

    Returns
    -------
    dict
        One table row.
    """
    from motifscope.data.simulate import simulate
    from motifscope.train import train_run
    from motifscope.zoo import DEFAULT_MODEL

    sim, run = out / f"sim{length}", out / f"run{length}"
    shutil.rmtree(run, ignore_errors=True)  # a rerun trains afresh, never resumes a stale run
    simulate(sim, motifs=list(motifs), length=length, n_train=n_train, n_valid=1000,
             n_test=2000, gc=gc, seed=seed)
    t0 = time.perf_counter()
    train_run(model or DEFAULT_MODEL, sim, run, seed=seed, progress=False, device="cpu",
              evaluate_test=test, **(overrides or {}))
    row = {"length": length, "gc": gc, "motifs": len(motifs), "train sequences": n_train,
           "train s": round(time.perf_counter() - t0)}
    row.update(_split_scores(sim, run, "valid", seed, analyses=()))
    if test:
        row.update(_split_scores(sim, run, "test", seed, analyses=("kernels", "attribution")))
    return row


def _split_scores(sim: Path, run: Path, split: str, seed: int, analyses) -> dict:
    """Presence AUROC and oracle on ``split``, then ``analyses`` on its forward half (the
    test split; its second half holds the reverse complements)."""
    from motifscope import analysis, load_run
    from motifscope.io.deepsea import read_mat
    from motifscope.truth.scores import PlantedTruth, score

    truth = PlantedTruth.from_simulation(sim, split=split)
    X, y = read_mat(sim / f"{split}.mat")
    presence = truth.kind("presence")
    model = load_run(run).model.eval()
    options = {"attribution": {"methods": ["deeplift_shap"], "n": 12}}
    ctx = analysis.Context(run, model, X, np.asarray(y), targets=presence, motif_db=truth.motifs,
                           seed=seed, device="cpu", options=options)
    scores = score(analysis.run("evaluate", ctx), truth, ctx)[0]
    row = {f"{split} {k.replace('test ', '')}": v for k, v in scores.items()
           if "presence" in k}
    if analyses:
        half = X.shape[0] // 2  # test: the second half holds the reverse complements
        fwd = analysis.Context(run, model, X[:half], np.asarray(y[:half]), targets=presence,
                               motif_db=truth.motifs, seed=seed, device="cpu", options=options)
        for name in analyses:
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
    ap.add_argument("--tuning", action="store_true",
                    help="simulate TUNING_MOTIFS and score the validation split only")
    ap.add_argument("--motifs", type=int, default=12, help="plant the first N motifs of the set")
    ap.add_argument("--model", default=None, help="zoo name or card (default: DEFAULT_MODEL)")
    ap.add_argument("--set", dest="set_", action="append", default=[],
                    help="key=value model or training override, as motifscope train --set")
    a = ap.parse_args(argv)
    from motifscope.cli.train import parse_set

    motifs = (TUNING_MOTIFS if a.tuning else MOTIFS)[:a.motifs]
    a.out.mkdir(parents=True, exist_ok=True)
    rows = []
    for L in a.lengths:
        rows.append(one_length(a.out, L, n_train=a.n_train, gc=a.gc, seed=a.seed, motifs=motifs,
                               model=a.model, overrides=parse_set(a.set_),
                               test=not a.tuning))
        df = pd.DataFrame(rows)
        df.to_csv(a.out / "lengths.tsv", sep="\t", index=False)
        print(df.to_string(index=False, float_format=lambda v: f"{v:.3f}"), flush=True)


if __name__ == "__main__":
    main()
