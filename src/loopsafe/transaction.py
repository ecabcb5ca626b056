"""Write many files as one change: all of them, or none.

`commit` checks every file is still what it was when planned (content hash), stages every
new content in a file beside its target, writes a journal (`.loopsafe/fix-journal.json` in
the project root) naming them, then puts them in place. SIGINT and SIGTERM wait until the
last file is in place; after a SIGKILL or a crash, the journal lets the next run of any
command finish the change or undo it (`recover`), so a multi-file fix (a callee made
`async def`, its callers given `await`) is never left half applied.

What is written keeps its owner, group and mode; a file with hard links, or whose owner
this user could not give back, is rewritten in place (its old bytes kept aside first, so
that too can be undone). Read-only files, non-regular files and anything outside the
project root (a directory symlink leading out, a pytest configuration elsewhere) are
refused by `write_problem`, before anything is planned around them.

The journal is trusted only as far as it can be checked: a regular file (never followed
through a symlink) of bounded size, signed with this user's key, naming only files inside
its own project root, whose staged contents still hash to what it recorded.
"""

from __future__ import annotations

import contextlib
import hashlib
import hmac
import json
import os
import secrets
import signal
import stat
import sys
import threading
import time
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from loopsafe.atomic import install, sync_directory, write_atomic, write_in_place, write_new

JOURNAL = Path(".loopsafe") / "fix-journal.json"
MAX_JOURNAL_BYTES = 16_000_000
MAX_FILE_BYTES = 64_000_000
_NEW, _OLD = ".loopsafe-new", ".loopsafe-old"
# Test-only: "STAGE:SECONDS" pauses a run at STAGE ("analysed": before fixes are planned;
# "planned": files staged, not yet checked unchanged; "renamed": between two files put in
# place), saying so on stderr first.
_PAUSE_ENV = "LOOPSAFE_TEST_PAUSE"


class TransactionError(Exception):
    """Nothing was written: one line for the user."""


@dataclass(frozen=True)
class Write:
    """`data` for `path`, which held `old` when the change was planned (None: absent)."""

    path: Path
    data: bytes
    old: bytes | None
    name: str = ""  # how messages name it (default: `path`)

    @property
    def shown(self) -> str:
        return self.name or os.fsdecode(self.path)


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


_ROOT_MARKERS = (
    "pyproject.toml",
    "setup.cfg",
    "setup.py",
    ".git",
    "pytest.ini",
    ".pytest.ini",
    "tox.ini",
)


def project_root(path: Path, cwd: Path | None = None) -> Path:
    """Where the journal lives and what fixes may write inside: the nearest directory at
    or above `path` holding a project or pytest configuration file (pyproject.toml,
    setup.cfg, setup.py, pytest.ini, .pytest.ini, tox.ini) or .git; with none, `cwd`
    when `path` is inside it, else `path`'s own directory."""
    start = os.path.realpath(path)
    if not os.path.isdir(start):
        start = os.path.dirname(start)
    directory = start
    while True:
        if any(os.path.lexists(os.path.join(directory, m)) for m in _ROOT_MARKERS):
            return Path(directory)
        parent = os.path.dirname(directory)
        if parent == directory:
            break
        directory = parent
    if cwd is not None:
        here = os.path.realpath(cwd)
        if start == here or start.startswith(here.rstrip(os.sep) + os.sep):
            return Path(here)
    return Path(start)


# The environment, not the file: `fix` stops (exit 2) on it, as on a full disk.
READ_ONLY_FILE_SYSTEM = "Read-only file system; not written"


