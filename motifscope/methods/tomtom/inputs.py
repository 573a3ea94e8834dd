"""Motif inputs of :func:`motifscope.methods.tomtom.tomtom`: files, JASPAR specs, arrays, consensi."""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from motifscope.core.errors import InputError
from motifscope.core.motifs import Motif
from motifscope.io import jaspar
from motifscope.io.motif_files import read_motifs


def resolve_motifs(source, name: str = "motifs") -> list[Motif]:
    """Turn any accepted motif source into a list of :class:`~motifscope.core.motifs.Motif`.

    Parameters
    ----------
    source : list of Motif, str, os.PathLike, numpy.ndarray or list of numpy.ndarray
        Motifs; a MEME file path; ``"jaspar"`` (newest CORE vertebrates),
        ``"jaspar:CORE/vertebrates"``, ``"jaspar:JASPAR2016/CORE/vertebrates"`` or
        ``"jaspar:2016"`` (resolved offline through :mod:`motifscope.io.jaspar`); one PPM of
        shape ``(4, w)``; a stack of shape ``(n, 4, w)``; or a list of ``(4, w)`` PPMs
        (named ``motif_0``, ``motif_1``, ...).
    name : str
        The argument's name, used in error messages.

    Returns
    -------
    list of Motif

    Raises
    ------
    InputError
        If the source is empty or a PPM is malformed.
    """
    if isinstance(source, Motif):
        return [source]
    if isinstance(source, (str, os.PathLike)):
        text = os.fspath(source)
        if text.lower() == "jaspar" or text.lower().startswith("jaspar:"):
            motifs = _jaspar_from_spec(text)
        else:
            motifs = read_motifs(Path(text))
    elif isinstance(source, np.ndarray) or hasattr(source, "detach"):
        arr = np.asarray(source.detach().cpu().numpy() if hasattr(source, "detach") else source)
        if arr.ndim == 2:
            arr = arr[None]
        if arr.ndim != 3:
            raise InputError(
                f"{name} has shape {arr.shape} but must have shape (4, w) or (n, 4, w)"
            )
        motifs = [_motif_from_array(a, f"motif_{i}", name, i) for i, a in enumerate(arr)]
    else:
        try:
            items = list(source)
        except TypeError:
            raise InputError(
                f"{name} must be a list of Motif, a MEME path, 'jaspar[:...]' or (4, w) arrays; "
                f"got {type(source).__name__}"
            ) from None
        motifs = []
        for i, m in enumerate(items):
            if isinstance(m, Motif):
                motifs.append(m)
            else:
                a = m.detach().cpu().numpy() if hasattr(m, "detach") else m
                motifs.append(_motif_from_array(a, f"motif_{i}", name, i))
    if len(motifs) == 0:
        where = f" {os.fspath(source)}" if isinstance(source, (str, os.PathLike)) else ""
        raise InputError(f"{name}{where}: holds no motifs; expected at least one")
    return motifs


def _motif_from_array(a, label: str, name: str, i: int) -> Motif:
    # Same checks as motifscope.core.validation.check_ppm, without importing torch.
    a = np.asarray(a, dtype=np.float64)
    if a.ndim != 2 or a.shape[0] != 4 or a.shape[1] < 1:
        raise InputError(f"{name}[{i}] has shape {a.shape} but must have shape (4, w) with w >= 1")
    if not np.isfinite(a).all() or (a < 0).any():
        raise InputError(f"{name}[{i}] must hold finite non-negative probabilities")
    bad = np.abs(a.sum(0) - 1) > 1e-3
    if bad.any():
        j = int(np.argmax(bad))
        raise InputError(f"{name}[{i}] column {j} sums to {a[:, j].sum():.4f}, expected 1")
    return Motif(name=label, ppm=a)


def _jaspar_from_spec(text: str) -> list[Motif]:
    """``jaspar[:[RELEASE/]COLLECTION/TAX_GROUP]`` or ``jaspar:RELEASE``."""

    spec = text.split(":", 1)[1] if ":" in text else ""
    parts = [p for p in spec.split("/") if p]
    release, collection, tax = None, "CORE", "vertebrates"
    if parts and (parts[0].upper().startswith("JASPAR") or parts[0].isdigit()):
        release = parts.pop(0)
    if parts:
        collection = parts.pop(0).upper()
    if parts:
        tax = parts.pop(0)
        if tax.lower() in ("all", "*"):
            tax = None
    if parts:
        raise InputError(
            f"target spec {text!r} must look like 'jaspar', 'jaspar:CORE/vertebrates' or "
            "'jaspar:JASPAR2016/CORE/vertebrates'"
        )
    return jaspar.jaspar_motifs(release=release, collection=collection, tax_group=tax)


def _checked_ppm(m: Motif, name: str) -> np.ndarray:
    P = np.asarray(m.ppm, dtype=np.float64)
    if P.ndim != 2 or P.shape[0] != 4 or P.shape[1] < 1:
        raise InputError(f"{name} motif {m.name!r} has shape {P.shape}; expected (4, w)")
    if not np.isfinite(P).all():
        raise InputError(f"{name} motif {m.name!r} holds non-finite values")
    return P


def _resolve_ppms(source, name: str, kind: str):
    """(names, alt names, PPMs) of a motif source, as :func:`resolve_motifs` and
    :class:`~motifscope.core.motifs.Motif` give them. Plain arrays (a list of ``(4, w)`` arrays or
    an ``(n, 4, w)`` stack) are checked and normalised all at once rather than through one
    Motif each; anything else, or arrays that fail a check, go through
    :func:`resolve_motifs`, which raises the error."""
    arrays = None
    if isinstance(source, np.ndarray) and source.ndim == 3:
        arrays = list(source)
    elif isinstance(source, (list, tuple)) and len(source) > 0 \
            and all(type(a) is np.ndarray and a.ndim == 2 for a in source):
        arrays = source
    if arrays is not None and len(arrays) > 0 \
            and all(a.shape[0] == 4 and a.shape[1] >= 1 for a in arrays):
        A = np.concatenate([np.asarray(a, dtype=np.float64) for a in arrays], axis=1)
        s = A.sum(0)
        if np.isfinite(A).all() and not (A < 0).any() and not (np.abs(s - 1) > 1e-3).any():
            # Motif's normalisation, column by column as there
            s = A.sum(0, keepdims=True)
            P = np.where(s > 0, A / np.where(s > 0, s, 1), 0.25)
            cuts = np.cumsum([a.shape[1] for a in arrays])[:-1]
            return ([f"motif_{i}" for i in range(len(arrays))], [None] * len(arrays),
                    np.split(P, cuts, axis=1))
    ms = resolve_motifs(source, name)
    return ([m.name for m in ms], [m.alt_name for m in ms],
            [_checked_ppm(m, kind) for m in ms])


def _consensus(P: np.ndarray) -> str:
    # MEME's get_cons: the most probable letter of each column.
    return "".join(np.array(list("ACGT"))[P.argmax(0)])


def _consensi(Ps) -> list[str]:
    """:func:`_consensus` of each PPM in ``Ps``, all at once."""
    if len(Ps) == 0:
        return []
    idx = np.concatenate(Ps, axis=1).argmax(0)
    text = np.frombuffer(b"ACGT", dtype="S1")[idx].tobytes().decode("ascii")
    ends = np.cumsum([P.shape[1] for P in Ps])
    return [text[e - P.shape[1]:e] for e, P in zip(ends.tolist(), Ps)]


