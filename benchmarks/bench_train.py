"""Training throughput of every published architecture at its real size, on this machine.

For each zoo model (demo cards excluded) at its published size: a few training steps
(forward + backward + optimizer step, batch 64 by default, the card's optimizer and loss)
after one warm-up step, timed with ``time.perf_counter``. Forward FLOPs per sample are counted
with ``torch.utils.flop_counter.FlopCounterMode`` (matmuls/convolutions; LSTM cells are
counted through their matmuls), training is taken as 3 × forward, and the FLOP floor is
``3 × forward FLOPs / matmul rate``, where the matmul rate is measured in the same run on a
2048 × 2048 float32 matmul. ``fraction`` = floor time / measured time (1.0 would be
matmul-bound perfection). ``epoch_4.4M`` projects one pass over DeepSEA's 4.4M training
samples at the measured rate.

On CUDA (``--device cuda``) steps are timed between ``torch.cuda.synchronize()`` calls,
the matmul rate is measured on the GPU (float32, TF32 off, unless ``--tf32``), and
``--amp`` runs the forward pass under bfloat16 autocast, with the floor taken from a
bfloat16 matmul (``motifscope train --amp`` uses
float16 with a gradient scaler; both run on the same tensor cores).

Usage::

    python benchmarks/bench_train.py [--batch 64] [--steps 3] [--models deepsea danq ...]
        [--device cuda] [--amp] [--tf32]
"""

from __future__ import annotations

import argparse
import time

import torch

from motifscope import zoo
from motifscope.train import config_from_card, make_optimizer
from motifscope.train.losses import get_loss

__all__ = ["bench_model", "forward_flops", "main", "matmul_gflops"]


def _sync(device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def matmul_gflops(n: int = 2048, repeats: int = 5, device: str = "cpu",
                  dtype: torch.dtype = torch.float32) -> float:
    """Best-of-``repeats`` GFLOP/s of an ``n × n`` matmul of ``dtype`` on ``device``."""
    if device.startswith("cuda"):
        n = max(n, 8192)  # a 2048 matmul does not fill a GPU
    a = torch.randn(n, n, device=device, dtype=dtype)
    b = torch.randn(n, n, device=device, dtype=dtype)
    a @ b
    _sync(device)
    best = float("inf")
    for _ in range(repeats):
        t = time.perf_counter()
        a @ b
        _sync(device)
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


def bench_model(name: str, batch: int, steps: int, device: str = "cpu", amp: bool = False) -> dict:
    """Time ``steps`` training steps of zoo model ``name`` at its real size on ``device``."""
    card = zoo.card(name)
    torch.manual_seed(0)
    model = zoo.build(name)
    L, T = int(card["input"]["seq_len"]), int(card["input"]["n_targets"])
    cfg = config_from_card(card.get("training"))
    loss_fn = get_loss(cfg.loss)
    g = torch.Generator().manual_seed(0)
    idx = torch.randint(0, 4, (batch, L), generator=g)
    X = torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()
    y = (torch.rand(batch, T, generator=g) < 0.05).float()
    fwd = forward_flops(model, L)
    model.to(device)
    opt = make_optimizer(model.parameters(), cfg)  # after .to(): state on the device
    X, y = X.to(device), y.to(device)
    pen = getattr(model, "penalty", None)
    con = getattr(model, "apply_constraints", None)

    def step():
        with torch.autocast(device_type=device.split(":")[0], dtype=torch.bfloat16, enabled=amp):
            logits = model(X)
        loss = loss_fn(logits.float(), y)
        if pen is not None:
            loss = loss + pen()
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if con is not None:
            with torch.no_grad():
                con()

    step()  # warm-up
    step()
    _sync(device)
    t = time.perf_counter()
    for _ in range(steps):
        step()
    _sync(device)
    dt = (time.perf_counter() - t) / steps
    return {"model": name, "params": sum(p.numel() for p in model.parameters()),
            "fwd_gflop_per_sample": fwd / 1e9, "step_s": dt, "samples_per_s": batch / dt}


def main(argv=None) -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--batch", type=int, default=64)
    ap.add_argument("--steps", type=int, default=3)
    ap.add_argument("--models", nargs="*", default=None)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--device", default="cpu")
    ap.add_argument("--amp", action="store_true", help="bfloat16 autocast (CUDA)")
    ap.add_argument("--tf32", action="store_true", help="allow TF32 matmuls on CUDA")
    args = ap.parse_args(argv)
    if args.threads:
        torch.set_num_threads(args.threads)
    dev = args.device
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = args.tf32
    names = args.models or [n for n in zoo.names() if not n.endswith("_demo")]
    mm_dtype = torch.bfloat16 if args.amp else torch.float32
    rate0 = matmul_gflops(device=dev, dtype=mm_dtype)
    where = torch.cuda.get_device_name() if dev.startswith("cuda") else \
        f"{torch.get_num_threads()} CPU threads"
    print(f"torch {torch.__version__}, {where}, batch {args.batch}"
          f"{', bf16 autocast' if args.amp else ''}{', TF32' if args.tf32 else ''}; "
          f"{str(mm_dtype)[6:]} matmul: {rate0:.1f} GFLOP/s")
    rows = []
    for n in names:
        try:
            rows.append(bench_model(n, args.batch, args.steps, dev, args.amp))
        except Exception as e:  # report and go on: one model's failure keeps the others' figures
            print(f"{n}: failed: {type(e).__name__}: {e}")
    rate1 = matmul_gflops(device=dev, dtype=mm_dtype)
    rate = max(rate0, rate1)
    print(f"matmul after the runs: {rate1:.1f} GFLOP/s (floor uses the best, {rate:.1f})\n")
    hdr = (f"{'model':<16}{'params':>12}{'fwd GFLOP/seq':>15}{'step s':>9}{'samples/s':>11}"
           f"{'floor samples/s':>17}{'fraction':>10}{'epoch_4.4M h':>14}")
    print(hdr)
    print("-" * len(hdr))
    for r in rows:
        floor = rate * 1e9 / (3 * r["fwd_gflop_per_sample"] * 1e9) if r["fwd_gflop_per_sample"] else float("inf")
        print(f"{r['model']:<16}{r['params']:>12,}{r['fwd_gflop_per_sample']:>15.3f}"
              f"{r['step_s']:>9.2f}{r['samples_per_s']:>11.1f}{floor:>17.1f}"
              f"{r['samples_per_s'] / floor:>10.2f}{4.4e6 / r['samples_per_s'] / 3600:>14.2f}")


if __name__ == "__main__":
    main()
