"""calculate-household and calculate-households (docs/households.md), in JSON and XML sessions."""

import json

import pytest
from webtest import TestApp

from taxapp import main
from taxapp.contract import ONLY_JSON_OR_XML
from taxapp.household_documents import NOT_AN_OBJECT
from tests.conftest import app_settings
from tests.functional.conftest import parse_xml, start

# A couple with two salaries of 150,000 € in 2026 (docs/households.md works it out):
# each salary's 10 % allowance stops at its maximum, 14,555 € per person: 135,445 € each,
# 270,890 € taxable; 2 shares, 135,445 € a share in the 41 % bracket:
# 270,890 × 0.41 − 2 × 16,199.48 = 78,665.94 → 78,666. calculate-tax, which takes the
# household's 300,000 € as one salary with one maximum, gives 84,633.
COUPLE = {
    "year": 2026,
    "status": "married",
    "declarants": [{"born": 1980, "salary": 150000}, {"born": 1982, "salary": 150000}],
}
COUPLE_UNDERSTOOD = {
    "year": 2026,
    "status": "married",
    "declarants": [
        {"born": 1980, "salary": 150000, "unemployment": 0, "pension": 0, "disabled": False},
        {"born": 1982, "salary": 150000, "unemployment": 0, "pension": 0, "disabled": False},
    ],
    "dependents": [],
    "single_parent": False,
    "raised_children_alone": False,
    "alimony_adult_children": [],
    "alimony_other": 0,
    "donations": 0,
    "donations_to_aid": 0,
    "home_employment": 0,
    "childcare": [],
}
# the keys the contract requires, in its order (written out here apart from the code)
REQUIRED_KEYS = [
    "household",
    "shares",
    "taxable_income",
    "reference_income",
    "rate",
    "discount",
    "tax",
    "tax_reductions",
    "tax_credits",
    "high_income_contribution",
    "differential_contribution",
    "due",
]


def post(client, path, body, **kw):
    if not isinstance(body, (str, bytes)):
        body = json.dumps(body)
    return client.post(path, body, content_type="application/json", **kw)


def test_a_couple_with_two_salaries(json_client):
    resp = post(json_client, "/calculate-household", COUPLE)
    assert resp.status_int == 200
    body = resp.json
    assert (body["action"], body["status"]) == ("calculate-household", 1100)
    answer = body["response"]
    assert list(answer)[: len(REQUIRED_KEYS)] == REQUIRED_KEYS and list(answer)[-1] == "id"
    assert answer["household"] == COUPLE_UNDERSTOOD
    assert answer["incomes"][0]["salary_deduction"] == answer["incomes"][1]["salary_deduction"] == 14555
    assert (answer["shares"], answer["taxable_income"], answer["reference_income"]) == (2, 270890, 270890)
    assert (answer["rate"], answer["discount"], answer["tax"], answer["due"], answer["id"]) == (
        0.41,
        0,
        78666,
        78666,
        1,
    )
    # the same household through calculate-tax: one salary, one maximum
    tax = json_client.post("/calculate-tax", {"married": "yes", "children": "0", "salary": "300000", "year": "2026"})
    assert tax.json["response"]["tax"] == 84633


def test_the_year_defaults_to_the_newest(json_client):
    answer = post(json_client, "/calculate-household", {k: v for k, v in COUPLE.items() if k != "year"}).json
    assert answer["response"]["household"]["year"] == 2026


def test_the_xml_answer_is_the_same_tree(xml_client):
    household = {
        "status": "single",
        "declarants": [{"born": 1990, "salary": 30000, "actual_expenses": 4000}],
        "dependents": [{"born": 2022}, {"born": 2015, "shared_custody": True}],
        "single_parent": True,
        "childcare": [1200],
    }
    resp = post(xml_client, "/calculate-household", household)
    root = parse_xml(resp.text)
    assert (root.findtext("action"), root.findtext("status")) == ("calculate-household", "1100")
    response = root.find("response")
    understood = response.find("household")
    assert [d.findtext("born") for d in understood.findall("dependents")] == ["2022", "2015"]
    assert understood.find("declarants").findtext("actual_expenses") == "4000"
    assert [c.text for c in understood.findall("childcare")] == ["1200"]
    assert understood.findtext("single_parent") == "true"
    assert understood.find("alimony_adult_children") is None  # an empty list writes nothing
    assert response.findtext("shares") == "2.25"  # 1 + ½ + ¼ + box T's ½ (one child in sole charge)
    assert response.find("incomes").findtext("actual_expenses") == "true"
    assert response.findtext("id") == "1"


def faults(resp):
    assert (resp.status_int, resp.json["status"]) == (400, 1101)
    return resp.json["response"]


