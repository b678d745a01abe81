"""taxapp on a master, its replica and three sentinels (``redis+sentinel://`` with
``wait_replicas=1``): the master killed under a calculate-tax load."""

import time

from taxapp import main
from tests.conftest import LiveServer, app_settings
from tests.scale.conftest import UNAVAILABLE, Client, Load
from tests.topologies.conftest import wait_for

SOCKET_TIMEOUT = 2  # seconds, taxapp.sessions.connect


def test_master_killed_under_load_fails_over_without_losing_a_simulation(sentinels, sqlite_url):
    app = main({}, **app_settings(sqlite_url, sentinels.url("wait_replicas=1&wait_timeout_ms=100")))
    server = LiveServer(app)
    try:
        loads = [Load(Client(server.url).login(), seconds=15) for _ in range(3)]
        for load in loads:
            load.start()
        time.sleep(1.0)

        killed_at = time.monotonic()
        sentinels.master.process.kill()  # a crash, not a shutdown
        sentinels.master.process.wait(10)
        wait_for(lambda: sentinels.master_port() == sentinels.replica.port, 10, "failover")
        failed_over_at = time.monotonic()
        # the crashed node comes back as a replica of the new master, so that writes can
        # again be acknowledged by one replica
        sentinels.master.arguments += ["--replicaof", "127.0.0.1", str(sentinels.replica.port)]
        sentinels.master.start()

        def resumed(load):
            return any(status == 200 and at > failed_over_at for at, status, _ in load.answers)

        wait_for(lambda: all(resumed(load) for load in loads), 8, "service back after the failover")
        back_at = time.monotonic()
        time.sleep(0.3)
        for load in loads:
            load.halt.set()
            load.join(SOCKET_TIMEOUT + 3)

        answers = [answer for load in loads for answer in load.answers]
        statuses = [status for _, status, _ in answers]
        unexpected = [(status, result) for _, status, result in answers if status not in (200, 503)]
        assert not unexpected, f"unexpected answers: {unexpected[:3]}"  # never a 500, never a hang
        down = [result for _, status, result in answers if status == 503]
        assert down and all(r == {"action": "calculate-tax", "status": 131, "response": UNAVAILABLE} for r in down)
        slowest = max(load.slowest for load in loads)
        print(
            f"\nfailover: {statuses.count(200)} answers 200, {statuses.count(503)} answers 503; "
            f"sentinels named the new master {failed_over_at - killed_at:.2f} s after the kill, "
            f"every client served again {back_at - killed_at:.2f} s after it; slowest answer {slowest:.2f} s"
        )
        assert slowest < SOCKET_TIMEOUT + 0.5

        for load in loads:
            status, listed = load.client.call("/list-simulations")
            assert status == 200
            listed_ids = [s["id"] for s in listed["response"]]
            assert load.acknowledged(until=killed_at) and load.acknowledged() <= set(listed_ids)
            assert len(listed_ids) == len(set(listed_ids))
    finally:
        server.close()
        app.registry["redis"].close()
