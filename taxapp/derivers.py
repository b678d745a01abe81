"""View derivers: the pipeline around every action, declared by view options.

Outermost first (docs/api.md, docs/security.md):
1. ``max_body``: a POST body over its limit is refused before anything reads it;
2. ``refuse_cross_site``: on the HTML registrations of the actions that change
   state, a request a browser marks as cross-site is a CSRF failure (102);
3. ``form_body``: a form action's body must be a UTF-8 urlencoded form, checked
   before anything (the CSRF token's check included) parses it;
4. ``check_csrf``: on the HTML registrations of the two form actions, the session's
   CSRF token is required — before the security policy's authentication check, as
   the contract orders the pipeline;
5. Pyramid's ``secured_view``: the security policy (101 checks);
6. ``result_of``: the view's plain return value becomes the result object
   ``{"action", "status", "response"}`` with the action's success status (a page's
   view returns its redirect, or its model with the result in it).
"""

from email.message import Message

from pyramid.csrf import check_csrf_token
from pyramid.exceptions import BadCSRFToken
from pyramid.response import Response

from .contract import ACTIONS, BATCH_MAX_BYTES, FORM_MAX_BYTES
from .errors import NotAUtf8Form, PayloadTooLarge

BODY_LIMIT_SETTINGS = {
    "form": ("taxapp.form_max_bytes", FORM_MAX_BYTES),
    "batch": ("taxapp.batch_max_bytes", BATCH_MAX_BYTES),
}


def max_body(view, info):
    kind = info.options.get("max_body")
    if kind is None:
        return view
    setting, default = BODY_LIMIT_SETTINGS[kind]
    limit = int(info.settings.get(setting, default))

    def limited(context, request):
        if (request.content_length or 0) > limit:
            raise PayloadTooLarge(limit)
        return view(context, request)

    return limited


max_body.options = ("max_body",)


FORM_TYPE = "application/x-www-form-urlencoded"
UTF8_NAMES = ("utf-8", "utf8")


def is_utf8_form(request) -> bool:
    """Urlencoded with no charset or UTF-8's; an empty body needs no Content-Type.

    Multipart is refused rather than read (docs/security.md): taxapp's pages and the
    course's clients post urlencoded forms, and WebOb's multipart reading (the ``cgi``
    module's) decodes each part in its own declared charset."""
    header = Message()
    header["Content-Type"] = request.headers.get("Content-Type", "")
    charset = header.get_param("charset")
    if isinstance(charset, tuple):  # an RFC 2231 charset*=… value
        return False
    if charset is not None and charset.strip().lower() not in UTF8_NAMES:
        return False
    if not request.content_length:
        return not header.get_content_type().startswith("multipart/")
    return header.get_content_type() == FORM_TYPE


def form_body(view, info):
    if info.options.get("max_body") != "form":
        return view

    def checked(context, request):
        if not is_utf8_form(request):
            raise NotAUtf8Form
        return view(context, request)

    return checked


# What Sec-Fetch-Site says of a request from this server's own pages, or from the person
# (a typed address, a bookmark); "same-site" is a sibling subdomain: another origin.
SAME_ORIGIN = ("same-origin", "none")


def is_cross_site(request) -> bool:
    """A browser says the request does not come from this server's pages: a
    ``Sec-Fetch-Site`` other than ``same-origin`` or ``none`` (``same-site`` and
    ``cross-site``), or an ``Origin`` other than this server's scheme and host
    (``null`` included). Programs send neither header."""
    site = request.headers.get("Sec-Fetch-Site")
    if site is not None and site.strip().lower() not in SAME_ORIGIN:
        return True
    origin = request.headers.get("Origin")
    return origin is not None and origin.strip().rstrip("/").lower() != request.host_url.lower()


def refuse_cross_site(view, info):
    if not info.options.get("refuse_cross_site"):
        return view

    def same_site_only(context, request):
        if is_cross_site(request):
            raise BadCSRFToken  # answered 102 by its exception view, nothing changed
        return view(context, request)

    return same_site_only


refuse_cross_site.options = ("refuse_cross_site",)


def check_csrf(view, info):
    if not info.options.get("check_csrf"):
        return view

    def checked(context, request):
        check_csrf_token(request)  # raises BadCSRFToken, answered 102 by its exception view
        return view(context, request)

    return checked


check_csrf.options = ("check_csrf",)


class Page(dict):
    """A page's model (views/pages.py): it holds the result object already."""


def action_result(view, info):
    name = info.options.get("result_of")
    if name is None:
        return view
    status = ACTIONS[name].status

    def result(context, request):
        response = view(context, request)
        request.app_status = status
        if isinstance(response, (Response, Page)):  # a page's redirect, or its model
            return response
        return {"action": name, "status": status, "response": response}

    return result


action_result.options = ("result_of",)


def includeme(config):
    config.add_view_deriver(check_csrf, under="INGRESS", over="secured_view")
    config.add_view_deriver(form_body, under="INGRESS", over="check_csrf")
    config.add_view_deriver(refuse_cross_site, under="INGRESS", over="form_body")
    config.add_view_deriver(max_body, under="INGRESS", over="refuse_cross_site")
    config.add_view_deriver(action_result, under="rendered_view", over="mapped_view")
