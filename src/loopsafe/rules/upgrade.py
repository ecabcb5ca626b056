"""What breaks on the newest Python a project supports: shared by the rules that split a
site between "deprecated" (review) and "raises on your target" (fix)."""

from __future__ import annotations

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


def fetch_raises_on_target(ctx: SiteContext) -> bool:
    """Does this `get_event_loop()` in sync code raise on the project's target Python: a
    path with no loop set (no guard, no `set_event_loop()` before it) on 3.14 or later?"""
    site = ctx.site
    return (
        ctx.category in NO_LOOP_CATEGORIES
        and not site.after_set
        and ctx.project.target_python(ctx.module) >= RAISES_FROM
    )


def target_words(ctx: SiteContext) -> str:
    """`3.15, the newest it supports` or `3.14, the target set`, for messages."""
    version = target_text(ctx.project.target_python(ctx.module))
    how = "the target set" if ctx.project.target_version else "the newest it supports"
    return f"{version}, {how}"
