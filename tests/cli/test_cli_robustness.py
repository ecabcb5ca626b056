"""Hostile and unusual files through the real command line: each is reported (LS000) or
analysed, the scan goes on, the good file's site is still reported, the exit status is 0
or 1 (never 2) and no traceback is printed.

Files without a trigger token are never parsed (by design), so every bad file mentions
asyncio to make the parser look at it.
"""

from __future__ import annotations

import os
import shutil
import stat
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from cli_helpers import LS101_MODULE, Run, spawn, write

GOOD = ("good.py", 5, "LS101")


def scan(root: Path, *args: str, **kwargs: Any) -> tuple[Run, dict[str, Any]]:
    run = spawn(["check", "--format", "json", "--no-cache", *args], root, **kwargs)
    assert run.code in (0, 1), run
    assert "Traceback" not in run.stderr and "internal error" not in run.stderr, run.stderr
    data = run.json()
    findings = {(f["path"], f["line"], f["code"]) for f in data["findings"]}
    if (root / GOOD[0]).exists():
        assert GOOD in findings, data
    return run, data


def errors(data: dict[str, Any]) -> dict[str, tuple[int, str]]:
    return {e["path"]: (e["line"], e["message"]) for e in data["parse_errors"]}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    return write(tmp_path, {"good.py": LS101_MODULE})


def test_syntax_error(root: Path) -> None:
    write(root, {"bad.py": "import asyncio\n\n\nasync def f(:\n    asyncio.run(x())\n"})
    run, data = scan(root)
    assert run.code == 1
    assert errors(data) == {"bad.py": (4, "invalid syntax")}


def test_python2_source(root: Path) -> None:
    write(root, {"old.py": 'import asyncio\nprint "hello"\n'})
    run, data = scan(root)
    assert run.code == 1
    line, message = errors(data)["old.py"]
    assert line == 2 and message


def test_bad_encoding_cookie(root: Path) -> None:
    write(root, {"enc.py": b"# -*- coding: klingon -*-\nimport asyncio\n"})
    run, data = scan(root)
    assert run.code == 1
    assert errors(data) == {"enc.py": (1, "unknown encoding: klingon")}


def test_nul_bytes(root: Path) -> None:
    write(root, {"nul.py": b"import asyncio\nx = 1\x00\n"})
    run, data = scan(root)
    line, message = errors(data)["nul.py"]
    assert (run.code, line) == (1, 2) and "null bytes" in message


def test_invalid_utf8(root: Path) -> None:
    write(root, {"latin.py": b'import asyncio\ns = "caf\xe9"\n'})
    run, data = scan(root)
    line, message = errors(data)["latin.py"]
    assert (run.code, line) == (1, 2) and "UTF-8" in message


def test_declared_latin1_is_analysed(root: Path) -> None:
    write(
        root,
        {
            "latin.py": b'# -*- coding: latin-1 -*-\nimport asyncio\n\n\nasync def f():\n    asyncio.run(g("caf\xe9"))\n'
        },
    )
    run, data = scan(root)
    assert run.code == 1
    assert ("latin.py", 6, "LS101") in {(f["path"], f["line"], f["code"]) for f in data["findings"]}
    assert data["parse_errors"] == []


NEW_SYNTAX = """\
import asyncio

type Alias[T] = list[T]


class Box[T]:
    def get[U](self, x: U) -> U:
        return x


async def main[T](value: T) -> T:
    name = "x"
    message = f"{"nested"} {name!r:>{10}} {f"{f"{name}"}"}"
    return asyncio.run(work(message))
"""


def test_pep_695_and_701_syntax_is_analysed_on_any_python(root: Path) -> None:
    write(root, {"modern.py": NEW_SYNTAX})
    run, data = scan(root)
    assert run.code == 1
    assert data["parse_errors"] == []
    modern = [f for f in data["findings"] if f["path"] == "modern.py"]
    assert [(f["line"], f["col"], f["code"]) for f in modern] == [(14, 12, "LS101")]
    assert modern[0]["function"] == "modern.main"
    if sys.version_info < (3, 12):  # the reason this test exists
        with pytest.raises(SyntaxError):
            compile(NEW_SYNTAX, "modern.py", "exec")


@pytest.mark.parametrize(
    "expression",
    ["(" * 1000 + "1" + ")" * 1000, "f(" * 1000 + "1" + ")" * 1000, "[" * 1000 + "]" * 1000],
    ids=["parens", "calls", "lists"],
)
def test_1000_deep_nesting(root: Path, expression: str) -> None:
    write(root, {"deep.py": f"import asyncio\nx = {expression}\n"})
    run, data = scan(root)
    line, message = errors(data)["deep.py"]
    assert (run.code, line) == (1, 2) and "nested" in message


def test_1000_nested_blocks(root: Path) -> None:
    blocks = "".join("    " * i + "if x:\n" for i in range(1000)) + "    " * 1000 + "pass\n"
    write(root, {"blocks.py": "import asyncio\n" + blocks})
    run, data = scan(root)
    assert run.code == 1 and "blocks.py" in errors(data)