def write_problem(path: Path, root: Path) -> str:
    """Why `path` must not be written ("" when it may)."""
    real = Path(os.path.realpath(path))
    if not _inside(real, root):
        return f"{path} is outside the project root {root}; not written"
    if _read_only_file_system(real.parent):
        return f"{path}: {READ_ONLY_FILE_SYSTEM}"
    try:
        info = os.stat(real)
    except FileNotFoundError:
        if not os.path.isdir(real.parent):
            return f"{real.parent} is not a directory"
        if not os.access(real.parent, os.W_OK | os.X_OK):
            return f"{path}: its directory is read-only; not written"
        return ""
    except OSError as exc:
        return f"{path} cannot be read ({exc.strerror or exc})"
    if not stat.S_ISREG(info.st_mode):
        return f"{path} is not a regular file; not written"
    if not info.st_mode & 0o222 or not os.access(real, os.W_OK):
        return f"{path} is read-only; not written (make it writable to fix it)"
    if not os.access(real.parent, os.W_OK | os.X_OK):
        return f"{path}: its directory is read-only; not written"
    return ""


def _read_only_file_system(directory: Path) -> bool:
    try:
        return bool(os.statvfs(directory).f_flag & getattr(os, "ST_RDONLY", 1))
    except (OSError, AttributeError):  # no such directory, or no statvfs (Windows)
        return False


def _inside(path: Path, root: Path) -> bool:
    return path == root or root in path.parents


@dataclass
class _Entry:
    target: Path  # the real path: no symlink anywhere along it
    temp: Path
    backup: Path | None  # the old bytes, kept aside (None: the file is new)
    old: str | None
    new: str
    in_place: bool

    def to_json(self) -> dict[str, Any]:
        return {
            "target": os.fsdecode(self.target),
            "temp": os.fsdecode(self.temp),
            "backup": os.fsdecode(self.backup) if self.backup else None,
            "old": self.old,
            "new": self.new,
            "in_place": self.in_place,
        }


def commit(writes: Sequence[Write], root: Path) -> None:
    """Write every file, or none (raising `TransactionError`). `root`: the project root
    (`project_root`); every file must be inside it."""
    if not writes:
        return
    root = Path(os.path.realpath(root))
    journal = root / JOURNAL
    try:
        entries = [_entry(write, root) for write in writes]
    except OSError as exc:
        raise TransactionError(f"cannot write: {exc}; nothing was written") from None
    created = _journal_dir(root)
    with _signals_deferred(), _locked(root / JOURNAL.parent) as mine:
        if not mine:
            _tidy(journal, created)
            raise TransactionError(
                "another loopsafe run is writing files in this project; nothing was written"
            )
        try:
            _write_journal(journal, "staging", entries)  # a crash from here on is cleaned up
            for write, entry in zip(writes, entries, strict=True):
                _stage(write, entry)
            pause("planned")
            for write, entry in zip(writes, entries, strict=True):
                now = _hash_of(entry.target)
                if now != entry.old:
                    raise TransactionError(
                        f"{write.shown} changed while loopsafe ran; nothing was written "
                        "(run the fix again)"
                    )
            _write_journal(journal, "commit", entries)
        except BaseException as exc:
            _discard(entries)
            _remove(journal)
            _tidy(journal, created)
            if isinstance(exc, OSError):
                where = f"{exc.filename}: " if exc.filename else ""
                raise TransactionError(
                    f"cannot write: {where}{exc.strerror or exc}; nothing was written"
                ) from None
            raise
        try:
            for number, entry in enumerate(entries):
                if number:
                    pause("renamed")
                _put_in_place(entry)
            for directory in {e.target.parent for e in entries}:
                sync_directory(directory)
        except (OSError, TransactionError) as exc:
            why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
            raise TransactionError(
                f"cannot write ({why}); rolled back " + _roll_back(entries, journal, root)
            ) from None
        _finish(entries, journal)
        _tidy(journal, created)


def _tidy(journal: Path, created: bool) -> None:
    """Remove the journal's directory again when this run made it and it is empty."""
    if created:
        with contextlib.suppress(OSError):
            os.rmdir(journal.parent)


def _entry(write: Write, root: Path) -> _Entry:
    problem = write_problem(write.path, root).replace(os.fsdecode(write.path), write.shown, 1)
    if problem:
        raise TransactionError(f"{problem}; nothing was written")
    target = Path(os.path.realpath(write.path))
    token = secrets.token_hex(4)
    in_place = False
    if write.old is not None:
        info = os.stat(target)
        in_place = info.st_nlink > 1 or not _can_give_back(info)
    base = target.parent / f".{target.name}.{token}"
    return _Entry(
        target,
        Path(f"{base}{_NEW}"),
        Path(f"{base}{_OLD}") if write.old is not None else None,
        digest(write.old) if write.old is not None else None,
        digest(write.data),
        in_place,
    )


