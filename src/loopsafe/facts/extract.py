"""Turn one parsed module into `FileFacts`: sites, functions, calls, bindings.

One walk over the tree does it all. Statement visits carry the guard state (is this code
only reached when no loop runs?) and whether we are under `if __name__ == "__main__":`;
expression visits find sites, calls, and functions handed to threads, loops and queues.
"""

from __future__ import annotations

import ast
import io
import re
import tokenize
from dataclasses import dataclass

from loopsafe.facts import apis
from loopsafe.facts.guards import (
    branch_guards,
    catches_runtime_error,
    running_var_targets,
    terminates,
    try_checks,
)
from loopsafe.facts.model import (
    Call,
    ClassInfo,
    FileFacts,
    Function,
    ScopeKind,
    Site,
    SiteKind,
)
from loopsafe.facts.scopes import Resolver, Scope, collect_bindings, star_sources, walk_scope

_FuncDef = ast.FunctionDef | ast.AsyncFunctionDef
_LIFETIME_KINDS = (SiteKind.CREATE, SiteKind.SET)
_TRIGGERS = tuple(token.decode() for token in apis.TRIGGER_TOKENS)
_LOOP_LIBRARIES = frozenset({"asyncio", "anyio", "trio", "uvloop", "nest_asyncio"})
_SPECIAL_ATTRS = frozenset(
    {*apis.THREAD_METHODS, *apis.LOOP_CALLBACK_METHODS, *apis.WORKER_METHODS, "map"}
)
_NO_ROLES: dict[str, str] = {}
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
_LOOP_SOURCES = (
    *(f"{a}()" for a in apis.CREATE_APIS | apis.FETCH_APIS | apis.RUNNING_LOOP_APIS),
    *(f"{p}().new_event_loop()" for p in apis.POLICY_APIS),
    *(f"{p}().get_event_loop()" for p in apis.POLICY_APIS),
)
_SUPPRESS = re.compile(
    r"#\s*(?:noqa:\s*(?P<noqa>[A-Z]+\d+(?:[\s,]+[A-Z]+\d+)*)"
    r"|loopsafe:\s*ignore(?:\[(?P<codes>[A-Z0-9,\s]*)\])?)",
    re.IGNORECASE,
)
# Only a comment shaped like a suppression is worth tokenizing the file for.
_MAYBE_SUPPRESSED = re.compile(r"#\s*(?:noqa\s*:|loopsafe\s*:)", re.IGNORECASE)


@dataclass
class _State:
    guarded: bool = False
    in_main: bool = False
    fetch_try: bool = False  # inside a try whose handler catches RuntimeError


def extract(
    tree: ast.Module,
    text: str,
    module: str,
    is_package: bool = False,
    thread_apis: tuple[str, ...] = (),
    defer: bool = False,
) -> FileFacts:
    """`thread_apis`: extra dotted names whose first argument runs in a thread (config).

    `defer`: leave the bodies of top-level functions and methods that hold no trigger token
    unread (no site can be there); `expand_deferred` reads them if their calls matter."""
    extractor = _Extractor(tree, text, module, is_package, thread_apis)
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
    done: list[str] = []
    for qualname in qualnames:
        func = facts.functions.get(qualname)
        if func is None or not func.deferred_start:
            continue
        start, end = func.deferred_start, func.deferred_end
        chunk = lines[start - 1 : end]
        indented = bool(chunk) and chunk[0][:1] in (" ", "\t")
        # An indented method parses as the body of `if 1:`, and keeps its columns; blank
        # lines in front keep its line numbers.
        if indented:
            source = "\n" * (start - 2) + "if 1:\n" + "\n".join(chunk)
        else:
            source = "\n" * (start - 1) + "\n".join(chunk)
        try:
            tree = ast.parse(source)
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue
        node = tree.body[0].body[0] if indented else tree.body[0]  # type: ignore[attr-defined]
        if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
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
        func.uses_argparse = body.uses_argparse
        func.deferred_start = func.deferred_end = 0
        done.append(qualname)
        for name, nested in fresh.items():
            if name != qualname:
                facts.functions[name] = nested
                done.append(name)
    return done


def parse_suppressions(text: str) -> dict[int, tuple[str, ...]]:
    """line -> codes suppressed there ("" = every code). Only real comments count: the
    tokenizer tells them apart from `#` inside strings. `# noqa` must name an LS code, so
    flake8-style blanket or foreign-code noqa comments never hide a loop hazard."""
    out: dict[int, tuple[str, ...]] = {}
    if not _MAYBE_SUPPRESSED.search(text):
        return out
    for number, comment in _comments(text):
        for match in _SUPPRESS.finditer(comment):
            if match.group("noqa") is not None:
                codes = tuple(c.upper() for c in re.split(r"[\s,]+", match.group("noqa")) if c)
                codes = tuple(c for c in codes if c.startswith("LS"))
                if not codes:
                    continue  # other tools' codes only
            else:
                raw = match.group("codes") or ""
                codes = tuple(c.upper() for c in re.split(r"[\s,]+", raw) if c) or ("",)
            out[number] = out.get(number, ()) + codes
    return out


