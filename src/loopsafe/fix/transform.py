"""The LibCST codemods: apply located edits to one module, keeping its formatting.

Every edit is found again in the concrete syntax tree by position (line and column, as
the analyser reported it), so nothing is matched by text. The transformer records which
edits it could apply; the caller drops a fix whose edits did not all land.
"""

from __future__ import annotations

import ast
import re
import sys
import unicodedata
from collections.abc import Collection, Iterable, Sequence

import libcst as cst
import libcst.matchers as m
from libcst.codemod import CodemodContext
from libcst.codemod.visitors import AddImportsVisitor
from libcst.metadata import MetadataWrapper, PositionProvider

from loopsafe.fix.import_order import place_new_imports
from loopsafe.model import Op, OpKind

_WORD = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_CALL_OPS = frozenset(
    {
        OpKind.AWAIT,
        OpKind.AWAIT_FN,
        OpKind.RUN_SYNC,
        OpKind.RUNNING_LOOP,
        OpKind.RENAME_CALL,
        OpKind.LOOP_SCOPE,
        OpKind.WAIT_AWAIT,
        OpKind.CURRENT_LOOP,
        OpKind.INLINE_CURRENT_LOOP,
        OpKind.ASYNCIO_RUN,
        OpKind.DROP_ARGUMENT,
        OpKind.LOOP_FACTORY,
        OpKind.LOOP_ARGUMENT,
    }
)
_DEF_OPS = frozenset(
    {OpKind.ASYNC_DEF, OpKind.ASYNC_FIXTURE, OpKind.DELETE_DEF, OpKind.COROUTINE_DEF}
)
_NAME_OPS = frozenset({OpKind.AWAIT_CALL, OpKind.WRAP_RUN, OpKind.AWAIT_TWIN})
# Modules whose import has no side effect worth keeping once nothing uses it: an import a
# fix orphans goes only if it is one of these (the standard library and the loop libraries).
_LOOP_LIBRARIES = frozenset({"anyio", "trio", "uvloop", "nest_asyncio"})


def apply_ops(
    source: str,
    ops: Sequence[Op],
    refused: dict[Op, str] | None = None,
    first_party: Iterable[str] = (),
) -> tuple[str, set[Op]]:
    """The new source and the edits that were applied. Why an edit that was found could
    not be made goes into `refused`, when given. `first_party`: the project's top-level
    module names, for sorting an added import into its section."""
    comment_ops = [op for op in ops if op.kind is OpKind.DROP_SUPPRESSION]
    if comment_ops:  # comments only: the other edits' lines and columns stay valid
        ops = [op for op in ops if op.kind is not OpKind.DROP_SUPPRESSION]
        source, done = _drop_suppressions(source, comment_ops, keep_lines=bool(ops))
        dropped = {op for op in comment_ops if op.line in done}
        if not ops:
            return source, dropped
        new_source, applied = apply_ops(source, ops, refused, first_party)
        return new_source, applied | dropped
    module = cst.parse_module(source)
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)  # freshly parsed: no copy needed
    context = CodemodContext()
    transformer = _Transformer(ops, context, _module_bindings(module))
    transformer.local_names = _local_names(source)
    updated = wrapper.visit(transformer)
    if refused is not None:
        refused.update(transformer.refused)
    if not transformer.applied:
        return source, set()
    if transformer.inline_defs:
        updated = _with_inline_defs(updated, transformer.inline_defs, transformer.bound)
    # A function whose callers now await its twin: its import may go once unused.
    twins = {(op.twin_module, op.name) for op in transformer.applied if op.twin_module}
    if transformer.imports:
        for module_name, obj, asname in transformer.imports:
            AddImportsVisitor.add_needed_import(context, module_name, obj, asname)
        updated = AddImportsVisitor(context).transform_module(updated)
        if twins:
            updated = updated.visit(_SortNames({module_name for module_name, _ in twins}))
    # An import this run added that nothing uses in the end (the call that needed it sat
    # in an argument another edit dropped) goes too, whatever its module.
    added = {(module_name, obj) for module_name, obj, _ in transformer.imports if obj}
    also = twins | added
    orphaned = _unused_imports(updated.code, also) - _unused_imports(source, also)
    if orphaned:
        updated = updated.visit(_DropImports(orphaned))
    if transformer.imports:
        # The package a helper copy is vendored into is the project's own by definition.
        vendored = {
            name.partition(".")[0]
            for name, _, _ in transformer.imports
            if name.endswith("._loopsafe_runtime")
        }
        updated = place_new_imports(module, updated, {*first_party, *vendored})
    return updated.code, transformer.applied


def _drop_suppressions(source: str, ops: Sequence[Op], *, keep_lines: bool) -> tuple[str, set[int]]:
    from loopsafe.fix.suppressions import edit_comments

    drop: dict[int, list[str]] = {}
    for op in ops:
        drop.setdefault(op.line, []).extend(op.name.split(","))
    return edit_comments(source, drop=drop, keep_lines=keep_lines)


def _with_inline_defs(
    module: cst.Module, names: set[str], bound: dict[str, _Binding]
) -> cst.Module:
    """The module with the helper functions its fixed calls need, written after its
    leading docstring and imports (so they exist before any top-level code runs), once."""
    from loopsafe.vendor import INLINE_CURRENT_LOOP, INLINE_CURRENT_LOOP_SOURCE

    sources = {INLINE_CURRENT_LOOP: INLINE_CURRENT_LOOP_SOURCE}
    new = [
        cst.parse_statement(sources[name], module.config_for_parsing)
        for name in sorted(names - set(bound))
    ]
    if not new:
        return module
    body = list(module.body)
    at = 0
    for index, statement in enumerate(body):
        if isinstance(statement, cst.SimpleStatementLine) and all(
            isinstance(small, (cst.Import, cst.ImportFrom))
            or (isinstance(small, cst.Expr) and isinstance(small.value, cst.SimpleString))
            for small in statement.body
        ):
            at = index + 1
        else:
            break
    two_lines = (cst.EmptyLine(), cst.EmptyLine())
    new = [statement.with_changes(leading_lines=two_lines) for statement in new]
    if at < len(body):
        body[at] = body[at].with_changes(leading_lines=(*two_lines, *_comments(body[at])))
    return module.with_changes(body=[*body[:at], *new, *body[at:]])


def _comments(statement: cst.BaseStatement) -> tuple[cst.EmptyLine, ...]:
    """A statement's leading comment lines, without the blank lines among them."""
    lines = getattr(statement, "leading_lines", ())
    return tuple(line for line in lines if line.comment is not None)


_Imported = tuple[str, str | None, str | None]  # (module, name or None, alias or None)
_Binding = tuple[str, str] | None  # `from module import name` binds (module, name); else None


