"""Converters for the Torch7 models that Kipoi converted to PyTorch state dicts
(DeepSEA, Beluga, Basset), and for Selene's DeepSEA.

What changes on the way in (and nothing else):

* convolution weights lose their dummy axis: Kipoi's ``Conv2d`` ``(out, in, 1, k)``
  (DeepSEA, Beluga) or ``(out, in, k, 1)`` (Basset) become ``Conv1d`` ``(out, in, k)``;
* the first convolution's input channels are permuted from the source's base order to
  A,C,G,T (DeepSEA and Beluga: A,G,C,T; Basset and Selene: already A,C,G,T);
* the first dense layer's columns are reordered from Torch7's channel-major flatten
  (``c · L + t``) to the zoo's time-major one (``t · C + c``);
* the architecture options that reproduce the source: Torch7's ``Threshold(0, 1e-6)``
  activations for DeepSEA, a batch norm after each dense layer and BN eps 1e-5 for
  Basset, a hidden layer as wide as the targets for Selene.
"""

from __future__ import annotations

from pathlib import Path

from torch import nn

from motifscope import zoo
from motifscope.core.errors import InputError
from motifscope.runs.convert.common import (
    Converted,
    TensorMap,
    channel_to_time_major,
    fill_state,
    read_torch_state,
    reorder_bases,
)

__all__ = [
    "convert_kipoi_basset",
    "convert_kipoi_beluga",
    "convert_kipoi_deepsea",
    "convert_selene_deepsea",
]

_BN = ("weight", "bias", "running_mean", "running_var")
_IGNORED = ("num_batches_tracked",)


def _find_prefix(state: dict, path: Path, probe: str, prefixes: dict) -> str:
    """The key prefix under which ``probe`` (e.g. ``"0.weight"``) is found."""
    for p in prefixes:
        if p + probe in state:
            return p
    tried = ", ".join(repr(p + probe) for p in prefixes)
    keys = ", ".join(list(state)[:4])
    raise InputError(f"{path}: no first convolution {tried}; found keys {keys}"
                     f"{' ...' if len(state) > 4 else ''} (is this the right format?)")


def _n_targets(state: dict, key: str, path: Path) -> int:
    if key not in state:
        raise InputError(f"{path}: tensor '{key}' (the output layer's bias) is missing")
    shape = tuple(state[key].shape)
    if len(shape) != 1 or shape[0] < 1:
        raise InputError(f"{path}: tensor '{key}' has shape {shape}, expected (n_targets,)")
    return int(shape[0])


def _conv_src_shape(dst_shape: tuple, layout: str) -> tuple:
    o, i, k = dst_shape
    return {"1k": (o, i, 1, k), "k1": (o, i, k, 1), "1d": (o, i, k)}[layout]


def _conv_fn(layout: str, order: str | None):
    def fn(w):
        w = w.reshape(w.shape[0], w.shape[1], -1) if layout != "1d" else w
        return reorder_bases(w, order) if order else w
    return fn


def _build(zoo_name: str, overrides: dict):
    return zoo.build(zoo_name, **overrides)


def _map_net(model, src_convs, src_linears, layout: str, base_order: str, *,
             src_bns=(), src_head_bns=()) -> list[TensorMap]:
    """Maps for the convolutions (+ batch norms) and dense layers of a zoo model, in order."""
    sd = model.state_dict()
    convs = [f"features.{n}" for n, m in model.features.named_children()
             if isinstance(m, nn.Conv1d)]
    bns = [f"features.{n}" for n, m in model.features.named_children()
           if isinstance(m, nn.BatchNorm1d)]
    head = getattr(model, "head", None)
    linears = ([f"head.{n}" for n, m in head.named_children() if isinstance(m, nn.Linear)]
               if head is not None else ["dense"]) + ["out"]
    head_bns = ([f"head.{n}" for n, m in head.named_children() if isinstance(m, nn.BatchNorm1d)]
                if head is not None else [])
    if (len(convs), len(linears), len(bns), len(head_bns)) != (
            len(src_convs), len(src_linears), len(src_bns), len(src_head_bns)):
        raise RuntimeError("converter layer list does not match the zoo model")
    maps = []
    for j, (s, d) in enumerate(zip(src_convs, convs)):
        shape = tuple(sd[f"{d}.weight"].shape)
        maps.append(TensorMap(f"{s}.weight", f"{d}.weight", _conv_src_shape(shape, layout),
                              _conv_fn(layout, base_order if j == 0 else None)))
        maps.append(TensorMap(f"{s}.bias", f"{d}.bias", tuple(sd[f"{d}.bias"].shape)))
    for s, d in list(zip(src_bns, bns)) + list(zip(src_head_bns, head_bns)):
        maps += [TensorMap(f"{s}.{p}", f"{d}.{p}", tuple(sd[f"{d}.{p}"].shape)) for p in _BN]
    C = model.first_conv.out_channels
    for m in model.features:
        if isinstance(m, nn.Conv1d):
            C = m.out_channels
    L = model.feature_len
    for j, (s, d) in enumerate(zip(src_linears, linears)):
        shape = tuple(sd[f"{d}.weight"].shape)
        fn = (lambda w, C=C, L=L: channel_to_time_major(w, C, L)) if j == 0 else None
        maps.append(TensorMap(f"{s}.weight", f"{d}.weight", shape, fn))
        maps.append(TensorMap(f"{s}.bias", f"{d}.bias", tuple(sd[f"{d}.bias"].shape)))
    return maps


