"""What answers when an action does not: failures, pipeline errors, incidents, 404/405.

Each failure is answered in the session's format (``failure_view`` registers it once
per response type); a store outage in the format the request had already read, JSON
when Redis was down before it could read any.
"""

import logging

import redis
from pyramid.exceptions import BadCSRFToken, URLDecodeError
from pyramid.httpexceptions import HTTPForbidden, HTTPMovedPermanently
from pyramid.response import Response
from pyramid.view import exception_view_config, notfound_view_config

from ..actions import failure_view
from ..errors import ActionFailed
from ..incidents import new_incident_id, report_incident
from ..routes import ACTIONS, allowed_methods

log = logging.getLogger(__name__)


def _result(request, status, response, http_status):
    request.response.status = http_status
    request.app_status = status
    route = request.matched_route
    return {"action": route.name if route else "", "status": status, "response": response}


@failure_view(ActionFailed)
def action_failed(exc, request):
    request.response.headers.update(exc.headers)
    return _result(request, ACTIONS[request.matched_route.name].status + 1, exc.messages, exc.http_status)


@failure_view(HTTPForbidden)
def forbidden(exc, request):
    """The security policy's denial (no session, or not authenticated): 101."""
    return _result(request, 101, [exc.result.msg], 400)


@failure_view(BadCSRFToken)
def bad_csrf_token(exc, request):
    return _result(request, 102, ["invalid or missing CSRF token"], 400)


@failure_view(redis.RedisError, predicate="known_response_type")
def store_unavailable(exc, request):
    log.error("session store unavailable: %s: %s", type(exc).__name__, exc)
    return _result(request, 131, ["service temporarily unavailable"], 503)


@failure_view(Exception)
def incident(exc, request):
    """A bug or a database error: an id for the client, the traceback for the log and mail."""
    incident_id = new_incident_id()
    report_incident(request, incident_id, exc)
    return _result(request, 131, [f"internal error, incident {incident_id}"], 500)


@notfound_view_config()
def not_found(exc, request):
    """404, or 405 for a known URL with another method; never touches the session."""
    route = request.matched_route
    allowed = allowed_methods(route.name) if route else ()
    if not allowed:
        return _text(404, "404 Not Found")
    if request.method not in allowed:
        response = _text(405, f"405 Method Not Allowed: use {allowed[0]}")
        response.allow = allowed
        return response
    return _text(404, "404 Not Found")


@exception_view_config(URLDecodeError)
def undecodable_path(exc, request):
    """A path that is not UTF-8 names no route: 404, never an incident."""
    return _text(404, "404 Not Found")


@exception_view_config(HTTPMovedPermanently)
def static_directory(exc, request):
    """The static view's redirect of a directory (``/static/.``) to its URL with a
    slash, the only 301 Pyramid makes here: taxapp's static files are one flat
    folder, so a directory names nothing (and that redirect would name the host the
    client sent)."""
    return _text(404, "404 Not Found")


def _text(status, line):
    return Response(line + "\n", status=status, content_type="text/plain", charset="utf-8")
