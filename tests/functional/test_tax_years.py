"""year, rules and single_parent on calculate-tax, calculate-taxes and get-admindata (docs/api.md).

Expected amounts come from tests/tax/exact.py (the official rules in ``Fraction``,
written apart from the engine) or from the course's published cases.
"""

import pytest

from tests.functional.answers import ADMINDATA_KEYS, batch, check, read
from tests.tax.conftest import PARAMETERS, TAX_YEARS
from tests.tax.exact import exact_tax, rounded

COURSE_KEYS = ["married", "children", "salary", "tax", "surcharge", "rate", "discount", "reduction", "id"]
COURSE_55555 = {"tax": 2814, "surcharge": 0, "rate": 0.14, "discount": 0, "reduction": 0}
YEARS = ", ".join(map(str, TAX_YEARS))
YEAR_MESSAGE = "Invalid value [{}] for parameter [year (one of " + YEARS + ")]"
RULES_MESSAGE = "Invalid value [{}] for parameter [rules (course/official)]"
COURSE_ONLY = "Invalid value [course] for parameter [rules (the course rules exist for 2019 only)]"
SINGLE_PARENT_MESSAGE = (
    "Invalid value [{}] for parameter [single_parent "
    "(yes only when not married, with children, under the official rules)]"
)


def official(year, married, children, salary, single_parent=False):
    tax, surcharge, discount, reduction, rate = rounded(
        exact_tax(PARAMETERS[year], married == "yes", children, salary, single_parent)
    )
    return {"tax": tax, "surcharge": surcharge, "rate": rate, "discount": discount, "reduction": reduction}


def calculate(client, **form):
    return client.post("/calculate-tax", {"married": "yes", "children": "2", "salary": "55555", **form}, status="*")


# --- calculate-tax: echo -----------------------------------------------------------------


def test_without_the_fields_the_simulation_is_the_course_object(client, fmt):
    resp = calculate(client)
    check(resp, fmt, "calculate-tax", 300, {"married": "yes", "children": 2, "salary": 55555, **COURSE_55555, "id": 1})
    if fmt == "json":
        assert list(resp.json["response"]) == COURSE_KEYS


@pytest.mark.parametrize("year", TAX_YEARS[1:])
def test_a_year_is_computed_with_the_official_rules_and_echoed(client, fmt, year):
    resp = calculate(client, married="no", children="1", salary="38000", year=str(year))
    expected = {
        "married": "no",
        "children": 1,
        "salary": 38000,
        "year": year,
        "rules": "official",
        **official(year, "no", 1, 38000),
        "id": 1,
    }
    check(resp, fmt, "calculate-tax", 300, expected, http=200)
    if fmt == "json":
        assert list(resp.json["response"]) == list(expected)


def test_2019_official(client, fmt):
    # married, 2 children, 50000: the course gives 1384, the law 1385
    resp = calculate(client, salary="50000", rules="official")
    expected = {
        "married": "yes",
        "children": 2,
        "salary": 50000,
        "year": 2019,
        "rules": "official",
        **official(2019, "yes", 2, 50000),
        "id": 1,
    }
    assert expected["tax"] == 1385
    check(resp, fmt, "calculate-tax", 300, expected)


def test_the_year_2019_alone_keeps_the_course_rules_and_says_so(client, fmt):
    resp = calculate(client, year=" 2019 ")
    check(
        resp,
        fmt,
        "calculate-tax",
        300,
        {"married": "yes", "children": 2, "salary": 55555, "year": 2019, "rules": "course", **COURSE_55555, "id": 1},
    )


def test_single_parent_is_echoed_after_the_salary(client, fmt):
    resp = calculate(client, married="no", children="1", salary="80000", year="2026", single_parent="YES")
    expected = {
        "married": "no",
        "children": 1,
        "salary": 80000,
        "single_parent": "yes",
        "year": 2026,
        "rules": "official",
        **official(2026, "no", 1, 80000, True),
        "id": 1,
    }
    assert expected["tax"] == 10442  # worked out by hand in tests/tax/test_official.py
    check(resp, fmt, "calculate-tax", 300, expected)
    if fmt == "json":
        assert list(resp.json["response"]) == list(expected)


def test_single_parent_no_alone_is_the_course_simulation_with_its_year(client, fmt):
    resp = calculate(client, single_parent="no")
    check(
        resp,
        fmt,
        "calculate-tax",
        300,
        {
            "married": "yes",
            "children": 2,
            "salary": 55555,
            "single_parent": "no",
            "year": 2019,
            "rules": "course",
            **COURSE_55555,
            "id": 1,
        },
    )


