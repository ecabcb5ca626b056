"""Bad input is reported, never fatal: discovery and parsing over hostile projects.

Every file is generated in a temporary directory at test time. The CLI-level versions of
these tests belong to the lead; these drive `discover`, `read_source` and `parse_source`
directly, the way the scan does.
"""

from __future__ import annotations

import ast
import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from loopsafe.discover.config import Config
from loopsafe.discover.files import discover
from loopsafe.model import ParseError
from loopsafe.parse.source import ParsedSource, SourceError, parse_source, read_source

NEW_SYNTAX = sys.version_info < (3, 12)


@dataclass
class Scan:
    parsed: dict[str, ParsedSource] = field(default_factory=dict)
    errors: dict[str, ParseError] = field(default_factory=dict)


def scan(root: Path, *paths: str, config: Config | None = None) -> Scan:
    """What the engine does per file: discover, read, parse; every failure becomes an error."""
    found = discover([Path(p) for p in paths] or [Path(".")], config or Config(), root)
    result = Scan(errors={p.path: p for p in found.problems})
    for source in found.files:
        try:
            result.parsed[source.relpath] = parse_source(
                read_source(source.abspath), source.relpath
            )
        except SourceError as exc:
            assert "\n" not in exc.message
            result.errors[source.relpath] = exc.to_parse_error(source.relpath)
    return result


def write(root: Path, name: str, data: str | bytes) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        data = textwrap.dedent(data).encode()
    path.write_bytes(data)
    return path


def run_calls(parsed: ParsedSource) -> list[tuple[int, str | None]]:
    return sorted(
        (node.lineno, ast.get_source_segment(parsed.text, node))
        for node in ast.walk(parsed.tree)
        if isinstance(node, ast.Call) and ast.unparse(node.func) == "asyncio.run"
    )


# --------------------------------------------------------------------------- parse errors
def test_syntax_error_is_reported_with_line_and_the_scan_goes_on(tmp_path: Path) -> None:
    write(tmp_path, "good.py", "import asyncio\nasyncio.run(main())\n")
    write(tmp_path, "bad.py", "import asyncio\n\n\nasync def f(:\n    pass\n")
    result = scan(tmp_path)
    assert run_calls(result.parsed["good.py"]) == [(2, "asyncio.run(main())")]
    assert result.errors == {"bad.py": ParseError("bad.py", 4, "invalid syntax")}


def test_bad_encoding_cookie(tmp_path: Path) -> None:
    write(tmp_path, "cookie.py", b"# -*- coding: no-such-codec -*-\nx = 1\n")
    write(tmp_path, "second_line.py", b"#!/usr/bin/env python\n# coding=bogus\nx = 1\n")
    errors = scan(tmp_path).errors
    assert errors["cookie.py"] == ParseError("cookie.py", 1, "unknown encoding: no-such-codec")
    assert errors["second_line.py"] == ParseError("second_line.py", 2, "unknown encoding: bogus")


def test_nul_bytes(tmp_path: Path) -> None:
    write(tmp_path, "nul.py", b"x = 1\ny = 2\nz = '\x00'\n")
    error = scan(tmp_path).errors["nul.py"]
    assert (error.line, error.message) == (3, "source code cannot contain null bytes")


def test_invalid_utf8(tmp_path: Path) -> None:
    write(tmp_path, "latin.py", "x = 1\n\n# caf\xe9 written in Latin-1\n".encode("latin-1"))
    error = scan(tmp_path).errors["latin.py"]
    assert error.line == 3
    assert error.message.startswith("invalid UTF-8: byte 0xe9")


def test_bom_and_cookie_conflict(tmp_path: Path) -> None:
    write(tmp_path, "bom.py", b"\xef\xbb\xbf# coding: cp1252\nx = 1\n")
    write(tmp_path, "bom_ok.py", b"\xef\xbb\xbf# coding: utf-8\nx = 'ok'\n")
    result = scan(tmp_path)
    assert result.errors["bom.py"].line == 1
    assert "BOM" in result.errors["bom.py"].message
    assert "cp1252" in result.errors["bom.py"].message
    assert result.parsed["bom_ok.py"].bom


