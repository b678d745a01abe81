"""One small view per action (docs/api.md). Each returns the result's ``response``;
failures are raised (``ActionFailed``) and answered by the failure views.

Where a page differs from the JSON and XML answers (a redirect, what the page
shows), the HTML registration is a view of its own in ``views/pages.py``.
"""

from pyramid.security import forget, remember

from .. import forms, household_documents
from ..contract import AUTHENTICATION_FAILED, ONLY_JSON_OR_XML, PROGRAM_RESPONSE_TYPES, SESSION_RESET
from ..errors import ActionFailed, Problem
from ..registration import action
from ..security import AUTHENTICATED, IN_SESSION
from ..simulations import SESSION_KEY, new_store_key, simulation
from ..tax import calculate_taxpayer

# Simulation ids are small integers: a longer number cannot be one (and int() of a
# 5,000-digit string would raise).
MAX_ID_DIGITS = 18


def simulation_id(text: str) -> tuple[str, int | None]:
    """(the id as quoted back, without leading zeros; the id, or None if it cannot be one)
    of the ``n`` of delete-simulation or the ``id`` of a tax page (``0007`` is 7)."""
    if not (text.isascii() and text.isdigit()):
        return text, None
    digits = text.lstrip("0") or "0"
    return digits, int(digits) if len(digits) <= MAX_ID_DIGITS else None


# A valid init-session answers in the type it sets; these registrations have one
# predicate more than the fallback below, so Pyramid tries them first.
@action("init-session", match_param="type=json", rendered_as="json")
@action("init-session", match_param="type=xml", rendered_as="xml")
@action("init-session", match_param="type=html", rendered_as="html", template="login")
def init_session(request):
    response_type = request.matchdict["type"]
    start_session(request, response_type)
    return [f"session started with response type {response_type}"]


def start_session(request, response_type):
    """The session's type; a request without a session gets one, counted for its address
    (``TooManySessions`` past its bound: taxapp.throttle)."""
    session = request.session
    if session.new:
        request.count_new_session()
    if session.get("type") != response_type:
        session["type"] = response_type
    if SESSION_KEY not in session:
        session[SESSION_KEY] = new_store_key()


@action("init-session", changes_state=False)
def invalid_response_type(request):
    """Any other type: answered in the session's current type."""
    raise ActionFailed(
        [f"invalid parameter [type={request.matchdict['type']}]"], problems=[Problem(None, "unknown-type")]
    )


@action("authenticate-user", permission=IN_SESSION, max_body="form", response_types=PROGRAM_RESPONSE_TYPES)
def authenticate_user(request):
    login, password = forms.login_form(request.POST)
    with request.login_attempt(login):  # taxapp.throttle: refused after too many failures
        if not request.registry["users"].verify(login, password):
            raise ActionFailed([AUTHENTICATION_FAILED], http_status=401, problems=[Problem("password", "wrong")])
    remember(request, login)
    return "Authentication successful"


@action("calculate-tax", permission=AUTHENTICATED, max_body="form", response_types=PROGRAM_RESPONSE_TYPES)
def calculate_tax(request, form=None):
    """``form``: the posted form as the page normalised it (views/pages.py)."""
    years = request.registry["year_options"]
    taxpayer = forms.taxpayer_form(request.POST if form is None else form, years)
    # in its year (else the default one), under its rules (else the year's)
    tax = calculate_taxpayer(request.registry["tax_years"], years.default, taxpayer)
    return request.simulations.add([simulation(taxpayer, tax)])[0]


@action("calculate-taxes", permission=AUTHENTICATED, max_body="batch", response_types=PROGRAM_RESPONSE_TYPES)
def calculate_taxes(request):
    registry = request.registry
    years = registry["year_options"]
    taxpayers = forms.taxpayers_batch(request.body, registry["batch_max"], years)
    tax_years = registry["tax_years"]
    return request.simulations.add([simulation(t, calculate_taxpayer(tax_years, years.default, t)) for t in taxpayers])


@action("calculate-household", permission=AUTHENTICATED, max_body="batch", response_types=PROGRAM_RESPONSE_TYPES)
def calculate_household_view(request):
    registry = request.registry
    year, household, document = household_documents.household_body(request.body, registry["household_options"])
    answer = household_documents.calculated(registry["tax_years"][year], household, document)
    return request.simulations.add([answer])[0]


@action("calculate-households", permission=AUTHENTICATED, max_body="batch", response_types=PROGRAM_RESPONSE_TYPES)
def calculate_households_view(request):
    registry = request.registry
    households = household_documents.households_body(request.body, registry["batch_max"], registry["household_options"])
    tax_years = registry["tax_years"]
    return request.simulations.add(
        [
            household_documents.calculated(tax_years[year], household, document, explained=False)
            for year, household, document in households
        ]
    )


@action("calculate-taxes", permission=AUTHENTICATED, response_types=("html",))
@action("calculate-household", permission=AUTHENTICATED, response_types=("html",))
@action("calculate-households", permission=AUTHENTICATED, response_types=("html",))
@action("get-admindata", permission=AUTHENTICATED, response_types=("html",))
def only_for_programs(request):
    raise ActionFailed([ONLY_JSON_OR_XML], problems=[Problem(None, "programs-only")])


# Both answer every simulation the session holds (the contract's shape): a list that the
# renderers write as it is read from Redis (simulations.SimulationList), never whole.
@action("list-simulations", permission=AUTHENTICATED, response_types=PROGRAM_RESPONSE_TYPES)
def list_simulations(request):
    return request.simulations.listing()


@action("delete-simulation", permission=AUTHENTICATED, response_types=PROGRAM_RESPONSE_TYPES)
def delete_simulation(request):
    digits, number = simulation_id(request.matchdict["n"])
    if number is None or not request.simulations.delete(number):
        raise ActionFailed(
            [f"Simulation #[{digits}] does not exist"], problems=[Problem(None, "unknown-simulation", digits)]
        )
    return request.simulations.listing()  # the remaining ones


@action("display-tax-calculation", permission=AUTHENTICATED, response_types=PROGRAM_RESPONSE_TYPES)
def display_tax_calculation(request):
    return ""


@action("end-session", permission=AUTHENTICATED, response_types=PROGRAM_RESPONSE_TYPES)
def end_session(request):
    request.simulations.drop()
    forget(request)
    return SESSION_RESET


@action("get-admindata", permission=AUTHENTICATED, response_types=PROGRAM_RESPONSE_TYPES)
def get_admindata(request):
    """The default year's figures (the course's keys), or ``?year=``'s with the official rules'
    keys, and with ``household=yes`` the household's figures of that year (else the newest)."""
    registry = request.registry
    year = forms.admindata_year(request.GET, registry["year_options"])
    with_household = forms.admindata_household(request.GET, year, registry.get("household_years"))
    if with_household is not None:
        return registry["admindata_with_household"][with_household]
    if year is None:
        return registry["admindata"]
    return registry["admindata_by_year"][year]