def _local_names(source: str) -> frozenset[str]:
    """Every name bound below the module's top level (assignments, parameters, loop and
    `with` targets, nested defs, imports): what a helper imported at the top must not be
    called, as such a binding would hide it."""
    try:
        tree = ast.parse(source)
    except (SyntaxError, ValueError):  # newer syntax: only the top-level names are known
        return frozenset()
    names: set[str] = set()
    for scope in ast.walk(tree):
        if not isinstance(scope, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        for node in ast.walk(scope):
            if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
                names.add(node.id)
            elif isinstance(node, ast.arg):
                names.add(node.arg)
            elif isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                if node is not scope:
                    names.add(node.name)
            elif isinstance(node, (ast.Import, ast.ImportFrom)):
                names.update((a.asname or a.name).partition(".")[0] for a in node.names)
    return frozenset(names)


def _module_bindings(module: cst.Module) -> dict[str, _Binding]:
    """Names the module binds at its top level, and where from-imported ones come from."""
    bound: dict[str, _Binding] = {}
    for statement in module.body:
        if isinstance(statement, (cst.FunctionDef, cst.ClassDef)):
            bound[statement.name.value] = None
        if not isinstance(statement, cst.SimpleStatementLine):
            continue
        for small in statement.body:
            if isinstance(small, cst.ImportFrom) and not isinstance(small.names, cst.ImportStar):
                source = _dotted(small.module) if small.module and not small.relative else ""
                for alias in small.names:
                    name = _dotted(alias.name)
                    bound[_alias(alias) or name] = (source, name) if source else None
            elif isinstance(small, cst.Import):
                for alias in small.names:
                    bound[_alias(alias) or _dotted(alias.name).partition(".")[0]] = None
            elif isinstance(small, (cst.Assign, cst.AnnAssign)):
                targets = small.targets if isinstance(small, cst.Assign) else [small]
                for target in targets:
                    if isinstance(target.target, cst.Name):
                        bound[target.target.value] = None
    return bound


def _unused_imports(code: str, also: Collection[tuple[str, str]] = ()) -> set[_Imported]:
    """The imports of side-effect-free modules that nothing in `code` uses. Judged on names
    alone: a name that appears at all keeps its import (keeping one is always safe). A fix
    drops those that are unused after it and were used before: the ones it orphaned."""
    try:
        tree = ast.parse(code)
    except SyntaxError:  # syntax newer than this Python: the fallback parser reads it
        from loopsafe.parse.source import SourceError, parse_source

        try:
            tree = parse_source(code.encode("utf-8"), "fixed.py").tree
        except SourceError:
            return set()
    used: set[str] = set()
    imported: dict[str, _Imported] = {}  # local name -> import
    docstrings: set[int] = set()  # a string statement is never an annotation
    for node in ast.walk(tree):
        if isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant):
            docstrings.add(id(node.value))
        elif isinstance(node, ast.Name):
            used.add(node.id)
        elif isinstance(node, ast.Import):
            for alias in node.names:
                local = alias.asname or alias.name.partition(".")[0]
                imported[local] = (alias.name, None, alias.asname)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            for alias in node.names:
                imported[alias.asname or alias.name] = (node.module, alias.name, alias.asname)
        elif (
            isinstance(node, ast.Constant)
            and isinstance(node.value, str)
            and id(node) not in docstrings
        ):
            used.update(_WORD.findall(node.value))  # names in string annotations
    return {
        item
        for local, item in imported.items()
        if local not in used and (_droppable(item[0]) or (item[0], item[1]) in also)
    }


class _SortNames(cst.CSTTransformer):
    """Names of `from <module> import ...` in the order isort and ruff give them (constants,
    classes, then functions), after a fix added one to an existing statement."""

    def __init__(self, modules: set[str]) -> None:
        super().__init__()
        self.modules = modules

    def leave_ImportFrom(
        self, original_node: cst.ImportFrom, updated_node: cst.ImportFrom
    ) -> cst.ImportFrom:
        names = updated_node.names
        if (
            updated_node.module is None
            or updated_node.relative
            or isinstance(names, cst.ImportStar)
            or _dotted(updated_node.module) not in self.modules
        ):
            return updated_node
        commas = [alias.comma for alias in names]
        ordered = sorted(names, key=lambda a: _name_order(_dotted(a.name)))
        return updated_node.with_changes(
            names=[a.with_changes(comma=c) for a, c in zip(ordered, commas, strict=True)]
        )


def _name_order(name: str) -> tuple[int, str]:
    kind = 0 if name.isupper() and len(name) > 1 else 1 if name[:1].isupper() else 2
    return kind, name


def _droppable(module: str) -> bool:
    top = module.partition(".")[0]
    return top in sys.stdlib_module_names or top in _LOOP_LIBRARIES


