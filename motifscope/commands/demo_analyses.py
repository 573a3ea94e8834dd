"""``motifscope temporal`` and ``motifscope optimize`` (DeMo Dashboard analyses)."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.commands import app, finite, out_dir, positive


def _load_sequences(data: Path, n: int, target: int | None, seq_len: int | None):
    """First ``n`` sequences of a DeepSEA-layout file or FASTA (positives first if labelled)."""
    import numpy as np

    from motifscope.errors import InputError

    suffix = data.suffix.lower()
    if suffix in (".fa", ".fasta", ".fna", ".gz") and not data.name.endswith((".mat.gz",)):
        from motifscope.data.fasta import fasta_to_one_hot

        if seq_len is None:
            raise InputError("the model has no seq_len; cannot window FASTA sequences")
        names, X = fasta_to_one_hot(data, length=seq_len)
        return X[:n], names[:n]
    from motifscope.data.deepsea import read_mat

    X, y = read_mat(data, stop=max(n * 50, 2000))
    idx = np.arange(X.shape[0])
    if y is not None and target is not None:
        if not 0 <= target < y.shape[1]:
            raise InputError(f"--target {target} is out of range for {data} ({y.shape[1]} targets)")
        pos = np.flatnonzero(np.asarray(y[:, target]) > 0)
        idx = np.concatenate([pos, np.setdiff1d(idx, pos)])
    idx = idx[:n]
    return X[idx], [f"seq{i}" for i in idx]


@app.command("temporal")
def temporal_cmd(
    run: Path = typer.Argument(..., help="Run directory."),
    data: Path = typer.Option(..., "--data", help="DeepSEA-layout .mat/.h5 file or FASTA."),
    target: int = typer.Option(..., "--target", min=0, help="Target index."),
    n: int = typer.Option(20, "--n", min=1, help="Number of sequences (positives for the target first)."),
    step: int = typer.Option(1, "--step", min=1, help="Score every STEP-th position."),
    reference: str = typer.Option("zeros", "--reference", help="'zeros' (N) or 'background' (0.25)."),
    out: Path = typer.Option(None, "--out", callback=out_dir, help="Output directory [default: RUN/analyses/temporal]."),
):
    """Temporal output scores: the target's score after each prefix and suffix."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from motifscope import load_run
    from motifscope._validation import check_model_input
    from motifscope.report import write_section
    from motifscope.rundir import atomic_write_bytes
    from motifscope.sequence import decode
    from motifscope.temporal import plot_temporal, temporal_figure, temporal_scores

    model = load_run(run).model
    X, names = _load_sequences(data, n, target, getattr(model, "seq_len", None))
    check_model_input(model, X, data)
    res = temporal_scores(model, X, target=target, direction="both", step=step, reference=reference)
    out = out or Path(run) / "analyses" / "temporal"
    # everything is computed first and written at the end, so a failure leaves nothing
    npz = io.BytesIO()
    np.savez_compressed(npz, forward=res.forward, backward=res.backward,
                        positions=res.positions, full=res.full, names=np.asarray(names))
    outputs = {"temporal_scores.npz": npz.getvalue()}
    seqs = decode(X)
    gallery = []
    for i in range(min(len(seqs), 8)):
        fig, ax = plt.subplots(figsize=(12, 1.6))
        label = str(names[i]).replace("$", r"\$")  # FASTA names are not mathtext
        plot_temporal(res, i, seq=seqs[i], ax=ax, title=f"{label}: p = {res.full[i]:.3f}")
        fig.tight_layout()
        png = io.BytesIO()
        fig.savefig(png, format="png", dpi=100)
        plt.close(fig)
        outputs[f"temporal_{i}.png"] = png.getvalue()
        gallery.append({"type": "image", "path": f"temporal_{i}.png", "caption": str(names[i])})
    outputs["temporal_0.plotly.json"] = temporal_figure(res, 0, seq=seqs[0]).to_json().encode()
    out.mkdir(parents=True, exist_ok=True)
    for name, data_ in outputs.items():
        atomic_write_bytes(out / name, data_)
    write_section(out, title="Temporal output scores", order=40,
                  summary=f"target {target}, {len(seqs)} sequences, {res.mode} mode", blocks=[
        {"type": "text", "text": (
            f"Score of target {target} after the model has seen only the prefix (forward) or the "
            f"suffix (backward) up to each position. Mode: {res.mode}"
            + (f", unseen part replaced by {reference}." if res.mode == "mask" else "."))},
        {"type": "plotly", "path": "temporal_0.plotly.json"},
        *gallery,
        {"type": "files", "paths": ["temporal_scores.npz"]},
    ])
    typer.echo(f"wrote {out}")


