"""First-layer seeding with enriched k-mers (motifscope.train.seeding)."""

from __future__ import annotations

import numpy as np
import pytest
import torch

from motifscope.core.errors import ConfigError, InputError
from motifscope.core.sequence import one_hot_encode
from motifscope.train.seeding import (
    _canonical_codes,
    _pick,
    _similar,
    enriched_kmers,
    kmer_string,
    seed_first_layer,
)


def _rc(word):
    return word[::-1].translate(str.maketrans("ACGT", "TGCA"))


def one_hot(seq):
    return one_hot_encode(seq)[0].numpy().astype(np.uint8)


def _random_seqs(n, L, seed):
    rng = np.random.default_rng(seed)
    return ["".join(rng.choice(list("ACGT"), L)) for _ in range(n)]


def _planted(n=300, L=120, word="GATTACA", seed=0):
    """Half the sequences hold ``word`` (random strand, random place): task 0; task 1's
    labels are a coin flip."""
    rng = np.random.default_rng(seed)
    seqs = _random_seqs(n, L, seed + 1)
    y = np.zeros((n, 2), np.uint8)
    for i in range(n):
        if i % 2 == 0:
            w = word if rng.random() < 0.5 else _rc(word)
            p = int(rng.integers(0, L - len(w)))
            seqs[i] = seqs[i][:p] + w + seqs[i][p + len(w):]
            y[i, 0] = 1
    y[:, 1] = rng.random(n) < 0.5
    return np.stack([one_hot(s) for s in seqs]).astype(np.uint8), y


def test_canonical_codes_by_hand_and_strand_symmetric():
    X = one_hot("ACGTNAC")[None].astype(np.uint8)
    codes = _canonical_codes(X, 3)[0]
    # ACG = 0b000110 = 6, its reverse complement CGT = 27: canonical 6; CGT -> min(27, ACG 6)
    assert codes[0] == 6 and codes[1] == 6
    assert (codes[2:5] == -1).all()  # windows over the N
    assert kmer_string(6, 3) == "ACG"
    seq = _random_seqs(1, 50, 3)[0]
    fwd = _canonical_codes(one_hot(seq)[None], 5)[0]
    rev = _canonical_codes(one_hot(_rc(seq))[None], 5)[0]
    np.testing.assert_array_equal(fwd, rev[::-1])


def test_enriched_kmers_find_the_planted_word_and_not_noise():
    X, y = _planted()
    ranked = enriched_kmers(X, y, k=7)
    assert ranked[0][0][0] == "GATTACA"  # canonical: GATTACA < TGTAATC
    assert ranked[0][0][1] > 10
    assert all(z < ranked[0][0][1] / 2 for _, z in ranked[1])
    short = enriched_kmers(X[:, :, :5], y, k=7)
    assert short == [[], []]
    with pytest.raises(InputError, match="k ="):
        enriched_kmers(X, y, k=0)
    with pytest.raises(InputError, match="expected"):
        enriched_kmers(X[:, :3], y)


def test_no_seeds_from_noise():
    """Random sequences with random labels: no k-mer reaches the seeding threshold (MIN_Z),
    for 70 tasks (more than one block of 64) with 3 % to 50 % positives."""
    from motifscope.train.seeding import MIN_Z, seed_first_layer

    rng = np.random.default_rng(7)
    X = np.stack([one_hot(s) for s in _random_seqs(1500, 300, 8)])
    y = (rng.random((1500, 70)) < np.linspace(0.03, 0.5, 70)).astype(np.uint8)
    ranked = enriched_kmers(X, y, k=7, min_z=0, top=1)
    best = max(words[0][1] for words in ranked)
    assert 2 < best < MIN_Z
    assert enriched_kmers(X, y, k=7) == [[] for _ in range(70)]
    from motifscope import zoo

    assert seed_first_layer(zoo.build("deepsea_default", seq_len=300, n_targets=70), X, y) == []


