"""The demo's scorecard for people: rounded, each figure next to its oracle, shortfalls marked.

The scores themselves come from :mod:`motifscope.truth.scores` (machine-readable, full
precision, ``scorecard.tsv``). This module turns them into what the terminal and the landing
page show: three significant digits, the PWM-oracle AUROC beside the model's, and a ``✗``
wherever a score falls short of what a model that learned the planted motifs reaches
(:data:`FLOORS`).
"""

from __future__ import annotations

import math

import pandas as pd

__all__ = ["FLOORS", "ORACLES", "as_number", "format_scorecard", "scorecard_view"]

#: Score → the value a model that learned the planted truth reaches (a number or "k/n").
FLOORS = {
    "test AUROC, presence tasks": 0.95,
    "planted motifs found by kernels": "11/12",
    "attribution AUROC, deeplift_shap": 0.95,
    "temporal: rise inside motif": 1.0,
    "class optimisation: motif recovered": "11/12",
    "planted motifs found by layer-2 neurons": "10/12",
}
#: Score → the score of its oracle (shown beside it, not as a row of its own).
ORACLES = {"test AUROC, presence tasks": "oracle AUROC, presence tasks"}


def as_number(value) -> float:
    """A score as a number: ``"11/12"`` → 0.9167, numbers as they are, others NaN.

    Parameters
    ----------
    value : str, float or None

    Returns
    -------
    float
    """
    if isinstance(value, str) and "/" in value:
        a, _, b = value.partition("/")
        try:
            return float(a) / float(b) if float(b) else math.nan
        except ValueError:
            return math.nan
    try:
        return float(value)
    except (TypeError, ValueError):
        return math.nan


def _cell(value, floor, oracle) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return ""
    text = value if isinstance(value, str) else f"{float(value):.3g}"
    if oracle is not None and not math.isnan(as_number(oracle)):
        text += f" (oracle {as_number(oracle):.3g})"
    if floor is not None and as_number(value) < as_number(floor) - 1e-9:
        text += " ✗"
    return text


def scorecard_view(scorecard: dict) -> pd.DataFrame:
    """The scorecard as people read it.

    Parameters
    ----------
    scorecard : dict of str to dict
        Per model, score name → value (as :func:`motifscope.demo.job.analyse_run` returns).

    Returns
    -------
    pandas.DataFrame
        Index: score names (oracle rows folded into their score); one string column per
        model (``"0.962 (oracle 0.993)"``, ``"10/12 ✗"``), and ``floor`` (``"≥ 0.95"`` or
        empty).
    """
    scores = []
    for card in scorecard.values():
        scores += [k for k in card if k not in scores and k not in ORACLES.values()]
    rows = {}
    for s in scores:
        floor = FLOORS.get(s)
        row = {m: _cell(card.get(s), floor, card.get(ORACLES[s]) if s in ORACLES else None)
               for m, card in scorecard.items()}
        row["floor"] = "" if floor is None else f"≥ {floor}"
        rows[s] = row
    df = pd.DataFrame.from_dict(rows, orient="index", columns=list(scorecard) + ["floor"])
    df.index.name = "score"
    return df


def format_scorecard(scorecard: dict) -> str:
    """The scorecard as an aligned text table for the terminal.

    Parameters
    ----------
    scorecard : dict of str to dict
        As for :func:`scorecard_view`.

    Returns
    -------
    str
        One line per score; ``✗`` marks a score below its floor.
    """
    df = scorecard_view(scorecard)
    if df.empty:
        return "(no scores)"
    short = sum(str(v).endswith("✗") for v in df.drop(columns="floor").to_numpy().ravel())
    text = df.to_string(justify="left")
    return text + (f"\n{short} score(s) below their floor (✗)" if short else "\nevery floor met")
