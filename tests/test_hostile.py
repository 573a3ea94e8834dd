"""Hostile and malformed inputs (issue 16): a run directory never runs code, and no bad file
or argument ends in a traceback or a silent wrong answer.

Every case asserts the exit status (2 for bad input), that standard error is ONE line of the
form ``motifscope: error: ...`` and that it names the file or option at fault. Sections
follow the issue: code execution, report paths, tracebacks by reader, silent acceptance,
messages.
"""

from __future__ import annotations

import json
import sys

import numpy as np
import pytest
import torch

from motifscope.cli import main
from motifscope.errors import RunDirError
from motifscope.rundir import (
    MODEL_FILE,
    atomic_torch_save,
    init_run_dir,
    load_run,
    trusting_code,
    write_config,
)

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _deepsea_files as files  # noqa: E402

OVER = {"seq_len": 60, "n_targets": 3, "width": 0.25}


def cli(args, capsys, rc=2, names=None):
    """Run the CLI; assert the exit status and a one-line error naming ``names``."""
    capsys.readouterr()
    got = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert got == rc, err
    if rc == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1, err
        assert lines[0].startswith("motifscope: error: "), err
        assert "Traceback" not in err
        for name in [names] if isinstance(names, str) else names or []:
            assert str(name) in lines[0], (name, lines[0])
    return err


@pytest.fixture(scope="module")
def zoo_run(tmp_path_factory):
    from motifscope import zoo

    torch.manual_seed(0)
    m = zoo.build("deepsea_demo", **OVER)
    run = init_run_dir(tmp_path_factory.mktemp("hostile") / "run")
    write_config(run, {"model": {"name": "deepsea_demo", "overrides": OVER}})
    atomic_torch_save(m.state_dict(), run / MODEL_FILE)
    return run


@pytest.fixture(scope="module")
def mat(tmp_path_factory):
    X, y = files.random_split(8, 60, 3, seed=1)
    return files.write_v5(tmp_path_factory.mktemp("mat") / "test.mat", X, y, split="test")


# ============================================================ 1. code execution
EVIL = '''
import pathlib
pathlib.Path({marker!r}, "imported").touch()

def make(**kw):
    pathlib.Path({marker!r}, "called").touch()
    import torch
    return torch.nn.Conv1d(4, 2, 3)
'''


@pytest.fixture
def evil_run(tmp_path, monkeypatch):
    """A run whose config.toml names a factory in a module that leaves marker files."""
    marker = tmp_path / "markers"
    marker.mkdir()
    mod = tmp_path / "mods"
    mod.mkdir()
    (mod / "evil_factory_mod.py").write_text(EVIL.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(mod))
    monkeypatch.delitem(sys.modules, "evil_factory_mod", raising=False)
    run = init_run_dir(tmp_path / "run")
    write_config(run, {"model": {"factory": "evil_factory_mod:make", "kwargs": {}}})
    atomic_torch_save(torch.nn.Conv1d(4, 2, 3).state_dict(), run / MODEL_FILE)
    return run, marker


def test_load_run_refuses_factory_and_runs_nothing(evil_run):
    run, marker = evil_run
    with pytest.raises(RunDirError, match=r"config.toml: \[model\] factory.*trust_code=True"):
        load_run(run)
    assert not any(marker.iterdir()), "code named by the run directory ran"
    assert "evil_factory_mod" not in sys.modules


def test_load_run_factory_opt_in(evil_run):
    run, marker = evil_run
    assert isinstance(load_run(run, trust_code=True).model, torch.nn.Conv1d)
    assert (marker / "called").exists()
    with trusting_code():
        load_run(run)


VERBS_ON_RUN = [
    ["kernels", "{run}", "--data", "{mat}", "--method", "weights"],
    ["predict", "{run}", "--data", "{mat}", "--out", "{tmp}/p.tsv"],
    ["evaluate", "{run}", "--data", "{mat}"],
    ["temporal", "{run}", "--data", "{mat}", "--target", "0"],
    ["optimize", "{run}", "--target", "0", "--steps", "1"],
    ["similarity", "{run}"],
    ["decouple", "{run}", "--layer", "1", "--db", "none"],
]


@pytest.mark.parametrize("verb", VERBS_ON_RUN, ids=[v[0] for v in VERBS_ON_RUN])
def test_verbs_refuse_factory(verb, evil_run, mat, tmp_path, capsys):
    run, marker = evil_run
    args = [a.format(run=run, mat=mat, tmp=tmp_path) for a in verb]
    err = cli(args, capsys, names=["config.toml", "factory", "--trust-code"])
    assert not any(marker.iterdir()), err


