"""Tests of motifscope.methods.attribution, motifscope.plot.attribution and ``motifscope attribute``.

Oracles: hand-computed gradients and DeepLIFT multipliers (HandConvPool), linear models
whose attributions are their weights, summation-to-delta, brute-force ISM, captum's
IntegratedGradients, tangermeme's deep_lift_shap (bench), reverse-complement
equivariance of a strand-symmetric model, batch-size invariance.
"""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn
from toy_models import (
    FunctionalReLU,
    HandConvPool,
    LinearModel,
    LSTMOut,
    SmallDanQ,
    SmallDeepSEA,
    StrandSymmetric,
    random_one_hot,
)

from motifscope import truth
from motifscope.core.errors import InputError, MotifscopeWarning
from motifscope.core.sequence import dinucleotide_shuffle, one_hot_encode, reverse_complement
from motifscope.methods import attribution as A

GRADIENT_METHODS = ["saliency", "gradient_x_input", "integrated_gradients", "deeplift",
                    "deeplift_shap", "ism"]


def _call(name, model, X, **kw):
    fn = getattr(A, name)
    if name == "deeplift_shap":
        kw.setdefault("n_shuffles", 3)
        kw.setdefault("random_state", 0)
    if name == "integrated_gradients":
        kw.setdefault("n_steps", 8)
    return fn(model, X, **kw)


# --------------------------------------------------------------------------- hand oracle
def test_saliency_hand_computed():
    model = HandConvPool()
    X = one_hot_encode("ACGTA")
    g = A.saliency(model, X, target=0)[0]
    expected = torch.zeros(4, 5)
    expected[0, 0] = 2.0  # A at 0: dp0/dx = 1, df/dp0 = 2
    expected[1, 1] = 4.0  # C at 1: weight 2
    expected[2, 0] = expected[2, 1] = -2.0  # G: weight -1 at both offsets
    torch.testing.assert_close(g, expected)
    demo = A.saliency(model, X, target=0, variant="demo")[0]
    torch.testing.assert_close(demo, expected.abs() * X[0])
    torch.testing.assert_close(A.gradient_x_input(model, X, target=0)[0], expected * X[0])


def test_deeplift_hand_computed():
    # conv on x: [2.5, -1.5, -1.5, -0.5]; on the 0.25 reference: -0.25 everywhere.
    # pool window 0 routes Δ=2.5 to position 0 (m=2 from the linear layer); window 1 has
    # Δ=0. ReLU at 0: 2.5/2.75 -> conv multiplier 2·10/11 = 20/11.
    model = HandConvPool()
    X = one_hot_encode("ACGTA")
    res = A.deeplift(model, X, target=0, hypothetical=True, return_delta=True)
    hyp = torch.zeros(4, 5)
    hyp[:, 0] = torch.tensor([20, 0, -20, 0]) / 11
    hyp[:, 1] = torch.tensor([-5, 35, -25, -5]) / 11
    torch.testing.assert_close(res.attributions[0], hyp)
    attr = A.deeplift(model, X, target=0)[0]
    torch.testing.assert_close(attr, hyp * X[0])
    assert attr.sum().item() == pytest.approx(5.0, abs=1e-5)  # f(x) - f(ref) = 5.25 - 0.25
    assert res.deltas.abs().max() < 1e-5
    assert res.deltas.shape == (1, 1)


def test_deeplift_exp_activation_hand_computed():
    # per position z = w·x with w = (1, 2, 0, -1); the uniform 0.25 reference gives z = 0.5.
    # Rescale through exp: each position contributes exp(z_x) - exp(0.5) at its base.
    from motifscope.zoo.layers import Exp

    conv = nn.Conv1d(4, 1, 1, bias=False)
    with torch.no_grad():
        conv.weight.copy_(torch.tensor([1.0, 2.0, 0.0, -1.0]).view(1, 4, 1))
    model = nn.Sequential(conv, Exp(), nn.Flatten(), nn.Linear(4, 1, bias=False))
    with torch.no_grad():
        model[3].weight.fill_(1.0)
    X = one_hot_encode("ACGT")
    res = A.deeplift(model, X, target=0, return_delta=True)
    z = torch.tensor([1.0, 2.0, 0.0, -1.0])
    torch.testing.assert_close(res.attributions[0].sum(0), z.exp() - math.exp(0.5))
    assert res.deltas.abs().max() < 1e-5


