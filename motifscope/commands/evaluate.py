"""``motifscope evaluate``: per-target AUROC/AUPR of a run on a labelled DeepSEA file."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.commands import app, check_device, out_dir

__all__ = ["evaluate_command", "evaluate_run"]


def evaluate_run(run_dir, data, out=None, *, n: int | None = None, strand: str = "auto",
                 batch_size: int = 256, device: str = "auto", progress: bool = False) -> dict:
    """Evaluate a run directory on a labelled file and write the tables.

    Parameters
    ----------
    run_dir : str or os.PathLike
        A run directory.
    data : str or os.PathLike
        ``test.mat`` (or any DeepSEA-layout labelled file).
    out : str or os.PathLike or None
        Output folder; default ``<run>/analyses/evaluate``.
    n : int or None
        Use only the first ``n`` rows (kept even, so the strand halves stay paired:
        with the halves layout the first ``n/2`` rows of each half are used).
    strand : str
        ``auto``, ``halves``, ``rc`` or ``none``.
    batch_size, device, progress
        Prediction settings.

    Returns
    -------
    dict
        The summary (also written as ``summary.json``), with ``files``.
    """
    import json

    import numpy as np
    import torch

    from motifscope._validation import check_model_input
    from motifscope.data.deepsea import read_mat
    from motifscope.errors import InputError
    from motifscope.evaluate import compare_published, evaluate, plot_comparison
    from motifscope.strands import check_strand_pairs
    from motifscope.rundir import _clean_json, atomic_write_text, cleanup_on_failure, load_run

    if n is not None and (isinstance(n, bool) or not isinstance(n, int) or n < 1):
        raise InputError(f"n={n!r}: expected a positive number of rows (or None for all)")
    run = load_run(run_dir)
    out = Path(out) if out is not None else run.path / "analyses" / "evaluate"
    X, y = read_mat(data)
    if y is None:
        raise InputError(f"{data}: holds no labels; evaluate needs a labelled file such as "
                         f"test.mat (sequences and their 0/1 targets)")
    check_model_input(run.model, X, data)
    if n is not None and n < X.shape[0]:
        if strand in ("auto", "halves") and check_strand_pairs(X):
            half, k = X.shape[0] // 2, max(n // 2, 1)
            idx = np.concatenate([np.arange(k), half + np.arange(k)])
            X, y = X[torch.from_numpy(idx)], y[torch.from_numpy(idx)]
        else:
            X, y = X[:n], y[:n]
    df = evaluate(run.model, X, y, strand_average=None if strand == "none" else strand,
                  batch_size=batch_size, device=device, progress=progress)
    if not df.attrs.get("n_scored"):
        raise InputError(f"{data}: none of the {df.attrs.get('n_targets', y.shape[1])} targets "
                         f"has both positive and negative labels in the {X.shape[0]} rows used; "
                         f"expected rows of both classes (use more rows, or another file)")
    with cleanup_on_failure(out):  # a failure half-way removes what this call wrote
        out.mkdir(parents=True, exist_ok=True)
        files = {"per_target": out / "per_target.csv"}
        atomic_write_text(files["per_target"], df.to_csv(index=False))
        summary = dict(df.attrs)
        summary.update(run=str(run.path), data=str(data), n=int(X.shape[0]))
        if len(df) == 919:
            comp = compare_published(df)
            files["comparison"] = out / "comparison.csv"
            files["comparison_png"] = out / "comparison.png"
            atomic_write_text(files["comparison"], comp.to_csv(index=False))
            plot_comparison(comp, files["comparison_png"])
            pub = {}
            for ref in ("deepsea", "danq", "danqjaspar"):
                col = f"{ref}_auroc"
                if col in comp.columns:
                    ok = np.isfinite(comp["auroc"].to_numpy(float)) & np.isfinite(comp[col].to_numpy(float))
                    pub[ref] = {"av_auroc": float(comp[col][ok].mean()),
                                "av_aupr": float(comp[f"{ref}_aupr"][ok].mean())
                                if f"{ref}_aupr" in comp.columns else None,
                                "n_targets": int(ok.sum())}
            summary["published"] = pub
        files["summary"] = out / "summary.json"
        summary["files"] = {k: str(v) for k, v in files.items()}
        from motifscope.report import write_section

        blocks = [{"type": "metrics", "data": {
            "mean AUROC": summary.get("av_auroc"), "mean AUPR": summary.get("av_aupr"),
            "targets scored": summary.get("n_scored"), "sequences": summary.get("n")}}]
        if "comparison_png" in files:
            blocks.append({"type": "image", "path": "comparison.png",
                           "caption": "per-target AUROC: this run vs the published DeepSEA, DanQ and DanQ-JASPAR"})
            blocks.append({"type": "metrics", "title": "Published means over the same targets",
                           "data": {f"{k} AUROC": v["av_auroc"] for k, v in summary.get("published", {}).items()}})
        blocks.append({"type": "table", "path": "per_target.csv", "max_rows": 100})
        write_section(out, title="Test evaluation", order=10,
                      summary=f"mean AUROC {summary.get('av_auroc', float('nan')):.3f}", blocks=blocks)
        atomic_write_text(files["summary"], json.dumps(_clean_json(summary), indent=2) + "\n")
    return summary


@app.command("evaluate")
def evaluate_command(
    run: Path = typer.Argument(..., help="Run directory (motifscope train --out)."),
    data: Path = typer.Option(..., "--data", "-d", help="Labelled file, e.g. test.mat."),
    out: Path = typer.Option(None, "--out", "-o", callback=out_dir,
                             help="Output folder (default RUN/analyses/evaluate)."),
    n: int = typer.Option(None, "--n", min=1, help="Use only N rows (strand pairs kept together)."),
    strand: str = typer.Option("auto", "--strand",
                               help="Strand averaging: auto, halves, rc or none."),
    batch_size: int = typer.Option(256, "--batch-size", min=1, help="Prediction batch size."),
    device: str = typer.Option("auto", "--device", callback=check_device, help="cpu, cuda or auto."),
) -> None:
    """Per-target AUROC/AUPR (CSV + JSON); with 919 targets also the published comparison."""
    from motifscope.errors import ConfigError

    if strand not in ("auto", "halves", "rc", "none"):
        raise ConfigError(f"--strand {strand!r}: expected auto, halves, rc or none")
    s = evaluate_run(run, data, out, n=n, strand=strand, batch_size=batch_size, device=device)
    typer.echo(f"AUROC {s['av_auroc']:.4f}  AUPR {s['av_aupr']:.4f}  over {s['n_scored']}/"
               f"{s['n_targets']} targets ({s['strand_average']}); wrote {s['files']['summary']}")
