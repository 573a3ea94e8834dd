"""Importing published weights (``motifscope.runs.convert``).

Each test writes a weight file in the exact published layout from a reference module
written here from the peer's published layer list (Kipoi's converted Torch7
``Sequential`` with its key names; Selene's ``DeepSEA``; a numpy implementation of Keras
0.2's Theano convolution and hard-sigmoid LSTM for DanQ), imports it, and compares the
imported zoo model with the reference on random sequences (A,C,G,T in motifscope,
converted to the source's order for the reference).
"""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from motifscope import load_run, zoo
from motifscope.cli import main
from motifscope.core.errors import InputError
from motifscope.runs.convert import convert, import_weights

AGCT = [0, 2, 1, 3]  # ACGT <-> AGCT (its own inverse)


def one_hot(n, L, seed=0):
    g = torch.Generator().manual_seed(seed)
    idx = torch.randint(0, 4, (n, L), generator=g)
    return torch.nn.functional.one_hot(idx, 4).permute(0, 2, 1).float()  # (N, 4, L) ACGT


# --------------------------------------------------------------------------- Kipoi modules
class View(nn.Module):
    """Kipoi's ``Lambda(lambda x: x.view(x.size(0), -1))``: no parameters, takes a slot."""

    def forward(self, x):
        return x.view(x.size(0), -1)


class Noop(nn.Module):
    """Kipoi's ``Lambda(lambda x: x.view(1,-1) if 1==len(x.size()) else x)``."""

    def forward(self, x):
        return x


def lin(i, o):
    return nn.Sequential(Noop(), nn.Linear(i, o))


class ReCodeAlphabet(nn.Module):
    def forward(self, x):  # ACGT -> AGCT, (N, 4, 1, L)
        return x[:, AGCT]


class ConcatenateRC(nn.Module):
    def forward(self, x):
        return torch.cat([x, x.flip(1).flip(3)], 0)


class AverageRC(nn.Module):
    def forward(self, x):
        n = x.shape[0] // 2
        return x[:n] / 2 + x[n:] / 2


def kipoi_deepsea(L3=53, T=919):
    def thr():
        return nn.Threshold(0, 1e-6)
    return nn.Sequential(
        nn.Conv2d(4, 320, (1, 8)), thr(), nn.MaxPool2d((1, 4), (1, 4)), nn.Dropout(0.2),
        nn.Conv2d(320, 480, (1, 8)), thr(), nn.MaxPool2d((1, 4), (1, 4)), nn.Dropout(0.2),
        nn.Conv2d(480, 960, (1, 8)), thr(), nn.Dropout(0.5), View(),
        lin(960 * L3, 925), thr(), lin(925, T), nn.Sigmoid())


class Beluga(nn.Module):
    def __init__(self, L6=106, T=2002):
        super().__init__()
        def c(i, o):
            return nn.Conv2d(i, o, (1, 8))
        self.model = nn.Sequential(
            nn.Sequential(c(4, 320), nn.ReLU(), c(320, 320), nn.ReLU(), nn.Dropout(0.2),
                          nn.MaxPool2d((1, 4), (1, 4)), c(320, 480), nn.ReLU(), c(480, 480),
                          nn.ReLU(), nn.Dropout(0.2), nn.MaxPool2d((1, 4), (1, 4)),
                          c(480, 640), nn.ReLU(), c(640, 640), nn.ReLU()),
            nn.Sequential(nn.Dropout(0.5), View(), lin(640 * L6, 2003), nn.ReLU(),
                          lin(2003, T)),
            nn.Sigmoid())

    def forward(self, x):
        return self.model(x)


def kipoi_basset(T=164):
    def bn(c):
        return nn.BatchNorm2d(c)
    return nn.Sequential(
        nn.Conv2d(4, 300, (19, 1)), bn(300), nn.ReLU(), nn.MaxPool2d((3, 1), (3, 1)),
        nn.Conv2d(300, 200, (11, 1)), bn(200), nn.ReLU(), nn.MaxPool2d((4, 1), (4, 1)),
        nn.Conv2d(200, 200, (7, 1)), bn(200), nn.ReLU(), nn.MaxPool2d((4, 1), (4, 1)),
        View(), lin(2000, 1000), nn.BatchNorm1d(1000, 1e-05, 0.1, True), nn.ReLU(),
        nn.Dropout(0.3), lin(1000, 1000), nn.BatchNorm1d(1000, 1e-05, 0.1, True), nn.ReLU(),
        nn.Dropout(0.3), lin(1000, T), nn.Sigmoid())


