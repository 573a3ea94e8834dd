"""The ``motifscope`` command line: argument parsing, one library call, files out.

User mistakes (:class:`motifscope.errors.MotifscopeError`) print one line,
``motifscope: error: <message>``, on standard error and exit with status 2, as do
usage errors such as an unknown option.
"""

from __future__ import annotations

import sys

from motifscope.errors import MotifscopeError

__all__ = ["main"]


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
    import typer

    from motifscope.commands import app, load_all

    try:  # typer >= 0.20 vendors its own copy of click
        from typer._click import exceptions as cx
    except ImportError:  # pragma: no cover - older typer uses click itself
        from click import exceptions as cx

    load_all()
    args = sys.argv[1:] if argv is None else list(argv)
    try:
        rv = app(args=args, prog_name="motifscope", standalone_mode=False)
    except MotifscopeError as e:
        print(f"motifscope: error: {e}", file=sys.stderr)
        return 2
    except typer.Exit as e:
        return int(e.exit_code or 0)
    except typer.Abort:
        print("motifscope: aborted", file=sys.stderr)
        return 130
    except cx.NoArgsIsHelpError as e:
        e.show(file=sys.stderr)
        return 2
    except cx.ClickException as e:
        e.show(file=sys.stderr)
        return int(e.exit_code)
    except FileNotFoundError as e:
        print(f"motifscope: error: {e.filename}: no such file or directory", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("motifscope: interrupted", file=sys.stderr)
        return 130
    return int(rv) if isinstance(rv, int) else 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
