"""The training loop: :func:`fit` trains any model returning logits and writes a run
directory; one epoch is :func:`train_epoch`, validation goes through
:func:`motifscope.methods.predict.predict`."""

from __future__ import annotations

import contextlib
import math
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from motifscope.core.errors import InputError, RunDirError
from motifscope.methods.evaluate import fast_auroc
from motifscope.methods.predict import predict
from motifscope.runs.directory import init_run_dir, write_config
from motifscope.train.config import TrainConfig
from motifscope.train.distributed import DistContext
from motifscope.train.loaders import make_train_loader
from motifscope.train.optim import make_loss, make_optimizer, make_scheduler
from motifscope.train.state import Checkpointer, TrainState, seed_all, versions

__all__ = ["FitResult", "fit", "train_epoch", "validate"]


@dataclass
class FitResult:
    """What :func:`fit` returns.

    Attributes
    ----------
    history : pandas.DataFrame
        One row per finished epoch (the content of ``history.csv``).
    best_epoch : int
        1-based epoch of the best validation loss (the weights in ``model.pt``).
    best_valid_loss : float
        Its validation loss.
    stopped_early : bool
        Whether early stopping ended training.
    seconds : float
        Training time of this call (excluding resumed epochs).
    run_dir : pathlib.Path or None
        The run directory.
    """

    history: Any
    best_epoch: int
    best_valid_loss: float
    stopped_early: bool
    seconds: float
    run_dir: Path | None = None


@dataclass
class _Step:
    """What one optimisation step needs, built once per run."""

    model: Any  # the model trained (DDP-wrapped under torchrun)
    base: Any  # the model itself
    optimizer: Any
    scaler: Any
    loss_fn: Any
    penalty_fn: Any
    constrain_fn: Any
    use_amp: bool
    grad_clip: float | None

    def __call__(self, xb, yb) -> float:
        import torch

        with torch.autocast(device_type=xb.device.type, dtype=torch.float16,
                            enabled=self.use_amp):
            logits = self.model(xb)
        loss = self.loss_fn(logits.float(), yb)
        total = loss + self.penalty_fn() if self.penalty_fn is not None else loss
        self.optimizer.zero_grad(set_to_none=True)
        self.scaler.scale(total).backward()
        if self.grad_clip:
            self.scaler.unscale_(self.optimizer)
            torch.nn.utils.clip_grad_norm_(self.base.parameters(), float(self.grad_clip))
        self.scaler.step(self.optimizer)
        self.scaler.update()
        if self.constrain_fn is not None:
            with torch.no_grad():
                self.constrain_fn()
        return float(loss.detach())


def train_epoch(step: _Step, loader, ctx: DistContext, *, n_batches, max_steps, desc: str,
                progress: bool, scheduler=None) -> float:
    """Run one epoch of ``step`` over ``loader``; the mean training loss over all ranks.

    Parameters
    ----------
    step : callable
        ``step(xb, yb) -> loss`` for one batch (the optimisation step).
    loader : iterable
        ``(xb (B, 4, L), yb (B, T))`` batches.
    ctx : DistContext
        Device and ranks.
    n_batches : int or None
        Batches per epoch, for the progress bar.
    max_steps : int or None
        Stop the epoch after this many steps.
    desc : str
        Progress-bar label.
    progress : bool
        Show the bar (rank 0).
    scheduler : torch.optim.lr_scheduler.LRScheduler or None
        A per-batch schedule (one-cycle), stepped after every optimisation step.

    Returns
    -------
    float
        Mean per-sequence training loss of the epoch.
    """
    import torch
    from tqdm.auto import tqdm

    step.model.train()
    run_sum, run_n = 0.0, 0
    bar = tqdm(total=n_batches, desc=desc, disable=not (progress and ctx.is_main), leave=False,
               dynamic_ncols=True)
    for i, (xb, yb) in enumerate(loader):
        if max_steps and i >= int(max_steps):
            break
        xb = xb.to(ctx.device, dtype=torch.float32, non_blocking=True)
        yb = yb.to(ctx.device, dtype=torch.float32, non_blocking=True)
        lv = step(xb, yb)
        if scheduler is not None and scheduler.last_epoch < scheduler.total_steps:
            scheduler.step()
        run_sum += lv * yb.shape[0]
        run_n += yb.shape[0]
        bar.update(1)
        if i % 10 == 0:
            bar.set_postfix(loss=f"{run_sum / max(run_n, 1):.4f}")
    bar.close()
    return ctx.mean_over_ranks(run_sum, run_n)


