"""View derivers: the pipeline around every action, declared by view options.

Outermost first (contract.md §2):
1. ``max_body``: a POST body over its limit is refused before anything reads it;
2. ``check_csrf``: on the HTML registrations of the two form actions, the session's
   CSRF token is required — before the security policy's authentication check, as
   the contract orders the pipeline;
3. Pyramid's ``secured_view``: the security policy (101 checks);
4. ``action``: the view's plain return value becomes the result object
   ``{"action", "status", "response"}`` with the action's success status.
"""

from pyramid.csrf import check_csrf_token
from pyramid.response import Response

from .errors import PayloadTooLarge
from .routes import ACTIONS

BODY_LIMIT_SETTINGS = {"form": ("taxapp.form_max_bytes", 65536), "batch": ("taxapp.batch_max_bytes", 2097152)}


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


def check_csrf(view, info):
    if not info.options.get("check_csrf"):
        return view

    def checked(context, request):
        check_csrf_token(request)  # raises BadCSRFToken, answered 102 by its exception view
        return view(context, request)

    return checked


check_csrf.options = ("check_csrf",)


def action_result(view, info):
    name = info.options.get("action")
    if name is None:
        return view
    status = ACTIONS[name].status

    def result(context, request):
        response = view(context, request)
        if isinstance(response, Response):
            return response
        request.app_status = status
        return {"action": name, "status": status, "response": response}

    return result


action_result.options = ("action",)


def includeme(config):
    config.add_view_deriver(check_csrf, under="INGRESS", over="secured_view")
    config.add_view_deriver(max_body, under="INGRESS", over="check_csrf")
    config.add_view_deriver(action_result, under="rendered_view", over="mapped_view")
