"""The index rows listed as each file's facts arrive (`IndexParts`) are what the full
builds of `ProjectIndex` and `CallerIndex` list from the same facts, on every case
project; where they could differ, the parts give up."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from test_cases import CASE_ROOTS, case_name, copy_case

from loopsafe import pipeline
from loopsafe.engine import analyse_project
from loopsafe.facts.callers import CallerIndex
from loopsafe.facts.index_parts import IndexParts
from loopsafe.facts.model import Call, ClassInfo, FileFacts, Function
from loopsafe.facts.project import ProjectIndex

REPO = Path(__file__).resolve().parents[2]
PROJECTS = [*CASE_ROOTS, REPO / "examples" / "newsroom"]


def _rows(index: ProjectIndex) -> tuple[Any, ...]:
    return (
        [(k, r.key, r.module, id(r.func)) for k, r in index.functions.items()],
        [(k, m, id(info)) for k, (m, info) in index.classes.items()],
        index.subclasses,
        index._making,
        index._tops,
        index.imported_names(),
        index.aliases_by_name(),
    )


def _callers(callers: CallerIndex) -> tuple[Any, ...]:
    return (
        [(m, [id(f) for f in fs]) for m, fs in callers.deferred.items()],
        [(n, [(k, id(c)) for k, c in calls]) for n, calls in callers.by_name.items()],
        callers._names,
    )


@pytest.mark.parametrize("root", PROJECTS, ids=[case_name(r) for r in PROJECTS])
def test_parts_list_what_the_full_builds_list(
    root: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = pipeline._project_index
    seen: list[bool] = []

    def checked(run: Any) -> tuple[ProjectIndex, IndexParts | None]:
        first = not seen
        index, parts = original(run)
        if first:
            full = ProjectIndex.build(dict(index.modules), dict(index.paths))
            assert _rows(index) == _rows(full)
            if parts is not None:
                assert _callers(CallerIndex(index, parts=parts)) == _callers(CallerIndex(full))
        else:
            assert parts is None  # a later round reads facts changed since: built in full
        seen.append(parts is not None)
        return index, parts

    monkeypatch.setattr(pipeline, "_project_index", checked)
    analyse_project([copy_case(root, tmp_path)], cwd=tmp_path, use_cache=False)
    assert seen[0], "the first round uses the parts"


def _facts(module: str, functions: list[str], classes: tuple[str, ...] = ()) -> FileFacts:
    return FileFacts(
        module=module,
        functions={
            q: Function(q, False, 1, calls=[Call("other.helper", 2)], deferred_start=1)
            for q in functions
        },
        classes={q: ClassInfo(q, 1) for q in classes},
    )


def test_parts_fit_only_the_facts_they_were_made_from() -> None:
    parts = IndexParts()
    a, b = _facts("a", ["f"]), _facts("b", ["g"])
    parts.add(a)
    parts.add(b)
    assert parts.fit({"a": a, "b": b})
    assert not parts.fit({"b": b, "a": a})  # another order
    assert not parts.fit({"a": a, "b": _facts("b", ["g"])})  # other facts
    assert not parts.fit({"a": a})


@pytest.mark.parametrize(
    "clash",
    [
        [_facts("a", ["f"]), _facts("a", ["g"])],  # one module name for two files
        [_facts("a", ["b.c"]), _facts("a.b", ["c"])],  # one dotted name for two functions
        [_facts("a", [], ("B.C",)), _facts("a.B", [], ("C",))],  # ... for two classes
    ],
)
def test_parts_give_up_where_the_full_build_keeps_the_last(clash: list[FileFacts]) -> None:
    parts = IndexParts()
    for facts in clash:
        parts.add(facts)
    assert not parts.usable
    assert not parts.fit({f"m{i}": f for i, f in enumerate(clash)})
