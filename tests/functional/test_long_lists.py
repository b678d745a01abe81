"""Answers that grow with the session (docs/security.md): list-simulations and
delete-simulation answer every simulation, as the contract says, written as they are
read from Redis a chunk at a time; the HTML list is paged (tests/functional/test_html.py).
"""

import http.client
import json
import tracemalloc

import pytest
from webob import Request
from webtest import TestApp

from taxapp import main
from taxapp.simulations import CHUNK
from tests.conftest import app_settings
from tests.functional.answers import read

MANY = 2 * CHUNK + 500  # three chunks
CAP = 10_000


@pytest.fixture(scope="module")
def big_app(sqlite_url, redis_url):
    return main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.max_simulations": str(CAP)}))


def holding(app, count, fmt="json"):
    """A signed-in client of type ``fmt`` whose session holds ``count`` simulations."""
    client = TestApp(app)
    client.get("/init-session/json")
    client.post("/authenticate-user", {"user": "admin", "password": "admin"})
    body = json.dumps([{"married": "yes", "children": n % 4, "salary": 20000 + n} for n in range(count)])
    calculated = client.post("/calculate-taxes", body, content_type="application/json").json["response"]
    client.get(f"/init-session/{fmt}")
    return client, calculated


def served(app, client, path, method="GET"):
    """(status, headers, the body's parts as the WSGI application yields them)."""
    request = Request.blank(path, method=method, headers={"Cookie": f"session={client.cookies['session']}"})
    started = {}
    body = app(request.environ, lambda status, headers, exc_info=None: started.update(status=status, headers=headers))
    try:
        parts = list(body)
    finally:
        if hasattr(body, "close"):
            body.close()
    return started["status"], dict(started["headers"]), parts


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_long_list_is_the_contracts_answer_sent_in_parts(big_app, fmt):
    client, calculated = holding(big_app, MANY, fmt)
    client.get("/delete-simulation/1000")  # a hole where a chunk ends
    expected = [s for s in calculated if s["id"] != 1000]
    status, headers, parts = served(big_app, client, "/list-simulations")
    assert status == "200 OK" and "Content-Length" not in headers and len(parts) > 3
    resp = client.get("/list-simulations")
    action, app_status, response = read(resp, fmt)
    assert (action, app_status) == ("list-simulations", 500)
    if fmt == "json":
        assert response == expected
    else:
        assert [int(s["id"]) for s in response] == [s["id"] for s in expected]
        assert response[0] == {key: str(value) for key, value in expected[0].items()}
    deleted = client.get("/delete-simulation/2")  # the remaining ones, the same way
    assert read(deleted, fmt)[1] == 600 and len(read(deleted, fmt)[2]) == MANY - 2


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_list_of_one_chunk_is_answered_whole_as_before(big_app, fmt):
    client, _ = holding(big_app, CHUNK - 1, fmt)
    status, headers, parts = served(big_app, client, "/list-simulations")
    assert len(parts) == 1 and headers["Content-Length"] == str(len(parts[0]))
    assert served(big_app, client, "/list-simulations", method="HEAD")[2] in ([], [b""])


def test_a_long_list_through_waitress_is_chunked(big_app):
    from tests.conftest import LiveServer

    client, calculated = holding(big_app, MANY)
    with LiveServer(big_app, threads=2) as server:
        host, port = server.url.removeprefix("http://").split(":")
        connection = http.client.HTTPConnection(host, int(port), timeout=20)
        connection.request("GET", "/list-simulations", headers={"Cookie": f"session={client.cookies['session']}"})
        resp = connection.getresponse()
        body = resp.read()
        connection.close()
    assert resp.status == 200 and resp.getheader("Transfer-Encoding") == "chunked"
    assert json.loads(body)["response"] == calculated


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_memory_a_list_at_the_cap_needs_is_bounded(big_app, fmt):
    """A list of 10,000 simulations (1.1 MB of JSON, 1.9 MB of XML) allocated 20.7 MiB
    at its peak, decoded and encoded whole; a few chunks' worth now (0.8 MiB measured)."""
    client, _ = holding(big_app, CAP, fmt)
    tracemalloc.start()
    try:
        size = sum(map(len, served(big_app, client, "/list-simulations")[2]))
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert size > 10**6
    assert peak < 3 * 2**20, f"{peak / 2**20:.1f} MiB"
