"""LS403 event-loop-policy: asyncio's policy system (`get/set_event_loop_policy()`, the
`*EventLoopPolicy` classes) and `uvloop.install()`, deprecated in Python 3.14 and removed
in 3.16, where a loop factory handed to `asyncio.run()` / `asyncio.Runner` replaces them."""

from __future__ import annotations

import ast
import functools
import re
from dataclasses import dataclass, replace

from loopsafe.facts.model import LoopApi, ScopeKind, Site, SiteKind
from loopsafe.facts.nodes import bound_names, char_col, source_lines
from loopsafe.facts.python_versions import OLDEST, script_minimum_python, target_text
from loopsafe.model import Action, Category, Fix, FixSafety, Op, OpKind
from loopsafe.rules.context import SiteContext, site_context
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
    registry,
    snippet,
)

_DEPRECATED = (3, 14)
_GET = frozenset({"asyncio.get_event_loop_policy", "asyncio.events.get_event_loop_policy"})
_SET = frozenset({"asyncio.set_event_loop_policy", "asyncio.events.set_event_loop_policy"})
# Deprecated in 3.14 (a DeprecationWarning on every use), gone in 3.16.
_CLASSES = frozenset(
    {
        "asyncio.AbstractEventLoopPolicy",
        "asyncio.DefaultEventLoopPolicy",
        "asyncio.WindowsSelectorEventLoopPolicy",
        "asyncio.WindowsProactorEventLoopPolicy",
    }
)
# Spelled through the submodule that defines them: renamed private in 3.14, with no
# warning first (`asyncio.events.BaseDefaultEventLoopPolicy` is `_BaseDefault...`).
_GONE_IN_314 = frozenset(
    {
        "asyncio.events.AbstractEventLoopPolicy",
        "asyncio.events.BaseDefaultEventLoopPolicy",
        "asyncio.unix_events.DefaultEventLoopPolicy",
        "asyncio.windows_events.DefaultEventLoopPolicy",
        "asyncio.windows_events.WindowsSelectorEventLoopPolicy",
        "asyncio.windows_events.WindowsProactorEventLoopPolicy",
    }
)
# uvloop's own set-up: `install()` warns from Python 3.12; both go with 3.16 (uvloop 0.22).
_UVLOOP_INSTALL = "uvloop.install"
_UVLOOP_POLICY = "uvloop.EventLoopPolicy"
_POLICY_CLASSES = _CLASSES | _GONE_IN_314 | {_UVLOOP_POLICY}

# The loop each recognised policy makes, by the class's own name: what `loop_factory=`
# takes instead (a class or function of the same module).
_FACTORIES = {
    "EventLoopPolicy": "new_event_loop",  # uvloop
    "WindowsSelectorEventLoopPolicy": "SelectorEventLoop",
    "WindowsProactorEventLoopPolicy": "ProactorEventLoop",
}
_MODULE_OF = {"EventLoopPolicy": "uvloop"}  # else asyncio
# The Python that added `loop_factory=` to each runner.
_FACTORY_SINCE = {LoopApi.ASYNCIO_RUN: (3, 12), LoopApi.RUNNER: (3, 11)}
_PLAIN_CALL = re.compile(r"^(?:(?P<prefix>[A-Za-z_][\w.]*)\.)?(?P<name>[A-Za-z_]\w*)\(\s*\)$")

_DEFAULT = "it restores the default policy, which code may rely on having been reset"
_PROCESS_WIDE = (
    "the policy is process-wide: every loop made after it, by this code or any other "
    "(`asyncio.run()`, `new_event_loop()`, threads, test runners), is the policy's"
)


