"""Tests for motifscope.zoo: parameter counts, shapes, conv stacks and Keras parity."""

from __future__ import annotations

import math
import shutil
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

from motifscope import zoo
from motifscope.core.errors import ConfigError, InputError
from motifscope.zoo.attention import CategoryAttention, CategoryDense
from motifscope.zoo.layers import (
    BiLSTM,
    Exp,
    max_norm_,
    tf_same_conv_pad,
    tf_same_pool_pad,
)

REPO = Path(__file__).resolve().parents[1]

# Published counts (the papers' and the Keras models' summaries), or derived by hand from the
# published layer lists where a paper gives none.
PUBLISHED = {
    "deepsea": 52_843_119,
    "deepsea_deepatt": 61_723_119,
    "danq": 46_926_479,
    "danq_jaspar": 67_892_175,
    "deepatt": 7_808_057,
    "deepatt_plus": 7_900_775,
    "deepsea_nm": 52_843_119,
    "beluga": 149_536_251,  # Kipoi DeepSEA/beluga's layer list
}
TORCH_LSTM_EXTRA = {"danq": 2_560, "danq_jaspar": 4_096, "deepatt": 4_096, "deepatt_plus": 4_096}


def n_params(model: nn.Module) -> int:
    return sum(p.numel() for p in model.parameters())


def meta_build(name, **kw):
    with torch.device("meta"):
        return zoo.build(name, **kw)


def random_one_hot(n, length, seed=0):
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, length), generator=g)
    return nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()


def small(name, **kw):
    """A fast variant of ``name`` (200 bp, 7 targets, narrow layers)."""
    # Beluga's six valid convolutions and two pools need >= 310 bp
    args = {"seq_len": 400 if name == "beluga" else 200, "n_targets": 7}
    if name != "kmer_lr":
        args["width"] = 0.125
    args.update(kw)
    torch.manual_seed(0)
    return zoo.build(name, **args)


# --------------------------------------------------------------------------- registry / cards


def test_names_sorted_and_every_name_has_a_card():
    names = zoo.names()
    assert names == sorted(names)
    assert set(PUBLISHED) | {"basset", "bd10", "dd10", "kmer_lr"} <= set(names)
    assert {"deepsea_demo", "danq_demo", "deepatt_demo"} <= set(names)
    for n in names:
        c = zoo.card(n)
        assert c["name"] == n
        assert c["input"]["alphabet"] == "ACGT"
        for key in ("family", "architecture", "training", "expected_parameters", "published"):
            assert key in c, (n, key)
        for key in ("optimizer", "lr", "batch_size", "loss", "epochs", "patience", "scheduler"):
            assert key in c["training"], (n, key)
        assert {"av_auroc", "av_aupr"} <= set(c["published"])


def test_the_cards_exist_once_and_a_checkout_reads_them_from_models():
    top = REPO / "models"
    if not top.is_dir():
        pytest.skip("not a repository checkout")
    assert not (REPO / "motifscope" / "zoo" / "cards").exists(), "a second copy of the cards"
    assert Path(zoo.registry.card_dir()) == top
    assert sorted(p.name for p in top.glob("*.toml")) == sorted(f"{n}.toml" for n in zoo.names())


@pytest.mark.slow
def test_the_wheel_ships_every_card(tmp_path):
    """``setup.py`` copies ``models/*.toml`` into the wheel as ``motifscope/zoo/cards/``."""
    import subprocess
    import sys
    import zipfile

    if not (REPO / "setup.py").is_file():
        pytest.skip("not a repository checkout")
    work = tmp_path / "src"
    shutil.copytree(REPO, work, ignore=shutil.ignore_patterns(".git", "build", "*.egg-info",
                                                                "__pycache__", "site", "tests"))
    r = subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation",
                        "-q", "-w", str(tmp_path / "dist"), str(work)], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    (wheel,) = (tmp_path / "dist").glob("motifscope-*.whl")
    with zipfile.ZipFile(wheel) as z:
        inside = {n.removeprefix("motifscope/zoo/cards/"): z.read(n) for n in z.namelist()
                  if n.startswith("motifscope/zoo/cards/")}
    models = REPO / "models"
    top = {str(p.relative_to(models)): p.read_bytes()
           for p in [*models.glob("*.toml"), *models.glob("history/*.toml")]}
    assert "history/deepsea_demo.toml" in top
    assert inside == top


