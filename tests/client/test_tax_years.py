"""taxapp-client with tax years: --year and --rules, local == batch (the file's named fields: tests/unit)."""

import json
import random

import pytest

from taxapp.client.cli import main
from tests.tax.conftest import PARAMETERS, TAX_YEARS
from tests.tax.exact import exact_tax, rounded

from .conftest import COURSE_CASES


def write_mixed_file(path, count=300):
    """Households of every year and both rules, case T included, with a few course lines."""
    random.seed(10)
    lines = [
        "# mixed years\n",
        "1,yes,2,55555\n",
        "2,yes,2,50000,year=2019\n",
        "3,yes,2,50000,rules=official\n",
        "4,no,1,80000,year=2026,single_parent=yes\n",
        "5,no,2,30000,single_parent=no\n",
    ]
    for i in range(6, count):
        year = random.choice(TAX_YEARS)
        married, children = random.choice(["yes", "no"]), random.randint(0, 6)
        fields = [str(i), married, str(children), str(random.randint(0, 250_000)), f"year={year}"]
        if year == 2019 and random.random() < 0.5:
            fields.append("rules=official")
        if married == "no" and children and (year > 2019 or "rules=official" in fields) and random.random() < 0.5:
            fields.append("single_parent=yes")
        lines.append(",".join(fields) + "\n")
    path.write_text("".join(lines))


@pytest.mark.usefixtures("client_env")
def test_local_equals_batch_for_a_file_mixing_years_and_rules(response_type, tmp_path):
    source = tmp_path / "mixed.txt"
    write_mixed_file(source)
    outputs = {}
    for mode in ("batch", "local"):
        outputs[mode] = tmp_path / f"{mode}.json"
        workers = ["--workers", "2"] if mode == "batch" else []
        assert main([mode, str(source), str(outputs[mode]), "--format", response_type, *workers]) == 0
    batch, local = (json.loads(outputs[m].read_text()) for m in ("batch", "local"))
    assert local == batch and len(batch) == 299
    by_id = {r["id"]: r for r in batch}
    # without any named field: the course's record, as before
    assert list(by_id[1]) == [
        "id",
        "married",
        "children",
        "salary",
        "tax",
        "surcharge",
        "discount",
        "reduction",
        "rate",
    ]
    assert by_id[1]["tax"] == COURSE_CASES[("yes", 2, 55555)]["tax"]
    assert (by_id[2]["year"], by_id[2]["rules"], by_id[2]["tax"]) == (2019, "course", 1384)
    assert (by_id[3]["rules"], by_id[3]["tax"]) == ("official", 1385)
    assert list(by_id[4])[:7] == ["id", "married", "children", "salary", "single_parent", "year", "rules"]
    # every official line as the law's rules give it (tests/tax/exact.py)
    for r in batch:
        if r.get("rules") == "official":
            tax, surcharge, discount, reduction, rate = rounded(
                exact_tax(
                    PARAMETERS[r["year"]],
                    r["married"] == "yes",
                    r["children"],
                    r["salary"],
                    r.get("single_parent") == "yes",
                )
            )
            assert (r["tax"], r["surcharge"], r["discount"], r["reduction"], r["rate"]) == (
                tax,
                surcharge,
                discount,
                reduction,
                rate,
            ), r


@pytest.mark.usefixtures("client_env")
@pytest.mark.parametrize("mode", ["batch", "local"])
def test_year_and_rules_options(mode, tmp_path):
    source, output = tmp_path / "in.txt", tmp_path / "out.json"
    source.write_text("1,yes,2,50000\n2,yes,2,50000,year=2021\n")
    assert main([mode, str(source), str(output), "--year", "2019", "--rules", "official"]) == 0
    first, second = json.loads(output.read_text())
    assert (first["year"], first["rules"], first["tax"]) == (2019, "official", 1385)
    assert (second["year"], second["rules"]) == (2021, "official")
    assert second["tax"] == rounded(exact_tax(PARAMETERS[2021], True, 2, 50000))[0]


@pytest.mark.usefixtures("client_env")
def test_an_unknown_year_is_the_server_s_message(tmp_path, capsys):
    source, output = tmp_path / "in.txt", tmp_path / "out.json"
    source.write_text("1,yes,2,50000,year=2031\n")
    assert main(["local", str(source), str(output)]) == 1
    assert "Invalid value [2031] for parameter [year (one of 2019" in capsys.readouterr().err


def test_get_admindata_of_a_year_in_both_formats(client):
    data = client.get_admindata(2023)
    assert data["tax_year"] == 2023 and data["rules_available"] == ["official"]
    assert data["reduction_rate"] is None and data["discount_rate"] == 0.4525
    simulation = client.calculate_tax("no", 1, 80000, year=2026, single_parent="yes")
    assert (simulation["single_parent"], simulation["year"], simulation["rules"]) == ("yes", 2026, "official")
