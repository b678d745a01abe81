"""The pages: the HTML registrations that differ from the JSON and XML answers.

The page decisions (docs/pages.md) are made here, each by a view of its own:

- a successful change answers ``303 See Other`` to the page of its outcome, so that
  a refresh never repeats it (end-session: ``302`` to a new HTML session);
- a failure answers its page directly with its status (401 failed sign-in, 400
  refused calculation, …), its problems said in plain words in the page's language
  next to the field concerned (``PLAIN``), never the protocol's messages;
- a browser without a session (none, expired, forged) is sent to the sign-in page;
  a browser's 404 and 405 are pages of the layout;
- the language chosen on a page is kept in a cookie of its own (``i18n``).

Templates render what these views return; the result object of the action is
there too (``action``, ``status``, ``response``).
"""

from __future__ import annotations

import re

import redis
from babel.numbers import format_decimal
from pyramid.exceptions import BadCSRFToken, URLDecodeError
from pyramid.httpexceptions import HTTPForbidden, HTTPMovedPermanently
from pyramid.renderers import render_to_response
from pyramid.view import exception_view_config, notfound_view_config, view_config
from webob.multidict import MultiDict

from .. import forms
from ..contract import ACTIONS, DEFAULT_RESPONSE_TYPE, MAX_CHILDREN, MAX_SALARY
from ..derivers import Page
from ..errors import ActionFailed, BodyRefused, Problem
from ..i18n import DEFAULT_LOCALE, LOCALES, _, keep_language
from ..registration import action, failure_view
from ..renderers.html import template
from ..responses import Found, SeeOther
from ..routes import allowed_methods
from ..security import AUTHENTICATED, IN_SESSION
from ..tax import COURSE_YEAR, default_rules, shares
from ..throttle import TooManySessions
from . import actions, failures

PAGES = ("html",)

# What each problem means for a person, and what to do (the API's messages stay the
# contract's). A failure without problems shows its messages as they are.
PLAIN = {
    ("user", "missing"): _("Enter your user name."),
    ("password", "missing"): _("Enter your password."),
    ("password", "wrong"): _("The user name or the password is not right: type your password again."),
    ("married", "missing"): _("Choose Yes or No."),
    ("married", "invalid"): _("Choose Yes or No."),
    ("children", "missing"): _("Enter the number of dependent children (0 if none)."),
    ("children", "invalid"): _("Enter the number of children as a whole number from 0 to ${max}."),
    ("salary", "missing"): _("Enter your annual net salary, in euros."),
    ("salary", "invalid"): _("Enter the salary as a whole number of euros from 0 to ${max}, for example 55 555."),
    (None, "unexpected-fields"): _("The form sent fields this page does not have: reload the page and try again."),
    (None, "too-large"): _("What you sent is too large: check what you typed and try again."),
    (None, "not-a-form"): _("What you sent was not this page’s form: reload the page and try again."),
    (None, "unknown-simulation"): _("Simulation #${value} does not exist: it may have been deleted already."),
    (None, "unknown-type"): _("This address is not a page of taxapp."),
    (None, "programs-only"): _("For programs only: this action is only available for JSON or XML sessions."),
    (None, "signed-out"): _("You are not signed in: sign in to see this page."),
    (None, "csrf"): _("This form had expired or did not come from this site: nothing was changed. Try again."),
    (None, "incident"): _("Something went wrong on our side (incident ${value}): try again later."),
    (None, "unavailable"): _("The service is unavailable for a moment: try again in a few seconds."),
    (None, "session-expired"): _("Your session has expired or was never started: sign in again."),
    ("year", "invalid"): _("Choose one of the tax years in the list."),
    ("rules", "invalid"): _("Choose the law’s rules or the course’s."),
    ("rules", "course-only"): _("The course’s rules exist for ${value} only: choose the law’s rules, or ${value}."),
    ("single_parent", "invalid"): _(
        "“I live alone with my children” is only for someone not married, with children, under the law’s rules."
    ),
    (None, "throttled"): _("Too many failed attempts: try again in ${value} seconds"),
    (None, "too-many-sessions"): _("Too many sessions were started from your network: try again in ${value} seconds."),
    (None, "session-full"): _(
        "Your list already holds ${value} simulations, the most a session may keep: delete some to calculate again."
    ),
}