def _convert(path: Path, state: dict, *, zoo_name: str, overrides: dict, prefix: str,
             convs, linears, layout: str, base_order: str, bns=(), head_bns=()):
    model = _build(zoo_name, overrides)
    maps = _map_net(model, [prefix + c for c in convs], [prefix + k for k in linears], layout,
                    base_order, src_bns=[prefix + b for b in bns],
                    src_head_bns=[prefix + b for b in head_bns])
    dense_key = maps[2 * len(convs) + 4 * (len(bns) + len(head_bns))].src

    def hint(src):
        if src == dense_key:
            return (f"its width is channels x length of the last feature map for a "
                    f"{model.seq_len}-bp input; pass seq_len (--seq-len) for another length")
        return ""

    target = model.state_dict()
    filled = fill_state(target, state, maps, path, hint=hint, ignore=_IGNORED)
    changes = [f"first convolution's input channels {base_order} -> ACGT"
               if base_order != "ACGT" else "base order already ACGT (unchanged)",
               "Conv2d weights squeezed to Conv1d (out, in, k)" if layout != "1d"
               else "Conv1d weights copied",
               f"first dense layer's columns channel-major (c*{model.feature_len}+t) -> "
               f"time-major (t*C+c)"]
    return model, filled, changes


def _overrides(base: dict, n_targets: int, seq_len: int | None) -> dict:
    out = dict(base)
    out["n_targets"] = n_targets
    if seq_len is not None:
        out["seq_len"] = int(seq_len)
    return out


_DEEPSEA_PREFIXES = {"": "deepsea_cpu.pth (the bare Sequential)",
                     "1.": "DeepSEA/variantEffects (ReCodeAlphabet, net)",
                     "2.": "DeepSEA/predict (ReCodeAlphabet, ConcatenateRC, net, AverageRC)"}


def convert_kipoi_deepsea(path: Path, *, seq_len: int | None = None,
                          base_order: str = "AGCT") -> Converted:
    """Kipoi ``DeepSEA/predict`` / ``DeepSEA/variantEffects`` state dict → zoo ``deepsea``.

    Parameters
    ----------
    path : pathlib.Path
        ``deepsea_predict.pth``, ``deepsea_variant_effects.pth`` or ``deepsea_cpu.pth``:
        keys ``0.weight`` ``(320, 4, 1, 8)`` … ``14.1.bias`` ``(919,)``, with prefix
        ``1.`` (variantEffects) or ``2.`` (predict).
    seq_len : int, optional
        Input length (default 1000; the first dense layer's width depends on it).
    base_order : {"AGCT", "ACGT"}
        Base order of the source's input channels (Kipoi's network sees A,G,C,T).

    Returns
    -------
    Converted
    """
    state = read_torch_state(path)
    prefix = _find_prefix(state, path, "0.weight", _DEEPSEA_PREFIXES)
    T = _n_targets(state, f"{prefix}14.1.bias", path)
    ov = _overrides({"activation": "threshold"}, T, seq_len)
    _model, sd, changes = _convert(path, state, zoo_name="deepsea", overrides=ov, prefix=prefix,
                                  convs=["0", "4", "8"], linears=["12.1", "14.1"],
                                  layout="1k", base_order=base_order)
    info = {"layout": _DEEPSEA_PREFIXES[prefix], "source_base_order": base_order,
            "strand_average": prefix == "2.",
            "changes": changes + ["Torch7 Threshold(0, 1e-6) kept (activation='threshold')",
                                  "final Sigmoid dropped: the model returns logits"]}
    return Converted("deepsea", ov, sd, info)


def convert_kipoi_beluga(path: Path, *, seq_len: int | None = None,
                         base_order: str = "AGCT") -> Converted:
    """Kipoi ``DeepSEA/beluga`` state dict (``deepsea.beluga.pth``, Zenodo 3402406; the
    ``model.Beluga`` module) → zoo ``beluga``.

    Parameters
    ----------
    path : pathlib.Path
        Keys ``model.0.0.weight`` ``(320, 4, 1, 8)``, convolutions ``model.0.{0,2,6,8,12,14}``,
        dense ``model.1.2.1`` ``(2003, 67840)`` and ``model.1.4.1`` ``(2002, 2003)``.
    seq_len : int, optional
        Input length (default 2000).
    base_order : {"AGCT", "ACGT"}
        Base order of the network's input channels (A,G,C,T: Kipoi's ``model.yaml``
        encodes inputs with ``alphabet: AGCT``).

    Returns
    -------
    Converted
    """
    state = read_torch_state(path)
    prefix = _find_prefix(state, path, "0.0.weight", {"model.": "Beluga module", "": "bare"})
    T = _n_targets(state, f"{prefix}1.4.1.bias", path)
    ov = _overrides({}, T, seq_len)
    _model, sd, changes = _convert(path, state, zoo_name="beluga", overrides=ov, prefix=prefix,
                                  convs=[f"0.{i}" for i in (0, 2, 6, 8, 12, 14)],
                                  linears=["1.2.1", "1.4.1"], layout="1k",
                                  base_order=base_order)
    info = {"layout": "Kipoi DeepSEA/beluga Beluga module", "source_base_order": base_order,
            "strand_average": False,
            "changes": changes + ["final Sigmoid dropped: the model returns logits"]}
    return Converted("beluga", ov, sd, info)


