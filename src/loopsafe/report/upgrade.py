"""The report's upgrade readiness: on each Python from the oldest a project supports to the
one in development, how many of its sites work, warn or break, before and after the fixes.

A site is a finding of a rule that declares a `PythonChange` (accepted sites are LS100
findings, so shims never count). Each sub-project (the nearest packaging file, or a
script's own PEP 723 block) gets rows of its own, since each says which Pythons it runs on.
"After" is exactly what the fixer applies: a site counts as fixed only when its own
finding's fix is among the fixes applied, never because another fix touched the line.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from loopsafe.analysis import Analysis, Project
from loopsafe.facts.python_versions import (
    NEWEST_RELEASED,
    OLDEST,
    minimum_python,
    parse_target,
    script_maximum_python,
    script_minimum_python,
    target_text,
)
from loopsafe.fix.apply import FixReport
from loopsafe.model import Action, Finding
from loopsafe.rules.registry import PythonChange, all_rules, get_rule

Version = tuple[int, int]
IN_DEVELOPMENT: Version = (NEWEST_RELEASED[0], NEWEST_RELEASED[1] + 1)
STATES = ("work", "warn", "break")


@dataclass(frozen=True)
class _Scope:
    """Where a site's Python range comes from, and that range."""

    name: str  # the sub-project's directory ("." at the root), or the script's path
    minimum: Version
    minimum_declared: bool
    maximum: Version
    maximum_from: str  # "target-version", "requires-python" or "newest-released"


def upgrade_readiness(analysis: Analysis, fixes: FixReport, *, applied: bool) -> dict[str, Any]:
    """The section as JSON: per scope, one row per Python version and the breaking sites."""
    project = analysis.project
    modules = {path: module for module, path in project.index.paths.items()}
    fixed = {id(planned.finding) for planned in fixes.fixed}
    skipped = {id(planned.finding): planned.reason for planned in fixes.skipped}
    groups: dict[_Scope, list[tuple[Finding, PythonChange]]] = {}
    scopes: dict[str, _Scope] = {}
    for finding in sorted(analysis.result.findings, key=Finding.sort_key):
        rule = get_rule(finding.code)
        change = rule.python_change if rule is not None else None
        if change is None or finding.action is Action.OK:
            continue
        scope = scopes.get(finding.path)
        if scope is None:
            module = modules.get(finding.path, finding.path)
            scope = scopes[finding.path] = _scope(project, finding.path, module)
        groups.setdefault(scope, []).append((finding, change))
    return {
        "newest_released": target_text(NEWEST_RELEASED),
        "in_development": target_text(IN_DEVELOPMENT),
        "fixes_applied": applied,
        "rules": [
            {
                "code": rule.code,
                "rule": rule.name,
                "deprecated": _text(rule.python_change.deprecated),
                "breaks": target_text(rule.python_change.breaks),
                "how": rule.python_change.how,
            }
            for rule in all_rules()
            if rule.python_change is not None
        ],
        "projects": [
            _scope_entry(scope, sites, fixed, skipped)
            for scope, sites in sorted(groups.items(), key=lambda item: item[0].name)
        ],
    }


def _scope(project: Project, relpath: str, module: str) -> _Scope:
    """The Python range the file at `relpath` must run on, and whose it is."""
    text = project.text(relpath)
    projects = project.roles.projects
    script_minimum = script_minimum_python(text)
    script = script_minimum is not None or script_maximum_python(text) is not None
    if script:
        name = relpath
        minimum, declared = script_minimum or OLDEST, script_minimum is not None
    else:
        directory = projects.project_of(relpath) if projects else None
        name = directory or "."
        texts = projects.packaging.get(directory, []) if projects and directory is not None else []
        stated = minimum_python(texts)
        minimum, declared = stated or OLDEST, stated is not None
    maximum = project.target_python(module)
    explicit = parse_target(project.target_version) if project.target_version else None
    if explicit is not None:
        source = "target-version"
    elif maximum < NEWEST_RELEASED:
        source = "requires-python"
    else:
        source = "newest-released"
    return _Scope(name, minimum, declared, maximum, source)


def _scope_entry(
    scope: _Scope,
    sites: list[tuple[Finding, PythonChange]],
    fixed: set[int],
    skipped: dict[int, str],
) -> dict[str, Any]:
    newest = max([IN_DEVELOPMENT, *(change.breaks for _, change in sites)])
    versions = [(3, minor) for minor in range(scope.minimum[1], newest[1] + 1)]
    rows = []
    for version in versions:
        before = dict.fromkeys(STATES, 0)
        after = dict.fromkeys(STATES, 0)
        for finding, change in sites:
            state = _state(change, version)
            before[state] += 1
            after["work" if id(finding) in fixed else state] += 1
        rows.append(
            {
                "python": target_text(version),
                "supported": version <= scope.maximum,
                "released": version <= NEWEST_RELEASED,
                "before": before,
                "after": after,
            }
        )
    breaking: dict[Version, list[dict[str, Any]]] = {}
    for finding, change in sites:
        breaking.setdefault(change.breaks, []).append(
            _site(finding, change, id(finding) in fixed, skipped.get(id(finding)))
        )
    return {
        "project": scope.name,
        "minimum": target_text(scope.minimum),
        "minimum_declared": scope.minimum_declared,
        "maximum": target_text(scope.maximum),
        "maximum_from": scope.maximum_from,
        "sites": len(sites),
        "versions": rows,
        "breaking": [
            {"python": target_text(version), "sites": items}
            for version, items in sorted(breaking.items())
        ],
    }


def _state(change: PythonChange, version: Version) -> str:
    if version >= change.breaks:
        return "break"
    if change.deprecated is not None and version >= change.deprecated:
        return "warn"
    return "work"


def _site(
    finding: Finding, change: PythonChange, fixed: bool, skipped: str | None
) -> dict[str, Any]:
    if fixed:
        why = ""
    elif finding.action is Action.REVIEW:
        why = "left for review (no automatic fix)"
    else:
        why = skipped or "no automatic fix"
    return {
        "path": finding.path,
        "line": finding.line,
        "code": finding.code,
        "rule": finding.rule,
        "category": finding.category.value,
        "action": finding.action.value,
        "deprecated": _text(change.deprecated),
        "breaks": target_text(change.breaks),
        "how": change.how,
        "fixed": fixed,
        "fix_safety": finding.fix.safety.value if fixed else "none",
        "not_fixed": why,
    }


def _text(version: Version | None) -> str | None:
    return target_text(version) if version is not None else None