# --------------------------------------------------------------------------- newer syntax
@pytest.mark.skipif(not NEW_SYNTAX, reason="only a fallback on Python < 3.12")
@pytest.mark.parametrize(
    ("name", "code", "line"),
    [
        (
            "generics.py",
            """\
            import asyncio

            def first[T](items: list[T]) -> T:
                return items[0]

            class Registry[K, V]:
                def get[D](self, key: K, default: D) -> V | D: ...

            asyncio.run(main())
            """,
            9,
        ),
        (
            "aliases.py",
            """\
            import asyncio
            type Json = dict[str, "Json"] | list["Json"] | str | None
            type Pair[K, V = K] = tuple[K, V]

            asyncio.run(main())
            """,
            5,
        ),
        (
            "fstrings.py",
            """\
            import asyncio
            names = {"a": "x"}
            print(f"{names["a"]} {"\\n".join(names)} {f"{f"{1}"}"}")
            print(f"{
                names["a"]  # a comment inside
            }")

            asyncio.run(main())
            """,
            8,
        ),
    ],
)
def test_newer_syntax_goes_through_the_fallback_with_correct_lines(
    tmp_path: Path, name: str, code: str, line: int
) -> None:
    write(tmp_path, name, code)
    result = scan(tmp_path)
    assert result.errors == {}
    parsed = result.parsed[name]
    assert parsed.via_fallback
    assert run_calls(parsed) == [(line, "asyncio.run(main())")]
    call = next(n for n in ast.walk(parsed.tree) if isinstance(n, ast.Call) and n.lineno == line)
    assert (call.col_offset, call.end_lineno, call.end_col_offset) == (0, line, 19)


# --------------------------------------------------------------------------- size & depth
def test_thousand_deep_nesting_is_reported_not_a_crash(tmp_path: Path) -> None:
    write(tmp_path, "parens.py", "x = " + "(" * 1000 + "1" + ")" * 1000 + "\n")
    write(tmp_path, "unary.py", "import os\n\nx = " + "-" * 1000 + "1\n")
    write(tmp_path, "chain.py", "x = " + " + ".join(["a"] * 1000) + "\n")
    write(tmp_path, "lists.py", "x = " + "[" * 1000 + "]" * 1000 + "\n")
    blocks = "".join("    " * i + f"if x{i}:\n" for i in range(120)) + "    " * 120 + "pass\n"
    write(tmp_path, "blocks.py", blocks)
    write(tmp_path, "huge_chain.py", "x = " + "-" * 200_000 + "1\n")
    result = scan(tmp_path)
    assert result.parsed == {}
    for name in ("parens.py", "unary.py", "chain.py", "lists.py", "blocks.py", "huge_chain.py"):
        assert result.errors[name].message.startswith("too deeply nested"), name
    assert result.errors["unary.py"].line == 3
    assert result.errors["blocks.py"].line == 101  # Python's own indentation limit


@pytest.mark.parametrize(
    "data",
    [
        b"x = (" + b"except " * 300_000,
        b"def" + b" " * 2_000_000 + b"x",
        (b";" + b" " * 150 + b"type ") * 20_000 + b"(",
        b'f"{' * 200_000,
    ],
    ids=["except", "def-spaces", "type", "fstring-opens"],
)
def test_pathological_invalid_files_fail_fast(data: bytes) -> None:
    started = time.perf_counter()
    with pytest.raises(SourceError):
        parse_source(data, "hostile.py", fallback_timeout=10)
    assert time.perf_counter() - started < 30


@pytest.mark.slow
def test_ten_megabyte_file_parses(tmp_path: Path) -> None:
    block = textwrap.dedent(
        '''

        class Service{n}:
            """A service that talks to a remote API.

            Long enough to look like real documentation::

                Service{n}(client).fetch("id")
            """

            def __init__(self, client: "Client", retries: int = 3) -> None:
                self.client = client  # the transport
                self.retries = retries

            async def fetch(self, key: str) -> dict[str, object]:
                for attempt in range(self.retries):
                    try:
                        return await self.client.get(f"/items/{{key}}", timeout=10)
                    except TimeoutError as exc:
                        if attempt == self.retries - 1:
                            raise RuntimeError(f"gave up on {{key!r}}") from exc
                return {{}}
        '''
    )
    parts, size = ["import asyncio\n"], 0
    while size < 10_000_000:
        parts.append(block.format(n=len(parts)))
        size += len(parts[-1])
    parts.append("\nasyncio.run(main())\n")
    text = "".join(parts)
    write(tmp_path, "big.py", text.encode())
    write(tmp_path, "one_line.py", b"DATA = '" + b"x" * 10_000_000 + b"'\n")
    started = time.perf_counter()
    result = scan(tmp_path)
    elapsed = time.perf_counter() - started
    assert result.errors == {}
    assert run_calls(result.parsed["big.py"]) == [(text.count("\n"), "asyncio.run(main())")]
    assert len(result.parsed["one_line.py"].text) == 10_000_010
    assert elapsed < 120


