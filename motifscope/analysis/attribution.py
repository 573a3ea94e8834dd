"""Attribution: maps of positive sequences for each target of interest, several methods.

Sequences per target: its labelled positives, or where the labels are missing or have none for
it, the sequences the model scores highest for it
(:meth:`~motifscope.analysis.base.Context.labelled_or_top`); ``Result.data["selection"]`` and
the section say which.

Options (``ctx.options["attribution"]``): ``methods`` (default :data:`DEFAULT_METHODS`; a
name ending in ``+gc`` is that method with Majdandzic et al.'s gradient correction),
``n`` (positives per target: 24, 8 when quick), ``targets`` (how many of the targets of
interest: all, 2 when quick), ``ig_steps`` (32; 20 when quick), ``shuffles`` (DeepLIFT-SHAP
references: 20; 5 when quick).

Every method runs through :func:`attribution_maps`, the one definition (ISM included:
``centered=True``, so the observed base holds minus the mean effect of the substitutions).
Files: ``attributions.npz`` (per method and target ``<method>/<target>`` maps
``(n, 4, L)`` and ``rows/<target>``), ``example.png``. ``Result.data``: ``maps``
(``{(method, target): (rows, attr)}``, ``attr`` a float32 array ``(n, 4, L)``), ``X``
(the sequences), ``methods``, ``targets``, ``selection``.
"""

from __future__ import annotations

import warnings

import numpy as np

from motifscope.analysis.base import Context, Result, describe_selection, finish
from motifscope.core.errors import MotifscopeWarning
from motifscope.methods import attribution as A
from motifscope.plot.backend import pyplot
from motifscope.plot.logo import plot_logo
from motifscope.report.blocks import Files, Image, Text

NAME, TITLE, ORDER = "attribution", "Attribution", 20
DEFAULT_METHODS = ("saliency", "gradient_x_input", "integrated_gradients", "deeplift_shap", "ism",
                   "saliency+gc", "gradient_x_input+gc", "integrated_gradients+gc")
#: Suffix of a method name asking for the gradient correction (Majdandzic et al. 2023).
CORRECTED = "+gc"
__all__ = ["DEFAULT_METHODS", "applies", "attribution_maps", "method_maps", "run"]


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


def attribution_maps(model, X, *, method: str, target: int, random_state: int = 0, ig_steps: int = 32,
                     shuffles: int = 20) -> np.ndarray:
    """Attributions of ``target`` by ``method``, as used by every analysis and score.

    Parameters
    ----------
    model : torch.nn.Module
    X : torch.Tensor of shape (n, 4, L)
    method : str
        A key of :data:`motifscope.methods.attribution.METHODS`, optionally with the suffix
        ``+gc``: the same method with ``gradient_correction=True``.
    target : int
    random_state : int
        Seed of DeepLIFT-SHAP's shuffled references.
    ig_steps, shuffles : int
        Integrated-gradients steps; DeepLIFT-SHAP references.

    Returns
    -------
    numpy.ndarray of shape (n, 4, L)
        float32. ISM is centred (minus the mean effect at the observed base).
    """

    kw = {}
    if method.endswith(CORRECTED):
        method = method[: -len(CORRECTED)]
        kw["gradient_correction"] = True
    if method == "integrated_gradients":
        kw["n_steps"] = ig_steps
    elif method == "deeplift_shap":
        kw.update(n_shuffles=shuffles, random_state=random_state)
    elif method == "ism":
        kw["centered"] = True
    attr = A.attribute(model, X, method=method, target=target, **kw)
    attr = attr.attributions if hasattr(attr, "attributions") else attr
    return attr.detach().cpu().numpy().astype(np.float32) if hasattr(attr, "detach") \
        else np.asarray(attr, dtype=np.float32)


def method_maps(model, X, methods, *, target: int, random_state: int = 0, ig_steps: int = 32,
                shuffles: int = 20) -> dict:
    """:func:`attribution_maps` for several methods, sharing the passes they have in common.

    Saliency, gradient × input and their gradient-corrected forms are all functions of one
    input gradient ``g``: ``g``, ``g ⊙ x``, ``g − mean_c g`` and ``(g − mean_c g) ⊙ x``.
    Integrated gradients with the correction is ``(x − b) ⊙ (ḡ − mean_c ḡ)``, where ``ḡ`` is
    the path-averaged gradient, ``IG / (x − b)`` with the uniform baseline ``b = 0.25``
    (never zero for one-hot ``x``). So these six maps cost one gradient and one
    integration instead of six runs; the others run as in :func:`attribution_maps`.

    Parameters
    ----------
    model : torch.nn.Module
    X : torch.Tensor of shape (n, 4, L)
        One-hot sequences.
    methods : sequence of str
        As for :func:`attribution_maps`.
    target, random_state, ig_steps, shuffles
        As for :func:`attribution_maps`.

    Returns
    -------
    dict of str to numpy.ndarray of shape (n, 4, L)
        float32 maps, one per method, equal to :func:`attribution_maps`'s (tested).
    """
    import torch

    kw = {"target": target, "random_state": random_state, "ig_steps": ig_steps,
          "shuffles": shuffles}
    x = torch.as_tensor(np.asarray(X), dtype=torch.float32).numpy()
    out, grads = {}, {}
    for m in methods:
        base = m.removesuffix(CORRECTED)
        if base in ("saliency", "gradient_x_input"):
            key = "saliency"
        elif base == "integrated_gradients":
            key = base
        else:
            out[m] = attribution_maps(model, X, method=m, **kw)
            continue
        if key not in grads:
            g = attribution_maps(model, X, method=key, **kw)
            grads[key] = g if key == "saliency" else g / (x - 0.25)
        g = grads[key]
        if m.endswith(CORRECTED):
            g = g - g.mean(1, keepdims=True)
        scale = {"saliency": 1.0, "gradient_x_input": x, "integrated_gradients": x - 0.25}[base]
        out[m] = (g * scale).astype(np.float32)
    return out


