"""JASPAR motifs offline.

Two sources, neither of which needs a network:

- :func:`jaspar_motifs` reads the SQLite releases that **pyjaspar** ships (JASPAR2014 to
  JASPAR2026, see :func:`releases`). Each matrix becomes a :class:`~motifscope.core.motifs.Motif`
  whose ``name`` is the matrix ID (``"MA0079.5"``), ``alt_name`` the TF name (``"SP1"``),
  ``counts`` the PFM and ``ppm`` the PFM normalised per column (rows A, C, G, T).
- :func:`danq_jaspar2016` returns the 519 JASPAR 2016 CORE vertebrate PFMs that DanQ-JASPAR
  copied into its first-layer kernels, in their original order (package data; the source
  carried no names, so they are called ``danq_jaspar2016_NNN``).

Fetching a release takes about 3 s, so results are cached per argument set; every call
returns fresh copies, so callers may modify what they get.
"""

from __future__ import annotations

import functools
import re
from dataclasses import replace
from importlib import resources
from pathlib import Path

import numpy as np

from motifscope.core.errors import ConfigError, InputError
from motifscope.core.motifs import Motif
from motifscope.io.meme import read_meme

__all__ = [
    "JASPAR_URL",
    "danq_jaspar2016",
    "find_by_name",
    "jaspar_motifs",
    "latest_release",
    "releases",
]

JASPAR_URL = "https://jaspar.elixir.no/matrix/{id}/"
_DANQ_FILE = "JASPAR_CORE_2016_vertebrates.meme"


def releases() -> list[str]:
    """The JASPAR releases that the installed pyjaspar ships, newest first.

    Returns
    -------
    list of str
        Release names such as ``"JASPAR2026"``.
    """
    import pyjaspar

    return sorted(pyjaspar.jaspar_releases, reverse=True)


def latest_release() -> str:
    """The newest JASPAR release that pyjaspar ships (e.g. ``"JASPAR2026"``).

    Returns
    -------
    str
    """
    return releases()[0]


def _normalise_release(release) -> str:
    if release is None:
        return latest_release()
    text = str(release).strip()
    if re.fullmatch(r"\d{4}", text):
        text = f"JASPAR{text}"
    available = releases()
    for r in available:
        if r.lower() == text.lower():
            return r
    raise ConfigError(
        f"release {release!r} is not shipped by pyjaspar; available: {', '.join(available)}"
    )


def _collections(release: str) -> list[str]:
    db = _open(release)
    cur = db.conn.cursor()
    cur.execute("SELECT DISTINCT COLLECTION FROM MATRIX")
    return sorted(row[0] for row in cur.fetchall())


@functools.cache
def _open(release: str):
    from pyjaspar import jaspardb

    return jaspardb(release=release)


def _as_float_list(x) -> list:
    return [float(v) for v in x]


def _to_motif(m, release: str) -> Motif:
    counts = np.array([_as_float_list(m.counts[b]) for b in "ACGT"], dtype=np.float64)
    nsites = round(float(counts.sum(0).max())) if counts.size else 0
    meta = {
        "tf_class": list(m.tf_class or []),
        "tf_family": list(m.tf_family or []),
        "species": list(m.species or []),
        "collection": m.collection,
        "tax_group": m.tax_group,
        "data_type": getattr(m, "data_type", None),
    }
    return Motif(
        name=m.matrix_id,
        ppm=counts,
        alt_name=m.name,
        nsites=nsites,
        counts=counts,
        source=release,
        url=JASPAR_URL.format(id=m.matrix_id),
        meta=meta,
    )


def _id_key(matrix_id: str) -> tuple[str, int]:
    base, _, ver = matrix_id.partition(".")
    return base, int(ver) if ver.isdigit() else 0


