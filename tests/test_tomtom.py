"""Tests of motifscope.methods.tomtom: memelite parity (Euclidean), planted matches, Pearson, p/E/q."""

from __future__ import annotations

import numpy as np
import pytest
from reference_data import JASPAR16  # the shared copy, else the packaged one

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif

needs_data = pytest.mark.skipif(not JASPAR16.exists(), reason=f"missing {JASPAR16}")


@pytest.fixture(scope="module")
def targets():
    if not JASPAR16.exists():
        pytest.skip(f"missing {JASPAR16}")
    from motifscope.io.meme import read_meme

    ms = read_meme(JASPAR16)
    # 80 targets of mixed widths; give them IDs so hits are easy to name
    return [Motif(name=f"T{i}", ppm=m.ppm, alt_name=f"tf{i}") for i, m in enumerate(ms[:80])]


def _random_queries(n, seed=0, lo=6, hi=20):
    rng = np.random.default_rng(seed)
    return [rng.dirichlet(np.full(4, 0.5), size=w).T for w in rng.integers(lo, hi, n)]


@needs_data
@pytest.mark.slow  # memelite compiles with numba on first use in a fresh install (~90 s)
def test_euclidean_pvalues_match_memelite(targets):
    memelite = pytest.importorskip("memelite")
    from motifscope.io.meme import read_meme
    from motifscope.methods.tomtom import _tomtom_arrays

    Ts = [t.ppm for t in targets]
    Qs = [m.ppm for m in read_meme(JASPAR16)[200:210]] + _random_queries(10)
    for bins in (None, 100):
        p, score, _, off, _ov, strand = _tomtom_arrays(
            Qs, Ts, dist="euclidean", min_overlap=1, both_strands=True, n_score_bins=100,
            n_median_bins=1000, n_target_bins=bins, n_jobs=None)
        ref = memelite.tomtom(Qs, Ts, n_target_bins=bins)
        d = np.abs(np.log10(p) - np.log10(ref[0]))
        assert d.max() < 1e-6, d.max()  # measured: ~1e-13
        np.testing.assert_array_equal(score, ref[1])
        # offsets/strands differ only on ties (memelite gives a strand tie to "-")
        assert (off == ref[2]).mean() > 0.9
        assert (strand == ref[4]).mean() > 0.9
        sig = p < 1e-3
        assert sig.sum() >= 10
        assert (off == ref[2])[sig].mean() > 0.85


@needs_data
@pytest.mark.parametrize("dist", ["pearson", "euclidean"])
def test_planted_slice_found_with_offset_and_strand(targets, dist):
    from motifscope.methods.tomtom import tomtom

    src = next(t for t in targets if t.width >= 12)
    q = Motif(name="slice", ppm=src.ppm[:, 2:-1].copy())
    df = tomtom([q], targets, dist=dist, thresh=None)
    top = df.iloc[0]
    assert top["target"] == src.name and top["target_name"] == src.alt_name
    assert top["offset"] == 2 and top["orientation"] == "+"
    assert top["overlap"] == q.width
    assert top["e_value"] < 0.01

    rc = tomtom([q.reverse_complement()], targets, dist=dist, thresh=None).iloc[0]
    assert rc["target"] == src.name and rc["orientation"] == "-"
    # in reverse-complement coordinates the slice starts 1 column in
    assert rc["offset"] == 1
    assert rc["p_value"] == pytest.approx(top["p_value"], rel=1e-9)


@needs_data
def test_pearson_identical_query_is_best_hit_with_correlation_one(targets):
    from motifscope.methods.tomtom import tomtom

    src = targets[7]
    df = tomtom([src.ppm], targets, dist="pearson", thresh=None, min_overlap=1)
    top = df.iloc[0]
    assert top["target"] == src.name and top["offset"] == 0 and top["orientation"] == "+"
    assert top["score"] == pytest.approx(src.width)  # correlation 1 in every column
    assert top["p_value"] == df["p_value"].min()


@needs_data
def test_uniform_and_random_queries_are_not_significant(targets):
    from motifscope.methods.tomtom import tomtom

    uniform = np.full((4, 10), 0.25)
    df = tomtom([uniform], targets, dist="pearson", thresh=None)
    assert df["p_value"].min() == 1.0  # zero-variance columns correlate 0 with everything
    # Euclidean: a uniform query sits close to flat target columns (memesuite-lite #7);
    # measured minimum E = 0.056 here, not significant at DanQ's 0.01
    df = tomtom([uniform], targets, dist="euclidean", thresh=None)
    assert df["e_value"].min() > 0.01
    df = tomtom(_random_queries(30, seed=3), targets, dist="pearson", thresh=None)
    # calibrated nulls: few small p-values among unrelated pairs
    assert (df["p_value"] < 0.01).mean() < 0.03
    assert (df["e_value"] < 0.01).sum() <= 1


@needs_data
def test_p_e_q_relations_and_thresholds(targets):
    from motifscope.methods.tomtom import tomtom

    queries = [t.ppm[:, :8] for t in targets[:5]] + _random_queries(5, seed=1)
    df = tomtom(queries, targets, thresh=None)
    assert len(df) == 10 * len(targets)
    assert df["p_value"].between(0, 1).all() and df["q_value"].between(0, 1).all()
    np.testing.assert_allclose(df["e_value"], df["p_value"] * len(targets))
    for _, g in df.groupby("query"):
        g = g.sort_values("p_value")
        assert np.all(np.diff(g["q_value"].to_numpy()) >= -1e-15)  # q monotone in p
        assert (g["q_value"] >= g["p_value"] - 1e-15).all()
        # BH by hand for this query
        p = g["p_value"].to_numpy()
        n = len(p)
        q = np.minimum.accumulate((p * n / np.arange(1, n + 1))[::-1])[::-1]
        np.testing.assert_allclose(g["q_value"], np.minimum(q, 1))

    e = tomtom(queries, targets, thresh=0.01, evalue=True)
    assert (e["e_value"] <= 0.01).all()
    assert len(e) == (df["e_value"] <= 0.01).sum() > 0
    qv = tomtom(queries, targets, thresh=0.1)
    assert len(qv) == (df["q_value"] <= 0.1).sum()