class _DropImports(cst.CSTTransformer):
    """Remove the given imports (`import asyncio`, `from asyncio import run as go`), at
    module level and in function bodies. A statement left empty goes; its leading lines
    pass to the next one, so comments stay and the layout around it (a blank line after
    the docstring, none at the top of a file or a body) is kept."""

    def __init__(self, unused: set[_Imported]) -> None:
        super().__init__()
        self.unused = unused

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        return updated_node.with_changes(body=self._statements(updated_node.body))

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body = self._statements(updated_node.body)
        if not body:  # the block held nothing but the import
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated_node.with_changes(body=body)

    def _statements(self, statements: Sequence[cst.BaseStatement]) -> list[cst.BaseStatement]:
        body: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] | None = None
        for statement in statements:
            kept = self._filter(statement)
            if kept is None:
                carried = [*(carried or ()), *_leading_lines(statement)]
                continue
            if carried is not None:
                own = list(_leading_lines(kept))
                has_comment = any(line.comment is not None for line in carried)
                lines = [*carried, *own] if has_comment else (own or carried)
                if not body:  # first in the file or block: no blank lines before it
                    while lines and lines[0].comment is None:
                        lines.pop(0)
                kept = kept.with_changes(leading_lines=lines)
                carried = None
            body.append(kept)
        return body

    def _filter(self, statement: cst.BaseStatement) -> cst.BaseStatement | None:
        """The statement without the unused imports; None when nothing of it remains."""
        if not isinstance(statement, cst.SimpleStatementLine):
            return statement
        parts: list[cst.BaseSmallStatement] = []
        changed = False
        for small in statement.body:
            if isinstance(small, (cst.Import, cst.ImportFrom)):
                filtered = self._imports(small)
                changed = changed or filtered is not small
                if filtered is not None:
                    parts.append(filtered)
            else:
                parts.append(small)
        if not changed:
            return statement
        if not parts:
            return None
        parts[-1] = parts[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return statement.with_changes(body=parts)

    def _imports(self, node: cst.Import | cst.ImportFrom) -> cst.Import | cst.ImportFrom | None:
        if isinstance(node, cst.ImportFrom):
            if node.relative or node.module is None or isinstance(node.names, cst.ImportStar):
                return node
            module_name = _dotted(node.module)
            before = len(node.names)
            names = [
                a
                for a in node.names
                if (module_name, _dotted(a.name), _alias(a)) not in self.unused
            ]
        else:
            before = len(node.names)
            names = [a for a in node.names if (_dotted(a.name), None, _alias(a)) not in self.unused]
        if not names:
            return None
        if len(names) == before:
            return node
        names[-1] = names[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
        if isinstance(node, cst.ImportFrom) and len(names) == 1:
            return node.with_changes(names=names, lpar=None, rpar=None)
        return node.with_changes(names=names)


def _leading_lines(statement: cst.BaseStatement) -> Sequence[cst.EmptyLine]:
    if isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
        return statement.leading_lines
    return ()


def _alias(alias: cst.ImportAlias) -> str | None:
    name = alias.asname.name if alias.asname else None
    return name.value if isinstance(name, cst.Name) else None


def _primary(node: cst.BaseExpression) -> bool:
    """Can `await` take this expression without parentheses?"""
    if node.lpar:
        return True
    return isinstance(
        node,
        (
            cst.Name,
            cst.Attribute,
            cst.Call,
            cst.Subscript,
            cst.SimpleString,
            cst.ConcatenatedString,
            cst.FormattedString,
            cst.Integer,
            cst.Float,
            cst.List,
            cst.Tuple,
            cst.Dict,
            cst.Set,
        ),
    )


_EMPTY = cst.Module(body=[])
_LINE_LENGTH = 88  # what formatters keep a call within (black's and ruff's default)


def _sole_argument(call: cst.Call) -> cst.BaseExpression:
    """The argument of `run(arg)`, ready to stand alone. The call's own parentheses stay
    around it when they hold a comment (`run(  # why`) or a line break the argument needs
    (`run(client\n    .fetch())`): neither may be lost."""
    arg = call.args[0]
    value = arg.value
    code = _EMPTY.code_for_node(call)
    if "\n" not in code and "#" not in code:
        return value
    value_code = _EMPTY.code_for_node(value)
    try:
        cst.parse_expression(value_code)
        stands_alone = True
    except cst.ParserSyntaxError:
        stands_alone = False
    if stands_alone and "#" not in code.replace(value_code, ""):
        return value
    closing = arg.comma.whitespace_after if isinstance(arg.comma, cst.Comma) else None
    before_rpar = closing or arg.whitespace_after_arg
    return value.with_changes(
        lpar=[cst.LeftParen(whitespace_after=call.whitespace_before_args), *value.lpar],
        rpar=[*value.rpar, cst.RightParen(whitespace_before=before_rpar)],
    )


def _awaited(expression: cst.BaseExpression) -> cst.Await:
    if not _primary(expression):
        expression = expression.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return cst.Await(expression=expression)


def _paren(node: cst.BaseExpression) -> cst.BaseExpression:
    if isinstance(node, cst.Await) and not node.lpar:
        return node.with_changes(lpar=[cst.LeftParen()], rpar=[cst.RightParen()])
    return node


def _callee_name(func: cst.BaseExpression) -> str:
    """The called name as Python (and the analyser) reads it: NFKC (`ﬁle` is `file`)."""
    if isinstance(func, cst.Name):
        name = func.value
    elif isinstance(func, cst.Attribute):
        name = func.attr.value
    else:
        return ""
    return name if name.isascii() else unicodedata.normalize("NFKC", name)


def _dotted_expression(dotted: str) -> cst.BaseExpression:
    """`a.b.c` as an expression."""
    head, *rest = dotted.split(".")
    node: cst.BaseExpression = cst.Name(head)
    for part in rest:
        node = cst.Attribute(value=node, attr=cst.Name(part))
    return node


def _dotted(node: cst.BaseExpression) -> str:
    if isinstance(node, cst.Name):
        return node.value
    if isinstance(node, cst.Attribute):
        base = _dotted(node.value)
        return f"{base}.{node.attr.value}" if base else ""
    return ""


class _Transformer(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self, ops: Sequence[Op], context: CodemodContext, bound: dict[str, _Binding]
    ) -> None:
        super().__init__()
        self.context = context
        self.bound = bound
        self.by_position = {
            (op.line, op.col, op.end_line, op.end_col): op for op in ops if op.kind in _CALL_OPS
        }
        self.by_def = {op.line: op for op in ops if op.kind in _DEF_OPS}
        self.twins = {op.line: op for op in ops if op.kind == OpKind.ASYNC_TWIN}
        self.twin_awaits = {
            (op.line, op.col, op.end_line, op.end_col): op
            for op in ops
            if op.kind == OpKind.TWIN_AWAIT
        }
        self.twin_calls: dict[int, Op] = {}  # id(original Call) -> its TWIN_AWAIT

        self.drop_loops: dict[int, list[Op]] = {}
        for op in ops:
            if op.kind in (OpKind.DROP_LOOP, OpKind.DROP_FETCHED_LOOP, OpKind.DROP_EXECUTOR):
                self.drop_loops.setdefault(op.line, []).append(op)
        self.by_name: dict[tuple[int, str], list[Op]] = {}
        self.by_line: dict[int, list[Op]] = {}
        for op in ops:
            if op.kind in _NAME_OPS:
                self.by_name.setdefault((op.line, op.name), []).append(op)
                self.by_line.setdefault(op.line, []).append(op)
        self.statement_ops = {
            (op.line, op.col, op.end_line, op.end_col): op
            for op in ops
            if op.kind == OpKind.DELETE_STATEMENT
        }
        # The statements that go, as left, by id (kept alive here: an id is unique only
        # while its object lives).
        self.deleted: dict[int, cst.BaseStatement] = {}
        self.dropped: dict[int, cst.Expr] = {}  # the same for the expressions that go
        self.applied: set[Op] = set()
        self.refused: dict[Op, str] = {}  # edits found but not made, with why
        self.imports: set[tuple[str, str | None, str | None]] = set()  # module, name, as
        self.inline_defs: set[str] = set()  # functions to write into the module
        # Names bound inside functions and classes: an imported helper must not take one
        # (`current_loop = current_loop()` would make the name local, unbound at the call).
        self.local_names: frozenset[str] = frozenset()
        self.lambdas = 0
        self.pending: dict[int, Op] = {}  # id(original Call) -> op to apply on leave

    # ------------------------------------------------------------------ positions
    def _start(self, node: cst.CSTNode) -> tuple[int, int]:
        position = self.get_metadata(PositionProvider, node).start
        return position.line, position.column + 1

    def _span(self, node: cst.CSTNode) -> tuple[int, int, int, int]:
        """Like the analyser's positions: 1-based columns, end exclusive."""
        code_range = self.get_metadata(PositionProvider, node)
        start, end = code_range.start, code_range.end
        return start.line, start.column + 1, end.line, end.column + 1

    # ------------------------------------------------------------------ scopes
    # `await` is a syntax error in a lambda, and turns a generator expression into an
    # async generator that `sum()` or `list()` can no longer consume: no awaits there.
    def visit_Lambda(self, node: cst.Lambda) -> None:
        self.lambdas += 1

    def leave_Lambda(self, original_node: cst.Lambda, updated_node: cst.Lambda) -> cst.Lambda:
        self.lambdas -= 1
        return updated_node

    def visit_GeneratorExp(self, node: cst.GeneratorExp) -> None:
        self.lambdas += 1

    def leave_GeneratorExp(
        self, original_node: cst.GeneratorExp, updated_node: cst.GeneratorExp
    ) -> cst.GeneratorExp:
        self.lambdas -= 1
        return updated_node

    # ------------------------------------------------------------------ definitions
    def leave_FunctionDef(
        self, original_node: cst.FunctionDef, updated_node: cst.FunctionDef
    ) -> cst.FunctionDef | cst.RemovalSentinel | cst.FlattenSentinel[cst.BaseStatement]:
        line = self._start(original_node)[0]
        for drop in self.drop_loops.get(line, ()):
            if drop.kind == OpKind.DROP_EXECUTOR:
                updated_node = self._drop_executor(drop, updated_node)
            else:
                updated_node = self._drop_loop(drop, updated_node)
        twin = self.twins.get(line)
        if twin is not None:
            return self._with_twin(twin, original_node, updated_node)
        op = self.by_def.get(line)
        if op is None:
            return updated_node
        if op.kind == OpKind.COROUTINE_DEF:
            return self._coroutine_def(op, updated_node)
        self.applied.add(op)
        if op.kind == OpKind.DELETE_DEF:
            return cst.RemoveFromParent()
        changed = updated_node.with_changes(asynchronous=cst.Asynchronous())
        if op.kind == OpKind.ASYNC_FIXTURE and op.name == "strict":
            changed = changed.with_changes(
                decorators=[self._asyncio_fixture(d) for d in changed.decorators]
            )
        return changed

    def _coroutine_def(self, op: Op, node: cst.FunctionDef) -> cst.FunctionDef:
        """`@asyncio.coroutine def f` -> `async def f`, its own `yield from x` awaited
        (an `async def` only loses the decorator)."""
        decorators: list[cst.Decorator] = []
        carried: list[cst.EmptyLine] = []  # comments above a removed decorator stay
        for decorator in node.decorators:
            if _dotted(decorator.decorator) == op.name:
                carried += [line for line in decorator.leading_lines if line.comment]
                continue
            lines = [*carried, *decorator.leading_lines]
            decorators.append(decorator.with_changes(leading_lines=lines))
            carried = []
        if len(decorators) == len(node.decorators):
            self.refused[op] = f"`@{op.name}` is not found on the function"
            return node
        changed = node.with_changes(decorators=decorators)
        if carried and decorators:  # below the decorators that stay, above the `def`
            changed = changed.with_changes(
                lines_after_decorators=[*carried, *node.lines_after_decorators]
            )
        elif carried:
            changed = changed.with_changes(leading_lines=[*node.leading_lines, *carried])
        if node.asynchronous is None:
            awaiter = _YieldFromAwait()
            body = node.body.visit(awaiter)
            if not isinstance(body, cst.BaseSuite) or awaiter.left:
                self.refused[op] = "the generator yields other than by `yield from`"
                return node
            changed = changed.with_changes(body=body, asynchronous=cst.Asynchronous())
        self.applied.add(op)
        return changed

    # ------------------------------------------------------------------ statements
    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.Expr:
        call = original_node.value
        if not self.statement_ops or not isinstance(call, cst.Call):
            return updated_node
        op = self.statement_ops.get(self._span(call))
        if op is not None and op.name:
            op = None  # the edit names a method called on the site's result, or its `if`
        if op is None and isinstance(call.func, cst.Attribute):
            inner = call.func.value
            if isinstance(inner, cst.Call):
                found = self.statement_ops.get(self._span(inner))
                if found is not None and found.name == call.func.attr.value:
                    op = found
        if op is not None:
            self.applied.add(op)
            self.dropped[id(updated_node)] = updated_node
        return updated_node

    def _kept(self, body: Sequence[cst.BaseSmallStatement]) -> list[cst.BaseSmallStatement] | None:
        """The small statements that stay (None: all of them)."""
        kept = [small for small in body if id(small) not in self.dropped]
        if len(kept) == len(body):
            return None
        if kept:
            kept[-1] = kept[-1].with_changes(semicolon=cst.MaybeSentinel.DEFAULT)
        return kept

    def leave_If(self, original_node: cst.If, updated_node: cst.If) -> cst.If:
        """An `if` whose whole body is a statement deleted by an edit named "if" goes with
        it (it only chose whether to run that statement); never one with an `else`."""
        body = original_node.body
        small = body.body if isinstance(body, cst.SimpleStatementSuite) else None
        if isinstance(body, cst.IndentedBlock) and len(body.body) == 1:
            only = body.body[0]
            small = only.body if isinstance(only, cst.SimpleStatementLine) else None
        if not small or len(small) != 1 or original_node.orelse is not None:
            return updated_node
        expr = small[0]
        if isinstance(expr, cst.Expr) and isinstance(expr.value, cst.Call):
            op = self.statement_ops.get(self._span(expr.value))
            if op is not None and op.name == "if":
                self.applied.add(op)
                self.deleted[id(updated_node)] = updated_node
        return updated_node

    def leave_SimpleStatementLine(
        self, original_node: cst.SimpleStatementLine, updated_node: cst.SimpleStatementLine
    ) -> cst.SimpleStatementLine:
        kept = self._kept(updated_node.body) if self.dropped else None
        if kept is None:
            return updated_node
        if not kept:  # the whole line goes (its block, module or suite decides how)
            self.deleted[id(updated_node)] = updated_node
            return updated_node
        return updated_node.with_changes(body=kept)

    def leave_SimpleStatementSuite(
        self, original_node: cst.SimpleStatementSuite, updated_node: cst.SimpleStatementSuite
    ) -> cst.SimpleStatementSuite:
        kept = self._kept(updated_node.body) if self.dropped else None
        if kept is None:
            return updated_node
        return updated_node.with_changes(body=kept or [cst.Pass()])

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        if not self.deleted:
            return updated_node
        body, comments = _without(updated_node.body, self.deleted)
        if not body:  # the block held nothing but the statements removed
            body = [cst.SimpleStatementLine([cst.Pass()], leading_lines=comments)]
        return updated_node.with_changes(body=body)

    def leave_Module(self, original_node: cst.Module, updated_node: cst.Module) -> cst.Module:
        if not self.deleted:
            return updated_node
        body, comments = _without(updated_node.body, self.deleted)
        return updated_node.with_changes(body=body, footer=[*comments, *updated_node.footer])

    def _drop_loop(self, op: Op, node: cst.FunctionDef) -> cst.FunctionDef:
        """The function without the loop `op.name` once nothing runs on it any more; the
        function as it is (and the edit refused) when the loop is still used after that."""
        set_here = m.Call(
            func=m.Name("set_event_loop") | m.Attribute(attr=m.Name("set_event_loop")),
            args=[m.Arg(value=m.Name(op.name))],
        )
        factory = "get_event_loop" if op.kind == OpKind.DROP_FETCHED_LOOP else "new_event_loop"
        dropper = _LoopDropper(op.name, bool(m.findall(node.body, set_here)), factory)
        body = node.body.visit(dropper)
        if not isinstance(body, cst.BaseSuite) or _mentions(body, op.name):
            self.refused[op] = f"`{op.name}` is still used once the run is rewritten"
            return node
        self.applied.add(op)
        return node.with_changes(body=body)

    def _with_twin(
        self, op: Op, original: cst.FunctionDef, updated: cst.FunctionDef
    ) -> cst.FlattenSentinel[cst.BaseStatement]:
        """The function as the other edits left it, then its async twin: the original
        body with its loop entries awaited."""
        awaiter = _AwaitCalls(self.twin_calls)
        body = original.body.visit(awaiter)
        if not isinstance(body, cst.BaseSuite):
            return cst.FlattenSentinel([updated])
        for loop in sorted({done.name for done in awaiter.applied if done.name}):
            # The loop the sync body made for its run has no place in a coroutine.
            dropped = body.visit(_LoopDropper(loop, reset=True))
            if not isinstance(dropped, cst.BaseSuite) or _mentions(dropped, loop):
                self.refused[op] = f"`{loop}` is still used once the run is awaited"
                return cst.FlattenSentinel([updated])
            body = dropped
        self.applied.update(awaiter.applied)
        self.applied.add(op)
        top_level = self._start(original)[1] == 1
        twin = original.with_changes(
            body=body,
            name=cst.Name(op.name),
            asynchronous=cst.Asynchronous(),
            leading_lines=[cst.EmptyLine(indent=False)] * (2 if top_level else 1),
        )
        return cst.FlattenSentinel([updated, twin])

    def _drop_executor(self, op: Op, node: cst.FunctionDef) -> cst.FunctionDef:
        """The function without the executor `op.name` when nothing uses it any more (it
        stays, and the edit counts as made, while anything does)."""
        self.applied.add(op)
        body = node.body.visit(_ExecutorDropper(op.name))
        if not isinstance(body, cst.BaseSuite) or _mentions(body, op.name):
            return node
        return node.with_changes(body=body)

    def _asyncio_fixture(self, decorator: cst.Decorator) -> cst.Decorator:
        """`@pytest.fixture(...)` -> `@pytest_asyncio.fixture(...)` (strict mode)."""
        target = decorator.decorator
        func = target.func if isinstance(target, cst.Call) else target
        if _dotted(func) not in ("pytest.fixture", "fixture"):
            return decorator
        self.imports.add(("pytest_asyncio", None, None))
        new_func = cst.Attribute(value=cst.Name("pytest_asyncio"), attr=cst.Name("fixture"))
        if isinstance(target, cst.Call):
            return decorator.with_changes(decorator=target.with_changes(func=new_func))
        return decorator.with_changes(decorator=new_func)

    # ------------------------------------------------------------------ calls
    def visit_Call(self, node: cst.Call) -> None:
        span = self._span(node)
        if span in self.twin_awaits:
            self.twin_calls[id(node)] = self.twin_awaits[span]
        op = self.by_position.get(span)
        if op is not None:
            self.pending[id(node)] = op
            return
        name = _callee_name(node.func)
        for candidate in self.by_name.get((span[0], name), ()):
            if candidate.col and candidate.col != span[1]:
                continue  # another call of the same name on that line (`cache.load(k)`)
            self.pending[id(node)] = candidate
            return
        if isinstance(node.func, cst.Name):
            # A bare name called at the very position the analyser reported is the call,
            # whatever it is called locally (`from db import load_item as _load`), unless
            # the edit belongs to an outer call that starts there too and that its name
            # already matched (`Pricing().total()`).
            taken = set(self.pending.values()) | self.applied
            for candidate in self.by_line.get(span[0], ()):
                if candidate.col == span[1] and candidate not in taken:
                    self.pending[id(node)] = candidate
                    return
        if isinstance(node.func, cst.Attribute) and node.func.attr.value == "result":
            inner = node.func.value
            if isinstance(inner, cst.Call):
                op = self.by_position.get(self._span(inner))
                if op is not None and op.kind == OpKind.WAIT_AWAIT:
                    self.pending[id(node)] = op

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        op = self.pending.pop(id(original_node), None)
        result: cst.BaseExpression = updated_node
        if op is not None:
            replaced = self._replace(op, updated_node)
            if replaced is not None:
                self.applied.add(op)
                result = replaced
        if isinstance(result, cst.Call) and isinstance(result.func, cst.Await):
            result = result.with_changes(func=_paren(result.func))
        return result

    def leave_Attribute(
        self, original_node: cst.Attribute, updated_node: cst.Attribute
    ) -> cst.Attribute:
        return updated_node.with_changes(value=_paren(updated_node.value))

    def leave_Subscript(
        self, original_node: cst.Subscript, updated_node: cst.Subscript
    ) -> cst.Subscript:
        return updated_node.with_changes(value=_paren(updated_node.value))

    def _replace(self, op: Op, call: cst.Call) -> cst.BaseExpression | None:
        kind = op.kind
        awaits = kind in (
            OpKind.AWAIT,
            OpKind.AWAIT_FN,
            OpKind.WAIT_AWAIT,
            OpKind.AWAIT_CALL,
            OpKind.AWAIT_TWIN,
        )
        if awaits and self.lambdas:
            self.refused[op] = "the call is inside a lambda or a generator expression"
            return None
        if kind == OpKind.AWAIT:
            if len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
                return None
            return _awaited(_sole_argument(call))
        if kind == OpKind.AWAIT_FN:
            if not call.args or call.args[0].keyword or call.args[0].star:
                return None
            # `anyio.run(f, *args)` passes only positional arguments on: keywords
            # (`backend=`, `clock=`) configure the runner that no longer exists.
            rest = [
                a.with_changes(comma=cst.MaybeSentinel.DEFAULT)
                for a in call.args[1:]
                if a.keyword is None
            ]
            if rest:
                rest[-1] = rest[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
            return _awaited(cst.Call(func=call.args[0].value, args=_commas(rest)))
        if kind == OpKind.RUN_SYNC:
            if not call.args or call.args[0].keyword:
                return None
            spec, *flags = op.name.split("+")
            module_name, _, helper = spec.partition(":")
            local = self._helper_name(module_name, helper)
            self.imports.add((module_name, helper, None if local == helper else local))
            arg = call.args[0]
            if len(call.args) > 1:  # `debug=False` and the like: the defaults, dropped
                arg = arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)
            # `allow_running_loop` (the project applies nest_asyncio: callers may run a
            # loop), `fresh_loop` (each call on a loop of its own, as asyncio.run).
            keywords = [
                cst.Arg(
                    keyword=cst.Name(flag),
                    value=cst.Name("True"),
                    equal=cst.AssignEqual(
                        whitespace_before=cst.SimpleWhitespace(""),
                        whitespace_after=cst.SimpleWhitespace(""),
                    ),
                )
                for flag in flags
            ]
            args = [arg]
            if keywords:
                # Laid out like the call: one per line when its argument is on a line of
                # its own; what followed the argument (its newline, a trailing comma) now
                # follows the last keyword.
                separator = _separator(call.whitespace_before_args)
                keywords[-1] = keywords[-1].with_changes(
                    comma=arg.comma, whitespace_after_arg=arg.whitespace_after_arg
                )
                first = arg.with_changes(
                    comma=separator, whitespace_after_arg=cst.SimpleWhitespace("")
                )
                args = [first, *(k.with_changes(comma=separator) for k in keywords[:-1])]
                args.append(keywords[-1])
            # The call's own whitespace stays: it may hold comments and line breaks.
            return call.with_changes(func=cst.Name(local), args=args)
        if kind == OpKind.RUNNING_LOOP:
            return self._running_loop(call)
        if kind == OpKind.ASYNCIO_RUN:
            if len(call.args) != 1 or call.args[0].keyword or call.args[0].star:
                return None
            self.imports.add(("asyncio", None, None))
            runner = cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("run"))
            return call.with_changes(func=runner)
        if kind == OpKind.CURRENT_LOOP:
            if call.args:
                return None
            module_name, _, helper = op.name.partition(":")
            local = self._helper_name(module_name, helper)
            self.imports.add((module_name, helper, None if local == helper else local))
            return call.with_changes(func=cst.Name(local))
        if kind == OpKind.INLINE_CURRENT_LOOP:
            if call.args or self.bound.get(op.name, None) is not None:
                return None
            self.inline_defs.add(op.name)
            return call.with_changes(func=cst.Name(op.name))
        if kind == OpKind.LOOP_ARGUMENT:
            return self._loop_argument(op, call)
        if kind == OpKind.LOOP_FACTORY:
            return self._loop_factory(op, call)
        if kind == OpKind.RENAME_CALL:
            module_name = op.name.rpartition(".")[0]
            self.imports.add((module_name, None, None))
            return call.with_changes(func=_dotted_expression(op.name))
        if kind == OpKind.DROP_ARGUMENT:
            dropped = _drop_argument(call, op.name)
            if isinstance(dropped, str):
                self.refused[op] = dropped
                return None
            return dropped
        if kind == OpKind.LOOP_SCOPE:
            args = [
                a.with_changes(keyword=cst.Name("loop_scope"))
                if a.keyword is not None and a.keyword.value == "scope"
                else a
                for a in call.args
            ]
            return call.with_changes(args=args)
        if kind == OpKind.WAIT_AWAIT:
            replaced = self._wait_await(call, op.name)
            if replaced is None:
                if _callee_name(call.func) != "result":
                    self.refused[op] = (
                        "the future is kept and waited on elsewhere; await it there "
                        "(`await asyncio.wrap_future(future)`)"
                    )
                elif call.args:
                    self.refused[op] = "`.result()` is given a timeout, which an await would drop"
                else:
                    self.refused[op] = "the fix does not rewrite this form of blocking wait"
            return replaced
        if kind == OpKind.AWAIT_CALL:
            return _awaited(call)
        if kind == OpKind.AWAIT_TWIN:
            func = call.func
            if isinstance(func, cst.Name) and _callee_name(func) == op.name:
                if op.twin_module:
                    self.imports.add((op.twin_module, op.twin, None))
                return _awaited(call.with_changes(func=cst.Name(op.twin)))
            if isinstance(func, cst.Attribute) and _callee_name(func) == op.name:
                return _awaited(call.with_changes(func=func.with_changes(attr=cst.Name(op.twin))))
            self.refused[op] = f"`{op.name}` is called under another name here"
            return None
        if kind == OpKind.WRAP_RUN:
            self.imports.add(("asyncio", None, None))
            runner = cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("run"))
            return cst.Call(func=runner, args=[cst.Arg(value=call)])
        return None

    def _helper_name(self, module_name: str, helper: str) -> str:
        """The helper's name in this module: its own, unless the module already binds that
        name to something else, which an import must not silently replace."""
        local = helper
        while (local in self.bound and self.bound[local] != (module_name, helper)) or (
            local in self.local_names
        ):
            local = f"_loopsafe_{local.lstrip('_')}" if local == helper else f"{local}_"
        return local

    def _loop_factory(self, op: Op, call: cst.Call) -> cst.Call | None:
        """`run(x)` -> `run(x, loop_factory=<expression>)`, laid out like the call."""
        module_name, _, expression = op.name.partition(":")
        changed = self._with_keyword(op, call, "loop_factory", cst.parse_expression(expression))
        if changed is not None and module_name:
            self.imports.add((module_name, None, None))
        return changed

    def _loop_argument(self, op: Op, call: cst.Call) -> cst.Call | None:
        """`asyncio.Future()` -> `asyncio.Future(loop=current_loop())`, importing the helper
        ("module:current_loop")."""
        module_name, _, helper = op.name.partition(":")
        local = self._helper_name(module_name, helper)
        value = cst.Call(func=cst.Name(local))
        changed = self._with_keyword(op, call, "loop", value)
        if changed is not None:
            self.imports.add((module_name, helper, None if local == helper else local))
        return changed

    def _with_keyword(
        self, op: Op, call: cst.Call, keyword: str, value: cst.BaseExpression
    ) -> cst.Call | None:
        """The call with `keyword=value` after its arguments, laid out like the call (one
        argument a line when it would grow past the line length)."""
        if any(a.star == "**" or (a.keyword and a.keyword.value == keyword) for a in call.args):
            self.refused[op] = f"the call already passes `{keyword}=` or `**kwargs`"
            return None
        new = cst.Arg(
            keyword=cst.Name(keyword),
            value=value,
            equal=cst.AssignEqual(
                whitespace_before=cst.SimpleWhitespace(""),
                whitespace_after=cst.SimpleWhitespace(""),
            ),
        )
        args = list(call.args)
        if args:
            last = args[-1]
            if isinstance(last.comma, cst.Comma):  # a trailing comma: the new one ends with it
                new = new.with_changes(comma=last.comma)
            else:  # what followed the last argument (a line break) now follows the new one
                new = new.with_changes(whitespace_after_arg=last.whitespace_after_arg)
                last = last.with_changes(whitespace_after_arg=cst.SimpleWhitespace(""))
            args[-1] = last.with_changes(comma=_separator(call.whitespace_before_args))
        changed = call.with_changes(args=[*args, new])
        code = _EMPTY.code_for_node(changed)
        if "\n" in code or op.col - 1 + len(code) <= _LINE_LENGTH:
            return changed
        # Too long for one line: one argument a line, as formatters lay it out.
        inner = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(),
            indent=True,
            last_line=cst.SimpleWhitespace("    "),
        )
        closing = cst.ParenthesizedWhitespace(
            first_line=cst.TrailingWhitespace(), indent=True, last_line=cst.SimpleWhitespace("")
        )
        laid = [
            a.with_changes(
                comma=cst.Comma(whitespace_after=inner if i < len(changed.args) - 1 else closing),
                whitespace_after_arg=cst.SimpleWhitespace(""),
            )
            for i, a in enumerate(changed.args)
        ]
        return changed.with_changes(whitespace_before_args=inner, args=laid)

    def _running_loop(self, call: cst.Call) -> cst.BaseExpression | None:
        if call.args:
            return None
        func = call.func
        if isinstance(func, cst.Attribute) and func.attr.value == "get_event_loop":
            return call.with_changes(func=func.with_changes(attr=cst.Name("get_running_loop")))
        self.imports.add(("asyncio", None, None))
        new_func = cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("get_running_loop"))
        return call.with_changes(func=new_func)

    def _wait_await(self, outer: cst.Call, form: str) -> cst.BaseExpression | None:
        """`producer(...).result()` in a coroutine -> awaiting the work instead, in the
        `form` the rule chose: "wrap-future", "coroutine" or "executor"."""
        if outer.args or not isinstance(outer.func, cst.Attribute):
            return None
        producer = outer.func.value
        if not isinstance(producer, cst.Call):
            return None
        if form == "wrap-future":
            # Still runs on the target loop, but the caller's loop is no longer blocked.
            self.imports.add(("asyncio", None, None))
            wrap = cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("wrap_future"))
            return _awaited(cst.Call(func=wrap, args=[cst.Arg(value=producer)]))
        if not isinstance(producer.func, cst.Attribute):
            return None
        args = producer.args
        if not args or any(a.keyword or a.star for a in args):
            return None
        if form == "coroutine" and len(args) == 2:
            return _awaited(args[1].value)  # submit(asyncio.run, coro) -> await coro
        # submit(fn, *args) -> the same work in the executor, awaited.
        self.imports.add(("asyncio", None, None))
        loop = cst.Call(
            func=cst.Attribute(value=cst.Name("asyncio"), attr=cst.Name("get_running_loop"))
        )
        run_in_executor = cst.Attribute(value=loop, attr=cst.Name("run_in_executor"))
        new_args = [cst.Arg(value=producer.func.value)] + [
            a.with_changes(comma=cst.MaybeSentinel.DEFAULT) for a in args
        ]
        return _awaited(cst.Call(func=run_in_executor, args=_commas(new_args)))


