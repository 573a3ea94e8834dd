"""Hostile and malformed inputs (issue 16): a run directory never runs code, and no bad file
or argument ends in a traceback or a silent wrong answer.

Every case asserts the exit status (2 for bad input), that standard error is ONE line of the
form ``motifscope: error: ...`` and that it names the file or option at fault. Sections
follow the issue: code execution, report paths, tracebacks by reader, silent acceptance,
messages.
"""

from __future__ import annotations

import io
import json
import os
import sys
from pathlib import Path

import numpy as np
import pytest
import torch

from motifscope.cli import main
from motifscope.core.errors import RunDirError
from motifscope.core.trust import trusting_code
from motifscope.runs.directory import (
    MODEL_FILE,
    atomic_torch_save,
    init_run_dir,
    load_run,
    write_config,
)

sys.path.insert(0, __file__.rsplit("/", 1)[0])
import _deepsea_files as files

OVER = {"seq_len": 60, "n_targets": 3, "width": 0.25}


def cli(args, capsys, rc=2, names=None):
    """Run the CLI; assert the exit status and a one-line error naming ``names``."""
    capsys.readouterr()
    got = main([str(a) for a in args])
    err = capsys.readouterr().err
    assert got == rc, err
    if rc == 2:
        lines = [ln for ln in err.splitlines() if ln.strip()]
        assert len(lines) == 1, err
        assert lines[0].startswith("motifscope: error: "), err
        assert "Traceback" not in err
        for name in [names] if isinstance(names, str) else names or []:
            assert str(name) in lines[0], (name, lines[0])
    return err


@pytest.fixture(scope="module")
def zoo_run(tmp_path_factory):
    from motifscope import zoo

    torch.manual_seed(0)
    m = zoo.build("danq_demo", **OVER)
    run = init_run_dir(tmp_path_factory.mktemp("hostile") / "run")
    write_config(run, {"model": {"name": "danq_demo", "overrides": OVER}})
    atomic_torch_save(m.state_dict(), run / MODEL_FILE)
    return run


@pytest.fixture(scope="module")
def mat(tmp_path_factory):
    X, y = files.random_split(8, 60, 3, seed=1)
    return files.write_v5(tmp_path_factory.mktemp("mat") / "test.mat", X, y, split="test")


# ============================================================ 1. code execution
EVIL = '''
import pathlib
pathlib.Path({marker!r}, "imported").touch()

def make(**kw):
    pathlib.Path({marker!r}, "called").touch()
    import torch
    return torch.nn.Conv1d(4, 2, 3)
'''


@pytest.fixture
def evil_run(tmp_path, monkeypatch):
    """A run whose config.toml names a factory in a module that leaves marker files."""
    marker = tmp_path / "markers"
    marker.mkdir()
    mod = tmp_path / "mods"
    mod.mkdir()
    (mod / "evil_factory_mod.py").write_text(EVIL.format(marker=str(marker)))
    monkeypatch.syspath_prepend(str(mod))
    monkeypatch.delitem(sys.modules, "evil_factory_mod", raising=False)
    run = init_run_dir(tmp_path / "run")
    write_config(run, {"model": {"factory": "evil_factory_mod:make", "kwargs": {}}})
    atomic_torch_save(torch.nn.Conv1d(4, 2, 3).state_dict(), run / MODEL_FILE)
    return run, marker


def test_load_run_refuses_factory_and_runs_nothing(evil_run):
    run, marker = evil_run
    with pytest.raises(RunDirError, match=r"config.toml: \[model\] factory.*trust_code=True"):
        load_run(run)
    assert not any(marker.iterdir()), "code named by the run directory ran"
    assert "evil_factory_mod" not in sys.modules


def test_load_run_factory_opt_in(evil_run):
    run, marker = evil_run
    assert isinstance(load_run(run, trust_code=True).model, torch.nn.Conv1d)
    assert (marker / "called").exists()
    with trusting_code():
        load_run(run)


VERBS_ON_RUN = [
    ["kernels", "{run}", "--data", "{mat}", "--method", "weights"],
    ["predict", "{run}", "--data", "{mat}", "--out", "{tmp}/p.tsv"],
    ["evaluate", "{run}", "--data", "{mat}"],
    ["temporal", "{run}", "--data", "{mat}", "--target", "0"],
    ["optimize", "{run}", "--target", "0", "--steps", "1"],
    ["similarity", "{run}"],
    ["decouple", "{run}", "--layer", "1", "--db", "none"],
]


@pytest.mark.parametrize("verb", VERBS_ON_RUN, ids=[v[0] for v in VERBS_ON_RUN])
def test_verbs_refuse_factory(verb, evil_run, mat, tmp_path, capsys):
    run, marker = evil_run
    args = [a.format(run=run, mat=mat, tmp=tmp_path) for a in verb]
    err = cli(args, capsys, names=["config.toml", "factory", "--trust-code"])
    assert not any(marker.iterdir()), err


# ============================================================ 2. the report stays inside the run
def _section_run(tmp_path, blocks, **files_):
    run = init_run_dir(tmp_path / "run")
    d = run / "analyses" / "a"
    d.mkdir(parents=True)
    for name, data in files_.items():
        (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())
    (d / "section.json").write_text(json.dumps({"title": "A", "blocks": blocks}))
    return run


OUTSIDE = [
    {"type": "files", "paths": ["/etc/passwd"]},
    {"type": "table", "path": "../../../x.csv"},
    {"type": "image", "path": "../../../x.csv"},
    {"type": "link", "path": "x.html", "copy_dir": "../../.."},
    {"type": "plotly", "path": "/etc/hostname"},
    {"type": "gallery", "items": [{"image": "/etc/passwd"}]},
]


