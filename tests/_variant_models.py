"""A hand-set motif detector and a synthetic genome for the variant-effect tests (and the
notebook): the answers can be worked out by hand.

``MotifDetector``: Conv1d(4→2) holding the log-odds matrix of ``CONSENSUS`` (p = 0.97 per
base, background 0.25) and of its reverse complement, bias −6, ReLU, global max, then
``Linear(2→2)``: output 0 = both strands' maxima summed − 2 (the detector), output 1 a
constant 0 (a target no variant can change). A perfect instance scores
8·ln(0.97/0.25) − 6 ≈ 4.85 per strand channel, so output 0 goes from about −2 (no site,
p ≈ 0.12) to about +2.85 (p ≈ 0.95): destroying the instance is a large negative effect.
"""

from __future__ import annotations

import random

import numpy as np
import torch
from torch import nn

CONSENSUS = "ACGTTGCA"


def ppm(consensus: str, p: float = 0.97) -> np.ndarray:
    P = np.full((4, len(consensus)), (1 - p) / 3)
    for j, c in enumerate(consensus):
        P["ACGT".index(c), j] = p
    return P


class MotifDetector(nn.Sequential):
    """See the module docstring."""

    def __init__(self, seq_len: int = 101, consensus: str = CONSENSUS):
        w = len(consensus)
        conv = nn.Conv1d(4, 2, w)
        lo = torch.tensor(np.log(ppm(consensus) / 0.25), dtype=torch.float32)
        lin = nn.Linear(2, 2)
        with torch.no_grad():
            conv.weight.copy_(torch.stack([lo, lo.flip((0, 1))]))
            conv.bias.fill_(-6.0)
            lin.weight.copy_(torch.tensor([[1.0, 1.0], [0.0, 0.0]]))
            lin.bias.copy_(torch.tensor([-2.0, 0.0]))
        super().__init__(conv, nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(), lin)
        self.seq_len, self.n_targets = seq_len, 2


def random_genome(seed: int = 0, sizes=(("chr1", 3000), ("chr2", 2000), ("chrM", 300)),
                  plant=(("chr1", 1000),)) -> dict:
    """Random contigs (no near-instance of the motif within 2 mismatches) with
    ``CONSENSUS`` planted at the given 0-based starts."""
    rng = random.Random(seed)
    out = {}
    for name, n in sizes:
        s = list("".join(rng.choice("ACGT") for _ in range(n)))
        out[name] = _scrub(s, rng)
    for name, start in plant:
        s = out[name]
        out[name] = s[:start] + CONSENSUS + s[start + len(CONSENSUS):]
    return out


def _scrub(s: list, rng) -> str:
    """Redraw every window within 2 mismatches of the motif or its reverse complement."""
    rc = CONSENSUS[::-1].translate(str.maketrans("ACGT", "TGCA"))
    w = len(CONSENSUS)
    x = np.array(["ACGT".index(c) for c in s])
    gen = np.random.default_rng(rng.randrange(2**32))
    motifs = [np.array(["ACGT".index(c) for c in m]) for m in (CONSENSUS, rc)]
    while True:
        win = np.lib.stride_tricks.sliding_window_view(x, w)
        near = np.zeros(len(win), bool)
        for m in motifs:
            near |= (win != m).sum(1) <= 2
        if not near.any():
            return "".join("ACGT"[i] for i in x)
        for i in np.flatnonzero(near):
            x[i:i + w] = gen.integers(0, 4, w)


def write_fasta(path, genome: dict, width: int = 70):
    with open(path, "w") as fh:
        for name, s in genome.items():
            fh.write(f">{name}\n")
            fh.writelines(s[i:i + width] + "\n" for i in range(0, len(s), width))
    return path
