"""LS107 loop-entry-callers-unknown: A sync function enters a loop, and who calls it cannot be known."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet


class LoopEntryCallersUnknown(Rule):
    code = "LS107"
    name = "loop-entry-callers-unknown"
    summary = "A sync function enters a loop, and who calls it cannot be known."
    default_action = Action.REVIEW
    fix_safety = FixSafety.NONE
    what_it_does = doc(
        """
        Finds loop entries (`asyncio.run()`, `run_until_complete()`, ...) in sync
        functions whose callers the analysis cannot list: the function is stored in a
        global, an attribute or a container, returned by a factory, wrapped by a
        decorator whose effect is unknown, or, in an application (a project with a web,
        task-queue or Alembic app), has no caller at all that the project shows.
        """
    )
    why_bad = doc(
        """
        Whether the call works depends on those callers. Called from a coroutine, a loop
        callback or an async route, it raises `RuntimeError: asyncio.run() cannot be called
        from a running event loop` (or blocks the loop); called from a script, a worker
        task or a thread, it is fine. Saying either without seeing the callers would be a
        guess, so a person has to look: a function handed to a framework through a dict is
        called wherever that framework calls it.
        """
    )
    example = snippet(
        """
        import asyncio

        HANDLERS = {}


        async def _refresh() -> None:
            ...


        def refresh() -> None:
            asyncio.run(_refresh())  # expect: LS107 sync-wrapper review


        HANDLERS["refresh"] = refresh
        """
    )
    use_instead = snippet(
        """
        HANDLERS = {}


        async def refresh() -> None:
            ...


        # The dispatcher awaits async handlers, and runs sync ones in a thread.
        HANDLERS["refresh"] = refresh
        """
    )
    fix_notes = doc(
        """
        No automatic fix: the right change depends on the callers no one can see here.
        Find them; if any runs in an event loop, make the function async (or hand the
        call to a thread); if none does, suppress the finding with the reason.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            async def _work() -> None:
                return None


            def make_job():
                def job() -> None:
                    asyncio.run(_work())  # expect: LS107 sync-wrapper review

                return job
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio


            async def _work() -> None:
                return None


            def job() -> None:
                asyncio.run(_work())  # expect: LS100 entrypoint ok


            if __name__ == "__main__":
                job()
            """
        ),
    )

    kinds = frozenset({SiteKind.RUN, SiteKind.LOOP_RUN})
    outcomes = produces("LS107", Action.REVIEW, Category.SYNC_WRAPPER)
    table = (
        (
            "run / loop-run",
            "callers unknown (escapes; none found in an application)",
            "LS107",
            "review",
        ),
    )

    def check(self, ctx: SiteContext) -> Answer:
        if ctx.category is not Category.SYNC_WRAPPER or not ctx.unknown_callers:
            return None
        return Verdict(
            self.code,
            Action.REVIEW,
            f"`{ctx.site.api.value}` in `{ctx.name}`: its callers are unknown "
            f"({ctx.unknown_callers}); it raises if any of them runs in an event loop (a "
            "coroutine, a loop callback, an async route). Check where it is called from.",
        )
