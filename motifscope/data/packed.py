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
import io
import json
import os
import shutil
import time
import uuid
from pathlib import Path

import numpy as np
import torch
from tqdm.auto import tqdm

from motifscope._validation import row_range
from motifscope.errors import DataFormatError, InputError
from motifscope.sequence import from_indices

__all__ = ["ENCODINGS", "PackedFile", "is_packed", "pack"]

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


class _NpyWriter:
    """Write a C-ordered uint8 ``.npy`` file row block by row block, hashing as it goes."""

    def __init__(self, path: Path, shape: tuple[int, int]):
        self.path, self.shape = path, shape
        self.sha = hashlib.sha256()
        hdr = io.BytesIO()
        np.lib.format.write_array_header_1_0(
            hdr, {"descr": "|u1", "fortran_order": False, "shape": tuple(int(s) for s in shape)}
        )
        self.fh = open(path, "wb")
        self._write(hdr.getvalue())
        self.rows = 0

    def _write(self, b: bytes) -> None:
        self.fh.write(b)
        self.sha.update(b)

    def write(self, block: np.ndarray) -> None:
        assert block.dtype == np.uint8 and block.shape[1:] == self.shape[1:]  # internal
        self._write(np.ascontiguousarray(block).tobytes())
        self.rows += block.shape[0]

    def close(self) -> dict:
        self.fh.flush()
        os.fsync(self.fh.fileno())
        self.fh.close()
        if self.rows != self.shape[0]:  # pragma: no cover - internal consistency
            raise RuntimeError(f"{self.path}: wrote {self.rows} rows, expected {self.shape[0]}")
        return {
            "path": self.path.name,
            "dtype": "uint8",
            "shape": list(self.shape),
            "bytes": self.path.stat().st_size,
            "sha256": self.sha.hexdigest(),
        }


def _pack2(code: np.ndarray) -> np.ndarray:
    B, L = code.shape
    pad = (-L) % 4
    if pad:
        code = np.concatenate([code, np.zeros((B, pad), np.uint8)], axis=1)
    c = code.reshape(B, -1, 4)
    return (c[:, :, 0] | (c[:, :, 1] << 2) | (c[:, :, 2] << 4) | (c[:, :, 3] << 6)).astype(np.uint8)


def pack(src, out, *, split: str | None = None, encoding: str = "uint8", chunk: int = 65536,
         overwrite: bool = False, progress: bool | None = None) -> Path:  # fmt: skip
    """Convert a DeepSEA split into a packed directory, streaming and atomically.

    Parameters
    ----------
    src : str or Path
        ``train.mat`` / ``valid.mat`` / ``test.mat`` (either container) or a DanQ-style
        HDF5 file.
    out : str or Path
        The directory to create. It is written under a temporary name beside ``out`` and
        renamed when complete.
    split : str or None
        Variable prefix (``"train"``, ``"valid"``, ``"test"``); detected when ``None``.
    encoding : {"uint8", "2bit"}
        One base per byte, or four bases per byte plus an N bit mask.
    chunk : int
        Rows read and written per step (memory is about ``chunk * 5 * (L + T)`` bytes).
    overwrite : bool
        Replace an existing ``out``.
    progress : bool or None
        Show a progress bar (``None``: when there are more rows than ``chunk``).

    Returns
    -------
    Path
        ``out``.

    Raises
    ------
    InputError
        If ``encoding`` or ``chunk`` is invalid, or ``out`` exists without ``overwrite``.
    DataFormatError
        If the source is not a valid DeepSEA file (every row is checked: values 0/1, at
        most one base per position).
    """
    from motifscope import __version__
    from motifscope.data.deepsea import DeepSEAFile

    if encoding not in ENCODINGS:
        raise InputError(f"encoding={encoding!r}; expected one of {', '.join(ENCODINGS)}")
    if isinstance(chunk, bool) or int(chunk) < 1:
        raise InputError(f"chunk={chunk}; expected a positive number of rows")
    chunk = int(chunk)
    src, out = Path(src), Path(out)
    if is_packed(src):
        raise InputError(f"{src}: is already a packed directory")
    if out.exists() and not overwrite:
        raise InputError(f"{out}: already exists; pass overwrite=True (--force) to replace it")
    f = DeepSEAFile(src, split=split)
    n, L, T = f.n, f.length, f.n_targets
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.parent / f".{out.name}.tmp-{uuid.uuid4().hex[:8]}"
    tmp.mkdir()
    t0 = time.perf_counter()
    try:
        seq_shape = (n, L) if encoding == "uint8" else (n, -(-L // 4))
        seq_w = _NpyWriter(tmp / "sequences.npy", seq_shape)
        nm_w = _NpyWriter(tmp / "nmask.npy", (n, -(-L // 8))) if encoding == "2bit" else None
        lab_w = _NpyWriter(tmp / "labels.npy", (n, -(-T // 8))) if f.has_labels else None
        n_unknown = 0
        show = n > chunk if progress is None else progress
        with tqdm(total=n, disable=not show, unit="seq", desc=f"pack {src.name}") as bar:
            for a in range(0, n, chunk):
                b = min(n, a + chunk)
                idx, y = f._read_raw(a, b)
                is_n = idx == 4
                n_unknown += int(is_n.sum())
                if encoding == "uint8":
                    seq_w.write(idx)
                else:
                    seq_w.write(_pack2(np.where(is_n, 0, idx).astype(np.uint8)))
                    nm_w.write(np.packbits(is_n, axis=1, bitorder="little"))
                if lab_w is not None:
                    lab_w.write(np.packbits(y, axis=1, bitorder="little"))
                bar.update(b - a)
        files = {"sequences": seq_w.close()}
        if nm_w is not None:
            files["nmask"] = nm_w.close()
        if lab_w is not None:
            files["labels"] = lab_w.close()
        st = src.stat()
        manifest = {
            "format": FORMAT,
            "version": VERSION,
            "encoding": encoding,
            "base_order": "ACGT",
            "unknown_base": "code 4" if encoding == "uint8" else "nmask bit",
            "n": n,
            "length": L,
            "n_targets": T,
            "labels_encoding": "packbits-little" if f.has_labels else None,
            "n_unknown_bases": n_unknown,
            "files": files,
            "source": {
                "path": str(src.resolve()),
                "bytes": st.st_size,
                "mtime": st.st_mtime,
                "container": f.container,
                "layout": f.layout,
                "x_key": f.x_key,
                "y_key": f.y_key,
                "base_order": "AGCT",
            },
            "created_with": f"motifscope {__version__}",
            "seconds": round(time.perf_counter() - t0, 3),
        }
        with open(tmp / "manifest.json", "w") as fh:
            json.dump(manifest, fh, indent=2)
            fh.write("\n")
        f.close()
        if out.exists():
            trash = out.parent / f".{out.name}.old-{uuid.uuid4().hex[:8]}"
            os.replace(out, trash)
            os.replace(tmp, out)
            if trash.is_dir():
                shutil.rmtree(trash, ignore_errors=True)
            else:
                trash.unlink()
        else:
            os.replace(tmp, out)
    except BaseException:
        f.close()
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out


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
