"""LS104 sync-wrapper: A sync library function wraps a coroutine in a new loop; it breaks for callers that run one."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import run_sync_fix
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet


class SyncWrapper(Rule):
    code = "LS104"
    name = "sync-wrapper"
    summary = "A sync library function wraps a coroutine in a new loop; it breaks for callers that run one."
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    what_it_does = doc(
        """
        Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) in sync
        functions that code outside the project can call (public functions with no
        caller in the project, or functions reached from import-time code) and that are
        not shown reachable from async code in the project. These are sync convenience
        wrappers around an async implementation.
        """
    )
    why_bad = doc(
        """
        The wrapper works from a plain script and fails for every caller that already
        runs an event loop: Jupyter and IPython, ASGI apps (FastAPI, Starlette), async
        test suites under pytest-asyncio, async frameworks calling back into sync code.
        They all get `RuntimeError: asyncio.run() cannot be called from a running event
        loop`. Even where it works, each call builds and tears down a fresh loop, so
        anything that binds to a loop (client sessions, connection pools, asyncio locks
        kept between calls) fails on a later call with errors such as
        `... is bound to a different event loop` or `Event loop is closed`.
        """
    )
    example = snippet(
        """
        import asyncio


        async def fetch_user(user_id: int) -> dict[str, int]:
            ...


        def get_user(user_id: int) -> dict[str, int]:
            \"\"\"Sync API for callers without an event loop.\"\"\"
            return asyncio.run(fetch_user(user_id))  # expect: LS104 sync-wrapper fix
        """
    )
    use_instead = snippet(
        """
        from loopsafe import run_sync


        def get_user(user_id: int) -> dict[str, int]:
            \"\"\"Sync API for callers without an event loop; async callers await fetch_user().\"\"\"
            return run_sync(fetch_user(user_id), fresh_loop=True)
        """
    )
    fix_notes = doc(
        """
        The fix replaces `asyncio.run(x)` with `run_sync(x, fresh_loop=True)` and adds the
        import: from `loopsafe` when the project depends on it, else from a copy of the
        helper the fix vendors into the project's package (`<pkg>/_loopsafe_runtime.py`),
        or from the import path set by `run-sync-import`. It is safe: with no loop
        running, `run_sync(x, fresh_loop=True)` is `asyncio.run(x)` (a new loop, closed
        after the call, taking with it what the coroutine left on it: signal handlers,
        tasks, async generators); with a loop running it raises a `RuntimeError` that
        names the caller and says to `await` instead, where `asyncio.run` raised one too.
        Dropping `fresh_loop=True` afterwards keeps one loop per thread between calls, so
        objects bound to it keep working from call to call; with
        `allow_running_loop=True` it runs the coroutine on a background loop thread. A
        helper of the project's own is called as `name(x)`.
        Where the project applies `nest_asyncio` (in any module, script or notebook
        helper), callers inside a running loop worked thanks to the patch: the fix is then
        unsafe and writes `run_sync(x, allow_running_loop=True, fresh_loop=True)`, which
        runs the coroutine on a loop thread of the helper's own when a loop is running
        (objects bound to the caller's loop do not follow it). For `loop.run_until_complete(x)` the fix is unsafe: the original ran on that
        particular loop, and whatever is bound to it will not be on the loop `run_sync`
        uses. The loop the function made for that run goes with it (its
        `new_event_loop()`, `close()`, `set_event_loop()` and reset, and a `try:` left with
        nothing to clean up), so no unused loop is left behind. There is no fix at all
        when the code drives that one loop: the loop is a parameter, comes from a method
        of the code's own (`self.get_loop()`), is not created right there (the current
        loop from `get_event_loop()`, on which other code may already have scheduled
        work), is kept on the object (`self._loop`, which every call shares), runs more
        than one coroutine, stays the current loop after the function returns, or is used
        for anything besides running and closing it (`create_task`, `is_closed()`,
        handing it to an object); the skip names the reason. Nor when `asyncio.run()` is
        given `debug=` or `loop_factory=` (run_sync() would drop them), or for the other
        runners (`asyncio.Runner`, `anyio.run`, `trio.run`, `uvloop.run`).
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            async def fetch_user(user_id: int) -> dict[str, int]:
                return {"id": user_id}


            def get_user(user_id: int) -> dict[str, int]:
                return asyncio.run(fetch_user(user_id))  # expect: LS104 sync-wrapper fix
            """
        ),
        snippet(
            """
            import asyncio


            async def _ping() -> bool:
                return True


            def ping() -> bool:
                loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
                try:
                    return loop.run_until_complete(_ping())  # expect: LS104 sync-wrapper fix
                finally:
                    loop.close()
            """
        ),
    )
    valid = (
        snippet(
            """
            from loopsafe import run_sync


            async def fetch_user(user_id: int) -> dict[str, int]:
                return {"id": user_id}


            def get_user(user_id: int) -> dict[str, int]:
                return run_sync(fetch_user(user_id))
            """
        ),
        snippet(
            """
            import asyncio


            async def fetch_user(user_id: int) -> dict[str, int]:
                return {"id": user_id}


            def get_user(user_id: int) -> dict[str, int]:
                try:
                    asyncio.get_running_loop()
                except RuntimeError:
                    return asyncio.run(fetch_user(user_id))  # expect: LS100 guarded ok
                raise RuntimeError("get_user() called from async code: await fetch_user()")
            """
        ),
    )

    kinds = frozenset({SiteKind.RUN, SiteKind.LOOP_RUN})
    outcomes = produces("LS104", Action.FIX, Category.SYNC_WRAPPER)
    table = (("run / loop-run", "sync-wrapper", "LS104", "fix"),)

    def check(self, ctx: SiteContext) -> Answer:
        if ctx.category is not Category.SYNC_WRAPPER or ctx.unknown_callers:
            return None
        module, _, name = (
            ctx.project.run_sync_for(ctx.module)[0] or "loopsafe:run_sync"
        ).partition(":")
        patched = ctx.project.patches_asyncio
        also = (
            f" (the project applies nest_asyncio at {patched}, so callers inside a running "
            "loop worked: `allow_running_loop=True` keeps them working)"
            if patched
            else ""
        )
        return Verdict(
            self.code,
            Action.FIX,
            f"`{ctx.site.api.value}` in library function `{ctx.name}` fails for callers that "
            "already run a loop (notebooks, ASGI apps, async tests); call "
            f"`{name}()` from `{module}` instead{also}.",
            run_sync_fix(ctx),
        )
