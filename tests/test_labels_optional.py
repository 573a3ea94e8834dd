"""Labels are optional: every analysis that chooses sequences by their labels works on
sequences without labels, or with labels that have no positive, by taking the sequences the
model scores highest, and says so in its result and its report section.

The model is a plain ``nn.Module`` written here (no motifscope class), whose first filter is
wired to detect TGACTCA so that the model's top predictions are known: the sequences that
hold the site.
"""

from __future__ import annotations

import json

import numpy as np
import pytest
import torch
from torch import nn

from motifscope.analysis import attribution, influence, neuronmotif, seqlets, temporal
from motifscope.analysis.base import Context, describe_selection
from motifscope.core.errors import InputError
from motifscope.core.sequence import one_hot_encode

SITE = "TGACTCA"


class Plain(nn.Module):
    """conv(8, 7) → ReLU → max-pool 4 → conv(8, 3) → ReLU → global max → linear(3)."""

    def __init__(self):
        super().__init__()
        g = torch.Generator().manual_seed(0)
        c1, c2, fc = nn.Conv1d(4, 8, 7), nn.Conv1d(8, 8, 3, padding=1), nn.Linear(8, 3)
        with torch.no_grad():
            for p in (*c1.parameters(), *c2.parameters(), *fc.parameters()):
                p.copy_(0.1 * torch.randn(p.shape, generator=g))
            c1.weight[0] = 2 * one_hot_encode(SITE)[0].float() - 1  # +1 on the site's bases
            c1.bias[0] = -(len(SITE) - 1.5)  # fires only on the whole site
            c2.weight[0] = 0
            c2.weight[0, 0, 1] = 3.0
            fc.weight[:, 1:] = 0  # the outputs read the site detector only
            fc.weight[:, 0] = torch.tensor([4.0, 2.0, 1.0])
            fc.bias[:] = -2.0
        self.net = nn.Sequential(c1, nn.ReLU(), nn.MaxPool1d(4), c2, nn.ReLU(),
                                 nn.AdaptiveMaxPool1d(1), nn.Flatten(), fc)

    def forward(self, x):
        return self.net(x)


def _sequences(n=24, length=100, with_site=(2, 5, 11, 17), seed=0):
    rng = np.random.default_rng(seed)
    seqs = ["".join(rng.choice(list("ACGT"), length)) for _ in range(n)]
    for i in with_site:
        seqs[i] = seqs[i][:40] + SITE + seqs[i][47:]
    return one_hot_encode(seqs).float()


@pytest.fixture(scope="module")
def model():
    return Plain().eval()


def _context(tmp_path, model, labels):
    X = _sequences()
    y = None if labels == "none" else np.zeros((X.shape[0], 3), np.uint8)
    return Context(tmp_path, model, X, y, motif_db=None, quick=True, targets=[0],
                   options={"attribution": {"methods": ["saliency"], "n": 4},
                            "temporal": {"n": 4, "n_shuffles": 1},
                            "seqlets": {"n": 4, "controls": 0},
                            "influence": {"n": 24, "attr_n": 4},
                            "neuronmotif": {"neurons": "tasks", "max_forwards": 300,
                                            "population": 20, "resume": False}})


ANALYSES = {"attribution": attribution, "temporal": temporal, "seqlets": seqlets,
            "influence": influence, "neuronmotif": neuronmotif}


@pytest.mark.parametrize("labels", ["none", "all zero"])
@pytest.mark.parametrize("name", list(ANALYSES))
def test_each_analysis_falls_back_to_the_top_predictions(tmp_path, model, name, labels):
    ctx = _context(tmp_path, model, labels)
    res = ANALYSES[name].run(ctx)
    why = "the data has no labels" if labels == "none" else "no sequence is labelled positive"
    # neuronmotif scores 200 sequences per target: with 24 and no labels, all are used
    said = "all 24 sequences" if (name, labels) == ("neuronmotif", "none") else "(fallback)"
    assert why in res.data["selection"] and said in res.data["selection"]
    section = json.loads((res.directory / "section.json").read_text())
    assert said in json.dumps(section, ensure_ascii=False)
    if name in ("temporal", "seqlets"):  # the rows are the sequences holding the site
        assert sorted(np.asarray(res.data["rows"]).tolist()) == [2, 5, 11, 17]


def test_the_fallback_rows_are_those_the_model_scores_highest(tmp_path, model):
    ctx = _context(tmp_path, model, "none")
    rows, how = ctx.labelled_or_top(4, [0])
    assert rows.tolist() == [2, 5, 11, 17]
    assert how.startswith("the data has no labels: the 4 sequences the model scores highest")
    ctx.y = np.zeros((24, 3), np.uint8)
    ctx.y[[1, 3], 0] = 1  # labels with positives win over predictions
    rows, how = ctx.labelled_or_top(4, [0])
    assert rows.tolist() == [1, 3] and "labelled positive for the target" in how


