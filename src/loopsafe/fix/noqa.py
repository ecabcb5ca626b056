"""`check --add-noqa`: a suppression comment for every finding that needs attention, on
the line the suppression is read from (the finding's first line), merged into the comment
already there. As ruff's `--add-noqa`: the way to adopt loopsafe on a codebase that has
many findings, then fix them one at a time."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from loopsafe.facts.suppressions import suppression_lines
from loopsafe.fix.apply import FileChange, _check, _read
from loopsafe.fix.suppressions import edit_comments
from loopsafe.model import Finding, Result
from loopsafe.parse.source import SourceError

UNUSED = "LS001"  # removed by `fix`, not suppressed


@dataclass
class NoqaPlan:
    changes: list[FileChange] = field(default_factory=list)
    added: int = 0  # findings that got a code in a comment
    lines: int = 0  # comments written or extended
    skipped: list[tuple[Finding, str]] = field(default_factory=list)  # and why


def plan_noqa(result: Result, cwd: Path) -> NoqaPlan:
    """The file changes that suppress every actionable finding of `result`. Findings in
    files that are not Python (pytest configuration) cannot carry a comment; unused
    suppressions (LS001) are left for `fix` to remove."""
    plan = NoqaPlan()
    unparsable = {e.path for e in result.parse_errors}
    by_file: dict[str, list[Finding]] = {}
    for finding in result.findings:
        if not finding.actionable:
            continue
        if finding.code == UNUSED:
            plan.skipped.append((finding, "an unused suppression: remove it with `fix`"))
        elif not finding.path.endswith((".py", ".pyw")) or finding.path in unparsable:
            plan.skipped.append((finding, "not a Python file: use --baseline or --ignore"))
        else:
            by_file.setdefault(finding.path, []).append(finding)
    for path, findings in sorted(by_file.items()):
        abspath = Path(path) if Path(path).is_absolute() else cwd / path
        add: dict[int, list[str]] = {}
        try:
            source = _read(abspath, path)
            # finding line -> the line its comment goes on
            at = suppression_lines(source.text, {f.line for f in findings})
            for finding in findings:
                codes = add.setdefault(at[finding.line], [])
                if finding.code not in codes:
                    codes.append(finding.code)
            for codes in add.values():
                codes.sort()
            text, done = edit_comments(source.text, add=add)
        except SourceError as exc:
            plan.skipped += [(f, exc.message) for f in findings]
            continue
        except Exception as exc:  # LibCST on input it cannot parse: leave the file alone
            plan.skipped += [(f, f"{type(exc).__name__}: {exc}") for f in findings]
            continue
        problem = _check(text, source, path) if text != source.text else ""
        if problem:
            plan.skipped += [(f, problem) for f in findings]
            continue
        plan.lines += len(done)
        for finding in findings:
            if at[finding.line] in done:
                plan.added += 1
            else:
                plan.skipped.append((finding, "the line cannot carry a comment"))
        if text != source.text:
            plan.changes.append(
                FileChange(
                    path, abspath, source.text, text, source.encoding, source.bom, raw=source.raw
                )
            )
    return plan
