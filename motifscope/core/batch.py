"""Sharded, resumable batch work: a stream of items cut into chunks, one file per chunk.

Any long job over many items (variants, regions, windows) goes through here:

1. :func:`run_chunks` reads the items as a stream and cuts them into consecutive chunks of
   ``chunk_size`` (chunk ``k`` is items ``k*chunk_size .. (k+1)*chunk_size - 1``; the cut
   never depends on the number of processes). Each chunk is computed by ``compute(k,
   items) -> {name: array}`` and written **atomically** as ``<dir>/chunk-<k>.npz``. A chunk
   whose file exists is skipped, so an interrupted job resumes where it stopped, and a
   ``manifest.json`` refuses to mix chunks of different settings in one folder.
2. Under ``torchrun`` (``RANK``/``WORLD_SIZE`` in the environment) every rank reads the
   whole stream (reading is cheap, computing is not) and computes the chunks ``k`` with
   ``k % world_size == rank``; a gloo process group is started if none is, only to wait
   for the others (:func:`barrier`). Ranks never exchange results: the files are the
   exchange, so the same code runs on one machine or many sharing a file system.
3. :func:`merge_text` and :func:`merge_hdf5` then write the final outputs from the chunk
   files in chunk order (one chunk in memory at a time), so the result is byte-identical to
   a single-process run.

Memory stays bounded by one chunk: items are never all held, and neither are results.

Chunk arrays may be numeric or strings (unicode arrays; no pickles).
"""

from __future__ import annotations

import json
import os
import shutil
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_open, atomic_path, atomic_write_text
from motifscope.core.errors import ConfigError, InputError

__all__ = ["ChunkReport", "barrier", "chunk_path", "chunked", "iter_chunks", "merge_hdf5",
           "merge_text", "rank_device", "run_chunks", "world"]


@dataclass
class ChunkReport:
    """What :func:`run_chunks` did on this rank.

    Attributes
    ----------
    directory : pathlib.Path
        The chunk folder.
    n_chunks : int
        Chunks in the whole stream (every rank).
    computed, skipped : int
        Chunks of this rank computed now, and found finished (resumed).
    n_items : int
        Items in the whole stream.
    rank, world_size : int
        This process's share.
    """

    directory: Path
    n_chunks: int
    computed: int
    skipped: int
    n_items: int
    rank: int
    world_size: int


def world() -> tuple[int, int]:
    """``(rank, world_size)`` of this process: torch.distributed's when started, else the
    ``RANK``/``WORLD_SIZE`` environment variables torchrun sets, else ``(0, 1)``.

    Returns
    -------
    tuple of int
    """
    try:
        import torch.distributed as dist

        if dist.is_available() and dist.is_initialized():
            return dist.get_rank(), dist.get_world_size()
    except ImportError:  # pragma: no cover
        pass
    return int(os.environ.get("RANK", "0")), int(os.environ.get("WORLD_SIZE", "1"))


def rank_device(device):
    """This rank's GPU under torchrun: ``"cuda"`` becomes ``"cuda:<LOCAL_RANK>"`` when
    torchrun started several processes per node (each takes its own GPU); anything else is
    returned as it is.

    Parameters
    ----------
    device : str or None
        The device asked for.

    Returns
    -------
    str or None
    """
    if device == "cuda" and "LOCAL_RANK" in os.environ and world()[1] > 1:
        return f"cuda:{int(os.environ['LOCAL_RANK'])}"
    return device


def barrier() -> None:
    """Wait for every rank (a no-op in a single process). Starts a gloo process group from
    torchrun's environment when none is running."""
    rank, size = world()
    if size <= 1:
        return
    import torch.distributed as dist

    if not dist.is_initialized():
        dist.init_process_group("gloo", rank=rank, world_size=size)
    dist.barrier()


def chunk_path(directory, index: int) -> Path:
    """The file of chunk ``index`` in ``directory``.

    Parameters
    ----------
    directory : str or os.PathLike
    index : int

    Returns
    -------
    pathlib.Path
    """
    return Path(directory) / f"chunk-{index:07d}.npz"


def chunked(items: Iterable, chunk_size: int) -> Iterator[tuple[int, list]]:
    """Consecutive chunks of a stream: ``(0, items[0:chunk_size]), (1, ...)``.

    Parameters
    ----------
    items : iterable
    chunk_size : int
        Items per chunk (the last may be shorter).

    Returns
    -------
    iterator of (int, list)
    """
    if chunk_size < 1:
        raise ConfigError(f"chunk_size={chunk_size}: expected a positive integer")
    buf: list = []
    k = 0
    for item in items:
        buf.append(item)
        if len(buf) == chunk_size:
            yield k, buf
            k, buf = k + 1, []
    if buf:
        yield k, buf


def _check_manifest(directory: Path, manifest: dict) -> None:
    path = directory / "manifest.json"
    text = json.dumps(manifest, sort_keys=True, indent=1, default=str) + "\n"
    if path.is_file():
        old = json.loads(path.read_text())
        if old != json.loads(text):
            diff = sorted(k for k in set(old) | set(manifest) if old.get(k) != manifest.get(k))
            raise ConfigError(f"{directory}: holds chunks of a run with other settings "
                              f"({', '.join(diff)} differ); expected the same settings to "
                              f"resume, or use a new output folder")
        return
    atomic_write_text(path, text)


