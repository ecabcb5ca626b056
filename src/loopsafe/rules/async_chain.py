"""The fix that makes a call chain async (LS103, LS303): the sync function that enters a
loop, and the sync functions that call it on the way from async code, become `async def`;
their calls are awaited where a loop runs and wrapped in `asyncio.run()` where none does.

The chain is refused, with the reason, when some caller can be neither: library API that
outside callers use, a function passed around as a value, a method called on objects of
unknown class, a decorated function, a generator.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from collections import Counter
from dataclasses import dataclass, field, replace

from loopsafe.analysis import Project
from loopsafe.facts import pytest_asyncio_features as features
from loopsafe.facts.callgraph import Root
from loopsafe.facts.fixtures import fixture_scope, is_fixture
from loopsafe.facts.model import LoopApi, Site, SiteKind
from loopsafe.facts.nodes import char_col, source_lines
from loopsafe.facts.project import FunctionRef
from loopsafe.model import Category, Fix, FixSafety, Op, OpKind
from loopsafe.rules.context import site_context
from loopsafe.rules.fixes import at, awaitable_entry, loop_kept, no_fix, own_loop, run_sync_fix

_NO_LOOP_ROOTS = frozenset({Root.ENTRY, Root.WORKER, Root.THREAD})


@dataclass
class _Plan:
    edits: list[tuple[str, Op]] = field(default_factory=list)
    helper_copy: str = ""

    def add(self, path: str, op: Op) -> None:
        if (path, op) not in self.edits:
            self.edits.append((path, op))

    def fix(self) -> Fix:
        return Fix(FixSafety.UNSAFE, "", edits=tuple(self.edits), helper_copy=self.helper_copy)


def async_chain_fix(project: Project, start: str) -> Fix:
    """Make function `start` ("module.qualname") and the sync functions that call it on the
    way from async code `async def`; await them where a loop runs, enter one where none
    does."""
    index, reach = project.index, project.reach
    if _api_itself(project, start):
        return async_twin_fix(project, start)
    chain: list[str] = []
    todo = [start]
    calls: list[tuple[OpKind, str, int, int, str]] = []  # kind, caller, line, col, callee
    while todo:
        key = todo.pop()
        if key in chain:
            continue
        problem = _cannot_be_async(project, key)
        if problem:
            return no_fix(problem)
        chain.append(key)
        label = index.functions[key].label
        callee = index.functions[key].func.qualname.rpartition(".")[2]
        callers = _callers(project, key)
        if callers is None:
            return no_fix(_why_no_callers(project, key, label))
        unresolved = _unresolved_method_use(project, key, callers)
        if unresolved:
            return no_fix(
                f"{label} is a method, and `.{callee}` at {unresolved} may call it on an "
                "object whose class is not known; making it async would leave that call "
                "un-awaited"
            )
        for caller_key, line, col in callers:
            caller = index.functions[caller_key]
            path = index.paths[caller.module]
            if caller.func.is_async or Root.ASYNC in reach.kinds(caller_key):
                if _in_lambda(project, path, line, col):
                    return no_fix(
                        f"the call in {caller.label} at line {line} is inside a lambda or a "
                        "generator expression, where it cannot be awaited"
                    )
                if not caller.func.is_async:
                    todo.append(caller_key)  # on the way from async code: async as well
                calls.append((OpKind.AWAIT_CALL, caller_key, line, col, callee))
                continue
            kinds = reach.kinds(caller_key)
            in_tests = caller.module in project.roles.test_modules
            if (kinds and kinds <= _NO_LOOP_ROOTS) or (
                in_tests and caller_key not in project.async_used_fixtures
            ):
                # No loop runs there, or it is test code (a test, a helper, a fixture of
                # sync tests) that no outside caller sees: enter the loop there.
                calls.append((OpKind.WRAP_RUN, caller_key, line, col, callee))
            elif in_tests:
                return no_fix(
                    f"caller {caller.label} is a sync fixture that async tests use, where "
                    f"`asyncio.run({callee}(...))` is what LS303 reports; make that fixture "
                    "async first"
                )
            else:
                return no_fix(
                    f"caller {caller.label} is sync library code that outside callers use; "
                    f"making {label} async would break them"
                )
    plan = _Plan()
    for key in chain:
        ref = index.functions[key]
        path = index.paths[ref.module]
        plan.add(path, Op(OpKind.ASYNC_DEF, ref.func.line))
        for site in loop_entries(project, ref.module, ref.func.qualname):
            if not awaitable_entry(site):
                return no_fix(f"`{site.api.value}` at line {site.line} cannot become an await")
            plan.add(path, at(OpKind.AWAIT, site))
    # In file order, whatever order the callers were found in.
    located = [
        (index.paths[index.functions[c].module], line, col, kind, name)
        for kind, c, line, col, name in calls
    ]
    for path, line, col, kind, callee in sorted(located):
        plan.add(path, Op(kind, line, col, callee))
    return plan.fix()


def _api_itself(project: Project, key: str) -> bool:
    """Is function `key` library API in its own right (not only reached from API)?"""
    if Root.EXPOSED not in project.reach.kinds(key):
        return False
    exposed = project.reach.origin.get((Root.EXPOSED, key), "").removesuffix(" (library API)")
    return not exposed or exposed == project.index.functions[key].label


def async_twin_fix(project: Project, start: str) -> Fix:
    """Library API that async code in the project calls: outside callers keep the sync
    function; an async twin (`<name>_async`, the same body with its loop entries awaited)
    is added after it, and the project's async callers await the twin instead."""
    index, reach = project.index, project.reach
    ref = index.functions[start]
    func, label = ref.func, ref.label
    name = func.qualname.rpartition(".")[2]
    twin = f"{name}_async"
    problem = _cannot_be_async(project, start, api=False)
    if problem:
        return no_fix(f"{problem}; no async twin either")
    owner = func.qualname.rpartition(".")[0]
    if (f"{owner}.{twin}" if owner else twin) in index.modules[ref.module].functions:
        return no_fix(f"{label} is library API, and `{twin}` is already taken for its twin")
    callers = _callers(project, start)
    if callers is None:
        return no_fix(_why_no_callers(project, start, label))
    unresolved = _unresolved_method_use(project, start, callers)
    if unresolved:
        return no_fix(
            f"{label} is a method, and `.{name}` at {unresolved} may call it on an object whose "
            "class is not known"
        )
    path = index.paths[ref.module]
    plan = _Plan()
    plan.add(path, Op(OpKind.ASYNC_TWIN, func.line, 0, twin))
    facts = index.modules[ref.module]
    for site in loop_entries(project, ref.module, func.qualname):
        if not awaitable_entry(site):
            return no_fix(f"`{site.api.value}` at line {site.line} cannot become an await")
        # With no async caller left, the sync function is a sync wrapper: it gets that
        # rule's fix (LS104) in the same run, so a second run changes nothing.
        wrapper = replace(
            site_context(project, ref.module, facts, site), category=Category.SYNC_WRAPPER
        )
        loop = ""
        if site.api is LoopApi.RUN_UNTIL_COMPLETE:
            why = own_loop(site) or loop_kept(wrapper)
            if why:
                return no_fix(f"{why}; the twin could not await it on that loop")
            loop = site.loop_expr  # made for this run: the twin has no use for it
        plan.add(path, at(OpKind.TWIN_AWAIT, site, loop))
        sync = run_sync_fix(wrapper)
        for _, op in sync.edits:
            plan.add(path, op)
        plan.helper_copy = plan.helper_copy or sync.helper_copy
    located = []
    for caller_key, line, col in callers:
        caller = index.functions[caller_key]
        caller_path = index.paths[caller.module]
        if caller.func.is_async:
            if _in_lambda(project, caller_path, line, col):
                return no_fix(
                    f"the call in {caller.label} at line {line} is inside a lambda or a "
                    "generator expression, where it cannot be awaited"
                )
            source = ref.module if caller.module != ref.module else ""
            located.append((caller_path, line, col, source))
        elif Root.ASYNC in reach.kinds(caller_key):
            return no_fix(
                f"{label} is library API, and sync {caller.label} calls it on the way from "
                "async code; make that caller async first"
            )
        # Other sync callers keep the sync function, as outside callers do.
    if not located:
        return no_fix(f"{label} is library API and no coroutine calls it directly")
    for caller_path, line, col, source in sorted(located):
        plan.add(
            caller_path,
            Op(OpKind.AWAIT_TWIN, line, col, name, twin=twin, twin_module=source),
        )
    return plan.fix()


