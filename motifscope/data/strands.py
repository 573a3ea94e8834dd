"""The two strands of DeepSEA-layout data, where the second half of the rows holds the
reverse complements of the first half in the same order: averaging predictions over a row
and its reverse complement (:func:`average_strands`), and checking that an array or a file
follows that layout (:func:`check_strand_pairs`)."""

from __future__ import annotations

import os

import numpy as np
import torch

from motifscope.core.errors import InputError
from motifscope.io.deepsea import open_deepsea

__all__ = ["average_strands", "check_strand_pairs"]


def average_strands(pred):
    """Average predictions over DeepSEA's forward / reverse-complement halves.

    Parameters
    ----------
    pred : torch.Tensor or numpy.ndarray of shape (N, T)
        Predictions for all rows of a file whose second half is the reverse complement
        of the first half in the same order (DeepSEA train and test).

    Returns
    -------
    torch.Tensor or numpy.ndarray of shape (N / 2, T)
        ``(pred[:N/2] + pred[N/2:]) / 2``, same type as ``pred`` (floating point).

    Raises
    ------
    InputError
        If ``N`` is odd or ``pred`` has no row axis.
    """
    shape = tuple(getattr(pred, "shape", ()))
    if len(shape) < 1:
        raise InputError(f"pred has shape {shape}; expected (N, T)")
    if shape[0] % 2:
        raise InputError(
            f"pred has {shape[0]} rows, an odd number; strand averaging needs the forward rows "
            "followed by the same number of reverse-complement rows"
        )
    h = shape[0] // 2
    if isinstance(pred, torch.Tensor):
        p = pred if pred.is_floating_point() else pred.float()
    else:
        p = np.asarray(pred)
        p = p if p.dtype.kind == "f" else p.astype(np.float32)
    return (p[:h] + p[h:]) / 2


def check_strand_pairs(X, y=None, *, n_check: int = 256, random_state: int = 0) -> bool:
    """Check that the second half of the rows reverse-complements the first half.

    Parameters
    ----------
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L), or str or Path
        One-hot sequences (A, C, G, T or A, G, C, T: both are closed under complement
        reversal), or a DeepSEA file / packed directory, of which ``n_check`` random
        pairs are read.
    y : torch.Tensor or numpy.ndarray of shape (N, T) or None
        Labels; when given (or read from a file), the two halves must be equal too.
    n_check : int
        Number of random pairs checked in a file.
    random_state : int
        Seed of the pairs checked in a file.

    Returns
    -------
    bool
        True when every (checked) row ``i`` of the first half is the reverse complement
        of row ``N/2 + i`` and their labels agree; False otherwise (also for odd ``N``).
    """
    if isinstance(X, (str, os.PathLike)):
        f = open_deepsea(X)
        try:
            n = f.n
            if n % 2 or n == 0:
                return False
            h = n // 2
            rng = np.random.default_rng(random_state)
            rows = rng.choice(h, size=min(int(n_check), h), replace=False)
            for i in np.sort(rows):
                xa, ya = f.read(int(i), int(i) + 1, progress=False)
                xb, yb = f.read(h + int(i), h + int(i) + 1, progress=False)
                if not torch.equal(xa, torch.flip(xb, dims=(1, 2))):
                    return False
                if ya is not None and not torch.equal(ya, yb):
                    return False
            return True
        finally:
            f.close()
    a = X.detach().cpu().numpy() if isinstance(X, torch.Tensor) else np.asarray(X)
    if a.ndim != 3 or a.shape[1] != 4:
        raise InputError(f"X has shape {a.shape}; expected (N, 4, L)")
    n = a.shape[0]
    if n % 2 or n == 0:
        return False
    h = n // 2
    if not np.array_equal(a[:h], a[h:, ::-1, ::-1]):
        return False
    if y is not None:
        b = y.detach().cpu().numpy() if isinstance(y, torch.Tensor) else np.asarray(y)
        if b.shape[0] != n:
            raise InputError(f"y has {b.shape[0]} rows but X has {n}")
        return bool(np.array_equal(b[:h], b[h:]))
    return True

