"""The edits a fix is made of, located the way findings are: file, line, column."""

from __future__ import annotations

from dataclasses import dataclass, field


class OpKind:
    AWAIT = "await"  # `asyncio.run(x)` / `loop.run_until_complete(x)` -> `await x`
    AWAIT_FN = "await-fn"  # `anyio.run(f, *args)` -> `await f(*args)`
    RUN_SYNC = "run-sync"  # `asyncio.run(x)` -> `run_sync(x)`, importing the helper
    RUNNING_LOOP = "running-loop"  # `get_event_loop()` -> `get_running_loop()`
    LOOP_SCOPE = "loop-scope"  # `mark.asyncio(scope=...)` -> `loop_scope=`
    WAIT_AWAIT = "wait-await"  # `<future>.result()` in a coroutine -> `await ...`
    ASYNC_DEF = "async-def"  # `def f` -> `async def f` (line of the `def`)
    AWAIT_CALL = "await-call"  # a call of a function made async -> `await f(...)`
    WRAP_RUN = "wrap-run"  # the same, where no loop runs -> `asyncio.run(f(...))`
    ASYNC_FIXTURE = "async-fixture"  # a sync fixture -> an async one (line of the `def`)
    DELETE_DEF = "delete-def"  # remove a function (line of the `def`)


@dataclass(frozen=True)
class Op:
    kind: str
    line: int
    col: int = 0  # 1-based character column of the call; 0 matches by line (and name)
    name: str = ""  # callee name for AWAIT_CALL / WRAP_RUN; helper "module:name" for RUN_SYNC
    code: str = ""  # the rule the edit serves
    end_line: int = 0  # end of the call (exclusive 1-based column), to tell apart calls
    end_col: int = 0  # that start at the same place: `get_event_loop().time()`


@dataclass
class ConfigEdit:
    """Set pytest ini options in the project's pytest configuration."""

    path: str  # relative to the cwd; may not exist yet
    section: str  # "pytest", "tool:pytest" or "tool.pytest.ini_options"
    options: dict[str, str] = field(default_factory=dict)


@dataclass
class Planned:
    """What one finding's fix needs, or why it gets none."""

    code: str
    path: str
    line: int
    ops: dict[str, list[Op]] = field(default_factory=dict)  # relpath -> edits
    config: list[ConfigEdit] = field(default_factory=list)
    reason: str = ""  # why there is no fix (empty when there is one)
    unsafe: bool = False
