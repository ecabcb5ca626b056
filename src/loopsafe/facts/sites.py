"""Recognising sites: the calls that enter, fetch, create, set or patch an event loop, the
blocking waits on futures inside coroutines, and the calls of APIs a rule watches.

`SiteReader` is mixed into the extractor: it records what each call says (its callee,
arguments, receiver and surroundings) and judges nothing.
"""

from __future__ import annotations

import ast
from dataclasses import dataclass

from loopsafe.facts import apis
from loopsafe.facts.model import FileFacts, LoopApi, ScopeKind, Site, SiteKind, own_list
from loopsafe.facts.nodes import segment
from loopsafe.facts.scopes import Resolver, Scope, walk_scope

_LIFETIME_KINDS = (SiteKind.CREATE, SiteKind.SET)
# Expressions that evaluate to an event loop (what `run_forever()` is called on).
LOOP_SOURCES = (
    *(f"{a}()" for a in apis.CREATE_APIS | apis.FETCH_APIS | apis.RUNNING_LOOP_APIS),
    *(f"{p}().new_event_loop()" for p in apis.POLICY_APIS),
    *(f"{p}().get_event_loop()" for p in apis.POLICY_APIS),
)


@dataclass
class SiteState:
    """Where the walk is, as far as sites care (kept by the extractor)."""

    guarded: bool = False
    in_main: bool = False
    fetch_try: bool = False  # inside a try whose handler catches RuntimeError
    loop_running: bool = False  # only runs with a loop running (`if loop.is_running():`)
    # ...and whether such a handler makes a loop of its own (what 3.13 did for the code)
    fetch_try_makes_loop: bool = False
    runs_below: tuple[int, ...] | None = None  # only runs on Pythons older than this
    # Exceptions the enclosing statements of the function catch or expect (see Site.caught)
    caught: tuple[str, ...] = ()


