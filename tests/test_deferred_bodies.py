"""A def whose text names a loop library but none of the words a site spells out
(`await asyncio.sleep(0)`, `asyncio.gather(...)`) is left unread like a def that names no
library at all: reading it later can never find a site the first reading missed. Checked
against extracting every body, on hand-picked forms and on generated defs."""

from __future__ import annotations

from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from loopsafe.facts.extract import extract
from loopsafe.parse.source import parse_source
from loopsafe.rules.registry import registry

_HEAD = "import asyncio\nimport asyncio as aio\nfrom asyncio import run as go\n\n"
# Statements for a def's body: sites written every way the extractor knows, and the
# asyncio calls that are not sites.
_FULLWIDTH_RUN = "\uff52\uff55\uff4e"  # Python reads these letters as `run` (NFKC)
_STATEMENTS = (
    "await asyncio.sleep(0)",
    "await asyncio.gather(a, b)",
    "lock = asyncio.Lock()",
    "asyncio.create_task(a)",
    "asyncio.run(main())",
    "go(main())",
    "aio.run(main())",
    f"asyncio.{_FULLWIDTH_RUN}(main())",
    "loop.run_until_complete(a)",
    "asyncio.get_event_loop()",
    "asyncio.events.new_event_loop()",
    "asyncio.sleep(1, loop=lp)",
    "asyncio.ensure_future(a)",
    "check = asyncio.iscoroutinefunction",
    "fut.result()",
    "value = result",
    "threading.Thread(target=f)",
    "x = 1",
)


def _kwargs() -> dict[str, Any]:
    rules = registry()
    return {
        "watched": rules.watched_calls(),
        "watched_arguments": rules.watched_arguments(),
        "bindings": rules.binding_calls(),
    }


def _sites(text: str, defer: bool) -> list[tuple[object, ...]]:
    tree = parse_source(text.encode(), "m.py").tree
    facts = extract(tree, text, "m", defer=defer, **_kwargs())
    return [(s.kind, s.api, s.line, s.col, s.target, s.scope) for s in facts.sites]


def _deferred(text: str) -> set[str]:
    tree = parse_source(text.encode(), "m.py").tree
    facts = extract(tree, text, "m", defer=True, **_kwargs())
    return {q for q, f in facts.functions.items() if f.deferred_start}


def test_a_def_naming_asyncio_only_for_sleep_and_gather_is_left_unread() -> None:
    text = _HEAD + (
        "async def serve(x):\n    await asyncio.sleep(0)\n    return await asyncio.gather(x)\n\n"
        "async def fetch():\n    return asyncio.get_event_loop()\n\n"
        "def wait(fut):\n    return fut.result()\n"
    )
    assert _deferred(text) == {"serve"}


def test_aliases_and_fullwidth_letters_keep_a_body_read() -> None:
    text = _HEAD + (
        "async def a():\n    await asyncio.sleep(0)\n    go(main())\n\n"
        f"async def b():\n    await asyncio.sleep(0)\n    asyncio.{_FULLWIDTH_RUN}(main())\n\n"
        "async def c():\n    await asyncio.sleep(0, loop=lp)\n"
    )
    assert _deferred(text) == set()
    assert [s[5] for s in _sites(text, defer=True)] == ["a", "b", "c"]


@given(
    bodies=st.lists(
        st.tuples(
            st.sampled_from(("def", "async def", "method", "async method")),
            st.lists(st.sampled_from(_STATEMENTS), min_size=1, max_size=4),
        ),
        min_size=1,
        max_size=6,
    )
)
@settings(max_examples=300, deadline=None)
def test_deferred_bodies_hold_no_site(bodies: list[tuple[str, list[str]]]) -> None:
    chunks = [_HEAD]
    for i, (kind, statements) in enumerate(bodies):
        method = kind.endswith("method")
        indent = "    " if method else ""
        if method:
            chunks.append(f"class C{i}:\n")
        header = "async def" if kind.startswith("async") else "def"
        chunks.append(f"{indent}{header} f{i}({'self' if method else 'x'}):\n")
        chunks.extend(f"{indent}    {s}\n" for s in statements)
        chunks.append("\n")
    text = "".join(chunks)
    assert _sites(text, defer=True) == _sites(text, defer=False)
