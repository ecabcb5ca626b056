"""Turn planned fixes into new file contents, check them, and write them safely.

A fix is all-or-nothing: if one of its edits cannot be applied (in any file), or a file
would no longer compile, the fix is dropped and the others are applied without it. Files
that failed to parse are never touched. Writes keep encoding, BOM, line endings and mode
bits, and go through a temporary file and a rename.
"""

from __future__ import annotations

import dataclasses
import difflib
import functools
import os
import warnings
from dataclasses import dataclass, field
from pathlib import Path

import libcst as cst

from loopsafe.analysis import Analysis
from loopsafe.deep_stack import call_with_deep_stack
from loopsafe.fix.config_edit import set_options
from loopsafe.fix.layout import (
    drops_final_cr,
    restore_layout,
    split_lines,
    split_tail,
    strip_form_feeds,
)
from loopsafe.fix.transform import apply_ops
from loopsafe.model import Action, ConfigEdit, Finding, FixSafety, Op
from loopsafe.parse.source import SourceError, parse_source, read_source
from loopsafe.transaction import Write, commit, write_problem
from loopsafe.vendor import HELPER_MARK, vendored_source


@dataclass
class Planned:
    """One finding's fix, as its rule planned it, or why it is not applied."""

    finding: Finding
    reason: str = ""  # why it is not applied (empty when it is)

    @property
    def code(self) -> str:
        return self.finding.code

    @property
    def path(self) -> str:
        return self.finding.path

    @property
    def line(self) -> int:
        return self.finding.line

    @property
    def unsafe(self) -> bool:
        return self.finding.fix.safety is FixSafety.UNSAFE

    @property
    def ops(self) -> dict[str, list[Op]]:
        """The edits, by file."""
        out: dict[str, list[Op]] = {}
        for path, op in self.finding.fix.edits:
            out.setdefault(path, []).append(op)
        return out

    @property
    def config(self) -> tuple[ConfigEdit, ...]:
        return self.finding.fix.config


@dataclass
class FileChange:
    path: str  # as in findings: relative to the cwd
    abspath: Path
    before: str
    after: str
    encoding: str = "utf-8"
    bom: bool = False
    exists: bool = True
    raw: bytes = b""  # the file's bytes when it was read to plan the change

    def data(self) -> bytes:
        """The new bytes: the file's own encoding, its BOM kept."""
        data = self.after.encode(self.encoding)
        return b"\xef\xbb\xbf" + data if self.bom else data

    def diff(self) -> bytes:
        """A unified diff of the file's bytes, as `git diff` prints it: lines in the file's
        own encoding, its BOM on line 1, so `patch -p1` / `git apply` reproduce the fix."""
        bom = "\ufeff" if self.bom else ""
        lines = difflib.unified_diff(
            (bom + self.before).splitlines(keepends=True) if self.exists else [],
            (bom + self.after).splitlines(keepends=True),
            fromfile=f"a/{self.path}" if self.exists else "/dev/null",
            tofile=f"b/{self.path}",
        )
        out = bytearray()
        for number, line in enumerate(lines):
            # The two header lines name the paths (UTF-8); the rest is the file's text.
            out += line.encode("utf-8" if number < 2 else self.encoding, "surrogateescape")
            if not line.endswith("\n"):  # git's marker, so the patch keeps the missing newline
                out += b"\n\\ No newline at end of file\n"
        return bytes(out)


@dataclass
class FixReport:
    changes: list[FileChange] = field(default_factory=list)
    fixed: list[Planned] = field(default_factory=list)
    skipped: list[Planned] = field(default_factory=list)  # with `.reason`
    review: list[Finding] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)  # internal errors: files left as they were


@dataclass
class _Source:
    text: str
    encoding: str
    bom: bool
    compiles: bool
    raw: bytes


