"""Training: the published recipes, checkpoints every epoch, exact resume, DDP.

Two levels:

- :func:`fit` trains any ``nn.Module`` returning logits on in-memory arrays or a torch
  ``Dataset``/``IterableDataset`` and writes a run directory (:mod:`motifscope.rundir`).
- :func:`train_run` (alias :func:`train`) is what ``motifscope train`` and the demo call:
  zoo model name (or card file) + data directory (``train.mat``, ``valid.mat``,
  ``test.mat`` in DeepSEA's layouts) + overrides → a run directory, with the test set
  evaluated by :func:`motifscope.evaluate.evaluate` at the end.

The recipe (:class:`TrainConfig`) follows DeepATT's trainer (spec §B): the loss is the mean
over all ``B × T`` elements (``"bce"``, alias ``"nll"``, or ``"focal"``); the model's
``penalty()`` (L2 + activity L1) is added to the training loss only, and
``apply_constraints()`` (MaxNorm) runs after every ``optimizer.step()``; ``StepLR`` is
stepped once per epoch; early stopping watches the validation loss with ``patience``
epochs, and the best-validation weights become ``model.pt``.

Resume. After every finished epoch ``checkpoints/last.pt`` holds the model, optimizer,
scheduler, AMP scaler, the torch/numpy/python (and CUDA) RNG states, the epoch, the
early-stopping state and the history. The data order of epoch ``e`` depends only on
``(seed, e)``, so ``resume=True`` continues exactly as if training had not stopped (bit for
bit on CPU); an interrupted epoch (Ctrl-C, SIGTERM, SIGKILL) is simply run again. Ctrl-C
and SIGTERM leave ``metrics.json`` with ``status = "interrupted"`` and raise
:class:`KeyboardInterrupt` (the CLI exits 130).

Multi-GPU. Launched by ``torchrun`` (``LOCAL_RANK``/``WORLD_SIZE`` in the environment),
:func:`fit` initialises the process group (NCCL on CUDA, Gloo on CPU), wraps the model in
``DistributedDataParallel``, shards the training data with ``DistributedSampler`` (or the
streaming dataset's ``rank``/``world_size``) and lets only rank 0 write files.
"""

from __future__ import annotations

import dataclasses
import math
import os
import platform
import random
import sys
import time
import warnings
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from motifscope.errors import ConfigError, DataFormatError, InputError, RunDirError
from motifscope.rundir import (
    BEST_CHECKPOINT,
    CHECKPOINT_DIR,
    LAST_CHECKPOINT,
    MODEL_FILE,
    Run,
    atomic_torch_save,
    init_run_dir,
    load_run,
    write_config,
    write_history,
    write_metrics,
)

__all__ = [
    "TrainConfig",
    "FitResult",
    "fit",
    "train_run",
    "train",
    "load_run",
    "Run",
    "make_optimizer",
    "make_scheduler",
    "config_from_card",
    "load_data",
    "IN_MEMORY_LIMIT",
]

#: Training files smaller than this are read into memory; larger ones are streamed.
IN_MEMORY_LIMIT = 2 * 1024**3

_OPTIMIZERS = ("sgd", "adadelta", "adagrad", "adam", "adamw", "rmsprop")


