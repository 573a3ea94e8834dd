"""NeuronMotif gallery of a trained demo-size DeepSEA-style CNN, scored against planted motifs.

Decouples the neurons of conv layers 2 and up of a run (``motifscope train`` output) into
CRMs, sub-motifs and a motif dictionary, matches them (Tomtom, Pearson, in-process)
against the motifs planted by ``motifscope simulate`` (``<sim>/motifs.meme``), writes the
layers' report pages and prints which planted motifs were recovered (q < 0.05).

Usage::

    python analyses/neuronmotif_gallery.py RUN_DIR --sim SIM_DIR [--layers 2]
        [--neurons 0-31 | --top 12] [--jobs 2] [--motif-nb auto] [--out DIR]
        [--population 300] [--max-forwards 25000]

``--top K`` takes, per layer, the K channels with the largest summed absolute incoming
weights (the likeliest to carry motifs), as ``motifscope demo`` does.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path


def main(argv=None) -> int:
    import pandas as pd

    import motifscope
    from motifscope import analysis
    from motifscope.truth.scores import PlantedTruth, score

    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("run", type=Path)
    ap.add_argument("--sim", type=Path, required=True, help="simulation folder (motifs.meme)")
    ap.add_argument("--layers", type=int, nargs="+", default=None,
                    help="conv layers to decouple (default: 2 to the model's last)")
    ap.add_argument("--neurons", default="all")
    ap.add_argument("--top", type=int, default=None,
                    help="the K most strongly connected channels of each layer")
    ap.add_argument("--population", type=int, default=None)
    ap.add_argument("--max-forwards", type=int, default=None)
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--motif-nb", default="auto")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)

    truth = PlantedTruth.from_simulation(a.sim)
    model = motifscope.load_run(a.run).model
    if a.layers is None:
        from motifscope.methods.neuronmotif import ConvStack

        a.layers = list(range(2, ConvStack(model).n_layers + 1)) or [1]
    rows = []
    for layer in a.layers:
        ctx = analysis.Context(a.run, model, motif_db=truth.motifs, seed=a.seed,
                               out={"neuronmotif": a.out}, options={"neuronmotif": {
                                   "layer": layer, "neurons": a.top or a.neurons,
                                   "n_jobs": a.jobs, "population": a.population,
                                   "max_forwards": a.max_forwards,
                                   "motif_nb": a.motif_nb if a.motif_nb == "auto" else int(a.motif_nb)}})
        res = analysis.run("neuronmotif", ctx)
        scores, _ = score(res, truth, ctx)
        df, hits = res.data["summary"], res.data["hits"]
        good = hits[hits["q_value"] < 0.05] if hits is not None else pd.DataFrame(columns=["target", "neuron"])
        per = good.groupby("target")["neuron"].nunique()
        print(f"layer {layer}: {len(df)} neurons, {int(df['n_crms'].sum())} CRMs, "
              f"{int(df['n_forwards'].sum()):,} forwards, {df['seconds'].sum():.0f} s; "
              + "; ".join(f"{k}: {v}" for k, v in scores.items()))
        for m in truth.motifs:
            n = int(per.get(m.name, 0))
            rows.append({"layer": layer, "motif": m.name, "alt_name": m.alt_name or "",
                         "neurons_matching": n, "recovered": n > 0})
            print(f"  {m.name:<12} {m.alt_name or '':<12} "
                  f"{'recovered' if n else 'missed':<9} in {n} neurons")
    out = res.directory
    pd.DataFrame(rows).to_csv(out / "planted_recovery.tsv", sep="\t", index=False)
    print(f"report page: motifscope report {a.run}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