@pytest.mark.parametrize("block", OUTSIDE, ids=[b["type"] for b in OUTSIDE])
def test_report_refuses_paths_outside_run(block, tmp_path, capsys):
    (tmp_path / "x.csv").write_text("secret,1\n")
    run = _section_run(tmp_path, [block], **{"x.html": "<p>x</p>"})
    cli(["report", run, "--out", tmp_path / "site"], capsys,
        names=["section.json", "outside the run directory"])
    assert not (tmp_path / "site").exists()  # checked before anything is written


def test_report_refuses_symlink_out_of_run(tmp_path, capsys):
    (tmp_path / "secret.txt").write_text("secret")
    run = _section_run(tmp_path, [{"type": "files", "paths": ["link.txt"]}])
    (run / "analyses" / "a" / "link.txt").symlink_to(tmp_path / "secret.txt")
    cli(["report", run, "--out", tmp_path / "site"], capsys, names="link.txt")


def test_report_embeds_json_safely(tmp_path, capsys):
    evil = json.dumps({"data": [], "layout": {"title": {"text": "<!--<script>alert(1)</script>"}}})
    run = _section_run(tmp_path, [{"type": "plotly", "path": "p.json"}], **{"p.json": evil})
    cli(["report", run, "--out", tmp_path / "site"], capsys, rc=0)
    page = (tmp_path / "site" / "a.html").read_text()
    body = page.split('data-plot="plot-a-0">', 1)[1].split("</script>", 1)[0]
    assert "<" not in body and json.loads(body)["layout"]["title"]["text"].startswith("<!--<script")


BAD_RUN_FILES = {
    "metrics not utf-8": ("metrics.json", b'{"a": "\xff\xfe"}'),
    "metrics a list": ("metrics.json", b"[1, 2]"),
    "metrics invalid": ("metrics.json", b"{nope"),
    "history not utf-8": ("history.csv", b"epoch,train_loss\n1,\xff\xfe\n"),
    "history no epoch": ("history.csv", b"a,b\n1,2\n"),
    "history ragged": ("history.csv", b'epoch,train_loss\n1,"2\n'),
    "history text loss": ("history.csv", b"epoch,train_loss\n1,abc\n"),
    "config not utf-8": ("config.toml", b'[model]\nname = "\xff"\n'),
    "section not utf-8": ("analyses/a/section.json", b'{"title": "\xff"}'),
    "section a list": ("analyses/a/section.json", b"[]"),
    "section title int": ("analyses/a/section.json", b'{"title": 3, "blocks": []}'),
    "section order text": ("analyses/a/section.json", b'{"order": "x", "blocks": []}'),
    "section blocks dict": ("analyses/a/section.json", b'{"blocks": {}}'),
    "block a string": ("analyses/a/section.json", b'{"blocks": ["x"]}'),
    "block unknown type": ("analyses/a/section.json", b'{"blocks": [{"type": "evil"}]}'),
    "block path int": ("analyses/a/section.json", b'{"blocks": [{"type": "table", "path": 3}]}'),
    "block max_rows text": ("analyses/a/section.json",
                            b'{"blocks": [{"type": "table", "path": "t.csv", "max_rows": "x"}]}'),
    "block data list": ("analyses/a/section.json", b'{"blocks": [{"type": "metrics", "data": [1]}]}'),
    "table not utf-8": ("analyses/a/t.csv", b"a,b\n\xff,2\n"),
    "plotly not json": ("analyses/a/p.json", b"{nope"),
    "plotly not utf-8": ("analyses/a/p.json", b'{"a": "\xff"}'),
}


@pytest.mark.parametrize("case", BAD_RUN_FILES, ids=list(BAD_RUN_FILES))
def test_report_bad_run_files(case, tmp_path, capsys):
    rel, data = BAD_RUN_FILES[case]
    run = _section_run(tmp_path, [{"type": "table", "path": "t.csv"},
                                  {"type": "plotly", "path": "p.json"}],
                       **{"t.csv": "a,b\n1,2\n", "p.json": "{}"})
    (run / rel).write_bytes(data)
    cli(["report", run, "--out", tmp_path / "site"], capsys, names=rel.rsplit("/", 1)[-1])


# ============================================================ 3. readers: no tracebacks
GOOD_MEME = """MEME version 4

ALPHABET= ACGT

strands: + -

Background letter frequencies
A 0.25 C 0.25 G 0.25 T 0.25

MOTIF M1
letter-probability matrix: alength= 4 w= 2 nsites= 10 E= 0
0.7 0.1 0.1 0.1
0.1 0.1 0.1 0.7
"""
MEME_NUMBERS = {
    "w inf": ("w= 2", "w= inf"), "w nan": ("w= 2", "w= nan"), "w 1e400": ("w= 2", "w= 1e400"),
    "nsites inf": ("nsites= 10", "nsites= inf"), "nsites nan": ("nsites= 10", "nsites= nan"),
    "nsites 1e400": ("nsites= 10", "nsites= 1e400"), "alength inf": ("alength= 4", "alength= inf"),
    "background nan": ("A 0.25 C", "A nan C"), "E nan": ("E= 0", "E= nan"),
    "matrix inf": ("0.7 0.1 0.1 0.1", "inf 0.1 0.1 0.1"),
}


@pytest.mark.parametrize("case", MEME_NUMBERS, ids=list(MEME_NUMBERS))
def test_meme_non_finite_numbers(case, tmp_path, capsys):
    from motifscope.core.errors import MotifFormatError
    from motifscope.io.meme import read_meme

    old, new = MEME_NUMBERS[case]
    p = tmp_path / "q.meme"
    p.write_text(GOOD_MEME.replace(old, new))
    with pytest.raises(MotifFormatError, match="q.meme"):
        read_meme(p)
    cli(["tomtom", p, "--db", p, "--out", tmp_path / "t.tsv"], capsys, names="q.meme")


