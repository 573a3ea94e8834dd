"""Training recipes: :class:`TrainConfig` and its construction from a model card's
``[training]`` table (:func:`config_from_card`, with the cards' aliases)."""

from __future__ import annotations

import dataclasses
import math
import warnings
from dataclasses import dataclass
from typing import Any

from motifscope.core.errors import ConfigError
from motifscope.train.losses import get_loss

__all__ = ["OPTIMIZERS", "TrainConfig", "config_from_card"]

#: Optimizer names a recipe may ask for.
OPTIMIZERS = ("sgd", "adadelta", "adagrad", "adam", "adamw", "rmsprop")


def _check_types(cfg) -> None:
    """Every field has the type its annotation names (``--set lr=abc`` is a ConfigError)."""
    import dataclasses
    import math

    def number(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    checks = {
        "int": (lambda v: number(v) and float(v).is_integer(), "an integer"),
        "float": (lambda v: number(v) and not math.isnan(v), "a number"),
        "bool": (lambda v: isinstance(v, bool), "true or false"),
        "str": (lambda v: isinstance(v, str), "a string"),
        "list": (lambda v: isinstance(v, (list, tuple)), "a list"),
    }
    for f in dataclasses.fields(cfg):
        v, ann = getattr(cfg, f.name), str(f.type)
        if v is None and "None" in ann:
            continue
        base = ann.split("|")[0].strip()
        if base == "str" and f.name == "scheduler" and v is False:
            continue
        ok, want = checks.get(base, (lambda v: True, ""))
        if not ok(v):
            raise ConfigError(f"training option {f.name} = {v!r} ({type(v).__name__}); "
                              f"expected {want}")


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
        None, ``"step"`` (``StepLR``, stepped once per epoch) or ``"onecycle"``
        (``OneCycleLR`` peaking at ``lr``, stepped once per batch).
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
    flush_denormal : bool
        Flush denormal floats to zero on the CPU while training
        (``torch.set_flush_denormal``). Weights and activations that decay towards zero
        become denormal, and each operation on one costs about a hundred times a normal
        one: DeepATT's demo epochs slowed from 6.4 to 9.3 s by the fifth epoch without it
        and stayed at 5.8-6.4 s with it, at the same validation AUROC to four decimals.
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
    seed_filters : float
        Share of the first-layer filters set, before training, to the k-mers most enriched
        in each task's positive training sequences
        (:func:`motifscope.train.seeding.seed_first_layer`); 0 leaves every filter random.
    seed_k : int
        Length of those k-mers (clipped to the first kernel's width).
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
    flush_denormal: bool = True
    num_workers: int = 0
    valid_batch_size: int = 256
    max_steps_per_epoch: int | None = None
    max_seconds: float | None = None
    progress: bool = True
    seed_filters: float = 0.0
    seed_k: int = 7

    def __post_init__(self):
        _check_types(self)
        self.optimizer = str(self.optimizer).lower()
        if self.optimizer not in OPTIMIZERS:
            raise ConfigError(f"optimizer {self.optimizer!r} is unknown; expected one of {OPTIMIZERS}")
        if self.scheduler in ("", "none", "None", False):
            self.scheduler = None
        if self.scheduler is not None:
            s = str(self.scheduler).lower()
            if s in ("step", "steplr"):
                self.scheduler = "step"
            elif s in ("onecycle", "one_cycle", "onecyclelr"):
                self.scheduler = "onecycle"
            else:
                raise ConfigError(f"scheduler {self.scheduler!r} is unknown; expected None, "
                                  "'step' or 'onecycle'")
        if int(self.epochs) < 1:
            raise ConfigError(f"epochs must be >= 1, got {self.epochs}")
        if int(self.batch_size) < 1:
            raise ConfigError(f"batch_size must be >= 1, got {self.batch_size}")
        if not 0 <= float(self.seed_filters) <= 1:
            raise ConfigError(f"seed_filters must be between 0 and 1, got {self.seed_filters}")
        if not (float(self.lr) > 0):
            raise ConfigError(f"lr must be > 0, got {self.lr}")

        get_loss(self.loss)

    @classmethod
    def fields(cls) -> list[str]:
        """Names of every field."""
        return [f.name for f in dataclasses.fields(cls)]

    def to_dict(self) -> dict:
        """The fields as a plain dict."""
        return dataclasses.asdict(self)

    def replace(self, **changes) -> TrainConfig:
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
