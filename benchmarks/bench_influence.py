"""Time filter influence (batched) against the naive one-full-pass-per-filter loop, same run.

Full-size DeepSEA (320 first-layer filters, 919 targets, 1,000 bp; random weights, which
cost the same as trained ones) over ``N`` random one-hot sequences. Both methods compute
the same 320 × 919 matrix (checked: max |difference| is printed). Cost is linear in the
number of sequences, so on a slow machine run a small ``--n`` and read the extrapolation
to 1,000 sequences that is printed (it says so). ``--model`` takes any zoo name (e.g.
``danq`` for the recurrent path, ``basset``).

Usage::

    python benchmarks/bench_influence.py [--n 8] [--threads 2] [--device cpu] [--model deepsea]
"""

from __future__ import annotations

import argparse
import time

import numpy as np
import torch
import torch.nn.functional as F


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=8)
    ap.add_argument("--model", default="deepsea")
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--batch-size", type=int, default=256)
    ap.add_argument("--naive-batch-size", type=int, default=None)
    ap.add_argument("--skip-naive", action="store_true")
    a = ap.parse_args(argv)

    from motifscope import zoo
    from motifscope.methods.influence import filter_influence

    torch.set_num_threads(a.threads)
    torch.manual_seed(0)
    model = zoo.build(a.model).eval().to(a.device)
    L = model.seq_len
    X = F.one_hot(torch.randint(0, 4, (a.n, L)), 4).permute(0, 2, 1).float().contiguous()
    K = model.first_conv.out_channels
    print(f"{a.model}: {K} filters x {model.n_targets} targets, {a.n} sequences of {L} bp, "
          f"{a.threads} threads, {a.device}")
    sync = torch.cuda.synchronize if a.device.startswith("cuda") else (lambda: None)
    filter_influence(model, X[:2], batch_size=a.batch_size)  # warm-up
    sync()
    t = time.perf_counter()
    fast = filter_influence(model, X, batch_size=a.batch_size)
    sync()
    t_fast = time.perf_counter() - t
    t = time.perf_counter()
    with torch.no_grad():
        for s in range(0, a.n, a.naive_batch_size or a.n):
            model(X[s:s + (a.naive_batch_size or a.n)].to(a.device))
    sync()
    t_pass = time.perf_counter() - t
    scale = 1000 / a.n
    print(f"one full forward pass over the data: {t_pass:.2f} s")
    print(f"batched: {t_fast:.2f} s = {t_fast / t_pass:.1f} full passes for {K} filters "
          f"(extrapolated to 1,000 sequences: {t_fast * scale:.0f} s)")
    if a.skip_naive:
        return
    t = time.perf_counter()
    naive = filter_influence(model, X, method="naive", batch_size=a.naive_batch_size or a.n)
    sync()
    t_naive = time.perf_counter() - t
    diff = float(np.abs(naive.influence - fast.influence).max())
    print(f"naive:   {t_naive:.2f} s = {t_naive / t_pass:.1f} full passes "
          f"(extrapolated to 1,000 sequences: {t_naive * scale:.0f} s)")
    print(f"speed-up batched vs naive: {t_naive / t_fast:.2f}x; max |difference| {diff:.2e}")


if __name__ == "__main__":
    main()
