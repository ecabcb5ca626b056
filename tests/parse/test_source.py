"""parse_source() and friends: decoding, parsing, the LibCST fallback and its worker."""

from __future__ import annotations

import ast
import multiprocessing
import os
import pickle
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import hypothesmith
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

from loopsafe.model import ParseError
from loopsafe.parse import source as source_module
from loopsafe.parse._sanitize import SanitizeError, sanitize
from loopsafe.parse.source import (
    MAX_DEPTH,
    MAX_SOURCE_BYTES,
    ParsedSource,
    SourceError,
    decode_source,
    parse_source,
    read_source,
)

NEW_SYNTAX = sys.version_info < (3, 12)
needs_old_python = pytest.mark.skipif(
    not NEW_SYNTAX, reason="the running Python reads this syntax itself"
)


def error_of(data: bytes) -> SourceError:
    with pytest.raises(SourceError) as caught:
        parse_source(data, "x.py")
    assert "\n" not in caught.value.message
    return caught.value


def calls(parsed: ParsedSource, name: str) -> list[tuple[int, int, str | None]]:
    """(line, col, source text) of each call to `name`, read back from the original text."""
    found = []
    for node in ast.walk(parsed.tree):
        if isinstance(node, ast.Call) and ast.unparse(node.func) == name:
            found.append((node.lineno, node.col_offset, ast.get_source_segment(parsed.text, node)))
    return sorted(found)


# --------------------------------------------------------------------------- decoding
def test_utf8_default_and_bom() -> None:
    plain = parse_source("s = 'é'\n".encode(), "x.py")
    assert (plain.text, plain.encoding, plain.bom) == ("s = 'é'\n", "utf-8", False)
    bom = parse_source(b"\xef\xbb\xbf# coding: utf-8\ns = '\xc3\xa9'\n", "x.py")
    assert bom.text == "# coding: utf-8\ns = 'é'\n" and bom.bom
    assert decode_source(b"\xef\xbb\xbfx = 1\n") == "x = 1\n"


def test_coding_cookie_on_line_one_or_two() -> None:
    latin = parse_source(b"#!/usr/bin/env python\n# -*- coding: latin-1 -*-\ns = '\xe9'\n", "x")
    assert latin.text.endswith("s = 'é'\n") and latin.encoding == "iso-8859-1"
    # a cookie after a line of code does not count: the default is UTF-8
    error = error_of(b"x = 1\n# coding: latin-1\ns = '\xe9'\n")
    assert error.line == 3 and "invalid UTF-8" in error.message


def test_unknown_encoding_names_the_line_of_the_cookie() -> None:
    error = error_of(b"#!/bin/sh\n# vim: set fileencoding=klingon :\nx = 1\n")
    assert (error.line, error.message) == (2, "unknown encoding: klingon")


def test_non_text_codec_is_refused() -> None:
    error = error_of(b"# coding: rot13\nx = 1\n")
    assert error.line == 1 and "rot13" in error.message


def test_bom_conflicting_with_cookie() -> None:
    error = error_of(b"\xef\xbb\xbf# coding: latin-1\nx = 1\n")
    assert error.line == 1
    assert error.message == (
        "encoding problem: the file starts with a UTF-8 BOM but declares 'latin-1'"
    )


@pytest.mark.parametrize(
    ("data", "line"),
    [
        (b"\xff = 1\n", 1),
        (b"a = 1\nb = 2\nc = '\xc3'\n", 3),
        (b"a = 1\r\nb = 2\r\nc = '\xe9'\r\n", 3),
        (b"a = 1\rb = 2\rc = '\x80'\r", 3),
    ],
)
def test_invalid_utf8_reports_the_line_of_the_bad_byte(data: bytes, line: int) -> None:
    error = error_of(data)
    assert error.line == line
    assert error.message.startswith("invalid UTF-8: byte 0x")
    assert "PEP 263" in error.message


def test_declared_encoding_that_does_not_fit() -> None:
    error = error_of(b"# coding: ascii\nx = 1\ny = '\xe9'\n")
    assert error.line == 3 and "'ascii' codec can't decode byte 0xe9" in error.message