@needs_data
def test_min_overlap_is_respected(targets):
    from motifscope.methods.tomtom import tomtom

    df = tomtom(_random_queries(4, seed=5, lo=8, hi=12), targets, thresh=None, min_overlap=6)
    widths = {t.name: t.width for t in targets}
    need = np.minimum(6, df["target"].map(widths))
    assert (df["overlap"] >= need).all()


def test_bad_inputs_raise_one_line_errors():
    from motifscope.methods.tomtom import tomtom

    good = np.full((4, 6), 0.25)
    with pytest.raises(InputError, match="dist"):
        tomtom([good], [good] * 3, dist="kullback")
    with pytest.raises(InputError, match="shape"):
        tomtom([np.ones((5, 6)) / 5], [good])
    with pytest.raises(InputError, match="min_overlap"):
        tomtom([good], [good], min_overlap=0)
    with pytest.raises(InputError, match="sums to"):
        tomtom([np.ones((4, 6))], [good])


@needs_data
def test_cli_writes_tsv_and_rejects_bad_dist(tmp_path, targets):
    import pandas as pd

    from motifscope.cli import main
    from motifscope.io.meme import write_meme

    src = targets[12]
    qpath, dbpath = tmp_path / "q.meme", tmp_path / "db.meme"
    write_meme([Motif(name="q", ppm=src.ppm.copy(), nsites=20)], qpath)
    write_meme(targets, dbpath)
    out = tmp_path / "m.tsv"
    rc = main(["tomtom", str(qpath), "--db", str(dbpath), "--evalue", "--thresh", "0.01",
               "--out", str(out)])
    assert rc == 0
    df = pd.read_csv(out, sep="\t")
    assert df.iloc[0]["target"] == src.name and (df["e_value"] <= 0.01).all()
    assert main(["tomtom", str(qpath), "--db", str(dbpath), "--dist", "nope",
                 "--out", str(out)]) == 2


@pytest.mark.slow
def test_jaspar_target_spec_resolves_offline():
    pytest.importorskip("pyjaspar")
    from motifscope.io.jaspar import jaspar_motifs
    from motifscope.methods.tomtom import tomtom

    db = jaspar_motifs(release="JASPAR2016")
    src = db[3]
    df = tomtom([src.ppm], "jaspar:JASPAR2016/CORE/vertebrates", thresh=None)
    assert df.iloc[0]["target"] == src.name and df.iloc[0]["target_name"] == src.alt_name


@needs_data
@pytest.mark.parametrize("dist", ["pearson", "euclidean"])
def test_batched_threaded_and_sorted_kernels_agree(targets, dist):
    # Queries of mixed widths share per-thread scratch in one kernel call: each query's
    # results must equal a call with that query alone, whatever the number of threads, and
    # the rows sorted in the kernel must be the unsorted ones in stable p-value order.
    from motifscope.methods.tomtom import _tomtom_arrays

    Ts = [t.ppm for t in targets]
    Qs = _random_queries(12, seed=7, lo=3, hi=40) + [targets[5].ppm, targets[9].ppm[:, 1:]]
    kw = {"dist": dist, "min_overlap": 3, "both_strands": True, "n_score_bins": 100,
              "n_median_bins": 1000, "n_target_bins": None}
    ref = _tomtom_arrays(Qs, Ts, n_jobs=1, **kw)
    multi = _tomtom_arrays(Qs, Ts, n_jobs=None, **kw)
    for a, b in zip(ref, multi):
        np.testing.assert_array_equal(a, b)
    for i in (0, 5, 13):
        alone = _tomtom_arrays([Qs[i]], Ts, n_jobs=1, **kw)
        for a, b in zip(ref, alone):
            np.testing.assert_array_equal(a[i], b[0])
    *srt, order = _tomtom_arrays(Qs, Ts, n_jobs=None, sort_rows=True, **kw)
    np.testing.assert_array_equal(order, np.argsort(ref[0], axis=1, kind="stable"))
    for a, b in zip(ref, srt):
        np.testing.assert_array_equal(np.take_along_axis(a, order, axis=1), b)


def test_array_inputs_resolve_like_motifs():
    from motifscope.methods.tomtom import _resolve_ppms, resolve_motifs

    rng = np.random.default_rng(3)
    arrays = [rng.dirichlet(np.ones(4), size=w).T for w in (5, 9, 1, 12)]
    arrays[1] = arrays[1] * 1.0004  # within the 1e-3 tolerance, renormalised by Motif
    for src in (arrays, tuple(arrays), np.stack([a[:, :1] for a in arrays])):
        names, alts, ppms = _resolve_ppms(src, "queries", "query")
        ms = resolve_motifs(src, "queries")
        assert names == [m.name for m in ms] and alts == [m.alt_name for m in ms]
        for P, m in zip(ppms, ms):
            np.testing.assert_array_equal(P, m.ppm)
    bad = [arrays[0], np.ones((4, 3))]
    with pytest.raises(InputError, match="sums to"):
        _resolve_ppms(bad, "queries", "query")