def test_unknown_name_and_override_raise_config_error():
    with pytest.raises(ConfigError, match="valid names: .*danq"):
        zoo.build("danqq")
    with pytest.raises(ConfigError, match="valid names"):
        zoo.card("nope")
    with pytest.raises(ConfigError, match="lstm_bias"):
        zoo.build("deepsea", lstm_bias="torch")
    with pytest.raises(ConfigError, match="lstm_bias must be"):
        small("danq", lstm_bias="tf")


def test_demo_card_inherits_architecture_but_not_published_numbers():
    c = zoo.card("deepsea_demo")
    assert c["base"] == "deepsea" and c["family"] == "deepsea"
    assert c["architecture"]["padding"] == "valid"  # inherited
    assert c["architecture"]["kernel_size"] == [7, 7]  # overridden
    assert c["architecture"]["batchnorm"] is True  # a field the published card lacks
    assert c["architecture"]["first_activation"] == "exp"  # another one
    assert c["architecture"]["conv_channels"] == [128, 128]  # overridden
    assert math.isnan(c["published"]["av_auroc"])
    assert c["training"]["optimizer"] == "adam" and "momentum" not in c["training"]


def test_build_from_custom_card_file(tmp_path):
    path = tmp_path / "tiny_danq.toml"
    path.write_text('name = "tiny_danq"\nbase = "danq"\n[input]\nseq_len = 100\nn_targets = 2\n'
                    '[architecture]\nconv_channels = 8\nlstm_units = 4\nhidden = 8\n')
    c = zoo.card(str(path))
    assert c["family"] == "danq" and c["architecture"]["kernel_size"] == 26
    m = zoo.build(str(path))
    assert (m.name, m.seq_len, m.n_targets, m.first_conv.out_channels) == ("tiny_danq", 100, 2, 8)
    with pytest.raises(ConfigError, match="does not exist"):
        zoo.card(str(tmp_path / "missing.toml"))
    bad = tmp_path / "bad.toml"
    bad.write_text("name = [")
    with pytest.raises(ConfigError, match="not valid TOML"):
        zoo.card(str(bad))


def test_published_averages_match_danq_aucs_file():
    path = REPO.parent / "shared" / "data" / "danq" / "aucs.txt"
    if not path.is_file():
        pytest.skip("shared reference data not available")
    rows = [line.split("\t") for line in path.read_text().splitlines()[1:]]
    vals = np.array([[float(v) if v.strip() not in ("NA", "") and not v.startswith("NA")
                      else np.nan for v in r[3:9]] for r in rows])
    means = np.round(np.nanmean(vals, axis=0), 5)
    for name, col_roc, col_pr in (("deepsea", 0, 3), ("danq", 1, 4), ("danq_jaspar", 2, 5)):
        pub = zoo.card(name)["published"]
        assert pub["av_auroc"] == pytest.approx(means[col_roc], abs=1e-9)
        assert pub["av_aupr"] == pytest.approx(means[col_pr], abs=1e-9)


# --------------------------------------------------------------------------- parameter counts


@pytest.mark.parametrize("name", sorted(set(zoo.names())))
def test_default_build_matches_card_count(name):
    m = meta_build(name)
    assert n_params(m) == zoo.card(name)["expected_parameters"]
    assert (m.seq_len, m.n_targets, m.name) == (
        zoo.card(name)["input"]["seq_len"], zoo.card(name)["input"]["n_targets"], name)


@pytest.mark.parametrize("name", sorted(PUBLISHED))
def test_published_parameter_counts(name):
    assert n_params(meta_build(name)) == PUBLISHED[name]


@pytest.mark.parametrize("name", sorted(TORCH_LSTM_EXTRA))
def test_torch_lstm_adds_8h(name):
    m = meta_build(name, lstm_bias="torch")
    assert n_params(m) == PUBLISHED[name] + TORCH_LSTM_EXTRA[name]
    assert n_params(m) == zoo.card(name)["expected_parameters_torch_lstm"]