def _can_give_back(info: os.stat_result) -> bool:
    """Whether a replacement file can get `info`'s owner and group back."""
    if not hasattr(os, "geteuid") or os.geteuid() == 0:
        return True
    return info.st_uid == os.geteuid() and (
        info.st_gid == os.getegid() or info.st_gid in os.getgroups()
    )


def _stage(write: Write, entry: _Entry) -> None:
    like = os.stat(entry.target) if write.old is not None else None
    write_new(entry.temp, write.data, like=like)
    if entry.backup is None or write.old is None:
        return
    if not entry.in_place:  # the old file itself, under a second name: nothing to copy
        try:
            os.link(entry.target, entry.backup, follow_symlinks=False)
            return
        except OSError:  # a file system without hard links
            pass
    write_new(entry.backup, write.old, like=like)


def _put_in_place(entry: _Entry) -> None:
    if entry.in_place:
        write_in_place(entry.target, _read(entry.temp))
    elif entry.old is None and os.path.lexists(entry.target):
        raise TransactionError(f"{entry.target} appeared while loopsafe ran")
    else:
        install(entry.temp, entry.target)


def _finish(entries: Sequence[_Entry], journal: Path) -> None:
    """The change is complete: the journal goes first, then what it kept aside."""
    _remove(journal)
    _discard(entries)


def _discard(entries: Sequence[_Entry]) -> None:
    for entry in entries:
        _remove(entry.temp)
        if entry.backup is not None:
            _remove(entry.backup)


def _remove(path: Path) -> None:
    with contextlib.suppress(FileNotFoundError):
        os.unlink(path)


# --------------------------------------------------------------------------- journal
def _journal_dir(root: Path) -> bool:
    """Make sure `.loopsafe/` is a real directory; whether this call created it."""
    directory = root / JOURNAL.parent
    created = False
    try:
        os.mkdir(directory)
        created = True
    except FileExistsError:
        pass
    except OSError as exc:
        raise TransactionError(f"{directory}: cannot be created ({exc.strerror or exc})") from None
    if not stat.S_ISDIR(os.lstat(directory).st_mode):
        raise TransactionError(f"{directory} is not a directory; nothing was written")
    return created


@contextlib.contextmanager
def _locked(directory: Path) -> Iterator[bool]:
    """An exclusive lock on `directory` for one run's journal; False: another run holds
    it. (No locking where `fcntl` is missing.)"""
    try:
        import fcntl
    except ImportError:  # pragma: no cover - not POSIX
        yield True
        return
    flags = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(directory, flags)
    except OSError as exc:
        raise TransactionError(f"{directory}: cannot be opened ({exc.strerror or exc})") from None
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            yield False
            return
        yield True
    finally:
        os.close(fd)


def _write_journal(journal: Path, state: str, entries: Sequence[_Entry]) -> None:
    payload = {"version": 1, "state": state, "entries": [e.to_json() for e in entries]}
    signed = {"journal": payload, "mac": sign(payload)}
    data = json.dumps(signed, indent=1).encode("utf-8", "surrogateescape")
    if len(data) > MAX_JOURNAL_BYTES:
        raise TransactionError("too many files in one fix for its journal; fix fewer paths")
    if os.path.islink(journal):
        raise TransactionError(f"{journal} is a symlink; nothing was written")
    write_atomic(journal, data, mode=0o600)
    sync_directory(journal.parent)


def sign(payload: Any) -> str | None:
    """The journal's MAC, made with this user's key (the cache's, in ~/.cache/loopsafe/):
    a journal shipped in a repository, or written by someone else, is never acted on.
    None when no key can be kept."""
    from loopsafe.cache import _secret

    key = _secret()
    if key is None:
        return None
    body = json.dumps(payload, sort_keys=True, separators=(",", ":"))
    return hmac.new(key, body.encode("utf-8", "surrogateescape"), "sha256").hexdigest()