def test_meme_property_based_mutations(tmp_path):
    """Random edits of a valid MEME file either parse or raise a MotifscopeError."""
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    from motifscope.core.errors import MotifscopeError
    from motifscope.io.meme import read_meme

    tokens = st.sampled_from(["inf", "nan", "-1", "1e400", "", "x", "0", "\u00e9", "=", "MOTIF",
                              "w=", "letter-probability matrix:", "\t", "9" * 30, "\x00"])

    @hypothesis.settings(max_examples=150, deadline=None, database=None)
    @hypothesis.given(pos=st.integers(0, len(GOOD_MEME)), cut=st.integers(0, 6), tok=tokens)
    def edit(pos, cut, tok):
        text = GOOD_MEME[:pos] + tok + GOOD_MEME[pos + cut:]
        try:
            read_meme(io.StringIO(text))
        except MotifscopeError:
            pass

    values = st.one_of(st.floats(allow_nan=True, allow_infinity=True).map(repr),
                       st.integers(-10, 10**30).map(str), st.text(max_size=4),
                       st.sampled_from(["1e400", "-1e400", "inf", "nan", "4.5", "0x10"]))

    @hypothesis.settings(max_examples=150, deadline=None, database=None)
    @hypothesis.given(key=st.sampled_from(["alength= 4", "w= 2", "nsites= 10", "E= 0"]),
                      value=values)
    def field(key, value):
        text = GOOD_MEME.replace(key, key.split("=")[0] + "= " + value.replace("\n", " "))
        try:
            read_meme(io.StringIO(text))
        except MotifscopeError:
            pass

    edit()
    field()


def test_tomtom_empty_query_file_is_named(tmp_path, capsys):
    p = tmp_path / "empty.meme"
    p.write_text(GOOD_MEME.split("MOTIF")[0])
    cli(["tomtom", p, "--db", p, "--out", tmp_path / "t.tsv"], capsys, names="empty.meme")


def _v5_sparse(path, X, y):
    import scipy.io
    import scipy.sparse

    xa = np.asarray(X)[:, [0, 2, 1, 3], :].astype(np.uint8)
    scipy.io.savemat(path, {"testxdata": xa, "testdata": scipy.sparse.csc_matrix(y.astype(float))})
    return path


def test_mat_sparse_labels_read_as_dense(tmp_path):
    from motifscope.io.deepsea import read_mat

    X, y = files.random_split(8, 60, 3, seed=2)
    p = _v5_sparse(tmp_path / "test.mat", X, y)
    Xr, yr = read_mat(p)
    assert torch.equal(Xr, torch.from_numpy(X).float()) and torch.equal(yr, torch.from_numpy(y))


def test_mat_sparse_labels_cli(zoo_run, tmp_path, capsys):
    X, y = files.random_split(8, 60, 3, seed=2)
    p = _v5_sparse(tmp_path / "test.mat", X, y)
    cli(["evaluate", zoo_run, "--data", p, "--out", tmp_path / "ev"], capsys, rc=0)
    cli(["data", "pack", p, "--out", tmp_path / "packed"], capsys, rc=0)


@pytest.mark.parametrize("verb", ["evaluate", "kernels", "data pack"])
def test_mat_zero_rows(verb, zoo_run, tmp_path, capsys):
    X, y = files.random_split(0, 60, 3, strand_pairs=False)
    p = files.write_v5(tmp_path / "empty.mat", X, y, split="test")
    args = {"evaluate": ["evaluate", zoo_run, "--data", p, "--out", tmp_path / "ev"],
            "kernels": ["kernels", zoo_run, "--data", p, "--out", tmp_path / "k.meme"],
            "data pack": ["data", "pack", p, "--out", tmp_path / "pk"]}[verb]
    cli(args, capsys, names=["empty.mat", "0 sequences"])
    assert not (tmp_path / "k.meme").exists() and not (tmp_path / "ev" / "summary.json").exists()


def test_mat_length_mismatch_names_file(zoo_run, tmp_path, capsys):
    X, y = files.random_split(8, 100, 3)
    p = files.write_v5(tmp_path / "long.mat", X, y, split="test")
    cli(["evaluate", zoo_run, "--data", p], capsys, names="long.mat")
    cli(["kernels", zoo_run, "--data", p, "--out", tmp_path / "k.meme"], capsys, names="long.mat")


def _fasta(path, records):
    path.write_text("".join(f">{n}\n{s}\n" for n, s in records), encoding="utf-8")
    return path


def test_fasta_corrupt_gzip(zoo_run, tmp_path, capsys):
    import gzip

    raw = gzip.compress(b">a\n" + b"ACGT" * 500 + b"\n")
    p = tmp_path / "bad.fa.gz"
    p.write_bytes(raw[:20] + bytes(b ^ 0x55 for b in raw[20:40]) + raw[40:])
    cli(["predict", zoo_run, "--data", p, "--out", tmp_path / "p.tsv"], capsys, names="bad.fa.gz")
    assert not (tmp_path / "p.tsv").exists()


def test_fasta_not_utf8(zoo_run, tmp_path, capsys):
    p = tmp_path / "latin1.fa"
    p.write_bytes(b">s\xe9q\nACGT\n")
    cli(["predict", zoo_run, "--data", p, "--out", tmp_path / "p.tsv"], capsys,
        names=["latin1.fa", "line 1", "UTF-8"])


def test_fasta_utf8_names_round_trip(zoo_run, tmp_path, capsys):
    p = _fasta(tmp_path / "u.fa", [("séquence_α", "ACGT" * 15), ("b", "A" * 60)])
    cli(["predict", zoo_run, "--data", p, "--out", tmp_path / "p.tsv"], capsys, rc=0)
    assert (tmp_path / "p.tsv").read_text(encoding="utf-8").splitlines()[1].startswith("séquence_α\t")


def test_temporal_fasta_header_is_not_mathtext(zoo_run, tmp_path, capsys):
    p = _fasta(tmp_path / "m.fa", [(r"$\notacommand$ x", "ACGT" * 15)])
    cli(["temporal", zoo_run, "--data", p, "--target", "0", "--n", "1", "--step", "10",
         "--out", tmp_path / "t"], capsys, rc=0)
    assert (tmp_path / "t" / "temporal.png").stat().st_size > 0


