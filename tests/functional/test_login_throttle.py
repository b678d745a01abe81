"""Login throttling: failed logins counted in Redis per user name and per client address.

Each test has an application of its own with small limits and counters under a
prefix of its own, so that no other test's logins count.
"""

import logging
import re
import time
import uuid
from concurrent.futures import ThreadPoolExecutor

import pytest
import redis
from webtest import TestApp

from taxapp import main
from tests.conftest import LiveServer, app_settings
from tests.functional.answers import check, read

MAX_USER, MAX_ADDRESS = 3, 5
REFUSED = re.compile(r"Too many failed attempts: try again in (\d+) seconds")


def throttled_app(sqlite_url, redis_url, window=300):
    prefix = f"taxapp-test:{uuid.uuid4().hex}:login:"
    return main(
        {},
        **app_settings(
            sqlite_url,
            redis_url,
            **{
                "taxapp.login.max_failures": str(MAX_USER),
                "taxapp.login.max_failures_per_address": str(MAX_ADDRESS),
                "taxapp.login.window": str(window),
                "taxapp.login.key_prefix": prefix,
            },
        ),
    )


@pytest.fixture
def app(sqlite_url, redis_url):
    return throttled_app(sqlite_url, redis_url)


def client(app, address="192.0.2.1", fmt="json"):
    """A new session of one browser at ``address``."""
    testapp = TestApp(app, extra_environ={"REMOTE_ADDR": address})
    testapp.get(f"/init-session/{fmt}")
    return testapp


def attempt(testapp, user="admin", password="wrong", status="*"):
    return testapp.post("/authenticate-user", {"user": user, "password": password}, status=status)


def refused_for(resp, fmt="json"):
    """The seconds a 429 answer asks to wait (checked against its Retry-After header)."""
    assert resp.status_int == 429
    action, status, messages = read(resp, fmt)
    assert (action, status) == ("authenticate-user", 201)
    (message,) = messages
    seconds = int(REFUSED.fullmatch(message).group(1))
    assert resp.headers["Retry-After"] == str(seconds)
    return seconds


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_after_max_failures_the_user_is_refused_even_with_the_right_password(app, fmt):
    testapp = client(app, fmt=fmt)
    for _ in range(MAX_USER):
        check(attempt(testapp), fmt, "authenticate-user", 201, ["Authentication failed"], http=401)
    seconds = refused_for(attempt(testapp, password="admin"), fmt)
    assert 295 <= seconds <= 300
    # the password was not checked: still not signed in
    resp = testapp.get("/list-simulations", status=400)
    assert read(resp, fmt)[1] == 101
    # from another address and another session, the user name is refused too
    refused_for(attempt(client(app, "198.51.100.7"), password="admin"))
    # another user name is not
    attempt(testapp, user="someone", status=401)


def test_the_address_is_refused_after_its_limit_whatever_the_user_name(app):
    testapp = client(app, "192.0.2.10")
    for n in range(MAX_ADDRESS):
        attempt(testapp, user=f"user{n}", status=401)
    refused_for(attempt(testapp, user="admin", password="admin"))
    # another address is not refused
    attempt(client(app, "192.0.2.11"), password="admin", status=200)


def test_a_forged_forwarded_header_does_not_make_a_new_address(app):
    testapp = client(app, "192.0.2.40")
    for n in range(MAX_ADDRESS + 2):
        resp = testapp.post(
            "/authenticate-user",
            {"user": f"user{n}", "password": "x"},
            status="*",
            headers={"X-Forwarded-For": f"203.0.113.{n}"},
        )
    refused_for(resp)


