"""The reference-genome reader: 0-based half-open fetches with N padding, contig aliases,
bgzip and plain FASTA, refusal of plain gzip and of non-FASTA files."""

from __future__ import annotations

import gzip
import random

import numpy as np
import pysam
import pytest

from motifscope.core.errors import DataFormatError, InputError
from motifscope.io.genome import Genome, contig_aliases, one_hot_sequences


def _genome(n=300, seed=0):
    rng = random.Random(seed)
    return {"chr1": "".join(rng.choice("ACGT") for _ in range(n)),
            "chr2": "".join(rng.choice("acgt") for _ in range(n // 2)),
            "chrM": "ACGTN" * 10}


def _write(path, seqs, width=60):
    with open(path, "w") as fh:
        for name, s in seqs.items():
            fh.write(f">{name} description\n")
            fh.writelines(s[i:i + width] + "\n" for i in range(0, len(s), width))
    return path


@pytest.fixture()
def fasta(tmp_path):
    seqs = _genome()
    return _write(tmp_path / "g.fa", seqs), seqs


def test_fetch_is_zero_based_half_open_and_pads_with_n(fasta):
    path, seqs = fasta
    g = Genome(path)
    s1 = seqs["chr1"]
    assert g.fetch("chr1", 10, 20) == s1[10:20]
    assert g.fetch("chr1", 0, 1) == s1[0]
    assert g.fetch("chr1", -3, 2) == "NNN" + s1[:2]
    assert g.fetch("chr1", 298, 303) == s1[298:] + "NNN"
    assert g.fetch("chr1", -2, 302) == "NN" + s1 + "NN"
    assert g.fetch("chr1", 400, 403) == "NNN"
    assert g.fetch("chr1", -5, -2) == "NNN"
    assert g.fetch("chr2", 5, 9) == seqs["chr2"][5:9].upper()
    assert g.length("chr2") == 150 and g.contigs == ["chr1", "chr2", "chrM"]
    assert (path.parent / "g.fa.fai").is_file()


def test_contig_names_are_reconciled(fasta):
    g = Genome(fasta[0])
    assert g.resolve("1") == "chr1" and g.resolve("chr1") == "chr1"
    assert g.resolve("MT") == "chrM" and g.resolve("M") == "chrM"
    assert g.resolve("chr3") is None and g.resolve("3") is None
    assert g.fetch("2", 0, 3) == fasta[1]["chr2"][:3].upper()
    with pytest.raises(InputError, match="no contig 'chr3'"):
        g.fetch("chr3", 0, 5)
    assert contig_aliases("1") == ["1", "chr1"] and contig_aliases("chrX") == ["chrX", "X"]


def test_one_hot_is_acgt_with_n_zero(fasta):
    g = Genome(fasta[0])
    x = g.one_hot("chrM", 0, 5).numpy()   # ACGTN
    assert x.shape == (4, 5)
    np.testing.assert_array_equal(x[:, :4], np.eye(4))
    assert x[:, 4].sum() == 0
    X = one_hot_sequences(["ACGT", "TTNA"]).numpy()
    assert X.shape == (2, 4, 4) and X[1, 3, 0] == 1 and X[1, :, 2].sum() == 0


def test_bgzip_works_and_plain_gzip_is_refused(tmp_path, fasta):
    path, seqs = fasta
    bgz = tmp_path / "b.fa.gz"
    pysam.tabix_compress(str(path), str(bgz))
    g = Genome(bgz)
    assert g.fetch("chr1", 100, 160) == seqs["chr1"][100:160]
    plain = tmp_path / "p.fa.gz"
    with gzip.open(plain, "wb") as fh:
        fh.write(path.read_bytes())
    with pytest.raises(DataFormatError, match="plain gzip.*bgzip") as e:
        Genome(plain)
    # the hint writes a new file: 'gunzip -c p.fa.gz | bgzip > p.fa.gz' truncated the genome
    assert "gunzip -c p.fa.gz | bgzip -c > p.bgzf.fa.gz" in str(e.value)
    from motifscope.io.genome import bgzip_name

    for name in ("hg38.fa.gz", "x.fasta.gz", "g.fna.gz", "genome.gz", "a.b.c", ".gz"):
        assert bgzip_name(name) != name


def test_missing_index_and_non_fasta(tmp_path, fasta):
    other = _write(tmp_path / "h.fa", {"x": "ACGT"})
    with pytest.raises(DataFormatError, match="no index h.fa.fai"):
        Genome(other, build_index=False)
    bad = tmp_path / "bad.fa"
    bad.write_text("chr1\t10\t20\n")
    with pytest.raises(DataFormatError, match="expected a FASTA file"):
        Genome(bad)
    with pytest.raises(DataFormatError, match="no such FASTA"):
        Genome(tmp_path / "absent.fa")