class EventLoopPolicy(Rule):
    code = "LS403"
    name = "event-loop-policy"
    summary = (
        "asyncio's event loop policies and `uvloop.install()` are deprecated since Python "
        "3.14 and removed in 3.16; pass a `loop_factory` to `asyncio.run()` or `asyncio.Runner`."
    )
    default_action = Action.FIX
    fix_safety = FixSafety.SAFE
    python_change = PythonChange(breaks=(3, 16), deprecated=(3, 14), how="is removed")
    what_it_does = doc(
        """
        Finds asyncio's policy API, called or named, in any kind of code:
        `get_event_loop_policy()`, `set_event_loop_policy()`, the classes
        `AbstractEventLoopPolicy`, `DefaultEventLoopPolicy`,
        `WindowsSelectorEventLoopPolicy` and `WindowsProactorEventLoopPolicy` (also spelled
        through `asyncio.events`, `asyncio.unix_events` and `asyncio.windows_events`,
        with `BaseDefaultEventLoopPolicy`), uvloop's `install()` and `EventLoopPolicy`,
        and the imports that bring them in by name (annotations do not count: they are
        evaluated lazily from Python 3.14). Code that only runs on Pythons before
        3.14 (the else branch of `if sys.version_info >= (3, 12):`, or of a feature check
        such as `if hasattr(asyncio, "EventLoop"):`) is accepted (LS100).
        """
    )
    why_bad = doc(
        """
        Python 3.14 deprecated the policy system: every call of `get_event_loop_policy()`
        or `set_event_loop_policy()` and every use of a policy class emits a
        `DeprecationWarning`, which fails test suites run with `-W error`. Python 3.16
        removes it: the names raise `AttributeError` (an import of one, `ImportError`).
        The submodule spellings (`asyncio.events.BaseDefaultEventLoopPolicy`,
        `asyncio.windows_events.WindowsSelectorEventLoopPolicy`...) already fail on 3.14,
        where they were made private. uvloop warns on `install()` from Python 3.12 and
        drops `install()` and `EventLoopPolicy` on 3.16. A policy also reaches further
        than the code setting it means to: it decides the loop of every later
        `asyncio.run()`, `new_event_loop()` and thread in the process.
        """
    )
    example = snippet(
        """
        # /// script
        # requires-python = ">=3.12"
        # ///
        import asyncio

        import uvloop


        async def serve() -> None: ...


        if __name__ == "__main__":
            uvloop.install()  # expect: LS403 entrypoint fix
            asyncio.run(serve())  # expect: LS100 entrypoint ok
        """
    )
    use_instead = snippet(
        """
        # /// script
        # requires-python = ">=3.12"
        # ///
        import asyncio

        import uvloop


        async def serve() -> None: ...


        if __name__ == "__main__":
            asyncio.run(serve(), loop_factory=uvloop.new_event_loop)  # expect: LS100 entrypoint ok
        """
    )
    fix_notes = doc(
        """
        Where a policy set-up (`uvloop.install()`,
        `asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())`, the Windows selector or
        proactor policy) is directly followed, in the same block, by `asyncio.run(...)` or
        `with asyncio.Runner(...)`, the fix removes the set-up and passes the loop it
        chose as `loop_factory=` (`uvloop.new_event_loop`, `asyncio.SelectorEventLoop`,
        `asyncio.ProactorEventLoop`). A set-up that is the whole body of an `if` on the
        platform (`if sys.platform == "win32":`) or another test without side effects
        goes with its `if`, and the test moves into the argument:
        `loop_factory=asyncio.SelectorEventLoop if sys.platform == "win32" else None`
        (`None` is the default loop). The fix is unsafe: the policy was process-wide, so
        loops made later elsewhere (other `asyncio.run()` calls, `new_event_loop()` in
        threads or libraries, test runners) now get the default loop, and the runner no
        longer sets its loop as the thread's current one. It is only offered where the
        project requires a Python that has `loop_factory=` (3.12 for `asyncio.run()`, 3.11
        for `asyncio.Runner`); `uvloop.run()` (uvloop 0.18 and later) is the choice for
        older Pythons, and for a person to make. A set-up at the top level of an imported
        module, in another function than the run, or a policy of the project's own
        (a subclass) has no fix: the message says what to move where.
        `get_event_loop_policy().new_event_loop()` and `.set_event_loop(loop)` become
        `asyncio.new_event_loop()` and `asyncio.set_event_loop(loop)`, which do exactly
        that on every Python (safe). `get_event_loop_policy().get_event_loop()` is
        rewritten with the `get_event_loop()` call it serves (LS202, LS402).
        """
    )
    invalid = (
        snippet(
            """
            import asyncio


            def fresh_loop() -> asyncio.AbstractEventLoop:
                return asyncio.get_event_loop_policy().new_event_loop()  # expect: LS403 sync-wrapper fix; LS100 sync-wrapper ok
            """
        ),
        snippet(
            """
            # /// script
            # requires-python = ">=3.12"
            # ///
            import asyncio
            import sys


            async def main() -> None: ...


            if __name__ == "__main__":
                if sys.platform == "win32":
                    asyncio.set_event_loop_policy(asyncio.WindowsSelectorEventLoopPolicy())  # expect: LS403 entrypoint fix
                asyncio.run(main())  # expect: LS100 entrypoint ok
            """
        ),
        snippet(
            """
            import asyncio


            class QuietPolicy(asyncio.DefaultEventLoopPolicy):  # expect: LS403 module-level fix
                def new_event_loop(self) -> asyncio.AbstractEventLoop:
                    loop = super().new_event_loop()
                    loop.set_debug(False)
                    return loop
            """
        ),
    )
    valid = (
        snippet(
            """
            # /// script
            # requires-python = ">=3.12"
            # ///
            import asyncio

            import uvloop


            async def main() -> None: ...


            if __name__ == "__main__":
                asyncio.run(main(), loop_factory=uvloop.new_event_loop)  # expect: LS100 entrypoint ok
            """
        ),
        snippet(
            """
            import asyncio
            import sys

            import uvloop


            async def main() -> None: ...


            def run() -> None:
                if sys.version_info >= (3, 11):
                    with asyncio.Runner(loop_factory=uvloop.new_event_loop) as runner:  # expect: LS100 entrypoint ok
                        runner.run(main())
                else:
                    uvloop.install()  # expect: LS100 entrypoint ok
                    asyncio.run(main())  # expect: LS100 entrypoint ok


            if __name__ == "__main__":
                run()
            """
        ),
    )

    kinds = frozenset({SiteKind.CALL})
    traces_callers = False  # deprecated wherever it runs
    reads_bindings = False  # counted here, for the rare fix that needs them
    calls = _GET | _SET | _POLICY_CLASSES | {_UVLOOP_INSTALL}
    outcomes = fixed_or_accepted_in_code("LS403")
    table = (
        (
            "use of the asyncio policy API or `uvloop.install()`",
            "only on Pythons before 3.14 (a version check)",
            "LS100",
            "ok",
        ),
        ("use of the asyncio policy API or `uvloop.install()`", "any other", "LS403", "fix"),
    )

    def check(self, ctx: SiteContext) -> Answer:
        site = ctx.site
        if site.runs_below and tuple(site.runs_below) <= _DEPRECATED:
            version = ".".join(str(part) for part in site.runs_below)
            return Verdict(
                ACCEPTED,
                Action.OK,
                f"Accepted: this code only runs on Pythons before {version}, where the policy "
                "API is not deprecated (a compatibility shim).",
            )
        if site.target in _POLICY_CLASSES and _set_up_by(ctx) is not None:
            return DISMISSED  # `set_event_loop_policy(X())`: judged as one set-up, there
        if site.api is LoopApi.WATCHED_IMPORT:
            return Verdict(
                self.code,
                Action.FIX,
                f"{_what(site)}; importing it by name fails {_fails(site)}.",
                no_fix("the import goes once nothing uses it: fix the uses it serves"),
            )
        message, plan = _judge(ctx)
        return Verdict(self.code, Action.FIX, f"{_what(site)}; {message}.", plan)


