"""Batched prediction, and prediction files as DanQ_test.py writes them.

- :func:`predict` runs a model over ``(n, 4, L)`` one-hot sequences in batches, without
  gradients, and returns sigmoid probabilities ``(n, T)`` (or logits).
- :func:`read_inputs` reads a FASTA file (one-hot at the model's ``seq_len``) or a
  DanQ/DeepSEA-style HDF5 file whose ``testxdata`` is ``(N, 4, L)`` in **A, G, C, T**
  order, converted to A, C, G, T with :func:`motifscope.core.sequence.acgt_from_agct` as soon
  as it is read.
- :func:`write_predictions` writes HDF5 (key ``pred``, ``(N, T)`` float32, as
  ``DanQ_test.py``) or TSV (one row per sequence, one column per target).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_write_bytes, atomic_write_text
from motifscope.core.devices import model_on
from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.sequence import acgt_from_agct
from motifscope.io.deepsea import check_01
from motifscope.io.fasta import fasta_to_one_hot

__all__ = ["predict", "predict_file", "read_inputs", "write_predictions"]


def predict(
    model,
    X,
    *,
    batch_size: int = 256,
    device: str | None = None,
    logits: bool = False,
    progress: bool = False,
) -> np.ndarray:
    """Predict ``X`` in batches.

    Parameters
    ----------
    model : torch.nn.Module
        Returns logits ``(B, T)`` for input ``(B, 4, L)``.
    X : torch.Tensor or numpy.ndarray of shape (n, 4, L)
        One-hot sequences, A, C, G, T (any dtype; converted per batch to float32).
    batch_size : int
        Rows per forward pass.
    device : str or None
        Device to run on (:func:`motifscope.core.devices.resolve_device`; None: the model's).
    logits : bool
        Return logits instead of probabilities.
    progress : bool
        Show a tqdm progress bar.

    Returns
    -------
    numpy.ndarray of shape (n, T)
        float32 probabilities (or logits). The model's device and modes are restored.
    """
    import torch
    from tqdm.auto import tqdm

    if X.ndim != 3 or X.shape[1] != 4:
        raise InputError(f"X has shape {tuple(X.shape)}; expected (n, 4, L)")
    if batch_size < 1:
        raise InputError(f"batch_size must be >= 1, got {batch_size}")
    out = []
    n = X.shape[0]
    with model_on(model, device) as dev, torch.inference_mode():
        for s in tqdm(range(0, n, batch_size), disable=not progress, desc="predict",
                      leave=False):
            xb = X[s:s + batch_size]
            xb = xb if isinstance(xb, torch.Tensor) else torch.from_numpy(np.asarray(xb))
            z = model(xb.to(dev, dtype=torch.float32, non_blocking=True))
            out.append((z if logits else torch.sigmoid(z)).float().cpu().numpy())
    if not out:
        T = getattr(model, "n_targets", 0)
        return np.zeros((0, T), dtype=np.float32)
    return np.concatenate(out, axis=0)


def read_inputs(path: str | os.PathLike, *, seq_len: int | None = None):
    """Read sequences to predict from FASTA or a DanQ-style HDF5 file.

    Parameters
    ----------
    path : str or os.PathLike
        ``.fa``/``.fasta``/``.fna`` (optionally ``.gz``), or ``.h5``/``.hdf5`` with key
        ``testxdata`` of shape ``(N, 4, L)`` in A, G, C, T order (DanQ_test.py's input).
    seq_len : int or None
        For FASTA: the model's input length (sequences are centred/padded by
        :func:`motifscope.io.fasta.fasta_to_one_hot`). For HDF5: checked if given.

    Returns
    -------
    X : torch.Tensor of shape (N, 4, L)
        float32 one-hot, A, C, G, T.
    names : list of str
        Sequence names (FASTA headers, or ``"0", "1", ...`` for HDF5).

    Raises
    ------
    DataFormatError
        If the file type is unknown, a key is missing or the shape is wrong.
    """
    import torch

    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    name = path.name.lower()
    name = name.removesuffix(".gz")
    if name.endswith((".h5", ".hdf5", ".hdf")):
        import h5py

        try:
            fh = h5py.File(path, "r")
        except OSError as e:
            raise DataFormatError(f"{path}: not a readable HDF5 file ({e})") from None
        with fh:
            if "testxdata" not in fh:
                raise DataFormatError(
                    f"{path}: no key 'testxdata'; expected (N, 4, L) one-hot in A,G,C,T order "
                    f"(keys: {sorted(fh.keys())})"
                )
            arr = np.asarray(fh["testxdata"])
        if arr.ndim != 3 or arr.shape[1] != 4:
            raise DataFormatError(
                f"{path}: 'testxdata' has shape {arr.shape}; expected (N, 4, L), A,G,C,T"
            )
        if arr.shape[0] == 0 or arr.shape[2] == 0:
            raise DataFormatError(f"{path}: 'testxdata' has shape {arr.shape}; expected at "
                                  "least one sequence (N, 4, L)")
        if arr.dtype.kind not in "biuf":
            raise DataFormatError(f"{path}: 'testxdata' has dtype {arr.dtype}; expected a "
                                  "numeric 0/1 one-hot array")

        arr = check_01(arr, path, "testxdata", f"0..{arr.shape[0] - 1}")
        if arr.shape[0] and int(arr.sum(1).max()) > 1:
            i, j = (int(v) for v in np.argwhere(arr.sum(1) > 1)[0])
            raise DataFormatError(f"{path}: 'testxdata' has several bases set at row {i}, "
                                  f"position {j}; expected one-hot columns")
        if seq_len is not None and arr.shape[2] != seq_len:
            raise DataFormatError(
                f"{path}: sequences have length {arr.shape[2]} but the model expects {seq_len}"
            )
        X = torch.from_numpy(acgt_from_agct(arr.astype(np.float32), axis=1).copy())
        return X, [str(i) for i in range(X.shape[0])]
    if name.endswith((".fa", ".fasta", ".fna", ".fas")):
        if seq_len is None:
            raise InputError("seq_len is needed to one-hot encode a FASTA file")
        names, X = fasta_to_one_hot(path, length=seq_len)
        X = X if isinstance(X, torch.Tensor) else torch.from_numpy(np.asarray(X))
        return X.float(), [str(n) for n in names]
    raise DataFormatError(
        f"{path}: unknown input type; expected FASTA (.fa, .fasta) or HDF5 (.h5) with 'testxdata'"
    )


def write_predictions(pred: np.ndarray, path: str | os.PathLike, *, names=None,
                      coords=None) -> Path:
    """Write predictions to HDF5 (key ``pred``) or TSV, atomically.

    Parameters
    ----------
    pred : numpy.ndarray of shape (N, T)
        Probabilities.
    path : str or os.PathLike
        ``.h5``/``.hdf5`` or ``.tsv``/``.txt``/``.csv`` (tab- or comma-separated).
    names : list of str or None
        Row names for the text formats (first column ``name``).
    coords : pandas.DataFrame or None
        Genome coordinates of the rows (``chrom``, ``start``, ``end``, ``strand``, ...):
        the first columns of a text file, datasets beside ``pred`` in HDF5.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    import io

    path = Path(path)
    low = path.name.lower()
    pred = np.asarray(pred, dtype=np.float32)
    if low.endswith((".h5", ".hdf5")):
        import h5py

        buf = io.BytesIO()
        with h5py.File(buf, "w") as fh:
            fh.create_dataset("pred", data=pred)
            for col in [] if coords is None else coords.columns:
                v = coords[col].to_numpy()
                fh.create_dataset(col, data=v.astype("S") if v.dtype == object else v)
        return atomic_write_bytes(path, buf.getvalue())
    if low.endswith((".tsv", ".txt", ".csv")):
        import pandas as pd

        df = pd.DataFrame(pred, columns=[f"t{t}" for t in range(pred.shape[1])])
        if coords is not None:
            df = pd.concat([coords.reset_index(drop=True), df], axis=1)
        else:
            df.insert(0, "name", names if names is not None else range(len(pred)))
        sep = "," if low.endswith(".csv") else "\t"
        return atomic_write_text(path, df.to_csv(sep=sep, index=False, float_format="%.6g"))
    raise InputError(f"{path}: unknown output type; expected .h5 or .tsv")


def predict_file(model, data: str | os.PathLike, out: str | os.PathLike, *,
                 batch_size: int = 256, device: str | None = None,
                 progress: bool = False) -> Path:
    """Read ``data`` (FASTA or HDF5), predict with ``model`` and write ``out``.

    Parameters
    ----------
    model : torch.nn.Module
        A zoo model (its ``seq_len`` sets the FASTA window).
    data : str or os.PathLike
        Input file; see :func:`read_inputs`.
    out : str or os.PathLike
        Output file; see :func:`write_predictions`.
    batch_size, device, progress
        As :func:`predict`.

    Returns
    -------
    pathlib.Path
        ``out``.
    """
    X, names = read_inputs(data, seq_len=getattr(model, "seq_len", None))
    pred = predict(model, X, batch_size=batch_size, device=device, progress=progress)
    return write_predictions(pred, out, names=names)
