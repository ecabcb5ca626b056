"""Turn one parsed module into `FileFacts`: sites, functions, calls, bindings.

One walk over the tree does it all. Statement visits carry the guard state (is this code
only reached when no loop runs?) and whether we are under `if __name__ == "__main__":`;
expression visits find sites, calls, and functions handed to threads, loops and queues.
"""

from __future__ import annotations

import ast
import functools
import re
from typing import Any

from loopsafe.facts import apis
from loopsafe.facts.guards import (
    branch_guards,
    calls_in,
    catches_runtime_error,
    expected_names,
    handled_names,
    import_shim_bound,
    is_running_atom,
    running_var_targets,
    terminates,
    try_checks,
    version_bounds,
)
from loopsafe.facts.lifetimes import (
    loop_run_sites,
    mark_attribute_lifetimes,
    mark_lifetimes,
    mark_loop_uses,
)
from loopsafe.facts.model import (
    EMPTY_DICT,
    EMPTY_LIST,
    Call,
    ClassInfo,
    FileFacts,
    Function,
    LoopApi,
    ScopeKind,
    Site,
    SiteKind,
    own_dict,
    own_list,
)
from loopsafe.facts.nodes import (
    FuncDef,
    bound_names,
    char_col,
    last_attr,
    own_nodes,
    source_lines,
    walk_nodes,
    yield_shape,
    yields,
)
from loopsafe.facts.scopes import (
    DEFINITIONS,
    Resolver,
    Scope,
    collect_bindings,
    star_sources,
    walk_scope,
)
from loopsafe.facts.sites import SiteReader, SiteState
from loopsafe.facts.suppressions import parse_suppressions

_LOOP_LIBRARIES = frozenset({"asyncio", "anyio", "trio", "uvloop", "nest_asyncio"})
_SPECIAL_ATTRS = frozenset(
    {*apis.THREAD_METHODS, *apis.LOOP_CALLBACK_METHODS, *apis.WORKER_METHODS, "map"}
)
_NO_ROLES: dict[str, str] = {}
# Exact node types (the parser makes no subclasses): one set lookup, not an isinstance chain.
_IMPORTS = frozenset({ast.Import, ast.ImportFrom})
SHADOWED = ""  # a binding that hides outer ones without naming anything (see Resolver.lookup)
_INSPECTORS = frozenset(
    {
        "iscoroutinefunction",
        "is_async_callable",
        "isgeneratorfunction",
        "isasyncgenfunction",
        "markcoroutinefunction",
        "isfunction",
        "ismethod",
        "callable",
        "signature",
        "getattr",
        "hasattr",
        "isinstance",
        "wraps",
        "update_wrapper",
    }
)
_INSPECTED = {"0": "inspected"}
# Registered to run later, not called here: pytest runs finalizers at teardown, unittest
# cleanups after the test, atexit at exit (with no loop running by then).
_LATER = frozenset({"addfinalizer", "addCleanup", "register"})
_REGISTERED = {"0": "later"}
_RUN_LATER = "registered to run later (a finalizer, a cleanup, at exit)"
_SIMPLE_STMTS: dict[type, tuple[str, ...]] = {
    ast.Expr: ("value",),
    ast.Return: ("value",),
    ast.Assign: ("targets", "value"),
    ast.AugAssign: ("target", "value"),
    ast.AnnAssign: ("annotation", "value"),
    ast.Raise: ("exc", "cause"),
    ast.Assert: ("test", "msg"),
    ast.Delete: ("targets",),
    ast.Pass: (),
    ast.Break: (),
    ast.Continue: (),
    ast.Global: (),
    ast.Nonlocal: (),
    ast.Import: (),
    ast.ImportFrom: (),
}


def trigger_words(watched: tuple[str, ...] = ()) -> tuple[str, ...]:
    """Words one of which any text holding a site contains: the loop libraries' names and
    the top-level modules of the APIs rules watch."""
    words = [token.decode() for token in apis.TRIGGER_TOKENS]
    words += sorted({name.partition(".")[0] for name in watched} - set(words))
    return tuple(words)


def extract(
    tree: ast.Module,
    text: str,
    module: str,
    is_package: bool = False,
    thread_apis: tuple[str, ...] = (),
    defer: bool = False,
    watched: tuple[str, ...] = (),
    watched_arguments: tuple[tuple[str, str, int], ...] = (),
    bindings: tuple[str, ...] | None = None,
) -> FileFacts:
    """`thread_apis`: extra dotted names whose first argument runs in a thread (config).
    `watched`: dotted names of the APIs whose calls rules judge (`SiteKind.CALL` sites);
    `watched_arguments`: (API, keyword, position) for those of them whose calls are sites
    only when they pass that argument (and never as values or imports); `bindings`: those
    whose rules read `bound_names` (None: all of them).

    `defer`: leave the bodies of top-level functions and methods that hold no trigger token
    unread (no site can be there); `expand_deferred` reads them if their calls matter."""
    extractor = _Extractor(
        tree,
        text,
        module,
        is_package,
        thread_apis,
        watched=watched,
        watched_arguments=watched_arguments,
    )
    extractor.bindings = _frozen(watched if bindings is None else bindings)
    extractor.defer = defer
    return extractor.run()


def expand_deferred(
    text: str,
    facts: FileFacts,
    qualnames: list[str],
    thread_apis: tuple[str, ...] = (),
    *,
    lines: list[str] | None = None,
) -> list[str]:
    """Extract the deferred bodies of `qualnames` into `facts`; return the qualnames of the
    functions added or completed (nested functions included). `lines`: `source_lines(text)`,
    when the caller has them already."""
    if lines is None:
        lines = source_lines(text)
    waiting = [(q, f) for q in qualnames if (f := facts.functions.get(q)) and f.deferred_start]
    parsed = _parse_bodies(lines, waiting)
    done: list[str] = []
    for qualname in qualnames:
        func = facts.functions.get(qualname)
        if func is None or not func.deferred_start:
            continue
        node = parsed.get(qualname) or _parse_body(lines, func.deferred_start, func.deferred_end)
        if node is None:
            continue
        extractor = _Extractor(
            ast.Module(body=[], type_ignores=[]),
            text,
            facts.module,
            False,
            thread_apis,
            read_suppressions=False,  # the file's own extraction read them already
            lines=lines,
        )
        extractor.r.star_fallback = facts.star_fallback
        module_scope = Scope(kind="module", qualname="", dotted="")
        module_scope.bindings = facts.bindings
        extractor.r.stack.append(module_scope)
        owner = qualname.rpartition(".")[0]
        if func.class_name and owner in facts.classes:
            extractor.r.class_attrs[func.class_name] = facts.classes[owner].attrs
            extractor.r.stack.append(Scope(kind="class", qualname=owner, dotted=func.class_name))
        extractor._visit_function(node)
        fresh = extractor.facts.functions
        body = fresh.get(qualname)
        if body is None:
            continue
        func.calls, func.thread_targets = body.calls, body.thread_targets
        func.loop_callbacks, func.worker_targets = body.loop_callbacks, body.worker_targets
        func.escapes = body.escapes
        func.handed_params = body.handed_params
        func.uses_argparse = body.uses_argparse
        func.deferred_start = func.deferred_end = 0
        done.append(qualname)
        for name, nested in fresh.items():
            if name != qualname:
                facts.functions[name] = nested
                done.append(name)
    return done


# Identifiers of a def's text (str patterns match Unicode letters too).
_WORDS = re.compile(r"[^\W\d]\w*")
# Names a site spells out besides the APIs' own: the loop methods judged on any receiver,
# the `.result()` of a wait, the `event_loop` fixture, `mark.asyncio(scope=...)` and
# loopsafe's own `current_loop()` helper.
_SITE_NAMES = frozenset(
    {
        "run_until_complete",
        "run_forever",
        "set_event_loop",
        "result",
        "event_loop",
        "scope",
        "current_loop",
        "_loopsafe_current_loop",
    }
)


