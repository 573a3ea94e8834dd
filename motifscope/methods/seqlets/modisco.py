"""TF-MoDISco from Python: run modisco-lite on hypothetical contributions, read its patterns
back as :class:`~motifscope.core.motifs.Motif`.

modisco-lite (``modiscolite``, optional) calls its own seqlets (window sums of the
contributions against a Laplace null, an FDR by isotonic regression), clusters them and
aggregates patterns. Its Python API takes ``(N, L, 4)`` arrays; we pass our ``(N, 4, L)``
transposed. Each pattern becomes a Motif whose PPM is the pattern's base frequencies and
whose ``meta["cwm"]`` is its contribution-weight matrix (mean contributions, ``(4, w)``),
both trimmed to the span where ``Σ_c |CWM|`` reaches ``trim_threshold`` × its maximum
(modisco's report trims the same way, at 0.3). ``nsites`` is the number of seqlets.
"""

from __future__ import annotations

import numpy as np

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif

__all__ = ["modisco_available", "pattern_motif", "run_modisco"]


def modisco_available() -> bool:
    """Whether modisco-lite can be imported.

    Returns
    -------
    bool
    """
    import importlib.util

    return importlib.util.find_spec("modiscolite") is not None


def pattern_motif(pattern, name: str, *, trim_threshold: float = 0.3, sign: str = "pos"):
    """A modisco-lite pattern as a trimmed Motif (PPM, with the CWM in ``meta``).

    Parameters
    ----------
    pattern : modiscolite.core.SeqletSet
        A pattern (``sequence``, ``contrib_scores``, ``hypothetical_contribs``, ``seqlets``;
        arrays ``(w, 4)``).
    name : str
        The motif's name.
    trim_threshold : float
        Keep positions from the first to the last whose ``Σ_c |CWM|`` reaches this
        fraction of the maximum.
    sign : {"pos", "neg"}
        Which metacluster the pattern came from (stored in ``meta``).

    Returns
    -------
    Motif
    """

    ppm = np.asarray(pattern.sequence, float).T
    cwm = np.asarray(pattern.contrib_scores, float).T
    score = np.abs(cwm).sum(0)
    keep = np.flatnonzero(score >= trim_threshold * score.max()) if score.max() > 0 else [0]
    lo, hi = int(keep[0]), int(keep[-1]) + 1
    n = len(pattern.seqlets)
    return Motif(name, ppm[:, lo:hi], alt_name=f"{n} seqlets", nsites=n, source="tfmodisco-lite",
                 meta={"cwm": cwm[:, lo:hi], "sign": sign, "trim_offset": lo,
                       "hcwm": np.asarray(pattern.hypothetical_contribs, float).T[:, lo:hi]})


def run_modisco(X, hypothetical, *, max_seqlets: int = 2000, window: int = 21, flank: int = 10,
                target_fdr: float = 0.05, n_leiden_runs: int = 2, trim_threshold: float = 0.3,
                verbose: bool = False) -> list:
    """Run TF-MoDISco (modisco-lite) and return its patterns as motifs.

    Parameters
    ----------
    X : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        One-hot sequences.
    hypothetical : numpy.ndarray or torch.Tensor of shape (N, 4, L)
        Hypothetical contributions (DeepLIFT-SHAP ``hypothetical=True``).
    max_seqlets : int
        ``max_seqlets_per_metacluster`` (modisco's CLI default 2000).
    window, flank : int
        ``sliding_window_size`` and ``flank_size``.
    target_fdr : float
        ``target_seqlet_fdr`` (the CLI's 0.05).
    n_leiden_runs : int
        Leiden restarts (modisco's default 50; 2 keeps a demo run short).
    trim_threshold : float
        See :func:`pattern_motif`.
    verbose : bool
        modisco's own progress messages.

    Returns
    -------
    list of Motif
        Positive patterns (``pos_pattern_<i>``) then negative ones (``neg_pattern_<i>``).
    """
    if not modisco_available():
        raise InputError("TF-MoDISco needs modisco-lite: pip install modisco-lite")
    from modiscolite.tfmodisco import TFMoDISco

    def arr(a, name):
        a = np.asarray(a.detach().cpu() if hasattr(a, "detach") else a, dtype=np.float32)
        if a.ndim != 3 or a.shape[1] != 4:
            raise InputError(f"{name} has shape {a.shape}; expected (N, 4, L)")
        return np.ascontiguousarray(a.transpose(0, 2, 1))

    ohe, hyp = arr(X, "X"), arr(hypothetical, "hypothetical")
    if ohe.shape != hyp.shape:
        raise InputError(f"X {ohe.shape} and hypothetical {hyp.shape} differ")
    pos, neg = TFMoDISco(one_hot=ohe, hypothetical_contribs=hyp, sliding_window_size=window,
                         flank_size=flank, max_seqlets_per_metacluster=max_seqlets,
                         target_seqlet_fdr=target_fdr, n_leiden_runs=n_leiden_runs,
                         verbose=verbose)
    out = [pattern_motif(p, f"pos_pattern_{i}", trim_threshold=trim_threshold)
           for i, p in enumerate(pos or [])]
    out += [pattern_motif(p, f"neg_pattern_{i}", trim_threshold=trim_threshold, sign="neg")
            for i, p in enumerate(neg or [])]
    return out