def test_neuronmotif_counts_by_hand():
    # basset: convs + BN(2 per channel) + dense, flatten 10 x 200
    basset = (19 * 4 * 300 + 300 + 600) + (11 * 300 * 200 + 200 + 400) + (7 * 200 * 200 + 200
              + 400) + (2000 * 1000 + 1000) + (1000 * 1000 + 1000) + (1000 * 164 + 164)
    assert n_params(meta_build("basset")) == basset == 4_131_064
    ch = [128, 128, 160, 160, 256, 256, 384, 384, 512, 512]
    ks = [7] + [3] * 9
    convs = sum(k * ci * co + co + 2 * co for k, ci, co in zip(ks, [4] + ch[:-1], ch))
    bd10 = convs + (29 * 512 * 768 + 768 + 2 * 768) + (768 * 164 + 164 + 2 * 164)
    assert n_params(meta_build("bd10")) == bd10
    ch = [128, 128, 160, 160, 256, 320, 512, 640, 1024, 1280]
    convs = sum(k * ci * co + co + 2 * co for k, ci, co in zip(ks, [4] + ch[:-1], ch))
    dd10 = convs + (27 * 1280 * 925 + 925 + 2 * 925) + (925 * 919 + 919)
    assert n_params(meta_build("dd10")) == dd10
    assert n_params(meta_build("kmer_lr")) == 1364 * 919 + 919


def test_width_scales_layers():
    m = meta_build("danq", width=0.5)
    assert m.first_conv.out_channels == 160 and m.bilstm.hidden_size == 160
    a = meta_build("deepatt", width=0.33)
    assert a.attention.dims % a.attention.heads == 0


# --------------------------------------------------------------------------- forward / shapes


@pytest.mark.parametrize("name", zoo.names())
@pytest.mark.filterwarnings("ignore:only the first")
def test_small_forward_shape_and_conv_stack(name):
    m = small(name).eval()
    x = random_one_hot(3, m.seq_len)
    seen = {}
    h = m.features.register_forward_hook(lambda mod, i, o: seen.setdefault("fm", o))
    relus = [mod for mod in m.modules() if isinstance(mod, nn.ReLU)]
    calls = {id(r): 0 for r in relus}
    hooks = [r.register_forward_hook(lambda mod, i, o: calls.__setitem__(id(mod),
                                                                          calls[id(mod)] + 1))
             for r in relus]
    y = m(x)
    h.remove()
    for hk in hooks:
        hk.remove()
    assert y.shape == (3, 7) and y.dtype == torch.float32 and torch.isfinite(y).all()
    # every activation module is used exactly once, none in place
    assert all(c == 1 for c in calls.values()), calls
    assert all(not r.inplace for r in relus)
    # conv_stack reproduces the internal feature map
    stack = m.conv_stack()
    if not any(isinstance(mod, nn.Conv1d) for mod in m.modules()):  # e.g. DeMo's pure RNN
        assert stack == []
        return
    assert isinstance(stack[0], (nn.Conv1d, nn.ConstantPad1d))
    assert all(isinstance(s, (nn.Conv1d, nn.BatchNorm1d, nn.ReLU, Exp, nn.MaxPool1d,
                              nn.ConstantPad1d)) for s in stack)
    assert isinstance(m.first_conv, nn.Conv1d) and m.first_conv.in_channels == 4
    torch.testing.assert_close(nn.Sequential(*stack)(x), seen["fm"])
    ids = [id(s) for s in stack]
    assert len(ids) == len(set(ids))


@pytest.mark.parametrize("name", ["deepsea", "danq", "deepatt"])
def test_batchnorm_option_sits_between_conv_and_relu(name):
    plain = meta_build(name)
    assert not any(isinstance(mod, nn.BatchNorm1d) for mod in plain.modules())
    m = small(name, batchnorm=True)
    stack = m.conv_stack()
    convs = [i for i, s in enumerate(stack) if isinstance(s, nn.Conv1d)]
    for i in convs:
        assert isinstance(stack[i + 1], nn.BatchNorm1d) and isinstance(stack[i + 2], nn.ReLU)
        assert stack[i + 1].num_features == stack[i].out_channels
    # 2 affine parameters per channel, nothing else
    n_bn = sum(2 * stack[i].out_channels for i in convs)
    assert m.n_parameters() == small(name).n_parameters() + n_bn


FEATURE_MAPS = {  # (channels, length) of the conv stack's output at the published length
    "deepsea": (960, 53), "deepsea_nm": (960, 53), "deepsea_deepatt": (960, 63),
    "danq": (320, 75), "danq_jaspar": (1024, 64), "deepatt": (1024, 64),
    "deepatt_plus": (1024, 64), "basset": (200, 10), "bd10": (512, 29), "dd10": (1280, 27),
}


