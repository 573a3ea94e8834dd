"""Scores of analysis results against a planted truth (simulated data).

:func:`score` takes a :class:`~motifscope.analysis.Result` and a :class:`PlantedTruth` and
returns ``(scores, table)``: a dict of named numbers for the scorecard and an optional
DataFrame with the details. There is one definition of each score; the demo and the
``analyses/`` scripts use these.

========================  ===========================================================
analysis                  score
========================  ===========================================================
``evaluate``              mean test AUROC over presence and over grammar tasks; the AUROC
                          of the planted PWMs themselves (the ceiling)
``kernels``               planted motifs matched by a kernel motif (Tomtom q < 0.05)
``attribution``           per method, AUROC of planted-motif positions vs background (pooled),
                          per-sequence AUROC/AUPR on informative PWM columns, SNR
``seqlets``               seqlet precision/recall against planted instances, planted
                          motifs recovered by annotated seqlets, strand agreement
``temporal``              share of positives whose forward score rises most (sustained) inside a motif
``optimize``            share of targets whose optimised input holds the task's motif
``similarity``            similarity of tasks sharing a planted motif vs the others, p
``neuronmotif``           planted motifs matched by the decoupled neurons (q < 0.05)
``influence``             presence tasks whose most influential first-layer kernel
                          matches the task's planted motif (Tomtom q < 0.05 and
                          q < 0.001), and the same for a randomly re-initialised copy
                          of the model (the control)
========================  ===========================================================
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from motifscope.data.simulate import read_ground_truth
from motifscope.io.meme import read_meme
from motifscope.methods.influence import filter_influence
from motifscope.methods.kernels import kernels_to_motifs
from motifscope.methods.similarity import similarity_statistics
from motifscope.methods.tomtom import tomtom
from motifscope.truth.attribution import score_against_truth
from motifscope.truth.optimize import contains_motif
from motifscope.truth.temporal import score_rises_against_truth

__all__ = ["PlantedTruth", "influence_matches", "score", "seqlet_truth"]


@dataclass
class PlantedTruth:
    """What :func:`motifscope.data.simulate.simulate` planted.

    Attributes
    ----------
    tasks : pandas.DataFrame
        One row per task (``task``, ``name``, ``kind``, ``motifs``), indexed by ``task``.
    instances : pandas.DataFrame
        Planted instances of one split (``seq`` is the row in that split's file).
    motifs : list of Motif
        The planted motifs.
    """

    tasks: object
    instances: object
    motifs: list

    @classmethod
    def from_simulation(cls, sim_dir, split: str = "test") -> PlantedTruth:
        """Read ``tasks.tsv``, ``instances.tsv`` (rows of ``split``) and ``motifs.meme``."""

        tasks, inst = read_ground_truth(sim_dir)
        if "split" in inst.columns:
            inst = inst[inst["split"] == split]
        tasks.index = tasks["task"].astype(int).to_numpy()  # row t is task t
        return cls(tasks, inst, list(read_meme(Path(sim_dir) / "motifs.meme")))

    def kind(self, kind: str) -> list[int]:
        """Tasks of one kind (``"presence"`` or ``"grammar"``)."""
        return [int(t) for t in self.tasks.loc[self.tasks["kind"] == kind, "task"]]

    def motif_ids(self, task: int) -> list[str]:
        """IDs of the motifs that make ``task`` positive."""
        v = self.tasks.loc[task, "motifs"]
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return []
        return [m.strip() for m in str(v).replace(";", ",").split(",") if m.strip()]

    def motif(self, task: int):
        """The first motif of ``task`` (a Motif) or None."""
        by_id = {m.name: m for m in self.motifs}
        ids = self.motif_ids(task)
        return by_id.get(ids[0]) if ids else None

    def intervals(self, row: int, task: int) -> list[tuple[int, int]]:
        """``(start, end)`` of the instances in sequence ``row`` that count for ``task``."""
        sub = self.instances[self.instances["seq"] == row]
        return [(int(s), int(e)) for s, e, ts in zip(sub["start"], sub["end"], sub["tasks"])
                if str(task) in str(ts).split(",")]

    def shared_motif_mask(self) -> np.ndarray:
        """``(T, T)`` booleans: the two tasks share a planted motif."""
        ids = [set(self.motif_ids(t)) for t in sorted(self.tasks["task"].astype(int))]
        return np.array([[bool(a & b) for b in ids] for a in ids])


def _evaluation(result, truth, ctx):
    per = result.data["per_target"]
    au = dict(zip(per["target"].astype(int), per["auroc"]))
    scores = {"test AUROC, presence tasks": float(np.nanmean([au[t] for t in truth.kind("presence")]))}
    if ctx is not None and ctx.X is not None:
        scores["oracle AUROC, presence tasks"] = _oracle_auroc(ctx.X, np.asarray(ctx.y), truth)
    if truth.kind("grammar"):
        scores["test AUROC, grammar tasks"] = float(np.nanmean([au[t] for t in truth.kind("grammar")]))
    return scores, None


def _oracle_auroc(X, y, truth) -> float:
    """Mean AUROC of the planted PWMs themselves (best window, both strands): the ceiling."""
    import torch
    from sklearn.metrics import roc_auc_score

    Xt = torch.as_tensor(X)
    out = []
    for t in truth.kind("presence"):
        m = truth.motif(t)
        if m is None or not 0 < y[:, t].sum() < len(y):
            continue
        W = torch.tensor(m.pwm(), dtype=torch.float32)
        s = torch.maximum(torch.nn.functional.conv1d(Xt, W[None]).amax(-1),
                          torch.nn.functional.conv1d(Xt, W.flip(0, 1)[None]).amax(-1))[:, 0]
        out.append(roc_auc_score(y[:, t], s.numpy()))
    return float(np.mean(out)) if out else float("nan")


def _kernels(result, truth, ctx):
    motifs = result.data["motifs"]
    hits = tomtom(motifs, truth.motifs, dist="pearson", thresh=0.05) if motifs else None
    found = set() if hits is None else set(hits["target"])
    return {"planted motifs found by kernels": f"{len(found)}/{len(truth.motifs)}",
            "kernel recovery share": len(found) / len(truth.motifs)}, hits


#: Methods whose maps agree at the observed base of one-hot input, where attribution is
#: scored: saliency ``g`` and gradient × input ``g ⊙ x`` give ``g`` there, with or without the
#: gradient correction. The scorecard reports the second of each pair only.
SAME_AT_OBSERVED_BASE = {"saliency": "gradient_x_input", "saliency+gc": "gradient_x_input+gc"}


def _attribution(result, truth, ctx):
    import pandas as pd

    X = result.data["X"]
    rows = []
    for (method, t), (idx, attr) in result.data["maps"].items():
        sc = score_against_truth(attr, X[idx], truth.instances, task=t, split=None, rows=idx,
                                 motifs=truth.motifs)
        rows.append({"method": method, "task": t, "task_name": truth.tasks.loc[t, "name"],
                     "auroc": sc["auroc"], "auroc_per_sequence": sc["auroc_per_sequence"],
                     "aupr_per_sequence": sc["aupr_per_sequence"], "snr_mean": sc["snr_mean"],
                     "snr_topk": sc["snr_topk"], "sequences": sc["n_sequences"]})
    df = pd.DataFrame(rows)
    if df.empty:
        return {}, df
    means = df.groupby("method")[["auroc", "auroc_per_sequence", "aupr_per_sequence",
                                  "snr_topk"]].mean().sort_values("auroc", ascending=False)
    scores = {}
    for m, r in means.iterrows():
        if SAME_AT_OBSERVED_BASE.get(m) in means.index:  # the same numbers under another name
            continue
        scores[f"attribution AUROC, {m}"] = float(r["auroc"])
        scores[f"attribution per-seq AUROC, {m}"] = float(r["auroc_per_sequence"])
        scores[f"attribution per-seq AUPR, {m}"] = float(r["aupr_per_sequence"])
        scores[f"attribution SNR (top-10 noise), {m}"] = float(r["snr_topk"])
    return scores, df


def seqlet_truth(seqlets, instances, *, rows, tasks) -> dict:
    """Seqlets against planted instances.

    A seqlet *hits* an instance of the same sequence when they overlap by at least half of
    the shorter of the two. Precision: share of seqlets hitting a planted instance (any);
    recall: share of the instances that make one of ``tasks`` positive hit by a seqlet;
    motifs recovered: planted motifs of which an instance is hit by a seqlet *annotated*
    with that motif; strand agreement: among those hits, the share whose seqlet strand is
    the instance's.

    Parameters
    ----------
    seqlets : pandas.DataFrame
        Annotated seqlets (``seq`` indexes ``rows``).
    instances : pandas.DataFrame
        Planted instances (``seq`` is the file row).
    rows : array-like of int
        File row of each analysed sequence.
    tasks : list of int
        The tasks explained.

    Returns
    -------
    dict
        ``precision``, ``recall``, ``recovered`` (set of motif names), ``strand_agreement``,
        ``n_seqlets``, ``n_instances``.
    """
    rows = np.asarray(rows)
    where = {int(r): i for i, r in enumerate(rows)}
    inst = instances[instances["seq"].isin({int(r) for r in rows})].copy()
    inst["i"] = inst["seq"].map(where)
    tset = {int(t) for t in tasks}
    inst["relevant"] = [bool(tset & {int(t) for t in str(v).split(",") if t.strip()})
                        for v in inst["tasks"].fillna("")]
    by_seq = {i: g for i, g in inst.groupby("i")}
    hit_s = np.zeros(len(seqlets), bool)
    hit_i = set()
    recovered, agree = set(), []
    ann = seqlets["annotated"].to_numpy() if "annotated" in seqlets else np.zeros(len(seqlets), bool)
    for k, (i, a, b) in enumerate(zip(seqlets["seq"], seqlets["start"], seqlets["end"])):
        g = by_seq.get(int(i))
        if g is None:
            continue
        ov = np.minimum(g["end"], b) - np.maximum(g["start"], a)
        need = np.ceil(np.minimum(g["end"] - g["start"], b - a) / 2)
        hits = g[ov >= need]
        hit_s[k] = len(hits) > 0
        hit_i.update(hits.index[hits["relevant"]])
        if ann[k]:
            same = hits[hits["motif"] == seqlets["motif"].iloc[k]]
            if len(same):
                recovered.add(seqlets["motif"].iloc[k])
                if "strand" in same.columns:
                    agree.append(bool((same["strand"] == seqlets["strand"].iloc[k]).any()))
    n_rel = int(inst["relevant"].sum())
    return {"precision": float(hit_s.mean()) if len(hit_s) else float("nan"),
            "recall": len(hit_i) / n_rel if n_rel else float("nan"), "recovered": recovered,
            "strand_agreement": float(np.mean(agree)) if agree else float("nan"),
            "n_seqlets": len(seqlets), "n_instances": n_rel}


def _seqlets(result, truth, ctx):
    import pandas as pd

    sc = seqlet_truth(result.data["seqlets"], truth.instances, rows=result.data["rows"],
                      tasks=result.data["targets"])
    ids = [m.name for m in truth.motifs]
    found = sc["recovered"] & set(ids)
    table = pd.DataFrame({"motif": ids, "tf": [m.alt_name for m in truth.motifs],
                          "recovered by annotated seqlets": [i in found for i in ids]})
    return {"seqlet precision": sc["precision"], "seqlet recall": sc["recall"],
            "planted motifs recovered by seqlets": f"{len(found)}/{len(ids)}",
            "seqlet motif recovery share": len(found) / len(ids) if ids else float("nan"),
            "seqlet strand agreement": sc["strand_agreement"]}, table


def _temporal(result, truth, ctx):
    res, t = result.data["scores"], result.data["target"]
    intervals = [truth.intervals(int(r), t) for r in result.data["rows"]]
    sc = score_rises_against_truth(res.forward, res.positions, intervals)
    return {"temporal: rise inside motif": sc["share"]}, None


def _optimization(result, truth, ctx):
    import pandas as pd

    rows = []
    for t, r in zip(result.data["targets"], result.data["results"]):
        m = truth.motif(t)
        ok, s, bar = contains_motif(r.ppm, m) if m is not None else (False, np.nan, np.nan)
        rows.append({"task": t, "name": truth.tasks.loc[t, "name"], "logit": r.score,
                     "contains planted motif": bool(ok), "match log-odds": s, "instance median": bar})
    df = pd.DataFrame(rows)
    return {"class optimisation: motif recovered": float(df["contains planted motif"].mean())}, df


def _similarity(result, truth, ctx):
    st = similarity_statistics(result.data["similarity"], result.data["random_similarity"],
                               pair_masks={"share a planted motif": truth.shared_motif_mask()},
                               n_permutations=300 if ctx is not None and ctx.quick else 2000,
                               random_state=0 if ctx is None else ctx.seed)
    tr, rnd = st[st["queries"] == "trained"].iloc[0], st[st["queries"] == "random"].iloc[0]
    return {"similarity: shared-motif pairs": float(tr["within"]),
            "similarity: other pairs": float(tr["between"]),
            "similarity: p (trained)": float(tr["p_value"]),
            "similarity: p (random queries)": float(rnd["p_value"])}, st


def _neuronmotif(result, truth, ctx):
    hits = result.data["hits"]
    ids = {m.name for m in truth.motifs}
    found = set() if hits is None else set(hits.loc[hits["q_value"] < 0.05, "target"]) & ids
    return {f"neuronmotif layer-{result.data['layer']} neurons": len(result.data["neurons"]),
            f"planted motifs found by layer-{result.data['layer']} neurons":
                f"{len(found)}/{len(truth.motifs)}"}, None


def influence_matches(influence, names, motifs, truth: PlantedTruth, tasks=None):
    """For each task, does its most influential kernel match the task's planted motif?

    Parameters
    ----------
    influence : numpy.ndarray of shape (K, T)
        Filter influence (mean change of predicted probability, positive: raises the task).
    names : sequence of str
        Kernel names, row by row (``M{k}``).
    motifs : list of Motif
        The kernels' motifs (kernels that never fire have none and never match).
    truth : PlantedTruth
    tasks : sequence of int or None
        Tasks to score (default: every presence task).

    Returns
    -------
    pandas.DataFrame
        One row per task: ``task``, ``name``, ``planted``, ``kernel`` (argmax of
        influence over kernels), ``influence``, ``q_value`` of that kernel's motif against
        the planted motif in one Tomtom run of every kernel motif against every planted
        motif (Pearson; ``1.0`` when it has no motif).
    """
    import pandas as pd

    tasks = truth.kind("presence") if tasks is None else list(tasks)
    hits = tomtom(motifs, truth.motifs, dist="pearson", thresh=None) if motifs else None
    q = {} if hits is None else {(r.query, r.target): r.q_value for r in hits.itertuples()}
    rows = []
    for t in tasks:
        ids = truth.motif_ids(t)
        k = int(np.argmax(influence[:, t]))
        rows.append({"task": t, "name": truth.tasks.loc[t, "name"], "planted": ",".join(ids),
                     "kernel": names[k], "influence": float(influence[k, t]),
                     "q_value": min([q.get((names[k], i), 1.0) for i in ids] or [1.0])})
    return pd.DataFrame(rows)


def _random_copy(model, seed):
    """The same architecture with freshly initialised parameters (the control)."""
    import copy

    import torch

    rnd = copy.deepcopy(model)
    with torch.random.fork_rng():
        torch.manual_seed(seed)
        for m in rnd.modules():
            if m is not rnd and hasattr(m, "reset_parameters"):
                m.reset_parameters()
    return rnd


def _influence(result, truth, ctx):
    res = result.data["result"]
    if not res.names or res.names[0] != "M0":  # not the first convolution
        return {}, None
    df = influence_matches(res.influence, res.names, result.data["motifs"], truth)
    n = len(df)
    scores = {"most influential kernel = planted motif (q < 0.05)":
                  f"{int((df['q_value'] < 0.05).sum())}/{n}",
              "most influential kernel = planted motif (q < 0.001)":
                  f"{int((df['q_value'] < 0.001).sum())}/{n}"}
    if ctx is not None and ctx.X is not None:
        rnd = _random_copy(ctx.model, ctx.seed)
        X = ctx.X[:res.n_sequences]
        ri = filter_influence(rnd, X, device=ctx.device)
        rm = kernels_to_motifs(rnd, X, progress=False)
        rc = influence_matches(ri.influence, ri.names, rm, truth)
        scores["random-model control (q < 0.05)"] = f"{int((rc['q_value'] < 0.05).sum())}/{n}"
        scores["random-model control (q < 0.001)"] = f"{int((rc['q_value'] < 0.001).sum())}/{n}"
        df["control_kernel"], df["control_q_value"] = rc["kernel"], rc["q_value"]
    return scores, df


_SCORERS = {"evaluate": _evaluation, "kernels": _kernels, "attribution": _attribution,
            "seqlets": _seqlets,
            "temporal": _temporal, "optimize": _optimization, "similarity": _similarity,
            "neuronmotif": _neuronmotif, "influence": _influence}


def score(result, truth: PlantedTruth, ctx=None):
    """Score ``result`` against ``truth``.

    Parameters
    ----------
    result : Result
        What an analysis returned (its ``name`` picks the score).
    truth : PlantedTruth
    ctx : Context or None
        The context the analysis ran with (sequences for the oracle AUROC, ``quick``).

    Returns
    -------
    tuple
        ``(scores, table)``: a dict of named values and a DataFrame of details or None.
    """
    return _SCORERS[result.name](result, truth, ctx)
