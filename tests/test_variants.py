"""Variant effects on a synthetic genome with a hand-set motif detector (tests/_variant_models).

Expected values are worked out by hand: windows from slicing the genome string, effects
from the detector's arithmetic (a destroyed instance is a large negative log2 odds ratio, a
background SNV exactly 0), p-values from memelite's FIMO.
"""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import textwrap

import h5py
import numpy as np
import pandas as pd
import pysam
import pytest
import torch
from _variant_models import CONSENSUS, MotifDetector, ppm, random_genome, write_fasta

from motifscope.core.errors import ConfigError, DataFormatError, InputError
from motifscope.core.motifs import Motif
from motifscope.io.genome import Genome
from motifscope.io.vcf import VcfRecord
from motifscope.methods.variants import read_vcf, score_vcf, window_bounds
from motifscope.methods.variants.windows import prepare, window_sequences

L = 101
PLANTED = Motif("MA_TEST.1", ppm(CONSENSUS), alt_name="TESTF")
DECOY = Motif("MA_DECOY.1", ppm("GGGACCCT"), alt_name="DECOY")


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    d = tmp_path_factory.mktemp("variants")
    g = random_genome()
    fasta = write_fasta(d / "genome.fa", g)
    return d, g, fasta


def _other(b):
    return "A" if b != "A" else "C"


def _third(a, b):
    return next(x for x in "ACGT" if x not in (a, b))


def _records(g):
    """(CHROM, POS, ID, REF, ALT, INFO) rows and the expected outcome of each allele."""
    c1 = g["chr1"]
    rows = [
        ("chr1", 1004, "rs_break", c1[1003], _other(c1[1003]), "AF=0.1;DP=7", "scored"),
        ("2", 1000, "rs_bg", g["chr2"][999], _other(g["chr2"][999]), "AF=0.2", "scored"),
        ("1", 1500, "rs_multi", c1[1499], ",".join(b for b in "ACGT" if b != c1[1499]),
         "AF=0.3,0.4", "scored*2"),
        ("chr1", 1200, "rs_del", c1[1199:1203], c1[1199], ".", "scored"),
        ("chr1", 1300, "rs_ins", c1[1299], c1[1299] + "ACG", "FLAG", "scored"),
        ("chr1", 10, "rs_start", c1[9], _other(c1[9]), ".", "chromosome_end"),
        ("chr1", 2995, "rs_end", c1[2994], _other(c1[2994]), ".", "chromosome_end"),
        ("chr9", 100, "rs_nocontig", "A", "C", ".", "missing_contig"),
        ("chr1", 1400, "rs_symbolic", c1[1399], "<DEL>", ".", "symbolic_allele"),
        ("chr1", 1410, "rs_n", c1[1409], "N", ".", "symbolic_allele"),
        ("chr1", 1600, "rs_mismatch", _other(c1[1599]), _third(c1[1599], _other(c1[1599])), ".",
         "ref_mismatch"),
        ("chr1", 1700, "rs_swapped", _other(c1[1699]), c1[1699], ".", "ref_mismatch"),
    ]
    return rows


def _write_vcf(path, rows, *, contigs=("chr1", "chr2", "chrM")):
    lines = ["##fileformat=VCFv4.2",
             '##INFO=<ID=AF,Number=A,Type=Float,Description="allele frequency">',
             '##INFO=<ID=DP,Number=1,Type=Integer,Description="depth">',
             *[f"##contig=<ID={c}>" for c in contigs],
             "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO"]
    for r in rows:
        lines.append("\t".join([r[0], str(r[1]), r[2], r[3], r[4], ".", "PASS", r[5]]))
    text = "\n".join(lines) + "\n"
    if str(path).endswith(".gz"):
        with gzip.open(path, "wt") as fh:
            fh.write(text)
    else:
        path.write_text(text)
    return path


# ------------------------------------------------------------------ windows

@pytest.mark.parametrize("length,start", [(10, 15), (9, 16), (1000, -480), (1, 20)])
def test_window_bounds_by_hand(length, start):
    # SNV at POS 21 (0-based 20): the variant sits at index L // 2 of its window
    assert window_bounds(20, 1, length) == (start, start + length)
    assert 20 - start == length // 2


