"""The analysis layer: one interface for every analysis, and scores against a planted truth.

A hand-built model whose only kernel is the log-odds matrix of a planted motif must be found
by every score (kernel recovery 1/1, attribution and temporal scores high); the same model
with a kernel for a motif that is *not* in the data must not.
"""

from __future__ import annotations

import importlib
import json

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn
from toy_models import SmallDanQ, SmallDeepSEA

from motifscope import analysis
from motifscope.core.motifs import Motif
from motifscope.truth.scores import PlantedTruth, score

L, W, N = 60, 8, 240


def _ppm(consensus, p=0.97):
    P = np.full((4, len(consensus)), (1 - p) / 3)
    for j, c in enumerate(consensus):
        P["ACGT".index(c), j] = p
    return P


PLANTED = Motif(name="MA_TEST.1", alt_name="TESTF", ppm=_ppm("ACGTTGCA"))
ABSENT = Motif(name="MA_ABSENT.1", alt_name="OTHER", ppm=_ppm("GGGACCCT"))


class MotifScanner(nn.Sequential):
    """Conv1d(4→1) holding a motif's log-odds → global max → logit."""

    def __init__(self, motif: Motif):
        conv = nn.Conv1d(4, 1, W)
        with torch.no_grad():
            conv.weight.copy_(torch.tensor(np.log(motif.ppm / 0.25), dtype=torch.float32)[None])
            conv.bias.fill_(-6.0)
        super().__init__(conv, nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(1, 1))
        with torch.no_grad():
            self[-1].weight.fill_(1.0)
            self[-1].bias.fill_(-2.0)
        self.seq_len, self.n_targets = L, 1


@pytest.fixture(scope="module")
def planted_data():
    """N random sequences; the first half hold one planted instance of PLANTED."""
    return make_planted_data()


