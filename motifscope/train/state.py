"""Training state and its files: the early-stopping state of a run (:class:`TrainState`),
the random states, the resume checkpoint ``checkpoints/last.pt``, the best weights
(``checkpoints/best.pt``, ``model.pt``) and ``metrics.json``'s status."""

from __future__ import annotations

import math
import platform
import random
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

import motifscope
from motifscope.core.errors import RunDirError
from motifscope.runs.directory import (
    BEST_CHECKPOINT,
    CHECKPOINT_DIR,
    LAST_CHECKPOINT,
    MODEL_FILE,
    atomic_torch_save,
    read_torch,
    write_history,
    write_metrics,
)

__all__ = ["Checkpointer", "TrainState", "rng_state", "seed_all", "set_rng_state", "versions"]


@dataclass
class TrainState:
    """Where a run stands after its last finished epoch.

    Attributes
    ----------
    epoch : int
        Finished epochs.
    best_valid_loss : float
        Lowest validation loss so far (``nan`` without validation data).
    best_epoch : int
        1-based epoch of that loss.
    bad_epochs : int
        Epochs since the last improvement.
    history : list of dict
        One row per finished epoch (``history.csv``).
    stopped : bool
        Whether early stopping ended the run.
    """

    epoch: int = 0
    best_valid_loss: float = math.inf
    best_epoch: int = 0
    bad_epochs: int = 0
    history: list = field(default_factory=list)
    stopped: bool = False

    def update(self, v_loss: float, *, has_valid: bool, patience: int | None) -> bool:
        """Count one more finished epoch with validation loss ``v_loss``.

        Parameters
        ----------
        v_loss : float
            Its validation loss.
        has_valid : bool
            Whether there is validation data (without it every epoch is the best).
        patience : int or None
            Epochs without improvement before stopping; None or 0 never stops.

        Returns
        -------
        bool
            Whether this epoch is the new best.
        """
        self.epoch += 1
        improved = not has_valid or v_loss < self.best_valid_loss
        if improved:
            self.best_valid_loss = v_loss if has_valid else math.nan
            self.best_epoch = self.epoch
            self.bad_epochs = 0
        else:
            self.bad_epochs += 1
            if patience and self.bad_epochs >= int(patience):
                self.stopped = True
        return improved

    def train_seconds(self) -> float:
        """Seconds spent in the finished epochs (resumed ones included)."""
        return float(sum(h["seconds"] for h in self.history))


