"""DeepLIFT-SHAP speed: motifscope vs tangermeme, same models, same references, one run.

    python benchmarks/bench_attribution.py [--n 64] [--refs 20] [--threads 2]
        [--models deepsea,danq] [--batch-size 8] [--json out.json] [--device cuda]

For each model (full-size ``zoo.build("deepsea")`` / ``zoo.build("danq")``, random weights,
eval mode, target 7) it times, on the same ``n`` random 1000-bp sequences and the same
``refs`` dinucleotide shuffles per sequence:

* a plain forward pass (``no_grad``), to turn times into multiples of a forward pass;
* ``motifscope.methods.attribution.deeplift_shap`` (``references=`` given);
* ``tangermeme.deep_lift_shap`` (optional ``bench`` extra) with the same references;
* for DanQ, both LSTM treatments: ``lstm_rule="linear"`` vs tangermeme as built, and
  ``lstm_rule="ig"`` (K = 8) vs tangermeme with ``integrated_gradients_op(8)`` on the
  BiLSTM;

and prints throughput, the speed ratio, the largest difference between the two
implementations' attributions, the summation-to-delta error, and the *fraction of the
FLOP floor*: the minimum work of DeepLIFT-SHAP is a forward pass per reference, an
input-gradient backward pass per reference (≈ one forward each) and one forward pass of
the sequence, ``(2R + 1)`` forward passes, timed at the measured plain-forward rate.
"""

from __future__ import annotations

import argparse
import json
import time
import warnings

import torch


def _time(fn, repeat=1):
    best = None
    out = None
    for _ in range(repeat):
        t = time.perf_counter()
        out = fn()
        dt = time.perf_counter() - t
        best = dt if best is None else min(best, dt)
    return best, out


def _random_one_hot(n, length, seed=0):
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    return torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()


def _sync(device):
    if str(device).startswith("cuda"):
        torch.cuda.synchronize()


def _sum_delta(model, X, refs, attr, target, device):
    """``max |sum(attr) - (f(x) - mean_r f(ref_r))|`` per sequence: summation-to-delta."""
    n, R = refs.shape[:2]
    with torch.no_grad():
        fx = torch.cat([model(X[i:i + 64].to(device))[:, target].cpu() for i in range(0, n, 64)])
        flat = refs.reshape(n * R, *refs.shape[2:])
        fr = torch.cat([model(flat[i:i + 256].to(device))[:, target].cpu()
                        for i in range(0, n * R, 256)]).reshape(n, R)
    return float((attr.cpu().sum((1, 2)) - (fx - fr.mean(1))).abs().max())


