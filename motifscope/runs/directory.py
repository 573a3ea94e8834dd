"""The run directory: everything needed to reload a trained model, and room for analyses.

Layout (names are the module constants)::

    <run>/
      model.pt          state_dict of the best-validation epoch (torch.load(weights_only=True))
      config.toml       [model] name/overrides, [training] recipe, [data] paths, seed, versions
      metrics.json      final summary (best epoch, valid/test AUROC/AUPR, timings, status)
      history.csv       one row per finished epoch: epoch, train_loss, valid_loss,
                        valid_auroc, lr, seconds
      checkpoints/
        last.pt         full state after the last finished epoch (resume point)
        best.pt         {"epoch", "valid_loss", "state_dict"} of the best epoch
      analyses/         each analysis writes <run>/analyses/<name>/

Every file is written to a temporary name in the same folder and then renamed, so an
interrupted write never leaves a half-written file. :func:`load_run` rebuilds the model from
``config.toml`` (``motifscope.zoo.build(name, **overrides)``) and loads ``model.pt`` with
``weights_only=True``. Loading never imports or calls anything the run directory names:
a ``factory = "module:callable"`` (a model outside the zoo) is refused unless the caller
opts in with ``trust_code=True`` (command line: ``motifscope --trust-code VERB``), because
it runs code from the run directory.
"""

from __future__ import annotations

import copy
import importlib
import io
import json
import math
import os
import re
import tomllib
import warnings
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from motifscope import zoo
from motifscope.core.atomic import atomic_write_bytes, atomic_write_text
from motifscope.core.devices import resolve_device
from motifscope.core.errors import MotifscopeError, MotifscopeWarning, RunDirError
from motifscope.core.trust import code_trusted

__all__ = [
    "ANALYSES_DIR",
    "CHECKPOINT_DIR",
    "CONFIG_FILE",
    "HISTORY_FILE",
    "METRICS_FILE",
    "MODEL_FILE",
    "RUN_FORMAT",
    "Run",
    "atomic_torch_save",
    "build_model",
    "cleanup_on_failure",
    "clean_json",
    "dumps_toml",
    "init_run_dir",
    "load_run",
    "model_table",
    "read_config",
    "read_history",
    "read_torch",
    "stored_architecture",
    "upgrade_run",
    "target_names",
    "write_config",
    "write_history",
    "write_metrics",
]

MODEL_FILE = "model.pt"
CONFIG_FILE = "config.toml"
METRICS_FILE = "metrics.json"
HISTORY_FILE = "history.csv"
CHECKPOINT_DIR = "checkpoints"
ANALYSES_DIR = "analyses"
LAST_CHECKPOINT = "last.pt"
BEST_CHECKPOINT = "best.pt"
#: The run-directory format this version writes (``format`` at the top of ``config.toml``).
#: 1 (no ``format`` key): ``[model]`` holds the card's name and overrides only, so the
#: network depends on the card's current text. 2: ``[model]`` also holds ``registered`` (the
#: zoo class) and ``[model.arguments]``, every constructor argument as built.
RUN_FORMAT = 2
HISTORY_COLUMNS = ["epoch", "train_loss", "valid_loss", "valid_auroc", "lr", "seconds"]


# ----------------------------------------------------------------------------- atomic IO
# atomic_write_bytes/atomic_write_text are motifscope.core.atomic's, named here for run-dir code
def atomic_torch_save(obj: Any, path: str | os.PathLike) -> Path:
    """``torch.save`` ``obj`` to ``path`` atomically."""
    import torch

    buf = io.BytesIO()
    torch.save(obj, buf)
    return atomic_write_bytes(path, buf.getvalue())


@contextmanager
def cleanup_on_failure(folder: str | os.PathLike):
    """Remove, if the block raises, every file and folder it created under ``folder``.

    Analyses that write several files wrap their writing in this block, so that a failure
    (or an interrupt) half-way leaves the folder as it was before the call, apart from
    files that existed before and were replaced.

    Parameters
    ----------
    folder : str or os.PathLike
        The output folder (it need not exist yet).
    """
    import shutil

    folder = Path(folder)
    first_new = None  # the outermost folder this block will have created
    q = folder
    while not q.exists() and q != q.parent:
        first_new, q = q, q.parent
    before = set(folder.rglob("*")) if first_new is None and folder.is_dir() else set()
    try:
        yield folder
    except BaseException:
        if first_new is not None:
            shutil.rmtree(first_new, ignore_errors=True)
        elif folder.is_dir():
            for p in sorted(set(folder.rglob("*")) - before, key=lambda x: len(x.parts),
                            reverse=True):
                try:
                    p.rmdir() if p.is_dir() and not p.is_symlink() else p.unlink()
                except OSError:
                    pass
        raise