def _hdf5(path, arr):
    import h5py

    with h5py.File(path, "w") as f:
        f["testxdata"] = arr
    return path


@pytest.mark.parametrize("bad", ["nan", "two", "several bases", "zero rows"])
def test_predict_hdf5_values(bad, zoo_run, tmp_path, capsys):
    X, _ = files.random_split(4, 60, 3)
    arr = X[:, [0, 2, 1, 3], :].astype(np.float32)
    if bad == "nan":
        arr[1, 0, 5] = np.nan
    elif bad == "two":
        arr[2, 1, 7] = 2
    elif bad == "several bases":
        arr[0, :, 3] = 1
    else:
        arr = arr[:0]
    p = _hdf5(tmp_path / "in.h5", arr)
    cli(["predict", zoo_run, "--data", p, "--out", tmp_path / "p.tsv"], capsys,
        names=["in.h5", "testxdata"])
    assert not (tmp_path / "p.tsv").exists()


CONFIGS = {
    "name int": {"model": {"name": 3}},
    "overrides int": {"model": {"name": "danq_demo", "overrides": 5}},
    "override text": {"model": {"name": "danq_demo", "overrides": {**OVER, "width": "abc"}}},
    "override nan": {"model": {"name": "danq_demo", "overrides": {**OVER, "width": float("nan")}}},
    "unknown model": {"model": {"name": "no_such_model"}},
    "unknown override": {"model": {"name": "danq_demo", "overrides": {"bogus": 1}}},
    "no model table": {"training": {}},
    "model not a table": {"model": 3},
    "kwargs not a table": {"model": {"factory": "x:y", "kwargs": 3}},
}


@pytest.mark.parametrize("case", CONFIGS, ids=list(CONFIGS))
def test_config_toml_types(case, zoo_run, tmp_path, capsys):
    run = init_run_dir(tmp_path / "run")
    (run / MODEL_FILE).write_bytes((zoo_run / MODEL_FILE).read_bytes())
    write_config(run, CONFIGS[case])
    with pytest.raises(RunDirError, match="config.toml"):
        load_run(run, trust_code=case == "kwargs not a table")
    cli(["optimize", run, "--target", "0", "--steps", "1"], capsys, names="config.toml")


def test_evil_pickle_is_one_line(tmp_path, capsys):
    class Evil:
        def __reduce__(self):
            return (print, ("pwned",))

    run = init_run_dir(tmp_path / "run")
    write_config(run, {"model": {"name": "danq_demo", "overrides": OVER}})
    torch.save({"w": Evil()}, run / MODEL_FILE)
    err = cli(["optimize", run, "--target", "0", "--steps", "1"], capsys, names="model.pt")
    assert "pwned" not in capsys.readouterr().out + err


# ============================================================ 4. options: ranges, outputs, devices
def _opt_cases():
    r, m = "{run}", "{mat}"
    return {
        "evaluate --n 0": ["evaluate", r, "--data", m, "--n", "0"],
        "evaluate --n -5": ["evaluate", r, "--data", m, "--n", "-5"],
        "temporal --target 99": ["temporal", r, "--data", m, "--target", "99"],
        "temporal --target -1": ["temporal", r, "--data", m, "--target", "-1"],
        "temporal --n 0": ["temporal", r, "--data", m, "--target", "0", "--n", "0"],
        "temporal --n -1": ["temporal", r, "--data", m, "--target", "0", "--n", "-1"],
        "optimize --target 3": ["optimize", r, "--target", "3"],
        "optimize --lr nan": ["optimize", r, "--target", "0", "--lr", "nan"],
        "optimize --lr 0": ["optimize", r, "--target", "0", "--lr", "0"],
        "decouple --neurons 5-2": ["decouple", r, "--layer", "1", "--neurons", "5-2", "--db", "none"],
        "decouple --population 0": ["decouple", r, "--layer", "1", "--population", "0"],
        "train --set width=abc": ["train", "--data", "{tmp}", "--out", "{tmp}/r", "--set", "width=abc"],
        "train --n-train 0": ["train", "--data", "{tmp}", "--out", "{tmp}/r", "--n-train", "0"],
        "train --threads 0": ["train", "--data", "{tmp}", "--out", "{tmp}/r", "--threads", "0"],
        "train --max-steps 0": ["train", "--data", "{tmp}", "--out", "{tmp}/r", "--max-steps", "0"],
        "train --lr nan": ["train", "--data", "{tmp}", "--out", "{tmp}/r", "--lr", "nan"],
        "tomtom --thresh abc": ["tomtom", "{meme}", "--db", "{meme}", "--out", "{tmp}/t.tsv",
                                "--thresh", "abc"],
        "tomtom --thresh nan": ["tomtom", "{meme}", "--db", "{meme}", "--out", "{tmp}/t.tsv",
                                "--thresh", "nan"],
        "kernels --device foo": ["kernels", r, "--data", m, "--device", "foo"],
        "predict --device cuda:99": ["predict", r, "--data", m, "--out", "{tmp}/p.tsv",
                                     "--device", "cuda:99"],
        "predict --out dir": ["predict", r, "--data", m, "--out", "{tmp}"],
        "predict --out below file": ["predict", r, "--data", m, "--out", "{mat}/p.tsv"],
        "evaluate --out a file": ["evaluate", r, "--data", m, "--out", "{mat}"],
        "report --out below file": ["report", r, "--out", "{mat}/site"],
        "tomtom --out dir": ["tomtom", "{meme}", "--db", "{meme}", "--out", "{tmp}"],
        "simulate --gc 2": ["simulate", "--out", "{tmp}/s", "--gc", "2"],
        "unknown option": ["kernels", r, "--data", m, "--bogus"],
    }


OPT_CASES = _opt_cases()
OPT_NAMES = {"train --set width=abc": "width", "decouple --neurons 5-2": "5-2",
             "optimize --target 3": "target 3", "temporal --target 99": "--target 99",
             "unknown option": "--bogus"}