def site_words(
    watched: tuple[str, ...] = (), watched_arguments: tuple[tuple[str, str, int], ...] = ()
) -> frozenset[str]:
    """Identifiers one of which the text of any def holding a site names: the last part of
    every API a site calls or names, and for a watched API that is a site only when passed
    an argument by keyword (`asyncio.sleep(loop=...)`), that keyword. A def that mentions a
    loop library (`await asyncio.sleep(0)`) but none of these holds no site."""
    words = set(_SITE_NAMES)
    for table in (
        apis.RUN_APIS,
        apis.FETCH_APIS,
        apis.CREATE_APIS,
        apis.SET_APIS,
        apis.PATCH_APIS,
        apis.COROUTINE_THREADSAFE,
    ):
        words.update(name.rpartition(".")[2] for name in table)
    by_keyword = {name: keyword for name, keyword, at in watched_arguments if at < 0}
    for name in watched:
        words.add(by_keyword.get(name) or name.rpartition(".")[2])
    return frozenset(words)


def _alias_words(bindings: dict[str, str], words: frozenset[str]) -> set[str]:
    """The names bound to something whose last part is a site word (`go = asyncio.run`,
    `from asyncio import get_event_loop as gel`): a def calling `go()` may hold a site."""
    return {
        name
        for name, target in bindings.items()
        if target and target.removesuffix("()").rpartition(".")[2] in words
    }


@functools.lru_cache(maxsize=16)
def _frozen(names: tuple[str, ...]) -> frozenset[str]:
    return frozenset(names)


@functools.lru_cache(maxsize=8)
def _watch_tables(
    watched: tuple[str, ...], watched_arguments: tuple[tuple[str, str, int], ...]
) -> tuple[
    frozenset[str],
    dict[str, tuple[str, int]],
    frozenset[str],
    frozenset[str],
    frozenset[str],
    tuple[str, ...],
    frozenset[str],
]:
    """The tables `_Extractor` derives from the watched APIs, the same for every file of a
    run: built once, not per file (they cost a fifth of extracting a small file). The
    extractor only reads them (it rebinds, never mutates, what it widens)."""
    frozen = frozenset(watched)
    arguments = {name: (keyword, at) for name, keyword, at in watched_arguments}
    values = frozen - arguments.keys()
    tails = frozenset(name.rpartition(".")[2] for name in values)
    libraries = _LOOP_LIBRARIES | {name.partition(".")[0] for name in watched}
    words = site_words(watched, watched_arguments)
    return frozen, arguments, values, tails, libraries, trigger_words(watched), words