def _without(
    statements: Sequence[cst.BaseStatement], deleted: Collection[int]
) -> tuple[list[cst.BaseStatement], list[cst.EmptyLine]]:
    """The statements but those in `deleted` (by id); the comments above a removed one
    stay, above the statement that follows it (returned when none follows), with the blank
    lines before them when that statement has none of its own."""
    body: list[cst.BaseStatement] = []
    carried: list[cst.EmptyLine] = []
    for statement in statements:
        if id(statement) in deleted:
            carried += _leading_lines(statement)
            continue
        if carried and isinstance(statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)):
            own = list(statement.leading_lines)
            if any(line.comment is not None for line in carried):
                lines = [*carried, *own] if not own else [*_comments_of(carried), *own]
            else:
                lines = own or carried
            if not body:  # first in its block or file: no blank line before it
                while lines and lines[0].comment is None:
                    lines.pop(0)
            statement = statement.with_changes(leading_lines=lines)
        body.append(statement)
        carried = []
    return body, [line for line in carried if line.comment is not None]


def _comments_of(lines: Sequence[cst.EmptyLine]) -> list[cst.EmptyLine]:
    return [line for line in lines if line.comment is not None]


class _ThisBodyOnly(cst.CSTTransformer):
    """Rewrites one function's own body: nested functions, classes and lambdas have their
    own scope (their yields, their loops) and are left alone."""

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def visit_Lambda(self, node: cst.Lambda) -> bool:
        return False


