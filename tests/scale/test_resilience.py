"""Redis stopped and restarted under load: 503 while it is down, never a 500, no
process dies, service back by itself within 2 s, nothing acknowledged is lost."""

import time


def test_redis_stopped_and_restarted_under_load(tmp_path, start_pserve, sqlite_url):
    from tests.conftest import RedisServer
    from tests.scale.conftest import UNAVAILABLE, Client, Load

    (tmp_path / "redis").mkdir()
    redis_server = RedisServer(tmp_path / "redis")  # appendonly yes, appendfsync always
    try:
        server = start_pserve(sqlite_url, redis_server.url).wait_ready()
        client = Client(server.url).login()
        load = Load(client, seconds=15)
        load.start()
        time.sleep(1.0)

        stopped_at = time.monotonic()
        redis_server.process.kill()  # a crash, not a clean shutdown
        redis_server.process.wait(10)
        acknowledged_before_stop = load.acknowledged(until=stopped_at)
        time.sleep(1.0)
        redis_server.start()  # same port, same folder: the append-only file is replayed
        back_at = time.monotonic()

        deadline = back_at + 5
        while time.monotonic() < deadline and not any(s == 200 and at > back_at for at, s, _ in load.answers):
            time.sleep(0.01)
        time.sleep(0.3)
        load.halt.set()
        load.join(10)

        statuses = [status for _, status, _ in load.answers]
        unexpected = [(status, result) for _, status, result in load.answers if status not in (200, 503)]
        assert not unexpected, f"unexpected answers: {unexpected[:3]}"  # never a 500
        down = [result for at, status, result in load.answers if status == 503]
        assert down, "no request met the outage"
        assert all(r == {"action": "calculate-tax", "status": 131, "response": UNAVAILABLE} for r in down)
        assert all(at < back_at + 2 for at, status, _ in load.answers if status == 503)
        resumed = min(at for at, status, _ in load.answers if status == 200 and at > back_at)
        print(
            f"\nresilience: {statuses.count(200)} answers 200, {statuses.count(503)} answers 503; "
            f"service back {resumed - back_at:.3f} s after Redis"
        )
        assert resumed - back_at < 2.0
        assert server.running

        status, listed = client.call("/list-simulations")
        assert status == 200
        listed_ids = [s["id"] for s in listed["response"]]
        assert acknowledged_before_stop and acknowledged_before_stop <= set(listed_ids)
        assert load.acknowledged() <= set(listed_ids)  # also those after the return
        assert len(listed_ids) == len(set(listed_ids))
    finally:
        if redis_server.process.poll() is None:
            redis_server.stop()
