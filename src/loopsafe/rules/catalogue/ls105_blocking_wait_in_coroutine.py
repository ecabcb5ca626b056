"""LS105 blocking-wait-in-coroutine: A coroutine blocks on a future or executor result whose work runs another event loop."""

from __future__ import annotations

from loopsafe.analysis import Project
from loopsafe.facts import apis
from loopsafe.facts.model import LoopApi, Site, SiteKind
from loopsafe.model import Action, Category, Fix, FixSafety, Op, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import at, fix, no_fix, starred
from loopsafe.rules.registry import DISMISSED, Answer, Rule, Verdict, doc, produces, snippet


class BlockingWaitInCoroutine(Rule):
    code = "LS105"
    name = "blocking-wait-in-coroutine"
    summary = (
        "A coroutine blocks on a future or executor result whose work runs another event loop."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.UNSAFE
    what_it_does = doc(
        """
        Finds, inside an `async def`, `.result()` on `asyncio.run_coroutine_threadsafe(...)`
        and on `<executor>.submit(f, ...)` where `f` is `asyncio.run` (or another loop
        runner) or a project function that enters a loop. The executor form is the usual
        workaround for LS101: `pool.submit(asyncio.run, coro).result()`.
        """
    )
    why_bad = doc(
        """
        `.result()` blocks the thread, and that thread is the one running the event loop:
        every other task, timer and connection the loop serves stalls until the work is
        done. `run_coroutine_threadsafe(coro, loop).result()` aimed at the loop that is
        running deadlocks outright, because the coroutine can only start once the loop
        gets control back, which `.result()` prevents. The executor form runs the
        coroutine on a second loop in a worker thread, so it cannot share loop-bound
        objects with the caller, and it loses the caller's context variables.
        """
    )
    example = snippet(
        """
        import asyncio
        from concurrent.futures import ThreadPoolExecutor


        async def render_report(report_id: int) -> str:
            ...


        async def handle(report_id: int) -> str:
            with ThreadPoolExecutor() as pool:
                return pool.submit(asyncio.run, render_report(report_id)).result()  # expect: LS105 async-context fix; LS100 thread ok
        """
    )
    use_instead = snippet(
        """
        async def handle(report_id: int) -> str:
            return await render_report(report_id)

        # Genuinely blocking *sync* work goes to a thread without blocking the loop:
        #     await asyncio.to_thread(blocking_function, arg)
        """
    )
    fix_notes = doc(
        """
        Unsafe: the fix awaits the work on the running loop, which changes where it runs.
        `pool.submit(asyncio.run, coro).result()` becomes `await coro`;
        `asyncio.run_coroutine_threadsafe(coro, loop).result()` becomes
        `await asyncio.wrap_future(...)` (the coroutine still runs on `loop`, but the
        caller's loop is no longer blocked); `pool.submit(fn, *args).result()` becomes
        `await asyncio.get_running_loop().run_in_executor(pool, fn, *args)`. Code that
        relied on running in its own thread (blocking calls inside the coroutine,
        CPU-heavy work) now shares the caller's loop; move such calls to
        `asyncio.to_thread()`. An executor the function made only for that wait
        (`with ThreadPoolExecutor() as pool:`, or `pool = ...Executor()` and its
        `shutdown()`) goes with it; one that anything else uses stays. No fix is offered
        when the future is kept and waited on
        elsewhere, when `.result()` has a timeout (an await would drop it), or inside a
        lambda or generator expression.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio
            from concurrent.futures import ThreadPoolExecutor


            async def render(report_id: int) -> str:
                return str(report_id)


            async def handle(report_id: int) -> str:
                with ThreadPoolExecutor() as pool:
                    return pool.submit(asyncio.run, render(report_id)).result()  # expect: LS105 async-context fix; LS100 thread ok
            """
        ),
        snippet(
            """
            import asyncio


            async def fetch() -> int:
                return 1


            async def handle(loop: asyncio.AbstractEventLoop) -> int:
                return asyncio.run_coroutine_threadsafe(fetch(), loop).result(timeout=5)  # expect: LS105 async-context fix
            """
        ),
    )
    valid = (
        snippet(
            """
            async def render(report_id: int) -> str:
                return str(report_id)


            async def handle(report_id: int) -> str:
                return await render(report_id)
            """
        ),
        snippet(
            """
            import asyncio
            import time


            def slow_sum(n: int) -> int:
                time.sleep(0.1)
                return sum(range(n))


            async def handle(n: int) -> int:
                return await asyncio.to_thread(slow_sum, n)
            """
        ),
    )

    kinds = frozenset({SiteKind.WAIT})
    outcomes = produces("LS105", Action.FIX, Category.ASYNC_CONTEXT)
    table = (("wait", "async-context", "LS105", "fix"),)

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        target = site.wait_target
        if target and target not in apis.RUN_APIS and not _enters_loop(ctx.project, target):
            return DISMISSED  # work that enters no loop: a blocking call, not a loop site
        return Verdict(
            self.code,
            Action.FIX,
            f"`{site.api.value}` inside coroutine `{ctx.name}` blocks the running loop until "
            "the work ends (and deadlocks if the work needs that loop); `await` the work "
            "instead.",
            _await_work(ctx),
        )


