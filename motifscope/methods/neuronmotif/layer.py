"""Decouple many neurons of a layer: processes, resumable outputs, report blocks.

Layout under ``out_dir``::

    layer{L}/
      neuron{c:04d}/            one folder per neuron; ``done.json`` is written last
        sample.npz              seqs (n, RF) uint8, acts float32, labels int32
        crms.meme, crms.tsv     CRMs over the receptive field and their statistics
        submotifs.meme          informative slices of the CRMs
        tomtom.tsv              slices and dictionary motifs vs the motif database
        dictionary.meme, syntax.json
        logos.png
      allppm.npz                every CRM of the layer (seeds the GA of layer L+1)
      summary.tsv
"""

from __future__ import annotations

import json
import os
import time
from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_open, atomic_path, atomic_write_text
from motifscope.core.errors import InputError
from motifscope.io.meme import read_meme
from motifscope.methods.neuronmotif.files import _targets, write_neuron
from motifscope.methods.neuronmotif.neuron import decouple, layer_motifs_by_enumeration
from motifscope.methods.neuronmotif.stack import ConvStack
from motifscope.methods.tomtom import tomtom

__all__ = ["decouple_layer", "parse_neurons", "read_summaries"]

def parse_neurons(spec, n_channels: int) -> list[int]:
    """Parse ``"0-15"``, ``"1,4,7"``, ``"all"``, an int or a list into channel indices.

    Parameters
    ----------
    spec : str, int, sequence of int or None
        None and ``"all"`` mean every channel.
    n_channels : int

    Returns
    -------
    list of int
    """
    if spec is None or spec == "all":
        return list(range(n_channels))
    if isinstance(spec, (int, np.integer)):
        out = [int(spec)]
    elif isinstance(spec, str):
        out = []
        try:
            for part in spec.replace(" ", "").split(","):
                if "-" in part:
                    a, b = (int(v) for v in part.split("-"))
                    if b < a:
                        raise InputError(f"neurons {spec!r}: the range {part!r} is empty; "
                                         f"expected first-last with first <= last, e.g. '0-15'")
                    out += list(range(a, b + 1))
                elif part:
                    out.append(int(part))
        except ValueError:
            raise InputError(f"neurons {spec!r}: expected e.g. '0-15', '1,4,7' or 'all'") from None
    else:
        out = [int(x) for x in spec]
    if not out:
        raise InputError(f"neurons {spec!r}: selects no channel; expected e.g. '0-15', '1,4,7' "
                         f"or 'all' (channels 0..{n_channels - 1})")
    bad = [c for c in out if not 0 <= c < n_channels]
    if bad:
        raise InputError(f"neurons {bad} are out of range 0..{n_channels - 1}")
    return sorted(set(out))


def strongest_neurons(model, layer: int, k: int) -> list[int]:
    """The ``k`` channels of conv layer ``layer`` with the largest incoming weights.

    Channels are ranked by the summed absolute weights of their convolution kernel; the
    most strongly connected channels are the likeliest to carry motifs, which makes them a
    cheap choice of neurons to decouple when the layer is too wide to decouple whole.

    Parameters
    ----------
    model : torch.nn.Module or ConvStack
        Anything :class:`ConvStack` accepts.
    layer : int
        Conv layer, counted from 1.
    k : int
        Number of channels (all of them if the layer has fewer).

    Returns
    -------
    list of int
        Channel indices, ascending.
    """
    stack = ConvStack(model)
    if not 1 <= layer <= len(stack.stages):
        raise InputError(f"layer {layer} is out of range 1..{len(stack.stages)}")
    w = stack.stages[layer - 1].conv.weight.detach().abs().sum(dim=(1, 2))
    return sorted(int(i) for i in w.argsort(descending=True)[:k])


