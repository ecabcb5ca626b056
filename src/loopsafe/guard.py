"""How every command ends: an exit status, and at most one line on stderr for a user
error, an error of the system it runs on (disk full, read-only, stdout closed) or an
internal one (a traceback only with --verbose)."""

from __future__ import annotations

import contextlib
import os
import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

import click

from loopsafe.fsnames import printable
from loopsafe.streams import (
    EXIT_BROKEN_PIPE,
    STDOUT_CLOSED,
    STDOUT_NAME,
    silence_stdout,
    stdout_gone,
)

EXIT_ERROR = 2


class Failure(Exception):
    """Bad usage or input: one line for the user, exit 2."""


def fail(message: str) -> NoReturn:
    raise Failure(message)


def run_guarded(verbose: bool, body: Callable[[], int]) -> NoReturn:
    try:
        code = body()
        sys.stdout.flush()  # a reader that left shows here, not in the flush at exit
    except Failure as exc:
        click.echo(f"loopsafe: error: {printable(str(exc))}", err=True)
        code = EXIT_ERROR
    except OSError as exc:  # the system refused: disk full, read-only, stdout closed...
        if verbose:
            traceback.print_exc()
        code = environment_error(exc)
    except KeyboardInterrupt:
        click.echo("loopsafe: interrupted", err=True)
        code = 130
    except Exception as exc:  # an internal error: one line, unless asked for more
        if verbose:
            traceback.print_exc()
        click.echo(
            f"loopsafe: internal error: {type(exc).__name__}: {exc} (run with --verbose for "
            "the traceback, and please report it)",
            err=True,
        )
        code = EXIT_ERROR
    sys.exit(code)


def environment_error(exc: OSError) -> int:
    """The exit status for an error of the system loopsafe runs on, with one line that
    says which file and why; none when the reader of stdout left (`| head`), as any
    command ended by SIGPIPE."""
    if isinstance(exc, BrokenPipeError) and stdout_gone():
        silence_stdout()
        return EXIT_BROKEN_PIPE
    if exc.filename == STDOUT_NAME or exc.strerror == STDOUT_CLOSED:
        silence_stdout()  # what is still buffered would fail again in the flush at exit
    reason = exc.strerror or str(exc) or type(exc).__name__
    if exc.filename is not None:
        name = os.fsdecode(exc.filename)
        with contextlib.suppress(ValueError):
            relative = os.path.relpath(name)
            if not relative.startswith(os.pardir):
                name = relative
        reason = f"{name}: {reason}"
    click.echo(f"loopsafe: error: {printable(reason)}", err=True)
    return EXIT_ERROR
