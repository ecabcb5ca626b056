"""`loopsafe tests` sorts sample suites by the evidence in their code: mocks and pure logic
are unit, real services and keys integration, browsers and live servers e2e; fixtures are
followed through conftest.py files; markers are respected and contradictions reported."""

from __future__ import annotations

from typing import Any

import pytest
from testsort_helpers import Project


def reasons(entry: dict[str, Any]) -> str:
    return "\n".join(e["reason"] for e in entry["evidence"])


def only_file(project: Project, source: str, name: str = "tests/test_sample.py") -> dict[str, Any]:
    project.write({name: source})
    run = project.run("--format", "json")
    assert run.code == 0, run.stderr
    return run.files()[name]


# --------------------------------------------------------------------------- unit
def test_sqlite_in_memory_is_unit(project: Project) -> None:
    entry = only_file(
        project,
        """
        import sqlite3

        def test_roundtrip():
            conn = sqlite3.connect(":memory:")
            conn.execute("create table t (x)")
            conn.execute("insert into t values (1)")
            assert conn.execute("select x from t").fetchall() == [(1,)]
        """,
    )
    assert entry["category"] == "unit"
    assert entry["evidence"] == [{"line": 4, "reason": "in-memory SQLite (sqlite3.connect)"}]
    assert entry["conflict"] == "" and entry["markers"] == []


def test_sqlalchemy_on_sqlite_is_unit_and_on_postgres_is_integration(project: Project) -> None:
    project.write(
        {
            "tests/test_lite.py": """
                from sqlalchemy import create_engine

                def test_engine():
                    engine = create_engine("sqlite:///:memory:")
                """,
            "tests/test_pg.py": """
                from sqlalchemy.ext.asyncio import create_async_engine

                URL = "postgresql+asyncpg://app@db/app"

                async def test_engine():
                    engine = create_async_engine(URL)
                """,
        }
    )
    files = project.run("--format", "json").files()
    assert files["tests/test_lite.py"]["category"] == "unit"
    assert "SQLite database (create_engine on sqlite:///:memory:)" in reasons(
        files["tests/test_lite.py"]
    )
    assert files["tests/test_pg.py"]["category"] == "integration"
    assert files["tests/test_pg.py"]["evidence"] == [
        {"line": 6, "reason": "create_async_engine on a PostgreSQL URL (postgresql://)"}
    ]


def test_pure_logic_is_unit(project: Project) -> None:
    entry = only_file(
        project,
        """
        def add(a, b):
            return a + b

        def test_add():
            assert add(1, 2) == 3
        """,
    )
    assert entry["category"] == "unit"
    assert reasons(entry).startswith("pure logic")
    assert entry["evidence"][0]["line"] == 0


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            """
            from unittest import mock
            import redis

            @mock.patch("redis.Redis.get")
            def test_cached(get):
                assert redis.exceptions.ConnectionError
            """,
            "mocks (unittest.mock)",
        ),
        (
            """
            import httpx
            import respx

            @respx.mock
            def test_api():
                respx.get("http://localhost:8000/items").respond(json=[])
                assert httpx.get("http://localhost:8000/items").json() == []
            """,
            "mocked HTTP (respx)",
        ),
        (
            """
            import httpx

            def test_transport():
                transport = httpx.MockTransport(lambda r: httpx.Response(204))
                with httpx.Client(transport=transport, base_url="http://localhost:9000") as c:
                    assert c.get("/").status_code == 204
            """,
            "mocked HTTP (httpx.MockTransport)",
        ),
        (
            """
            def test_mocker(mocker):
                mocker.patch("os.getcwd", return_value="/")
            """,
            "mocks (pytest-mock `mocker`)",
        ),
        (
            """
            import fakeredis

            def test_fake():
                assert fakeredis.FakeRedis().ping()
            """,
            "fake Redis (fakeredis)",
        ),
        (
            """
            import responses
            import requests

            @responses.activate
            def test_requests():
                responses.add(responses.GET, "http://127.0.0.1:5000/x", json={})
                assert requests.get("http://127.0.0.1:5000/x").json() == {}
            """,
            "mocked HTTP (responses)",
        ),
    ],
)
def test_mocks_are_unit(project: Project, source: str, reason: str) -> None:
    entry = only_file(project, source)
    assert entry["category"] == "unit", reasons(entry)
    assert reason in reasons(entry)


