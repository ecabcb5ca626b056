"""Decide which project line is behind a loop conflict, and record it against the test.

Two kinds of evidence arrive here. The asyncio wrappers (`_patches`) report conflicts at
the moment they are raised, with the live stack, so conflicts that the code catches and
swallows are seen too; there the *direct* caller must be project code, otherwise the error
belongs to a library that probes and handles it (pytest-asyncio asks for the current loop
inside a ``try`` on every test). Errors raised in C (``Task got Future ... attached to a
different loop``) or by helpers we do not wrap (loopsafe's ``run_sync``) are judged from
their traceback when they fail a test or are logged.

The site is the innermost project frame that entered or fetched the loop. For a stale loop
("attached to a different loop", "bound to a different event loop") the line that raised
only *uses* the loop, so two better answers are tried first: the project line that entered a
second loop while the first was running (``pool.submit(asyncio.run, coro).result()``), else
the project line that fetched the stale loop (``self._loop = asyncio.get_event_loop()`` in
an object built on another loop), which the wrappers remember per loop.
"""

from __future__ import annotations

import asyncio
import logging
import os
import re
import sys
import sysconfig
import threading
import weakref
from collections.abc import Iterator
from types import FrameType
from typing import NamedTuple

from loopsafe.conflicts import (
    PHRASES,
    RUN_SYNC_REFUSAL,
    STALE_LOOP,
    VALUE_ERROR_PHRASES,
    is_run_sync_refusal,
    mentions_conflict,
)

_THREAD_NAME = re.compile(r"thread '[^']*'")
_LOOP_ENTRIES = frozenset({"run", "run_until_complete", "run_forever"})
_MARK = "_loopsafe_traced_in"
_MAX_SITES_PER_LOOP = 8
_MAX_DEPTH = 200

Site = tuple[str, int]


class Record(NamedTuple):
    error: str
    path: str
    line: int


def conflict_text(exc: BaseException) -> str | None:
    """The message of `exc` if it is a loop conflict, else None."""
    if not isinstance(exc, (RuntimeError, ValueError)):
        return None
    try:
        text = str(exc)
    except Exception:
        return None
    if isinstance(exc, ValueError):
        return text if any(phrase in text for phrase in VALUE_ERROR_PHRASES) else None
    if any(phrase in text for phrase in PHRASES) or is_run_sync_refusal(text):
        return text
    return None


