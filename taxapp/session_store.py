"""The one module that knows pyramid_session_redis's internals.

Written against pyramid_session_redis 1.8.1 (``SUPPORTED``, as setup.cfg asks). Everything
taxapp relies on beyond the library's documented options is listed below and touched here
only; the rest of taxapp and the tests use this module's public helpers.
``tests/functional/test_session_adapter.py`` fails, naming this module, when an upgrade
changes any of it: review this list against the new version's source before widening
``SUPPORTED``.

Session lifetime
----------------
(The one explanation of it; other documents point here.)

A session is read with one Redis round trip (a GET) and written back only when it
changed, or when it is due for a rewrite: the idle timeout is kept by rewriting the
session, with a new time to live, at most once per ``redis.sessions.refresh_interval``
seconds (default 60). A signed-in session is kept ``timeout + refresh_interval`` seconds
from its last rewrite and rewritten once it has less than ``timeout`` seconds left, so
that every request leaves it at least ``timeout`` seconds. In the library's terms: that
session's own ``timeout`` (the payload's ``t``) is ours plus the interval, the factory's
``timeout_trigger`` is ours (with ``python_expires``, the expiry is also checked in the
payload).

Before sign-in a session lives ``redis.sessions.timeout_before_sign_in`` seconds (default
120): the factory's ``timeout``, which every new session gets; as it is shorter than the
trigger, each request that reads such a session rewrites it, renewing it. The sign-in
gives the session its own, longer timeout (``keep_for``, through the library's public
``adjust_session_timeout`` and ``adjust_session_expires``), kept in its payload. So a
client starting sessions it never signs in to leaves them for two minutes, not thirty.

Each rewrite gives the session's simulations (``taxapp.simulations``) the session's time
to live, in the same round trip, so that they live as long as it does.

Why not the library's own refresh: it marks every read of the session (``@refresh``) and
sends an EXPIRE after the request, a second round trip for every read. Its option to
avoid that, ``set_redis_ttl_readheavy`` (a pipelined GET + EXPIRE), never executes its
pipeline in 1.8.1: ``RedisSession.from_redis`` deserializes the pipeline object instead
of the value, so every session is lost as undeserializable (checked: a session written
with it is read back empty and new); it also refuses ``timeout_trigger``.
``set_redis_ttl=False`` drops the EXPIRE but also the time to live of every write
(``do_persist`` then calls ``set`` without one): sessions would never expire in Redis,
and giving the client's ``set`` a time to live instead would still leave new sessions'
first key (created by the library's own pipeline, point 3) without one.

What the public options do (``session_factory``)
------------------------------------------------
``timeout``/``timeout_trigger``/``python_expires`` (above); ``serialize``/``deserialize``:
JSON, never pickle; ``detect_changes`` off: taxapp only assigns session keys, never
mutates a value in place, so nothing is re-serialized to compare; ``deserialized_fails_new``:
an unreadable session is a new one; ``id_generator``: ``new_session_id``, the library's
``prefixed_id`` format (``taxapp:session:`` and 64 characters of ``token_urlsafe(48)``);
``redis_client_callable``: the client below; ``cookie_signer``: the signer of
``session_id_from_cookie``, the library's own default (webob's ``SignedSerializer``, salt
``pyramid_session_redis.``, sha512, the id as UTF-8), so that cookies issued before stay
valid and reading a cookie needs no private helper; it reads only ids of that format
(``is_session_id``): a cookie signed with the secret but naming another key (a
simulations' sorted set, a login counter) is an invalid cookie, never read from Redis
(it answered 503 or 500).

What no public option does, and the internals it touches
--------------------------------------------------------
1. No EXPIRE per read: the sessions' client's ``expire`` sends nothing. Relies on the
   library calling ``redis.expire`` only for that refresh (``RedisSession.do_refresh``).
2. A rewrite never brings a deleted session back (end-session, or the id renewal at
   login, while a concurrent request that had read the session is running), and renews
   the simulations' time to live: the client's ``setex`` is a ``SET … XX`` plus an
   EXPIRE of the simulations' keys, in one pipeline (on a cluster, redis-py sends it to
   each node holding one of its keys). Relies on the library rewriting a session with
   ``redis.setex(session_id, ttl, payload)`` (``RedisSession.do_persist``), and on the
   payload's format, ``{"m": the session dict, "c": created, "v": version, "t", "x"}``,
   to find the simulations' key (``session_content``).
3. New sessions are created by the library (``util._insert_session_id_if_unique``) with
   ``redis.pipeline()``, WATCH, GET, MULTI and the pipeline's own ``setex``, untouched
   here (``XX`` would refuse a key that does not exist yet). redis-py's cluster client
   allows WATCH only in a transactional pipeline, and its ``pipeline()`` is not one by
   default: the sessions' client's ``pipeline()`` is transactional by default, as on
   one Redis.
4. The session is written before the answer is made (``write_now``), not in the
   library's finished callback, after it: a failure to write it (Redis lost in the
   middle of a request) is then answered 503 like any other outage, never with the WSGI
   server's bare 500. Relies on ``RedisSession._deferred_callback(request)``, the
   finished callback, called early (called again at the end, it writes again only what
   changed since, and a rewrite that was due, which is thus sent twice once per
   ``refresh_interval``; it cannot be switched off after a successful write, since the
   same callback expires an ended session's cookie), and on
   ``_session_state.dont_persist``/``dont_refresh``, set after a failed write so that
   the finished callback does not try again outside
   the exception views.
5. The library deletes the session cookie (end-session, an invalid session) with its name
   and path only (``_delete_cookie``: ``response.delete_cookie(name, path, domain)``), so
   the deletion lacked ``Secure``, ``HttpOnly`` and ``SameSite``: a response callback of
   taxapp's, added after the library's, sets it again with them (``_delete_as_set``).
   Relies on the deletion being a ``Set-Cookie`` of ``<name>=;``, as WebOb writes it.
"""

