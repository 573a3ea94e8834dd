"""The 919 DeepSEA targets: what each label column measures, and published AUCs.

The DeepSEA label vector (``traindata``/``validdata``/``testdata``, 919 columns) lists
125 DNase I hypersensitivity profiles (indices 0–124), 690 transcription-factor ChIP-seq
profiles (125–814) and 104 histone-mark profiles (815–918). The table shipped here
(``motifscope/_data/targets.tsv``) was generated once from DanQ's ``aucs.txt`` by
:mod:`motifscope.data.make_targets`; it also carries the per-target ROC AUC and PR AUC
published for DeepSEA, DanQ and DanQ-JASPAR on the DeepSEA test set. Target 598
(K562 BRF1) has no positive in the test set, so its published AUCs are ``NaN``.
"""

from __future__ import annotations

import functools
from importlib import resources

import pandas as pd

from motifscope.core.errors import ConfigError, InputError

__all__ = ["AUC_COLUMNS", "N_TARGETS", "category_slices", "label", "parse_targets", "targets"]

N_TARGETS = 919
AUC_COLUMNS = (
    "deepsea_auroc",
    "deepsea_aupr",
    "danq_auroc",
    "danq_aupr",
    "danqjaspar_auroc",
    "danqjaspar_aupr",
)
_SLICES = {"DNase": slice(0, 125), "TF": slice(125, 815), "Histone": slice(815, 919)}


@functools.lru_cache(maxsize=1)
def _load() -> pd.DataFrame:
    path = resources.files("motifscope") / "_data" / "targets.tsv"
    with resources.as_file(path) as p:
        df = pd.read_csv(
            p,
            sep="\t",
            keep_default_na=False,
            na_values={c: [""] for c in AUC_COLUMNS},
            dtype={"cell_type": str, "assay": str, "treatment": str, "category": str, "note": str},
        )
    df = df.set_index("index")
    df["category"] = pd.Categorical(df["category"], categories=list(_SLICES), ordered=True)
    cols = ["cell_type", "assay", "treatment", "category", *AUC_COLUMNS, "note"]
    return df[cols]


def targets() -> pd.DataFrame:
    """Return the table of the 919 DeepSEA targets, in label order.

    Returns
    -------
    pandas.DataFrame
        919 rows indexed 0..918 (index name ``"index"``, the label column of the target)
        with columns ``cell_type``, ``assay`` (``"DNase"``, a TF name or a histone mark),
        ``treatment`` (``"None"`` when untreated, as in the source), ``category``
        (``"DNase"``, ``"TF"`` or ``"Histone"``), the published AUCs ``deepsea_auroc``,
        ``deepsea_aupr``, ``danq_auroc``, ``danq_aupr``, ``danqjaspar_auroc``,
        ``danqjaspar_aupr`` (float, ``NaN`` for target 598) and ``note``. A fresh copy
        is returned on each call.

    Examples
    --------
    >>> t = targets()
    >>> t.loc[351, ["cell_type", "assay"]].tolist()
    ['K562', 'NRSF']
    """
    return _load().copy()


def label(i: int) -> str:
    """Describe one target as ``"cell type | assay | treatment"``.

    Parameters
    ----------
    i : int
        The target index, 0..918 (negative indices count from the end).

    Returns
    -------
    str
        For example ``label(351) == "K562 | NRSF | None"``.

    Raises
    ------
    InputError
        If ``i`` is not an integer in range.
    """
    if isinstance(i, bool) or not hasattr(i, "__index__"):
        raise InputError(f"target index must be an int, got {type(i).__name__}")
    i = i.__index__()
    if not -N_TARGETS <= i < N_TARGETS:
        raise InputError(f"target index {i} is out of range; expected 0..{N_TARGETS - 1}")
    row = _load().iloc[i]
    return f"{row.cell_type} | {row.assay} | {row.treatment}"


def category_slices() -> dict[str, slice]:
    """Return the label columns of each target category.

    Returns
    -------
    dict of str to slice
        ``{"DNase": slice(0, 125), "TF": slice(125, 815), "Histone": slice(815, 919)}``,
        usable directly on the target axis of ``y`` or of predictions ``(N, 919)``.
    """
    return dict(_SLICES)


def parse_targets(text: str, *, option: str = "--targets", names=None,
                  n_targets: int | None = None) -> list[int]:
    """Targets named on the command line: indices, ranges or names, comma-separated.

    Parameters
    ----------
    text : str
        ``"351,352"``, ``"0-4"`` (inclusive), or target names (``"GM12878|CTCF|None"``,
        matched exactly, then case-insensitively; a name may contain ``-`` but not ``,``).
    option : str
        The option named in messages.
    names : sequence of str or None
        The model's target names (a run's ``[targets] names``, DeepSEA's 919 labels).
    n_targets : int or None
        Number of outputs; indices outside ``0..n_targets-1`` are refused.

    Returns
    -------
    list of int
        In the order given, duplicates kept.
    """
    import re

    items = [t.strip() for t in str(text).split(",") if t.strip()]
    if not items:
        raise ConfigError(f"{option} is empty; expected indices such as 351,352 or target names")
    lower = None if names is None else {str(n).lower(): i for i, n in enumerate(names)}
    exact = None if names is None else {str(n): i for i, n in enumerate(names)}
    out = []
    for it in items:
        m = re.fullmatch(r"(\d+)(?:-(\d+))?", it)
        if m and not (exact and it in exact):
            a, b = int(m.group(1)), int(m.group(2) or m.group(1))
            if b < a:
                raise ConfigError(f"{option} {it!r}: a range runs upwards, e.g. 3-7")
            out += list(range(a, b + 1))
        elif exact is not None and (it in exact or it.lower() in lower):
            out.append(exact.get(it, lower.get(it.lower())))
        else:
            hint = "target names or " if names is not None else ""
            raise ConfigError(f"{option} {it!r}: expected {hint}indices such as 351,352 or "
                              f"ranges such as 0-4")
    bad = [t for t in out if n_targets is not None and not 0 <= t < n_targets]
    if bad:
        raise ConfigError(f"{option} {bad[0]}: the model has targets 0..{n_targets - 1}")
    return out
