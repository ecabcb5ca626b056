"""Recognising explicit "is a loop running?" checks.

`branch_guards(test)` answers, for an `if` test, whether its body and its else branch can
only run when no loop is running. The answer composes through `not`, `and`, `or`, so
`if loop and loop.is_running(): ... else: asyncio.run(c)` guards the else branch.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable

from loopsafe.facts.apis import ADDED_IN, FETCH_APIS, REMOVED_IN, RUNNING_CHECKS

# Checks that raise (RuntimeError) rather than return when no loop runs.
_RAISING_CHECKS = frozenset(
    {
        "asyncio.get_running_loop",
        "asyncio.events.get_running_loop",
        "uvloop.get_running_loop",
        "asyncio.current_task",
        "asyncio.tasks.current_task",
        "sniffio.current_async_library",
    }
)
_CAUGHT = frozenset(
    {
        "RuntimeError",
        "Exception",
        "BaseException",
        "AsyncLibraryNotFoundError",
        "sniffio.AsyncLibraryNotFoundError",
    }
)

Resolve = Callable[[ast.expr], str]


def is_running_atom(node: ast.expr, resolve: Resolve, running_vars: set[str]) -> bool:
    """True when `node` is truthy exactly when a loop is running."""
    if isinstance(node, ast.Call):
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr == "is_running":
            return True
        return resolve(func) in RUNNING_CHECKS and resolve(func) not in _RAISING_CHECKS
    if isinstance(node, ast.Name):
        return node.id in running_vars
    return False


def branch_guards(test: ast.expr, resolve: Resolve, running_vars: set[str]) -> tuple[bool, bool]:
    """(body runs only without a loop, else runs only without a loop)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        body, orelse = branch_guards(test.operand, resolve, running_vars)
        return orelse, body
    if isinstance(test, ast.BoolOp):
        parts = [branch_guards(v, resolve, running_vars) for v in test.values]
        if isinstance(test.op, ast.And):
            return any(p[0] for p in parts), all(p[1] for p in parts)
        return all(p[0] for p in parts), any(p[1] for p in parts)
    if isinstance(test, ast.Compare) and len(test.ops) == 1:
        right = test.comparators[0]
        if isinstance(right, ast.Constant) and right.value is None:
            if is_running_atom(test.left, resolve, running_vars):
                if isinstance(test.ops[0], (ast.Is, ast.Eq)):
                    return True, False
                if isinstance(test.ops[0], (ast.IsNot, ast.NotEq)):
                    return False, True
        return False, False
    if is_running_atom(test, resolve, running_vars):
        return False, True
    return False, False


Version = tuple[int, ...]


def version_bounds(test: ast.expr, resolve: Resolve) -> tuple[Version | None, Version | None]:
    """For an `if` test: the Python version below which its body can only run, and the
    one below which its else branch can only run (None: no such bound). Reads
    `sys.version_info` comparisons (`>= (3, 13)`, `< (3, 14)`, `[:2] >= (3, 12)`) and
    feature checks of APIs whose version is known (`hasattr(inspect, "markcoroutinefunction")`)."""
    if isinstance(test, ast.UnaryOp) and isinstance(test.op, ast.Not):
        body, orelse = version_bounds(test.operand, resolve)
        return orelse, body
    if isinstance(test, ast.BoolOp):
        parts = [version_bounds(v, resolve) for v in test.values]
        if isinstance(test.op, ast.And):  # the body needs every part true
            return _lowest(p[0] for p in parts), None
        return None, _lowest(p[1] for p in parts)  # the else branch needs every part false
    func = test.func if isinstance(test, ast.Call) else None
    if isinstance(test, ast.Call) and isinstance(func, ast.Name) and func.id == "hasattr":
        if len(test.args) != 2:
            return None, None
        owner, attr = test.args
        if isinstance(attr, ast.Constant) and isinstance(attr.value, str):
            name = f"{resolve(owner)}.{attr.value}"
            added = ADDED_IN.get(name)
            if added is not None:
                return None, added
            removed = REMOVED_IN.get(name)
            if removed is not None:
                return removed, None
        return None, None
    if not (isinstance(test, ast.Compare) and len(test.ops) == 1):
        return None, None
    left, op, right = test.left, test.ops[0], test.comparators[0]
    if isinstance(left, ast.Subscript):
        left = left.value  # sys.version_info[:2]
    version = _version(right)
    if version is None or resolve(left) != "sys.version_info":
        return None, None
    # A real version (3, 13, 0, 'final', 0) sorts after (3, 13): `<= (3, 13)` is `< (3, 13)`.
    if isinstance(op, (ast.Lt, ast.LtE)):
        return version, None
    if isinstance(op, (ast.GtE, ast.Gt)):
        return None, version
    return None, None


