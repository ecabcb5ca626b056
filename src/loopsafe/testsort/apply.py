"""`--apply-markers`: add `pytestmark = pytest.mark.<category>` to test files.

Edits go through LibCST so everything else in the file stays byte for byte: formatting,
comments, the encoding (cookie and BOM) and line endings. An existing module-level
`pytestmark` is merged with (a single mark becomes a list; a list or tuple gets one more
element in its own style); `import pytest` is added only when the module has no
top-level import of pytest, after the docstring and `from __future__` imports. A second
run changes nothing. Every file written still compiles and is written atomically.
"""

from __future__ import annotations

import ast
import codecs
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import libcst as cst

from loopsafe.parse.source import SourceError, parse_source, read_source
from loopsafe.testsort.facts import module_facts
from loopsafe.testsort.model import Category


class MarkerError(Exception):
    """This file's markers cannot be added automatically (the message says why)."""


@dataclass
class FileEdit:
    path: Path
    old: bytes | None  # None: a new file
    new: bytes


# --------------------------------------------------------------------------- LibCST helpers
def _dotted(node: cst.BaseExpression) -> str | None:
    parts: list[str] = []
    while isinstance(node, cst.Attribute):
        parts.append(node.attr.value)
        node = node.value
    if not isinstance(node, cst.Name):
        return None
    parts.append(node.value)
    return ".".join(reversed(parts))


