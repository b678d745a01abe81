"""Failure paths: Redis down, a bug in a view, bad configuration, sessions that are not."""

import logging
import time

import pytest
from webtest import TestApp

from taxapp import main
from tests.conftest import app_settings
from tests.functional.answers import check
from tests.functional.conftest import start

NO_SESSION = ["No session in progress. Start with action [init-session]"]


def wait_for(condition, seconds=5.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.05)
    return False


# --- the session store ---------------------------------------------------------------


def test_redis_down_is_503_then_service_resumes_with_the_session(sqlite_url, own_redis):
    client = TestApp(main({}, **app_settings(sqlite_url, own_redis.url)))
    start(client, "xml")
    client.post("/calculate-tax", {"married": "yes", "children": "2", "salary": "55555"})
    cookie = client.cookies["session"]

    own_redis.stop()
    resp = client.get("/list-simulations", status=503)
    check(resp, "json", "list-simulations", 131, ["service temporarily unavailable"])
    assert "Set-Cookie" not in resp.headers and client.cookies["session"] == cookie
    client.get("/init-session/json", status=503)

    own_redis.start()  # appendonly: what was acknowledged is still there
    resp = client.get("/list-simulations", status=200)
    assert "<salary>55555</salary>" in resp.text


def test_redis_unreachable_at_start_exits_1(sqlite_url, capsys):
    from tests.conftest import free_port

    with pytest.raises(SystemExit) as exit_:
        main({}, **app_settings(sqlite_url, f"redis://127.0.0.1:{free_port()}/0"))
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "Redis unreachable" in err and "Traceback" not in err


# --- sessions ----------------------------------------------------------------------------


def test_a_forged_or_tampered_cookie_is_no_session(testapp):
    start(testapp, "json")
    good = testapp.cookies["session"]
    for value in ("forged", good[:-4] + "AAAA", "x" * 300):
        testapp.set_cookie("session", value)
        check(testapp.get("/list-simulations", status=400), "json", "list-simulations", 101, NO_SESSION)


def test_an_expired_session_is_no_session(sqlite_url, redis_url):
    client = TestApp(
        main(
            {},
            **app_settings(
                sqlite_url, redis_url, **{"redis.sessions.timeout": "1", "redis.sessions.refresh_interval": "1"}
            ),
        )
    )
    start(client, "json")
    client.get("/list-simulations", status=200)
    time.sleep(2.2)
    check(client.get("/list-simulations", status=400), "json", "list-simulations", 101, NO_SESSION)


def test_the_idle_timeout_counts_from_the_last_request_and_simulations_live_as_long(sqlite_url, redis_url):
    """Idle timeout 3 s, rewrite at most once a second: requests 2.5 s apart keep the
    session and its simulations alive past the timeout, and each leaves them ≥ 3 s."""
    import redis

    from tests.conftest import session_keys

    client = TestApp(
        main(
            {},
            **app_settings(
                sqlite_url, redis_url, **{"redis.sessions.timeout": "3", "redis.sessions.refresh_interval": "1"}
            ),
        )
    )
    start(client, "json")
    client.post("/calculate-tax", {"married": "no", "children": "0", "salary": "1"})
    time.sleep(2.5)
    client.get("/display-tax-calculation", status=200)  # touches the session, not the simulations
    time.sleep(2.5)
    assert len(client.get("/list-simulations", status=200).json["response"]) == 1
    r = redis.Redis.from_url(redis_url)
    assert all(r.ttl(key) >= 3 for key in session_keys(client, redis_url))


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_failed_session_write_is_503_in_the_known_format(testapp, monkeypatch, fmt):
    import redis

    from taxapp.session_store import SessionRedis

    start(testapp, fmt, login=False)
    cookie = testapp.cookies["session"]

    def lost(*args, **kwargs):  # Redis lost between the view and the write: not producible on demand
        raise redis.ConnectionError("connection lost")

    monkeypatch.setattr(SessionRedis, "rewrite_session", lost)
    resp = testapp.post("/authenticate-user", {"user": "admin", "password": "admin"}, status=503)
    check(resp, fmt, "authenticate-user", 131, ["service temporarily unavailable"])
    assert "Set-Cookie" not in resp.headers and testapp.cookies["session"] == cookie


