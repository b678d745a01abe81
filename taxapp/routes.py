"""One route per action; the action's name is the route's name (the URL's first segment)."""

# name: (pattern, request method)
ACTIONS = {
    "init-session": ("/init-session/{type}", "GET"),
    "authenticate-user": ("/authenticate-user", "POST"),
    "calculate-tax": ("/calculate-tax", "POST"),
    "calculate-taxes": ("/calculate-taxes", "POST"),
    "list-simulations": ("/list-simulations", "GET"),
    # the segment must be digits: /delete-simulation/-4 and /abc are 404
    "delete-simulation": (r"/delete-simulation/{n:\d+}", "GET"),
    "display-tax-calculation": ("/display-tax-calculation", "GET"),
    "end-session": ("/end-session", "GET"),
    "get-admindata": ("/get-admindata", "GET"),
}


def includeme(config):
    config.add_static_view("static", "taxapp:static", cache_max_age=3600)
    config.add_route("home", "/")
    for name, (pattern, _method) in ACTIONS.items():
        config.add_route(name, pattern)
