"""loopsafe classifies every site of the example project exactly as the hand labels say.

The labels (newsroom_labels.toml) were written from docs/classification.md, not from
loopsafe's output. Until the analyser lands, only the checks of the labels themselves pass.
"""

from __future__ import annotations

import ast
import sys
from collections import Counter
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

if TYPE_CHECKING:
    from loopsafe.model import Result

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover - exercised on 3.10 only
    import tomli as tomllib

HERE = Path(__file__).resolve().parent
REPO_ROOT = HERE.parents[1]
EXAMPLE_REL = "examples/newsroom"
EXAMPLE = REPO_ROOT / EXAMPLE_REL

CATEGORIES = {
    "async-context",
    "reachable-from-async",
    "sync-wrapper",
    "entrypoint",
    "worker-task",
    "thread",
    "guarded",
    "test-code",
    "pytest-config",
    "module-level",
}
# Every rule of the SPEC's first catalogue but LS202: the example admits Python 3.14+, where
# its one get_event_loop() in sync code raises (LS402); LS202 (older targets) is in
# tests/cases.
RULES = {
    "LS100", "LS101", "LS102", "LS103", "LS104", "LS105", "LS106",
    "LS201", "LS203", "LS204",
    "LS301", "LS302", "LS303", "LS304",
    "LS402",
    "LS403",
}  # fmt: skip
ACTIONS = {"fix", "review", "ok"}

Site = tuple[str, int, str, str, str]  # (path from the repo root, line, code, category, action)


def _line_of(rel_path: str, fragment: str) -> int:
    lines = (EXAMPLE / rel_path).read_text(encoding="utf-8").splitlines()
    hits = [number for number, text in enumerate(lines, start=1) if fragment in text]
    assert len(hits) == 1, f"{rel_path}: {fragment!r} is on lines {hits}, not on exactly one"
    return hits[0]


def _load_labels() -> list[dict[str, Any]]:
    with (HERE / "newsroom_labels.toml").open("rb") as handle:
        return list(tomllib.load(handle)["site"])


def _labelled_sites() -> set[Site]:
    return {
        (
            f"{EXAMPLE_REL}/{label['path']}",
            _line_of(label["path"], label["line"]),
            label["code"],
            label["category"],
            label["action"],
        )
        for label in _load_labels()
    }


def test_labels_are_well_formed() -> None:
    labels = _load_labels()
    for label in labels:
        assert {"path", "line", "code", "category", "action"} <= set(label), label
        assert set(label) <= {"path", "line", "code", "category", "action", "call_path"}, label
        assert label["code"] in RULES and label["category"] in CATEGORIES, label
        assert label["action"] in ACTIONS, label
    sites = _labelled_sites()
    assert len(sites) == len(labels), "duplicate labels"
    assert {site[2] for site in sites} == RULES
    assert {site[3] for site in sites} == CATEGORIES


def _loop_call_lines(path: Path) -> set[int]:
    """Lines holding an obvious loop call, found syntactically (strings and comments skipped)."""
    receivers_any = {"run_until_complete", "run_forever", "get_event_loop", "new_event_loop",
                     "set_event_loop"}  # fmt: skip
    found: set[int] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Attribute):
            owner = node.value.id if isinstance(node.value, ast.Name) else ""
            if (
                node.attr in receivers_any
                or (node.attr == "run" and owner == "asyncio")
                or (node.attr == "apply" and owner == "nest_asyncio")
            ):
                found.add(node.lineno)
        elif isinstance(node, ast.FunctionDef) and node.name == "event_loop":
            found.add(node.lineno)
        elif isinstance(node, ast.keyword) and node.arg == "scope":
            found.add(node.value.lineno)
    return found


def test_every_loop_call_in_the_example_is_labelled() -> None:
    labelled = {(path, line) for path, line, *_ in _labelled_sites()}
    for source in sorted(EXAMPLE.rglob("*.py")):
        rel = source.relative_to(REPO_ROOT).as_posix()
        for line in sorted(_loop_call_lines(source)):
            if "pytest.fixture" in source.read_text(encoding="utf-8").splitlines()[line - 1]:
                continue  # @pytest.fixture(scope=...) is the fixture's scope, not a loop scope
            assert (rel, line) in labelled, f"{rel}:{line} has a loop call but no label"


@pytest.fixture(scope="module")
def result() -> Result:
    from loopsafe.engine import analyse

    outcome = analyse([Path(EXAMPLE_REL)], cwd=REPO_ROOT, use_cache=False)
    assert not outcome.parse_errors, outcome.parse_errors
    return outcome


@pytest.fixture(scope="module")
def reported(result: Result) -> set[Site]:
    return {(f.path, f.line, f.code, f.category.value, f.action.value) for f in result.findings}


def test_analyser_matches_hand_labels(reported: set[Site]) -> None:
    expected = _labelled_sites()
    missing = sorted(expected - reported)
    unexpected = sorted(reported - expected)
    assert not missing and not unexpected, (
        "\nlabelled but not reported:\n  "
        + "\n  ".join(map(str, missing))
        + "\nreported but not labelled:\n  "
        + "\n  ".join(map(str, unexpected))
    )


def test_analyser_reports_every_category_and_rule(reported: set[Site]) -> None:
    assert {site[3] for site in reported} == CATEGORIES
    assert {site[2] for site in reported} == RULES
    counts = Counter(site[4] for site in reported)
    assert counts["fix"] and counts["review"] and counts["ok"]


def test_reachable_sites_carry_the_call_path(result: Result) -> None:
    """The cross-module chain async route -> sync helper -> asyncio.run is what the graph finds."""
    labels = [label for label in _load_labels() if "call_path" in label]
    assert labels
    for label in labels:
        path = f"{EXAMPLE_REL}/{label['path']}"
        line = _line_of(label["path"], label["line"])
        [finding] = [
            f for f in result.findings if (f.path, f.line, f.code) == (path, line, label["code"])
        ]
        assert list(finding.call_path) == label["call_path"]