@dataclass
class TrainConfig:
    """A training recipe. Every field can be overridden from the CLI (``--set key=value``).

    Attributes
    ----------
    epochs : int
        Maximum number of epochs.
    batch_size : int
        Training batch size (per process under DDP).
    optimizer : str
        ``"sgd"``, ``"adadelta"``, ``"adagrad"``, ``"adam"``, ``"adamw"`` or ``"rmsprop"``.
    lr : float
        Learning rate.
    momentum : float
        SGD / RMSprop momentum.
    nesterov : bool
        Nesterov momentum for SGD.
    amsgrad : bool
        AMSGrad variant of Adam (DeepATT: true).
    eps : float or None
        Optimizer epsilon; None keeps PyTorch's default (Keras' Adam uses 1e-7).
    rho : float or None
        Adadelta's ``rho`` / RMSprop's ``alpha`` (Keras ``rho``); None keeps PyTorch's default.
    betas : list of float or None
        Adam's betas; None keeps (0.9, 0.999).
    weight_decay : float
        Optimizer weight decay (the Keras-style L2 lives in the model's ``penalty()``).
    loss : str
        ``"bce"`` (``"nll"``) or ``"focal"``.
    focal_alpha, focal_gamma : float
        Focal-loss parameters.
    scheduler : str or None
        None or ``"step"`` (``StepLR``, stepped once per epoch).
    step_size : int
        StepLR step in epochs.
    gamma : float
        StepLR factor.
    patience : int or None
        Early-stopping patience in epochs on the validation loss; None or 0 disables it.
    use_penalties : bool
        Add ``model.penalty()`` to the loss and call ``model.apply_constraints()`` (the
        penalty weights themselves are model hyper-parameters, from the card's
        ``[training.penalties]``).
    grad_clip : float or None
        Clip the gradient norm to this value.
    seed : int
        Seeds torch, numpy, python and the data order.
    device : str
        ``"cpu"``, ``"cuda"``, ``"cuda:1"`` or ``"auto"``.
    amp : bool
        Mixed precision (float16 autocast + GradScaler); only on CUDA, ignored on CPU.
    threads : int or None
        ``torch.set_num_threads``.
    num_workers : int
        DataLoader worker processes.
    valid_batch_size : int
        Batch size for validation.
    max_steps_per_epoch : int or None
        Cap on training steps per epoch (for huge training sets or quick runs).
    max_seconds : float or None
        Time budget: no new epoch starts once the finished epochs of this run took this
        long (training time, resumed epochs included). Not an early stop: resuming with a
        larger budget continues.
    progress : bool
        Show a tqdm progress bar (rank 0 only).
    """

    epochs: int = 10
    batch_size: int = 64
    optimizer: str = "adam"
    lr: float = 1e-3
    momentum: float = 0.0
    nesterov: bool = False
    amsgrad: bool = False
    eps: float | None = None
    rho: float | None = None
    betas: list | None = None
    weight_decay: float = 0.0
    loss: str = "bce"
    focal_alpha: float = 0.25
    focal_gamma: float = 2.0
    scheduler: str | None = None
    step_size: int = 1
    gamma: float = 0.9
    patience: int | None = 5
    use_penalties: bool = True
    grad_clip: float | None = None
    seed: int = 0
    device: str = "auto"
    amp: bool = False
    threads: int | None = None
    num_workers: int = 0
    valid_batch_size: int = 256
    max_steps_per_epoch: int | None = None
    max_seconds: float | None = None
    progress: bool = True

    def __post_init__(self):
        self.optimizer = str(self.optimizer).lower()
        if self.optimizer not in _OPTIMIZERS:
            raise ConfigError(f"optimizer {self.optimizer!r} is unknown; expected one of {_OPTIMIZERS}")
        if self.scheduler in ("", "none", "None", False):
            self.scheduler = None
        if self.scheduler is not None:
            s = str(self.scheduler).lower()
            if s in ("step", "steplr"):
                self.scheduler = "step"
            else:
                raise ConfigError(f"scheduler {self.scheduler!r} is unknown; expected None or 'step'")
        if int(self.epochs) < 1:
            raise ConfigError(f"epochs must be >= 1, got {self.epochs}")
        if int(self.batch_size) < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.batch_size}")
        if not (float(self.lr) > 0):
            raise ConfigError(f"lr must be > 0, got {self.lr}")
        from motifscope.losses import get_loss

        get_loss(self.loss)

    @classmethod
    def fields(cls) -> list[str]:
        """Names of every field."""
        return [f.name for f in dataclasses.fields(cls)]

    def to_dict(self) -> dict:
        """The fields as a plain dict."""
        return dataclasses.asdict(self)

    def replace(self, **changes) -> "TrainConfig":
        """A copy with some fields changed (unknown names raise :class:`ConfigError`)."""
        unknown = sorted(set(changes) - set(self.fields()))
        if unknown:
            raise ConfigError(
                f"unknown training option(s) {unknown}; valid: {', '.join(self.fields())}"
            )
        return dataclasses.replace(self, **changes)


# aliases accepted in model cards' [training] tables
_CARD_ALIASES = {
    "learning_rate": "lr",
    "batch": "batch_size",
    "max_epochs": "epochs",
    "epsilon": "eps",
    "alpha": "rho",
    "lr_step_size": "step_size",
    "lr_gamma": "gamma",
    "scheduler_gamma": "gamma",
    "scheduler_step_size": "step_size",
    "decay_rate": "gamma",
    "early_stopping_patience": "patience",
}
# card keys that are not training options (handled by the model or informational)
_CARD_IGNORED = {"penalties", "source", "notes", "note", "shuffle", "steps_per_epoch",
                 "decay_steps", "staircase", "validation", "monitor"}


def config_from_card(training: dict | None, **overrides) -> TrainConfig:
    """Build a :class:`TrainConfig` from a model card's ``[training]`` table plus overrides.

    Parameters
    ----------
    training : dict or None
        The card's ``training`` table (``optimizer``, ``lr``, ``batch_size``, ``loss``,
        ``epochs``, ``patience``, ``scheduler``...). ``scheduler`` may be a string or a
        table ``{name = "step", step_size = 1, gamma = 0.9}``; ``optimizer`` may be a
        table ``{name = "adam", amsgrad = true, eps = 1e-7}``. ``penalties`` is ignored here
        (the model takes it). Unknown keys warn.
    **overrides
        :class:`TrainConfig` fields that win over the card.

    Returns
    -------
    TrainConfig
        The merged recipe.
    """
    fields = set(TrainConfig.fields())
    kw: dict[str, Any] = {}
    for key, value in dict(training or {}).items():
        key = _CARD_ALIASES.get(key, key)
        if key == "scheduler" and isinstance(value, dict):
            value = dict(value)
            name = value.pop("name", value.pop("type", "step"))
            kw["scheduler"] = name
            for k, v in value.items():
                k = _CARD_ALIASES.get(k, k)
                if k in fields:
                    kw[k] = v
            continue
        if key == "optimizer" and isinstance(value, dict):
            value = dict(value)
            kw["optimizer"] = value.pop("name", value.pop("type", "adam"))
            for k, v in value.items():
                k = _CARD_ALIASES.get(k, k)
                if k in fields:
                    kw[k] = v
            continue
        if key == "epochs" and not value:
            continue  # a card without a published epoch count: keep the default
        if key in fields:
            kw[key] = value
        elif key not in _CARD_IGNORED:
            warnings.warn(f"model card training option {key!r} is not used by motifscope.train",
                          stacklevel=2)
    kw.update({k: v for k, v in overrides.items() if v is not None})
    unknown = sorted(set(kw) - fields)
    if unknown:
        raise ConfigError(f"unknown training option(s) {unknown}; valid: {', '.join(sorted(fields))}")
    if isinstance(kw.get("eps"), float) and math.isnan(kw["eps"]):
        kw["eps"] = None
    return TrainConfig(**kw)


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