@pytest.mark.parametrize("case", OPT_CASES, ids=list(OPT_CASES))
def test_option_ranges_and_outputs(case, zoo_run, mat, tmp_path, capsys):
    meme = tmp_path / "q.meme"
    meme.write_text(GOOD_MEME)
    if "train" in case:
        for split in ("train", "valid", "test"):
            X, y = files.random_split(8, 60, 3, seed=3)
            files.write_v5(tmp_path / f"{split}.mat", X, y, split=split)
    if "cuda:99" in case and torch.cuda.device_count() >= 99:  # pragma: no cover
        pytest.skip("a machine with 99 GPUs")
    args = [a.format(run=zoo_run, mat=mat, tmp=tmp_path, meme=meme) for a in OPT_CASES[case]]
    default = case.split()[1] if case.split()[1].startswith("--") else None
    cli(args, capsys, names=OPT_NAMES.get(case, default))
    assert not (tmp_path / "r").exists() and not (tmp_path / "s").exists()


@pytest.mark.skipif(hasattr(os, "geteuid") and os.geteuid() == 0,
                    reason="root may write anywhere")
def test_output_folder_without_permission(zoo_run, mat, tmp_path, capsys):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o500)
    try:
        cli(["predict", zoo_run, "--data", mat, "--out", ro / "p.tsv"], capsys,
            names=["--out", "permission"])
    finally:
        ro.chmod(0o700)


def test_temporal_failure_leaves_nothing(zoo_run, tmp_path, capsys, monkeypatch):
    import motifscope.analysis.temporal as tm  # the analysis' own binding of the method

    X, y = files.random_split(4, 60, 3)
    p = files.write_v5(tmp_path / "t.mat", X, y, split="test")

    def boom(*a, **k):
        raise RuntimeError("figure failed")

    monkeypatch.setattr(tm, "temporal_figure", boom)
    cli(["temporal", zoo_run, "--data", p, "--target", "0", "--n", "2", "--step", "20",
         "--out", tmp_path / "t"], capsys, rc=1)
    assert not (tmp_path / "t").exists() or not any((tmp_path / "t").iterdir())


def test_internal_error_is_one_line_and_debug_shows_traceback(zoo_run, tmp_path, capsys,
                                                               monkeypatch):
    import motifscope.analysis.optimize as om

    def boom(*a, **k):
        raise RuntimeError("kaputt")

    monkeypatch.setattr(om, "optimize_targets", boom)
    err = cli(["optimize", zoo_run, "--target", "0"], capsys, rc=1)
    assert err.strip().splitlines() == [err.strip()] and "internal error" in err
    assert "please report" in err and "kaputt" in err
    with pytest.raises(RuntimeError, match="kaputt"):
        main(["--debug", "optimize", str(zoo_run), "--target", "0"])


# ============================================================ 5. more silent acceptances
def _copy_run(zoo_run, tmp_path):
    import shutil

    return Path(shutil.copytree(zoo_run, tmp_path / "run"))


def test_nan_weights_refused(zoo_run, tmp_path, capsys):
    run = _copy_run(zoo_run, tmp_path)
    sd = torch.load(run / MODEL_FILE, weights_only=True)
    k = next(iter(sd))
    sd[k] = torch.full_like(sd[k], float("nan"))
    torch.save(sd, run / MODEL_FILE)
    cli(["predict", run, "--data", _fasta(tmp_path / "a.fa", [("a", "ACGT")]),
         "--out", tmp_path / "p.tsv"], capsys, names=["model.pt", k, "NaN"])
    assert not (tmp_path / "p.tsv").exists()


def test_metrics_json_must_be_an_object(zoo_run, tmp_path):
    run = _copy_run(zoo_run, tmp_path)
    (run / "metrics.json").write_text("[1, 2]")
    with pytest.raises(RunDirError, match="metrics.json"):
        load_run(run)


@pytest.mark.parametrize("labels", ["one row", "all negative", "none"])
def test_evaluate_without_scorable_targets(labels, zoo_run, tmp_path, capsys):
    X, y = files.random_split(8, 60, 3, seed=4)
    if labels == "one row":
        p = files.write_v5(tmp_path / "d.mat", X[:1], y[:1], split="test")
    elif labels == "all negative":
        p = files.write_v5(tmp_path / "d.mat", X, 0 * y, split="test")
    else:
        p = _hdf5(tmp_path / "d.mat", X[:, [0, 2, 1, 3], :])
    cli(["evaluate", zoo_run, "--data", p, "--out", tmp_path / "ev"], capsys, names="d.mat")
    assert not (tmp_path / "ev" / "summary.json").exists()


def test_meme_not_utf8(tmp_path, capsys):
    p = tmp_path / "q.meme"
    p.write_bytes(GOOD_MEME.replace("MOTIF M1", "MOTIF M\xe9").encode("latin-1"))
    cli(["tomtom", p, "--db", p, "--out", tmp_path / "t.tsv"], capsys,
        names=["q.meme", "line 10", "UTF-8"])


def test_fasta_with_bom_and_decouple_db_checked_first(zoo_run, tmp_path, capsys):
    p = tmp_path / "bom.fa"
    p.write_bytes(b"\xef\xbb\xbf>a\n" + b"ACGT" * 15 + b"\n")
    cli(["predict", zoo_run, "--data", p, "--out", tmp_path / "p.tsv"], capsys, rc=0)
    cli(["decouple", zoo_run, "--layer", "1", "--db", p, "--out", tmp_path / "nm"], capsys,
        names="bom.fa")
    assert not (tmp_path / "nm").exists()


@pytest.mark.parametrize("opt", ["lr=abc", "epochs=abc", "epochs=2.5", "amp=1"])
def test_train_set_types(opt):
    from motifscope.core.errors import ConfigError
    from motifscope.train import TrainConfig

    key, _value = opt.split("=")
    from motifscope.cli.train import parse_set

    with pytest.raises(ConfigError, match=f"training option {key}"):
        TrainConfig(**parse_set([opt]))