@pytest.mark.parametrize("name", zoo.names())
def test_full_length_shapes_on_meta(name):
    m = meta_build(name).eval()
    x = torch.zeros(2, 4, m.seq_len, device="meta")
    assert m(x).shape == (2, m.n_targets)
    if name in FEATURE_MAPS:
        assert nn.Sequential(*m.conv_stack())(x).shape == (2, *FEATURE_MAPS[name])


@pytest.mark.parametrize("name", ["basset", "bd10"])
def test_full_length_real_forward(name):
    torch.manual_seed(0)
    m = zoo.build(name).eval()
    with torch.no_grad():
        y = m(random_one_hot(2, m.seq_len))
    assert y.shape == (2, m.n_targets) and torch.isfinite(y).all()


def test_wrong_input_shape_raises_input_error():
    m = small("danq")
    with pytest.raises(InputError, match=r"model 'danq' expects \(N, 4, 200\)"):
        m(random_one_hot(2, 199))
    with pytest.raises(InputError, match=r"expects \(N, 4, 200\)"):
        m(torch.zeros(2, 5, 200))
    with pytest.raises(InputError):
        m.predict(np.zeros((2, 4, 201), np.float32))


def test_predict_probabilities_batching_and_mode_restored():
    m = small("deepsea").train()
    x = random_one_hot(10, 200)
    p1 = m.predict(x, batch_size=3)
    p2 = m.predict(x.numpy(), batch_size=10)
    assert m.training
    assert isinstance(p1, torch.Tensor) and isinstance(p2, np.ndarray)
    assert p1.shape == (10, 7) and ((p1 > 0) & (p1 < 1)).all()
    np.testing.assert_allclose(p1.numpy(), p2, rtol=1e-5, atol=1e-6)
    m.eval()
    with torch.no_grad():
        torch.testing.assert_close(p1, torch.sigmoid(m(x)))


# --------------------------------------------------------------------------- TF padding


def test_tf_same_pool_250_to_63_hand_computed():
    pad = tf_same_pool_pad(250, 4)
    assert pad.padding == (1, 1)
    assert tf_same_pool_pad(1000, 4) is None
    x = torch.randn(2, 3, 250)  # negatives too: -inf padding must be ignored
    y = nn.MaxPool1d(4, 4)(pad(x))
    assert y.shape == (2, 3, 63)
    expect = [x[..., 0:3].amax(-1)]
    expect += [x[..., 4 * j - 1:4 * j + 3].amax(-1) for j in range(1, 62)]
    expect += [x[..., 247:250].amax(-1)]
    torch.testing.assert_close(y, torch.stack(expect, -1))
    # the model pads with 0 after a ReLU: identical on non-negative input
    z = x.relu()
    zero_pad = tf_same_pool_pad(250, 4, value=0.0)
    torch.testing.assert_close(nn.MaxPool1d(4, 4)(zero_pad(z)), nn.MaxPool1d(4, 4)(pad(z)))
    assert tf_same_conv_pad(8).padding == (3, 4)


def test_deepsea_deepatt_uses_tf_same_layout():
    m = meta_build("deepsea_deepatt")
    pads = [s for s in m.conv_stack() if isinstance(s, nn.ConstantPad1d)]
    assert [p.padding for p in pads] == [(3, 4), (3, 4), (1, 1), (3, 4)]


# --------------------------------------------------------------------------- penalties


def test_max_norm_matches_keras_formula():
    w = torch.tensor([[[3.0, 4.0]], [[0.3, 0.4]]])  # (out=2, in=1, k=2): norms 5 and 0.5
    max_norm_(w, 0.9)
    torch.testing.assert_close(w[0, 0], torch.tensor([3.0, 4.0]) * 0.9 / (5 + 1e-7))
    torch.testing.assert_close(w[1, 0], torch.tensor([0.3, 0.4]) * 0.5 / (0.5 + 1e-7))
    lin = torch.tensor([[6.0, 8.0]])  # Linear (out, in): norm over the inputs
    max_norm_(lin, 1.0)
    torch.testing.assert_close(lin, torch.tensor([[0.6, 0.8]]), rtol=1e-6, atol=1e-6)


