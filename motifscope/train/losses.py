"""Training losses on logits.

Both losses take the model's **logits** (pre-sigmoid) and 0/1 labels of the same shape
``(B, T)`` and return the mean over all ``B × T`` elements, as Keras does for DeepATT's
``BinaryCrossentropy`` ("NLL") and ``BinaryFocalloss`` ("Focal"):

- ``bce``: ``-[y log p + (1 - y) log(1 - p)]`` with ``p = sigmoid(logit)``;
- ``focal``: ``-[y α (1-p)^γ log p + (1 - y)(1 - α) p^γ log(1 - p)]`` with α = 0.25, γ = 2.

Working on logits (``log p = logsigmoid(z)``, ``log(1-p) = logsigmoid(-z)``) avoids the
clipping Keras needs; the values agree with Keras' clipped formulas wherever
``1e-7 < p < 1 - 1e-7``.
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F

from motifscope.core.errors import ConfigError

__all__ = ["LOSSES", "bce_loss", "focal_loss", "get_loss"]


def bce_loss(logits: torch.Tensor, y: torch.Tensor) -> torch.Tensor:
    """Binary cross-entropy on logits, averaged over every element.

    Parameters
    ----------
    logits : torch.Tensor of shape (B, T)
        Pre-sigmoid outputs.
    y : torch.Tensor of shape (B, T)
        Labels in {0, 1} (any float in [0, 1] works).

    Returns
    -------
    torch.Tensor
        A scalar: the mean over ``B × T`` elements.
    """
    return F.binary_cross_entropy_with_logits(logits, y.to(logits.dtype))


def focal_loss(
    logits: torch.Tensor, y: torch.Tensor, *, alpha: float = 0.25, gamma: float = 2.0
) -> torch.Tensor:
    """Binary focal loss (Lin et al. 2017) on logits, averaged over every element.

    ``FL = -[y α (1-p)^γ log p + (1-y)(1-α) p^γ log(1-p)]`` with ``p = sigmoid(logits)``;
    DeepATT's defaults are α = 0.25 and γ = 2.

    Parameters
    ----------
    logits : torch.Tensor of shape (B, T)
        Pre-sigmoid outputs.
    y : torch.Tensor of shape (B, T)
        Labels in {0, 1}.
    alpha : float
        Weight of the positive term (``1 - alpha`` weights the negative term).
    gamma : float
        Focusing exponent.

    Returns
    -------
    torch.Tensor
        A scalar: the mean over ``B × T`` elements.
    """
    y = y.to(logits.dtype)
    logits = logits.float() if logits.dtype in (torch.float16, torch.bfloat16) else logits
    y = y.to(logits.dtype)
    p = torch.sigmoid(logits)
    log_p = F.logsigmoid(logits)
    log_1mp = F.logsigmoid(-logits)
    pos = y * alpha * (1.0 - p).pow(gamma) * log_p
    neg = (1.0 - y) * (1.0 - alpha) * p.pow(gamma) * log_1mp
    return -(pos + neg).mean()


LOSSES: dict[str, Callable[[torch.Tensor, torch.Tensor], torch.Tensor]] = {
    "bce": bce_loss,
    "nll": bce_loss,
    "binary_crossentropy": bce_loss,
    "focal": focal_loss,
}


def get_loss(name: str) -> Callable[[torch.Tensor, torch.Tensor], torch.Tensor]:
    """Look up a loss by name.

    Parameters
    ----------
    name : str
        ``"bce"`` (aliases ``"nll"``, ``"binary_crossentropy"``) or ``"focal"``;
        case-insensitive.

    Returns
    -------
    callable
        ``loss(logits, y) -> scalar tensor``.

    Raises
    ------
    ConfigError
        If the name is unknown.
    """
    key = str(name).lower()
    if key not in LOSSES:
        raise ConfigError(f"loss {name!r} is unknown; expected one of {sorted(LOSSES)}")
    return LOSSES[key]
