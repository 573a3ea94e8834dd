"""Shared parts of the weight converters: reading source files safely, checking each
tensor against the shape the zoo architecture expects, and writing the run directory
in one step (a temporary folder renamed into place)."""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import torch

from motifscope.core.errors import InputError, RunDirError
from motifscope.runs.directory import load_state_dict

__all__ = [
    "Converted",
    "TensorMap",
    "channel_to_time_major",
    "fill_state",
    "read_torch_state",
    "reorder_bases",
    "sha256",
    "write_run_atomically",
]

#: Index of A, C, G, T in a source whose channels are A, G, C, T (DeepSEA, Torch7 Kipoi).
AGCT_TO_ACGT = (0, 2, 1, 3)


@dataclass
class Converted:
    """The result of one converter, before anything is written.

    Attributes
    ----------
    model : str
        Zoo name of the architecture.
    overrides : dict
        ``zoo.build`` keyword arguments that reproduce the source's semantics.
    state_dict : dict of str to torch.Tensor
        Weights in the zoo model's own keys and layouts (A,C,G,T; time-major flatten).
    info : dict
        What the converter found and changed (``source_base_order``, ``changes``, ...);
        written to the ``[import]`` table of ``config.toml``.
    architecture : dict or None
        ``registered`` and ``arguments``: the network as the source built it (a
        ``motifscope export`` card stores them), built without reading the card; ``None``:
        build the zoo card ``model`` with ``overrides``.
    """

    model: str
    overrides: dict
    state_dict: dict
    info: dict = field(default_factory=dict)
    architecture: dict | None = None


@dataclass
class TensorMap:
    """One source tensor → one zoo tensor.

    Attributes
    ----------
    src : str
        Key (or name) of the tensor in the source file.
    dst : str
        Key in the zoo model's ``state_dict``.
    src_shape : tuple of int
        The shape the source must have.
    fn : callable or None
        ``fn(array) -> array`` of the zoo layout (``None``: copy).
    """

    src: str
    dst: str
    src_shape: tuple
    fn: Callable | None = None


def sha256(path: str | os.PathLike) -> str:
    """Hex SHA-256 of a file, read in 8 MiB blocks.

    Parameters
    ----------
    path : str or os.PathLike
        The file.

    Returns
    -------
    str
        64 hex digits.
    """
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for block in iter(lambda: fh.read(8 << 20), b""):
            h.update(block)
    return h.hexdigest()


def read_torch_state(path: Path) -> dict:
    """Read a PyTorch state dict with ``weights_only=True`` (no arbitrary unpickling).

    Parameters
    ----------
    path : pathlib.Path
        A ``.pth``/``.pt`` file holding a dict of tensors (or ``{"state_dict": ...}``).

    Returns
    -------
    dict of str to torch.Tensor

    Raises
    ------
    InputError
        If the file cannot be read as a state dict or holds something else.
    """

    try:  # the one weights_only reader (also refuses NaN/inf weights)
        obj = load_state_dict(path)
    except RunDirError as e:
        raise InputError(f"{e}; expected a PyTorch state dict (a dict of tensors)") from None
    if not all(isinstance(v, torch.Tensor) for v in obj.values()):
        raise InputError(f"{path}: expected a state dict (a dict of tensors), "
                         f"found other values")
    return dict(obj)


def reorder_bases(w: np.ndarray, order: str) -> np.ndarray:
    """Permute the input-channel axis (axis 1) of a first-layer weight to A,C,G,T.

    Parameters
    ----------
    w : numpy.ndarray of shape (out, 4, ...)
        The source's first convolution.
    order : {"ACGT", "AGCT"}
        The source's base order.

    Returns
    -------
    numpy.ndarray of the same shape
        Channels in A, C, G, T order.
    """
    if order == "ACGT":
        return w
    if order == "AGCT":
        return w[:, list(AGCT_TO_ACGT)]
    raise InputError(f"base order {order!r} is unknown; expected 'ACGT' or 'AGCT'")


