"""LS202 get-event-loop-in-sync-code: `asyncio.get_event_loop()` in sync code: deprecated, and it raises on Python 3.14 when no loop is set."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.registry import (
    ACCEPTED,
    Answer,
    PythonChange,
    Rule,
    Verdict,
    doc,
    produces,
    snippet,
)
from loopsafe.rules.upgrade import (
    RAISES_FROM,
    fetch_raises_on_target,
    only_coroutines_call,
    target_words,
)

_WHY = {
    Category.THREAD: "in a worker thread it raises 'There is no current event loop'",
    Category.REACHABLE_FROM_ASYNC: "async code calls it, but so does code that may run with "
    "no loop set (at import, outside callers, a thread), where it raises from 3.14",
}
_SYNC = [c for c in Category if c not in (Category.ASYNC_CONTEXT, Category.GUARDED)]


class GetEventLoopInSyncCode(Rule):
    code = "LS202"
    name = "get-event-loop-in-sync-code"
    summary = "`asyncio.get_event_loop()` in sync code: deprecated, and it raises on Python 3.14 when no loop is set."
    default_action = Action.REVIEW
    fix_safety = FixSafety.NONE
    python_change = PythonChange(breaks=(3, 14), deprecated=(3, 12), how="raises RuntimeError")
    what_it_does = doc(
        """
        Finds `asyncio.get_event_loop()` (and a policy's `get_event_loop()`) in sync
        code: sync functions, module level and class bodies. It is accepted (LS100) when
        guarded by a `try` whose handler catches `RuntimeError`, or when it follows
        `asyncio.set_event_loop(...)` in the same function. Where nothing shows a loop set
        and the project's target Python is 3.14 or later, the site is LS402 (fix) instead:
        there it raises.
        """
    )
    why_bad = doc(
        """
        Outside a running loop, `get_event_loop()` returns whatever loop is set for the
        current thread, and what happens when none is set depends on the Python version
        and the thread:

        - outside the main thread it has always raised
          `RuntimeError: There is no current event loop in thread '...'`;
        - in the main thread, Python up to 3.13 creates and sets a new loop implicitly,
          and 3.12 and 3.13 emit a `DeprecationWarning` when they do;
        - since Python 3.14 it raises that `RuntimeError` in the main thread too.

        An implicitly created loop is never closed, and a loop fetched this way may be
        one that other code has already closed (`RuntimeError: Event loop is closed`).
        Code that worked for years breaks on a Python upgrade, or as soon as it runs in a
        worker thread.
        """
    )
    example = snippet(
        """
        # /// script
        # requires-python = ">=3.9,<3.14"
        # ///
        import asyncio
        from collections.abc import Callable


        def schedule(callback: Callable[[], None]) -> None:
            loop = asyncio.get_event_loop()  # expect: LS202 sync-wrapper review
            loop.call_soon(callback)
        """
    )
    use_instead = snippet(
        """
        import asyncio
        from collections.abc import Callable


        def schedule(callback: Callable[[], None]) -> None:
            # Only ever called from code running on the loop: say so.
            asyncio.get_running_loop().call_soon(callback)


        # At an entry point, let asyncio own the loop:
        #     asyncio.run(main())
        """
    )
    fix_notes = doc(
        """
        No automatic fix, because the right replacement depends on where the code runs:
        `asyncio.get_running_loop()` when it only runs on a loop (callbacks, helpers
        called from coroutines); `asyncio.run()` or `asyncio.Runner` at an entry point;
        an explicit `asyncio.new_event_loop()` plus `asyncio.set_event_loop()`, closed
        when done, for legacy code that must keep a loop around.
        """
    )
    invalid = (
        snippet(
            """
            # /// script
            # requires-python = ">=3.9,<3.14"
            # ///
            import asyncio
            from collections.abc import Callable


            def schedule(callback: Callable[[], None]) -> None:
                loop = asyncio.get_event_loop()  # expect: LS202 sync-wrapper review
                loop.call_soon(callback)
            """
        ),
        snippet(
            """
            # /// script
            # requires-python = ">=3.9,<3.14"
            # ///
            import asyncio


            async def main() -> None:
                await asyncio.sleep(0)


            loop = asyncio.get_event_loop()  # expect: LS202 entrypoint review
            loop.run_until_complete(main())  # expect: LS100 entrypoint ok
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio
            from collections.abc import Callable


            def schedule(callback: Callable[[], None]) -> None:
                try:
                    loop = asyncio.get_running_loop()
                except RuntimeError:
                    callback()
                else:
                    loop.call_soon(callback)
            """
        ),
        snippet(
            """
            import asyncio


            async def main() -> None:
                await asyncio.sleep(0)


            if __name__ == "__main__":
                asyncio.run(main())  # expect: LS100 entrypoint ok
            """
        ),
    )

    kinds = frozenset({SiteKind.FETCH})
    outcomes = (
        produces("LS202", Action.REVIEW, *_SYNC, Category.GUARDED)
        | produces(ACCEPTED, Action.OK, *_SYNC)
        | produces(ACCEPTED, Action.OK, Category.GUARDED)
    )
    table = (
        (
            "fetch",
            "in a `try` whose `except RuntimeError` makes no loop, run on 3.13 and 3.14+",
            "LS202",
            "review",
        ),
        ("fetch", "guarded, or after `set_event_loop(...)` in the same function", "LS100", "ok"),
        ("fetch", "code with no loop set, target Python 3.14+", "LS402", "fix"),
        ("fetch", "any other sync code", "LS202", "review"),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site, category = ctx.site, ctx.category
        if category is Category.ASYNC_CONTEXT:
            return None
        if category is Category.GUARDED and _branch_moves(ctx):
            return Verdict(
                self.code,
                Action.REVIEW,
                "`get_event_loop()` in a `try` that catches RuntimeError: up to Python 3.13 "
                "it makes and sets a loop when none is set (3.12 and 3.13 with a "
                "DeprecationWarning), so the `except` branch never ran in the main thread; "
                f"from 3.14 it raises and the `except` branch runs (this code runs from "
                f"{_version(ctx.project.oldest_python(ctx.module))} to "
                f"{target_words(ctx)}). Say which you mean: `asyncio.get_running_loop()` "
                "(is a loop running?) or loopsafe's `current_loop()` (the loop, as before).",
            )
        if category is Category.GUARDED:
            return Verdict(
                ACCEPTED,
                Action.OK,
                "Accepted: `get_event_loop()` is wrapped in a fallback that handles the "
                "RuntimeError raised when no loop is set.",
            )
        if fetch_raises_on_target(ctx):
            return None  # LS402: it raises on the project's target Python
        if only_coroutines_call(ctx):
            return None  # LS201: a loop is always running there
        if site.after_set:
            return Verdict(
                ACCEPTED,
                Action.OK,
                "Accepted: `get_event_loop()` returns the loop set just before with "
                "`set_event_loop()`.",
            )
        where = _WHY.get(
            category,
            "it is deprecated there since Python 3.12 and raises from 3.14 when no loop is set",
        )
        return Verdict(
            self.code,
            Action.REVIEW,
            f"`get_event_loop()` in sync code ({category.value}): {where}; use "
            "`asyncio.run()` / `asyncio.Runner` to run code, or `get_running_loop()` inside "
            "async code.",
        )


def _branch_moves(ctx: SiteContext) -> bool:
    """Does the code take the other branch of its `try` once the project's Pythons span
    3.13 (a loop made) and 3.14 (RuntimeError)?"""
    return (
        ctx.site.fallback_changes
        and ctx.project.oldest_python(ctx.module) < RAISES_FROM
        and ctx.project.target_python(ctx.module) >= RAISES_FROM
    )


def _version(version: tuple[int, int]) -> str:
    return f"{version[0]}.{version[1]}"
