"""Tests of motifscope.io.fasta."""

from __future__ import annotations

import gzip

import numpy as np
import pytest

from motifscope.core.errors import DataFormatError
from motifscope.core.sequence import decode
from motifscope.io.fasta import fasta_to_one_hot, read_bed, read_fasta


def _write(p, text):
    p.write_text(text)
    return p


def test_multiline_blank_lines_crlf_and_gzip(tmp_path):
    text = ">s1 first record\r\nACGT\r\nac\r\n\r\n>s2\nNNNN\nGGGG\nT\n"
    p = _write(tmp_path / "a.fa", text)
    names, seqs = read_fasta(p)
    # the name is the header's first word, as pyfaidx and pysam take it
    assert names == ["s1", "s2"] and seqs == ["ACGTac", "NNNNGGGGT"]
    gz = tmp_path / "a.fa.gz"
    gz.write_bytes(gzip.compress(text.encode()))
    assert read_fasta(gz) == (names, seqs)
    odd = tmp_path / "noext"  # gzip detected by magic bytes, not name
    odd.write_bytes(gzip.compress(text.encode()))
    assert read_fasta(odd) == (names, seqs)


@pytest.mark.parametrize(
    "text, where",
    [
        ("ACGT\n>s\nACGT\n", "line 1"),
        (">s1\n>s2\nACGT\n", "line 1"),
        (">s1\nACGT\n>s2\n", "line 3"),
        (">s1\nACGT\nAC-T\n", "line 3"),
        ("", "no FASTA record"),
    ],
)
def test_bad_files(tmp_path, text, where):
    p = _write(tmp_path / "bad.fa", text)
    with pytest.raises(DataFormatError, match=where) as e:
        read_fasta(p)
    assert "bad.fa" in str(e.value)


def test_center_crop_and_pad(tmp_path):
    p = _write(tmp_path / "x.fa", ">long\nAACCGGTTA\n>short\nGTA\n>exact\nACGTA\n")
    names, X = fasta_to_one_hot(p, length=5)
    assert names == ["long", "short", "exact"] and X.shape == (3, 4, 5)
    # 9 -> 5: drop 2 left, 2 right; 3 -> 5: one N each side; odd remainders go right
    assert decode(X) == ["CCGGT", "NGTAN", "ACGTA"]
    _, X4 = fasta_to_one_hot(p, length=4)
    assert decode(X4)[0] == "CCGG"  # 9 -> 4: drop 2 left, 3 right
    assert decode(X4)[1] == "GTAN"  # 3 -> 4: the extra N on the right
    assert float(X[1, :, 0].sum()) == 0.0  # padding is all-zero
    # invariance: reverse complement of the file = reverse complement of the tensor,
    # for sequences whose crop/pad is symmetric
    _, Xe = fasta_to_one_hot(p, length=5, mode="center")
    rc = _write(tmp_path / "rc.fa", ">e\nTACGT\n")
    _, Xr = fasta_to_one_hot(rc, length=5)
    np.testing.assert_array_equal(Xr[0].numpy(), Xe[2].numpy()[::-1, ::-1])


def test_strict_mode(tmp_path):
    p = _write(tmp_path / "x.fa", ">a\nACGT\n>b\nACG\n")
    with pytest.raises(DataFormatError, match="'b' has 3 bases"):
        fasta_to_one_hot(p, length=4, mode="strict")


def test_read_bed(tmp_path):
    p = _write(tmp_path / "x.bed", "track name=x\nchr1\t10\t20\tpeak1\t0\t+\nchr2\t5\t6\n")
    df = read_bed(p)
    assert list(df["chrom"]) == ["chr1", "chr2"] and list(df["end"]) == [20, 6]
    with pytest.raises(DataFormatError, match="line 1"):
        read_bed(_write(tmp_path / "b.bed", "chr1\t10\n"))


def test_a_header_without_a_name_is_refused(tmp_path):
    """A bare ">" line used to be a record named "" written as an empty row."""
    for text in (">\nACGT\n", ">  \t\nACGT\n", ">a\nAC\n>\nGG\n"):
        p = _write(tmp_path / "e.fa", text)
        with pytest.raises(DataFormatError, match="e.fa, line .*a header without a name"):
            read_fasta(p)
