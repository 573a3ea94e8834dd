"""Hostile genome inputs, property-based: VCF records, BED intervals, ``--region`` strings and
the verbs that read them (``variants``, ``seqlets``, ``influence``, ``predict --bed``/
``--region``).

Each family edits a valid input at random (hypothesis) and asserts what the hostile suite
asserts of every case: the reader returns or raises a :class:`MotifscopeError`, and the CLI
exits 0, or 2 with one line ``motifscope: error: ...``, never a traceback or an internal
error.
"""

from __future__ import annotations

import sys

import numpy as np
import pytest
import torch

from motifscope.cli import main
from motifscope.core.errors import MotifscopeError
from motifscope.runs.directory import MODEL_FILE, atomic_torch_save, init_run_dir, write_config

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _deepsea_files as files

hypothesis = pytest.importorskip("hypothesis")
st = hypothesis.strategies
SETTINGS = {"deadline": None, "database": None,
            "suppress_health_check": list(hypothesis.HealthCheck)}
OVER = {"seq_len": 60, "n_targets": 3}

GOOD_VCF = ("##fileformat=VCFv4.2\n##contig=<ID=chr1,length=400>\n"
            "##INFO=<ID=AF,Number=A,Type=Float,Description=\"f\">\n"
            "#CHROM\tPOS\tID\tREF\tALT\tQUAL\tFILTER\tINFO\n"
            "chr1\t101\trs1\t{r1}\tA,C\t50\tPASS\tAF=0.1,0.2\n"
            "chr1\t150\t.\t{r2}\t{r2}T\t.\t.\t.\n"
            "chr2\t30\trs3\t{r3}\t<DEL>\t.\t.\tAF=0.5\n")
GOOD_BED = ("track name=x\n# comment\nchr1\t100\t160\n"
            "chr1\t200\t230\tpeak\t5\t-\n"
            "chr2\t10\t90\tnp\t0\t.\t1\t1\t1\t40\n")
TOKENS = ["\t", "\n", "", "-1", "0", "1e9", "nan", ".", ",", "chr9", "N", "<DEL>", "\x00",
          "é", "=", ";", "99999999999999999999", "#", " ", "*"]


@pytest.fixture(scope="module")
def world(tmp_path_factory):
    from motifscope import zoo

    d = tmp_path_factory.mktemp("genome")
    rng = np.random.default_rng(0)
    seqs = {"chr1": "".join(rng.choice(list("ACGT"), 400)),
            "chr2": "".join(rng.choice(list("ACGT"), 120))}
    fasta = d / "g.fa"
    fasta.write_text("".join(f">{k}\n{v}\n" for k, v in seqs.items()))
    torch.manual_seed(0)
    run = init_run_dir(d / "run")
    write_config(run, {"model": {"name": "deepsea_demo", "overrides": OVER}})
    atomic_torch_save(zoo.build("deepsea_demo", **OVER).state_dict(), run / MODEL_FILE)
    vcf = GOOD_VCF.format(r1=seqs["chr1"][100], r2=seqs["chr1"][149], r3=seqs["chr2"][29])
    X, y = files.random_split(6, 60, 3, seed=1)
    mat = files.write_v5(d / "test.mat", X, y, split="test")
    return {"dir": d, "fasta": fasta, "run": run, "vcf": vcf, "mat": mat}


def _edit(text, pos, cut, tok):
    pos = min(pos, len(text))
    return text[:pos] + tok + text[pos + cut:]


def _one_line_or_ok(rc, err):
    assert rc in (0, 2), err
    assert "Traceback" not in err and "internal error" not in err, err
    if rc == 2:  # what a terminal shows: a progress bar is overwritten by what follows '\r'
        lines = [ln.rsplit("\r", 1)[-1] for ln in err.split("\n")]
        lines = [ln for ln in lines if ln.strip()]
        assert len(lines) == 1 and lines[0].startswith("motifscope: error: "), err


def test_vcf_records_property_based(world, tmp_path):
    """Random edits of a valid VCF: every record reads, or one MotifscopeError names the file."""
    from motifscope.io.vcf import read_vcf

    p = tmp_path / "c.vcf"

    @hypothesis.settings(max_examples=200, **SETTINGS)
    @hypothesis.given(pos=st.integers(0, len(world["vcf"])), cut=st.integers(0, 5),
                      tok=st.sampled_from(TOKENS))
    def check(pos, cut, tok):
        p.write_text(_edit(world["vcf"], pos, cut, tok), encoding="utf-8")
        try:
            list(read_vcf(p, info=("AF",)))
        except MotifscopeError as e:
            assert "c.vcf" in str(e), e

    check()


