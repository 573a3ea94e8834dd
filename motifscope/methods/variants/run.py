"""Scoring a whole VCF: streamed, chunked, resumable and sharded over torchrun ranks.

:func:`score_vcf` reads the VCF as a stream (:func:`motifscope.io.vcf.read_vcf`),
cuts it into chunks of ``chunk_size`` alleles (:func:`motifscope.core.batch.run_chunks`), and for
each chunk checks the records (:func:`motifscope.methods.variants.windows.prepare`), builds the
windows and scores them (:func:`motifscope.methods.variants.score.score_windows`). Each chunk is
one file in ``<out>/chunks/``; finished chunks are skipped on a rerun. Rank 0 then merges
them, one chunk at a time, into

- ``variants.tsv``: CHROM POS ID REF ALT, the INFO fields asked for, ``ref_check``, and per
  target ``<target>_ref_prob``, ``_alt_prob``, ``_diff``, ``_log2_odds_ratio``;
- ``rejects.tsv``: CHROM POS ID REF ALT, the VCF line and the ``reason``;
- ``scores.h5``: the ``(n, T)`` matrices ``ref_prob``, ``alt_prob``, ``diff`` and
  ``log2_odds_ratio`` of the scored variants (row ``i`` = line ``i`` of ``variants.tsv``), with
  ``chrom``, ``pos``, ``id``, ``ref``, ``alt`` and ``ref_check`` beside them;
- ``summary.json``: counts of records, scored variants, rejects per reason and REF checks.
"""

from __future__ import annotations

import hashlib
import json
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from motifscope.core.atomic import atomic_write_text
from motifscope.core.batch import barrier, iter_chunks, merge_hdf5, merge_text, run_chunks, world
from motifscope.core.errors import ConfigError, InputError
from motifscope.io.genome import Genome, one_hot_sequences
from motifscope.io.vcf import read_vcf, vcf_contigs
from motifscope.methods.variants.score import SCORES, score_windows
from motifscope.methods.variants.windows import POLICIES, Prepared, prepare, window_sequences

__all__ = ["VariantScores", "score_vcf", "target_columns"]

_COLS = ["CHROM", "POS", "ID", "REF", "ALT"]


@dataclass
class VariantScores:
    """What :func:`score_vcf` wrote (rank 0; other ranks get ``merged=False``).

    Attributes
    ----------
    directory : pathlib.Path
        The output folder.
    tsv, rejects, store, summary_path : pathlib.Path
        ``variants.tsv``, ``rejects.tsv``, ``scores.h5`` and ``summary.json``.
    targets : list of int
        The model outputs scored, in column order.
    target_names : list of str
        Their names in the column headers.
    summary : dict
        ``records``, ``scored``, ``rejected`` (per reason), ``ref_check`` (per outcome),
        ``chunks`` and ``computed``/``skipped`` chunks of this call.
    merged : bool
        Whether this process merged the outputs (rank 0).
    """

    directory: Path
    tsv: Path
    rejects: Path
    store: Path
    summary_path: Path
    targets: list
    target_names: list
    summary: dict = field(default_factory=dict)
    merged: bool = True


def target_columns(names) -> list[str]:
    """The score columns of the TSV: ``<name>_<score>`` for each target and score.

    Parameters
    ----------
    names : sequence of str
        Target names.

    Returns
    -------
    list of str
    """

    return [f"{n}_{s}" for n in names for s in SCORES]


