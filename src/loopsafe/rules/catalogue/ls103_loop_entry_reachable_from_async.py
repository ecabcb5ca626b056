"""LS103 loop-entry-reachable-from-async: A sync function that enters a loop is called, directly or via sync calls, from a coroutine."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.async_chain import async_chain_fix
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import no_fix
from loopsafe.rules.loop_entry import reachable_message
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet


class LoopEntryReachableFromAsync(Rule):
    code = "LS103"
    name = "loop-entry-reachable-from-async"
    summary = "A sync function that enters a loop is called, directly or via sync calls, from a coroutine."
    default_action = Action.FIX
    fix_safety = FixSafety.UNSAFE
    what_it_does = doc(
        """
        Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) in a sync
        function that an `async def` in the project calls, directly or through a chain
        of sync calls, and not through a thread or an executor. Calls are followed
        across modules, methods, constructors and decorators; functions registered as
        loop callbacks (`call_soon`, `add_done_callback`, ...) count as called from async
        code. The finding shows the shortest call path, for example
        `via app.routes:get_user -> app.service:load_user`. In test code the same
        situation is reported as LS303.

        It also finds, at the call, a coroutine calling a callable the project *made* to
        enter a loop, which the call graph cannot follow: one decorated with a project
        decorator whose wrapper runs the coroutine (`@sync_wrapper async def fetch`), or
        one made by a helper (`start = async_to_sync(_start)`, `ping = run_sync(_ping)`,
        with asgiref's `async_to_sync`, asyncer's `syncify`/`runnify` or a helper of the
        project's own).
        """
    )
    why_bad = doc(
        """
        The sync function runs inside the caller's loop, so its `asyncio.run()` raises
        `RuntimeError: asyncio.run() cannot be called from a running event loop` (and
        `run_until_complete()` raises `This event loop is already running`). Nothing at
        the site looks wrong, and unit tests that call the sync function directly pass;
        it fails only once the async caller runs, often far away in another module.
        """
    )
    example = snippet(
        """
        import asyncio


        async def fetch_user(user_id: int) -> dict[str, int]:
            ...


        def load_user(user_id: int) -> dict[str, int]:
            return asyncio.run(fetch_user(user_id))  # expect: LS103 reachable-from-async fix


        async def get_user(user_id: int) -> dict[str, int]:
            return load_user(user_id)  # raises: a loop is already running
        """
    )
    use_instead = snippet(
        """
        async def load_user(user_id: int) -> dict[str, int]:
            return await fetch_user(user_id)


        async def get_user(user_id: int) -> dict[str, int]:
            return await load_user(user_id)
        """
    )
    fix_notes = doc(
        """
        Unsafe, and applied only with `--unsafe-fixes`: there are two ways out and both
        change more than the site. Making the chain async changes the signature of every
        function on the call path, and their other callers must change too. Offloading
        the sync function to a thread (`await asyncio.to_thread(load_user, user_id)`)
        keeps the signatures, but the coroutine then runs on a second loop in a worker
        thread, where objects bound to the caller's loop (connections, locks, queues)
        cannot be used. Review the diff. A function that is library API itself (outside
        callers use it) is never made `async def`: it stays for them, with the sync-wrapper
        fix (LS104) applied, and an async twin `<name>_async` (the same body, its loop
        entries awaited) is added after it; the project's coroutines `await` the twin. No
        twin when a sync function calls it on the way from async code (that caller would
        need one first), when the name is taken, or when it is passed around as a value.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            async def fetch_user(user_id: int) -> dict[str, int]:
                return {"id": user_id}


            def load_user(user_id: int) -> dict[str, int]:
                return asyncio.run(fetch_user(user_id))  # expect: LS103 reachable-from-async fix


            async def get_user(user_id: int) -> dict[str, int]:
                return load_user(user_id)
            """
        ),
        snippet(
            """
            import asyncio


            class Repository:
                async def _count(self) -> int:
                    return 0

                def count(self) -> int:
                    return asyncio.run(self._count())  # expect: LS103 reachable-from-async fix


            async def stats() -> int:
                repo = Repository()
                return repo.count()
            """
        ),
    )
    valid = (
        snippet(
            """
            async def fetch_user(user_id: int) -> dict[str, int]:
                return {"id": user_id}


            async def load_user(user_id: int) -> dict[str, int]:
                return await fetch_user(user_id)


            async def get_user(user_id: int) -> dict[str, int]:
                return await load_user(user_id)
            """
        ),
        snippet(
            """
            import asyncio


            async def fetch_user(user_id: int) -> dict[str, int]:
                return {"id": user_id}


            def load_user(user_id: int) -> dict[str, int]:
                return asyncio.run(fetch_user(user_id))  # expect: LS100 thread ok


            async def get_user(user_id: int) -> dict[str, int]:
                return await asyncio.to_thread(load_user, user_id)
            """
        ),
    )

    kinds = frozenset({SiteKind.RUN, SiteKind.LOOP_RUN, SiteKind.WRAPPER_CALL})
    outcomes = produces("LS103", Action.FIX, Category.REACHABLE_FROM_ASYNC, Category.ASYNC_CONTEXT)
    table = (
        ("run / loop-run", "reachable-from-async (not test code)", "LS103", "fix"),
        (
            "wrapper-call: a call of a project callable made to enter a loop (by a "
            "decorator or a helper such as `async_to_sync`)",
            "async-context",
            "LS103",
            "fix",
        ),
    )

    def check(self, ctx: SiteContext) -> Answer:
        if ctx.site.kind is SiteKind.WRAPPER_CALL:
            return _wrapper_call(self.code, ctx)
        if ctx.category is not Category.REACHABLE_FROM_ASYNC or ctx.is_test_module:
            return None
        fix = async_chain_fix(ctx.project, ctx.key)
        return Verdict(self.code, Action.FIX, reachable_message(ctx), fix)


def _wrapper_call(code: str, ctx: SiteContext) -> Verdict:
    site = ctx.site
    made = ctx.project.made_entries.get(site.target)
    how = made.how if made else "it enters an event loop"
    original = made.original.rpartition(".")[2] if made and made.original else ""
    name = site.target.rpartition(".")[2]
    instead = (
        f"`await` the coroutine function `{original}` instead"
        if original
        else ("`await` the async original instead")
    )
    return Verdict(
        code,
        Action.FIX,
        f"`{name}()` runs a coroutine to completion on a loop of its own ({how}); called "
        f"from coroutine `{ctx.name}` it raises 'cannot be called from a running event "
        f"loop' or blocks the loop; {instead}.",
        no_fix("the async original and how to call it are for a person to pick"),
    )
