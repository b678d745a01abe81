"""Responses whose ``Location`` stays the path the application wrote.

WebOb makes a relative ``Location`` absolute when the response is sent, from the
request's ``Host`` header, which any client chooses: a redirect would then name
whatever host the client (or a cache in between) put there. A relative reference
is valid in ``Location`` (RFC 9110 §10.2.2), and every browser and HTTP client
resolves it against the URL it asked for, so taxapp's redirects stay paths
(``/display-tax-calculation?id=1``) and never read ``Host`` nor ``X-Forwarded-*``.
"""

from pyramid.httpexceptions import HTTPFound, HTTPSeeOther
from pyramid.response import Response


class RelativeLocation:
    def _abs_headerlist(self, environ):
        # WebOb's hook that absolutizes Location when the response is sent
        return list(self.headerlist)


class TaxappResponse(RelativeLocation, Response):
    """``request.response`` (Pyramid's response factory)."""


class Found(RelativeLocation, HTTPFound):
    """A 302 to a path."""


class SeeOther(RelativeLocation, HTTPSeeOther):
    """A 303 to a path: where a page's successful change sends the browser."""


def includeme(config):
    config.set_response_factory(lambda request: TaxappResponse())