@pytest.mark.parametrize(
    "document, messages",
    [
        ({}, ["[status] parameter missing", "[declarants] parameter missing"]),
        (
            {"status": "married", "declarants": [{"born": 1980}], "colour": "blue"},
            [
                "Unknown parameter [colour]",
                'Invalid value [[{"born": 1980}]] for parameter [declarants (a list of 2 persons when married)]',
            ],
        ),
        (
            {"status": "single", "declarants": [{"born": 1980, "salary": "1000", "pension": -1, "bonus": 1}]},
            [
                "Unknown parameter [declarants[0].bonus]",
                "Invalid value [1000] for parameter [declarants[0].salary (integer from 0 to 1000000000)]",
                "Invalid value [-1] for parameter [declarants[0].pension (integer from 0 to 1000000000)]",
            ],
        ),
        (
            {"year": 2018, "status": "widow", "declarants": [{"born": None}]},
            [
                "Invalid value [2018] for parameter [year (one of 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026)]",
                "Invalid value [widow] for parameter [status (single, married, divorced or widowed)]",
                "Invalid value [null] for parameter [declarants[0].born (year of birth from 1900 to 2025)]",
            ],
        ),
        (
            {
                "status": "married",
                "declarants": [{"born": 1980}, {"born": 1981, "disabled": 1}],
                "dependents": [{"born": 2026}, {"born": 1999}, {"born": 2000, "shared_custody": True}],
                "single_parent": True,
            },
            [
                "Invalid value [1] for parameter [declarants[1].disabled (true or false)]",
                "Invalid value [2026] for parameter [dependents[0].born (year of birth from 2000 to 2025, earlier if disabled)]",
                "Invalid value [1999] for parameter [dependents[1].born (year of birth from 2000 to 2025, earlier if disabled)]",
                "Invalid value [true] for parameter [dependents[2].shared_custody (false for an adult child: 18 or more on 1 January 2025)]",
            ],
        ),
        (
            {
                "status": "married",
                "declarants": [{"born": 1980}, {"born": 1981}],
                "dependents": [{"born": 2010}],
                "single_parent": True,
                "raised_children_alone": True,
                "alimony_adult_children": [1, 2, 3],
                "childcare": [500],
            },
            [
                "Invalid value [true] for parameter [single_parent (true only when single or divorced, with dependents)]",
                "Invalid value [true] for parameter [raised_children_alone (true only when not married, without dependents)]",
                "Invalid value [[1, 2, 3]] for parameter [alimony_adult_children (a list of at most 2 amounts)]",
                "Invalid value [[500]] for parameter [childcare (a list of at most 0 amounts: one per dependent under 6 on 1 January 2025)]",
            ],
        ),
    ],
)
def test_every_fault_is_named_by_its_path_and_nothing_is_stored(client_json_only, document, messages):
    assert faults(post(client_json_only, "/calculate-household", document, status=400)) == messages
    assert client_json_only.get("/list-simulations").json["response"] == []


@pytest.fixture
def client_json_only(testapp):
    return start(testapp, "json")


@pytest.mark.parametrize(
    "body, message",
    [
        (
            b"{",
            "The POST body is not a valid JSON string: Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
        ),
        (b"[1]", NOT_AN_OBJECT),
        (b'{"status": "single", "status": "married"}', None),
    ],
)
def test_a_body_that_is_not_a_document(json_client, body, message):
    messages = faults(post(json_client, "/calculate-household", body, status=400))
    if message is not None:
        assert messages == [message]
    else:
        assert messages[0] == "[status] parameter given twice"


def test_a_batch_is_all_or_nothing(json_client):
    good = {"status": "single", "declarants": [{"born": 1970, "salary": 40000}]}
    bad = {"status": "single", "declarants": [{"born": 1970, "salary": 2.5}]}
    resp = post(json_client, "/calculate-households", [good, bad, good], status=400)
    assert resp.json["status"] == 1201
    assert resp.json["response"] == [
        {**bad, "errors": ["Invalid value [2.5] for parameter [declarants[0].salary (integer from 0 to 1000000000)]"]}
    ]
    assert json_client.get("/list-simulations").json["response"] == []
    done = post(json_client, "/calculate-households", [good, {**good, "year": 2019}]).json
    assert done["status"] == 1200
    assert [(s["household"]["year"], s["id"]) for s in done["response"]] == [(2026, 1), (2019, 2)]


@pytest.mark.parametrize(
    "body, message",
    [
        ([], "The POST body is not a list, or the list is empty"),
        ({}, "The POST body is not a list, or the list is empty"),
        ([1], "The body of the POST request must be a list of dictionaries"),
    ],
)
def test_a_batch_body_that_is_not_a_list_of_documents(json_client, body, message):
    resp = post(json_client, "/calculate-households", body, status=400)
    assert (resp.json["status"], resp.json["response"]) == (1201, [message])