class SeleneDeepSEA(nn.Module):
    """``selene_sdk.models.DeepSEA``'s layer list."""

    def __init__(self, L=1000, T=919):
        super().__init__()
        self.conv_net = nn.Sequential(
            nn.Conv1d(4, 320, 8), nn.ReLU(), nn.MaxPool1d(4, 4), nn.Dropout(0.2),
            nn.Conv1d(320, 480, 8), nn.ReLU(), nn.MaxPool1d(4, 4), nn.Dropout(0.2),
            nn.Conv1d(480, 960, 8), nn.ReLU(), nn.Dropout(0.5))
        self.n = int(np.floor((np.floor((L - 7) / 4.0) - 7) / 4.0) - 7)
        self.classifier = nn.Sequential(nn.Linear(960 * self.n, T), nn.ReLU(),
                                        nn.Linear(T, T), nn.Sigmoid())

    def forward(self, x):
        out = self.conv_net(x)
        return self.classifier(out.view(out.size(0), 960 * self.n))


def logit(p):
    p = p.double()
    return torch.log(p) - torch.log1p(-p)


def randomise_bn(module, seed=0):
    g = torch.Generator().manual_seed(seed)
    for m in module.modules():
        if isinstance(m, (nn.BatchNorm1d, nn.BatchNorm2d)):
            n = m.num_features
            m.running_mean.copy_(torch.randn(n, generator=g) * 0.2)
            m.running_var.copy_(torch.rand(n, generator=g) + 0.5)
            m.weight.data.copy_(torch.rand(n, generator=g) + 0.5)
            m.bias.data.copy_(torch.randn(n, generator=g) * 0.1)


def n_params(m):
    return sum(p.numel() for p in m.parameters())


# --------------------------------------------------------------------------- Kipoi DeepSEA
@pytest.fixture(scope="module")
def deepsea_ref():
    torch.manual_seed(0)
    return kipoi_deepsea(L3=3, T=11).eval()  # seq_len 200: 193 / 4 = 48, 41 / 4 = 10, 3


@pytest.mark.parametrize("layout", ["variantEffects", "predict", "bare"])
def test_kipoi_deepsea_matches_reference(deepsea_ref, layout, tmp_path):
    net = deepsea_ref
    wrapper = {"variantEffects": nn.Sequential(ReCodeAlphabet(), net),
               "predict": nn.Sequential(ReCodeAlphabet(), ConcatenateRC(), net, AverageRC()),
               "bare": net}[layout]
    f = tmp_path / "deepsea.pth"
    torch.save(wrapper.state_dict(), f)
    model, conv = convert("kipoi-deepsea", f, seq_len=200)
    x = one_hot(6, 200, seed=1)
    with torch.no_grad():
        if layout == "predict":  # Kipoi averages probabilities over both strands
            ref = wrapper(x[:, :, None, :])
            ours = (torch.sigmoid(model(x)) + torch.sigmoid(model(x.flip(1).flip(2)))) / 2
            assert (ours - ref).abs().max() < 1e-6
            assert conv.info["strand_average"] is True
        else:
            xin = x[:, AGCT, None, :] if layout == "bare" else x[:, :, None, :]
            ref = logit(wrapper(xin))
            ours = model(x).double()
            assert (ours - ref).abs().max() < 1e-4 * max(1.0, ref.abs().max().item())
            assert ref.std() > 1e-2  # not a constant output
    assert n_params(model) == n_params(net)
    assert conv.overrides["activation"] == "threshold"


def test_kipoi_deepsea_logits_equal_pre_sigmoid(deepsea_ref, tmp_path):
    f = tmp_path / "d.pth"
    torch.save(nn.Sequential(ReCodeAlphabet(), deepsea_ref).state_dict(), f)
    model, _ = convert("kipoi-deepsea", f, seq_len=200)
    x = one_hot(5, 200, seed=2)
    with torch.no_grad():
        ref = deepsea_ref[:-1](x[:, AGCT, None, :])  # without the final Sigmoid
        diff = (model(x) - ref).abs().max().item()
    assert diff < 1e-5, diff


