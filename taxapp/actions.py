"""``@action``: register a view once per response type, each with its renderer.

A view of an action is written once and returns plain data (the ``response`` of the
result); the registrations differ only by the ``response_type`` predicate and the
renderer, so the format is chosen by Pyramid's view lookup, never inside a view.
"""

import venusian

from .renderers import RENDERERS
from .routes import ACTIONS
from .sessions import RESPONSE_TYPES


class action:
    """``@action("calculate-tax", permission=AUTHENTICATED, max_body="form")``.

    ``response_types`` limits the registrations (e.g. an HTML-only variant);
    ``csrf=True`` asks the CSRF token on the HTML registration (contract.md §6);
    ``rendered_as`` renders every registration in one type (a valid init-session
    answers in the type it sets); other keyword arguments go to ``config.add_view``.
    """

    def __init__(self, name, *, response_types=RESPONSE_TYPES, csrf=False, rendered_as=None, **settings):
        self.name = name
        self.response_types = response_types
        self.csrf = csrf
        self.rendered_as = rendered_as
        self.settings = settings

    def __call__(self, wrapped):
        def register(context, _name, _ob):
            config = context.config.with_package(info.module)
            for response_type in self.response_types:
                config.add_view(
                    wrapped,
                    route_name=self.name,
                    request_method=ACTIONS[self.name].method,
                    response_type=response_type,
                    renderer=RENDERERS[self.rendered_as or response_type],
                    action=self.name,
                    check_csrf=self.csrf and response_type == "html",
                    **self.settings,
                )

        info = venusian.attach(wrapped, register, category="pyramid")
        return wrapped


class failure_view:
    """``@failure_view(SomeError)``: an exception view answered in the session's format."""

    def __init__(self, context, *, response_types=RESPONSE_TYPES, **settings):
        self.context = context
        self.response_types = response_types
        self.settings = settings

    def __call__(self, wrapped):
        def register(context, _name, _ob):
            config = context.config.with_package(info.module)
            for response_type in self.response_types:
                config.add_exception_view(
                    wrapped,
                    context=self.context,
                    response_type=response_type,
                    renderer=RENDERERS[response_type],
                    **self.settings,
                )

        info = venusian.attach(wrapped, register, category="pyramid")
        return wrapped
