"""The main job: simulated data → three demo-size models → every analysis → a report.

:func:`run_demo` is what ``motifscope demo`` runs. On planted-motif data from
:func:`motifscope.data.simulate.simulate` it trains demo-size DeepSEA-, DanQ- and DeepATT-style
models, runs every analysis on each and scores it against the planted truth:

| analysis | score against the truth |
|---|---|
| evaluation | mean test AUROC over presence tasks and over grammar tasks |
| kernels → MEME → Tomtom | share of planted motifs matched by a first-layer kernel (q < 0.05) |
| attribution | per-method AUROC of planted-motif positions vs background |
| temporal scores | share of positives whose forward score rises most inside a motif (+5 bp) |
| class optimisation | share of presence tasks whose optimised input holds the task's motif |
| query similarity (DeepATT) | tasks sharing a planted motif vs tasks sharing none, permutation p |
| NeuronMotif (DeepSEA) | planted motifs matched by decoupled layer-2 neurons (q < 0.05) |

Each analysis writes into ``<run>/analyses/<name>/`` with a report section; the landing
page ``<out>/index.html`` links the three run reports and shows the scorecard.
"""

from __future__ import annotations

import json
import time
import traceback
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

__all__ = ["DemoResult", "run_demo", "analyse_run", "DEMO_MODELS"]

DEMO_MODELS = ("deepsea_demo", "danq_demo", "deepatt_demo")


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


def _log(msg, verbose):
    if verbose:
        print(msg, flush=True)


class _Stage:
    def __init__(self, name, seconds, failures, verbose):
        self.name, self.seconds, self.failures, self.verbose = name, seconds, failures, verbose

    def __enter__(self):
        self.t0 = time.perf_counter()
        _log(f"· {self.name} ...", self.verbose)
        return self

    def __exit__(self, et, ev, tb):
        dt = time.perf_counter() - self.t0
        self.seconds[self.name] = round(dt, 1)
        if et is not None and issubclass(et, Exception):
            self.failures.append(f"{self.name}: {et.__name__}: {ev}")
            _log(f"  ! {self.name} failed: {et.__name__}: {ev}", True)
            if self.verbose:
                traceback.print_exception(et, ev, tb, limit=4)
            return True
        _log(f"  {self.name}: {dt:.1f} s", self.verbose)
        return False


def _presence_tasks(tasks):
    return [int(t) for t in tasks.loc[tasks["kind"] == "presence", "task"]]


def _motif_ids(value) -> list[str]:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return []
    return [m for m in str(value).replace(";", ",").split(",") if m.strip()]


