"""Streaming a DeepSEA split for training, without ever loading it whole.

:class:`DeepSEADataset` reads a ``train.mat`` (HDF5 / MATLAB v7.3 or v5) or a packed
directory (``motifscope data pack``) in contiguous blocks, shuffles blocks and rows each
epoch, and shards the rows by DDP rank and DataLoader worker. The readers it builds on live
in :mod:`motifscope.io.deepsea`, which re-exports this class.
"""

from __future__ import annotations

import numpy as np
import torch

from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.validation import row_range
from motifscope.io.deepsea import open_deepsea

__all__ = ["DeepSEADataset"]


def _cat(parts):
    """Concatenate row blocks (``None`` stays ``None``)."""
    if parts[0] is None:
        return None
    return parts[0] if len(parts) == 1 else np.concatenate(parts)


def _pieces(order: np.ndarray, bounds: np.ndarray, lo: int, hi: int) -> list[tuple[int, int]]:
    """File row ranges covering positions ``lo:hi`` of the blocks concatenated in ``order``.

    ``bounds[k] = (a, b)`` are the file rows of block ``k``.
    """
    sizes = bounds[order, 1] - bounds[order, 0]
    ends = np.cumsum(sizes)
    starts = ends - sizes
    out = []
    k = int(np.searchsorted(ends, lo, side="right"))
    while k < len(order) and starts[k] < hi:
        a0, _ = bounds[order[k]]
        s = max(lo, int(starts[k])) - int(starts[k])
        e = min(hi, int(ends[k])) - int(starts[k])
        if e > s:
            out.append((int(a0) + s, int(a0) + e))
        k += 1
    return out


