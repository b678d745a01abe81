"""Login throttling, and the sessions one address starts: counted in Redis.

The sessions one client address starts are bounded the same way (``NewSessions``): at
most ``taxapp.sessions.max_new_per_address`` (default 120) within
``taxapp.sessions.window`` seconds (default 60) of the first, then refused (701 / 429,
``Retry-After``) until that window ends; one Redis key per address, with a time to live.

Login throttling: failed logins counted in Redis, per user name and per client address.

After ``taxapp.login.max_failures`` failed logins (default 10) for one user name, or
``taxapp.login.max_failures_per_address`` (default 50) from one client address,
within ``taxapp.login.window`` seconds (default 300) of the first one, further
attempts are refused without checking the password (201 / 429, with
``Retry-After``) until that window ends.

- The counters are Redis keys with a time to live (one window, set when the key is
  made, never extended): shared by every process, they expire by themselves. A
  refused attempt changes nothing, so it does not extend the window.
- An attempt *reserves* its failure before the password is checked: one script
  checks both counters and counts the attempt in the same atomic step, so that
  concurrent guesses (from many connections or processes) never get more than the
  limit checked. A success gives the reservation back: the user's counter is reset
  and the address's decremented (a busy address with good passwords is not
  throttled); so does an attempt that ends otherwise than by a wrong password.
- The user name is hashed into the key (any length, any character); an IPv6
  client is counted by its /64 network, what one subscriber usually holds.
- Each failed and each refused attempt is logged (``taxapp.logins``, a warning) with the
  user name as sent (``logs.logged_text``) and the client's address, never the password:
  what an operator, or fail2ban, needs to see where guesses come from.
- The client address is ``request.remote_addr`` (``REMOTE_ADDR``): the peer, or
  the client a trusted proxy names, as waitress sets it (production.ini trusts the
  proxy on 127.0.0.1). Not ``request.client_addr``, which reads a client's own
  ``X-Forwarded-For`` whenever the server lets one through. It is parsed and
  normalised (``client_network``) before it names a key; a ``REMOTE_ADDR`` that is not
  an IP address (a proxy's header as sent: a name, 5 KB of text) is refused, 400, by
  ``client_address_tween_factory``, before anything else reads the request.
- ``taxapp.login.key_prefix`` (default ``taxapp:login:``) puts the counters of
  separate installations (or test runs) sharing one Redis apart.
- Every counter carries the hash tag ``{counters}``: the scripts touch a user's and an
  address's counter together, which a Redis Cluster allows only within one slot. So
  all of them are in one slot, on one node: logins are few beside the other requests.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import re
from contextlib import contextmanager

from pyramid.response import Response

from .contract import LOGIN_THROTTLE, NEW_SESSIONS
from .errors import ActionFailed, Problem
from .logs import logged_text

log = logging.getLogger("taxapp.logins")

# KEYS: the user's counter, the address's. ARGV: window (s), max for the user, for
# the address. Returns 0 and counts the attempt, or the milliseconds to wait.
_RESERVE = """
local limits = {tonumber(ARGV[2]), tonumber(ARGV[3])}
local wait = 0
for i = 1, 2 do
  if tonumber(redis.call('GET', KEYS[i]) or '0') >= limits[i] then
    wait = math.max(wait, redis.call('PTTL', KEYS[i]), 1)
  end
end
if wait > 0 then return wait end
for i = 1, 2 do
  redis.call('SET', KEYS[i], 0, 'EX', ARGV[1], 'NX')
  redis.call('INCR', KEYS[i])
end
return 0
"""

# KEYS: the user's counter, the address's. ARGV[1]: '1' for a success (the user's
# counter is reset). Gives the attempt back, never re-creating an expired key.
_GIVE_BACK = """
if ARGV[1] == '1' then
  redis.call('DEL', KEYS[1])
elseif redis.call('EXISTS', KEYS[1]) == 1 then
  redis.call('DECR', KEYS[1])
end
if redis.call('EXISTS', KEYS[2]) == 1 then redis.call('DECR', KEYS[2]) end
return 0
"""


# KEYS: the address's counter of new sessions. ARGV: window (s), the most. Returns 0 and
# counts the session, or the milliseconds to wait.
_NEW_SESSION = """
if tonumber(redis.call('GET', KEYS[1]) or '0') >= tonumber(ARGV[2]) then
  return math.max(redis.call('PTTL', KEYS[1]), 1)
end
redis.call('SET', KEYS[1], 0, 'EX', ARGV[1], 'NX')
redis.call('INCR', KEYS[1])
return 0
"""


class Throttled(ActionFailed):
    """x01 / 429, with ``Retry-After``: a count of the window is used up."""

    message = ""  # with {seconds}
    kind = ""  # the pages' problem

    def __init__(self, seconds: int):
        super().__init__(
            [self.message.format(seconds=seconds)],
            http_status=429,
            headers={"Retry-After": str(seconds)},
            problems=[Problem(None, self.kind, str(seconds))],
        )


class TooManySessions(Throttled):
    """The client's address has started its most sessions for the window (init-session: 701)."""

    message = "Too many new sessions from this address: try again in {seconds} seconds"
    kind = "too-many-sessions"


class TooManyFailures(Throttled):
    """The user name or the address has used up its failures for the window (201)."""

    message = "Too many failed attempts: try again in {seconds} seconds"
    kind = "throttled"


