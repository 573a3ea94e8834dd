"""Packed DeepSEA splits: compact, memory-mappable base indices and bit-packed labels.

``motifscope data pack train.mat --out train.packed`` converts a split once; training then
streams the packed directory instead of the HDF5 file (several times faster, a quarter of
the size or less). A packed directory holds:

``manifest.json``
    ``format`` (``"motifscope-packed"``), ``version``, ``encoding`` (``"uint8"`` or
    ``"2bit"``), ``base_order`` (``"ACGT"``, the order of the stored codes), ``n``,
    ``length``, ``n_targets``, ``labels_encoding``, one entry per data file (``shape``,
    ``dtype``, ``bytes``, ``sha256`` of the whole file) and the ``source`` (path, size,
    container, variables).
``sequences.npy``
    ``encoding="uint8"``: ``uint8`` array of shape ``(n, L)``, one base per byte:
    0, 1, 2, 3 = A, C, G, T and 4 = N (an all-zero one-hot column).
    ``encoding="2bit"``: ``uint8`` array of shape ``(n, ceil(L / 4))``, four bases per
    byte, base ``j`` in bits ``2 (j mod 4)`` and ``2 (j mod 4) + 1`` of byte ``j // 4``
    (first base in the lowest bits); an ``N`` is stored as code 0 and marked in
    ``nmask.npy``.
``nmask.npy`` (``2bit`` only)
    ``uint8`` array of shape ``(n, ceil(L / 8))``: bit ``j mod 8`` (least significant
    first) of byte ``j // 8`` is set where base ``j`` is ``N``.
``labels.npy`` (when the source has labels)
    ``uint8`` array of shape ``(n, ceil(T / 8))``: labels bit-packed with
    ``numpy.packbits(y, axis=1, bitorder="little")``.

All arrays are standard ``.npy`` files, so ``numpy.load(path, mmap_mode="r")`` maps them.
:class:`PackedFile` reads row ranges with ``os.pread`` (no memory map), so streaming a
packed file does not grow the resident memory with the file size.
"""

from __future__ import annotations

import hashlib
import json
import os
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.sequence import from_indices
from motifscope.core.validation import row_range

__all__ = ["ENCODINGS", "PackedFile", "is_packed"]

FORMAT = "motifscope-packed"
VERSION = 1
ENCODINGS = ("uint8", "2bit")
_READ_CHUNK = 65536
# byte -> the four 2-bit codes it holds, lowest bits first
_LUT2 = np.array([[(v >> (2 * k)) & 3 for k in range(4)] for v in range(256)], dtype=np.uint8)


def is_packed(path) -> bool:
    """Return whether ``path`` is a packed directory (holds ``manifest.json``).

    Parameters
    ----------
    path : str or Path

    Returns
    -------
    bool
    """
    p = Path(path)
    return p.is_dir() and (p / "manifest.json").is_file()


# ------------------------------------------------------------------ writing


# ------------------------------------------------------------------ reading