def _comments(text: str) -> list[tuple[int, str]]:
    """(line, comment text) of every comment that might be a suppression."""
    try:
        return [
            (token.start[0], token.string)
            for token in tokenize.generate_tokens(io.StringIO(text).readline)
            if token.type == tokenize.COMMENT and _MAYBE_SUPPRESSED.search(token.string)
        ]
    except (tokenize.TokenError, SyntaxError):
        # Syntax newer than the tokenizer: best effort, whole lines.
        return [
            (number, line[line.index("#") :])
            for number, line in enumerate(source_lines(text), start=1)
            if "#" in line and _MAYBE_SUPPRESSED.search(line)
        ]


class _Extractor:
    def __init__(
        self,
        tree: ast.Module,
        text: str,
        module: str,
        is_package: bool,
        thread_apis: tuple[str, ...] = (),
        read_suppressions: bool = True,
        lines: list[str] | None = None,
    ) -> None:
        self.tree = tree
        self.thread_apis = frozenset(thread_apis)
        self.defer = False
        self.triggers = _TRIGGERS
        self.lines = lines if lines is not None else source_lines(text)
        self.facts = FileFacts(module=module, is_package_init=is_package)
        self.r = Resolver(module, is_package)
        self.state = _State()
        self.running_vars: list[set[str]] = [set()]
        self.thread_scope = 0  # >0 while inside a lambda handed to a thread API
        self.function_nodes: dict[str, _FuncDef] = {}
        self.loop_run_scopes: set[str] = set()
        self.lifetime_scopes: set[str] = set()
        self.try_cache: dict[int, tuple[bool, bool]] = {}
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
            self.facts.star_imports.append(source)
            if source in ("asyncio", "anyio", "trio", "uvloop", "nest_asyncio"):
                for name in _star_names(source):
                    scope.bindings.setdefault(name, f"{source}.{name}")
        self._bind_assignments(stmts, scope)
        defined = {
            s.name
            for s in stmts
            if isinstance(s, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
        }
        self.facts.imports = {k: v for k, v in scope.bindings.items() if k not in defined}
        self.r.star_fallback = bool(self.facts.star_imports)
        self.facts.bindings = scope.bindings
        self.facts.star_fallback = self.r.star_fallback
        # Names bound to the loop libraries (`import asyncio as aio`, `from asyncio import
        # run`) make a body worth reading just like the library names themselves.
        self.triggers = _TRIGGERS + tuple(
            name
            for name, target in scope.bindings.items()
            if target.partition(".")[0] in _LOOP_LIBRARIES
        )
        for stmt in stmts:
            if isinstance(stmt, (ast.Import, ast.ImportFrom)):
                self._record_import(stmt)
        self.facts.has_toplevel_code = any(_is_toplevel_code(s) for s in body)
        self._visit_body(body)
        self._module_marks(body)
        if "" in self.lifetime_scopes:
            _mark_lifetimes(_own_nodes(body), self.facts.sites, "")
        for site in self.facts.sites:  # ast counts UTF-8 bytes; users count characters
            site.col = _char_col(self.lines, site.line, site.col)
            site.end_col = _char_col(self.lines, site.end_line, site.end_col)
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
                    if isinstance(item.optional_vars, ast.Name):
                        resolved = self.r.dotted(item.context_expr)
                        if resolved:
                            scope.bindings[item.optional_vars.id] = resolved
                continue
            else:
                continue
            if not isinstance(value, (ast.Call, ast.Name, ast.Attribute)):
                continue
            resolved = self.r.dotted(value)
            if not resolved:
                continue
            for target in targets:
                if isinstance(target, ast.Name):
                    if target.id in scope.bindings and isinstance(value, ast.Name):
                        continue
                    scope.bindings[target.id] = resolved
                    if is_module:
                        if isinstance(value, ast.Call):
                            self.facts.constructed[target.id] = resolved[:-2]
                        else:
                            self.facts.aliases[target.id] = resolved

    def _prepare_class_attrs(self, node: ast.ClassDef, dotted: str) -> None:
        """`self.attr = value` anywhere in the class's methods, for `self.attr.x()` lookups."""
        attrs = self.r.class_attrs.setdefault(dotted, {})
        for item in node.body:
            if not isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            if not item.args.args:
                continue
            self_name = item.args.args[0].arg
            for sub in walk_scope(item.body):
                if not isinstance(sub, (ast.Assign, ast.AnnAssign)) or sub.value is None:
                    continue
                targets = sub.targets if isinstance(sub, ast.Assign) else [sub.target]
                for target in targets:
                    if (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id == self_name
                        and isinstance(sub.value, ast.Call)
                    ):
                        resolved = self._resolve_outside_method(sub.value)
                        if resolved:
                            attrs.setdefault(target.attr, resolved)

    def _resolve_outside_method(self, node: ast.expr) -> str:
        return self.r.dotted(node)

    # ------------------------------------------------------------------ statements
    def _visit_body(self, body: list[ast.stmt]) -> None:
        saved = self.state.guarded
        for stmt in body:
            self._visit_stmt(stmt)
            if self._exits_when_running(stmt):
                self.state.guarded = True
        self.state.guarded = saved

    def _exits_when_running(self, stmt: ast.stmt) -> bool:
        """After this statement, is the rest of the block reached only without a loop?"""
        running_vars = self.running_vars[-1]
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
            return falls_through and (terminates(stmt.orelse) or terminates(stmt.body))
        return False

    def _visit_stmt(self, stmt: ast.stmt) -> None:
        for name in running_var_targets(stmt, self.r.dotted):
            self.running_vars[-1].add(name)
        if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef)):
            self._visit_function(stmt)
        elif isinstance(stmt, ast.ClassDef):
            self._visit_class(stmt)
        elif isinstance(stmt, ast.If):
            self._visit_if(stmt)
        elif isinstance(stmt, ast.Try) or type(stmt).__name__ == "TryStar":
            self._visit_try(stmt)  # type: ignore[arg-type]
        else:
            self._visit_generic_stmt(stmt)

    def _visit_generic_stmt(self, stmt: ast.stmt) -> None:
        simple = _SIMPLE_STMTS.get(type(stmt))
        if simple is not None:  # the common statements: only expressions inside
            for name in simple:
                value = getattr(stmt, name)
                if value is None:
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
        self._visit_guarded(stmt.body, body_guard)
        self._visit_guarded(stmt.orelse, else_guard)

    def _visit_guarded(self, body: list[ast.stmt], guard: bool) -> None:
        saved = self.state.guarded
        self.state.guarded = saved or guard
        self._visit_body(body)
        self.state.guarded = saved

    def _try_checks(self, stmt: ast.Try) -> tuple[bool, bool]:
        cached = self.try_cache.get(id(stmt))
        if cached is None:
            cached = self.try_cache[id(stmt)] = try_checks(stmt.body, self.r.dotted)
        return cached

    def _visit_try(self, stmt: ast.Try) -> None:
        running, _ = self._try_checks(stmt)
        handles = any(catches_runtime_error(h) for h in stmt.handlers)
        saved_fetch = self.state.fetch_try
        self.state.fetch_try = saved_fetch or handles
        self._visit_body(stmt.body)
        self.state.fetch_try = saved_fetch
        for handler in stmt.handlers:
            if handler.type is not None:
                self._visit_expr(handler.type)
            guard = running and catches_runtime_error(handler)
            self._visit_guarded(handler.body, guard)
        self._visit_body(stmt.orelse)
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

    def _scope_kind(self) -> str:
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

    def _visit_function(self, node: _FuncDef) -> None:
        for decorator in node.decorator_list:
            self._visit_expr(decorator)
        self._visit_arguments(node.args)
        if node.returns is not None:
            self._visit_expr(node.returns)
        parent = self.r.stack[-1]
        qualname = f"{parent.qualname}.{node.name}" if parent.qualname else node.name
        dotted = f"{self.facts.module}.{qualname}"
        func = Function(
            qualname=qualname,
            is_async=isinstance(node, ast.AsyncFunctionDef),
            line=node.lineno,
            class_name=parent.dotted if parent.kind == "class" else "",
            parent=parent.qualname if parent.kind == "function" else "",
            params=[
                a.arg for a in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs)
            ],
            is_generator=self._mentions_yield(node) and _yields(node),
        )
        for decorator in node.decorator_list:
            self._record_decorator(func, decorator)
        self.facts.functions[qualname] = func
        if self.defer and self._deferrable(node):
            func.deferred_start, func.deferred_end = node.lineno, node.end_lineno or node.lineno
            return
        scope = Scope(kind="function", qualname=qualname, dotted=dotted, is_async=func.is_async)
        scope.func = func
        if parent.kind == "class" and node.args.args and not _is_static(node):
            scope.class_dotted = parent.dotted
            scope.self_name = node.args.args[0].arg
        stmts = walk_scope(node.body)
        scope.bindings = collect_bindings(stmts, self.r, dotted)
        for arg in (*node.args.posonlyargs, *node.args.args, *node.args.kwonlyargs):
            scope.bindings.pop(arg.arg, None)
        self.r.stack.append(scope)
        self._bind_assignments(stmts, scope)
        self.function_nodes[qualname] = node
        if node.name == "event_loop" and any(
            d.rstrip("()") in apis.PYTEST_FIXTURES for d in func.decorators
        ):
            self._add_site(SiteKind.FIXTURE, "event_loop fixture", node, whole_def=True)
        saved_state = self.state
        self.state = _State(in_main=saved_state.in_main)
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
            own = _own_nodes(node.body)
            _mark_lifetimes(own, self.facts.sites, qualname)
        if qualname in self.loop_run_scopes:
            mine = _own_loop_sites(self.facts.sites, qualname, local=True)
            if mine:
                _mark_own_loops(own or _own_nodes(node.body), mine)

    def _mentions_yield(self, node: _FuncDef) -> bool:
        """A cheap text check before walking the body for a `yield`."""
        lines = self.lines[node.lineno - 1 : node.end_lineno or node.lineno]
        return any("yield" in line for line in lines)

    def _deferrable(self, node: _FuncDef) -> bool:
        """A top-level function or method whose text holds no trigger token."""
        if any(scope.kind == "function" for scope in self.r.stack):
            return False
        text = "\n".join(self.lines[node.lineno - 1 : node.end_lineno])
        if isinstance(node, ast.AsyncFunctionDef) and ".result(" in text:
            return False  # a blocking wait on a future (LS105) is judged from the body
        return not any(token in text for token in self.triggers)

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
                func.usefixtures.extend(
                    a.value
                    for a in decorator.args
                    if isinstance(a, ast.Constant) and isinstance(a.value, str)
                )
        func.decorators.append(dotted)
        func.decorator_kwargs.append(kwargs)
        if dotted.rstrip("()") == apis.PYTEST_ASYNCIO_MARK:
            func.has_asyncio_mark = True

    def _visit_class(self, node: ast.ClassDef) -> None:
        for decorator in node.decorator_list:
            self._visit_expr(decorator)
        for base in node.bases:
            self._visit_expr(base)
        for kw in node.keywords:
            self._visit_expr(kw.value)
        parent = self.r.stack[-1]
        qualname = f"{parent.qualname}.{node.name}" if parent.qualname else node.name
        dotted = f"{self.facts.module}.{qualname}"
        info = ClassInfo(
            qualname=qualname,
            line=node.lineno,
            bases=[b for b in (self.r.dotted(base) for base in node.bases) if b],
        )
        info.has_asyncio_mark = any(
            self.r.dotted(d.func if isinstance(d, ast.Call) else d) == apis.PYTEST_ASYNCIO_MARK
            for d in node.decorator_list
        )
        self.facts.classes[qualname] = info
        scope = Scope(kind="class", qualname=qualname, dotted=dotted)
        scope.bindings = collect_bindings(walk_scope(node.body), self.r, dotted)
        self._prepare_class_attrs(node, dotted)
        info.attrs = self.r.class_attrs.get(dotted, {})
        self.r.stack.append(scope)
        for item in node.body:
            if isinstance(item, (ast.FunctionDef, ast.AsyncFunctionDef)):
                info.methods.append(item.name)
            elif isinstance(item, ast.Assign) and isinstance(item.value, (ast.List, ast.Tuple)):
                names = [self._ref_name(e) for e in item.value.elts]
                for target in item.targets:
                    if isinstance(target, ast.Name):
                        info.list_attrs[target.id] = [n for n in names if n]
            if isinstance(item, ast.Assign) and any(
                isinstance(t, ast.Name) and t.id == "pytestmark" for t in item.targets
            ):
                info.has_asyncio_mark |= self._is_asyncio_mark_value(item.value)
        self._visit_body(node.body)
        self.r.stack.pop()
        _mark_attribute_lifetimes(node, self.facts.sites, qualname)
        if any(s.rpartition(".")[0] == qualname for s in self.loop_run_scopes):
            mine = _own_loop_sites(self.facts.sites, qualname, local=False)
            if mine:
                _mark_own_loops(_walk_nodes(node), mine)

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
            if kind is ast.Name or kind is ast.Constant:
                continue
            if kind is ast.Call:
                self._visit_call(current)  # type: ignore[arg-type]
                continue
            if kind is ast.Attribute:
                push(current.value)  # type: ignore[attr-defined]
                continue
            if kind is ast.Lambda:
                self._visit_arguments(current.args)  # type: ignore[attr-defined]
                self._visit_lambda_body(current, thread=False)  # type: ignore[arg-type]
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

    def _visit_lambda_body(self, node: ast.Lambda, thread: bool) -> None:
        if thread:
            self.thread_scope += 1
        self._visit_expr(node.body)
        if thread:
            self.thread_scope -= 1

    def _visit_call(self, node: ast.Call) -> None:
        resolved = self.r.resolve(node.func)
        dotted, self_class, via_super = resolved if resolved else ("", "", False)
        func = node.func
        attr = func.attr if isinstance(func, ast.Attribute) else ""
        self._classify_site(node, dotted, attr)
        if dotted and dotted not in apis.RUN_APIS:
            col = _char_col(self.lines, node.lineno, node.col_offset + 1)
            self._add_call(Call(dotted, node.lineno, self_class, via_super, col=col))
        # The callee expression itself (receivers, chained calls).
        if isinstance(func, ast.Attribute):
            self._visit_expr(func.value)
        elif not isinstance(func, ast.Name):
            self._visit_expr(func)
        special = self._special_argument(node, dotted, attr)
        for index, arg in enumerate(node.args):
            role = special.get(str(index), "")
            self._visit_argument(arg, role)
        for kw in node.keywords:
            role = special.get(kw.arg or "", "")
            self._visit_argument(kw.value, role)

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

    def _visit_argument(self, arg: ast.expr, role: str) -> None:
        if isinstance(arg, ast.Starred):
            arg = arg.value
        if role == "thread" and isinstance(arg, ast.Lambda):
            self._visit_arguments(arg.args)
            self._visit_lambda_body(arg, thread=True)
            return
        if (
            isinstance(arg, ast.Call)
            and _last_attr(arg.func) == "partial"
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
                        thread_api="thread" if role == "thread" else "",
                    )
                    return
                ref = Call(dotted, arg.lineno, self_class, via_super, is_value=True)
                self._add_ref(ref, role)
                if isinstance(arg, ast.Attribute):
                    self._visit_expr(arg.value)
                return
        self._visit_expr(arg)

    def _add_ref(self, ref: Call, role: str) -> None:
        func = self._current_function()
        if role == "thread" or self.thread_scope:
            (func.thread_targets if func else self.facts.module_thread_targets).append(ref)
        elif role == "callback":
            (func.loop_callbacks if func else self.facts.module_loop_callbacks).append(ref)
        elif role == "worker":
            (func.worker_targets if func else self.facts.module_worker_targets).append(ref)
        elif func is not None:
            # A function handed to another inside a body is most likely called back there;
            # at import time it is being registered (`cli.add_command(f)`), not run.
            self._add_call(ref)

    def _add_call(self, call: Call) -> None:
        if self.thread_scope:
            func = self._current_function()
            (func.thread_targets if func else self.facts.module_thread_targets).append(call)
            return
        func = self._current_function()
        if func is not None:
            func.calls.append(call)
            if call.target.rstrip("()") in apis.ARGPARSE_PARSERS:
                func.uses_argparse = True
        elif self.state.in_main:
            self.facts.main_calls.append(call)
        else:
            self.facts.module_calls.append(call)

    # ------------------------------------------------------------------ sites
    def _classify_site(self, node: ast.Call, dotted: str, attr: str) -> None:
        if dotted in apis.RUN_APIS:
            self._add_site(SiteKind.RUN, apis.RUN_APIS[dotted], node, call=node)
        elif attr == "run_until_complete":
            self._add_site(SiteKind.LOOP_RUN, "run_until_complete()", node, call=node)
        elif attr == "run_forever" and self._is_loop(node.func):
            self._add_site(SiteKind.LOOP_RUN, "run_forever()", node)
        elif dotted in apis.FETCH_APIS or _is_policy_call(dotted, "get_event_loop"):
            site = self._add_site(SiteKind.FETCH, "asyncio.get_event_loop()", node)
            site.replacement = "asyncio.get_running_loop()"
            site.safe_fix = dotted in apis.FETCH_APIS and _plain_call(node)
        elif dotted in apis.CREATE_APIS or _is_policy_call(dotted, "new_event_loop"):
            self._add_site(SiteKind.CREATE, "new_event_loop()", node)
        elif dotted in apis.SET_APIS:
            self._add_site(SiteKind.SET, "asyncio.set_event_loop()", node)
            scope = self._function_scope()
            if scope is not None:
                scope.set_seen = True
        elif dotted in apis.PATCH_APIS:
            self._add_site(SiteKind.PATCH, "nest_asyncio.apply()", node)
        elif dotted == apis.PYTEST_ASYNCIO_MARK and any(k.arg == "scope" for k in node.keywords):
            site = self._add_site(SiteKind.MARK, "pytest.mark.asyncio(scope=...)", node)
            site.replacement = self._segment(node).replace("scope=", "loop_scope=", 1)
            site.safe_fix = not any(k.arg == "loop_scope" for k in node.keywords)
        elif attr == "result" and self._scope_kind() == ScopeKind.ASYNC:
            self._classify_wait(node)

    def _classify_wait(self, node: ast.Call) -> None:
        assert isinstance(node.func, ast.Attribute)
        producer = node.func.value
        if isinstance(producer, ast.Name):
            producer = self._assigned_call(producer.id) or producer
        if not isinstance(producer, ast.Call):
            return
        name = self.r.dotted(producer.func)
        if name in apis.COROUTINE_THREADSAFE:
            self._add_site(SiteKind.WAIT, "run_coroutine_threadsafe().result()", producer)
            return
        if not (isinstance(producer.func, ast.Attribute) and producer.func.attr == "submit"):
            return
        if not producer.args:
            return
        submitted = producer.args[0]
        target = self.r.dotted(submitted)
        if not target:
            return
        site = self._add_site(SiteKind.WAIT, "executor.submit(...).result()", producer)
        if target in apis.RUN_APIS:
            if len(producer.args) == 2:
                site.replacement = "await " + self._segment(producer.args[1])
        else:
            site.wait_target = target

    def _assigned_call(self, name: str) -> ast.Call | None:
        """The call last assigned to `name` in the current function (flow-insensitive)."""
        scope = self._function_scope()
        if scope is None:
            return None
        found: ast.Call | None = None
        node = self.function_nodes.get(scope.qualname)
        statements = walk_scope(node.body) if node is not None else []
        for stmt in statements:
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Call)
                and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
            ):
                found = stmt.value
        return found

    def _is_loop(self, func: ast.expr) -> bool:
        if not isinstance(func, ast.Attribute):
            return False
        receiver = func.value
        base = self.r.dotted(receiver)
        if base and base.endswith(_LOOP_SOURCES):
            return True
        name = ""
        if isinstance(receiver, ast.Name):
            name = receiver.id
        elif isinstance(receiver, ast.Attribute):
            name = receiver.attr
        return "loop" in name.lower()

    def _add_site(
        self,
        kind: str,
        api: str,
        node: ast.AST,
        *,
        call: ast.Call | None = None,
        thread_api: str = "",
        whole_def: bool = False,
    ) -> Site:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", line) or line
        end_col = getattr(node, "end_col_offset", col) or col
        if whole_def:
            end_line, end_col = line, col + len("def event_loop")
        scope_kind = self._scope_kind()
        site = Site(
            kind=kind,
            api=api,
            line=line,
            col=col + 1,
            end_line=end_line,
            end_col=end_col + 1,
            scope=self._scope_qualname(),
            scope_kind=scope_kind,
            in_main_block=self.state.in_main,
            thread_api=thread_api,
            guarded=self.state.guarded or (kind == SiteKind.FETCH and self.state.fetch_try),
        )
        scope = self._function_scope()
        if kind == SiteKind.FETCH and scope is not None and scope.set_seen:
            site.after_set = True
        if kind in _LIFETIME_KINDS:
            self.lifetime_scopes.add(site.scope)
        if call is not None and kind in (SiteKind.RUN, SiteKind.LOOP_RUN):
            self._run_replacement(site, call)
        self.facts.sites.append(site)
        return site

    def _run_replacement(self, site: Site, call: ast.Call) -> None:
        if site.api == "asyncio.Runner()" or site.api == "run_forever()":
            return
        if site.api in ("anyio.run()", "trio.run()"):
            if call.args:
                fn = self._segment(call.args[0])
                rest = ", ".join(self._segment(a) for a in call.args[1:])
                site.replacement = f"await {fn}({rest})"
            return
        if not call.args:
            return
        site.replacement = self._segment(call.args[0])
        site.safe_fix = len(call.args) == 1 and not call.keywords
        if site.api == "run_until_complete()" and isinstance(call.func, ast.Attribute):
            self._loop_receiver(site, call.func.value)

    def _loop_receiver(self, site: Site, receiver: ast.expr) -> None:
        """Note which loop `run_until_complete()` runs on, so the fixer can tell a sync
        wrapper (any loop will do) from code that drives one particular loop."""
        if isinstance(receiver, ast.Call):
            base = self.r.dotted(receiver)
            if not (base and base.endswith(_LOOP_SOURCES)):
                site.own_loop = (
                    f"it runs on the loop `{self._segment(receiver)}` returns; run_sync() "
                    "would run the coroutine on another loop"
                )
            return
        scope = self._function_scope()
        if isinstance(receiver, ast.Name):
            site.loop_expr = receiver.id
            if scope is not None and scope.func is not None and receiver.id in scope.func.params:
                site.own_loop = (
                    f"it runs on `{receiver.id}`, a loop its caller hands in; run_sync() "
                    "would run the coroutine on another loop"
                )
        elif (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and scope is not None
            and receiver.value.id == scope.self_name
        ):
            site.loop_expr = f"self.{receiver.attr}"
        if site.loop_expr:
            self.loop_run_scopes.add(site.scope)

    def _segment(self, node: ast.AST) -> str:
        start, end = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
        col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
        lines = self.lines[start - 1 : end]
        if not lines:
            return ""
        if len(lines) == 1:
            return _slice_utf8(lines[0], col, end_col)
        first = _slice_utf8(lines[0], col, None)
        last = _slice_utf8(lines[-1], 0, end_col)
        return "\n".join([first, *lines[1:-1], last])


