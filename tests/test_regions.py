"""Regions in (BED/narrowPeak/--region → windows) and tracks out (bigWig/bedGraph)."""

import numpy as np
import pytest

from motifscope.core.errors import DataFormatError, InputError
from motifscope.core.sequence import decode
from motifscope.io.genome import Genome
from motifscope.io.regions import Interval, parse_region, read_bed, resize, tile, windows
from motifscope.io.tracks import merge_windows, write_bedgraph, write_bigwig

RC = str.maketrans("ACGTN", "TGCAN")


@pytest.fixture()
def genome(tmp_path):
    rng = np.random.default_rng(0)
    seqs = {"chr1": "".join(rng.choice(list("ACGT"), 300)), "chr2": "".join(rng.choice(list("ACGT"), 80))}
    fa = tmp_path / "g.fa"
    fa.write_text("".join(f">{k}\n{v}\n" for k, v in seqs.items()))
    return Genome(fa), seqs


def _bed(tmp_path, lines, name="r.bed"):
    p = tmp_path / name
    p.write_text("".join(lines))
    return p


def test_bed3_bed6_narrowpeak_windows_equal_hand_built(genome, tmp_path):
    g, seqs = genome
    bed = _bed(tmp_path, ["track name=x\n", "# comment\n", "chr1\t100\t120\n",
                          "chr1\t100\t121\tpeakB\t0\t-\n",
                          "1\t50\t150\tnp\t0\t.\t1\t1\t1\t30\n",  # summit at 80, 'chr1' as '1'
                          "chr2\t70\t80\tend\t0\t+\n"])
    ivs = read_bed(bed)
    X, table = windows(g, ivs, 11, source=bed)
    s = seqs["chr1"]
    # midpoint 110 → [105, 116); odd L: the centre base 110 at index 5
    assert decode(X[:1])[0] == s[105:116]
    # (100 + 121) // 2 = 110, minus strand: reverse complement of the same window
    assert decode(X[1:2])[0] == s[105:116].translate(RC)[::-1]
    assert decode(X[2:3])[0] == s[75:86]  # summit 50 + 30
    # chr2 is 80 bp long: [70, 81) runs one base past the end → N (all-zero column)
    assert decode(X[3:4])[0] == seqs["chr2"][70:80] + "N"
    assert float(X[3, :, -1].sum()) == 0.0
    assert list(table["name"]) == ["chr1:100-120", "peakB", "np", "end"]
    assert list(table["start"]) == [105, 105, 75, 70] and list(table["strand"]) == [".", "-", ".", "+"]


def test_even_length_and_chromosome_start(genome):
    g, seqs = genome
    w = resize(Interval("chr1", 2, 4), 10)  # centre 3 → [-2, 8): two N first
    assert (w.start, w.end) == (-2, 8)
    X, _ = windows(g, [Interval("chr1", 2, 4)], 10)
    assert decode(X)[0] == "NN" + seqs["chr1"][:8]


def test_region_parsing_and_tiling():
    r = parse_region("chr1:1,001-1,030")
    assert (r.chrom, r.start, r.end) == ("chr1", 1000, 1030)
    tiles = tile(r, 10, 8)
    assert [(t.start, t.end) for t in tiles] == [(1000, 1010), (1008, 1018), (1016, 1026), (1024, 1034)]
    with pytest.raises(InputError, match="chrom:start-end"):
        parse_region("chr1-5")
    with pytest.raises(InputError, match="1 <= start <= end"):
        parse_region("chr1:50-10")


@pytest.mark.parametrize("line, msg", [
    ("chr1\t20\t10\n", r"r.bed: line 1: interval 20-10"),
    ("chr1\tten\t20\n", r"line 1: start/end"),
    ("chr1\t10\n", r"line 1: 2 column"),
    ("chr1\t1\t5\tn\t0\t*\n", r"line 1: strand"),
    ("chr1\t1\t5\tn\t0\t+\t1\t1\t1\t9\n", r"line 1: summit offset 9"),
])
def test_bad_bed_lines_name_file_and_line(tmp_path, line, msg):
    with pytest.raises(DataFormatError, match=msg):
        read_bed(_bed(tmp_path, [line]))