@functools.lru_cache(maxsize=32)
def _fetch(release: str, collection: str, tax_group: tuple | None, all_versions: bool) -> tuple:
    db = _open(release)
    ms = db.fetch_motifs(
        collection=collection,
        tax_group=None if tax_group is None else list(tax_group),
        all_versions=all_versions,
    )
    motifs = [_to_motif(m, release) for m in ms]
    motifs.sort(key=lambda mo: _id_key(mo.name))
    return tuple(motifs)


@functools.lru_cache(maxsize=64)
def _fetch_ids(release: str, ids: tuple, all_versions: bool) -> tuple:
    import warnings

    db = _open(release)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # pyjaspar warns for unknown IDs; we raise instead
        ms = db.fetch_motifs(matrix_id=list(ids), all_versions=all_versions)
    motifs = {m.matrix_id: _to_motif(m, release) for m in ms}
    return tuple(sorted(motifs.values(), key=lambda mo: _id_key(mo.name)))


def _copy(m: Motif) -> Motif:
    return replace(
        m,
        ppm=m.ppm.copy(),
        counts=None if m.counts is None else m.counts.copy(),
        meta={k: (list(v) if isinstance(v, list) else v) for k, v in m.meta.items()},
    )


def _as_tuple(value, name: str) -> tuple | None:
    if value is None:
        return None
    if isinstance(value, str):
        return (value,)
    try:
        out = tuple(value)
    except TypeError:
        raise InputError(
            f"{name} must be a str or a list of str, got {type(value).__name__}"
        ) from None
    if not all(isinstance(v, str) for v in out):
        raise InputError(f"{name} must hold strings only")
    return out


def jaspar_motifs(
    release: str | int | None = None,
    collection: str = "CORE",
    tax_group: str | list[str] | None = "vertebrates",
    *,
    all_versions: bool = False,
    ids: str | list[str] | None = None,
    names: str | list[str] | None = None,
) -> list[Motif]:
    """Motifs of a JASPAR release, read offline from pyjaspar's SQLite files.

    Parameters
    ----------
    release : str, int or None
        ``"JASPAR2024"``, ``"2024"`` or ``2024``; ``None`` is the newest release shipped
        (JASPAR2026 with pyjaspar 4).
    collection : str
        ``"CORE"`` (default) or ``"UNVALIDATED"`` (as the release holds them).
    tax_group : str, list of str or None
        Taxonomic group(s), e.g. ``"vertebrates"``, ``"plants"``; ``None`` for all.
    all_versions : bool
        Return every version of each matrix; by default only the latest version
        (JASPAR's non-redundant set: 1,019 CORE vertebrate matrices in JASPAR2026).
    ids : str, list of str or None
        Keep only these matrix IDs. A versioned ID (``"MA0139.1"``) selects exactly that
        version, even when it is not the latest; a base ID (``"MA0139"``) selects the latest
        version (all versions with ``all_versions``). IDs are looked up directly, so
        ``collection`` and ``tax_group`` do not filter them.
    names : str, list of str or None
        Keep only matrices whose TF name matches one of these, case-insensitively
        (``"yy1"`` matches ``"Yy1"``).

    Returns
    -------
    list of Motif
        Sorted by matrix ID and version. ``name`` = matrix ID, ``alt_name`` = TF name,
        ``ppm`` of shape (4, w) = ``counts`` normalised per column (A, C, G, T),
        ``nsites`` = the largest column sum, ``source`` = release,
        ``url`` = ``https://jaspar.elixir.no/matrix/<ID>/`` and ``meta`` holding
        ``tf_class``, ``tf_family``, ``species`` (NCBI taxonomy IDs), ``collection``,
        ``tax_group`` and ``data_type``.

    Raises
    ------
    ConfigError
        If the release or collection does not exist; the message lists the available ones.
    InputError
        If an ID or name in ``ids``/``names`` matches no matrix.

    Examples
    --------
    >>> ctcf = jaspar_motifs(names="CTCF", ids="MA0139")[0]
    >>> ctcf.name, ctcf.alt_name
    ('MA0139.2', 'CTCF')
    """
    rel = _normalise_release(release)
    cols = _collections(rel)
    match = [c for c in cols if c.lower() == str(collection).lower()]
    if not match:
        raise ConfigError(
            f"collection {collection!r} is not in {rel}; available: {', '.join(cols)}"
        )
    coll = match[0]
    tax = _as_tuple(tax_group, "tax_group")
    ids_t = _as_tuple(ids, "ids")
    names_t = _as_tuple(names, "names")

    if ids_t is None:
        motifs = list(_fetch(rel, coll, tax, bool(all_versions)))
    else:
        motifs = list(_fetch_ids(rel, tuple(i.strip() for i in ids_t), bool(all_versions)))
        got = {m.name.upper() for m in motifs} | {m.name.split(".")[0].upper() for m in motifs}
        missing = [i for i in ids_t if i.strip().upper() not in got]
        if missing:
            raise InputError(
                f"ids {missing} match no matrix of {rel}; expected IDs such as 'MA0139' "
                "or 'MA0139.2'"
            )

    if names_t is not None:
        wanted = {n.strip().lower() for n in names_t}
        motifs = [m for m in motifs if (m.alt_name or "").lower() in wanted]
        found = {(m.alt_name or "").lower() for m in motifs}
        missing = sorted(wanted - found)
        if missing:
            raise InputError(
                f"names {missing} match no {coll} matrix of {rel} (tax_group={tax_group!r}); "
                "expected TF names such as 'CTCF' or 'GATA1'"
            )
    return [_copy(m) for m in motifs]


