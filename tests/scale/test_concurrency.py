"""Concurrent requests in ONE session, over HTTP: deletes never resurrect a simulation,
and init-session / end-session racing on the same session never answer 500."""

import json
import random
import threading
import time
from concurrent.futures import ThreadPoolExecutor

from taxapp.session_store import session_content
from tests.scale.conftest import Client, fetch, session_id

THREADS = 8


def test_concurrent_deletes_report_each_id_once_and_never_resurrect(live_server):
    client = Client(live_server.url).login()
    batch = [{"married": "yes", "children": 2, "salary": 30000 + i} for i in range(50)]
    status, created = client.call("/calculate-taxes", body=json.dumps(batch).encode(), content_type="application/json")
    assert status == 200
    ids = [s["id"] for s in created["response"]]
    doomed, kept = ids[:40], ids[40:]
    cookie = client.cookie

    deleted_at = {}  # id -> when its 600 answer came back
    lists = []  # (when the list-simulations was sent, ids it listed)
    done = threading.Event()

    def delete_all(seed):
        answers = []
        order = doomed[:]
        random.Random(seed).shuffle(order)  # every thread tries every id, in its own order
        for n in order:
            status, result = fetch(live_server.url, f"/delete-simulation/{n}", cookie)
            answers.append((n, status, result["status"]))
            if status == 200:
                deleted_at[n] = time.monotonic()
                assert n not in {s["id"] for s in result["response"]}
        return answers

    def watch():
        while not done.is_set():
            sent = time.monotonic()
            status, result = fetch(live_server.url, "/list-simulations", cookie)
            assert status == 200
            lists.append((sent, {s["id"] for s in result["response"]}))

    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    with ThreadPoolExecutor(THREADS) as pool:
        answers = [a for answers in pool.map(delete_all, range(THREADS)) for a in answers]
    done.set()
    watcher.join(10)

    assert {status for _, status, _ in answers} <= {200, 400}
    for n in doomed:
        mine = [app_status for m, _, app_status in answers if m == n]
        assert sorted(mine) == [600] + [601] * (THREADS - 1), (n, mine)
    # a list sent after an id's deletion was acknowledged never shows it again
    resurrected = [
        (n, sent) for sent, listed in lists for n in listed & set(doomed) if n in deleted_at and sent > deleted_at[n]
    ]
    assert not resurrected
    status, final = client.call("/list-simulations")
    assert [s["id"] for s in final["response"]] == kept
    print(f"\nconcurrent deletes: {len(answers)} answers, {len(lists)} lists watched, final {len(kept)} simulations")


def test_concurrent_init_and_end_session_on_one_session(live_server, redis_url):
    """Rounds of a logged-in session hit at once by init-session (that changes its type, so
    rewrites it) and end-session (that deletes it), the threads released together."""
    import redis

    r = redis.Redis.from_url(redis_url)
    answers = []
    for round_ in range(12):
        client = Client(live_server.url).login()
        assert client.call("/calculate-tax", {"married": "no", "children": "0", "salary": "30000"})[0] == 200
        cookie, key = client.cookie, session_id(client.cookie)
        store = session_content(r.get(key))["simulations"]
        paths = ["/end-session", "/init-session/xml", "/init-session/html", "/init-session/json"] * (THREADS // 4)
        start = threading.Barrier(THREADS)

        def hit(path):
            start.wait()
            return path, fetch(live_server.url, path, cookie)[0]

        with ThreadPoolExecutor(THREADS) as pool:
            answers += pool.map(hit, paths)
        # the ended session stays ended: never written back by a request that had read it before
        assert not r.exists(key), f"round {round_}: the ended session was written back"
        assert not r.exists(f"{store}:simulations") and not r.exists(f"{store}:last-id")
        status, answer = fetch(live_server.url, "/list-simulations", cookie)
        assert status == 400 and answer["status"] == 101

    statuses = sorted({status for _, status in answers})
    ends = [status for path, status in answers if path == "/end-session"]
    print(
        f"\ninit/end race: {len(answers)} answers, HTTP statuses {statuses}; end-session: {ends.count(200)} × 200, "
        f"{ends.count(400)} × 400 (101: the session was already ended)"
    )
    assert set(statuses) <= {200, 400}  # never a 500
    assert all(status == 200 for path, status in answers if path.startswith("/init-session"))
