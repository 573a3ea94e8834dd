"""The scorecard people read and the headline pictures of a run (analysis.scorecard, .showcase)."""

import math

import numpy as np
import pandas as pd
import pytest

from motifscope.core.motifs import Motif
from motifscope.demo.scorecard import as_number, format_scorecard, scorecard_view


def test_as_number():
    assert as_number("11/12") == pytest.approx(11 / 12)
    assert as_number(0.5) == 0.5
    assert math.isnan(as_number("n/a")) and math.isnan(as_number(None))
    assert math.isnan(as_number("3/0"))


def test_view_rounds_folds_oracle_and_marks_shortfalls():
    card = {"cnn": {"test AUROC, presence tasks": 0.96123456, "oracle AUROC, presence tasks": 0.99251,
                    "planted motifs found by kernels": "10/12", "temporal: rise inside motif": 1.0,
                    "kernel recovery share": 0.8333333},
            "rnn": {"test AUROC, presence tasks": 0.9412, "oracle AUROC, presence tasks": 0.99251,
                    "planted motifs found by kernels": "12/12"}}
    df = scorecard_view(card)
    assert "oracle AUROC, presence tasks" not in df.index
    assert df.loc["test AUROC, presence tasks", "cnn"] == "0.961 (oracle 0.993)"
    assert df.loc["test AUROC, presence tasks", "rnn"] == "0.941 (oracle 0.993) ✗"
    assert df.loc["planted motifs found by kernels", "cnn"] == "10/12 ✗"
    assert df.loc["planted motifs found by kernels", "rnn"] == "12/12"
    assert df.loc["temporal: rise inside motif", "cnn"] == "1"  # at the floor: not short
    assert df.loc["temporal: rise inside motif", "rnn"] == ""  # not scored
    assert df.loc["kernel recovery share", "floor"] == ""
    text = format_scorecard(card)
    lines = text.splitlines()
    assert "2 score(s) below their floor" in lines[-1]
    assert len({len(ln) for ln in lines[:-1] if ln.strip()}) <= 2  # aligned columns
    assert "0.96123456" not in text


def _ppm(seq):
    idx = ["ACGT".index(c) for c in seq]
    p = np.full((4, len(seq)), 0.02)
    p[idx, np.arange(len(seq))] = 0.94
    return p


def test_planted_matches_figure_aligns_reverse_matches():
    from motifscope.demo.showcase import planted_matches_figure

    planted = [Motif("P1", _ppm("GATAAG"), alt_name="GATA"), Motif("P2", _ppm("CACGTG"))]
    kernels = [Motif("k0", _ppm("CTTATC")), Motif("k1", _ppm("TTTTTT"))]  # k0 = rc(GATAAG)
    hits = pd.DataFrame({"query": ["k0"], "target": ["P1"], "orientation": ["-"],
                         "q_value": [1e-4]})
    fig = planted_matches_figure(planted, kernels, hits)
    axes = np.array(fig.axes).reshape(2, 2)
    assert axes[0, 0].get_title() == "GATA"
    assert axes[0, 1].get_title().startswith("k0")
    # the drawn kernel is the reverse complement: its tallest letter at position 0 is G
    first = [p.get_gid() for p in axes[0, 1].patches if p.get_gid().endswith(":0")]
    assert first and all(g.startswith("G") for g in first[-1:])
    assert any(t.get_text() == "no match" for t in axes[1, 1].texts)


def test_attribution_track_shades_the_planted_instances():
    from motifscope.demo.showcase import attribution_track_figure

    x = np.eye(4)[:, np.arange(40) % 4]
    fig = attribution_track_figure(np.ones((4, 40)), x, [(5, 11), (20, 26)])
    ax = fig.axes[0]
    spans = sorted((round(p.get_x() + 0.5), round(p.get_width())) for p in ax.patches
                   if hasattr(p, "get_x"))
    assert spans == [(5, 6), (20, 6)]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["planted instance"]
