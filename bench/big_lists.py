"""The cost of the answers that grow with a session: a session at the cap.

``python bench/big_lists.py`` (after ``make install-test``; the real Redis at
127.0.0.1:6379, database 14, must answer). One session is filled to
``--simulations`` (default 10,000, ``taxapp.max_simulations``' default), then:

1. in-process, for each answer (list-simulations in JSON and XML, the HTML list, a
   JSON delete-simulation): the Python memory the serving side allocates at its peak
   (``tracemalloc``, the WSGI body read chunk by chunk and thrown away, as a server
   sends it), the answer's size, and its CPU time (best of ``--rounds``);
2. as a process: ``pserve`` (waitress, 8 threads, ``MALLOC_ARENA_MAX=2`` as the docs
   recommend) on that Redis; its RSS at rest, then during and after a burst of
   ``--parallel`` clients each asking ``--burst`` times for each of these answers, and
   the wall time a small request of another client waited meanwhile.

Figures go to docs/security.md ("Answers that grow with the session").
"""

from __future__ import annotations

import argparse
import configparser
import json
import os
import subprocess
import sys
import tempfile
import threading
import time
import tracemalloc
import urllib.request
from http.cookiejar import CookieJar
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from inprocess import application  # noqa: E402

REDIS_URL = "redis://127.0.0.1:6379/14"
ANSWERS = {
    "list-simulations, JSON": ("json", "/list-simulations"),
    "list-simulations, XML": ("xml", "/list-simulations"),
    "the HTML list": ("html", "/list-simulations"),
    "delete-simulation, JSON": ("json", "/delete-simulation/{n}"),
}


def filled(app, fmt: str, count: int):
    """A WebTest client whose session holds ``count`` simulations, of type ``fmt``."""
    from webtest import TestApp

    client = TestApp(app)
    client.get("/init-session/json")
    client.post("/authenticate-user", {"user": "admin", "password": "admin"})
    batch = [{"married": "yes", "children": n % 4, "salary": 20000 + n} for n in range(count)]
    client.post("/calculate-taxes", json.dumps(batch), content_type="application/json")
    client.get(f"/init-session/{fmt}")
    return client


def served(app, client, path: str) -> int:
    """Call the WSGI application as a server does, reading the body chunk by chunk; its size."""
    from webob import Request

    request = Request.blank(path, headers={"Cookie": f"session={client.cookies['session']}"})
    size = 0
    body = app(request.environ, lambda status, headers, exc_info=None: None)
    try:
        for chunk in body:
            size += len(chunk)
    finally:
        if hasattr(body, "close"):
            body.close()
    return size


def in_process(count: int, rounds: int) -> None:
    with tempfile.TemporaryDirectory() as directory:
        app = application(Path(directory), REDIS_URL, **{"taxapp.max_simulations": str(count)})
        print(f"| answer ({count:,} simulations) | Python memory at its peak | size | CPU |")
        print("|---|---|---|---|")
        for name, (fmt, path) in ANSWERS.items():
            client = filled(app, fmt, count)
            deleting = "{n}" in path
            cpu = []
            for n in range(1, rounds + 1):  # tracemalloc slows Python down: timed without it
                start = time.process_time()
                size = served(app, client, path.format(n=n))
                cpu.append(time.process_time() - start)
            tracemalloc.start()
            served(app, client, path.format(n=rounds + 1))
            peak = tracemalloc.get_traced_memory()[1]
            tracemalloc.stop()
            what = f"{name} (of {count - 1:,})" if deleting else name
            print(f"| {what} | {peak / 2**20:.1f} MiB | {size / 2**20:.2f} MiB | {min(cpu) * 1000:.0f} ms |")
            client.get("/end-session")


def rss_mib(pid: int) -> float:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) / 1024
    return 0.0


def pserve(directory: Path, port: int, count: int) -> subprocess.Popen:
    from alembic.config import Config

    from alembic import command

    ini = configparser.ConfigParser(interpolation=None)
    ini.optionxform = str
    ini.read(ROOT / "testing.ini")
    url = f"sqlite:///{directory / 'taxapp.sqlite'}"
    config = Config(str(ROOT / "testing.ini"))
    config.attributes["sqlalchemy.url"] = url
    command.upgrade(config, "head")
    ini["app:main"].update({"sqlalchemy.url": url, "redis.url": REDIS_URL, "taxapp.max_simulations": str(count)})
    ini["DEFAULT"]["http_port"] = str(port)
    ini["handler_file"]["args"] = repr((str(directory / "pserve.log"),))
    path = directory / "pserve.ini"
    with open(path, "w") as out:
        ini.write(out)
    env = {**os.environ, "MALLOC_ARENA_MAX": "2"}
    process = subprocess.Popen(
        [Path(sys.executable).parent / "pserve", path], cwd=directory, env=env, stderr=subprocess.DEVNULL
    )
    for _ in range(300):
        try:
            urllib.request.urlopen(f"http://127.0.0.1:{port}/-ready", timeout=1)
        except urllib.error.HTTPError:
            return process
        except OSError:
            time.sleep(0.1)
    raise SystemExit("pserve did not start")


