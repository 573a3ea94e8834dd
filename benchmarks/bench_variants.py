"""Variant-effect throughput and memory: ``motifscope.methods.variants.score_vcf`` end to end.

Two measurements, each in a fresh process (so peak RSS is its own):

1. **Throughput** of the full-size DeepSEA and DanQ (zoo architectures, random weights;
   1000 bp, 919 targets): variants per second for a VCF of ``--n`` SNVs on a synthetic
   genome, against the model's **forward-pass floor**, the time of the forward passes alone
   on the same number of windows (2 windows × 2 strands per variant) in the same batch size.
   ``fraction of floor`` = floor time / end-to-end time (1.0 = no overhead beyond the model).
   End to end includes reading the VCF, REF checks, fetching and one-hot encoding windows,
   formatting the TSV (919 × 4 columns per variant), writing the chunks and merging them.
2. **Peak RSS** for ``--rss-n`` variants (default 10⁵ and 10⁶) with a tiny model (a 2-kernel
   convolution on 100 bp, 2 targets, batches of 1024), so the model does not dominate: RSS that stays flat
   between the sizes shows that nothing grows with the number of variants.

3. **Readers** (``--readers``): 1 kb window fetches per second from the FASTA with
   pysam's ``FastaFile`` against pyfaidx, and records per second read from the VCF by
   motifscope's streaming text reader against cyvcf2 and ``pysam.VariantFile``, when
   installed (the measurement behind the choice of pysam).

Usage::

    python benchmarks/bench_variants.py                       # both parts, default sizes
    python benchmarks/bench_variants.py --n 64 --rss-n 100000 300000
    python benchmarks/bench_variants.py --device cuda --n 4096  # on a GPU

Threads: ``torch.set_num_threads(--threads)`` (default 2, the CPU budget of the note). The
floor is timed just before and just after the end-to-end run and averaged; on cores shared
with other jobs the figures still vary by ±30 % between runs, so run it twice. Measured here
over three runs: DeepSEA 2.5–6.2 variants/s, 0.73–1.07 of the floor; DanQ 2.8–7.8
variants/s, 0.85–1.14; the tiny model's peak RSS 271 MB at both 10⁵ and 10⁶ variants.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


def make_genome(path: Path, contigs=4, size=500_000, seed=0) -> dict:
    """A random FASTA of ``contigs`` × ``size`` bases; returns the sequences."""
    rng = np.random.default_rng(seed)
    seqs = {f"chr{i + 1}": "".join(np.array(list("ACGT"))[rng.integers(0, 4, size)])
            for i in range(contigs)}
    with open(path, "w") as fh:
        for name, s in seqs.items():
            fh.write(f">{name}\n")
            fh.writelines(s[i:i + 80] + "\n" for i in range(0, len(s), 80))
    return seqs


def make_vcf(path: Path, seqs: dict, n: int, margin=600, seed=0) -> None:
    """``n`` random SNVs (REF from the genome), written as they are drawn."""
    rng = random.Random(seed)
    names = list(seqs)
    with open(path, "w") as fh:
        fh.write("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n")
        for i in range(n):
            c = names[i % len(names)]
            p = rng.randrange(margin, len(seqs[c]) - margin)
            ref = seqs[c][p]
            alt = rng.choice([b for b in "ACGT" if b != ref])
            fh.write(f"{c}\t{p + 1}\trs{i}\t{ref}\t{alt}\t.\tPASS\tAF=0.1\n")


def _tiny_model():
    import torch
    from torch import nn

    class Tiny(nn.Sequential):
        def __init__(self):
            super().__init__(nn.Conv1d(4, 2, 5), nn.ReLU(), nn.AdaptiveMaxPool1d(1),
                             nn.Flatten(), nn.Linear(2, 2))
            self.seq_len, self.n_targets = 100, 2

    torch.manual_seed(0)
    return Tiny()


def _floor(model, n_windows: int, batch_size: int, device: str) -> float:
    """Seconds of the forward passes alone on ``n_windows`` random windows."""
    import torch

    from motifscope.methods.predict import predict

    X = torch.nn.functional.one_hot(torch.randint(0, 4, (n_windows, model.seq_len)), 4)
    X = X.permute(0, 2, 1).float()
    predict(model, X[:batch_size], batch_size=batch_size, device=device)   # warm-up
    t = time.perf_counter()
    predict(model, X, batch_size=batch_size, device=device)
    return time.perf_counter() - t


def child_throughput(args) -> dict:
    import torch

    from motifscope import zoo
    from motifscope.methods.variants import score_vcf

    torch.set_num_threads(args.threads)
    work = Path(args.dir)
    torch.manual_seed(0)
    model = zoo.build(args.model).eval()
    out = work / f"out-{args.model}"
    score_vcf(model, work / "warm.vcf", work / "genome.fa", work / f"warm-{args.model}",
              batch_size=args.batch_size, device=args.device)
    n = sum(1 for line in open(work / "calls.vcf") if not line.startswith("#"))
    before = _floor(model, 4 * n, args.batch_size, args.device)   # floor on either side of
    t = time.perf_counter()                                       # the run, averaged, as the
    res = score_vcf(model, work / "calls.vcf", work / "genome.fa", out,   # cores are shared
                    chunk_size=args.chunk_size, batch_size=args.batch_size, device=args.device)
    total = time.perf_counter() - t
    floor = (before + _floor(model, 4 * n, args.batch_size, args.device)) / 2
    return {"model": args.model, "variants": res.summary["scored"], "seconds": total,
            "variants_per_s": res.summary["scored"] / total,
            "floor_variants_per_s": res.summary["scored"] / floor,
            "fraction_of_floor": floor / total, "peak_rss_mb": _rss_mb()}


def child_rss(args) -> dict:
    import torch

    from motifscope.methods.variants import score_vcf

    torch.set_num_threads(args.threads)
    work = Path(args.dir)
    t = time.perf_counter()
    res = score_vcf(_tiny_model(), work / f"rss-{args.n}.vcf", work / "genome.fa",
                    work / f"rss-out-{args.n}", chunk_size=args.chunk_size, batch_size=1024)
    total = time.perf_counter() - t
    return {"variants": res.summary["scored"], "seconds": total,
            "variants_per_s": res.summary["scored"] / total, "peak_rss_mb": _rss_mb()}


def bench_readers(work: Path, seqs: dict, n: int = 20000) -> dict:
    """Fetches/s (pysam, pyfaidx) and VCF records/s (ours, cyvcf2, pysam)."""
    from motifscope.io.genome import Genome
    from motifscope.methods.variants import read_vcf

    rng = random.Random(0)
    names = list(seqs)
    coords = [(names[i % len(names)], rng.randrange(0, len(seqs[names[0]]) - 1000))
              for i in range(n)]
    out = {}
    g = Genome(work / "genome.fa")
    t = time.perf_counter()
    for c, s in coords:
        g.fetch(c, s, s + 1000)
    out["pysam fetch/s"] = n / (time.perf_counter() - t)
    try:
        import pyfaidx

        fa = pyfaidx.Fasta(str(work / "genome.fa"), as_raw=True)
        t = time.perf_counter()
        for c, s in coords:
            fa[c][s:s + 1000].upper()
        out["pyfaidx fetch/s"] = n / (time.perf_counter() - t)
    except ImportError:
        pass
    make_vcf(work / "readers.vcf", seqs, n, seed=3)
    t = time.perf_counter()
    k = sum(1 for _ in read_vcf(work / "readers.vcf"))
    out["motifscope read_vcf records/s"] = k / (time.perf_counter() - t)
    try:
        import cyvcf2

        t = time.perf_counter()
        k = sum(len(v.ALT) for v in cyvcf2.VCF(str(work / "readers.vcf")))
        out["cyvcf2 records/s"] = k / (time.perf_counter() - t)
    except ImportError:
        pass
    import pysam

    t = time.perf_counter()
    with pysam.VariantFile(str(work / "readers.vcf")) as vf:
        k = sum(len(r.alts) for r in vf)
    out["pysam VariantFile records/s"] = k / (time.perf_counter() - t)
    return out


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _child(mode: str, work: Path, args, **extra) -> dict:
    cmd = [sys.executable, __file__, "--child", mode, "--dir", str(work),
           "--threads", str(args.threads), "--batch-size", str(args.batch_size),
           "--chunk-size", str(args.chunk_size), "--device", args.device]
    for k, v in extra.items():
        cmd += [f"--{k}", str(v)]
    p = subprocess.run(cmd, capture_output=True, text=True)
    if p.returncode:
        raise SystemExit(p.stderr[-3000:])
    return json.loads(p.stdout.strip().splitlines()[-1])


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=256, help="variants per full-size model")
    ap.add_argument("--rss-n", type=int, nargs="*", default=[100_000, 1_000_000])
    ap.add_argument("--models", nargs="*", default=["deepsea", "danq"])
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=64)
    ap.add_argument("--chunk-size", type=int, default=512)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--dir", default=None)
    ap.add_argument("--readers", action="store_true", help="only the reader comparison")
    ap.add_argument("--child", default=None)
    ap.add_argument("--model", default=None)
    args = ap.parse_args(argv)
    if args.child:
        fn = {"throughput": child_throughput, "rss": child_rss}[args.child]
        print(json.dumps(fn(args)))
        return
    with tempfile.TemporaryDirectory(dir=args.dir) as tmp:
        work = Path(tmp)
        seqs = make_genome(work / "genome.fa")
        if args.readers:
            for k, v in bench_readers(work, seqs).items():
                print(f"{k:32s} {v:12.0f}")
            return
        make_vcf(work / "calls.vcf", seqs, args.n)
        make_vcf(work / "warm.vcf", seqs, 8, seed=1)
        rows = []
        for m in args.models:
            r = _child("throughput", work, args, model=m)
            rows.append(r)
            print(f"{m:8s} {r['variants']:7d} variants  {r['variants_per_s']:8.2f} variants/s  "
                  f"floor {r['floor_variants_per_s']:8.2f}/s  fraction of floor "
                  f"{r['fraction_of_floor']:.2f}  peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
        for n in args.rss_n:
            make_vcf(work / f"rss-{n}.vcf", seqs, n, seed=2)
            r = _child("rss", work, args, n=n)
            rows.append({"model": "tiny", **r})
            print(f"tiny     {r['variants']:7d} variants  {r['variants_per_s']:8.0f} variants/s  "
                  f"peak RSS {r['peak_rss_mb']:.0f} MB", flush=True)
        print(json.dumps(rows))


if __name__ == "__main__":
    os.environ.setdefault("OMP_NUM_THREADS", "2")
    main()
