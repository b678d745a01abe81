"""The client and ``taxapp-client households`` against a real taxapp (waitress), in JSON and XML."""

import json

import pytest

from taxapp.client import TaxappError
from taxapp.client.cli import main
from tests.conftest import ROOT

SAMPLE = ROOT / "samples" / "households.json"
COUPLE = {"status": "married", "declarants": [{"born": 1980, "salary": 150000}, {"born": 1982, "salary": 150000}]}


def test_calculate_household_reads_the_same_in_json_and_xml(server_url):
    from taxapp.client import TaxappClient

    answers = []
    for response_type in ("json", "xml"):
        with TaxappClient(server_url, response_type, timeout=30) as client:
            client.login("admin", "admin")
            answers.append(client.calculate_household(COUPLE))
            answers.append(client.calculate_households([COUPLE, {**COUPLE, "dependents": [{"born": 2020}]}]))
            answers.append(client.list_simulations())
            answers.append(client.get_admindata(2020, household=True))
    json_answers, xml_answers = answers[:4], answers[4:]
    assert xml_answers == json_answers  # empty lists, booleans, nulls and numbers included
    assert json_answers[0]["tax"] == 78666 and json_answers[0]["household"]["dependents"] == []
    assert json_answers[3]["household"]["cdhr_rate"] is None


def test_a_faulty_household_raises_with_every_message(client):
    with pytest.raises(TaxappError) as caught:
        client.calculate_household({"status": "single", "declarants": [{"born": 1980}], "donations": -1})
    assert caught.value.status == 1101
    assert caught.value.messages == ["Invalid value [-1] for parameter [donations (integer from 0 to 1000000000)]"]
    with pytest.raises(TaxappError) as caught:
        client.calculate_households([COUPLE, {"status": "single"}])
    assert caught.value.status == 1201
    assert caught.value.response == [{"status": "single", "errors": ["[declarants] parameter missing"]}]


@pytest.mark.usefixtures("client_env")
def test_the_sample_file_locally_and_on_the_server_in_json_and_xml(tmp_path, capsys):
    outputs = []
    for response_type in ("json", "xml"):
        for local in (False, True):
            output = tmp_path / f"{response_type}-{local}.json"
            args = ["households", str(SAMPLE), str(output), "--format", response_type]
            assert main([*args, "--local"] if local else args) == 0
            outputs.append(output.read_text())
    assert len(set(outputs)) == 1  # local = the server, in either format
    records = json.loads(outputs[0])
    assert [r["item"] for r in records] == list(range(1, 9))
    assert records[0]["due"] == 78666 and "id" not in records[0]
    assert records[6]["household"]["year"] == 2020
    assert "8 households computed" in capsys.readouterr().err


@pytest.mark.usefixtures("client_env")
@pytest.mark.parametrize("local", [False, True])
def test_faulty_documents_are_reported_and_skipped_the_same_way(tmp_path, capsys, local):
    documents = [
        COUPLE,
        {"status": "single", "declarants": [{"born": 1990, "salary": "x"}]},
        "not a document",
        {"year": 2018, **COUPLE},
        {**COUPLE, "dependents": [{"born": 2020}]},
    ]
    source, output, errors = tmp_path / "in.json", tmp_path / "out.json", tmp_path / "errors.txt"
    source.write_text(json.dumps(documents))
    args = ["households", str(source), str(output), "--errors", str(errors), "--chunk-size", "2"]
    assert main([*args, "--local"] if local else args) == 0
    assert [r["item"] for r in json.loads(output.read_text())] == [1, 5]
    assert errors.read_text().splitlines() == [
        f"{source}:2: Invalid value [x] for parameter [declarants[0].salary (integer from 0 to 1000000000)]",
        f"{source}:3: The body of the POST request must be a list of dictionaries",
        f"{source}:4: Invalid value [2018] for parameter [year (one of 2019, 2020, 2021, 2022, 2023, 2024, 2025, 2026)]",
    ]
    assert "3 faulty documents skipped" in capsys.readouterr().err


@pytest.mark.usefixtures("client_env")
def test_a_file_that_is_not_a_list_exits_1_with_one_line(tmp_path, capsys):
    source = tmp_path / "in.json"
    source.write_text('{"status": "single"}')
    assert main(["households", str(source), "-"]) == 1
    assert capsys.readouterr().err.strip() == (
        f"taxapp-client: error: {source} is not a JSON list of household documents: "
        "a households file is a JSON list of household documents"
    )
