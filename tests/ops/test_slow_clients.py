"""Slow clients against ``pserve production.ini`` as shipped: 200 connections trickling their
headers do not stop a normal client (loopback only; a bounded count and time)."""

import secrets
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request

import pytest
from passlib.hash import pbkdf2_sha256

from tests.conftest import ROOT, free_port

from .conftest import BIN, environment

SLOW_CLIENTS = 200
TRICKLE_EVERY = 1.0  # seconds between two header lines of a slow client
ANSWER_WITHIN = 3.0  # seconds a normal request may take while they trickle


@pytest.fixture
def production_server(tmp_path, sqlite_url, redis_url):
    """``pserve production.ini`` with its environment pointing at the test's database and Redis."""
    port = free_port()
    env = environment(
        TAXAPP_DATABASE_URL=sqlite_url,
        TAXAPP_REDIS_URL=redis_url,
        TAXAPP_SESSION_SECRET=secrets.token_hex(32),
        TAXAPP_USERS=f"admin {pbkdf2_sha256.hash('admin')}",
        TAXAPP_LOG_FILE=str(tmp_path / "taxapp.log"),
    )
    with open(tmp_path / "pserve.out", "wb") as out:
        server = subprocess.Popen(
            [BIN / "pserve", str(ROOT / "production.ini"), f"http_port={port}"],
            env=env,
            cwd=tmp_path,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(300):
            assert server.poll() is None, (tmp_path / "pserve.out").read_text()
            try:
                urllib.request.urlopen(f"{url}/-ready", timeout=1)
            except urllib.error.HTTPError:
                break  # the 404 of an unknown URL: serving
            except OSError:
                time.sleep(0.1)
        else:
            pytest.fail(f"pserve did not answer on {url} within 30 s")
        yield url, port
    finally:
        server.terminate()
        server.wait(10)


def still_open(connection: socket.socket) -> bool:
    """True while the server has not closed the connection (nothing to read, no EOF)."""
    connection.settimeout(0)  # a socket with a timeout would wait for data despite MSG_DONTWAIT
    try:
        return connection.recv(1, socket.MSG_DONTWAIT) != b""
    except BlockingIOError:
        return True
    except OSError:
        return False


def test_two_hundred_slow_clients_do_not_stop_a_normal_one(production_server):
    url, port = production_server
    slow = []
    stop = threading.Event()

    def trickle():
        line = 0
        while not stop.wait(TRICKLE_EVERY):
            line += 1
            for connection in slow:
                try:
                    connection.sendall(f"X-Slow-{line}: 1\r\n".encode())
                except OSError:
                    pass  # closed by the server: counted at the end

    try:
        for _ in range(SLOW_CLIENTS):
            connection = socket.create_connection(("127.0.0.1", port), timeout=5)
            connection.sendall(b"GET /list-simulations HTTP/1.1\r\nHost: 127.0.0.1\r\n")
            slow.append(connection)
        trickler = threading.Thread(target=trickle, daemon=True)
        trickler.start()
        time.sleep(2 * TRICKLE_EVERY)  # every slow connection accepted and trickling
        answers = []
        for _ in range(6):
            started = time.monotonic()
            try:
                with urllib.request.urlopen(f"{url}/init-session/json", timeout=ANSWER_WITHIN) as answer:
                    answers.append((answer.status, answer.read()))
            except OSError as error:
                answers.append((type(error).__name__, str(error)))
            time.sleep(max(0.0, 0.5 - (time.monotonic() - started)))
        held = sum(still_open(connection) for connection in slow)
    finally:
        stop.set()
        for connection in slow:
            connection.close()
    assert (
        answers
        == [(200, b'{"action":"init-session","status":700,"response":["session started with response type json"]}')] * 6
    )
    assert held >= SLOW_CLIENTS * 0.9  # the slow clients were really there, holding their connections
