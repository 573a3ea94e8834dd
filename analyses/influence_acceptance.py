"""Does the most influential first-layer kernel of each presence task match its planted motif?

For each simulation (the demo's 12 Koo & Eddy motifs, and 12 other JASPAR motifs) and each
model (demo-size DeepSEA, DanQ, the one-convolution motif scanner), train on the simulated
data, compute filter influence on the forward-strand test sequences
(:func:`motifscope.methods.influence.filter_influence`), take for every presence task the kernel
with the largest influence and ask Tomtom (Pearson) whether that kernel's motif matches the
task's planted motif at q < 0.05 and at q < 0.001. The control is the same model
architecture with freshly initialised weights (``analysis.truth``'s ``influence`` score).
With only 12 planted motifs as Tomtom targets q < 0.05 is a weak criterion, hence both.

Run::

    python analyses/influence_acceptance.py --out DIR [--models deepsea_demo,danq_demo,motif_scanner]
        [--sims demo,other] [--n-train 20000] [--epochs N] [--n 1000]

Prints one row per (simulation, model) and writes ``DIR/influence_acceptance.tsv``.
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np
import pandas as pd

OTHER_TFS = ("CTCF", "GATA1", "FOXA1", "HNF4A", "REST", "NRF1", "TP53", "SOX2", "RUNX1",
             "ELK1", "IRF1", "NFKB1")
SCANNER = {"conv_channels": 128}  # demo size; seq_len and n_targets come from the data


def _simulation(out: Path, which: str, n_train: int, seed: int) -> Path:
    from motifscope.data.simulate import simulate

    sim = out / f"sim_{which}"
    if not (sim / "test.mat").exists():
        kw = {} if which == "demo" else {"motifs": OTHER_TFS}
        simulate(sim, length=200, n_train=n_train, n_valid=2000, n_test=2000, seed=seed,
                 gc=0.5, min_instance_quantile=0.5, **kw)
    return sim


def _score(run: Path, sim: Path, n: int, seed: int) -> dict:
    from motifscope import analysis, load_run
    from motifscope.io.deepsea import read_mat
    from motifscope.truth.scores import PlantedTruth, score

    model = load_run(run).model.eval()
    truth = PlantedTruth.from_simulation(sim, split="test")
    X, y = read_mat(sim / "test.mat")
    half = X.shape[0] // 2
    ctx = analysis.Context(run, model, X[:half], np.asarray(y[:half]),
                           targets=truth.kind("presence"), motif_db=truth.motifs, seed=seed,
                           device="cpu", options={"influence": {"n": n}})
    res = analysis.run("influence", ctx)
    scores, table = score(res, truth, ctx)
    table.to_csv(res.directory / "truth.tsv", sep="\t", index=False)
    return scores


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", type=Path, required=True)
    ap.add_argument("--models", default="deepsea_demo,danq_demo,motif_scanner")
    ap.add_argument("--sims", default="demo,other")
    ap.add_argument("--n-train", type=int, default=20000)
    ap.add_argument("--epochs", type=int, default=None)
    ap.add_argument("--n", type=int, default=1000)
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args(argv)

    from motifscope.core.atomic import atomic_open
    from motifscope.train import train_run

    rows = []
    for which in a.sims.split(","):
        sim = _simulation(a.out, which, a.n_train, a.seed)
        for name in a.models.split(","):
            run = a.out / f"run_{which}_{name}"
            t0 = time.perf_counter()
            if not (run / "model.pt").exists():
                extra = {} if a.epochs is None else {"epochs": a.epochs}
                over = dict(SCANNER) if name == "motif_scanner" else None
                train_run(name, sim, run, seed=a.seed, progress=False, device="cpu",
                          model_overrides=over, **extra)
            sc = _score(run, sim, a.n, a.seed)
            rows.append({"simulation": which, "model": name, **sc,
                         "seconds": round(time.perf_counter() - t0)})
            print("\t".join(str(v) for v in rows[-1].values()), flush=True)
    df = pd.DataFrame(rows)
    with atomic_open(a.out / "influence_acceptance.tsv") as fh:
        df.to_csv(fh, sep="\t", index=False)
    print(df.to_string(index=False))


if __name__ == "__main__":
    main()
