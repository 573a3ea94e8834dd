"""Tests of motifscope.data.simulate: files in the DeepSEA layouts plus exact ground truth."""

from __future__ import annotations

import json

import h5py
import numpy as np
import pandas as pd
import pytest
import scipy.io

from motifscope.core.errors import ConfigError
from motifscope.core.motifs import Motif
from motifscope.data.simulate import GrammarRule, SimulationParams, simulate

L = 150
SMALL = {"length": L, "n_train": 300, "n_valid": 60, "n_test": 120, "seed": 3}


def _agct_to_acgt_strings(X_n4l: np.ndarray) -> list[str]:
    # independent decoding: A,G,C,T channels -> letters
    letters = np.array(list("AGCT"))
    assert (X_n4l.sum(1) == 1).all()
    return ["".join(letters[row]) for row in X_n4l.argmax(1)]


def _read_split(d, split):
    """(sequences as ACGT strings, labels (N, T)) read with h5py/scipy only."""
    if split == "train":
        with h5py.File(d / "train.mat", "r") as f:
            x = f["trainxdata"][()]  # (L, 4, N)
            y = f["traindata"][()]  # (T, N)
        return _agct_to_acgt_strings(x.transpose(2, 1, 0)), y.T
    m = scipy.io.loadmat(d / f"{split}.mat")
    return _agct_to_acgt_strings(m[f"{split}xdata"]), m[f"{split}data"]