def find_by_name(
    name: str, release: str | int | None = None, collection: str = "CORE"
) -> list[Motif]:
    """Latest version of every matrix whose TF name matches, in any taxonomic group.

    A quick lookup (one SQL query) that does not load the whole release.

    Parameters
    ----------
    name : str
        TF name, matched case-insensitively (``"yy1"`` finds ``"Yy1"``).
    release : str, int or None
        As in :func:`jaspar_motifs`.
    collection : str
        ``"CORE"`` or ``"UNVALIDATED"``.

    Returns
    -------
    list of Motif
        Possibly empty; sorted by matrix ID.
    """
    rel = _normalise_release(release)
    db = _open(rel)
    cur = db.conn.cursor()
    cur.execute(
        "SELECT BASE_ID, MAX(VERSION) FROM MATRIX WHERE lower(NAME) = lower(?) "
        "AND lower(COLLECTION) = lower(?) GROUP BY BASE_ID ORDER BY BASE_ID",
        (str(name).strip(), str(collection)),
    )
    out = []
    for base, version in cur.fetchall():
        m = db.fetch_motif_by_id(f"{base}.{version}")
        if m is not None:
            out.append(_to_motif(m, rel))
    return out


@functools.lru_cache(maxsize=1)
def _danq_jaspar2016() -> tuple:
    ref = resources.files("motifscope") / "_data" / _DANQ_FILE
    with resources.as_file(ref) as path:
        motifs = list(read_meme(Path(path)))
    out = []
    for m in motifs:
        out.append(replace(m, source="JASPAR2016 (DanQ-JASPAR initialisation)"))
    return tuple(out)


def danq_jaspar2016() -> list[Motif]:
    """The 519 JASPAR 2016 CORE vertebrate PFMs that DanQ-JASPAR used, in original order.

    DanQ-JASPAR (Quang & Xie 2016) initialised 519 of its 1,024 first-layer kernels with
    these matrices (stored A, G, C, T in the published ``.npy``; converted to A, C, G, T).
    The source carried no names, so motif ``k`` is called ``danq_jaspar2016_{k:03d}``.

    Returns
    -------
    list of Motif
        519 motifs; ``ppm`` of shape (4, w), rows A, C, G, T.
    """
    return [_copy(m) for m in _danq_jaspar2016()]
