"""``@action`` and ``@failure_view``: a view registered once per response type.

A view of an action is written once and returns plain data (the ``response`` of the
result); its registrations differ only by the ``response_type`` predicate and the
renderer, so the format is chosen by Pyramid's view lookup, never inside a view.
"""

import venusian

from .contract import ACTIONS, RESPONSE_TYPES
from .renderers import renderer
from .routes import allowed_methods


class _PerResponseType:
    """A venusian decorator calling ``register`` once per response type at scan time."""

    def __init__(self, response_types, template, rendered_as, settings):
        self.response_types = response_types
        self.template = template
        self.rendered_as = rendered_as
        self.settings = settings

    def renderer(self, response_type):
        return renderer(self.rendered_as or response_type, self.template)

    def __call__(self, wrapped):
        def scanned(context, _name, _ob):
            config = context.config.with_package(info.module)
            for response_type in self.response_types:
                self.register(config, wrapped, response_type)

        info = venusian.attach(wrapped, scanned, category="pyramid")
        return wrapped


class action(_PerResponseType):
    """``@action("calculate-tax", permission=AUTHENTICATED, max_body="form")``.

    ``response_types`` limits the registrations (e.g. an HTML-only variant);
    ``template`` names the page of the HTML registration (the error page if none);
    ``csrf=True`` asks the CSRF token on the HTML registration (docs/api.md);
    ``rendered_as`` renders every registration in one type (a valid init-session
    answers in the type it sets); ``changes_state`` (by default the action's, from
    ``contract.ACTIONS``) refuses a browser's cross-site request on the HTML registration;
    other keyword arguments go to ``config.add_view``. The methods are the route's
    (``allowed_methods``): HEAD only where GET changes nothing.
    """

    def __init__(
        self,
        name,
        *,
        response_types=RESPONSE_TYPES,
        template=None,
        csrf=False,
        rendered_as=None,
        changes_state=None,
        **settings,
    ):
        super().__init__(response_types, template, rendered_as, settings)
        self.name = name
        self.csrf = csrf
        self.changes_state = ACTIONS[name].changes_state if changes_state is None else changes_state

    def register(self, config, view, response_type):
        # an init-session to the type the session has already (rendered in it) changes nothing
        keeps_type = self.rendered_as == response_type
        config.add_view(
            view,
            route_name=self.name,
            request_methods=allowed_methods(self.name),
            response_type=response_type,
            renderer=self.renderer(response_type),
            result_of=self.name,
            check_csrf=self.csrf and response_type == "html",
            refuse_cross_site=self.changes_state and response_type == "html" and not keeps_type,
            **self.settings,
        )


class failure_view(_PerResponseType):
    """``@failure_view(SomeError)``: an exception view answered in the session's format.

    ``template`` and ``rendered_as`` as for ``action``;
    ``predicate="known_response_type"`` chooses the format without reading the session
    (for the failures of the session store itself).
    """

    def __init__(
        self,
        context,
        *,
        response_types=RESPONSE_TYPES,
        template=None,
        rendered_as=None,
        predicate="response_type",
        **settings,
    ):
        super().__init__(response_types, template, rendered_as, settings)
        self.context = context
        self.predicate = predicate

    def register(self, config, view, response_type):
        config.add_exception_view(
            view,
            context=self.context,
            renderer=self.renderer(response_type),
            **{self.predicate: response_type},
            **self.settings,
        )