class _YieldFromAwait(_ThisBodyOnly):
    """`yield from x` -> `await x` in a function's own body (nested functions, classes
    and lambdas are theirs); `left` counts the other yields, which an `async def` cannot
    keep."""

    def __init__(self) -> None:
        super().__init__()
        self.left = 0

    def leave_Yield(self, original_node: cst.Yield, updated_node: cst.Yield) -> cst.BaseExpression:
        value = updated_node.value
        if not isinstance(value, cst.From):
            self.left += 1
            return updated_node
        awaited = _awaited(value.item)
        if updated_node.lpar:
            awaited = awaited.with_changes(lpar=updated_node.lpar, rpar=updated_node.rpar)
        return awaited

    # `return (yield from x)` needs its parentheses, `return await x` does not.
    def leave_Return(self, original_node: cst.Return, updated_node: cst.Return) -> cst.Return:
        return updated_node.with_changes(value=_bare(original_node.value, updated_node.value))

    def leave_Assign(self, original_node: cst.Assign, updated_node: cst.Assign) -> cst.Assign:
        return updated_node.with_changes(value=_bare(original_node.value, updated_node.value))

    def leave_Expr(self, original_node: cst.Expr, updated_node: cst.Expr) -> cst.Expr:
        return updated_node.with_changes(value=_bare(original_node.value, updated_node.value))


