"""Fix plans the rules share: how a site becomes an `await`, or a `run_sync()` call.

A rule decides its fix once, when it judges the site: the safety it reports is what the
fixer does, and when the fixer could not do it (the call's shape, a lambda around it) the
finding says why instead of promising a fix. The edits are what `loopsafe.fix` applies.
"""

from __future__ import annotations

from loopsafe.facts.apis import GENERATOR_COROUTINES
from loopsafe.facts.model import LoopApi, Site, SiteKind
from loopsafe.model import ALLOW_RUNNING_LOOP, FRESH_LOOP, Fix, FixSafety, Op, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.vendor import VENDORED_MODULE

_FN_RUNNERS = (LoopApi.ANYIO_RUN, LoopApi.TRIO_RUN)  # run(f, *args): a function, not a coroutine


def at(kind: OpKind, site: Site, name: str = "") -> Op:
    """An edit of the call at `site`."""
    return Op(kind, site.line, site.col, name, end_line=site.end_line, end_col=site.end_col)


def fix(
    ctx: SiteContext, safety: FixSafety, replacement: str, *ops: Op, helper_copy: str = ""
) -> Fix:
    path = ctx.project.relpath(ctx.module)
    return Fix(safety, replacement, edits=tuple((path, op) for op in ops), helper_copy=helper_copy)


def no_fix(reason: str) -> Fix:
    return Fix(FixSafety.NONE, reason=reason)


def starred(arguments: list[str]) -> bool:
    return any(a.startswith("*") for a in arguments)


def await_fix(ctx: SiteContext) -> Fix:
    """`asyncio.run(x)` / `loop.run_until_complete(x)` / `anyio.run(f, *a)` inside a
    coroutine -> `await x` / `await f(*a)`. The original call can never work there (it
    raises, or blocks the running loop), so awaiting changes nothing a caller relies on
    when the coroutine is its only argument; arguments that configure the runner
    (`debug=`, `loop_factory=`) are left for a person."""
    site = ctx.site
    if not site.called:
        return no_fix("the loop function is passed as a value, not called")
    if ctx.function is not None and not GENERATOR_COROUTINES.isdisjoint(ctx.function.decorators):
        return no_fix("a generator-based coroutine cannot `await`; use `yield from`")
    if site.api in (LoopApi.RUNNER, LoopApi.RUN_FOREVER):
        return no_fix(f"`{site.api.value}` has no awaitable to await instead")
    if site.in_lambda:
        return no_fix("the call is inside a lambda or a generator expression")
    if site.api in _FN_RUNNERS:
        if not site.args or starred(site.args[:1]):
            return no_fix(f"{site.api.value} is called without a function to await")
        text = f"await {site.args[0]}({', '.join(site.args[1:])})"
        return fix(ctx, FixSafety.UNSAFE, text, at(OpKind.AWAIT_FN, site))
    if not site.args:
        return no_fix(f"`{site.api.value}` has no awaitable to await instead")
    if starred(site.args[:1]):
        return no_fix("the awaitable is passed with `*`; rewrite it by hand")
    if len(site.args) > 1 or site.keywords:
        return no_fix(
            "arguments besides the coroutine (debug=, loop_factory=...) change behaviour; "
            "rewrite it by hand"
        )
    text = site.args[0] if site.args[0].startswith("await ") else f"await {site.args[0]}"
    return fix(ctx, FixSafety.SAFE, text, at(OpKind.AWAIT, site))