def test_pick_round_robin_and_no_near_duplicates():
    assert _similar("GATTACA", "GATTACC") and _similar("GATTACA", "ATTACAG")
    assert _similar("GATTACA", _rc("GATTACA"))
    assert not _similar("GATTACA", "CCGGCCG")
    ranked = [[("GATTACA", 9.0), ("GATTACC", 8.0), ("TTTTCCC", 7.0)],
              [("CCGGCCG", 6.0), ("TGTAATC", 5.0)]]
    picked = _pick(ranked, 10)
    assert [(w, t) for w, t, _ in picked] == [("GATTACA", 0), ("CCGGCCG", 1), ("TTTTCCC", 0)]
    assert len(_pick(ranked, 2)) == 2
    flipped = [ranked[1], ranked[0]]  # the stronger task goes first whatever its index
    assert [(w, t) for w, t, _ in _pick(flipped, 2)] == [("GATTACA", 1), ("CCGGCCG", 0)]


def test_seed_first_layer_sets_filters_to_the_words():
    from motifscope import zoo

    X, y = _planted()
    torch.manual_seed(0)
    model = zoo.build("deepsea_default", seq_len=120, n_targets=2)
    before = model.first_conv.weight.detach().clone()
    norm = float(before.flatten(1).norm(dim=1).mean())
    seeds = seed_first_layer(model, X, y, fraction=0.05, k=7)
    W = model.first_conv.weight.detach()
    assert 1 <= len(seeds) <= int(0.05 * 128) and seeds[0]["kmer"] == "GATTACA"
    assert "".join("ACGT"[i] for i in W[0].argmax(0)) == "GATTACA"
    for s in seeds:
        assert W[s["filter"]].norm().item() == pytest.approx(norm, rel=1e-5)
    torch.testing.assert_close(W[len(seeds):], before[len(seeds):])  # the rest untouched
    assert seed_first_layer(model, X, y, fraction=0.0) == []
    with pytest.raises(InputError, match="fraction"):
        seed_first_layer(model, X, y, fraction=1.5)
    narrow = zoo.build("deepsea_default", seq_len=120, n_targets=2, kernel_size=[5, 7])
    seeds = seed_first_layer(narrow, X, y, fraction=0.05, k=7)
    assert all(len(s["kmer"]) == 5 for s in seeds)
    with pytest.raises(InputError, match="fixed, not learned"):
        seed_first_layer(zoo.build("kmer_lr", seq_len=120, n_targets=2), X, y)


def test_train_run_seeds_once_and_records_the_words(tmp_path):
    from motifscope.data.simulate import simulate
    from motifscope.train import train_run
    from motifscope.train.config import TrainConfig

    sim = simulate(tmp_path / "sim", motifs=["CTCF", "GATA1"], length=120, n_train=400,
                   n_valid=100, n_test=100, grammar=(), seed=0)
    run = train_run("deepsea_default", sim.out_dir, tmp_path / "run", epochs=1,
                    seed_filters=0.1, device="cpu", progress=False, evaluate_test=False)
    rows = (run / "seeded_kmers.tsv").read_text().splitlines()
    assert rows[0] == "filter\tkmer\ttask\tz" and len(rows) > 1
    assert {r.split("\t")[2] for r in rows[1:]} == {"0", "1"}  # both tasks got a seed
    with pytest.raises(ConfigError, match="seed_filters"):
        TrainConfig(seed_filters=2.0)


def test_training_sample_spreads_runs_of_rows(tmp_path):
    """More rows than wanted: ``blocks`` runs spread evenly from the first row to the last;
    otherwise the whole file."""
    from motifscope.data.simulate import simulate
    from motifscope.io.deepsea import read_mat
    from motifscope.train.seeding import training_sample

    sim = simulate(tmp_path / "sim", motifs=["CTCF"], length=50, n_train=400, n_valid=10,
                   n_test=10, grammar=(), seed=0)
    X, y = read_mat(sim.out_dir / "train.mat")
    Xs, ys = training_sample(sim.out_dir / "train.mat", n=100, blocks=4)
    assert Xs.shape == (100, 4, 50) and Xs.dtype == np.uint8 and ys.shape == (100, 1)
    for b, start in enumerate((0, 125, 250, 375)):  # linspace(0, 400 - 25, 4)
        np.testing.assert_array_equal(Xs[25 * b:25 * b + 25], X[start:start + 25].numpy())
        np.testing.assert_array_equal(ys[25 * b:25 * b + 25], np.asarray(y[start:start + 25]))
    Xa, _ = training_sample(sim.out_dir / "train.mat", n=1000)
    np.testing.assert_array_equal(Xa, X.numpy())