from __future__ import annotations

import json
import re
import secrets
import time
from functools import partial

import redis
from pyramid_session_redis import RedisSessionFactory
from redis.cluster import RedisCluster
from webob.cookies import SignedSerializer

from .simulations import SESSION_KEY, store_keys

SUPPORTED = ">=1.8.1,<1.9"  # the versions this module was checked against (setup.cfg's)
SESSION_PREFIX = "taxapp:session:"
COOKIE_SALT = "pyramid_session_redis."  # the library's own: cookies issued before stay valid
# the library's prefixed_id(SESSION_PREFIX): its _generate_session_id is token_urlsafe(48)
_SESSION_ID = re.compile(re.escape(SESSION_PREFIX) + r"[A-Za-z0-9_-]{64}")


def new_session_id() -> str:
    return SESSION_PREFIX + secrets.token_urlsafe(48)


def is_session_id(text: str) -> bool:
    """What ``new_session_id`` makes (and the library made before): nothing else of
    taxapp's keys, whatever a signed cookie names."""
    return _SESSION_ID.fullmatch(text) is not None


def serialize(data: dict) -> bytes:
    return json.dumps(data, separators=(",", ":")).encode()


def deserialize(data: bytes) -> dict:
    return json.loads(data)


def session_content(payload: bytes) -> dict:
    """The session dict (what ``request.session`` holds) of a session's value in Redis."""
    return deserialize(payload)["m"]


def with_session_content(payload: bytes, content: dict) -> bytes:
    """A session's value in Redis with ``content`` as its session dict, the rest kept."""
    return serialize({**deserialize(payload), "m": content})


class _SessionIdSerializer:
    """The session id as the signed cookie's UTF-8 content (webob's ``SignedSerializer`` API)."""

    def dumps(self, session_id: str) -> bytes:
        return session_id.encode()

    def loads(self, data: bytes) -> str:
        session_id = data.decode()  # a UnicodeDecodeError is a ValueError: an invalid cookie
        if not is_session_id(session_id):
            raise ValueError("not a session id")  # an invalid cookie, as one badly signed
        return session_id


def cookie_signer(secret: str) -> SignedSerializer:
    return SignedSerializer(secret, COOKIE_SALT, "sha512", serializer=_SessionIdSerializer())


