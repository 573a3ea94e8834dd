"""The documentation site builds cleanly and documents every command-line verb.

- ``mkdocs build --strict`` (what CI runs) must pass: no broken links, no griffe warnings
  about docstrings. Skipped when mkdocs (the ``docs`` extra) is not installed.
- Every verb registered on ``motifscope.cli.app`` has a page: ``docs/cli/<verb>.md``,
  and ``docs/cli/<group>-<verb>.md`` for the verbs of a group (``motifscope data pack`` →
  ``docs/cli/data-pack.md``). The page is in the site's navigation and names the verb.
- Every API page points at a module that exists.
- Every verb's page shows the verb's real ``--help`` (``tools/cli_help_docs.py`` writes it).
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs"


def _verbs() -> list[tuple[str, str]]:
    """``(command line words, page stem)`` of every registered verb."""
    from motifscope.cli import load_all
    from motifscope.cli.app import app

    load_all()
    out = []
    for cmd in app.registered_commands:
        name = cmd.name or cmd.callback.__name__.replace("_", "-")
        out.append((name, name))
    for group in app.registered_groups:
        gname = group.name or group.typer_instance.info.name
        for cmd in group.typer_instance.registered_commands:
            name = cmd.name or cmd.callback.__name__.replace("_", "-")
            out.append((f"{gname} {name}", f"{gname}-{name}"))
    return out


def _mkdocs_available() -> bool:
    return importlib.util.find_spec("mkdocs") is not None and (
        importlib.util.find_spec("mkdocstrings") is not None
        and importlib.util.find_spec("material") is not None
    )


def test_there_are_verbs():
    assert len(_verbs()) >= 10


@pytest.mark.parametrize("words,stem", _verbs(), ids=lambda v: str(v))
def test_every_cli_verb_has_a_page(words, stem):
    page = DOCS / "cli" / f"{stem}.md"
    assert page.exists(), f"`motifscope {words}` has no page: write docs/cli/{stem}.md"
    text = page.read_text(encoding="utf-8")
    assert f"motifscope {words}" in text, f"{page} does not name `motifscope {words}`"
    assert "(coming)" not in text.splitlines()[0], (
        f"{page} still marks `motifscope {words}` as coming, but the verb exists"
    )
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    assert f"cli/{stem}.md" in nav, f"docs/cli/{stem}.md is not in mkdocs.yml's nav"


def _help_tool():
    spec = importlib.util.spec_from_file_location("cli_help_docs", ROOT / "tools" / "cli_help_docs.py")
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


@pytest.mark.parametrize("words,stem", _verbs(), ids=lambda v: str(v))
def test_every_cli_page_shows_the_verbs_real_help(words, stem):
    """The help block of docs/cli/<verb>.md is what the verb prints: an option changed in
    the code and not on its page fails here (fix: python tools/cli_help_docs.py)."""
    tool = _help_tool()
    found = tool.page_help((DOCS / "cli" / f"{stem}.md").read_text(encoding="utf-8"))
    assert found is not None, f"docs/cli/{stem}.md has no 'Usage: motifscope {words}' block"
    m, got_words = found
    assert got_words == words.split()
    assert m.group(1) == tool.real_help(got_words), (
        f"docs/cli/{stem}.md shows an old --help; run python tools/cli_help_docs.py")


def test_api_pages_name_importable_modules():
    pages = sorted((DOCS / "api").glob("*.md"))
    assert pages
    for page in pages:
        targets = re.findall(r"^:::\s*(\S+)", page.read_text(encoding="utf-8"), re.MULTILINE)
        assert targets, f"{page} has no ::: directive"
        for target in targets:
            parts = target.split(".")
            # the longest importable prefix must exist; the rest are attributes
            for k in range(len(parts), 0, -1):
                try:
                    obj = importlib.import_module(".".join(parts[:k]))
                except ImportError:
                    continue
                for attr in parts[k:]:
                    obj = getattr(obj, attr)
                break
            else:
                pytest.fail(f"{page}: cannot import {target}")


@pytest.mark.skipif(not _mkdocs_available(), reason="mkdocs, mkdocs-material or mkdocstrings "
                    "not installed (pip install -e '.[docs]')")
def test_mkdocs_build_strict(tmp_path):
    exe = shutil.which("mkdocs")
    cmd = [exe] if exe else [sys.executable, "-m", "mkdocs"]
    proc = subprocess.run(
        [*cmd, "build", "--strict", "-q", "--site-dir", str(tmp_path / "site")],
        cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**__import__("os").environ, "NO_MKDOCS_2_WARNING": "1"},
    )
    assert proc.returncode == 0, (
        f"mkdocs build --strict failed ({proc.returncode}):\n{proc.stdout}\n{proc.stderr}"
    )
    assert (tmp_path / "site" / "index.html").exists()
