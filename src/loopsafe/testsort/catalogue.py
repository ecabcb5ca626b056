"""The evidence loopsafe recognises: libraries, calls, plugin fixtures and environment
variables, each with the category it points to and how much it weighs.

Names are fully qualified as the test module imports them (`from redis import asyncio as
aioredis; aioredis.from_url` is `redis.asyncio.from_url`). Keep reasons short: they are
printed after a line number.
"""

from __future__ import annotations

import re

from loopsafe.testsort.model import Category, Kind

U, I, E = Category.UNIT, Category.INTEGRATION, Category.E2E  # noqa: E741

# Module prefix -> evidence for any reference to it (weak for services: a name alone does
# not connect; mock libraries are unit evidence that cancels weak evidence).
LIBRARIES: dict[str, tuple[Category, Kind, str]] = {
    # PostgreSQL
    "psycopg": (I, Kind.WEAK, "uses psycopg (PostgreSQL client)"),
    "psycopg2": (I, Kind.WEAK, "uses psycopg2 (PostgreSQL client)"),
    "psycopg_pool": (I, Kind.WEAK, "uses psycopg_pool (PostgreSQL pool)"),
    "asyncpg": (I, Kind.WEAK, "uses asyncpg (PostgreSQL client)"),
    "aiopg": (I, Kind.WEAK, "uses aiopg (PostgreSQL client)"),
    "pg8000": (I, Kind.WEAK, "uses pg8000 (PostgreSQL client)"),
    # MySQL / MariaDB
    "pymysql": (I, Kind.WEAK, "uses pymysql (MySQL client)"),
    "MySQLdb": (I, Kind.WEAK, "uses MySQLdb (MySQL client)"),
    "mysql.connector": (I, Kind.WEAK, "uses mysql.connector (MySQL client)"),
    "aiomysql": (I, Kind.WEAK, "uses aiomysql (MySQL client)"),
    "asyncmy": (I, Kind.WEAK, "uses asyncmy (MySQL client)"),
    # other databases and caches
    "pymongo": (I, Kind.WEAK, "uses pymongo (MongoDB client)"),
    "motor": (I, Kind.WEAK, "uses motor (MongoDB client)"),
    "redis": (I, Kind.WEAK, "uses redis (Redis client)"),
    "aioredis": (I, Kind.WEAK, "uses aioredis (Redis client)"),
    "valkey": (I, Kind.WEAK, "uses valkey (Valkey client)"),
    "pymemcache": (I, Kind.WEAK, "uses pymemcache (memcached client)"),
    "aiomcache": (I, Kind.WEAK, "uses aiomcache (memcached client)"),
    "elasticsearch": (I, Kind.WEAK, "uses elasticsearch (search engine client)"),
    "opensearchpy": (I, Kind.WEAK, "uses opensearch-py (search engine client)"),
    "cassandra": (I, Kind.WEAK, "uses the Cassandra driver"),
    "clickhouse_driver": (I, Kind.WEAK, "uses clickhouse-driver (ClickHouse client)"),
    "clickhouse_connect": (I, Kind.WEAK, "uses clickhouse-connect (ClickHouse client)"),
    # brokers
    "aio_pika": (I, Kind.WEAK, "uses aio_pika (RabbitMQ client)"),
    "pika": (I, Kind.WEAK, "uses pika (RabbitMQ client)"),
    "aiormq": (I, Kind.WEAK, "uses aiormq (RabbitMQ client)"),
    "kafka": (I, Kind.WEAK, "uses kafka-python (Kafka client)"),
    "aiokafka": (I, Kind.WEAK, "uses aiokafka (Kafka client)"),
    "confluent_kafka": (I, Kind.WEAK, "uses confluent_kafka (Kafka client)"),
    "nats": (I, Kind.WEAK, "uses nats (NATS client)"),
    # containers and clouds
    "testcontainers": (I, Kind.STRONG, "starts a test container (testcontainers)"),
    "docker": (I, Kind.WEAK, "uses the Docker SDK"),
    "boto3": (I, Kind.WEAK, "uses boto3 (AWS SDK)"),
    "aioboto3": (I, Kind.WEAK, "uses aioboto3 (AWS SDK)"),
    "botocore": (I, Kind.WEAK, "uses botocore (AWS SDK)"),
    "openai": (I, Kind.WEAK, "uses openai (hosted API client)"),
    "anthropic": (I, Kind.WEAK, "uses anthropic (hosted API client)"),
    # browsers and servers
    "playwright": (E, Kind.STRONG, "drives a browser (Playwright)"),
    "selenium": (E, Kind.STRONG, "drives a browser (Selenium)"),
    "splinter": (E, Kind.STRONG, "drives a browser (splinter)"),
    "pyppeteer": (E, Kind.STRONG, "drives a browser (pyppeteer)"),
    "uvicorn": (E, Kind.WEAK, "uses uvicorn (ASGI server)"),
    "hypercorn": (E, Kind.WEAK, "uses hypercorn (ASGI server)"),
    # mocks and fakes
    "unittest.mock": (U, Kind.MOCK, "mocks (unittest.mock)"),
    "mock": (U, Kind.MOCK, "mocks (mock)"),
    "asynctest": (U, Kind.MOCK, "mocks (asynctest)"),
    "pytest_mock": (U, Kind.MOCK, "mocks (pytest-mock)"),
    "respx": (U, Kind.HTTP_MOCK, "mocked HTTP (respx)"),
    "responses": (U, Kind.HTTP_MOCK, "mocked HTTP (responses)"),
    "aioresponses": (U, Kind.HTTP_MOCK, "mocked HTTP (aioresponses)"),
    "requests_mock": (U, Kind.HTTP_MOCK, "mocked HTTP (requests-mock)"),
    "pytest_httpx": (U, Kind.HTTP_MOCK, "mocked HTTP (pytest-httpx)"),
    "httpretty": (U, Kind.HTTP_MOCK, "mocked HTTP (httpretty)"),
    "vcr": (U, Kind.HTTP_MOCK, "recorded HTTP (vcrpy cassette)"),
    "fakeredis": (U, Kind.MOCK, "fake Redis (fakeredis)"),
    "mongomock": (U, Kind.MOCK, "fake MongoDB (mongomock)"),
    "moto": (U, Kind.MOCK, "fake AWS (moto)"),
    "freezegun": (U, Kind.MOCK, "fakes the clock (freezegun)"),
    "time_machine": (U, Kind.MOCK, "fakes the clock (time-machine)"),
    # in-process resources
    "sqlite3": (U, Kind.INFO, "SQLite (in-process database)"),
    "aiosqlite": (U, Kind.INFO, "SQLite (in-process database, aiosqlite)"),
    "fastapi.testclient": (U, Kind.INFO, "in-process app client, no server (TestClient)"),
    "starlette.testclient": (U, Kind.INFO, "in-process app client, no server (TestClient)"),
    "click.testing": (U, Kind.INFO, "runs the CLI in-process (click.testing)"),
    "typer.testing": (U, Kind.INFO, "runs the CLI in-process (typer.testing)"),
    "httpx.MockTransport": (U, Kind.HTTP_MOCK, "mocked HTTP (httpx.MockTransport)"),
    "httpx.ASGITransport": (U, Kind.INFO, "in-process app client, no server (ASGITransport)"),
    "httpx.WSGITransport": (U, Kind.INFO, "in-process app client, no server (WSGITransport)"),
}

