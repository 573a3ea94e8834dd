"""DeMo Dashboard end to end on a simulated 101-bp TF-binding task, scored against the truth.

DeMo (Lanchantin et al. 2017, ``QData/DeepMotif``) trained a CNN, an RNN and a CNN-RNN on
101-bp DeepBind ChIP-seq sets and explained them three ways: saliency maps, temporal
output scores and class optimisation. The DeepBind files are not available here, so this
script plants one JASPAR motif (CTCF by default) in half of the sequences
(:func:`motifscope.data.tfbs.simulate_tfbs`), trains the three zoo models ``demo_cnn``,
``demo_rnn`` and ``demo_cnnrnn`` with DeMo's recipe (Adam, lr 0.01, batch 256, lr halved
every 10 epochs) but far fewer than its 50 epochs, and for each model reports:

* **test AUROC** (forward and reverse-complement predictions averaged);
* **saliency** (DeMo's ``|∇| ⊙ x`` of the positive logit): AUROC of the planted motif's
  positions against background positions, pooled over positive test sequences
  (:func:`motifscope.truth.attribution.score_against_truth`);
* **temporal scores** (forward direction; truncation for the RNN models as in DeMo,
  masking with ``N`` for the CNN, which DeMo never scored): share of positive sequences
  whose largest sustained rise of p(pos) lies in the motif or up to 5 bp after it
  (:func:`motifscope.truth.temporal.score_rises_against_truth`);
* **class optimisation** (:func:`motifscope.methods.optimize.optimize_input`, 1000 RMSprop steps,
  λ = 0.009), both DeMo's free matrix (``raw``) and the softmax parametrisation: does the
  optimised input contain the planted motif (:func:`motifscope.truth.optimize.contains_motif`,
  best window vs the median log-odds of the motif's own instances)?

Figures (one per model: saliency track, temporal heatmap, optimised-input logos) and
``results.json`` go to the output folder.

Run: ``python analyses/demo_dashboard.py [--out DIR] [--epochs N] [--n-train N]``
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

MODELS = ("demo_cnn", "demo_rnn", "demo_cnnrnn")


def _intervals(instances, rows, task: int = 0):
    """Planted instances supporting ``task`` in each scored row, as ``(start, end)``."""
    df = instances[instances["split"] == "test"]
    out = []
    for r in rows:
        sub = df[df["seq"] == int(r)]
        out.append([(int(a), int(b)) for a, b, t in zip(sub["start"], sub["end"], sub["tasks"])
                    if str(task) in str(t).split(",")])
    return out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--out", default="demo_dashboard_out", help="output folder")
    ap.add_argument("--motif", default="CTCF", help="JASPAR TF name to plant")
    ap.add_argument("--epochs", type=int, default=8, help="training epochs (DeMo: 50)")
    ap.add_argument("--n-train", type=int, default=8000, help="training sequences (both strands)")
    ap.add_argument("--n-scored", type=int, default=200, help="positive test sequences explained")
    ap.add_argument("--steps", type=int, default=1000, help="class-optimisation steps")
    ap.add_argument("--threads", type=int, default=1,
                    help="torch threads (1 is fastest for these small models on a busy CPU)")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(sys.argv[1:] if argv is None else argv)

    import matplotlib
    import torch

    matplotlib.use("Agg")
    torch.set_num_threads(args.threads)
    import matplotlib.pyplot as plt

    from motifscope import load_run
    from motifscope.core.sequence import decode
    from motifscope.data.simulate import read_ground_truth
    from motifscope.data.tfbs import simulate_tfbs
    from motifscope.io.deepsea import read_mat
    from motifscope.methods.attribution import saliency
    from motifscope.methods.optimize import optimize_input
    from motifscope.methods.temporal import plot_temporal, temporal_scores
    from motifscope.plot.attribution import plot_attribution_track
    from motifscope.train import train_run
    from motifscope.truth.attribution import score_against_truth
    from motifscope.truth.optimize import contains_motif
    from motifscope.truth.temporal import score_rises_against_truth

    out = Path(args.out)
    t_start = time.perf_counter()
    sim = simulate_tfbs(out / "data", motif=args.motif, n_train=args.n_train, n_valid=1000,
                        n_test=2000, seed=args.seed)
    motif = sim.motifs[0]
    print(f"data: {args.n_train} train sequences, 101 bp, motif {motif.name} "
          f"({motif.alt_name}, width {motif.width}) in half of them "
          f"[{time.perf_counter() - t_start:.0f} s]")
    X, y = read_mat(sim.files["test"])
    _, instances = read_ground_truth(sim.out_dir)
    n_fwd = X.shape[0] // 2
    rows = np.flatnonzero(np.asarray(y[:n_fwd, 0]) == 1)[: args.n_scored]
    Xp = X[rows]
    intervals = _intervals(instances, rows)

    results = {}
    for name in MODELS:
        t0 = time.perf_counter()
        run_dir = train_run(name, sim.out_dir, out / "runs" / name, epochs=args.epochs,
                            seed=args.seed, device="cpu", threads=args.threads,
                            progress=False)
        run = load_run(run_dir)
        model = run.model
        t_train = time.perf_counter() - t0
        auroc = float(run.metrics["test"]["av_auroc"])

        sal = saliency(model, Xp, target=0, variant="demo")
        s = score_against_truth(sal, Xp, instances, task=0, split="test", rows=rows)

        n_temp = min(100, len(rows))
        ts = temporal_scores(model, Xp[:n_temp], target=0, direction="forward")
        rise = score_rises_against_truth(ts.forward, ts.positions, intervals[:n_temp])

        opt = {}
        for par in ("raw", "softmax"):
            res = optimize_input(model, target=0, steps=args.steps, parametrization=par,
                                 restarts=4, random_state=args.seed)
            hit, score, bar = contains_motif(res.ppm, motif)
            opt[par] = {"contains_motif": hit, "match_log_odds": score, "bar": bar,
                        "logit": res.score, "result": res}
        results[name] = {
            "parameters": int(sum(p.numel() for p in model.parameters())),
            "train_seconds": t_train,
            "best_epoch": int(run.metrics.get("best_epoch", -1)),
            "test_auroc": auroc,
            "saliency_auroc": s["auroc"],
            "temporal_mode": ts.mode,
            "temporal_rise_share": rise["share"],
            "optimize": {k: {kk: vv for kk, vv in v.items() if kk != "result"}
                         for k, v in opt.items()},
            "seconds": time.perf_counter() - t0,
        }

        fig, axes = plt.subplots(4, 1, figsize=(14, 7.5), constrained_layout=True)
        a, b = intervals[0][0]
        plot_attribution_track(sal[0], ax=axes[0],
                               title=f"{name}: DeMo saliency |∇|⊙x, test row {rows[0]} "
                                     f"(planted {motif.alt_name} at {a}-{b})")
        axes[0].axvspan(a - 0.5, b - 0.5, color="gold", alpha=0.3)
        ts1 = temporal_scores(model, Xp[:1], target=0, direction="both")
        plot_temporal(ts1, 0, seq=decode(Xp[:1])[0], ax=axes[1],
                      title=f"temporal scores ({ts1.mode})")
        for ax, par in zip(axes[2:], ("raw", "softmax")):
            o = opt[par]
            o["result"].plot_logo(ax=ax, title=(
                f"class optimisation ({par}): contains {motif.alt_name} = "
                f"{o['contains_motif']} (log-odds {o['match_log_odds']:.1f} vs bar "
                f"{o['bar']:.1f})"))
        fig.savefig(out / f"{name}.png", dpi=110)
        plt.close(fig)
        r = results[name]
        print(f"{name:<12} params {r['parameters']:>7}  AUROC {auroc:.3f}  "
              f"saliency AUROC {s['auroc']:.3f}  rise share {rise['share']:.2f} "
              f"({ts.mode})  optimised contains motif raw/softmax "
              f"{opt['raw']['contains_motif']}/{opt['softmax']['contains_motif']}  "
              f"[train {t_train:.0f} s, total {r['seconds']:.0f} s]")

    meta = {"motif": motif.name, "tf": motif.alt_name, "epochs": args.epochs,
            "n_train": args.n_train, "n_scored": len(rows), "seed": args.seed,
            "seconds": time.perf_counter() - t_start}
    (out / "results.json").write_text(json.dumps({"meta": meta, "models": results},
                                                 indent=2, default=float) + "\n")
    print(f"wrote {out / 'results.json'} and {', '.join(m + '.png' for m in MODELS)} "
          f"[{meta['seconds']:.0f} s]")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
