"""What ``wait_replicas`` costs: calculate-tax in-process (WebTest, no HTTP) against a
master with one replica on 127.0.0.1, without and with ``WAIT`` after each write.

``python bench/wait.py [--requests N] [--timeout-ms T]`` (after ``make install-test``;
needs redis-server). It starts its own master and replica (free ports, a temporary
folder, stopped at the end), then times calculate-tax requests one by one, alternating
blocks of 100 between an application on ``redis://…`` and one on
``redis://…?wait_replicas=1&wait_timeout_ms=T`` so that a busy moment of the machine
falls on both alike; prints the median and the 90th/99th percentiles of each, in ms, and
how many were answered 503 (the replica did not acknowledge within T ms).
"""

from __future__ import annotations

import argparse
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import redis

sys.path.insert(0, str(Path(__file__).resolve().parent))
from inprocess import application, client

FORM = {"married": "yes", "children": "2", "salary": "55555"}
BLOCK = 100


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def redis_server(directory: Path, port: int, *arguments) -> subprocess.Popen:
    process = subprocess.Popen(
        [
            "redis-server",
            "--port",
            str(port),
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
            "--repl-diskless-sync-delay",
            "0",
            *map(str, arguments),
        ],
        stdout=subprocess.DEVNULL,
    )
    for _ in range(100):
        try:
            redis.Redis(port=port).ping()
            return process
        except redis.ConnectionError:
            time.sleep(0.05)
    raise RuntimeError("redis-server did not start")


def percentiles(times: list[float]) -> str:
    cuts = statistics.quantiles(times, n=100)
    return f"{statistics.median(times):.3f} | {cuts[89]:.3f} | {cuts[98]:.3f}"


def main_() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=5000, help="calculate-tax requests of each kind")
    parser.add_argument("--timeout-ms", type=int, default=100)
    options = parser.parse_args()
    with tempfile.TemporaryDirectory() as directory:
        directory = Path(directory)
        master_port, replica_port = free_port(), free_port()
        servers = [redis_server(directory, master_port)]
        try:
            servers.append(redis_server(directory, replica_port, "--replicaof", "127.0.0.1", master_port))
            # until a write is acknowledged: after a full sync, the master streams writes to
            # the replica only once it has acknowledged the sync (up to a second later)
            while True:
                with redis.Redis(port=master_port).pipeline(transaction=False) as pipe:
                    pipe.set("probe", 1)
                    pipe.wait(1, 100)
                    if pipe.execute()[1] == 1:
                        break
                time.sleep(0.05)
            url = f"redis://127.0.0.1:{master_port}/0"
            browsers = {
                "no WAIT": client(application(directory, url)),
                f"WAIT 1 {options.timeout_ms}": client(
                    application(directory, f"{url}?wait_replicas=1&wait_timeout_ms={options.timeout_ms}")
                ),
            }
            times = {name: [] for name in browsers}
            unavailable = dict.fromkeys(browsers, 0)  # 503: not acknowledged by the replica in time
            for _ in range(options.requests // BLOCK):
                for name, browser in browsers.items():
                    for _ in range(BLOCK):
                        start = time.perf_counter()
                        status = browser.post("/calculate-tax", FORM, status=(200, 503)).status_int
                        times[name].append((time.perf_counter() - start) * 1000)
                        unavailable[name] += status == 503
        finally:
            for server in servers:
                server.terminate()
                server.wait(10)
    print(f"| calculate-tax, in-process, {options.requests} requests each | median ms | p90 | p99 | 503 |")
    print("|---|---:|---:|---:|---:|")
    for name, values in times.items():
        print(f"| {name} | {percentiles(values)} | {unavailable[name]} |")
    medians = [statistics.median(values) for values in times.values()]
    print(
        f"\nWAIT adds {(medians[1] - medians[0]) * 1000:.0f} µs to the median request ({medians[1] / medians[0]:.2f}×)"
    )


if __name__ == "__main__":
    main_()