# What a server gives when it knows no client address: nothing (a WSGI test client), or
# "localhost" (waitress on a unix socket). Such clients are counted together.
NO_ADDRESS = ("", "localhost")
UNKNOWN = "unknown"
# waitress takes the port off "192.0.2.1:8080" but leaves it after an IPv6 address in brackets
_BRACKETED = re.compile(r"\[([^\]]*)\](?::[0-9]{1,5})?")


def client_network(address: str | None) -> str | None:
    """The client as counted: its IPv4 address, or its IPv6 /64 network (an IPv4 client
    mapped in IPv6 by its IPv4 address; a zone dropped), in one spelling whatever the one
    sent; ``UNKNOWN`` when the server names no client; None when what it names is not an
    IP address."""
    text = (address or "").strip()
    if text in NO_ADDRESS:
        return UNKNOWN
    bracketed = _BRACKETED.fullmatch(text)  # "[2001:db8::1]", "[2001:db8::1]:443"
    if bracketed:
        text = bracketed.group(1)
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if ip.version == 4:
        return str(ip)
    if ip.ipv4_mapped is not None:
        return str(ip.ipv4_mapped)
    return str(ipaddress.IPv6Network((int(ip) >> 64 << 64, 64)))


def _limits(settings: dict, section: str, defaults: dict) -> dict[str, int]:
    """The ``taxapp.<section>.*`` limits of the ini file, else the contract's defaults."""
    return {name: int(settings.get(f"taxapp.{section}.{name}", default)) for name, default in defaults.items()}


class LoginThrottle:
    """The counters of failed logins in Redis, and the limits of the settings."""

    def __init__(self, redis, settings: dict):
        limits = _limits(settings, "login", LOGIN_THROTTLE)
        self.max_failures = limits["max_failures"]
        self.max_failures_per_address = limits["max_failures_per_address"]
        self.window = limits["window"]
        self.prefix = settings.get("taxapp.login.key_prefix") or "taxapp:login:"
        self._reserve = redis.register_script(_RESERVE)
        self._give_back = redis.register_script(_GIVE_BACK)

    def keys(self, login: str, address: str | None) -> list[str]:
        user = hashlib.sha256(login.encode("utf-8", "backslashreplace")).hexdigest()[:32]
        network = client_network(address) or UNKNOWN  # (never None for a request: refused before)
        return [f"{self.prefix}{{counters}}:user:{user}", f"{self.prefix}{{counters}}:address:{network}"]

    @contextmanager
    def attempt(self, login: str, address: str | None):
        """Around one password check: refused with ``TooManyFailures`` when over a limit;
        counted as a failure if it raises a 401, given back otherwise."""
        keys = self.keys(login, address)
        who = f"user={logged_text(login)} address={logged_text(address or '-')}"
        wait_ms = self._reserve(keys=keys, args=[self.window, self.max_failures, self.max_failures_per_address])
        if wait_ms:
            seconds = math.ceil(wait_ms / 1000)
            log.warning("throttled login: %s retry_after=%ds", who, seconds)
            raise TooManyFailures(seconds)
        try:
            yield
        except BaseException as error:
            if isinstance(error, ActionFailed) and error.http_status == 401:
                log.warning("failed login: %s", who)
            else:
                self._give_back(keys=keys, args=[0])  # not a wrong password
            raise
        self._give_back(keys=keys, args=[1])


class NewSessions:
    """The sessions each client address started within the window, counted in Redis."""

    def __init__(self, redis, settings: dict):
        limits = _limits(settings, "sessions", NEW_SESSIONS)
        self.most, self.window = limits["max_new_per_address"], limits["window"]
        self.prefix = settings.get("taxapp.sessions.key_prefix") or "taxapp:new-sessions:"
        self._count = redis.register_script(_NEW_SESSION)

    def start(self, address: str | None) -> None:
        """Count a session started from ``address``; ``TooManySessions`` past the most."""
        key = f"{self.prefix}{client_network(address) or UNKNOWN}"
        wait_ms = self._count(keys=[key], args=[self.window, self.most])
        if wait_ms:
            seconds = math.ceil(wait_ms / 1000)
            log.warning("refused a new session: address=%s retry_after=%ds", logged_text(address or "-"), seconds)
            raise TooManySessions(seconds)


def count_new_session(request) -> None:
    """``request.count_new_session()`` before a session is stored for a request that had none."""
    request.registry["new_sessions"].start(request.remote_addr)


def login_attempt(request, login: str):
    """``with request.login_attempt(login): …`` — the throttle around a password check."""
    return request.registry["login_throttle"].attempt(login, request.remote_addr)


NOT_AN_ADDRESS = "400 Bad Request: the client address is not an IP address\n"


def client_address_tween_factory(handler, registry):
    """A request whose client address (``REMOTE_ADDR``) is not an IP address is refused,
    one line of text as waitress refuses a malformed proxy header: what the address names
    (counters in Redis) is never made of such a text."""

    def client_address_tween(request):
        if client_network(request.remote_addr) is None:
            log.warning("refused: the client address is not an IP address: %s", logged_text(request.remote_addr))
            return Response(NOT_AN_ADDRESS, status=400, content_type="text/plain", charset="utf-8")
        return handler(request)

    return client_address_tween


def includeme(config):
    config.registry["login_throttle"] = LoginThrottle(config.registry["redis"], config.get_settings())
    config.registry["new_sessions"] = NewSessions(config.registry["redis"], config.get_settings())
    config.add_request_method(login_attempt)
    config.add_request_method(count_new_session)
    config.add_tween("taxapp.throttle.client_address_tween_factory", under="taxapp.tweens.request_log_tween_factory")
