"""Import paths of the layout before 0.2, kept working for one release.

Version 0.2 moved every module into a folder that names its layer (``docs/architecture.md``).
Code written against the old layout — ``from motifscope.kernels import kernels_to_motifs``,
``import motifscope.data.deepsea`` — still runs: importing an old path gives a module that
forwards every attribute to the new one and warns once, with a
:class:`~motifscope.core.errors.MotifscopeDeprecationWarning` (a ``FutureWarning``, so
notebooks show it) naming the new path. The old paths go in the next release.

:data:`MOVED` maps each old module to its new home; :data:`MOVED_NAMES` lists the few
functions that left their module for another one (the truth scorers went to
:mod:`motifscope.truth`), so ``from motifscope.temporal import score_rises_against_truth``
keeps working too. :mod:`motifscope` installs the finder when it is imported; the packages
whose own names moved (:mod:`motifscope.data`, :mod:`motifscope.zoo`) forward those through
:func:`moved_attribute`.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import types
import warnings

from motifscope.core.errors import MotifscopeDeprecationWarning

__all__ = ["MOVED", "MOVED_NAMES", "install", "moved_attribute", "warn_moved"]

#: Old module path -> new module path.
MOVED: dict[str, str] = {
    "motifscope._similarity_plots": "motifscope.plot.similarity",
    "motifscope._validation": "motifscope.core.validation",
    "motifscope.analysis._base": "motifscope.analysis.base",
    "motifscope.analysis.scorecard": "motifscope.demo.scorecard",
    "motifscope.analysis.showcase": "motifscope.demo.showcase",
    "motifscope.analysis.truth": "motifscope.truth.scores",
    "motifscope.atomic": "motifscope.core.atomic",
    "motifscope.attribution": "motifscope.methods.attribution",
    "motifscope.attribution._common": "motifscope.methods.attribution.base",
    "motifscope.attribution._rules": "motifscope.methods.attribution.rules",
    "motifscope.attribution.deeplift": "motifscope.methods.attribution.deeplift",
    "motifscope.attribution.export": "motifscope.methods.attribution.export",
    "motifscope.attribution.gradient": "motifscope.methods.attribution.gradient",
    "motifscope.attribution.ism": "motifscope.methods.attribution.ism",
    "motifscope.attribution.layer": "motifscope.methods.attribution.layer",
    "motifscope.attribution.truth": "motifscope.truth.attribution",
    "motifscope.batch": "motifscope.core.batch",
    "motifscope.commands": "motifscope.cli.app",
    "motifscope.commands.demo_analyses": "motifscope.cli.temporal",
    "motifscope.data._make_targets": "motifscope.data.make_targets",
    "motifscope.data._sampling": "motifscope.data.sampling",
    "motifscope.data._sim_motifs": "motifscope.data.sim_motifs",
    "motifscope.data.basset": "motifscope.io.basset",
    "motifscope.data.deepsea": "motifscope.io.deepsea",
    "motifscope.data.fasta": "motifscope.io.fasta",
    "motifscope.data.genome": "motifscope.io.genome",
    "motifscope.data.packed": "motifscope.io.packed",
    "motifscope.data.regions": "motifscope.io.regions",
    "motifscope.devices": "motifscope.core.devices",
    "motifscope.errors": "motifscope.core.errors",
    "motifscope.evaluate": "motifscope.methods.evaluate",
    "motifscope.fimo": "motifscope.methods.fimo",
    "motifscope.influence": "motifscope.methods.influence",
    "motifscope.jaspar": "motifscope.io.jaspar",
    "motifscope.kernels": "motifscope.methods.kernels",
    "motifscope.logo": "motifscope.plot.logo",
    "motifscope.losses": "motifscope.train.losses",
    "motifscope.meme": "motifscope.io.meme",
    "motifscope.motifs": "motifscope.core.motifs",
    "motifscope.neuronmotif": "motifscope.methods.neuronmotif",
    "motifscope.neuronmotif._core": "motifscope.methods.neuronmotif.neuron",
    "motifscope.neuronmotif._demix": "motifscope.methods.neuronmotif.demixing",
    "motifscope.neuronmotif._layer": "motifscope.methods.neuronmotif.layer",
    "motifscope.neuronmotif._sample": "motifscope.methods.neuronmotif.sampling",
    "motifscope.neuronmotif._stack": "motifscope.methods.neuronmotif.stack",
    "motifscope.neuronmotif._syntax": "motifscope.methods.neuronmotif.syntax",
    "motifscope.neuronmotif._write": "motifscope.methods.neuronmotif.files",
    "motifscope.optimize": "motifscope.methods.optimize",
    "motifscope.pipeline": "motifscope.demo.workers",
    "motifscope.predict": "motifscope.methods.predict",
    "motifscope.rundir": "motifscope.runs.directory",
    "motifscope.seqlets": "motifscope.methods.seqlets",
    "motifscope.seqlets.annotate": "motifscope.methods.seqlets.annotate",
    "motifscope.seqlets.calling": "motifscope.methods.seqlets.calling",
    "motifscope.seqlets.modisco": "motifscope.methods.seqlets.modisco",
    "motifscope.seqlets.pipeline": "motifscope.methods.seqlets.pipeline",
    "motifscope.sequence": "motifscope.core.sequence",
    "motifscope.similarity": "motifscope.methods.similarity",
    "motifscope.strands": "motifscope.data.strands",
    "motifscope.temporal": "motifscope.methods.temporal",
    "motifscope.tomtom": "motifscope.methods.tomtom",
    "motifscope.tomtom._inputs": "motifscope.methods.tomtom.inputs",
    "motifscope.tomtom._null": "motifscope.methods.tomtom.null",
    "motifscope.tomtom._scan": "motifscope.methods.tomtom.scan",
    "motifscope.tracks": "motifscope.io.tracks",
    "motifscope.variants": "motifscope.methods.variants",
    "motifscope.variants.explain": "motifscope.methods.variants.explain",
    "motifscope.variants.run": "motifscope.methods.variants.run",
    "motifscope.variants.score": "motifscope.methods.variants.score",
    "motifscope.variants.vcf": "motifscope.io.vcf",
    "motifscope.variants.windows": "motifscope.methods.variants.windows",
    "motifscope.zoo.convert": "motifscope.runs.convert",
    "motifscope.zoo.convert._common": "motifscope.runs.convert.common",
    "motifscope.zoo.convert._keras": "motifscope.runs.convert.keras",
    "motifscope.zoo.convert._torch7": "motifscope.runs.convert.torch7",
}

#: Old module path -> {name: the module that holds it now}, for names that left the module
#: their old path now points to.
MOVED_NAMES: dict[str, dict[str, str]] = {
    "motifscope.attribution": {"score_against_truth": "motifscope.truth.attribution",
                               "truth_masks": "motifscope.truth.attribution",
                               "signal_mask": "motifscope.truth.attribution"},
    "motifscope.temporal": {"score_rises_against_truth": "motifscope.truth.temporal"},
    "motifscope.optimize": {"contains_motif": "motifscope.truth.optimize",
                            "motif_match_score": "motifscope.truth.optimize"},
    "motifscope.analysis.evaluate": {"select_rows": "motifscope.analysis.base"},
    "motifscope.data.packed": {"pack": "motifscope.io.pack"},
    "motifscope.rundir": {"trusting_code": "motifscope.core.trust"},
}

_PACKAGES = {old for old in MOVED if any(o.startswith(old + ".") for o in MOVED)}


class _Forward(types.ModuleType):
    """An old module path: every attribute comes from the module's new home."""

    def __getattr__(self, name: str):
        if name.startswith("__"):
            raise AttributeError(name)
        where = MOVED_NAMES.get(self.__name__, {}).get(name, MOVED[self.__name__])
        return getattr(importlib.import_module(where), name)

    def __dir__(self) -> list[str]:
        new = importlib.import_module(MOVED[self.__name__])
        return sorted(set(dir(new)) | set(MOVED_NAMES.get(self.__name__, {})))