def recover(root: Path) -> str:
    """Finish or undo a change an earlier run left half made; one line saying which ("":
    there was none)."""
    root = Path(os.path.realpath(root))
    journal = root / JOURNAL
    try:
        if not stat.S_ISDIR(os.lstat(journal.parent).st_mode):
            return ""  # a symlinked `.loopsafe/` is never followed
        info = os.lstat(journal)
    except OSError:
        return ""
    try:
        with _signals_deferred(), _locked(journal.parent) as mine:
            return _recover(journal, info, root) if mine else ""  # else: a live run's
    except (OSError, TransactionError) as exc:
        return f"loopsafe: warning: could not recover an interrupted fix: {exc}"


def _recover(journal: Path, info: os.stat_result, root: Path) -> str:
    where = os.fsdecode(journal.relative_to(root))
    if not stat.S_ISREG(info.st_mode) or info.st_size > MAX_JOURNAL_BYTES:
        return f"loopsafe: warning: ignored {where}: not a regular file of a sane size"
    try:
        state, entries = _load(journal, root)
    except (OSError, ValueError, KeyError, TypeError) as exc:
        return f"loopsafe: warning: ignored {where}: {exc}"
    if state == "staging":  # nothing was put in place yet
        _discard(entries)
        _remove(journal)
        return "loopsafe: cleaned up after an interrupted fix (no file had been changed)"
    current = [_hash_of(e.target) for e in entries]
    staged = [_hash_of(e.temp) for e in entries]
    done = [now == e.new for now, e in zip(current, entries, strict=True)]
    # Files are put in place in order, one at a time: at most one, the first not done,
    # can be half written (an in-place write).
    first = next((i for i, ok in enumerate(done) if not ok), len(entries))
    pending = [
        not ok and staged[i] == e.new and (current[i] == e.old or (e.in_place and i == first))
        for i, (ok, e) in enumerate(zip(done, entries, strict=True))
    ]
    if all(ok or wait for ok, wait in zip(done, pending, strict=True)):
        for entry, wait in zip(entries, pending, strict=True):
            if wait:
                _put_in_place(entry)
                sync_directory(entry.target.parent)
        _finish(entries, journal)
        return (
            f"loopsafe: completed an interrupted fix ({sum(pending)} of {len(entries)} "
            "file(s) were still to be written)"
        )
    return "loopsafe: rolled back an interrupted fix " + _roll_back(entries, journal, root)


def _roll_back(entries: Sequence[_Entry], journal: Path, root: Path) -> str:
    """Put back the old bytes of every file the change reached; "(N file(s) restored...)"."""
    current = [_hash_of(e.target) for e in entries]
    done = [now == e.new for now, e in zip(current, entries, strict=True)]
    first = next((i for i, ok in enumerate(done) if not ok), len(entries))
    restored, kept = 0, []
    for i, (entry, now) in enumerate(zip(entries, current, strict=True)):
        half = entry.in_place and i == first and now != entry.old
        if (done[i] or half) and _restore(entry):
            restored += 1
        elif now != entry.old:
            kept.append(os.fsdecode(entry.target.relative_to(root)))
    _finish(entries, journal)
    note = f"; changed since, left as they are: {', '.join(kept)}" if kept else ""
    return f"({restored} file(s) restored{note})"


def _restore(entry: _Entry) -> bool:
    """Put `entry`'s old bytes back (or remove the file it created)."""
    if entry.old is None:
        _remove(entry.target)
        return True
    if entry.backup is None or _hash_of(entry.backup) != entry.old:
        return False
    if entry.in_place:
        write_in_place(entry.target, _read(entry.backup))
    else:
        install(entry.backup, entry.target)
    sync_directory(entry.target.parent)
    return True


