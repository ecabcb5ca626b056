"""Where a site runs: the category, decided from project-wide facts.

This is docs/classification.md sections 2, 4 and 5 as code. Rules receive a `SiteContext`
and decide the code, action, message and fix.
"""

from __future__ import annotations

from dataclasses import dataclass

from loopsafe.analysis import Project
from loopsafe.facts.callgraph import Root
from loopsafe.facts.model import FileFacts, Function, ScopeKind, Site, SiteKind
from loopsafe.model import Category

_NO_LOOP_ORDER = (
    (Root.THREAD, Category.THREAD),
    (Root.WORKER, Category.WORKER_TASK),
    (Root.ENTRY, Category.ENTRYPOINT),
)
# Sites whose category their kind decides.
_KIND_CATEGORY = {
    SiteKind.WAIT: (Category.ASYNC_CONTEXT, "it waits inside a coroutine"),
    SiteKind.FIXTURE: (Category.PYTEST_CONFIG, "it is part of the pytest set-up"),
    SiteKind.MARK: (Category.PYTEST_CONFIG, "it is part of the pytest set-up"),
}


@dataclass
class SiteContext:
    project: Project
    module: str
    facts: FileFacts
    site: Site
    category: Category
    function: Function | None
    function_label: str  # "module.Class.method" for JSON `function`
    call_path: tuple[str, ...] = ()
    reason: str = ""  # why this category, for messages ("only reachable from ...")
    is_test_module: bool = False
    fixture_used_by_async: bool = False
    # Why the analyser cannot list who calls it ("stored in a container in f", "no
    # caller found"): the verdict must say so and not guess.
    unknown_callers: str = ""

    @property
    def name(self) -> str:
        """The function the site is in, for messages (the module at module level)."""
        return self.site.scope or self.module

    @property
    def where(self) -> str:
        if self.site.scope:
            return f"`{self.site.scope}`"
        return f"the top level of {self.module}"

    @property
    def key(self) -> str:
        """The enclosing function as the project index names it."""
        return f"{self.module}.{self.site.scope}"


def site_context(project: Project, module: str, facts: FileFacts, site: Site) -> SiteContext:
    func = facts.functions.get(site.scope) if site.scope else None
    label = f"{module}.{site.scope}" if site.scope else module
    is_test = module in project.roles.test_modules
    ctx = SiteContext(
        project=project,
        module=module,
        facts=facts,
        site=site,
        category=Category.MODULE_LEVEL,
        function=func,
        function_label=label,
        is_test_module=is_test,
    )
    ctx.category, ctx.reason = _categorize(ctx)
    return ctx


def _categorize(ctx: SiteContext) -> tuple[Category, str]:
    site, project, module = ctx.site, ctx.project, ctx.module
    if site.kind in _KIND_CATEGORY:
        return _KIND_CATEGORY[site.kind]
    if site.thread_api or site.scope_kind == ScopeKind.THREAD:
        return Category.THREAD, "it runs in a worker thread, where no loop is running"
    if site.scope_kind == ScopeKind.ASYNC:
        return Category.ASYNC_CONTEXT, f"`{_short(ctx.function_label)}` is a coroutine"
    if site.guarded:
        return Category.GUARDED, "it only runs when no event loop is running"
    if site.scope_kind == ScopeKind.MODULE or ctx.function is None:
        if site.in_main_block:
            return (
                Category.ENTRYPOINT,
                f'it is in the `if __name__ == "__main__":` block of {module}',
            )
        if ctx.is_test_module:
            return Category.TEST_CODE, f"it is test code in {module}"
        if module in project.roles.script_modules:
            return (
                Category.ENTRYPOINT,
                f"it is the top level of the script {module}, which nothing imports",
            )
        return Category.MODULE_LEVEL, f"it runs when the library module {module} is imported"
    key = f"{module}.{site.scope}"
    kinds = project.reach.kinds(key)
    if Root.ASYNC in kinds:
        ctx.call_path = tuple(project.reach.call_path(key, project.index))
        return Category.REACHABLE_FROM_ASYNC, "an async function calls it"
    if ctx.is_test_module:
        ctx.fixture_used_by_async = key in project.async_used_fixtures
        return Category.TEST_CODE, f"it is test code in {module}"
    if Root.EXPOSED in kinds:
        return Category.SYNC_WRAPPER, "it is library code that outside callers can reach"
    if Root.MODULE in kinds:
        origin = project.reach.origin.get((Root.MODULE, key), module)
        return Category.SYNC_WRAPPER, f"library code runs it ({origin})"
    if Root.UNKNOWN in kinds:
        # Never "only reachable from X" when callers escape the analysis.
        ctx.unknown_callers = project.reach.origin.get((Root.UNKNOWN, key), "no caller found")
        return Category.SYNC_WRAPPER, f"its callers are unknown ({ctx.unknown_callers})"
    present = [(root, cat) for root, cat in _NO_LOOP_ORDER if root in kinds]
    if present:
        root, category = present[0]
        origin = project.reach.origin.get((root, key), "")
        others = [c.value for r, c in present[1:]]
        if origin.endswith(f" {module}:{site.scope}"):
            reason = f"it is the {origin}"
        elif origin:
            reason = f"it is only reachable from the {origin}"
        else:
            reason = "it has no async caller"
        if others:
            reason += f" (also from {' and '.join(others)} code)"
        return category, reason
    return Category.SYNC_WRAPPER, "it is library code that outside callers can reach"


def _short(label: str) -> str:
    return label.rpartition(".")[2] or label
