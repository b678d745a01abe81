"""Real processes for the scale tests: ``pserve`` on generated ini files, and an HTTP
client keeping its session cookie in a ``CookieJar`` (requests go to 127.0.0.1 only)."""

import configparser
import json
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path
from urllib.parse import urlencode

import pytest

from tests.conftest import (
    LOGIN_KEY_PREFIX,
    POSTGRES_ADMIN_URL,
    TESTING_INI,
    _server_database,
    alembic_config,
    free_port,
    testing_settings,
)

BIN = Path(sys.executable).parent

TAXPAYER = {"married": "no", "children": "1", "salary": "42000"}
UNAVAILABLE = ["service temporarily unavailable"]


class Load(threading.Thread):
    """calculate-tax requests one after another in one session, for at most ``seconds``."""

    def __init__(self, client, seconds: float, max_requests: int = 5000):
        super().__init__(daemon=True)
        self.client = client
        self.deadline = time.monotonic() + seconds
        self.max_requests = max_requests
        self.answers = []  # (time answered, HTTP status, result)
        self.slowest = 0.0  # seconds, the longest wait for an answer
        self.halt = threading.Event()

    def run(self):
        while not self.halt.is_set() and time.monotonic() < self.deadline and len(self.answers) < self.max_requests:
            sent = time.monotonic()
            try:
                status, result = self.client.call("/calculate-tax", TAXPAYER)
            except OSError as error:  # no answer within the client's timeout, or none at all
                status, result = None, repr(error)
            self.answers.append((time.monotonic(), status, result))
            self.slowest = max(self.slowest, self.answers[-1][0] - sent)
            if status != 200:
                time.sleep(0.01)  # a client that retries, not a busy loop

    def acknowledged(self, until=float("inf")):
        return {result["response"]["id"] for at, status, result in self.answers if status == 200 and at < until}


class Pserve:
    """``pserve`` on testing.ini with the test's database, Redis and port, the test run's
    login counters and the given ``settings``; log under ``directory``."""

    def __init__(
        self, directory: Path, database_url: str, redis_url: str, name: str = "pserve", settings: dict | None = None
    ):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        ini = configparser.ConfigParser(interpolation=None)
        ini.optionxform = str
        ini.read(TESTING_INI)
        app = ini["app:main"]
        app.update(
            {
                "sqlalchemy.url": database_url,
                "redis.url": redis_url,
                "taxapp.login.key_prefix": LOGIN_KEY_PREFIX,
                **(settings or {}),
            }
        )
        ini["DEFAULT"]["http_port"] = str(self.port)
        ini["handler_file"]["args"] = repr((str(directory / f"{name}.log"),))
        self.ini = directory / f"{name}.ini"
        with open(self.ini, "w") as out:
            ini.write(out)
        self.output = directory / f"{name}.out"
        with open(self.output, "wb") as out:
            self.process = subprocess.Popen(
                [BIN / "pserve", self.ini], cwd=directory, stdout=out, stderr=subprocess.STDOUT
            )

    def wait_ready(self, seconds: float = 30) -> "Pserve":
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            assert self.process.poll() is None, f"pserve exited:\n{self.output.read_text()}"
            try:
                urllib.request.urlopen(f"{self.url}/-ready", timeout=1)
            except urllib.error.HTTPError:
                return self  # the 404 of an unknown URL: serving (and no session touched)
            except OSError:
                time.sleep(0.1)
        raise AssertionError(f"pserve did not answer on {self.url}")

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def stop(self) -> None:
        if self.running:
            self.process.terminate()
            self.process.wait(10)


@pytest.fixture
def start_pserve(tmp_path):
    """``start_pserve(database_url, redis_url, name, settings)``: started processes; stopped after the test."""
    started = []

    def start(database_url, redis_url, name="pserve", settings=None):
        started.append(Pserve(tmp_path, database_url, redis_url, name, settings))
        return started[-1]

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def postgres_url():
    """A fresh PostgreSQL database brought to head by the migrations (skips if none answers)."""
    from alembic import command

    base = POSTGRES_ADMIN_URL.rsplit("/", 1)[0]
    for url in _server_database(
        POSTGRES_ADMIN_URL,
        'CREATE DATABASE "{name}"',
        'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)',
        lambda name: f"{base}/{name}",
    ):
        command.upgrade(alembic_config(url), "head")
        yield url


class Client:
    """One browser-like client: its cookies in a CookieJar, answers as (HTTP status, result)
    (the parsed JSON, or the text of another format)."""

    def __init__(self, base: str):
        self.base = base
        self.jar = CookieJar()
        self.opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(self.jar))

    def call(
        self,
        path: str,
        form: dict | None = None,
        base: str | None = None,
        body: bytes | None = None,
        content_type: str = "application/x-www-form-urlencoded",
    ):
        if form is not None:
            body = urlencode(form).encode()
        request = urllib.request.Request((base or self.base) + path, data=body)
        if body is not None:
            request.add_header("Content-Type", content_type)
        return _answer(self.opener.open, request)

    def login(self, base: str | None = None) -> "Client":
        assert self.call("/init-session/json", base=base)[0] == 200
        assert self.call("/authenticate-user", {"user": "admin", "password": "admin"}, base=base)[0] == 200
        return self

    @property
    def cookie(self) -> str:
        return next(f"{c.name}={c.value}" for c in self.jar if c.name == "session")


def fetch(base: str, path: str, cookie: str):
    """GET ``path`` with a fixed ``Cookie`` header (whatever the answer sets): (status, result);
    the result is the parsed JSON, or the text of another format."""
    return _answer(urllib.request.urlopen, urllib.request.Request(base + path, headers={"Cookie": cookie}))


def _answer(open_, request):
    try:
        answer = open_(request, timeout=10)
    except urllib.error.HTTPError as error:
        answer = error
    with answer:
        body = answer.read()
        if answer.headers.get_content_type() == "application/json":
            return answer.status, json.loads(body)
        return answer.status, body.decode()


def session_id(cookie: str) -> str:
    """The Redis key of the session a ``session=…`` cookie names (testing.ini's secret)."""
    from taxapp.session_store import session_id_from_cookie

    secret = testing_settings()["redis.sessions.secret"]
    return session_id_from_cookie(cookie.split("=", 1)[1], secret)
