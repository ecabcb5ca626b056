"""The audit report's content, as one JSON-able structure.

Every number and list in the Markdown comes from this structure, so the two formats can
never disagree: `loopsafe report --format json` prints it, the Markdown renders it.
"""

from __future__ import annotations

import difflib
import json
import re
from collections import Counter
from pathlib import Path
from typing import Any

from loopsafe import __version__
from loopsafe.analysis import Analysis
from loopsafe.conflicts import conflict_label
from loopsafe.fix.apply import FixReport, Planned
from loopsafe.model import Action, Category, Finding, OpKind
from loopsafe.output.json import finding_dict
from loopsafe.report.upgrade import upgrade_readiness
from loopsafe.rules.registry import get_rule
from loopsafe.untrusted import read_regular
from loopsafe.vendor import VENDORED_MODULE

_MAX_RUNTIME_BYTES = 256 * 1024 * 1024

_LEFT_AS_IS = (
    Category.ENTRYPOINT,
    Category.WORKER_TASK,
    Category.THREAD,
    Category.GUARDED,
    Category.TEST_CODE,
    Category.ASYNC_CONTEXT,
    Category.REACHABLE_FROM_ASYNC,
    Category.SYNC_WRAPPER,
    Category.MODULE_LEVEL,
    Category.PYTEST_CONFIG,
)


def build_report(
    analysis: Analysis,
    fixes: FixReport,
    *,
    applied: bool,
    project: str,
    tests: dict[str, Any] | None = None,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    baseline: dict[str, Any] | None = None,
) -> dict[str, Any]:
    """`applied`: the fixes in `fixes` were written (`fix --report`), not just planned.
    `baseline`: the baseline file that left findings out of `analysis` ({"file",
    "hidden", "stale"}), reported as the `baseline` key."""
    result = analysis.result
    test_paths = _test_paths(analysis)
    findings = result.findings
    in_tests = [f for f in findings if _is_test(f, test_paths)]
    by_action = Counter(f.action.value for f in findings)
    by_category = Counter(f.category.value for f in findings)
    fixed_keys = {(p.path, p.line, p.code) for p in fixes.fixed}
    fixable = [f for f in findings if (f.path, f.line, f.code) in fixed_keys]
    not_fixable = [
        f for f in findings if f.action is Action.FIX and (f.path, f.line, f.code) not in fixed_keys
    ]
    report: dict[str, Any] = {
        "version": 1,
        "generated_by": f"loopsafe {__version__}",
        "project": project,
        "summary": {
            "files_scanned": result.files_scanned,
            "sites": {
                "total": len(findings),
                "source": len(findings) - len(in_tests),
                "tests": len(in_tests),
            },
            "by_action": {a.value: by_action.get(a.value, 0) for a in Action},
            "by_category": {c.value: by_category.get(c.value, 0) for c in Category},
            "fixes": {
                "fixed_now": len(fixable) if applied else 0,
                "fixable": 0 if applied else len(fixable),
                "not_fixable": len(not_fixable),
                "left_for_review": by_action.get(Action.REVIEW.value, 0),
                "accepted": by_action.get(Action.OK.value, 0),
            },
            "parse_errors": len(result.parse_errors),
        },
        "fixes": [_fix_entry(p, fixes, findings, applied) for p in fixes.fixed],
        "skipped_fixes": [
            {"path": p.path, "line": p.line, "code": p.code, "reason": p.reason}
            for p in fixes.skipped
        ],
        "helper": _helper(analysis),
        "left_as_is": _left_as_is(findings),
        "tests": tests,
        "pytest_config": [_entry(f) for f in findings if f.category is Category.PYTEST_CONFIG],
        "remaining": [_entry(f) for f in findings if f.action is Action.REVIEW]
        + [_entry(f) for f in not_fixable],
        "parse_errors": [
            {"path": e.path, "line": e.line, "message": e.message} for e in result.parse_errors
        ],
        "upgrade": upgrade_readiness(analysis, fixes, applied=applied),
        "verification": _verification(tests),
        "impact": _impact(before, after),
    }
    if baseline is not None:
        report["baseline"] = baseline
    return report


def _test_paths(analysis: Analysis) -> set[str]:
    roles = analysis.project.roles
    paths = analysis.project.index.paths
    return {paths[m] for m in roles.test_modules if m in paths}


def _is_test(finding: Finding, test_paths: set[str]) -> bool:
    return finding.path in test_paths or finding.category in (
        Category.TEST_CODE,
        Category.PYTEST_CONFIG,
    )


_ENTRY_KEYS = ("path", "line", "code", "rule", "category", "action", "message", "call_path")


def _entry(finding: Finding) -> dict[str, Any]:
    """A finding as `check --format json` shows it, without what a report does not need."""
    data = finding_dict(finding)
    return {key: data[key] for key in _ENTRY_KEYS}


def _fix_entry(
    planned: Planned, fixes: FixReport, findings: list[Finding], applied: bool
) -> dict[str, Any]:
    finding = next(
        (
            f
            for f in findings
            if (f.path, f.line, f.code) == (planned.path, planned.line, planned.code)
        ),
        None,
    )
    before, after = _snippets(planned, fixes)
    if not after.strip():
        after = "# (removed)"
    for edit in planned.config:
        settings = "\n".join(f"{key} = {value}" for key, value in edit.options)
        after += f"\n# and in {edit.path}, [{edit.section}]:\n{settings}"
    return {
        "path": planned.path,
        "line": planned.line,
        "code": planned.code,
        "rule": rule.name if (rule := get_rule(planned.code)) else "",
        "why": finding.message if finding else "",
        "safety": "unsafe" if planned.unsafe else "safe",
        "applied": applied,
        "files": sorted({*planned.ops, *(c.path for c in planned.config)}),
        "before": before,
        "after": after,
    }


