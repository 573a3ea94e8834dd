"""Read the DeepSEA bundle (``train.mat``, ``valid.mat``, ``test.mat``) and stream it.

The published files come in two containers, detected from the file's bytes (never from
its name):

- **MATLAB v7.3 = HDF5** (``train.mat``; a 512-byte ``MATLAB 7.3 MAT-file`` header
  precedes the HDF5 superblock). h5py shows MATLAB's dimensions reversed: sequences
  ``trainxdata`` of shape ``(L, 4, N)`` = (1000, 4, 4,400,000) and labels ``traindata`` of
  shape ``(T, N)`` = (919, 4,400,000). Rows are read as slabs ``[:, :, a:b]`` and
  transposed, so only the rows asked for are read.
- **MATLAB v5** (``valid.mat``, ``test.mat``), read by :func:`scipy.io.loadmat`:
  ``validxdata`` / ``testxdata`` of shape ``(N, 4, L)`` and ``validdata`` / ``testdata`` of
  shape ``(N, T)``. scipy cannot read part of a variable, so a v5 file is loaded whole
  (only the two variables used): 8000 rows for ``valid.mat``, about 2.2 GB as uint8 for
  ``test.mat``. Pack it (:mod:`motifscope.io.packed`) to stream it instead.

Plain HDF5 files such as DanQ's ``example.h5`` (``testxdata`` of shape ``(N, 4, L)``, no
labels) are read too, as are packed directories written by ``motifscope data pack``.

The files store the bases in the order **A, G, C, T**; everything returned here is in
**A, C, G, T** (converted with :func:`motifscope.core.sequence.acgt_from_agct`'s permutation).
Orientation of an HDF5 file is decided by the label shape when labels exist (labels
``(T, N)`` mean sequences ``(L, 4, N)``, labels ``(N, T)`` mean ``(N, 4, L)``), otherwise
by the MATLAB header (MATLAB v7.3: ``(L, 4, N)``; plain HDF5: ``(N, 4, L)``).

**Strand pairs.** In the DeepSEA train and test files the second half of the rows holds
the reverse complements of the first half, in the same order; :mod:`motifscope.data.strands`
averages predictions over the two halves (as DanQ and DeepATT evaluate) and checks that a
file or an array follows the convention.

**Training.** :class:`motifscope.data.stream.DeepSEADataset` (its own module) is a
:class:`torch.utils.data.IterableDataset` over :func:`open_deepsea` that never loads the file
whole: it reads contiguous blocks of rows, shuffles block order and rows within a buffer of
blocks each epoch (seeded), and splits the rows between DDP ranks and DataLoader workers.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from motifscope.core.atomic import atomic_write_bytes
from motifscope.core.errors import DataFormatError
from motifscope.core.sequence import from_indices
from motifscope.core.validation import row_range
from motifscope.io.packed import PackedFile

__all__ = [
    "DeepSEAFile",
    "check_01",
    "open_deepsea",
    "read_mat",
    "write_mat_v5",
    "write_mat_v73_header",
]

_AGCT_TO_ACGT = (0, 2, 1, 3)  # output channel c reads file channel _AGCT_TO_ACGT[c]
_READ_CHUNK = 65536  # rows per read when a large range is read whole
_H5_CACHE = 64 * 1024**2  # HDF5 chunk cache per open file (bytes)
# ACGT index of each AGCT channel, minus 4, modulo 256 (see _codes)
_AGCT_WEIGHTS = torch.tensor([(c - 4) % 256 for c in (0, 2, 1, 3)], dtype=torch.uint8).view(1, 4, 1)


# ------------------------------------------------------------------ value checks


def check_01(a: np.ndarray, path, key: str, rows: str) -> np.ndarray:
    """Return ``a`` as uint8 after checking that it holds only 0 and 1.

    Parameters
    ----------
    a : numpy.ndarray
        One-hot sequences or labels as read from a file.
    path : str or Path
        The file, for the message.
    key : str
        The dataset or variable, for the message.
    rows : str
        The rows ``a`` holds (``"0..99"``), for the message.

    Returns
    -------
    numpy.ndarray of uint8

    Raises
    ------
    DataFormatError
        If ``a`` holds a value other than 0 and 1.
    """
    if a.size == 0:
        return a.astype(np.uint8, copy=False)
    if a.dtype == np.uint8 or a.dtype == np.bool_:
        bad = a.max() > 1
    else:
        bad = not bool(np.all((a == 0) | (a == 1)))
    if bad:
        v = a[(a != 0) & (a != 1)].flat[0]
        raise DataFormatError(
            f"{path}: '{key}' holds the value {v.item()!r} in rows {rows}; expected only 0 and 1"
        )
    return a.astype(np.uint8, copy=False)


def _codes(s: np.ndarray, path, key: str, a: int, lcn: bool) -> np.ndarray:
    """Base indices (0..3 = A,C,G,T, 4 = N) of a 0/1 one-hot slab stored A,G,C,T.

    ``s`` is ``(B, 4, L)`` (``lcn=False``) or ``(L, 4, B)`` (``lcn=True``); the result is
    ``(B, L)``. A position with more than one base set raises :class:`DataFormatError`.
    """
    t = torch.from_numpy(s)
    tot = t.sum(1, dtype=torch.uint8)
    if tot.numel() and int(tot.max()) > 1:
        j, i = (int(v) for v in torch.nonzero(tot > 1)[0])
        row, pos = (i, j) if lcn else (j, i)
        raise DataFormatError(
            f"{path}: '{key}' has {int(tot.max())} bases set at one position (row {a + row}, "
            f"position {pos}); expected one-hot columns (at most one 1 among the 4 bases)"
        )
    # 4 + sum_c (code_c - 4) * s_c in wrapping uint8 arithmetic: code_c for a set base,
    # 4 (N) for an all-zero column
    code = (t * _AGCT_WEIGHTS).sum(1, dtype=torch.uint8) + 4
    return (code.t().contiguous() if lcn else code).numpy()


# ------------------------------------------------------------------ the file reader


def _sniff(path: Path) -> str:
    """Return ``"packed"``, ``"hdf5"`` or ``"v5"`` for ``path``, or raise."""
    import h5py

    if path.is_dir():
        if (path / "manifest.json").is_file():
            return "packed"
        raise DataFormatError(
            f"{path}: is a directory without manifest.json; expected a .mat/.h5 file or a "
            "directory written by 'motifscope data pack'"
        )
    if not path.is_file():
        raise DataFormatError(f"{path}: no such file")
    with open(path, "rb") as fh:
        head = fh.read(128)
    try:
        is_h5 = h5py.is_hdf5(str(path))
    except OSError:
        is_h5 = False
    if is_h5:
        return "hdf5"
    if head.startswith(b"MATLAB"):
        if b"7.3" in head[:20]:
            raise DataFormatError(
                f"{path}: has a MATLAB v7.3 header but no readable HDF5 superblock; the file is "
                "truncated or corrupt"
            )
        return "v5"
    raise DataFormatError(
        f"{path}: is not a MAT file (neither HDF5/MATLAB v7.3 nor MATLAB v5; the file starts "
        f"with {head[:16]!r}); expected a DeepSEA train.mat/valid.mat/test.mat or an HDF5 file"
    )


def _pick_keys(path, names: list[str], split, x_key, y_key) -> tuple[str, str | None]:
    if x_key is None:
        if split is not None:
            x_key = f"{split}xdata"
        else:
            cands = [k for k in names if k.endswith("xdata")]
            if not cands:
                raise DataFormatError(
                    f"{path}: no sequence variable '*xdata' (found {sorted(names)}); expected "
                    "trainxdata, validxdata or testxdata"
                )
            if len(cands) > 1:
                raise DataFormatError(
                    f"{path}: several sequence variables {sorted(cands)}; pass split= or x_key="
                )
            x_key = cands[0]
    if x_key not in names:
        raise DataFormatError(f"{path}: missing key '{x_key}' (found {sorted(names)})")
    if y_key is None:
        guess = x_key[: -len("xdata")] + "data" if x_key.endswith("xdata") else None
        y_key = guess if guess in names else None
    elif y_key not in names:
        raise DataFormatError(f"{path}: missing key '{y_key}' (found {sorted(names)})")
    return x_key, y_key


class DeepSEAFile:
    """Random access to the rows of one DeepSEA-format file (read-only).

    Parameters
    ----------
    path : str or Path
        A MATLAB v7.3 (HDF5) or v5 ``.mat`` file, or a plain HDF5 file such as DanQ's
        ``example.h5``.
    split : str or None
        ``"train"``, ``"valid"`` or ``"test"``: read ``<split>xdata`` and ``<split>data``.
        ``None`` picks the only ``*xdata`` variable in the file.
    x_key, y_key : str or None
        Explicit variable names; they override ``split``. Without a label variable the
        file has no labels (:attr:`has_labels` is False).

    Attributes
    ----------
    path : Path
    container : str
        ``"hdf5-matlab"`` (v7.3), ``"hdf5"`` (plain) or ``"mat-v5"``.
    layout : str
        ``"LCN"`` (sequences stored ``(L, 4, N)``, labels ``(T, N)``) or ``"NCL"``.
    x_key, y_key : str, str or None
    n, length, n_targets : int
        Rows, sequence length ``L`` and label count ``T`` (0 without labels).

    Notes
    -----
    The HDF5 handle is opened lazily in each process (safe with forked DataLoader workers).
    A v5 file is loaded whole when opened.
    """

    def __init__(self, path, *, split: str | None = None, x_key=None, y_key=None):
        self.path = Path(path)
        kind = _sniff(self.path)
        if kind == "packed":
            raise DataFormatError(
                f"{self.path}: is a packed directory; open it with "
                "motifscope.io.packed.PackedFile or open_deepsea()"
            )
        self._split, self._xk, self._yk = split, x_key, y_key
        self._pid = None
        self._h5 = None
        if kind == "hdf5":
            self._open_h5()
        else:
            self._open_v5()

    # -- opening
    def _open_h5(self) -> None:
        import h5py

        try:
            f = h5py.File(self.path, "r", rdcc_nbytes=_H5_CACHE)
        except OSError as e:
            raise DataFormatError(
                f"{self.path}: cannot be opened as HDF5 ({e}); the file is truncated or corrupt"
            ) from None
        first = self._pid is None
        self._h5, self._pid = f, os.getpid()
        if not first:
            self._x, self._y = f[self.x_key], (f[self.y_key] if self.y_key else None)
            return
        try:
            names = [k for k in f if isinstance(f.get(k), h5py.Dataset)]
        except (OSError, RuntimeError, KeyError) as e:
            raise DataFormatError(f"{self.path}: cannot list the HDF5 variables ({e})") from None
        self.x_key, self.y_key = _pick_keys(self.path, names, self._split, self._xk, self._yk)
        self._x = f[self.x_key]
        self._y = f[self.y_key] if self.y_key else None
        ub = f.userblock_size
        matlab = "MATLAB_class" in self._x.attrs
        if ub:
            with open(self.path, "rb") as fh:
                matlab = matlab or fh.read(6) == b"MATLAB"
        self.container = "hdf5-matlab" if matlab else "hdf5"
        self._orient(tuple(self._x.shape), None if self._y is None else tuple(self._y.shape))

    def _open_v5(self) -> None:
        import scipy.io

        try:
            info = scipy.io.whosmat(str(self.path))
        except Exception as e:  # scipy raises many types on corrupt files
            raise DataFormatError(
                f"{self.path}: cannot be read as a MATLAB v5 file ({e}); the file is truncated "
                "or corrupt"
            ) from None
        names = [i[0] for i in info]
        self.x_key, self.y_key = _pick_keys(self.path, names, self._split, self._xk, self._yk)
        keys = [self.x_key] + ([self.y_key] if self.y_key else [])
        try:
            m = scipy.io.loadmat(str(self.path), variable_names=keys)
        except Exception as e:
            raise DataFormatError(
                f"{self.path}: cannot be read as a MATLAB v5 file ({e}); the file is truncated "
                "or corrupt"
            ) from None
        for k in keys:
            if k not in m:
                raise DataFormatError(f"{self.path}: missing key '{k}' (found {names})")
        import scipy.sparse

        for k in keys:  # MATLAB sparse matrices (2-D only): labels may be stored so
            if scipy.sparse.issparse(m[k]):
                m[k] = m[k].toarray()
        self._x = m[self.x_key]
        self._y = m[self.y_key] if self.y_key else None
        for k, a in ((self.x_key, self._x), (self.y_key, self._y)):
            if a is not None and (a.dtype.kind not in "biuf"):
                raise DataFormatError(
                    f"{self.path}: '{k}' has MATLAB type {a.dtype}; expected a numeric array"
                )
        self.container = "mat-v5"
        self._pid = os.getpid()
        self._orient(tuple(self._x.shape), None if self._y is None else tuple(self._y.shape))

    def _orient(self, xs: tuple, ys: tuple | None) -> None:
        p, xk, yk = self.path, self.x_key, self.y_key
        h5 = self.container.startswith("hdf5")
        if len(xs) != 3 or xs[1] != 4:
            want = "(N, 4, L)" + (" or, for MATLAB v7.3 as h5py shows it, (L, 4, N)" if h5 else "")
            raise DataFormatError(
                f"{p}: '{xk}' has shape {xs}; expected {want} with the 4 bases (A,G,C,T) on "
                "axis 1 (is the array transposed?)"
            )
        if ys is not None and len(ys) != 2:
            raise DataFormatError(f"{p}: '{yk}' has shape {ys}; expected a 2-D label matrix")
        if not h5:
            layout = "NCL"
            if ys is not None and ys[0] != xs[0]:
                hint = " (the labels look transposed)" if ys[1] == xs[0] else ""
                raise DataFormatError(
                    f"{p}: '{yk}' has shape {ys} but '{xk}' has {xs[0]} sequences; expected "
                    f"'{yk}' of shape ({xs[0]}, T){hint}"
                )
        else:
            a, _, b = xs
            if ys is None:
                layout = "LCN" if self.container == "hdf5-matlab" else "NCL"
            else:
                ok_ncl, ok_lcn = ys[0] == a, ys[1] == b
                if ok_ncl and ok_lcn:
                    layout = "LCN" if self.container == "hdf5-matlab" else "NCL"
                elif ok_lcn:
                    layout = "LCN"
                elif ok_ncl:
                    layout = "NCL"
                else:
                    raise DataFormatError(
                        f"{p}: the label count does not match the sequence count: '{yk}' has "
                        f"shape {ys} and '{xk}' has shape {xs}; expected '{yk}' of shape "
                        f"(T, {b}) for sequences (L, 4, N={b}) or ({a}, T) for (N={a}, 4, L)"
                    )
        self.layout = layout
        if layout == "LCN":
            self.length, self.n = xs[0], xs[2]
            self.n_targets = 0 if ys is None else ys[0]
        else:
            self.n, self.length = xs[0], xs[2]
            self.n_targets = 0 if ys is None else ys[1]
        if self.n == 0 or self.length == 0:
            raise DataFormatError(
                f"{p}: '{xk}' has shape {xs}: {self.n} sequences of {self.length} bp; expected "
                "at least one sequence of at least one base"
            )
        if ys is not None and self.n_targets == 0:
            raise DataFormatError(f"{p}: '{yk}' has shape {ys}: no targets; expected (N, T) "
                                  "labels with T >= 1")

    def _ensure_open(self) -> None:
        if self.container.startswith("hdf5") and (self._h5 is None or self._pid != os.getpid()):
            self._open_h5()

    def __getstate__(self):
        state = self.__dict__.copy()
        if self.container.startswith("hdf5"):
            state.update(_h5=None, _x=None, _y=None)
        return state

    def close(self) -> None:
        """Close the HDF5 handle (a later read reopens it)."""
        if self._h5 is not None and self._pid == os.getpid():
            self._h5.close()
        self._h5 = None

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()

    def __repr__(self) -> str:
        return (
            f"DeepSEAFile({str(self.path)!r}, container={self.container!r}, x_key={self.x_key!r}, "
            f"y_key={self.y_key!r}, n={self.n}, length={self.length}, n_targets={self.n_targets})"
        )

    @property
    def has_labels(self) -> bool:
        """bool : Whether the file holds a label variable."""
        return self.y_key is not None

    # -- reading
    def _read_raw(self, a: int, b: int):
        """Read rows ``a:b`` as ``(idx uint8 (B, L), y uint8 (B, T) or None)``.

        ``idx`` holds base indices 0..3 = A, C, G, T and 4 = N. Values are checked to be
        0/1 and positions to hold at most one base.
        """
        self._ensure_open()
        rows = f"{a}..{b - 1}"
        lcn = self.layout == "LCN"
        try:
            slab = self._x[:, :, a:b] if lcn else np.asarray(self._x[a:b])  # (L,4,B) / (B,4,L)
            y = None
            if self._y is not None:
                y = self._y[:, a:b] if lcn else np.asarray(self._y[a:b])
        except (OSError, RuntimeError) as e:
            raise DataFormatError(
                f"{self.path}: reading rows {rows} failed ({e}); the file is truncated or corrupt"
            ) from None
        slab = np.ascontiguousarray(check_01(slab, self.path, self.x_key, rows))
        idx = _codes(slab, self.path, self.x_key, a, lcn)
        if y is not None:
            y = np.ascontiguousarray(check_01(y, self.path, self.y_key, rows))
            y = torch.from_numpy(y).t().contiguous().numpy() if lcn else y
        return idx, y

    @staticmethod
    def _convert(raw, labels: bool = True):
        idx, y = raw
        Y = torch.from_numpy(y).to(torch.float32) if (labels and y is not None) else None
        return from_indices(idx), Y

    def read(self, start: int = 0, stop: int | None = None, *, progress: bool | None = None):
        """Read rows ``start:stop`` (both strands as stored).

        Parameters
        ----------
        start, stop : int
            Row range, as in Python slicing (``stop`` is clipped to :attr:`n`; ``None``
            reads to the end).
        progress : bool or None
            Show a progress bar; ``None`` shows one for more than 65,536 rows.

        Returns
        -------
        X : torch.Tensor of shape (n, 4, L)
            ``float32`` one-hot sequences, bases A, C, G, T; ``N`` is an all-zero column.
        y : torch.Tensor of shape (n, T) or None
            ``uint8`` labels (0/1; call ``.float()`` for a loss), or ``None`` when the
            file has no labels.

        Raises
        ------
        DataFormatError
            If a value is not 0/1, a position has several bases set, or the file cannot
            be read.
        """
        a, b = row_range(start, stop, self.n)
        n = b - a
        X = torch.empty((n, 4, self.length), dtype=torch.float32)
        Y = torch.empty((n, self.n_targets), dtype=torch.uint8) if self.has_labels else None
        show = n > _READ_CHUNK if progress is None else progress
        with tqdm(total=n, disable=not show, unit="seq", desc=f"read {self.path.name}") as bar:
            for s in range(a, b, _READ_CHUNK):
                e = min(b, s + _READ_CHUNK)
                idx, y = self._read_raw(s, e)
                X[s - a : e - a] = from_indices(idx)
                if Y is not None:
                    Y[s - a : e - a] = torch.from_numpy(y)
                bar.update(e - s)
        return X, Y


def open_deepsea(path, *, split: str | None = None, x_key=None, y_key=None):
    """Open a DeepSEA-format file or a packed directory for row access.

    Parameters
    ----------
    path : str or Path
        A ``.mat`` (v7.3 or v5) or HDF5 file, or a directory written by
        ``motifscope data pack``.
    split, x_key, y_key : str or None
        Variable selection, see :class:`DeepSEAFile` (ignored for packed directories).

    Returns
    -------
    DeepSEAFile or motifscope.io.packed.PackedFile
        Both have ``n``, ``length``, ``n_targets``, ``has_labels`` and
        ``read(start, stop) -> (X, y)``.
    """
    p = Path(path)
    if p.is_dir():
        if not (p / "manifest.json").is_file():
            _sniff(p)  # raises the directory error
        return PackedFile(p)
    return DeepSEAFile(p, split=split, x_key=x_key, y_key=y_key)


def read_mat(path, *, start: int = 0, stop: int | None = None, split: str | None = None,
             x_key: str | None = None, y_key: str | None = None):  # fmt: skip
    """Read rows of a DeepSEA split file (``train.mat``, ``valid.mat``, ``test.mat``).

    Parameters
    ----------
    path : str or Path
        MATLAB v7.3 (HDF5, like ``train.mat``) or v5 (like ``valid.mat``/``test.mat``);
        the container and the variable prefix are detected from the file. Plain HDF5
        files with ``testxdata`` of shape ``(N, 4, L)`` (DanQ's ``example.h5``) and packed
        directories (``motifscope data pack``) are read too.
    start, stop : int
        Rows to read, as in Python slicing. From HDF5 and packed files only these rows
        are read; a v5 file is loaded whole by scipy and then sliced.
    split : str or None
        ``"train"``, ``"valid"`` or ``"test"`` to choose the variables explicitly.
    x_key, y_key : str or None
        Explicit variable names (override ``split``).

    Returns
    -------
    X : torch.Tensor of shape (n, 4, L)
        ``float32`` one-hot, bases **A, C, G, T** (converted from the files' A, G, C, T).
    y : torch.Tensor of shape (n, T) or None
        ``uint8`` 0/1 labels (compact: the test set is 455,024 × 919); ``None`` when
        the file has no label variable.

    Raises
    ------
    DataFormatError
        Naming the file and variable: not a MAT/HDF5 file, truncated or corrupt file,
        missing key, wrong shape or axis, values other than 0/1, label count different
        from the sequence count.

    Examples
    --------
    >>> X, y = read_mat("valid.mat")                        # doctest: +SKIP
    >>> X, y = read_mat("train.mat", start=0, stop=10_000)  # doctest: +SKIP
    """
    f = open_deepsea(path, split=split, x_key=x_key, y_key=y_key)
    try:
        return f.read(start, stop)
    finally:
        f.close()


# ----------------------------------------------------------------------------- writing
_MAT5_TEXT = b"MATLAB 5.0 MAT-file, written by motifscope"
_MAT73_TEXT = b"MATLAB 7.3 MAT-file, Platform: GLNXA64, written by motifscope, HDF5 schema 1.00 ."


def write_mat_v5(path, arrays: dict) -> Path:
    """Write arrays as a MATLAB v5 file (DeepSEA's ``valid.mat``/``test.mat`` container).

    The 116-byte text header carries no time stamp, so equal arrays give equal bytes.

    Parameters
    ----------
    path : str or os.PathLike
        Destination (written atomically).
    arrays : dict of str to numpy.ndarray
        Variables, e.g. ``{"testxdata": X (N, 4, L) uint8 A,G,C,T, "testdata": y (N, T)}``.

    Returns
    -------
    pathlib.Path
    """
    import io

    from scipy.io import savemat

    buf = io.BytesIO()
    savemat(buf, arrays, do_compression=False, oned_as="column")
    data = bytearray(buf.getvalue())
    data[:116] = _MAT5_TEXT.ljust(116, b" ")  # drop scipy's "Created on: <time>"
    return atomic_write_bytes(path, bytes(data))


def write_mat_v73_header(path) -> None:
    """Stamp the MATLAB v7.3 header into the 512-byte user block of an HDF5 file.

    DeepSEA's ``train.mat`` is HDF5 with this header; write the file with h5py
    (``userblock_size=512``) first.

    Parameters
    ----------
    path : str or os.PathLike
        The HDF5 file, modified in place.
    """
    header = _MAT73_TEXT.ljust(116, b" ") + b"\x00" * 8 + b"\x00\x02" + b"IM"
    with open(path, "r+b") as fh:
        fh.write(header)