def test_linear_model_oracles():
    model = LinearModel(length=10, n_targets=2)
    X = random_one_hot(3, 10, seed=1)
    W = model.W.detach()
    torch.testing.assert_close(A.saliency(model, X, target=1), W[1].expand(3, 4, 10))
    torch.testing.assert_close(A.saliency(model, X, target=[0, 1]), W.sum(0).expand(3, 4, 10))
    # DeepLIFT multipliers of a linear model are its weights
    hyp = A.deeplift(model, X, target=1, hypothetical=True)
    torch.testing.assert_close(hyp, A.hypothetical_contributions(W[1].expand(3, 4, 10),
                                                                 torch.full((3, 4, 10), 0.25)))
    # ISM of a linear model: W[b, l] - W[observed, l]
    ism = A.ism(model, X, target=0)
    obs = (W[0] * X).sum(1, keepdim=True)
    torch.testing.assert_close(ism, (W[0] - obs) * (1 - X), atol=1e-5, rtol=1e-5)
    ig = A.integrated_gradients(model, X, target=0, n_steps=2, return_delta=True)
    assert ig.deltas.abs().max() < 1e-5


def test_target_callable_and_list_agree():
    model = SmallDeepSEA()
    X = random_one_hot(2, 100)
    a = A.saliency(model, X, target=[0, 2])
    b = A.saliency(model, X, target=lambda y: y[:, 0] + y[:, 2])
    torch.testing.assert_close(a, b)


# --------------------------------------------------------------------------- completeness
def _rel(deltas, model, X, refs, target):
    model.eval()
    with torch.no_grad():
        fx = model(X)[:, target]
        fr = model(refs.flatten(0, 1))[:, target].view(refs.shape[:2])
    return deltas.abs().max().item() / (fx[:, None] - fr).abs().max().item()


def test_deeplift_shap_summation_to_delta_cnn():
    model = SmallDeepSEA()
    X = random_one_hot(5, 100)
    res = A.deeplift_shap(model, X, target=1, n_shuffles=4, random_state=0, return_delta=True)
    assert res.deltas.shape == (5, 4)
    assert _rel(res.deltas, model, X, res.references, 1) < 1e-4
    # projected attributions sum to the mean output difference over references
    with torch.no_grad():
        fx = model(X)[:, 1]
        fr = model(res.references.flatten(0, 1))[:, 1].view(5, 4)
    torch.testing.assert_close(res.attributions.sum((1, 2)), (fx[:, None] - fr).mean(1),
                               atol=1e-5, rtol=1e-4)


def test_deeplift_overlapping_padded_pools_and_other_activations():
    torch.manual_seed(3)
    model = nn.Sequential(
        nn.Conv1d(4, 6, 5), nn.ELU(), nn.ConstantPad1d((1, 1), -float("inf")),
        nn.MaxPool1d(4, 2), nn.Conv1d(6, 5, 3), nn.Sigmoid(), nn.MaxPool1d(3, 3, ceil_mode=True),
        nn.Flatten(), nn.LazyLinear(3), nn.Tanh(), nn.Linear(3, 2))
    X = random_one_hot(4, 40, seed=2)
    model(X)  # materialise the lazy layer
    res = A.deeplift_shap(model, X, target=0, n_shuffles=3, random_state=1, return_delta=True)
    assert torch.isfinite(res.attributions).all()
    assert _rel(res.deltas, model, X, res.references, 0) < 1e-4


