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
