"""Facts cross process boundaries as pickles (worker batches): the positional form that
`facts.model` gives them must bring every field back exactly."""

from __future__ import annotations

import copy
import pickle
from dataclasses import MISSING, fields
from pathlib import Path
from typing import Any

import pytest
from test_cases import CASE_ROOTS

from loopsafe.facts.extract import extract
from loopsafe.facts.model import (
    EMPTY_DICT,
    EMPTY_LIST,
    Call,
    ClassInfo,
    FileFacts,
    Function,
    LoopApi,
    ScopeKind,
    Site,
    SiteKind,
    own_dict,
    own_list,
)
from loopsafe.parse.source import SourceError, parse_source
from loopsafe.rules.registry import registry
from loopsafe.scan import Job, Outcome, scan_many

REPO = Path(__file__).resolve().parents[1]
FACTS = (Site, Call, Function, ClassInfo, FileFacts)


def _round_trip(obj: Any) -> Any:
    return pickle.loads(pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL))


def _distinct(cls: type, seed: int) -> Any:
    """An instance whose every field holds a value of its own, none at its default."""
    values: dict[str, Any] = {}
    for number, f in enumerate(fields(cls), start=seed):
        kind = str(f.type)
        if "SiteKind" in kind:
            value: Any = SiteKind.LOOP_RUN
        elif "LoopApi" in kind:
            value = LoopApi.RUN_UNTIL_COMPLETE
        elif "ScopeKind" in kind:
            value = ScopeKind.THREAD
        elif kind == "bool":
            value = not f.default
        elif kind == "int":
            value = number
        elif kind == "str":
            value = f"{f.name}-{number}"
        elif kind.startswith("list[Call]"):
            value = [Call(f"t{number}", number, stored="s"), Call("u", 1, awaited=True)]
        elif kind.startswith("list[Site]"):
            value = [_distinct(Site, number)]
        elif kind.startswith("list[dict"):
            value = [{"k": f"v{number}"}, {}]
        elif kind.startswith("list[int]"):
            value = [3, number]
        elif kind.startswith("list"):
            value = [f"{f.name}{number}", "x"]
        elif kind.startswith("dict[str, Function]"):
            value = {"f": _distinct(Function, number)}
        elif kind.startswith("dict[str, ClassInfo]"):
            value = {"C": _distinct(ClassInfo, number)}
        elif kind.startswith("dict[str, list"):
            value = {"a": ["b", "c"]}
        elif kind.startswith("dict[str, tuple"):
            value = {"a": ("h", "f")}
        elif kind.startswith("dict[str, bool"):
            value = {"__enter__": True}
        elif kind.startswith("dict[str, int"):
            value = {"n": number}
        elif kind.startswith("dict[int"):
            value = {number: ("LS101", "")}
        elif kind.startswith("dict"):
            value = {f"k{number}": "v"}
        else:
            raise AssertionError(f"no value for {cls.__name__}.{f.name}: {kind}")
        values[f.name] = value
    return cls(**values)


@pytest.mark.parametrize("cls", FACTS, ids=[cls.__name__ for cls in FACTS])
def test_every_field_survives_the_round_trip(cls: type) -> None:
    obj = _distinct(cls, 7)
    for f in fields(cls):
        if f.default is not MISSING:
            assert getattr(obj, f.name) != f.default, f.name
        elif f.default_factory is not MISSING:
            assert getattr(obj, f.name) != f.default_factory(), f.name
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    for f in fields(cls):  # positional: no field name pickled as a string of its own
        assert b"\x8c" + bytes([len(f.name)]) + f.name.encode() + b"\x94" not in data
    back = _round_trip(obj)
    assert type(back) is cls
    assert back == obj
    assert repr(back) == repr(obj)
    assert _round_trip(cls(**{f.name: getattr(obj, f.name) for f in fields(cls)})) == obj


def test_defaults_and_sharing_survive() -> None:
    """Fresh containers for the defaults FileFacts usually fills (never shared between
    objects); the fields that usually stay empty (a Function's lists and dicts, a file's
    sites, thread targets...) are the one shared empty list or dict, before and after the
    trip, and refuse to change (`own_list` gives a list of its own); one object for what
    was one object (a Call in two lists), None where `dunder_all` is absent."""
    facts = FileFacts("m")
    shared = Call("x.y", 3)
    facts.module_calls.append(shared)
    own_list(facts, "main_calls").append(shared)
    facts.functions["f"] = Function("f", False, 1)
    facts.functions["g"] = Function("g", True, 2, deferred_start=2, deferred_end=4)
    assert facts.functions["f"].calls is EMPTY_LIST and facts.functions["g"].calls is EMPTY_LIST
    back = _round_trip(facts)
    assert back == facts and back.dunder_all is None
    assert back.module_calls[0] is back.main_calls[0]
    assert back.module_calls is not back.main_calls and back.main_calls is not EMPTY_LIST
    assert FileFacts("n").module_calls is not facts.module_calls
    assert back.sites is EMPTY_LIST and back.made is EMPTY_DICT and FileFacts("n").sites == []
    f, g = back.functions["f"], back.functions["g"]
    assert f.calls is EMPTY_LIST and f.handed_params is EMPTY_DICT and g.escapes is EMPTY_LIST
    with pytest.raises(TypeError):
        f.calls.append(shared)
    with pytest.raises(TypeError):
        f.handed_params["p"] = "thread"
    own_list(f, "calls").append(shared)
    own_dict(f, "handed_params")["p"] = "thread"
    assert f.calls == [shared] and f.handed_params == {"p": "thread"}
    assert g.calls == [] and g.handed_params == {} and Function("h", False, 1).calls == []
    assert copy.deepcopy(g).calls is EMPTY_LIST and copy.copy(EMPTY_LIST) is EMPTY_LIST


def _case_files() -> list[Path]:
    roots = [*CASE_ROOTS, REPO / "examples"]
    return sorted({p for root in roots for p in ([root] if root.is_file() else root.rglob("*.py"))})


def test_facts_of_every_case_file_survive_the_round_trip() -> None:
    reg = registry()
    settings: dict[str, Any] = {
        "watched": reg.watched_calls(),
        "watched_arguments": reg.watched_arguments(),
        "bindings": reg.binding_calls(),
    }
    checked = 0
    for path in _case_files():
        try:
            parsed = parse_source(path.read_bytes(), path.name)
        except SourceError:
            continue
        for defer in (False, True):
            facts = extract(parsed.tree, parsed.text, path.stem, defer=defer, **settings)
            back = _round_trip(facts)
            assert back == facts, path
            assert repr(back) == repr(facts), path
            checked += 1
    assert checked > 100


def test_worker_batches_round_trip(tmp_path: Path) -> None:
    source = b"import asyncio\n\n\ndef main():\n    asyncio.run(work())\n"
    path = tmp_path / "mod.py"
    path.write_bytes(source)
    job = Job(str(path), "mod.py", "mod", False, watched=("asyncio.run",))
    batch = scan_many([(job, source, "d")])
    back: list[Outcome] = _round_trip(batch)
    assert back == batch and back[0].facts is not None and back[0].facts.sites