# Calls that connect, start or launch something: strong evidence.
CALLS: dict[str, tuple[Category, str]] = {}


def _calls(category: Category, what: str, *names: str) -> None:
    for name in names:
        CALLS[name] = (category, f"calls {name} ({what})")


_calls(
    I,
    "PostgreSQL",
    "psycopg.connect",
    "psycopg.Connection.connect",
    "psycopg.AsyncConnection.connect",
    "psycopg2.connect",
    "psycopg_pool.ConnectionPool",
    "psycopg_pool.AsyncConnectionPool",
    "asyncpg.connect",
    "asyncpg.create_pool",
    "aiopg.connect",
    "aiopg.create_pool",
    "pg8000.connect",
    "pg8000.native.Connection",
)
_calls(
    I,
    "MySQL",
    "pymysql.connect",
    "MySQLdb.connect",
    "mysql.connector.connect",
    "aiomysql.connect",
    "aiomysql.create_pool",
    "asyncmy.connect",
    "asyncmy.create_pool",
)
_calls(I, "MongoDB", "pymongo.MongoClient", "motor.motor_asyncio.AsyncIOMotorClient")
_calls(
    I,
    "Redis",
    "redis.Redis",
    "redis.StrictRedis",
    "redis.from_url",
    "redis.Redis.from_url",
    "redis.ConnectionPool",
    "redis.cluster.RedisCluster",
    "redis.asyncio.Redis",
    "redis.asyncio.from_url",
    "redis.asyncio.Redis.from_url",
    "redis.asyncio.ConnectionPool",
    "aioredis.from_url",
    "aioredis.Redis",
    "aioredis.create_redis_pool",
    "valkey.Valkey",
)
_calls(I, "memcached", "pymemcache.client.base.Client", "aiomcache.Client")
_calls(I, "search engine", "elasticsearch.Elasticsearch", "elasticsearch.AsyncElasticsearch")
_calls(
    I,
    "RabbitMQ",
    "aio_pika.connect",
    "aio_pika.connect_robust",
    "pika.BlockingConnection",
    "aiormq.connect",
)
_calls(
    I,
    "Kafka",
    "kafka.KafkaProducer",
    "kafka.KafkaConsumer",
    "aiokafka.AIOKafkaProducer",
    "aiokafka.AIOKafkaConsumer",
    "confluent_kafka.Producer",
    "confluent_kafka.Consumer",
)
_calls(I, "NATS", "nats.connect")
_calls(I, "Docker", "docker.from_env", "docker.DockerClient", "docker.APIClient")
_calls(I, "ClickHouse", "clickhouse_driver.Client", "clickhouse_connect.get_client")
_calls(I, "Cassandra", "cassandra.cluster.Cluster")
_calls(E, "starts a server", "uvicorn.run", "uvicorn.Server", "hypercorn.asyncio.serve")
_calls(E, "starts a server", "werkzeug.serving.run_simple", "werkzeug.serving.make_server")
_calls(E, "starts a server", "aiohttp.web.run_app")