def _what(site: Site) -> str:
    name = f"`{site.target}`"
    if site.target in _GONE_IN_314:
        return f"{name} no longer exists from Python 3.14 (asyncio made it private)"
    if site.target == _UVLOOP_INSTALL:
        return (
            f"{name} is deprecated (uvloop warns from Python 3.12) and gone on Python 3.16, "
            "with the asyncio policy system it uses"
        )
    if site.target == _UVLOOP_POLICY:
        return f"{name} is gone on Python 3.16, with the asyncio policy system"
    return f"{name} is deprecated since Python 3.14 and removed in 3.16"


def _fails(site: Site) -> str:
    return "from Python 3.14" if site.target in _GONE_IN_314 else "from Python 3.16"


def _judge(ctx: SiteContext) -> tuple[str, Fix]:
    """What to do instead, and the fix when the rewrite is clear."""
    site = ctx.site
    if site.target in _GET:
        return _policy_method(ctx)
    if not site.called:
        if site.target in _POLICY_CLASSES:
            return (
                "a policy class of the project's own (or one handed on) goes with the policy "
                "system: make the loop it customises in a function, and pass that as "
                "`loop_factory=` to `asyncio.run()` / `asyncio.Runner` where loops are run",
                no_fix("a policy of the project's own: write its loop factory by hand"),
            )
        return "replace it by hand", no_fix("it is handed on as a value; replace it by hand")
    if site.target in _SET or site.target == _UVLOOP_INSTALL:
        return _set_up(ctx)
    return (
        "create the loop itself instead (`asyncio.new_event_loop()`, or the loop class) and "
        "pass its factory as `loop_factory=` to `asyncio.run()` / `asyncio.Runner`",
        no_fix("a policy object made here: rewrite what uses it by hand"),
    )


