"""Every row of docs/api.md, in JSON and XML."""

import pytest

from tests.functional.answers import ADMINDATA_KEYS, batch, check, read
from tests.functional.conftest import start

NO_SESSION = ["No session in progress. Start with action [init-session]"]
SIM_55555 = {
    "married": "yes",
    "children": 2,
    "salary": 55555,
    "tax": 2814,
    "surcharge": 0,
    "rate": 0.14,
    "discount": 0,
    "reduction": 0,
}
ACTIONS = [
    ("get", "/list-simulations", "list-simulations"),
    ("get", "/delete-simulation/1", "delete-simulation"),
    ("get", "/display-tax-calculation", "display-tax-calculation"),
    ("get", "/end-session", "end-session"),
    ("get", "/get-admindata", "get-admindata"),
    ("post", "/calculate-tax", "calculate-tax"),
    ("post", "/calculate-taxes", "calculate-taxes"),
]


def calculate(client, married="yes", children="2", salary="55555", **kw):
    return client.post("/calculate-tax", {"married": married, "children": children, "salary": salary}, **kw)


# --- pipeline checks -------------------------------------------------------------------


@pytest.mark.parametrize("method, url, action", [*ACTIONS, ("post", "/authenticate-user", "authenticate-user")])
def test_no_session_is_101_in_json(testapp, method, url, action):
    resp = getattr(testapp, method)(url, status=400)
    check(resp, "json", action, 101, NO_SESSION)
    assert "Set-Cookie" not in resp.headers


@pytest.mark.parametrize("method, url, action", ACTIONS)
def test_unauthenticated_is_101(testapp, fmt, method, url, action):
    start(testapp, fmt, login=False)
    resp = getattr(testapp, method)(url, status=400)
    check(resp, fmt, action, 101, [f"action [{action}] requested by unauthenticated user"])


# --- init-session -------------------------------------------------------------------------


def test_init_session_answers_in_the_type_it_sets(testapp, fmt):
    resp = testapp.get(f"/init-session/{fmt}")
    check(resp, fmt, "init-session", 700, [f"session started with response type {fmt}"], http=200)
    cookie = resp.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie and "secure" not in cookie.lower()


def test_xml_framing_is_exactly_the_original(testapp):
    resp = testapp.get("/init-session/xml")
    assert resp.text == (
        '<?xml version="1.0" encoding="utf-8"?>\n'
        "<root><action>init-session</action><status>700</status>"
        "<response>session started with response type xml</response></root>"
    )


@pytest.mark.parametrize("bad", ["JSON", "foo", "htm"])
def test_invalid_type_is_701_in_the_previous_type(testapp, fmt, bad):
    testapp.get(f"/init-session/{fmt}")
    resp = testapp.get(f"/init-session/{bad}", status=400)
    check(resp, fmt, "init-session", 701, [f"invalid parameter [type={bad}]"])
    # the session kept its type
    check(testapp.get("/init-session/foo", status=400), fmt, "init-session", 701, ["invalid parameter [type=foo]"])


def test_invalid_type_without_session_is_json(testapp):
    check(testapp.get("/init-session/x", status=400), "json", "init-session", 701, ["invalid parameter [type=x]"])


def test_init_session_keeps_login_and_simulations(client, fmt):
    calculate(client)
    other = "xml" if fmt == "json" else "json"
    client.get(f"/init-session/{other}")
    resp = client.get("/list-simulations")
    check(resp, other, "list-simulations", 500, [{**SIM_55555, "id": 1}])


# --- authenticate-user --------------------------------------------------------------------


def test_login_success_is_a_string(testapp, fmt):
    start(testapp, fmt, login=False)
    resp = testapp.post("/authenticate-user", {"user": "admin", "password": "admin"})
    check(resp, fmt, "authenticate-user", 200, "Authentication successful", http=200)
    if fmt == "json":
        assert resp.json["response"] == "Authentication successful"


@pytest.mark.parametrize(
    "form, messages",
    [
        ({"user": "admin"}, ["[password] parameter missing"]),
        ({"password": "admin"}, ["[user] parameter missing"]),
        ({}, ["[user] parameter missing", "[password] parameter missing"]),
        (
            {"user": "admin", "password": "admin", "x": "1"},
            ["POST method required, [action] parameter in the URL, [user, password] parameters posted"],
        ),
    ],
)
def test_login_bad_parameters_are_201_400(testapp, fmt, form, messages):
    start(testapp, fmt, login=False)
    check(testapp.post("/authenticate-user", form, status=400), fmt, "authenticate-user", 201, messages)


