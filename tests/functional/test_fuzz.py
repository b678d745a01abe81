"""Property-based fuzzing of the whole application (docs/security.md).

Generated methods, paths (any bytes), the query parameters of every route (``next``,
``id``, ``year``, ``page``: any bytes), every request header taxapp reads
(``Accept``, ``Accept-Language`` of any length, ``Origin``, ``Sec-Fetch-Site``,
``X-Forwarded-*``, ``Cookie``: signed cookies naming other keys of taxapp's, the
client address as a proxy may give it), content types with charsets and multipart,
and bodies (forms, JSON batches with lone surrogates and keys given twice, raw bytes
spliced into JSON, JSON in UTF-16 and UTF-32, household documents with every key in and
out of its bounds) are sent in JSON, XML and HTML
sessions, and with no session, to the WSGI application through WebTest (with its
WSGI lint) and to a real waitress over a socket, trusting the proxy as
production.ini does. Whatever is sent, the answer is never a 5xx (Redis is up), its
headers are printable ASCII, and it is one of: the result envelope
``{action, status, response}`` in JSON or in XML that ElementTree, lxml and expat
all parse; the one-line ``text/plain`` 404/405; an HTML page; a static file; or a
redirect to a path of taxapp.

The ``fuzz`` profile (tests/conftest.py) fixes the number of examples and the
deadline, so that CI runs exactly what a developer runs (derandomized under CI).
"""

from __future__ import annotations

import http.client
import json
import re
import socket
import xml.parsers.expat
from urllib.parse import quote_from_bytes

import lxml.etree
import pytest
import webtest.lint
from hypothesis import given, settings
from hypothesis import strategies as st
from webtest import TestApp, TestRequest

from taxapp import main
from taxapp.session_store import cookie_signer, session_content, session_id_from_cookie
from taxapp.throttle import NOT_AN_ADDRESS
from tests.conftest import app_settings
from tests.functional.conftest import parse_xml

# WebTest's lint warns of the methods it does not know: the fuzz sends any on purpose
pytestmark = pytest.mark.filterwarnings("ignore:Unknown REQUEST_METHOD")

HOSTILE = "evil.example"
TOKEN = "<the session's CSRF token>"  # replaced by the session's token when sent

# --- what is sent ------------------------------------------------------------------------------

ROUTES = [
    "/",
    "/init-session/json",
    "/init-session/xml",
    "/init-session/html",
    "/authenticate-user",
    "/calculate-tax",
    "/calculate-taxes",
    "/list-simulations",
    "/delete-simulation/1",
    "/display-tax-calculation",
    "/end-session",
    "/get-admindata",
    "/calculate-household",
    "/calculate-households",
    "/language/fr",
    "/language/en",
    "/static/taxapp.css",
    "/static/favicon.svg",
]
PREFIXES = ["/", "/init-session/", "/delete-simulation/", "/static/", "/end-session", "/calculate-tax", "/language/"]

methods = st.sampled_from(["GET", "POST", "HEAD", "PUT", "DELETE", "OPTIONS", "PATCH"]) | st.from_regex(
    r"\A[A-Z]{1,8}\Z"
)
raw_paths = st.sampled_from(ROUTES).map(str.encode) | st.builds(
    bytes.__add__,
    st.sampled_from(PREFIXES).map(str.encode),
    st.binary(max_size=12) | st.sampled_from(["٣", "0007", "9" * 5000, "-4", "json/x", "%FF", ".."]).map(str.encode),
)
query_pieces = st.lists(
    st.sampled_from(["id=", "id", "1", "99", "%FF", "%00", "&", "=", "%E2%80%AE", "9" * 30, "x"]), max_size=6
).map("".join)
# The parameters the routes read (the language switch's next, the tax page's id,
# get-admindata's year, the list's page), with any value: text, bytes, paths of any kind.
QUERY_KEYS = ["next", "id", "year", "page", "x"]
QUERY_VALUES = [
    "/",
    "/list-simulations",
    "//evil.example/",
    "/\\evil.example",
    "/€",
    "/\x00x",
    "/a\r\nX: y",
    "1",
    "0007",
]
QUERY_VALUES += ["2019", "9" * 5000, "-1", "0", "", "%", "1e3", "٣"]
query_values = st.one_of(
    st.sampled_from(QUERY_VALUES).map(str.encode),
    st.text(max_size=12).map(lambda t: t.encode("utf-8", "surrogatepass")),
    st.binary(max_size=12),
)
parameters = st.lists(st.tuples(st.sampled_from(QUERY_KEYS), query_values), min_size=1, max_size=3).map(
    lambda pairs: "&".join(f"{key}={quote_from_bytes(value)}" for key, value in pairs)
)
query_strings = query_pieces | parameters

