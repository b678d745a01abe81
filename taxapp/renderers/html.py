"""The pages: Jinja2 templates named by their views, and the headers every page gets.

The views decide (which page, which redirect, what it shows); a template only
renders the result it is given. Each HTML registration names its template
(``template="tax"`` → ``taxapp:templates/tax.jinja2``). The templates' filters
(``money``, ``number``, ``percent``, ``translate``: ``taxapp.i18n``) and globals
(``csrf_token``, ``signed_in_user``) are registered through pyramid_jinja2's settings.
"""

from __future__ import annotations

from pyramid.csrf import get_csrf_token
from pyramid.path import DottedNameResolver
from pyramid_jinja2.settings import parse_named_assetspecs

from ..i18n import JINJA2_FILTERS
from ..security import USER_KEY
from ..session_store import opened_session


def template(name: str) -> str:
    return f"taxapp:templates/{name}.jinja2"


# The pages load nothing but taxapp's own style sheet and icon, run no script, and are
# never framed.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
}

# A page holds a session's data (a result, the list of simulations) and its CSRF token:
# no cache keeps it. A failed POST's page holds only what the person typed, never a
# result: the browser may keep it (private, never in a shared cache) so that Back
# returns to it instead of Chromium's "Confirm Form Resubmission" page (no-store
# forbids that; measured in tests/browser/test_pages.py).
CACHE_CONTROL = "no-store"
FAILED_POST_CACHE_CONTROL = "private, no-cache"


def signed_in_user(request):
    """Who is signed in, from a session the request has already opened: a page never
    opens the session itself (a 404 page never touches it, a 503 page cannot)."""
    session = opened_session(request)
    return session.get(USER_KEY) if session is not None else None


def page_headers_tween_factory(handler, registry):
    """The headers of every HTML answer, whichever view or exception view made it."""

    def page_headers_tween(request):
        response = handler(request)
        if response.content_type == "text/html":
            response.charset = "utf-8"  # as the JSON and XML answers spell it
            response.headers.update(PAGE_HEADERS)
            failed_post = request.method == "POST" and response.status_code >= 400
            response.headers["Cache-Control"] = FAILED_POST_CACHE_CONTROL if failed_post else CACHE_CONTROL
        return response

    return page_headers_tween


def includeme(config):
    settings = config.get_settings()
    # added to, not replacing, what an ini file may declare
    settings["jinja2.filters"] = {**_named(settings.get("jinja2.filters")), **JINJA2_FILTERS}
    settings["jinja2.globals"] = {
        **_named(settings.get("jinja2.globals")),
        "csrf_token": get_csrf_token,
        "signed_in_user": signed_in_user,
    }
    settings.setdefault("jinja2.i18n.domain", "taxapp")
    config.include("pyramid_jinja2")
    config.add_jinja2_renderer(".jinja2")
    config.add_tween("taxapp.renderers.html.page_headers_tween_factory")


def _named(value) -> dict:
    return parse_named_assetspecs(value or {}, DottedNameResolver().maybe_resolve)
