"""motifscope.core.devices: one meaning of ``device``, and models come back as they were given."""

from __future__ import annotations

import pytest
import torch
from torch import nn
from toy_models import SmallDeepSEA

from motifscope.core.devices import model_on, resolve_device
from motifscope.core.errors import InputError


def _mixed_state(model):
    """Training, but its first convolution frozen and in eval mode (fine-tuning style)."""
    model.train()
    model[0].eval()
    model[0].weight.requires_grad_(False)
    return [(m.training) for m in model.modules()], [p.requires_grad for p in model.parameters()]


def _state(model):
    return [(m.training) for m in model.modules()], [p.requires_grad for p in model.parameters()]


def test_resolve_device_meanings():
    m = nn.Linear(2, 2)
    assert resolve_device(None, m) == torch.device("cpu")  # where the model is
    assert resolve_device(None) == torch.device("cpu")
    assert resolve_device("cpu") == torch.device("cpu")
    assert resolve_device("auto").type == ("cuda" if torch.cuda.is_available() else "cpu")
    with pytest.raises(InputError, match="not a valid torch device"):
        resolve_device("gpu0")
    if not torch.cuda.is_available():
        with pytest.raises(InputError, match="CUDA is not available"):
            resolve_device("cuda:0")


def test_model_on_restores_every_flag_even_after_an_error():
    model = SmallDeepSEA(length=100)
    before = _mixed_state(model)
    with pytest.raises(RuntimeError), model_on(model, "cpu") as dev:
        assert dev == torch.device("cpu")
        assert not any(m.training for m in model.modules())
        assert not any(p.requires_grad for p in model.parameters())
        raise RuntimeError
    assert _state(model) == before
    with pytest.raises(InputError, match="torch.nn.Module"), model_on("model"):
        pass


@pytest.mark.parametrize("run", ["predict", "temporal", "optimize", "attribution"])
def test_analyses_give_the_model_back_as_it_was(run):
    from motifscope.methods.attribution import saliency
    from motifscope.methods.optimize import optimize_input
    from motifscope.methods.predict import predict
    from motifscope.methods.temporal import temporal_scores

    model = SmallDeepSEA(length=100)
    model.seq_len, model.n_targets = 100, 3
    before = _mixed_state(model)
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 100)), 4).permute(0, 2, 1).float()
    {"predict": lambda: predict(model, X),
     "temporal": lambda: temporal_scores(model, X[:1], target=0, step=25),
     "optimize": lambda: optimize_input(model, target=0, steps=2, restarts=1),
     "attribution": lambda: saliency(model, X, target=0)}[run]()
    assert _state(model) == before