def plan_fixes(
    analysis: Analysis, *, unsafe: bool, cwd: Path, root: Path | None = None
) -> FixReport:
    """Everything `--fix` would change, computed without writing anything. `root`: the
    project root fixes may write inside (`transaction.project_root`); fixes that would
    write outside it, or to a read-only or non-regular file, are skipped, saying why."""
    report = FixReport()
    report.review = [f for f in analysis.result.findings if f.action is Action.REVIEW]
    unparsable = {e.path for e in analysis.result.parse_errors}
    candidates: list[Planned] = []
    for finding in analysis.result.findings:
        if finding.action is not Action.FIX:
            continue
        planned = Planned(finding)
        fix = finding.fix
        if fix.safety is FixSafety.NONE:
            planned.reason = fix.reason or "no automatic fix"
        elif fix.safety is FixSafety.UNSAFE and not unsafe:
            planned.reason = "unsafe fix: apply it with --unsafe-fixes"
        elif any(path in unparsable for path, _ in fix.edits):
            planned.reason = "a file it would change could not be parsed"
        if planned.reason:
            report.skipped.append(planned)
        else:
            candidates.append(planned)
    _, unreadable = _config_changes(candidates, cwd)
    for planned in [p for p in candidates if any(e.path in unreadable for e in p.config)]:
        planned.reason = next(unreadable[e.path] for e in planned.config if e.path in unreadable)
        report.skipped.append(planned)
        candidates.remove(planned)
    if root is not None:
        for planned in list(candidates):
            problem = _write_problem(planned, analysis, cwd, root)
            if problem:
                planned.reason = problem
                report.skipped.append(planned)
                candidates.remove(planned)
    for planned in [p for p in candidates if p.finding.fix.helper_copy]:
        problem = _helper_copy_problem(cwd / planned.finding.fix.helper_copy)
        if problem:
            planned.reason = problem
            report.skipped.append(planned)
            candidates.remove(planned)
    sources: dict[str, _Source] = {}
    while True:
        results, failed = _transform_all(analysis, candidates, sources)
        if not failed:
            break
        for planned, reason in failed:
            planned.reason = reason
            report.skipped.append(planned)
            candidates.remove(planned)
    for path, text in sorted(results.items()):
        source = sources[path]
        if text != source.text:
            report.changes.append(
                FileChange(
                    path,
                    analysis.abspaths[path],
                    source.text,
                    text,
                    source.encoding,
                    source.bom,
                    raw=source.raw,
                )
            )
    report.changes.extend(_config_changes(candidates, cwd)[0])
    report.changes.extend(_helper_copies(candidates, cwd))
    report.fixed = candidates
    return report


def _write_problem(planned: Planned, analysis: Analysis, cwd: Path, root: Path) -> str:
    """Why one of the files `planned` changes must not be written ("" when all may)."""
    shown = {path: analysis.abspaths.get(path, cwd / path) for path in planned.ops}
    for edit in planned.config:
        shown[edit.path] = Path(edit.path) if Path(edit.path).is_absolute() else cwd / edit.path
    if planned.finding.fix.helper_copy:
        shown[planned.finding.fix.helper_copy] = cwd / planned.finding.fix.helper_copy
    for name, path in shown.items():
        problem = write_problem(path, root)
        if problem:  # named as the findings name it
            return problem.replace(os.fsdecode(path), name, 1)
    return ""


def _helper_copy_problem(path: Path) -> str:
    """Why fixes cannot import the vendored helper at `path` ("" when they can: it is a
    copy of loopsafe's helper, or missing and to be written)."""
    if not path.exists() and not path.is_symlink():
        return "" if path.parent.is_dir() else f"{path.parent} is not a directory"
    try:
        if path.is_symlink() or not path.is_file():
            return f"{path} is not a regular file; set run-sync-import"
        with path.open("rb") as handle:
            head = handle.read(65536)
    except OSError as exc:
        return f"{path} could not be read ({exc.strerror or exc})"
    if HELPER_MARK.search(head):
        return ""
    return f"{path} exists and is not loopsafe's helper; set run-sync-import"


