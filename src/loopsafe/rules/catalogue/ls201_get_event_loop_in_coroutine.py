"""LS201 get-event-loop-in-coroutine: `asyncio.get_event_loop()` inside a coroutine; `asyncio.get_running_loop()` is the API for that."""

from __future__ import annotations

from loopsafe.facts import apis
from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import at, fix, no_fix
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet
from loopsafe.rules.upgrade import only_coroutines_call


class GetEventLoopInCoroutine(Rule):
    code = "LS201"
    name = "get-event-loop-in-coroutine"
    summary = "`asyncio.get_event_loop()` inside a coroutine; `asyncio.get_running_loop()` is the API for that."
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    what_it_does = doc(
        """
        Finds `asyncio.get_event_loop()` and `asyncio.get_event_loop_policy().get_event_loop()`
        lexically inside an `async def`, and in sync code that only coroutines call (a
        private helper, never run at import, by a thread or by outside callers), where a
        loop is always running too.
        """
    )
    why_bad = doc(
        """
        Inside a coroutine, `get_event_loop()` happens to return the running loop, but it
        is the function whose behaviour depends on global state and has been changing:
        deprecated outside a running loop since Python 3.10, a `DeprecationWarning` in
        3.12 and 3.13 when it has to create a loop, and a `RuntimeError` since 3.14 when
        no loop is set. Code written with it inside a coroutine tends to get moved into
        sync helpers, where it then breaks. The policy form does not even look at the
        running loop and can return a different one; the policy system itself is
        deprecated since Python 3.14.

        `asyncio.get_running_loop()` says what is meant, never creates a loop, and
        raises at once when called without one. The asyncio documentation recommends it
        in coroutines and callbacks.
        """
    )
    example = snippet(
        """
        import asyncio


        async def schedule_tick() -> None:
            loop = asyncio.get_event_loop()  # expect: LS201 async-context fix
            loop.call_later(1.0, print, "tick")
        """
    )
    use_instead = snippet(
        """
        import asyncio


        async def schedule_tick() -> None:
            loop = asyncio.get_running_loop()
            loop.call_later(1.0, print, "tick")
        """
    )
    fix_notes = doc(
        """
        The fix replaces the call with `asyncio.get_running_loop()`. It is safe inside a
        coroutine: running on an asyncio loop, that returns the loop `get_event_loop()`
        returned. In sync code that only coroutines call it is unsafe, as the call graph
        may miss a caller (a dynamic call) that runs it with no loop running.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            def _later(callback) -> None:
                asyncio.get_event_loop().call_soon(callback)  # expect: LS201 reachable-from-async fix


            async def tick() -> None:
                _later(print)
            """
        ),
        snippet(
            """
            import asyncio


            async def schedule_tick() -> None:
                loop = asyncio.get_event_loop()  # expect: LS201 async-context fix
                loop.call_later(1.0, print, "tick")
            """
        ),
        snippet(
            """
            from asyncio import get_event_loop


            class Store:
                async def read(self, path: str) -> bytes:
                    loop = get_event_loop()  # expect: LS201 async-context fix
                    return await loop.run_in_executor(None, self._read, path)

                def _read(self, path: str) -> bytes:
                    with open(path, "rb") as f:
                        return f.read()
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio


            async def schedule_tick() -> None:
                loop = asyncio.get_running_loop()
                loop.call_later(1.0, print, "tick")
            """
        ),
    )

    kinds = frozenset({SiteKind.FETCH})
    outcomes = produces("LS201", Action.FIX, Category.ASYNC_CONTEXT, Category.REACHABLE_FROM_ASYNC)
    table = (
        ("fetch", "async-context", "LS201", "fix"),
        ("fetch", "reachable-from-async, and only from coroutines", "LS201", "fix"),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        only_async = only_coroutines_call(ctx)
        if ctx.category is not Category.ASYNC_CONTEXT and not only_async:
            return None
        callee = site.text.partition("(")[0].strip()
        if callee.isidentifier() and ctx.facts.bound_names.get(callee, 0) > 1:
            # `_get_loop` is get_running_loop on one Python and get_event_loop on another
            # (a compatibility shim): which one runs here is not for a rewrite to pick.
            plan = no_fix(
                f"`{callee}` is bound in more than one place (a compatibility shim); "
                "rewrite it by hand"
            )
        elif site.target in apis.FETCH_APIS and not site.args and not site.keywords:
            replacement = "asyncio.get_running_loop()"
            # A sync function is only as safe as the call graph is complete: a caller the
            # analysis cannot see (a dynamic call) might run it with no loop running.
            safety = FixSafety.UNSAFE if only_async else FixSafety.SAFE
            plan = fix(ctx, safety, replacement, at(OpKind.RUNNING_LOOP, site))
        else:
            plan = no_fix("get_event_loop() is called with arguments or through a policy")
        where = (
            f"in `{site.scope}`, which only coroutines call,"
            if only_async
            else f"inside coroutine `{site.scope}`"
        )
        return Verdict(
            self.code,
            Action.FIX,
            f"`get_event_loop()` {where} should be `asyncio.get_running_loop()`: a loop is "
            "always running there; it says what it means and never creates a stray loop.",
            plan,
        )