def test_a_mocked_client_library_is_listed_as_mocked(project: Project) -> None:
    entry = only_file(
        project,
        """
        from unittest import mock
        import redis

        def test_cached():
            with mock.patch.object(redis.Redis, "get", return_value=b"1"):
                pass
        """,
    )
    assert entry["category"] == "unit"
    assert {"line": 5, "reason": "uses redis (Redis client); mocked in the same test"} in entry[
        "evidence"
    ]


def test_fixture_files_are_unit_evidence(project: Project) -> None:
    entry = only_file(
        project,
        """
        from pathlib import Path

        DATA = Path(__file__).parent / "fixtures" / "golden"

        def test_golden():
            assert (DATA / "a.json").read_text()
        """,
    )
    assert entry["category"] == "unit"
    assert "reads fixture files (fixtures/golden/)" in reasons(entry)


# --------------------------------------------------------------------------- integration
@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            """
            import psycopg

            def test_query():
                with psycopg.connect("dbname=test") as conn:
                    conn.execute("select 1")
            """,
            "calls psycopg.connect (PostgreSQL)",
        ),
        (
            """
            import asyncpg

            async def test_pool():
                pool = await asyncpg.create_pool(dsn="postgresql://localhost/test")
                await pool.close()
            """,
            "calls asyncpg.create_pool (PostgreSQL)",
        ),
        (
            """
            from redis import asyncio as aioredis

            async def test_cache():
                client = aioredis.from_url("redis://localhost:6379/0")
                await client.set("k", "v")
            """,
            "calls redis.asyncio.from_url (Redis)",
        ),
        (
            """
            import aio_pika

            async def test_publish():
                connection = await aio_pika.connect_robust("amqp://guest@localhost/")
            """,
            "calls aio_pika.connect_robust (RabbitMQ)",
        ),
        (
            """
            from aiokafka import AIOKafkaProducer

            async def test_produce():
                producer = AIOKafkaProducer(bootstrap_servers="localhost:9092")
            """,
            "calls aiokafka.AIOKafkaProducer (Kafka)",
        ),
        (
            """
            from testcontainers.postgres import PostgresContainer

            def test_container():
                with PostgresContainer("postgres:16") as pg:
                    assert pg.get_connection_url()
            """,
            "starts a test container (PostgresContainer)",
        ),
        (
            """
            import docker

            def test_docker():
                assert docker.from_env().ping()
            """,
            "calls docker.from_env (Docker)",
        ),
        (
            """
            def test_db(postgresql):
                postgresql.cursor().execute("select 1")
            """,
            "real PostgreSQL (pytest-postgresql `postgresql`)",
        ),
        (
            """
            import psycopg2

            def test_imported_only():
                assert psycopg2.extensions
            """,
            "uses psycopg2 (PostgreSQL client)",
        ),
    ],
)
def test_real_services_are_integration(project: Project, source: str, reason: str) -> None:
    entry = only_file(project, source)
    assert entry["category"] == "integration", reasons(entry)
    assert reason in reasons(entry)


@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            """
            import os

            def test_completion():
                key = os.environ["OPENAI_API_KEY"]
            """,
            "reads OPENAI_API_KEY from the environment",
        ),
        (
            """
            import os
            import pytest

            @pytest.mark.skipif(not os.getenv("ANTHROPIC_API_KEY"), reason="needs a key")
            def test_claude():
                pass
            """,
            "reads ANTHROPIC_API_KEY from the environment",
        ),
        (
            """
            from os import environ

            def test_stripe():
                assert "STRIPE_SECRET_KEY" in environ
            """,
            "reads STRIPE_SECRET_KEY from the environment",
        ),
        (
            """
            import os

            def test_db_url():
                url = os.environ.get("DATABASE_URL")
            """,
            "reads the service address DATABASE_URL from the environment",
        ),
    ],
)
def test_keys_from_the_environment_are_integration(
    project: Project, source: str, reason: str
) -> None:
    entry = only_file(project, source)
    assert entry["category"] == "integration"
    assert reason in reasons(entry)


def test_setting_a_fake_key_is_not_reading_one(project: Project) -> None:
    entry = only_file(
        project,
        """
        import os

        def test_offline(monkeypatch):
            monkeypatch.setenv("OPENAI_API_KEY", "sk-fake")
            os.environ["GITHUB_TOKEN"] = "x"
        """,
    )
    assert entry["category"] == "unit"
    assert "environment" not in reasons(entry)


