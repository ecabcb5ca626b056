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
        test run that does not import the patching module.
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
        # In sync code that may be called while a loop runs:
        from loopsafe import run_sync

        result = run_sync(fetch_data(), allow_running_loop=True)
        """
    )
    fix_notes = doc(
        """
        No automatic fix: removing the patch exposes the nested loop entries it was
        hiding. Fix those first (LS101 to LS104), then delete the call.
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
            "and `await` instead of nesting loops. Sync wrappers that callers use from a "
            "running loop can call `run_sync(coro, allow_running_loop=True)` instead (LS104's "
            "fix does so while this patch is in the project).",
        )
