"""``wait_replicas``: a change of the simulations is acknowledged to the client only once a
replica has it; else 503, as for an outage."""

import logging
import os
import signal

import redis
from webtest import TestApp

from taxapp import main
from tests.conftest import app_settings
from tests.functional.conftest import start
from tests.topologies.conftest import wait_for_replica

TAXPAYER = {"married": "yes", "children": "2", "salary": "55555"}
UNAVAILABLE = {"status": 131, "response": ["service temporarily unavailable"]}


def test_changes_the_replica_did_not_acknowledge_are_503(redis_servers, sqlite_url, caplog):
    master = redis_servers(name="master")
    replica = redis_servers(name="replica", arguments=["--replicaof", "127.0.0.1", master.port])
    wait_for_replica(master.port, replica.port)
    client = TestApp(main({}, **app_settings(sqlite_url, f"{master.url}?wait_replicas=1&wait_timeout_ms=200")))
    start(client, "json")
    redis.Redis(port=master.port).script_flush()  # the script is loaded again, within the pipeline
    assert client.post("/calculate-tax", TAXPAYER).json["response"]["id"] == 1
    assert client.post("/calculate-tax", TAXPAYER).json["response"]["id"] == 2

    os.kill(replica.process.pid, signal.SIGSTOP)  # the replica stops acknowledging
    try:
        with caplog.at_level(logging.ERROR):
            for answer in (
                client.post("/calculate-tax", TAXPAYER, status=503),
                client.get("/delete-simulation/1", status=503),
            ):
                assert {k: answer.json[k] for k in UNAVAILABLE} == UNAVAILABLE
        assert "NotReplicated: 0 of 1 replicas acknowledged within 200 ms" in caplog.text
    finally:
        os.kill(replica.process.pid, signal.SIGCONT)

    # a 503 says "not confirmed", not "not done": the master made both changes
    assert [s["id"] for s in client.get("/list-simulations").json["response"]] == [2, 3]
    assert client.post("/calculate-tax", TAXPAYER).json["response"]["id"] == 4
    assert client.get("/end-session").json["status"] == 400
    assert redis.Redis(port=replica.port).keys("taxapp:{*") == []  # the replica has the drop too
    client.app.registry["redis"].close()