def _pytest_alias(module: cst.Module) -> str | None:
    """The name a top-level `import pytest` binds, if any."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.Import):
                for alias in small.names:
                    if _dotted(alias.name) == "pytest":
                        if alias.asname is None:
                            return "pytest"
                        name = alias.asname.name
                        if isinstance(name, cst.Name):
                            return name.value
    return None


def _mark_name(module: cst.Module) -> str | None:
    """The name `from pytest import mark [as m]` binds, if any."""
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if (
                isinstance(small, cst.ImportFrom)
                and not small.relative
                and small.module is not None
                and _dotted(small.module) == "pytest"
                and not isinstance(small.names, cst.ImportStar)
            ):
                for name in small.names:
                    if _dotted(name.name) == "mark":
                        bound = name.asname.name if name.asname else name.name
                        if isinstance(bound, cst.Name):
                            return bound.value
    return None


def _mark_prefixes(module: cst.Module, alias: str | None) -> set[str]:
    prefixes = {f"{alias}.mark."} if alias else set()
    for statement in module.body:
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and not small.relative:
                if small.module is not None and _dotted(small.module) == "pytest":
                    names = small.names
                    if isinstance(names, cst.ImportStar):
                        prefixes.add("mark.")
                        continue
                    for name in names:
                        if _dotted(name.name) == "mark":
                            bound = name.asname.name if name.asname else name.name
                            if isinstance(bound, cst.Name):
                                prefixes.add(f"{bound.value}.")
    return prefixes


def _is_mark(expr: cst.BaseExpression, prefixes: set[str]) -> bool:
    target = expr.func if isinstance(expr, cst.Call) else expr
    dotted = _dotted(target)
    return dotted is not None and any(dotted.startswith(p) for p in prefixes)


def _pytestmark_target(statement: cst.CSTNode) -> cst.Assign | cst.AnnAssign | None:
    if not isinstance(statement, cst.SimpleStatementLine):
        return None
    for small in statement.body:
        if isinstance(small, cst.Assign):
            if any(
                isinstance(t.target, cst.Name) and t.target.value == "pytestmark"
                for t in small.targets
            ):
                if len(small.targets) != 1:
                    raise MarkerError("`pytestmark` is assigned together with other names")
                return small
        elif isinstance(small, cst.AnnAssign):
            if isinstance(small.target, cst.Name) and small.target.value == "pytestmark":
                return small
        elif isinstance(small, cst.AugAssign):
            if isinstance(small.target, cst.Name) and small.target.value == "pytestmark":
                raise MarkerError("`pytestmark` is built with `+=`")
    return None


def _append(
    elements: list[Any],
    opening: cst.BaseParenthesizableWhitespace,
    closing: cst.BaseParenthesizableWhitespace,
    new: cst.BaseExpression,
) -> tuple[list[Any], cst.BaseParenthesizableWhitespace]:
    """`elements` plus one, in the collection's own layout (one line, or one element per
    line with or without a trailing comma), and the new whitespace before the closing
    bracket. A comment after the old last element stays on its line."""
    if not elements:
        return [cst.Element(new)], closing
    *rest, last = elements
    if isinstance(closing, cst.ParenthesizedWhitespace):
        # The line break (and comment) before the bracket now ends the old last element.
        indent = _element_indent(rest, opening, closing)
        after = closing.with_changes(last_line=indent)
        if isinstance(last.comma, cst.Comma):
            separator = last.comma.with_changes(whitespace_after=after)
            trailing: Any = last.comma
        else:
            separator = cst.Comma(whitespace_after=after)
            trailing = cst.MaybeSentinel.DEFAULT
        new_closing = closing.with_changes(first_line=cst.TrailingWhitespace(), empty_lines=[])
        moved = last.with_changes(comma=separator)
        return [*rest, moved, cst.Element(new, comma=trailing)], new_closing
    space = cst.SimpleWhitespace(" ")
    if isinstance(last.comma, cst.Comma):
        moved = last.with_changes(comma=last.comma.with_changes(whitespace_after=space))
    else:
        moved = last.with_changes(comma=cst.Comma(whitespace_after=space))
    return [*rest, moved, cst.Element(new)], closing


def _element_indent(
    rest: list[Any],
    opening: cst.BaseParenthesizableWhitespace,
    closing: cst.ParenthesizedWhitespace,
) -> cst.SimpleWhitespace:
    if rest and isinstance(rest[-1].comma, cst.Comma):
        ws = rest[-1].comma.whitespace_after
        if isinstance(ws, cst.ParenthesizedWhitespace):
            return ws.last_line
    if isinstance(opening, cst.ParenthesizedWhitespace):
        return opening.last_line
    return cst.SimpleWhitespace(closing.last_line.value + "    ")


def _merged(
    value: cst.BaseExpression, mark: cst.BaseExpression, prefixes: set[str]
) -> cst.BaseExpression:
    if isinstance(value, cst.List):
        elements, closing = _append(
            list(value.elements),
            value.lbracket.whitespace_after,
            value.rbracket.whitespace_before,
            mark,
        )
        rbracket = value.rbracket.with_changes(whitespace_before=closing)
        return value.with_changes(elements=elements, rbracket=rbracket)
    if isinstance(value, cst.Tuple):
        if not value.lpar:
            elements, _ = _append(
                list(value.elements), cst.SimpleWhitespace(""), cst.SimpleWhitespace(""), mark
            )
            return value.with_changes(elements=elements)
        elements, closing = _append(
            list(value.elements),
            value.lpar[0].whitespace_after,
            value.rpar[-1].whitespace_before,
            mark,
        )
        rpar = [*value.rpar[:-1], value.rpar[-1].with_changes(whitespace_before=closing)]
        return value.with_changes(elements=elements, rpar=rpar)
    if _is_mark(value, prefixes):
        return cst.List(
            [
                cst.Element(value, comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))),
                cst.Element(mark),
            ]
        )
    raise MarkerError("`pytestmark` is not a mark or a list of marks")


# --------------------------------------------------------------------------- placement
def _is_docstring(statement: cst.CSTNode) -> bool:
    return (
        isinstance(statement, cst.SimpleStatementLine)
        and len(statement.body) == 1
        and isinstance(statement.body[0], cst.Expr)
        and isinstance(statement.body[0].value, (cst.SimpleString, cst.ConcatenatedString))
    )


def _is_future(statement: cst.CSTNode) -> bool:
    return isinstance(statement, cst.SimpleStatementLine) and all(
        isinstance(s, cst.ImportFrom) and s.module is not None and _dotted(s.module) == "__future__"
        for s in statement.body
    )


def _is_import_block(statement: cst.CSTNode) -> bool:
    """Imports, and the `try: import x / except ImportError` and `if TYPE_CHECKING:`
    blocks that sit among them."""
    if isinstance(statement, cst.SimpleStatementLine):
        return all(isinstance(s, (cst.Import, cst.ImportFrom)) for s in statement.body)
    if isinstance(statement, cst.If):
        test = (
            _dotted(statement.test)
            if isinstance(statement.test, (cst.Name, cst.Attribute))
            else None
        )
        return test is not None and test.endswith("TYPE_CHECKING")
    if isinstance(statement, cst.Try):
        body = statement.body
        return isinstance(body, cst.IndentedBlock) and all(_is_import_block(s) for s in body.body)
    return False


def _blank() -> cst.EmptyLine:
    return cst.EmptyLine()


def _statement(code: str, module: cst.Module, blank_before: bool) -> cst.SimpleStatementLine:
    parsed = cst.parse_statement(code, config=module.config_for_parsing)
    assert isinstance(parsed, cst.SimpleStatementLine)
    return parsed.with_changes(leading_lines=[_blank()] if blank_before else [])


_Statement = cst.SimpleStatementLine | cst.BaseCompoundStatement


def _separated(statement: _Statement) -> _Statement:
    """Make sure `statement` starts after a blank line (it now follows an insertion),
    two before a function or class, as PEP 8 has it."""
    if statement.leading_lines:
        return statement
    definition = isinstance(statement, (cst.FunctionDef, cst.ClassDef))
    return statement.with_changes(leading_lines=[_blank()] * (2 if definition else 1))


def add_marker(text: str, category: Category) -> str:
    """`text` with the module-level pytestmark including `category` (unchanged if it
    already does). Raises MarkerError when that cannot be done safely."""
    try:
        module = cst.parse_module(text)
    except cst.ParserSyntaxError as exc:
        raise MarkerError(f"LibCST cannot parse the file: {str(exc).splitlines()[0]}") from None
    alias = _pytest_alias(module)
    prefixes = _mark_prefixes(module, alias)
    body = list(module.body)
    targets = [(i, _pytestmark_target(s)) for i, s in enumerate(body)]
    found = [(i, t) for i, t in targets if t is not None]
    mark_name = _mark_name(module)
    if alias is not None:
        code = f"{alias}.mark.{category.value}"
    elif mark_name is not None:
        code = f"{mark_name}.{category.value}"
    else:
        code = f"pytest.mark.{category.value}"
    needs_import = alias is None and mark_name is None
    mark = cst.parse_expression(code)
    if found:
        index, target = found[-1]
        value = target.value
        if value is None:
            raise MarkerError("`pytestmark` has no value")
        statement = body[index]
        assert isinstance(statement, cst.SimpleStatementLine)
        new_target = target.with_changes(value=_merged(value, mark, prefixes))
        body[index] = statement.with_changes(
            body=[new_target if s is target else s for s in statement.body]
        )
    else:
        position = 0
        while position < len(body) and (_is_docstring(body[position]) if position == 0 else False):
            position += 1
        while position < len(body) and _is_import_block(body[position]):
            position += 1
        line = _statement(f"pytestmark = {code}", module, position > 0)
        body.insert(position, line)
        if position + 1 < len(body):
            body[position + 1] = _separated(body[position + 1])
    if needs_import:
        position = 1 if body and _is_docstring(body[0]) else 0
        while position < len(body) and _is_future(body[position]):
            position += 1
        body.insert(position, _statement("import pytest", module, position > 0))
        if position + 1 < len(body):
            body[position + 1] = _separated(body[position + 1])
    return module.with_changes(body=body).code


# --------------------------------------------------------------------------- files
def plan_marker(path: Path, relpath: str, category: Category) -> FileEdit | None:
    """The edit marking the file at `path`, or None when it is already marked."""
    try:
        data = read_source(path)
        parsed = parse_source(data, str(path))
    except SourceError as exc:
        raise MarkerError(exc.message) from None
    new_text = add_marker(parsed.text, category)
    if new_text == parsed.text:
        return None
    try:
        tree = ast.parse(new_text)
    except SyntaxError as exc:  # pragma: no cover - a bug, never the user's
        raise MarkerError(f"the edit would not compile: {exc.msg}") from None
    if category.value not in {m.name for m in module_facts(tree, relpath).marks}:
        raise MarkerError("`pytestmark` could not be extended")  # pragma: no cover
    try:
        new = new_text.encode(parsed.encoding)
    except (UnicodeError, LookupError) as exc:  # pragma: no cover - ASCII is always added
        raise MarkerError(f"cannot re-encode as {parsed.encoding}: {exc}") from None
    if parsed.bom:
        new = codecs.BOM_UTF8 + new
    return FileEdit(path, data, new)
