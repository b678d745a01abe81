"""taxapp on a real 3-master Redis Cluster (``redis+cluster://``): every action, and the
keys of one session's simulations in one slot."""

import json

import pytest
from redis.cluster import RedisCluster
from webtest import TestApp

from taxapp import main
from taxapp.session_store import session_content
from tests.conftest import app_settings
from tests.functional.test_actions import SIM_55555
from tests.scale.conftest import session_id

TAXPAYER = {"married": "yes", "children": "2", "salary": "55555"}


@pytest.fixture
def cluster_app(cluster, sqlite_url):
    app = main({}, **app_settings(sqlite_url, cluster))
    yield app
    app.registry["redis"].close()


def test_every_action_on_a_redis_cluster(cluster, cluster_app):
    client = TestApp(cluster_app)
    assert client.get("/init-session/json").json["status"] == 700
    # the login throttle's scripts: a failure counted, then a success that gives it back
    assert client.post("/authenticate-user", {"user": "admin", "password": "wrong"}, status=401)
    assert client.post("/authenticate-user", {"user": "admin", "password": "admin"}).json["status"] == 200
    assert client.post("/calculate-tax", TAXPAYER).json == {
        "action": "calculate-tax",
        "status": 300,
        "response": {**SIM_55555, "id": 1},
    }
    batch = [{"married": "yes", "children": 2, "salary": 55555}, {"married": "no", "children": 0, "salary": 0}]
    answer = client.post("/calculate-taxes", json.dumps(batch), content_type="application/json").json
    assert answer["status"] == 1500 and [s["id"] for s in answer["response"]] == [2, 3]
    assert [s["id"] for s in client.get("/list-simulations").json["response"]] == [1, 2, 3]
    assert [s["id"] for s in client.get("/delete-simulation/2").json["response"]] == [1, 3]
    assert client.get("/delete-simulation/2", status=400).json["status"] == 601
    assert client.get("/get-admindata").json["status"] == 1000

    redis = RedisCluster.from_url(cluster.replace("redis+cluster://", "redis://").split(",")[0])
    try:
        store = session_content(redis.get(session_id(f"session={client.cookies['session']}")))["simulations"]
        keys = [f"{store}:simulations", f"{store}:last-id"]
        assert redis.exists(*keys) == 2
        assert redis.keyslot(keys[0]) == redis.keyslot(keys[1])
        # the session's rewrite gives its simulations its time to live: a pipeline that
        # reaches the nodes of two slots (the session's, the simulations')
        for key in keys:
            redis.expire(key, 5)
        client.get("/init-session/xml")  # a change: the session is rewritten
        assert all(redis.ttl(key) > 5 for key in keys)

        assert "<status>400</status>" in client.get("/end-session").text
        assert redis.exists(*keys) == 0
    finally:
        redis.close()
    assert client.get("/list-simulations", status=400).json["status"] == 101
