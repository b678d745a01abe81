"""The HTML renderer: the app status chooses the page (contract.md §5).

The views return the same result for every format; this module turns it into a
page: which template, and the page model the template needs (form values to refill,
the CSRF token, the simulation to show). Successful state changes answer
``303 See Other`` to the page that shows their outcome, so that a browser refresh
never repeats them; end-session answers ``302`` to a new HTML session.
"""

from __future__ import annotations

from pyramid.csrf import get_csrf_token
from pyramid.renderers import render

from ..tax import shares

TEMPLATES = {
    700: "login",
    201: "login",
    800: "tax",
    301: "tax",
    500: "simulations",
    600: "simulations",
}


def _redirect(request, status, location):
    request.response.status = status
    request.response.location = location
    return ""


def _simulation_to_show(request):
    """display-tax-calculation?id=N shows simulation N of the session, if it is there."""
    digits = request.GET.get("id", "")
    if not (digits.isascii() and digits.isdigit() and len(digits) <= 18):
        return None
    return request.simulations.get(int(digits))


def page_model(result: dict, request) -> dict:
    status = result["status"]
    response = result["response"]
    model = {
        "result": result,
        "status": status,
        "messages": response if isinstance(response, list) and status % 100 else [],
        "user": request.session.get("user"),
        "csrf_token": get_csrf_token(request),
        "form": {},
        "simulation": None,
    }
    if status in (201, 301):
        form = request.POST
        model["form"] = {k: form.get(k, "") for k in ("user", "married", "children", "salary")}
    elif status == 800:
        simulation = _simulation_to_show(request)
        if simulation is not None:
            model["simulation"] = simulation
            model["shares"] = shares(simulation["married"] == "yes", simulation["children"])
            model["form"] = {k: str(simulation[k]) for k in ("married", "children", "salary")}
    elif status in (500, 600):
        model["simulations"] = response
    return model


def rate_percent(rate: float) -> str:
    """0.14 -> '14 %', 0.0 -> '0 %' (never 14.000000000000002 %)."""
    return f"{round(rate * 100, 2):g} %"


def html_renderer_factory(info):
    def render_page(result, system):
        request = system["request"]
        status = result["status"]
        if status == 400:
            return _redirect(request, 302, request.route_path("init-session", type="html"))
        if status == 200:
            return _redirect(request, 303, request.route_path("display-tax-calculation"))
        if status == 300:
            return _redirect(
                request, 303, request.route_path("display-tax-calculation", _query={"id": result["response"]["id"]})
            )
        if status == 600:
            return _redirect(request, 303, request.route_path("list-simulations"))
        template = TEMPLATES.get(status, "error")
        request.response.content_type = "text/html"
        request.response.charset = "utf-8"
        return render(f"taxapp:templates/{template}.jinja2", page_model(result, request), request=request)

    return render_page
