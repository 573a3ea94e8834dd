"""Converters for DanQ and DanQ-JASPAR weights saved by Keras 0.2 (``model.save_weights``
in ``DanQ_train.py`` / ``DanQ-JASPAR_train.py``, or their ``ModelCheckpoint``).

The HDF5 layout: attribute ``nb_layers``; one group ``layer_k`` per layer of the
``Sequential`` (pools, dropouts, flatten and activations included) with attribute
``nb_params`` and datasets ``param_0`` … Four groups carry weights, in order:

* ``Convolution1D``: ``W (filters, 4, k, 1)``, ``b (filters,)``;
* seya's ``Bidirectional``: 24 arrays, the forward LSTM's 12 then the backward's, each
  ``W_i (C, H), U_i (H, H), b_i (H,), W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o``;
* ``Dense``: ``W (L·2H, 925)``, ``b``; ``Dense``: ``W (925, 919)``, ``b``.

What changes on the way in:

* the kernel is reversed along its length: Theano's ``conv2d`` is a true convolution
  (it flips the kernel), PyTorch's ``Conv1d`` a cross-correlation;
* the input channels are permuted from DeepSEA's A,G,C,T to A,C,G,T;
* the LSTM gates are reordered from Keras 0.x's (i, c, f, o) to PyTorch's (i, f, g, o),
  the kernels transposed, and the model built with ``lstm_gates="hard_sigmoid"``
  (Keras 0.x's default ``inner_activation``);
* dense kernels ``(in, out)`` are transposed; both flattens are time-major already.

The one point the public code cannot settle: DanQ imported ``Bidirectional`` from a
modified ``seya`` that is not published. A Keras 0.2 ``go_backwards`` LSTM returns its
outputs in scan order (last position first); whether the modified ``Bidirectional``
reversed them back before the concatenation is unknown. ``lstm_backward="aligned"``
(default) assumes it did, ``"reversed"`` that it did not; the dense layer sees different
positions under the two readings, so only the right one reproduces DanQ's published
predictions (compare with ``motifscope evaluate`` on the DeepSEA test set).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from motifscope import zoo
from motifscope.core.errors import InputError
from motifscope.runs.convert.common import (
    Converted,
    TensorMap,
    fill_state,
    reorder_bases,
)

__all__ = ["convert_keras_danq", "convert_keras_danq_jaspar", "read_keras02_weights"]

_LSTM_NAMES = ("W_i", "U_i", "b_i", "W_c", "U_c", "b_c", "W_f", "U_f", "b_f", "W_o", "U_o", "b_o")
_EXPECTED = "Convolution1D 2, Bidirectional LSTM 24, Dense 2, Dense 2"


def read_keras02_weights(path: Path) -> list[tuple[int, list[np.ndarray]]]:
    """Read a Keras 0.2 ``save_weights`` HDF5 file with h5py.

    Parameters
    ----------
    path : pathlib.Path
        The HDF5 file.

    Returns
    -------
    list of (int, list of numpy.ndarray)
        ``(k, params)`` for every group ``layer_k`` that holds weights, in layer order.

    Raises
    ------
    InputError
        If the file is not HDF5 or not in the Keras 0.2 layout.
    """
    import h5py

    try:
        fh = h5py.File(path, "r")
    except OSError as e:
        raise InputError(f"{path}: not an HDF5 file ({str(e).splitlines()[0][:120]}); "
                         f"expected Keras 0.2 save_weights output") from None
    with fh:
        if "model_weights" in fh or "layer_names" in fh.attrs:
            raise InputError(f"{path}: a Keras >= 1 weight file (layer_names / model_weights); "
                             f"expected Keras 0.2 save_weights groups layer_k/param_n")
        if "nb_layers" not in fh.attrs:
            raise InputError(f"{path}: no 'nb_layers' attribute; expected Keras 0.2 "
                             f"save_weights groups layer_k/param_n (found "
                             f"{', '.join(list(fh)[:4]) or 'nothing'})")
        out = []
        for k in range(int(fh.attrs["nb_layers"])):
            g = fh.get(f"layer_{k}")
            if g is None or "nb_params" not in g.attrs:
                raise InputError(f"{path}: group 'layer_{k}' or its 'nb_params' attribute "
                                 f"is missing (nb_layers = {int(fh.attrs['nb_layers'])})")
            n = int(g.attrs["nb_params"])
            params = []
            for i in range(n):
                if f"param_{i}" not in g:
                    raise InputError(f"{path}: dataset 'layer_{k}/param_{i}' is missing "
                                     f"(nb_params = {n})")
                params.append(np.asarray(g[f"param_{i}"][()]))
            if n:
                out.append((k, params))
    return out


def _gates(arrs: dict, base: str, d: int, kind: str) -> np.ndarray:
    """Stack one direction's (i, c, f, o) arrays as PyTorch's (i, f, g, o)."""
    j = {"W": 0, "U": 1, "b": 2}[kind]
    i, c, f, o = (arrs[f"{base}/param_{12 * d + 3 * g + j}"] for g in range(4))
    if kind == "b":
        return np.concatenate([i, f, c, o])
    return np.concatenate([i.T, f.T, c.T, o.T], axis=0)


def _convert_danq(path: Path, *, zoo_name: str, lstm_backward: str, seq_len: int | None,
                  base_order: str) -> Converted:
    layers = read_keras02_weights(path)
    sizes = [len(p) for _, p in layers]
    if sizes != [2, 24, 2, 2]:
        raise InputError(f"{path}: layers with weights hold {sizes} arrays; expected 4 layers "
                         f"({_EXPECTED}) as DanQ_train.py saves them")
    (kc, _conv), (kl, _lstm), (k1, _d1), (k2, d2) = layers
    T = int(d2[1].shape[0]) if d2[1].ndim == 1 else -1
    if T < 1:
        raise InputError(f"{path}: tensor 'layer_{k2}/param_1' has shape {d2[1].shape}, "
                         f"expected (n_targets,)")
    ov = {"lstm_gates": "hard_sigmoid", "lstm_backward": lstm_backward, "n_targets": T}
    if zoo_name == "danq_jaspar":
        ov["jaspar_init"] = False
    if seq_len is not None:
        ov["seq_len"] = int(seq_len)
    model = zoo.build(zoo_name, **ov)
    sd = model.state_dict()
    F_, _, K = sd["features.0.weight"].shape
    H = model.bilstm.hidden_size
    src = {f"layer_{k}/param_{i}": a for k, p in layers for i, a in enumerate(p)}
    def flipped(w):
        return reorder_bases(w[:, :, ::-1, 0], base_order)
    maps = [TensorMap(f"layer_{kc}/param_0", "features.0.weight", (F_, 4, K, 1), flipped),
            TensorMap(f"layer_{kc}/param_1", "features.0.bias", (F_,))]
    maps += [TensorMap(f"layer_{kl}/param_{12 * d + j}", f"_lstm{d}_{j}", s)
             for d in range(2) for j, s in enumerate([(F_, H), (H, H), (H,)] * 4)]
    hidden = sd["dense.weight"].shape[0]
    maps += [TensorMap(f"layer_{k1}/param_0", "dense.weight",
                       (sd["dense.weight"].shape[1], hidden), np.transpose),
             TensorMap(f"layer_{k1}/param_1", "dense.bias", (hidden,)),
             TensorMap(f"layer_{k2}/param_0", "out.weight", (hidden, T), np.transpose),
             TensorMap(f"layer_{k2}/param_1", "out.bias", (T,))]
    target = dict(sd)
    target.update({m.dst: np.empty(m.src_shape, np.float32) for m in maps
                   if m.dst.startswith("_lstm")})
    import torch

    target = {k: (torch.as_tensor(v) if isinstance(v, np.ndarray) else v)
              for k, v in target.items()}
    dense_src = f"layer_{k1}/param_0"

    def hint(s):
        if s == dense_src:
            return (f"its rows are positions x 2H of a {model.seq_len}-bp input; pass "
                    f"seq_len (--seq-len) for another length")
        return ""

    filled = fill_state({k: v for k, v in target.items() if not k.startswith("bilstm.lstm.")},
                        src, maps, path, hint=hint)
    arrs = {f"layer_{kl}/param_{12 * d + j}": filled.pop(f"_lstm{d}_{j}").numpy()
            for d in range(2) for j in range(12)}
    base = f"layer_{kl}"
    for d, suffix in enumerate(("", "_reverse")):
        for kind, name in (("W", "weight_ih_l0"), ("U", "weight_hh_l0"), ("b", "bias_ih_l0")):
            filled[f"bilstm.lstm.{name}{suffix}"] = torch.as_tensor(
                np.ascontiguousarray(_gates(arrs, base, d, kind)), dtype=torch.float32)
    info = {"layout": "Keras 0.2 save_weights (layer_k/param_n)",
            "source_base_order": base_order, "strand_average": False,
            "lstm_backward": lstm_backward,
            "changes": [f"convolution kernels reversed along k (Theano conv2d flips) and "
                        f"input channels {base_order} -> ACGT",
                        "LSTM gates (i, c, f, o) -> (i, f, g, o), kernels transposed; "
                        "hard_sigmoid gates kept (lstm_gates='hard_sigmoid')",
                        f"backward LSTM outputs read as '{lstm_backward}'",
                        "dense kernels (in, out) transposed; flatten already time-major",
                        "final sigmoid dropped: the model returns logits"]}
    return Converted(zoo_name, ov, filled, info)


def convert_keras_danq(path: Path, *, seq_len: int | None = None, base_order: str = "AGCT",
                       lstm_backward: str = "aligned") -> Converted:
    """DanQ's Keras 0.2 HDF5 weights → zoo ``danq``.

    Parameters
    ----------
    path : pathlib.Path
        The HDF5 file (``layer_0/param_0`` ``(320, 4, 26, 1)`` …, dense
        ``(48000, 925)``, ``(925, 919)``).
    seq_len : int, optional
        Input length (default 1000).
    base_order : {"AGCT", "ACGT"}
        Base order of the training data's channels (DeepSEA's ``.mat``: A,G,C,T).
    lstm_backward : {"aligned", "reversed"}
        How the unpublished modified seya ``Bidirectional`` ordered the backward outputs
        (see the module docstring).

    Returns
    -------
    Converted
    """
    return _convert_danq(path, zoo_name="danq", lstm_backward=lstm_backward,
                         seq_len=seq_len, base_order=base_order)


def convert_keras_danq_jaspar(path: Path, *, seq_len: int | None = None,
                              base_order: str = "AGCT",
                              lstm_backward: str = "aligned") -> Converted:
    """DanQ-JASPAR's Keras 0.2 HDF5 weights → zoo ``danq_jaspar``.

    Parameters
    ----------
    path : pathlib.Path
        The HDF5 file (``(1024, 4, 30, 1)``, BiLSTM 2 × 512, dense ``(65536, 925)``,
        ``(925, 919)``).
    seq_len : int, optional
        Input length (default 1000).
    base_order : {"AGCT", "ACGT"}
        Base order of the training data's channels.
    lstm_backward : {"aligned", "reversed"}
        See :func:`convert_keras_danq`.

    Returns
    -------
    Converted
    """
    return _convert_danq(path, zoo_name="danq_jaspar", lstm_backward=lstm_backward,
                         seq_len=seq_len, base_order=base_order)
