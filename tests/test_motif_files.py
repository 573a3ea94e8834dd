"""Tests of motifscope.io.motif_files: motif files of every format, detected by content.

Real third-party files (``shared/data/realworld/motifs``) are checked against Biopython's
``Bio.motifs`` readers (the oracle: same number of motifs, names where comparable, and
matrices equal after normalising counts per column). Small files written here cover every
layout, also without the shared folder; HOMER and CIS-BP (no Biopython reader) are checked
against hand-computed matrices.
"""

from __future__ import annotations

import shutil
import warnings
from pathlib import Path

import numpy as np
import pytest

from motifscope.core.errors import InputError, MotifFormatError
from motifscope.io.meme import read_meme
from motifscope.io.motif_files import MOTIF_FORMATS, detect_motif_format, read_motifs

REAL = Path(__file__).resolve().parents[2] / "shared" / "data" / "realworld" / "motifs"

bm = pytest.importorskip("Bio.motifs")


def _real(name: str) -> Path:
    if not REAL.is_dir():
        pytest.skip(f"{REAL} is absent")
    p = REAL / name
    if not p.is_file():
        pytest.skip(f"{p} is absent")
    return p


def _bio_ppm(m) -> np.ndarray:
    C = np.array([m.counts[b] for b in "ACGT"], dtype=float)
    return C / C.sum(0)


def _read(path: Path, **kw):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # repeated names are renamed with a warning
        return read_motifs(path, **kw)


def _expected_names(names):
    """Biopython keeps repeated names; motifscope renames the k-th repeat ``name_k``."""
    seen: dict[str, int] = {}
    out = []
    for n in names:
        seen[n] = seen.get(n, 0) + 1
        out.append(n if seen[n] == 1 else f"{n}_{seen[n]}")
    return out


# ----------------------------------------------------------------------------- oracle

# file, Biopython fmt, parse keyword arguments, how names compare, detected format
ORACLE = [
    ("biopython_Arnt.sites", "sites", {}, None, "sites"),
    ("biopython_MA0056.1.transfac", "transfac", {"strict": False}, "transfac", "transfac"),
    ("biopython_SRF.pfm", "pfm", {}, None, "pfm-four-rows"),
    ("biopython_abdb.xms", "xms", {}, "name", "xms"),
    ("biopython_alignace.out", "alignace", {}, None, "alignace"),
    ("biopython_clusterbuster.pfm", "clusterbuster", {}, "name", "clusterbuster"),
    ("biopython_fourcolumns.pfm", "pfm-four-columns", {}, "first-word", "cisbp"),
    ("biopython_fourrows.pfm", "pfm-four-rows", {}, "first-word", "pfm-four-rows"),
    ("biopython_meme.INO_up800.classic.oops.xml", "meme", {}, "meme-xml", "meme-xml"),
    ("biopython_minimal_test.meme", "minimal", {}, "name", "meme"),
    ("biopython_transfac.dat", "transfac", {}, "transfac", "transfac"),
    ("memes_example.meme", "minimal", {}, "name", "meme"),
    ("memes_flyFactor_dups.meme", "minimal", {}, "name", "meme"),
    ("rsat_JASPAR2024_CORE_nematodes_transfac.txt", "transfac", {"strict": False},
     "transfac", "transfac"),
    ("rsat_cisBP_Helianthus_annuus_2019.tf", "transfac", {"strict": False}, "transfac",
     "transfac"),
    ("rsat_jaspar2016_pfm_nematodes.jaspar", "jaspar", {}, "jaspar", "jaspar"),
    ("tangermeme_test.meme", "minimal", {}, "name", "meme"),
    ("tangermeme_test2.meme", "minimal", {}, "name", "meme"),
]


def _check_names(ours, bio, how):
    if how is None:
        return
    if how == "jaspar":  # Biopython: name = TF name, matrix_id = ID
        assert [m.name for m in ours] == _expected_names([b.matrix_id for b in bio])
        assert [m.alt_name for m in ours] == [b.name for b in bio]
    elif how == "transfac":
        assert [m.name for m in ours] == _expected_names(
            [b.get("AC") or b.get("ID") for b in bio])
    elif how == "meme-xml":
        assert [m.name for m in ours] == [b.name for b in bio]
        assert [m.alt_name for m in ours] == [b.alt_id for b in bio]
        assert [m.nsites for m in ours] == [b.num_occurrences for b in bio]
    elif how == "name":
        assert [m.name for m in ours] == _expected_names([b.name for b in bio])
    elif how == "first-word":  # '>MA0001.1 AGL3' → name MA0001.1, alt_name AGL3
        expected = _expected_names([b.name.split()[0] if b.name else "" for b in bio])
        for m, b, e in zip(ours, bio, expected):
            if b.name and "\t" not in b.name and len(b.name.split()) <= 2:
                assert m.name == e
                if len(b.name.split()) == 2:
                    assert m.alt_name == b.name.split()[1]


@pytest.mark.parametrize(("name", "fmt", "kw", "names", "detected"), ORACLE,
                         ids=[c[0] for c in ORACLE])
