"""`--apply-markers` writes `pytestmark` lines: merged with what is there, in the file's own
style, encoding and line endings, idempotent; and pytest then really selects by them."""

from __future__ import annotations

import codecs
import textwrap

import pytest
from testsort_helpers import Project, run_pytest

SUITE = {
    "pyproject.toml": """
        [project]
        name = "sample"

        [tool.pytest.ini_options]
        addopts = "-ra"
        """,
    "tests/test_store.py": '''
        """A real SQLite test: in-memory, so unit."""

        import sqlite3


        def test_roundtrip():
            conn = sqlite3.connect(":memory:")
            conn.execute("create table t (x)")
            conn.execute("insert into t values (1)")
            assert conn.execute("select x from t").fetchall() == [(1,)]
        ''',
    "tests/test_mocked.py": """
        from unittest import mock

        import pytest


        def test_patched():
            with mock.patch("os.getcwd", return_value="/nowhere"):
                import os

                assert os.getcwd() == "/nowhere"
        """,
    "tests/test_remote.py": """
        import os

        import pytest


        @pytest.mark.skipif(not os.environ.get("SAMPLE_API_KEY"), reason="needs a key")
        def test_remote():
            raise AssertionError("must not run in the unit lane")
        """,
    "tests/test_ui.py": """
        def test_home(page):
            page.goto("http://127.0.0.1:8000/")
        """,
}


