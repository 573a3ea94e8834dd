"""Attribute: attributions of the targets of interest (their logits summed) for TF-MoDISco,
what ``motifscope attribute`` runs.

Options (``ctx.options["attribute"]``): ``method`` (``"deeplift_shap"``), ``batch_size``
(the method's), ``n_shuffles`` (20), ``lstm_rule`` (``"ig"``), ``file`` (``<method>.npz``),
``rows`` (the rows of the data file, stored); for genome windows ``coords`` (their
coordinates table), ``genome`` (the reference) and ``tracks`` (a folder: bigWig tracks of the
contributions, :func:`motifscope.io.tracks.attribution_tracks`, merged by ``merge`` —
``"mean"`` — with ``centre`` bases).

Files: ``<method>.npz`` and ``<method>.ohe.npz`` (:mod:`motifscope.methods.attribution.export`:
``arr_0`` is what ``modisco motifs -a`` and ``-s`` read). ``Result.data``: ``path``, ``ohe``,
``delta`` (mean absolute summation-to-delta error, or None), ``attributions``
``(N, 4, L)``.
"""

from __future__ import annotations

from motifscope.analysis.base import Context, Result, finish
from motifscope.io.tracks import attribution_tracks
from motifscope.methods.attribution.export import modisco_attributions, write_attributions
from motifscope.report.blocks import Files, Metrics, Text

NAME, TITLE, ORDER = "attribute", "Attributions for TF-MoDISco", 25
__all__ = ["applies", "run"]


def applies(model) -> bool:
    """Every differentiable model.

    Parameters
    ----------
    model : torch.nn.Module

    Returns
    -------
    bool
    """
    return True


def run(ctx: Context) -> Result:
    """Attributions of ``ctx.targets`` (summed) for every sequence of ``ctx.X``.

    Parameters
    ----------
    ctx : Context
        Needs ``X``.

    Returns
    -------
    Result
    """

    method = ctx.option(NAME, "method", "deeplift_shap")
    target = ctx.chosen_targets()
    attr, hyp, deltas = modisco_attributions(
        ctx.model, ctx.X, method=method, target=target,
        batch_size=ctx.option(NAME, "batch_size"), n_shuffles=int(ctx.option(NAME, "n_shuffles", 20)),
        random_state=ctx.seed, lstm_rule=ctx.option(NAME, "lstm_rule", "ig"), device=ctx.device or "cpu")
    out = ctx.output(NAME)
    path, ohe = write_attributions(out.directory / ctx.option(NAME, "file", f"{method}.npz"),
                                   sequences=ctx.X, attributions=attr, method=method,
                                   target=target, hypothetical=hyp, deltas=deltas,
                                   rows=ctx.option(NAME, "rows"))
    out.files += [path, ohe]
    coords, tracks = ctx.option(NAME, "coords"), ctx.option(NAME, "tracks")
    if coords is not None:
        out.table(coords, "windows.tsv", sep="\t", index=False)
    if tracks is not None:
        out.files += attribution_tracks(tracks, coords, ctx.X, attr, ctx.option(NAME, "genome"),
                                        hypothetical=hyp, rule=ctx.option(NAME, "merge", "mean"),
                                        centre=ctx.option(NAME, "centre"))
    delta = None if deltas is None else float(deltas.abs().mean())
    n = int(ctx.X.shape[0])
    blocks = [Text(f"{method} attributions of target(s) {target} for {n} sequences. Run "
                   f"`modisco motifs -s {ohe.name} -a {path.name} -n 2000` on them."),
              Metrics({"sequences": n, **({} if delta is None else {"mean |delta|": delta})}),
              Files([path.name, ohe.name])]
    data = {"path": path, "ohe": ohe, "delta": delta, "attributions": attr}
    return finish(NAME, out, data, title=TITLE, order=ORDER,
                  summary=f"{method}, target {','.join(map(str, target))}, {n} sequences",
                  blocks=blocks)
