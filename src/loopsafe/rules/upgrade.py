"""What breaks on the newest Python a project supports: shared by the rules that split a
site between "deprecated" (review) and "raises on your target" (fix)."""

from __future__ import annotations

from loopsafe.facts.callgraph import Root
from loopsafe.facts.model import SiteKind
from loopsafe.facts.python_versions import target_text
from loopsafe.model import Category
from loopsafe.rules.context import SiteContext
from loopsafe.rules.registry import PythonChange

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


def no_loop_where(ctx: SiteContext) -> str:
    """Where a site that may run with no loop set is, for messages: its category, or for
    code coroutines call, the other ways in."""
    paths = no_loop_paths(ctx)[:2]
    if not paths:
        return ctx.category.value
    verb = "do" if len(paths) > 1 else "does"
    return f"async code calls it, but so {verb} {' and '.join(paths)}, where no loop may be set"


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
    if site.loop_running:
        return False  # a loop runs there: get_event_loop() returns it
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


def removed_api_shim(ctx: SiteContext, change: PythonChange, api: str) -> str:
    """Why a use of a removed API is fine where it runs ("" when it is not): the code only
    runs on Pythons where the API exists (a version check, `hasattr()`, a `try` that
    handles the ImportError), or only on Pythons the project no longer supports."""
    below = tuple(ctx.site.runs_below)
    if not below:
        return ""
    version = ".".join(str(part) for part in below[:2])
    if below <= change.breaks:
        warns = ""
        if change.deprecated is not None and below > change.deprecated:
            warns = f"; from {target_text(change.deprecated)} it warns there"
        return (
            f"this code only runs on Pythons before {version}, where {api} exists (a "
            f"compatibility shim{warns})"
        )
    oldest = ctx.project.oldest_python(ctx.module)
    if below <= oldest:
        return (
            f"this code only runs on Pythons before {version}, older than the "
            f"{target_text(oldest)} the project requires (a compatibility shim)"
        )
    return ""


def current_loop_helper(ctx: SiteContext) -> tuple[str, str, str]:
    """Where the fixed code gets `current_loop()`: ("module:current_loop", the relpath of
    the helper copy to write or "", ""); ("", "", "") when no import of the helper would
    work here (a top-level module of a packaged project that does not depend on loopsafe);
    ("", "", why) when the project names a helper of its own."""
    from loopsafe.vendor import VENDORED_MODULE

    helper, copy = ctx.project.run_sync_for(ctx.module)
    if not helper:
        return "", "", ""
    module = helper.partition(":")[0]
    if module.rpartition(".")[2] not in ("loopsafe", VENDORED_MODULE):
        return "", "", f"the helper module `{module}` is the project's own; call its equivalent"
    return f"{module}:current_loop", copy, ""


def loop_set_by_callee(ctx: SiteContext) -> str:
    """A project function called before the site in its function (on an earlier line, or
    in an argument of the same line) that fetches or sets the current loop, so that a loop
    is set once it returns (3.14 raises in it first): its label; "" when there is none."""
    func, project = ctx.function, ctx.project
    if func is None:
        return ""
    for call in func.calls:
        if call.is_value or call.line > ctx.site.line:
            continue
        for key in project.index.resolve_call(call):
            ref = project.index.functions.get(key)
            facts = project.index.modules.get(ref.module) if ref else None
            if ref is None or facts is None or ref.func.is_async:
                continue
            if any(
                s.kind in (SiteKind.FETCH, SiteKind.SET)
                for s in project.scope_sites(facts, ref.func.qualname)
            ):
                return ref.label
    return ""
