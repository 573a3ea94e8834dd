"""Time motifscope's seqlet calling + annotation against tangermeme's, in one run, at the same seqlets.

Inputs: ``--attributions`` an ``attributions.npz`` written by the ``seqlets`` analysis
(``sequences`` and ``attributions``), or by default ``--n`` random sequences of length
``--length`` whose projected attributions are Gaussian noise with planted high spans.
Database: the newest JASPAR CORE vertebrates release pyjaspar ships.

Timed (median of ``--repeats``, interleaved; both tools warmed up first, numba JIT
included in neither):

- calling: :func:`motifscope.methods.seqlets.recursive_seqlets` vs ``tangermeme.seqlet.recursive_seqlets``
  (p < 0.01), and the same with shuffled-like controls (FDR 0.1);
- annotation of those seqlets: :func:`motifscope.methods.seqlets.annotate_seqlets` (Tomtom
  Pearson, 3 best matches, FIMO scan of each) vs ``tangermeme.annotate.annotate_seqlets``
  (memelite's Euclidean Tomtom, best match only).

Prints the seqlet agreement (identical spans and p-values), sequences/s of each tool and
the ratios. Run: ``python benchmarks/bench_seqlets.py [--n 500] [--length 500] [--repeats 3]``
"""

from __future__ import annotations

import argparse
import statistics
import time

import numpy as np


def _timed(fn):
    t = time.perf_counter()
    out = fn()
    return time.perf_counter() - t, out


def _inputs(args):
    if args.attributions:
        z = np.load(args.attributions)
        X = z["sequences"].astype(np.float32)
        a = (z["attributions"] * X).sum(1).astype(np.float64)
        return X, a, None
    rng = np.random.default_rng(0)
    X = np.eye(4, dtype=np.float32)[rng.integers(0, 4, (args.n, args.length))].transpose(0, 2, 1)
    a = rng.normal(0, 0.05, (args.n, args.length))
    for i in range(args.n):
        for s in rng.choice(args.length - 15, size=3, replace=False):
            a[i, s:s + int(rng.integers(6, 14))] += rng.uniform(0.3, 1.0)
    control = rng.normal(0, 0.05, (args.n, args.length))
    return np.ascontiguousarray(X), a, control


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--attributions", default=None)
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--length", type=int, default=500)
    ap.add_argument("--repeats", type=int, default=3)
    args = ap.parse_args(argv)

    import torch
    from tangermeme.annotate import annotate_seqlets as tm_annotate
    from tangermeme.seqlet import recursive_seqlets as tm_seqlets

    from motifscope.io.jaspar import jaspar_motifs
    from motifscope.methods.seqlets import annotate_seqlets, recursive_seqlets

    X, a, control = _inputs(args)
    db = jaspar_motifs()
    tm_db = {m.name: m.ppm for m in db}
    Xt, at = torch.from_numpy(X), torch.from_numpy(a)
    print(f"{len(a)} sequences × {a.shape[1]} bp; {len(db)} JASPAR motifs")
    ours = recursive_seqlets(a[:8])  # warm-up (JIT)
    theirs = tm_seqlets(at[:8])
    annotate_seqlets(ours.head(4), X, db)
    tm_annotate(Xt, theirs.head(4), tm_db)

    runs = {"call ours": lambda: recursive_seqlets(a), "call tangermeme": lambda: tm_seqlets(at)}
    if control is not None:
        runs["call+FDR ours"] = lambda: recursive_seqlets(a, control=control)
        runs["call+FDR tangermeme"] = lambda: tm_seqlets(at, X_control=torch.from_numpy(control))
    times = {k: [] for k in runs}
    out = {}
    for _ in range(args.repeats):
        for k, fn in runs.items():
            t, out[k] = _timed(fn)
            times[k].append(t)
    s_ours = out["call ours"]
    s_tm = out["call tangermeme"].rename(columns={"example_idx": "seq", "p-value": "p_value"})
    key = ["seq", "start", "end"]
    a_sorted = s_ours.sort_values(key, ignore_index=True)
    b_sorted = s_tm.sort_values(key, ignore_index=True)
    same = len(a_sorted) == len(b_sorted) and (a_sorted[key].to_numpy() == b_sorted[key].to_numpy()).all()
    print(f"seqlets: ours {len(s_ours)}, tangermeme {len(s_tm)}, identical spans: {same}, "
          f"max |Δp| {np.abs(a_sorted['p_value'] - b_sorted['p_value']).max() if same else float('nan'):.2e}")
    ann = {"annotate ours": lambda: annotate_seqlets(s_ours, X, db),
           "annotate tangermeme": lambda: tm_annotate(Xt, out["call tangermeme"], tm_db)}
    for k in ann:
        times[k] = []
    for _ in range(args.repeats):
        for k, fn in ann.items():
            times[k].append(_timed(fn)[0])
    med = {k: statistics.median(v) for k, v in times.items()}
    n = len(a)
    for k, v in med.items():
        print(f"{k:24s} {v:8.3f} s  {n / v:10.1f} seq/s")
    for step in ("call", "call+FDR", "annotate"):
        if f"{step} ours" in med:
            print(f"ratio ours/tangermeme, {step}: {med[f'{step} ours'] / med[f'{step} tangermeme']:.2f}")
    tot_o = med["call ours"] + med["annotate ours"]
    tot_t = med["call tangermeme"] + med["annotate tangermeme"]
    print(f"calling + annotation: ours {n / tot_o:.1f} seq/s, tangermeme {n / tot_t:.1f} seq/s, "
          f"ratio of times {tot_o / tot_t:.2f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