def test_optimize_failure_leaves_nothing(zoo_run, tmp_path, capsys, monkeypatch):
    import motifscope.analysis.base as mm  # where the analysis writer binds them

    def boom(*a, **k):
        raise RuntimeError("meme failed")

    monkeypatch.setattr(mm, "write_meme", boom)
    cli(["optimize", zoo_run, "--target", "0", "--steps", "2", "--restarts", "1",
         "--out", tmp_path / "o"], capsys, rc=1)
    assert not (tmp_path / "o").exists() or not any((tmp_path / "o").iterdir())


# ============================================================ 6. property-based: FASTA, TOML, JSON
def _hyp():
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import strategies as st

    return hypothesis, st


def test_fasta_property_based_bytes(tmp_path):
    """Random byte edits of a FASTA file (plain or gzip) parse or raise DataFormatError."""
    import gzip

    hypothesis, st = _hyp()
    from motifscope.core.errors import MotifscopeError
    from motifscope.io.fasta import read_fasta

    good = b">r1 s\xc3\xa9q\nACGTNacgt\nAC\n>r2\nGGGG\n"
    p = tmp_path / "f.fa"

    @hypothesis.settings(max_examples=150, deadline=None, database=None)
    @hypothesis.given(pos=st.integers(0, len(good)), cut=st.integers(0, 4),
                      junk=st.binary(max_size=4), gz=st.booleans(), trunc=st.integers(0, 40))
    def check(pos, cut, junk, gz, trunc):
        data = good[:pos] + junk + good[pos + cut:]
        if gz:
            data = gzip.compress(data)
            data = data[: len(data) - trunc] if trunc < len(data) else data
        p.write_bytes(data)
        try:
            read_fasta(p)
        except MotifscopeError:
            pass

    check()