def test_session_keys_live_for_the_idle_timeout(testapp, redis_url, settings):
    import redis

    start(testapp, "json")
    testapp.post("/calculate-tax", {"married": "no", "children": "0", "salary": "1"})
    from tests.conftest import session_keys

    r = redis.Redis.from_url(redis_url)
    idle = int(settings["redis.sessions.timeout"])
    for key in session_keys(testapp, redis_url):
        assert idle <= r.ttl(key) <= idle + 60


def test_100_concurrent_calculations_in_one_session_are_all_kept(live_server):
    import http.client
    from concurrent.futures import ThreadPoolExecutor
    from urllib.parse import urlencode

    host, port = live_server.url.removeprefix("http://").split(":")

    def request(method, path, body=None, cookie=None):
        connection = http.client.HTTPConnection(host, int(port), timeout=30)
        headers = {"Content-Type": "application/x-www-form-urlencoded"}
        if cookie:
            headers["Cookie"] = cookie
        connection.request(method, path, body=body, headers=headers)
        response = connection.getresponse()
        data = response.read()
        connection.close()
        return response, data

    response, _ = request("GET", "/init-session/json")
    cookie = response.getheader("Set-Cookie").split(";")[0]
    response, _ = request("POST", "/authenticate-user", urlencode({"user": "admin", "password": "admin"}), cookie)
    cookie = response.getheader("Set-Cookie").split(";")[0]
    body = urlencode({"married": "yes", "children": "2", "salary": "55555"})
    with ThreadPoolExecutor(16) as pool:
        results = list(pool.map(lambda _: request("POST", "/calculate-tax", body, cookie), range(100)))
    assert all(r.status == 200 for r, _ in results)
    import json

    ids = sorted(json.loads(data)["response"]["id"] for _, data in results)
    assert ids == list(range(1, 101))
    _, data = request("GET", "/list-simulations", cookie=cookie)
    assert sorted(s["id"] for s in json.loads(data)["response"]) == ids


# --- incidents ---------------------------------------------------------------------------


@pytest.fixture
def mailing_app(sqlite_url, redis_url, smtp_server):
    return TestApp(
        main(
            {},
            **app_settings(
                sqlite_url,
                redis_url,
                **{
                    "taxapp.mail.host": "127.0.0.1",
                    "taxapp.mail.port": str(smtp_server.port),
                    "taxapp.mail.to": "admin@example.org",
                },
            ),
        )
    )


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_a_bug_in_a_view_is_131_500_with_an_incident_logged_and_mailed(
    mailing_app, smtp_server, monkeypatch, caplog, fmt
):
    import taxapp.views.actions

    def broken(*args):  # a fault a real part cannot produce on demand
        raise RuntimeError("internal detail /secret/path SELECT 1")

    monkeypatch.setattr(taxapp.views.actions, "calculate_taxpayer", broken)
    start(mailing_app, fmt)
    with caplog.at_level(logging.ERROR, logger="taxapp"):
        resp = mailing_app.post("/calculate-tax", {"married": "yes", "children": "1", "salary": "1"}, status=500)
    assert "internal detail" not in resp.text and "Traceback" not in resp.text
    from tests.functional.answers import read

    action, status, messages = read(resp, fmt)
    assert (action, status) == ("calculate-tax", 131)
    (message,) = messages
    assert message.startswith("internal error, incident ")
    incident = message.rsplit(" ", 1)[1]
    logged = caplog.text
    assert incident in logged and "RuntimeError: internal detail" in logged and "Traceback" in logged
    assert wait_for(lambda: any(incident in m for m in smtp_server.messages))
    mail = next(m for m in smtp_server.messages if incident in m)
    assert "admin@example.org" in mail and "RuntimeError" in mail