def _policy_method(ctx: SiteContext) -> tuple[str, Fix]:
    """`get_event_loop_policy().<method>(...)`: the module function that does the same."""
    site = ctx.site
    outer = _method_call(ctx)
    method = outer.target if outer is not None else ""
    if outer is _NOT_REWRITTEN:
        return (
            "the `get_event_loop()` it serves is judged on its own (LS202, LS402), and this "
            "call goes with its rewrite",
            no_fix("rewrite the `get_event_loop()` call it serves"),
        )
    if outer is None or method not in ("new_event_loop", "set_event_loop"):
        why = (
            "the policy is kept to be used later; call the asyncio functions where it is"
            if site.assigned
            else "the policy object itself is used; rewrite it by hand"
        )
        return (
            "ask for what the code needs directly: `asyncio.new_event_loop()`, "
            "`asyncio.set_event_loop()`, `asyncio.get_running_loop()`",
            no_fix(why),
        )
    new = f"asyncio.{method}"
    if not _names_module(ctx, "asyncio", site.text):
        return f"call `{new}()`", no_fix("the module binds the name `asyncio` to something else")
    # `asyncio.new_event_loop()` *is* `get_event_loop_policy().new_event_loop()` (and the
    # same for set_event_loop) on every Python that has policies.
    assert outer is not None
    arguments = outer.text
    return (
        f"`{new}()` does exactly this on every Python",
        fix(ctx, FixSafety.SAFE, new + arguments, at(OpKind.RENAME_CALL, outer, new)),
    )