class Tracer:
    """Collects the conflicts of the running test; thread-safe, never raises into callers."""

    def __init__(self, rootdir: str) -> None:
        root = os.path.abspath(rootdir)
        roots = dict.fromkeys([root, os.path.realpath(root)])
        self._root_prefixes = tuple(r.rstrip(os.sep) + os.sep for r in roots)
        stdlib = self._dirs(
            [sysconfig.get_paths().get(key, "") for key in ("stdlib", "platstdlib")]
            + [os.path.dirname(os.__file__)]
        )
        # (unless the project lives inside it, like CPython's own Lib/)
        self._stdlib = tuple(d for d in stdlib if not self._root_prefixes[0].startswith(d))
        # Interpreters and virtual environments that live inside the rootdir (`.venv/`).
        prefixes = {sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix}
        self._foreign = self._stdlib + tuple(
            d for d in self._dirs(sorted(prefixes)) if d.startswith(self._root_prefixes)
        )
        self._own = self._dirs([os.path.dirname(__file__)])
        self._asyncio = self._dirs([os.path.dirname(asyncio.__file__)])
        self._where: dict[str, str | None] = {}
        self._transparent: dict[str, bool] = {}
        self._lock = threading.Lock()
        self._records: dict[str, list[Record]] = {}
        self._fallback: dict[str, Site] = {}
        # loop -> (project sites that fetched it, project sites that created or entered it)
        self._origins: weakref.WeakKeyDictionary[object, tuple[list[Site], list[Site]]] = (
            weakref.WeakKeyDictionary()
        )
        self.current: str | None = None

    @staticmethod
    def _dirs(paths: list[str]) -> tuple[str, ...]:
        out: dict[str, None] = {}
        for path in paths:
            if path:
                for variant in (os.path.abspath(path), os.path.realpath(path)):
                    out[variant.rstrip(os.sep) + os.sep] = None
        return tuple(out)

    # ------------------------------------------------------------------ test bookkeeping

    def begin(self, nodeid: str, fallback: Site) -> None:
        with self._lock:
            self._fallback[nodeid] = fallback
            self.current = nodeid

    def end(self, nodeid: str) -> list[Record]:
        with self._lock:
            if self.current == nodeid:
                self.current = None
            self._fallback.pop(nodeid, None)
            return self._records.pop(nodeid, [])

    # ------------------------------------------------------------------ evidence (Sink)

    def raised(self, exc: BaseException, caller: FrameType | None) -> None:
        try:
            self._raised(exc, caller)
        except Exception:  # the tracer must never change what the code under test sees
            pass

    def fetched(self, loop: object, caller: FrameType | None) -> None:
        self._remember(loop, caller, 0)

    def created(self, loop: object, caller: FrameType | None) -> None:
        self._remember(loop, caller, 1)

    def _remember(self, loop: object, caller: FrameType | None, kind: int) -> None:
        try:
            site = self._direct_caller(caller)
            if site is None:
                return
            with self._lock:
                origins = self._origins.get(loop)
                if origins is None:
                    origins = self._origins[loop] = ([], [])
                sites = origins[kind]
                if site not in sites and len(sites) < _MAX_SITES_PER_LOOP:
                    sites.append(site)
        except Exception:
            pass

    def logged(self, record: logging.LogRecord) -> None:
        try:
            self._logged(record)
        except Exception:
            pass

    def analyse(self, exc: BaseException, nodeid: str, fallback: Site | None = None) -> None:
        """Record every conflict in `exc`, its causes and contexts, against test `nodeid`."""
        try:
            for err in _chain(exc):
                if getattr(err, _MARK, None) == nodeid:
                    continue
                text = conflict_text(err)
                if text is None:
                    continue
                site = self._site_in(_frames(err), text) or fallback or self._fallback.get(nodeid)
                if site is not None:
                    self._add(nodeid, err, text, site)
        except Exception:
            pass

    def relative(self, path: str) -> str | None:
        """`path` relative to the rootdir with `/`, if it is project code."""
        return self._project_path(path)

    # ------------------------------------------------------------------ internals

    def _raised(self, exc: BaseException, caller: FrameType | None) -> None:
        nodeid = self.current
        if nodeid is None or getattr(exc, _MARK, None) == nodeid:
            return
        text = conflict_text(exc)
        if text is None:
            return
        # Only a conflict raised by the wrapped check itself: one that merely passes through
        # (a test coroutine failing inside Runner.run) is judged where it surfaces.
        tb = exc.__traceback__
        while tb is not None:
            if not self._is_transparent(tb.tb_frame.f_code.co_filename):
                return
            tb = tb.tb_next
        direct = self._direct_caller(caller)
        if direct is None:
            return
        site = self._site_in(_callers(caller) + _traceback(exc), text) or direct
        self._add(nodeid, exc, text, site)

    def _logged(self, record: logging.LogRecord) -> None:
        nodeid = self.current
        if nodeid is None:
            return
        seen = False
        if record.exc_info and record.exc_info[1] is not None:
            self.analyse(record.exc_info[1], nodeid)
            seen = True
        args = record.args
        values = args.values() if isinstance(args, dict) else args or ()
        for value in values:
            if isinstance(value, BaseException):
                self.analyse(value, nodeid)
                seen = True
        if seen or record.levelno < logging.WARNING:
            return
        # The message alone (`log.warning("...: %s", str(exc))`): the log call is the site.
        text = record.getMessage()
        if not mentions_conflict(text):
            return
        site = self._fallback.get(nodeid)
        path = self._project_path(record.pathname)
        if path is not None:
            site = (path, record.lineno)
        if site is None:
            return
        with self._lock:
            known = self._records.get(nodeid, [])
            if any(r.error.partition(": ")[2] in text for r in known):
                return
        self._store(nodeid, Record(self._normalise(text), *site))

    def _add(self, nodeid: str, exc: BaseException, text: str, site: Site) -> None:
        try:
            setattr(exc, _MARK, nodeid)
        except Exception:
            pass
        self._store(nodeid, Record(f"{type(exc).__name__}: {self._normalise(text)}", *site))

    def _store(self, nodeid: str, record: Record) -> None:
        with self._lock:
            records = self._records.setdefault(nodeid, [])
            if record not in records:
                records.append(record)

    def _normalise(self, text: str) -> str:
        text = _strip_reprs(text[:4000])
        for prefix in self._root_prefixes:
            text = text.replace(prefix, "")
        text = re.sub(r"0x[0-9a-fA-F]+", "0x...", text)
        # Pool threads are numbered per process: the same conflict must read the same in
        # every xdist worker ("in thread 'ThreadPoolExecutor-N_N'").
        text = _THREAD_NAME.sub(lambda m: re.sub(r"\d+", "N", m[0]), text)
        return " ".join(text.split())

    # ------------------------------------------------------------------ where is the site

    def _site_in(self, frames: list[tuple[FrameType, int]], text: str) -> Site | None:
        """The site among `frames` (outermost first) of the conflict with message `text`."""
        if is_run_sync_refusal(text):
            match = RUN_SYNC_REFUSAL.search(text)
            if match:
                path = self._project_path(match["path"])
                if path is not None:
                    return (path, int(match["line"]))
            for index in range(len(frames) - 1, -1, -1):
                if frames[index][0].f_code.co_name == "run_sync":
                    frames = frames[:index]
                    break
        if any(phrase in text for phrase in STALE_LOOP):
            site = self._nested_entry(frames) or self._stale_origin(frames)
            if site is not None:
                return site
        for frame, line in reversed(frames):
            path = self._project_path(frame.f_code.co_filename)
            if path is not None:
                return (path, line)
        return None

    def _is_loop_entry(self, frame: FrameType) -> bool:
        code = frame.f_code
        return code.co_name in _LOOP_ENTRIES and code.co_filename.startswith(self._asyncio)

    def _nested_entry(self, frames: list[tuple[FrameType, int]]) -> Site | None:
        """The project line that entered a loop while another one was running."""
        entries = [i for i, (frame, _) in enumerate(frames) if self._is_loop_entry(frame)]
        if not entries:
            return None
        for index in range(entries[-1] - 1, -1, -1):
            frame, line = frames[index]
            path = self._project_path(frame.f_code.co_filename)
            if path is not None:
                if any(i < index for i in entries):
                    return (path, line)
                return None
        return None

    def _stale_origin(self, frames: list[tuple[FrameType, int]]) -> Site | None:
        """Where the project fetched a loop that the failing frames hold but do not run on."""
        running = self._running_loop(frames)
        inspected = 0
        for frame, _ in reversed(frames):
            if self._project_path(frame.f_code.co_filename) is None:
                continue
            inspected += 1
            if inspected > 4:
                break
            for value in list(frame.f_locals.values()):
                for loop in _loops_in(value):
                    if loop is running:
                        continue
                    with self._lock:
                        fetched, created = self._origins.get(loop, ([], []))
                    # The line that fetched the loop is what bound the object to it; where
                    # the loop was created or entered is the next best answer.
                    if fetched or created:
                        return (fetched or created)[0]
        return None

    def _running_loop(self, frames: list[tuple[FrameType, int]]) -> object:
        for frame, _ in reversed(frames):
            if self._is_loop_entry(frame):
                local = frame.f_locals
                for holder in (local.get("self"), local.get("runner")):
                    if isinstance(holder, asyncio.AbstractEventLoop):
                        return holder
                    loop = _instance_dict(holder).get("_loop")
                    if isinstance(loop, asyncio.AbstractEventLoop):
                        return loop
                return None
        return None

    def _direct_caller(self, frame: FrameType | None) -> Site | None:
        """The first frame outside asyncio / the stdlib / this plugin, if it is the project's."""
        depth = 0
        while frame is not None and depth < _MAX_DEPTH:
            filename = frame.f_code.co_filename
            if not self._is_transparent(filename):
                path = self._project_path(filename)
                return None if path is None else (path, frame.f_lineno)
            frame = frame.f_back
            depth += 1
        return None

    def _is_transparent(self, filename: str) -> bool:
        known = self._transparent.get(filename)
        if known is not None:
            return known
        if not os.path.isabs(filename):  # <frozen runpy>, <string>
            result = True
        else:
            result = False
            for variant in (os.path.abspath(filename), os.path.realpath(filename)):
                if variant.startswith(self._own):
                    result = True
                elif variant.startswith(self._stdlib):
                    result = not _in_site_packages(variant)
                if result:
                    break
        self._transparent[filename] = result
        return result

    def _project_path(self, filename: str) -> str | None:
        try:
            return self._where[filename]
        except KeyError:
            pass
        result: str | None = None
        if os.path.isabs(filename):
            for variant in (os.path.abspath(filename), os.path.realpath(filename)):
                prefix = next((p for p in self._root_prefixes if variant.startswith(p)), None)
                if prefix is None or variant.startswith(self._foreign + self._own):
                    continue
                rel = variant[len(prefix) :]
                if not _in_site_packages(rel):
                    result = rel.replace(os.sep, "/")
                    break
        self._where[filename] = result
        return result