@pytest.mark.parametrize("user, password", [("admin", "wrong"), ("nobody", "admin"), ("", "")])
def test_bad_credentials_are_201_401(testapp, fmt, user, password):
    start(testapp, fmt, login=False)
    resp = testapp.post("/authenticate-user", {"user": user, "password": password}, status=401)
    check(resp, fmt, "authenticate-user", 201, ["Authentication failed"])
    testapp.get("/list-simulations", status=400)  # still not logged in


def test_failed_relogin_keeps_the_login(client, fmt):
    client.post("/authenticate-user", {"user": "admin", "password": "wrong"}, status=401)
    check(client.get("/list-simulations"), fmt, "list-simulations", 500, [])


def test_csrf_token_field_is_accepted_and_ignored_outside_html(testapp, fmt):
    start(testapp, fmt, login=False)
    resp = testapp.post("/authenticate-user", {"user": "admin", "password": "admin", "csrf_token": "anything"})
    check(resp, fmt, "authenticate-user", 200, "Authentication successful")


def test_login_renews_the_session_id_and_keeps_the_content(testapp, app):
    from webtest import TestApp

    testapp.get("/init-session/xml")
    before = testapp.cookies["session"]
    testapp.post("/authenticate-user", {"user": "admin", "password": "admin"})
    after = testapp.cookies["session"]
    assert before != after
    read(testapp.get("/list-simulations"), "xml")  # same type kept, logged in
    # the pre-login id is gone: a copy of the old cookie has no session
    stale = TestApp(app)
    stale.set_cookie("session", before)
    check(stale.get("/list-simulations", status=400), "json", "list-simulations", 101, NO_SESSION)


# --- calculate-tax -----------------------------------------------------------------------------


def test_calculate_tax(client, fmt):
    resp = calculate(client, married=" YES ", children=" 2", salary="55555 ")
    check(resp, fmt, "calculate-tax", 300, {**SIM_55555, "id": 1}, http=200)
    if fmt == "json":
        sim = resp.json["response"]
        assert list(sim) == ["married", "children", "salary", "tax", "surcharge", "rate", "discount", "reduction", "id"]
        assert isinstance(sim["rate"], float) and all(isinstance(sim[k], int) for k in ("tax", "id", "children"))


def test_calculate_tax_rate_zero_is_a_float(client, fmt):
    resp = calculate(client, married="yes", children="2", salary="30000")
    if fmt == "json":
        assert resp.json["response"]["rate"] == 0.0 and isinstance(resp.json["response"]["rate"], float)
    else:
        assert "<rate>0.0</rate>" in resp.text


@pytest.mark.parametrize(
    "form, messages",
    [
        ({}, ["[married] parameter missing", "parameter [children] missing", "parameter [salary] missing"]),
        (
            {"married": "Maybe", "children": "2abc", "salary": "1.5"},
            [
                "Invalid value [maybe] for parameter [married (yes/no)]",
                "Invalid value [2abc] for parameter [children (integer >= 0)]",
                "Invalid value [1.5] for parameter [salary (integer >= 0)]",
            ],
        ),
        (
            {"married": "no", "children": "-1", "salary": "100"},
            ["Invalid value [-1] for parameter [children (integer >= 0)]"],
        ),
        (
            {"married": "no", "children": "21", "salary": "1000000001"},
            [
                "Invalid value [21] for parameter [children (integer >= 0)]",
                "Invalid value [1000000001] for parameter [salary (integer >= 0)]",
            ],
        ),
        (
            {"married": "no", "children": "٣", "salary": ""},
            [
                "Invalid value [٣] for parameter [children (integer >= 0)]",
                "Invalid value [] for parameter [salary (integer >= 0)]",
            ],
        ),
        ({"married": "yes", "salary": "1"}, ["parameter [children] missing"]),
        (
            {"married": "yes", "children": "1", "salary": "1", "other": "x"},
            ["POST method required with the following parameters [married, children, salary]"],
        ),
    ],
)
def test_calculate_tax_bad_parameters(client, fmt, form, messages):
    resp = client.post("/calculate-tax", form, status=400)
    check(resp, fmt, "calculate-tax", 301, messages)
    check(client.get("/list-simulations"), fmt, "list-simulations", 500, [])  # nothing stored


def test_a_field_sent_twice_is_an_invalid_value(client, fmt):
    resp = client.post(
        "/calculate-tax", [("married", "yes"), ("married", "no"), ("children", "1"), ("salary", "1")], status=400
    )
    check(resp, fmt, "calculate-tax", 301, ["Invalid value [yes,no] for parameter [married (yes/no)]"])