def validate(model, valid, loss_fn, batch_size: int) -> tuple[float, float]:
    """Validation loss and AUROC of ``model`` on ``valid = (X, y)``.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits; predicted on its own device by :func:`motifscope.methods.predict.predict`.
    valid : tuple
        ``X (n, 4, L)`` and ``y (n, T)`` (tensors or arrays).
    loss_fn : callable
        ``loss(logits, y)``, a mean over elements.
    batch_size : int
        Rows per forward pass (the loss is averaged batch by batch, weighted by size).

    Returns
    -------
    tuple of float
        Mean loss over all elements, mean AUROC over the targets with both classes
        (``nan`` when none has).
    """
    import torch

    X, y = valid
    z = torch.from_numpy(predict(model, X, batch_size=batch_size, logits=True))
    yt = y if isinstance(y, torch.Tensor) else torch.from_numpy(np.asarray(y))
    total, count = 0.0, 0
    for s in range(0, z.shape[0], batch_size):
        yb = yt[s:s + batch_size].to(torch.float32)
        total += float(loss_fn(z[s:s + batch_size], yb)) * yb.numel()
        count += yb.numel()
    au = fast_auroc(yt.numpy(), torch.sigmoid(z).numpy())
    mean_au = float(np.nanmean(au)) if np.isfinite(au).any() else math.nan
    return total / max(count, 1), mean_au


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM raises :class:`KeyboardInterrupt` inside the block (main thread only)."""
    import signal
    import threading

    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def on_term(signum, frame):
        raise KeyboardInterrupt

    old = signal.signal(signal.SIGTERM, on_term)
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, old)


def _check_run_dir(run_dir, resume: bool, is_main: bool) -> Path | None:
    if run_dir is None:
        if resume:
            raise RunDirError("resume=True needs a run_dir")
        return None
    run_dir = Path(run_dir)
    last = run_dir / "checkpoints" / "last.pt"
    if last.exists() and not resume:
        raise RunDirError(
            f"{run_dir}: already holds a training run ({last.name}); pass "
            "resume=True (--resume) to continue it or choose another output folder"
        )
    if is_main:
        init_run_dir(run_dir)
    return run_dir


def _write_run_config(run_dir, ctx: DistContext, model, config: TrainConfig, run_config):
    if run_dir is None or not ctx.is_main:
        return
    cfg = dict(run_config or {})
    cfg.setdefault("model", {"name": getattr(model, "name", type(model).__name__)})
    cfg["training"] = {k: v for k, v in config.to_dict().items() if v is not None}
    cfg["seed"] = int(config.seed)
    cfg["world_size"] = ctx.world
    cfg["versions"] = versions()
    write_config(run_dir, cfg)


def _make_step(model, train_model, config: TrainConfig, loss_fn, use_amp: bool) -> _Step:
    import torch

    pen = config.use_penalties
    return _Step(
        model=train_model, base=model,
        optimizer=make_optimizer([p for p in model.parameters() if p.requires_grad], config),
        scaler=torch.amp.GradScaler("cuda", enabled=use_amp), loss_fn=loss_fn,
        penalty_fn=getattr(model, "penalty", None) if pen else None,
        constrain_fn=getattr(model, "apply_constraints", None) if pen else None,
        use_amp=use_amp, grad_clip=config.grad_clip,
    )


def _run_epochs(step, scheduler, loader, epoch_setter, n_batches, valid_data, state, ck,
                ctx, config, loss_fn) -> dict | None:
    """The epoch loop; returns the best weights seen in this call (None if none were)."""
    best_state = None
    while state.epoch < int(config.epochs) and not state.stopped:
        if config.max_seconds and state.train_seconds() >= float(config.max_seconds):
            break
        epoch, t0 = state.epoch, time.perf_counter()
        if epoch_setter is not None:
            epoch_setter.set_epoch(epoch)
        lr = step.optimizer.param_groups[0]["lr"]
        per_batch = getattr(scheduler, "per_batch", False)
        train_loss = train_epoch(step, loader, ctx, n_batches=n_batches,
                                 max_steps=config.max_steps_per_epoch,
                                 scheduler=scheduler if per_batch else None,
                                 desc=f"epoch {epoch + 1}/{config.epochs}",
                                 progress=config.progress)
        if scheduler is not None and not per_batch:
            scheduler.step()
        v_loss, v_auc = math.nan, math.nan
        if valid_data is not None:  # rank 0 decides, so every rank stops together
            v_loss, v_auc = ctx.from_rank0(
                *validate(step.base, valid_data, loss_fn, int(config.valid_batch_size)))
        improved = state.update(v_loss, has_valid=valid_data is not None,
                                patience=config.patience)
        if improved:
            best_state = {k: v.detach().clone() for k, v in step.base.state_dict().items()}
            ck.save_best(best_state, state.epoch, v_loss)
        seconds = time.perf_counter() - t0
        state.history.append({"epoch": epoch + 1, "train_loss": train_loss,
                              "valid_loss": v_loss, "valid_auroc": v_auc, "lr": lr,
                              "seconds": seconds})
        ck.save_epoch(state)
        if ctx.is_main and config.progress:
            print(f"epoch {epoch + 1}: train_loss {train_loss:.5f} valid_loss {v_loss:.5f} "
                  f"valid_auroc {v_auc:.4f} ({time.perf_counter() - t0:.1f} s)"
                  + (" *" if improved else ""), file=sys.stderr, flush=True)
    return best_state


def fit(
    model,
    train_data,
    valid_data=None,
    *,
    config: TrainConfig | dict | None = None,
    run_dir: str | os.PathLike | None = None,
    resume: bool = False,
    run_config: dict | None = None,
    loss_fn=None,
) -> FitResult:
    """Train ``model`` and write a run directory.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(B, T)`` for ``(B, 4, L)`` input. Optional ``penalty()`` and
        ``apply_constraints()`` are used when ``config.use_penalties``.
    train_data : tuple of arrays, torch Dataset or IterableDataset
        ``(X (n, 4, L), y (n, T))`` in memory (tensors or numpy; uint8 is fine), a map-style
        Dataset yielding ``(x, y)`` pairs, or a streaming ``IterableDataset`` yielding pairs
        (with ``set_epoch``/``rank``/``world_size`` for shuffling and DDP sharding).
    valid_data : tuple of arrays or None
        ``(X, y)`` for validation loss/AUROC and early stopping. Without it, every epoch
        counts as "best" and early stopping is off.
    config : TrainConfig or dict or None
        The recipe (a dict is passed to :class:`TrainConfig`).
    run_dir : str or os.PathLike or None
        Where to write ``model.pt``, ``history.csv``, ``checkpoints/``... None writes nothing
        (and ``resume`` is impossible).
    resume : bool
        Continue from ``run_dir/checkpoints/last.pt`` (start fresh when there is none).
    run_config : dict or None
        Extra tables for ``config.toml`` (``model``, ``data``); the ``[model]`` table is
        what :func:`load_run` rebuilds the model from.
    loss_fn : callable or None
        ``loss(logits, y) -> scalar``; default from ``config.loss``.

    Returns
    -------
    FitResult
        History, best epoch and loss, whether it stopped early. The model ends holding
        the **best** weights, in eval mode.

    Raises
    ------
    RunDirError
        If ``run_dir`` already holds a checkpoint and ``resume`` is False.
    KeyboardInterrupt
        After Ctrl-C / SIGTERM, once the run directory is consistent (last finished epoch).
    """
    import torch

    config = TrainConfig(**config) if isinstance(config, dict) else config or TrainConfig()
    ctx = DistContext.setup(config.device)
    if config.threads:
        torch.set_num_threads(int(config.threads))
    use_amp = bool(config.amp) and ctx.device.type == "cuda"
    loss_fn = loss_fn or make_loss(config)
    run_dir = _check_run_dir(run_dir, resume, ctx.is_main)
    if valid_data is not None and not (isinstance(valid_data, tuple) and len(valid_data) == 2):
        raise InputError("valid_data must be a tuple (X, y)")

    seed_all(int(config.seed))
    model = model.to(ctx.device)
    step = _make_step(model, model, config, loss_fn, use_amp)
    loader, epoch_setter, n_batches = make_train_loader(train_data, config, ctx.rank, ctx.world)
    if config.max_steps_per_epoch and n_batches is not None:
        n_batches = min(n_batches, int(config.max_steps_per_epoch))
    scheduler = make_scheduler(step.optimizer, config, steps_per_epoch=n_batches)
    state = TrainState()
    ck = Checkpointer(run_dir, {"model": model, "optimizer": step.optimizer,
                                "scheduler": scheduler, "scaler": step.scaler if use_amp else None},
                      world=ctx.world, writes=ctx.is_main)
    if resume:
        ck.resume(state, rank=ctx.rank, seed=int(config.seed))
    step.model = ctx.wrap(model)
    if ctx.distributed and not resume:  # distinct dropout masks per rank
        torch.manual_seed(int(config.seed) + 7919 * ctx.rank)
    _write_run_config(run_dir, ctx, model, config, run_config)

    t_start = time.perf_counter()
    flushed = bool(config.flush_denormal) and torch.set_flush_denormal(True)
    try:
        with _sigterm_as_interrupt():
            best_state = _run_epochs(step, scheduler, loader, epoch_setter, n_batches,
                                     valid_data, state, ck, ctx, config, loss_fn)
    except KeyboardInterrupt:
        ck.write_status(state, "interrupted")
        ctx.close(barrier=False)
        raise
    finally:
        if flushed:  # torch's default; it has no getter for the previous state
            torch.set_flush_denormal(False)
    return _finish(model, best_state, state, ck, ctx, time.perf_counter() - t_start, run_dir)


def _finish(model, best_state, state, ck, ctx, seconds, run_dir) -> FitResult:
    """Leave ``model`` with the best weights, in eval mode; mark the run finished."""
    import pandas as pd

    best_state = best_state if best_state is not None else ck.load_best()
    if best_state is not None:
        model.load_state_dict(best_state)
    model.eval()
    ck.write_status(state, "finished")
    ctx.close()
    return FitResult(history=pd.DataFrame(state.history), best_epoch=int(state.best_epoch),
                     best_valid_loss=float(state.best_valid_loss),
                     stopped_early=bool(state.stopped), seconds=seconds, run_dir=run_dir)