def test_households_are_simulations_listed_deleted_and_capped(sqlite_url, redis_url):
    app = TestApp(main({}, **app_settings(sqlite_url, redis_url, **{"taxapp.max_simulations": "3"})))
    start(app, "json")
    app.post("/calculate-tax", {"married": "no", "children": "0", "salary": "30000"})
    post(app, "/calculate-households", [COUPLE, COUPLE])
    listed = app.get("/list-simulations").json["response"]
    assert [s["id"] for s in listed] == [1, 2, 3] and listed[1]["household"] == COUPLE_UNDERSTOOD
    full = post(app, "/calculate-household", COUPLE, status=400).json
    assert (full["status"], full["response"]) == (
        1101,
        ["The session already holds 3 simulations, the most it may keep is 3: delete some"],
    )
    remaining = app.get("/delete-simulation/2").json["response"]
    assert [s["id"] for s in remaining] == [1, 3]
    assert post(app, "/calculate-household", COUPLE).json["response"]["id"] == 4


@pytest.mark.parametrize("path", ["/calculate-household", "/calculate-households"])
def test_an_html_session_is_answered_that_the_action_is_for_programs(testapp, path):
    start(testapp, "json")  # signed in, then the session becomes a browser's
    testapp.get("/init-session/html")
    resp = post(testapp, path, COUPLE, status=400)
    assert ONLY_JSON_OR_XML in resp.text
    testapp.get("/init-session/json")
    assert testapp.get("/list-simulations").json["response"] == []


def test_an_unauthenticated_session_is_refused(testapp):
    start(testapp, "json", login=False)
    resp = post(testapp, "/calculate-households", [COUPLE], status=400).json
    assert (resp["status"], resp["response"]) == (
        101,
        ["action [calculate-households] requested by unauthenticated user"],
    )


def test_the_html_list_shows_households_beside_the_course_simulations(json_client):
    json_client.post("/calculate-tax", {"married": "yes", "children": "2", "salary": "55555"})
    post(json_client, "/calculate-household", COUPLE)
    json_client.get("/init-session/html")
    page = json_client.get("/list-simulations")
    assert page.status_int == 200
    assert "78,666" in page.text  # the household's tax, in the English page
    # the tax page shows only the simulations of its own form
    assert json_client.get("/display-tax-calculation?id=2").status_int == 200


def test_admindata_with_the_household_figures(client, fmt):
    resp = client.get("/get-admindata?household=yes")
    if fmt == "json":
        data = resp.json["response"]
        assert data["tax_year"] == 2026 and data["rules_available"] == ["official"]
        assert data["household"]["pension_allowance_max"] == 4439 and data["household"]["cdhr_rate"] == 0.2
        old = client.get("/get-admindata?year=2020&household=YES").json["response"]["household"]
        assert (old["aid_donations_ceiling"], old["cdhr_rate"]) == (546, None)
        # without it, the answers are as they were
        assert "household" not in client.get("/get-admindata?year=2020&household=no").json["response"]
    else:
        response = parse_xml(resp.text).find("response")
        assert response.find("household").findtext("special_allowance_full_ceiling") == "17670"


@pytest.mark.parametrize(
    "query, message",
    [
        ("household=maybe", "Invalid value [maybe] for parameter [household (yes/no)]"),
        (
            "household=yes&year=1999",
            "Invalid value [1999] for parameter [year (one of 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026)]",
        ),
    ],
)
def test_admindata_with_a_bad_household_query(json_client, query, message):
    resp = json_client.get(f"/get-admindata?{query}", status=400).json
    assert (resp["status"], resp["response"]) == (1001, [message])


def test_calculate_household_explains_itself_and_a_batch_s_items_do_not(client, fmt):
    resp = post(client, "/calculate-household", COUPLE)
    if fmt == "json":
        steps = resp.json["response"]["steps"]
        assert steps[0] == {"step": "declarant_1_salaries", "amount": 150000, "article": "CGI art. 79"}
        assert [s["step"] for s in steps][-3:] == ["due", "marginal_rate", "average_rate"]
        assert {"step": "due", "amount": 78666, "article": "CGI art. 1657"} in steps
    else:
        steps = parse_xml(resp.text).find("response").findall("steps")
        assert [s.findtext("step") for s in steps][-3:] == ["due", "marginal_rate", "average_rate"]
        assert steps[1].findtext("amount") == "-14555"
    batch = post(client, "/calculate-households", [COUPLE])
    assert "steps" not in (batch.json["response"][0] if fmt == "json" else batch.text)