def run_chunks(items: Iterable, compute: Callable[[int, list], dict], directory, *,
               chunk_size: int, manifest: dict | None = None, rank: int | None = None,
               world_size: int | None = None, progress: bool = False,
               desc: str = "chunks") -> ChunkReport:
    """Compute every chunk of ``items`` that this rank owns and has not finished.

    Parameters
    ----------
    items : iterable
        The stream of work items (read once, never held whole).
    compute : callable
        ``compute(index, chunk_items) -> {name: numpy.ndarray}``; the arrays are written to
        :func:`chunk_path` atomically.
    directory : str or os.PathLike
        The chunk folder (created).
    chunk_size : int
        Items per chunk.
    manifest : dict or None
        Settings that must equal those of chunks already in the folder (JSON-able);
        ``chunk_size`` is added.
    rank, world_size : int or None
        This process's share (default: :func:`world`).
    progress : bool
        Show a tqdm bar over items.
    desc : str
        The bar's label.

    Returns
    -------
    ChunkReport
    """
    from tqdm.auto import tqdm

    directory = Path(directory)
    created = not directory.exists()
    directory.mkdir(parents=True, exist_ok=True)
    r0, w0 = world()
    rank = r0 if rank is None else rank
    world_size = w0 if world_size is None else world_size
    computed = skipped = n_items = n_chunks = 0
    bar = tqdm(disable=not progress, desc=desc, unit=" items", leave=False)
    try:
        _check_manifest(directory, {**(manifest or {}), "chunk_size": chunk_size})
        for k, chunk in chunked(items, chunk_size):
            n_chunks, n_items = k + 1, n_items + len(chunk)
            bar.update(len(chunk))
            if k % world_size != rank:
                continue
            path = chunk_path(directory, k)
            if path.is_file():
                skipped += 1
                continue
            arrays = compute(k, chunk)
            with atomic_open(path, "wb") as fh:
                np.savez(fh, **arrays)
            computed += 1
    except BaseException:
        if created and not computed and not skipped:  # nothing to resume from: leave nothing
            shutil.rmtree(directory, ignore_errors=True)
        raise
    finally:
        bar.close()
    return ChunkReport(directory, n_chunks, computed, skipped, n_items, rank, world_size)


def iter_chunks(directory, n_chunks: int, keys=None) -> Iterator[tuple[int, dict]]:
    """The arrays of chunks ``0 .. n_chunks - 1`` in order, one chunk loaded at a time.

    Parameters
    ----------
    directory : str or os.PathLike
    n_chunks : int
    keys : sequence of str or None
        Arrays to load (default: all).

    Returns
    -------
    iterator of (int, dict of numpy.ndarray)
    """

    for k in range(n_chunks):
        path = chunk_path(directory, k)
        if not path.is_file():
            raise InputError(f"{path}: chunk {k} of {n_chunks} is missing; expected every "
                             f"rank to have finished (rerun to compute it)")
        with np.load(path, allow_pickle=False) as z:
            yield k, {name: z[name] for name in (z.files if keys is None else keys)}


def merge_text(directory, n_chunks: int, key: str, out, *, header: str = "") -> Path:
    """Concatenate the text lines ``key`` of every chunk into one file (atomically).

    Parameters
    ----------
    directory : str or os.PathLike
        The chunk folder.
    n_chunks : int
    key : str
        A 1-D string array per chunk, one line per element (no newline).
    out : str or os.PathLike
        The merged file.
    header : str
        First line(s), written before the chunks' lines.

    Returns
    -------
    pathlib.Path
    """
    with atomic_open(out) as fh:
        if header:
            fh.write(header if header.endswith("\n") else header + "\n")
        for _, arrays in iter_chunks(directory, n_chunks, [key]):
            for line in arrays[key]:
                fh.write(str(line) + "\n")
    return Path(out)


def merge_hdf5(directory, n_chunks: int, keys, out, *, attrs: dict | None = None,
               compression: str | None = "gzip") -> Path:
    """Stack arrays ``keys`` of every chunk along axis 0 into HDF5 datasets (atomically).

    Datasets are chunked along the rows (256 to 4096 rows per HDF5 chunk)
    and resizable, so a reader can slice rows without loading the whole matrix.

    Parameters
    ----------
    directory : str or os.PathLike
        The chunk folder.
    n_chunks : int
    keys : sequence of str
        Arrays present in every chunk with the same trailing shape.
    out : str or os.PathLike
        The ``.h5`` file.
    attrs : dict or None
        File attributes (JSON-able values are stored as JSON strings when not scalars).
    compression : str or None
        HDF5 filter of the datasets.

    Returns
    -------
    pathlib.Path
    """
    import h5py

    with atomic_path(out) as tmp, h5py.File(tmp, "w") as h5:
        for name, value in (attrs or {}).items():
            h5.attrs[name] = value if np.isscalar(value) else json.dumps(value)
        for _, arrays in iter_chunks(directory, n_chunks, list(keys)):
            for name in keys:
                _append(h5, name, arrays[name], compression)
    return Path(out)


def _append(h5, name: str, a: np.ndarray, compression) -> None:
    import h5py

    if a.dtype.kind == "U":
        a = a.astype(object)
        dtype = h5py.string_dtype()
    else:
        dtype = a.dtype
    if name not in h5:
        rows = min(4096, max(256, a.shape[0]))
        h5.create_dataset(name, shape=(0,) + a.shape[1:], maxshape=(None,) + a.shape[1:],
                          dtype=dtype, chunks=(rows,) + a.shape[1:], compression=compression)
    d = h5[name]
    n = d.shape[0]
    d.resize(n + a.shape[0], axis=0)
    if a.shape[0]:
        d[n:] = a