def _method_call(ctx: SiteContext) -> Site | None:
    """`<this call>.<method>(...)`: the method's name (as `target`), the span of the whole
    call, and its arguments as written (as `text`); None when the policy is not called
    on at once. The module is parsed only for the methods a fix rewrites."""
    site = ctx.site
    text = ctx.project.text(ctx.project.relpath(ctx.module))
    lines = _lines(text)
    rest = lines[site.end_line - 1][site.end_col - 1 :] if site.end_line <= len(lines) else ""
    following = _METHOD.match(rest)
    method = following.group(1) if following else ""
    if method not in ("new_event_loop", "set_event_loop"):
        return _NOT_REWRITTEN if method == "get_event_loop" else None
    if method == "new_event_loop":  # a loop site the extractor read: no parsing needed
        other = _created_on(ctx)
        if other is None:
            return None
        return replace(other, target=method, text=_arguments(other.text, method, len(site.text)))
    module = _module(text)
    node = module.method_calls.get((site.line, site.col)) if module else None
    if module is None or node is None:
        return None
    end_line = node.end_lineno or node.lineno
    call = ast.get_source_segment(text, node) or ""
    assert isinstance(node.func, ast.Attribute)
    return Site(
        SiteKind.CALL,
        LoopApi.WATCHED_CALL,
        node.lineno,
        char_col(lines, node.lineno, node.col_offset + 1),
        end_line,
        char_col(lines, end_line, (node.end_col_offset or 0) + 1),
        site.scope,
        site.scope_kind,
        target=method,
        text=_arguments(call, method, 0),
    )


def _created_on(ctx: SiteContext) -> Site | None:
    """The loop-creating site (`<this call>.new_event_loop()`) made on this call."""
    site = ctx.site
    groups = ctx.project.site_groups(ctx.facts, "ls403 create", _create_receiver)
    for other in groups.get(site.text, ()):
        if _inside(site, other):
            return other
    return None


def _create_receiver(site: Site) -> str | None:
    return site.receiver if site.kind is SiteKind.CREATE else None


def _arguments(call: str, method: str, start: int) -> str:
    """`(loop)` of `<policy call>.set_event_loop(loop)`, as written."""
    return call[call.index(method, start) + len(method) :].lstrip()


_METHOD = re.compile(r"\s*\.\s*(\w+)\s*\(")
# `get_event_loop()` on the policy: the fetch rules rewrite it (no span needed).
_NOT_REWRITTEN = Site(
    SiteKind.CALL, LoopApi.WATCHED_CALL, 0, 0, 0, 0, "", ScopeKind.SYNC, "get_event_loop"
)


def _inside(inner: Site, outer: Site) -> bool:
    return (outer.line, outer.col) <= (inner.line, inner.col) and (
        inner.end_line,
        inner.end_col,
    ) <= (outer.end_line, outer.end_col)


def _set_up_by(ctx: SiteContext) -> Site | None:
    """The `set_event_loop_policy()` call this policy is made for, as its argument."""
    site = ctx.site
    for other in ctx.project.site_groups(ctx.facts, "ls403 set", _set_argument).get(site.text, ()):
        if other is not site and _inside(site, other):
            return other
    return None


def _set_argument(site: Site) -> str | None:
    """The sole argument of a `set_event_loop_policy()` call."""
    if site.target in _SET and site.called and len(site.args) == 1:
        return site.args[0]
    return None


def _names_module(ctx: SiteContext, name: str, written: str) -> bool:
    """May a fix write `name.attr` here, meaning the module `name`? Yes when the code at
    the site spells it so already, or the module binds the name to nothing else."""
    if written.startswith(name + "."):
        return True
    module = _module(ctx.project.text(ctx.project.relpath(ctx.module)))
    if module is None:
        return False
    taken = module.bound.get(name, 0)
    return taken == 0 or (taken == 1 and ctx.facts.bindings.get(name) == name)


