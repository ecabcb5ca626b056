"""One way to write a file: atomically, keeping what the file was.

Every file loopsafe writes (fixed sources, pytest configuration, markers, reports, the
cache, the vendored helper, `.loopsafe/runtime.json`) goes through `write_atomic`: the
new bytes go to a temporary file beside the target, reach the disk, and replace it in one
rename, so a crash leaves the old file or the new one, never half of one. An existing
file keeps its permission bits and, where allowed, its owner and group; a symlink stays a
link (the file it points to is replaced). A new file gets the mode the umask allows.

Standard library only: the pytest plugin and the runtime's vendoring use it too.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path


def write_atomic(path: Path | str, data: bytes, *, mode: int | None = None) -> None:
    """Replace `path` with `data`. `mode`: the permission bits of a new file (default: what
    the umask leaves of 0o666); an existing file always keeps its own."""
    target = Path(os.path.realpath(path))  # a symlink stays a link: write what it points to
    try:
        info: os.stat_result | None = os.stat(target)
    except FileNotFoundError:
        info = None
    fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        if info is not None:
            os.chmod(temp, stat.S_IMODE(info.st_mode))
            if hasattr(os, "chown") and (info.st_uid, info.st_gid) != _owner(temp):
                with contextlib.suppress(OSError):  # only root may give a file away
                    os.chown(temp, info.st_uid, info.st_gid)
        else:
            os.chmod(temp, mode if mode is not None else 0o666 & ~_umask())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise


def _owner(path: str) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_uid, info.st_gid


def _umask() -> int:
    """The process umask; read from /proc where it can be, since setting it to read it
    changes it for every thread for a moment."""
    try:
        with open("/proc/self/status", encoding="ascii") as handle:
            for line in handle:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError, IndexError):
        pass
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def write_atomic_at(directory_fd: int, name: str, data: bytes, *, mode: int = 0o600) -> None:
    """Replace entry `name` of the directory open as `directory_fd` with `data`: a new
    temporary file created there (O_EXCL, O_NOFOLLOW), then one rename over `name`. A
    symlink of that name is replaced, never followed, and nothing is written anywhere but
    that directory: for directories in a tree loopsafe does not trust (its cache)."""
    temp = f".{name}.{os.urandom(6).hex()}.tmp"
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0)
    fd = os.open(temp, flags | getattr(os, "O_CLOEXEC", 0), mode, dir_fd=directory_fd)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, name, src_dir_fd=directory_fd, dst_dir_fd=directory_fd)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp, dir_fd=directory_fd)
        raise
