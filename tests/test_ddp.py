"""DDP on CPU: two gloo processes launched by torchrun train the same model."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest
import torch

SCRIPT = textwrap.dedent("""
    import os, sys, torch
    sys.path.insert(0, {tests!r})
    from test_train import Tiny, planted_data, quick_config
    from motifscope.train import fit

    torch.set_num_threads(1)
    X, y = planted_data(256)
    torch.manual_seed(0)
    model = Tiny()
    res = fit(model, (X, y), (X[:64], y[:64]), run_dir={run!r},
              config=quick_config(epochs=2, batch_size=32))
    rank = int(os.environ["RANK"])
    torch.save(model.state_dict(), os.path.join({out!r}, f"rank{{rank}}.pt"))
    print("rank", rank, "world", os.environ["WORLD_SIZE"], "steps", len(res.history))
""")


def test_torchrun_two_cpu_processes(tmp_path):
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed not available")
    run = tmp_path / "run"
    script = tmp_path / "job.py"
    script.write_text(SCRIPT.format(tests=os.path.dirname(__file__), run=str(run),
                                    out=str(tmp_path)))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                        "--nproc_per_node", "2", str(script)], env=env, capture_output=True,
                       text=True, timeout=300)
    assert p.returncode == 0, p.stderr[-3000:]
    a = torch.load(tmp_path / "rank0.pt", weights_only=True)
    b = torch.load(tmp_path / "rank1.pt", weights_only=True)
    for k in a:
        assert torch.equal(a[k], b[k]), k
    assert (run / "model.pt").is_file() and (run / "checkpoints" / "last.pt").is_file()
    assert (run / "config.toml").read_text().count("world_size = 2") == 1
    assert len((run / "history.csv").read_text().strip().splitlines()) == 3
    # the run directory holds the trained (best) weights rank 0 ended with
    saved = torch.load(run / "model.pt", weights_only=True)
    assert all(torch.equal(saved[k], a[k]) for k in a)
    # each rank saw half the data: 256 rows / 2 ranks / 32 per batch = 4 steps per epoch
    ck = torch.load(run / "checkpoints" / "last.pt", weights_only=True)
    assert ck["optimizer"]["state"][0]["step"].item() == 8
