"""The sharded batch runner: fixed chunk cuts, rank shares, resume, refusal of mixed
settings, merges equal to the concatenation of the items' results."""

from __future__ import annotations

import h5py
import numpy as np
import pytest

from motifscope.core.batch import (
    chunk_path,
    chunked,
    iter_chunks,
    merge_hdf5,
    merge_text,
    run_chunks,
)
from motifscope.core.errors import ConfigError, InputError


def _compute(calls):
    def f(k, items):
        calls.append(k)
        a = np.array(items, dtype=np.int64)
        return {"x": a, "sq": (a[:, None] * np.array([1, 2])).astype(np.float32),
                "line": np.array([f"item {i}" for i in items], dtype=str)}
    return f


def test_chunks_are_cut_the_same_way_whatever_the_ranks():
    assert [(k, c) for k, c in chunked(range(7), 3)] == [(0, [0, 1, 2]), (1, [3, 4, 5]), (2, [6])]
    assert list(chunked([], 3)) == []
    with pytest.raises(ConfigError):
        list(chunked(range(3), 0))


def test_ranks_share_the_chunks_and_the_merge_equals_one_process(tmp_path):
    calls0, calls1, calls = [], [], []
    r0 = run_chunks(iter(range(10)), _compute(calls0), tmp_path / "two", chunk_size=3, rank=0,
                    world_size=2)
    r1 = run_chunks(iter(range(10)), _compute(calls1), tmp_path / "two", chunk_size=3, rank=1,
                    world_size=2)
    assert calls0 == [0, 2] and calls1 == [1, 3]
    assert (r0.n_chunks, r0.n_items, r1.computed) == (4, 10, 2)
    run_chunks(iter(range(10)), _compute(calls), tmp_path / "one", chunk_size=3)
    assert calls == [0, 1, 2, 3]
    for d in ("one", "two"):
        merge_text(tmp_path / d, 4, "line", tmp_path / f"{d}.txt", header="# items")
        merge_hdf5(tmp_path / d, 4, ["x", "sq", "line"], tmp_path / f"{d}.h5",
                   attrs={"targets": [0, 1], "n": 10})
    text = (tmp_path / "one.txt").read_text()
    assert text == "# items\n" + "".join(f"item {i}\n" for i in range(10))
    assert text == (tmp_path / "two.txt").read_text()
    with h5py.File(tmp_path / "two.h5") as h5:
        np.testing.assert_array_equal(h5["x"][:], np.arange(10))
        np.testing.assert_array_equal(h5["sq"][:, 1], 2 * np.arange(10))
        assert h5["line"][3].decode() == "item 3" and h5.attrs["n"] == 10
        assert h5.attrs["targets"] == "[0, 1]" and h5["sq"].chunks[1] == 2


def test_resume_skips_finished_chunks_and_refuses_other_settings(tmp_path):
    calls = []
    run_chunks(range(10), _compute(calls), tmp_path, chunk_size=3, manifest={"model": "a"})
    chunk_path(tmp_path, 2).unlink()
    calls.clear()
    rep = run_chunks(range(10), _compute(calls), tmp_path, chunk_size=3, manifest={"model": "a"})
    assert calls == [2] and (rep.computed, rep.skipped) == (1, 3)
    with pytest.raises(ConfigError, match="other settings.*model"):
        run_chunks(range(10), _compute(calls), tmp_path, chunk_size=3, manifest={"model": "b"})
    chunk_path(tmp_path, 1).unlink()
    with pytest.raises(InputError, match="chunk 1 of 4 is missing"):
        list(iter_chunks(tmp_path, 4))


def test_a_failing_chunk_leaves_no_file(tmp_path):
    def bad(k, items):
        if k == 1:
            raise RuntimeError("boom")
        return {"x": np.array(items)}

    with pytest.raises(RuntimeError):
        run_chunks(range(6), bad, tmp_path, chunk_size=2)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["chunk-0000000.npz", "manifest.json"]


def test_rank_device_gives_each_local_rank_its_gpu(monkeypatch):
    from motifscope.core.batch import rank_device

    assert rank_device("cuda") == "cuda" and rank_device("cpu") == "cpu"
    monkeypatch.setenv("WORLD_SIZE", "4")
    monkeypatch.setenv("RANK", "3")
    monkeypatch.setenv("LOCAL_RANK", "1")
    assert rank_device("cuda") == "cuda:1" and rank_device("cuda:0") == "cuda:0"
    assert rank_device(None) is None
