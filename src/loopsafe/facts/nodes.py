"""Small, hot helpers over `ast` nodes and source lines, shared by the extractors."""

from __future__ import annotations

import ast
import re

FuncDef = ast.FunctionDef | ast.AsyncFunctionDef
_LINE_BREAK = re.compile(r"\r\n|\r|\n")


def source_lines(text: str) -> list[str]:
    """Lines as Python numbers them (`str.splitlines` also breaks at form feeds and other
    characters Python treats as plain whitespace)."""
    if "\r" not in text:
        return text.split("\n")  # the same lines, a fourth of the cost of the pattern
    return _LINE_BREAK.split(text)


def char_col(lines: list[str], line: int, col: int) -> int:
    """1-based byte column -> 1-based character column."""
    if not 0 < line <= len(lines):
        return col
    text = lines[line - 1]
    if text.isascii():
        return col
    return len(text.encode("utf-8")[: col - 1].decode("utf-8", errors="ignore")) + 1


def slice_utf8(line: str, start: int, end: int | None) -> str:
    """ast columns are UTF-8 byte offsets."""
    raw = line.encode("utf-8")
    return raw[start:end].decode("utf-8", errors="replace")


def segment(lines: list[str], node: ast.AST) -> str:
    """The source text of `node`."""
    start, end = node.lineno, node.end_lineno or node.lineno  # type: ignore[attr-defined]
    col, end_col = node.col_offset, node.end_col_offset  # type: ignore[attr-defined]
    chunk = lines[start - 1 : end]
    if not chunk:
        return ""
    if len(chunk) == 1:
        return slice_utf8(chunk[0], col, end_col)
    first = slice_utf8(chunk[0], col, None)
    last = slice_utf8(chunk[-1], 0, end_col)
    return "\n".join([first, *chunk[1:-1], last])


def span(node: ast.expr) -> tuple[int, int, int, int]:
    """A node's position as sites record it: 1-based byte columns, end exclusive."""
    end_line = node.end_lineno or node.lineno
    end_col = node.end_col_offset if node.end_col_offset is not None else node.col_offset
    return (node.lineno, node.col_offset + 1, end_line, end_col + 1)


def last_attr(node: ast.expr) -> str:
    if isinstance(node, ast.Attribute):
        return node.attr
    return node.id if isinstance(node, ast.Name) else ""


def call_name(func: ast.expr) -> str:
    """`a.b.c` for a call of `a.b.c(...)` as written (no resolution)."""
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        base = call_name(func.value)
        return f"{base}.{func.attr}" if base else func.attr
    return ""


def bound_names(tree: ast.AST) -> dict[str, int]:
    """How often each name is bound in `tree`, in any scope."""
    counts: dict[str, int] = {}

    def bind(name: str | None) -> None:
        if name:
            counts[name] = counts.get(name, 0) + 1

    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and not isinstance(node.ctx, ast.Load):
            bind(node.id)
        elif isinstance(node, ast.arg):
            bind(node.arg)
        elif isinstance(node, (ast.Import, ast.ImportFrom)):
            for alias in node.names:
                bind(alias.asname or alias.name.partition(".")[0])
        elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            bind(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            for name in node.names:
                bind(name)
        elif isinstance(node, (ast.ExceptHandler, ast.MatchAs, ast.MatchStar)):
            bind(node.name)
        elif isinstance(node, ast.MatchMapping):
            bind(node.rest)
    return counts


def bare_names(node: ast.AST) -> set[str]:
    """Names handed on whole: `x`, `(x, y)`, `[x]`, `*x` — not `x.method()`."""
    if isinstance(node, ast.Name):
        return {node.id}
    if isinstance(node, ast.Starred):
        return bare_names(node.value)
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        out: set[str] = set()
        for element in node.elts:
            out |= bare_names(element)
        return out
    return set()


# Nodes no consumer of `own_nodes` / `walk_nodes` looks at, and that hold nothing it
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


def own_nodes(body: list[ast.stmt]) -> list[ast.AST]:
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


def walk_nodes(root: ast.AST) -> list[ast.AST]:
    """`list(ast.walk(root))`, same order, with the leaves of `own_nodes` left out."""
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


def parent_map(nodes: list[ast.AST]) -> dict[int, ast.AST]:
    parents: dict[int, ast.AST] = {}
    for node in nodes:
        for child in ast.iter_child_nodes(node):
            parents[id(child)] = node
    return parents


def yields(node: FuncDef) -> bool:
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


def yield_shape(node: FuncDef) -> tuple[str, list[str]]:
    """For a generator: ("yield-from", callees) when every yield of its own body is a
    `yield from x` that is a statement or the whole value of an assignment or `return`
    (where `await x` reads the same), else ("other", callees); callees: what those
    `yield from` call directly, as written (`helper`, `self.helper`)."""
    own = _own_body_nodes(node)
    found = [n for n in own if isinstance(n, (ast.Yield, ast.YieldFrom))]
    placed = [
        stmt.value
        for stmt in own
        if isinstance(stmt, (ast.Expr, ast.Assign, ast.AnnAssign, ast.Return))
        and isinstance(stmt.value, ast.YieldFrom)
    ]
    callees: list[str] = []
    for value in placed:
        call = value.value
        if isinstance(call, ast.Call):
            func = call.func
            if isinstance(func, ast.Name):
                callees.append(func.id)
            elif (
                isinstance(func, ast.Attribute)
                and isinstance(func.value, ast.Name)
                and func.value.id in ("self", "cls")
            ):
                callees.append(f"self.{func.attr}")
    shaped = bool(found) and len(placed) == len(found)
    return ("yield-from" if shaped else "other"), callees


def _own_body_nodes(node: FuncDef) -> list[ast.AST]:
    """The nodes of a function's own body (not of nested functions, classes, lambdas; the
    decorators of nested defs are evaluated in it, so they count)."""
    out: list[ast.AST] = []
    todo: list[ast.AST] = list(node.body)
    while todo:
        current = todo.pop()
        out.append(current)
        if isinstance(current, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            todo.extend(current.decorator_list)
            continue
        if isinstance(current, ast.Lambda):
            continue
        todo.extend(ast.iter_child_nodes(current))
    return out
