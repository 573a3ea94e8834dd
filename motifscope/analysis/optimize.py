"""Class optimisation: for each target of interest, the input that maximises it, as a PPM,
a logo and a MEME motif.

Options (``ctx.options["optimize"]``): ``steps`` (150; 60 when quick), ``restarts``
(8; 2 when quick), ``lr`` (0.1), ``l2`` (DeMo's 0.009), ``parametrization``
(``"sequence"``: straight-through one-hot inputs, the default; ``"softmax"``; DeMo's ``"raw"``), ``targets`` (how many targets of interest: all),
``stem`` (file names), ``length`` (the input length: the model's ``seq_len``, else that of
the context's sequences; a plain module has no ``seq_len``).

Files (stem ``optimized``, or the option ``stem``): ``<stem>.meme``, ``<stem>.tsv`` (target,
logit), ``<stem>.npz`` (``targets``, ``ppm`` and ``matrix`` ``(n, 4, L)``), ``<stem>.png``
(the logos).
``Result.data``: ``results`` (list of :class:`motifscope.methods.optimize.OptimizeResult`, one
per target, PPMs ``(4, L)``), ``targets``.
"""

from __future__ import annotations

import numpy as np

from motifscope.analysis.base import Context, Result, finish
from motifscope.methods.optimize import optimize_targets
from motifscope.plot.backend import pyplot
from motifscope.plot.logo import plot_logo
from motifscope.report.blocks import Files, Image, Table, Text

NAME, TITLE, ORDER = "optimize", "Class optimisation", 45
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


def _figure(results, labels):
    plt = pyplot()

    fig, axes = plt.subplots(len(results), 1, figsize=(14, 1.1 * len(results) + 0.4), squeeze=False)
    for ax, label, r in zip(axes[:, 0], labels, results):
        plot_logo(r.ppm, ax=ax)
        ax.set_ylabel(label, rotation=0, ha="right", fontsize=8)
        ax.set_xticks([])
    fig.tight_layout()
    return fig


def run(ctx: Context) -> Result:
    """Optimise the input for each target of interest.

    Parameters
    ----------
    ctx : Context
        Sequences are not needed.

    Returns
    -------
    Result
    """
    import pandas as pd

    targets = ctx.chosen_targets()[: int(ctx.option(NAME, "targets", 10**9))]
    kw = {k: ctx.option(NAME, k) for k in ("l2",) if ctx.option(NAME, k) is not None}
    # a real sequence at the optimum: on the demo's DeepATT the softmax optimum's most likely
    # sequence held the task's motif for 4/12 tasks, the straight-through one's for 11/12
    # (4 restarts x 300 steps) and 12/12 (8 x 150, the same cost; DanQ 10 -> 11/12)
    kw["parametrization"] = str(ctx.option(NAME, "parametrization", "sequence"))
    steps = int(ctx.option(NAME, "steps", 60 if ctx.quick else 150))
    restarts = int(ctx.option(NAME, "restarts", 2 if ctx.quick else 8))
    length = ctx.option(NAME, "length")
    if length is None and getattr(ctx.model, "seq_len", None) is None and ctx.X is not None:
        length = int(ctx.X.shape[-1])  # a plain module: the length of the sequences given
    if length is not None:
        kw["length"] = int(length)
    results = optimize_targets(ctx.model, targets, steps=steps, restarts=restarts,
                               lr=float(ctx.option(NAME, "lr", 0.1)), random_state=ctx.seed, **kw)
    out = ctx.output(NAME)
    stem = str(ctx.option(NAME, "stem", "optimized"))
    out.meme([r.motif for r in results], f"{stem}.meme")
    out.npz(f"{stem}.npz", targets=np.asarray(targets), ppm=np.stack([r.ppm for r in results]),
            matrix=np.stack([np.asarray(r.matrix) for r in results]))
    table = pd.DataFrame({"target": targets, "name": [ctx.name_of(t) for t in targets],
                          "logit": [float(r.score) for r in results]})
    out.table(table, f"{stem}.tsv")
    out.figure(_figure(results, [ctx.name_of(t) for t in targets]), f"{stem}.png", dpi=90)
    blocks = [Text(f"Input optimised for each target ({kw.get('parametrization', 'softmax')} "
                   f"parametrisation, {steps} steps, best of {restarts} restarts)."),
              Image(f"{stem}.png"), Table(f"{stem}.tsv"), Files([f"{stem}.meme", f"{stem}.npz"])]
    best = int(np.argmax(table["logit"])) if len(table) else None
    summary = f"{len(targets)} targets" + ("" if best is None else
                                            f"; best logit {table['logit'][best]:.2f}")
    return finish(NAME, out, {"results": results, "targets": targets}, title=TITLE, order=ORDER,
                  summary=summary, blocks=blocks)
