"""The command line: help for every verb, one-line errors with exit status 2."""

import subprocess
import sys

import pytest

from motifscope.cli import load_all, main
from motifscope.cli.app import app


def _verbs():
    load_all()
    verbs = [c.name or c.callback.__name__ for c in app.registered_commands]
    groups = [g.name for g in app.registered_groups]
    return verbs + groups


def test_top_level_help(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    assert "Usage" in out and "motifscope" in out


@pytest.mark.parametrize("verb", _verbs())
def test_every_verb_has_help(verb, capsys):
    assert main([verb, "--help"]) == 0
    assert "Usage" in capsys.readouterr().out


def test_unknown_verb_exits_2(capsys):
    assert main(["no-such-verb"]) == 2
    assert "no-such-verb" in capsys.readouterr().err


def test_console_script_runs():
    r = subprocess.run(
        [sys.executable, "-m", "motifscope", "--help"], capture_output=True, text=True, timeout=120
    )
    assert r.returncode == 0 and "Usage" in r.stdout
