"""The motifs :func:`motifscope.data.simulate.simulate` plants: names, files or motifs.

Public names are re-exported by :mod:`motifscope.data.simulate`.
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from motifscope.core.errors import ConfigError
from motifscope.core.motifs import Motif
from motifscope.io.jaspar import find_by_name, jaspar_motifs, releases
from motifscope.io.meme import read_meme

__all__ = ["KOO_EDDY_TFS", "resolve_motifs"]

KOO_EDDY_TFS = (
    "Arid3a", "CEBPB", "FOSL1", "GABPA", "MAFK", "MAX",
    "MEF2A", "NFYB", "SP1", "SRF", "STAT1", "YY1",
)  # fmt: skip
"""The 12 TFs whose JASPAR motifs Koo & Eddy (2019) planted in their synthetic data."""


def _pick(cands: list[Motif]) -> Motif:
    # several matrices can share a TF name (e.g. CTCF): take the lowest base ID, which
    # is JASPAR's canonical profile; each is already its latest version
    return min(cands, key=lambda m: (m.name.split(".")[0], m.name))


def resolve_motifs(motifs=KOO_EDDY_TFS, release: str | None = None):
    """Turn a motif specification into a list of motifs.

    Parameters
    ----------
    motifs : sequence of str, list of Motif, str or os.PathLike
        TF names, motifs, or a MEME file path.
    release : str or None
        JASPAR release used for TF names.

    Returns
    -------
    list of Motif
        Resolved motifs. A TF name takes the latest version of its matrix in the CORE
        vertebrates collection of ``release``; if absent there, any taxonomic group of
        that release; then older releases, newest first.
    list of str
        Notes: one line per name that needed a fallback or was not found (dropped).

    Raises
    ------
    ConfigError
        If nothing is left, names are duplicated, or a MEME file cannot be read.
    """
    notes: list[str] = []
    if isinstance(motifs, (str, os.PathLike)):
        path = Path(motifs)
        if not path.exists():
            raise ConfigError(f"motifs file {path} does not exist; expected a MEME file")

        out = list(read_meme(path))
    else:
        items = list(motifs)
        if items and all(isinstance(m, Motif) for m in items):
            out = items
        elif items and all(isinstance(m, str) for m in items):
            out, notes = _lookup_names(items, release)
        else:
            raise ConfigError(
                "motifs must be TF names, Motif objects or a MEME file path; "
                f"got {type(motifs).__name__}"
            )
    if not out:
        raise ConfigError("motifs: no motif to plant")
    seen = set()
    for m in out:
        if m.name in seen:
            raise ConfigError(f"motifs: the name {m.name!r} appears twice; names must be unique")
        seen.add(m.name)
    return out, notes


def _lookup_names(names: list[str], release) -> tuple[list[Motif], list[str]]:
    primary = jaspar_motifs(release, "CORE", "vertebrates")
    rel_name = primary[0].source if primary else str(release)
    order = [rel_name] + [r for r in releases() if r < rel_name]
    out, notes = [], []
    for name in names:
        key = name.strip().lower()
        cands = [m for m in primary if (m.alt_name or "").lower() == key]
        if cands:
            out.append(_pick(cands))
            continue
        found = None
        for r in order:  # any taxonomic group of this release, then older releases
            cands = find_by_name(name, r)
            if cands:
                found = _pick(cands)
                break
        if found is None:
            notes.append(f"{name}: not found in any JASPAR release; dropped")
        else:
            notes.append(
                f"{name}: not in {rel_name} CORE vertebrates; used {found.name} from {found.source}"
            )
            out.append(found)
    return out, notes


def _motif_index(motifs: list[Motif], key, what: str) -> int:
    if isinstance(key, (int, np.integer)):
        if 0 <= int(key) < len(motifs):
            return int(key)
        raise ConfigError(f"grammar: {what} index {key} is out of range 0..{len(motifs) - 1}")
    k = str(key).strip().lower()
    for i, m in enumerate(motifs):
        if m.name.lower() == k or (m.alt_name or "").lower() == k:
            return i
    raise ConfigError(
        f"grammar: {what} {key!r} matches no planted motif; expected one of "
        f"{[m.alt_name or m.name for m in motifs]}"
    )