def make_planted_data():
    """``(X, y, truth)``: the data of the :func:`planted_data` fixture (other modules reuse it)."""
    rng = np.random.default_rng(0)
    idx = rng.integers(0, 4, (N, L))
    rows = []
    for r in range(N // 2):
        s = int(rng.integers(0, L - W))
        idx[r, s:s + W] = ["ACGT".index(c) for c in "ACGTTGCA"]
        rows.append({"seq": r, "start": s, "end": s + W, "motif": PLANTED.name, "tasks": "0"})
    X = torch.nn.functional.one_hot(torch.as_tensor(idx), 4).permute(0, 2, 1).float()
    y = np.zeros((N, 1), dtype=np.float32)
    y[: N // 2] = 1
    tasks = pd.DataFrame({"task": [0], "name": ["TESTF"], "kind": ["presence"],
                          "motifs": [PLANTED.name]})
    return X, y, PlantedTruth(tasks, pd.DataFrame(rows), [PLANTED])


def _ctx(tmp_path, model, X, y, **kw):
    return analysis.Context(tmp_path, model, X, y, targets=[0], target_names=["TESTF"],
                            motif_db=[PLANTED, ABSENT], quick=True, device="cpu", **kw)


def test_every_analysis_has_the_interface():
    for name in analysis.ANALYSES:
        mod = importlib.import_module(f"motifscope.analysis.{name}")
        assert mod.NAME == name and isinstance(mod.TITLE, str) and isinstance(mod.ORDER, int)
        assert callable(mod.applies) and callable(mod.run)
        assert "Files" in mod.__doc__ and "Result.data" in mod.__doc__  # what it writes, returns


def test_applies_by_structure_not_by_name():
    cnn, danq = SmallDeepSEA(length=100), SmallDanQ()
    assert analysis.applicable(cnn) == ["evaluate", "kernels", "influence", "attribution",
                                        "seqlets", "temporal", "optimize", "neuronmotif"]
    assert "neuronmotif" not in analysis.applicable(danq)  # one conv layer before the LSTM
    assert "similarity" not in analysis.applicable(danq)
    with pytest.raises(Exception, match="expected one of"):
        analysis.get("nosuch")


@pytest.mark.parametrize("name", ["evaluate", "kernels", "influence", "attribution", "seqlets",
                                  "temporal", "optimize"])
def test_each_analysis_writes_what_it_says(planted_data, tmp_path, name):
    X, y, _ = planted_data
    res = analysis.run(name, _ctx(tmp_path, MotifScanner(PLANTED), X, y))
    assert res.name == name and res.directory == tmp_path / "analyses" / name
    assert res.files and all(p.is_file() for p in res.files)
    section = json.loads((res.directory / "section.json").read_text())
    assert section["title"] and section["blocks"]
    for b in section["blocks"]:  # every file a block names exists
        for rel in [b.get("path")] + b.get("paths", []) + [i["image"] for i in b.get("items", [])]:
            assert rel is None or (res.directory / rel).is_file(), (name, rel)
    leftovers = [p for p in res.directory.rglob(".*") if p.is_file()]
    assert leftovers == []


def test_scores_find_the_planted_motif(planted_data, tmp_path):
    X, y, truth = planted_data
    ctx = _ctx(tmp_path, MotifScanner(PLANTED), X, y)
    ev, _ = score(analysis.run("evaluate", ctx), truth, ctx)
    assert ev["test AUROC, presence tasks"] > 0.99
    assert ev["oracle AUROC, presence tasks"] > 0.99
    kern, hits = score(analysis.run("kernels", ctx), truth, ctx)
    assert kern["planted motifs found by kernels"] == "1/1"
    assert set(hits["target"]) == {PLANTED.name}
    res = analysis.run("attribution", ctx)
    att, table = score(res, truth, ctx)
    from motifscope.analysis.attribution import DEFAULT_METHODS, attribution_maps

    for t in res.data["targets"]:  # ISM run once over the union of rows = per target
        rows, got = res.data["maps"][("ism", t)]
        np.testing.assert_allclose(got, attribution_maps(ctx.model, ctx.X[rows], method="ism",
                                                         target=t), rtol=1e-5, atol=1e-6)

    assert set(table["method"]) == set(DEFAULT_METHODS)
    # saliency and gradient x input are one score at the observed base, with or without the
    # gradient correction: the table shows both equal, the scorecard keeps one row of each
    from motifscope.truth.scores import SAME_AT_OBSERVED_BASE

    for same, kept in SAME_AT_OBSERVED_BASE.items():
        a = table[table.method == same].set_index("task")
        b = table[table.method == kept].set_index("task")
        for col in ("auroc", "auroc_per_sequence", "aupr_per_sequence", "snr_topk"):
            np.testing.assert_allclose(a[col], b[col], rtol=1e-6, err_msg=(same, col))
        assert not any(k.endswith(f", {same}") for k in att) and f"attribution AUROC, {kept}" in att
    assert att["attribution AUROC, gradient_x_input"] > 0.95
    assert att["attribution AUROC, ism"] > 0.95
    assert att["attribution per-seq AUROC, gradient_x_input+gc"] > 0.95
    assert att["attribution SNR (top-10 noise), deeplift_shap"] > 1
    seq, found = score(analysis.run("seqlets", ctx), truth, ctx)
    assert seq["planted motifs recovered by seqlets"] == "1/1" and found.iloc[0, -1]
    assert seq["seqlet precision"] > 0.9 and seq["seqlet recall"] > 0.9
    tmp, _ = score(analysis.run("temporal", ctx), truth, ctx)
    assert tmp["temporal: rise inside motif"] > 0.8


def test_scores_do_not_find_an_absent_motif(planted_data, tmp_path):
    X, y, truth = planted_data
    ctx = _ctx(tmp_path, MotifScanner(ABSENT), X, y)
    ev, _ = score(analysis.run("evaluate", ctx), truth, ctx)
    assert ev["test AUROC, presence tasks"] < 0.7
    assert ev["oracle AUROC, presence tasks"] > 0.99  # the truth itself is unchanged
    kern, _ = score(analysis.run("kernels", ctx), truth, ctx)
    assert kern["planted motifs found by kernels"] == "0/1"
    att, _ = score(analysis.run("attribution", ctx), truth, ctx)
    assert att["attribution AUROC, gradient_x_input"] < 0.8
    seq, _ = score(analysis.run("seqlets", ctx), truth, ctx)
    assert seq["planted motifs recovered by seqlets"] == "0/1"


def test_result_add_blocks_rewrites_the_section(planted_data, tmp_path):
    from motifscope.report.blocks import Metrics

    X, y, _ = planted_data
    res = analysis.run("evaluate", _ctx(tmp_path, MotifScanner(PLANTED), X, y))
    n = len(res.section["blocks"])
    res.add_blocks([Metrics({"planted": 1.0}, title="Against the truth")], summary="scored")
    section = json.loads((res.directory / "section.json").read_text())
    assert len(section["blocks"]) == n + 1 and section["summary"] == "scored"
    assert section["blocks"][-1] == {"type": "metrics", "title": "Against the truth",
                                     "data": {"planted": 1.0}}


def test_context_checks_targets(planted_data, tmp_path):
    X, y, _ = planted_data
    ctx = analysis.Context(tmp_path, MotifScanner(PLANTED), X, y, targets=[3])
    with pytest.raises(Exception, match=r"targets \[3\]: expected indices 0..0"):
        ctx.chosen_targets()


def test_shared_attribution_passes_equal_the_separate_runs():
    """method_maps derives the +gc and gradient x input maps from one gradient and one
    integration; every map must equal attribution_maps run on its own."""
    from motifscope.analysis.attribution import DEFAULT_METHODS, attribution_maps, method_maps

    torch.manual_seed(0)
    model = SmallDeepSEA(n_targets=3).eval()
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (5, 100)), 4).permute(0, 2, 1).float()
    shared = method_maps(model, X, DEFAULT_METHODS, target=1, ig_steps=8, shuffles=3)
    assert list(shared) == list(DEFAULT_METHODS)
    for m in DEFAULT_METHODS:
        alone = attribution_maps(model, X, method=m, target=1, ig_steps=8, shuffles=3)
        np.testing.assert_allclose(shared[m], alone, rtol=1e-4, atol=1e-6, err_msg=m)
    assert not np.allclose(shared["saliency"], shared["saliency+gc"])


def test_every_applicable_analysis_runs_on_the_default_model(planted_data, tmp_path):
    """``motifscope train``'s default CNN: each analysis that applies to it runs and writes
    its section, so a user's default run can be explained."""
    from motifscope import zoo

    X, y, _ = planted_data
    torch.manual_seed(0)
    model = zoo.build(zoo.DEFAULT_MODEL, seq_len=L, n_targets=1, width=0.1).eval()
    names = analysis.applicable(model)
    assert {"kernels", "attribution", "seqlets", "temporal", "optimize"} <= set(names)
    for name in names:
        res = analysis.run(name, _ctx(tmp_path / name, model, X, y))
        assert (res.directory / "section.json").is_file(), name
