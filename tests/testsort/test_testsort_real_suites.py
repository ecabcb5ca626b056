"""`loopsafe tests` on a sample suite that really runs, in pytest-asyncio's auto and strict
modes.

Static evidence is only worth something if the code behind it does what it seems to do.
So the sample project's suite is first run for real (pytest in a subprocess, with
pytest-asyncio and respx's plugin) and every test must pass: its unit tests use SQLite
(sqlite3 on a file and in memory, aiosqlite in memory) and mocks (`unittest.mock`, respx
answering httpx, even for a request to 127.0.0.1), its e2e tests start uvicorn on
127.0.0.1 in a thread (a free port, `should_exit` on teardown) and talk to it over the
socket with `httpx.AsyncClient`. Then `--format json` must put each file in the category
that matches what it did, for the reasons it did it; and after `--apply-markers` (run
twice: the second changes nothing) `pytest -m unit` and `pytest -m e2e` must select exactly
those tests, with the markers registered.

In strict mode the async tests carry `@pytest.mark.asyncio` (the e2e file through
`pytestmark`, which `--apply-markers` has to extend: were the asyncio mark dropped, strict
mode would fail those tests) and async fixtures use `@pytest_asyncio.fixture`; in auto mode
they carry neither.
"""

from __future__ import annotations

import re
import subprocess
import textwrap

import jsonschema
import pytest
from testsort_helpers import Project, run_pytest

MODES = ("auto", "strict")
# The plugins the sample needs, loaded by name: the helper turns autoloading off, which
# keeps each run near a second (hypothesis' plugin alone costs more than that to import).
PLUGINS = ("-p", "pytest_asyncio.plugin", "-p", "respx.plugin")

STORE = "tests/test_store.py"
CLIENT = "tests/test_client.py"
LIVE = "tests/test_live.py"
CONFTEST = "tests/conftest.py"

UNIT_TESTS = {
    f"{STORE}::test_notes_survive_reopening_the_file_database",
    f"{STORE}::test_in_memory_database[one]",
    f"{STORE}::test_in_memory_database[three]",
    f"{STORE}::test_aiosqlite_roundtrip",
    f"{CLIENT}::test_fetch_title_with_respx",
    f"{CLIENT}::test_local_service_is_mocked_too",
    f"{CLIENT}::test_fetch_title_async_with_respx_mock",
    f"{CLIENT}::test_publish_awaits_the_notifier",
}
E2E_TESTS = {
    f"{LIVE}::test_health_over_the_socket",
    f"{LIVE}::test_post_a_title",
    f"{LIVE}::test_concurrent_requests",
}

