"""Cost of NeuronMotif decoupling on the full-size DeepSEA (random weights), per layer.

Reports, for one neuron of each conv layer: sub-network forwards, wall time, peak RSS and
disk use of the neuron's output folder, against the original's cost model (spec §5:
~160k-400k forwards per deep neuron with a 2,000-5,000 GA population, ~6 GB k-means
features and float64 archives). Goal on 2 CPU cores: layer 3 in <= 60 s, <= 4 GB RSS,
<= 20 MB on disk.

Usage: ``python benchmarks/bench_neuronmotif.py [--layers 1 2 3] [--neuron 0] [--out DIR]``
"""

from __future__ import annotations

import argparse
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path


def _one(layer: int, neuron: int, out: str) -> None:
    import torch

    from motifscope.methods.neuronmotif import ConvStack, decouple, write_neuron
    from motifscope.zoo import build

    torch.manual_seed(0)
    model = build("deepsea").eval()
    stack = ConvStack(model)
    t, c = time.perf_counter(), time.process_time()
    res = decouple(stack, layer=layer, neuron=neuron, motif_nb=1, random_state=0)
    t_dec, c_dec = time.perf_counter() - t, time.process_time() - c
    t = time.perf_counter()
    d = Path(out) / f"layer{layer}" / f"neuron{neuron:04d}"
    write_neuron(res, d, targets=None)
    t_out = time.perf_counter() - t
    disk = sum(f.stat().st_size for f in d.iterdir())
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    orig = {1: 4 ** 8, 2: 2 * 2000 * 40, 3: 2 * 5000 * 40}[layer]
    print(f"layer {layer}: RF {res.rf}, {res.method} ({res.n_iter} it), "
          f"{len(res.seqs)} seqs, {len(res.motifs)} CRMs, forwards {res.n_forwards:,} "
          f"(original ~{orig:,}), decouple {t_dec:.1f} s wall / {c_dec:.1f} s CPU, "
          f"outputs {t_out:.1f} s, load average {os.getloadavg()[0]:.1f}, "
          f"peak RSS {rss:.0f} MB, disk {disk / 1e6:.2f} MB, "
          f"threads {torch.get_num_threads()}", flush=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--layers", type=int, nargs="+", default=[1, 2, 3])
    ap.add_argument("--neuron", type=int, default=0)
    ap.add_argument("--out", default=None)
    ap.add_argument("--_one", type=int, default=None, help=argparse.SUPPRESS)
    a = ap.parse_args(argv)
    out = a.out or tempfile.mkdtemp(prefix="nm_bench_")
    if a._one is not None:
        _one(a._one, a.neuron, out)
        return 0
    for layer in a.layers:  # one process per layer so peak RSS is per layer
        subprocess.run([sys.executable, __file__, "--_one", str(layer), "--neuron",
                        str(a.neuron), "--out", out], check=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