# ---------------------------------------------------------------- set-up followed by a run
def _set_up(ctx: SiteContext) -> tuple[str, Fix]:
    site = ctx.site
    factory, why, imported = _factory(ctx)
    if why == _DEFAULT:
        return (
            "it makes the loops the default ones again: remove it where no other policy is "
            "set, or pass `loop_factory=` where the loops are run",
            no_fix(why),
        )
    advice = (
        f"pass `loop_factory={factory}` to the `asyncio.run()` / `asyncio.Runner` that runs "
        "the code instead"
        if factory
        else "pass the loop's factory as `loop_factory=` to the `asyncio.run()` / "
        "`asyncio.Runner` that runs the code instead"
    )
    if why:
        return advice, no_fix(why)
    if ctx.category is Category.MODULE_LEVEL:
        return advice, no_fix(
            f"it runs when the module is imported, and {_PROCESS_WIDE}: importers may rely on it"
        )
    relpath = ctx.project.relpath(ctx.module)
    projects = ctx.project.roles.projects
    oldest = script_minimum_python(ctx.project.text(relpath)) or (
        projects.minimum_python(relpath) if projects else OLDEST
    )
    also = " (or `uvloop.run()`, from uvloop 0.18)" if "uvloop" in factory else ""
    if oldest < min(_FACTORY_SINCE.values()):  # no runner of that Python takes one
        return advice, no_fix(
            f"the project supports Python {target_text(oldest)}, where neither "
            "`asyncio.run()` (3.12) nor `asyncio.Runner` (3.11) takes `loop_factory=`: keep "
            f"the set-up for older Pythons behind a version check{also}"
        )
    plan = _adjacent_run(ctx)
    if isinstance(plan, str):
        return advice, no_fix(plan)
    since = _FACTORY_SINCE[plan.run.api]
    runner = "asyncio.run()" if plan.run.api is LoopApi.ASYNCIO_RUN else "asyncio.Runner"
    rewritten = _run_rewritten(ctx, plan.run)
    if rewritten:
        return advice, no_fix(rewritten)
    if oldest < since:
        return advice, no_fix(
            f"the project supports Python {target_text(oldest)}, where `{runner}` takes no "
            f"`loop_factory=`: keep the set-up below {target_text(since)} behind a version "
            f"check{also}"
        )
    module = factory.partition(".")[0] if imported else ""
    value = f"{factory} if {plan.condition} else None" if plan.condition else factory
    drop = Op(
        OpKind.DELETE_STATEMENT,
        site.line,
        site.col,
        "if" if plan.condition else "",
        end_line=site.end_line,
        end_col=site.end_col,
    )
    return (
        f"pass `loop_factory={factory}` to `{runner}` on line {plan.run.line} instead",
        fix(
            ctx,
            FixSafety.UNSAFE,
            f"loop_factory={value}",
            drop,
            at(OpKind.LOOP_FACTORY, plan.run, f"{module}:{value}"),
        ),
    )


def _run_rewritten(ctx: SiteContext, run: Site) -> str:
    """Why the run cannot take `loop_factory=`: another rule rewrites it ("" if none does,
    as where it is accepted: an entry point, a test, a guarded block)."""
    judged = registry().judge(site_context(ctx.project, ctx.module, ctx.facts, run))
    if judged is None or not judged[1].fix.edits:
        return ""
    verdict = judged[1]
    return (
        f"the run on line {run.line} is rewritten by {verdict.code} "
        f"(`{verdict.fix.replacement}`); give its loop a factory by hand"
    )


def _factory(ctx: SiteContext) -> tuple[str, str, bool]:
    """The loop factory the set-up stands for, as the fix would write it; why there is
    no fix ("" when there may be one); whether its module must be imported for it."""
    site = ctx.site
    if site.target == _UVLOOP_INSTALL:
        written = _PLAIN_CALL.match(site.text)
        prefix = written.group("prefix") if written else None
        return _spelled(ctx, prefix, "uvloop", "new_event_loop")
    if len(site.args) != 1 or site.keywords:
        return "", "it is not called with one policy", False
    argument = site.args[0]
    if argument == "None":
        return "", _DEFAULT, False
    inner = _argument_site(ctx, argument)
    written = _PLAIN_CALL.match(argument)
    if inner is None or written is None:
        return (
            "",
            f"it sets `{argument}`, whose loop loopsafe does not know (a policy of the "
            "project's own, or one made elsewhere); write its loop factory by hand",
            False,
        )
    name = inner.target.rpartition(".")[2]
    if name == "DefaultEventLoopPolicy":
        return "", _DEFAULT, False
    if name not in _FACTORIES:
        return "", f"`{name}` picks no single loop class; rewrite it by hand", False
    module = _MODULE_OF.get(name, "asyncio")
    return _spelled(ctx, written.group("prefix"), module, _FACTORIES[name])


