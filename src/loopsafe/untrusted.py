"""Reading and writing files inside a tree loopsafe does not trust (the analysed repository).

A repository can ship a FIFO, a device, a symlink or a huge file wherever loopsafe looks
(its cache, `.gitignore`, configuration): opening it must neither hang, nor fill memory,
nor follow a link out of the tree. So files are opened non-blocking, checked to be regular
on the open descriptor (`fstat`, no race with a rename), and read up to a bound; the cache
directory is reached through directory descriptors opened with `O_NOFOLLOW`, one component
at a time, and written only through them.

Standard library only, and nothing from the analyser: the pytest plugin uses it too.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import stat
from collections.abc import Callable
from pathlib import Path, PurePosixPath

_NOFOLLOW = getattr(os, "O_NOFOLLOW", 0)
_NONBLOCK = getattr(os, "O_NONBLOCK", 0)
_CLOEXEC = getattr(os, "O_CLOEXEC", 0)
_DIRECTORY = getattr(os, "O_DIRECTORY", 0)
_BINARY = getattr(os, "O_BINARY", 0)
# Directory descriptors (openat, renameat): Linux, the BSDs and macOS. Elsewhere the cache
# falls back to paths checked with lstat first (see `CacheDirectory`).
DIR_FD = {os.open, os.mkdir, os.rename, os.unlink} <= os.supports_dir_fd and bool(_NOFOLLOW)


def read_regular(
    path: str | os.PathLike[str],
    limit: int,
    *,
    follow_symlinks: bool = True,
    dir_fd: int | None = None,
) -> bytes | None:
    """The bytes of `path` when it is a regular file of at most `limit` bytes, else None
    (missing, a FIFO, a device, a directory, too big, unreadable; with `follow_symlinks`
    false, a symlink). Never blocks, never reads more than `limit` + 1 bytes."""
    flags = os.O_RDONLY | _NONBLOCK | _CLOEXEC | _BINARY | (0 if follow_symlinks else _NOFOLLOW)
    try:
        fd = os.open(path, flags, dir_fd=dir_fd) if dir_fd is not None else os.open(path, flags)
    except (OSError, ValueError):  # ValueError: a NUL byte in the path
        return None
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            return None
        chunks: list[bytes] = []
        total = 0
        while total <= limit:  # the file may grow while it is read
            chunk = os.read(fd, min(max(info.st_size - total + 1, 65536), limit + 1 - total))
            if not chunk:
                break
            chunks.append(chunk)
            total += len(chunk)
        return b"".join(chunks) if total <= limit else None
    except OSError:
        return None
    finally:
        os.close(fd)


def kind_of(mode: int) -> str:
    """What a file that is not a regular one is, for messages ("" for a regular file)."""
    for test, kind in (
        (stat.S_ISLNK, "a symlink"),
        (stat.S_ISDIR, "a directory"),
        (stat.S_ISFIFO, "a FIFO"),
        (stat.S_ISSOCK, "a socket"),
        (stat.S_ISCHR, "a device"),
        (stat.S_ISBLK, "a device"),
    ):
        if test(mode):
            return kind
    return "" if stat.S_ISREG(mode) else "not a regular file"


def inside(root: Path, path: Path) -> PurePosixPath | None:
    """`path` relative to `root` when it lies inside it, judged on the text of the paths
    (`..` resolved lexically, symlinks not followed); None when it lies outside."""
    root_text = os.path.normpath(os.path.abspath(root))
    path_text = os.path.normpath(os.path.abspath(path))
    try:
        relative = os.path.relpath(path_text, root_text)
    except ValueError:  # another drive
        return None
    if relative == os.curdir:
        return PurePosixPath()
    if relative == os.pardir or relative.startswith(os.pardir + os.sep) or os.path.isabs(relative):
        return None
    return PurePosixPath(Path(relative).as_posix())


class CacheDirectory:
    """A directory below `root` that is written and read only if no component between
    `root` and it is a symlink or anything but a directory: a cache shipped in a repository
    can point nowhere outside it. `root` itself may be reached through symlinks (the user
    chose it); `problem` says why the directory cannot be used ("" when it can)."""

    def __init__(self, root: Path, directory: Path) -> None:
        self.path = directory
        self.root = root
        parts = inside(root, directory)
        self.parts: tuple[str, ...] = parts.parts if parts is not None else ()
        self.problem = (
            ""
            if parts is not None and self.parts
            else f"{os.path.normpath(os.path.abspath(directory))} lies outside the project"
        )
        self._fd: int | None = None

    def shown(self, name: str = "") -> str:
        """A path of the directory as messages show it: relative to the root."""
        return "/".join((*self.parts, name) if name else self.parts)

    def open(self, *, create: bool) -> bool:
        """Open (with `create`, make) the directory; False when it cannot be used."""
        if self.problem:
            return False
        if self._fd is not None:
            return True
        if not DIR_FD:
            return self._check_paths(create)
        try:
            fd = os.open(self.root, os.O_RDONLY | _DIRECTORY | _CLOEXEC)
        except OSError:
            return False
        done = 0
        try:
            for part in self.parts:
                if create:
                    with contextlib.suppress(FileExistsError):
                        os.mkdir(part, 0o755, dir_fd=fd)
                flags = os.O_RDONLY | _DIRECTORY | _NOFOLLOW | _CLOEXEC
                inner = os.open(part, flags, dir_fd=fd)
                os.close(fd)
                fd = inner
                done += 1
        except OSError:  # missing, a symlink (ELOOP), not a directory (ENOTDIR)
            where = functools.partial(os.stat, self.parts[done], dir_fd=fd, follow_symlinks=False)
            self._refused(done, where)
            os.close(fd)
            return False
        self._fd = fd
        return True

    def _check_paths(self, create: bool) -> bool:
        """Without directory descriptors: every component checked with lstat."""
        here = self.root
        for done, part in enumerate(self.parts):
            here = here / part
            try:
                if create and not os.path.lexists(here):
                    os.mkdir(here, 0o755)
                if not stat.S_ISDIR(os.lstat(here).st_mode):
                    raise NotADirectoryError(errno.ENOTDIR, "not a directory")
            except OSError:
                self._refused(done, functools.partial(os.lstat, here))
                return False
        return True

    def _refused(self, done: int, lstat: Callable[[], os.stat_result]) -> None:
        """Say why component `done` cannot be used (`problem`) when it is a symlink or not
        a directory: what a repository can ship. A missing one only means no cache yet,
        and a read-only or full disk only no cache this time: both are left unsaid."""
        try:
            kind = kind_of(lstat().st_mode)
        except OSError:
            return
        if kind != "a directory":
            self.problem = f"{'/'.join(self.parts[: done + 1])} is {kind or 'a regular file'}"

    def close(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None

    def __del__(self) -> None:
        self.close()

    def read(self, name: str, limit: int) -> bytes | None:
        """A regular file of the directory, never through a symlink; None otherwise."""
        if not self.open(create=False):
            return None
        if self._fd is not None:
            return read_regular(name, limit, follow_symlinks=False, dir_fd=self._fd)
        return read_regular(self.path / name, limit, follow_symlinks=False)

    def unreadable(self, name: str, limit: int) -> str:
        """Why `read(name, limit)` gave nothing although a file of that name is there
        (a symlink, a FIFO, too big...); "" when there is none (or no directory)."""
        if not self.open(create=False):
            return ""
        try:
            if self._fd is not None:
                info = os.stat(name, dir_fd=self._fd, follow_symlinks=False)
            else:
                info = os.lstat(self.path / name)
        except OSError:
            return ""
        kind = kind_of(info.st_mode)
        if kind:
            return f"{self.shown(name)} is {kind}"
        if info.st_size > limit:
            return f"{self.shown(name)} is larger than {limit // (1024 * 1024)} MB"
        return f"{self.shown(name)} cannot be read"

    def write(self, name: str, data: bytes, *, mode: int = 0o600, replace: bool = True) -> bool:
        """Write `name` atomically (`atomic.write_atomic_at`: a symlink of that name is
        replaced, never followed). `replace` false: only create it, and leave whatever
        already has that name (then False). OSError when it cannot be written, the
        directory included (a symlink, outside the root)."""
        from loopsafe.atomic import write_atomic, write_atomic_at

        if not self.open(create=True):
            raise OSError(f"{self.path} is not a directory inside {self.root} (a symlink?)")
        fd = self._fd
        if not replace:
            flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | _NOFOLLOW | _CLOEXEC | _BINARY
            try:
                if fd is not None:
                    out = os.open(name, flags, mode, dir_fd=fd)
                else:
                    out = os.open(self.path / name, flags, mode)
            except FileExistsError:
                return False  # leave it be
            with os.fdopen(out, "wb") as handle:
                handle.write(data)
            return True
        if fd is not None:
            write_atomic_at(fd, name, data, mode=mode)
        else:  # no directory descriptors: a link of that name goes first, then the write
            target = self.path / name
            if os.path.islink(target):
                os.unlink(target)
            write_atomic(target, data, mode=mode)
        return True
