"""Simulated DeepSEA-format data with planted JASPAR motifs and known ground truth.

This is motifscope's embedded default data set: the demo and every ground-truth score
(motif recovery, attribution accuracy) use it. It follows the design of Koo & Eddy (2019)
and writes the exact DeepSEA bundle layouts, so the whole pipeline runs through the real
readers.

How a sequence is made
----------------------
1. **Background**: ``length`` bases drawn i.i.d. with ``P(G) = P(C) = gc / 2`` and
   ``P(A) = P(T) = (1 - gc) / 2``.
2. **Grammar pairs** (for each rule ``A > B [smin, smax]``, in order): with probability
   ``p_grammar`` a *positive* pair is planted: an instance of A on the + strand, then
   ``s ~ U{smin..smax}`` background bases, then an instance of B on the + strand. Else,
   with probability ``p_decoy``, a *decoy* that has both motifs but breaks the rule: B
   before A (spacing in range), A then B too far apart (``smax + 1 .. smax +
   decoy_margin``), or B on the - strand. Decoys keep the grammar task from being the
   AND of the two presence tasks.
3. **Single instances**: each motif independently, with probability ``p_motif``, gets
   one instance on a random strand.
4. Every instance is sampled from its PPM (each base drawn from its column's
   distribution); with ``min_instance_quantile = q > 0`` only the stronger ones are kept:
   an instance is redrawn until its log-odds score (bits, against the background, with a
   pseudocount of 0.001 per cell) reaches the ``q`` quantile of the scores of instances
   sampled from the motif (estimated once per motif from 20,000 draws of a fixed seed and
   written to ``simulation.json``). The default ``q = 0`` plants plain PPM samples, many
   of which score no better than chance matches in the background (for low-information
   motifs such as Arid3a's ATTAA core, even the planted PWM itself then separates
   positives from negatives with AUROC ~ 0.8). The instance is then placed uniformly at random among the positions where it overlaps no
   earlier instance (a grammar pair occupies the gap between its two motifs as well).
   An instance that cannot be placed is dropped (counted in ``simulation.json``).

Tasks (labels)
--------------
- one **presence** task per motif, in motif order: 1 when the sequence holds at least one
  planted instance of the motif (either strand, any role);
- one **grammar** task per rule, after them: 1 when some planted instance of A on the
  + strand is followed by one of B on the + strand with ``smin <= start(B) - end(A) <=
  smax``.

Labels are computed from the planted instances, so they are exact; ``label_noise`` then
flips each label independently with that probability (a separate random stream, so the
sequences do not depend on it).

Files written into ``out_dir``
------------------------------
``train.mat``
    MATLAB v7.3 (HDF5 with a 512-byte MATLAB userblock): ``trainxdata`` h5py shape
    ``(L, 4, N)`` uint8, ``traindata`` ``(T, N)`` uint8.
``valid.mat``, ``test.mat``
    MATLAB v5 (``scipy.io.savemat``): ``validxdata``/``testxdata`` ``(N, 4, L)`` uint8,
    ``validdata``/``testdata`` ``(N, T)`` uint8.
    Bases are stored **A, G, C, T** as in the DeepSEA bundle. In ``train.mat`` and
    ``test.mat`` the second half holds the reverse complements of the first half in the
    same order, with the same labels (so ``n_train`` and ``n_test`` count both strands and
    must be even); ``valid.mat`` holds forward sequences only.
``instances.tsv``
    One row per planted instance: ``split``, ``seq`` (row in the split file), ``start``,
    ``end`` (0-based, half-open, forward-strand coordinates of that row; reverse-
    complement rows have the mirrored coordinates ``L - end, L - start`` and the other
    strand), ``strand``, ``motif`` (name), ``tf`` (alt name), ``role`` (``single``,
    ``grammar`` or ``decoy``) and ``tasks`` (comma-separated task indices whose clean
    label this instance makes 1).
``tasks.tsv``
    ``task``, ``name``, ``kind`` (``presence``/``grammar``), ``motifs``,
    ``min_spacing``, ``max_spacing``.
``motifs.meme``
    The planted motifs (MEME minimal format).
``simulation.json``
    Every parameter, the seed, the resolved motifs, package versions, dropped instances
    and per-task positive rates.

The output is deterministic: the same parameters give the same bytes.

Memory: ``train.mat`` is written in chunks of rows (streaming); ``valid.mat`` and
``test.mat`` are MATLAB v5, which :func:`scipy.io.savemat` writes whole, so those two are
held in memory as uint8 (4 bytes per base).
"""

