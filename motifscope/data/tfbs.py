"""A DeMo-style TF-binding task: 101-bp sequences with or without one planted motif.

DeMo Dashboard trained on DeepBind's ENCODE ChIP-seq sets: 101-bp sequences labelled bound
(1) or unbound (0) for one TF. Those files cannot be fetched here, so
:func:`simulate_tfbs` makes the simulated counterpart with known answers: i.i.d.
background, and in a fraction ``p_motif`` of the sequences one instance of one JASPAR motif
(random strand and position). The label is 1 exactly when the motif was planted. It is
:func:`motifscope.data.simulate.simulate` with one motif and no grammar, so the files are
in the DeepSEA layouts (``train.mat``, ``valid.mat``, ``test.mat``, one target) that
:func:`motifscope.train.train_run` reads, with ``instances.tsv`` as the ground truth.
"""

from __future__ import annotations

from motifscope.core.errors import ConfigError
from motifscope.core.motifs import Motif
from motifscope.data.simulate import SimulationResult, simulate

__all__ = ["simulate_tfbs"]


def simulate_tfbs(out_dir, *, motif="CTCF", length: int = 101, n_train: int = 10000,
                  n_valid: int = 1000, n_test: int = 2000, p_motif: float = 0.5,
                  gc: float = 0.41, label_noise: float = 0.0, release: str | None = None,
                  seed: int = 0) -> SimulationResult:
    """Write a one-motif presence task (DeMo's binary TF-binding setting) in DeepSEA layout.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Output folder (see :func:`motifscope.data.simulate.simulate` for the files).
    motif : str or Motif
        A TF name looked up in JASPAR CORE vertebrates of ``release`` (default
        ``"CTCF"``), or a :class:`~motifscope.core.motifs.Motif`.
    length : int
        Sequence length (DeMo / DeepBind: 101).
    n_train, n_valid, n_test : int
        Sequences per split; ``n_train`` and ``n_test`` count both strands (the second
        half of each file is the reverse complement of the first) and must be even.
    p_motif : float
        Fraction of sequences that get the motif (the positive rate).
    gc : float
        GC fraction of the background.
    label_noise : float
        Probability of flipping each label.
    release : str or None
        JASPAR release for a TF name; ``None`` is the newest shipped.
    seed : int
        Random seed (the output is deterministic).

    Returns
    -------
    SimulationResult
        Paths, the motif (``result.motifs[0]``) and the one task name.

    Raises
    ------
    ConfigError
        If ``motif`` is neither a name nor a Motif, is not found, or is wider than
        ``length``; or any parameter is invalid.
    """
    if isinstance(motif, Motif) or isinstance(motif, str) and motif.strip():
        motifs = [motif]
    else:
        raise ConfigError(f"motif must be a TF name or a Motif, got {type(motif).__name__}")
    res = simulate(out_dir, motifs=motifs, release=release, length=length, n_train=n_train,
                   n_valid=n_valid, n_test=n_test, gc=gc, p_motif=p_motif, grammar=(),
                   label_noise=label_noise, seed=seed)
    if len(res.motifs) != 1:  # a name that no release holds is dropped by simulate
        raise ConfigError(f"motif {motif!r} was not found in JASPAR")
    return res
