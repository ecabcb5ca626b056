"""The vocabulary every stage shares: categories, actions, findings, and the edits a fix
is made of.

Kept free of heavy imports: everything downstream (rules, outputs, the report, the fixer)
speaks in these types, and the whole-run cache stores findings as JSON.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import Enum


class Category(str, Enum):
    """Where a site runs. Values are the SPEC's category names."""

    ASYNC_CONTEXT = "async-context"
    REACHABLE_FROM_ASYNC = "reachable-from-async"
    SYNC_WRAPPER = "sync-wrapper"
    ENTRYPOINT = "entrypoint"
    WORKER_TASK = "worker-task"
    THREAD = "thread"
    GUARDED = "guarded"
    TEST_CODE = "test-code"
    PYTEST_CONFIG = "pytest-config"
    MODULE_LEVEL = "module-level"
    # Not a site: a suppression comment itself (LS001 unused-suppression).
    SUPPRESSION = "suppression"


class Action(str, Enum):
    """What the user must do about a site."""

    FIX = "fix"
    REVIEW = "review"
    OK = "ok"


class FixSafety(str, Enum):
    SAFE = "safe"
    UNSAFE = "unsafe"
    NONE = "none"


class OpKind(str, Enum):
    """One kind of edit, located the way findings are: file, line, column."""

    AWAIT = "await"  # `asyncio.run(x)` / `loop.run_until_complete(x)` -> `await x`
    AWAIT_FN = "await-fn"  # `anyio.run(f, *args)` -> `await f(*args)`
    RUN_SYNC = "run-sync"  # `asyncio.run(x)` -> `run_sync(x)`, importing the helper
    RUNNING_LOOP = "running-loop"  # `get_event_loop()` -> `get_running_loop()`
    RENAME_CALL = "rename-call"  # `mod.f(...)` -> `other.g(...)`, importing `other`
    LOOP_SCOPE = "loop-scope"  # `mark.asyncio(scope=...)` -> `loop_scope=`
    WAIT_AWAIT = "wait-await"  # `<future>.result()` in a coroutine -> `await ...`
    ASYNC_DEF = "async-def"  # `def f` -> `async def f` (line of the `def`)
    AWAIT_CALL = "await-call"  # a call of a function made async -> `await f(...)`
    WRAP_RUN = "wrap-run"  # the same, where no loop runs -> `asyncio.run(f(...))`
    ASYNC_FIXTURE = "async-fixture"  # a sync fixture -> an async one (line of the `def`)
    DELETE_DEF = "delete-def"  # remove a function (line of the `def`)
    # In the function whose `def` is on `line`: remove the loop `name` the fix no longer
    # runs (its creation, `close()`, `set_event_loop(name)` and the matching reset).
    DROP_LOOP = "drop-loop"
    # In the function whose `def` is on `line`: remove the executor `name` if the fix left
    # it unused (`with ...Executor() as name:` unwrapped, `name = ...Executor()` and its
    # `shutdown()` removed); kept as it is while anything still uses it.
    DROP_EXECUTOR = "drop-executor"
    # Library API called from async code: keep `def f` for outside callers and add
    # `async def <name>` after it, a copy whose loop entries (TWIN_AWAIT) are awaited.
    ASYNC_TWIN = "async-twin"  # line of the `def`; name: the twin's name
    TWIN_AWAIT = "twin-await"  # a loop entry of f, awaited in the twin only
    AWAIT_TWIN = "await-twin"  # a call of f from async code -> `await <twin>(...)`
    # `asyncio.get_event_loop()` -> the helper's `current_loop()` ("module:current_loop")
    CURRENT_LOOP = "current-loop"
    # `get_event_loop()` -> a copy of `current_loop()` written into the module itself
    INLINE_CURRENT_LOOP = "inline-current-loop"
    # `loop.run_until_complete(x)` -> `asyncio.run(x)` (the fetched loop goes with
    # DROP_FETCHED_LOOP, or with the call it is fetched in)
    ASYNCIO_RUN = "asyncio-run"
    DROP_FETCHED_LOOP = "drop-fetched-loop"  # DROP_LOOP for `name = get_event_loop()`
    # Remove one argument of the call: the keyword `name`, or the positional argument at
    # index `name` when it is digits (`asyncio.sleep(1, loop=loop)` -> `asyncio.sleep(1)`)
    DROP_ARGUMENT = "drop-argument"
    # Remove the statement that is only the call at the position (name: "" for the call
    # itself, or the method called on its result, `get_child_watcher().attach_loop(l)`;
    # "if": and the `if` whose whole body that statement is, a policy set-up's platform test).
    DELETE_STATEMENT = "delete-statement"
    # `@asyncio.coroutine` on the `def` of `line` (name: the decorator as written) goes;
    # a generator becomes `async def`, its own `yield from x` become `await x`.
    COROUTINE_DEF = "coroutine-def"
    # `asyncio.run(x)` / `asyncio.Runner()` -> `...(x, loop_factory=<expression>)`; name:
    # "module:expression", the module to import for it ("" when none is needed).
    LOOP_FACTORY = "loop-factory"
    # `asyncio.Future()` -> `asyncio.Future(loop=current_loop())`; name: "module:current_loop"
    LOOP_ARGUMENT = "loop-argument"
    # Remove codes from the suppression comment on `line` (name: the codes, comma-joined;
    # "*" for a blanket `# loopsafe: ignore`); a directive left with no code goes.
    DROP_SUPPRESSION = "drop-suppression"


