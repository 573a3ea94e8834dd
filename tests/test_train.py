"""Tests of motifscope.train.losses, motifscope.train and motifscope.runs.directory."""

from __future__ import annotations

import json
import math
import os
import signal
import subprocess
import sys
import textwrap
import time
import tomllib

import numpy as np
import pytest
import torch
from torch import nn

from motifscope.core.errors import ConfigError, RunDirError
from motifscope.runs.directory import dumps_toml, load_run, read_history
from motifscope.train import TrainConfig, config_from_card, fit, make_optimizer
from motifscope.train.loaders import SeededBatchSampler
from motifscope.train.losses import bce_loss, focal_loss, get_loss


# ----------------------------------------------------------------------------- helpers
def planted_data(n=256, L=40, seed=0):
    """Random sequences; target 0 = contains GATA, target 1 = contains CCC at 10..13."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 4, size=(n, L))
    y = np.zeros((n, 2), dtype=np.float32)
    for i in range(n):
        if rng.random() < 0.5:
            s = rng.integers(0, L - 4)
            idx[i, s:s + 4] = [2, 0, 3, 0]  # GATA in ACGT indices
        if rng.random() < 0.5:
            idx[i, 10:13] = [1, 1, 1]
    X = np.zeros((n, 4, L), dtype=np.float32)
    X[np.arange(n)[:, None], idx, np.arange(L)[None, :]] = 1
    for i in range(n):
        seq = "".join("ACGT"[j] for j in idx[i])
        y[i, 0] = "GATA" in seq or "TATC" in seq
        y[i, 1] = seq[10:13] == "CCC"
    return torch.from_numpy(X), torch.from_numpy(y)


class Tiny(nn.Module):
    """Conv + global max pool + linear, with dropout (to exercise RNG restoration)."""

    def __init__(self, n_targets=2, channels=8):
        super().__init__()
        self.conv = nn.Conv1d(4, channels, 5)
        self.drop = nn.Dropout(0.2)
        self.out = nn.Linear(channels, n_targets)
        self.name = "tiny"

    def forward(self, x):
        return self.out(self.drop(torch.relu(self.conv(x)).amax(-1)))


def weights(model):
    return {k: v.detach().clone() for k, v in model.state_dict().items()}


def quick_config(**kw):
    base = {"epochs": 3, "batch_size": 32, "lr": 1e-2, "progress": False, "seed": 0, "device": "cpu",
                "patience": None}
    base.update(kw)
    return TrainConfig(**base)


# ----------------------------------------------------------------------------- losses
def test_focal_loss_matches_formula():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(7, 5, generator=g, dtype=torch.float64) * 3
    y = (torch.rand(7, 5, generator=g) > 0.6).double()
    p = 1 / (1 + np.exp(-z.numpy()))
    yy = y.numpy()
    a, gm = 0.25, 2.0
    fl = -(yy * a * (1 - p) ** gm * np.log(p) + (1 - yy) * (1 - a) * p ** gm * np.log(1 - p))
    assert focal_loss(z, y).item() == pytest.approx(fl.mean(), rel=1e-10)
    a, gm = 0.6, 1.5
    fl = -(yy * a * (1 - p) ** gm * np.log(p) + (1 - yy) * (1 - a) * p ** gm * np.log(1 - p))
    assert focal_loss(z, y, alpha=a, gamma=gm).item() == pytest.approx(fl.mean(), rel=1e-10)


def test_bce_matches_formula_and_aliases():
    z = torch.tensor([[-2.0, 0.5], [3.0, 0.0]], dtype=torch.float64)
    y = torch.tensor([[0.0, 1.0], [1.0, 0.0]], dtype=torch.float64)
    p = 1 / (1 + np.exp(-z.numpy()))
    want = -(y.numpy() * np.log(p) + (1 - y.numpy()) * np.log(1 - p)).mean()
    assert bce_loss(z, y).item() == pytest.approx(want, rel=1e-12)
    assert get_loss("NLL") is bce_loss and get_loss("focal") is focal_loss
    with pytest.raises(ConfigError, match="loss 'hinge'"):
        get_loss("hinge")


def test_focal_loss_extreme_logits_finite():
    z = torch.tensor([[-80.0, 80.0]], requires_grad=True)
    y = torch.tensor([[1.0, 0.0]])
    v = focal_loss(z, y)
    v.backward()
    assert torch.isfinite(v) and torch.isfinite(z.grad).all() and v.item() > 10


# ----------------------------------------------------------------------------- config
@pytest.mark.parametrize("name,cls", [("sgd", torch.optim.SGD), ("adadelta", torch.optim.Adadelta),
                                      ("adagrad", torch.optim.Adagrad), ("adam", torch.optim.Adam),
                                      ("rmsprop", torch.optim.RMSprop)])
def test_make_optimizer(name, cls):
    opt = make_optimizer(nn.Linear(2, 2).parameters(), TrainConfig(optimizer=name, lr=0.01))
    assert type(opt) is cls and opt.param_groups[0]["lr"] == 0.01


def test_optimizer_options_and_card():
    c = config_from_card({"optimizer": "adam", "amsgrad": True, "eps": 1e-7, "lr": 5e-4,
                          "scheduler": "step", "scheduler_gamma": 0.8, "loss": "focal",
                          "penalties": {"l2": 0.0}, "source": "x"}, epochs=2)
    assert (c.amsgrad, c.eps, c.lr, c.gamma, c.epochs, c.scheduler) == (True, 1e-7, 5e-4, 0.8, 2, "step")
    g = make_optimizer(nn.Linear(2, 2).parameters(), c).param_groups[0]
    assert g["amsgrad"] is True and g["eps"] == 1e-7
    sgd = make_optimizer(nn.Linear(2, 2).parameters(),
                         TrainConfig(optimizer="sgd", momentum=0.9, nesterov=True))
    assert sgd.param_groups[0]["momentum"] == 0.9 and sgd.param_groups[0]["nesterov"]
    with pytest.raises(ConfigError, match="optimizer"):
        TrainConfig(optimizer="lbfgs")
    with pytest.raises(ConfigError, match="unknown training option"):
        config_from_card({}, bogus=1)


def test_steplr_per_epoch(tmp_path):
    X, y = planted_data(64)
    res = fit(Tiny(), (X, y), (X[:32], y[:32]),
              config=quick_config(epochs=4, scheduler="step", step_size=1, gamma=0.5))
    assert res.history["lr"].tolist() == pytest.approx([1e-2, 5e-3, 2.5e-3, 1.25e-3])


def test_onecycle_per_batch(tmp_path):
    """One-cycle: the rate (logged at each epoch's start) warms up to ``lr`` and anneals to
    almost nothing, one step per batch; a resumed run follows the same schedule."""
    from motifscope.train import make_scheduler

    X, y = planted_data(64)
    cfg = quick_config(epochs=5, scheduler="onecycle")  # lr 1e-2, 8 batches per epoch
    res = fit(Tiny(), (X, y), (X[:32], y[:32]), run_dir=tmp_path / "a", config=cfg)
    lr = res.history["lr"].to_numpy()
    assert lr[0] < 1e-3 and lr[0] < lr[1] and lr.max() <= 1e-2 + 1e-12 and lr[-1] < lr[2]
    fit(Tiny(), (X, y), (X[:32], y[:32]), run_dir=tmp_path / "b",
        config=quick_config(epochs=5, scheduler="onecycle", max_seconds=1e-9))
    rb = fit(Tiny(), (X, y), (X[:32], y[:32]), run_dir=tmp_path / "b", resume=True, config=cfg)
    np.testing.assert_allclose(rb.history["lr"], lr)
    opt = torch.optim.SGD(Tiny().parameters(), lr=0.1)
    with pytest.raises(ConfigError, match="onecycle"):
        make_scheduler(opt, TrainConfig(scheduler="onecycle"), steps_per_epoch=None)
    with pytest.raises(ConfigError, match="scheduler"):
        TrainConfig(scheduler="cosine")


def test_batch_sampler_shards_disjoint():
    a = SeededBatchSampler(103, 10, seed=3, rank=0, world=2)
    b = SeededBatchSampler(103, 10, seed=3, rank=1, world=2)
    ia = torch.cat(list(a))
    ib = torch.cat(list(b))
    assert len(ia) == len(ib) == 52
    assert set(ia.tolist()) | set(ib.tolist()) == set(range(103))
    a.set_epoch(1)
    assert not torch.equal(torch.cat(list(a)), ia)  # a new order every epoch


# ----------------------------------------------------------------------------- fit
def test_fit_learns_and_writes_run_dir(tmp_path):
    X, y = planted_data(384)
    torch.manual_seed(0)
    model = Tiny()
    run = tmp_path / "run"
    res = fit(model, (X[:320], y[:320]), (X[320:], y[320:]), run_dir=run,
              config=quick_config(epochs=8, lr=3e-2),
              run_config={"model": {"factory": "test_train:Tiny"}})
    h = res.history
    assert list(h.columns[:6]) == ["epoch", "train_loss", "valid_loss", "valid_auroc", "lr", "seconds"]
    assert h["train_loss"].iloc[-1] < h["train_loss"].iloc[0]
    assert h["valid_auroc"].max() > 0.85
    for f in ("model.pt", "config.toml", "metrics.json", "history.csv",
              "checkpoints/last.pt", "checkpoints/best.pt"):
        assert (run / f).is_file(), f
    assert (run / "analyses").is_dir()
    sd = torch.load(run / "model.pt", weights_only=True)
    best = int(h["valid_loss"].idxmin()) + 1
    assert res.best_epoch == best
    cfg = tomllib.loads((run / "config.toml").read_text())
    assert cfg["training"]["epochs"] == 8 and cfg["seed"] == 0 and "torch" in cfg["versions"]
    m = json.loads((run / "metrics.json").read_text())
    assert m["status"] == "finished" and m["best_epoch"] == best
    # the model ends with the best weights
    assert all(torch.equal(sd[k], v) for k, v in model.state_dict().items())
    loaded = load_run(run, trust_code=True)  # a factory: code named by the run directory
    assert not loaded.model.training and len(loaded.history) == 8
    assert torch.equal(loaded.model(X[:4]), model(X[:4]))
    with pytest.raises(RunDirError, match="already holds"):
        fit(Tiny(), (X, y), None, run_dir=run, config=quick_config(epochs=1))


def test_early_stopping(monkeypatch, tmp_path):
    import motifscope.train.loop as tr

    losses = iter([1.0, 0.9, 0.95, 0.97, 0.99, 0.5])
    monkeypatch.setattr(tr, "validate", lambda *a, **k: (next(losses), 0.5))
    X, y = planted_data(64)
    res = fit(Tiny(), (X, y), (X, y), run_dir=tmp_path / "r", config=quick_config(epochs=6, patience=3))
    assert res.stopped_early and len(res.history) == 5 and res.best_epoch == 2
    best = torch.load(tmp_path / "r" / "checkpoints" / "best.pt", weights_only=True)
    assert best["epoch"] == 2


class Penalised(Tiny):
    def __init__(self):
        super().__init__()
        self.n_penalty = self.n_constraint = 0

    def penalty(self):
        self.n_penalty += 1
        return 0.0 * self.conv.weight.sum() + 1.0  # constant: changes the loss, not grads

    def apply_constraints(self):
        self.n_constraint += 1
        self.conv.weight.clamp_(-0.05, 0.05)


def test_penalty_and_constraints_called():
    X, y = planted_data(64)
    m = Penalised()
    fit(m, (X, y), None, config=quick_config(epochs=2, batch_size=16))
    assert m.n_penalty == 8 and m.n_constraint == 8
    assert m.conv.weight.abs().max() <= 0.05 + 1e-7
    m2 = Penalised()
    fit(m2, (X, y), None, config=quick_config(epochs=1, batch_size=16, use_penalties=False))
    assert m2.n_penalty == 0 and m2.n_constraint == 0


def test_resume_is_exact(tmp_path):
    X, y = planted_data(160)
    data, valid = (X[:128], y[:128]), (X[128:], y[128:])
    torch.manual_seed(1)
    a = Tiny()
    init = weights(a)
    ra = fit(a, data, valid, run_dir=tmp_path / "a",
             config=quick_config(epochs=4, scheduler="step", gamma=0.7))
    last_a = torch.load(tmp_path / "a" / "checkpoints" / "last.pt", weights_only=True)["model"]
    b = Tiny()
    b.load_state_dict(init)
    fit(b, data, valid, run_dir=tmp_path / "b",
        config=quick_config(epochs=2, scheduler="step", gamma=0.7))
    # interleave some unrelated randomness: resume must restore RNG states
    torch.rand(100), np.random.rand(10)
    c = Tiny()
    rc = fit(c, data, valid, run_dir=tmp_path / "b", resume=True,
             config=quick_config(epochs=4, scheduler="step", gamma=0.7))
    last_b = torch.load(tmp_path / "b" / "checkpoints" / "last.pt", weights_only=True)["model"]
    for k in last_a:
        assert torch.equal(last_a[k], last_b[k]), k
    assert rc.history["epoch"].tolist() == [1, 2, 3, 4]
    np.testing.assert_array_equal(ra.history["train_loss"], rc.history["train_loss"])
    np.testing.assert_array_equal(ra.history["lr"], rc.history["lr"])


class Bomb(Tiny):
    """Raises KeyboardInterrupt at a given forward call."""

    def __init__(self, at):
        super().__init__()
        self.at, self.calls = at, 0

    def forward(self, x):
        if self.training:
            self.calls += 1
            if self.calls == self.at:
                raise KeyboardInterrupt
        return super().forward(x)


def test_keyboard_interrupt_keeps_finished_epochs(tmp_path):
    X, y = planted_data(128)
    run = tmp_path / "r"
    with pytest.raises(KeyboardInterrupt):
        fit(Bomb(at=6), (X, y), (X[:32], y[:32]), run_dir=run,
            config=quick_config(epochs=3, batch_size=32))  # 4 steps/epoch: dies in epoch 2
    m = json.loads((run / "metrics.json").read_text())
    assert m["status"] == "interrupted" and m["epochs_run"] == 1
    assert read_history(run)["epoch"].tolist() == [1]
    assert torch.load(run / "checkpoints" / "last.pt", weights_only=True)["epoch"] == 1
    res = fit(Tiny(), (X, y), (X[:32], y[:32]), run_dir=run, resume=True,
              config=quick_config(epochs=3, batch_size=32))
    assert res.history["epoch"].tolist() == [1, 2, 3]


# ----------------------------------------------------------------------------- rundir
def test_toml_roundtrip():
    d = {"a": 1, "b": [1.5, 2], "s": 'x"y', "t": {"u": True, "v": {"w": "z"}}, "n": None,
         "nan": math.nan, "e": {}}
    back = tomllib.loads(dumps_toml(d))
    assert back["a"] == 1 and back["b"] == [1.5, 2] and back["s"] == 'x"y'
    assert back["t"] == {"u": True, "v": {"w": "z"}} and "n" not in back
    assert math.isnan(back["nan"]) and back["e"] == {}


def _zoo_run(tmp_path):
    from motifscope import zoo
    from motifscope.runs.directory import atomic_torch_save, init_run_dir, write_config

    over = {"seq_len": 60, "n_targets": 3, "width": 0.25}
    m = zoo.build("danq_demo", **over)
    run = init_run_dir(tmp_path / "zr")
    write_config(run, {"model": {"name": "danq_demo", "overrides": over}})
    atomic_torch_save(m.state_dict(), run / "model.pt")
    return run, m


def test_load_run_errors(tmp_path):
    with pytest.raises(RunDirError, match="not a directory"):
        load_run(tmp_path / "nope")
    run, _m = _zoo_run(tmp_path)
    r = load_run(run)
    assert r.model.seq_len == 60 and not r.model.training and r.metrics == {}
    (run / "model.pt").write_bytes(b"garbage")
    with pytest.raises(RunDirError, match="model.pt"):
        load_run(run)
    (run / "model.pt").unlink()
    with pytest.raises(RunDirError, match="model.pt: missing"):
        load_run(run)
    (run / "config.toml").write_text("[model\nname=")
    with pytest.raises(RunDirError, match="config.toml"):
        load_run(run)
    (run / "config.toml").unlink()
    with pytest.raises(RunDirError, match="config.toml: missing"):
        load_run(run)


def test_load_run_wrong_weights(tmp_path):
    from motifscope.runs.directory import atomic_torch_save

    run, _m = _zoo_run(tmp_path)
    atomic_torch_save({"x": torch.zeros(1)}, run / "model.pt")
    with pytest.raises(RunDirError, match="do not fit"):
        load_run(run)


def test_package_load_run_reexport():
    import motifscope

    assert motifscope.load_run is load_run


# ----------------------------------------------------------------------------- CLI / files
@pytest.fixture(scope="module")
def sim_dir(tmp_path_factory):
    from motifscope.data.simulate import simulate

    d = tmp_path_factory.mktemp("sim")
    simulate(d, length=60, n_train=192, n_valid=64, n_test=64, seed=0,
             motifs=["CEBPB", "GABPA"], grammar=())
    return d


def test_cli_train_and_resume(sim_dir, tmp_path):
    from motifscope.cli import main

    out = tmp_path / "run"
    args = ["train", "--model", "danq_demo", "--data", str(sim_dir), "--out", str(out),
            "--epochs", "2", "--device", "cpu", "--no-progress", "--seed", "3",
            "--set", "width=0.25", "--set", "amsgrad=true"]
    assert main(args) == 0
    cfg = tomllib.loads((out / "config.toml").read_text())
    assert cfg["model"]["overrides"] == {"width": 0.25, "seq_len": 60, "n_targets": 2}
    assert cfg["training"]["amsgrad"] is True and cfg["seed"] == 3
    m = json.loads((out / "metrics.json").read_text())
    assert m["test"]["strand_average"] == "halves" and m["test"]["n"] == 64
    assert (out / "analyses" / "evaluate" / "per_target.csv").is_file()
    assert main(args) == 2  # exists, no --resume
    args[args.index("2")] = "3"
    assert main(args + ["--resume"]) == 0
    run = load_run(out)
    assert run.history["epoch"].tolist() == [1, 2, 3]


def test_cli_train_bad_input(tmp_path, capsys):
    from motifscope.cli import main

    assert main(["train", "--data", str(tmp_path), "--out", str(tmp_path / "r")]) == 2
    assert "train.mat" in capsys.readouterr().err
    assert main(["train", "--model", "nosuchmodel", "--data", str(tmp_path),
                 "--out", str(tmp_path / "r")]) == 2


KILL_SCRIPT = textwrap.dedent("""
    import signal, sys, time, torch
    # a job started in the background of a non-interactive shell inherits SIGINT ignored,
    # and Python then installs no KeyboardInterrupt handler: restore the terminal's Ctrl-C
    signal.signal(signal.SIGINT, signal.default_int_handler)
    sys.path.insert(0, {tests!r})
    from test_train import Tiny, planted_data, quick_config
    from motifscope.train import fit

    class Slow(Tiny):
        def forward(self, x):
            time.sleep(0.05)
            return super().forward(x)

    X, y = planted_data(320)
    torch.manual_seed(0)
    fit(Slow(), (X, y), (X[:32], y[:32]), run_dir={run!r}, resume={resume},
        config=quick_config(epochs=4, batch_size=16))
""")


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGKILL])
def test_kill_mid_epoch_and_resume(tmp_path, sig):
    run = tmp_path / "run"
    tests = os.path.dirname(__file__)
    script = tmp_path / "job.py"
    script.write_text(KILL_SCRIPT.format(tests=tests, run=str(run), resume=False))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    p = subprocess.Popen([sys.executable, str(script)], env=env,
                         stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    hist = run / "history.csv"
    t0 = time.time()
    while time.time() - t0 < 120:
        if hist.exists() and len(hist.read_text().strip().splitlines()) >= 2:
            break
        time.sleep(0.1)
    time.sleep(0.3)  # well inside epoch 2 (20 steps x >= 50 ms)
    p.send_signal(sig)
    rc = p.wait(60)
    assert rc != 0, p.stderr.read().decode()[-2000:]
    rows = hist.read_text().strip().splitlines()
    assert len(rows) - 1 == 1  # only the finished epoch is kept
    if sig == signal.SIGINT:
        assert json.loads((run / "metrics.json").read_text())["status"] == "interrupted"
    script.write_text(KILL_SCRIPT.format(tests=tests, run=str(run), resume=True))
    subprocess.run([sys.executable, str(script)], env=env, check=True, capture_output=True)
    h = read_history(run)
    assert h["epoch"].tolist() == [1, 2, 3, 4]
