"""Tests of motifscope.plot.logo: fast logos, logomaker parity, galleries."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.plot.logo import (
    COLORS,
    logo_gallery,
    logo_heights,
    plot_logo,
    plot_logo_logomaker,
    plot_match,
)

PPM = np.array(  # (4, 5): A, C, G, T; column 4 is uniform, column 0 has zeros
    [
        [0.0, 0.1, 0.7, 0.25, 0.5],
        [0.0, 0.2, 0.1, 0.25, 0.5],
        [1.0, 0.3, 0.1, 0.25, 0.0],
        [0.0, 0.4, 0.1, 0.25, 0.0],
    ]
)


@pytest.fixture(autouse=True)
def _close():
    yield
    plt.close("all")


def _glyphs(ax):
    out = {}
    for p in ax.patches:
        if p.get_gid():
            c, j = p.get_gid().split(":")
            out[(c, int(j))] = p
    return out


def _ext(p):
    return p.get_path().get_extents()


def test_information_heights_and_patch_count():
    ax = plot_logo(PPM)
    g = _glyphs(ax)
    # one patch per nonzero cell; the uniform column 3 carries no information: no glyph
    assert len(ax.patches) == len(g) == int((logo_heights(PPM) != 0).sum()) == 15 - 4
    assert not any(j == 3 for _, j in g)
    ic = (np.where(PPM > 0, PPM * np.log2(np.where(PPM > 0, PPM, 1) / 0.25), 0)).sum(0)
    for (c, j), p in g.items():
        e = _ext(p)
        expect = PPM["ACGT".index(c), j] * ic[j]
        assert e.height == pytest.approx(expect, abs=1e-9)
        assert (e.x0 + e.x1) / 2 == pytest.approx(j, abs=0.03)  # centred on position j
        assert p.get_facecolor()[:3] == pytest.approx(COLORS[c])
    assert ax.get_ylim() == (0.0, 2.0)
    # column 0 is a pure G: 2 bits from 0 to 2
    assert _ext(g[("G", 0)]).y0 == pytest.approx(0) and _ext(g[("G", 0)]).y1 == pytest.approx(2)


def test_probability_stacking_big_on_top():
    ax = plot_logo(Motif("m", PPM, alt_name="x"), kind="probability")
    g = _glyphs(ax)
    assert ax.get_title() == "m x"
    # column 1: A .1 < C .2 < G .3 < T .4 stacked from 0 upwards
    tops = [_ext(g[(c, 1)]) for c in "ACGT"]
    assert [t.y0 for t in tops] == pytest.approx([0, 0.1, 0.3, 0.6])
    assert tops[-1].y1 == pytest.approx(1.0)
    np.testing.assert_allclose(logo_heights(PPM, "probability"), PPM)


def test_raw_negative_values_below_zero_and_flipped():
    M = np.array([[1.0, -0.5], [-2.0, 0.0], [0.5, 0.0], [0.0, 0.0]])
    ax = plot_logo(M, kind="raw")
    g = _glyphs(ax)
    assert len(g) == 4
    assert (_ext(g[("C", 0)]).y0, _ext(g[("C", 0)]).y1) == pytest.approx((-2, 0))
    assert (_ext(g[("G", 0)]).y0, _ext(g[("G", 0)]).y1) == pytest.approx((0, 0.5))
    assert (_ext(g[("A", 0)]).y0, _ext(g[("A", 0)]).y1) == pytest.approx((0.5, 1.5))
    assert (_ext(g[("A", 1)]).y0, _ext(g[("A", 1)]).y1) == pytest.approx((-0.5, 0))
    # the upside-down A has its apex (narrow end) at the bottom
    v = g[("A", 1)].get_path().vertices
    low = v[v[:, 1] < -0.45, 0]
    high = v[v[:, 1] > -0.05, 0]
    assert np.ptp(low) < np.ptp(high)
    assert ax.get_ylim() == pytest.approx((-2, 1.5))


def test_same_picture_as_logomaker():
    rng = np.random.default_rng(0)
    M = rng.normal(size=(4, 6))
    M[1, 2] = 0.0
    _, (a1, a2) = plt.subplots(2, 1)
    plot_logo(M, a1, kind="raw")
    logo = plot_logo_logomaker(M, a2, kind="raw")
    ours = _glyphs(a1)
    theirs = {(c, j): logo.glyph_df.loc[j, c] for j in range(6) for c in "ACGT"}
    theirs = {k: g for k, g in theirs.items() if g.patch is not None}
    assert set(ours) == set(theirs)
    for k, p in ours.items():
        np.testing.assert_allclose(
            p.get_path().vertices, theirs[k].patch.get_path().vertices, atol=1e-9
        )
    assert a1.get_xlim() == pytest.approx(a2.get_xlim())
    assert a1.get_ylim() == pytest.approx(a2.get_ylim())


def test_bad_matrices():
    with pytest.raises(InputError, match=r"\(4, w\)"):
        plot_logo(np.ones((5, 4)))
    with pytest.raises(InputError, match="kind='raw'"):
        plot_logo(-np.ones((4, 3)))
    with pytest.raises(InputError, match="kind"):
        plot_logo(PPM, kind="bits")


def test_gallery_writes_one_file_per_motif(tmp_path):
    ms = [Motif("M0", PPM, alt_name="O0"), Motif("a/b c", PPM[:, :3]), Motif("M0", PPM)]
    paths = logo_gallery(ms, tmp_path / "logos", dpi=40, progress=False)
    assert [p.name for p in paths] == ["M0.png", "a_b_c.png", "M0_1.png"]
    files = sorted(p.name for p in (tmp_path / "logos").iterdir())
    assert files == sorted(p.name for p in paths)  # no temporary files left
    for p in paths:
        assert p.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    svg = logo_gallery(ms[:1], tmp_path / "svg", fmt="svg", progress=False)
    assert svg[0].read_text().count("<path") >= int((logo_heights(PPM) != 0).sum())
    with pytest.raises(InputError, match="Motif"):
        logo_gallery([PPM], tmp_path / "x")


@pytest.mark.parametrize("orientation", ["+", "-"])
def test_plot_match_aligns_columns_as_tomtom_reports(orientation):
    """A query cut from a target is drawn over the target columns Tomtom matched it to."""
    from motifscope.methods.tomtom import tomtom

    rng = np.random.default_rng(3)
    P = rng.dirichlet([0.3] * 4, size=11).T
    target = Motif(name="T", alt_name="tf", ppm=P)
    stored = target if orientation == "+" else target.reverse_complement()
    query = Motif(name="Q", ppm=np.hstack([np.full((4, 2), 0.25), P[:, :6]]))  # 2 blank
    hit = tomtom([query], [stored], thresh=1.0).iloc[0]
    assert (hit["offset"], hit["orientation"]) == (-2, orientation)
    qa, ta = plot_match(query, stored, hit["offset"], hit["orientation"])
    gq, gt = _glyphs(qa), _glyphs(ta)
    assert gq and gt
    for (c, i), patch in gq.items():  # query column i sits over target column i - 2
        e = _ext(patch)
        assert (e.x0 + e.x1) / 2 == pytest.approx(i, abs=0.03)
        same = gt[(c, i - 2)]
        assert (_ext(same).x0 + _ext(same).x1) / 2 == pytest.approx(i, abs=0.03)
        assert _ext(same).height == pytest.approx(e.height)
    assert qa.get_xlim() == ta.get_xlim() == pytest.approx((-0.475, 12.475))  # target x 2..12
    assert ta.get_title().endswith("(reverse complement)") == (orientation == "-")


def test_plot_match_bad_input():
    m = Motif(name="m", ppm=PPM)
    with pytest.raises(InputError, match="orientation"):
        plot_match(m, m, 0, "x")
    with pytest.raises(InputError, match="target is a ndarray"):
        plot_match(m, PPM, 0)


def test_pyplot_keeps_an_interactive_sessions_backend():
    """Analyses pick Agg only when pyplot is not loaded yet; a notebook's backend stays."""
    import subprocess
    import sys

    code = (
        "import matplotlib; matplotlib.use('svg'); import matplotlib.pyplot\n"
        "from motifscope.plot.backend import pyplot; pyplot(); print(matplotlib.get_backend())\n"
    )
    kept = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert kept.stdout.strip().lower() == "svg"
    fresh = subprocess.run(
        [sys.executable, "-c", "import matplotlib\nfrom motifscope.plot.backend import pyplot\n"
         "pyplot(); print(matplotlib.get_backend())"],
        capture_output=True, text=True, check=True, env={"PATH": "/usr/bin:/bin", "MPLBACKEND": ""},
    )
    assert fresh.stdout.strip().lower() == "agg"