class _Extractor(SiteReader):
    def __init__(
        self,
        tree: ast.Module,
        text: str,
        module: str,
        is_package: bool,
        thread_apis: tuple[str, ...] = (),
        read_suppressions: bool = True,
        lines: list[str] | None = None,
        watched: tuple[str, ...] = (),
        watched_arguments: tuple[tuple[str, str, int], ...] = (),
    ) -> None:
        self.tree = tree
        self.thread_apis = _frozen(thread_apis)
        (
            self.watched,
            self.watched_arguments,
            # Watched APIs that are sites wherever they are named, not only when called.
            self.watched_values,
            self.watched_tails,
            self.libraries,
            self.triggers,
            self.site_words,
        ) = _watch_tables(watched, watched_arguments)
        self.bindings = self.watched  # watched APIs whose rules read `bound_names`
        self.defer = False
        self.lines = lines if lines is not None else source_lines(text)
        self.facts = FileFacts(module=module, is_package_init=is_package)
        self.r = Resolver(module, is_package)
        self.state = SiteState()
        self.running_vars: list[set[str]] = [set()]
        self.thread_scope = 0  # >0 while inside a lambda handed to a thread API
        self.lambda_depth = 0  # >0 while inside a lambda or a generator expression
        # >0 inside an annotation: evaluated lazily from Python 3.14 (PEP 649), never under
        # `from __future__ import annotations`, so naming a watched API there is no use.
        self.annotation_depth = 0
        self.decorator_of: dict[int, str] = {}  # id(decorator node) -> the def's qualname
        self.function_nodes: dict[str, FuncDef] = {}
        self.loop_run_scopes: set[str] = set()
        self.loop_run_owners: set[str] = set()
        self.lifetime_scopes: set[str] = set()
        self.scope_sites: dict[str, list[Site]] = {}
        self.owner_sites: dict[str, list[Site]] = {}
        self.try_cache: dict[int, tuple[bool, bool]] = {}
        self.global_names: dict[str, frozenset[str]] = {}
        self.awaited_calls: set[int] = set()  # ids of the Call nodes under an `await`
        # ids of Calls that are the whole value of `x = call()` / `self.x = call()`
        self.assigned_calls: set[int] = set()
        # ids of Calls that are a statement ("call"), or whose result's method call is
        # (".name"): what `Site.statement` says.
        self.statement_calls: dict[int, str] = {}
        # Inside `if iscoroutinefunction(f):`, calls of `f` create coroutines: they never
        # run `f`'s body as a sync call (the dotted names of such `f`).
        self.coroutine_only: frozenset[str] = frozenset()
        if read_suppressions:
            self.facts.suppressions = parse_suppressions(text)

    # ------------------------------------------------------------------ plumbing
    def run(self) -> FileFacts:
        body = self.tree.body
        stmts = walk_scope(body)
        scope = Scope(kind="module", qualname="", dotted="")
        scope.bindings = collect_bindings(stmts, self.r, self.facts.module)
        self.r.stack.append(scope)
        for source in star_sources(stmts, self.r):
            own_list(self.facts, "star_imports").append(source)
            if source in _LOOP_LIBRARIES:
                for name in _star_names(source):
                    scope.bindings.setdefault(name, f"{source}.{name}")
            for name in self.watched:
                if name.rpartition(".")[0] == source:
                    scope.bindings.setdefault(name.rpartition(".")[2], name)
        self._bind_assignments(stmts, scope)
        if self.watched_values:  # module-level aliases of watched APIs read like their names
            self.watched_tails |= {
                name for name, target in scope.bindings.items() if target in self.watched_values
            }
        defined = {s.name for s in stmts if type(s) in DEFINITIONS}  # type: ignore[attr-defined]
        self.facts.imports = {k: v for k, v in scope.bindings.items() if k not in defined}
        self.r.star_fallback = bool(self.facts.star_imports)
        self.facts.bindings = scope.bindings
        self.facts.star_fallback = self.r.star_fallback
        # Names bound to the loop libraries (`import asyncio as aio`, `from asyncio import
        # run`) make a body worth reading just like the library names themselves.
        libraries = self.libraries
        bound = {n: t for n, t in scope.bindings.items() if t.partition(".")[0] in libraries}
        self.triggers += tuple(bound)
        aliases = _alias_words(bound, self.site_words)
        if aliases:
            self.site_words = self.site_words | aliases
        for stmt in stmts:
            if type(stmt) in _IMPORTS:
                self._record_import(stmt)  # type: ignore[arg-type]
        self.facts.has_toplevel_code = any(_is_toplevel_code(s) for s in body)
        for stmt in body:
            if type(stmt) is ast.Assign:
                made = self._made(stmt)
                if made:
                    own_dict(self.facts, "made")[made[0]] = made[1]
        self._visit_body(body)
        self._module_marks(body)
        if "" in self.lifetime_scopes:
            mark_lifetimes(own_nodes(body), self.scope_sites.get("", []), "", method=False)
        if any(
            (site.kind is SiteKind.CALL and site.target in self.bindings) or _via_alias(site)
            for site in self.facts.sites
        ):
            self.facts.bound_names = bound_names(self.tree)  # rules judge shims by it
        for site in self.facts.sites:  # ast counts UTF-8 bytes; users count characters
            site.col = char_col(self.lines, site.line, site.col)
            site.end_col = char_col(self.lines, site.end_line, site.end_col)
        return self.facts

    def _record_import(self, stmt: ast.Import | ast.ImportFrom) -> None:
        if isinstance(stmt, ast.Import):
            self.facts.imported_modules.extend(a.name for a in stmt.names)
            return
        base = self.r.relative_base(stmt.level, stmt.module) if stmt.level else stmt.module
        if base:
            self.facts.imported_modules.append(base)
            # `from pkg import mod` imports pkg.mod when mod is a module.
            self.facts.imported_modules.extend(
                f"{base}.{a.name}" for a in stmt.names if a.name != "*"
            )

    def _bind_assignments(self, stmts: list[ast.stmt], scope: Scope) -> None:
        is_module = scope.kind == "module"
        for stmt in stmts:
            if isinstance(stmt, ast.Assign):
                targets, value = stmt.targets, stmt.value
            elif isinstance(stmt, ast.AnnAssign) and stmt.value is not None:
                targets, value = [stmt.target], stmt.value
            elif isinstance(stmt, (ast.With, ast.AsyncWith)):
                for item in stmt.items:
                    # `with Client() as c` is (usually) the new object; `async with self as
                    # session` is whatever `__aenter__` returns, often another class.
                    if isinstance(item.optional_vars, ast.Name) and isinstance(
                        item.context_expr, ast.Call
                    ):
                        resolved = self.r.dotted(item.context_expr)
                        if resolved and isinstance(stmt, ast.AsyncWith):
                            # What `__aenter__` returns (a session, a connection...): the
                            # object itself unless its class says otherwise (the project
                            # index reads `ClassInfo.enters`).
                            resolved += ".__aenter__()"
                        if resolved:
                            scope.bindings[item.optional_vars.id] = resolved
                continue
            else:
                continue
            resolved = (
                self.r.dotted(value)
                if isinstance(value, (ast.Call, ast.Name, ast.Attribute))
                else ""
            )
            if not resolved:
                if not is_module:  # `loop = kwargs.pop(...)`: hides an outer `loop`
                    for target in targets:
                        if isinstance(target, ast.Name) and target.id not in scope.bindings:
                            scope.bindings[target.id] = SHADOWED
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    if target.id in scope.bindings and isinstance(value, ast.Name):
                        continue
                    scope.bindings[target.id] = resolved
                    if is_module:
                        if isinstance(value, ast.Call):
                            own_dict(self.facts, "constructed")[target.id] = resolved[:-2]
                        else:
                            own_dict(self.facts, "aliases")[target.id] = resolved

    def _prepare_class_attrs(self, node: ast.ClassDef, dotted: str) -> None:
        """`self.attr = value` anywhere in the class's methods, for `self.attr.x()` lookups."""
        attrs = self.r.class_attrs.setdefault(dotted, {})
        for item in node.body:
            if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not item.args.args:
                continue
            self_name = item.args.args[0].arg
            annotated: dict[str, str] | None = None  # listed at the first `self.x = name`
            for sub in walk_scope(item.body):
                if not isinstance(sub, (ast.Assign, ast.AnnAssign)) or sub.value is None:
                    continue
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                for target in targets:
                    if not (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == self_name
                    ):
                        continue
                    if isinstance(sub.value, ast.Call):
                        resolved = self._resolve_outside_method(sub.value)
                        if resolved:
                            attrs.setdefault(target.attr, resolved)
                    elif isinstance(sub.value, ast.Name):
                        if annotated is None:
                            annotated = self._annotated_params(item.args)
                        if sub.value.id in annotated:
                            # `self.config = config` with `config: Config`.
                            attrs.setdefault(target.attr, annotated[sub.value.id] + "()")

    def _annotated_params(self, args: ast.arguments) -> dict[str, str]:
        """Parameter name -> the class its annotation names, but the first (`self`)."""
        return {
            a.arg: cls
            for a in (*args.args[1:], *args.kwonlyargs)
            if a.annotation is not None and (cls := self._annotated_class(a.annotation))
        }

    def _annotated_class(self, annotation: ast.expr) -> str:
        """The class an annotation names (`Config`, `Optional[Config]`, `Config | None`,
        `"Config"`), dotted; "" for builtins and anything else."""
        node = annotation
        for _ in range(4):  # `Optional["Config"]`: unwrap layer by layer
            if isinstance(node, ast.Constant) and isinstance(node.value, str):
                try:
                    node = ast.parse(node.value, mode="eval").body
                except (SyntaxError, ValueError, RecursionError, MemoryError):
                    return ""
            elif isinstance(node, ast.BinOp) and isinstance(node.op, ast.BitOr):
                sides = [n for n in (node.left, node.right) if not _is_none(n)]
                if len(sides) != 1:
                    return ""
                node = sides[0]
            elif isinstance(node, ast.Subscript) and last_attr(node.value) == "Optional":
                node = node.slice
            else:
                break
        if not isinstance(node, (ast.Name, ast.Attribute)):
            return ""
        dotted = self.r.dotted(node)
        top = dotted.partition(".")[0]
        if "." not in dotted or top in _NOT_CLASSES:
            return ""
        return dotted

    def _resolve_outside_method(self, node: ast.expr) -> str:
        return self.r.dotted(node)

    # ------------------------------------------------------------------ statements
    def _visit_body(self, body: list[ast.stmt]) -> None:
        saved = self.state.guarded
        for stmt in body:
            self._visit_stmt(stmt)
            if type(stmt) in _MAY_EXIT and self._exits_when_running(stmt):
                self.state.guarded = True
        self.state.guarded = saved

    def _exits_when_running(self, stmt: ast.stmt) -> bool:
        """After this statement, is the rest of the block reached only without a loop?"""
        running_vars = self.running_vars[-1]
        if isinstance(stmt, ast.Assert):  # `assert not loop.is_running()`
            return branch_guards(stmt.test, self.r.dotted, running_vars)[0]
        if isinstance(stmt, ast.If):
            _, else_guard = branch_guards(stmt.test, self.r.dotted, running_vars)
            return else_guard and terminates(stmt.body)
        if isinstance(stmt, ast.Try):
            running, _ = self._try_checks(stmt)
            if not running:
                return False
            falls_through = any(
                catches_runtime_error(h) and not terminates(h.body) for h in stmt.handlers
            )
            return falls_through and (
                terminates(stmt.orelse)
                or terminates(stmt.body)
                or self._raises_if_running(stmt.orelse)
            )
        return False

    def _raises_if_running(self, block: list[ast.stmt]) -> bool:
        """`else: if loop.is_running(): raise ...` after `loop = get_running_loop()`:
        the loop found is running, so the else branch always leaves."""
        return any(
            isinstance(s, ast.If)
            and branch_guards(s.test, self.r.dotted, self.running_vars[-1])[1]
            and terminates(s.body)
            for s in block
        )

    def _visit_stmt(self, stmt: ast.stmt) -> None:
        kind = type(stmt)
        if kind is ast.Assign:  # the only statement that binds a running loop
            for name in running_var_targets(stmt, self.r.dotted):
                self.running_vars[-1].add(name)
        elif kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
            self._visit_function(stmt)  # type: ignore[arg-type]
            return
        visit = _COMPOUND_VISITS.get(kind)
        if visit is not None:
            visit(self, stmt)
        elif (kind is ast.With or kind is ast.AsyncWith) and (
            expected := expected_names(stmt.items)  # type: ignore[attr-defined]
        ):
            for item in stmt.items:  # type: ignore[attr-defined]
                self._visit_node(item)
            saved_caught = self.state.caught
            self.state.caught = saved_caught + expected
            self._visit_body(stmt.body)  # type: ignore[attr-defined]
            self.state.caught = saved_caught
        else:
            if self.watched_values and kind is ast.ImportFrom:
                self._watched_import(stmt)  # type: ignore[arg-type]
            self._visit_generic_stmt(stmt)

    def _watched_import(self, stmt: ast.ImportFrom) -> None:
        """`from asyncio import iscoroutinefunction`: a watched API imported by name, which
        fails on the Python that removes it even if nothing calls it."""
        base = self.r.relative_base(stmt.level, stmt.module) if stmt.level else stmt.module
        for alias in stmt.names:
            dotted = f"{base}.{alias.name}"
            if dotted in self.watched_values:
                self._add_site(SiteKind.CALL, LoopApi.WATCHED_IMPORT, alias, dotted)
                if alias.asname:  # `as legacy`: a use of `legacy` below is a use of it
                    self.watched_tails |= {alias.asname}

    def _visit_generic_stmt(self, stmt: ast.stmt) -> None:
        kind = type(stmt)
        if kind is ast.AsyncFor and type(stmt.iter) is ast.Call:  # type: ignore[attr-defined]
            # `async for x in f()`: like `await f()`, `f` is async.
            self.awaited_calls.add(id(stmt.iter))  # type: ignore[attr-defined]
        if kind is ast.Assign or kind is ast.AnnAssign or kind is ast.Return or kind is ast.Expr:
            self._record_escapes(stmt)
            if kind is ast.Expr and type(stmt.value) is ast.Call:  # type: ignore[attr-defined]
                call = stmt.value  # type: ignore[attr-defined]
                self.statement_calls[id(call)] = "call"
                func = call.func
                if type(func) is ast.Attribute and type(func.value) is ast.Call:
                    self.statement_calls[id(func.value)] = "." + func.attr
            if (
                kind is ast.Assign
                and len(stmt.targets) == 1  # type: ignore[attr-defined]
                and type(stmt.targets[0]) in (ast.Name, ast.Attribute)  # type: ignore[attr-defined]
                and type(stmt.value) is ast.Call  # type: ignore[attr-defined]
            ):
                self.assigned_calls.add(id(stmt.value))  # type: ignore[attr-defined]
        simple = _SIMPLE_STMTS.get(kind)
        if simple is not None:  # the common statements: only expressions inside
            for name in simple:
                value = getattr(stmt, name)
                if value is None:
                    continue
                if name == "annotation":
                    self.annotation_depth += 1
                    self._visit_expr(value)
                    self.annotation_depth -= 1
                    continue
                if type(value) is list:
                    for item in value:
                        self._visit_expr(item)
                else:
                    self._visit_expr(value)
            return
        for field_name, value in ast.iter_fields(stmt):
            if isinstance(value, list):
                if value and isinstance(value[0], ast.stmt):
                    self._visit_body(value)
                else:
                    for item in value:
                        if isinstance(item, ast.expr):
                            self._visit_expr(item)
                        elif isinstance(item, ast.AST):
                            self._visit_node(item)
            elif isinstance(value, ast.expr):
                self._visit_expr(value)
            elif isinstance(value, ast.AST) and field_name != "ctx":
                self._visit_node(value)

    def _visit_node(self, node: ast.AST) -> None:
        """Non-expression, non-statement nodes (withitem, match_case, keyword...)."""
        for value in ast.iter_fields(node):
            child = value[1]
            items = child if isinstance(child, list) else [child]
            if items and isinstance(items[0], ast.stmt):
                self._visit_body(items)
                continue
            for item in items:
                if isinstance(item, ast.expr):
                    self._visit_expr(item)
                elif isinstance(item, ast.AST):
                    self._visit_node(item)

    def _visit_if(self, stmt: ast.If) -> None:
        if self._is_main_test(stmt.test) and len(self.r.stack) == 1:
            self.facts.has_main_block = True
            saved = self.state.in_main
            self.state.in_main = True
            self._visit_body(stmt.body)
            self.state.in_main = saved
            self._visit_body(stmt.orelse)
            return
        self._visit_expr(stmt.test)
        body_guard, else_guard = branch_guards(stmt.test, self.r.dotted, self.running_vars[-1])
        body_below, else_below = version_bounds(stmt.test, self.r.dotted)
        outer = self.coroutine_only
        self.coroutine_only = outer | self._coroutine_checked(stmt.test)
        # `if loop.is_running():` / `if not ...:`: which branch only runs on a running loop.
        test = stmt.test
        negated = isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not)
        atom = test.operand if isinstance(test, ast.UnaryOp) and negated else test
        checks = is_running_atom(atom, self.r.dotted, self.running_vars[-1])
        self._visit_guarded(stmt.body, body_guard, body_below, running=checks and not negated)
        self.coroutine_only = outer
        self._visit_guarded(stmt.orelse, else_guard, else_below, running=checks and negated)

    def _coroutine_checked(self, test: ast.expr) -> frozenset[str]:
        """`f` in `if iscoroutinefunction(f)` (inspect's, asyncio's or a project's own
        of that name), as a dotted name."""
        if not isinstance(test, ast.Call) or len(test.args) != 1:
            return frozenset()
        if last_attr(test.func) not in ("iscoroutinefunction", "is_async_callable"):
            return frozenset()
        dotted = self.r.dotted(test.args[0])
        return frozenset({dotted}) if dotted else frozenset()

    def _visit_guarded(
        self,
        body: list[ast.stmt],
        guard: bool,
        below: tuple[int, ...] | None = None,
        running: bool = False,
    ) -> None:
        """`guard`: the body runs only with no loop running; `running`: only with one."""
        state = self.state
        saved, saved_below, saved_running = state.guarded, state.runs_below, state.loop_running
        state.guarded = saved or guard
        state.loop_running = saved_running or running
        if below is not None and (saved_below is None or below < saved_below):
            state.runs_below = below
        self._visit_body(body)
        state.guarded, state.runs_below, state.loop_running = saved, saved_below, saved_running

    def _try_checks(self, stmt: ast.Try) -> tuple[bool, bool]:
        cached = self.try_cache.get(id(stmt))
        if cached is None:
            cached = self.try_cache[id(stmt)] = try_checks(stmt.body, self.r.dotted)
        return cached

    def _visit_try(self, stmt: ast.Try) -> None:
        running, _ = self._try_checks(stmt)
        handlers = [h for h in stmt.handlers if catches_runtime_error(h)]
        saved_fetch, saved_makes = self.state.fetch_try, self.state.fetch_try_makes_loop
        saved_caught = self.state.caught
        if handlers:
            self.state.fetch_try = True
            self.state.fetch_try_makes_loop = any(
                self.r.dotted(call.func).rpartition(".")[2] == "new_event_loop"
                for handler in handlers
                for call in calls_in(handler.body)
            )
        self.state.caught = saved_caught + tuple(
            name for handler in stmt.handlers for name in handled_names(handler)
        )
        # `try: from asyncio import coroutine` / `except ImportError:` runs its body and
        # else branch only where the API still exists (rare: imports by name only).
        below = import_shim_bound(stmt) if stmt.handlers and self.watched_values else None
        # `try: asyncio.get_running_loop()` ... `else:`: past the check a loop runs.
        self._visit_guarded(stmt.body, False, below, running=running)
        self.state.fetch_try, self.state.fetch_try_makes_loop = saved_fetch, saved_makes
        self.state.caught = saved_caught
        for handler in stmt.handlers:
            if handler.type is not None:
                self._visit_expr(handler.type)
            guard = running and catches_runtime_error(handler)
            self._visit_guarded(handler.body, guard)
        self._visit_guarded(stmt.orelse, False, below, running=running)
        self._visit_body(stmt.finalbody)

    @staticmethod
    def _is_main_test(test: ast.expr) -> bool:
        if not isinstance(test, ast.Compare) or len(test.ops) != 1:
            return False
        if not isinstance(test.ops[0], ast.Eq):
            return False
        sides = [test.left, test.comparators[0]]
        names = [s for s in sides if isinstance(s, ast.Name) and s.id == "__name__"]
        consts = [s for s in sides if isinstance(s, ast.Constant) and s.value == "__main__"]
        return bool(names and consts)

    def _record_escapes(self, stmt: ast.stmt) -> None:
        """Functions stored (in a container, an attribute, a global) or returned here:
        code no one can see may call them later."""
        value = getattr(stmt, "value", None)
        if value is None or type(value) not in _MAY_STORE:
            return  # most statements: a call, a constant, arithmetic
        how = ""
        if isinstance(stmt, ast.Return):
            how = "returned"
        elif isinstance(stmt, ast.Expr):
            if not isinstance(value, (ast.Yield, ast.YieldFrom)) or value.value is None:
                return
            value, how = value.value, "yielded"
        else:
            targets = stmt.targets if isinstance(stmt, ast.Assign) else [stmt.target]  # type: ignore[attr-defined]
            names = [t for t in targets if isinstance(t, ast.Name)]
            if len(names) == len(targets):
                if self.r.stack[-1].kind != "module":
                    if names[0].id in self._declared_global():
                        how = f"stored in the global `{names[0].id}`"
                    elif isinstance(value, (ast.List, ast.Tuple, ast.Set, ast.Dict)):
                        how = "stored in a container"
                    else:
                        return  # a local name: its calls are followed like the function's

                elif names[0].id == "__all__":
                    self._record_all(value)
                    return
                else:
                    how = f"bound to the global `{names[0].id}`"
            else:
                how = "stored in an attribute or item"
        for ref in _stored_values(value):
            if isinstance(ref, (ast.Name, ast.Attribute)):
                resolved = self.r.resolve(ref)
                if resolved is None or not resolved[0]:
                    continue
                dotted, self_class, via_super = resolved
                if dotted in apis.RUN_APIS or dotted.endswith("()"):
                    continue  # a call's result (`value = f(); return value`), not `f`
                call = Call(dotted, ref.lineno, self_class, via_super, is_value=True, stored=how)
                func = self._current_function()
                (
                    own_list(func, "escapes") if func else own_list(self.facts, "module_escapes")
                ).append(call)

    def _declared_global(self) -> frozenset[str]:
        """Names the current function declares `global` or `nonlocal`."""
        scope = self.r.stack[-1]
        node = self.function_nodes.get(scope.qualname)
        if node is None:
            return frozenset()
        cached = self.global_names.get(scope.qualname)
        if cached is None:
            cached = self.global_names[scope.qualname] = frozenset(
                name
                for stmt in walk_scope(node.body)
                if isinstance(stmt, (ast.Global, ast.Nonlocal))
                for name in stmt.names
            )
        return cached

    def _record_all(self, value: ast.expr) -> None:
        if self.facts.dunder_all is None:
            self.facts.dunder_all = []
        if isinstance(value, (ast.List, ast.Tuple)):
            self.facts.dunder_all.extend(
                e.value
                for e in value.elts
                if isinstance(e, ast.Constant) and isinstance(e.value, str)
            )

    # ------------------------------------------------------------------ definitions
    def _current_function(self) -> Function | None:
        for scope in reversed(self.r.stack):
            if scope.kind == "function":
                return scope.func
            if scope.kind == "class":
                return None
        return None

    def _scope_qualname(self) -> str:
        for scope in reversed(self.r.stack):
            if scope.kind in ("function", "class"):
                return scope.qualname
        return ""

    def _scope_kind(self) -> ScopeKind:
        if self.thread_scope:
            return ScopeKind.THREAD
        for scope in reversed(self.r.stack):
            if scope.kind == "function":
                return ScopeKind.ASYNC if scope.is_async else ScopeKind.SYNC
            if scope.kind == "class":
                return ScopeKind.MODULE
        return ScopeKind.MODULE

    def _function_scope(self) -> Scope | None:
        for scope in reversed(self.r.stack):
            if scope.kind == "function":
                return scope
            if scope.kind == "class":
                return None
        return None

    def _child_names(self, name: str) -> tuple[str, str]:
        """(qualname, module-qualified name) of a def or class in the current scope."""
        parent = self.r.stack[-1]
        qualname = f"{parent.qualname}.{name}" if parent.qualname else name
        return qualname, f"{self.facts.module}.{qualname}"

    def _visit_function(self, node: FuncDef) -> None:
        qualname, dotted = self._child_names(node.name)  # expressions push no scopes
        for decorator in node.decorator_list:
            self.decorator_of[id(decorator)] = qualname
            self._visit_expr(decorator)
        args = node.args
        if args.defaults or args.kw_defaults:
            self._visit_arguments(args)
        returns = node.returns
        # A plain name as the annotation (`-> int`) is nothing to record: skip the visit.
        if returns is not None and type(returns) is not ast.Name:
            self.annotation_depth += 1
            self._visit_expr(returns)
            self.annotation_depth -= 1
        parent = self.r.stack[-1]
        is_async = type(node) is ast.AsyncFunctionDef
        # The def's text, for the cheap checks before walks: `yield`, trigger tokens.
        end = node.end_lineno
        text = "\n".join(self.lines[node.lineno - 1 : end]) if end is not None else None
        func = Function(
            qualname,
            is_async,
            node.lineno,
            parent.dotted if parent.kind == "class" else "",
            parent.qualname if parent.kind == "function" else "",
            params=[a.arg for a in (*args.posonlyargs, *args.args, *args.kwonlyargs)],
            is_generator=(
                ("yield" in text if text is not None else self._mentions_yield(node))
                and yields(node)
            ),
            async_def=is_async,
        )
        if func.is_generator:
            func.yield_shape, func.yield_from_calls = yield_shape(node)
        if node.decorator_list:
            for decorator in node.decorator_list:
                self._record_decorator(func, decorator)
            if not apis.GENERATOR_COROUTINES.isdisjoint(func.decorators):
                func.is_async = True  # a generator-based coroutine: it runs inside the loop
        self.facts.functions[qualname] = func
        if self.defer and self._deferrable(node, text):
            func.deferred_start, func.deferred_end = node.lineno, node.end_lineno or node.lineno
            return
        scope = Scope(kind="function", qualname=qualname, dotted=dotted, is_async=func.is_async)
        scope.func = func
        if parent.kind == "class" and node.args.args and not _is_static(node):
            scope.class_dotted = parent.dotted
            scope.self_name = node.args.args[0].arg
        stmts = walk_scope(node.body)
        scope.bindings = collect_bindings(stmts, self.r, dotted)
        params = [*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs]
        params += [a for a in (node.args.vararg, node.args.kwarg) if a is not None]
        for arg in params:
            # A parameter hides a module-level function of the same name (a fixture
            # `event_loop` and a parameter `event_loop` are different things).
            scope.bindings[arg.arg] = SHADOWED
            if arg.annotation is not None and arg.arg != scope.self_name:
                # `config: Config`: calls on it are calls of Config's methods.
                annotated = self._annotated_class(arg.annotation)
                if annotated:
                    scope.bindings[arg.arg] = annotated + "()"
        self.r.stack.append(scope)
        self._bind_assignments(stmts, scope)
        self.function_nodes[qualname] = node
        if node.name == "event_loop" and any(
            d.rstrip("()") in apis.PYTEST_FIXTURES for d in func.decorators
        ):
            self._add_site(SiteKind.FIXTURE, LoopApi.EVENT_LOOP_FIXTURE, node, whole_def=True)
        saved_state = self.state
        # A def under a version check exists only on those versions: so does its body.
        self.state = SiteState(in_main=saved_state.in_main, runs_below=saved_state.runs_below)
        self.running_vars.append(set())
        saved_thread = self.thread_scope
        self.thread_scope = 0
        self._visit_body(node.body)
        self.thread_scope = saved_thread
        self.running_vars.pop()
        self.state = saved_state
        self.r.stack.pop()
        own: list[ast.AST] | None = None
        if qualname in self.lifetime_scopes:
            own = own_nodes(node.body)
            scoped = self.scope_sites.get(qualname, [])
            mark_lifetimes(own, scoped, qualname, method=parent.kind == "class")
        if qualname in self.loop_run_scopes:
            mine = loop_run_sites(self.scope_sites.get(qualname, []), qualname, local=True)
            if mine:
                mark_loop_uses(own or own_nodes(node.body), mine)

    def _mentions_yield(self, node: FuncDef) -> bool:
        """A cheap text check before walking the body for a `yield`."""
        lines = self.lines[node.lineno - 1 : node.end_lineno or node.lineno]
        return any("yield" in line for line in lines)

    def _deferrable(self, node: FuncDef, text: str | None = None) -> bool:
        """A top-level function or method whose text (`text`, when the caller joined its
        lines already) holds no trigger token."""
        for scope in self.r.stack:
            if scope.kind == "function":
                return False
        if text is None:
            text = "\n".join(self.lines[node.lineno - 1 : node.end_lineno])
        if ".result(" in text:
            return False  # a blocking wait on a future (LS105), maybe in a nested coroutine
        if not any(map(text.__contains__, self.triggers)):  # no generator: every def
            return True
        # A loop library named, but maybe only for `asyncio.sleep()`: a site needs one of
        # the site words, in ASCII text (Python reads fullwidth letters as `run` too: NFKC).
        # A class body's names are no help: its methods do not see them (`Resolver.lookup`).
        return text.isascii() and self.site_words.isdisjoint(_WORDS.findall(text))

    def _visit_arguments(self, args: ast.arguments) -> None:
        for default in (*args.defaults, *args.kw_defaults):
            if default is not None:
                self._visit_expr(default)

    def _record_decorator(self, func: Function, decorator: ast.expr) -> None:
        target = decorator.func if isinstance(decorator, ast.Call) else decorator
        dotted = self.r.dotted(target)
        if not dotted and isinstance(target, ast.Attribute):
            dotted = "?." + target.attr
        if not dotted and isinstance(target, ast.Name):
            dotted = "?." + target.id
        kwargs: dict[str, str] = {}
        if isinstance(decorator, ast.Call):
            dotted += "()"
            for kw in decorator.keywords:
                if kw.arg and isinstance(kw.value, ast.Constant):
                    kwargs[kw.arg] = str(kw.value.value)
            if dotted == "pytest.mark.usefixtures()":
                own_list(func, "usefixtures").extend(
                    a.value
                    for a in decorator.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
        own_list(func, "decorators").append(dotted)
        own_list(func, "decorator_kwargs").append(kwargs)
        if dotted.rstrip("()") == apis.PYTEST_ASYNCIO_MARK:
            func.has_asyncio_mark = True

    def _visit_class(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self._visit_expr(decorator)
        for base in node.bases:
            self._visit_expr(base)
        for kw in node.keywords:
            self._visit_expr(kw.value)
        qualname, dotted = self._child_names(node.name)
        info = ClassInfo(
            qualname=qualname,
            line=node.lineno,
            bases=[b for b in (self.r.dotted(base) for base in node.bases) if b] or EMPTY_LIST,
        )
        info.has_asyncio_mark = bool(node.decorator_list) and any(
            self.r.dotted(d.func if isinstance(d, ast.Call) else d) == apis.PYTEST_ASYNCIO_MARK
            for d in node.decorator_list
        )
        self.facts.classes[qualname] = info
        scope = Scope(kind="class", qualname=qualname, dotted=dotted)
        scope.bindings = collect_bindings(walk_scope(node.body), self.r, dotted)
        self._prepare_class_attrs(node, dotted)
        info.attrs = self.r.class_attrs.get(dotted) or EMPTY_DICT  # most classes: none
        self.r.stack.append(scope)
        for item in node.body:
            kind = type(item)
            if kind is ast.FunctionDef or kind is ast.AsyncFunctionDef:
                name = item.name  # type: ignore[attr-defined]
                if name in ("__enter__", "__aenter__"):
                    own_dict(info, "enters")[name] = _returns_self(item)  # type: ignore[arg-type]
                info.methods.append(name)
                continue
            if kind is not ast.Assign:
                continue
            assert isinstance(item, ast.Assign)
            made = self._made(item)
            if made:
                own_dict(info, "made")[made[0]] = made[1]
            if isinstance(item.value, (ast.List, ast.Tuple)):
                names = [self._ref_name(e) for e in item.value.elts]
                for target in item.targets:
                    if isinstance(target, ast.Name):
                        own_dict(info, "list_attrs")[target.id] = [n for n in names if n]
            if any(isinstance(t, ast.Name) and t.id == "pytestmark" for t in item.targets):
                info.has_asyncio_mark |= self._is_asyncio_mark_value(item.value)
        self._visit_body(node.body)
        self.r.stack.pop()
        mark_attribute_lifetimes(node, self.owner_sites.get(qualname, []), qualname)
        if qualname in self.loop_run_owners:
            mine = loop_run_sites(self.owner_sites.get(qualname, []), qualname, local=False)
            if mine:
                mark_loop_uses(walk_nodes(node), mine)

    def _made(self, stmt: ast.stmt) -> tuple[str, tuple[str, str]] | None:
        """`name = helper(f, ...)`: a callable made from a function by a helper."""
        if not isinstance(stmt, ast.Assign) or len(stmt.targets) != 1:
            return None
        target, value = stmt.targets[0], stmt.value
        if not isinstance(target, ast.Name) or not isinstance(value, ast.Call) or not value.args:
            return None
        helper = self.r.dotted(value.func)
        first = value.args[0]
        if not helper or not isinstance(first, (ast.Name, ast.Attribute)):
            return None
        return target.id, (helper, self.r.dotted(first))

    def _ref_name(self, node: ast.expr) -> str:
        if isinstance(node, ast.Call):  # arq: cron(f, ...)
            if node.args:
                return self.r.dotted(node.args[0])
            return ""
        return self.r.dotted(node)

    def _is_asyncio_mark_value(self, value: ast.expr) -> bool:
        items = value.elts if isinstance(value, (ast.List, ast.Tuple)) else [value]
        for item in items:
            target = item.func if isinstance(item, ast.Call) else item
            if self.r.dotted(target) == apis.PYTEST_ASYNCIO_MARK:
                return True
        return False

    def _module_marks(self, body: list[ast.stmt]) -> None:
        for stmt in body:
            if isinstance(stmt, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in stmt.targets
            ):
                self.facts.has_module_asyncio_mark |= self._is_asyncio_mark_value(stmt.value)

    # ------------------------------------------------------------------ expressions
    def _visit_expr(self, node: ast.expr) -> None:
        # Hot loop: dispatch on exact types, skip leaves without touching their fields.
        todo: list[ast.AST] = [node]
        pop, push, extend = todo.pop, todo.append, todo.extend
        while todo:
            current = pop()
            kind = type(current)
            if kind is ast.Name:
                if current.id in self.watched_tails:  # type: ignore[attr-defined]
                    self._watched_reference(current)  # type: ignore[arg-type]
                continue
            if kind is ast.Constant:
                continue
            if kind is ast.Call:
                self._visit_call(current)  # type: ignore[arg-type]
                continue
            if kind is ast.Await and type(current.value) is ast.Call:  # type: ignore[attr-defined]
                self.awaited_calls.add(id(current.value))  # type: ignore[attr-defined]
            if kind is ast.Attribute:
                if current.attr in self.watched_tails:  # type: ignore[attr-defined]
                    self._watched_reference(current)  # type: ignore[arg-type]
                push(current.value)  # type: ignore[attr-defined]
                continue
            if kind is ast.Lambda:
                self._visit_arguments(current.args)  # type: ignore[attr-defined]
                self._visit_lambda_body(current, thread=False)  # type: ignore[arg-type]
                continue
            if kind is ast.GeneratorExp:
                self.lambda_depth += 1
                for child in ast.iter_child_nodes(current):
                    if isinstance(child, ast.expr):
                        self._visit_expr(child)
                    elif isinstance(child, ast.comprehension):
                        self._visit_node(child)
                self.lambda_depth -= 1
                continue
            for name in current._fields:
                value = getattr(current, name, None)
                if value is None:
                    continue
                if type(value) is list:
                    extend(v for v in value if isinstance(v, ast.AST))
                elif isinstance(value, ast.AST) and not isinstance(
                    value, (ast.expr_context, ast.operator, ast.unaryop, ast.boolop, ast.cmpop)
                ):
                    push(value)

    def _watched_reference(self, node: ast.Name | ast.Attribute) -> None:
        """A watched API named but not called here (`f = asyncio.iscoroutinefunction`)."""
        if not isinstance(node.ctx, ast.Load) or self.annotation_depth:
            return
        dotted = self.r.dotted(node)
        if dotted in self.watched_values:
            self._add_site(SiteKind.CALL, LoopApi.WATCHED_CALL, node, dotted)

    def _visit_lambda_body(self, node: ast.Lambda, thread: bool) -> None:
        if thread:
            self.thread_scope += 1
        self.lambda_depth += 1
        self._visit_expr(node.body)
        self.lambda_depth -= 1
        if thread:
            self.thread_scope -= 1

    def _visit_call(self, node: ast.Call) -> None:
        resolved = self.r.resolve(node.func)
        dotted, self_class, via_super = resolved if resolved else ("", "", False)
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else ""
        self._classify_site(node, dotted, attr)
        if dotted and dotted not in apis.RUN_APIS and dotted not in self.coroutine_only:
            col = char_col(self.lines, node.lineno, node.col_offset + 1)
            call = Call(dotted, node.lineno, self_class, via_super, col=col)
            call.awaited = id(node) in self.awaited_calls
            self._add_call(call)
        # The callee expression itself (receivers, chained calls).
        if isinstance(func, ast.Attribute):
            self._visit_expr(func.value)
        elif not isinstance(func, ast.Name):
            self._visit_expr(func)
        special = self._special_argument(node, dotted, attr)
        if attr in _INSPECTORS and not special:
            special = _INSPECTED  # `iscoroutinefunction(f)` looks at `f`, never runs it
        elif attr in _LATER and not special and (attr != "register" or dotted == "atexit.register"):
            special = _REGISTERED
        for index, arg in enumerate(node.args):
            role = special.get(str(index), "")
            self._visit_argument(arg, role, (dotted, str(index)))
        for kw in node.keywords:
            role = special.get(kw.arg or "", "")
            self._visit_argument(kw.value, role, (dotted, kw.arg or ""))

    def _special_argument(self, node: ast.Call, dotted: str, attr: str) -> dict[str, str]:
        """Which arguments (by position or keyword) are functions run elsewhere."""
        if (
            attr not in _SPECIAL_ATTRS
            and dotted not in apis.THREAD_FUNCTIONS
            and dotted not in self.thread_apis
        ):
            return _NO_ROLES
        roles: dict[str, str] = {}

        def mark(position: int, keyword: str, role: str) -> None:
            if position >= 0:
                roles[str(position)] = role
            if keyword:
                roles[keyword] = role

        thread_fn = apis.THREAD_FUNCTIONS.get(dotted)
        if thread_fn is None and dotted in self.thread_apis:
            thread_fn = (0, "")
        if thread_fn is not None:
            mark(*thread_fn, "thread")
        elif attr in apis.THREAD_METHODS:
            mark(*apis.THREAD_METHODS[attr], "thread")
        elif attr == "map" and self._is_executor(node.func):
            mark(0, "fn", "thread")
        elif attr in apis.LOOP_CALLBACK_METHODS:
            mark(apis.LOOP_CALLBACK_METHODS[attr], "callback", "callback")
        elif attr in apis.WORKER_METHODS:
            mark(*apis.WORKER_METHODS[attr], "worker")
        return roles

    def _is_executor(self, func: ast.expr) -> bool:
        if not isinstance(func, ast.Attribute):
            return False
        receiver = func.value
        name = ""
        if isinstance(receiver, ast.Name):
            name = receiver.id
        elif isinstance(receiver, ast.Attribute):
            name = receiver.attr
        if apis.EXECUTOR_NAME.search(name):
            return True
        base = self.r.dotted(receiver)
        return base.rstrip("()") in apis.EXECUTOR_CLASSES

    def _visit_argument(self, arg: ast.expr, role: str, passed: tuple[str, str] = ("", "")) -> None:
        if isinstance(arg, ast.Starred):
            arg = arg.value
            passed = (passed[0], "")  # `*args`: the position is unknown
        if role in ("thread", "callback") and isinstance(arg, ast.Name):
            self._hand_param(arg.id, role)
        if role == "thread" and isinstance(arg, ast.Lambda):
            self._visit_arguments(arg.args)
            self._visit_lambda_body(arg, thread=True)
            return
        if (
            isinstance(arg, ast.Call)
            and last_attr(arg.func) == "partial"
            and self.r.dotted(arg.func) == "functools.partial"
        ):
            if arg.args:
                self._visit_argument(arg.args[0], role)
                for rest in arg.args[1:]:
                    self._visit_expr(rest)
                for kw in arg.keywords:
                    self._visit_expr(kw.value)
                return
        if isinstance(arg, (ast.Name, ast.Attribute)):
            resolved = self.r.resolve(arg)
            if resolved is not None:
                dotted, self_class, via_super = resolved
                if dotted in apis.RUN_APIS:
                    self._add_site(
                        SiteKind.RUN,
                        apis.RUN_APIS[dotted],
                        arg,
                        dotted,
                        thread_api="thread" if role == "thread" else "",
                    )
                    return
                if dotted in self.watched_values:  # a watched API handed on as a value
                    self._add_site(SiteKind.CALL, LoopApi.WATCHED_CALL, arg, dotted)
                ref = Call(dotted, arg.lineno, self_class, via_super, is_value=True)
                ref.passed_to, ref.passed_as = passed
                self._add_ref(ref, role)
                if isinstance(arg, ast.Attribute):
                    self._visit_expr(arg.value)
                return
            if role and isinstance(arg, ast.Attribute):
                # `Thread(target=cls._run)` on an object of unknown type: the project
                # graph may still find the one function of that name.
                self._add_ref(Call("?." + arg.attr, arg.lineno, is_value=True), role)
        self._visit_expr(arg)

    def _hand_param(self, name: str, role: str) -> None:
        """`to_thread(fn)` where `fn` is a parameter of this or an enclosing function."""
        for scope in reversed(self.r.stack):
            if scope.kind == "class":
                return
            func = scope.func if scope.kind == "function" else None
            if func is not None and name in func.params:
                own_dict(func, "handed_params").setdefault(name, role)
                return

    def _add_ref(self, ref: Call, role: str) -> None:
        if role == "inspected":
            return
        func = self._current_function()
        if role == "later":
            ref.stored = _RUN_LATER
            (own_list(func, "escapes") if func else own_list(self.facts, "module_escapes")).append(
                ref
            )
            return
        if role == "thread" or self.thread_scope:
            targets = (
                own_list(func, "thread_targets")
                if func
                else own_list(self.facts, "module_thread_targets")
            )
            targets.append(ref)
        elif role == "callback":
            callbacks = (
                own_list(func, "loop_callbacks")
                if func
                else own_list(self.facts, "module_loop_callbacks")
            )
            callbacks.append(ref)
        elif role == "worker":
            workers = (
                own_list(func, "worker_targets")
                if func
                else own_list(self.facts, "module_worker_targets")
            )
            workers.append(ref)
        elif func is not None:
            # A function handed to another inside a body is most likely called back there;
            # at import time it is being registered (`cli.add_command(f)`), not run.
            self._add_call(ref)

    def _add_call(self, call: Call) -> None:
        if self.thread_scope:
            func = self._current_function()
            targets = (
                own_list(func, "thread_targets")
                if func
                else own_list(self.facts, "module_thread_targets")
            )
            targets.append(call)
            return
        func = self._current_function()
        if func is not None:
            own_list(func, "calls").append(call)
            if call.target.rstrip("()") in apis.ARGPARSE_PARSERS:
                func.uses_argparse = True
        elif self.state.in_main:
            own_list(self.facts, "main_calls").append(call)
        else:
            self.facts.module_calls.append(call)

    # ------------------------------------------------------------------ sites


# Statements after which `_exits_when_running` may say the rest of a block runs without a
# loop (it answers False for any other kind without looking).
_MAY_EXIT = frozenset({ast.Assert, ast.If, ast.Try})
# The compound statements `_visit_stmt` hands to a visit of their own.
_COMPOUND_VISITS: dict[type, Any] = {
    ast.ClassDef: _Extractor._visit_class,
    ast.If: _Extractor._visit_if,
    ast.Try: _Extractor._visit_try,
}
if hasattr(ast, "TryStar"):
    _COMPOUND_VISITS[ast.TryStar] = _Extractor._visit_try

_MAY_STORE = frozenset(
    {ast.Name, ast.Attribute, ast.List, ast.Tuple, ast.Set, ast.Dict, ast.Yield, ast.YieldFrom}
)


# Annotations naming these are no project classes whose methods calls could run.
_NOT_CLASSES = frozenset({"typing", "typing_extensions", "collections", "builtins", "abc"})


def _returns_self(node: FuncDef) -> bool:
    """Does every `return` of this method return its first parameter (`return self`)?"""
    if not node.args.args:
        return False
    name = node.args.args[0].arg
    returns = [n for n in walk_scope(node.body) if isinstance(n, ast.Return)]
    return bool(returns) and all(
        isinstance(r.value, ast.Name) and r.value.id == name for r in returns
    )


def _is_none(node: ast.expr) -> bool:
    return isinstance(node, ast.Constant) and node.value is None


def _stored_values(value: ast.expr) -> list[ast.expr]:
    """The expressions a value stores as they are: itself, or a container's items."""
    if isinstance(value, (ast.List, ast.Tuple, ast.Set)):
        return [v for e in value.elts for v in _stored_values(e)]
    if isinstance(value, ast.Dict):
        return [v for e in value.values for v in _stored_values(e)]
    if isinstance(value, (ast.Name, ast.Attribute)):
        return [value]
    return []


def _is_toplevel_code(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, (ast.Call, ast.Await))
    if isinstance(stmt, ast.If):  # `if context.is_offline_mode(): offline() else: online()`
        if isinstance(stmt.test, ast.Compare) or "TYPE_CHECKING" in ast.dump(stmt.test):
            return False  # `if __name__ == ...` is the main block; version checks define
        return any(_is_toplevel_code(s) for s in (*stmt.body, *stmt.orelse))
    return isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith))


