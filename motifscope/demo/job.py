"""The main job: simulated data → three demo-size models → every analysis → a report.

:func:`run_demo` is what ``motifscope demo`` runs. On planted-motif data from
:func:`motifscope.data.simulate.simulate` it trains demo-size DeepSEA-, DanQ- and DeepATT-style
models, runs every analysis on each and scores it against the planted truth:

| analysis | score against the truth |
|---|---|
| evaluation | mean test AUROC over presence tasks and over grammar tasks |
| kernels → MEME → Tomtom | share of planted motifs matched by a first-layer kernel (q < 0.05) |
| kernel influence | presence tasks whose most influential kernel matches the task's planted motif (q < 0.05, q < 0.001; and for a re-initialised copy, the control) |
| attribution | per-method AUROC of planted-motif positions vs background (pooled), per-sequence AUROC/AUPR and SNR, with and without the gradient correction (``+gc``); saliency is not repeated, since at the observed base it equals gradient × input |
| seqlets | precision and recall of seqlets against planted instances, planted motifs recovered by annotated seqlets, strand agreement |
| temporal scores | share of positives whose forward score rises most (sustained over 5 positions) inside a motif (+5 bp) |
| class optimisation | share of presence tasks whose optimised input holds the task's motif |
| query similarity (DeepATT) | tasks sharing a planted motif vs tasks sharing none, permutation p |
| NeuronMotif (DeepSEA) | planted motifs matched by decoupled layer-2 neurons (q < 0.05) |

Each analysis writes into ``<run>/analyses/<name>/`` with a report section; the landing
page ``<out>/index.html`` links the three run reports and shows the scorecard.
"""

from __future__ import annotations

import json
import os
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motifscope import analysis
from motifscope.analysis import Output
from motifscope.core.atomic import atomic_open, atomic_write_text
from motifscope.data.simulate import simulate
from motifscope.demo import showcase
from motifscope.demo.scorecard import scorecard_view
from motifscope.demo.workers import Step, run_chains
from motifscope.io.deepsea import read_mat
from motifscope.methods.tomtom import compile_kernels
from motifscope.report import render_index, render_report
from motifscope.report.blocks import Metrics, Table
from motifscope.runs.directory import load_run, read_history
from motifscope.train import train_run
from motifscope.truth.scores import PlantedTruth, score

__all__ = ["DEMO_MODELS", "DEMO_OPTIONS", "DemoResult", "analyse_run", "run_demo"]

DEMO_MODELS = ("deepsea_demo", "danq_demo", "deepatt_demo")
#: The demo's analysis budgets where they differ from each analysis's defaults. Seqlets
#: from DeepLIFT-SHAP with 10 shuffled references instead of 20: on the three demo models
#: precision 0.970/0.970/0.966 vs 0.972/0.970/0.969, recall 0.865/0.855/0.891 vs
#: 0.866/0.848/0.894, the same planted motifs recovered (12, 11, 12), at 55-60 % of the time.
#: Re-checked on the validation split (those were test figures): precision 0.961/0.960/0.964
#: vs 0.960/0.957/0.971, recall 0.865/0.845/0.883 vs 0.862/0.842/0.879, motifs recovered
#: 12/11/12 vs 11/11/12.
DEMO_OPTIONS: dict = {"seqlets": {"n_shuffles": 10}}


@dataclass
class DemoResult:
    """What :func:`run_demo` produced.

    Attributes
    ----------
    out_dir : pathlib.Path
        The demo folder.
    report : pathlib.Path
        The landing page (``index.html``).
    scorecard : dict
        Per model, per analysis: the ground-truth scores.
    seconds : dict
        Wall time of each stage.
    failures : list of str
        Stages that raised (the demo goes on; the error is printed and recorded).
    """

    out_dir: Path
    report: Path
    scorecard: dict
    seconds: dict = field(default_factory=dict)
    failures: list = field(default_factory=list)


def _log(msg, progress):
    if progress:
        print(msg, flush=True)


class _Stage:
    def __init__(self, name, seconds, failures, progress):
        self.name, self.seconds, self.failures, self.progress = name, seconds, failures, progress

    def __enter__(self):
        self.t0 = time.perf_counter()
        _log(f"· {self.name} ...", self.progress)
        return self

    def __exit__(self, et, ev, tb):
        dt = time.perf_counter() - self.t0
        self.seconds[self.name] = round(dt, 1)
        if et is not None and issubclass(et, Exception):
            self.failures.append(f"{self.name}: {et.__name__}: {ev}")
            _log(f"  ! {self.name} failed: {et.__name__}: {ev}", True)
            if self.progress:
                traceback.print_exception(et, ev, tb, limit=4)
            return True
        _log(f"  {self.name}: {dt:.1f} s", self.progress)
        return False