@pytest.mark.parametrize("length", [10, 9])
def test_windows_equal_hand_built_ones(world, length):
    _, g, fasta = world
    c1 = g["chr1"]
    genome = Genome(fasta)
    # SNV at POS 21: [20 - L//2, 20 - L//2 + L)
    s = 20 - length // 2
    v = prepare(genome, VcfRecord("chr1", 21, ".", c1[20], "T" if c1[20] != "T" else "G"),
                length)
    ref, alt = window_sequences(genome, v, length)
    assert ref == c1[s:s + length]
    assert alt == c1[s:20] + v.alt + c1[21:s + length]
    assert alt[length // 2] == v.alt
    # deletion POS 101 REF 4 bases: anchor 100 + 2, downstream bases pulled in
    d = prepare(genome, VcfRecord("chr1", 101, ".", c1[100:104], c1[100]), length)
    s = 102 - length // 2
    ref, alt = window_sequences(genome, d, length)
    assert ref == c1[s:s + length]
    assert alt == (c1[s:100] + c1[100] + c1[104:])[:length]
    # insertion POS 201: the right end is trimmed, the left flank unchanged
    i = prepare(genome, VcfRecord("chr1", 201, ".", c1[200], c1[200] + "GG"), length)
    s = 200 - length // 2
    ref, alt = window_sequences(genome, i, length)
    assert ref == c1[s:s + length]
    assert alt == (c1[s:200] + c1[200] + "GG" + c1[201:])[:length]
    assert len(ref) == len(alt) == length


def test_rejects_and_ref_policies(world):
    _, g, fasta = world
    genome = Genome(fasta)
    c1 = g["chr1"]
    def rec(pos, ref, alt, chrom="chr1"):
        return VcfRecord(chrom, pos, ".", ref, alt)
    assert prepare(genome, rec(50, c1[49], "A"), L) == "chromosome_end"
    assert prepare(genome, rec(51, c1[50], "A" if c1[50] != "A" else "C"), L) != "chromosome_end"
    assert prepare(genome, rec(3000 - 50, c1[2949], "T"), L) != "chromosome_end"
    assert prepare(genome, rec(3000 - 49, c1[2950], "T"), L) == "chromosome_end"
    # a deletion needs its extra downstream bases
    assert prepare(genome, rec(2948, c1[2947:2951], c1[2947]), L) == "chromosome_end"
    assert prepare(genome, rec(5, "A", "C", "chr7"), L) == "missing_contig"
    assert prepare(genome, rec(500, c1[499], "*"), L) == "symbolic_allele"
    assert prepare(genome, rec(500, c1[499:560], c1[499]), L) == "allele_too_long"
    wrong = _other(c1[599])
    alt = _third(wrong, c1[599])
    assert prepare(genome, rec(600, wrong, alt), L, "skip") == "ref_mismatch"
    v = prepare(genome, rec(600, wrong, alt), L, "use-genome")
    assert (v.ref, v.alt, v.ref_check) == (c1[599], alt, "use-genome")
    v = prepare(genome, rec(600, wrong, alt), L, "use-vcf")
    assert (v.ref, v.ref_check) == (wrong, "use-vcf")
    assert window_sequences(genome, v, L)[0][L // 2] == wrong
    v = prepare(genome, rec(600, wrong, c1[599]), L, "swap-if-alt-matches")
    assert (v.ref, v.alt, v.ref_check) == (c1[599], wrong, "swapped")
    assert prepare(genome, rec(600, wrong, alt), L, "swap-if-alt-matches") == "ref_mismatch"


def test_vcf_reader_splits_alleles_and_carries_info(world, tmp_path):
    _, g, _ = world
    path = _write_vcf(tmp_path / "v.vcf.gz", _records(g))
    recs = list(read_vcf(path, info=("AF", "DP", "FLAG")))
    multi = [r for r in recs if r.id == "rs_multi"]
    assert [r.allele for r in multi] == [1, 2, 3]
    assert [r.info[0] for r in multi] == ["0.3", "0.4", "."]   # Number=A: one value per allele
    assert recs[0].info == ("0.1", "7", ".") and recs[6].info == (".", ".", "1")
    assert recs[0].pos == 1004 and recs[0].line == 8


# ------------------------------------------------------------------ scores

@pytest.fixture(scope="module")
def scored(world):
    d, g, fasta = world
    vcf = _write_vcf(d / "calls.vcf", _records(g))
    torch.manual_seed(0)
    res = score_vcf(MotifDetector(L), vcf, fasta, d / "out", info=("AF", "DP"), chunk_size=4,
                    target_names=["detector", "null"])
    return res, pd.read_csv(res.tsv, sep="\t"), pd.read_csv(res.rejects, sep="\t")


def _logit(p):
    return np.log2(p / (1 - p))


def test_effects_of_the_hand_set_detector(scored):
    _res, tab, _ = scored
    assert list(tab.columns[:9]) == ["CHROM", "POS", "ID", "REF", "ALT", "AF", "DP",
                                     "ref_check", "detector_ref_prob"]
    assert "detector_log2_odds_ratio" in tab.columns and "null_diff" in tab.columns
    brk = tab.set_index("ID").loc["rs_break"]
    perfect = 8 * np.log(0.97 / 0.25) - 6 - 2          # logit with the instance
    broken = 8 * np.log(0.97 / 0.25) - np.log(0.97 / 0.25) + np.log(0.01 / 0.25) - 6 - 2
    p_ref, p_alt = 1 / (1 + np.exp(-perfect)), 1 / (1 + np.exp(-broken))
    assert brk["detector_ref_prob"] == pytest.approx(p_ref, rel=1e-4)
    assert brk["detector_alt_prob"] == pytest.approx(p_alt, rel=1e-4)
    assert brk["detector_log2_odds_ratio"] == pytest.approx(_logit(p_alt) - _logit(p_ref),
                                                            abs=1e-3)
    assert brk["detector_log2_odds_ratio"] < -5
    assert brk["detector_diff"] == pytest.approx(p_alt - p_ref, abs=1e-5)
    bg = tab.set_index("ID").loc["rs_bg"]
    assert abs(bg["detector_log2_odds_ratio"]) < 1e-4 and abs(bg["detector_diff"]) < 1e-6
    assert (tab["null_log2_odds_ratio"].abs() < 1e-6).all()
    assert (tab["null_ref_prob"] == 0.5).all()
    assert str(brk["AF"]) == "0.1" and str(brk["DP"]) == "7"


def test_every_record_goes_the_documented_way(world, scored):
    _, g, _ = world
    res, tab, rej = scored
    expected = {r[2]: r[6] for r in _records(g)}
    assert sorted(tab["ID"]) == sorted(
        [i for i, e in expected.items() if e == "scored"] + ["rs_multi"] * 3)
    assert dict(zip(rej["ID"], rej["reason"])) == {i: e for i, e in expected.items()
                                                   if not e.startswith("scored")}
    s = res.summary
    assert s["records"] == 14 and s["scored"] == 7 and s["ref_mismatches"] == 2
    assert s["rejected"] == {"chromosome_end": 2, "missing_contig": 1, "ref_mismatch": 2,
                             "symbolic_allele": 2}
    multi = tab[tab["ID"] == "rs_multi"]
    assert list(multi["AF"].astype(str)) == ["0.3", "0.4", "."]
    with h5py.File(res.store, "r") as h5:
        assert h5["log2_odds_ratio"].shape == (7, 2)
        np.testing.assert_allclose(h5["log2_odds_ratio"][:, 0],
                                   tab["detector_log2_odds_ratio"], atol=1e-5)
        assert [x.decode() for x in h5["id"][:]] == list(tab["ID"])


def test_swap_policy_scores_the_swapped_record(world, tmp_path):
    _d, g, fasta = world
    vcf = _write_vcf(tmp_path / "v.vcf", _records(g))
    res = score_vcf(MotifDetector(L), vcf, fasta, tmp_path / "o", ref_mismatch="swap-if-alt-matches")
    tab = pd.read_csv(res.tsv, sep="\t").set_index("ID")
    c1 = g["chr1"]
    assert tab.loc["rs_swapped", "ref_check"] == "swapped"
    assert tab.loc["rs_swapped", "REF"] == c1[1699]
    assert res.summary["rejected"]["ref_mismatch"] == 1


def test_a_telomere_record_is_one_reject(world, tmp_path):
    """POS 0 (a telomere, VCF 4.3) is one rejected record; the file is scored, not refused."""
    _d, g, fasta = world
    c1 = g["chr1"]
    rows = [("chr1", 0, "rs_telomere", "N", "A", ".", "telomere"),
            ("chr1", 1004, "rs_break", c1[1003], _other(c1[1003]), ".", "scored")]
    res = score_vcf(MotifDetector(L), _write_vcf(tmp_path / "t.vcf", rows), fasta, tmp_path / "o")
    assert list(pd.read_csv(res.tsv, sep="\t")["ID"]) == ["rs_break"]
    rej = pd.read_csv(res.rejects, sep="\t")
    assert list(rej["ID"]) == ["rs_telomere"] and list(rej["reason"]) == ["telomere"]
    assert res.summary["rejected"] == {"telomere": 1}


def test_resume_skips_finished_chunks(world, scored, tmp_path):
    d, _g, fasta = world
    res, _, _ = scored
    before = res.tsv.read_bytes()
    os.remove(res.directory / "chunks" / "chunk-0000001.npz")
    again = score_vcf(MotifDetector(L), d / "calls.vcf", fasta, res.directory,
                      info=("AF", "DP"), chunk_size=4, target_names=["detector", "null"])
    assert again.summary["computed"] == 1 and again.summary["skipped"] == 3
    assert again.tsv.read_bytes() == before
    with pytest.raises(ConfigError, match="other settings.*chunk_size"):
        score_vcf(MotifDetector(L), d / "calls.vcf", fasta, res.directory, info=("AF", "DP"),
                  chunk_size=5)


# ------------------------------------------------------------------ bad input

def test_bad_inputs_name_the_file(world, tmp_path):
    d, _g, fasta = world
    m = MotifDetector(L)
    with pytest.raises(DataFormatError, match="genome.fa: line 1.*expected a VCF"):
        score_vcf(m, fasta, fasta, tmp_path / "a")
    bad = tmp_path / "bad.vcf"
    bad.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\nchr1\tx\t.\tA\tC\n")
    with pytest.raises(DataFormatError, match="bad.vcf: line 3: POS 'x'"):
        score_vcf(m, bad, fasta, tmp_path / "b")
    other = _write_vcf(tmp_path / "o.vcf", [("chrZ", 5, ".", "A", "C", ".", "")],
                       contigs=("chrZ",))
    with pytest.raises(InputError, match="has none of the contigs.*chrZ"):
        score_vcf(m, other, fasta, tmp_path / "c")
    undeclared = _write_vcf(tmp_path / "u.vcf", [("chrZ", 5, ".", "A", "C", ".", "")],
                            contigs=())
    with pytest.raises(InputError, match="u.vcf: none of its contigs is in"):
        score_vcf(m, undeclared, fasta, tmp_path / "e")
    with pytest.raises(ConfigError, match=r"targets \[2\]: expected indices 0..1"):
        score_vcf(m, d / "calls.vcf", fasta, tmp_path / "d", targets=[2])
    bgz = tmp_path / "g.fa.gz"
    pysam.tabix_compress(str(fasta), str(bgz))
    with pytest.raises(DataFormatError, match="g.fa.gz: no index g.fa.gz.fai"):
        Genome(bgz, build_index=False)


def test_cli_runs_and_bad_input_exits_2(world, scored, tmp_path, capsys):
    from motifscope.cli import main
    from motifscope.runs.directory import MODEL_FILE, init_run_dir, write_config

    d, _g, fasta = world
    run = init_run_dir(tmp_path / "run")
    write_config(run, {"model": {"factory": "_variant_models:MotifDetector",
                                 "kwargs": {"seq_len": L}},
                       "targets": {"names": ["detector", "null"]}})
    torch.save(MotifDetector(L).state_dict(), run / MODEL_FILE)
    meme = tmp_path / "db.meme"
    from motifscope.io.meme import write_meme

    write_meme([DECOY, PLANTED], meme)
    vcf = d / "calls.vcf"
    args = ["--trust-code", "variants", str(run), "--vcf", str(vcf), "--fasta", str(fasta)]
    rc = main(args + ["--out", str(tmp_path / "v"), "--targets", "0", "--explain-top", "2",
                      "--db", str(meme), "--method", "ism"])
    cap = capsys.readouterr()
    out = cap.out
    assert rc in (0, None), cap.err
    assert "7 of 14 variants scored" in out
    header = (tmp_path / "v" / "variants.tsv").read_text().splitlines()[0].split("\t")
    assert header[-4:] == [f"detector_{s}" for s in
                           ("ref_prob", "alt_prob", "diff", "log2_odds_ratio")]   # names from the run
    ex = pd.read_csv(tmp_path / "v" / "explained.tsv", sep="\t")
    assert ex.loc[0, "id"] == "rs_break" and ex.loc[0, "motif"] == "MA_TEST.1"
    rc = main(args + ["--out", str(tmp_path / "w"), "--targets", "5"])
    err = capsys.readouterr().err
    assert rc == 2 and len(err.strip().splitlines()) == 1 and "targets [5]" in err


# ------------------------------------------------------------------ explanation

def test_variant_is_explained_by_the_motif_it_breaks(world, scored, tmp_path):
    from motifscope import analysis

    d, _g, fasta = world
    ctx = analysis.Context(tmp_path, MotifDetector(L), targets=[0], target_names=["detector"],
                           motif_db=[DECOY, PLANTED], device="cpu",
                           options={"variants": {"vcf": d / "calls.vcf", "fasta": fasta,
                                                 "explain_top": 1, "explain": ["rs_bg"],
                                                 "n_shuffles": 8}})
    res = analysis.run("variants", ctx)
    ex = res.data["explained"].set_index("id")
    top = ex.loc["rs_break"]
    assert top["motif"] == "MA_TEST.1" and top["change"] == "loss"
    assert top["delta_score"] < -4 and top["ref_pvalue"] < 1e-4 < top["alt_pvalue"]
    assert top["attribution_change"] < -1          # the alt window lost the instance's credit
    assert abs(ex.loc["rs_bg", "log2_odds_ratio"]) < 1e-4
    assert pd.isna(ex.loc["rs_bg", "motif"])       # no significant site at the background SNV
    # shuffled references hold a rare partial site, so the background is small, not 0
    assert abs(ex.loc["rs_bg", "attribution_change"]) < 0.05 * abs(top["attribution_change"])
    sec = (res.directory / "section.json").read_text()
    assert "logos/0.png" in sec and "explained.tsv" in sec
    assert '"scores.h5"' not in sec          # results that grow with the VCF are not copied
    assert (res.directory / "logos" / "0.png").stat().st_size > 1000


def test_fimo_pvalues_match_memelite():
    from memelite import fimo

    from motifscope.methods.fimo import log_odds, pvalue, pvalue_table
    from motifscope.methods.variants.explain import best_site

    def pwm(m):
        return log_odds(getattr(m, "ppm", m))

    rng = np.random.default_rng(1)
    X = np.eye(4)[rng.integers(0, 4, 300)].T
    X[:, 100:108] = np.eye(4)[["ACGT".index(c) for c in CONSENSUS]].T
    for m in (PLANTED, DECOY, Motif("MA_JASP.1", rng.dirichlet(np.ones(4) * 0.5, 12).T)):
        hits = fimo({m.name: m.ppm}, X[None].astype(np.float32), threshold=1.0)[0]
        W = pwm(m)
        table = pvalue_table(W)
        ours = pvalue(hits["score"].to_numpy(), table)
        np.testing.assert_allclose(ours, hits["p-value"].to_numpy(), rtol=1e-6)
        s, j, strand = best_site(W, X, 0, 300)
        assert s == pytest.approx(hits["score"].max(), abs=1e-4)
    s, j, strand = best_site(pwm(PLANTED), X, 103, 104)
    assert (j, strand) == (100, "+") and pvalue(s, pvalue_table(pwm(PLANTED))) < 1e-4


# ------------------------------------------------------------------ two ranks

SCRIPT = textwrap.dedent("""
    import sys, torch
    sys.path.insert(0, {tests!r})
    torch.set_num_threads(1)
    from _variant_models import MotifDetector
    from motifscope.methods.variants import score_vcf
    score_vcf(MotifDetector({L}), {vcf!r}, {fasta!r}, sys.argv[1], info=("AF",), chunk_size=2)
""")


def test_two_ranks_equal_one_rank(world, scored, tmp_path):
    if not torch.distributed.is_available():
        pytest.skip("torch.distributed not available")
    d, _g, fasta = world
    script = tmp_path / "job.py"
    script.write_text(SCRIPT.format(tests=os.path.dirname(__file__), L=L,
                                    vcf=str(d / "calls.vcf"), fasta=str(fasta)))
    env = dict(os.environ, OMP_NUM_THREADS="1")
    one = subprocess.run([sys.executable, str(script), str(tmp_path / "one")], env=env,
                         capture_output=True, text=True, timeout=300)
    assert one.returncode == 0, one.stderr[-3000:]
    two = subprocess.run([sys.executable, "-m", "torch.distributed.run", "--standalone",
                          "--nproc_per_node", "2", str(script), str(tmp_path / "two")],
                         env=env, capture_output=True, text=True, timeout=300)
    assert two.returncode == 0, two.stderr[-3000:]
    for name in ("variants.tsv", "rejects.tsv", "summary.json"):
        a, b = (tmp_path / "one" / name).read_text(), (tmp_path / "two" / name).read_text()
        if name == "summary.json":   # this call's chunk counts differ by rank
            import json

            a, b = ({k: v for k, v in json.loads(t).items() if k not in ("computed",)}
                    for t in (a, b))
        assert a == b, name
    with h5py.File(tmp_path / "one" / "scores.h5") as h1, \
            h5py.File(tmp_path / "two" / "scores.h5") as h2:
        for k in h1:
            assert np.array_equal(h1[k][:], h2[k][:]), k
    chunks = sorted(p.name for p in (tmp_path / "two" / "chunks").glob("chunk-*.npz"))
    assert len(chunks) == 7   # 14 alleles in chunks of 2


def test_strand_averaging_by_hand(world, scored, tmp_path):
    d, _g, fasta = world
    m = MotifDetector(L)
    with torch.no_grad():
        m[0].weight[1] = 0.0      # only the forward-strand channel: the reverse strand sees nothing
    def sig(z):
        return 1 / (1 + np.exp(-z))
    hit = 8 * np.log(0.97 / 0.25) - 6 - 2
    for avg, expected in ((False, sig(hit)), (True, (sig(hit) + sig(-2.0)) / 2)):
        res = score_vcf(m, d / "calls.vcf", fasta, tmp_path / str(avg), targets=[0],
                        strand_average=avg)
        tab = pd.read_csv(res.tsv, sep="\t").set_index("ID")
        assert tab.loc["rs_break", "t0_ref_prob"] == pytest.approx(expected, rel=1e-4)


def test_symbolic_alleles_and_breakends_keep_their_case(tmp_path):
    """Bases are upper-cased; <INS:ME:Alu> and a breakend naming a contig are not."""
    from motifscope.io.vcf import read_vcf

    p = tmp_path / "s.vcf"
    p.write_text("##fileformat=VCFv4.2\n#CHROM\tPOS\tID\tREF\tALT\n"
                 "chr1\t5\t.\tacg\tt,<INS:ME:Alu>,G]chrUn_KI270742v1:100],*\n")
    assert [(r.ref, r.alt) for r in read_vcf(p)] == [
        ("ACG", "T"), ("ACG", "<INS:ME:Alu>"), ("ACG", "G]chrUn_KI270742v1:100]"), ("ACG", "*")]
