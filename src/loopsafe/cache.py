"""The result cache: per-file facts by content hash, and the last run by tree signature.

The cache directory lives in the analysed tree (like `.ruff_cache`), which an attacker
may control, so it is never trusted:
- it is JSON, never pickle (loading a pickle runs code);
- every file carries a keyed BLAKE2 MAC made with a secret kept in the user's own cache
  directory, so a crafted `.loopsafe_cache/` committed to a repository is ignored rather
  than believed (it could otherwise hide findings);
- anything unreadable, unsigned or malformed is a miss, and the first reason a file
  there was refused (a symlink, a FIFO, unsigned) is kept as `notice` for the user;
- its files are read only if regular and of bounded size, and the directory is read and
  written only if no component below the project root is a symlink (`untrusted`): a FIFO,
  `/dev/zero` or a link out of the tree shipped as the cache is ignored, never followed.
Facts are stored positionally (one list per dataclass), which is several times smaller
and faster than `dataclasses.asdict`.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import json
import os
import secrets
from dataclasses import fields
from operator import attrgetter
from pathlib import Path
from typing import TYPE_CHECKING, Any

from loopsafe.model import Action, Category, Finding, Fix, FixSafety, ParseError, Result
from loopsafe.untrusted import CacheDirectory, read_regular

if TYPE_CHECKING:
    from loopsafe.facts.model import FileFacts

_Plan = tuple[type, Any, list[tuple[int, str, Any]]]
# The largest cache file read: facts of ~100,000 files. A bigger one is a miss.
MAX_CACHE_BYTES = 512 * 1024 * 1024
GITIGNORE = b"# Created by loopsafe automatically.\n*\n"


@functools.cache
def _plans() -> dict[type, _Plan]:
    """Per fact type: its fields' getter and which fields nest other fact types (or hold
    enums). Built on first use, so a whole-run cache hit never imports the analyser's fact
    types."""
    from loopsafe.facts.model import (
        Call,
        ClassInfo,
        FileFacts,
        Function,
        LoopApi,
        ScopeKind,
        Site,
        SiteKind,
    )

    nested: dict[type, dict[str, tuple[str, Any]]] = {
        FileFacts: {
            "functions": ("dict", Function),
            "classes": ("dict", ClassInfo),
            "module_calls": ("list", Call),
            "main_calls": ("list", Call),
            "module_thread_targets": ("list", Call),
            "module_worker_targets": ("list", Call),
            "module_loop_callbacks": ("list", Call),
            "module_escapes": ("list", Call),
            "sites": ("list", Site),
            "suppressions": ("lines", None),
            "made": ("pairs", None),
        },
        ClassInfo: {"made": ("pairs", None)},
        Function: {
            "calls": ("list", Call),
            "thread_targets": ("list", Call),
            "loop_callbacks": ("list", Call),
            "worker_targets": ("list", Call),
            "escapes": ("list", Call),
        },
        Site: {
            "kind": ("enum", SiteKind),
            "api": ("enum", LoopApi),
            "scope_kind": ("enum", ScopeKind),
        },
    }
    plans: dict[type, _Plan] = {}
    for cls in (Call, Site, ClassInfo, Function, FileFacts):
        names = [f.name for f in fields(cls)]
        inner = nested.get(cls, {})
        plan = [(i, *inner[n]) for i, n in enumerate(names) if n in inner]
        plans[cls] = (cls, attrgetter(*names), plan)
    return plans


def _encode(obj: Any) -> list[Any]:
    _, get, plan = _plans()[type(obj)]
    row = list(get(obj))
    for i, kind, _inner in plan:
        value = row[i]
        if kind == "dict":
            row[i] = {k: _encode(v) for k, v in value.items()}
        elif kind == "list":
            row[i] = [_encode(v) for v in value]
        elif kind == "enum":
            row[i] = value.value
        elif kind == "pairs":
            row[i] = {k: list(v) for k, v in value.items()}
        else:  # "lines": {line: codes}; JSON keys are strings
            row[i] = {str(k): list(v) for k, v in value.items()}
    return row


def _decode(cls: type, row: Any) -> Any:
    plan = _plans()[cls]
    if not isinstance(row, list) or len(row) != len(fields(cls)):
        raise ValueError("bad cache entry")
    row = list(row)
    for i, kind, inner in plan[2]:
        value = row[i]
        if kind == "dict":
            row[i] = {str(k): _decode(inner, v) for k, v in value.items()}
        elif kind == "list":
            row[i] = [_decode(inner, v) for v in value]
        elif kind == "enum":
            row[i] = inner(value)  # ValueError for a value this version does not know
        elif kind == "pairs":
            row[i] = {str(k): (str(v[0]), str(v[1])) for k, v in value.items()}
        else:
            row[i] = {int(k): tuple(str(c) for c in v) for k, v in value.items()}
    return cls(*row)


def facts_to_json(facts: FileFacts) -> list[Any]:
    return _encode(facts)


def facts_from_json(data: Any) -> FileFacts:
    from loopsafe.facts.model import FileFacts

    facts: FileFacts = _decode(FileFacts, data)
    _check(facts)
    return facts


def _check(facts: FileFacts) -> None:
    """Reject an entry whose shape is not what this version writes (ValueError)."""
    ok = isinstance(facts.module, str) and all(
        isinstance(table, dict)
        and all(isinstance(k, str) and isinstance(v, str) for k, v in table.items())
        for table in (facts.imports, facts.constructed, facts.aliases, facts.bindings)
    )
    ok = ok and isinstance(facts.bound_names, dict)
    ok = ok and all(type(n) is int for n in facts.bound_names.values())
    for site in facts.sites:
        numbers = (site.line, site.col, site.end_line, site.end_col)
        ok = ok and isinstance(site.scope, str) and isinstance(site.target, str)
        ok = ok and all(type(n) is int for n in numbers)
    for func in facts.functions.values():
        ok = ok and isinstance(func.qualname, str) and isinstance(func.decorators, list)
        for call in (*func.calls, *func.thread_targets, *func.loop_callbacks):
            ok = ok and isinstance(call.target, str) and isinstance(call.self_class, str)
    if not ok:
        raise ValueError("cache entry of another shape")


def result_to_json(result: Result) -> dict[str, Any]:
    return {
        "files_scanned": result.files_scanned,
        "findings": [_finding_json(f) for f in result.findings],
        "parse_errors": [[e.path, e.line, e.message, e.code] for e in result.parse_errors],
    }


def _finding_json(f: Finding) -> list[Any]:
    return [
        f.path,
        f.line,
        f.col,
        f.end_line,
        f.end_col,
        f.code,
        f.rule,
        f.category.value,
        f.action.value,
        f.message,
        f.fix.safety.value,
        f.fix.replacement,
        f.function,
        list(f.call_path),
    ]


def result_from_json(data: Any) -> Result:
    findings = []
    for row in data["findings"]:
        path, line, col, end_line, end_col, code, rule, cat, act, msg, safety, repl, fn, cp = row
        findings.append(
            Finding(
                path,
                int(line),
                int(col),
                int(end_line),
                int(end_col),
                code,
                rule,
                Category(cat),
                Action(act),
                msg,
                Fix(FixSafety(safety), repl),
                fn,
                tuple(cp),
            )
        )
    errors = [ParseError(str(p), int(n), str(m), str(c)) for p, n, m, c in data["parse_errors"]]
    return Result(files_scanned=int(data["files_scanned"]), findings=findings, parse_errors=errors)


def _secret() -> bytes | None:
    """This user's cache key, created on first use; None when it cannot be kept."""
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    path = Path(base) / "loopsafe" / "cache.key"
    key = read_regular(path, 64)
    if key is not None and len(key) == 32:
        return key
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(secrets.token_bytes(32))
        key = path.read_bytes()
        return key if len(key) == 32 else None
    except OSError:
        return None


