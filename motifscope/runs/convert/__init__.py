"""Published pretrained models in, motifscope models out.

:func:`import_weights` reads a published weight file, builds the matching zoo
architecture, copies every tensor in the zoo's layout and writes an ordinary run
directory, which :func:`motifscope.load_run` and every analysis accept unchanged.
:func:`export_run` writes any run's model as a plain PyTorch state dict plus a TOML card.

Formats (:data:`FORMATS`; the layouts are those of the public code that wrote them):

``kipoi-deepsea``
    Kipoi ``DeepSEA/predict`` or ``DeepSEA/variantEffects`` (Torch7 converted to a
    PyTorch ``Sequential``; input A,G,C,T; ``Threshold(0, 1e-6)`` activations).
``kipoi-beluga``
    Kipoi ``DeepSEA/beluga`` (six convolutions, 2,000 bp, 2,002 targets; A,G,C,T).
``kipoi-basset``
    Kipoi ``Basset`` (``(4, 600, 1)`` input, A,C,G,T; batch norms with eps 1e-5).
``selene-deepsea``
    ``selene_sdk.models.DeepSEA`` (hidden layer as wide as the targets; A,C,G,T).
``keras-danq``, ``keras-danq-jaspar``
    Keras 0.2 ``save_weights`` HDF5 of DanQ and DanQ-JASPAR (Theano convolutions,
    hard-sigmoid LSTM gates, A,G,C,T).
``motifscope``
    A state dict written by :func:`export_run` (its card ``<file>.toml`` beside it).

Every importer keeps the source's base order and flatten order inside the converter
only: the imported model takes A,C,G,T one-hot ``(N, 4, L)`` and returns logits
``(N, n_targets)`` like every zoo model. Loading never unpickles arbitrary objects
(``torch.load(weights_only=True)``; HDF5 through h5py); a tensor that does not fit gets
one :class:`~motifscope.core.errors.InputError` naming the file, the tensor, the shape found
and the shape expected; nothing is written unless the whole conversion succeeded.

May import: :mod:`motifscope.core`, :mod:`~motifscope.io`, :mod:`~motifscope.data`,
:mod:`~motifscope.zoo` and :mod:`motifscope.runs.directory`.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from motifscope import __version__, zoo
from motifscope.core.errors import InputError
from motifscope.data.targets import label
from motifscope.runs.convert.common import Converted, read_torch_state, sha256, write_run_atomically
from motifscope.runs.convert.keras import convert_keras_danq, convert_keras_danq_jaspar
from motifscope.runs.convert.torch7 import (
    convert_kipoi_basset,
    convert_kipoi_beluga,
    convert_kipoi_deepsea,
    convert_selene_deepsea,
)
from motifscope.runs.directory import (
    RUN_FORMAT,
    atomic_torch_save,
    atomic_write_bytes,
    atomic_write_text,
    dumps_toml,
    init_run_dir,
    load_run,
    model_table,
    read_config,
    stored_architecture,
    write_config,
    write_metrics,
)

__all__ = [
    "FORMATS",
    "Converted",
    "Format",
    "convert",
    "export_run",
    "import_weights",
    "read_exported",
]


@dataclass(frozen=True)
class Format:
    """One importable weight format.

    Attributes
    ----------
    name : str
        The format name (``motifscope import NAME``).
    model : str
        The zoo architecture it becomes.
    converter : callable
        ``converter(path, *, seq_len, base_order, ...) -> Converted``.
    description : str
        Where such files come from.
    """

    name: str
    model: str
    converter: Callable
    description: str


def _convert_exported(path: Path, *, seq_len=None, base_order="ACGT", **_) -> Converted:
    card, state = read_exported(path)
    over = dict(card["model"].get("overrides", {}))
    arch = None
    if isinstance(card["model"].get("arguments"), dict) and card["model"].get("registered"):
        arch = {"registered": str(card["model"]["registered"]),
                "arguments": dict(card["model"]["arguments"])}
    if seq_len is not None:
        over["seq_len"] = int(seq_len)
        if arch is not None:
            arch["arguments"]["seq_len"] = int(seq_len)
    return Converted(card["model"]["name"], over, state,
                     {"layout": "motifscope export", "source_base_order": "ACGT",
                      "strand_average": False, "changes": ["none (already motifscope's layout)"]},
                     architecture=arch)


FORMATS: dict[str, Format] = {f.name: f for f in (
    Format("kipoi-deepsea", "deepsea", convert_kipoi_deepsea,
           "Kipoi DeepSEA/predict or DeepSEA/variantEffects .pth (Zenodo 1466993)"),
    Format("kipoi-beluga", "beluga", convert_kipoi_beluga, "Kipoi DeepSEA/beluga .pth"),
    Format("kipoi-basset", "basset", convert_kipoi_basset,
           "Kipoi Basset pretrained_model_reloaded_th.pth (Zenodo 1466068)"),
    Format("selene-deepsea", "deepsea", convert_selene_deepsea,
           "selene_sdk.models.DeepSEA state dict or best_model.pth.tar"),
    Format("keras-danq", "danq", convert_keras_danq, "DanQ_train.py Keras 0.2 HDF5 weights"),
    Format("keras-danq-jaspar", "danq_jaspar", convert_keras_danq_jaspar,
           "DanQ-JASPAR_train.py Keras 0.2 HDF5 weights"),
    Format("motifscope", "(from the card)", _convert_exported,
           "a state dict and card written by motifscope export"),
)}


def _target_names(targets, n_targets: int) -> list[str] | None:
    if targets is None:
        if n_targets == 919:
            return [label(i) for i in range(919)]
        return None
    if isinstance(targets, (str, os.PathLike)):
        p = Path(targets)
        if not p.is_file():
            raise InputError(f"--targets {p}: no such file; expected one target name a line")
        names = [ln.strip() for ln in p.read_text(encoding="utf-8").splitlines() if ln.strip()]
        where = str(p)
    else:
        names, where = [str(t) for t in targets], "targets"
    if len(names) != n_targets:
        raise InputError(f"{where}: {len(names)} target names, but the model has "
                         f"{n_targets} outputs")
    return names


def convert(fmt: str, weights: str | os.PathLike, *, seq_len: int | None = None,
            base_order: str | None = None, lstm_backward: str = "aligned"):
    """Convert a weight file to a zoo model, in memory (nothing is written).

    Parameters
    ----------
    fmt : str
        A name of :data:`FORMATS`.
    weights : str or os.PathLike
        The published weight file.
    seq_len : int, optional
        Input length, when it differs from the published one.
    base_order : {"ACGT", "AGCT"}, optional
        Override the format's base order (only for files known to differ).
    lstm_backward : {"aligned", "reversed"}
        DanQ formats only: see :mod:`motifscope.runs.convert.keras`.

    Returns
    -------
    model : torch.nn.Module
        The zoo model with the weights loaded, in eval mode; input ``(N, 4, L)``
        A,C,G,T, output logits ``(N, n_targets)``.
    converted : Converted
        Zoo name, overrides, state dict and what was changed.

    Raises
    ------
    InputError
        Unknown format, missing file, or a file that does not fit the architecture.
    """

    if fmt not in FORMATS:
        raise InputError(f"format {fmt!r} is unknown; expected one of {', '.join(FORMATS)}")
    path = Path(weights)
    if not path.is_file():
        raise InputError(f"{path}: no such file; expected {FORMATS[fmt].description}")
    kw = {"seq_len": seq_len}
    if base_order is not None:
        if base_order not in ("ACGT", "AGCT"):
            raise InputError(f"base order {base_order!r}: expected 'ACGT' or 'AGCT'")
        kw["base_order"] = base_order
    if fmt.startswith("keras-"):
        if lstm_backward not in ("aligned", "reversed"):
            raise InputError(f"lstm backward {lstm_backward!r}: expected 'aligned' or 'reversed'")
        kw["lstm_backward"] = lstm_backward
    conv = FORMATS[fmt].converter(path, **kw)
    if conv.architecture is not None:
        a = conv.architecture
        model = zoo.registry.build_from(a["registered"], conv.model, a["arguments"])
    else:
        model = zoo.build(conv.model, **conv.overrides)
    model.load_state_dict(conv.state_dict, strict=True)
    return model.eval(), conv


def import_weights(fmt: str, weights: str | os.PathLike, out: str | os.PathLike, *,
                   targets=None, seq_len: int | None = None, base_order: str | None = None,
                   lstm_backward: str = "aligned") -> Path:
    """Import a published weight file as a run directory.

    Parameters
    ----------
    fmt : str
        A name of :data:`FORMATS` (``kipoi-deepsea``, ``keras-danq``, ...).
    weights : str or os.PathLike
        The weight file.
    out : str or os.PathLike
        The run directory to create (must not exist, or be empty).
    targets : str, os.PathLike or sequence of str, optional
        Target names: a text file (one a line) or a list; default the 919 DeepSEA
        targets for 919-output models, none otherwise.
    seq_len : int, optional
        Input length, when it differs from the published one.
    base_order : {"ACGT", "AGCT"}, optional
        Override the format's base order.
    lstm_backward : {"aligned", "reversed"}
        DanQ formats only (see :mod:`motifscope.runs.convert.keras`).

    Returns
    -------
    pathlib.Path
        ``out``, holding ``model.pt``, ``config.toml`` (``[model]``, ``[import]`` with
        source path, sha256 and converter, ``[targets]``), ``metrics.json`` and empty
        ``checkpoints/`` and ``analyses/``.

    Raises
    ------
    InputError
        For an unknown format, a missing or malformed file, a tensor of the wrong shape,
        wrong target names or an existing non-empty ``out``; nothing is written then.
    """

    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out}: already exists and is not an empty folder; choose a new --out")
    t0 = time.perf_counter()
    model, conv = convert(fmt, weights, seq_len=seq_len, base_order=base_order,
                          lstm_backward=lstm_backward)
    names = _target_names(targets, model.n_targets)
    path = Path(weights).resolve()
    config = {
        "format": RUN_FORMAT,
        "model": model_table(conv.model, dict(conv.overrides), model)
        if conv.architecture is None else
        {"name": conv.model, "overrides": dict(conv.overrides),
         "parameters": int(sum(p.numel() for p in model.parameters())), **conv.architecture},
        "import": {"format": fmt, "source": str(path), "sha256": sha256(path),
                   "bytes": path.stat().st_size,
                   "converter": f"{FORMATS[fmt].converter.__module__}:"
                                f"{FORMATS[fmt].converter.__name__}",
                   "motifscope_version": __version__, **conv.info},
    }
    if names is not None:
        config["targets"] = {"names": names}
    seconds = time.perf_counter() - t0

    def write(tmp: Path) -> None:
        init_run_dir(tmp)
        atomic_torch_save(conv.state_dict, tmp / "model.pt")
        write_config(tmp, config)
        write_metrics(tmp, {"status": "imported", "model": conv.model, "format": fmt,
                            "parameters": config["model"]["parameters"],
                            "import_seconds": seconds})

    return write_run_atomically(out, write)


def export_run(run: str | os.PathLike, out: str | os.PathLike) -> tuple[Path, Path]:
    """Write a run's model as a plain PyTorch state dict plus a TOML card.

    Parameters
    ----------
    run : str or os.PathLike
        A run directory (trained or imported).
    out : str or os.PathLike
        The state-dict file to write (``.pt``); the card goes to ``<out>.toml``.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The state dict (loadable with ``torch.load(weights_only=True)``) and the card:
        ``[model]`` (zoo name, overrides, parameters, and the network as built:
        ``registered`` and ``arguments``, so that an import builds it even after the card
        changed), ``[input]`` (``seq_len``,
        ``alphabet = "ACGT"``, ``layout = "(N, 4, L)"``, ``n_targets``, ``output =
        "logits"``), ``[weights]`` (file name, sha256), ``[source]`` (the run's
        ``[import]`` table, if any) and ``[targets]``.
    """
    import io

    import torch

    loaded = load_run(run)
    cfg = read_config(run)
    if cfg["model"].get("factory"):
        raise InputError(f"{run}: a model outside the zoo (factory) cannot be exported")
    out = Path(out)
    buf = io.BytesIO()
    torch.save({k: v.detach().cpu() for k, v in loaded.model.state_dict().items()}, buf)
    data = buf.getvalue()
    import hashlib

    m = loaded.model
    card = {"model": {k: cfg["model"][k] for k in ("name", "overrides") if k in cfg["model"]}
            | {"parameters": int(sum(p.numel() for p in m.parameters()))}
            | stored_architecture(loaded),
            "input": {"seq_len": int(m.seq_len), "alphabet": "ACGT", "layout": "(N, 4, L)",
                      "n_targets": int(m.n_targets), "output": "logits"},
            "weights": {"file": out.name, "sha256": hashlib.sha256(data).hexdigest()}}
    if "import" in cfg:
        card["source"] = dict(cfg["import"])
    if "targets" in cfg:
        card["targets"] = dict(cfg["targets"])
    atomic_write_bytes(out, data)
    card_path = out.with_name(out.name + ".toml")
    atomic_write_text(card_path, dumps_toml(card))
    return out, card_path


def read_exported(path: str | os.PathLike) -> tuple[dict, dict]:
    """Read a state dict written by :func:`export_run` and its card.

    Parameters
    ----------
    path : str or os.PathLike
        The ``.pt`` file; its card is ``<path>.toml``.

    Returns
    -------
    (dict, dict)
        The card and the state dict.

    Raises
    ------
    InputError
        If the card is missing, names no model, or the sha256 does not match.
    """
    import tomllib

    path = Path(path)
    card_path = path.with_name(path.name + ".toml")
    if not card_path.is_file():
        raise InputError(f"{path}: no card {card_path.name} beside it; expected the pair "
                         f"written by motifscope export")
    try:
        card = tomllib.loads(card_path.read_text(encoding="utf-8"))
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise InputError(f"{card_path}: not valid TOML ({e})") from None
    if not isinstance(card.get("model"), dict) or "name" not in card["model"]:
        raise InputError(f"{card_path}: no [model] name; expected a motifscope export card")
    want = card.get("weights", {}).get("sha256")
    if want and sha256(path) != want:
        raise InputError(f"{path}: sha256 differs from the one in {card_path.name}")
    return card, read_torch_state(path)
