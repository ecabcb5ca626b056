"""pytest-asyncio edits know the version (issue 12): the feature table, the version a
project resolves to, and what LS301 writes or proposes for it.

The real releases are exercised by `make pyasync-versions` (bench/pytest_asyncio_versions.py);
these tests pin the decisions without a network.
"""

from __future__ import annotations

import re
from importlib import metadata
from pathlib import Path

import pytest
from fix_helpers import fix, read, snapshot, write

from loopsafe.facts import pytest_asyncio_features as features
from loopsafe.facts import pytest_version
from loopsafe.facts.pytest_version import PytestAsyncio, detect


@pytest.mark.parametrize(
    ("version", "name", "known"),
    [
        ((0, 20, 3), features.ASYNCIO_MODE, True),
        ((0, 16, 0), features.ASYNCIO_MODE, False),
        ((0, 23, 8), features.DEFAULT_FIXTURE_LOOP_SCOPE, False),
        ((0, 24, 0), features.DEFAULT_FIXTURE_LOOP_SCOPE, True),
        ((0, 25, 3), features.DEFAULT_TEST_LOOP_SCOPE, False),
        ((0, 26, 0), features.DEFAULT_TEST_LOOP_SCOPE, True),
        ((1, 1, 0), features.ASYNCIO_DEBUG, False),
        ((1, 2, 0), features.ASYNCIO_DEBUG, True),
        ((0, 21, 2), features.MARK_SCOPE, False),
        ((0, 23, 0), features.MARK_SCOPE, True),
        ((0, 23, 8), features.MARK_LOOP_SCOPE, False),
        ((0, 24, 0), features.MARK_LOOP_SCOPE, True),
        ((0, 23, 8), features.FIXTURE_LOOP_SCOPE, False),
        ((0, 26, 0), features.EVENT_LOOP_FIXTURE, True),
        ((1, 0, 0), features.EVENT_LOOP_FIXTURE, False),
        ((0, 21, 2), features.EVENT_LOOP_POLICY_FIXTURE, False),
        ((0, 23, 0), features.EVENT_LOOP_POLICY_FIXTURE, True),
        ((), features.ASYNCIO_MODE, False),  # unknown: nothing is taken for granted
    ],
)
def test_the_table_knows_what_each_release_understands(
    version: tuple[int, ...], name: str, known: bool
) -> None:
    assert features.knows(version, name) is known


def test_deprecations_start_where_the_changelog_says() -> None:
    assert not features.deprecated((0, 21, 2), features.EVENT_LOOP_FIXTURE)
    assert features.deprecated((0, 23, 0), features.EVENT_LOOP_FIXTURE)
    assert not features.deprecated((1, 0, 0), features.EVENT_LOOP_FIXTURE)  # gone, not deprecated
    assert features.deprecated((0, 24, 0), features.MARK_SCOPE)
    assert not features.deprecated((0, 23, 8), features.MARK_SCOPE)


def test_the_config_keys_match_the_installed_plugin() -> None:
    """The keys the table gives the installed release are exactly those its plugin
    registers (read as text from the installed files, never imported here)."""
    dist = metadata.distribution("pytest-asyncio")
    plugin = next(f for f in dist.files or () if f.name == "plugin.py")
    source = Path(str(dist.locate_file(plugin))).read_text(encoding="utf-8")
    registered = set(re.findall(r"addini\(\s*\"(asyncio_\w+)\"", source))
    version = tuple(int(p) for p in re.findall(r"\d+", dist.version)[:3])
    assert registered and features.config_keys(version) == registered


def test_unknown_keys_are_listed_only_for_a_known_version() -> None:
    keys = {"asyncio_mode": 1, "asyncio_default_test_loop_scope": 2, "addopts": 3}
    assert features.unknown_config_keys((0, 24, 0), keys) == ["asyncio_default_test_loop_scope"]
    assert features.unknown_config_keys((0, 26, 0), keys) == []
    assert features.unknown_config_keys((), keys) == []


def test_minimum_is_the_newest_of_the_first_releases() -> None:
    assert features.minimum(
        features.DEFAULT_FIXTURE_LOOP_SCOPE, features.DEFAULT_TEST_LOOP_SCOPE
    ) == (0, 26)