class _Loader(importlib.abc.Loader):
    def create_module(self, spec):
        # importlib's own frames are skipped: 3 is the importing line.
        warn_moved(spec.name, MOVED[spec.name], stacklevel=3)
        return _Forward(spec.name)

    def exec_module(self, module) -> None:
        module.__doc__ = f"Moved to :mod:`{MOVED[module.__name__]}`."


class _Finder(importlib.abc.MetaPathFinder):
    def find_spec(self, fullname, path=None, target=None):
        if fullname not in MOVED:
            return None
        return importlib.machinery.ModuleSpec(fullname, _Loader(),
                                              is_package=fullname in _PACKAGES)


def warn_moved(old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``old`` (a module or ``module.name``) is now ``new``.

    Parameters
    ----------
    old, new : str
        The old and the new dotted path.
    stacklevel : int
        Passed to :func:`warnings.warn`: the frame the warning names.
    """
    warnings.warn(f"{old} has moved to {new}; import it from there (the old path goes in "
                  "the next release)", MotifscopeDeprecationWarning, stacklevel=stacklevel)


def moved_attribute(package: str, name: str, new_module: str):
    """``package.name`` for a package's ``__getattr__``: warn, then fetch it from its new home.

    Parameters
    ----------
    package : str
        The package whose attribute was asked for (``"motifscope"``, ``"motifscope.data"``).
    name : str
        The attribute.
    new_module : str
        Where it lives now: a module holding ``name``, or, when ``name`` was a submodule,
        the old submodule path itself (``MOVED`` then says where it went).

    Returns
    -------
    object
    """
    if new_module in MOVED:  # a moved submodule, asked for as an attribute
        warn_moved(new_module, MOVED[new_module], stacklevel=4)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", MotifscopeDeprecationWarning)
            return importlib.import_module(new_module)
    warn_moved(f"{package}.{name}", f"{new_module}.{name}", stacklevel=4)
    return getattr(importlib.import_module(new_module), name)


def install() -> None:
    """Put the finder of old paths first on ``sys.meta_path`` (once)."""
    if not any(isinstance(f, _Finder) for f in sys.meta_path):
        sys.meta_path.insert(0, _Finder())