def channel_to_time_major(w: np.ndarray, channels: int, length: int) -> np.ndarray:
    """Reorder the columns of a dense weight from a channel-major flatten to time-major.

    Torch7's ``nn.Reshape`` and PyTorch's ``view`` on ``(N, C, L)`` number the inputs
    ``c · L + t``; the zoo models flatten ``(N, L, C)``, numbering them ``t · C + c``.

    Parameters
    ----------
    w : numpy.ndarray of shape (out, channels * length)
        Columns in channel-major order.
    channels, length : int
        The feature map's channels ``C`` and length ``L``.

    Returns
    -------
    numpy.ndarray of shape (out, channels * length)
        Columns in time-major order.
    """
    out = w.shape[0]
    return w.reshape(out, channels, length).transpose(0, 2, 1).reshape(out, channels * length)


def fill_state(target: dict, source: dict, maps: list[TensorMap], path: Path, *,
               hint: Callable[[str], str] | None = None, ignore=()) -> dict:
    """Build a zoo state dict from source tensors, checking every key and shape.

    Parameters
    ----------
    target : dict of str to torch.Tensor
        The zoo model's ``state_dict()`` (gives dtype and the expected zoo shapes).
    source : dict of str to array-like
        The source file's tensors.
    maps : list of TensorMap
        Which source tensor fills which zoo tensor.
    path : pathlib.Path
        The source file, for messages.
    hint : callable, optional
        ``hint(src_key)`` appended to a shape error (e.g. how ``seq_len`` sets a shape).
    ignore : iterable of str
        Key suffixes of source tensors that are not needed (``num_batches_tracked``).

    Returns
    -------
    dict of str to torch.Tensor
        Every key of ``target``, filled.

    Raises
    ------
    InputError
        Naming the tensor, the shape found and the shape expected; or a missing or
        unexpected tensor.
    """
    missing = [m.src for m in maps if m.src not in source]
    if missing:
        more = f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        raise InputError(f"{path}: tensor '{missing[0]}' is missing (also missing: "
                         f"{', '.join(missing[1:3]) or 'none'}{more}); found keys "
                         f"{', '.join(list(source)[:4])}{' ...' if len(source) > 4 else ''}")
    used = {m.src for m in maps}
    extra = [k for k in source if k not in used and not k.endswith(tuple(ignore))]
    if extra:
        raise InputError(f"{path}: unexpected tensor '{extra[0]}' "
                         f"({len(extra)} not in the expected layout)")
    out = {}
    for m in maps:
        arr = np.asarray(source[m.src].numpy() if isinstance(source[m.src], torch.Tensor)
                         else source[m.src])
        if tuple(arr.shape) != tuple(m.src_shape):
            extra_hint = f"; {hint(m.src)}" if hint is not None and hint(m.src) else ""
            raise InputError(f"{path}: tensor '{m.src}' has shape {tuple(arr.shape)}, "
                             f"expected {tuple(m.src_shape)}{extra_hint}")
        if not np.isfinite(arr).all():
            raise InputError(f"{path}: tensor '{m.src}' holds NaN or inf values")
        val = m.fn(arr) if m.fn is not None else arr
        ref = target[m.dst]
        out[m.dst] = torch.as_tensor(np.ascontiguousarray(val), dtype=ref.dtype).reshape(ref.shape)
    for k, v in target.items():  # BN step counters: absent from Torch7-converted files
        if k.endswith("num_batches_tracked"):
            out.setdefault(k, v)
    absent = [k for k in target if k not in out]
    if absent:  # a converter bug, not a user error
        raise RuntimeError(f"converter left zoo tensors unset: {absent[:3]}")
    return out


def write_run_atomically(out: Path, write: Callable[[Path], None]) -> Path:
    """Create run directory ``out`` by writing into a temporary sibling and renaming it.

    Parameters
    ----------
    out : pathlib.Path
        Must not exist, or be an empty folder.
    write : callable
        ``write(tmp_dir)`` writes every file.

    Returns
    -------
    pathlib.Path
        ``out``.

    Raises
    ------
    InputError
        If ``out`` exists and is not an empty folder. On any failure nothing is left.
    """
    out = Path(out)
    if out.exists() and (not out.is_dir() or any(out.iterdir())):
        raise InputError(f"{out}: already exists and is not an empty folder; "
                         f"choose a new --out")
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out.name}.", suffix=".importing", dir=out.parent))
    try:
        write(tmp)
        if out.exists():
            out.rmdir()
        os.rename(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out