# Lines `@asyncio_test` and `@async_fixture` are spelled per mode by `sample()`; the lines in
# STRICT_ONLY are left out in auto mode.
APP = {
    "pyproject.toml": """
        [project]
        name = "notes-sample"
        version = "0"

        [tool.pytest.ini_options]
        testpaths = ["tests"]
        pythonpath = ["."]
        asyncio_mode = "{mode}"
        asyncio_default_fixture_loop_scope = "function"
        """,
    "notes/__init__.py": "",
    "notes/store.py": '''
        """Notes kept in SQLite."""

        import sqlite3

        SCHEMA = "create table if not exists notes (id integer primary key, title text not null)"


        class NoteStore:
            def __init__(self, conn: sqlite3.Connection) -> None:
                self.conn = conn
                conn.execute(SCHEMA)

            def add(self, title: str) -> int:
                cursor = self.conn.execute("insert into notes (title) values (?)", (title,))
                self.conn.commit()
                return int(cursor.lastrowid or 0)

            def titles(self) -> list[str]:
                return [row[0] for row in self.conn.execute("select title from notes order by id")]


        async def add_note(conn, title: str) -> int:
            await conn.execute(SCHEMA)
            cursor = await conn.execute("insert into notes (title) values (?)", (title,))
            await conn.commit()
            return int(cursor.lastrowid or 0)


        async def count_notes(conn) -> int:
            async with conn.execute("select count(*) from notes") as cursor:
                row = await cursor.fetchone()
            return int(row[0])
        ''',
    "notes/remote.py": '''
        """Notes fetched from, and announced to, other services."""

        import httpx


        def fetch_title(client: httpx.Client, url: str) -> str:
            return str(client.get(url).raise_for_status().json()["title"])


        async def fetch_title_async(client: httpx.AsyncClient, url: str) -> str:
            response = await client.get(url)
            return str(response.raise_for_status().json()["title"])


        class Notifier:
            async def send(self, text: str) -> None:
                raise RuntimeError("the real notifier is not reachable from tests")


        async def publish(notifier: Notifier, title: str) -> str:
            await notifier.send(f"new note: {title}")
            return title
        ''',
    "notes/web.py": '''
        """A tiny ASGI app: GET /health, POST /titles."""

        import json


        async def _body(receive) -> bytes:
            body = b""
            while True:
                message = await receive()
                body += message.get("body", b"")
                if not message.get("more_body"):
                    return body


        async def app(scope, receive, send) -> None:
            assert scope["type"] == "http"
            if scope["method"] == "GET" and scope["path"] == "/health":
                status, payload = 200, {"status": "ok"}
            elif scope["method"] == "POST" and scope["path"] == "/titles":
                title = json.loads(await _body(receive))["title"]
                status, payload = 201, {"title": title.strip().capitalize()}
            else:
                status, payload = 404, {"error": "not found"}
            body = json.dumps(payload).encode()
            headers = [(b"content-type", b"application/json")]
            await send({"type": "http.response.start", "status": status, "headers": headers})
            await send({"type": "http.response.body", "body": body})
        ''',
    CONFTEST: '''
        """A live server for the e2e tests: uvicorn in a thread, on a free port."""

        import socket
        import threading
        import time

        import pytest
        import uvicorn

        from notes.web import app


        @pytest.fixture(scope="session")
        def live_url():
            sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            sock.bind(("127.0.0.1", 0))
            host, port = sock.getsockname()
            config = uvicorn.Config(app, host=host, port=port, lifespan="off", log_level="warning")
            server = uvicorn.Server(config)
            thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
            thread.start()
            deadline = time.monotonic() + 10
            while not server.started:
                if not thread.is_alive() or time.monotonic() > deadline:
                    raise RuntimeError("uvicorn did not start")
                time.sleep(0.01)
            yield f"http://{host}:{port}"
            server.should_exit = True
            thread.join(timeout=10)
            sock.close()
            assert not thread.is_alive(), "uvicorn did not stop"
        ''',
    STORE: """
        import sqlite3
        from contextlib import closing

        import aiosqlite
        import pytest
        import pytest_asyncio

        from notes.store import NoteStore, add_note, count_notes


        def test_notes_survive_reopening_the_file_database(tmp_path):
            path = tmp_path / "notes.db"
            with closing(sqlite3.connect(path)) as conn:
                NoteStore(conn).add("first")
            with closing(sqlite3.connect(path)) as conn:
                assert NoteStore(conn).titles() == ["first"]
            assert path.stat().st_size > 0


        @pytest.mark.parametrize("titles", [["a"], ["a", "b", "c"]], ids=["one", "three"])
        def test_in_memory_database(titles):
            with closing(sqlite3.connect(":memory:")) as conn:
                store = NoteStore(conn)
                ids = [store.add(title) for title in titles]
                assert store.titles() == titles
                assert ids == list(range(1, len(titles) + 1))


        @async_fixture
        async def db():
            async with aiosqlite.connect(":memory:") as conn:
                yield conn


        @asyncio_test
        async def test_aiosqlite_roundtrip(db):
            assert await add_note(db, "async") == 1
            assert await add_note(db, "again") == 2
            assert await count_notes(db) == 2
        """,
    CLIENT: """
        from unittest import mock

        import httpx
        import pytest
        import respx

        from notes.remote import Notifier, fetch_title, fetch_title_async, publish

        URL = "https://notes.example.test/api/notes/1"


        def test_fetch_title_with_respx():
            with respx.mock(assert_all_called=True) as router:
                router.get(URL).mock(return_value=httpx.Response(200, json={"title": "hello"}))
                with httpx.Client() as client:
                    assert fetch_title(client, URL) == "hello"


        @respx.mock
        def test_local_service_is_mocked_too():
            # Nothing listens on this port: the request only succeeds because respx answers.
            route = respx.get("http://127.0.0.1:9/api/notes/2").mock(
                return_value=httpx.Response(200, json={"title": "local"})
            )
            with httpx.Client() as client:
                response = client.get("http://127.0.0.1:9/api/notes/2")
            assert response.json() == {"title": "local"}
            assert route.called


        @asyncio_test
        async def test_fetch_title_async_with_respx_mock(respx_mock):
            route = respx_mock.get(URL).mock(
                return_value=httpx.Response(200, json={"title": "async hello"})
            )
            async with httpx.AsyncClient() as client:
                assert await fetch_title_async(client, URL) == "async hello"
            assert route.call_count == 1


        @asyncio_test
        async def test_publish_awaits_the_notifier():
            notifier = mock.AsyncMock(spec=Notifier)
            assert await publish(notifier, "hi") == "hi"
            notifier.send.assert_awaited_once_with("new note: hi")
        """,
    LIVE: """
        import asyncio

        import httpx
        import pytest
        import pytest_asyncio

        pytestmark = pytest.mark.asyncio


        @async_fixture
        async def client(live_url):
            async with httpx.AsyncClient(base_url=live_url, timeout=10, trust_env=False) as client:
                yield client


        async def test_health_over_the_socket(client):
            response = await client.get("/health")
            assert response.status_code == 200
            assert response.json() == {"status": "ok"}
            assert response.headers["server"] == "uvicorn"


        async def test_post_a_title(client):
            response = await client.post("/titles", json={"title": "  hello world "})
            assert response.status_code == 201
            assert response.json() == {"title": "Hello world"}


        async def test_concurrent_requests(client):
            responses = await asyncio.gather(*(client.get("/health") for _ in range(5)))
            assert [r.status_code for r in responses] == [200] * 5
            assert (await client.get("/nowhere")).status_code == 404
        """,
}


