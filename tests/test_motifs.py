"""Tests of motifscope.core.motifs: the Motif type."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif

U = np.full((4, 1), 0.25)
GATA = np.eye(4)[:, [2, 0, 3, 0]]  # one-hot columns G, A, T, A (rows A, C, G, T)


def test_ppm_normalised_and_zero_column_uniform():
    m = Motif("x", np.array([[2.0, 0], [2, 0], [0, 0], [0, 0]]))
    np.testing.assert_allclose(m.ppm, [[0.5, 0.25], [0.5, 0.25], [0, 0.25], [0, 0.25]])
    assert m.width == len(m) == 2


@pytest.mark.parametrize(
    "ppm, needle",
    [
        (np.ones((5, 3)), r"\(4, w\)"),
        (np.ones(4), r"\(4, w\)"),
        (-np.ones((4, 2)), "negative"),
        (np.full((4, 2), np.nan), "non-finite"),
    ],
)
def test_bad_ppm(ppm, needle):
    with pytest.raises(InputError, match=needle):
        Motif("bad", ppm)


def test_information_content_by_hand():
    m = Motif("x", np.hstack([GATA[:, :1], U, np.array([[0.5], [0.5], [0], [0]])]))
    np.testing.assert_allclose(m.information_content(), [2.0, 0.0, 1.0])
    # against a GC-rich background, a pure G carries log2(1/0.4) bits
    bg = [0.1, 0.4, 0.4, 0.1]
    assert m.information_content(bg)[0] == pytest.approx(np.log2(1 / 0.4))
    with pytest.raises(InputError, match="background"):
        m.information_content([0.5, 0.5, 0, 0])


def test_pwm_log_odds():
    m = Motif("x", np.array([[0.5], [0.25], [0.25], [0.0]]))
    W = m.pwm(pseudocount=0.0)
    np.testing.assert_allclose(W[:3, 0], [1.0, 0.0, 0.0])
    assert W[3, 0] == -np.inf
    assert np.isfinite(m.pwm()).all()


def test_consensus_and_reverse_complement():
    m = Motif("g", GATA, counts=GATA * 7)
    assert m.consensus == "GATA"
    rc = m.reverse_complement()
    assert rc.consensus == "TATC"
    np.testing.assert_allclose(rc.counts, (GATA * 7)[::-1, ::-1])
    np.testing.assert_allclose(rc.reverse_complement().ppm, m.ppm)
    assert Motif("u", np.hstack([U, GATA[:, :1]])).consensus == "NG"


@settings(max_examples=50, deadline=None)
@given(st.integers(1, 10), st.integers(0, 2**31))
def test_rc_preserves_information(w, seed):
    P = np.random.default_rng(seed).dirichlet(np.ones(4), size=w).T
    m = Motif("r", P)
    np.testing.assert_allclose(
        m.reverse_complement().information_content(), m.information_content()[::-1]
    )


def test_trim_flanks_and_offset():
    P = np.hstack([U, U, GATA, U, np.array([[0.97], [0.01], [0.01], [0.01]])])
    m = Motif("t", P, counts=P * 10, nsites=10).trim(0.5)
    assert m.consensus == "GATANA"
    assert m.meta["trim_offset"] == 2 and m.counts.shape == (4, 6) and m.nsites == 10
    flat = Motif("f", np.full((4, 3), 0.25)).trim()
    assert flat.width == 1


def test_from_counts():
    C = np.array([[3, 0], [0, 1], [0, 1], [0, 1]], float)
    m = Motif.from_counts("c", C)
    assert m.nsites == 3
    np.testing.assert_allclose(m.ppm[:, 1], [0, 1 / 3, 1 / 3, 1 / 3])
    np.testing.assert_allclose(m.counts, C)
    p = Motif.from_counts("c", C, pseudocount=1, nsites=3)
    np.testing.assert_allclose(p.ppm[:, 0], [4 / 7, 1 / 7, 1 / 7, 1 / 7])
    with pytest.raises(InputError, match="counts"):
        Motif("c", C, counts=np.ones((4, 3)))


def test_names_are_one_word_and_alt_names_one_line():
    """A tab or newline in a name corrupted every table and MEME file it reached (a
    database of such names lost NeuronMotif matches); an empty name is refused."""
    m = Motif("  tab\there\r\nx ", np.eye(4), alt_name="TF\nname\x00 two")
    assert m.name == "tab_here_x" and m.alt_name == "TF name two"
    assert Motif("a", np.eye(4), alt_name="\n\t").alt_name is None
    for bad in ("", "  ", None):
        with pytest.raises(InputError, match="expected a non-empty identifier"):
            Motif(bad, np.eye(4))