CONTENT_TYPES = [
    None,
    "",
    "application/x-www-form-urlencoded",
    "application/x-www-form-urlencoded; charset=UTF-8",
    "application/x-www-form-urlencoded; charset=latin-1",
    "application/x-www-form-urlencoded; charset=utf-16",
    "application/x-www-form-urlencoded; charset=nope",
    "application/x-www-form-urlencoded; charset*=utf-8''x",
    "multipart/form-data",
    "multipart/form-data; boundary=b",
    "multipart/form-data; boundary=",
    "application/json",
    "application/json; charset=latin-1",
    "text/plain",
    "text/xml",
    "garbage",
    ";;;",
    "a/b; c",
]
content_types = st.sampled_from(CONTENT_TYPES) | st.text(
    st.characters(min_codepoint=32, max_codepoint=126), max_size=40
)
header_values = st.text(st.characters(min_codepoint=32, max_codepoint=255), max_size=30)
LONG_HEADERS = ["de-" + "a1-" * 2700 + "a1", "fr;q=0.5," * 900, "x" * 8000, "text/html;q=0.1," * 500, "a/" + "b" * 8000]
# The client address as a trusted proxy may give it (waitress makes it REMOTE_ADDR).
ADDRESSES = ["192.0.2.1", "2001:db8::1", "[2001:db8::1]:80", "192.0.2.1:8080", "::ffff:192.0.2.1", "fe80::1%eth0"]
ADDRESSES += ["unknown", "localhost", "01.2.3.4", "x" * 5000, "192.0.2.1, 198.51.100.2", '"2001:db8::2"', "_hidden"]
# Cookies: the session's (SESSION), garbage, and cookies signed with the session secret
# that name something else: another of taxapp's keys, a key that does not exist.
SESSION = "<the session's cookie>"
SIGNED = "<signed:{}>"
FOREIGN_IDS = ["simulations", "last-id", "login counter", "no such key", "", "taxapp:session:", "é"]
COOKIES = [SESSION, "session=", "session=x", f"{SESSION}; session=x", f"a=b; {SESSION}", "session=" + "x" * 5000]
COOKIES += [f"session={SIGNED.format(name)}" for name in FOREIGN_IDS]
cookies = st.sampled_from(COOKIES) | header_values.map("session={}".format) | header_values
headers = st.fixed_dictionaries(
    {},
    optional={
        "Accept": st.sampled_from(
            [
                "text/html",
                "application/json",
                "*/*",
                "text/html;q=0.1, application/json",
                "application/xml",
                "text/html,application/xhtml+xml,*/*;q=0.8",
                *LONG_HEADERS,
            ]
        )
        | header_values,
        "Origin": st.sampled_from(["http://localhost", "null", f"http://{HOSTILE}", "https://localhost"])
        | header_values,
        "Sec-Fetch-Site": st.sampled_from(["cross-site", "same-origin", "same-site", "none"]) | header_values,
        "Host": st.sampled_from(["localhost", HOSTILE, f"{HOSTILE}:8080", "[::1]:1"]),
        "X-Forwarded-For": st.sampled_from(ADDRESSES) | header_values,
        "X-CSRF-Token": st.just(TOKEN) | header_values,
        "Accept-Language": st.sampled_from(["fr", "fr-CA,fr;q=0.9,en;q=0.8", "*", "fr;q=abc", *LONG_HEADERS])
        | header_values,
        "Cookie": cookies,
        "Content-Length": st.sampled_from(["0", "-1", "abc", "99999999999"]),
    },
)
# The other forwarded headers, in one request out of four: waitress refuses most of what
# a client may put in them (a 400 of its own), which would leave taxapp less fuzzed.
forwarded = st.fixed_dictionaries(
    {},
    optional={
        "X-Forwarded-Host": st.sampled_from([HOSTILE, "localhost", "[::1]", "a b"]) | header_values,
        "X-Forwarded-Proto": st.sampled_from(["https", "http", "gopher"]) | header_values,
        "X-Forwarded-Port": st.sampled_from(["443", "80", "0", "-1", "99999"]) | header_values,
    },
)
headers = st.builds(lambda sent, more: {**sent, **more}, headers, st.just({}) | st.just({}) | st.just({}) | forwarded)

