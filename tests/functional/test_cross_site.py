"""HEAD, cross-site requests and redirects (docs/security.md)."""

import pytest

from tests.functional.conftest import start
from tests.functional.test_html import (
    BROWSER,
    CSRF_MESSAGE,
    alerts,
    calculate,
    html_page,
    login,
    simulation_ids,
    text,
    token,
)

HOSTILE = "evil.example"
CROSS_SITE = [
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": f"http://{HOSTILE}"},
    {"Origin": "null"},
    {"Origin": "https://localhost"},  # another scheme
    {"Origin": "http://localhost:8080"},  # another port
    {"Origin": f"http://{HOSTILE}", "Sec-Fetch-Site": "same-origin"},  # either mark is enough
    {"Sec-Fetch-Site": "same-site"},  # a sibling subdomain is another origin
    {"Sec-Fetch-Site": "unheard-of"},  # only same-origin and none (typed, bookmarked) are this site's
]
SAME_SITE = [
    {},
    {"Origin": "http://localhost"},
    {"Sec-Fetch-Site": "same-origin", "Origin": "http://LOCALHOST/"},
    {"Sec-Fetch-Site": "none"},
]


# --- HEAD ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["/end-session", "/delete-simulation/1", "/init-session/xml", "/init-session/json"])
def test_head_where_get_changes_state_is_405_and_changes_nothing(json_client, url):
    json_client.post("/calculate-tax", {"married": "no", "children": "0", "salary": "1"})
    cookie = json_client.cookies["session"]
    resp = json_client.head(url, status=405)
    assert resp.headers["Allow"] == "GET" and "Set-Cookie" not in resp.headers
    assert json_client.cookies["session"] == cookie
    resp = json_client.get("/list-simulations")  # still a JSON session, signed in, with its simulation
    assert [s["id"] for s in resp.json["response"]] == [1]


@pytest.mark.parametrize(
    "url, status",
    [
        ("/", 302),
        ("/list-simulations", 200),
        ("/display-tax-calculation", 200),
        ("/get-admindata", 200),
        ("/static/taxapp.css", 200),
    ],
)
def test_head_where_get_changes_nothing_is_allowed(json_client, url, status):
    get = json_client.get(url, status=status)
    resp = json_client.head(url, status=status)
    # the GET's answer without its body (WebOb empties any HEAD body, so the body proves nothing)
    assert resp.headers["Content-Type"] == get.headers["Content-Type"]
    assert resp.headers.get("Content-Length") in (None, str(len(get.body)))


def test_405_allow_of_a_get_that_changes_state(testapp):
    for url in ("/end-session", "/delete-simulation/3", "/init-session/html"):
        assert testapp.post(url, status=405).headers["Allow"] == "GET"
    assert testapp.post("/list-simulations", status=405).headers["Allow"] == "GET, HEAD"


def test_head_on_the_language_switch_is_405_and_keeps_the_language(testapp):
    """/language/fr writes the session's language: a HEAD there changes nothing."""
    start(testapp, "html", login=False)
    assert testapp.head("/language/fr", status=405).headers["Allow"] == "GET"
    page = testapp.get("/display-tax-calculation", headers={"Accept-Language": "en"}, status="*")
    page = page.follow() if page.status_int in (302, 303) else page
    assert '<html lang="en"' in page.text


# --- cross-site requests in an HTML session -----------------------------------------------------------


@pytest.fixture
def html_with_a_simulation(testapp):
    page = login(testapp)
    calculate(testapp, page, status=303)
    return testapp, page


def refused(resp):
    assert alerts(html_page(resp, 400)) == CSRF_MESSAGE


def still_signed_in_html_with(testapp, ids):
    assert simulation_ids(testapp) == ids  # an HTML page: the type kept, signed in, simulations kept


@pytest.mark.parametrize("headers", CROSS_SITE)
def test_a_cross_site_state_change_is_refused_and_changes_nothing(html_with_a_simulation, headers):
    testapp, page = html_with_a_simulation
    for url in ("/init-session/json", "/init-session/xml", "/delete-simulation/1", "/end-session"):
        refused(testapp.get(url, headers=headers, status=400))
    refused(calculate(testapp, page, headers=headers, status=400))
    still_signed_in_html_with(testapp, ["1"])


@pytest.mark.parametrize("headers", CROSS_SITE[:3])
def test_a_cross_site_login_is_refused(testapp, headers):
    page = testapp.get("/init-session/html")
    form = {"user": "admin", "password": "admin", "csrf_token": token(page)}
    refused(testapp.post("/authenticate-user", form, headers=headers, status=400))
    testapp.get("/list-simulations", status=400)  # not signed in


