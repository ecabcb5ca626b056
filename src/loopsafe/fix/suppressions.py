"""Edit suppression comments with LibCST: add codes (`check --add-noqa`) or drop unused
ones (LS001's fix). Only comments change, never code, so the lines and columns other
edits of the same file refer to stay where they were."""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import libcst as cst
from libcst.metadata import MetadataWrapper, PositionProvider

from loopsafe.facts.suppressions import with_codes, without_codes


def edit_comments(
    source: str,
    add: Mapping[int, Sequence[str]] | None = None,
    drop: Mapping[int, Sequence[str]] | None = None,
    *,
    keep_lines: bool = True,
) -> tuple[str, set[int]]:
    """The new source and the lines whose comment was edited as asked. `add`: line ->
    codes its comment must suppress (a comment is written where there is none). `drop`:
    line -> codes its comment must no longer name. A line that cannot carry a comment (it
    ends inside a string, or with a backslash) is left out of the lines returned.
    `keep_lines`: a comment line left empty stays as a blank line (other edits may refer
    to the lines after it); else it goes."""
    editor = _CommentEditor(dict(add or {}), dict(drop or {}), keep_lines)
    updated = MetadataWrapper(cst.parse_module(source), unsafe_skip_copy=True).visit(editor)
    return (updated.code if editor.done else source), editor.done


class _CommentEditor(cst.CSTTransformer):
    METADATA_DEPENDENCIES = (PositionProvider,)

    def __init__(
        self, add: dict[int, Sequence[str]], drop: dict[int, Sequence[str]], keep_lines: bool
    ) -> None:
        super().__init__()
        self.keep_lines = keep_lines
        self.add = add
        self.drop = drop
        self.done: set[int] = set()

    def _line(self, node: cst.CSTNode) -> int:
        return self.get_metadata(PositionProvider, node).start.line

    def leave_TrailingWhitespace(
        self, original_node: cst.TrailingWhitespace, updated_node: cst.TrailingWhitespace
    ) -> cst.TrailingWhitespace:
        line = self._line(original_node)
        if line not in self.add and line not in self.drop:
            return updated_node
        old = updated_node.comment.value if updated_node.comment else ""
        new = old
        if line in self.drop:
            new = without_codes(new, self.drop[line])
        if line in self.add:
            new = with_codes(new, self.add[line])
        self.done.add(line)
        if new == old:
            return updated_node
        if not new:
            return updated_node.with_changes(whitespace=cst.SimpleWhitespace(""), comment=None)
        whitespace = updated_node.whitespace if old else cst.SimpleWhitespace("  ")
        return updated_node.with_changes(whitespace=whitespace, comment=cst.Comment(new))

    def leave_EmptyLine(
        self, original_node: cst.EmptyLine, updated_node: cst.EmptyLine
    ) -> cst.EmptyLine | cst.RemovalSentinel:
        """A comment on a line of its own suppresses nothing but that line: only drops
        reach it."""
        if updated_node.comment is None:
            return updated_node
        line = self._line(original_node)
        if line not in self.drop:
            return updated_node
        self.done.add(line)
        new = without_codes(updated_node.comment.value, self.drop[line])
        if not new and not self.keep_lines:
            return cst.RemoveFromParent()
        if not new:
            return updated_node.with_changes(
                indent=False, whitespace=cst.SimpleWhitespace(""), comment=None
            )
        return updated_node.with_changes(comment=cst.Comment(new))
