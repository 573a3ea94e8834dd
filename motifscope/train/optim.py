"""The optimizer, learning-rate schedule and loss a :class:`~motifscope.train.TrainConfig`
asks for."""

from __future__ import annotations

from typing import Any

from motifscope.core.errors import ConfigError
from motifscope.train.config import TrainConfig
from motifscope.train.losses import focal_loss, get_loss

__all__ = ["make_loss", "make_optimizer", "make_scheduler"]


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


def make_scheduler(optimizer, config: TrainConfig, steps_per_epoch: int | None = None):
    """The learning-rate schedule of ``config``, or None.

    ``"step"``: ``StepLR(step_size, gamma)``, stepped once per epoch. ``"onecycle"``:
    ``OneCycleLR`` (Smith & Topin 2019) with peak ``config.lr`` over ``epochs ×
    steps_per_epoch`` optimisation steps (30 % warm-up, then cosine annealing), stepped
    after every batch (the returned object has ``per_batch = True``).

    Parameters
    ----------
    optimizer : torch.optim.Optimizer
    config : TrainConfig
    steps_per_epoch : int or None
        Batches per epoch; required by ``"onecycle"``.

    Returns
    -------
    torch.optim.lr_scheduler.LRScheduler or None
    """
    import torch

    if config.scheduler == "step":
        return torch.optim.lr_scheduler.StepLR(optimizer, step_size=int(config.step_size),
                                               gamma=float(config.gamma))
    if config.scheduler == "onecycle":
        if not steps_per_epoch:
            raise ConfigError("scheduler 'onecycle' needs a training set of known size "
                              "(a streaming dataset has no batches-per-epoch); use 'step' or none")
        sched = torch.optim.lr_scheduler.OneCycleLR(
            optimizer, max_lr=float(config.lr), epochs=int(config.epochs),
            steps_per_epoch=int(steps_per_epoch), pct_start=0.3)
        sched.per_batch = True
        return sched
    return None


def make_loss(config: TrainConfig):
    """The training loss of ``config``: ``loss(logits, y) -> scalar``, mean over ``B × T``.

    Parameters
    ----------
    config : TrainConfig
        Uses ``loss`` and, for ``"focal"``, ``focal_alpha`` and ``focal_gamma``.

    Returns
    -------
    callable
    """

    loss_fn = get_loss(config.loss)
    if loss_fn is not focal_loss:
        return loss_fn
    a, g = float(config.focal_alpha), float(config.focal_gamma)

    def focal(z, y):
        return focal_loss(z, y, alpha=a, gamma=g)

    return focal
