"""NeuronMotif gallery of a trained demo-size DeepSEA-style CNN, scored against planted motifs.

Decouples the neurons of conv layers 2 and up of a run (``motifscope train`` output) into
CRMs, sub-motifs and a motif dictionary, matches them (Tomtom, Pearson, in-process)
against the motifs planted by ``motifscope simulate`` (``<sim>/motifs.meme``), writes the
per-layer galleries and prints which planted motifs were recovered (q < 0.05).

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
    from motifscope.meme import read_meme
    from motifscope.neuronmotif import decouple_layer, strongest_neurons

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
    ap.add_argument("--q", type=float, default=0.05)
    ap.add_argument("--out", type=Path, default=None)
    a = ap.parse_args(argv)

    planted_file = a.sim / "motifs.meme"
    planted = read_meme(planted_file)
    model = motifscope.load_run(a.run).model
    out = a.out or a.run / "analyses" / "neuronmotif"
    motif_nb = a.motif_nb if a.motif_nb == "auto" else int(a.motif_nb)
    rows = []
    budget = {k: v for k, v in (("population", a.population), ("max_forwards", a.max_forwards))
              if v is not None}
    if a.layers is None:
        from motifscope.neuronmotif import ConvStack

        a.layers = list(range(2, ConvStack(model).n_layers + 1)) or [1]
    for layer in a.layers:
        neurons = strongest_neurons(model, layer, a.top) if a.top else a.neurons
        df = decouple_layer(model, layer, neurons, out, motif_nb=motif_nb,
                            random_state=a.seed, n_jobs=a.jobs, targets=planted_file, **budget)
        hits = []
        for c in df["neuron"]:
            f = out / f"layer{layer}" / f"neuron{c:04d}" / "tomtom.tsv"
            if f.exists():
                t = pd.read_csv(f, sep="\t")
                t = t[t["q_value"] < a.q]
                hits.append(t.assign(neuron=c))
        hits = pd.concat(hits) if hits else pd.DataFrame(columns=["target", "neuron"])
        found = sorted(set(hits["target"]))
        per = hits.groupby("target")["neuron"].nunique() if len(hits) else {}
        print(f"layer {layer}: {len(df)} neurons, {int(df['n_crms'].sum())} CRMs, "
              f"{int(df['n_forwards'].sum()):,} forwards, {df['seconds'].sum():.0f} s; "
              f"planted motifs recovered (q < {a.q}): {len(found)}/{len(planted)}")
        for m in planted:
            n = int(per.get(m.name, 0)) if len(hits) else 0
            rows.append({"layer": layer, "motif": m.name, "alt_name": m.alt_name or "",
                         "neurons_matching": n, "recovered": n > 0})
            print(f"  {m.name:<12} {m.alt_name or '':<12} "
                  f"{'recovered' if n else 'missed':<9} in {n} neurons")
        print(f"  gallery: {out / f'layer{layer}' / 'gallery.html'}")
    pd.DataFrame(rows).to_csv(out / "planted_recovery.tsv", sep="\t", index=False)
    return 0


if __name__ == "__main__":
    sys.exit(main())