# --------------------------------------------------------------------------- e2e
@pytest.mark.parametrize(
    ("source", "reason"),
    [
        (
            """
            from playwright.sync_api import sync_playwright

            def test_home():
                with sync_playwright() as p:
                    browser = p.chromium.launch()
                    browser.new_page().goto("http://127.0.0.1:8000/")
            """,
            "drives a browser (playwright.sync_api.sync_playwright)",
        ),
        (
            """
            def test_title(page):
                page.goto("http://localhost:3000")
                assert page.title()
            """,
            "drives a browser (pytest-playwright `page`)",
        ),
        (
            """
            import threading
            import uvicorn

            def test_server():
                thread = threading.Thread(
                    target=uvicorn.run, args=("app:app",), kwargs={"host": "127.0.0.1", "port": 8001}
                )
                thread.start()
            """,
            "uses uvicorn (ASGI server)",
        ),
        (
            """
            import uvicorn

            def test_serve():
                uvicorn.run("app:app", host="127.0.0.1", port=8001)
            """,
            "calls uvicorn.run (starts a server)",
        ),
        (
            """
            import requests

            BASE = "http://127.0.0.1:8080"

            def test_health():
                assert requests.get(f"{BASE}/health").ok
            """,
            "requests a local server (http://127.0.0.1:8080/health)",
        ),
        (
            """
            import httpx

            async def test_port(unused_tcp_port):
                async with httpx.AsyncClient(base_url=f"http://localhost:{unused_tcp_port}") as c:
                    await c.get("/")
            """,
            "requests a local server (http://localhost:{})",
        ),
        (
            """
            def test_live(live_server):
                assert live_server.url
            """,
            "live server (`live_server` fixture)",
        ),
        (
            """
            from selenium import webdriver

            def test_chrome():
                driver = webdriver.Chrome()
            """,
            "drives a browser (selenium.webdriver.Chrome)",
        ),
        (
            """
            import subprocess, sys

            def test_spawned():
                subprocess.Popen([sys.executable, "-m", "uvicorn", "app:app", "--port", "8002"])
            """,
            "starts a server process (uvicorn)",
        ),
        (
            """
            from django.contrib.staticfiles.testing import StaticLiveServerTestCase

            class CheckoutTests(StaticLiveServerTestCase):
                def test_checkout(self):
                    self.selenium.get(self.live_server_url)
            """,
            "runs a live server around each test (StaticLiveServerTestCase)",
        ),
    ],
)
def test_browsers_and_live_servers_are_e2e(project: Project, source: str, reason: str) -> None:
    entry = only_file(project, source)
    assert entry["category"] == "e2e", reasons(entry)
    assert reason in reasons(entry)


def test_in_process_app_clients_are_not_servers(project: Project) -> None:
    entry = only_file(
        project,
        """
        import httpx
        from fastapi.testclient import TestClient

        from app import app

        async def test_async():
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://localhost:8000") as c:
                await c.get("/")

        def test_sync():
            assert TestClient(app, base_url="http://localhost:8000").get("/").status_code
        """,
    )
    assert entry["category"] == "unit"
    assert "in-process app client, no server (ASGITransport)" in reasons(entry)
    assert "in-process app client, no server (TestClient)" in reasons(entry)


def test_parametrized_arguments_are_not_fixtures(project: Project) -> None:
    entry = only_file(
        project,
        """
        import pytest

        @pytest.mark.parametrize("page, browser", [(1, "firefox"), (2, "chromium")])
        def test_paging(page, browser):
            assert page
        """,
    )
    assert entry["category"] == "unit"


# --------------------------------------------------------------------------- fixtures
NESTED = {
    "tests/conftest.py": """
        import asyncpg
        import pytest

        @pytest.fixture
        async def db():
            conn = await asyncpg.connect("postgresql://localhost/app")
            yield conn
            await conn.close()

        @pytest.fixture
        def repo(db):
            return {"db": db}
        """,
    "tests/api/conftest.py": """
        import pytest

        @pytest.fixture
        def client(repo):
            return repo
        """,
    "tests/api/v1/test_items.py": """
        def test_list(client):
            assert client
        """,
    "tests/unit/conftest.py": """
        import sqlite3
        import pytest

        @pytest.fixture
        def db():
            return sqlite3.connect(":memory:")
        """,
    "tests/unit/test_repo.py": """
        def test_repo(repo):
            assert repo
        """,
    "tests/wrapped/conftest.py": """
        import pytest

        @pytest.fixture
        def db(db):
            return db
        """,
    "tests/wrapped/test_wrapped.py": """
        def test_wrapped(db):
            assert db
        """,
    "tests/other/test_sibling.py": """
        def test_unrelated(client):
            assert client
        """,
}