def test_real_file_matches_biopython(name, fmt, kw, names, detected):
    p = _real(name)
    with p.open() as h:
        bio = list(bm.parse(h, fmt, **kw))
    assert detect_motif_format(p) == detected
    ours = _read(p)
    assert len(ours) == len(bio)
    _check_names(ours, bio, names)
    for m, b in zip(ours, bio):
        assert m.ppm.shape == (4, b.length)
        np.testing.assert_allclose(m.ppm.sum(0), 1.0)
        want = _bio_ppm(b)
        if fmt == "minimal":
            # Biopython's minimal reader stores integer counts round(p * nsites) (20 when
            # nsites is absent): equal up to that rounding, at most 1 / nsites.
            n = m.nsites or 20
            assert np.abs(m.ppm - want).max() <= 1.0 / n + 1e-6, m.name
        else:
            assert np.allclose(m.ppm, want, atol=1e-6), m.name
        if m.counts is not None and fmt not in ("meme", "minimal"):
            C = np.array([b.counts[x] for x in "ACGT"], dtype=float)
            assert np.allclose(m.counts, C, atol=1e-6), m.name


def test_real_minimal_is_read_meme():
    p = _real("tangermeme_test2.meme")
    ours, ref = read_motifs(p), read_meme(p)
    assert [m.name for m in ours] == [m.name for m in ref]
    for a, b in zip(ours, ref):
        np.testing.assert_array_equal(a.ppm, b.ppm)
        assert a.url == b.url and a.nsites == b.nsites


def test_real_meme_txt_equals_meme_xml_of_the_same_run():
    txt = _read(_real("biopython_meme.INO_up800.classic.oops.txt"))
    xml = _read(_real("biopython_meme.INO_up800.classic.oops.xml"))
    assert detect_motif_format(_real("biopython_meme.INO_up800.classic.oops.txt")) == "meme-txt"
    assert [(m.name, m.alt_name, m.nsites) for m in txt] == [
        ("GSKGCATGTGAAA", "MEME-1", 7), ("TTGACWCYTGCYCWG", "MEME-2", 7)]
    assert [m.name for m in txt] == [m.name for m in xml]
    assert txt[0].evalue == pytest.approx(1.9e-1) and txt[1].evalue == pytest.approx(54.0)
    for a, b in zip(txt, xml):
        assert np.allclose(a.ppm, b.ppm, atol=1e-6)
        assert a.evalue == pytest.approx(b.evalue)


def test_real_meme5_and_meme3_txt():
    (m,) = _read(_real("biopython_meme_v_5_0_4.txt"))
    assert (m.name, m.alt_name, m.nsites, m.width) == ("WTKDTAWAAT", "MEME-1", 326, 10)
    assert m.evalue == pytest.approx(3.6e-179)
    np.testing.assert_allclose(m.ppm[:, 0], [0.515337, 0.015337, 0.199387, 0.269939],
                               atol=1e-6)
    (m3,) = _read(_real("biopython_meme.out"))  # MEME 3.5.7: 'MOTIF  1  width = 10 ...'
    assert (m3.name, m3.nsites, m3.width, m3.consensus) == ("1", 10, 10, "CTCAATCGTA")


def test_real_dreme_txt_equals_dreme_xml():
    txt = _read(_real("memes_dreme_example_dreme.txt"))
    xml = _read(_real("memes_dreme.xml"))
    assert detect_motif_format(_real("memes_dreme_example_dreme.txt")) == "dreme-txt"
    assert len(txt) == len(xml) == 10
    assert [(m.name, m.alt_name, m.nsites) for m in txt] == [
        (m.name, m.alt_name, m.nsites) for m in xml]
    assert txt[0].name == "DGCARC" and txt[0].nsites == 1977
    for a, b in zip(txt, xml):
        assert np.allclose(a.ppm, b.ppm, atol=1e-6)
        assert a.evalue == pytest.approx(b.evalue)


def test_real_streme_xml():
    ms = _read(_real("memes_streme.xml"))
    assert len(ms) == 7
    assert (ms[0].name, ms[0].alt_name, ms[0].width) == ("1-RGCCACACCCWNNBY", "STREME-1", 15)
    np.testing.assert_allclose(ms[0].ppm[:, 0], np.array([0.413723, 0.130724, 0.317318,
                                                          0.138235]) / 1.000000, atol=1e-6)


@pytest.mark.parametrize(("name", "needle"), [
    ("biopython_meme.adh.classic.oops.xml", "DNA motifs only"),
    ("biopython_minimal_test_rna.meme", "DNA motifs only"),
    ("memes_dreme_example_tomtom.tsv", "not a recognised motif format"),
    ("SOURCES.md", "not a recognised motif format"),
])
def test_real_files_refused_with_one_line(name, needle):
    p = _real(name)
    with pytest.raises(MotifFormatError) as e:
        read_motifs(p)
    msg = str(e.value)
    assert needle in msg and str(p) in msg and "\n" not in msg


