from pyramid.view import view_config

from ..responses import Found


@view_config(route_name="home", request_method="GET")
def home(request):
    """``/`` starts a browser on the HTML pages."""
    return Found(location=request.route_path("init-session", type="html"))
