"""Tests of motifscope.io.jaspar: offline JASPAR releases and the DanQ-JASPAR 2016 set."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from motifscope.core.errors import ConfigError, InputError
from motifscope.io.jaspar import danq_jaspar2016, find_by_name, jaspar_motifs, releases

DATA = Path(__file__).resolve().parents[2] / "shared" / "data"


def _rc(s: str) -> str:
    return s[::-1].translate(str.maketrans("ACGTN", "TGCAN"))


def test_releases_include_2026_first():
    r = releases()
    assert r[0] == "JASPAR2026" and "JASPAR2016" in r


def test_core_vertebrates_2026_counts_and_fields():
    ms = jaspar_motifs()
    assert len(ms) == 1019  # published count of the non-redundant 2026 CORE vertebrates
    assert len({m.name.split(".")[0] for m in ms}) == 1019  # one version per matrix
    for m in ms[:50]:
        np.testing.assert_allclose(m.ppm.sum(0), 1.0, atol=1e-12)
        np.testing.assert_allclose(m.ppm, m.counts / m.counts.sum(0), atol=1e-12)
        assert m.nsites == round(m.counts.sum(0).max())
        assert m.url == f"https://jaspar.elixir.no/matrix/{m.name}/"
        assert m.source == "JASPAR2026" and "tf_class" in m.meta and "species" in m.meta


@pytest.mark.slow
def test_other_counts():
    assert len(jaspar_motifs(all_versions=True)) == 2059
    assert len(jaspar_motifs(2024)) == 879


def test_known_motifs():
    (ctcf,) = jaspar_motifs(ids="MA0139")
    assert ctcf.alt_name == "CTCF" and ctcf.name.startswith("MA0139.")
    cons = ctcf.consensus
    # CTCF core CCGCGNGGNGGCAG on one strand, i.e. CAGGGGGCG / its complement here
    assert "CAGGGGGCG" in cons or "CAGGGGGCG" in _rc(cons)
    (gata,) = jaspar_motifs(ids="MA0035.2")  # an older version, selected explicitly
    assert "GATA" in gata.consensus or "GATA" in _rc(gata.consensus)
    sp1 = jaspar_motifs(names="sp1")  # case-insensitive names
    assert [m.alt_name for m in sp1] == ["SP1"] and "GGGCGG" in sp1[0].consensus


def test_cached_results_are_copies():
    a = jaspar_motifs(names="SP1")[0]
    a.ppm[:] = 0.25
    b = jaspar_motifs(names="SP1")[0]
    assert b.ppm.max() > 0.5


def test_errors():
    with pytest.raises(ConfigError, match="JASPAR2026"):
        jaspar_motifs(release="JASPAR1999")
    with pytest.raises(ConfigError, match="UNVALIDATED"):
        jaspar_motifs(collection="NOPE")
    assert [m.name for m in jaspar_motifs(ids="MA0035", all_versions=True)][:2] == [
        "MA0035.1",
        "MA0035.2",
    ]
    with pytest.raises(InputError, match="MA9999"):
        jaspar_motifs(ids=["MA0139", "MA9999"])
    with pytest.raises(InputError, match="nonexistent"):
        jaspar_motifs(names="nonexistent")


def test_find_by_name_any_tax_group():
    hits = find_by_name("ctcf")
    assert hits and all(m.alt_name == "CTCF" for m in hits)
    assert find_by_name("not-a-tf") == []


def test_danq_jaspar2016_matches_file():
    ms = danq_jaspar2016()
    assert len(ms) == 519
    assert [m.name for m in ms[:3]] == [
        "danq_jaspar2016_000",
        "danq_jaspar2016_001",
        "danq_jaspar2016_002",
    ]
    for m in ms:
        np.testing.assert_allclose(m.ppm.sum(0), 1.0, atol=1e-5)
    from reference_data import JASPAR16, PACKAGED

    # first motif, first row, read by hand from the reference file (the shared copy when
    # present, else the packaged one), A, C, G, T
    text = JASPAR16.read_text().split("MOTIF danq_jaspar2016_000")[1].splitlines()[2]
    np.testing.assert_allclose(ms[0].ppm[:, 0], [float(v) for v in text.split()], atol=1e-6)
    assert (PACKAGED / JASPAR16.name).read_bytes() == JASPAR16.read_bytes()