def test_deeplift_lstm_rules():
    model = SmallDanQ(length=60)
    X = random_one_hot(2, 60, seed=4)
    ig = A.deeplift_shap(model, X, target=0, n_shuffles=3, random_state=0, return_delta=True)
    assert _rel(ig.deltas, model, X, ig.references, 0) < 1e-4
    assert A.deeplift_rules(model)["4.lstm"] == "ig"
    with pytest.warns(MotifscopeWarning, match=r"\(4\.lstm\) are handled by"):
        lin = A.deeplift_shap(model, X, target=0, n_shuffles=3, random_state=0,
                              return_delta=True, lstm_rule="linear")
    assert "4.lstm" not in A.deeplift_rules(model, lstm_rule="linear")
    assert lin.deltas.abs().mean() > 10 * ig.deltas.abs().mean()


def test_deeplift_warns_on_functional_relu():
    model = FunctionalReLU()
    X = random_one_hot(3, 20)
    with pytest.warns(MotifscopeWarning, match="treated as linear"):
        A.deeplift_shap(model, X, target=0, n_shuffles=4, random_state=0)


def test_deeplift_rules_override_by_name():
    model = FunctionalReLU()
    rules = A.deeplift_rules(model, rules={"conv": "linear"})
    assert rules == {}
    with pytest.raises(InputError, match="rules values"):
        A.deeplift_rules(model, rules={"conv": "magic"})


def test_integrated_gradients_completeness_and_captum():
    captum = pytest.importorskip("captum.attr")
    torch.manual_seed(0)
    smooth = nn.Sequential(nn.Conv1d(4, 6, 5), nn.Tanh(), nn.Conv1d(6, 4, 5), nn.Softplus(),
                           nn.Flatten(), nn.Linear(4 * 52, 3))
    X = random_one_hot(2, 60, seed=5)
    res = A.integrated_gradients(smooth, X, target=2, n_steps=16, return_delta=True)
    with torch.no_grad():
        dy = (smooth(X)[:, 2] - smooth(torch.full_like(X, 0.25))[:, 2]).abs()
    assert (res.deltas.abs() / dy).max() < 1e-4  # Gauss-Legendre on a smooth path
    model = SmallDanQ(length=60)
    ig = captum.IntegratedGradients(model)
    ref = ig.attribute(X, baselines=torch.full_like(X, 0.25), target=2, n_steps=8,
                       method="gausslegendre")
    ours = A.integrated_gradients(model, X, target=2, n_steps=8, batch_size=7)
    torch.testing.assert_close(ours, ref.float(), atol=1e-5, rtol=1e-4)


def test_ism_brute_force():
    model = SmallDeepSEA()
    X = random_one_hot(2, 100, seed=6)
    X[1, :, 10] = 0  # an N
    out = A.ism(model, X, target=1, batch_size=37)
    with torch.no_grad():
        for n in range(2):
            f0 = model(X[n:n + 1])[0, 1]
            for pos in (0, 10, 57, 99):
                for b in range(4):
                    x = X[n:n + 1].clone()
                    if x[0, b, pos] == 1:
                        assert out[n, b, pos] == 0
                        continue
                    x[0, :, pos] = 0
                    x[0, b, pos] = 1
                    assert out[n, b, pos].item() == pytest.approx((model(x)[0, 1] - f0).item(),
                                                                abs=1e-5)
    assert (out[1, :, 10] != 0).all()  # all four bases substituted at the N
    c = A.ism(model, X[:1], target=1, centered=True)
    torch.testing.assert_close(c, out[:1] - out[:1].mean(1, keepdim=True))
    every = A.ism(model, X, target="all", centered=True, batch_size=50)
    assert every.shape == (2, 3, 4, 100)
    for t in range(3):  # every output at once = each output on its own
        torch.testing.assert_close(every[:, t], A.ism(model, X, target=t, centered=True))


# --------------------------------------------------------------------------- invariances
@pytest.mark.parametrize("name", GRADIENT_METHODS)
def test_batch_size_invariance(name):
    model = SmallDeepSEA()
    n = 2 if name == "ism" else 3
    X = random_one_hot(n, 100, seed=7)
    small, big = {"ism": (97, 300), "integrated_gradients": (5, 24)}.get(name, (1, 3))
    a = _call(name, model, X, target=0, batch_size=small)
    b = _call(name, model, X, target=0, batch_size=big)
    torch.testing.assert_close(a, b, atol=1e-6, rtol=1e-5)


