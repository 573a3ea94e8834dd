"""Tests of motifscope.core.sequence: encoding, base order, reverse complement, shuffles."""

import numpy as np
import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

from motifscope.core.errors import InputError
from motifscope.core.sequence import (
    acgt_from_agct,
    agct_from_acgt,
    decode,
    dinucleotide_shuffle,
    from_indices,
    one_hot_encode,
    reverse_complement,
    to_indices,
)

dna = st.text(alphabet="ACGT", min_size=1, max_size=60)


def test_one_hot_layout_and_base_order():
    X = one_hot_encode("GATA")
    assert X.shape == (1, 4, 4) and X.dtype == torch.float32
    # rows are A, C, G, T: G at position 0 is row 2, A at position 1 is row 0, T is row 3
    expected = torch.tensor(
        [[0, 1, 0, 1], [0, 0, 0, 0], [1, 0, 0, 0], [0, 0, 1, 0]], dtype=torch.float32
    )
    assert torch.equal(X[0], expected)


def test_lower_case_n_and_iupac_are_zero_columns():
    X = one_hot_encode(["acgtNRYK"])
    assert torch.equal(X[0, :, :4], torch.eye(4))
    assert X[0, :, 4:].sum() == 0
    assert decode(X) == ["ACGTNNNN"]


def test_u_is_t():
    assert decode(one_hot_encode("ACGU")) == ["ACGT"]


@given(st.lists(dna, min_size=1, max_size=5).map(lambda xs: [x[: min(map(len, xs))] for x in xs]))
def test_decode_inverts_encode(seqs):
    assert decode(one_hot_encode(seqs)) == seqs


def test_unequal_lengths_and_bad_characters_raise():
    with pytest.raises(InputError, match="different lengths"):
        one_hot_encode(["ACG", "AC"])
    with pytest.raises(InputError, match=r"sequence 1 has the character 'X' at position 2"):
        one_hot_encode(["ACGT", "ACXT"])


def test_reverse_complement_batched_and_types():
    X = one_hot_encode(["GATTACA", "CCGNAAT"])
    assert decode(reverse_complement(X)) == ["TGTAATC", "ATTNCGG"]
    assert decode(reverse_complement(X.numpy())) == ["TGTAATC", "ATTNCGG"]


def test_reverse_complement_rejects_wrong_shapes():
    with pytest.raises(InputError, match=r"\(N, 4, L\)"):
        reverse_complement(torch.zeros(4, 10))
    with pytest.raises(InputError):
        reverse_complement(torch.zeros(2, 10, 4))


def test_deepsea_order_asymmetric_motif():
    """GATA stored in DeepSEA's A,G,C,T order must come back as GATA, not CATA."""
    agct = np.zeros((1, 4, 4), dtype=np.uint8)
    for j, base in enumerate("GATA"):
        agct[0, "AGCT".index(base), j] = 1
    assert decode(acgt_from_agct(agct)) == ["GATA"]
    assert decode(agct) == ["CATA"]  # what a reader that forgot to convert would see
    X = one_hot_encode("GATA")
    assert np.array_equal(agct_from_acgt(X).numpy(), agct)
    assert torch.equal(acgt_from_agct(agct_from_acgt(X)), X)


def test_indices_roundtrip():
    idx = to_indices(["ACGTN"])
    assert idx.tolist() == [[0, 1, 2, 3, 4]] and idx.dtype == np.uint8
    assert decode(from_indices(idx)) == ["ACGTN"]


def _dinucs(s):
    return sorted(s[i : i + 2] for i in range(len(s) - 1))


@settings(max_examples=60, deadline=None)
@given(st.text(alphabet="ACGTN", min_size=1, max_size=80), st.integers(0, 2**32 - 1))
def test_dinucleotide_shuffle_preserves_counts_exactly(seq, seed):
    for s in dinucleotide_shuffle(seq, n=3, random_state=seed):
        assert len(s) == len(seq)
        assert s[0] == seq[0] and s[-1] == seq[-1]
        assert _dinucs(s) == _dinucs(seq)


def test_dinucleotide_shuffle_tensor_shape_seed_and_randomness():
    rng = np.random.default_rng(0)
    seqs = ["".join(rng.choice(list("ACGT"), 200)) for _ in range(3)]
    X = one_hot_encode(seqs)
    a = dinucleotide_shuffle(X, n=5, random_state=1)
    b = dinucleotide_shuffle(X, n=5, random_state=1)
    assert a.shape == (3, 5, 4, 200) and torch.equal(a, b)
    shuffled = [decode(a[i]) for i in range(3)]
    for s, sh in zip(seqs, shuffled):
        assert all(_dinucs(x) == _dinucs(s) for x in sh)
        assert len(set(sh)) > 1 and any(x != s for x in sh)
    c = dinucleotide_shuffle(X, n=5, random_state=2)
    assert not torch.equal(a, c)