def _is_static(node: FuncDef) -> bool:
    return any(isinstance(d, ast.Name) and d.id == "staticmethod" for d in node.decorator_list)


def _star_names(source: str) -> tuple[str, ...]:
    if source == "asyncio":
        return (
            "run",
            "Runner",
            "get_event_loop",
            "new_event_loop",
            "set_event_loop",
            "get_running_loop",
            "get_event_loop_policy",
            "run_coroutine_threadsafe",
            "current_task",
            "to_thread",
        )
    if source in ("anyio", "trio", "uvloop"):
        return ("run",)
    if source == "nest_asyncio":
        return ("apply",)
    return ()


def _via_alias(site: Site) -> bool:
    """Is the loop API called through a name of the module's own (`_get_loop()`)?"""
    callee = site.text.partition("(")[0].strip()
    return callee.isidentifier() and callee != site.target.rpartition(".")[2]


def _parse_body(lines: list[str], start: int, end: int) -> FuncDef | None:
    """The def of lines `start`-`end` alone, at its place in the file; None when those
    lines are not one."""
    chunk = lines[start - 1 : end]
    indented = bool(chunk) and chunk[0][:1] in (" ", "\t")
    # An indented method parses as the body of `if 1:`, and keeps its columns; its
    # line numbers are shifted afterwards (blank lines in front to keep them made a
    # body's parse cost its line number: quadratic in big files).
    if indented:
        source = "if 1:\n" + "\n".join(chunk)
        shift = max(start - 2, 0)
    else:
        source = "\n".join(chunk)
        shift = start - 1
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return None
    if shift:
        ast.increment_lineno(tree, shift)
    node = tree.body[0].body[0] if indented else tree.body[0]  # type: ignore[attr-defined]
    return node if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else None


