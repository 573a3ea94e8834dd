"""Which model output a method explains: the ``target`` argument, resolved once for all.

Every method that reads a model's outputs — attribution, temporal scores, class
optimisation, layer attribution — takes ``target`` in one form: an output index (negative
indices count from the end, as in Python), a list of indices whose logits are summed, or a
callable mapping the outputs ``(N, T)`` to one score per sequence ``(N,)``.
:func:`resolve_target` turns it into that callable, with one set of error messages.

May import: :mod:`motifscope.core`.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import torch

from motifscope.core.errors import InputError

__all__ = ["Target", "first_output", "resolve_target"]

#: What ``target`` may be.
Target = int | list | tuple | Callable[[torch.Tensor], torch.Tensor]


def resolve_target(target: Target,
                   n_outputs: int | None = None) -> Callable[[torch.Tensor], torch.Tensor]:
    """Turn ``target`` into a function from model outputs to one scalar per sequence.

    Parameters
    ----------
    target : int, list of int or callable
        An output index, several indices whose logits are summed, or a function mapping
        the model output ``(N, T)`` to ``(N,)``.
    n_outputs : int or None
        The number of model outputs ``T``, used to check indices when known.

    Returns
    -------
    callable
        ``f(y) -> torch.Tensor of shape (N,)``.

    Raises
    ------
    InputError
        If ``target`` is of the wrong type or an index is out of range.
    """
    if callable(target) and not isinstance(target, (int, np.integer)):
        def fn(y):
            out = target(y)
            if not isinstance(out, torch.Tensor) or out.shape != (y.shape[0],):
                shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
                raise InputError(
                    f"target callable must return a tensor of shape (N,) = ({y.shape[0]},), "
                    f"got {shape}"
                )
            return out
        return fn
    if isinstance(target, (bool, np.bool_)):
        raise InputError(f"target must be an int, a list of ints or a callable, got {target!r}")
    if isinstance(target, (int, np.integer)):
        idx = [int(target)]
    elif isinstance(target, (list, tuple, np.ndarray, torch.Tensor)):
        idx = [int(t) for t in np.asarray(target).ravel()]
        if not idx:
            raise InputError("target is an empty list; give at least one output index")
    else:
        raise InputError(
            f"target must be an int, a list of ints or a callable, got {type(target).__name__}"
        )
    if n_outputs is not None:
        bad = [t for t in idx if not -n_outputs <= t < n_outputs]
        if bad:
            raise InputError(
                f"target index {bad[0]} is out of range for a model with {n_outputs} outputs"
            )

    def select(y):
        y2 = y.reshape(y.shape[0], -1)
        if n_outputs is None:
            for t in idx:
                if not -y2.shape[1] <= t < y2.shape[1]:
                    raise InputError(
                        f"target index {t} is out of range for a model with "
                        f"{y2.shape[1]} outputs"
                    )
        return y2[:, idx[0]] if len(idx) == 1 else y2[:, idx].sum(1)

    return select


def first_output(y):
    """The first tensor of a module output that may be a tuple (e.g. ``nn.LSTM``).

    Parameters
    ----------
    y : torch.Tensor or tuple
        A module's output.

    Returns
    -------
    torch.Tensor
    """
    return y[0] if isinstance(y, (tuple, list)) else y