def import_shim_bound(stmt: ast.Try) -> Version | None:
    """For `try: from asyncio import coroutine` / `except ImportError:`: the Python version
    below which the try body and its else branch can only run (the import of an API
    removed then succeeds only there); None when the `try` is no such shim."""
    if not any(_catches(h, _IMPORT_CAUGHT) for h in stmt.handlers):
        return None
    removed = [
        REMOVED_IN[f"{node.module}.{alias.name}"]
        for node in stmt.body
        if isinstance(node, ast.ImportFrom) and node.level == 0 and node.module
        for alias in node.names
        if f"{node.module}.{alias.name}" in REMOVED_IN
    ]
    return min(removed) if removed else None


_IMPORT_CAUGHT = frozenset({"ImportError", "Exception", "BaseException"})


def _catches(handler: ast.ExceptHandler, names: frozenset[str]) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    return any(
        (node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")) in names
        for node in types
    )


def _version(node: ast.expr) -> Version | None:
    if not isinstance(node, ast.Tuple) or not node.elts:
        return None
    parts = [e.value for e in node.elts if isinstance(e, ast.Constant) and type(e.value) is int]
    return tuple(parts) if len(parts) == len(node.elts) else None


def _lowest(bounds: Iterable[Version | None]) -> Version | None:
    known = [b for b in bounds if b is not None]
    return min(known) if known else None


def calls_in(stmts: list[ast.stmt]) -> list[ast.Call]:
    """Calls in these statements, not descending into nested functions or classes."""
    out: list[ast.Call] = []
    todo: list[ast.AST] = list(stmts)
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        if isinstance(node, ast.Call):
            out.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return out


def try_checks(body: list[ast.stmt], resolve: Resolve) -> tuple[bool, bool]:
    """(the try body checks for a running loop, the try body fetches the current loop)."""
    running = fetch = False
    for call in calls_in(body):
        name = resolve(call.func)
        if name in _RAISING_CHECKS:
            running = True
        elif name in FETCH_APIS or name.endswith("get_event_loop_policy().get_event_loop"):
            fetch = True
    return running, fetch


def catches_runtime_error(handler: ast.ExceptHandler) -> bool:
    if handler.type is None:
        return True
    types = handler.type.elts if isinstance(handler.type, ast.Tuple) else [handler.type]
    for node in types:
        name = node.attr if isinstance(node, ast.Attribute) else getattr(node, "id", "")
        if name in _CAUGHT:
            return True
    return False


_EXPECTING = frozenset({"raises", "assertRaises", "assertRaisesRegex", "assertRaisesRegexp"})


def handled_names(handler: ast.ExceptHandler) -> tuple[str, ...]:
    """The exceptions an `except` clause catches, by the last part of their names."""
    if handler.type is None:
        return ("BaseException",)
    return _exception_names(handler.type)


def expected_names(items: list[ast.withitem]) -> tuple[str, ...]:
    """The exceptions `with pytest.raises(E):` / `with self.assertRaises(E):` expect."""
    names: tuple[str, ...] = ()
    for item in items:
        call = item.context_expr
        if not isinstance(call, ast.Call) or not call.args:
            continue
        func = call.func
        name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
        if name in _EXPECTING:
            names += _exception_names(call.args[0])
    return names


def _exception_names(node: ast.expr) -> tuple[str, ...]:
    types = node.elts if isinstance(node, ast.Tuple) else [node]
    found = (t.attr if isinstance(t, ast.Attribute) else getattr(t, "id", "") for t in types)
    return tuple(name for name in found if name)


def terminates(stmts: list[ast.stmt]) -> bool:
    return bool(stmts) and isinstance(stmts[-1], (ast.Return, ast.Raise))


def running_var_targets(stmt: ast.stmt, resolve: Resolve) -> list[str]:
    """Names this assignment binds to "the running loop, or None/False when none"."""
    if not isinstance(stmt, ast.Assign) or not isinstance(stmt.value, ast.Call):
        return []
    func = stmt.value.func
    is_check = resolve(func) in RUNNING_CHECKS or (
        isinstance(func, ast.Attribute) and func.attr == "is_running"
    )
    if not is_check:
        return []
    return [t.id for t in stmt.targets if isinstance(t, ast.Name)]
