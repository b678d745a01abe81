"""Sessions before sign-in (docs/security.md): a short lifetime, renewed as they are used,
and the sessions one address starts bounded in the login throttle's way.

Each test has an application of its own, its counters under a prefix of its own.
"""

import re
import uuid

import pytest
import redis
from webtest import TestApp

from taxapp import main
from tests.conftest import app_settings, session_keys
from tests.functional.answers import read
from tests.functional.test_html import BROWSER, html_page, text

BEFORE_SIGN_IN = 120
MOST = 3
REFUSED = re.compile(r"Too many new sessions from this address: try again in (\d+) seconds")


@pytest.fixture
def app(sqlite_url, redis_url):
    return main(
        {},
        **app_settings(
            sqlite_url,
            redis_url,
            **{
                "redis.sessions.timeout_before_sign_in": str(BEFORE_SIGN_IN),
                "taxapp.sessions.max_new_per_address": str(MOST),
                "taxapp.sessions.window": "60",
                "taxapp.sessions.key_prefix": f"taxapp-test:{uuid.uuid4().hex}:new-sessions:",
            },
        ),
    )


def browser(app, address="192.0.2.50"):
    return TestApp(app, extra_environ={"REMOTE_ADDR": address})


def ttl(client, redis_url):
    store = redis.Redis.from_url(redis_url)
    try:
        return store.ttl(session_keys(client, redis_url)[0])
    finally:
        store.close()


@pytest.mark.parametrize("fmt", ["json", "xml", "html"])
def test_a_session_before_sign_in_lives_a_short_time_renewed_as_used(app, redis_url, fmt):
    """Each init-session stored a 30-minute session (700 a second from one client)."""
    client = browser(app)
    client.get(f"/init-session/{fmt}")
    assert 0 < ttl(client, redis_url) <= BEFORE_SIGN_IN
    store = redis.Redis.from_url(redis_url)
    store.expire(session_keys(client, redis_url)[0], 5)
    store.close()
    client.get(f"/init-session/{fmt}")  # used: renewed
    assert BEFORE_SIGN_IN - 5 <= ttl(client, redis_url) <= BEFORE_SIGN_IN


def test_a_sign_in_gives_the_session_its_whole_lifetime(app, redis_url, settings):
    client = browser(app)
    client.get("/init-session/json")
    client.post("/authenticate-user", {"user": "admin", "password": "admin"})
    idle = int(settings["redis.sessions.timeout"])
    assert idle <= ttl(client, redis_url) <= idle + 60
    client.post("/calculate-tax", {"married": "no", "children": "0", "salary": "1"})
    store = redis.Redis.from_url(redis_url)
    assert all(idle <= store.ttl(key) <= idle + 60 for key in session_keys(client, redis_url))
    store.close()


def refused_for(resp):
    assert resp.status_int == 429 and "Set-Cookie" not in resp.headers
    action, status, (message,) = read(resp, "json")  # no session type yet: JSON, as the contract says
    assert (action, status) == ("init-session", 701)
    seconds = int(REFUSED.fullmatch(message).group(1))
    assert resp.headers["Retry-After"] == str(seconds) and 0 < seconds <= 60
    return seconds


def test_the_sessions_one_address_starts_are_bounded(app):
    for _ in range(MOST):
        browser(app).get("/init-session/json", status=200)
    refused_for(browser(app).get("/init-session/xml", status=429))
    refused_for(browser(app).get("/init-session/html", headers=BROWSER, status=429))
    browser(app, "192.0.2.51").get("/init-session/json", status=200)  # another address is not refused
    browser(app, "2001:db8:5::1").get("/init-session/json", status=200)


def test_only_new_sessions_count(app):
    client = browser(app)
    client.get("/init-session/json")
    for fmt in ("xml", "html", "json", "xml"):  # the same session, its type changed: not new
        client.get(f"/init-session/{fmt}", status=200)
    client.get("/init-session/bogus", status=400)
    for _ in range(MOST - 1):
        browser(app).get("/init-session/json", status=200)
    refused_for(browser(app).get("/init-session/json", status=429))


def test_a_form_posted_without_a_session_past_the_bound_starts_none(app, redis_url):
    """The sign-in page a browser gets for a form posted without a session starts one for
    its form: past the bound, the refusal's page, and no session."""
    for _ in range(MOST):
        browser(app).get("/init-session/json", status=200)
    client = browser(app)
    resp = client.post("/calculate-tax", {"married": "no"}, headers=BROWSER, status=429)
    soup = html_page(resp, 429)
    assert "Too many sessions were started from your network" in text(soup)
    assert "Set-Cookie" not in resp.headers and resp.headers["Retry-After"].isdigit()
    assert soup.find("form") is None