def test_wrong_base_order_does_not_pass_silently(deepsea_ref, tmp_path):
    f = tmp_path / "d.pth"
    torch.save(nn.Sequential(ReCodeAlphabet(), deepsea_ref).state_dict(), f)
    good, _ = convert("kipoi-deepsea", f, seq_len=200)
    bad, _ = convert("kipoi-deepsea", f, seq_len=200, base_order="ACGT")
    x = one_hot(5, 200, seed=3)
    with torch.no_grad():
        assert (good(x) - bad(x)).abs().max() > 1e-3


def test_full_size_parameter_counts():
    with torch.device("meta"):
        assert n_params(kipoi_deepsea()) == 52_843_119 == n_params(
            zoo.build("deepsea", activation="threshold"))
        assert n_params(Beluga()) == 149_536_251 == n_params(zoo.build("beluga"))
        assert n_params(kipoi_basset()) == 4_135_064 == n_params(
            zoo.build("basset", bn_eps=1e-5, head_batchnorm=True))
        assert n_params(SeleneDeepSEA()) == n_params(zoo.build("deepsea", hidden=919))
        assert n_params(zoo.build("danq", lstm_gates="hard_sigmoid")) == 46_926_479


# --------------------------------------------------------------------------- Beluga, Basset, Selene
def test_kipoi_beluga_matches_reference(tmp_path):
    torch.manual_seed(1)
    ref = Beluga(L6=6, T=9).eval()  # seq_len 400: 386 / 4 = 96, 82 / 4 = 20, 6
    f = tmp_path / "beluga.pth"
    torch.save(ref.state_dict(), f)
    model, _ = convert("kipoi-beluga", f, seq_len=400)
    x = one_hot(4, 400, seed=4)
    with torch.no_grad():
        r = ref.model[:-1](x[:, AGCT, None, :])
        diff = (model(x) - r).abs().max().item()
    assert diff < 1e-5 and r.std() > 1e-3, diff
    assert n_params(model) == n_params(ref)


def test_kipoi_basset_matches_reference(tmp_path):
    torch.manual_seed(2)
    ref = kipoi_basset(T=164)
    randomise_bn(ref)
    ref.eval()
    f = tmp_path / "basset.pth"
    sd = {k: v for k, v in ref.state_dict().items() if not k.endswith("num_batches_tracked")}
    torch.save(sd, f)  # Kipoi's file predates num_batches_tracked
    model, _conv = convert("kipoi-basset", f)
    x = one_hot(4, 600, seed=5)
    with torch.no_grad():
        r = ref[:-1](x[:, :, :, None])  # Basset: A,C,G,T, (N, 4, 600, 1)
        diff = (model(x) - r).abs().max().item()
    assert diff < 1e-5 and r.std() > 1e-2, diff
    assert n_params(model) == n_params(ref) == 4_135_064
    assert model.features[1].eps == 1e-5


def test_selene_deepsea_matches_reference(tmp_path):
    torch.manual_seed(3)
    ref = SeleneDeepSEA(L=200, T=13).eval()
    f = tmp_path / "best_model.pth.tar"
    torch.save({"state_dict": ref.state_dict()}, f)
    model, conv = convert("selene-deepsea", f, seq_len=200)
    x = one_hot(4, 200, seed=6)
    with torch.no_grad():
        r = logit(ref(x))
        assert (model(x).double() - r).abs().max() < 1e-4
    assert conv.overrides["hidden"] == 13 and n_params(model) == n_params(ref)
    early = dict(ref.state_dict())  # Selene's first DeepSEA had 1-wide kernels: refused
    early["conv_net.0.weight"] = torch.zeros(320, 4, 1)
    torch.save(early, f)
    with pytest.raises(InputError, match=r"'conv_net\.0\.weight' has shape \(320, 4, 1\), "
                                         r"expected \(320, 4, 8\)"):
        convert("selene-deepsea", f, seq_len=200)


