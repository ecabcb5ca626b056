"""Rules for sites that fetch, create, set or patch a loop: LS201-LS204 (and LS100).

`get_event_loop()` guesses which loop you mean: inside a coroutine the answer is the
running loop (say so with `get_running_loop()`), in sync code it is deprecated and from
Python 3.14 raises when no loop is set. Loops that are created must be closed, and a
closed loop must not stay the thread's current loop.
"""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category
from loopsafe.rules.context import SiteContext
from loopsafe.rules.verdict import ACCEPTED, Verdict, fix_of


def check(ctx: SiteContext) -> Verdict:
    site = ctx.site
    if site.kind == SiteKind.FETCH:
        return _fetch(ctx)
    if site.kind == SiteKind.PATCH:
        return Verdict(
            "LS204",
            Action.REVIEW,
            "`nest_asyncio.apply()` patches asyncio so loops can re-enter themselves, hiding "
            "the bugs this tool reports and breaking with uvloop and newer Pythons; remove it "
            "and `await` instead of nesting loops.",
        )
    if site.leaked and site.kind == SiteKind.CREATE:
        return Verdict(
            "LS203",
            Action.REVIEW,
            "This event loop is never closed (no `.close()`, not returned or handed on), "
            "leaking its selector and file descriptors; close it in a `finally:` or use "
            "`asyncio.Runner`.",
        )
    if site.leaked and site.kind == SiteKind.SET:
        return Verdict(
            "LS203",
            Action.REVIEW,
            "This loop is set as the thread's current loop and later closed without "
            "`asyncio.set_event_loop(None)`, so later `get_event_loop()` calls get a closed "
            "loop ('Event loop is closed'); reset the current loop after closing it.",
        )
    what = "creates a loop" if site.kind == SiteKind.CREATE else "sets the current loop"
    return Verdict(
        ACCEPTED,
        Action.OK,
        f"Accepted: `{site.api}` {what} and the loop's lifetime is handled here "
        f"({ctx.category.value}).",
    )


def _fetch(ctx: SiteContext) -> Verdict:
    site, category = ctx.site, ctx.category
    if category is Category.ASYNC_CONTEXT:
        return Verdict(
            "LS201",
            Action.FIX,
            f"`get_event_loop()` inside coroutine `{site.scope}` should be "
            "`asyncio.get_running_loop()`: it says what it means and never creates a stray "
            "loop.",
            fix_of(site.replacement, site.safe_fix),
        )
    if category is Category.GUARDED:
        return Verdict(
            ACCEPTED,
            Action.OK,
            "Accepted: `get_event_loop()` is wrapped in a fallback that handles the "
            "RuntimeError raised when no loop is set.",
        )
    if site.after_set:
        return Verdict(
            ACCEPTED,
            Action.OK,
            "Accepted: `get_event_loop()` returns the loop set just before with "
            "`set_event_loop()`.",
        )
    where = {
        Category.THREAD: "in a worker thread it raises 'There is no current event loop'",
        Category.REACHABLE_FROM_ASYNC: "async code calls it, so `get_running_loop()` says "
        "what it means",
    }.get(
        category,
        "it is deprecated there since Python 3.12 and raises from 3.14 when no loop is set",
    )
    return Verdict(
        "LS202",
        Action.REVIEW,
        f"`get_event_loop()` in sync code ({category.value}): {where}; use "
        "`asyncio.run()` / `asyncio.Runner` to run code, or `get_running_loop()` inside "
        "async code.",
    )