def _npy_offset(path: Path) -> tuple[int, tuple, np.dtype]:
    with open(path, "rb") as fh:
        version = np.lib.format.read_magic(fh)
        if version == (1, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_1_0(fh)
        elif version == (2, 0):
            shape, fortran, dtype = np.lib.format.read_array_header_2_0(fh)
        else:
            raise ValueError(f"unsupported .npy version {version}")
        if fortran:
            raise DataFormatError(f"{path}: is Fortran-ordered; expected a C-ordered array")
        return fh.tell(), tuple(shape), dtype


class PackedFile:
    """Row access to a packed directory written by :func:`pack`.

    Parameters
    ----------
    path : str or Path
        The packed directory.
    verify : bool
        Recompute the sha256 of every data file and compare it with the manifest (reads
        the whole directory once). File sizes are always checked.

    Attributes
    ----------
    path : Path
    manifest : dict
    encoding : str
    n, length, n_targets : int

    Raises
    ------
    DataFormatError
        If the manifest is missing or malformed, a file is missing, has the wrong shape
        or size (truncated), or (with ``verify``) its checksum differs.
    """

    container = "packed"

    def __init__(self, path, *, verify: bool = False):
        self.path = Path(path)
        mpath = self.path / "manifest.json"
        if not mpath.is_file():
            raise DataFormatError(f"{self.path}: no manifest.json; not a packed directory")
        try:
            m = json.loads(mpath.read_text(encoding="utf-8"))
        except (OSError, ValueError, RecursionError) as e:
            raise DataFormatError(f"{mpath}: cannot be parsed as JSON ({e})") from None
        if not isinstance(m, dict) or m.get("format") != FORMAT:
            raise DataFormatError(f"{mpath}: 'format' is not {FORMAT!r}")
        for k in ("version", "encoding", "n", "length", "n_targets", "files", "base_order"):
            if k not in m:
                raise DataFormatError(f"{mpath}: missing key '{k}'")
        if m["version"] != VERSION:
            raise DataFormatError(
                f"{mpath}: version {m['version']}; this motifscope reads version {VERSION}"
            )
        if m["encoding"] not in ENCODINGS:
            raise DataFormatError(f"{mpath}: encoding {m['encoding']!r}; expected {ENCODINGS}")
        if m["base_order"] != "ACGT":
            raise DataFormatError(f"{mpath}: base_order {m['base_order']!r}; expected 'ACGT'")
        for k, least in (("n", 1), ("length", 1), ("n_targets", 0)):
            v = m[k]
            if isinstance(v, bool) or not isinstance(v, int) or v < least:
                raise DataFormatError(f"{mpath}: '{k}' is {v!r}; expected an integer >= {least}")
        if not isinstance(m["files"], dict):
            raise DataFormatError(f"{mpath}: 'files' is {type(m['files']).__name__}; expected "
                                  f"an object of name: {{path, bytes, sha256}}")
        self.manifest = m
        self.encoding = m["encoding"]
        self.n, self.length, self.n_targets = int(m["n"]), int(m["length"]), int(m["n_targets"])
        L, T = self.length, self.n_targets
        want = {"sequences": (self.n, L if self.encoding == "uint8" else -(-L // 4))}
        if self.encoding == "2bit":
            want["nmask"] = (self.n, -(-L // 8))
        if T:
            want["labels"] = (self.n, -(-T // 8))
        self._files = {}
        for name, shape in want.items():
            entry = m["files"].get(name)
            if entry is None:
                raise DataFormatError(f"{mpath}: 'files' has no entry '{name}'")
            rel = entry.get("path") if isinstance(entry, dict) else None
            fp = (self.path / rel).resolve() if isinstance(rel, str) and rel else None
            root = self.path.resolve()
            if fp is None or root not in fp.parents:
                raise DataFormatError(f"{mpath}: 'files.{name}' names {rel!r}; expected the "
                                      f"name of a file inside {self.path}")
            if not fp.is_file():
                raise DataFormatError(f"{self.path}: missing data file {entry['path']}")
            try:
                off, fshape, dtype = _npy_offset(fp)
            except (OSError, ValueError) as e:
                raise DataFormatError(f"{fp}: not a readable .npy file ({e})") from None
            if fshape != shape or dtype != np.uint8:
                raise DataFormatError(
                    f"{fp}: holds {dtype} of shape {fshape}; the manifest expects uint8 {shape}"
                )
            size = fp.stat().st_size
            if size != off + shape[0] * shape[1] or size != entry.get("bytes", size):
                raise DataFormatError(
                    f"{fp}: is {size} bytes; expected {off + shape[0] * shape[1]} (truncated?)"
                )
            if verify:
                h = hashlib.sha256()
                with open(fp, "rb") as fh:
                    for blk in iter(lambda: fh.read(1 << 24), b""):
                        h.update(blk)
                if h.hexdigest() != entry.get("sha256"):
                    raise DataFormatError(f"{fp}: sha256 differs from the manifest (corrupt)")
            self._files[name] = (fp, off, shape[1])
        self._fds: dict = {}
        self._pid = None

    def __repr__(self) -> str:
        return (
            f"PackedFile({str(self.path)!r}, encoding={self.encoding!r}, n={self.n}, "
            f"length={self.length}, n_targets={self.n_targets})"
        )

    @property
    def has_labels(self) -> bool:
        """bool : Whether labels are stored."""
        return self.n_targets > 0

    def memmap(self, name: str = "sequences") -> np.memmap:
        """Memory-map one stored array (read-only).

        Parameters
        ----------
        name : {"sequences", "nmask", "labels"}

        Returns
        -------
        numpy.memmap
            The raw stored array (see the module docstring for its encoding).
        """
        if name not in self._files:
            raise InputError(f"{self.path}: has no array {name!r}; it has {sorted(self._files)}")
        return np.load(self._files[name][0], mmap_mode="r")

    def _fd(self, name: str) -> int:
        if self._pid != os.getpid():
            self._fds, self._pid = {}, os.getpid()
        if name not in self._fds:
            self._fds[name] = os.open(self._files[name][0], os.O_RDONLY)
        return self._fds[name]

    def _pread(self, name: str, a: int, b: int) -> np.ndarray:
        fp, off, w = self._files[name]
        nbytes = (b - a) * w
        arr = np.empty((b - a, w), dtype=np.uint8)
        got = os.preadv(self._fd(name), [arr], off + a * w) if nbytes else 0
        if got != nbytes:
            raise DataFormatError(f"{fp}: short read at rows {a}..{b - 1} (file truncated?)")
        return arr

    def _read_raw(self, a: int, b: int):
        """Stored rows ``a:b``: ``(sequences, nmask or None, labels or None)``."""
        return (
            self._pread("sequences", a, b),
            self._pread("nmask", a, b) if self.encoding == "2bit" else None,
            self._pread("labels", a, b) if self.has_labels else None,
        )

    def _decode_indices(self, seq: np.ndarray, nmask) -> np.ndarray:
        if self.encoding == "uint8":
            return seq
        idx = _LUT2[seq].reshape(seq.shape[0], -1)[:, : self.length]
        if nmask is not None:
            m = np.unpackbits(nmask, axis=1, count=self.length, bitorder="little").view(bool)
            idx[m] = 4
        return idx

    def _convert(self, raw, labels: bool = True):
        seq, nmask, lab = raw
        X = from_indices(self._decode_indices(seq, nmask))
        Y = None
        if labels and lab is not None:
            y = np.unpackbits(lab, axis=1, count=self.n_targets, bitorder="little")
            Y = torch.from_numpy(y).to(torch.float32)
        return X, Y

    def read_indices(self, start: int = 0, stop: int | None = None) -> np.ndarray:
        """Read base indices of rows ``start:stop``.

        Parameters
        ----------
        start, stop : int
            Row range, as in Python slicing.

        Returns
        -------
        numpy.ndarray of shape (n, L), dtype uint8
            0..3 = A, C, G, T; 4 = N.
        """
        a, b = row_range(start, stop, self.n)
        seq, nmask, _ = self._read_raw(a, b)
        return np.array(self._decode_indices(seq, nmask), copy=True)

    def read(self, start: int = 0, stop: int | None = None, *, progress: bool | None = None):
        """Read rows ``start:stop`` as one-hot sequences and labels.

        Parameters
        ----------
        start, stop : int
            Row range, as in Python slicing.
        progress : bool or None
            Show a progress bar (``None``: for more than 65,536 rows).

        Returns
        -------
        X : torch.Tensor of shape (n, 4, L)
            ``float32`` one-hot, bases A, C, G, T.
        y : torch.Tensor of shape (n, T) or None
            ``uint8`` 0/1 labels, or ``None`` without labels.
        """
        a, b = row_range(start, stop, self.n)
        n = b - a
        X = torch.empty((n, 4, self.length), dtype=torch.float32)
        Y = torch.empty((n, self.n_targets), dtype=torch.uint8) if self.has_labels else None
        show = n > _READ_CHUNK if progress is None else progress
        with tqdm(total=n, disable=not show, unit="seq", desc=f"read {self.path.name}") as bar:
            for s in range(a, b, _READ_CHUNK):
                e = min(b, s + _READ_CHUNK)
                raw = self._read_raw(s, e)
                x, y = self._convert(raw)
                X[s - a : e - a] = x
                if Y is not None:
                    Y[s - a : e - a] = y.to(torch.uint8)
                bar.update(e - s)
        return X, Y

    def close(self) -> None:
        """Close the open file descriptors (a later read reopens them)."""
        if self._pid == os.getpid():
            for fd in self._fds.values():
                os.close(fd)
        self._fds = {}

    def __getstate__(self):
        state = self.__dict__.copy()
        state.update(_fds={}, _pid=None)
        return state

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