def _scored(name, ctx, truth, seconds, failures, progress, label, results=None) -> dict:
    """Run one analysis, score it against the truth, add the scores to its section
    (the result goes into ``results[name]``)."""

    with _Stage(f"{label}: {name}", seconds, failures, progress):
        result = analysis.run(name, ctx)
        if results is not None:
            results[name] = result
        scores, table = score(result, truth, ctx)
        blocks = [Metrics(dict(scores), title="Against the planted truth")]
        if table is not None:
            Output(result.directory).table(table, "truth.tsv", float_format="%.6g")
            blocks.append(Table("truth.tsv", title="Scores against the planted truth"))
        result.add_blocks(blocks)
        return scores
    return {}  # the stage failed; _Stage recorded it


def analyse_run(run_dir, sim_dir, *, quick: bool = False, seed: int = 0, progress: bool = True,
                seconds: dict | None = None, failures: list | None = None,
                options: dict | None = None) -> dict:
    """Run every analysis that applies to a trained run and score it against the truth.

    Parameters
    ----------
    run_dir : str or pathlib.Path
        A run directory trained on the simulation in ``sim_dir``.
    sim_dir : str or pathlib.Path
        The folder :func:`motifscope.data.simulate.simulate` wrote.
    quick : bool
        Fewer sequences, steps and neurons (for tests).
    seed : int
        Seed of every random choice.
    progress : bool
        Print progress.
    seconds : dict or None
        Filled with the wall time of each stage.
    failures : list or None
        Filled with the stages that raised.
    options : dict or None
        Per-analysis options (:class:`motifscope.analysis.Context`'s ``options``);
        ``None``: :data:`DEMO_OPTIONS` (none when ``quick``).

    Returns
    -------
    dict
        The run's scorecard (also written to ``<run>/analyses/scorecard.json``).
    """
    from dataclasses import replace

    run_dir, sim_dir = Path(run_dir), Path(sim_dir)
    seconds = {} if seconds is None else seconds
    failures = [] if failures is None else failures
    model = load_run(run_dir).model.eval()
    truth = PlantedTruth.from_simulation(sim_dir, split="test")
    X, y = read_mat(sim_dir / "test.mat")
    half = X.shape[0] // 2  # the second half holds the reverse complements
    presence = truth.kind("presence")
    names = list(truth.tasks.sort_values("task")["name"].astype(str))
    base = analysis.Context(run_dir, model, X, np.asarray(y), targets=presence, target_names=names,
                            motif_db=truth.motifs, seed=seed, quick=quick, device="cpu",
                            options=dict(({} if quick else DEMO_OPTIONS) if options is None else options))
    card = _scored("evaluate", base, truth, seconds, failures, progress, run_dir.name)
    per = run_dir / "analyses" / "evaluate" / "per_target.csv"
    if per.exists():  # the other analyses look at the best-learned presence tasks first
        import pandas as pd

        au = pd.read_csv(per).set_index("target")["auroc"]
        presence = sorted(presence, key=lambda t: -np.nan_to_num(au.get(t, 0.0)))
    fwd = replace(base, X=X[:half], y=np.asarray(y[:half]), targets=presence)
    results = {}
    for name in analysis.applicable(model, analysis.ANALYSES[1:]):
        card.update(_scored(name, fwd, truth, seconds, failures, progress, run_dir.name, results))
    with _Stage(f"{run_dir.name}: showcase", seconds, failures, progress):
        showcase.write(run_dir, truth, results)
    atomic_write_text(run_dir / "analyses" / "scorecard.json",
                      json.dumps(card, indent=1, default=float))
    return card


