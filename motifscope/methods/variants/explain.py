"""Why a variant scores: ref-vs-alt attributions and the motif it breaks or makes.

- :func:`attribution_pair`: attributions (DeepLIFT-SHAP by default, or ISM) of the reference
  and alternative windows for one target, and their difference.
- :func:`motif_changes`: for every motif, its best site overlapping the variant in the
  reference and in the alternative window (both strands), their PWM log-odds scores and
  FIMO-style p-values, and the change ``alt_score - ref_score``; sorted by the size of the
  change, so the first row is the motif the variant breaks (negative) or makes (positive).

**Scores and p-values as FIMO computes them** (MEME suite; memelite's ``fimo``): the PWM is
``log2(ppm + 1e-4) - log2(0.25)``, a site scores the sum of its columns' entries for the
observed bases, and its p-value is ``P(S >= score)`` for a random site of uniform
background, from the exact distribution of the PWM's scores rounded to bins of 0.1
(:func:`motifscope.methods.fimo.pvalue_table`): the score is binned by truncation,
``int(score / 0.1)`` (:func:`motifscope.methods.fimo.pvalue`, memelite's lookup).

A site overlaps the variant when it shares a base with the allele's span ``[v, v + len)``
in its window (``v = p - start``; a deletion's span is the one base on its left edge and
the base after it, where the junction is).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from motifscope.core.errors import ConfigError
from motifscope.methods import attribution
from motifscope.methods.fimo import log_odds, pvalue, pvalue_table

__all__ = ["attribution_pair", "best_site", "motif_changes"]


def _scan(W: np.ndarray, x: np.ndarray) -> np.ndarray:
    """Scores ``(2, L - w + 1)`` of every site on the + strand and the - strand (site
    starts on the + strand's coordinates)."""
    w = W.shape[1]
    idx = np.argmax(x, axis=0)
    known = x.sum(0) > 0
    n = x.shape[1] - w + 1
    if n < 1:
        return np.full((2, 0), -np.inf)
    Wrc = W[::-1, ::-1]
    plus, minus = np.zeros(n), np.zeros(n)
    for j in range(w):
        b, k = idx[j:j + n], known[j:j + n]
        plus += np.where(k, W[b, j], W.min(0)[j])
        minus += np.where(k, Wrc[b, j], Wrc.min(0)[j])
    return np.stack([plus, minus])


def best_site(W: np.ndarray, x, lo: int, hi: int) -> tuple[float, int, str]:
    """The best-scoring site of a PWM on either strand that overlaps ``[lo, hi)``.

    Parameters
    ----------
    W : numpy.ndarray of shape (4, w)
        A log-odds matrix.
    x : numpy.ndarray or torch.Tensor of shape (4, L)
        One sequence (A, C, G, T; an N column scores the column's minimum).
    lo, hi : int
        The span the site must share a base with.

    Returns
    -------
    score : float
    start : int
        The site's first index in ``x``.
    strand : str
        ``+`` or ``-`` (the reverse complement of the motif matched).
    """
    x = np.asarray(x.detach().cpu() if hasattr(x, "detach") else x)
    w = W.shape[1]
    S = _scan(W, x)
    starts = np.arange(S.shape[1])
    ok = (starts + w > lo) & (starts < hi)
    if not ok.any():
        return -np.inf, -1, "+"
    S = np.where(ok[None], S, -np.inf)
    s, j = np.unravel_index(int(np.argmax(S)), S.shape)
    return float(S[s, j]), int(j), "+-"[s]


def motif_changes(motifs, x_ref, x_alt, v: int, ref_len: int, alt_len: int) -> pd.DataFrame:
    """How much each motif's best site at the variant changes from ref to alt.

    Parameters
    ----------
    motifs : list of Motif
        The database (JASPAR, a MEME file, the model's kernels).
    x_ref, x_alt : numpy.ndarray or torch.Tensor of shape (4, L)
        The reference and alternative windows.
    v : int
        Index of the variant's first base in both windows.
    ref_len, alt_len : int
        Allele lengths.

    Returns
    -------
    pandas.DataFrame
        One row per motif: ``motif``, ``name``, ``ref_score``, ``ref_pvalue``, ``ref_start``,
        ``ref_strand``, ``alt_score``, ``alt_pvalue``, ``alt_start``, ``alt_strand``,
        ``delta`` (alt - ref) and ``change`` (``loss`` or ``gain``), largest ``|delta|``
        first.
    """
    rows = []
    for m in motifs:
        W = log_odds(m.ppm)
        table = pvalue_table(W)
        rs, rj, rstr = best_site(W, x_ref, v, v + max(ref_len, 1))
        as_, aj, astr = best_site(W, x_alt, v, v + max(alt_len, 1) + (alt_len < ref_len))
        rows.append({"motif": m.name, "name": m.alt_name or m.name,
                     "ref_score": rs, "ref_pvalue": pvalue(rs, table), "ref_start": rj,
                     "ref_strand": rstr, "alt_score": as_, "alt_pvalue": pvalue(as_, table),
                     "alt_start": aj, "alt_strand": astr, "delta": as_ - rs})
    df = pd.DataFrame(rows)
    if len(df):
        df["change"] = np.where(df["delta"] < 0, "loss", "gain")
        df = df.iloc[np.argsort(-np.abs(df["delta"].to_numpy()), kind="stable")]
    return df.reset_index(drop=True)


def attribution_pair(model, x_ref, x_alt, *, target: int, method: str = "deeplift_shap",
                     n_shuffles: int = 20, random_state=0, device=None) -> dict:
    """Attributions of the reference and alternative windows for one target.

    Parameters
    ----------
    model : torch.nn.Module
        Logits ``(B, T)`` for ``(B, 4, L)``.
    x_ref, x_alt : torch.Tensor of shape (4, L)
        The two windows.
    target : int
        The model output explained.
    method : {"deeplift_shap", "ism"}
        DeepLIFT-SHAP (projected on the observed base) or centred ISM.
    n_shuffles : int
        DeepLIFT-SHAP references per window.
    random_state : int
        Seed of the shuffles.
    device : str or None
        Where to run.

    Returns
    -------
    dict of numpy.ndarray of shape (4, L)
        ``ref``, ``alt`` and ``diff`` (alt - ref; positions after an indel are not aligned).
    """
    import torch

    X = torch.stack([x_ref, x_alt]).float()
    if method == "deeplift_shap":
        A = attribution.deeplift_shap(model, X, target=target, n_shuffles=n_shuffles,
                                      random_state=random_state, device=device,
                                      warn_threshold=None)
    elif method == "ism":
        A = attribution.ism(model, X, target=target, centered=True, device=device) * X
    else:
        raise ConfigError(f"explanation method {method!r}: expected deeplift_shap or ism")
    A = A.detach().cpu().numpy()
    return {"ref": A[0], "alt": A[1], "diff": A[1] - A[0]}