@pytest.mark.parametrize("name", [c[0] for c in ORACLE[:8]] + [
    "memes_streme.xml", "biopython_meme_v_5_0_4.txt", "memes_dreme_example_dreme.txt"])
def test_real_content_detection_ignores_extension(name, tmp_path):
    p = _real(name)
    ref = _read(p)
    for target in (tmp_path / "motifs", tmp_path / "motifs.txt", tmp_path / "x.meme"):
        shutil.copyfile(p, target)
        got = _read(target)
        assert len(got) == len(ref)
        for a, b in zip(got, ref):
            np.testing.assert_array_equal(a.ppm, b.ppm)


# ----------------------------------------------------------------------------- small files

MINIMAL = """MEME version 4

ALPHABET= ACGT

strands: + -

Background letter frequencies
A 0.25 C 0.25 G 0.25 T 0.25

MOTIF M1 alt one
letter-probability matrix: alength= 4 w= 2 nsites= 10 E= 0.5
0.1 0.2 0.3 0.4
0.7 0.1 0.1 0.1
"""

MEME_TXT = """********************************************************************************
MEME - Motif discovery tool
********************************************************************************
MEME version 5.0.1 (Release date: Wed Aug 22 15:26:53 2018 -0700)

ALPHABET= ACGT
Background letter frequencies (from dataset):
A 0.25 C 0.25 G 0.25 T 0.25
********************************************************************************
MOTIF ACGT MEME-1\twidth =   4  sites =   5  llr = 30  E-value = 1.2e-003
********************************************************************************
\tMotif ACGT MEME-1 position-specific scoring matrix
log-odds matrix: alength= 4 w= 4 n= 100 bayes= 1 E= 1.2e-003
  100   -10   -10   -10
  -10   100   -10   -10
  -10   -10   100   -10
  -10   -10   -10   100
\tMotif ACGT MEME-1 position-specific probability matrix
--------------------------------------------------------------------------------
letter-probability matrix: alength= 4 w= 4 nsites= 5 E= 1.2e-003
 0.800000  0.000000  0.200000  0.000000
 0.000000  1.000000  0.000000  0.000000
 0.000000  0.000000  1.000000  0.000000
 0.000000  0.200000  0.000000  0.800000
--------------------------------------------------------------------------------
Time  0.32 secs.
"""

STREME_TXT = """********************************************************************************
STREME - Sensitive, Thorough, Rapid, Enriched Motif Elicitation
********************************************************************************
MEME version 5.5.6 (Release date: Wed Jun 19 13:59:04 2024 -0700)

REFERENCE
If you use this program in your research, please cite:
Timothy L. Bailey, "STREME: accurate and versatile sequence motif discovery"
********************************************************************************
ALPHABET= ACGT

strands: + -

Background letter frequencies
A 0.25 C 0.25 G 0.25 T 0.25

MOTIF 1-GCA STREME-1
letter-probability matrix: alength= 4 w= 3 nsites= 40 E= 1.5e-003
0.000000 0.000000 1.000000 0.000000
0.000000 0.750000 0.250000 0.000000
1.000000 0.000000 0.000000 0.000000

********************************************************************************
COMMAND:\tstreme --p seqs.fa
********************************************************************************
"""

DREME_TXT = """# DREME 5.1.1
#     command: dreme -p seqs.fa

MEME version 5.1.1

ALPHABET= ACGT

strands: + -

Background letter frequencies (from dataset):
A 0.267 C 0.232 G 0.234 T 0.267


MOTIF TGA DREME-1

#             Word    RC Word        Pos        Neg    P-value    E-value
# BEST         TGA        TCA        922        464   6.7e-071   3.0e-066

letter-probability matrix: alength= 4 w= 3 nsites= 20 E= 3.0e-066
0.000000 0.000000 0.000000 1.000000
0.000000 0.000000 1.000000 0.000000
0.500000 0.000000 0.000000 0.500000

# Stopping reason: E-value threshold exceeded
"""