from __future__ import annotations

import csv
import json
import os
import shutil
import tempfile
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path

import numpy as np

import motifscope
from motifscope.core.errors import ConfigError, InputError
from motifscope.core.motifs import Motif
from motifscope.data.sampling import (
    _Generator,
    _noise,
    _one_hot_agct,
    _rc_idx,
    instance_thresholds,
)
from motifscope.data.sim_motifs import KOO_EDDY_TFS, _motif_index, resolve_motifs
from motifscope.io.deepsea import write_mat_v5, write_mat_v73_header
from motifscope.io.meme import write_meme

__all__ = [
    "DEFAULT_GRAMMAR",
    "KOO_EDDY_TFS",
    "GrammarRule",
    "SimulationParams",
    "SimulationResult",
    "read_ground_truth",
    "resolve_motifs",
    "simulate",
]

_SPLIT_CODE = {"train": 0, "valid": 1, "test": 2}
_CHUNK = 1024


@dataclass(frozen=True)
class GrammarRule:
    """A motif-pair grammar: ``first`` then ``second``, both on the + strand.

    Parameters
    ----------
    first : str
        Motif A (matched against a motif's ``name`` or ``alt_name``, case-insensitively).
    second : str
        Motif B.
    min_spacing : int
        Smallest number of bases between the end of A and the start of B (>= 0).
    max_spacing : int
        Largest number of bases between them.
    """

    first: str
    second: str
    min_spacing: int = 2
    max_spacing: int = 10

    @property
    def label(self) -> str:
        """Task name, e.g. ``"GABPA>YY1[2-10]"``."""
        return f"{self.first}>{self.second}[{self.min_spacing}-{self.max_spacing}]"


DEFAULT_GRAMMAR = (
    GrammarRule("GABPA", "YY1", 2, 10),
    GrammarRule("MAX", "SP1", 4, 12),
    GrammarRule("STAT1", "NFYB", 0, 8),
)
"""Grammar tasks used with the default Koo & Eddy motifs."""


@dataclass
class SimulationParams:
    """Parameters of :func:`simulate`.

    Parameters
    ----------
    motifs : sequence of str, list of Motif, str or os.PathLike
        TF names looked up in the CORE vertebrates collection of ``release`` (default:
        :data:`KOO_EDDY_TFS`), a list of :class:`~motifscope.core.motifs.Motif`, or the path of
        a MEME file.
    release : str or None
        JASPAR release for TF names; ``None`` is the newest pyjaspar ships.
    length : int
        Sequence length ``L``.
    n_train, n_valid, n_test : int
        Number of sequences per split. ``n_train`` and ``n_test`` count both strands
        (the second half are reverse complements) and must be even.
    gc : float
        GC fraction of the i.i.d. background.
    p_motif : float
        Probability that a sequence gets a single instance of each motif.
    grammar : sequence of GrammarRule or tuple, or None
        Grammar tasks; tuples ``(first, second, min_spacing, max_spacing)`` are accepted.
        ``None``: :data:`DEFAULT_GRAMMAR` with the default motifs, otherwise rules on the
        motif pairs (0, 1) and (2, 3) when there are enough motifs. ``()`` for none.
    p_grammar : float
        Probability, per rule and sequence, of planting a positive pair.
    p_decoy : float
        Probability, per rule and sequence, of planting a decoy pair (when no positive).
    decoy_margin : int
        Far decoys use spacings ``max_spacing + 1 .. max_spacing + decoy_margin``.
    label_noise : float
        Probability of flipping each label (0 to 0.5).
    min_instance_quantile : float
        Keep only planted instances whose log-odds score reaches this quantile of the
        motif's own instance-score distribution (0 = plain PPM samples; 0.5 = the
        stronger half). In [0, 1).
    seed : int
        Random seed; the output is a deterministic function of all parameters.
    """

    motifs: object = KOO_EDDY_TFS
    release: str | None = None
    length: int = 1000
    n_train: int = 20000
    n_valid: int = 2000
    n_test: int = 4000
    gc: float = 0.41
    p_motif: float = 0.25
    grammar: object = None
    p_grammar: float = 0.15
    p_decoy: float = 0.15
    decoy_margin: int = 20
    label_noise: float = 0.0
    min_instance_quantile: float = 0.0
    seed: int = 0