# --------------------------------------------------------------------------- the file system
def test_symlink_loops(tmp_path: Path) -> None:
    write(tmp_path, "pkg/mod.py", "x = 1\n")
    (tmp_path / "pkg" / "again").symlink_to("..")  # a directory loop
    (tmp_path / "pkg" / "self").symlink_to("self")  # ELOOP, not .py: nothing to report
    (tmp_path / "ping.py").symlink_to("pong.py")
    (tmp_path / "pong.py").symlink_to("ping.py")
    started = time.perf_counter()
    result = scan(tmp_path)
    assert time.perf_counter() - started < 10
    assert list(result.parsed) == ["pkg/mod.py"]
    assert set(result.errors) == {"ping.py", "pong.py"}
    assert all("symbolic link loop" in e.message for e in result.errors.values())
    assert all(e.line == 0 for e in result.errors.values())


def test_broken_symlink(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", "x = 1\n")
    (tmp_path / "gone.py").symlink_to("deleted.py")
    (tmp_path / "gone_dir").symlink_to("deleted_dir")
    (tmp_path / "ignored.py").symlink_to("deleted.py")
    (tmp_path / ".gitignore").write_text("ignored.py\n")
    result = scan(tmp_path)
    assert list(result.parsed) == ["ok.py"]
    assert result.errors == {"gone.py": ParseError("gone.py", 0, "broken symbolic link")}


def test_directory_named_like_a_module(tmp_path: Path) -> None:
    write(tmp_path, "x.py/inner.py", "x = 1\n")
    write(tmp_path, "x.py/more.py/deeper.py", "y = 2\n")
    result = scan(tmp_path)
    assert sorted(result.parsed) == ["x.py/inner.py", "x.py/more.py/deeper.py"]
    assert result.errors == {}
    explicit = scan(tmp_path, "x.py")
    assert sorted(explicit.parsed) == ["x.py/inner.py", "x.py/more.py/deeper.py"]


def test_special_files_named_py_are_reported_never_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "fifo.py")
    (tmp_path / "zero.py").symlink_to("/dev/zero")
    started = time.perf_counter()
    result = scan(tmp_path)
    assert time.perf_counter() - started < 10
    assert {name: e.message for name, e in result.errors.items()} == {
        "fifo.py": "not a regular file",
        "zero.py": "not a regular file",
    }
    assert "not a regular file" in scan(tmp_path, "fifo.py").errors["fifo.py"].message


SCAN_AS_UNPRIVILEGED = """
import json, sys
from pathlib import Path
from loopsafe.discover.config import Config
from loopsafe.discover.files import discover
from loopsafe.parse.source import SourceError, parse_source, read_source

root = Path(sys.argv[1])
found = discover([root], Config(), root)
errors = {p.path: p.message for p in found.problems}
parsed = []
for source in found.files:
    try:
        parse_source(read_source(source.abspath), source.relpath)
        parsed.append(source.relpath)
    except SourceError as exc:
        errors[source.relpath] = exc.message
print(json.dumps({"parsed": parsed, "errors": errors}))
"""


def run_without_file_permissions_override(root: Path) -> dict[str, object]:
    """Run a scan where mode 000 really stops reads. Root bypasses permissions through the
    CAP_DAC_OVERRIDE / CAP_DAC_READ_SEARCH capabilities, so when running as root the scan
    runs in a subprocess whose capability bounding set lacks them (`setpriv`)."""
    command = [sys.executable, "-c", SCAN_AS_UNPRIVILEGED, str(root)]
    if os.geteuid() == 0:
        setpriv = shutil.which("setpriv")
        if setpriv is None:
            pytest.skip("running as root without setpriv: mode 000 cannot stop reads")
        command = [setpriv, "--bounding-set=-dac_override,-dac_read_search", *command]
    done = subprocess.run(command, capture_output=True, text=True, timeout=120, check=False)
    if done.returncode != 0 and "setpriv" in done.stderr:
        pytest.skip(f"cannot drop capabilities here: {done.stderr.strip()}")
    assert done.returncode == 0, done.stderr
    result: dict[str, object] = json.loads(done.stdout)
    return result