# ----------------------------------------------------------------------------- helpers
def make_optimizer(params, config: TrainConfig):
    """The optimizer of ``config`` over ``params``.

    Parameters
    ----------
    params : iterable of torch.nn.Parameter
        Trainable parameters.
    config : TrainConfig
        Uses ``optimizer``, ``lr``, ``momentum``, ``nesterov``, ``amsgrad``, ``eps``, ``rho``,
        ``betas``, ``weight_decay``.

    Returns
    -------
    torch.optim.Optimizer
    """
    import torch

    o, lr, wd = config.optimizer, float(config.lr), float(config.weight_decay)
    extra: dict[str, Any] = {}
    if config.eps is not None:
        extra["eps"] = float(config.eps)
    if o == "sgd":
        return torch.optim.SGD(params, lr=lr, momentum=float(config.momentum),
                               nesterov=bool(config.nesterov), weight_decay=wd)
    if o == "adadelta":
        if config.rho is not None:
            extra["rho"] = float(config.rho)
        return torch.optim.Adadelta(params, lr=lr, weight_decay=wd, **extra)
    if o == "adagrad":
        return torch.optim.Adagrad(params, lr=lr, weight_decay=wd, **extra)
    if o in ("adam", "adamw"):
        if config.betas is not None:
            extra["betas"] = tuple(float(b) for b in config.betas)
        cls = torch.optim.Adam if o == "adam" else torch.optim.AdamW
        return cls(params, lr=lr, amsgrad=bool(config.amsgrad), weight_decay=wd, **extra)
    if o == "rmsprop":
        if config.rho is not None:
            extra["alpha"] = float(config.rho)
        return torch.optim.RMSprop(params, lr=lr, momentum=float(config.momentum),
                                   weight_decay=wd, **extra)
    raise ConfigError(f"optimizer {o!r} is unknown")  # pragma: no cover (checked in config)


def make_scheduler(optimizer, config: TrainConfig):
    """``StepLR(step_size, gamma)`` (stepped per epoch) or None."""
    import torch

    if config.scheduler == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=int(config.step_size),
                                               gamma=float(config.gamma))
    return None


def _dist_env() -> tuple[int, int, int]:
    """(rank, world_size, local_rank) from torchrun's environment; (0, 1, 0) otherwise."""
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and "LOCAL_RANK" in os.environ:
        return int(os.environ.get("RANK", os.environ["LOCAL_RANK"])), world, int(os.environ["LOCAL_RANK"])
    return 0, 1, 0


def _rng_state() -> dict:
    import torch

    np_state = np.random.get_state()
    py_state = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]),
                  int(np_state[3]), float(np_state[4])],
        "python": [py_state[0], list(py_state[1]), py_state[2]],
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def _set_rng_state(state: dict) -> None:
    import torch

    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n[0], n[1].numpy().astype(np.uint32), n[2], n[3], n[4]))
    p = state["python"]
    random.setstate((p[0], tuple(p[1]), p[2]))
    if "cuda" in state and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(state["cuda"])
        except RuntimeError:  # a different number of GPUs
            pass


def _seed_all(seed: int) -> None:
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


class _ArrayDataset:
    """Map-style dataset over in-memory ``X (n, 4, L)`` and ``y (n, T)`` (any array types)."""

    def __init__(self, X, y):
        import torch

        self.X = X if isinstance(X, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(X))
        self.y = y if isinstance(y, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(y))
        if self.X.ndim != 3 or self.X.shape[1] != 4:
            raise InputError(f"training X has shape {tuple(self.X.shape)}; expected (n, 4, L)")
        if self.y.ndim != 2 or self.y.shape[0] != self.X.shape[0]:
            raise InputError(
                f"training y has shape {tuple(self.y.shape)}; expected ({self.X.shape[0]}, T)"
            )

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, i):
        return self.X[i], self.y[i]


