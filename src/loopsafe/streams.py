"""Standard streams as a command-line tool needs them, whatever the caller left open.

* A closed fd 0, 1 or 2 (`loopsafe check >&-`) is taken by /dev/null at start-up, so no
  file loopsafe opens later lands on it and receives output meant for the terminal; a
  closed stdout then refuses writes with EBADF, reported as one line (as `ls >&-` does).
* Output the stream cannot encode (a file name that is not UTF-8 in some message) is
  written as `fsnames.printable` shows it, never an error.
* A reader that went away (`loopsafe check | head -1`) ends the command quietly, with the
  status a process killed by SIGPIPE has (`stdout_gone`, `EXIT_BROKEN_PIPE`).
"""

from __future__ import annotations

import codecs
import contextlib
import errno
import io
import os
import sys
from typing import Any

from loopsafe.fsnames import has_escapes, printable

EXIT_BROKEN_PIPE = 128 + 13  # 141: as a shell reports a process that SIGPIPE ended
STDOUT_CLOSED = "cannot write the output: stdout is closed"
STDOUT_NAME = "<stdout>"


def _printable_errors(exc: UnicodeError) -> tuple[str, int]:
    """Codec error handler: escapes as `printable`, other unencodable text as `\\\\uNNNN`."""
    if not isinstance(exc, UnicodeEncodeError):
        raise exc
    shown = []
    for char in exc.object[exc.start : exc.end]:
        if has_escapes(char):
            shown.append(printable(char))
        else:
            shown.append(char.encode("ascii", "backslashreplace").decode("ascii"))
    return "".join(shown), exc.end


codecs.register_error("loopsafe-printable", _printable_errors)


class _Stdout(io.FileIO):
    """fd 1, whose write errors name it (`<stdout>: No space left on device`)."""

    def write(self, data: Any) -> int:
        try:
            return super().write(data)
        except OSError as exc:
            if exc.filename is not None:
                raise
            raise OSError(exc.errno, exc.strerror, STDOUT_NAME) from None


class _ClosedBinary(io.RawIOBase):
    def writable(self) -> bool:
        return True

    def write(self, data: Any) -> int:
        raise OSError(errno.EBADF, STDOUT_CLOSED)


class _ClosedText(io.TextIOBase):
    """Stands for a stdout the caller closed: writes fail with EBADF."""

    def __init__(self) -> None:
        self.buffer = _ClosedBinary()

    def writable(self) -> bool:
        return True

    def write(self, text: str) -> int:
        raise OSError(errno.EBADF, STDOUT_CLOSED)

    def isatty(self) -> bool:
        return False


def prepare() -> None:
    """At start-up of the console script (see the module docstring)."""
    for fd in (0, 1, 2):
        try:
            os.fstat(fd)
        except OSError:
            with contextlib.suppress(OSError):
                devnull = os.open(os.devnull, os.O_RDWR)  # the lowest free fd: this one
                if devnull != fd:
                    os.dup2(devnull, fd)
                    os.close(devnull)
    if sys.stdout is None:
        sys.stdout = _ClosedText()
    elif isinstance(sys.stdout, io.TextIOWrapper) and _fileno(sys.stdout) == 1:
        sys.stdout.flush()
        sys.stdout = io.TextIOWrapper(
            io.BufferedWriter(_Stdout(1, "w", closefd=False)),
            encoding=sys.stdout.encoding,
            errors=sys.stdout.errors,
            line_buffering=sys.stdout.line_buffering,
        )
    if sys.stderr is None:  # nowhere to say anything: /dev/null, which now holds fd 2
        with contextlib.suppress(OSError):
            sys.stderr = open(2, "w", encoding="utf-8", closefd=False)  # noqa: SIM115
    for stream in (sys.stdout, sys.stderr):
        if isinstance(stream, io.TextIOWrapper):
            stream.reconfigure(errors="loopsafe-printable")


def _fileno(stream: io.TextIOWrapper) -> int:
    try:
        return stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return -1


def stdout_gone() -> bool:
    """Has the reader of stdout closed its end of the pipe? (Linux and other POSIX
    systems: the write end polls as an error; elsewhere, assume it has.)"""
    try:
        import select

        poller = select.poll()
        poller.register(sys.__stdout__.fileno() if sys.__stdout__ else 1, select.POLLOUT)
        return any(event & select.POLLERR for _, event in poller.poll(0))
    except (AttributeError, OSError, ValueError):
        return True


def silence_stdout() -> None:
    """After the reader left: send what is still buffered to /dev/null, so the flush at
    exit does not fail again (Python's own advice for SIGPIPE)."""
    with contextlib.suppress(OSError, ValueError):
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno() if sys.stdout else 1)
        os.close(devnull)
