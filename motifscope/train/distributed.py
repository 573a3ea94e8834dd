"""The process context of a training run: one process, or one rank of a ``torchrun``
launch (``LOCAL_RANK``/``WORLD_SIZE`` in the environment) with a process group (NCCL on
CUDA, Gloo on CPU) and the model wrapped in ``DistributedDataParallel``."""

from __future__ import annotations

import os
from dataclasses import dataclass

from motifscope.core.devices import resolve_device

__all__ = ["DistContext", "dist_env"]


def dist_env() -> tuple[int, int, int]:
    """``(rank, world_size, local_rank)`` from torchrun's environment; ``(0, 1, 0)`` otherwise.

    Returns
    -------
    tuple of int
    """
    world = int(os.environ.get("WORLD_SIZE", "1"))
    if world > 1 and "LOCAL_RANK" in os.environ:
        local = int(os.environ["LOCAL_RANK"])
        return int(os.environ.get("RANK", local)), world, local
    return 0, 1, 0


@dataclass
class DistContext:
    """Rank, world size and device of this process, and whether it owns the process group.

    Attributes
    ----------
    rank, world, local_rank : int
        As torchrun sets them (0, 1, 0 for a single process).
    device : torch.device
        Where this process trains.
    own_group : bool
        Whether :meth:`setup` initialised the process group (and :meth:`close` ends it).
    """

    rank: int
    world: int
    local_rank: int
    device: object
    own_group: bool = False

    @property
    def distributed(self) -> bool:
        """More than one process."""
        return self.world > 1

    @property
    def is_main(self) -> bool:
        """Rank 0: the process that writes files and prints."""
        return self.rank == 0

    @classmethod
    def setup(cls, device: str | None) -> DistContext:
        """Read the environment, initialise the process group when launched by torchrun,
        and pick the device (``cuda:LOCAL_RANK`` under torchrun when CUDA is asked for).

        Parameters
        ----------
        device : str or None
            The recipe's device (``"cpu"``, ``"cuda"``, ``"auto"``...).

        Returns
        -------
        DistContext
        """
        import torch

        _rank, world, local = dist_env()
        if world == 1:
            return cls(0, 1, 0, resolve_device(device))
        import torch.distributed as dist

        want_cuda = device != "cpu" and torch.cuda.is_available()
        own = not dist.is_initialized()
        if own:
            dist.init_process_group("nccl" if want_cuda else "gloo")
        dev = torch.device(f"cuda:{local}") if want_cuda else torch.device("cpu")
        if want_cuda:
            torch.cuda.set_device(dev)
        return cls(dist.get_rank(), dist.get_world_size(), local, dev, own)

    def wrap(self, model):
        """``model`` wrapped in DDP under torchrun, else ``model`` itself."""
        if not self.distributed:
            return model
        from torch.nn.parallel import DistributedDataParallel as DDP

        return DDP(model, device_ids=[self.local_rank] if self.device.type == "cuda" else None)

    def mean_over_ranks(self, total: float, count: int) -> float:
        """``sum(total) / sum(count)`` over all ranks (the local ratio for one process)."""
        if not self.distributed:
            return total / max(count, 1)
        import torch
        import torch.distributed as dist

        t = torch.tensor([total, float(count)], dtype=torch.float64, device=self.device)
        dist.all_reduce(t)
        return float(t[0] / t[1].clamp(min=1))

    def from_rank0(self, *values: float) -> tuple[float, ...]:
        """Rank 0's ``values`` on every rank (so all ranks take the same decisions)."""
        if not self.distributed:
            return values
        import torch
        import torch.distributed as dist

        t = torch.tensor(values, dtype=torch.float64, device=self.device)
        dist.broadcast(t, 0)
        return tuple(float(v) for v in t)

    def close(self, *, barrier: bool = True) -> None:
        """Wait for every rank (``barrier``) and end the process group if this owns it."""
        if not self.distributed:
            return
        import torch.distributed as dist

        if barrier:
            dist.barrier()
        if self.own_group:
            dist.destroy_process_group()
