"""Import time and peak memory of ``motifscope import`` on full-size published layouts.

The weight files are written by the layout writers of ``tests/test_import_weights.py``
(Kipoi's ``Sequential`` state dicts with their key names, a Keras 0.2 HDF5 for DanQ) at
the published sizes, with random weights. Each import runs in a fresh subprocess so its
peak resident memory (``ru_maxrss``) is its own.

    PYTHONPATH=. python benchmarks/bench_import.py [FORMAT ...]
"""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FORMATS = ["kipoi-deepsea", "kipoi-beluga", "kipoi-basset", "selene-deepsea", "keras-danq",
           "keras-danq-jaspar"]

_CHILD = r"""
import json, resource, sys, time
from motifscope.runs.convert import import_weights
t = time.perf_counter()
import_weights(sys.argv[1], sys.argv[2], sys.argv[3])
print(json.dumps({"seconds": time.perf_counter() - t,
                  "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024}))
"""


def write_full_size(fmt: str, path: Path) -> Path:
    """Write a full-size file of ``fmt`` at ``path`` with random weights."""
    import torch
    from torch import nn

    sys.path.insert(0, str(ROOT / "tests"))
    import test_import_weights as t

    torch.manual_seed(0)
    if fmt == "kipoi-deepsea":
        net = t.kipoi_deepsea()
        torch.save(nn.Sequential(t.ReCodeAlphabet(), t.ConcatenateRC(), net,
                                 t.AverageRC()).state_dict(), path)
    elif fmt == "kipoi-beluga":
        torch.save(t.Beluga().state_dict(), path)
    elif fmt == "kipoi-basset":
        torch.save(t.kipoi_basset().state_dict(), path)
    elif fmt == "selene-deepsea":
        torch.save(t.SeleneDeepSEA().state_dict(), path)
    elif fmt == "keras-danq":
        t.write_keras02(path, t.danq_layers(320, 26, 320, 75, 919))
    elif fmt == "keras-danq-jaspar":
        t.write_keras02(path, t.danq_layers(1024, 30, 512, 64, 919), with_activations=False)
    return path


def main(argv: list[str]) -> int:
    fmts = argv or FORMATS
    rows = []
    with tempfile.TemporaryDirectory() as tmp:
        for fmt in fmts:
            src = write_full_size(fmt, Path(tmp) / f"{fmt}.weights")
            t0 = time.perf_counter()
            res = subprocess.run([sys.executable, "-c", _CHILD, fmt, str(src),
                                  str(Path(tmp) / f"run-{fmt}")], capture_output=True,
                                 text=True, check=True)
            row = json.loads(res.stdout.strip().splitlines()[-1])
            row.update(format=fmt, wall_with_startup=time.perf_counter() - t0,
                       file_mb=src.stat().st_size / 2**20)
            rows.append(row)
            print(f"{fmt:18s} file {row['file_mb']:7.1f} MiB  import {row['seconds']:6.2f} s  "
                  f"peak RSS {row['peak_rss_mb']:7.0f} MiB", flush=True)
            src.unlink()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