def test_config_toml_property_based(zoo_run, tmp_path):
    """Random [model] tables either load a model or raise RunDirError, and never run code."""
    import shutil

    hypothesis, st = _hyp()
    run = tmp_path / "run"
    shutil.copytree(zoo_run, run)
    scalars = st.one_of(st.integers(-5, 10**20), st.floats(allow_nan=True), st.text(max_size=6),
                        st.booleans(), st.lists(st.integers(0, 3), max_size=3))
    tables = st.fixed_dictionaries({}, optional={
        "name": st.one_of(scalars, st.sampled_from(["danq_demo", "deepsea", "os:system"])),
        "overrides": st.one_of(scalars, st.dictionaries(
            st.sampled_from(["width", "seq_len", "n_targets", "dropout", "bogus"]), scalars,
            max_size=3)),
        "factory": st.sampled_from(["os:system", "subprocess:run", "builtins:eval"]),
        "kwargs": scalars,
    })

    @hypothesis.settings(max_examples=60, deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(model=tables)
    def check(model):
        write_config(run, {"model": model})
        try:
            load_run(run)
        except RunDirError:
            pass

    check()


def test_section_json_property_based(tmp_path):
    """Random section manifests render or raise RunDirError (never another exception)."""
    hypothesis, st = _hyp()
    from motifscope.report import render_report

    leaf = st.one_of(st.none(), st.booleans(), st.integers(-3, 3), st.floats(allow_nan=False),
                     st.text(max_size=8), st.sampled_from(["t.csv", "../x", "/etc/passwd", "p.json"]))
    value = st.recursive(leaf, lambda c: st.one_of(st.lists(c, max_size=3),
                                                    st.dictionaries(st.text(max_size=5), c, max_size=3)),
                         max_leaves=8)
    block = st.fixed_dictionaries({"type": st.sampled_from(
        ["text", "metrics", "table", "image", "gallery", "plotly", "link", "files", "bogus"])},
        optional={k: value for k in ("path", "paths", "items", "data", "text", "title",
                                     "max_rows", "copy_dir")})
    manifest = st.one_of(value, st.fixed_dictionaries(
        {"blocks": st.lists(block, max_size=3)},
        optional={"title": value, "order": value, "summary": value}))
    run = _section_run(tmp_path, [], **{"t.csv": "a,b\n1,2\n", "p.json": "{}"})

    @hypothesis.settings(max_examples=80, deadline=None, database=None,
                         suppress_health_check=list(hypothesis.HealthCheck))
    @hypothesis.given(m=manifest)
    def check(m):
        (run / "analyses" / "a" / "section.json").write_text(json.dumps(m))
        try:
            render_report(run, tmp_path / "site")
        except RunDirError:
            pass

    check()


def test_evaluate_failure_leaves_nothing(zoo_run, mat, tmp_path, capsys, monkeypatch):
    import motifscope.analysis.base as rp

    def boom(*a, **k):
        raise RuntimeError("section failed")

    monkeypatch.setattr(rp, "write_section", boom)
    cli(["evaluate", zoo_run, "--data", mat, "--out", tmp_path / "ev" / "inner"], capsys, rc=1)
    assert not (tmp_path / "ev").exists()


def test_cleanup_on_failure_keeps_what_was_there(tmp_path):
    from motifscope.runs.directory import cleanup_on_failure

    (tmp_path / "old.txt").write_text("kept")
    with pytest.raises(KeyboardInterrupt), cleanup_on_failure(tmp_path):
        (tmp_path / "new.txt").write_text("x")
        (tmp_path / "sub").mkdir()
        (tmp_path / "sub" / "f").write_text("x")
        raise KeyboardInterrupt
    assert sorted(p.name for p in tmp_path.iterdir()) == ["old.txt"]
    with cleanup_on_failure(tmp_path / "ok"):
        (tmp_path / "ok").mkdir()
    assert (tmp_path / "ok").is_dir()


PACKED_EDITS = {
    "n text": ("n", "abc"), "n negative": ("n", -1), "length zero": ("length", 0),
    "files a list": ("files", []), "path outside": ("files.sequences.path", "/etc/hostname"),
    "path up": ("files.sequences.path", "../x.npy"), "path int": ("files.sequences.path", 3),
}


@pytest.mark.parametrize("case", PACKED_EDITS, ids=list(PACKED_EDITS))
def test_packed_manifest_hostile(case, zoo_run, mat, tmp_path, capsys):
    from motifscope.io.pack import pack

    out = tmp_path / "pk"
    pack(mat, out)
    m = json.loads((out / "manifest.json").read_text())
    key, value = PACKED_EDITS[case]
    *parents, last = key.split(".")
    d = m
    for k in parents:
        d = d[k]
    d[last] = value
    (out / "manifest.json").write_text(json.dumps(m))
    cli(["evaluate", zoo_run, "--data", out, "--out", tmp_path / "ev"], capsys,
        names="manifest.json")


def test_basset_nan_labels(tmp_path):
    import h5py

    from motifscope.core.errors import DataFormatError
    from motifscope.io.basset import read_basset

    X, _ = files.random_split(4, 12, 2)
    y = np.zeros((4, 2), np.float32)
    y[2, 1] = np.nan
    p = tmp_path / "b.h5"
    with h5py.File(p, "w") as f:
        f["target_labels"] = np.array([b"a", b"b"])
        f["test_in"] = X[:, :, None, :].astype(np.float16)
        f["test_out"] = y
    with pytest.raises(DataFormatError, match=r"b.h5: test labels row 2 holds NaN"):
        read_basset(p, "test")


@pytest.mark.parametrize("n", [0, -5])
def test_evaluate_run_n_library(n, zoo_run, mat, tmp_path):
    from motifscope import analysis
    from motifscope.core.errors import InputError

    with pytest.raises(InputError, match=f"n={n}"):
        analysis.context_for(zoo_run, mat, n=n, evaluate_layout=True)
    assert not (tmp_path / "ev").exists()


def test_output_folder_without_permission_simulated(zoo_run, mat, tmp_path, capsys, monkeypatch):
    """The permission check, also where the tests run as root (os.access reports a
    read-only folder as it would for an ordinary user)."""
    ro = tmp_path / "ro"
    ro.mkdir()
    real = os.access
    monkeypatch.setattr(os, "access", lambda p, mode, **k: False if Path(p) == ro
                        else real(p, mode, **k))
    cli(["predict", zoo_run, "--data", mat, "--out", ro / "p.tsv"], capsys,
        names=["--out", "permission", "ro"])
    cli(["evaluate", zoo_run, "--data", mat, "--out", ro / "ev"], capsys,
        names=["--out", "permission"])


@pytest.mark.parametrize("resumable", [False, True])
def test_failing_analysis_removes_its_files_unless_resumable(zoo_run, tmp_path, monkeypatch,
                                                              resumable):
    """analysis.run removes what a failing analysis wrote in that call; a resumable one
    (NeuronMotif's finished neurons) keeps it for the rerun."""
    from motifscope import analysis

    mod = analysis.get("temporal")

    def half_done(ctx):
        out = ctx.output("temporal")
        out.text("done", "piece_1.txt")
        raise KeyboardInterrupt

    monkeypatch.setattr(mod, "run", half_done)
    monkeypatch.setattr(mod, "RESUMABLE", resumable, raising=False)
    ctx = analysis.Context(zoo_run, None, out={"temporal": tmp_path / "t"})
    with pytest.raises(KeyboardInterrupt):
        analysis.run("temporal", ctx)
    assert (tmp_path / "t" / "piece_1.txt").exists() is resumable
    assert analysis.get("neuronmotif").RESUMABLE is True


IMPORT_CASES = {
    "garbage weights": (["import", "kipoi-deepsea", "{w}", "--out", "{tmp}/r"], "w.pth"),
    "unknown format": (["import", "bogus", "{w}", "--out", "{tmp}/r"], "bogus"),
    "missing weights": (["import", "kipoi-deepsea", "{tmp}/nope.pth", "--out", "{tmp}/r"],
                        "nope.pth"),
    "keras not hdf5": (["import", "keras-danq", "{w}", "--out", "{tmp}/r"], "w.pth"),
    "import --out below file": (["import", "kipoi-basset", "{w}", "--out", "{w}/r"], "--out"),
    "export not a run": (["export", "{tmp}/nope", "--out", "{tmp}/e.pt"], "nope"),
    "export --out below file": (["export", "{run}", "--out", "{w}/e.pt"], "--out"),
}


@pytest.mark.parametrize("case", IMPORT_CASES, ids=list(IMPORT_CASES))
def test_import_export_hostile(case, zoo_run, tmp_path, capsys):
    """Published-weight import and export: one line naming the file or option, nothing written."""
    w = tmp_path / "w.pth"
    w.write_bytes(b"garbage")
    args, name = IMPORT_CASES[case]
    cli([a.format(w=w, tmp=tmp_path, run=zoo_run) for a in args], capsys, names=name)
    assert not (tmp_path / "r").exists() and not (tmp_path / "e.pt").exists()


# ============================================================ 7. the machine says no
def _sys_refuses() -> bool:
    """``/sys`` takes no new file even for root, while ``os.access`` says it may."""
    try:
        open("/sys/.motifscope-probe", "w").close()
    except OSError:
        return Path("/sys").is_dir()
    os.unlink("/sys/.motifscope-probe")  # pragma: no cover - a machine with a writable /sys
    return False


SYS = pytest.mark.skipif(not _sys_refuses(), reason="needs a /sys that refuses new files")
UNWRITABLE = {
    "tomtom": ["tomtom", "{meme}", "--db", "{meme}", "--out", "/sys/motifscope/t.tsv"],
    "kernels": ["kernels", "{run}", "--data", "{mat}", "--out", "/sys/motifscope/k.meme"],
    "attribute": ["attribute", "{run}", "--data", "{mat}", "--target", "0", "--method",
                  "saliency", "--out", "/sys/a.npz"],
    "evaluate": ["evaluate", "{run}", "--data", "{mat}", "--out", "/sys/motifscope/e"],
    "predict": ["predict", "{run}", "--data", "{mat}", "--out", "/sys/p.tsv"],
    "data pack": ["data", "pack", "{mat}", "--out", "/sys/motifscope/pk"],
    "seqlets": ["seqlets", "{run}", "--data", "{mat}", "--target", "0", "--out", "/sys/s"],
    "report": ["report", "{run}", "--out", "/sys/motifscope/site"],
}


@SYS
@pytest.mark.parametrize("case", UNWRITABLE, ids=list(UNWRITABLE))
def test_out_on_a_file_system_that_refuses_writes(case, zoo_run, mat, tmp_path, capsys):
    """As root ``os.access`` says yes under ``/sys``: the check creates a file to know."""
    meme = tmp_path / "q.meme"
    meme.write_text(GOOD_MEME)
    args = [a.format(run=zoo_run, mat=mat, meme=meme) for a in UNWRITABLE[case]]
    cli(args, capsys, names=["--out", "/sys", "cannot write"])
    assert not Path("/sys/motifscope").exists()


@SYS
def test_a_run_whose_analyses_folder_refuses_writes(zoo_run, mat, tmp_path, capsys):
    """Without --out the analysis writes into the run: the refusal meets the CLI's one
    handler for unwritable files, whatever verb meets it."""
    import shutil

    run = tmp_path / "run"
    shutil.copytree(zoo_run, run)
    shutil.rmtree(run / "analyses", ignore_errors=True)
    (run / "analyses").symlink_to("/sys/kernel")
    for verb in (["kernels", run, "--data", mat], ["influence", run, "--data", mat, "--db", "none"]):
        err = cli(verb, capsys, names=[f"{run}/analyses/{verb[0]}", "permission denied"])
        assert "internal error" not in err


def test_no_command_prints_the_help_and_one_error_line(capsys):
    assert main([]) == 2
    out, err = capsys.readouterr()
    assert "Commands:" in out and "train" in out
    assert err.splitlines() == ["motifscope: error: motifscope: no command given (see the usage "
                                "above, or motifscope --help)"]
    assert main(["data"]) == 2
    out, err = capsys.readouterr()
    assert "pack" in out and err.startswith("motifscope: error: motifscope data: no command")


def test_resume_from_a_checkpoint_the_weights_only_loader_refuses(tmp_path, capsys):
    """A ``last.pt`` holding a pickled object (not tensors): one line naming the file."""
    import argparse

    for split in ("train", "valid", "test"):
        X, y = files.random_split(8, 60, 3, seed=3)
        files.write_v5(tmp_path / f"{split}.mat", X, y, split=split)
    args = ["train", "--data", tmp_path, "--model", "danq_demo", "--out", tmp_path / "r",
            "--epochs", "1", "--batch-size", "8"] + [a for k, v in OVER.items()
                                                    for a in ("--set", f"{k}={v}")]
    assert main([str(a) for a in args]) == 0, capsys.readouterr().err
    last = tmp_path / "r" / "checkpoints" / "last.pt"
    torch.save({"model": argparse.Namespace(x=1)}, last)
    err = cli(args + ["--resume"], capsys, names=["last.pt", "weights_only"])
    assert "UnpicklingError" not in err or "cannot be read" in err


def test_neuronmotif_page_with_hostile_motif_names(tmp_path):
    """Database motifs named with tabs, newlines, markup and paths: every table reads back,
    the matches are those of plain names, and the report page shows them escaped."""
    import dataclasses
    import shutil

    import pandas as pd

    from motifscope import analysis, zoo
    from motifscope.io.meme import write_meme
    from motifscope.methods.neuronmotif import decouple, write_neuron

    torch.manual_seed(0)
    over = {"seq_len": 100, "n_targets": 3}
    run = init_run_dir(tmp_path / "run")
    write_config(run, {"model": {"name": "demo_cnn", "overrides": over}})
    atomic_torch_save(zoo.build("demo_cnn", **over).state_dict(), run / MODEL_FILE)
    model = load_run(run).model
    res = decouple(model, layer=2, neuron=0, random_state=0, population=20, max_forwards=4000)
    assert res.motifs, "the neuron must give CRMs to match"
    hostile = ["tab\there", "new\nline", "cr\rx", "<script>alert(1)</script>", "../../etc/passwd",
               "nul\x00", "a&b", "é\u2028x"]
    plain = [dataclasses.replace(m, name=f"m{i}", alt_name=f"alt{i}")
             for i, m in enumerate(res.motifs)]
    evil = [dataclasses.replace(m, name=hostile[i % len(hostile)] + str(i),
                                alt_name=hostile[(i + 3) % len(hostile)])
            for i, m in enumerate(res.motifs)]
    def matched(hits):
        return sorted(int(str(t)[-1]) for t in hits.loc[hits.q_value < 0.05, "target"])

    write_neuron(res, tmp_path / "plain", targets=plain)
    want = matched(pd.read_csv(tmp_path / "plain" / "tomtom.tsv", sep="\t"))
    ctx = analysis.Context(run, model, motif_db=evil, out={"neuronmotif": tmp_path / "hostile"},
                           options={"neuronmotif": {"layer": 2, "neurons": [0], "population": 20,
                                                    "max_forwards": 4000}})
    assert matched(analysis.run("neuronmotif", ctx).data["hits"]) == want and want
    for m in evil:  # one word each, one line each: MEME files and tables stay readable
        assert not any(c in m.name for c in "\t\n\r\x00 ") and "\n" not in (m.alt_name or "")
    write_meme(evil, tmp_path / "evil.meme")
    shutil.copytree(tmp_path / "hostile", run / "analyses" / "neuronmotif")
    assert main(["report", str(run), "--out", str(tmp_path / "site")]) == 0
    page = (tmp_path / "site" / "neuronmotif.html").read_text()
    assert "<script>alert(1)" not in page
