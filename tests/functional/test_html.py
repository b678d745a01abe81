"""The pages (docs/api.md's HTML answers, docs/pages.md's decisions) and the CSRF rules, through WebTest.

Without ``Accept-Language`` the pages are in English; French is tested at the end."""

import json

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
CSRF_MESSAGE = ["This form had expired or did not come from this site: nothing was changed. Try again."]
SIGNED_OUT = ["You are not signed in: sign in to see this page."]
EXPIRED = "Your session has expired or was never started: sign in again."
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


# --- reading pages ----------------------------------------------------------------------


def text(node):
    """A node's text with the page's no-break spaces read as spaces, whitespace collapsed."""
    return " ".join(node.get_text(" ").replace("\u202f", " ").replace("\xa0", " ").split())


def html_page(resp, http=200):
    """Check an HTML answer (status, content type, accessibility basics); its soup."""
    assert resp.status_int == http
    assert resp.headers["Content-Type"] == "text/html; charset=utf-8"
    # a failed POST's page may be kept by the browser (for Back), no other page
    failed_post = resp.request.method == "POST" and resp.status_int >= 400
    assert resp.headers["Cache-Control"] == ("private, no-cache" if failed_post else "no-store")
    assert "default-src 'none'" in resp.headers["Content-Security-Policy"]
    assert resp.text.rstrip().endswith("</html>")  # nothing after the page
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
    """The messages of the page's error summary."""
    box = soup.find(id="errors")
    return [] if box is None else [text(li) for li in box.find_all("li")]


def field_error(soup, name):
    """The error said next to a field, checked to describe the field."""
    error = soup.find(id=f"{name}-error")
    if error is None:
        return None
    described = soup.find(id=name) or soup.find("fieldset", attrs={"aria-describedby": f"{name}-error"})
    assert f"{name}-error" in described["aria-describedby"].split()
    return text(error)


def invalid_fields(soup):
    return {f["name"] for f in soup.find_all("input", attrs={"aria-invalid": "true"})}


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
    details = {" ".join(div.dt.get_text().split()): text(div.find("dd", class_="value")) for div in box.find_all("div")}
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
    wrong = "The user name or the password is not right: type your password again."
    assert alerts(soup) == [wrong] and field_error(soup, "password") == wrong
    assert value(soup, "user") == "admin"
    assert value(soup, "password") is None and "wrong" not in resp.text
    # the focus goes to the password, to type it again
    assert soup.find(autofocus=True)["id"] == "password"
    # still not signed in
    assert alerts(html_page(testapp.get("/list-simulations", status=400), 400)) == SIGNED_OUT


