"""Time motifscope's Tomtom (Euclidean and Pearson) against memelite's in one run.

Queries: the 1,024 DanQ-JASPAR kernel motifs (width 26) from ``shared/data/danq``, or 1,024
random PPMs of width 26 when that file is missing. Targets: the newest JASPAR CORE
vertebrates release that pyjaspar ships. memelite is warmed up first (its numba JIT
takes ~90 s in a fresh install), and each tool is timed as the median of ``--repeats``
calls. The calls are interleaved (one of each configuration per repeat), so that a load
from other processes that comes and goes weighs on all of them alike; besides the wall
time, the process CPU time (all threads) is reported, which time spent waiting for a busy
CPU does not inflate. Prints the times, the ratios ours / memelite, and the Euclidean
p-value agreement.

Run: ``python benchmarks/bench_tomtom.py [--repeats 3] [--queries N]``
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np


def _timed(fn):
    w, c = time.perf_counter(), time.process_time()
    out = fn()
    return time.perf_counter() - w, time.process_time() - c, out


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--queries", type=int, default=1024)
    args = ap.parse_args(argv)

    import memelite

    from motifscope.io.jaspar import jaspar_motifs, latest_release
    from motifscope.io.meme import read_meme
    from motifscope.methods.tomtom import tomtom

    path = Path(__file__).resolve().parents[2] / "shared" / "data" / "danq" / "DanQ-JASPAR.meme"
    if path.exists():
        Qs = [m.ppm for m in read_meme(path)][: args.queries]
        qsrc = path.name
    else:
        rng = np.random.default_rng(0)
        Qs = [rng.dirichlet(np.full(4, 0.5), size=26).T for _ in range(args.queries)]
        qsrc = "random width-26 PPMs"
    Ts = [m.ppm for m in jaspar_motifs()]
    print(f"queries: {len(Qs)} from {qsrc}; targets: {len(Ts)} {latest_release()} CORE vertebrates")

    # warm-up (JIT / cache load) of both implementations
    memelite.tomtom(Qs[:4], Ts)
    tomtom(Qs[:4], Ts, dist="euclidean", thresh=None)

    runs = {
        "mm": lambda: memelite.tomtom(Qs, Ts),
        "mm_exact": lambda: memelite.tomtom(Qs, Ts, n_target_bins=None),
        "eu": lambda: tomtom(Qs, Ts, dist="euclidean", min_overlap=1, thresh=None),
        "eu_h": lambda: tomtom(Qs, Ts, dist="euclidean", min_overlap=1, thresh=None,
                               n_target_bins=100),
        "pe": lambda: tomtom(Qs, Ts, dist="pearson", thresh=None),
    }
    wall = {k: [] for k in runs}
    cpu = {k: [] for k in runs}
    res = {}
    for _ in range(args.repeats):
        for k, fn in runs.items():
            w, c, res[k] = _timed(fn)
            wall[k].append(w)
            cpu[k].append(c)
    T = {k: statistics.median(v) for k, v in wall.items()}
    C = {k: statistics.median(v) for k, v in cpu.items()}
    t_mm, t_mm_exact, t_eu, t_eu_h, t_pe = T["mm"], T["mm_exact"], T["eu"], T["eu_h"], T["pe"]
    r, r_exact, df_eu, df_eu_h = res["mm"], res["mm_exact"], res["eu"], res["eu_h"]

    def agreement(df, ref):
        ours = np.empty((len(Qs), len(Ts)))
        if not df["query"].str.startswith("motif_").all():
            return float("nan")
        qi = df["query"].str.replace("motif_", "").astype(int).to_numpy()
        ti = df["target"].str.replace("motif_", "").astype(int).to_numpy()
        ours[qi, ti] = df["p_value"].to_numpy()
        d = np.abs(np.log10(np.maximum(ours, 1e-300)) - np.log10(np.maximum(ref[0], 1e-300)))
        return float(d.max())

    print(f"memelite tomtom (n_target_bins=100, default) : {t_mm:7.2f} s  (CPU {C['mm']:.2f} s)")
    print(f"memelite tomtom (n_target_bins=None, exact)  : {t_mm_exact:7.2f} s  "
          f"(CPU {C['mm_exact']:.2f} s)")
    print(f"motifscope euclidean (exact columns)         : {t_eu:7.2f} s  "
          f"ratio vs memelite exact {t_eu / t_mm_exact:.2f}x, vs default {t_eu / t_mm:.2f}x  "
          f"(CPU {C['eu']:.2f} s, ratio {C['eu'] / C['mm_exact']:.2f}x)")
    print(f"motifscope euclidean (n_target_bins=100)     : {t_eu_h:7.2f} s  "
          f"ratio vs memelite default {t_eu_h / t_mm:.2f}x  "
          f"(CPU {C['eu_h']:.2f} s, ratio {C['eu_h'] / C['mm']:.2f}x)")
    print(f"motifscope pearson (exact columns)           : {t_pe:7.2f} s  "
          f"ratio vs memelite exact {t_pe / t_mm_exact:.2f}x  "
          f"(CPU {C['pe']:.2f} s, ratio {C['pe'] / C['mm_exact']:.2f}x)")
    print("max |log10 p| difference, euclidean exact vs memelite exact   : "
          f"{agreement(df_eu, r_exact):.2e}")
    print("max |log10 p| difference, euclidean hashed vs memelite default: "
          f"{agreement(df_eu_h, r):.2e}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
