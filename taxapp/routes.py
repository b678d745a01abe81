"""One route per action; the action's name is the route's name (the URL's first segment)."""

import hashlib
from importlib.resources import files
from typing import NamedTuple

from pyramid.static import QueryStringConstantCacheBuster


class Action(NamedTuple):
    pattern: str
    method: str
    status: int  # app status of success; failure is status + 1


ACTIONS = {
    "init-session": Action("/init-session/{type}", "GET", 700),
    "authenticate-user": Action("/authenticate-user", "POST", 200),
    "calculate-tax": Action("/calculate-tax", "POST", 300),
    "calculate-taxes": Action("/calculate-taxes", "POST", 1500),
    "list-simulations": Action("/list-simulations", "GET", 500),
    # the segment must be digits: /delete-simulation/-4 and /abc are 404
    "delete-simulation": Action(r"/delete-simulation/{n:\d+}", "GET", 600),
    "display-tax-calculation": Action("/display-tax-calculation", "GET", 800),
    "end-session": Action("/end-session", "GET", 400),
    "get-admindata": Action("/get-admindata", "GET", 1000),
}

# Methods of the routes that are not actions, for the 405 answers' Allow header.
OTHER_ROUTES = {"home": ("/", "GET")}


def allowed_method(route_name: str) -> str | None:
    if route_name in ACTIONS:
        return ACTIONS[route_name].method
    if route_name in OTHER_ROUTES:
        return OTHER_ROUTES[route_name][1]
    return None


def static_fingerprint() -> str:
    """A digest of the static files: their URLs change when they do, so they can be cached long."""
    digest = hashlib.sha256()
    for path in sorted(files("taxapp").joinpath("static").iterdir(), key=lambda p: p.name):
        digest.update(path.name.encode() + path.read_bytes())
    return digest.hexdigest()[:12]


def includeme(config):
    config.add_static_view("static", "taxapp:static", cache_max_age=365 * 24 * 3600)
    config.add_cache_buster("taxapp:static/", QueryStringConstantCacheBuster(static_fingerprint()))
    for name, (pattern, _method) in OTHER_ROUTES.items():
        config.add_route(name, pattern)
    for name, action in ACTIONS.items():
        config.add_route(name, action.pattern)
