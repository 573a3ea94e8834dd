"""DeepREG's GRU variant of the recurrent families: parameter counts, DeepLIFT, temporal scores."""

from __future__ import annotations

import pytest
import torch
from toy_models import random_one_hot

from motifscope import zoo
from motifscope.core.errors import ConfigError
from motifscope.methods.attribution import deeplift, deeplift_rules
from motifscope.zoo.layers import BiGRU


def _gru(c, h):
    return 2 * 3 * (h * (c + h) + 2 * h)  # two directions, gates r, z, n, two biases


def test_parameter_counts_by_hand():
    d = zoo.build("danq_demo", rnn="gru", seq_len=200, n_targets=5, width=0.25)
    assert isinstance(d.bilstm, BiGRU) and isinstance(d.features[1], torch.nn.BatchNorm1d)
    c, h = d.first_conv.out_channels, d.bilstm.hidden_size
    k = d.first_conv.kernel_size[0]
    dense = d.dense
    assert sum(p.numel() for p in d.parameters()) == (
        (k * 4 * c + c + 2 * c) + _gru(c, h) + dense.weight.numel() + dense.out_features
        + d.out.weight.numel() + d.out.out_features)
    r = zoo.build("demo_rnn", rnn="gru")
    assert sum(p.numel() for p in r.parameters()) == _gru(4, 32) + (64 + 1)
    cr = zoo.build("demo_cnnrnn", rnn="gru")
    assert sum(p.numel() for p in cr.parameters()) == (9 * 4 * 128 + 128) + _gru(128, 32) + 65
    with pytest.raises(ConfigError, match="gru"):
        zoo.build("danq_demo", rnn="gru", lstm_gates="hard_sigmoid")
    with pytest.raises(ConfigError, match="rnn"):
        zoo.build("demo_rnn", rnn="rnn")


def test_deeplift_recurrent_rule_covers_the_gru():
    torch.manual_seed(0)
    m = zoo.build("danq_demo", rnn="gru", seq_len=200, n_targets=3, width=0.25)
    assert deeplift_rules(m)["bilstm"] == "ig"
    X = random_one_hot(3, 200, seed=1)
    ig = deeplift(m, X, target=0, ig_steps=16, return_delta=True, warn_threshold=None)
    lin = deeplift(m, X, target=0, lstm_rule="linear", return_delta=True, warn_threshold=None)
    with torch.no_grad():
        dy = (m.eval()(X)[:, 0] - m(torch.full_like(X, 0.25))[:, 0]).abs().mean()
    assert float(ig.deltas.abs().mean()) < 1e-3 * float(dy)
    assert float(lin.deltas.abs().mean()) > 10 * float(ig.deltas.abs().mean())


@pytest.mark.parametrize("name", ["demo_rnn", "demo_cnnrnn"])
def test_temporal_scores_with_a_gru_equal_truncation(name):
    torch.manual_seed(0)
    m = zoo.build(name, rnn="gru", width=0.25).eval()
    x = random_one_hot(1, 30, seed=2)
    pre = m.prefix_scores(x, [4, 17, 29])
    suf = m.suffix_scores(x, [0, 11, 25])
    with torch.no_grad():
        if name == "demo_rnn":  # prefix/suffix alone, as DeMo did
            want_p = torch.cat([m(x[:, :, :p + 1]) for p in (4, 17, 29)])
            want_s = torch.cat([m(x[:, :, p:]) for p in (0, 11, 25)])
        else:  # convolution once on the full sequence, the GRU head on the slice
            f = m.features(x).transpose(1, 2)
            want_p = torch.cat([m.head(f[:, :p + 1]) for p in (4, 17, 29)])
            want_s = torch.cat([m.head(f[:, p:]) for p in (0, 11, 25)])
    torch.testing.assert_close(pre, want_p, atol=1e-5, rtol=1e-4)
    torch.testing.assert_close(suf, want_s, atol=1e-5, rtol=1e-4)
