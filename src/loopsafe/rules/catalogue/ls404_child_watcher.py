"""LS404 child-watcher: asyncio's child-watcher API, deprecated in Python 3.12 and removed
in 3.14, where asyncio watches its subprocesses by itself."""

from __future__ import annotations

from loopsafe.facts import apis
from loopsafe.facts.model import LoopApi, Site, SiteKind
from loopsafe.model import Action, Fix, FixSafety, OpKind
from loopsafe.rules.context import SiteContext
from loopsafe.rules.fixes import at, fix, no_fix
from loopsafe.rules.registry import (
    ACCEPTED,
    DISMISSED,
    Answer,
    PythonChange,
    Rule,
    Verdict,
    doc,
    fixed_or_accepted_in_code,
    snippet,
)
from loopsafe.rules.upgrade import removed_api_shim

_FUNCTIONS = ("get_child_watcher", "set_child_watcher")
_CLASSES = (
    "AbstractChildWatcher",
    "SafeChildWatcher",
    "FastChildWatcher",
    "ThreadedChildWatcher",
    "PidfdChildWatcher",
    "MultiLoopChildWatcher",
)
# The watchers that reap children from a SIGCHLD handler (FastChildWatcher reaps every child
# of the process, `subprocess`'s too).
_SIGNAL_WATCHERS = ("SafeChildWatcher", "FastChildWatcher", "MultiLoopChildWatcher")
_API = "the child-watcher API"