def task_neurons(model, layer: int, X, y, targets, *, n: int = 200, batch_size: int = 100) -> list[int]:
    """For each target, the channel of conv layer ``layer`` that contributes most to it.

    A channel's contribution to a target on a sequence is ``Σ_positions a · ∂f/∂a`` — its
    activation after the layer's nonlinearity times the gradient of the target's logit
    (gradient × activation, the first-order share of the logit the channel carries). It is
    averaged over up to ``n`` positives of the target; each target takes its best channel
    not already taken, so every target of interest gets the neuron most likely to hold
    its motif. On the demo's CNN the 12 neurons chosen this way for the 12 presence tasks
    matched 10 of the 12 planted motifs, where the 3 most strongly connected channels
    (:func:`strongest_neurons`) matched 4.

    Parameters
    ----------
    model : torch.nn.Module
        The whole model (its output is ``(N, T)`` logits); its conv trunk as
        :class:`ConvStack` parses it.
    layer : int
        Conv layer, counted from 1.
    X : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        One-hot sequences.
    y : numpy.ndarray of shape (N, T)
        Labels; rows with ``y[:, t] > 0.5`` are target ``t``'s positives.
    targets : sequence of int
        Targets, in order of preference (earlier targets choose first).
    n : int
        Positives per target.
    batch_size : int
        Sequences per pass.

    Returns
    -------
    list of int
        Channel indices, ascending (at most one per target; a target without positives,
        or whose contributing channels are all taken, chooses none).
    """
    import torch

    stack = ConvStack(model)
    if not 1 <= layer <= len(stack.stages):
        raise InputError(f"layer {layer} is out of range 1..{len(stack.stages)}")
    st = stack.stages[layer - 1]
    site = next((o for o in st.ops if isinstance(o, torch.nn.Module)), st.bn or st.conv)
    y = np.asarray(y)
    chosen: list[int] = []
    captured: dict = {}
    handle = site.register_forward_hook(lambda m, i, o: captured.__setitem__("a", o))
    try:
        for t in targets:
            rows = np.flatnonzero(y[:, int(t)] > 0.5)[:n]
            if not len(rows):
                continue
            total = torch.zeros(st.conv.out_channels)
            for i in range(0, len(rows), batch_size):
                xb = torch.as_tensor(np.asarray(X[rows[i:i + batch_size]]), dtype=torch.float32)
                with torch.enable_grad():
                    out = model(xb.to(next(model.parameters()).device))[:, int(t)].sum()
                    a = captured["a"]
                    (g,) = torch.autograd.grad(out, a)
                total += (a * g).sum(dim=(0, 2)).detach().float().cpu()
            for c in total.argsort(descending=True).tolist():
                if total[c] <= 0:  # only channels that raise the target
                    break
                if c not in chosen:
                    chosen.append(int(c))
                    break
    finally:
        handle.remove()
    return sorted(chosen)


_THREAD_ENV = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS",
               "NUMBA_NUM_THREADS", "VECLIB_MAXIMUM_THREADS", "NUMEXPR_NUM_THREADS")
_WORKER: dict = {}  # per worker process: the stack and the shared job settings


def _limit_threads(n_threads: int) -> None:
    """Cap every thread pool of this process (torch, BLAS, OpenMP, numba) at ``n_threads``.

    Environment variables cover the libraries loaded later (scikit-learn's OpenMP runtime,
    numba); threadpoolctl the BLAS/OpenMP runtimes already loaded (numpy's OpenBLAS).
    """
    for k in _THREAD_ENV:
        os.environ[k] = str(n_threads)
    import torch

    torch.set_num_threads(n_threads)
    try:
        from threadpoolctl import threadpool_limits

        threadpool_limits(n_threads)
    except Exception:  # pragma: no cover - optional
        pass
    if "numba" in __import__("sys").modules:
        try:
            import numba

            numba.set_num_threads(min(n_threads, numba.config.NUMBA_NUM_THREADS))
        except Exception:  # pragma: no cover
            pass


def _worker_init(n_threads: int, payload: bytes) -> None:
    import faulthandler
    import pickle

    faulthandler.enable()  # a segfault prints the worker's Python stack on stderr
    _limit_threads(n_threads)
    _WORKER.update(pickle.loads(payload))


def _run_one(args) -> dict:
    stack, layer, c, out, kw, targets, q_thresh, logos = args
    res = decouple(stack, layer=layer, neuron=c, **kw)
    return write_neuron(res, out, targets=targets, q_thresh=q_thresh, logos=logos)


