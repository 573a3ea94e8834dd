"""The literature's attribution scores and the gradient correction of Majdandzic et al. 2023.

Oracles: hand-built attributions with known per-sequence AUROC/AUPR and signal-to-noise
ratios; the correction's algebra (zero mean over bases; integrated gradients' per-position
totals and DeepLIFT-SHAP's hypothetical contributions invariant for references on the
simplex, changed for an all-zero reference).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from toy_models import SmallDeepSEA, random_one_hot

from motifscope import truth
from motifscope.core.errors import MotifscopeWarning
from motifscope.core.motifs import Motif
from motifscope.methods import attribution as A


def test_correction_on_gradient_methods():
    model, X = SmallDeepSEA(length=100, seed=1), random_one_hot(4, 100, seed=2)
    g = A.saliency(model, X, target=0)
    gc = A.saliency(model, X, target=0, gradient_correction=True)
    torch.testing.assert_close(gc, g - g.mean(1, keepdim=True))
    assert gc.sum(1).abs().max() < 1e-5 and not torch.allclose(g, gc)
    torch.testing.assert_close(A.gradient_x_input(model, X, target=0, gradient_correction=True),
                               gc * X)
    ig = A.integrated_gradients(model, X, target=0, n_steps=8, return_delta=True)
    igc = A.integrated_gradients(model, X, target=0, n_steps=8, return_delta=True,
                                 gradient_correction=True)
    # baseline 0.25 lies on the simplex: each position's total and the deltas are unchanged
    torch.testing.assert_close(igc.attributions.sum(1), ig.attributions.sum(1), atol=1e-5, rtol=0)
    torch.testing.assert_close(igc.deltas, ig.deltas, atol=1e-4, rtol=0)
    assert not torch.allclose(igc.attributions, ig.attributions)


def test_correction_is_a_no_op_for_deeplift_shap_but_not_for_a_zero_reference():
    model, X = SmallDeepSEA(length=100, seed=3), random_one_hot(3, 100, seed=4)
    kw = {"target": 1, "n_shuffles": 4, "random_state": 0, "hypothetical": True}
    torch.testing.assert_close(A.deeplift_shap(model, X, gradient_correction=True, **kw),
                               A.deeplift_shap(model, X, **kw), atol=1e-5, rtol=1e-4)
    zero = torch.zeros_like(X)
    a = A.deeplift(model, X, target=1, references=zero, hypothetical=True)
    with pytest.warns(MotifscopeWarning, match="summation-to-delta"):  # off the simplex, the
        b = A.deeplift(model, X, target=1, references=zero, hypothetical=True,  # corrected
                       gradient_correction=True)  # multipliers no longer sum to the delta
    assert (a - b).abs().max() > 1e-3


def _ppm(consensus, p=0.97):
    P = np.full((4, len(consensus)), (1 - p) / 3)
    for j, c in enumerate(consensus):
        P["ACGT".index(c), j] = p
    return P


def test_per_sequence_auroc_aupr_and_signal_to_noise():
    L = 40
    X = random_one_hot(2, L, seed=5)
    ppm = _ppm("ACGTAC")
    ppm[:, 2] = 0.25  # an uninformative column: not signal
    motif = Motif("M1", ppm)
    inst = pd.DataFrame({"seq": [0, 1], "start": [5, 20], "end": [11, 26], "strand": ["+", "-"],
                         "motif": ["M1", "M1"], "tasks": ["0", "0"]})
    score = torch.zeros(2, L)
    score[:, :] = 0.1
    score[0, 5:11] = 2.0
    score[0, 7] = 0.0  # the flat column, scored low, is left out of the signal
    score[1, 20:26] = 1.0
    score[1, 26 - 1 - 2] = 0.0  # on the - strand the flat column is counted from the end
    score[1, 30] = 3.0  # one noise position above the signal
    r = truth.score_against_truth(score[:, None] * X, X, inst, task=0, motifs=[motif])
    noise0, noise1 = np.full(L - 6, 0.1), np.r_[np.full(L - 7, 0.1), 3.0]
    au1 = (len(noise1) - 1) / len(noise1)  # one noise value ranks above the 5 signal ones
    assert r["auroc_per_sequence"] == pytest.approx((1.0 + au1) / 2)
    assert r["aupr_per_sequence"] < 1.0 and r["n_sequences_scored"] == 2
    assert r["signal_mean"] == pytest.approx((2.0 + 1.0) / 2)
    assert r["snr_mean"] == pytest.approx((2.0 / noise0.mean() + 1.0 / noise1.mean()) / 2)
    assert r["snr_max"] == pytest.approx((2.0 / 0.1 + 1.0 / 3.0) / 2)
    top1 = np.sort(noise1)[::-1][:10].mean()
    assert r["snr_topk"] == pytest.approx((2.0 / 0.1 + 1.0 / top1) / 2)
    # without the motifs every instance position is signal: the flat column drags it down
    r2 = truth.score_against_truth(score[:, None] * X, X, inst, task=0)
    assert r2["auroc_per_sequence"] < r["auroc_per_sequence"]