def _helper_copies(candidates: list[Planned], cwd: Path) -> list[FileChange]:
    """The vendored helper for fixes that import it, written once where it is missing."""
    wanted = sorted({p.finding.fix.helper_copy for p in candidates if p.finding.fix.helper_copy})
    return [
        FileChange(relpath, cwd / relpath, "", vendored_source(), exists=False)
        for relpath in wanted
        if not (cwd / relpath).exists()
    ]


def _transform_all(
    analysis: Analysis, candidates: list[Planned], sources: dict[str, _Source]
) -> tuple[dict[str, str], list[tuple[Planned, str]]]:
    """New text per file, and the fixes that could not be applied (with why)."""
    by_file: dict[str, list[tuple[Planned, Op]]] = {}
    for planned in candidates:
        for path, ops in planned.ops.items():
            by_file.setdefault(path, []).extend((planned, op) for op in ops)
    results: dict[str, str] = {}
    failed: dict[int, tuple[Planned, str]] = {}
    first_party = {module.partition(".")[0] for module in analysis.project.index.modules}
    first_party |= analysis.project.top_modules  # files the prefilter did not parse too
    for path, entries in by_file.items():
        if path not in sources:
            try:
                sources[path] = _read(analysis.abspaths[path], path)
            except (SourceError, KeyError) as exc:
                reason = getattr(exc, "message", "the file could not be read")
                for planned, _ in entries:
                    failed[id(planned)] = (planned, reason)
                continue
        seen = analysis.read.get(path)
        if seen is not None and seen != sources[path].raw:  # edited while loopsafe ran
            for planned, _ in entries:
                failed[id(planned)] = (planned, f"{path} changed since it was analysed")
            continue
        source = sources[path]
        ops = [op for _, op in entries]
        refused: dict[Op, str] = {}
        try:
            new_text, applied = call_with_deep_stack(
                functools.partial(_apply_keeping_layout, source.text, ops, refused, first_party)
            )
        except Exception as exc:  # a LibCST failure on odd input: leave the file alone
            for planned, _ in entries:
                failed[id(planned)] = (planned, f"internal error: {type(exc).__name__}: {exc}")
            continue
        missing = [(planned, op) for planned, op in entries if op not in applied]
        for planned, op in missing:
            why = f": {refused[op]}" if op in refused else ""
            failed[id(planned)] = (
                planned,
                f"could not rewrite {path}:{op.line} ({op.kind.value}){why}",
            )
        if missing:
            continue
        problem = _check(new_text, source, path)
        if problem:
            for planned, _ in entries:
                failed[id(planned)] = (planned, f"internal error: {problem}; {path} left as it was")
            continue
        results[path] = new_text
    return results, list(failed.values())


def _apply_keeping_layout(
    text: str, ops: list[Op], refused: dict[Op, str], first_party: set[str]
) -> tuple[str, set[Op]]:
    """`apply_ops`, with the form feeds and final newlines LibCST would drop kept."""
    whole = text
    text, tail = split_tail(whole)
    given = strip_form_feeds(text)
    if given != text:  # columns on a line that lost its form feeds move left
        shifts = [
            len(a) - len(b) for a, b in zip(split_lines(text), split_lines(given), strict=False)
        ]
        moved = {_shifted(op, shifts): op for op in ops}
        inner: dict[Op, str] = {}
        new_text, done = apply_ops(given, list(moved), inner, first_party)
        applied = {moved[op] for op in done}
        refused.update({moved[op]: why for op, why in inner.items()})
    else:
        new_text, applied = apply_ops(given, ops, refused, first_party)
    if new_text == given:
        return whole, applied
    drops = given.endswith("\r") and drops_final_cr(given, cst.parse_module(given).code)
    return restore_layout(text, given, new_text, libcst_drops_final_cr=drops) + tail, applied


