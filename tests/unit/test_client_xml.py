"""The XML answer parser: the same Python values as JSON, one-item lists kept."""

import pytest

from taxapp.client import parse_xml

HEAD = '<?xml version="1.0" encoding="utf-8"?>\n'
SIMULATION = (
    "<married>yes</married><children>2</children><salary>55555</salary><tax>2814</tax>"
    "<surcharge>0</surcharge><rate>0.14</rate><discount>0</discount><reduction>0</reduction><id>1</id>"
)
SIMULATION_VALUE = {
    "married": "yes",
    "children": 2,
    "salary": 55555,
    "tax": 2814,
    "surcharge": 0,
    "rate": 0.14,
    "discount": 0,
    "reduction": 0,
    "id": 1,
}


def answer(action, status, response=""):
    return f"{HEAD}<root><action>{action}</action><status>{status}</status>{response}</root>"


@pytest.mark.parametrize(
    "action, status", [("list-simulations", 500), ("calculate-taxes", 1500), ("delete-simulation", 600)]
)
def test_one_simulation_stays_a_list_of_one_dict_with_numbers(action, status):
    result = parse_xml(answer(action, status, f"<response>{SIMULATION}</response>"))
    assert result == {"action": action, "status": status, "response": [SIMULATION_VALUE]}
    assert type(result["response"][0]["rate"]) is float and type(result["response"][0]["tax"]) is int


def test_no_element_is_an_empty_list():
    assert parse_xml(answer("list-simulations", 500))["response"] == []


def test_two_simulations_are_a_list_of_two():
    response = f"<response>{SIMULATION}</response>" * 2
    assert parse_xml(answer("list-simulations", 500, response))["response"] == [SIMULATION_VALUE] * 2


def test_calculate_tax_answers_one_dict():
    result = parse_xml(answer("calculate-tax", 300, f"<response>{SIMULATION}</response>"))
    assert result["response"] == SIMULATION_VALUE


def test_one_message_of_a_failure_stays_a_list_and_is_not_turned_into_a_number():
    result = parse_xml(answer("delete-simulation", 601, "<response>Simulation #[7] does not exist</response>"))
    assert result == {"action": "delete-simulation", "status": 601, "response": ["Simulation #[7] does not exist"]}
    assert parse_xml(answer("calculate-tax", 301, "<response>12</response>"))["response"] == ["12"]


def test_init_session_message_is_a_list_and_login_message_a_string():
    started = parse_xml(answer("init-session", 700, "<response>session started with response type xml</response>"))
    assert started["response"] == ["session started with response type xml"]
    login = parse_xml(answer("authenticate-user", 200, "<response>Authentication successful</response>"))
    assert login["response"] == "Authentication successful"


def test_empty_element_is_the_empty_string():
    assert parse_xml(answer("display-tax-calculation", 800, "<response></response>"))["response"] == ""
    assert parse_xml(answer("display-tax-calculation", 800, "<response />"))["response"] == ""


def test_admindata_brackets_are_lists_even_with_one_bracket():
    response = (
        "<response><limits>0</limits><coeffr>0.14</coeffr><coeffn>1394.96</coeffn><tax_year>2019</tax_year></response>"
    )
    result = parse_xml(answer("get-admindata", 1000, response))
    assert result["response"] == {"limits": [0], "coeffr": [0.14], "coeffn": [1394.96], "tax_year": 2019}


def test_faulty_batch_items_are_dicts_with_their_error_and_booleans_are_booleans():
    response = (
        "<response><married>yes</married><children>true</children><salary>1e3</salary><error>bad</error></response>"
    )
    result = parse_xml(answer("calculate-taxes", 1501, response))
    assert result["response"] == [{"married": "yes", "children": True, "salary": 1000.0, "error": "bad"}]


def test_escaped_text_and_character_references_are_decoded():
    response = "<response>a &lt;b&gt; &amp; c&#10;d</response>"
    assert parse_xml(answer("calculate-tax", 301, response))["response"] == ["a <b> & c\nd"]


@pytest.mark.parametrize(
    "text",
    [
        "not xml at all",
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY a "aaaa"><!ENTITY b "&a;&a;&a;">]><root>&b;</root>',
        '<?xml version="1.0"?><!DOCTYPE r [<!ENTITY x SYSTEM "file:///etc/passwd">]><root>&x;</root>',
        "<html><body>502 Bad Gateway</body></html>",
        "<root><action>list-simulations</action></root>",
    ],
    ids=["garbage", "entity-expansion", "external-entity", "other-root", "no-status"],
)
def test_unsafe_or_foreign_documents_are_refused(text):
    with pytest.raises(ValueError):
        parse_xml(text)