@app.command("optimize")
def optimize_cmd(
    run: Path = typer.Argument(..., help="Run directory."),
    target: int = typer.Option(..., "--target", min=0, help="Target index."),
    steps: int = typer.Option(1000, "--steps", min=1, help="Optimiser steps (DeMo: 1000)."),
    restarts: int = typer.Option(4, "--restarts", min=1, help="Independent starts (best kept)."),
    parametrization: str = typer.Option("softmax", "--parametrization", help="'softmax' or DeMo's 'raw'."),
    lr: float = typer.Option(0.05, "--lr", callback=positive, help="Learning rate (DeMo: 0.05)."),
    l2: float = typer.Option(0.009, "--l2", min=0, callback=finite, help="L2 weight λ (DeMo: 0.009)."),
    seed: int = typer.Option(0, "--seed", help="Random seed."),
    out: Path = typer.Option(None, "--out", callback=out_dir, help="Output directory [default: RUN/analyses/optimize]."),
):
    """Class optimisation: the input that maximises a target, as a PPM, logo and MEME."""
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    import numpy as np

    from motifscope import load_run
    from motifscope.errors import InputError
    from motifscope.meme import format_meme
    from motifscope.optimize import optimize_input
    from motifscope.report import write_section
    from motifscope.rundir import atomic_write_bytes

    model = load_run(run).model
    T = getattr(model, "n_targets", None)
    if T is not None and not 0 <= target < T:
        raise InputError(f"--target {target} is out of range; the model has {T} targets")
    res = optimize_input(model, target=target, steps=steps, restarts=restarts, lr=lr, l2=l2,
                         parametrization=parametrization, random_state=seed, progress=True)
    out = out or Path(run) / "analyses" / "optimize"
    stem = f"target_{target}"
    # computed first, written at the end: a failure leaves nothing behind
    outputs = {}
    for name, arr in ((f"{stem}_ppm.npy", res.ppm), (f"{stem}_matrix.npy", res.matrix)):
        buf = io.BytesIO()
        np.save(buf, arr)
        outputs[name] = buf.getvalue()
    outputs[f"{stem}.meme"] = format_meme([res.motif]).encode("utf-8")
    fig, axes = plt.subplots(2, 1, figsize=(12, 4), gridspec_kw={"height_ratios": [2, 1]})
    res.plot_logo(ax=axes[0])
    axes[0].set_title(f"target {target}: optimised input (logit {res.score:.2f})")
    axes[1].plot(res.objective)
    axes[1].set_xlabel("step")
    axes[1].set_ylabel("objective")
    fig.tight_layout()
    png = io.BytesIO()
    fig.savefig(png, format="png", dpi=100)
    plt.close(fig)
    outputs[f"{stem}.png"] = png.getvalue()
    out.mkdir(parents=True, exist_ok=True)
    for name, data_ in outputs.items():
        atomic_write_bytes(out / name, data_)
    write_section(out, title="Class optimisation", order=45,
                  summary=f"target {target}: logit {res.score:.2f}", blocks=[
        {"type": "text", "text": (
            f"Input optimised to maximise target {target} ({parametrization} parametrisation, "
            f"{steps} steps, {restarts} restarts, λ = {l2}).")},
        {"type": "image", "path": f"{stem}.png", "caption": f"target {target}"},
        {"type": "files", "paths": [f"{stem}.meme", f"{stem}_ppm.npy"]},
    ])
    typer.echo(f"target {target}: logit {res.score:.3f}; wrote {out}")
