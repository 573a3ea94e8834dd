"""API conventions of the analysis modules (CONTRIBUTING.md, after scanpy's structure test).

For every public function in ``__all__`` of the analysis modules:

- the numpydoc ``Parameters`` section names exactly the signature's parameters, in any
  order (``a, b : int`` documents both ``a`` and ``b``; ``*args``/``**kwargs`` may be
  documented as ``**kwargs`` or ``kwargs``);
- attribution methods start with ``(model, X)`` and take ``target`` keyword-only.

The docstring parser is deliberately small (no numpydoc dependency): a section starts with
a title line followed by a line of dashes, and a parameter entry is a line at the section's
indentation.  Known violations are listed in ``KNOWN_DRIFT`` and run as
``xfail(strict=False)``: fix the docstring, then delete its entry.
"""

from __future__ import annotations

import importlib
import inspect
import re

import pytest

ANALYSIS_MODULES = [
    "motifscope.methods.attribution",
    "motifscope.methods.temporal",
    "motifscope.methods.optimize",
    "motifscope.methods.similarity",
    "motifscope.methods.kernels",
    "motifscope.plot.logo",
    "motifscope.methods.predict",
    "motifscope.data.strands",
    "motifscope.core.devices",
    "motifscope.core.atomic",
    "motifscope.methods.attribution.export",
    "motifscope.analysis",
    "motifscope.analysis.evaluate",
    "motifscope.analysis.kernels",
    "motifscope.analysis.attribution",
    "motifscope.analysis.attribute",
    "motifscope.analysis.temporal",
    "motifscope.analysis.optimize",
    "motifscope.analysis.similarity",
    "motifscope.analysis.neuronmotif",
    "motifscope.truth.scores",
    "motifscope.analysis.seqlets",
    "motifscope.methods.seqlets",
    "motifscope.methods.fimo",
    "motifscope.analysis.variants",
    "motifscope.core.batch",
    "motifscope.io.genome",
    "motifscope.io.regions",
    "motifscope.io.tracks",
    "motifscope.io.vcf",
    "motifscope.methods.variants.windows",
    "motifscope.methods.variants.score",
    "motifscope.methods.variants.run",
    "motifscope.methods.variants.explain",
    "motifscope.methods.outputs",
    "motifscope.truth.attribution",
    "motifscope.truth.temporal",
    "motifscope.truth.optimize",
    "motifscope.io.pack",
    "motifscope.core.trust",
    "motifscope.compat",
]

# The six methods of the one calling convention, `method(model, X, *, target, ...)`
# (motifscope.methods.attribution).
ATTRIBUTION_METHODS = [
    "saliency",
    "gradient_x_input",
    "integrated_gradients",
    "deeplift",
    "deeplift_shap",
    "ism",
]

# "module.function" -> reason.  Each entry is a docstring that does not match its signature.
KNOWN_DRIFT: dict[str, str] = {}


def _public_functions():
    out = []
    for modname in ANALYSIS_MODULES:
        mod = importlib.import_module(modname)
        for name in getattr(mod, "__all__", []):
            obj = getattr(mod, name)
            if inspect.isfunction(obj):
                out.append((modname, name, obj))
    return out


def _sections(doc: str) -> dict[str, list[str]]:
    """Split a cleaned numpydoc docstring into ``{title: lines}``."""
    lines = inspect.cleandoc(doc).splitlines()
    sections: dict[str, list[str]] = {}
    current = None
    i = 0
    while i < len(lines):
        line = lines[i]
        nxt = lines[i + 1] if i + 1 < len(lines) else ""
        if line.strip() and re.fullmatch(r"\s*-{3,}\s*", nxt) and len(nxt.strip()) >= len(
            line.strip()
        ) - 1:
            current = line.strip()
            sections[current] = []
            i += 2
            continue
        if current is not None:
            sections[current].append(line)
        i += 1
    return sections