STRICT_ONLY = frozenset(
    {"@asyncio_test", "import pytest_asyncio", "pytestmark = pytest.mark.asyncio"}
)


def sample(mode: str) -> dict[str, str | bytes]:
    """The sample project as written for `asyncio_mode = mode`."""
    strict = mode == "strict"
    spelled = {
        "@asyncio_test": "@pytest.mark.asyncio",
        "@async_fixture": "@pytest_asyncio.fixture" if strict else "@pytest.fixture",
    }
    files: dict[str, str | bytes] = {}
    for name, source in APP.items():
        lines = [
            spelled.get(line, line)
            for line in textwrap.dedent(source).lstrip("\n").splitlines()
            if strict or line not in STRICT_ONLY
        ]
        text = "".join(f"{line}\n" for line in lines).replace("{mode}", mode)
        files[name] = re.sub(r"\n{4,}", "\n\n\n", text)  # where a line was left out
    return files


def pytest_run(project: Project, *args: str) -> subprocess.CompletedProcess[str]:
    """The sample's suite, for real, with every unknown mark an error."""
    return run_pytest(
        project.root,
        *PLUGINS,
        "-q",
        "-rA",
        "--strict-markers",
        "-W",
        "error::pytest.PytestUnknownMarkWarning",
        *args,
    )


def outcome(result: subprocess.CompletedProcess[str]) -> tuple[set[str], str]:
    """The node ids that passed, and the final summary without its timing."""
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert "PytestUnknownMarkWarning" not in output, output
    passed = set(re.findall(r"^PASSED (\S+)$", result.stdout, re.M))
    last = result.stdout.strip().splitlines()[-1]
    return passed, re.sub(r" in [\d.]+s$", "", last)


def line_of(project: Project, name: str, needle: str) -> int:
    """The first line of `name` that holds `needle`."""
    for number, text in enumerate(project.read(name).splitlines(), 1):
        if needle in text:
            return number
    raise AssertionError(f"{needle!r} is not in {name}")


@pytest.fixture(params=MODES)
def mode(request: pytest.FixtureRequest) -> str:
    value: str = request.param
    return value


@pytest.fixture
def sample_project(project: Project, mode: str) -> Project:
    project.write(sample(mode))
    return project


def test_the_sample_suite_really_passes(sample_project: Project) -> None:
    passed, summary = outcome(pytest_run(sample_project))
    assert passed == UNIT_TESTS | E2E_TESTS
    assert summary == f"{len(UNIT_TESTS) + len(E2E_TESTS)} passed"  # no skips, no warnings


