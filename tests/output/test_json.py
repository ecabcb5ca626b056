from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import jsonschema
import pytest

from loopsafe.model import Action, Category, Finding, FixSafety, Result
from loopsafe.output import json as json_output
from loopsafe.output import render

SPEC_FINDING_KEYS = [
    "path", "line", "col", "end_line", "end_col", "code", "rule", "category",
    "action", "message", "fix", "function", "call_path",
]  # fmt: skip


@pytest.fixture(scope="module")
def validator() -> jsonschema.protocols.Validator:
    schema = json.loads(json_output.SCHEMA_PATH.read_text(encoding="utf-8"))
    cls = jsonschema.validators.validator_for(schema)
    cls.check_schema(schema)
    return cls(schema)


def test_output_validates_against_schema(
    result: Result, validator: jsonschema.protocols.Validator
) -> None:
    doc = json.loads(render("json", result))
    assert list(validator.iter_errors(doc)) == []
    assert list(validator.iter_errors(json.loads(render("json", Result())))) == []


def test_shape_matches_spec(result: Result) -> None:
    doc = json.loads(json_output.render(result, show_ok=False))
    assert list(doc) == ["version", "files_scanned", "parse_errors", "findings"]
    assert doc["version"] == 1
    assert doc["files_scanned"] == result.files_scanned
    assert [list(f) for f in doc["findings"]] == [SPEC_FINDING_KEYS] * len(result.findings)
    assert doc["parse_errors"] == [
        {"path": e.path, "line": e.line, "message": e.message} for e in result.parse_errors
    ]


def test_lists_every_site_including_ok_whatever_show_ok(result: Result) -> None:
    for show_ok in (False, True):
        doc = json.loads(json_output.render(result, show_ok=show_ok))
        assert len(doc["findings"]) == len(result.findings)
        assert sum(f["action"] == "ok" for f in doc["findings"]) == sum(
            f.action is Action.OK for f in result.findings
        )


def test_sorted_by_path_line_col_code(result: Result) -> None:
    doc = json.loads(json_output.render(result, show_ok=False))
    keys = [(f["path"], f["line"], f["col"], f["code"]) for f in doc["findings"]]
    assert keys == sorted(keys)
    assert sorted(keys) == sorted(f.sort_key() for f in result.findings)


def test_values_round_trip(result: Result) -> None:
    doc = json.loads(json_output.render(result, show_ok=False))
    by_key = {(f["path"], f["line"], f["col"], f["code"]): f for f in doc["findings"]}
    for finding in result.findings:
        out = by_key[finding.sort_key()]
        assert out["fix"] == {
            "safety": finding.fix.safety.value,
            "replacement": finding.fix.replacement,
        }
        assert out["call_path"] == list(finding.call_path)
        assert out["message"] == finding.message
        assert (out["category"], out["action"]) == (finding.category.value, finding.action.value)
        assert (out["end_line"], out["end_col"]) == (finding.end_line, finding.end_col)


def test_schema_enums_follow_the_model() -> None:
    schema = json.loads(json_output.SCHEMA_PATH.read_text(encoding="utf-8"))
    props = schema["$defs"]["finding"]["properties"]
    assert props["category"]["enum"] == [c.value for c in Category]
    assert props["action"]["enum"] == [a.value for a in Action]
    assert props["fix"]["properties"]["safety"]["enum"] == [s.value for s in FixSafety]


@pytest.mark.parametrize(
    "mutate",
    [
        lambda d: d.pop("parse_errors"),
        lambda d: d.update(version=2),
        lambda d: d["findings"][0].update(action="maybe"),
        lambda d: d["findings"][0].update(call_path="a -> b"),
        lambda d: d["findings"][0].pop("function"),
        lambda d: d["findings"][0].update(extra=1),
        lambda d: d["findings"][0]["fix"].update(safety="yes"),
        lambda d: d["findings"][0].update(line=0),
        lambda d: d["findings"][0].update(path="pkg\\mod.py"),
    ],
)
def test_schema_rejects_broken_documents(
    result: Result, validator: jsonschema.protocols.Validator, mutate: Any
) -> None:
    doc = json.loads(json_output.render(result, show_ok=False))
    mutate(doc)
    assert list(validator.iter_errors(doc)) != []


def test_non_ascii_kept_verbatim(make: Callable[..., Finding]) -> None:
    finding = make(path="pkg/café.py", message="naïve asyncio.run() — await instead.")
    out = json_output.render(Result(files_scanned=1, findings=[finding]), show_ok=False)
    assert "café.py" in out and "naïve" in out
    assert not out.endswith("\n")
