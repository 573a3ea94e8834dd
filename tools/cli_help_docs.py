"""Write each verb's real ``--help`` into its page ``docs/cli/<verb>.md``.

Every page holds the verb's help in a fenced ``text`` block that starts with
``Usage: motifscope <verb>``; ``tests/test_docs.py`` checks that it equals what the verb
prints (at 80 columns). After changing an option, run::

    python tools/cli_help_docs.py

and commit the pages it changed.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BLOCK = re.compile(r"```text\n(Usage: motifscope ([^\[\n]+?) \[OPTIONS\].*?)```", re.S)


def real_help(words: list[str]) -> str:
    """What ``motifscope <words> --help`` prints at 80 columns.

    Parameters
    ----------
    words : list of str
        The verb (``["data", "pack"]`` for a verb of a group).

    Returns
    -------
    str
    """
    env = {**os.environ, "COLUMNS": "80", "TERM": "dumb", "NO_COLOR": "1"}
    proc = subprocess.run([sys.executable, "-m", "motifscope", *words, "--help"],
                          capture_output=True, text=True, env=env, cwd=ROOT, check=True)
    return proc.stdout.rstrip() + "\n"


def page_help(text: str):
    """The help block of a page: ``(match, verb words)``, or None."""
    m = BLOCK.search(text)
    return (m, m.group(2).split()) if m else None


def main() -> int:
    changed = []
    for page in sorted((ROOT / "docs" / "cli").glob("*.md")):
        text = page.read_text(encoding="utf-8")
        found = page_help(text)
        if found is None:
            continue
        m, words = found
        new = real_help(words)
        if new != m.group(1):
            page.write_text(text[:m.start(1)] + new + text[m.end(1):], encoding="utf-8")
            changed.append(page.name)
    print("updated: " + (", ".join(changed) or "nothing"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
