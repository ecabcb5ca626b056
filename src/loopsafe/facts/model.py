"""Per-file facts: everything the project-wide phase needs, and nothing it does not.

A `FileFacts` is a pure function of (module name, source bytes), so it is what the cache
stores and what worker processes send back. References to other code are dotted names
resolved as far as this file alone allows ("pkg.mod.func", "pkg.mod.Class.method");
the project-wide resolver finishes the job across modules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field, fields
from enum import Enum
from operator import attrgetter
from typing import Any, NoReturn, TypeVar


class SiteKind(str, Enum):
    """What a site does to the event loop (docs/classification.md, section 1)."""

    RUN = "run"  # a runner: asyncio.run(), asyncio.Runner(), anyio.run(), trio.run()
    LOOP_RUN = "loop-run"  # <loop>.run_until_complete() / run_forever()
    FETCH = "fetch"  # get_event_loop()
    CREATE = "create"  # new_event_loop()
    SET = "set"  # set_event_loop()
    PATCH = "patch"  # nest_asyncio.apply()
    FIXTURE = "fixture"  # a pytest `event_loop` fixture
    MARK = "mark"  # pytest.mark.asyncio(scope=...)
    WAIT = "wait"  # <future>.result() inside a coroutine
    CALL = "call"  # a call of an API a rule watches (`Rule.calls`): `target` names it
    # A call, inside a coroutine, of a project callable that runs a coroutine to completion
    # in a loop of its own (made by a decorator or a helper): found project-wide.
    WRAPPER_CALL = "wrapper-call"


class LoopApi(str, Enum):
    """The construct a site is; the value is how messages name it."""

    ASYNCIO_RUN = "asyncio.run()"
    RUNNER = "asyncio.Runner()"
    ANYIO_RUN = "anyio.run()"
    TRIO_RUN = "trio.run()"
    UVLOOP_RUN = "uvloop.run()"
    RUN_UNTIL_COMPLETE = "run_until_complete()"
    RUN_FOREVER = "run_forever()"
    GET_EVENT_LOOP = "asyncio.get_event_loop()"
    NEW_EVENT_LOOP = "new_event_loop()"
    SET_EVENT_LOOP = "asyncio.set_event_loop()"
    NEST_ASYNCIO_APPLY = "nest_asyncio.apply()"
    EVENT_LOOP_FIXTURE = "event_loop fixture"
    MARK_SCOPE = "pytest.mark.asyncio(scope=...)"
    THREADSAFE_RESULT = "run_coroutine_threadsafe().result()"
    SUBMIT_RESULT = "executor.submit(...).result()"
    WATCHED_CALL = "call"  # SiteKind.CALL: the API is `Site.target`
    WATCHED_IMPORT = "import"  # SiteKind.CALL: `from module import api`
    PROJECT_ENTRY = "project loop entry"  # SiteKind.WRAPPER_CALL


class ScopeKind(str, Enum):
    ASYNC = "async"
    SYNC = "sync"
    MODULE = "module"  # module level or a class body: runs at import time
    THREAD = "thread"  # a lambda handed to a thread API


@dataclass(slots=True)
class Site:
    """What the code says at one site; rules judge it (nothing here is a verdict)."""

    kind: SiteKind
    api: LoopApi
    line: int
    col: int
    end_line: int
    end_col: int
    scope: str  # qualname of the enclosing function, "" at module level
    scope_kind: ScopeKind
    target: str = ""  # the callee as a canonical dotted name ("asyncio.runners.run")
    text: str = ""  # the call as written
    args: list[str] = field(default_factory=list)  # positional arguments as written
    keywords: list[str] = field(default_factory=list)  # keyword names, "**" for `**kwargs`
    receiver: str = ""  # for a method call, the object it is called on, as written
    called: bool = True  # False: the API is handed on as a value (`submit(asyncio.run, c)`)
    assigned: bool = False  # the call is the whole value of `name = ...` / `obj.attr = ...`
    awaited: bool = False  # awaited where it is made: `await f(...)`, `async for _ in f()`
    # The call is a statement of its own ("call"), or a method called on its result is
    # (".attach_loop" for `get_child_watcher().attach_loop(loop)`); "" when neither.
    statement: str = ""
    in_lambda: bool = False  # inside a lambda or a generator expression (no `await` there)
    # The code only runs on Pythons older than this version (`if sys.version_info <
    # (3, 13):`, the else branch of `>= (3, 13)`, a def inside one); [] when unbounded.
    runs_below: list[int] = field(default_factory=list)
    # Exceptions the code around the site in its function catches (`except TypeError:`,
    # a bare `except:` as "BaseException") or a test expects (`pytest.raises(TypeError)`,
    # `self.assertRaises(TypeError)`), by the last part of their name.
    caught: list[str] = field(default_factory=list)
    in_main_block: bool = False
    thread_api: str = ""  # "thread" when the runner is handed to a thread API as a value
    guarded: bool = False
    decorates: str = ""  # a decorator: the qualname of the def it decorates
    # only runs with a loop running: past `asyncio.get_running_loop()` in a `try`, or in the
    # branch of `if loop.is_running():`
    loop_running: bool = False
    # fetch: guarded only by a `try` whose `except RuntimeError` does not make a loop: it
    # runs where Python 3.14 raises, and up to 3.13 never did in the main thread
    fallback_changes: bool = False
    # fetch after set_event_loop() in the same function; a watched call after that or
    # after a get_event_loop() (which sets the loop it makes, up to 3.13, and its fix too)
    after_set: bool = False
    # wait: the function handed to `executor.submit()` (dotted), and how it is waited for.
    wait_target: str = ""
    waited_directly: bool = False  # `.result()` is called on the producing call itself
    result_args: bool = False  # `.result(...)` is given arguments (a timeout)
    # create: what the new loop is bound to: a name, "self.<attr>", "<stored>" (anywhere
    # else), or "" (not bound); set: the name handed to set_event_loop().
    loop_name: str = ""
    closed: bool = False  # that loop is closed (`.close()`, `with`) in the function or class
    handed_on: bool = False  # ... or returned, yielded, or passed to a call
    chained: bool = False  # create, not bound: a method is called on the new loop directly
    reset: bool = False  # set: `set_event_loop(None)` in the same function
    # run_until_complete(): the loop it runs on, and what else the code does with it.
    loop_expr: str = ""  # "loop" or "self._loop"
    loop_call: str = ""  # the receiver is a call that is not a loop factory: its text
    loop_param: bool = False  # the receiver is a parameter of the function
    loop_use: str = ""  # another use of that loop in the function (class), as written
    # Where that loop comes from: "created" here (new_event_loop), "fetched" (the current
    # loop, get_event_loop), or "" when the code does not show it.
    loop_origin: str = ""


@dataclass(slots=True)
class Call:
    """A reference from one function to another: a call or a function passed as a value."""

    target: str  # dotted name, possibly relative to a class: see `self_class`
    line: int
    self_class: str = ""  # for self.m()/cls.m()/super().m(): dotted class name
    via_super: bool = False
    is_value: bool = False  # passed as a value, not called: a class here is not instantiated
    col: int = 0  # 1-based character column where the call starts (0: unknown)
    # Not a call: the function escapes here, so it has callers no one can list ("stored
    # in a container", "returned"); what happens to it, for messages.
    stored: str = ""
    # Passed as an argument (`is_value`): the callee it is passed to (dotted) and where
    # ("0", "1"... or the keyword), so a callee that hands it to a thread is seen through.
    passed_to: str = ""
    passed_as: str = ""
    # `await f()`, `async for _ in f()`: `f` is async (a sync function of that name found
    # for it is another class's; a constructor still runs).
    awaited: bool = False


class SharedEmptyList(list):  # type: ignore[type-arg]
    """The one empty list that the list fields of every `Function`, and those of a
    `FileFacts` that usually stay empty, start as: most stay empty (a deferred body has no
    calls yet), and a list each cost ~50 empty lists a file, made, pickled to the parent
    process, rebuilt and kept there (180 MB on 50,000 files). It refuses to change: code
    that adds to such a field gives it a list of its own first (`own_list`)."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("the shared empty list of a fact cannot change: use own_list()")

    append = extend = insert = remove = pop = clear = sort = reverse = _refuse
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _refuse

    def __reduce__(self) -> tuple[Callable[[], list[Any]], tuple[()]]:
        return _empty_list, ()  # unpickled as the same object: no list per field

    def __copy__(self) -> SharedEmptyList:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedEmptyList:
        return self