# SQLAlchemy-style engines: the URL decides (sqlite is in-process, anything else is real).
ENGINE_CALLS = frozenset(
    {
        "sqlalchemy.create_engine",
        "sqlalchemy.engine.create_engine",
        "sqlalchemy.ext.asyncio.create_async_engine",
        "sqlmodel.create_engine",
        "databases.Database",
    }
)
SQLITE_CALLS = frozenset({"sqlite3.connect", "aiosqlite.connect"})
SUBPROCESS_CALLS = frozenset(
    {
        "subprocess.Popen",
        "subprocess.run",
        "subprocess.call",
        "subprocess.check_call",
        "subprocess.check_output",
        "asyncio.create_subprocess_exec",
        "asyncio.create_subprocess_shell",
        "os.system",
    }
)
SERVER_PROGRAMS = frozenset({"uvicorn", "gunicorn", "hypercorn", "daphne", "runserver"})
CONTAINER_PROGRAMS = frozenset({"docker", "docker-compose", "podman"})
ENV_GETTERS = frozenset({"os.getenv", "os.environ.get", "os.environ.__getitem__"})
ENVIRON = "os.environ"
# Methods whose first argument (or `url=`) is where a request goes.
REQUEST_METHODS = frozenset(
    {
        "get",
        "post",
        "put",
        "patch",
        "delete",
        "head",
        "options",
        "request",
        "stream",
        "goto",
        "urlopen",
        "ws_connect",
        "websocket_connect",
    }
)
HTTP_CLIENTS = frozenset(
    {"httpx.Client", "httpx.AsyncClient", "aiohttp.ClientSession", "requests.Session"}
)
# Base classes that run a live server around every test.
LIVE_SERVER_BASES = frozenset(
    {"LiveServerTestCase", "StaticLiveServerTestCase", "ChannelsLiveServerTestCase"}
)

