"""How well does each attribution method find the planted motifs? (simulated data)

For a model trained on :func:`motifscope.data.simulate.simulate` data, every task and every
attribution method: in the test sequences that are positive for the task, the AUROC with
which the attribution at the observed base separates the positions of the planted
instances that make the task positive from background positions
(:func:`motifscope.truth.attribution.score_against_truth`).

Run::

    python analyses/attribution_truth.py RUN SIM_DIR [--n 300] [--per-task 40]
        [--methods saliency,gradient_x_input,integrated_gradients,deeplift,deeplift_shap,ism]
    python analyses/attribution_truth.py --quick [--model deepsea_demo] [--work DIR]

``--quick`` simulates a small 200-bp data set, trains the demo-size model on it for a few
epochs and scores that (minutes on 2 cores). The table goes to stdout and to
``<run>/analyses/attribution/truth.csv``.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

import pandas as pd
import torch

from motifscope import load_run, truth
from motifscope.analysis.attribution import attribution_maps
from motifscope.data.simulate import read_ground_truth
from motifscope.io.deepsea import read_mat

DEFAULT_METHODS = ("saliency", "saliency_demo", "gradient_x_input", "integrated_gradients",
                   "deeplift", "deeplift_shap", "ism")


def score_run(run_dir, sim_dir, *, n: int = 300, per_task: int = 40, methods=DEFAULT_METHODS,
              seed: int = 0) -> pd.DataFrame:
    """AUROC of every method on every task of a simulated data set.

    Parameters
    ----------
    run_dir : path
        A run trained on ``sim_dir``.
    sim_dir : path
        The folder :func:`~motifscope.data.simulate.simulate` wrote.
    n : int
        Test rows read.
    per_task : int
        At most this many positive sequences per task are explained.
    methods : sequence of str
        Keys of :data:`motifscope.methods.attribution.METHODS`.
    seed : int
        Seed of the DeepLIFT-SHAP shuffles.

    Returns
    -------
    pandas.DataFrame
        One row per (method, task): ``method``, ``task``, ``name``, ``auroc``,
        ``n_sequences``, ``n_motif``, ``n_background``, ``seconds``.
    """
    model = load_run(run_dir).model
    tasks, inst = read_ground_truth(sim_dir)
    X, _ = read_mat(Path(sim_dir) / "test.mat", stop=n)
    rows_all = torch.arange(X.shape[0])
    out = []
    for _, t in tasks.iterrows():
        task = int(t["task"])
        motif, _, positive = truth.truth_masks(inst, X.shape[0], X.shape[2], task=task,
                                           split="test")
        keep = rows_all[torch.as_tensor(positive)][:per_task]
        if len(keep) == 0:
            continue
        Xk = X[keep]
        for method in methods:
            t0 = time.perf_counter()
            attr = attribution_maps(model, Xk, method=method, target=task, random_state=seed)
            dt = time.perf_counter() - t0
            r = truth.score_against_truth(attr, Xk, inst, task=task, split="test",
                                      rows=keep.numpy())
            out.append({"method": method, "name": t.get("name", str(task)), **r,
                        "seconds": dt})
    return pd.DataFrame(out)


def _quick(work: Path, model: str) -> tuple[Path, Path]:
    from motifscope.data.simulate import simulate
    from motifscope.train import train_run

    sim = work / "sim"
    run = work / f"run_{model}"
    if not (sim / "test.mat").exists():
        simulate(sim, length=200, n_train=6000, n_valid=500, n_test=600, seed=0)
    if not (run / "model.pt").exists():
        train_run(model, sim, run, epochs=8, seed=0)
    return run, sim


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", nargs="?")
    ap.add_argument("sim", nargs="?")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--model", default="deepsea_demo")
    ap.add_argument("--work", default=None)
    ap.add_argument("--n", type=int, default=300)
    ap.add_argument("--per-task", type=int, default=40)
    ap.add_argument("--methods", default=",".join(DEFAULT_METHODS))
    a = ap.parse_args(argv)
    if a.quick:
        work = Path(a.work or tempfile.mkdtemp(prefix="attr_truth_"))
        run, sim = _quick(work, a.model)
    elif a.run and a.sim:
        run, sim = Path(a.run), Path(a.sim)
    else:
        ap.error("give RUN and SIM_DIR, or --quick")
    df = score_run(run, sim, n=a.n, per_task=a.per_task, methods=a.methods.split(","))
    out = Path(run) / "analyses" / "attribution" / "truth.csv"
    out.parent.mkdir(parents=True, exist_ok=True)
    df.to_csv(out, index=False)
    pd.set_option("display.width", 160)
    print(df.pivot_table(index="name", columns="method", values="auroc").round(3))
    print("\nmean AUROC per method:")
    print(df.groupby("method")[["auroc", "seconds"]].mean().round(3))
    print(f"\nwrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
