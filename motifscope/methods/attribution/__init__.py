"""Which bases drive a prediction: attribution methods for one-hot DNA models.

One calling convention for every method::

    attr = method(model, X, *, target, batch_size=..., device=..., random_state=...)

``X`` is ``(N, 4, L)`` one-hot (A, C, G, T), ``target`` an output index, a list of
indices (their logits are summed) or a callable ``logits (N, T) -> (N,)``; the result
is a float32 CPU tensor ``(N, 4, L)``. Attribution is taken on logits. Each method puts
the model in eval mode without parameter gradients and restores its training mode,
device, ``requires_grad`` flags and hooks afterwards.

========================  ========  ==================================================
method                    backend   notes
========================  ========  ==================================================
:func:`saliency`          ours      raw gradient; ``variant="demo"``: ``|∇|⊙x`` (DeMo)
:func:`gradient_x_input`  ours      ``∇⊙x``
:func:`integrated_gradients` ours   Gauss–Legendre path, baseline 0.25
:func:`deeplift`          ours      Rescale rule, reference 0.25 (or yours)
:func:`deeplift_shap`     ours      20 dinucleotide shuffles, ``hypothetical=``
:func:`ism`               ours      every single-base substitution, Δ target logit
========================  ========  ==================================================

``gradient_correction=True`` (every gradient-based method) applies Majdandzic et al.
(2023)'s correction, :func:`correct_gradients`: the per-position mean over the four bases
is removed from the input gradients (saliency, gradient × input), from the path-averaged
gradient (integrated gradients) and from the DeepLIFT multipliers. It changes saliency
and gradient × input; for integrated gradients from a baseline on the simplex it changes
only how a position's total splits over the bases; for DeepLIFT(-SHAP) with references
on the simplex (shuffles, 0.25) it changes nothing — the hypothetical contributions
``m_b − Σ_c m_c r_c`` already remove that component. ISM is not gradient-based.

DeepLIFT is ours because captum 0.9.0 is wrong on ReLU→MaxPool blocks (captum #1104);
it agrees with tangermeme's ``deep_lift_shap`` on the same references and adds an
integrated-gradients rule for LSTMs and DeepATT's attention (see
:mod:`motifscope.methods.attribution.deeplift`).
:func:`motifscope.truth.attribution.score_against_truth` scores any attribution against
planted motifs of simulated data.

Unit-level views (:mod:`motifscope.methods.attribution.layer`): :func:`layer_deeplift` and
:func:`layer_gradient_x_activation` score the units of an intermediate layer,
``(N, C, L')``; :func:`unit_importance` ranks them (DeepREG).

May import: :mod:`motifscope.core`, :mod:`motifscope.zoo` (its layer types) and the other
methods' foundations (:mod:`motifscope.methods.outputs`).
"""

from __future__ import annotations

from motifscope.core.errors import InputError
from motifscope.methods.attribution.base import AttributionResult
from motifscope.methods.attribution.deeplift import (
    deeplift,
    deeplift_rules,
    deeplift_shap,
    hypothetical_contributions,
)
from motifscope.methods.attribution.gradient import (
    correct_gradients,
    gradient_x_input,
    input_gradients,
    integrated_gradients,
    saliency,
)
from motifscope.methods.attribution.ism import ism
from motifscope.methods.attribution.layer import (
    layer_deeplift,
    layer_gradient_x_activation,
    unit_importance,
)

__all__ = [
    "METHODS",
    "AttributionResult",
    "attribute",
    "correct_gradients",
    "deeplift",
    "deeplift_rules",
    "deeplift_shap",
    "gradient_x_input",
    "hypothetical_contributions",
    "input_gradients",
    "integrated_gradients",
    "ism",
    "layer_deeplift",
    "layer_gradient_x_activation",
    "saliency",
    "unit_importance",
]

METHODS = {
    "saliency": saliency,
    "saliency_demo": lambda model, X, **kw: saliency(model, X, variant="demo", **kw),
    "gradient_x_input": gradient_x_input,
    "integrated_gradients": integrated_gradients,
    "deeplift": deeplift,
    "deeplift_shap": deeplift_shap,
    "ism": ism,
}


def attribute(model, X, *, method: str, target, **kwargs):
    """Run the attribution method named ``method`` (a key of :data:`METHODS`).

    Parameters
    ----------
    model : torch.nn.Module
        Maps ``(N, 4, L)`` to logits ``(N, T)``.
    X : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences.
    method : str
        One of ``saliency``, ``saliency_demo``, ``gradient_x_input``,
        ``integrated_gradients``, ``deeplift``, ``deeplift_shap``, ``ism``.
    target : int, list of int or callable
        What to explain.
    **kwargs
        Passed to the method.

    Returns
    -------
    torch.Tensor of shape (N, 4, L) or AttributionResult
    """

    if method not in METHODS:
        raise InputError(f"unknown attribution method {method!r}; choose one of {sorted(METHODS)}")
    return METHODS[method](model, X, target=target, **kwargs)