def convert_kipoi_basset(path: Path, *, seq_len: int | None = None,
                         base_order: str = "ACGT") -> Converted:
    """Kipoi ``Basset`` state dict (``pretrained_model_reloaded_th.pth``) → zoo ``basset``.

    Parameters
    ----------
    path : pathlib.Path
        Keys ``0.weight`` ``(300, 4, 19, 1)`` with batch norms ``1``, ``5``, ``9``,
        convolutions ``4``, ``8``, dense ``13.1`` ``(1000, 2000)``, ``17.1``, ``21.1``
        ``(164, 1000)`` and batch norms ``14``, ``18``.
    seq_len : int, optional
        Input length (default 600).
    base_order : {"ACGT", "AGCT"}
        Base order of the input channels (Basset: A,C,G,T).

    Returns
    -------
    Converted
    """
    state = read_torch_state(path)
    prefix = _find_prefix(state, path, "0.weight", {"": "Sequential", "model.": "wrapped"})
    T = _n_targets(state, f"{prefix}21.1.bias", path)
    ov = _overrides({"bn_eps": 1e-5, "head_batchnorm": True}, T, seq_len)
    _model, sd, changes = _convert(path, state, zoo_name="basset", overrides=ov, prefix=prefix,
                                  convs=["0", "4", "8"], linears=["13.1", "17.1", "21.1"],
                                  layout="k1", base_order=base_order, bns=["1", "5", "9"],
                                  head_bns=["14", "18"])
    info = {"layout": "Kipoi Basset Sequential", "source_base_order": base_order,
            "strand_average": False,
            "changes": changes + ["batch norms after the dense layers and Torch7's BN eps "
                                  "1e-5 kept (head_batchnorm=True, bn_eps=1e-5)",
                                  "final Sigmoid dropped: the model returns logits"]}
    return Converted("basset", ov, sd, info)


def convert_selene_deepsea(path: Path, *, seq_len: int | None = None,
                           base_order: str = "ACGT") -> Converted:
    """Selene's ``selene_sdk.models.DeepSEA`` state dict → zoo ``deepsea``.

    Selene's DeepSEA is the original layer list with ``nn.ReLU`` activations and a hidden
    layer as wide as the number of targets (919, not 925), in Selene's current form
    (``kernel_size=8`` valid convolutions, ``n_channels`` from ``sequence_length - 7``).
    Refused, with the tensor named: Selene's early ``DeepSEA`` (``Conv1d(4, 320, 1)``:
    1-wide kernels, shape ``(320, 4, 1)``), ``DeeperDeepSEA`` (eight convolutions and batch
    norms: unexpected tensors) and other Selene models.

    Parameters
    ----------
    path : pathlib.Path
        Keys ``conv_net.{0,4,8}.weight`` (``(320, 4, 8)`` …) and ``classifier.{0,2}``;
        a checkpoint ``{"state_dict": ...}`` (Selene's ``best_model.pth.tar``) is accepted,
        with or without the ``module.`` prefix of a ``DataParallel`` model.
    seq_len : int, optional
        Input length (default 1000).
    base_order : {"ACGT", "AGCT"}
        Base order of the input channels (Selene's genome encodes A,C,G,T).

    Returns
    -------
    Converted
    """
    state = read_torch_state(path)
    prefix = _find_prefix(state, path, "conv_net.0.weight", {"": "DeepSEA", "module.": "DataParallel"})
    T = _n_targets(state, f"{prefix}classifier.2.bias", path)
    ov = _overrides({"hidden": T}, T, seq_len)
    _model, sd, changes = _convert(path, state, zoo_name="deepsea", overrides=ov, prefix=prefix,
                                  convs=["conv_net.0", "conv_net.4", "conv_net.8"],
                                  linears=["classifier.0", "classifier.2"], layout="1d",
                                  base_order=base_order)
    info = {"layout": "selene_sdk.models.DeepSEA", "source_base_order": base_order,
            "strand_average": False,
            "changes": changes + [f"hidden layer {T} wide (Selene: n_targets)",
                                  "final Sigmoid dropped: the model returns logits"]}
    return Converted("deepsea", ov, sd, info)