LONG_VALUES = ["9" * 5000, "0" * 5000 + "1", "x" * 5000, "é" * 3000]  # past int()'s and passlib's limits
texts = st.one_of(
    st.sampled_from(LONG_VALUES),
    st.text(max_size=20),
    st.sampled_from(["yes", "no", " YES ", "1", "0007", "admin", TOKEN, "\x00", "é", "\u202e"]),
)
FIELDS = ["married", "children", "salary", "user", "password", "csrf_token", "year", "rules", "single_parent", "x", ""]
ODD_KEYS = ["ª", "ㅤ", "é", "1 x", "a:b", "-", ".", "", "<", "id", "tax", "rate", "year", "rules", "single_parent"]


def urlencoded(pairs) -> bytes:
    return "&".join(f"{quote_from_bytes(k.encode())}={quote_from_bytes(v.encode())}" for k, v in pairs).encode()


def multipart(pairs) -> bytes:
    parts = [f'--b\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in pairs]
    return ("".join(parts) + "--b--\r\n").encode("utf-8", "surrogatepass")


forms = st.lists(st.tuples(st.sampled_from(FIELDS) | st.text(max_size=5), texts), max_size=6).map(urlencoded)
json_scalars = st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False, allow_infinity=False) | texts
json_values = st.recursive(
    json_scalars,
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(FIELDS + ODD_KEYS) | st.text(max_size=4), inner, max_size=4)
    ),
    max_leaves=12,
)
taxpayers = st.builds(
    lambda item, extra: {**item, **extra},
    st.fixed_dictionaries(
        {
            "married": st.sampled_from(["yes", "no"]) | texts,
            "children": st.integers(0, 25) | texts,
            "salary": st.integers(-1, 10**12) | texts,
        }
    ),
    st.dictionaries(st.sampled_from(ODD_KEYS) | st.text(max_size=3), json_scalars, max_size=2),
)
# JSON text that json.dumps never writes: lone surrogates, keys given twice, numbers out of range
JSON_SNIPPETS = [
    r'"\ud800"',
    "1e400",
    "NaN",
    "-Infinity",
    "9" * 5000,
    r'{"married": "\ud800", "children": 1, "salary": 1}',
    r'{"married": "no", "children": 1, "salary": 1, "\udfff": 1}',
    r'{"married": "\ud83d\ude00", "children": 1, "salary": 1}',
    r'{"married": "\\ud800", "children": 1, "salary": 1}',
    '{"married": "no", "children": 1, "salary": 1, "salary": 2}',
    '{"married": "no", "children": 1, "salary": 1, "ª": "a:b"}',
]
raw_json = st.lists(
    st.sampled_from(JSON_SNIPPETS) | taxpayers.map(json.dumps) | json_values.map(json.dumps), min_size=1, max_size=4
).map(lambda parts: ("[" + ",".join(parts) + "]").encode())
json_batches = raw_json | st.lists(taxpayers | json_values, max_size=4).map(lambda v: json.dumps(v).encode())
# Bytes no JSON encoder writes: the UTF-8 of surrogates, overlong forms, beyond U+10FFFF,
# byte order marks, NUL, anything, spliced anywhere into a batch; and batches in the
# encodings json.loads would detect, their strings holding surrogates.
RAW_BYTES = [
    b"\xed\xa0\x80",
    b"\xed\xbf\xbf",
    b"\xff",
    b"\xc3",
    b"\x00",
    b"\xef\xbb\xbf",
    b"\xf4\x90\x80\x80",
    b"\xc0\xaf",
]
spliced = st.builds(
    lambda body, at, raw: body[: at % (len(body) + 1)] + raw + body[at % (len(body) + 1) :],
    json_batches,
    st.integers(0, 300),
    st.sampled_from(RAW_BYTES) | st.binary(min_size=1, max_size=4),
)
surrogates = st.text(st.characters(categories=("Cs",)), min_size=1, max_size=3)
encoded = st.builds(
    lambda items, encoding: json.dumps(items, ensure_ascii=False).encode(encoding, "surrogatepass"),
    st.lists(taxpayers | st.fixed_dictionaries({"married": surrogates, "children": st.just(1), "salary": st.just(1)})),
    st.sampled_from(["utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-8-sig", "utf-8"]),
)
batches = json_batches | spliced | encoded
bodies = st.one_of(st.just(b""), st.binary(max_size=200), forms, batches)