def _example_figure(attr, x, title):
    plt = pyplot()

    contrib = attr * x
    fig, axes = plt.subplots(2, 1, figsize=(13, 4))
    axes[0].bar(np.arange(contrib.shape[1]), contrib.sum(0), width=1.0, color="#4c72b0")
    axes[0].set_xlim(-0.5, contrib.shape[1] - 0.5)
    axes[0].set_title(title)
    centre = int(np.argmax(np.abs(contrib.sum(0))))
    lo = max(0, min(centre - 15, contrib.shape[1] - 30))
    plot_logo(contrib[:, lo:lo + 30], ax=axes[1], kind="raw")
    ticks = list(range(0, min(30, contrib.shape[1]), 5))
    axes[1].set_xticks(ticks, [str(lo + t) for t in ticks])
    axes[1].set_title(f"contributions, positions {lo}–{lo + 29}")
    fig.tight_layout()
    return fig


def run(ctx: Context) -> Result:
    """Attribution maps of up to ``n`` positives per target of interest.

    Parameters
    ----------
    ctx : Context
        Needs ``X``; ``y`` selects the positives.

    Returns
    -------
    Result
    """

    methods = tuple(ctx.option(NAME, "methods", DEFAULT_METHODS))
    n = int(ctx.option(NAME, "n", 8 if ctx.quick else 24))
    targets = ctx.chosen_targets()[: int(ctx.option(NAME, "targets", 2 if ctx.quick else 10**9))]
    kw = {"random_state": ctx.seed, "ig_steps": int(ctx.option(NAME, "ig_steps", 20 if ctx.quick else 32)),
          "shuffles": int(ctx.option(NAME, "shuffles", 5 if ctx.quick else 20))}
    maps, arrays = {}, {}
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", MotifscopeWarning)
        chosen = {t: ctx.labelled_or_top(n, [t]) for t in targets}
        rows_of = {t: r for t, (r, _) in chosen.items() if len(r)}
        ism = _ism_once(ctx, rows_of) if "ism" in methods else None
        for t, rows in rows_of.items():
            arrays[f"rows/{t}"] = rows
            got = method_maps(ctx.model, ctx.X[rows], [m for m in methods if m != "ism"],
                              target=t, **kw)
            if ism is not None:
                got["ism"] = ism[1][np.searchsorted(ism[0], rows), t]
            for m in methods:
                maps[(m, t)] = (rows, got[m])
                arrays[f"{m}/{t}"] = got[m]
    _fold_warnings(caught, len(targets))
    out = ctx.output(NAME)
    out.npz("attributions.npz", **arrays)
    selection = describe_selection({t: how for t, (_, how) in chosen.items()})
    blocks = [Text(f"Attributions of up to {n} sequences for targets "
                   f"{', '.join(map(str, targets))} by {', '.join(methods)} (ISM: minus the mean "
                   f"effect of the substitutions at the observed base). {selection}")]
    shown = next(((m, t) for m in ("deeplift_shap",) + methods for t in targets if (m, t) in maps), None)
    if shown is not None:
        rows, attr = maps[shown]
        x = np.asarray(ctx.X[rows[:1]])[0]
        out.figure(_example_figure(attr[0], x, f"{shown[0]}, target {ctx.name_of(shown[1])}, "
                                               f"sequence {int(rows[0])}"), "example.png")
        blocks.append(Image("example.png", caption="contribution (attribution × one-hot) per position"))
    blocks.append(Files(["attributions.npz"]))
    data = {"maps": maps, "X": ctx.X, "methods": methods, "targets": targets,
            "selection": selection}
    return finish(NAME, out, data, title=TITLE, order=ORDER,
                  summary=f"{len(methods)} methods × {len(targets)} targets", blocks=blocks)


def _ism_once(ctx: Context, rows_of: dict):
    """Centred ISM of every output on the union of the targets' rows: the mutants are the
    same for every target, so a sequence positive for several targets is mutated once.

    Returns ``(rows, maps)``: the sorted union and float32 maps ``(len(rows), T, 4, L)``."""

    rows = np.unique(np.concatenate(list(rows_of.values()))) if rows_of else np.zeros(0, int)
    if not len(rows):
        return rows, None
    return rows, A.ism(ctx.model, ctx.X[rows], target="all", centered=True).numpy()


def _fold_warnings(caught, n_targets: int) -> None:
    """Re-issue recorded warnings, folding the per-target DeepLIFT delta warnings into one."""

    deltas = [w for w in caught if issubclass(w.category, MotifscopeWarning)]
    for w in caught:
        if not issubclass(w.category, MotifscopeWarning):
            warnings.warn_explicit(w.message, w.category, w.filename, w.lineno)
    if deltas:
        warnings.warn(f"attribution warned on {len(deltas)} runs over {n_targets} targets; the "
                      f"first: {deltas[0].message}", MotifscopeWarning, stacklevel=3)