class _BatchSampler:
    """Yields index batches; epoch ``e`` permutes with a generator seeded by ``(seed, e)``.

    Sharded by rank like ``DistributedSampler`` (indices padded to a multiple of
    ``world_size`` by wrapping around).
    """

    def __init__(self, n: int, batch_size: int, seed: int, rank: int = 0, world: int = 1):
        self.n, self.batch_size, self.seed, self.rank, self.world = n, batch_size, seed, rank, world
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _indices(self):
        import torch

        g = torch.Generator().manual_seed(int(self.seed) * 100_003 + self.epoch)
        idx = torch.randperm(self.n, generator=g)
        if self.world > 1:
            total = math.ceil(self.n / self.world) * self.world
            if total > self.n:
                idx = torch.cat([idx, idx[: total - self.n]])
            idx = idx[self.rank:total:self.world]
        return idx

    def __iter__(self):
        idx = self._indices()
        for s in range(0, len(idx), self.batch_size):
            yield idx[s:s + self.batch_size]

    def __len__(self):
        m = math.ceil(self.n / self.world)
        return math.ceil(m / self.batch_size)


def _make_train_loader(data, config: TrainConfig, rank: int, world: int):
    """(loader, sampler_or_dataset_with_set_epoch, n_batches or None)."""
    import torch
    from torch.utils.data import DataLoader, IterableDataset

    if isinstance(data, tuple) and len(data) == 2:
        data = _ArrayDataset(*data)
    if isinstance(data, _ArrayDataset):
        sampler = _BatchSampler(len(data), int(config.batch_size), int(config.seed), rank, world)
        # index whole batches at once: much faster than per-item collation
        loader = _TensorBatchLoader(data, sampler)
        return loader, sampler, len(sampler)
    if isinstance(data, IterableDataset):
        if world > 1:
            # motifscope.data.deepsea.DeepSEADataset shards by rank (it also reads the
            # initialised process group itself); set explicit values where it has them
            for attr, val in (("_rank", rank), ("_world", world), ("rank", rank),
                              ("world_size", world)):
                if hasattr(data, attr):
                    setattr(data, attr, val)
        if getattr(data, "batch_size", None):
            loader = DataLoader(data, batch_size=None, num_workers=int(config.num_workers))
        else:
            loader = DataLoader(data, batch_size=int(config.batch_size),
                                num_workers=int(config.num_workers))
        n_batches = None
        try:
            n_batches = len(data) if getattr(data, "batch_size", None) else len(loader)
        except TypeError:
            pass
        return loader, data if hasattr(data, "set_epoch") else None, n_batches
    if isinstance(data, torch.utils.data.Dataset):
        from torch.utils.data.distributed import DistributedSampler

        sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True,
                                     seed=int(config.seed))
        loader = DataLoader(data, batch_size=int(config.batch_size), sampler=sampler,
                            num_workers=int(config.num_workers))
        return loader, sampler, len(loader)
    raise InputError(
        "training data must be (X, y) arrays, a torch Dataset or an IterableDataset, "
        f"got {type(data).__name__}"
    )


class _TensorBatchLoader:
    def __init__(self, ds: _ArrayDataset, sampler: _BatchSampler):
        self.ds, self.sampler = ds, sampler

    def __iter__(self):
        for idx in self.sampler:
            yield self.ds.X[idx], self.ds.y[idx]

    def __len__(self):
        return len(self.sampler)


def _unwrap(model):
    return model.module if hasattr(model, "module") and hasattr(model, "require_backward_grad_sync") else model


def _validate(model, valid, loss_fn, batch_size: int, device) -> tuple[float, float]:
    """(mean validation loss over all elements, mean AUROC over targets with both classes)."""
    import torch

    from motifscope.evaluate import fast_auroc

    X, y = valid
    model.eval()
    total, count, preds = 0.0, 0, []
    with torch.inference_mode():
        for s in range(0, X.shape[0], batch_size):
            xb = X[s:s + batch_size]
            yb = y[s:s + batch_size]
            xb = xb if isinstance(xb, torch.Tensor) else torch.from_numpy(np.asarray(xb))
            yb = yb if isinstance(yb, torch.Tensor) else torch.from_numpy(np.asarray(yb))
            z = model(xb.to(device, dtype=torch.float32)).float()
            yb = yb.to(device, dtype=torch.float32)
            total += float(loss_fn(z, yb)) * yb.numel()
            count += yb.numel()
            preds.append(torch.sigmoid(z).cpu().numpy())
    model.train()
    y_np = y.numpy() if hasattr(y, "numpy") else np.asarray(y)
    au = fast_auroc(y_np, np.concatenate(preds))
    mean_au = float(np.nanmean(au)) if np.isfinite(au).any() else math.nan
    return total / max(count, 1), mean_au


def _versions() -> dict:
    import torch

    import motifscope

    return {"motifscope": motifscope.__version__, "torch": torch.__version__,
            "numpy": np.__version__, "python": platform.python_version()}


