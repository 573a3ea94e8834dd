"""``motifscope attribute``: attributions of a trained run on sequences of a data file.

Writes two files, ready for ``modisco motifs -s <stem>.ohe.npz -a <stem>.npz``:

``<out>`` (default ``<run>/analyses/attribution/<method>.npz``)
    ``arr_0``: what TF-MoDISco reads with ``-a`` — the hypothetical contributions for
    ``deeplift``/``deeplift_shap``, otherwise the attributions — shape ``(N, 4, L)``;
    ``sequences`` ``(N, 4, L)``; ``attributions`` ``(N, 4, L)``; ``hypothetical``
    (DeepLIFT methods); ``deltas`` (summation-to-delta errors, DeepLIFT and integrated
    gradients); ``target`` (the indices summed); ``rows`` (rows of ``--data`` used);
    ``method``.
``<out stem>.ohe.npz``
    ``arr_0``: the one-hot sequences ``(N, 4, L)`` (modisco's ``-s``).

modisco-lite's CLI reads the first array (``arr_0``) of each ``.npz`` and expects
``(N, 4, L)`` (it transposes to its ``(N, L, 4)`` itself).
"""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import typer

from motifscope.commands import app, check_device, out_file

__all__ = ["attribute_cmd", "write_attributions"]

_METHODS = ("saliency", "saliency_demo", "gradient_x_input", "integrated_gradients",
            "deeplift", "deeplift_shap", "ism")


def _parse_target(text: str) -> list[int]:
    from motifscope.errors import ConfigError

    try:
        out = [int(t) for t in text.replace(" ", "").split(",") if t]
    except ValueError:
        raise ConfigError(
            f"--target {text!r}: expected an index or comma-separated indices such as 351,352"
        ) from None
    if not out:
        raise ConfigError("--target is empty; expected an index such as 351")
    return out


def _atomic_savez(path: Path, arrays: dict) -> None:
    import os
    import tempfile

    import numpy as np

    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            np.savez_compressed(fh, **arrays)
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def write_attributions(out: Path, *, sequences, attributions, method: str, target,
                       hypothetical=None, deltas=None, rows=None) -> tuple[Path, Path]:
    """Write the attribution file and its one-hot sidecar (atomically).

    Parameters
    ----------
    out : pathlib.Path
        The attribution file (``.npz``).
    sequences : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        One-hot sequences.
    attributions : torch.Tensor or numpy.ndarray of shape (N, 4, L)
        Attributions.
    method : str
        Method name (stored).
    target : list of int
        Target indices (stored).
    hypothetical : array of shape (N, 4, L) or None
        Hypothetical contributions; when given they are ``arr_0``.
    deltas : array of shape (N,) or (N, R) or None
        Summation-to-delta errors.
    rows : array of shape (N,) or None
        Rows of the data file.

    Returns
    -------
    (pathlib.Path, pathlib.Path)
        The attribution file and the ``.ohe.npz`` sidecar.
    """
    import numpy as np

    def npy(a):
        return None if a is None else np.asarray(a.detach().cpu() if hasattr(a, "detach") else a,
                                                 dtype=np.float32)

    seq = npy(sequences)
    att = npy(attributions)
    hyp = npy(hypothetical)
    arrays = {"arr_0": hyp if hyp is not None else att, "sequences": seq,
              "attributions": att, "target": np.asarray(target, dtype=np.int64),
              "method": np.asarray(method)}
    if hyp is not None:
        arrays["hypothetical"] = hyp
    if deltas is not None:
        arrays["deltas"] = npy(deltas)
    if rows is not None:
        arrays["rows"] = np.asarray(rows, dtype=np.int64)
    out = Path(out)
    if out.suffix != ".npz":
        out = out.with_name(out.name + ".npz")
    ohe = out.with_name(out.name[: -len(".npz")] + ".ohe.npz")
    _atomic_savez(out, arrays)
    _atomic_savez(ohe, {"arr_0": seq})
    return out, ohe