def test_fixtures_are_followed_through_nested_conftests(project: Project) -> None:
    project.write(NESTED)
    run = project.run("--format", "json")
    files = run.files()
    assert "tests/conftest.py" not in files
    item = files["tests/api/v1/test_items.py"]
    assert item["category"] == "integration"
    assert item["evidence"] == [
        {
            "line": 1,
            "reason": "fixture `client` -> `repo` -> `db` (tests/conftest.py:6): "
            "calls asyncpg.connect (PostgreSQL)",
        }
    ]


def test_an_overriding_fixture_wins_for_tests_below_it(project: Project) -> None:
    """pytest resolves `repo`'s own `db` from the requesting test: tests/unit gets SQLite."""
    project.write(NESTED)
    files = project.run("--format", "json").files()
    assert files["tests/unit/test_repo.py"]["category"] == "unit"
    assert "in-memory SQLite" in reasons(files["tests/unit/test_repo.py"])


def test_a_fixture_requesting_its_own_name_gets_the_outer_one(project: Project) -> None:
    project.write(NESTED)
    files = project.run("--format", "json").files()
    assert files["tests/wrapped/test_wrapped.py"]["category"] == "integration"
    assert "fixture `db` -> `db` (tests/conftest.py:6)" in reasons(
        files["tests/wrapped/test_wrapped.py"]
    )


def test_fixtures_of_a_sibling_directory_are_not_visible(project: Project) -> None:
    project.write(NESTED)
    files = project.run("--format", "json").files()
    assert files["tests/other/test_sibling.py"]["category"] == "unit"


def test_autouse_usefixtures_and_config_usefixtures(project: Project) -> None:
    project.write(
        {
            "pytest.ini": """
                [pytest]
                usefixtures = broker
                """,
            "tests/conftest.py": """
                import pytest
                import redis
                import aio_pika

                @pytest.fixture
                def cache():
                    return redis.Redis()

                @pytest.fixture
                async def broker():
                    return await aio_pika.connect("amqp://localhost")
                """,
            "tests/marked/conftest.py": "",
            "tests/marked/test_use.py": """
                import pytest

                @pytest.mark.usefixtures("cache")
                def test_one():
                    pass
                """,
            "tests/auto/conftest.py": """
                import pytest
                from playwright.sync_api import sync_playwright

                @pytest.fixture(autouse=True)
                def browser_session():
                    with sync_playwright() as p:
                        yield p
                """,
            "tests/auto/test_auto.py": """
                def test_two():
                    pass
                """,
        }
    )
    files = project.run("--format", "json").files()
    marked = files["tests/marked/test_use.py"]
    assert marked["category"] == "integration"
    assert "fixture `cache` (tests/conftest.py:7): calls redis.Redis (Redis)" in reasons(marked)
    assert "fixture `broker` (tests/conftest.py:11)" in reasons(marked)  # from pytest.ini
    assert files["tests/auto/test_auto.py"]["category"] == "e2e"
    assert "fixture `browser_session`" in reasons(files["tests/auto/test_auto.py"])


def test_fixtures_from_pytest_plugins_and_imports(project: Project) -> None:
    project.write(
        {
            "pyproject.toml": """
                [tool.pytest.ini_options]
                addopts = "-q"
                """,
            "tests/__init__.py": "",
            "tests/plugins/__init__.py": "",
            "tests/plugins/databases.py": """
                import pytest
                import pymongo

                @pytest.fixture
                def mongo():
                    return pymongo.MongoClient("mongodb://localhost")
                """,
            "tests/helpers.py": """
                import pytest
                from selenium import webdriver

                @pytest.fixture
                def chrome():
                    return webdriver.Chrome()
                """,
            "conftest.py": """
                pytest_plugins = ["tests.plugins.databases"]
                """,
            "tests/test_plugin.py": """
                def test_mongo(mongo):
                    assert mongo
                """,
            "tests/test_imported.py": """
                from tests.helpers import chrome  # noqa: F401

                def test_ui(chrome):
                    assert chrome
                """,
        }
    )
    files = project.run("--format", "json").files()
    assert files["tests/test_plugin.py"]["category"] == "integration"
    assert "tests/plugins/databases.py:6" in reasons(files["tests/test_plugin.py"])
    assert files["tests/test_imported.py"]["category"] == "e2e"


