"""Every HTML row of docs/api.md and the CSRF rules of §6, through WebTest."""

import pytest

from tests.functional.conftest import start

TAX_MENU = [("List of simulations", "/list-simulations"), ("End session", "/end-session")]
LIST_MENU = [("Tax calculation", "/display-tax-calculation"), ("End session", "/end-session")]
ERROR_MENU = [
    ("Tax calculation", "/display-tax-calculation"),
    ("List of simulations", "/list-simulations"),
    ("End session", "/end-session"),
]
XSS = "<script>alert(1)</script>"
CSRF_MESSAGE = ["invalid or missing CSRF token"]


# --- reading pages ----------------------------------------------------------------------


def text(node):
    """A node's text with the page's no-break spaces read as spaces, whitespace collapsed."""
    return " ".join(node.get_text(" ").replace("\u202f", " ").replace("\xa0", " ").split())


def html_page(resp, http=200):
    """Check an HTML answer (status, content type, accessibility basics); its soup."""
    assert resp.status_int == http
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    assert resp.headers["Cache-Control"] == "no-store"
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    soup = resp.html
    labelled = {label["for"] for label in soup.find_all("label") if label.get("for")}
    for field in soup.find_all("input"):
        if field["type"] == "hidden":
            continue
        assert field.get("id") in labelled or field.find_parent("label"), f"unlabelled input {field}"
    # self-contained: every style sheet, image and script is served by taxapp itself
    for tag, attr in (("link", "href"), ("img", "src"), ("script", "src")):
        for node in soup.find_all(tag):
            if node.get(attr):
                assert node[attr].startswith("/") and not node[attr].startswith("//"), node
    return soup


def menu(soup):
    nav = soup.find("nav", class_="menu")
    return [] if nav is None else [(text(a), a["href"]) for a in nav.find_all("a")]


def alerts(soup):
    """The messages of the page's role="alert" box."""
    box = soup.find(attrs={"role": "alert"})
    return [] if box is None else [text(li) for li in box.find_all("li")]


def value(soup, name):
    field = soup.find("input", attrs={"name": name})
    return field.get("value")


def checked(soup, name):
    return [radio["value"] for radio in soup.find_all("input", attrs={"name": name}) if radio.has_attr("checked")]


def token(resp):
    return value(resp.html, "csrf_token")


def result_box(soup):
    """{term: value} of the result box, with the tax to pay under "Tax to pay"."""
    box = soup.find("section", class_="result")
    if box is None:
        return None
    details = {text(div.dt): text(div.find("dd", class_="value")) for div in box.find_all("div")}
    details["Tax to pay"] = text(box.find("p", class_="tax-amount").strong)
    details["title"] = text(box.h2)
    return details


# --- driving an HTML session ----------------------------------------------------------------


def html_session(testapp):
    """init-session/html: the login page."""
    return testapp.get("/init-session/html")


def login(testapp, user="admin", password="admin"):
    """A signed-in HTML session: the tax page reached by the login's redirect."""
    page = html_session(testapp)
    resp = testapp.post("/authenticate-user", {"user": user, "password": password, "csrf_token": token(page)})
    assert resp.status_int == 303
    return resp.follow()


def calculate(testapp, page, married="yes", children="2", salary="55555", **kw):
    form = {"married": married, "children": children, "salary": salary, "csrf_token": token(page)}
    return testapp.post("/calculate-tax", form, **kw)


def simulation_ids(testapp):
    soup = html_page(testapp.get("/list-simulations"))
    return [text(row.th) for row in soup.select("tbody tr")]


@pytest.fixture
def signed_in(testapp):
    """(testapp, tax page) of a signed-in HTML session."""
    return testapp, login(testapp)


# --- / and 700 --------------------------------------------------------------------------------


def test_root_redirects_to_an_html_session(testapp):
    resp = testapp.get("/", status=302)
    assert resp.location.endswith("/init-session/html")
    assert html_page(resp.follow()).find("form")["action"] == "/authenticate-user"


