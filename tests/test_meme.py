"""Tests of motifscope.io.meme: MEME minimal-format reading and writing."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from motifscope.core.errors import InputError, MotifFormatError
from motifscope.core.motifs import Motif
from motifscope.io.meme import DEFAULT_NSITES, format_meme, read_meme, read_meme_file, write_meme

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "danq"

HEADER = "MEME version 4\n\nALPHABET= ACGT\n\nstrands: + -\n\n"


def _need(name):
    from reference_data import reference

    return reference(name)


# ----------------------------------------------------------------------------- reading


@pytest.mark.parametrize(
    "name, n, width",
    [("DanQ.meme", 320, 26), ("DeepSEA.meme", 320, 8), ("DanQ-JASPAR.meme", 1024, 30)],
)
def test_read_published_danq_files(name, n, width):
    motifs = read_meme(_need(name))
    assert len(motifs) == n
    assert {m.width for m in motifs} == {width}
    assert [m.name for m in motifs[:3]] == ["M0", "M1", "M2"]
    assert motifs[5].alt_name == "O5"
    ns = [m.nsites for m in motifs]
    assert max(ns) == 2582 and min(ns) > 0
    assert all(np.allclose(m.ppm.sum(0), 1) for m in motifs)
    assert motifs[0].evalue == pytest.approx(1337.0e-6)


def test_read_danq_first_matrix_values_and_order():
    motifs, bg = read_meme(_need("DanQ.meme"), return_background=True)
    np.testing.assert_allclose(bg, 0.25)
    m = motifs[0]
    assert m.nsites == 2567
    # line 5 of the first matrix: 0.282820 0.710557 0.001558 0.005064  (A C G T)
    np.testing.assert_allclose(m.ppm[:, 4], [0.282820, 0.710557, 0.001558, 0.005064], atol=2e-6)
    # the matrix is integer counts / nsites (DanQ used no pseudocounts)
    c = m.ppm * m.nsites
    assert np.abs(c - np.round(c)).max() < 0.02


def test_read_jaspar_2016():
    mf = read_meme_file(_need("JASPAR_CORE_2016_vertebrates.meme"))
    assert len(mf.motifs) == 519
    assert mf.version == "4" and mf.strands == "+ -"
    assert mf.motifs[0].name == "danq_jaspar2016_000"
    assert mf.motifs[0].width == 11 and mf.motifs[0].nsites is None
    np.testing.assert_allclose(mf.motifs[0].ppm[:, 3], [0.0285, 0, 0.0035, 0.968])


def test_edge_no_trailing_blank_no_spaces_tabs_crlf():
    text = (
        "MEME version 4\r\n\r\nALPHABET= ACGT\r\n\r\n"
        "Background letter frequencies (from file x):\r\nA 0.3 C 0.2 G 0.2 T 0.3\r\n\r\n"
        "MOTIF\tm1\talt one\r\n"
        "letter-probability matrix: alength=4 w=2 nsites=10 E=1e-5\r\n\r\n"
        "0.1\t0.2\t0.3\t0.4\r\n1 0 0 0\r\n"
        "MOTIF m2\nletter-probability matrix: alength= 4 w= 1\n0.25 0.25 0.25 0.25"
    )
    motifs, bg = read_meme(io.StringIO(text), return_background=True)
    np.testing.assert_allclose(bg, [0.3, 0.2, 0.2, 0.3])
    assert [m.name for m in motifs] == ["m1", "m2"]
    assert motifs[0].alt_name == "alt one"
    assert motifs[0].nsites == 10 and motifs[0].evalue == pytest.approx(1e-5)
    np.testing.assert_allclose(motifs[0].ppm, [[0.1, 1], [0.2, 0], [0.3, 0], [0.4, 0]])
    assert motifs[1].nsites is None and motifs[1].evalue is None
    assert motifs[1].width == 1


def test_edge_without_w_url_logodds_and_alphabet_block(tmp_path):
    text = (
        'MEME version 5.4.1\n\nALPHABET "DNA" DNA-LIKE\nA "Adenine" CC0000 ~ T "Thymine" 008000\n'
        'C "Cytosine" 0000CC ~ G "Guanine" FFB300\nN "Any base" = ACGT\nEND ALPHABET\n\n'
        "MOTIF X\nlog-odds matrix: alength= 4 w= 2 E= 0\n1 -1 -1 -1\n-1 1 -1 -1\n"
        "letter-probability matrix: alength= 4\n0.7 0.1 0.1 0.1\n0.1 0.7 0.1 0.1\n\n"
        "URL http://example.org/X\n"
    )
    p = tmp_path / "x.meme"
    p.write_text(text)
    (m,) = read_meme(p)
    assert m.width == 2 and m.url == "http://example.org/X" and m.consensus == "AC"
    assert m.source == str(p)


def test_rows_renormalised_within_tolerance():
    text = HEADER + "MOTIF a\nletter-probability matrix: alength= 4 w= 1\n0.26 0.25 0.25 0.25\n"
    (m,) = read_meme(io.StringIO(text))
    np.testing.assert_allclose(m.ppm[:, 0].sum(), 1)
    np.testing.assert_allclose(m.ppm[0, 0], 0.26 / 1.01)


@pytest.mark.parametrize(
    "body, needle",
    [
        (
            "MOTIF a\nletter-probability matrix: alength= 4 w= 2\n0.25 0.25 0.5\n1 0 0 0\n",
            "line 9: motif 'a': letter-probability matrix row has 3 columns",
        ),
        (
            "MOTIF a\nletter-probability matrix: alength= 4 w= 3\n0.25 0.25 0.25 0.25\n1 0 0 0\n",
            "motif 'a': letter-probability matrix has w= 3 but 2 rows",
        ),
        (
            "MOTIF a\nletter-probability matrix: alength= 4 w= 1\n0.25 0.25 0.25 0.25\n1 0 0 0\n",
            "w= 1 but more rows follow",
        ),
        ("MOTIF a\nletter-probability matrix: alength= 4 w= 1\n0.75 0.5 -0.25 0\n", "negative"),
        (
            "MOTIF a\nletter-probability matrix: alength= 4 w= 2\n1 0 0 0\n0.5 0.2 0.2 0.2\n",
            "line 10: motif 'a': matrix row 2 sums to 1.1000",
        ),
        (
            "MOTIF a\nletter-probability matrix: alength= 4 w= 1\n0.25 x 0.25 0.25\n",
            "is not a number",
        ),
        (
            "MOTIF a\nletter-probability matrix: alength= 20 w= 1\n0.25 0.25 0.25 0.25\n",
            "alength= 20",
        ),
        ("MOTIF a\nURL x\n", "has no letter-probability matrix"),
    ],
)
def test_bad_files_raise_one_line_errors(body, needle, tmp_path):
    p = tmp_path / "bad.meme"
    p.write_text(HEADER + body)
    with pytest.raises(MotifFormatError) as e:
        read_meme(p)
    msg = str(e.value)
    assert "\n" not in msg
    assert msg.startswith(f"{p}: line ")
    assert needle in msg


@pytest.mark.parametrize(
    "header, needle",
    [
        ("MEME version 4\n\nALPHABET= ACDEFGHIKLMNPQRSTVWY\n\n", "protein"),
        ("MEME version 4\n\nALPHABET= ACGU\n\n", "RNA"),
        ('MEME version 5\n\nALPHABET "RNA" RNA-LIKE\nA ~ U\nC ~ G\nEND ALPHABET\n', "DNA"),
        ("MOTIF a\n", "MEME version"),
        ("MEME version 3\n", "version"),
        ("MEME version 4\nBackground letter frequencies\nA 0.5 C 0.5\n", "background"),
    ],
)
def test_bad_headers(header, needle):
    with pytest.raises(MotifFormatError, match=needle):
        read_meme(io.StringIO(header + "MOTIF a\nletter-probability matrix: w= 1\n1 0 0 0\n"))


def test_missing_file_is_input_error(tmp_path):
    with pytest.raises(InputError, match="not found"):
        read_meme(tmp_path / "nope.meme")


# ----------------------------------------------------------------------------- writing

_names = st.text(
    alphabet=st.characters(min_codepoint=33, max_codepoint=126), min_size=1, max_size=12
)


@st.composite
def _motifs(draw):
    n = draw(st.integers(1, 4))
    out = []
    for i in range(n):
        w = draw(st.integers(1, 12))
        seed = draw(st.integers(0, 2**32 - 1))
        rng = np.random.default_rng(seed)
        P = rng.dirichlet(np.full(4, draw(st.sampled_from([0.1, 1.0, 10.0]))), size=w).T
        out.append(
            Motif(
                name=draw(_names) + str(i),
                ppm=P,
                alt_name=draw(st.none() | _names),
                nsites=draw(st.none() | st.integers(1, 5000)),
                evalue=draw(st.none() | st.floats(1e-300, 1e3)),
                url=draw(st.none() | st.just("https://jaspar.elixir.no/matrix/MA0035.4/")),
            )
        )
    return out


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(motifs=_motifs())
def test_roundtrip_hypothesis(motifs):
    text = format_meme(motifs)
    back = read_meme(io.StringIO(text))
    assert len(back) == len(motifs)
    for a, b in zip(motifs, back):
        assert b.name == a.name and b.alt_name == a.alt_name and b.url == a.url
        assert b.nsites == (a.nsites if a.nsites is not None else DEFAULT_NSITES)
        if a.evalue is None:
            assert b.evalue is None
        else:
            assert b.evalue == a.evalue
        np.testing.assert_allclose(b.ppm, a.ppm, atol=2e-6)


def test_write_is_atomic_and_background(tmp_path):
    m = Motif("a", np.eye(4)[:, [2, 0, 3, 0]], nsites=7)
    p = write_meme([m], tmp_path / "o.meme", background=[0.3, 0.2, 0.2, 0.3])
    assert p == tmp_path / "o.meme"
    assert [f.name for f in tmp_path.iterdir()] == ["o.meme"]
    back, bg = read_meme(p, return_background=True)
    np.testing.assert_allclose(bg, [0.3, 0.2, 0.2, 0.3])
    assert back[0].consensus == "GATA"
    # a Motif's name is one word from the start (whitespace and control characters → _)
    assert Motif("a b\tc\n", np.eye(4)).name == "a_b_c"
    renamed = Motif("a", np.eye(4))
    renamed.name = "a b"  # set after construction: the writer still refuses it
    with pytest.raises(InputError, match="one non-empty word"):
        write_meme([renamed], tmp_path / "x.meme")
    assert not (tmp_path / "x.meme").exists()


def test_danq_style_header_matches_published_file(tmp_path):
    ref = _need("DanQ.meme").read_text().split("\n")
    motifs = read_meme(_need("DanQ.meme"))
    for m in motifs:
        m.evalue = None  # DanQ's E= 1337.0e-6 is a placeholder, written back as such
    out = tmp_path / "d.meme"
    write_meme(motifs, out, style="danq")
    mine = out.read_text().split("\n")
    assert mine[:11] == ref[:11]  # header, MOTIF line, matrix header
    assert len(mine) == len(ref)
    for a, b in zip(mine, ref):
        if a and a[0].isdigit():
            np.testing.assert_allclose(
                np.array(a.split(), float), np.array(b.split(), float), atol=1.5e-6
            )
        else:
            assert a == b


def test_biopython_reads_what_we_write(tmp_path):
    from Bio import motifs as bm

    rng = np.random.default_rng(0)
    ms = [
        Motif(f"m{i}", rng.dirichlet(np.ones(4), size=8).T, alt_name=f"alt{i}", nsites=n)
        for i, n in enumerate([7, 100, 2582, None])
    ]
    p = write_meme(ms, tmp_path / "b.meme")
    with open(p) as fh:
        rec = bm.parse(fh, "minimal")
    assert [r.name for r in rec] == [m.name for m in ms]
    for r, m in zip(rec, ms):
        n = m.nsites or DEFAULT_NSITES
        assert r.num_occurrences == n
        counts = np.array([r.counts[b] for b in "ACGT"])
        np.testing.assert_allclose(counts / n, m.ppm, atol=0.5 / n + 1e-6)


def test_memelite_reads_what_we_write(tmp_path):
    memelite_io = pytest.importorskip("memelite.io")
    rng = np.random.default_rng(1)
    ms = [Motif(f"m{i}", rng.dirichlet(np.ones(4), size=5 + i).T, alt_name="X") for i in range(3)]
    p = write_meme(ms, tmp_path / "m.meme")
    d = memelite_io.read_meme(str(p))
    assert list(d) == [f"m{i} X" for i in range(3)]
    for m, v in zip(ms, d.values()):
        np.testing.assert_allclose(np.asarray(v), m.ppm, atol=1e-6)


def test_duplicate_motif_ids_are_kept_renamed_with_a_warning():
    """Tables, logos and Tomtom matches are keyed by the ID: a second motif of the same ID
    was silently lost or confused with the first. Real databases hold such files (the
    FlyFactorSurvey file of the memes package), so both are kept: the second renamed."""
    from motifscope.core.errors import MotifscopeWarning

    block = ("MOTIF {} {}\nletter-probability matrix: alength= 4 w= 2\n"
             "0.25 0.25 0.25 0.25\n0.7 0.1 0.1 0.1\n\n")
    text = ("MEME version 4\n\nALPHABET= ACGT\n\n" + block.format("m1", "a")
            + block.format("m1", "b") + block.format("m1_2", "c") + block.format("m1", "d"))
    with pytest.warns(MotifscopeWarning) as caught:
        ms = read_meme(io.StringIO(text))
    assert "line 10: motif ID 'm1' again (first on line 5); read as m1_2" in str(caught[0].message)
    assert len(caught) == 3
    assert [(m.name, m.alt_name) for m in ms] == [("m1", "a"), ("m1_2", "b"), ("m1_2_2", "c"),
                                                  ("m1_3", "d")]
    real = DATA.parent / "realworld" / "motifs" / "memes_flyFactor_dups.meme"
    if real.is_file():
        with pytest.warns(MotifscopeWarning, match="HLH54F_da_SANGER_5"):
            names = [m.name for m in read_meme(real)]
        assert names == ["HLH54F_da_SANGER_5", "HLH54F_da_SANGER_5_2"]
