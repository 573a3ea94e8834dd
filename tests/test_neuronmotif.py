"""NeuronMotif port: receptive fields, exact enumeration, the demixing tests of spec §7."""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from motifscope.core.errors import InputError
from motifscope.methods.neuronmotif import (
    ConvStack,
    build_syntax,
    column_ic,
    decouple,
    decouple_layer,
    parse_neurons,
    receptive_field,
    slice_motifs,
    strongest_neurons,
    task_neurons,
)
from motifscope.methods.neuronmotif.sampling import (
    _digits,
    activation_ppm,
    binned_weights,
    cap_archive,
)

IDX = {b: i for i, b in enumerate("ACGT")}


@pytest.fixture(autouse=True)
def _one_thread():
    # tiny networks: one thread is much faster than two contended ones
    n = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(n)


def _pwm(s: str) -> torch.Tensor:
    w = -torch.ones(4, len(s))
    for j, ch in enumerate(s):
        w[IDX[ch], j] = 1
    return w


def or_net() -> nn.Sequential:
    """Spec §7 test 1: fires for GATAAG or CCAATG (>= 5/6 matches), pool 2, RF 7."""
    c1 = nn.Conv1d(4, 2, 6)
    c1.weight.data = torch.stack([_pwm("GATAAG"), _pwm("CCAATG")])
    c1.bias.data[:] = -3
    c2 = nn.Conv1d(2, 2, 1)
    c2.weight.data[:] = 1
    c2.bias.data[:] = -0.5
    return nn.Sequential(c1, nn.ReLU(), nn.MaxPool1d(2), c2, nn.ReLU())


def and_net() -> nn.Sequential:
    """Spec §7 test 2: GATAA at pooled 0 and CCAAT at pooled 3, RF 12."""
    c1 = nn.Conv1d(4, 2, 5)
    c1.weight.data = torch.stack([_pwm("GATAA"), _pwm("CCAAT")])
    c1.bias.data[:] = -2
    c2 = nn.Conv1d(2, 1, 4)
    c2.weight.data.zero_()
    c2.weight.data[0, 0, 0] = 1
    c2.weight.data[0, 1, 3] = 1
    c2.bias.data[:] = -2.5
    return nn.Sequential(c1, nn.ReLU(), nn.MaxPool1d(2), c2, nn.ReLU(), nn.Flatten())


def planted_and_sample(n=40000, seed=0):
    rng = np.random.default_rng(seed)
    S = rng.integers(0, 4, (n, 12)).astype(np.uint8)
    A = np.array([IDX[c] for c in "GATAA"], np.uint8)
    B = np.array([IDX[c] for c in "CCAAT"], np.uint8)
    oa, ob = rng.integers(0, 2, n), rng.integers(6, 8, n)
    rows = np.arange(n)[:, None]
    S[rows, oa[:, None] + np.arange(5)] = A
    S[rows, ob[:, None] + np.arange(5)] = B
    mut = rng.random(n) < 0.5
    pos = rng.integers(0, 12, n)
    S[mut, pos[mut]] = rng.integers(0, 4, mut.sum())
    return S


def _planted_cols(motif: str, offset: int) -> slice:
    return slice(offset, offset + len(motif))


def _check_crms(res, expected: dict, min_ic=1.5, mean_ic=1.8):
    """expected: {motif: offsets}; each CRM holds every motif at exactly one offset with
    IC >= ``min_ic`` on every planted column (spec §7) and ``mean_ic`` on average."""
    found = []
    for m in res.motifs:
        cons = "".join("ACGT"[k] for k in m.ppm.argmax(0))
        ic = column_ic(m.ppm)
        key = []
        for motif, offsets in expected.items():
            hit = [o for o in offsets if cons[_planted_cols(motif, o)] == motif]
            assert len(hit) == 1, f"{cons}: {motif} not found at one of {offsets}"
            cols = ic[_planted_cols(motif, hit[0])]
            assert cols.min() >= min_ic, f"{cons} {motif}@{hit[0]}: IC {np.round(cols, 2)}"
            assert cols.mean() >= mean_ic, f"{cons} {motif}@{hit[0]}: IC {np.round(cols, 2)}"
            key.append((motif, hit[0]))
        assert m.meta["consensus_act"] >= 0.95 * m.meta["max_act"]
        found.append(tuple(key))
    return found