def run_demo(out_dir="motifscope-demo", *, seed: int = 0, models=DEMO_MODELS, length: int = 200,
             n_train: int = 30000, n_valid: int = 2000, n_test: int = 4000,
             epochs: int | None = None, gc: float = 0.5, min_instance_quantile: float = 0.5,
             quick: bool = False, progress: bool = True, workers: int | None = None,
             threads: int = 1) -> DemoResult:
    """Simulate data, train the demo models, run every analysis, write the report.

    Parameters
    ----------
    out_dir : str or pathlib.Path
        Output folder: ``data/`` (the simulation), ``runs/<model>/`` (run directories with
        their analyses and reports) and ``index.html``.
    seed : int
        Seed of the simulation, the training and every analysis.
    models : sequence of str
        Zoo names of the models to train.
    length : int
        Sequence length of the simulation.
    n_train, n_valid, n_test : int
        Sequences per split (train and test count both strands).
    epochs : int or None
        Maximum training epochs per model (early stopping may end sooner); ``None``: each
        model card's ``epochs`` (3, 16 and 7 for the three demo models).
    gc : float
        GC content of the simulated background (0.5: uniform bases).
    min_instance_quantile : float
        Plant only motif instances whose PWM score is above this quantile of the PPM's
        samples (see :class:`~motifscope.data.simulate.SimulationParams`). With 0.5 and a
        uniform background the planted PWMs themselves reach a mean presence AUROC of
        0.990 on the test set (0.946 with plain PPM samples on a 41 % GC background,
        where Arid3a's ATTAAA core occurs by chance in most sequences).
    quick : bool
        A small, fast configuration for tests.
    progress : bool
        Print progress.
    workers : int or None
        Processes that train and analyse models side by side (each model's analyses
        follow its training; :func:`motifscope.demo.workers.run_chains`). ``None``: one per
        CPU core, at most one per model. Each worker's progress bars and tracebacks go to
        ``<out>/<model>.log``; 1 runs everything in this process. Workers are
        ``spawn``-ed: a script that calls this with more than one needs the
        ``if __name__ == "__main__":`` guard.
    threads : int
        Threads of every training and analysis step. The results depend on it (the order
        of floating-point sums) but not on ``workers``.

    Returns
    -------
    DemoResult
    """

    t_all = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict = {}
    failures: list = []
    if workers is None:
        workers = max(1, min(len(models), os.cpu_count() or 1))
    if quick:
        n_train, n_valid, n_test, epochs = min(n_train, 2000), min(n_valid, 400), min(n_test, 400), min(epochs or 2, 2)
    with _Stage("simulate", seconds, failures, progress):
        sim = out / "data"
        simulate(sim, length=length, n_train=n_train, n_valid=n_valid, n_test=n_test, seed=seed,
                 gc=gc, min_instance_quantile=min_instance_quantile)
    if failures:
        raise RuntimeError(failures[0])
    scorecard, entries = {}, []
    _log(f"landing page: {(out / 'index.html').resolve()} (refreshed after each model)", progress)
    report = _landing(out, entries, scorecard, failures)
    runs = [out / "runs" / m for m in models]
    chains = [[Step(_train_job, (m, sim, run, seed, epochs, progress)),
               Step(_analyse_job, (run, sim, quick, seed, progress))]
              for m, run in zip(models, runs)]
    logs = [out / f"{m}.log" for m in models]

    if workers > 1:  # compile Tomtom's kernel here while the workers train
        import threading

        threading.Thread(target=compile_kernels, args=(threads,), daemon=True).start()

    def untrained(i, k, result):  # a training that failed ends its model's chain
        return k == 0 and not (runs[i] / "model.pt").exists()

    for i, k, (secs, fails, card) in run_chains(chains, workers=workers, threads=threads,
                                                logs=logs, stop_chain=untrained):
        seconds.update(secs)
        failures.extend(fails)
        if k == 1:
            scorecard[models[i]] = card
            scorecard = {m: scorecard[m] for m in models if m in scorecard}  # in model order
            entries.append({"title": models[i], "href": f"runs/{models[i]}/report/index.html",
                            "summary": f"trained {len(read_history(runs[i]))} epochs on "
                                       f"{n_train} simulated sequences",
                            "pictures": _pictures(runs[i], out)})
            entries.sort(key=lambda e: models.index(e["title"]))
            report = _landing(out, entries, scorecard, failures)  # open it while the rest runs
    seconds["total"] = round(time.perf_counter() - t_all, 1)
    atomic_write_text(out / "timings.json", json.dumps(seconds, indent=1))
    report = _landing(out, entries, scorecard, failures)
    return DemoResult(out, report, scorecard, seconds, failures)


def _train_job(model, sim, run, seed, epochs, progress):
    """Train one demo model (a pipeline step): ``(seconds, failures, None)``."""

    seconds, failures = {}, []
    with _Stage(f"{model}: train", seconds, failures, progress):
        extra = {} if epochs is None else {"epochs": epochs}
        train_run(model, sim, run, seed=seed, progress=progress, device="cpu", **extra)
    return seconds, failures, None


def _analyse_job(run, sim, quick, seed, progress):
    """Run every analysis of a trained demo run and its report (a pipeline step):
    ``(seconds, failures, scorecard)``."""

    seconds, failures = {}, []
    card = analyse_run(run, sim, quick=quick, seed=seed, progress=progress, seconds=seconds,
                       failures=failures)
    with _Stage(f"{run.name}: report", seconds, failures, progress):
        render_report(run, run / "report", title=f"{run.name} on simulated data")
    return seconds, failures, card


def _pictures(run, out) -> list[dict]:
    """A run's headline pictures, as paths relative to the landing page."""

    return [{"src": str(p.relative_to(out)), "caption": c} for p, c in showcase.pictures(run)]


def _landing(out: Path, entries: list, scorecard: dict, failures: list) -> Path:
    """Write the scorecards and the landing page for the models finished so far."""
    import pandas as pd

    table = pd.DataFrame(scorecard)
    table.index.name = "score"
    with atomic_open(out / "scorecard.tsv") as fh:
        table.to_csv(fh, sep="\t")
    with atomic_open(out / "scorecard_view.tsv") as fh:
        scorecard_view(scorecard).to_csv(fh, sep="\t")
    blocks = [{"type": "text", "text": (
        "Every analysis scored against the planted truth of the simulation (12 JASPAR motifs, "
        "presence and grammar tasks); ✗ marks a score below what a model that learned the "
        "planted motifs reaches. Full-precision scores: scorecard.tsv.")},
        {"type": "table", "path": "scorecard_view.tsv", "title": "Ground-truth scorecard",
         "max_rows": 100},
        {"type": "files", "paths": ["scorecard.tsv"]}]
    if failures:
        blocks.append({"type": "text", "title": "Stages that failed", "text": "\n\n".join(failures)})
    return render_index([dict(e) for e in entries], out, title="motifscope demo", blocks=blocks)