class Cache:
    """One directory, a few signed JSON files; writes are atomic (temp file + rename).
    `root`: the project directory the cache must lie in (default: the cache's parent);
    a cache directory outside it, or reached through a symlink below it, is not used."""

    def __init__(self, directory: Path, enabled: bool = True, root: Path | None = None) -> None:
        self.directory = directory
        self.place = CacheDirectory(root if root is not None else directory.parent, directory)
        self.key = _secret() if enabled and not self.place.problem else None
        self.enabled = self.key is not None
        self.facts: dict[str, Any] = {}
        self._dirty = False
        # Why a cache in the tree was not used, for the user (the first reason only).
        self.notice = self.place.problem if enabled else ""

    def _ignored(self, why: str) -> None:
        if why and not self.notice:
            self.notice = why

    def _mac(self, payload: bytes) -> str:
        assert self.key is not None
        return hashlib.blake2b(payload, key=self.key, digest_size=32).hexdigest()

    def _read(self, name: str) -> Any:
        data = self.place.read(name, MAX_CACHE_BYTES)
        if data is None:  # missing, or not a regular file (a FIFO, a device, a symlink)
            self._ignored(self.place.problem or self.place.unreadable(name, MAX_CACHE_BYTES))
            return None
        mac, _, payload = data.partition(b"\n")
        if not hmac.compare_digest(mac, self._mac(payload).encode("ascii")):
            # not written by this user's loopsafe: never trusted
            self._ignored(f"{self.place.shown(name)} was not signed by this user's loopsafe")
            return None
        try:
            return json.loads(payload)
        except (OSError, ValueError, RecursionError):
            return None

    def load(self) -> None:
        if not self.enabled:
            return
        data = self._read("facts.json")
        if isinstance(data, dict):
            # Each entry's digest covers the code that made it (`scan.facts_version`).
            entries = data.get("entries")
            if isinstance(entries, dict):
                self.facts = entries

    def last_run(self, key: str) -> Result | None:
        if not self.enabled:
            return None
        data = self._read("run.json")
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        try:
            return result_from_json(data["result"])
        except Exception:  # any damage at all is a miss
            return None

    def get_facts(self, digest: str) -> FileFacts | tuple[int, str] | None:
        entry = self.facts.get(digest)
        if not isinstance(entry, dict):
            return None
        try:
            if "error" in entry:
                return (int(entry["line"]), str(entry["error"]))
            return facts_from_json(entry["facts"])
        except Exception:  # any damage at all is a miss: the cache must never break a run
            return None

    def put_facts(self, digest: str, facts: FileFacts | None, line: int, error: str) -> None:
        if not self.enabled:
            return
        if facts is None:
            self.facts[digest] = {"error": error, "line": line}
        else:
            self.facts[digest] = {"facts": facts_to_json(facts)}
        self._dirty = True

    def save(self, run_key: str, result: Result, live_digests: set[str]) -> None:
        if not self.enabled:
            return
        # A read-only tree, or a directory that is not safe to write, just means no cache.
        if not self.place.open(create=True):
            self._ignored(self.place.problem)
            return
        try:
            # Kept out of version control; an existing entry of that name is left alone.
            self.place.write(".gitignore", GITIGNORE, mode=0o644, replace=False)
            if self._dirty or set(self.facts) - live_digests:
                kept = {k: v for k, v in self.facts.items() if k in live_digests}
                self._write("facts.json", {"entries": kept})
            self._write("run.json", {"key": run_key, "result": result_to_json(result)})
        except OSError:
            return  # a full disk or a read-only tree just means no cache
        finally:
            self.place.close()

    def _write(self, name: str, data: Any) -> None:
        payload = json.dumps(data, separators=(",", ":")).encode("utf-8")
        self.place.write(name, self._mac(payload).encode("ascii") + b"\n" + payload)
