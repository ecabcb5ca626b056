"""The result cache: per-file facts by content hash, and the last run by tree signature.

Stored as JSON, never pickle: the cache directory lives in the analysed tree, and loading
a pickle an attacker committed there would execute their code. Anything unreadable or
malformed is treated as a miss.
"""

from __future__ import annotations

import json
import os
import tempfile
from dataclasses import asdict, fields
from pathlib import Path
from typing import Any, TypeVar

from loopsafe.facts.model import Call, ClassInfo, FileFacts, Function, Site
from loopsafe.model import Action, Category, Finding, Fix, FixSafety, ParseError, Result

T = TypeVar("T")
_NESTED: dict[type, dict[str, Any]] = {
    FileFacts: {
        "functions": ("dict", Function),
        "classes": ("dict", ClassInfo),
        "module_calls": ("list", Call),
        "main_calls": ("list", Call),
        "module_thread_targets": ("list", Call),
        "module_worker_targets": ("list", Call),
        "module_loop_callbacks": ("list", Call),
        "sites": ("list", Site),
        "suppressions": ("lines", None),
    },
    Function: {
        "calls": ("list", Call),
        "thread_targets": ("list", Call),
        "loop_callbacks": ("list", Call),
        "worker_targets": ("list", Call),
    },
}


def _load(cls: type[T], data: Any) -> T:
    if not isinstance(data, dict):
        raise ValueError("bad cache entry")
    nested = _NESTED.get(cls, {})
    kwargs: dict[str, Any] = {}
    for f in fields(cls):  # type: ignore[arg-type]
        if f.name not in data:
            continue
        value = data[f.name]
        spec = nested.get(f.name)
        if spec is not None:
            kind, inner = spec
            if kind == "dict":
                value = {k: _load(inner, v) for k, v in value.items()}
            elif kind == "list":
                value = [_load(inner, v) for v in value]
            elif kind == "lines":
                value = {int(k): tuple(v) for k, v in value.items()}
        kwargs[f.name] = value
    return cls(**kwargs)


def facts_to_json(facts: FileFacts) -> dict[str, Any]:
    return asdict(facts)


def facts_from_json(data: Any) -> FileFacts:
    return _load(FileFacts, data)


def result_to_json(result: Result) -> dict[str, Any]:
    return {
        "files_scanned": result.files_scanned,
        "findings": [_finding_json(f) for f in result.findings],
        "parse_errors": [asdict(e) for e in result.parse_errors],
    }


def _finding_json(finding: Finding) -> dict[str, Any]:
    data = asdict(finding)
    data["category"] = finding.category.value
    data["action"] = finding.action.value
    data["fix"] = {"safety": finding.fix.safety.value, "replacement": finding.fix.replacement}
    data["call_path"] = list(finding.call_path)
    return data


def result_from_json(data: Any) -> Result:
    findings = []
    for item in data["findings"]:
        item = dict(item)
        item["category"] = Category(item["category"])
        item["action"] = Action(item["action"])
        item["fix"] = Fix(FixSafety(item["fix"]["safety"]), item["fix"]["replacement"])
        item["call_path"] = tuple(item["call_path"])
        findings.append(Finding(**item))
    errors = [ParseError(**e) for e in data["parse_errors"]]
    return Result(files_scanned=int(data["files_scanned"]), findings=findings, parse_errors=errors)


class Cache:
    """One directory, three JSON files; writes are atomic (temp file + rename)."""

    def __init__(self, directory: Path, enabled: bool = True, fingerprint: str = "") -> None:
        self.directory = directory
        self.enabled = enabled
        self.fingerprint = fingerprint  # of loopsafe itself: facts from other code are stale
        self.facts: dict[str, Any] = {}
        self.stats: dict[str, list[Any]] = {}
        self._dirty = False

    def _read(self, name: str) -> Any:
        try:
            with open(self.directory / name, encoding="utf-8") as handle:
                return json.load(handle)
        except (OSError, ValueError):
            return None

    def load(self) -> None:
        if not self.enabled:
            return
        data = self._read("facts.json")
        if isinstance(data, dict) and data.get("fingerprint") == self.fingerprint:
            entries = data.get("entries")
            if isinstance(entries, dict):
                self.facts = entries
        stats = self._read("stats.json")
        if isinstance(stats, dict):
            self.stats = stats

    def last_run(self, key: str) -> Result | None:
        if not self.enabled:
            return None
        data = self._read("run.json")
        if not isinstance(data, dict) or data.get("key") != key:
            return None
        try:
            return result_from_json(data["result"])
        except (KeyError, TypeError, ValueError):
            return None

    def get_facts(self, digest: str) -> FileFacts | tuple[int, str] | None:
        entry = self.facts.get(digest)
        if entry is None:
            return None
        try:
            if "error" in entry:
                return (int(entry["line"]), str(entry["error"]))
            return facts_from_json(entry["facts"])
        except (KeyError, TypeError, ValueError):
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
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            ignore = self.directory / ".gitignore"
            if not ignore.exists():
                ignore.write_text("# Created by loopsafe automatically.\n*\n", encoding="utf-8")
            if self._dirty or set(self.facts) - live_digests:
                kept = {k: v for k, v in self.facts.items() if k in live_digests}
                self._write("facts.json", {"fingerprint": self.fingerprint, "entries": kept})
            self._write("stats.json", self.stats)
            self._write("run.json", {"key": run_key, "result": result_to_json(result)})
        except OSError:
            return  # a read-only tree just means no cache

    def _write(self, name: str, data: Any) -> None:
        fd, tmp = tempfile.mkstemp(dir=self.directory, prefix=f".{name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as handle:
                json.dump(data, handle, separators=(",", ":"))
            os.replace(tmp, self.directory / name)
        except BaseException:
            try:
                os.unlink(tmp)
            except OSError:
                pass
            raise
