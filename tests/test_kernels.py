"""Tests of motifscope.methods.kernels: first-layer kernels → motifs."""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest
import torch
from torch import nn

import motifscope.methods.kernels as kmod
from motifscope.core.errors import InputError
from motifscope.core.sequence import one_hot_encode, reverse_complement
from motifscope.io.meme import read_meme
from motifscope.methods.kernels import first_conv, kernel_counts, kernels_to_meme, kernels_to_motifs

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "danq"

GATA = np.array(  # (4, w) A, C, G, T
    [
        [0.05, 0.85, 0.05, 0.85],
        [0.05, 0.05, 0.05, 0.05],
        [0.85, 0.05, 0.05, 0.05],
        [0.05, 0.05, 0.85, 0.05],
    ]
)


def _random_onehot(rng, n, L, n_frac=0.0):
    idx = rng.integers(0, 4, size=(n, L))
    X = np.eye(4, dtype=np.float64)[idx].transpose(0, 2, 1).copy()
    if n_frac:
        X[:, :, rng.random(L) < n_frac] = 0.0  # some N columns
    return torch.from_numpy(X)


def _conv(K, k, seed=0, dtype=torch.float64):
    torch.manual_seed(seed)
    c = nn.Conv1d(4, K, k).to(dtype)
    with torch.no_grad():
        c.weight.normal_()
        c.bias.uniform_(-1.5, 0.5)
    return c


def _naive_acts(conv, X):
    W = conv.weight.detach().numpy()
    b = conv.bias.detach().numpy()
    X = X.numpy()
    N, _, L = X.shape
    K, _, k = W.shape
    P = L - k + 1
    A = np.zeros((N, K, P))
    for n in range(N):
        for m in range(K):
            for p in range(P):
                A[n, m, p] = (W[m] * X[n, :, p : p + k]).sum() + b[m]
    return A


def _naive_danq(conv, X):
    A = _naive_acts(conv, X)
    K, _, k = conv.weight.shape
    counts = np.zeros((K, 4, k))
    nsites = np.zeros(K, int)
    for n in range(X.shape[0]):
        for m in range(K):
            p = int(np.argmax(A[n, m]))
            if A[n, m, p] > 0:
                counts[m] += X[n, :, p : p + k].numpy()
                nsites[m] += 1
    return counts, nsites


def _naive_basset(conv, X, t):
    A = np.maximum(_naive_acts(conv, X), 0)
    K, _, k = conv.weight.shape
    counts = np.zeros((K, 4, k))
    nsites = np.zeros(K, int)
    for m in range(K):
        mu = A[:, m].mean()
        thr = t * (A[:, m].max() - mu) + mu
        for n in range(X.shape[0]):
            for p in range(A.shape[2]):
                if A[n, m, p] > thr:
                    counts[m] += X[n, :, p : p + k].numpy()
                    nsites[m] += 1
    return counts, nsites


def _planted(rng, n, L, word):
    seqs = []
    for _ in range(n):
        s = list(rng.choice(list("ACGT"), L))
        p = int(rng.integers(0, L - len(word) + 1))
        s[p : p + len(word)] = list(word)
        seqs.append("".join(s))
    return one_hot_encode(seqs)


def _gata_conv():
    conv = nn.Conv1d(4, 2, 4)
    with torch.no_grad():
        conv.weight[0] = torch.tensor(np.log2(GATA / 0.25), dtype=torch.float32)
        conv.bias[0] = -6.0  # fires (> 0) only on GATA itself (score 7.1)
        conv.weight[1] = -1.0
        conv.bias[1] = -1.0  # never fires
    return conv


# ---------------------------------------------------------------------- planted motif