def test_a_cross_site_page_cannot_switch_the_session_to_json_then_post(html_with_a_simulation):
    testapp, _ = html_with_a_simulation
    attack = {"Sec-Fetch-Site": "cross-site", "Origin": f"http://{HOSTILE}"}
    refused(testapp.get("/init-session/json", headers={"Sec-Fetch-Site": "cross-site"}, status=400))
    form = {"married": "yes", "children": "2", "salary": "55555"}
    refused(testapp.post("/calculate-tax", form, headers=attack, status=400))
    still_signed_in_html_with(testapp, ["1"])


@pytest.mark.parametrize("headers", CROSS_SITE[:3])
def test_cross_site_requests_that_change_nothing_are_answered(html_with_a_simulation, headers):
    testapp, _ = html_with_a_simulation
    html_page(testapp.get("/init-session/html", headers=headers))  # keeps the type
    html_page(testapp.get("/list-simulations", headers=headers))
    html_page(testapp.get("/display-tax-calculation", headers=headers))
    soup = html_page(testapp.get("/init-session/bogus", headers=headers, status=400), 400)
    assert alerts(soup) == ["This address is not a page of taxapp."]  # 701: changes nothing


@pytest.mark.parametrize("headers", SAME_SITE)
def test_same_site_requests_are_judged_as_before(html_with_a_simulation, headers):
    testapp, page = html_with_a_simulation
    calculate(testapp, page, headers=headers, status=303)
    testapp.get("/delete-simulation/1", headers=headers, status=303)
    still_signed_in_html_with(testapp, ["2"])
    testapp.get("/end-session", headers=headers, status=302)


@pytest.mark.parametrize("fmt", ["json", "xml"])
def test_programs_sessions_are_judged_as_before(testapp, fmt):
    start(testapp, fmt)
    headers = CROSS_SITE[0] | CROSS_SITE[1]
    testapp.post("/calculate-tax", {"married": "no", "children": "0", "salary": "1"}, headers=headers, status=200)
    testapp.get("/delete-simulation/1", headers=headers, status=200)
    testapp.get("/init-session/html", headers=headers, status=200)  # not yet an HTML session: allowed


# --- redirects never name a host a client chose ----------------------------------------------------------

HOSTILE_HEADERS = {
    "Host": HOSTILE,
    "X-Forwarded-Host": HOSTILE,
    "X-Forwarded-Proto": "https",
    "Forwarded": f"host={HOSTILE}",
}


def test_redirects_are_paths_whatever_host_the_client_names(testapp):
    locations = [testapp.get("/", headers=HOSTILE_HEADERS, status=302).headers["Location"]]
    page = testapp.get("/init-session/html", headers=HOSTILE_HEADERS)
    resp = testapp.post(
        "/authenticate-user",
        {"user": "admin", "password": "admin", "csrf_token": token(page)},
        headers=HOSTILE_HEADERS,
        status=303,
    )
    locations.append(resp.headers["Location"])
    page = testapp.get("/display-tax-calculation", headers=HOSTILE_HEADERS)
    locations.append(calculate(testapp, page, headers=HOSTILE_HEADERS, status=303).headers["Location"])
    locations.append(testapp.get("/delete-simulation/1", headers=HOSTILE_HEADERS, status=303).headers["Location"])
    language = testapp.get("/language/fr", {"next": "/list-simulations"}, headers=HOSTILE_HEADERS, status=303)
    locations.append(language.headers["Location"])
    locations.append(testapp.get("/end-session", headers=HOSTILE_HEADERS, status=302).headers["Location"])
    testapp.reset()  # a browser without a session is sent to sign in
    browser = {**HOSTILE_HEADERS, **BROWSER}
    locations.append(testapp.get("/list-simulations", headers=browser, status=303).headers["Location"])
    assert locations == [
        "/init-session/html",
        "/display-tax-calculation",
        "/display-tax-calculation?id=1",
        "/list-simulations",
        "/list-simulations",
        "/init-session/html",
        "/init-session/html",
    ]


def test_redirects_through_waitress_are_paths(live_server):
    import http.client

    host, port = live_server.url.removeprefix("http://").split(":")
    connection = http.client.HTTPConnection(host, int(port), timeout=10)
    connection.request("GET", "/", headers=HOSTILE_HEADERS)
    resp = connection.getresponse()
    assert resp.status == 302 and resp.getheader("Location") == "/init-session/html"
    connection.close()


@pytest.mark.parametrize("url", ["/static/.", "/static/./.", "/static"])
def test_a_static_directory_names_nothing_and_redirects_nowhere(testapp, url):
    resp = testapp.get(url, headers=HOSTILE_HEADERS, status=404)
    assert "Location" not in resp.headers and resp.content_type == "text/plain"
    page = testapp.get(url, headers={**HOSTILE_HEADERS, **BROWSER}, status=404)  # a browser's: the 404 page
    assert "Location" not in page.headers and text(html_page(page, 404).h1) == "Page not found"