# The limits said in the hints and messages, formatted in the page's language.
LIMITS = {"children": MAX_CHILDREN, "salary": MAX_SALARY}

# What a French person types in the salary field: groups of digits separated by
# spaces (normal, no-break or narrow no-break), and zero cents ("55 555,00").
_SALARY_AS_TYPED = re.compile(r"\d{1,3}(?:[ \u00a0\u202f]\d{3})+|\d+")
_ZERO_CENTS = re.compile(r"[,.]00?$")
_SPACES = re.compile(r"[ \u00a0\u202f]")


def plain_salary(value: str) -> str:
    """'55 555', '55555,00', '55\u202f555,00' -> '55555'; anything else unchanged (and
    then refused by the form's strict validation)."""
    text = _ZERO_CENTS.sub("", value.strip())
    return _SPACES.sub("", text) if _SALARY_AS_TYPED.fullmatch(text) else value


# The limits as each language writes them, formatted once (every page shows them).
_LIMITS_SAID = {
    locale: {field: format_decimal(value, locale=locale) for field, value in LIMITS.items()} for locale in LOCALES
}


def _limits_said(request) -> dict[str, str]:
    return _LIMITS_SAID.get(request.locale_name) or _LIMITS_SAID[DEFAULT_LOCALE]


def limit(request, field: str) -> str:
    return _limits_said(request)[field]


def said(request, problem: Problem):
    """The problem in plain words (a translation string), or None if there are none."""
    words = PLAIN.get((problem.field, problem.kind))
    if words is None:
        return None
    mapping = {"value": problem.value}
    if problem.field in LIMITS:
        mapping["max"] = limit(request, problem.field)
    return _(words, mapping=mapping)


def page(request, result=None, problems=(), **model) -> Page:
    """The model of a page: the action's result (its success when not given), its
    problems in plain words — each field's own (``errors``: field → words) and the
    page's list (``summary``: (field, words)) — the limits, and what the view adds."""
    if result is None:
        name = request.matched_route.name
        result = {"action": name, "status": ACTIONS[name].status, "response": None}
    errors, summary = {}, []
    for problem in problems:
        words = said(request, problem)
        if words is None:
            continue
        if problem.field is not None:
            errors.setdefault(problem.field, words)
        if (problem.field, words) not in summary:
            summary.append((problem.field, words))
    messages = result["response"] if result["status"] % 100 else []
    if len(problems) != len(messages) or len(summary) < len(set(problems)):
        # a failure (or a part of one) the pages have no words for: its messages as they are
        summary = [(None, message) for message in messages if isinstance(message, str)]
    return Page(result, errors=errors, summary=summary, limits=_limits_said(request), **model)


def _refill(request, fields) -> dict:
    """The posted values of a failed form, to show them again; a body refused unread
    (too large, not a UTF-8 form) is never read."""
    if isinstance(getattr(request, "exception", None), BodyRefused):
        return {}
    return {name: ",".join(request.POST.getall(name)) for name in fields}


# --- sign-in -----------------------------------------------------------------------------


@action("init-session", match_param="type=html", response_types=PAGES, is_authenticated=True, prefers_html=True)
@action("authenticate-user", response_types=PAGES, is_authenticated=True, prefers_html=True)
def signed_in_already(request):
    """A signed-in browser back on the sign-in page (Back after signing in) goes to the
    tax page: the sign-in form is never shown to someone signed in. The form posted
    again while signed in (a failed attempt's page, kept by the browser for Back, then
    submitted) goes there too, and changes nothing."""
    return SeeOther(request.route_path("display-tax-calculation"))


@action("authenticate-user", permission=IN_SESSION, max_body="form", csrf=True, response_types=PAGES)
def sign_in(request):
    actions.authenticate_user(request)
    return SeeOther(request.route_path("display-tax-calculation"))


@failure_view(ActionFailed, response_types=PAGES, route_name="authenticate-user", template="login")
def sign_in_failed(exc, request):
    result = failures.action_failed(exc, request)
    wrong = Problem("password", "wrong") in exc.problems
    focus = "password" if wrong else "summary"
    return page(request, result, exc.problems, form=_refill(request, ("user",)), focus=focus)


# --- a browser without a session ---------------------------------------------------------


