"""Sampling for :func:`motifscope.data.simulate.simulate`: instance placement, PPM draws
with the ``min_instance_quantile`` thresholds, and the per-sequence generator."""

from __future__ import annotations

import numpy as np

from motifscope.core.sequence import agct_from_acgt


def _place(occ: np.ndarray, w: int, rng: np.random.Generator) -> int | None:
    L = occ.shape[0]
    if w > L:
        return None
    cs = np.concatenate(([0], np.cumsum(~occ)))
    ok = np.flatnonzero(cs[w:] - cs[:-w] == w)
    if ok.size == 0:
        return None
    return int(ok[rng.integers(ok.size)])


def _draw(u: np.ndarray, cum: np.ndarray) -> np.ndarray:
    """Base indices (n, w) uint8 from uniforms ``u`` (n, w) and a column-wise CDF (4, w)."""
    return np.minimum((u[:, None, :] >= cum[None]).sum(1), 3).astype(np.uint8)


def instance_thresholds(motifs, gc: float, quantile: float, seed: int = 0, n: int = 20000):
    """Log-odds matrices and the instance-score thresholds of ``min_instance_quantile``.

    Parameters
    ----------
    motifs : list of Motif
        Motifs with PPMs ``(4, w)``.
    gc : float
        Background GC fraction.
    quantile : float
        Quantile of each motif's sampled-instance scores; 0 disables the filter.
    seed : int
        Seed of the fixed random stream the quantiles are estimated from.
    n : int
        Instances drawn per motif for the estimate.

    Returns
    -------
    log_odds : list of numpy.ndarray of shape (4, w)
        Bits against the background, pseudocount 0.001 per cell.
    thresholds : numpy.ndarray of shape (n_motifs,) or None
        Minimum score of a planted instance per motif; ``None`` when ``quantile`` is 0.
    """
    bg = np.array([(1 - gc) / 2, gc / 2, gc / 2, (1 - gc) / 2])
    log_odds = [np.log2((m.ppm + 1e-3) / (1 + 4e-3) / bg[:, None]) for m in motifs]
    if quantile <= 0:
        return log_odds, None
    rng = np.random.default_rng([seed, 0x5157])
    thr = []
    for m, lo in zip(motifs, log_odds):
        b = _draw(rng.random((n, m.width)), np.cumsum(m.ppm, axis=0))
        thr.append(np.quantile(lo[b, np.arange(m.width)].sum(1), quantile))
    return log_odds, np.asarray(thr)


