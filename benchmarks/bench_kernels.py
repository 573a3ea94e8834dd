"""Time kernels → MEME (method "danq") against one first-layer forward pass.

A full-size DanQ first layer, ``Conv1d(4, 320, 26)``, over ``N`` random one-hot
sequences of 1,000 bp (default 10,000), 2 CPU threads. Prints the time of one pass of
``ReLU(conv1d(x))`` over the data, the time of :func:`motifscope.methods.kernels.kernels_to_meme`
(including the MEME write) and their ratio (goal: at most 1.3).

Usage::

    python benchmarks/bench_kernels.py [--n 10000] [--batch-size 250] [--method danq]
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import torch
import torch.nn.functional as F


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=10_000)
    ap.add_argument("--length", type=int, default=1000)
    ap.add_argument("--batch-size", type=int, default=250)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--method", default="danq")
    ap.add_argument("--repeats", type=int, default=1)
    a = ap.parse_args(argv)

    from motifscope.methods.kernels import kernels_to_meme

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    idx = torch.randint(0, 4, (a.n, a.length))
    X = F.one_hot(idx, 4).permute(0, 2, 1).float().contiguous()  # (N, 4, L) A,C,G,T
    del idx
    conv = torch.nn.Conv1d(4, 320, 26)
    W, b = conv.weight.detach(), conv.bias.detach()

    def forward():
        with torch.no_grad():
            for s in range(0, a.n, a.batch_size):
                torch.relu(F.conv1d(X[s : s + a.batch_size], W, b))

    forward()  # warm-up (allocator, oneDNN primitives)
    t_fwd, t_k = [], []
    with tempfile.TemporaryDirectory() as d:
        for _ in range(a.repeats):
            t = time.perf_counter()
            forward()
            t_fwd.append(time.perf_counter() - t)
            t = time.perf_counter()
            motifs = kernels_to_meme(
                conv,
                X,
                Path(d) / "k.meme",
                method=a.method,
                batch_size=a.batch_size,
                progress=False,
            )
            t_k.append(time.perf_counter() - t)
    f, k = min(t_fwd), min(t_k)
    print(f"N={a.n} L={a.length} Conv1d(4, 320, 26) batch={a.batch_size} threads={a.threads}")
    print(f"forward conv+ReLU : {f:8.2f} s")
    print(f"kernels_to_meme   : {k:8.2f} s  ({len(motifs)} motifs, method {a.method})")
    print(f"ratio             : {k / f:8.2f}x  (goal <= 1.3x)")


if __name__ == "__main__":
    main()