# --------------------------------------------------------------------------- classes, items
def test_classes_and_functions_that_differ_are_items(project: Project) -> None:
    entry = only_file(
        project,
        """
        import redis

        def test_pure():
            assert True

        class TestCache:
            def setup_method(self):
                self.client = redis.Redis(host="localhost")

            def test_get(self):
                assert self.client.get("k") is None

        class TestLogic:
            def test_a(self):
                assert 1

            def test_b(self, page):
                page.goto("http://localhost:5173")
        """,
    )
    assert entry["category"] == "e2e"
    items = {i["name"]: i for i in entry["items"]}
    assert set(items) == {"test_pure", "TestCache", "TestLogic::test_a"}
    assert items["test_pure"]["category"] == "unit"
    assert items["TestCache"]["category"] == "integration"
    assert items["TestCache"]["evidence"] == [{"line": 8, "reason": "calls redis.Redis (Redis)"}]
    assert items["TestLogic::test_a"]["category"] == "unit"


def test_helpers_and_self_methods_carry_their_evidence(project: Project) -> None:
    entry = only_file(
        project,
        """
        import asyncpg

        async def make_pool():
            return await asyncpg.create_pool()

        class TestRepo:
            async def pool(self):
                return await make_pool()

            async def test_rows(self):
                assert await self.pool()
        """,
    )
    assert entry["category"] == "integration"
    assert entry["evidence"] == [{"line": 4, "reason": "calls asyncpg.create_pool (PostgreSQL)"}]


# --------------------------------------------------------------------------- markers
def test_markers_are_respected(project: Project) -> None:
    project.write(
        {
            "tests/test_declared.py": """
                import pytest

                pytestmark = [pytest.mark.asyncio, pytest.mark.integration]

                async def test_pure():
                    assert True
                """,
            "tests/test_alias.py": """
                from pytest import mark

                e2e = mark.e2e

                @e2e
                def test_flow():
                    pass
                """,
        }
    )
    files = project.run("--format", "json").files()
    declared = files["tests/test_declared.py"]
    assert (declared["category"], declared["markers"], declared["conflict"]) == (
        "integration",
        ["asyncio", "integration"],
        "",
    )
    assert declared["evidence"][0] == {"line": 3, "reason": "marked `integration`"}
    alias = files["tests/test_alias.py"]
    assert alias["category"] == "e2e"
    assert alias["evidence"] == [{"line": 5, "reason": "`test_flow` is marked `e2e`"}]
    assert alias["conflict"] == ""


def test_a_marker_that_contradicts_the_evidence_is_a_conflict(project: Project) -> None:
    entry = only_file(
        project,
        """
        import pytest
        import redis

        pytestmark = pytest.mark.unit

        def test_cache():
            redis.Redis().ping()

        @pytest.mark.integration
        def test_marked():
            redis.Redis().ping()

        @pytest.mark.unit
        @pytest.mark.e2e
        def test_both():
            pass
        """,
    )
    assert entry["category"] == "unit"
    assert entry["markers"] == ["unit"]
    conflict = entry["conflict"]
    assert conflict.startswith(
        "marked `unit`, but the evidence says integration: calls redis.Redis (Redis) (line 7)"
    )
    assert "test_marked: marked `integration`, but an enclosing `unit` mark applies too" in conflict
    assert "test_both: marked both `unit` and `e2e`" in conflict
    items = {i["name"]: i for i in entry["items"]}
    assert items["test_marked"]["category"] == "integration"
    assert items["test_both"]["category"] == "e2e"


def test_a_higher_marker_than_the_evidence_is_no_conflict(project: Project) -> None:
    """Static analysis cannot see what the project's own code connects to."""
    entry = only_file(
        project,
        """
        import pytest

        @pytest.mark.integration
        class TestSync:
            def test_sync(self):
                assert True
        """,
    )
    assert entry["category"] == "integration"
    assert entry["conflict"] == ""


