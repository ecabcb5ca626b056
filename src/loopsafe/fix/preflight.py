"""Edits proven to land without trying them: `check` skips the LibCST trial for them.

`check` tries (in memory) every edit whose success depends on code around it, so that a
fix it reports is a fix `fix` makes. LibCST costs about a millisecond per small function,
which made a file with thousands of sync wrappers take minutes. One such edit is common
and easy to decide from the `ast` alone: dropping the loop a function made for a run that
becomes `run_sync(...)` (`loop = new_event_loop()` / `try` / `finally: loop.close()`).
The fixer drops the statements that only make, set or close the loop and refuses the edit
if the loop's name is still written anywhere in the body afterwards. This module proves
that nothing would be left: every place the name is written is either one of those
statements, standing alone on its own lines in a block of the function itself, or the
receiver of a `.run_until_complete()` call the same fix rewrites. Anything else (another
mention, a comment or string naming it, a one-line suite, a semicolon, another fix's
edit in the function, non-ASCII or form-feed text) is not proven, and the trial decides
as before. `tests/fix/test_preflight.py` checks the proof against the fixer itself.
"""

from __future__ import annotations

import ast
import re
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from loopsafe.model import Finding, Op, OpKind

DROP_KINDS = frozenset({OpKind.DROP_LOOP, OpKind.DROP_FETCHED_LOOP})
_LINE_BREAK = re.compile(r"\r\n?|\n")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*\Z")
_FuncDef = ast.FunctionDef | ast.AsyncFunctionDef


def proven_edits(findings: Iterable[Finding], texts: dict[str, str]) -> set[tuple[str, Op]]:
    """The (path, op) edits of `findings` that are sure to land. `texts`: the decoded
    source of each file, as analysed (a file missing there proves nothing)."""
    findings = list(findings)
    # Every edit by file and line it covers, to find the edits inside one function.
    ops_by_line: dict[str, dict[int, list[Op]]] = {}
    for finding in findings:
        for path, op in finding.fix.edits:
            lines = ops_by_line.setdefault(path, {})
            for line in range(op.line, max(op.line, op.end_line) + 1):
                lines.setdefault(line, []).append(op)
    proven: set[tuple[str, Op]] = set()
    lines_by_path: dict[str, list[str]] = {}
    for finding in findings:
        for path, op in finding.fix.edits:
            if op.kind not in DROP_KINDS or path not in texts:
                continue
            if path not in lines_by_path:
                lines_by_path[path] = _LINE_BREAK.split(texts[path])
            own = [o for p, o in finding.fix.edits if p == path]
            if _drop_lands(op, own, ops_by_line[path], lines_by_path[path]):
                proven.add((path, op))
    return proven


@dataclass(frozen=True)
class _Function:
    node: _FuncDef
    lines: list[str]  # the function's own lines, as in the file
    first: int  # file line of the `def`
    indent: int  # columns removed from every line to parse it alone


def _drop_lands(
    op: Op, own: Sequence[Op], ops_by_line: dict[int, list[Op]], lines: list[str]
) -> bool:
    name = op.name
    if not _IDENTIFIER.match(name):
        return False
    function = _function_at(op.line, lines)
    if function is None:
        return False
    last = function.first + len(function.lines) - 1
    # No edit but this fix's own in the function: another fix could change a statement
    # the drop relies on (`loop = get_event_loop()` -> `loop = current_loop()`).
    own_ids = {id(o) for o in own}
    for line in range(function.first, last + 1):
        if any(id(other) not in own_ids for other in ops_by_line.get(line, ())):
            return False
    rewritten = {(o.line, o.col, o.end_line, o.end_col) for o in own if o.kind is OpKind.RUN_SYNC}
    factory = "get_event_loop" if op.kind is OpKind.DROP_FETCHED_LOOP else "new_event_loop"
    body = function.node.body
    first_body = body[0]
    if not _alone(first_body, function):
        return False  # a body on the `def` line is not a block the fixer edits
    word = re.compile(rf"(?<![A-Za-z0-9_]){re.escape(name)}(?![A-Za-z0-9_])")
    body_text = "\n".join(function.lines[first_body.lineno - 1 :])
    mentions = len(word.findall(body_text))
    accounted = 0
    counted_lines: set[int] = set()
    for statement in _own_statements(body):
        if not _droppable(statement, name, factory) or not _alone(statement, function):
            continue
        span = range(statement.lineno, (statement.end_lineno or statement.lineno) + 1)
        if counted_lines.intersection(span):
            return False
        counted_lines.update(span)
        accounted += sum(len(word.findall(function.lines[i - 1])) for i in span)
    for node in _own_nodes(body):
        if (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "run_until_complete"
            and isinstance(node.func.value, ast.Name)
            and node.func.value.id == name
            and _span(node, function) in rewritten
            and node.lineno not in counted_lines
        ):
            accounted += 1
    return mentions == accounted