def test_targets_without_positives_fall_back_one_by_one(tmp_path, model):
    ctx = _context(tmp_path, model, "all zero")
    ctx.y[[1, 3], 0] = 1  # target 0 has labelled positives, targets 1 and 2 none
    ctx.targets = [0, 1, 2]
    ctx.options["attribution"]["targets"] = 3
    res = attribution.run(ctx)
    assert res.data["maps"][("saliency", 0)][0].tolist() == [1, 3]
    assert res.data["maps"][("saliency", 1)][0].tolist() == [2, 5, 11, 17]
    text = res.data["selection"]
    assert "targets 0: their labelled positives" in text
    assert "targets 1, 2: no sequence is labelled positive for the target" in text


def test_with_no_positive_at_all_every_output_is_a_target(tmp_path, model):
    ctx = _context(tmp_path, model, "all zero")
    ctx.targets = None
    assert ctx.chosen_targets() == [0, 1, 2]
    ctx.y = None
    assert ctx.n_outputs() == 3 and ctx.chosen_targets() == [0, 1, 2]  # no n_targets attribute


def test_describe_selection_groups_targets():
    hows = {t: "the first 4 sequences labelled positive for the target" for t in range(3)}
    hows.update({t: "no sequence is labelled positive for the target: the 4 sequences the "
                    "model scores highest for the target (fallback)" for t in range(3, 15)})
    text = describe_selection(hows)
    assert text.startswith("Sequences per target — targets 0, 1, 2: their labelled positives;")
    assert "targets 3, 4, 5, 6, 7, 8, 9, 10 and 4 more: no sequence" in text
    assert describe_selection({}) == ""


def _zoo_run_and_fasta(tmp_path, **tables):
    """A format-2 run of a 100-bp, 3-target deepsea_demo (extra config ``tables``) and a FASTA
    file of :func:`_sequences`."""
    from motifscope import zoo
    from motifscope.core.sequence import decode
    from motifscope.runs.directory import (
        MODEL_FILE,
        RUN_FORMAT,
        atomic_torch_save,
        init_run_dir,
        model_table,
        write_config,
    )

    torch.manual_seed(0)
    over = {"seq_len": 100, "n_targets": 3}
    m = zoo.build("deepsea_demo", **over)
    run = init_run_dir(tmp_path / "run")
    write_config(run, {"format": RUN_FORMAT, "model": model_table("deepsea_demo", over, m),
                       **tables})
    atomic_torch_save(m.state_dict(), run / MODEL_FILE)
    fa = tmp_path / "seqs.fa"
    fa.write_text("".join(f">s{i}\n{s}\n" for i, s in enumerate(decode(_sequences()))))
    return run, fa


def test_attribute_reads_fasta_like_the_other_verbs(tmp_path, capsys):
    """``attribute --data seqs.fa`` (it used to stop with 'is not a MAT file')."""
    from motifscope.cli import main

    run, fa = _zoo_run_and_fasta(tmp_path)
    rc = main(["attribute", str(run), "--data", str(fa), "--target", "0", "--method", "saliency",
               "--start", "2", "--n", "5", "--out", str(tmp_path / "a.npz")])
    assert rc == 0, capsys.readouterr().err
    z = np.load(tmp_path / "a.npz")
    assert z["arr_0"].shape == (5, 4, 100)
    ohe = np.load(tmp_path / "a.ohe.npz")["arr_0"]
    assert np.array_equal(ohe, _sequences()[2:7].numpy())


def test_the_verbs_name_the_runs_targets(tmp_path, capsys):
    """influence.tsv has a column per target named as the run names them (an imported
    published model's 919 names), not t0, t1, ..."""
    from motifscope.cli import main

    run, fa = _zoo_run_and_fasta(tmp_path, targets={"names": ["K562|CTCF", "HepG2|FOXA1",
                                                              "GM12878|DNase"]})
    rc = main(["influence", str(run), "--data", str(fa), "--db", "none", "--out", str(tmp_path / "i")])
    assert rc == 0, capsys.readouterr().err
    header = (tmp_path / "i" / "influence.tsv").read_text().splitlines()[0].split("\t")
    assert header[-3:] == ["K562|CTCF", "HepG2|FOXA1", "GM12878|DNase"]


def test_class_optimisation_of_a_plain_module_takes_the_length_of_the_sequences(tmp_path, model):
    """A plain nn.Module has no seq_len: the length comes from the sequences given (it
    stopped with 'no seq_len'). (This detector fires on its exact site only, so its ReLU is
    dead at a random start: whether the optimum finds the site is issue 34's control.)"""
    from motifscope.analysis import optimize

    ctx = _context(tmp_path, model, "none")
    ctx.options["optimize"] = {"steps": 60, "restarts": 2}
    res = optimize.run(ctx)
    best = res.data["results"][0]
    assert np.asarray(best.matrix).shape == (4, 100)
    assert np.asarray(best.ppm).shape == (4, 100) and np.isfinite(best.score)
    ctx.X = None  # neither seq_len nor sequences: the method's own one line
    with pytest.raises(InputError, match="length is required"):
        optimize.run(ctx)
