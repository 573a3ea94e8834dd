"""Read Basset HDF5 data files.

Basset (Kelley et al. 2016; ``davek44/Basset``, ``src/seq_hdf5.py``) stores one HDF5 file
per data set with

- ``train_in``, ``valid_in``, ``test_in`` : one-hot sequences of shape ``(N, 4, 1, L)``
  (``dna_io.dna_one_hot`` fills a ``(4, L)`` array, rows **A, C, G, T**, flattened and
  reshaped for Torch7's spatial convolutions); usually float16 or uint8/bool. Basset
  writes an unknown base ``N`` (and centre padding) as **0.25** in all four rows;
- ``train_out``, ``valid_out``, ``test_out`` : targets of shape ``(N, T)`` (0/1 for the
  published 164 DNase-seq cell types);
- ``target_labels`` : ``T`` names (byte strings);
- optionally ``train_headers`` / ``test_headers`` / ``valid_headers``.

The published ``encode_roadmap.h5`` holds 600 bp sequences and 164 targets.
:func:`read_basset` returns motifscope's convention: float32 ``(N, 4, L)`` A, C, G, T
with ``N`` as an all-zero column (Basset's 0.25 columns are zeroed). Files whose ``*_in``
is already ``(N, 4, L)`` are read too.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import torch

from motifscope.core.errors import DataFormatError, InputError

__all__ = ["SPLITS", "basset_splits", "read_basset"]

SPLITS = ("train", "valid", "test")


def _open(path):
    import h5py

    path = Path(path)
    if not path.is_file():
        raise DataFormatError(f"{path}: no such Basset HDF5 file")
    try:
        return h5py.File(path, "r")
    except OSError as e:
        raise DataFormatError(f"{path}: not a readable HDF5 file ({e})") from None


def _labels(f, path, T: int) -> list[str]:
    if "target_labels" not in f:
        return [f"target_{i}" for i in range(T)]
    raw = f["target_labels"][()]
    labels = [x.decode() if isinstance(x, bytes) else str(x) for x in np.ravel(raw)]
    if len(labels) != T:
        raise DataFormatError(
            f"{path}: target_labels holds {len(labels)} names but the targets have {T} columns"
        )
    return labels


def basset_splits(path) -> dict[str, tuple[int, int, int]]:
    """Sizes of the splits present in a Basset file.

    Parameters
    ----------
    path : str or os.PathLike
        A Basset HDF5 file.

    Returns
    -------
    dict of str to tuple of (int, int, int)
        ``{split: (N, L, T)}`` for each split whose ``<split>_in`` exists (``T`` = 0 when
        ``<split>_out`` is missing).
    """
    out = {}
    with _open(path) as f:
        for s in SPLITS:
            if f"{s}_in" in f:
                shp = f[f"{s}_in"].shape
                T = f[f"{s}_out"].shape[1] if f"{s}_out" in f and f[f"{s}_out"].ndim == 2 else 0
                out[s] = (int(shp[0]), int(shp[-1]), int(T))
    return out


def read_basset(path, split: str = "test", *, start: int = 0, stop: int | None = None):
    """Read rows of one split of a Basset HDF5 file.

    Parameters
    ----------
    path : str or os.PathLike
        A Basset HDF5 file (``seq_hdf5.py`` layout, see the module notes).
    split : {"train", "valid", "test"}
        Which ``<split>_in`` / ``<split>_out`` pair to read.
    start, stop : int
        Rows to read, as in Python slicing (non-negative ``start``; ``stop=None`` for
        the end). Only these rows are read from disk.

    Returns
    -------
    X : torch.Tensor of shape (n, 4, L)
        float32 one-hot, bases A, C, G, T; Basset's ``N`` (0.25 in every row) becomes an
        all-zero column.
    y : torch.Tensor of shape (n, T)
        Targets: uint8 when the file stores integers or booleans, float32 otherwise.
    labels : list of str
        ``T`` target names (``target_labels``; ``target_<i>`` when the file has none).

    Raises
    ------
    InputError
        If ``split`` or the row range is invalid.
    DataFormatError
        If the file is not HDF5, lacks ``<split>_in``/``<split>_out``, or their shapes do
        not match the Basset layout; the message names the file and the key.
    """
    if split not in SPLITS:
        raise InputError(f"split must be one of {SPLITS}, got {split!r}")
    with _open(path) as f:
        kin, kout = f"{split}_in", f"{split}_out"
        for k in (kin, kout):
            if k not in f:
                raise DataFormatError(
                    f"{path}: no dataset {k!r}; found {sorted(f.keys())}, expected the Basset "
                    "keys train_in/train_out, valid_in/valid_out, test_in/test_out"
                )
        din, dout = f[kin], f[kout]
        shp = din.shape
        if len(shp) == 4 and shp[1] == 4 and shp[2] == 1:
            four_d = True
        elif len(shp) == 3 and shp[1] == 4:
            four_d = False
        else:
            raise DataFormatError(
                f"{path}: {kin} has shape {shp}; expected (N, 4, 1, L) as written by Basset "
                "(or (N, 4, L))"
            )
        N = shp[0]
        if dout.ndim != 2 or dout.shape[0] != N:
            raise DataFormatError(
                f"{path}: {kout} has shape {dout.shape}; expected (N, T) with N = {N} rows "
                f"like {kin}"
            )
        if isinstance(start, bool) or not isinstance(start, (int, np.integer)) or start < 0:
            raise InputError(f"start must be a non-negative integer, got {start!r}")
        stop = N if stop is None else int(stop)
        if stop < 0:
            stop += N
        stop = min(stop, N)
        if start > stop:
            raise InputError(f"start={start} is after stop={stop} ({path} {split} has {N} rows)")
        x = np.asarray(din[start:stop])
        if four_d:
            x = x[:, :, 0, :]
        x = x.astype(np.float32)
        n_col = np.all(np.isclose(x, 0.25), axis=1)
        if n_col.any():
            x = np.where(n_col[:, None, :], np.float32(0), x)
        bad = ~np.isin(x, (0.0, 1.0)) | (x.sum(1, keepdims=True) > 1)
        if bad.any():
            i = int(np.argwhere(bad)[0][0])
            raise DataFormatError(
                f"{path}: {kin} row {start + i} is not one-hot (values other than 0/1, or more "
                "than one base per position); expected Basset one-hot sequences"
            )
        yraw = np.asarray(dout[start:stop])
        if yraw.dtype == bool or np.issubdtype(yraw.dtype, np.integer):
            y = torch.from_numpy(yraw.astype(np.uint8))
        else:
            if not np.all(np.isfinite(yraw)):
                i = int(np.argwhere(~np.isfinite(yraw))[0][0])
                raise DataFormatError(f"{path}: {split} labels row {start + i} holds NaN or inf; "
                                      "expected finite labels (0/1)")
            y = torch.from_numpy(yraw.astype(np.float32))
        labels = _labels(f, path, dout.shape[1])
    return torch.from_numpy(np.ascontiguousarray(x)), y, labels
