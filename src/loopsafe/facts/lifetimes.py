"""What the code does with the loops it creates, sets and runs: closes them, hands them
on, resets the current loop, uses them for more than one `run_until_complete()`.

These are facts about a function's (or a class's) body, recorded on its sites once the
whole body has been read; LS203 and the LS104 fix judge them.
"""

from __future__ import annotations

import ast

from loopsafe.facts.model import Site, SiteKind
from loopsafe.facts.nodes import bare_names, call_name, parent_map, span, walk_nodes

STORED = "<stored>"  # a new loop kept somewhere the analysis does not follow


def mark_lifetimes(nodes: list[ast.AST], sites: list[Site], qualname: str, method: bool) -> None:
    """Record, on the create and set sites of scope `qualname` (whose own nodes are
    `nodes`), what becomes of their loop. `method`: the scope is a method, so a loop kept on
    `self.<attr>` is followed through the class (`mark_attribute_lifetimes`)."""
    mine = [s for s in sites if s.scope == qualname and s.kind in (SiteKind.CREATE, SiteKind.SET)]
    if not mine:
        return
    closed: set[str] = set()
    handed: set[str] = set()
    reset = False
    create_calls: dict[tuple[int, int, int, int], ast.Call] = {}
    assigned: dict[int, str] = {}
    set_args: dict[tuple[int, int, int, int], str] = {}
    for sub in nodes:
        if isinstance(sub, ast.Call):
            create_calls[span(sub)] = sub
            func = sub.func
            if isinstance(func, ast.Attribute) and func.attr == "close":
                if isinstance(func.value, ast.Name):
                    closed.add(func.value.id)
            for arg in (*sub.args, *(k.value for k in sub.keywords)):
                handed.update(bare_names(arg))
            if _is_set_call(sub):
                arg0 = sub.args[0] if sub.args else None
                if isinstance(arg0, ast.Name):
                    set_args[span(sub)] = arg0.id
                elif arg0 is not None:
                    # `set_event_loop(None)`, or back to another loop
                    # (`set_event_loop(self.main_loop)`): the closed one is not left set.
                    reset = True
        elif isinstance(sub, (ast.Return, ast.Yield, ast.YieldFrom)) and sub.value is not None:
            handed.update(bare_names(sub.value))
        elif isinstance(sub, ast.Assign):
            if isinstance(sub.value, ast.Call):
                for target in sub.targets:
                    if isinstance(target, ast.Name):
                        assigned[id(sub.value)] = target.id
                    elif (
                        isinstance(target, ast.Attribute)
                        and isinstance(target.value, ast.Name)
                        and target.value.id in ("self", "cls")
                    ):
                        assigned[id(sub.value)] = "self." + target.attr
                    else:
                        assigned[id(sub.value)] = STORED
            elif isinstance(sub.value, (ast.Name, ast.Tuple, ast.List)):
                if any(not isinstance(t, ast.Name) for t in sub.targets):
                    handed.update(bare_names(sub.value))
        elif isinstance(sub, (ast.withitem,)):
            if isinstance(sub.optional_vars, ast.Name) and isinstance(sub.context_expr, ast.Call):
                assigned[id(sub.context_expr)] = sub.optional_vars.id
                closed.add(sub.optional_vars.id)  # a loop used as a context manager is closed
    parents = parent_map(nodes)
    for site in mine:
        key = (site.line, site.col, site.end_line, site.end_col)
        call = create_calls.get(key)
        if call is None:
            continue
        if site.kind == SiteKind.CREATE:
            name = assigned.get(id(call))
            if name is None:
                # Used directly: `new_event_loop().run_until_complete(x)`, or passed on.
                site.chained = isinstance(parents.get(id(call)), ast.Attribute)
            elif name.startswith("self."):
                site.loop_name = name if method else STORED
            else:
                site.loop_name = name
                site.closed = name in closed
                site.handed_on = name in handed
        else:
            name = set_args.get(key, "")
            site.loop_name = name
            site.closed = bool(name) and name in closed
            site.reset = reset


