"""Put the imports a fix adds where an isort-style sorter (ruff's `I` rules, isort's
default profile) would: in their section (future, standard library, third party, first
party, local), straight imports before `from` imports, by module name. A sorted file stays
sorted; a file whose imports are not one plain block at the top is left as LibCST made it.
"""

from __future__ import annotations

import sys
from collections.abc import Iterable, Sequence

import libcst as cst

_FUTURE, _STDLIB, _THIRD_PARTY, _FIRST_PARTY, _LOCAL = range(5)
_STDLIB_NAMES: frozenset[str] = frozenset(
    getattr(sys, "stdlib_module_names", ())  # 3.10+
)


def place_new_imports(
    original: cst.Module, updated: cst.Module, first_party: Iterable[str]
) -> cst.Module:
    """`updated` with the import statements it has and `original` lacks moved to their
    sorted place in the top-level import block."""
    before = {_code(s) for s in original.body}
    body: list[cst.BaseStatement] = list(updated.body)
    start = _block_start(body)
    end = start
    while end < len(body) and _is_import(body[end]):
        end += 1
    block = body[start:end]
    new = [s for s in block if _code(s) not in before]
    if not new or len(new) == len(block):
        return updated
    first = frozenset(first_party)
    rest: list[cst.BaseStatement] = [s for s in block if _code(s) in before]
    for statement in new:
        assert isinstance(statement, cst.SimpleStatementLine)
        rest = _insert(rest, statement.with_changes(leading_lines=()), first)
    return updated.with_changes(body=[*body[:start], *rest, *body[end:]])


def _code(statement: cst.CSTNode) -> str:
    if isinstance(statement, cst.SimpleStatementLine):
        statement = statement.with_changes(leading_lines=())
    return cst.Module(body=[]).code_for_node(statement)


def _block_start(body: list[cst.BaseStatement]) -> int:
    """After the docstring and `from __future__` imports."""
    index = 0
    if body and isinstance(body[0], cst.SimpleStatementLine):
        first = body[0].body[0] if body[0].body else None
        if isinstance(first, cst.Expr) and isinstance(
            first.value, (cst.SimpleString, cst.ConcatenatedString)
        ):
            index = 1
    while index < len(body) and _section(body[index], frozenset()) == _FUTURE:
        index += 1
    return index


def _is_import(statement: cst.BaseStatement) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], (cst.Import, cst.ImportFrom))
    )


def _module_name(statement: cst.BaseStatement) -> tuple[bool, str, bool]:
    """(is a `from` import, dotted module name, is relative)."""
    assert isinstance(statement, cst.SimpleStatementLine)
    node = statement.body[0]
    if isinstance(node, cst.Import):
        return False, _dotted(node.names[0].name), False
    assert isinstance(node, cst.ImportFrom)
    name = _dotted(node.module) if node.module is not None else ""
    return True, name, bool(node.relative)


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        return f"{_dotted(node.value)}.{node.attr.value}"
    return ""


def _section(statement: cst.BaseStatement, first_party: frozenset[str]) -> int:
    if not _is_import(statement):
        return -1
    _, name, relative = _module_name(statement)
    top = name.partition(".")[0]
    if relative:
        return _LOCAL
    if top == "__future__":
        return _FUTURE
    if top in first_party:
        return _FIRST_PARTY
    if top in _STDLIB_NAMES:
        return _STDLIB
    return _THIRD_PARTY


def _key(statement: cst.BaseStatement) -> tuple[bool, str]:
    is_from, name, _ = _module_name(statement)
    return is_from, name.lower()


def _insert(
    rest: list[cst.BaseStatement], new: cst.SimpleStatementLine, first_party: frozenset[str]
) -> list[cst.BaseStatement]:
    section = _section(new, first_party)
    sections = [_section(s, first_party) for s in rest]
    same = [i for i, s in enumerate(sections) if s == section]
    blank = (cst.EmptyLine(),)
    if same:
        position = next((i for i in same if _key(rest[i]) > _key(new)), same[-1] + 1)
        if position != same[0]:
            return [*rest[:position], new, *rest[position:]]
        gap: Sequence[cst.EmptyLine] = ()  # first of its section: it takes the section's gap
    else:
        position = next((i for i, s in enumerate(sections) if s > section), len(rest))
        if position == len(rest):
            return [*rest, new.with_changes(leading_lines=blank)]
        gap = blank if position == 0 else ()  # a new section goes in front of the next one
        if position > 0:
            return [*rest[:position], new.with_changes(leading_lines=blank), *rest[position:]]
    leader = rest[position]
    assert isinstance(leader, cst.SimpleStatementLine)
    taken = new.with_changes(leading_lines=leader.leading_lines)
    return [*rest[:position], taken, leader.with_changes(leading_lines=gap), *rest[position + 1 :]]