def _run_in_worker(c: int, out: Path) -> dict:
    w = _WORKER
    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / _RUNNING, str(os.getpid()))
    try:
        kw = dict(w["kw"], random_state=w["random_state"] + c)
        return _run_one((w["stack"], w["layer"], c, out, kw, w["targets"], w["q_thresh"],
                         w["logos"]))
    finally:
        (out / _RUNNING).unlink(missing_ok=True)


_RUNNING = "running.pid"


def _warm_tomtom(targets) -> None:
    """Compile (or load from numba's cache) Tomtom's kernels once in the parent.

    Workers then only read the cache instead of each compiling for ~40 s and writing the
    same cache files at the same time.
    """
    if targets is None:
        return
    try:
        ppm = np.full((4, 6), 0.1)
        ppm[np.arange(6) % 4, np.arange(6)] = 0.7
        tomtom([ppm], [ppm, ppm[::-1, ::-1].copy()], thresh=None, n_jobs=1)
    except Exception:  # the workers report Tomtom problems as notes
        pass


def _exit_code(proc, timeout: float = 10.0):
    """The exit code of a pool worker, waiting for whichever thread reaps it.

    The pool's manager thread joins dead workers too; when it wins the race, this thread's
    ``waitpid`` fails with ECHILD and ``exitcode`` reads ``None`` until the manager has
    stored the status, so a dead worker is polled until its code appears.
    """
    import time
    from multiprocessing.connection import wait

    proc.join(timeout)
    deadline = time.monotonic() + timeout
    while proc.exitcode is None and wait([proc.sentinel], 0) and time.monotonic() < deadline:
        time.sleep(0.05)  # dead (its sentinel is ready) but reaped by the other thread
    return proc.exitcode


def _crash_report(procs: dict, ldir: Path, pending: dict) -> str:
    """Which neurons were running in the worker(s) that died, and how they died."""
    import signal

    lines = []
    for pid, proc in procs.items():
        code = _exit_code(proc)
        if code in (0, None):
            continue
        if code < 0:
            try:
                how = f"killed by {signal.Signals(-code).name}"
            except ValueError:
                how = f"killed by signal {-code}"
            if code == -signal.SIGKILL:
                how += " (usually the out-of-memory killer: see dmesg)"
            elif code == -signal.SIGSEGV:
                how += " (segmentation fault; its stack is above on stderr)"
            elif code == -signal.SIGTERM:
                how = "stopped by the pool after another worker died"
        else:
            how = f"exited with status {code}"
        running = [c for c in pending
                   if (ldir / f"neuron{c:04d}" / _RUNNING).exists()
                   and (ldir / f"neuron{c:04d}" / _RUNNING).read_text().strip() == str(pid)]
        who = ("neuron " + ", ".join(map(str, running))) if running else "no neuron yet"
        lines.append(f"worker {pid} ({who}) {how}")
    return "; ".join(lines) or "a worker process died"


