"""One decoupled neuron's files: CRMs, sub-motifs, Tomtom against the motif database,
the motif dictionary and syntax, logos, and ``done.json`` last (re-exported by
:mod:`motifscope.methods.neuronmotif`)."""

from __future__ import annotations

import json
import os
from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_open, atomic_path, atomic_write_text
from motifscope.io.jaspar import jaspar_motifs
from motifscope.io.meme import write_meme
from motifscope.io.motif_files import read_motifs
from motifscope.methods.neuronmotif.neuron import NeuronResult
from motifscope.methods.neuronmotif.syntax import build_syntax, slice_motifs
from motifscope.methods.tomtom import tomtom
from motifscope.plot.backend import pyplot
from motifscope.plot.logo import plot_logo

__all__ = ["write_neuron"]

_TARGETS_CACHE: dict = {}


def _targets(targets):
    if targets is None:
        return None, "motif database matching disabled"
    key = targets if isinstance(targets, (str, os.PathLike)) else id(targets)
    if key in _TARGETS_CACHE:
        return _TARGETS_CACHE[key], None
    try:
        if isinstance(targets, str) and targets == "jaspar":
            mot = jaspar_motifs()
        elif isinstance(targets, (str, os.PathLike)):
            mot = read_motifs(targets)
        else:
            mot = list(targets)
    except Exception as e:  # optional annotation: never fail the decoupling for it
        return None, f"motif database unavailable ({type(e).__name__}: {e})"
    _TARGETS_CACHE[key] = mot
    return mot, None


def _tomtom(queries, targets, thresh):
    if not queries:
        return None, None
    try:
        return tomtom(queries, targets, thresh=thresh), None
    except Exception as e:
        return None, f"Tomtom failed ({type(e).__name__}: {e})"


def _draw_logos(res: NeuronResult, path: Path) -> None:
    plt = pyplot()
    n = max(1, len(res.motifs))
    height = 0.9 * n + 0.2
    fig, axes = plt.subplots(n, 1, figsize=(max(3.0, 0.07 * res.rf + 1), height), squeeze=False)
    # fixed margins: tight_layout measured every tick label and took longer than the drawing
    fig.subplots_adjust(left=0.12, right=0.98, bottom=0.12 / height, top=1 - 0.25 / height,
                        hspace=0.6)
    for ax, m in zip(axes[:, 0], res.motifs):
        t = f"{m.meta['shift_id']}: n={m.nsites} M={m.meta['max_act']:.2f} " \
            f"C/M={m.meta['ratio']:.2f}"
        plot_logo(m, ax=ax, title=t, compound=True)
        ax.title.set_fontsize(7)
        # positions every 5 on the bottom logo only: tick labels were most of the drawing time
        ax.set_yticks([])
        ax.set_ylabel("")
        ax.set_xticks(range(0, m.width, 5), [] if m is not res.motifs[-1] else
                      [str(i + 1) for i in range(0, m.width, 5)], fontsize=5)
    for ax in axes[len(res.motifs):, 0]:
        ax.axis("off")
    try:
        with atomic_path(path) as tmp:
            fig.savefig(tmp, dpi=80)
    finally:
        plt.close(fig)


def write_neuron(res: NeuronResult, out: Path, *, targets="jaspar", q_thresh: float = 0.05,
                 logos: bool = True) -> dict:
    """Write one neuron's files (see the module docstring) and return its summary.

    Parameters
    ----------
    res : NeuronResult
    out : pathlib.Path
        The neuron's folder (created).
    targets : "jaspar", path, list of Motif or None
        Motif database for Tomtom (Pearson); None skips the lookup.
    q_thresh : float
        q-value of the reported best matches.
    logos : bool

    Returns
    -------
    dict
        What ``done.json`` holds.
    """

    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    notes = list(res.notes)
    with atomic_path(out / "sample.npz") as tmp:
        np.savez_compressed(tmp, seqs=res.seqs, acts=res.acts, labels=res.labels)
    with atomic_open(out / "crms.tsv") as fh:
        res.table.to_csv(fh, sep="\t", index=False)
    if res.motifs:
        write_meme(res.motifs, out / "crms.meme")
    subs = slice_motifs(res.motifs)
    if subs:
        write_meme(subs, out / "submotifs.meme")
    best = []
    syn = build_syntax(res.motifs, prefix=res.name) if res.motifs else None
    if syn is not None and syn.dictionary:
        write_meme(syn.dictionary, out / "dictionary.meme")
    queries = subs + (syn.dictionary if syn is not None else [])
    db, why = _targets(targets)
    if why:
        notes.append(why)
    if db is not None and queries:
        hits, why = _tomtom(queries, db, 0.5)
        if why:
            notes.append(why)
        if hits is not None:
            with atomic_open(out / "tomtom.tsv") as fh:
                hits.to_csv(fh, sep="\t", index=False)
            good = hits[hits["q_value"] < q_thresh].sort_values("q_value")
            for _, r in good.drop_duplicates("target").head(5).iterrows():
                best.append({"query": r["query"], "target": r["target"],
                             "name": str(r.get("target_name", "")), "q": float(r["q_value"])})
    atomic_write_text(out / "syntax.json", json.dumps(
        {"rules": syn.rules if syn else [],
         "occurrences": syn.occurrences.to_dict("records") if syn else []}, indent=1))
    if logos:
        _draw_logos(res, out / "logos.png")
    summary = {
        "layer": res.layer, "neuron": res.neuron, "rf": res.rf, "motif_nb": res.motif_nb,
        "n_crms": len(res.motifs), "n_seqs": len(res.seqs),
        "max_act": float(res.acts.max()) if len(res.acts) else 0.0,
        "n_forwards": res.n_forwards, "method": res.method, "n_iter": res.n_iter,
        "seconds": round(res.seconds, 3), "random_state": res.random_state,
        "best_matches": best, "rules": [r["tree"] for r in (syn.rules if syn else [])],
        "crms": res.table.to_dict("records"), "auto_trace": res.auto_trace, "notes": notes,
    }
    atomic_write_text(out / "done.json", json.dumps(summary, indent=1, default=float))
    return summary
