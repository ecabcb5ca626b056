"""Lexical scopes and name resolution within one file.

Python binds names per scope before a body runs, so each scope's bindings are collected
up front (imports, defs, classes, simple assignments) and looked up innermost-first,
skipping class bodies as Python does for code inside methods.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass, field

from loopsafe.facts.model import Function

_BUILTINS = frozenset(dir(__import__("builtins")))


@dataclass
class Scope:
    kind: str  # "module" | "class" | "function"
    qualname: str  # "" for the module
    dotted: str  # module-qualified name of the function or class ("" for the module)
    is_async: bool = False
    bindings: dict[str, str] = field(default_factory=dict)
    func: Function | None = None
    class_dotted: str = ""  # for methods: the class they belong to
    self_name: str = ""  # first parameter of a method ("self" / "cls")
    set_seen: bool = False  # set_event_loop() already called in this function
    fetch_seen: bool = False  # get_event_loop() already called (up to 3.13 it sets one)


# Exact node types (the parser makes no subclasses): one set lookup, not an isinstance chain.
DEFINITIONS = frozenset({ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef})


class Resolver:
    """Resolves expressions to dotted names ("asyncio.run", "pkg.mod.f", "pkg.C().m")."""

    def __init__(self, module: str, is_package: bool) -> None:
        self.module = module
        self.package = module if is_package else module.rpartition(".")[0]
        self.stack: list[Scope] = []
        # dotted class name -> attribute -> dotted value, for `self.attr` lookups.
        self.class_attrs: dict[str, dict[str, str]] = {}
        # With `from pkg.mod import *`, an unknown name may come from there: name it as this
        # module's, and the project index follows the star import.
        self.star_fallback = False

    def relative_base(self, level: int, module: str | None) -> str:
        """The absolute module named by a relative import."""
        base = self.package
        for _ in range(level - 1):
            base = base.rpartition(".")[0]
        if module:
            return f"{base}.{module}" if base else module
        return base

    def lookup(self, name: str) -> str | None:
        innermost = True
        for scope in reversed(self.stack):
            if scope.kind == "class" and not innermost:
                continue
            innermost = False
            target = scope.bindings.get(name)
            if target is not None:
                return target or None  # "": a local value of unknown kind hides outer names
        if self.star_fallback and name not in _BUILTINS:
            return f"{self.module}.{name}"
        return None

    def method_scope(self) -> Scope | None:
        for scope in reversed(self.stack):
            if scope.kind == "function":
                return scope if scope.self_name else None
        return None

    def resolve(self, node: ast.expr) -> tuple[str, str, bool] | None:
        """(dotted, self_class, via_super) for a name, attribute chain or call result."""
        if isinstance(node, ast.Name):
            method = self.method_scope()
            if method is not None and node.id == method.self_name:
                return (method.class_dotted, method.class_dotted, False)
            target = self.lookup(node.id)
            if target is None:
                return None
            return (target, "", False)
        if isinstance(node, ast.Attribute):
            value = node.value
            if (
                isinstance(value, ast.Call)
                and isinstance(value.func, ast.Name)
                and value.func.id == "super"
            ):
                method = self.method_scope()
                if method is None:
                    return None
                return (f"{method.class_dotted}.{node.attr}", method.class_dotted, True)
            base = self.resolve(value)
            if base is None:
                return None
            dotted, self_class, _ = base
            if self_class and dotted == self_class:
                attr_value = self.class_attrs.get(self_class, {}).get(node.attr)
                if attr_value is not None:
                    return (attr_value, "", False)
                return (f"{dotted}.{node.attr}", self_class, False)
            return (f"{dotted}.{node.attr}", "", False)
        if isinstance(node, ast.Call):
            base = self.resolve(node.func)
            if base is None:
                return None
            return (base[0] + "()", "", False)
        return None

    def dotted(self, node: ast.expr) -> str:
        resolved = self.resolve(node)
        return resolved[0] if resolved else ""


def import_binding(alias: ast.alias) -> tuple[str, str]:
    """(local name, what it names) for one name of `import a.b [as c]`: `import a.b` binds
    `a` (the package), `import a.b as c` binds `c` to `a.b`."""
    if alias.asname:
        return alias.asname, alias.name
    top = alias.name.partition(".")[0]
    return top, top


def collect_bindings(stmts: list[ast.stmt], resolver: Resolver, prefix: str) -> dict[str, str]:
    """Names a scope binds to known things: imports, defs, classes, simple assignments.

    `stmts` comes from `walk_scope`. `prefix` is the dotted name of the scope itself, so nested defs get "pkg.mod.outer.inner".
    Assignments are resolved later (they may refer to names bound further down).
    """
    bindings: dict[str, str] = {}
    for stmt in stmts:
        kind = type(stmt)  # exact types: the parser makes no subclasses
        if kind is ast.Import:
            for alias in stmt.names:  # type: ignore[attr-defined]
                local, target = import_binding(alias)
                bindings[local] = target
        elif kind is ast.ImportFrom:
            assert isinstance(stmt, ast.ImportFrom)
            source = resolver.relative_base(stmt.level, stmt.module) if stmt.level else stmt.module
            if not source:
                continue
            for alias in stmt.names:
                if alias.name == "*":
                    continue
                bindings[alias.asname or alias.name] = f"{source}.{alias.name}"
        elif kind in DEFINITIONS:
            name = stmt.name  # type: ignore[attr-defined]
            bindings[name] = f"{prefix}.{name}" if prefix else name
    return bindings


def star_sources(stmts: list[ast.stmt], resolver: Resolver) -> list[str]:
    out: list[str] = []
    for stmt in stmts:
        if isinstance(stmt, ast.ImportFrom) and any(a.name == "*" for a in stmt.names):
            source = resolver.relative_base(stmt.level, stmt.module) if stmt.level else stmt.module
            if source:
                out.append(source)
    return out


_BRANCHES: dict[type, tuple[str, ...]] = {
    ast.If: ("body", "orelse"),
    ast.For: ("body", "orelse"),
    ast.AsyncFor: ("body", "orelse"),
    ast.While: ("body", "orelse"),
    ast.With: ("body",),
    ast.AsyncWith: ("body",),
    ast.Try: ("body", "orelse", "finalbody"),
}
if hasattr(ast, "TryStar"):
    _BRANCHES[ast.TryStar] = ("body", "orelse", "finalbody")


def _walk_scope(body: list[ast.stmt]) -> list[ast.stmt]:
    """Statements of a scope, descending into compound statements but not nested scopes."""
    out: list[ast.stmt] = []
    todo = list(reversed(body))
    pop, append = todo.pop, out.append
    while todo:
        stmt = pop()
        append(stmt)
        branches = _BRANCHES.get(type(stmt))
        if branches is None:
            if type(stmt) is ast.Match:
                for case in reversed(stmt.cases):
                    todo.extend(reversed(case.body))
            continue
        for name in reversed(branches):
            todo.extend(reversed(getattr(stmt, name)))
        handlers = getattr(stmt, "handlers", None)
        if handlers:
            for handler in reversed(handlers):
                todo.extend(reversed(handler.body))
    return out


def walk_scope(body: list[ast.stmt]) -> list[ast.stmt]:
    return _walk_scope(body)