@pytest.mark.parametrize("name", ["saliency", "gradient_x_input", "deeplift", "ism",
                                  "integrated_gradients"])
def test_reverse_complement_equivariance(name):
    model = StrandSymmetric()
    X = random_one_hot(3, 30, seed=8)
    with torch.no_grad():
        torch.testing.assert_close(model(reverse_complement(X)), model(X))
    a = _call(name, model, X, target=1)
    b = _call(name, model, reverse_complement(X), target=1)
    torch.testing.assert_close(b, reverse_complement(a), atol=1e-5, rtol=1e-4)


def test_deeplift_shap_rc_equivariance_with_rc_references():
    model = StrandSymmetric()
    X = random_one_hot(2, 30, seed=9)
    refs = dinucleotide_shuffle(X, n=3, random_state=0).float()
    rc_refs = refs.flip(2, 3)
    a = A.deeplift_shap(model, X, target=0, references=refs, hypothetical=True)
    b = A.deeplift_shap(model, reverse_complement(X), target=0, references=rc_refs,
                        hypothetical=True)
    torch.testing.assert_close(b, reverse_complement(a), atol=1e-5, rtol=1e-4)


def test_deeplift_shap_seed_and_reference_shapes():
    model = SmallDeepSEA()
    X = random_one_hot(2, 100)
    a = A.deeplift_shap(model, X, target=0, n_shuffles=3, random_state=1)
    b = A.deeplift_shap(model, X, target=0, n_shuffles=3, random_state=1)
    torch.testing.assert_close(a, b)
    refs = dinucleotide_shuffle(X, n=3, random_state=1).float()
    c = A.deeplift(model, X, target=0, references=refs)
    torch.testing.assert_close(a, c)
    one = A.deeplift(model, X, target=0, references=refs[:, 0])
    torch.testing.assert_close(one, A.deeplift(model, X, target=0, references=refs[:, :1]))
    with pytest.raises(InputError, match="references has shape"):
        A.deeplift(model, X, target=0, references=refs[:1])


# --------------------------------------------------------------------------- model state
@pytest.mark.parametrize("name", GRADIENT_METHODS)
def test_model_state_restored(name):
    model = SmallDeepSEA(inplace=True)
    model.train()
    model[3].eval()  # a mixed state must come back as it was
    model[0].weight.requires_grad_(False)
    handle = model.register_forward_hook(lambda m, i, o: None)
    n_hooks = {k: (len(m._forward_hooks), len(m._forward_pre_hooks), len(m._backward_hooks))
               for k, m in model.named_modules()}
    modes = {k: m.training for k, m in model.named_modules()}
    _call(name, model, random_one_hot(2, 100), target=0)
    assert {k: m.training for k, m in model.named_modules()} == modes
    assert model[1].inplace is True
    assert model[0].weight.requires_grad is False and model[0].bias.requires_grad is True
    assert all(p.grad is None for p in model.parameters())
    assert n_hooks == {k: (len(m._forward_hooks), len(m._forward_pre_hooks),
                           len(m._backward_hooks)) for k, m in model.named_modules()}
    assert torch.is_grad_enabled()
    handle.remove()


def test_state_restored_after_error():
    model = SmallDeepSEA()
    model.train()
    with pytest.raises(InputError, match="out of range"):
        A.deeplift(model, random_one_hot(1, 100), target=3)
    assert model.training
    assert all(len(m._forward_hooks) == 0 for m in model.modules())
    assert all(p.requires_grad for p in model.parameters())


def test_bad_inputs():
    model = SmallDeepSEA()
    with pytest.raises(InputError, match=r"\(N, 4, L\)"):
        A.saliency(model, torch.zeros(2, 100, 4), target=0)
    with pytest.raises(InputError, match="target"):
        A.saliency(model, random_one_hot(1, 100), target="x")
    with pytest.raises(InputError, match="batch_size"):
        A.ism(model, random_one_hot(1, 100), target=0, batch_size=0)
    with pytest.raises(InputError, match="variant"):
        A.saliency(model, random_one_hot(1, 100), target=0, variant="other")
    with pytest.raises(InputError, match="unknown attribution method"):
        A.attribute(model, random_one_hot(1, 100), method="nope", target=0)


