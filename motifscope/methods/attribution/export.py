"""Attributions exported for TF-MoDISco: two ``.npz`` files that ``modisco motifs -s <stem>.ohe.npz
-a <stem>.npz`` reads (the ``attribute`` analysis, :mod:`motifscope.analysis.attribute`, adds
the report section).

``<stem>.npz``
    ``arr_0``: what TF-MoDISco reads with ``-a`` — the hypothetical contributions for
    ``deeplift``/``deeplift_shap``, otherwise the attributions — shape ``(N, 4, L)``;
    ``sequences`` ``(N, 4, L)``; ``attributions`` ``(N, 4, L)``; ``hypothetical``
    (DeepLIFT methods); ``deltas`` (summation-to-delta errors, DeepLIFT and integrated
    gradients); ``target`` (the indices summed); ``rows`` (rows of the data file used);
    ``method``.
``<stem>.ohe.npz``
    ``arr_0``: the one-hot sequences ``(N, 4, L)`` (modisco's ``-s``).

modisco-lite's CLI reads the first array (``arr_0``) of each ``.npz`` and expects
``(N, 4, L)`` (it transposes to its ``(N, L, 4)`` itself).
"""

from __future__ import annotations

from pathlib import Path

from motifscope.core.atomic import atomic_open
from motifscope.methods.attribution import METHODS, AttributionResult

__all__ = ["modisco_attributions", "write_attributions"]


def modisco_attributions(model, X, *, method: str, target, batch_size=None, n_shuffles: int = 20,
                         random_state: int = 0, lstm_rule: str = "ig", device=None,
                         gradient_correction: bool = False, progress: bool = True):
    """Attributions of ``target`` (indices summed) with what TF-MoDISco needs.

    Parameters
    ----------
    model : torch.nn.Module
    X : torch.Tensor of shape (N, 4, L)
    method : str
        A key of :data:`motifscope.methods.attribution.METHODS`.
    target : list of int
        Output indices (their logits are summed).
    batch_size : int or None
        The method's default when None.
    n_shuffles, random_state : int
        DeepLIFT-SHAP references and their seed.
    lstm_rule : {"ig", "linear"}
        DeepLIFT's rule for LSTMs.
    device : str, torch.device or None
        Where to run the model (``None``: where it is).
    gradient_correction : bool
        Majdandzic et al.'s correction (gradient-based methods; ignored by ISM).
    progress : bool

    Returns
    -------
    tuple
        ``(attributions (N, 4, L), hypothetical (N, 4, L) or None, deltas or None)``.
    """

    tgt = list(target)
    kw = {"target": tgt if len(tgt) > 1 else tgt[0], "device": device, "progress": progress}
    if batch_size is not None:
        kw["batch_size"] = batch_size
    if gradient_correction and method != "ism":
        kw["gradient_correction"] = True
    hyp = deltas = None
    if method in ("deeplift", "deeplift_shap"):
        kw.update(lstm_rule=lstm_rule, hypothetical=True, return_delta=True)
        if method == "deeplift_shap":
            kw.update(n_shuffles=n_shuffles, random_state=random_state)
        res = METHODS[method](model, X, **kw)
        hyp, deltas = res.attributions, res.deltas
        attr = hyp * X
    elif method == "integrated_gradients":
        res = METHODS[method](model, X, return_delta=True, **kw)
        attr, deltas = res.attributions, res.deltas
    else:
        attr = METHODS[method](model, X, **kw)
        if isinstance(attr, AttributionResult):  # pragma: no cover - defensive
            attr = attr.attributions
    return attr, hyp, deltas


def write_attributions(out: Path, *, sequences, attributions, method: str, target,
                       hypothetical=None, deltas=None, rows=None) -> tuple[Path, Path]:
    """Write the attribution file and its one-hot sidecar (atomically).

    Parameters
    ----------
    out : pathlib.Path
        The attribution file (``.npz``).
    sequences : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences.
    attributions : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        Attributions.
    method : str
        Method name (stored).
    target : list of int
        Target indices (stored).
    hypothetical : array of shape (N, 4, L) or None
        Hypothetical contributions; when given they are ``arr_0``.
    deltas : array of shape (N,) or (N, R) or None
        Summation-to-delta errors.
    rows : array of shape (N,) or None
        Rows of the data file.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The attribution file and the ``.ohe.npz`` sidecar.
    """
    import numpy as np

    def npy(a):
        return None if a is None else np.asarray(a.detach().cpu() if hasattr(a, "detach") else a,
                                                 dtype=np.float32)

    seq = npy(sequences)
    att = npy(attributions)
    hyp = npy(hypothetical)
    arrays = {"arr_0": hyp if hyp is not None else att, "sequences": seq,
              "attributions": att, "target": np.asarray(target, dtype=np.int64),
              "method": np.asarray(method)}
    if hyp is not None:
        arrays["hypothetical"] = hyp
    if deltas is not None:
        arrays["deltas"] = npy(deltas)
    if rows is not None:
        arrays["rows"] = np.asarray(rows, dtype=np.int64)
    out = Path(out)
    if out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    ohe = out.with_name(out.name[: -len(".npz")] + ".ohe.npz")
    _savez(out, arrays)
    _savez(ohe, {"arr_0": seq})
    return out, ohe



def _savez(path: Path, arrays: dict) -> None:
    import numpy as np

    with atomic_open(path, "wb") as fh:
        np.savez_compressed(fh, **arrays)
