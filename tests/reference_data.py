"""Where the tests find third-party reference files.

``../shared/data/danq/`` holds the DanQ authors' files. One of them, DanQ-JASPAR's 519
JASPAR 2016 matrices (``JASPAR_CORE_2016_vertebrates.meme``), ships with motifscope as
package data (byte-identical, checked in ``test_jaspar.py`` when both exist), so tests that
need it run everywhere; the others skip, naming the missing file, where shared/data is absent.
"""

from __future__ import annotations

from pathlib import Path

import pytest

SHARED = Path(__file__).resolve().parents[2] / "shared" / "data" / "danq"
PACKAGED = Path(__file__).resolve().parents[1] / "motifscope" / "_data"
JASPAR16_NAME = "JASPAR_CORE_2016_vertebrates.meme"
#: DanQ-JASPAR's JASPAR 2016 file: the shared copy, else the package's.
JASPAR16 = SHARED / JASPAR16_NAME if (SHARED / JASPAR16_NAME).is_file() else PACKAGED / JASPAR16_NAME


def reference(name: str) -> Path:
    """The reference file ``name`` (the packaged copy where there is one); skip if absent."""
    if name == JASPAR16_NAME:
        return JASPAR16
    p = SHARED / name
    if not p.is_file():
        pytest.skip(f"reference file {p} is missing (shared/data not present)")
    return p