def test_planted_gata_recovered_in_acgt_order():
    rng = np.random.default_rng(0)
    X = _planted(rng, 300, 40, "GATA")
    motifs = kernels_to_motifs(_gata_conv(), X, progress=False)
    assert len(motifs) == 1  # the dead kernel is dropped
    m = motifs[0]
    assert m.consensus == "GATA"
    assert (m.name, m.alt_name, m.meta["kernel"]) == ("M0", "O0", 0)
    assert m.nsites == 300
    # exactly one site per sequence, each the GATA word: the PPM is the one-hot word
    np.testing.assert_allclose(m.counts, np.eye(4)[:, [2, 0, 3, 0]] * 300)
    b = kernels_to_motifs(_gata_conv(), X, method="basset", progress=False)
    assert [x.consensus for x in b] == ["GATA"] and b[0].nsites >= 300
    # pseudocount 1: (count + 1) / (nsites + 4)
    np.testing.assert_allclose(b[0].ppm.max(0), (b[0].nsites + 1) / (b[0].nsites + 4))
    w = kernels_to_motifs(_gata_conv(), method="weights")
    assert w[0].consensus == "GATA" and w[0].nsites is None


def test_weights_softmax_inverts_natural_log_odds():
    conv = nn.Conv1d(4, 1, 4).double()
    with torch.no_grad():
        conv.weight[0] = torch.tensor(np.log(GATA / 0.25)) + 3.0  # any per-column constant
    (m,) = kernels_to_motifs(conv, method="weights")
    np.testing.assert_allclose(m.ppm, GATA, atol=1e-12)
    (s,) = kernels_to_motifs(conv, method="weights", weights_transform="shift")
    col = np.log(GATA[:, 0] / 0.25)
    np.testing.assert_allclose(s.ppm[:, 0], (col - col.min()) / (col - col.min()).sum())


def test_batchnorm_after_first_conv_is_folded():
    # eval-mode BN is the affine map γ (z - μ) / σ + β per kernel: folding it into the
    # convolution must reproduce the model's pre-activation, and the counts must be those
    # of the folded convolution (a γ < 0 kernel fires where the raw one is lowest)
    from motifscope.methods.kernels import effective_kernels

    rng = np.random.default_rng(4)
    X = _random_onehot(rng, 17, 30)
    conv = _conv(5, 6, seed=2)
    bn = nn.BatchNorm1d(5)
    with torch.no_grad():
        bn.running_mean.copy_(torch.tensor([0.5, -1.0, 0.0, 2.0, 0.3], dtype=bn.running_mean.dtype))
        bn.running_var.copy_(torch.tensor([2.0, 0.5, 1.0, 4.0, 1.5], dtype=bn.running_var.dtype))
        bn.weight.copy_(torch.tensor([1.5, -2.0, 0.7, 1.0, -0.3], dtype=bn.weight.dtype))
        bn.bias.copy_(torch.tensor([0.1, 0.2, -3.0, 0.0, 0.5], dtype=bn.bias.dtype))
    net = nn.Sequential(conv, bn.to(conv.weight.dtype), nn.ReLU(), nn.MaxPool1d(2)).eval()
    W, b = effective_kernels(net)
    xt = torch.as_tensor(X, dtype=W.dtype)
    torch.testing.assert_close(torch.nn.functional.conv1d(xt, W, b), net[1](net[0](xt)))
    folded = nn.Conv1d(4, 5, 6).to(W.dtype)
    with torch.no_grad():
        folded.weight.copy_(W)
        folded.bias.copy_(b)
    c, n = kernel_counts(net, X, progress=False)
    c0, n0 = _naive_danq(folded, X)
    np.testing.assert_array_equal(n, n0)
    np.testing.assert_allclose(c, c0)
    c_raw, _ = kernel_counts(conv, X, progress=False)
    assert not np.allclose(c_raw[1], c[1])  # the γ < 0 kernel reads differently
    # a bare convolution (no model around it) is taken as it is
    W2, b2 = effective_kernels(conv)
    torch.testing.assert_close(W2, conv.weight.detach())
    torch.testing.assert_close(b2, conv.bias.detach())


# ---------------------------------------------------------------------- oracles


