"""Tests of motifscope.io.packed and the ``motifscope data pack`` command."""

from __future__ import annotations

import hashlib
import json

import numpy as np
import pytest
import torch
from _deepsea_files import random_split, write_danq_h5, write_v5, write_v73

from motifscope.cli import main
from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.sequence import decode, to_indices
from motifscope.data.stream import DeepSEADataset
from motifscope.io.deepsea import read_mat
from motifscope.io.pack import pack
from motifscope.io.packed import PackedFile, is_packed


@pytest.mark.parametrize("encoding", ["uint8", "2bit"])
def test_roundtrip_with_n_and_odd_length(tmp_path, encoding):
    X, y = random_split(30, 51, 13, n_frac=0.1)  # L and T not multiples of 4 or 8
    src = write_v73(tmp_path / "train.mat", X, y)
    out = pack(src, tmp_path / "p", encoding=encoding, chunk=7, progress=False)
    assert is_packed(out)
    Xr, yr = read_mat(out)
    np.testing.assert_array_equal(Xr.numpy(), X)
    np.testing.assert_array_equal(yr.numpy(), y)
    pf = PackedFile(out)
    idx = pf.read_indices(4, 9)
    np.testing.assert_array_equal(idx, to_indices(decode(X[4:9])))  # 0..3 ACGT, 4 = N
    m = json.loads((out / "manifest.json").read_text())
    assert (m["n"], m["length"], m["n_targets"], m["encoding"]) == (30, 51, 13, encoding)
    assert m["base_order"] == "ACGT" and m["source"]["x_key"] == "trainxdata"
    assert m["n_unknown_bases"] == int((X.sum(1) == 0).sum())
    for entry in m["files"].values():
        data = (out / entry["path"]).read_bytes()
        assert hashlib.sha256(data).hexdigest() == entry["sha256"]
        assert len(data) == entry["bytes"]
        arr = np.load(out / entry["path"], mmap_mode="r")  # standard, mappable .npy
        assert list(arr.shape) == entry["shape"]
    if encoding == "uint8":
        np.testing.assert_array_equal(pf.memmap(), to_indices(decode(X)))
        assert pf.memmap().shape == (30, 51)
    else:
        assert pf.memmap().shape == (30, 13) and pf.memmap("nmask").shape == (30, 7)
    assert pf.memmap("labels").shape == (30, 2)
    PackedFile(out, verify=True)


def test_2bit_layout_is_as_documented(tmp_path):
    X = to_indices(["ACGTNTGCA"])  # 9 bases -> 3 bytes, N at position 4
    oh = np.zeros((1, 4, 9), np.uint8)
    for j, b in enumerate(X[0]):
        if b < 4:
            oh[0, b, j] = 1
    out = pack(write_danq_h5(tmp_path / "x.h5", oh), tmp_path / "p", encoding="2bit")
    seq = np.load(out / "sequences.npy")
    # bases j = 0..3 in bits 0-1, 2-3, 4-5, 6-7 of byte 0: A=0, C=1, G=2, T=3
    assert seq[0, 0] == 0 | (1 << 2) | (2 << 4) | (3 << 6)
    assert seq[0, 1] == 0 | (3 << 2) | (2 << 4) | (1 << 6)  # N stored as 0, then T G C
    assert seq[0, 2] == 0
    assert np.load(out / "nmask.npy")[0, 0] == 1 << 4 and not (out / "labels.npy").exists()
    assert decode(read_mat(out)[0]) == ["ACGTNTGCA"]


def test_pack_v5_and_dataset_matches_mat(tmp_path):
    X, _ = random_split(50, 20, 3, strand_pairs=False)
    y = ((np.arange(50)[:, None] >> np.arange(6)[None, :]) & 1).astype(np.uint8)
    src = write_v5(tmp_path / "valid.mat", X, y)
    out = pack(src, tmp_path / "valid.packed", encoding="2bit")
    a = DeepSEADataset(src, batch_size=6, block_size=8, buffer_blocks=2, seed=4)
    b = DeepSEADataset(out, batch_size=6, block_size=8, buffer_blocks=2, seed=4)
    for e in (0, 1):
        a.set_epoch(e)
        b.set_epoch(e)
        ba, bb = list(a), list(b)
        assert len(ba) == len(bb) == len(a) == 9
        for (xa, ya), (xb, yb) in zip(ba, bb):  # same plan, same rows, same order
            assert torch.equal(xa, xb)
            assert torch.equal(ya, yb)


def test_pack_is_atomic_and_refuses_overwrite(tmp_path):
    X, y = random_split(40, 10, 3)
    X[33, 1, 2] = 3  # a bad value far beyond the first chunk
    src = write_v73(tmp_path / "bad.mat", X, y)
    with pytest.raises(DataFormatError, match="holds the value 3"):
        pack(src, tmp_path / "out", chunk=8)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mat"]  # nothing half-written
    X, y = random_split(40, 10, 3)
    good = write_v73(tmp_path / "good.mat", X, y)
    pack(good, tmp_path / "out")
    with pytest.raises(InputError, match="already exists"):
        pack(good, tmp_path / "out")
    pack(good, tmp_path / "out", encoding="2bit", overwrite=True)
    assert PackedFile(tmp_path / "out").encoding == "2bit"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["bad.mat", "good.mat", "out"]
    with pytest.raises(InputError, match="encoding"):
        pack(good, tmp_path / "o2", encoding="3bit")


def test_corrupt_packed_directories(tmp_path):
    X, y = random_split(20, 16, 9)
    out = pack(write_v73(tmp_path / "t.mat", X, y), tmp_path / "p")
    seq = out / "sequences.npy"
    data = bytearray(seq.read_bytes())
    data[-1] ^= 1
    seq.write_bytes(bytes(data))
    PackedFile(out)  # same size: only the checksum can tell
    with pytest.raises(DataFormatError, match="sha256"):
        PackedFile(out, verify=True)
    seq.write_bytes(bytes(data[:-5]))
    with pytest.raises(DataFormatError, match="truncated"):
        read_mat(out)
    seq.write_bytes(bytes(data))
    (out / "labels.npy").unlink()
    with pytest.raises(DataFormatError, match="missing data file labels.npy"):
        PackedFile(out)
    (out / "manifest.json").write_text("{not json")
    with pytest.raises(DataFormatError, match="manifest.json"):
        PackedFile(out)
    empty = tmp_path / "empty"
    empty.mkdir()
    with pytest.raises(DataFormatError, match="without manifest.json"):
        read_mat(empty)


def test_cli_data_pack(tmp_path, capsys):
    X, y = random_split(24, 30, 5)
    src = write_v73(tmp_path / "train.mat", X, y)
    rc = main(["data", "pack", str(src), "--out", str(tmp_path / "p"), "--split", "train",
               "--format", "2bit", "--chunk", "5"])  # fmt: skip
    assert rc == 0
    assert "packed 24 sequences x 30 bp, 5 labels (2bit)" in capsys.readouterr().out
    np.testing.assert_array_equal(read_mat(tmp_path / "p")[0].numpy(), X)
    rc = main(["data", "pack", str(src), "--out", str(tmp_path / "p")])
    err = capsys.readouterr().err
    assert rc == 2 and err.startswith("motifscope: error:") and "already exists" in err
    assert main(["data", "pack", str(src), "--out", str(tmp_path / "p"), "--force"]) == 0
    assert PackedFile(tmp_path / "p").encoding == "uint8"
    rc = main(["data", "pack", str(src), "--out", str(tmp_path / "q"), "--split", "valid"])
    assert rc == 2 and "missing key 'validxdata'" in capsys.readouterr().err
