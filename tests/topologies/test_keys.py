"""Keys changed together in one slot (a session's simulations, the login counters), keys
made before the hash tags still served, the scripts loaded again where the server lost them."""

import secrets

import redis
from webtest import TestApp

from taxapp import main
from taxapp.session_store import session_content, with_session_content
from taxapp.simulations import new_store_key, store_keys
from tests.conftest import app_settings, session_keys
from tests.functional.conftest import start

TAXPAYER = {"married": "yes", "children": "2", "salary": "55555"}


def test_a_sessions_keys_share_a_hash_slot():
    from redis.crc import key_slot

    simulations, counter = store_keys(new_store_key())
    assert key_slot(simulations.encode()) == key_slot(counter.encode())
    others = {key_slot(store_keys(new_store_key())[0].encode()) for _ in range(20)}
    assert len(others) > 1  # the tag is the random part, not the common prefix


def test_the_login_counters_share_a_hash_slot():
    from redis.crc import key_slot

    from taxapp.throttle import LoginThrottle

    throttle = LoginThrottle(redis.Redis(), {"taxapp.login.key_prefix": "taxapp:login:"})
    keys = throttle.keys("admin", "192.0.2.1") + throttle.keys("ad\u00efmin", "2001:db8::1")
    assert len({key_slot(key.encode()) for key in keys}) == 1


def test_a_session_holding_a_key_made_before_the_hash_tags_keeps_working(testapp, redis_url):
    start(testapp, "json")
    session_id = session_keys(testapp, redis_url)[0]
    client = redis.Redis.from_url(redis_url)
    old_key = "taxapp:" + secrets.token_urlsafe(18)  # the former form: no hash tag
    payload = client.get(session_id)
    client.set(
        session_id, with_session_content(payload, {**session_content(payload), "simulations": old_key}), keepttl=True
    )

    assert testapp.post("/calculate-tax", TAXPAYER).json["response"]["id"] == 1
    assert testapp.post("/calculate-tax", TAXPAYER).json["response"]["id"] == 2
    assert client.zcard(f"{old_key}:simulations") == 2 and client.get(f"{old_key}:last-id") == b"2"
    assert [s["id"] for s in testapp.get("/delete-simulation/1").json["response"]] == [2]
    testapp.get("/end-session")
    assert client.exists(f"{old_key}:simulations", f"{old_key}:last-id") == 0
    client.close()


def test_scripts_the_server_lost_are_loaded_again(own_redis, sqlite_url):
    client = TestApp(main({}, **app_settings(sqlite_url, own_redis.url)))
    start(client, "json")
    server = redis.Redis.from_url(own_redis.url)
    client.post("/calculate-tax", TAXPAYER)
    server.script_flush()  # what a restarted or failed-over Redis knows: no script
    assert client.post("/calculate-tax", TAXPAYER).json["response"]["id"] == 2
    server.script_flush()
    assert [s["id"] for s in client.get("/delete-simulation/1").json["response"]] == [2]
    server.close()
