"""Tests of motifscope.methods.evaluate and ``motifscope evaluate``."""

from __future__ import annotations

import json

import numpy as np
import pytest
import scipy.io
import torch
from sklearn.metrics import average_precision_score, roc_auc_score
from torch import nn

from motifscope.core.errors import InputError
from motifscope.core.sequence import reverse_complement
from motifscope.data.strands import check_strand_pairs
from motifscope.methods.evaluate import evaluate, fast_auroc, summarize


class Lookup(nn.Module):
    """Logit of target t = a fixed linear read-out of base counts (strand-asymmetric)."""

    def __init__(self, T=3, seed=0):
        super().__init__()
        g = torch.Generator().manual_seed(seed)
        self.w = nn.Parameter(torch.randn(T, 4, generator=g))
        self.pos = nn.Parameter(torch.linspace(-1, 1, 20))
        self.n_targets = T

    def forward(self, x):
        return torch.einsum("tc,ncl,l->nt", self.w, x, self.pos[: x.shape[2]])


def random_one_hot(n, L, seed=0):
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 4, size=(n, L))
    X = np.zeros((n, 4, L), dtype=np.float32)
    X[np.arange(n)[:, None], idx, np.arange(L)[None]] = 1
    return torch.from_numpy(X)


def test_fast_auroc_equals_sklearn_with_ties():
    rng = np.random.default_rng(1)
    y = rng.random((300, 5)) < 0.3
    s = np.round(rng.random((300, 5)), 1)  # many ties
    y[:, 4] = False
    got = fast_auroc(y, s)
    for t in range(4):
        assert got[t] == pytest.approx(roc_auc_score(y[:, t], s[:, t]), abs=1e-12)
    assert np.isnan(got[4])


@pytest.mark.parametrize("decimals", [1, 3, None])
def test_fast_average_precision_equals_sklearn(decimals):
    from sklearn.metrics import average_precision_score

    from motifscope.methods.evaluate import fast_average_precision

    rng = np.random.default_rng(decimals or 0)
    for n in (2, 7, 60, 400):
        y = rng.random(n) < 0.3
        y[0] = True
        s = rng.normal(size=n)
        s = np.round(s, decimals) if decimals else s  # many ties, a few, none
        assert fast_average_precision(y, s) == pytest.approx(average_precision_score(y, s),
                                                             abs=1e-12)
    assert fast_average_precision(np.ones(3), [0.1, 0.1, 0.1]) == 1.0
    assert np.isnan(fast_average_precision(np.zeros(3), [0.1, 0.2, 0.3]))


def test_evaluate_halves_matches_manual():
    model = Lookup()
    Xf = random_one_hot(40, 20)
    X = torch.cat([Xf, reverse_complement(Xf)])
    rng = np.random.default_rng(2)
    yf = (rng.random((40, 3)) < 0.4).astype(np.float32)
    yf[:, 2] = 0  # no positives: reported, skipped
    y = np.concatenate([yf, yf])
    df = evaluate(model, X, y, strand_average="halves")
    with torch.no_grad():
        p = torch.sigmoid(model(X)).numpy()
    pm = (p[:40] + p[40:]) / 2
    for t in range(2):
        assert df.auroc[t] == pytest.approx(roc_auc_score(yf[:, t], pm[:, t]))
        assert df.aupr[t] == pytest.approx(average_precision_score(yf[:, t], pm[:, t]))
    assert np.isnan(df.auroc[2]) and df.n_pos.tolist()[2] == 0 and df.n[0] == 40
    s = summarize(df)
    assert s["skipped"] == [2] and s["n_scored"] == 2
    assert s["av_auroc"] == pytest.approx(df.auroc[:2].mean())
    # auto detects the layout; "rc" on the forward half gives the same numbers
    assert check_strand_pairs(X) and not check_strand_pairs(Xf)
    auto = evaluate(model, X, y)
    assert auto.attrs["strand_average"] == "halves"
    rc = evaluate(model, Xf, yf, strand_average="rc")
    assert rc.attrs["strand_average"] == "rc"
    np.testing.assert_allclose(rc.auroc[:2], df.auroc[:2], rtol=1e-6)
    # no averaging differs (the model is strand-asymmetric)
    none = evaluate(model, Xf, yf, strand_average=None)
    assert not np.allclose(none.auroc[:2], df.auroc[:2])