def test_behind_a_trusted_proxy_the_forwarded_client_is_counted(app):
    """waitress trusting the proxy on 127.0.0.1 (as production.ini does): each client
    it names is counted on its own, and the proxy itself is never refused for them."""
    from tests.scale.conftest import Client

    proxied = {"trusted_proxy": "127.0.0.1", "trusted_proxy_headers": "x-forwarded-for"}
    with LiveServer(app, threads=4, clear_untrusted_proxy_headers=True, **proxied) as server:
        base = server.url

        def attempt_from(address, user, password="x"):
            browser = Client(base)
            browser.opener.addheaders = [("X-Forwarded-For", address)]
            assert browser.call("/init-session/json")[0] == 200
            return browser.call("/authenticate-user", {"user": user, "password": password})[0]

        assert [attempt_from("203.0.113.1", f"user{n}") for n in range(MAX_ADDRESS + 1)] == [401] * MAX_ADDRESS + [429]
        assert attempt_from("203.0.113.2", "admin", "admin") == 200


def test_an_ipv6_client_is_counted_by_its_64_network(app):
    for n in range(MAX_ADDRESS):
        attempt(client(app, f"2001:db8:1:2::{n + 1}"), user=f"user{n}", status=401)
    refused_for(attempt(client(app, "2001:db8:1:2:ffff::9"), user="admin", password="admin"))
    attempt(client(app, "2001:db8:1:3::1"), user="admin", password="admin", status=200)


def test_a_success_resets_the_user_counter_and_successes_do_not_count_for_the_address(app):
    # an address with more good logins than its limit is never refused
    for _ in range(MAX_ADDRESS + 2):
        attempt(client(app, "192.0.2.20"), password="admin", status=200)
    testapp = client(app)
    for _ in range(MAX_USER - 1):
        attempt(testapp, status=401)
    attempt(testapp, password="admin", status=200)
    for _ in range(MAX_USER):
        attempt(testapp, status=401)
    refused_for(attempt(testapp))


def test_bad_parameters_are_not_counted(app):
    testapp = client(app)
    for _ in range(MAX_ADDRESS + 1):
        testapp.post("/authenticate-user", {"user": "admin"}, status=400)
    for _ in range(MAX_USER):
        attempt(testapp, status=401)
    refused_for(attempt(testapp))


def test_the_counters_expire_by_themselves(app, redis_url):
    testapp = client(app)
    attempt(testapp, status=401)
    prefix = app.registry["login_throttle"].prefix
    store = redis.Redis.from_url(redis_url)
    try:
        keys = list(store.scan_iter(f"{prefix}*"))
        assert len(keys) == 2 and all(0 < store.ttl(key) <= 300 for key in keys)
    finally:
        store.close()


def test_the_window_ends_and_a_refused_attempt_does_not_extend_it(sqlite_url, redis_url):
    window = 2
    app = throttled_app(sqlite_url, redis_url, window=window)
    testapp = client(app)
    first = time.monotonic()
    for _ in range(MAX_USER):
        attempt(testapp, status=401)
    assert refused_for(attempt(testapp)) <= window
    # refused attempts through the window: none of them extends it
    while time.monotonic() < first + window - 0.5:
        refused_for(attempt(testapp, password="admin"))
        time.sleep(0.2)
    time.sleep(max(0.0, first + window + 0.3 - time.monotonic()))
    # the window that began with the first failure is over: a new one begins
    attempt(testapp, status=401)
    attempt(testapp, password="admin", status=200)


def test_concurrent_guesses_never_get_more_passwords_checked_than_the_limit(app):
    """Many wrong guesses at once, through a real waitress: exactly the limit is checked."""
    from tests.scale.conftest import Client

    server = LiveServer(app, threads=8)
    try:

        def guess(_):
            guesser = Client(server.url)
            assert guesser.call("/init-session/json")[0] == 200
            return guesser.call("/authenticate-user", {"user": "admin", "password": "wrong"})

        with ThreadPoolExecutor(12) as pool:
            answers = list(pool.map(guess, range(24)))
    finally:
        server.close()
    statuses = sorted(status for status, _ in answers)
    assert statuses == [401] * MAX_USER + [429] * (24 - MAX_USER)


