"""DanQ paper, kernel motifs vs JASPAR: how many kernels match a known motif?

Runs motifscope's Tomtom on the published kernel motifs of DanQ, DanQ-JASPAR and DeepSEA
(``shared/data/danq/*.meme``, from uci-cbcl/DanQ) with the settings the DanQ authors
recorded in ``tomtom.xml`` (``tomtom -no-ssc -min-overlap 5 -dist pearson -evalue -thresh
0.01``) against JASPAR2016 CORE vertebrates from pyjaspar (the release closest to theirs),
and prints the number of query motifs with at least one match next to the published counts.
The paper's database also held Jolma 2013 and UniPROBE mouse, which are not available
offline, so similar or somewhat lower counts are expected. Euclidean counts are printed for
comparison.

Run: ``python analyses/danq_kernels.py [DATA_DIR]``
"""

from __future__ import annotations

import sys
import time
from pathlib import Path

from motifscope.io.jaspar import jaspar_motifs
from motifscope.io.meme import read_meme
from motifscope.methods.tomtom import tomtom

PUBLISHED = {"DanQ": (163, 320), "DanQ-JASPAR": (446, 1024), "DeepSEA": (22, 320)}


def main(argv=None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    default = Path(__file__).resolve().parents[2] / "shared" / "data" / "danq"
    data = Path(argv[0]) if argv else default
    db = jaspar_motifs(release="JASPAR2016", collection="CORE", tax_group="vertebrates")
    print(f"targets: {len(db)} JASPAR2016 CORE vertebrates (pyjaspar)")
    print(f"{'model':<12} {'published':>10} {'pearson':>9} {'euclidean':>10} {'time (s)':>9}")
    for model, (n_pub, n_total) in PUBLISHED.items():
        path = data / f"{model}.meme"
        if not path.exists():
            print(f"{model:<12} missing {path}")
            continue
        queries = read_meme(path)
        counts, t0 = {}, time.perf_counter()
        for dist in ("pearson", "euclidean"):
            hits = tomtom(queries, db, dist=dist, min_overlap=5, evalue=True, thresh=0.01,
                          both_strands=True)
            counts[dist] = hits["query"].nunique()
        dt = time.perf_counter() - t0
        print(f"{model:<12} {n_pub:>4}/{n_total:<5} {counts['pearson']:>4}/{len(queries):<4} "
              f"{counts['euclidean']:>5}/{len(queries):<4} {dt:9.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
