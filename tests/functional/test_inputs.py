"""Inputs that used to reach a 500: each is an invalid value or an invalid body,
answered in the session's format (docs/security.md, "Inputs")."""

import logging
import socket
import xml.parsers.expat
from urllib.parse import quote

import lxml.etree
import pytest
from webob import Request
from webtest import TestApp, TestRequest

from taxapp.contract import NO_SESSION
from taxapp.errors import FORM_BODY_MESSAGE
from tests.functional.answers import batch, check, read
from tests.functional.conftest import start
from tests.functional.test_html import BROWSER, alerts, checked, html_page, login, text, value

FORMATS = ["json", "xml"]
FORM = "application/x-www-form-urlencoded"


def stored(client, fmt):
    return read(client.get("/list-simulations"), fmt)[2]


def raw_request(app, method, raw_path: bytes, cookies=None):
    """The WSGI application called with a path as raw bytes (WebTest only sends UTF-8)."""
    request = Request.blank("/", method=method)
    request.environ["PATH_INFO"] = raw_path.decode("latin-1")  # PEP 3333: bytes as latin-1
    if cookies:
        request.environ["HTTP_COOKIE"] = "; ".join(f"{k}={v}" for k, v in cookies.items())
    return request.get_response(app)


# --- numbers of any length ------------------------------------------------------------------


@pytest.mark.parametrize("field", ["children", "salary"])
def test_a_number_of_thousands_of_digits_is_an_invalid_value(client, fmt, field):
    form = {"married": "yes", "children": "1", "salary": "1", field: "9" * 5000}
    resp = client.post("/calculate-tax", form, status=400)
    check(resp, fmt, "calculate-tax", 301, [f"Invalid value [{'9' * 5000}] for parameter [{field} (integer >= 0)]"])


def test_leading_zeros_of_any_length_are_still_the_number(json_client):
    resp = json_client.post("/calculate-tax", {"married": "yes", "children": "0" * 5000 + "2", "salary": "55555"})
    assert resp.json["response"]["children"] == 2


def test_a_digit_string_of_thousands_of_digits_in_a_batch_is_an_invalid_value(json_client):
    resp = batch(json_client, [{"married": "no", "children": 1, "salary": "7" * 5000}], status=400)
    assert resp.json["response"][0]["error"] == f"Invalid value [{'7' * 5000}] for parameter [salary (integer >= 0)]"


# --- bodies that are not UTF-8 urlencoded forms -----------------------------------------------

NOT_UTF8_FORMS = [
    f"{FORM}; charset=latin-1",
    f"{FORM}; charset=ISO-8859-1",
    f"{FORM}; charset=utf-16",
    f"{FORM}; charset=no-such-charset",
    "multipart/form-data",
    "multipart/form-data; boundary=xyz",
]


def multipart(fields, boundary="xyz"):
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n' for k, v in fields.items()]
    return ("".join(parts) + f"--{boundary}--\r\n").encode()


@pytest.mark.parametrize("content_type", NOT_UTF8_FORMS)
def test_a_form_that_is_not_utf8_urlencoded_is_an_invalid_body(client, fmt, content_type):
    fields = {"married": "yes", "children": "2", "salary": "55555"}
    body = multipart(fields) if content_type.startswith("multipart") else b"married=yes&children=2&salary=55555"
    resp = client.post("/calculate-tax", body, content_type=content_type, status=400)
    check(resp, fmt, "calculate-tax", 301, [FORM_BODY_MESSAGE])
    assert stored(client, fmt) == []


@pytest.mark.parametrize("content_type", NOT_UTF8_FORMS)
def test_a_login_that_is_not_utf8_urlencoded_is_an_invalid_body(testapp, content_type):
    start(testapp, "json", login=False)
    body = (
        multipart({"user": "admin", "password": "admin"})
        if "multipart" in content_type
        else b"user=admin&password=admin"
    )
    resp = testapp.post("/authenticate-user", body, content_type=content_type, status=400)
    check(resp, "json", "authenticate-user", 201, [FORM_BODY_MESSAGE])
    testapp.get("/list-simulations", status=400)  # not signed in


