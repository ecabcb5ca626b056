"""The progress bar (only on a TTY, only for scans past about a second) and the promise
that a plain scan imports nothing heavy (LibCST, rich, asyncio)."""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

from loopsafe.cli import _Progress


def test_progress_bar_waits_a_second_before_showing(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")  # not a dumb terminal, whatever CI has
    progress = _Progress(enabled=True)
    progress(1, 10)
    assert progress.bar is None  # a fast scan never shows a bar
    progress.start = time.monotonic() - 2.0
    progress(2, 10)
    try:
        assert progress.bar is not None
        task = progress.bar.tasks[0]
        assert (task.completed, task.total) == (2, 10)
        progress(10, 10)
        assert progress.bar.tasks[0].completed == 10
    finally:
        progress.close()


def test_no_progress_bar_when_disabled() -> None:
    progress = _Progress(enabled=False)
    progress.start = time.monotonic() - 5.0
    progress(3, 10)
    assert progress.bar is None


def test_plain_scan_imports_nothing_heavy(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(
        textwrap.dedent(
            """
            import asyncio

            def main():
                loop = asyncio.new_event_loop()
                loop.set_debug(True)
            """
        )
    )
    code = textwrap.dedent(
        f"""
        import json, sys
        from loopsafe.cli import cli
        try:
            cli.main(["check", {str(tmp_path)!r}, "--no-cache", "-j", "1"],
                     standalone_mode=False)
        except SystemExit:
            pass
        heavy = ["libcst", "rich", "asyncio", "multiprocessing"]
        print(json.dumps({{name: name in sys.modules for name in heavy}}))
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=tmp_path, check=False
    )
    loaded = json.loads(result.stdout.strip().splitlines()[-1])
    assert loaded == {"libcst": False, "rich": False, "asyncio": False, "multiprocessing": False}
    # A finding without a fix: nothing to try, so LibCST stays unloaded (findings with
    # fixes have them tried in memory once, to count only fixes the fixer would make).
    assert "LS203" in result.stdout


def test_no_progress_bar_on_a_dumb_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "dumb")  # it cannot move the cursor to redraw the bar
    progress = _Progress(enabled=True)
    progress.start = time.monotonic() - 5.0
    progress(3, 10)
    assert progress.bar is None


def test_progress_bar_colour_follows_the_choice(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TERM", "xterm-256color")
    for color in (True, False):
        progress = _Progress(enabled=True, color=color)
        progress.start = time.monotonic() - 2.0
        progress(1, 10)
        try:
            assert progress.bar.console.no_color is (not color)
        finally:
            progress.close()