# ---- receptive fields and the truncated sub-network ----------------------------------------

def test_receptive_field_by_hand():
    # DeepSEA: k8 pool4 x3. RF2 = 8 + 3*1 + 7*1*4 = 39; RF3 = 39 + 3*4 + 7*4*4 = 163
    assert receptive_field([8, 8, 8], [4, 4, 4]) == [8, 39, 163]
    assert receptive_field([19, 11, 7], [3, 4, 4]) == [19, 51, 132]  # Basset
    assert receptive_field([7] + [3] * 9, [1, 2] * 5) == [7, 9, 14, 18, 28, 36, 56, 72, 112, 144]
    assert receptive_field([5, 2], [2, 1]) == [5, 8]  # demo1


def test_subnetwork_matches_full_network_window():
    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(4, 6, 8), nn.BatchNorm1d(6), nn.ReLU(), nn.MaxPool1d(4),
                        nn.Dropout(0.3), nn.Conv1d(6, 5, 8), nn.ReLU(), nn.MaxPool1d(4),
                        nn.Conv1d(5, 3, 8), nn.BatchNorm1d(3), nn.ReLU(), nn.Flatten(),
                        nn.Linear(3, 1))
    for bn in (net[1], net[9]):
        bn.running_mean.uniform_(-1, 1)
        bn.running_var.uniform_(0.5, 2)
    net.eval()
    st = ConvStack(net)
    assert st.rf == [8, 39, 163] and st.pools == [4, 4, 1] and st.n_layers == 3
    x = torch.nn.functional.one_hot(torch.randint(0, 4, (3, 300)), 4).float().transpose(1, 2)
    with torch.no_grad():
        full = net[:10](x)  # conv3 + BN, before the ReLU
        for t in (0, 5, full.shape[2] - 1):
            s = t * st.stride(3)
            win = st.forward(x[:, :, s: s + 163], 3)
            assert win.shape == (3, 3, 1)
            assert torch.allclose(win[:, :, 0], full[:, :, t], atol=1e-4)
            assert torch.allclose(st.neuron(x[:, :, s: s + 163], 3, 2), full[:, 2, t], atol=1e-4)


def test_zoo_deepsea_receptive_fields():
    zoo = pytest.importorskip("motifscope.zoo")
    model = zoo.build("deepsea", width=0.05)
    st = ConvStack(model)
    assert st.rf == [8, 39, 163]
    assert st.macs_per_sequence(1) == 8 * 4 * 1 * 1


def test_enumeration_is_exact():
    torch.manual_seed(1)
    net = nn.Sequential(nn.Conv1d(4, 3, 5), nn.ReLU(), nn.MaxPool1d(2), nn.Conv1d(3, 2, 2))
    res = decouple(net, layer=2, neuron=1, motif_nb=0, random_state=0)
    assert res.rf == 8 and res.method == "enumerate" and res.n_forwards >= 4 ** 8
    allseq = _digits(np.arange(4 ** 8), 8)
    x = torch.nn.functional.one_hot(torch.from_numpy(allseq).long(), 4).float().transpose(1, 2)
    with torch.no_grad():
        direct = net(x)[:, 1, 0].numpy()
    pos = direct > 0
    assert res.seqs.dtype == np.uint8 and len(res.seqs) == pos.sum()
    assert np.array_equal(res.seqs, allseq[pos])
    np.testing.assert_allclose(res.acts, direct[pos], rtol=1e-5, atol=1e-5)


# ---- spec §7 test 1: A or B, one pooling level ---------------------------------------------

def test_or_neuron_blur_without_demixing():
    res = decouple(or_net(), layer=2, neuron=0, motif_nb=0, random_state=0)
    assert len(res.seqs) == 304 and len(res.motifs) == 1
    m = res.motifs[0]
    assert m.meta["ratio"] < 0.95  # spec: 0.20
    assert column_ic(m.ppm).mean() <= 1.0