def test_missing_contig_names_bed_line(genome, tmp_path):
    g, _ = genome
    bed = _bed(tmp_path, ["chr1\t1\t5\n", "chrZ\t1\t5\n"])
    with pytest.raises(InputError, match=r"r.bed: line 2: contig 'chrZ' is not in"):
        windows(g, read_bed(bed), 8, source=bed)


def test_merge_mean_and_centre():
    import pandas as pd

    t = pd.DataFrame({"chrom": ["chr1"] * 3, "start": [0, 4, 8], "end": [8, 12, 16],
                      "strand": ["."] * 3})
    s, e, v = merge_windows(t, np.array([1.0, 3.0, 5.0]))["chr1"]
    # bases 0-3: 1; 4-7: mean(1, 3) = 2; 8-11: mean(3, 5) = 4; 12-15: 5
    assert s.tolist() == [0, 4, 8, 12] and e.tolist() == [4, 8, 12, 16] and v.tolist() == [1, 2, 4, 5]
    s, e, v = merge_windows(t, np.array([1.0, 3.0, 5.0]), rule="centre", centre=4)["chr1"]
    assert s.tolist() == [2, 6, 10] and e.tolist() == [6, 10, 14] and v.tolist() == [1, 3, 5]
    per = np.arange(8.0)[None].repeat(3, 0)
    t.loc[1, "strand"] = "-"  # flipped back to forward coordinates: base 4 holds 7
    s, e, v = merge_windows(t, per)["chr1"]
    first = dict(zip(range(16), np.repeat(v, e - s)))
    assert first[0] == 0 and first[4] == (4 + 7) / 2 and first[15] == 7


def test_bigwig_and_bedgraph_read_back(genome, tmp_path):
    pyBigWig = pytest.importorskip("pyBigWig")
    import pandas as pd

    g, _ = genome
    t = pd.DataFrame({"chrom": ["1", "1", "chr2"], "start": [10, 14, 75], "end": [18, 22, 83],
                      "strand": ["."] * 3})
    tracks = merge_windows(t, np.array([0.5, 1.5, 2.0]))
    bw = write_bigwig(tmp_path / "t.bw", tracks, g)
    with pyBigWig.open(str(bw)) as f:
        assert f.chroms() == {"chr1": 300, "chr2": 80}
        vals = f.values("chr1", 10, 22)
        assert np.allclose(vals, [0.5] * 4 + [1.0] * 4 + [1.5] * 4)
        assert np.isnan(f.values("chr1", 9, 10)[0])  # uncovered: absent, not zero
        assert f.values("chr2", 75, 80) == [2.0] * 5 and f.intervals("chr2")[-1][1] == 80
    text = write_bedgraph(tmp_path / "t.bedGraph", tracks, g).read_text().splitlines()
    assert text[0].startswith("track type=bedGraph")
    assert text[1:] == ["chr1\t10\t14\t0.5", "chr1\t14\t18\t1", "chr1\t18\t22\t1.5", "chr2\t75\t80\t2"]


def _danq_run(path):
    """A run directory of a small random DanQ (60 bp, 2 targets) for the verb tests."""
    import torch

    from motifscope import zoo
    from motifscope.runs.directory import MODEL_FILE, atomic_torch_save, init_run_dir, write_config

    torch.manual_seed(0)
    over = {"seq_len": 60, "n_targets": 2, "width": 0.25}
    run = init_run_dir(path)
    write_config(run, {"model": {"name": "danq_demo", "overrides": over}})
    atomic_torch_save(zoo.build("danq_demo", **over).state_dict(), run / MODEL_FILE)
    return run


