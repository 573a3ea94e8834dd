"""Run directories outlive the code and the cards that wrote them.

``tests/data/runs/deepsea_demo_1000bp_v0.1/`` is a run directory exactly as motifscope 0.1
wrote it before the ``deepsea_demo`` card's pools changed from ``[4, 42]`` to ``[4, 0]``
(``motifscope train --model deepsea_demo --set seq_len=1000`` on a 13-target simulation,
2 epochs, at commit d3ed48b): ``config.toml`` names the card and its overrides only.
"""

from __future__ import annotations

import shutil
import tomllib
import warnings
from pathlib import Path

import _deepsea_files as files
import numpy as np
import pytest
import torch

from motifscope import zoo
from motifscope.cli import main
from motifscope.core.errors import MotifscopeWarning, RunDirError
from motifscope.methods.evaluate import evaluate
from motifscope.methods.predict import predict
from motifscope.runs.directory import (
    RUN_FORMAT,
    atomic_torch_save,
    init_run_dir,
    load_run,
    model_table,
    read_config,
    write_config,
)
from motifscope.zoo import registry

FIXTURE = Path(__file__).parent / "data" / "runs" / "deepsea_demo_1000bp_v0.1"


@pytest.fixture
def old_run(tmp_path):
    dst = tmp_path / "old_run"
    shutil.copytree(FIXTURE, dst)
    return dst


def test_the_fixture_is_what_version_0_1_wrote():
    cfg = tomllib.loads((FIXTURE / "config.toml").read_text())
    assert "format" not in cfg and "arguments" not in cfg["model"]
    assert cfg["model"] == {"name": "deepsea_demo", "parameters": 160909,
                            "overrides": {"seq_len": 1000, "n_targets": 13}}
    # the current card builds another network: the weights do not fit it
    now = zoo.build("deepsea_demo", seq_len=1000, n_targets=13)
    state = torch.load(FIXTURE / "model.pt", weights_only=True)
    with pytest.raises(RuntimeError):
        now.load_state_dict(state)


def test_an_old_run_loads_predicts_and_evaluates(old_run):
    with pytest.warns(MotifscopeWarning, match="rebuilt from the card as it was until"):
        run = load_run(old_run)
    assert run.rebuilt_from["arguments"]["pools"] == [4, 42]
    assert run.model.seq_len == 1000 and run.model.n_targets == 13
    assert sum(p.numel() for p in run.model.parameters()) == 160909
    X, y = files.random_split(20, 1000, 13, seed=4)
    p = predict(run.model, torch.from_numpy(X).float())
    assert p.shape == (20, 13) and np.isfinite(p).all()
    table = evaluate(run.model, torch.from_numpy(X).float(), y, strand_average=None)
    assert len(table) == 13


def test_an_old_run_evaluates_from_the_command_line(old_run, tmp_path, capsys):
    X, y = files.random_split(20, 1000, 13, seed=5)
    data = files.write_v5(tmp_path / "test.mat", X, y, split="test")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", MotifscopeWarning)
        rc = main(["evaluate", str(old_run), "--data", str(data), "--out", str(tmp_path / "ev")])
    assert rc == 0, capsys.readouterr().err


def test_upgrade_stores_the_architecture_and_keeps_the_old_file(old_run, capsys):
    before = (old_run / "config.toml").read_text()
    assert main(["upgrade", str(old_run)]) == 0
    out = capsys.readouterr().out
    assert "rebuilt from the card as it was until 2026-12-03" in out
    assert (old_run / "config.v1.toml").read_text() == before
    cfg = read_config(old_run)
    assert cfg["format"] == RUN_FORMAT
    assert cfg["model"]["registered"] == "deepsea_demo"
    assert cfg["model"]["arguments"]["pools"] == [4, 42]
    assert cfg["model"]["arguments"]["seq_len"] == 1000
    with warnings.catch_warnings():
        warnings.simplefilter("error", MotifscopeWarning)  # loads without the card now
        run = load_run(old_run)
    assert run.rebuilt_from is None and run.model.n_targets == 13
    assert main(["upgrade", str(old_run)]) == 0
    assert "nothing to do" in capsys.readouterr().out


def _tiny_run(run_dir: Path, card: str, **overrides) -> torch.nn.Module:
    model = zoo.build(card, **overrides)
    init_run_dir(run_dir)
    atomic_torch_save(model.state_dict(), run_dir / "model.pt")
    write_config(run_dir, {"format": RUN_FORMAT,
                           "model": model_table(card, overrides, model)})
    return model


def test_a_run_survives_an_edit_of_its_card(tmp_path):
    """Train-time arguments are stored: editing the card afterwards changes nothing."""
    card = tmp_path / "cards" / "mine.toml"
    card.parent.mkdir()
    card.write_text((registry.card_dir() / "deepsea_demo.toml").read_text()
                    .replace('name = "deepsea_demo"', 'name = "mine"'))
    model = _tiny_run(tmp_path / "run", str(card), seq_len=300, n_targets=5)
    # the card changes its architecture: a different network from now on
    card.write_text(card.read_text().replace("conv_channels = [128, 128]",
                                             "conv_channels = [32, 16]"))
    assert sum(p.numel() for p in zoo.build(str(card), seq_len=300, n_targets=5)
               .parameters()) != sum(p.numel() for p in model.parameters())
    with warnings.catch_warnings():
        warnings.simplefilter("error", MotifscopeWarning)
        run = load_run(tmp_path / "run")
    for k, v in model.state_dict().items():
        assert torch.equal(run.model.state_dict()[k], v), k