class SharedEmptyDict(dict):  # type: ignore[type-arg]
    """`SharedEmptyList` for the dict fields (`Function.handed_params`, `FileFacts.made`,
    `ClassInfo.enters`...)."""

    __slots__ = ()

    def _refuse(self, *args: object, **kwargs: object) -> NoReturn:
        raise TypeError("the shared empty dict of a fact cannot change: use own_dict()")

    __setitem__ = __delitem__ = __ior__ = setdefault = update = _refuse
    pop = popitem = clear = _refuse

    def __reduce__(self) -> tuple[Callable[[], dict[Any, Any]], tuple[()]]:
        return _empty_dict, ()

    def __copy__(self) -> SharedEmptyDict:
        return self

    def __deepcopy__(self, memo: dict[int, Any]) -> SharedEmptyDict:
        return self


EMPTY_LIST: list[Any] = SharedEmptyList()
EMPTY_DICT: dict[Any, Any] = SharedEmptyDict()


def _empty_list() -> list[Any]:
    return EMPTY_LIST


def _empty_dict() -> dict[Any, Any]:
    return EMPTY_DICT


def own_list(obj: Any, name: str) -> list[Any]:
    """`obj.name`, a list `obj` may add to: its own, made now if it is the shared one."""
    value: list[Any] = getattr(obj, name)
    if value is EMPTY_LIST:
        value = []
        setattr(obj, name, value)
    return value