class Checkpointer:
    """Writes and reads the files of a training run (rank 0 writes; ``run_dir=None`` writes
    nothing).

    Parameters
    ----------
    run_dir : pathlib.Path or None
        The run directory.
    parts : dict
        ``model``, ``optimizer``, ``scheduler`` (or None), ``scaler`` (or None when AMP
        is off): the objects whose states a checkpoint holds.
    world : int
        Number of processes (saved, so a resume on another world size is detected).
    writes : bool
        Whether this process writes (rank 0).
    """

    def __init__(self, run_dir: Path | None, parts: dict, *, world: int = 1,
                 writes: bool = True):
        self.run_dir, self.parts, self.world = run_dir, parts, world
        self.writes = writes and run_dir is not None

    @property
    def last(self) -> Path | None:
        """``checkpoints/last.pt`` of the run."""
        return None if self.run_dir is None else self.run_dir / CHECKPOINT_DIR / LAST_CHECKPOINT

    def save_epoch(self, state: TrainState) -> None:
        """Write ``last.pt`` (everything needed to resume) and ``history.csv``."""
        if not self.writes:
            return
        p = self.parts
        ck = {
            "model": p["model"].state_dict(),
            "optimizer": p["optimizer"].state_dict(),
            "scheduler": p["scheduler"].state_dict() if p["scheduler"] is not None else None,
            "scaler": p["scaler"].state_dict() if p["scaler"] is not None else None,
            "rng": rng_state(),
            "world_size": self.world,
            **asdict(state),
        }
        atomic_torch_save(ck, self.last)
        write_history(self.run_dir, state.history)

    def save_best(self, best_state: dict, epoch: int, v_loss: float) -> None:
        """Write the best weights as ``checkpoints/best.pt`` and ``model.pt``."""
        if not self.writes:
            return
        atomic_torch_save({"epoch": epoch, "valid_loss": v_loss, "state_dict": best_state},
                          self.run_dir / CHECKPOINT_DIR / BEST_CHECKPOINT)
        atomic_torch_save(best_state, self.run_dir / MODEL_FILE)

    def load_best(self) -> dict | None:
        """The weights in ``model.pt`` (None when the run has none)."""

        if self.run_dir is None or not (self.run_dir / MODEL_FILE).exists():
            return None
        return read_torch(self.run_dir / MODEL_FILE, "a torch state_dict")

    def resume(self, state: TrainState, *, rank: int, seed: int) -> bool:
        """Load ``last.pt`` into the parts and ``state``; False when there is none.

        Rank 0 (or a run saved by one process) restores the saved random states; other
        ranks start a deterministic stream of their own.
        """
        import torch

        path = self.last
        if path is None or not path.exists():
            return False
        p = self.parts
        ck = read_torch(path, "a training checkpoint")
        try:
            p["model"].load_state_dict(ck["model"])
            p["optimizer"].load_state_dict(ck["optimizer"])
            if p["scheduler"] is not None and ck.get("scheduler") is not None:
                p["scheduler"].load_state_dict(ck["scheduler"])
            if p["scaler"] is not None and ck.get("scaler") is not None:
                p["scaler"].load_state_dict(ck["scaler"])
        except (RuntimeError, KeyError, ValueError, TypeError, AttributeError) as e:
            raise RunDirError(f"{path}: cannot resume from this checkpoint "
                              f"({type(e).__name__}: {str(e).splitlines()[0][:200] if str(e) else ''})"
                              ) from None
        for k in asdict(state):
            if k in ck:
                setattr(state, k, ck[k])
        state.history = [dict(h) for h in state.history]
        if rank == 0 or ck.get("world_size", 1) == 1:
            set_rng_state(ck["rng"])
        else:  # other ranks: a deterministic but distinct stream
            torch.manual_seed(int(seed) + 7919 * rank + int(state.epoch))
        return True

    def write_status(self, state: TrainState, status: str) -> None:
        """Write ``metrics.json`` with the run's status (``finished``/``interrupted``)."""
        if not self.writes:
            return
        write_metrics(self.run_dir, {
            "status": status,
            "epochs_run": state.epoch,
            "best_epoch": state.best_epoch,
            "best_valid_loss": state.best_valid_loss,
            "best_valid_auroc": next((h["valid_auroc"] for h in state.history
                                      if h["epoch"] == state.best_epoch), None),
            "stopped_early": bool(state.stopped),
            "train_seconds": state.train_seconds(),
            "world_size": self.world,
        })


def rng_state() -> dict:
    """The torch, numpy, python (and CUDA) random states, as tensors and plain lists."""
    import torch

    np_state = np.random.get_state()
    py_state = random.getstate()
    state = {
        "torch": torch.get_rng_state(),
        "numpy": [np_state[0], torch.from_numpy(np_state[1].astype(np.int64)), int(np_state[2]),
                  int(np_state[3]), float(np_state[4])],
        "python": [py_state[0], list(py_state[1]), py_state[2]],
    }
    if torch.cuda.is_available() and torch.cuda.is_initialized():
        state["cuda"] = torch.cuda.get_rng_state_all()
    return state


def set_rng_state(state: dict) -> None:
    """Restore the random states saved by :func:`rng_state`."""
    import torch

    torch.set_rng_state(state["torch"])
    n = state["numpy"]
    np.random.set_state((n[0], n[1].numpy().astype(np.uint32), n[2], n[3], n[4]))
    p = state["python"]
    random.setstate((p[0], tuple(p[1]), p[2]))
    if "cuda" in state and torch.cuda.is_available():
        try:
            torch.cuda.set_rng_state_all(state["cuda"])
        except RuntimeError:  # a different number of GPUs
            pass


def seed_all(seed: int) -> None:
    """Seed python's, numpy's and torch's global generators."""
    import torch

    random.seed(seed)
    np.random.seed(seed % 2**32)
    torch.manual_seed(seed)


def versions() -> dict:
    """Versions of motifscope, torch, numpy and python (for ``config.toml``)."""
    import torch

    return {"motifscope": motifscope.__version__, "torch": torch.__version__,
            "numpy": np.__version__, "python": platform.python_version()}
