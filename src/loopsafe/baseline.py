"""The baseline file: the findings a legacy codebase already had, so `check` reports only
new ones (`check --baseline FILE`, written by `--write-baseline`), `fix` fixes only new ones
and `report` covers only new ones.

An entry is keyed by what survives unrelated edits: the file (relative to the baseline's
folder), the code, the enclosing function's qualified name and a hash of the finding's
source line with whitespace and its trailing comment left out; never the line number.
Each key carries a count, so a second identical finding on a new line is still new. The
JSON is sorted and indented, so it diffs well and only changes when findings do.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import tokenize
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from loopsafe.model import Finding

VERSION = 1
DEFAULT_PATH = "loopsafe-baseline.json"
_MAX_BYTES = 64 * 1024 * 1024


class BaselineError(Exception):
    """A baseline file that cannot be read or is not one (one line for the user)."""


@dataclass(frozen=True, order=True)
class Key:
    path: str
    code: str
    function: str
    source: str  # hash of the normalised source line


@dataclass
class Outcome:
    """What a baseline did to a run's findings."""

    kept: list[Finding]  # reported: not in the baseline (and every `ok` site)
    hidden: int = 0  # findings the baseline covers
    stale: int = 0  # baseline entries (counted) no finding matches any more
    stale_keys: list[Key] = field(default_factory=list)


class Keys:
    """Baseline keys of findings: reads each file once, relative to the baseline's folder."""

    def __init__(self, cwd: Path, baseline: Path) -> None:
        self.cwd = cwd
        self.base = (cwd / baseline).parent
        self.lines: dict[str, list[str]] = {}

    def __call__(self, finding: Finding) -> Key:
        path = Path(finding.path)
        absolute = path if path.is_absolute() else self.cwd / path
        relative = Path(os.path.relpath(absolute, self.base)).as_posix()
        return Key(relative, finding.code, finding.function, self._source(finding))

    def _source(self, finding: Finding) -> str:
        lines = self.lines.get(finding.path)
        if lines is None:
            lines = self.lines[finding.path] = _read_lines(self.cwd / finding.path)
        text = lines[finding.line - 1] if 0 < finding.line <= len(lines) else ""
        return hashlib.sha256(normalised(text).encode("utf-8", "surrogateescape")).hexdigest()[:16]


def _read_lines(path: Path) -> list[str]:
    from loopsafe.facts.nodes import source_lines
    from loopsafe.parse.source import SourceError, decode_source, read_source

    try:
        return source_lines(decode_source(read_source(path)))
    except (SourceError, OSError, UnicodeError, ValueError):
        return []


@dataclass
class Baseline:
    """A baseline file read for a run: `hide` filters the run's findings. The source
    lines are read afresh each time, so it also filters a run made after fixes."""

    path: Path  # as given: relative to `cwd`, or absolute
    cwd: Path
    entries: Counter[Key]

    @classmethod
    def read(cls, cwd: Path, path: Path) -> Baseline:
        """`BaselineError` with a one-line reason when it cannot be read."""
        return cls(path, cwd, load(cwd / path))

    def hide(self, findings: list[Finding]) -> Outcome:
        return apply(findings, self.entries, Keys(self.cwd, self.path))


def describe(path: Path, outcome: Outcome) -> str:
    """The line `check` prints on stderr: what the baseline hid, and what of it is stale."""
    note = f"Baseline {path}: {outcome.hidden} finding(s) hidden"
    if outcome.stale:
        note += (
            f"; {outcome.stale} entr{'y' if outcome.stale == 1 else 'ies'} no longer "
            "found (fixed or changed): shrink it with --write-baseline"
        )
    return note + "."


def normalised(line: str) -> str:
    """The line as the key sees it: no trailing comment (a suppression added later must
    not change it), whitespace runs collapsed."""
    code = line
    try:
        for token in tokenize.generate_tokens(io.StringIO(line).readline):
            if token.type == tokenize.COMMENT:
                code = line[: token.start[1]]
                break
    except (tokenize.TokenError, SyntaxError):
        pass  # a line inside a bracket or string: whatever was read so far decides
    return " ".join(code.split())


def counts(findings: Iterable[Finding], keys: Keys) -> Counter[Key]:
    """Baseline entries for the findings that need attention (`ok` sites never count)."""
    return Counter(keys(f) for f in findings if f.actionable)


def apply(findings: list[Finding], baseline: Counter[Key], keys: Keys) -> Outcome:
    """Hide the findings the baseline covers. Of several findings under one key, the
    first ones in the file are taken as the old ones; the rest are reported as new."""
    seen: Counter[Key] = Counter()
    kept: list[Finding] = []
    hidden = 0
    for finding in sorted(findings, key=Finding.sort_key):
        if finding.actionable:
            key = keys(finding)
            seen[key] += 1
            if seen[key] <= baseline.get(key, 0):
                hidden += 1
                continue
        kept.append(finding)
    stale = {k: n - seen[k] for k, n in baseline.items() if n > seen[k]}
    return Outcome(kept, hidden, sum(stale.values()), sorted(stale))


def dumps(entries: Counter[Key]) -> str:
    """The file's text: sorted, indented, ending with a newline."""
    data = {
        "version": VERSION,
        "tool": "loopsafe",
        "findings": [
            {
                "path": key.path,
                "code": key.code,
                "function": key.function,
                "source": key.source,
                "count": count,
            }
            for key, count in sorted(entries.items())
        ],
    }
    text = json.dumps(data, indent=2, ensure_ascii=False) + "\n"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:  # a file name that is not UTF-8: escaped, so it round-trips
        text = json.dumps(data, indent=2) + "\n"
    return text


def load(path: Path) -> Counter[Key]:
    """The entries of a baseline file; `BaselineError` with a one-line reason."""
    try:
        if not path.is_file():
            if path.exists():
                raise BaselineError(f"{path}: not a regular file")
            raise BaselineError(
                f"{path}: no such baseline file (write one with `loopsafe check --write-baseline`)"
            )
        with path.open("rb") as handle:
            raw = handle.read(_MAX_BYTES + 1)
    except OSError as exc:
        raise BaselineError(f"{path}: cannot read the baseline ({exc.strerror or exc})") from None
    if len(raw) > _MAX_BYTES:
        raise BaselineError(f"{path}: larger than {_MAX_BYTES // (1024 * 1024)} MB")
    try:
        data = json.loads(raw.decode("utf-8", "surrogateescape"))
    except (ValueError, RecursionError) as exc:
        raise BaselineError(f"{path}: not a loopsafe baseline (invalid JSON: {exc})") from None
    return _entries(data, path)


def _entries(data: Any, path: Path) -> Counter[Key]:
    if not isinstance(data, dict) or data.get("version") != VERSION:
        raise BaselineError(f"{path}: not a loopsafe baseline (version {VERSION} expected)")
    found = data.get("findings")
    if not isinstance(found, list):
        raise BaselineError(f"{path}: not a loopsafe baseline (no `findings` list)")
    out: Counter[Key] = Counter()
    for number, entry in enumerate(found, start=1):
        fields = ("path", "code", "function", "source")
        if (
            not isinstance(entry, dict)
            or not all(isinstance(entry.get(name), str) for name in fields)
            or not isinstance(entry.get("count"), int)
            or isinstance(entry.get("count"), bool)
            or entry["count"] < 1
        ):
            raise BaselineError(
                f"{path}: entry {number} needs path, code, function, source (strings) "
                "and count (a positive integer)"
            )
        out[Key(*(entry[name] for name in fields))] += entry["count"]
    return out
