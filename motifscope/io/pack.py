"""Converting a DeepSEA split into the packed layout (``motifscope data pack``).

:func:`pack` streams any split :class:`~motifscope.io.deepsea.DeepSEAFile` reads into the
directory :class:`~motifscope.io.packed.PackedFile` reads: base indices (one byte per base,
or 2 bits plus an N mask) and bit-packed labels, with a manifest of checksums, written
under a temporary name and renamed when complete.
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
from tqdm.auto import tqdm

from motifscope import __version__
from motifscope.core.errors import InputError
from motifscope.io.deepsea import DeepSEAFile
from motifscope.io.packed import ENCODINGS, FORMAT, VERSION, is_packed

__all__ = ["pack"]


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
