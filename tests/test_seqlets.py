"""Seqlet calling and FIMO-style scanning against their oracles.

- the recursive seqlet caller agrees with tangermeme's ``recursive_seqlets`` (same spans,
  p-values, attribution sums; same FDR table with controls);
- the FIMO p-value table agrees with memelite's ``fimo`` at its hits (looked up memelite's
  way) and with brute-force enumeration of every sequence of a short motif.
"""

from __future__ import annotations

import itertools

import numpy as np
import pytest

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.methods.fimo import fimo, log_odds, pvalue_table
from motifscope.methods.seqlets import recursive_seqlets, seqlet_fdr

KEY = ["seq", "start", "end"]


def _attributions(n=60, length=150, seed=0):
    rng = np.random.default_rng(seed)
    a = rng.normal(0, 0.1, (n, length))
    for i in range(n):
        for _ in range(int(rng.integers(0, 3))):
            s = int(rng.integers(0, length - 12))
            a[i, s:s + int(rng.integers(5, 12))] += rng.uniform(0.2, 1.0)
    return a, rng.normal(0, 0.1, (2 * n, length))


def _tangermeme(a, **kw):
    torch = pytest.importorskip("torch")
    tr = pytest.importorskip("tangermeme.seqlet")
    out = tr.recursive_seqlets(torch.tensor(a), **kw)
    return out


@pytest.mark.parametrize("kw", [{}, {"threshold": 1e-3, "min_len": 3, "max_len": 15},
                                {"additional_flanks": 2}])
def test_recursive_seqlets_match_tangermeme(kw):
    a, _ = _attributions()
    ours_kw = {("flank" if k == "additional_flanks" else k): v for k, v in kw.items()}
    ours = recursive_seqlets(a, **ours_kw).sort_values(KEY, ignore_index=True)
    ref = _tangermeme(a, **{("min_seqlet_len" if k == "min_len" else "max_seqlet_len"
                             if k == "max_len" else k): v for k, v in kw.items()})
    ref = ref.rename(columns={"example_idx": "seq", "p-value": "p_value"})
    ref = ref.sort_values(KEY, ignore_index=True)
    assert len(ours) > 20 and len(ours) == len(ref)
    np.testing.assert_array_equal(ours[KEY].to_numpy(), ref[KEY].to_numpy())
    np.testing.assert_allclose(ours["p_value"], ref["p_value"], rtol=1e-9, atol=1e-300)
    np.testing.assert_allclose(ours["attribution"], ref["attribution"], rtol=1e-9)


def test_fdr_from_controls_matches_tangermeme():
    a, c = _attributions(seed=1)
    ours, table = recursive_seqlets(a, control=c, target_fdr=0.1, return_fdr=True)
    ref, ref_table = _tangermeme(a, X_control=pytest.importorskip("torch").tensor(c),
                                 target_fdr=0.1, return_fdr=True)
    np.testing.assert_array_equal(table["n_seqlets"], ref_table["n_seqlets"])
    np.testing.assert_array_equal(table["n_control_seqlets"], ref_table["n_control_seqlets"])
    assert len(ours) == len(ref) > 0
    assert ours.attrs["threshold"] == pytest.approx(float(ref_table.loc[ref_table["fdr"] <= 0.1,
                                                                        "threshold"].max()))


def test_fdr_estimate_counts_control_seqlets():
    a, c = _attributions(seed=2)
    t = seqlet_fdr(a, c)
    assert (np.diff(t["threshold"]) < 0).all()
    assert (np.diff(t["n_seqlets"]) <= 0).all()  # stricter thresholds call fewer
    # controls without any signal: at a loose threshold, about as many calls as in a
    ok = t["n_seqlets"] > 0
    assert np.allclose(t.loc[ok, "fdr"], (t.loc[ok, "n_control_seqlets"] + 1) * 0.5
                       / t.loc[ok, "n_seqlets"])


def test_constant_input_calls_nothing_and_bad_input_is_named():
    assert recursive_seqlets(np.zeros((3, 40))).empty
    with pytest.raises(InputError, match=r"\(N, L\)"):
        recursive_seqlets(np.zeros((3, 4, 40)))
    with pytest.raises(InputError, match="min_len"):
        recursive_seqlets(np.ones((3, 40)), min_len=0)


def _one_hot(idx):
    return np.eye(4)[np.asarray(idx)].transpose(0, 2, 1)


def test_pvalue_table_is_exact_by_enumeration():
    rng = np.random.default_rng(3)
    m = Motif("M", rng.dirichlet(np.ones(4) * 0.5, 5).T)
    bg = np.array([0.3, 0.2, 0.2, 0.3])
    W = log_odds(m.ppm, background=bg)
    lo, sf = pvalue_table(W, background=bg)
    ints = np.round(W / 0.1).astype(int)
    seqs = np.array(list(itertools.product(range(4), repeat=5)))
    s = ints[seqs, np.arange(5)].sum(1)
    prob = bg[seqs].prod(1)
    for v in np.unique(s):
        assert sf[v - lo] == pytest.approx(prob[s >= v].sum(), rel=1e-12)
    hits = fimo(m, _one_hot(seqs), threshold=1.0, background=bg, both_strands=False)
    expect = {i: prob[s >= s[i]].sum() for i in range(len(seqs))}
    np.testing.assert_allclose(hits["p_value"], [expect[i] for i in hits["seq"]], rtol=1e-12)


def test_fimo_agrees_with_memelite():
    memelite = pytest.importorskip("memelite")
    pd = pytest.importorskip("pandas")
    rng = np.random.default_rng(4)
    motifs = [Motif(f"M{i}", rng.dirichlet(np.ones(4) * 0.3, w).T) for i, w in enumerate((8, 12))]
    X = _one_hot(rng.integers(0, 4, (40, 300)))
    ours = fimo(motifs, X, threshold=1e-3)
    ref = pd.concat(memelite.fimo({m.name: m.ppm for m in motifs}, X.astype(np.int8),
                                  threshold=1e-3))
    ref = ref.rename(columns={"sequence_name": "seq", "p-value": "p_value", "motif_name": "motif"})
    both = ours.merge(ref, on=["motif", "seq", "start", "strand"], suffixes=("", "_m"))
    assert len(both) >= 0.95 * max(len(ours), len(ref)) and len(both) > 20
    np.testing.assert_allclose(both["score"], both["score_m"], atol=1e-9)
    # the same exact table, looked up memelite's way (int(score / bin)), gives its p-values
    for m in motifs:
        for strand, P in (("+", m.ppm), ("-", m.ppm[::-1, ::-1])):
            lo, sf = pvalue_table(log_odds(P))
            b = both[(both["motif"] == m.name) & (both["strand"] == strand)]
            p = sf[np.clip((b["score_m"] / 0.1).astype(int) - lo, 0, len(sf) - 1)]
            np.testing.assert_allclose(p, b["p_value_m"], rtol=1e-9)
    # our own lookup (the window's integer score, as MEME's FIMO) is within w/2 bins
    assert (np.abs(np.log10(both["p_value"] / both["p_value_m"])) < 0.3).all()