def async_fixture_fix(project: Project, module: str, key: str) -> Fix:
    """A sync fixture that async tests use and that enters a loop -> an async fixture that
    awaits (`@pytest_asyncio.fixture` in strict mode)."""
    ref = project.index.functions[key]
    if not is_fixture(ref.func):
        return no_fix("not a fixture")
    if "event_loop" in ref.func.params:
        # pytest-asyncio warns from 0.23 (an error under `-W error`) when an async fixture
        # requests `event_loop`, and 1.0 has no such fixture: measured on its own suite.
        return no_fix(
            "it requests the `event_loop` fixture, which an async fixture must not (a "
            "deprecation warning from pytest-asyncio 0.23, gone in 1.0); rewrite it to "
            "`asyncio.get_running_loop()` by hand"
        )
    path = project.index.paths[module]
    config = project.pytest_config
    mode = config.text("asyncio_mode", "strict") if config is not None else "strict"
    strict = mode.strip().lower() == "strict"
    version = project.pytest_asyncio
    if strict and version.version and not features.knows(version.version, features.ASYNCIO_FIXTURE):
        return no_fix(f"{version.uses} has no `@pytest_asyncio.fixture` (0.17 adds it)")
    scope = fixture_scope(ref.func)
    if (
        scope != "function"
        and version.version
        and not features.knows(version.version, features.SCOPED_LOOPS)
    ):
        return no_fix(
            f"an async {scope}-scoped fixture needs a {scope}-scoped loop, which {version.uses} "
            f"has only through an `event_loop` override (0.23 adds scoped loops): upgrade first"
        )
    plan = _Plan()
    plan.add(path, Op(OpKind.ASYNC_FIXTURE, ref.func.line, 0, "strict" if strict else ""))
    for site in loop_entries(project, module, ref.func.qualname):
        if not awaitable_entry(site):
            return no_fix(f"`{site.api.value}` at line {site.line} cannot become an await")
        plan.add(path, at(OpKind.AWAIT, site))
    return plan.fix()


