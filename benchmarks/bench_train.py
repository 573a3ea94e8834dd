"""Training throughput of every published architecture at its real size, on this machine.

For each zoo model (demo cards excluded) at its published size: a few training steps
(forward + backward + optimizer step, batch 64 by default, the card's optimizer and loss)
after one warm-up step, timed with ``time.perf_counter``. Forward FLOPs per sample are counted
with ``torch.utils.flop_counter.FlopCounterMode`` (matmuls/convolutions; LSTM cells are
counted through their matmuls), training is taken as 3 × forward, and the FLOP floor is
``3 × forward FLOPs / matmul rate``, where the matmul rate is measured in the same run on a
2048 × 2048 float32 matmul. ``fraction`` = floor time / measured time (1.0 would be
matmul-bound perfection).

Usage::

    python benchmarks/bench_train.py [--batch 64] [--steps 3] [--models deepsea danq ...]
"""

from __future__ import annotations

import argparse
import time

import torch

from motifscope import zoo
from motifscope.losses import get_loss
from motifscope.train import config_from_card, make_optimizer

__all__ = ["matmul_gflops", "forward_flops", "bench_model", "main"]


def matmul_gflops(n: int = 2048, repeats: int = 5) -> float:
    """Best-of-``repeats`` GFLOP/s of an ``n × n`` float32 matmul."""
    a, b = torch.randn(n, n), torch.randn(n, n)
    a @ b
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        best = min(best, time.perf_counter() - t)
    return 2 * n**3 / best / 1e9


def forward_flops(model, seq_len: int) -> float:
    """Forward FLOPs per sample (FlopCounterMode on a batch of 2, halved)."""
    from torch.utils.flop_counter import FlopCounterMode

    model.eval()
    x = torch.zeros(2, 4, seq_len)
    x[:, 0] = 1
    with FlopCounterMode(display=False) as fc, torch.no_grad():
        model(x)
    model.train()
    return fc.get_total_flops() / 2


def bench_model(name: str, batch: int, steps: int) -> dict:
    """Time ``steps`` training steps of zoo model ``name`` at its real size."""
    card = zoo.card(name)
    torch.manual_seed(0)
    model = zoo.build(name)
    L, T = int(card["input"]["seq_len"]), int(card["input"]["n_targets"])
    cfg = config_from_card(card.get("training"))
    opt = make_optimizer(model.parameters(), cfg)
    loss_fn = get_loss(cfg.loss)
    g = torch.Generator().manual_seed(0)
    idx = torch.randint(0, 4, (batch, L), generator=g)
    X = torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()
    y = (torch.rand(batch, T, generator=g) < 0.05).float()
    fwd = forward_flops(model, L)
    pen = getattr(model, "penalty", None)
    con = getattr(model, "apply_constraints", None)

    def step():
        loss = loss_fn(model(X), y)
        if pen is not None:
            loss = loss + pen()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if con is not None:
            with torch.no_grad():
                con()

    step()  # warm-up
    t = time.perf_counter()
    for _ in range(steps):
        step()
    dt = (time.perf_counter() - t) / steps
    return {"model": name, "params": sum(p.numel() for p in model.parameters()),
            "fwd_gflop_per_sample": fwd / 1e9, "step_s": dt, "samples_per_s": batch / dt}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--threads", type=int, default=None)
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    names = args.models or [n for n in zoo.names() if not n.endswith("_demo")]
    rate0 = matmul_gflops()
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads; "
          f"2048x2048 float32 matmul: {rate0:.1f} GFLOP/s")
    rows = []
    for n in names:
        r = bench_model(n, args.batch, args.steps)
        rows.append(r)
    rate1 = matmul_gflops()
    rate = max(rate0, rate1)
    print(f"matmul after the runs: {rate1:.1f} GFLOP/s (floor uses the best, {rate:.1f})\n")
    hdr = (f"{'model':<16}{'params':>12}{'fwd GFLOP/seq':>15}{'step s':>9}{'samples/s':>11}"
           f"{'floor samples/s':>17}{'fraction':>10}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        floor = rate * 1e9 / (3 * r["fwd_gflop_per_sample"] * 1e9) if r["fwd_gflop_per_sample"] else float("inf")
        print(f"{r['model']:<16}{r['params']:>12,}{r['fwd_gflop_per_sample']:>15.3f}"
              f"{r['step_s']:>9.2f}{r['samples_per_s']:>11.1f}{floor:>17.1f}"
              f"{r['samples_per_s'] / floor:>10.2f}")


if __name__ == "__main__":
    main()
