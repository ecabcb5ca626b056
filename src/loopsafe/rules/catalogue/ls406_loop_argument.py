"""LS406 loop-argument: a `loop` argument passed to asyncio's high-level API, deprecated
in Python 3.8 and removed in 3.10, where the call raises `TypeError`."""

from __future__ import annotations

import ast

from loopsafe.facts.model import Site, SiteKind
from loopsafe.facts.python_versions import script_minimum_python
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

_REMOVED_IN = (3, 10)
# The APIs whose `loop` went in 3.10 (bpo-42392), by module, as Python 3.8 declares them:
# keyword-only everywhere but in create_subprocess_shell(cmd, stdin, stdout, stderr, loop).
_MODULES = {
    "tasks": ("sleep", "gather", "wait", "wait_for", "shield", "as_completed"),
    "locks": ("Lock", "Event", "Condition", "Semaphore", "BoundedSemaphore"),
    "queues": ("Queue", "PriorityQueue", "LifoQueue"),
    "streams": ("open_connection", "start_server", "open_unix_connection", "start_unix_server"),
    "subprocess": ("create_subprocess_exec", "create_subprocess_shell"),
}
_POSITION = {"create_subprocess_shell": 4}
_ARGUMENTS = {
    f"asyncio{where}.{name}": ("loop", _POSITION.get(name, -1))
    for module, names in _MODULES.items()
    for name in names
    for where in ("", f".{module}")
}
# Coroutine functions: on 3.10+ `loop=` lands in `**kwds` and fails once awaited.
_KWDS = frozenset(_MODULES["streams"] + _MODULES["subprocess"])
# Where `loop` only picks the loop the object or coroutine uses: on 3.8 and 3.9 leaving it
# out takes the running loop (the thread's current one, for classes) instead. gather,
# shield, wait, wait_for and as_completed also check the futures given against it.
_BINDS_AT_CALL = frozenset(_MODULES["locks"] + _MODULES["queues"])
_BINDS_WHEN_RUN = frozenset(("sleep", *_KWDS))
_RUNNING_LOOP = frozenset(
    f"asyncio{where}.{name}"
    for where in ("", ".events")
    for name in ("get_running_loop", "get_event_loop")
)


