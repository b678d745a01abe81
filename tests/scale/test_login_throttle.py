"""Login throttling across processes: two ``pserve`` sharing one Redis count failures together."""

import uuid

from tests.scale.conftest import Client

MAX_FAILURES = 10  # testing.ini's (and the default) limit


def test_failures_on_two_processes_are_counted_together(start_pserve, sqlite_url, redis_url):
    settings = {"taxapp.login.key_prefix": f"taxapp-test:{uuid.uuid4().hex}:login:"}
    one = start_pserve(sqlite_url, redis_url, "one", settings)
    other = start_pserve(sqlite_url, redis_url, "other", settings)
    one.wait_ready(), other.wait_ready()

    guesser = Client(one.url)
    assert guesser.call("/init-session/json")[0] == 200
    for n in range(MAX_FAILURES):  # split between the two processes
        status, answer = guesser.call(
            "/authenticate-user", {"user": "admin", "password": f"guess{n}"}, base=(one.url, other.url)[n % 2]
        )
        assert (status, answer["response"]) == (401, ["Authentication failed"])

    for server in (one, other):  # the next one is refused on either, the right password unchecked
        status, answer = guesser.call("/authenticate-user", {"user": "admin", "password": "admin"}, base=server.url)
        assert status == 429 and answer["status"] == 201
        assert answer["response"][0].startswith("Too many failed attempts: try again in ")
    assert one.running and other.running
