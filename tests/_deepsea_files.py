"""Write small files in the exact DeepSEA / DanQ layouts, for tests.

- :func:`write_v73` : MATLAB v7.3 as h5py sees it (``train.mat``): an HDF5 file with a
  512-byte userblock that starts with MATLAB's text header, sequences ``<split>xdata`` of
  shape ``(L, 4, N)`` and labels ``<split>data`` of shape ``(T, N)``, bases A, G, C, T.
- :func:`write_v5` : MATLAB v5 (``valid.mat``, ``test.mat``) via ``scipy.io.savemat``:
  ``<split>xdata`` of shape ``(N, 4, L)`` and ``<split>data`` of shape ``(N, T)``.
- :func:`write_danq_h5` : DanQ's ``example.h5`` layout, ``testxdata`` ``(N, 4, L)`` uint8,
  no labels.
- :func:`random_split` : random one-hot sequences (A, C, G, T, with a few N) and labels,
  the second half the reverse complement of the first, as DeepSEA stores them.

Arrays passed in are in motifscope's A, C, G, T order; the writers convert to A, G, C, T.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

__all__ = ["MATLAB_V73_HEADER", "random_split", "write_danq_h5", "write_v5", "write_v73"]

_PERM = [0, 2, 1, 3]  # ACGT <-> AGCT (its own inverse)
MATLAB_V73_HEADER = (
    b"MATLAB 7.3 MAT-file, Platform: GLNXA64, Created on: Mon Jan  5 12:00:00 2015 HDF5 schema "
    b"1.00 ."
)


def random_split(n: int = 16, L: int = 50, T: int = 7, *, seed: int = 0, strand_pairs: bool = True,
                 n_frac: float = 0.02):  # fmt: skip
    """Random one-hot ``X`` (n, 4, L) uint8 in ACGT and labels ``y`` (n, T) uint8.

    With ``strand_pairs``, rows ``n/2 + i`` are the reverse complements of rows ``i`` and
    carry the same labels (``n`` must be even).
    """
    rng = np.random.default_rng(seed)
    m = n // 2 if strand_pairs else n
    idx = rng.integers(0, 4, size=(m, L))
    idx[rng.random((m, L)) < n_frac] = 4
    X = np.zeros((m, 4, L), np.uint8)
    for b in range(4):
        X[:, b, :] = idx == b
    y = (rng.random((m, T)) < 0.3).astype(np.uint8)
    if strand_pairs:
        X = np.concatenate([X, X[:, ::-1, ::-1]])
        y = np.concatenate([y, y])
    return np.ascontiguousarray(X), y


def write_v73(path, X, y=None, split: str = "train", *, userblock: bool = True,
              dtype=np.uint8, matlab_class: bool = True) -> Path:  # fmt: skip
    """Write ``X`` (N, 4, L) ACGT and ``y`` (N, T) as MATLAB v7.3 ``train.mat`` does."""
    import h5py

    path = Path(path)
    xa = np.asarray(X)[:, _PERM, :].transpose(2, 1, 0).astype(dtype)  # (L, 4, N) AGCT
    kw = {"userblock_size": 512} if userblock else {}
    with h5py.File(path, "w", **kw) as f:
        d = f.create_dataset(f"{split}xdata", data=xa)
        if matlab_class:
            d.attrs["MATLAB_class"] = np.bytes_("uint8")
        if y is not None:
            dy = f.create_dataset(f"{split}data", data=np.asarray(y).T.astype(dtype))
            if matlab_class:
                dy.attrs["MATLAB_class"] = np.bytes_("uint8")
    if userblock:
        with open(path, "r+b") as fh:
            fh.write(MATLAB_V73_HEADER.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02IM")
    return path


def write_v5(path, X, y=None, split: str = "valid", *, dtype=np.uint8) -> Path:
    """Write ``X`` (N, 4, L) ACGT and ``y`` (N, T) as MATLAB v5 ``valid.mat`` does."""
    import scipy.io

    path = Path(path)
    d = {f"{split}xdata": np.asarray(X)[:, _PERM, :].astype(dtype)}
    if y is not None:
        d[f"{split}data"] = np.asarray(y).astype(dtype)
    scipy.io.savemat(path, d, format="5")
    return path


def write_danq_h5(path, X, key: str = "testxdata") -> Path:
    """Write ``X`` (N, 4, L) ACGT as DanQ's ``example.h5`` (uint8, AGCT, no labels)."""
    import h5py

    path = Path(path)
    with h5py.File(path, "w") as f:
        f.create_dataset(key, data=np.asarray(X)[:, _PERM, :].astype(np.uint8))
    return path
