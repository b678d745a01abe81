"""The three answer formats and the predicate that picks one from the session.

Each action is registered once per response type (``taxapp.registration.action``), each
registration with this ``response_type`` view predicate and its renderer: the view
returns plain data and never asks which format it is answered in.
"""

from __future__ import annotations

import json
import logging

import orjson
import redis

from ..contract import DEFAULT_RESPONSE_TYPE
from ..simulations import SimulationList
from . import html, xml

log = logging.getLogger(__name__)

RENDERERS = {"json": "taxapp_json", "xml": "taxapp_xml"}


def renderer(response_type: str, template: str | None = None) -> str:
    """The renderer of a registration: the type's, or for a page its template (the
    error page unless the registration names another)."""
    if response_type == "html":
        return html.template(template or "error")
    return RENDERERS[response_type]


# A JSON or XML answer holds a session's data (simulations, the admin data of a user):
# no cache keeps it, and no browser reads it as another type (html.PAGE_HEADERS for pages).
PROGRAM_HEADERS = {"Cache-Control": "no-store", "X-Content-Type-Options": "nosniff"}


def _set_content_type(system, content_type):
    request = system.get("request")
    if request is not None:
        request.response.content_type = content_type
        request.response.charset = "utf-8"
        request.response.headers.update(PROGRAM_HEADERS)


def json_dumps(value) -> bytes:
    """Compact UTF-8 JSON (non-ASCII not escaped). orjson is 5–10× faster than the
    standard library on a list of 1,000 simulations; it refuses integers beyond 64
    bits, which only an echoed batch item can hold: those take the standard path."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def _lists_simulations(value) -> bool:
    return isinstance(value, dict) and isinstance(value.get("response"), SimulationList)


def answer(parts, simulations: SimulationList):
    """A list in one chunk as bytes (a Content-Length, as before); a longer one as an
    iterator the server sends as it comes (chunked), never whole in memory."""
    if simulations.complete:
        return b"".join(parts)
    return _sent_on(parts)


def _sent_on(parts):
    try:
        yield from parts
    except redis.RedisError:
        # the status is sent already: the server closes the connection on the cut answer
        log.exception("session store lost while a list of simulations was sent: the answer is cut")
        raise


def json_parts(result):
    """The JSON of a result whose response is a ``SimulationList``: the stored simulations
    are JSON objects already, written as they are."""
    yield json_dumps({key: value for key, value in result.items() if key != "response"})[:-1] + b',"response":['
    separator = b""
    for members in result["response"]:
        yield separator + b",".join(members)
        separator = b","
    yield b"]}"


def json_renderer_factory(info):
    def render(value, system):
        _set_content_type(system, "application/json")
        if _lists_simulations(value):
            return answer(json_parts(value), value["response"])
        return json_dumps(value)

    return render


def xml_renderer_factory(info):
    def render(value, system):
        _set_content_type(system, "application/xml")
        if _lists_simulations(value):
            simulations = value["response"]
            return answer((part.encode() for part in xml.parts(value, simulations.decoded())), simulations)
        return xml.dumps(value)

    return render


class ResponseTypePredicate:
    """``response_type="xml"``: the session's response type is xml (json when none)."""

    name = "response_type"

    def __init__(self, value, config):
        self.value = value

    def text(self):
        return f"{self.name} = {self.value}"

    phash = text

    def __call__(self, context, request):
        return request.response_type == self.value


class KnownResponseTypePredicate(ResponseTypePredicate):
    """``known_response_type="xml"``: the type this request has already read from its
    session is xml (json when it has read none). It never reads the session itself,
    so that a Redis outage can be answered in the client's format when it is known."""

    name = "known_response_type"

    def __call__(self, context, request):
        return request.__dict__.get("response_type", DEFAULT_RESPONSE_TYPE) == self.value


class _YesNoPredicate:
    """A view predicate ``name=True`` or ``name=False``: ``holds(request)`` is or is not so."""

    name = ""

    def __init__(self, value, config):
        self.value = bool(value)

    def text(self):
        return f"{self.name} = {self.value}"

    phash = text

    def __call__(self, context, request):
        return self.holds(request) == self.value


class PrefersHtmlPredicate(_YesNoPredicate):
    """``prefers_html=True``: the ``Accept`` header prefers text/html to application/json,
    as a browser's navigation or form does; a program (no ``Accept``, ``*/*``, JSON)
    does not."""

    name = "prefers_html"
    OFFERS = ("application/json", "text/html")  # the first wins a tie

    def holds(self, request):
        offers = request.accept.acceptable_offers(self.OFFERS)
        return bool(offers) and offers[0][0] == "text/html"


class InSessionPredicate(_YesNoPredicate):
    """``in_session=False``: the request has no session type (no session, an expired or
    forged one): init-session was never called, or its session is gone."""

    name = "in_session"

    def holds(self, request):
        return "type" in request.session


def includeme(config):
    config.include(".html")
    config.add_renderer(RENDERERS["json"], json_renderer_factory)
    config.add_renderer(RENDERERS["xml"], xml_renderer_factory)
    config.add_view_predicate("response_type", ResponseTypePredicate)
    config.add_view_predicate("known_response_type", KnownResponseTypePredicate)
    config.add_view_predicate("prefers_html", PrefersHtmlPredicate)
    config.add_view_predicate("in_session", InSessionPredicate)