# --------------------------------------------------------------------------- bad input
def test_wrong_shape_missing_key_and_wrong_format_are_one_line(deepsea_ref, tmp_path):
    sd = nn.Sequential(ReCodeAlphabet(), deepsea_ref).state_dict()
    f = tmp_path / "d.pth"
    torch.save(sd, f)
    with pytest.raises(InputError, match=r"tensor '1\.12\.1\.weight' has shape \(925, 2880\), "
                                         r"expected \(925, 50880\).*seq-len"):
        convert("kipoi-deepsea", f)  # the default 1000 bp does not fit
    bad = dict(sd)
    bad["1.4.weight"] = torch.zeros(480, 320, 1, 9)
    torch.save(bad, f)
    with pytest.raises(InputError, match=r"'1\.4\.weight' has shape \(480, 320, 1, 9\), "
                                         r"expected \(480, 320, 1, 8\)"):
        convert("kipoi-deepsea", f, seq_len=200)
    del bad["1.8.bias"]
    bad["1.4.weight"] = sd["1.4.weight"]
    torch.save(bad, f)
    with pytest.raises(InputError, match=r"tensor '1\.8\.bias' is missing"):
        convert("kipoi-deepsea", f, seq_len=200)
    torch.save({"conv_net.0.weight": torch.zeros(3)}, f)
    with pytest.raises(InputError, match=r"no first convolution"):
        convert("kipoi-deepsea", f)
    (tmp_path / "x.pth").write_bytes(b"not a zip")
    with pytest.raises(InputError, match=r"x\.pth: cannot be read as a torch state_dict"):
        convert("kipoi-deepsea", tmp_path / "x.pth")
    with pytest.raises(InputError, match="format 'kipoi-foo' is unknown"):
        convert("kipoi-foo", f)


def test_arbitrary_pickles_are_refused(tmp_path):
    f = tmp_path / "evil.pth"
    torch.save({"0.weight": torch.zeros(1), "obj": object()}, f)
    with pytest.raises(InputError, match="weights_only=True"):
        convert("kipoi-deepsea", f)


# --------------------------------------------------------------------------- DanQ (Keras 0.2)
def hard_sigmoid(x):
    return np.clip(0.2 * x + 0.5, 0.0, 1.0)


def keras02_lstm(X, p, go_backwards=False):
    """Keras 0.2 ``LSTM(return_sequences=True)`` on ``X (N, L, C)``, float64; outputs in
    scan order (a ``go_backwards`` LSTM returns the last position first)."""
    W_i, U_i, b_i, W_c, U_c, b_c, W_f, U_f, b_f, W_o, U_o, b_o = p
    N, L, _ = X.shape
    h = np.zeros((N, U_i.shape[0]))
    c = np.zeros_like(h)
    outs = []
    for t in (range(L - 1, -1, -1) if go_backwards else range(L)):
        x = X[:, t]
        i = hard_sigmoid(x @ W_i + b_i + h @ U_i)
        f = hard_sigmoid(x @ W_f + b_f + h @ U_f)
        c = f * c + i * np.tanh(x @ W_c + b_c + h @ U_c)
        o = hard_sigmoid(x @ W_o + b_o + h @ U_o)
        h = o * np.tanh(c)
        outs.append(h)
    return np.stack(outs, axis=1)


def theano_conv1d_valid(X, W, b):
    """Keras 0.2 ``Convolution1D`` (Theano ``conv2d``, a true convolution) on
    ``X (N, L, 4)`` with ``W (F, 4, k, 1)``: ``np.convolve`` flips the kernel itself."""
    N, L, C = X.shape
    F_, _, k, _ = W.shape
    out = np.zeros((N, L - k + 1, F_))
    for n in range(N):
        for f in range(F_):
            out[n, :, f] = sum(np.convolve(X[n, :, c], W[f, c, :, 0], mode="valid")
                               for c in range(C))
    return out + b


