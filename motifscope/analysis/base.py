"""What every analysis takes (:class:`Context`), writes through (:class:`Output`) and
returns (:class:`Result`)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import torch

from motifscope.core.atomic import atomic_open, atomic_path, atomic_write_text
from motifscope.core.errors import ConfigError, InputError
from motifscope.core.validation import check_model_input
from motifscope.data.strands import check_strand_pairs
from motifscope.io.deepsea import read_mat
from motifscope.io.fasta import fasta_to_one_hot
from motifscope.io.meme import write_meme
from motifscope.io.motif_files import read_motifs
from motifscope.io.regions import load_regions
from motifscope.methods.predict import predict
from motifscope.plot.logo import logo_gallery
from motifscope.report import write_section
from motifscope.runs.directory import clean_json, load_run, target_names

__all__ = ["Context", "Output", "Result", "context_for", "describe_selection", "finish",
           "read_sequences", "select_rows"]


@dataclass
class Context:
    """The inputs of an analysis.

    Attributes
    ----------
    run_dir : pathlib.Path
        The run directory; results go to ``<run_dir>/analyses/<name>/`` unless ``out`` says.
    model : torch.nn.Module
        The model, returning logits ``(B, T)`` for ``(B, 4, L)``.
    X : torch.Tensor of shape (N, 4, L) or None
        Sequences (forward strand), one-hot A, C, G, T.
    y : numpy.ndarray of shape (N, T) or None
        Their labels, when known.
    targets : list of int or None
        The targets of interest, most important first (``None``: all with positives).
    target_names : list of str or None
        A name per target, for titles and tables.
    motif_db : list of Motif, str or None
        The Tomtom database: motifs, a MEME path, ``"jaspar"`` (JASPAR CORE vertebrates) or
        ``None`` (no matching).
    seed : int
        Seed of every random choice.
    quick : bool
        Fewer sequences, steps and neurons (tests and the quick demo).
    device : str or None
        Compute device (``None``: the model's).
    options : dict
        Per-analysis options, ``options[name][key]`` (see each module's ``run``).
    out : dict
        Per-analysis output folders overriding ``<run_dir>/analyses/<name>``.
    """

    run_dir: Path
    model: Any
    X: Any = None
    y: Any = None
    targets: list | None = None
    target_names: list | None = None
    motif_db: Any = "jaspar"
    seed: int = 0
    quick: bool = False
    device: str | None = None
    options: dict = field(default_factory=dict)
    out: dict = field(default_factory=dict)
    _predictions: Any = field(default=None, init=False, repr=False, compare=False)

    def output_dir(self, name: str) -> Path:
        """The folder of analysis ``name``: ``out[name]`` or ``<run_dir>/analyses/<name>``."""
        return Path(self.out.get(name) or Path(self.run_dir) / "analyses" / name)

    def output(self, name: str) -> Output:
        """The writer of analysis ``name`` (its folder is created)."""
        return Output(self.output_dir(name))

    def option(self, name: str, key: str, default=None):
        """``options[name][key]``, or ``default``."""
        return self.options.get(name, {}).get(key, default)

    def name_of(self, target: int) -> str:
        """A display name of ``target``."""
        if self.target_names is not None and 0 <= target < len(self.target_names):
            return f"{target} ({self.target_names[target]})"
        return str(target)

    def n_outputs(self) -> int:
        """The number of outputs: the model's ``n_targets``, the labels' width, or the width
        of the model's predictions."""
        T = getattr(self.model, "n_targets", None)
        if T is None and self.y is not None:
            T = np.asarray(self.y).shape[1]
        if T is None and self.X is not None:
            T = self.predictions().shape[1]
        return int(T or 1)

    def predictions(self) -> np.ndarray:
        """The model's probabilities for ``X``, ``(N, T)``, computed once per context."""
        if self.X is None:
            raise InputError("this analysis needs sequences; none were given")
        if self._predictions is None:
            self._predictions = predict(self.model, self.X, device=self.device)
        return self._predictions

    def chosen_targets(self) -> list[int]:
        """``targets``, or every target with a positive in ``y`` (all when the labels are
        missing or have no positive)."""
        if self.targets is not None:
            T = self.y.shape[1] if self.y is not None else getattr(self.model, "n_targets", None)
            bad = [int(t) for t in self.targets if T is not None and not 0 <= int(t) < T]
            if bad:
                raise ConfigError(f"targets {bad}: expected indices 0..{T - 1}")
            return [int(t) for t in self.targets]
        if self.y is not None:
            with_positives = np.flatnonzero(np.asarray(self.y).max(0) > 0)
            if len(with_positives):
                return [int(t) for t in with_positives]
        return list(range(self.n_outputs()))

    def labelled_or_top(self, n: int, targets=None) -> tuple[np.ndarray, str]:
        """Rows to explain: positives for ``targets`` where labels have any, else the
        sequences the model scores highest for them.

        Parameters
        ----------
        n : int
            Rows wanted at most.
        targets : list of int or None
            Output indices (default :meth:`chosen_targets`).

        Returns
        -------
        tuple
            ``(rows, how)``: row indices into ``X`` and one sentence saying how they were
            chosen, for the analysis's output.
        """
        if self.X is None:
            raise InputError("this analysis needs sequences; none were given")
        targets = [int(t) for t in (self.chosen_targets() if targets is None else targets)]
        which = "the target" if len(targets) == 1 else "any of the targets"
        if self.y is not None:
            rows = np.flatnonzero(np.asarray(self.y)[:, targets].max(1) > 0)[:n]
            if len(rows):
                return rows, f"the first {len(rows)} sequences labelled positive for {which}"
            why = f"no sequence is labelled positive for {which}"
        elif n >= self.X.shape[0]:
            return np.arange(self.X.shape[0]), (f"the data has no labels: all {self.X.shape[0]} "
                                                 "sequences, no more than asked for")
        else:
            why = "the data has no labels"
        p = self.predictions()[:, targets].max(1)
        rows = np.sort(np.argsort(-p, kind="stable")[:n])
        return rows, f"{why}: the {len(rows)} sequences the model scores highest for {which} (fallback)"

    def positives(self, target: int, n: int) -> np.ndarray:
        """Up to ``n`` rows for ``target``: its labelled positives, or the model's top
        predictions where there are none (:meth:`labelled_or_top`)."""
        return self.labelled_or_top(n, [target])[0]


def describe_selection(hows: dict) -> str:
    """One sentence from per-target selections, targets grouped by how they were chosen.

    Parameters
    ----------
    hows : dict
        ``{target name: how}`` (the second value of :meth:`Context.labelled_or_top`).

    Returns
    -------
    str
    """
    groups: dict[str, list] = {}
    for t, how in hows.items():
        if "(fallback)" in how:
            how = how.split(": ")[0] + ", so the model's top predictions (fallback)"
        elif how.startswith("the first"):
            how = "their labelled positives"
        groups.setdefault(how, []).append(t)
    parts = []
    for how, ts in groups.items():
        shown = ", ".join(map(str, ts[:8])) + (f" and {len(ts) - 8} more" if len(ts) > 8 else "")
        parts.append(f"targets {shown}: {how}")
    return "Sequences per target — " + "; ".join(parts) + "." if parts else ""


class Output:
    """Writes one analysis's files into its folder, atomically, and records them.

    Parameters
    ----------
    directory : pathlib.Path
        The analysis folder (created).
    """

    def __init__(self, directory):
        self.directory = Path(directory)
        self.directory.mkdir(parents=True, exist_ok=True)
        self.files: list[Path] = []

    def _done(self, name) -> Path:
        p = self.directory / name
        if p not in self.files:
            self.files.append(p)
        return p

    def table(self, df, name: str, **kwargs) -> Path:
        """Write a DataFrame (tab-separated for ``.tsv``, comma for ``.csv``)."""
        kwargs.setdefault("sep", "\t" if name.endswith(".tsv") else ",")
        kwargs.setdefault("index", False)
        with atomic_open(self.directory / name) as fh:
            df.to_csv(fh, **kwargs)
        return self._done(name)

    def figure(self, fig, name: str, *, dpi: int = 100) -> Path:
        """Save a matplotlib figure (format from the suffix) and close it."""
        import matplotlib.pyplot as plt

        try:
            with atomic_path(self.directory / name) as tmp:
                fig.savefig(tmp, dpi=dpi)
        finally:
            plt.close(fig)
        return self._done(name)

    def json(self, obj, name: str) -> Path:
        """Write JSON (NaN as ``null``)."""

        atomic_write_text(self.directory / name,
                          json.dumps(clean_json(obj), indent=1, default=str) + "\n")
        return self._done(name)

    def text(self, text: str, name: str) -> Path:
        """Write a text file (e.g. a plotly figure's JSON)."""
        atomic_write_text(self.directory / name, text)
        return self._done(name)

    def npz(self, name: str, **arrays) -> Path:
        """Write a compressed ``.npz``."""
        with atomic_open(self.directory / name, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        return self._done(name)

    def meme(self, motifs, name: str, **kwargs) -> Path:
        """Write motifs as MEME minimal format (:func:`motifscope.io.meme.write_meme`)."""

        write_meme(motifs, self.directory / name, **kwargs)
        return self._done(name)

    def logos(self, motifs, folder: str = "logos") -> list[Path]:
        """One PNG logo per motif in ``folder`` (relative to the analysis folder, or absolute;
        :func:`motifscope.plot.logo.logo_gallery`)."""

        paths = logo_gallery(motifs, self.directory / folder, progress=False)
        self.files.extend(paths)
        return paths

    def section(self, *, title: str, order: int, summary: str, blocks: list) -> Path:
        """Write the report section (typed blocks, :mod:`motifscope.report.blocks`)."""

        return write_section(self.directory, title=title, order=order, summary=summary,
                             blocks=blocks)


@dataclass
class Result:
    """What an analysis returns.

    Attributes
    ----------
    name : str
        The analysis.
    directory : pathlib.Path
        Its folder.
    files : list of pathlib.Path
        The files it wrote.
    data : dict
        What it computed (tables, arrays, motifs; documented by each module).
    section : dict
        ``title``, ``order``, ``summary`` and ``blocks`` of its report section, so that
        scores can be added with :meth:`add_blocks`.
    """

    name: str
    directory: Path
    files: list
    data: dict
    section: dict

    def add_blocks(self, blocks: list, *, summary: str | None = None) -> None:
        """Append blocks to the section (e.g. scores against a truth) and rewrite it."""

        self.section["blocks"] = list(self.section["blocks"]) + list(blocks)
        if summary is not None:
            self.section["summary"] = summary
        write_section(self.directory, **self.section)


def finish(name: str, out: Output, data: dict, *, title: str, order: int, summary: str,
           blocks: list) -> Result:
    """Write the section and build the :class:`Result` (the last step of every ``run``)."""
    out.section(title=title, order=order, summary=summary, blocks=blocks)
    return Result(name=name, directory=out.directory, files=list(out.files), data=data,
                  section={"title": title, "order": order, "summary": summary,
                           "blocks": list(blocks)})


def context_for(run_dir, data=None, *, n: int | None = None, seed: int = 0,
                device: str | None = None, motif_db="jaspar", options: dict | None = None,
                out: dict | None = None, targets=None, evaluate_layout: bool = False,
                bed=None, region=None, fasta=None, stride: int | None = None) -> Context:
    """A :class:`Context` for a run directory and a sequence file (what the CLI verbs use).

    Parameters
    ----------
    run_dir : str or os.PathLike
        A run directory (:func:`motifscope.load_run`).
    data : str or os.PathLike or None
        A DeepSEA-layout ``.mat``/``.h5`` file (sequences and labels) or a FASTA file
        (sequences, windowed to the model's length; names go to ``options["names"]``).
    n : int or None
        Read only the first ``n`` sequences (for the evaluation layout, strand pairs kept).
    seed, device, motif_db, options, out, targets
        As in :class:`Context`.
    evaluate_layout : bool
        Keep both strands of a DeepSEA file (evaluation averages them); otherwise only the
        forward half of a file whose second half holds the reverse complements is kept.
    bed, region, fasta, stride
        Genome windows instead of ``data`` (:func:`motifscope.io.regions.load_regions`):
        their coordinates go to ``options["coords"]`` (a table, one row per sequence), the
        reference to ``options["genome"]``.

    Returns
    -------
    Context
        With the run's target names (``[targets] names`` of its ``config.toml``, e.g. an
        imported published model's 919), so tables and titles name the targets.
    """

    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise InputError(f"n={n!r}: expected a positive number of sequences (or None for all)")
    _check_motif_db(motif_db)
    run = load_run(run_dir)
    X = y = names = None
    options = dict(options or {})
    if bed is not None or region is not None:
        if data is not None or fasta is None:
            raise InputError("give --data FILE, or --bed FILE / --region chr:start-end with "
                             "--fasta (the reference genome)")

        L = getattr(run.model, "seq_len", None)
        if L is None:
            raise InputError(f"{run_dir}: the model has no input length; cannot cut windows")
        options["genome"], X, options["coords"] = load_regions(fasta, L, bed=bed, region=region,
                                                               stride=stride)
        X = X[:n] if n is not None else X
        options["coords"] = options["coords"].iloc[:X.shape[0]].reset_index(drop=True)
        options["names"] = list(options["coords"]["name"])
    elif data is not None:
        X, y, names = read_sequences(data, seq_len=getattr(run.model, "seq_len", None), n=n,
                                     evaluate_layout=evaluate_layout)
        if X.shape[0] == 0:
            raise InputError(f"{data}: holds no sequences; expected at least one")
        check_model_input(run.model, X, data)
    if names is not None:
        options["names"] = names
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    return Context(Path(run_dir), run.model, X, y, targets=targets, motif_db=motif_db, seed=seed,
                   device=device, options=options, out=dict(out or {}),
                   target_names=target_names(run_dir))


def _check_motif_db(motif_db) -> None:
    """A MEME file named as the database must hold motifs (checked before hours of work)."""
    if not isinstance(motif_db, (str, Path)) or str(motif_db).lower() in ("jaspar", "none"):
        return

    if not Path(motif_db).is_file():
        raise ConfigError(f"motif database {motif_db}: no such motif file (or use 'jaspar')")
    if not read_motifs(motif_db):
        raise ConfigError(f"motif database {motif_db}: holds no motifs; expected a motif file "
                          f"(MEME, JASPAR, TRANSFAC, HOMER, ...) with at least one motif")


def select_rows(X, y, n: int | None, strand: str = "auto"):
    """The first ``n`` rows, keeping strand pairs together.

    Parameters
    ----------
    X : torch.Tensor of shape (N, 4, L)
    y : torch.Tensor or numpy.ndarray of shape (N, T)
    n : int or None
        Rows wanted (``None``: all). With the halves layout (reverse complements in the
        second half) the first ``n/2`` rows of each half are kept.
    strand : str
        The strand averaging that will be used.

    Returns
    -------
    tuple
        ``(X, y)`` subsets.
    """
    if n is None or n >= X.shape[0]:
        return X, y
    if strand in ("auto", "halves") and check_strand_pairs(X):
        half, k = X.shape[0] // 2, max(n // 2, 1)
        idx = torch.from_numpy(np.concatenate([np.arange(k), half + np.arange(k)]))
        return X[idx], y[idx]
    return X[:n], y[:n]


def read_sequences(data, *, seq_len=None, start: int = 0, n: int | None = None,
                   evaluate_layout: bool = False, as_stored: bool = False):
    """Sequences (and labels, names) of a DeepSEA-layout file or a FASTA file.

    Parameters
    ----------
    data : str or os.PathLike
        A ``.mat``/``.h5`` file in DeepSEA's layout, or FASTA (``.fa``, ``.fasta``, ``.fna``,
        gzipped or not), whose sequences are windowed to ``seq_len``.
    seq_len : int or None
        The model's input length (needed for FASTA).
    start : int
        First row.
    n : int or None
        Rows wanted (``None``: all from ``start``).
    evaluate_layout : bool
        Keep both strands of a DeepSEA file (evaluation averages them; then ``n`` keeps
        strand pairs together, :func:`select_rows`); otherwise only the forward half of a
        file whose second half holds the reverse complements is kept.
    as_stored : bool
        Rows ``start .. start + n`` of a DeepSEA file as stored, strands untouched.

    Returns
    -------
    X : torch.Tensor of shape (N, 4, L)
    y : numpy.ndarray of shape (N, T) or None
        Labels (None for FASTA or an unlabeled file).
    names : list of str or None
        The FASTA names.
    """
    data = Path(data)
    stop = None if n is None else start + n
    if data.suffix.lower() in (".fa", ".fasta", ".fna") or data.name.endswith(
            (".fa.gz", ".fasta.gz", ".fna.gz")):
        if seq_len is None:
            raise InputError("the model has no seq_len; cannot window FASTA sequences")
        names, X = fasta_to_one_hot(data, length=seq_len)
        return X[start:stop], None, list(names[start:stop])

    if evaluate_layout and not as_stored:
        X, y = read_mat(data)
        if start:
            X, y = X[start:], None if y is None else y[start:]
        if y is not None:
            X, y = select_rows(X, y, n)
        elif n is not None:  # no labels: evaluation refuses the file with its own message
            X = X[:n]
    else:
        X, y = read_mat(data, start=start, stop=stop)
        if not as_stored and X.shape[0] >= 2 and X.shape[0] % 2 == 0 \
                and check_strand_pairs(X):
            half = X.shape[0] // 2
            X, y = X[:half], None if y is None else y[:half]
    return X, None if y is None else np.asarray(y), None