def test_bed_and_regions_property_based(world, tmp_path):
    """Random BED edits and region strings: windows, or one MotifscopeError."""
    from motifscope.io.regions import load_regions, parse_region

    p = tmp_path / "r.bed"

    @hypothesis.settings(max_examples=150, **SETTINGS)
    @hypothesis.given(pos=st.integers(0, len(GOOD_BED)), cut=st.integers(0, 5),
                      tok=st.sampled_from(TOKENS))
    def bed(pos, cut, tok):
        p.write_text(_edit(GOOD_BED, pos, cut, tok), encoding="utf-8")
        try:
            _, X, coords = load_regions(world["fasta"], 60, bed=p)
            assert X.shape[0] == len(coords) and X.shape[1:] == (4, 60)
        except MotifscopeError as e:
            assert "r.bed" in str(e), e

    region = st.one_of(
        st.text(max_size=20),
        st.builds(lambda c, a, b, sep: f"{c}:{a}{sep}{b}",
                  st.sampled_from(["chr1", "chr2", "chrX", "", "chr1:1"]),
                  st.one_of(st.integers(-5, 10**12), st.text(max_size=3)),
                  st.one_of(st.integers(-5, 10**12), st.text(max_size=3)),
                  st.sampled_from(["-", "..", "–", ""])))

    @hypothesis.settings(max_examples=150, **SETTINGS)
    @hypothesis.given(text=region)
    def reg(text):
        try:
            iv = parse_region(text)
            assert 0 <= iv.start <= iv.end
            load_regions(world["fasta"], 60, region=text, stride=30)
        except MotifscopeError:
            pass

    bed()
    reg()


def _verb_args(world, tmp, verb, edited):
    run, fasta = str(world["run"]), str(world["fasta"])
    if verb == "variants":
        return ["variants", run, "--vcf", edited, "--fasta", fasta, "--out", f"{tmp}/v",
                "--explain-top", "0", "--db", "none"]
    head = ["predict", run, "--out", f"{tmp}/p.tsv"] if verb.startswith("predict") else \
        ["seqlets", run, "--target", "0", "--motifs", "none", "--n-shuffles", "2",
         "--out", f"{tmp}/s"]
    return head + ["--bed", edited, "--fasta", fasta]


OPTION_VALUES = {
    "seqlets": ["--fdr", "--threshold", "--controls", "--n", "--n-shuffles", "--target"],
    "influence": ["--layer", "--n", "--batch-size"],
    "predict --region": ["--region", "--stride"],
}


def test_genome_verbs_property_based(world, tmp_path, capsys):
    """The verbs of the genome pipeline on randomly edited VCF and BED files: exit 0, or 2
    with one line."""
    vcf, bed = tmp_path / "e.vcf", tmp_path / "e.bed"

    @hypothesis.settings(max_examples=30, **SETTINGS)
    @hypothesis.given(verb=st.sampled_from(["variants", "predict --bed", "seqlets --bed"]),
                      pos=st.integers(0, 400), cut=st.integers(0, 4), tok=st.sampled_from(TOKENS))
    def check(verb, pos, cut, tok):
        if verb == "variants":
            vcf.write_text(_edit(world["vcf"], pos, cut, tok), encoding="utf-8")
            edited = vcf
        else:
            bed.write_text(_edit(GOOD_BED, pos, cut, tok), encoding="utf-8")
            edited = bed
        capsys.readouterr()
        with _quiet():
            rc = main(_verb_args(world, tmp_path, verb, str(edited)))
        _one_line_or_ok(rc, capsys.readouterr().err)

    check()


def test_genome_verb_options_property_based(world, tmp_path, capsys):
    """Random option values of seqlets, influence and predict --region: exit 0, or 2 with
    one line naming the option."""
    values = st.one_of(st.sampled_from(["0", "-1", "nan", "inf", "1e400", "", "abc", "0.5",
                                        "3", "chr1:1-60", "chr1:0-5", "chr2:100-1", "M0", "1e3",
                                        "conv", "2-1", "999", "x" * 50]),
                       st.integers(-3, 40).map(str))  # valid values stay cheap

    @hypothesis.settings(max_examples=30, **SETTINGS)
    @hypothesis.given(verb=st.sampled_from(list(OPTION_VALUES)), data=st.data())
    def check(verb, data):
        option = data.draw(st.sampled_from(OPTION_VALUES[verb]))
        value = data.draw(values)
        run, fasta, mat = str(world["run"]), str(world["fasta"]), str(world["mat"])
        if verb == "seqlets":
            args = ["seqlets", run, "--data", mat, "--target", "0", "--motifs", "none",
                    "--n-shuffles", "2", "--out", str(tmp_path / "s")]
        elif verb == "influence":
            args = ["influence", run, "--data", mat, "--db", "none", "--out", str(tmp_path / "i")]
        else:
            args = ["predict", run, "--fasta", fasta, "--region", "chr1:1-200",
                    "--out", str(tmp_path / "p.tsv")]
        if option in args:
            i = args.index(option)
            args = args[:i] + args[i + 2:]
        capsys.readouterr()
        with _quiet():
            rc = main(args + [option, value])
        err = capsys.readouterr().err
        _one_line_or_ok(rc, err)

    check()


class _quiet:
    """Silence the library's warnings for one CLI call (they are not what is tested)."""

    def __enter__(self):
        import warnings

        self._w = warnings.catch_warnings()
        self._w.__enter__()
        warnings.simplefilter("ignore")

    def __exit__(self, *exc):
        return self._w.__exit__(*exc)