# household documents (docs/households.md): every key, with values in and out of their bounds
amounts = st.integers(-1, 10**10) | json_scalars
flags = st.booleans() | json_scalars
persons = st.fixed_dictionaries(
    {"born": st.integers(1890, 2030) | json_scalars},
    optional=dict.fromkeys(("salary", "unemployment", "actual_expenses", "pension"), amounts)
    | {"disabled": flags, "colour": json_scalars},
)
dependents = st.fixed_dictionaries(
    {"born": st.integers(1890, 2030) | json_scalars}, optional={"shared_custody": flags, "disabled": flags}
)
documents = st.fixed_dictionaries(
    {},
    optional={
        "year": st.integers(2017, 2028) | json_scalars,
        "status": st.sampled_from(["single", "married", "divorced", "widowed"]) | json_scalars,
        "declarants": st.lists(persons, max_size=3) | json_values,
        "dependents": st.lists(dependents, max_size=4) | json_values,
        "single_parent": flags,
        "raised_children_alone": flags,
        "alimony_adult_children": st.lists(amounts, max_size=3) | json_values,
        "childcare": st.lists(amounts, max_size=3) | json_values,
        **dict.fromkeys(("alimony_other", "donations", "donations_to_aid", "home_employment"), amounts),
        "\ud800": json_scalars,
    },
)
household_bodies = st.one_of(
    documents.map(lambda d: json.dumps(d).encode()),
    st.sampled_from(JSON_SNIPPETS).map(str.encode),
    st.sampled_from(['{"status": "single", "status": "married"}', '{"declarants": [{"born": 1980, "born": 1}]}']).map(
        str.encode
    ),
    st.lists(documents | json_values, max_size=4).map(lambda v: json.dumps(v).encode()),
    batches,
)

SESSIONS = ["none", "json", "xml", "html", "html signed in"]


@st.composite
def wild_requests(draw):
    """Anything: any method, path, content type and body."""
    return {
        "session": draw(st.sampled_from(SESSIONS)),
        "method": draw(methods),
        "path": draw(raw_paths),
        "query": draw(query_strings),
        "headers": draw(headers),
        "content_type": draw(content_types),
        "body": draw(bodies),
    }


FORM_FIELDS = {
    "/authenticate-user": ["user", "password", "csrf_token"],
    "/calculate-tax": ["married", "children", "salary", "csrf_token", "year", "rules", "single_parent"],
}
FORM_CONTENT_TYPES = st.sampled_from(CONTENT_TYPES[2:4]) | st.sampled_from(CONTENT_TYPES[4:11]) | content_types