def _shifted(op: Op, shifts: list[int]) -> Op:
    """`op` with its columns moved left by the form feeds removed from their lines."""

    def shift(line: int) -> int:
        return shifts[line - 1] if 0 < line <= len(shifts) else 0

    col = op.col - shift(op.line) if op.col else 0
    end_col = op.end_col - shift(op.end_line) if op.end_col else 0
    return dataclasses.replace(op, col=col, end_col=end_col)


def _read(abspath: Path, path: str) -> _Source:
    data = read_source(abspath)
    parsed = parse_source(data, path)
    return _Source(parsed.text, parsed.encoding, parsed.bom, _compiles(parsed.text, path), data)


def _compiles(text: str, path: str) -> bool:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            compile(text, path, "exec", dont_inherit=True)
        return True
    except (SyntaxError, ValueError):
        return False


def _check(text: str, source: _Source, path: str) -> str:
    """Why the new text must not replace the old one ("" when it may)."""
    if source.compiles:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                compile(text, path, "exec", dont_inherit=True)
        except SyntaxError as exc:
            return f"the fixed code would not compile ({exc.msg}, line {exc.lineno})"
        return ""
    try:  # newer syntax than this Python: at least it must still parse
        parse_source(text.encode(source.encoding, errors="strict"), path)
    except (SourceError, UnicodeError) as exc:
        return f"the fixed code would not parse ({exc})"
    return ""


_SCOPES = ("function", "class", "module", "package", "session")


def _broadest(values: list[str]) -> str:
    known = [v for v in values if v in _SCOPES]
    return max(known, key=_SCOPES.index) if known else values[-1]


def _config_changes(
    candidates: list[Planned], cwd: Path
) -> tuple[list[FileChange], dict[str, str]]:
    """One edit per config file, and why a config file cannot be edited (by path).
    Several `event_loop` overrides with different scopes (one per conftest.py) become the
    broadest: every fixture still gets a loop that lives at least as long as it does."""
    merged: dict[tuple[str, str], dict[str, list[str]]] = {}
    for planned in candidates:
        for edit in planned.config:
            options = merged.setdefault((edit.path, edit.section), {})
            for key, value in edit.options:
                options.setdefault(key, []).append(value)
    edits: dict[str, list[tuple[str, dict[str, str]]]] = {}
    for (path, section), options in merged.items():
        chosen = {key: _broadest(values) for key, values in options.items()}
        edits.setdefault(path, []).append((section, chosen))
    changes = []
    failed: dict[str, str] = {}
    for path, sections in sorted(edits.items()):
        abspath = Path(path) if Path(path).is_absolute() else cwd / path
        exists = abspath.is_file()
        try:
            raw = abspath.read_bytes() if exists else b""
            bom = raw.startswith(b"\xef\xbb\xbf")
            before = raw.removeprefix(b"\xef\xbb\xbf").decode("utf-8")  # keeps line endings
            crlf = "\r\n" in before
            after = before.replace("\r\n", "\n") if crlf else before
            for section, values in sections:
                after = set_options(path, after, section, values)
        except (OSError, ValueError) as exc:  # unreadable, not UTF-8, not valid TOML
            failed[path] = f"{path} could not be edited ({type(exc).__name__}: {exc})"
            continue
        if crlf:  # edited as LF, written back with the file's own line endings
            after = after.replace("\r\n", "\n").replace("\n", "\r\n")
        if after != before:
            changes.append(
                FileChange(path, abspath, before, after, bom=bom, exists=exists, raw=raw)
            )
    return changes, failed


def write_changes(changes: list[FileChange], root: Path) -> None:
    """Every file written, or none (`TransactionError`): each checked unchanged since it
    was read, then staged beside itself and put in place, with its encoding, BOM, line
    endings, mode, owner and hard links (see `loopsafe.transaction`)."""
    commit(
        [Write(c.abspath, c.data(), c.raw if c.exists else None, c.path) for c in changes],
        root,
    )