def test_evaluate_bad_input():
    with pytest.raises(InputError, match="even"):
        evaluate(Lookup(), random_one_hot(5, 20), np.zeros((5, 3)), strand_average="halves")
    with pytest.raises(InputError, match="y has shape"):
        evaluate(Lookup(), random_one_hot(4, 20), np.zeros((3, 3)))
    with pytest.raises(InputError, match="strand_average"):
        evaluate(Lookup(), random_one_hot(4, 20), np.zeros((4, 3)), strand_average="both")


def _make_run(tmp_path, n_targets, seq_len=60):
    from motifscope import zoo
    from motifscope.runs.directory import atomic_torch_save, init_run_dir, write_config

    over = {"seq_len": seq_len, "n_targets": n_targets, "width": 0.25}
    torch.manual_seed(0)
    m = zoo.build("danq_demo", **over)
    run = init_run_dir(tmp_path / f"run{n_targets}")
    write_config(run, {"model": {"name": "danq_demo", "overrides": over}})
    atomic_torch_save(m.state_dict(), run / "model.pt")
    return run


def _write_test_mat(path, n_half, T, L=60, seed=0):
    """test.mat in DeepSEA's v5 layout: (N, 4, L) A,G,C,T uint8; second half = RC."""
    from motifscope.core.sequence import agct_from_acgt

    Xf = random_one_hot(n_half, L, seed).numpy()
    X = np.concatenate([Xf, Xf[:, ::-1, ::-1]])
    rng = np.random.default_rng(seed)
    yf = (rng.random((n_half, T)) < 0.3).astype(np.uint8)
    yf[:, 0] = 0
    scipy.io.savemat(path, {"testxdata": agct_from_acgt(X, axis=1).astype(np.uint8),
                            "testdata": np.concatenate([yf, yf])})


def test_cli_evaluate_919(tmp_path):
    pytest.importorskip("matplotlib")
    from motifscope.cli import main

    run = _make_run(tmp_path, 919)
    data = tmp_path / "test.mat"
    _write_test_mat(data, 30, 919)
    out = tmp_path / "ev"
    assert main(["evaluate", str(run), "--data", str(data), "--out", str(out),
                 "--n", "40", "--device", "cpu"]) == 0
    s = json.loads((out / "summary.json").read_text())
    assert s["strand_average"] == "halves" and s["n"] == 40 and 0 in s["skipped"]
    assert set(s["published"]) == {"deepsea", "danq", "danqjaspar"}
    import pandas as pd

    comp = pd.read_csv(out / "comparison.csv")
    assert len(comp) == 919 and "danq_auroc" in comp.columns
    assert comp.danq_auroc[0] == pytest.approx(0.9132489837, abs=1e-6)
    assert (out / "comparison.png").stat().st_size > 1000
    # the report shows the comparison next to the run's metrics
    import json as _json

    sec = _json.loads((out / "section.json").read_text())
    assert any(b.get("path") == "comparison.png" for b in sec["blocks"])


def test_cli_evaluate_default_out_and_errors(tmp_path, capsys):
    from motifscope.cli import main

    run = _make_run(tmp_path, 3)
    data = tmp_path / "test.mat"
    _write_test_mat(data, 10, 3)
    assert main(["evaluate", str(run), "--data", str(data), "--device", "cpu"]) == 0
    assert (run / "analyses" / "evaluate" / "per_target.csv").is_file()
    assert not (run / "analyses" / "evaluate" / "comparison.csv").exists()
    assert main(["evaluate", str(tmp_path / "nope"), "--data", str(data)]) == 2
    assert "not a directory" in capsys.readouterr().err


def test_labels_for_another_model_are_refused(tmp_path):
    """13 label columns against 919 outputs used to be scored label t against output t."""
    from motifscope import zoo

    model = zoo.build("deepsea_demo", seq_len=60, n_targets=5).eval()
    X = torch.zeros(4, 4, 60)
    X[:, 0] = 1
    with pytest.raises(InputError, match="labels have 3 targets and the model 5 outputs"):
        evaluate(model, X, np.zeros((4, 3)), strand_average="none")

    class Plain(nn.Module):  # no n_targets: the width of its output decides
        def forward(self, x):
            return x.mean(-1)[:, :2]

    with pytest.raises(InputError, match="labels have 3 targets and the model 2 outputs"):
        evaluate(Plain(), X, np.zeros((4, 3)), strand_average="none")
