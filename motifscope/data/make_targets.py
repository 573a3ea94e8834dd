"""Build ``motifscope/_data/targets.tsv`` from DanQ's ``aucs.txt`` (run once, by hand).

``aucs.txt`` (github.com/uci-cbcl/DanQ, commit 98341e0) has a header line and 919 rows,
one per DeepSEA target in label order, tab-separated: cell type, assay (DNase / TF name /
histone mark), treatment, then ROC AUC of DeepSEA, DanQ, DanQ-JASPAR and PR AUC of the
same three models. Target 598 (K562 BRF1) reads ``NA (No positive in Test region)``.

Usage::

    python -m motifscope.data.make_targets path/to/aucs.txt [out.tsv]
"""

from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

__all__ = ["make_targets"]

_COLUMNS = [
    "index", "cell_type", "assay", "treatment", "category",
    "deepsea_auroc", "danq_auroc", "danqjaspar_auroc",
    "deepsea_aupr", "danq_aupr", "danqjaspar_aupr", "note",
]  # fmt: skip


def _category(i: int) -> str:
    return "DNase" if i < 125 else ("TF" if i < 815 else "Histone")


def make_targets(aucs: str | Path, out: str | Path) -> int:
    """Convert ``aucs.txt`` into the tab-separated target table.

    Parameters
    ----------
    aucs : str or Path
        DanQ's ``aucs.txt``.
    out : str or Path
        The table to write.

    Returns
    -------
    int
        The number of targets written (919).
    """
    lines = Path(aucs).read_text().splitlines()
    if not lines[0].startswith("Cell Type"):
        raise ValueError(f"{aucs}: expected a header starting with 'Cell Type'")
    rows = []
    for i, line in enumerate(lines[1:]):
        f = line.split("\t")
        if len(f) != 9:
            raise ValueError(f"{aucs}: line {i + 2} has {len(f)} fields, expected 9")
        note = ""
        vals = []
        for v in f[3:]:
            if v.startswith("NA"):
                note = "no positive in the test set" if "No positive" in v else "NA"
                vals.append("")
            else:
                x = float(v)
                if not math.isfinite(x):
                    raise ValueError(f"{aucs}: line {i + 2} has {v!r}")
                vals.append(v)
        # aucs.txt order: ROC x3 then PR x3, the same order as _COLUMNS
        rows.append([str(i), f[0], f[1], f[2], _category(i), *vals, note])
    if len(rows) != 919:
        raise ValueError(f"{aucs}: {len(rows)} targets, expected 919")
    with open(out, "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(_COLUMNS)
        w.writerows(rows)
    return len(rows)


if __name__ == "__main__":  # pragma: no cover
    src = sys.argv[1]
    dst = sys.argv[2] if len(sys.argv) > 2 else Path(__file__).parents[1] / "_data" / "targets.tsv"
    print(make_targets(src, dst), "targets written to", dst)