def test_danq_counts_equal_naive_loop():
    rng = np.random.default_rng(1)
    X = _random_onehot(rng, 23, 30, n_frac=0.05)
    conv = _conv(7, 6, seed=1)
    with torch.no_grad():
        conv.bias -= 3.0  # so that some kernels stay silent on some sequences
    c, n = kernel_counts(conv, X, batch_size=5, progress=False)
    c0, n0 = _naive_danq(conv, X)
    np.testing.assert_array_equal(n, n0)
    np.testing.assert_allclose(c, c0)
    assert 0 < n.sum() < 23 * 7  # some kernels do not fire on some sequences
    motifs = kernels_to_motifs(conv, X, batch_size=7, progress=False)
    kept = np.flatnonzero(n0 > 0)
    assert [m.meta["kernel"] for m in motifs] == kept.tolist()
    for m in motifs:
        k = m.meta["kernel"]
        assert m.nsites == n0[k]
        np.testing.assert_allclose(m.ppm, c0[k] / c0[k].sum(0, keepdims=True))


@pytest.mark.parametrize("limit", [0.0, 1e9])  # dense weight-gradient path / gather path
@pytest.mark.parametrize("t", [0.5, 0.1])
def test_basset_counts_equal_naive_loop(monkeypatch, limit, t):
    monkeypatch.setattr(kmod, "_GATHER_LIMIT", limit)
    rng = np.random.default_rng(2)
    X = _random_onehot(rng, 17, 25)
    conv = _conv(5, 5, seed=2)
    c, n = kernel_counts(conv, X, method="basset", act_threshold=t, batch_size=4, progress=False)
    c0, n0 = _naive_basset(conv, X, t)
    np.testing.assert_array_equal(n, n0)
    np.testing.assert_allclose(c, c0, atol=1e-9)
    assert (n0 > 1).any()  # several sites per sequence are possible
    ms = kernels_to_motifs(conv, X, method="basset", act_threshold=t, min_sites=10, progress=False)
    assert [m.meta["kernel"] for m in ms] == np.flatnonzero(n0 >= 10).tolist()
    for m in ms:
        k = m.meta["kernel"]
        np.testing.assert_allclose(m.ppm, (c0[k] + 1) / (n0[k] + 4))


def test_batch_size_invariance_float32():
    rng = np.random.default_rng(3)
    X = _random_onehot(rng, 40, 60).float()
    conv = _conv(9, 8, seed=3, dtype=torch.float32)
    a = kernel_counts(conv, X, batch_size=1, progress=False)
    b = kernel_counts(conv, X.numpy(), batch_size=64, progress=False)
    np.testing.assert_allclose(a[0], b[0])
    np.testing.assert_array_equal(a[1], b[1])


def test_both_strands_adds_minus_strand_sites_as_read():
    rng = np.random.default_rng(4)
    X = _random_onehot(rng, 19, 30)
    conv = _conv(6, 5, seed=4)
    fwd = kernel_counts(conv, X, progress=False)
    rev = kernel_counts(conv, reverse_complement(X), progress=False)
    both = kernel_counts(conv, X, both_strands=True, batch_size=4, progress=False)
    np.testing.assert_allclose(both[0], fwd[0] + rev[0])
    np.testing.assert_array_equal(both[1], fwd[1] + rev[1])
    # strand symmetry: scanning X or RC(X) on both strands gives the same motifs
    both_rc = kernel_counts(conv, reverse_complement(X), both_strands=True, progress=False)
    np.testing.assert_allclose(both[0], both_rc[0])


def test_both_strands_on_reverse_planted_sites():
    rng = np.random.default_rng(5)
    X = _planted(rng, 100, 30, "TATC")  # GATA on the minus strand only
    conv = _gata_conv()
    assert kernels_to_motifs(conv, X, progress=False) == [] or all(
        m.nsites < 100 for m in kernels_to_motifs(conv, X, progress=False)
    )
    (m,) = kernels_to_motifs(conv, X, both_strands=True, progress=False)
    assert m.consensus == "GATA"  # in the kernel's orientation, not TATC
    assert m.nsites >= 100 and m.meta["both_strands"] is True


# ---------------------------------------------------------------------- layers, errors