@pytest.mark.parametrize(
    ("data", "line"), [(b"\0", 1), (b"x = 1\ny = 2\n\0z = 3\n", 3), (b"a\r\nb\rc\n\0", 4)]
)
def test_nul_bytes_report_their_line(data: bytes, line: int) -> None:
    error = error_of(data)
    assert (error.line, error.message) == (line, "source code cannot contain null bytes")


# --------------------------------------------------------------------------- parsing
def test_line_endings_are_kept_and_counted_like_python() -> None:
    parsed = parse_source(b"a = 1\r\nb = (2,\r 3)\rc = 4\n", "x.py")
    assert parsed.text == "a = 1\r\nb = (2,\r 3)\rc = 4\n"
    assert [node.lineno for node in parsed.tree.body] == [1, 2, 4]


def test_syntax_error_gives_pythons_line_and_message() -> None:
    error = error_of(b"import os\n\ndef broken(:\n    pass\n")
    assert error.line == 3 and error.message == "invalid syntax"
    indent = error_of(b"if x:\n        a = 1\n    b = 2\n")
    assert indent.line == 3 and "indent" in indent.message


def test_python2_code_is_an_error_without_a_fallback_attempt() -> None:
    error = error_of(b'print "hello"\n')
    assert error.line == 1 and "print" in error.message


def test_empty_file() -> None:
    parsed = parse_source(b"", "empty.py")
    assert parsed.tree.body == [] and parsed.text == "" and not parsed.via_fallback


def test_analysed_code_warnings_are_silenced_even_under_error_filters() -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        parsed = parse_source(b'import re\nPATTERN = re.compile("\\d+")\n', "x.py")
    assert len(parsed.tree.body) == 2


def test_source_error_pickles_and_converts() -> None:
    error = SourceError(7, "invalid syntax")
    copy = pickle.loads(pickle.dumps(error))
    assert (copy.line, copy.message, str(copy)) == (7, "invalid syntax", "invalid syntax")
    assert error.to_parse_error("pkg/a.py") == ParseError("pkg/a.py", 7, "invalid syntax")


def test_size_limit() -> None:
    with pytest.raises(SourceError) as caught:
        parse_source(b"#" * (MAX_SOURCE_BYTES + 1), "huge.py")
    assert caught.value.line == 0 and "too large" in caught.value.message


# --------------------------------------------------------------------------- depth
@pytest.mark.parametrize(
    "text",
    [
        "x = " + "-" * 1000 + "1\n",
        "x = " + "1 + " * 1000 + "1\n",
        "x = (\n" + "    1 +\n" * 400 + "    1)\n",
        "x = " + "not " * 1000 + "y\n",
        "f = " + "lambda: " * 500 + "1\n",
        "x = " + "a if b else " * 500 + "c\n",
        "def f(a=" + "-" * 500 + "1):\n    pass\n",
        "@decorator(" + "-" * 500 + "1)\ndef f():\n    pass\n",
        "".join(" " * i + "if x:\n" for i in range(90)) + " " * 90 + "y = " + "-" * 150 + "1\n",
        "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n",
        "".join(" " * i + "if x:\n" for i in range(120)) + " " * 120 + "pass\n",
        "x = " + "-" * 100_000 + "1\n",
        "x = a" + ".b" * 100_000 + "\n",
    ],
    ids=[
        "unary",
        "binop",
        "multiline-binop",
        "not",
        "lambda",
        "ternary",
        "default",
        "decorator",
        "blocks+expr",
        "parens",
        "indent",
        "parser-memory",
        "parser-recursion",
    ],
)
def test_too_deep_is_a_source_error(text: str) -> None:
    error = error_of(text.encode())
    assert error.message.startswith("too deeply nested")
    assert error.line >= 1


def test_moderate_nesting_is_fine() -> None:
    text = "x = " + "-" * (MAX_DEPTH - 20) + "1\n"
    text += "".join(" " * i + "if x:\n" for i in range(90)) + " " * 90 + "pass\n"
    assert len(parse_source(text.encode(), "x.py").tree.body) == 2


def _deepest(tree: ast.AST) -> int:
    """The depth of the deepest node, by an exhaustive walk (what `_too_deep` bounds)."""
    deepest = 0
    stack: list[tuple[ast.AST, int]] = [(tree, 1)]
    while stack:
        node, depth = stack.pop()
        deepest = max(deepest, depth)
        stack.extend(
            (child, depth + 1)
            for child in ast.iter_child_nodes(node)
            if not isinstance(child, source_module._LEAVES)
        )
    return deepest