def _argument_site(ctx: SiteContext, argument: str) -> Site | None:
    """The call site written as `argument` inside this site (the policy it sets)."""
    site = ctx.site
    for other in ctx.project.site_groups(ctx.facts, "ls403 call", _called_text).get(argument, ()):
        if _inside(other, site):
            return other
    return None


def _called_text(site: Site) -> str | None:
    return site.text if site.kind is SiteKind.CALL and site.called else None


def _spelled(
    ctx: SiteContext, prefix: str | None, module: str, factory: str
) -> tuple[str, str, bool]:
    """`<prefix>.<factory>` as the set-up names its module, or `<module>.<factory>` with an
    import when it names the policy alone (`from uvloop import install`)."""
    if prefix:
        return f"{prefix}.{factory}", "", False
    if not _names_module(ctx, module, ""):
        why = f"the module binds the name `{module}` to something else"
        return f"{module}.{factory}", why, False
    return f"{module}.{factory}", "", True


@dataclass
class _Plan:
    run: Site  # the asyncio.run() / asyncio.Runner() call that follows the set-up
    condition: str  # the test of the `if` that goes with the set-up ("" when none)


def _adjacent_run(ctx: SiteContext) -> _Plan | str:
    """The run right after the set-up in the same block, or why there is none."""
    site = ctx.site
    text = ctx.project.text(ctx.project.relpath(ctx.module))
    module = _module(text)
    if module is None:
        return "the module does not parse on this Python; rewrite it by hand"
    lines = module.lines
    found = module.statements.get((site.line, site.col))
    if found is None or found[0][found[1]].end_lineno != site.end_line:
        return (
            f"it is not a statement of its own; {_PROCESS_WIDE}, so pass `loop_factory=` "
            "where the loops are run"
        )
    block, index, owner = found
    condition = ""
    if (
        isinstance(owner, ast.If)
        and len(owner.body) == 1
        and not owner.orelse
        and owner.test.lineno == owner.test.end_lineno
        and _pure(owner.test)
    ):
        parent = module.places.get(id(owner))
        if parent is not None:
            condition = ast.get_source_segment(text, owner.test) or ""
            block, index = parent
    following = block[index + 1] if index + 1 < len(block) else None
    run = _run_site(ctx, following, lines) if following is not None else None
    if run is None:
        return (
            f"no `asyncio.run()` or `asyncio.Runner` follows it in the same block, and "
            f"{_PROCESS_WIDE}; pass `loop_factory=` where the loops are run"
        )
    if "loop_factory" in run.keywords or "**" in run.keywords:
        return f"the run on line {run.line} already has its own `loop_factory=` or `**kwargs`"
    return _Plan(run, condition)


@functools.lru_cache(maxsize=4)
def _lines(text: str) -> list[str]:
    return source_lines(text)


_Block = list[ast.stmt]


@dataclass
class _Module:
    """What the fixes need to know of a module's syntax, read once per module text."""

    lines: list[str]
    # (line, character column) of an expression statement's call -> (block, index, owner)
    statements: dict[tuple[int, int], tuple[_Block, int, ast.AST]]
    places: dict[int, tuple[_Block, int]]  # id(statement) -> (its block, its index)
    # (line, character column) of a call another call is made on -> that outer call
    method_calls: dict[tuple[int, int], ast.Call]
    bound: dict[str, int]  # how often each name is bound, in any scope