def _in_site_packages(path: str) -> bool:
    parts = path.split(os.sep)
    return "site-packages" in parts or "dist-packages" in parts


def _frames(exc: BaseException) -> list[tuple[FrameType, int]]:
    """The frames of `exc`, outermost first: the live callers of where it was caught, then
    its traceback down to where it was raised."""
    inner = _traceback(exc)
    return (_callers(inner[0][0].f_back) if inner else []) + inner


def _traceback(exc: BaseException) -> list[tuple[FrameType, int]]:
    frames: list[tuple[FrameType, int]] = []
    tb = exc.__traceback__
    while tb is not None and len(frames) < _MAX_DEPTH:
        frames.append((tb.tb_frame, tb.tb_lineno))
        tb = tb.tb_next
    return frames


def _callers(frame: FrameType | None) -> list[tuple[FrameType, int]]:
    """`frame` and the frames that called it, outermost first, at their current lines."""
    frames: list[tuple[FrameType, int]] = []
    while frame is not None and len(frames) < _MAX_DEPTH:
        frames.append((frame, frame.f_lineno))
        frame = frame.f_back
    frames.reverse()
    return frames


def _chain(exc: BaseException) -> list[BaseException]:
    """`exc`, its causes and contexts, and the members of exception groups."""
    out: list[BaseException] = []
    seen: set[int] = set()
    stack = [exc]
    while stack and len(out) < 64:
        err = stack.pop()
        if id(err) in seen:
            continue
        seen.add(id(err))
        out.append(err)
        members = getattr(err, "exceptions", None)
        if isinstance(members, (tuple, list)):
            stack.extend(m for m in members if isinstance(m, BaseException))
        for linked in (err.__context__, err.__cause__):
            if linked is not None:
                stack.append(linked)
    return out


