"""``motifscope VERB --help`` is readable: the summary paragraph and the options, never the
run-together numpydoc ``Parameters ----------`` block of the command function."""

from __future__ import annotations

import pytest

from motifscope.cli import main
from motifscope.cli.app import help_summary


def _verbs() -> list[list[str]]:
    from motifscope.cli import load_all
    from motifscope.cli.app import app

    load_all()
    out = [[c.name or c.callback.__name__.replace("_", "-")] for c in app.registered_commands]
    for g in app.registered_groups:
        gname = g.name or g.typer_instance.info.name
        out += [[gname, c.name or c.callback.__name__.replace("_", "-")]
                for c in g.typer_instance.registered_commands]
    return out


VERBS = _verbs()


def test_help_summary_cuts_numpydoc_sections():
    doc = """Do a thing.

    Second paragraph.

    Parameters
    ----------
    x : int
        The x.
    """
    assert help_summary(doc) == "Do a thing.\n\nSecond paragraph."
    assert help_summary(None) == ""
    assert help_summary("One line only.") == "One line only."


@pytest.mark.parametrize("verb", VERBS, ids=[" ".join(v) for v in VERBS])
def test_verb_help_is_readable(verb, capsys):
    assert main([*verb, "--help"]) == 0
    out = capsys.readouterr().out
    assert "----" not in out, f"{' '.join(verb)} --help shows a numpydoc underline"
    assert "Parameters" not in out
    assert "Usage: motifscope" in out and "--help" in out
    summary = out.split("\n\n")[1].strip()
    assert summary and not summary.startswith(("Options", "Arguments")), out[:300]