def _function_at(line: int, lines: list[str]) -> _Function | None:
    """The function whose `def` is on file line `line`, parsed alone (None when its text
    cannot be cut out cleanly: then nothing is proven)."""
    if not 0 < line <= len(lines):
        return None
    head = lines[line - 1]
    indent = len(head) - len(head.lstrip(" \t"))
    prefix = head[:indent]
    end = line
    for number in range(line + 1, len(lines) + 1):
        text = lines[number - 1]
        stripped = text.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if text.startswith(prefix) and text[indent : indent + 1] in (" ", "\t"):
            end = number
            continue
        break
    own = lines[line - 1 : end]
    if any(not text.isascii() or "\f" in text or "\v" in text for text in own):
        return None
    cut: list[str] = []
    for text in own:
        if not text.strip() or text.lstrip().startswith("#"):
            cut.append("")  # comments need not be indented; mentions in them still count
        elif text.startswith(prefix):
            cut.append(text[indent:])
        else:
            return None  # a comment or string line left of the body: not cut cleanly
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            tree = ast.parse("\n".join(cut) + "\n")
    except (SyntaxError, ValueError):
        return None
    if len(tree.body) != 1 or not isinstance(tree.body[0], _FuncDef):
        return None
    node = tree.body[0]
    if node.lineno != 1 or node.decorator_list:
        return None
    return _Function(node, own, line, indent)


def _own_statements(body: Sequence[ast.stmt]) -> Iterable[ast.stmt]:
    """Statements of the function's own blocks (not of nested functions or classes)."""
    for statement in body:
        yield statement
        if isinstance(statement, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            continue
        for field in ("body", "orelse", "finalbody"):
            yield from _own_statements(getattr(statement, field, ()))
        for handler in getattr(statement, "handlers", ()):
            yield from _own_statements(handler.body)
        for case in getattr(statement, "cases", ()):
            yield from _own_statements(case.body)


def _own_nodes(body: Sequence[ast.stmt]) -> Iterable[ast.AST]:
    """Every node of the function's own body (nested functions and classes excluded)."""
    stack: list[ast.AST] = list(body)
    while stack:
        node = stack.pop()
        yield node
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef, ast.Lambda)):
            continue
        stack.extend(ast.iter_child_nodes(node))


def _droppable(statement: ast.stmt, name: str, factory: str) -> bool:
    """One of the statements the fixer drops: `name = ...factory()`, `name.close()`,
    `set_event_loop(name)`."""
    if isinstance(statement, ast.Assign):
        return (
            len(statement.targets) == 1
            and isinstance(statement.targets[0], ast.Name)
            and statement.targets[0].id == name
            and isinstance(statement.value, ast.Call)
            and _callee(statement.value.func) == factory
        )
    if not (isinstance(statement, ast.Expr) and isinstance(statement.value, ast.Call)):
        return False
    call = statement.value
    if call.keywords:
        return False
    func = call.func
    if isinstance(func, ast.Attribute) and not call.args:
        return isinstance(func.value, ast.Name) and func.value.id == name and func.attr == "close"
    if _callee(func) == "set_event_loop" and len(call.args) == 1:
        arg = call.args[0]
        return isinstance(arg, ast.Name) and arg.id == name
    return False


def _callee(func: ast.expr) -> str:
    if isinstance(func, ast.Name):
        return func.id
    if isinstance(func, ast.Attribute):
        return func.attr
    return ""


def _alone(statement: ast.stmt, function: _Function) -> bool:
    """The statement has its lines to itself: only indentation before it, and nothing but
    a comment after it (no `;`, no `if x:` header on its line)."""
    start = function.lines[statement.lineno - 1]
    before = start[: function.indent + statement.col_offset]
    end_line = statement.end_lineno or statement.lineno
    end_col = statement.end_col_offset
    if end_col is None:
        return False
    after = function.lines[end_line - 1][function.indent + end_col :].strip()
    return not before.strip() and (not after or after.startswith("#"))


def _span(node: ast.expr, function: _Function) -> tuple[int, int, int, int]:
    """The node's position as the analyser reports it: file lines, 1-based columns."""
    offset = function.first - 1
    return (
        node.lineno + offset,
        node.col_offset + function.indent + 1,
        (node.end_lineno or node.lineno) + offset,
        (node.end_col_offset or 0) + function.indent + 1,
    )
