"""Results built by hand, so the output formats are tested without the analyser."""

from __future__ import annotations

import pytest

from loopsafe.model import Action, Category, Finding, Fix, FixSafety, ParseError, Result


def make_finding(
    path: str = "pkg/mod.py",
    line: int = 1,
    col: int = 1,
    code: str = "LS101",
    rule: str = "asyncio-run-in-coroutine",
    category: Category = Category.ASYNC_CONTEXT,
    action: Action = Action.FIX,
    message: str = "asyncio.run() inside a coroutine raises; await the coroutine instead.",
    *,
    end_line: int | None = None,
    end_col: int | None = None,
    fix: Fix | None = None,
    function: str = "pkg.mod.handler",
    call_path: tuple[str, ...] = (),
) -> Finding:
    return Finding(
        path=path,
        line=line,
        col=col,
        end_line=line if end_line is None else end_line,
        end_col=col + 10 if end_col is None else end_col,
        code=code,
        rule=rule,
        category=category,
        action=action,
        message=message,
        fix=fix or Fix(),
        function=function,
        call_path=call_path,
    )


def mixed_result() -> Result:
    """Every action, a call path, a parse error, awkward characters; deliberately unsorted."""
    findings = [
        make_finding(
            "pkg/service.py",
            12,
            16,
            "LS103",
            "loop-entry-reachable-from-async",
            Category.REACHABLE_FROM_ASYNC,
            Action.FIX,
            "load_user() enters a loop and is called from async code; make the chain async.",
            fix=Fix(FixSafety.UNSAFE),
            function="pkg.service.load_user",
            call_path=("pkg.routes:get_user", "pkg.service:load_user"),
        ),
        make_finding(
            "pkg/routes.py",
            30,
            9,
            "LS101",
            fix=Fix(FixSafety.SAFE, "await fetch()"),
            function="pkg.routes.handler",
        ),
        make_finding(
            "pkg/routes.py",
            8,
            5,
            "LS202",
            "get-event-loop-in-sync-code",
            Category.SYNC_WRAPPER,
            Action.REVIEW,
            "get_event_loop() in sync code: 100% deprecated, raises on 3.14, review.",
            function="pkg.routes.schedule",
        ),
        make_finding(
            "cli.py",
            40,
            5,
            "LS100",
            "loop-site-accepted",
            Category.ENTRYPOINT,
            Action.OK,
            "asyncio.run() under if __name__ == '__main__': no loop runs here.",
            function="",
        ),
        make_finding(
            "pkg/routes.py",
            30,
            9,
            "LS100",
            "loop-site-accepted",
            Category.GUARDED,
            Action.OK,
            "Guarded by a running-loop check.",
        ),
        make_finding(
            "my dir/odd,name.py",
            3,
            1,
            "LS204",
            "nest-asyncio-apply",
            Category.MODULE_LEVEL,
            Action.REVIEW,
            "nest_asyncio.apply() patches asyncio:\nreview it, then remove it.",
            function="",
        ),
    ]
    errors = [ParseError("broken.py", 7, "invalid syntax (expected ':')")]
    return Result(files_scanned=9, findings=findings, parse_errors=errors)


@pytest.fixture
def result() -> Result:
    return mixed_result()


@pytest.fixture
def make() -> object:
    """The `make_finding` factory, for tests that build their own results."""
    return make_finding