@dataclass
class Task:
    """One label column (internal record, exported through ``tasks.tsv``)."""

    index: int
    name: str
    kind: str
    motifs: tuple
    min_spacing: int | None = None
    max_spacing: int | None = None


@dataclass
class SimulationResult:
    """What :func:`simulate` wrote.

    Parameters
    ----------
    out_dir : pathlib.Path
        The output folder.
    files : dict of str to pathlib.Path
        ``train``, ``valid``, ``test``, ``instances``, ``tasks``, ``motifs``, ``summary``.
    motifs : list of Motif
        The planted motifs, in task order.
    task_names : list of str
        One name per label column.
    params : SimulationParams
        The parameters used.
    missing_motifs : list of str
        Requested TF names that no release held (dropped).
    """

    out_dir: Path
    files: dict
    motifs: list
    task_names: list
    params: SimulationParams
    missing_motifs: list = field(default_factory=list)


# --------------------------------------------------------------------------- motifs


def _resolve_grammar(params: SimulationParams, motifs: list[Motif]) -> list[GrammarRule]:
    g = params.grammar
    if g is None:
        if params.motifs is KOO_EDDY_TFS or (
            not isinstance(params.motifs, (str, os.PathLike))
            and tuple(params.motifs) == KOO_EDDY_TFS
        ):
            rules = list(DEFAULT_GRAMMAR)
            names = {(m.alt_name or m.name).lower() for m in motifs}
            rules = [r for r in rules if r.first.lower() in names and r.second.lower() in names]
        else:
            rules = []
            for a, b in ((0, 1), (2, 3)):
                if b < len(motifs):
                    rules.append(GrammarRule(motifs[a].name, motifs[b].name, 2, 10))
        return rules
    rules = []
    for r in g:
        if isinstance(r, GrammarRule):
            rules.append(r)
        elif isinstance(r, (tuple, list)) and len(r) in (2, 4):
            rules.append(GrammarRule(*r))
        else:
            raise ConfigError(
                f"grammar: {r!r} is not a GrammarRule or (first, second, min_spacing, max_spacing)"
            )
    for r in rules:
        if not (0 <= r.min_spacing <= r.max_spacing):
            raise ConfigError(
                f"grammar {r.label}: need 0 <= min_spacing <= max_spacing, "
                f"got {r.min_spacing}, {r.max_spacing}"
            )
    return rules


# --------------------------------------------------------------------------- checks


def _check_params(p: SimulationParams) -> None:
    for name in ("length", "n_train", "n_valid", "n_test", "seed", "decoy_margin"):
        v = getattr(p, name)
        if isinstance(v, bool) or not isinstance(v, (int, np.integer)) or v < 0:
            raise ConfigError(f"{name} must be a non-negative integer, got {v!r}")
    if p.length < 1:
        raise ConfigError(f"length must be >= 1, got {p.length}")
    for name in ("n_train", "n_test"):
        if getattr(p, name) % 2:
            raise ConfigError(
                f"{name} = {getattr(p, name)} must be even: the second half of the file holds "
                "the reverse complements of the first"
            )
    if not (0.0 < p.gc < 1.0):
        raise ConfigError(f"gc must be in (0, 1), got {p.gc}")
    for name in ("p_motif", "p_grammar", "p_decoy"):
        v = getattr(p, name)
        if not (0.0 <= v <= 1.0):
            raise ConfigError(f"{name} must be a probability in [0, 1], got {v}")
    if p.p_grammar + p.p_decoy > 1.0:
        raise ConfigError(f"p_grammar + p_decoy = {p.p_grammar + p.p_decoy} must be <= 1")
    if not (0.0 <= p.label_noise <= 0.5):
        raise ConfigError(f"label_noise must be in [0, 0.5], got {p.label_noise}")
    if not (0.0 <= p.min_instance_quantile < 1.0):
        raise ConfigError(
            f"min_instance_quantile must be in [0, 1), got {p.min_instance_quantile}"
        )