def loop_entries(project: Project, module: str, qualname: str) -> list[Site]:
    facts = project.index.modules[module]
    return [
        s
        for s in project.scope_sites(facts, qualname)
        if s.kind in (SiteKind.RUN, SiteKind.LOOP_RUN)
    ]


def _cannot_be_async(project: Project, key: str, *, api: bool = True) -> str:
    """Why function `key` cannot become a coroutine ("" when it can); `api`: library API
    counts as a reason."""
    ref = project.index.functions[key]
    func = ref.func
    reach = project.reach
    if api and Root.EXPOSED in reach.kinds(key):
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
    if func.class_name and project.index.subclasses_of(func.class_name):
        return f"{ref.label} is a method that subclasses may override"
    if func.qualname.rpartition(".")[2].startswith("__"):
        return f"{ref.label} is a special method and cannot be a coroutine"
    if func.deferred_start:
        return f"{ref.label} could not be read in full"
    if func.is_generator:
        return f"{ref.label} is a generator; as `async def` it would need `async for`"
    return ""


def _why_no_callers(project: Project, key: str, label: str) -> str:
    """Why the calls of `key` cannot all be awaited (see `_callers`)."""
    by_function, by_module = _loop_callback_table(project)
    ref = by_function.get(key)
    if ref is not None:
        return (
            f"{label} is a loop callback ({ref.label} hands it to the loop): the loop "
            "calls it, inside the running loop, and cannot await it; schedule the "
            "coroutine instead (`asyncio.ensure_future(...)`)"
        )
    if key in by_module:
        return f"{label} is a loop callback: the loop calls it and cannot await it"
    return f"{label} is passed around as a value; its users cannot be found for certain"


def _loop_callback_table(project: Project) -> tuple[dict[str, FunctionRef], set[str]]:
    """Every function handed to the loop as a callback: with the first function (in
    index order) that hands it over, and those handed over at module level. One pass
    over the callbacks, kept until the index changes: searching every function for each
    refused chain made refusals quadratic."""
    index = project.index
    kept = project.memo.get(("loop callback table", ""))
    if kept is not None and kept[0] == index.generation:
        return kept[1], kept[2]
    by_function: dict[str, FunctionRef] = {}
    for ref in index.functions.values():
        for call in ref.func.loop_callbacks:
            for key in index.resolve_call(call):
                by_function.setdefault(key, ref)
    by_module: set[str] = set()
    for facts in index.modules.values():
        for call in facts.module_loop_callbacks:
            by_module.update(index.resolve_call(call))
    project.memo[("loop callback table", "")] = (index.generation, by_function, by_module)
    return by_function, by_module


