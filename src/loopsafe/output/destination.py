"""Where a command's results go: standard output as they come, or with `--output-file`
one file, written atomically once the command has everything (a run that fails or is
interrupted leaves the old file as it was, never half a new one)."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import TextIO

import click


class Destination:
    """`quiet` silences standard output only: a file asked for is still written."""

    def __init__(self, path: Path | None, quiet: bool = False) -> None:
        self.path = path
        self.silent = quiet and path is None
        self._parts: list[bytes] = []

    @property
    def stream(self) -> TextIO | None:
        """The terminal stream the results go to (None: a file), to decide on colour."""
        return sys.stdout if self.path is None else None

    def echo(self, text: str = "") -> None:
        """`text` and a newline, as `click.echo` prints it."""
        if self.silent:
            return
        if self.path is None:
            # color=True: keep the escapes; whether to colour was decided already (--color,
            # FORCE_COLOR), and click would strip them from a pipe.
            click.echo(text, color=True)
        else:
            self._parts.append(text.encode("utf-8", errors="surrogateescape") + b"\n")

    def write_bytes(self, data: bytes) -> None:
        """Bytes as they are (a diff keeps each file's own encoding)."""
        if self.silent:
            return
        if self.path is None:
            sys.stdout.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
        else:
            self._parts.append(data)

    def close(self) -> None:
        """Write the file (nothing to do for standard output)."""
        if self.path is not None:
            from loopsafe.atomic import write_atomic

            write_atomic(self.path, b"".join(self._parts))


def check_output_file(path: Path | None, option: str = "--output-file") -> None:
    """Refuse an output file that cannot be written before any work is done."""
    from loopsafe.guard import fail

    if path is None:
        return
    directory = path.parent if str(path.parent) else Path(".")
    if not directory.is_dir():
        fail(f"{option}: {path}: directory {directory} does not exist")
    if path.is_dir():
        fail(f"{option}: {path}: is a directory")