def test_limits_are_accepted(client, fmt):
    resp = calculate(client, married="no", children="20", salary="1000000000")
    assert read(resp, fmt)[1] == 300


def test_form_over_64_kib_is_413(client, fmt):
    resp = calculate(client, salary="1" * 70000, status=413)
    check(resp, fmt, "calculate-tax", 301, ["The POST body is larger than 65536 bytes"])


def test_invalid_utf8_in_a_form_is_a_clear_error(client, fmt):
    resp = client.post(
        "/calculate-tax",
        "married=%FF&children=1&salary=1",
        content_type="application/x-www-form-urlencoded",
        status=400,
    )
    assert read(resp, fmt)[1] == 301


# --- calculate-taxes ---------------------------------------------------------------------------


def test_calculate_taxes(client, fmt):
    resp = batch(
        client,
        [
            {"married": "yes", "children": 2, "salary": 55555},
            {"married": "No", "children": "0", "salary": " 100000 ", "id": 7, "tax": 1, "rate": 0.1},
        ],
    )
    expected = [
        {**SIM_55555, "id": 1},
        {
            "married": "no",
            "children": 0,
            "salary": 100000,
            "tax": 22986,
            "surcharge": 0,
            "rate": 0.41,
            "discount": 0,
            "reduction": 0,
            "id": 2,
        },
    ]
    check(resp, fmt, "calculate-taxes", 1500, expected, http=200)
    check(client.get("/list-simulations"), fmt, "list-simulations", 500, expected)


@pytest.mark.parametrize(
    "body, messages",
    [
        ("[1,", None),
        ("NaN", ["The POST body is not a valid JSON string: NaN is not valid JSON"]),
        (
            '[{"married":"yes","children":1,"salary":Infinity}]',
            ["The POST body is not a valid JSON string: Infinity is not valid JSON"],
        ),
        ("{}", ["The POST body is not a list, or the list is empty"]),
        ("[]", ["The POST body is not a list, or the list is empty"]),
        ('"text"', ["The POST body is not a list, or the list is empty"]),
        (
            '[{"married":"yes","children":1,"salary":1}, 3]',
            ["The body of the POST request must be a list of dictionaries"],
        ),
    ],
)
def test_calculate_taxes_bad_bodies(client, fmt, body, messages):
    resp = batch(client, body, status=400)
    action, status, response = read(resp, fmt)
    assert (action, status) == ("calculate-taxes", 1501)
    if messages is None:
        assert response[0].startswith("The POST body is not a valid JSON string: ")
    else:
        assert response == messages


def test_number_out_of_float_range_is_invalid_json(client, fmt):
    resp = batch(client, '[{"married":"yes","children":1,"salary":1e400}]', status=400)
    assert read(resp, fmt)[2][0].startswith("The POST body is not a valid JSON string: ")


def test_calculate_taxes_reports_every_faulty_item_as_sent(json_client):
    client = json_client
    items = [
        {"married": "yes", "children": 1, "salary": 1},
        {"married": "yes", "children": 1},
        {"married": "yes", "children": 1, "salary": 1, "name": "x"},
        {"married": True, "children": 1, "salary": 1},
        {"married": "no", "children": 2.5, "salary": 1},
        {"married": "no", "children": 1, "salary": None},
        {"married": "no", "children": [1], "salary": 1},
        {"married": "no", "children": "2abc", "salary": 1},
        {"married": "no", "children": 1, "salary": -5},
    ]
    resp = batch(client, items, status=400)
    assert resp.json["status"] == 1501
    errors = [item["error"] for item in resp.json["response"]]
    assert errors == [
        "The dictionary must include the keys [married, children, salary]",
        "The key [name] is not allowed",
        "Invalid value [true] for parameter [married (yes/no)]",
        "Invalid value [2.5] for parameter [children (integer >= 0)]",
        "Invalid value [null] for parameter [salary (integer >= 0)]",
        "Invalid value [[1]] for parameter [children (integer >= 0)]",
        "Invalid value [2abc] for parameter [children (integer >= 0)]",
        "Invalid value [-5] for parameter [salary (integer >= 0)]",
    ]
    assert [{k: v for k, v in item.items() if k != "error"} for item in resp.json["response"]] == items[1:]
    assert client.get("/list-simulations").json["response"] == []  # nothing stored


