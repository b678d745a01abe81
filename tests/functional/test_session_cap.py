"""The cap on the simulations of one session (``taxapp.max_simulations``).

The test application keeps at most ``MOST`` simulations a session, so that the cap
is reached with a few requests.
"""

import json
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from webtest import TestApp

from taxapp import main
from tests.conftest import LiveServer, app_settings, session_keys
from tests.functional.answers import check, read
from tests.functional.conftest import start

MOST = 5
TAXPAYER = {"married": "yes", "children": "2", "salary": "55555"}


def full_message(held):
    return f"The session already holds {held} simulations, the most it may keep is {MOST}: delete some"


@pytest.fixture(scope="module")
def capped_app(sqlite_url, redis_url):
    return main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.max_simulations": str(MOST)}))


@pytest.fixture
def capped(capped_app):
    return TestApp(capped_app)


def batch(client, n, status=200):
    body = json.dumps([{"married": "no", "children": 0, "salary": 30000 + i} for i in range(n)])
    return client.post("/calculate-taxes", body, content_type="application/json", status=status)


def stored(client, redis_url):
    """(the simulations kept in Redis, the session's last id) read from Redis itself."""
    _, simulations, counter = session_keys(client, redis_url)
    store = redis.Redis.from_url(redis_url)
    try:
        return store.zcard(simulations), int(store.get(counter) or 0)
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_the_cap_is_reached_exactly_then_a_calculation_is_refused_and_nothing_stored(capped, redis_url, fmt):
    start(capped, fmt)
    for _ in range(MOST):
        resp = capped.post("/calculate-tax", TAXPAYER)
        assert read(resp, fmt)[1] == 300
    assert stored(capped, redis_url) == (MOST, MOST)

    resp = capped.post("/calculate-tax", TAXPAYER, status=400)
    check(resp, fmt, "calculate-tax", 301, [full_message(MOST)])
    resp = batch(capped, 1, status=400)
    check(resp, fmt, "calculate-taxes", 1501, [full_message(MOST)])
    # nothing stored and no id used up
    assert stored(capped, redis_url) == (MOST, MOST)


def test_a_batch_that_would_cross_the_cap_is_refused_whole(capped, redis_url):
    start(capped, "json")
    batch(capped, MOST - 2)
    resp = batch(capped, 3, status=400)
    check(resp, "json", "calculate-taxes", 1501, [full_message(MOST - 2)])
    assert stored(capped, redis_url) == (MOST - 2, MOST - 2)
    # the two that fit are accepted, with the next ids
    resp = batch(capped, 2)
    assert [s["id"] for s in resp.json["response"]] == [MOST - 1, MOST]


def test_a_batch_larger_than_the_cap_is_refused_in_an_empty_session(capped, redis_url):
    start(capped, "json")
    resp = batch(capped, MOST + 1, status=400)
    check(resp, "json", "calculate-taxes", 1501, [full_message(0)])
    resp = batch(capped, MOST)
    assert [s["id"] for s in resp.json["response"]] == list(range(1, MOST + 1))


def test_deleting_a_simulation_makes_room_and_ids_are_not_reused(capped):
    start(capped, "json")
    batch(capped, MOST)
    capped.post("/calculate-tax", TAXPAYER, status=400)
    capped.get("/delete-simulation/2")
    resp = capped.post("/calculate-tax", TAXPAYER)
    assert resp.json["response"]["id"] == MOST + 1
    listed = capped.get("/list-simulations").json["response"]
    assert [s["id"] for s in listed] == [1, 3, 4, 5, MOST + 1]
    capped.post("/calculate-tax", TAXPAYER, status=400)


def test_the_html_tax_page_shows_the_refusal(capped):
    from tests.functional.test_html import alerts, calculate, html_page, login

    page = login(capped)
    for _ in range(MOST):
        page = calculate(capped, page).follow()
    resp = calculate(capped, page, status=400)
    assert alerts(html_page(resp, http=400)) == [
        f"Your list already holds {MOST} simulations, the most a session may keep: delete some to calculate again."
    ]


def test_concurrent_calculations_never_pass_the_cap(capped_app):
    """Many requests of one session at once, through a real waitress: exactly the cap is kept."""
    from tests.scale.conftest import Client

    server = LiveServer(capped_app, threads=8)
    try:
        client = Client(server.url).login()
        two = json.dumps([TAXPAYER, TAXPAYER]).encode()
        requests = [{"form": TAXPAYER}] * 12 + [{"body": two, "content_type": "application/json"}] * 12
        path = {"form": "/calculate-tax", "body": "/calculate-taxes"}
        with ThreadPoolExecutor(16) as pool:
            answers = list(pool.map(lambda kw: client.call(path[next(iter(kw))], **kw), requests))
        assert {status for status, _ in answers} == {200, 400}
        refused = [data for status, data in answers if status == 400]
        assert all(
            d["status"] in (301, 1501) and d["response"][0].startswith("The session already holds") for d in refused
        )
        given = sorted(
            s["id"]
            for status, data in answers
            if status == 200
            for s in (data["response"] if isinstance(data["response"], list) else [data["response"]])
        )
        kept = sorted(s["id"] for s in client.call("/list-simulations")[1]["response"])
        # never past the cap, never an id given to a refused request
        assert len(kept) <= MOST and kept == given
        assert kept == list(range(1, len(kept) + 1))
        assert len(kept) >= MOST - 1  # refusals only once it could not take a whole request
    finally:
        server.close()
