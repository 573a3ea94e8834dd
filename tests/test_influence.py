"""Filter influence: hand-wired toy filters, and the batched schedule against the naive loop."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn
from toy_models import SmallDanQ, SmallDeepSEA, random_one_hot

from motifscope.core.errors import InputError
from motifscope.methods.influence import conv_output_site, filter_influence, influence_table


class TwoFilters(nn.Module):
    """Filter 0 (scores A at offset 0) feeds only target 0; filter 1 feeds only target 1
    through a weight of zero, so nullifying filter 1 changes nothing."""

    def __init__(self):
        super().__init__()
        self.features = nn.Sequential(nn.Conv1d(4, 2, 1), nn.ReLU())
        self.pool = nn.AdaptiveMaxPool1d(1)
        self.out = nn.Linear(2, 2)
        with torch.no_grad():
            self.features[0].weight.zero_()
            self.features[0].weight[0, 0, 0] = 2.0
            self.features[0].weight[1, 1, 0] = 1.0
            self.features[0].bias.zero_()
            self.out.weight.copy_(torch.tensor([[1.0, 0.0], [0.0, 0.0]]))
            self.out.bias.zero_()

    def forward(self, x):
        return self.out(self.pool(self.features(x)).squeeze(-1))


def test_filter_wired_to_target_0_has_influence_only_there():
    X = random_one_hot(40, 12, seed=1)
    res = filter_influence(TwoFilters(), X)
    # by hand: filter 0's output is 2·[A], its max is 2 when the sequence holds an A
    # (else 0); nullified, every position is the mean μ0 = 2·(fraction of A)
    mu0 = 2 * X[:, 0].mean().item()
    has_a = X[:, 0].amax(1).numpy()
    expect = np.mean(1 / (1 + np.exp(-2 * has_a)) - 1 / (1 + np.exp(-mu0)))
    assert res.means[0] == pytest.approx(mu0, rel=1e-6)
    assert res.influence[0, 0] == pytest.approx(expect, rel=1e-5)
    assert res.influence[0, 1] == 0 and res.influence[1].tolist() == [0.0, 0.0]
    assert res.squared[0, 0] > 0
    assert res.site == "features.1" and res.names == ["M0", "M1"]


def amplified(model):
    """Scale the last linear layer so that nullifying a filter moves probabilities."""
    with torch.no_grad():
        model[-1].weight.mul_(30.0)
    return model


@pytest.mark.parametrize("make,length", [(lambda: SmallDeepSEA(length=100, c=6, seed=5), 100),
                                         (lambda: SmallDanQ(length=60, seed=3), 60)])
def test_batched_equals_naive(make, length):
    model = amplified(make())
    X = random_one_hot(13, length, seed=4)
    a = filter_influence(model, X, batch_size=16)
    b = filter_influence(model, X, method="naive", batch_size=5)
    np.testing.assert_allclose(a.influence, b.influence, atol=1e-6)
    np.testing.assert_allclose(a.squared, b.squared, atol=1e-7)
    assert np.abs(a.influence).max() > 1e-4  # the check is not vacuous


def test_fast_path_and_other_layer():
    model = amplified(SmallDeepSEA(length=100, c=6, seed=5))
    X = random_one_hot(9, 100, seed=6)
    assert conv_output_site(model)[:2] == ("0", "1")
    a = filter_influence(model, X, layer="3", batch_size=8)
    b = filter_influence(model, X, layer="3", method="naive")
    np.testing.assert_allclose(a.influence, b.influence, atol=1e-6)
    assert a.names[0] == "3_0" and a.influence.shape == (6, 3)


def test_zoo_models_batched_equals_naive():
    from motifscope import zoo

    for name in ("deepsea_demo", "basset"):
        kw = {"seq_len": 200, "n_targets": 3, "width": 0.05} if name == "basset" else \
            {"n_targets": 3, "width": 0.1}
        torch.manual_seed(0)
        m = zoo.build(name, **kw)
        X = random_one_hot(6, m.seq_len, seed=7)
        a = filter_influence(m, X, batch_size=32)
        b = filter_influence(m, X, method="naive", batch_size=6)
        np.testing.assert_allclose(a.influence, b.influence, atol=1e-6)


def test_table_and_errors():
    res = filter_influence(TwoFilters(), random_one_hot(5, 8))
    df = influence_table(res, ["a", "b"])
    assert list(df.columns) == ["filter", "a", "b"] and list(df["filter"]) == ["M0", "M1"]
    with pytest.raises(InputError, match="target_names"):
        influence_table(res, ["a"])
    with pytest.raises(InputError, match="method"):
        filter_influence(TwoFilters(), random_one_hot(5, 8), method="fast")
    with pytest.raises(InputError, match="not a submodule"):
        filter_influence(TwoFilters(), random_one_hot(5, 8), layer="conv9")


def test_cli_influence_writes_the_table(tmp_path, capsys):
    import pandas as pd
    from _deepsea_files import random_split, write_v5

    from motifscope import zoo
    from motifscope.cli import main
    from motifscope.runs.directory import atomic_torch_save, init_run_dir, write_config

    over = {"seq_len": 200, "n_targets": 3, "width": 0.1}
    torch.manual_seed(0)
    m = zoo.build("deepsea_demo", **over)
    run = init_run_dir(tmp_path / "run")
    write_config(run, {"model": {"name": "deepsea_demo", "overrides": over}})
    atomic_torch_save(m.state_dict(), run / "model.pt")
    X, y = random_split(12, 200, 3, strand_pairs=False)
    data = write_v5(tmp_path / "test.mat", X, y, split="test")
    assert main(["influence", str(run), "--data", str(data), "--n", "8",
                 "--out", str(tmp_path / "inf")]) == 0
    df = pd.read_csv(tmp_path / "inf" / "influence.tsv", sep="\t")
    assert df.shape == (m.first_conv.out_channels, 4) and df["filter"].iloc[0] == "M0"
    assert main(["influence", str(run), "--data", str(data), "--layer", "nope",
                 "--out", str(tmp_path / "bad")]) == 2
    assert "not a submodule" in capsys.readouterr().err