def test_numpy_input_and_dtype():
    model = SmallDeepSEA()
    X = random_one_hot(2, 100).numpy()
    out = A.deeplift(model, X, target=0)
    assert out.dtype == torch.float32 and out.shape == (2, 4, 100)


def test_hypothetical_contributions_projection():
    model = SmallDeepSEA()
    X = random_one_hot(3, 100, seed=11)
    hyp = A.deeplift_shap(model, X, target=2, n_shuffles=3, random_state=0, hypothetical=True)
    proj = A.deeplift_shap(model, X, target=2, n_shuffles=3, random_state=0)
    torch.testing.assert_close(proj, hyp * X)
    m = torch.randn(2, 4, 7)
    r = torch.softmax(torch.randn(2, 4, 7), 1)
    h = A.hypothetical_contributions(m, r)
    for b in range(4):  # hyp[b] = Σ_c m_c (e_b - r)_c
        e = torch.zeros(4, 1)
        e[b] = 1
        torch.testing.assert_close(h[:, b], (m * (e - r)).sum(1))


# --------------------------------------------------------------------------- zoo models
def _zoo():
    zoo = pytest.importorskip("motifscope.zoo")
    return zoo


@pytest.mark.parametrize("name,kw", [
    ("deepsea", {}), ("deepsea_deepatt", {}), ("deepsea_nm", {}), ("deepsea_demo", {}),
    ("deepsea_default", {}),
    ("basset", {}), ("bd10", {}), ("dd10", {})])
def test_zoo_cnn_summation_to_delta(name, kw):
    zoo = _zoo()
    torch.manual_seed(0)
    model = zoo.build(name, seq_len=200, n_targets=4, width=0.05, **kw)
    X = random_one_hot(1, 200, seed=12)
    res = A.deeplift_shap(model, X, target=1, n_shuffles=2, random_state=0, return_delta=True)
    assert _rel(res.deltas, model, X, res.references, 1) < 1e-4


@pytest.mark.parametrize("name", ["danq", "deepatt"])
def test_zoo_recurrent_summation_to_delta(name):
    zoo = _zoo()
    torch.manual_seed(0)
    model = zoo.build(name, seq_len=200, n_targets=4, width=0.05)
    X = random_one_hot(1, 200, seed=13)
    res = A.deeplift_shap(model, X, target=1, n_shuffles=2, random_state=0, return_delta=True)
    rules = A.deeplift_rules(model)
    assert rules["bilstm"] == "ig"
    if name == "deepatt":
        assert rules["attention"] == "ig"
    assert _rel(res.deltas, model, X, res.references, 1) < 1e-4


# --------------------------------------------------------------------------- tangermeme
@pytest.mark.bench
def test_tangermeme_parity_deepsea():
    dls = pytest.importorskip("tangermeme.deep_lift_shap")
    zoo = _zoo()
    torch.manual_seed(0)
    model = zoo.build("deepsea", seq_len=300, n_targets=5, width=0.05)
    X = random_one_hot(2, 300, seed=14)
    refs = dinucleotide_shuffle(X, n=3, random_state=0).float()
    for hyp in (False, True):
        ours = A.deeplift_shap(model, X, target=3, references=refs, hypothetical=hyp)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            theirs = dls.deep_lift_shap(model, X, target=3, references=refs, hypothetical=hyp)
        assert (ours - theirs).abs().max() <= 1e-4 * theirs.abs().max()


@pytest.mark.bench
def test_tangermeme_parity_lstm_ig_rule():
    dls = pytest.importorskip("tangermeme.deep_lift_shap")
    model = SmallDanQ(length=100)
    X = random_one_hot(3, 100, seed=15)
    refs = dinucleotide_shuffle(X, n=4, random_state=0).float()
    ours = A.deeplift_shap(model, X, target=1, references=refs, ig_steps=8)
    theirs = dls.deep_lift_shap(model, X, target=1, references=refs,
                                additional_nonlinear_ops={LSTMOut: dls.integrated_gradients_op(8)})
    assert (ours - theirs).abs().max() <= 1e-4 * theirs.abs().max()


