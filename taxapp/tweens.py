"""Tweens: the request log line, the query string's and the cookies' checks, and the optional ``sleep_time`` pause.

The log line has the method, path, action, app status, HTTP status and duration;
never a form field, a cookie, a header, a token or a session id.
"""

import logging
import random
import time

from pyramid.httpexceptions import HTTPNotFound
from pyramid.tweens import EXCVIEW

from .logs import logged_path

log = logging.getLogger("taxapp.requests")


def request_log_tween_factory(handler, registry):
    def request_log_tween(request):
        start = time.perf_counter()
        response = handler(request)
        route = request.matched_route
        log.info(
            "%s %s action=%s status=%s http=%s %.1fms",
            request.method,
            logged_path(request),
            route.name if route else "-",
            getattr(request, "app_status", "-"),
            response.status_code,
            (time.perf_counter() - start) * 1000,
        )
        return response

    return request_log_tween


def utf8_query_tween_factory(handler, registry):
    """A query string that is not UTF-8 is answered like such a path: 404 (docs/api.md).

    WebOb decodes the query only when a view reads ``request.GET`` (get-admindata's
    ``year``, a page's ``id``), where its ``UnicodeDecodeError`` would be an incident;
    decoding it here, under the exception views, makes it the not-found answer.
    """

    def utf8_query_tween(request):
        try:
            request.GET  # noqa: B018 (decoded for its error)
        except UnicodeDecodeError:
            raise HTTPNotFound from None
        return handler(request)

    return utf8_query_tween


def readable_cookies_tween_factory(handler, registry):
    """A ``Cookie`` header WebOb cannot decode is no cookie at all.

    WebOb's parser raises ``UnicodeDecodeError`` on a backslash-quoted byte that is not
    UTF-8 (``session=\\\x80``), in any cookie of the header, wherever the session is
    then read — the exception views included, so the answer was the WSGI server's bare
    500. No browser sends one; taken away here, the request has no session, as with a
    cookie badly signed.
    """

    def readable_cookies_tween(request):
        try:
            len(request.cookies)  # parsed (and cached by WebOb) for its error
        except UnicodeDecodeError:
            del request.environ["HTTP_COOKIE"]
        return handler(request)

    return readable_cookies_tween


def sleep_tween_factory(handler, registry):
    """About half of the requests pause ``taxapp.sleep_time`` seconds (to show concurrency)."""
    seconds = float(registry.settings.get("taxapp.sleep_time") or 0)
    if seconds <= 0:
        return handler

    def sleep_tween(request):
        if random.random() < 0.5:
            time.sleep(seconds)
        return handler(request)

    return sleep_tween


def includeme(config):
    config.add_tween("taxapp.tweens.request_log_tween_factory")
    config.add_tween("taxapp.tweens.sleep_tween_factory")
    config.add_tween("taxapp.tweens.utf8_query_tween_factory", under=EXCVIEW)
    config.add_tween("taxapp.tweens.readable_cookies_tween_factory", under=EXCVIEW)