@pytest.mark.parametrize(
    ("files", "installed", "expected"),
    [
        # The reported bug: a cap below 0.25 with 1.x installed next to loopsafe.
        ([("requirements.txt", "pytest-asyncio>=0.24,<0.25\n")], (1, 5, 0), (0, 24)),
        ([("requirements.txt", "pytest-asyncio<0.25\n")], (1, 5, 0), (0, 24, 0)),
        ([("requirements.txt", "pytest-asyncio>=0.24,<0.25\n")], (0, 24, 0), (0, 24, 0)),
        ([("requirements.txt", "pytest-asyncio~=0.25.0\n")], (1, 5, 0), (0, 25, 0)),
        ([("requirements.txt", "pytest-asyncio~=0.25.0\n")], (0, 25, 3), (0, 25, 3)),
        ([("requirements.txt", "pytest-asyncio>=0.21\n")], (1, 5, 0), (1, 5, 0)),
        ([("requirements.txt", "pytest-asyncio==0.20.3 --hash=sha256:0123abc\n")], (), (0, 20, 3)),
        ([("requirements.txt", "pytest-asyncio==0.23.*\n")], (0, 24, 0), (0, 23)),
        (
            [("pyproject.toml", '[tool.poetry.dependencies]\npytest-asyncio = "^0.23"\n')],
            (1, 5, 0),
            (0, 23),
        ),
        ([("requirements.txt", "pytest\n")], (), ()),  # nothing says: unknown
    ],
)
def test_the_version_a_project_resolves_to(
    monkeypatch: pytest.MonkeyPatch,
    files: list[tuple[str, str]],
    installed: tuple[int, ...],
    expected: tuple[int, ...],
) -> None:
    monkeypatch.setattr(
        pytest_version, "_installed", lambda *_: PytestAsyncio(installed, "installed")
    )
    assert detect(files).version == expected


CONFTEST = (
    "import asyncio\n\nimport pytest\n\n\n"
    '@pytest.fixture(scope="{scope}")\ndef event_loop():\n'
    "    loop = asyncio.new_event_loop()\n    yield loop\n    loop.close()\n"
)
TEST = "import asyncio\n\n\nasync def test_a():\n    await asyncio.sleep(0)\n"
INI = "[pytest]\nasyncio_mode = auto\n"


@pytest.mark.parametrize(
    ("pin", "scope", "conftest_kept", "written"),
    [
        ("pytest-asyncio==0.21.2", "function", True, ""),  # still its way: review
        ("pytest-asyncio==0.23.8", "function", False, ""),  # deleted, no key known
        ("pytest-asyncio==0.23.8", "module", True, ""),  # needs 0.26: review
        (
            "pytest-asyncio>=0.24,<0.25",
            "function",
            False,
            "asyncio_default_fixture_loop_scope = function\n",
        ),
        ("pytest-asyncio>=0.24,<0.25", "session", True, ""),
        (
            "pytest-asyncio==0.26.0",
            "session",
            False,
            "asyncio_default_fixture_loop_scope = session\n"
            "asyncio_default_test_loop_scope = session\n",
        ),
    ],
)
def test_ls301_writes_only_what_the_pinned_release_knows(
    tmp_path: Path, pin: str, scope: str, conftest_kept: bool, written: str
) -> None:
    write(
        tmp_path,
        {
            "requirements-test.txt": f"{pin}\n",
            "pytest.ini": INI,
            "tests/conftest.py": CONFTEST.format(scope=scope),
            "tests/test_a.py": TEST,
        },
    )
    run = fix(tmp_path, "--unsafe-fixes")
    assert run.code in (0, 1), run.output
    assert read(tmp_path / "pytest.ini") == INI + written
    assert ("def event_loop" in read(tmp_path / "tests/conftest.py")) is conftest_kept
    if conftest_kept:
        assert "LS302" in run.output and "upgrade to pytest-asyncio>=0.26" in run.output


def test_ls301_proposes_a_pin_when_the_version_is_unknown(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(pytest_version, "_installed", lambda *_: PytestAsyncio((), "unknown"))
    write(
        tmp_path,
        {
            "pytest.ini": INI,
            "tests/conftest.py": CONFTEST.format(scope="module"),
            "tests/test_a.py": TEST,
        },
    )
    before = snapshot(tmp_path)
    run = fix(tmp_path, "--unsafe-fixes", "-j", "1")
    assert snapshot(tmp_path) == before, run.output
    assert "version unknown" in run.output and "pin pytest-asyncio" in run.output


def test_ls301_keeps_the_override_that_a_test_takes_as_an_argument(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "requirements-test.txt": "pytest-asyncio==1.5.0\n",
            "pytest.ini": INI,
            "tests/conftest.py": CONFTEST.format(scope="module"),
            "tests/test_a.py": "def test_a(event_loop):\n    assert event_loop.run_until_complete\n",
        },
    )
    before = snapshot(tmp_path)
    run = fix(tmp_path, "--unsafe-fixes")
    assert snapshot(tmp_path) == before, run.output
    assert "takes `event_loop` as an argument" in run.output


def test_ls301_never_overwrites_a_loop_scope_already_set(tmp_path: Path) -> None:
    """A key already set to another wide scope is the project's choice: rewriting it would
    move every async fixture onto another loop, so the override stays for a person
    ("function", the default, is overwritten: the override's loop is what ran)."""
    ini = INI + "asyncio_default_fixture_loop_scope = session\n"
    write(
        tmp_path,
        {
            "requirements-test.txt": "pytest-asyncio==1.5.0\n",
            "pytest.ini": ini,
            "tests/conftest.py": CONFTEST.format(scope="module"),
            "tests/test_a.py": TEST,
        },
    )
    before = snapshot(tmp_path)
    run = fix(tmp_path, "--unsafe-fixes")
    assert snapshot(tmp_path) == before, run.output
    assert "is already set to 'session', not the override's 'module'" in run.output