def test_the_list_keeps_each_simulation_as_it_was_made(client, fmt):
    calculate(client)
    calculate(client, year="2025")
    _, status, simulations = read(client.get("/list-simulations"), fmt)
    assert status == 500 and len(simulations) == 2
    assert "year" not in simulations[0] and str(simulations[1]["year"]) == "2025"


# --- calculate-tax: messages ----------------------------------------------------------------


@pytest.mark.parametrize(
    "form, messages",
    [
        ({"year": "2018"}, [YEAR_MESSAGE.format("2018")]),
        ({"year": "twenty"}, [YEAR_MESSAGE.format("twenty")]),
        ({"year": ""}, [YEAR_MESSAGE.format("")]),
        ({"year": "9" * 5000}, [YEAR_MESSAGE.format("9" * 5000)]),
        ({"year": "２０２０"}, [YEAR_MESSAGE.format("２０２０")]),
        ({"rules": "Law"}, [RULES_MESSAGE.format("law")]),
        ({"rules": "course", "year": "2020"}, [COURSE_ONLY]),
        ({"single_parent": "maybe"}, [SINGLE_PARENT_MESSAGE.format("maybe")]),
        # 2019 defaults to the course rules, which know no case T
        ({"married": "no", "children": "1", "single_parent": "yes"}, [SINGLE_PARENT_MESSAGE.format("yes")]),
        ({"married": "yes", "rules": "official", "single_parent": "yes"}, [SINGLE_PARENT_MESSAGE.format("yes")]),
        (
            {"married": "no", "children": "0", "year": "2024", "single_parent": "yes"},
            [SINGLE_PARENT_MESSAGE.format("yes")],
        ),
        ({"year": "2018", "rules": "course"}, [YEAR_MESSAGE.format("2018")]),
        # after the salary's messages, in the order year, rules, single_parent
        (
            {
                "married": "maybe",
                "children": "x",
                "salary": "-1",
                "year": "1999",
                "rules": "other",
                "single_parent": "perhaps",
            },
            [
                "Invalid value [maybe] for parameter [married (yes/no)]",
                "Invalid value [x] for parameter [children (integer >= 0)]",
                "Invalid value [-1] for parameter [salary (integer >= 0)]",
                YEAR_MESSAGE.format("1999"),
                RULES_MESSAGE.format("other"),
                SINGLE_PARENT_MESSAGE.format("perhaps"),
            ],
        ),
        ({"rules": "course", "year": "2021", "single_parent": "yes", "married": "no", "children": "1"}, [COURSE_ONLY]),
    ],
)
def test_bad_values_give_their_messages_in_order(client, fmt, form, messages):
    resp = calculate(client, **form)
    check(resp, fmt, "calculate-tax", 301, messages, http=400)
    assert read(client.get("/list-simulations"), fmt)[2] == []


def test_an_unknown_field_still_gives_the_single_message(client, fmt):
    resp = calculate(client, year="2024", years="2024")
    check(
        resp,
        fmt,
        "calculate-tax",
        301,
        ["POST method required with the following parameters [married, children, salary]"],
        http=400,
    )


# --- calculate-taxes -------------------------------------------------------------------------


def test_batch_items_carry_the_same_keys_and_echo(client, fmt):
    items = [
        {"married": "yes", "children": 2, "salary": 55555},
        {"married": "no", "children": 1, "salary": 80000, "year": 2026, "single_parent": "yes"},
        {"married": "yes", "children": 2, "salary": 50000, "rules": "official"},
        {"married": "no", "children": 0, "salary": 30000, "year": "2021"},
    ]
    expected = [
        {"married": "yes", "children": 2, "salary": 55555, **COURSE_55555, "id": 1},
        {
            "married": "no",
            "children": 1,
            "salary": 80000,
            "single_parent": "yes",
            "year": 2026,
            "rules": "official",
            **official(2026, "no", 1, 80000, True),
            "id": 2,
        },
        {
            "married": "yes",
            "children": 2,
            "salary": 50000,
            "year": 2019,
            "rules": "official",
            **official(2019, "yes", 2, 50000),
            "id": 3,
        },
        {
            "married": "no",
            "children": 0,
            "salary": 30000,
            "year": 2021,
            "rules": "official",
            **official(2021, "no", 0, 30000),
            "id": 4,
        },
    ]
    resp = batch(client, items, status="*")
    check(resp, fmt, "calculate-taxes", 1500, expected, http=200)
    if fmt == "json":
        assert [list(s) for s in resp.json["response"]] == [list(s) for s in expected]