MEME_XML = """<?xml version='1.0' encoding='UTF-8' standalone='yes'?>
<!DOCTYPE MEME[
<!ELEMENT MEME (training_set, model, motifs)>
]>
<MEME version="5.0.1" release="Wed Aug 22 15:26:53 2018 -0700">
<training_set primary_sequences="s.fa" primary_count="2" primary_positions="20">
<alphabet name="DNA" like="dna">
<letter id="A" symbol="A" complement="T" name="Adenine"/>
<letter id="C" symbol="C" complement="G" name="Cytosine"/>
<letter id="G" symbol="G" complement="C" name="Guanine"/>
<letter id="T" symbol="T" aliases="U" complement="A" name="Thymine"/>
<letter id="N" symbol="N" aliases="X." equals="ACGT" name="Any base"/>
</alphabet>
<sequence id="sequence_0" name="s0" length="10" weight="1.000000"/>
<sequence id="sequence_1" name="s1" length="10" weight="1.000000"/>
<sequence id="sequence_2" name="s2" length="10" weight="1.000000"/>
<sequence id="sequence_3" name="s3" length="10" weight="1.000000"/>
<letter_frequencies><alphabet_array>
<value letter_id="A">0.25</value><value letter_id="C">0.25</value>
<value letter_id="G">0.25</value><value letter_id="T">0.25</value>
</alphabet_array></letter_frequencies>
</training_set>
<model><command_line>meme s.fa</command_line></model>
<motifs>
<motif id="motif_1" name="GAT" alt="MEME-1" width="3" sites="4" e_value="2.0e-002">
<scores><alphabet_matrix><alphabet_array>
<value letter_id="A">-10</value><value letter_id="C">-10</value>
<value letter_id="G">100</value><value letter_id="T">-10</value>
</alphabet_array></alphabet_matrix></scores>
<probabilities><alphabet_matrix>
<alphabet_array><value letter_id="A">0.0</value><value letter_id="C">0.0</value>
<value letter_id="G">1.0</value><value letter_id="T">0.0</value></alphabet_array>
<alphabet_array><value letter_id="A">0.75</value><value letter_id="C">0.25</value>
<value letter_id="G">0.0</value><value letter_id="T">0.0</value></alphabet_array>
<alphabet_array><value letter_id="A">0.0</value><value letter_id="C">0.0</value>
<value letter_id="G">0.0</value><value letter_id="T">1.0</value></alphabet_array>
</alphabet_matrix></probabilities>
<contributing_sites>
<contributing_site sequence_id="sequence_0" position="1" strand="plus" pvalue="1e-3"><left_flank>A</left_flank><site><letter_ref letter_id="G"/><letter_ref letter_id="A"/><letter_ref letter_id="T"/></site><right_flank>A</right_flank></contributing_site>
<contributing_site sequence_id="sequence_1" position="1" strand="plus" pvalue="1e-3"><left_flank>A</left_flank><site><letter_ref letter_id="G"/><letter_ref letter_id="A"/><letter_ref letter_id="T"/></site><right_flank>A</right_flank></contributing_site>
<contributing_site sequence_id="sequence_2" position="1" strand="plus" pvalue="1e-3"><left_flank>A</left_flank><site><letter_ref letter_id="G"/><letter_ref letter_id="A"/><letter_ref letter_id="T"/></site><right_flank>A</right_flank></contributing_site>
<contributing_site sequence_id="sequence_3" position="1" strand="plus" pvalue="1e-3"><left_flank>A</left_flank><site><letter_ref letter_id="G"/><letter_ref letter_id="C"/><letter_ref letter_id="T"/></site><right_flank>A</right_flank></contributing_site>
</contributing_sites>
</motif>
</motifs>
</MEME>
"""

STREME_XML = """<STREME version="5.3.2" release="Fri Feb 5 17:50:07 2021 -0800">
  <model>
    <alphabet name="DNA" like="dna">
      <letter id="A" symbol="A" complement="T"/><letter id="C" symbol="C" complement="G"/>
      <letter id="G" symbol="G" complement="C"/><letter id="T" symbol="T" complement="A"/>
    </alphabet>
  </model>
  <motifs>
    <motif id="1-CA" alt="STREME-1" width="2" train_pos_count="30">
      <pos A="0.1" C="0.7" G="0.1" T="0.1"/>
      <pos A="0.97" C="0.01" G="0.01" T="0.01"/>
    </motif>
  </motifs>
</STREME>
"""

DREME_XML = """<dreme version="5.1.1" release="Wed Jan 29 15:00:42 2020 -0800">
  <model><alphabet name="DNA" like="dna">
    <letter id="A" symbol="A"/><letter id="C" symbol="C"/>
    <letter id="G" symbol="G"/><letter id="T" symbol="T"/>
  </alphabet></model>
  <motifs>
    <motif id="m01" alt="DREME-1" seq="GC" length="2" nsites="12" evalue="3.0e-006">
      <pos A="0.0" C="0.0" G="1.0" T="0.0"/>
      <pos A="0.0" C="0.5" G="0.0" T="0.5"/>
      <match seq="GC" p="5" n="1" pvalue="1e-3" evalue="1e-2"/>
    </motif>
  </motifs>
</dreme>
"""

JASPAR = """>MA0001.1\tAGL3
A  [ 0  3 79 ]
C  [94 75  4 ]
G  [ 1  0  3 ]
T  [ 2 19 11 ]
>MA0004.1 Arnt
A  [ 4 19  0  0  0  0 ]
C  [16  0 20  0  0  0 ]
G  [ 0  1  0 20  0 20 ]
T  [ 0  0  0  0 20  0 ]
"""
AGL3 = np.array([[0, 3, 79], [94, 75, 4], [1, 0, 3], [2, 19, 11]], float)

FOUR_ROWS = " 2  9  0\n 1 33 45\n39  2  1\n 4  2  0\n"
FOUR_ROWS_C = np.array([[2, 9, 0], [1, 33, 45], [39, 2, 1], [4, 2, 0]], float)

FOUR_ROWS_LABELLED = """A | 9 1 1
T | 80 1 97
C | 9 97 1
G | 2 1 1
"""

