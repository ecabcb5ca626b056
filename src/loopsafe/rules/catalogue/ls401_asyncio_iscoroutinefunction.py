"""LS401 asyncio-iscoroutinefunction: `asyncio.iscoroutinefunction()`, deprecated in
Python 3.14 and removed in 3.16, where `inspect.iscoroutinefunction()` remains."""

from __future__ import annotations

from loopsafe.facts.model import LoopApi, SiteKind
from loopsafe.model import Action, Fix, FixSafety, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import at, fix, no_fix
from loopsafe.rules.registry import (
    ACCEPTED,
    Answer,
    PythonChange,
    Rule,
    Verdict,
    doc,
    fixed_or_accepted_in_code,
    snippet,
)

_NEW = "inspect.iscoroutinefunction"
_DEPRECATED = (3, 14)


class AsyncioIscoroutinefunction(Rule):
    code = "LS401"
    name = "asyncio-iscoroutinefunction"
    summary = (
        "`asyncio.iscoroutinefunction()` is deprecated since Python 3.14 and removed in 3.16; "
        "`inspect.iscoroutinefunction()` replaces it."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.UNSAFE
    python_change = PythonChange(breaks=(3, 16), deprecated=(3, 14), how="is removed")
    what_it_does = doc(
        """
        Finds `asyncio.iscoroutinefunction` (also `asyncio.coroutines.iscoroutinefunction`),
        called or named as a value, in any kind of code, and the imports that bring it in
        by name (`from asyncio import iscoroutinefunction`). Compatibility shims are
        accepted (LS100): code that only runs on Pythons before 3.14 (the else branch of
        `if sys.version_info >= (3, 13):`, or of a feature check such as
        `if hasattr(inspect, "markcoroutinefunction"):`), and calls through a name the
        module binds in more than one place, whose bindings are judged instead.
        """
    )
    why_bad = doc(
        """
        Python 3.14 deprecated it: every call emits a `DeprecationWarning`, which fails
        test suites run with `-W error` or `filterwarnings = error`. Python 3.16 removes
        it: `asyncio.iscoroutinefunction` then raises `AttributeError`, and
        `from asyncio import iscoroutinefunction` an `ImportError` when the module is
        imported. `inspect.iscoroutinefunction()` has been the public API since Python 3.5.
        """
    )
    example = snippet(
        """
        import asyncio
        from collections.abc import Callable


        def describe(handler: Callable[..., object]) -> str:
            if asyncio.iscoroutinefunction(handler):  # expect: LS401 sync-wrapper fix
                return "async"
            return "sync"
        """
    )
    use_instead = snippet(
        """
        import inspect
        from collections.abc import Callable


        def describe(handler: Callable[..., object]) -> str:
            if inspect.iscoroutinefunction(handler):
                return "async"
            return "sync"
        """
    )
    fix_notes = doc(
        """
        The fix calls `inspect.iscoroutinefunction()` instead and adds `import inspect`
        (an import of `iscoroutinefunction` from asyncio that nothing else uses goes). It
        is unsafe: the asyncio function also answers `True` for functions marked with
        asyncio's private `_is_coroutine` attribute, which `inspect` does not read. Such
        marks come from `asgiref.sync.markcoroutinefunction` on Python before 3.12 (async
        Django views and middleware), from Cython-compiled coroutines, and from
        `@asyncio.coroutine` generators on Python before 3.11. On Python 3.12 and later,
        mark functions with `inspect.markcoroutinefunction()`, which both see. So the fix
        is only offered where the project requires Python 3.12 or later
        (`requires-python`, `python_requires`, Poetry's `python`, or a script's PEP 723
        `# /// script` block); a project that
        supports older Pythons (or does not say) gets the finding without a fix: on
        real projects (starlette, syncer, pytest-asyncio) the swap made asgiref-marked
        async views look sync on 3.11. No fix is
        offered where the function is handed on as a value, or where the module binds the
        name `inspect` to something of its own. An import of it by name has no fix of its
        own: it goes once nothing uses it.

        Where the code runs does not change this verdict, so loopsafe does not read more
        files to follow the callers of these sites: the category a finding shows is what
        the code read for the event-loop sites tells.
        """
    )
    invalid = (
        snippet(
            """
            # /// script
            # requires-python = ">=3.12"
            # ///
            from asyncio import iscoroutinefunction  # expect: LS401 module-level fix


            async def dispatch(handler):
                if iscoroutinefunction(handler):  # expect: LS401 async-context fix
                    return await handler()
                return handler()
            """
        ),
        snippet(
            """
            import asyncio

            HANDLERS = [print, asyncio.sleep]
            ASYNC_HANDLERS = list(filter(asyncio.iscoroutinefunction, HANDLERS))  # expect: LS401 module-level fix
            """
        ),
        snippet(
            """
            import asyncio


            def is_async(inspect, func) -> bool:
                return asyncio.coroutines.iscoroutinefunction(func)  # expect: LS401 sync-wrapper fix
            """
        ),
    )
    valid = (
        snippet(
            """
            import inspect


            async def dispatch(handler):
                if inspect.iscoroutinefunction(handler):
                    return await handler()
                return handler()
            """
        ),
        snippet(
            """
            def iscoroutinefunction(func) -> bool:
                return False


            def describe(handler) -> str:
                return "async" if iscoroutinefunction(handler) else "sync"
            """
        ),
        snippet(
            """
            import sys

            if sys.version_info >= (3, 13):
                from inspect import iscoroutinefunction
            else:
                # asyncio's also sees the legacy `_is_coroutine` marker
                from asyncio import iscoroutinefunction  # expect: LS100 module-level ok


            def is_async(func) -> bool:
                return iscoroutinefunction(func)  # expect: LS100 sync-wrapper ok
            """
        ),
    )

    kinds = frozenset({SiteKind.CALL})
    traces_callers = False  # deprecated wherever it runs
    calls = frozenset({"asyncio.iscoroutinefunction", "asyncio.coroutines.iscoroutinefunction"})
    outcomes = fixed_or_accepted_in_code("LS401")
    table = (
        (
            "use of `asyncio.iscoroutinefunction`",
            "only on Pythons before 3.14 (a version check), or through a name bound in more "
            "than one place",
            "LS100",
            "ok",
        ),
        ("use of `asyncio.iscoroutinefunction`", "any other", "LS401", "fix"),
    )

    def check(self, ctx: SiteContext) -> Answer:
        accepted = _accepted(ctx)
        if accepted:
            return Verdict(ACCEPTED, Action.OK, f"Accepted: {accepted}.")
        if ctx.site.api is LoopApi.WATCHED_IMPORT:
            return Verdict(
                self.code,
                Action.FIX,
                "Importing `iscoroutinefunction` from asyncio fails with ImportError from "
                "Python 3.16 (it is deprecated since 3.14); use `inspect.iscoroutinefunction()`.",
                no_fix("the import goes once nothing uses it: fix the calls it serves"),
            )
        return Verdict(
            self.code,
            Action.FIX,
            "`asyncio.iscoroutinefunction()` is deprecated since Python 3.14 and removed in "
            "3.16, where this line fails; use `inspect.iscoroutinefunction()`.",
            _use_inspect(ctx),
        )


def _accepted(ctx: SiteContext) -> str:
    """Why this use is fine on every Python it runs on ("" when it is not)."""
    site = ctx.site
    if site.runs_below and tuple(site.runs_below) <= _DEPRECATED:
        version = ".".join(str(part) for part in site.runs_below)
        return (
            f"this code only runs on Pythons before {version}, where "
            "`asyncio.iscoroutinefunction` is not deprecated (a compatibility shim)"
        )
    callee = site.text.partition("(")[0].strip()
    if callee.isidentifier() and ctx.facts.bound_names.get(callee, 0) > 1:
        return (
            f"`{callee}` is bound in more than one place (a compatibility shim picks the "
            "function); each binding is judged where it is made"
        )
    return ""


# From 3.12 asgiref marks with `inspect.markcoroutinefunction`, which both functions see.
_MARKS_SEEN = (3, 12)


def _use_inspect(ctx: SiteContext) -> Fix:
    site, facts = ctx.site, ctx.facts
    if not site.called:
        return no_fix("it is handed on as a value; replace it by hand")
    oldest = ctx.project.oldest_python(ctx.module)
    if oldest < _MARKS_SEEN:
        # Measured on real projects (bench/fixproof.py): starlette's is_async_callable and
        # syncer's sync() stop seeing asgiref-marked async views on 3.11.
        return no_fix(
            f"the project supports Python {oldest[0]}.{oldest[1]}, where functions marked "
            "as coroutine functions by asgiref (async Django views and middleware) or with "
            "`_is_coroutine` are seen by `asyncio.iscoroutinefunction` only; replace it by "
            "hand where no such function arrives, or once the project requires 3.12"
        )
    taken = facts.bound_names.get("inspect", 0)
    if taken > 1 or (taken == 1 and facts.bindings.get("inspect") != "inspect"):
        return no_fix("the module binds the name `inspect` to something of its own")
    arguments = site.text[site.text.index("(") :]
    return fix(ctx, FixSafety.UNSAFE, _NEW + arguments, at(OpKind.RENAME_CALL, site, _NEW))