def test_the_html_login_page_shows_the_refusal_with_429(app):
    from tests.functional.test_html import alerts, html_page, token, value

    testapp = TestApp(app, extra_environ={"REMOTE_ADDR": "192.0.2.30"})
    page = testapp.get("/init-session/html")
    for _ in range(MAX_USER):
        page = testapp.post(
            "/authenticate-user", {"user": "admin", "password": "x", "csrf_token": token(page)}, status=401
        )
    resp = testapp.post(
        "/authenticate-user", {"user": "admin", "password": "admin", "csrf_token": token(page)}, status=429
    )
    soup = html_page(resp, http=429)
    (message,) = alerts(soup)
    seconds = int(REFUSED.fullmatch(message).group(1))
    assert resp.headers["Retry-After"] == str(seconds)
    assert soup.find("input", attrs={"name": "password"}) is not None and value(soup, "user") == "admin"


def test_failed_and_throttled_logins_are_logged_with_the_client_address(app, caplog):
    """An operator (or fail2ban) must see where the guesses come from; the name is
    logged printable (a line break cannot forge a line), never a password."""
    testapp = client(app, "192.0.2.77")
    with caplog.at_level(logging.INFO, logger="taxapp"):
        for _ in range(MAX_USER):
            attempt(testapp, user="adm\nin", password="guess-1", status=401)
        attempt(testapp, user="adm\nin", password="guess-2", status=429)
        attempt(testapp, user="admin", password="admin", status=200)
    lines = [r.getMessage() for r in caplog.records if r.name == "taxapp.logins"]
    assert lines[:MAX_USER] == ["failed login: user=adm%0Ain address=192.0.2.77"] * MAX_USER
    assert re.fullmatch(r"throttled login: user=adm%0Ain address=192\.0\.2\.77 retry_after=\d+s", lines[MAX_USER])
    assert len(lines) == MAX_USER + 1  # a success is not a warning
    assert "guess" not in caplog.text


@pytest.mark.parametrize(
    "forwarded, counted",
    [
        ("2001:db8:1:2::1", "2001:db8:1:2::/64"),
        ("2001:DB8:1:2:0:0:0:ff", "2001:db8:1:2::/64"),  # another spelling, the same network
        ("[2001:db8:1:2::9]:443", "2001:db8:1:2::/64"),
        ("fe80::1%eth0", "fe80::/64"),
        ("[::ffff:192.0.2.5]", "192.0.2.5"),
        ("192.0.2.5:8080", "192.0.2.5"),
    ],
)
def test_a_forwarded_address_is_counted_normalised(app, redis_url, forwarded, counted):
    """What a trusted proxy names becomes REMOTE_ADDR (waitress); the counter's key is its
    normalised address or /64, never the text as sent."""
    proxied = {"trusted_proxy": "127.0.0.1", "trusted_proxy_headers": "x-forwarded-for"}
    with LiveServer(app, threads=2, clear_untrusted_proxy_headers=True, **proxied) as server:
        from tests.scale.conftest import Client

        browser = Client(server.url)
        browser.opener.addheaders = [("X-Forwarded-For", forwarded)]
        assert browser.call("/init-session/json")[0] == 200
        assert browser.call("/authenticate-user", {"user": "someone", "password": "x"})[0] == 401
    key = f"{app.registry['login_throttle'].prefix}{{counters}}:address:{counted}"
    store = redis.Redis.from_url(redis_url)
    assert store.get(key) == b"1"
    store.close()


@pytest.mark.parametrize("address", ["unknown", "x" * 5000, "01.2.3.4", "192.0.2.300", "_hidden", "2001:db8::/64"])
def test_a_client_address_that_is_not_an_ip_address_is_refused(app, address, caplog):
    """Such a REMOTE_ADDR (a proxy's X-Forwarded-For as sent) became a Redis key as it was."""
    testapp = TestApp(app, extra_environ={"REMOTE_ADDR": address})
    with caplog.at_level(logging.WARNING, logger="taxapp"):
        resp = testapp.get("/init-session/json", status=400)
    assert (
        resp.content_type == "text/plain" and resp.text == "400 Bad Request: the client address is not an IP address\n"
    )
    assert "Set-Cookie" not in resp.headers
    testapp.post("/authenticate-user", {"user": "admin", "password": "x"}, status=400)
    assert any("not an IP address" in r.getMessage() for r in caplog.records)