FOUR_COLUMNS = "3 5 4 8\n0 0 19 1\n2 0 18 0\n"
FOUR_COLUMNS_C = np.array([[3, 5, 4, 8], [0, 0, 19, 1], [2, 0, 18, 0]], float).T

PFM_HEADER = """>MA0002.1 RUNX1
0 3 79
94 75 4
1 0 3
2 19 11
"""

SITES = """>MA0004\tARNT\t1
ccCACGtga
>MA0004\tARNT\t2
aaAACGtt
>MA0004\tARNT\t3
CGCGac
"""
SITES_C = np.array([[1, 2, 0, 0], [2, 0, 3, 0], [0, 1, 0, 3], [0, 0, 0, 0]], float)

TRANSFAC_JASPAR = """AC MA0056.1
XX
ID MZF1
XX
DE MA0056.1 MZF1 ; From JASPAR 2018
PO\tA\tC\tG\tT
01\t3.0\t5.0\t4.0\t8.0
02\t0.0\t0.0\t19.0\t1.0
XX
CC tax_group:vertebrates
XX
//
AC MA0057.1
XX
ID MZF2
XX
P0\tA\tC\tG\tT
01\t1.0\t1.0\t1.0\t1.0
XX
//
"""

TRANSFAC_RSAT = """AC  M00865_2.00
XX
ID  M00865_2.00
XX
DE  gc
P0       A     C     G     T
1    25 25 40 10
2    10 70 10 10
XX
CC  program: cis-bp
XX
//
"""

CLUSTERBUSTER = """>MA0004.1
4   16  0   0
19  0   1   0
>MA0008.1
# WEIGHT: 3.0
3   13  4   5
21  1   0   3
25  0   0   0
"""

ALIGNACE = """AlignACE 4.0 05/13/04
./AlignACE -i test.fa
Parameter values:
 expect =      \t10

Input sequences:
#0\tSEQ1; M: CTCAATCGTAGA at 52

Motif 1
ACGT\t0\t51\t0
ACGA\t1\t171\t0
*  *
MAP Score: 57.9079

Motif 2
GGC\t0\t7\t1
GTC\t0\t51\t0
* *
MAP Score: 19.62
"""

XMS = """<motif>
  <name>Abd-B</name>
    <weightmatrix alphabet="DNA" columns="2">
      <column pos="0">
        <weight symbol="thymine">0.125</weight>
        <weight symbol="guanine">0.375</weight>
        <weight symbol="cytosine">0.25</weight>
        <weight symbol="adenine">0.25</weight>
      </column>
      <column pos="1">
        <weight symbol="thymine">1</weight>
        <weight symbol="guanine">0</weight>
        <weight symbol="cytosine">0</weight>
        <weight symbol="adenine">0</weight>
      </column>
    </weightmatrix>
     <prop><key>PMID</key><value>7914870</value></prop>
   <threshold>0.0</threshold>
</motif>
"""

HOMER = (
    ">ATGACTCA\tAP-1(bZIP)/ThioMac-PU.1-ChIP-Seq(GSE21512)/Homer\t6.049537\t-1.782996e+03"
    "\t0\t9805.3,5781.0,3085.1,2715.0,0.00e+00\n"
    "0.419\t0.275\t0.277\t0.029\n"
    "0.001\t0.001\t0.001\t0.997\n"
    "0.010\t0.002\t0.965\t0.023\n"
    ">TGCA\tCTCF(Zf)/CD4+-CTCF-ChIP-Seq/Homer\t8.5\t-2000\t0\tT:1,B:2\n"
    "0.1\t0.2\t0.3\t0.4\n"
    "0.25\t0.25\t0.25\t0.25\n"
)

CISBP = """Pos\tA\tC\tG\tT
1\t0.25\t0.0833333\t0.0833333\t0.583333
2\t0.75\t0.166667\t0.0833333\t0
3\t0.0\t0.0\t1.0\t0.0
"""

# content, Biopython fmt (None: no Biopython reader), detected format
SMALL = {
    "minimal": (MINIMAL, "minimal", "meme"),
    "meme_txt": (MEME_TXT, None, "meme-txt"),
    "streme_txt": (STREME_TXT, None, "streme-txt"),
    "dreme_txt": (DREME_TXT, None, "dreme-txt"),
    "meme_xml": (MEME_XML, "meme", "meme-xml"),
    "streme_xml": (STREME_XML, None, "streme-xml"),
    "dreme_xml": (DREME_XML, None, "dreme-xml"),
    "jaspar": (JASPAR, "jaspar", "jaspar"),
    "four_rows": (FOUR_ROWS, "pfm-four-rows", "pfm-four-rows"),
    "four_rows_labelled": (FOUR_ROWS_LABELLED, "pfm-four-rows", "pfm-four-rows"),
    "four_columns": (FOUR_COLUMNS, "pfm-four-columns", "pfm-four-columns"),
    "pfm_header": (PFM_HEADER, "pfm-four-rows", "jaspar"),
    "sites": (SITES, "sites", "sites"),
    "transfac_jaspar": (TRANSFAC_JASPAR, "transfac", "transfac"),
    "transfac_rsat": (TRANSFAC_RSAT, "transfac", "transfac"),
    "clusterbuster": (CLUSTERBUSTER, "clusterbuster", "clusterbuster"),
    "alignace": (ALIGNACE, "alignace", "alignace"),
    "xms": (XMS, "xms", "xms"),
    "homer": (HOMER, None, "homer"),
    "cisbp": (CISBP, "pfm-four-columns", "cisbp"),
}