def test_10_mb_file_with_a_site(root: Path) -> None:
    filler = "# " + "padding " * 12 + "\n"
    lines = ["import asyncio\n", *[f"value_{i} = {i}\n" for i in range(20_000)]]
    size = sum(map(len, lines))
    lines += [filler] * ((10_000_000 - size) // len(filler) + 1)
    site_line = len(lines) + 4
    lines.append("\n\nasync def main():\n    return asyncio.run(work())\n")
    write(root, {"huge.py": "".join(lines).encode()})
    assert (root / "huge.py").stat().st_size > 10_000_000
    run, data = scan(root)
    assert run.code == 1
    huge = [(f["line"], f["col"], f["code"]) for f in data["findings"] if f["path"] == "huge.py"]
    assert huge == [(site_line, 12, "LS101")]
    assert data["parse_errors"] == []


def test_symlink_loop_while_walking(root: Path) -> None:
    (root / "a.py").symlink_to("b.py")
    (root / "b.py").symlink_to("a.py")
    (root / "pkg").mkdir()
    (root / "pkg" / "up").symlink_to("..")  # a directory loop
    run, data = scan(root)
    assert run.code == 1
    assert set(errors(data)) == {"a.py", "b.py"}
    assert all("symbolic link loop" in m for _, m in errors(data).values())


def test_symlink_loop_named_on_the_command_line(root: Path) -> None:
    (root / "a.py").symlink_to("b.py")
    (root / "b.py").symlink_to("a.py")
    run, data = scan(root, "a.py", "good.py")
    assert run.code == 1
    assert set(errors(data)) == {"a.py"}


def test_broken_symlink(root: Path) -> None:
    (root / "gone.py").symlink_to("nowhere.py")
    run, data = scan(root)
    assert run.code == 1
    assert errors(data) == {"gone.py": (0, "broken symbolic link")}


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_named_like_a_module_is_never_read(root: Path) -> None:
    os.mkfifo(root / "pipe.py")
    run, data = scan(root, timeout=30)  # reading it would block forever
    assert run.code == 1
    assert errors(data) == {"pipe.py": (0, "not a regular file")}


def test_directory_named_like_a_module(root: Path) -> None:
    write(root, {"x.py/inner.py": LS101_MODULE})
    run, data = scan(root)
    assert data["parse_errors"] == []
    assert {f["path"] for f in data["findings"]} == {"good.py", "x.py/inner.py"}
    run, data = scan(root, "x.py", "good.py")
    assert run.code == 1 and data["parse_errors"] == []
    assert {f["path"] for f in data["findings"]} == {"good.py", "x.py/inner.py"}


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A world-readable directory, for a run as an unprivileged user (tmp_path is 0700)."""
    path = Path(tempfile.mkdtemp(prefix="loopsafe-cli-"))
    path.chmod(0o755)
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def as_nobody() -> dict[str, Any]:
    """spawn() arguments that run loopsafe as `nobody`: through util-linux `setpriv` when
    there is one, else with `subprocess.run(user=...)`; skip if neither can start it."""
    setpriv = shutil.which("setpriv")
    options: list[dict[str, Any]] = []
    if setpriv:
        options.append({"prefix": [setpriv, "--reuid=65534", "--regid=65534", "--clear-groups"]})
    options.append({"user": 65534, "group": 65534, "extra_groups": []})
    reasons = []
    for kwargs in options:
        try:
            probe = spawn(["--version"], Path("/"), **kwargs)
        except OSError as exc:
            reasons.append(str(exc))
            continue
        if probe.code == 0:
            return kwargs
        reasons.append(probe.stderr.strip()[-200:])
    pytest.skip(f"cannot run loopsafe as nobody: {reasons}")


def test_unreadable_file(shared_dir: Path) -> None:
    """Root reads any file whatever its mode, so as root (as on this machine) loopsafe
    runs as `nobody` (uid 65534) over a mode-000 file in a world-readable directory;
    without root it is a plain run over the mode-000 file."""
    write(shared_dir, {"good.py": LS101_MODULE, "secret.py": LS101_MODULE})
    (shared_dir / "good.py").chmod(0o644)
    (shared_dir / "secret.py").chmod(0)
    kwargs: dict[str, Any] = {}
    if os.geteuid() == 0:
        kwargs = as_nobody()
    elif os.access(shared_dir / "secret.py", os.R_OK):
        pytest.skip("mode 000 does not stop this user from reading")
    run, data = scan(shared_dir, **kwargs)
    assert run.code == 1
    assert errors(data) == {"secret.py": (0, "cannot read file: Permission denied")}
    assert stat.S_IMODE((shared_dir / "secret.py").stat().st_mode) == 0
    if kwargs:  # the tree is not writable for nobody either: the cache is silently off
        cached = spawn(["check", "--format", "json"], shared_dir, **kwargs)
        assert cached.code == 1 and cached.stderr == ""
        assert cached.stdout == run.stdout
        assert not (shared_dir / ".loopsafe_cache").exists()