@st.composite
def action_requests(draw):
    """What an action reads, in its session: the form or batch it expects, with odd
    values, encodings and content types, so that the fuzz reaches the actions."""
    sent = draw(wild_requests())
    sent["session"] = draw(st.sampled_from(SESSIONS[1:]))
    path = draw(
        st.sampled_from(
            [
                "/authenticate-user",
                "/calculate-tax",
                "/calculate-taxes",
                "/delete-simulation/",
                "/display-tax-calculation",
                "/init-session/",
                "/get-admindata",
                "/calculate-household",
                "/calculate-households",
                "/language/fr",
                "/list-simulations",
            ]
        )
    )
    sent["method"] = "POST" if path in FORM_FIELDS or path.startswith("/calculate-") else "GET"
    if path in FORM_FIELDS:
        fields = FORM_FIELDS[path]
        pairs = draw(st.lists(st.tuples(st.sampled_from(fields), texts), min_size=2, max_size=len(fields) + 1))
        sent["content_type"] = draw(FORM_CONTENT_TYPES)
        sent["body"] = (multipart if "multipart" in (sent["content_type"] or "") else urlencoded)(pairs)
    elif path == "/calculate-taxes":
        sent["content_type"] = draw(st.sampled_from(["application/json", "application/json; charset=utf-16"]))
        sent["body"] = draw(batches)
    elif path.startswith("/calculate-household"):
        sent["content_type"], sent["body"] = "application/json", draw(household_bodies)
    elif path == "/delete-simulation/":
        path += draw(
            st.text(st.characters(categories=("Nd",)), min_size=1, max_size=3) | st.sampled_from(["1", "0002"])
        )
    elif path == "/init-session/":
        path += draw(st.sampled_from(["json", "xml", "html"]) | st.text(max_size=5))
    else:  # display-tax-calculation?id=, get-admindata?year= (and household=), language/fr?next=, list-simulations?page=
        key = {"/display-tax-calculation": "id", "/get-admindata": "year", "/language/fr": "next"}.get(path, "page")
        sent["query"] = draw(st.sampled_from(["", "household=yes&", "household=x&"])) if key == "year" else ""
        sent["query"] += f"{key}=" + draw(
            st.sampled_from(["1", "01", "2019", "02024", "9" * 5000, "/list-simulations", "/%E2%82%AC", "/%00"])
            | query_values.map(quote_from_bytes)
        )
    sent["path"] = path.encode()
    return sent


requests = st.one_of(wild_requests(), action_requests())


# --- sessions to send them in --------------------------------------------------------------------------


class Sessions:
    """A session of each kind, made again when a request may have changed it."""

    def __init__(self, app):
        self.app = app
        self.made = {}
        self.signed = {SIGNED.format(name): self.sign(key) for name, key in self.foreign_ids().items()}

    def sign(self, session_id):
        secret = self.app.registry.settings["redis.sessions.secret"]
        return cookie_signer(secret).dumps(session_id).decode()

    def foreign_ids(self):
        """What a signed cookie may name besides a session: taxapp's other keys (a
        session's simulations and their id counter, a login counter), and nothing."""
        client = TestApp(self.app)
        client.get("/init-session/json")
        client.post("/authenticate-user", {"user": "admin", "password": "wrong"}, status=401)
        client.post("/authenticate-user", {"user": "admin", "password": "admin"})
        client.post("/calculate-tax", {"married": "no", "children": "0", "salary": "1"})
        secret = self.app.registry.settings["redis.sessions.secret"]
        payload = self.app.registry["redis"].get(session_id_from_cookie(client.cookies["session"], secret))
        store = session_content(payload)["simulations"]
        counter = self.app.registry["login_throttle"].keys("nobody", None)[1]
        self.app.registry["redis"].set(counter, 1, ex=3600)
        ids = {"simulations": f"{store}:simulations", "last-id": f"{store}:last-id", "login counter": counter}
        return {name: ids.get(name, name) for name in FOREIGN_IDS}

    def cookie(self, sent, session_cookie):
        """The Cookie header: the session's, or the one generated with its markers replaced."""
        value = sent["headers"].get("Cookie")
        if value is None:
            return session_cookie
        for marker, signed in self.signed.items():
            value = value.replace(marker, signed)
        return value.replace(SESSION, session_cookie or "")

    def get(self, kind):
        """(cookie header, CSRF token) of a session of that kind."""
        if kind == "none":
            return None, ""
        if kind not in self.made:
            client = TestApp(self.app)
            fmt = kind.split()[0]
            page = client.get(f"/init-session/{fmt}")
            token = page.html.find("input", attrs={"name": "csrf_token"})["value"] if fmt == "html" else ""
            if kind != "html":
                client.post(
                    "/authenticate-user",
                    {"user": "admin", "password": "admin", "csrf_token": token},
                    status=303 if fmt == "html" else 200,
                )
                if fmt == "html":
                    token = client.get("/display-tax-calculation").html.find("input", attrs={"name": "csrf_token"})[
                        "value"
                    ]
            self.made[kind] = (f"session={client.cookies['session']}", token)
        return self.made[kind]

    def after(self, kind, sent, status, response_headers):
        """Forget the session if the request changed its id (login, end-session: a new
        cookie) or may have changed its type (an init-session that succeeded)."""
        if any(k.lower() == "set-cookie" for k, _ in response_headers) or (
            status == 200 and b"init-session" in sent["path"]
        ):
            self.made.pop(kind, None)


