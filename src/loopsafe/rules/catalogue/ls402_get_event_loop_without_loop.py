"""LS402 get-event-loop-without-loop: `asyncio.get_event_loop()` in sync code that may run with no loop set raises on the project's target Python (3.14+)."""

from __future__ import annotations

from loopsafe.facts import apis
from loopsafe.facts.model import LoopApi, SiteKind
from loopsafe.model import Action, Category, Fix, FixSafety, Op, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import at, fix, no_fix, starred
from loopsafe.rules.registry import Answer, PythonChange, Rule, Verdict, doc, produces, snippet
from loopsafe.rules.upgrade import (
    NO_LOOP_CATEGORIES,
    current_loop_helper,
    fetch_raises_on_target,
    no_loop_where,
    target_words,
)
from loopsafe.vendor import INLINE_CURRENT_LOOP


class GetEventLoopWithoutLoop(Rule):
    code = "LS402"
    name = "get-event-loop-without-loop"
    summary = (
        "`asyncio.get_event_loop()` in sync code that may run with no loop set raises on the "
        "project's target Python (3.14+)."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.UNSAFE
    python_change = PythonChange(breaks=(3, 14), deprecated=(3, 12), how="raises RuntimeError")
    what_it_does = doc(
        """
        Finds `asyncio.get_event_loop()` in sync code that nothing shows runs with a loop
        set (an entry point, a worker task, a thread, library code, module level, sync
        tests), where the project's target Python is 3.14 or later. Code that coroutines
        call is decided per path: when something else reaches it too (code run at import,
        outside callers of library API, callers the analysis cannot see, an entry point,
        a worker, a thread), that path may have no loop set, and the site is LS402; when
        only coroutines reach it, a loop is always running and it is LS202 (review). The target is the
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
        from collections.abc import Callable

        from loopsafe import current_loop


        def schedule(callback: Callable[[], None]) -> None:
            loop = current_loop()  # the running loop, the loop set, or a new one set
            loop.call_soon(callback)


        # Better still: code that only runs on a loop takes asyncio.get_running_loop().
        """
    )
    fix_notes = doc(
        """
        The fix calls the helper's `current_loop()` instead (imported like `run_sync`: from
        loopsafe when the project depends on it, else from the copy vendored into its
        package). It returns what `get_event_loop()` returned up to Python 3.13, on every
        version and without the warning: the running loop, else the loop set for the
        thread, else a new loop set as the thread's current one. Where no import of the
        helper would work (a top-level module of a packaged project that does not depend
        on loopsafe: a copy beside it would not be installed with it), the fix writes the
        same function, `_loopsafe_current_loop()`, into the module itself, once (Python
        3.7+). `asyncio.get_event_loop_policy().get_event_loop()` gets the same fix.

        It is unsafe in two ways: in a thread other than the main one, where
        `get_event_loop()` always raised when no loop was set, the code now gets a loop of
        its own; and a policy's `get_event_loop()` returned the loop set even while
        another one ran, where `current_loop()` returns the running one. A policy
        object's own `get_event_loop()` has no fix, nor has a project whose
        `run-sync-import` names a helper of its own.

        At an entry point, a loop fetched only to run one coroutine
        (`loop = asyncio.get_event_loop()`, `loop.run_until_complete(main())`, perhaps
        `loop.close()`; or the chained one-liner) becomes `asyncio.run(main())`, and the
        fetch and the close go. That is unsafe too: `asyncio.run()` also cancels the
        tasks the coroutine left, shuts down async generators and the default executor,
        closes the loop and leaves none set, which code run after it could notice. A
        loop the entry point goes on using gets `current_loop()`.
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
        snippet(
            """
            import asyncio


            async def serve() -> None:
                await asyncio.sleep(0)


            def main() -> None:
                loop = asyncio.get_event_loop()  # expect: LS402 entrypoint fix
                loop.run_until_complete(serve())  # expect: LS100 entrypoint ok
                loop.close()


            if __name__ == "__main__":
                main()
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
    outcomes = produces("LS402", Action.FIX, *NO_LOOP_CATEGORIES, Category.REACHABLE_FROM_ASYNC)
    table = (("fetch", "sync code with no loop set, the target Python is 3.14+", "LS402", "fix"),)

    def check(self, ctx: SiteContext) -> Answer:
        if not fetch_raises_on_target(ctx) or ctx.site.guarded:
            return None
        where = no_loop_where(ctx)
        return Verdict(
            self.code,
            Action.FIX,
            f"`get_event_loop()` in sync code ({where}) raises 'There is no current event "
            f"loop' on Python 3.14 and later when no loop is set (this code runs up to "
            f"{target_words(ctx)}; 3.12 and 3.13 warn); take the running loop, or make one "
            "and set it.",
            _entry_run(ctx) or _current_loop(ctx),
        )


def _current_loop(ctx: SiteContext) -> Fix:
    site = ctx.site
    if site.args or site.keywords or not site.called:
        return no_fix("an argument-taking get_event_loop(); rewrite it by hand")
    if site.target not in apis.FETCH_APIS and not _default_policy(site.target):
        return no_fix("a policy object's get_event_loop() (its own policy); rewrite it by hand")
    helper, copy, problem = current_loop_helper(ctx)
    if problem:
        return no_fix(problem)
    if not helper:
        # No import of the helper would work here: the module gets a copy of its own.
        oldest = ctx.project.oldest_python(ctx.module)
        if oldest < (3, 7):
            return no_fix(
                f"the module supports Python {oldest[0]}.{oldest[1]}, which has no "
                "`asyncio.get_running_loop()`; rewrite it by hand"
            )
        return fix(
            ctx,
            FixSafety.UNSAFE,
            f"{INLINE_CURRENT_LOOP}()",
            at(OpKind.INLINE_CURRENT_LOOP, site, INLINE_CURRENT_LOOP),
        )
    return fix(
        ctx,
        FixSafety.UNSAFE,
        "current_loop()",
        at(OpKind.CURRENT_LOOP, site, helper),
        helper_copy=copy,
    )


def _entry_run(ctx: SiteContext) -> Fix | None:
    """At an entry point, a loop fetched only to run one coroutine: `asyncio.run()` runs
    it on every version (None when the loop is used for anything else)."""
    site = ctx.site
    if ctx.category is not Category.ENTRYPOINT or site.target not in apis.FETCH_APIS:
        return None
    if site.args or site.keywords or not site.called:
        return None
    loop_sites = [
        s
        for s in ctx.project.scope_sites(ctx.facts, site.scope)
        if s is not site and s.kind in _LOOP_KINDS
    ]
    if len(loop_sites) != 1 or loop_sites[0].kind is not SiteKind.LOOP_RUN:
        return None
    run = loop_sites[0]
    if (
        run.api is not LoopApi.RUN_UNTIL_COMPLETE
        or run.loop_origin != "fetched"
        or run.loop_use
        or not run.called
        or len(run.args) != 1
        or run.keywords
        or starred(run.args)
    ):
        return None
    ops = [at(OpKind.ASYNCIO_RUN, run)]
    if run.loop_expr:  # `loop = asyncio.get_event_loop()` ... `loop.run_until_complete(x)`
        if not run.loop_expr.isidentifier() or ctx.function is None or run.line <= site.line:
            return None
        ops.append(Op(OpKind.DROP_FETCHED_LOOP, ctx.function.line, 0, run.loop_expr))
    elif run.line != site.line:  # `asyncio.get_event_loop().run_until_complete(x)`
        return None
    return fix(ctx, FixSafety.UNSAFE, f"asyncio.run({run.args[0]})", *ops)


_LOOP_KINDS = frozenset(
    {SiteKind.FETCH, SiteKind.CREATE, SiteKind.SET, SiteKind.LOOP_RUN, SiteKind.RUN}
)


def _default_policy(target: str) -> bool:
    """`asyncio.get_event_loop_policy().get_event_loop()`: the policy in force, which is the
    one `asyncio.get_event_loop()` asks when no loop runs."""
    owner, _, method = target.rpartition("().")
    return method == "get_event_loop" and owner in apis.POLICY_APIS
