"""Judge every site of a module, and the project as a whole, with the rule registry."""

from __future__ import annotations

from loopsafe.analysis import Project
from loopsafe.facts.model import FileFacts
from loopsafe.model import Finding
from loopsafe.rules.context import site_context
from loopsafe.rules.registry import registry


def evaluate_module(project: Project, module: str, facts: FileFacts) -> list[Finding]:
    """Findings for every site of one module (suppressed ones included)."""
    rules = registry()
    findings: list[Finding] = []
    path = project.relpath(module)
    for site in facts.sites:
        ctx = site_context(project, module, facts, site)
        judged = rules.judge(ctx)
        if judged is None:
            continue
        _rule, verdict = judged
        findings.append(
            Finding(
                path=path,
                line=site.line,
                col=site.col,
                end_line=site.end_line,
                end_col=site.end_col,
                code=verdict.code,
                rule=rules.by_code[verdict.code].name,
                category=ctx.category,
                action=verdict.action,
                message=verdict.message,
                fix=verdict.fix,
                function=ctx.function_label,
                call_path=ctx.call_path,
            )
        )
    return findings


def evaluate_project(project: Project) -> list[Finding]:
    """Findings of the rules about the project as a whole (its pytest set-up)."""
    return [finding for rule in registry().rules for finding in rule.project_findings(project)]