_PADDING = 8  # blank lines per body line that one parse of many bodies may add


def _parse_bodies(lines: list[str], waiting: list[tuple[str, Function]]) -> dict[str, FuncDef]:
    """The defs of many deferred bodies from one parse, each at its own lines with blank
    lines between them (an indented one under an `if 1:` on the line before it), so no
    line numbers need shifting: parsing and shifting each body alone cost more than
    reading it. Only when the bodies fill enough of the lines up to the last of them;
    {} when any of them fails (each is then parsed alone, as `_parse_body` would); the
    bodies that cannot be placed (no free line before them) are left out."""
    spans = sorted((f.deferred_start, f.deferred_end, q) for q, f in waiting)
    size = sum(end - start + 1 for start, end, _ in spans)
    if len(spans) < 2 or spans[-1][1] > _PADDING * size:
        return {}
    source: list[str] = []
    placed: list[tuple[str, bool]] = []
    for start, end, qualname in spans:
        chunk = lines[start - 1 : end]
        indented = bool(chunk) and chunk[0][:1] in (" ", "\t")
        first = start - 1 if indented else start  # the header's line, or the def's
        if not chunk or first <= len(source):
            continue
        source.extend([""] * (first - 1 - len(source)))
        if indented:
            source.append("if 1:")
        source.extend(chunk)
        placed.append((qualname, indented))
    try:
        tree = ast.parse("\n".join(source))
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        return {}
    if len(tree.body) != len(placed):
        return {}
    out: dict[str, FuncDef] = {}
    for (qualname, indented), stmt in zip(placed, tree.body, strict=True):
        node = stmt.body[0] if indented else stmt  # type: ignore[attr-defined]
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            out[qualname] = node
    return out
