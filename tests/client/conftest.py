"""A real taxapp served by waitress in a thread, on a real Redis, for the client tests."""

import json
import socket
import subprocess
import sys

import pytest

from taxapp.client import TaxappClient
from tests.conftest import DATA, LiveServer

#: The user of testing.ini (development.ini's too).
USER, PASSWORD = "admin", "admin"

#: Every published result of the original application, by (married, children, salary).
COURSE_CASES = {
    (case["married"], case["children"], case["salary"]): case
    for case in json.loads((DATA / "course-cases.json").read_text())
}


@pytest.fixture(scope="session")
def server_url(app):
    """The base URL of taxapp served by a real waitress on 127.0.0.1 (a free port)."""
    with LiveServer(app) as server:
        yield server.url


@pytest.fixture
def dead_url():
    """A URL where nothing answers: a port held by a socket that does not listen."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        yield f"http://127.0.0.1:{sock.getsockname()[1]}"


@pytest.fixture(params=["json", "xml"])
def response_type(request):
    return request.param


@pytest.fixture
def client(server_url, response_type):
    """A logged-in client, in each response type; its session is ended afterwards."""
    with TaxappClient(server_url, response_type, timeout=30) as client:
        client.login(USER, PASSWORD)
        yield client


@pytest.fixture
def client_env(server_url, monkeypatch):
    """The environment the in-process ``taxapp-client`` reads: this server, the development user."""
    monkeypatch.setenv("TAXAPP_URL", server_url)
    monkeypatch.setenv("TAXAPP_USER", USER)
    monkeypatch.setenv("TAXAPP_PASSWORD", PASSWORD)


def run_command(*args, env, input_text=None):
    """``taxapp-client`` in its own process, as a user runs it (stdin not a terminal)."""
    return subprocess.run(
        [sys.executable, "-m", "taxapp.client.cli", *args],
        env=env,
        input=input_text if input_text is not None else "",
        capture_output=True,
        text=True,
        timeout=60,
    )
