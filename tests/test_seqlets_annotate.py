"""Seqlets called on a hand-set detector model cover exactly the planted instances and are
annotated with the right motif and strand; the per-motif summary counts them; the BED
table maps windows to genome coordinates.

The detector's first layer holds the log-odds matrices of two motifs and their reverse
complements, each biased so that only near-perfect instances fire, summed over positions:
gradient × input is then exactly the kernel weights at planted instances and zero
elsewhere, and dinucleotide shuffles (the FDR control) give zero.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import torch
from torch import nn

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.methods import attribution as A
from motifscope.methods.seqlets import (
    aggregate_seqlets,
    control_attributions,
    seqlet_bed,
    seqlets_from_attributions,
)


def _ppm(consensus, p=0.97):
    P = np.full((4, len(consensus)), (1 - p) / 3)
    for j, c in enumerate(consensus):
        P["ACGT".index(c), j] = p
    return P


M1 = Motif("MA_A.1", _ppm("GGATTACA"), alt_name="AAA")
M2 = Motif("MA_B.1", _ppm("CCTTGAACT"), alt_name="BBB")
ABSENT = Motif("MA_C.1", _ppm("TATAGCGC"), alt_name="CCC")
L, N = 120, 40


class Detector(nn.Sequential):
    """Conv(4 → 2 per motif: motif, reverse complement) → ReLU → mean → sum."""

    def __init__(self, motifs, length=L):
        w = max(m.width for m in motifs)
        conv = nn.Conv1d(4, 2 * len(motifs), w)
        with torch.no_grad():
            conv.weight.zero_()
            for i, m in enumerate(motifs):
                for k, P in enumerate((m.ppm, m.ppm[::-1, ::-1])):
                    lo = np.log(P / 0.25)
                    conv.weight[2 * i + k, :, :m.width] = torch.tensor(lo)
                    conv.bias[2 * i + k] = -(lo.max(0).sum() - 2.0)
        super().__init__(conv, nn.ReLU(), nn.AdaptiveAvgPool1d(1), nn.Flatten(),
                         nn.Linear(2 * len(motifs), 1))
        with torch.no_grad():
            self[-1].weight.fill_(1.0)
            self[-1].bias.zero_()
        self.seq_len, self.n_targets = length, 1


def planted(seed=0):
    """N sequences with 1–2 instances of M1/M2 on random strands, and their table."""
    rng = np.random.default_rng(seed)
    idx = rng.integers(0, 4, (N, L))
    rows = []
    for r in range(N):
        for s in rng.choice(np.arange(0, L - 10, 20), size=int(rng.integers(1, 3)), replace=False):
            m, strand = (M1, M2)[rng.integers(2)], "+-"[rng.integers(2)]
            cons = m.consensus if strand == "+" else m.reverse_complement().consensus
            idx[r, s:s + m.width] = ["ACGT".index(c) for c in cons]
            rows.append((r, int(s), int(s) + m.width, strand, m.name))
    X = torch.nn.functional.one_hot(torch.as_tensor(idx), 4).permute(0, 2, 1).float()
    return X, rows


@pytest.fixture(scope="module")
def detector_seqlets():
    X, rows = planted()
    model = Detector([M1, M2])
    attr = A.gradient_x_input(model, X, target=0)
    control = control_attributions(model, X, method="gradient_x_input", target=0, n_controls=2)
    return X, rows, attr, control


@pytest.mark.parametrize("mode", ["threshold", "fdr"])
def test_seqlets_cover_exactly_the_planted_instances(detector_seqlets, mode):
    X, rows, attr, control = detector_seqlets
    res = seqlets_from_attributions(attr, X, control=control if mode == "fdr" else None,
                                    motifs=[M1, M2, ABSENT])
    s = res.seqlets
    assert set(zip(s["seq"], s["start"], s["end"], s["strand"], s["motif"])) == set(rows)
    assert len(s) == len(rows) and s["annotated"].all()
    assert (s["orientation"] == s["strand"]).all()  # Tomtom and the FIMO scan agree
    assert (s["fimo_start"] == s["start"]).all() and (s["fimo_p"] < 1e-4).all()
    if mode == "fdr":
        assert res.fdr is not None and res.threshold is not None
    agg = res.motifs.set_index("motif")
    for name in (M1.name, M2.name):
        mine = [r for r in rows if r[4] == name]
        assert agg.loc[name, "n_seqlets"] == len(mine)
        assert agg.loc[name, "n_plus"] == sum(r[3] == "+" for r in mine)
        assert sum(map(int, agg.loc[name, "positions"].split(","))) == len(mine)
    assert ABSENT.name not in agg.index


def test_untrimmed_seqlets_reach_past_the_instances(detector_seqlets):
    X, rows, attr, _ = detector_seqlets
    s = seqlets_from_attributions(attr, X, motifs=None, trim=False).seqlets
    assert (s["end"] - s["start"]).sum() > sum(e - b for _, b, e, _, _ in rows)


def test_seqlet_bed_in_genome_coordinates():
    ann = pd.DataFrame({"seq": [0, 1], "start": [10, 10], "end": [18, 18], "strand": ["+", "+"],
                        "attribution": [1.0, 2.0], "motif": ["A", "B"]})
    regions = pd.DataFrame({"chrom": ["chr1", "chr2"], "start": [1000, 5000], "end": [1100, 5100],
                            "strand": ["+", "-"]})
    bed = seqlet_bed(ann, regions=regions)
    assert list(bed.columns[:6]) == ["chrom", "start", "end", "name", "score", "strand"]
    assert bed.loc[0, ["chrom", "start", "end", "strand"]].tolist() == ["chr1", 1010, 1018, "+"]
    # a '-' window: position p of the window is genome position end - 1 - p
    assert bed.loc[1, ["chrom", "start", "end", "strand"]].tolist() == ["chr2", 5082, 5090, "-"]
    assert seqlet_bed(ann, names=["a", "b"])["chrom"].tolist() == ["a", "b"]


def test_bad_tables_are_named():
    with pytest.raises(InputError, match="annotate_seqlets"):
        aggregate_seqlets(pd.DataFrame({"seq": [0]}), 10)


def test_cli_seqlets_writes_the_table(tmp_path, capsys):
    from motifscope.cli import main
    from motifscope.io.meme import write_meme
    from motifscope.runs.directory import atomic_torch_save, init_run_dir, write_config
    from motifscope.zoo import build

    run = init_run_dir(tmp_path / "run")
    over = {"seq_len": 200, "n_targets": 2}
    torch.manual_seed(0)
    write_config(run, {"model": {"name": "deepsea_demo", "overrides": over}})
    atomic_torch_save(build("deepsea_demo", **over).state_dict(), run / "model.pt")
    rng = np.random.default_rng(1)
    fasta = tmp_path / "seqs.fa"
    fasta.write_text("".join(f">r{i}\n{''.join(rng.choice(list('ACGT'), 200))}\n" for i in range(6)))
    meme = tmp_path / "db.meme"
    write_meme([M1, M2, ABSENT], meme)
    out = tmp_path / "seq"
    rc = main(["seqlets", str(run), "--data", str(fasta), "--target", "1", "--method",
               "gradient_x_input", "--motifs", str(meme), "--controls", "0", "--threshold",
               "0.05", "--out", str(out)])
    assert rc == 0, capsys.readouterr().err
    table = pd.read_csv(out / "seqlets.tsv", sep="\t")
    assert list(table.columns[:6]) == ["chrom", "start", "end", "name", "score", "strand"]
    assert len(table) > 0 and set(table["chrom"]) <= {f"r{i}" for i in range(6)}
    assert (out / "seqlets.bed").is_file() and (out / "motifs.tsv").is_file()
    assert main(["seqlets", str(run), "--data", str(fasta), "--target", "7"]) == 2
    assert main(["seqlets", str(run), "--data", str(fasta), "--target", "0", "--motifs",
                 str(tmp_path / "missing.meme")]) == 2
    err = capsys.readouterr().err
    assert "targets [7]" in err and "missing.meme" in err


def test_views_table_puts_the_three_views_side_by_side(tmp_path):
    from motifscope.analysis.modisco import model_motifs, views_table
    from motifscope.io.meme import write_meme

    db = [M1, M2, ABSENT]
    noisy = Motif("K1", M1.ppm * 0.9 + 0.025)
    views = {"kernels": [noisy], "neurons": [], "patterns": [M2.reverse_complement(), noisy]}
    t = views_table(db, views).set_index("motif")
    assert set(t.index) == {M1.name, M2.name}  # ABSENT is matched by no view
    assert t.loc[M1.name, "kernels"] == "K1" and t.loc[M2.name, "kernels"] == ""
    assert t.loc[M2.name, "patterns"] == M2.name and t.loc[M1.name, "neurons"] == ""
    (tmp_path / "analyses" / "kernels").mkdir(parents=True)
    write_meme([noisy], tmp_path / "analyses" / "kernels" / "motifs.meme")
    n = tmp_path / "analyses" / "neuronmotif" / "layer2" / "neuron0003"
    n.mkdir(parents=True)
    write_meme([M2], n / "dictionary.meme")
    own = model_motifs(tmp_path)
    assert [m.name for m in own["kernels"]] == ["K1"]
    assert [m.name for m in own["neurons"]] == [f"neuron0003/{M2.name}"]


@pytest.mark.slow
def test_modisco_patterns_come_back_as_motifs():
    pytest.importorskip("modiscolite")
    from motifscope.methods.seqlets.modisco import run_modisco

    rng = np.random.default_rng(0)
    n, length = 400, 120
    idx = rng.integers(0, 4, (n, length))
    for r in range(n):
        s = int(rng.integers(10, length - 20))
        idx[r, s:s + 8] = ["ACGT".index(c) for c in M1.consensus]
    X = np.eye(4, dtype=np.float32)[idx].transpose(0, 2, 1)
    model = Detector([M1])
    model.seq_len = length
    hyp = A.deeplift_shap(model, torch.as_tensor(X), target=0, n_shuffles=3, hypothetical=True,
                          random_state=0)
    patterns = run_modisco(X, hyp)

    def is_m1(p):
        return M1.consensus in p.consensus or M1.reverse_complement().consensus in p.consensus

    # the planted motif is the first pattern. How many of the 400 instances TF-MoDISco keeps
    # in it depends on the shuffled references (25, 114 and 76 seqlets for random_state 0, 1
    # and 2; it was unseeded before and failed CI once), so only a floor is asserted
    assert patterns and is_m1(patterns[0])
    assert sum(p.nsites for p in patterns if is_m1(p)) >= 20
    assert patterns[0].meta["cwm"].shape == patterns[0].ppm.shape