def decouple_layer(model, layer: int, neurons=None, out_dir=".", *, motif_nb="auto",
                   random_state: int = 0, n_jobs: int = 1, targets="jaspar",
                   q_thresh: float = 0.05, resume: bool = True, logos: bool = True,
                   seed_motifs="auto", progress: bool = True, **kwargs):
    """Decouple several neurons of one layer into ``out_dir/layer{L}/``.

    Neurons whose folder holds ``done.json`` are not recomputed (``resume``). Each
    neuron uses the seed ``random_state + neuron``, so results do not depend on
    ``n_jobs`` or on the order of work.

    Parameters
    ----------
    model : torch.nn.Module or ConvStack
    layer : int
    neurons : str, int, sequence of int or None
        ``"0-15"``, ``[0, 3]``, ... (None: all channels).
    out_dir : str or os.PathLike
    motif_nb : int or "auto"
    random_state : int
    n_jobs : int
        Worker processes (neurons in parallel, ``spawn`` start method). The cores that
        torch may use are shared among them: each worker caps its torch, BLAS, OpenMP and
        numba thread pools at ``torch.get_num_threads() // n_jobs`` (at least 1). Each
        worker's peak memory is about that of one ``n_jobs=1`` run (~1 GB for a
        ``deepsea_demo`` layer-2 neuron at the default budget). If a worker dies (killed
        by the out-of-memory killer, a crash), a ``RuntimeError`` names the neurons it
        was running and how it died; finished neurons are kept for ``resume``.
    targets : "jaspar", path to a MEME file, list of Motif or None
        Database for the Tomtom lookup of sub-motifs (skipped with a note when it
        cannot be loaded).
    q_thresh : float
    resume : bool
    logos : bool
    seed_motifs : "auto", dict or None
        Layer ``L-1`` CRMs for GA seeding; ``"auto"`` reads ``layer{L-1}/allppm.npz``
        beside ``layer{L}`` (or enumerates layer 1).
    progress : bool
    **kwargs
        Passed to :func:`decouple` (``population``, ``max_macs``, ``n_init``, ...).

    Returns
    -------
    pandas.DataFrame
        One row per neuron (``summary.tsv``).
    """
    import pandas as pd
    from tqdm.auto import tqdm

    stack = model if isinstance(model, ConvStack) else ConvStack(model)
    stack.check_layer(layer)
    chans = parse_neurons(neurons, stack.channels[layer - 1])
    if not isinstance(n_jobs, int) or n_jobs < 1:
        raise InputError(f"n_jobs must be a positive integer, got {n_jobs!r}")
    root = Path(out_dir)
    ldir = root / f"layer{layer}"
    ldir.mkdir(parents=True, exist_ok=True)
    if seed_motifs == "auto":
        seed_motifs = None
        prev = root / f"layer{layer - 1}" / "allppm.npz"
        if layer > 1 and prev.exists():
            with np.load(prev) as z:
                seed_motifs = {k: z[k] for k in z.files}
        elif layer == 2 and stack.rf[0] < kwargs.get("enumerate_below", 11) \
                and stack.rf[1] >= kwargs.get("enumerate_below", 11):
            seed_motifs = layer_motifs_by_enumeration(stack, 1)
    todo = [c for c in chans
            if not (resume and (ldir / f"neuron{c:04d}" / "done.json").exists())]
    kw = dict(kwargs, motif_nb=motif_nb, seed_motifs=seed_motifs,
              progress=progress and n_jobs == 1)
    bar = tqdm(total=len(todo), disable=not progress, desc=f"layer {layer}")
    t0 = time.perf_counter()
    if n_jobs == 1 or len(todo) <= 1:
        for c in todo:
            _run_one((stack, layer, c, ldir / f"neuron{c:04d}",
                      dict(kw, random_state=random_state + c), targets, q_thresh, logos))
            bar.update(1)
    else:
        _run_parallel(stack, layer, todo, ldir, kw, random_state, targets, q_thresh, logos,
                      min(n_jobs, len(todo)), bar)
    bar.close()
    summaries = read_summaries(ldir, chans)
    _write_allppm(ldir, summaries)
    df = pd.DataFrame([{k: s[k] for k in ("layer", "neuron", "rf", "motif_nb", "n_crms",
                                          "n_seqs", "max_act", "n_forwards", "method",
                                          "n_iter", "seconds")}
                       | {"best_match": "; ".join(b["name"] or b["target"]
                                                  for b in s["best_matches"][:3]),
                          "syntax": " | ".join(s["rules"][:2])}
                       for s in summaries])
    with atomic_open(ldir / "summary.tsv") as fh:
        df.to_csv(fh, sep="\t", index=False)
    df.attrs["seconds"] = time.perf_counter() - t0
    return df