def simulate(out_dir, params: SimulationParams | None = None, **overrides) -> SimulationResult:
    """Write a simulated data set in the DeepSEA layouts, with its ground truth.

    See the module documentation for how sequences and labels are made and for the
    exact files written.

    Parameters
    ----------
    out_dir : str or os.PathLike
        Output folder (created if needed; existing files of the same names are replaced).
    params : SimulationParams or None
        All parameters; defaults when ``None``.
    **overrides
        Fields of :class:`SimulationParams` to change, e.g. ``length=200, n_train=6000``.

    Returns
    -------
    SimulationResult
        Paths written, motifs and task names.

    Raises
    ------
    ConfigError
        If a parameter is invalid (unknown name, odd ``n_train``, a motif wider than
        ``length``, a grammar naming a motif that is not planted, ...).

    Examples
    --------
    >>> res = simulate("sim", length=200, n_train=6000, n_valid=500, n_test=1000)  # doctest: +SKIP
    >>> res.task_names[:3]  # doctest: +SKIP
    ['Arid3a', 'CEBPB', 'FOSL1']
    """
    params, motifs, notes, rules, rule_idx, tasks = _prepare(params, overrides)
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=".simulate-", dir=out_dir))
    names = dict(_FILES)
    try:
        all_rows, summary_splits = _write_splits(tmp, names, params, motifs, rules, rule_idx, len(tasks))
        _write_tables(tmp, names, all_rows, tasks, motifs)
        summary = _summary(params, motifs, notes, rules, tasks, summary_splits, names)
        (tmp / names["summary"]).write_text(json.dumps(summary, indent=2) + "\n")
        for fname in names.values():  # the staging folder is in out_dir: renames, no copies
            os.replace(tmp / fname, out_dir / fname)
        umask = os.umask(0)
        os.umask(umask)
        os.chmod(out_dir / names["motifs"], 0o666 & ~umask)  # write_meme's temp file is 0600
    finally:
        shutil.rmtree(tmp, ignore_errors=True)

    missing = [n.split(":")[0] for n in notes if n.endswith("dropped")]
    return SimulationResult(
        out_dir=out_dir,
        files={k: out_dir / v for k, v in names.items()},
        motifs=motifs,
        task_names=[t.name for t in tasks],
        params=params,
        missing_motifs=missing,
    )


_FILES = {"train": "train.mat", "valid": "valid.mat", "test": "test.mat",
          "instances": "instances.tsv", "tasks": "tasks.tsv", "motifs": "motifs.meme",
          "summary": "simulation.json"}


