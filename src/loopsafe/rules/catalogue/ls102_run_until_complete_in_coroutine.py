"""LS102 run-until-complete-in-coroutine: `loop.run_until_complete()` is called inside a coroutine."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.loop_entry import in_coroutine
from loopsafe.rules.registry import Answer, Rule, doc, produces, snippet


class RunUntilCompleteInCoroutine(Rule):
    code = "LS102"
    name = "run-until-complete-in-coroutine"
    summary = "`loop.run_until_complete()` is called inside a coroutine."
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    what_it_does = doc(
        """
        Finds `<loop>.run_until_complete(...)` on any receiver, and `<loop>.run_forever()`
        on a receiver known to be an event loop, lexically inside an `async def`.
        """
    )
    why_bad = doc(
        """
        An asyncio loop cannot be started while another loop, or the same one, is running
        in the thread. On the running loop the call raises
        `RuntimeError: This event loop is already running`; on any other loop it raises
        `RuntimeError: Cannot run the event loop while another loop is running`. Either
        way the awaitable never runs (a coroutine is reported as never awaited), and a
        loop created just for the call is leaked as well.
        """
    )
    example = snippet(
        """
        import asyncio


        async def refresh_cache() -> None:
            ...


        async def handle() -> None:
            loop = asyncio.get_running_loop()
            loop.run_until_complete(refresh_cache())  # expect: LS102 async-context fix
        """
    )
    use_instead = snippet(
        """
        async def handle() -> None:
            await refresh_cache()
        """
    )
    fix_notes = doc(
        """
        The fix replaces `loop.run_until_complete(x)` with `await x`. It is safe: the
        original call always raised. A `run_forever()` call has nothing to await in its
        place; await whatever should keep the coroutine alive instead, such as an
        `asyncio.Event`.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            async def fetch() -> int:
                return 1


            async def handler() -> int:
                loop = asyncio.get_running_loop()
                return loop.run_until_complete(fetch())  # expect: LS102 async-context fix
            """
        ),
        snippet(
            """
            import asyncio


            async def fetch() -> int:
                return 1


            async def handler() -> int:
                loop = asyncio.new_event_loop()  # expect: LS100 async-context ok
                try:
                    return loop.run_until_complete(fetch())  # expect: LS102 async-context fix
                finally:
                    loop.close()
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio


            async def fetch() -> int:
                return 1


            async def handler() -> int:
                # Work for the running loop from inside it: a task, not a nested run.
                task = asyncio.get_running_loop().create_task(fetch())
                return await task
            """
        ),
        snippet(
            """
            import asyncio


            async def fetch() -> int:
                return 1


            def fetch_sync() -> int:
                loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
                try:
                    return loop.run_until_complete(fetch())  # expect: LS104 sync-wrapper fix
                finally:
                    loop.close()
            """
        ),
    )

    kinds = frozenset({SiteKind.LOOP_RUN})
    outcomes = produces("LS102", Action.FIX, Category.ASYNC_CONTEXT)
    table = (("loop-run", "async-context", "LS102", "fix"),)

    def check(self, ctx: SiteContext) -> Answer:
        if ctx.category is not Category.ASYNC_CONTEXT:
            return None
        return in_coroutine(self.code, ctx)
