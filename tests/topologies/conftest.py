"""Redis topologies started by the tests on 127.0.0.1: a 3-master Redis Cluster, and a
master with one replica watched by three sentinels. Every server is a ``RedisServer``
(free ports, the test's temporary folder), killed at the end of the test whatever
happened; each wait is bounded."""

import shutil
import subprocess
import time

import pytest
import redis

from tests.conftest import RedisServer, free_port, unavailable

SERVICE = "taxapp"


def wait_for(condition, seconds: float, what: str):
    """Poll ``condition`` until it is true (returning its value), at most ``seconds``."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            value = condition()
            if value:
                return value
        except redis.RedisError:
            pass
        time.sleep(0.05)
    raise AssertionError(f"{what}: not within {seconds} s")


def info(port: int, section: str) -> dict:
    with redis.Redis(port=port, socket_timeout=1) as client:
        return client.info(section)


def wait_for_replica(master_port: int, replica_port: int):
    """Until the replica acknowledges writes: after a full sync, the master streams writes to
    a replica only once it has acknowledged the sync, up to a second after its link is up."""
    wait_for(lambda: info(replica_port, "replication")["master_link_status"] == "up", 20, "replica in sync")

    def write_acknowledged():  # a write, then WAIT on its connection
        with redis.Redis(port=master_port, socket_timeout=1) as master, master.pipeline(transaction=False) as pipe:
            pipe.set("taxapp-test:replication-probe", 1)
            pipe.wait(1, 100)
            return pipe.execute()[1] == 1

    wait_for(write_acknowledged, 20, "replica acknowledging")


@pytest.fixture
def redis_servers(tmp_path):
    """``redis_servers(**RedisServer options)``: a started server; all killed after the test."""
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        unavailable("redis-server or redis-cli is not installed")
    started = []

    def start(arguments=(), **options):
        if "--sentinel" not in arguments:  # a replica's first sync starts at once, not 5 s later
            arguments = ["--repl-diskless-sync-delay", 0, *arguments]
        started.append(RedisServer(tmp_path, persistent=False, arguments=arguments, **options))
        return started[-1]

    yield start
    for server in started:
        if server.process.poll() is None:
            server.process.kill()
            server.process.wait(10)


@pytest.fixture
def cluster(redis_servers):
    """Three masters sharing the 16,384 slots, no replica: the ``redis+cluster://`` URL."""
    nodes = [
        redis_servers(
            name="cluster",
            arguments=[
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                f"nodes-{port}.conf",
                "--cluster-port",
                port,
            ],
        )
        for port in (free_port() for _ in range(3))
    ]
    subprocess.run(
        [
            "redis-cli",
            "--cluster",
            "create",
            *(f"127.0.0.1:{n.port}" for n in nodes),
            "--cluster-replicas",
            "0",
            "--cluster-yes",
        ],
        check=True,
        capture_output=True,
        timeout=30,
    )
    for node in nodes:
        wait_for(
            lambda: redis.Redis(port=node.port).cluster("info")["cluster_state"] == "ok",
            20,
            f"cluster_state:ok on {node.port}",
        )
    return "redis+cluster://" + ",".join(f"127.0.0.1:{n.port}" for n in nodes)


class SentinelSetup:
    """A master, its replica, three sentinels (quorum 2) that fail over within seconds."""

    def __init__(self, redis_servers):
        self.start_server = redis_servers
        self.master = redis_servers(name="master")
        self.replica = redis_servers(name="replica", arguments=["--replicaof", "127.0.0.1", self.master.port])
        wait_for_replica(self.master.port, self.replica.port)
        config = (
            f"sentinel monitor {SERVICE} 127.0.0.1 {self.master.port} 2\n"
            f"sentinel down-after-milliseconds {SERVICE} 1000\n"
            f"sentinel failover-timeout {SERVICE} 4000\n"
        )
        self.sentinels = [redis_servers(name="sentinel", config=config, arguments=["--sentinel"]) for _ in range(3)]
        for sentinel in self.sentinels:  # each knows the replica and the two other sentinels
            wait_for(lambda: self.sentinel_view(sentinel), 20, f"sentinel {sentinel.port} ready")

    def sentinel_view(self, sentinel) -> bool:
        with redis.Redis(port=sentinel.port, socket_timeout=1, decode_responses=True) as client:
            master = client.sentinel_master(SERVICE)
            return master["num-slaves"] == 1 and master["num-other-sentinels"] == 2

    def url(self, query: str = "") -> str:
        hosts = ",".join(f"127.0.0.1:{s.port}" for s in self.sentinels)
        return f"redis+sentinel://{hosts}/{SERVICE}/0" + (f"?{query}" if query else "")

    def master_port(self) -> int:
        with redis.Redis(port=self.sentinels[0].port, socket_timeout=1) as client:
            return int(client.execute_command("SENTINEL", "GET-MASTER-ADDR-BY-NAME", SERVICE)[1])


@pytest.fixture
def sentinels(redis_servers):
    return SentinelSetup(redis_servers)