def test_penalty_and_constraints_from_card():
    m = small("deepsea_deepatt", dropout=0.0)
    assert (m.l2, m.activity_l1, m.max_norm) == (5e-7, 1e-8, 0.9)
    x = random_one_hot(4, 200)
    m.train()
    m(x)
    kernels = [mod.weight for mod in m.modules() if isinstance(mod, (nn.Conv1d, nn.Linear))]
    l2 = 5e-7 * sum((w ** 2).sum() for w in kernels)
    act = m.dense_act(m.dense(m.features(x).transpose(1, 2).flatten(1)))
    assert m.penalty().item() == pytest.approx((l2 + 1e-8 * act.abs().sum() / 4).item(), rel=1e-4)
    with torch.no_grad():
        m.first_conv.weight.mul_(100)
    m.apply_constraints()
    assert m.first_conv.weight.norm(dim=2).max() <= 0.9 + 1e-5
    assert m.dense.weight.norm(dim=1).max() <= 0.9 + 1e-5
    assert small("danq").penalty().item() == 0.0


# --------------------------------------------------------------------------- LSTM


def test_keras_lstm_equals_torch_lstm_with_zero_recurrent_bias():
    torch.manual_seed(1)
    bl = BiLSTM(6, 5, lstm_bias="keras")
    names = {n for n, _ in bl.named_parameters()}
    assert not any("bias_hh" in n for n in names)
    assert not any("bias_hh" in k for k in bl.state_dict())
    assert n_params(bl) == 2 * 4 * (5 * (6 + 5) + 5)
    ref = nn.LSTM(6, 5, batch_first=True, bidirectional=True)
    with torch.no_grad():
        for n, p in ref.named_parameters():
            p.copy_(torch.zeros_like(p) if "bias_hh" in n else getattr(bl.lstm, n))
    x = torch.randn(3, 9, 6)
    out = bl(x)
    assert out.shape == (3, 9, 10)
    torch.testing.assert_close(out, ref(x)[0])
    # forget-gate bias 1, others 0 (unit_forget_bias)
    b = bl.lstm.bias_ih_l0.detach()
    assert torch.equal(b[5:10], torch.ones(5)) and b[:5].abs().sum() == 0
    # gradients reach the single bias; dtype/device moves keep the zero buffers in use
    out.sum().backward()
    assert bl.lstm.bias_ih_l0.grad is not None and bl.lstm.bias_ih_l0.grad.abs().sum() > 0
    bl64 = bl.double()
    assert bl64(x.double()).dtype == torch.float64
    # copies and state dicts keep working without the recurrent-bias buffers
    import copy
    bl32 = bl.float()
    torch.testing.assert_close(copy.deepcopy(bl32)(x), bl32(x))
    fresh = BiLSTM(6, 5)
    fresh.load_state_dict(bl32.state_dict())
    torch.testing.assert_close(fresh(x), bl32(x))
    tb = BiLSTM(6, 5, lstm_bias="torch")
    assert n_params(tb) == n_params(bl) + 8 * 5


# --------------------------------------------------------------------------- DeepATT


def test_query_vectors_and_attention_weights():
    m = small("deepatt").eval()
    att = m.attention
    q = m.query_vectors()
    assert q.shape == (7, att.dims)
    torch.testing.assert_close(q, att.wq(torch.eye(7)))
    torch.testing.assert_close(q, att.wq.weight.T + att.wq.bias)
    att.store_weights = True
    m(random_one_hot(2, 200, seed=1))
    w1 = att.last_weights
    torch.testing.assert_close(m.query_vectors(), q)  # input independent
    m(random_one_hot(2, 200, seed=2))
    assert not torch.equal(w1, att.last_weights)
    assert w1.shape == (2, att.heads, 7, m.feature_len)
    torch.testing.assert_close(w1.sum(-1), torch.ones(2, att.heads, 7))


def test_category_attention_equals_scaled_dot_product_attention():
    torch.manual_seed(0)
    att = CategoryAttention(5, 12, dims=8, heads=2)
    x = torch.randn(3, 6, 12)
    q = att.queries().reshape(5, 2, 4).permute(1, 0, 2).expand(3, 2, 5, 4)
    k = att.wk(x).reshape(3, 6, 2, 4).permute(0, 2, 1, 3)
    v = att.wv(x).reshape(3, 6, 2, 4).permute(0, 2, 1, 3)
    ref = nn.functional.scaled_dot_product_attention(q, k, v)  # scale 1/sqrt(depth)
    ref = att.dense(ref.permute(0, 2, 1, 3).reshape(3, 5, 8))
    torch.testing.assert_close(att(x), ref)