def test_700_is_the_login_page(testapp):
    soup = html_page(html_session(testapp))
    form = soup.find("form")
    assert form["method"] == "post" and form["action"] == "/authenticate-user"
    assert [f["name"] for f in form.find_all("input")] == ["csrf_token", "user", "password"]
    assert len(token(html_session(testapp))) >= 32
    assert soup.find("input", attrs={"name": "password"})["type"] == "password"
    assert alerts(soup) == [] and menu(soup) == []
    assert soup.title.string == "Sign in · taxapp"


# --- 201 -------------------------------------------------------------------------------------


def test_201_bad_credentials_is_401_with_the_user_refilled(testapp):
    page = html_session(testapp)
    resp = testapp.post(
        "/authenticate-user", {"user": "admin", "password": "wrong", "csrf_token": token(page)}, status=401
    )
    soup = html_page(resp, 401)
    assert alerts(soup) == ["Authentication failed"]
    assert value(soup, "user") == "admin"
    assert value(soup, "password") is None and "wrong" not in resp.text
    # still not signed in
    assert alerts(html_page(testapp.get("/list-simulations", status=400), 400)) == [
        "action [list-simulations] requested by unauthenticated user"
    ]


@pytest.mark.parametrize(
    "form, messages, user",
    [
        ({"user": "bob"}, ["[password] parameter missing"], "bob"),
        ({"password": "x"}, ["[user] parameter missing"], ""),
        ({}, ["[user] parameter missing", "[password] parameter missing"], ""),
        (
            {"user": "bob", "password": "x", "role": "admin"},
            ["POST method required, [action] parameter in the URL, [user, password] parameters posted"],
            "bob",
        ),
    ],
)
def test_201_bad_parameters_is_400_with_the_errors(testapp, form, messages, user):
    page = html_session(testapp)
    resp = testapp.post("/authenticate-user", {**form, "csrf_token": token(page)}, status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == messages
    assert value(soup, "user") == user
    assert value(soup, "password") is None
    invalid = {f["name"] for f in soup.find_all("input", attrs={"aria-invalid": "true"})}
    assert invalid == {name for name in ("user", "password") if f"[{name}] parameter missing" in messages}


# --- 200, 300, 301, 800 ---------------------------------------------------------------------------


def test_200_redirects_303_to_the_tax_page(testapp):
    page = html_session(testapp)
    resp = testapp.post("/authenticate-user", {"user": "admin", "password": "admin", "csrf_token": token(page)})
    assert resp.status_int == 303
    assert resp.location.endswith("/display-tax-calculation")
    soup = html_page(resp.follow())
    assert menu(soup) == TAX_MENU
    assert soup.find("form")["action"] == "/calculate-tax"


def test_800_is_the_empty_tax_form(signed_in):
    testapp, _ = signed_in
    soup = html_page(testapp.get("/display-tax-calculation"))
    assert menu(soup) == TAX_MENU
    assert value(soup, "children") == "" and value(soup, "salary") == ""
    assert checked(soup, "married") == ["no"]
    assert result_box(soup) is None and alerts(soup) == []


def test_300_redirects_303_to_its_result(signed_in):
    testapp, page = signed_in
    resp = calculate(testapp, page)
    assert resp.status_int == 303
    assert resp.location.endswith("/display-tax-calculation?id=1")
    soup = html_page(resp.follow())
    assert menu(soup) == TAX_MENU
    assert result_box(soup) == {
        "title": "Result of simulation #1",
        "Tax to pay": "2 814 €",
        "Discount (décote)": "0 €",
        "Reduction": "0 €",
        "Surcharge": "0 €",
        "Marginal rate": "14 %",
        "Number of shares": "3",
    }
    assert checked(soup, "married") == ["yes"]
    assert value(soup, "children") == "2" and value(soup, "salary") == "55555"


def test_the_result_box_explains_discount_reduction_and_shares(signed_in):
    testapp, page = signed_in
    calculate(testapp, page, married=" YES ", children="2", salary="50000")
    resp = calculate(testapp, page, married="no", children="3", salary="50000")
    assert resp.location.endswith("/display-tax-calculation?id=2")
    first = result_box(html_page(testapp.get("/display-tax-calculation?id=1")))
    assert (first["Tax to pay"], first["Discount (décote)"], first["Reduction"]) == ("1 384 €", "384 €", "347 €")
    second = html_page(resp.follow())
    assert result_box(second)["Number of shares"] == "3"  # 1 + ½ + ½ + 1
    assert checked(second, "married") == ["no"] and value(second, "children") == "3"
    assert "Single, 3 children, annual salary 50 000 €" in text(second)


@pytest.mark.parametrize("query", ["?id=99", "?id=abc", "?id=", "?id=1" + "0" * 40, "?other=1"])
def test_800_with_an_unknown_id_shows_the_empty_form(signed_in, query):
    testapp, page = signed_in
    calculate(testapp, page)
    soup = html_page(testapp.get("/display-tax-calculation" + query))
    assert result_box(soup) is None
    assert value(soup, "salary") == ""


def test_301_shows_the_errors_and_refills_the_form(signed_in):
    testapp, page = signed_in
    resp = calculate(testapp, page, married="maybe", children="2abc", salary="", status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == [
        "Invalid value [maybe] for parameter [married (yes/no)]",
        "Invalid value [2abc] for parameter [children (integer >= 0)]",
        "Invalid value [] for parameter [salary (integer >= 0)]",
    ]
    assert value(soup, "children") == "2abc" and value(soup, "salary") == ""
    assert checked(soup, "married") == []
    invalid = {f["name"] for f in soup.find_all("input", attrs={"aria-invalid": "true"})}
    assert invalid == {"children", "salary"}
    assert menu(soup) == TAX_MENU and result_box(soup) is None
    assert simulation_ids(testapp) == []


def test_301_for_a_missing_field(signed_in):
    testapp, page = signed_in
    resp = testapp.post("/calculate-tax", {"married": "yes", "csrf_token": token(page)}, status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == ["parameter [children] missing", "parameter [salary] missing"]
    assert checked(soup, "married") == ["yes"]


def test_301_for_a_body_too_large_does_not_refill_it(signed_in):
    testapp, page = signed_in
    resp = calculate(testapp, page, salary="9" * 70000, status=413)
    soup = html_page(resp, 413)
    assert alerts(soup) == ["The POST body is larger than 65536 bytes"]
    assert value(soup, "salary") == "" and "9" * 100 not in resp.text


# --- 500, 600 -----------------------------------------------------------------------------------


def test_500_empty_list(signed_in):
    testapp, _ = signed_in
    soup = html_page(testapp.get("/list-simulations"))
    assert menu(soup) == LIST_MENU
    assert "Your list of simulations is empty" in text(soup)
    assert soup.find("table") is None


def test_500_table_of_the_simulations(signed_in):
    testapp, page = signed_in
    calculate(testapp, page)
    calculate(testapp, page, married="no", children="0", salary="1000000")
    soup = html_page(testapp.get("/list-simulations"))
    assert menu(soup) == LIST_MENU
    assert [text(th) for th in soup.select("thead th")] == [
        "#", "Married", "Children", "Salary", "Tax", "Surcharge", "Discount", "Reduction", "Rate", "Year", "Rules",
        "Actions",
    ]
    rows = [[text(cell) for cell in row.find_all(["th", "td"])] for row in soup.select("tbody tr")]
    assert rows[0] == ["1", "yes", "2", "55 555 €", "2 814 €", "0 €", "0 €", "0 €", "14 %", "2019", "course", "Delete"]
    assert rows[1][:3] == ["2", "no", "0"] and rows[1][8] == "45 %"
    deletes = [a["href"] for a in soup.select("tbody a.delete")]
    assert deletes == ["/delete-simulation/1", "/delete-simulation/2"]
    assert "Your list of simulations is empty" not in text(soup)


def test_600_redirects_303_to_the_list(signed_in):
    testapp, page = signed_in
    calculate(testapp, page)
    calculate(testapp, page, salary="30000")
    resp = testapp.get("/delete-simulation/1", status=303)
    assert resp.location.endswith("/list-simulations")
    soup = html_page(resp.follow())
    assert [text(row.th) for row in soup.select("tbody tr")] == ["2"]
    # a second visit of the deletion is a 601: nothing more is deleted
    assert alerts(html_page(testapp.get("/delete-simulation/1", status=400), 400)) == [
        "Simulation #[1] does not exist"
    ]
    assert simulation_ids(testapp) == ["2"]


# --- 400 --------------------------------------------------------------------------------------------


def test_400_end_session_redirects_302_to_a_new_html_session(signed_in):
    testapp, page = signed_in
    calculate(testapp, page)
    resp = testapp.get("/end-session", status=302)
    assert resp.location.endswith("/init-session/html")
    assert html_page(resp.follow()).find("form")["action"] == "/authenticate-user"
    # a new session: signed out, no simulations
    login(testapp)
    assert simulation_ids(testapp) == []


def test_after_end_session_without_init_the_session_is_gone(signed_in):
    testapp, _ = signed_in
    testapp.get("/end-session", status=302)
    resp = testapp.get("/list-simulations", status=400)
    assert resp.json["status"] == 101  # no session: the contract's JSON answer


# --- error page ---------------------------------------------------------------------------------


def test_101_unauthenticated_is_the_error_page(testapp):
    html_session(testapp)
    soup = html_page(testapp.get("/display-tax-calculation", status=400), 400)
    assert alerts(soup) == ["action [display-tax-calculation] requested by unauthenticated user"]
    assert menu(soup) == ERROR_MENU
    assert soup.find("a", href="/init-session/html") is not None  # a way back to the login


@pytest.mark.parametrize(
    "method, url, messages",
    [
        ("get", "/delete-simulation/7", ["Simulation #[7] does not exist"]),
        ("get", "/get-admindata", ["this action is only available for JSON or XML sessions"]),
        ("post", "/calculate-taxes", ["this action is only available for JSON or XML sessions"]),
        ("get", "/init-session/xhtml", ["invalid parameter [type=xhtml]"]),
    ],
)
def test_failures_are_the_error_page(signed_in, method, url, messages):
    testapp, _ = signed_in
    soup = html_page(getattr(testapp, method)(url, status=400), 400)
    assert alerts(soup) == messages
    assert menu(soup) == ERROR_MENU
    assert soup.find("form") is None


# --- CSRF -------------------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_token", [None, "", "0" * 64])
def test_login_without_the_right_token_is_102(testapp, bad_token):
    html_session(testapp)
    form = {"user": "admin", "password": "admin"}
    if bad_token is not None:
        form["csrf_token"] = bad_token
    soup = html_page(testapp.post("/authenticate-user", form, status=400), 400)
    assert alerts(soup) == CSRF_MESSAGE and menu(soup) == ERROR_MENU
    testapp.get("/list-simulations", status=400)  # still not signed in


@pytest.mark.parametrize("bad_token", [None, "", "0" * 64])
def test_calculation_without_the_right_token_is_102(signed_in, bad_token):
    testapp, _ = signed_in
    form = {"married": "yes", "children": "2", "salary": "55555"}
    if bad_token is not None:
        form["csrf_token"] = bad_token
    soup = html_page(testapp.post("/calculate-tax", form, status=400), 400)
    assert alerts(soup) == CSRF_MESSAGE
    assert simulation_ids(testapp) == []


def test_the_token_is_in_the_header_too(signed_in):
    testapp, page = signed_in
    form = {"married": "yes", "children": "2", "salary": "55555"}
    testapp.post("/calculate-tax", form, headers={"X-CSRF-Token": token(page)}, status=303)
    assert simulation_ids(testapp) == ["1"]


def test_the_token_and_the_session_id_are_renewed_at_login(testapp):
    before = token(html_session(testapp))
    cookie = testapp.cookies["session"]
    page = testapp.post(
        "/authenticate-user", {"user": "admin", "password": "admin", "csrf_token": before}, status=303
    ).follow()
    after = token(page)
    assert after != before and testapp.cookies["session"] != cookie
    soup = html_page(calculate(testapp, page, status=303).follow())
    assert result_box(soup)["title"] == "Result of simulation #1"
    old = {"married": "yes", "children": "2", "salary": "55555", "csrf_token": before}
    assert alerts(html_page(testapp.post("/calculate-tax", old, status=400), 400)) == CSRF_MESSAGE
    assert simulation_ids(testapp) == ["1"]


def test_a_failed_login_keeps_the_token(testapp):
    before = token(html_session(testapp))
    resp = testapp.post("/authenticate-user", {"user": "admin", "password": "no", "csrf_token": before}, status=401)
    assert token(resp) == before


def test_the_token_of_another_session_is_refused(app, testapp):
    from webtest import TestApp

    other = token(html_session(TestApp(app)))
    html_session(testapp)
    form = {"user": "admin", "password": "admin", "csrf_token": other}
    assert alerts(html_page(testapp.post("/authenticate-user", form, status=400), 400)) == CSRF_MESSAGE


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_json_and_xml_sessions_need_no_token(testapp, fmt):
    start(testapp, fmt, login=False)
    resp = testapp.post("/authenticate-user", {"user": "admin", "password": "admin"})
    assert resp.status_int == 200 and "Authentication successful" in resp.text
    resp = testapp.post("/calculate-tax", {"married": "yes", "children": "2", "salary": "55555"})
    assert resp.status_int == 200 and "2814" in resp.text
    # a csrf_token field, even a wrong one, is accepted and ignored
    resp = testapp.post("/calculate-tax", {"married": "no", "children": "0", "salary": "1", "csrf_token": "x"})
    assert resp.status_int == 200


# --- escaping of user input ---------------------------------------------------------------------


def test_a_user_name_is_shown_as_text(testapp):
    page = html_session(testapp)
    resp = testapp.post("/authenticate-user", {"user": XSS, "password": "x", "csrf_token": token(page)}, status=401)
    soup = html_page(resp, 401)
    assert value(soup, "user") == XSS
    assert soup.find("script") is None and XSS not in resp.text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in resp.text


def test_a_refilled_value_and_its_message_are_shown_as_text(signed_in):
    testapp, page = signed_in
    resp = calculate(testapp, page, children=XSS, salary='"><img src=x onerror=alert(1)>', status=400)
    soup = html_page(resp, 400)
    assert value(soup, "children") == XSS
    assert value(soup, "salary") == '"><img src=x onerror=alert(1)>'
    assert f"Invalid value [{XSS}] for parameter [children (integer >= 0)]" in alerts(soup)
    assert soup.find("script") is None and soup.find("img", src="x") is None


def test_an_invalid_type_is_shown_as_text_on_the_error_page(signed_in):
    testapp, _ = signed_in
    resp = testapp.get("/init-session/<img src=x onerror=alert(1)>", status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == ["invalid parameter [type=<img src=x onerror=alert(1)>]"]
    assert soup.find("img", src="x") is None


# --- the style sheet ------------------------------------------------------------------------------


def test_the_style_sheet_and_icon_are_served_by_taxapp(testapp):
    soup = html_page(html_session(testapp))
    css = testapp.get(soup.find("link", rel="stylesheet")["href"])
    assert css.content_type == "text/css" and ":focus-visible" in css.text
    icon = testapp.get(soup.find("link", rel="icon")["href"])
    assert icon.content_type == "image/svg+xml"
