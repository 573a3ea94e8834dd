"""Model registry and model cards.

Each zoo name maps to a model class (registered with :func:`register`) and to a TOML
model card. The cards are the repository's top-level ``models/<name>.toml``, in one copy:
building a wheel copies them into the package as ``motifscope/zoo/cards/`` (``setup.py``),
and a source checkout or editable install reads ``models/`` itself (:func:`card_dir`).

A card holds:

``name``, ``family``, ``description``, ``base`` (optional)
    ``base = "deepsea"`` inherits ``family``, ``[input]`` and ``[architecture]`` of that
    card field by field, and ``[training]`` as a whole unless the card gives its own;
    ``description``, ``expected_parameters`` and ``[published]`` are never inherited.
``[input]``
    ``seq_len``, ``alphabet`` (always ``"ACGT"``), ``n_targets``.
``[architecture]``
    Keyword arguments of the model class (hyper-parameters).
``[training]``
    The published recipe: optimizer, lr, batch_size, loss, epochs, patience, scheduler;
    ``[training.penalties]`` (``l2``, ``activity_l1``, ``max_norm``) is passed to the model,
    which exposes it through ``penalty()`` and ``apply_constraints()``.
``expected_parameters``
    Trainable parameter count of the default build (PyTorch count; BN statistics are
    buffers, not parameters).
``[published]``
    ``av_auroc``, ``av_aupr`` (``nan`` where no number was published) and ``source``.
"""

from __future__ import annotations

import copy
import inspect
import tomllib
from importlib import resources
from pathlib import Path

from torch import nn

from motifscope.core.errors import ConfigError

__all__ = ["CARD_PACKAGE", "DEFAULT_MODEL", "architecture", "build", "build_from", "card",
           "card_dir", "card_history", "model_class", "names", "register", "resolve"]

#: The model ``motifscope train`` trains when no ``--model`` is given (see ``docs/defaults.md``).
DEFAULT_MODEL = "deepsea_default"

#: Where a wheel holds the model cards: ``(package, subdirectory)``.
CARD_PACKAGE = ("motifscope.zoo", "cards")

_REGISTRY: dict[str, type[nn.Module]] = {}

# Every family registers itself when imported, and importing this module runs
# ``motifscope/zoo/__init__.py`` first, which imports every family: the registry is full
# before any function here can be called.


def register(name: str):
    """Class decorator registering a model class under a zoo ``name``.

    Parameters
    ----------
    name : str
        The zoo name; a card ``models/<name>.toml`` must exist.

    Returns
    -------
    callable
        The decorator (returns the class unchanged).
    """

    def deco(cls):
        if name in _REGISTRY and _REGISTRY[name] is not cls:
            raise RuntimeError(f"zoo name {name!r} registered twice")
        _REGISTRY[name] = cls
        return cls

    return deco


def names() -> list[str]:
    """Sorted zoo names (every one has a model card)."""
    return sorted(_REGISTRY)


def model_class(name: str) -> type[nn.Module]:
    """The class registered under ``name``.

    Raises
    ------
    ConfigError
        If ``name`` is unknown (the message lists the valid names).
    """
    if name not in _REGISTRY:
        raise ConfigError(f"unknown model {name!r}; valid names: {', '.join(sorted(_REGISTRY))}")
    return _REGISTRY[name]


def card_dir():
    """The folder of the model cards.

    An installed wheel holds them as ``motifscope/zoo/cards/``; a source checkout (and an
    editable install of one) has them in the repository's ``models/`` only.

    Returns
    -------
    importlib.resources.abc.Traversable or pathlib.Path

    Raises
    ------
    ConfigError
        If neither exists (a broken installation).
    """
    bundled = resources.files(CARD_PACKAGE[0]).joinpath(CARD_PACKAGE[1])
    if bundled.is_dir():
        return bundled
    repo = Path(__file__).resolve().parents[2] / "models"
    if repo.is_dir():
        return repo
    raise ConfigError(f"no model cards: neither {CARD_PACKAGE[0]}/{CARD_PACKAGE[1]} inside the "
                      f"package nor {repo} exists; reinstall motifscope")


def _read_toml(text: str, where: str) -> dict:
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"model card {where} is not valid TOML: {exc}") from None


