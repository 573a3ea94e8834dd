"""The influence analysis and its score on hand-built two-kernel motif scanners."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from test_analysis import ABSENT, PLANTED, W, _ctx, make_planted_data
from torch import nn

from motifscope import analysis
from motifscope.truth.scores import score


@pytest.fixture(scope="module")
def data():
    """test_analysis' planted data: half the sequences hold one instance of PLANTED."""
    return make_planted_data()


class TwoKernelScanner(nn.Sequential):
    """Kernels PLANTED and ABSENT (log-odds, bias −6) → ReLU → global max → Linear(2→1)."""

    def __init__(self, weights):
        conv = nn.Conv1d(4, 2, W)
        with torch.no_grad():
            for k, m in enumerate((PLANTED, ABSENT)):
                conv.weight[k] = torch.tensor(np.log(m.ppm / 0.25), dtype=torch.float32)
            conv.bias.fill_(-6.0)
        super().__init__(conv, nn.ReLU(), nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(2, 1))
        with torch.no_grad():
            self[-1].weight.copy_(torch.tensor([weights]))
            self[-1].bias.fill_(-2.0)
        self.seq_len, self.n_targets = 60, 1


def test_the_planted_kernel_is_the_most_influential(data, tmp_path):
    X, y, truth = data
    ctx = _ctx(tmp_path, TwoKernelScanner([1.0, 1.0]), X, y)
    res = analysis.run("influence", ctx)
    inf = res.data["result"].influence
    assert inf[0, 0] > 0.1 and inf[0, 0] > 10 * abs(inf[1, 0])
    table = res.data["table"]
    assert list(table["filter"]) == ["M0", "M1"] and list(table.columns) == ["filter", "TESTF"]
    imp = res.data["importance"]
    assert imp.iloc[0, 1] > imp.iloc[1, 1]  # layer DeepLIFT agrees
    sc, df = score(res, truth, ctx)
    assert sc["most influential kernel = planted motif (q < 0.05)"] == "1/1"
    assert df["kernel"].tolist() == ["M0"] and df["q_value"].iloc[0] < 0.05
    assert "random-model control (q < 0.05)" in sc
    section = json.loads((res.directory / "section.json").read_text())
    kinds = [b["type"] for b in section["blocks"]]
    assert "plotly" in kinds and kinds.count("gallery") >= 2
    assert (res.directory / "influence.tsv").read_text().startswith("filter\tTESTF\nM0\t")
    from motifscope.report import render_report

    page = render_report(tmp_path)  # the section renders (plotly heatmap, galleries)
    html = "".join(p.read_text() for p in page.parent.rglob("*.html"))
    assert "Kernel influence" in html and "M0" in html


def test_a_kernel_that_lowers_the_target_is_not_chosen(data, tmp_path):
    X, y, truth = data
    ctx = _ctx(tmp_path, TwoKernelScanner([-1.0, 1.0]), X, y)
    res = analysis.run("influence", ctx)
    assert res.data["result"].influence[0, 0] < 0
    sc, df = score(res, truth, ctx)
    assert sc["most influential kernel = planted motif (q < 0.05)"] == "0/1"
    assert df["kernel"].tolist() == ["M1"]


def test_clustered_heatmap_groups_similar_rows():
    from motifscope.analysis.influence import clustered_order, influence_heatmap

    M = np.array([[1.0, 0.0, 1.0], [0.0, 1.0, 0.0], [0.9, 0.1, 1.0], [0.1, 0.9, 0.0]])
    order = list(clustered_order(M))
    assert sorted(order) == [0, 1, 2, 3]
    pos = {r: order.index(r) for r in order}
    assert abs(pos[0] - pos[2]) == 1 and abs(pos[1] - pos[3]) == 1  # look-alike rows adjacent
    fig = influence_heatmap(M, list("abcd"), list("xyz"), value="Σ|score|")
    hm = fig.data[0]
    assert sorted(hm.y) == list("abcd") and hm.colorbar.title.text == "Σ|score|"
    assert float(np.abs(np.asarray(hm.z)).max()) == 1.0


def test_clustered_order_one_target_and_constant_rows():
    """One target column (no correlation defined) orders rows by value; constant rows
    among others do not break the clustering (they used to raise in scipy)."""
    from motifscope.analysis.influence import clustered_order

    assert list(clustered_order(np.array([[0.1], [0.5], [-0.2], [0.3]]))) == [1, 3, 0, 2]
    M = np.array([[1.0, 0.0, 1.0], [0.0, 0.0, 0.0], [0.9, 0.1, 1.0], [2.0, 2.0, 2.0]])
    order = list(clustered_order(M))
    assert sorted(order) == [0, 1, 2, 3] and abs(order.index(0) - order.index(2)) == 1