def _bare(
    original: cst.BaseExpression | None, updated: cst.BaseExpression | None
) -> cst.BaseExpression | None:
    """`updated` without the parentheses that were there for a `yield` it replaced."""
    if (
        isinstance(original, cst.Yield)
        and isinstance(updated, cst.Await)
        and len(updated.lpar) == 1
        and not _comment_in(updated)
    ):
        return updated.with_changes(lpar=[], rpar=[])
    return updated


def _comment_in(node: cst.CSTNode) -> bool:
    return "#" in _EMPTY.code_for_node(node) or "\n" in _EMPTY.code_for_node(node)


def _mentions(node: cst.CSTNode, name: str) -> bool:
    """Does `name` appear as a name anywhere in `node`?"""
    return bool(m.findall(node, m.Name(value=name)))


class _LoopDropper(_ThisBodyOnly):
    """Remove a function's statements that only make, set, reset or close one loop, and the
    `try`/`finally` left with nothing to do. Nested functions and classes are not entered:
    their own names are theirs."""

    def __init__(self, loop: str, reset: bool, factory: str = "new_event_loop") -> None:
        super().__init__()
        self.loop = loop
        self.reset = reset  # the loop is set as the current one: its reset goes too
        self.factory = factory  # what the loop is made (or fetched) with

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body: list[cst.BaseStatement] = []
        carried: list[cst.EmptyLine] = []
        for statement in updated_node.body:
            if isinstance(statement, cst.SimpleStatementLine) and self._only_loop(statement):
                carried += [line for line in statement.leading_lines if line.comment is not None]
                continue
            final = statement.finalbody if isinstance(statement, cst.Try) else None
            if isinstance(statement, cst.Try) and final and _empty_block(final.body):
                if statement.handlers:
                    body.append(_carry(carried, statement.with_changes(finalbody=None)))
                else:  # nothing left to clean up: the `try` body stands on its own
                    first, *rest = _statements(statement.body)
                    body.append(_carry([*carried, *statement.leading_lines], first))
                    body.extend(rest)
            else:
                body.append(_carry(carried, statement))
            carried = []
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()], leading_lines=carried)]
        return updated_node.with_changes(body=body)

    def _only_loop(self, statement: cst.SimpleStatementLine) -> bool:
        return len(statement.body) == 1 and self._loop_statement(statement.body[0])

    def _loop_statement(self, small: cst.BaseSmallStatement) -> bool:
        if isinstance(small, cst.Assign):
            return (
                len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == self.loop
                and isinstance(small.value, cst.Call)
                and _callee_name(small.value.func) == self.factory
            )
        if not (isinstance(small, cst.Expr) and isinstance(small.value, cst.Call)):
            return False
        call = small.value
        func = call.func
        if isinstance(func, cst.Attribute) and not call.args:
            return _dotted(func.value) == self.loop and func.attr.value == "close"
        if _callee_name(func) == "set_event_loop" and len(call.args) == 1:
            arg = call.args[0].value
            names = (self.loop, "None") if self.reset else (self.loop,)
            return isinstance(arg, cst.Name) and arg.value in names
        return False