def test_category_dense_keras_init_limit_and_per_target_maps():
    cd = CategoryDense(919, 100)
    limit = math.sqrt(6 / (100 * 919 + 919))
    assert limit == pytest.approx(0.00804, abs=1e-5)
    assert cd.weight.abs().max() <= limit and cd.weight.abs().max() > 0.9 * limit
    x = torch.randn(2, 919, 100)
    torch.testing.assert_close(cd(x)[:, 3], x[:, 3] @ cd.weight[3] + cd.bias[3])
    plus = small("deepatt_plus")
    assert isinstance(plus.out, CategoryDense) and plus.out.weight.shape == (7, 12)


# --------------------------------------------------------------------------- DanQ-JASPAR


def _jaspar_pfms():
    try:
        from motifscope.io.jaspar import danq_jaspar2016
        return [m.ppm for m in danq_jaspar2016()]
    except ImportError:
        from importlib import resources

        from motifscope.io.meme import read_meme
        with resources.as_file(resources.files("motifscope").joinpath(
                "_data/JASPAR_CORE_2016_vertebrates.meme")) as p:
            return [m.ppm for m in read_meme(p)]


def _find_offsets(kernel, block):
    w = block.shape[1]
    return [s for s in range(kernel.shape[1] - w + 1)
            if np.allclose(kernel[:, s:s + w], block, atol=1e-6)]


@pytest.mark.parametrize("orientation", ["original", "deepatt"])
def test_danq_jaspar_init_writes_pfm_minus_quarter(orientation):
    pfms = _jaspar_pfms()
    assert len(pfms) == 519
    torch.manual_seed(0)
    m = zoo.build("danq_jaspar", seq_len=200, n_targets=3, lstm_units=8, hidden=8,
                  jaspar_orientation=orientation, jaspar_seed=11)
    W = m.first_conv.weight.detach().double().numpy()
    b = m.first_conv.bias.detach().numpy()
    assert len(m.jaspar_placements) == 525
    for i, pfm in ((0, pfms[0]), (2, pfms[2]), (519, pfms[19][::-1, ::-1])):
        block = (pfm if orientation == "original" else pfm[:, ::-1]) - 0.25
        offsets = _find_offsets(W[i], block)
        assert len(offsets) == 1, (i, offsets)
        w = pfm.shape[1]
        assert 3 <= offsets[0] <= 30 - 3 - w
        assert offsets[0] == m.jaspar_placements[i][1]
        assert -1 < b[i] < 0
    # ACGT: JASPAR 2016 entry 2 (Arnt) reads CACGTG in the written kernel
    if orientation == "original":
        s, w = m.jaspar_placements[2][1], pfms[2].shape[1]
        cons = "".join("ACGT"[j] for j in W[2][:, s:s + w].argmax(0))
        assert "CACGTG" in cons
    # kernels beyond 525 keep the glorot init (no -0.25 block, zero bias)
    assert np.all(b[525:] == 0)
    # same seed, same placements
    m2 = zoo.build("danq_jaspar", seq_len=200, n_targets=3, lstm_units=8, hidden=8,
                   jaspar_orientation=orientation, jaspar_seed=11)
    assert m2.jaspar_placements == m.jaspar_placements


# --------------------------------------------------------------------------- kmer_lr


def _naive_counts(seq, k_max=5):
    from motifscope.zoo.kmer_lr import kmer_names
    names = kmer_names(1, k_max)
    pos = {n: i for i, n in enumerate(names)}
    out = np.zeros(len(names))
    for k in range(1, k_max + 1):
        for i in range(len(seq) - k + 1):
            if seq[i:i + k] in pos:
                out[pos[seq[i:i + k]]] += 1
    return out