def test_first_conv_lookup():
    conv = nn.Conv1d(4, 3, 5)
    seq = nn.Sequential(nn.Identity(), conv, nn.ReLU(), nn.Conv1d(3, 2, 3))
    assert first_conv(seq) is conv
    assert first_conv(conv) is conv
    assert first_conv(seq, "1") is conv

    class Zoo(nn.Module):
        def __init__(self):
            super().__init__()
            self.other = nn.Conv1d(4, 2, 3)
            self.c = nn.Conv1d(4, 3, 5)

        @property
        def first_conv(self):
            return self.c

    z = Zoo()
    assert first_conv(z) is z.c


@pytest.mark.parametrize(
    "layer, needle",
    [
        (nn.Conv1d(5, 3, 4), "4 channels"),
        (nn.Conv1d(4, 3, 4, stride=2), "stride 2"),
        (nn.Conv1d(4, 3, 4, dilation=2), "dilation 2"),
    ],
)
def test_bad_layers(layer, needle):
    with pytest.raises(InputError, match=needle):
        kernels_to_motifs(layer, torch.zeros(2, 4, 20))


def test_bad_inputs():
    conv = nn.Conv1d(4, 3, 8)
    with pytest.raises(InputError, match=r"shape \(2, 20, 4\)"):
        kernels_to_motifs(conv, torch.zeros(2, 20, 4))
    with pytest.raises(InputError, match="L >= 8"):
        kernels_to_motifs(conv, torch.zeros(2, 4, 5))
    with pytest.raises(InputError, match="method"):
        kernels_to_motifs(conv, torch.zeros(2, 4, 20), method="max")
    with pytest.raises(InputError, match="needs example sequences"):
        kernels_to_motifs(conv, None)
    with pytest.raises(InputError, match="no nn.Conv1d"):
        kernels_to_motifs(nn.Linear(3, 3), torch.zeros(2, 4, 20))
    with pytest.raises(InputError, match="not a submodule"):
        kernels_to_motifs(nn.Sequential(conv), torch.zeros(2, 4, 20), layer="x")


def test_padding_is_ignored():
    rng = np.random.default_rng(6)
    X = _random_onehot(rng, 10, 30)
    conv = _conv(4, 5, seed=6)
    padded = nn.Conv1d(4, 4, 5, padding=2).double()
    padded.load_state_dict(conv.state_dict())
    a, b = kernel_counts(conv, X, progress=False), kernel_counts(padded, X, progress=False)
    np.testing.assert_allclose(a[0], b[0])


# ---------------------------------------------------------------------- DanQ MEME text


def test_danq_meme_text_matches_published_structure(tmp_path):
    rng = np.random.default_rng(7)
    X = _random_onehot(rng, 50, 100).float()
    conv = nn.Conv1d(4, 8, 26)
    out = tmp_path / "k.meme"
    motifs = kernels_to_meme(conv, X, out, progress=False)
    lines = out.read_text().split("\n")
    ref = DATA / "DanQ.meme"
    if ref.is_file():
        assert lines[:9] == ref.read_text().split("\n")[:9]
    else:
        assert lines[0] == "MEME version 4.9.0"
    i = lines.index(f"MOTIF {motifs[0].name} {motifs[0].alt_name}")
    assert re.fullmatch(
        r"letter-probability matrix: alength= 4 w= 26 nsites= \d+ E= 1337\.0e-6", lines[i + 1]
    )
    assert all(
        re.fullmatch(r"\d\.\d{6} \d\.\d{6} \d\.\d{6} \d\.\d{6}", x) for x in lines[i + 2 : i + 28]
    )
    assert lines[i + 28] == ""
    back = read_meme(out)
    assert [m.name for m in back] == [m.name for m in motifs]
    assert [m.nsites for m in back] == [m.nsites for m in motifs]
    for a, b in zip(back, motifs):
        np.testing.assert_allclose(a.ppm, b.ppm, atol=1e-6)


# ---------------------------------------------------------------------- CLI


def _run_dir(tmp_path, conv):
    rundir = pytest.importorskip("motifscope.runs.directory")
    if not hasattr(rundir, "load_run"):
        pytest.skip("motifscope.runs.directory.load_run is not available")
    run = rundir.init_run_dir(tmp_path / "run")
    rundir.write_config(
        run,
        {
            "model": {
                "factory": "torch.nn:Conv1d",
                "kwargs": {
                    "in_channels": 4,
                    "out_channels": conv.out_channels,
                    "kernel_size": conv.kernel_size[0],
                },
            }
        },
    )
    torch.save(conv.state_dict(), run / rundir.MODEL_FILE)
    return run


