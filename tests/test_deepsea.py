"""Tests of motifscope.io.deepsea: readers for both containers, errors, strands, streaming."""

from __future__ import annotations

from pathlib import Path

import h5py
import numpy as np
import pytest
import scipy.io
import torch
from _deepsea_files import random_split, write_danq_h5, write_v5, write_v73

from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.sequence import decode, one_hot_encode
from motifscope.data.strands import average_strands, check_strand_pairs
from motifscope.data.stream import DeepSEADataset
from motifscope.io.deepsea import open_deepsea, read_mat

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "danq"


def _rc(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGTN", "TGCAN"))


def id_split(n=40, L=12, T=16, seed=1):
    """Random sequences whose labels spell the row number in binary (a row oracle)."""
    X, _ = random_split(n, L, 3, seed=seed, strand_pairs=False)
    y = ((np.arange(n)[:, None] >> np.arange(T)[None, :]) & 1).astype(np.uint8)
    return X, y


def rows_of(y: torch.Tensor) -> np.ndarray:
    return (y.numpy().astype(np.int64) << np.arange(y.shape[1])).sum(1)


# ------------------------------------------------------------------ reading


@pytest.mark.parametrize("writer", ["v73", "v5"])
def test_roundtrip_both_containers(tmp_path, writer):
    X, y = random_split(20, 37, 5, seed=3)
    # an extension that says nothing: the reader must sniff the bytes
    p = tmp_path / "split.bin"
    if writer == "v73":
        write_v73(p, X, y, split="train")
    else:
        write_v5(p, X, y, split="test")
    f = open_deepsea(p)
    assert (f.n, f.length, f.n_targets) == (20, 37, 5)
    assert f.container == ("hdf5-matlab" if writer == "v73" else "mat-v5")
    Xr, yr = read_mat(p)
    assert Xr.dtype == torch.float32 and Xr.shape == (20, 4, 37)
    assert yr.dtype == torch.uint8 and yr.shape == (20, 5)
    np.testing.assert_array_equal(Xr.numpy(), X)
    np.testing.assert_array_equal(yr.numpy(), y)
    Xs, ys = read_mat(p, start=7, stop=13)
    np.testing.assert_array_equal(Xs.numpy(), X[7:13])
    np.testing.assert_array_equal(ys.numpy(), y[7:13])
    assert read_mat(p, start=18, stop=99)[0].shape[0] == 2  # stop clipped like slicing


def test_v73_reads_only_the_slice(tmp_path, monkeypatch):
    X, y = random_split(64, 20, 4)
    p = write_v73(tmp_path / "train.mat", X, y)
    seen = []
    orig = h5py.Dataset.__getitem__

    def spy(self, key):
        out = orig(self, key)
        seen.append(out.shape)
        return out

    monkeypatch.setattr(h5py.Dataset, "__getitem__", spy)
    read_mat(p, start=10, stop=15)
    assert seen and all(5 in s and 64 not in s for s in seen)


def test_gata_base_order_both_containers(tmp_path):
    """GATA written in the files' A,G,C,T order must decode as GATA, not CATA."""
    agct = {"A": 0, "G": 1, "C": 2, "T": 3}
    seqs = ["GATAAGCC", "CCCGGTTA"]
    x = np.zeros((2, 4, 8), np.uint8)  # (N, 4, L) in A,G,C,T
    for i, s in enumerate(seqs):
        for j, b in enumerate(s):
            x[i, agct[b], j] = 1
    scipy.io.savemat(tmp_path / "v5.mat", {"testxdata": x, "testdata": np.ones((2, 3), np.uint8)})
    with h5py.File(tmp_path / "v73.mat", "w", userblock_size=512) as f:
        f["trainxdata"] = x.transpose(2, 1, 0)  # h5py view of MATLAB v7.3: (L, 4, N)
        f["traindata"] = np.ones((3, 2), np.uint8)
    with open(tmp_path / "v73.mat", "r+b") as fh:
        fh.write(b"MATLAB 7.3 MAT-file")
    for name in ("v5.mat", "v73.mat"):
        X, _ = read_mat(tmp_path / name)
        assert decode(X) == seqs, name


def test_danq_example_h5_real_file():
    p = DATA / "example.h5"
    if not p.is_file():
        pytest.skip(f"reference file {p} is missing")
    f = open_deepsea(p)
    assert (f.container, f.layout, f.n, f.length, f.has_labels) == ("hdf5", "NCL", 8, 1000, False)
    X, y = read_mat(p)
    assert y is None and X.shape == (8, 4, 1000)
    s = decode(X)
    # rows 4..7 are the reverse complements of rows 0..3 (string oracle, not array flips)
    assert [_rc(t) for t in s[:4]] == s[4:]
    assert check_strand_pairs(X) and check_strand_pairs(p)
    # base order: human DNA is CpG-depleted, so CG must be much rarer than GC. Reading
    # the file as if it were A,C,G,T would swap C and G and invert this.
    cg = sum(t.count("CG") for t in s)
    gc = sum(t.count("GC") for t in s)
    assert cg * 2 < gc, (cg, gc)
    # the raw file is A,G,C,T: our A,C,G,T channels are a fixed permutation of it
    with h5py.File(p) as fh:
        raw = fh["testxdata"][:]
    np.testing.assert_array_equal(X.numpy(), raw[:, [0, 2, 1, 3], :])


def test_danq_layout_and_dtype_variants(tmp_path):
    X, y = random_split(10, 15, 3)
    p = write_danq_h5(tmp_path / "x.h5", X)
    Xr, yr = read_mat(p)
    assert yr is None
    np.testing.assert_array_equal(Xr.numpy(), X)
    # MATLAB doubles in a v5 file are fine when they are 0/1
    q = write_v5(tmp_path / "d.mat", X, y, dtype=np.float64)
    np.testing.assert_array_equal(read_mat(q)[0].numpy(), X)
    # plain HDF5 with labels (N, T) and sequences (N, 4, L), no MATLAB header
    with h5py.File(tmp_path / "p.h5", "w") as f:
        f["validxdata"] = X[:, [0, 2, 1, 3], :]
        f["validdata"] = y
    Xr, yr = read_mat(tmp_path / "p.h5")
    np.testing.assert_array_equal(Xr.numpy(), X)
    np.testing.assert_array_equal(yr.numpy(), y)


def test_split_and_key_override(tmp_path):
    X, y = random_split(6, 10, 2)
    p = tmp_path / "two.h5"
    with h5py.File(p, "w") as f:
        f["trainxdata"] = X[:, [0, 2, 1, 3], :]
        f["traindata"] = y
        f["testxdata"] = X[::-1, [0, 2, 1, 3], :]
    with pytest.raises(DataFormatError, match="several sequence variables.*split="):
        read_mat(p)
    np.testing.assert_array_equal(read_mat(p, split="train")[0].numpy(), X)
    Xt, yt = read_mat(p, split="test")
    assert yt is None
    np.testing.assert_array_equal(Xt.numpy(), X[::-1])
    np.testing.assert_array_equal(read_mat(p, x_key="testxdata", y_key="traindata")[1].numpy(), y)


# ------------------------------------------------------------------ errors


def _err(path, match, **kw):
    with pytest.raises(DataFormatError, match=match) as e:
        read_mat(path, **kw)
    assert str(path) in str(e.value)
    return str(e.value)


def test_errors_name_file_and_key(tmp_path):
    X, y = random_split(8, 10, 3)
    Xa = X[:, [0, 2, 1, 3], :]
    # missing key
    p = tmp_path / "nokey.mat"
    scipy.io.savemat(p, {"foo": Xa})
    _err(p, "no sequence variable")
    _err(p, "missing key 'validxdata'", split="valid")
    # transposed sequences: (N, L, 4)
    p = tmp_path / "transposed.mat"
    scipy.io.savemat(p, {"testxdata": Xa.transpose(0, 2, 1), "testdata": y})
    assert "testxdata" in _err(p, r"shape \(8, 10, 4\).*axis 1")
    # labels transposed in a v5 file
    p = tmp_path / "ytrans.mat"
    scipy.io.savemat(p, {"testxdata": Xa, "testdata": y.T})
    _err(p, "labels look transposed")
    # label count differs from sequence count (v7.3)
    p = write_v73(tmp_path / "count.mat", X, y)
    with h5py.File(p, "a") as f:
        del f["traindata"]
        f["traindata"] = np.zeros((3, 7), np.uint8)
    _err(p, "label count does not match")
    # values other than 0/1
    bad = X.copy()
    bad[5, 2, 3] = 2
    _err(write_v73(tmp_path / "two.mat", bad, y), "'trainxdata' holds the value 2")
    baddy = y.copy()
    baddy[1, 1] = 7
    _err(write_v5(tmp_path / "y7.mat", X, baddy), "'validdata' holds the value 7")
    # two bases at one position
    dbl = X.copy()
    dbl[3, :, 4] = [1, 1, 0, 0]
    msg = _err(write_v73(tmp_path / "dbl.mat", dbl, y), "2 bases set")
    assert "row 3" in msg and "position 4" in msg


def test_not_a_mat_file_and_truncation(tmp_path):
    p = tmp_path / "x.mat"
    p.write_text("chr1\t100\t200\n")
    _err(p, "not a MAT file")
    with pytest.raises(DataFormatError, match="no such file"):
        read_mat(tmp_path / "missing.mat")
    X, y = random_split(200, 50, 10)
    full = write_v73(tmp_path / "full.mat", X, y)
    data = full.read_bytes()
    for cut in (len(data) // 2, 600):
        q = tmp_path / f"cut{cut}.mat"
        q.write_bytes(data[:cut])
        _err(q, "truncated or corrupt")
    v5 = write_v5(tmp_path / "v5.mat", X, y).read_bytes()
    q = tmp_path / "cut5.mat"
    q.write_bytes(v5[: len(v5) // 2])
    _err(q, "truncated or corrupt")
    with pytest.raises(InputError, match="start=5 is after stop=2"):
        read_mat(full, start=5, stop=2)


# ------------------------------------------------------------------ strands


def test_average_strands():
    pred = torch.arange(24, dtype=torch.float32).reshape(6, 4)
    out = average_strands(pred)
    assert out.shape == (3, 4)
    assert torch.equal(out, (pred[:3] + pred[3:]) / 2)
    assert isinstance(average_strands(pred.numpy()), np.ndarray)
    assert average_strands(np.array([[1], [2]], dtype=np.uint8))[0, 0] == 1.5
    with pytest.raises(InputError, match="odd"):
        average_strands(pred[:5])


def test_check_strand_pairs(tmp_path):
    X, y = random_split(12, 30, 4)
    assert check_strand_pairs(X, y)
    assert check_strand_pairs(torch.from_numpy(X).float())
    # string oracle: the second half decodes to the reverse complement strings
    s = decode(X)
    assert [_rc(t) for t in s[:6]] == s[6:]
    assert check_strand_pairs(write_v73(tmp_path / "t.mat", X, y))
    assert not check_strand_pairs(X[:11])
    y2 = y.copy()
    y2[7, 0] ^= 1
    assert not check_strand_pairs(X, y2)
    X2 = X.copy()
    X2[8] = X2[9]
    assert not check_strand_pairs(X2)
    assert not check_strand_pairs(write_v5(tmp_path / "b.mat", X2, y), n_check=6)


# ------------------------------------------------------------------ streaming


def _epoch(ds):
    xs, ys = [], []
    for X, y in ds:
        xs.append(X)
        ys.append(y)
    return torch.cat(xs), torch.cat(ys)


def test_dataset_epoch_covers_every_row_once(tmp_path):
    X, y = id_split(n=103)
    p = write_v73(tmp_path / "train.mat", X, y)
    ds = DeepSEADataset(p, batch_size=8, block_size=10, buffer_blocks=2, seed=5)
    assert len(ds) == 13
    Xe, ye = _epoch(ds)
    assert Xe.dtype == torch.float32 and ye.dtype == torch.float32
    rows = rows_of(ye)
    assert sorted(rows) == list(range(103))
    assert not np.array_equal(rows, np.arange(103))  # shuffled
    np.testing.assert_array_equal(Xe.numpy(), X[rows])  # each x travels with its y
    # deterministic per (seed, epoch); a new permutation for a new epoch
    np.testing.assert_array_equal(rows_of(_epoch(ds)[1]), rows)
    ds.set_epoch(1)
    rows1 = rows_of(_epoch(ds)[1])
    assert sorted(rows1) == list(range(103)) and not np.array_equal(rows1, rows)


def test_dataset_unshuffled_single_rows_and_v5(tmp_path):
    X, y = id_split(n=30)
    p = write_v5(tmp_path / "valid.mat", X, y)
    ds = DeepSEADataset(p, shuffle=False, block_size=7)
    items = list(ds)
    assert len(items) == len(ds) == 30
    x0, y0 = items[0]
    assert x0.shape == (4, 12) and y0.shape == (16,)
    np.testing.assert_array_equal(rows_of(torch.stack([t[1] for t in items])), np.arange(30))
    np.testing.assert_array_equal(torch.stack([t[0] for t in items]).numpy(), X)
    part = DeepSEADataset(p, shuffle=False, start=5, stop=9, batch_size=3)
    np.testing.assert_array_equal(rows_of(_epoch(part)[1]), [5, 6, 7, 8])


def test_dataset_ddp_shards_are_disjoint_and_equal(tmp_path):
    X, y = id_split(n=101)
    p = write_v73(tmp_path / "train.mat", X, y)
    got = []
    for r in range(3):
        ds = DeepSEADataset(p, batch_size=4, block_size=9, rank=r, world_size=3, seed=2)
        ds.set_epoch(3)
        rows = rows_of(_epoch(ds)[1])
        assert len(rows) == 33 and len(ds) == 9
        got.append(rows)
    allr = np.concatenate(got)
    assert len(set(allr.tolist())) == 99  # disjoint; 101 // 3 * 3 rows used
    with pytest.raises(InputError, match="rank"):
        DeepSEADataset(p, rank=3, world_size=3)


def test_dataset_dataloader_workers(tmp_path):
    X, y = id_split(n=90)
    p = write_v73(tmp_path / "train.mat", X, y)
    ds = DeepSEADataset(p, batch_size=8, block_size=16, buffer_blocks=1)
    dl = torch.utils.data.DataLoader(ds, batch_size=None, num_workers=2)
    batches = list(dl)
    assert len(batches) == len(ds) == 12
    rows = rows_of(torch.cat([b[1] for b in batches]))
    assert sorted(rows) == list(range(90))
    np.testing.assert_array_equal(torch.cat([b[0] for b in batches]).numpy(), X[rows])
    # per-row mode batched by the DataLoader
    ds1 = DeepSEADataset(p, block_size=16)
    dl1 = torch.utils.data.DataLoader(ds1, batch_size=32, num_workers=2)
    rows1 = rows_of(torch.cat([b[1] for b in dl1]))
    assert sorted(rows1) == list(range(90))


def test_dataset_labels_required_or_off(tmp_path):
    X, _ = random_split(10, 12, 2)
    p = write_danq_h5(tmp_path / "x.h5", X)
    with pytest.raises(DataFormatError, match="no label variable"):
        DeepSEADataset(p)
    ds = DeepSEADataset(p, labels=False, shuffle=False, batch_size=4, drop_last=True)
    out = list(ds)
    assert len(out) == len(ds) == 2 and all(isinstance(b, torch.Tensor) for b in out)
    np.testing.assert_array_equal(torch.cat(out).numpy(), X[:8])


def test_one_hot_encode_agrees_with_reader(tmp_path):
    seqs = ["ACGTNACGTT", "TTGCAACGNA"]
    X = one_hot_encode(seqs).numpy().astype(np.uint8)
    p = write_v73(tmp_path / "t.mat", X, np.zeros((2, 1), np.uint8))
    assert decode(read_mat(p)[0]) == seqs