class _AwaitCalls(cst.CSTTransformer):
    """`run(x)` -> `await x` for the given calls of the original tree (by identity)."""

    def __init__(self, calls: dict[int, Op]) -> None:
        super().__init__()
        self.calls = calls
        self.applied: set[Op] = set()

    def leave_Call(self, original_node: cst.Call, updated_node: cst.Call) -> cst.BaseExpression:
        op = self.calls.get(id(original_node))
        if op is None or len(updated_node.args) != 1 or updated_node.args[0].keyword:
            return updated_node
        self.applied.add(op)
        return _awaited(_sole_argument(updated_node))


class _ExecutorDropper(cst.CSTTransformer):
    """Remove an executor nothing uses: `with ...Executor(...) as name:` loses that item
    (a `with` left with none gives way to its body), `name = ...Executor(...)` and
    `name.shutdown(...)` go. Applied only when `name` is then gone from the function."""

    def __init__(self, name: str) -> None:
        super().__init__()
        self.name = name

    def visit_FunctionDef(self, node: cst.FunctionDef) -> bool:
        return False

    def visit_ClassDef(self, node: cst.ClassDef) -> bool:
        return False

    def _made_here(self, value: cst.BaseExpression) -> bool:
        return isinstance(value, cst.Call) and _callee_name(value.func).endswith("Executor")

    def leave_IndentedBlock(
        self, original_node: cst.IndentedBlock, updated_node: cst.IndentedBlock
    ) -> cst.IndentedBlock:
        body: list[cst.BaseStatement] = []
        for statement in updated_node.body:
            if isinstance(statement, cst.SimpleStatementLine) and self._only_executor(statement):
                continue
            if isinstance(statement, cst.With) and not statement.asynchronous:
                items = [i for i in statement.items if not self._item(i)]
                if len(items) < len(statement.items) and not _mentions(statement.body, self.name):
                    if not items:  # nothing else is entered: the body stands on its own
                        first, *rest = _statements(statement.body)
                        body.append(_carry(list(statement.leading_lines), first))
                        body.extend(rest)
                        continue
                    items[-1] = items[-1].with_changes(comma=cst.MaybeSentinel.DEFAULT)
                    statement = statement.with_changes(items=items)
            body.append(statement)
        if not body:
            body = [cst.SimpleStatementLine([cst.Pass()])]
        return updated_node.with_changes(body=body)

    def _item(self, item: cst.WithItem) -> bool:
        target = item.asname.name if item.asname else None
        return (
            isinstance(target, cst.Name)
            and target.value == self.name
            and self._made_here(item.item)
        )

    def _only_executor(self, statement: cst.SimpleStatementLine) -> bool:
        if len(statement.body) != 1:
            return False
        small = statement.body[0]
        if isinstance(small, cst.Assign):
            return (
                len(small.targets) == 1
                and isinstance(small.targets[0].target, cst.Name)
                and small.targets[0].target.value == self.name
                and self._made_here(small.value)
            )
        return (
            isinstance(small, cst.Expr)
            and isinstance(small.value, cst.Call)
            and isinstance(small.value.func, cst.Attribute)
            and _dotted(small.value.func.value) == self.name
            and small.value.func.attr.value == "shutdown"
        )


