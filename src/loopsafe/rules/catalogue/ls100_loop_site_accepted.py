"""LS100 loop-site-accepted: A loop site that is fine where it is; listed with `--show-ok`, with the reason."""

from __future__ import annotations

from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, Category, FixSafety
from loopsafe.rules.context import SiteContext
from loopsafe.rules.registry import ACCEPTED, Answer, Rule, Verdict, doc, produces, snippet

_ACCEPTED_WHY = {
    Category.ENTRYPOINT: "an entry point starts with no loop running",
    Category.WORKER_TASK: "a worker task runs with no loop running",
    Category.THREAD: "a worker thread has no loop running",
    Category.GUARDED: "an explicit check makes sure no loop is running",
    Category.TEST_CODE: "sync test code runs with no loop running",
}


class LoopSiteAccepted(Rule):
    code = "LS100"
    name = "loop-site-accepted"
    summary = "A loop site that is fine where it is; listed with `--show-ok`, with the reason."
    default_action = Action.OK
    fix_safety = FixSafety.NONE
    what_it_does = doc(
        """
        Every place that enters, creates, fetches or patches an event loop is a *site*.
        LS100 is the verdict for sites that are safe in their context, and its message
        says why:

        - a loop entry (`asyncio.run()`, `run_until_complete()`, ...) in an entry point:
          an `if __name__ == "__main__":` block, the module level of a script, a click or
          typer command, an argparse `main`, a console-script target, or code only those
          reach;
        - a loop entry in a task-queue task (Celery, RQ, Dramatiq, Huey, arq) or in code
          that runs in a worker thread (`threading.Thread` targets, `run_in_executor`,
          `asyncio.to_thread`, executor `submit`, sync FastAPI routes);
        - a loop entry behind an explicit no-running-loop check (`guarded`);
        - a loop entry in test code that no async test reaches;
        - `asyncio.get_event_loop()` behind such a check, or right after
          `asyncio.set_event_loop()` in the same function;
        - `new_event_loop()` whose loop is closed, returned or handed on, and
          `set_event_loop()` that does not leave a closed loop behind.
        """
    )
    why_bad = doc(
        """
        Nothing is wrong: no loop is running in these contexts, so entering one works.
        The sites are still recorded so the audit is complete (`--format json` and the
        report list them), and so that a later change which makes one of them reachable
        from async code shows up as LS103 instead of going unnoticed. Text output hides
        them unless `--show-ok` is given.
        """
    )
    example = snippet(
        """
        import asyncio


        async def main() -> None:
            ...


        if __name__ == "__main__":
            asyncio.run(main())  # LS100: an entry point, no loop is running here  # expect: LS100 entrypoint ok
        """
    )
    use_instead = ""
    fix_notes = doc(
        """
        No fix: there is nothing to change. If the stated reason is wrong (say, a
        function taken for an entry point is also called from a coroutine), the bug is
        in that caller: make it `await` the coroutine instead.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            async def main() -> None:
                await asyncio.sleep(0)


            if __name__ == "__main__":
                asyncio.run(main())  # expect: LS100 entrypoint ok
            """
        ),
        snippet(
            """
            import asyncio


            async def fetch() -> int:
                return 1


            def fetch_sync() -> int:
                try:
                    asyncio.get_running_loop()
                except RuntimeError:
                    return asyncio.run(fetch())  # expect: LS100 guarded ok
                raise RuntimeError("fetch_sync() called from async code: await fetch() instead")
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
                return asyncio.run(fetch())  # expect: LS101 async-context fix
            """
        ),
    )

    kinds = frozenset({SiteKind.RUN, SiteKind.LOOP_RUN})
    fallback = True  # a loop entry no other rule objects to
    outcomes = produces(ACCEPTED, Action.OK, *_ACCEPTED_WHY)
    table = (
        ("run / loop-run", "entrypoint, worker-task, thread, guarded, test-code", "LS100", "ok"),
    )

    def check(self, ctx: SiteContext) -> Answer:
        why = _ACCEPTED_WHY.get(ctx.category, "no loop is running there")
        return Verdict(
            ACCEPTED,
            Action.OK,
            f"Accepted: `{ctx.site.api.value}` in {ctx.where} is fine because {ctx.reason}; {why}.",
        )
