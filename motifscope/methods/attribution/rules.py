"""Which DeepLIFT rule each module of a model gets (the rule table of ``deeplift``).

Elementwise activations get the Rescale rule, max-pools the max-pool rule, recurrent
modules and modules without a closed-form rule (softmax, layer norm, DeepATT's category
attention) the integrated-gradients rule over the module as one unit, and everything
else (convolutions, linear layers, eval-mode batch norm, padding, reshapes) ordinary
autograd. See :mod:`motifscope.methods.attribution.deeplift` for the rules themselves.
"""

from __future__ import annotations

from torch import nn

from motifscope.core.errors import InputError
from motifscope.zoo.layers import Exp

__all__ = ["ELEMENTWISE", "deeplift_rules"]

#: Element-wise activations: DeepLIFT's Rescale rule applies to each of them.
ELEMENTWISE = (
    nn.ReLU, nn.ReLU6, nn.LeakyReLU, nn.PReLU, nn.RReLU, nn.ELU, nn.SELU, nn.CELU, nn.GELU,
    nn.SiLU, nn.Mish, nn.Sigmoid, nn.Tanh, nn.Softplus, nn.Softsign, nn.LogSigmoid,
    nn.Hardtanh, nn.Hardsigmoid, nn.Hardswish, nn.Threshold, nn.Tanhshrink, nn.Softshrink,
    nn.Hardshrink, Exp,
)
_POOLS = (nn.MaxPool1d, nn.AdaptiveMaxPool1d)
_IG_TYPES = (nn.Softmax, nn.Softmin, nn.LogSoftmax, nn.LayerNorm, nn.GLU)
_RULES = ("rescale", "maxpool", "ig", "linear")


def _is_rnn(module: nn.Module) -> bool:
    return isinstance(module, nn.RNNBase) or type(module).__name__ in ("BiLSTM", "BiGRU")


def deeplift_rules(model: nn.Module, *, lstm_rule: str = "ig", rules: dict | None = None) -> dict:
    """The DeepLIFT rule each module of ``model`` gets.

    Parameters
    ----------
    model : torch.nn.Module
        The model.
    lstm_rule : {"ig", "linear"}
        Rule for recurrent modules (LSTMs and GRUs: ``nn.LSTM``, ``nn.GRU``, the zoo's
        ``BiLSTM`` and ``BiGRU``).
    rules : dict or None
        Overrides: keys are module types or qualified module names (as in
        ``model.named_modules()``), values one of ``"rescale"`` (elementwise),
        ``"maxpool"``, ``"ig"`` (integrated-gradients rule over the module, which must
        take one tensor) or ``"linear"`` (ordinary gradient). A module may also carry a
        ``deeplift_rule`` attribute.

    Returns
    -------
    dict
        ``{qualified name: rule}`` for every module that gets a non-linear rule (modules
        inside a module with the ``"ig"`` rule are not listed: it is treated as a unit).
    """
    if lstm_rule not in ("ig", "linear"):
        raise InputError(f"lstm_rule must be 'ig' or 'linear', got {lstm_rule!r}")
    rules = dict(rules or {})
    for v in rules.values():
        if v not in _RULES:
            raise InputError(f"rules values must be one of {_RULES}, got {v!r}")
    out: dict[str, str] = {}
    unit_prefixes: list[str] = []
    for name, m in model.named_modules():
        if any(name.startswith(p + ".") or p == "" for p in unit_prefixes):
            continue
        rule = None
        if name in rules:
            rule = rules[name]
        elif type(m) in rules:
            rule = rules[type(m)]
        elif getattr(m, "deeplift_rule", None) in _RULES:
            rule = m.deeplift_rule
        elif isinstance(m, ELEMENTWISE):
            rule = "rescale"
        elif isinstance(m, _POOLS):
            rule = "maxpool"
        elif _is_rnn(m):
            rule = lstm_rule
        elif isinstance(m, _IG_TYPES) or type(m).__name__ == "CategoryAttention":
            rule = "ig"
        if rule == "ig" or _is_rnn(m):
            unit_prefixes.append(name)  # don't hook inside a unit (nor an RNN left linear)
        if rule is not None and rule != "linear":
            out[name] = rule
    return out