def test_training_and_import_write_format_2(tmp_path):
    from motifscope.runs.convert import export_run, import_weights

    _tiny_run(tmp_path / "a", "deepsea_demo", seq_len=120, n_targets=3)
    export_run(tmp_path / "a", tmp_path / "a.pt")
    import_weights("motifscope", tmp_path / "a.pt", out=tmp_path / "b")
    cfg = read_config(tmp_path / "b")
    assert cfg["format"] == RUN_FORMAT
    assert cfg["model"]["arguments"]["seq_len"] == 120
    assert set(cfg["model"]["arguments"]) >= {"conv_channels", "pools", "n_targets"}


def test_an_export_outlives_an_edit_of_its_card(tmp_path):
    """``motifscope export`` stores the network as built; importing the export after the card
    changed builds that network, not the card's new one."""
    from motifscope.runs.convert import export_run, import_weights

    card = tmp_path / "mine.toml"
    card.write_text((registry.card_dir() / "deepsea_demo.toml").read_text()
                    .replace('name = "deepsea_demo"', 'name = "mine"'))
    model = _tiny_run(tmp_path / "a", str(card), seq_len=120, n_targets=3)
    _, card_path = export_run(tmp_path / "a", tmp_path / "a.pt")
    exported = tomllib.loads(card_path.read_text())["model"]
    assert exported["arguments"]["conv_channels"] == [128, 128]
    card.write_text(card.read_text().replace("conv_channels = [128, 128]",
                                             "conv_channels = [32, 16]"))
    import_weights("motifscope", tmp_path / "a.pt", out=tmp_path / "b")
    got = load_run(tmp_path / "b").model.state_dict()
    for k, v in model.state_dict().items():
        assert torch.equal(got[k], v), k


def test_an_old_run_exports_the_network_it_was_rebuilt_as(old_run, tmp_path):
    from motifscope.runs.convert import export_run, import_weights

    with pytest.warns(MotifscopeWarning, match="rebuilt from the card"):
        _, card_path = export_run(old_run, tmp_path / "old.pt")
    assert tomllib.loads(card_path.read_text())["model"]["arguments"]["pools"] == [4, 42]
    with warnings.catch_warnings():
        warnings.simplefilter("error", MotifscopeWarning)  # no history needed any more
        import_weights("motifscope", tmp_path / "old.pt", out=tmp_path / "b")
        assert load_run(tmp_path / "b").model.n_targets == 13


def test_a_run_that_fits_no_card_version_says_so(old_run):
    state = torch.load(old_run / "model.pt", weights_only=True)
    state["classifier.0.weight"] = torch.zeros(3, 3)
    key = next(iter(state))
    state[key] = torch.zeros(1)
    torch.save(state, old_run / "model.pt")
    with pytest.raises(RunDirError, match="weights do not fit"):
        load_run(old_run)


# ------------------------------------------------------------------ labels are optional


@pytest.fixture
def small_run(tmp_path):
    torch.manual_seed(0)
    _tiny_run(tmp_path / "small", "deepsea_demo", seq_len=80, n_targets=3)
    return tmp_path / "small"


@pytest.mark.parametrize("labels", ["none", "all zero"])
def test_kernels_fall_back_to_the_models_top_predictions(small_run, tmp_path, capsys, labels):
    """No labels, or labels without a positive: the kernels come from the sequences the
    model scores highest, and the output says so (it used to stop on an empty max)."""
    X, y = files.random_split(40, 80, 3, seed=2)
    if labels == "none":
        from motifscope.core.sequence import decode

        data = tmp_path / "seqs.fa"
        data.write_text("".join(f">s{i}\n{s}\n" for i, s in
                                enumerate(decode(torch.from_numpy(X).float()))))
    else:
        data = files.write_v5(tmp_path / "zero.mat", X, np.zeros_like(y), split="test")
    rc = main(["kernels", str(small_run), "--data", str(data), "--n", "10"])
    out = capsys.readouterr()
    assert rc == 0, out.err
    if labels == "none":  # --n 10 reads 10 sequences: all of them are used
        assert "the data has no labels: all 10 sequences" in out.out
    else:
        assert "no sequence is labelled positive" in out.out
        assert "the 10 sequences the model scores highest" in out.out and "(fallback)" in out.out
    meme = small_run / "analyses" / "kernels" / "motifs.meme"
    assert meme.is_file() and "MOTIF" in meme.read_text()
    section = (small_run / "analyses" / "kernels" / "section.json").read_text()
    assert ("no labels" if labels == "none" else "(fallback)") in section


def test_the_fallback_takes_the_top_scoring_rows(small_run):
    from motifscope.analysis.base import Context

    run = load_run(small_run)
    X, _ = files.random_split(30, 80, 3, seed=3)
    X = torch.from_numpy(X).float()
    ctx = Context(small_run, run.model, X, None)
    rows, how = ctx.labelled_or_top(5)
    p = predict(run.model, X).max(1)
    assert sorted(rows.tolist()) == sorted(np.argsort(-p)[:5].tolist())
    assert "no labels" in how
    y = np.zeros((30, 3), np.uint8)
    y[[3, 7], 1] = 1
    rows, how = Context(small_run, run.model, X, y).labelled_or_top(5)
    assert rows.tolist() == [3, 7] and "labelled positive" in how
