"""One route per action of ``contract.ACTIONS``; the action's name is the route's name (the URL's first segment)."""

import hashlib
from importlib.resources import files

from pyramid.static import QueryStringConstantCacheBuster

from .contract import ACTIONS

# The routes that are not actions: (pattern, method, whether a request changes state),
# for the 405 answers' Allow header and HEAD (the language switch sets its cookie).
# "static" has no view: it catches the static files' other methods (the static view's
# own route takes only GET and HEAD), so that they are a 405 like any known URL's.
OTHER_ROUTES = {
    "home": ("/", "GET", False),
    "language": ("/language/{locale:en|fr}", "GET", True),
    "static": ("/static/*subpath", "GET", False),
}


def allowed_methods(route_name: str) -> tuple[str, ...]:
    """The methods a route answers (HEAD with a GET that changes nothing); () if unknown."""
    if route_name in ACTIONS:
        action = ACTIONS[route_name]
        method, safe = action.method, not action.changes_state
    elif route_name in OTHER_ROUTES:
        _pattern, method, changes_state = OTHER_ROUTES[route_name]
        safe = not changes_state
    else:
        return ()
    return (method, "HEAD") if method == "GET" and safe else (method,)


class RequestMethodsPredicate:
    """``request_methods=("GET",)``: exactly these methods. Pyramid's ``request_method``
    lets HEAD in wherever GET is; here a HEAD is only where GET changes nothing."""

    def __init__(self, value, config):
        self.value = tuple(value)

    def text(self):
        return f"request_methods = {self.value}"

    phash = text

    def __call__(self, context, request):
        return request.method in self.value


def static_fingerprint() -> str:
    """A digest of the static files: their URLs change when they do, so they can be cached long."""
    digest = hashlib.sha256()
    for path in sorted(files("taxapp").joinpath("static").iterdir(), key=lambda p: p.name):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def includeme(config):
    config.add_view_predicate("request_methods", RequestMethodsPredicate)
    # the route's predicate: Pyramid's static view answers any method (PUT, TRACE: a 200)
    methods = allowed_methods("static")
    config.add_static_view("static", "taxapp:static", cache_max_age=365 * 24 * 3600, request_method=methods)
    config.add_cache_buster("taxapp:static/", QueryStringConstantCacheBuster(static_fingerprint()))
    for name, (pattern, _method, _changes_state) in OTHER_ROUTES.items():
        config.add_route(name, pattern)
    for name, action in ACTIONS.items():
        config.add_route(name, action.pattern)
