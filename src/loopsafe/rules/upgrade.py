"""What breaks on the newest Python a project supports: shared by the rules that split a
site between "deprecated" (review) and "raises on your target" (fix)."""

from __future__ import annotations

from loopsafe.facts.callgraph import Root
from loopsafe.facts.model import SiteKind
from loopsafe.facts.python_versions import target_text
from loopsafe.model import Category
from loopsafe.rules.context import SiteContext

RAISES_FROM = (3, 14)  # get_event_loop() with no current loop raises in every thread
# Where sync code may run with no loop set: nothing in the project shows one set before.
NO_LOOP_CATEGORIES = frozenset(
    {
        Category.ENTRYPOINT,
        Category.WORKER_TASK,
        Category.SYNC_WRAPPER,
        Category.MODULE_LEVEL,
        Category.TEST_CODE,
        Category.THREAD,
    }
)


# Roots of a sync function's callers from which it may run with no loop set.
_NO_LOOP_ROOTS = (
    (Root.MODULE, "library code that runs at import"),
    (Root.EXPOSED, "outside callers (it is library API)"),
    (Root.UNKNOWN, "callers the analysis cannot see"),
    (Root.ENTRY, "an entry point"),
    (Root.WORKER, "a worker task"),
    (Root.THREAD, "a thread"),
)


def no_loop_paths(ctx: SiteContext) -> list[str]:
    """The other ways into a function that async code calls, by which it may run with no
    loop set: empty when only coroutines reach it (then a loop is always running)."""
    if ctx.category is not Category.REACHABLE_FROM_ASYNC or not ctx.site.scope:
        return []
    project = ctx.project
    kinds = project.reach.kinds(ctx.key)
    paths = [words for root, words in _NO_LOOP_ROOTS if root in kinds]
    if project.reach.sync_test_caller(ctx.key, project.index, project.roles.test_modules):
        paths.append("sync test code")
    return paths


def only_coroutines_call(ctx: SiteContext) -> bool:
    """A `get_event_loop()` in sync code that only coroutines reach, so a loop is always
    running when it runs (not after a `set_event_loop()` of its own)."""
    return (
        ctx.category is Category.REACHABLE_FROM_ASYNC
        and ctx.site.kind is SiteKind.FETCH
        and not ctx.site.after_set
        and not no_loop_paths(ctx)
    )


def fetch_raises_on_target(ctx: SiteContext) -> bool:
    """Does this `get_event_loop()` in sync code raise on the project's target Python: a
    path with no loop set (no guard, no `set_event_loop()` before it) on 3.14 or later?
    Code that async code calls counts when some other path reaches it too."""
    site = ctx.site
    if site.runs_below and tuple(site.runs_below) <= RAISES_FROM:
        return False  # a shim for older Pythons: it never runs on 3.14
    return (
        (ctx.category in NO_LOOP_CATEGORIES or bool(no_loop_paths(ctx)))
        and not site.after_set
        and ctx.project.target_python(ctx.module) >= RAISES_FROM
    )


def target_words(ctx: SiteContext) -> str:
    """`3.15, the newest it supports` or `3.14, the target set`, for messages."""
    version = target_text(ctx.project.target_python(ctx.module))
    how = "the target set" if ctx.project.target_version else "the newest it supports"
    return f"{version}, {how}"
