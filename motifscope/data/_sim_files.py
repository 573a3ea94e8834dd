"""File pieces of :func:`motifscope.data.simulate.simulate`: MATLAB headers, instance rows,
package versions."""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np

_MAT5_TEXT = b"MATLAB 5.0 MAT-file, written by motifscope.data.simulate"
_MAT73_TEXT = (
    b"MATLAB 7.3 MAT-file, Platform: GLNXA64, written by motifscope.data.simulate, "
    b"HDF5 schema 1.00 ."
)


def _write_mat73_header(path: Path) -> None:
    text = _MAT73_TEXT.ljust(116, b" ")
    header = text + b"\x00" * 8 + b"\x00\x02" + b"IM"
    with open(path, "r+b") as fh:
        fh.write(header)


def _write_mat5(path: Path, arrays: dict) -> None:
    from scipy.io import savemat

    buf = io.BytesIO()
    savemat(buf, arrays, do_compression=False, oned_as="column")
    data = bytearray(buf.getvalue())
    data[:116] = _MAT5_TEXT.ljust(116, b" ")  # drop scipy's "Created on: <time>"
    path.write_bytes(bytes(data))


def _instance_rows(split, records, offset, L, rc_offset, motifs):
    rows = []
    for j, recs in enumerate(records):
        for (start, end, strand, m, role), sup in recs:
            tasks = ",".join(str(t) for t in sorted(sup))
            name, tf = motifs[m].name, motifs[m].alt_name or motifs[m].name
            rows.append((split, offset + j, start, end, strand, name, tf, role, tasks))
            if rc_offset is not None:
                rows.append(
                    (
                        split,
                        rc_offset + offset + j,
                        L - end,
                        L - start,
                        "-" if strand == "+" else "+",
                        name,
                        tf,
                        role,
                        tasks,
                    )
                )
    return rows


def _versions() -> dict:
    import h5py
    import scipy

    import motifscope

    out = {
        "motifscope": motifscope.__version__,
        "numpy": np.__version__,
        "h5py": h5py.__version__,
        "scipy": scipy.__version__,
    }
    try:
        import pyjaspar

        out["pyjaspar"] = pyjaspar.__version__
    except ImportError:  # pragma: no cover
        pass
    return out
