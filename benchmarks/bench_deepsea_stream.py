"""Streaming throughput and memory of DeepSEADataset: HDF5 train.mat vs packed directories.

Generates synthetic files in the exact ``train.mat`` layout (MATLAB v7.3 = HDF5 with a
512-byte userblock; ``trainxdata`` uint8 (1000, 4, N), ``traindata`` uint8 (919, N)) at two
sizes, packs each one (``uint8`` and ``2bit``), then streams each through a
``torch.utils.data.DataLoader`` (batches of 64 made by the dataset, 0 and 2 workers) and
reports sequences per second and the peak resident memory (VmHWM of the main process and of the largest worker).
Each measurement runs in a fresh process so peak RSS is its own. Memory that stays flat
between the two sizes shows that nothing grows with the file.

Disk: about 4.92 GB per million sequences for the HDF5 file, plus 1.12 GB (uint8) and
0.49 GB (2bit) for the packed copies; with the default sizes (1,000,000 and 250,000)
about 8.2 GB under ``--dir`` at peak. Everything is deleted at the end (``--keep`` keeps it).
Files are read right after being written, so the page cache is warm: the numbers measure
the CPU cost of reading and decoding, not the disk.

Usage::

    python benchmarks/bench_deepsea_stream.py                 # 1M and 250k sequences
    python benchmarks/bench_deepsea_stream.py --n 100000 --n-small 25000 --max-seqs 50000
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

L, T = 1000, 919
HEADER = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: benchmark HDF5 schema 1.00 ."


def make_train_mat(path: Path, n: int, chunk: int = 32768, seed: int = 0) -> float:
    """Write a random train.mat-layout file of ``n`` sequences; return seconds taken."""
    import h5py
    from tqdm.auto import tqdm

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    with h5py.File(path, "w", userblock_size=512) as f:
        dx = f.create_dataset("trainxdata", shape=(L, 4, n), dtype=np.uint8)
        dy = f.create_dataset("traindata", shape=(T, n), dtype=np.uint8)
        dx.attrs["MATLAB_class"] = np.bytes_("uint8")
        dy.attrs["MATLAB_class"] = np.bytes_("uint8")
        for a in tqdm(range(0, n, chunk), desc=f"write {path.name}", unit="chunk"):
            b = min(n, a + chunk)
            idx = rng.integers(0, 4, size=(L, b - a), dtype=np.uint8)
            x = np.zeros((L, 4, b - a), np.uint8)
            for c in range(4):
                x[:, c, :] = idx == c
            dx[:, :, a:b] = x
            dy[:, a:b] = rng.random((T, b - a), dtype=np.float32) < 0.05
    with open(path, "r+b") as fh:
        fh.write(HEADER.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02IM")
    return time.perf_counter() - t0


def measure(path: str, workers: int, max_seqs: int, batch: int) -> dict:
    """Stream up to ``max_seqs`` sequences; return throughput and peak RSS (this process)."""
    import torch

    from motifscope.data.stream import DeepSEADataset

    torch.set_num_threads(1)
    ds = DeepSEADataset(path, batch_size=batch, shuffle=True, seed=0)
    dl = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=workers)
    seen, t0 = 0, time.perf_counter()
    first, worker_kb = None, {}
    for X, y in dl:
        if first is None:
            first = time.perf_counter() - t0
        assert X.shape[1:] == (4, L) and y.shape[1] == T and X.dtype == torch.float32
        seen += X.shape[0]
        if workers and (seen // batch) % 200 == 1:  # sample worker peaks while they live
            for pid in _children():
                worker_kb[pid] = max(worker_kb.get(pid, 0), _hwm_kb(pid))
        if seen >= max_seqs:
            for pid in _children():
                worker_kb[pid] = max(worker_kb.get(pid, 0), _hwm_kb(pid))
            break
    dt = time.perf_counter() - t0
    del dl
    return {
        "seqs": seen,
        "seconds": dt,
        "seqs_per_s": seen / dt,
        "first_batch_s": first,
        "rss_main_mb": _hwm_kb("self") / 1024,
        "rss_worker_mb": max(worker_kb.values(), default=0) / 1024,
    }


def _hwm_kb(pid) -> int:
    """Peak resident set size (VmHWM, reset at exec) of a process, in kB."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


def _children() -> list[int]:
    """Process ids whose parent is this process (the DataLoader workers)."""
    me, out = os.getpid(), []
    for d in Path("/proc").iterdir():
        if d.name.isdigit():
            try:
                stat = (d / "stat").read_text()
            except OSError:
                continue
            if int(stat.rsplit(")", 1)[1].split()[1]) == me:
                out.append(int(d.name))
    return out