def test_a_simulation_sent_back_is_computed_again_the_same(json_client):
    (first,) = batch(json_client, [{"married": "no", "children": 2, "salary": 41000, "year": 2023}], status="*").json[
        "response"
    ]
    (again,) = batch(json_client, [first], status="*").json["response"]
    assert again == {**first, "id": 2}


def test_faulty_batch_items_get_the_same_messages(client, fmt):
    items = [
        {"married": "yes", "children": 2, "salary": 55555, "year": 2018},
        {"married": "yes", "children": 2, "salary": 55555, "year": True},
        {"married": "yes", "children": 2, "salary": 55555, "rules": "course", "year": 2025},
        {"married": "yes", "children": 2, "salary": 55555, "rules": 1},
        {"married": "no", "children": 2, "salary": 55555, "single_parent": "yes"},
        {"married": "no", "children": 2, "salary": 55555, "single_parent": None, "rules": "official"},
        {"married": "no", "children": 2, "salary": 55555, "single_parent": "yes", "rules": "official"},
    ]
    expected = [
        {**items[0], "error": YEAR_MESSAGE.format("2018")},
        {**items[1], "error": YEAR_MESSAGE.format("true")},
        {**items[2], "error": COURSE_ONLY},
        {**items[3], "error": RULES_MESSAGE.format("1")},
        {**items[4], "error": SINGLE_PARENT_MESSAGE.format("yes")},
        {**items[5], "error": SINGLE_PARENT_MESSAGE.format("null")},
    ]
    resp = batch(client, items, status="*")
    check(resp, fmt, "calculate-taxes", 1501, expected, http=400)


# --- get-admindata ----------------------------------------------------------------------------

OFFICIAL_KEYS = [
    "discount_rate",
    "allowance_rate",
    "reduction_rate",
    "single_full_reduction_ceiling",
    "couple_full_reduction_ceiling",
    "single_parent_qf_cap",
    "rules_available",
]


def test_admindata_without_a_year_is_today_s(json_client):
    assert list(json_client.get("/get-admindata").json["response"]) == ADMINDATA_KEYS


@pytest.mark.parametrize("year", TAX_YEARS)
def test_admindata_of_a_year(json_client, year):
    data = json_client.get(f"/get-admindata?year={year}").json["response"]
    p = PARAMETERS[year]
    assert list(data) == ADMINDATA_KEYS + OFFICIAL_KEYS
    assert (data["tax_year"], data["limits"], data["coeffr"], data["coeffn"]) == (
        year,
        p["limites"],
        p["coeffr"],
        p["coeffn"],
    )
    assert (data["discount_rate"], data["allowance_rate"], data["reduction_rate"]) == (
        p["taux_decote"],
        p["taux_abattement"],
        p["taux_reduction"],
    )
    assert (data["single_full_reduction_ceiling"], data["couple_full_reduction_ceiling"]) == (
        p["reduction_plein_taux_jusqua_celibataire"],
        p["reduction_plein_taux_jusqua_couple"],
    )
    assert data["single_income_ceiling_for_reduction"] == p["plafond_revenus_celibataire_pour_reduction"]
    assert data["single_parent_qf_cap"] == p["plafond_qf_parent_isole_case_T_2_premieres_demi_parts"]
    assert data["rules_available"] == (["course", "official"] if year == 2019 else ["official"])


@pytest.mark.parametrize("year, rules", [(2019, ["course", "official"]), (2022, ["official"])])
def test_admindata_of_a_year_in_xml(xml_client, year, rules):
    from tests.functional.conftest import parse_xml

    response = parse_xml(xml_client.get(f"/get-admindata?year={year}").text).find("response")
    assert [e.tag for e in response][-(len(OFFICIAL_KEYS) - 1 + len(rules)) :] == OFFICIAL_KEYS[:-1] + [
        "rules_available"
    ] * len(rules)
    assert [e.text for e in response.findall("rules_available")] == rules
    assert response.findtext("discount_rate") == str(PARAMETERS[year]["taux_decote"])
    assert response.findtext("reduction_rate") == ("" if year > 2020 else "0.2")


@pytest.mark.parametrize(
    "query, value", [("year=2027", "2027"), ("year=abc", "abc"), ("year=", ""), ("year=2020&year=2021", "2020,2021")]
)
def test_admindata_of_an_unknown_year_is_1001(client, fmt, query, value):
    resp = client.get(f"/get-admindata?{query}", status="*")
    check(resp, fmt, "get-admindata", 1001, [YEAR_MESSAGE.format(value)], http=400)