class ChildWatcher(Rule):
    code = "LS404"
    name = "child-watcher"
    summary = (
        "asyncio's child watchers (`set_child_watcher()`, `ThreadedChildWatcher`...) are "
        "deprecated since Python 3.12 and removed in 3.14; asyncio watches subprocesses itself."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    python_change = PythonChange(breaks=(3, 14), deprecated=(3, 12), how="is removed")
    what_it_does = doc(
        """
        Finds asyncio's child-watcher API, called, named as a value (a base class) or
        imported by name: `asyncio.get_child_watcher()` and `set_child_watcher()` (also a
        policy's, `asyncio.get_event_loop_policy().set_child_watcher()`), and the classes
        `AbstractChildWatcher`, `SafeChildWatcher`, `FastChildWatcher`,
        `ThreadedChildWatcher`, `PidfdChildWatcher` and `MultiLoopChildWatcher` (also as
        `asyncio.unix_events.*`). Compatibility shims are accepted (LS100): code that only
        runs on Pythons that still have the API (under `if sys.version_info < (3, 14):`,
        `if hasattr(asyncio, "set_child_watcher"):`, or in a `try:` that imports it by
        name and handles the `ImportError`), or only on Pythons older than the project
        supports. (On 3.12 and 3.13 such code still warns.)
        """
    )
    why_bad = doc(
        """
        Python 3.12 deprecated the API: the functions and the watcher classes other than
        `ThreadedChildWatcher` and `PidfdChildWatcher` warn with a `DeprecationWarning`
        (an error under `-W error`). Python 3.14 removes all of it: the attribute lookup
        raises `AttributeError`, and `from asyncio import SafeChildWatcher` fails with
        `ImportError` when the module is imported. Since Python 3.8 the event loop
        needs no set-up for subprocesses: asyncio makes a `ThreadedChildWatcher` when none
        is set (from 3.12, a `PidfdChildWatcher` where the platform has pidfds).
        """
    )
    example = snippet(
        """
        import asyncio


        async def main() -> None:
            process = await asyncio.create_subprocess_exec("true")
            await process.wait()


        if __name__ == "__main__":
            asyncio.set_child_watcher(asyncio.ThreadedChildWatcher())  # expect: LS404 entrypoint fix
            asyncio.run(main())  # expect: LS100 entrypoint ok
        """
    )
    use_instead = snippet(
        """
        import asyncio


        async def main() -> None:
            process = await asyncio.create_subprocess_exec("true")
            await process.wait()


        if __name__ == "__main__":
            asyncio.run(main())  # expect: LS100 entrypoint ok
        """
    )
    fix_notes = doc(
        """
        The fix deletes a statement that only sets up a watcher (an import it leaves
        unused goes too). Installing a new `ThreadedChildWatcher()` is deleted safely: the
        code runs on Python 3.8 or later, where the class exists, and there asyncio makes
        that same watcher when none is set (from 3.12 a pidfd watcher where the platform
        has pidfds, which reports the same exits without a thread per child). Deleting the
        installation of another watcher is unsafe: `SafeChildWatcher`, `FastChildWatcher`
        and `MultiLoopChildWatcher` reap children from a `SIGCHLD` handler (the last two
        every child of the process, `subprocess`'s too), and before 3.12 the default is a
        thread per child rather than a pidfd. `asyncio.get_child_watcher().attach_loop(loop)`
        is deleted unsafely: asyncio's own watchers need no loop attached, but one installed
        elsewhere would no longer watch on this loop. Other uses (a watcher kept in a
        variable, `add_child_handler()`, a subclass, a watcher installed from a variable)
        get no fix: remove them by hand, and start subprocesses with
        `asyncio.create_subprocess_exec()` or `loop.subprocess_exec()`, which need no
        watcher.

        Where the code runs does not change this verdict, so loopsafe does not read more
        files to follow the callers of these sites.
        """
    )
    invalid = (
        snippet(
            """
            import asyncio
            from asyncio import SafeChildWatcher  # expect: LS404 module-level fix


            def start(loop: asyncio.AbstractEventLoop) -> None:
                asyncio.set_child_watcher(asyncio.ThreadedChildWatcher())  # expect: LS404 sync-wrapper fix
                asyncio.get_child_watcher().attach_loop(loop)  # expect: LS404 sync-wrapper fix


            def legacy() -> None:
                asyncio.set_child_watcher(SafeChildWatcher())  # expect: LS404 sync-wrapper fix
            """
        ),
        snippet(
            """
            import asyncio


            class Watcher(asyncio.AbstractChildWatcher):  # expect: LS404 module-level fix
                pass
            """
        ),
    )
    valid = (
        snippet(
            """
            import asyncio


            async def run(*argv: str) -> int:
                process = await asyncio.create_subprocess_exec(*argv)
                return await process.wait()
            """
        ),
        snippet(
            """
            import asyncio
            import sys

            if sys.version_info < (3, 12):
                asyncio.set_child_watcher(asyncio.ThreadedChildWatcher())  # expect: LS100 module-level ok
            """
        ),
    )

    kinds = frozenset({SiteKind.CALL})
    traces_callers = False  # removed wherever it runs
    calls = frozenset(
        {f"asyncio.{name}" for name in (*_FUNCTIONS, *_CLASSES)}
        | {f"asyncio.events.{name}" for name in _FUNCTIONS}
        | {f"asyncio.unix_events.{name}" for name in _CLASSES}
        | {
            f"{owner}().{name}"
            for owner in (*apis.POLICY_APIS, *apis.POLICY_CLASSES)
            for name in _FUNCTIONS
        }
    )
    outcomes = fixed_or_accepted_in_code("LS404")
    table = (
        (
            "use of the child-watcher API",
            "only on Pythons before 3.14 (a version or feature check, an ImportError "
            "handled), or older than the project supports",
            "LS100",
            "ok",
        ),
        ("use of the child-watcher API", "any other", "LS404", "fix"),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        name = site.target.rpartition(".")[2]
        if name in _CLASSES and site.called and _installed(ctx) is not None:
            return DISMISSED  # the `set_child_watcher()` call around it is the finding
        accepted = removed_api_shim(ctx, self.python_change, _API)
        if accepted:
            return Verdict(ACCEPTED, Action.OK, f"Accepted: {accepted}.")
        if site.api is LoopApi.WATCHED_IMPORT:
            return Verdict(
                self.code,
                Action.FIX,
                f"Importing `{name}` from asyncio fails with ImportError from Python 3.14 "
                "(the child-watcher API is deprecated since 3.12); asyncio watches "
                "subprocesses by itself since 3.8.",
                no_fix("the import goes once nothing uses it: fix the uses it serves"),
            )
        if name in _FUNCTIONS:
            what = f"`{name}()`"
            advice = (
                "asyncio makes the watcher it needs by itself since Python 3.8: delete the set-up"
                if name == "set_child_watcher"
                else "asyncio's subprocess functions need no watcher since Python 3.8"
            )
        else:
            what = f"`asyncio.{name}`"
            advice = "asyncio makes the watcher it needs by itself since Python 3.8"
        planned, risk = _delete(ctx, name)
        return Verdict(
            self.code,
            Action.FIX,
            f"{what} is removed in Python 3.14 (deprecated since 3.12), where "
            f"{_fails(site)}; {advice}.{risk}",
            planned,
        )


def _fails(site: Site) -> str:
    """How the code fails where the API is gone: the attribute, or the import by name."""
    if "." in site.text.partition("(")[0]:
        return "this line raises AttributeError"
    return "importing it by name raises ImportError"


def _installed(ctx: SiteContext) -> Site | None:
    """The `set_child_watcher(...)` site whose sole argument is this constructor call."""
    site = ctx.site
    groups = ctx.project.site_groups(ctx.facts, "ls404 set", _set_argument)
    for other in groups.get(site.text, ()):
        if (
            other is not site
            and (other.line, other.col) <= (site.line, site.col)
            and (site.end_line, site.end_col) <= (other.end_line, other.end_col)
        ):
            return other
    return None


def _set_argument(site: Site) -> str | None:
    """The sole argument of a `set_child_watcher()` call."""
    if (
        site.kind is SiteKind.CALL
        and site.target.rpartition(".")[2] == "set_child_watcher"
        and site.called
        and len(site.args) == 1
    ):
        return site.args[0]
    return None


def _constructed(ctx: SiteContext) -> Site | None:
    """The watcher constructor call that is this `set_child_watcher()`'s sole argument."""
    site = ctx.site
    if len(site.args) != 1:
        return None
    groups = ctx.project.site_groups(ctx.facts, "ls404 watcher", _watcher_text)
    for other in groups.get(site.args[0], ()):
        if (
            other is not site
            and (site.line, site.col) <= (other.line, other.col)
            and (other.end_line, other.end_col) <= (site.end_line, site.end_col)
        ):
            return other
    return None


def _watcher_text(site: Site) -> str | None:
    """A watcher constructor call, as written."""
    if site.kind is SiteKind.CALL and site.target.rpartition(".")[2] in _CLASSES and site.called:
        return site.text
    return None


def _delete(ctx: SiteContext, name: str) -> tuple[Fix, str]:
    """Delete a statement that only sets up a watcher, with the safety its watcher gives,
    and what a caller may see change (for the message; "" when nothing)."""
    site = ctx.site
    if not site.called:
        return no_fix(
            "it is named as a value (a base class, an alias); remove its uses by hand"
        ), ""
    if name in _CLASSES:
        why = f"the `{name}` made here is kept for the code around it; remove its uses by hand"
        return no_fix(why), ""
    statement = site.statement
    if name == "get_child_watcher":
        if statement != ".attach_loop":
            return no_fix(
                "the code uses the watcher it gets; start subprocesses with "
                "`asyncio.create_subprocess_exec()`, which needs none, and remove it by hand"
            ), ""
        delete = at(OpKind.DELETE_STATEMENT, site, "attach_loop")
        return fix(ctx, FixSafety.UNSAFE, "", delete), (
            " Deleting it is unsafe: asyncio's own watchers need no loop attached, but a "
            "watcher installed elsewhere (SafeChildWatcher, FastChildWatcher) would no "
            "longer watch children on this loop."
        )
    if statement != "call":
        return no_fix("the call is not a statement of its own; remove it by hand"), ""
    if len(site.args) != 1 or site.keywords:
        return no_fix("it is not called with one watcher; remove it by hand"), ""
    made = _constructed(ctx)
    if made is None:
        return no_fix(
            f"it installs `{site.args[0]}`, which is not a watcher made here: delete the "
            "set-up, and that watcher once nothing else uses it, by hand"
        ), ""
    watcher = made.target.rpartition(".")[2]
    if made.args or made.keywords or watcher == "AbstractChildWatcher":
        return no_fix(f"`{made.text}` is not one of asyncio's watchers; remove it by hand"), ""
    delete = at(OpKind.DELETE_STATEMENT, site)
    if watcher == "ThreadedChildWatcher":
        return fix(ctx, FixSafety.SAFE, "", delete), ""
    if watcher in _SIGNAL_WATCHERS:
        reaps = (
            "every child of the process (`subprocess`'s too)"
            if watcher == "FastChildWatcher"
            else "its children"
        )
        risk = (
            f" Deleting it is unsafe: `{watcher}` reaps {reaps} from a SIGCHLD handler, "
            "where asyncio's default waits for each of its own children in a thread (or "
            "with a pidfd from 3.12)."
        )
    else:
        risk = (
            " Deleting it is unsafe: before Python 3.12 asyncio's default waits for each "
            f"child in a thread, not with `{watcher}`."
        )
    return fix(ctx, FixSafety.UNSAFE, "", delete), risk
