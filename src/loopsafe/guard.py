"""How every command ends: an exit status, and at most one line on stderr for a user
error or an internal one (a traceback only with --verbose)."""

from __future__ import annotations

import sys
import traceback
from collections.abc import Callable
from typing import NoReturn

import click

from loopsafe.fsnames import printable

EXIT_ERROR = 2


class Failure(Exception):
    """Bad usage or input: one line for the user, exit 2."""


def fail(message: str) -> NoReturn:
    raise Failure(message)


def run_guarded(verbose: bool, body: Callable[[], int]) -> NoReturn:
    try:
        code = body()
    except Failure as exc:
        click.echo(f"loopsafe: error: {printable(str(exc))}", err=True)
        code = EXIT_ERROR
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
