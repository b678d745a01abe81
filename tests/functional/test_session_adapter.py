"""What taxapp.session_store relies on in pyramid_session_redis, checked on the installed
version and a real Redis: each failure names the adapter to review."""

import configparser
import inspect
import json
from importlib.metadata import version

import pytest
import redis
from packaging.requirements import Requirement
from packaging.specifiers import SpecifierSet
from pyramid.config import Configurator
from pyramid.request import Request
from pyramid_session_redis.session import RedisSession, _SessionState
from webtest import TestApp

from taxapp import session_store
from taxapp.session_store import session_content, session_id_from_cookie
from tests.conftest import ROOT
from tests.functional.conftest import start

REVIEW = "pyramid_session_redis internals changed: review taxapp/session_store.py (written against 1.8.x)"


def test_the_installed_version_is_one_the_adapter_was_written_against():
    setup = configparser.ConfigParser()
    setup.read(ROOT / "setup.cfg")
    required = [
        Requirement(line)
        for line in setup["options"]["install_requires"].split("\n")
        if line.strip().startswith("pyramid_session_redis")
    ]
    assert [requirement.specifier for requirement in required] == [SpecifierSet(session_store.SUPPORTED)], (
        "setup.cfg's pyramid_session_redis range is not taxapp/session_store.py's SUPPORTED: review the adapter"
    )
    assert version("pyramid_session_redis") in SpecifierSet(session_store.SUPPORTED), REVIEW


def test_the_private_parts_the_adapter_calls_are_there():
    assert list(inspect.signature(RedisSession._deferred_callback).parameters) == ["self", "request"], REVIEW
    assert "_session_state" in vars(RedisSession), REVIEW  # a reified property
    assert _SessionState.dont_persist is None and _SessionState.dont_refresh is None, REVIEW


class RecordingSessionRedis(session_store.SessionRedis):
    """The sessions' client, recording which of its methods the library calls (a real Redis)."""

    calls: list

    def setex(self, name, time, value):
        self.calls.append(("setex", name, time, value))
        return super().setex(name, time, value)

    def expire(self, name, time, *args, **kwargs):
        self.calls.append(("expire", name, time))
        return super().expire(name, time, *args, **kwargs)

    def pipeline(self, *args, **kwargs):
        self.calls.append(("pipeline",))
        return super().pipeline(*args, **kwargs)


@pytest.fixture
def recorded(redis_url):
    """(a factory like the application's on a recording client, the client)"""
    client = RecordingSessionRedis.from_url(redis_url)
    client.calls = []
    factory = session_store.session_factory(client, "a secret", timeout=90, timeout_trigger=30)
    config = Configurator()
    config.set_session_factory(factory)
    config.commit()
    yield config.registry, client
    client.close()


def request_for(registry, cookie=None):
    request = Request.blank("/", cookies={"session": cookie} if cookie else {})
    request.registry = registry
    return request


def test_the_library_creates_rewrites_and_refreshes_through_the_adapters_methods(recorded, redis_url):
    registry, client = recorded
    request = request_for(registry)
    request.session["type"] = "xml"
    session_store.write_now(request)
    session_id = request.session.session_id
    try:
        # a new session: a pipeline (WATCH, GET, MULTI, SETEX of an empty payload), then the rewrite
        assert [call[0] for call in client.calls] == ["pipeline", "setex", "pipeline"], REVIEW
        assert client.calls[1][1:3] == (session_id, 90), REVIEW  # setex(name, time, value)
        assert session_content(client.calls[1][3]) == {"type": "xml"}, REVIEW
        assert 60 < client.ttl(session_id) <= 90

        client.execute_command("EXPIRE", session_id, 50)
        client.calls.clear()
        cookie = session_store.cookie_signer("a secret").dumps(session_id).decode()
        reader = request_for(registry, cookie)
        assert reader.session["type"] == "xml"
        session_store.write_now(reader)
        # a read, before the trigger: the library's refresh is an `expire`, which the adapter drops
        assert [call[0] for call in client.calls] == ["expire"], REVIEW
        assert client.ttl(session_id) <= 50  # and no EXPIRE reached Redis
    finally:
        client.delete(session_id)


def test_a_failed_write_is_not_tried_again_at_the_end_of_the_request(recorded, monkeypatch):
    registry, client = recorded

    def lost(*args, **kwargs):  # Redis lost at the write: not producible on demand
        raise redis.ConnectionError("connection lost")

    request = request_for(registry)
    request.session["type"] = "json"
    monkeypatch.setattr(client, "rewrite_session", lost)
    with pytest.raises(redis.ConnectionError):
        session_store.write_now(request)
    calls = len(client.calls)
    request.session._deferred_callback(request)  # what the library's finished callback does
    assert len(client.calls) == calls, REVIEW
    client.delete(request.session.session_id)


def test_a_real_sessions_payload_and_cookie(testapp, redis_url, settings):
    start(testapp, "json")
    session_id = session_id_from_cookie(testapp.cookies["session"], settings["redis.sessions.secret"])
    assert session_id and session_id.startswith(session_store.SESSION_PREFIX), REVIEW
    store = redis.Redis.from_url(redis_url)
    payload = store.get(session_id)
    store.close()
    assert payload is not None, REVIEW
    decoded = json.loads(payload)  # JSON, never pickle
    assert set(decoded) == {"m", "c", "v", "t", "x"}, REVIEW
    assert session_content(payload) == decoded["m"] and decoded["m"]["type"] == "json", REVIEW
    assert session_id_from_cookie(testapp.cookies["session"], "another secret") is None
    assert session_id_from_cookie(testapp.cookies["session"][:-4], settings["redis.sessions.secret"]) is None


def test_a_cookie_signed_by_the_library_itself_still_names_its_session(app, settings):
    """A cookie issued before taxapp signed them (the library's own signer) keeps its session."""
    from pyramid_session_redis.util import _StringSerializer
    from webob.cookies import SignedSerializer

    client = TestApp(app)
    start(client, "json")
    secret = settings["redis.sessions.secret"]
    session_id = session_id_from_cookie(client.cookies["session"], secret)
    library_signer = SignedSerializer(secret, "pyramid_session_redis.", "sha512", serializer=_StringSerializer())
    assert library_signer.dumps(session_id).decode() == client.cookies["session"], REVIEW
    assert library_signer.loads(session_store.cookie_signer(secret).dumps(session_id)) == session_id, REVIEW
