"""LS407 implicit-event-loop: `asyncio.Future()`, `ensure_future()` or `wrap_future()` without `loop=`, in sync code that may run with no loop set, asks `get_event_loop()` for one, which raises on the project's target Python (3.14+)."""

from __future__ import annotations

import re

from loopsafe.facts.model import LoopApi, SiteKind
from loopsafe.model import Action, Category, Fix, FixSafety, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import at, fix, no_fix
from loopsafe.rules.registry import (
    DISMISSED,
    Answer,
    PythonChange,
    Rule,
    Verdict,
    doc,
    produces,
    snippet,
)
from loopsafe.rules.upgrade import (
    NO_LOOP_CATEGORIES,
    current_loop_helper,
    fetch_raises_on_target,
    loop_set_by_callee,
    no_loop_where,
    target_words,
)

# The asyncio APIs that, given no `loop=` and called where no loop runs, take the loop
# `get_event_loop()` returns (CPython 3.12/3.13 warn there when none is set; 3.14 raises).
_IMPLICIT = {
    "asyncio.Future": "asyncio.Future()",
    "asyncio.futures.Future": "asyncio.Future()",
    "asyncio.ensure_future": "asyncio.ensure_future()",
    "asyncio.tasks.ensure_future": "asyncio.ensure_future()",
    "asyncio.wrap_future": "asyncio.wrap_future()",
    "asyncio.futures.wrap_future": "asyncio.wrap_future()",
}


# `ensure_future(loop.run_in_executor(...))`: the argument is already a future of a loop.
_FUTURE_MADE = re.compile(r"^[\w.]+\.(run_in_executor|create_future|create_task)\(")


class ImplicitEventLoop(Rule):
    code = "LS407"
    name = "implicit-event-loop"
    summary = (
        "`asyncio.Future()`, `ensure_future()` or `wrap_future()` without `loop=`, in sync "
        "code that may run with no loop set: it asks `get_event_loop()`, which raises on "
        "Python 3.14+."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.UNSAFE
    python_change = PythonChange(breaks=(3, 14), deprecated=(3, 12), how="raises RuntimeError")
    what_it_does = doc(
        """
        Finds calls of `asyncio.Future()`, `asyncio.ensure_future(x)` and
        `asyncio.wrap_future(f)` that pass no `loop=`, in sync code that nothing shows runs
        with a loop set: the same places as LS402 (an entry point, a worker task, a thread,
        library code, module level, sync tests, and code that coroutines call when another
        path reaches it too), where the project's target Python is 3.14 or later. A call
        after `asyncio.set_event_loop()` or `asyncio.get_event_loop()` in the same function
        is accepted (a loop is set by then), and so is one in code only coroutines reach.
        """
    )
    why_bad = doc(
        """
        Called where no loop runs, these functions take their loop from
        `asyncio.get_event_loop()`: up to Python 3.13 the main thread then gets a new loop
        (3.12 and 3.13 with a `DeprecationWarning`, an error under `-W error`), and from
        3.14 they raise `RuntimeError: There is no current event loop`. It is the same
        break as LS402, one call further away, so it is easy to miss on an upgrade.
        """
    )
    example = snippet(
        """
        import asyncio


        def pending() -> asyncio.Future[int]:
            return asyncio.Future()  # expect: LS407 sync-wrapper fix
        """
    )
    use_instead = snippet(
        """
        import asyncio

        from loopsafe import current_loop


        def pending() -> asyncio.Future[int]:
            return asyncio.Future(loop=current_loop())


        # Better still: make the future where the loop runs (`loop.create_future()` in a
        # coroutine).
        """
    )
    fix_notes = doc(
        """
        The fix passes `loop=current_loop()`: the loop `get_event_loop()` gave up to 3.13
        (the running loop, else the loop set, else a new one set as current), on every
        version and without the warning; the helper is imported as LS402's fix imports it.
        It is unsafe in the way LS402's fix is: in a thread other than the main one, where
        the call always raised when no loop was set, it now gets a loop of its own. Where no
        import of the helper works (a top-level module of a project that does not depend
        on loopsafe) there is no fix.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio
            import concurrent.futures


            def wrap(job: concurrent.futures.Future[int]) -> asyncio.Future[int]:
                return asyncio.wrap_future(job)  # expect: LS407 sync-wrapper fix


            def schedule(coro):
                return asyncio.ensure_future(coro)  # expect: LS407 sync-wrapper fix
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio


            async def pending() -> asyncio.Future[int]:
                return asyncio.Future()


            def after_set() -> asyncio.Future[int]:
                loop = asyncio.new_event_loop()  # expect: LS100 sync-wrapper ok
                asyncio.set_event_loop(loop)  # expect: LS100 sync-wrapper ok
                return asyncio.Future()


            def explicit(loop: asyncio.AbstractEventLoop) -> asyncio.Future[int]:
                return asyncio.Future(loop=loop)
            """
        ),
        snippet(
            """
            # /// script
            # requires-python = ">=3.9,<3.14"
            # ///
            import asyncio


            def pending() -> asyncio.Future[int]:
                return asyncio.Future()
            """
        ),
    )

    kinds = frozenset({SiteKind.CALL})
    calls = frozenset(_IMPLICIT)
    outcomes = produces("LS407", Action.FIX, *NO_LOOP_CATEGORIES, Category.REACHABLE_FROM_ASYNC)
    table = (
        (
            "call",
            "`Future()` / `ensure_future()` / `wrap_future()` without `loop=`, sync code with "
            "no loop set, target 3.14+",
            "LS407",
            "fix",
        ),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        if site.api is not LoopApi.WATCHED_CALL or not site.called:
            return DISMISSED  # imported or handed on: what matters is where it is called
        if "loop" in site.keywords or "**" in site.keywords:
            return DISMISSED
        if site.guarded or not fetch_raises_on_target(ctx):
            return DISMISSED
        if site.target.endswith("ensure_future") and _FUTURE_MADE.search(
            (site.args[:1] or [""])[0]
        ):
            return DISMISSED  # a loop's future is handed back as it is: no loop is asked for
        if loop_set_by_callee(ctx):
            return DISMISSED
        api = _IMPLICIT[site.target]
        where = no_loop_where(ctx)
        return Verdict(
            self.code,
            Action.FIX,
            f"`{api}` without `loop=` in sync code ({where}) takes its loop from "
            "`get_event_loop()`, which raises 'There is no current event loop' on Python "
            f"3.14 and later when no loop is set (this code runs up to {target_words(ctx)}; "
            "3.12 and 3.13 warn); pass the loop, or make the future where the loop runs.",
            _loop_argument(ctx),
        )


def _loop_argument(ctx: SiteContext) -> Fix:
    helper, copy, problem = current_loop_helper(ctx)
    if problem:
        return no_fix(problem)
    if not helper:
        return no_fix(
            "no import of loopsafe's `current_loop()` works in this module (a top-level "
            "module of a project that does not depend on loopsafe); pass the loop by hand"
        )
    return fix(
        ctx,
        FixSafety.UNSAFE,
        "loop=current_loop()",
        at(OpKind.LOOP_ARGUMENT, ctx.site, helper),
        helper_copy=copy,
    )