def mark_attribute_lifetimes(node: ast.ClassDef, sites: list[Site], qualname: str) -> None:
    """For loops its methods keep on `self.<attr>`: whether the class closes that attribute
    or hands it on anywhere."""
    pending = [
        s
        for s in sites
        if s.kind == SiteKind.CREATE
        and s.loop_name.startswith("self.")
        and s.scope.rpartition(".")[0] == qualname
    ]
    if not pending:
        return
    closed: set[str] = set()
    handed: set[str] = set()
    for sub in walk_nodes(node):
        if isinstance(sub, ast.Call):
            func = sub.func
            if (
                isinstance(func, ast.Attribute)
                and func.attr == "close"
                and isinstance(func.value, ast.Attribute)
            ):
                closed.add(func.value.attr)
            for arg in (*sub.args, *(k.value for k in sub.keywords)):
                if isinstance(arg, ast.Attribute):
                    handed.add(arg.attr)
        elif isinstance(sub, ast.Return) and isinstance(sub.value, ast.Attribute):
            handed.add(sub.value.attr)
    for site in pending:
        attr = site.loop_name.removeprefix("self.")
        site.closed = attr in closed
        site.handed_on = attr in handed


# What a sync wrapper does with its loop besides running one coroutine on it. Any other use
# (tasks, callbacks, shutdown hooks, handing it to objects, asking it `is_closed()`) binds
# the code to that very loop, which a fix to run_sync() would remove.
_WRAPPER_LOOP_USES = frozenset({"run_until_complete", "close"})
_HARMLESS_LOOP_CALLS = frozenset({"set_event_loop", "asyncio.set_event_loop"})


def loop_run_sites(sites: list[Site], scope: str, *, local: bool) -> list[Site]:
    """`local`: the `run_until_complete()` sites of function `scope` on a local loop name;
    else those on `self.<attr>` in the methods of class `scope`, judged by the whole class."""
    return [
        s
        for s in sites
        if s.loop_expr
        and (s.scope == scope if local else s.scope.rpartition(".")[0] == scope)
        and s.loop_expr.startswith("self.") != local
    ]


def mark_loop_uses(nodes: list[ast.AST], mine: list[Site]) -> None:
    """Record on the sites `mine` (see `loop_run_sites`) the first other use of their loop
    among `nodes`, the nodes of their function or class."""
    uses: dict[str, tuple[int, int, str]] = {}  # loop expression -> its first other use
    wanted = {s.loop_expr for s in mine}  # only these loops' uses are ever looked up
    for node in nodes:
        found: list[tuple[str, str]] = []
        if isinstance(node, ast.Attribute):
            if node.attr in _WRAPPER_LOOP_USES:
                continue
            loop = _loop_text(node.value)
            if loop not in wanted:
                continue
            found.append((loop, f"{loop}.{node.attr}"))
        elif isinstance(node, ast.Call):
            loops = [_loop_text(arg) for arg in (*node.args, *(k.value for k in node.keywords))]
            if wanted.isdisjoint(loops):
                continue
            name = call_name(node.func)
            if name in _HARMLESS_LOOP_CALLS:
                continue
            found.extend((loop, f"{name or 'a call'}(... {loop} ...)") for loop in loops)
        elif isinstance(node, (ast.Return, ast.Yield, ast.Assign, ast.AnnAssign)):
            # Handed on: returned, yielded or stored under another name.
            value = node.value
            loop = _loop_text(value) if value is not None else ""
            if loop not in wanted or loop.startswith("self."):
                continue  # (an object's own loop is kept whatever its methods return)
            shown = {ast.Return: "return", ast.Yield: "yield"}.get(type(node), "... =")
            found.append((loop, f"{shown} {loop}"))
        else:
            continue
        where = (getattr(node, "lineno", 0), getattr(node, "col_offset", 0))
        for loop, text in found:
            if loop and (loop not in uses or where < uses[loop][:2]):
                uses[loop] = (*where, text)
    for site in mine:
        if site.loop_expr in uses:
            site.loop_use = uses[site.loop_expr][2]


def _loop_text(node: ast.AST) -> str:
    """`loop` or `self.<attr>` (any first parameter name counts as `self`)."""
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name):
        return f"self.{node.attr}" if node.value.id in ("self", "cls") else ""
    return ""


def _is_set_call(call: ast.Call) -> bool:
    func = call.func
    name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", "")
    return name == "set_event_loop"
