"""Redis beyond one server: ``redis+cluster://`` and ``redis+sentinel://`` URLs, and the
``WAIT`` options of ``redis.url`` (docs/operations.md, "Redis topologies").

- ``redis+cluster://[user:password@]host:port[,host:port…][/0][?option=value…]``: a Redis
  Cluster through redis-py's ``RedisCluster``, the listed nodes being where it starts
  discovering the cluster (only database 0 exists in a cluster);
- ``redis+sentinel://[user:password@]host:port[,host:port…]/service[/db][?option=value…]``:
  the master of ``service`` as the sentinels name it, through redis-py's ``Sentinel`` and
  ``master_for`` (failovers followed without a restart). The user and password are the
  master's; the sentinels are asked without any;
- on any URL, ``wait_replicas=N`` (and ``wait_timeout_ms=T``, default 500): each write of
  the simulations waits until ``N`` replicas have it (``WAIT N T``), so that a simulation
  acknowledged to the client survives a failover (``taxapp.simulations``).

The other query options are redis-py's (as for ``redis://``), parsed by redis-py itself.
"""

from __future__ import annotations

from typing import NamedTuple
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from redis import Redis
from redis.backoff import NoBackoff
from redis.cluster import ClusterNode, RedisCluster
from redis.connection import parse_url
from redis.retry import Retry
from redis.sentinel import Sentinel

CLUSTER = "redis+cluster://"
SENTINEL = "redis+sentinel://"
SCHEMES = (CLUSTER, SENTINEL)

# WAIT blocks the connection: it must end before the socket timeout (2 s) does
MAX_WAIT_TIMEOUT_MS = 1500


class Replication(NamedTuple):
    """What a write waits for: ``replicas`` acknowledgements, at most ``timeout_ms``."""

    replicas: int
    timeout_ms: int


def replication(url: str) -> tuple[str, Replication | None]:
    """``url`` without its ``wait_replicas``/``wait_timeout_ms`` options, and what they ask.

    Raises ``ValueError`` (with a message for the operator) for values WAIT cannot take."""
    base, _, query = url.partition("?")
    options = parse_qsl(query, keep_blank_values=True)
    wait = {name: value for name, value in options if name in ("wait_replicas", "wait_timeout_ms")}
    if not wait:
        return url, None
    others = urlencode([option for option in options if option[0] not in wait])
    rest = f"{base}?{others}" if others else base
    try:
        replicas, timeout_ms = int(wait.get("wait_replicas", "0")), int(wait.get("wait_timeout_ms", "500"))
    except ValueError:
        raise ValueError("wait_replicas and wait_timeout_ms must be whole numbers") from None
    if replicas < 1:
        raise ValueError("wait_replicas must be at least 1 (leave it out not to wait)")
    if not 1 <= timeout_ms <= MAX_WAIT_TIMEOUT_MS:
        raise ValueError(f"wait_timeout_ms must be between 1 and {MAX_WAIT_TIMEOUT_MS}")
    if url.startswith(CLUSTER):
        # redis-py's cluster client sends WAIT to every primary, on other connections than
        # the write's: it would wait for nothing
        raise ValueError("wait_replicas is not supported with redis+cluster://")
    return rest, Replication(replicas, timeout_ms)


def connect(url: str, options: dict, cluster_class: type[RedisCluster] = RedisCluster) -> Redis | RedisCluster:
    """A client for a ``redis+cluster://`` or ``redis+sentinel://`` URL, with ``options``."""
    _, netloc, path, query, _ = urlsplit(url)
    userinfo, _, hosts = netloc.rpartition("@")
    if url.startswith(CLUSTER):
        nodes = _nodes(hosts, 6379)
        if path.strip("/") not in ("", "0"):
            raise ValueError("a Redis Cluster has only database 0")
        kwargs = {**options, **_redis_options(userinfo, "", query)}  # the URL's options win
        return cluster_class(startup_nodes=[ClusterNode(*node) for node in nodes], **kwargs)
    service, _, database = path.strip("/").partition("/")
    if not service:
        raise ValueError("redis+sentinel:// needs the service name: redis+sentinel://host:port/service")
    kwargs = {**options, **_redis_options(userinfo, database, query)}
    # each sentinel asked once: the next one is the retry
    sentinel_options = {name: value for name, value in kwargs.items() if name.startswith("socket_")}
    sentinel = Sentinel(_nodes(hosts, 26379), sentinel_kwargs={**sentinel_options, "retry": Retry(NoBackoff(), 0)})
    return sentinel.master_for(service, **kwargs)


def _nodes(hosts: str, default_port: int) -> list[tuple[str, int]]:
    nodes = []
    for host in hosts.split(","):
        parts = urlsplit(f"//{host}")  # urllib knows host:port and [IPv6]:port
        if not parts.hostname:
            raise ValueError(f"no host in {host!r}")
        nodes.append((parts.hostname, parts.port or default_port))
    return nodes


def _redis_options(userinfo: str, database: str, query: str) -> dict:
    """redis-py's own reading of the user, password, database and query options."""
    at = f"{userinfo}@" if userinfo else ""
    kwargs = parse_url(urlunsplit(("redis", f"{at}localhost", f"/{database}", query, "")))
    del kwargs["host"]  # the nodes are given apart
    return kwargs
