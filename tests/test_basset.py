"""Tests of motifscope.io.basset on small files in Basset's seq_hdf5.py layout."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.sequence import decode
from motifscope.io.basset import basset_splits, read_basset


def _basset_one_hot(seq: str) -> np.ndarray:
    """Basset's dna_one_hot, re-derived: a (4, L) array, rows A, C, G, T, N = 0.25."""
    code = np.zeros((4, len(seq)), dtype=np.float16)
    for i, c in enumerate(seq):
        if c in "ACGT":
            code[("ACGT").index(c), i] = 1
        else:
            code[:, i] = 0.25
    return code.flatten()[None, :]


@pytest.fixture
def basset_file(tmp_path):
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 12)) for _ in range(5)]
    seqs[1] = seqs[1][:5] + "N" + seqs[1][6:]
    flat = np.vstack([_basset_one_hot(s) for s in seqs])
    x = flat.reshape(flat.shape[0], 4, 1, flat.shape[1] // 4)  # as seq_hdf5.py reshapes
    y = rng.integers(0, 2, size=(5, 3)).astype(np.uint8)
    p = tmp_path / "basset.h5"
    with h5py.File(p, "w") as f:
        f.create_dataset("target_labels", data=np.array([b"8988T", b"AoSMC", b"Chorion"]))
        f.create_dataset("test_in", data=x)
        f.create_dataset("test_out", data=y)
        f.create_dataset("train_in", data=x[:2].astype(np.uint8).clip(0, 1))
        f.create_dataset("train_out", data=y[:2].astype(bool))
    return p, seqs, y


def test_read_basset_layout(basset_file):
    p, seqs, y = basset_file
    X, yy, labels = read_basset(p, "test")
    assert X.shape == (5, 4, 12) and X.dtype.is_floating_point
    assert decode(X) == seqs  # A,C,G,T order kept; Basset's 0.25 N -> all-zero -> "N"
    assert float(X[1, :, 5].sum()) == 0.0
    np.testing.assert_array_equal(yy.numpy(), y)
    assert labels == ["8988T", "AoSMC", "Chorion"]
    X2, y2, _ = read_basset(p, "test", start=1, stop=3)
    np.testing.assert_array_equal(X2.numpy(), X[1:3].numpy())
    np.testing.assert_array_equal(y2.numpy(), y[1:3])
    assert basset_splits(p) == {"train": (2, 12, 3), "test": (5, 12, 3)}


def test_errors(basset_file, tmp_path):
    p, _, _ = basset_file
    with pytest.raises(DataFormatError, match="valid_in"):
        read_basset(p, "valid")
    with pytest.raises(InputError, match="split"):
        read_basset(p, "dev")
    bad = tmp_path / "bad.h5"
    with h5py.File(bad, "w") as f:
        f.create_dataset("test_in", data=np.zeros((2, 12, 4)))
        f.create_dataset("test_out", data=np.zeros((2, 3)))
    with pytest.raises(DataFormatError, match=r"\(N, 4, 1, L\)"):
        read_basset(bad)
    notfile = tmp_path / "x.h5"
    notfile.write_text("hello")
    with pytest.raises(DataFormatError, match="HDF5"):
        read_basset(notfile)