@failure_view(
    HTTPForbidden,
    response_types=(DEFAULT_RESPONSE_TYPE,),
    in_session=False,
    prefers_html=True,
    request_method=("GET", "HEAD"),
)
def no_session_go_sign_in(exc, request):
    return SeeOther(request.route_path("init-session", type="html"))


@failure_view(
    HTTPForbidden,
    response_types=(DEFAULT_RESPONSE_TYPE,),
    in_session=False,
    prefers_html=True,
    rendered_as="html",
    template="login",
)
def no_session_sign_in_again(exc, request):
    """A form posted without a session (it expired while the page was open): the sign-in
    page, in a new HTML session so that its form works; past the sessions its address may
    start, the refusal's page, with no form and no session (an exception view cannot
    raise it to another)."""
    result = failures.forbidden(exc, request)
    try:
        actions.start_session(request, "html")
    except TooManySessions as refused:
        model = page(request, failures.action_failed(refused, request), refused.problems)
        return render_to_response(template("error"), model, request=request, response=request.response)
    return page(request, result, [Problem(None, "session-expired")], focus="summary")


# --- the tax page ----------------------------------------------------------------------------


def _plain_tax_form(form) -> MultiDict:
    """The posted tax form with the salary as a French person may type it made plain."""
    plain = MultiDict(form)
    if "salary" in plain:
        plain["salary"] = ",".join(plain_salary(value) for value in form.getall("salary"))
    return plain


@action("calculate-tax", permission=AUTHENTICATED, max_body="form", csrf=True, response_types=PAGES)
def calculate(request):
    simulation = actions.calculate_tax(request, _plain_tax_form(request.POST))
    return SeeOther(request.route_path("display-tax-calculation", _query={"id": simulation["id"]}))


# The tax form's fields, refilled after a refusal and from a simulation shown.
TAX_FORM_FIELDS = forms.TAX_FIELDS + forms.YEAR_FIELDS


def tax_form(request) -> dict:
    """What the tax form offers: the years, and the rules of the default year."""
    options = request.registry["year_options"]
    return {
        "tax_year": options.default,
        "tax_years": options.years,
        "course_year": COURSE_YEAR,
        "default_rules": default_rules(options.default),
    }


@failure_view(ActionFailed, response_types=PAGES, route_name="calculate-tax", template="tax")
def calculation_refused(exc, request):
    result = failures.action_failed(exc, request)
    form = _refill(request, TAX_FORM_FIELDS)
    return page(request, result, exc.problems, form=form, simulation=None, **tax_form(request))


def _simulation_to_show(request):
    """display-tax-calculation?id=N shows simulation N of the session, if it is there and
    is one of this form's (a household's, made by a program, has a page of its own to come)."""
    _, number = actions.simulation_id(request.GET.get("id", ""))
    simulation = request.simulations.get(number) if number is not None else None
    return simulation if simulation is not None and "household" not in simulation else None


@action("display-tax-calculation", permission=AUTHENTICATED, response_types=PAGES, template="tax")
def tax_page(request):
    simulation = _simulation_to_show(request)
    if simulation is None:
        return page(request, form={}, simulation=None, **tax_form(request))
    return page(
        request,
        form={name: str(simulation[name]) for name in TAX_FORM_FIELDS if name in simulation},
        simulation=simulation,
        shares=shares(simulation["married"] == "yes", simulation["children"], simulation.get("single_parent") == "yes"),
        **tax_form(request),
    )


# --- the list ----------------------------------------------------------------------------------

# The simulations deleted since the list was last shown, said on it once; the last few
# only: a session that deletes without ever showing the list kept one note per deletion.
DELETED_KEY = "deleted"
MAX_DELETED_NOTES = 10


def list_page_number(request) -> int:
    """``?page=N`` of the list: 1 unless a page number (``02`` is 2)."""
    _, number = actions.simulation_id(request.GET.get("page", ""))
    return number or 1


def list_page_path(request, number: int) -> str:
    return request.route_path("list-simulations", _query={"page": number} if number > 1 else {})