def opener():
    return urllib.request.build_opener(urllib.request.HTTPCookieProcessor(CookieJar()))


def full_sessions(base: str, count: int) -> dict:
    """A client per type (JSON, XML, HTML) whose session holds ``count`` simulations."""
    clients = {}
    batch = json.dumps([{"married": "no", "children": n % 4, "salary": 20000 + n} for n in range(count)]).encode()
    for fmt in ("json", "xml", "html"):
        client = opener()
        client.open(f"{base}/init-session/json").read()
        client.open(f"{base}/authenticate-user", b"user=admin&password=admin").read()
        client.open(
            urllib.request.Request(f"{base}/calculate-taxes", batch, {"Content-Type": "application/json"})
        ).read()
        client.open(f"{base}/init-session/{fmt}").read()
        client.open(f"{base}/list-simulations").read()  # warm: each answer once
        clients[fmt] = client
    return clients


def burst(pid: int, base: str, clients: dict, parallel: int, times: int) -> dict:
    """``parallel`` threads per client asking ``times`` for its list, and another client's
    small requests meanwhile: the figures."""
    other = opener()
    other.open(f"{base}/init-session/json").read()
    waits, figures = [], {"rest": rss_mib(pid)}
    done = threading.Event()

    def small():
        while not done.is_set():
            start = time.perf_counter()
            other.open(f"{base}/init-session/json").read()
            waits.append(time.perf_counter() - start)
            time.sleep(0.05)

    def big(client):
        for _ in range(times):
            client.open(f"{base}/list-simulations").read()

    watcher = threading.Thread(target=small)
    watcher.start()
    threads = [threading.Thread(target=big, args=(client,)) for client in clients.values() for _ in range(parallel)]
    start, figures["peak"] = time.perf_counter(), figures["rest"]
    for thread in threads:
        thread.start()
    while any(thread.is_alive() for thread in threads):
        figures["peak"] = max(figures["peak"], rss_mib(pid))
        time.sleep(0.05)
    figures["seconds"] = time.perf_counter() - start
    done.set()
    watcher.join()
    time.sleep(1)
    figures["after"] = rss_mib(pid)
    figures["median wait"], figures["slowest wait"] = sorted(waits)[len(waits) // 2], max(waits)
    figures["small requests"] = len(waits)
    return figures


def as_process(count: int, parallel: int, times: int) -> None:
    from wait import free_port

    with tempfile.TemporaryDirectory() as directory:
        port = free_port()
        base = f"http://127.0.0.1:{port}"
        process = pserve(Path(directory), port, count)
        try:
            clients = full_sessions(base, count)
            f = burst(process.pid, base, clients, parallel, times)
            print(
                f"\npserve, {count:,} simulations in each of 3 sessions (JSON, XML, HTML); {parallel} clients "
                f"per session asking {times} times each for its list ({parallel * 3 * times} answers, "
                f"{f['seconds']:.1f} s):"
            )
            print(
                f"RSS at rest {f['rest']:.0f} MiB, at the burst's peak {f['peak']:.0f} MiB, 1 s after {f['after']:.0f} MiB;"
            )
            print(
                f"another client's init-session meanwhile: median {f['median wait'] * 1000:.0f} ms, "
                f"slowest {f['slowest wait'] * 1000:.0f} ms ({f['small requests']} requests)"
            )
            for client in clients.values():
                client.open(f"{base}/end-session").read()
        finally:
            process.terminate()
            process.wait(10)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--simulations", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--parallel", type=int, default=8, help="clients per session in the burst (0: no process)")
    parser.add_argument("--burst", type=int, default=3, help="lists each client asks for")
    args = parser.parse_args()
    in_process(args.simulations, args.rounds)
    if args.parallel:
        as_process(args.simulations, args.parallel, args.burst)


if __name__ == "__main__":
    main()
