"""Training a zoo model on DeepSEA-layout files: :func:`train_run` (alias :func:`train`),
what ``motifscope train`` and the demo call — card + data folder + overrides → a run
directory, with the test split evaluated at the end."""

from __future__ import annotations

import os
import time
import warnings
from pathlib import Path

from motifscope import zoo
from motifscope.analysis import Context, run
from motifscope.core.atomic import atomic_open
from motifscope.io.deepsea import read_mat
from motifscope.runs.directory import (
    RUN_FORMAT,
    build_model,
    model_table,
    read_config,
    write_metrics,
)
from motifscope.train.config import TrainConfig, config_from_card
from motifscope.train.distributed import dist_env
from motifscope.train.loaders import load_data
from motifscope.train.loop import fit
from motifscope.train.seeding import seed_first_layer, training_sample
from motifscope.train.state import seed_all
from motifscope.zoo.registry import DEFAULT_MODEL

__all__ = ["train", "train_run"]


def train_run(
    model: str = DEFAULT_MODEL,
    data_dir: str | os.PathLike | None = None,
    run_dir: str | os.PathLike = "run",
    *,
    train: str | os.PathLike | None = None,
    valid: str | os.PathLike | None = None,
    test: str | os.PathLike | None = None,
    model_overrides: dict | None = None,
    resume: bool = False,
    evaluate_test: bool = True,
    n_train: int | None = None,
    n_valid: int | None = None,
    n_test: int | None = None,
    **overrides,
) -> Path:
    """Train a zoo model on DeepSEA-layout files and write a run directory.

    Parameters
    ----------
    model : str
        A zoo name (``motifscope.zoo.names()``) or a path to a ``.toml`` model card; by
        default :data:`motifscope.zoo.DEFAULT_MODEL` (``deepsea_default``).
    data_dir : str or os.PathLike or None
        Folder with ``train.mat``, ``valid.mat``, ``test.mat``.
    run_dir : str or os.PathLike
        Output run directory.
    train, valid, test : str or os.PathLike or None
        Explicit split files (override ``data_dir``'s).
    model_overrides : dict or None
        Keyword arguments of ``motifscope.zoo.build`` (``width``, ``dropout``...).
        ``seq_len`` and ``n_targets`` are taken from the data when they differ from the card.
    resume : bool
        Continue the run in ``run_dir`` from its last finished epoch.
    evaluate_test : bool
        Evaluate the best model on the test split (if any) and add it to ``metrics.json``;
        the per-target table goes to ``<run>/analyses/evaluate/``.
    n_train, n_valid, n_test : int or None
        Use only the first rows of each split.
    **overrides
        :class:`TrainConfig` fields (``epochs``, ``lr``, ``seed``, ``device``...) win over the
        card's ``[training]`` table; any other keyword is a model override.

    Returns
    -------
    pathlib.Path
        The run directory.
    """

    tfields = set(TrainConfig.fields())
    m_over = dict(model_overrides or {})
    t_over = {}
    for k, v in overrides.items():
        (t_over if k in tfields else m_over)[k] = v
    card = zoo.card(model)
    tconfig = config_from_card(card.get("training"), **t_over)
    data = load_data(data_dir, train=train, valid=valid, test=test,
                     n_train=n_train, n_valid=n_valid, batch_size=int(tconfig.batch_size),
                     seed=int(tconfig.seed))
    if int(card["input"]["seq_len"]) != data["seq_len"]:
        m_over.setdefault("seq_len", data["seq_len"])
    if int(card["input"]["n_targets"]) != data["n_targets"]:
        m_over.setdefault("n_targets", data["n_targets"])
    seed_all(int(tconfig.seed))  # the initial weights depend on the seed
    resuming = resume and (Path(run_dir) / "config.toml").exists()
    started: dict = {}
    if resuming:
        # rebuild exactly the model the run was started with

        started = read_config(run_dir).get("model", {})
        old = dict(started.get("overrides", {}))
        if old != m_over and m_over.keys() - {"seq_len", "n_targets"}:
            warnings.warn(f"resume: model overrides {m_over} ignored; the run was started "
                          f"with {old}", stacklevel=2)
        m_over = old
    if resuming and "arguments" in started:  # the network as built, whatever the card says now
        net = build_model(started, where=str(Path(run_dir) / "config.toml"))
    else:
        net = zoo.build(model, **m_over)
    if float(tconfig.seed_filters) > 0 and not resuming:  # a resumed run loads its weights
        _seed_filters(net, data["paths"]["train"], tconfig, run_dir)
    model_name = card["name"] if str(model).endswith(".toml") else model
    run_config = {
        "format": RUN_FORMAT,
        "model": model_table(str(model), m_over, net, name=model_name),
        "data": {k: v for k, v in data["paths"].items() if v is not None}
        | {k: v for k, v in (("n_train", n_train), ("n_valid", n_valid), ("n_test", n_test))
           if v is not None},
    }
    if str(model).endswith(".toml"):
        run_config["model"]["card"] = str(Path(model).resolve())
    fit(net, data["train"], data["valid"], config=tconfig, run_dir=run_dir,
        resume=resume, run_config=run_config)
    rank, _, _ = dist_env()
    if rank != 0:
        return Path(run_dir)
    metrics = _read_json(Path(run_dir) / "metrics.json")
    metrics["model"] = model_name
    metrics["parameters"] = run_config["model"]["parameters"]
    if evaluate_test and data["paths"].get("test"):
        metrics["test"] = _evaluate_test(net, data["paths"]["test"], n_test, tconfig, run_dir)
    write_metrics(run_dir, metrics)
    return Path(run_dir)


train = train_run


def _seed_filters(net, path, tconfig: TrainConfig, run_dir) -> None:
    """Seed the first layer from rows spread over the training file (every rank alike: the
    seeds depend on the data only); rank 0 writes them to ``<run>/seeded_kmers.tsv``."""
    import pandas as pd

    X, y = training_sample(path)
    seeds = seed_first_layer(net, X, y, fraction=float(tconfig.seed_filters),
                             k=int(tconfig.seed_k), max_sequences=None)
    if dist_env()[0] != 0:
        return
    with atomic_open(Path(run_dir) / "seeded_kmers.tsv", "w") as fh:
        pd.DataFrame(seeds, columns=["filter", "kmer", "task", "z"]).to_csv(fh, sep="\t",
                                                                            index=False)


def _evaluate_test(net, path, n_test, tconfig: TrainConfig, run_dir) -> dict:
    """Evaluate ``net`` on the test split with the evaluation analysis (its files go to the
    run's ``analyses/evaluate/``); returns the summary for ``metrics.json``."""

    Xt, yt = read_mat(path, stop=n_test)
    t0 = time.perf_counter()
    ctx = Context(Path(run_dir), net, Xt, yt, device=str(next(net.parameters()).device),
                  options={"evaluate": {"batch_size": int(tconfig.valid_batch_size),
                                        "data": str(path)}})
    attrs = run("evaluate", ctx).data["summary"]
    summary = {k: attrs[k] for k in ("av_auroc", "av_aupr", "n_scored", "n_targets",
                                     "strand_average")}
    summary["n"] = int(Xt.shape[0])
    summary["seconds"] = time.perf_counter() - t0
    return summary


def _read_json(path: Path) -> dict:
    import json

    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}