class SiteReader:
    """The site-recognising half of the extractor (see `loopsafe.facts.extract`)."""

    r: Resolver
    facts: FileFacts
    lines: list[str]
    state: SiteState
    watched: frozenset[str]
    watched_arguments: dict[str, tuple[str, int]]  # API -> the argument its sites pass
    function_nodes: dict[str, ast.FunctionDef | ast.AsyncFunctionDef]
    lifetime_scopes: set[str]
    loop_run_scopes: set[str]
    loop_run_owners: set[str]  # the parents (classes) of `loop_run_scopes`
    # The sites so far by scope, and by the scope's parent (a method's class), in the
    # order of `facts.sites`: looking them up per function kept big files quadratic.
    scope_sites: dict[str, list[Site]]
    owner_sites: dict[str, list[Site]]
    lambda_depth: int
    assigned_calls: set[int]  # ids of Calls that are the whole value of an assignment
    awaited_calls: set[int]  # ids of Calls under an `await`
    statement_calls: dict[int, str]  # ids of Calls that are a statement: `Site.statement`
    decorator_of: dict[int, str]  # id(decorator node) -> qualname of the def it decorates

    def _scope_kind(self) -> ScopeKind:
        raise NotImplementedError

    def _scope_qualname(self) -> str:
        raise NotImplementedError

    def _function_scope(self) -> Scope | None:
        raise NotImplementedError

    def _classify_site(self, node: ast.Call, dotted: str, attr: str) -> None:
        if dotted in apis.RUN_APIS:
            self._add_site(SiteKind.RUN, apis.RUN_APIS[dotted], node, dotted, call=node)
        elif attr == "run_until_complete":
            site = self._add_site(
                SiteKind.LOOP_RUN, LoopApi.RUN_UNTIL_COMPLETE, node, dotted, call=node
            )
            if isinstance(node.func, ast.Attribute):
                self._loop_receiver(site, node.func.value)
        elif attr == "run_forever" and self._is_loop(node.func):
            self._add_site(SiteKind.LOOP_RUN, LoopApi.RUN_FOREVER, node, dotted, call=node)
        elif dotted in apis.FETCH_APIS or _is_policy_call(dotted, "get_event_loop"):
            self._add_site(SiteKind.FETCH, LoopApi.GET_EVENT_LOOP, node, dotted, call=node)
        elif dotted in apis.CREATE_APIS or _is_policy_call(dotted, "new_event_loop"):
            self._add_site(SiteKind.CREATE, LoopApi.NEW_EVENT_LOOP, node, dotted, call=node)
        elif dotted in apis.SET_APIS:
            self._add_site(SiteKind.SET, LoopApi.SET_EVENT_LOOP, node, dotted, call=node)
            scope = self._function_scope()
            if scope is not None:
                scope.set_seen = True
        elif _is_current_loop_helper(dotted):
            # loopsafe's `current_loop()` (what LS402's fix calls) sets the loop it returns.
            scope = self._function_scope()
            if scope is not None:
                scope.fetch_seen = True
        elif attr == "set_event_loop" and node.args:
            # `policy.set_event_loop(loop)`: a loop is set from here on all the same.
            scope = self._function_scope()
            if scope is not None:
                scope.set_seen = True
        elif dotted in apis.PATCH_APIS:
            self._add_site(SiteKind.PATCH, LoopApi.NEST_ASYNCIO_APPLY, node, dotted, call=node)
        elif dotted == apis.PYTEST_ASYNCIO_MARK and any(k.arg == "scope" for k in node.keywords):
            self._add_site(SiteKind.MARK, LoopApi.MARK_SCOPE, node, dotted, call=node)
        elif attr == "result" and self._scope_kind() is ScopeKind.ASYNC:
            self._classify_wait(node)
        elif dotted in self.watched and self._passes_watched_argument(node, dotted):
            self._add_site(SiteKind.CALL, LoopApi.WATCHED_CALL, node, dotted, call=node)

    def _passes_watched_argument(self, node: ast.Call, dotted: str) -> bool:
        """Is this call of a watched API a site: it passes the argument its rule is about
        (`Rule.call_arguments`), by keyword or at its position, or the rule wants every
        call of it? A position after a `*args` is unknown: no site."""
        wanted = self.watched_arguments.get(dotted)
        if wanted is None:
            return True
        keyword, position = wanted
        if any(k.arg == keyword for k in node.keywords):
            return True
        return 0 <= position < len(node.args) and not any(
            isinstance(a, ast.Starred) for a in node.args[: position + 1]
        )

    def _classify_wait(self, node: ast.Call) -> None:
        assert isinstance(node.func, ast.Attribute)
        producer = node.func.value
        direct = isinstance(producer, ast.Call)
        if isinstance(producer, ast.Name):
            producer = self._assigned_call(producer.id) or producer
        if not isinstance(producer, ast.Call):
            return
        name = self.r.dotted(producer.func)
        if name in apis.COROUTINE_THREADSAFE:
            site = self._add_site(SiteKind.WAIT, LoopApi.THREADSAFE_RESULT, producer, name)
        elif isinstance(producer.func, ast.Attribute) and producer.func.attr == "submit":
            if not producer.args:
                return
            target = self.r.dotted(producer.args[0])
            if not target:
                return
            site = self._add_site(SiteKind.WAIT, LoopApi.SUBMIT_RESULT, producer, name)
            site.wait_target = target
        else:
            return
        self._call_facts(site, producer)
        site.waited_directly = direct
        site.result_args = bool(node.args or node.keywords)

    def _assigned_call(self, name: str) -> ast.Call | None:
        """The call last assigned to `name` in the current function (flow-insensitive)."""
        scope = self._function_scope()
        if scope is None:
            return None
        found: ast.Call | None = None
        node = self.function_nodes.get(scope.qualname)
        statements = walk_scope(node.body) if node is not None else []
        for stmt in statements:
            if (
                isinstance(stmt, ast.Assign)
                and isinstance(stmt.value, ast.Call)
                and any(isinstance(t, ast.Name) and t.id == name for t in stmt.targets)
            ):
                found = stmt.value
        return found

    def _is_loop(self, func: ast.expr) -> bool:
        if not isinstance(func, ast.Attribute):
            return False
        receiver = func.value
        base = self.r.dotted(receiver)
        if base and base.endswith(LOOP_SOURCES):
            return True
        name = ""
        if isinstance(receiver, ast.Name):
            name = receiver.id
        elif isinstance(receiver, ast.Attribute):
            name = receiver.attr
        return "loop" in name.lower()

    def _add_site(
        self,
        kind: SiteKind,
        api: LoopApi,
        node: ast.AST,
        target: str = "",
        *,
        call: ast.Call | None = None,
        thread_api: str = "",
        whole_def: bool = False,
    ) -> Site:
        line = getattr(node, "lineno", 1)
        col = getattr(node, "col_offset", 0)
        end_line = getattr(node, "end_lineno", line) or line
        end_col = getattr(node, "end_col_offset", col) or col
        if whole_def:
            end_line, end_col = line, col + len("def event_loop")
        site = Site(
            kind=kind,
            api=api,
            line=line,
            col=col + 1,
            end_line=end_line,
            end_col=end_col + 1,
            scope=self._scope_qualname(),
            scope_kind=self._scope_kind(),
            target=target,
            in_main_block=self.state.in_main,
            thread_api=thread_api,
            guarded=self.state.guarded or (kind == SiteKind.FETCH and self.state.fetch_try),
            fallback_changes=(
                kind == SiteKind.FETCH
                and self.state.fetch_try
                and not self.state.guarded
                and not self.state.fetch_try_makes_loop
            ),
            loop_running=self.state.loop_running,
            decorates=self.decorator_of.get(id(node), ""),
            in_lambda=self.lambda_depth > 0,
            runs_below=list(self.state.runs_below or ()),
            caught=list(self.state.caught),
        )
        if not whole_def:
            site.text = segment(self.lines, node)
        if call is not None:
            self._call_facts(site, call)
        elif not whole_def:
            site.called = False  # a runner handed on as a value
        scope = self._function_scope()
        if scope is not None:
            if kind == SiteKind.FETCH and scope.set_seen:
                site.after_set = True
            elif kind == SiteKind.CALL and (scope.set_seen or scope.fetch_seen):
                site.after_set = True  # a loop is set (or fetched, and set) before it
            if kind == SiteKind.FETCH:
                scope.fetch_seen = True
        if kind in _LIFETIME_KINDS:
            self.lifetime_scopes.add(site.scope)
        own_list(self.facts, "sites").append(site)
        self.scope_sites.setdefault(site.scope, []).append(site)
        self.owner_sites.setdefault(site.scope.rpartition(".")[0], []).append(site)
        return site

    def _call_facts(self, site: Site, call: ast.Call) -> None:
        site.assigned = id(call) in self.assigned_calls
        site.awaited = id(call) in self.awaited_calls
        site.statement = self.statement_calls.get(id(call), "")
        site.args = [segment(self.lines, a) for a in call.args]
        site.keywords = [k.arg or "**" for k in call.keywords]
        if isinstance(call.func, ast.Attribute):
            site.receiver = segment(self.lines, call.func.value)

    def _loop_receiver(self, site: Site, receiver: ast.expr) -> None:
        """Which loop `run_until_complete()` runs on: a loop the code just made, or one
        that something else (a caller, a framework) owns."""
        if isinstance(receiver, ast.Call):
            base = self.r.dotted(receiver)
            if not (base and base.endswith(LOOP_SOURCES)):
                site.loop_call = segment(self.lines, receiver)
            site.loop_origin = _origin(base)
            return
        scope = self._function_scope()
        if isinstance(receiver, ast.Name):
            site.loop_expr = receiver.id
            func = scope.func if scope is not None else None
            site.loop_param = func is not None and receiver.id in func.params
            site.loop_origin = _origin(self.r.lookup(receiver.id) or "")
        elif (
            isinstance(receiver, ast.Attribute)
            and isinstance(receiver.value, ast.Name)
            and scope is not None
            and receiver.value.id == scope.self_name
        ):
            site.loop_expr = f"self.{receiver.attr}"
            attrs = self.r.class_attrs.get(scope.class_dotted, {})
            site.loop_origin = _origin(attrs.get(receiver.attr, ""))
        if site.loop_expr:
            self.loop_run_scopes.add(site.scope)
            self.loop_run_owners.add(site.scope.rpartition(".")[0])


