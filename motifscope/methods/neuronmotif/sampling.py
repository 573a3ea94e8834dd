"""Stage A: sequences that activate a neuron (exhaustive enumeration or a genetic algorithm).

Sequences are ``uint8`` base indices of shape ``(N, RF)`` (0..3 = A, C, G, T), never float
one-hot: an archive of 100,000 sequences of 163 bp is 16 MB instead of 0.5 GB.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from motifscope.core.sequence import from_indices
from motifscope.methods.neuronmotif.stack import ConvStack

__all__ = [
    "Sample",
    "activation_ppm",
    "binned_weights",
    "cap_archive",
    "enumerate_all",
    "genetic_sample",
    "seed_table",
]


@dataclass
class Sample:
    """Activating sequences of one neuron.

    Attributes
    ----------
    seqs : numpy.ndarray of shape (n, RF), uint8
        Unique sequences with activation > 0.
    acts : numpy.ndarray of shape (n,), float32
        Their pre-activation neuron values.
    n_forwards : int
        Sequence forward passes spent (a backward counts as one more).
    method : str
        ``"enumerate"`` or ``"ga"``.
    n_iter : int
        GA iterations run (0 for enumeration).
    seeded : bool
        Whether the GA population was seeded with layer ``L-1`` motifs.
    """

    seqs: np.ndarray
    acts: np.ndarray
    n_forwards: int
    method: str
    n_iter: int = 0
    seeded: bool = False


def _digits(codes: np.ndarray, width: int) -> np.ndarray:
    shifts = 2 * np.arange(width - 1, -1, -1, dtype=np.int64)
    return ((codes[:, None] >> shifts[None, :]) & 3).astype(np.uint8)


@torch.no_grad()
def enumerate_all(stack: ConvStack, layer: int, channels, *, batch_size: int = 16384,
                  progress: bool = False):
    """Evaluate every one of the ``4**RF`` sequences.

    Parameters
    ----------
    stack : ConvStack
    layer : int
    channels : int or sequence of int
        Neurons of ``layer`` evaluated together (one pass serves them all).
    batch_size : int
    progress : bool

    Returns
    -------
    codes : numpy.ndarray of shape (4**RF,), int64
        Base-4 code of each sequence (position 0 most significant); decode with
        :func:`_digits`.
    acts : numpy.ndarray of shape (4**RF, n_channels), float32
    """
    from tqdm.auto import tqdm

    rf = stack.rf[layer - 1]
    chans = [channels] if np.isscalar(channels) else list(channels)
    n = 4 ** rf
    acts = np.empty((n, len(chans)), dtype=np.float32)
    for i in tqdm(range(0, n, batch_size), disable=not progress, desc=f"enumerate 4^{rf}",
                  leave=False):
        codes = np.arange(i, min(n, i + batch_size), dtype=np.int64)
        x = from_indices(_digits(codes, rf))
        acts[i: i + len(codes)] = stack.forward(x, layer, chans)[:, :, 0].numpy()
    return np.arange(n, dtype=np.int64), acts


def cap_archive(seqs: np.ndarray, acts: np.ndarray, cap: int, rng: np.random.Generator,
                n_bins: int = 20):
    """Keep positive, unique sequences; above ``cap`` keep ``cap / n_bins`` per activation bin.

    Parameters
    ----------
    seqs : numpy.ndarray of shape (n, RF), uint8
    acts : numpy.ndarray of shape (n,)
    cap : int
    rng : numpy.random.Generator
    n_bins : int
        Equal-width bins over ``(0, max]``.

    Returns
    -------
    seqs : numpy.ndarray of shape (m, RF), uint8
    acts : numpy.ndarray of shape (m,), float32
    """
    keep = acts > 0
    seqs, acts = seqs[keep], acts[keep]
    if len(seqs) == 0:
        return seqs, acts.astype(np.float32)
    _, first = np.unique(seqs, axis=0, return_index=True)
    first.sort()
    seqs, acts = seqs[first], acts[first]
    if len(seqs) > cap:
        edges = np.linspace(0, acts.max(), n_bins + 1)
        b = np.clip(np.searchsorted(edges, acts, side="left") - 1, 0, n_bins - 1)
        per = cap // n_bins
        sel = []
        for j in range(n_bins):
            idx = np.flatnonzero(b == j)
            if len(idx) > per:
                idx = np.sort(rng.choice(idx, per, replace=False))
            sel.append(idx)
        sel = np.sort(np.concatenate(sel))
        seqs, acts = seqs[sel], acts[sel]
    return seqs, acts.astype(np.float32)


def binned_weights(w: np.ndarray, n_bins: int = 20) -> np.ndarray:
    """Sampling distribution that gives each of ``n_bins`` equal-width weight bins 1/n_bins.

    Mass within a bin is shared in proportion to weight; an empty bin's mass goes to the
    next higher non-empty bin (NeuronMotif's seeding prior).

    Parameters
    ----------
    w : numpy.ndarray of shape (n,)
        Positive weights.
    n_bins : int

    Returns
    -------
    numpy.ndarray of shape (n,)
        Probabilities summing to 1.
    """
    w = np.asarray(w, dtype=np.float64)
    edges = np.linspace(0, w.max(), n_bins + 1)
    b = np.clip(np.searchsorted(edges, w, side="left") - 1, 0, n_bins - 1)
    p = np.zeros_like(w)
    carry = 0.0
    for j in range(n_bins):
        idx = b == j
        mass = 1.0 / n_bins + carry
        if idx.any():
            p[idx] = mass * w[idx] / w[idx].sum()
            carry = 0.0
        else:
            carry = mass
    if carry:  # trailing empties cannot happen (max is in the top bin); be safe
        p += carry * w / w.sum()
    return p / p.sum()


def activation_ppm(seqs: np.ndarray, acts: np.ndarray, n_bins: int = 20) -> np.ndarray:
    """Activation-binned weighted PPM (NeuronMotif §3.5).

    ``(0, max]`` is split into ``n_bins`` equal bins; each non-empty bin contributes its
    base frequencies weighted by its mean activation, an empty bin reuses the next higher
    bin's frequencies with its midpoint as weight.

    Parameters
    ----------
    seqs : numpy.ndarray of shape (n, RF), uint8
    acts : numpy.ndarray of shape (n,)
        Positive activations.
    n_bins : int

    Returns
    -------
    numpy.ndarray of shape (4, RF)
        Columns sum to 1.
    """
    acts = np.asarray(acts, dtype=np.float64)
    rf = seqs.shape[1]
    vmax = acts.max()
    edges = np.linspace(0, vmax, n_bins + 1)
    b = np.clip(np.searchsorted(edges, acts, side="left") - 1, 0, n_bins - 1)
    ppm = np.zeros((4, rf))
    prev = None
    for j in range(n_bins - 1, -1, -1):
        idx = b == j
        if idx.any():
            s = seqs[idx]
            f = np.stack([(s == k).mean(0) for k in range(4)])
            w = acts[idx].mean()
            prev = f
        else:
            f, w = prev, 0.5 * (edges[j] + edges[j + 1])
        ppm += w * f
    return ppm / ppm.sum(0, keepdims=True)


def seed_table(prev: dict, stack: ConvStack, layer: int, neuron: int):
    """Seeding prior from layer ``L-1`` motifs (NeuronMotif §2.2, 2021 weighting).

    Parameters
    ----------
    prev : dict
        ``{"ppm": (M, 4, RF_{L-1}), "channel": (M,), "act": (M,), "conact": (M,)}``, the
        CRMs of layer ``L-1`` (see ``allppm.npz``).
    stack : ConvStack
    layer, neuron : int

    Returns
    -------
    dict or None
        ``pairs`` (P, 2) (offset, channel), ``prob`` (P,), and per channel a list of
        (consensus (RF_{L-1},) uint8, core start, core end, conact). None when no
        positive connection to a motif-bearing channel exists (dead for seeding).
    """
    ppm = np.asarray(prev["ppm"], dtype=np.float64)
    ch = np.asarray(prev["channel"]).astype(int)
    act = np.asarray(prev["act"], dtype=np.float64)
    conact = np.asarray(prev["conact"], dtype=np.float64)
    s = ppm.sum(1, keepdims=True)
    ppm = np.where(s < 1e-3, 0.25, ppm / np.where(s < 1e-3, 1, s))
    ic = 2 + (ppm * np.log2(ppm + 1e-6)).sum(1)  # (M, RF)
    motifs: dict[int, list] = {}
    for i in range(len(ppm)):
        good = np.flatnonzero(ic[i] > 1)
        if len(good) > 3:
            motifs.setdefault(ch[i], []).append(
                (ppm[i].argmax(0).astype(np.uint8), int(good[0]), int(good[-1]) + 1, conact[i])
            )
    n_in = stack.channels[layer - 2]
    chan_act = np.bincount(ch, weights=np.maximum(act, 0), minlength=n_in)[:n_in]
    W = stack.stages[layer - 1].conv.weight[neuron].detach().cpu().numpy().astype(np.float64)
    W = W * chan_act[:, None]  # (C_{L-1}, k_L)
    has = np.zeros(n_in, bool)
    has[list(motifs)] = True
    W[~has] = 0
    c_idx, o_idx = np.nonzero(W > 0)
    if len(c_idx) == 0:
        return None
    prob = binned_weights(W[c_idx, o_idx])
    return {"pairs": np.stack([o_idx, c_idx], 1), "prob": prob, "motifs": motifs}


def _seed_population(pop: np.ndarray, table: dict, stack: ConvStack, layer: int,
                     rng: np.random.Generator) -> None:
    rf = pop.shape[1]
    pb = stack.pool_below(layer)
    st_l, st_prev = stack.stride(layer), stack.stride(layer - 1)
    pairs, prob, motifs = table["pairs"], table["prob"], table["motifs"]
    n_draw = min(pb, len(pairs))
    for m in range(len(pop)):
        claimed = np.zeros(rf, bool)
        for p in rng.choice(len(pairs), n_draw, replace=False, p=prob):
            o, c = pairs[p]
            lst = motifs[c]
            for j in rng.permutation(len(lst)):
                cons, a, b, conact = lst[j]
                start = o * st_l + rng.integers(0, pb) * st_prev
                lo, hi = start + a, min(start + b, rf)
                if lo >= rf or claimed[lo:hi].any():
                    continue
                pop[m, lo:hi] = cons[a: a + hi - lo]  # core only (spec §8.4)
                if conact > 0:
                    claimed[lo:hi] = True


def _sample_bases(P: torch.Tensor, gen: torch.Generator) -> torch.Tensor:
    # P (N, 4, L) probabilities -> (N, L) uint8
    cum = P.cumsum(1)
    u = torch.rand(P.shape[0], 1, P.shape[2], generator=gen)
    return (u > cum).sum(1).clamp_(max=3).to(torch.uint8)


def genetic_sample(stack: ConvStack, layer: int, neuron: int, *, population: int,
                   max_iter: int = 200, patience: int = 11, alpha: float = 1.0,
                   cap: int = 100_000, seed_prior: dict | None = None, random_state: int = 0,
                   batch_size: int = 1024, progress: bool = False) -> Sample:
    """Genetic algorithm with gradient-guided mutation (NeuronMotif §2.3).

    Parameters
    ----------
    stack : ConvStack
    layer, neuron : int
    population : int
        Population size ``N``.
    max_iter, patience : int
        Stop after ``max_iter`` iterations or when the mean activation of the mutated
        population has not improved for ``patience`` iterations.
    alpha : float
        Mutation step: bases are resampled from ``clip(x + alpha * grad, 0)``.
    cap : int
        Archive cap (20-bin stratified).
    seed_prior : dict or None
        Output of :func:`seed_table`; None starts from random sequences.
    random_state : int
    batch_size : int
    progress : bool

    Returns
    -------
    Sample
    """
    from tqdm.auto import tqdm

    rf = stack.rf[layer - 1]
    rng = np.random.default_rng(random_state)
    gen = torch.Generator().manual_seed(int(random_state))
    N = int(population)
    pop = rng.integers(0, 4, size=(N, rf), dtype=np.uint8)
    if seed_prior is not None:
        _seed_population(pop, seed_prior, stack, layer, rng)
    stride = stack.stride(layer)
    n_elite = max(1, round(0.1 * N))
    arch_s, arch_a = [], []
    arch_n = 0
    best, stall, n_fwd, it = -np.inf, 0, 0, 0
    bar = tqdm(total=max_iter, disable=not progress, desc=f"GA L{layer} n{neuron}", leave=False)
    for it in range(1, max_iter + 1):
        # 1. gradient-guided mutation of the current population
        new = np.empty_like(pop)
        for i in range(0, N, batch_size):
            x = from_indices(pop[i: i + batch_size]).requires_grad_(True)
            v = stack.neuron(x, layer, neuron)
            (g,) = torch.autograd.grad(v.sum(), x)
            with torch.no_grad():
                P = (x + alpha * g).clamp_(min=0)
                s = P.sum(1, keepdim=True)
                P = torch.where(s > 0, P / s.clamp(min=1e-12), torch.full_like(P, 0.25))
                new[i: i + batch_size] = _sample_bases(P, gen).numpy()
        pop = new
        # 2. evaluate
        v = stack.evaluate(pop, layer, neuron, batch_size)
        n_fwd += 3 * N  # forward + backward + forward
        # 3. archive
        pos = v > 0
        arch_s.append(pop[pos])
        arch_a.append(v[pos])
        arch_n += int(pos.sum())
        if arch_n > cap and it % 5 == 0:
            s_, a_ = cap_archive(np.concatenate(arch_s), np.concatenate(arch_a), cap, rng)
            arch_s, arch_a, arch_n = [s_], [a_], len(s_)
        mean = float(v.mean())
        bar.update(1)
        bar.set_postfix(mean=f"{mean:.3g}", max=f"{v.max():.3g}", archive=arch_n)
        if mean > best + 1e-7:
            best, stall = mean, 0
        else:
            stall += 1
            if stall >= patience:
                break
        # 4-7. selection, elites, shifted elites, crossover
        w = np.where(v >= 0, v + 1.0, np.exp(np.minimum(v, 0))).astype(np.float64)
        w /= w.sum()
        order = np.argsort(-v, kind="stable")
        elites = pop[order[:n_elite]]
        parts = [elites]
        if stride > 1:
            cols = np.arange(rf)
            for sign in (1, -1):
                sh = rng.integers(1, stride, size=n_elite)
                parts.append(elites[np.arange(n_elite)[:, None],
                                    (cols[None, :] + sign * sh[:, None]) % rf])
        n_child = N - sum(len(p) for p in parts)
        n_pairs = (n_child + 1) // 2
        pa = pop[rng.choice(N, n_pairs, p=w)]
        pb = pop[rng.choice(N, n_pairs, p=w)]
        cut = rng.integers(0, rf, size=n_pairs)[:, None]
        left = np.arange(rf)[None, :] < cut
        c1 = np.where(left, pa, pb)
        c2 = np.where(left, pb, pa)
        parts.append(np.concatenate([c1, c2])[:n_child])
        pop = np.concatenate(parts)
    bar.close()
    seqs = np.concatenate(arch_s) if arch_s else np.zeros((0, rf), np.uint8)
    acts = np.concatenate(arch_a) if arch_a else np.zeros(0, np.float32)
    seqs, acts = cap_archive(seqs, acts, cap, rng)
    return Sample(seqs, acts, n_fwd, "ga", it, seed_prior is not None)