@app.command("attribute")
def attribute_cmd(
    run: Path = typer.Argument(..., help="Run directory (written by motifscope train)."),
    data: Path = typer.Option(..., "--data", help="DeepSEA-format file (read_mat) of sequences."),
    method: str = typer.Option("deeplift_shap", "--method", help=", ".join(_METHODS) + "."),
    target: str = typer.Option(..., "--target",
                               help="Output index, or comma-separated indices (logits summed)."),
    n: int = typer.Option(1000, "--n", min=1, help="Number of sequences, from --start."),
    start: int = typer.Option(0, "--start", min=0, help="First row of --data."),
    batch_size: Optional[int] = typer.Option(None, "--batch-size", min=1,
                                             help="Batch size (default: the method's)."),
    n_shuffles: int = typer.Option(20, "--n-shuffles", min=1,
                                   help="deeplift_shap references per sequence."),
    seed: int = typer.Option(0, "--seed", help="Seed of the dinucleotide shuffles."),
    lstm_rule: str = typer.Option("ig", "--lstm-rule",
                                  help="DeepLIFT rule for LSTMs: ig or linear."),
    device: str = typer.Option("cpu", "--device", callback=check_device, help="cpu, cuda or auto."),
    out: Optional[Path] = typer.Option(
        None, "--out", callback=out_file, help="Output .npz (default <run>/analyses/attribution/<method>.npz)."),
) -> None:
    """Compute attributions of a trained model and write them for TF-MoDISco.

    Writes OUT (arr_0 = hypothetical contributions or attributions) and OUT.ohe.npz
    (arr_0 = sequences): run `modisco motifs -s OUT.ohe.npz -a OUT -n 2000` on them.
    \f

    Parameters
    ----------
    run : pathlib.Path
        Run directory.
    data : pathlib.Path
        DeepSEA-format sequences.
    method : str
        Attribution method.
    target : str
        Index or comma-separated indices.
    n, start : int
        Rows ``start .. start+n`` of ``data``.
    batch_size : int or None
        Batch size.
    n_shuffles, seed : int
        DeepLIFT-SHAP references and their seed.
    lstm_rule : str
        ``ig`` or ``linear``.
    device : str
        Compute device.
    out : pathlib.Path or None
        Output file.
    """
    import numpy as np

    from motifscope.attribution import METHODS, AttributionResult
    from motifscope.commands.kernels import load_model
    from motifscope._validation import check_model_input
    from motifscope.data.deepsea import read_mat
    from motifscope.errors import ConfigError

    if method not in _METHODS:
        raise ConfigError(f"--method {method!r}: expected one of {', '.join(_METHODS)}")
    if n < 1 or start < 0:
        raise ConfigError(f"--n {n} / --start {start}: expected n >= 1 and start >= 0")
    if lstm_rule not in ("ig", "linear"):
        raise ConfigError(f"--lstm-rule {lstm_rule!r}: expected ig or linear")
    if batch_size is not None and batch_size < 1:
        raise ConfigError(f"--batch-size {batch_size}: expected a positive integer")
    tgt = _parse_target(target)
    model = load_model(run)
    X, _ = read_mat(data, start=start, stop=start + n)
    check_model_input(model, X, data)
    if X.shape[0] == 0:
        raise ConfigError(f"{data}: no rows from --start {start}")
    n_out = getattr(model, "n_targets", None)
    if n_out is not None:
        bad = [t for t in tgt if not 0 <= t < n_out]
        if bad:
            raise ConfigError(f"--target {bad[0]}: the model has targets 0..{n_out - 1}")
    kw = {"target": tgt if len(tgt) > 1 else tgt[0], "device": device, "progress": True}
    if batch_size is not None:
        kw["batch_size"] = batch_size
    hyp = deltas = None
    if method in ("deeplift", "deeplift_shap"):
        kw.update(lstm_rule=lstm_rule, hypothetical=True, return_delta=True)
        if method == "deeplift_shap":
            kw.update(n_shuffles=n_shuffles, random_state=seed)
        res = METHODS[method](model, X, **kw)
        hyp, deltas = res.attributions, res.deltas
        attr = hyp * X
    elif method == "integrated_gradients":
        res = METHODS[method](model, X, return_delta=True, **kw)
        attr, deltas = res.attributions, res.deltas
    else:
        attr = METHODS[method](model, X, **kw)
        if isinstance(attr, AttributionResult):  # pragma: no cover - defensive
            attr = attr.attributions
    if out is None:
        out = Path(run) / "analyses" / "attribution" / f"{method}.npz"
    rows = np.arange(start, start + X.shape[0])
    path, ohe = write_attributions(out, sequences=X, attributions=attr, method=method,
                                   target=tgt, hypothetical=hyp, deltas=deltas, rows=rows)
    msg = f"wrote {path} and {ohe}: {X.shape[0]} sequences, {method}, target {target}"
    if deltas is not None:
        msg += f", mean |summation-to-delta error| {float(deltas.abs().mean()):.2e}"
    typer.echo(msg)