def _run_parallel(stack, layer, todo, ldir, kw, random_state, targets, q_thresh, logos,
                  n_jobs, bar) -> None:
    """Decouple ``todo`` in ``n_jobs`` spawned processes (see :func:`decouple_layer`)."""
    import multiprocessing as mp
    import pickle
    from concurrent.futures import ProcessPoolExecutor, as_completed
    from concurrent.futures.process import BrokenProcessPool

    import torch

    # Every worker gets its share of the cores for *all* its thread pools: torch, but also
    # the BLAS and OpenMP pools of k-means and numba's Tomtom threads, which otherwise each
    # start one thread per core in every worker.
    threads = max(1, torch.get_num_threads() // n_jobs)
    db, _ = _targets(targets)  # read the motif database once, not once per worker
    _warm_tomtom(db)
    # Plain pickle: tensors travel by value (not as torch shared-memory file descriptors),
    # once per worker rather than once per neuron.
    payload = pickle.dumps({
        "stack": ConvStack(_detached(stack)), "layer": layer, "kw": kw,
        "random_state": random_state, "targets": targets if db is None else db,
        "q_thresh": q_thresh, "logos": logos,
    }, protocol=pickle.HIGHEST_PROTOCOL)
    ex = ProcessPoolExecutor(n_jobs, mp_context=mp.get_context("spawn"),
                             initializer=_worker_init, initargs=(threads, payload))
    futs = {}
    try:
        for c in todo:
            futs[ex.submit(_run_in_worker, c, ldir / f"neuron{c:04d}")] = c
        procs = dict(getattr(ex, "_processes", None) or {})
        for f in as_completed(futs):
            try:
                f.result()
            except BrokenProcessPool:
                procs.update(getattr(ex, "_processes", None) or {})
                done = [c for c in todo
                        if (ldir / f"neuron{c:04d}" / "done.json").exists()]
                left = [c for c in todo if c not in done]
                raise RuntimeError(
                    f"layer {layer}: a decoupling worker died: "
                    f"{_crash_report(procs, ldir, left)}. Neurons {left} are unfinished "
                    f"({len(done)} finished are kept; run again to resume, with fewer "
                    "n_jobs or n_jobs=1 if memory is short)"
                ) from None
            bar.update(1)
    finally:
        ex.shutdown(wait=True, cancel_futures=True)
        for c in todo:
            (ldir / f"neuron{c:04d}" / _RUNNING).unlink(missing_ok=True)


def _detached(stack: ConvStack):
    """A copy of the stack's modules on the CPU, without gradients, hooks or training state."""
    import copy

    import torch

    stages = []
    for st in stack.stages:
        st = copy.copy(st)
        st.conv = copy.deepcopy(st.conv).cpu().requires_grad_(False)
        if st.bn is not None:
            st.bn = copy.deepcopy(st.bn).cpu().requires_grad_(False)
        st.ops = [op if isinstance(op, tuple) else copy.deepcopy(op).cpu() for op in st.ops]
        for m in [st.conv, st.bn] + [op for op in st.ops if isinstance(op, torch.nn.Module)]:
            if m is not None:
                m._forward_hooks.clear()
                m._forward_pre_hooks.clear()
                m._backward_hooks.clear()
                for p in m.parameters():
                    p.grad = None
        stages.append(st)
    out = object.__new__(ConvStack)
    out.__dict__.update(stack.__dict__)
    out.stages = stages
    return out


def _write_allppm(ldir: Path, summaries: list) -> None:
    ppm, ch, act, conact, n = [], [], [], [], []
    for s in summaries:
        f = ldir / f"neuron{s['neuron']:04d}" / "crms.meme"
        if not f.exists():
            continue
        for m, row in zip(read_meme(f), s["crms"]):
            ppm.append(m.ppm)
            ch.append(s["neuron"])
            act.append(row["max_act"])
            conact.append(row["consensus_act"])
            n.append(row["n_seqs"])
    if ppm:
        with atomic_path(ldir / "allppm.npz") as tmp:
            np.savez(tmp, ppm=np.stack(ppm), channel=np.array(ch), act=np.array(act),
                     conact=np.array(conact), n=np.array(n))


def read_summaries(ldir, neurons) -> list[dict]:
    """The ``done.json`` of each neuron of a layer folder, in the order given.

    Parameters
    ----------
    ldir : str or os.PathLike
        The ``layer{L}`` folder.
    neurons : sequence of int

    Returns
    -------
    list of dict
    """
    out = []
    for c in neurons:
        with open(Path(ldir) / f"neuron{c:04d}" / "done.json") as fh:
            out.append(json.load(fh))
    return out