# --------------------------------------------------------------------------- collection
def test_pytest_collection_settings_are_honoured(project: Project) -> None:
    project.write(
        {
            "pytest.ini": """
                [pytest]
                python_files = check_*.py
                python_functions = check_
                norecursedirs = fixtures .*
                """,
            "tests/check_api.py": """
                import redis

                def helper():
                    return redis.Redis()

                def check_cache():
                    assert helper()
                """,
            "tests/test_not_collected.py": "def test_x():\n    pass\n",
            "tests/fixtures/check_sample.py": "def check_x():\n    pass\n",
        }
    )
    files = project.run("--format", "json").files()
    assert list(files) == ["tests/check_api.py"]
    assert files["tests/check_api.py"]["category"] == "integration"


def test_a_file_named_on_the_command_line_is_always_categorised(project: Project) -> None:
    project.write(
        {"tests/helpers_for_db.py": "import psycopg\n\ndef test_x():\n    psycopg.connect()\n"}
    )
    files = project.run("--format", "json", "tests/helpers_for_db.py").files()
    assert files["tests/helpers_for_db.py"]["category"] == "integration"


def test_the_directory_layout_states_the_intent(project: Project) -> None:
    project.write(
        {
            "pyproject.toml": "[tool.pytest.ini_options]\n",
            "tests/integration/test_flow.py": "def test_flow():\n    assert True\n",
            "tests/e2e/test_mocked.py": """
                from unittest import mock

                def test_checkout():
                    with mock.patch("os.getcwd"):
                        pass
                """,
            "tests/unit/test_cache.py": """
                import redis

                def test_cache():
                    redis.Redis().ping()
                """,
        }
    )
    files = project.run("--format", "json").files()
    assert files["tests/integration/test_flow.py"]["evidence"] == [
        {"line": 0, "reason": "in the `integration/` directory"}
    ]
    assert files["tests/integration/test_flow.py"]["category"] == "integration"
    assert files["tests/e2e/test_mocked.py"]["category"] == "e2e"
    # Evidence of a real service outranks a `unit/` directory.
    assert files["tests/unit/test_cache.py"]["category"] == "integration"
    assert files["tests/unit/test_cache.py"]["conflict"] == ""


def test_deep_fixture_chains_do_not_crash(project: Project) -> None:
    chain = "\n".join(
        f"@pytest.fixture\ndef f{i}(f{i + 1}):\n    return f{i + 1}\n" for i in range(1500)
    )
    conftest = (
        f"import pytest\nimport redis\n\n{chain}\n"
        "@pytest.fixture\ndef f1500():\n    return redis.Redis()\n"
    )
    line = conftest.splitlines().index("    return redis.Redis()") + 1
    project.write(
        {
            "tests/conftest.py": conftest,
            "tests/test_deep.py": "def test_deep(f0):\n    pass\n",
            "tests/test_other.py": "def test_other():\n    pass\n",
        }
    )
    run = project.run("--format", "json")
    assert run.code == 0, run.stderr
    deep = run.files()["tests/test_deep.py"]
    assert deep["category"] == "integration"
    assert deep["evidence"] == [
        {
            "line": 1,
            "reason": "fixture `f0` -> `f1` -> ... (1498 more) -> `f1500` "
            f"(tests/conftest.py:{line}): calls redis.Redis (Redis)",
        }
    ]


def test_a_conflict_names_the_fixture_chain(project: Project) -> None:
    project.write(
        {
            "tests/conftest.py": """
                import asyncpg
                import pytest

                @pytest.fixture
                async def pg():
                    return await asyncpg.connect()
                """,
            "tests/test_marked.py": """
                import pytest

                pytestmark = pytest.mark.unit

                async def test_rows(pg):
                    assert pg
                """,
        }
    )
    entry = project.run("--format", "json").files()["tests/test_marked.py"]
    assert entry["conflict"] == (
        "marked `unit`, but the evidence says integration: fixture `pg` "
        "(tests/conftest.py:6): calls asyncpg.connect (PostgreSQL) (line 5)"
    )


def test_a_test_module_that_also_provides_fixtures(project: Project) -> None:
    """`test_b` imports a fixture from `test_z` (read first as a fixture module, since
    `test_b` sorts first); `test_z` is still sorted as a test module."""
    project.write(
        {
            "tests/__init__.py": "",
            "tests/test_z.py": """
                import pytest
                import redis

                @pytest.fixture
                def cache():
                    return redis.Redis()

                def test_z(cache):
                    assert cache
                """,
            "tests/test_b.py": """
                from tests.test_z import cache  # noqa: F401

                def test_b(cache):
                    assert cache
                """,
        }
    )
    run = project.run("--format", "json")
    assert run.categories() == {"tests/test_b.py": "integration", "tests/test_z.py": "integration"}
