"""taxapp's HTTP contract as data (docs/api.md): the server and the client both read it.

Standard library only, no Pyramid: the client imports it, and so can a unit test.
Adding an action or a response type touches the tables here; the routes, the
methods a 405 answer allows, the success statuses of the result-wrapping deriver
and the client's checks all follow from them.
"""

from __future__ import annotations

from typing import NamedTuple

# --- the actions ------------------------------------------------------------------

# What the ``response`` of an action's success is (the client reads XML answers by it):
# a text, a list of texts, an object, or a list of objects.
TEXT, TEXTS, OBJECT, OBJECTS = "text", "texts", "object", "objects"


class Action(NamedTuple):
    pattern: str  # the route; its first segment is the action's name
    method: str
    status: int  # app status of success; failure is status + 1
    # The policy of docs/security.md: a GET that changes state takes no HEAD, and in an
    # HTML session a browser's cross-site request for it is refused.
    changes_state: bool
    answer: str  # TEXT, TEXTS, OBJECT or OBJECTS

    @property
    def failure_status(self) -> int:
        return self.status + 1


ACTIONS = {
    "init-session": Action("/init-session/{type}", "GET", 700, changes_state=True, answer=TEXTS),
    "authenticate-user": Action("/authenticate-user", "POST", 200, changes_state=True, answer=TEXT),
    "calculate-tax": Action("/calculate-tax", "POST", 300, changes_state=True, answer=OBJECT),
    "calculate-taxes": Action("/calculate-taxes", "POST", 1500, changes_state=True, answer=OBJECTS),
    "list-simulations": Action("/list-simulations", "GET", 500, changes_state=False, answer=OBJECTS),
    # the segment must be ASCII digits: /delete-simulation/-4, /abc and /٣ are 404
    "delete-simulation": Action("/delete-simulation/{n:[0-9]+}", "GET", 600, changes_state=True, answer=OBJECTS),
    "display-tax-calculation": Action("/display-tax-calculation", "GET", 800, changes_state=False, answer=TEXT),
    "end-session": Action("/end-session", "GET", 400, changes_state=True, answer=TEXT),
    "get-admindata": Action("/get-admindata", "GET", 1000, changes_state=False, answer=OBJECT),
    # the whole household (docs/households.md): a JSON document, or a list of them
    "calculate-household": Action("/calculate-household", "POST", 1100, changes_state=True, answer=OBJECT),
    "calculate-households": Action("/calculate-households", "POST", 1200, changes_state=True, answer=OBJECTS),
}

# --- the pipeline's statuses (any action) ------------------------------------------

NOT_ALLOWED = 101  # no session in progress, or not authenticated
CSRF_FAILED = 102  # the CSRF token is missing or wrong, or a browser's cross-site request
SERVER_FAILED = 131  # an internal error (HTTP 500) or the session store unavailable (503)

# --- the response types -------------------------------------------------------------

RESPONSE_TYPES = ("json", "xml", "html")
# The types for programs: the client's, and the only ones of calculate-taxes and get-admindata.
PROGRAM_RESPONSE_TYPES = ("json", "xml")
DEFAULT_RESPONSE_TYPE = "json"  # until init-session chooses one

# --- the limits (the settings' defaults where a setting can change them) ------------

MAX_CHILDREN = 20
MAX_SALARY = 1_000_000_000
BATCH_MAX = 10_000  # taxpayers in one calculate-taxes request, households in one calculate-households: taxapp.batch_max
FORM_MAX_BYTES = 64 * 1024  # a form's POST body: taxapp.form_max_bytes
BATCH_MAX_BYTES = 2 * 1024 * 1024  # a calculate-taxes or calculate-household(s) body: taxapp.batch_max_bytes
MAX_SIMULATIONS = 10_000  # simulations one session keeps: taxapp.max_simulations
LIST_PAGE_SIZE = 50  # simulations on one page of the HTML list: taxapp.list_page_size
# failed logins per user name and per client address within the window (seconds): taxapp.login.*
LOGIN_THROTTLE = {"max_failures": 10, "max_failures_per_address": 50, "window": 300}
# sessions one client address may start within the window (seconds): taxapp.sessions.*
NEW_SESSIONS = {"max_new_per_address": 120, "window": 60}
SESSION_TIMEOUT_BEFORE_SIGN_IN = 120  # seconds, renewed as used: redis.sessions.timeout_before_sign_in

# --- the fixed messages ---------------------------------------------------------------

NO_SESSION = "No session in progress. Start with action [init-session]"


def not_authenticated(action: str) -> str:
    return f"action [{action}] requested by unauthenticated user"


BAD_CSRF_TOKEN = "invalid or missing CSRF token"  # noqa: S105 (a message, not a secret)
SERVICE_UNAVAILABLE = "service temporarily unavailable"


def internal_error(incident_id: str) -> str:
    return f"internal error, incident {incident_id}"


LOGIN_FIELDS_MESSAGE = "POST method required, [action] parameter in the URL, [user, password] parameters posted"
TAX_FIELDS_MESSAGE = "POST method required with the following parameters [married, children, salary]"
ONLY_JSON_OR_XML = "this action is only available for JSON or XML sessions"
AUTHENTICATION_FAILED = "Authentication failed"
SESSION_RESET = "session reset"