# ============================================================ 2. the report stays inside the run
def _section_run(tmp_path, blocks, **files_):
    run = init_run_dir(tmp_path / "run")
    d = run / "analyses" / "a"
    d.mkdir(parents=True)
    for name, data in files_.items():
        (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    (d / "section.json").write_text(json.dumps({"title": "A", "blocks": blocks}))
    return run


OUTSIDE = [
    {"type": "files", "paths": ["/etc/passwd"]},
    {"type": "table", "path": "../../../x.csv"},
    {"type": "image", "path": "../../../x.csv"},
    {"type": "link", "path": "x.html", "copy_dir": "../../.."},
    {"type": "plotly", "path": "/etc/hostname"},
    {"type": "gallery", "items": [{"image": "/etc/passwd"}]},
]


@pytest.mark.parametrize("block", OUTSIDE, ids=[b["type"] for b in OUTSIDE])
def test_report_refuses_paths_outside_run(block, tmp_path, capsys):
    (tmp_path / "x.csv").write_text("secret,1\n")
    run = _section_run(tmp_path, [block], **{"x.html": "<p>x</p>"})
    cli(["report", run, "--out", tmp_path / "site"], capsys,
        names=["section.json", "outside the run directory"])
    published = [p.name for p in (tmp_path / "site").rglob("*") if p.is_file()]
    assert "passwd" not in published and "x.csv" not in published


def test_report_refuses_symlink_out_of_run(tmp_path, capsys):
    (tmp_path / "secret.txt").write_text("secret")
    run = _section_run(tmp_path, [{"type": "files", "paths": ["link.txt"]}])
    (run / "analyses" / "a" / "link.txt").symlink_to(tmp_path / "secret.txt")
    cli(["report", run, "--out", tmp_path / "site"], capsys, names="link.txt")


def test_report_embeds_json_safely(tmp_path, capsys):
    evil = json.dumps({"data": [], "layout": {"title": {"text": "<!--<script>alert(1)</script>"}}})
    run = _section_run(tmp_path, [{"type": "plotly", "path": "p.json"}], **{"p.json": evil})
    cli(["report", run, "--out", tmp_path / "site"], capsys, rc=0)
    page = (tmp_path / "site" / "a.html").read_text()
    body = page.split('data-plot="plot-a-0">', 1)[1].split("</script>", 1)[0]
    assert "<" not in body and json.loads(body)["layout"]["title"]["text"].startswith("<!--<script")


BAD_RUN_FILES = {
    "metrics not utf-8": ("metrics.json", b'{"a": "\xff\xfe"}'),
    "metrics a list": ("metrics.json", b"[1, 2]"),
    "metrics invalid": ("metrics.json", b"{nope"),
    "history not utf-8": ("history.csv", b"epoch,train_loss\n1,\xff\xfe\n"),
    "history no epoch": ("history.csv", b"a,b\n1,2\n"),
    "history ragged": ("history.csv", b'epoch,train_loss\n1,"2\n'),
    "history text loss": ("history.csv", b"epoch,train_loss\n1,abc\n"),
    "config not utf-8": ("config.toml", b'[model]\nname = "\xff"\n'),
    "section not utf-8": ("analyses/a/section.json", b'{"title": "\xff"}'),
    "section a list": ("analyses/a/section.json", b"[]"),
    "section title int": ("analyses/a/section.json", b'{"title": 3, "blocks": []}'),
    "section order text": ("analyses/a/section.json", b'{"order": "x", "blocks": []}'),
    "section blocks dict": ("analyses/a/section.json", b'{"blocks": {}}'),
    "block a string": ("analyses/a/section.json", b'{"blocks": ["x"]}'),
    "block unknown type": ("analyses/a/section.json", b'{"blocks": [{"type": "evil"}]}'),
    "block path int": ("analyses/a/section.json", b'{"blocks": [{"type": "table", "path": 3}]}'),
    "block max_rows text": ("analyses/a/section.json",
                            b'{"blocks": [{"type": "table", "path": "t.csv", "max_rows": "x"}]}'),
    "block data list": ("analyses/a/section.json", b'{"blocks": [{"type": "metrics", "data": [1]}]}'),
    "table not utf-8": ("analyses/a/t.csv", b"a,b\n\xff,2\n"),
    "plotly not json": ("analyses/a/p.json", b"{nope"),
    "plotly not utf-8": ("analyses/a/p.json", b'{"a": "\xff"}'),
}


@pytest.mark.parametrize("case", BAD_RUN_FILES, ids=list(BAD_RUN_FILES))
def test_report_bad_run_files(case, tmp_path, capsys):
    rel, data = BAD_RUN_FILES[case]
    run = _section_run(tmp_path, [{"type": "table", "path": "t.csv"},
                                  {"type": "plotly", "path": "p.json"}],
                       **{"t.csv": "a,b\n1,2\n", "p.json": "{}"})
    (run / rel).write_bytes(data)
    cli(["report", run, "--out", tmp_path / "site"], capsys, names=rel.rsplit("/", 1)[-1])
