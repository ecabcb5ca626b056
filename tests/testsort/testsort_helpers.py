"""Sample projects for `loopsafe tests`, written into tmp dirs, and a way to run the
command on them for real (click's CliRunner, in this process, from the project's dir)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from click.testing import CliRunner

from loopsafe.testsort.command import tests_command


@dataclass(frozen=True)
class Run:
    code: int
    stdout: str
    stderr: str

    def json(self) -> dict[str, Any]:
        data: dict[str, Any] = json.loads(self.stdout)
        return data

    def files(self) -> dict[str, dict[str, Any]]:
        return {f["path"]: f for f in self.json()["files"]}

    def categories(self) -> dict[str, str]:
        return {path: f["category"] for path, f in self.files().items()}


class Project:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, files: dict[str, str | bytes]) -> None:
        for name, content in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            if isinstance(content, bytes):
                path.write_bytes(content)
            else:
                path.write_text(textwrap.dedent(content).lstrip("\n"), encoding="utf-8")

    def read(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def bytes(self, name: str) -> bytes:
        return (self.root / name).read_bytes()

    def snapshot(self) -> dict[str, bytes]:
        return {
            p.relative_to(self.root).as_posix(): p.read_bytes()
            for p in sorted(self.root.rglob("*"))
            if p.is_file() and "__pycache__" not in p.parts
        }

    def run(self, *args: str) -> Run:
        result = CliRunner().invoke(tests_command, list(args), catch_exceptions=False)
        return Run(result.exit_code, result.stdout, result.stderr)


def run_pytest(root: Path, *args: str, plugins: bool = False) -> subprocess.CompletedProcess[str]:
    """pytest for real in `root`. Third-party plugins stay off unless asked for: marker
    registration is pytest's own business, and loading them costs seconds per run."""
    env = dict(os.environ)
    if not plugins:
        env["PYTEST_DISABLE_PLUGIN_AUTOLOAD"] = "1"
    return subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args],
        cwd=root,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
