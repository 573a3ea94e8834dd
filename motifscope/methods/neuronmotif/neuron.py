"""``decouple``: sample, demix and summarise one convolutional neuron."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import torch

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.methods.neuronmotif.demixing import column_ic, demix, mixing_stats
from motifscope.methods.neuronmotif.sampling import (
    Sample,
    _digits,
    activation_ppm,
    enumerate_all,
    genetic_sample,
    seed_table,
)
from motifscope.methods.neuronmotif.stack import ConvStack

__all__ = [
    "NeuronResult",
    "decouple",
    "default_population",
    "layer_motifs_by_enumeration",
    "sample_neuron",
]


def default_population(rf: int, macs_per_seq: int | None = None,
                       max_macs: float = 1.5e12, min_iter: int = 15) -> int:
    """GA population for a receptive field of ``rf`` bases.

    The original's ``clamp(int(RF / 20) * 1000, 2000, 5000)``, reduced when a compute
    budget of ``max_macs`` multiply-accumulates would not allow ``min_iter`` iterations
    (3 sub-network passes per member and iteration), with a floor of 200. For the full
    DeepSEA layer 3 (41 M MACs per sequence) this gives 812 instead of 5,000.

    Parameters
    ----------
    rf : int
    macs_per_seq : int or None
        Cost of one sub-network forward (:meth:`ConvStack.macs_per_sequence`).
    max_macs : float
    min_iter : int

    Returns
    -------
    int
    """
    pop = int(np.clip(int(rf / 20) * 1000, 2000, 5000))
    if macs_per_seq:
        pop = min(pop, max(200, int(max_macs / macs_per_seq / (3 * min_iter))))
    return pop


@dataclass
class NeuronResult:
    """The decoupled CRMs of one neuron.

    Attributes
    ----------
    layer, neuron : int
        Conv layer (1-based) and output channel.
    rf : int
        Receptive field (PPM width).
    motif_nb : int
        Demixing exponent used (``k = pool ** motif_nb`` per level).
    motifs : list of Motif
        One CRM per shift ID, PPM of shape ``(4, rf)``; ``meta`` holds ``shift_id``,
        ``path``, ``n``, ``max_act`` (M), ``consensus_act`` (C) and ``ratio`` (C/M).
    table : pandas.DataFrame
        The same statistics, one row per CRM (columns ``shift_id``, ``path``, ``n_seqs``,
        ``max_act``, ``consensus_act``, ``ratio``, ``consensus``, ``mean_ic``).
    seqs : numpy.ndarray of shape (n, rf), uint8
        The activating sample (base indices A, C, G, T = 0..3).
    acts : numpy.ndarray of shape (n,), float32
    labels : numpy.ndarray of shape (n,), int
        Shift ID of each sequence.
    n_forwards : int
        Sub-network forward passes (a backward counts as one).
    method : str
        ``"enumerate"`` or ``"ga"``.
    auto_trace : list of dict
        Statistics of each ``motif_nb`` tried by the automatic rule.
    notes : list of str
        Things the user should know (dead neuron, unseeded GA, ...).
    seconds : float
    random_state : int
    """

    layer: int
    neuron: int
    rf: int
    motif_nb: int
    motifs: list
    table: object
    seqs: np.ndarray
    acts: np.ndarray
    labels: np.ndarray
    n_forwards: int
    method: str
    n_iter: int = 0
    seeded: bool = False
    auto_trace: list = field(default_factory=list)
    notes: list = field(default_factory=list)
    seconds: float = 0.0
    random_state: int = 0

    @property
    def name(self) -> str:
        """``L{layer}N{neuron}``."""
        return f"L{self.layer}N{self.neuron}"

    def __repr__(self) -> str:
        return (f"NeuronResult({self.name}, rf={self.rf}, motif_nb={self.motif_nb}, "
                f"{len(self.motifs)} CRMs, {len(self.seqs)} sequences, "
                f"{self.n_forwards} forwards)")


def layer_motifs_by_enumeration(stack: ConvStack, layer: int = 1, *, n_bins: int = 20,
                                progress: bool = False) -> dict:
    """CRMs of every neuron of a layer whose receptive field can be enumerated.

    One pass over all ``4**RF`` sequences serves all channels (layer 1 of DeepSEA:
    65,536 short forwards). Used to seed the GA of layer ``layer + 1``.

    Parameters
    ----------
    stack : ConvStack
    layer : int
    n_bins : int
    progress : bool

    Returns
    -------
    dict
        ``ppm`` (C, 4, RF), ``channel`` (C,), ``act`` (C,) max activation, ``conact``
        (C,) consensus activation, ``n`` (C,) positive sequences; the ``allppm.npz``
        layout.
    """
    rf = stack.rf[layer - 1]
    if rf >= 11:
        raise InputError(
            f"layer {layer} (RF {rf}) cannot be summarised by enumeration in one pass; "
            "decouple it with decouple_layer"
        )
    C = stack.channels[layer - 1]
    codes, acts = enumerate_all(stack, layer, range(C), progress=progress)
    seqs = _digits(codes, rf)
    ppm = np.full((C, 4, rf), 0.25)
    act = np.zeros(C)
    n = np.zeros(C, dtype=int)
    for c in range(C):
        pos = acts[:, c] > 0
        if pos.any():
            ppm[c] = activation_ppm(seqs[pos], acts[pos, c], n_bins)
            act[c] = acts[pos, c].max()
            n[c] = pos.sum()
    cons = ppm.argmax(1).astype(np.uint8)
    code = (cons.astype(np.int64) << (2 * np.arange(rf - 1, -1, -1))).sum(1)
    conact = acts[code, np.arange(C)]
    return {"ppm": ppm, "channel": np.arange(C), "act": act, "conact": conact, "n": n}


def sample_neuron(stack: ConvStack, layer: int, neuron: int, *, random_state: int = 0,
                  population: int | None = None, max_iter: int = 200, patience: int = 11,
                  max_macs: float = 1.5e12, max_forwards: int = 200_000,
                  cap: int = 100_000, seed_motifs: dict | None = None,
                  enumerate_below: int = 11, batch_size: int = 1024,
                  progress: bool = False) -> Sample:
    """Stage A for one neuron: enumeration when ``RF < enumerate_below``, else the GA.

    Parameters
    ----------
    stack : ConvStack
    layer, neuron : int
    random_state : int
    population : int or None
        GA population; :func:`default_population` when None.
    max_iter, patience : int
        GA limits (the original's 200 and 11).
    max_macs : float
        Compute budget of the GA in multiply-accumulates: the iterations are capped at
        ``max_macs / (3 * population * macs_per_sequence)`` (at least 1).
    max_forwards : int
        Second cap on the GA: ``max_forwards / (3 * population)`` iterations (the
        original's lower estimate for a deep neuron is 160k forwards).
    cap : int
        Archive cap.
    seed_motifs : dict or None
        Layer ``L-1`` CRMs (``allppm.npz`` layout) for seeding; for layer 2 with an
        enumerable layer 1 they are computed when None.
    enumerate_below : int
    batch_size : int
    progress : bool

    Returns
    -------
    Sample
    """
    rf = stack.rf[layer - 1]
    if rf < enumerate_below:
        codes, acts = enumerate_all(stack, layer, neuron, progress=progress)
        acts = acts[:, 0]
        pos = acts > 0
        return Sample(_digits(codes[pos], rf), acts[pos], 4 ** rf, "enumerate")
    prior = None
    if layer > 1:
        if seed_motifs is None and layer == 2 and stack.rf[0] < enumerate_below:
            seed_motifs = layer_motifs_by_enumeration(stack, 1)
        if seed_motifs is not None:
            prior = seed_table(seed_motifs, stack, layer, neuron)
    macs = stack.macs_per_sequence(layer)
    population = population or default_population(rf, macs, max_macs)
    max_iter = int(min(max_iter, max(1, max_macs // (3 * population * macs)),
                       max(1, max_forwards // (3 * population))))
    return genetic_sample(
        stack, layer, neuron, population=population,
        max_iter=max_iter, patience=patience, cap=cap, seed_prior=prior,
        random_state=random_state, batch_size=batch_size, progress=progress,
    )


def _growth(stack: ConvStack, layer: int) -> int:
    return int(np.prod([p for p in stack.pools[: layer - 1] if p > 1] or [1]))


def _given_sample(stack, sample, layer: int, neuron: int, batch_size: int) -> Sample:
    """A caller's ``(seqs, acts or None)`` as a :class:`Sample` (positive activations only)."""
    rf = stack.rf[layer - 1]
    seqs = np.asarray(sample[0])
    if seqs.ndim != 2 or seqs.shape[1] != rf or seqs.size and seqs.max() > 3:
        raise InputError(f"sample sequences must be uint8 base indices of shape (n, {rf}) "
                         f"for layer {layer}; got shape {seqs.shape}")
    seqs = seqs.astype(np.uint8)
    acts = (stack.evaluate(seqs, layer, neuron, batch_size) if sample[1] is None
            else np.asarray(sample[1], dtype=np.float32))
    keep = acts > 0
    return Sample(seqs[keep], acts[keep], len(seqs) if sample[1] is None else 0, "given")


def _cluster_motifs(clusters, layer: int, neuron: int, n_seqs: int):
    """The CRM motifs, their statistics table and each sampled sequence's cluster label."""
    import pandas as pd

    labels = np.full(n_seqs, -1, dtype=np.int32)
    motifs, rows = [], []
    for i, c in enumerate(clusters):
        labels[c.index] = i
        cons = "".join("ACGT"[b] for b in c.ppm.argmax(0))
        ic = column_ic(c.ppm)
        meta = {"layer": layer, "neuron": int(neuron), "shift_id": i, "path": c.path,
                "n": c.n, "max_act": c.max_act, "consensus_act": c.consensus_act,
                "ratio": c.ratio}
        motifs.append(Motif(
            name=f"L{layer}N{neuron}S{i:03d}", ppm=c.ppm,
            alt_name=f"{i}_{c.max_act:.3f}_{c.consensus_act:.3f}_{c.n}", nsites=c.n,
            source=f"neuronmotif layer {layer} neuron {neuron}", meta=meta,
        ))
        rows.append({"shift_id": i, "path": c.path, "n_seqs": c.n, "max_act": c.max_act,
                     "consensus_act": c.consensus_act, "ratio": c.ratio, "consensus": cons,
                     "mean_ic": float(ic.mean())})
    table = pd.DataFrame(rows, columns=["shift_id", "path", "n_seqs", "max_act",
                                        "consensus_act", "ratio", "consensus", "mean_ic"])
    return motifs, table, labels


def decouple(model, *, layer: int, neuron: int, motif_nb="auto", random_state=None,
             sample=None, population: int | None = None, max_iter: int = 200,
             patience: int = 11, max_macs: float = 1.5e12, max_forwards: int = 200_000,
             cap: int = 100_000, seed_motifs: dict | None = None,
             max_motif_nb: int = 3, ratio_threshold: float = 0.95, ic_gain: float = 1.0,
             min_cluster: int = 50, n_init: int = 5, max_dim: int = 512, n_bins: int = 20,
             enumerate_below: int = 11, batch_size: int = 1024,
             progress: bool = False) -> NeuronResult:
    """Decouple one convolutional neuron into its cis-regulatory modules (NeuronMotif).

    The neuron is output channel ``neuron`` of conv layer ``layer`` read before its
    nonlinearity (after its BatchNorm when one directly follows), at the single output
    position of the valid-padded sub-network whose input is the receptive field.

    Parameters
    ----------
    model : torch.nn.Module or ConvStack
        A zoo model or any module of Conv1d/BatchNorm1d/activation/MaxPool1d children
        (see :class:`ConvStack`). Read in eval semantics; not modified.
    layer : int
        Conv layer counted from 1.
    neuron : int
        Output channel of that layer.
    motif_nb : int or "auto"
        ``k_l = pool_after(l) ** motif_nb`` clusters per level (0: no demixing). ``"auto"``
        starts at 1 and escalates while (a) some CRM with ``>= min_cluster`` sequences
        has ``C/M < ratio_threshold`` and the next level raises that minimum, or (b) the
        next level raises the size-weighted information content of the CRMs by
        ``>= ic_gain`` bits; it stops when the next level's clusters would fall below
        ``min_cluster`` or at ``max_motif_nb``. (The original's rule uses the *maximum*
        ratio, which one pure cluster satisfies; its value is kept in ``auto_trace``.)
    random_state : int or None
        Seed of every random choice (GA, k-means, projections); None draws one.
    sample : tuple of (numpy.ndarray of shape (n, RF), numpy.ndarray of shape (n,)) or None
        Use these activating sequences (uint8 base indices, activations) instead of
        sampling; activations are recomputed when None is given in their place.
    population, max_iter, patience : int
        GA settings (see :func:`sample_neuron`).
    max_macs : float
        GA compute budget in multiply-accumulates (see :func:`sample_neuron`).
    max_forwards : int
        GA budget in sub-network passes (see :func:`sample_neuron`).
    cap : int
        Archive cap (100,000 unique sequences, 20 activation strata).
    seed_motifs : dict or None
        Layer ``L-1`` CRMs for GA seeding (the ``allppm.npz`` of that layer).
    max_motif_nb : int
    ratio_threshold, ic_gain : float
        Thresholds of the automatic rule.
    min_cluster : int
        Smallest cluster that is split further.
    n_init : int
        k-means++ restarts (>= 3 recommended).
    max_dim : int
        Feature maps wider than this are randomly projected to ``max_dim`` dimensions.
    n_bins : int
        Activation bins of each PPM.
    enumerate_below : int
        Enumerate all ``4**RF`` sequences when ``RF`` is smaller.
    batch_size : int
    progress : bool
        Show tqdm progress bars.

    Returns
    -------
    NeuronResult
        ``.motifs`` are the CRM motifs (PPM ``(4, RF)``), ``.table`` their statistics.

    Raises
    ------
    InputError
        For a layer or neuron out of range, or a bad ``motif_nb`` / sample.
    """

    t0 = time.perf_counter()
    stack = model if isinstance(model, ConvStack) else ConvStack(model)
    stack.check_layer(layer)
    C = stack.channels[layer - 1]
    if not isinstance(neuron, (int, np.integer)) or not 0 <= neuron < C:
        raise InputError(f"neuron must be an integer in 0..{C - 1} for layer {layer}, "
                         f"got {neuron!r}")
    if motif_nb != "auto" and (not isinstance(motif_nb, (int, np.integer)) or motif_nb < 0):
        raise InputError(f"motif_nb must be 'auto' or an integer >= 0, got {motif_nb!r}")
    if random_state is None:
        random_state = int(np.random.default_rng().integers(0, 2**31 - 1))
    random_state = int(random_state)
    rf = stack.rf[layer - 1]
    notes: list[str] = []
    torch.manual_seed(random_state)

    if sample is not None:
        smp = _given_sample(stack, sample, layer, neuron, batch_size)
    else:
        smp = sample_neuron(stack, layer, neuron, random_state=random_state,
                            population=population, max_iter=max_iter, patience=patience,
                            max_macs=max_macs, max_forwards=max_forwards, cap=cap,
                            seed_motifs=seed_motifs, enumerate_below=enumerate_below,
                            batch_size=batch_size, progress=progress)
        if smp.method == "ga" and layer > 1 and not smp.seeded:
            notes.append("GA started from random sequences (no layer-%d motifs to seed "
                         "from)" % (layer - 1))
    n_fwd = smp.n_forwards
    kw = {"min_cluster": min_cluster, "n_init": n_init, "max_dim": max_dim, "n_bins": n_bins,
              "random_state": random_state, "batch_size": batch_size}
    trace: list[dict] = []
    if len(smp.seqs) == 0:
        notes.append("dead neuron: no sequence with a positive activation was found")
        clusters, m_used = [], 0 if motif_nb == "auto" else int(motif_nb)
    elif motif_nb == "auto":
        cache: dict = {}
        m_used = 1
        clusters, f = demix(stack, layer, neuron, smp.seqs, smp.acts, motif_nb=1,
                            cache=cache, **kw)
        n_fwd += f
        st = mixing_stats(clusters, min_cluster)
        trace.append({"motif_nb": 1, **st})
        growth = _growth(stack, layer)
        while m_used < max_motif_nb and growth > 1:
            if st["median_size"] / growth < min_cluster:
                trace[-1]["stop"] = "next clusters would be smaller than min_cluster"
                break
            nxt, f = demix(stack, layer, neuron, smp.seqs, smp.acts, motif_nb=m_used + 1,
                           cache=cache, **kw)
            n_fwd += f
            st2 = mixing_stats(nxt, min_cluster)
            gain = st2["mean_ic"] - st["mean_ic"]
            low = st["min_ratio"] < ratio_threshold
            better = np.nan_to_num(st2["min_ratio"]) > st["min_ratio"] + 0.05
            trace.append({"motif_nb": m_used + 1, **st2, "ic_gain": float(gain)})
            if not ((low and better) or gain >= ic_gain):
                trace[-1]["stop"] = "no evidence of mixing at motif_nb=%d" % m_used
                break
            m_used += 1
            clusters, st = nxt, st2
    else:
        m_used = int(motif_nb)
        clusters, f = demix(stack, layer, neuron, smp.seqs, smp.acts, motif_nb=m_used, **kw)
        n_fwd += f
        if clusters:
            trace.append({"motif_nb": m_used, **mixing_stats(clusters, min_cluster)})

    motifs, table, labels = _cluster_motifs(clusters, layer, neuron, len(smp.seqs))
    return NeuronResult(
        layer=layer, neuron=int(neuron), rf=rf, motif_nb=m_used, motifs=motifs, table=table,
        seqs=smp.seqs, acts=smp.acts, labels=labels, n_forwards=int(n_fwd),
        method=smp.method, n_iter=smp.n_iter, seeded=smp.seeded, auto_trace=trace,
        notes=notes, seconds=time.perf_counter() - t0, random_state=random_state,
    )
