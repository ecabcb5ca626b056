"""Rules for sites that enter a loop: LS100-LS106 and LS303.

`asyncio.run()`, `run_until_complete()` and friends start a loop and block until the
coroutine ends. That is right where no loop runs (a CLI, a worker, a thread) and fails
where one already runs ("cannot be called from a running event loop").
"""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, Fix, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.verdict import ACCEPTED, Verdict, fix_of

_ACCEPTED_WHY = {
    Category.ENTRYPOINT: "an entry point starts with no loop running",
    Category.WORKER_TASK: "a worker task runs with no loop running",
    Category.THREAD: "a worker thread has no loop running",
    Category.GUARDED: "an explicit check makes sure no loop is running",
    Category.TEST_CODE: "sync test code runs with no loop running",
}


def check(ctx: SiteContext, run_sync: str) -> Verdict:
    site, category = ctx.site, ctx.category
    api = f"`{site.api}`"
    if site.kind == SiteKind.WAIT:
        return _wait(ctx)
    if category is Category.ASYNC_CONTEXT:
        code = "LS102" if site.kind == SiteKind.LOOP_RUN else "LS101"
        return Verdict(
            code,
            Action.FIX,
            f"{api} inside coroutine `{_name(ctx)}` raises 'cannot be called from a running "
            f"event loop' (or blocks it); `await` the coroutine instead.",
            _await_fix(ctx),
        )
    if category is Category.REACHABLE_FROM_ASYNC:
        path = " -> ".join(ctx.call_path)
        code = "LS303" if ctx.is_test_module else "LS103"
        return Verdict(
            code,
            Action.FIX,
            f"{api} in `{_name(ctx)}` runs inside a running loop because async code calls it "
            f"({path}); make the chain async and `await` it, or hand the call to a thread.",
            Fix(FixSafety.UNSAFE, ""),
        )
    if category is Category.TEST_CODE and ctx.fixture_used_by_async:
        return Verdict(
            "LS303",
            Action.FIX,
            f"{api} in sync fixture `{_name(ctx)}` builds objects on a throw-away loop that "
            f"async tests then use ('attached to a different loop', 'Event loop is closed'); "
            f"make it an async fixture that awaits instead.",
            Fix(FixSafety.UNSAFE, ""),
        )
    if category is Category.SYNC_WRAPPER:
        fix = Fix()
        if site.replacement:
            helper = run_sync.rpartition(":")[2] or "run_sync"
            safe = site.safe_fix and site.kind == SiteKind.RUN and site.api == "asyncio.run()"
            fix = fix_of(f"{helper}({site.replacement})", safe)
        return Verdict(
            "LS104",
            Action.FIX,
            f"{api} in library function `{_name(ctx)}` fails for callers that already run a "
            f"loop (notebooks, ASGI apps, async tests); call `{_helper(run_sync)}` instead.",
            fix,
        )
    if category is Category.MODULE_LEVEL:
        return Verdict(
            "LS106",
            Action.REVIEW,
            f"{api} runs when the library module {ctx.module} is imported, and fails if that "
            f"import happens inside a running loop; move it into a function or an entry point.",
        )
    why = _ACCEPTED_WHY.get(category, "no loop is running there")
    return Verdict(
        ACCEPTED,
        Action.OK,
        f"Accepted: {api} in {_where(ctx)} is fine because {ctx.reason}; {why}.",
    )


def _helper(run_sync: str) -> str:
    """`loopsafe:run_sync` -> `run_sync()` from `loopsafe`, as a reader would write it."""
    module, _, name = run_sync.partition(":")
    return f"{name}()` from `{module}"


def _wait(ctx: SiteContext) -> Verdict:
    site = ctx.site
    fix = fix_of(site.replacement, False)
    return Verdict(
        "LS105",
        Action.FIX,
        f"`{site.api}` inside coroutine `{_name(ctx)}` blocks the running loop until the work "
        f"ends (and deadlocks if the work needs that loop); `await` the work instead.",
        fix,
    )


def _await_fix(ctx: SiteContext) -> Fix:
    site = ctx.site
    if not site.replacement:
        return Fix()
    text = site.replacement
    if not text.startswith("await "):
        text = f"await {text}"
    if site.api in ("anyio.run()", "trio.run()"):
        return fix_of(text, False)
    return fix_of(text, site.safe_fix)


def _name(ctx: SiteContext) -> str:
    return ctx.site.scope or ctx.module


def _where(ctx: SiteContext) -> str:
    if ctx.site.scope:
        return f"`{ctx.site.scope}`"
    return f"the top level of {ctx.module}"
