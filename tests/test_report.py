"""The static report: sections, escaping, offline plotly, missing parts."""

import json
from html.parser import HTMLParser
from pathlib import Path

import pytest

from motifscope.core.errors import RunDirError
from motifscope.report import render_index, render_report, write_section


class _Links(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for key in ("src", "href"):
            if a.get(key):
                self.refs.append(a[key])


def _refs(page: Path):
    p = _Links()
    p.feed(page.read_text())
    return p.refs


@pytest.fixture
def run(tmp_path):
    import plotly.graph_objects as go

    r = tmp_path / "run"
    k = r / "analyses" / "kernels"
    k.mkdir(parents=True)
    (k / "matches.tsv").write_text("query\ttarget_name\tq\nM0\t<script>alert(1)</script>\t0.001\n")
    (k / "logo.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    (k / "fig.json").write_text(go.Figure(go.Heatmap(z=[[1, 2], [3, 4]])).to_json())
    sub = k / "gallery"
    sub.mkdir()
    (sub / "index.html").write_text('<img src="a.png">')
    (sub / "a.png").write_bytes(b"\x89PNG\r\n\x1a\n")
    write_section(k, title="Kernels & <motifs>", order=30, summary="1 match", blocks=[
        {"type": "text", "text": "para one\n\npara <b>two</b>"},
        {"type": "metrics", "data": {"matched": 1, "share": 0.123456}},
        {"type": "table", "path": "matches.tsv"},
        {"type": "image", "path": "logo.png", "caption": "a logo"},
        {"type": "gallery", "items": [{"image": "logo.png", "caption": "M0", "subtitle": "<i>x</i>"}]},
        {"type": "plotly", "path": "fig.json"},
        {"type": "link", "path": "gallery/index.html", "copy_dir": "gallery", "text": "gallery"},
        {"type": "image", "path": "missing.png"},
    ])
    (r / "config.toml").write_text('[model]\nname = "deepsea_demo"\n')
    (r / "metrics.json").write_text(json.dumps({"best_epoch": 3, "test": {"av_auroc": 0.9}}))
    (r / "history.csv").write_text("epoch,train_loss,valid_loss\n1,0.6,0.65\n2,0.5,0.55\n")
    return r


def test_report_pages_links_and_escaping(run):
    index = render_report(run)
    site = index.parent
    page = site / "kernels.html"
    assert page.exists()
    html = page.read_text()
    # names from files are escaped, never live markup
    assert "<script>alert(1)</script>" not in html and "&lt;script&gt;" in html
    assert "Kernels &amp; &lt;motifs&gt;" in html and "<i>x</i>" not in html
    assert "para <b>two</b>" not in html
    # every local link resolves, plotly is bundled (no CDN)
    for p in (index, page):
        for ref in _refs(p):
            assert not ref.startswith("http"), ref
            assert (site / ref).exists(), ref
    assert (site / "assets" / "plotly.min.js").stat().st_size > 1_000_000
    assert 'data-plot="plot-kernels-5"' in html
    # the copied gallery keeps its relative image link
    gal = [r for r in _refs(page) if "gallery/index.html" in r][0]
    assert (site / gal).parent.joinpath("a.png").exists()
    # a missing file is reported, not a broken image
    assert "missing.png" in html and "Missing from the run directory" in html
    idx = index.read_text()
    assert "deepsea_demo" in idx and "best_epoch" in idx and "plot-history" in idx


def test_plotly_json_cannot_close_the_script_tag(tmp_path):
    r = tmp_path / "run"
    d = r / "analyses" / "x"
    d.mkdir(parents=True)
    (d / "f.json").write_text(json.dumps({"data": [], "layout": {"title": {"text": "</script><b>"}}}))
    write_section(d, title="x", blocks=[{"type": "plotly", "path": "f.json"}])
    html = (render_report(r).parent / "x.html").read_text()
    assert "</script><b>" not in html and "\\u003c/script\\u003e" in html


def test_run_without_analyses_and_bad_inputs(tmp_path):
    r = tmp_path / "bare"
    r.mkdir()
    index = render_report(r, tmp_path / "site")
    assert index.exists() and "No config.toml" in index.read_text()
    with pytest.raises(RunDirError):
        render_report(tmp_path / "nope")
    d = r / "analyses" / "bad"
    d.mkdir(parents=True)
    (d / "section.json").write_text("{not json")
    with pytest.raises(RunDirError, match="section.json"):
        render_report(r)
    with pytest.raises(ValueError, match="block 0"):
        write_section(d, title="t", blocks=[{"type": "video"}])


def test_landing_page(tmp_path):
    (tmp_path / "score.tsv").write_text("score\tm\nauroc\t0.97\n")
    index = render_index([{"title": "m <1>", "href": "runs/m/report/index.html",
                           "metrics": {"auroc": 0.97}}], tmp_path,
                         blocks=[{"type": "table", "path": "score.tsv"}])
    html = index.read_text()
    assert "m &lt;1&gt;" in html and "0.97" in html
