"""Worker processes that end with the process that started them.

A worker waiting on its task queue, or busy in a long parse, never learns that its parent
was killed (SIGKILL, or SIGTERM, whose default action runs no clean-up): it is re-parented
and idles forever. So each worker watches its parent on a daemon thread and exits as soon
as either of two signs says the parent is gone:

* end-of-file on the read end of a pipe whose write end only the parent holds: the kernel
  closes that end when the parent dies, however it dies (works wherever fds are inherited);
* its parent PID changing, polled: the backstop where no pipe could be passed (a spawned
  worker on Windows) or another process kept a copy of the write end.

Standard library only, and no loopsafe import: the LibCST worker script, which runs with
`python -I` where loopsafe may not be importable, loads this file by its path.
"""

from __future__ import annotations

import contextlib
import os
import select
import threading
import time
from collections.abc import Iterable

__all__ = ["EXIT_ORPHANED", "POLL_SECONDS", "Lifeline", "watch"]

POLL_SECONDS = 0.5  # how often the parent PID is checked; the pipe wakes the watcher at once
EXIT_ORPHANED = 70  # nobody waits for it; distinct, for whoever reads a process accounting log


class Lifeline:
    """The parent's side: a pipe whose write end stays open, unwritten, while the parent
    lives. Children get `read_fd` (and close their inherited copy of `write_fd`)."""

    def __init__(self) -> None:
        self.read_fd, self.write_fd = os.pipe()
        self.parent_pid = os.getpid()

    def close_read_end(self) -> None:
        """After the children have their copy (or once they are started by exec)."""
        fd, self.read_fd = self.read_fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)

    def close(self) -> None:
        """When the children are done: closing the write end lets any straggler go."""
        self.close_read_end()
        fd, self.write_fd = self.write_fd, -1
        if fd >= 0:
            with contextlib.suppress(OSError):
                os.close(fd)


def watch(read_fd: int, parent_pid: int, *, close_fds: Iterable[int] = ()) -> threading.Thread:
    """In the child: close the inherited copies of the parent's fds in `close_fds` (above
    all the pipe's write end, or the pipe would never reach end-of-file), then exit this
    process with `EXIT_ORPHANED` once `parent_pid` is gone. `read_fd` < 0: PID checks only."""
    for fd in close_fds:
        if fd >= 0 and fd != read_fd:
            with contextlib.suppress(OSError):
                os.close(fd)
    thread = threading.Thread(
        target=_watch, args=(read_fd, parent_pid), name="loopsafe-lifeline", daemon=True
    )
    thread.start()
    return thread


def _watch(read_fd: int, parent_pid: int) -> None:
    if os.getppid() != parent_pid:
        _exit()  # the parent died before this thread started
    while True:
        if read_fd >= 0:
            try:
                ready, _, _ = select.select([read_fd], [], [], POLL_SECONDS)
                if ready and not os.read(read_fd, 1):
                    _exit()  # end-of-file: every write end is closed, the parent is gone
            except (OSError, ValueError):
                read_fd = -1  # not a pollable fd here: keep to the PID checks
        else:
            time.sleep(POLL_SECONDS)
        if os.getppid() != parent_pid:
            _exit()


def _exit() -> None:
    """At once, from this thread, whatever the main thread is doing: no clean-up of a
    half-done task is wanted (its results have nobody to go to)."""
    os._exit(EXIT_ORPHANED)
