"""Per-file facts: everything the project-wide phase needs, and nothing it does not.

A `FileFacts` is a pure function of (module name, source bytes), so it is what the cache
stores and what worker processes send back. References to other code are dotted names
resolved as far as this file alone allows ("pkg.mod.func", "pkg.mod.Class.method");
the project-wide resolver finishes the job across modules.
"""

from __future__ import annotations

from dataclasses import dataclass, field


class SiteKind:
    """What a site does to the event loop (see docs/classification.md, section 1)."""

    RUN = "run"
    LOOP_RUN = "loop-run"
    FETCH = "fetch"
    CREATE = "create"
    SET = "set"
    PATCH = "patch"
    FIXTURE = "fixture"
    MARK = "mark"
    WAIT = "wait"


class ScopeKind:
    ASYNC = "async"
    SYNC = "sync"
    MODULE = "module"  # module level or a class body: runs at import time
    THREAD = "thread"  # a lambda handed to a thread API


@dataclass
class Site:
    kind: str
    api: str  # the construct as written for messages, e.g. "asyncio.run()"
    line: int
    col: int
    end_line: int
    end_col: int
    scope: str  # qualname of the enclosing function, "" at module level
    scope_kind: str
    in_main_block: bool = False
    thread_api: str = ""  # set when the loop function is handed to a thread API
    guarded: bool = False
    after_set: bool = False  # fetch after set_event_loop() in the same function
    leaked: bool = False  # create: never closed or handed off; set: closed without reset
    wait_target: str = ""  # wait: dotted name of the submitted function, if any
    replacement: str = ""
    safe_fix: bool = False
    note: str = ""
    loop_expr: str = ""  # run_until_complete(): the loop it runs on, "loop" or "self._loop"
    own_loop: str = ""  # why run_sync() cannot stand in: the code works with that very loop


@dataclass
class Call:
    """A reference from one function to another: a call or a function passed as a value."""

    target: str  # dotted name, possibly relative to a class: see `self_class`
    line: int
    self_class: str = ""  # for self.m()/cls.m()/super().m(): dotted class name
    via_super: bool = False
    is_value: bool = False  # passed as a value, not called: a class here is not instantiated
    col: int = 0  # 1-based character column where the call starts (0: unknown)


@dataclass
class Function:
    qualname: str  # within the module: "f", "C.m", "outer.inner"
    is_async: bool
    line: int
    class_name: str = ""  # dotted class name for methods
    parent: str = ""  # qualname of the enclosing function, for nested defs
    decorators: list[str] = field(default_factory=list)  # dotted, "()" suffix when called
    decorator_kwargs: list[dict[str, str]] = field(default_factory=list)
    calls: list[Call] = field(default_factory=list)
    thread_targets: list[Call] = field(default_factory=list)
    loop_callbacks: list[Call] = field(default_factory=list)
    worker_targets: list[Call] = field(default_factory=list)  # queue.enqueue(f) and the like
    params: list[str] = field(default_factory=list)
    uses_argparse: bool = False
    has_asyncio_mark: bool = False
    usefixtures: list[str] = field(default_factory=list)
    # Lines of a body not extracted yet (no trigger token in it): its calls are read only
    # if a name it mentions turns out to lead to a site. 0 when the body is extracted.
    deferred_start: int = 0
    deferred_end: int = 0
    is_generator: bool = False  # `yield` in its own body: async turns it into an async generator


@dataclass
class ClassInfo:
    qualname: str
    line: int
    bases: list[str] = field(default_factory=list)  # dotted
    methods: list[str] = field(default_factory=list)
    has_asyncio_mark: bool = False
    # `functions = [f, g]` style class attributes (arq WorkerSettings), dotted names.
    list_attrs: dict[str, list[str]] = field(default_factory=dict)
    # `self.attr = Something(...)` in any method: attr -> dotted value.
    attrs: dict[str, str] = field(default_factory=dict)


@dataclass
class FileFacts:
    module: str
    is_package_init: bool = False
    functions: dict[str, Function] = field(default_factory=dict)
    classes: dict[str, ClassInfo] = field(default_factory=dict)
    # Module-level bindings: name -> dotted target (imports, aliases).
    imports: dict[str, str] = field(default_factory=dict)
    # Module-level `name = Something(...)`: name -> dotted name of the callable.
    constructed: dict[str, str] = field(default_factory=dict)
    # Module-level names bound to plain aliases `name = other` (dotted).
    aliases: dict[str, str] = field(default_factory=dict)
    star_imports: list[str] = field(default_factory=list)
    imported_modules: list[str] = field(default_factory=list)
    module_calls: list[Call] = field(default_factory=list)  # at import time
    main_calls: list[Call] = field(default_factory=list)  # under if __name__ == "__main__"
    module_thread_targets: list[Call] = field(default_factory=list)
    module_worker_targets: list[Call] = field(default_factory=list)
    module_loop_callbacks: list[Call] = field(default_factory=list)
    has_main_block: bool = False
    has_toplevel_code: bool = False  # calls or loops at module level: it does work when run
    has_module_asyncio_mark: bool = False
    sites: list[Site] = field(default_factory=list)
    # line -> suppressed codes ("" = all)
    suppressions: dict[int, tuple[str, ...]] = field(default_factory=dict)
    # Every module-level binding (imports, defs, assignments), to extract deferred bodies.
    bindings: dict[str, str] = field(default_factory=dict)
    star_fallback: bool = False
