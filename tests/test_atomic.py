"""Tests of motifscope.core.atomic, the one atomic writer."""

from __future__ import annotations

import numpy as np
import pytest

from motifscope.core.atomic import atomic_open, atomic_path, atomic_write_bytes, atomic_write_text


def _leftovers(folder):
    return sorted(p.name for p in folder.iterdir() if p.name.startswith("."))


def test_write_replaces_whole_file(tmp_path):
    p = tmp_path / "sub" / "a.txt"
    atomic_write_text(p, "one\n")
    atomic_write_text(p, "two\r\n")  # line endings kept as given
    assert p.read_bytes() == b"two\r\n"
    atomic_write_bytes(p, b"\x00\x01")
    assert p.read_bytes() == b"\x00\x01"
    assert _leftovers(p.parent) == []


@pytest.mark.parametrize("exc", [RuntimeError, KeyboardInterrupt])
def test_failure_keeps_old_content_and_removes_temporary(tmp_path, exc):
    p = tmp_path / "table.tsv"
    p.write_text("old\n")
    with pytest.raises(exc), atomic_open(p) as fh:
        fh.write("half of the new con")
        raise exc("interrupted")
    assert p.read_text() == "old\n"
    assert _leftovers(tmp_path) == []


def test_failure_creates_nothing(tmp_path):
    p = tmp_path / "new.png"
    with pytest.raises(ValueError), atomic_path(p):
        raise ValueError
    assert list(tmp_path.iterdir()) == []


def test_temporary_path_keeps_extension_for_numpy_and_matplotlib(tmp_path):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    with atomic_path(tmp_path / "arrays.npz") as tmp:
        assert tmp.suffix == ".npz" and tmp.parent == tmp_path
        np.savez(tmp, x=np.arange(3))  # numpy would append .npz to any other name
    assert np.load(tmp_path / "arrays.npz")["x"].tolist() == [0, 1, 2]
    fig, _ax = plt.subplots()
    with atomic_path(tmp_path / "fig.svg") as tmp:
        fig.savefig(tmp)  # format inferred from the suffix
    plt.close(fig)
    assert (tmp_path / "fig.svg").read_text().lstrip().startswith("<?xml")
    assert _leftovers(tmp_path) == []


def test_missing_folder_without_mkdir(tmp_path):
    with pytest.raises(FileNotFoundError):
        atomic_write_text(tmp_path / "nope" / "a.txt", "x", mkdir=False)


def test_bad_mode():
    with pytest.raises(ValueError, match="mode"), atomic_open("x", "a"):
        pass


def test_no_other_writer_in_the_package():
    """Every temporary-file-and-rename in motifscope goes through motifscope.core.atomic."""
    from pathlib import Path

    import motifscope

    root = Path(motifscope.__file__).parent
    offenders = [str(p.relative_to(root)) for p in root.rglob("*.py")
                 if p.name != "atomic.py" and "mkstemp" in p.read_text()]
    assert offenders == []
