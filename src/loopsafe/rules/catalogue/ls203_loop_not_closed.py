"""LS203 loop-not-closed: An event loop is created and never closed, or the current loop is left pointing at a closed loop."""

from __future__ import annotations

from loopsafe.facts.lifetimes import STORED
from loopsafe.facts.model import Site, SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.registry import ACCEPTED, Answer, Rule, Verdict, doc, produces, snippet


class LoopNotClosed(Rule):
    code = "LS203"
    name = "loop-not-closed"
    summary = "An event loop is created and never closed, or the current loop is left pointing at a closed loop."
    default_action = Action.REVIEW
    fix_safety = FixSafety.NONE
    what_it_does = doc(
        """
        Finds `new_event_loop()` calls (asyncio's, a policy's, uvloop's) whose loop is
        never closed in the function (for `self.<attr>`, anywhere in the class) and is
        not returned, yielded or handed to another call. Also finds
        `asyncio.set_event_loop(loop)` followed by `loop.close()` in the same function
        with no `asyncio.set_event_loop(None)` afterwards.
        """
    )
    why_bad = doc(
        """
        A loop owns operating-system resources: a selector and a self-pipe socket pair.
        An unclosed loop keeps them until garbage collection, which then reports
        `ResourceWarning: unclosed event loop` (visible under `-X dev` and fatal under
        `-W error`). Closing a loop that is still the thread's current loop leaves a
        trap: the next `asyncio.get_event_loop()` in that thread returns the closed loop,
        and the next `run_until_complete()` fails with `RuntimeError: Event loop is
        closed`, a classic cause of test failures that depend on test order.
        """
    )
    example = snippet(
        """
        import asyncio
        from collections.abc import Awaitable


        def run_job(job: Awaitable[int]) -> int:
            loop = asyncio.new_event_loop()  # expect: LS203 sync-wrapper review
            return loop.run_until_complete(job)  # expect: LS104 sync-wrapper fix
        """
    )
    use_instead = snippet(
        """
        import asyncio
        from collections.abc import Coroutine
        from typing import Any


        def run_job(job: Coroutine[Any, Any, int]) -> int:
            with asyncio.Runner() as runner:  # Python 3.11+; asyncio.run(job) closes too  # expect: LS104 sync-wrapper fix
                return runner.run(job)
        """
    )
    fix_notes = doc(
        """
        No automatic fix: where to close depends on who else uses the loop. Prefer
        `asyncio.run()` or `asyncio.Runner` (Python 3.11+), which close their loop and
        reset the current loop when done. Otherwise close the loop in a `finally:` block
        and call `asyncio.set_event_loop(None)` after closing it.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio
            from collections.abc import Awaitable


            def run_job(job: Awaitable[int]) -> int:
                loop = asyncio.new_event_loop()  # expect: LS203 sync-wrapper review
                return loop.run_until_complete(job)  # expect: LS104 sync-wrapper fix
            """
        ),
        snippet(
            """
            import asyncio
            from collections.abc import Awaitable


            def run_job(job: Awaitable[int]) -> int:
                loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
                asyncio.set_event_loop(loop)  # expect: LS203 sync-wrapper review
                try:
                    return loop.run_until_complete(job)  # expect: LS104 sync-wrapper fix
                finally:
                    loop.close()
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio
            from collections.abc import Coroutine
            from typing import Any


            def run_job(job: Coroutine[Any, Any, int]) -> int:
                with asyncio.Runner() as runner:  # expect: LS104 sync-wrapper fix
                    return runner.run(job)
            """
        ),
        snippet(
            """
            import asyncio
            from collections.abc import Awaitable


            def run_job(job: Awaitable[int]) -> int:
                loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
                asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
                try:
                    return loop.run_until_complete(job)  # expect: LS104 sync-wrapper fix
                finally:
                    loop.close()
                    asyncio.set_event_loop(None)  # expect: LS100 sync-wrapper ok
            """
        ),
    )

    kinds = frozenset({SiteKind.CREATE, SiteKind.SET})
    outcomes = produces("LS203", Action.REVIEW, *Category) | produces(
        ACCEPTED, Action.OK, *Category
    )
    table = (
        (
            "create",
            "loop never closed (no `.close()` on it in the function or, for `self.<attr>`, "
            "in the class; not returned, yielded or handed to a call)",
            "LS203",
            "review",
        ),
        (
            "set",
            "`set_event_loop(loop)` then `loop.close()` in the same function with no later "
            "`set_event_loop(None)` (or back to another loop), outside entry points, test "
            "code and the target of a thread of its own (`Thread(target=...)`, `Thread.run`)",
            "LS203",
            "review",
        ),
        (
            "create / set",
            "otherwise (in an entry point or test code, the program or test ends before anything meets the loop)",
            "LS100",
            "ok",
        ),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        if site.kind is SiteKind.SET and (
            ctx.category in _ENDS_SOON
            or (ctx.category is Category.THREAD and ctx.key in ctx.project.reach.own_threads)
        ):
            pass  # the program, test or thread ends: no later code can meet the closed loop
        elif site.kind is SiteKind.CREATE and _never_closed(site):
            return Verdict(
                self.code,
                Action.REVIEW,
                "This event loop is never closed (no `.close()`, not returned or handed on), "
                "leaking its selector and file descriptors; close it in a `finally:` or use "
                "`asyncio.Runner`.",
            )
        elif site.kind is SiteKind.SET and site.loop_name and site.closed and not site.reset:
            return Verdict(
                self.code,
                Action.REVIEW,
                "This loop is set as the thread's current loop and later closed without "
                "`asyncio.set_event_loop(None)`, so later `get_event_loop()` calls get a "
                "closed loop ('Event loop is closed'); reset the current loop after closing it.",
            )
        what = "creates a loop" if site.kind is SiteKind.CREATE else "sets the current loop"
        return Verdict(
            ACCEPTED,
            Action.OK,
            f"Accepted: `{site.api.value}` {what} and the loop's lifetime is handled here "
            f"({ctx.category.value}).",
        )


_ENDS_SOON = frozenset({Category.ENTRYPOINT, Category.TEST_CODE})


def _never_closed(site: Site) -> bool:
    if site.loop_name == STORED:
        return False  # kept where the analysis does not follow it
    if site.loop_name:
        return not (site.closed or site.handed_on)
    return site.chained  # `new_event_loop().run_until_complete(x)`: nothing can close it