def test_unreadable_file_and_directory(tmp_path: Path) -> None:
    write(tmp_path, "ok.py", "x = 1\n")
    secret = write(tmp_path, "secret.py", "x = 1\n")
    write(tmp_path, "locked/inside.py", "x = 1\n")
    secret.chmod(0)
    (tmp_path / "locked").chmod(0)
    try:
        result = run_without_file_permissions_override(tmp_path)
    finally:
        secret.chmod(0o644)
        (tmp_path / "locked").chmod(0o755)
    assert result == {
        "parsed": ["ok.py"],
        "errors": {
            "locked": "Permission denied",
            "secret.py": "cannot read file: Permission denied",
        },
    }


# --------------------------------------------------------------------------- ignoring
def test_gitignored_files_and_nested_gitignores(tmp_path: Path) -> None:
    write(tmp_path, ".gitignore", "*.generated.py\n/scratch/\n")
    write(tmp_path, "app.py", "x = 1\n")
    write(tmp_path, "api.generated.py", "broken(\n")
    write(tmp_path, "scratch/try.py", "broken(\n")
    write(tmp_path, "pkg/.gitignore", "fixtures/\n!keep.generated.py\n")
    write(tmp_path, "pkg/mod.py", "x = 1\n")
    write(tmp_path, "pkg/keep.generated.py", "x = 1\n")
    write(tmp_path, "pkg/fixtures/bad_syntax.py", "def (\n")
    write(tmp_path, "other/fixtures/kept.py", "x = 1\n")
    (tmp_path / ".git").mkdir()
    result = scan(tmp_path)
    assert result.errors == {}
    assert sorted(result.parsed) == [
        "app.py",
        "other/fixtures/kept.py",
        "pkg/keep.generated.py",
        "pkg/mod.py",
    ]
    everything = scan(tmp_path, config=Config(respect_gitignore=False))
    assert set(everything.errors) == {
        "api.generated.py",
        "scratch/try.py",
        "pkg/fixtures/bad_syntax.py",
    }


def test_exclude_globs(tmp_path: Path) -> None:
    write(tmp_path, "src/app.py", "x = 1\n")
    write(tmp_path, "src/legacy/py2.py", 'print "old"\n')
    write(tmp_path, "tests/data/broken_case.py", "def (\n")
    write(tmp_path, "tests/test_app.py", "x = 1\n")
    config = Config(extend_exclude=("src/legacy", "tests/data/**"), root=tmp_path)
    result = scan(tmp_path, config=config)
    assert result.errors == {}
    assert sorted(result.parsed) == ["src/app.py", "tests/test_app.py"]


# --------------------------------------------------------------------------- fuzzing
SEED = b"""\
# -*- coding: utf-8 -*-
import asyncio

class Worker[T]:
    async def run(self, item: T) -> str:
        return f"{item!r:>{10}} {self.names["a"]}"

type Alias = list[int]
if __name__ == "__main__":
    asyncio.run(Worker().run(1))
"""


@settings(
    max_examples=150,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    edits=st.lists(
        st.tuples(st.integers(0, len(SEED) - 1), st.integers(0, 255), st.booleans()),
        min_size=1,
        max_size=6,
    )
)
def test_mutated_source_only_ever_raises_source_error(edits: list[tuple[int, int, bool]]) -> None:
    data = bytearray(SEED)
    for position, byte, insert in edits:
        position = min(position, len(data) - 1)
        if insert:
            data.insert(position, byte)
        else:
            data[position] = byte
    try:
        parsed = parse_source(bytes(data), "fuzz.py")
    except SourceError as exc:
        assert exc.line >= 0 and exc.message and "\n" not in exc.message
    else:
        assert isinstance(parsed.tree, ast.Module)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(max_size=300))
def test_arbitrary_bytes_only_ever_raise_source_error(data: bytes) -> None:
    try:
        parse_source(data, "noise.py")
    except SourceError as exc:
        assert "\n" not in exc.message
