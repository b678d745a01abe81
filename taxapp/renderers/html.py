"""The HTML renderer: the app status chooses the page (docs/api.md).

The views return the same result for every format; this module turns it into a
page: which template, and the page model the template needs (form values to refill,
the CSRF token, the simulation to show). Successful state changes answer
``303 See Other`` to the page that shows their outcome, so that a browser refresh
never repeats them; end-session answers ``302`` to a new HTML session.
"""

from __future__ import annotations

from pyramid.csrf import get_csrf_token
from pyramid.renderers import render

from ..errors import BodyRefused
from ..tax import COURSE_YEAR, default_rules, shares

# The statuses answered with a page; any other is the error page. 200, 300 and 600
# redirect (303) to the page of their outcome: 800 and 500.
TEMPLATES = {
    700: "login",
    201: "login",
    800: "tax",
    301: "tax",
    500: "simulations",
}

# The fields a failed form refills (never the password).
REFILLED_FIELDS = {201: ("user",), 301: ("married", "children", "salary", "year", "rules", "single_parent")}

# The form fields the failure messages may name (docs/api.md): "[user] parameter
# missing", "Invalid value [x] for parameter [salary (integer >= 0)]", …
FORM_FIELDS = ("user", "password", "married", "children", "salary", "year", "rules", "single_parent")

# The pages load nothing but taxapp's own style sheet and icon, run no script, and are
# never framed; they hold a session's data and its CSRF token, so no cache keeps them.
PAGE_HEADERS = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'self'; img-src 'self'; form-action 'self'; "
        "base-uri 'none'; frame-ancestors 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}

NBSP = "\u00a0"
THIN_NBSP = "\u202f"


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


def _refill(request, status) -> dict:
    """The posted values of a failed form, to show them again.

    A body refused unread (too large, not a UTF-8 form) is never read: its values are not shown.
    """
    if isinstance(getattr(request, "exception", None), BodyRefused):
        return {}
    form = request.POST
    return {name: ",".join(form.getall(name)) for name in REFILLED_FIELDS.get(status, ())}


def _invalid_fields(messages) -> set[str]:
    """The form fields the messages are about, to mark them ``aria-invalid``."""
    return {
        field
        for field in FORM_FIELDS
        for message in messages
        if isinstance(message, str) and (f"[{field}]" in message or f"[{field} (" in message)
    }


def money(amount: int) -> str:
    """55555 -> '55 555 €' (narrow no-break space between thousands, no break before €)."""
    return f"{amount:,}".replace(",", THIN_NBSP) + NBSP + "€"


def rate_percent(rate: float) -> str:
    """0.14 -> '14 %', 0.0 -> '0 %' (never 14.000000000000002 %)."""
    return f"{round(rate * 100, 2):g} %"


def number(value: float) -> str:
    """3.0 -> '3', 2.5 -> '2.5'."""
    return f"{value:g}"


def page_model(result: dict, request) -> dict:
    status = result["status"]
    response = result["response"]
    messages = response if isinstance(response, list) and status % 100 else []
    model = {
        "result": result,
        "status": status,
        "messages": messages,
        "invalid": _invalid_fields(messages) if status in REFILLED_FIELDS else set(),
        "user": request.authenticated_userid,
        "csrf_token": get_csrf_token(request),
        "tax_year": request.registry["tax_data"].tax_year,
        # what the form offers, and what a simulation made without year or rules used
        "tax_years": request.registry["year_options"].years,
        "course_year": COURSE_YEAR,
        "default_rules": default_rules(request.registry["tax_data"].tax_year),
        "form": _refill(request, status) if status in REFILLED_FIELDS else {},
        "simulation": None,
        "money": money,
        "number": number,
    }
    if status == 800:
        simulation = _simulation_to_show(request)
        if simulation is not None:
            model["simulation"] = simulation
            model["shares"] = shares(
                simulation["married"] == "yes", simulation["children"], simulation.get("single_parent") == "yes"
            )
            model["form"] = {k: str(simulation[k]) for k in REFILLED_FIELDS[301] if k in simulation}
    elif status == 500:
        model["simulations"] = response
    return model


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
        response = request.response
        response.content_type = "text/html"
        response.charset = "utf-8"
        response.headers.update(PAGE_HEADERS)
        return render(f"taxapp:templates/{template}.jinja2", page_model(result, request), request=request)

    return render_page
