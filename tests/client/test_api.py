"""The client library against a real taxapp (waitress + Redis), in JSON and XML."""

import pytest

from taxapp.client import ServerUnreachable, TaxappClient, TaxappError
from taxapp.tax import TaxData

from .conftest import COURSE_CASES, PASSWORD, USER

SIMULATION_KEYS = {"married", "children", "salary", "tax", "surcharge", "discount", "reduction", "rate", "id"}


def test_calculate_tax_answers_the_simulation_with_typed_values(client):
    simulation = client.calculate_tax(married=True, children=2, salary=55555)
    assert simulation == {"id": 1, **COURSE_CASES[("yes", 2, 55555)]}
    assert type(simulation["rate"]) is float and type(simulation["tax"]) is int


def test_one_simulation_stays_a_list_and_deleting_it_leaves_an_empty_list(client):
    simulation = client.calculate_tax("no", 0, 100000)
    simulations = client.list_simulations()
    assert simulations == [simulation]
    assert client.delete_simulation(simulation["id"]) == []
    assert client.list_simulations() == []


def test_calculate_taxes_answers_the_simulations_in_order_with_new_ids(client):
    cases = list(COURSE_CASES.values())
    simulations = client.calculate_taxes(cases)  # the other keys of a result are allowed
    assert [s["id"] for s in simulations] == list(range(1, len(cases) + 1))
    assert [{k: v for k, v in s.items() if k != "id"} for s in simulations] == cases
    remaining = client.delete_simulation(2)
    assert [s["id"] for s in remaining] == [1, *range(3, len(cases) + 1)]


def test_a_one_item_batch_stays_a_list(client):
    (simulation,) = client.calculate_taxes([{"married": False, "children": 0, "salary": 100000}])
    assert set(simulation) == SIMULATION_KEYS and simulation["tax"] == COURSE_CASES[("no", 0, 100000)]["tax"]


def test_json_and_xml_give_the_same_values(server_url):
    answers = {}
    for response_type in ("json", "xml"):
        with TaxappClient(server_url, response_type) as client:
            started = client.init_session()
            answers[response_type] = [
                started[0].replace(response_type, "TYPE"),
                client.authenticate_user(USER, PASSWORD),
                client.calculate_tax(True, 3, 200000),
                client.calculate_taxes([{"married": "no", "children": 2, "salary": 100000}]),
                client.list_simulations(),
                client.delete_simulation(1),
                client.display_tax_calculation(),
                client.get_admindata(),
                client.end_session(),
            ]
    assert answers["json"] == answers["xml"]
    assert answers["xml"][0] == "session started with response type TYPE"
    assert answers["xml"][6] == "" and answers["xml"][8] == "session reset"


def test_admindata_is_what_the_tax_calculation_reads(client):
    admindata = client.get_admindata()
    data = TaxData.from_dict(admindata)
    assert data.tax_year == 2019 and len(data.limits) == 5 and isinstance(admindata["limits"], list)
    assert data.coeffr[1] == 0.14


def test_a_failure_raises_taxapp_error_with_action_statuses_and_messages(client):
    with pytest.raises(TaxappError) as caught:
        client.delete_simulation(999)
    error = caught.value
    assert (error.action, error.status, error.http_status) == ("delete-simulation", 601, 400)
    assert error.messages == ["Simulation #[999] does not exist"]
    assert "delete-simulation failed (status 601, HTTP 400)" in str(error)


def test_invalid_calculate_tax_values_give_all_their_messages(client):
    with pytest.raises(TaxappError) as caught:
        client.calculate_tax("maybe", 21, 12)
    assert caught.value.status == 301
    assert caught.value.messages == [
        "Invalid value [maybe] for parameter [married (yes/no)]",
        "Invalid value [21] for parameter [children (integer >= 0)]",
    ]


def test_a_faulty_batch_item_comes_back_with_its_error(client):
    with pytest.raises(TaxappError) as caught:
        client.calculate_taxes([{"married": "yes", "children": 1, "salary": 1000}, {"married": "yes", "children": 1}])
    error = caught.value
    assert (error.status, error.http_status) == (1501, 400)
    assert error.response == [
        {"married": "yes", "children": 1, "error": "The dictionary must include the keys [married, children, salary]"}
    ]
    assert error.messages[0].startswith("The dictionary must include the keys")
    assert client.list_simulations() == []  # nothing was calculated


def test_a_wrong_password_is_refused_and_the_session_stays_anonymous(server_url, response_type):
    client = TaxappClient(server_url, response_type)
    with pytest.raises(TaxappError) as caught:
        client.login(USER, "not the password")
    error = caught.value
    assert (error.action, error.status, error.http_status, error.messages) == (
        "authenticate-user",
        201,
        401,
        ["Authentication failed"],
    )
    with pytest.raises(TaxappError) as caught:
        client.list_simulations()
    assert caught.value.status == 101


def test_without_init_session_the_server_answers_101_in_json(server_url):
    client = TaxappClient(server_url, "xml")
    with pytest.raises(TaxappError) as caught:
        client.list_simulations()
    error = caught.value
    assert (error.status, error.http_status) == (101, 400)
    assert error.messages == ["No session in progress. Start with action [init-session]"]


def test_each_instance_keeps_its_own_session(server_url):
    with TaxappClient(server_url) as first, TaxappClient(server_url, "xml") as second:
        first.login(USER, PASSWORD)
        second.login(USER, PASSWORD)
        first.calculate_tax(True, 2, 55555)
        assert second.list_simulations() == []
        assert len(first.list_simulations()) == 1
        assert [c.name for c in first.cookies] == ["session"]


def test_end_session_forgets_the_login(server_url, response_type):
    client = TaxappClient(server_url, response_type)
    client.login(USER, PASSWORD)
    assert client.end_session() == "session reset"
    with pytest.raises(TaxappError) as caught:
        client.get_admindata()
    assert caught.value.status == 101


def test_an_answer_that_is_not_taxapp_s_is_a_taxapp_error_without_status(server_url):
    client = TaxappClient(server_url + "/not-taxapp")
    with pytest.raises(TaxappError) as caught:
        client.init_session()
    assert (caught.value.status, caught.value.http_status) == (None, 404)
    assert "not a taxapp answer" in caught.value.messages[0]


def test_a_server_that_does_not_answer_raises_server_unreachable(dead_url):
    with pytest.raises(ServerUnreachable) as caught:
        TaxappClient(dead_url).init_session()
    assert caught.value.url == dead_url and dead_url in str(caught.value)
    assert not isinstance(caught.value, TaxappError)


def test_arguments_are_checked_before_any_request():
    with pytest.raises(ValueError):
        TaxappClient(response_type="html")
    with pytest.raises(ValueError):
        TaxappClient().delete_simulation(-1)