def _write(tmp_path, name, text, ext=""):
    p = tmp_path / f"{name}{ext}"
    p.write_text(text)
    return p


@pytest.mark.parametrize("key", list(SMALL))
def test_small_file_detected_and_matches_biopython(key, tmp_path):
    text, fmt, detected = SMALL[key]
    p = _write(tmp_path, key, text, ".dat")  # the extension never matters
    assert detect_motif_format(p) == detected
    ours = read_motifs(p)
    assert ours and all(m.ppm.shape[0] == 4 for m in ours)
    for m in ours:
        np.testing.assert_allclose(m.ppm.sum(0), 1.0)
    if fmt is None:
        return
    kw = {"strict": False} if fmt == "transfac" else {}
    with p.open() as h:
        bio = list(bm.parse(h, fmt, **kw))
    assert len(ours) == len(bio)
    for m, b in zip(ours, bio):
        assert np.allclose(m.ppm, _bio_ppm(b), atol=1e-6 if fmt != "minimal" else 0.05)


def test_small_meme_family_fields(tmp_path):
    (m,) = read_motifs(_write(tmp_path, "a", MINIMAL))
    assert (m.name, m.alt_name, m.nsites, m.evalue) == ("M1", "alt one", 10, 0.5)
    (m,) = read_motifs(_write(tmp_path, "b", MEME_TXT))
    assert (m.name, m.alt_name, m.nsites, m.evalue) == ("ACGT", "MEME-1", 5, 1.2e-3)
    np.testing.assert_allclose(m.ppm, [[.8, 0, 0, 0], [0, 1, 0, .2], [.2, 0, 1, 0],
                                       [0, 0, 0, .8]])
    (m,) = read_motifs(_write(tmp_path, "c", STREME_TXT))
    assert (m.name, m.alt_name, m.nsites, m.consensus) == ("1-GCA", "STREME-1", 40, "GCA")
    (m,) = read_motifs(_write(tmp_path, "d", DREME_TXT))
    assert (m.name, m.alt_name, m.nsites) == ("TGA", "DREME-1", 20)
    np.testing.assert_allclose(m.ppm[:, 2], [0.5, 0, 0, 0.5])
    (m,) = read_motifs(_write(tmp_path, "e", MEME_XML))
    assert (m.name, m.alt_name, m.nsites, m.evalue) == ("GAT", "MEME-1", 4, 2e-2)
    np.testing.assert_allclose(m.ppm[:, 1], [0.75, 0.25, 0, 0])
    (m,) = read_motifs(_write(tmp_path, "f", STREME_XML))
    assert (m.name, m.alt_name, m.nsites) == ("1-CA", "STREME-1", 30)
    (m,) = read_motifs(_write(tmp_path, "g", DREME_XML))
    assert (m.name, m.alt_name, m.nsites, m.evalue, m.width) == ("GC", "DREME-1", 12, 3e-6, 2)


def test_small_count_formats_fields(tmp_path):
    a, b = read_motifs(_write(tmp_path, "j", JASPAR))
    assert (a.name, a.alt_name, b.name, b.alt_name) == ("MA0001.1", "AGL3", "MA0004.1", "Arnt")
    np.testing.assert_array_equal(a.counts, AGL3)
    np.testing.assert_allclose(a.ppm, AGL3 / AGL3.sum(0))
    assert a.nsites == 97
    (m,) = read_motifs(_write(tmp_path, "SRF", FOUR_ROWS, ".pfm"))
    assert m.name == "SRF"  # unnamed: called after the file
    np.testing.assert_array_equal(m.counts, FOUR_ROWS_C)
    (m,) = read_motifs(_write(tmp_path, "lab", FOUR_ROWS_LABELLED))  # rows A T C G
    np.testing.assert_array_equal(m.counts[:, 0], [9, 9, 2, 80])
    (m,) = read_motifs(_write(tmp_path, "cols", FOUR_COLUMNS))
    np.testing.assert_array_equal(m.counts, FOUR_COLUMNS_C)
    (m,) = read_motifs(_write(tmp_path, "h", PFM_HEADER))
    assert (m.name, m.alt_name) == ("MA0002.1", "RUNX1")
    np.testing.assert_array_equal(m.counts, AGL3)
    (m,) = read_motifs(_write(tmp_path, "s", SITES))
    assert (m.name, m.alt_name, m.nsites) == ("MA0004", "ARNT", 3)
    np.testing.assert_array_equal(m.counts, SITES_C)
    a, b = read_motifs(_write(tmp_path, "t", TRANSFAC_JASPAR))
    assert (a.name, a.alt_name, b.name, b.alt_name) == ("MA0056.1", "MZF1", "MA0057.1", "MZF2")
    np.testing.assert_array_equal(a.counts, [[3, 0], [5, 0], [4, 19], [8, 1]])
    assert a.meta["CC"] == ["tax_group:vertebrates"]
    (m,) = read_motifs(_write(tmp_path, "r", TRANSFAC_RSAT))
    assert (m.name, m.alt_name) == ("M00865_2.00", None)
    np.testing.assert_allclose(m.ppm[:, 1], [0.1, 0.7, 0.1, 0.1])
    a, b = read_motifs(_write(tmp_path, "cb", CLUSTERBUSTER))
    assert (a.name, b.name, b.width) == ("MA0004.1", "MA0008.1", 3)
    np.testing.assert_array_equal(a.counts, [[4, 19], [16, 0], [0, 1], [0, 0]])
    a, b = read_motifs(_write(tmp_path, "al", ALIGNACE))
    assert (a.name, a.width, a.nsites, b.name, b.width) == ("1", 4, 2, "2", 3)
    np.testing.assert_array_equal(a.counts[:, 3], [1, 0, 0, 1])
    assert b.meta["map_score"] == pytest.approx(19.62)
    (m,) = read_motifs(_write(tmp_path, "x", XMS))
    assert m.name == "Abd-B" and m.meta["PMID"] == "7914870"
    np.testing.assert_allclose(m.ppm[:, 0], [0.25, 0.25, 0.375, 0.125])