def _fingerprint(model) -> str:
    """A quick identity of the weights: each tensor's name, shape, sum and a strided sample
    of at most 65,536 values (hashing every byte of DeepSEA's 53 M weights takes a second)."""
    h = hashlib.sha1()
    for k, v in model.state_dict().items():
        a = v.detach().cpu().reshape(-1)
        step = max(1, a.numel() // 65536)
        h.update(f"{k}{tuple(v.shape)}{float(a.double().sum())!r}".encode())
        h.update(a[::step].contiguous().numpy().tobytes())
    return h.hexdigest()


def _check_targets(model, targets) -> list[int]:
    T = getattr(model, "n_targets", None)
    if targets is None:
        if T is None:
            raise ConfigError("the model has no n_targets; name the targets to score")
        return list(range(int(T)))
    out = [int(t) for t in targets]
    bad = [t for t in out if T is not None and not 0 <= t < T]
    if bad or not out:
        raise ConfigError(f"targets {bad or out}: expected indices 0..{int(T) - 1} of the "
                          f"model's {int(T)} outputs")
    return out


def _check_contigs(vcf, genome) -> None:
    declared = vcf_contigs(vcf)
    if declared and not any(genome.resolve(c) for c in declared):
        raise InputError(f"{genome.path}: has none of the contigs {declared[:4]} that {vcf} "
                         f"declares (FASTA: {genome.contigs[:4]}); expected the VCF's genome")


class _Chunk:
    """The per-chunk computation (a class so ranks and reruns build it the same way)."""

    def __init__(self, model, genome, length, targets, policy, strand_average, batch_size,
                 device):
        self.model, self.genome, self.length, self.targets = model, genome, length, targets
        self.policy, self.strand_average = policy, strand_average
        self.batch_size, self.device = batch_size, device

    def __call__(self, index: int, records: list) -> dict:
        kept, windows, rejects, reasons = [], [], [], []
        for r in records:
            v = prepare(self.genome, r, self.length, self.policy)
            if isinstance(v, Prepared):
                kept.append((r, v))
                windows.append(window_sequences(self.genome, v, self.length))
            else:
                rejects.append("\t".join([r.chrom, str(r.pos), r.id, r.ref, r.alt, str(r.line),
                                          v]))
                reasons.append(v)
        T = len(self.targets)
        if kept:
            X_ref = one_hot_sequences([w[0] for w in windows])
            X_alt = one_hot_sequences([w[1] for w in windows])
            scores = score_windows(self.model, X_ref, X_alt, targets=self.targets,
                                   strand_average=self.strand_average,
                                   batch_size=self.batch_size, device=self.device)
        else:
            scores = {s: np.zeros((0, T), np.float32) for s in SCORES}
        return {**scores, **_table(kept, scores), "rejects": np.array(rejects, dtype=str),
                "reason": np.array(reasons, dtype=str)}


def _table(kept: list, scores: dict) -> dict:
    stacked = np.stack([scores[s] for s in SCORES], axis=2).reshape(len(kept), -1) \
        if kept else np.zeros((0, 0))
    fmt = "\t".join(["%.6g"] * stacked.shape[1])
    lines = []
    for (r, v), row in zip(kept, stacked.tolist()):
        head = "\t".join([r.chrom, str(r.pos), r.id, v.ref, v.alt, *r.info, v.ref_check])
        lines.append(head + "\t" + fmt % tuple(row) if row else head)
    def col(f):
        return np.array([f(r, v) for r, v in kept], dtype=str)
    return {"tsv": np.array(lines, dtype=str), "chrom": col(lambda r, v: r.chrom),
            "pos": np.array([r.pos for r, _ in kept], dtype=np.int64),
            "id": col(lambda r, v: r.id), "ref": col(lambda r, v: v.ref),
            "alt": col(lambda r, v: v.alt), "ref_check": col(lambda r, v: v.ref_check)}


def score_vcf(model, vcf, fasta, out_dir, *, targets=None, target_names=None,
              ref_mismatch: str = "skip", info=(), strand_average: bool = True,
              chunk_size: int = 512, batch_size: int = 256, device=None,
              progress: bool = False) -> VariantScores:
    """Score every variant of a VCF against a reference genome.

    Parameters
    ----------
    model : torch.nn.Module
        Logits ``(B, T)`` for ``(B, 4, L)``, with ``seq_len`` = ``L``.
    vcf : str or os.PathLike
        Plain or gzipped VCF (1-based POS).
    fasta : str or os.PathLike or Genome
        The reference genome (:class:`motifscope.io.genome.Genome`).
    out_dir : str or os.PathLike
        Output folder; chunks go to ``<out_dir>/chunks`` (kept for resuming).
    targets : sequence of int or None
        Outputs to score (default all).
    target_names : sequence of str or None
        A name per model output (default ``t<index>``).
    ref_mismatch : str
        REF policy (:data:`motifscope.methods.variants.windows.POLICIES`).
    info : sequence of str
        INFO fields carried into the TSV.
    strand_average : bool
        Average over both strands (:mod:`motifscope.methods.variants.score`).
    chunk_size : int
        VCF alleles per chunk (the unit of resuming and of sharding).
    batch_size : int
        Windows per forward pass.
    device : str or None
        Where to run the model.
    progress : bool
        Show a tqdm bar.

    Returns
    -------
    VariantScores
    """

    if ref_mismatch not in POLICIES:
        raise ConfigError(f"ref-mismatch {ref_mismatch!r}: expected one of {', '.join(POLICIES)}")
    length = getattr(model, "seq_len", None)
    if not length:
        raise ConfigError("the model has no seq_len; variant windows need the input length")
    targets = _check_targets(model, targets)
    names = [str(target_names[t]) if target_names is not None else f"t{t}" for t in targets]
    genome = fasta if isinstance(fasta, Genome) else Genome(fasta)
    _check_contigs(vcf, genome)
    out = Path(out_dir)
    manifest = {"vcf": str(Path(vcf).resolve()), "vcf_bytes": Path(vcf).stat().st_size,
                "fasta": str(genome.path.resolve()), "targets": targets, "info": list(info),
                "ref_mismatch": ref_mismatch, "strand_average": strand_average,
                "seq_len": int(length), "model": _fingerprint(model)}
    compute = _Chunk(model, genome, int(length), targets, ref_mismatch, strand_average,
                     batch_size, device)
    report = run_chunks(read_vcf(vcf, info=info), compute, out / "chunks",
                        chunk_size=chunk_size, manifest=manifest, progress=progress,
                        desc="variants")
    barrier()
    res = VariantScores(out, out / "variants.tsv", out / "rejects.tsv", out / "scores.h5",
                        out / "summary.json", targets, names)
    res.summary = {"chunks": report.n_chunks, "computed": report.computed,
                   "skipped": report.skipped}
    if world()[0] != 0:
        res.merged = False
        return res
    _merge(res, report.n_chunks, list(info), manifest, vcf)
    return res


def _merge(res: VariantScores, n_chunks: int, info: list, manifest: dict, vcf) -> None:
    chunks = res.directory / "chunks"
    header = "\t".join(_COLS + info + ["ref_check"] + target_columns(res.target_names))
    merge_text(chunks, n_chunks, "tsv", res.tsv, header=header)
    merge_text(chunks, n_chunks, "rejects", res.rejects,
               header="\t".join(_COLS + ["line", "reason"]))
    merge_hdf5(chunks, n_chunks, list(SCORES) + ["chrom", "pos", "id", "ref", "alt", "ref_check"],
               res.store, attrs={"targets": res.targets, "target_names": res.target_names,
                                 "window": "0-based [c - L//2, c - L//2 + L), c = POS-1 + "
                                           "len(REF)//2", **{k: manifest[k] for k in (
                                               "seq_len", "ref_mismatch", "strand_average")}})
    reasons, checks = Counter(), Counter()
    for _, a in iter_chunks(chunks, n_chunks, ["reason", "ref_check"]):
        reasons.update(a["reason"].tolist())
        checks.update(a["ref_check"].tolist())
    scored = sum(checks.values())
    if scored == 0 and reasons and set(reasons) == {"missing_contig"}:
        raise InputError(f"{vcf}: none of its contigs is in {manifest['fasta']}; expected "
                         f"the VCF's reference genome (see {res.rejects.name})")
    mismatches = scored - checks.get("match", 0) + reasons.get("ref_mismatch", 0)
    res.summary.update({"records": scored + sum(reasons.values()), "scored": scored,
                        "ref_mismatches": mismatches,
                        "rejected": dict(sorted(reasons.items())),
                        "ref_check": dict(sorted(checks.items())),
                        "targets": res.targets, "target_names": res.target_names})
    atomic_write_text(res.summary_path, json.dumps(res.summary, indent=1) + "\n")
