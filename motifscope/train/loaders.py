"""Training data: the DeepSEA split files of a data folder (:func:`load_data`, in memory
or streamed), and the per-process batch loaders whose order in epoch ``e`` depends only on
``(seed, e)`` — the property exact resume relies on."""

from __future__ import annotations

import math
import os
from pathlib import Path

import numpy as np

from motifscope.core.errors import DataFormatError, InputError
from motifscope.data.stream import DeepSEADataset
from motifscope.io import deepsea
from motifscope.train.config import TrainConfig

__all__ = ["IN_MEMORY_LIMIT", "SeededBatchSampler", "load_data", "make_train_loader"]

#: Training files smaller than this are read into memory; larger ones are streamed.
IN_MEMORY_LIMIT = 2 * 1024**3


class _ArrayDataset:
    """Map-style dataset over in-memory ``X (n, 4, L)`` and ``y (n, T)`` (any array types)."""

    def __init__(self, X, y):
        import torch

        self.X = X if isinstance(X, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(X))
        self.y = y if isinstance(y, torch.Tensor) else torch.from_numpy(np.ascontiguousarray(y))
        if self.X.ndim != 3 or self.X.shape[1] != 4:
            raise InputError(f"training X has shape {tuple(self.X.shape)}; expected (n, 4, L)")
        if self.y.ndim != 2 or self.y.shape[0] != self.X.shape[0]:
            raise InputError(
                f"training y has shape {tuple(self.y.shape)}; expected ({self.X.shape[0]}, T)"
            )

    def __len__(self):
        return self.X.shape[0]

    def __getitem__(self, i):
        return self.X[i], self.y[i]


class SeededBatchSampler:
    """Yields index batches; epoch ``e`` permutes with a generator seeded by ``(seed, e)``.

    Sharded by rank like ``DistributedSampler`` (indices padded to a multiple of
    ``world_size`` by wrapping around).
    """

    def __init__(self, n: int, batch_size: int, seed: int, rank: int = 0, world: int = 1):
        self.n, self.batch_size, self.seed, self.rank, self.world = n, batch_size, seed, rank, world
        self.epoch = 0

    def set_epoch(self, epoch: int) -> None:
        self.epoch = epoch

    def _indices(self):
        import torch

        g = torch.Generator().manual_seed(int(self.seed) * 100_003 + self.epoch)
        idx = torch.randperm(self.n, generator=g)
        if self.world > 1:
            total = math.ceil(self.n / self.world) * self.world
            if total > self.n:
                idx = torch.cat([idx, idx[: total - self.n]])
            idx = idx[self.rank:total:self.world]
        return idx

    def __iter__(self):
        idx = self._indices()
        for s in range(0, len(idx), self.batch_size):
            yield idx[s:s + self.batch_size]

    def __len__(self):
        m = math.ceil(self.n / self.world)
        return math.ceil(m / self.batch_size)


def make_train_loader(data, config: TrainConfig, rank: int = 0, world: int = 1):
    """The training batches of ``data`` for one process.

    Parameters
    ----------
    data : tuple of arrays, torch Dataset or IterableDataset
        ``(X (n, 4, L), y (n, T))`` in memory, a map-style Dataset of ``(x, y)`` pairs, or
        a streaming ``IterableDataset`` (sharded by rank where it supports it).
    config : TrainConfig
        Uses ``batch_size``, ``seed`` and ``num_workers``.
    rank, world : int
        This process's rank and the number of processes.

    Returns
    -------
    tuple
        ``(loader, epoch_setter, n_batches)``: an iterable of ``(xb, yb)`` batches, the
        object whose ``set_epoch(e)`` fixes epoch ``e``'s order (or None), and the number
        of batches per epoch (None when unknown).
    """
    import torch
    from torch.utils.data import DataLoader, IterableDataset

    if isinstance(data, tuple) and len(data) == 2:
        data = _ArrayDataset(*data)
    if isinstance(data, _ArrayDataset):
        sampler = SeededBatchSampler(len(data), int(config.batch_size), int(config.seed), rank, world)
        # index whole batches at once: much faster than per-item collation
        loader = _TensorBatchLoader(data, sampler)
        return loader, sampler, len(sampler)
    if isinstance(data, IterableDataset):
        if world > 1:
            # motifscope.io.deepsea.DeepSEADataset shards by rank (it also reads the
            # initialised process group itself); set explicit values where it has them
            for attr, val in (("_rank", rank), ("_world", world), ("rank", rank),
                              ("world_size", world)):
                if hasattr(data, attr):
                    setattr(data, attr, val)
        if getattr(data, "batch_size", None):
            loader = DataLoader(data, batch_size=None, num_workers=int(config.num_workers))
        else:
            loader = DataLoader(data, batch_size=int(config.batch_size),
                                num_workers=int(config.num_workers))
        n_batches = None
        try:
            n_batches = len(data) if getattr(data, "batch_size", None) else len(loader)
        except TypeError:
            pass
        return loader, data if hasattr(data, "set_epoch") else None, n_batches
    if isinstance(data, torch.utils.data.Dataset):
        from torch.utils.data.distributed import DistributedSampler

        sampler = DistributedSampler(data, num_replicas=world, rank=rank, shuffle=True,
                                     seed=int(config.seed))
        loader = DataLoader(data, batch_size=int(config.batch_size), sampler=sampler,
                            num_workers=int(config.num_workers))
        return loader, sampler, len(loader)
    raise InputError(
        "training data must be (X, y) arrays, a torch Dataset or an IterableDataset, "
        f"got {type(data).__name__}"
    )


