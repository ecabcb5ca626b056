"""LS405 asyncio-coroutine-decorator: `@asyncio.coroutine`, deprecated in Python 3.8 and
removed in 3.11, where `async def` replaces it."""

from __future__ import annotations

from loopsafe.facts.model import Function, LoopApi, SiteKind
from loopsafe.model import Action, Fix, FixSafety, Op, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import fix, no_fix
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
from loopsafe.rules.upgrade import removed_api_shim

_API = "`asyncio.coroutine`"


class AsyncioCoroutineDecorator(Rule):
    code = "LS405"
    name = "asyncio-coroutine-decorator"
    summary = (
        "`@asyncio.coroutine` is deprecated since Python 3.8 and removed in 3.11; "
        "`async def` with `await` replaces it."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    python_change = PythonChange(breaks=(3, 11), deprecated=(3, 8), how="is removed")
    what_it_does = doc(
        """
        Finds `asyncio.coroutine` (also `asyncio.coroutines.coroutine`): as a decorator,
        called, named as a value, and imported by name (`from asyncio import
        coroutine`). Compatibility shims are accepted (LS100): code that only runs on
        Pythons that still have it (under `if sys.version_info < (3, 11):`,
        `if hasattr(asyncio, "coroutine"):`, or in a `try:` that imports it by name and
        handles the `ImportError`), or only on Pythons older than the project supports.
        (From 3.8 to 3.10 such code still warns.)
        """
    )
    why_bad = doc(
        """
        Python 3.8 deprecated generator-based coroutines: each use of the decorator warns
        with a `DeprecationWarning` when the function is defined. Python 3.11 removed it:
        `@asyncio.coroutine` raises `AttributeError` when the module is imported, and
        `from asyncio import coroutine` an `ImportError`, so nothing in the module works.
        """
    )
    example = snippet(
        """
        import asyncio


        @asyncio.coroutine  # expect: LS405 module-level fix
        def fetch(reader):
            header = yield from reader.readline()
            body = yield from reader.read(int(header))
            return body
        """
    )
    use_instead = snippet(
        """
        async def fetch(reader):
            header = await reader.readline()
            body = await reader.read(int(header))
            return body
        """
    )
    fix_notes = doc(
        """
        On a generator whose only yields are `yield from x` used as a statement, as the
        value of an assignment or of a `return` (in its own body, not in a nested
        function), the fix removes the decorator, makes the function `async def` and
        each `yield from x` an `await x` (an import left unused goes). It is unsafe: the
        function now returns a native coroutine, which a plain generator cannot
        `yield from`, which cannot be iterated or `send()` to, and for which
        `inspect.isgeneratorfunction()` answers False; and `await x` fails where `x` is
        a plain generator rather than an awaitable. No fix is offered where the function
        hands `yield from` a plain generator of its own module. On an `async def` the
        decorator did nothing but warn, and removing it is safe.

        A function that is not a generator (asyncio wrapped it to await what it returns
        when that is awaitable), a generator that yields values or uses `yield from`
        elsewhere, and other uses (`asyncio.coroutine(f)` called, passed on as a value)
        get no fix: rewrite them as `async def` by hand. An import of it by name has no
        fix of its own: it goes once nothing uses it.

        Where the code runs does not change this verdict, so loopsafe does not read more
        files to follow the callers of these sites.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            @asyncio.coroutine  # expect: LS405 module-level fix
            async def ping():
                await asyncio.sleep(0)
            """
        ),
        snippet(
            """
            from asyncio import coroutine  # expect: LS405 module-level fix


            class Client:
                @coroutine  # expect: LS405 module-level fix
                def close(self):
                    yield from self.writer.drain()
                    self.writer.close()
            """
        ),
        snippet(
            """
            import asyncio


            @asyncio.coroutine  # expect: LS405 module-level fix
            def answer():
                return 42
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio


            async def fetch(reader):
                return await reader.readline()
            """
        ),
        snippet(
            """
            try:
                from asyncio import coroutine  # expect: LS100 module-level ok
            except ImportError:  # Python 3.11 and later
                coroutine = None
            """
        ),
    )

    kinds = frozenset({SiteKind.CALL})
    traces_callers = False  # removed wherever it runs
    calls = frozenset({"asyncio.coroutine", "asyncio.coroutines.coroutine"})
    outcomes = fixed_or_accepted_in_code("LS405")
    table = (
        (
            "use of `asyncio.coroutine`",
            "only on Pythons before 3.11 (a version or feature check, an ImportError "
            "handled), or older than the project supports",
            "LS100",
            "ok",
        ),
        ("use of `asyncio.coroutine`", "any other", "LS405", "fix"),
    )

    def check(self, ctx: SiteContext) -> Answer:
        accepted = removed_api_shim(ctx, self.python_change, _API)
        if accepted:
            return Verdict(ACCEPTED, Action.OK, f"Accepted: {accepted}.")
        if ctx.site.api is LoopApi.WATCHED_IMPORT:
            return Verdict(
                self.code,
                Action.FIX,
                "Importing `coroutine` from asyncio fails with ImportError from Python 3.11 "
                "(deprecated since 3.8); write the coroutines it decorates as `async def`.",
                no_fix("the import goes once nothing uses it: fix the functions it decorates"),
            )
        planned, risk = _async_def(ctx)
        if "." in ctx.site.text.partition("(")[0]:
            fails = "this line raises AttributeError"
        else:
            fails = "importing it by name raises ImportError"
        return Verdict(
            self.code,
            Action.FIX,
            "`asyncio.coroutine` is removed in Python 3.11 (deprecated since 3.8), where "
            f"{fails}; write the coroutine as `async def` with `await`.{risk}",
            planned,
        )


