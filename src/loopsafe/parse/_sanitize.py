"""Turn syntax newer than the running interpreter into same-shape code it accepts.

LibCST's native parser reads Python 3.0-3.14 syntax. For each construct the running `ast`
rejects, this rewrites only those bytes, keeping every line break and the UTF-8 byte
length of every line prefix, so each `lineno`/`col_offset` of the rest of the code is
unchanged:

* PEP 695 type parameter lists are blanked: `def f[T](x)` -> `def f   (x)`;
* `type X[T] = v` becomes the chained assignment `_=   X    = v` (`X` and `v` keep their
  columns);
* an f-string (or t-string) the running `ast` cannot read (PEP 701 quotes, backslashes,
  comments, line breaks) becomes a tuple of its replacement fields, each expression
  left where it was: `f"{x["a"]!r}"` -> `(  x["a"],  )`, so calls inside still count;
* `except A, B:` (PEP 758) keeps its first type: `except A   :`;
* before Python 3.11, `except*` (PEP 654) loses its star, and so does an unpacked type
  (PEP 646): `tuple[*Ts]` -> `tuple[ Ts]`, `*args: *Ts` -> `*args:  Ts`.

This module imports only the standard library and LibCST: run as a script it is the
worker process `source.py` talks to, so a crash or hang in LibCST's native code on a
hostile file costs one request, never the scan.
"""

from __future__ import annotations

import ast
import struct
import sys
import threading
import warnings
from typing import Any

_NL = (10, 13)  # \n, \r
_HEADER = struct.Struct(">cQ")


class SanitizeError(Exception):
    """The source cannot be rewritten; the message is one line."""


def sanitize(text: str) -> bytes:
    """The UTF-8 bytes of `text` rewritten for the running parser (see the module doc)."""
    import libcst as cst

    try:
        return _rewrite(cst, text)
    except cst.ParserSyntaxError as exc:
        raise SanitizeError(f"line {exc.raw_line}: {exc.message}") from None
    except RecursionError:
        raise SanitizeError("too deeply nested for the fallback parser") from None
    except SanitizeError:
        raise
    except Exception as exc:  # LibCST's own validation and logic errors
        raise SanitizeError(f"{type(exc).__name__}: {exc}".split("\n")[0]) from None


def _rewrite(cst: Any, text: str) -> bytes:
    from libcst.metadata import ByteSpanPositionProvider, MetadataWrapper

    module = cst.parse_module(text)
    if module.code != text:
        raise SanitizeError("LibCST does not reproduce this source exactly")
    wrapper = MetadataWrapper(module, unsafe_skip_copy=True)
    spans = wrapper.resolve(ByteSpanPositionProvider)
    collector = _make_collector(cst)
    wrapper.visit(collector)
    data = text.encode("utf-8")
    buf = bytearray(data)

    def span(node: Any) -> tuple[int, int]:
        found = spans[node]
        return found.start, found.start + found.length

    def outer_span(node: Any) -> tuple[int, int]:
        """The node's span including its own parentheses."""
        start, end = span(node)
        lpar = getattr(node, "lpar", ())
        rpar = getattr(node, "rpar", ())
        if lpar:
            start = span(lpar[0])[0]
        if rpar:
            end = span(rpar[-1])[1]
        return start, end

    groups: dict[int, Any] = {}
    for string, group in collector.strings:
        start, end = span(string)
        if not _parses(data[start:end].decode("utf-8")):
            groups.setdefault(id(group), group)
    for group in groups.values():
        start, end = span(group)
        kept = sorted(outer_span(expr) for expr in _string_expressions(group))
        _tuple_of(buf, start, end, kept)
    # Blanking comes last: it wins over any rewrite inside a blanked region.
    for node in collector.parameterised:
        start, end = span(node.type_parameters)
        if not _reopen(buf, start, end):
            _blank(buf, start, end)
    for alias in collector.aliases:
        start, _ = span(alias)
        name_start, _ = span(alias.name)
        _blank(buf, start, name_start, lead=b"_=")
        if alias.type_parameters is not None:
            start, end = span(alias.type_parameters)
            _blank(buf, start, end)
    for handler in collector.handlers:
        elements = handler.type.elements
        _, first_end = outer_span(elements[0].value)
        _, end = span(handler.type)
        _blank(buf, first_end, end)
    for handler in collector.star_handlers:
        start, _ = span(handler)
        type_start, _ = outer_span(handler.type)
        star = buf.find(b"*", start + len("except"), type_start)
        if star != -1:
            buf[star] = 32
    for node in collector.unpacked:
        start, _ = span(node)
        if buf[start] == ord("*"):
            buf[start] = 32
    return bytes(buf)