_CREATED = (
    *(f"{a}()" for a in apis.CREATE_APIS),
    *(f"{p}().new_event_loop()" for p in apis.POLICY_APIS),
)
_FETCHED = (
    *(f"{a}()" for a in apis.FETCH_APIS | apis.RUNNING_LOOP_APIS),
    *(f"{p}().get_event_loop()" for p in apis.POLICY_APIS),
)


def _origin(bound: str) -> str:
    """Where a loop comes from, by what its expression is bound to: "created" (a new loop),
    "fetched" (the current loop, which may already carry other work) or ""."""
    if bound.endswith(_CREATED):
        return "created"
    if bound.endswith(_FETCHED):
        return "fetched"
    return ""


def _is_policy_call(dotted: str, method: str) -> bool:
    """`get_event_loop_policy().get_event_loop()`, or the method called on a value typed
    as a policy (`policy: AbstractEventLoopPolicy`)."""
    if not dotted.endswith(f"().{method}"):
        return False
    owner = dotted[: -len(f"().{method}")]
    return owner in apis.POLICY_APIS or owner in apis.POLICY_CLASSES


def _is_current_loop_helper(dotted: str) -> bool:
    """loopsafe's `current_loop()`, from loopsafe, a vendored copy or written inline."""
    module, _, name = dotted.rpartition(".")
    if name == "_loopsafe_current_loop":
        return True
    return name == "current_loop" and (
        module == "loopsafe" or module.rpartition(".")[2] == "_loopsafe_runtime"
    )