def analyse_run(run_dir, sim_dir, *, quick: bool = False, seed: int = 0, verbose: bool = True,
                seconds: dict | None = None, failures: list | None = None) -> dict:
    """Run every analysis on a trained run and score it against the simulation's truth.

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
    verbose : bool
        Print progress.
    seconds : dict or None
        Filled with the wall time of each stage.
    failures : list or None
        Filled with the stages that raised.

    Returns
    -------
    dict
        The run's scorecard (also written to ``<run>/analyses/scorecard.json``).
    """
    from motifscope import load_run
    from motifscope.data.deepsea import read_mat
    from motifscope.data.simulate import read_ground_truth
    from motifscope.meme import read_meme, write_meme
    from motifscope.report import write_section

    run_dir, sim_dir = Path(run_dir), Path(sim_dir)
    seconds = {} if seconds is None else seconds
    failures = [] if failures is None else failures
    name = run_dir.name
    model = load_run(run_dir).model.eval()
    tasks, inst = read_ground_truth(sim_dir)
    planted = read_meme(sim_dir / "motifs.meme")
    by_id = {m.name: m for m in planted}
    presence = _presence_tasks(tasks)
    X, y = read_mat(sim_dir / "test.mat")
    half = X.shape[0] // 2  # second half = reverse complements
    Xf, yf = X[:half], np.asarray(y[:half])
    inst_test = inst[inst["split"] == "test"] if "split" in inst.columns else inst
    card: dict = {}
    ranked = list(presence)  # replaced by the tasks in order of test AUROC
    adir = run_dir / "analyses"

    def stage(label):
        return _Stage(f"{name}: {label}", seconds, failures, verbose)

    # 1. evaluation --------------------------------------------------------------------
    with stage("evaluation"):
        import pandas as pd

        per = pd.read_csv(adir / "evaluate" / "per_target.csv")
        col = "auroc" if "auroc" in per.columns else [c for c in per.columns if "auroc" in c][0]
        tcol = "target" if "target" in per.columns else per.columns[0]
        au = dict(zip(per[tcol].astype(int), per[col]))
        grammar = [int(t) for t in tasks.loc[tasks["kind"] == "grammar", "task"]]
        card["test AUROC, presence tasks"] = float(np.nanmean([au[t] for t in presence]))
        ranked = sorted(presence, key=lambda t: -np.nan_to_num(au.get(t, 0.0)))
        card["oracle AUROC, presence tasks"] = _oracle_auroc(X, np.asarray(y), planted, tasks, presence)
        if grammar:
            card["test AUROC, grammar tasks"] = float(np.nanmean([au[t] for t in grammar]))
        write_section(adir / "evaluate", title="Test evaluation", order=10,
                      summary=f"presence AUROC {card['test AUROC, presence tasks']:.3f}", blocks=[
            {"type": "text", "text": "Per-task AUROC and AUPR on the test split, forward and "
                                     "reverse-complement predictions averaged."},
            {"type": "table", "path": "per_target.csv", "max_rows": 100},
        ])

    # 2. kernels → motifs → Tomtom vs the planted motifs ------------------------------------
    with stage("kernels"):
        from motifscope.kernels import kernels_to_motifs
        from motifscope.logo import logo_gallery
        from motifscope.tomtom import tomtom

        pos_any = np.flatnonzero(yf[:, presence].max(1) > 0)[: (300 if quick else 2000)]
        kms = kernels_to_motifs(model, Xf[pos_any], method="danq", verbose=False)
        kd = adir / "kernels"
        kd.mkdir(parents=True, exist_ok=True)
        write_meme(kms, kd / "motifs.meme")
        hits = tomtom(kms, planted, dist="pearson", thresh=0.05)
        hits.to_csv(kd / "tomtom_planted.tsv", sep="\t", index=False)
        found = sorted(set(hits["target"]))
        card["planted motifs found by kernels"] = f"{len(found)}/{len(planted)}"
        card["kernel recovery share"] = len(found) / len(planted)
        best = hits.sort_values("p_value").drop_duplicates("query").head(24) if len(hits) else hits
        show = [m for m in kms if m.name in set(best["query"])] or kms[:12]
        paths = logo_gallery(show, kd / "logos", verbose=False)
        sub = {r.query: f"{r.target} {by_id[r.target].alt_name or ''} (q={r.q_value:.1e})"
               for r in best.itertuples()} if len(best) else {}
        write_section(kd, title="Kernel motifs", order=30,
                      summary=f"{len(found)}/{len(planted)} planted motifs matched (Tomtom q < 0.05)",
                      blocks=[
            {"type": "metrics", "data": {"kernels with sites": len(kms),
                                         "planted motifs matched": f"{len(found)}/{len(planted)}"}},
            {"type": "gallery", "items": [
                {"image": str(p.relative_to(kd)), "caption": m.name, "subtitle": sub.get(m.name, "")}
                for m, p in zip(show, paths)]},
            {"type": "table", "path": "tomtom_planted.tsv", "max_rows": 40,
             "title": "Tomtom (Pearson) of kernels vs the planted motifs"},
            {"type": "files", "paths": ["motifs.meme", "tomtom_planted.tsv"]},
        ])

    # 3. attribution scored against the planted positions ----------------------------------
    with stage("attribution"):
        from motifscope import attribution as A
        from motifscope.errors import MotifscopeWarning

        ad = adir / "attribution"
        ad.mkdir(parents=True, exist_ok=True)
        n_seq = 8 if quick else 24
        t_list = ranked[:2] if quick else list(presence)  # quick: the two best-learned tasks
        methods = {
            "saliency": lambda Xs, t: A.saliency(model, Xs, target=t),
            "gradient_x_input": lambda Xs, t: A.gradient_x_input(model, Xs, target=t),
            "integrated_gradients": lambda Xs, t: A.integrated_gradients(model, Xs, target=t, n_steps=20 if quick else 32),
            "deeplift_shap": lambda Xs, t: A.deeplift_shap(model, Xs, target=t, n_shuffles=5 if quick else 20,
                                                             random_state=seed),
            "ism": lambda Xs, t: -A.ism(model, Xs, target=t).sum(1, keepdim=True) / 3 * Xs,
        }
        rows = []
        example = None
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always", MotifscopeWarning)
            for t in t_list:
                idx = np.flatnonzero(yf[:, t] > 0)[:n_seq]
                if not len(idx):
                    continue
                Xs = Xf[idx]
                for mname, fn in methods.items():
                    attr = fn(Xs, t)
                    attr = attr.attributions if hasattr(attr, "attributions") else attr
                    sc = A.score_against_truth(attr, Xs, inst_test, task=t, split=None, rows=idx)
                    rows.append({"method": mname, "task": t, "task_name": tasks.loc[t, "name"],
                                 "auroc": sc["auroc"], "sequences": sc["n_sequences"]})
                    if mname == "deeplift_shap" and example is None:
                        example = (attr[0].detach().numpy(), Xs[0].numpy(), t, int(idx[0]))
        _report_deltas(caught, name, len(t_list))

        import pandas as pd

        df = pd.DataFrame(rows)
        df.to_csv(ad / "truth_auroc.tsv", sep="\t", index=False)
        summary = df.groupby("method")["auroc"].mean().sort_values(ascending=False)
        for m, v in summary.items():
            card[f"attribution AUROC, {m}"] = float(v)
        blocks = [{"type": "text", "text": (
            "AUROC with which the attribution at the observed base separates planted-motif "
            "positions from background positions in positive test sequences, mean over the "
            f"presence tasks {', '.join(str(t) for t in t_list)} ({n_seq} sequences each; ISM: "
            "minus the mean effect of the three substitutions).")},
            {"type": "metrics", "data": {k: round(float(v), 3) for k, v in summary.items()}},
            {"type": "table", "path": "truth_auroc.tsv"}]
        if example is not None:
            import matplotlib

            matplotlib.use("Agg")
            import matplotlib.pyplot as plt

            from motifscope.logo import plot_logo

            a, xs, t, row = example
            contrib = a * xs
            fig, axes = plt.subplots(2, 1, figsize=(13, 4))
            axes[0].bar(np.arange(contrib.shape[1]), contrib.sum(0), width=1.0, color="#4c72b0")
            axes[0].set_title(f"DeepLIFT-SHAP, task {t} ({tasks.loc[t, 'name']}), test sequence {row}")
            sub = inst_test[(inst_test["seq"] == row)]
            for s, e in zip(sub["start"], sub["end"]):
                axes[0].axvspan(s - 0.5, e - 0.5, color="orange", alpha=0.25)
            axes[0].set_xlim(-0.5, contrib.shape[1] - 0.5)
            centre = int(np.argmax(np.abs(contrib.sum(0))))
            lo = max(0, min(centre - 15, contrib.shape[1] - 30))
            plot_logo(contrib[:, lo : lo + 30], ax=axes[1], kind="raw")
            ticks = list(range(0, 30, 5))
            axes[1].set_xticks(ticks, [str(lo + t) for t in ticks])  # absolute positions
            axes[1].set_title(f"contributions, positions {lo}–{lo + 29}")
            fig.tight_layout()
            fig.savefig(ad / "example.png", dpi=100)
            plt.close(fig)
            blocks.insert(1, {"type": "image", "path": "example.png",
                              "caption": "orange: planted instances"})
        write_section(ad, title="Attribution vs ground truth", order=20,
                      summary=f"best: {summary.index[0]} AUROC {summary.iloc[0]:.3f}", blocks=blocks)

    # 4. temporal output scores ---------------------------------------------------------------
    with stage("temporal"):
        from motifscope.temporal import plot_temporal, score_rises_against_truth, temporal_figure, temporal_scores
        from motifscope.sequence import decode

        td = adir / "temporal"
        td.mkdir(parents=True, exist_ok=True)
        t = ranked[0]  # the presence task the model learned best
        idx = np.flatnonzero(yf[:, t] > 0)[: (6 if quick else 16)]
        res = temporal_scores(model, Xf[idx], target=t, direction="both", step=1)
        intervals = []
        for r in idx:
            sub = inst_test[(inst_test["seq"] == r)]
            intervals.append([(int(s), int(e)) for s, e, ts in zip(sub["start"], sub["end"], sub["tasks"])
                              if str(t) in str(ts).split(",")])
        sc = score_rises_against_truth(res.forward, res.positions, intervals)
        card["temporal: rise inside motif"] = sc["share"]
        np.savez_compressed(td / "temporal_scores.npz", forward=res.forward, backward=res.backward,
                            positions=res.positions, rows=idx)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        seqs = decode(Xf[idx[:3]])
        fig, axes = plt.subplots(len(seqs), 1, figsize=(14, 1.5 * len(seqs)))
        for i, ax in enumerate(np.atleast_1d(axes)):
            plot_temporal(res, i, seq=seqs[i], ax=ax, title=f"task {t}, test sequence {idx[i]}: motif at "
                          + ", ".join(f"{a}–{b}" for a, b in intervals[i]))
        fig.tight_layout()
        fig.savefig(td / "temporal.png", dpi=100)
        plt.close(fig)
        (td / "temporal.plotly.json").write_text(temporal_figure(res, 0, seq=seqs[0]).to_json())
        write_section(td, title="Temporal output scores", order=40,
                      summary=f"rise inside the motif in {sc['share']:.0%} of positives", blocks=[
            {"type": "text", "text": (
                f"Task {t} ({tasks.loc[t, 'name']}): the model's probability after seeing each prefix "
                "(forward) and suffix (backward); the unseen part is all-zero (N). Share of positive "
                f"sequences whose forward score rises most inside a planted motif (or ≤ 5 bp after): "
                f"{sc['share']:.2f}.")},
            {"type": "plotly", "path": "temporal.plotly.json"},
            {"type": "image", "path": "temporal.png"},
        ])

    # 5. class optimisation ----------------------------------------------------------------
    with stage("class optimisation"):
        from motifscope.logo import plot_logo
        from motifscope.optimize import contains_motif, optimize_targets

        od = adir / "optimize"
        od.mkdir(parents=True, exist_ok=True)
        results = optimize_targets(model, presence, steps=60 if quick else 300,
                                   restarts=2 if quick else 4, lr=0.1, random_state=seed)
        ok_rows = []
        for t, r in zip(presence, results):
            mids = _motif_ids(tasks.loc[t, "motifs"])
            ok, s, bar = contains_motif(r.ppm, by_id[mids[0]]) if mids and mids[0] in by_id else (False, np.nan, np.nan)
            ok_rows.append({"task": t, "name": tasks.loc[t, "name"], "logit": r.score,
                            "contains planted motif": ok, "match log-odds": s, "instance median": bar})
        import pandas as pd

        odf = pd.DataFrame(ok_rows)
        odf.to_csv(od / "optimize.tsv", sep="\t", index=False)
        card["class optimisation: motif recovered"] = float(odf["contains planted motif"].mean())
        write_meme([r.motif for r in results], od / "optimized.meme")
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        n = len(results)
        fig, axes = plt.subplots(n, 1, figsize=(14, 1.1 * n))
        for ax, t, r in zip(np.atleast_1d(axes), presence, results):
            plot_logo(r.ppm, ax=ax)
            ax.set_ylabel(str(tasks.loc[t, "name"]), rotation=0, ha="right", fontsize=8)
            ax.set_xticks([])
        fig.tight_layout()
        fig.savefig(od / "optimized_logos.png", dpi=90)
        plt.close(fig)
        write_section(od, title="Class optimisation", order=45,
                      summary=f"{odf['contains planted motif'].sum()}/{len(odf)} tasks recover their motif",
                      blocks=[
            {"type": "text", "text": "Input optimised for each presence task (softmax parametrisation "
                                     "started from random sequences, RMSprop, 4 restarts). A task counts as recovered when the optimised "
                                     "sequence scores its planted motif at least as well as the median "
                                     "instance sampled from that motif."},
            {"type": "image", "path": "optimized_logos.png"},
            {"type": "table", "path": "optimize.tsv"},
            {"type": "files", "paths": ["optimized.meme"]},
        ])

    # 6. DeepATT query-vector similarity ------------------------------------------------------
    if hasattr(model, "attention") and hasattr(model.attention, "queries"):
        with stage("query similarity"):
            from motifscope.similarity import similarity_analysis

            T = model.n_targets
            mot = [set(_motif_ids(v)) for v in tasks.sort_values("task")["motifs"]]
            share = np.array([[bool(mot[i] & mot[j]) for j in range(T)] for i in range(T)])
            res = similarity_analysis(model, adir / "similarity",
                                      labels=[f"{r.task} {r.name}" for r in tasks.sort_values("task").itertuples()],
                                      categories=list(tasks.sort_values("task")["kind"]),
                                      pair_masks={"share a planted motif": share},
                                      n_permutations=300 if quick else 2000, random_state=seed)
            st = res["statistics"]
            row = st[(st["queries"] == "trained") & (st["grouping"] == "share a planted motif")].iloc[0]
            rnd = st[(st["queries"] == "random") & (st["grouping"] == "share a planted motif")].iloc[0]
            card["similarity: shared-motif pairs"] = float(row["within"])
            card["similarity: other pairs"] = float(row["between"])
            card["similarity: p (trained)"] = float(row["p_value"])
            card["similarity: p (random queries)"] = float(rnd["p_value"])

    # 7. NeuronMotif on the DeepSEA-style CNN ---------------------------------------------------
    if "deepsea" in name:
        with stage("neuronmotif"):
            card.update(_neuronmotif_stage(model, adir / "neuronmotif", planted, quick=quick, seed=seed))

    (adir).mkdir(parents=True, exist_ok=True)
    (adir / "scorecard.json").write_text(json.dumps(card, indent=1, default=float))
    return card