@functools.lru_cache(maxsize=4)
def _module(text: str) -> _Module | None:
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    lines = _lines(text)
    module = _Module(lines, {}, {}, {}, bound_names(tree))
    for block, owner in _walk_blocks(tree):
        for index, stmt in enumerate(block):
            module.places[id(stmt)] = (block, index)
            if isinstance(stmt, ast.Expr) and isinstance(stmt.value, ast.Call):
                key = (stmt.lineno, char_col(lines, stmt.lineno, stmt.col_offset + 1))
                module.statements[key] = (block, index, owner)
    for node in ast.walk(tree):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and isinstance(node.func.value, ast.Call)
        ):
            inner = node.func.value
            module.method_calls[
                (inner.lineno, char_col(lines, inner.lineno, inner.col_offset + 1))
            ] = node
    return module


def _blocks(node: ast.AST) -> list[tuple[_Block, ast.AST]]:
    """The statement blocks of `node`, with the node that owns each. An `elif` is not a
    block of its own here (its `if` sits in the `orelse` of another)."""
    found: list[tuple[_Block, ast.AST]] = []
    for field in ("body", "orelse", "finalbody"):
        block = getattr(node, field, None)
        if not isinstance(block, list) or not block or not isinstance(block[0], ast.stmt):
            continue
        if field == "orelse" and isinstance(node, ast.If) and isinstance(block[0], ast.If):
            if len(block) == 1:
                found += _blocks(block[0])  # an elif: its own blocks, but not as statements
                continue
        found.append((block, node))
    for handler in getattr(node, "handlers", ()):
        found.append((handler.body, handler))
    for case in getattr(node, "cases", ()):
        found.append((case.body, case))
    return found


def _walk_blocks(tree: ast.Module) -> list[tuple[_Block, ast.AST]]:
    out: list[tuple[_Block, ast.AST]] = []
    todo: list[ast.AST] = [tree]
    while todo:
        node = todo.pop()
        for block, owner in _blocks(node):
            out.append((block, owner))
            todo.extend(block)
    return out


def _pure(test: ast.expr) -> bool:
    """A test that reads and compares names only (`sys.platform == "win32"`,
    `os.name == "nt"`, `uvloop is not None`), or asks `platform.system()` /
    `sys.platform.startswith(...)`: evaluating it later, once, changes nothing."""
    for node in ast.walk(test):
        if isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Attribute) or node.keywords:
                return False
            if func.attr == "startswith" and all(isinstance(a, ast.Constant) for a in node.args):
                continue
            if func.attr == "system" and not node.args and isinstance(func.value, ast.Name):
                continue
            return False
        if not isinstance(
            node,
            (
                ast.Compare,
                ast.BoolOp,
                ast.UnaryOp,
                ast.Name,
                ast.Attribute,
                ast.Constant,
                ast.Tuple,
                ast.Load,
                ast.cmpop,
                ast.boolop,
                ast.unaryop,
            ),
        ):
            return False
    return True


def _run_site(ctx: SiteContext, stmt: ast.stmt, lines: list[str]) -> Site | None:
    """The `asyncio.run()` / `asyncio.Runner()` call that is the statement (its value, or
    the first item of a `with`)."""
    call: ast.expr | None = None
    if isinstance(stmt, (ast.Expr, ast.Return, ast.Assign, ast.AnnAssign)):
        call = stmt.value
    elif isinstance(stmt, ast.With) and stmt.items:
        call = stmt.items[0].context_expr
    if not isinstance(call, ast.Call):
        return None
    col = char_col(lines, call.lineno, call.col_offset + 1)
    site = _run_at(ctx, call.lineno, col)
    if site is not None and site.api is LoopApi.RUNNER and not isinstance(stmt, ast.With):
        return None  # a runner kept for later: its loop may be used elsewhere
    return site


def _run_at(ctx: SiteContext, line: int, col: int) -> Site | None:
    """The first called `asyncio.run()` / `asyncio.Runner()` site starting at `line`:`col`."""
    found = ctx.project.site_groups(ctx.facts, "ls403 run", _run_start).get((line, col))
    return found[0] if found else None


def _run_start(site: Site) -> tuple[int, int] | None:
    if site.kind is SiteKind.RUN and site.api in _FACTORY_SINCE and site.called:
        return site.line, site.col
    return None