def own_dict(obj: Any, name: str) -> dict[Any, Any]:
    """`own_list` for a dict field."""
    value: dict[Any, Any] = getattr(obj, name)
    if value is EMPTY_DICT:
        value = {}
        setattr(obj, name, value)
    return value


@dataclass(slots=True)
class Function:
    qualname: str  # within the module: "f", "C.m", "outer.inner"
    is_async: bool
    line: int
    class_name: str = ""  # dotted class name for methods
    parent: str = ""  # qualname of the enclosing function, for nested defs
    decorators: list[str] = field(default_factory=_empty_list)  # dotted, "()" suffix when called
    decorator_kwargs: list[dict[str, str]] = field(default_factory=_empty_list)
    calls: list[Call] = field(default_factory=_empty_list)
    thread_targets: list[Call] = field(default_factory=_empty_list)
    loop_callbacks: list[Call] = field(default_factory=_empty_list)
    worker_targets: list[Call] = field(default_factory=_empty_list)  # queue.enqueue(f) and the like
    escapes: list[Call] = field(default_factory=_empty_list)  # functions stored or returned here
    # Parameters this function (or a function nested in it) hands to a thread API or a
    # loop callback registration: name -> "thread" / "callback". A function passed in for
    # such a parameter runs there, not here.
    handed_params: dict[str, str] = field(default_factory=_empty_dict)
    params: list[str] = field(default_factory=_empty_list)
    uses_argparse: bool = False
    has_asyncio_mark: bool = False
    usefixtures: list[str] = field(default_factory=_empty_list)
    # Lines of a body not extracted yet (no trigger token in it): its calls are read only
    # if a name it mentions turns out to lead to a site. 0 when the body is extracted.
    deferred_start: int = 0
    deferred_end: int = 0
    is_generator: bool = False  # `yield` in its own body: async turns it into an async generator
    async_def: bool = False  # written `async def` (is_async also counts @asyncio.coroutine)
    # For a generator: "yield-from" when every yield of its own body is a `yield from x`
    # that is a statement or the whole value of an assignment or `return` (where `await x`
    # reads the same), else "other"; and what those `yield from` call, as written
    # (`helper`, `self.helper`).
    yield_shape: str = ""
    yield_from_calls: list[str] = field(default_factory=_empty_list)