# Fixtures pytest plugins provide (used only when the project defines no fixture by the name).
PLUGIN_FIXTURES: dict[str, tuple[Category, Kind, str]] = {
    "mocker": (U, Kind.MOCK, "mocks (pytest-mock `mocker`)"),
    "class_mocker": (U, Kind.MOCK, "mocks (pytest-mock)"),
    "module_mocker": (U, Kind.MOCK, "mocks (pytest-mock)"),
    "package_mocker": (U, Kind.MOCK, "mocks (pytest-mock)"),
    "session_mocker": (U, Kind.MOCK, "mocks (pytest-mock)"),
    "monkeypatch": (U, Kind.INFO, "patches with `monkeypatch`"),
    "httpx_mock": (U, Kind.HTTP_MOCK, "mocked HTTP (pytest-httpx `httpx_mock`)"),
    "respx_mock": (U, Kind.HTTP_MOCK, "mocked HTTP (respx `respx_mock`)"),
    "requests_mock": (U, Kind.HTTP_MOCK, "mocked HTTP (requests-mock)"),
    "aioresponses": (U, Kind.HTTP_MOCK, "mocked HTTP (aioresponses)"),
    "freezer": (U, Kind.MOCK, "fakes the clock (pytest-freezer)"),
    "time_machine": (U, Kind.MOCK, "fakes the clock (time-machine)"),
    "vcr": (U, Kind.HTTP_MOCK, "recorded HTTP (pytest-recording)"),
    "postgresql": (I, Kind.STRONG, "real PostgreSQL (pytest-postgresql `postgresql`)"),
    "postgresql_proc": (I, Kind.STRONG, "real PostgreSQL (pytest-postgresql)"),
    "postgresql_noproc": (I, Kind.STRONG, "real PostgreSQL (pytest-postgresql)"),
    "redisdb": (I, Kind.STRONG, "real Redis (pytest-redis `redisdb`)"),
    "redis_proc": (I, Kind.STRONG, "real Redis (pytest-redis)"),
    "redis_nooproc": (I, Kind.STRONG, "real Redis (pytest-redis)"),
    "mysql": (I, Kind.STRONG, "real MySQL (pytest-mysql `mysql`)"),
    "mysql_proc": (I, Kind.STRONG, "real MySQL (pytest-mysql)"),
    "rabbitmq": (I, Kind.STRONG, "real RabbitMQ (pytest-rabbitmq `rabbitmq`)"),
    "rabbitmq_proc": (I, Kind.STRONG, "real RabbitMQ (pytest-rabbitmq)"),
    "docker_services": (I, Kind.STRONG, "Docker Compose services (pytest-docker)"),
    "docker_ip": (I, Kind.STRONG, "Docker Compose services (pytest-docker)"),
    "live_server": (E, Kind.STRONG, "live server (`live_server` fixture)"),
    "page": (E, Kind.STRONG, "drives a browser (pytest-playwright `page`)"),
    "browser": (E, Kind.STRONG, "drives a browser (`browser` fixture)"),
    "browser_context": (E, Kind.STRONG, "drives a browser (`browser_context` fixture)"),
    "selenium": (E, Kind.STRONG, "drives a browser (pytest-selenium `selenium`)"),
}

