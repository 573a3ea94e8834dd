"""Training: the published recipes, checkpoints every epoch, exact resume, DDP.

=========================================  =================================================
module                                     holds
=========================================  =================================================
:mod:`motifscope.train.config`             :class:`TrainConfig`, :func:`config_from_card`
:mod:`motifscope.train.optim`              optimizer, schedule and loss of a recipe
:mod:`motifscope.train.loaders`            split files (:func:`load_data`) and batch order
:mod:`motifscope.train.state`              early-stopping state, checkpoints, RNG states
:mod:`motifscope.train.distributed`        one process or one torchrun rank
:mod:`motifscope.train.loop`               :func:`fit`: the epoch loop and validation
:mod:`motifscope.train.run`                :func:`train_run`: card + data folder → run
:mod:`motifscope.train.seeding`            first-layer filters seeded with enriched k-mers
=========================================  =================================================

Two levels:

- :func:`fit` trains any ``nn.Module`` returning logits on in-memory arrays or a torch
  ``Dataset``/``IterableDataset`` and writes a run directory (:mod:`motifscope.runs.directory`).
- :func:`train_run` (alias :func:`train`) is what ``motifscope train`` and the demo call:
  zoo model name (or card file) + data directory (``train.mat``, ``valid.mat``,
  ``test.mat`` in DeepSEA's layouts) + overrides → a run directory, with the test set
  evaluated by :func:`motifscope.methods.evaluate.evaluate` at the end.

The recipe (:class:`TrainConfig`) follows DeepATT's trainer (spec §B): the loss is the mean
over all ``B × T`` elements (``"bce"``, alias ``"nll"``, or ``"focal"``); the model's
``penalty()`` (L2 + activity L1) is added to the training loss only, and
``apply_constraints()`` (MaxNorm) runs after every ``optimizer.step()``; ``StepLR`` is
stepped once per epoch; early stopping watches the validation loss with ``patience``
epochs, and the best-validation weights become ``model.pt``. With ``seed_filters > 0``
(the default card's 0.5) :func:`train_run` first sets that share of the first-layer filters
to each task's most enriched k-mers (:func:`motifscope.train.seeding.seed_first_layer`).

Resume. After every finished epoch ``checkpoints/last.pt`` holds the model, optimizer,
scheduler, AMP scaler, the torch/numpy/python (and CUDA) RNG states, the epoch, the
early-stopping state and the history. The data order of epoch ``e`` depends only on
``(seed, e)``, so ``resume=True`` continues exactly as if training had not stopped (bit for
bit on CPU); an interrupted epoch (Ctrl-C, SIGTERM, SIGKILL) is simply run again. Ctrl-C
and SIGTERM leave ``metrics.json`` with ``status = "interrupted"`` and raise
:class:`KeyboardInterrupt` (the CLI exits 130).

Multi-GPU. Launched by ``torchrun`` (``LOCAL_RANK``/``WORLD_SIZE`` in the environment),
:func:`fit` initialises the process group (NCCL on CUDA, Gloo on CPU), wraps the model in
``DistributedDataParallel``, shards the training data with ``DistributedSampler`` (or the
streaming dataset's ``rank``/``world_size``) and lets only rank 0 write files.

May import: every layer below :mod:`motifscope.analysis`, and that one (a finished run is
evaluated on its test split by the ``evaluate`` analysis).
"""

from motifscope.train.config import TrainConfig, config_from_card
from motifscope.train.loaders import IN_MEMORY_LIMIT, load_data
from motifscope.train.loop import FitResult, fit
from motifscope.train.optim import make_optimizer, make_scheduler
from motifscope.train.run import train, train_run
from motifscope.train.seeding import enriched_kmers, seed_first_layer

__all__ = [
    "IN_MEMORY_LIMIT",
    "FitResult",
    "TrainConfig",
    "config_from_card",
    "enriched_kmers",
    "fit",
    "load_data",
    "make_optimizer",
    "make_scheduler",
    "seed_first_layer",
    "train",
    "train_run",
]