def test_echoed_items_stay_well_formed_xml(xml_client):
    resp = batch(
        xml_client,
        [
            {"married": "a\x00b\n<c>&", "children": 1, "salary": 1},
            {"married": "no", "children": 1, "salary": 1, "1 bad-key": "x"},
        ],
        status=400,
    )
    assert "<married>a\ufffdb&#10;&lt;c&gt;&amp;</married>" in resp.text
    _, _, items = read(resp, "xml")  # parses
    assert items[0]["error"] == "Invalid value [a\ufffdb\n<c>&] for parameter [married (yes/no)]"
    assert items[1]["_1_bad-key"] == "x" and items[1]["error"] == "The key [1 bad-key] is not allowed"


def test_calculate_taxes_in_html_is_1501(testapp):
    start(testapp, "json")
    testapp.get("/init-session/html")
    resp = batch(testapp, [{"married": "yes", "children": 1, "salary": 1}], status=400)
    assert "this action is only available for JSON or XML sessions" in resp.text


# --- list, delete, display, end, admindata -------------------------------------------------------


def test_list_is_empty_then_oldest_first(client, fmt):
    empty = client.get("/list-simulations")
    check(empty, fmt, "list-simulations", 500, [])
    if fmt == "xml":
        assert "<response>" not in empty.text
    for salary in ("10000", "20000", "30000"):
        calculate(client, salary=salary)
    _, _, sims = read(client.get("/list-simulations"), fmt)
    assert [str(s["salary"]) for s in sims] == ["10000", "20000", "30000"]
    assert [str(s["id"]) for s in sims] == ["1", "2", "3"]


def test_delete_simulation(client, fmt):
    for salary in ("10000", "20000", "30000"):
        calculate(client, salary=salary)
    resp = client.get("/delete-simulation/0002")
    action, status, remaining = read(resp, fmt)
    assert (action, status) == ("delete-simulation", 600)
    assert [str(s["id"]) for s in remaining] == ["1", "3"]
    check(
        client.get("/delete-simulation/2", status=400),
        fmt,
        "delete-simulation",
        601,
        ["Simulation #[2] does not exist"],
    )
    # ids are not reused
    _, _, simulation = read(calculate(client), fmt)
    assert str((simulation[0] if fmt == "xml" else simulation)["id"]) == "4"


def test_ids_are_never_reused_until_end_session(json_client):
    ids = [calculate(json_client).json["response"]["id"] for _ in range(3)]
    json_client.get("/delete-simulation/3")
    assert calculate(json_client).json["response"]["id"] == 4
    json_client.get("/end-session")
    start(json_client, "json")
    assert ids == [1, 2, 3] and calculate(json_client).json["response"]["id"] == 1


def test_delete_of_a_huge_number_is_601(json_client):
    resp = json_client.get("/delete-simulation/" + "9" * 5000, status=400)
    assert resp.json["status"] == 601


@pytest.mark.parametrize(
    "url",
    [
        "/delete-simulation/-4",
        "/delete-simulation/abc",
        "/delete-simulation/",
        "/nowhere",
        "/init-session",
        "/init-session/json/x",
    ],
)
def test_unknown_urls_are_404_text(testapp, url):
    resp = testapp.get(url, status=404)
    assert resp.content_type == "text/plain" and resp.text[-1] == "\n" and resp.text.count("\n") == 1
    assert "Set-Cookie" not in resp.headers


@pytest.mark.parametrize(
    "method, url, allow",
    [
        ("post", "/list-simulations", "GET, HEAD"),
        ("get", "/calculate-tax", "POST"),
        ("put", "/init-session/json", "GET"),
        ("delete", "/", "GET, HEAD"),
    ],
)
def test_other_methods_are_405_with_allow(testapp, method, url, allow):
    resp = getattr(testapp, method)(url, status=405)
    assert resp.headers["Allow"] == allow and resp.content_type == "text/plain"
    assert "Set-Cookie" not in resp.headers


def test_display_tax_calculation(client, fmt):
    check(client.get("/display-tax-calculation"), fmt, "display-tax-calculation", 800, "")


def test_end_session_answers_in_the_previous_type_and_destroys_the_session(client, fmt, redis_url):
    import redis

    from tests.conftest import session_keys

    calculate(client)
    keys = session_keys(client, redis_url)
    assert redis.Redis.from_url(redis_url).exists(*keys) == 3
    resp = client.get("/end-session")
    check(resp, fmt, "end-session", 400, "session reset", http=200)
    assert "Max-Age=0" in resp.headers["Set-Cookie"]
    assert redis.Redis.from_url(redis_url).exists(*keys) == 0  # the session, its simulations, their id counter
    check(client.get("/list-simulations", status=400), "json", "list-simulations", 101, NO_SESSION)