def _snippets(planned: Planned, fixes: FixReport) -> tuple[str, str]:
    """The lines around the site before and after the fix (from the planned file change)."""
    change = next((c for c in fixes.changes if c.path == planned.path), None)
    if change is None:
        return "", ""
    old = change.before.splitlines()
    new = change.after.splitlines()
    matcher = difflib.SequenceMatcher(a=old, b=new, autojunk=False)
    target = planned.line - 1
    for tag, i1, i2, j1, j2 in matcher.get_opcodes():
        if tag == "equal":
            continue
        if i1 <= target < max(i2, i1 + 1):
            # Blank lines at either end belong to the layout, not to the fix.
            return "\n".join(old[i1:i2]).strip("\n"), "\n".join(new[j1:j2]).strip("\n")
    return old[target] if target < len(old) else "", ""


def _helper(analysis: Analysis) -> dict[str, Any]:
    spec = _helper_spec(analysis)
    module, _, name = spec.partition(":")
    info: dict[str, Any] = {"import": f"from {module} import {name}", "spec": spec}
    if module == "loopsafe":
        info.update(source="dependency", location="the loopsafe package", version=__version__)
    else:
        location = _module_file(analysis, module)
        version = ""
        if location is not None:
            raw = read_regular(location, 64 * 1024 * 1024) or b""  # never a FIFO or device
            head = raw[:400].decode("utf-8", errors="replace")
            found = re.search(r"Vendored from loopsafe ([0-9][\w.]*)", head)
            version = found.group(1) if found else ""
        if location is None and module.rpartition(".")[2] == VENDORED_MODULE:
            info.update(
                source="vendored",
                location=f"{module} (written by `loopsafe fix` with the first fix using it)",
                version=__version__,
            )
        else:
            info.update(
                source="vendored" if version else "project module",
                location=str(location) if location else f"{module} (not found in the project)",
                version=version,
            )
    info["guarantees"] = [
        "no loop running: runs on this thread's own loop, kept between calls, so loop-bound "
        "objects keep working; tasks left behind are cancelled before it returns",
        "a loop running: RuntimeError naming the caller's file:line (the coroutine is closed "
        "first, so no 'never awaited' warning)",
        "allow_running_loop=True: one long-lived background loop thread, contextvars copied, "
        "the original exception re-raised; timeout= honoured",
        "Ctrl-C cancels the coroutine, runs its finally blocks, then re-raises",
        "a coroutine that needs the blocked caller's loop raises LoopDeadlockError instead of "
        "hanging",
    ]
    return info


def _helper_spec(analysis: Analysis) -> str:
    """The helper the fixes import ("module:name"): the one most of them use."""
    specs = Counter(
        op.name.partition("+")[0]
        for finding in analysis.result.findings
        for _, op in finding.fix.edits
        if op.kind is OpKind.RUN_SYNC
    )
    if specs:
        return specs.most_common(1)[0][0]
    mode = analysis.project.run_sync
    return "loopsafe:run_sync" if mode in ("auto", "vendor") else mode


def _module_file(analysis: Analysis, module: str) -> Path | None:
    wanted = module.replace(".", "/")
    for rel, path in analysis.abspaths.items():
        if rel.endswith((f"{wanted}.py", f"{wanted}/__init__.py")):
            return path
    return None


def _left_as_is(findings: list[Finding]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for category in _LEFT_AS_IS:
        items = [
            {"path": f.path, "line": f.line, "code": f.code, "reason": f.message}
            for f in findings
            if f.action is Action.OK and f.category is category
        ]
        if items:
            groups[category.value] = items
    return groups


def _verification(tests: dict[str, Any] | None) -> list[str]:
    """Run from the project root, like every path in the report."""
    commands = [
        "loopsafe check .",
        "loopsafe fix --unsafe-fixes --diff .",
        "pytest --loopsafe",
    ]
    if tests:
        categories = sorted({f["category"] for f in tests.get("files", [])})
        commands += [f"pytest -m {c}" for c in categories]
    return commands


def _impact(before: dict[str, Any] | None, after: dict[str, Any] | None) -> dict[str, Any] | None:
    if before is None and after is None:
        return None
    return {"before": _runtime_summary(before), "after": _runtime_summary(after)}


def _runtime_summary(data: dict[str, Any] | None) -> dict[str, Any] | None:
    if data is None:
        return None
    tests = data.get("tests", {})
    by_error: Counter[str] = Counter()
    sites: set[tuple[str, int]] = set()
    for conflict in data.get("conflicts", []):
        if conflict.get("outcome") != "failed":
            continue
        error = str(conflict.get("error", ""))
        label = conflict_label(error) or error[:80] or "unknown"
        by_error[label] += 1
        site = conflict.get("site") or {}
        sites.add((str(site.get("path", "")), int(site.get("line", 0))))
    return {
        "total": int(tests.get("total", 0)),
        "failed": int(tests.get("failed", 0)),
        "failed_by_loop_conflict": int(tests.get("failed_by_loop_conflict", 0)),
        "by_error": dict(sorted(by_error.items())),
        "sites": len(sites),
    }


def load_runtime(path: Path) -> dict[str, Any]:
    raw = read_regular(path, _MAX_RUNTIME_BYTES)  # never blocks on a FIFO, never /dev/zero
    if raw is None:
        path.stat()  # OSError for a missing or unreadable file: its own message
        raise ValueError(f"{path}: not a regular file of at most 256 MB")
    data = json.loads(raw.decode("utf-8"))
    if not isinstance(data, dict) or data.get("version") != 1 or "tests" not in data:
        raise ValueError(f"{path}: not a .loopsafe/runtime.json (version 1) file")
    return data
