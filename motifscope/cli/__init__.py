"""The ``motifscope`` command line: argument parsing, one library call, files out.

:func:`main` is the entry point; :mod:`motifscope.cli.app` holds the typer application and
the options verbs share; every other module of this package holds one verb (or the verbs
of one analysis) and registers it with ``@app.command()``. A verb builds a context and calls
one analysis or library function; it holds no library code and imports no other verb.
May import: every package.

User mistakes (:class:`motifscope.core.errors.MotifscopeError`) print one line,
``motifscope: error: <message>``, on standard error and exit with status 2, as do
usage errors such as an unknown option or an option out of its range, a file that cannot
be written or read for want of permission (whichever verb meets it: one handler here), a
full or read-only disk, and a verb or group called without arguments (its help goes to
standard output). Anything else is a
bug: it prints one line, ``motifscope: internal error — please report: ...``, and exits
with status 1; ``--debug`` shows its traceback instead.

Two options apply to every verb and may stand before or after it:

``--trust-code``
    Let a run directory's ``config.toml`` name a ``[model] factory`` (a Python module and
    function). This **runs code from the run directory**; without it such a run is refused.
``--debug``
    Show the traceback of an internal error.
"""

from __future__ import annotations

import errno
import importlib
import pkgutil
import sys

import typer

from motifscope.cli.app import app, help_summary
from motifscope.core.errors import MotifscopeError
from motifscope.core.trust import trusting_code

try:  # typer >= 0.20 vendors its own copy of click
    from typer._click import exceptions as cx
except ImportError:  # pragma: no cover - older typer uses click itself
    from click import exceptions as cx

__all__ = ["load_all", "main"]

_loaded = False

GLOBAL_FLAGS = ("--trust-code", "--debug")
#: Errors of the machine rather than of motifscope: one line and status 2.
_USER_ERRNOS = {errno.EROFS, errno.ENOSPC, errno.EDQUOT, errno.ENOTDIR, errno.EISDIR,
                errno.ENAMETOOLONG, errno.EMFILE}


def _split_global_flags(args: list[str]) -> tuple[list[str], set[str]]:
    """Take ``--trust-code`` and ``--debug`` out of ``args`` wherever they stand (before a
    ``--`` separator), so that they work before or after the verb."""
    out, flags = [], set()
    for i, a in enumerate(args):
        if a == "--":
            out += args[i:]
            break
        if a in GLOBAL_FLAGS:
            flags.add(a)
        else:
            out.append(a)
    return out, flags


def _one_line(text: str) -> str:
    return " ".join(str(text).split())


def load_all() -> None:
    """Import every command module once so that its verbs register on :data:`app`."""
    global _loaded
    if _loaded:
        return
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        if info.name != "app" and not info.name.startswith("_"):
            importlib.import_module(f"{__name__}.{info.name}")
    for group in [app, *(g.typer_instance for g in app.registered_groups)]:
        for cmd in group.registered_commands:
            if cmd.help is None and cmd.callback is not None:
                cmd.help = help_summary(cmd.callback.__doc__)
    _loaded = True



def main(argv: list[str] | None = None) -> int:
    """Run the command line.

    Parameters
    ----------
    argv : list of str or None
        Arguments without the program name; ``None`` reads ``sys.argv[1:]``.

    Returns
    -------
    int
        The exit status: 0 on success, 2 for a user error, 1 for an unexpected failure.
    """
    load_all()
    args = sys.argv[1:] if argv is None else list(argv)
    args, flags = _split_global_flags(args)
    try:
        with trusting_code("--trust-code" in flags):
            rv = app(args=args, prog_name="motifscope", standalone_mode=False)
    except MotifscopeError as e:
        print(f"motifscope: error: {_one_line(e)}", file=sys.stderr)
        return 2
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except typer.Abort:
        print("motifscope: aborted", file=sys.stderr)
        return 130
    except cx.NoArgsIsHelpError as e:  # the help on standard output, one line on standard error
        where = e.ctx.command_path if getattr(e, "ctx", None) is not None else "motifscope"
        if getattr(e, "ctx", None) is not None:
            print(e.ctx.get_help())
        what = "command" if hasattr(getattr(e.ctx, "command", None), "commands") else "arguments"
        print(f"motifscope: error: {where}: no {what} given (see the usage above, or "
              f"{where} --help)", file=sys.stderr)
        return 2
    except PermissionError as e:  # e.g. an output folder on a read-only file system
        print(f"motifscope: error: {e.filename or 'a file'}: permission denied "
              f"({e.strerror or e}); choose a place where you can write (--out) or read",
              file=sys.stderr)
        return 2
    except cx.UsageError as e:
        where = e.ctx.command_path if getattr(e, "ctx", None) is not None else "motifscope"
        print(f"motifscope: error: {where}: {_one_line(e.format_message())} "
              f"(see {where} --help)", file=sys.stderr)
        return 2
    except cx.ClickException as e:
        print(f"motifscope: error: {_one_line(e.format_message())}", file=sys.stderr)
        return 2
    except FileNotFoundError as e:
        print(f"motifscope: error: {e.filename}: no such file or directory", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("motifscope: interrupted", file=sys.stderr)
        return 130
    except Exception as e:  # last line of defence: a bug, not a handled input
        if isinstance(e, OSError) and e.errno in _USER_ERRNOS:  # the machine, not a bug
            print(f"motifscope: error: {e.filename or 'a file'}: {e.strerror}", file=sys.stderr)
            return 2
        if "--debug" in flags:
            raise
        print(f"motifscope: internal error — please report: {type(e).__name__}: "
              f"{_one_line(e)[:300]} (rerun with --debug for the traceback)", file=sys.stderr)
        return 1
    return int(rv) if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
