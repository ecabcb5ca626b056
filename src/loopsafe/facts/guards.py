"""Recognising explicit "is a loop running?" checks.

`branch_guards(test)` answers, for an `if` test, whether its body and its else branch can
only run when no loop is running. The answer composes through `not`, `and`, `or`, so
`if loop and loop.is_running(): ... else: asyncio.run(c)` guards the else branch.
"""

from __future__ import annotations

import ast
from collections.abc import Callable

from loopsafe.facts.apis import FETCH_APIS, RUNNING_CHECKS

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
