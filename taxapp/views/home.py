from pyramid.httpexceptions import HTTPFound
from pyramid.view import view_config


@view_config(route_name="home", request_method="GET")
def home(request):
    """``/`` starts a browser on the HTML pages."""
    return HTTPFound(location=request.route_path("init-session", type="html"))