def _rc(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGT", "TGCA"))


@pytest.fixture(scope="module")
def sim(tmp_path_factory):
    d = tmp_path_factory.mktemp("sim")
    res = simulate(d, **SMALL)
    return d, res


def test_layout_on_disk(sim):
    d, res = sim
    T = len(res.task_names)
    with open(d / "train.mat", "rb") as fh:
        head = fh.read(128)
    assert head.startswith(b"MATLAB 7.3 MAT-file")
    assert head[126:128] == b"IM"
    with h5py.File(d / "train.mat", "r") as f:
        assert f.userblock_size == 512
        assert f["trainxdata"].shape == (L, 4, 300) and f["trainxdata"].dtype == np.uint8
        assert f["traindata"].shape == (T, 300) and f["traindata"].dtype == np.uint8
    with pytest.raises(NotImplementedError):  # scipy refuses v7.3 files, as with the real one
        scipy.io.loadmat(d / "train.mat")
    for split, n in (("valid", 60), ("test", 120)):
        m = scipy.io.loadmat(d / f"{split}.mat")
        assert m[f"{split}xdata"].shape == (n, 4, L) and m[f"{split}xdata"].dtype == np.uint8
        assert m[f"{split}data"].shape == (n, T) and m[f"{split}data"].dtype == np.uint8
    tasks = pd.read_csv(d / "tasks.tsv", sep="\t")
    assert list(tasks["task"]) == list(range(T))
    assert (tasks["kind"] == "presence").sum() == 12 and (tasks["kind"] == "grammar").sum() == 3
    from motifscope.io.meme import read_meme

    assert [m.name for m in read_meme(d / "motifs.meme")] == [m.name for m in res.motifs]
    summary = json.loads((d / "simulation.json").read_text())
    assert summary["params"]["seed"] == 3 and summary["params"]["length"] == L
    assert {m.alt_name.upper() for m in res.motifs} == {
        "ARID3A",
        "CEBPB",
        "FOSL1",
        "GABPA",
        "MAFK",
        "MAX",
        "MEF2A",
        "NFYB",
        "SP1",
        "SRF",
        "STAT1",
        "YY1",
    }


def test_deterministic_bytes(sim, tmp_path):
    d, _ = sim
    simulate(tmp_path / "a", **SMALL)
    for name in (
        "train.mat",
        "valid.mat",
        "test.mat",
        "instances.tsv",
        "tasks.tsv",
        "motifs.meme",
        "simulation.json",
    ):
        assert (tmp_path / "a" / name).read_bytes() == (d / name).read_bytes(), name
    simulate(tmp_path / "b", **{**SMALL, "seed": 4})
    assert (tmp_path / "b" / "valid.mat").read_bytes() != (d / "valid.mat").read_bytes()


def test_reverse_complement_halves(sim):
    d, _ = sim
    for split in ("train", "test"):
        seqs, y = _read_split(d, split)
        h = len(seqs) // 2
        assert all(seqs[h + i] == _rc(seqs[i]) for i in range(h))
        np.testing.assert_array_equal(y[h:], y[:h])


def test_instances_match_motifs_and_base_order(sim):
    """Planted sites score far above background under the motif's log-odds (A,G,C,T on
    disk read back as A,C,G,T); swapping C and G would destroy these scores."""
    d, res = sim
    motifs = {m.name: m for m in res.motifs}
    inst = pd.read_csv(d / "instances.tsv", sep="\t", dtype={"tasks": str})
    rng = np.random.default_rng(0)
    idx = {c: i for i, c in enumerate("ACGT")}
    for split in ("train", "valid", "test"):
        seqs, _ = _read_split(d, split)
        rows = inst[inst["split"] == split]
        assert len(rows) > 50
        hi_match, hi_total, margins = 0, 0, []
        for r in rows.itertuples():
            site = seqs[r.seq][r.start : r.end]
            if r.strand == "-":
                site = _rc(site)
            m = motifs[r.motif]
            assert len(site) == m.width
            pwm = m.pwm()
            score = sum(pwm[idx[c], j] for j, c in enumerate(site))
            # background: a random window of the same sequence length
            k = rng.integers(0, L - m.width + 1)
            bg_site = seqs[r.seq][k : k + m.width]
            bg = sum(pwm[idx[c], j] for j, c in enumerate(bg_site))
            margins.append(score - bg)
            strong = m.ppm.max(0) > 0.9
            hi_total += int(strong.sum())
            hi_match += sum(site[j] == "ACGT"[m.ppm[:, j].argmax()] for j in np.flatnonzero(strong))
        assert hi_match / hi_total > 0.9
        assert np.median(margins) > 8  # bits


def test_instances_do_not_overlap_and_rc_rows_mirror(sim):
    d, _ = sim
    inst = pd.read_csv(d / "instances.tsv", sep="\t", dtype={"tasks": str})
    assert (inst["start"] >= 0).all() and (inst["end"] <= L).all()
    for _, g in inst.groupby(["split", "seq"]):
        g = g.sort_values("start")
        assert (g["start"].to_numpy()[1:] >= g["end"].to_numpy()[:-1]).all()
    for split, n in (("train", 300), ("test", 120)):
        s = inst[inst["split"] == split]
        fwd = s[s["seq"] < n // 2].sort_values(["seq", "start"])
        rev = s[s["seq"] >= n // 2].copy()
        rev = rev.assign(
            seq=rev["seq"] - n // 2,
            start=L - rev["end"],
            end=L - rev["start"],
            strand=rev["strand"].map({"+": "-", "-": "+"}),
        )
        rev = rev.sort_values(["seq", "start"])
        cols = ["seq", "start", "end", "strand", "motif", "role", "tasks"]
        pd.testing.assert_frame_equal(
            fwd[cols].reset_index(drop=True), rev[cols].reset_index(drop=True)
        )


def _labels_from_instances(inst, tasks, n):
    """Independent re-derivation of the clean labels from the ground-truth tables."""
    T = len(tasks)
    y = np.zeros((n, T), dtype=np.uint8)
    pres = tasks[tasks["kind"] == "presence"]
    gram = tasks[tasks["kind"] == "grammar"]
    by_motif = {m: int(t) for t, m in zip(pres["task"], pres["motifs"])}
    for seq, g in inst.groupby("seq"):
        if seq >= n:
            continue
        for m in g["motif"]:
            y[seq, by_motif[m]] = 1
        for t in gram.itertuples():
            a, b = t.motifs.split(",")
            A = g[(g["motif"] == a) & (g["strand"] == "+")]
            B = g[(g["motif"] == b) & (g["strand"] == "+")]
            for ea in A["end"]:
                gaps = B["start"].to_numpy() - ea
                if ((gaps >= t.min_spacing) & (gaps <= t.max_spacing)).any():
                    y[seq, t.task] = 1
    return y


def test_labels_follow_rules_and_grammar_differs_from_and(sim):
    d, _ = sim
    tasks = pd.read_csv(d / "tasks.tsv", sep="\t")
    inst = pd.read_csv(d / "instances.tsv", sep="\t", dtype={"tasks": str})
    n_and_not_grammar = 0
    for split, n_fwd in (("train", 150), ("valid", 60), ("test", 60)):
        _, y = _read_split(d, split)
        expect = _labels_from_instances(inst[inst["split"] == split], tasks, n_fwd)
        np.testing.assert_array_equal(y[:n_fwd], expect)
        pres = {m: int(t) for t, m in zip(tasks["task"], tasks["motifs"]) if "," not in m}
        for t in tasks[tasks["kind"] == "grammar"].itertuples():
            a, b = t.motifs.split(",")
            both = (y[:n_fwd, pres[a]] == 1) & (y[:n_fwd, pres[b]] == 1)
            assert (y[:n_fwd, t.task] <= both).all()  # grammar implies presence of both
            n_and_not_grammar += int((both & (y[:n_fwd, t.task] == 0)).sum())
            assert y[:n_fwd, t.task].sum() > 0
    assert n_and_not_grammar > 20  # decoys: grammar is not the AND of presences


def test_label_noise_rate(tmp_path):
    motifs = [
        Motif("gata", np.eye(4)[:, [2, 0, 3, 0]]),
        Motif("ebox", np.eye(4)[:, [1, 0, 1, 2, 3, 2]]),
    ]
    kw = {"motifs": motifs, "length": 60, "n_train": 2, "n_valid": 3000, "n_test": 2, "seed": 1, "grammar": ()}
    simulate(tmp_path / "clean", **kw)
    simulate(tmp_path / "noisy", **kw, label_noise=0.1)
    _, y0 = _read_split(tmp_path / "clean", "valid")
    _, y1 = _read_split(tmp_path / "noisy", "valid")
    s0, _ = _read_split(tmp_path / "clean", "valid")
    s1, _ = _read_split(tmp_path / "noisy", "valid")
    assert s0 == s1  # noise does not change the sequences
    frac = (y0 != y1).mean()
    assert abs(frac - 0.1) < 0.02  # 6000 labels: sd ~0.004


def test_user_motifs_and_grammar_positions(tmp_path):
    gata = Motif("gata", np.eye(4)[:, [2, 0, 3, 0]])  # GATA
    ebox = Motif("ebox", np.eye(4)[:, [1, 0, 1, 2, 3, 2]])  # CACGTG
    res = simulate(
        tmp_path,
        motifs=[gata, ebox],
        grammar=[("gata", "ebox", 3, 6)],
        length=80,
        n_train=400,
        n_valid=2,
        n_test=2,
        seed=5,
        p_grammar=0.3,
    )
    assert res.task_names == ["gata", "ebox", "gata>ebox[3-6]"]
    seqs, y = _read_split(tmp_path, "train")
    for i in np.flatnonzero(y[:200, 2]):
        s = seqs[i]
        ok = any(
            s[p : p + 4] == "GATA" and "CACGTG" in s[p + 4 + 3 : p + 4 + 6 + 6]
            for p in range(len(s) - 3)
        )
        assert ok, s
    assert y[:200, 2].sum() > 30


def test_missing_motif_is_recorded(tmp_path):
    res = simulate(
        tmp_path, motifs=("SP1", "NOT_A_TF_XYZ"), length=50, n_train=2, n_valid=2, n_test=2
    )
    assert [m.alt_name for m in res.motifs] == ["SP1"]
    assert res.missing_motifs == ["NOT_A_TF_XYZ"]
    notes = json.loads((tmp_path / "simulation.json").read_text())["motif_notes"]
    assert "NOT_A_TF_XYZ" in notes[0]


@pytest.mark.parametrize(
    "kw, word",
    [
        ({"n_train": 3}, "even"),
        ({"gc": 1.5}, "gc"),
        ({"bogus": 1}, "unknown parameter"),
        ({"length": 4}, "wider"),
        ({"grammar": [("gata", "nope", 1, 2)]}, "nope"),
        ({"min_instance_quantile": 1.0}, "min_instance_quantile"),
    ],
)
def test_bad_params(tmp_path, kw, word):
    gata = Motif("gata", np.eye(4)[:, [2, 0, 3, 0, 0]])
    with pytest.raises(ConfigError, match=word):
        simulate(
            tmp_path, motifs=[gata], **{"n_train": 2, "n_valid": 2, "n_test": 2, "length": 20, **kw}
        )
    assert not any(tmp_path.iterdir()) or not (tmp_path / "train.mat").exists()


def test_min_instance_quantile_plants_only_strong_instances(sim, tmp_path):
    """Every planted instance reaches the recorded threshold, which is the median of the
    motif's own instance scores; plain sampling (the default) plants weaker ones too."""
    d0, _ = sim
    res = simulate(tmp_path, **{**SMALL, "min_instance_quantile": 0.5})
    summary = json.loads((tmp_path / "simulation.json").read_text())
    thr = {m["name"]: m["min_instance_score_bits"] for m in summary["motifs"]}
    plain = json.loads((d0 / "simulation.json").read_text())["motifs"]
    assert all(m["min_instance_score_bits"] is None for m in plain)
    idx = {c: i for i, c in enumerate("ACGT")}
    bg = np.array([0.295, 0.205, 0.205, 0.295])

    def scores(d, motifs):
        inst = pd.read_csv(d / "instances.tsv", sep="\t", dtype={"tasks": str})
        seqs, _ = _read_split(d, "valid")
        out = {}
        for r in inst[inst["split"] == "valid"].itertuples():
            site = seqs[r.seq][r.start : r.end]
            site = _rc(site) if r.strand == "-" else site
            m = motifs[r.motif]
            lo = np.log2((m.ppm + 1e-3) / (1 + 4e-3) / bg[:, None])
            out.setdefault(r.motif, []).append(sum(lo[idx[c], j] for j, c in enumerate(site)))
        return out

    motifs = {m.name: m for m in res.motifs}
    strong, weak = scores(tmp_path, motifs), scores(d0, motifs)
    for name, s in strong.items():
        assert min(s) >= thr[name] - 1e-9
    # the threshold is the median of plain instances: about half of them fall below it
    below = np.mean([x < thr[n] for n, s in weak.items() for x in s])
    assert 0.3 < below < 0.7


def test_params_dataclass_defaults():
    p = SimulationParams()
    assert (p.length, p.n_train, p.n_valid, p.n_test, p.gc) == (1000, 20000, 2000, 4000, 0.41)
    assert GrammarRule("A", "B", 1, 3).label == "A>B[1-3]"


def test_read_through_deepsea_reader(sim):
    deepsea = pytest.importorskip("motifscope.io.deepsea")
    from motifscope.core.sequence import decode

    d, _res = sim
    for split in ("train", "valid", "test"):
        X, y = deepsea.read_mat(d / f"{split}.mat")
        seqs, y_ref = _read_split(d, split)
        assert decode(X) == seqs
        np.testing.assert_array_equal(np.asarray(y), y_ref)


def test_cli(tmp_path, capsys):
    from motifscope.cli import main
    from motifscope.io.meme import write_meme

    write_meme([Motif("gata", np.eye(4)[:, [2, 0, 3, 0]])], tmp_path / "m.meme")
    rc = main(
        [
            "simulate",
            "--out",
            str(tmp_path / "o"),
            "--n-train",
            "10",
            "--n-valid",
            "4",
            "--n-test",
            "6",
            "--length",
            "40",
            "--seed",
            "2",
            "--motifs",
            str(tmp_path / "m.meme"),
        ]
    )
    out = capsys.readouterr().out
    assert rc == 0 and "train.mat" in out
    m = scipy.io.loadmat(tmp_path / "o" / "valid.mat")
    assert m["validxdata"].shape == (4, 4, 40)
    rc = main(
        [
            "simulate",
            "--out",
            str(tmp_path / "o2"),
            "--n-train",
            "7",
            "--motifs",
            str(tmp_path / "m.meme"),
        ]
    )
    assert rc == 2 and "even" in capsys.readouterr().err