def test_predict_verb_on_bed_and_region_writes_coordinates_and_tracks(genome, tmp_path, capsys):
    pyBigWig = pytest.importorskip("pyBigWig")
    import pandas as pd

    from motifscope.cli import main

    g, _ = genome
    run = _danq_run(tmp_path / "run")
    bed = _bed(tmp_path, ["chr1\t100\t120\tp1\t0\t+\n", "chr1\t200\t230\tp2\t0\t-\n"])
    assert main(["predict", str(run), "--bed", str(bed), "--fasta", str(g.path), "--out",
                 str(tmp_path / "p.tsv"), "--device", "cpu"]) == 0
    df = pd.read_csv(tmp_path / "p.tsv", sep="\t")
    assert list(df.columns[:5]) == ["chrom", "start", "end", "strand", "name"]
    assert df["start"].tolist() == [80, 185] and df["name"].tolist() == ["p1", "p2"]
    assert main(["predict", str(run), "--region", "chr1:1-200", "--fasta", str(g.path), "--out",
                 str(tmp_path / "r.tsv"), "--stride", "30", "--tracks", str(tmp_path / "bw"),
                 "--merge", "centre", "--device", "cpu"]) == 0
    r = pd.read_csv(tmp_path / "r.tsv", sep="\t")
    assert r["start"].tolist() == [0, 30, 60, 90, 120, 150] and len(r) == 6
    with pyBigWig.open(str(tmp_path / "bw" / "t1.bw")) as f:
        # centre-only: window k covers [30k + 15, 30k + 45) with its own prediction
        assert f.values("chr1", 15, 16)[0] == pytest.approx(r["t1"][0], rel=1e-5)
        assert f.values("chr1", 50, 51)[0] == pytest.approx(r["t1"][1], rel=1e-5)
    capsys.readouterr()
    assert main(["predict", str(run), "--bed", str(bed), "--out", str(tmp_path / "x.tsv")]) == 2
    assert "--fasta" in capsys.readouterr().err


def test_attribute_verb_on_a_region_writes_contribution_tracks(genome, tmp_path):
    pyBigWig = pytest.importorskip("pyBigWig")
    import pandas as pd

    from motifscope.cli import main

    g, _ = genome
    run = _danq_run(tmp_path / "run")
    bed = _bed(tmp_path, ["chr1\t100\t120\tp1\t0\t+\n", "chr1\t100\t120\tp1m\t0\t-\n"])
    assert main(["attribute", str(run), "--bed", str(bed), "--fasta", str(g.path), "--target", "0",
                 "--method", "deeplift_shap", "--n-shuffles", "2", "--out", str(tmp_path / "a" / "d.npz"),
                 "--tracks", str(tmp_path / "bw")]) == 0
    win = pd.read_csv(tmp_path / "a" / "windows.tsv", sep="\t")
    assert win["start"].tolist() == [80, 80] and win["strand"].tolist() == ["+", "-"]
    d = np.load(tmp_path / "a" / "d.npz")["arr_0"]  # (N, 4, L) observed-base attributions
    ohe = np.load(tmp_path / "a" / "d.ohe.npz")["arr_0"]
    plus = (d[0] * ohe[0]).sum(0)
    minus = (d[1] * ohe[1]).sum(0)[::-1]  # back on the forward strand
    with pyBigWig.open(str(tmp_path / "bw" / "contribution.bw")) as f:
        got = np.array(f.values("chr1", 80, 140))
    assert np.allclose(got, (plus + minus) / 2, atol=1e-5)  # both windows, mean per base
    with pyBigWig.open(str(tmp_path / "bw" / "hypothetical_A.bw")) as f:
        assert len(f.values("chr1", 80, 140)) == 60


def test_seqlets_verb_on_bed_reports_genome_coordinates(genome, tmp_path):
    import pandas as pd

    from motifscope.cli import main

    g, _ = genome
    run = _danq_run(tmp_path / "run")
    bed = _bed(tmp_path, ["chr1\t100\t120\tp1\t0\t+\n", "chr1\t200\t220\tp2\t0\t-\n"])
    assert main(["seqlets", str(run), "--bed", str(bed), "--fasta", str(g.path), "--target", "0",
                 "--method", "saliency", "--motifs", "none", "--controls", "0",
                 "--threshold", "0.5", "--out", str(tmp_path / "s")]) == 0
    s = pd.read_csv(tmp_path / "s" / "seqlets.tsv", sep="\t")
    assert len(s) and set(s["chrom"]) == {"chr1"}
    win = {0: (80, "+"), 1: (180, "-")}
    for r in s.itertuples():
        w0, strand = win[r.seq]
        if strand == "+":
            assert (r.start, r.end) == (w0 + r.seq_start, w0 + r.seq_end)
        else:  # counted from the window's end on the forward strand
            assert (r.start, r.end) == (w0 + 60 - r.seq_end, w0 + 60 - r.seq_start)


