"""LS402 get-event-loop-without-loop: `asyncio.get_event_loop()` in sync code that may run with no loop set raises on the project's target Python (3.14+)."""

from __future__ import annotations

from loopsafe.facts import apis
from loopsafe.facts.model import SiteKind
from loopsafe.model import Action, FixSafety, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import at, fix, no_fix
from loopsafe.rules.registry import Answer, Rule, Verdict, doc, produces, snippet
from loopsafe.rules.upgrade import NO_LOOP_CATEGORIES, fetch_raises_on_target, target_words


class GetEventLoopWithoutLoop(Rule):
    code = "LS402"
    name = "get-event-loop-without-loop"
    summary = (
        "`asyncio.get_event_loop()` in sync code that may run with no loop set raises on the "
        "project's target Python (3.14+)."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.UNSAFE
    what_it_does = doc(
        """
        Finds `asyncio.get_event_loop()` in sync code that nothing shows runs with a loop
        set (an entry point, a worker task, a thread, library code, module level, sync
        tests), where the project's target Python is 3.14 or later. The target is the
        newest Python the project's `requires-python` (`python_requires`, Poetry's
        `python`, a script's PEP 723 block) admits, up to the newest CPython released, or
        `target-version` / `--target-version` (`py314`). Below 3.14 the same site is
        LS202 (review); guarded calls and calls after `set_event_loop()` are accepted.
        """
    )
    why_bad = doc(
        """
        Up to Python 3.13, `get_event_loop()` in the main thread creates and sets a loop
        when none is set (3.12 and 3.13 warn with a `DeprecationWarning`, an error under
        `-W error`). Python 3.14 raises `RuntimeError: There is no current event loop`
        instead: code that worked for years stops at the first call after the upgrade.
        """
    )
    example = snippet(
        """
        import asyncio
        from collections.abc import Callable


        def schedule(callback: Callable[[], None]) -> None:
            loop = asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
            loop.call_soon(callback)
        """
    )
    use_instead = snippet(
        """
        import asyncio
        import warnings
        from collections.abc import Callable


        def schedule(callback: Callable[[], None]) -> None:
            with warnings.catch_warnings():  # no loop set: 3.12-3.13 warn, 3.14+ raise
                warnings.simplefilter("ignore", DeprecationWarning)
                try:
                    loop = asyncio.get_event_loop()  # expect: LS100 guarded ok
                except RuntimeError:
                    loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
                    asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
            loop.call_soon(callback)


        # Better still: code that only runs on a loop takes asyncio.get_running_loop().
        """
    )
    fix_notes = doc(
        """
        Where the loop is assigned to a name or attribute (`loop = asyncio.get_event_loop()`,
        `self.loop = ...`), the fix spells out what `get_event_loop()` did up to Python
        3.13, so that it does the same on every version: the loop set (or running), else
        a new loop, set as the current one, with the no-loop `DeprecationWarning` of 3.12
        and 3.13 silenced around the call. It is unsafe: `warnings.catch_warnings()`
        changes the process's warning filters for the moment of the call (not
        thread-safe), and in a thread other than the main one, where `get_event_loop()`
        always raised, the code now gets a loop of its own. Other forms
        (`asyncio.get_event_loop().run_until_complete(x)`, a call used as an argument)
        have no fix: `asyncio.run()` or `asyncio.Runner` at an entry point, or a loop made
        and set explicitly where it is kept, are for a person to choose.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            class Client:
                def __init__(self) -> None:
                    self.loop = asyncio.get_event_loop()  # expect: LS402 sync-wrapper fix
            """
        ),
        snippet(
            """
            import asyncio


            def run(coro):
                return asyncio.get_event_loop().run_until_complete(coro)  # expect: LS402 sync-wrapper fix; LS104 sync-wrapper fix
            """
        ),
    )
    valid = (
        snippet(
            """
            # /// script
            # requires-python = ">=3.9,<3.14"
            # ///
            import asyncio


            def main() -> None:
                loop = asyncio.get_event_loop()  # expect: LS202 sync-wrapper review
                loop.call_soon(print)
            """
        ),
        snippet(
            """
            import asyncio


            def main() -> None:
                asyncio.set_event_loop(asyncio.new_event_loop())  # expect: LS100 sync-wrapper ok; LS100 sync-wrapper ok
                loop = asyncio.get_event_loop()  # expect: LS100 sync-wrapper ok
                loop.call_soon(print)
            """
        ),
    )

    kinds = frozenset({SiteKind.FETCH})
    outcomes = produces("LS402", Action.FIX, *NO_LOOP_CATEGORIES)
    table = (("fetch", "sync code with no loop set, the target Python is 3.14+", "LS402", "fix"),)

    def check(self, ctx: SiteContext) -> Answer:
        if not fetch_raises_on_target(ctx) or ctx.site.guarded:
            return None
        site = ctx.site
        plan = (
            fix(
                ctx,
                FixSafety.UNSAFE,
                "the loop set, else a new one set as the current loop (as before 3.14)",
                at(OpKind.LOOP_OR_NEW, site),
            )
            if site.target in apis.FETCH_APIS
            and site.assigned
            and not site.args
            and not site.keywords
            and not site.in_lambda
            else None
        )
        return Verdict(
            self.code,
            Action.FIX,
            f"`get_event_loop()` in sync code ({ctx.category.value}) raises 'There is no "
            "current event loop' on Python 3.14 and later when no loop is set (this code "
            f"runs up to {target_words(ctx)}; 3.12 and 3.13 warn); take the running loop, "
            "or make one and set it.",
            plan or no_fix("only `x = asyncio.get_event_loop()` is rewritten; choose by hand"),
        )
