"""Users, password verification and the security policy.

Users come from the ini file (``taxapp.users``: one ``login pbkdf2_sha256-hash`` a
line). Verification costs the same whatever the login: the most pbkdf2 rounds of the
users' hashes. An unknown login is checked against a dummy hash of that many rounds,
and a user whose hash has fewer is checked again against a pad of the rounds it lacks,
so timing tells neither which logins exist nor whose hash is cheaper; a password
passlib refuses for its size (over 4,096 bytes) is a failed login at the same cost,
never an error.

A sign-in renews the session id; it keeps the session's content for the same user
(or a session nobody had signed in to), but a sign-in as another user starts with
nothing of the previous one's: their simulations are dropped.

The security policy makes the contract's pipeline checks (docs/api.md): every
view but init-session needs a response type in the session, and every view but
init-session and authenticate-user an authenticated user. A denial is answered by
the forbidden view with the 101 result and the denial's message.
"""

from __future__ import annotations

import secrets

from passlib.exc import PasswordSizeError
from passlib.hash import pbkdf2_sha256
from pyramid.csrf import new_csrf_token
from pyramid.security import Allowed, Denied

from .contract import NO_SESSION, not_authenticated
from .errors import StartupError
from .session_store import keep_for

# Permissions of the views (docs/api.md, pipeline checks 1 and 3).
IN_SESSION = "in-session"
AUTHENTICATED = "authenticated"

USER_KEY = "user"
# What a session says of its client rather than of its user: kept when another user signs in.
CLIENT_KEYS = ("type",)


def _hash_of(rounds: int) -> str:
    """A hash of a random password with that many rounds: verifying against it costs them."""
    return pbkdf2_sha256.using(rounds=rounds).hash(secrets.token_urlsafe(16))


class Users:
    """The users of the ini file and constant-cost password verification."""

    def __init__(self, hashes: dict[str, str]):
        self.hashes = hashes
        rounds = {login: pbkdf2_sha256.from_string(h).rounds for login, h in hashes.items()}
        self.rounds = max(rounds.values(), default=29000)  # what every verification costs
        self._dummy = _hash_of(self.rounds)
        self._pads = {login: _hash_of(self.rounds - n) for login, n in rounds.items() if n < self.rounds}

    @classmethod
    def from_setting(cls, text: str) -> Users:
        hashes = {}
        for number, raw_line in enumerate(text.splitlines(), start=1):
            line = raw_line.strip()
            if not line or line.startswith("#"):
                continue
            login, _, hashed = line.partition(" ")
            hashed = hashed.strip()
            if not _is_pbkdf2_sha256(hashed):
                raise StartupError(
                    f"taxapp.users line {number}: the hash of user {login!r} is not a valid pbkdf2_sha256 hash"
                )
            hashes[login] = hashed
        return cls(hashes)

    def verify(self, login: str, password: str) -> bool:
        hashed = self.hashes.get(login)
        try:
            ok = pbkdf2_sha256.verify(password, hashed or self._dummy)
            pad = self._pads.get(login)
            if pad is not None:  # the rounds this user's hash has fewer than the most
                pbkdf2_sha256.verify(password, pad)
        except PasswordSizeError:  # refused before hashing: hash something, for the same cost
            pbkdf2_sha256.verify("", self._dummy)
            return False
        return ok and hashed is not None


def _is_pbkdf2_sha256(hashed: str) -> bool:
    try:
        return pbkdf2_sha256.identify(hashed) and pbkdf2_sha256.from_string(hashed) is not None
    except (ValueError, TypeError):
        return False


class SessionSecurityPolicy:
    """Identity = the login stored in the session at authentication."""

    def identity(self, request):
        return request.session.get(USER_KEY)

    def authenticated_userid(self, request):
        return self.identity(request)

    def permits(self, request, context, permission):
        if "type" not in request.session:
            return Denied(NO_SESSION)
        if permission == AUTHENTICATED and self.identity(request) is None:
            return Denied(not_authenticated(request.matched_route.name))
        return Allowed("allowed")

    def remember(self, request, userid, **kw):
        """Log in: a new session id (session-fixation defence), a new CSRF token. The
        content is kept for the same user or a session nobody had signed in to; for
        another user, only what says the client (its response type): the previous
        user's simulations are dropped, never shown to the next one."""
        session = request.session
        previous = session.get(USER_KEY)
        if previous is None or previous == userid:
            content = dict(session.items())
        else:
            request.simulations.drop()
            content = {key: session[key] for key in CLIENT_KEYS if key in session}
        session.invalidate()
        session.update(content)
        session[USER_KEY] = userid
        keep_for(session, request.registry["signed_in_lifetime"])  # no longer the short one of before sign-in
        new_csrf_token(request)
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []


def includeme(config):
    settings = config.get_settings()
    config.registry["users"] = Users.from_setting(settings.get("taxapp.users", ""))
    config.set_security_policy(SessionSecurityPolicy())
