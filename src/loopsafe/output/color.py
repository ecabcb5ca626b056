"""Whether to colour a stream: one decision for the listing, the tables and the progress bar.

`--color always` / `never` win. `auto` follows the conventions other tools share, in the
order CPython 3.13 checks them (`_colorize.can_colorize`): a non-empty `NO_COLOR` turns
colour off (no-color.org), then a non-empty `FORCE_COLOR` turns it on (force-color.org),
then `TERM=dumb` turns it off, and otherwise a terminal gets colour and a pipe none. A
file written with `--output-file` gets colour only with `always`.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import TextIO

COLOR_CHOICES = ("auto", "always", "never")


def use_color(choice: str, stream: TextIO | None, environ: Mapping[str, str] | None = None) -> bool:
    """Colour `stream` for `--color choice`? (None: output that goes to a file, which only
    `always` colours, FORCE_COLOR or not.)"""
    if choice == "always":
        return True
    if choice == "never":
        return False
    if stream is None:  # a file is for reading later, with other tools: no escapes
        return False
    env = os.environ if environ is None else environ
    if env.get("NO_COLOR"):
        return False
    if env.get("FORCE_COLOR"):
        return True
    if env.get("TERM") == "dumb":
        return False
    try:
        return stream.isatty()
    except (AttributeError, ValueError, OSError):  # closed or replaced streams
        return False


def is_dumb_terminal(environ: Mapping[str, str] | None = None) -> bool:
    """A terminal that cannot move the cursor: no live progress bar there."""
    env = os.environ if environ is None else environ
    return env.get("TERM") == "dumb"