def test_kmer_lr_counts_equal_naive_python_counts():
    seqs = ["ACGTTGCAAACGNNACGTACCCGGGTTTAA", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"]
    X = np.zeros((2, 4, 30), np.float32)
    for n, s in enumerate(seqs):
        for i, ch in enumerate(s):
            if ch in "ACGT":
                X[n, "ACGT".index(ch), i] = 1
    m = zoo.build("kmer_lr", seq_len=30, n_targets=2)
    counts = m.counts(torch.tensor(X)).numpy()
    assert counts.shape == (2, 1364)
    for n, s in enumerate(seqs):
        np.testing.assert_array_equal(counts[n], _naive_counts(s))
    assert counts[1, m.kmers.index("AAAAA")] == 26
    m.fit_standardizer(X)
    z = (m.counts(torch.tensor(X)) - m.mean) / m.std
    torch.testing.assert_close(z.mean(0), torch.zeros(1364), atol=1e-5, rtol=0)
    assert m(torch.tensor(X)).shape == (2, 2)
    assert n_params(m) == 1364 * 2 + 2


def test_first_activation_option():
    m = zoo.build("deepsea_demo")
    acts = [type(x) for x in m.features if isinstance(x, (nn.ReLU, Exp))]
    assert acts == [Exp, nn.ReLU]  # exp only on the first convolution
    x = torch.zeros(2, 4, 200)
    x[:, 0] = 1
    assert torch.isfinite(m.eval()(x)).all()
    assert isinstance(zoo.build("deepsea", seq_len=200, n_targets=2, width=0.05).features[1],
                      nn.ReLU)  # published default unchanged
    with pytest.raises(ConfigError, match="activation 'gelu' is unknown"):
        zoo.build("deepsea_demo", first_activation="gelu")


def test_motif_scanner_count_by_hand_and_structure():
    # DeepREG's one-convolution scanner: conv 320 x 19 (+bias), linear 320 -> 919 (+bias)
    m = meta_build("motif_scanner")
    assert n_params(m) == (19 * 4 * 320 + 320) + (320 * 919 + 919) == 319_639
    assert m.first_conv.kernel_size == (19,) and isinstance(m.pool, nn.AdaptiveMaxPool1d)
    s = small("motif_scanner").eval()
    x = random_one_hot(2, s.seq_len)
    with torch.no_grad():  # output = linear(global max of ReLU(conv)), by hand
        h = torch.relu(s.first_conv(x)).amax(2)
        torch.testing.assert_close(s(x), s.out(h))


def test_deepsea_global_pool_is_length_agnostic():
    """``pools = [.., 0]`` pools over all remaining positions at any length: the same
    parameter count, a one-position feature map, and a plain MaxPool1d (so every
    attribution rule applies)."""
    import torch

    from motifscope import zoo
    from motifscope.core.errors import ConfigError

    counts = set()
    for L in (200, 500, 1000):
        m = zoo.build("deepsea_demo", seq_len=L)
        counts.add(sum(p.numel() for p in m.parameters()))
        assert m.feature_len == 1
        pools = [mod for mod in m.features if isinstance(mod, torch.nn.MaxPool1d)]
        assert pools[-1].kernel_size == (L - 6) // 4 - 6
        assert m(torch.zeros(2, 4, L)).shape == (2, 15)
    assert counts == {128271}
    with pytest.raises(ConfigError, match="pools"):
        zoo.build("deepsea_demo", pools=[4, -1])


def test_default_model_is_length_agnostic_and_the_cli_default():
    """``motifscope train``'s default (``deepsea_default``): pool 2, then a global max-pool at
    any length; the parameter count by hand does not depend on the length; the CLI's
    ``--model`` default and :func:`train_run`'s are the same name."""
    import inspect

    import torch

    from motifscope import zoo
    from motifscope.cli.train import train_command
    from motifscope.train import train_run

    assert zoo.DEFAULT_MODEL == "deepsea_default"
    assert inspect.signature(train_run).parameters["model"].default == zoo.DEFAULT_MODEL
    assert inspect.signature(train_command).parameters["model"].default.default == zoo.DEFAULT_MODEL
    from motifscope.train.config import config_from_card

    recipe = config_from_card(zoo.card(zoo.DEFAULT_MODEL)["training"])
    assert (recipe.seed_filters, recipe.seed_k, recipe.epochs) == (0.5, 7, 10)  # docs/defaults.md
    by_hand = (7 * 4 * 128 + 128) + 2 * 128 + (7 * 128 * 128 + 128) + 2 * 128 \
        + (128 * 256 + 256) + (256 * 14 + 14)
    for L in (200, 500, 1000):
        m = zoo.build(zoo.DEFAULT_MODEL, seq_len=L, n_targets=14)
        assert sum(p.numel() for p in m.parameters()) == by_hand
        pools = [mod for mod in m.features if isinstance(mod, torch.nn.MaxPool1d)]
        assert [p.kernel_size for p in pools] == [2, (L - 6) // 2 - 6]
        assert m.feature_len == 1 and m.dense.out_features == 256
        assert m.eval()(torch.zeros(2, 4, L)).shape == (2, 14)