@dataclass(slots=True)
class ClassInfo:
    qualname: str
    line: int
    bases: list[str] = field(default_factory=list)  # dotted
    methods: list[str] = field(default_factory=list)
    has_asyncio_mark: bool = False
    # `functions = [f, g]` style class attributes (arq WorkerSettings), dotted names.
    list_attrs: dict[str, list[str]] = field(default_factory=_empty_dict)
    # `self.attr = Something(...)` in any method: attr -> dotted value.
    attrs: dict[str, str] = field(default_factory=dict)
    # `name = helper(f, ...)` in the class body: name -> (dotted helper, dotted first
    # argument), as for `start = async_to_sync(_start)`.
    made: dict[str, tuple[str, str]] = field(default_factory=_empty_dict)
    # `__enter__` / `__aenter__` defined here -> whether it returns the object itself.
    enters: dict[str, bool] = field(default_factory=_empty_dict)


@dataclass(slots=True)
class FileFacts:
    module: str
    is_package_init: bool = False
    functions: dict[str, Function] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    # Module-level bindings: name -> dotted target (imports, aliases).
    imports: dict[str, str] = field(default_factory=dict)
    # Module-level `name = Something(...)`: name -> dotted name of the callable.
    constructed: dict[str, str] = field(default_factory=_empty_dict)
    # Module-level names bound to plain aliases `name = other` (dotted).
    aliases: dict[str, str] = field(default_factory=_empty_dict)
    # Module-level `name = helper(f, ...)`: name -> (dotted helper, dotted first argument).
    made: dict[str, tuple[str, str]] = field(default_factory=_empty_dict)
    star_imports: list[str] = field(default_factory=_empty_list)
    imported_modules: list[str] = field(default_factory=list)
    module_calls: list[Call] = field(default_factory=list)  # at import time
    main_calls: list[Call] = field(default_factory=_empty_list)  # under if __name__ == "__main__"
    module_thread_targets: list[Call] = field(default_factory=_empty_list)
    module_worker_targets: list[Call] = field(default_factory=_empty_list)
    module_loop_callbacks: list[Call] = field(default_factory=_empty_list)
    module_escapes: list[Call] = field(default_factory=_empty_list)
    has_main_block: bool = False
    has_toplevel_code: bool = False  # calls or loops at module level: it does work when run
    has_module_asyncio_mark: bool = False
    dunder_all: list[str] | None = None  # the names `__all__` lists, None without one
    sites: list[Site] = field(default_factory=_empty_list)
    # line -> suppressed codes ("" = all)
    suppressions: dict[int, tuple[str, ...]] = field(default_factory=_empty_dict)
    # Every module-level binding (imports, defs, assignments), to extract deferred bodies.
    bindings: dict[str, str] = field(default_factory=dict)
    star_fallback: bool = False
    # How often each name is bound anywhere in the module (assignments, parameters,
    # imports, defs...), recorded when it has `SiteKind.CALL` sites: a fix that brings in a
    # name (`import inspect`) must not rebind one the code uses for something else.
    bound_names: dict[str, int] = field(default_factory=_empty_dict)


_Fact = TypeVar("_Fact")


def _pickled_positionally(cls: type[_Fact]) -> None:
    """Pickle a fact as its class and its field values in order, rebuilt by `cls(*values)`:
    worker processes send thousands of these per batch, and the default pickle (a dict of
    field names per object) is half again as large and slower both ways. Every field goes
    through, so a round trip gives an equal object (the on-disk cache is JSON: `cache.py`)."""
    values: Callable[[Any], tuple[Any, ...]] = attrgetter(*(f.name for f in fields(cls)))  # type: ignore[arg-type]

    def __reduce__(self: _Fact) -> tuple[type[_Fact], tuple[Any, ...]]:
        return cls, values(self)

    cls.__reduce__ = __reduce__  # type: ignore[assignment,method-assign]


for _cls in (Site, Call, Function, ClassInfo, FileFacts):
    _pickled_positionally(_cls)
