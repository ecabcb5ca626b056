"""Apply every rule family to the sites of a module."""

from __future__ import annotations

from loopsafe.facts.model import FileFacts, SiteKind
from loopsafe.model import Category, Finding
from loopsafe.rules import loop_entry, loop_state, pytest_setup
from loopsafe.rules.catalogue import CODE_NAMES
from loopsafe.rules.context import Project, site_context
from loopsafe.rules.verdict import Verdict

_ENTRY_KINDS = (SiteKind.RUN, SiteKind.LOOP_RUN, SiteKind.WAIT)
_PYTEST_KINDS = (SiteKind.FIXTURE, SiteKind.MARK)


def evaluate_module(
    project: Project, module: str, facts: FileFacts, run_sync: str
) -> list[Finding]:
    """Findings for every site of one module."""
    findings: list[Finding] = []
    path = project.relpath(module)
    for site in facts.sites:
        if (
            site.kind == SiteKind.WAIT
            and site.wait_target
            and not _enters_loop(project, facts, module, site.wait_target)
        ):
            continue
        ctx = site_context(project, module, facts, site)
        verdict: Verdict
        if site.kind in _PYTEST_KINDS:
            ctx.category = Category.PYTEST_CONFIG
            verdict = pytest_setup.check(ctx)
        elif site.kind in _ENTRY_KINDS:
            if site.kind == SiteKind.WAIT:
                ctx.category = Category.ASYNC_CONTEXT
            verdict = loop_entry.check(ctx, run_sync)
        else:
            verdict = loop_state.check(ctx)
        findings.append(
            Finding(
                path=path,
                line=site.line,
                col=site.col,
                end_line=site.end_line,
                end_col=site.end_col,
                code=verdict.code,
                rule=CODE_NAMES[verdict.code],
                category=ctx.category,
                action=verdict.action,
                message=verdict.message,
                fix=verdict.fix,
                function=ctx.function_label,
                call_path=ctx.call_path,
            )
        )
    return findings


def _enters_loop(project: Project, facts: FileFacts, module: str, target: str) -> bool:
    """Does the submitted function (or a sync function it calls) enter an event loop?"""
    index = project.index
    todo = list(index.resolve(target))
    seen: set[str] = set()
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        ref = index.functions[key]
        owner = index.modules[ref.module]
        if any(
            s.scope == ref.func.qualname and s.kind in (SiteKind.RUN, SiteKind.LOOP_RUN)
            for s in owner.sites
        ):
            return True
        todo.extend(
            t for t in project.reach.edges.get(key, []) if not index.functions[t].func.is_async
        )
    return False
