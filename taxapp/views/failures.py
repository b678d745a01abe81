"""What answers when an action does not: failures, pipeline errors, incidents, 404/405.

Each failure is answered in the session's format (``failure_view`` registers it once
per response type); a store outage in the format the request had already read, JSON
when Redis was down before it could read any. The pages of these failures (HTML
sessions, browsers) are in ``views/pages.py``.
"""

import logging
from typing import NamedTuple

import redis
from pyramid.exceptions import BadCSRFToken, URLDecodeError
from pyramid.httpexceptions import HTTPForbidden, HTTPMovedPermanently
from pyramid.response import Response
from pyramid.view import exception_view_config, notfound_view_config

from ..contract import (
    ACTIONS,
    BAD_CSRF_TOKEN,
    CSRF_FAILED,
    NOT_ALLOWED,
    PROGRAM_RESPONSE_TYPES,
    SERVER_FAILED,
    SERVICE_UNAVAILABLE,
    internal_error,
)
from ..errors import ActionFailed
from ..incidents import new_incident_id, report_incident
from ..registration import failure_view
from ..routes import allowed_methods

log = logging.getLogger(__name__)


def _result(request, status, response, http_status):
    request.response.status = http_status
    request.app_status = status
    route = request.matched_route
    return {"action": route.name if route else "", "status": status, "response": response}


@failure_view(ActionFailed, response_types=PROGRAM_RESPONSE_TYPES)
def action_failed(exc, request):
    request.response.headers.update(exc.headers)
    return _result(request, ACTIONS[request.matched_route.name].failure_status, exc.messages, exc.http_status)


@failure_view(HTTPForbidden, response_types=PROGRAM_RESPONSE_TYPES)
def forbidden(exc, request):
    """The security policy's denial (no session, or not authenticated): 101."""
    return _result(request, NOT_ALLOWED, [exc.result.msg], 400)


@failure_view(BadCSRFToken, response_types=PROGRAM_RESPONSE_TYPES)
def bad_csrf_token(exc, request):
    return _result(request, CSRF_FAILED, [BAD_CSRF_TOKEN], 400)


@failure_view(redis.RedisError, predicate="known_response_type", response_types=PROGRAM_RESPONSE_TYPES)
def store_unavailable(exc, request):
    log.error("session store unavailable: %s: %s", type(exc).__name__, exc)
    return _result(request, SERVER_FAILED, [SERVICE_UNAVAILABLE], 503)


@failure_view(Exception, response_types=PROGRAM_RESPONSE_TYPES)
def incident(exc, request):
    """A bug or a database error: an id for the client, the traceback for the log and mail."""
    incident_id = request.incident_id = new_incident_id()
    report_incident(request, incident_id, exc)
    return _result(request, SERVER_FAILED, [internal_error(incident_id)], 500)


class NotFound(NamedTuple):
    status: int
    line: str
    allow: tuple[str, ...] = ()


NOT_FOUND = NotFound(404, "404 Not Found")


def not_found_answer(request) -> NotFound:
    """404, or 405 for a known URL with another method (and the methods it allows)."""
    route = request.matched_route
    allowed = allowed_methods(route.name) if route else ()
    if allowed and request.method not in allowed:
        return NotFound(405, f"405 Method Not Allowed: use {allowed[0]}", allowed)
    return NOT_FOUND


@notfound_view_config()
def not_found(exc, request):
    """One line of text; never touches the session. (Browsers get a page: views/pages.py.)"""
    return _text(not_found_answer(request))


@exception_view_config(URLDecodeError)
@exception_view_config(HTTPMovedPermanently)
def names_nothing(exc, request):
    """404, never an incident, for what names no route: a path that is not UTF-8, and
    a directory of the static view (``/static/.``), which Pyramid redirects (301, the
    only one it makes here) to its URL with a slash — taxapp's static files are one
    flat folder, and that redirect would name the host the client sent."""
    return _text(NOT_FOUND)


def _text(answer: NotFound) -> Response:
    response = Response(answer.line + "\n", status=answer.status, content_type="text/plain", charset="utf-8")
    if answer.allow:
        response.allow = answer.allow
    return response