def keras_danq_reference(X_acgt, layers, pool, backward="aligned"):
    """DanQ's forward pass as Keras 0.2 computes it; returns logits (N, T)."""
    X = X_acgt.numpy()[:, AGCT].transpose(0, 2, 1).astype(np.float64)  # (N, L, 4) AGCT
    conv, lstm, d1, d2 = layers
    h = np.maximum(theano_conv1d_valid(X, conv[0], conv[1]), 0)
    Lp = h.shape[1] // pool
    h = h[:, :Lp * pool].reshape(h.shape[0], Lp, pool, -1).max(axis=2)
    fwd = keras02_lstm(h, lstm[:12])
    bwd = keras02_lstm(h, lstm[12:], go_backwards=True)
    if backward == "aligned":
        bwd = bwd[:, ::-1]
    z = np.concatenate([fwd, bwd], axis=-1).reshape(h.shape[0], -1)
    z = np.maximum(z @ d1[0] + d1[1], 0)
    return z @ d2[0] + d2[1]


def danq_layers(F_, k, H, Lp, T, seed=0, hidden=925):
    rng = np.random.default_rng(seed)
    def r(*s, sd=0.1):
        return (rng.standard_normal(s) * sd).astype(np.float32)
    conv = [r(F_, 4, k, 1, sd=0.3), r(F_, sd=0.1)]
    lstm = []
    for _ in range(2):
        for _gate in range(4):
            lstm += [r(F_, H, sd=0.05), r(H, H, sd=0.05), r(H, sd=0.1)]
    d1 = [r(Lp * 2 * H, hidden, sd=1 / np.sqrt(Lp * 2 * H)), r(hidden)]
    d2 = [r(hidden, T, sd=1 / np.sqrt(hidden)), r(T)]
    return [conv, lstm, d1, d2]


def write_keras02(path, layers, with_activations=True):
    """``model.save_weights`` of Keras 0.2 for DanQ's Sequential: conv, pool, dropout,
    brnn, dropout, flatten, dense, (activation), dense, (activation)."""
    import h5py

    conv, lstm, d1, d2 = layers
    seq = [conv, [], [], lstm, [], [], d1] + ([[]] if with_activations else []) + [d2]
    seq += [[]] if with_activations else []
    with h5py.File(path, "w") as f:
        f.attrs["nb_layers"] = len(seq)
        for k, params in enumerate(seq):
            g = f.create_group(f"layer_{k}")
            g.attrs["nb_params"] = len(params)
            for n, p in enumerate(params):
                g.create_dataset(f"param_{n}", data=p)
    return path


@pytest.mark.parametrize("backward", ["aligned", "reversed"])
def test_keras_danq_matches_numpy_keras02(backward, tmp_path):
    # seq_len 200: conv 26 -> 175, pool 13 -> 13 positions
    layers = danq_layers(320, 26, 320, 13, 7)
    f = write_keras02(tmp_path / "danq.hdf5", layers)
    model, conv = convert("keras-danq", f, seq_len=200, lstm_backward=backward)
    x = one_hot(4, 200, seed=7)
    ref = keras_danq_reference(x, layers, 13, backward)
    with torch.no_grad():
        ours = model(x).double().numpy()
    diff = np.abs(ours - ref).max()
    assert diff < 1e-5 and ref.std() > 1e-2, diff
    assert conv.overrides["lstm_gates"] == "hard_sigmoid"
    assert n_params(model) == sum(a.size for layer in layers for a in layer)
    # the other reading gives other predictions: the option matters
    other, _ = convert("keras-danq", f, seq_len=200,
                       lstm_backward="reversed" if backward == "aligned" else "aligned")
    with torch.no_grad():
        assert np.abs(other(x).double().numpy() - ref).max() > 1e-4


def test_keras_danq_jaspar_matches_numpy_keras02(tmp_path):
    # DanQ-JASPAR saves Dense(activation=...) without separate Activation layers
    layers = danq_layers(1024, 30, 512, 11, 5, seed=1)  # 171 / 15 = 11
    f = write_keras02(tmp_path / "danqj.hdf5", layers, with_activations=False)
    model, _ = convert("keras-danq-jaspar", f, seq_len=200)
    x = one_hot(3, 200, seed=8)
    ref = keras_danq_reference(x, layers, 15)
    with torch.no_grad():
        diff = np.abs(model(x).double().numpy() - ref).max()
    assert diff < 1e-5, diff
    assert not model.jaspar_placements


