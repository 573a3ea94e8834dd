"""Temporal output scores and class optimisation on hand-built models with known answers."""

import numpy as np
import pytest
import torch
from torch import nn

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.core.sequence import decode, one_hot_encode
from motifscope.methods.optimize import demo_ppm, optimize_input
from motifscope.methods.temporal import temporal_scores
from motifscope.truth.optimize import contains_motif, motif_match_score
from motifscope.truth.temporal import score_rises_against_truth

MOTIF = "GATAAG"


class MotifDetector(nn.Module):
    """Logit = 10 * (max over positions of the count of matched MOTIF bases) - 55."""

    def __init__(self, seq_len=40, motif=MOTIF):
        super().__init__()
        self.seq_len = seq_len
        self.conv = nn.Conv1d(4, 1, len(motif), bias=False)
        with torch.no_grad():
            self.conv.weight.copy_(one_hot_encode(motif)[0][None])
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.lin = nn.Linear(1, 2)
        with torch.no_grad():
            self.lin.weight.copy_(torch.tensor([[10.0], [-10.0]]))
            self.lin.bias.copy_(torch.tensor([-55.0, 55.0]))

    def forward(self, x):
        return self.lin(self.pool(self.conv(x)).flatten(1))


class MeanRNNLike(MotifDetector):
    """Variable-length model: works on any length >= the motif width."""

    variable_length = True


def _seq_with_motif(L=40, at=15, seed=0):
    rng = np.random.default_rng(seed)
    s = list(rng.choice(list("CT"), L))  # background without G/A runs so MOTIF occurs once
    s[at : at + len(MOTIF)] = MOTIF
    return "".join(s)


@pytest.mark.parametrize("reference", ["zeros", "background"])
def test_forward_score_jumps_at_motif_end(reference):
    s = _seq_with_motif()
    X = one_hot_encode([s])
    res = temporal_scores(MotifDetector(), X, target=0, direction="both", reference=reference)
    f, b = res.forward[0], res.backward[0]
    end = 15 + len(MOTIF) - 1
    assert f.shape == (40,) and b.shape == (40,)
    assert np.all(f[: end] < 0.5) and np.all(f[end:] > 0.99)  # complete motif seen at `end`
    assert np.all(b[: 16] > 0.99) and np.all(b[16:] < 0.5)  # suffix must still hold base 15
    assert res.full[0] > 0.99
    share = score_rises_against_truth(res.forward, res.positions, [[(15, 21)]])
    assert share["share"] == 1.0 and share["rise_at"][0] == end


class BlankLover(MotifDetector):
    """MotifDetector plus 120 x the share of all-zero columns: an input that is mostly
    ``N`` (never seen in training) scores positive, as a trained DanQ's can."""

    def forward(self, x):
        blank = (x.abs().sum(1) == 0).float().mean(1, keepdim=True)
        return super().forward(x) + 120.0 * blank * torch.tensor([1.0, -1.0])


def test_a_shuffled_reference_keeps_the_rise_where_the_motif_ends():
    X = one_hot_encode([_seq_with_motif()])
    end, iv = 15 + len(MOTIF) - 1, [[(15, 21)]]
    zeros = temporal_scores(BlankLover(), X, target=0, reference="zeros")
    assert zeros.forward[0, :end].min() > 0.99  # a prefix is mostly N: "positive" already
    assert score_rises_against_truth(zeros.forward, zeros.positions, iv)["rise_at"][0] != end
    sh = temporal_scores(BlankLover(), X, target=0, reference="shuffle", n_shuffles=8, random_state=1)
    assert sh.forward[0, end:].min() > 0.99 and sh.forward[0, :end].max() < 0.5
    assert score_rises_against_truth(sh.forward, sh.positions, iv)["rise_at"][0] == end
    again = temporal_scores(BlankLover(), X, target=0, reference="shuffle", n_shuffles=8, random_state=1)
    np.testing.assert_array_equal(sh.forward, again.forward)
    with pytest.raises(InputError, match="n_shuffles"):
        temporal_scores(BlankLover(), X, target=0, reference="shuffle", n_shuffles=0)


def test_rise_is_the_sustained_one_not_a_one_step_spike():
    """A masked prefix can spike for one position and fall back; the windowed rise finds
    where the score goes up and stays up, the one-step difference finds the spike."""
    f = np.full((1, 40), 0.05)
    f[0, 8] = 0.95  # transient: the largest one-step rise
    f[0, 25:] = 0.9  # sustained: the motif at 20-25 has been seen
    pos = np.arange(40)
    assert score_rises_against_truth(f, pos, [[(20, 25)]])["rise_at"][0] == 25
    plain = score_rises_against_truth(f, pos, [[(20, 25)]], window=1)
    assert plain["rise_at"][0] == 8 and plain["share"] == 0.0
    with pytest.raises(InputError, match="window"):
        score_rises_against_truth(f, pos, [[(20, 25)]], window=0)


def test_step_and_batching_invariance():
    X = one_hot_encode([_seq_with_motif(seed=1), _seq_with_motif(seed=2, at=3)])
    a = temporal_scores(MotifDetector(), X, target=0, step=1, batch_size=7)
    b = temporal_scores(MotifDetector(), X, target=0, step=1, batch_size=100)
    c = temporal_scores(MotifDetector(), X, target=0, step=4)
    assert np.allclose(a.forward, b.forward)
    assert c.forward.shape == (2, 10) and np.allclose(c.forward, a.forward[:, 3::4])