# --------------------------------------------------------------------------- truth scoring
def test_score_against_truth():
    pd = pytest.importorskip("pandas")
    X = random_one_hot(3, 50, seed=16)
    inst = pd.DataFrame({"split": ["test"] * 3, "seq": [0, 1, 2], "start": [5, 10, 20],
                         "end": [12, 18, 26], "tasks": ["0", "0,1", "1"]})
    attr = torch.zeros(3, 4, 50)
    for s, (a, b) in enumerate([(5, 12), (10, 18), (20, 26)]):
        attr[s, :, a:b] = 1.0
    r = truth.score_against_truth(attr * X, X, inst, task=0, split="test")
    assert r["auroc"] == pytest.approx(1.0)
    assert r["n_sequences"] == 2 and r["n_motif"] == 7 + 8
    # sequence 2's instance (task 1 only) is excluded, not background, for task 0
    assert r["n_background"] == (50 - 7) + (50 - 8)
    r = truth.score_against_truth(-attr * X, X, inst, task=1, split="test")
    assert r["auroc"] == pytest.approx(0.0)
    r = truth.score_against_truth(-attr * X, X, inst, task=1, split="test", absolute=True)
    assert r["auroc"] == pytest.approx(1.0)
    r = truth.score_against_truth(attr, X, inst, task=0, split="valid")
    assert np.isnan(r["auroc"]) and r["n_sequences"] == 0


# --------------------------------------------------------------------------- plots
@pytest.fixture
def agg():
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    yield plt
    plt.close("all")


def test_plot_attribution_logo(agg):
    from motifscope.plot.attribution import plot_attribution_logo

    a = torch.zeros(4, 6)
    a[0, 0], a[1, 1], a[2, 2], a[3, 3] = 1.0, 0.5, -0.7, 0.2
    ax = plot_attribution_logo(a, start=100, title="w")
    assert len(ax.patches) >= 4
    lo, hi = ax.get_ylim()
    assert lo < 0 < hi and ax.get_title() == "w"
    assert ax.get_xlim() == (99.5, 105.5)
    with pytest.raises(InputError):
        plot_attribution_logo(torch.zeros(3, 5))


def test_plot_attribution_track(agg):
    from motifscope.plot.attribution import plot_attribution_track

    v = np.sin(np.arange(40) / 3.0)
    a = np.zeros((4, 40))
    a[1] = v
    ax = plot_attribution_track(a)
    gids = {c.get_gid() for c in ax.collections}
    assert {"positive", "negative"} <= gids
    (line,) = [ln for ln in ax.lines if ln.get_gid() == "track"]
    np.testing.assert_allclose(line.get_ydata(), v)
    ax2 = plot_attribution_track(v, start=10)
    assert ax2.get_xlim() == (9.5, 49.5)


def test_attribution_track_figure():
    pytest.importorskip("plotly")
    from motifscope.plot.attribution import attribution_track_figure

    seq = "ACGTNACG"
    v = np.arange(8, dtype=float) - 3
    fig = attribution_track_figure(v, seq, title="t")
    names = [t.name for t in fig.data]
    assert names == ["A", "C", "G", "T", "N"]
    a_trace = fig.data[0]
    assert list(a_trace.x) == [0, 5] and list(a_trace.y) == [-3.0, 2.0]
    fig2 = attribution_track_figure(np.vstack([v, 0 * v, 0 * v, 0 * v]))
    assert [t.name for t in fig2.data] == ["attribution"]
    with pytest.raises(InputError, match="length"):
        attribution_track_figure(v, "ACG")


# --------------------------------------------------------------------------- CLI
def _make_run(tmp_path, L=200, T=3):
    zoo = _zoo()
    from motifscope.runs.directory import atomic_torch_save, init_run_dir, write_config

    run = init_run_dir(tmp_path / "run")
    over = {"seq_len": L, "n_targets": T}
    torch.manual_seed(0)
    m = zoo.build("deepsea_demo", **over)
    write_config(run, {"model": {"name": "deepsea_demo", "overrides": over}})
    atomic_torch_save(m.state_dict(), run / "model.pt")
    return run, m


