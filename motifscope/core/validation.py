"""Argument checks shared by every public entry point.

Each check raises :class:`motifscope.core.errors.InputError` with a message that names the
argument, what was found and what was expected.
"""

from __future__ import annotations

import numpy as np
import torch

from motifscope.core.atomic import can_create_in
from motifscope.core.errors import DataFormatError, InputError

__all__ = [
    "as_tensor",
    "check_model_input",
    "check_one_hot",
    "check_output",
    "check_ppm",
    "row_range",
]


def as_tensor(X, name: str = "X", dtype=torch.float32) -> torch.Tensor:
    """Return ``X`` as a tensor of ``dtype`` (no copy when it already is one).

    Parameters
    ----------
    X : array-like
        A numpy array or torch tensor.
    name : str
        The argument's name, used in error messages.
    dtype : torch.dtype
        The dtype of the returned tensor.

    Returns
    -------
    torch.Tensor
        ``X`` converted to ``dtype``.
    """
    if isinstance(X, torch.Tensor):
        return X.to(dtype)
    if isinstance(X, np.ndarray):
        return torch.from_numpy(np.ascontiguousarray(X)).to(dtype)
    raise InputError(f"{name} must be a torch.Tensor or numpy.ndarray, got {type(X).__name__}")


def check_one_hot(X, name: str = "X", *, allow_n: bool = True, exact: bool = False) -> None:
    """Check that ``X`` has shape ``(N, 4, L)``.

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        Sequences, one-hot along axis 1 in the order A, C, G, T.
    name : str
        The argument's name, used in error messages.
    allow_n : bool
        With ``exact``, accept all-zero columns (``N``).
    exact : bool
        Also check that every column is one-hot (values 0/1, at most one 1). This reads
        the whole array, so it is off by default.

    Raises
    ------
    InputError
        If the shape or (with ``exact``) the values are wrong.
    """
    shape = tuple(X.shape)
    if len(shape) != 3 or shape[1] != 4:
        raise InputError(
            f"{name} has shape {shape} but must have shape (N, 4, L) with bases A,C,G,T on axis 1"
        )
    if exact:
        a = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
        if not np.isin(a, (0, 1)).all():
            raise InputError(f"{name} must be one-hot (values 0 or 1); found other values")
        s = a.sum(axis=1)
        if (s > 1).any() or (not allow_n and (s == 0).any()):
            expected = "exactly one" if not allow_n else "at most one"
            raise InputError(f"{name} must have {expected} 1 per position on axis 1")


def check_ppm(P, name: str = "ppm", *, atol: float = 1e-3) -> None:
    """Check that ``P`` is a position probability matrix of shape ``(4, w)``.

    Parameters
    ----------
    P : numpy.ndarray of shape (4, w)
        Probabilities of A, C, G, T (rows) at each position (columns).
    name : str
        The argument's name, used in error messages.
    atol : float
        Tolerance on each column summing to 1.

    Raises
    ------
    InputError
        If the shape is wrong, a value is negative or a column does not sum to 1.
    """
    P = np.asarray(P)
    if P.ndim != 2 or P.shape[0] != 4 or P.shape[1] < 1:
        raise InputError(f"{name} has shape {P.shape} but must have shape (4, w) with w >= 1")
    if not np.isfinite(P).all() or (P < 0).any():
        raise InputError(f"{name} must hold finite non-negative probabilities")
    bad = np.abs(P.sum(0) - 1) > atol
    if bad.any():
        j = int(np.argmax(bad))
        raise InputError(f"{name} column {j} sums to {P[:, j].sum():.4f}, expected 1")


def row_range(start, stop, n: int) -> tuple[int, int]:
    """Check a ``[start, stop)`` row range against a source of ``n`` rows.

    Parameters
    ----------
    start : int
        First row (0-based, not negative).
    stop : int or None
        One past the last row; ``None`` means ``n``; values past ``n`` are clipped to ``n``.
    n : int
        Rows in the source.

    Returns
    -------
    tuple of int
        ``(start, stop)`` with ``0 <= start <= stop <= n``.
    """
    if stop is None:
        stop = n
    for name, v in (("start", start), ("stop", stop)):
        if isinstance(v, bool) or not hasattr(v, "__index__"):
            raise InputError(f"{name} must be an int, got {type(v).__name__}")
    start, stop = int(start), int(stop)
    if start < 0 or stop < 0:
        raise InputError(f"start={start}, stop={stop}: negative row numbers are not supported")
    stop = min(stop, n)
    if start > stop:
        raise InputError(f"start={start} is after stop={stop} (the file has {n} rows)")
    return start, stop


def check_output(path, name: str = "out", *, directory: bool = False) -> None:
    """Check, before any work starts, that ``path`` can be written.

    Parameters
    ----------
    path : str or os.PathLike
        A file to write (``directory=False``) or a folder to create or fill.
    name : str
        The argument or option named in the message (e.g. ``"--out"``).
    directory : bool
        Whether ``path`` is a folder.

    Raises
    ------
    InputError
        If a file is expected and ``path`` is a directory (or the reverse), a parent of
        ``path`` is a regular file, or no file can be created in the nearest existing
        folder (checked by creating and removing one: permission bits do not tell on a
        read-only or pseudo file system).
    """
    import os
    from pathlib import Path

    p = Path(path)
    if p.exists():
        if directory and not p.is_dir():
            raise InputError(f"{name} {p}: is an existing file; expected a folder to write into")
        if not directory and p.is_dir():
            raise InputError(f"{name} {p}: is an existing directory; expected a file name")
        # a folder is written into; a file is replaced through a rename in its folder
        probe = p if directory else p.absolute().parent
    else:
        probe = p.absolute().parent
        while not probe.exists() and probe != probe.parent:
            probe = probe.parent
        if not probe.is_dir():
            raise InputError(f"{name} {p}: {probe} is a regular file, not a folder; expected a "
                             f"path whose parents are folders")
    if not os.access(probe, os.W_OK | os.X_OK):
        raise InputError(f"{name} {p}: no permission to write in {probe}")
    # os.access answers for the permission bits only: as root it says yes on read-only and
    # pseudo file systems (/sys, a read-only mount), so a file is really created there
    why = can_create_in(probe)
    if why is not None:
        raise InputError(f"{name} {p}: cannot write in {probe} ({why})")


def check_model_input(model, X, source) -> None:
    """Check that sequences read from ``source`` fit ``model`` (length, channels) before
    any work, so that the message names the file rather than an argument ``X``.

    Parameters
    ----------
    model : torch.nn.Module
        A model; zoo models check ``(N, 4, seq_len)`` with ``check_input``.
    X : torch.Tensor of shape (N, 4, L)
        The sequences.
    source : str or os.PathLike
        The file they came from (named in the message).

    Raises
    ------
    DataFormatError
        If the model refuses the shape.
    """

    check = getattr(model, "check_input", None)
    if X is None or check is None:
        return
    try:
        check(X[:1])
    except InputError as e:
        raise DataFormatError(f"{source}: sequences of shape {tuple(X.shape)} do not fit the "
                              f"model ({e})") from None