def documented_parameters(doc: str | None) -> list[str]:
    """Names in the ``Parameters`` (and ``Other Parameters``) sections of ``doc``."""
    if not doc:
        return []
    secs = _sections(doc)
    names: list[str] = []
    for title in ("Parameters", "Other Parameters"):
        body = secs.get(title, [])
        indents = [len(ln) - len(ln.lstrip()) for ln in body if ln.strip()]
        if not indents:
            continue
        base = min(indents)
        for ln in body:
            if not ln.strip() or len(ln) - len(ln.lstrip()) != base:
                continue
            head = ln.strip().split(" : ", 1)[0].rstrip(":").strip()
            for part in head.split(","):
                part = part.strip().lstrip("*")
                if part:
                    names.append(part)
    return names


def signature_parameters(func) -> list[str]:
    return [p.name for p in inspect.signature(func).parameters.values()]


def _drift_params():
    params = []
    for modname, name, func in _public_functions():
        key = f"{modname}.{name}"
        marks = []
        if key in KNOWN_DRIFT:
            marks.append(pytest.mark.xfail(reason=f"{key}: {KNOWN_DRIFT[key]}", strict=False))
        params.append(pytest.param(func, id=key, marks=marks))
    return params


def test_parser_understands_numpydoc():
    doc = """Summary.

    Parameters
    ----------
    model : torch.nn.Module
        Description
        over two lines : with a colon.
    n, start : int
        Two at once.
    flag
        No type.
    **kwargs
        Passed on.

    Returns
    -------
    x : int
        Not a parameter.
    """
    assert documented_parameters(doc) == ["model", "n", "start", "flag", "kwargs"]


def test_there_are_functions_to_check():
    mods = {m for m, _, _ in _public_functions()}
    assert mods == set(ANALYSIS_MODULES)


@pytest.mark.parametrize("func", _drift_params())
def test_docstring_parameters_match_signature(func):
    doc = inspect.getdoc(func)
    assert doc, f"{func.__module__}.{func.__qualname__} has no docstring"
    documented = documented_parameters(doc)
    actual = signature_parameters(func)
    dupes = sorted({n for n in documented if documented.count(n) > 1})
    missing = [n for n in actual if n not in documented]
    extra = [n for n in documented if n not in actual]
    assert not (missing or extra or dupes), (
        f"{func.__module__}.{func.__qualname__}: undocumented {missing}, "
        f"documented but not in the signature {extra}, documented twice {dupes}"
    )


@pytest.mark.parametrize("name", ATTRIBUTION_METHODS)
def test_attribution_calling_convention(name):
    attribution = importlib.import_module("motifscope.methods.attribution")
    assert name in attribution.__all__
    params = list(inspect.signature(getattr(attribution, name)).parameters.values())
    assert [p.name for p in params[:2]] == ["model", "X"], f"{name}: first parameters"
    for p in params[:2]:
        assert p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD), f"{name}: {p.name}"
    kinds = {p.name: p.kind for p in params}
    assert kinds.get("target") is inspect.Parameter.KEYWORD_ONLY, (
        f"{name}: target must be keyword-only"
    )
    # Everything after (model, X) is keyword-only (scanpy: at most a few positionals).
    later = [p.name for p in params[2:] if p.kind is not p.KEYWORD_ONLY and p.kind is not p.VAR_KEYWORD]
    assert not later, f"{name}: {later} should be keyword-only"


#: Run-level entry points configured by one seed (the CLI's --seed, a model card's seed);
#: everything else takes ``random_state`` (an int or a numpy Generator), as scikit-learn.
RUN_LEVEL_SEED = {"motifscope.analysis.context_for"}


@pytest.mark.parametrize("modname,name,fn", _public_functions(),
                         ids=lambda v: v if isinstance(v, str) else "")
def test_one_name_per_concept(modname, name, fn):
    """Progress bars are ``progress`` (never ``verbose``); randomness is ``random_state``."""
    params = inspect.signature(fn).parameters
    assert "verbose" not in params, f"{modname}.{name}: call it progress"
    if f"{modname}.{name}" not in RUN_LEVEL_SEED:
        assert "seed" not in params, f"{modname}.{name}: call it random_state"
