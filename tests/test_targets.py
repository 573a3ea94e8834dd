"""Tests of motifscope.data.targets against DanQ's aucs.txt and the DeepATT README."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from motifscope.core.errors import InputError
from motifscope.data.targets import AUC_COLUMNS, category_slices, label, targets

DATA = Path(__file__).resolve().parents[2] / "shared" / "data" / "danq"


def test_shape_and_categories():
    t = targets()
    assert len(t) == 919
    assert list(t.index) == list(range(919))
    counts = t["category"].value_counts()
    assert (counts["DNase"], counts["TF"], counts["Histone"]) == (125, 690, 104)
    # the category slices agree with the assay column: DNase exactly at 0..124
    sl = category_slices()
    assert (t["assay"].iloc[sl["DNase"]] == "DNase").all()
    assert not (t["assay"].iloc[sl["TF"]] == "DNase").any()
    assert t["assay"].iloc[sl["Histone"]].str.match(r"^H[2-4]").all()
    assert sum(s.stop - s.start for s in sl.values()) == 919


def test_known_targets_and_label():
    t = targets()
    assert t.loc[351, ["cell_type", "assay"]].tolist() == ["K562", "NRSF"]
    assert label(351) == "K562 | NRSF | None"
    assert t.loc[598, "assay"] == "BRF1"
    assert t.loc[598, list(AUC_COLUMNS)].isna().all()
    assert t[list(AUC_COLUMNS)].isna().sum().tolist() == [1] * 6
    assert label(-1) == label(918)
    with pytest.raises(InputError, match="out of range"):
        label(919)
    with pytest.raises(InputError):
        label("3")


def test_published_means_match_the_readme():
    # DeepATT README / spec §B.4: nan-mean over 918 targets
    t = targets()
    assert t["danq_auroc"].count() == 918
    assert abs(np.nanmean(t["danq_auroc"]) - 0.93837) < 5e-5
    assert abs(np.nanmean(t["deepsea_auroc"]) - 0.93260) < 5e-5
    assert abs(np.nanmean(t["danqjaspar_auroc"]) - 0.94174) < 5e-5
    assert abs(np.nanmean(t["danq_aupr"]) - 0.37089) < 5e-5
    assert abs(np.nanmean(t["danqjaspar_aupr"]) - 0.37936) < 5e-5


def test_table_equals_source_file(tmp_path):
    """The shipped table is exactly what _make_targets produces from aucs.txt."""
    src = DATA / "aucs.txt"
    if not src.is_file():
        pytest.skip(f"reference file {src} is missing")
    from motifscope.data.make_targets import make_targets

    out = tmp_path / "t.tsv"
    assert make_targets(src, out) == 919
    shipped = Path(__file__).resolve().parents[1] / "motifscope" / "_data" / "targets.tsv"
    assert out.read_text() == shipped.read_text()
    raw = pd.read_csv(src, sep="\t", na_values=["NA (No positive in Test region)"])
    t = targets()
    np.testing.assert_array_equal(raw["DanQ ROC AUC"].to_numpy(), t["danq_auroc"].to_numpy())
    np.testing.assert_array_equal(raw["DeepSEA PR AUC"].to_numpy(), t["deepsea_aupr"].to_numpy())
    assert (raw["Cell Type"].to_numpy() == t["cell_type"].to_numpy()).all()


def test_returns_a_copy():
    t = targets()
    t.loc[0, "assay"] = "changed"
    assert targets().loc[0, "assay"] == "DNase"


def test_parse_targets_indices_ranges_names_and_errors():
    from motifscope.core.errors import ConfigError
    from motifscope.data.targets import parse_targets

    names = ["K562|CTCF|None", "GM12878|CTCF|None", "HeLa-S3|DNase|None"]
    assert parse_targets("2, 0") == [2, 0]
    assert parse_targets("0-2,1") == [0, 1, 2, 1]
    assert parse_targets("k562|ctcf|none,HeLa-S3|DNase|None", names=names) == [0, 2]
    with pytest.raises(ConfigError, match=r"--target 5: the model has targets 0..2"):
        parse_targets("5", option="--target", n_targets=3)
    with pytest.raises(ConfigError, match=r"--targets 'CTCF': expected target names or indices"):
        parse_targets("CTCF", names=names)
    with pytest.raises(ConfigError, match="runs upwards"):
        parse_targets("4-2")
    with pytest.raises(ConfigError, match="is empty"):
        parse_targets(" , ")