def test_a_mail_failure_never_breaks_the_answer(sqlite_url, redis_url, monkeypatch, caplog):
    import taxapp.views.actions
    from tests.conftest import free_port

    client = TestApp(
        main(
            {},
            **app_settings(
                sqlite_url, redis_url, **{"taxapp.mail.host": "127.0.0.1", "taxapp.mail.port": str(free_port())}
            ),
        )
    )
    monkeypatch.setattr(taxapp.views.actions, "calculate_taxpayer", lambda *a: 1 / 0)
    start(client, "json")
    with caplog.at_level(logging.ERROR, logger="taxapp"):
        resp = client.post("/calculate-tax", {"married": "yes", "children": "1", "salary": "1"}, status=500)
        assert resp.json["status"] == 131
        assert wait_for(lambda: "could not mail the administrator" in caplog.text)


# --- start-up ------------------------------------------------------------------------------


def test_a_bad_hash_stops_the_start_with_exit_1(sqlite_url, redis_url, capsys):
    with pytest.raises(SystemExit) as exit_:
        main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.users": "admin $pbkdf2-sha256$notahash"}))
    assert exit_.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "not a valid pbkdf2_sha256 hash" in err and "admin" in err


def test_missing_tax_data_exits_2_and_mails_the_administrator(tmp_path, redis_url, smtp_server, capsys):
    with pytest.raises(SystemExit) as exit_:
        main(
            {},
            **app_settings(
                f"sqlite:///{tmp_path}/empty.sqlite",
                redis_url,
                **{"taxapp.mail.host": "127.0.0.1", "taxapp.mail.port": str(smtp_server.port)},
            ),
        )
    assert exit_.value.code == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "run alembic upgrade head" in err
    assert any("start-up failed" in m and "alembic upgrade head" in m for m in smtp_server.messages)


# --- the request log ------------------------------------------------------------------------


def test_requests_are_logged_without_secrets(sqlite_url, redis_url, caplog):
    from passlib.hash import pbkdf2_sha256

    hashed = pbkdf2_sha256.hash("s3cret-Pa55")
    client = TestApp(main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.users": f"alice {hashed}"})))
    with caplog.at_level(logging.INFO, logger="taxapp"):
        client.get("/init-session/json")
        client.post("/authenticate-user", {"user": "alice", "password": "s3cret-Pa55", "csrf_token": "tok3n"})
        client.post("/calculate-tax", {"married": "yes", "children": "1", "salary": "1"})
        client.get("/nowhere", status=404)
    text = caplog.text
    assert "POST /authenticate-user action=authenticate-user status=200 http=200" in text
    assert "POST /calculate-tax action=calculate-tax status=300 http=200" in text
    assert "GET /nowhere action=- status=- http=404" in text
    for secret in ("s3cret-Pa55", hashed, "$pbkdf2", "tok3n", client.cookies["session"]):
        assert secret not in text


def test_sleep_time_pauses_about_half_of_the_requests(sqlite_url, redis_url):
    client = TestApp(main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.sleep_time": "0.1"})))
    slow = 0
    for _ in range(16):
        began = time.perf_counter()
        client.get("/nowhere", status=404)
        slow += time.perf_counter() - began >= 0.1
    assert 1 <= slow <= 15


def test_an_unknown_login_costs_a_hash_of_the_same_strength():
    from passlib.hash import pbkdf2_sha256

    from taxapp.security import Users

    users = Users.from_setting("admin " + pbkdf2_sha256.using(rounds=12345).hash("admin"))
    assert pbkdf2_sha256.from_string(users._dummy).rounds == 12345
    assert users.verify("admin", "admin") and not users.verify("nobody", "admin") and not users.verify("admin", "x")


def test_a_deleted_session_is_never_written_back(testapp, app, redis_url):
    """A request that read the session before end-session, and changes it after."""
    import redis
    from pyramid.request import Request

    from taxapp.session_store import write_now
    from tests.conftest import session_keys

    start(testapp, "json")
    session_id = session_keys(testapp, redis_url)[0]
    reader = Request.blank("/", cookies={"session": testapp.cookies["session"]})
    reader.registry = app.registry
    assert reader.session["type"] == "json"
    stale = TestApp(app)
    stale.set_cookie("session", testapp.cookies["session"])
    testapp.get("/end-session")
    reader.session["type"] = "xml"
    write_now(reader)
    assert not redis.Redis.from_url(redis_url).exists(session_id)
    check(stale.get("/list-simulations", status=400), "json", "list-simulations", 101, NO_SESSION)