class _Generator:
    """Plans and samples one split's forward-strand sequences, chunk by chunk."""

    def __init__(self, motifs, rules, rule_idx, params, rng):
        self.motifs = motifs
        self.widths = [m.width for m in motifs]
        self.cum = [np.cumsum(m.ppm, axis=0) for m in motifs]
        self.rules = rules
        self.rule_idx = rule_idx
        self.p = params
        self.rng = rng
        q = np.array([(1 - params.gc) / 2, params.gc / 2, params.gc / 2, (1 - params.gc) / 2])
        self.bg_cum = np.cumsum(q)[:3]
        self.n_tasks = len(motifs) + len(rules)
        self.dropped = 0
        self.log_odds, self.thresholds = instance_thresholds(
            motifs, params.gc, params.min_instance_quantile, params.seed
        )

    def _sample_motif(self, i: int) -> np.ndarray:
        if self.thresholds is None:
            u = self.rng.random(self.widths[i])
            return np.minimum((u[None, :] >= self.cum[i]).sum(0), 3).astype(np.uint8)
        w, cols = self.widths[i], np.arange(self.widths[i])
        while True:  # rejection sampling, 8 candidates at a time
            b = _draw(self.rng.random((8, w)), self.cum[i])
            ok = np.flatnonzero(self.log_odds[i][b, cols].sum(1) >= self.thresholds[i])
            if ok.size:
                return b[ok[0]]

    def _plan(self):
        """Instances of one sequence: list of [start, end, strand, motif, role]."""
        p, rng, L = self.p, self.rng, self.p.length
        occ = np.zeros(L, dtype=bool)
        inst = []
        for (ia, ib), r in zip(self.rule_idx, self.rules):
            u = rng.random()
            if u < p.p_grammar:
                kind = "grammar"
            elif u < p.p_grammar + p.p_decoy:
                kind = ("swap", "far", "strand")[int(rng.integers(3))]
            else:
                continue
            if kind == "far":
                s = int(rng.integers(r.max_spacing + 1, r.max_spacing + p.decoy_margin + 1))
            else:
                s = int(rng.integers(r.min_spacing, r.max_spacing + 1))
            first, second = (ib, ia) if kind == "swap" else (ia, ib)
            w1, w2 = self.widths[first], self.widths[second]
            b0 = _place(occ, w1 + s + w2, rng)
            if b0 is None:
                self.dropped += 2
                continue
            occ[b0 : b0 + w1 + s + w2] = True
            role = "grammar" if kind == "grammar" else "decoy"
            s2 = "-" if kind == "strand" else "+"
            inst.append([b0, b0 + w1, "+", first, role])
            inst.append([b0 + w1 + s, b0 + w1 + s + w2, s2, second, role])
        for i in range(len(self.motifs)):
            if rng.random() < p.p_motif:
                strand = "+" if rng.random() < 0.5 else "-"
                b0 = _place(occ, self.widths[i], rng)
                if b0 is None:
                    self.dropped += 1
                    continue
                occ[b0 : b0 + self.widths[i]] = True
                inst.append([b0, b0 + self.widths[i], strand, i, "single"])
        inst.sort(key=lambda t: t[0])
        return inst

    def labels(self, inst):
        """Clean labels of one sequence and the task set of each instance."""
        y = np.zeros(self.n_tasks, dtype=np.uint8)
        supports = [set() for _ in inst]
        for k, (_, _, _, m, _) in enumerate(inst):
            y[m] = 1
            supports[k].add(m)
        n_m = len(self.motifs)
        for g, ((ia, ib), r) in enumerate(zip(self.rule_idx, self.rules)):
            for ka, a in enumerate(inst):
                if a[3] != ia or a[2] != "+":
                    continue
                for kb, b in enumerate(inst):
                    if kb == ka or b[3] != ib or b[2] != "+":
                        continue
                    gap = b[0] - a[1]
                    if r.min_spacing <= gap <= r.max_spacing:
                        y[n_m + g] = 1
                        supports[ka].add(n_m + g)
                        supports[kb].add(n_m + g)
        return y, supports

    def chunk(self, n: int):
        """``n`` forward sequences: base indices (n, L) uint8, clean labels (n, T), instances."""
        L = self.p.length
        u = self.rng.random((n, L))
        idx = (u[..., None] >= self.bg_cum).sum(-1).astype(np.uint8)
        Y = np.zeros((n, self.n_tasks), dtype=np.uint8)
        records = []
        for j in range(n):
            inst = self._plan()
            for t in inst:
                bases = self._sample_motif(t[3])
                if t[2] == "-":
                    bases = (3 - bases)[::-1]
                idx[j, t[0] : t[1]] = bases
            Y[j], sup = self.labels(inst)
            records.append([(t, s) for t, s in zip(inst, sup)])
        return idx, Y, records


_EYE = np.eye(4, dtype=np.uint8)


def _one_hot_agct(idx: np.ndarray) -> np.ndarray:
    """Base indices (n, L) -> one-hot (n, 4, L) uint8 in A, G, C, T order."""

    return np.ascontiguousarray(agct_from_acgt(_EYE[idx].transpose(0, 2, 1), axis=1))


def _rc_idx(idx: np.ndarray) -> np.ndarray:
    return np.ascontiguousarray((3 - idx)[:, ::-1])


def _noise(y: np.ndarray, rate: float, rng: np.random.Generator) -> np.ndarray:
    if rate <= 0:
        return y
    flips = rng.random(y.shape) < rate
    return (y ^ flips.astype(np.uint8)).astype(np.uint8)