def _run_measure(path: Path, workers: int, max_seqs: int, batch: int) -> dict:
    cmd = [sys.executable, __file__, "--_measure", str(path), str(workers), str(max_seqs), str(batch)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=1_000_000, help="sequences in the large file")
    ap.add_argument("--n-small", type=int, default=250_000, help="sequences in the small file")
    ap.add_argument("--max-seqs", type=int, default=200_000, help="sequences streamed per run")
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--workers", type=int, nargs="+", default=[0, 2])
    ap.add_argument("--dir", default=tempfile.gettempdir(), help="scratch directory")
    ap.add_argument("--keep", action="store_true", help="keep the generated files")
    ap.add_argument("--_measure", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args._measure:
        p, w, m, b = args._measure
        print(json.dumps(measure(p, int(w), int(m), int(b))))
        return 0

    from motifscope.io.pack import pack

    need = (args.n + args.n_small) * (4 * L + T + L + (L // 4 + L // 8 + T // 8 + 2)) / 1e9
    free = shutil.disk_usage(args.dir).free / 1e9
    print(f"scratch {args.dir}: {free:.1f} GB free, about {need:.1f} GB needed")
    if need > free * 0.9:
        print("not enough disk; lower --n", file=sys.stderr)
        return 1
    work = Path(tempfile.mkdtemp(prefix="bench_deepsea_", dir=args.dir))
    rows = []
    try:
        for n in (args.n_small, args.n):
            mat = work / f"train_{n}.mat"
            gen_s = make_train_mat(mat, n)
            srcs = {"hdf5": mat}
            sizes = {"hdf5": mat.stat().st_size}
            pack_s = {}
            for enc in ("uint8", "2bit"):
                t0 = time.perf_counter()
                d = pack(mat, work / f"train_{n}.{enc}", encoding=enc)
                pack_s[enc] = time.perf_counter() - t0
                srcs[f"packed-{enc}"] = d
                sizes[f"packed-{enc}"] = sum(f.stat().st_size for f in d.iterdir())
            print(f"n={n}: generated in {gen_s:.0f} s; packed uint8 in {pack_s['uint8']:.0f} s, "
                  f"2bit in {pack_s['2bit']:.0f} s")  # fmt: skip
            for fmt, path in srcs.items():
                for w in args.workers:
                    r = _run_measure(path, w, min(args.max_seqs, n), args.batch)
                    r.update(n=n, format=fmt, workers=w, file_gb=sizes[fmt] / 1e9)
                    rows.append(r)
                    print(f"  {fmt:13s} workers={w}: {r['seqs_per_s']:9.0f} seq/s, "
                          f"RSS main {r['rss_main_mb']:6.0f} MB, worker {r['rss_worker_mb']:6.0f} MB",
                          flush=True)  # fmt: skip
    finally:
        if not args.keep:
            shutil.rmtree(work, ignore_errors=True)

    print()
    hdr = f"{'n':>9} {'format':13} {'workers':>7} {'file GB':>8} {'seq/s':>9} {'x HDF5':>7} " \
          f"{'RSS main MB':>11} {'RSS worker MB':>13}"  # fmt: skip
    print(hdr)
    print("-" * len(hdr))
    base = {(r["n"], r["workers"]): r["seqs_per_s"] for r in rows if r["format"] == "hdf5"}
    for r in rows:
        ratio = r["seqs_per_s"] / base[(r["n"], r["workers"])]
        print(f"{r['n']:>9} {r['format']:13} {r['workers']:>7} {r['file_gb']:>8.2f} "
              f"{r['seqs_per_s']:>9.0f} {ratio:>7.2f} {r['rss_main_mb']:>11.0f} "
              f"{r['rss_worker_mb']:>13.0f}")  # fmt: skip
    print()
    print(f"peak RSS, n={args.n} vs n={args.n_small} (same streaming work):")
    for fmt in ("hdf5", "packed-uint8", "packed-2bit"):
        for w in args.workers:
            big = [r for r in rows if r["n"] == args.n and r["format"] == fmt and r["workers"] == w]
            small = [r for r in rows if r["n"] == args.n_small and r["format"] == fmt
                     and r["workers"] == w]  # fmt: skip
            if big and small:
                b, s = big[0], small[0]
                print(f"  {fmt:13s} workers={w}: main {s['rss_main_mb']:.0f} -> {b['rss_main_mb']:.0f} MB, "
                      f"worker {s['rss_worker_mb']:.0f} -> {b['rss_worker_mb']:.0f} MB")  # fmt: skip
    return 0


if __name__ == "__main__":
    sys.exit(main())