def test_get_admindata_json(json_client):
    resp = json_client.get("/get-admindata")
    body = resp.json
    assert (body["action"], body["status"]) == ("get-admindata", 1000)
    data = body["response"]
    assert sorted(data) == sorted(ADMINDATA_KEYS)
    assert data["limits"] == [9964, 27519, 73779, 156244, 0]
    assert data["coeffr"] == [0, 0.14, 0.3, 0.41, 0.45]
    assert data["coeffn"] == [0, 1394.96, 5798, 13913.69, 20163.45]
    assert data["qf_half_share_cap"] == 1551 and data["tax_year"] == 2019


def test_get_admindata_xml(xml_client):
    from tests.functional.conftest import parse_xml

    response = parse_xml(xml_client.get("/get-admindata").text).find("response")
    assert [e.text for e in response.findall("limits")] == ["9964", "27519", "73779", "156244", "0"]
    assert [e.text for e in response.findall("coeffn")][3] == "13913.69"
    assert sorted({e.tag for e in response}) == sorted(ADMINDATA_KEYS)


def test_get_admindata_in_html_is_1001(testapp):
    start(testapp, "json")
    testapp.get("/init-session/html")
    resp = testapp.get("/get-admindata", status=400)
    assert "this action is only available for JSON or XML sessions" in resp.text


def test_an_integer_beyond_64_bits_is_an_invalid_value_echoed_exactly(json_client):
    big = 123456789012345678901234567890
    resp = batch(json_client, f'[{{"married":"no","children":{big},"salary":1}}]', status=400)
    assert f'"children":{big}' in resp.text
    assert resp.json["response"][0]["error"] == f"Invalid value [{big}] for parameter [children (integer >= 0)]"


def test_head_is_allowed_wherever_get_is(json_client):
    resp = json_client.head("/list-simulations", status=200)
    assert resp.body == b"" and resp.headers["Content-Type"] == "application/json; charset=utf-8"


def test_a_body_over_its_limit_is_413_even_before_the_session_checks(testapp):
    resp = testapp.post("/calculate-tax", {"married": "yes", "children": "1", "salary": "1" * 70000}, status=413)
    check(resp, "json", "calculate-tax", 301, ["The POST body is larger than 65536 bytes"])
    assert "Set-Cookie" not in resp.headers


def test_every_program_answer_is_never_cached_nor_sniffed(testapp, fmt):
    """JSON and XML answers hold a session's data: no cache keeps them, and no browser
    reads them as another type; successes and failures alike."""
    answers = [testapp.get("/list-simulations", status=400)]  # 101, before any session
    answers.append(testapp.get(f"/init-session/{fmt}"))
    answers.append(testapp.post("/authenticate-user", {"user": "admin", "password": "x"}, status=401))
    answers.append(testapp.post("/authenticate-user", {"user": "admin", "password": "admin"}))
    answers.append(testapp.post("/calculate-tax", {"married": "yes", "children": "2", "salary": "55555"}))
    answers.append(testapp.get("/list-simulations"))
    answers.append(testapp.get("/delete-simulation/9", status=400))
    answers.append(testapp.post("/calculate-tax", {"salary": "1" * 70000}, status=413))
    answers.append(testapp.get("/end-session"))
    for resp in answers:
        assert resp.headers["Cache-Control"] == "no-store", resp.request.url
        assert resp.headers["X-Content-Type-Options"] == "nosniff", resp.request.url


def test_end_session_deletes_the_cookie_with_the_cookies_own_attributes(sqlite_url, redis_url):
    """The deletion lacked Secure, HttpOnly and SameSite; production sets them all."""
    from webtest import TestApp

    from taxapp import main
    from tests.conftest import app_settings

    secure = {"redis.sessions.cookie_secure": "true", "redis.sessions.cookie_samesite": "Strict"}
    client = TestApp(
        main({}, **app_settings(sqlite_url, redis_url, **secure)), extra_environ={"wsgi.url_scheme": "https"}
    )
    start(client, "json")
    resp = client.get("/end-session")
    (deletion,) = resp.headers.getall("Set-Cookie")
    attributes = {part.strip().split("=")[0].lower() for part in deletion.split(";")}
    assert deletion.startswith("session=;") and "Max-Age=0" in deletion, deletion
    assert {"secure", "httponly", "samesite", "path"} <= attributes, deletion
    assert "SameSite=Strict" in deletion, deletion