class _TensorBatchLoader:
    def __init__(self, ds: _ArrayDataset, sampler: SeededBatchSampler):
        self.ds, self.sampler = ds, sampler

    def __iter__(self):
        for idx in self.sampler:
            yield self.ds.X[idx], self.ds.y[idx]

    def __len__(self):
        return len(self.sampler)


def _find_split(data_dir: Path, split: str) -> Path | None:
    for name in (f"{split}.mat", f"{split}.h5", f"{split}.hdf5"):
        p = data_dir / name
        if p.exists():
            return p
    return None


def load_data(
    data_dir: str | os.PathLike | None = None,
    *,
    train: str | os.PathLike | None = None,
    valid: str | os.PathLike | None = None,
    test: str | os.PathLike | None = None,
    in_memory_limit: int = IN_MEMORY_LIMIT,
    n_train: int | None = None,
    n_valid: int | None = None,
    batch_size: int = 64,
    seed: int = 0,
):
    """Locate and read the DeepSEA split files.

    Parameters
    ----------
    data_dir : str or os.PathLike or None
        A folder with ``train.mat``, ``valid.mat`` and (optionally) ``test.mat``.
    train, valid, test : str or os.PathLike or None
        Explicit paths (override the folder's files). A packed folder (``data pack``)
        may be given as ``train``.
    in_memory_limit : int
        Training files smaller than this many bytes are read into memory with
        ``read_mat``; larger ones (and packed folders) are streamed.
    n_train, n_valid : int or None
        Use only the first rows (for quick runs).
    batch_size, seed : int
        Batch size and shuffling seed of a streamed training set
        (:class:`motifscope.io.deepsea.DeepSEADataset`).

    Returns
    -------
    dict
        ``train`` (``(X, y)`` or a streaming dataset), ``valid`` (``(X, y)`` or None),
        ``paths`` (dict of str paths, ``test`` included), ``seq_len``, ``n_targets``.

    Raises
    ------
    DataFormatError
        If no training file is found.
    """

    paths: dict[str, Path | None] = {"train": None, "valid": None, "test": None}
    if data_dir is not None:
        data_dir = Path(data_dir)
        if not data_dir.is_dir():
            raise DataFormatError(f"{data_dir}: not a directory; expected train.mat/valid.mat/test.mat")
        for split in paths:
            paths[split] = _find_split(data_dir, split)
    for split, p in (("train", train), ("valid", valid), ("test", test)):
        if p is not None:
            p = Path(p)
            if not p.exists():
                raise DataFormatError(f"{p}: no such {split} file")
            paths[split] = p
    if paths["train"] is None:
        raise DataFormatError(
            f"{data_dir}: no train.mat found; pass a folder holding train.mat/valid.mat/test.mat "
            "or --train PATH"
        )
    tp = paths["train"]
    size = tp.stat().st_size if tp.is_file() else sum(f.stat().st_size for f in tp.rglob("*") if f.is_file())
    if tp.is_file() and size < in_memory_limit:
        tr = deepsea.read_mat(tp, stop=n_train)
        seq_len, n_targets = int(tr[0].shape[2]), int(tr[1].shape[1])
    else:
        tr = _make_stream(tp, n_train, batch_size, seed)
        seq_len, n_targets = int(tr.length), int(tr.n_targets)
    va = deepsea.read_mat(paths["valid"], stop=n_valid) if paths["valid"] is not None else None
    return {"train": tr, "valid": va, "seq_len": seq_len, "n_targets": n_targets,
            "paths": {k: (str(v) if v is not None else None) for k, v in paths.items()}}


def _make_stream(path: Path, n: int | None, batch_size: int, seed: int):
    return DeepSEADataset(path, batch_size=int(batch_size), shuffle=True, seed=int(seed),
                          stop=n)