def _carry(carried: list[cst.EmptyLine], statement: cst.BaseStatement) -> cst.BaseStatement:
    """`statement` with the lines (comments) of a removed one before its own."""
    if not carried or not isinstance(
        statement, (cst.SimpleStatementLine, cst.BaseCompoundStatement)
    ):
        return statement
    return statement.with_changes(leading_lines=[*carried, *statement.leading_lines])


def _statements(block: cst.BaseSuite) -> Sequence[cst.BaseStatement]:
    if isinstance(block, cst.IndentedBlock):
        return block.body
    assert isinstance(block, cst.SimpleStatementSuite)
    return [cst.SimpleStatementLine(body=block.body)]


def _empty_block(block: cst.BaseSuite) -> bool:
    """A block that does nothing: only `pass` (what removing its statements leaves)."""
    return all(
        isinstance(statement, cst.SimpleStatementLine)
        and all(isinstance(small, cst.Pass) for small in statement.body)
        for statement in _statements(block)
    )


def _separator(before: cst.BaseParenthesizableWhitespace) -> cst.Comma:
    """A comma between arguments: `, `, or a line break indented like the first argument
    (without the comments that may precede it)."""
    if isinstance(before, cst.ParenthesizedWhitespace):
        return cst.Comma(
            whitespace_after=cst.ParenthesizedWhitespace(
                first_line=cst.TrailingWhitespace(),
                indent=before.indent,
                last_line=before.last_line,
            )
        )
    return cst.Comma(whitespace_after=cst.SimpleWhitespace(" "))


def _commas(args: list[cst.Arg]) -> list[cst.Arg]:
    """Arguments separated by `, ` (the last one without a comma)."""
    out = []
    for i, arg in enumerate(args):
        if i < len(args) - 1:
            arg = arg.with_changes(comma=cst.Comma(whitespace_after=cst.SimpleWhitespace(" ")))
        else:
            arg = arg.with_changes(comma=cst.MaybeSentinel.DEFAULT)
        out.append(arg)
    return out


def _drop_argument(call: cst.Call, which: str) -> cst.Call | str:
    """The call without its keyword argument `which` (or the positional one at index
    `which`, when digits), laid out as before; or why it cannot go."""
    args = list(call.args)
    if which.isdigit():
        position = int(which)
        positional = [i for i, a in enumerate(args) if a.keyword is None and not a.star]
        if any(a.star for a in args[: position + 1]) or position >= len(positional):
            return "the argument's position is not known (`*args` before it)"
        index = positional[position]
        if any(a.keyword is None and not a.star for a in args[index + 1 :]):
            return "positional arguments follow it, which would move into its place"
    else:
        found = [
            i for i, a in enumerate(args) if a.keyword is not None and a.keyword.value == which
        ]
        if len(found) != 1:
            return f"the call does not pass `{which}=` once"
        index = found[0]
    removed = args.pop(index)
    # What ended the removed argument: a line break before `)` in a call laid out one
    # argument per line. A comment ending the line before it stays on that line.
    comma = removed.comma
    closing = comma.whitespace_after if isinstance(comma, cst.Comma) else None
    closing = closing or removed.whitespace_after_arg
    if not args:
        # `f(\n    loop=loop,\n)` -> `f()`; `f(  # why\n    loop=loop,\n)` keeps `# why`.
        opening = call.whitespace_before_args
        if not _has_comment(opening):
            return call.with_changes(args=(), whitespace_before_args=cst.SimpleWhitespace(""))
        return call.with_changes(args=(), whitespace_before_args=_closing(opening, closing))
    if index == len(args):
        # The last argument went: the one before it now ends the list as it did (its
        # trailing comma or none, and the line break before the closing parenthesis).
        previous, tail = args[-1], removed.whitespace_after_arg
        before = previous.comma
        if isinstance(before, cst.Comma) and _has_comment(before.whitespace_after):
            kept = _closing(before.whitespace_after, closing)
            if isinstance(comma, cst.Comma):
                comma = comma.with_changes(whitespace_after=kept)
            else:
                tail = kept
        elif _own_line(previous):
            # The removed argument had a line of its own: the comment ending it goes with
            # it, not onto the line before.
            if isinstance(comma, cst.Comma):
                comma = comma.with_changes(whitespace_after=_uncommented(comma.whitespace_after))
            else:
                tail = _uncommented(tail)
        args[-1] = previous.with_changes(comma=comma, whitespace_after_arg=tail)
    return call.with_changes(args=args)


def _own_line(previous: cst.Arg) -> bool:
    """Whether a line break separates `previous` from the argument after it (before or
    after its comma)."""
    comma = previous.comma
    breaks = [previous.whitespace_after_arg]
    if isinstance(comma, cst.Comma):
        breaks += [comma.whitespace_before, comma.whitespace_after]
    return any(isinstance(w, cst.ParenthesizedWhitespace) for w in breaks)


def _uncommented(
    whitespace: cst.BaseParenthesizableWhitespace,
) -> cst.BaseParenthesizableWhitespace:
    """`whitespace` without the comment ending its first line (comment lines after stay)."""
    if not isinstance(whitespace, cst.ParenthesizedWhitespace):
        return whitespace
    first = whitespace.first_line
    if first.comment is None:
        return whitespace
    return whitespace.with_changes(first_line=cst.TrailingWhitespace(newline=first.newline))


def _has_comment(whitespace: cst.BaseParenthesizableWhitespace) -> bool:
    if not isinstance(whitespace, cst.ParenthesizedWhitespace):
        return False
    return whitespace.first_line.comment is not None or any(
        line.comment is not None for line in whitespace.empty_lines
    )


def _closing(
    commented: cst.BaseParenthesizableWhitespace, closing: cst.BaseParenthesizableWhitespace
) -> cst.ParenthesizedWhitespace:
    """The line `commented` ends (with its comment and the comment lines after it), then
    the indentation `closing` gave the closing parenthesis (none: the statement's)."""
    assert isinstance(commented, cst.ParenthesizedWhitespace)
    if isinstance(closing, cst.ParenthesizedWhitespace):
        return commented.with_changes(indent=closing.indent, last_line=closing.last_line)
    return commented.with_changes(indent=True, last_line=cst.SimpleWhitespace(""))