def test_homer_hand_computed(tmp_path):
    a, b = read_motifs(_write(tmp_path, "ap1", HOMER, ".motif"))
    assert a.name == "AP-1(bZIP)/ThioMac-PU.1-ChIP-Seq(GSE21512)/Homer"
    assert a.alt_name == "ATGACTCA" and a.meta["log_odds_threshold"] == pytest.approx(6.049537)
    assert a.counts is None and a.width == 3
    expected = np.array([[0.419, 0.275, 0.277, 0.029], [0.001, 0.001, 0.001, 0.997],
                         [0.010, 0.002, 0.965, 0.023]]).T
    np.testing.assert_allclose(a.ppm, expected / expected.sum(0))
    assert b.name == "CTCF(Zf)/CD4+-CTCF-ChIP-Seq/Homer" and b.alt_name == "TGCA"
    np.testing.assert_allclose(b.ppm, [[0.1, 0.25], [0.2, 0.25], [0.3, 0.25], [0.4, 0.25]])


def test_cisbp_hand_computed(tmp_path):
    (m,) = read_motifs(_write(tmp_path, "M1734_0.90", CISBP, ".txt"))
    assert m.name == "M1734_0.90" and m.counts is None
    col1 = np.array([0.75, 0.166667, 0.0833333, 0.0])
    np.testing.assert_allclose(m.ppm[:, 1], col1 / col1.sum())
    np.testing.assert_allclose(m.ppm[:, 2], [0, 0, 1, 0])
    gene = "Gene\tENSG00000197372\nMotif\tM00001_2.00\n" + CISBP
    (m,) = read_motifs(_write(tmp_path, "g", gene))
    assert (m.name, m.alt_name, m.width) == ("M00001_2.00", "ENSG00000197372", 3)


def test_detection_ignores_extension(tmp_path):
    for key, (text, _, detected) in SMALL.items():
        for ext in ("", ".meme", ".jaspar", ".xml", ".txt"):
            p = _write(tmp_path, f"{key}_{ext.strip('.')}", text, ext)
            assert detect_motif_format(p) == detected, (key, ext)
            assert len(read_motifs(p)) >= 1


def test_forced_format(tmp_path):
    p = _write(tmp_path, "sq", "1 2 3 4\n5 6 7 8\n1 1 1 1\n2 2 2 2\n")
    (rows,) = read_motifs(p)  # a bare 4 x 4 matrix: rows A C G T by default
    (cols,) = read_motifs(p, format="pfm-four-columns")
    np.testing.assert_array_equal(rows.counts, cols.counts.T)
    (m,) = read_motifs(_write(tmp_path, "mm", MINIMAL), format="minimal")
    assert m.name == "M1"
    with pytest.raises(InputError, match="format='nope'"):
        read_motifs(p, format="nope")
    with pytest.raises(MotifFormatError, match="expected"):
        read_motifs(_write(tmp_path, "j2", JASPAR), format="transfac")


@pytest.mark.parametrize("text", [
    "hello world\nthis is not a motif\n",
    "Query_ID\tTarget_ID\tOptimal_offset\nA\tB\t1\n",
    "",
    "<html><body>no</body></html>",
])
def test_unknown_format_one_line(text, tmp_path):
    p = _write(tmp_path, "unknown", text, ".meme")
    with pytest.raises(MotifFormatError) as e:
        read_motifs(p)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg
    assert "not a recognised motif format" in msg
    for fmt in ("JASPAR", "TRANSFAC", "HOMER", "CIS-BP", "MEME minimal", "XMS"):
        assert fmt in msg