def _instance_dict(value: object) -> dict[str, object]:
    """`value.__dict__` without running any `__getattr__` of the object."""
    try:
        found = object.__getattribute__(value, "__dict__")
    except Exception:
        return {}
    return found if isinstance(found, dict) else {}


def _loops_in(value: object) -> Iterator[object]:
    """Event loops held by `value`: itself, a future's loop, or its attributes'."""
    for candidate in (value, *list(_instance_dict(value).values())[:64]):
        if isinstance(candidate, asyncio.AbstractEventLoop):
            yield candidate
        elif isinstance(candidate, asyncio.Future):
            try:
                yield candidate.get_loop()
            except Exception:
                pass


def _strip_reprs(text: str) -> str:
    """Replace object reprs (`<Task pending name='Task-3' coro=<...>>`) with `<...>`: they
    carry counters and addresses that differ between runs."""
    out: list[str] = []
    i, n = 0, len(text)
    while i < n:
        if text[i] == "<":
            depth, j = 0, i
            while j < n:
                if text[j] == "<":
                    depth += 1
                elif text[j] == ">":
                    depth -= 1
                    if depth == 0:
                        break
                j += 1
            if j < n and " " in text[i:j]:
                out.append("<...>")
                i = j + 1
                continue
        out.append(text[i])
        i += 1
    return "".join(out)