def text(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def apply(project: Project, source: str, name: str = "tests/test_sample.py") -> str:
    project.write({name: source})
    run = project.run("--apply-markers")
    assert run.code == 0, run.stdout + run.stderr
    return project.read(name)


def test_apply_then_apply_again_changes_nothing(project: Project) -> None:
    project.write(SUITE)
    first = project.run("--apply-markers")
    assert first.code == 0, first.stdout + first.stderr
    assert "tests/test_store.py: added pytestmark = pytest.mark.unit" in first.stdout
    assert "tests/test_remote.py: added pytestmark = pytest.mark.integration" in first.stdout
    assert "tests/test_ui.py: added pytestmark = pytest.mark.e2e" in first.stdout
    assert "pyproject.toml: registered the markers unit, integration, e2e" in first.stdout
    after_first = project.snapshot()
    second = project.run("--apply-markers")
    assert second.code == 0
    assert "Markers already in place: nothing to change." in second.stdout
    assert project.snapshot() == after_first
    assert {f: e["markers"] for f, e in project.run("--format", "json").files().items()} == {
        "tests/test_mocked.py": ["unit"],
        "tests/test_remote.py": ["integration"],
        "tests/test_store.py": ["unit"],
        "tests/test_ui.py": ["e2e"],
    }


def test_pytest_selects_by_the_applied_markers(project: Project) -> None:
    project.write(SUITE)
    assert project.run("--apply-markers").code == 0
    result = run_pytest(project.root, "-m", "unit", "-q", "--strict-markers")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "2 passed, 2 deselected" in result.stdout
    assert "PytestUnknownMarkWarning" not in result.stdout + result.stderr


def test_new_marker_goes_after_docstring_future_and_imports(project: Project) -> None:
    source = text(
        '''
        """Docstring."""

        from __future__ import annotations

        import os
        from pathlib import Path

        ROOT = Path(os.sep)


        def test_root():
            assert ROOT
        '''
    )
    assert apply(project, source) == text(
        '''
        """Docstring."""

        from __future__ import annotations

        import pytest

        import os
        from pathlib import Path

        pytestmark = pytest.mark.unit

        ROOT = Path(os.sep)


        def test_root():
            assert ROOT
        '''
    )


def test_existing_import_and_alias_are_used(project: Project) -> None:
    source = text(
        """
        import pytest as pt


        def test_a():
            pass
        """
    )
    assert apply(project, source) == text(
        """
        import pytest as pt

        pytestmark = pt.mark.unit


        def test_a():
            pass
        """
    )


def test_type_checking_and_guarded_imports_stay_in_the_import_block(project: Project) -> None:
    source = text(
        """
        from typing import TYPE_CHECKING

        try:
            import ujson as json
        except ImportError:
            import json

        if TYPE_CHECKING:
            from pathlib import Path
        CONFIG = json.dumps({})


        def test_a():
            assert CONFIG
        """
    )
    expected = source.replace(
        "    from pathlib import Path\n",
        "    from pathlib import Path\n\npytestmark = pytest.mark.unit\n\n",
    ).replace(
        "from typing import TYPE_CHECKING\n", "import pytest\n\nfrom typing import TYPE_CHECKING\n"
    )
    assert apply(project, source) == expected


def test_a_file_with_only_tests(project: Project) -> None:
    assert apply(project, "def test_a():\n    pass\n") == (
        "import pytest\n\npytestmark = pytest.mark.unit\n\n\ndef test_a():\n    pass\n"
    )


@pytest.mark.parametrize(
    ("before", "after"),
    [
        (
            "pytestmark = pytest.mark.asyncio\n",
            "pytestmark = [pytest.mark.asyncio, pytest.mark.unit]\n",
        ),
        (
            'pytestmark = pytest.mark.filterwarnings("ignore")  # noisy lib\n',
            'pytestmark = [pytest.mark.filterwarnings("ignore"), pytest.mark.unit]  # noisy lib\n',
        ),
        (
            "pytestmark = [pytest.mark.asyncio, pytest.mark.slow]\n",
            "pytestmark = [pytest.mark.asyncio, pytest.mark.slow, pytest.mark.unit]\n",
        ),
        ("pytestmark = []\n", "pytestmark = [pytest.mark.unit]\n"),
        (
            "pytestmark = (pytest.mark.asyncio,)\n",
            "pytestmark = (pytest.mark.asyncio, pytest.mark.unit)\n",
        ),
        (
            "pytestmark: list[pytest.MarkDecorator] = [pytest.mark.asyncio]\n",
            "pytestmark: list[pytest.MarkDecorator] = [pytest.mark.asyncio, pytest.mark.unit]\n",
        ),
        (
            "pytestmark = [\n    pytest.mark.asyncio,  # needs a loop\n    pytest.mark.slow,\n]\n",
            "pytestmark = [\n    pytest.mark.asyncio,  # needs a loop\n    pytest.mark.slow,\n"
            "    pytest.mark.unit,\n]\n",
        ),
        (
            "pytestmark = [\n    pytest.mark.asyncio,  # needs a loop\n]\n",
            "pytestmark = [\n    pytest.mark.asyncio,  # needs a loop\n    pytest.mark.unit,\n]\n",
        ),
        (
            "pytestmark = [\n    pytest.mark.asyncio,\n    pytest.mark.slow\n]\n",
            "pytestmark = [\n    pytest.mark.asyncio,\n    pytest.mark.slow,\n    pytest.mark.unit\n]\n",
        ),
        (
            "pytestmark = [\n    pytest.mark.asyncio,\n    pytest.mark.slow  # last\n]\n",
            "pytestmark = [\n    pytest.mark.asyncio,\n    pytest.mark.slow,  # last\n"
            "    pytest.mark.unit\n]\n",
        ),
        (
            "pytestmark = (\n    pytest.mark.asyncio,\n)\n",
            "pytestmark = (\n    pytest.mark.asyncio,\n    pytest.mark.unit,\n)\n",
        ),
        (
            "pytestmark = pytest.mark.asyncio, pytest.mark.slow\n",
            "pytestmark = pytest.mark.asyncio, pytest.mark.slow, pytest.mark.unit\n",
        ),
        (
            "pytestmark = [  # shared\n    pytest.mark.asyncio\n]\n",
            "pytestmark = [  # shared\n    pytest.mark.asyncio,\n    pytest.mark.unit\n]\n",
        ),
    ],
)
def test_existing_pytestmark_is_merged(project: Project, before: str, after: str) -> None:
    head = "import pytest\n\n"
    tail = "\n\ndef test_a():\n    pass\n"
    assert apply(project, head + before + tail) == head + after + tail


def test_from_pytest_import_mark_is_recognised(project: Project) -> None:
    source = "from pytest import mark\n\npytestmark = mark.asyncio\n\n\ndef test_a():\n    pass\n"
    assert apply(project, source) == (
        "from pytest import mark\n\npytestmark = [mark.asyncio, mark.unit]\n\n\n"
        "def test_a():\n    pass\n"
    )


def test_crlf_line_endings_are_kept(project: Project) -> None:
    source = '"""Doc."""\r\nimport os\r\n\r\n\r\ndef test_a():\r\n    assert os\r\n'
    project.write({"tests/test_crlf.py": source.encode()})
    assert project.run("--apply-markers").code == 0
    data = project.bytes("tests/test_crlf.py")
    assert data == (
        b'"""Doc."""\r\n\r\nimport pytest\r\n\r\nimport os\r\n\r\n'
        b"pytestmark = pytest.mark.unit\r\n\r\n\r\ndef test_a():\r\n    assert os\r\n"
    )


def test_bom_and_encoding_cookie_are_kept(project: Project) -> None:
    bom = codecs.BOM_UTF8 + "import pytest\n\n# café\ndef test_a():\n    pass\n".encode()
    latin = "# -*- coding: latin-1 -*-\n# naïve\nimport pytest\n\ndef test_b():\n    pass\n"
    project.write({"tests/test_bom.py": bom, "tests/test_latin.py": latin.encode("latin-1")})
    assert project.run("--apply-markers").code == 0
    assert (
        project.bytes("tests/test_bom.py")
        == codecs.BOM_UTF8
        + (
            "import pytest\n\npytestmark = pytest.mark.unit\n\n# café\ndef test_a():\n    pass\n"
        ).encode()
    )
    assert project.bytes("tests/test_latin.py") == (
        "# -*- coding: latin-1 -*-\n# naïve\nimport pytest\n\npytestmark = pytest.mark.unit\n"
        "\ndef test_b():\n    pass\n"
    ).encode("latin-1")


def test_marked_files_are_left_alone(project: Project) -> None:
    source = "import pytest\nimport redis\n\npytestmark = pytest.mark.unit\n\n\ndef test_a():\n    redis.Redis()\n"
    project.write({"tests/test_marked.py": source})
    run = project.run("--apply-markers")
    assert run.code == 0
    assert project.read("tests/test_marked.py") == source
    assert "marked `unit`, but the evidence says integration" in run.stdout


@pytest.mark.parametrize(
    ("statement", "why"),
    [
        ("pytestmark = COMMON_MARKS", "`pytestmark` is not a mark or a list of marks"),
        ("pytestmark = [pytest.mark.slow]\npytestmark += [pytest.mark.asyncio]", "`+=`"),
    ],
)
def test_a_computed_pytestmark_is_reported_not_guessed(
    project: Project, statement: str, why: str
) -> None:
    source = f"import pytest\n\nCOMMON_MARKS = [pytest.mark.slow]\n{statement}\n\n\ndef test_a():\n    pass\n"
    project.write(
        {"tests/test_computed.py": source, "tests/test_plain.py": "def test_b():\n    pass\n"}
    )
    run = project.run("--apply-markers")
    assert run.code == 1
    assert project.read("tests/test_computed.py") == source
    assert "tests/test_computed.py: not marked: " in run.stdout
    assert why in run.stdout
    assert "add `pytest.mark.unit` by hand" in run.stdout
    assert "pytest.mark.unit" in project.read("tests/test_plain.py")


def test_unparsable_files_are_reported_and_skipped(project: Project) -> None:
    broken = "def test_a(:\n    pass\n"
    project.write(
        {"tests/test_broken.py": broken, "tests/test_fine.py": "def test_b():\n    pass\n"}
    )
    run = project.run("--apply-markers")
    assert run.code == 1
    assert "Traceback" not in run.stdout + run.stderr
    assert "tests/test_broken.py:1: could not parse, skipped: " in run.stdout
    assert project.read("tests/test_broken.py") == broken
    assert "pytestmark = pytest.mark.unit" in project.read("tests/test_fine.py")


def test_json_with_apply_markers_keeps_stdout_json(project: Project) -> None:
    project.write(SUITE)
    run = project.run("--apply-markers", "--format", "json")
    assert run.code == 0
    assert run.files()["tests/test_ui.py"]["markers"] == ["e2e"]  # the state after the run
    assert "tests/test_ui.py: added pytestmark = pytest.mark.e2e" in run.stderr