def _prepare(params, overrides):
    """Checked parameters, motifs, grammar rules and the task list."""
    params = SimulationParams() if params is None else params
    if not isinstance(params, SimulationParams):
        raise ConfigError(f"params must be a SimulationParams, got {type(params).__name__}")
    known = {f.name for f in fields(SimulationParams)}
    unknown = sorted(set(overrides) - known)
    if unknown:
        raise ConfigError(
            f"simulate: unknown parameter(s) {unknown}; expected some of {sorted(known)}"
        )
    params = replace(params, **overrides)
    _check_params(params)
    motifs, notes = resolve_motifs(params.motifs, params.release)
    too_wide = [m.name for m in motifs if m.width > params.length]
    if too_wide:
        raise ConfigError(f"motifs {too_wide} are wider than length={params.length}")
    rules = _resolve_grammar(params, motifs)
    rule_idx = [
        (_motif_index(motifs, r.first, "first"), _motif_index(motifs, r.second, "second"))
        for r in rules
    ]
    for r, (a, b) in zip(rules, rule_idx):
        if motifs[a].width + r.max_spacing + motifs[b].width > params.length:
            raise ConfigError(f"grammar {r.label} does not fit in length={params.length}")
    tasks = [Task(i, m.alt_name or m.name, "presence", (m.name,)) for i, m in enumerate(motifs)]
    for g, (r, (a, b)) in enumerate(zip(rules, rule_idx)):
        tasks.append(Task(len(motifs) + g, r.label, "grammar", (motifs[a].name, motifs[b].name),
                          r.min_spacing, r.max_spacing))
    return params, motifs, notes, rules, rule_idx, tasks