def bench_model(name, n, n_refs, batch_size, results, repeat=1, lstm_rules=("ig", "linear"),
                device="cpu"):
    from motifscope import zoo
    from motifscope.core.sequence import dinucleotide_shuffle
    from motifscope.methods.attribution import deeplift_shap
    from motifscope.methods.attribution.base import _has_rnn

    torch.manual_seed(0)
    model = zoo.build(name).eval().to(device)
    X = _random_one_hot(n, model.seq_len)
    refs = dinucleotide_shuffle(X, n=n_refs, random_state=0).float()
    target = 7
    Xd = X.to(device)

    def forward_all():
        out = [model(Xd[i:i + 64]) for i in range(0, n, 64)]
        _sync(device)
        return out

    with torch.no_grad():
        model(Xd[:8])
        t_fwd, _ = _time(forward_all, 3)
    fwd_per_seq = t_fwd / n
    floor = (2 * n_refs + 1) * fwd_per_seq * n
    where = (torch.cuda.get_device_name() if str(device).startswith("cuda")
             else f"{torch.get_num_threads()} threads")
    print(f"\n== {name}: {n} x {model.seq_len} bp, {n_refs} references, {where} ==")
    print(f"plain forward: {n / t_fwd:8.1f} seq/s   FLOP-floor time for DeepLIFT-SHAP: "
          f"{floor:.1f} s")

    try:
        from tangermeme.deep_lift_shap import deep_lift_shap, integrated_gradients_op
    except ImportError:  # pragma: no cover - optional extra
        deep_lift_shap = None

    rules = list(lstm_rules) if name.startswith("danq") else ["ig"]
    for rule in rules:
        t_ours, res = _time(lambda rule=rule: deeplift_shap(
            model, X, target=target, references=refs, batch_size=batch_size,
            lstm_rule=rule, return_delta=True, warn_threshold=None, device=device), repeat)
        ours = res.attributions
        dy = None
        rel_delta = float(res.deltas.abs().mean())
        row = {"model": name, "device": str(device), "n": n, "refs": n_refs, "lstm_rule": rule,
               "ours_s": t_ours, "ours_seq_per_s": n / t_ours,
               "forward_seq_per_s": n / t_fwd, "floor_s": floor,
               "fraction_of_floor": floor / t_ours, "mean_abs_delta": rel_delta,
               "max_abs_delta": float(res.deltas.abs().max())}
        print(f"motifscope deeplift_shap (lstm_rule={rule}): {t_ours:7.1f} s  "
              f"{n / t_ours:6.3f} seq/s  = {t_ours / (t_fwd / n) / n:6.1f} forwards/seq  "
              f"floor fraction {floor / t_ours:.2f}  mean|delta| {rel_delta:.2e} "
              f"max|delta| {row['max_abs_delta']:.2e}")
        if deep_lift_shap is not None:
            extra = None
            if rule == "ig" and name.startswith("danq"):
                from motifscope.zoo import BiLSTM

                extra = {BiLSTM: integrated_gradients_op(8)}
            # tangermeme leaves cuDNN on, whose RNN backward refuses eval mode
            # ("cudnn RNN backward can only be called in training mode"); motifscope turns
            # cuDNN off for models with RNNs, and the peer gets the same here.
            no_cudnn = str(device).startswith("cuda") and _has_rnn(model)
            with warnings.catch_warnings(), torch.backends.cudnn.flags(enabled=not no_cudnn):
                warnings.simplefilter("ignore")
                t_tm, tm = _time(lambda extra=extra: deep_lift_shap(
                    model, X, target=target, references=refs, batch_size=32,
                    additional_nonlinear_ops=extra, warning_threshold=1e9, device=device),
                    repeat)
            tm = tm.cpu()
            diff = float((ours.cpu() - tm).abs().max())
            scale = float(tm.abs().max())
            tm_delta = _sum_delta(model, X, refs, tm, target, device)
            row.update({"tangermeme_s": t_tm, "tangermeme_seq_per_s": n / t_tm,
                        "speedup": t_tm / t_ours, "max_abs_diff": diff,
                        "max_rel_diff": diff / max(scale, 1e-30),
                        "tangermeme_max_abs_delta": tm_delta})
            print(f"tangermeme deep_lift_shap{' + IG op' if extra else ''}: {t_tm:7.1f} s  "
                  f"{n / t_tm:6.3f} seq/s   speed-up x{t_tm / t_ours:.2f}   "
                  f"max|diff| {diff:.2e} (relative {diff / max(scale, 1e-30):.2e})  "
                  f"its max|delta| {tm_delta:.2e}")
        results.append(row)
        del dy


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--n", type=int, default=64)
    ap.add_argument("--refs", type=int, default=20)
    ap.add_argument("--threads", type=int, default=2)
    ap.add_argument("--batch-size", type=int, default=8)
    ap.add_argument("--models", default="deepsea,danq")
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--lstm-rules", default="ig,linear", help="DanQ rules to time")
    ap.add_argument("--json", default=None)
    ap.add_argument("--device", default="cpu")
    a = ap.parse_args(argv)
    torch.set_num_threads(a.threads)
    # Full float32 on GPUs too: TF32 convolutions/matmuls (cuDNN's default) would put
    # ~1e-3 relative noise into both implementations' attributions.
    torch.backends.cuda.matmul.allow_tf32 = torch.backends.cudnn.allow_tf32 = False
    torch.backends.cudnn.benchmark = True  # per-shape algorithm choice, for both
    results = []
    for name in a.models.split(","):
        bench_model(name.strip(), a.n, a.refs, a.batch_size, results, a.repeat,
                    tuple(a.lstm_rules.split(",")), a.device)
    if a.json:
        with open(a.json, "w") as fh:
            json.dump(results, fh, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