def test_regions_beyond_a_contig_end(genome, tmp_path):
    """A region past its contig's end is cut to it; one that starts after the end, or on a
    contig the genome lacks, is refused; BED intervals past the end are skipped (bedtools)."""
    from motifscope.core.errors import MotifscopeWarning
    from motifscope.io.regions import load_regions

    g, seqs = genome
    with pytest.warns(MotifscopeWarning, match="chr2 is 80 bp long; the region is cut to chr2:1-80"):
        _, X, table = load_regions(g.path, 40, region="chr2:1-1000000000000", stride=20)
    assert list(table["start"]) == [0, 20, 40] and decode(X[2:3])[0] == seqs["chr2"][40:80]
    with pytest.raises(InputError, match="starts after the end of chr2 \\(80 bp\\)"):
        load_regions(g.path, 40, region="chr2:81-100")
    with pytest.raises(InputError, match="contig 'chrZ' is not in"):
        load_regions(g.path, 40, region="chrZ:1-100")
    bed = _bed(tmp_path, ["chr1\t10\t50\n", "chr2\t500\t600\n", "chr2\t90\t99\n"])
    with pytest.warns(MotifscopeWarning, match="2 interval\\(s\\) start beyond the end .*line 2"):
        _, X, table = load_regions(g.path, 40, bed=bed)
    assert X.shape[0] == 1 and list(table["start"]) == [10]
    with pytest.raises(InputError, match="every interval starts beyond the end"), \
            pytest.warns(MotifscopeWarning):
        load_regions(g.path, 40, bed=_bed(tmp_path, ["chr2\t500\t600\n"], "far.bed"))


def test_a_region_too_large_to_hold_is_refused(genome, monkeypatch):
    """Tiling a whole chromosome at a small stride would need gigabytes: refused, naming
    what it would need, before any window is read."""
    import motifscope.io.regions as regions

    g, _ = genome
    monkeypatch.setattr(regions, "MAX_WINDOW_BYTES", 10 * 4 * 40 * 4)  # ten 40-bp windows
    with pytest.raises(InputError, match="11 windows of 40 bp every 20 bp need .*larger --stride"):
        regions.load_regions(g.path, 40, region="chr1:1-240", stride=20)
    assert regions.load_regions(g.path, 40, region="chr1:1-220", stride=20)[1].shape[0] == 10


def test_bed12_is_not_read_as_narrowpeak(genome, tmp_path):
    """Column 10 of BED12 is blockCount: a transcript is centred on its midpoint, not 'summit'
    blockCount bases after its start (chr17:6010-31420 was cut at 5916-6116)."""
    g, seqs = genome
    bed12 = "chr1\t100\t260\ttx1\t0\t+\t120\t240\t0\t2\t20,30,\t0,130,\n"
    gapped = "chr1\t100\t260\tgp\t0\t+\t120\t240\t0\t2\t20,30,\t0,130,\t1.5\t3.0\t2.0\n"
    narrow = "chr1\t100\t260\tnp\t0\t.\t1\t1\t1\t2\n"
    (iv12, ivg, ivn) = read_bed(_bed(tmp_path, [bed12, gapped, narrow]))
    assert iv12.summit is None and ivg.summit is None and ivn.summit == 2
    X, table = windows(g, [iv12, ivn], 20)
    assert list(table["start"]) == [170, 92]  # midpoint 180; summit 100 + 2
    assert decode(X[:1])[0] == seqs["chr1"][170:190]