def _write_splits(tmp, names, params, motifs, rules, rule_idx, T):
    """Write the three split files into ``tmp``; the instance rows and per-split summaries."""
    from tqdm.auto import tqdm

    all_rows, summary_splits = [], {}
    sizes = {"train": params.n_train, "valid": params.n_valid, "test": params.n_test}
    total = sum(sizes[s] // 2 if s != "valid" else sizes[s] for s in sizes)
    bar = tqdm(total=total, desc="simulate", unit="seq", disable=total < 2 * _CHUNK)
    for split in ("train", "valid", "test"):
        rows, summary_splits[split] = _write_split(tmp / names[split], split, sizes[split], params,
                                                   motifs, rules, rule_idx, T, bar)
        all_rows += rows
    bar.close()
    return all_rows, summary_splits


def _write_split(path, split, size, params, motifs, rules, rule_idx, T, bar):
    """One split file (train: MATLAB v7.3 HDF5 written in chunks; valid/test: v5)."""
    import h5py

    L = params.length
    code = _SPLIT_CODE[split]
    rng = np.random.default_rng([params.seed, code])
    nrng = np.random.default_rng([params.seed, code, 7])
    gen = _Generator(motifs, rules, rule_idx, params, rng)
    both = split != "valid"
    n_fwd = size // 2 if both else size
    clean_pos = np.zeros(T, dtype=np.int64)
    flipped = 0
    rows = []
    if split == "train":
        f = h5py.File(path, "w", userblock_size=512, libver="earliest")
        dx = f.create_dataset("trainxdata", shape=(L, 4, 2 * n_fwd), dtype=np.uint8,
                              track_times=False)
        dy = f.create_dataset("traindata", shape=(T, 2 * n_fwd), dtype=np.uint8,
                              track_times=False)
        for d in (dx, dy):
            d.attrs.create("MATLAB_class", np.bytes_("uint8"))
    else:
        X = np.zeros((2 * n_fwd if both else n_fwd, 4, L), dtype=np.uint8)
        Y = np.zeros((X.shape[0], T), dtype=np.uint8)
    for i0 in range(0, n_fwd, _CHUNK):
        n = min(_CHUNK, n_fwd - i0)
        idx, y, recs = gen.chunk(n)
        clean_pos += y.sum(0, dtype=np.int64)
        yn = _noise(y, params.label_noise, nrng)
        flipped += int((yn != y).sum())
        oh = _one_hot_agct(idx)
        rows += _instance_rows(split, recs, i0, L, n_fwd if both else None, motifs)
        if split == "train":
            dx[:, :, i0 : i0 + n] = oh.transpose(2, 1, 0)
            dy[:, i0 : i0 + n] = yn.T
            ohr = _one_hot_agct(_rc_idx(idx))
            dx[:, :, n_fwd + i0 : n_fwd + i0 + n] = ohr.transpose(2, 1, 0)
            dy[:, n_fwd + i0 : n_fwd + i0 + n] = yn.T
        else:
            X[i0 : i0 + n], Y[i0 : i0 + n] = oh, yn
            if both:
                X[n_fwd + i0 : n_fwd + i0 + n] = _one_hot_agct(_rc_idx(idx))
                Y[n_fwd + i0 : n_fwd + i0 + n] = yn
        bar.update(n)
    if split == "train":
        f.close()
        write_mat_v73_header(path)
    else:
        write_mat_v5(path, {f"{split}xdata": X, f"{split}data": Y})
    rows.sort(key=lambda r: (r[1], r[2]))
    return rows, {
        "n_sequences": int(2 * n_fwd if both else n_fwd),
        "n_forward": int(n_fwd),
        "reverse_complement_half": both,
        "n_instances_forward": int(sum(1 for r in rows if r[1] < n_fwd)),
        "dropped_instances": int(gen.dropped),
        "positive_rate_clean": [float(c) / max(n_fwd, 1) for c in clean_pos],
        "labels_flipped_forward": flipped,
    }


def _write_tables(tmp, names, all_rows, tasks, motifs) -> None:
    """``instances.tsv``, ``tasks.tsv`` and ``motifs.meme`` into ``tmp``."""

    with open(tmp / names["instances"], "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["split", "seq", "start", "end", "strand", "motif", "tf", "role", "tasks"])
        w.writerows(all_rows)
    with open(tmp / names["tasks"], "w", newline="") as fh:
        w = csv.writer(fh, delimiter="\t", lineterminator="\n")
        w.writerow(["task", "name", "kind", "motifs", "min_spacing", "max_spacing"])
        for t in tasks:
            w.writerow([t.index, t.name, t.kind, ",".join(t.motifs),
                        "" if t.min_spacing is None else t.min_spacing,
                        "" if t.max_spacing is None else t.max_spacing])
    write_meme(motifs, tmp / names["motifs"])


def _summary(params, motifs, notes, rules, tasks, summary_splits, names) -> dict:
    """What ``simulation.json`` holds."""
    p_json = asdict(replace(params, motifs=None, grammar=None))
    if isinstance(params.motifs, (str, os.PathLike)):
        p_json["motifs"] = str(params.motifs)
    elif all(isinstance(m, str) for m in params.motifs):
        p_json["motifs"] = list(params.motifs)
    else:
        p_json["motifs"] = [m.name for m in params.motifs]
    p_json["grammar"] = [asdict(r) for r in rules]
    _, thr = instance_thresholds(motifs, params.gc, params.min_instance_quantile, params.seed)
    return {
        "params": p_json,
        "seed": params.seed,
        "base_order_on_disk": "AGCT",
        "length": params.length,
        "motifs": [{"name": m.name, "alt_name": m.alt_name, "width": m.width, "source": m.source,
                    "url": m.url,
                    "min_instance_score_bits": None if thr is None else float(thr[k])}
                   for k, m in enumerate(motifs)],
        "motif_notes": notes,
        "tasks": [{"task": t.index, "name": t.name, "kind": t.kind, "motifs": list(t.motifs),
                   "min_spacing": t.min_spacing, "max_spacing": t.max_spacing} for t in tasks],
        "splits": summary_splits,
        "files": names,
        "versions": _versions(),
    }


def read_ground_truth(sim_dir):
    """Read the ground-truth tables of a simulated data set.

    Parameters
    ----------
    sim_dir : str or os.PathLike
        A folder written by :func:`simulate`.

    Returns
    -------
    tasks : pandas.DataFrame
        ``tasks.tsv``: one row per label column.
    instances : pandas.DataFrame
        ``instances.tsv``: one row per planted instance (``tasks`` kept as a string).

    Raises
    ------
    InputError
        If the folder lacks ``tasks.tsv`` or ``instances.tsv``.
    """
    import pandas as pd

    d = Path(sim_dir)
    for name in ("tasks.tsv", "instances.tsv"):
        if not (d / name).exists():
            raise InputError(f"{d}: no {name}; expected a folder written by motifscope simulate")
    tasks = pd.read_csv(d / "tasks.tsv", sep="\t", dtype={"motifs": str})
    inst = pd.read_csv(d / "instances.tsv", sep="\t", dtype={"tasks": str})
    return tasks, inst


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
