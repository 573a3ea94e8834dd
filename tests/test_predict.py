"""Tests of motifscope.methods.predict and ``motifscope predict``."""

from __future__ import annotations

import h5py
import numpy as np
import pandas as pd
import pytest
import torch

from motifscope.core.errors import DataFormatError
from motifscope.core.sequence import agct_from_acgt, one_hot_encode
from motifscope.methods.predict import predict, read_inputs


def _make_run(tmp_path, seq_len=60, T=3):
    from motifscope import zoo
    from motifscope.runs.directory import atomic_torch_save, init_run_dir, write_config

    over = {"seq_len": seq_len, "n_targets": T, "width": 0.25}
    torch.manual_seed(0)
    m = zoo.build("danq_demo", **over)
    run = init_run_dir(tmp_path / "run")
    write_config(run, {"model": {"name": "danq_demo", "overrides": over}})
    atomic_torch_save(m.state_dict(), run / "model.pt")
    return run, m.eval()


def test_predict_batches_and_mode():
    torch.manual_seed(0)
    m = torch.nn.Sequential(torch.nn.Conv1d(4, 2, 3), torch.nn.Dropout(0.5),
                            torch.nn.Flatten(), torch.nn.LazyLinear(2))
    X = torch.rand(10, 4, 12)
    m(X)
    m.train()
    a = predict(m, X, batch_size=3)
    b = predict(m, X, batch_size=10, logits=True)
    assert m.training  # mode restored
    np.testing.assert_allclose(a, 1 / (1 + np.exp(-b)), rtol=1e-5)
    assert a.shape == (10, 2) and a.dtype == np.float32


def test_cli_predict_h5_agct(tmp_path):
    from motifscope.cli import main

    run, model = _make_run(tmp_path)
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(5)]
    X = one_hot_encode(seqs).numpy()  # A,C,G,T
    with h5py.File(tmp_path / "in.h5", "w") as fh:
        fh["testxdata"] = agct_from_acgt(X, axis=1).astype(np.uint8)  # DanQ stores A,G,C,T
    out = tmp_path / "preds.h5"
    assert main(["predict", str(run), "--data", str(tmp_path / "in.h5"), "--out", str(out),
                 "--device", "cpu"]) == 0
    with h5py.File(out) as fh:
        pred = fh["pred"][:]
    with torch.no_grad():
        want = torch.sigmoid(model(torch.from_numpy(X))).numpy()
    np.testing.assert_allclose(pred, want, rtol=1e-5, atol=1e-6)
    # without the base-order conversion the numbers would differ
    with torch.no_grad():
        wrong = torch.sigmoid(model(torch.from_numpy(agct_from_acgt(X, axis=1).copy()))).numpy()
    assert not np.allclose(pred, wrong, atol=1e-4)


def test_cli_predict_fasta_tsv(tmp_path):
    from motifscope.cli import main

    run, model = _make_run(tmp_path)
    rng = np.random.default_rng(1)
    seqs = ["".join(rng.choice(list("ACGT"), 60)) for _ in range(3)]
    (tmp_path / "in.fa").write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(seqs)))
    out = tmp_path / "p.tsv"
    assert main(["predict", str(run), "--data", str(tmp_path / "in.fa"), "--out", str(out),
                 "--device", "cpu"]) == 0
    df = pd.read_csv(out, sep="\t")
    assert df["name"].tolist() == ["s0", "s1", "s2"] and df.shape == (3, 4)
    with torch.no_grad():
        want = torch.sigmoid(model(one_hot_encode(seqs))).numpy()
    np.testing.assert_allclose(df.iloc[:, 1:].to_numpy(), want, rtol=1e-4, atol=1e-6)


def test_read_inputs_errors(tmp_path):
    with h5py.File(tmp_path / "bad.h5", "w") as fh:
        fh["x"] = np.zeros((2, 4, 10))
    with pytest.raises(DataFormatError, match="testxdata"):
        read_inputs(tmp_path / "bad.h5")
    with h5py.File(tmp_path / "len.h5", "w") as fh:
        fh["testxdata"] = np.zeros((2, 4, 10), dtype=np.uint8)
    with pytest.raises(DataFormatError, match="length 10"):
        read_inputs(tmp_path / "len.h5", seq_len=60)
    (tmp_path / "x.bed").write_text("chr1\t1\t2\n")
    with pytest.raises(DataFormatError, match="unknown input type"):
        read_inputs(tmp_path / "x.bed")
    from motifscope.cli import main

    run, _ = _make_run(tmp_path)
    assert main(["predict", str(run), "--data", str(tmp_path / "len.h5"),
                 "--out", str(tmp_path / "o.h5")]) == 2
    assert main(["predict", str(run), "--data", str(tmp_path / "len.h5"),
                 "--out", str(tmp_path / "o.xyz")]) == 2