def test_keras_bad_files_are_one_line(tmp_path):
    import h5py

    layers = danq_layers(320, 26, 320, 13, 7)
    layers[0][0] = layers[0][0][:, :, :25]
    f = write_keras02(tmp_path / "danq.hdf5", layers)
    with pytest.raises(InputError, match=r"danq\.hdf5: tensor 'layer_0/param_0' has shape "
                                         r"\(320, 4, 25, 1\), expected \(320, 4, 26, 1\)"):
        convert("keras-danq", f, seq_len=200)
    layers = danq_layers(320, 26, 320, 13, 7)
    with pytest.raises(InputError, match=r"layer_6/param_0' has shape \(8320, 925\), "
                                         r"expected \(48000, 925\).*seq-len"):
        convert("keras-danq", write_keras02(tmp_path / "d2.hdf5", layers))
    layers[1] = layers[1][:12]
    with pytest.raises(InputError, match=r"hold \[2, 12, 2, 2\] arrays; expected 4 layers"):
        convert("keras-danq", write_keras02(tmp_path / "d3.hdf5", layers), seq_len=200)
    with h5py.File(tmp_path / "k1.hdf5", "w") as fh:
        fh.attrs["layer_names"] = [b"conv1d_1"]
    with pytest.raises(InputError, match="Keras >= 1 weight file"):
        convert("keras-danq", tmp_path / "k1.hdf5")
    (tmp_path / "t.hdf5").write_text("text")
    with pytest.raises(InputError, match=r"t\.hdf5: not an HDF5 file"):
        convert("keras-danq", tmp_path / "t.hdf5")


# --------------------------------------------------------------------------- run directories, CLI
GATAAG = "GATAAG"


def planted_kipoi_deepsea(tmp_path, T=7):
    """A Kipoi variantEffects file whose kernel 0 is a GATAAG detector (A,G,C,T rows)."""
    torch.manual_seed(4)
    net = kipoi_deepsea(L3=3, T=T).eval()
    with torch.no_grad():
        w = net[0].weight  # (320, 4, 1, 8), channels A,G,C,T
        w[0] = -1.0
        for j, b in enumerate(GATAAG):
            w[0, "AGCT".index(b), 0, 1 + j] = 3.0
    f = tmp_path / "deepsea_variant_effects.pth"
    torch.save(nn.Sequential(ReCodeAlphabet(), net).state_dict(), f)
    return f, net


def small_mat(tmp_path, L=200, T=7):
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from _deepsea_files import random_split, write_v5

    X, y = random_split(n=12, L=L, T=T, seed=3)
    return write_v5(tmp_path / "test.mat", X, y, split="test")


def consensus_of_kernel0(meme):
    from motifscope.io.meme import read_meme

    return read_meme(meme)[0].consensus


def test_imported_run_loads_and_keeps_its_provenance(tmp_path):
    import tomllib

    f, net = planted_kipoi_deepsea(tmp_path)
    run = import_weights("kipoi-deepsea", f, tmp_path / "run", seq_len=200,
                         targets=[f"t{i}" for i in range(7)])
    loaded = load_run(run)
    cfg = tomllib.loads((run / "config.toml").read_text())
    assert cfg["import"]["format"] == "kipoi-deepsea"
    assert len(cfg["import"]["sha256"]) == 64
    assert cfg["import"]["converter"].endswith(":convert_kipoi_deepsea")
    assert cfg["targets"]["names"][3] == "t3"
    assert (run / "analyses").is_dir() and not list(tmp_path.glob(".run.*"))
    x = one_hot(3, 200, seed=9)
    with torch.no_grad():
        assert (loaded.model(x) - net[:-1](x[:, AGCT, None, :])).abs().max() < 1e-5


def test_kernels_on_imported_deepsea_recover_the_planted_motif(tmp_path):
    f, _ = planted_kipoi_deepsea(tmp_path)
    run = tmp_path / "run"
    assert main(["import", "kipoi-deepsea", str(f), "--out", str(run), "--seq-len", "200"]) == 0
    mat = small_mat(tmp_path)
    assert main(["kernels", str(run), "--data", str(mat), "--method", "weights"]) == 0
    cons = consensus_of_kernel0(run / "analyses" / "kernels" / "motifs.meme")
    assert cons[1:7] == GATAAG, cons  # not CTTATC (complement), not GAATAG (reversed)