def _callers(project: Project, key: str) -> list[tuple[str, int, int]] | None:
    """(caller, line, column) of every call of `key`; None when it is also used as a
    value."""
    uses = _call_table(project).get(key)
    if uses is None:
        return []
    return None if uses.as_value else list(uses.calls)


@dataclass
class _Uses:
    """How the project uses one function: its calls, in project order, and whether it
    is also handed around as a value (a thread target, a loop callback, ...)."""

    calls: list[tuple[str, int, int]] = field(default_factory=list)
    as_value: bool = False


def _call_table(project: Project) -> dict[str, _Uses]:
    """Every project function's uses, from one pass over every call (kept until the
    index changes): asking each chain member's callers of the whole project instead
    made the fixes quadratic in the number of functions."""
    index = project.index
    kept = project.memo.get(("call table", ""))
    if kept is not None and kept[0] == index.generation:
        table: dict[str, _Uses] = kept[1]
        return table
    table = {}

    def uses(resolved: tuple[str, ...]) -> list[_Uses]:
        return [table.setdefault(k, _Uses()) for k in dict.fromkeys(resolved)]

    for caller_key, ref in index.functions.items():
        func = ref.func
        for call in (*func.thread_targets, *func.loop_callbacks, *func.worker_targets):
            for use in uses(index.resolve_call(call)):
                use.as_value = True
        for call in func.calls:
            for use in uses(index.resolve_call(call)):
                if call.is_value:
                    use.as_value = True
                else:
                    use.calls.append((caller_key, call.line, call.col))
    for facts in index.modules.values():
        for call in (*facts.module_calls, *facts.main_calls):
            for use in uses(index.resolve_call(call)):
                use.as_value = True  # import-time callers cannot await
    project.memo[("call table", "")] = (index.generation, table)
    return table


def _unresolved_method_use(project: Project, key: str, callers: list[tuple[str, int, int]]) -> str:
    """Where (`path:line`) the project reads `.name` of the method `key` more often than
    it has resolved calls of it: `pricing.price_of(1)` on a `pricing` whose class the
    analyser does not know. "" when there is no such place."""
    index = project.index
    func = index.functions[key].func
    if not func.class_name:
        return ""
    name = func.qualname.rpartition(".")[2]
    known = Counter((index.paths[index.functions[c].module], line) for c, line, _ in callers)
    for path in _paths_reading(project, name):
        # Each line read at most as often as it holds known calls is one of `known`, so
        # this stops within len(known) + 1 lines however many the file reads `.name` on.
        for line, count in _attribute_counts(project, path, name):
            if count > known[path, line]:
                return f"{path}:{line}"
    return ""


def _attribute_counts(project: Project, path: str, name: str) -> list[tuple[int, int]]:
    """(line, how often `.name` is read there) for file `path`, in line order, kept per
    file and name: methods sharing a name (`Client1.get`, `Client2.get`...) each counting
    and sorting every `.get` of the file made one big file quadratic."""
    key = (f"attribute counts {path}", name)
    counts: list[tuple[int, int]] | None = project.memo.get(key)
    if counts is None:
        counts = project.memo[key] = sorted(Counter(_attribute_lines(project, path, name)).items())
    return counts


_ATTRIBUTE = re.compile(r"\.\s*(\w+)")


def _paths_reading(project: Project, name: str) -> list[str]:
    """The files, sorted, whose text may read `.name` (a superset: `_attribute_lines`
    decides), from one index of every file's attribute words instead of a search of
    every file for each method."""
    if not re.fullmatch(r"\w+", name):
        return sorted(project.abspaths)  # not a word the index holds: search them all
    words: dict[str, list[str]] | None = project.memo.get(("attribute words", ""))
    if words is None:
        words = {}
        for path in sorted(project.abspaths):
            for word in set(_ATTRIBUTE.findall(project.text(path))):
                words.setdefault(word, []).append(path)
        project.memo[("attribute words", "")] = words
    return words.get(name, [])


def _attribute_lines(project: Project, path: str, name: str) -> list[int]:
    """Lines of file `path` where `.name` is read (code only: not comments or strings)."""
    text = project.text(path)
    if not re.search(rf"\.\s*{re.escape(name)}\b", text):
        return []
    scan = _token_scan(project, path)
    if scan is not None:
        return list(scan.attributes.get(name, ()))
    # Cannot tokenize: every mention counts.
    return [
        text.count("\n", 0, m.start()) + 1 for m in re.finditer(rf"\.\s*{re.escape(name)}\b", text)
    ]