def session_id_from_cookie(cookie_value: str, secret: str) -> str | None:
    """The Redis key of the session a cookie's value names; None if its signature is wrong."""
    try:
        return cookie_signer(secret).loads(cookie_value.encode())
    except ValueError:
        return None


class SessionWrites:
    """How the sessions' client writes, for a plain Redis (``SessionRedis``) and a Redis
    Cluster (``SessionRedisCluster``) alike (points 1 to 3 of the module's docstring)."""

    def rewrite_session(self, name, time, value):
        """``SET … XX`` of the session and EXPIRE of its simulations; None if it was deleted."""
        simulations = session_content(value).get(SESSION_KEY)
        with self.pipeline(transaction=False) as pipe:
            pipe.set(name, value, ex=time, xx=True)
            for key in store_keys(simulations) if simulations else ():
                pipe.execute_command("EXPIRE", key, time)
            return pipe.execute()[0]

    def setex(self, name, time, value):  # the library's rewrite
        return self.rewrite_session(name, time, value)

    def expire(self, name, time, *args, **kwargs):  # the library's refresh after a read
        return True

    def pipeline(self, transaction=True, shard_hint=None):
        return super().pipeline(transaction=transaction, shard_hint=shard_hint)


class SessionRedis(SessionWrites, redis.Redis):
    """The sessions' client on a plain Redis, sharing the application's connection pool."""


class SessionRedisCluster(SessionWrites, RedisCluster):
    """The sessions' client on a Redis Cluster (a client of its own: no shared pool there)."""


def session_factory(client: SessionWrites, secret: str, timeout: int, timeout_trigger: int, **options):
    """pyramid_session_redis's factory on ``client``; ``options``: more of its public ones.

    Its session cookie's deletion is set again with the cookie's own attributes (point 5)."""
    factory = RedisSessionFactory(
        timeout=timeout,
        timeout_trigger=timeout_trigger,
        python_expires=True,
        cookie_signer=cookie_signer(secret),
        redis_client_callable=lambda request, **redis_options: client,
        serialize=serialize,
        deserialize=deserialize,
        id_generator=new_session_id,
        detect_changes=False,
        deserialized_fails_new=True,
        **options,
    )
    name = options.get("cookie_name", "session")
    attributes = {
        "secure": options.get("cookie_secure", False),
        "httponly": options.get("cookie_httponly", False),
        "samesite": options.get("cookie_samesite"),
    }
    deleted_as_set = partial(_delete_as_set, name, attributes)

    def session(request):
        opened = factory(request)
        request.add_response_callback(deleted_as_set)  # after the library's own
        return opened

    return session


def _delete_as_set(name, attributes, request, response) -> None:
    """A deletion of the session cookie with its Secure, HttpOnly and SameSite, as it was set."""
    deletion = f"{name}=;"
    if any(header.startswith(deletion) for header in response.headers.getall("Set-Cookie")):
        response.unset_cookie(name, strict=False)
        response.set_cookie(name, None, path="/", **attributes)


def keep_for(session, seconds: int) -> None:
    """The session's own lifetime from now on (the library's public ``adjust_session_*``):
    what a sign-in gives a session started with the short one of sessions before sign-in."""
    session.adjust_session_timeout(seconds)
    session.adjust_session_expires(int(time.time()) + seconds)


def opened_session(request):
    """The request's session if the request has opened it, else None (never opens one:
    a 404 never touches the session, a 503 page cannot). Pyramid's ``request.session``
    is reified: once read, it is in the request's ``__dict__``."""
    return request.__dict__.get("session")


def write_now(request) -> None:
    """Write the request's session now, if it opened one and it needs writing (point 4).

    Raises ``redis.RedisError`` if Redis fails; the session is then not written again
    at the end of the request. (After a successful write the finished callback is left
    to run: it also expires the cookie of an ended session, so it cannot be switched off
    here; its cost is the second rewrite point 4 describes.)"""
    session = opened_session(request)
    if session is None:
        return
    try:
        session._deferred_callback(request)
    except redis.RedisError:
        session._session_state.dont_persist = session._session_state.dont_refresh = True
        raise