def _raw_card(name: str) -> tuple[dict, str]:
    p = Path(name)
    if p.suffix == ".toml":
        if not p.is_file():
            raise ConfigError(f"model card {name} does not exist")
        return _read_toml(p.read_text(encoding="utf-8"), str(p)), str(p)
    res = card_dir().joinpath(f"{name}.toml")
    if not res.is_file():
        raise ConfigError(f"unknown model {name!r}; valid names: {', '.join(names())}")
    return _read_toml(res.read_text(encoding="utf-8"), f"{name}.toml"), f"{name}.toml"


def _merge(base: dict, over: dict) -> dict:
    out = copy.deepcopy(base)
    for k, v in over.items():
        if isinstance(v, dict) and isinstance(out.get(k), dict):
            out[k] = _merge(out[k], v)
        else:
            out[k] = copy.deepcopy(v)
    return out


# Tables a derived card does not inherit from its base: they describe one model only.
_NOT_INHERITED = ("name", "description", "expected_parameters", "published")
# Tables a derived card replaces as a whole when it gives them (a recipe is not a patch).
_REPLACED = ("training",)


def _resolved(name: str, chain: tuple) -> tuple[dict, str]:
    raw, where = _raw_card(name)
    base = raw.get("base")
    if base is None:
        return raw, where
    if base in chain or base == raw.get("name", name):
        raise ConfigError(f"model card {where}: 'base' chain {' -> '.join(chain + (base,))} loops")
    parent, _ = _resolved(base, chain + (raw.get("name", name),))
    parent = {k: v for k, v in parent.items() if k not in _NOT_INHERITED}
    for key in _REPLACED:
        if key in raw:
            parent.pop(key, None)
    merged = _merge(parent, raw)
    merged["base"] = base
    return merged, where


def card(name: str) -> dict:
    """The parsed model card of ``name``, with its ``base`` card merged in.

    Parameters
    ----------
    name : str
        A zoo name (see :func:`names`), or the path of a ``.toml`` card file.

    Returns
    -------
    dict
        Keys ``name``, ``family``, ``input``, ``architecture``, ``training``,
        ``expected_parameters``, ``published`` (and ``base`` for derived cards). A fresh
        copy: modifying it changes nothing.

    Raises
    ------
    ConfigError
        If the name is unknown, the file is not valid TOML or a required key is missing.
    """
    merged, where = _resolved(name, ())
    for key in ("name", "family", "input", "architecture", "training"):
        if key not in merged:
            raise ConfigError(f"model card {where} has no '{key}' entry")
    for key in ("seq_len", "n_targets"):
        if key not in merged["input"]:
            raise ConfigError(f"model card {where} has no 'input.{key}' entry")
    return merged


def _constructor_fields(cls) -> list[str]:
    sig = inspect.signature(cls.__init__)
    return [p for p in list(sig.parameters)[1:] if p != "name"]


def _check_override(model: str, key: str, value, default) -> None:
    """An override must have the type of the card's (or the constructor's) default."""
    import math

    def num(v):
        return isinstance(v, (int, float)) and not isinstance(v, bool)

    want = None
    if isinstance(default, bool):
        want = None if isinstance(value, bool) else "true or false"
    elif num(default):
        if not num(value):
            want = "a number"
        elif not math.isfinite(value):
            want = "a finite number"
        elif isinstance(default, int) and isinstance(value, float) and value != int(value):
            want = "an integer"
    elif isinstance(default, str):
        want = None if isinstance(value, str) else "a string"
    elif isinstance(default, (list, tuple)):
        want = None if isinstance(value, (list, tuple)) or num(value) else "a number or a list"
    if want:
        raise ConfigError(f"model {model!r}: option {key} = {value!r} ({type(value).__name__}); "
                          f"expected {want}, like its default {default!r}")


def build(name: str, **overrides) -> nn.Module:
    """Build a zoo model from its card, optionally overriding hyper-parameters.

    Parameters
    ----------
    name : str
        A zoo name (see :func:`names`) or a path to a ``.toml`` card.
    **overrides
        ``seq_len=``, ``n_targets=``, ``width=`` (multiplier on every layer's
        channels/units), any ``architecture`` field of the card (e.g. ``lstm_bias="torch"``,
        ``dropout=0.1``) and the penalties ``l2=``, ``activity_l1=``, ``max_norm=``.

    Returns
    -------
    torch.nn.Module
        A fresh, randomly initialised model in training mode, returning logits
        ``(N, n_targets)`` for inputs ``(N, 4, seq_len)``.

    Raises
    ------
    ConfigError
        For an unknown model name or override (the message lists the valid ones).
    """
    registered, model_name, kwargs = resolve(name, **overrides)
    return _REGISTRY[registered](name=model_name, **kwargs)


