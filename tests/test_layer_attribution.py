"""Layer attribution: hand computation, summation-to-delta at the layer on the zoo's CNNs."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from toy_models import HandConvPool, random_one_hot

from motifscope.core.errors import InputError
from motifscope.methods.attribution import (
    layer_deeplift,
    layer_gradient_x_activation,
    unit_importance,
)


def _hand_scores(x):
    """HandConvPool by hand: z = conv(x), a = ReLU(z), out = 2·max(a0, a1) − max(a2, a3).

    Reference 0.25 everywhere gives z_r = 0.25·(1 + 2 − 1 − 1) − 0.5 = −0.25, a_r = 0.
    The max-pool rule sends each window's change to x's argmax (out(x) ≥ out(r) = 0), so
    the score there is w_j · max(window), the other position of the window 0.
    """
    W = np.array([[1.0, 0.0], [0.0, 2.0], [-1.0, -1.0], [0.0, 0.0]])
    z = np.array([(W * x[:, t:t + 2]).sum() - 0.5 for t in range(4)])
    a = np.maximum(z, 0)
    s = np.zeros(4)
    for j, w in enumerate((2.0, -1.0)):
        win = a[2 * j:2 * j + 2]
        s[2 * j + int(np.argmax(win))] = w * win.max()
    return s


@pytest.mark.parametrize("layer", ["0", "1"])
def test_hand_computable_net(layer):
    X = random_one_hot(12, 5, seed=3)
    res = layer_deeplift(HandConvPool(), X, target=0, layer=layer, return_delta=True)
    assert res.attributions.shape == (12, 1, 4)
    hand = np.stack([_hand_scores(x.numpy()) for x in X])
    np.testing.assert_allclose(res.attributions[:, 0].numpy(), hand, atol=1e-6)
    assert float(res.deltas.abs().max()) < 1e-5
    assert np.abs(hand).sum() > 1  # some sequences do fire


def test_gradient_x_activation_hand():
    # at the ReLU output, ∂out/∂a is 2 / −1 at each window's argmax, so grad × act equals
    # the DeepLIFT scores above (a_r = 0)
    X = random_one_hot(12, 5, seed=3)
    g = layer_gradient_x_activation(HandConvPool(), X, target=0, layer="1")
    hand = np.stack([_hand_scores(x.numpy()) for x in X])
    np.testing.assert_allclose(g[:, 0].numpy(), hand, atol=1e-6)


@pytest.mark.parametrize("name,kw", [("deepsea_demo", {"n_targets": 3, "width": 0.1}),
                                     ("basset", {"seq_len": 200, "n_targets": 3, "width": 0.05}),
                                     ("demo_cnn", {"conv_channels": 8})])
def test_summation_to_delta_at_the_layer_on_zoo_cnns(name, kw):
    from motifscope import zoo
    from motifscope.methods.influence import conv_output_site

    torch.manual_seed(1)
    m = zoo.build(name, **kw)
    X = random_one_hot(4, m.seq_len, seed=2)
    refs = random_one_hot(4 * 3, m.seq_len, seed=5).view(4, 3, 4, m.seq_len)
    convs = [n for n, mod in m.named_modules() if isinstance(mod, torch.nn.Conv1d)]
    for conv in convs[:2]:
        site = conv_output_site(m, conv)[1]
        res = layer_deeplift(m, X, target=0, layer=site, references=refs, return_delta=True)
        with torch.no_grad():
            fx = m.eval()(X)[:, 0]
            fr = m(refs.flatten(0, 1))[:, 0].view(4, 3)
        dy = (fx[:, None] - fr).mean(1)
        np.testing.assert_allclose(res.attributions.sum((1, 2)).numpy(), dy.numpy(),
                                   atol=1e-4 * max(1.0, float(dy.abs().max())))
        assert float(dy.abs().max()) > 1e-4
        imp = unit_importance(res.attributions)
        assert imp.shape == (res.attributions.shape[1],) and bool((imp >= 0).all())


def test_errors():
    X = random_one_hot(2, 5)
    with pytest.raises(InputError, match="not a submodule"):
        layer_deeplift(HandConvPool(), X, target=0, layer="nope")
    with pytest.raises(InputError, match="shape"):
        unit_importance(torch.zeros(3))


def test_recurrent_model_above_the_layer():
    from toy_models import SmallDanQ

    X = random_one_hot(3, 60, seed=1)
    res = layer_deeplift(SmallDanQ(length=60, seed=2), X, target=1, layer="1",
                         ig_steps=16, return_delta=True)
    assert res.attributions.shape == (3, 6, 55)
    assert float(res.deltas.abs().max()) < 1e-4