def _parses(source: str) -> bool:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            ast.parse(source, mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            return False
    return True


def _make_collector(cst: Any) -> Any:
    """A CSTVisitor finding the constructs to rewrite (defined here: LibCST loads lazily)."""
    string_types = tuple(
        getattr(cst, name) for name in ("FormattedString", "TemplatedString") if hasattr(cst, name)
    )
    handler_types = tuple(
        getattr(cst, name) for name in ("ExceptHandler", "ExceptStarHandler") if hasattr(cst, name)
    )
    alias_type = getattr(cst, "TypeAlias", ())
    before_311 = sys.version_info < (3, 11)
    star_handler = getattr(cst, "ExceptStarHandler", ())

    class Collector(cst.CSTVisitor):  # type: ignore[misc]
        def __init__(self) -> None:
            super().__init__()
            self.stack: list[Any] = []
            self.strings: list[tuple[Any, Any]] = []  # (f-string, its outermost concatenation)
            self.parameterised: list[Any] = []
            self.aliases: list[Any] = []
            self.handlers: list[Any] = []
            self.star_handlers: list[Any] = []  # `except*`, before 3.11
            self.unpacked: list[Any] = []  # `[*Ts]` and `: *Ts`, before 3.11

        def on_visit(self, node: Any) -> bool:
            if isinstance(node, string_types):
                group = node
                for ancestor in reversed(self.stack):
                    if not isinstance(ancestor, cst.ConcatenatedString):
                        break
                    group = ancestor
                self.strings.append((node, group))
            elif isinstance(node, (cst.FunctionDef, cst.ClassDef)):
                if getattr(node, "type_parameters", None) is not None:
                    self.parameterised.append(node)
            elif isinstance(node, alias_type):
                self.aliases.append(node)
            elif isinstance(node, handler_types):
                kind = node.type
                if isinstance(kind, cst.Tuple) and not kind.lpar and len(kind.elements) > 1:
                    self.handlers.append(node)
                if before_311 and isinstance(node, star_handler):
                    self.star_handlers.append(node)
            elif before_311 and isinstance(node, cst.Index) and node.star:
                self.unpacked.append(node)
            elif (
                before_311
                and isinstance(node, cst.Annotation)
                and isinstance(node.annotation, cst.StarredElement)
            ):
                self.unpacked.append(node.annotation)
            self.stack.append(node)
            return True

        def on_leave(self, original_node: Any) -> None:
            self.stack.pop()

    return Collector()


def _string_expressions(node: Any) -> list[Any]:
    """The replacement-field expressions of a string or string concatenation, in order,
    including those in format specs, but not those of strings nested inside them."""
    left = getattr(node, "left", None)
    if left is not None and hasattr(node, "right"):
        return _string_expressions(left) + _string_expressions(node.right)
    found: list[Any] = []

    def walk(parts: Any) -> None:
        for part in parts:
            expression = getattr(part, "expression", None)
            if expression is None:
                continue
            found.append(expression)
            spec = getattr(part, "format_spec", None)
            if spec:
                walk(spec)

    walk(getattr(node, "parts", ()))
    return found


def _tuple_of(buf: bytearray, start: int, end: int, kept: list[tuple[int, int]]) -> None:
    """Blank [start, end) except the kept ranges, then punctuate it into `( a, b, )`."""
    position = start
    for keep_start, keep_end in [*kept, (end, end)]:
        for index in range(position, keep_start):
            if buf[index] not in _NL:
                buf[index] = 32
        position = max(position, keep_end)
    buf[start] = ord("(")
    buf[end - 1] = ord(")")
    for _, keep_end in kept:
        index = keep_end
        while index < end - 1 and buf[index] in _NL:
            index += 1
        if index >= end - 1:
            raise SanitizeError("unexpected f-string layout")
        buf[index] = ord(",")


def _reopen(buf: bytearray, start: int, end: int) -> bool:
    """Multi-line type parameters of a def or class: let the bracket open the parameter (or
    base) list instead, so the line breaks stay inside brackets: `def f[\\n T\\n](x)` ->
    `def f(\\n  \\n  x)`, `class C[\\n T\\n]:` -> `class C(\\n  \\n):`."""
    if not any(buf[index] in _NL for index in range(start, end)):
        return False
    after = end
    while after < len(buf) and buf[after] in b" \t\f":
        after += 1
    if after >= len(buf) or buf[after] not in b"(:":
        return False
    _blank(buf, start + 1, end - 1, continuation=False)
    buf[start] = ord("(")
    if buf[after] == ord("("):
        buf[end - 1] = 32
        buf[after] = 32
    else:
        buf[end - 1] = ord(")")
    return True


def _blank(
    buf: bytearray, start: int, end: int, lead: bytes = b"", continuation: bool = True
) -> None:
    """Spaces over [start, end), line breaks kept; a line break inside gets a backslash
    before it, since the region may no longer sit inside brackets."""
    for index in range(start, end):
        if buf[index] not in _NL:
            buf[index] = 32
    buf[start : start + len(lead)] = lead
    if not continuation:
        return
    for index in range(start, end):
        byte = buf[index]
        if byte == 13 or (byte == 10 and (index == start or buf[index - 1] != 13)):
            before = index - 1
            if before < start + len(lead) or buf[before] in _NL:
                raise SanitizeError("cannot rewrite a construct that spans a blank line")
            buf[before] = ord("\\")


# --------------------------------------------------------------------------- the worker
def read_exactly(stream: Any, size: int) -> bytes:
    """`size` bytes from `stream` (EOFError when it ends first); both ends of the pipe use it."""
    chunks = []
    while size:
        chunk = stream.read(size)
        if not chunk:
            raise EOFError
        chunks.append(chunk)
        size -= len(chunk)
    return b"".join(chunks)


def _serve() -> None:
    stdin, stdout = sys.stdin.buffer, sys.stdout.buffer
    while True:
        try:
            _, size = _HEADER.unpack(read_exactly(stdin, _HEADER.size))
            text = read_exactly(stdin, size).decode("utf-8")
        except EOFError:
            return
        try:
            status, payload = b"K", sanitize(text)
        except SanitizeError as exc:
            status, payload = b"E", str(exc).encode("utf-8", "replace")
        except Exception as exc:  # MemoryError and the like: report, stay alive
            status, payload = b"E", f"{type(exc).__name__}: {exc}".encode("utf-8", "replace")
        stdout.write(_HEADER.pack(status, len(payload)) + payload)
        stdout.flush()


def _watch_parent(argv: list[str]) -> None:
    """`--lifeline FD:PID`: exit when the analysing process dies, even mid-parse. The
    watcher is loopsafe's `lifeline.py`, loaded by path (under `python -I` loopsafe itself
    may not be importable)."""
    if len(argv) < 2 or argv[0] != "--lifeline":
        return
    import importlib.util
    from pathlib import Path

    fd, _, pid = argv[1].partition(":")
    path = Path(__file__).resolve().parent.parent / "lifeline.py"
    spec = importlib.util.spec_from_file_location("_loopsafe_lifeline", path)
    if spec is None or spec.loader is None:
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    module.watch(int(fd), int(pid))


def main() -> None:
    """Serve requests on stdin/stdout on a thread with a deep stack: LibCST recurses, in
    Rust and in Python, once per nesting level."""
    _watch_parent(sys.argv[1:])
    sys.setrecursionlimit(20_000)
    threading.stack_size(512 * 1024 * 1024)
    worker = threading.Thread(target=_serve, name="loopsafe-sanitize")
    worker.start()
    worker.join()


if __name__ == "__main__":
    main()