# Marks that are evidence in themselves.
MARK_EVIDENCE: dict[str, tuple[Category, Kind, str]] = {
    "vcr": (U, Kind.HTTP_MOCK, "recorded HTTP (`vcr` mark)"),
    "default_cassette": (U, Kind.HTTP_MOCK, "recorded HTTP (`default_cassette` mark)"),
    "respx": (U, Kind.HTTP_MOCK, "mocked HTTP (`respx` mark)"),
    "httpx_mock": (U, Kind.HTTP_MOCK, "mocked HTTP (`httpx_mock` mark)"),
}

# Environment variables that hold credentials or service addresses.
CREDENTIAL_ENV = re.compile(
    r"(API_?KEY|APIKEY|(^|_)TOKEN$|SECRET|ACCESS_KEY|PASSWORD|PASSWD|CREDENTIALS?$)", re.I
)
SERVICE_ENV = re.compile(
    r"^(PG(HOST|DATABASE|USER)|DATABASE_URL|DB_URL|REDIS_URL|BROKER_URL|MONGO_URI|AMQP_URL"
    r"|(\w*_)?(DATABASE|DB|POSTGRES(QL)?|PG|MYSQL|MONGO(DB)?|REDIS|AMQP|RABBIT(MQ)?|KAFKA"
    r"|BROKER|ELASTIC(SEARCH)?|CACHE)(_\w+)?_(URL|URI|DSN|HOST|BOOTSTRAP_SERVERS))$",
    re.I,
)

# Database URLs: scheme (before any `+driver`) -> what it is.
SERVICE_SCHEMES: dict[str, str] = {
    "postgres": "PostgreSQL",
    "postgresql": "PostgreSQL",
    "cockroachdb": "CockroachDB",
    "mysql": "MySQL",
    "mariadb": "MariaDB",
    "mssql": "SQL Server",
    "oracle": "Oracle",
    "mongodb": "MongoDB",
    "redis": "Redis",
    "rediss": "Redis",
    "amqp": "RabbitMQ",
    "amqps": "RabbitMQ",
    "kafka": "Kafka",
    "clickhouse": "ClickHouse",
}
URL = re.compile(r"^(?P<scheme>[A-Za-z][A-Za-z0-9.+-]*)://(?P<rest>\S*)")
LOCAL_SERVER = re.compile(
    r"^(?:https?|wss?)://(?:localhost|127(?:\.\d{1,3}){3}|0\.0\.0\.0|\[::1\])"
    r":(?:\d+|\{\})(?:[/?#]|$)"
)

# Directory names that hold data files tests read (with `__file__` in the same path).
FIXTURE_DIRS = frozenset(
    {"fixtures", "data", "testdata", "test_data", "golden", "snapshots", "samples", "resources"}
)
# Directories a project sorts its tests into: the layout states the intent.
LAYOUT_DIRS: dict[str, Category] = {
    "unit": U,
    "unit_tests": U,
    "unittests": U,
    "integration": I,
    "integration_tests": I,
    "e2e": E,
    "e2e_tests": E,
    "end_to_end": E,
    "end2end": E,
    "endtoend": E,
}
# Settings that make a task queue run tasks in-process.
EAGER_SETTINGS = frozenset({"task_always_eager", "CELERY_TASK_ALWAYS_EAGER", "CELERY_ALWAYS_EAGER"})

MARKER_HELP: dict[Category, str] = {
    Category.UNIT: "fast, isolated tests (mocks, pure logic, fixture files); no services needed",
    Category.INTEGRATION: "tests that need real services (databases, caches, brokers, "
    "containers, API keys)",
    Category.E2E: "end-to-end tests that drive a browser or a running server",
}


def library(qualname: str) -> tuple[Category, Kind, str] | None:
    """The entry of the longest library prefix of `qualname`."""
    parts = qualname.split(".")
    for end in range(len(parts), 0, -1):
        found = LIBRARIES.get(".".join(parts[:end]))
        if found is not None:
            return found
    return None