@action("list-simulations", permission=AUTHENTICATED, response_types=PAGES, template="simulations")
def list_page(request):
    """One page of the list, newest first: a page is ``taxapp.list_page_size`` simulations
    (a whole session at the cap was a page of 7 MiB and 2.7 s of CPU); past the last
    page, the last one."""
    size, number = request.registry["list_page_size"], list_page_number(request)
    held, simulations = request.simulations.page(number, size)
    pages = max(1, -(-held // size))
    if number > pages:
        number = pages
        held, simulations = request.simulations.page(number, size)
    deleted = request.session.pop(DELETED_KEY) if DELETED_KEY in request.session else []
    return page(
        request,
        simulations=simulations,
        held=held,
        page_number=number,
        pages=pages,
        newer=list_page_path(request, number - 1) if number > 1 else None,
        older=list_page_path(request, number + 1) if number < pages else None,
        notes=[_("Simulation #${value} deleted.", mapping={"value": n}) for n in deleted],
        **tax_form(request),
    )


@action("delete-simulation", permission=AUTHENTICATED, response_types=PAGES)
def delete(request):
    actions.delete_simulation(request)
    noted = [*request.session.get(DELETED_KEY, []), actions.simulation_id(request.matchdict["n"])[0]]
    request.session[DELETED_KEY] = noted[-MAX_DELETED_NOTES:]
    return SeeOther(request.route_path("list-simulations"))


@action("end-session", permission=AUTHENTICATED, response_types=PAGES)
def end_session(request):
    actions.end_session(request)
    return Found(request.route_path("init-session", type="html"))


# --- the error page ----------------------------------------------------------------------------


@failure_view(ActionFailed, response_types=PAGES)
def failed(exc, request):
    return page(request, failures.action_failed(exc, request), exc.problems)


@failure_view(HTTPForbidden, response_types=PAGES)
def signed_out(exc, request):
    return page(request, failures.forbidden(exc, request), [Problem(None, "signed-out")])


@failure_view(BadCSRFToken, response_types=PAGES)
def forged(exc, request):
    return page(request, failures.bad_csrf_token(exc, request), [Problem(None, "csrf")])


@failure_view(redis.RedisError, predicate="known_response_type", response_types=PAGES)
def store_unavailable(exc, request):
    return page(request, failures.store_unavailable(exc, request), [Problem(None, "unavailable")])


@failure_view(Exception, response_types=PAGES)
def incident(exc, request):
    result = failures.incident(exc, request)
    return page(request, result, [Problem(None, "incident", request.incident_id)])


@notfound_view_config(prefers_html=True, renderer=template("not-found"))
def not_found(exc, request):
    """The 404 or 405 of a browser: a page, with the same status; never touches the session."""
    answer = failures.not_found_answer(request)
    request.response.status = answer.status
    if answer.allow:
        request.response.allow = answer.allow
    if not _path_is_utf8(request):  # a query's 404 (taxapp.tweens) comes before routing
        return {"status": answer.status, "here": request.route_path("home")}
    return {"status": answer.status}


def _path_is_utf8(request) -> bool:
    try:
        request.path  # noqa: B018 (decoded for its error)
    except UnicodeDecodeError:
        return False
    return True


@exception_view_config(URLDecodeError, prefers_html=True, renderer=template("not-found"))
@exception_view_config(HTTPMovedPermanently, prefers_html=True, renderer=template("not-found"))
def names_no_page(exc, request):
    """A browser's path that is not UTF-8, or a static directory (``failures``): the 404
    page. Its language switch returns home: such a path cannot be named again."""
    request.response.status = 404
    return {"status": 404, "here": request.route_path("home")}


# --- the language ------------------------------------------------------------------------------

# A page's own address: a path of this site, never another site's ("//host", "/\\host"),
# in printable ASCII as the pages write it (percent-encoded): a control character would
# go out raw in the Location header, and waitress cannot encode a non-Latin-1 one (500).
_LOCAL_PATH = re.compile(r"/(?![/\\])[!-~]*")


# It changes what the pages are (a cookie): refused cross-site like the other changes.
@view_config(route_name="language", request_methods=allowed_methods("language"), refuse_cross_site=True)
def choose_language(request):
    """``/language/fr?next=/list-simulations``: the pages in French from now on."""
    target = request.GET.get("next", "")
    response = SeeOther(target if _LOCAL_PATH.fullmatch(target) else request.route_path("home"))
    keep_language(request, response, request.matchdict["locale"])
    return response