# ----------------------------------------------------------------------------- TOML
_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def _toml_key(k: str) -> str:
    k = str(k)
    return k if _BARE_KEY.match(k) else json.dumps(k)


def _toml_value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, int):
        return str(v)
    if isinstance(v, float):
        if math.isnan(v):
            return "nan"
        if math.isinf(v):
            return "inf" if v > 0 else "-inf"
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v)
    if isinstance(v, os.PathLike):
        return json.dumps(os.fspath(v))
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_toml_value(x) for x in v if x is not None) + "]"
    if isinstance(v, dict):
        items = ", ".join(f"{_toml_key(k)} = {_toml_value(x)}" for k, x in v.items() if x is not None)
        return "{ " + items + " }" if items else "{}"
    # numpy scalars and the like
    if hasattr(v, "item"):
        return _toml_value(v.item())
    return json.dumps(str(v))


def dumps_toml(data: dict) -> str:
    """Serialise a nested dict to TOML (tables for nested dicts; ``None`` values are dropped).

    Parameters
    ----------
    data : dict
        Keys are strings; values are bool, int, float, str, path, list, or dict.

    Returns
    -------
    str
        TOML text that :mod:`tomllib` reads back to the same dict (minus ``None``).
    """
    lines: list[str] = []

    def emit(table: dict, prefix: tuple[str, ...]) -> None:
        scalars = {k: v for k, v in table.items() if not isinstance(v, dict) and v is not None}
        subtables = {k: v for k, v in table.items() if isinstance(v, dict)}
        if prefix and (scalars or not subtables):
            lines.append("[" + ".".join(_toml_key(p) for p in prefix) + "]")
        for k, v in scalars.items():
            lines.append(f"{_toml_key(k)} = {_toml_value(v)}")
        if prefix and (scalars or not subtables):
            lines.append("")
        for k, v in subtables.items():
            emit(v, prefix + (str(k),))

    emit(data, ())
    return "\n".join(lines).rstrip() + "\n"


def write_config(run_dir: str | os.PathLike, config: dict) -> Path:
    """Write ``config.toml`` into ``run_dir`` atomically."""
    return atomic_write_text(Path(run_dir) / CONFIG_FILE, dumps_toml(config))


def target_names(run_dir: str | os.PathLike) -> list[str] | None:
    """The run's target names (``[targets] names`` of config.toml), or None.

    Parameters
    ----------
    run_dir : str or os.PathLike
        A run directory (imported published models carry their names).

    Returns
    -------
    list of str or None
    """
    try:
        names = read_config(run_dir).get("targets", {}).get("names")
    except RunDirError:  # no config (a bare folder): no names
        return None
    return [str(n).replace("\t", " ") for n in names] if isinstance(names, list) and names else None


def read_config(run_dir: str | os.PathLike) -> dict:
    """Read ``<run_dir>/config.toml``.

    Raises
    ------
    RunDirError
        If the file is missing or is not valid TOML.
    """
    path = Path(run_dir) / CONFIG_FILE
    if not path.is_file():
        raise RunDirError(f"{path}: missing; a run directory needs {CONFIG_FILE}")
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise RunDirError(f"{path}: not valid TOML ({e})") from None


# ----------------------------------------------------------------------------- history/metrics
def write_history(run_dir: str | os.PathLike, history: list[dict]) -> Path:
    """Write ``history.csv`` (one row per finished epoch) atomically."""
    import pandas as pd

    df = pd.DataFrame(list(history))
    for c in HISTORY_COLUMNS:
        if c not in df.columns:
            df[c] = []
    cols = HISTORY_COLUMNS + [c for c in df.columns if c not in HISTORY_COLUMNS]
    return atomic_write_text(Path(run_dir) / HISTORY_FILE, df[cols].to_csv(index=False))