@pytest.mark.parametrize("motif_nb", [2, "auto"])
def test_or_neuron_demixed(motif_nb):
    res = decouple(or_net(), layer=2, neuron=0, motif_nb=motif_nb, random_state=0)
    assert res.motif_nb == 2 and len(res.motifs) == 4
    found = set()
    for m in res.motifs:
        cons = "".join("ACGT"[k] for k in m.ppm.argmax(0))
        ic = column_ic(m.ppm)
        hits = [(mo, o) for mo in ("GATAAG", "CCAATG") for o in (0, 1) if cons[o: o + 6] == mo]
        assert len(hits) == 1, cons
        _mo, o = hits[0]
        assert ic[o: o + 6].min() >= 1.8, (cons, ic)
        assert m.meta["consensus_act"] >= 0.95 * m.meta["max_act"]
        found.add(hits[0])
    assert found == {("GATAAG", 0), ("GATAAG", 1), ("CCAATG", 0), ("CCAATG", 1)}
    n = res.table["n_seqs"]
    assert n.max() <= 2 * n.min()
    assert set(res.table.columns) >= {"shift_id", "n_seqs", "max_act", "consensus_act", "ratio"}
    if motif_nb == "auto":  # the original's max-ratio rule would have stopped at 1 here
        assert res.auto_trace[0]["motif_nb"] == 1 and res.auto_trace[0]["min_ratio"] < 0.95


def test_determinism_same_seed():
    a = decouple(or_net(), layer=2, neuron=0, motif_nb=2, random_state=3)
    b = decouple(or_net(), layer=2, neuron=0, motif_nb=2, random_state=3)
    assert np.array_equal(a.labels, b.labels)
    assert all(np.array_equal(x.ppm, y.ppm) for x, y in zip(a.motifs, b.motifs))


# ---- spec §7 test 2: A and B with flexible spacing -----------------------------------------

@pytest.fixture(scope="module")
def and_auto():
    torch.set_num_threads(1)
    return decouple(and_net(), layer=2, neuron=0, motif_nb="auto", random_state=0,
                    sample=(planted_and_sample(), None))


def test_and_neuron_blur_without_demixing():
    res = decouple(and_net(), layer=2, neuron=0, motif_nb=0, random_state=0,
                   sample=(planted_and_sample(20000), None))
    ic = column_ic(res.motifs[0].ppm)
    assert (ic[:12] < 1.0).sum() >= 4  # smeared motif columns (spec: ~half at 0.4-0.9 bits)


def test_and_neuron_demixed_auto(and_auto):
    res = and_auto
    assert res.motif_nb == 2 and len(res.motifs) == 4
    found = _check_crms(res, {"GATAA": (0, 1), "CCAAT": (6, 7)})
    assert set(found) == {(("GATAA", a), ("CCAAT", b)) for a in (0, 1) for b in (6, 7)}
    n = res.table["n_seqs"]
    assert n.max() <= 2 * n.min()
    # the IC gain test is what escalates here: every C/M is already ~1 at motif_nb=1
    assert res.auto_trace[1]["ic_gain"] >= 1.0 and res.auto_trace[0]["min_ratio"] >= 0.95


def test_and_neuron_syntax(and_auto):
    syn = build_syntax(and_auto.motifs)
    cons = sorted(m.alt_name for m in syn.dictionary)
    assert cons == ["CCAAT", "GATAA"]
    assert len(syn.rules) == 1
    rule = syn.rules[0]
    assert rule["crms"] == 4 and (rule["gaps"][0]["min"], rule["gaps"][0]["max"]) == (0, 2)
    a = next(m.name for m in syn.dictionary if m.alt_name == "GATAA")
    b = next(m.name for m in syn.dictionary if m.alt_name == "CCAAT")
    assert rule["tree"] == f"{a} - Gap range 0~2 bp - {b}"
    subs = slice_motifs(and_auto.motifs)
    assert subs and all(s.width >= 9 for s in subs)


@pytest.mark.slow
def test_and_neuron_genetic_algorithm_end_to_end():
    res = decouple(and_net(), layer=2, neuron=0, motif_nb=2, random_state=0, population=1000)
    assert res.method == "ga" and res.seeded and res.seqs.dtype == np.uint8
    found = _check_crms(res, {"GATAA": (0, 1), "CCAAT": (6, 7)}, mean_ic=1.6)
    assert set(found) == {(("GATAA", a), ("CCAAT", b)) for a in (0, 1) for b in (6, 7)}