class DeepSEADataset(torch.utils.data.IterableDataset):
    """Stream a DeepSEA split (``.mat`` or packed directory) for training.

    The file is read in contiguous blocks of ``block_size`` rows. Each epoch the block
    order is permuted and the rows of ``buffer_blocks`` consecutive blocks are shuffled
    together (seeded by ``(seed, epoch)``, so every rank and worker sees the same plan).
    The epoch's row sequence is split into equal parts for the DDP ranks (``N //
    world_size`` rows each; the remainder is dropped so every rank runs the same number of
    steps) and, within a rank, between DataLoader workers at batch boundaries.

    Parameters
    ----------
    path : str or Path
        ``train.mat`` / ``valid.mat`` / ``test.mat`` (either container), DanQ-style HDF5,
        or a directory written by ``motifscope data pack`` (much faster).
    split : str or None
        Variable prefix for ``.mat`` files (detected when ``None``).
    batch_size : int or None
        Yield batches ``(X (B, 4, L), y (B, T))``; use ``DataLoader(ds, batch_size=None)``.
        ``None`` yields single rows ``(x (4, L), y (T,))`` for a ``DataLoader`` to batch
        (slower).
    shuffle : bool
        Permute blocks and rows each epoch. ``False`` reads in file order.
    seed : int
        Base seed of the shuffling.
    block_size : int
        Rows read per contiguous slab. Reading a slab of the ``(L, 4, N)`` HDF5 layout
        costs about the same for 2,048 or 16,384 rows (it is ``4 L`` strided segments),
        so large blocks stream HDF5 faster.
    buffer_blocks : int
        Blocks whose rows are shuffled together (memory per worker is about
        ``block_size * buffer_blocks * (L + T)`` bytes).
    rank, world_size : int or None
        DDP position; default from :mod:`torch.distributed` when it is initialised,
        else 0 and 1.
    start, stop : int
        Use only file rows ``start:stop``.
    drop_last : bool
        Drop the last incomplete batch.
    labels : bool
        Yield labels (the file must have them); ``False`` yields sequences only.

    Yields
    ------
    x : torch.Tensor of shape (4, L) or (B, 4, L)
        ``float32`` one-hot, bases A, C, G, T.
    y : torch.Tensor of shape (T,) or (B, T)
        ``float32`` 0/1 labels (absent when ``labels=False``).

    Notes
    -----
    Call :meth:`set_epoch` before each epoch and keep ``persistent_workers=False`` (the
    default) so that workers see the new epoch. Values are checked to be 0/1 on every
    read; the one-hot column check is left to :func:`read_mat` and the packer.

    Examples
    --------
    >>> ds = DeepSEADataset("train.mat", batch_size=64)          # doctest: +SKIP
    >>> dl = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)  # doctest: +SKIP
    >>> for epoch in range(3):                                    # doctest: +SKIP
    ...     ds.set_epoch(epoch)
    ...     for X, y in dl: ...
    """

    def __init__(self, path, *, split: str | None = None, batch_size: int | None = None,
                 shuffle: bool = True, seed: int = 0, block_size: int = 8192,
                 buffer_blocks: int = 4, rank: int | None = None, world_size: int | None = None,
                 start: int = 0, stop: int | None = None, drop_last: bool = False,
                 labels: bool = True):  # fmt: skip
        super().__init__()
        for name, v in (("block_size", block_size), ("buffer_blocks", buffer_blocks)):
            if int(v) < 1:
                raise InputError(f"{name}={v}; expected a positive integer")
        if batch_size is not None and int(batch_size) < 1:
            raise InputError(f"batch_size={batch_size}; expected a positive integer or None")
        self.source = open_deepsea(path, split=split)
        self.source.close()
        if labels and not self.source.has_labels:
            raise DataFormatError(
                f"{path}: has no label variable (sequences "
                f"'{getattr(self.source, 'x_key', '?')}'); pass labels=False to stream sequences only"
            )
        self.start, self.stop = row_range(start, stop, self.source.n)
        self.batch_size = None if batch_size is None else int(batch_size)
        self.shuffle, self.seed = bool(shuffle), int(seed)
        self.block_size, self.buffer_blocks = int(block_size), int(buffer_blocks)
        self._rank, self._world = rank, world_size
        if rank is not None or world_size is not None:
            self._dist()  # validate now
        self.drop_last, self.labels = bool(drop_last), bool(labels)
        self.epoch = 0

    @property
    def length(self) -> int:
        """int : Sequence length ``L``."""
        return self.source.length

    @property
    def n_targets(self) -> int:
        """int : Number of labels ``T``."""
        return self.source.n_targets

    def set_epoch(self, epoch: int) -> None:
        """Set the epoch that seeds the next iteration's shuffle.

        Parameters
        ----------
        epoch : int
            Epoch number (0, 1, ...).
        """
        self.epoch = int(epoch)

    def _dist(self) -> tuple[int, int]:
        rank, world = self._rank, self._world
        if rank is None or world is None:
            import torch.distributed as dist

            on = dist.is_available() and dist.is_initialized()
            if rank is None:
                rank = dist.get_rank() if on else 0
            if world is None:
                world = dist.get_world_size() if on else 1
        if world < 1 or not 0 <= rank < world:
            raise InputError(f"rank={rank}, world_size={world}; expected 0 <= rank < world_size")
        return int(rank), int(world)

    def _rank_rows(self) -> int:
        _, world = self._dist()
        return (self.stop - self.start) // world

    def __len__(self) -> int:
        """Rows (or batches with ``batch_size``) this rank yields per epoch."""
        rows = self._rank_rows()
        if self.batch_size is None:
            return rows
        return rows // self.batch_size if self.drop_last else -(-rows // self.batch_size)

    def _plan(self, rank: int, world: int, worker: int, n_workers: int):
        """File row ranges of this rank/worker, in reading order, for the current epoch."""
        a = np.arange(self.start, self.stop, self.block_size)
        bounds = np.stack([a, np.minimum(a + self.block_size, self.stop)], axis=1)
        rng = np.random.default_rng([self.seed, self.epoch])
        order = rng.permutation(len(bounds)) if self.shuffle else np.arange(len(bounds))
        per = (self.stop - self.start) // world
        lo = rank * per
        # split the rank's rows between workers at batch boundaries
        bs = self.batch_size or 1
        nb = -(-per // bs)
        b0, b1 = worker * nb // n_workers, (worker + 1) * nb // n_workers
        wlo, whi = lo + min(per, b0 * bs), lo + min(per, b1 * bs)
        return _pieces(order, bounds, wlo, whi), rng

    def _chunks(self, pieces, rng):
        """Yield shuffled raw chunks (tuples of arrays with a leading row axis)."""
        src = self.source
        buf_rows = self.block_size * self.buffer_blocks
        i = 0
        while i < len(pieces):
            group, rows = [], 0
            while i < len(pieces) and (rows < buf_rows or not group):
                a, b = pieces[i]
                group.append(src._read_raw(a, b))
                rows += b - a
                i += 1
            raw = tuple(_cat(parts) for parts in zip(*group))
            if self.shuffle:
                perm = rng.permutation(rows)
                raw = tuple(None if r is None else r[perm] for r in raw)
            yield raw

    def __iter__(self):
        rank, world = self._dist()
        info = torch.utils.data.get_worker_info()
        worker, n_workers = (0, 1) if info is None else (info.id, info.num_workers)
        pieces, rng = self._plan(rank, world, worker, n_workers)
        # a different row-shuffle stream per worker and rank, same block plan for all
        rng = np.random.default_rng([self.seed, self.epoch, rank, worker])
        src = self.source
        bs = self.batch_size or 256
        carry = None
        for raw in self._chunks(pieces, rng):
            if carry is not None:
                raw = tuple(_cat(pair) for pair in zip(carry, raw))
            n = raw[0].shape[0]
            full = n - n % bs
            for s in range(0, full, bs):
                part = tuple(None if r is None else r[s : s + bs] for r in raw)
                yield from self._emit(src._convert(part))
            carry = tuple(None if r is None else r[full:] for r in raw) if full < n else None
        if carry is not None and not (self.drop_last and self.batch_size):
            yield from self._emit(src._convert(carry))
        src.close()

    def _emit(self, xy):
        X, Y = xy
        if self.batch_size is not None:
            yield (X, Y) if self.labels else X
            return
        if self.labels:
            yield from zip(X, Y)
        else:
            yield from X
