"""The active part of ``pytest --loopsafe``: pytest hooks around the tracer.

It observes only: reports are never modified, exceptions are re-raised untouched, and every
failure inside the tracer is swallowed, so outcomes and counts are the same as without the
flag. Under pytest-xdist each worker traces its own tests and hands its result to the
controller through ``workeroutput``; only the controller prints and writes the file.
"""

from __future__ import annotations

import os
from typing import Any

import pytest

from ._patches import Patches
from ._report import RUNTIME_FILE, RunResult, safely, summary_lines, write_atomically
from ._tracer import Site, Tracer

_WORKEROUTPUT_KEY = "loopsafe"


class LoopsafePlugin:
    def __init__(self, config: pytest.Config) -> None:
        self.config = config
        self.tracer = Tracer(str(config.rootpath))
        self.patches = Patches(self.tracer)
        self.result = RunResult()
        self._failed: set[str] = set()
        self._controller = False
        self._written: str | None = None
        self._write_error: str | None = None
        self._merge_error: str | None = None

    def start(self) -> None:
        self.patches.install()

    def stop(self) -> None:
        self.patches.uninstall()

    @property
    def _is_worker(self) -> bool:
        return hasattr(self.config, "workerinput")

    # ------------------------------------------------------------------ per test

    def pytest_sessionstart(self, session: pytest.Session) -> None:
        # The xdist controller runs no tests: it only replays the workers' reports.
        self._controller = self.config.pluginmanager.has_plugin("dsession")

    def pytest_runtest_logstart(self, nodeid: str, location: tuple[str, int | None, str]) -> None:
        if self._controller:
            return
        path, lineno, _ = location
        self._failed.discard(nodeid)
        self.tracer.begin(nodeid, (path.replace(os.sep, "/"), (lineno or 0) + 1))

    def pytest_runtest_makereport(self, item: pytest.Item, call: pytest.CallInfo[None]) -> None:
        if call.excinfo is not None and not self._controller:
            self.tracer.analyse(call.excinfo.value, item.nodeid)

    def pytest_runtest_logreport(self, report: pytest.TestReport) -> None:
        if report.failed and not self._controller:
            self._failed.add(report.nodeid)

    def pytest_runtest_logfinish(self, nodeid: str) -> None:
        if self._controller:
            return
        records = self.tracer.end(nodeid)
        self.result.add_test(nodeid, nodeid in self._failed, records)
        self._failed.discard(nodeid)

    def pytest_exception_interact(
        self, node: pytest.Item | pytest.Collector, call: pytest.CallInfo[Any]
    ) -> None:
        # Items are handled by makereport; this catches modules that failed to import.
        if isinstance(node, pytest.Item) or call.excinfo is None or self._controller:
            return
        nodeid = node.nodeid or "."
        fallback: Site | None = None
        path = getattr(node, "path", None)
        if path is not None:
            relative = self.tracer.relative(str(path))
            if relative is not None:
                fallback = (relative, 1)
        self.tracer.analyse(call.excinfo.value, nodeid, fallback)
        self.result.add_collect_error(nodeid, self.tracer.end(nodeid))

    # ------------------------------------------------------------------ xdist

    @pytest.hookimpl(optionalhook=True)
    def pytest_testnodedown(self, node: Any, error: object) -> None:
        output = getattr(node, "workeroutput", None)
        if isinstance(output, dict):
            payload = output.get(_WORKEROUTPUT_KEY)
            self._merge_error = safely(lambda: self.result.merge(payload)) or self._merge_error

    # ------------------------------------------------------------------ end of run

    def pytest_sessionfinish(self, session: pytest.Session) -> None:
        if self._is_worker:
            workeroutput = getattr(self.config, "workeroutput", None)
            if isinstance(workeroutput, dict):
                workeroutput[_WORKEROUTPUT_KEY] = self.result.to_payload()
            return
        if self.config.option.collectonly:
            return
        root = self.config.rootpath
        self._write_error = safely(lambda: write_atomically(root, self.result.document()))
        if self._write_error is None:
            self._written = str(RUNTIME_FILE).replace(os.sep, "/")

    def pytest_terminal_summary(self, terminalreporter: pytest.TerminalReporter) -> None:
        if self._is_worker or self.config.option.collectonly:
            return
        writer = terminalreporter
        writer.section("loopsafe: event-loop conflicts", sep="=")
        width = int(getattr(getattr(writer, "_tw", None), "fullwidth", 100))
        lines: list[str] = []
        error = safely(lambda: lines.extend(summary_lines(self.result.document(), width)))
        for line in lines:
            writer.write_line(line)
        for problem in (error, self._merge_error):
            if problem is not None:
                writer.write_line(f"loopsafe: internal error, results may be partial: {problem}")
        if self._written is not None:
            writer.write_line(f"Wrote {self._written}")
        elif self._write_error is not None:
            writer.write_line(f"loopsafe: could not write {RUNTIME_FILE}: {self._write_error}")
