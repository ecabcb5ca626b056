"""From findings to edits: which fix each finding gets, or why it gets none.

Safe fixes touch only the site. Unsafe ones may reach further: making a call chain async
(LS103) rewrites the functions on the chain and every call of them across the project,
awaiting where a loop runs and entering one (`asyncio.run`) where none does. A chain is
left alone, with the reason, when some caller can be neither.
"""

from __future__ import annotations

import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass

from loopsafe.facts.callgraph import Root
from loopsafe.facts.model import Site, SiteKind
from loopsafe.fix.ops import ConfigEdit, Op, OpKind, Planned
from loopsafe.model import Action, Finding, FixSafety
from loopsafe.pipeline import Analysis
from loopsafe.rules.pytest_setup import is_fixture

_SAFE_CODES = ("LS101", "LS102", "LS104", "LS201", "LS304")
_UNSAFE_CODES = ("LS103", "LS105", "LS301", "LS303")
_NO_LOOP_ROOTS = frozenset({Root.ENTRY, Root.WORKER, Root.THREAD})


def _at(kind: str, site: Site, name: str = "") -> Op:
    return Op(kind, site.line, site.col, name, end_line=site.end_line, end_col=site.end_col)


@dataclass
class _Where:
    module: str
    site: Site | None


class Planner:
    def __init__(self, analysis: Analysis, unsafe: bool) -> None:
        self.analysis = analysis
        self.project = analysis.project
        self.index = analysis.project.index
        self.unsafe = unsafe
        self.module_of = {path: module for module, path in self.index.paths.items()}
        self.run_sync = analysis.config.run_sync
        self._texts: dict[str, str] = {}  # relpath -> source text, read on demand

    def plan(self) -> list[Planned]:
        out: list[Planned] = []
        for finding in self.analysis.result.findings:
            if finding.action is not Action.FIX:
                continue
            if finding.code not in _SAFE_CODES + _UNSAFE_CODES:
                continue
            planned = self._plan_one(finding)
            if planned.unsafe and not self.unsafe and not planned.reason:
                planned.reason = "unsafe fix: apply it with --unsafe-fixes"
                planned.ops, planned.config = {}, []
            out.append(planned)
        return out

    # ------------------------------------------------------------------ per rule
    def _plan_one(self, finding: Finding) -> Planned:
        planned = Planned(finding.code, finding.path, finding.line)
        where = self._where(finding)
        site = where.site
        if site is None:
            planned.reason = "the site could not be located"
            return planned
        code = finding.code
        if code in ("LS101", "LS102"):
            self._await_site(planned, finding, site)
        elif code == "LS201":
            if finding.fix.safety is FixSafety.SAFE:
                self._add(planned, finding.path, _at(OpKind.RUNNING_LOOP, site))
            else:
                planned.reason = "get_event_loop() is called with arguments or through a policy"
        elif code == "LS104":
            self._run_sync_site(planned, finding, site)
        elif code == "LS304":
            if finding.fix.safety is FixSafety.SAFE:
                self._add(planned, finding.path, _at(OpKind.LOOP_SCOPE, site))
            else:
                planned.reason = "the mark sets both scope= and loop_scope="
        elif code == "LS105":
            planned.unsafe = True
            self._add(planned, finding.path, _at(OpKind.WAIT_AWAIT, site))
        elif code in ("LS103", "LS303"):
            planned.unsafe = True
            key = f"{where.module}.{site.scope}"
            if code == "LS303" and key in self.project.async_used_fixtures:
                self._async_fixture(planned, where.module, key)
            else:
                self._async_chain(planned, key)
        elif code == "LS301":
            planned.unsafe = True
            self._drop_event_loop_fixture(planned, finding, where.module, site)
        return planned

    def _await_site(self, planned: Planned, finding: Finding, site: Site) -> None:
        if site.api in ("anyio.run()", "trio.run()"):
            planned.unsafe = True
            if not site.replacement:
                planned.reason = f"{site.api} is called without a function to await"
                return
            self._add(planned, finding.path, _at(OpKind.AWAIT_FN, site))
            return
        if site.api in ("asyncio.Runner()", "run_forever()") or not site.replacement:
            planned.reason = f"`{site.api}` has no awaitable to await instead"
            return
        if not site.safe_fix:
            planned.reason = (
                "arguments besides the coroutine (debug=, loop_factory=...) change "
                "behaviour; rewrite it by hand"
            )
            return
        if site.thread_api:
            planned.reason = "the loop function is passed as a value, not called"
            return
        self._add(planned, finding.path, _at(OpKind.AWAIT, site))

    def _run_sync_site(self, planned: Planned, finding: Finding, site: Site) -> None:
        if not site.replacement or site.api not in ("asyncio.run()", "run_until_complete()"):
            planned.reason = f"`{site.api}` cannot be replaced by run_sync()"
            return
        if site.api == "asyncio.run()" and not site.safe_fix:
            planned.reason = "asyncio.run() arguments (debug=, loop_factory=) change behaviour"
            return
        if site.own_loop:
            planned.reason = site.own_loop
            return
        planned.unsafe = site.api != "asyncio.run()"
        self._add(planned, finding.path, _at(OpKind.RUN_SYNC, site, self.run_sync))

    # ------------------------------------------------------------------ chains
    def _async_chain(self, planned: Planned, start: str) -> None:
        """Make `start` and the sync functions that call it on the way from async code
        `async def`, await them where a loop runs, enter a loop where none does."""
        index, reach = self.index, self.project.reach
        chain: list[str] = []
        todo = [start]
        calls: list[tuple[str, str, int, int, str]] = []  # kind, caller, line, col, callee
        while todo:
            key = todo.pop()
            if key in chain:
                continue
            problem = self._cannot_be_async(key)
            if problem:
                planned.reason = problem
                return
            chain.append(key)
            callee = index.functions[key].func.qualname.rpartition(".")[2]
            callers = self._callers(key)
            if callers is None:
                planned.reason = (
                    f"{index.functions[key].label} is passed around as a value; its users "
                    "cannot be found for certain"
                )
                return
            unresolved = self._unresolved_method_use(key, callers)
            if unresolved:
                planned.reason = (
                    f"{index.functions[key].label} is a method, and `.{callee}` at "
                    f"{unresolved} may call it on an object whose class is not known; "
                    "making it async would leave that call un-awaited"
                )
                return
            for caller_key, line, col in callers:
                caller = index.functions[caller_key]
                if caller.func.is_async:
                    calls.append((OpKind.AWAIT_CALL, caller_key, line, col, callee))
                    continue
                kinds = reach.kinds(caller_key)
                in_tests = caller.module in self.project.roles.test_modules
                if Root.ASYNC in kinds:
                    todo.append(caller_key)  # on the way from async code: async as well
                    calls.append((OpKind.AWAIT_CALL, caller_key, line, col, callee))
                elif (kinds and kinds <= _NO_LOOP_ROOTS) or (
                    in_tests and caller_key not in self.project.async_used_fixtures
                ):
                    # No loop runs there, or it is test code (a test, a helper, a fixture
                    # of sync tests) that no outside caller sees: enter the loop there.
                    calls.append((OpKind.WRAP_RUN, caller_key, line, col, callee))
                elif in_tests:
                    planned.reason = (
                        f"caller {caller.label} is a sync fixture that async tests use, "
                        f"where `asyncio.run({callee}(...))` is what LS303 reports; make "
                        "that fixture async first"
                    )
                    return
                else:
                    planned.reason = (
                        f"caller {caller.label} is sync library code that outside callers "
                        f"use; making {index.functions[key].label} async would break them"
                    )
                    return
        for key in chain:
            ref = index.functions[key]
            path = index.paths[ref.module]
            self._add(planned, path, Op(OpKind.ASYNC_DEF, ref.func.line, 0, code="LS103"))
            for site in self._loop_entries(ref.module, ref.func.qualname):
                if not site.safe_fix or not site.replacement:
                    planned.reason = f"`{site.api}` at line {site.line} cannot become an await"
                    planned.ops = {}
                    return
                self._add(planned, path, _at(OpKind.AWAIT, site))
        for kind, caller_key, line, col, callee in calls:
            ref = index.functions[caller_key]
            self._add(planned, index.paths[ref.module], Op(kind, line, col, callee))

    def _cannot_be_async(self, key: str) -> str:
        ref = self.index.functions[key]
        func = ref.func
        reach = self.project.reach
        if Root.EXPOSED in reach.kinds(key):
            exposed = reach.origin.get((Root.EXPOSED, key), "").removesuffix(" (library API)")
            if exposed and exposed != ref.label:  # reached from library API further up
                return (
                    f"{ref.label} is called from {exposed}, which is library API (nothing in "
                    "the project calls it but tests); making the chain async would break "
                    "its outside callers"
                )
            return (
                f"{ref.label} is library API (nothing in the project calls it but tests); "
                "making it async would break its outside callers"
            )
        if func.decorators:
            return f"{ref.label} is decorated ({func.decorators[0]}); an async version may not work"
        if func.class_name and self.index.subclasses_of(func.class_name):
            return f"{ref.label} is a method that subclasses may override"
        if func.qualname.rpartition(".")[2].startswith("__"):
            return f"{ref.label} is a special method and cannot be a coroutine"
        if func.deferred_start:
            return f"{ref.label} could not be read in full"
        if func.is_generator:
            return f"{ref.label} is a generator; as `async def` it would need `async for`"
        return ""

    def _callers(self, key: str) -> list[tuple[str, int, int]] | None:
        """(caller, line, column) of every call of `key`; None when it is also used as a
        value."""
        index = self.index
        out: list[tuple[str, int, int]] = []
        for caller_key, ref in index.functions.items():
            func = ref.func
            for call in (*func.thread_targets, *func.loop_callbacks, *func.worker_targets):
                if key in index.resolve_call(call):
                    return None
            for call in func.calls:
                if key in index.resolve_call(call):
                    if call.is_value:
                        return None
                    out.append((caller_key, call.line, call.col))
        for facts in index.modules.values():
            for call in (*facts.module_calls, *facts.main_calls):
                if key in index.resolve_call(call):
                    return None  # import-time callers cannot await
        return out

    def _unresolved_method_use(self, key: str, callers: list[tuple[str, int, int]]) -> str:
        """Where (`path:line`) the project reads `.name` of the method `key` more often
        than it has resolved calls of it: `pricing.price_of(1)` on a `pricing` whose class
        the analyser does not know. "" when there is no such place."""
        index = self.index
        func = index.functions[key].func
        if not func.class_name:
            return ""
        name = func.qualname.rpartition(".")[2]
        known = Counter((index.paths[index.functions[c].module], line) for c, line, _ in callers)
        for path in sorted(self.analysis.abspaths):
            for line, count in sorted(Counter(self._attribute_lines(path, name)).items()):
                if count > known[path, line]:
                    return f"{path}:{line}"
        return ""

    def _attribute_lines(self, path: str, name: str) -> list[int]:
        """Lines of `path` where `.name` is read (code only: not comments or strings)."""
        text = self._texts.get(path)
        if text is None:
            try:
                text = self.analysis.abspaths[path].read_bytes().decode("utf-8", "replace")
            except OSError:
                text = ""
            self._texts[path] = text
        if not re.search(rf"\.\s*{re.escape(name)}\b", text):
            return []
        lines: list[int] = []
        previous = ""
        try:
            for token in tokenize.generate_tokens(io.StringIO(text).readline):
                if token.type == tokenize.NAME and token.string == name and previous == ".":
                    lines.append(token.start[0])
                if token.type not in (tokenize.NL, tokenize.COMMENT):
                    previous = token.string
        except (tokenize.TokenError, SyntaxError):  # cannot tokenize: every mention counts
            return [
                text.count("\n", 0, m.start()) + 1
                for m in re.finditer(rf"\.\s*{re.escape(name)}\b", text)
            ]
        return lines

    def _loop_entries(self, module: str, qualname: str) -> list[Site]:
        facts = self.index.modules[module]
        return [
            s
            for s in facts.sites
            if s.scope == qualname and s.kind in (SiteKind.RUN, SiteKind.LOOP_RUN)
        ]

    # ------------------------------------------------------------------ pytest
    def _async_fixture(self, planned: Planned, module: str, key: str) -> None:
        ref = self.index.functions[key]
        if not is_fixture(ref.func):
            planned.reason = "not a fixture"
            return
        path = self.index.paths[module]
        strict = self._asyncio_mode() == "strict"
        self._add(
            planned,
            path,
            Op(OpKind.ASYNC_FIXTURE, ref.func.line, 0, "strict" if strict else "", "LS303"),
        )
        for site in self._loop_entries(module, ref.func.qualname):
            if not site.safe_fix or not site.replacement:
                planned.reason = f"`{site.api}` at line {site.line} cannot become an await"
                planned.ops = {}
                return
            self._add(planned, path, _at(OpKind.AWAIT, site))

    def _asyncio_mode(self) -> str:
        config = self.analysis.pytest_config
        if config is None:
            return "strict"
        return config.options.get("asyncio_mode", ("strict", 0))[0].strip().lower()

    def _drop_event_loop_fixture(
        self, planned: Planned, finding: Finding, module: str, site: Site
    ) -> None:
        ref = self.index.functions.get(f"{module}.{site.scope}")
        if ref is None:
            planned.reason = "the fixture could not be located"
            return
        scope = "function"
        for decorator, kwargs in zip(ref.func.decorators, ref.func.decorator_kwargs, strict=False):
            if "fixture" in decorator and kwargs.get("scope"):
                scope = kwargs["scope"]
        self._add(planned, finding.path, Op(OpKind.DELETE_DEF, site.line, 0, code="LS301"))
        planned.config.append(self._loop_scope_edit(scope))

    def _loop_scope_edit(self, scope: str) -> ConfigEdit:
        options = {
            "asyncio_default_fixture_loop_scope": scope,
            "asyncio_default_test_loop_scope": scope,
        }
        config = self.analysis.pytest_config
        if config is not None:
            return ConfigEdit(config.path, config.section, options)
        # No pytest configuration yet: pyproject.toml, next to the tests' project root.
        names = [rel for rel, _ in self.analysis.metadata if rel.endswith("pyproject.toml")]
        path = names[-1] if names else "pytest.ini"
        section = "tool.pytest.ini_options" if path.endswith(".toml") else "pytest"
        return ConfigEdit(path, section, options)

    # ------------------------------------------------------------------ helpers
    def _where(self, finding: Finding) -> _Where:
        module = self.module_of.get(finding.path, "")
        facts = self.index.modules.get(module)
        if facts is None:
            return _Where(module, None)
        for site in facts.sites:
            if site.line == finding.line and site.col == finding.col:
                if finding.code == "LS105" and site.kind != SiteKind.WAIT:
                    continue
                return _Where(module, site)
        return _Where(module, None)

    @staticmethod
    def _add(planned: Planned, path: str, op: Op) -> None:
        ops = planned.ops.setdefault(path, [])
        if op not in ops:
            ops.append(op)