_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """Lines as Python numbers them (`str.splitlines` also breaks at form feeds and other
    characters Python treats as plain whitespace)."""
    return _LINE_BREAK.split(text)


def _char_col(lines: list[str], line: int, col: int) -> int:
    """1-based byte column -> 1-based character column."""
    if not 0 < line <= len(lines):
        return col
    text = lines[line - 1]
    if text.isascii():
        return col
    return len(text.encode("utf-8")[: col - 1].decode("utf-8", errors="ignore")) + 1


def _last_attr(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def _is_toplevel_code(stmt: ast.stmt) -> bool:
    if isinstance(stmt, ast.Expr):
        return isinstance(stmt.value, (ast.Call, ast.Await))
    return isinstance(stmt, (ast.For, ast.AsyncFor, ast.While, ast.With, ast.AsyncWith))


def _slice_utf8(line: str, start: int, end: int | None) -> str:
    """ast columns are UTF-8 byte offsets."""
    raw = line.encode("utf-8")
    return raw[start:end].decode("utf-8", errors="replace")


def _plain_call(node: ast.Call) -> bool:
    return not node.args and not node.keywords


def _is_policy_call(dotted: str, method: str) -> bool:
    return any(dotted == f"{p}().{method}" for p in apis.POLICY_APIS)


def _is_static(node: _FuncDef) -> bool:
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


def _mark_lifetimes(nodes: list[ast.AST], sites: list[Site], qualname: str) -> None:
    """LS203: loops created and never closed or handed off; set as current, then closed."""
    mine = [s for s in sites if s.scope == qualname and s.kind in (SiteKind.CREATE, SiteKind.SET)]
    if not mine:
        return
    closed: set[str] = set()
    handed: set[str] = set()
    reset = False
    create_calls: dict[tuple[int, int, int, int], ast.Call] = {}
    assigned: dict[int, str] = {}
    set_args: dict[tuple[int, int, int, int], str] = {}
    for sub in nodes:
        if isinstance(sub, ast.Call):
            create_calls[_span(sub)] = sub
            func = sub.func
            if isinstance(func, ast.Attribute) and func.attr == "close":
                if isinstance(func.value, ast.Name):
                    closed.add(func.value.id)
            for arg in (*sub.args, *(k.value for k in sub.keywords)):
                handed.update(_bare_names(arg))
            if r_dotted_is_set(sub):
                arg0 = sub.args[0] if sub.args else None
                if isinstance(arg0, ast.Constant) and arg0.value is None:
                    reset = True
                elif isinstance(arg0, ast.Name):
                    set_args[_span(sub)] = arg0.id
        elif isinstance(sub, (ast.Return, ast.Yield, ast.YieldFrom)) and sub.value is not None:
            handed.update(_bare_names(sub.value))
        elif isinstance(sub, ast.Assign):
            if isinstance(sub.value, ast.Call):
                for target in sub.targets:
                    if isinstance(target, ast.Name):
                        assigned[id(sub.value)] = target.id
                    elif (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in ("self", "cls")
                    ):
                        assigned[id(sub.value)] = "self." + target.attr
                    else:
                        assigned[id(sub.value)] = "<stored>"
            elif isinstance(sub.value, (ast.Name, ast.Tuple, ast.List)):
                if any(not isinstance(t, ast.Name) for t in sub.targets):
                    handed.update(_bare_names(sub.value))
        elif isinstance(sub, (ast.withitem,)):
            if isinstance(sub.optional_vars, ast.Name) and isinstance(sub.context_expr, ast.Call):
                assigned[id(sub.context_expr)] = sub.optional_vars.id
                closed.add(sub.optional_vars.id)  # a loop used as a context manager is closed
    parents = _parent_map(nodes)
    for site in mine:
        call = create_calls.get((site.line, site.col, site.end_line, site.end_col))
        if call is None:
            continue
        if site.kind == SiteKind.CREATE:
            name = assigned.get(id(call))
            if name == "<stored>":
                continue
            if name is not None and name.startswith("self."):
                site.note = name  # judged against the whole class when it is done
                continue
            if name is not None:
                site.leaked = name not in closed and name not in handed
                continue
            parent = parents.get(id(call))
            # Used directly: `new_event_loop().run_until_complete(x)` leaks; passed on does not.
            site.leaked = isinstance(parent, ast.Attribute)
        else:
            name = set_args.get((site.line, site.col, site.end_line, site.end_col))
            site.leaked = bool(name) and name in closed and not reset


# What a sync wrapper does with its loop besides running one coroutine on it. Any other use
# (tasks, callbacks, shutdown hooks, handing it to objects) binds work to that very loop.
_WRAPPER_LOOP_USES = frozenset(
    {"run_until_complete", "close", "is_closed", "is_running", "stop", "get_debug"}
)
_HARMLESS_LOOP_CALLS = frozenset({"set_event_loop", "asyncio.set_event_loop"})


def _own_loop_sites(sites: list[Site], scope: str, *, local: bool) -> list[Site]:
    """`local`: the `run_until_complete()` sites of function `scope` on a local loop name;
    else those on `self.<attr>` in the methods of class `scope`, judged by the whole class."""
    return [
        s
        for s in sites
        if s.loop_expr
        and not s.own_loop
        and (s.scope == scope if local else s.scope.rpartition(".")[0] == scope)
        and s.loop_expr.startswith("self.") != local
    ]


def _mark_own_loops(nodes: list[ast.AST], mine: list[Site]) -> None:
    """Judge the sites `mine` (see `_own_loop_sites`) by the other uses of their loop among
    `nodes`, the nodes of their function or class."""
    uses: dict[str, tuple[int, int, str]] = {}  # loop expression -> its first other use
    wanted = {s.loop_expr for s in mine}  # only these loops' uses are ever looked up
    for node in nodes:
        found: list[tuple[str, str]] = []
        if isinstance(node, ast.Attribute):
            if node.attr in _WRAPPER_LOOP_USES:
                continue
            loop = _loop_text(node.value)
            if loop not in wanted:
                continue
            found.append((loop, f"{loop}.{node.attr}"))
        elif isinstance(node, ast.Call):
            loops = [_loop_text(arg) for arg in (*node.args, *(k.value for k in node.keywords))]
            if wanted.isdisjoint(loops):
                continue
            name = _call_name(node.func)
            if name in _HARMLESS_LOOP_CALLS:
                continue
            found.extend((loop, f"{name or 'a call'}(... {loop} ...)") for loop in loops)
        else:
            continue
        where = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        for loop, text in found:
            if loop and (loop not in uses or where < uses[loop][:2]):
                uses[loop] = (*where, text)
    for site in mine:
        use = uses[site.loop_expr][2] if site.loop_expr in uses else ""
        if use:
            site.own_loop = (
                f"the code also works with `{site.loop_expr}` itself (`{use}`); run_sync() "
                "would run the coroutine on another loop"
            )


def _loop_text(node: ast.AST) -> str:
    """`loop` or `self.<attr>` (any first parameter name counts as `self`)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"self.{node.attr}" if node.value.id in ("self", "cls") else ""
    return ""


def _call_name(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = _call_name(func.value)
        return f"{base}.{func.attr}" if base else func.attr
    return ""


def _mark_attribute_lifetimes(node: ast.ClassDef, sites: list[Site], qualname: str) -> None:
    """A loop stored on `self.<attr>` must be closed (or handed on) somewhere in the class."""
    pending = [
        s
        for s in sites
        if s.kind == SiteKind.CREATE
        and s.note.startswith("self.")
        and s.scope.rpartition(".")[0] == qualname
    ]
    if not pending:
        return
    released: set[str] = set()
    for sub in _walk_nodes(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "close"
                and isinstance(func.value, ast.Attribute)
            ):
                released.add(func.value.attr)
            for arg in (*sub.args, *(k.value for k in sub.keywords)):
                if isinstance(arg, ast.Attribute):
                    released.add(arg.attr)
        elif isinstance(sub, ast.Return) and isinstance(sub.value, ast.Attribute):
            released.add(sub.value.attr)
    for site in pending:
        site.leaked = site.note.removeprefix("self.") not in released
        site.note = ""


def r_dotted_is_set(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "set_event_loop"


def _span(node: ast.expr) -> tuple[int, int, int, int]:
    """A site's position key, as `_add_site` writes it (1-based columns)."""
    end_line = node.end_lineno or node.lineno
    end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
    return (node.lineno, node.col_offset + 1, end_line, end_col + 1)


def _bare_names(node: ast.AST) -> set[str]:
    """Names handed on whole: `x`, `(x, y)`, `[x]`, `*x` — not `x.method()`."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Starred):
        return _bare_names(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        out: set[str] = set()
        for element in node.elts:
            out |= _bare_names(element)
        return out
    return set()


# Nodes no consumer of `_own_nodes` / `_walk_nodes` looks at, and that hold nothing it
# would: skipping them keeps those walks (hot on code dense with sites) short.
_SKIPPED_LEAVES = (
    ast.expr_context,
    ast.operator,
    ast.unaryop,
    ast.boolop,
    ast.cmpop,
    ast.Name,
    ast.Constant,
)
_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)


def _own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
    """Every node of a scope's body, not descending into nested functions or classes
    (names, constants, contexts and operators left out), in the order of a depth-first
    walk with `ast.iter_child_nodes`."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(body)
    pop, push, append = todo.pop, todo.append, out.append
    leaves, scopes, node_type = _SKIPPED_LEAVES, _SCOPES, ast.AST
    while todo:
        current = pop()
        append(current)
        for name in current._fields:
            value = getattr(current, name, None)
            if type(value) is list:
                for child in value:
                    if (
                        isinstance(child, node_type)
                        and not isinstance(child, leaves)
                        and not isinstance(child, scopes)
                    ):
                        push(child)
            elif (
                isinstance(value, node_type)
                and not isinstance(value, leaves)
                and not isinstance(value, scopes)
            ):
                push(value)
    return out


def _walk_nodes(root: ast.AST) -> list[ast.AST]:
    """`list(ast.walk(root))`, same order, with the leaves of `_own_nodes` left out."""
    out: list[ast.AST] = [root]
    append, leaves, node_type = out.append, _SKIPPED_LEAVES, ast.AST
    i = 0
    while i < len(out):
        current = out[i]
        i += 1
        for name in current._fields:
            value = getattr(current, name, None)
            if type(value) is list:
                for child in value:
                    if isinstance(child, node_type) and not isinstance(child, leaves):
                        append(child)
            elif isinstance(value, node_type) and not isinstance(value, leaves):
                append(value)
    return out


def _parent_map(nodes: list[ast.AST]) -> dict[int, ast.AST]:
    parents: dict[int, ast.AST] = {}
    for node in nodes:
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def _yields(node: _FuncDef) -> bool:
    """Does the function's own body (not a nested def, class or lambda) yield?"""
    todo: list[ast.AST] = list(node.body)
    while todo:
        current = todo.pop()
        if isinstance(current, (ast.Yield, ast.YieldFrom)):
            return True
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        for name in current._fields:
            value = getattr(current, name, None)
            if type(value) is list:
                todo.extend(v for v in value if isinstance(v, ast.AST))
            elif isinstance(value, ast.AST):
                todo.append(value)
    return False