def _decorated(ctx: SiteContext) -> Function | None:
    """The def the site decorates, when it is a decorator (not called: `@coroutine`)."""
    site = ctx.site
    if site.called or not site.decorates:
        return None
    return ctx.facts.functions.get(site.decorates)


def _async_def(ctx: SiteContext) -> tuple[Fix, str]:
    """The decorated function as `async def`, and why a caller may notice (for the message)."""
    site = ctx.site
    func = _decorated(ctx)
    if func is None:
        if site.called:
            why = (
                "it is called, not used as a decorator: write the function it wraps as "
                "`async def` (for a generator, `types.coroutine` does what it did)"
            )
        else:
            why = "it is named as a value, not used as a decorator; replace it by hand"
        return no_fix(why), ""
    edit = Op(OpKind.COROUTINE_DEF, func.line, 0, site.text)
    if func.async_def:
        # On an `async def` the decorator returned the function as it was.
        return fix(ctx, FixSafety.SAFE, "", edit), ""
    if not func.is_generator:
        return no_fix(
            "it is not a generator: asyncio wrapped it so that what it returns is awaited "
            "when it is awaitable; make it `async def` and await what needs it by hand"
        ), ""
    if func.yield_shape != "yield-from":
        return no_fix(
            "the generator yields values, or uses `yield from` inside an expression: "
            "rewrite it as `async def` by hand"
        ), ""
    plain = _plain_generators(ctx, func)
    if plain:
        return no_fix(
            f"it hands `yield from` the plain generator `{plain}()`, which `await` "
            "cannot take: make that one a coroutine first"
        ), ""
    name = func.qualname.rpartition(".")[2]
    return fix(ctx, FixSafety.UNSAFE, "", edit), (
        f" The fix is unsafe: `{name}()` then returns a native coroutine, which a "
        "plain generator cannot `yield from` and no caller can iterate or `send()` to."
    )


def _plain_generators(ctx: SiteContext, func: Function) -> str:
    """The name of a generator of this module, not a coroutine, that a `yield from` here
    calls directly ("" when there is none): `await` raises TypeError on it."""
    functions = ctx.facts.functions
    owner = ctx.site.scope  # the class (or function) the decorated def is in
    for callee in func.yield_from_calls:
        if callee.startswith("self."):
            if not owner:
                continue
            names = [f"{owner}.{callee.partition('.')[2]}"]
        else:
            names = [callee, f"{owner}.{callee}" if owner else callee]
        for name in names:
            target = functions.get(name)
            if (
                target is not None
                and not target.async_def
                and target.is_generator
                and not any(d.rpartition(".")[2] == "coroutine" for d in target.decorators)
            ):
                return name.rpartition(".")[2]
    return ""
