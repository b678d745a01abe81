"""The three answer formats and the predicate that picks one from the session.

Each action is registered once per response type (``taxapp.actions.action``), each
registration with this ``response_type`` view predicate and its renderer: the view
returns plain data and never asks which format it is answered in.
"""

from __future__ import annotations

import json

import orjson

from . import xml

RENDERERS = {"json": "taxapp_json", "xml": "taxapp_xml", "html": "taxapp_html"}


def _set_content_type(system, content_type):
    request = system.get("request")
    if request is not None:
        request.response.content_type = content_type
        request.response.charset = "utf-8"


def json_dumps(value) -> bytes:
    """Compact UTF-8 JSON (non-ASCII not escaped). orjson is 5–10× faster than the
    standard library on a list of 1,000 simulations; it refuses integers beyond 64
    bits, which only an echoed batch item can hold: those take the standard path."""
    try:
        return orjson.dumps(value)
    except TypeError:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode()


def json_renderer_factory(info):
    def render(value, system):
        _set_content_type(system, "application/json")
        return json_dumps(value)

    return render


def xml_renderer_factory(info):
    def render(value, system):
        _set_content_type(system, "application/xml")
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
        return request.__dict__.get("response_type", "json") == self.value


def includeme(config):
    from .html import html_renderer_factory

    settings = config.get_settings()
    # added to, not replacing, filters an ini file may declare
    settings["jinja2.filters"] = settings.get("jinja2.filters", "") + "\npercent = taxapp.renderers.html.rate_percent"
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".jinja2")
    config.add_renderer(RENDERERS["json"], json_renderer_factory)
    config.add_renderer(RENDERERS["xml"], xml_renderer_factory)
    config.add_renderer(RENDERERS["html"], html_renderer_factory)
    config.add_view_predicate("response_type", ResponseTypePredicate)
    config.add_view_predicate("known_response_type", KnownResponseTypePredicate)