def _load(journal: Path, root: Path) -> tuple[str, list[_Entry]]:
    signed = json.loads(_read(journal, MAX_JOURNAL_BYTES).decode("utf-8", "surrogateescape"))
    data, mac = signed["journal"], signed["mac"]
    expected = sign(data)
    if expected is None or not isinstance(mac, str) or not hmac.compare_digest(mac, expected):
        raise ValueError("not signed by this user's loopsafe")
    if data.get("version") != 1 or data.get("state") not in ("staging", "commit"):
        raise ValueError("not a loopsafe fix journal (version 1)")
    entries = []
    for row in data["entries"]:
        target = _checked_path(row["target"], root)
        temp = _checked_path(row["temp"], root, beside=target, suffix=_NEW)
        backup = row["backup"]
        old, new = row["old"], row["new"]
        for value in (old, new):
            if value is not None and not (isinstance(value, str) and len(value) == 64):
                raise ValueError("a content hash is not SHA-256")
        entries.append(
            _Entry(
                target,
                temp,
                None if backup is None else _checked_path(backup, root, target, _OLD),
                old,
                new,
                bool(row["in_place"]),
            )
        )
    return data["state"], entries


def _checked_path(value: Any, root: Path, beside: Path | None = None, suffix: str = "") -> Path:
    """A path from the journal, if it is one loopsafe could have written there."""
    if not isinstance(value, str) or "\0" in value:
        raise ValueError("a path is not a string")
    path = Path(os.fsencode(value).decode("utf-8", "surrogateescape"))
    if not path.is_absolute() or os.path.normpath(path) != str(path):
        raise ValueError(f"{value!r} is not a normal absolute path")
    if os.path.realpath(path.parent) != str(path.parent) or not _inside(path, root):
        raise ValueError(f"{value!r} is outside {root} or reached through a symlink")
    if os.path.islink(path):
        raise ValueError(f"{value!r} is a symlink")
    if beside is not None and (
        path.parent != beside.parent
        or not path.name.startswith(f".{beside.name}.")
        or not path.name.endswith(suffix)
    ):
        raise ValueError(f"{value!r} is not a file loopsafe stages")
    return path


def _hash_of(path: Path) -> str | None:
    """The SHA-256 of a regular file's bytes; None: there is no such file; "?": something
    that is not a regular file loopsafe may read (it matches no recorded hash)."""
    try:
        return digest(_read(path))
    except FileNotFoundError:
        return None
    except (OSError, ValueError):
        return "?"


def _read(path: Path, limit: int = MAX_FILE_BYTES) -> bytes:
    """A regular file's bytes, never through a symlink, never blocking on a FIFO."""
    flags = os.O_RDONLY | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_NONBLOCK", 0)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode) or info.st_size > limit:
            raise ValueError(f"{path} is not a regular file of a sane size")
        chunks: list[bytes] = []
        total = 0
        while True:
            chunk = os.read(fd, 1 << 20)
            if not chunk:
                return b"".join(chunks)
            total += len(chunk)
            if total > limit:
                raise ValueError(f"{path} is too large")
            chunks.append(chunk)
    finally:
        os.close(fd)


# --------------------------------------------------------------------------- signals
@contextlib.contextmanager
def _signals_deferred() -> Iterator[None]:
    """SIGINT and SIGTERM arriving while files are put in place take effect afterwards:
    the tree is then all new (or, before the first file, all old)."""
    blockable = hasattr(signal, "pthread_sigmask") and threading.current_thread() is (
        threading.main_thread()
    )
    if not blockable:
        yield
        return
    wanted = {signal.SIGINT, signal.SIGTERM}
    old = signal.pthread_sigmask(signal.SIG_BLOCK, wanted)
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, old)


def pause(stage: str) -> None:
    """The test hook (`LOOPSAFE_TEST_PAUSE=STAGE:SECONDS`): only ever sleeps."""
    setting = os.environ.get(_PAUSE_ENV, "")
    name, _, seconds = setting.partition(":")
    if name != stage:
        return
    try:
        delay = min(float(seconds), 30.0)
    except ValueError:
        return
    print(f"loopsafe-test: paused at {stage}", file=sys.stderr, flush=True)
    time.sleep(delay)