def test_kernels_on_imported_danq_recover_the_planted_motif(tmp_path):
    layers = danq_layers(320, 26, 320, 13, 7)
    W = layers[0][0]  # (320, 4, 26, 1), A,G,C,T; Theano flips: store the motif reversed
    W[0] = -1.0
    for j, b in enumerate(GATAAG):
        W[0, "AGCT".index(b), 25 - (5 + j), 0] = 3.0
    f = write_keras02(tmp_path / "danq.hdf5", layers)
    run = tmp_path / "run"
    assert main(["import", "keras-danq", str(f), "--out", str(run), "--seq-len", "200"]) == 0
    mat = small_mat(tmp_path)
    assert main(["kernels", str(run), "--data", str(mat), "--method", "weights"]) == 0
    cons = consensus_of_kernel0(run / "analyses" / "kernels" / "motifs.meme")
    assert cons[5:11] == GATAAG, cons


def test_predict_and_evaluate_accept_an_imported_run(tmp_path):
    f, _ = planted_kipoi_deepsea(tmp_path)
    run = import_weights("kipoi-deepsea", f, tmp_path / "run", seq_len=200)
    mat = small_mat(tmp_path)
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).parent))
    from _deepsea_files import random_split, write_danq_h5

    X, _ = random_split(n=6, L=200, T=7, seed=4)
    h5 = write_danq_h5(tmp_path / "example.h5", X)
    assert main(["predict", str(run), "--data", str(h5), "--out", str(tmp_path / "p.h5"),
                 "--device", "cpu"]) == 0
    assert main(["evaluate", str(run), "--data", str(mat), "--out", str(tmp_path / "ev"),
                 "--device", "cpu"]) == 0
    assert any((tmp_path / "ev").iterdir())


def test_cli_bad_input_exits_2_with_one_line_and_writes_nothing(tmp_path, capsys):
    f, _ = planted_kipoi_deepsea(tmp_path)
    run = tmp_path / "run"
    assert main(["import", "kipoi-deepsea", str(f), "--out", str(run)]) == 2  # 1000 bp
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "expected (925, 50880)" in err[0], err
    assert not run.exists() and not list(tmp_path.glob(".run.*"))
    assert main(["import", "kipoi-nope", str(f), "--out", str(run)]) == 2
    assert "unknown" in capsys.readouterr().err
    assert main(["import", "keras-danq", str(f), "--out", str(run)]) == 2
    assert "not an HDF5 file" in capsys.readouterr().err
    (run / "x").mkdir(parents=True)
    assert main(["import", "kipoi-deepsea", str(f), "--out", str(run), "--seq-len", "200"]) == 2
    assert "not an empty folder" in capsys.readouterr().err


def test_export_then_import_round_trip(tmp_path):
    import tomllib

    f, _ = planted_kipoi_deepsea(tmp_path)
    run = import_weights("kipoi-deepsea", f, tmp_path / "run", seq_len=200)
    assert main(["export", str(run), "--out", str(tmp_path / "shared.pt")]) == 0
    card = tomllib.loads((tmp_path / "shared.pt.toml").read_text())
    assert card["input"]["alphabet"] == "ACGT" and card["source"]["format"] == "kipoi-deepsea"
    sd = torch.load(tmp_path / "shared.pt", weights_only=True)
    assert "features.0.weight" in sd
    run2 = import_weights("motifscope", tmp_path / "shared.pt", tmp_path / "run2")
    x = one_hot(3, 200, seed=10)
    with torch.no_grad():
        assert torch.equal(load_run(run).model(x), load_run(run2).model(x))
    (tmp_path / "shared.pt").write_bytes((tmp_path / "shared.pt").read_bytes()[:-10] + b"0" * 10)
    with pytest.raises(InputError, match="sha256 differs"):
        import_weights("motifscope", tmp_path / "shared.pt", tmp_path / "run3")