# Suffixes of a RUN_SYNC op's helper name: call it with `allow_running_loop=True`, with
# `fresh_loop=True` (each call on a new loop, closed after it: exactly `asyncio.run`).
ALLOW_RUNNING_LOOP = "+allow_running_loop"
FRESH_LOOP = "+fresh_loop"


@dataclass(frozen=True)
class Op:
    kind: OpKind
    line: int
    col: int = 0  # 1-based character column of the call; 0 matches by line (and name)
    # The callee for AWAIT_CALL / WRAP_RUN; "module:name" of the helper for RUN_SYNC; the
    # new dotted callee for RENAME_CALL; "strict" for ASYNC_FIXTURE in strict mode; the
    # keyword (or the position, as digits) of the argument DROP_ARGUMENT removes.
    name: str = ""
    end_line: int = 0  # end of the call (exclusive 1-based column), to tell apart calls
    end_col: int = 0  # that start at the same place: `get_event_loop().time()`
    # AWAIT_TWIN: the twin's name, and the module to import it from ("" when the call
    # reaches it as an attribute or from its own module).
    twin: str = ""
    twin_module: str = ""


@dataclass(frozen=True)
class ConfigEdit:
    """Set pytest ini options in the project's pytest configuration."""

    path: str  # relative to the cwd; may not exist yet
    section: str  # "pytest", "tool:pytest", "tool.pytest" or "tool.pytest.ini_options"
    options: tuple[tuple[str, str], ...] = ()


@dataclass(frozen=True)
class Fix:
    """The fix a finding offers, decided once by its rule: how safe it is, the new text of
    the site when there is one, and the edits that make it (what the fixer applies). A
    finding that must change but gets no fix says why in `reason`."""

    safety: FixSafety = FixSafety.NONE
    replacement: str = ""
    edits: tuple[tuple[str, Op], ...] = field(default=(), compare=False, repr=False)
    config: tuple[ConfigEdit, ...] = field(default=(), compare=False, repr=False)
    reason: str = field(default="", compare=False)
    # The vendored copy of the helper that the edits import (relpath; "" when none): the
    # fixer writes it when it is missing.
    helper_copy: str = field(default="", compare=False, repr=False)


@dataclass(frozen=True)
class Finding:
    """One site, classified. Paths are project-relative with `/`; lines and columns 1-based."""

    path: str
    line: int
    col: int
    end_line: int
    end_col: int
    code: str
    rule: str
    category: Category
    action: Action
    message: str
    fix: Fix = field(default_factory=Fix)
    function: str = ""
    call_path: tuple[str, ...] = ()

    @property
    def actionable(self) -> bool:
        return self.action is not Action.OK

    def sort_key(self) -> tuple[str, int, int, str]:
        return (self.path, self.line, self.col, self.code)


@dataclass(frozen=True)
class ParseError:
    """A file that could not be read or parsed (LS000). The scan goes on without it."""

    path: str
    line: int
    message: str
    code: str = "LS000"


@dataclass
class Result:
    """Everything one analysis run produced."""

    files_scanned: int = 0
    findings: list[Finding] = field(default_factory=list)
    parse_errors: list[ParseError] = field(default_factory=list)
    # One line each for the user about the run itself, never about the code (a cache in
    # the tree that was ignored): the CLI prints them on stderr. Never cached.
    notices: list[str] = field(default_factory=list)

    @property
    def actionable(self) -> list[Finding]:
        return [f for f in self.findings if f.actionable]