def test_truncation_mode_matches_masking_for_this_model():
    X = one_hot_encode([_seq_with_motif()])
    t = temporal_scores(MeanRNNLike(), X[:, :, :], target=[0], direction="forward", output="logit")
    assert t.mode == "truncate"
    m = temporal_scores(MotifDetector(), X, target=[0], direction="forward", output="logit")
    # truncation never sees a partial window; masking scores windows that run into the
    # masked part, so the two agree away from the motif and once it is complete
    assert np.isnan(t.forward[0, :5]).all()
    assert np.allclose(t.forward[0, 5:10], m.forward[0, 5:10])
    assert np.allclose(t.forward[0, 20:], m.forward[0, 20:]) and t.forward[0, -1] == 5.0


def test_bad_arguments():
    X = one_hot_encode([_seq_with_motif()])
    with pytest.raises(InputError):
        temporal_scores(MotifDetector(), X, target=0, direction="sideways")
    with pytest.raises(InputError):
        temporal_scores(MotifDetector(), X, target=0, reference="ones")
    with pytest.raises(InputError):
        temporal_scores(MotifDetector(), X[0], target=0)


def test_demo_ppm_conversion_by_hand():
    X = np.array([[2.0, 0.0], [0.5, 0.0], [0.0, 0.0], [-1.0, 0.0]])
    P = demo_ppm(X)
    # clamp -> [[1,0],[.5,0],[0,0],[0,0]], /max 1, +0.01, renormalise
    col0 = np.array([1.01, 0.51, 0.01, 0.01])
    assert np.allclose(P[:, 0], col0 / col0.sum())
    assert np.allclose(P[:, 1], 0.25)


@pytest.mark.parametrize("parametrization", ["softmax", "sequence", "raw"])
def test_optimisation_recovers_the_detected_motif(parametrization):
    model = MotifDetector(seq_len=20)
    res = optimize_input(model, target=0, steps=150, lr=0.1, restarts=3,
                         parametrization=parametrization, random_state=0)
    assert res.ppm.shape == (4, 20) and np.allclose(res.ppm.sum(0), 1)
    assert res.score > 0  # the detector fires
    assert MOTIF in decode(res.ppm[None])[0]
    ok, s, bar = contains_motif(res.ppm, Motif("m", one_hot_encode(MOTIF)[0].numpy() * 0.9 + 0.025))
    assert ok and s >= bar
    assert res.objective[-1] > res.objective[0]
    assert model.training and all(p.requires_grad for p in model.parameters())


def test_sequence_parametrization_shows_the_model_a_real_sequence():
    """Straight-through: the model sees one-hot columns; the reported logit is the logit of
    that sequence, and the PPM's argmax is it."""
    model = MotifDetector(seq_len=20)
    res = optimize_input(model, target=0, steps=100, lr=0.1, restarts=2,
                         parametrization="sequence", random_state=1)
    M = np.asarray(res.matrix)
    assert set(np.unique(M)) <= {0.0, 1.0} and np.allclose(M.sum(0), 1)
    assert np.array_equal(M.argmax(0), res.ppm.argmax(0))
    with torch.no_grad():
        z = model(torch.as_tensor(M, dtype=torch.float32)[None])[0, 0]
    assert float(z) == pytest.approx(res.score, abs=1e-4)
    assert float(z) == pytest.approx(5.0)  # all six bases matched: 10 * 6 - 55
    with pytest.raises(InputError, match="parametrization"):
        optimize_input(model, target=0, steps=2, parametrization="onehot")


def test_optimize_is_seeded_and_checks_length():
    model = MotifDetector(seq_len=20)
    a = optimize_input(model, target=0, steps=20, random_state=3)
    b = optimize_input(model, target=0, steps=20, random_state=3)
    assert np.array_equal(a.ppm, b.ppm)
    with pytest.raises(InputError, match="expects 20"):
        optimize_input(model, target=0, length=30, steps=2)


def test_motif_match_score_finds_reverse_strand():
    m = Motif("m", one_hot_encode(MOTIF)[0].numpy() * 0.97 + 0.0075)
    rc = one_hot_encode(["TT" + "CTTATC" + "TT"])[0].numpy()  # reverse complement of GATAAG
    assert motif_match_score(rc, m) > motif_match_score(rc, m, both_strands=False)


def test_batched_targets_equal_single_runs():
    from motifscope.methods.optimize import optimize_targets

    model = MotifDetector(seq_len=20)
    both = optimize_targets(model, [0, 1], steps=25, restarts=2, random_state=5)
    one = optimize_input(model, target=0, steps=25, restarts=2, random_state=5)
    assert np.allclose(both[0].ppm, one.ppm, atol=1e-6)
    assert both[0].score == pytest.approx(one.score, abs=1e-5)
    assert both[1].target == 1 and both[1].score > -60


def test_rnn_suffix_shortcut_equals_truncated_runs():
    """DeMo's RNN: the causal suffix shortcut gives what running each suffix gives."""
    from motifscope.zoo import build

    torch.manual_seed(0)
    m = build("demo_rnn").eval()

    class Plain(nn.Module):  # same model without the shortcut methods
        variable_length = True

        def __init__(self, inner):
            super().__init__()
            self.inner = inner

        def forward(self, x):
            return self.inner(x)

    X = torch.nn.functional.one_hot(torch.randint(0, 4, (2, 60)), 4).permute(0, 2, 1).float()
    fast = temporal_scores(m, X, target=0, direction="both", output="logit")
    slow = temporal_scores(Plain(m), X, target=0, direction="both", output="logit")
    assert np.allclose(fast.forward, slow.forward, atol=1e-5)
    assert np.allclose(fast.backward, slow.backward, atol=1e-5)