def test_ga_small_is_deterministic_and_positive():
    kw = {"layer": 2, "neuron": 0, "motif_nb": 1, "random_state": 5, "population": 200, "max_iter": 4}
    a = decouple(and_net(), **kw)
    b = decouple(and_net(), **kw)
    assert a.method == "ga" and a.n_iter <= 4 and (a.acts > 0).all()
    assert np.array_equal(a.seqs, b.seqs) and np.array_equal(a.labels, b.labels)


# ---- helpers -------------------------------------------------------------------------------

def test_archive_cap_and_weights():
    rng = np.random.default_rng(0)
    s = rng.integers(0, 4, (5000, 10)).astype(np.uint8)
    a = rng.exponential(1, 5000).astype(np.float32) - 0.2
    s2, a2 = cap_archive(np.concatenate([s, s]), np.concatenate([a, a]), 1000, rng)
    assert (a2 > 0).all() and len(s2) <= 1000 and len(np.unique(s2, axis=0)) == len(s2)
    p = binned_weights(np.array([1.0, 1.0, 10.0]), n_bins=2)
    np.testing.assert_allclose(p, [0.25, 0.25, 0.5])
    P = activation_ppm(np.array([[0, 1], [2, 1]], np.uint8), np.array([1.0, 3.0]), n_bins=2)
    np.testing.assert_allclose(P[:, 0], [0.25, 0, 0.75, 0])


def test_bad_arguments():
    with pytest.raises(InputError, match="layer"):
        decouple(or_net(), layer=3, neuron=0)
    with pytest.raises(InputError, match="neuron"):
        decouple(or_net(), layer=2, neuron=5)
    with pytest.raises(InputError, match="motif_nb"):
        decouple(or_net(), layer=2, neuron=0, motif_nb="two")
    with pytest.raises(InputError):
        ConvStack(nn.Sequential(nn.Linear(4, 2)))
    with pytest.raises(InputError, match="stride"):
        ConvStack(nn.Sequential(nn.Conv1d(4, 2, 3, stride=2)))
    assert parse_neurons("0-2,5", 8) == [0, 1, 2, 5]
    with pytest.raises(InputError):
        parse_neurons("0-9", 4)



def test_strongest_neurons_ranks_by_summed_absolute_weights():
    net = nn.Sequential(nn.Conv1d(4, 3, 3), nn.ReLU(), nn.Conv1d(3, 5, 2), nn.ReLU())
    with torch.no_grad():
        net[2].weight.zero_()
        for c, v in [(1, -3.0), (3, 2.0), (4, 1.0)]:  # sign must not matter
            net[2].weight[c] = v
    assert strongest_neurons(net, 2, 2) == [1, 3]
    assert strongest_neurons(net, 2, 9) == [0, 1, 2, 3, 4]
    with pytest.raises(InputError, match="layer 3"):
        strongest_neurons(net, 3, 1)

def test_task_neurons_gives_each_target_its_largest_contributor():
    """Target 0 reads only channel 3; target 1 reads channel 3 more and channel 4 a little:
    target 0 takes 3, target 1 its best channel left (4); a target without positives none."""
    net = nn.Sequential(nn.Conv1d(4, 3, 3), nn.ReLU(), nn.Conv1d(3, 5, 2), nn.ReLU(),
                        nn.AdaptiveMaxPool1d(1), nn.Flatten(), nn.Linear(5, 3))
    with torch.no_grad():
        net[0].weight.fill_(1.0)
        net[0].bias.fill_(1.0)
        for c in range(5):
            net[2].weight[c] = 0.1 * (c + 1)
        net[2].bias.zero_()
        net[6].weight.zero_()
        net[6].weight[0, 3] = 1.0
        net[6].weight[1, 3], net[6].weight[1, 4] = 2.0, 0.1
        net[6].weight[2, 0] = 5.0
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (6, 20)), 4).permute(0, 2, 1).float()
    y = np.zeros((6, 3))
    y[:, :2] = 1
    assert task_neurons(net, 2, X, y, [0, 1, 2]) == [3, 4]
    assert task_neurons(net, 2, X, y, [1, 0]) == [3]  # target 1 takes 3; 0 has nothing left
    with pytest.raises(InputError, match="layer 3"):
        task_neurons(net, 3, X, y, [0])