def _report_deltas(caught, name: str, n_tasks: int) -> None:
    """Re-issue recorded warnings, folding the per-task DeepLIFT delta warnings into one."""
    from motifscope.errors import MotifscopeWarning

    deltas = [w for w in caught if issubclass(w.category, MotifscopeWarning)]
    for w in caught:
        if not issubclass(w.category, MotifscopeWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if deltas:
        warnings.warn(f"{name}: DeepLIFT-SHAP warned on {len(deltas)} of {n_tasks} tasks; the "
                      f"first: {deltas[0].message}", MotifscopeWarning, stacklevel=2)


def _oracle_auroc(X, y, planted, tasks, presence) -> float:
    """Mean test AUROC of the planted PWMs themselves (best window, both strands).

    This is the ceiling a model can reach on presence tasks: low-information motifs
    (e.g. Arid3a's ATTAA core) also occur by chance in background sequences.
    """
    import torch
    from sklearn.metrics import roc_auc_score

    by_id = {m.name: m for m in planted}
    half = X.shape[0] // 2
    Xf = torch.as_tensor(X[:half])
    out = []
    for t in presence:
        mids = _motif_ids(tasks.loc[t, "motifs"])
        if not mids or mids[0] not in by_id:
            continue
        W = torch.tensor(by_id[mids[0]].pwm(), dtype=torch.float32)
        s = torch.maximum(torch.nn.functional.conv1d(Xf, W[None]).amax(-1),
                          torch.nn.functional.conv1d(Xf, W.flip(0, 1)[None]).amax(-1))[:, 0]
        if 0 < y[:half, t].sum() < half:
            out.append(roc_auc_score(y[:half, t], s.numpy()))
    return float(np.mean(out)) if out else float("nan")


def _neuronmotif_stage(model, out, planted, *, quick, seed) -> dict:
    """Decouple a few layer-2 neurons and match their motifs to the planted set."""
    import pandas as pd

    from motifscope.neuronmotif import decouple_layer, strongest_neurons
    from motifscope.report import write_section

    out.mkdir(parents=True, exist_ok=True)
    neurons = strongest_neurons(model, 2, 2 if quick else 3)
    summary = decouple_layer(model, 2, neurons, out, targets=planted, random_state=seed,
                             n_jobs=1, population=200 if quick else 300,
                             max_forwards=10_000 if quick else 25_000, progress=False)
    found, rows = set(), []
    for c in neurons:
        f = out / "layer2" / f"neuron{c:04d}" / "tomtom.tsv"
        if f.exists() and f.stat().st_size:
            tab = pd.read_csv(f, sep="\t")
            if len(tab) and "q_value" in tab.columns:
                hit = tab[tab["q_value"] < 0.05]
                found |= set(hit["target"])
                rows.append({"neuron": c, "matches": ", ".join(sorted(set(hit["target_name"].astype(str))))})
    summary.to_csv(out / "summary_demo.tsv", sep="\t", index=False)
    blocks = [
        {"type": "text", "text": (
            f"Layer-2 neurons {neurons} of the DeepSEA-style CNN decoupled into CRM motifs; "
            "sub-motifs matched to the planted motifs with Tomtom (q < 0.05).")},
        {"type": "metrics", "data": {"planted motifs recovered": f"{len(found)}/{len(planted)}"}},
        {"type": "table", "path": "summary_demo.tsv"},
    ]
    gal = out / "layer2" / "gallery.html"
    if gal.exists():
        blocks.append({"type": "link", "path": "layer2/gallery.html", "copy_dir": "layer2",
                       "text": "open the layer-2 gallery"})
    write_section(out, title="NeuronMotif", order=50,
                  summary=f"{len(found)}/{len(planted)} planted motifs from layer-2 neurons", blocks=blocks)
    return {"neuronmotif layer-2 neurons": len(neurons),
            "planted motifs found by layer-2 neurons": f"{len(found)}/{len(planted)}"}


def run_demo(out_dir="motifscope-demo", *, seed: int = 0, models=DEMO_MODELS, length: int = 200,
             n_train: int = 30000, n_valid: int = 2000, n_test: int = 4000,
             epochs: int | None = None, gc: float = 0.5, min_instance_quantile: float = 0.5,
             quick: bool = False, verbose: bool = True) -> DemoResult:
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
        model card's ``epochs`` (10, 16 and 14 for the three demo models).
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
    verbose : bool
        Print progress.

    Returns
    -------
    DemoResult
    """
    from motifscope.data.simulate import simulate
    from motifscope.report import render_index, render_report
    from motifscope.rundir import read_history
    from motifscope.train import train_run

    t_all = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    seconds: dict = {}
    failures: list = []
    if quick:
        n_train, n_valid, n_test, epochs = min(n_train, 2000), min(n_valid, 400), min(n_test, 400), min(epochs or 2, 2)
    with _Stage("simulate", seconds, failures, verbose):
        sim = out / "data"
        simulate(sim, length=length, n_train=n_train, n_valid=n_valid, n_test=n_test, seed=seed,
                 gc=gc, min_instance_quantile=min_instance_quantile)
    if failures:
        raise RuntimeError(failures[0])
    scorecard = {}
    entries = []
    for m in models:
        run = out / "runs" / m
        with _Stage(f"{m}: train", seconds, failures, verbose):
            extra = {} if epochs is None else {"epochs": epochs}
            train_run(m, sim, run, seed=seed, progress=verbose, device="cpu", **extra)
        if not (run / "model.pt").exists():
            continue
        card = analyse_run(run, sim, quick=quick, seed=seed, verbose=verbose, seconds=seconds,
                           failures=failures)
        with _Stage(f"{m}: report", seconds, failures, verbose):
            render_report(run, run / "report", title=f"{m} on simulated data")
        scorecard[m] = card
        entries.append({"title": m, "href": f"runs/{m}/report/index.html",
                        "summary": f"trained {len(read_history(run))} epochs on {n_train} simulated sequences",
                        "metrics": {k: v for k, v in card.items()}})
    import pandas as pd

    table = pd.DataFrame(scorecard)
    table.index.name = "score"
    table.to_csv(out / "scorecard.tsv", sep="\t")
    seconds["total"] = round(time.perf_counter() - t_all, 1)
    (out / "timings.json").write_text(json.dumps(seconds, indent=1))
    blocks = [{"type": "text", "text": (
        "Every analysis scored against the planted truth of the simulation (12 JASPAR motifs, "
        "presence and grammar tasks).")},
        {"type": "table", "path": "scorecard.tsv", "title": "Ground-truth scorecard", "max_rows": 100}]
    if failures:
        blocks.append({"type": "text", "title": "Stages that failed", "text": "\n\n".join(failures)})
    report = render_index(entries, out, title="motifscope demo", blocks=blocks)
    return DemoResult(out, report, scorecard, seconds, failures)