def test_cli_kernels_with_targets(tmp_path, capsys):
    files = pytest.importorskip("_deepsea_files")
    pytest.importorskip("motifscope.io.deepsea")
    from motifscope.cli import main

    rng = np.random.default_rng(8)
    pos = _planted(rng, 30, 40, "GATA")
    neg = torch.from_numpy(
        np.eye(4, dtype=np.float32)[rng.choice([1, 3], size=(30, 40))].transpose(0, 2, 1).copy()
    )  # only C/T: no GATA
    X = torch.cat([pos, neg]).numpy().astype(np.uint8)
    y = np.zeros((60, 3), np.uint8)
    y[:30, 1] = 1
    data = files.write_v5(tmp_path / "test.mat", X, y, split="test")
    run = _run_dir(tmp_path, _gata_conv())
    out = tmp_path / "k.meme"
    rc = main(
        [
            "--trust-code",  # the run's config names a factory (torch.nn:Conv1d)
            "kernels",
            str(run),
            "--data",
            str(data),
            "--targets",
            "1",
            "--out",
            str(out),
            "--logos",
            str(tmp_path / "logos"),
        ]
    )
    assert rc == 0, capsys.readouterr().err
    assert "1 motifs from 30 sequences" in capsys.readouterr().out
    (m,) = read_meme(out)
    assert m.consensus == "GATA" and m.nsites == 30
    assert (tmp_path / "logos" / "M0.png").is_file()
    # default output beside the run; weights need no data rows
    assert main(["--trust-code", "kernels", str(run), "--data", str(data), "--method", "weights"]) == 0
    assert len(read_meme(run / "analyses" / "kernels" / "motifs.meme")) == 2
    assert main(["--trust-code", "kernels", str(run), "--data", str(data), "--targets", "x"]) == 2
    assert "--targets" in capsys.readouterr().err
    assert main(["--trust-code", "kernels", str(run), "--data", str(data), "--targets", "9"]) == 2
    assert main(["--trust-code", "kernels", str(run), "--data", str(data), "--method", "mean"]) == 2


def test_topn_keeps_the_n_most_activating_sequences_by_hand():
    """Kernel GATA (+1 for the consensus base, −1 otherwise, no bias): a GATA site scores
    4, a GATC site 2, the all-C background at most −2. Top 5 are the GATA sequences; top
    20 keeps the 10 sequences that fire (GATA and GATC), never the background."""
    conv = torch.nn.Conv1d(4, 1, 4)
    with torch.no_grad():
        conv.weight.fill_(-1.0)
        for j, base in enumerate("GATA"):
            conv.weight[0, "ACGT".index(base), j] = 1.0
        conv.bias.zero_()
    seqs = ["CC" + s + "CCCC" for s in ["GATA"] * 5 + ["GATC"] * 5] + ["C" * 10] * 6
    X = torch.as_tensor(np.asarray(one_hot_encode(seqs)), dtype=torch.float32)
    c5, n5 = kernel_counts(conv, X, method="topn", top_n=5, batch_size=3, progress=False)
    assert n5.tolist() == [5]
    np.testing.assert_array_equal(c5[0], 5 * np.asarray(one_hot_encode(["GATA"]))[0])
    c20, n20 = kernel_counts(conv, X, method="topn", top_n=20, batch_size=4, progress=False)
    assert n20.tolist() == [10]
    assert c20[0, :, 3].tolist() == [5.0, 5.0, 0.0, 0.0]  # last column: A (GATA) and C (GATC)
    ms = kernels_to_motifs(conv, X, method="topn", top_n=5, progress=False)
    assert ms[0].consensus == "GATA" and ms[0].nsites == 5
    with pytest.raises(InputError, match="top_n"):
        kernel_counts(conv, X, method="topn", top_n=0, progress=False)