# ---- layer outputs, resume, gallery, CLI ---------------------------------------------------

def test_decouple_layer_outputs_and_resume(tmp_path):
    from motifscope.io.meme import read_meme

    df = decouple_layer(or_net(), 2, "0-1", tmp_path, motif_nb=2, targets=None,
                        progress=False)
    assert list(df["neuron"]) == [0, 1] and (df["n_crms"] == 4).all()
    d = tmp_path / "layer2" / "neuron0000"
    for f in ("crms.meme", "crms.tsv", "sample.npz", "done.json",
              "logos.png", "syntax.json"):
        assert (d / f).exists(), f
    crms = read_meme(d / "crms.meme")
    assert len(crms) == 4 and all(m.width == 7 for m in crms)
    with np.load(d / "sample.npz") as z:
        assert z["seqs"].dtype == np.uint8 and z["seqs"].shape == (304, 7)
    assert sum(f.stat().st_size for f in d.iterdir()) < 20e6
    from motifscope.analysis.neuronmotif import layer_blocks
    from motifscope.methods.neuronmotif import read_summaries

    gallery, table, files = layer_blocks(tmp_path / "layer2", read_summaries(tmp_path / "layer2", [0, 1]),
                                         prefix="layer2/")
    assert [i.image for i in gallery.items] == ["layer2/neuron0000/logos.png",
                                                "layer2/neuron0001/logos.png"]
    assert table.path == "layer2/summary.tsv" and "layer2/allppm.npz" in files.paths
    assert (tmp_path / "layer2" / "allppm.npz").exists()
    mtime = (d / "done.json").stat().st_mtime_ns
    decouple_layer(or_net(), 2, "0-1", tmp_path, motif_nb=2, targets=None, progress=False)
    assert (d / "done.json").stat().st_mtime_ns == mtime  # not recomputed
    info = json.loads((d / "done.json").read_text())
    assert info["n_crms"] == 4 and info["motif_nb"] == 2


def test_write_neuron_tomtom_against_planted(tmp_path, and_auto):
    pytest.importorskip("motifscope.methods.tomtom")
    from motifscope.core.motifs import Motif
    from motifscope.methods.neuronmotif import write_neuron

    rng = np.random.default_rng(0)
    targets = [Motif(name="GATA", ppm=np.eye(4)[:, [IDX[c] for c in "AGATAAGA"]] * 0.94 + 0.015),
               Motif(name="NFY", ppm=np.eye(4)[:, [IDX[c] for c in "ACCAATGA"]] * 0.94 + 0.015)]
    targets += [Motif(name=f"r{i}", ppm=rng.dirichlet(np.ones(4) * 0.5, 8).T) for i in range(60)]
    info = write_neuron(and_auto, tmp_path / "n0", targets=targets, logos=False)
    if not (tmp_path / "n0" / "tomtom.tsv").exists():
        pytest.skip("tomtom unavailable: " + "; ".join(info["notes"]))
    assert (tmp_path / "n0" / "submotifs.meme").exists()
    assert {b["target"] for b in info["best_matches"]} >= {"GATA", "NFY"}
    assert info["rules"] == [r["tree"] for r in build_syntax(and_auto.motifs,
                                                             prefix="L2N0").rules]


def test_cli_errors(tmp_path):
    from motifscope.cli import main

    assert main(["decouple", str(tmp_path / "missing"), "--layer", "1"]) == 2
    assert main(["decouple", str(tmp_path), "--layer", "1", "--motif-nb", "x"]) == 2


def test_cli_decouple_run(tmp_path, capsys):
    from motifscope.cli import main
    from motifscope.runs.directory import atomic_torch_save, init_run_dir, write_config

    run = init_run_dir(tmp_path / "run")
    write_config(run, {"model": {"factory": "test_neuronmotif:or_net", "kwargs": {}}})
    atomic_torch_save(or_net().state_dict(), run / "model.pt")
    rc = main(["decouple", str(run), "--layer", "2", "--neurons", "1", "--motif-nb", "2",
               "--db", "none", "--trust-code"])
    assert rc == 0, capsys.readouterr().err
    d = run / "analyses" / "neuronmotif" / "layer2"
    assert (d / "neuron0001" / "done.json").exists()
    section = json.loads((d.parent / "section.json").read_text())  # the report's page
    gallery = next(b for b in section["blocks"] if b["type"] == "gallery")
    assert [i["image"] for i in gallery["items"]] == ["layer2/neuron0001/logos.png"]
    assert not (d / "neuron0000").exists()
    assert "4 CRMs" in capsys.readouterr().out


