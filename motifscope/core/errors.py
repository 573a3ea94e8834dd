"""Exceptions and warnings raised by motifscope.

Every mistake a user can make (a wrong file, a wrong shape, a bad option) raises a
:class:`MotifscopeError` subclass whose message names the file or argument, what was
found and what was expected. The command line prints that one line and exits with
status 2. Programming errors inside motifscope are left as ordinary exceptions.
"""

from __future__ import annotations

__all__ = [
    "ConfigError",
    "DataFormatError",
    "InputError",
    "MotifFormatError",
    "MotifscopeDeprecationWarning",
    "MotifscopeError",
    "MotifscopeWarning",
    "RunDirError",
]


class MotifscopeError(ValueError):
    """Base class of every user-facing motifscope error."""


class InputError(MotifscopeError):
    """An argument has the wrong shape, dtype, value or type."""


class DataFormatError(MotifscopeError):
    """A data file (MAT, HDF5, FASTA, packed) is missing a key or has the wrong layout."""


class MotifFormatError(MotifscopeError):
    """A motif file (MEME, JASPAR) cannot be parsed; the message names motif and line."""


class ConfigError(MotifscopeError):
    """A model card, training configuration or command-line option is invalid."""


class RunDirError(MotifscopeError):
    """A run directory is missing files or cannot be loaded."""


class MotifscopeWarning(UserWarning):
    """Warnings emitted by motifscope (e.g. a large DeepLIFT convergence delta)."""


class MotifscopeDeprecationWarning(FutureWarning):
    """An import path or name that moved and goes in the next release.

    A ``FutureWarning`` rather than a ``DeprecationWarning``: Python hides the latter
    outside ``__main__``, so a notebook user would never see it.
    """