# ----------------------------------------------------------------------------- fit
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
    import pandas as pd
    import torch

    from motifscope.losses import focal_loss, get_loss
    from motifscope.predict import resolve_device

    if config is None:
        config = TrainConfig()
    elif isinstance(config, dict):
        config = TrainConfig(**config)
    rank, world, local_rank = _dist_env()
    distributed = world > 1
    own_group = False
    if distributed:
        import torch.distributed as dist

        want_cuda = config.device != "cpu" and torch.cuda.is_available()
        if not dist.is_initialized():
            dist.init_process_group("nccl" if want_cuda else "gloo")
            own_group = True
        rank, world = dist.get_rank(), dist.get_world_size()
        device = torch.device(f"cuda:{local_rank}") if want_cuda else torch.device("cpu")
        if want_cuda:
            torch.cuda.set_device(device)
    else:
        device = resolve_device(config.device)
    is_main = rank == 0
    if config.threads:
        torch.set_num_threads(int(config.threads))
    use_amp = bool(config.amp) and device.type == "cuda"

    if loss_fn is None:
        loss_fn = get_loss(config.loss)
        if loss_fn is focal_loss:
            a, g = float(config.focal_alpha), float(config.focal_gamma)

            def loss_fn(z, y, _a=a, _g=g):
                return focal_loss(z, y, alpha=_a, gamma=_g)

    if run_dir is not None:
        run_dir = Path(run_dir)
        last_path = run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT
        if last_path.exists() and not resume:
            raise RunDirError(
                f"{run_dir}: already holds a training run ({last_path.name}); pass "
                "resume=True (--resume) to continue it or choose another output folder"
            )
        if is_main:
            init_run_dir(run_dir)
    elif resume:
        raise RunDirError("resume=True needs a run_dir")

    if valid_data is not None:
        if isinstance(valid_data, tuple) and len(valid_data) == 2:
            vX, vy = valid_data
        else:
            raise InputError("valid_data must be a tuple (X, y)")
        valid_data = (vX, vy)

    _seed_all(int(config.seed))
    base_model = model.to(device)
    penalty_fn = getattr(base_model, "penalty", None) if config.use_penalties else None
    constrain_fn = getattr(base_model, "apply_constraints", None) if config.use_penalties else None
    optimizer = make_optimizer([p for p in base_model.parameters() if p.requires_grad], config)
    scheduler = make_scheduler(optimizer, config)
    scaler = torch.amp.GradScaler("cuda", enabled=use_amp)

    state = {"epoch": 0, "best_valid_loss": math.inf, "best_epoch": 0, "bad_epochs": 0,
             "history": [], "stopped": False}
    if resume and run_dir is not None and (run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT).exists():
        path = run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT
        try:
            ck = torch.load(path, map_location="cpu", weights_only=True)
            base_model.load_state_dict(ck["model"])
            optimizer.load_state_dict(ck["optimizer"])
            if scheduler is not None and ck.get("scheduler") is not None:
                scheduler.load_state_dict(ck["scheduler"])
            if ck.get("scaler") is not None and use_amp:
                scaler.load_state_dict(ck["scaler"])
        except (RuntimeError, KeyError, ValueError, OSError, EOFError) as e:
            raise RunDirError(f"{path}: cannot resume from this checkpoint ({e})") from None
        for k in state:
            state[k] = ck[k] if k in ck else state[k]
        state["history"] = [dict(h) for h in state["history"]]
        if rank == 0 or ck.get("world_size", 1) == 1:
            _set_rng_state(ck["rng"])
        else:  # other ranks: a deterministic but distinct stream
            torch.manual_seed(int(config.seed) + 7919 * rank + int(state["epoch"]))

    if distributed:
        from torch.nn.parallel import DistributedDataParallel as DDP

        train_model = DDP(base_model, device_ids=[local_rank] if device.type == "cuda" else None)
        if not resume:
            # distinct dropout masks per rank (weights were already broadcast by DDP)
            torch.manual_seed(int(config.seed) + 7919 * rank)
    else:
        train_model = base_model

    loader, epoch_setter, n_batches = _make_train_loader(train_data, config, rank, world)
    if config.max_steps_per_epoch and n_batches is not None:
        n_batches = min(n_batches, int(config.max_steps_per_epoch))

    if run_dir is not None and is_main:
        cfg = dict(run_config or {})
        cfg.setdefault("model", {"name": getattr(base_model, "name", type(base_model).__name__)})
        cfg["training"] = {k: v for k, v in config.to_dict().items() if v is not None}
        cfg["seed"] = int(config.seed)
        cfg["world_size"] = world
        cfg["versions"] = _versions()
        write_config(run_dir, cfg)

    from tqdm.auto import tqdm

    t_start = time.perf_counter()
    best_state = None

    def save_epoch_files():
        if run_dir is None or not is_main:
            return
        ck = {
            "model": base_model.state_dict(),
            "optimizer": optimizer.state_dict(),
            "scheduler": scheduler.state_dict() if scheduler is not None else None,
            "scaler": scaler.state_dict() if use_amp else None,
            "rng": _rng_state(),
            "world_size": world,
            **{k: state[k] for k in ("epoch", "best_valid_loss", "best_epoch", "bad_epochs",
                                     "history", "stopped")},
        }
        atomic_torch_save(ck, run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT)
        write_history(run_dir, state["history"])

    def write_status(status: str):
        if run_dir is None or not is_main:
            return
        hist = state["history"]
        write_metrics(run_dir, {
            "status": status,
            "epochs_run": state["epoch"],
            "best_epoch": state["best_epoch"],
            "best_valid_loss": state["best_valid_loss"],
            "best_valid_auroc": next((h["valid_auroc"] for h in hist
                                      if h["epoch"] == state["best_epoch"]), None),
            "stopped_early": bool(state["stopped"]),
            "train_seconds": float(sum(h["seconds"] for h in hist)),
            "world_size": world,
        })

    try:
        # signals: SIGTERM behaves like Ctrl-C (only possible in the main thread)
        import signal
        import threading

        old_term = None
        if threading.current_thread() is threading.main_thread():
            def _on_term(signum, frame):
                raise KeyboardInterrupt

            old_term = signal.signal(signal.SIGTERM, _on_term)
        try:
            while state["epoch"] < int(config.epochs) and not state["stopped"]:
                if config.max_seconds and sum(h["seconds"] for h in state["history"]) >= float(config.max_seconds):
                    break
                epoch = state["epoch"]  # 0-based index of the epoch being run
                t0 = time.perf_counter()
                if epoch_setter is not None:
                    epoch_setter.set_epoch(epoch)
                lr = optimizer.param_groups[0]["lr"]
                train_model.train()
                run_sum, run_n = 0.0, 0
                bar = tqdm(total=n_batches, desc=f"epoch {epoch + 1}/{config.epochs}",
                           disable=not (config.progress and is_main), leave=False,
                           dynamic_ncols=True)
                for step, (xb, yb) in enumerate(loader):
                    if config.max_steps_per_epoch and step >= int(config.max_steps_per_epoch):
                        break
                    xb = xb.to(device, dtype=torch.float32, non_blocking=True)
                    yb = yb.to(device, dtype=torch.float32, non_blocking=True)
                    with torch.autocast(device_type=device.type, dtype=torch.float16,
                                        enabled=use_amp):
                        logits = train_model(xb)
                    loss = loss_fn(logits.float(), yb)
                    total = loss + penalty_fn() if penalty_fn is not None else loss
                    optimizer.zero_grad(set_to_none=True)
                    scaler.scale(total).backward()
                    if config.grad_clip:
                        scaler.unscale_(optimizer)
                        torch.nn.utils.clip_grad_norm_(base_model.parameters(), float(config.grad_clip))
                    scaler.step(optimizer)
                    scaler.update()
                    if constrain_fn is not None:
                        with torch.no_grad():
                            constrain_fn()
                    lv = float(loss.detach())
                    run_sum += lv * yb.shape[0]
                    run_n += yb.shape[0]
                    bar.update(1)
                    if step % 10 == 0:
                        bar.set_postfix(loss=f"{run_sum / max(run_n, 1):.4f}")
                bar.close()
                train_loss = run_sum / max(run_n, 1)
                if distributed:
                    import torch.distributed as dist

                    t = torch.tensor([run_sum, float(run_n)], dtype=torch.float64,
                                     device=device)
                    dist.all_reduce(t)
                    train_loss = float(t[0] / t[1].clamp(min=1))
                if scheduler is not None:
                    scheduler.step()
                if valid_data is not None:
                    v_loss, v_auc = _validate(base_model, valid_data, loss_fn,
                                              int(config.valid_batch_size), device)
                    if distributed:  # rank 0 decides, so every rank stops together
                        import torch.distributed as dist

                        t = torch.tensor([v_loss, v_auc], dtype=torch.float64, device=device)
                        dist.broadcast(t, 0)
                        v_loss, v_auc = float(t[0]), float(t[1])
                else:
                    v_loss, v_auc = math.nan, math.nan
                state["epoch"] = epoch + 1
                improved = valid_data is None or v_loss < state["best_valid_loss"]
                if improved:
                    state["best_valid_loss"] = v_loss if valid_data is not None else math.nan
                    state["best_epoch"] = epoch + 1
                    state["bad_epochs"] = 0
                    best_state = {k: v.detach().clone() for k, v in base_model.state_dict().items()}
                    if run_dir is not None and is_main:
                        atomic_torch_save({"epoch": epoch + 1, "valid_loss": v_loss,
                                           "state_dict": best_state},
                                          run_dir / CHECKPOINT_DIR / BEST_CHECKPOINT)
                        atomic_torch_save(best_state, run_dir / MODEL_FILE)
                else:
                    state["bad_epochs"] += 1
                    if config.patience and state["bad_epochs"] >= int(config.patience):
                        state["stopped"] = True
                state["history"].append({
                    "epoch": epoch + 1, "train_loss": train_loss, "valid_loss": v_loss,
                    "valid_auroc": v_auc, "lr": lr, "seconds": time.perf_counter() - t0,
                })
                save_epoch_files()
                if is_main and config.progress:
                    print(f"epoch {epoch + 1}: train_loss {train_loss:.5f} valid_loss "
                          f"{v_loss:.5f} valid_auroc {v_auc:.4f} ({time.perf_counter() - t0:.1f} s)"
                          + (" *" if improved else ""), file=sys.stderr, flush=True)
        finally:
            if old_term is not None:
                signal.signal(signal.SIGTERM, old_term)
    except KeyboardInterrupt:
        write_status("interrupted")
        if own_group:
            import torch.distributed as dist

            dist.destroy_process_group()
        raise

    # the model ends with the best weights
    if best_state is None and run_dir is not None and (run_dir / MODEL_FILE).exists():
        best_state = torch.load(run_dir / MODEL_FILE, map_location="cpu", weights_only=True)
    if best_state is not None:
        base_model.load_state_dict(best_state)
    base_model.eval()
    write_status("finished")
    if distributed:
        import torch.distributed as dist

        dist.barrier()
        if own_group:
            dist.destroy_process_group()
    return FitResult(
        history=pd.DataFrame(state["history"]),
        best_epoch=int(state["best_epoch"]),
        best_valid_loss=float(state["best_valid_loss"]),
        stopped_early=bool(state["stopped"]),
        seconds=time.perf_counter() - t_start,
        run_dir=run_dir,
    )