def small_cnn() -> nn.Sequential:
    """Random two-layer CNN with four layer-2 neurons (RF 12: sampled by the GA)."""
    torch.manual_seed(0)
    return nn.Sequential(nn.Conv1d(4, 8, 5), nn.ReLU(), nn.MaxPool1d(2),
                         nn.Conv1d(8, 4, 4), nn.ReLU(), nn.Flatten())


def _layer_outputs(ldir, neurons):
    out = {}
    for c in neurons:
        d = ldir / f"neuron{c:04d}"
        info = json.loads((d / "done.json").read_text())
        info.pop("seconds")
        with np.load(d / "sample.npz") as z:
            arrays = {k: z[k] for k in z.files}
        out[c] = (info, arrays, (d / "crms.meme").read_text())
    return out


def test_decouple_layer_parallel_matches_serial(tmp_path):
    # Regression: n_jobs=2 used to die with BrokenProcessPool at the default sampling
    # budget. 2,000 sequences x 33 GA iterations and 3 levels of k-means per neuron, in
    # spawned workers; the outputs must equal the n_jobs=1 ones seed for seed.
    kw = {"motif_nb": "auto", "targets": None, "progress": False, "population": 2000}
    serial = decouple_layer(small_cnn(), 2, "0-3", tmp_path / "serial", n_jobs=1, **kw)
    par = decouple_layer(small_cnn(), 2, "0-3", tmp_path / "par", n_jobs=2, **kw)
    assert (par["n_iter"] > 10).all() and (par["n_seqs"] > 1000).all()
    cols = ["neuron", "n_crms", "n_seqs", "max_act", "n_forwards", "n_iter", "motif_nb"]
    assert par[cols].equals(serial[cols])
    a = _layer_outputs(tmp_path / "serial" / "layer2", range(4))
    b = _layer_outputs(tmp_path / "par" / "layer2", range(4))
    for c in range(4):
        assert a[c][0] == b[c][0], c
        assert all(np.array_equal(a[c][1][k], b[c][1][k]) for k in a[c][1]), c
        assert a[c][2] == b[c][2], c
    assert not list((tmp_path / "par").rglob("running.pid"))
    # resumable per neuron: a lost neuron is redone alone, the others are kept
    d0 = tmp_path / "par" / "layer2" / "neuron0000"
    (d0 / "done.json").unlink()
    mtime = (tmp_path / "par" / "layer2" / "neuron0001" / "done.json").stat().st_mtime_ns
    again = decouple_layer(small_cnn(), 2, "0-3", tmp_path / "par", n_jobs=2, **kw)
    assert (tmp_path / "par" / "layer2" / "neuron0001" / "done.json").stat().st_mtime_ns == mtime
    assert again[cols].equals(serial[cols])
    assert _layer_outputs(tmp_path / "par" / "layer2", [0])[0][0] == a[0][0]


class _DieInWorker(nn.ReLU):
    """A ReLU that kills the process it runs in, unless that is the test process."""

    def __init__(self, parent: int):
        super().__init__()
        self.parent = parent

    def forward(self, x):
        import os
        import signal

        if os.getpid() != self.parent:
            os.kill(os.getpid(), signal.SIGKILL)
        return super().forward(x)


def test_decouple_layer_worker_death_names_neurons(tmp_path):
    import os

    torch.manual_seed(0)
    net = nn.Sequential(nn.Conv1d(4, 8, 5), _DieInWorker(os.getpid()), nn.MaxPool1d(2),
                        nn.Conv1d(8, 4, 4))
    with pytest.raises(RuntimeError, match=r"neuron [0-3].*SIGKILL.*out-of-memory") as e:
        decouple_layer(net, 2, "0-3", tmp_path, n_jobs=2, targets=None, progress=False,
                       population=200, max_iter=2)
    assert "unfinished" in str(e.value)
    assert not list(tmp_path.rglob("running.pid"))
