"""LS101 asyncio-run-in-coroutine: `asyncio.run()` is called inside a coroutine, where a loop is already running."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.loop_entry import in_coroutine
from loopsafe.rules.registry import Answer, Rule, doc, produces, snippet


class AsyncioRunInCoroutine(Rule):
    code = "LS101"
    name = "asyncio-run-in-coroutine"
    summary = "`asyncio.run()` is called inside a coroutine, where a loop is already running."
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    what_it_does = doc(
        """
        Finds `asyncio.run()` calls lexically inside an `async def`, whatever the import
        form: `import asyncio as aio; aio.run(...)`, `from asyncio import run`,
        `from asyncio import run as arun`, `asyncio.runners.run`. The other loop runners
        (`asyncio.Runner(...)`, `anyio.run()`, `trio.run()`, `uvloop.run()`) count too.
        """
    )
    why_bad = doc(
        """
        `asyncio.run()` starts a new event loop, and a thread runs at most one loop at a
        time. Inside a coroutine a loop is already running, so the call raises
        `RuntimeError: asyncio.run() cannot be called from a running event loop`, on every
        Python version, and the coroutine passed in is never awaited (hence the
        `RuntimeWarning: coroutine ... was never awaited` that follows). The other
        runners either fail the same way or block the running loop until they finish.

        Such code often passes tests that call it from sync code and fails in
        production: under an ASGI server, in a notebook, or under pytest-asyncio.
        """
    )
    example = snippet(
        """
        import asyncio


        async def fetch_user(user_id: int) -> dict[str, int]:
            ...


        async def handle(user_id: int) -> dict[str, object]:
            user = asyncio.run(fetch_user(user_id))  # expect: LS101 async-context fix
            return {"user": user}
        """
    )
    use_instead = snippet(
        """
        async def handle(user_id: int) -> dict[str, object]:
            user = await fetch_user(user_id)
            return {"user": user}
        """
    )
    fix_notes = doc(
        """
        The fix replaces `asyncio.run(x)` with `await x`. It is safe when `x` is the only
        argument: the original call could never succeed inside a running loop, so the
        only change in behaviour is that the code now works. With `debug=` or
        `loop_factory=` no fix is offered (the finding says so): those arguments configure
        a loop that will no longer be created, and a person decides what becomes of them.
        Nor is one offered for `asyncio.Runner()` (nothing to await), for a runner passed
        on as a value, or inside a lambda or generator expression, where `await` cannot
        go. `anyio.run(f, *args)` and `trio.run(f, *args)` become `await f(*args)`,
        unsafe: their runner's keyword arguments are dropped and the function now runs on
        the caller's asyncio loop.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            async def fetch() -> int:
                return 1


            async def handler() -> int:
                return asyncio.run(fetch())  # expect: LS101 async-context fix
            """
        ),
        snippet(
            """
            from asyncio import run as arun


            class Client:
                async def _get(self) -> bytes:
                    return b""

                async def get(self) -> bytes:
                    return arun(self._get())  # expect: LS101 async-context fix
            """
        ),
    )
    valid = (
        snippet(
            """
            async def fetch() -> int:
                return 1


            async def handler() -> int:
                return await fetch()
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

    kinds = frozenset({SiteKind.RUN})
    outcomes = produces("LS101", Action.FIX, Category.ASYNC_CONTEXT)
    table = (("run", "async-context", "LS101", "fix"),)

    def check(self, ctx: SiteContext) -> Answer:
        if ctx.category is not Category.ASYNC_CONTEXT:
            return None
        return in_coroutine(self.code, ctx)
