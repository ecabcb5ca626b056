"""LS204 nest-asyncio-apply: `nest_asyncio.apply()` patches asyncio so that a running loop can be re-entered."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet


class NestAsyncioApply(Rule):
    code = "LS204"
    name = "nest-asyncio-apply"
    summary = "`nest_asyncio.apply()` patches asyncio so that a running loop can be re-entered."
    default_action = Action.REVIEW
    fix_safety = FixSafety.NONE
    what_it_does = doc(
        """
        Finds calls to `nest_asyncio.apply()`, whatever the import form.
        """
    )
    why_bad = doc(
        """
        nest_asyncio makes `asyncio.run()` and `run_until_complete()` work inside a
        running loop by monkeypatching asyncio for the whole process: it replaces the
        loop's run methods and swaps the C implementations of `Task` and `Future` for the
        slower pure-Python ones. Re-entering the loop runs other tasks from inside a
        callback that has not returned yet, which breaks the assumption asyncio code
        relies on, that nothing else runs between two `await`s. It refuses loops it
        cannot patch, such as uvloop's. And it hides the LS101/LS103 bugs it was added to
        silence, which come back wherever the patch is not applied: another process, a
        test run that does not import the patching module. The project is unmaintained.

        Its replacement, where sync code really must call async code inside a running
        loop: loopsafe's re-entrant mode (`pip install 'loopsafe[reentrant]'`, which adds
        greenlet). Start the program with `loopsafe.run(main())` instead of
        `asyncio.run(main())`, or call `loopsafe.enable_reentry()` once in a running loop
        (the first cell of a notebook); then `run_sync(coro, allow_running_loop=True)` in
        sync code runs the coroutine on the caller's own loop: its other tasks keep
        running, clients and queues bound to it keep working, and asyncio is not patched,
        so uvloop works too. Where re-entry cannot apply, `run_sync` runs the coroutine on
        a background loop thread instead and says why, once per call site.
        """
    )
    example = snippet(
        """
        import nest_asyncio

        nest_asyncio.apply()  # expect: LS204 entrypoint review
        """
    )
    use_instead = snippet(
        """
        # In a notebook, await at the top level of a cell instead:
        #     result = await fetch_data()
        # Where sync code must call async code while a loop runs, make the loop
        # re-entrant (pip install 'loopsafe[reentrant]') and call run_sync:
        import loopsafe
        from loopsafe import run_sync


        def fetch_data_sync() -> list[int]:
            # Runs on the caller's own loop: its other tasks keep running.
            return run_sync(fetch_data(), allow_running_loop=True)


        loopsafe.run(main())  # instead of asyncio.run(main()) and nest_asyncio.apply()
        # In a loop that is already running (a notebook): loopsafe.enable_reentry()
        """
    )
    fix_notes = doc(
        """
        No automatic fix: removing the patch exposes the nested loop entries it was
        hiding. Fix those first (LS101 to LS104), then delete the call; where sync code
        must still call async code inside the loop, switch to `loopsafe.run()` /
        `loopsafe.enable_reentry()` with `run_sync(coro, allow_running_loop=True)`.
        """
    )
    invalid = (
        snippet(
            """
            import nest_asyncio

            nest_asyncio.apply()  # expect: LS204 entrypoint review
            """
        ),
        snippet(
            """
            from nest_asyncio import apply


            def setup_notebook() -> None:
                apply()  # expect: LS204 sync-wrapper review
            """
        ),
    )
    valid = (
        snippet(
            """
            from loopsafe import run_sync


            async def fetch_data() -> list[int]:
                return [1, 2, 3]


            def fetch_data_sync() -> list[int]:
                return run_sync(fetch_data(), allow_running_loop=True)
            """
        ),
    )

    kinds = frozenset({SiteKind.PATCH})
    outcomes = produces("LS204", Action.REVIEW, *Category)
    table = (("patch", "any", "LS204", "review"),)

    def check(self, ctx: SiteContext) -> Answer:
        return Verdict(
            self.code,
            Action.REVIEW,
            "`nest_asyncio.apply()` patches asyncio so loops can re-enter themselves, hiding "
            "the bugs this tool reports and breaking with uvloop and newer Pythons; remove it "
            "and `await` instead of nesting loops. Where sync code must still call async code "
            "inside the loop, replace it with `loopsafe.run(main())` (or "
            "`loopsafe.enable_reentry()` in a running loop) and call "
            "`run_sync(coro, allow_running_loop=True)`: with `loopsafe[reentrant]` that runs "
            "the coroutine on the caller's own loop, without patching asyncio (LS104's fix "
            "calls `run_sync` while this patch is in the project).",
        )