@pytest.fixture(scope="module")
def fuzz_app(sqlite_url, redis_url):
    """The application, its user's hash made cheap (1,000 rounds): logins are fuzzed too.
    Login throttling is out of reach (its own tests are elsewhere): the fuzz's wrong
    passwords must not lock out the logins of the sessions it sends requests in."""
    import uuid

    from passlib.hash import pbkdf2_sha256

    users = "admin " + pbkdf2_sha256.using(rounds=1000).hash("admin")
    return main(
        {},
        **app_settings(
            sqlite_url,
            redis_url,
            **{
                "taxapp.users": users,
                "taxapp.login.max_failures": "1000000000",
                "taxapp.login.max_failures_per_address": "1000000000",
                "taxapp.login.key_prefix": f"taxapp-test:{uuid.uuid4().hex[:12]}:fuzz-login:",
            },
        ),
    )


@pytest.fixture(scope="module")
def sessions(fuzz_app):
    return Sessions(fuzz_app)


def with_token(value, token):
    return value.replace(TOKEN, token) if isinstance(value, str) else value.replace(TOKEN.encode(), token.encode())


# --- what every answer must be ------------------------------------------------------------------------------


def parse_xml_everywhere(body: bytes):
    root = parse_xml(body.decode("utf-8"))  # ElementTree (defusedxml), after the framing checks
    lxml.etree.fromstring(body)
    xml.parsers.expat.ParserCreate().Parse(body, True)
    return root


PRINTABLE_ASCII = re.compile(r"[ -~]*")


def check_answer(sent, status, headers, body):
    """The property: an answer of one of the allowed kinds, never a 5xx, its headers
    printable ASCII (nothing a client sent goes out raw in a header)."""
    context = f"{sent} -> {status} {headers} {body[:300]!r}"
    assert all(PRINTABLE_ASCII.fullmatch(f"{name}: {value}") for name, value in headers), context
    headers = {k.lower(): v for k, v in headers}
    assert status < 500, context
    if 300 <= status < 400 and status != 304:
        location = headers["location"]
        assert location.startswith("/") and not location.startswith("//") and HOSTILE not in location, context
        return
    content_type = headers.get("content-type", "").split(";")[0]
    head = sent["method"] == "HEAD"
    if content_type in ("application/json", "application/xml"):
        assert (headers["cache-control"], headers["x-content-type-options"]) == ("no-store", "nosniff"), context
    if content_type == "application/json":
        if not head:
            result = json.loads(body)
            assert list(result) == ["action", "status", "response"] and type(result["status"]) is int, context
    elif content_type == "application/xml":
        if not head:
            root = parse_xml_everywhere(body)
            assert [child.tag for child in root][:2] == ["action", "status"], context
            assert root.findtext("status").isdigit(), context
    elif content_type == "text/plain":
        # 404/405, or a client address that is not an IP address (what a proxy may name)
        refused = status == 400 and (head or body == NOT_AN_ADDRESS.encode())
        assert status in (404, 405) or refused, context
        if not head:
            assert body.count(b"\n") == 1 and body.endswith(b"\n"), context
    elif content_type == "text/html":
        assert head or body.lstrip().lower().startswith(b"<!doctype html>"), context
    else:
        assert content_type in ("text/css", "image/svg+xml") and status in (200, 304), context


# --- through the WSGI application -------------------------------------------------------------------------------


def wsgi_request(sent, cookie, token):
    request = TestRequest.blank("/")
    environ = request.environ
    environ["REQUEST_METHOD"] = sent["method"]
    environ["PATH_INFO"] = sent["path"].decode("latin-1")  # PEP 3333: the bytes as latin-1
    environ["QUERY_STRING"] = sent["query"]
    for name, value in sent["headers"].items():
        # a WSGI server gives the body's true length (a false one is waitress's to refuse)
        if name not in ("Content-Length", "Cookie"):
            environ[f"HTTP_{name.upper().replace('-', '_')}"] = with_token(value, token)
    if "X-Forwarded-For" in sent["headers"]:  # as a server trusting a proxy may give it
        environ["REMOTE_ADDR"] = sent["headers"]["X-Forwarded-For"]
    request.body = with_token(sent["body"], token)  # sets CONTENT_LENGTH
    if sent["content_type"] is not None:
        environ["CONTENT_TYPE"] = sent["content_type"]
    if cookie:
        environ["HTTP_COOKIE"] = cookie
    return request