@dataclass
class _Tokens:
    """What one tokenizer pass over a file tells the chain fix."""

    # Every name read as an attribute (`.name`, code only), with the lines it is read on.
    attributes: dict[str, list[int]] = field(default_factory=dict)
    # The lines of every statement that may hold a lambda or a generator expression: it
    # has a `lambda`, a `for` inside brackets (comprehensions too), or an f-string naming
    # either (its code is one token up to Python 3.11). A call on no such line is in none.
    # None when a lone carriage return (a line break to Python's parser, not to the
    # tokenizer's reader) makes the tokenizer's lines differ from the tree's.
    may_hold_lambda: set[int] | None = field(default_factory=set)


def _token_scan(project: Project, path: str) -> _Tokens | None:
    """`_Tokens` of file `path`, kept per file; None when it cannot be tokenized."""
    key = ("tokens", path)
    if key not in project.memo:
        project.memo[key] = _scan_tokens(project.text(path))
    scan: _Tokens | None = project.memo[key]
    return scan


def _scan_tokens(text: str) -> _Tokens | None:
    out = _Tokens()
    table = out.attributes
    flagged_lines: set[int] = set()
    out.may_hold_lambda = flagged_lines
    name_, op_, string_, newline_, end_ = (
        tokenize.NAME,
        tokenize.OP,
        tokenize.STRING,
        tokenize.NEWLINE,
        tokenize.ENDMARKER,
    )
    previous = ""
    depth = 0  # open brackets
    first = 0  # first line of the current statement
    flagged = False  # the current statement may hold a lambda or a generator expression
    try:
        tokens = tokenize.generate_tokens(io.StringIO(text).readline)
        for kind, string, (row, _), (end_row, _), _ in tokens:
            if not first and kind not in _BETWEEN_STATEMENTS:
                first = row
            if kind == name_:
                if previous == ".":
                    table.setdefault(string, []).append(row)
                if string == "lambda" or (string == "for" and depth):
                    flagged = True
            elif kind == op_:
                if string in _OPENING:
                    depth += 1
                elif string in _CLOSING:
                    depth = max(depth - 1, 0)
            elif kind == string_ and ("lambda" in string or "for" in string):
                flagged = flagged or "f" in string[: string.find(string[-1])].lower()
            elif kind in (newline_, end_):
                if flagged and first:
                    flagged_lines.update(range(first, end_row + 1))
                first, flagged = 0, False
            if kind not in _NOT_CODE:
                previous = string
    except (tokenize.TokenError, SyntaxError):
        return None
    if _LONE_CR.search(text):
        out.may_hold_lambda = None
    return out


_LONE_CR = re.compile(r"\r(?!\n)")
_OPENING, _CLOSING = frozenset("([{"), frozenset(")]}")
_NOT_CODE = frozenset({tokenize.NL, tokenize.COMMENT})
_BETWEEN_STATEMENTS = frozenset(
    {tokenize.NL, tokenize.COMMENT, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT}
)


def _in_lambda(project: Project, path: str, line: int, col: int) -> bool:
    """Is the call at `line`:`col` inside a lambda or a generator expression, where an
    `await` cannot go? Read from the file itself: chains are rare, calls many. The tree
    of a big file costs more than its tokens, which the chain fix reads anyway; it is
    built only for a call on a statement that may hold one."""
    scan = _token_scan(project, path)
    if scan is not None and scan.may_hold_lambda is not None and line not in scan.may_hold_lambda:
        return False
    spans = project.memo.get(("lambdas", path))
    if spans is None:
        spans = project.memo[("lambdas", path)] = _lambda_spans(project.text(path))
    return any(start <= (line, col) < end for start, end in spans)


def _lambda_spans(text: str) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """(start, end) of every lambda and generator expression, as 1-based (line, column)."""
    try:
        tree = ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return []
    lines = source_lines(text)
    spans = []
    for node in ast.walk(tree):
        if isinstance(node, (ast.Lambda, ast.GeneratorExp)):
            end_line = node.end_lineno or node.lineno
            end_col = node.end_col_offset or node.col_offset
            spans.append(
                (
                    (node.lineno, char_col(lines, node.lineno, node.col_offset + 1)),
                    (end_line, char_col(lines, end_line, end_col + 1)),
                )
            )
    return spans
