"""Users, password verification and the security policy.

Users come from the ini file (``taxapp.users``: one ``login pbkdf2_sha256-hash`` a
line). Verification costs the same whatever the login: an unknown login is checked
against a dummy hash of the same strength, so timing does not tell which logins exist;
a password passlib refuses for its size (over 4,096 bytes) is a failed login at the
same cost, never an error.

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

# Permissions of the views (docs/api.md, pipeline checks 1 and 3).
IN_SESSION = "in-session"
AUTHENTICATED = "authenticated"

USER_KEY = "user"


class Users:
    """The users of the ini file and constant-cost password verification."""

    def __init__(self, hashes: dict[str, str]):
        self.hashes = hashes
        rounds = max((pbkdf2_sha256.from_string(h).rounds for h in hashes.values()), default=29000)
        self._dummy = pbkdf2_sha256.using(rounds=rounds).hash(secrets.token_urlsafe(16))

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
        """Log in: a new session id (session-fixation defence) keeping the content, a new CSRF token."""
        session = request.session
        content = dict(session.items())
        session.invalidate()
        session.update(content)
        session[USER_KEY] = userid
        new_csrf_token(request)
        return []

    def forget(self, request, **kw):
        request.session.invalidate()
        return []


def includeme(config):
    settings = config.get_settings()
    config.registry["users"] = Users.from_setting(settings.get("taxapp.users", ""))
    config.set_security_policy(SessionSecurityPolicy())