class LoopArgument(Rule):
    code = "LS406"
    name = "loop-argument"
    summary = (
        "A `loop` argument to asyncio's high-level API (`sleep`, `gather`, `Lock`, `Queue`, "
        "streams, subprocesses) raises `TypeError` from Python 3.10."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    python_change = PythonChange(breaks=(3, 10), deprecated=(3, 8), how="raises TypeError")
    what_it_does = doc(
        """
        Finds calls that pass `loop` to the asyncio APIs that Python 3.10 removed it from:
        `sleep`, `gather`, `wait`, `wait_for`, `shield`, `as_completed`, the locks (`Lock`,
        `Event`, `Condition`, `Semaphore`, `BoundedSemaphore`), the queues (`Queue`,
        `PriorityQueue`, `LifoQueue`), `open_connection`, `start_server`,
        `open_unix_connection`, `start_unix_server`, `create_subprocess_exec` and
        `create_subprocess_shell` (also by its fifth positional argument). The low-level
        API keeps its `loop` and is not flagged: `ensure_future`, `Future`, `Task`,
        `wrap_future`, `run_coroutine_threadsafe`, `StreamReader`, `all_tasks`,
        `current_task`, the loop's methods. Calls that only run on Pythons before 3.10
        (under `if sys.version_info < (3, 10):`) are accepted (LS100), and so are calls
        whose TypeError the code expects: in a `try` with an `except TypeError:` (the
        shim that retries without the loop), or a test's `pytest.raises(TypeError)` /
        `assertRaises(TypeError)` block. A broader `except Exception:` is no shim: it
        only hides the error.
        """
    )
    why_bad = doc(
        """
        Python 3.8 deprecated the argument (asyncio takes the running loop itself) and Python
        3.10 removed it: `asyncio.sleep(1, loop=loop)`, `asyncio.Lock(loop=loop)` raise
        `TypeError` when called, even with `loop=None`; `open_connection(..., loop=loop)`
        and the subprocess functions raise it when awaited. A positional loop handed to
        `create_subprocess_shell` becomes its `limit` instead: its pipes then get no
        reader (the error is only logged, and the output is lost).
        """
    )
    example = snippet(
        """
        # /// script
        # requires-python = ">=3.10"
        # ///
        import asyncio


        async def worker() -> None:
            loop = asyncio.get_running_loop()
            lock = asyncio.Lock(loop=loop)  # expect: LS406 async-context fix
            async with lock:
                await asyncio.sleep(0.1, loop=loop)  # expect: LS406 async-context fix
        """
    )
    use_instead = snippet(
        """
        import asyncio


        async def worker() -> None:
            lock = asyncio.Lock()
            async with lock:
                await asyncio.sleep(0.1)
        """
    )
    fix_notes = doc(
        """
        The fix drops the argument and keeps the call's layout and the comments in it
        (but one ending the argument's own line). It is safe
        where the project requires Python 3.10 or later (`requires-python`,
        `python_requires`, Poetry's `python`, a script's PEP 723 block): the call raises
        on every version it supports, so no working program relies on it. It is safe as
        well where the argument is `loop=None`, the default on 3.8 and 3.9; where it is
        `asyncio.get_event_loop()` handed to a lock or queue, which call just that
        themselves; and where it is `asyncio.get_running_loop()` (or `get_event_loop()`)
        inside a coroutine handed to a lock or queue, or to `sleep`, the stream or the
        subprocess functions awaited on the spot: on 3.8 and 3.9 they use that same loop
        without it. Elsewhere
        on a project that supports 3.8 or 3.9 (or does not say) it is unsafe: there the
        call then uses the running loop (for locks and queues, the thread's current
        loop) instead of the one passed, and `gather`, `shield`, `wait`, `wait_for` and
        `as_completed` no longer check that the futures given belong to it. A positional
        loop followed by more positional arguments has no fix (they would shift into its
        place). A loop variable the call leaves unused stays for a person to remove.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            async def fetch(host: str, loop: asyncio.AbstractEventLoop):
                return await asyncio.open_connection(host, 80, loop=loop)  # expect: LS406 async-context fix


            def make_queue(loop=None) -> asyncio.Queue:
                return asyncio.Queue(maxsize=10, loop=None)  # expect: LS406 sync-wrapper fix
            """
        ),
        snippet(
            """
            from asyncio import gather, subprocess


            async def run_all(tasks, loop):
                results = await gather(*tasks, loop=loop, return_exceptions=True)  # expect: LS406 async-context fix
                proc = await subprocess.create_subprocess_shell("ls", None, None, None, loop)  # expect: LS406 async-context fix
                return results, await proc.wait()
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio
            import sys


            async def pause(loop: asyncio.AbstractEventLoop) -> None:
                if sys.version_info < (3, 10):
                    await asyncio.sleep(1, loop=loop)  # expect: LS100 async-context ok
                else:
                    await asyncio.sleep(1)


            def make_lock(loop: asyncio.AbstractEventLoop) -> asyncio.Lock:
                try:
                    return asyncio.Lock(loop=loop)  # expect: LS100 sync-wrapper ok
                except TypeError:  # Python 3.10+
                    return asyncio.Lock()


            async def schedule(coro, loop: asyncio.AbstractEventLoop) -> asyncio.Future:
                # The low-level API keeps its loop argument.
                return asyncio.ensure_future(coro, loop=loop)
            """
        ),
        snippet(
            """
            import asyncio


            async def main(options) -> None:
                await asyncio.sleep(1, **options)
                await asyncio.wait_for(asyncio.sleep(1), timeout=2)
            """
        ),
    )

    kinds = frozenset({SiteKind.CALL})
    traces_callers = False  # removed wherever it runs
    call_arguments = _ARGUMENTS
    calls = frozenset(_ARGUMENTS)
    outcomes = fixed_or_accepted_in_code("LS406")
    table = (
        (
            "call passing `loop` to `sleep`, `gather`, `Lock`, `Queue`, streams...",
            "only on Pythons before 3.10 (a version check), or where its TypeError is "
            "caught (`except TypeError:`) or expected (`pytest.raises(TypeError)`)",
            "LS100",
            "ok",
        ),
        (
            "call passing `loop` to `sleep`, `gather`, `Lock`, `Queue`, streams...",
            "any other",
            "LS406",
            "fix",
        ),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        api = site.target.rpartition(".")[2]
        if site.runs_below and tuple(site.runs_below) <= _REMOVED_IN:
            version = ".".join(str(part) for part in site.runs_below)
            return Verdict(
                ACCEPTED,
                Action.OK,
                f"Accepted: this code only runs on Pythons before {version}, where "
                f"`{api}()` still takes a loop (a compatibility shim).",
            )
        if "TypeError" in site.caught:
            return Verdict(
                ACCEPTED,
                Action.OK,
                "Accepted: the code around it catches or expects the TypeError the call "
                "raises from Python 3.10 (a compatibility shim, or a test of the removal).",
            )
        positional = "loop" not in site.keywords
        if positional:
            fails = (
                f"`{api}()`'s fifth positional argument, its loop up to Python 3.9 "
                "(deprecated since 3.8), is `limit` from 3.10: a loop passed there leaves its "
                "pipes without readers (the error is only logged, the output is lost)"
            )
        elif api in _KWDS:
            fails = (
                f"awaiting `{api}(..., loop=...)` raises TypeError from Python 3.10 "
                "(deprecated since 3.8)"
            )
        else:
            fails = (
                f"`{api}(..., loop=...)` raises TypeError from Python 3.10 (deprecated since 3.8)"
            )
        safety, why = _safety(ctx, api, _loop_value(site, positional), positional)
        return Verdict(
            self.code,
            Action.FIX,
            f"{fails}; drop the loop: asyncio uses the running one. {why}",
            _drop(ctx, positional, safety),
        )


def _loop_value(site: Site, positional: bool) -> ast.expr | None:
    """The loop expression the call passes, read from its text (None if unreadable)."""
    try:
        tree = ast.parse(f"(\n{site.text}\n)", mode="eval")
    except SyntaxError:
        return None
    call = tree.body
    if not isinstance(call, ast.Call):
        return None
    if positional:
        position = _POSITION.get(site.target.rpartition(".")[2], -1)
        return call.args[position] if 0 <= position < len(call.args) else None
    return next((k.value for k in call.keywords if k.arg == "loop"), None)


def _safety(
    ctx: SiteContext, api: str, value: ast.expr | None, positional: bool
) -> tuple[FixSafety, str]:
    """How safe dropping the argument is, and why, in a sentence for the message."""
    relpath = ctx.project.relpath(ctx.module)
    projects = ctx.project.roles.projects
    oldest = script_minimum_python(ctx.project.text(relpath)) or (
        projects.stated_minimum_python(relpath) if projects else None
    )
    if oldest is not None and oldest >= _REMOVED_IN:
        where = (
            "that argument is the pipes' `limit`, never a loop"
            if positional
            else "the call never works"
        )
        return FixSafety.SAFE, (
            f"The project requires Python {oldest[0]}.{oldest[1]}+, where {where}."
        )
    if isinstance(value, ast.Constant) and value.value is None:
        return FixSafety.SAFE, "`loop=None` is the default on 3.8 and 3.9 too."
    supports = (
        f"Python {_before_removal(oldest)}, which the project supports"
        if oldest is not None
        else "Python 3.8 and 3.9, which the project may support (it does not say)"
    )
    fetched = _loop_fetch(ctx, value) if value is not None else ""
    passed = f"`{ast.unparse(value)}`" if value is not None else ""
    if fetched.endswith("get_event_loop") and api in _BINDS_AT_CALL:
        # Python 3.8's locks and queues call get_event_loop() themselves, right then.
        return FixSafety.SAFE, (
            f"{passed} is what `{api}()` calls itself without it on 3.8 and 3.9."
        )
    if fetched and _in_coroutine(ctx):
        if api in _BINDS_AT_CALL or (api in _BINDS_WHEN_RUN and ctx.site.awaited):
            return FixSafety.SAFE, (
                f"{passed} is the running loop here, which `{api}()` uses without it on "
                "3.8 and 3.9 too."
            )
        if api in _BINDS_WHEN_RUN:
            return FixSafety.UNSAFE, (
                f"Unsafe on {supports}: {passed} is the running loop here, but the "
                "coroutine is not awaited on the spot and may run on another loop."
            )
        return FixSafety.UNSAFE, (
            f"Unsafe on {supports}: {passed} is the running loop here, which `{api}()` "
            "uses without it too, but then no longer checks that the futures given belong "
            "to it."
        )
    shown = f"`{ast.unparse(value)}`" if value is not None else "the loop passed"
    default = "the thread's current loop" if api in _BINDS_AT_CALL else "the running loop"
    return FixSafety.UNSAFE, (
        f"Unsafe on {supports}: there the call then uses {default} instead of {shown}."
    )


def _before_removal(oldest: tuple[int, int]) -> str:
    """`3.9`, `3.8 and 3.9`, `3.7 to 3.9`: the supported versions that take the loop."""
    first = f"{oldest[0]}.{oldest[1]}"
    gap = _REMOVED_IN[1] - oldest[1]
    return first if gap == 1 else f"{first} and 3.9" if gap == 2 else f"{first} to 3.9"


def _in_coroutine(ctx: SiteContext) -> bool:
    """Is the site in a coroutine's own body (not in a lambda or generator expression,
    which may run elsewhere)?"""
    function = ctx.function
    return not ctx.site.in_lambda and function is not None and function.is_async


def _loop_fetch(ctx: SiteContext, value: ast.expr) -> str:
    """`asyncio.get_running_loop` / `asyncio.get_event_loop` (dotted) when `value` calls
    one without arguments, through a name the module binds once; else ""."""
    if not isinstance(value, ast.Call) or value.args or value.keywords:
        return ""
    parts: list[str] = []
    func = value.func
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if not isinstance(func, ast.Name) or ctx.facts.bound_names.get(func.id, 0) > 1:
        return ""
    dotted = ".".join([ctx.facts.bindings.get(func.id, ""), *reversed(parts)])
    return dotted if dotted in _RUNNING_LOOP else ""


def _drop(ctx: SiteContext, positional: bool, safety: FixSafety) -> Fix:
    site = ctx.site
    api = site.target.rpartition(".")[2]
    position = _POSITION.get(api, -1)
    if positional and len(site.args) > position + 1:
        return no_fix("positional arguments follow the loop and would move into its place")
    which = str(position) if positional else "loop"
    return fix(ctx, safety, _without(site.text, which), at(OpKind.DROP_ARGUMENT, site, which))


def _without(text: str, which: str) -> str:
    """The call's text without the argument, for the finding (the fixer keeps the
    original layout; this is the call as `ast.unparse` writes it)."""
    try:
        call = ast.parse(f"(\n{text}\n)", mode="eval").body
    except SyntaxError:
        return ""
    if not isinstance(call, ast.Call):
        return ""
    if which.isdigit():
        del call.args[int(which)]
    else:
        call.keywords = [k for k in call.keywords if k.arg != which]
    return ast.unparse(call)
