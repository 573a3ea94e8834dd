"""DeMo Dashboard's own models (demo_cnn, demo_rnn, demo_cnnrnn) and the 101-bp TFBS task."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from motifscope import zoo
from motifscope.core.errors import ConfigError, InputError
from motifscope.core.motifs import Motif
from motifscope.methods.temporal import temporal_scores
from motifscope.zoo.layers import BiLSTM

DEMO = ("demo_cnn", "demo_rnn", "demo_cnnrnn")


@pytest.fixture(autouse=True)
def one_thread():
    # these models are tiny: one thread is several times faster on a busy CPU
    old = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(old)


def one_hot(n, length, seed=0):
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    return nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()


def build(name, **kw):
    torch.manual_seed(0)
    return zoo.build(name, **kw).eval()


def n_params(m):
    return sum(p.numel() for p in m.parameters())


# --------------------------------------------------------------------------- registry / cards


def test_registered_with_cards():
    assert set(DEMO) <= set(zoo.names())
    for name in DEMO:
        c = zoo.card(name)
        assert c["name"] == name and c["family"] == "demo"
        assert (c["input"]["seq_len"], c["input"]["n_targets"]) == (101, 1)
        assert c["training"]["lr"] == 0.01 and c["training"]["batch_size"] == 256


def test_parameter_counts_by_hand():
    def lstm(d, h):
        return 2 * 4 * (h * (d + h) + h)
    cnn = (9 * 4 * 128 + 128) + (5 * 128 * 128 + 128) + (3 * 128 * 128 + 128) + (128 + 1)
    rnn = lstm(4, 32) + (64 + 1)
    cnnrnn = (9 * 4 * 128 + 128) + lstm(128, 32) + (64 + 1)
    expected = {"demo_cnn": cnn, "demo_rnn": rnn, "demo_cnnrnn": cnnrnn}
    assert expected == {"demo_cnn": 136_193, "demo_rnn": 9_537, "demo_cnnrnn": 46_017}
    for name, count in expected.items():
        with torch.device("meta"):
            m = zoo.build(name)
        assert n_params(m) == count == zoo.card(name)["expected_parameters"], name
    # PyTorch's two LSTM biases add 8H
    with torch.device("meta"):
        assert n_params(zoo.build("demo_rnn", lstm_bias="torch")) == rnn + 8 * 32


def test_unknown_init_raises_config_error():
    with pytest.raises(ConfigError, match="init must be"):
        zoo.build("demo_rnn", init="xavier")
    with pytest.raises(ConfigError, match="too short"):
        zoo.build("demo_cnn", seq_len=27)


# --------------------------------------------------------------------------- architecture


def test_cnn_layers_and_shapes():
    m = build("demo_cnn")
    kinds = [type(x).__name__ for x in m.features]
    assert kinds == ["Conv1d", "ReLU", "MaxPool1d", "Dropout", "Conv1d", "ReLU", "MaxPool1d",
                     "Dropout", "Conv1d", "ReLU", "Dropout"]
    assert [c.kernel_size[0] for c in m.modules() if isinstance(c, nn.Conv1d)] == [9, 5, 3]
    assert m.feature_len == ((101 - 8) // 2 - 4) // 2 - 2 == 19
    y = m(one_hot(5, 101))
    assert y.shape == (5, 1) and torch.isfinite(y).all()
    with pytest.raises(InputError, match=r"expects \(N, 4, 101\)"):
        m(one_hot(2, 100))
    assert not getattr(m, "variable_length", False)


def test_global_max_and_linear_give_the_logit():
    m = build("demo_cnn")
    x = one_hot(3, 101)
    fm = nn.Sequential(*m.conv_stack())(x)  # (3, 128, 19)
    z = fm.max(dim=2).values @ m.out.weight.T + m.out.bias
    torch.testing.assert_close(m(x), z)


@pytest.mark.parametrize("name", ["demo_rnn", "demo_cnnrnn"])
def test_rnn_head_is_mean_over_time_of_bilstm(name):
    m = build(name, width=0.25)
    assert isinstance(m.bilstm, BiLSTM) and m.variable_length is True
    x = one_hot(2, 30)
    h = m.features(x).transpose(1, 2)
    out = m.bilstm(h)
    assert isinstance(out, torch.Tensor) and out.shape == (2, 30, 2 * m.bilstm.hidden_size)
    torch.testing.assert_close(m(x), m.out(out.mean(1)))
    relus = [r for r in m.modules() if isinstance(r, nn.ReLU)]
    assert len(relus) == (1 if name == "demo_cnnrnn" else 0)


def test_cnnrnn_pads_four_and_keeps_length():
    m = build("demo_cnnrnn")
    pad, conv, relu = m.conv_stack()
    assert isinstance(pad, nn.ConstantPad1d) and pad.padding == (4, 4)
    assert conv.kernel_size == (9,) and conv.out_channels == 128 and isinstance(relu, nn.ReLU)
    assert m.first_conv is conv
    assert m.features(one_hot(1, 101)).shape == (1, 128, 101)


def test_rnn_has_no_convolution():
    m = build("demo_rnn")
    assert m.conv_stack() == [] and not hasattr(m, "first_conv")
    x = one_hot(2, 11)
    torch.testing.assert_close(m.features(x), x)


def test_demo_lstm_init():
    torch.manual_seed(1)
    m = zoo.build("demo_cnnrnn")
    lstm, H = m.bilstm.lstm, 32
    for sfx in ("", "_reverse"):
        b = getattr(lstm, f"bias_ih_l0{sfx}")
        assert torch.equal(b[H:2 * H], torch.ones(H)) and b[:H].abs().sum() == 0
        w = torch.cat([getattr(lstm, f"weight_ih_l0{sfx}").flatten(),
                       getattr(lstm, f"weight_hh_l0{sfx}").flatten()])
        assert abs(w.std().item() - 1 / np.sqrt(128 + 32)) < 0.005  # N(0, 1/sqrt(D+H))
    k = zoo.build("demo_cnnrnn", init="keras")
    assert k.first_conv.bias.abs().sum() == 0  # Keras: zero biases


# --------------------------------------------------------------------------- variable length


@pytest.mark.parametrize("length", [1, 2, 7, 101, 260])
def test_rnn_accepts_any_length(length):
    m = build("demo_rnn")
    y = m(one_hot(3, length))
    assert y.shape == (3, 1) and torch.isfinite(y).all()
    p = m.predict(one_hot(2, length).numpy())
    assert p.shape == (2, 1) and ((p > 0) & (p < 1)).all()


@pytest.mark.parametrize("length", [1, 5, 101, 150])
def test_cnnrnn_accepts_any_length(length):
    y = build("demo_cnnrnn", width=0.25)(one_hot(2, length))
    assert y.shape == (2, 1) and torch.isfinite(y).all()


@pytest.mark.parametrize("name", ["demo_rnn", "demo_cnnrnn"])
def test_empty_or_wrong_input_raises(name):
    m = build(name, width=0.25)
    with pytest.raises(InputError, match="any L >= 1"):
        m(torch.zeros(1, 4, 0))
    with pytest.raises(InputError):
        m(torch.zeros(1, 5, 10))


# --------------------------------------------------------------------------- prefix scores


def test_rnn_prefix_scores_equal_truncated_runs():
    m = build("demo_rnn")
    x = one_hot(1, 45, seed=3)
    with torch.no_grad():
        ref = torch.cat([m(x[:, :, : p + 1]) for p in range(45)])
        ref_s = torch.cat([m(x[:, :, p:]) for p in range(45)])
    torch.testing.assert_close(m.prefix_scores(x), ref, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(m.suffix_scores(x), ref_s, atol=1e-5, rtol=1e-5)
    # positions subset, any order, and small batches give the same rows
    P = np.array([44, 0, 20, 3])
    torch.testing.assert_close(m.prefix_scores(x, positions=P, batch_size=3), ref[P],
                               atol=1e-5, rtol=1e-5)


def test_prefix_scores_ignore_dropout_and_mode():
    m = build("demo_rnn")
    x = one_hot(1, 20, seed=4)
    a = m.prefix_scores(x)
    m.train()
    torch.testing.assert_close(m.prefix_scores(x), a)
    assert m.training


def test_cnnrnn_prefix_scores_follow_demo_definition():
    m = build("demo_cnnrnn", width=0.25)
    L = 40
    x = one_hot(1, L, seed=5)
    with torch.no_grad():
        h = m.features(x).transpose(1, 2)  # CNN once on the full sequence (DeMo)
        demo = torch.cat([m.head(h[:, : p + 1]) for p in range(L)])
        demo_s = torch.cat([m.head(h[:, p:]) for p in range(L)])
        naive = torch.cat([m(x[:, :, : p + 1]) for p in range(L)])
    got = m.prefix_scores(x)
    torch.testing.assert_close(got, demo, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(m.suffix_scores(x), demo_s, atol=1e-5, rtol=1e-5)
    torch.testing.assert_close(got[-1:], m(x), atol=1e-5, rtol=1e-5)
    # running the CNN on the truncated input is a different quantity away from the end
    assert (got[:-4] - naive[:-4]).abs().max() > 1e-4


def test_prefix_scores_reject_bad_input():
    m = build("demo_rnn")
    with pytest.raises(InputError, match="one sequence"):
        m.prefix_scores(one_hot(2, 10))
    with pytest.raises(InputError, match="positions"):
        m.prefix_scores(one_hot(1, 10), positions=[10])


def test_temporal_scores_use_prefix_scores():
    m = build("demo_rnn")
    X = one_hot(2, 33, seed=6)
    ts = temporal_scores(m, X, target=0, direction="forward", output="logit")
    assert ts.mode == "truncate"
    for n in range(2):
        np.testing.assert_allclose(ts.forward[n], m.prefix_scores(X[n:n + 1])[:, 0].numpy(),
                                   atol=1e-6)
        with torch.no_grad():
            np.testing.assert_allclose(ts.forward[n, 10], m(X[n:n + 1, :, :11])[0, 0].item(),
                                       atol=1e-5)


# --------------------------------------------------------------------------- TFBS data


def test_simulate_tfbs_single_presence_task(tmp_path):
    from motifscope.data.simulate import read_ground_truth
    from motifscope.data.tfbs import simulate_tfbs
    from motifscope.io.deepsea import read_mat

    motif = Motif("M1", np.eye(4)[:, [2, 0, 3, 0, 0, 2]] * 0.97 + 0.0075, alt_name="GATAAG")
    res = simulate_tfbs(tmp_path, motif=motif, n_train=60, n_valid=20, n_test=40, seed=1)
    assert res.task_names == ["GATAAG"] and len(res.motifs) == 1
    X, y = read_mat(res.files["test"])
    assert tuple(X.shape) == (40, 4, 101) and tuple(y.shape) == (40, 1)
    tasks, inst = read_ground_truth(tmp_path)
    assert list(tasks["kind"]) == ["presence"]
    test = inst[inst["split"] == "test"]
    labels = np.asarray(y)[:, 0]
    assert set(test["seq"]) == set(np.flatnonzero(labels == 1))  # label 1 iff planted
    assert 0.2 < labels.mean() < 0.8
    assert ((test["end"] - test["start"]) == 6).all()
    with pytest.raises(ConfigError, match="motif must be"):
        simulate_tfbs(tmp_path / "bad", motif=3)
