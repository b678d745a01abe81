"""Every published result of the original application, to the euro."""

import json

import pytest

from taxapp.tax import calculate_tax, shares
from tests.conftest import DATA

CASES = json.loads((DATA / "course-cases.json").read_text())


def test_the_published_file_has_the_cases_of_tax_md():
    assert len(CASES) >= 13


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c['married']}-{c['children']}-{c['salary']}")
def test_published_case(data, case):
    result = calculate_tax(data, case["married"] == "yes", case["children"], case["salary"])
    assert (result.tax, result.surcharge, result.discount, result.reduction) == (
        case["tax"],
        case["surcharge"],
        case["discount"],
        case["reduction"],
    )
    assert result.rate == case["rate"]


def test_float_rounding_of_the_original_is_kept(data):
    # exact arithmetic gives 37821: the original's floats give 37820
    assert calculate_tax(data, True, 0, 172620).tax == 37820


def test_tie_in_the_family_quotient_cap_keeps_the_first_rate(data):
    assert calculate_tax(data, True, 1, 67075).rate == 0.14


@pytest.mark.parametrize(
    "married, children, expected",
    [(False, 0, 1), (True, 0, 2), (True, 1, 2.5), (True, 2, 3), (True, 3, 4), (False, 5, 5)],
)
def test_shares(married, children, expected):
    assert shares(married, children) == expected