@pytest.mark.parametrize("content_type", [f"{FORM}; charset=UTF-8", f"{FORM}; charset=utf8", FORM])
def test_a_utf8_form_is_read(json_client, content_type):
    resp = json_client.post("/calculate-tax", "married=yes&children=2&salary=55555", content_type=content_type)
    assert resp.json["status"] == 300


NOT_A_FORM_WORDS = {
    "en": "What you sent was not this page’s form: reload the page and try again.",
    "fr": "Ce que vous avez envoyé n’est pas le formulaire de cette page : rechargez la page et réessayez.",
}


@pytest.mark.parametrize("language", ["en", "fr"])
@pytest.mark.parametrize("content_type", [f"{FORM}; charset=latin-1", "multipart/form-data; boundary=xyz"])
def test_in_an_html_session_it_is_the_tax_page_in_plain_words_never_refilled(testapp, content_type, language):
    testapp.extra_environ["HTTP_ACCEPT_LANGUAGE"] = language
    login(testapp)
    body = multipart({"married": "yes"}) if "multipart" in content_type else b"married=yes&children=1&salary=54321"
    resp = testapp.post("/calculate-tax", body, content_type=content_type, status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == [NOT_A_FORM_WORDS[language]]
    # the refused body is never read back into the form
    assert "yes" not in checked(soup, "married") and "54321" not in resp.text


@pytest.mark.parametrize("content_type", [f"{FORM}; charset=latin-1", "multipart/form-data; boundary=xyz"])
def test_a_sign_in_that_is_not_a_utf8_form_is_the_sign_in_page_in_plain_words(testapp, content_type):
    page = testapp.get("/init-session/html")
    body = multipart({"user": "someone"}) if "multipart" in content_type else b"user=someone&password=admin"
    resp = testapp.post("/authenticate-user", body, content_type=content_type, status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == [NOT_A_FORM_WORDS["en"]]
    assert not value(soup, "user") and "someone" not in resp.text
    assert page.html.find("form")["action"] == soup.find("form")["action"] == "/authenticate-user"


# --- passwords of any length --------------------------------------------------------------------


@pytest.mark.parametrize("fmt_", FORMATS)
@pytest.mark.parametrize("password", ["x" * 4097, "é" * 3000, "admin" + "x" * 60000])
def test_a_password_of_any_length_is_a_failed_login(testapp, fmt_, password):
    start(testapp, fmt_, login=False)
    resp = testapp.post("/authenticate-user", {"user": "admin", "password": password}, status=401)
    check(resp, fmt_, "authenticate-user", 201, ["Authentication failed"])


def test_a_password_too_long_for_passlib_still_costs_a_verification(monkeypatch):
    """The refusal must not answer faster than a wrong password: a hash is still computed."""
    from passlib.hash import pbkdf2_sha256

    from taxapp.security import Users

    users = Users.from_setting("admin " + pbkdf2_sha256.using(rounds=1000).hash("admin"))
    verified = []
    real_verify = pbkdf2_sha256.verify

    def counting_verify(secret, hashed, **kw):  # observes, and calls the real one
        verified.append(len(secret))
        return real_verify(secret, hashed, **kw)

    monkeypatch.setattr(pbkdf2_sha256, "verify", counting_verify)
    assert users.verify("admin", "x" * 5000) is False
    assert users.verify("nobody", "x" * 5000) is False
    assert verified.count(0) == 2  # each time, a real verification of a short secret


# --- paths ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw_path", [b"/init-session/\xff\xfe", b"/\xff", b"/delete-simulation/\xc3", b"/end-session\xff"]
)
def test_a_path_that_is_not_utf8_is_404(app, testapp, raw_path, caplog):
    start(testapp, "xml")
    with caplog.at_level(logging.INFO, logger="taxapp"):
        resp = raw_request(app, "GET", raw_path, testapp.cookies)
    assert resp.status_int == 404 and resp.content_type == "text/plain"
    assert "Set-Cookie" not in resp.headers
    assert "incident" not in caplog.text
    assert any(r.name == "taxapp.requests" and "http=404" in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("language, title", [("en", "Page not found"), ("fr", "Page introuvable")])
def test_a_path_that_is_not_utf8_is_the_404_page_for_a_browser(testapp, language, title):
    request = TestRequest.blank("/", headers={**BROWSER, "Accept-Language": language})
    request.environ["PATH_INFO"] = b"/list-simulations\xff".decode("latin-1")
    resp = testapp.do_request(request, status=404)
    soup = html_page(resp, 404)
    assert text(soup.h1) == title and "Set-Cookie" not in resp.headers
    assert soup.find("a", class_="language")["href"].endswith("?next=%2F")  # home: the path cannot be named again


def test_a_path_that_is_not_utf8_is_404_through_waitress(live_server):
    port = int(live_server.url.rsplit(":", 1)[1])
    for raw_path in (b"/%ff", b"/init-session/%FF%FE"):
        with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
            sock.sendall(b"GET " + raw_path + b" HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := sock.recv(65536):
                answer += chunk
        assert answer.startswith(b"HTTP/1.1 404 "), answer[:200]
        assert answer.endswith(b"\r\n\r\n404 Not Found\n")


@pytest.mark.parametrize(
    "path", ["/get-admindata?%FF", "/get-admindata?year=%FF%FE", "/display-tax-calculation?id=%C3"]
)
def test_a_query_that_is_not_utf8_is_404_and_changes_nothing(testapp, path, caplog):
    start(testapp, "json")
    testapp.post("/authenticate-user", {"user": "admin", "password": "admin"})
    with caplog.at_level(logging.INFO, logger="taxapp"):
        resp = testapp.get(path, expect_errors=True)
    assert resp.status_int == 404 and resp.content_type == "text/plain"
    assert "incident" not in caplog.text
    assert testapp.get("/get-admindata").json["status"] == 1000  # the session is still there


def test_a_query_that_is_not_utf8_is_the_404_page_for_a_browser(testapp):
    login(testapp)
    resp = testapp.get("/display-tax-calculation?id=%C3", headers=BROWSER, status=404)
    assert text(html_page(resp, 404).h1) == "Page not found"
    assert html_page(testapp.get("/list-simulations")).find("h1") is not None  # still signed in


def test_a_path_and_a_query_that_are_not_utf8_are_the_404_page_for_a_browser(testapp):
    """The query's 404 comes before routing, so the page cannot name the path either
    (the fuzz's GET /\x80?%FF, Accept: text/html, answered 500)."""
    request = TestRequest.blank("/", headers=BROWSER)
    request.environ["PATH_INFO"], request.environ["QUERY_STRING"] = b"/\x80".decode("latin-1"), "%FF"
    soup = html_page(testapp.do_request(request, status=404), 404)
    assert text(soup.h1) == "Page not found"
    assert soup.find("a", class_="language")["href"].endswith("?next=%2F")  # home: the path cannot be named again


def test_the_request_log_shows_a_path_as_sent_on_one_line(app, caplog):
    with caplog.at_level(logging.INFO, logger="taxapp.requests"):
        raw_request(app, "GET", b"/\xff\nGET /forged action=x status=1 http=200")
    (line,) = [r.getMessage() for r in caplog.records if r.name == "taxapp.requests"]
    assert "\n" not in line and line.startswith("GET /%FF%0AGET%20/forged")


def test_route_segments_are_ascii_digits(json_client):
    for salary in ("1", "2", "3"):
        json_client.post("/calculate-tax", {"married": "no", "children": "0", "salary": salary})
    for digits in ("\u0663", "\uff13", "\u09e9", "3\u0663"):  # Arabic-Indic, fullwidth, Bengali three
        json_client.get("/delete-simulation/" + quote(digits), status=404)
    assert [s["id"] for s in json_client.get("/list-simulations").json["response"]] == [1, 2, 3]


# --- cookies -------------------------------------------------------------------------------------------


def foreign_ids(app, client):
    """Keys of taxapp's that are not sessions: a session's simulations and their id
    counter, a login counter; and ids of the session key's prefix that taxapp never makes."""
    from taxapp.session_store import SESSION_PREFIX, session_content, session_id_from_cookie

    client.post("/calculate-tax", {"married": "no", "children": "0", "salary": "1"})
    redis = app.registry["redis"]
    secret = app.registry.settings["redis.sessions.secret"]
    store = session_content(redis.get(session_id_from_cookie(client.cookies["session"], secret)))["simulations"]
    counter = app.registry["login_throttle"].keys("nobody", "192.0.2.99")[1]
    redis.set(counter, 1, ex=60)
    return [f"{store}:simulations", f"{store}:last-id", counter, SESSION_PREFIX, f"{SESSION_PREFIX}x", "", "é"]


def test_a_signed_cookie_that_names_no_session_is_no_session(app, json_client):
    """A cookie signed with the session secret but naming another key of taxapp's (a
    leaked secret, another signer) is refused unread: it reached a 503 (a sorted set)
    or a 500 (a counter)."""
    from taxapp.session_store import cookie_signer, session_id_from_cookie

    secret = app.registry.settings["redis.sessions.secret"]
    for foreign in foreign_ids(app, json_client):
        client = TestApp(app)
        client.set_cookie("session", cookie_signer(secret).dumps(foreign).decode())
        check(client.get("/list-simulations", status=400), "json", "list-simulations", 101, [NO_SESSION])
        client.get("/init-session/xml", status=200)  # a new session, of taxapp's own kind
        assert session_id_from_cookie(client.cookies["session"], secret) != foreign
    assert json_client.get("/list-simulations").json["status"] == 500  # the keys named are intact


@pytest.mark.parametrize("cookie", ["session=\\\x80", 'a="\\\xff"; session=x', "session=\\\xc3"])
def test_a_cookie_header_webob_cannot_decode_is_no_cookie(app, json_client, cookie):
    """A backslash-quoted byte that is not UTF-8, in any cookie, made WebOb's cookie
    parser raise wherever the session was read: a bare 500 (found by the fuzz test)."""
    request = Request.blank("/list-simulations")
    request.environ["HTTP_COOKIE"] = cookie
    resp = request.get_response(app)
    assert resp.status_int == 400 and resp.json["status"] == 101 and "Set-Cookie" not in resp.headers
    request = Request.blank("/init-session/json")
    request.environ["HTTP_COOKIE"] = cookie
    assert request.get_response(app).json["status"] == 700  # a new session


# --- JSON batches ------------------------------------------------------------------------------------


@pytest.mark.parametrize("string", [r"\ud800", r"\udfff", r"a\ude00b", r"\ud83d", r"\ude00\ud83d"])
def test_a_lone_surrogate_in_a_batch_makes_the_body_invalid(client, fmt, string):
    body = f'[{{"married": "{string}", "children": 1, "salary": 1}}]'
    resp = batch(client, body, status=400)
    check(
        resp,
        fmt,
        "calculate-taxes",
        1501,
        ["The POST body is not a valid JSON string: a string holds a lone surrogate (\\ud800-\\udfff)"],
    )


BATCH_TEXT = '[{"married": "\ud800", "children": 1, "salary": 1}]'
OK_BATCH_TEXT = '[{"married": "no", "children": 1, "salary": 1}]'


@pytest.mark.parametrize(
    "body",
    [
        BATCH_TEXT.encode("utf-8", "surrogatepass"),  # the UTF-8 bytes of a lone surrogate: b"\xed\xa0\x80"
        BATCH_TEXT.encode("utf-16-le", "surrogatepass"),
        BATCH_TEXT.encode("utf-16", "surrogatepass"),
        OK_BATCH_TEXT.encode("utf-16"),  # a valid batch, but not in UTF-8
        OK_BATCH_TEXT.encode("utf-32-be"),
        OK_BATCH_TEXT.encode("cp1252") + b"\x80",
    ],
)
def test_a_body_that_is_not_utf8_is_not_a_valid_json_string(client, fmt, body):
    """Bodies are UTF-8: json.loads of bytes would also read UTF-16 and UTF-32, and let
    the UTF-8 bytes of a surrogate through to the answer, which could not be written."""
    resp = batch(client, body, status=400)
    action, status, (message,) = read(resp, fmt)
    assert (action, status) == ("calculate-taxes", 1501)
    assert message.startswith("The POST body is not a valid JSON string: ")
    assert client.get("/list-simulations").status_int == 200  # nothing stored, nothing broken


def test_a_utf8_byte_order_mark_is_allowed(json_client):
    """RFC 8259 lets a parser ignore it; taxapp did before, and still does."""
    resp = batch(json_client, b"\xef\xbb\xbf" + OK_BATCH_TEXT.encode(), status=200)
    assert resp.json["status"] == 1500


def test_a_lone_surrogate_in_a_key_makes_the_body_invalid(json_client):
    resp = batch(json_client, r'[{"married": "no", "children": 1, "salary": 1, "\udc00": 1}]', status=400)
    assert "lone surrogate" in resp.json["response"][0]


def test_a_surrogate_pair_and_an_escaped_backslash_are_ordinary_text(json_client):
    resp = batch(
        json_client,
        r'[{"married": "\ud83d\ude00", "children": 1, "salary": 1},'
        r' {"married": "\\ud800", "children": 1, "salary": 1}]',
        status=400,
    )
    assert [item["error"] for item in resp.json["response"]] == [
        "Invalid value [\U0001f600] for parameter [married (yes/no)]",
        "Invalid value [\\ud800] for parameter [married (yes/no)]",
    ]


def test_a_key_given_twice_makes_its_item_invalid(client, fmt):
    body = (
        '[{"married": "no", "children": 1, "salary": 1},'
        ' {"married": "no", "children": 1, "salary": 1, "salary": 2},'
        ' {"id": 1, "married": "no", "children": 1, "salary": 1, "id": 2}]'
    )
    resp = batch(client, body, status=400)
    check(
        resp,
        fmt,
        "calculate-taxes",
        1501,
        [
            {"married": "no", "children": 1, "salary": 2, "error": "The key [salary] is given twice"},
            {"id": 2, "married": "no", "children": 1, "salary": 1, "error": "The key [id] is given twice"},
        ],
    )
    assert stored(client, fmt) == []


def test_colons_in_strings_do_not_hide_or_fake_a_key_given_twice(json_client):
    body = '[{"married": "no", "children": 1, "salary": 1, "id": 1}, {"married": "a:b", "children": 1, "salary": 1}]'
    resp = batch(json_client, body, status=400)
    assert [item.get("error") for item in resp.json["response"]] == [
        "Invalid value [a:b] for parameter [married (yes/no)]"
    ]
    body = '[{"married": "no", "children": 1, "salary": 1, "married": "yes", "id": ":"}]'
    assert batch(json_client, body, status=400).json["response"][0]["error"] == "The key [married] is given twice"


# --- XML every parser accepts --------------------------------------------------------------------------


def parse_with_every_parser(text):
    """ElementTree (defusedxml), lxml (libxml2) and bare expat: each must accept the answer."""
    from tests.functional.conftest import parse_xml

    root = parse_xml(text)
    lxml.etree.fromstring(text.encode())
    xml.parsers.expat.ParserCreate().Parse(text.encode(), True)
    return root


def test_echoed_keys_become_ascii_xml_names(xml_client):
    keys = ["ª", "ㅤ", "é", "1x", "a:b", "-x", ".x", "x.y-z_1", "", "ß9", "xml", "_ok"]
    item = {"married": "no", "children": 1, "salary": 1, **{key: i for i, key in enumerate(keys)}}
    resp = batch(xml_client, [item], status=400)
    root = parse_with_every_parser(resp.text)
    tags = [child.tag for child in root.find("response")]
    assert tags[3:-1] == ["_", "_", "_", "_1x", "a_b", "_-x", "_.x", "x.y-z_1", "_", "_9", "xml", "_ok"]


def test_every_echoed_text_is_well_formed(xml_client):
    values = [
        "]]>",
        "a\x7fb\x85c",
        "\ufffe\uffff",
        "\x00\x01\x08\x0b\x0c\x1f",
        "\t\r\n",
        "&#0;",
        "\U0010ffff",
        "<![CDATA[",
    ]
    items = [{"married": value, "children": 1, "salary": 1} for value in values]
    resp = batch(xml_client, items, status=400)
    root = parse_with_every_parser(resp.text)
    assert len(root.findall("response")) == len(values)
