"""One way to write a file: atomically, keeping what the file was.

Every file loopsafe writes (fixed sources, pytest configuration, markers, reports, the
cache, the vendored helper, `.loopsafe/runtime.json`) goes through `write_atomic`: the
new bytes go to a temporary file beside the target, reach the disk, and replace it in one
rename, so a crash leaves the old file or the new one, never half of one. An existing
file keeps its permission bits and, where allowed, its owner and group; a symlink stays a
link (the file it points to is replaced). A new file gets the mode the umask allows.
`write_new`, `install` and `write_in_place` are the same steps taken apart, for writes of
many files as one change (`loopsafe.transaction`).

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
    try:
        fd, temp = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=target.parent)
    except OSError as exc:
        raise _naming(exc, path) from exc
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
    except BaseException as exc:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        if isinstance(exc, OSError):
            raise _naming(exc, path) from exc
        raise


def write_new(path: Path | str, data: bytes, *, like: os.stat_result | None) -> None:
    """Create `path` (it must not exist; a symlink there is not followed) holding `data`,
    on disk, with the mode, owner and group of `like` (the file it will replace) where
    allowed. The staging half of a transaction: `install` puts it in place."""
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0), 0o600)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            if like is not None:
                os.fchmod(handle.fileno(), stat.S_IMODE(like.st_mode))
                if hasattr(os, "fchown") and (like.st_uid, like.st_gid) != _owner(str(path)):
                    with contextlib.suppress(OSError):  # only root may give a file away
                        os.fchown(handle.fileno(), like.st_uid, like.st_gid)
            else:
                os.fchmod(handle.fileno(), 0o666 & ~_umask())
            os.fsync(handle.fileno())
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(path)
        raise


def install(staged: Path | str, target: Path | str) -> None:
    """Put a file made by `write_new` in place of `target`, in one rename."""
    os.replace(staged, target)


def write_in_place(target: Path | str, data: bytes) -> None:
    """Overwrite `target`'s contents, keeping its inode: its hard links, owner and mode.
    Not atomic by itself; transactions journal it (the old bytes are kept aside first)."""
    fd = os.open(target, os.O_WRONLY | getattr(os, "O_NOFOLLOW", 0))
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.ftruncate(fd, len(data))
        os.fsync(fd)
    finally:
        os.close(fd)


def sync_directory(directory: Path | str) -> None:
    """Make renames in `directory` durable (best effort: not every platform allows it)."""
    with contextlib.suppress(OSError):
        fd = os.open(directory, os.O_RDONLY | getattr(os, "O_DIRECTORY", 0))
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _naming(exc: OSError, path: Path | str) -> OSError:
    """The same error about the file the caller named (disk full, read-only file system):
    the temporary file's name means nothing to a user."""
    return OSError(exc.errno, exc.strerror or str(exc), os.fspath(path))


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
