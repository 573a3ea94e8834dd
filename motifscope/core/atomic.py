"""The one atomic writer: every file motifscope writes appears whole or not at all.

A file is written to a temporary name in the destination's own folder (so the final
:func:`os.replace` is a rename on one file system, atomic on POSIX and Windows), flushed to
disk, then renamed over the destination. On any failure, including Ctrl-C, the temporary
file is removed and the destination is left as it was.

- :func:`atomic_path` yields the temporary path, for writers that take a path
  (``fig.savefig``, ``np.savez``, ``h5py.File``); its name keeps the destination's extension,
  so format inference and numpy's ``.npz`` suffix rule still work;
- :func:`atomic_open` yields an open file object;
- :func:`atomic_write_bytes` and :func:`atomic_write_text` write a value.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

__all__ = ["atomic_open", "atomic_path", "atomic_write_bytes", "atomic_write_text",
           "can_create_in"]


def _fsync(path: str) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike, *, mkdir: bool = True):
    """Yield a temporary path that replaces ``path`` when the block ends without error.

    Parameters
    ----------
    path : str or os.PathLike
        Destination.
    mkdir : bool
        Create the destination's folder if needed (otherwise a missing folder raises
        :class:`FileNotFoundError`).

    Yields
    ------
    pathlib.Path
        ``.<stem>.<random>.tmp<suffix>`` in the destination's folder; it exists (empty) and
        may be overwritten or replaced by the writer.

    Examples
    --------
    >>> with atomic_path("out/figure.png") as tmp:  # doctest: +SKIP
    ...     fig.savefig(tmp)
    """
    path = Path(path)
    if mkdir:
        path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.stem}.", suffix=f".tmp{path.suffix}",
                               dir=path.parent)
    os.close(fd)
    try:
        yield Path(tmp)
        _fsync(tmp)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike, mode: str = "w", *, mkdir: bool = True, **kwargs):
    """Open a file that replaces ``path`` atomically when the block ends without error.

    Parameters
    ----------
    path : str or os.PathLike
        Destination.
    mode : {"w", "wb", "wt"}
        Write mode; text mode defaults to UTF-8 and ``"\\n"`` line endings.
    mkdir : bool
        Create the destination's folder if needed.
    **kwargs
        Passed to :func:`open` (``encoding``, ``newline``...).

    Yields
    ------
    file object
    """
    if mode not in ("w", "wb", "wt"):
        raise ValueError(f"atomic_open writes a new file: mode must be 'w', 'wt' or 'wb', got {mode!r}")
    if "b" not in mode:
        kwargs.setdefault("encoding", "utf-8")
        kwargs.setdefault("newline", "\n")
    with atomic_path(path, mkdir=mkdir) as tmp, open(tmp, mode, **kwargs) as fh:
        yield fh


def atomic_write_bytes(path: str | os.PathLike, data: bytes, *, mkdir: bool = True) -> Path:
    """Write ``data`` to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination.
    data : bytes
        Content.
    mkdir : bool
        Create the destination's folder if needed.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    with atomic_open(path, "wb", mkdir=mkdir) as fh:
        fh.write(data)
    return Path(path)


def atomic_write_text(path: str | os.PathLike, text: str, *, mkdir: bool = True) -> Path:
    """Write ``text`` (UTF-8, line endings as given) to ``path`` atomically.

    Parameters
    ----------
    path : str or os.PathLike
        Destination.
    text : str
        Content.
    mkdir : bool
        Create the destination's folder if needed.

    Returns
    -------
    pathlib.Path
        ``path``.
    """
    return atomic_write_bytes(path, text.encode("utf-8"), mkdir=mkdir)


def can_create_in(folder: str | os.PathLike) -> str | None:
    """Whether a file can be created in ``folder``, found by creating and removing one.

    Permission bits (``os.access``) do not tell: as root they say yes on a read-only mount
    or a pseudo file system such as ``/sys``.

    Parameters
    ----------
    folder : str or os.PathLike
        An existing folder.

    Returns
    -------
    str or None
        ``None`` when a file could be created, else the system's reason
        (``"Permission denied"``, ``"Read-only file system"``).
    """
    try:
        fd, tmp = tempfile.mkstemp(dir=folder, prefix=".motifscope-probe-")
    except OSError as e:
        return e.strerror or str(e)
    os.close(fd)
    os.unlink(tmp)
    return None