# ----------------------------------------------------------------------------- data files
def _find_split(data_dir: Path, split: str) -> Path | None:
    for name in (f"{split}.mat", f"{split}.h5", f"{split}.hdf5"):
        p = data_dir / name
        if p.exists():
            return p
    return None


def load_data(
    data_dir: str | os.PathLike | None = None,
    *,
    train: str | os.PathLike | None = None,
    valid: str | os.PathLike | None = None,
    test: str | os.PathLike | None = None,
    in_memory_limit: int = IN_MEMORY_LIMIT,
    n_train: int | None = None,
    n_valid: int | None = None,
    batch_size: int = 64,
    seed: int = 0,
):
    """Locate and read the DeepSEA split files.

    Parameters
    ----------
    data_dir : str or os.PathLike or None
        A folder with ``train.mat``, ``valid.mat`` and (optionally) ``test.mat``.
    train, valid, test : str or os.PathLike or None
        Explicit paths (override the folder's files). A packed folder (``data pack``)
        may be given as ``train``.
    in_memory_limit : int
        Training files smaller than this many bytes are read into memory with
        ``read_mat``; larger ones (and packed folders) are streamed.
    n_train, n_valid : int or None
        Use only the first rows (for quick runs).
    batch_size, seed : int
        Batch size and shuffling seed of a streamed training set
        (:class:`motifscope.data.deepsea.DeepSEADataset`).

    Returns
    -------
    dict
        ``train`` (``(X, y)`` or a streaming dataset), ``valid`` (``(X, y)`` or None),
        ``paths`` (dict of str paths, ``test`` included), ``seq_len``, ``n_targets``.

    Raises
    ------
    DataFormatError
        If no training file is found.
    """
    from motifscope.data import deepsea

    paths: dict[str, Path | None] = {"train": None, "valid": None, "test": None}
    if data_dir is not None:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise DataFormatError(f"{data_dir}: not a directory; expected train.mat/valid.mat/test.mat")
        for split in paths:
            paths[split] = _find_split(data_dir, split)
    for split, p in (("train", train), ("valid", valid), ("test", test)):
        if p is not None:
            p = Path(p)
            if not p.exists():
                raise DataFormatError(f"{p}: no such {split} file")
            paths[split] = p
    if paths["train"] is None:
        raise DataFormatError(
            f"{data_dir}: no train.mat found; pass a folder holding train.mat/valid.mat/test.mat "
            "or --train PATH"
        )
    tp = paths["train"]
    size = tp.stat().st_size if tp.is_file() else sum(f.stat().st_size for f in tp.rglob("*") if f.is_file())
    if tp.is_file() and size < in_memory_limit:
        tr = deepsea.read_mat(tp, stop=n_train)
        seq_len, n_targets = int(tr[0].shape[2]), int(tr[1].shape[1])
    else:
        tr = _make_stream(tp, n_train, batch_size, seed)
        seq_len, n_targets = int(tr.length), int(tr.n_targets)
    va = deepsea.read_mat(paths["valid"], stop=n_valid) if paths["valid"] is not None else None
    return {"train": tr, "valid": va, "seq_len": seq_len, "n_targets": n_targets,
            "paths": {k: (str(v) if v is not None else None) for k, v in paths.items()}}