def _make_data(tmp_path, n=6, L=200, T=3):
    from _deepsea_files import random_split, write_v5

    X, y = random_split(n, L, T, seed=0)
    return write_v5(tmp_path / "valid.mat", X, y, split="valid"), X


def test_cli_attribute_deeplift_shap(tmp_path):
    from motifscope.cli import main

    run, model = _make_run(tmp_path)
    data, _ = _make_data(tmp_path)
    out = tmp_path / "attr.npz"
    rc = main(["attribute", str(run), "--data", str(data), "--method", "deeplift_shap",
               "--target", "1", "--n", "4", "--n-shuffles", "3", "--out", str(out)])
    assert rc == 0
    z = np.load(out)
    ohe = np.load(tmp_path / "attr.ohe.npz")
    assert z["arr_0"].shape == (4, 4, 200)
    np.testing.assert_array_equal(z["arr_0"], z["hypothetical"])
    np.testing.assert_array_equal(ohe["arr_0"], z["sequences"])
    np.testing.assert_allclose(z["attributions"], z["hypothetical"] * z["sequences"], atol=1e-7)
    assert z["deltas"].shape == (4, 3) and np.abs(z["deltas"]).max() < 1e-4
    assert list(z["target"]) == [1] and str(z["method"]) == "deeplift_shap"
    # same numbers as the library call
    from motifscope.io.deepsea import read_mat

    X, _ = read_mat(data, stop=4)
    lib = A.deeplift_shap(model.eval(), X, target=1, n_shuffles=3, random_state=0)
    np.testing.assert_allclose(z["attributions"], lib.numpy(), atol=1e-6)


def test_cli_attribute_default_out_and_errors(tmp_path, capsys):
    from motifscope.cli import main

    run, _ = _make_run(tmp_path)
    data, _ = _make_data(tmp_path)
    assert main(["attribute", str(run), "--data", str(data), "--method", "saliency",
                 "--target", "0,2", "--n", "2"]) == 0
    z = np.load(run / "analyses" / "attribute" / "saliency.npz")
    assert z["arr_0"].shape == (2, 4, 200) and "hypothetical" not in z.files
    assert main(["attribute", str(run), "--data", str(data), "--method", "magic",
                 "--target", "0"]) == 2
    assert main(["attribute", str(run), "--data", str(data), "--target", "7"]) == 2
    err = capsys.readouterr().err
    assert "--method 'magic'" in err and "--target 7" in err


@pytest.mark.bench
@pytest.mark.slow
def test_modisco_reads_cli_output(tmp_path):
    pytest.importorskip("modiscolite")
    import subprocess
    import sys

    from motifscope.methods.attribution.export import write_attributions

    rng = np.random.default_rng(0)
    N, L = 60, 120
    idx = rng.integers(0, 4, (N, L))
    X = np.eye(4, dtype=np.float32)[idx].transpose(0, 2, 1)
    motif = [0, 1, 2, 3, 3, 2, 1, 0]
    hyp = rng.normal(0, 0.01, (N, 4, L)).astype(np.float32)
    for n in range(N):
        s = 40 + n % 20
        for j, b in enumerate(motif):
            X[n, :, s + j] = 0
            X[n, b, s + j] = 1
            hyp[n, b, s + j] = 1.0
    out, ohe = write_attributions(tmp_path / "a.npz", sequences=X, attributions=hyp * X,
                                  method="x", target=[0], hypothetical=hyp)
    exe = [sys.executable, "-c", "from modiscolite.cli import cli; cli()"]
    r = subprocess.run(exe + ["motifs", "-s", str(ohe), "-a", str(out), "-n", "500", "-w",
                              "100", "-o", str(tmp_path / "m.h5")], capture_output=True,
                       text=True, timeout=600)
    assert r.returncode == 0, r.stderr[-2000:]
    assert (tmp_path / "m.h5").exists()