def _check_depth_bound(text: str, above: int = 0) -> None:
    tree = ast.parse(text)
    deepest = _deepest(tree)
    assert source_module._too_deep(tree, text, deepest + above) == 0
    if deepest > 1:  # the module itself is never too deep
        assert source_module._too_deep(tree, text, deepest - 1) > 0


def test_depth_check_agrees_with_a_full_walk_on_real_code() -> None:
    """The byte-length shortcut must never miss: compare with an exhaustive walk."""
    paths = [Path(ast.__file__), Path(multiprocessing.__file__).with_name("connection.py")]
    for path in paths:
        _check_depth_bound(path.read_text("utf-8"))


_EXPR_LEAVES = st.sampled_from(["x", "'s'", "f(x)", "a.b", "[]", "{}"])


def _deeper_expr(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    """Each form an atom again, so any of them can wrap any other."""
    return st.one_of(
        inner.map(lambda e: f"(-{e})"),
        inner.map(lambda e: f"(not {e})"),
        inner.map(lambda e: f"(\n{e}\n)"),  # a statement of short lines, deep anyway
        inner.map(lambda e: f"({e} + y)"),
        inner.map(lambda e: f"g(k={e})"),
        inner.map(lambda e: f"{e}.a"),
        inner.map(lambda e: f"{e}[0]"),
        inner.map(lambda e: f"(lambda: {e})"),
        inner.map(lambda e: f"[x for x in y if {e}]"),
        inner.map(lambda e: f"{{1: {e}}}"),
        inner.map(lambda e: f"(y if {e} else z)"),
    )


_EXPRS = st.recursive(_EXPR_LEAVES, _deeper_expr, max_leaves=30)


def _indent(block: str) -> str:
    return "".join(f"    {line}\n" for line in block.splitlines())


def _deeper_block(inner: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.one_of(
        st.tuples(_EXPRS, inner).map(lambda p: f"if {p[0]}:\n{_indent(p[1])}else:\n    pass\n"),
        st.tuples(_EXPRS, inner).map(lambda p: f"for x in {p[0]}:\n{_indent(p[1])}"),
        st.tuples(_EXPRS, inner).map(lambda p: f"with {p[0]} as y:\n{_indent(p[1])}"),
        inner.map(lambda b: f"try:\n    pass\nexcept E:\n{_indent(b)}finally:\n    pass\n"),
        st.tuples(_EXPRS, inner).map(lambda p: f"@{p[0]}\ndef h(a={p[0]}):\n{_indent(p[1])}"),
        st.tuples(_EXPRS, inner).map(lambda p: f"class C({p[0]}):\n{_indent(p[1])}"),
        st.tuples(_EXPRS, inner).map(
            lambda p: f"match {p[0]}:\n    case 1:\n{_indent(_indent(p[1]))}"
        ),
        st.lists(inner, min_size=2, max_size=3).map("".join),
    )


_BLOCKS = st.recursive(
    st.one_of(_EXPRS.map(lambda e: f"v = {e}\n"), _EXPRS.map(lambda e: f"{e}\n")),
    _deeper_block,
    max_leaves=6,
)


@given(text=_BLOCKS, above=st.integers(0, 300))
@settings(max_examples=100, deadline=None)
def test_depth_check_agrees_with_a_full_walk_on_generated_code(text: str, above: int) -> None:
    """Nested blocks and expressions, short lines or long: every limit at or above the
    deepest node passes (through the whole-statement shortcut once it fits), one below
    it fails."""
    _check_depth_bound(text, above)


@pytest.mark.filterwarnings("ignore::SyntaxWarning")  # the code is random
@given(text=hypothesmith.from_grammar(), above=st.integers(0, 300))
@settings(max_examples=100, deadline=None)
def test_depth_check_agrees_with_a_full_walk_on_any_code(text: str, above: int) -> None:
    try:
        ast.parse(text)
    except (SyntaxError, ValueError, RecursionError, MemoryError):
        assume(False)
    _check_depth_bound(text, above)


def test_depth_check_skips_short_statements_unwalked(monkeypatch: pytest.MonkeyPatch) -> None:
    """Short statements are never walked into, however many (the check stays a pass over
    the top-level statements), and a long one only down to its short parts."""
    walked: list[ast.AST] = []
    iter_child_nodes = ast.iter_child_nodes

    def counting(node: ast.AST) -> Any:
        walked.append(node)
        return iter_child_nodes(node)

    monkeypatch.setattr(source_module.ast, "iter_child_nodes", counting)
    text = "".join(f"@d\ndef f{i}(x):\n    if x:\n        return g(x)\n" for i in range(2000))
    assert source_module._too_deep(ast.parse(text), text, MAX_DEPTH) == 0
    assert walked == []
    text = "class C:\n" + _indent(text) + "x = [" + "1, " * 200 + "]\n"
    assert source_module._too_deep(ast.parse(text), text, MAX_DEPTH) == 0
    # the long assignment and its list; the class's short methods not at all
    assert [type(node) for node in walked] == [ast.Assign, ast.List]


# --------------------------------------------------------------------------- reading
def test_read_source(tmp_path: Path) -> None:
    path = tmp_path / "a.py"
    path.write_bytes(b"x = 1\n")
    assert read_source(path) == b"x = 1\n"
    with pytest.raises(SourceError, match="cannot read file: No such file"):
        read_source(tmp_path / "missing.py")
    with pytest.raises(SourceError) as caught:
        read_source(tmp_path)
    assert caught.value.line == 0


def test_read_source_never_blocks_on_a_fifo(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.py"
    os.mkfifo(fifo)
    started = time.perf_counter()
    with pytest.raises(SourceError, match="not a regular file"):
        read_source(fifo)
    assert time.perf_counter() - started < 5


def test_read_source_refuses_huge_files_without_reading_them(tmp_path: Path) -> None:
    sparse = tmp_path / "huge.py"
    with open(sparse, "wb") as handle:
        handle.truncate(MAX_SOURCE_BYTES * 50)  # sparse: no disk used
    with pytest.raises(SourceError, match="file too large"):
        read_source(sparse)


# --------------------------------------------------------------------------- the fallback
PEP695 = """\
import asyncio
from typing import Callable

def first[T](items: list[T]) -> T:
    return items[0]

async def fetch[T: (int, str), *Ts, **P](fn: Callable[P, T], *args: *Ts) -> T:
    return fn()

class Box[T](Generic, metaclass=Meta):
    def get[U = int](self) -> T | U: ...

class Bare[T]:
    pass

type Alias = int
type Pair[K, V] = tuple[K, V]
type   Spaced  [T]   =   list[T]
x = 1; type Inline = str

def multi[
    K,  # key type
    V,
](mapping: dict[K, V]) -> None:
    pass

asyncio.run(fetch(first, [1]))
"""


@needs_old_python
def test_pep695_is_parsed_through_the_fallback() -> None:
    parsed = parse_source(PEP695.encode(), "generics.py")
    assert parsed.via_fallback and parsed.text == PEP695
    assert calls(parsed, "asyncio.run") == [(27, 0, "asyncio.run(fetch(first, [1]))")]
    functions = {
        node.name: node.lineno
        for node in ast.walk(parsed.tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
    }
    assert functions == {"first": 4, "fetch": 7, "Box": 10, "get": 11, "Bare": 13, "multi": 21}
    fetch = next(n for n in parsed.tree.body if isinstance(n, ast.AsyncFunctionDef))
    assert ast.get_source_segment(parsed.text, fetch.args.args[0]) == "fn: Callable[P, T]"
    aliases = {
        target.id: (target.lineno, target.col_offset, ast.get_source_segment(parsed.text, target))
        for node in ast.walk(parsed.tree)
        if isinstance(node, ast.Assign)
        for target in node.targets[1:]
        if isinstance(target, ast.Name)
    }
    assert aliases == {
        "Alias": (16, 5, "Alias"),
        "Pair": (17, 5, "Pair"),
        "Spaced": (18, 7, "Spaced"),
        "Inline": (19, 12, "Inline"),
    }
    values = [n.value for n in parsed.tree.body if isinstance(n, ast.Assign)]
    assert [ast.get_source_segment(parsed.text, v) for v in values[-4:]] == [
        "tuple[K, V]",
        "list[T]",
        "1",
        "str",
    ]


PEP701 = """\
import asyncio
songs = {"a": 1}
a = f"{songs["a"]}"
b = f"{'\\n'.join(map(str, songs))}"
c = f"{asyncio.run(main())!r:>{width}} é {f"{f"{1}"}"}" "plain"; asyncio.run(second())
d = f"{
    asyncio.run(third())  # a comment inside a replacement field
}"
e = ("start"
     f"{songs["a"]=}")
asyncio.run(main())
"""


@needs_old_python
def test_pep701_fstrings_keep_positions_and_inner_calls() -> None:
    parsed = parse_source(PEP701.encode(), "fstrings.py")
    assert parsed.via_fallback and parsed.text == PEP701
    assert calls(parsed, "asyncio.run") == [
        (5, 7, "asyncio.run(main())"),
        (5, 66, "asyncio.run(second())"),  # a UTF-8 byte offset, like every col_offset
        (7, 4, "asyncio.run(third())"),
        (11, 0, "asyncio.run(main())"),
    ]
    names = {n.id for n in ast.walk(parsed.tree) if isinstance(n, ast.Name)}
    assert {"songs", "width", "str", "map"} <= names


@needs_old_python
def test_template_strings_and_parenthesis_free_except() -> None:
    text = (
        "import asyncio\n"
        'page = t"<b>{asyncio.run(load())}</b>"\n'
        "try:\n"
        "    pass\n"
        "except ValueError, TypeError:\n"
        "    pass\n"
        "asyncio.run(main())\n"
    )
    parsed = parse_source(text.encode(), "new.py")
    assert parsed.via_fallback
    assert calls(parsed, "asyncio.run") == [
        (2, 13, "asyncio.run(load())"),
        (7, 0, "asyncio.run(main())"),
    ]
    handler = parsed.tree.body[2].handlers[0]  # type: ignore[attr-defined]
    assert ast.get_source_segment(parsed.text, handler.type) == "ValueError"


@needs_old_python
def test_real_error_in_a_file_with_new_syntax_points_at_the_real_error() -> None:
    error = error_of(b"def f[T](x: T) -> T:\n    return x\n\nvalue = = 3\n")
    assert (error.line, error.message) == (4, "invalid syntax")


@needs_old_python
def test_what_the_rewrite_cannot_express_is_reported_not_misread() -> None:
    # Known limits: a blank line inside an alias's brackets; a bare `yield` in a rewritten
    # f-string (it would end up as a tuple element). Both are reported at their line.
    alias = error_of(b"x = 1\ntype Grid[\n\n    T,\n] = list[list[T]]\n")
    assert alias.line == 2 and alias.message == "invalid syntax"
    yielded = error_of(b'def gen():\n    s = f"{yield}{d["k"]}"\n')
    assert yielded.line == 2 and yielded.message == "invalid syntax"


@pytest.mark.parametrize(
    "text",
    [
        "def f[T](x: T) -> T: ...\n",
        "class C[T, *Ts, **P](B): ...\n",
        "type X[T: int = str] = dict[\n    T, int]\n",
        "def f[\n  T,\n  U,\n](x): pass\n",
        'x = f"{a["b"]}" f"{c}"\n',
        'x = f"""{\n  a["b"]\n}""" + f"{ {"k": 1}["k"] }"\n',
        'x = f"{x=!r:>{width}.{prec}}"\n',
        'x = f"{"é" + "\\N{BULLET}"}"; y = 1\n',
        'x = t"{a!r:>{w}}"\n',
        "def f[\n\n    T,  # comment\n] (x): pass\n",
        "class C[\n  T\n]:\n    pass\nclass D[\n  T\n](B): pass\n",
        "try: pass\nexcept* A, B: pass\n",
        "try: pass\nexcept *ValueError as e: pass\n",
        "def f(*a: *Ts) -> tuple[int, *Ts]: ...\n",
    ],
)
def test_sanitize_keeps_every_line_break_and_byte_offset(text: str) -> None:
    original = text.encode()
    rewritten = sanitize(text)
    assert len(rewritten) == len(original)
    newlines = [i for i, byte in enumerate(original) if byte in b"\r\n"]
    assert [i for i, byte in enumerate(rewritten) if byte in b"\r\n"] == newlines
    ast.parse(rewritten.decode())


@pytest.mark.skipif(sys.version_info >= (3, 11), reason="Python 3.11 reads this itself")
def test_python_311_syntax_is_parsed_through_the_fallback_on_310() -> None:
    """`except*` (PEP 654) and unpacked type variables (PEP 646) on Python 3.10."""
    source = (
        "import asyncio\n\n"
        "async def h(*a: *Ts) -> tuple[int, *Ts]:\n"
        "    try:\n"
        "        return asyncio.run(g())\n"
        "    except* ValueError:\n"
        "        pass\n"
    )
    parsed = parse_source(source.encode(), "eg.py")
    assert parsed.via_fallback and parsed.text == source
    assert calls(parsed, "asyncio.run") == [(5, 15, "asyncio.run(g())")]


def test_sanitize_refuses_what_libcst_cannot_read() -> None:
    with pytest.raises(SanitizeError, match="line 1"):
        sanitize("def (:\n")


@needs_old_python
def test_a_crashed_worker_is_replaced() -> None:
    parse_source(b"type A = int\n", "a.py")
    worker = source_module._FALLBACK._proc
    assert worker is not None
    worker.kill()
    worker.wait()
    parsed = parse_source(b"type B = int\nimport asyncio\nasyncio.run(m())\n", "b.py")
    assert calls(parsed, "asyncio.run") == [(3, 0, "asyncio.run(m())")]
    assert source_module._FALLBACK._proc is not worker


@needs_old_python
def test_a_stalled_fallback_is_abandoned_within_its_timeout() -> None:
    """LibCST is super-linear on long operator chains (10,000 terms take minutes)."""
    text = "def f[T](): pass\nx = " + "a + " * 10_000 + "1\n"
    started = time.perf_counter()
    with pytest.raises(SourceError) as caught:
        parse_source(text.encode(), "slow.py", fallback_timeout=1.0)
    assert time.perf_counter() - started < 20
    assert caught.value.line == 1
    parsed = parse_source(b"type Ok = int\n", "ok.py")
    assert parsed.via_fallback


def _child_parse(queue: multiprocessing.Queue[object]) -> None:
    parsed = parse_source(b"type C = int\nimport asyncio\nasyncio.run(m())\n", "c.py")
    queue.put(calls(parsed, "asyncio.run"))


@needs_old_python
@pytest.mark.skipif(not hasattr(os, "fork"), reason="fork only")
def test_forked_worker_processes_get_their_own_fallback() -> None:
    parse_source(b"type P = int\n", "p.py")
    parent_worker = source_module._FALLBACK._proc
    context = multiprocessing.get_context("fork")
    queue: multiprocessing.Queue[object] = context.Queue()
    child = context.Process(target=_child_parse, args=(queue,))
    child.start()
    result = queue.get(timeout=60)
    child.join(60)
    assert result == [(3, 0, "asyncio.run(m())")]
    assert source_module._FALLBACK._proc is parent_worker
    assert parent_worker is not None and parent_worker.poll() is None
    assert parse_source(b"type Q = int\n", "q.py").via_fallback


def _detected(detect: Any, data: bytes) -> object:
    try:
        return detect(data)
    except SourceError as exc:
        return ("error", exc.line, exc.message)


_HEAD_PIECES = st.sampled_from(
    [
        b"",
        b"\n",
        b"\r\n",
        b"\r",
        b"# -*- coding: latin-1 -*-\n",
        b"# coding=utf-8\n",
        b"# vim: set fileencoding=cp1252 :\n",
        b"# coding: nonesuch\n",
        b"#!/usr/bin/env python\n",
        b"x = 1\n",
        b"\xef\xbb\xbf",
        b"\xff\xfe",
        b"\xe9",
        b"s = 'caf\xc3\xa9'\n",
        b"# decoding\n",
        b"coding",
    ]
)


@given(st.lists(_HEAD_PIECES, max_size=5).map(b"".join), st.binary(max_size=20))
def test_the_quick_encoding_answer_is_the_full_detection(head: bytes, tail: bytes) -> None:
    """Files with no BOM and no `coding` in their first two lines skip the full PEP 263
    detection: the answer (or error) is the same as the full detection's."""
    data = head + tail
    assert _detected(source_module._detect, data) == _detected(source_module._detect_in_full, data)