def read_history(run_dir: str | os.PathLike):
    """Read ``history.csv`` as a DataFrame (empty with the standard columns if absent).

    Raises
    ------
    RunDirError
        If the file exists but cannot be parsed or lacks the ``epoch`` column.
    """
    import pandas as pd

    path = Path(run_dir) / HISTORY_FILE
    if not path.is_file():
        return pd.DataFrame(columns=HISTORY_COLUMNS)
    try:
        df = pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as e:
        raise RunDirError(f"{path}: not a readable CSV ({e})") from None
    if "epoch" not in df.columns:
        raise RunDirError(f"{path}: no 'epoch' column; expected columns {HISTORY_COLUMNS}")
    return df


def _json_default(o):
    if hasattr(o, "item"):
        return o.item()
    if isinstance(o, os.PathLike):
        return os.fspath(o)
    raise TypeError(f"not JSON serialisable: {type(o).__name__}")


def clean_json(o):
    """``o`` with NaN and inf as ``None`` and numpy scalars as Python numbers, for JSON.

    Parameters
    ----------
    o : object
        Nested dicts, lists and tuples of numbers, strings and numpy scalars.

    Returns
    -------
    object
    """
    if isinstance(o, float) and not math.isfinite(o):
        return None
    if isinstance(o, dict):
        return {str(k): clean_json(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [clean_json(v) for v in o]
    if hasattr(o, "item") and not isinstance(o, (str, bytes)):
        return clean_json(o.item())
    return o


def write_metrics(run_dir: str | os.PathLike, metrics: dict) -> Path:
    """Write ``metrics.json`` atomically (NaN and inf become ``null``)."""
    text = json.dumps(clean_json(metrics), indent=2, default=_json_default)
    return atomic_write_text(Path(run_dir) / METRICS_FILE, text + "\n")


def _read_metrics(run_dir: Path) -> dict:
    path = run_dir / METRICS_FILE
    if not path.is_file():
        return {}
    try:
        metrics = json.loads(path.read_text(encoding="utf-8"))
    except (json.JSONDecodeError, UnicodeDecodeError, RecursionError) as e:
        raise RunDirError(f"{path}: not valid JSON ({_first_line(e)})") from None
    if not isinstance(metrics, dict):
        raise RunDirError(f"{path}: holds a JSON {type(metrics).__name__}; expected an object "
                          f"of metric: value")
    return metrics


def init_run_dir(run_dir: str | os.PathLike) -> Path:
    """Create ``run_dir`` with its ``checkpoints/`` and ``analyses/`` folders.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run directory (created with parents).

    Returns
    -------
    pathlib.Path
        The run directory.
    """
    run_dir = Path(run_dir)
    (run_dir / CHECKPOINT_DIR).mkdir(parents=True, exist_ok=True)
    (run_dir / ANALYSES_DIR).mkdir(parents=True, exist_ok=True)
    return run_dir


# ----------------------------------------------------------------------------- models
def _table(model_config: dict, key: str, where: str) -> dict:
    value = model_config.get(key, {})
    if not isinstance(value, dict):
        raise RunDirError(
            f"{where}: [model] {key} is {type(value).__name__} {value!r}; expected a table "
            f"of keyword arguments, e.g. [model.{key}]"
        )
    return dict(value)


def build_model(model_config: dict, *, trust_code: bool = False, where: str = CONFIG_FILE,
                state: dict | None = None):
    """Build an untrained model from the ``[model]`` table of ``config.toml``.

    Parameters
    ----------
    model_config : dict
        Format 2: ``registered`` (the zoo class) and ``arguments`` (every constructor
        argument), built without reading the card. Format 1: ``name`` (a zoo name) and
        ``overrides`` (keyword arguments of ``motifscope.zoo.build``), built from the card;
        if ``state`` does not fit that, from the newest earlier version of the card it fits
        (``models/history/``). Either: ``factory = "package.module:callable"`` plus
        ``kwargs`` for a model outside the zoo.
    trust_code : bool
        Allow a ``factory``. A factory imports a module and calls a function named by the
        run directory, so it runs code from the run directory: only for runs you trust.
    where : str
        The file named in error messages.
    state : dict or None
        The weights the model must take (a format-1 run is matched against its card's
        history with them).

    Returns
    -------
    torch.nn.Module
        The model (random weights).

    Raises
    ------
    RunDirError
        If neither a zoo name nor a factory is given, a factory is given without
        ``trust_code``, or the table has values of the wrong type.
    """
    factory = model_config.get("factory")
    if factory is not None:
        if not trust_code:
            raise RunDirError(
                f"{where}: [model] factory = {str(factory)!r} would import and run code named "
                f"by the run directory; refused. If you trust its author, pass trust_code=True "
                f"(command line: motifscope --trust-code VERB ...)"
            )
        mod_name, _, attr = str(factory).partition(":")
        kwargs = _table(model_config, "kwargs", where)
        try:
            obj = importlib.import_module(mod_name)
            for part in attr.split("."):
                obj = getattr(obj, part)
        except (ImportError, AttributeError, ValueError) as e:
            raise RunDirError(
                f"{where}: [model] factory {factory!r} cannot be imported ({e})"
            ) from None
        return obj(**kwargs)
    return _zoo_model(model_config, where, state)[0]


def _model_and_version(model_config: dict, trust_code: bool, where: str, state: dict):
    """:func:`build_model`, and the card-history entry a format-1 zoo model came from."""
    if model_config.get("factory") is not None:
        return build_model(model_config, trust_code=trust_code, where=where), None
    return _zoo_model(model_config, where, state)


def _zoo_model(model_config: dict, where: str, state: dict | None):
    """``(model, card_version)``: the zoo model of a ``[model]`` table, and the entry of the
    card's history it was rebuilt from (``None``: stored arguments or the current card)."""
    name = model_config.get("name")
    if not name:
        raise RunDirError(f"{where}: [model] needs 'name' (a zoo model) or 'factory'")
    if not isinstance(name, str):
        raise RunDirError(
            f"{where}: [model] name is {type(name).__name__} {name!r}; expected a zoo model "
            f"name (a string)"
        )
    overrides = _table(model_config, "overrides", where)
    try:
        if "arguments" in model_config:
            args = _table(model_config, "arguments", where)
            return zoo.registry.build_from(model_config.get("registered", name), name, args), None
        model = zoo.build(name, **overrides)
    except MotifscopeError as e:
        raise RunDirError(f"{where}: [model] {e}") from None
    except (TypeError, ValueError) as e:
        first = str(e).strip().splitlines()[0] if str(e).strip() else type(e).__name__
        raise RunDirError(
            f"{where}: [model] overrides do not build model {name!r} ({first}); "
            f"expected values of the types the model card uses"
        ) from None
    if state is None or _fits(model, state):
        return model, None
    for version in zoo.registry.card_history(name):
        try:
            old = zoo.registry.build_from(name, name, {**version["arguments"], **overrides})
        except (MotifscopeError, TypeError, ValueError):
            continue  # a version with arguments the class no longer takes
        if _fits(old, state):
            return old, version
    return model, None


def _fits(model, state: dict) -> bool:
    """Whether ``state`` has exactly the tensors (names and shapes) of ``model``."""
    own = model.state_dict()
    return own.keys() == state.keys() and all(
        tuple(own[k].shape) == tuple(getattr(state[k], "shape", ())) for k in own)


def model_table(card_name: str, overrides: dict, model, *, name: str | None = None) -> dict:
    """The ``[model]`` table of a new run directory: the card, and the network as built.

    Parameters
    ----------
    card_name : str
        The zoo name or ``.toml`` card the model was built from.
    overrides : dict
        The overrides it was built with.
    model : torch.nn.Module
        The model (for its parameter count).
    name : str or None
        The name to store (default ``card_name``).

    Returns
    -------
    dict
        ``name``, ``overrides``, ``parameters``, ``registered`` and ``arguments``
        (:func:`motifscope.zoo.registry.architecture`).
    """
    arch = zoo.registry.architecture(card_name, **overrides)
    return {"name": name or card_name, "overrides": dict(overrides),
            "parameters": int(sum(p.numel() for p in model.parameters())), **arch}


@dataclass
class Run:
    """A trained run loaded from its directory.

    Attributes
    ----------
    path : pathlib.Path
        The run directory.
    model : torch.nn.Module
        The best-validation model, in eval mode, on the requested device.
    config : dict
        ``config.toml`` as a dict.
    history : pandas.DataFrame
        ``history.csv`` (one row per finished epoch).
    metrics : dict
        ``metrics.json`` (empty if absent).
    rebuilt_from : dict or None
        For a format-1 run whose card has changed since: the entry of the card's history
        (``card_commit``, ``replaced``, ``arguments``) the network was rebuilt from.
    """

    path: Path
    model: Any
    config: dict
    history: Any = None
    metrics: dict = field(default_factory=dict)
    rebuilt_from: dict | None = None

    @property
    def analyses_dir(self) -> Path:
        """``<run>/analyses``: where analyses write their outputs."""
        return self.path / ANALYSES_DIR


def _first_line(e: BaseException) -> str:
    """The first non-empty line of an exception's message (torch's are several lines)."""
    for line in str(e).splitlines():
        if line.strip():
            line = line.strip()
            if len(line) > 80 and ". " in line:  # torch's first line runs on: first sentence
                line = line[: line.index(". ")]
            return line.rstrip(".")[:300]
    return type(e).__name__


def read_torch(path: str | os.PathLike, what: str = "a torch file"):
    """``torch.load(path, weights_only=True)`` on the CPU, any failure as one clear line.

    Parameters
    ----------
    path : str or os.PathLike
        A file written by ``torch.save`` (``model.pt``, ``checkpoints/last.pt``).
    what : str
        What the file should be, for the message (``"a torch state_dict"``).

    Returns
    -------
    object
        What the file holds (tensors, dicts, lists and numbers only).

    Raises
    ------
    RunDirError
        If the file is corrupt or truncated, or holds an object the weights-only loader
        refuses (``pickle.UnpicklingError``: a pickled class, a function).
    """
    import torch

    try:
        return torch.load(path, map_location="cpu", weights_only=True)
    except Exception as e:  # corrupt zip, truncated file, unpickling refused
        raise RunDirError(f"{path}: cannot be read as {what} with weights_only=True "
                          f"({_first_line(e)})") from None


def load_state_dict(path: str | os.PathLike) -> dict:
    """Load a state_dict (``model.pt`` or a ``best.pt`` wrapper) with ``weights_only=True``.

    Raises
    ------
    RunDirError
        If the file is missing or is not a torch state_dict.
    """

    path = Path(path)
    if not path.is_file():
        raise RunDirError(f"{path}: missing; train the model first (motifscope train)")
    obj = read_torch(path, "a torch state_dict")
    if isinstance(obj, dict) and "state_dict" in obj and isinstance(obj["state_dict"], dict):
        obj = obj["state_dict"]
    if not isinstance(obj, dict):
        raise RunDirError(f"{path}: expected a state_dict, found {type(obj).__name__}")
    _check_finite(obj, path)
    return obj


def _check_finite(state: dict, path) -> None:
    """Weights holding NaN or inf would give NaN predictions silently: refuse them."""
    import torch

    for k, v in state.items():
        if isinstance(v, torch.Tensor) and v.is_floating_point() and not bool(torch.isfinite(v).all()):
            raise RunDirError(f"{path}: weight {k!r} holds NaN or inf values; expected finite "
                              f"weights (a diverged or corrupt training run?)")


def load_run(run_dir: str | os.PathLike, *, device=None, checkpoint: str = "best",
             trust_code: bool | None = None) -> Run:
    """Load a run directory written by ``motifscope train``.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run directory.
    device : str, torch.device or None
        Where to put the model (``"cpu"``, ``"cuda"``, ``"auto"``); ``None``, the default,
        is the CPU (a freshly built model's device; see :mod:`motifscope.core.devices`).
    checkpoint : {"best", "last"}
        ``"best"`` loads ``model.pt`` (the best-validation epoch); ``"last"`` the model of
        ``checkpoints/last.pt`` (the last finished epoch).
    trust_code : bool or None
        Allow ``config.toml`` to name a ``[model] factory`` (a module and function that are
        imported and called): this runs code from the run directory, so only use it for
        runs you trust. ``None``: off, unless inside
        :func:`motifscope.core.trust.trusting_code` (the command line's ``--trust-code``).

    Returns
    -------
    Run
        ``.model`` (eval mode), ``.config``, ``.path``, ``.history``, ``.metrics``.

    Raises
    ------
    RunDirError
        If the folder, ``config.toml`` or the weights are missing or corrupt, the
        weights do not fit the model the config describes, or the config names a factory
        and ``trust_code`` is off.
    """
    run_dir = Path(run_dir)
    if not run_dir.is_dir():
        raise RunDirError(f"{run_dir}: not a directory; expected a run directory")
    config = read_config(run_dir)
    if "model" not in config or not isinstance(config["model"], dict):
        raise RunDirError(f"{run_dir / CONFIG_FILE}: no [model] table")
    if checkpoint == "best":
        wpath = run_dir / MODEL_FILE
    elif checkpoint == "last":
        wpath = run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT
    else:
        raise RunDirError(f"checkpoint must be 'best' or 'last', got {checkpoint!r}")
    if checkpoint == "last":
        import torch

        if not wpath.is_file():
            raise RunDirError(f"{wpath}: missing")
        try:
            state = torch.load(wpath, map_location="cpu", weights_only=True)["model"]
        except Exception as e:
            raise RunDirError(
                f"{wpath}: cannot be read as a checkpoint ({_first_line(e)})"
            ) from None
        if not isinstance(state, dict):
            raise RunDirError(f"{wpath}: 'model' is {type(state).__name__}; expected a state_dict")
        _check_finite(state, wpath)
    else:
        state = load_state_dict(wpath)
    if trust_code is None:
        trust_code = code_trusted()
    where = str(run_dir / CONFIG_FILE)
    model, version = _model_and_version(config["model"], trust_code, where, state)
    if version is not None:
        warnings.warn(f"{run_dir}: the card {config['model'].get('name')!r} has changed since "
                      f"this run was trained; rebuilt from the card as it was until "
                      f"{version['replaced']} (commit {version['card_commit']}). "
                      f"`motifscope upgrade {run_dir}` stores the architecture in the run.",
                      MotifscopeWarning, stacklevel=2)
    try:
        model.load_state_dict(state)
    except (RuntimeError, TypeError, AttributeError) as e:
        first = _first_line(e)
        raise RunDirError(
            f"{wpath}: weights do not fit the model in {CONFIG_FILE} ({first})"
        ) from None
    model.to(resolve_device(device, model)).eval()
    return Run(
        path=run_dir,
        model=model,
        config=config,
        history=read_history(run_dir),
        metrics=_read_metrics(run_dir),
        rebuilt_from=version,
    )


def stored_architecture(run: Run) -> dict:
    """The network a loaded run was built as: ``registered`` and ``arguments``.

    Parameters
    ----------
    run : Run
        A run of a zoo model (:func:`load_run`).

    Returns
    -------
    dict
        From ``config.toml`` for a format-2 run; for a format-1 run, from the card's
        history when its weights were rebuilt from it, else from the card as it is now.
    """
    table = run.config.get("model", {})
    if table.get("registered") and isinstance(table.get("arguments"), dict):
        return {"registered": table["registered"], "arguments": dict(table["arguments"])}
    over = dict(table.get("overrides", {}))
    if run.rebuilt_from is not None:
        return {"registered": table["name"],
                "arguments": {**run.rebuilt_from["arguments"], **over}}
    return zoo.registry.architecture(table["name"], **over)


def upgrade_run(run_dir: str | os.PathLike, *, trust_code: bool | None = None) -> Path | None:
    """Rewrite an older run's ``config.toml`` in the current format, keeping the old one.

    The network is found as :func:`load_run` finds it (for a format-1 run whose card has
    changed since, from the card's history, by the weights), and its constructor arguments
    are stored in ``[model]`` (``registered``, ``arguments``) with ``format = RUN_FORMAT``,
    so that later card edits never touch it. The old file is kept as ``config.v1.toml``;
    both are written atomically.

    Parameters
    ----------
    run_dir : str or os.PathLike
        The run directory.
    trust_code : bool or None
        As for :func:`load_run` (a factory run is upgraded without building its model).

    Returns
    -------
    pathlib.Path or None
        The kept old configuration, or ``None`` when the run is already current.

    Raises
    ------
    RunDirError
        If the run does not load.
    """
    run_dir = Path(run_dir)
    config = read_config(run_dir)
    if int(config.get("format", 1)) >= RUN_FORMAT:
        return None
    new = copy.deepcopy(config)
    table = new.setdefault("model", {})
    if table.get("factory") is None:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MotifscopeWarning)
            run = load_run(run_dir, trust_code=trust_code)
        if run.rebuilt_from is not None:
            table["rebuilt_from"] = {k: run.rebuilt_from[k] for k in ("card_commit", "replaced")}
        table.update(stored_architecture(run))
    new["format"] = RUN_FORMAT
    kept = atomic_write_text(run_dir / f"config.v{int(config.get('format', 1))}.toml",
                             (run_dir / CONFIG_FILE).read_text(encoding="utf-8"))
    write_config(run_dir, new)
    return kept
