"""DeepATT query-vector similarity: hand-set queries, statistics, attention maps."""

import math

import numpy as np
import pytest
import torch

from motifscope.core.errors import InputError
from motifscope.methods.similarity import (
    attention_maps,
    cosine_similarity,
    group_statistics,
    order_targets,
    pair_statistics,
    query_vectors,
    random_queries,
    sigmoid_enhance,
)
from motifscope.zoo import build


@pytest.fixture(scope="module")
def small_deepatt():
    torch.manual_seed(0)
    return build("deepatt", seq_len=120, n_targets=6, width=1 / 16).eval()


def test_hand_set_queries_give_known_cosines(small_deepatt):
    m = small_deepatt
    D = m.attention.dims
    W = torch.zeros(D, 6)  # Linear(6 -> D) weight; query i = W[:, i] + b
    W[0, 0] = 1.0
    W[0, 1], W[1, 1] = 1.0, 1.0  # 45 degrees from query 0
    W[1, 2] = 2.0  # orthogonal to query 0
    W[0, 3] = -3.0  # opposite to query 0
    W[2, 4] = 1.0
    W[2, 5] = 1.0  # identical direction to 4
    with torch.no_grad():
        m.attention.wq.weight.copy_(W)
        m.attention.wq.bias.zero_()
    S = cosine_similarity(query_vectors(m))
    assert S[0, 1] == pytest.approx(1 / math.sqrt(2))
    assert S[0, 2] == pytest.approx(0.0)
    assert S[0, 3] == pytest.approx(-1.0)
    assert S[4, 5] == pytest.approx(1.0)
    assert np.allclose(S, S.T) and np.allclose(np.diag(S), 1)
    # the bias is part of every query
    with torch.no_grad():
        m.attention.wq.bias.fill_(1.0)
    Q = query_vectors(m)
    assert np.allclose(Q[2], W[:, 2].numpy() + 1.0)


def test_per_head_split_matches_attention_reshape(small_deepatt):
    m = small_deepatt
    Q = query_vectors(m)
    Qh = query_vectors(m, per_head=True)
    H, T, d = Qh.shape
    assert H == m.attention.heads and T == 6 and d * H == Q.shape[1]
    for h in range(H):
        assert np.allclose(Qh[h], Q[:, h * d : (h + 1) * d])
    assert cosine_similarity(Qh).shape == (H, 6, 6)


def test_query_vectors_rejects_non_attention_models():
    with pytest.raises(InputError, match="no category attention"):
        query_vectors(build("deepsea", seq_len=200, n_targets=3, width=1 / 16))


def test_random_queries_are_nearly_orthogonal():
    R = cosine_similarity(random_queries((919, 400), random_state=0))
    off = R[~np.eye(919, dtype=bool)]
    assert abs(off.mean()) < 0.01 and off.std() < 0.08  # ~1/sqrt(400) = 0.05


def test_pair_statistics_detects_blocks_and_not_noise():
    rng = np.random.default_rng(1)
    T = 40
    labels = np.repeat(np.arange(4), 10)
    base = rng.normal(size=(4, 30))
    Q = base[labels] * 0.6 + rng.normal(size=(T, 30))
    S = cosine_similarity(Q)
    mask = labels[:, None] == labels[None, :]
    st = pair_statistics(S, mask, n_permutations=300, random_state=0)
    assert st["marked"] > st["other"] and st["p_value"] < 0.01
    assert st["n_marked"] == 4 * 45
    Snoise = cosine_similarity(rng.normal(size=(T, 30)))
    p = pair_statistics(Snoise, mask, n_permutations=300, random_state=0)["p_value"]
    assert p > 0.01
    df = group_statistics(S, {"block": labels}, n_permutations=200, random_state=0)
    assert df.loc[0, "p_value"] < 0.01 and df.loc[0, "n_targets"] == T


def test_enhance_is_monotone_and_order_is_a_permutation():
    rng = np.random.default_rng(2)
    S = cosine_similarity(rng.normal(size=(12, 8)))
    E = sigmoid_enhance(S)
    flat_s, flat_e = S.ravel(), E.ravel()
    o = np.argsort(flat_s)
    assert np.all(np.diff(flat_e[o]) >= -1e-12) and E.min() > 0 and E.max() < 1
    cats = ["a"] * 4 + ["b"] * 8
    for method in ("category", "cluster"):
        idx = order_targets(S, cats, method=method)
        assert sorted(idx.tolist()) == list(range(12))
        assert set(idx[:4].tolist()) == set(range(4))


def test_attention_maps_shape_and_normalisation(small_deepatt):
    X = torch.nn.functional.one_hot(torch.randint(0, 4, (5, 120)), 4).permute(0, 2, 1).float()
    A = attention_maps(small_deepatt, X, targets=[1, 3], batch_size=2)
    assert A.shape[:3] == (5, 2, small_deepatt.attention.heads)
    assert np.allclose(A.sum(-1), 1, atol=1e-5)
    full = attention_maps(small_deepatt, X, batch_size=5)
    assert np.allclose(full[:, [1, 3]], A, atol=1e-6)  # batch-size invariant
    assert small_deepatt.attention.store_weights is False


def test_similarity_analysis_writes_files_and_section(small_deepatt, tmp_path):
    from motifscope import analysis

    ctx = analysis.Context(tmp_path, small_deepatt, out={"similarity": tmp_path}, options={
        "similarity": {"categories": ["x"] * 3 + ["y"] * 3, "n_permutations": 50,
                       "pair_masks": {"first pair": np.eye(6, k=1, dtype=bool)}}})
    assert analysis.applicable(small_deepatt, ["similarity", "neuronmotif"]) == ["similarity"]
    res = analysis.run("similarity", ctx)
    for name in ("similarity.npy", "random_similarity.npy", "statistics.tsv", "similarity.png",
                 "similarity.plotly.json", "section.json"):
        assert (tmp_path / name).is_file(), name
    assert sorted(p.name for p in res.files) == sorted(
        ["similarity.npy", "random_similarity.npy", "order.npy", "statistics.tsv",
         "similarity.png", "similarity.plotly.json"])
    st = res.data["statistics"]
    assert set(st["queries"]) == {"trained", "random"}
    assert set(st["grouping"]) == {"category", "first pair"}
    assert np.allclose(np.load(tmp_path / "similarity.npy"), res.data["similarity"])