def test_the_sample_suite_is_sorted_by_what_it_really_does(
    sample_project: Project, mode: str, validator: jsonschema.protocols.Validator
) -> None:
    run = sample_project.run("--format", "json")
    assert run.code == 0, run.stdout + run.stderr
    assert list(validator.iter_errors(run.json())) == []
    files = run.files()
    assert set(files) == {STORE, CLIENT, LIVE}
    for entry in files.values():
        assert entry["conflict"] == ""
        assert "items" not in entry  # every test agrees with its file

    def at(name: str, needle: str) -> int:
        return line_of(sample_project, name, needle)

    def evidence(name: str) -> list[tuple[int, str]]:
        return [(e["line"], e["reason"]) for e in files[name]["evidence"]]

    assert files[STORE]["category"] == "unit"
    assert evidence(STORE) == [
        (at(STORE, "sqlite3.connect(path)"), "SQLite (in-process database) (sqlite3.connect)"),
        (at(STORE, 'sqlite3.connect(":memory:")'), "in-memory SQLite (sqlite3.connect)"),
        (
            at(STORE, "async def test_aiosqlite_roundtrip(db)"),
            f"fixture `db` (line {at(STORE, 'aiosqlite.connect(')}): "
            "in-memory SQLite (aiosqlite.connect)",
        ),
    ]

    # The request to 127.0.0.1 would be e2e evidence, but respx answers it in that test.
    assert files[CLIENT]["category"] == "unit"
    local = "http://127.0.0.1:9/api/notes/2"
    assert evidence(CLIENT) == [
        (at(CLIENT, "with respx.mock("), "mocked HTTP (respx)"),
        (
            at(CLIENT, f'client.get("{local}")'),
            f"requests a local server ({local}); mocked in the same test",
        ),
        (at(CLIENT, "(respx_mock):"), "mocked HTTP (respx `respx_mock`)"),
        (at(CLIENT, "mock.AsyncMock("), "mocks (unittest.mock)"),
    ]

    # The server starts in a conftest fixture that the file's own fixture requests.
    assert files[LIVE]["category"] == "e2e"
    server = at(CONFTEST, "uvicorn.Server(")
    assert evidence(LIVE) == [
        (
            at(LIVE, "async def test_health_over_the_socket(client)"),
            f"fixture `client` -> `live_url` ({CONFTEST}:{server}): "
            "calls uvicorn.Server (starts a server)",
        )
    ]

    asyncio_marks = ["asyncio"] if mode == "strict" else []
    assert {path: entry["markers"] for path, entry in files.items()} == {
        STORE: [],
        CLIENT: [],
        LIVE: asyncio_marks,
    }


def test_applied_markers_select_exactly_the_right_tests(sample_project: Project, mode: str) -> None:
    before = sample_project.snapshot()
    config = sample_project.read("pyproject.toml")
    first = sample_project.run("--apply-markers")
    assert first.code == 0, first.stdout + first.stderr
    assert first.stdout.strip().splitlines()[-4:] == [
        f"{CLIENT}: added pytestmark = pytest.mark.unit",
        f"{LIVE}: added pytestmark = pytest.mark.e2e",
        f"{STORE}: added pytestmark = pytest.mark.unit",
        "pyproject.toml: registered the markers unit, e2e",
    ]
    after = sample_project.snapshot()
    changed = {name for name in after if after[name] != before.get(name)}
    assert changed == {STORE, CLIENT, LIVE, "pyproject.toml"}
    assert sample_project.read("pyproject.toml").startswith(config)  # only markers added
    for name in (STORE, CLIENT):
        assert "\npytestmark = pytest.mark.unit\n" in sample_project.read(name)
    # In strict mode the file's asyncio mark is kept next to the new one.
    live_mark = "[pytest.mark.asyncio, pytest.mark.e2e]" if mode == "strict" else "pytest.mark.e2e"
    assert f"\npytestmark = {live_mark}\n" in sample_project.read(LIVE)

    second = sample_project.run("--apply-markers")
    assert second.code == 0, second.stdout + second.stderr
    assert second.stdout.strip().splitlines()[-1] == "Markers already in place: nothing to change."
    assert sample_project.snapshot() == after

    json_run = sample_project.run("--format", "json")
    assert {
        path: (e["category"], e["markers"], e["conflict"]) for path, e in json_run.files().items()
    } == {
        STORE: ("unit", ["unit"], ""),
        CLIENT: ("unit", ["unit"], ""),
        LIVE: ("e2e", ["asyncio", "e2e"] if mode == "strict" else ["e2e"], ""),
    }

    total = len(UNIT_TESTS) + len(E2E_TESTS)
    unit_passed, unit_summary = outcome(pytest_run(sample_project, "-m", "unit"))
    assert unit_passed == UNIT_TESTS
    assert unit_summary == f"{len(UNIT_TESTS)} passed, {total - len(UNIT_TESTS)} deselected"
    e2e_passed, e2e_summary = outcome(pytest_run(sample_project, "-m", "e2e"))
    assert e2e_passed == E2E_TESTS
    assert e2e_summary == f"{len(E2E_TESTS)} passed, {total - len(E2E_TESTS)} deselected"
    assert sample_project.snapshot() == after  # running the suite wrote nothing that counts