@pytest.fixture(scope="module")
def linted_app(fuzz_app):
    """The application behind WebTest's WSGI lint, which also checks the status line and
    headers of every answer (TestApp itself cannot send a path that is not UTF-8: its
    cookie jar reads the request's URL)."""
    return webtest.lint.middleware(fuzz_app)


@settings(settings.get_profile("fuzz"))
@given(sent=requests)
def test_wsgi_answers_are_never_5xx_and_always_well_formed(linted_app, sessions, sent):
    session_cookie, token = sessions.get(sent["session"])
    request = wsgi_request(sent, sessions.cookie(sent, session_cookie), token)
    response = request.get_response(linted_app)  # an exception here is a bare 500 of the WSGI server
    check_answer(sent, response.status_int, response.headerlist, response.body)
    sessions.after(sent["session"], sent, response.status_int, response.headerlist)


# --- through waitress, over a socket ------------------------------------------------------------------------------


def raw_http_request(sent, cookie, token, port) -> bytes:
    path = quote_from_bytes(sent["path"], safe="/") or "/"
    target = path + ("?" + sent["query"] if sent["query"] else "")
    body = with_token(sent["body"], token)
    lines = [f"{sent['method']} {target} HTTP/1.1", "Connection: close"]
    fields = {"Host": f"127.0.0.1:{port}", **sent["headers"], "Content-Length": str(len(body))}
    if sent["content_type"] is not None:
        fields["Content-Type"] = sent["content_type"]
    fields.pop("Cookie", None)
    if cookie:
        fields["Cookie"] = cookie
    lines += [f"{name}: {with_token(value, token)}" for name, value in fields.items()]
    return "\r\n".join(lines).encode("latin-1") + b"\r\n\r\n" + body


@pytest.fixture(scope="module")
def fuzz_server(fuzz_app):
    from tests.conftest import LiveServer

    # trusting the fuzz's forwarded headers as production.ini trusts its proxy's
    proxy = {"trusted_proxy": "127.0.0.1", "trusted_proxy_count": 1, "clear_untrusted_proxy_headers": True}
    headers = "x-forwarded-for x-forwarded-host x-forwarded-proto x-forwarded-port"
    server = LiveServer(fuzz_app, threads=4, trusted_proxy_headers=headers, **proxy)
    yield int(server.url.rsplit(":", 1)[1])
    server.close()


@settings(settings.get_profile("fuzz"), max_examples=settings.get_profile("fuzz").max_examples // 4)
@given(sent=requests)
def test_waitress_answers_are_never_5xx_and_always_well_formed(fuzz_server, sessions, sent):
    session_cookie, token = sessions.get(sent["session"])
    cookie = sessions.cookie(sent, session_cookie)
    with socket.create_connection(("127.0.0.1", fuzz_server), timeout=20) as sock:
        sock.sendall(raw_http_request(sent, cookie, token, fuzz_server))
        response = http.client.HTTPResponse(sock, method=sent["method"])
        response.begin()
        body = response.read()
    # waitress refuses a malformed request before the app sees it: its body says so (a HEAD
    # has none), and it closes the connection without ever setting a cookie
    refused_by_waitress = body.endswith((b"(generated by waitress)", b"(generated by server)")) or (
        sent["method"] == "HEAD"
        and not body
        and response.getheader("Connection", "").lower() == "close"
        and response.getheader("Set-Cookie") is None
    )
    if (
        response.status in (400, 413, 431)
        and response.getheader("Content-Type", "").startswith("text/plain")
        and refused_by_waitress
    ):
        return  # waitress's own refusal of a malformed request (taxapp's plain answers are 404/405)
    check_answer(sent, response.status, response.getheaders(), body)
    sessions.after(sent["session"], sent, response.status, response.getheaders())