@pytest.mark.parametrize(
    "form, messages, user",
    [
        ({"user": "bob"}, ["Enter your password."], "bob"),
        ({"password": "x"}, ["Enter your user name."], ""),
        ({}, ["Enter your user name.", "Enter your password."], ""),
        (
            {"user": "bob", "password": "x", "role": "admin"},
            ["The form sent fields this page does not have: reload the page and try again."],
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
    expected = {"user": "Enter your user name.", "password": "Enter your password."}
    invalid = {name for name in expected if expected[name] in messages}
    assert invalid_fields(soup) == invalid
    assert {name: field_error(soup, name) for name in invalid} == {name: expected[name] for name in invalid}
    assert soup.find(autofocus=True)["id"] == "errors"  # the summary takes the focus


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
        "Tax to pay": "€2,814",
        "Discount (décote)": "€0",
        "Reduction": "€0",
        "Surcharge": "€0",
        "Marginal rate": "14%",
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
    assert (first["Tax to pay"], first["Discount (décote)"], first["Reduction"]) == ("€1,384", "€384", "€347")
    second = html_page(resp.follow())
    assert result_box(second)["Number of shares"] == "3"  # 1 + ½ + ½ + 1
    assert checked(second, "married") == ["no"] and value(second, "children") == "3"
    assert "Single, 3 children, annual salary €50,000" in text(second)


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
        "Choose Yes or No.",
        "Enter the number of children as a whole number from 0 to 20.",
        "Enter the salary as a whole number of euros from 0 to 1,000,000,000, for example 55 555.",
    ]
    assert field_error(soup, "married") == "Choose Yes or No."
    assert field_error(soup, "children") == "Enter the number of children as a whole number from 0 to 20."
    assert value(soup, "children") == "2abc" and value(soup, "salary") == ""
    assert checked(soup, "married") == []
    assert invalid_fields(soup) == {"married", "children", "salary"}
    # each summary line leads to its field
    assert [a["href"] for a in soup.find(id="errors").find_all("a")] == ["#married-yes", "#children", "#salary"]
    assert soup.find(autofocus=True)["id"] == "errors"
    assert menu(soup) == TAX_MENU and result_box(soup) is None
    assert simulation_ids(testapp) == []


def test_301_for_a_missing_field(signed_in):
    testapp, page = signed_in
    resp = testapp.post("/calculate-tax", {"married": "yes", "csrf_token": token(page)}, status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == [
        "Enter the number of dependent children (0 if none).",
        "Enter your annual net salary, in euros.",
    ]
    assert checked(soup, "married") == ["yes"]


def test_301_for_a_body_too_large_does_not_refill_it(signed_in):
    testapp, page = signed_in
    resp = calculate(testapp, page, salary="9" * 70000, status=413)
    soup = html_page(resp, 413)
    assert alerts(soup) == ["What you sent is too large: check what you typed and try again."]
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
        "#",
        "Married",
        "Children",
        "Salary",
        "Tax",
        "Surcharge",
        "Discount",
        "Reduction",
        "Rate",
        "Year",
        "Rules",
        "Actions",
    ]
    rows = [[text(cell) for cell in row.find_all(["th", "td"])] for row in soup.select("tbody tr")]
    assert rows[1] == ["1", "Yes", "2", "€55,555", "€2,814", "€0", "€0", "€0", "14%", "2019", "course", "Delete"]
    assert rows[0][:3] == ["2", "No", "0"] and rows[0][8] == "45%"  # newest first
    # the landmarks have names of their own (axe landmark-unique)
    assert soup.find(class_="table-scroll")["aria-label"] != text(soup.h1)
    deletes = [a["href"] for a in soup.select("tbody a.delete")]
    assert deletes == ["/delete-simulation/2", "/delete-simulation/1"]
    assert "Your list of simulations is empty" not in text(soup)


@pytest.fixture(scope="module")
def paged_app(sqlite_url, redis_url):
    """Pages of 3 simulations."""
    from taxapp import main
    from tests.conftest import app_settings

    return main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.list_page_size": "3"}))


@pytest.fixture
def seven_simulations(paged_app):
    from webtest import TestApp

    testapp = TestApp(paged_app)
    page = login(testapp)
    for n in range(7):
        calculate(testapp, page, salary=str(30000 + n), status=303)
    return testapp


def list_page(testapp, query=""):
    """(ids shown, the lead, {rel: href} of the pages' links) of a page of the list."""
    soup = html_page(testapp.get("/list-simulations" + query))
    links = {a["rel"][0]: a["href"] for a in soup.select("nav.pages a")}
    return [text(row.th) for row in soup.select("tbody tr")], text(soup.find(class_="lead")), links


def test_the_list_is_paged_newest_first(seven_simulations):
    testapp = seven_simulations
    first = list_page(testapp)
    assert first == (["7", "6", "5"], "7 simulations, newest first. Page 1 of 3.", {"next": "/list-simulations?page=2"})
    assert list_page(testapp, "?page=2") == (
        ["4", "3", "2"],
        "7 simulations, newest first. Page 2 of 3.",
        {"prev": "/list-simulations", "next": "/list-simulations?page=3"},
    )
    assert list_page(testapp, "?page=3") == (
        ["1"],
        "7 simulations, newest first. Page 3 of 3.",
        {"prev": "/list-simulations?page=2"},
    )
    assert list_page(testapp, "?page=99")[0] == ["1"]  # past the last page: the last one
    for query in ("?page=0", "?page=-1", "?page=abc", "?page=" + "9" * 50, "?page=02"):
        assert list_page(testapp, query)[0] == (["4", "3", "2"] if query == "?page=02" else ["7", "6", "5"])
    testapp.get("/delete-simulation/7", status=303)
    assert list_page(testapp)[:2] == (["6", "5", "4"], "6 simulations, newest first. Page 1 of 2.")


def test_the_pages_of_the_list_in_french(seven_simulations):
    testapp = seven_simulations
    soup = html_page(testapp.get("/list-simulations?page=2", headers={"Accept-Language": "fr"}))
    assert text(soup.find(class_="lead")) == "7 simulations, la plus récente en premier. Page 2 sur 3."
    assert [text(a) for a in soup.select("nav.pages a")] == [
        "Page précédente (plus récentes)",
        "Page suivante (plus anciennes)",
    ]
    assert soup.find("nav", class_="pages")["aria-label"] == "Pages de la liste"
    # the language switch comes back to the same page
    assert soup.find("a", class_="language")["href"] == "/language/en?next=%2Flist-simulations%3Fpage%3D2"


def test_a_list_of_one_page_has_no_pages_links(signed_in):
    testapp, page = signed_in
    calculate(testapp, page)
    assert list_page(testapp) == (["1"], "1 simulation, newest first.", {})


def test_the_deletion_notes_a_session_keeps_are_capped(signed_in, redis_url):
    """Deleting without ever showing the list kept a note per deletion in the session."""
    import redis

    from taxapp.session_store import session_content
    from taxapp.views.pages import MAX_DELETED_NOTES
    from tests.conftest import session_keys

    testapp, page = signed_in
    deleted = MAX_DELETED_NOTES + 15
    for _ in range(deleted):
        calculate(testapp, page, status=303)
    for n in range(1, deleted + 1):
        testapp.get(f"/delete-simulation/{n}", status=303)
    store = redis.Redis.from_url(redis_url)
    content = session_content(store.get(session_keys(testapp, redis_url)[0]))
    store.close()
    assert len(json.dumps(content)) < 400, content  # the session's content, notes included
    notes = [text(p) for p in html_page(testapp.get("/list-simulations")).select('[role="status"] p')]
    assert notes == [f"Simulation #{n} deleted." for n in range(deleted - MAX_DELETED_NOTES + 1, deleted + 1)]


def test_600_redirects_303_to_the_list(signed_in):
    testapp, page = signed_in
    calculate(testapp, page)
    calculate(testapp, page, salary="30000")
    resp = testapp.get("/delete-simulation/1", status=303)
    assert resp.location.endswith("/list-simulations")
    soup = html_page(resp.follow())
    assert [text(row.th) for row in soup.select("tbody tr")] == ["2"]
    assert [text(p) for p in soup.select('[role="status"] p')] == ["Simulation #1 deleted."]
    # said once: the next visit of the list has no note
    assert html_page(testapp.get("/list-simulations")).select('[role="status"] p') == []
    # a second visit of the deletion is a 601: nothing more is deleted
    assert alerts(html_page(testapp.get("/delete-simulation/1", status=400), 400)) == [
        "Simulation #1 does not exist: it may have been deleted already."
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
    assert alerts(soup) == SIGNED_OUT
    assert menu(soup) == ERROR_MENU
    assert soup.find("a", href="/init-session/html") is not None  # a way back to the login


@pytest.mark.parametrize(
    "method, url, messages",
    [
        ("get", "/delete-simulation/7", ["Simulation #7 does not exist: it may have been deleted already."]),
        ("get", "/get-admindata", ["For programs only: this action is only available for JSON or XML sessions."]),
        ("post", "/calculate-taxes", ["For programs only: this action is only available for JSON or XML sessions."]),
        ("get", "/init-session/xhtml", ["This address is not a page of taxapp."]),
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
    assert "Enter the number of children as a whole number from 0 to 20." in alerts(soup)
    assert soup.find("script") is None and soup.find("img", src="x") is None


def test_an_invalid_type_is_shown_as_text_on_the_error_page(signed_in):
    testapp, _ = signed_in
    resp = testapp.get("/init-session/<img src=x onerror=alert(1)>", status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == ["This address is not a page of taxapp."]
    assert soup.find("img", src="x") is None and "<img src=x" not in resp.text


# --- the style sheet ------------------------------------------------------------------------------


def test_the_style_sheet_and_icon_are_served_by_taxapp(testapp):
    soup = html_page(html_session(testapp))
    css = testapp.get(soup.find("link", rel="stylesheet")["href"])
    assert css.content_type == "text/css" and ":focus-visible" in css.text
    icon = testapp.get(soup.find("link", rel="icon")["href"])
    assert icon.content_type == "image/svg+xml"


# --- browsers without a session (no session, an expired or a forged one) -------------------------


@pytest.mark.parametrize(
    "url", ["/list-simulations", "/display-tax-calculation?id=1", "/delete-simulation/1", "/end-session"]
)
def test_a_browser_without_a_session_is_sent_to_sign_in(testapp, url):
    resp = testapp.get(url, headers=BROWSER, status=303)
    assert resp.location.endswith("/init-session/html")
    assert html_page(resp.follow(headers=BROWSER)).find("form")["action"] == "/authenticate-user"


@pytest.mark.parametrize(
    "accept", [None, "*/*", "application/json", "text/html;q=0.5,application/json", "text/*;q=0.9,*/*"]
)
def test_a_program_without_a_session_keeps_the_101_answer(testapp, accept):
    headers = {"Accept": accept} if accept else {}
    for resp in (
        testapp.get("/list-simulations", headers=headers, status=400),
        testapp.post("/calculate-tax", {"married": "yes"}, headers=headers, status=400),
    ):
        assert resp.json == {
            "action": resp.json["action"],
            "status": 101,
            "response": ["No session in progress. Start with action [init-session]"],
        }


def test_a_form_posted_after_the_session_expired_is_the_sign_in_page(testapp):
    form = {"married": "yes", "children": "2", "salary": "55555", "csrf_token": "x"}
    resp = testapp.post("/calculate-tax", form, headers=BROWSER, status=400)
    soup = html_page(resp, 400)
    assert alerts(soup) == [EXPIRED]
    assert soup.find("form")["action"] == "/authenticate-user"
    # its form works: the page started an HTML session
    signed_in = testapp.post(
        "/authenticate-user", {"user": "admin", "password": "admin", "csrf_token": token(resp)}, status=303
    )
    assert html_page(signed_in.follow()).find("form")["action"] == "/calculate-tax"


def test_the_expired_session_page_is_in_the_browsers_language(testapp):
    headers = {**BROWSER, "Accept-Language": "fr-FR,fr;q=0.9,en;q=0.5"}
    soup = html_page(testapp.post("/authenticate-user", {"user": "admin"}, headers=headers, status=400), 400)
    assert alerts(soup) == ["Votre session a expiré ou n’a jamais commencé : connectez-vous à nouveau."]
    assert soup.html["lang"] == "fr"


def test_a_json_session_keeps_its_json_answers_for_a_browser(testapp):
    start(testapp, "json", login=False)
    resp = testapp.get("/list-simulations", headers=BROWSER, status=400)
    assert resp.json["status"] == 101 and "unauthenticated" in resp.json["response"][0]


# --- 404 and 405 ------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method, url, status",
    [("get", "/nowhere", 404), ("post", "/list-simulations", 405), ("get", "/delete-simulation/abc", 404)],
)
def test_404_and_405_are_pages_for_browsers_and_a_line_for_programs(testapp, method, url, status):
    resp = getattr(testapp, method)(url, headers=BROWSER, status=status)
    soup = html_page(resp, status)
    assert text(soup.h1) == ("Page not found" if status == 404 else "Not allowed here")
    assert soup.find("main").find("a", href="/") is not None
    assert "Set-Cookie" not in resp.headers  # never touches the session
    program = getattr(testapp, method)(url, status=status)
    assert program.content_type == "text/plain" and program.text.startswith(f"{status} ")
    if status == 405:
        assert resp.headers["Allow"] == program.headers["Allow"] == "GET, HEAD"


def test_a_404_page_is_in_the_browsers_language(testapp):
    resp = testapp.get("/nowhere", headers={**BROWSER, "Accept-Language": "fr"}, status=404)
    assert text(html_page(resp, 404).h1) == "Page introuvable"


def page_language(testapp, accept_language):
    resp = testapp.get("/nowhere", headers={**BROWSER, "Accept-Language": accept_language}, status=404)
    return html_page(resp, 404).html["lang"]


def test_accept_language_is_read_bounded(testapp):
    """Only the first ranges are read, each of a bounded length: WebOb's lookup is
    quadratic in a range's length (32 KB cost 0.66 s of CPU, docs/security.md)."""
    from taxapp.i18n import MAX_LANGUAGE_RANGE_LENGTH, MAX_LANGUAGE_RANGES, bounded_accept_language

    others = [f"d{chr(97 + n)}" for n in range(MAX_LANGUAGE_RANGES - 1)]  # da, db, …
    assert page_language(testapp, ",".join([*others, "fr"])) == "fr"
    assert page_language(testapp, ",".join([*others, "de", "fr"])) == "en"  # past the ranges read
    assert page_language(testapp, "de-" + "a1-" * 10_000 + "a1, fr;q=0.5") == "fr"  # the long range skipped
    assert page_language(testapp, "fr-" + "a1-" * 10_000 + "a1") == "en"
    read = bounded_accept_language("de-a1-a1-a1," * 3000)
    assert len(read) <= MAX_LANGUAGE_RANGES * (MAX_LANGUAGE_RANGE_LENGTH + 1)


# --- what a person types -------------------------------------------------------------------------------------


@pytest.mark.parametrize("typed", ["55 555", "55555,00", "55 555,00", "55\u00a0555", "55\u202f555,00", " 55555.00 "])
def test_the_salary_as_a_french_person_types_it(signed_in, typed):
    testapp, page = signed_in
    resp = calculate(testapp, page, salary=typed, status=303)
    assert value(html_page(resp.follow()), "salary") == "55555"


@pytest.mark.parametrize("typed", ["55 55", "55555,50", "5 5555", "55,555", "-55555"])
def test_a_salary_that_is_not_a_whole_number_of_euros_is_refused(signed_in, typed):
    testapp, page = signed_in
    soup = html_page(calculate(testapp, page, salary=typed, status=400), 400)
    assert invalid_fields(soup) == {"salary"} and value(soup, "salary") == typed


def test_the_api_stays_strict_about_the_salary(json_client):
    resp = json_client.post("/calculate-tax", {"married": "yes", "children": "2", "salary": "55 555"}, status=400)
    assert resp.json["response"] == ["Invalid value [55 555] for parameter [salary (integer >= 0)]"]


def test_the_hints_say_the_limits(signed_in):
    _, page = signed_in
    soup = page.html
    assert text(soup.find(id="children-hint")) == "A whole number from 0 to 20, 0 if none."
    assert "from 0 to 1,000,000,000" in text(soup.find(id="salary-hint"))
    assert soup.find(id="salary")["aria-describedby"] == "salary-hint"


# --- sign-in and Back ----------------------------------------------------------------------------------------


def test_a_signed_in_browser_back_on_the_sign_in_page_goes_to_the_tax_page(signed_in):
    testapp, _ = signed_in
    resp = testapp.get("/init-session/html", headers=BROWSER, status=303)
    assert resp.location.endswith("/display-tax-calculation")
    # a program asking for an HTML session still gets the contract's 700 page
    assert html_page(testapp.get("/init-session/html")).find("form")["action"] == "/authenticate-user"


def test_a_sign_in_form_posted_again_while_signed_in_goes_to_the_tax_page(signed_in):
    """A failed attempt's page reached by Back and submitted (Chromium never keeps a
    401 page, so Back asks to post it again): nothing changes, the tax page opens."""
    testapp, page = signed_in
    calculate(testapp, page)
    form = {"user": "admin", "password": "wrong", "csrf_token": "an old token"}
    resp = testapp.post("/authenticate-user", form, headers=BROWSER, status=303)
    assert resp.location.endswith("/display-tax-calculation")
    assert simulation_ids(testapp) == ["1"]  # still signed in, the same session


# --- French and English -----------------------------------------------------------------------------------------


def test_french_from_accept_language(testapp):
    testapp.extra_environ["HTTP_ACCEPT_LANGUAGE"] = "fr-CA,fr;q=0.9,en;q=0.8"
    page = login(testapp)
    assert page.html.html["lang"] == "fr"
    assert text(page.html.h1) == "Calcul de l’impôt"
    assert menu(page.html) == [("Simulations", "/list-simulations"), ("Déconnexion", "/end-session")]
    assert "de 0 à 1 000 000 000" in text(page.html.find(id="salary-hint"))
    soup = html_page(calculate(testapp, page).follow())
    # money and rates as written in French: narrow no-break spaces between thousands,
    # a no-break space before € and %
    assert soup.find("p", class_="tax-amount").strong.get_text() == "2\u202f814\u00a0€"
    rate = soup.find("dt", string="Taux marginal").find_next_sibling("dd").get_text()
    assert rate == "14\u00a0%"
    one_child = html_page(calculate(testapp, page, children="1").follow())
    shares = one_child.find("dt", string="Nombre de parts").find_next_sibling("dd").get_text()
    assert shares == "2,5"
    cells = html_page(testapp.get("/list-simulations")).select("tbody tr")[0].find_all("td")
    assert cells[0].get_text() == "Oui" and cells[2].get_text() == "55\u202f555\u00a0€"
    bad = html_page(calculate(testapp, page, children="21", status=400), 400)
    assert alerts(bad) == ["Indiquez le nombre d’enfants : un nombre entier de 0 à 20."]


def test_the_language_chosen_on_a_page_is_kept_in_the_session(signed_in):
    testapp, _ = signed_in
    resp = testapp.get("/language/fr", {"next": "/list-simulations"}, status=303)
    assert resp.headers["Location"] == "/list-simulations"
    soup = html_page(testapp.get("/list-simulations", headers={"Accept-Language": "en"}))
    assert soup.html["lang"] == "fr" and text(soup.h1) == "Simulations"
    switch = soup.find("a", class_="language")
    assert (switch["lang"], switch["hreflang"], text(switch)) == ("en", "en", "English")
    assert switch["href"] == "/language/en?next=%2Flist-simulations"
    testapp.get(switch["href"], status=303)
    assert html_page(testapp.get("/list-simulations")).html["lang"] == "en"


@pytest.mark.parametrize("target", ["//evil.example/", "/\\evil.example", "https://evil.example/", ""])
def test_the_language_switch_goes_back_only_to_this_site(testapp, target):
    resp = testapp.get("/language/fr", {"next": target}, status=303)
    assert resp.headers["Location"] == "/"


# A page's own address is printable ASCII (paths and queries percent-encoded): anything
# else would go out raw in the Location header, or could not be encoded in it at all.
NOT_A_PAGES_ADDRESS = ["/€", "/\x00x", "/a\x7fb", "/a\tb", "/a\r\nSet-Cookie: x=1", "/a b", "/é"]


@pytest.mark.parametrize("target", NOT_A_PAGES_ADDRESS)
def test_the_language_switch_goes_back_only_to_a_printable_ascii_path(testapp, target):
    resp = testapp.get("/language/fr", {"next": target}, status=303)
    assert resp.headers["Location"] == "/"


def test_the_language_switch_never_fails_through_waitress(live_server):
    """waitress cannot encode ``/€`` in a header: it answered a bare 500."""
    import http.client

    host, port = live_server.url.removeprefix("http://").split(":")
    for query in (
        "next=/%E2%82%AC",
        "next=/%00x",
        "next=/%0D%0ASet-Cookie:%20x=1",
        "next=/list-simulations%3Fid%3D%25E2",
    ):
        connection = http.client.HTTPConnection(host, int(port), timeout=10)
        connection.request("GET", f"/language/fr?{query}")
        resp = connection.getresponse()
        assert (resp.status, resp.getheader("Location")) in ((303, "/"), (303, "/list-simulations?id=%E2")), query
        connection.close()


def test_the_language_switch_creates_no_session(testapp):
    """A visitor without a session (a 404 page's switch) gets the language in a cookie of
    its own; no session is stored in Redis for them."""
    resp = testapp.get("/language/fr", {"next": "/nowhere"}, status=303)
    (cookie,) = resp.headers.getall("Set-Cookie")
    assert cookie.startswith("language=fr;") and "HttpOnly" in cookie and "SameSite=Lax" in cookie
    assert "session" not in testapp.cookies
    assert text(html_page(testapp.get("/nowhere", headers=BROWSER, status=404), 404).h1) == "Page introuvable"
    assert html_page(testapp.get("/init-session/html")).html["lang"] == "fr"  # and once a session starts


def test_the_language_switch_does_not_rewrite_a_session(signed_in):
    testapp, _ = signed_in
    resp = testapp.get("/language/fr", {"next": "/list-simulations"}, status=303)
    assert [c.split("=")[0] for c in resp.headers.getall("Set-Cookie")] == ["language"]
    assert html_page(testapp.get("/list-simulations")).html["lang"] == "fr"
    testapp.get("/end-session", status=302)
    assert html_page(testapp.get("/init-session/html")).html["lang"] == "fr"  # the choice outlives the session


@pytest.mark.parametrize(
    "headers", [{"Sec-Fetch-Site": "cross-site"}, {"Sec-Fetch-Site": "same-site"}, {"Origin": "http://evil.example"}]
)
def test_a_cross_site_language_switch_is_refused(signed_in, headers):
    testapp, _ = signed_in
    resp = testapp.get("/language/fr", {"next": "/list-simulations"}, headers=headers, status=400)
    assert alerts(html_page(resp, 400)) == CSRF_MESSAGE and "Set-Cookie" not in resp.headers
    assert html_page(testapp.get("/list-simulations")).html["lang"] == "en"
    testapp.reset()  # no session: refused too, in JSON (no session type yet), and none is made
    resp = testapp.get("/language/fr", headers=headers, status=400)
    assert resp.json["status"] == 102 and "Set-Cookie" not in resp.headers


def test_an_unknown_language_is_404(testapp):
    testapp.get("/language/de", status=404)


def test_foreign_words_carry_their_language(signed_in):
    testapp, page = signed_in
    soup = html_page(calculate(testapp, page).follow())
    assert soup.html["lang"] == "en"
    assert soup.find("span", lang="fr").get_text() == "décote"
    assert soup.find("a", class_="language")["lang"] == "fr"


def test_a_failure_the_pages_have_no_words_for_shows_its_messages():
    """A refusal whose problems do not cover its messages (a new check without its
    plain words yet) shows the messages as they are, never fewer."""
    from pyramid.testing import DummyRequest

    from taxapp.errors import Problem
    from taxapp.views.pages import page

    request = DummyRequest()
    request.locale_name = "en"
    messages = ["A check the pages know nothing of", "Invalid value [21] for parameter [children (integer >= 0)]"]
    result = {"action": "calculate-tax", "status": 301, "response": messages}
    model = page(request, result, [Problem("children", "invalid")])
    assert model["summary"] == [(None, message) for message in messages]
    assert model["errors"]["children"].default == "Enter the number of children as a whole number from 0 to ${max}."
    unknown = page(request, {**result, "response": messages[:1]}, [Problem("children", "unheard-of")])
    assert unknown["summary"] == [(None, messages[0])]