def run_sync_fix(ctx: SiteContext) -> Fix:
    """A sync wrapper's loop entry -> the helper's `run_sync(x, fresh_loop=True)`, which
    is `asyncio.run(x)` where no loop runs and raises a clear error where one does."""
    site = ctx.site
    helper, copy = ctx.project.run_sync_for(ctx.module)
    if not helper:
        return no_fix(NO_HELPER)
    name = helper.rpartition(":")[2] or "run_sync"
    if site.api not in (LoopApi.ASYNCIO_RUN, LoopApi.RUN_UNTIL_COMPLETE) or not site.args:
        return no_fix(f"`{site.api.value}` cannot be replaced by run_sync()")
    if not site.called or starred(site.args[:1]):
        return no_fix(f"`{site.api.value}` is not called with a coroutine run_sync() can take")
    safety = FixSafety.SAFE
    if site.api is LoopApi.ASYNCIO_RUN and (len(site.args) > 1 or site.keywords):
        return no_fix("asyncio.run() arguments (debug=, loop_factory=) change behaviour")
    extra: tuple[Op, ...] = ()
    if site.api is LoopApi.RUN_UNTIL_COMPLETE:
        why = own_loop(site) or loop_kept(ctx)
        if why:
            return no_fix(f"{why}; run_sync() would run the coroutine on another loop")
        safety = FixSafety.UNSAFE  # a loop of its own; run_sync() uses another one
        # The loop the code made only for this run goes too: nothing is left unused.
        extra = (
            (Op(OpKind.DROP_LOOP, ctx.function.line, 0, site.loop_expr),) if ctx.function else ()
        )
    flags = ""
    keywords = ""
    if ctx.project.patches_asyncio:
        # Under nest_asyncio callers inside a running loop worked: keep them working, on a
        # loop of the helper's own (objects bound to the caller's loop will not be).
        safety = FixSafety.UNSAFE
        flags, keywords = ALLOW_RUNNING_LOOP, ", allow_running_loop=True"
    if helper.partition(":")[0].rpartition(".")[2] in ("loopsafe", VENDORED_MODULE):
        # Each call on a new loop, closed after it, as `asyncio.run` and a loop made for
        # one run do: what the coroutine leaves on the loop (signal handlers, tasks, async
        # generators, executor jobs) is cleaned up as before. (A helper of the project's
        # own is called as it is.)
        flags, keywords = flags + FRESH_LOOP, keywords + ", fresh_loop=True"
    return fix(
        ctx,
        safety,
        f"{name}({site.args[0]}{keywords})",
        at(OpKind.RUN_SYNC, site, helper + flags),
        *extra,
        helper_copy=copy,
    )


NO_HELPER = (
    "the module is not in a package and the project does not depend on loopsafe: a helper "
    "copy beside it would not be installed with it; add loopsafe to the dependencies or "
    "set run-sync-import"
)


def own_loop(site: Site) -> str:
    """Why `run_until_complete()` must keep the loop it runs on ("" when any loop will do)."""
    if site.loop_call:
        return f"it runs on the loop `{site.loop_call}` returns"
    if site.loop_param:
        return f"it runs on `{site.loop_expr}`, a loop its caller hands in"
    if site.loop_use:
        return f"the code also works with `{site.loop_expr}` itself (`{site.loop_use}`)"
    if site.loop_expr.startswith("self."):
        return (
            f"it runs on `{site.loop_expr}`, the object's own loop, which its other methods "
            "(and subclasses) may use as well"
        )
    if site.loop_origin == "fetched":
        return (
            "it runs on the current loop (`get_event_loop()`), which other code may already "
            "have scheduled work on"
        )
    if site.loop_origin != "created":
        loop = site.loop_expr or "its loop"
        return f"it runs on `{loop}`, a loop the code does not create here"
    return ""


def loop_kept(ctx: SiteContext) -> str:
    """Why the local loop `run_until_complete()` runs on cannot simply go away with the
    fix ("" when it can: made here by `new_event_loop()` and run once; if set as the
    current loop, reset or closed before the function returns)."""
    site = ctx.site
    loop = site.loop_expr
    mine = [s for s in ctx.project.scope_sites(ctx.facts, site.scope) if s is not site]
    made = [s for s in mine if s.kind is SiteKind.CREATE and s.loop_name == loop]
    if not made:
        return (
            f"it runs on `{loop}`, a loop made outside `{ctx.name}` that other code may use as well"
        )
    if len(made) > 1:
        return f"`{loop}` is made more than once in `{ctx.name}`; rewrite it by hand"
    runs = [s for s in mine if s.kind is SiteKind.LOOP_RUN and s.loop_expr == loop]
    if runs:
        return (
            f"`{loop}` runs more than one coroutine (line {runs[0].line} too): rewrite the "
            "function by hand, e.g. with one `asyncio.Runner`"
        )
    # Set as the current loop and left so: later code of the thread may use it, unless it
    # is closed by then (a closed current loop only fails).
    kept = [s for s in mine if s.kind is SiteKind.SET and s.loop_name == loop and not s.reset]
    if kept and not made[0].closed:
        return (
            f"`{loop}` stays the current loop after `{ctx.name}` returns "
            f"(`set_event_loop({loop})` at line {kept[0].line}, never reset)"
        )
    return ""


def awaitable_entry(site: Site) -> bool:
    """Can this loop entry become a plain `await x` (inside a function made async)?"""
    return (
        site.called
        and not site.in_lambda
        and site.api not in (LoopApi.RUNNER, LoopApi.RUN_FOREVER, *_FN_RUNNERS)
        and len(site.args) == 1
        and not site.keywords
        and not starred(site.args)
    )