@pytest.mark.parametrize(("text", "line", "needle"), [
    (">MA1 X\nA [1 2]\nC [1 2]\nG [1 2]\n", 2, "expected 4 rows"),
    (">MA1 X\nA [1 2]\nC [1 2]\nG [1 2 3]\nT [1 2]\n", 2, "equal width"),
    (JASPAR.replace("79", "7x9"), 2, "matrix row"),
    ("AC M1\nXX\nP0 A C G T\n01 1 2 x 4\n//\n", 4, "not a number"),
    ("AC M1\nXX\nP0 A C G T\n01 1 2 3\n//\n", 4, "expected 4"),
    (">m\n1 2 3 4\n1 2 3\n", 3, "expected 4"),
    (HOMER.replace("0.001\t0.001\t0.001\t0.997", "0.001\t0.001\t0.997"), 3, "expected 4"),
    (CISBP.replace("2\t0.75", "2\t-0.75"), 2, "negative"),
    (SITES.replace("CGCGac", "CGCGAac"), 6, "expected 4"),
    (MEME_TXT.replace(" 0.000000  1.000000  0.000000  0.000000", " 0.5 0.5"), 22, "rows of 4"),
    (MEME_XML.replace("</motifs>", ""), None, "malformed XML"),
])
def test_malformed_content_names_file_and_line(text, line, needle, tmp_path):
    p = _write(tmp_path, "bad", text)
    with pytest.raises(MotifFormatError) as e:
        read_motifs(p)
    msg = str(e.value)
    assert "\n" not in msg and str(p) in msg and needle in msg
    if line is not None:
        assert f"line {line}:" in msg


def test_non_dna_and_missing(tmp_path):
    prot = MEME_XML.replace('<letter id="C" symbol="C" complement="G" name="Cytosine"/>',
                            '<letter id="C" symbol="C"/><letter id="D" symbol="D"/>')
    with pytest.raises(MotifFormatError, match="DNA motifs only"):
        read_motifs(_write(tmp_path, "prot", prot))
    with pytest.raises(InputError, match="not found"):
        read_motifs(tmp_path / "absent.jaspar")
    with pytest.raises(MotifFormatError, match="not a recognised"):
        (tmp_path / "bin").write_bytes(b"\x00\x01\x02binary")
        read_motifs(tmp_path / "bin")


def test_formats_listed():
    assert {"meme", "meme-txt", "meme-xml", "streme-xml", "dreme-xml", "jaspar",
            "pfm-four-rows", "pfm-four-columns", "sites", "transfac", "clusterbuster",
            "alignace", "xms", "homer", "cisbp"} <= set(MOTIF_FORMATS)


def test_a_fasta_of_sequences_is_not_a_sites_file(tmp_path):
    """JASPAR sites are FASTA with the site in upper case; a FASTA of sequences all of one
    case (a genome, a peak set) passed as a motif database is refused, naming what it is."""
    p = tmp_path / "seqs.fa"
    p.write_text("\ufeff>a\n" + "ACGT" * 15 + "\n>b\n" + "acgt" * 15 + "\n")
    with pytest.raises(MotifFormatError, match="seqs.fa: not a recognised motif format .it "
                                               "holds DNA sequences, FASTA, not motifs"):
        read_motifs(p)


def test_every_motif_option_takes_every_format(tmp_path, capsys):
    """tomtom's query and --db read any format by content: a HOMER query against a JASPAR
    database (both written here, the JASPAR one under a misleading name) finds its motif."""
    import pandas as pd

    from motifscope.cli import main

    homer = tmp_path / "q.motif"
    homer.write_text(">TGACTCA\tAP1_like\t6.0\n"
                     + "".join(" ".join(f"{v:.3f}" for v in row) + "\n" for row in (
                         (0.01, 0.01, 0.01, 0.97), (0.01, 0.01, 0.97, 0.01), (0.97, 0.01, 0.01, 0.01),
                         (0.01, 0.97, 0.01, 0.01), (0.01, 0.01, 0.01, 0.97), (0.01, 0.97, 0.01, 0.01),
                         (0.97, 0.01, 0.01, 0.01))))
    db = tmp_path / "db.meme"  # JASPAR content, whatever the name says
    db.write_text(">MA9999.1 AP1\nA [ 0 0 90 0 0 0 90 ]\nC [ 0 0 0 90 0 90 0 ]\n"
                  "G [ 0 90 0 0 0 0 0 ]\nT [ 90 0 0 0 90 0 0 ]\n"
                  ">MA9998.1 GATA\nA [ 0 90 0 90 ]\nC [ 0 0 0 0 ]\nG [ 90 0 0 0 ]\nT [ 0 0 90 0 ]\n")
    rc = main(["tomtom", str(homer), "--db", str(db), "--out", str(tmp_path / "t.tsv")])
    assert rc == 0, capsys.readouterr().err
    hits = pd.read_csv(tmp_path / "t.tsv", sep="\t")
    best = hits.sort_values("p_value").iloc[0]
    assert (best["query"], best["target"]) == ("AP1_like", "MA9999.1")
