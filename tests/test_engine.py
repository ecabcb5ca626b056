"""The engine's plumbing: errors are not retried away, rule selection happens once, and
cached facts are keyed by the code that made them."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest

from loopsafe import pipeline
from loopsafe.cli import check, fix_command
from loopsafe.discover.config import Config
from loopsafe.engine import analyse
from loopsafe.scan import facts_version

SRC = Path(__file__).resolve().parents[1] / "src" / "loopsafe"
APP = """\
import asyncio


async def fetch():
    return asyncio.get_event_loop()


async def handler():
    return asyncio.run(fetch())
"""


def test_an_analyser_error_is_not_retried_away(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """It used to be retried without the cache, so a bug showed only as a slower run."""
    (tmp_path / "app.py").write_text(APP)
    calls: list[Any] = []

    def broken(*args: Any, **kwargs: Any) -> Any:
        calls.append(args)
        raise RuntimeError("analyser bug")

    monkeypatch.setattr(pipeline, "run", broken)
    with pytest.raises(RuntimeError, match="analyser bug"):
        analyse([tmp_path], cwd=tmp_path)
    assert len(calls) == 1


def test_the_engine_applies_select_and_ignore_to_fresh_and_cached_runs(tmp_path: Path) -> None:
    (tmp_path / "app.py").write_text(APP)
    everything = {f.code for f in analyse([tmp_path], cwd=tmp_path).findings}
    assert everything == {"LS101", "LS201"}
    for _ in range(2):  # a fresh run, then one answered from the cache
        only = analyse([tmp_path], Config(select=("LS2",)), cwd=tmp_path)
        assert {f.code for f in only.findings} == {"LS201"}
    ignored = analyse([tmp_path], Config(ignore=("LS201",)), cwd=tmp_path)
    assert {f.code for f in ignored.findings} == {"LS101"}
    assert {f.code for f in analyse([tmp_path], cwd=tmp_path).findings} == everything


def test_the_facts_version_follows_the_code_that_makes_facts(tmp_path: Path) -> None:
    copy = tmp_path / "loopsafe"
    shutil.copytree(SRC, copy, ignore=shutil.ignore_patterns("__pycache__"))
    base = facts_version(copy)
    rule = copy / "rules" / "catalogue" / "ls101_asyncio_run_in_coroutine.py"
    rule.write_text(rule.read_text() + "\n# a comment\n")
    assert facts_version.__wrapped__(copy) == base  # rules only read facts
    extract = copy / "facts" / "extract.py"
    extract.write_text(extract.read_text() + "\n# a comment\n")
    assert facts_version.__wrapped__(copy) != base


def test_check_and_fix_take_the_same_analysing_options() -> None:
    # --add-noqa and --write-baseline are ways to report, not to fix; --baseline is both.
    shared = {p.name for p in check.params} - {"fix", "add_noqa", "write_baseline"}
    assert shared == {p.name for p in fix_command.params} - {"report_file"}
    assert {"select", "ignore", "exclude", "unsafe_fixes", "diff", "pytest_config"} <= shared