def _make_stream(path: Path, n: int | None, batch_size: int, seed: int):
    from motifscope.data.stream import DeepSEADataset

    return DeepSEADataset(path, batch_size=int(batch_size), shuffle=True, seed=int(seed),
                          stop=n)


# ----------------------------------------------------------------------------- train_run
def train_run(
    model: str = "deepsea_demo",
    data_dir: str | os.PathLike | None = None,
    run_dir: str | os.PathLike = "run",
    *,
    train: str | os.PathLike | None = None,
    valid: str | os.PathLike | None = None,
    test: str | os.PathLike | None = None,
    model_overrides: dict | None = None,
    resume: bool = False,
    evaluate_test: bool = True,
    n_train: int | None = None,
    n_valid: int | None = None,
    n_test: int | None = None,
    **overrides,
) -> Path:
    """Train a zoo model on DeepSEA-layout files and write a run directory.

    Parameters
    ----------
    model : str
        A zoo name (``motifscope.zoo.names()``) or a path to a ``.toml`` model card.
    data_dir : str or os.PathLike or None
        Folder with ``train.mat``, ``valid.mat``, ``test.mat``.
    run_dir : str or os.PathLike
        Output run directory.
    train, valid, test : str or os.PathLike or None
        Explicit split files (override ``data_dir``'s).
    model_overrides : dict or None
        Keyword arguments of ``motifscope.zoo.build`` (``width``, ``dropout``...).
        ``seq_len`` and ``n_targets`` are taken from the data when they differ from the card.
    resume : bool
        Continue the run in ``run_dir`` from its last finished epoch.
    evaluate_test : bool
        Evaluate the best model on the test split (if any) and add it to ``metrics.json``;
        the per-target table goes to ``<run>/analyses/evaluate/``.
    n_train, n_valid, n_test : int or None
        Use only the first rows of each split.
    **overrides
        :class:`TrainConfig` fields (``epochs``, ``lr``, ``seed``, ``device``...) win over the
        card's ``[training]`` table; any other keyword is a model override.

    Returns
    -------
    pathlib.Path
        The run directory.
    """
    from motifscope import zoo

    tfields = set(TrainConfig.fields())
    m_over = dict(model_overrides or {})
    t_over = {}
    for k, v in overrides.items():
        (t_over if k in tfields else m_over)[k] = v
    card = zoo.card(model)
    tconfig = config_from_card(card.get("training"), **t_over)
    data = load_data(data_dir, train=train, valid=valid, test=test,
                     n_train=n_train, n_valid=n_valid, batch_size=int(tconfig.batch_size),
                     seed=int(tconfig.seed))
    if int(card["input"]["seq_len"]) != data["seq_len"]:
        m_over.setdefault("seq_len", data["seq_len"])
    if int(card["input"]["n_targets"]) != data["n_targets"]:
        m_over.setdefault("n_targets", data["n_targets"])
    _seed_all(int(tconfig.seed))  # the initial weights depend on the seed
    if resume and (Path(run_dir) / "config.toml").exists():
        # rebuild exactly the model the run was started with
        from motifscope.rundir import read_config

        old = dict(read_config(run_dir).get("model", {}).get("overrides", {}))
        if old != m_over and m_over.keys() - {"seq_len", "n_targets"}:
            warnings.warn(f"resume: model overrides {m_over} ignored; the run was started "
                          f"with {old}", stacklevel=2)
        m_over = old
    net = zoo.build(model, **m_over)
    model_name = card["name"] if str(model).endswith(".toml") else model
    run_config = {
        "model": {"name": model_name, "overrides": m_over,
                  "parameters": int(sum(p.numel() for p in net.parameters()))},
        "data": {k: v for k, v in data["paths"].items() if v is not None}
        | {k: v for k, v in (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test))
           if v is not None},
    }
    if str(model).endswith(".toml"):
        run_config["model"]["card"] = str(Path(model).resolve())
    res = fit(net, data["train"], data["valid"], config=tconfig, run_dir=run_dir,
              resume=resume, run_config=run_config)
    rank, _, _ = _dist_env()
    if rank != 0:
        return Path(run_dir)
    metrics = _read_json(Path(run_dir) / "metrics.json")
    metrics["model"] = model_name
    metrics["parameters"] = run_config["model"]["parameters"]
    if evaluate_test and data["paths"].get("test"):
        from motifscope.data.deepsea import read_mat
        from motifscope.evaluate import evaluate

        Xt, yt = read_mat(data["paths"]["test"], stop=n_test)
        t0 = time.perf_counter()
        df = evaluate(net, Xt, yt, strand_average="auto",
                      batch_size=int(tconfig.valid_batch_size), device=str(next(net.parameters()).device))
        out = Path(run_dir) / "analyses" / "evaluate"
        _write_eval(df, out)
        metrics["test"] = {k: df.attrs[k] for k in ("av_auroc", "av_aupr", "n_scored",
                                                     "n_targets", "strand_average")}
        metrics["test"]["n"] = int(Xt.shape[0])
        metrics["test"]["seconds"] = time.perf_counter() - t0
    write_metrics(run_dir, metrics)
    return Path(run_dir)


train = train_run


def _read_json(path: Path) -> dict:
    import json

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _write_eval(df, out: Path) -> None:
    """Write ``per_target.csv`` and ``summary.json`` of an evaluation into ``out``."""
    import json

    from motifscope.rundir import _clean_json, atomic_write_text

    out.mkdir(parents=True, exist_ok=True)
    atomic_write_text(out / "per_target.csv", df.to_csv(index=False))
    atomic_write_text(out / "summary.json", json.dumps(_clean_json(dict(df.attrs)), indent=2) + "\n")
