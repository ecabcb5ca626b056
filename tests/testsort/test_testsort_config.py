"""`--apply-markers` registers the markers in the configuration pytest reads (first match
per directory, as pytest looks), keeping the rest of that file byte for byte; pytest with
`--strict-markers` then accepts them."""

from __future__ import annotations

import textwrap

import pytest
from testsort_helpers import Project, run_pytest

from loopsafe.testsort.model import Category
from loopsafe.testsort.pytestconfig import marker_line

UNIT = marker_line(Category.UNIT)
INTEGRATION = marker_line(Category.INTEGRATION)
TESTS = {
    "tests/test_logic.py": "def test_add():\n    assert 1 + 1 == 2\n",
    "tests/test_db.py": "def test_db():\n    import psycopg\n\n    psycopg.connect('')\n",
}


def text(source: str) -> str:
    return textwrap.dedent(source).lstrip("\n")


def collect_strictly(project: Project) -> str:
    result = run_pytest(
        project.root,
        "--collect-only",
        "-q",
        "--strict-markers",
        "-W",
        "error::pytest.PytestUnknownMarkWarning",
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return result.stdout


CASES = {
    "pytest.ini": (
        """
        # project settings
        [pytest]
        ; verbose output
        addopts = -ra
        markers =
            slow: takes a while
            unit(level): our own unit marker

        testpaths = tests

        [other]
        x = 1
        """,
        f"""
        # project settings
        [pytest]
        ; verbose output
        addopts = -ra
        markers =
            slow: takes a while
            unit(level): our own unit marker
            {INTEGRATION}

        testpaths = tests

        [other]
        x = 1
        """,
    ),
    "pyproject.toml": (
        """
        [project]
        name = "sample"

        [tool.pytest.ini_options]
        addopts = "-ra"  # comment
        markers = [
            "slow: takes a while",  # keep
        ]

        [tool.ruff]
        line-length = 100
        """,
        f"""
        [project]
        name = "sample"

        [tool.pytest.ini_options]
        addopts = "-ra"  # comment
        markers = [
            "slow: takes a while",  # keep
            "{UNIT}",
            "{INTEGRATION}",
        ]

        [tool.ruff]
        line-length = 100
        """,
    ),
    "tox.ini": (
        """
        [tox]
        envlist = py311

        [pytest]
        addopts = -q

        [testenv]
        commands = pytest
        """,
        f"""
        [tox]
        envlist = py311

        [pytest]
        addopts = -q
        markers =
            {UNIT}
            {INTEGRATION}

        [testenv]
        commands = pytest
        """,
    ),
    "setup.cfg": (
        """
        [metadata]
        name = sample

        [tool:pytest]
        markers = slow: takes a while
        python_files = test_*.py

        [flake8]
        max-line-length = 100
        """,
        f"""
        [metadata]
        name = sample

        [tool:pytest]
        markers = slow: takes a while
            {UNIT}
            {INTEGRATION}
        python_files = test_*.py

        [flake8]
        max-line-length = 100
        """,
    ),
    "pytest.toml": (
        """
        [pytest]
        addopts = ["-ra"]
        """,
        f"""
        [pytest]
        addopts = ["-ra"]
        markers = [
            "{UNIT}",
            "{INTEGRATION}",
        ]
        """,
    ),
}


@pytest.mark.parametrize("name", list(CASES))
def test_markers_are_registered_keeping_the_file(project: Project, name: str) -> None:
    before, after = CASES[name]
    project.write({name: before, **TESTS})
    run = project.run("--apply-markers")
    assert run.code == 0, run.stdout + run.stderr
    assert project.read(name) == text(after)
    assert f"{name}: registered the markers " in run.stdout
    collected = collect_strictly(project)
    assert "test_db" in collected and "test_logic" in collected
    snapshot = project.snapshot()
    assert project.run("--apply-markers").code == 0
    assert project.snapshot() == snapshot


def test_pytest_ini_wins_over_pyproject_in_the_same_directory(project: Project) -> None:
    pyproject = '[tool.pytest.ini_options]\naddopts = "-q"\n'
    project.write({"pytest.ini": "[pytest]\n", "pyproject.toml": pyproject, **TESTS})
    assert project.run("--apply-markers").code == 0
    assert project.read("pyproject.toml") == pyproject
    assert project.read("pytest.ini") == f"[pytest]\nmarkers =\n    {UNIT}\n    {INTEGRATION}\n"


def test_tox_ini_without_a_pytest_section_is_passed_over(project: Project) -> None:
    tox = "[tox]\nenvlist = py311\n"
    project.write({"tox.ini": tox, "setup.cfg": "[tool:pytest]\naddopts = -q\n", **TESTS})
    assert project.run("--apply-markers").code == 0
    assert project.read("tox.ini") == tox
    assert project.read("setup.cfg") == (
        f"[tool:pytest]\naddopts = -q\nmarkers =\n    {UNIT}\n    {INTEGRATION}\n"
    )


def test_a_pytest_ini_without_section_gets_one(project: Project) -> None:
    project.write({"pytest.ini": "# empty on purpose\n", **TESTS})
    assert project.run("--apply-markers").code == 0
    assert project.read("pytest.ini") == (
        f"# empty on purpose\n\n[pytest]\nmarkers =\n    {UNIT}\n    {INTEGRATION}\n"
    )
    collect_strictly(project)


def test_each_directory_uses_its_nearest_configuration(project: Project) -> None:
    project.write(
        {
            "pyproject.toml": "[tool.pytest.ini_options]\n",
            "tests/test_logic.py": TESTS["tests/test_logic.py"],
            "legacy/pytest.ini": "[pytest]\n",
            "legacy/test_db.py": TESTS["tests/test_db.py"],
        }
    )
    run = project.run("--apply-markers")
    assert run.code == 0, run.stdout
    assert (
        project.read("pyproject.toml")
        == f'[tool.pytest.ini_options]\nmarkers = [\n    "{UNIT}",\n]\n'
    )
    assert project.read("legacy/pytest.ini") == f"[pytest]\nmarkers =\n    {INTEGRATION}\n"


def test_pyproject_without_a_pytest_table_gets_one_appended(project: Project) -> None:
    pyproject = '[project]\nname = "sample"\n\n[tool.ruff]\nline-length = 100\n'
    project.write({"pyproject.toml": pyproject, **TESTS})
    assert project.run("--apply-markers").code == 0
    assert project.read("pyproject.toml") == pyproject + (
        f'\n[tool.pytest.ini_options]\nmarkers = [\n    "{UNIT}",\n    "{INTEGRATION}",\n]\n'
    )
    collect_strictly(project)


def test_no_configuration_at_all_creates_pyproject(project: Project) -> None:
    project.write(TESTS)
    run = project.run("--apply-markers")
    assert run.code == 0
    assert "pyproject.toml: created, registering the markers unit, integration" in run.stdout
    assert project.read("pyproject.toml") == (
        f'[tool.pytest.ini_options]\nmarkers = [\n    "{UNIT}",\n    "{INTEGRATION}",\n]\n'
    )
    collect_strictly(project)


def test_crlf_and_bom_in_configuration_are_kept(project: Project) -> None:
    ini = b"\xef\xbb\xbf[pytest]\r\naddopts = -q\r\n"
    toml = b'\xef\xbb\xbf[tool.pytest.ini_options]\r\naddopts = "-q"\r\n'
    project.write({"pytest.ini": ini, "sub/pyproject.toml": toml})
    project.write({"tests/test_logic.py": TESTS["tests/test_logic.py"]})
    project.write({"sub/test_db.py": TESTS["tests/test_db.py"]})
    assert project.run("--apply-markers").code == 0
    assert project.bytes("pytest.ini") == ini + f"markers =\r\n    {UNIT}\r\n".encode()
    assert project.bytes("sub/pyproject.toml") == toml + (
        f'markers = [\r\n    "{INTEGRATION}",\r\n]\r\n'.encode()
    )


def test_a_broken_pytest_configuration_stops_apply_before_any_change(project: Project) -> None:
    project.write({"pytest.toml": "[pytest\naddopts = 1", **TESTS})
    before = project.snapshot()
    run = project.run("--apply-markers")
    assert run.code == 2
    assert run.stdout == ""
    error = run.stderr.strip().splitlines()[-1]
    assert error.startswith("loopsafe: error: ") and error.endswith("(nothing was changed)")
    assert "pytest.toml: invalid TOML" in error
    assert project.snapshot() == before
    # Without --apply-markers the suite is still sorted, with a warning.
    read_only = project.run("--format", "json")
    assert read_only.code == 0
    assert read_only.categories() == {
        "tests/test_db.py": "integration",
        "tests/test_logic.py": "unit",
    }
    assert "pytest.toml: invalid TOML" in read_only.stderr
    assert "using pytest's defaults" in read_only.stderr


def test_a_broken_pyproject_is_bad_configuration(project: Project) -> None:
    """As for `loopsafe check`: exit 2, one line, nothing touched."""
    project.write({"pyproject.toml": "[tool.pytest.ini_options\nbroken", **TESTS})
    before = project.snapshot()
    run = project.run("--apply-markers")
    assert run.code == 2
    assert run.stdout == ""
    lines = run.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("loopsafe: error: ")
    assert "invalid TOML" in lines[0]
    assert project.snapshot() == before


def test_native_tool_pytest_table(project: Project) -> None:
    """pytest 9 reads `[tool.pytest]` with native TOML types; markers is a list there."""
    pyproject = '[tool.pytest]\naddopts = ["-ra"]\nmarkers = ["slow: takes a while"]\n'
    project.write({"pyproject.toml": pyproject, **TESTS})
    assert project.run("--apply-markers").code == 0
    assert project.read("pyproject.toml") == (
        f'[tool.pytest]\naddopts = ["-ra"]\nmarkers = ["slow: takes a while", "{UNIT}", '
        f'"{INTEGRATION}"]\n'
    )
    collect_strictly(project)
