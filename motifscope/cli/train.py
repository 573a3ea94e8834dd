"""``motifscope train``: train a zoo model on DeepSEA-layout files into a run directory."""

from __future__ import annotations

from pathlib import Path

import typer

from motifscope.cli.app import app, check_device, out_dir, positive

__all__ = ["parse_set", "train_command"]


def parse_set(items: list[str] | None) -> dict:
    """Parse ``--set key=value`` items; values are TOML literals, else plain strings.

    Raises
    ------
    ConfigError
        If an item has no ``=``.
    """
    import tomllib

    from motifscope.core.errors import ConfigError

    out = {}
    for item in items or []:
        key, sep, value = item.partition("=")
        key = key.strip().replace("-", "_")
        if not sep or not key:
            raise ConfigError(f"--set {item!r}: expected key=value (e.g. --set dropout=0.1)")
        try:
            out[key] = tomllib.loads(f"v = {value.strip()}")["v"]
        except tomllib.TOMLDecodeError:
            out[key] = value.strip()
    return out


@app.command("train")
def train_command(
    model: str = typer.Option("deepsea_default", "--model", "-m",  # = motifscope.zoo.DEFAULT_MODEL
                              help="Zoo model name (motifscope.zoo.names()) or a .toml card; "
                              "the default is described in docs/defaults.md."),
    data: Path = typer.Option(None, "--data", "-d",
                              help="Folder holding train.mat, valid.mat, test.mat."),
    out: Path = typer.Option(..., "--out", "-o", callback=out_dir, help="Run directory to write."),
    train: Path = typer.Option(None, "--train", help="Training file (overrides --data's)."),
    valid: Path = typer.Option(None, "--valid", help="Validation file."),
    test: Path = typer.Option(None, "--test", help="Test file (evaluated at the end)."),
    epochs: int = typer.Option(None, "--epochs", min=1, help="Maximum epochs (card default)."),
    batch_size: int = typer.Option(None, "--batch-size", min=1, help="Batch size (card default)."),
    lr: float = typer.Option(None, "--lr", callback=positive, help="Learning rate (card default)."),
    optimizer: str = typer.Option(None, "--optimizer",
                                  help="sgd, adadelta, adagrad, adam, adamw or rmsprop."),
    loss: str = typer.Option(None, "--loss", help="bce (nll) or focal."),
    patience: int = typer.Option(None, "--patience", min=0, help="Early-stopping patience (0: off)."),
    seed: int = typer.Option(None, "--seed", help="Random seed (card default, else 0)."),
    device: str = typer.Option("auto", "--device", callback=check_device, help="cpu, cuda or auto."),
    threads: int = typer.Option(None, "--threads", min=1, help="torch.set_num_threads."),
    amp: bool = typer.Option(False, "--amp", help="Mixed precision (CUDA only)."),
    resume: bool = typer.Option(False, "--resume", help="Continue the run in --out."),
    n_train: int = typer.Option(None, "--n-train", min=1, help="Use only the first N training rows."),
    n_valid: int = typer.Option(None, "--n-valid", min=1, help="Use only the first N validation rows."),
    n_test: int = typer.Option(None, "--n-test", min=1, help="Use only the first N test rows."),
    max_steps: int = typer.Option(None, "--max-steps", min=1, help="Cap on steps per epoch."),
    no_test: bool = typer.Option(False, "--no-test", help="Skip the final test evaluation."),
    progress: bool = typer.Option(True, "--progress/--no-progress", help="Progress bar."),
    set_: list[str] = typer.Option(None, "--set",
                                   help="key=value: a training option or model override "
                                   "(repeatable), e.g. --set width=0.5 --set amsgrad=true."),
) -> None:
    """Train a model; writes model.pt, config.toml, history.csv, metrics.json, checkpoints/."""
    import json

    from motifscope.train import train_run

    overrides = parse_set(set_)
    for k, v in (("epochs", epochs), ("batch_size", batch_size), ("lr", lr),
                 ("optimizer", optimizer), ("loss", loss), ("patience", patience),
                 ("seed", seed), ("threads", threads), ("max_steps_per_epoch", max_steps)):
        if v is not None:
            overrides[k] = v
    overrides.update(device=device, amp=amp, progress=progress)
    run = train_run(model, data, out, train=train, valid=valid, test=test, resume=resume,
                    evaluate_test=not no_test, n_train=n_train, n_valid=n_valid, n_test=n_test,
                    **overrides)
    metrics = json.loads((Path(run) / "metrics.json").read_text()) if (Path(run) / "metrics.json").exists() else {}
    msg = (f"{run}: {metrics.get('epochs_run', '?')} epochs, best epoch "
           f"{metrics.get('best_epoch', '?')}")
    if "test" in metrics and metrics["test"].get("av_auroc") is not None:
        msg += f", test AUROC {metrics['test']['av_auroc']:.4f} AUPR {metrics['test']['av_aupr']:.4f}"
    typer.echo(msg)