def _await_work(ctx: SiteContext) -> Fix:
    """`future.result()` -> awaiting the same work without blocking the loop: the
    coroutine itself (`submit(asyncio.run, c)`), the wrapped future
    (`run_coroutine_threadsafe`), or the function in the executor (`submit(f, *args)`)."""
    site = ctx.site
    if not site.waited_directly:
        return no_fix(
            "the future is kept and waited on elsewhere; await it there "
            "(`await asyncio.wrap_future(future)`)"
        )
    if site.result_args:
        return no_fix("`.result()` is given a timeout, which an await would drop")
    if site.in_lambda:
        return no_fix("the call is inside a lambda or a generator expression")
    if site.api is LoopApi.THREADSAFE_RESULT:
        return _unsafe(ctx, f"await asyncio.wrap_future({site.text})", "wrap-future")
    if site.keywords or starred(site.args):
        return no_fix("the fix does not rewrite this form of blocking wait")
    if site.wait_target in apis.RUN_APIS and len(site.args) == 2:
        # The executor made for this wait goes too when nothing else uses it.
        unused = (
            (Op(OpKind.DROP_EXECUTOR, ctx.function.line, 0, site.receiver),)
            if ctx.function is not None and site.receiver.isidentifier()
            else ()
        )
        return _unsafe(ctx, f"await {site.args[1]}", "coroutine", *unused)
    arguments = ", ".join([site.receiver, *site.args])
    return _unsafe(
        ctx, f"await asyncio.get_running_loop().run_in_executor({arguments})", "executor"
    )


def _unsafe(ctx: SiteContext, replacement: str, form: str, *more: Op) -> Fix:
    return fix(ctx, FixSafety.UNSAFE, replacement, at(OpKind.WAIT_AWAIT, ctx.site, form), *more)


def _enters_loop(project: Project, target: str) -> bool:
    """Does the submitted function (or a sync function it calls) enter an event loop?"""
    index = project.index
    todo = list(index.resolve(target))
    seen: set[str] = set()
    while todo:
        key = todo.pop()
        if key in seen:
            continue
        seen.add(key)
        ref = index.functions[key]
        owner = index.modules[ref.module]
        if any(
            _enters(s, ref.func.qualname) for s in project.scope_sites(owner, ref.func.qualname)
        ):
            return True
        todo.extend(
            t for t in project.reach.edges.get(key, []) if not index.functions[t].func.is_async
        )
    return False


def _enters(site: Site, qualname: str) -> bool:
    return site.scope == qualname and site.kind in (SiteKind.RUN, SiteKind.LOOP_RUN)
