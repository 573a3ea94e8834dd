"""Whether code named by a run directory may run: the one switch behind ``--trust-code``.

A run directory's ``config.toml`` may name a ``[model] factory`` (a Python module and
function). Loading such a run runs that code, so it is refused unless the caller says
otherwise: ``load_run(..., trust_code=True)``, or the command line's ``--trust-code``,
which enters :func:`trusting_code` around the verb. It lives here, with nothing heavy
imported, because the command line enters it before any verb has loaded the library.
"""

from __future__ import annotations

from contextlib import contextmanager
from contextvars import ContextVar

__all__ = ["code_trusted", "trusting_code"]

_TRUST_CODE: ContextVar[bool] = ContextVar("motifscope_trust_code", default=False)


@contextmanager
def trusting_code(trust: bool = True):
    """Within this block, :func:`load_run` with ``trust_code=None`` trusts factories.

    The command line's ``--trust-code`` enters this block around the verb it runs.

    Parameters
    ----------
    trust : bool
        The default of ``trust_code`` inside the block.
    """
    token = _TRUST_CODE.set(bool(trust))
    try:
        yield
    finally:
        _TRUST_CODE.reset(token)


def code_trusted() -> bool:
    """Whether the current context trusts factories (inside :func:`trusting_code`).

    Returns
    -------
    bool
    """
    return _TRUST_CODE.get()
