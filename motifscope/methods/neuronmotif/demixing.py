"""Stage B: hierarchical activation-weighted k-means on pre-activation feature maps.

From conv ``L-1`` down to conv 1, every cluster with at least ``max(k, min_cluster)``
members is split into ``k = pool_after(l) ** motif_nb`` clusters of its members'
flattened conv-``l`` maps (before the nonlinearity, not pooled), with the activations as
sample weights. Maps wider than ``max_dim`` are reduced by a fixed Gaussian random
projection computed chunk-wise (a recorded deviation: the original clusters the raw
maps, ~6 GB for a DeepSEA layer-3 neuron).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import torch

from motifscope.core.sequence import from_indices
from motifscope.methods.neuronmotif.sampling import activation_ppm
from motifscope.methods.neuronmotif.stack import ConvStack

__all__ = ["Cluster", "column_ic", "demix", "features"]


@dataclass
class Cluster:
    """One CRM (shift ID) of a neuron.

    Attributes
    ----------
    index : numpy.ndarray of shape (n,)
        Member rows in the neuron's sample.
    path : str
        Hierarchical label, e.g. ``"2.0"`` (split at conv L-1 first).
    ppm : numpy.ndarray of shape (4, RF)
    max_act : float
        ``M``, the largest member activation.
    consensus_act : float
        ``C``, the neuron value of the PPM's argmax sequence.
    """

    index: np.ndarray
    path: str
    ppm: np.ndarray
    max_act: float
    consensus_act: float

    @property
    def n(self) -> int:
        """Number of member sequences."""
        return len(self.index)

    @property
    def ratio(self) -> float:
        """``C / M``."""
        return float(self.consensus_act / self.max_act) if self.max_act > 0 else 0.0


def column_ic(ppm: np.ndarray) -> np.ndarray:
    """Information content in bits per column (uniform background).

    Parameters
    ----------
    ppm : numpy.ndarray of shape (4, w)

    Returns
    -------
    numpy.ndarray of shape (w,)
    """
    with np.errstate(divide="ignore", invalid="ignore"):
        t = np.where(ppm > 0, ppm * np.log2(ppm / 0.25), 0.0)
    return t.sum(0)


def _projection(d: int, k: int, seed: int) -> torch.Tensor:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(d, k, generator=g) / np.sqrt(k)


@torch.no_grad()
def features(stack: ConvStack, seqs: np.ndarray, level: int, *, max_dim: int = 512,
             seed: int = 0, batch_size: int = 1024) -> np.ndarray:
    """Flattened pre-activation conv-``level`` maps, randomly projected when wide.

    Parameters
    ----------
    stack : ConvStack
    seqs : numpy.ndarray of shape (n, RF), uint8
    level : int
        Conv layer (1-based) whose map is used.
    max_dim : int
        Maps with more than ``max_dim`` cells are projected to ``max_dim`` dimensions.
    seed : int
    batch_size : int

    Returns
    -------
    numpy.ndarray of shape (n, min(T * C, max_dim)), float32
    """
    T = stack.map_length(level, seqs.shape[1])
    d = T * stack.channels[level - 1]
    R = _projection(d, max_dim, seed * 1009 + level) if d > max_dim else None
    out = np.empty((len(seqs), d if R is None else max_dim), dtype=np.float32)
    for i in range(0, len(seqs), batch_size):
        f = stack.forward(from_indices(seqs[i: i + batch_size]), level).flatten(1)
        out[i: i + batch_size] = (f if R is None else f @ R).numpy()
    return out


def _kmeans(F: np.ndarray, w: np.ndarray, k: int, n_init: int, seed: int) -> np.ndarray:
    from sklearn.cluster import KMeans

    # centre and scale once so the tolerance is meaningful
    F = F - np.average(F, axis=0, weights=w).astype(np.float32)
    sc = np.float32(np.sqrt(np.einsum("ij,ij->i", F, F).mean(dtype=np.float64)))
    if sc > 0:
        F /= sc
    km = KMeans(n_clusters=k, n_init=n_init, random_state=seed, algorithm="lloyd")
    # scikit-learn's Lloyd iterations sum per-thread partial centres, so their result
    # depends on the OpenMP thread count; one thread keeps a seed's clusters the same
    # whatever the machine and decouple_layer's n_jobs (processes give the parallelism).
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - a scikit-learn dependency
        return km.fit_predict(F, sample_weight=w)
    with threadpool_limits(1, user_api="openmp"):
        return km.fit_predict(F, sample_weight=w)


def demix(stack: ConvStack, layer: int, neuron: int, seqs: np.ndarray, acts: np.ndarray, *,
          motif_nb: int = 1, min_cluster: int = 50, n_init: int = 5, max_dim: int = 512,
          n_bins: int = 20, random_state: int = 0, batch_size: int = 1024,
          cache: dict | None = None):
    """Split a neuron's sample into CRMs and build one PPM per CRM.

    Parameters
    ----------
    stack : ConvStack
    layer, neuron : int
    seqs : numpy.ndarray of shape (n, RF), uint8
    acts : numpy.ndarray of shape (n,)
    motif_nb : int
        ``k_l = pool_after(l) ** motif_nb``; 0 gives a single undemixed cluster.
    min_cluster : int
        Clusters smaller than ``max(k, min_cluster)`` are not split.
    n_init : int
        k-means++ restarts.
    max_dim : int
        Width above which feature maps are randomly projected.
    n_bins : int
        Activation bins of the PPM.
    random_state : int
    batch_size : int
    cache : dict or None
        Features keyed by level, reused across calls on the same sample (the top level
        is always computed on the whole sample).

    Returns
    -------
    clusters : list of Cluster
    n_forwards : int
        Sub-network forward passes spent on features and consensus activations.
    """
    n_fwd = 0
    groups = [(np.arange(len(seqs)), "")]
    if motif_nb > 0:
        for level in range(layer - 1, 0, -1):
            k = stack.pools[level - 1] ** motif_nb
            if k <= 1:
                continue
            new = []
            for idx, path in groups:
                if len(idx) < max(k, min_cluster):
                    new.append((idx, path))
                    continue
                if cache is not None and len(idx) == len(seqs) and level in cache:
                    F = cache[level]
                else:
                    F = features(stack, seqs[idx], level, max_dim=max_dim, seed=random_state,
                                 batch_size=batch_size)
                    n_fwd += len(idx)
                    if cache is not None and len(idx) == len(seqs):
                        cache[level] = F
                lab = _kmeans(F, acts[idx].astype(np.float64), k, n_init, random_state)
                # order children by their best activation so IDs are stable and readable
                kids = [idx[lab == j] for j in range(k) if (lab == j).any()]
                kids.sort(key=lambda a: (-float(acts[a].max()), int(a[0])))
                new += [(a, f"{path}.{j}" if path else str(j)) for j, a in enumerate(kids)]
            groups = new
    clusters = []
    cons = []
    for idx, path in groups:
        ppm = activation_ppm(seqs[idx], acts[idx], n_bins)
        cons.append(ppm.argmax(0).astype(np.uint8))
        clusters.append(Cluster(idx, path or "0", ppm, float(acts[idx].max()), 0.0))
    if clusters:
        c_act = stack.evaluate(np.stack(cons), layer, neuron, batch_size)
        n_fwd += len(cons)
        for c, a in zip(clusters, c_act):
            c.consensus_act = float(a)
    return clusters, n_fwd


def mixing_stats(clusters: list, min_cluster: int = 50) -> dict:
    """Summary used by the automatic ``motif_nb`` rule.

    Parameters
    ----------
    clusters : list of Cluster
    min_cluster : int
        Clusters smaller than this are ignored by ``min_ratio`` (too noisy).

    Returns
    -------
    dict
        ``n_clusters``, ``max_ratio`` (the original rule's statistic), ``min_ratio``
        (stricter: any mixed sibling fails it), ``mean_ic`` (size-weighted mean of the
        total information content per CRM, bits), ``median_size``.
    """
    n = np.array([c.n for c in clusters], dtype=float)
    r = np.array([c.ratio for c in clusters])
    ic = np.array([column_ic(c.ppm).sum() for c in clusters])
    big = n >= min_cluster
    return {
        "n_clusters": len(clusters),
        "max_ratio": float(r.max()),
        "min_ratio": float(r[big].min()) if big.any() else float("nan"),
        "mean_ic": float((n * ic).sum() / n.sum()),
        "median_size": float(np.median(n)),
    }