@pytest.mark.filterwarnings("ignore:DeepLIFT summation-to-delta")
def test_deeplift_and_decouple_accept_imported_models(tmp_path):
    from motifscope.methods.attribution import deeplift
    from motifscope.methods.neuronmotif import decouple

    f, _ = planted_kipoi_deepsea(tmp_path)
    deepsea = load_run(import_weights("kipoi-deepsea", f, tmp_path / "r1", seq_len=200)).model
    x = one_hot(3, 200, seed=11)
    _, delta, _ = deeplift(deepsea, x, target=0, return_delta=True)
    assert delta.abs().max() < 1e-5  # Threshold(0, 1e-6) gets the Rescale rule
    res = decouple(deepsea, layer=1, neuron=0, random_state=0, population=2000)
    assert GATAAG in res.motifs[0].consensus
    layers = danq_layers(320, 26, 320, 13, 7)
    danq = load_run(import_weights("keras-danq", write_keras02(tmp_path / "d.hdf5", layers),
                                   tmp_path / "r2", seq_len=200)).model
    # the hard-sigmoid BiLSTM gets the integrated-gradients rule, as any LSTM
    a, delta, _ = deeplift(danq, x, target=0, return_delta=True, ig_steps=32)
    assert torch.isfinite(a).all() and delta.abs().max() < 0.01


def test_tomtom_and_report_accept_an_imported_run(tmp_path):
    import pandas as pd

    from motifscope.core.motifs import Motif
    from motifscope.io.meme import write_meme

    f, _ = planted_kipoi_deepsea(tmp_path)
    run = import_weights("kipoi-deepsea", f, tmp_path / "run", seq_len=200)
    mat = small_mat(tmp_path)
    assert main(["kernels", str(run), "--data", str(mat), "--method", "weights"]) == 0
    ppm = np.full((4, 6), 0.01)
    for j, b in enumerate(GATAAG):
        ppm[:, j] = 0.01
        ppm["ACGT".index(b), j] = 0.97
    db = write_meme([Motif("GATAAG", ppm / ppm.sum(0))], tmp_path / "gata.meme")
    out = tmp_path / "tt.tsv"
    meme = run / "analyses" / "kernels" / "motifs.meme"
    assert main(["tomtom", str(meme), "--db", str(db), "--out", str(out)]) == 0
    df = pd.read_csv(out, sep="\t")
    best = df.sort_values("p_value").iloc[0]
    assert (best.query, best.orientation) == ("M0", "+"), df.head()  # kernel 0, forward
    assert main(["report", str(run), "--out", str(tmp_path / "report")]) == 0
    assert (tmp_path / "report" / "index.html").is_file()


@pytest.mark.slow
def test_full_size_kipoi_deepsea_predict_and_keras_danq(tmp_path):
    """Published sizes (1000 bp, 919 targets): Kipoi's RC-averaged predict file and DanQ's
    Keras file (measured: 6e-8 and 9e-7 max abs difference)."""
    import tomllib

    torch.manual_seed(0)
    net = kipoi_deepsea().eval()
    wrapper = nn.Sequential(ReCodeAlphabet(), ConcatenateRC(), net, AverageRC())
    f = tmp_path / "deepsea_predict.pth"
    torch.save(wrapper.state_dict(), f)
    run = import_weights("kipoi-deepsea", f, tmp_path / "deepsea")
    m = load_run(run).model
    x = one_hot(4, 1000, seed=1)
    with torch.no_grad():
        ours = (torch.sigmoid(m(x)) + torch.sigmoid(m(x.flip(1).flip(2)))) / 2
        assert (ours - wrapper(x[:, :, None])).abs().max() < 1e-6
    cfg = tomllib.loads((run / "config.toml").read_text())
    assert len(cfg["targets"]["names"]) == 919 and cfg["import"]["strand_average"] is True
    assert m.n_parameters() == 52_843_119
    layers = danq_layers(320, 26, 320, 75, 919)
    model, _ = convert("keras-danq", write_keras02(tmp_path / "danq.hdf5", layers))
    ref = keras_danq_reference(x[:2], layers, 13)
    with torch.no_grad():
        assert np.abs(model(x[:2]).double().numpy() - ref).max() < 1e-5
    assert model.n_parameters() == 46_926_479