def resolve(name: str, **overrides) -> tuple[str, str, dict]:
    """What :func:`build` builds: the class, the model's name and every argument from the card.

    Parameters
    ----------
    name : str
        A zoo name or a path to a ``.toml`` card.
    **overrides
        As for :func:`build`.

    Returns
    -------
    tuple
        ``(registered, model_name, kwargs)``: the registry key of the class, the ``name``
        the model gets, and the keyword arguments (the card's architecture and penalties,
        its input length and targets, the overrides).

    Raises
    ------
    ConfigError
        For an unknown model name or override.
    """
    c = card(name)
    if Path(name).suffix == ".toml":
        # A custom card: the class of its name, its base or its family, if registered.
        known = [n for n in (c["name"], c.get("base"), c["family"]) if n in _REGISTRY]
        if not known:
            raise ConfigError(
                f"model card {name}: neither its name, base nor family is a zoo model; "
                f"set base to one of: {', '.join(sorted(_REGISTRY))}"
            )
        registered = known[0]
    else:
        model_class(name)
        registered = name
    cls = _REGISTRY[registered]
    fields = _constructor_fields(cls)
    kwargs = dict(c["architecture"])
    kwargs.update(c["training"].get("penalties", {}))
    kwargs["seq_len"] = c["input"]["seq_len"]
    kwargs["n_targets"] = c["input"]["n_targets"]
    unknown = sorted(set(overrides) - set(fields))
    if unknown:
        raise ConfigError(
            f"model {name!r} has no option {', '.join(map(repr, unknown))}; "
            f"valid options: {', '.join(sorted(fields))}"
        )
    sig = inspect.signature(cls.__init__).parameters
    for key, value in overrides.items():
        default = kwargs.get(key, sig[key].default if key in sig else None)
        _check_override(name, key, value, default)
    kwargs.update(overrides)
    bad = sorted(set(kwargs) - set(fields))
    if bad:
        raise ConfigError(
            f"model card {name!r} has fields the class {cls.__name__} does not take: "
            f"{', '.join(bad)}"
        )
    return registered, c["name"], kwargs


def architecture(name: str, **overrides) -> dict:
    """Every constructor argument of a model as :func:`build` makes it, for a run directory.

    A run stores this so that it rebuilds the same network whatever its card says later.

    Parameters
    ----------
    name : str
        A zoo name or a path to a ``.toml`` card.
    **overrides
        As for :func:`build`.

    Returns
    -------
    dict
        ``{"registered": <registry key>, "arguments": {...}}``: the card's and the
        overrides' values, and the constructor's own defaults for the rest (those that are
        ``None`` are left out: TOML has no null, and ``None`` is then the default again).
    """
    registered, _, kwargs = resolve(name, **overrides)
    cls = _REGISTRY[registered]
    args = {}
    for key, p in list(inspect.signature(cls.__init__).parameters.items())[1:]:
        if key == "name" or p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            continue
        value = kwargs.get(key, p.default)
        if value is not None and value is not inspect.Parameter.empty:
            args[key] = list(value) if isinstance(value, tuple) else value
    return {"registered": registered, "arguments": args}


def build_from(registered: str, name: str, arguments: dict) -> nn.Module:
    """Build a model from stored constructor arguments (:func:`architecture`), card unread.

    Parameters
    ----------
    registered : str
        The registry key of the class.
    name : str
        The model's name.
    arguments : dict
        Its constructor's keyword arguments.

    Returns
    -------
    torch.nn.Module

    Raises
    ------
    ConfigError
        For an unknown class or an argument the class does not take.
    """
    cls = model_class(registered)
    bad = sorted(set(arguments) - set(_constructor_fields(cls)))
    if bad:
        raise ConfigError(f"model {registered!r} ({cls.__name__}) takes no argument "
                          f"{', '.join(map(repr, bad))}")
    return cls(name=name, **arguments)


def card_history(name: str) -> list[dict]:
    """The earlier class arguments of a card, newest first (``models/history/<name>.toml``).

    Parameters
    ----------
    name : str
        A zoo name.

    Returns
    -------
    list of dict
        Each with ``card_commit``, ``replaced`` (the date the card changed away from it) and
        ``arguments`` (as :func:`resolve` gave them then). Empty for a card that never
        changed its architecture.
    """
    res = card_dir().joinpath("history", f"{name}.toml")
    if not res.is_file():
        return []
    return list(_read_toml(res.read_text(encoding="utf-8"), f"history/{name}.toml").get("version", []))
